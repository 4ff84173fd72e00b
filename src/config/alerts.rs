//! `[alerts]`: delivery settings and the rules (`[[alerts.rule]]`).
//!
//! A rule names a metric, an optional venue or symbol filter, a condition (a threshold, or a
//! z-score against the metric's own recent history), how long the condition must hold, the
//! hysteresis level that re-arms it, a cooldown, a severity and how to notify. Rules are checked
//! here, at load, so a typo or an impossible rule is an error with the file, the line and a hint,
//! never a rule that silently never fires.

use crate::engine::analytics::RegimeLabel;
use crate::engine::frame::Severity;
use crate::market::VenueId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// `[alerts]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Capacity of the alert channel: sized for bursts (every rule firing on every book at once).
    pub channel_capacity: usize,
    /// Alerts waiting while the channel is full, beyond which the oldest are dropped (and
    /// counted): only reachable if the reader stops for a long time.
    pub backlog_limit: usize,
    /// Alerts kept in each frame for display.
    pub recent: usize,
    /// The rules. Defining any `[[alerts.rule]]` replaces the whole default set.
    pub rule: Vec<AlertRule>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            channel_capacity: 1024,
            backlog_limit: 10_000,
            recent: 100,
            rule: default_rules(),
        }
    }
}

impl AlertsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.channel_capacity == 0 || self.recent == 0 {
            return Err("alerts.channel_capacity and alerts.recent must be at least 1".into());
        }
        if self.backlog_limit < self.channel_capacity {
            return Err(format!(
                "alerts.backlog_limit ({}) must be at least alerts.channel_capacity ({})",
                self.backlog_limit, self.channel_capacity
            ));
        }
        for (i, rule) in self.rule.iter().enumerate() {
            if self.rule[..i].iter().any(|r| r.name == rule.name) {
                return Err(format!(
                    "alerts.rule: two rules are named {:?}; names must be unique",
                    rule.name
                ));
            }
        }
        Ok(())
    }
}

/// What a metric is measured on, which decides the filters and conditions a rule may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricScope {
    /// One value per (venue, instrument) book, every tick.
    Book,
    /// One cross-venue value per symbol, every tick.
    Symbol,
    /// One value per event (a taker print, a liquidation): thresholds only, no hold.
    Event,
}

macro_rules! metrics {
    ($($variant:ident = $name:literal, $scope:ident, $doc:literal;)*) => {
        /// A metric an alert rule can watch. Names are the engine's honest names (`docs/metrics.md`
        /// §12), as in `stream --json`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum AlertMetric {
            $(#[doc = $doc] $variant,)*
        }

        impl AlertMetric {
            pub const ALL: &'static [AlertMetric] = &[$(AlertMetric::$variant,)*];

            pub const fn name(self) -> &'static str {
                match self {
                    $(AlertMetric::$variant => $name,)*
                }
            }

            pub const fn scope(self) -> MetricScope {
                match self {
                    $(AlertMetric::$variant => MetricScope::$scope,)*
                }
            }
        }
    };
}

metrics! {
    SpreadBps = "spread_bps", Book, "Quoted spread, bps of mid (§1.1).";
    DepthImbalance25bps = "depth_imbalance_25bps", Book, "Depth imbalance within 25 bps of mid (§1.2).";
    OfiNorm60s = "ofi_norm_60s", Book, "Bounded order-flow imbalance over 60 s (§1.3).";
    Depth10bpsUsd = "depth_10bps_usd", Book, "Quote depth within 10 bps of mid, both sides (§2.2).";
    PriceImpact10bps = "price_impact_10bps", Book, "Book-implied impact, bps per $1M (§1.10).";
    PhantomLiquidityScore = "phantom_liquidity_score", Book, "Flicker share of large adds (§10.1).";
    LargeOrderEventsPerMin = "large_order_events_per_min", Book, "Large adds and cancels per minute (§1.13).";
    LiquidationNotional1m = "liquidation_notional_1m", Book, "Liquidated notional over 1 min (§3.5).";
    FundingApr = "funding_apr", Book, "Funding carry per year at the venue's interval (§3.10).";
    BookAgeMs = "book_age_ms", Book, "Time since the book's last update, ms.";
    FeedStale = "feed_stale", Book, "1 while a live book is stale or its connection is down, else 0 (§0.2).";
    Resyncs5m = "resyncs_5m", Book, "Resyncs of the book over the last 5 minutes.";
    LongShortRatio = "long_short_ratio", Book, "The venue's all-accounts long/short ratio, polled every minute (§3.13).";
    TakerBuyRatio = "taker_buy_ratio", Book, "The venue's taker buy / sell volume over its latest 5-minute period (§3.2).";
    DirectionalPressure = "directional_pressure", Symbol, "§4.1 over live, fresh venues.";
    LiquidityRisk = "liquidity_risk", Symbol, "§4.2 over live, fresh venues.";
    WhaleConviction = "whale_conviction", Symbol, "§4.3 over live, fresh venues.";
    FlowMomentum = "flow_momentum", Symbol, "§4.4 over live, fresh venues.";
    CrossExchangeAgreement = "cross_exchange_agreement", Symbol, "§4.5.";
    CascadeStress = "cascade_stress", Symbol, "§3.8, the most stressed venue.";
    DislocationScore = "dislocation_score", Symbol, "§10.8, the most dislocated venue.";
    LayeringScore = "layering_score", Book, "§10.2: layered flicker share of θ/2 adds over 60 s.";
    QuoteStuffingScore = "quote_stuffing_score", Book, "§10.3: level changes per second against their 1 h median and MAD.";
    MomentumIgnitionScore = "momentum_ignition_score", Book, "§10.4: retracement after a one-sided 5 s burst.";
    PumpScore = "pump_score", Book, "§10.5: 15 min return and volume against the 12 h median.";
    WashScore = "wash_score", Book, "§10.6 (a): Benford first-digit MAD of 24 h trade notionals.";
    StopHuntScore = "stop_hunt_score", Book, "§10.7: spike past the 30 min range with liquidations, then reversed.";
    IntegrityScore = "integrity_score", Symbol, "§10.9: the lowest integrity (0..100) of the symbol's books.";
    FundingAgreement = "funding_agreement", Symbol, "§3.13: do the perpetuals' funding rates point the same way (0..1, OI-weighted).";
    OiDivergence = "oi_divergence", Symbol, "§3.13: spread of the venues' 1 h open-interest changes (0.019 = 1.9 %).";
    RegimeEntropy = "regime_entropy", Symbol, "§6: 0 when one regime is certain, 1 when all five are equally likely.";
    DriftScore = "drift_score", Symbol, "§7: mean of min(1, PSI/0.25) over the monitored features, last hour against the 24 h before.";
    Consensus = "consensus", Symbol, "§8: confidence-weighted mean of the directional models, −1..1.";
    LargeTradeUsd = "large_trade_usd", Event, "Notional of one taker print (trades merged per side and millisecond, §3.3).";
    LiquidationUsd = "liquidation_usd", Event, "Notional of one liquidation.";
    NearestSupportBps = "nearest_support_bps", Symbol, "§5: distance from the mid down to the nearest support zone, bps.";
    NearestResistanceBps = "nearest_resistance_bps", Symbol, "§5: distance from the mid up to the nearest resistance zone, bps.";
    ArbNetBps = "arb_net_bps", Symbol, "§9: the best cross-venue edge net of both taker fees, bps (none: no positive edge).";
    Regime = "regime", Symbol, "§6: the regime label; rules on it fire when it changes (`changes_to`), never on a threshold.";
    LeadLagScore = "lead_lag_score", Symbol, "§3.12: (LLR − 1)/(LLR + 1), −1..1, positive while the pair's first book (spot, against a perpetual) leads.";
}

impl fmt::Display for AlertMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for AlertMetric {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        AlertMetric::ALL
            .iter()
            .copied()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = AlertMetric::ALL.iter().map(|m| m.name()).collect();
                format!("unknown metric `{s}`; known metrics: {}", known.join(", "))
            })
    }
}

impl<'de> Deserialize<'de> for AlertMetric {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// How an alert reaches the trader beyond the alerts pane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Notify {
    /// Only the alerts pane (and `stream --json`).
    #[default]
    None,
    /// The terminal bell.
    Bell,
    /// An OSC 9 desktop notification (iTerm2, kitty, WezTerm, foot …).
    Osc9,
}

/// When a rule's condition is true.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// `value ≥ threshold`.
    Above(f64),
    /// `value ≤ threshold`.
    Below(f64),
    /// The value's z-score against its own time-weighted history over `window_s` reaches `z`:
    /// `z ≥ 3` for a positive `z`, `z ≤ −3` for a negative one.
    ZScore { z: f64, window_s: f64 },
    /// A label metric (the §6 regime) changes from one label to another: to `to`, or to any
    /// label when `None`. The first label after start or warm-up is not a change.
    ChangesTo(Option<RegimeLabel>),
}

impl Trigger {
    /// The level the condition is measured in (the threshold, the z, or the code of the label
    /// a change must reach; −1 for any label).
    pub fn level(self) -> f64 {
        match self {
            Trigger::Above(x) | Trigger::Below(x) => x,
            Trigger::ZScore { z, .. } => z,
            Trigger::ChangesTo(to) => to.map_or(-1.0, |l| l.code() as f64),
        }
    }

    /// Whether `x` (a value, or a z-score) fires at `level`; for a label change, whether `x`
    /// is the label it waits for.
    pub fn fires(self, x: f64, level: f64) -> bool {
        match self {
            Trigger::Above(_) => x >= level,
            Trigger::Below(_) => x <= level,
            Trigger::ZScore { z, .. } if z >= 0.0 => x >= level,
            Trigger::ZScore { .. } => x <= level,
            Trigger::ChangesTo(to) => to.is_none_or(|l| l.code() as f64 == x),
        }
    }
}

/// A `changes_to` value: a label (any case) or `any`.
fn parse_label(text: &str) -> Result<Option<RegimeLabel>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("any") {
        return Ok(None);
    }
    RegimeLabel::ALL
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(t))
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = RegimeLabel::ALL.iter().map(|l| l.as_str()).collect();
            format!(
                "`changes_to` must be one of {} (any case) or \"any\", got {text:?}",
                known.join(", ")
            )
        })
}

/// One validated rule.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "RawRule")]
pub struct AlertRule {
    pub name: String,
    pub metric: AlertMetric,
    /// Only books of this venue (book and event metrics).
    pub venue: Option<VenueId>,
    /// Only this symbol (as traders type it, `BTC`).
    pub symbol: Option<String>,
    pub trigger: Trigger,
    /// Hysteresis: after firing, the rule re-arms only once the value (or z) is back on the quiet
    /// side of this level. Equal to the trigger level unless set.
    pub clear: f64,
    /// The condition must hold this long before the alert fires, seconds.
    pub hold_s: f64,
    /// At least this long between two alerts of the rule on one book or symbol, seconds.
    pub cooldown_s: f64,
    pub severity: Severity,
    pub notify: Notify,
}

/// A rule as written in the file, before its fields are checked together.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    metric: AlertMetric,
    venue: Option<VenueId>,
    symbol: Option<String>,
    above: Option<f64>,
    below: Option<f64>,
    zscore: Option<f64>,
    zscore_window_s: Option<f64>,
    changes_to: Option<String>,
    clear: Option<f64>,
    #[serde(default)]
    hold_s: f64,
    #[serde(default)]
    cooldown_s: f64,
    #[serde(default = "default_severity")]
    severity: Severity,
    #[serde(default)]
    notify: Notify,
}

fn default_severity() -> Severity {
    Severity::Warn
}

/// The z-score history window when a rule does not set one, seconds.
const DEFAULT_ZSCORE_WINDOW_S: f64 = 600.0;

impl TryFrom<RawRule> for AlertRule {
    type Error = String;

    fn try_from(raw: RawRule) -> Result<Self, String> {
        let name = raw.name.trim().to_owned();
        let fail = |what: String| Err(format!("alert rule {name:?}: {what}"));
        if name.is_empty() {
            return Err("alert rule: `name` is empty; give every rule a name".into());
        }
        let label = raw.metric == AlertMetric::Regime;
        let trigger = match (raw.above, raw.below, raw.zscore, &raw.changes_to) {
            (None, None, None, Some(to)) if label => match parse_label(to) {
                Ok(to) => Trigger::ChangesTo(to),
                Err(e) => return fail(e),
            },
            (.., Some(_)) if !label => {
                return fail(format!(
                    "`changes_to` applies to the `regime` label only; `{}` takes `above`, `below` or `zscore`",
                    raw.metric
                ));
            }
            _ if label => {
                return fail(
                    "`regime` is a label, not a number: set `changes_to` (a label such as \"CRASH\", or \"any\") and none of `above`, `below` or `zscore`"
                        .into(),
                );
            }
            (Some(x), None, None, None) => Trigger::Above(x),
            (None, Some(x), None, None) => Trigger::Below(x),
            (None, None, Some(z), None) => Trigger::ZScore {
                z,
                window_s: raw.zscore_window_s.unwrap_or(DEFAULT_ZSCORE_WINDOW_S),
            },
            _ => return fail("set exactly one of `above`, `below` or `zscore`".into()),
        };
        if label && (raw.hold_s > 0.0 || raw.clear.is_some()) {
            return fail(
                "`hold_s` and `clear` do not apply to a label change: the regime already switches only after two updates above 0.6 (§6); use `cooldown_s`"
                    .into(),
            );
        }
        if raw.zscore_window_s.is_some() && raw.zscore.is_none() {
            return fail("`zscore_window_s` needs `zscore`".into());
        }
        if let Trigger::ZScore { z, window_s } = trigger {
            if !(z.is_finite() && z != 0.0) {
                return fail(format!("`zscore` must be a non-zero number, got {z}"));
            }
            if !(window_s.is_finite() && window_s >= 10.0) {
                return fail(format!(
                    "`zscore_window_s` must be at least 10 seconds, got {window_s}"
                ));
            }
        }
        let level = trigger.level();
        if !level.is_finite() {
            return fail(format!("the threshold must be a number, got {level}"));
        }
        for (field, value) in [("hold_s", raw.hold_s), ("cooldown_s", raw.cooldown_s)] {
            if !(value.is_finite() && value >= 0.0) {
                return fail(format!(
                    "`{field}` must be zero or more seconds, got {value}"
                ));
            }
        }
        let scope = raw.metric.scope();
        if scope == MetricScope::Symbol && raw.venue.is_some() {
            return fail(format!(
                "`{}` is a cross-venue metric; a `venue` filter cannot apply (use `symbol`)",
                raw.metric
            ));
        }
        if scope == MetricScope::Event {
            if !matches!(trigger, Trigger::Above(_)) {
                return fail(format!(
                    "`{}` is one value per event; only `above` applies",
                    raw.metric
                ));
            }
            if raw.hold_s > 0.0 || raw.clear.is_some() {
                return fail(format!(
                    "`{}` is one value per event; `hold_s` and `clear` do not apply (use `cooldown_s`)",
                    raw.metric
                ));
            }
        }
        let clear = raw.clear.unwrap_or(level);
        let quiet_side = match trigger {
            Trigger::Above(_) | Trigger::ChangesTo(_) => clear <= level,
            Trigger::Below(_) => clear >= level,
            Trigger::ZScore { z, .. } if z > 0.0 => clear <= level,
            Trigger::ZScore { .. } => clear >= level,
        };
        if !(clear.is_finite() && quiet_side) {
            return fail(format!(
                "`clear` ({clear}) must be on the quiet side of the trigger level ({level}), or the rule could never re-arm"
            ));
        }
        Ok(AlertRule {
            name,
            metric: raw.metric,
            venue: raw.venue,
            symbol: raw.symbol.map(|s| s.trim().to_ascii_uppercase()),
            trigger,
            clear,
            hold_s: raw.hold_s,
            cooldown_s: raw.cooldown_s,
            severity: raw.severity,
            notify: raw.notify,
        })
    }
}

/// The default rule set, also written out in `config/default.toml` (a test keeps them equal).
/// Thresholds are starting values (`docs/metrics.md` §11: calibrate on replays before trusting them).
pub fn default_rules() -> Vec<AlertRule> {
    let rule =
        |name: &str, metric, trigger, clear, hold_s, cooldown_s, severity, notify| AlertRule {
            name: name.to_owned(),
            metric,
            venue: None,
            symbol: None,
            trigger,
            clear,
            hold_s,
            cooldown_s,
            severity,
            notify,
        };
    use AlertMetric as M;
    use Severity::{Crit, Info, Warn};
    vec![
        rule(
            "cascade-stress",
            M::CascadeStress,
            Trigger::Above(0.6),
            0.4,
            5.0,
            300.0,
            Crit,
            Notify::Bell,
        ),
        rule(
            "spread-blowout",
            M::SpreadBps,
            Trigger::ZScore {
                z: 4.0,
                window_s: 600.0,
            },
            1.0,
            2.0,
            120.0,
            Warn,
            Notify::None,
        ),
        rule(
            "depth-thinning",
            M::Depth10bpsUsd,
            Trigger::ZScore {
                z: -3.0,
                window_s: 600.0,
            },
            -1.0,
            10.0,
            300.0,
            Warn,
            Notify::None,
        ),
        rule(
            "phantom-liquidity",
            M::PhantomLiquidityScore,
            Trigger::Above(0.7),
            0.4,
            10.0,
            600.0,
            Info,
            Notify::None,
        ),
        rule(
            "large-liquidation",
            M::LiquidationUsd,
            Trigger::Above(500_000.0),
            500_000.0,
            0.0,
            0.0,
            Warn,
            Notify::Bell,
        ),
        rule(
            "large-trade",
            M::LargeTradeUsd,
            Trigger::Above(2_000_000.0),
            2_000_000.0,
            0.0,
            30.0,
            Info,
            Notify::None,
        ),
        rule(
            "feed-stale",
            M::FeedStale,
            Trigger::Above(1.0),
            0.0,
            0.0,
            60.0,
            Warn,
            Notify::None,
        ),
        rule(
            "resync-storm",
            M::Resyncs5m,
            Trigger::Above(3.0),
            0.0,
            0.0,
            300.0,
            Warn,
            Notify::Bell,
        ),
        rule(
            "dislocation",
            M::DislocationScore,
            Trigger::Above(0.5),
            0.2,
            2.0,
            300.0,
            Warn,
            Notify::Bell,
        ),
    ]
}
