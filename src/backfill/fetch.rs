//! Fetching one page politely: through the venue's [`Gate`], retried with backoff on 5xx and
//! network errors, waiting out `Retry-After` on 429 (rate limited) and 418 (Binance's IP ban,
//! which closes the venue when the ban outlasts what a backfill may wait). Every answer, error
//! bodies included, goes to the `--record` tap as a capture `rest` event.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::feed::runtime::{Tap, TapEvent};
use crate::market::{VenueId, now_nanos};

use super::gate::Gate;
use super::plan::Request;

/// One HTTP answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    /// The `Retry-After` header in seconds, when sent.
    pub retry_after: Option<Duration>,
    pub body: String,
}

/// A GET that answers or fails to connect: `reqwest` live, a script in tests.
pub trait Http: Send + Sync + 'static {
    fn get(&self, url: &str) -> impl Future<Output = Result<Reply, String>> + Send;
}

impl Http for reqwest::Client {
    async fn get(&self, url: &str) -> Result<Reply, String> {
        let resp = reqwest::Client::get(self, url)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = resp
            .text()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?;
        Ok(Reply {
            status,
            retry_after,
            body,
        })
    }
}

/// Retry and give-up rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per page, the first included.
    pub attempts: u32,
    /// First backoff; doubles each retry, up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` worth waiting for; a longer ban closes the venue.
    pub max_wait: Duration,
    /// Connection failures in a row, with no answer ever, after which the venue is offline.
    pub offline_after: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_wait: Duration::from_secs(120),
            offline_after: 3,
        }
    }
}

impl RetryPolicy {
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Why a page was not fetched.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The venue is closed for this backfill (offline, banned); later pages are skipped.
    VenueClosed(String),
    /// This page failed; others may still succeed.
    Page(String),
}

/// Where the answers go besides the parser.
pub struct Recording {
    pub venue: VenueId,
    pub tap: Option<Arc<dyn Tap>>,
}

impl Recording {
    fn record(&self, url: &str, status: u16, body: &str) {
        if let Some(tap) = &self.tap {
            tap.record(
                now_nanos(),
                self.venue,
                None,
                TapEvent::Rest {
                    url: url.to_owned(),
                    status,
                    body: body.to_owned(),
                },
            );
        }
    }
}

/// Fetches one page; `retried` counts the retries made.
pub async fn fetch<H: Http>(
    http: &H,
    gate: &Gate,
    req: &Request,
    policy: &RetryPolicy,
    recording: &Recording,
    retried: &mut u32,
) -> Result<String, Failure> {
    let mut last = String::new();
    for attempt in 1..=policy.attempts.max(1) {
        if let Some(why) = gate.closed() {
            return Err(Failure::VenueClosed(why));
        }
        if attempt > 1 {
            *retried += 1;
        }
        gate.acquire(req.weight).await;
        let reply = match http.get(&req.url).await {
            Ok(r) => r,
            Err(e) => {
                // The runtime records failed fetches with status 599 too.
                recording.record(&req.url, 599, &e);
                if gate.unreachable(policy.offline_after) {
                    let why = format!("offline ({e})");
                    gate.close(why.clone());
                    return Err(Failure::VenueClosed(why));
                }
                last = e;
                tokio::time::sleep(policy.backoff(attempt)).await;
                continue;
            }
        };
        gate.reached();
        recording.record(&req.url, reply.status, &reply.body);
        match reply.status {
            200..=299 => return Ok(reply.body),
            429 | 418 => {
                let wait = reply.retry_after.unwrap_or_else(|| policy.backoff(attempt));
                if wait > policy.max_wait {
                    let why = format!(
                        "HTTP {} asks to wait {} s; backfill skipped",
                        reply.status,
                        wait.as_secs()
                    );
                    gate.close(why.clone());
                    return Err(Failure::VenueClosed(why));
                }
                gate.pause(wait);
                last = format!("HTTP {} (rate limited)", reply.status);
            }
            500..=599 => {
                last = format!("HTTP {}", reply.status);
                tokio::time::sleep(policy.backoff(attempt)).await;
            }
            status => {
                return Err(Failure::Page(format!(
                    "HTTP {status}: {}",
                    excerpt(&reply.body)
                )));
            }
        }
    }
    Err(Failure::Page(format!(
        "gave up after {} attempts: {last}",
        policy.attempts
    )))
}

/// The start of a body, for messages.
pub fn excerpt(body: &str) -> String {
    const MAX: usize = 160;
    match body.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &body[..i]),
        None => body.to_owned(),
    }
}
