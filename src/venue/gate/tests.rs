//! Gate against real frames (the 2026-09-15 `futures.obu` probe, trimmed) and hand-written
//! `obu` sequences through the driver: what the recordings lack (gaps, duplicates, a pair Gate
//! acknowledges and never serves).

use super::{Gate, Spot, Usdt};
use crate::feed::adapter::{Adapter, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::feed::protocol::Parsed;
use crate::instrument::{Contract, Instrument, MarketKind, guess};
use crate::integrity::ResyncReason;
use crate::market::{Side, TakerSide, VenueId};
use crate::testutil::{capture, feed_frames};

const OBU_FRAMES: &str = "gateio/nemanull_2026-09-15_futures_obu_frames_trimmed.ndjson";

fn contract(id: &str, multiplier: f64) -> Instrument {
    let mut i = guess(VenueId::GateUsdt, id);
    i.kind = MarketKind::Perpetual;
    i.contract = Contract::Linear { multiplier };
    i
}

/// Every frame of the 2026 probe reads as what it is: the `obu` acknowledgement, two `full`
/// snapshots (their depth from the stream name), a delta and an id-only delta (no levels, ids
/// still carried), a pong, the duplicate-subscription refusal naming its pair, `futures.tickers`
/// with open interest absent (the probe's ticker has no `total_size`), and `book_ticker`
/// ignored. The legacy `order_book_update` delta (levels as `{"p","s":<number>}`) reads too.
#[test]
fn the_2026_futures_obu_frames_parse() {
    let Some(text) = capture(OBU_FRAMES) else {
        return;
    };
    let known = [contract("BTC_USDT", 0.0001), contract("ETH_USDT", 0.01)];
    let mut gate = Gate::<Usdt>::new(None, None, &known);
    let mut kinds = Vec::new();
    let mut level_counts = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut levels = Vec::new();
        let parsed = crate::feed::protocol::Protocol::parse(&mut gate, 0, line, &mut levels);
        let kind = match parsed {
            Ok(Parsed::Control) => "control".to_owned(),
            Ok(Parsed::Ignored) => "ignored".to_owned(),
            Ok(Parsed::Book(b)) => {
                level_counts.push(levels.len());
                let ids = b.seq;
                format!(
                    "{} {} {}..{} {:?}",
                    if b.snapshot.is_some() {
                        "full"
                    } else {
                        "delta"
                    },
                    b.instrument,
                    ids.first,
                    ids.last,
                    b.snapshot
                )
            }
            Ok(Parsed::VenueError {
                instrument,
                message,
            }) => format!("error {instrument:?} {message}"),
            Ok(Parsed::Derivs(d)) => {
                let v = &d[0].values;
                assert_eq!(v.mark_price, Some(77_183.5));
                assert_eq!(v.index_price, Some(77_221.8));
                assert_eq!(v.funding_rate, Some(0.000_072));
                assert_eq!(v.next_funding_ts, Some(1_789_459_200_000));
                assert_eq!(v.funding_interval_h, Some(8.0));
                assert_eq!(v.open_interest, None);
                format!("derivs {}", d[0].instrument)
            }
            Ok(other) => format!("{other:?}"),
            Err(e) => format!("refused: {e}"),
        };
        kinds.push(kind);
    }
    assert_eq!(
        kinds,
        [
            "control",
            "full ETH_USDT 108552472643..108552472643 Some(Some(50))",
            "full CHR_USDT 3258990980..3258990980 Some(Some(50))",
            "delta BTC_USDT 125033675975..125033676003 None",
            "delta BTC_USDT 125033676004..125033676011 None",
            "delta BTC_USDT 125033668137..125033668232 None",
            "control",
            "error Some(\"BTC_USDT\") Alert sub ob.BTC_USDT.50 (code 2)",
            "derivs BTC_USDT",
            "ignored",
        ]
    );
    assert_eq!(level_counts, [6, 4, 3, 0, 3]);
}

fn frame(channel: &str, result: &str) -> String {
    format!(
        r#"{{"time":1789455580,"time_ms":1789455580280,"channel":"{channel}","event":"update","result":{result}}}"#
    )
}

fn full(pair: &str, u: u64, bid: &str) -> String {
    frame(
        "futures.obu",
        &format!(
            r#"{{"t":1789455580280,"full":true,"s":"ob.{pair}.50","u":{u},"b":[["{bid}","10"]],"a":[["77235","50"]]}}"#
        ),
    )
}

fn delta(pair: &str, first: u64, last: u64, bid: &str, size: &str) -> String {
    frame(
        "futures.obu",
        &format!(
            r#"{{"t":1789455580300,"s":"ob.{pair}.50","U":{first},"u":{last},"b":[["{bid}",{size}]]}}"#
        ),
    )
}

fn driver(pairs: &[&str]) -> Driver<Gate<Usdt>> {
    let instruments: Vec<Instrument> = pairs.iter().map(|p| contract(p, 0.0001)).collect();
    let gate = Gate::<Usdt>::new(None, None, &instruments);
    Driver::new(gate, DriverConfig::live(), instruments, Vec::new())
}

fn bids(d: &Driver<Gate<Usdt>>) -> Vec<[String; 2]> {
    d.books()[0]
        .book()
        .top(Side::Bid, 9)
        .map(|l| [l.price.to_string(), l.size.to_string()])
        .collect()
}

/// A delta must start right after the last: a duplicate is stale and changes nothing, a
/// skipped id fails the book, which resyncs by unsubscribing and subscribing its `obu` stream;
/// the new `full` snapshot makes it live again. Sizes written as JSON numbers with exponents
/// are exact (`2.2e3` contracts is 2200).
#[test]
fn obu_books_follow_on_exactly_and_resync_by_resubscribing() {
    let mut d = driver(&["BTC_USDT"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(out.sends.len(), 3, "obu, trades, tickers: {:?}", out.sends);
    let out = feed_frames(
        &mut d,
        &[
            full("BTC_USDT", 100, "77222.9"),
            delta("BTC_USDT", 101, 103, "77222.8", "2.2e3"),
            delta("BTC_USDT", 101, 103, "77222.7", "5"),
            delta("BTC_USDT", 104, 104, "77222.9", "0"),
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(d.books()[0].counters().stale, 1);
    assert_eq!(bids(&d), [["77222.8".to_owned(), "2200".to_owned()]]);

    let out = feed_frames(&mut d, &[delta("BTC_USDT", 106, 107, "77222", "1")]);
    assert_eq!(d.books()[0].counters().seq_gaps, 1);
    assert!(matches!(d.books()[0].state(), BookState::Resyncing(_)));
    let sent: Vec<&str> = out.sends.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains(r#""event":"unsubscribe""#) && sent[0].contains("ob.BTC_USDT.50"));
    assert!(sent[1].contains(r#""event":"subscribe""#) && sent[1].contains("ob.BTC_USDT.50"));
    feed_frames(&mut d, &[full("BTC_USDT", 200, "77200")]);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(bids(&d), [["77200".to_owned(), "10".to_owned()]]);
}

/// Gate acknowledges a pair it does not serve and then sends nothing for it: the snapshot
/// watchdog finds the book without a snapshot after its timeout and resubscribes it, while the
/// served book stays live.
#[test]
fn an_acknowledged_pair_that_never_comes_is_caught_by_the_snapshot_watchdog() {
    let mut d = driver(&["BTC_USDT", "NOPE_USDT"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    let ack = r#"{"time":1789456334,"time_ms":1789456334999,"conn_id":"c59a69fd3702aa1d","channel":"futures.obu","event":"subscribe","payload":["ob.BTC_USDT.50","ob.NOPE_USDT.50"],"result":{"status":"success"}}"#;
    let out = feed_frames(&mut d, &[ack.to_owned(), full("BTC_USDT", 100, "77222.9")]);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let state = |d: &Driver<Gate<Usdt>>, id: &str| {
        d.books()
            .into_iter()
            .find(|b| &*b.key().instrument == id)
            .unwrap()
            .state()
            .clone()
    };
    let mut before = Output::default();
    d.on_tick(10_000_000_000, &mut before);
    assert!(before.sends.iter().all(|(_, m)| !m.contains("ob.")));
    assert!(!state(&d, "NOPE_USDT").is_live());

    let mut after = Output::default();
    d.on_tick(16_000_000_000, &mut after);
    assert_eq!(
        state(&d, "NOPE_USDT"),
        BookState::Resyncing(ResyncReason::NoSnapshot)
    );
    let resubscribed: Vec<&str> = after
        .sends
        .iter()
        .map(|(_, m)| m.as_str())
        .filter(|m| m.contains("ob.NOPE_USDT.50"))
        .collect();
    assert_eq!(resubscribed.len(), 2, "{:?}", after.sends);
    assert_eq!(state(&d, "BTC_USDT"), BookState::Live);
}

/// Trades carry the taker's side: on spot as `side`, on futures as the sign of `size`
/// (negative: the taker sold), in contracts the driver turns into base units by the
/// contract's `quanto_multiplier` (108 BTC_USDT contracts are 0.0108 BTC).
#[test]
fn trades_carry_the_takers_side() {
    let spot = frame(
        "spot.trades",
        r#"{"id":816995772,"create_time":1619093543,"create_time_ms":"1619093543708.2642","side":"sell","currency_pair":"DIS_USDT","amount":"0.2010000000","price":"121.5800000000"}"#,
    );
    let mut gate = Gate::<Spot>::new(None, None, &[]);
    let mut levels = Vec::new();
    let Ok(Parsed::Trades(t)) =
        crate::feed::protocol::Protocol::parse(&mut gate, 0, &spot, &mut levels)
    else {
        panic!("spot trades")
    };
    assert_eq!(t[0].taker, Some(TakerSide::Sell));
    assert_eq!(
        (t[0].ts, t[0].size.to_string()),
        (1_619_093_543_708, "0.2010000000".to_owned())
    );

    let mut d = driver(&["BTC_USDT"]);
    let futures = frame(
        "futures.trades",
        r#"[{"id":1,"create_time":1789455580,"create_time_ms":1789455580280,"contract":"BTC_USDT","size":-108,"price":"77222.9"},{"id":2,"create_time_ms":1789455580281,"contract":"BTC_USDT","size":2.5e1,"price":"77223"}]"#,
    );
    let out = feed_frames(&mut d, &[futures]);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let trades: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Trade(t) => Some((t.taker, t.size.to_string())),
            _ => None,
        })
        .collect();
    assert_eq!(
        trades,
        [
            (Some(TakerSide::Sell), "0.0108".to_owned()),
            (Some(TakerSide::Buy), "0.0025".to_owned())
        ]
    );
}

/// `futures.tickers` open interest is `total_size` contracts times the contract's multiplier:
/// 1,000,000 BTC_USDT contracts at 0.0001 are 100 BTC; a contract of unknown size gives none.
#[test]
fn ticker_open_interest_is_in_base_units() {
    let known = [contract("BTC_USDT", 0.0001)];
    let gate = Gate::<Usdt>::new(None, None, &known);
    let tickers = frame(
        "futures.tickers",
        r#"[{"contract":"BTC_USDT","mark_price":"77183.5","index_price":"77221.8","funding_rate":"0.000072","funding_next_apply":1789459200,"funding_interval":28800,"total_size":"1000000"},{"contract":"XYZ_USDT","total_size":"5"}]"#,
    );
    let mut levels = Vec::new();
    let Ok(Parsed::Derivs(d)) = gate.parser.parse(&tickers, &mut levels) else {
        panic!("derivs")
    };
    assert!((d[0].values.open_interest.unwrap() - 100.0).abs() < 1e-9);
    assert_eq!(d[1].values.open_interest, None);
}

/// Bad input is an error naming what is wrong, never a panic or a silently wrong number.
#[test]
fn malformed_frames_are_errors_and_the_book_stays_live() {
    let mut d = driver(&["BTC_USDT"]);
    feed_frames(&mut d, &[full("BTC_USDT", 100, "77222.9")]);
    let bad = [
        r#"{"time":1,"channel":"futures.obu","event":"update","result":{"t":1,"s":"ob.BTC_USDT.50","U":101,"#.to_owned(),
        delta("BTC_USDT", 101, 101, "-5", "1"),
        delta("BTC_USDT", 101, 101, "1", "1e99999"),
        delta("BTC_USDT", 101, 101, "1", "\"x\""),
        frame("futures.obu", r#"{"t":1,"s":"BTC_USDT","U":101,"u":101}"#),
        frame("futures.obu", r#"{"t":1,"s":"ob.BTC_USDT.50","u":101}"#),
        frame("futures.trades", r#"[{"id":1,"create_time_ms":1,"contract":"BTC_USDT","size":"1x","price":"1"}]"#),
        frame("futures.tickers", r#"[{"contract":"BTC_USDT","mark_price":"NaN"}]"#),
        frame("spot.level3", "{}"),
        r#"{"time":1,"channel":"futures.obu","event":"weird"}"#.to_owned(),
    ];
    let out = feed_frames(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert!(out.problems[5].contains("without U"), "{}", out.problems[5]);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(bids(&d), [["77222.9".to_owned(), "10".to_owned()]]);
}

/// A real legacy recording and its REST snapshots through the driver (the recording's own
/// subscriptions mark its pairs as REST-synced), every book checked against the reference model,
/// which applies Gate's documented legacy procedure on its own.
fn replay_legacy<M: super::Market>(ws: &str, http: &str) -> Option<(usize, u64, u64, usize)> {
    use crate::testutil::reference::Reference;
    use crate::testutil::{check_books, replay_cryptofeed_with_rest, trades};
    let (ws, http) = (capture(ws)?, capture(http)?);
    let gate = Gate::<M>::new(None, None, &[]);
    let mut driver = Driver::new(gate, DriverConfig::replay(), Vec::new(), Vec::new());
    let out = replay_cryptofeed_with_rest(&mut driver, &ws, Some(&http));
    assert!(out.problems.is_empty(), "{:#?}", out.problems);
    let model = Reference::gate(&ws, &http);
    let books = driver.books();
    assert_eq!(books.len(), model.books.len());
    let total = check_books(&books, &model);
    assert_eq!((total.seq_gaps, total.resyncs, total.crossed), (0, 0, 0));
    for sync in &books {
        let id = &*sync.key().instrument;
        let expected = model.book(id);
        assert_eq!(expected.gaps, 0, "{id}: the model itself found a gap");
        assert_eq!(sync.counters().stale, expected.stale, "{id} stale");
    }
    let published = trades(&out.events);
    assert_eq!(published.len(), model.trades.len());
    for (t, r) in published.iter().zip(&model.trades) {
        let taker = if r.taker_buys {
            TakerSide::Buy
        } else {
            TakerSide::Sell
        };
        assert_eq!((&*t.key.instrument, t.taker), (&*r.book, Some(taker)));
    }
    Some((books.len(), total.messages, total.stale, published.len()))
}

/// The 2021 spot recording: 10 pairs from their REST `id`, 0 gaps, books equal to the model.
#[test]
fn the_legacy_spot_recording_replays_without_gaps_and_matches_the_model() {
    let Some(totals) = replay_legacy::<Spot>(
        "gateio/cryptofeed_GATEIO.ws.1.0_spot.txt",
        "gateio/cryptofeed_GATEIO.http.0.0_spot.txt",
    ) else {
        return;
    };
    // 10 snapshots + 159 applied + 13 stale; 9 live trades.
    assert_eq!(totals, (10, 182, 13, 9));
}

/// The 2023 USDT futures recording (sizes as JSON numbers, levels as objects): 10 contracts,
/// 0 gaps, books equal to the model.
#[test]
fn the_legacy_futures_recording_replays_without_gaps_and_matches_the_model() {
    let Some(totals) = replay_legacy::<Usdt>(
        "gateio/cryptofeed_GATEIO_FUTURES.ws.1.0.txt",
        "gateio/cryptofeed_GATEIO_FUTURES.http.0.0.txt",
    ) else {
        return;
    };
    // 10 snapshots + 316 applied + 36 stale; the recording holds no trade push.
    assert_eq!(totals, (10, 362, 36, 0));
}
