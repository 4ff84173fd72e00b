//! Alert rules at work: one small state machine per (rule, book or symbol).
//!
//! ```text
//!   armed ──condition true──► holding ──held hold_s, cooldown over──► FIRE ──► fired
//!     ▲          │ false                                                       │
//!     │          ▼                                                             │
//!     └──── (back to armed)            cleared past `clear` (hysteresis) ◄──────┘
//! ```
//!
//! A rule fires once per episode: after firing it stays quiet until the value has come back past
//! its `clear` level, and two alerts of one rule on one subject are at least `cooldown_s` apart.
//! A value that is not valid (`None`: warming up, stale, invalid book) breaks a hold but neither
//! fires nor re-arms. Z-score rules compare the value with its own history, time-weighted
//! (§0.3): each value is weighted by how long it held. Label rules (`changes_to`, the §6 regime)
//! fire on a change from the last label seen to the one they wait for; a value missing in
//! between (warm-up, a reset) is no label, so the next one is compared with the last one seen.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use crate::config::alerts::{AlertMetric, AlertRule, AlertsConfig, MetricScope, Trigger};
use crate::feed::event::BookKey;
use crate::market::Nanos;

use super::analytics::RegimeLabel;
use super::frame::{Alert, AlertSide};

/// §0.2 warm-up for a z-score: half the window observed…
const Z_MIN_COVERAGE: f64 = 0.5;
/// …and at least this many samples.
const Z_MIN_SAMPLES: u32 = 30;

/// What a rule instance watches.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    Book { key: BookKey, symbol: Arc<str> },
    Symbol(Arc<str>),
}

impl Subject {
    fn symbol(&self) -> &str {
        match self {
            Subject::Book { symbol, .. } | Subject::Symbol(symbol) => symbol,
        }
    }

    fn describe(&self) -> String {
        match self {
            Subject::Book { key, symbol } => format!("{} {} ({symbol})", key.venue, key.instrument),
            Subject::Symbol(symbol) => symbol.to_string(),
        }
    }
}

/// An exponentially weighted, time-weighted mean and variance (τ = the rule's window).
#[derive(Clone, Copy, Debug, Default)]
struct ZStats {
    mean: f64,
    var: f64,
    /// The value in force and since when; it is folded in with the time it held.
    current: Option<(Nanos, f64)>,
    /// Observed time, seconds, and the number of values folded in.
    covered_s: f64,
    samples: u32,
}

impl ZStats {
    /// The z-score of `x` at `now` against the history before it, then `x` becomes the value in
    /// force. `None` in warm-up or when the history has no spread.
    fn observe(&mut self, now: Nanos, x: Option<f64>, window_s: f64) -> Option<f64> {
        if let Some((since, v)) = self.current {
            let dt = now.saturating_sub(since) as f64 / 1e9;
            if dt > 0.0 {
                let a = 1.0 - (-dt / window_s).exp();
                if self.samples == 0 {
                    self.mean = v;
                }
                let diff = v - self.mean;
                let incr = a * diff;
                self.mean += incr;
                self.var = (1.0 - a) * (self.var + diff * incr);
                self.covered_s = (self.covered_s + dt).min(window_s);
                self.samples = self.samples.saturating_add(1);
            }
        }
        self.current = x.map(|x| (now, x));
        let x = x?;
        let warm = self.covered_s >= Z_MIN_COVERAGE * window_s && self.samples >= Z_MIN_SAMPLES;
        let std = self.var.sqrt();
        (warm && std > 0.0)
            .then(|| (x - self.mean) / std)
            .filter(|z| z.is_finite())
    }
}

#[derive(Clone, Debug)]
struct RuleState {
    armed: bool,
    /// The condition has been true continuously since.
    since: Option<Nanos>,
    last_fired: Option<Nanos>,
    z: ZStats,
    /// A label rule's last label seen (its code).
    label: Option<f64>,
}

impl Default for RuleState {
    fn default() -> Self {
        RuleState {
            armed: true,
            since: None,
            last_fired: None,
            z: ZStats::default(),
            label: None,
        }
    }
}

/// What a fired rule measured besides the value: a z-score, or the label it changed from.
#[derive(Clone, Copy)]
enum Measured {
    Value,
    Z(f64),
    ChangedFrom(f64),
}

fn secs(s: f64) -> Nanos {
    (s * 1e9) as Nanos
}

/// Evaluates the configured rules and keeps the recent alerts.
#[derive(Debug)]
pub struct AlertEngine {
    rules: Vec<AlertRule>,
    /// Per subject, one state per rule (by index).
    states: HashMap<Subject, Vec<RuleState>>,
    next_id: u64,
    recent: VecDeque<Arc<Alert>>,
    recent_cap: usize,
    fired: Vec<Arc<Alert>>,
}

impl AlertEngine {
    pub fn new(cfg: &AlertsConfig) -> Self {
        AlertEngine {
            rules: cfg.rule.clone(),
            states: HashMap::new(),
            next_id: 0,
            recent: VecDeque::with_capacity(cfg.recent),
            recent_cap: cfg.recent.max(1),
            fired: Vec::new(),
        }
    }

    /// The rules and, for `subject`, their states (created on first sight).
    fn with_states(&mut self, subject: &Subject) -> (&[AlertRule], &mut [RuleState]) {
        if !self.states.contains_key(subject) {
            let fresh = vec![RuleState::default(); self.rules.len()];
            self.states.insert(subject.clone(), fresh);
        }
        let states = self
            .states
            .get_mut(subject)
            .map_or(&mut [][..], |s| &mut s[..]);
        (&self.rules, states)
    }

    /// Evaluates every state rule (book or symbol scope) on `subject` at `now`, reading the
    /// metric values through `value`.
    pub fn evaluate(
        &mut self,
        now: Nanos,
        scope: MetricScope,
        subject: &Subject,
        value: impl Fn(AlertMetric) -> Option<f64>,
    ) {
        let mut fired = Vec::new();
        let (rules, states) = self.with_states(subject);
        for (i, (rule, state)) in rules.iter().zip(states).enumerate() {
            if !applies(rule, scope, subject) {
                continue;
            }
            let x = value(rule.metric).filter(|x| x.is_finite());
            if let Trigger::ChangesTo(_) = rule.trigger {
                let Some(code) = x else { continue };
                let changed = state.label.replace(code).filter(|from| *from != code);
                if let Some(from) = changed
                    && rule.trigger.fires(code, rule.trigger.level())
                    && cooled(state, rule, now)
                {
                    state.last_fired = Some(now);
                    fired.push((i, code, Measured::ChangedFrom(from)));
                }
                continue;
            }
            let measure = match rule.trigger {
                Trigger::ZScore { window_s, .. } => state.z.observe(now, x, window_s),
                _ => x,
            };
            let Some(m) = measure else {
                state.since = None;
                continue;
            };
            if !state.armed {
                if cleared(rule.trigger, m, rule.clear) {
                    state.armed = true;
                }
                continue;
            }
            if !rule.trigger.fires(m, rule.trigger.level()) {
                state.since = None;
                continue;
            }
            let since = *state.since.get_or_insert(now);
            let held = now.saturating_sub(since) >= secs(rule.hold_s);
            if held && cooled(state, rule, now) {
                state.armed = false;
                state.since = None;
                state.last_fired = Some(now);
                let measured = match rule.trigger {
                    Trigger::ZScore { .. } => Measured::Z(m),
                    _ => Measured::Value,
                };
                fired.push((i, x.unwrap_or(m), measured));
            }
        }
        for (i, value, measured) in fired {
            let side = direction(self.rules[i].metric, value);
            let alert = self.alert(i, now, subject, value, measured, side);
            self.push(alert);
        }
    }

    /// One event (a taker print, a liquidation) of `metric` worth `value` on `subject`, on
    /// `side` (the taker's, or the positions liquidated).
    pub fn on_event(
        &mut self,
        at: Nanos,
        metric: AlertMetric,
        subject: &Subject,
        value: f64,
        side: AlertSide,
    ) {
        if !value.is_finite() {
            return;
        }
        let mut fired = Vec::new();
        let (rules, states) = self.with_states(subject);
        for (i, (rule, state)) in rules.iter().zip(states).enumerate() {
            let watched = rule.metric == metric && applies(rule, MetricScope::Event, subject);
            if watched && rule.trigger.fires(value, rule.trigger.level()) && cooled(state, rule, at)
            {
                state.last_fired = Some(at);
                fired.push(i);
            }
        }
        for i in fired {
            let alert = self.alert(i, at, subject, value, Measured::Value, Some(side));
            self.push(alert);
        }
    }

    fn alert(
        &mut self,
        i: usize,
        at: Nanos,
        subject: &Subject,
        value: f64,
        measured: Measured,
        side: Option<AlertSide>,
    ) -> Alert {
        let rule = &self.rules[i];
        self.next_id += 1;
        let op = match rule.trigger {
            Trigger::Below(_) => "≤",
            Trigger::ZScore { z, .. } if z < 0.0 => "≤",
            _ => "≥",
        };
        let mut level = rule.trigger.level();
        let mut z = None;
        let condition = match measured {
            Measured::Z(m) => {
                z = Some(m);
                format!(
                    "{} = {} (z {m:.2} {op} {level})",
                    rule.metric,
                    reading(rule.metric.name(), value)
                )
            }
            Measured::Value => format!(
                "{} = {} {op} {}",
                rule.metric,
                reading(rule.metric.name(), value),
                reading(rule.metric.name(), level)
            ),
            // The alert's level is the label left, its value the label taken.
            Measured::ChangedFrom(from) => {
                level = from;
                format!(
                    "{} {} → {}",
                    rule.metric,
                    label_name(from),
                    label_name(value)
                )
            }
        };
        let condition = match side {
            Some(side) => format!("{condition} ({})", side.word()),
            None => condition,
        };
        let held = if rule.hold_s > 0.0 {
            format!(" for {} s", rule.hold_s)
        } else {
            String::new()
        };
        let (venue, instrument) = match subject {
            Subject::Book { key, .. } => (Some(key.venue), Some(key.instrument.clone())),
            Subject::Symbol(_) => (None, None),
        };
        Alert {
            id: self.next_id,
            at,
            rule: rule.name.clone(),
            severity: rule.severity,
            venue,
            instrument,
            symbol: Some(subject.symbol().to_owned()),
            metric: rule.metric.name().to_owned(),
            value,
            threshold: level,
            zscore: z,
            side,
            notify: rule.notify,
            message: format!("{}: {condition}{held} on {}", rule.name, subject.describe()),
        }
    }

    fn push(&mut self, alert: Alert) {
        let alert = Arc::new(alert);
        if self.recent.len() == self.recent_cap {
            self.recent.pop_back();
        }
        self.recent.push_front(alert.clone());
        self.fired.push(alert);
    }

    /// Alerts fired since the last call, oldest first.
    pub fn take_fired(&mut self) -> Vec<Arc<Alert>> {
        std::mem::take(&mut self.fired)
    }

    /// Drops the rule states of subjects no longer watched (a symbol or book removed at run
    /// time): a symbol watched again starts with fresh hysteresis and cooldowns. Alerts already
    /// fired stay in the recent list, as a log does.
    pub fn forget(&mut self, gone: impl Fn(&Subject) -> bool) {
        self.states.retain(|subject, _| !gone(subject));
    }

    /// The most recent alerts, newest first.
    pub fn recent(&self) -> Vec<Arc<Alert>> {
        self.recent.iter().cloned().collect()
    }
}

/// The direction of a state metric's value, for the metrics whose sign is a side: order flow,
/// depth imbalance, the directional composites and their model consensus (§8). Other reads (spread, depth, stress) have
/// none.
fn direction(metric: AlertMetric, value: f64) -> Option<AlertSide> {
    use AlertMetric as M;
    match metric {
        M::DepthImbalance25bps
        | M::OfiNorm60s
        | M::DirectionalPressure
        | M::FlowMomentum
        | M::Consensus => AlertSide::of_sign(value),
        _ => None,
    }
}

/// Whether `rule` watches `scope` and its filters let `subject` through.
fn applies(rule: &AlertRule, scope: MetricScope, subject: &Subject) -> bool {
    let (venue, symbol) = match subject {
        Subject::Book { key, symbol } => (Some(key.venue), symbol),
        Subject::Symbol(symbol) => (None, symbol),
    };
    rule.metric.scope() == scope
        && rule.venue.is_none_or(|v| Some(v) == venue)
        && rule
            .symbol
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case(symbol))
}

/// A label's name from its code (`CRASH`), or the code itself if it is none.
fn label_name(code: f64) -> String {
    RegimeLabel::from_code(code).map_or_else(|| code.to_string(), |l| l.as_str().to_owned())
}

/// Whether a fired rule may re-arm: the measure is off the trigger level and past `clear`.
fn cleared(trigger: Trigger, m: f64, clear: f64) -> bool {
    let level = trigger.level();
    let upward = match trigger {
        Trigger::Above(_) | Trigger::ChangesTo(_) => true,
        Trigger::Below(_) => false,
        Trigger::ZScore { z, .. } => z > 0.0,
    };
    if upward {
        m < level && m <= clear
    } else {
        m > level && m >= clear
    }
}

fn cooled(state: &RuleState, rule: &AlertRule, now: Nanos) -> bool {
    state
        .last_fired
        .is_none_or(|t| now.saturating_sub(t) >= secs(rule.cooldown_s))
}

/// An alert's measured figure: six significant digits but every digit of the integer part,
/// without trailing zeros (`3358637` for a large trade's notional, `0.67` for a composite;
/// six fixed decimals wrote `3358637.293295` and `0.670000`).
/// A metric's figure as a trader reads it: dollar amounts with their magnitude (`$2.13M`), bps,
/// ms and rates with their unit, scores and ratios bare (the alert's `value` and `level` keep
/// the exact numbers).
fn reading(metric: &str, v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if metric.ends_with("_usd") || metric.contains("notional") {
        return crate::amount::money(v, "USD");
    }
    let unit = [("_bps", " bps"), ("_ms", " ms"), ("_per_min", "/min")]
        .into_iter()
        .find(|(end, _)| metric.ends_with(end));
    match unit {
        Some((_, unit)) => format!("{}{unit}", figure(v)),
        None => figure(v),
    }
}

fn figure(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let integer_digits = if v.abs() >= 1.0 {
        v.abs().log10().floor() as i32 + 1
    } else {
        0
    };
    let decimals = (6 - integer_digits).clamp(0, 6) as usize;
    let text = format!("{v:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::{figure, reading};

    #[test]
    fn alert_figures_carry_their_unit() {
        assert_eq!(reading("large_trade_usd", 2_130_831.0), "$2.13M");
        assert_eq!(reading("large_trade_usd", 2_000_000.0), "$2.00M");
        assert_eq!(reading("liquidation_notional_1m", 45_500.0), "$45.5k");
        assert_eq!(reading("depth_10bps_usd", -1.5e9), "-$1.50B");
        assert_eq!(reading("liquidation_usd", 512.345), "$512");
        assert_eq!(reading("spread_bps", 1.25), "1.25 bps");
        assert_eq!(reading("book_age_ms", 1_500.0), "1500 ms");
        assert_eq!(reading("large_order_events_per_min", 12.0), "12/min");
        assert_eq!(reading("whale_conviction", 0.42), "0.42");
        assert_eq!(reading("depth_imbalance_25bps", -0.3), "-0.3");
        assert_eq!(reading("large_trade_usd", f64::INFINITY), "inf");
    }

    #[test]
    fn alert_figures_keep_six_significant_digits_and_the_whole_integer() {
        assert_eq!(figure(3_358_637.293_295), "3358637");
        assert_eq!(figure(-12_345.678_9), "-12345.7");
        assert_eq!(figure(0.67), "0.67");
        assert_eq!(figure(11.0), "11");
        assert_eq!(figure(0.000_012_34), "0.000012");
        assert_eq!(figure(0.0), "0");
        assert_eq!(figure(f64::NAN), "NaN");
    }
}
