//! Alerts, newest first, styled by severity and tagged with a word (CRIT / WARN / info) so the
//! severity reads without colour. The pane follows the current symbol (alerts about no symbol in
//! particular are always listed); `a` shows every symbol's, the current one's highlighted.
//!
//! Each alert reads like a trader's line, built from the alert's fields rather than cut from
//! its message: `$2.10M large buy ≥ $1.00M · okx perp`, the value in its unit and compact (a
//! number is never cut), its side where the metric has one (taker side, positions liquidated,
//! direction), the book named with its market kind.

use crate::config::alerts::AlertMetric;
use crate::engine::analytics::RegimeLabel;
use crate::engine::frame::{Alert, AlertSide, Frame, Severity};
use crate::ui::format;
use crate::ui::glyphs::Glyphs;
use crate::ui::model::select::long_label;
use crate::ui::table::{self, Column};
use crate::ui::widgets::{Ctx, pane, put};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::sync::Arc;

pub struct AlertsView<'a> {
    pub alerts: &'a [Arc<Alert>],
    /// The frame the alerts' books are looked up in (market kind, quote currency).
    pub frame: &'a Frame,
    pub symbol: &'a str,
    pub scroll: usize,
    pub focused: bool,
    /// Every symbol's alerts, not only `symbol`'s.
    pub all: bool,
}

/// The alerts the pane lists: `symbol`'s and those about no symbol, or all of them.
pub fn shown<'a>(frame: &'a Frame, symbol: &str, all: bool) -> Vec<&'a Arc<Alert>> {
    frame
        .alerts
        .iter()
        .filter(|a| listed(a, symbol, all))
        .collect()
}

fn listed(alert: &Alert, symbol: &str, all: bool) -> bool {
    all || alert.symbol.as_deref().is_none_or(|s| s == symbol)
}

pub fn render(area: Rect, buf: &mut Buffer, view: &AlertsView, cx: &Ctx) {
    let sep = cx.glyphs.sep.trim();
    let title = if view.all {
        format!("Alerts {sep} all symbols (a: {} only)", view.symbol)
    } else {
        format!("Alerts {sep} {} (a: all)", view.symbol)
    };
    let inner = pane(area, buf, &title, view.focused, cx);
    let alerts: Vec<&Arc<Alert>> = view
        .alerts
        .iter()
        .filter(|a| listed(a, view.symbol, view.all))
        .collect();
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    if alerts.is_empty() {
        let text = if view.all {
            "no alerts".to_owned()
        } else {
            format!("no alerts for {}", view.symbol)
        };
        put(buf, inner.x, inner.y, &text, inner.width, cx.theme.dim);
        return;
    }
    let columns = [
        Column::right("AGE", 5, 0),
        Column::left("SEV", 4, 0),
        Column::left("SYM", 5, 1),
        Column::left("ALERT", inner.width.saturating_sub(18), 0),
    ];
    let kept = table::layout(&columns, inner.width);
    let text_width = usize::from(columns[3].width);
    let first = view.scroll.min(alerts.len() - 1);
    for (i, alert) in alerts
        .iter()
        .skip(first)
        .take(usize::from(inner.height))
        .enumerate()
    {
        let (tag, style) = match alert.severity {
            Severity::Crit => ("CRIT", cx.theme.alert_crit),
            Severity::Warn => ("WARN", cx.theme.alert_warn),
            Severity::Info => ("info", cx.theme.alert_info),
        };
        let symbol = alert.symbol.as_deref().unwrap_or("");
        let text_style = if symbol == view.symbol {
            cx.theme.highlight
        } else {
            cx.theme.text
        };
        let cells = [
            (format::age_ms(cx.since_ms(alert.at)), cx.theme.dim),
            (tag.to_owned(), style),
            (symbol.to_owned(), text_style),
            (
                format::fit_words(
                    &line(alert, view.frame, cx.glyphs),
                    text_width,
                    cx.glyphs.ellipsis,
                ),
                text_style,
            ),
        ];
        table::row(buf, inner, i as u16, &columns, &kept, &cells);
    }
}

/// What a metric's value is, for the alert line: a few words and how its numbers are written.
fn reading(metric: AlertMetric) -> (&'static str, Unit) {
    use AlertMetric as M;
    match metric {
        M::SpreadBps => ("spread", Unit::Bps),
        M::DepthImbalance25bps => ("depth imbalance 25bps", Unit::Ratio),
        M::OfiNorm60s => ("OFI 60s", Unit::Ratio),
        M::Depth10bpsUsd => ("depth within 10bps", Unit::Money),
        M::PriceImpact10bps => ("impact per $1M", Unit::Bps),
        M::PhantomLiquidityScore => ("phantom liquidity", Unit::Ratio),
        M::LargeOrderEventsPerMin => ("large orders/min", Unit::Count),
        M::LiquidationNotional1m => ("liquidated in 1m", Unit::Money),
        M::FundingApr => ("funding APR", Unit::Percent),
        M::BookAgeMs => ("book age", Unit::Millis),
        M::FeedStale => ("feed stale", Unit::Count),
        M::Resyncs5m => ("resyncs in 5m", Unit::Count),
        M::LongShortRatio => ("long/short accounts", Unit::Ratio),
        M::TakerBuyRatio => ("taker buy/sell", Unit::Ratio),
        M::DirectionalPressure => ("directional pressure", Unit::Ratio),
        M::LiquidityRisk => ("liquidity risk", Unit::Ratio),
        M::WhaleConviction => ("whale conviction", Unit::Ratio),
        M::FlowMomentum => ("flow momentum", Unit::Ratio),
        M::CrossExchangeAgreement => ("venue agreement", Unit::Ratio),
        M::CascadeStress => ("cascade stress", Unit::Ratio),
        M::DislocationScore => ("dislocation", Unit::Ratio),
        M::LayeringScore => ("layering", Unit::Ratio),
        M::QuoteStuffingScore => ("quote stuffing", Unit::Ratio),
        M::MomentumIgnitionScore => ("momentum ignition", Unit::Ratio),
        M::PumpScore => ("pump", Unit::Ratio),
        M::WashScore => ("wash (Benford)", Unit::Ratio),
        M::StopHuntScore => ("stop hunt", Unit::Ratio),
        M::IntegrityScore => ("integrity", Unit::Count),
        M::FundingAgreement => ("funding agreement", Unit::Ratio),
        M::OiDivergence => ("OI 1h divergence", Unit::Percent),
        M::RegimeEntropy => ("regime entropy", Unit::Ratio),
        M::Regime => ("regime", Unit::Label),
        M::DriftScore => ("drift score", Unit::Ratio),
        M::Consensus => ("model consensus", Unit::Ratio),
        M::LargeTradeUsd => ("large trade", Unit::Money),
        M::LiquidationUsd => ("liquidation", Unit::Money),
        M::NearestSupportBps => ("to support", Unit::Bps),
        M::NearestResistanceBps => ("to resistance", Unit::Bps),
        M::ArbNetBps => ("arbitrage net", Unit::Bps),
        M::LeadLagScore => ("lead-lag score", Unit::Ratio),
    }
}

#[derive(Clone, Copy)]
enum Unit {
    /// Quote notional (`$2.10M`, `1.2k EUR`).
    Money,
    Bps,
    /// A fraction shown as a percentage.
    Percent,
    Millis,
    Count,
    /// A unitless score or ratio.
    Ratio,
    /// A §6 regime label, carried as its code.
    Label,
}

impl Unit {
    fn show(self, x: f64, quote: &str) -> String {
        match self {
            Unit::Money => format::money(x, quote),
            Unit::Bps => format!("{} bps", format::compact(x)),
            Unit::Percent => format!("{}%", format::compact(x * 100.0)),
            Unit::Millis => format::age_ms(x),
            Unit::Count => format::compact(x),
            Unit::Ratio => format::compact(x),
            Unit::Label => RegimeLabel::from_code(x)
                .map_or_else(|| format::compact(x), |l| l.as_str().to_owned()),
        }
    }
}

/// What the alert line calls a metric's value, with its side where it has one: `large buy`,
/// `longs liquidated`, `OFI 60s sell`.
fn with_side(metric: AlertMetric, what: &str, side: Option<AlertSide>) -> String {
    match (metric, side) {
        (_, None) => what.to_owned(),
        (AlertMetric::LargeTradeUsd, Some(side)) => format!("large {}", side.word()),
        (AlertMetric::LiquidationUsd, Some(side)) => side.word().to_owned(),
        (_, Some(side)) => format!("{what} {}", side.word()),
    }
}

/// `$2.10M large buy ≥ $1.00M · okx perp`, `0.81 directional pressure buy (z 3.20)`.
fn line(alert: &Alert, frame: &Frame, g: &Glyphs) -> String {
    let dot = g.dot;
    let book = alert
        .venue
        .zip(alert.instrument.as_ref())
        .and_then(|(v, id)| {
            frame
                .symbols
                .iter()
                .flat_map(|s| &s.books)
                .find(|b| b.key.venue == v && b.key.instrument == *id)
        });
    // An alert on a book no longer in the frame still names its venue and instrument.
    let place = match (book, alert.venue, &alert.instrument) {
        (Some(book), ..) => format!(" {dot} {}", long_label(book)),
        (None, Some(venue), Some(id)) => format!(" {dot} {venue} {id}"),
        _ => String::new(),
    };
    // Notional metrics are in the book's quote currency; symbol-wide ones in dollars.
    let quote = book.map_or("USD", |b| b.instrument.quote.as_str());
    let Ok(metric) = alert.metric.parse::<AlertMetric>() else {
        // A metric this build does not know: the engine's own words.
        return match alert.venue {
            Some(venue) => format!("{venue}: {}", alert.message),
            None => alert.message.clone(),
        };
    };
    let (what, unit) = reading(metric);
    let what = with_side(metric, what, alert.side);
    let value = unit.show(alert.value, quote);
    let condition = match alert.zscore {
        Some(z) => format!("{value} {what} (z {})", format::compact(z)),
        // A label change: its level is the label left (`regime BULL → CRASH`).
        None if matches!(unit, Unit::Label) => {
            let from = unit.show(alert.threshold, quote);
            format!("{what} {from} {} {value}", g.arrow)
        }
        None => {
            let op = if alert.value >= alert.threshold {
                g.ge
            } else {
                g.le
            };
            let level = unit.show(alert.threshold, quote);
            // The value leads: a narrow pane keeps it whatever it drops.
            format!("{value} {what} {op} {level}")
        }
    };
    format!("{condition}{place}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::alerts::Notify;
    use crate::market::VenueId;
    use crate::ui::glyphs::{ASCII, UNICODE};
    use crate::ui::tests::fixtures;

    fn alert(metric: &str, value: f64, threshold: f64) -> Alert {
        let frame = fixtures::frame();
        let book = &frame.symbols[0].books[0];
        Alert {
            id: 1,
            at: fixtures::NOW,
            rule: "whale print".into(),
            severity: Severity::Warn,
            venue: Some(book.key.venue),
            instrument: Some(book.key.instrument.clone()),
            symbol: Some("BTC".into()),
            metric: metric.into(),
            value,
            threshold,
            zscore: None,
            side: None,
            notify: Notify::None,
            message: format!("whale print: {metric} = {value:.6} ≥ {threshold}"),
        }
    }

    #[test]
    fn an_alert_reads_like_a_traders_line_with_its_unit_and_book() {
        let frame = fixtures::frame();
        let book = &frame.symbols[0].books[0];
        let place = long_label(book);
        assert_eq!(
            line(
                &alert("large_trade_usd", 2_102_347.63, 1e6),
                &frame,
                &UNICODE
            ),
            format!("$2.10M large trade ≥ $1.00M · {place}")
        );
        assert_eq!(
            line(&alert("spread_bps", 12.5, 10.0), &frame, &ASCII),
            format!("12.5 bps spread >= 10.0 bps - {place}")
        );
        // The side, where the metric has one.
        let mut sold = alert("large_trade_usd", 2_102_347.63, 1e6);
        sold.side = Some(AlertSide::Sell);
        assert_eq!(
            line(&sold, &frame, &UNICODE),
            format!("$2.10M large sell ≥ $1.00M · {place}")
        );
        let mut liq = alert("liquidation_usd", 250_000.0, 100_000.0);
        liq.side = Some(AlertSide::LongsLiquidated);
        assert_eq!(
            line(&liq, &frame, &UNICODE),
            format!("$250k longs liquidated ≥ $100k · {place}")
        );
        let mut ofi = alert("ofi_norm_60s", -0.62, -0.5);
        ofi.side = Some(AlertSide::Sell);
        assert_eq!(
            line(&ofi, &frame, &UNICODE),
            format!("-0.62 OFI 60s sell ≤ -0.50 · {place}")
        );
        let mut gone = alert("book_age_ms", 7_200.0, 5_000.0);
        gone.venue = Some(VenueId::Kraken);
        gone.instrument = Some("XBT/CHF".into());
        assert_eq!(
            line(&gone, &frame, &UNICODE),
            "7.2s book age ≥ 5.0s · kraken XBT/CHF"
        );
        // A regime change reads as the label left and the label taken.
        let regime = alert("regime", 4.0, 2.0);
        assert_eq!(
            line(&regime, &frame, &UNICODE),
            format!("regime BEAR {} CRASH · {place}", UNICODE.arrow)
        );
        let mut unknown = alert("no_such_metric", 1.0, 1.0);
        unknown.message = "engine words".into();
        let venue = unknown.venue.unwrap();
        assert_eq!(
            line(&unknown, &frame, &UNICODE),
            format!("{venue}: engine words")
        );
    }

    #[test]
    fn a_narrow_alerts_pane_never_cuts_a_number() {
        let mut frame = fixtures::frame();
        frame.alerts = vec![Arc::new(alert("large_trade_usd", 2_102_347.63, 1e6))];
        let mut app = crate::ui::tests::app(frame);
        crate::ui::tests::press(&mut app, &[crate::ui::action::Command::ViewDetail]);
        for (w, h) in [(80, 24), (120, 40), (200, 60)] {
            let screen =
                crate::ui::tests::text(crate::ui::tests::draw(&app, w, h).backend().buffer());
            assert!(!screen.contains("2102"), "{w}x{h}:\n{screen}");
            // At 80×24 the detail's chart and perp panes leave the alerts collapsed: named or
            // counted on the line of hidden panes.
            let shown = if w >= 120 { "$2.10M" } else { "more (Tab)" };
            assert!(screen.contains(shown), "{w}x{h}:\n{screen}");
        }
    }
}
