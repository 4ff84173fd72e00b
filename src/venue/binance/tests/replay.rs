//! The real recordings replayed through the driver, each book checked against the reference
//! model, which applies Binance's documented procedure on its own.

use crate::feed::adapter::Adapter;
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::protocol::Protocol;
use crate::market::TakerSide;
use crate::testutil::reference::{DepthRule, Reference};
use crate::testutil::{capture, check_books, replay_cryptofeed_with_rest, top25, trades};
use crate::venue::binance::{BinanceSpot, BinanceUsdm};

/// What a replay report would show for one venue.
#[derive(Debug, Default, PartialEq, Eq)]
struct Totals {
    books: usize,
    messages: u64,
    stale: u64,
    gaps: u64,
    resyncs: u64,
    crossed: u64,
    checksum_absent: u64,
    trades: usize,
}

/// Replay `ws` + `http` through `protocol`'s driver and check every book against the
/// reference, which applies Binance's documented procedure (`rule`) on its own.
fn replay_against_model<P: Protocol>(protocol: P, ws: &str, http: &str, rule: DepthRule) -> Totals {
    let mut driver = Driver::new(protocol, DriverConfig::replay(), Vec::new(), Vec::new());
    let out = replay_cryptofeed_with_rest(&mut driver, ws, Some(http));
    assert!(out.problems.is_empty(), "{:#?}", out.problems);
    let model = Reference::binance(ws, http, rule);

    let books = driver.books();
    let total = check_books(&books, &model);
    let mut depth_events = 0;
    for sync in &books {
        let id = &*sync.key().instrument;
        let expected = model.book(id);
        assert_eq!(expected.gaps, 0, "{id}: the model itself found a gap");
        assert_eq!(top25(sync).0.len(), 25, "{id}: a full top 25 was compared");
        assert_eq!(sync.counters().stale, expected.stale, "{id} stale");
        // Applied after the snapshot, plus stale: every event recorded for the book.
        depth_events += expected.applied - 1 + expected.stale;
    }
    assert_eq!(books.len(), model.books.len());
    assert_eq!(
        total.messages,
        model.books.len() as u64 + depth_events,
        "one snapshot per book and every depth event"
    );

    let trades = trades(&out.events);
    assert_eq!(trades.len(), model.trades.len());
    for (trade, expected) in trades.iter().zip(&model.trades) {
        let taker = if expected.taker_buys {
            TakerSide::Buy
        } else {
            TakerSide::Sell
        };
        assert_eq!(trade.taker, Some(taker));
        assert_eq!(trade.price, expected.price.parse::<f64>().unwrap());
    }
    Totals {
        books: books.len(),
        messages: total.messages,
        stale: total.stale,
        gaps: total.seq_gaps,
        resyncs: total.resyncs,
        crossed: total.crossed,
        checksum_absent: total.checksum_absent,
        trades: trades.len(),
    }
}

#[test]
fn real_spot_capture_replays_with_rest_snapshots_and_matches_the_model() {
    let (Some(ws), Some(http)) = (
        capture("binance/cryptofeed_BINANCE.ws.1.0.txt"),
        capture("binance/cryptofeed_BINANCE.http.0.0.txt"),
    ) else {
        return;
    };
    let totals = replay_against_model(BinanceSpot::new(None, None), &ws, &http, DepthRule::Spot);
    // 4 books (NKNUSDT, BLZETH, LRCBTC, RUNEEUR): 4 snapshots + 177 depth events, of which 5
    // were already in their snapshot; the 2 recorded aggTrades.
    assert_eq!(
        totals,
        Totals {
            books: 4,
            messages: 181,
            stale: 5,
            checksum_absent: 181,
            trades: 2,
            ..Totals::default()
        }
    );
}

#[test]
fn real_usdm_capture_replays_with_rest_snapshots_and_matches_the_model() {
    let (Some(ws), Some(http)) = (
        capture("binance/cryptofeed_BINANCE_FUTURES.ws.1.0.txt"),
        capture("binance/cryptofeed_BINANCE_FUTURES.http.0.0.txt"),
    ) else {
        return;
    };
    let totals = replay_against_model(BinanceUsdm::new(None, None), &ws, &http, DepthRule::Usdm);
    // 4 books (SUSHI, AKRO, KEEP, CTK-USDT): 4 snapshots + 764 depth events, 12 stale; 91
    // aggTrades.
    assert_eq!(
        totals,
        Totals {
            books: 4,
            messages: 768,
            stale: 12,
            checksum_absent: 768,
            trades: 91,
            ..Totals::default()
        }
    );
}
