//! depthscope's own endpoints: one book's top levels with its integrity state and counters, and
//! the health of every venue, book and stream reader.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::engine::frame::{BookFrame, LadderLevel};

use super::App;
use super::error::{ApiError, ErrorBody};
use super::params::{NoParams, Params};
use super::view::{Freshness, timestamp};

/// Levels a `/v1/books` answer holds unless `depth` says otherwise.
const DEFAULT_DEPTH: usize = 20;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookParams {
    /// Levels per side (1 to the engine's view depth; default 20).
    pub depth: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookResponse {
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
    pub quote: String,
    /// `syncing`, `live`, `resyncing` (with the reason) or `down`.
    #[schema(value_type = Object)]
    pub state: Value,
    /// Proven by the venue's integrity rule since the last snapshot.
    pub valid: bool,
    pub stale: bool,
    pub data_freshness: Freshness,
    /// Messages, checksum verdicts, gaps, resyncs, crossed books.
    #[schema(value_type = Object)]
    pub counters: Value,
    /// `[price, size]` best first; prices at the instrument's precision, sizes in base units
    /// where `base_units`, else in the venue's contracts.
    pub bids: Vec<[String; 2]>,
    pub asks: Vec<[String; 2]>,
    pub base_units: bool,
    pub timestamp: String,
}

/// One book: top levels, integrity state and counters.
#[utoipa::path(get, path = "/v1/books/{venue}/{instrument}", tag = "books",
    params(("venue" = String, Path, description = "Venue id, e.g. okx"),
           ("instrument" = String, Path, description = "The venue's instrument id, e.g. BTC-USDT"),
           BookParams),
    responses((status = 200, body = BookResponse), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn book(
    State(app): State<App>,
    Path((venue, instrument)): Path<(String, String)>,
    Params(p): Params<BookParams>,
) -> Result<Json<BookResponse>, ApiError> {
    let depth = p.depth.unwrap_or(DEFAULT_DEPTH);
    if depth == 0 {
        return Err(ApiError::bad_request("depth must be at least 1"));
    }
    let frame = app.frame();
    let (symbol, b) = frame
        .symbols
        .iter()
        .flat_map(|s| s.books.iter().map(move |b| (s, b)))
        .find(|(_, b)| {
            b.key.venue.as_str().eq_ignore_ascii_case(&venue)
                && b.key.instrument.eq_ignore_ascii_case(&instrument)
        })
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no book {venue}/{instrument}: GET /v1/health lists the books this server keeps"
            ))
        })?;
    let available = b.ladder.bids.len().max(b.ladder.asks.len()).max(1);
    if depth > available.max(DEFAULT_DEPTH) {
        return Err(ApiError::bad_request(format!(
            "depth must be 1 to {}; got {depth}",
            available.max(DEFAULT_DEPTH)
        )));
    }
    let decimals = b.ladder.price_decimals as usize;
    let levels = |side: &[LadderLevel]| {
        side.iter()
            .take(depth)
            .map(|l| [format!("{:.decimals$}", l.price), size_text(l.size)])
            .collect()
    };
    Ok(Json(BookResponse {
        venue: b.key.venue.to_string(),
        instrument: b.key.instrument.to_string(),
        symbol: symbol.symbol.clone(),
        quote: b.instrument.quote.clone(),
        state: to_value(&b.state),
        valid: b.valid,
        stale: b.stale,
        data_freshness: Freshness::of(b),
        counters: to_value(&b.counters),
        bids: levels(&b.ladder.bids),
        asks: levels(&b.ladder.asks),
        base_units: b.base_units,
        timestamp: timestamp(frame.at),
    }))
}

/// A size with at most 8 decimals and no trailing zeros (`0.5`, `12`, `0.00012345`).
fn size_text(size: f64) -> String {
    let text = format!("{size:.8}");
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_owned()
}

fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookHealth {
    pub venue: String,
    pub instrument: String,
    pub symbol: String,
    #[schema(value_type = Object)]
    pub state: Value,
    pub valid: bool,
    pub data_freshness: Freshness,
    #[schema(value_type = Object)]
    pub counters: Value,
}

impl BookHealth {
    fn of(symbol: &str, b: &BookFrame) -> Self {
        BookHealth {
            venue: b.key.venue.to_string(),
            instrument: b.key.instrument.to_string(),
            symbol: symbol.to_owned(),
            state: to_value(&b.state),
            valid: b.valid,
            data_freshness: Freshness::of(b),
            counters: to_value(&b.counters),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StreamHealth {
    /// SSE readers connected now.
    pub readers: u64,
    /// Readers dropped because they fell behind the engine.
    pub dropped_readers: u64,
    /// Engine ticks published to readers since the server started.
    pub ticks: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthResponse {
    /// `live`, `simulated` or `replay` (with its file and clock).
    #[schema(value_type = Object)]
    pub mode: Value,
    /// Per venue: connection state, counters, message rate, latency figures.
    #[schema(value_type = Vec<Object>)]
    pub venues: Value,
    pub books: Vec<BookHealth>,
    pub stream: StreamHealth,
    pub uptime_seconds: f64,
    pub timestamp: String,
}

/// Venues, books and stream readers.
#[utoipa::path(get, path = "/v1/health", tag = "meta",
    responses((status = 200, body = HealthResponse)))]
pub async fn health(
    State(app): State<App>,
    _: Params<NoParams>,
) -> Result<Json<HealthResponse>, ApiError> {
    let frame = app.frame();
    Ok(Json(HealthResponse {
        mode: to_value(&frame.mode),
        venues: to_value(&frame.venues),
        books: frame
            .symbols
            .iter()
            .flat_map(|s| s.books.iter().map(|b| BookHealth::of(&s.symbol, b)))
            .collect(),
        stream: app.stream_health(),
        uptime_seconds: app.uptime().as_secs_f64(),
        timestamp: timestamp(frame.at),
    }))
}

#[cfg(test)]
mod tests {
    use super::size_text;

    #[test]
    fn sizes_are_written_without_float_noise() {
        assert_eq!(size_text(0.1 + 0.2), "0.3");
        assert_eq!(size_text(12.0), "12");
        assert_eq!(size_text(0.000_123_45), "0.00012345");
    }
}
