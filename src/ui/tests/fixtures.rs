//! Scripted frames: realistic, deterministic, and labelled as what they are (tests only).
//!
//! Three symbols across several venues, with the situations the screen must be honest about: a
//! book resyncing after a gap, one still syncing, one stale, a venue down, a connection in
//! backoff, alerts of every severity, perps with funding and liquidations, spot without.
//!
//! Written against `depthscope::` paths so the render bench can include this file as well.

use depthscope::config::alerts::Notify;
use depthscope::engine::analytics::{
    Analytics, ArbOpportunity, Arbitrage, BookIntegrity, DetectorKind, DetectorReading, Drift,
    DriftAlarm, DriftTest, Evidence, EvidencePoint, FeatureDrift, LeadLag, LongShortRatio,
    ModelConsensus, ModelVote, Positioning, RatioConsensus, RatioKind, Regime, RegimeLabel,
    VenuePositioning, Zone, ZoneRole, ZoneSide, Zones,
};
use depthscope::engine::frame::{
    Alert, AlertDelivery, BookFeatures, BookFrame, CascadeView, Composites, DataMode, Depth,
    DepthBands, DerivsView, FlowFeatures, Frame, Ladder, LadderLevel, LiquidationFeatures,
    LiquidationPrint, PriceVolume, Progress, Severity, SymbolFrame, SymbolHistory, TradePrint,
    VenueHealth,
};
use depthscope::engine::prices::{Candle, PriceSeries};
use depthscope::feed::event::{BookKey, LiqSampling};
use depthscope::feed::health::{AuditCounters, BookCounters, BookState, ConnState, VenueCounters};
use depthscope::instrument::{Contract, Instrument, MarketKind};
use depthscope::integrity::ResyncReason;
use depthscope::market::{LiquidatedPosition, Nanos, TakerSide, VenueId};
use depthscope::num::Dec;
use std::sync::Arc;

/// 2024-03-01 12:34:56 UTC: every fixture frame is built "now" at this instant.
pub const NOW: Nanos = 1_709_296_496_000_000_000;
const NOW_MS: i64 = 1_709_296_496_000;

/// A frame at [`NOW`] in live mode.
pub fn frame() -> Frame {
    frame_at(1, NOW, DataMode::Live)
}

/// The same market at another time and sequence number, with the given mode.
pub fn frame_at(seq: u64, at: Nanos, mode: DataMode) -> Frame {
    let shift = seq as f64;
    Frame {
        seq,
        at,
        mode,
        symbols: vec![btc(shift), eth(shift), sol(shift)],
        venues: venues(),
        alerts: alerts(),
        alert_delivery: AlertDelivery::default(),
        history: None,
        new_alerts: 1,
        backfill: None,
    }
}

/// A frame in replay mode (clock 2024-02-29 23:59:58.250, 10×, paused).
pub fn replay_frame() -> Frame {
    frame_at(
        1,
        NOW,
        DataMode::Replay {
            file: "btc-cascade.ndjson.zst".into(),
            clock: 1_709_251_198_250_000_000,
            speed: Some(10.0),
            paused: true,
            skipped_gaps: 0,
        },
    )
}

/// One live, fresh book with exactly these levels (tests of the ladder model).
pub fn book_with_levels(bids: &[(f64, f64)], asks: &[(f64, f64)], tick: f64) -> BookFrame {
    let mut book = book(
        VenueId::Binance,
        "BTCUSDT",
        MarketKind::Spot,
        100.0,
        tick,
        0.0,
    );
    let level = |&(price, size): &(f64, f64)| LadderLevel { price, size };
    book.ladder.bids = bids.iter().map(level).collect();
    book.ladder.asks = asks.iter().map(level).collect();
    book.ladder.large_threshold = Some(5.0);
    book.traded_at_price.clear();
    book
}

fn btc(shift: f64) -> SymbolFrame {
    let mid = 64_000.05 + (shift / 6.0).sin() * 0.12;
    let mut okx = book(
        VenueId::Okx,
        "BTC-USDT-SWAP",
        MarketKind::Perpetual,
        mid - 4.0,
        0.1,
        shift,
    );
    okx.state = BookState::Resyncing(ResyncReason::Gap {
        expected: 101,
        got: 105,
    });
    not_live(&mut okx);
    let mut kraken = book(
        VenueId::Kraken,
        "BTC/USD",
        MarketKind::Spot,
        mid + 0.3,
        0.1,
        shift,
    );
    kraken.stale = true;
    kraken.book_age_ms = Some(7_200.0);
    kraken.exch_age_ms = Some(7_350.0);
    SymbolFrame {
        symbol: "BTC".into(),
        books: vec![
            book(
                VenueId::Binance,
                "BTCUSDT",
                MarketKind::Spot,
                mid,
                0.01,
                shift,
            ),
            book(
                VenueId::BinanceUsdm,
                "BTCUSDT",
                MarketKind::Perpetual,
                mid - 4.0,
                0.1,
                shift,
            ),
            book(
                VenueId::BybitLinear,
                "BTCUSDT",
                MarketKind::Perpetual,
                mid - 4.0,
                0.1,
                shift,
            ),
            okx,
            kraken,
        ],
        composites: Composites {
            directional_pressure: Some(0.27),
            liquidity_risk: Some(0.41),
            whale_conviction: Some(0.54),
            whale_direction: Some(1.0),
            flow_momentum: Some(-0.18),
            cross_exchange_agreement: Some(0.83),
            cascade_stress: Some(0.67),
            venues_used: vec![VenueId::Binance, VenueId::BinanceUsdm, VenueId::BybitLinear],
            dislocation_bps: Some(1.3),
            ..Default::default()
        },
        history: Arc::new(history(120, 1.0)),
        prices: Arc::new(prices(mid, shift)),
        analytics: Arc::new(analytics(mid)),
    }
}

fn eth(shift: f64) -> SymbolFrame {
    let mid = 3_400.25 + (shift / 5.0).sin() * 0.03;
    let mut okx = book(VenueId::Okx, "ETH-USDT", MarketKind::Spot, mid, 0.01, shift);
    okx.state = BookState::Syncing;
    not_live(&mut okx);
    SymbolFrame {
        symbol: "ETH".into(),
        books: vec![
            book(
                VenueId::Binance,
                "ETHUSDT",
                MarketKind::Spot,
                mid,
                0.01,
                shift,
            ),
            okx,
            book(
                VenueId::BybitLinear,
                "ETHUSDT",
                MarketKind::Perpetual,
                mid - 0.4,
                0.01,
                shift,
            ),
            book(
                VenueId::Coinbase,
                "ETH-USD",
                MarketKind::Spot,
                mid + 0.02,
                0.01,
                shift,
            ),
        ],
        composites: Composites {
            directional_pressure: Some(-0.35),
            liquidity_risk: Some(0.72),
            whale_conviction: Some(0.0),
            whale_direction: None,
            flow_momentum: Some(-0.61),
            cross_exchange_agreement: None,
            cascade_stress: Some(0.12),
            venues_used: vec![VenueId::Binance, VenueId::BybitLinear],
            dislocation_bps: None,
            ..Default::default()
        },
        history: Arc::new(history(120, -1.0)),
        prices: Arc::new(prices(mid, shift)),
        analytics: Arc::new(warming_analytics()),
    }
}

fn sol(shift: f64) -> SymbolFrame {
    let mid = 145.125 + (shift / 4.0).sin() * 0.02;
    let mut usdm = book(
        VenueId::BinanceUsdm,
        "SOLUSDT",
        MarketKind::Perpetual,
        mid,
        0.01,
        shift,
    );
    usdm.state = BookState::Down;
    not_live(&mut usdm);
    SymbolFrame {
        symbol: "SOL".into(),
        books: vec![
            book(
                VenueId::Binance,
                "SOLUSDT",
                MarketKind::Spot,
                mid,
                0.01,
                shift,
            ),
            usdm,
        ],
        composites: Composites::default(),
        history: Arc::new(SymbolHistory::default()),
        prices: Arc::default(),
        analytics: Arc::default(),
    }
}

/// A book that is not `Live` carries no features (the engine's contract); its ladder keeps
/// levels, which the UI must not show.
fn not_live(book: &mut BookFrame) {
    book.features = None;
    book.bands = None;
    book.flow = FlowFeatures::default();
    book.liquidations.cascade = None;
    book.book_age_ms = Some(2_400.0);
}

fn instrument(venue: VenueId, id: &str, kind: MarketKind, tick: f64) -> Arc<Instrument> {
    let scale = (-tick.log10()).round() as u8;
    Arc::new(Instrument {
        venue,
        id: id.into(),
        base: id.chars().take(3).collect(),
        quote: "USDT".into(),
        kind,
        contract: Contract::Base,
        tick: Dec::from_parts(1, scale),
        lot: None,
        price_precision: Some(scale),
        qty_precision: Some(4),
    })
}

/// A live, fresh book around `mid` with 50 levels a side and a wall 8 ticks out on each side.
fn book(venue: VenueId, id: &str, kind: MarketKind, mid: f64, tick: f64, shift: f64) -> BookFrame {
    let instrument = instrument(venue, id, kind, tick);
    let decimals = instrument.price_precision.unwrap_or(2);
    let best_bid = ((mid - tick / 2.0) / tick).floor() * tick;
    let scale = 64_000.0 / mid.max(1.0);
    let size = |i: usize, side: usize| {
        let base = 0.2 + ((i * 7 + side * 3 + venue as usize) % 11) as f64 * 0.15;
        let wall = if i == 8 { 12.0 } else { 0.0 };
        (base + wall) * scale.sqrt()
    };
    let levels = |side: usize| -> Vec<LadderLevel> {
        (0..50)
            .map(|i| LadderLevel {
                price: if side == 0 {
                    best_bid - i as f64 * tick
                } else {
                    best_bid + (i + 1) as f64 * tick
                },
                size: size(i, side),
            })
            .collect()
    };
    let perp = kind != MarketKind::Spot;
    BookFrame {
        key: BookKey::new(venue, id),
        instrument,
        state: BookState::Live,
        valid: true,
        stale: false,
        stale_after_ms: 5_000.0,
        n_levels_bid: 50,
        n_levels_ask: 50,
        book_age_ms: Some(120.0 + venue as usize as f64 * 35.0),
        exch_age_ms: Some(180.0 + venue as usize as f64 * 40.0),
        counters: BookCounters {
            messages: 48_211 + venue as u64 * 1_000,
            checksum_ok: if venue == VenueId::Okx { 30_117 } else { 0 },
            checksum_fail: if venue == VenueId::Okx { 1 } else { 0 },
            seq_gaps: u64::from(venue == VenueId::Okx),
            resyncs: u64::from(venue == VenueId::Okx) * 2,
            // Audited two minutes ago where depthscope audits (not Kraken: its checksum proves
            // its books).
            audit: matches!(
                venue,
                VenueId::Binance
                    | VenueId::BinanceUsdm
                    | VenueId::BybitSpot
                    | VenueId::BybitLinear
                    | VenueId::Okx
            )
            .then(|| AuditCounters {
                ok: 12,
                mismatch: u64::from(venue == VenueId::BinanceUsdm),
                passed: 0,
                last: Some(NOW - 120_000_000_000),
            }),
            ..BookCounters::default()
        },
        base_units: true,
        ladder: Ladder {
            bids: levels(0),
            asks: levels(1),
            bid_known_to: None,
            ask_known_to: None,
            price_decimals: decimals,
            large_threshold: Some(5.0 * scale.sqrt()),
        },
        features: Some(features(mid, tick, shift, venue)),
        bands: Some(bands(mid)),
        flow: flow(shift),
        liquidations: if perp {
            liquidations(mid, venue)
        } else {
            LiquidationFeatures::default()
        },
        derivs: if perp {
            derivs(mid)
        } else {
            DerivsView::default()
        },
        recent_trades: trades(best_bid, tick),
        traded_at_price: vec![
            PriceVolume {
                price: best_bid,
                buy: 0.0,
                sell: 1.25,
            },
            PriceVolume {
                price: best_bid + tick,
                buy: 2.5,
                sell: 0.0,
            },
            PriceVolume {
                price: best_bid - 3.0 * tick,
                buy: 0.0,
                sell: 0.4,
            },
        ],
    }
}

fn features(mid: f64, tick: f64, shift: f64, venue: VenueId) -> BookFeatures {
    let lean = ((venue as usize % 5) as f64 - 2.0) * 0.15 + shift * 0.001;
    BookFeatures {
        mid: Some(mid),
        spread_bps: Some(tick / mid * 1e4),
        spread_ticks: Some(1.0),
        depth_imbalance: [
            Some(lean * 2.0),
            Some(lean * 1.5),
            Some(lean),
            Some(lean * 0.5),
        ],
        depth_imbalance_25bps: Some(lean * 0.8),
        book_pressure_10: Some((1.0 + lean) / (1.0 - lean)),
        ln_book_pressure_10: Some(((1.0 + lean) / (1.0 - lean)).ln()),
        ofi_10s: Some(3.5),
        ofi_60s: Some(12.0),
        ofi_usd_60s: Some(12.0 * mid),
        ofi_norm_10s: Some(0.31),
        ofi_norm_60s: Some(0.17 - lean),
        ofi_depth_60s: Some(0.45),
        level_ofi: [Some(0.2), Some(0.1), None, Some(-0.1), Some(0.05)],
        wmid_offset_bps: Some(0.12),
        wmid_5_offset_bps: Some(0.08),
        spread_volatility_bps: Some(0.4),
        top_level_size_ratio: Some(1.2),
        large_order_pressure: Some(0.3),
        large_order_direction: Some(0.6),
        price_impact_10bps: Some(2.1),
        price_impact_25bps: Some(1.7),
        phantom_liquidity_score: Some(0.05),
        large_order_events_per_min: Some(4.0),
        large_order_notional_per_min: Some(850_000.0),
        large_level_share: Some(0.22),
        l1_imbalance_ratio: Some(0.1),
        l1_imbalance_ratio_avg: Some(0.05),
        ..Default::default()
    }
}

fn bands(mid: f64) -> DepthBands {
    let depth = |base: f64, truncated: bool| Depth {
        base,
        quote: base * mid,
        truncated,
    };
    DepthBands {
        kaiko_reference: "best_on_side",
        kaiko: vec![
            (0.1, depth(14.0, false), depth(11.5, false)),
            (0.5, depth(61.0, false), depth(58.0, false)),
            (1.0, depth(120.0, true), depth(104.0, true)),
        ],
        bps: vec![
            (2.0, depth(3.1, false), depth(2.4, false)),
            (5.0, depth(7.9, false), depth(6.6, false)),
            (10.0, depth(14.0, false), depth(11.5, false)),
            (25.0, depth(33.0, false), depth(29.5, true)),
        ],
        outer_bid: depth(250.0, true),
        outer_ask: depth(231.0, true),
        slippage: vec![
            (10_000.0, Some(0.8), Some(0.9)),
            (100_000.0, Some(2.6), Some(3.1)),
            (1_000_000.0, Some(14.2), None),
        ],
    }
}

fn flow(shift: f64) -> FlowFeatures {
    FlowFeatures {
        cvd_1m: Some(12.4 + shift * 0.1),
        cvd_5m: Some(-3.2),
        cvd_1m_usd: Some(793_600.0),
        cvd_slope_per_min: Some(2.1),
        cvd_slope_norm: Some(0.4),
        taker_buy_sell_ratio: Some(1.38),
        taker_buy_share: Some(0.58),
        large_trade_count_5m: Some(7.0),
        large_buy_share: Some(0.71),
        large_trade_share: Some(0.34),
        large_trade_threshold_usd: Some(100_000.0),
        unsided_volume: 0.0,
        ..Default::default()
    }
}

fn liquidations(mid: f64, venue: VenueId) -> LiquidationFeatures {
    let print = |ago_ms: i64, position, size: f64| LiquidationPrint {
        exch_ts: NOW_MS - ago_ms,
        position,
        price: mid - 12.0,
        size,
        notional: size * mid,
    };
    LiquidationFeatures {
        sampling: Some(if venue == VenueId::BinanceUsdm {
            LiqSampling::Throttled1s
        } else {
            LiqSampling::Throttled500ms
        }),
        count_1m: Some(9.0),
        notional_1m: Some(1_250_000.0),
        rate_per_min: Some(9.0),
        notional_rate_per_min: Some(1_250_000.0),
        long_notional_5m: Some(3_400_000.0),
        short_notional_5m: Some(420_000.0),
        long_short_imbalance: Some(0.78),
        cascade: Some(CascadeView {
            stress: 0.67,
            accel: 1.0,
            clus: 0.12,
            imb: 0.78,
            thin: 0.6,
            gate: 1.0,
            degraded: false,
        }),
        recent: vec![
            print(1_200, LiquidatedPosition::Long, 2.4),
            print(3_900, LiquidatedPosition::Long, 0.8),
            print(9_500, LiquidatedPosition::Short, 0.3),
            print(21_000, LiquidatedPosition::Long, 5.1),
        ],
    }
}

fn derivs(mid: f64) -> DerivsView {
    DerivsView {
        mark_price: Some(mid + 0.4),
        index_price: Some(mid + 1.1),
        funding_rate: Some(0.000_1),
        funding_apr: Some(0.1095),
        funding_interval_h: Some(8.0),
        next_funding_ts: Some(NOW_MS + 3_600_000),
        open_interest: Some(81_250.0),
        open_interest_usd: Some(81_250.0 * mid),
        open_interest_change_1h: Some(0.0214),
        premium_bps: Some(-0.7 / mid * 1e4),
        stale: false,
    }
}

fn trades(best_bid: f64, tick: f64) -> Vec<TradePrint> {
    (0..12)
        .map(|i: i64| {
            let buy = i % 3 != 1;
            let size = if i % 4 == 0 {
                3.2
            } else {
                0.05 + i as f64 * 0.01
            };
            let price = if buy { best_bid + tick } else { best_bid };
            TradePrint {
                exch_ts: NOW_MS - 400 - i * 2_500,
                price,
                size,
                notional: price * size,
                taker: Some(if buy { TakerSide::Buy } else { TakerSide::Sell }),
                large: size > 1.0,
            }
        })
        .collect()
}

fn history(n: usize, sign: f64) -> SymbolHistory {
    let wave = |i: usize, period: f64, amp: f64| amp * (i as f64 / period).sin();
    let some = |f: &dyn Fn(usize) -> f64| (0..n).map(|i| Some(f(i))).collect::<Vec<_>>();
    let mut cvd_1m = some(&|i| sign * (wave(i, 9.0, 14.0) + i as f64 * 0.1));
    cvd_1m[40] = None; // a warm-up gap, drawn as a gap
    SymbolHistory {
        at: (0..n).map(|i| NOW - (n - i) as u64 * 250_000_000).collect(),
        directional_pressure: some(&|i| sign * wave(i, 11.0, 0.6)),
        liquidity_risk: some(&|i| 0.4 + wave(i, 17.0, 0.3)),
        flow_momentum: some(&|i| wave(i, 7.0, 0.8)),
        cascade_stress: some(&|i| (i as f64 / n as f64).powi(2) * 0.7),
        cvd_1m,
        cvd_5m: some(&|i| sign * (wave(i, 23.0, 30.0) - 5.0)),
        mid: some(&|i| 64_000.0 + wave(i, 13.0, 20.0)),
    }
}

/// Five minutes of 1 s mids and a day of 1 min candles around `mid`, ending at NOW.
fn prices(mid: f64, shift: f64) -> PriceSeries {
    const S: Nanos = 1_000_000_000;
    let wave = |i: f64, period: f64, amp: f64| amp * ((i + shift) / period).sin();
    let seconds = (0..300u64)
        .map(|i| {
            let at = NOW - NOW % S - (299 - i) * S;
            (at, mid + wave(i as f64, 40.0, mid * 4e-4))
        })
        .collect();
    let minutes = (0..1440u64)
        .map(|i| {
            let close = mid + wave(i as f64, 180.0, mid * 0.01);
            Candle {
                start: NOW - NOW % (60 * S) - (1439 - i) * 60 * S,
                open: close - mid * 5e-4,
                high: close + mid * 8e-4,
                low: close - mid * 9e-4,
                close,
            }
        })
        .collect();
    PriceSeries { seconds, minutes }
}

fn venues() -> Vec<VenueHealth> {
    let counters = |messages: u64, latency: f64, ok: u64, fail: u64| VenueCounters {
        messages,
        bytes: messages * 310,
        connects: 1,
        disconnects: 0,
        resyncs: Default::default(),
        checksum_ok: ok,
        checksum_fail: fail,
        malformed: 0,
        handovers: 0,
        last_message: Some(NOW - 40_000_000),
        latency_ms: Some(latency),
    };
    let mut okx = counters(90_412, 41.0, 30_117, 1);
    okx.resyncs.insert("gap", 1);
    okx.resyncs.insert("checksum", 1);
    okx.connects = 2;
    okx.disconnects = 1;
    let health = |venue, state, counters, msg_rate| VenueHealth {
        venue,
        state,
        counters,
        msg_rate: Some(msg_rate),
        last_message_age_ms: Some(40.0),
    };
    vec![
        health(
            VenueId::Binance,
            ConnState::Live,
            counters(152_330, 12.5, 0, 0),
            212.0,
        ),
        health(
            VenueId::BinanceUsdm,
            ConnState::Live,
            counters(201_118, 14.0, 0, 0),
            305.5,
        ),
        health(
            VenueId::BybitLinear,
            ConnState::Live,
            counters(99_870, 22.1, 0, 0),
            140.0,
        ),
        health(
            VenueId::Okx,
            ConnState::Resyncing("BTC-USDT-SWAP: sequence gap".into()),
            okx,
            96.0,
        ),
        health(
            VenueId::Kraken,
            ConnState::Live,
            counters(20_117, 96.0, 20_110, 0),
            18.0,
        ),
        VenueHealth {
            venue: VenueId::BybitSpot,
            state: ConnState::Backoff {
                until: NOW + 4_000_000_000,
                reason: "closed by venue".into(),
            },
            counters: VenueCounters {
                connects: 3,
                disconnects: 3,
                ..VenueCounters::default()
            },
            msg_rate: None,
            last_message_age_ms: None,
        },
    ]
}

fn alerts() -> Vec<Arc<Alert>> {
    let alert = |ago_s: u64, severity, symbol: &str, venue, rule: &str, value, message: &str| {
        // The instrument of the book a per-venue alert is about; thresholds as the rules say.
        let (instrument, threshold) = match rule {
            "spread_bps" => (Some("ETHUSDT".into()), 4.0),
            "cascade_stress" => (None, 0.6),
            _ => (None, value),
        };
        Arc::new(Alert {
            at: NOW - ago_s * 1_000_000_000,
            rule: rule.into(),
            severity,
            venue,
            symbol: Some(symbol.into()),
            metric: rule.into(),
            value,
            message: message.into(),
            id: ago_s,
            instrument,
            threshold,
            zscore: None,
            side: None,
            notify: Notify::None,
        })
    };
    vec![
        alert(
            4,
            Severity::Crit,
            "BTC",
            None,
            "cascade_stress",
            0.67,
            "cascade stress 0.67 above 0.6",
        ),
        alert(
            35,
            Severity::Warn,
            "ETH",
            Some(VenueId::Binance),
            "spread_bps",
            4.1,
            "spread 4.1 bps, 3x its median",
        ),
        alert(
            90,
            Severity::Info,
            "BTC",
            Some(VenueId::Okx),
            "resync",
            1.0,
            "BTC-USDT-SWAP resyncing after a sequence gap",
        ),
    ]
}

/// BTC's analytics with every field filled (§5–§10, §3.12, positioning), around `mid`: the
/// spec's worked values where it gives them (§6 regime, §8 consensus, §10.9 integrity).
pub fn analytics(mid: f64) -> Analytics {
    let zone =
        |lo: f64, side, role, strength, notional, age_s, counts: [u32; 3], ago_s: i64| Zone {
            lo,
            hi: lo + 25.0,
            side,
            role,
            strength,
            notional: Some(notional),
            age_s,
            touches: counts[0],
            bounces: counts[1],
            breaches: counts[2],
            last_touch: (counts[0] > 0).then_some(NOW_MS - ago_s * 1000),
        };
    let zones = vec![
        zone(
            63_750.0,
            ZoneSide::Bid,
            ZoneRole::Support,
            0.41,
            880_000.0,
            540.0,
            [1, 1, 0],
            400,
        ),
        zone(
            63_900.0,
            ZoneSide::Bid,
            ZoneRole::Support,
            0.82,
            2_150_000.0,
            1_260.0,
            [3, 2, 0],
            300,
        ),
        // A resistance breached upward: its depth is on the ask side, it now supports.
        zone(
            63_950.0,
            ZoneSide::Ask,
            ZoneRole::Support,
            0.23,
            410_000.0,
            700.0,
            [1, 0, 1],
            95,
        ),
        zone(
            64_075.0,
            ZoneSide::Ask,
            ZoneRole::Resistance,
            0.64,
            1_420_000.0,
            900.0,
            [2, 1, 1],
            60,
        ),
        zone(
            64_300.0,
            ZoneSide::Ask,
            ZoneRole::Resistance,
            0.18,
            310_000.0,
            120.0,
            [0, 0, 0],
            0,
        ),
    ];
    let key = |venue, id: &str| BookKey::new(venue, id);
    let readings = |scores: [Option<f64>; 8]| -> Vec<DetectorReading> {
        DetectorKind::ALL
            .into_iter()
            .zip(scores)
            .map(|(kind, score)| DetectorReading {
                kind,
                score,
                last_fired: None,
            })
            .collect()
    };
    // §10.9's worked scores: integrity 36.83471317.
    let mut spot = readings([
        Some(0.3117),
        Some(0.0),
        Some(0.2),
        Some(0.386),
        Some(0.6),
        Some(0.0),
        Some(0.0),
        Some(0.5),
    ]);
    spot[4].last_fired = Some(Evidence {
        at: NOW_MS - 95_000,
        score: 0.6,
        summary: "15m return +7.5 % on 6.0x the median 15m volume".into(),
        points: vec![EvidencePoint {
            at: NOW_MS - 95_000,
            price: mid,
            size: 42.0,
        }],
    });
    spot[0].last_fired = Some(Evidence {
        at: NOW_MS - 610_000,
        score: 0.52,
        summary: "bid 63980.00 USDT +10 BTC cancelled after 1.5 s".into(),
        points: vec![EvidencePoint {
            at: NOW_MS - 610_000,
            price: 63_980.0,
            size: 10.0,
        }],
    });
    let usdm = readings([
        Some(0.05),
        Some(0.0),
        Some(0.0),
        Some(0.0),
        Some(0.0),
        None,
        Some(0.0),
        Some(0.0),
    ]);
    let ratio = |kind, ratio, ago_ms: i64, stale| LongShortRatio {
        kind,
        ratio,
        at: NOW_MS - ago_ms,
        stale,
    };
    let drift = |feature: &str, psi: Option<f64>, ks, baseline_n, drifted| FeatureDrift {
        feature: feature.into(),
        psi,
        ks,
        baseline_n,
        current_n: 60,
        drifted,
    };
    let vote = |model: &str, signal, confidence| ModelVote {
        model: model.into(),
        signal,
        confidence,
    };
    Analytics {
        zones: Zones {
            grid: Some(25.0),
            quote: Some("USDT".into()),
            nearest_support_bps: Some((mid - 63_975.0) / mid * 1e4),
            nearest_resistance_bps: Some((64_075.0 - mid) / mid * 1e4),
            zones,
            range_pct: Some(1.2),
            paused: false,
        },
        // §6's worked filter step: x = (1.2, 0.1) from a uniform prior.
        regime: Regime {
            label: Some(RegimeLabel::Bull),
            probabilities: Some([0.118485, 0.712324, 0.064621, 0.104562, 0.000009]),
            entropy: Some(0.5639062475),
            inputs: Some([1.2, 0.1]),
            since: Some(NOW_MS - 1_860_000),
            warming: None,
        },
        // §7's worked PSI values.
        drift: Drift {
            score: Some(0.4394449155),
            max_psi: Some(0.7593856779),
            features: vec![
                drift("spread_bps", Some(0.7593856779), Some(0.41), 1440, true),
                drift(
                    "depth_imbalance_10",
                    Some(0.1098612289),
                    Some(0.12),
                    1440,
                    false,
                ),
                drift("cvd_1m", None, None, 150, false),
            ],
            alarms: vec![
                DriftAlarm {
                    feature: "spread_bps".into(),
                    test: DriftTest::PageHinkleyUp,
                    at: NOW_MS - 420_000,
                },
                DriftAlarm {
                    feature: "ofi_norm_60s".into(),
                    test: DriftTest::Adwin,
                    at: NOW_MS - 2_400_000,
                },
            ],
            warming: None,
        },
        // §8's worked example: consensus 0.4117647059, agreement 0.7446808511.
        consensus: ModelConsensus {
            consensus: Some(0.4117647059),
            agreement: Some(0.7446808511),
            dispersion: Some(0.4574648),
            models: vec![
                vote("directional_pressure", 0.8, 0.9),
                vote("flow_momentum", 0.2, 0.5),
                vote("whale_conviction", -0.4, 0.3),
            ],
        },
        arbitrage: Arbitrage {
            opportunities: vec![ArbOpportunity {
                buy: key(VenueId::BybitLinear, "BTCUSDT"),
                sell: key(VenueId::BinanceUsdm, "BTCUSDT"),
                gross_bps: 12.4,
                net_bps: 2.4,
                size: 0.42,
                notional: 0.42 * mid,
                pnl: 4.1,
                fee_buy_bps: 5.5,
                fee_sell_bps: 4.5,
            }],
            pairs_checked: 6,
            quote: Some("USDT".into()),
        },
        integrity: vec![
            BookIntegrity {
                key: key(VenueId::Binance, "BTCUSDT"),
                detectors: spot,
                integrity_score: Some(36.83471317),
                top_contributors: vec![
                    DetectorKind::Pump,
                    DetectorKind::Dislocation,
                    DetectorKind::MomentumIgnition,
                ],
            },
            BookIntegrity {
                key: key(VenueId::BinanceUsdm, "BTCUSDT"),
                detectors: usdm,
                integrity_score: Some(97.5),
                top_contributors: vec![DetectorKind::PhantomLiquidity],
            },
            BookIntegrity {
                key: key(VenueId::Okx, "BTC-USDT-SWAP"),
                detectors: readings([None; 8]),
                integrity_score: None,
                top_contributors: Vec::new(),
            },
            BookIntegrity {
                key: key(VenueId::Kraken, "BTC/USD"),
                detectors: readings([Some(0.1); 8]),
                integrity_score: Some(71.2),
                top_contributors: vec![DetectorKind::PhantomLiquidity],
            },
        ],
        lead_lag: Some(LeadLag {
            a: key(VenueId::Binance, "BTCUSDT"),
            b: key(VenueId::BinanceUsdm, "BTCUSDT"),
            lag_s: -2,
            rho: 0.62,
            llr: Some(0.25),
            bins: 540,
        }),
        positioning: Positioning {
            venues: vec![
                VenuePositioning {
                    key: key(VenueId::BinanceUsdm, "BTCUSDT"),
                    ratios: vec![
                        ratio(RatioKind::Accounts, 1.52, 60_000, false),
                        ratio(RatioKind::TopAccounts, 1.31, 60_000, false),
                        ratio(RatioKind::TopPositions, 0.98, 1_500_000, true),
                    ],
                    taker_buy_sell_ratio: Some(1.08),
                    large_taker_buy_share: Some(0.62),
                    small_taker_buy_share: Some(0.48),
                },
                VenuePositioning {
                    key: key(VenueId::BybitLinear, "BTCUSDT"),
                    ratios: vec![ratio(RatioKind::Accounts, 1.41, 60_000, false)],
                    taker_buy_sell_ratio: None,
                    large_taker_buy_share: Some(0.55),
                    small_taker_buy_share: Some(0.51),
                },
            ],
            consensus: vec![
                RatioConsensus {
                    kind: RatioKind::Accounts,
                    long_short_ratio: 1.47,
                    long_short_consensus: (1.47 - 1.0) / (1.47 + 1.0),
                    agreement: Some(0.91),
                    venues: 2,
                },
                RatioConsensus {
                    kind: RatioKind::TopAccounts,
                    long_short_ratio: 1.31,
                    long_short_consensus: (1.31 - 1.0) / (1.31 + 1.0),
                    agreement: None,
                    venues: 1,
                },
            ],
        },
    }
}

/// ETH's analytics an hour after start: the regime and drift warming, nothing else yet.
pub fn warming_analytics() -> Analytics {
    let progress = |have_min| Progress {
        have_min,
        need_min: 1440.0,
    };
    Analytics {
        zones: Zones {
            grid: Some(2.0),
            quote: Some("USDT".into()),
            ..Zones::default()
        },
        regime: Regime {
            warming: Some(progress(180.0)),
            ..Regime::default()
        },
        drift: Drift {
            warming: Some(progress(45.0)),
            ..Drift::default()
        },
        arbitrage: Arbitrage {
            pairs_checked: 2,
            quote: Some("USDT".into()),
            ..Arbitrage::default()
        },
        integrity: vec![BookIntegrity {
            key: BookKey::new(VenueId::Binance, "ETHUSDT"),
            detectors: DetectorKind::ALL
                .into_iter()
                .map(|kind| DetectorReading {
                    kind,
                    score: None,
                    last_fired: None,
                })
                .collect(),
            integrity_score: None,
            top_contributors: Vec::new(),
        }],
        ..Analytics::default()
    }
}
