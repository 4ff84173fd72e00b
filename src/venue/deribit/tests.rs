//! Deribit through the driver: the two real recordings (the 2020 testnet perpetual dump whose
//! last frame breaks the chain, the 2021 options recording), and hand-written frames for what
//! they lack (liquidations, tickers of perpetuals, exponent forms, resyncs, malformed input).

use super::Deribit;
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::feed::protocol::{Parsed, Protocol};
use crate::instrument::{Contract, Instrument, guess};
use crate::market::{LiquidatedPosition, Side, TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture, check_books, replay_cryptofeed, top25};

const TESTNET_DUMP: &str = "deribit/ssc2ce_testnet_2020-06-22_BTC-PERPETUAL_book_raw.jsonl";
const OPTIONS_RECORDING: &str = "deribit/cryptofeed_DERIBIT.ws.1.0.txt";

fn perpetual(id: &str) -> Instrument {
    Deribit::new(None, []).infer_instrument(id)
}

fn driver(ids: &[&str]) -> Driver<Deribit> {
    let instruments: Vec<Instrument> = ids.iter().map(|id| perpetual(id)).collect();
    let deribit = Deribit::new(None, &instruments);
    Driver::new(deribit, DriverConfig::live(), instruments, Vec::new())
}

fn feed(d: &mut Driver<Deribit>, frames: &[String]) -> Output {
    let mut out = Output::default();
    for (i, f) in frames.iter().enumerate() {
        d.on_frame(0, Frame::Text(f), 1_000 + i as u64, &mut out);
    }
    out
}

fn top(d: &Driver<Deribit>) -> [String; 2] {
    let book = d.books()[0].book();
    [Side::Bid, Side::Ask].map(|side| {
        book.top(side, 1)
            .next()
            .map_or_else(String::new, |l| l.price.to_string())
    })
}

fn notification(channel: &str, data: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"subscription","params":{{"channel":"{channel}","data":{data}}}}}"#
    )
}

/// The 2020 testnet dump (its frames carry no `type`; the snapshot no `prev_change_id`): the
/// snapshot and three changes chain, with the tops ssc2ce's own test expects after each; the
/// last frame names a predecessor that never came and is a gap exactly there, leaving the book
/// resyncing by unsubscribing and subscribing its channel. The reference model, reading the
/// same frames on its own, finds the same single gap.
#[test]
fn the_testnet_dump_chains_then_breaks_exactly_at_its_last_frame() {
    let Some(text) = capture(TESTNET_DUMP) else {
        return;
    };
    let mut d = Driver::new(
        Deribit::new(None, []),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    let mut tops = Vec::new();
    let mut gaps = Vec::new();
    for (n, line) in text.lines().filter(|l| !l.is_empty()).enumerate() {
        let mut out = Output::default();
        d.on_frame(0, Frame::Text(line), (n as u64 + 1) * 1_000_000, &mut out);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let Some(book) = d.books().first().copied() else {
            continue; // the subscription's result
        };
        gaps.push(book.counters().seq_gaps);
        if book.state() == &BookState::Live {
            tops.push(top(&d));
        }
    }
    let pairs =
        |t: &[[&str; 2]]| -> Vec<[String; 2]> { t.iter().map(|p| p.map(str::to_owned)).collect() };
    assert_eq!(
        tops,
        pairs(&[
            ["9415.5", "9416.0"],
            ["9415.5", "9416.0"],
            ["9414.0", "9414.5"],
            ["9414.0", "9414.5"],
        ])
    );
    assert_eq!(gaps, [0, 0, 0, 0, 1], "the gap is on the fifth book frame");
    assert!(matches!(d.books()[0].state(), BookState::Resyncing(_)));
    let model = Reference::deribit(&text);
    assert_eq!(model.book("BTC-PERPETUAL").gaps, 1);
}

/// The same dump up to its last good frame equals the reference model level by level (top 25
/// a side, prices and USD amounts as sent).
#[test]
fn the_testnet_dump_before_the_break_equals_the_reference_model() {
    let Some(text) = capture(TESTNET_DUMP) else {
        return;
    };
    let good: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    let mut d = Driver::new(
        Deribit::new(None, []),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let out = crate::testutil::replay_frames(&mut d, &good);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let model = Reference::deribit(&good);
    let total = check_books(&d.books(), &model);
    assert_eq!((total.messages, total.seq_gaps), (4, 0));
    let (bids, asks) = top25(d.books()[0]);
    assert_eq!((bids.len(), asks.len()), (25, 25));
}

/// The 2021 options recording (`book.<option>.raw`, tickers): 10 books, each a snapshot and
/// changes that chain with 0 gaps, every book equal to the reference model, every ticker
/// read.
#[test]
fn the_options_recording_replays_without_gaps_and_matches_the_model() {
    let Some(text) = capture(OPTIONS_RECORDING) else {
        return;
    };
    let mut d = Driver::new(
        Deribit::new(None, []),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    );
    let out = replay_cryptofeed(&mut d, &text);
    assert!(out.problems.is_empty(), "{:#?}", out.problems);
    let model = Reference::deribit(&text);
    let books = d.books();
    assert_eq!((books.len(), model.books.len()), (10, 10));
    // `check_books` wants both sides filled; a deep out-of-the-money option has no bids, so
    // each book is compared here, empty sides included.
    let (mut messages, mut empty_sides) = (0, 0);
    for sync in &books {
        let id = &*sync.key().instrument;
        assert_eq!(sync.state(), &BookState::Live, "{id}");
        let c = sync.counters();
        assert_eq!((c.seq_gaps, c.resyncs, c.crossed), (0, 0, 0), "{id}");
        let (bids, asks) = top25(sync);
        empty_sides += usize::from(bids.is_empty()) + usize::from(asks.is_empty());
        assert_eq!((bids, asks), model.book(id).top(), "{id}");
        assert_eq!(model.book(id).gaps, 0, "{id}: the model itself found a gap");
        messages += c.messages;
    }
    // 10 snapshots + 36 changes; three far options have one side empty.
    assert_eq!((messages, empty_sides), (46, 3));
    let derivs = out
        .events
        .iter()
        .filter(|e| matches!(e, MarketEvent::Derivs(_)))
        .count();
    assert_eq!(derivs, 89, "every ticker push");
}

/// `direction` is the taker's; a trade flagged `liquidation` is published as a trade and as
/// the liquidation of the position it closed: `T` the taker's (a selling taker was long), `M`
/// the maker's (opposite the taker), `MT` both. Inverse amounts are USD: 2.2e3 USD at 40,000
/// is 0.055 BTC.
#[test]
fn trades_carry_the_takers_side_and_liquidation_flags_become_liquidations() {
    let mut d = driver(&["BTC-PERPETUAL"]);
    let trades = notification(
        "trades.BTC-PERPETUAL.100ms",
        r#"[{"trade_seq":1,"trade_id":"1","timestamp":1,"tick_direction":0,"price":40000.0,"instrument_name":"BTC-PERPETUAL","direction":"buy","amount":400.0},
            {"trade_seq":2,"trade_id":"2","timestamp":2,"price":40000.0,"instrument_name":"BTC-PERPETUAL","direction":"sell","amount":2.2e3,"liquidation":"T"},
            {"trade_seq":3,"trade_id":"3","timestamp":3,"price":4e4,"instrument_name":"BTC-PERPETUAL","direction":"buy","amount":40,"liquidation":"M"},
            {"trade_seq":4,"trade_id":"4","timestamp":4,"price":40000,"instrument_name":"BTC-PERPETUAL","direction":"buy","amount":80,"liquidation":"MT"}]"#,
    );
    let out = feed(&mut d, &[trades]);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let mut seen = Vec::new();
    for e in &out.events {
        match e {
            MarketEvent::Trade(t) => seen.push(format!("trade {:?} {}", t.taker.unwrap(), t.size)),
            MarketEvent::Liquidation(l) => seen.push(format!("liq {:?} {}", l.position, l.size)),
            _ => {}
        }
    }
    assert_eq!(
        seen,
        [
            "trade Buy 0.01",
            "trade Sell 0.055",
            "trade Buy 0.001",
            "trade Buy 0.002",
            "liq Long 0.055",
            "liq Long 0.001",
            "liq Long 0.002",
            "liq Short 0.002",
        ]
    );
    assert_eq!(
        super::parse::liquidated("T", TakerSide::Buy),
        Ok(vec![LiquidatedPosition::Short])
    );
    assert!(super::parse::liquidated("X", TakerSide::Buy).is_err());
}

/// `ticker`: mark, index, `funding_8h` over 8 hours, and open interest, which Deribit gives in
/// USD on inverse perpetuals (400,000,000 USD at a 40,000 mark is 10,000 BTC) and in the base
/// coin on USDC linear ones.
#[test]
fn tickers_give_funding_mark_index_and_open_interest_in_base_units() {
    let known = [perpetual("BTC-PERPETUAL"), perpetual("ETH_USDC-PERPETUAL")];
    assert_eq!(known[0].contract, Contract::Inverse { face: 1.0 });
    assert_eq!(known[0].quote, "USD");
    assert_eq!(known[1].contract, Contract::Base);
    let deribit = Deribit::new(None, &known);
    let read = |data: &str| {
        let frame = notification("ticker.X.100ms", data);
        let mut levels = Vec::new();
        let Ok(Parsed::Derivs(d)) = deribit.parser.parse(&frame, &mut levels) else {
            panic!("derivs from {data}")
        };
        d[0].values.clone()
    };
    let btc = read(
        r#"{"timestamp":1,"instrument_name":"BTC-PERPETUAL","mark_price":40000.0,"index_price":39990.5,"current_funding":0.00001,"funding_8h":0.0001,"open_interest":4e8}"#,
    );
    assert_eq!(btc.mark_price, Some(40_000.0));
    assert_eq!(btc.index_price, Some(39_990.5));
    assert_eq!(btc.funding_rate, Some(0.0001));
    assert_eq!(btc.funding_interval_h, Some(8.0));
    assert_eq!(btc.open_interest, Some(10_000.0));
    assert_eq!(btc.open_interest_usd, Some(4e8));
    let eth = read(
        r#"{"timestamp":1,"instrument_name":"ETH_USDC-PERPETUAL","mark_price":2000.0,"funding_8h":-0.0002,"open_interest":12.5}"#,
    );
    assert_eq!(
        (eth.open_interest, eth.funding_rate),
        (Some(12.5), Some(-0.0002))
    );
    let unknown = read(r#"{"instrument_name":"BTC-27MAR26","open_interest":5.0}"#);
    assert_eq!(unknown.open_interest, None, "a unit not known is not shown");
}

fn book(change: u64, prev: Option<u64>, bids: &str) -> String {
    let (kind, prev) = match prev {
        Some(p) => ("change", format!(r#","prev_change_id":{p}"#)),
        None => ("snapshot", String::new()),
    };
    notification(
        "book.BTC-PERPETUAL.100ms",
        &format!(
            r#"{{"type":"{kind}","timestamp":1,"instrument_name":"BTC-PERPETUAL","change_id":{change}{prev},"bids":{bids},"asks":[["new",40001.0,1e3]]}}"#
        ),
    )
}

/// A change must name the last `change_id`; exponent forms are exact (`1.25e4` is 12500). A
/// break fails the book, which unsubscribes and subscribes its channel (a bare second
/// subscribe would send no snapshot); the new snapshot makes it live again.
#[test]
fn changes_chain_and_a_break_resyncs_by_unsubscribing_first() {
    let mut d = driver(&["BTC-PERPETUAL"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(out.sends.len(), 2, "heartbeat, subscribe: {:?}", out.sends);
    let out = feed(
        &mut d,
        &[
            r#"{"jsonrpc":"2.0","id":1,"result":["book.BTC-PERPETUAL.100ms"]}"#.to_owned(),
            book(10, None, r#"[["new",40000.0,500.0]]"#),
            book(15, Some(10), r#"[["new",39999.5,1.25e4]]"#),
            book(16, Some(15), r#"[["delete",40000.0,0.0]]"#),
            r#"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#.to_owned(),
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    let bids: Vec<String> = d.books()[0]
        .book()
        .top(Side::Bid, 5)
        .map(|l| format!("{} {}", l.price, l.size))
        .collect();
    assert_eq!(bids, ["39999.5 12500"]);

    let out = feed(&mut d, &[book(20, Some(18), "[]")]);
    assert_eq!(d.books()[0].counters().seq_gaps, 1);
    assert!(matches!(d.books()[0].state(), BookState::Resyncing(_)));
    let sent: Vec<&str> = out.sends.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains("public/unsubscribe") && sent[0].contains("book.BTC-PERPETUAL.100ms"));
    assert!(sent[1].contains("public/subscribe"));
    feed(&mut d, &[book(30, None, r#"[["new",39000.0,10.0]]"#)]);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(top(&d)[0], "39000.0");
}

/// Bad input is an error naming what is wrong, never a panic or a wrong number; the book
/// stays as it was.
#[test]
fn malformed_frames_are_errors_and_the_book_stays_live() {
    let mut d = driver(&["BTC-PERPETUAL"]);
    feed(&mut d, &[book(10, None, r#"[["new",40000.0,500.0]]"#)]);
    let bad = [
        r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms","data":{"#.to_owned(),
        book(11, Some(10), r#"[["new",-5.0,1.0]]"#),
        book(11, Some(10), r#"[["new",1.0,1e99999]]"#),
        book(11, Some(10), r#"[["move",1.0,1.0]]"#),
        book(11, Some(10), r#"[["new","x",1.0]]"#),
        notification("trades.BTC-PERPETUAL.100ms", r#"[{"trade_id":"1","timestamp":1,"price":1.0,"instrument_name":"BTC-PERPETUAL","direction":"up","amount":1.0}]"#),
        notification("trades.BTC-PERPETUAL.100ms", r#"[{"trade_id":"1","timestamp":1,"price":1.0,"instrument_name":"BTC-PERPETUAL","direction":"buy","amount":1.0,"liquidation":"Z"}]"#),
        notification("ticker.BTC-PERPETUAL.100ms", r#"{"instrument_name":"BTC-PERPETUAL","mark_price":"NaN"}"#),
        notification("quote.BTC-PERPETUAL", "{}"),
        r#"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.100ms"}}"#.to_owned(),
        r#"{"jsonrpc":"2.0","method":"unknown"}"#.to_owned(),
    ];
    let out = feed(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(top(&d)[0], "40000.0");
    let refused = feed(
        &mut d,
        &[r#"{"jsonrpc":"2.0","id":1,"error":{"code":11050,"message":"bad_request"}}"#.to_owned()],
    );
    assert!(refused.problems[0].contains("bad_request (code 11050)"));
    assert_eq!(guess(VenueId::Deribit, "BTC-PERPETUAL").base, "BTC");
}
