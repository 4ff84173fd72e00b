//! Alert delivery: alerts must not be lost, and the engine must never block on a slow reader.
//!
//! The alert channel is bounded and sized for bursts (`[alerts] channel_capacity`, default
//! 1024: every default rule firing on every book of a large watch list at once). The engine only
//! ever `try_send`s. An alert that finds the channel full is not dropped: it waits, in order, in
//! the engine's backlog and goes out first at the next tick; each such alert is counted as
//! `deferred` (the overflow counter in [`AlertDelivery`]). Only if the reader stops for so long
//! that the backlog reaches `backlog_limit` are the oldest dropped, counted as `dropped`; every
//! alert is also in the frames' recent-alerts list, so the screen shows it either way. Blocking
//! instead would freeze the frames, which is worse than anything it could save.

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::mpsc::{self, error::TrySendError};

use super::frame::{Alert, AlertDelivery};

#[derive(Debug)]
pub struct AlertOutbox {
    tx: Option<mpsc::Sender<Alert>>,
    backlog: VecDeque<Arc<Alert>>,
    limit: usize,
    stats: AlertDelivery,
}

impl AlertOutbox {
    /// An outbox with no channel: alerts are only shown in frames.
    pub fn none() -> Self {
        AlertOutbox {
            tx: None,
            backlog: VecDeque::new(),
            limit: 0,
            stats: AlertDelivery::default(),
        }
    }

    pub fn new(tx: mpsc::Sender<Alert>, backlog_limit: usize) -> Self {
        AlertOutbox {
            tx: Some(tx),
            limit: backlog_limit.max(1),
            ..AlertOutbox::none()
        }
    }

    /// Sends the backlog, then `fired`, in order, as far as the channel takes them.
    pub fn deliver(&mut self, fired: Vec<Arc<Alert>>) {
        if self.tx.is_none() {
            return;
        }
        let fresh = fired.len();
        self.backlog.extend(fired);
        self.flush();
        // What is still waiting from this round is at the back of the backlog.
        self.stats.deferred += fresh.min(self.backlog.len()) as u64;
        while self.backlog.len() > self.limit {
            self.backlog.pop_front();
            self.stats.dropped += 1;
        }
        self.stats.backlog = self.backlog.len();
    }

    fn flush(&mut self) {
        let Some(tx) = &self.tx else {
            return;
        };
        while let Some(alert) = self.backlog.front() {
            match tx.try_send(Alert::clone(alert)) {
                Ok(()) => {
                    self.backlog.pop_front();
                    self.stats.delivered += 1;
                }
                Err(TrySendError::Full(_)) => break,
                Err(TrySendError::Closed(_)) => {
                    self.tx = None;
                    self.backlog.clear();
                    self.stats.reader_gone = true;
                    break;
                }
            }
        }
    }

    pub fn stats(&self) -> AlertDelivery {
        self.stats
    }
}
