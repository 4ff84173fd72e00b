//! OKX against real frames: the 2022 `books`/`trades`/`tickers` recording and hand-written
//! frames for what the recording lacks (seqId chains, liquidations, funding, errors).

use super::Okx;
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::health::BookState;
use crate::instrument::guess;
use crate::market::{LiquidatedPosition, TakerSide, VenueId};
use crate::testutil::reference::Reference;
use crate::testutil::{capture, check_books, feed_frames, replay_cryptofeed, top25, trades};

fn replay_driver() -> Driver<Okx> {
    Driver::new(
        Okx::new(None),
        DriverConfig::replay(),
        Vec::new(),
        Vec::new(),
    )
}

#[test]
fn real_2022_books_replay_with_every_checksum_matching() {
    let Some(text) = capture("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    let mut driver = replay_driver();
    let out = replay_cryptofeed(&mut driver, &text);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let reference = Reference::okx(&text);

    let books = driver.books();
    assert_eq!(books.len(), 3);
    let total = check_books(&books, &reference);
    let checksums = (
        total.checksum_ok,
        total.checksum_fail,
        total.checksum_absent,
    );
    assert_eq!(checksums, (290, 0, 0));
    assert_eq!(total.seq_gaps + total.resyncs + total.crossed, 0);
    assert!(books.iter().all(|sync| top25(sync).0.len() == 25));
    assert_eq!(reference.checksummed(), 290);

    let trades = trades(&out.events);
    assert_eq!(trades.len(), reference.trades.len());
    assert!(trades.len() > 50);
    // The first recorded trade: {"instId":"BTC-USD-220527","tradeId":"7849","px":"30218.8","sz":"1","side":"buy",..}
    assert_eq!(trades[0].taker, Some(TakerSide::Buy));
    assert_eq!(trades[0].price, 30218.8);
}

/// The one-pass reader and the general parser agree on every recorded push (`books`, `trades`
/// and the ignored `tickers`) and on reshaped copies of them (whitespace, other member orders,
/// damage): the fast reader either returns exactly what the general parser returns or declines.
#[test]
fn the_one_pass_reader_agrees_with_the_general_parser() {
    use super::parse::{parse_general, push};
    let Some(text) = capture("okx/cryptofeed_OKX.ws.1.0.txt") else {
        return;
    };
    let frames: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_once(": ").map(|(_, f)| f))
        .filter(|f| f.starts_with(r#"{"arg""#))
        .collect();
    let count = |channel: &str| {
        let tag = format!(r#""channel":"{channel}""#);
        frames.iter().filter(|f| f.contains(&tag)).count()
    };
    assert_eq!(
        (
            count("books"),
            count("trades"),
            count("tickers"),
            frames.len()
        ),
        (290, 74, 28, 392)
    );
    let agree = |frame: &str| -> bool {
        let (mut fast, mut general) = (Vec::new(), Vec::new());
        let want = parse_general(frame, &mut general);
        let Some(got) = push(frame, &mut fast) else {
            return false;
        };
        let show = |r: &Result<_, String>| match r {
            Ok(parsed) => format!("{parsed:?}"),
            Err(e) => e.clone(),
        };
        assert_eq!(show(&got), show(&want), "{frame}");
        assert_eq!(format!("{fast:?}"), format!("{general:?}"), "{frame}");
        true
    };
    let mut read_fast = 0;
    for frame in &frames {
        assert!(
            agree(frame),
            "the fast reader declined a recorded frame: {frame}"
        );
        read_fast += 1;
        let reshaped = [
            frame.replace(',', " , ").replace(':', ": "),
            frame.replacen(r#""arg""#, r#""x":1,"arg""#, 1),
            frame.replacen(r#""data""#, r#""event":"error","data""#, 1),
            frame.replacen(r#""data""#, r#""dat\u0061""#, 1),
            frame.replacen(r#""bids""#, r#""bids2":[],"bids""#, 1),
            frame.replacen(r#""asks":"#, r#""asks":[["1","2"]],"asks":"#, 1),
            frame.replacen(r#""update""#, r#""upd\u0061te""#, 1),
            frame.replacen(r#""px""#, r#""px":"1","px""#, 1),
            frame.replacen(r#""side":"buy""#, r#""side":"hold""#, 1),
            frame.replacen(r#""sz":""#, r#""sz":"-"#, 1),
            frame.replacen(r#"",""#, r#"","#, 1),
            frame.replacen('"', "", 3),
            frame[..frame.len() / 2].to_owned(),
            frame.replacen(r#"["#, r#"[["1e3","1"],"#, 2),
            format!("{frame}x"),
        ];
        for variant in &reshaped {
            agree(variant);
        }
        // A book entry's members in another order than OKX's: the keys that are not where
        // expected are read as strings, and the frame is still read the fast way.
        if let Some((head, tail)) = frame.split_once(r#","ts":"#)
            && let Some(members) = tail.strip_suffix("}]}")
            && head.contains(r#"[{"asks""#)
        {
            let reordered =
                head.replacen(r#"[{"asks""#, &format!(r#"[{{"ts":{members},"asks""#), 1) + "}]}";
            assert!(agree(&reordered), "declined: {reordered}");
        }
    }
    assert_eq!(read_fast, 392);
}

fn live_driver() -> Driver<Okx> {
    let inst = guess(VenueId::Okx, "BTC-USDT");
    let mut d = Driver::new(Okx::new(None), DriverConfig::live(), vec![inst], Vec::new());
    d.on_open(0, 0, &mut Output::default());
    d
}

const SNAP: &str = r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["101","2","0","1"]],"bids":[["100","3","0","1"]],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":10}]}"#;

#[test]
fn seq_id_chain_keeps_the_book_live_and_a_gap_resubscribes() {
    let mut d = live_driver();
    let out = feed_frames(
        &mut d,
        &[
            SNAP,
            r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["100","4","0","1"]],"ts":"2","checksum":0,"prevSeqId":10,"seqId":12}]}"#,
            // heartbeat: seqId == prevSeqId, no levels
            r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"ts":"3","checksum":0,"prevSeqId":12,"seqId":12}]}"#,
        ],
    );
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.book().best_bid().unwrap().size.to_string(), "4");
    assert_eq!(
        sync.counters().checksum_absent,
        3,
        "checksum 0 is absent, not a mismatch"
    );
    assert!(out.sends.is_empty());

    // prevSeqId 13 does not follow 12: gap → the book leaves Live and is resubscribed.
    let out = feed_frames(
        &mut d,
        &[
            r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["99","1","0","1"]],"ts":"4","checksum":0,"prevSeqId":13,"seqId":14}]}"#,
        ],
    );
    let sync = d.books()[0];
    assert!(matches!(sync.state(), BookState::Resyncing(_)));
    assert_eq!(sync.counters().seq_gaps, 1);
    assert!(
        sync.book().bids().is_empty(),
        "an invalid book is cleared, not shown"
    );
    assert_eq!(out.sends.len(), 2);
    assert!(out.sends[0].1.contains("unsubscribe"));

    // The new snapshot brings it back.
    feed_frames(&mut d, &[SNAP]);
    assert_eq!(d.books()[0].state(), &BookState::Live);
}

#[test]
fn a_crossed_book_is_never_live() {
    let mut d = live_driver();
    feed_frames(
        &mut d,
        &[
            SNAP,
            r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[["102","1","0","1"]],"ts":"2","checksum":0,"prevSeqId":10,"seqId":11}]}"#,
        ],
    );
    let sync = d.books()[0];
    assert_eq!(sync.counters().crossed, 1);
    assert!(matches!(sync.state(), BookState::Resyncing(_)));
}

#[test]
fn malformed_frames_are_reported_and_skipped_never_panicking() {
    let mut d = live_driver();
    feed_frames(&mut d, &[SNAP]);
    let bad = [
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1"#, // truncated
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[[1,2]],"bids":[],"ts":"x"}]}"#, // wrong types
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1e400","2"]],"bids":[],"ts":"1"}]}"#, // huge number
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"bids":[],"ts":"1"}]}"#, // missing field
        r#"{"arg":{"channel":"books","instId":"ETH-USDT"},"action":"snapshot","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"seqId":1,"prevSeqId":-1}]}"#, // unknown instrument
        r#"{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]}"#,
        r#"{"arg":{"channel":"weird","instId":"BTC-USDT"},"data":[]}"#,
        "\u{0}\u{1}garbage",
        r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"NaN","sz":"1","side":"buy","ts":"1"}]}"#,
    ];
    let out = feed_frames(&mut d, &bad);
    assert_eq!(out.problems.len(), bad.len(), "{:#?}", out.problems);
    assert!(out.problems[4].contains("unsubscribed instrument ETH-USDT"));
    assert!(out.problems[8].contains("NaN"));
    // skipping a malformed frame never invents data; the book is still the snapshot
    assert_eq!(
        d.books()[0].book().best_bid().unwrap().size.to_string(),
        "3"
    );

    // A venue error names the instrument: that book resyncs.
    let out = feed_frames(
        &mut d,
        &[
            r#"{"event":"error","code":"60018","msg":"Invalid instId","arg":{"channel":"books","instId":"BTC-USDT"}}"#,
        ],
    );
    assert!(out.problems[0].contains("60018"));
    assert!(matches!(d.books()[0].state(), BookState::Resyncing(_)));
}

#[test]
fn liquidations_funding_and_open_interest_are_normalised() {
    let mut d = Driver::new(
        Okx::new(None),
        DriverConfig::live(),
        vec![crate::instrument::Instrument {
            contract: crate::instrument::Contract::Linear { multiplier: 0.01 },
            ..guess(VenueId::Okx, "BTC-USDT-SWAP")
        }],
        Vec::new(),
    );
    d.on_open(0, 0, &mut Output::default());
    let out = feed_frames(
        &mut d,
        &[
            r#"{"arg":{"channel":"liquidation-orders","instType":"SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instFamily":"BTC-USDT","instType":"SWAP","details":[{"bkLoss":"0","bkPx":"60000","ccy":"","posSide":"long","side":"sell","sz":"100","ts":"1700000000000"},{"bkLoss":"0","bkPx":"61000","ccy":"","posSide":"net","side":"buy","sz":"5","ts":"1700000000001"}]}]}"#,
            r#"{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":"-0.0001","fundingTime":"1700006400000","instId":"BTC-USDT-SWAP","instType":"SWAP","nextFundingTime":"1700035200000","ts":"1700000000000"}]}"#,
            r#"{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","oi":"1000","oiCcy":"10","oiUsd":"600000","ts":"1700000000000"}]}"#,
        ],
    );
    let liqs: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Liquidation(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(liqs.len(), 2);
    assert_eq!(liqs[0].position, LiquidatedPosition::Long);
    assert_eq!(liqs[0].size, 1.0, "100 contracts × ctVal 0.01");
    assert_eq!(
        liqs[1].position,
        LiquidatedPosition::Short,
        "net mode: a forced buy closes a short"
    );
    let derivs: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(d) => Some(&d.values),
            _ => None,
        })
        .collect();
    assert_eq!(derivs[0].funding_rate, Some(-0.0001));
    assert_eq!(derivs[0].funding_interval_h, Some(8.0));
    assert_eq!(derivs[1].open_interest, Some(10.0));
}

/// The docs' own `open-interest` push: `oiUsd` has 24 significant digits, more than an exact
/// decimal holds, but it is only ever an `f64`, so the message (and `oiCcy`) must get through.
#[test]
fn open_interest_with_a_24_digit_oi_usd_is_read() {
    let mut d = Driver::new(
        Okx::new(None),
        DriverConfig::live(),
        vec![guess(VenueId::Okx, "BTC-USDT-SWAP")],
        Vec::new(),
    );
    d.on_open(0, 0, &mut Output::default());
    let out = feed_frames(
        &mut d,
        &[
            r#"{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","oi":"2216113.01000000309","oiCcy":"22161.1301000000309","oiUsd":"1939251795.54769270396321","ts":"1743041250440"}]}"#,
        ],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let derivs: Vec<_> = out
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(d) => Some(&d.values),
            _ => None,
        })
        .collect();
    assert_eq!(derivs.len(), 1);
    let nearest = |text: &str| text.parse::<f64>().ok();
    assert_eq!(derivs[0].open_interest, nearest("22161.1301000000309"));
    assert_eq!(
        derivs[0].open_interest_usd,
        nearest("1939251795.54769270396321")
    );
}

/// An exact decimal that does not fit, or a float field that is not a number, is refused with
/// the name of the field, so the log says what the venue got wrong.
#[test]
fn a_number_that_does_not_fit_names_its_field() {
    let mut d = live_driver();
    let out = feed_frames(
        &mut d,
        &[
            r#"{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"60000.1","sz":"0.0000000000000000001","side":"buy","ts":"1"}]}"#,
            r#"{"arg":{"channel":"open-interest","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","oiCcy":"1e5","oiUsd":"1","ts":"1"}]}"#,
        ],
    );
    assert_eq!(out.problems.len(), 2, "{:?}", out.problems);
    assert!(
        out.problems[0].contains("sz: invalid decimal"),
        "{}",
        out.problems[0]
    );
    assert!(
        out.problems[1].contains("oiCcy: invalid decimal"),
        "{}",
        out.problems[1]
    );
}

/// The books page's maintenance example: `seqId` drops from 15 to 3 and the chain goes on
/// (15 → 3 → 5). The book stays live through it, with no resubscribe and no gap counted.
#[test]
fn a_sequence_reset_that_links_is_applied_and_counted_not_rebuilt() {
    let mut d = live_driver();
    let update = |prev: u64, seq: u64, bid_size: &str| {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"asks":[],"bids":[["100","{bid_size}","0","1"]],"ts":"2","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
        )
    };
    let frames = [update(10, 15, "4"), update(15, 3, "5"), update(3, 5, "6")];
    let mut all: Vec<&str> = vec![SNAP];
    all.extend(frames.iter().map(String::as_str));
    let out = feed_frames(&mut d, &all);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert!(out.sends.is_empty(), "no resubscribe: {:?}", out.sends);
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.book().best_bid().unwrap().size.to_string(), "6");
    let c = sync.counters();
    assert_eq!((c.seq_restarts, c.seq_gaps, c.resyncs), (1, 0, 0));
}

/// No pushed snapshot: updates are buffered, the REST snapshot is fetched once the wait is
/// over, and the buffered update that straddles its `seqId` continues it.
#[test]
fn without_a_pushed_snapshot_the_rest_snapshot_is_bridged_by_seq_id() {
    let mut d = live_driver();
    let update = |prev: u64, seq: u64, bid: &str| {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"asks":[],"bids":[["{bid}","1","0","1"]],"ts":"2","checksum":0,"prevSeqId":{prev},"seqId":{seq}}}]}}"#
        )
    };
    let mut out = Output::default();
    for (i, frame) in [
        update(10, 12, "99"),
        update(12, 15, "98"),
        update(15, 19, "97"),
    ]
    .iter()
    .enumerate()
    {
        d.on_frame(0, Frame::Text(frame), i as u64 * 1_000_000, &mut out);
    }
    d.on_tick(1_000_000_000, &mut out);
    assert!(out.rest.is_empty(), "still waiting for a pushed snapshot");
    d.on_tick(3_500_000_000, &mut out);
    let [request] = out.rest.as_slice() else {
        panic!("one REST request: {:?}", out.rest);
    };
    assert_eq!(
        request.url,
        "https://www.okx.com/api/v5/market/books?instId=BTC-USDT&sz=400"
    );
    // Taken at seqId 14: the update 12 -> 15 straddles it; 10 -> 12 is covered.
    let body = r#"{"code":"0","msg":"","data":[{"asks":[["101","2","0","1"]],"bids":[["100","3","0","1"]],"ts":"3","seqId":14}]}"#;
    let url = request.url.clone();
    let mut out = Output::default();
    d.on_rest(&url, 200, body, 3_600_000_000, &mut out);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    let bids: Vec<String> = sync
        .book()
        .bids()
        .iter()
        .map(|l| l.price.to_string())
        .collect();
    assert_eq!(bids, ["100", "98", "97"], "99 came before the snapshot");
    assert_eq!(sync.counters().stale, 1);

    // A REST error is reported and the book waits for the next request.
    let mut out = Output::default();
    d.on_rest(
        &url,
        200,
        r#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
        3_700_000_000,
        &mut out,
    );
    assert!(out.problems[0].contains("51001"), "{:?}", out.problems);
}

/// A member nobody reads may nest deeper than the one-pass scanner follows (64): serde measures
/// it, and the frame is read for what it carries. Unbalanced nesting is still an error.
#[test]
fn a_deeply_nested_ignored_member_does_not_reject_the_frame() {
    let mut d = live_driver();
    feed_frames(&mut d, &[SNAP]);
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let trades = |extra: &str| {
        format!(
            r#"{{"arg":{{"channel":"trades","instId":"BTC-USDT"}},"data":[{{"instId":"BTC-USDT","tradeId":"1","px":"100.5","sz":"1","side":"buy","ts":"1"}}],"extra":{extra}}}"#
        )
    };
    let book = |extra: &str| {
        format!(
            r#"{{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"update","data":[{{"asks":[],"bids":[["100","7","0","1"]],"ts":"2","checksum":0,"prevSeqId":10,"seqId":11,"extra":{extra}}}]}}"#
        )
    };
    let deep = nest(100);
    let unbalanced = format!("{}]", "[".repeat(100));
    let frames = [trades(&deep), book(&deep), trades(&unbalanced)];
    let out = feed_frames(
        &mut d,
        &frames.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(out.problems.len(), 1, "{:?}", out.problems);
    assert!(out.problems[0].contains("bad JSON"), "{}", out.problems[0]);
    let traded = out
        .events
        .iter()
        .filter(|e| matches!(e, MarketEvent::Trade(_)))
        .count();
    assert_eq!(traded, 1);
    let sync = d.books()[0];
    assert_eq!(sync.state(), &BookState::Live);
    assert_eq!(sync.book().best_bid().unwrap().size.to_string(), "7");
}
