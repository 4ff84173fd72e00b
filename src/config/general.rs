//! `[general]` (what to watch) and `[feed]` (how to connect).

use crate::feed::audit::AuditConfig;
use crate::feed::backoff::BackoffConfig;
use crate::market::VenueId;
use crate::venue::registry::IMPLEMENTED;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// `[general]`: what to watch.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct General {
    /// Symbols as traders type them (`BTC`), or explicit `venue:INSTRUMENT`.
    pub symbols: Vec<String>,
    /// Venue ids to connect to.
    pub venues: Vec<VenueId>,
    /// Record every frame to this capture file (`.gz`/`.zst` by name), like `--record`.
    pub record: Option<PathBuf>,
}

impl Default for General {
    fn default() -> Self {
        General {
            symbols: vec!["BTC".into(), "ETH".into(), "SOL".into()],
            venues: IMPLEMENTED.to_vec(),
            record: None,
        }
    }
}

impl General {
    pub fn validate(&self) -> Result<(), String> {
        if self.symbols.is_empty() {
            return Err(
                "general.symbols is empty: name at least one symbol, e.g. [\"BTC\"]".into(),
            );
        }
        if let Some(bad) = self
            .symbols
            .iter()
            .find(|s| s.trim().is_empty() || s.contains(char::is_whitespace))
        {
            return Err(format!(
                "general.symbols: {bad:?} is not a symbol (e.g. \"BTC\" or \"okx:BTC-USDT\")"
            ));
        }
        if self.venues.is_empty() {
            return Err("general.venues is empty: name at least one venue".into());
        }
        Ok(())
    }
}

/// `[feed]`: connection behaviour.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Feed {
    pub backoff: BackoffConfig,
    /// Resync a book that gets no snapshot this long after subscribing, seconds (the ranges of
    /// this and every other duration are in [`super::durations::DURATIONS`], checked on the
    /// file's text).
    pub snapshot_timeout_s: f64,
    /// Reconnect a socket that sends nothing for this long, seconds.
    pub silence_timeout_s: f64,
    /// Largest WebSocket frame accepted, bytes.
    pub max_frame_bytes: usize,
    /// Seconds between REST audits of each book without a checksum (10 to 86400; 0: off).
    pub audit_interval_s: f64,
    /// Levels per side an audit compares (1 to 100).
    pub audit_levels: usize,
    /// Levels a book keeps per side; the worst beyond it are dropped and counted.
    pub max_book_levels: usize,
    /// Per-venue overrides, keyed by venue id: `[feed.venue.okx] ws_url = "ws://127.0.0.1:9000/okx"`.
    pub venue: BTreeMap<String, VenueOverride>,
}

impl Default for Feed {
    fn default() -> Self {
        Feed {
            backoff: BackoffConfig::default(),
            snapshot_timeout_s: 15.0,
            silence_timeout_s: 60.0,
            max_frame_bytes: 16 << 20,
            audit_interval_s: AuditConfig::DEFAULT_EVERY_S,
            audit_levels: AuditConfig::DEFAULT_LEVELS,
            max_book_levels: crate::book::MAX_LEVELS,
            venue: BTreeMap::new(),
        }
    }
}

/// One venue's overrides.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VenueOverride {
    pub ws_url: Option<String>,
    pub rest_url: Option<String>,
    /// Book depth to subscribe where the venue offers a choice (Bybit 1/50/200/1000, Kraken
    /// 10/25/100/500/1000); refused for venues that offer none (each venue's descriptor says).
    pub depth: Option<usize>,
}

impl Feed {
    pub fn validate(&self) -> Result<(), String> {
        self.backoff
            .validate()
            .map_err(|e| format!("feed.backoff: {e}"))?;
        let every = self.audit_interval_s;
        if !(every == 0.0 || AuditConfig::EVERY_RANGE_S.contains(&every)) {
            return Err(format!(
                "feed.audit_interval_s must be 0 (off) or {} to {} seconds, got {every}",
                AuditConfig::EVERY_RANGE_S.start(),
                AuditConfig::EVERY_RANGE_S.end()
            ));
        }
        if !AuditConfig::LEVELS_RANGE.contains(&self.audit_levels) {
            return Err(format!(
                "feed.audit_levels must be {} to {}, got {}",
                AuditConfig::LEVELS_RANGE.start(),
                AuditConfig::LEVELS_RANGE.end(),
                self.audit_levels
            ));
        }
        if self.max_frame_bytes < 64 * 1024 {
            return Err(format!(
                "feed.max_frame_bytes {} is too small for book snapshots (at least 65536)",
                self.max_frame_bytes
            ));
        }
        if !(1_000..=10_000_000).contains(&self.max_book_levels) {
            return Err(format!(
                "feed.max_book_levels must be 1000 to 10000000, got {}",
                self.max_book_levels
            ));
        }
        for (venue, o) in &self.venue {
            let id = venue
                .parse::<VenueId>()
                .map_err(|e| format!("feed.venue.{venue}: {e}"))?;
            let fixed = id.adapter_spec().and_then(|a| a.depths.no_choice());
            if let (Some(depth), Some(why)) = (o.depth, fixed) {
                return Err(format!("feed.venue.{venue}.depth = {depth}: {venue} {why}"));
            }
            for url in [&o.ws_url, &o.rest_url].into_iter().flatten() {
                if !url.contains("://") {
                    return Err(format!(
                        "feed.venue.{venue}: {url:?} is not a URL (missing scheme)"
                    ));
                }
            }
        }
        Ok(())
    }
}
