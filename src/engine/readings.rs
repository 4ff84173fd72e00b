//! Where each alert metric's value is read: one exhaustive `match` over [`AlertMetric`], so a
//! metric added to the config's list does not compile until it is given a value here, and no
//! rule can watch a metric that never has one.

use crate::config::alerts::{AlertMetric, MetricScope};
use crate::engine::analytics::DetectorKind;
use crate::feed::health::BookState;

use super::analytics::Analytics;
use super::book::view::{BookTick, depth_10bps};
use super::frame::{BookFeatures, Composites};

/// How a metric's value is found.
#[derive(Clone, Copy)]
pub enum Reading {
    /// From one book's tick.
    Book(fn(&BookTick) -> Option<f64>),
    /// From one symbol's cross-venue composites.
    Symbol(fn(&Composites) -> Option<f64>),
    /// From one symbol's analytics (§5–§10).
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
    use Reading::{Analytics, Book, Event, Symbol};
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
        M::RegimeEntropy => Analytics(|a| a.regime.entropy),
        M::DriftScore => Analytics(|a| a.drift.score),
        M::Consensus => Analytics(|a| a.consensus.consensus),
        M::LargeTradeUsd | M::LiquidationUsd => Event,
    }
}

/// A §10 detector's score on a book (already `None` unless the book is fresh).
fn detector(t: &BookTick, kind: DetectorKind) -> Option<f64> {
    t.detectors.iter().find(|r| r.kind == kind)?.score
}

/// A book's features, if the book is fresh.
fn fresh_features(t: &BookTick) -> Option<&BookFeatures> {
    t.frame.features.as_ref().filter(|_| t.fresh)
}
