//! `[serve]`: how `depthscope serve` listens, who may ask and how often.

use serde::Deserialize;
use std::net::SocketAddr;

/// `[serve]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Serve {
    /// Address to listen on (`--listen` overrides).
    pub listen: SocketAddr,
    /// Requests per key per sliding minute.
    pub requests_per_minute: u32,
    /// Requests per key per second.
    pub burst_per_second: u32,
    /// Engine ticks an SSE reader may fall behind before it is dropped.
    pub stream_buffer: usize,
    /// Recent ticks kept for SSE readers that reconnect with `Last-Event-ID`.
    pub resume_ticks: usize,
    /// Memory those ticks may take, MB: the oldest go first (older resumes come from the
    /// history store).
    pub resume_mb: usize,
    /// Accepted API keys, hashed (`depthscope serve --add-key NAME` adds one).
    pub keys: Vec<ApiKey>,
}

/// One API key: its name and the hex SHA-256 of the key.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    pub name: String,
    pub sha256: String,
}

impl Default for Serve {
    fn default() -> Self {
        Serve {
            listen: SocketAddr::from(([127, 0, 0, 1], 8787)),
            requests_per_minute: 600,
            burst_per_second: 10,
            stream_buffer: 64,
            resume_ticks: 3000,
            resume_mb: 32,
            keys: Vec::new(),
        }
    }
}

impl Serve {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=1_000_000).contains(&self.requests_per_minute) {
            return Err(format!(
                "serve.requests_per_minute must be 1 to 1000000, got {}",
                self.requests_per_minute
            ));
        }
        if !(1..=100_000).contains(&self.burst_per_second) {
            return Err(format!(
                "serve.burst_per_second must be 1 to 100000, got {}",
                self.burst_per_second
            ));
        }
        if !(1..=100_000).contains(&self.stream_buffer) {
            return Err(format!(
                "serve.stream_buffer must be 1 to 100000 ticks, got {}",
                self.stream_buffer
            ));
        }
        if self.resume_ticks > 1_000_000 {
            return Err(format!(
                "serve.resume_ticks must be at most 1000000, got {}",
                self.resume_ticks
            ));
        }
        if !(1..=4096).contains(&self.resume_mb) {
            return Err(format!(
                "serve.resume_mb must be 1 to 4096, got {}",
                self.resume_mb
            ));
        }
        let mut names = std::collections::HashSet::new();
        for key in &self.keys {
            if key.name.trim().is_empty() || !names.insert(key.name.as_str()) {
                return Err(format!(
                    "serve.keys: names must be non-empty and unique ({:?})",
                    key.name
                ));
            }
            if key.sha256.len() != 64 || !key.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "serve.keys: the key {:?} has no valid sha256 (64 hex digits); add keys \
                     with `depthscope serve --add-key NAME`",
                    key.name
                ));
            }
        }
        Ok(())
    }
}
