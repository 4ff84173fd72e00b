//! Trades, liquidations, derivatives, control frames, connections and URL overrides.

use super::{Seen, feed, live, rest};
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::event::{LiqSampling, MarketEvent};
use crate::feed::protocol::Protocol;
use crate::instrument::guess;
use crate::market::{LiquidatedPosition, TakerSide};
use crate::venue::binance::parse::taker_side;
use crate::venue::binance::{BinanceSpot, BinanceUsdm, Market, Spot, Usdm};
use std::time::Duration;

#[test]
fn buyer_is_maker_means_the_taker_sold() {
    assert_eq!(taker_side(true), TakerSide::Sell);
    assert_eq!(taker_side(false), TakerSide::Buy);
    let mut d = live::<Spot>("BTCUSDT");
    let seen = feed(
        &mut d,
        &[
            r#"{"e":"trade","E":1672515782136,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}"#,
            r#"{"stream":"btcusdt@trade","data":{"e":"trade","E":1672515782137,"s":"BTCUSDT","t":12346,"p":"0.002","q":"5","T":1672515782137,"m":false,"M":true}}"#,
        ],
    );
    let trades: Vec<_> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Trade(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(trades.len(), 2);
    assert_eq!(trades[0].taker, Some(TakerSide::Sell));
    assert_eq!(trades[0].id.as_deref(), Some("12345"));
    assert_eq!((trades[0].price, trades[0].size), (0.001, 100.0));
    assert_eq!(trades[0].exch_ts, 1672515782136);
    assert_eq!(trades[1].taker, Some(TakerSide::Buy));
}

fn usdm_market(frames: &[&str]) -> Vec<MarketEvent> {
    let mut d = live::<Usdm>("BTCUSDT");
    let mut seen = Seen::default();
    let mut out = Output::default();
    for f in frames {
        d.on_frame(1, Frame::Text(f), 0, &mut out);
        seen.take(&mut out);
    }
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    seen.events
}

#[test]
fn force_order_sell_means_a_long_was_liquidated() {
    let events = usdm_market(&[
        r#"{"e":"forceOrder","E":1568014460893,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT","f":"IOC","q":"0.014","p":"9910","ap":"9910.5","X":"FILLED","l":"0.014","z":"0.014","T":1568014460893}}"#,
        r#"{"stream":"btcusdt@forceOrder","data":{"e":"forceOrder","E":1568014460894,"o":{"s":"BTCUSDT","S":"BUY","o":"LIMIT","f":"IOC","q":"2","p":"9950","ap":"0","X":"NEW","l":"0","z":"0","T":1568014460894}}}"#,
    ]);
    let liqs: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Liquidation(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(liqs.len(), 2);
    assert_eq!(liqs[0].position, LiquidatedPosition::Long);
    assert_eq!(
        (liqs[0].price, liqs[0].size),
        (9910.5, 0.014),
        "average price"
    );
    assert_eq!(liqs[0].sampling, LiqSampling::Throttled1s);
    assert_eq!(liqs[0].exch_ts, 1568014460893);
    assert_eq!(liqs[1].position, LiquidatedPosition::Short);
    assert_eq!(liqs[1].price, 9950.0, "no fill yet: the order price");
}

#[test]
fn mark_price_carries_mark_index_and_funding_but_no_interval() {
    let events = usdm_market(&[
        r#"{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","ap":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"-0.00038167","T":1562306400000}}"#,
    ]);
    let ticks: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(ticks.len(), 1);
    let (tick, v) = (ticks[0], &ticks[0].values);
    assert_eq!(v.mark_price, Some(11794.15));
    assert_eq!(v.index_price, Some(11784.62659091));
    assert_eq!(v.funding_rate, Some(-0.00038167));
    assert_eq!(v.next_funding_ts, Some(1562306400000));
    assert_eq!(v.funding_interval_h, None, "never assumed");
    assert_eq!(v.open_interest, None);
    assert_eq!(tick.exch_ts, Some(1562305380000));
}

#[test]
fn open_interest_is_polled_every_10s_and_read_in_base_units() {
    let d = live::<Usdm>("BTCUSDT");
    let url = "https://fapi.binance.com/fapi/v1/openInterest?symbol=BTCUSDT";
    let polls = d.protocol().polls(&[guess(Usdm::VENUE, "BTCUSDT")]);
    assert_eq!(polls[0].every, Duration::from_secs(10));
    assert_eq!(polls[0].urls, [url]);
    // The positioning statistics, on their own minute cadence.
    assert_eq!(polls[1].every, Duration::from_secs(60));
    assert_eq!(polls[1].urls.len(), 4);
    assert!(
        polls[1].urls[0].ends_with(
            "/futures/data/globalLongShortAccountRatio?symbol=BTCUSDT&period=5m&limit=1"
        ),
        "{polls:?}"
    );
    assert_eq!(
        live::<Spot>("BTCUSDT")
            .protocol()
            .polls(&[guess(Spot::VENUE, "BTCUSDT")]),
        [],
        "spot has no open interest and no positioning"
    );

    let mut d = d;
    let seen = rest(
        &mut d,
        url,
        200,
        r#"{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}"#,
    );
    let ticks: Vec<_> = seen
        .events
        .iter()
        .filter_map(|e| match e {
            MarketEvent::Derivs(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(ticks.len(), 1);
    assert_eq!(ticks[0].values.open_interest, Some(10659.509));
    assert_eq!(ticks[0].exch_ts, Some(1589437530011));
    assert_eq!(&*ticks[0].key.instrument, "BTCUSDT");
}

/// The funding intervals come from `GET /fapi/v1/fundingInfo`, read hourly: a listed symbol
/// gets its interval (and with it a funding APR, §3.10); an unlisted one keeps none.
#[test]
fn funding_intervals_are_read_hourly_from_the_funding_info_list() {
    let mut d = live::<Usdm>("BLZUSDT");
    let url = "https://fapi.binance.com/fapi/v1/fundingInfo";
    let polls = d.protocol().polls(&[guess(Usdm::VENUE, "BLZUSDT")]);
    assert_eq!(polls[2].every, Duration::from_secs(3_600));
    assert_eq!(polls[2].urls, [url]);
    // The response example of "Get Funding Rate Info",
    // developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api/Get-Funding-Rate-Info
    let documented = r#"[{"symbol":"BLZUSDT","adjustedFundingRateCap":"0.02500000","adjustedFundingRateFloor":"-0.02500000","fundingIntervalHours":8,"disclaimer":false}]"#;
    let ticks = |seen: &Seen| -> Vec<(String, Option<f64>)> {
        seen.events
            .iter()
            .filter_map(|e| match e {
                MarketEvent::Derivs(t) => {
                    Some((t.key.instrument.to_string(), t.values.funding_interval_h))
                }
                _ => None,
            })
            .collect()
    };
    let seen = rest(&mut d, url, 200, documented);
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    assert_eq!(ticks(&seen), [("BLZUSDT".to_owned(), Some(8.0))]);
    // A 4 h symbol, an entry without an interval and a symbol not watched: only the first.
    let mut d = live::<Usdm>("LPTUSDT");
    let seen = rest(
        &mut d,
        url,
        200,
        r#"[{"symbol":"LPTUSDT","fundingIntervalHours":4},{"symbol":"GTCUSDT"},{"symbol":"BLZUSDT","fundingIntervalHours":8}]"#,
    );
    assert_eq!(ticks(&seen), [("LPTUSDT".to_owned(), Some(4.0))]);
    // The list names every adjusted symbol: the unwatched ones are no problem.
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
}

#[test]
fn acks_tickers_and_klines_are_not_problems() {
    let mut d = live::<Spot>("BTCUSDT");
    let seen = feed(
        &mut d,
        &[
            r#"{"result":null,"id":1}"#,
            r#"{"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}"#,
            r#"{"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}"#,
            r#"{"e":"kline","E":1672515782136,"s":"BTCUSDT","k":{"t":1672515780000,"i":"1m"}}"#,
        ],
    );
    assert!(seen.problems.is_empty(), "{:?}", seen.problems);
    assert!(seen.events.is_empty());
}

/// `serverShutdown` announces a planned close, on the streams raw, combined, or in the
/// WebSocket API's `{"event":…}` form: each is a [`Parsed::Closing`], not a problem.
#[test]
fn server_shutdown_announces_a_planned_close_in_every_form() {
    use crate::feed::protocol::Parsed;
    for text in [
        r#"{"e":"serverShutdown","E":1770123456789}"#,
        r#"{"stream":"btcusdt@depth@100ms","data":{"e":"serverShutdown","E":1770123456789}}"#,
        r#"{"event":{"e":"serverShutdown","E":1770123456789}}"#,
    ] {
        let parsed = crate::venue::binance::parse::parse(text, false, &mut Vec::new());
        assert!(
            matches!(parsed, Ok(Parsed::Closing(_))),
            "{text}: {parsed:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Connections and URL overrides.

#[test]
fn spot_uses_one_socket_and_usdm_splits_public_and_market() {
    let btc = [guess(Spot::VENUE, "BTCUSDT")];
    let spot = BinanceSpot::new(None, None);
    let conns = spot.connections(&btc);
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].url, "wss://stream.binance.com:9443/ws");
    assert_eq!(
        spot.subscribe(0, &btc),
        [r#"{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@trade"],"id":1}"#]
    );
    assert_eq!(conns[0].max_lifetime, Some(Duration::from_secs(86_340)));
    assert_eq!(conns[0].min_reconnect, Duration::from_secs(1));

    let usdm = BinanceUsdm::new(None, None);
    let conns = usdm.connections(&btc);
    let urls: Vec<&str> = conns.iter().map(|c| c.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "wss://fstream.binance.com/public/ws",
            "wss://fstream.binance.com/market/ws"
        ]
    );
    assert!(usdm.subscribe(0, &btc)[0].contains(r#"["btcusdt@depth@100ms"]"#));
    assert!(
        usdm.subscribe(1, &btc)[0]
            .contains(r#"["btcusdt@aggTrade","btcusdt@markPrice@1s","btcusdt@forceOrder"]"#)
    );
    assert!(usdm.subscribe(2, &btc).is_empty());
    assert!(
        conns
            .iter()
            .all(|c| c.min_reconnect == Duration::from_secs(2))
    );
    let spec = usdm.book_spec("BTCUSDT");
    assert_eq!(spec.conn, 0, "books live on the public socket");
}

#[test]
fn overrides_replace_the_bases_and_keep_the_paths() {
    let usdm = BinanceUsdm::new(
        Some("ws://127.0.0.1:9000/".into()),
        Some("http://127.0.0.1:9001".into()),
    );
    let urls: Vec<String> = usdm.connections(&[]).into_iter().map(|c| c.url).collect();
    assert_eq!(
        urls,
        [
            "ws://127.0.0.1:9000/public/ws",
            "ws://127.0.0.1:9000/market/ws"
        ]
    );
    assert_eq!(
        usdm.book_spec("BTCUSDT").snapshot,
        crate::feed::protocol::SnapshotSource::Rest {
            url: "http://127.0.0.1:9001/fapi/v1/depth?symbol=BTCUSDT&limit=1000".into()
        }
    );
    let polls = usdm.polls(&[guess(Usdm::VENUE, "BTCUSDT")]);
    assert_eq!(
        polls[0].urls,
        ["http://127.0.0.1:9001/fapi/v1/openInterest?symbol=BTCUSDT"]
    );
    assert!(
        polls[1].urls[3].starts_with("http://127.0.0.1:9001/futures/data/takerlongshortRatio?")
    );

    let spot = BinanceSpot::new(Some("ws://127.0.0.1:9000".into()), None);
    assert_eq!(spot.connections(&[])[0].url, "ws://127.0.0.1:9000/ws");
}

/// The positioning statistics are asked at start and every minute; a failing endpoint waits
/// twice as long while the others keep their cadence; an answer becomes a positioning value
/// whose period stays out of the clock estimate.
#[test]
fn positioning_polls_every_minute_and_a_failing_endpoint_backs_off() {
    const S: u64 = 1_000_000_000;
    let mut d = live::<Usdm>("BTCUSDT");
    let asked = |d: &mut crate::feed::driver::Driver<BinanceUsdm>, now: u64| {
        let mut out = Output::default();
        d.on_tick(now, &mut out);
        out.rest
            .into_iter()
            .map(|r| r.url)
            .filter(|u| u.contains("/futures/data/"))
            .collect::<Vec<_>>()
    };
    let first = asked(&mut d, S);
    assert_eq!(first.len(), 4, "{first:?}");
    assert!(asked(&mut d, 30 * S).is_empty());

    let (global, top_positions) = (&first[0], &first[2]);
    let mut out = Output::default();
    let body = r#"[{"symbol":"BTCUSDT","longShortRatio":"1.9559","longAccount":"0.6617","shortAccount":"0.3382","timestamp":"1583139900000"}]"#;
    d.on_rest(global, 200, body, 2 * S, &mut out);
    let MarketEvent::Derivs(tick) = &out.events[0] else {
        panic!("{:?}", out.events)
    };
    let p = tick.values.positioning.unwrap();
    assert_eq!((p.value, p.at, tick.exch_ts), (1.9559, 1583139900000, None));
    d.on_rest(top_positions, 500, "busy", 2 * S, &mut Output::default());

    let again = asked(&mut d, 61 * S);
    assert_eq!(again.len(), 3, "{again:?}");
    assert!(!again.contains(top_positions));
    assert!(!asked(&mut d, 121 * S).contains(top_positions));
    assert_eq!(
        asked(&mut d, 122 * S),
        std::slice::from_ref(top_positions),
        "2 × 60 s after it failed"
    );
}
