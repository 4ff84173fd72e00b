//! The `analytics` object of a `stream --json` symbol line: the symbol's
//! [`Analytics`] in the shape a script reads without the engine's enums.
//!
//! Two parts are reshaped: a book's detectors are an object keyed by each detector's metric name
//! (`phantom_liquidity_score`, … as in alert rules), so `--market-names` renames them like any
//! other key (`manip_risk`, §12); the regime's distribution is an object keyed by label instead of
//! an array whose order a reader would have to know. Everything else is the view model as is.
//! Numbers go through [`tidy_book`] with the symbol's finest precision: zone edges and evidence
//! prices at the instrument's tick, sizes at its lot, notionals in cents.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::feed::event::BookKey;

use super::analytics::{
    Analytics, Arbitrage, BookIntegrity, DetectorKind, Drift, Evidence, LeadLag, ModelConsensus,
    Positioning, Regime, RegimeLabel, Zones,
};
use super::frame::{Progress, SymbolFrame};
use super::stream_numbers::{Precision, tidy_book};
use super::stream_writer::{Renames, write_tidy};

#[derive(Serialize)]
struct AnalyticsLine<'a> {
    zones: &'a Zones,
    regime: RegimeLine<'a>,
    drift: &'a Drift,
    consensus: &'a ModelConsensus,
    arbitrage: &'a Arbitrage,
    integrity: Vec<IntegrityLine<'a>>,
    lead_lag: Option<&'a LeadLag>,
    positioning: &'a Positioning,
}

#[derive(Serialize)]
struct RegimeLine<'a> {
    label: Option<RegimeLabel>,
    /// Label → filtered probability.
    probabilities: Option<BTreeMap<&'static str, f64>>,
    entropy: Option<f64>,
    inputs: Option<[f64; 2]>,
    since: Option<crate::market::Millis>,
    warming: Option<&'a Progress>,
}

impl<'a> RegimeLine<'a> {
    fn of(r: &'a Regime) -> Self {
        RegimeLine {
            label: r.label,
            probabilities: r
                .probabilities
                .map(|p| RegimeLabel::ALL.iter().map(|l| l.as_str()).zip(p).collect()),
            entropy: r.entropy,
            inputs: r.inputs,
            since: r.since,
            warming: r.warming.as_ref(),
        }
    }
}

#[derive(Serialize)]
struct IntegrityLine<'a> {
    #[serde(flatten)]
    key: &'a BookKey,
    integrity_score: Option<f64>,
    /// Metric names, largest contribution first.
    top_contributors: Vec<&'static str>,
    /// Metric name → reading.
    detectors: BTreeMap<&'static str, DetectorLine<'a>>,
}

#[derive(Serialize)]
struct DetectorLine<'a> {
    score: Option<f64>,
    last_fired: Option<&'a Evidence>,
}

impl<'a> IntegrityLine<'a> {
    fn of(i: &'a BookIntegrity, name: &impl Fn(DetectorKind) -> &'static str) -> Self {
        IntegrityLine {
            key: &i.key,
            integrity_score: i.integrity_score,
            top_contributors: i.top_contributors.iter().map(|k| name(*k)).collect(),
            detectors: i
                .detectors
                .iter()
                .map(|d| {
                    (
                        d.kind.metric(),
                        DetectorLine {
                            score: d.score,
                            last_fired: d.last_fired.as_ref(),
                        },
                    )
                })
                .collect(),
        }
    }
}

/// The finest precision among the symbol's books (zones and arbitrage span them all); `None`
/// without books.
fn symbol_precision(s: &SymbolFrame) -> Option<Precision> {
    s.books.iter().map(Precision::of).reduce(|a, b| Precision {
        price: a.price.max(b.price),
        size: a.size.max(b.size),
    })
}

fn analytics_line<'a>(
    s: &'a SymbolFrame,
    name: impl Fn(DetectorKind) -> &'static str,
) -> AnalyticsLine<'a> {
    let a: &Analytics = &s.analytics;
    AnalyticsLine {
        zones: &a.zones,
        regime: RegimeLine::of(&a.regime),
        drift: &a.drift,
        consensus: &a.consensus,
        arbitrage: &a.arbitrage,
        integrity: a
            .integrity
            .iter()
            .map(|i| IntegrityLine::of(i, &name))
            .collect(),
        lead_lag: a.lead_lag.as_ref(),
        positioning: &a.positioning,
    }
}

/// The analytics of `s` as a line holds them. `name` gives a detector's name in
/// `top_contributors` (its metric name, or the market name with `--market-names`: keys are renamed
/// by the writer, these are values).
pub fn analytics_value(
    s: &SymbolFrame,
    name: impl Fn(DetectorKind) -> &'static str,
) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(analytics_line(s, name))?;
    match symbol_precision(s) {
        Some(p) => tidy_book(&mut v, p),
        None => super::stream_numbers::tidy_other(&mut v),
    }
    Ok(v)
}

/// [`analytics_value`] written straight to `out` as JSON, keys renamed by `renames`.
pub fn write_analytics(
    out: &mut Vec<u8>,
    s: &SymbolFrame,
    name: impl Fn(DetectorKind) -> &'static str,
    renames: Option<&Renames>,
) -> serde_json::Result<()> {
    write_tidy(out, &analytics_line(s, name), symbol_precision(s), renames)
}

/// The names of the analytics parts (`--fields zones,regime`).
pub fn part_names() -> Vec<String> {
    match serde_json::to_value(Analytics::default()) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analytics_reads::fixture;
    use std::sync::Arc;

    fn btc() -> SymbolFrame {
        let mut s = crate::ui::tests::fixtures::frame().symbols[0].clone();
        s.analytics = Arc::new(fixture::filled(&s));
        s
    }

    #[test]
    fn detectors_are_keyed_by_metric_and_the_distribution_by_label() {
        let v = analytics_value(&btc(), DetectorKind::metric).unwrap();
        let book = &v["integrity"][0];
        assert_eq!(book["venue"], "binance");
        assert_eq!(book["instrument"], "BTCUSDT");
        assert_eq!(book["integrity_score"], 84.415);
        assert_eq!(book["top_contributors"][0], "phantom_liquidity_score");
        let phantom = &book["detectors"]["phantom_liquidity_score"];
        assert_eq!(phantom["score"], 0.3117);
        assert_eq!(phantom["last_fired"]["points"][0]["price"], 99.8);
        assert_eq!(book["detectors"].as_object().unwrap().len(), 8);
        assert_eq!(v["regime"]["label"], "BULL");
        assert_eq!(v["regime"]["probabilities"]["BULL"], 0.712324);
        assert_eq!(v["regime"]["probabilities"]["CRASH"], 0.000009);
        assert_eq!(v["zones"]["zones"][0]["role"], "support");
        // A notional in cents, whatever binary noise it had.
        assert_eq!(v["zones"]["zones"][0]["notional"], 1_234_567.89);
        assert_eq!(v["arbitrage"]["opportunities"][0]["net_bps"], 4.985014985);
        assert_eq!(v["lead_lag"]["llr"], 16.83066836);
        assert_eq!(
            v["positioning"]["venues"][0]["ratios"][0]["kind"],
            "accounts"
        );
    }

    #[test]
    fn zone_edges_are_written_at_the_finest_price_precision_of_the_symbol() {
        let mut s = btc();
        let finest = s
            .books
            .iter()
            .map(|b| b.ladder.price_decimals)
            .max()
            .unwrap();
        let mut a = (*s.analytics).clone();
        a.zones.zones[0].lo = 63_900.123_456_789;
        a.arbitrage.opportunities[0].size = 0.123_456_789_123;
        s.analytics = Arc::new(a);
        let v = analytics_value(&s, DetectorKind::metric).unwrap();
        let lo = v["zones"]["zones"][0]["lo"].as_f64().unwrap();
        let expected: f64 = format!("{:.*}", usize::from(finest) + 1, 63_900.123_456_789)
            .parse()
            .unwrap();
        assert_eq!(lo, expected);
        assert_ne!(lo, 63_900.123_456_789);
        // Sizes at the lot's decimals, never more than the unknown-lot 8.
        let size = v["arbitrage"]["opportunities"][0]["size"].as_f64().unwrap();
        assert!((size - 0.123_456_789_123).abs() < 1e-8 && size != 0.123_456_789_123);
    }

    #[test]
    fn absent_and_non_finite_values_are_null() {
        let mut s = btc();
        let mut a = (*s.analytics).clone();
        a.zones.nearest_support_bps = Some(f64::NAN);
        a.regime.entropy = Some(f64::INFINITY);
        a.integrity[0].integrity_score = None;
        a.lead_lag = None;
        s.analytics = Arc::new(a);
        let v = analytics_value(&s, DetectorKind::metric).unwrap();
        assert!(v["zones"]["nearest_support_bps"].is_null());
        assert!(v["regime"]["entropy"].is_null());
        assert!(v["integrity"][0]["integrity_score"].is_null());
        assert!(v["lead_lag"].is_null());
        let text = v.to_string();
        assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
        // Warming: the parts are there, empty, with their progress.
        s.analytics = Arc::new(fixture::warming());
        let v = analytics_value(&s, DetectorKind::metric).unwrap();
        assert!(v["regime"]["label"].is_null());
        assert!(v["regime"]["probabilities"].is_null());
        assert_eq!(v["regime"]["warming"]["have_min"], 90.0);
        assert_eq!(v["integrity"], serde_json::json!([]));
    }

    #[test]
    fn the_parts_are_the_view_models_fields() {
        assert_eq!(
            part_names(),
            [
                "arbitrage",
                "consensus",
                "drift",
                "integrity",
                "lead_lag",
                "positioning",
                "regime",
                "zones"
            ]
        );
    }
}
