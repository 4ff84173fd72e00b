//! KuCoin against real frames (the 2026-09-22 UTA and classic probe, trimmed; the 2021 classic
//! spot recording with its REST snapshots) and hand-written `obu` sequences through the driver:
//! what the recordings lack (gaps, duplicates, a symbol KuCoin acknowledges and never serves).

use super::{Futures, Kucoin, Spot};
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::health::BookState;
use crate::feed::protocol::{Parsed, Protocol};
use crate::instrument::{Contract, Instrument, MarketKind, guess};
use crate::integrity::ResyncReason;
use crate::market::{Side, TakerSide, VenueId};
use crate::testutil::{capture, feed_frames};

const PROBE: &str = "kucoin/nemanull_2026-09-22_futures_uta_and_classic_frames_trimmed.ndjson";

fn contract(id: &str, multiplier: f64) -> Instrument {
    let mut i = guess(VenueId::KucoinFutures, id);
    i.kind = MarketKind::Perpetual;
    i.contract = Contract::Linear { multiplier };
    i
}

/// Every frame of the 2026 probe reads as what it is: UTA welcome and acknowledgement, `obu`
/// deltas and a snapshot with their `O..C`, `mark-price` with open interest in base units
/// (11,481,754 XBTUSDTM contracts of 0.001 BTC), `funding-fee` with its 8 h interval, a pong;
/// the classic welcome, a futures `level2` change, the `level2Depth50` book (not read), and the
/// classic instrument mark and funding.
#[test]
fn the_2026_frames_parse() {
    let Some(text) = capture(PROBE) else {
        return;
    };
    let known = [contract("XBTUSDTM", 0.001), contract("ETHUSDTM", 0.01)];
    let mut kucoin = Kucoin::<Futures>::new(None, None, &known);
    let mut kinds = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let mut levels = Vec::new();
        let kind = match kucoin.parse(0, line, &mut levels) {
            Ok(Parsed::Control) => "control".to_owned(),
            Ok(Parsed::Ignored) => "ignored".to_owned(),
            Ok(Parsed::Book(b)) => format!(
                "{} {} {}..{} {} levels",
                if b.snapshot.is_some() {
                    "snapshot"
                } else {
                    "delta"
                },
                b.instrument,
                b.seq.first,
                b.seq.last,
                levels.len()
            ),
            Ok(Parsed::Derivs(d)) => {
                let v = &d[0].values;
                format!(
                    "derivs {} mark {:?} index {:?} oi {:?} rate {:?} next {:?} every {:?} h",
                    d[0].instrument,
                    v.mark_price,
                    v.index_price,
                    v.open_interest.map(|oi| (oi * 1000.0).round() / 1000.0),
                    v.funding_rate,
                    v.next_funding_ts,
                    v.funding_interval_h
                )
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
            "control",
            "delta XBTUSDTM 1747821025294..1747821025294 1 levels",
            "snapshot ETHUSDTM 1736604716203..1736604716203 4 levels",
            "delta XBTUSDTM 1747821262584..1747821262585 2 levels",
            "derivs XBTUSDTM mark Some(86201.79) index Some(86248.81) oi Some(11481.754) rate None next None every None h",
            "derivs XBTUSDTM mark None index None oi None rate Some(-7.6e-5) next Some(1790121600000) every Some(8.0) h",
            "control",
            "control",
            "delta XBTUSDTM 1747821025244..1747821025244 1 levels",
            "ignored",
            "derivs XBTUSDTM mark Some(86201.79) index Some(86248.81) oi None rate None next None every None h",
            "derivs XBTUSDTM mark None index None oi None rate Some(-7.6e-5) next None every None h",
        ]
    );
}

/// Open interest is contracts times the contract's multiplier; a contract of unknown size gives
/// none rather than a number in the wrong unit.
#[test]
fn mark_price_open_interest_is_in_base_units() {
    let kucoin = Kucoin::<Futures>::new(None, None, &[contract("XBTUSDTM", 0.001)]);
    let frame = |s: &str| {
        format!(r#"{{"T":"mark-price","d":{{"s":"{s}","mp":"1","ip":"1","oi":"2500","ts":1}}}}"#)
    };
    let oi = |text: &str| match kucoin.parser.parse(text, &mut Vec::new()) {
        Ok(Parsed::Derivs(d)) => d[0].values.open_interest,
        other => panic!("{other:?}"),
    };
    assert_eq!(oi(&frame("XBTUSDTM")), Some(2.5));
    assert_eq!(oi(&frame("NOPEUSDTM")), None);
}

/// KuCoin's match `side` is the taker's: a `buy` is a taker buy, a `sell` a taker sell; the
/// nanosecond `time` becomes milliseconds.
#[test]
fn trades_carry_the_takers_side() {
    let mut kucoin = Kucoin::<Spot>::new(None, None, &[]);
    let frame = |side: &str| {
        format!(
            r#"{{"data":{{"symbol":"DAPPT-BTC","sequence":"1612701563869","side":"{side}","size":"81.8814","price":"0.0000001117","takerOrderId":"a","time":"1619378327739050725","type":"match","makerOrderId":"b","tradeId":"6085c09769bc506996295e36"}},"subject":"trade.l3match","topic":"/market/match:DAPPT-BTC","type":"message"}}"#
        )
    };
    for (side, taker) in [("buy", TakerSide::Buy), ("sell", TakerSide::Sell)] {
        let text = frame(side);
        let Ok(Parsed::Trades(t)) = kucoin.parse(0, &text, &mut Vec::new()) else {
            panic!("{side}")
        };
        assert_eq!(t[0].taker, Some(taker));
        assert_eq!(t[0].ts, 1_619_378_327_739);
        assert_eq!(t[0].size.to_string(), "81.8814");
    }
    assert!(kucoin.parse(0, &frame("both"), &mut Vec::new()).is_err());

    // UTA: `{"T":"trade.SPOT","d":{"S":"sell",..}}` (cryptofeed's documented example).
    let uta = r#"{"T":"trade.SPOT","P":1787348155899171700,"d":{"E":24021490985222144,"M":1787348155897000000,"S":"sell","p":"78313.6","q":"0.00001374","s":"BTC-USDT","ti":"24021490985222144"}}"#;
    let Ok(Parsed::Trades(t)) = kucoin.parse(0, uta, &mut Vec::new()) else {
        panic!("uta trade")
    };
    assert_eq!(t[0].taker, Some(TakerSide::Sell));
    assert_eq!(t[0].ts, 1_787_348_155_897);
    let buy = uta.replace(r#""S":"sell""#, r#""S":"BUY""#);
    let Ok(Parsed::Trades(t)) = kucoin.parse(0, &buy, &mut Vec::new()) else {
        panic!("uta trade")
    };
    assert_eq!(t[0].taker, Some(TakerSide::Buy));
}

fn obu(kind: &str, symbol: &str, first: u64, last: u64, bid: &str, size: &str) -> String {
    format!(
        r#"{{"T":"obu.FUTURES","dp":"increment@10ms","t":"{kind}","P":1,"d":{{"a":[],"b":[["{bid}","{size}"]],"C":{last},"s":"{symbol}","M":1790114459839000000,"O":{first}}}}}"#
    )
}

fn driver(symbols: &[&str]) -> Driver<Kucoin<Futures>> {
    let instruments: Vec<Instrument> = symbols.iter().map(|s| contract(s, 0.001)).collect();
    let kucoin = Kucoin::<Futures>::new(None, None, &instruments);
    Driver::new(kucoin, DriverConfig::live(), instruments, Vec::new())
}

fn bids(d: &Driver<Kucoin<Futures>>) -> Vec<[String; 2]> {
    d.books()[0]
        .book()
        .top(Side::Bid, 9)
        .map(|l| [l.price.to_string(), l.size.to_string()])
        .collect()
}

/// A delta must continue the book (`O <= last + 1`, `C > last`): a duplicate is stale, a
/// skipped id fails the book, which resyncs by unsubscribing and subscribing its `obu`
/// stream; the new snapshot makes it live again. A binary frame holding JSON reads as text.
#[test]
fn obu_books_continue_and_resync_by_resubscribing() {
    let mut d = driver(&["XBTUSDTM"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    assert_eq!(
        out.sends.len(),
        4,
        "obu, trade, mark-price, funding-fee: {:?}",
        out.sends
    );
    let out = feed_frames(
        &mut d,
        &[
            obu("snapshot", "XBTUSDTM", 100, 100, "86000", "10"),
            obu("delta", "XBTUSDTM", 101, 103, "85999", "7"),
            obu("delta", "XBTUSDTM", 101, 103, "85998", "5"),
        ],
    );
    let mut binary = Output::default();
    let zero = obu("delta", "XBTUSDTM", 104, 104, "86000", "0");
    d.on_frame(0, Frame::Binary(zero.as_bytes()), 2_000, &mut binary);
    assert!(out.problems.is_empty() && binary.problems.is_empty());
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(d.books()[0].counters().stale, 1);
    assert_eq!(bids(&d), [["85999".to_owned(), "7".to_owned()]]);

    let out = feed_frames(&mut d, &[obu("delta", "XBTUSDTM", 106, 107, "85000", "1")]);
    assert_eq!(d.books()[0].counters().seq_gaps, 1);
    assert!(matches!(d.books()[0].state(), BookState::Resyncing(_)));
    let sent: Vec<&str> = out.sends.iter().map(|(_, m)| m.as_str()).collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].contains(r#""action":"UNSUBSCRIBE""#) && sent[0].contains("XBTUSDTM"));
    assert!(sent[1].contains(r#""action":"SUBSCRIBE""#) && sent[1].contains(r#""obu""#));
    feed_frames(
        &mut d,
        &[obu("snapshot", "XBTUSDTM", 200, 200, "85500", "3")],
    );
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(bids(&d), [["85500".to_owned(), "3".to_owned()]]);
}

/// KuCoin acknowledges a symbol it does not serve and then sends nothing for it: the snapshot
/// watchdog finds the book without a snapshot and resubscribes it; the served book stays live.
#[test]
fn an_acknowledged_symbol_that_never_comes_is_caught_by_the_snapshot_watchdog() {
    let mut d = driver(&["XBTUSDTM", "NOPEUSDTM"]);
    let mut out = Output::default();
    d.on_open(0, 0, &mut out);
    let acks = [
        r#"{"sessionId":"e8e4","message":"welcome","pingInterval":18000}"#.to_owned(),
        r#"{"id":"obu-XBTUSDTM","result":true}"#.to_owned(),
        r#"{"id":"obu-NOPEUSDTM","result":true}"#.to_owned(),
        obu("snapshot", "XBTUSDTM", 100, 100, "86000", "10"),
    ];
    let out = feed_frames(&mut d, &acks);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let state = |d: &Driver<Kucoin<Futures>>, id: &str| {
        d.books()
            .into_iter()
            .find(|b| &*b.key().instrument == id)
            .unwrap()
            .state()
            .clone()
    };
    let mut before = Output::default();
    d.on_tick(10_000_000_000, &mut before);
    assert!(before.sends.iter().all(|(_, m)| !m.contains("NOPEUSDTM")));
    assert!(!state(&d, "NOPEUSDTM").is_live());

    let mut after = Output::default();
    d.on_tick(16_000_000_000, &mut after);
    assert_eq!(
        state(&d, "NOPEUSDTM"),
        BookState::Resyncing(ResyncReason::NoSnapshot)
    );
    let resubscribed = after
        .sends
        .iter()
        .filter(|(_, m)| m.contains("NOPEUSDTM"))
        .count();
    assert_eq!(resubscribed, 2, "{:?}", after.sends);
    assert_eq!(state(&d, "XBTUSDTM"), BookState::Live);
}

/// Bad input is an error naming what is wrong, never a panic or a silently wrong number; the
/// book stays live and unchanged.
#[test]
fn malformed_frames_are_errors_and_the_book_stays_live() {
    let mut d = driver(&["XBTUSDTM"]);
    feed_frames(
        &mut d,
        &[obu("snapshot", "XBTUSDTM", 100, 100, "86000", "10")],
    );
    let bad = [
        r#"{"T":"obu.FUTURES","t":"delta","d":{"s":"XBTUSDTM","O":101,"#.to_owned(),
        obu("delta", "XBTUSDTM", 101, 101, "-5", "1"),
        obu("delta", "XBTUSDTM", 101, 101, "1", "1e99999"),
        obu("weird", "XBTUSDTM", 101, 101, "1", "1"),
        r#"{"T":"obu.FUTURES","t":"delta","d":{"s":"XBTUSDTM","C":101}}"#.to_owned(),
        r#"{"T":"mark-price","d":{"s":"XBTUSDTM","mp":"NaN"}}"#.to_owned(),
        r#"{"T":"kline","d":{}}"#.to_owned(),
        r#"{"type":"message","subject":"level2","topic":"/contractMarket/level2:XBTUSDTM","data":{"sequence":101,"change":"1,up,2"}}"#.to_owned(),
        r#"{"type":"surprise"}"#.to_owned(),
    ];
    let out = feed_frames(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert_eq!(d.books()[0].state(), &BookState::Live);
    assert_eq!(bids(&d), [["86000".to_owned(), "10".to_owned()]]);
}

/// The 2021 classic spot recording and its REST snapshots through the driver (the recording's
/// `/market/level2` subscription marks its symbols as REST-synced), every book checked against
/// the reference model, which applies KuCoin's documented procedure (only changes newer than the
/// snapshot) on its own; trades carry the taker's side.
#[test]
fn the_classic_spot_recording_replays_without_gaps_and_matches_the_model() {
    use crate::testutil::reference::Reference;
    use crate::testutil::{check_books, replay_cryptofeed_with_rest, trades};
    let (Some(ws), Some(http)) = (
        capture("kucoin/cryptofeed_KUCOIN.ws.1.0.txt"),
        capture("kucoin/cryptofeed_KUCOIN.http.0.0.txt"),
    ) else {
        return;
    };
    let kucoin = Kucoin::<Spot>::new(None, None, &[]);
    let mut driver = Driver::new(kucoin, DriverConfig::replay(), Vec::new(), Vec::new());
    let out = replay_cryptofeed_with_rest(&mut driver, &ws, Some(&http));
    assert!(out.problems.is_empty(), "{:#?}", out.problems);
    let model = Reference::kucoin(&ws, &http);
    let books: Vec<_> = driver
        .books()
        .into_iter()
        .filter(|b| model.books.contains_key(&*b.key().instrument))
        .collect();
    assert_eq!((books.len(), model.books.len()), (9, 9));
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
    // 9 snapshots + 3,805 applied + 48 stale; 18 trades.
    assert_eq!(
        (total.messages, total.stale, published.len()),
        (3862, 48, 18)
    );
}

/// 120 futures contracts are 480 topics (book, trades, mark, funding): more than one
/// connection is planned with (200), so they go over three, each subscribing only its own
/// contracts one topic a message, every book on its contract's connection; three spot symbols
/// (6 topics) stay on one; a contract added later lands on one of the three.
#[test]
fn many_symbols_are_sharded_under_the_per_connection_topic_limit() {
    use super::CONN_TOPICS;
    let many: Vec<Instrument> = (0..120)
        .map(|i| contract(&format!("C{i}USDTM"), 1.0))
        .collect();
    let kucoin = Kucoin::<Futures>::new(None, None, &many);
    let conns = kucoin.connections(&many);
    assert_eq!(conns.len(), 3);
    let mut symbols = std::collections::BTreeSet::new();
    for conn in 0..conns.len() {
        let sent = kucoin.subscribe(conn, &many);
        assert!(
            sent.len() <= CONN_TOPICS && !sent.is_empty(),
            "{}",
            sent.len()
        );
        for msg in sent {
            let v: serde_json::Value = serde_json::from_str(&msg).unwrap();
            assert_eq!(v["action"], "SUBSCRIBE");
            let symbol = v["symbol"].as_str().unwrap().to_owned();
            assert_eq!(kucoin.book_spec(&symbol).conn, conn, "{symbol}");
            symbols.insert(symbol);
        }
        // A removal goes to the connection that carries the symbol.
        let gone = kucoin.unsubscribe(conn, &many[..1], &many[1..]);
        assert_eq!(gone.is_empty(), kucoin.book_spec(&many[0].id).conn != conn);
    }
    assert_eq!(symbols.len(), 120);
    assert_eq!(kucoin.connections(&many[..1]).len(), 3, "the plan is fixed");
    let late = contract("LATEUSDTM", 1.0);
    let conn = kucoin.book_spec(&late.id).conn;
    assert!(conn < 3);
    assert_eq!(kucoin.subscribe(conn, std::slice::from_ref(&late)).len(), 4);
    let spot: Vec<Instrument> = ["BTC-USDT", "ETH-USDT", "SOL-USDT"]
        .iter()
        .map(|id| guess(VenueId::Kucoin, id))
        .collect();
    let kucoin = Kucoin::<Spot>::new(None, None, &spot);
    assert_eq!(kucoin.connections(&spot).len(), 1);
    assert_eq!(kucoin.subscribe(0, &spot).len(), 6);
}
