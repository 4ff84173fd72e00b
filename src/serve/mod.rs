//! `depthscope serve`: the engine's reads over HTTP — the market-context API of the reference
//! (REST, same paths and names), depthscope's own book and health endpoints, an SSE stream of
//! ticks with resume, and the OpenAPI document — from the same engine the terminal uses.
//!
//! Every request passes one guard: the key check ([`access`]), the per-caller rate limit
//! ([`limit`]) and bounds on what a request may carry; every answer carries the `X-RateLimit-*`
//! headers, and every error is JSON with a `detail`.

pub mod access;
mod analytics;
pub mod attach;
mod books;
pub mod error;
pub mod frames;
mod gzip;
pub mod link;
mod market;
mod openapi;
pub mod params;
mod resume;
mod stream;
pub mod view;

pub use access::{hash_key, new_key};
pub use limit::Limits;
mod limit;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::engine::StreamOptions;
use crate::engine::frame::Frame;

use self::access::{Access, Caller};
use self::error::ApiError;
use self::limit::{Limiter, Verdict};
use self::stream::Hub;

/// The largest request body accepted (the API has no body to send).
const MAX_BODY_BYTES: u64 = 1024;

/// How `serve` runs.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// `(name, sha256 hex)` of every accepted key.
    pub keys: Vec<(String, String)>,
    pub limits: Limits,
    /// Ticks an SSE reader may fall behind before it is dropped.
    pub stream_buffer: usize,
    /// Recent ticks kept for readers that reconnect with `Last-Event-ID`, and the bytes they
    /// may take.
    pub resume_ticks: usize,
    pub resume_bytes: usize,
    /// Rename keys in the SSE stream to their market aliases, as `stream --market-names`.
    pub market_names: bool,
}

/// What every handler reads: the latest frame, the access rule, the limiter and the SSE hub.
#[derive(Clone)]
pub struct App(Arc<Inner>);

struct Inner {
    frames: watch::Receiver<Arc<Frame>>,
    access: Access,
    limiter: Mutex<Limiter>,
    hub: Arc<Hub>,
    /// Whole frames for attached terminals (`/v1/frames`), encoded while any is attached.
    encoded: watch::Sender<Arc<frames::Encoded>>,
    /// Fires when the server stops: ends the streams, which never end by themselves.
    closing: CancellationToken,
    started: Instant,
}

impl App {
    /// The latest frame: every endpoint answers from one consistent tick.
    pub fn frame(&self) -> Arc<Frame> {
        self.0.frames.borrow().clone()
    }

    fn limits(&self) -> Limits {
        self.0.limiter.lock().map(|l| l.limits()).unwrap_or(Limits {
            per_minute: 0,
            burst_per_second: 0,
        })
    }

    fn hub(&self) -> Arc<Hub> {
        self.0.hub.clone()
    }

    fn encoded(&self) -> watch::Receiver<Arc<frames::Encoded>> {
        self.0.encoded.subscribe()
    }

    fn closing(&self) -> CancellationToken {
        self.0.closing.clone()
    }

    fn uptime(&self) -> Duration {
        self.0.started.elapsed()
    }

    fn stream_health(&self) -> books::StreamHealth {
        books::StreamHealth {
            readers: self.0.hub.readers(),
            dropped_readers: self.0.hub.dropped(),
            ticks: self.0.hub.ticks(),
        }
    }
}

/// Why `serve` could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Access(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the HTTP server stopped: {0}")]
    Server(std::io::Error),
}

/// Checks the options before anything starts (a non-loopback address without keys is refused).
pub fn check(options: &ServeOptions) -> Result<(), ServeError> {
    Access::new(options.listen, &options.keys)
        .map(drop)
        .map_err(ServeError::Access)
}

/// Binds `options.listen`; separate from [`serve`] so the caller can report the bound address
/// (port 0 picks a free one).
pub async fn bind(options: &ServeOptions) -> Result<TcpListener, ServeError> {
    check(options)?;
    TcpListener::bind(options.listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: options.listen,
            source,
        })
}

/// Serves `frames` on `listener` until `cancel` fires. `history`: the session's history store,
/// which SSE readers resume from when their ticks are no longer held in memory.
pub async fn serve(
    listener: TcpListener,
    frames: watch::Receiver<Arc<Frame>>,
    options: ServeOptions,
    history: Option<PathBuf>,
    cancel: CancellationToken,
) -> Result<(), ServeError> {
    let access = Access::new(options.listen, &options.keys).map_err(ServeError::Access)?;
    let hub = Arc::new(Hub::new(
        options.stream_buffer,
        (options.resume_ticks, options.resume_bytes),
        history.map(|path| resume::HistorySource { path }),
        cancel.clone(),
    ));
    let hub_task = tokio::spawn(stream::run_hub(
        hub.clone(),
        frames.clone(),
        StreamOptions {
            market_names: options.market_names,
            ..StreamOptions::default()
        },
        cancel.clone(),
    ));
    let encoded = watch::Sender::new(Arc::new(frames::Encoded::of(&frames.borrow())));
    let encoder_task = tokio::spawn(frames::run_encoder(
        frames.clone(),
        encoded.clone(),
        cancel.clone(),
    ));
    let app = App(Arc::new(Inner {
        frames,
        access,
        limiter: Mutex::new(Limiter::new(options.limits)),
        hub,
        encoded,
        closing: cancel.clone(),
        started: Instant::now(),
    }));
    let stop = cancel.clone();
    let result = axum::serve(listener, router(app))
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .map_err(ServeError::Server);
    cancel.cancel();
    let _ = hub_task.await;
    let _ = encoder_task.await;
    result
}

/// Every route, behind the guard.
pub fn router(app: App) -> Router {
    let mut router = Router::new()
        .route("/v1/orderbook/features/{symbol}", get(market::features))
        .route("/v1/orderbook/composite/{symbol}", get(market::composite))
        .route("/v1/flow/liquidations/{symbol}", get(market::liquidations))
        .route("/v1/flow/large-trades/{symbol}", get(market::large_trades))
        .route("/v1/flow/cvd/{symbol}", get(market::cvd))
        .route("/v1/flow/derivatives", get(market::derivatives_flow))
        .route("/v1/symbols", get(market::symbols))
        .route("/v1/cascade-risk/{symbol}", get(market::cascade_risk))
        .route("/v1/depth-profile/{symbol}", get(market::depth_profile))
        .route("/v1/basis/{symbol}", get(market::basis))
        .route("/v1/tiers", get(market::tiers))
        .route(
            "/v1/orderbook/support-resistance/{symbol}",
            get(analytics::support_resistance),
        )
        .route("/v1/regime/{symbol}", get(analytics::regime))
        .route("/v1/drift/{symbol}", get(analytics::drift))
        .route("/v1/consensus/{symbol}", get(analytics::consensus))
        .route("/v1/arbitrage", get(analytics::arbitrage))
        .route("/v1/arbitrage/{symbol}", get(analytics::arbitrage_symbol))
        .route(
            "/v1/market-protection/{symbol}",
            get(analytics::market_protection),
        )
        .route("/v1/flow/positioning/{symbol}", get(analytics::positioning))
        .route(
            "/v1/flow/spot-futures/{symbol}",
            get(analytics::spot_futures),
        )
        .route("/v1/books/{venue}/{instrument}", get(books::book))
        .route("/v1/health", get(books::health))
        .route("/v1/stream", get(stream::stream))
        .route("/v1/frames", get(frames::frames))
        .route("/openapi.json", get(openapi_response));
    for (path, what) in market::NOT_COMPUTED {
        router = router.route(
            path,
            get(move || async move { ApiError::not_computed(what) }),
        );
    }
    router
        .fallback(|method: Method| async move {
            if method == Method::GET {
                ApiError::not_found("no such endpoint: GET /openapi.json lists them")
            } else {
                ApiError::new(
                    axum::http::StatusCode::METHOD_NOT_ALLOWED,
                    format!("{method} is not served: every endpoint is GET"),
                )
            }
        })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

async fn openapi_response() -> Response {
    axum::Json(openapi::document()).into_response()
}

/// The OpenAPI document as `/openapi.json` serves it, pretty-printed.
pub fn openapi_json() -> String {
    serde_json::to_string_pretty(&openapi::document()).unwrap_or_default()
}

/// Paths the reference serves without a key.
fn is_public(path: &str) -> bool {
    matches!(path, "/v1/symbols" | "/openapi.json")
}

/// Key check, rate limit and request bounds, then the `X-RateLimit-*` headers on the answer.
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let public = is_public(request.uri().path());
    let caller = match app.0.access.check(request.headers()) {
        Ok(caller) => caller,
        Err(_) if public && !request.headers().contains_key(access::KEY_HEADER) => Caller::Local,
        Err(e) => return e.into_response(),
    };
    let verdict = match app.0.limiter.lock() {
        Ok(mut limiter) => limiter.check(&caller, Instant::now()),
        Err(_) => {
            return ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "the rate limiter failed",
            )
            .into_response();
        }
    };
    let mut response = if !verdict.allowed {
        ApiError::too_many(verdict.retry_after_s).into_response()
    } else if let Some(e) = body_error(request.headers()) {
        e.into_response()
    } else {
        next.run(request).await
    };
    rate_headers(response.headers_mut(), &verdict);
    // Every answer says whether its numbers are a real market: `simulated` (`--demo`) and
    // `replay` must never be mistaken for live data by a script that reads only the body.
    let mode = app.frame().mode.word();
    response
        .headers_mut()
        .insert("x-depthscope-mode", HeaderValue::from_static(mode));
    response
}

/// A request that announces a body (the API takes none) beyond the small bound.
fn body_error(headers: &HeaderMap) -> Option<ApiError> {
    let length = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let chunked = headers.contains_key(header::TRANSFER_ENCODING);
    (chunked || length.is_some_and(|l| l > MAX_BODY_BYTES)).then(|| {
        ApiError::bad_request(format!(
            "request bodies are not accepted (at most {MAX_BODY_BYTES} bytes, not chunked)"
        ))
    })
}

fn rate_headers(headers: &mut HeaderMap, v: &Verdict) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(v.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(v.remaining));
    headers.insert("x-ratelimit-reset", HeaderValue::from(v.reset_unix_s));
}
