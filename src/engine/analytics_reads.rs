//! The single numbers the readers of [`Analytics`] take from it: the alert metrics, the history
//! columns, the API's scalar fields and `stream --json` read them here, so a definition (which
//! arbitrage edge is "the best", which way a lead–lag score points) is written once.
//!
//! Every read is `None` when its input is, and never passes a non-finite value on: the
//! analytics are already gated by §0.2, a NaN that slipped through is still not a number to
//! alert on or store.

use crate::engine::frame::{BookFrame, SymbolFrame};
use crate::instrument::MarketKind;

use super::analytics::{
    Analytics, BookIntegrity, DetectorKind, LeadLag, Positioning, RatioKind, RegimeLabel,
};

fn finite(x: Option<f64>) -> Option<f64> {
    x.filter(|v| v.is_finite())
}

impl RatioKind {
    /// Every kind, in the order of the history columns and API fields.
    pub const ALL: [RatioKind; 3] = [
        RatioKind::Accounts,
        RatioKind::TopAccounts,
        RatioKind::TopPositions,
    ];

    /// The name in history columns (`long_short_ratio_<name>`).
    pub fn as_str(self) -> &'static str {
        match self {
            RatioKind::Accounts => "accounts",
            RatioKind::TopAccounts => "top_accounts",
            RatioKind::TopPositions => "top_positions",
        }
    }
}

impl RegimeLabel {
    /// The label's index in [`RegimeLabel::ALL`]: how the history stores it (a number column).
    pub fn code(self) -> usize {
        RegimeLabel::ALL
            .iter()
            .position(|l| *l == self)
            .unwrap_or_default()
    }

    /// The label stored as `code`, if it is one.
    pub fn from_code(code: f64) -> Option<RegimeLabel> {
        (code >= 0.0 && code.fract() == 0.0)
            .then(|| RegimeLabel::ALL.get(code as usize).copied())
            .flatten()
    }
}

impl LeadLag {
    /// `(LLR − 1)/(LLR + 1)` ∈ (−1, 1): the §3.12 lead–lag ratio on a symmetric scale, positive
    /// when book `a` leads (LLR > 1), 0 when neither does. The API's `lead_lag_score`.
    pub fn score(&self) -> Option<f64> {
        finite(self.llr)
            .filter(|l| *l >= 0.0)
            .map(|l| (l - 1.0) / (l + 1.0))
    }
}

impl BookIntegrity {
    /// One detector's score on this book.
    pub fn detector(&self, kind: DetectorKind) -> Option<f64> {
        finite(
            self.detectors
                .iter()
                .find(|d| d.kind == kind)
                .and_then(|d| d.score),
        )
    }
}

impl Positioning {
    /// The fresh ratio of `kind` a venue reported for book `b`.
    pub fn venue_ratio(&self, b: &BookFrame, kind: RatioKind) -> Option<f64> {
        let v = self.venues.iter().find(|v| v.key == b.key)?;
        finite(
            v.ratios
                .iter()
                .find(|r| r.kind == kind && !r.stale)
                .map(|r| r.ratio),
        )
    }

    /// The §3.13 consensus ratio of `kind` across the venues.
    pub fn consensus_ratio(&self, kind: RatioKind) -> Option<f64> {
        finite(
            self.consensus
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.long_short_ratio),
        )
    }
}

impl Analytics {
    /// The best net edge of the current arbitrage opportunities, bps; `None` when there is none.
    pub fn best_arb_net_bps(&self) -> Option<f64> {
        self.arbitrage
            .opportunities
            .iter()
            .map(|o| o.net_bps)
            .filter(|x| x.is_finite())
            .reduce(f64::max)
    }

    /// The regime's probability of `label`.
    pub fn regime_probability(&self, label: RegimeLabel) -> Option<f64> {
        finite(self.regime.probabilities.map(|p| p[label.code()]))
    }

    /// The integrity read of book `b`, if the detectors run on it.
    pub fn integrity_of(&self, b: &BookFrame) -> Option<&BookIntegrity> {
        self.integrity.iter().find(|i| i.key == b.key)
    }
}

/// The symbol's lead–lag as the API reads it: spot against a perpetual or future, positive when
/// spot leads, and its lag in seconds (positive: spot first). `None` when the pair is two venues of
/// one kind (the two largest venues): that is not spot against futures.
pub fn spot_futures_lead_lag(s: &SymbolFrame) -> Option<(Option<f64>, i32)> {
    let ll = s.analytics.lead_lag.as_ref()?;
    let kind = |key: &crate::feed::event::BookKey| {
        s.books
            .iter()
            .find(|b| b.key == *key)
            .map(|b| b.instrument.kind)
    };
    let derivative =
        |k: Option<MarketKind>| matches!(k, Some(MarketKind::Perpetual) | Some(MarketKind::Future));
    let (a, b) = (kind(&ll.a), kind(&ll.b));
    if a == Some(MarketKind::Spot) && derivative(b) {
        Some((ll.score(), ll.lag_s))
    } else if b == Some(MarketKind::Spot) && derivative(a) {
        Some((ll.score().map(|x| -x), -ll.lag_s))
    } else {
        None
    }
}

#[cfg(test)]
pub(crate) mod fixture {
    //! One symbol's analytics with every part filled, for the readers' tests.

    use crate::engine::analytics::*;
    use crate::engine::frame::{Progress, SymbolFrame};
    use crate::feed::event::BookKey;

    /// Analytics over the books of `s`: the first two books are the arbitrage pair and the
    /// lead–lag pair (a = the first), every book has an integrity read, the perpetuals report
    /// positioning.
    pub fn filled(s: &SymbolFrame) -> Analytics {
        let key = |i: usize| s.books[i.min(s.books.len() - 1)].key.clone();
        let mut detectors: Vec<DetectorReading> = DetectorKind::ALL
            .iter()
            .map(|k| DetectorReading {
                kind: *k,
                score: Some(0.0),
                last_fired: None,
            })
            .collect();
        detectors[0].score = Some(0.3117);
        detectors[0].last_fired = Some(Evidence {
            at: 1_000,
            score: 0.6,
            summary: "bid 99.80 +10 cancelled after 1.5 s".into(),
            points: vec![EvidencePoint {
                at: 1_000,
                price: 99.8,
                size: 10.0,
            }],
        });
        let perps: Vec<BookKey> = s
            .books
            .iter()
            .filter(|b| b.instrument.kind != crate::instrument::MarketKind::Spot)
            .map(|b| b.key.clone())
            .collect();
        Analytics {
            zones: Zones {
                grid: Some(50.0),
                quote: Some("USDT".into()),
                zones: vec![
                    Zone {
                        lo: 63_900.0,
                        hi: 63_950.0,
                        side: ZoneSide::Bid,
                        role: ZoneRole::Support,
                        strength: 0.62,
                        notional: Some(1_234_567.891),
                        age_s: 400.0,
                        touches: 2,
                        bounces: 1,
                        breaches: 1,
                        last_touch: Some(5_000),
                    },
                    Zone {
                        lo: 64_100.0,
                        hi: 64_150.0,
                        side: ZoneSide::Ask,
                        role: ZoneRole::Resistance,
                        strength: 0.2,
                        notional: Some(600_000.0),
                        age_s: 90.0,
                        touches: 0,
                        bounces: 0,
                        breaches: 0,
                        last_touch: None,
                    },
                ],
                nearest_support_bps: Some(7.8),
                nearest_resistance_bps: Some(15.6),
                range_pct: None,
                paused: false,
            },
            regime: Regime {
                label: Some(RegimeLabel::Bull),
                probabilities: Some([0.118485, 0.712324, 0.064621, 0.104562, 0.000009]),
                entropy: Some(0.5639062475),
                inputs: Some([1.2, 0.1]),
                since: Some(60_000),
                warming: None,
            },
            drift: Drift {
                score: Some(0.4394449155),
                max_psi: Some(0.7593856779),
                features: vec![
                    FeatureDrift {
                        feature: "spread_bps".into(),
                        psi: Some(0.7593856779),
                        ks: Some(0.4),
                        baseline_n: 1440,
                        current_n: 60,
                        drifted: true,
                    },
                    FeatureDrift {
                        feature: "ofi_norm_60s".into(),
                        psi: Some(0.1098612289),
                        ks: Some(0.1),
                        baseline_n: 1440,
                        current_n: 60,
                        drifted: false,
                    },
                ],
                alarms: vec![DriftAlarm {
                    feature: "spread_bps".into(),
                    test: DriftTest::Adwin,
                    at: 30_000,
                }],
                warming: None,
            },
            consensus: ModelConsensus {
                consensus: Some(0.4117647059),
                agreement: Some(0.7446808511),
                dispersion: Some(0.45),
                models: vec![
                    ModelVote {
                        model: "directional_pressure".into(),
                        signal: 0.8,
                        confidence: 0.9,
                    },
                    ModelVote {
                        model: "flow_momentum".into(),
                        signal: 0.2,
                        confidence: 0.5,
                    },
                    ModelVote {
                        model: "depth_divergence".into(),
                        signal: -0.4,
                        confidence: 0.3,
                    },
                ],
            },
            arbitrage: Arbitrage {
                opportunities: vec![ArbOpportunity {
                    buy: key(0),
                    sell: key(1),
                    gross_bps: 20.0,
                    net_bps: 4.985014985,
                    size: 1.0,
                    notional: 100.0,
                    pnl: 0.0499,
                    fee_buy_bps: 10.0,
                    fee_sell_bps: 5.0,
                }],
                pairs_checked: 2,
                quote: Some("USDT".into()),
            },
            integrity: s
                .books
                .iter()
                .map(|b| BookIntegrity {
                    key: b.key.clone(),
                    detectors: detectors.clone(),
                    integrity_score: Some(84.415),
                    top_contributors: vec![DetectorKind::PhantomLiquidity],
                })
                .collect(),
            lead_lag: Some(LeadLag {
                a: key(0),
                b: key(1),
                lag_s: 2,
                rho: 1.0,
                llr: Some(16.83066836),
                bins: 600,
            }),
            positioning: Positioning {
                venues: perps
                    .iter()
                    .map(|k| VenuePositioning {
                        key: k.clone(),
                        ratios: vec![
                            LongShortRatio {
                                kind: RatioKind::Accounts,
                                ratio: 1.5,
                                at: 50_000,
                                stale: false,
                            },
                            LongShortRatio {
                                kind: RatioKind::TopPositions,
                                ratio: 0.8,
                                at: 50_000,
                                stale: true,
                            },
                        ],
                        taker_buy_sell_ratio: Some(1.1),
                        large_taker_buy_share: Some(0.6),
                        small_taker_buy_share: Some(0.45),
                    })
                    .collect(),
                consensus: vec![RatioConsensus {
                    kind: RatioKind::Accounts,
                    long_short_ratio: 1.5,
                    long_short_consensus: (1.5 - 1.0) / (1.5 + 1.0),
                    agreement: Some(1.0),
                    venues: perps.len(),
                }],
            },
        }
    }

    /// A symbol whose analytics are warming: nothing computed yet, progress where it applies.
    pub fn warming() -> Analytics {
        let progress = Some(Progress {
            have_min: 90.0,
            need_min: 1440.0,
        });
        Analytics {
            regime: Regime {
                warming: progress,
                ..Regime::default()
            },
            drift: Drift {
                warming: progress,
                ..Drift::default()
            },
            ..Analytics::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::analytics::{ArbOpportunity, LeadLag};
    use crate::feed::event::BookKey;
    use crate::market::VenueId;

    fn lead_lag(llr: Option<f64>) -> LeadLag {
        LeadLag {
            a: BookKey::new(VenueId::Binance, "BTCUSDT"),
            b: BookKey::new(VenueId::BinanceUsdm, "BTCUSDT"),
            lag_s: 2,
            rho: 1.0,
            llr,
            bins: 600,
        }
    }

    #[test]
    fn the_lead_lag_score_maps_the_ratio_onto_minus_one_to_one() {
        // §3.12's worked LLR: A leads strongly.
        let s = lead_lag(Some(16.83066836)).score().unwrap();
        assert!((s - 15.83066836 / 17.83066836).abs() < 1e-12, "{s}");
        assert_eq!(lead_lag(Some(1.0)).score(), Some(0.0));
        // B leads as strongly: the mirror image.
        let mirrored = lead_lag(Some(1.0 / 16.83066836)).score().unwrap();
        assert!((mirrored + s).abs() < 1e-12);
        assert_eq!(lead_lag(None).score(), None);
        assert_eq!(lead_lag(Some(f64::NAN)).score(), None);
        assert_eq!(lead_lag(Some(f64::INFINITY)).score(), None);
    }

    #[test]
    fn regime_codes_round_trip_and_refuse_what_is_not_a_label() {
        for l in RegimeLabel::ALL {
            assert_eq!(RegimeLabel::from_code(l.code() as f64), Some(l));
        }
        assert_eq!(RegimeLabel::from_code(5.0), None);
        assert_eq!(RegimeLabel::from_code(1.5), None);
        assert_eq!(RegimeLabel::from_code(-1.0), None);
        assert_eq!(RegimeLabel::from_code(f64::NAN), None);
    }

    #[test]
    fn the_best_edge_is_the_largest_finite_one() {
        let mut a = Analytics::default();
        assert_eq!(a.best_arb_net_bps(), None);
        let opp = |net_bps| ArbOpportunity {
            buy: BookKey::new(VenueId::Okx, "BTC-USDT"),
            sell: BookKey::new(VenueId::Binance, "BTCUSDT"),
            gross_bps: 20.0,
            net_bps,
            size: 1.0,
            notional: 100.0,
            pnl: 0.05,
            fee_buy_bps: 10.0,
            fee_sell_bps: 5.0,
        };
        a.arbitrage.opportunities = vec![opp(2.0), opp(f64::NAN), opp(4.985014985), opp(1.0)];
        assert_eq!(a.best_arb_net_bps(), Some(4.985014985));
    }

    #[test]
    fn the_api_lead_lag_is_oriented_spot_first() {
        let mut s = crate::ui::tests::fixtures::frame().symbols[0].clone();
        // Books 0 and 1 are Binance spot and the Binance perpetual.
        let mut a = fixture::filled(&s);
        s.analytics = std::sync::Arc::new(a.clone());
        let (score, lag) = spot_futures_lead_lag(&s).unwrap();
        assert!((score.unwrap() - 15.83066836 / 17.83066836).abs() < 1e-9);
        assert_eq!(lag, 2);
        // The same read with the perpetual as `a`: the perpetual lags, so spot still leads.
        let ll = a.lead_lag.as_mut().unwrap();
        std::mem::swap(&mut ll.a, &mut ll.b);
        ll.llr = Some(1.0 / 16.83066836);
        ll.lag_s = -2;
        s.analytics = std::sync::Arc::new(a.clone());
        let (score, lag) = spot_futures_lead_lag(&s).unwrap();
        assert!((score.unwrap() - 15.83066836 / 17.83066836).abs() < 1e-9);
        assert_eq!(lag, 2);
        // Two perpetuals: not spot against futures.
        // (`a` is the Binance perpetual here; `b` becomes the Bybit one.)
        a.lead_lag.as_mut().unwrap().b = s.books[2].key.clone();
        s.analytics = std::sync::Arc::new(a);
        assert_eq!(spot_futures_lead_lag(&s), None);
    }
}
