//! Where each alert metric's value is read: one exhaustive `match` over [`AlertMetric`], so a
//! metric added to the config's list does not compile until it is given a value here, and no
//! rule can watch a metric that never has one.

use crate::config::alerts::{AlertMetric, MetricScope};
use crate::engine::analytics::DetectorKind;
use crate::feed::health::BookState;

use super::analytics::{Analytics, RatioKind};
use super::book::view::{BookTick, depth_10bps};
use super::frame::{BookFeatures, Composites};

/// How a metric's value is found.
#[derive(Clone, Copy)]
pub enum Reading {
    /// From one book's tick.
    Book(fn(&BookTick) -> Option<f64>),
    /// From one symbol's cross-venue composites.
    Symbol(fn(&Composites) -> Option<f64>),
    /// From one symbol's analytics (already gated by §0.2 where they are built).
    Analytics(fn(&Analytics) -> Option<f64>),
    /// One value per event, handed over by the book as it happens
    /// ([`BookEngine::take_events`](super::book::BookEngine::take_events)).
    Event,
}

impl Reading {
    /// The scope this reading serves, which must be the metric's declared scope.
    pub fn scope(self) -> MetricScope {
        match self {
            Reading::Book(_) => MetricScope::Book,
            Reading::Symbol(_) | Reading::Analytics(_) => MetricScope::Symbol,
            Reading::Event => MetricScope::Event,
        }
    }
}

/// The reading of metric `m`. Book figures count only while fresh: a stale book's numbers are
/// old news, except for the metrics that are about staleness and resyncs themselves.
pub fn reading(m: AlertMetric) -> Reading {
    use AlertMetric as M;
    use Reading::{Analytics as Read, Book, Event, Symbol};
    match m {
        M::SpreadBps => Book(|t| fresh_features(t)?.spread_bps),
        M::DepthImbalance25bps => Book(|t| fresh_features(t)?.depth_imbalance_25bps),
        M::OfiNorm60s => Book(|t| fresh_features(t)?.ofi_norm_60s),
        M::Depth10bpsUsd => Book(|t| {
            t.frame
                .bands
                .as_ref()
                .filter(|_| t.fresh)
                .and_then(depth_10bps)
        }),
        M::PriceImpact10bps => Book(|t| fresh_features(t)?.price_impact_10bps),
        M::PhantomLiquidityScore => Book(|t| fresh_features(t)?.phantom_liquidity_score),
        M::LargeOrderEventsPerMin => Book(|t| fresh_features(t)?.large_order_events_per_min),
        M::LiquidationNotional1m => Book(|t| t.frame.liquidations.notional_1m),
        M::FundingApr => Book(|t| t.frame.derivs.funding_apr.filter(|_| !t.frame.derivs.stale)),
        M::BookAgeMs => Book(|t| t.frame.book_age_ms.filter(|_| t.frame.state.is_live())),
        M::FeedStale => Book(|t| match t.frame.state {
            BookState::Live => Some(if t.frame.stale { 1.0 } else { 0.0 }),
            BookState::Down => Some(1.0),
            BookState::Syncing | BookState::Resyncing(_) => None,
        }),
        M::Resyncs5m => Book(|t| Some(t.resyncs_5m as f64)),
        M::LongShortRatio => Book(|t| {
            let ratios = &t.positioning.as_ref()?.ratios;
            let r = ratios.iter().find(|r| r.kind == RatioKind::Accounts)?;
            (!r.stale).then_some(r.ratio)
        }),
        // Published only while fresh (§0.2).
        M::TakerBuyRatio => Book(|t| t.positioning.as_ref()?.taker_buy_sell_ratio),
        M::DirectionalPressure => Symbol(|c| c.directional_pressure),
        M::LiquidityRisk => Symbol(|c| c.liquidity_risk),
        M::WhaleConviction => Symbol(|c| c.whale_conviction),
        M::FlowMomentum => Symbol(|c| c.flow_momentum),
        M::CrossExchangeAgreement => Symbol(|c| c.cross_exchange_agreement),
        M::CascadeStress => Symbol(|c| c.cascade_stress),
        M::DislocationScore => Symbol(|c| c.dislocation_score),
        M::LayeringScore => Book(|t| detector(t, DetectorKind::Layering)),
        M::QuoteStuffingScore => Book(|t| detector(t, DetectorKind::QuoteStuffing)),
        M::MomentumIgnitionScore => Book(|t| detector(t, DetectorKind::MomentumIgnition)),
        M::PumpScore => Book(|t| detector(t, DetectorKind::Pump)),
        M::WashScore => Book(|t| detector(t, DetectorKind::WashTrading)),
        M::StopHuntScore => Book(|t| detector(t, DetectorKind::StopHunt)),
        M::IntegrityScore => Symbol(|c| c.integrity_score),
        M::FundingAgreement => Symbol(|c| c.derivatives.funding_agreement),
        M::OiDivergence => Symbol(|c| c.derivatives.oi_divergence),
        M::DriftScore => Read(|a| finite(a.drift.score)),
        M::Consensus => Read(|a| finite(a.consensus.consensus)),
        M::LargeTradeUsd | M::LiquidationUsd => Event,
        M::NearestSupportBps => Read(|a| finite(a.zones.nearest_support_bps)),
        M::NearestResistanceBps => Read(|a| finite(a.zones.nearest_resistance_bps)),
        M::RegimeEntropy => Read(|a| finite(a.regime.entropy)),
        // The label's code (see `RegimeLabel::code`): rules on it watch changes only.
        M::Regime => Read(|a| a.regime.label.map(|l| l.code() as f64)),
        M::ArbNetBps => Read(Analytics::best_arb_net_bps),
        M::LeadLagScore => Read(|a| a.lead_lag.as_ref()?.score()),
    }
}

/// A value an alert can compare: a NaN would never cross a threshold and never clear one.
fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

/// A §10 detector's score on a book (already `None` unless the book is fresh).
fn detector(t: &BookTick, kind: DetectorKind) -> Option<f64> {
    t.detectors.iter().find(|r| r.kind == kind)?.score
}

/// A book's features, if the book is fresh.
fn fresh_features(t: &BookTick) -> Option<&BookFeatures> {
    t.frame.features.as_ref().filter(|_| t.fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analytics_reads::fixture;

    fn analytics_value(m: AlertMetric, a: &Analytics) -> Option<f64> {
        match reading(m) {
            Reading::Analytics(read) => read(a),
            _ => panic!("{m} is not read from the analytics"),
        }
    }

    #[test]
    fn analytics_metrics_read_their_value_and_never_a_nan() {
        let btc = crate::ui::tests::fixtures::frame().symbols[0].clone();
        let mut a = fixture::filled(&btc);
        let expect = [
            (AlertMetric::NearestSupportBps, 7.8),
            (AlertMetric::NearestResistanceBps, 15.6),
            (AlertMetric::RegimeEntropy, 0.5639062475),
            (AlertMetric::ArbNetBps, 4.985014985),
            (AlertMetric::LeadLagScore, 15.83066836 / 17.83066836),
        ];
        for (m, v) in expect {
            assert_eq!(m.scope(), reading(m).scope(), "{m}");
            let got = analytics_value(m, &a).unwrap();
            assert!((got - v).abs() < 1e-12, "{m}: {got} != {v}");
        }
        a.zones.nearest_support_bps = Some(f64::NAN);
        a.regime.entropy = Some(f64::INFINITY);
        a.arbitrage.opportunities.clear();
        a.lead_lag = None;
        for (m, _) in expect.iter().take(4) {
            if *m != AlertMetric::NearestResistanceBps {
                assert_eq!(analytics_value(*m, &a), None, "{m}");
            }
        }
        assert_eq!(analytics_value(AlertMetric::LeadLagScore, &a), None);
        // Warming: nothing to alert on.
        let warming = fixture::warming();
        for (m, _) in expect {
            assert_eq!(analytics_value(m, &warming), None, "{m}");
        }
    }
}
