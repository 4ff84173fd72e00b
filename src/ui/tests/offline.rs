//! Offline at start and venues in backoff: the header, the overview and Health say so, with the
//! time of the next attempt, instead of a blank `SYNCING`.

use super::*;
use crate::feed::health::ConnState;

const RETRY_AT: crate::market::Nanos = fixtures::NOW + 4_000_000_000;

fn backoff() -> ConnState {
    ConnState::Backoff {
        until: RETRY_AT,
        reason: "no instrument list".into(),
    }
}

#[test]
fn offline_at_start_says_when_it_retries_everywhere() {
    let mut frame = fixtures::frame();
    for s in &mut frame.symbols {
        s.books.clear();
    }
    for v in &mut frame.venues {
        v.state = backoff();
    }
    let mut app = app(frame);
    let screen = text(draw(&app, 120, 30).backend().buffer());
    let header = screen.lines().next().unwrap();
    assert!(header.contains("OFFLINE, retrying in 3.7s"), "{header}");
    assert!(
        screen.contains("No venue reachable: OFFLINE, retrying in 3.7s"),
        "{screen}"
    );
    press(&mut app, &[Command::ViewHealth]);
    let screen = text(draw(&app, 120, 30).backend().buffer());
    assert!(
        screen.contains("Venues │ OFFLINE, retrying in 3.7s"),
        "{screen}"
    );
    assert!(
        screen.contains("BACKOFF 3.7s (no instrument list)"),
        "{screen}"
    );
}

#[test]
fn a_book_whose_venue_is_in_backoff_shows_backoff_not_syncing() {
    let mut frame = fixtures::frame();
    for v in &mut frame.venues {
        if v.venue == VenueId::Okx {
            v.state = backoff();
        }
    }
    let app = app(frame);
    // Wide enough for the long state words: the retry's countdown too.
    let screen = text(draw(&app, 200, 60).backend().buffer());
    let okx_spot = screen
        .lines()
        .find(|l| l.contains("ETH   okx spot"))
        .expect("the okx ETH row");
    assert!(okx_spot.contains("BACKOFF 3.7s"), "{okx_spot}");
    assert!(!okx_spot.contains("SYNCING"), "{okx_spot}");
    // Narrower, the short state word still says BACKOFF, never SYNCING.
    let narrow = text(draw(&app, 120, 40).backend().buffer());
    let row = narrow
        .lines()
        .find(|l| l.contains("ETH   okx spot"))
        .expect("the okx ETH row");
    assert!(row.contains("BACKOFF") && !row.contains("SYNCING"), "{row}");
    // Connected venues are not offline: the header shows the data's age.
    assert!(!screen.lines().next().unwrap().contains("OFFLINE"));
}
