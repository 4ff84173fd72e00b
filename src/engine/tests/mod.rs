//! Engine tests: scripted event sequences through [`Engine`], and real captures through their
//! venue adapters.
//!
//! Scripts stamp every event with the same local and exchange time (`at(ms)`), so exchange
//! windows and local staleness read one timeline.

mod alerting;
mod composites;
mod demo;
mod edge_cases;
mod integrity;
mod positioning;
mod reads;
mod replay;
mod scenarios;
mod warm;
mod watching;
mod windows;

use std::sync::Arc;

use crate::config::Config;
use crate::config::alerts::AlertRule;
use crate::engine::frame::{BookFrame, DataMode, Frame};
use crate::engine::{Engine, EngineSettings};
use crate::feed::event::{
    BookKey, BookStatus, BookUpdate, LevelChange, MarketEvent, Trade, UpdateKind,
};
use crate::feed::health::{BookCounters, BookState};
use crate::instrument::{Contract, Instrument, MarketKind};
use crate::market::{Millis, Nanos, Side, TakerSide, VenueId};

pub(super) const MS: Nanos = 1_000_000;

/// Local time of exchange millisecond `ms`.
pub(super) fn at(ms: Millis) -> Nanos {
    ms as Nanos * MS
}

pub(super) fn secs(s: i64) -> Millis {
    s * 1000
}

/// Default settings watching `symbols`, with `rules` as the alert rules.
pub(super) fn settings(symbols: &[&str], rules: Vec<AlertRule>) -> EngineSettings {
    let mut cfg = Config::default();
    cfg.general.symbols = symbols.iter().map(|s| (*s).to_owned()).collect();
    cfg.alerts.rule = rules;
    EngineSettings::from_config(&cfg, DataMode::Live)
}

/// Events for one book.
#[derive(Clone)]
pub(super) struct Script {
    pub key: BookKey,
    trade_id: u64,
}

impl Script {
    pub fn new(venue: VenueId, id: &str) -> Self {
        Script {
            key: BookKey::new(venue, id),
            trade_id: 0,
        }
    }

    pub fn instrument(
        &self,
        base: &str,
        quote: &str,
        kind: MarketKind,
        contract: Contract,
    ) -> MarketEvent {
        MarketEvent::Instrument(Arc::new(Instrument {
            venue: self.key.venue,
            id: self.key.instrument.to_string(),
            base: base.into(),
            quote: quote.into(),
            kind,
            contract,
            tick: None,
            lot: None,
            price_precision: None,
            qty_precision: None,
        }))
    }

    /// A BTC-USDT spot instrument with base-unit sizes.
    pub fn spot(&self) -> MarketEvent {
        self.instrument("BTC", "USDT", MarketKind::Spot, Contract::Base)
    }

    pub fn status(&self, ms: Millis, state: BookState, resyncs: u64) -> MarketEvent {
        MarketEvent::BookStatus(BookStatus {
            key: self.key.clone(),
            local_ts: at(ms),
            state,
            counters: BookCounters {
                resyncs,
                ..BookCounters::default()
            },
        })
    }

    fn update(&self, ms: Millis, kind: UpdateKind, changes: Vec<LevelChange>) -> MarketEvent {
        MarketEvent::Book(BookUpdate {
            key: self.key.clone(),
            kind,
            local_ts: at(ms),
            exch_ts: Some(ms),
            changes,
            known_to: [None, None],
        })
    }

    pub fn snapshot(&self, ms: Millis, bids: &[(f64, f64)], asks: &[(f64, f64)]) -> MarketEvent {
        let changes = LevelChange::book(bids, asks);
        self.update(ms, UpdateKind::Snapshot, changes)
    }

    pub fn delta(&self, ms: Millis, changes: &[(Side, f64, f64)]) -> MarketEvent {
        let changes = changes
            .iter()
            .map(|&(side, price, size)| LevelChange { side, price, size })
            .collect();
        self.update(ms, UpdateKind::Delta, changes)
    }

    /// Goes live with a snapshot at `ms`.
    pub fn live(&self, ms: Millis, bids: &[(f64, f64)], asks: &[(f64, f64)]) -> [MarketEvent; 2] {
        [
            self.status(ms, BookState::Live, 0),
            self.snapshot(ms, bids, asks),
        ]
    }

    pub fn trade(&mut self, ms: Millis, price: f64, size: f64, taker: TakerSide) -> MarketEvent {
        self.trade_id += 1;
        MarketEvent::Trade(Trade {
            key: self.key.clone(),
            local_ts: at(ms),
            exch_ts: ms,
            price,
            size,
            taker: Some(taker),
            id: Some(self.trade_id.to_string().into()),
        })
    }
}

pub(super) fn feed(engine: &mut Engine, events: impl IntoIterator<Item = MarketEvent>) {
    for ev in events {
        engine.on_event(ev);
    }
}

/// The frame of book `key`.
pub(super) fn book<'a>(frame: &'a Frame, key: &BookKey) -> &'a BookFrame {
    frame
        .symbols
        .iter()
        .flat_map(|s| &s.books)
        .find(|b| b.key == *key)
        .unwrap_or_else(|| panic!("no book {key} in the frame"))
}

/// `actual ≈ expected` within the spec's relative tolerance.
#[track_caller]
pub(super) fn assert_some_close(actual: Option<f64>, expected: f64) {
    crate::features::testutil::assert_some_close(actual, expected);
}

/// Nothing in the frame is NaN or infinite (checked on its debug form, before serde_json could
/// turn a NaN into a quiet `null`).
#[track_caller]
pub(super) fn assert_frame_finite(frame: &Frame) {
    crate::features::testutil::assert_all_finite(frame);
}
