//! One WebSocket connection, the same machinery for every venue: mirror the venue's books from
//! the market's ticks, keep the client's subscriptions, publish each at its cadence through the
//! venue's dialect, send keepalives, and inject connection faults (error events, malformed
//! frames, disconnects, stalls, slow acknowledgements) as the SPEC asks.
//!
//! A connection fault is applied to a push (never to an acknowledgement or a pong), and a
//! disconnect or a stall only while every book fault on the connection is settled, so no
//! injected fault is lost unaccounted with the socket. Both take effect after the frames already
//! queued, which the client therefore receives.

use crate::market::{Millis, VenueId};
use crate::sim::catalog::BookId;
use crate::sim::dialect::{Action, Beat, Cadence, Derivs, Dialect, Topic};
use crate::sim::faults::{Dice, FaultKind, FaultSpec, Faults, Scope};
use crate::sim::market::{Market, Mirror, Tick, WireForced};
use crate::sim::stream::{BookStream, FaultCtx};
use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

/// How long a closing connection waits for the client's close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// What every connection shares.
#[derive(Debug)]
pub struct Shared {
    pub market: Arc<Market>,
    pub faults: Faults,
    pub seed: u64,
    pub okx_checksums: bool,
    /// See [`crate::sim::SimConfig::okx_pushed_snapshots`].
    pub okx_pushed_snapshots: bool,
    pub cancel: CancellationToken,
}

/// A frame to write.
enum Out {
    /// An answer to the client (acknowledgement, pong, error): never faulted.
    Reply(String),
    /// Market data: connection faults apply.
    Push(String),
    Ping,
}

/// What the connection does after a write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum After {
    Continue,
    Close,
    Stall,
}

enum TopicState {
    Book(Box<BookStream>),
    Trades,
    Liquidations {
        pending: Vec<WireForced>,
        due: Millis,
    },
    Derivs {
        due: Millis,
        first: bool,
    },
}

struct Session {
    venue: VenueId,
    dialect: Box<dyn Dialect>,
    shared: Arc<Shared>,
    dice: Dice,
    mirrors: BTreeMap<BookId, Mirror>,
    topics: BTreeMap<Topic, TopicState>,
    /// Requests whose acknowledgement was made slow, in arrival order.
    delayed: VecDeque<(Instant, Vec<crate::sim::dialect::Action>)>,
    /// When an announced close happens (the `shutdown` fault).
    closing_at: Option<Instant>,
}

/// Serve one client until it leaves, the simulator stops, or a fault ends the connection.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut ws: WebSocketStream<S>,
    dialect: Box<dyn Dialect>,
    conn: u64,
    shared: Arc<Shared>,
) {
    let venue = dialect.venue();
    let (mirrors, mut ticks) = shared.market.join(venue);
    let mut s = Session {
        venue,
        dice: Dice::new(shared.seed, venue, conn),
        dialect,
        shared: shared.clone(),
        mirrors: mirrors.into_iter().collect(),
        topics: BTreeMap::new(),
        delayed: VecDeque::new(),
        closing_at: None,
    };
    let mut out: Vec<Out> = s.dialect.greeting().into_iter().map(Out::Reply).collect();
    let beat = s.dialect.heartbeat();
    let every = beat.as_ref().map_or(Duration::from_secs(3_600), |b| b.0);
    let mut beats = tokio::time::interval_at(Instant::now() + every, every);
    let mut stalled = false;
    loop {
        if !out.is_empty() {
            match s.write(&mut ws, &mut out).await {
                After::Continue => {}
                After::Stall => stalled = true,
                After::Close => break,
            }
        }
        let due = s.delayed.front().map(|(t, _)| *t);
        tokio::select! {
            _ = shared.cancel.cancelled() => break,
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) if !stalled => s.on_request(text.as_str(), &mut out),
                Some(Ok(Message::Binary(bytes))) if !stalled => {
                    s.on_request(&String::from_utf8_lossy(&bytes), &mut out)
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                    s.supersede();
                    return;
                }
                // Pings are answered by the WebSocket layer; a stalled server ignores requests.
                Some(Ok(_)) => {}
            },
            tick = ticks.recv() => match tick {
                Ok(tick) if !stalled => s.on_tick(&tick, &mut out),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    s.shared.faults.ledger.overrun();
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() && !stalled => {
                s.release(&mut out);
            }
            _ = tokio::time::sleep_until(s.closing_at.unwrap_or_else(Instant::now)), if s.closing_at.is_some() => {
                break; // the announced close
            }
            _ = beats.tick(), if beat.is_some() && !stalled => match &beat {
                Some((_, Beat::Ping)) => out.push(Out::Ping),
                Some((_, Beat::Text(text))) if !s.topics.is_empty() => out.push(Out::Reply(text.clone())),
                _ => {}
            },
        }
    }
    s.supersede();
    close(&mut ws).await;
}

/// Close with a close frame and wait (briefly) for the client's, so everything written before
/// reaches it rather than being reset away.
async fn close<S: AsyncRead + AsyncWrite + Unpin>(ws: &mut WebSocketStream<S>) {
    let _ = ws.close(None).await;
    let _ = tokio::time::timeout(CLOSE_GRACE, async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
}

impl Session {
    fn now(&self) -> Millis {
        self.shared.market.clock.now()
    }

    /// Whether every book fault is settled (see the module docs).
    fn settled(&self) -> bool {
        self.topics.values().all(|t| match t {
            TopicState::Book(stream) => stream.settled(),
            _ => true,
        })
    }

    /// The connection ends: its streams' unrevealed faults never will be.
    fn supersede(&self) {
        for t in self.topics.values() {
            if let TopicState::Book(stream) = t {
                stream.supersede(&self.shared.faults.ledger);
            }
        }
    }

    fn on_request(&mut self, text: &str, out: &mut Vec<Out>) {
        let actions = self.dialect.request(text, self.now());
        let subscribes = actions
            .iter()
            .any(|a| matches!(a, Action::Subscribe { .. }));
        let delay = if subscribes {
            self.dice.slow_ack(&self.shared.faults.spec())
        } else {
            None
        };
        if delay.is_some() {
            self.shared
                .faults
                .ledger
                .injected(self.venue, FaultKind::SlowAck);
        }
        if delay.is_none() && self.delayed.is_empty() {
            self.act(actions, out);
            return;
        }
        // Later requests wait behind a slow one, so answers keep their order.
        let mut at = Instant::now() + delay.unwrap_or_default();
        if let Some((last, _)) = self.delayed.back() {
            at = at.max(*last);
        }
        self.delayed.push_back((at, actions));
    }

    fn release(&mut self, out: &mut Vec<Out>) {
        let now = Instant::now();
        while self.delayed.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, actions)) = self.delayed.pop_front() {
                self.act(actions, out);
            }
        }
    }

    fn act(&mut self, actions: Vec<Action>, out: &mut Vec<Out>) {
        let now = self.now();
        for action in actions {
            match action {
                Action::Send(text) => out.push(Out::Reply(text)),
                Action::Unsubscribe(topic) => self.drop_topic(topic),
                Action::Subscribe { topic, depth } => {
                    self.drop_topic(topic);
                    let state = match topic {
                        Topic::Book(b) => {
                            let Some(mirror) = self.mirrors.get(&b) else {
                                continue;
                            };
                            let feed = self.dialect.book_feed();
                            let mut stream = BookStream::new(b, depth, feed, &self.shared.market);
                            if !feed.scheme.rest_synced() {
                                // The view the updates are diffed from, pushed or not. Without
                                // the push the client joins a REST snapshot to the updates.
                                let msg = stream.snapshot(mirror, now);
                                let pushed =
                                    self.venue != VenueId::Okx || self.shared.okx_pushed_snapshots;
                                if pushed {
                                    out.push(Out::Push(self.dialect.book(&msg)));
                                }
                            }
                            TopicState::Book(Box::new(stream))
                        }
                        Topic::Trades(_) => TopicState::Trades,
                        Topic::Liquidations(_) => TopicState::Liquidations {
                            pending: Vec::new(),
                            due: 0,
                        },
                        Topic::Ticker(_)
                        | Topic::Mark(_)
                        | Topic::Funding(_)
                        | Topic::OpenInterest(_) => TopicState::Derivs {
                            due: 0,
                            first: true,
                        },
                    };
                    self.topics.insert(topic, state);
                }
            }
        }
    }

    fn drop_topic(&mut self, topic: Topic) {
        if let Some(TopicState::Book(stream)) = self.topics.remove(&topic) {
            stream.supersede(&self.shared.faults.ledger);
        }
    }

    fn on_tick(&mut self, tick: &Tick, out: &mut Vec<Out>) {
        for (b, mirror) in &mut self.mirrors {
            if let Some(Some(bt)) = tick.books.get(*b) {
                mirror.apply(bt);
            }
        }
        // Once a close is announced no book fault is started here: the client will leave this
        // connection for a new one, and a fault still pending then would be lost with it.
        match self.closing_at {
            Some(_) => self.push_tick(tick, &FaultSpec::none(), out),
            None => {
                let shared = self.shared.clone();
                shared
                    .faults
                    .with_spec(|spec| self.push_tick(tick, spec, out))
            }
        }
    }

    /// The pushes of one tick for this connection's topics, book faults decided under `spec`.
    fn push_tick(&mut self, tick: &Tick, spec: &FaultSpec, out: &mut Vec<Out>) {
        let Session {
            dialect,
            shared,
            dice,
            mirrors,
            topics,
            ..
        } = self;
        let mut ctx = FaultCtx {
            dice,
            spec,
            ledger: &shared.faults.ledger,
            market: &shared.market,
        };
        let now = tick.time;
        for (topic, state) in topics.iter_mut() {
            let b = topic.book();
            let Some(Some(bt)) = tick.books.get(b) else {
                continue;
            };
            match state {
                TopicState::Book(stream) => {
                    let Some(mirror) = mirrors.get(&b) else {
                        continue;
                    };
                    for msg in stream.on_tick(mirror, bt, now, &mut ctx) {
                        out.push(Out::Push(dialect.book(&msg)));
                    }
                }
                TopicState::Trades => {
                    if !bt.fills.is_empty() {
                        out.extend(dialect.trades(b, &bt.fills, now).into_iter().map(Out::Push));
                    }
                }
                TopicState::Liquidations { pending, due } => {
                    pending.extend_from_slice(&bt.forced);
                    let (period, latest_only) = match dialect.cadence(*topic) {
                        Cadence::EveryStep => (Duration::ZERO, false),
                        Cadence::Every(d) => (d, false),
                        Cadence::Latest(d) => (d, true),
                    };
                    if now >= *due && !pending.is_empty() {
                        if latest_only {
                            pending.drain(..pending.len() - 1);
                        }
                        out.extend(
                            dialect
                                .liquidations(b, pending, now)
                                .into_iter()
                                .map(Out::Push),
                        );
                        pending.clear();
                        *due = now + period.as_millis() as Millis;
                    }
                }
                TopicState::Derivs { due, first } => {
                    let Some(state) = bt.derivs else {
                        continue;
                    };
                    if now < *due {
                        continue;
                    }
                    let d = Derivs::at(state, now);
                    if let Some(frame) = dialect.derivs(*topic, &d, now, *first) {
                        out.push(Out::Push(frame));
                    }
                    *first = false;
                    let period = match dialect.cadence(*topic) {
                        Cadence::EveryStep => Duration::ZERO,
                        Cadence::Every(d) | Cadence::Latest(d) => d,
                    };
                    *due = now + period.as_millis() as Millis;
                }
            }
        }
    }

    /// The connection fault for one push, if the dice give one, recorded in the ledger under
    /// the spec in force (read per frame and held while deciding, so a storm ends at once).
    fn push_fault(&mut self, text: &str, after: &mut After) -> Option<String> {
        let shared = self.shared.clone();
        let ledger = &shared.faults.ledger;
        shared.faults.with_spec(|spec| {
            // After a close is announced, the client may switch to its new connection and
            // close this one at any moment, unread frames and all: a bad frame injected then
            // could be lost without a trace, so none is.
            match self.dice.roll(spec, Scope::Push) {
                Some(FaultKind::Error | FaultKind::Malformed) if self.closing_at.is_some() => None,
                Some(FaultKind::Error) => {
                    ledger.injected(self.venue, FaultKind::Error);
                    Some(self.dialect.venue_error(self.shared.market.clock.now()))
                }
                Some(FaultKind::Malformed) => {
                    ledger.injected(self.venue, FaultKind::Malformed);
                    let mut cut = self.dice.cut(text.len());
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    Some(text[..cut].to_owned())
                }
                Some(FaultKind::Shutdown)
                    if *after == After::Continue && self.closing_at.is_none() && self.settled() =>
                {
                    let notice = self.dialect.shutdown_notice(self.shared.market.clock.now());
                    if notice.is_some() {
                        ledger.injected(self.venue, FaultKind::Shutdown);
                        let grace = spec
                            .rate(self.venue, FaultKind::Shutdown)
                            .duration
                            .unwrap_or(crate::sim::faults::spec::SHUTDOWN_GRACE);
                        self.closing_at = Some(Instant::now() + grace);
                    }
                    notice
                }
                // One ending per connection: none after a close was announced.
                Some(kind @ (FaultKind::Disconnect | FaultKind::Stall))
                    if *after == After::Continue && self.closing_at.is_none() && self.settled() =>
                {
                    ledger.injected(self.venue, kind);
                    *after = if kind == FaultKind::Disconnect {
                        After::Close
                    } else {
                        After::Stall
                    };
                    None
                }
                _ => None,
            }
        })
    }

    /// Write `out` (draining it), injecting connection faults into pushes.
    async fn write<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        ws: &mut WebSocketStream<S>,
        out: &mut Vec<Out>,
    ) -> After {
        let mut after = After::Continue;
        for frame in out.drain(..) {
            let text = match frame {
                Out::Ping => {
                    if ws.feed(Message::Ping(Default::default())).await.is_err() {
                        return After::Close;
                    }
                    continue;
                }
                Out::Reply(text) => text,
                Out::Push(text) => {
                    let extra = self.push_fault(&text, &mut after);
                    if let Some(extra) = extra
                        && ws.feed(Message::text(extra)).await.is_err()
                    {
                        return After::Close;
                    }
                    text
                }
            };
            if ws.feed(Message::text(text)).await.is_err() {
                return After::Close;
            }
        }
        if ws.flush().await.is_err() {
            return After::Close;
        }
        after
    }
}
