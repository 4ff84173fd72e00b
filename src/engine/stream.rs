//! `stream --json`: one JSON object per engine tick, one per line, for scripts and other tools.
//!
//! Each line holds, per symbol, the composites, the analytics (zones, regime, drift, consensus,
//! arbitrage, integrity per book, lead–lag, positioning: [`stream_analytics`](super::stream_analytics))
//! and, per (venue, instrument) book, its state and validity (`valid`, `stale`, `book_age_ms`,
//! level counts: §0.2), features, depth bands, flow, liquidations and derivatives; then venue
//! health and the alerts fired since the previous line.
//! Absent values are `null` because they are `None` in the frame, never because a NaN was
//! written (serde_json would write one as `null` silently; the frame has none to write).
//!
//! Numbers are written at their precision ([`stream_numbers`](super::stream_numbers)): prices at
//! the instrument's, never with binary noise. With [`StreamOptions::fields`] a line is slim: its
//! `seq`, `at` and, per symbol, the named composites and per book its identity and the named
//! fields.
//!
//! Names are the engine's honest names (`docs/metrics.md` §12). With
//! [`StreamOptions::market_names`] the keys that have a well-known market-data name
//! ([`features::alias`](crate::features::alias)) are renamed to it, for consumers built against
//! commercial feeds (`phantom_liquidity_score` → `manip_risk`, `large_order_pressure` →
//! `smart_money_score` …).

use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::features::alias::{ALIASES, market_name};
use crate::feed::event::BookKey;
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::MarketKind;
use crate::market::Nanos;

use super::analytics::DetectorKind;
use super::frame::{
    Alert, BookFeatures, BookFrame, DepthBands, DerivsView, FlowFeatures, Frame,
    LiquidationFeatures, SymbolFrame,
};
use super::stream_analytics::{analytics_value, write_analytics};
use super::stream_numbers::{Fields, Precision, tidy_book, tidy_other};
use super::stream_writer::{Object, Renames, write_array, write_tidy};

/// How `stream --json` writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// Rename keys to their well-known market-data aliases.
    pub market_names: bool,
    /// Only these fields (`--fields`): a slim line.
    pub fields: Option<Fields>,
}

/// A slim line (`--fields`).
#[derive(Serialize)]
struct SlimLine {
    seq: u64,
    at: Nanos,
    symbols: Vec<Value>,
}

#[derive(Serialize)]
struct BookLine<'a> {
    #[serde(flatten)]
    key: &'a BookKey,
    kind: MarketKind,
    base: &'a str,
    quote: &'a str,
    state: &'a BookState,
    valid: bool,
    stale: bool,
    stale_after_ms: f64,
    book_age_ms: Option<f64>,
    exch_age_ms: Option<f64>,
    n_levels_bid: usize,
    n_levels_ask: usize,
    base_units: bool,
    counters: &'a BookCounters,
    features: Option<&'a BookFeatures>,
    bands: Option<&'a DepthBands>,
    flow: &'a FlowFeatures,
    liquidations: LiquidationLine<'a>,
    derivs: &'a DerivsView,
}

/// Liquidation figures without the display list of recent prints.
#[derive(Default, Serialize)]
pub(super) struct LiquidationLine<'a> {
    sampling: Option<&'a crate::feed::event::LiqSampling>,
    count_1m: Option<f64>,
    notional_1m: Option<f64>,
    rate_per_min: Option<f64>,
    notional_rate_per_min: Option<f64>,
    long_notional_5m: Option<f64>,
    short_notional_5m: Option<f64>,
    long_short_imbalance: Option<f64>,
    cascade: Option<&'a crate::engine::frame::CascadeView>,
}

impl<'a> LiquidationLine<'a> {
    fn of(l: &'a LiquidationFeatures) -> Self {
        LiquidationLine {
            sampling: l.sampling.as_ref(),
            count_1m: l.count_1m,
            notional_1m: l.notional_1m,
            rate_per_min: l.rate_per_min,
            notional_rate_per_min: l.notional_rate_per_min,
            long_notional_5m: l.long_notional_5m,
            short_notional_5m: l.short_notional_5m,
            long_short_imbalance: l.long_short_imbalance,
            cascade: l.cascade.as_ref(),
        }
    }
}

impl<'a> BookLine<'a> {
    fn of(b: &'a BookFrame) -> Self {
        BookLine {
            key: &b.key,
            kind: b.instrument.kind,
            base: &b.instrument.base,
            quote: &b.instrument.quote,
            state: &b.state,
            valid: b.valid,
            stale: b.stale,
            stale_after_ms: b.stale_after_ms,
            book_age_ms: b.book_age_ms,
            exch_age_ms: b.exch_age_ms,
            n_levels_bid: b.n_levels_bid,
            n_levels_ask: b.n_levels_ask,
            base_units: b.base_units,
            counters: &b.counters,
            features: b.features.as_ref(),
            bands: b.bands.as_ref(),
            flow: &b.flow,
            liquidations: LiquidationLine::of(&b.liquidations),
            derivs: &b.derivs,
        }
    }
}

/// Writes frames as JSON lines, remembering which alerts it has already written.
#[derive(Debug)]
pub struct JsonLines {
    opts: StreamOptions,
    /// Honest name → market name, for the keys that have one.
    renames: Renames,
    last_alert: u64,
}

impl JsonLines {
    pub fn new(opts: StreamOptions) -> Self {
        JsonLines {
            opts,
            renames: market_renames(),
            last_alert: 0,
        }
    }

    /// Writes `frame` as one line. Alerts are those fired since the last line written (by id, so
    /// frames skipped by a slow writer lose none still in the frame's recent list).
    pub fn write(&mut self, out: &mut impl Write, frame: &Frame) -> io::Result<()> {
        let mut alerts: Vec<&Alert> = frame
            .alerts
            .iter()
            .filter(|a| a.id > self.last_alert)
            .map(|a| &**a)
            .collect();
        alerts.reverse();
        if let Some(a) = alerts.last() {
            self.last_alert = a.id;
        }
        let line = match &self.opts.fields {
            Some(fields) => self.slim_line(frame, fields),
            None => self.full_line(frame, &alerts),
        }
        .map_err(io::Error::other)?;
        out.write_all(&line)?;
        out.write_all(b"\n")?;
        out.flush()
    }

    fn renames(&self) -> Option<&Renames> {
        self.opts.market_names.then_some(&self.renames)
    }

    /// A whole line, written straight from the frame (see [`stream_writer`](super::stream_writer)).
    fn full_line(&self, frame: &Frame, alerts: &[&Alert]) -> serde_json::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(64 * 1024);
        let mut line = Object::begin(&mut out, self.renames());
        line.member("seq", &frame.seq, None)?;
        line.member("at", &frame.at, None)?;
        line.member("mode", &frame.mode, None)?;
        line.with("symbols", |out| {
            write_array(out, &frame.symbols, |out, s| self.write_symbol(out, s))
        })?;
        line.member("venues", &frame.venues, None)?;
        line.member("alerts", alerts, None)?;
        line.member("alert_delivery", &frame.alert_delivery, None)?;
        if let Some(backfill) = &frame.backfill {
            line.member("backfill", backfill, None)?;
        }
        line.end();
        Ok(out)
    }

    /// A slim line (`--fields`): built as a tree, which the field selection walks.
    fn slim_line(&self, frame: &Frame, fields: &Fields) -> serde_json::Result<Vec<u8>> {
        let symbols = frame
            .symbols
            .iter()
            .map(|s| self.slim_symbol(s, fields))
            .collect::<Result<Vec<_>, _>>()?;
        let mut value = serde_json::to_value(SlimLine {
            seq: frame.seq,
            at: frame.at,
            symbols,
        })?;
        if let Some(renames) = self.renames() {
            rename_keys(&mut value, renames);
        }
        serde_json::to_vec(&value)
    }

    /// One symbol exactly as a full line holds it (renamed with `market_names`), for other
    /// writers of the same stream (the SSE stream of `depthscope serve`).
    pub fn symbol_json(&self, s: &SymbolFrame) -> serde_json::Result<String> {
        let mut out = Vec::with_capacity(8 * 1024);
        self.write_symbol(&mut out, s)?;
        String::from_utf8(out).map_err(serde::ser::Error::custom)
    }

    fn detector_name(&self, k: DetectorKind) -> &'static str {
        let honest = k.metric();
        match self.opts.market_names {
            true => self.renames.get(honest).copied().unwrap_or(honest),
            false => honest,
        }
    }

    /// One symbol: its composites, analytics and books, numbers tidied as they are written.
    fn write_symbol(&self, out: &mut Vec<u8>, s: &SymbolFrame) -> serde_json::Result<()> {
        let renames = self.renames();
        let mut line = Object::begin(out, renames);
        line.member("symbol", &s.symbol, None)?;
        line.member("composites", &s.composites, None)?;
        line.with("analytics", |out| {
            write_analytics(out, s, |k| self.detector_name(k), renames)
        })?;
        line.with("books", |out| {
            write_array(out, &s.books, |out, b| {
                write_tidy(out, &BookLine::of(b), Some(Precision::of(b)), renames)
            })
        })?;
        line.end();
        Ok(())
    }

    /// One symbol of a slim line: its identity, the named composites and analytics parts, and
    /// its books slimmed.
    fn slim_symbol(&self, s: &SymbolFrame, f: &Fields) -> serde_json::Result<Value> {
        let mut books = Vec::with_capacity(s.books.len());
        for b in &s.books {
            let mut v = serde_json::to_value(BookLine::of(b))?;
            tidy_book(&mut v, Precision::of(b));
            books.push(f.slim_book(v));
        }
        let mut composites = serde_json::to_value(&s.composites)?;
        tidy_other(&mut composites);
        let mut line = serde_json::Map::new();
        line.insert("symbol".into(), Value::from(s.symbol.as_str()));
        line.extend(f.slim_composites(composites));
        if !f.analytics.is_empty() {
            line.extend(f.slim_analytics(analytics_value(s, |k| self.detector_name(k))?));
        }
        line.insert("books".into(), Value::Array(books));
        Ok(Value::Object(line))
    }
}

/// For each honest name, the first market name the alias table lists for it, unless that one is
/// the honest name itself.
fn market_renames() -> Renames {
    ALIASES
        .iter()
        .filter_map(|a| Some((a.spec_name, market_name(a.spec_name)?)))
        .collect()
}

fn rename_keys(value: &mut Value, renames: &Renames) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if let Some(mut v) = map.remove(&key) {
                    rename_keys(&mut v, renames);
                    let new = renames
                        .get(key.as_str())
                        .filter(|n| !map.contains_key(**n))
                        .map_or(key, |n| (*n).to_owned());
                    map.insert(new, v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_keys(v, renames)),
        _ => {}
    }
}

/// Writes every frame published on `frames` to `out` until `cancel` fires or the engine stops
/// (after writing its last frame). A frame published while the previous one
/// is being written replaces it (the `watch` keeps the latest); alerts are never skipped that
/// way, see [`JsonLines::write`].
pub async fn stream_json(
    mut frames: watch::Receiver<Arc<Frame>>,
    mut out: impl Write,
    opts: StreamOptions,
    cancel: CancellationToken,
) -> io::Result<()> {
    let mut lines = JsonLines::new(opts);
    loop {
        tokio::select! {
            biased;
            () = cancel.cancelled() => return Ok(()),
            changed = frames.changed() => {
                // `changed` still reports a last unseen frame after the engine has stopped.
                if changed.is_err() {
                    return Ok(());
                }
                let frame = frames.borrow_and_update().clone();
                lines.write(&mut out, &frame)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::config::alerts::{AlertMetric, AlertRule, Notify, Trigger};
    use crate::engine::frame::{DataMode, Severity};
    use crate::engine::{Clock, Engine, EngineSettings, run_engine};
    use crate::feed::event::{BookUpdate, LevelChange, MarketEvent, UpdateKind};
    use crate::market::{Side, VenueId};
    use tokio::sync::mpsc;

    const MS: Nanos = 1_000_000;

    fn settings() -> EngineSettings {
        let mut cfg = Config::default();
        cfg.alerts.rule = vec![AlertRule {
            name: "wide".into(),
            metric: AlertMetric::SpreadBps,
            venue: None,
            symbol: None,
            trigger: Trigger::Above(1.0),
            clear: 1.0,
            hold_s: 0.0,
            cooldown_s: 0.0,
            severity: Severity::Info,
            notify: Notify::None,
        }];
        EngineSettings::from_config(&cfg, DataMode::Live)
    }

    /// A live one-level book on `instrument` at `ms`.
    fn live_book(instrument: &str, ms: u64) -> [MarketEvent; 2] {
        let key = BookKey::new(VenueId::Okx, instrument);
        let changes = vec![
            LevelChange {
                side: Side::Bid,
                price: 100.0,
                size: 1.0,
            },
            LevelChange {
                side: Side::Ask,
                price: 101.0,
                size: 1.0,
            },
        ];
        [
            MarketEvent::BookStatus(crate::feed::event::BookStatus {
                key: key.clone(),
                local_ts: ms * MS,
                state: BookState::Live,
                counters: BookCounters::default(),
            }),
            MarketEvent::Book(BookUpdate {
                key,
                kind: UpdateKind::Snapshot,
                local_ts: ms * MS,
                exch_ts: Some(ms as i64),
                changes,
                known_to: [None, None],
            }),
        ]
    }

    fn lines(buf: &[u8]) -> Vec<Value> {
        std::str::from_utf8(buf)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn alerts_are_written_once_even_when_frames_are_skipped() {
        let mut e = Engine::new(settings());
        let mut frames = Vec::new();
        for (i, id) in ["BTC-USDT", "BTC-USDC", "BTC-EUR"].into_iter().enumerate() {
            let ms = 1_000 * i as u64;
            live_book(id, ms).into_iter().for_each(|ev| e.on_event(ev));
            frames.push(e.tick(ms * MS));
        }
        let mut w = JsonLines::new(StreamOptions::default());
        let mut buf = Vec::new();
        // The second frame is never written (a slow writer); its alert comes with the third.
        w.write(&mut buf, &frames[0]).unwrap();
        w.write(&mut buf, &frames[2]).unwrap();
        w.write(&mut buf, &frames[2]).unwrap();
        let out = lines(&buf);
        let ids = |v: &Value| -> Vec<u64> {
            v["alerts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(ids(&out[0]), [1]);
        assert_eq!(ids(&out[1]), [2, 3]);
        assert!(ids(&out[2]).is_empty());
        // Books of one venue are listed by instrument id.
        let book = &out[1]["symbols"][0]["books"][0];
        assert_eq!(book["venue"], "okx");
        assert_eq!(book["instrument"], "BTC-EUR");
        assert_eq!(book["valid"], true);
        assert!(book["features"]["spread_bps"].is_f64());
        // Warming up: an explicit null.
        assert!(book["features"]["ofi_10s"].is_null());
        assert!(book.get("ladder").is_none());
        assert!(book["liquidations"].get("recent").is_none());
    }

    #[test]
    fn market_names_rename_only_keys_that_have_an_alias() {
        let renames = market_renames();
        assert_eq!(renames.get("phantom_liquidity_score"), Some(&"manip_risk"));
        assert_eq!(
            renames.get("large_order_pressure"),
            Some(&"smart_money_score")
        );
        assert_eq!(renames.get("spread_bps"), Some(&"bid_ask_spread"));
        assert_eq!(renames.get("cascade_stress"), Some(&"cascade_risk"));
        // Listed first as itself: the honest name is the market name.
        assert_eq!(renames.get("whale_conviction"), None);
        let mut v = serde_json::json!({
            "spread_bps": 1.0,
            "nested": [{"large_trade_share": 0.5, "venue": "okx"}],
            "manip_risk": 7,
            "phantom_liquidity_score": 0.2,
        });
        rename_keys(&mut v, &renames);
        assert_eq!(v["bid_ask_spread"], 1.0);
        assert_eq!(v["nested"][0]["institutional_score"], 0.5);
        assert_eq!(v["nested"][0]["venue"], "okx");
        // A rename never overwrites a key that is already there.
        assert_eq!(v["manip_risk"], 7);
        assert_eq!(v["phantom_liquidity_score"], 0.2);
    }

    /// The UI's fixture frame with BTC's analytics filled.
    fn analytics_frame() -> Frame {
        let mut frame = crate::ui::tests::fixtures::frame();
        let btc = &mut frame.symbols[0];
        btc.analytics = Arc::new(crate::engine::analytics_reads::fixture::filled(btc));
        frame
    }

    /// A symbol as a tree: each part serialised, walked to round, renamed.
    fn symbol_tree(lines: &JsonLines, s: &SymbolFrame) -> Value {
        let books: Vec<Value> = s
            .books
            .iter()
            .map(|b| {
                let mut v = serde_json::to_value(BookLine::of(b)).unwrap();
                tidy_book(&mut v, Precision::of(b));
                v
            })
            .collect();
        let mut composites = serde_json::to_value(&s.composites).unwrap();
        tidy_other(&mut composites);
        let analytics = analytics_value(s, |k| lines.detector_name(k)).unwrap();
        let mut v = serde_json::json!({
            "symbol": s.symbol, "composites": composites, "analytics": analytics, "books": books,
        });
        if let Some(renames) = lines.renames() {
            rename_keys(&mut v, renames);
        }
        v
    }

    #[test]
    fn a_symbol_written_directly_equals_the_tidied_renamed_tree() {
        let frame = analytics_frame();
        for market_names in [false, true] {
            let lines = JsonLines::new(StreamOptions {
                market_names,
                ..StreamOptions::default()
            });
            for s in &frame.symbols {
                let text = lines.symbol_json(s).unwrap();
                let direct: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(direct, symbol_tree(&lines, s), "{}", s.symbol);
                // No key written twice (a tree would have kept one silently).
                let keys = |v: &Value| v.to_string().matches("\":").count();
                assert_eq!(text.matches("\":").count(), keys(&direct));
            }
        }
        assert!(frame.symbols.iter().any(|s| !s.books.is_empty()));
    }

    #[test]
    fn each_symbol_line_carries_its_analytics_renamed_with_market_names() {
        let frame = analytics_frame();
        let mut buf = Vec::new();
        JsonLines::new(StreamOptions::default())
            .write(&mut buf, &frame)
            .unwrap();
        let honest = &lines(&buf)[0]["symbols"][0]["analytics"];
        assert_eq!(honest["regime"]["label"], "BULL");
        assert_eq!(honest["zones"]["nearest_support_bps"], 7.8);
        let detectors = &honest["integrity"][0]["detectors"];
        assert_eq!(detectors["phantom_liquidity_score"]["score"], 0.3117);
        assert!(detectors.get("manip_risk").is_none());
        // ETH's analytics are empty: the parts are there with nulls.
        let eth = &lines(&buf)[0]["symbols"][1]["analytics"];
        assert!(eth["regime"]["label"].is_null());
        assert!(eth["lead_lag"].is_null());

        let mut buf = Vec::new();
        JsonLines::new(StreamOptions {
            market_names: true,
            fields: None,
        })
        .write(&mut buf, &frame)
        .unwrap();
        let market = &lines(&buf)[0]["symbols"][0]["analytics"]["integrity"][0];
        assert_eq!(market["detectors"]["manip_risk"]["score"], 0.3117);
        assert_eq!(market["detectors"]["price_dislocation"]["score"], 0.0);
        assert!(market["detectors"].get("phantom_liquidity_score").is_none());
        assert_eq!(market["top_contributors"][0], "manip_risk");
    }

    #[test]
    fn fields_keep_only_the_analytics_parts_asked_for() {
        let frame = analytics_frame();
        let fields = Fields::parse(&["regime".into(), "spread_bps".into()]).unwrap();
        assert_eq!(fields.analytics, ["regime"]);
        let mut buf = Vec::new();
        JsonLines::new(StreamOptions {
            market_names: false,
            fields: Some(fields),
        })
        .write(&mut buf, &frame)
        .unwrap();
        let btc = &lines(&buf)[0]["symbols"][0];
        assert_eq!(btc["regime"]["label"], "BULL");
        assert!(btc.get("zones").is_none() && btc.get("analytics").is_none());
        assert!(btc["books"][0]["spread_bps"].is_f64());
        // Without an analytics part, none is written.
        let mut buf = Vec::new();
        JsonLines::new(StreamOptions {
            market_names: false,
            fields: Some(Fields::parse(&["spread_bps".into()]).unwrap()),
        })
        .write(&mut buf, &frame)
        .unwrap();
        assert!(lines(&buf)[0]["symbols"][0].get("regime").is_none());
        let err = Fields::parse(&["regim".into()]).unwrap_err();
        assert!(err.contains("regime") && err.contains("zones"), "{err}");
    }

    #[tokio::test]
    async fn stream_json_writes_frames_until_the_engine_stops() {
        let (tx, rx) = mpsc::channel(16);
        let (frames_tx, frames_rx) = watch::channel(Engine::new(settings()).tick(0));
        let (alerts_tx, mut alerts_rx) = mpsc::channel(16);
        let cancel = CancellationToken::new();
        let mut buf = Vec::new();
        let engine = run_engine(
            rx,
            frames_tx,
            alerts_tx,
            settings(),
            Clock::Capture,
            None,
            cancel.clone(),
        );
        let feed = async move {
            for ev in live_book("BTC-USDT", 100)
                .into_iter()
                .chain(live_book("ETH-USDT", 700))
            {
                tx.send(ev).await.unwrap();
            }
        };
        let stream = stream_json(frames_rx, &mut buf, StreamOptions::default(), cancel);
        let ((), (), written) = tokio::join!(engine, feed, stream);
        written.unwrap();
        let out = lines(&buf);
        let last = out.last().unwrap();
        // The engine's last frame, with both books (and the watch list's SOL, which has none),
        // and both alerts written exactly once.
        let symbols = last["symbols"].as_array().unwrap();
        let books: Vec<usize> = symbols
            .iter()
            .map(|s| s["books"].as_array().unwrap().len())
            .collect();
        assert_eq!(books, [1, 1, 0]);
        let alerts: usize = out
            .iter()
            .map(|l| l["alerts"].as_array().unwrap().len())
            .sum();
        assert_eq!(alerts, 2);
        assert_eq!(alerts_rx.recv().await.unwrap().id, 1);
        assert_eq!(alerts_rx.recv().await.unwrap().id, 2);
    }
}
