//! The backfill task: retries, rate limits, bans and an offline machine against a scripted
//! venue (paused time), and end to end against the simulator over loopback, into the engine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::fetch::{Http, Reply};
use super::run::{
    BackfillConfig, BackfillProgress, BackfillState, BackfillUpdate, Target, run_backfill,
};
use super::series::BookHistory;
use super::start::BackfillEvent;
use crate::engine::warm::{MinuteSeries, Seed};
use crate::feed::adapter::ConnId;
use crate::feed::runtime::{Tap, TapEvent};
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Nanos, VenueId};

const HOUR_MS: i64 = 3_600_000;

/// One closed minute, the klines page's answer once the script has run out.
const KLINE: &str = r#"[[32400000,"1","1","1","1","2",32459999,"2",3,"1","1","0"]]"#;

/// A venue that answers from a script (then a minute of klines, or `[]` for other pages),
/// noting when each request came.
#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Result<Reply, String>>>,
    calls: Mutex<Vec<(Instant, String)>>,
}

impl Script {
    fn new(replies: Vec<Result<Reply, String>>) -> Arc<Self> {
        Arc::new(Script {
            replies: Mutex::new(replies.into()),
            calls: Mutex::default(),
        })
    }

    fn calls(&self) -> Vec<(Instant, String)> {
        self.calls.lock().unwrap().clone()
    }
}

impl Http for Script {
    async fn get(&self, url: &str) -> Result<Reply, String> {
        self.calls
            .lock()
            .unwrap()
            .push((Instant::now(), url.to_owned()));
        let next = self.replies.lock().unwrap().pop_front();
        let body = if url.contains("/klines") { KLINE } else { "[]" };
        next.unwrap_or_else(|| Ok(reply(200, None, body)))
    }
}

fn reply(status: u16, retry_after: Option<u64>, body: &str) -> Reply {
    Reply {
        status,
        retry_after: retry_after.map(Duration::from_secs),
        body: body.to_owned(),
    }
}

/// Every REST event the tap saw: `(venue, url, status)`.
#[derive(Default)]
struct Recorded(Mutex<Vec<(VenueId, String, u16)>>);

impl Tap for Recorded {
    fn record(&self, _t: Nanos, venue: VenueId, conn: Option<ConnId>, event: TapEvent) {
        assert_eq!(conn, None, "REST history has no connection");
        if let TapEvent::Rest { url, status, .. } = event {
            self.0.lock().unwrap().push((venue, url, status));
        }
    }
}

fn spot() -> Instrument {
    Instrument {
        venue: VenueId::Binance,
        id: "BTCUSDT".into(),
        base: "BTC".into(),
        quote: "USDT".into(),
        kind: MarketKind::Spot,
        contract: Contract::Base,
        tick: None,
        lot: None,
        price_precision: None,
        qty_precision: None,
    }
}

/// One Binance spot book over one aligned hour: one klines page and one aggTrades page.
async fn run_script(
    script: Arc<Script>,
    tap: Arc<Recorded>,
) -> (BackfillProgress, Vec<BackfillUpdate>) {
    let (tx, mut rx) = mpsc::channel(256);
    let cfg = BackfillConfig {
        span: Duration::from_secs(3600),
        ..BackfillConfig::default()
    };
    let target = Target {
        instrument: spot(),
        rest_base: "http://venue".into(),
    };
    let done = run_backfill(
        script,
        vec![target],
        10 * HOUR_MS,
        cfg,
        Some(tap),
        tx,
        CancellationToken::new(),
    )
    .await;
    let mut updates = Vec::new();
    while let Ok(u) = rx.try_recv() {
        updates.push(u);
    }
    (done, updates)
}

#[tokio::test(start_paused = true)]
async fn rate_limits_are_waited_out_as_the_venue_asks() {
    let script = Script::new(vec![
        Ok(reply(
            429,
            Some(7),
            r#"{"code":-1003,"msg":"Too many requests"}"#,
        )),
        Ok(reply(503, None, "busy")),
    ]);
    let tap = Arc::new(Recorded::default());
    let start = Instant::now();
    let (done, updates) = run_script(script.clone(), tap.clone()).await;
    assert_eq!(done.state, BackfillState::Done);
    assert_eq!((done.pages_done, done.pages_total, done.failed), (2, 2, 0));
    assert_eq!(done.retries, 2);
    let calls = script.calls();
    // The page after the 429 waited its 7 s (both pages share the pause).
    let after_429 = calls.iter().skip(1).map(|(t, _)| *t - start).min().unwrap();
    assert!(after_429 >= Duration::from_secs(7), "{after_429:?}");
    // Every answer, the 429 and the 503 included, went into the capture.
    let statuses: Vec<u16> = tap.0.lock().unwrap().iter().map(|(_, _, s)| *s).collect();
    assert_eq!(statuses.len(), calls.len());
    assert!(statuses.contains(&429) && statuses.contains(&503));
    let book = updates.iter().find_map(|u| match u {
        BackfillUpdate::Book(h) => Some(h.clone()),
        _ => None,
    });
    assert_eq!(book.unwrap().candles.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_long_ban_closes_the_venue_instead_of_waiting() {
    let script = Script::new(vec![Ok(reply(
        418,
        Some(3_600),
        r#"{"code":-1003,"msg":"banned"}"#,
    ))]);
    let (done, _) = run_script(script.clone(), Arc::new(Recorded::default())).await;
    assert_eq!(done.failed, 2);
    assert_eq!(done.closed.len(), 1);
    assert!(done.closed[0].1.contains("418"), "{:?}", done.closed);
    // The second page was never sent.
    assert_eq!(script.calls().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn offline_gives_up_after_a_few_attempts_not_every_page() {
    let refused = || Err::<Reply, String>("request failed: connection refused".into());
    let script = Script::new((0..20).map(|_| refused()).collect());
    let tap = Arc::new(Recorded::default());
    let (done, updates) = run_script(script.clone(), tap.clone()).await;
    assert_eq!((done.state, done.failed), (BackfillState::Done, 2));
    assert!(done.closed[0].1.starts_with("offline"), "{:?}", done.closed);
    assert_eq!(script.calls().len(), 3);
    // Failed fetches are recorded as the runtime records them (status 599).
    assert!(tap.0.lock().unwrap().iter().all(|(_, _, s)| *s == 599));
    assert!(!updates.iter().any(|u| matches!(u, BackfillUpdate::Book(_))));
}

/// The simulator serves every history endpoint in the venues' shapes; a backfill of one hour
/// reads them all, records every body, and seeds the engine's 24 h volume.
#[tokio::test]
async fn end_to_end_against_the_simulator() {
    use crate::engine::frame::DataMode;
    use crate::engine::{Engine, EngineSettings};
    use crate::feed::event::MarketEvent;
    use crate::instrument::catalog::Catalog;
    use crate::sim::faults::FaultSpec;

    let (sim, options) = crate::sim::start_embedded(3, FaultSpec::none())
        .await
        .unwrap();
    let venues = [
        VenueId::Binance,
        VenueId::BinanceUsdm,
        VenueId::BybitLinear,
        VenueId::Okx,
    ];
    let http = reqwest::Client::new();
    let (catalog, _) = Catalog::load_recorded(&venues, &options, None, &http, None).await;
    let (chosen, problems) = catalog.resolve(&["BTC".to_owned()], &venues);
    assert!(problems.is_empty(), "{problems:?}");
    let targets = super::start::targets(&chosen, &options);
    assert!(targets.len() >= 5, "{targets:?}");
    let tap = Arc::new(Recorded::default());
    let (tx, mut rx) = mpsc::channel(1024);
    let cfg = BackfillConfig {
        span: Duration::from_secs(3600),
        ..BackfillConfig::default()
    };
    let to = super::start::now_ms();
    let done = run_backfill(
        Arc::new(http),
        targets.clone(),
        to,
        cfg,
        Some(tap.clone()),
        tx,
        CancellationToken::new(),
    )
    .await;
    sim.shutdown().await;
    assert_eq!(done.state, BackfillState::Done);
    assert_eq!(done.failed, 0, "{:?}", done.last_error);
    assert_eq!(done.books_done, targets.len());
    let recorded = tap.0.lock().unwrap().clone();
    assert_eq!(recorded.len(), done.pages_total);
    assert!(recorded.iter().all(|(_, _, s)| *s == 200));
    let mut books: Vec<Arc<BookHistory>> = Vec::new();
    while let Ok(u) = rx.try_recv() {
        if let BackfillUpdate::Book(h) = u {
            books.push(h);
        }
    }
    assert_eq!(books.len(), targets.len());
    for h in &books {
        let what = format!("{} {}", h.key.venue, h.key.instrument);
        // One closed minute per minute of the hour (the last may still be open).
        assert!(
            (59..=60).contains(&h.candles.len()),
            "{what}: {} candles",
            h.candles.len()
        );
        assert!(
            h.candles.windows(2).all(|w| w[1].t - w[0].t == 60_000),
            "{what}"
        );
        assert!(!h.prints.is_empty(), "{what}");
        let perp = targets.iter().any(|t| {
            t.instrument.id == *h.key.instrument
                && t.instrument.kind != MarketKind::Spot
                && t.instrument.venue == h.key.venue
        });
        if perp {
            assert!(!h.open_interest.is_empty(), "{what}: open interest");
            assert!(!h.funding.is_empty(), "{what}: funding");
            assert!(!h.long_short.is_empty(), "{what}: long/short");
        }
        // Sizes are base units whatever the venue's contract: a BTC print is a fraction of a
        // coin to a few coins, never thousands of contracts.
        assert!(
            h.prints.iter().all(|p| p.size > 0.0 && p.size < 50.0),
            "{what}"
        );
    }
    // Binance spot splits taker volume per minute and numbers its prints.
    let binance = books
        .iter()
        .find(|h| h.key.venue == VenueId::Binance)
        .unwrap();
    assert!(binance.candles.iter().all(|c| c.taker_buy.is_some()));

    // Into the engine: the 24 h volume is whole at once.
    let mut engine = Engine::new(EngineSettings::from_config(
        &crate::config::Config::default(),
        DataMode::Live,
    ));
    for t in &targets {
        engine.on_event(MarketEvent::Instrument(Arc::new(t.instrument.clone())));
    }
    for h in &books {
        let event = super::start::seeds(h, None).await;
        let BackfillEvent::Seeds { seeds, .. } = &event else {
            panic!("{event:?}");
        };
        let volume = seeds
            .iter()
            .filter(|s| {
                matches!(
                    s,
                    Seed::Minute {
                        series: MinuteSeries::Volume,
                        ..
                    }
                )
            })
            .count();
        assert!(volume >= 59, "{}: {volume} volume minutes", h.key.venue);
        engine.on_event(MarketEvent::Backfill(event));
    }
    let frame = engine.tick(to as Nanos * 1_000_000);
    let book = frame
        .symbols
        .iter()
        .flat_map(|s| &s.books)
        .find(|b| b.key == binance.key)
        .unwrap();
    let expected: f64 = binance
        .candles
        .iter()
        .map(|c| c.notional_or_estimate())
        .sum();
    let shown = book.flow.volume_24h_usd.unwrap();
    assert!(
        (shown / expected - 1.0).abs() < 1e-9,
        "{shown} vs {expected}"
    );

    // Positioning from the same fetch, on the first frame: each perpetual's latest accounts
    // ratio, fresh (polled at the span's end), and their §3.13 consensus weighted by the
    // backfilled open interest (the venues that gave it in USD: no mark price has come yet).
    use crate::backfill::series::RatioKind as Fetched;
    use crate::engine::analytics::RatioKind;
    let btc = frame.symbols.iter().find(|s| s.symbol == "BTC").unwrap();
    let p = &btc.analytics.positioning;
    let mut with_ratio = 0;
    for h in books.iter().filter(|h| !h.long_short.is_empty()) {
        let what = format!("{} {}", h.key.venue, h.key.instrument);
        let last = h
            .long_short
            .iter()
            .rev()
            .find(|r| r.kind == Fetched::Accounts)
            .unwrap();
        let v = p.venues.iter().find(|v| v.key == h.key).expect(&what);
        let shown = v
            .ratios
            .iter()
            .find(|r| r.kind == RatioKind::Accounts)
            .expect(&what);
        assert_eq!(
            (shown.ratio, shown.at, shown.stale),
            (last.ratio, last.t, false),
            "{what}"
        );
        with_ratio += 1;
    }
    assert!(with_ratio >= 3, "{with_ratio} perpetuals with ratios");
    let accounts = p
        .consensus
        .iter()
        .find(|c| c.kind == RatioKind::Accounts)
        .expect("an accounts consensus on the first frame");
    assert!(accounts.venues >= 2, "{accounts:?}");
    assert!((-1.0..=1.0).contains(&accounts.long_short_consensus));
    // §0.2: 2 × the 60 s poll after the fetch with no poll of their own, they are stale and
    // the consensus (fresh venues only) is gone; never shown fresh.
    let later = engine.tick((to + 121_000) as Nanos * 1_000_000);
    let p = &later
        .symbols
        .iter()
        .find(|s| s.symbol == "BTC")
        .unwrap()
        .analytics
        .positioning;
    assert!(
        p.venues.iter().flat_map(|v| &v.ratios).all(|r| r.stale),
        "{p:?}"
    );
    assert!(p.venues.iter().all(|v| v.taker_buy_sell_ratio.is_none()));
    assert!(p.consensus.is_empty(), "{p:?}");
}

/// Seeds that arrive before the venue has described the instrument wait for the book and are
/// applied once it appears.
#[test]
fn history_before_the_instrument_is_applied_when_it_arrives() {
    use super::series::Candle;
    use crate::engine::frame::DataMode;
    use crate::engine::{Engine, EngineSettings};
    use crate::feed::event::{BookKey, MarketEvent};

    // An OKX swap's contract size is unknown until its instrument arrives.
    let key = BookKey::new(VenueId::Okx, "BTC-USDT-SWAP");
    let to = 100 * 60_000;
    let mut h = BookHistory::new(key.clone(), "BTC", 0, to);
    h.candles = (0..100)
        .map(|m| Candle {
            t: m * 60_000,
            open: 10.0,
            high: 10.0,
            low: 10.0,
            close: 10.0,
            volume: 2.0,
            notional: Some(20.0),
            taker_buy: Some(1.5),
            trades: Some(4),
        })
        .collect();
    let mut engine = Engine::new(EngineSettings::from_config(
        &crate::config::Config::default(),
        DataMode::Live,
    ));
    engine.seed(&key, super::rows::seeds(&h));
    let before = engine.tick(to as Nanos * 1_000_000);
    assert!(before.symbols.iter().all(|s| s.books.is_empty()));
    engine.on_event(MarketEvent::Instrument(Arc::new(Instrument {
        venue: VenueId::Okx,
        id: "BTC-USDT-SWAP".into(),
        kind: MarketKind::Perpetual,
        contract: Contract::Linear { multiplier: 0.01 },
        ..spot()
    })));
    let frame = engine.tick(to as Nanos * 1_000_000);
    let book = frame
        .symbols
        .iter()
        .flat_map(|s| &s.books)
        .find(|b| b.key == key)
        .unwrap();
    assert_eq!(book.flow.volume_24h_usd, Some(2_000.0));
}

/// Counts the books a backfill hands over.
struct Books(usize);

impl super::run::BackfillSink for Books {
    fn progress(&mut self, _: &BackfillProgress) {}

    fn book(&mut self, _: Arc<BookHistory>) {
        self.0 += 1;
    }
}

fn store_path(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("depthscope-backfill-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("history.sqlite")
}

/// The simulator's Binance spot BTC book.
const BOOK: &str = "BTCUSDT";

/// Backfills `hours` of Binance spot BTC before `to` from the simulator, over loopback, into
/// the history file at `path` (as `history backfill` does); returns what was written and kept.
async fn backfill_into(
    path: &std::path::Path,
    hours: u64,
    to: i64,
) -> (Instrument, crate::history::backfill::Written) {
    use crate::instrument::catalog::Catalog;
    use crate::sim::faults::FaultSpec;

    let (sim, options) = crate::sim::start_embedded(3, FaultSpec::none())
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let venues = [VenueId::Binance];
    let (catalog, _) = Catalog::load_recorded(&venues, &options, None, &http, None).await;
    let (chosen, _) = catalog.resolve(&["BTC".to_owned()], &venues);
    let targets = super::start::targets(&chosen, &options);
    assert_eq!(targets.len(), 1, "{targets:?}");
    let inst = targets[0].instrument.clone();
    assert_eq!(&*inst.id, BOOK);
    let (tx, rx) = mpsc::channel(256);
    let cfg = BackfillConfig {
        span: Duration::from_secs(hours * 3600),
        ..BackfillConfig::default()
    };
    let run = tokio::spawn(run_backfill(
        Arc::new(http),
        targets,
        to,
        cfg,
        None,
        tx,
        CancellationToken::new(),
    ));
    let store = crate::history::Store::open_write(path).unwrap();
    let mut sink = super::cli::StoreSink::new(Some(store), Books(0));
    super::run::drain(rx, &mut sink).await;
    let done = run.await.unwrap();
    sim.shutdown().await;
    assert_eq!(done.failed, 0, "{:?}", done.last_error);
    assert_eq!(sink.error, None);
    let written = sink.written.clone();
    assert_eq!(sink.into_inner().0, 1);
    (inst, written)
}

/// A minute boundary shortly before now (the simulator serves the recent past).
fn minute_before_now() -> i64 {
    super::start::now_ms() / 60_000 * 60_000
}

fn count(path: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

/// `history backfill` into an empty file writes every series, marked backfilled; a second run
/// over the same span writes nothing and says it kept what the first wrote.
#[tokio::test]
async fn a_backfill_fills_an_empty_store_and_a_second_run_skips_what_is_there() {
    let path = store_path("twice");
    let to = minute_before_now();
    let (_, first) = backfill_into(&path, 2, to).await;
    for series in ["candle minutes", "cvd minutes", "volume minutes"] {
        let c = first.0.get(series).copied().unwrap_or_default();
        assert!((119..=120).contains(&c.written), "{series}: {c:?}");
    }
    assert!(first.0["print hours"].written >= 2, "{first:?}");
    assert_eq!(
        count(&path, "SELECT count(*) FROM min WHERE source = 1") as u64,
        first.0["candle minutes"].written
    );
    assert_eq!(count(&path, "SELECT count(*) FROM min WHERE source = 0"), 0);
    let (_, second) = backfill_into(&path, 2, to).await;
    assert_eq!(second.written(), 0, "{second:?}");
    for (series, c) in &second.0 {
        assert_eq!(c.kept_backfilled, first.0[series].written, "{series}");
        assert_eq!(c.kept_recorded, 0, "{series}");
    }
}

/// Minutes the store recorded live are kept as they are: the backfill skips them.
#[tokio::test]
async fn recorded_minutes_win_over_backfilled_ones() {
    use crate::engine::warm::MinuteSeries;
    use crate::history::columns::{index_of, width};
    use crate::history::{BookRow, Store, WarmRow};

    let path = store_path("recorded");
    let to = minute_before_now();
    // One recorded second half an hour before the end, with its minute's CVD sample.
    let t = to / 1000 - 1_800;
    let mut values = vec![None; width()];
    values[index_of("mid").unwrap()] = Some(1.0);
    let recorded = BookRow {
        venue: "binance".into(),
        instrument: BOOK.into(),
        symbol: "BTC".into(),
        values,
    };
    let cvd = WarmRow {
        venue: "binance".into(),
        instrument: BOOK.into(),
        symbol: "BTC".into(),
        series: MinuteSeries::Cvd.code(),
        t: t * 1000,
        value: Some(123.0),
        bins: None,
    };
    let mut store = Store::open_write(&path).unwrap();
    store.write_second(t, &[recorded], &[cvd]).unwrap();
    drop(store);
    let (_, written) = backfill_into(&path, 2, to).await;
    assert_eq!(written.0["candle minutes"].kept_recorded, 1, "{written:?}");
    assert_eq!(written.0["cvd minutes"].kept_recorded, 1, "{written:?}");
    assert!(written.0["candle minutes"].written >= 118, "{written:?}");
    let minute = t - t.rem_euclid(60);
    assert_eq!(
        count(
            &path,
            &format!(
                "SELECT count(*) FROM min WHERE t = {minute} AND source = 0 AND mid_close = 1.0"
            )
        ),
        1
    );
    assert_eq!(
        count(
            &path,
            &format!(
                "SELECT count(*) FROM warm WHERE t = {} AND series = 7 AND value = 123.0 AND source = 0",
                t * 1000
            )
        ),
        1
    );
}

/// The engine restored from a backfilled store (the normal restore path) has the large-trade
/// P99, `σ_1m` of `flow_momentum` and the 24 h volume at once; the same live minutes without
/// it run on the floor with no momentum.
#[tokio::test]
async fn a_restored_engine_is_warm_from_backfilled_rows() {
    use crate::engine::frame::DataMode;
    use crate::engine::{Engine, EngineSettings};
    use crate::feed::event::{BookKey, MarketEvent, Trade};
    use crate::market::TakerSide;

    let path = store_path("restore");
    let to = minute_before_now();
    let (inst, written) = backfill_into(&path, 24, to).await;
    assert!(written.0["print hours"].written >= 24, "{written:?}");
    let key = BookKey::new(VenueId::Binance, BOOK);
    // A floor below the simulated prints' P99, so the threshold shows which one it is.
    let mut config = crate::config::Config::default();
    config.engine.large_trade_floor_usd = 1.0;
    config.engine.large_trade_floor_usd_by_asset.clear();
    let run = |restore: bool| {
        let mut engine = Engine::new(EngineSettings::from_config(&config, DataMode::Live));
        if restore {
            let store = crate::history::Store::open_read(&path).unwrap();
            assert_eq!(
                crate::history::restore::restore(&mut engine, &store, to).unwrap(),
                1
            );
        }
        engine.on_event(MarketEvent::Instrument(Arc::new(inst.clone())));
        // 6 minutes of live trades after the backfilled span (the 5-min window's coverage).
        for s in 0..360 {
            let t = to + s * 1000;
            engine.on_event(MarketEvent::Trade(Trade {
                key: key.clone(),
                local_ts: t as Nanos * 1_000_000,
                exch_ts: t,
                price: 60_000.0,
                size: 0.01 + (s % 7) as f64 * 0.01,
                taker: Some(if s % 3 == 0 {
                    TakerSide::Sell
                } else {
                    TakerSide::Buy
                }),
                id: Some(s.to_string().into()),
            }));
        }
        let frame = engine.tick((to + 360_000) as Nanos * 1_000_000);
        frame
            .symbols
            .iter()
            .flat_map(|s| &s.books)
            .find(|b| b.key == key)
            .unwrap()
            .flow
            .clone()
    };
    let (warm, cold) = (run(true), run(false));
    assert!(warm.flow_momentum.is_some(), "{warm:?}");
    assert_eq!(cold.flow_momentum, None);
    let (w, c) = (
        warm.large_trade_threshold_usd.unwrap(),
        cold.large_trade_threshold_usd.unwrap(),
    );
    assert_eq!(c, 1.0);
    assert!(w > 100.0, "the P99 threshold {w} is still the floor");
    // The day's candles are in the 24 h volume: far more than 6 minutes of small live prints.
    assert!(
        warm.volume_24h_usd.unwrap() > 10.0 * cold.volume_24h_usd.unwrap(),
        "{:?} vs {:?}",
        warm.volume_24h_usd,
        cold.volume_24h_usd
    );
}

/// A cancelled backfill ends even when nobody reads its updates any more: the session waits
/// for it before it exits, so a send waiting on a full queue hung `--exit-after` and `q`.
#[tokio::test(start_paused = true)]
async fn a_cancelled_backfill_ends_with_its_update_queue_full() {
    let (tx, rx) = mpsc::channel(1);
    let cancel = CancellationToken::new();
    let cfg = BackfillConfig {
        span: Duration::from_secs(3 * 3600),
        ..BackfillConfig::default()
    };
    let targets = (0..4)
        .map(|_| Target {
            instrument: spot(),
            rest_base: "http://venue".into(),
        })
        .collect();
    let run = tokio::spawn(run_backfill(
        Script::new(Vec::new()),
        targets,
        10 * HOUR_MS,
        cfg,
        None,
        tx,
        cancel.clone(),
    ));
    // The first update fills the queue; nothing reads it.
    tokio::task::yield_now().await;
    cancel.cancel();
    let ended = tokio::time::timeout(Duration::from_secs(60), run).await;
    let done = ended
        .expect("the cancelled backfill ended")
        .expect("no panic");
    assert_eq!(done.state, BackfillState::Cancelled);
    drop(rx);
}
