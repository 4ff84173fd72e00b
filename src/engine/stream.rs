//! `stream --json`: one JSON object per engine tick, one per line, for scripts and other tools.
//!
//! Each line holds, per symbol, the composites and, per (venue, instrument) book, its state and
//! validity (`valid`, `stale`, `book_age_ms`, level counts: §0.2), features, depth bands, flow,
//! liquidations and derivatives; then venue health and the alerts fired since the previous line.
//! Absent values are `null` because they are `None` in the frame, never because a NaN was
//! written (serde_json would write one as `null` silently; the frame has none to write).
//!
//! Names are the engine's honest names (`features.md` §12). With
//! [`StreamOptions::market_names`] the keys that have a well-known market-data name
//! ([`features::alias`](crate::features::alias)) are renamed to it, for consumers built against
//! commercial feeds (`phantom_liquidity_score` → `manip_risk`, `large_order_pressure` →
//! `smart_money_score` …).

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::features::alias::ALIASES;
use crate::feed::event::BookKey;
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::MarketKind;
use crate::market::Nanos;

use super::frame::{
    Alert, AlertDelivery, BookFeatures, BookFrame, Composites, DataMode, DepthBands, DerivsView,
    FlowFeatures, Frame, LiquidationFeatures, VenueHealth,
};

/// How `stream --json` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StreamOptions {
    /// Rename keys to their well-known market-data aliases.
    pub market_names: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    seq: u64,
    at: Nanos,
    mode: &'a DataMode,
    symbols: Vec<SymbolLine<'a>>,
    venues: &'a [VenueHealth],
    alerts: Vec<&'a Alert>,
    alert_delivery: AlertDelivery,
}

#[derive(Serialize)]
struct SymbolLine<'a> {
    symbol: &'a str,
    composites: &'a Composites,
    books: Vec<BookLine<'a>>,
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
#[derive(Serialize)]
struct LiquidationLine<'a> {
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
    renames: HashMap<&'static str, &'static str>,
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
        let line = Line {
            seq: frame.seq,
            at: frame.at,
            mode: &frame.mode,
            symbols: frame
                .symbols
                .iter()
                .map(|s| SymbolLine {
                    symbol: &s.symbol,
                    composites: &s.composites,
                    books: s.books.iter().map(BookLine::of).collect(),
                })
                .collect(),
            venues: &frame.venues,
            alerts,
            alert_delivery: frame.alert_delivery,
        };
        if self.opts.market_names {
            let mut value = serde_json::to_value(&line).map_err(io::Error::other)?;
            rename_keys(&mut value, &self.renames);
            serde_json::to_writer(&mut *out, &value)
        } else {
            serde_json::to_writer(&mut *out, &line)
        }
        .map_err(io::Error::other)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// For each honest name, the first market name the alias table lists for it, unless that one is
/// the honest name itself.
fn market_renames() -> HashMap<&'static str, &'static str> {
    let mut renames = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for a in ALIASES {
        if seen.insert(a.spec_name) && a.market_name != a.spec_name {
            renames.insert(a.spec_name, a.market_name);
        }
    }
    renames
}

fn rename_keys(value: &mut Value, renames: &HashMap<&'static str, &'static str>) {
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
