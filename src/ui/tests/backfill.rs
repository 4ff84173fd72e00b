//! The REST backfill on screen: a progress line in the header while it runs, and in the Health
//! view its pages, failures, the venues given up on and what cannot be backfilled.

use super::{app, draw, fixtures, press, text};
use crate::backfill::{BackfillProgress, BackfillSource, BackfillState};
use crate::engine::frame::{BackfillView, DataMode};
use crate::market::VenueId;
use crate::ui::action::Command;

fn progress(state: BackfillState) -> BackfillView {
    BackfillView {
        progress: BackfillProgress {
            source: BackfillSource::Rest,
            state,
            hours: 24.0,
            pages_done: 12,
            pages_total: 30,
            failed: 1,
            retries: 2,
            books_done: 1,
            books_total: 4,
            closed: vec![(VenueId::Okx, "offline (request failed)".into())],
            last_error: None,
            venues: Vec::new(),
        },
        seeded_books: 1,
        stored_rows: 0,
    }
}

#[test]
fn a_running_backfill_shows_in_the_header_and_the_health_view() {
    let mut frame = fixtures::frame_at(1, fixtures::NOW, DataMode::Live);
    frame.backfill = Some(progress(BackfillState::Running));
    let mut running = app(frame.clone());
    press(&mut running, &[Command::ViewHealth]);
    let screen = text(draw(&running, 200, 60).backend().buffer());
    let header = screen.lines().next().unwrap();
    assert!(header.contains("backfill 24h 12/30 pages"), "{header}");
    assert!(
        screen.contains(
            "REST backfill 24h running: 12/30 pages, 1 books seeded, 1 failed; okx: offline"
        ),
        "{screen}"
    );
    assert!(screen.contains("cannot be backfilled"), "{screen}");
    // Narrower, the note wraps between words: its last words are on screen.
    for (w, h) in [(80, 40), (120, 40)] {
        let screen = text(draw(&running, w, h).backend().buffer());
        assert!(
            screen.contains("they warm from the live stream"),
            "{w}×{h}\n{screen}"
        );
    }

    // Done: the header line goes, the Health view keeps the outcome.
    frame.backfill = Some(progress(BackfillState::Done));
    let mut done = app(frame);
    press(&mut done, &[Command::ViewHealth]);
    let screen = text(draw(&done, 200, 60).backend().buffer());
    assert!(!screen.lines().next().unwrap().contains("backfill"));
    assert!(screen.contains("REST backfill 24h done"), "{screen}");
}

/// The demo's older hours building: the header says how far (not pages), the Health view how
/// many symbol-hours are built and books seeded.
#[test]
fn the_demos_older_past_shows_as_building() {
    let mut frame = fixtures::frame_at(1, fixtures::NOW, DataMode::Simulated { seed: 1 });
    frame.backfill = Some(BackfillView {
        progress: BackfillProgress::simulated_past(22.0, 30, 120, BackfillState::Running),
        seeded_books: 0,
        stored_rows: 0,
    });
    let mut running = app(frame);
    press(&mut running, &[Command::ViewHealth]);
    let screen = text(draw(&running, 200, 60).backend().buffer());
    let header = screen.lines().next().unwrap();
    assert!(header.contains("building past 25%"), "{header}");
    assert!(!header.contains("pages"), "{header}");
    assert!(
        screen.contains("SIMULATED past, older 22h running: 30/120 symbol-hours built"),
        "{screen}"
    );
    assert!(!screen.contains("cannot be backfilled"), "{screen}");
}
