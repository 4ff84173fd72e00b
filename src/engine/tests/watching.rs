//! The watch list changed at run time: symbols join in watch-list order, removed books and
//! symbols leave the frame, the history's totals and the alert states, and the books that stay
//! read exactly as if nothing had happened.

use super::*;
use crate::feed::event::WatchChange;

const BIDS: [(f64, f64); 2] = [(100.0, 3.0), (99.9, 5.0)];
const ASKS: [(f64, f64); 2] = [(100.1, 1.0), (100.2, 4.0)];

fn watch(change: WatchChange) -> MarketEvent {
    MarketEvent::Watch(change)
}

fn spot(s: &Script, base: &str) -> MarketEvent {
    s.instrument(base, "USDT", MarketKind::Spot, Contract::Base)
}

fn names(frame: &Frame) -> Vec<(&str, usize)> {
    frame
        .symbols
        .iter()
        .map(|s| (s.symbol.as_str(), s.books.len()))
        .collect()
}

/// BTC's book through a minute of deltas and trades, the same for both engines.
fn btc_events(btc: &mut Script, from: Millis, to: Millis) -> Vec<MarketEvent> {
    let mut events = Vec::new();
    for ms in (from..to).step_by(500) {
        let size = 1.0 + (ms % 7_000) as f64 / 1_000.0;
        events.push(btc.delta(ms, &[(Side::Bid, 100.0, size)]));
        events.push(btc.trade(ms, 100.1, 0.5, TakerSide::Buy));
    }
    events
}

#[test]
fn symbols_come_and_go_and_the_books_that_stay_never_notice() {
    let mut e = Engine::new(settings(&["BTC"], Vec::new()));
    let mut same = Engine::new(settings(&["BTC"], Vec::new()));
    let mut btc = Script::new(VenueId::Okx, "BTC-USDT");
    let mut sol = Script::new(VenueId::Okx, "SOL-USDT");
    let eth = Script::new(VenueId::Okx, "ETH-USDT");
    let start: Vec<MarketEvent> = [btc.spot()]
        .into_iter()
        .chain(btc.live(0, &BIDS, &ASKS))
        .collect();
    feed(&mut e, start.clone());
    feed(&mut same, start);
    // A book no entry names is shown after the watch list.
    feed(&mut e, [spot(&eth, "ETH")]);
    feed(&mut e, eth.live(0, &BIDS, &ASKS));
    assert_eq!(names(&e.tick(at(500))), [("BTC", 1), ("ETH", 1)]);

    // `:add SOL`: watched at once (before its books), placed after BTC and before ETH.
    feed(&mut e, [watch(WatchChange::Watch("SOL".into()))]);
    assert_eq!(
        names(&e.tick(at(600))),
        [("BTC", 1), ("SOL", 0), ("ETH", 1)]
    );
    feed(&mut e, [spot(&sol, "SOL")]);
    feed(&mut e, sol.live(700, &BIDS, &ASKS));
    let run = btc_events(&mut btc, 1_000, 30_000);
    feed(&mut e, run.clone());
    feed(&mut same, run);
    for ms in (1_000..30_000).step_by(500) {
        feed(&mut e, [sol.trade(ms, 100.1, 2.0, TakerSide::Sell)]);
    }
    assert_eq!(
        names(&e.tick(at(30_000))),
        [("BTC", 1), ("SOL", 1), ("ETH", 1)]
    );
    // Watching a symbol already shown makes it a watched one, in list order.
    feed(&mut e, [watch(WatchChange::Watch("eth".into()))]);
    assert_eq!(
        names(&e.tick(at(30_100))),
        [("BTC", 1), ("SOL", 1), ("ETH", 1)]
    );
    assert!(e.book_totals().any(|(k, _)| *k == sol.key));

    // `:rm SOL`: the venue removes its book, then the symbol is unwatched.
    feed(&mut e, [watch(WatchChange::BookRemoved(sol.key.clone()))]);
    assert_eq!(
        names(&e.tick(at(30_200))),
        [("BTC", 1), ("SOL", 0), ("ETH", 1)]
    );
    feed(&mut e, [watch(WatchChange::Unwatch("SOL".into()))]);
    let run = btc_events(&mut btc, 30_500, 60_000);
    feed(&mut e, run.clone());
    feed(&mut same, run);
    let frame = e.tick(at(60_000));
    assert_eq!(names(&frame), [("BTC", 1), ("ETH", 1)]);
    // History rows and samples stop for it.
    assert!(e.book_totals().all(|(k, _)| *k != sol.key));
    assert!(e.take_warm(at(60_000)).iter().all(|(k, ..)| *k != sol.key));

    // BTC reads exactly as in an engine that never saw SOL or ETH.
    let reference = same.tick(at(60_000));
    let shown = |f: &Frame| format!("{:?}", book(f, &btc.key));
    assert_eq!(shown(&frame), shown(&reference));
    assert_eq!(
        e.book_totals()
            .find(|(k, _)| **k == btc.key)
            .map(|(_, t)| t),
        same.book_totals()
            .find(|(k, _)| **k == btc.key)
            .map(|(_, t)| t)
    );

    // Watched again later: a fresh symbol, its book created by its instrument event.
    feed(&mut e, [watch(WatchChange::Watch("SOL".into()))]);
    feed(&mut e, [spot(&sol, "SOL")]);
    feed(&mut e, sol.live(61_000, &BIDS, &ASKS));
    let frame = e.tick(at(62_000));
    assert_eq!(names(&frame), [("BTC", 1), ("ETH", 1), ("SOL", 1)]);
}
