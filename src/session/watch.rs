//! `:add SOL` / `:rm SOL` applied to the running session.
//!
//! Each venue task, once its instrument list is loaded and its feed runs, registers its list
//! and a control channel here ([`WatchRegistry`]). A change is resolved against each venue's
//! list exactly as the watch list is at start (the same [`Catalog::resolve`] on the old and new
//! lists; the difference is what to add and remove, so a USDT/USD rate book another symbol
//! still needs stays), then applied in the order the engine must see it: the engine watches a
//! symbol before its books arrive; it unwatches one only after every venue has removed the
//! books (their last events are then queued before the unwatch). Nothing else is touched: no
//! connection restarts and no other book resyncs.

use crate::config::watchlist::Edit;
use crate::control::{WatchApplied, WatchReply, WatchRequest};
use crate::feed::adapter::Resubscribe;
use crate::feed::event::{MarketEvent, WatchChange};
use crate::feed::runtime::Control;
use crate::instrument::Instrument;
use crate::instrument::catalog::Catalog;
use crate::market::VenueId;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// How long a venue task may take to apply a change (it is applied between two frames; only a
/// venue stuck behind a full engine queue takes longer).
const APPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A running venue: its instrument list and its feed's control channel.
struct Running {
    catalog: Catalog,
    control: mpsc::Sender<Control>,
}

/// The running venues, as each registers once its feed starts, and the watch list as last
/// changed at run time.
#[derive(Clone, Default)]
pub struct WatchRegistry(Arc<Mutex<Registered>>);

#[derive(Default)]
struct Registered {
    venues: BTreeMap<VenueId, Running>,
    /// The watch list of the last change planned (`None`: the start's).
    symbols: Option<Vec<String>>,
}

/// What a venue keeps at start ([`WatchRegistry::register`]): the watched instruments of each
/// venue with the problems resolving them, and the venue's whole instrument list.
pub type Resolved = (
    (BTreeMap<VenueId, Vec<Instrument>>, Vec<String>),
    Vec<Instrument>,
);

impl WatchRegistry {
    /// Registers `venue`'s feed and resolves what it watches against the watch list as it is
    /// now (`start` until a change was made), in one step: a change made while the venue was
    /// still loading its instrument list reaches it (a venue that registered before the change
    /// is in the change's plan; one that registers after starts with the changed list).
    pub fn register(
        &self,
        venue: VenueId,
        catalog: Catalog,
        control: mpsc::Sender<Control>,
        start: &[String],
    ) -> Resolved {
        let listed = catalog.venue(venue).to_vec();
        let Ok(mut registered) = self.0.lock() else {
            return (catalog.resolve(start, &[venue]), listed);
        };
        let symbols = registered.symbols.as_deref().unwrap_or(start);
        let resolved = catalog.resolve(symbols, &[venue]);
        registered
            .venues
            .insert(venue, Running { catalog, control });
        (resolved, listed)
    }

    /// Sets the watch list venues registering from now on start with.
    fn set_symbols(&self, symbols: &[String]) {
        if let Ok(mut registered) = self.0.lock() {
            registered.symbols = Some(symbols.to_vec());
        }
    }
}

/// The session's side of watch-list changes.
pub struct Watcher {
    /// The watch list as applied.
    symbols: Vec<String>,
    venues: Vec<VenueId>,
    registry: WatchRegistry,
    /// The engine's event queue.
    engine: mpsc::Sender<MarketEvent>,
}

/// One venue's part of a change.
struct Plan {
    venue: VenueId,
    control: mpsc::Sender<Control>,
    change: Resubscribe,
}

impl Watcher {
    pub fn new(
        symbols: Vec<String>,
        venues: Vec<VenueId>,
        registry: WatchRegistry,
        engine: mpsc::Sender<MarketEvent>,
    ) -> Self {
        Watcher {
            symbols,
            venues: venues
                .into_iter()
                .filter(|v| crate::venue::registry::is_implemented(*v))
                .collect(),
            registry,
            engine,
        }
    }

    /// Serves requests one at a time until the UI is gone or `cancel` fires.
    pub async fn serve(
        mut self,
        mut requests: mpsc::Receiver<WatchRequest>,
        cancel: CancellationToken,
    ) {
        loop {
            let request = tokio::select! {
                () = cancel.cancelled() => return,
                request = requests.recv() => match request {
                    Some(r) => r,
                    None => return,
                },
            };
            let outcome = self.apply(&request.edit).await;
            let reply = WatchReply {
                edit: request.edit,
                outcome,
            };
            let _ = request.reply.send(reply).await;
        }
    }

    /// Applies `edit` to the running feeds and the engine.
    pub async fn apply(&mut self, edit: &Edit) -> Result<WatchApplied, String> {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        let mut symbols = self.symbols.clone();
        match edit {
            Edit::Add(s) if symbols.iter().any(|x| same(x, s)) => {
                return Err(format!("{s} is already watched"));
            }
            Edit::Add(s) => symbols.push(s.clone()),
            Edit::Remove(s) if !symbols.iter().any(|x| same(x, s)) => {
                return Err(format!("{s} is not watched"));
            }
            Edit::Remove(_) if symbols.len() == 1 => {
                return Err("the watch list cannot be empty: add another symbol first".into());
            }
            Edit::Remove(s) => symbols.retain(|x| !same(x, s)),
        }
        let (plans, mut applied) = self.plan(&symbols);
        if let Edit::Add(s) = edit
            && plans.is_empty()
        {
            self.registry.set_symbols(&self.symbols);
            return Err(not_added(s, &applied));
        }
        if let Edit::Add(s) = edit {
            self.to_engine(WatchChange::Watch(s.clone())).await?;
        }
        for plan in plans {
            let books = plan.change.add.len() + plan.change.remove.len();
            let (done, answered) = oneshot::channel();
            let control = Control {
                change: plan.change,
                done,
            };
            let sent = plan.control.send(control).await.is_ok();
            let answered = tokio::time::timeout(APPLY_TIMEOUT, answered).await;
            if !sent || !matches!(answered, Ok(Ok(()))) {
                tracing::warn!(venue = %plan.venue, "the venue did not apply a watch-list change");
                applied.not_running.push(plan.venue);
                continue;
            }
            applied.changed.push((plan.venue, books));
        }
        if let Edit::Add(s) = edit
            && applied.changed.is_empty()
        {
            // Every venue that lists it failed to take it: nothing was applied after all.
            self.registry.set_symbols(&self.symbols);
            self.to_engine(WatchChange::Unwatch(s.clone())).await?;
            return Err(not_added(s, &applied));
        }
        if let Edit::Remove(s) = edit {
            self.to_engine(WatchChange::Unwatch(s.clone())).await?;
        }
        self.symbols = symbols;
        Ok(applied)
    }

    /// Each running venue's books to add and remove for the watch list `symbols`, and the
    /// venues that list nothing for it or are not running.
    fn plan(&self, symbols: &[String]) -> (Vec<Plan>, WatchApplied) {
        let mut applied = WatchApplied::default();
        let mut plans = Vec::new();
        let Ok(mut registered) = self.registry.0.lock() else {
            applied.not_running = self.venues.clone();
            return (plans, applied);
        };
        // Under the same lock as the venues read: a venue registering after this plan starts
        // with `symbols` ([`WatchRegistry::register`]).
        registered.symbols = Some(symbols.to_vec());
        for &venue in &self.venues {
            let Some(r) = registered.venues.get(&venue) else {
                applied.not_running.push(venue);
                continue;
            };
            let before = chosen(&r.catalog, &self.symbols, venue);
            let after = chosen(&r.catalog, symbols, venue);
            let listed = r.catalog.venue(venue);
            let add: Vec<Instrument> = after
                .iter()
                .filter(|i| !before.iter().any(|b| b.id == i.id))
                // An explicit entry the list does not hold would be a guess: never added.
                .filter(|i| listed.iter().any(|l| l.id == i.id))
                .cloned()
                .collect();
            let remove: Vec<String> = before
                .iter()
                .filter(|b| !after.iter().any(|i| i.id == b.id))
                .map(|b| b.id.clone())
                .collect();
            if add.is_empty() && remove.is_empty() {
                applied.not_listed.push(venue);
                continue;
            }
            plans.push(Plan {
                venue,
                control: r.control.clone(),
                change: Resubscribe { add, remove },
            });
        }
        (plans, applied)
    }

    async fn to_engine(&self, change: WatchChange) -> Result<(), String> {
        self.engine
            .send(MarketEvent::Watch(change))
            .await
            .map_err(|_| "the engine has stopped".to_owned())
    }
}

/// What `venue` keeps for the watch list `symbols`.
fn chosen(catalog: &Catalog, symbols: &[String], venue: VenueId) -> Vec<Instrument> {
    let (mut chosen, _) = catalog.resolve(symbols, &[venue]);
    chosen.remove(&venue).unwrap_or_default()
}

/// Why `symbol` was added nowhere.
fn not_added(symbol: &str, applied: &WatchApplied) -> String {
    let names = |venues: &[VenueId]| {
        venues
            .iter()
            .map(|v| v.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (
        applied.not_listed.is_empty(),
        applied.not_running.is_empty(),
    ) {
        (false, true) => format!(
            "{symbol} is not listed on any watched venue ({} checked); nothing changed",
            applied.not_listed.len()
        ),
        (true, false) => format!(
            "{symbol}: no venue took it ({} not running yet); nothing changed",
            names(&applied.not_running)
        ),
        (true, true) => format!("{symbol}: no venue is watched; nothing changed"),
        (false, false) => format!(
            "{symbol} is not listed on {}, and {} not running yet; nothing changed",
            names(&applied.not_listed),
            names(&applied.not_running)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::event::BookKey;
    use crate::instrument::catalog::VenueList;
    use crate::instrument::guess;

    fn okx() -> Catalog {
        Catalog::from_lists([VenueList {
            venue: VenueId::Okx,
            fetched_ns: 0,
            instruments: ["BTC-USDT", "SOL-USDT", "SOL-USDT-SWAP"]
                .iter()
                .map(|id| guess(VenueId::Okx, id))
                .collect(),
        }])
    }

    /// A venue task that applies each change by publishing one event per book (as the driver
    /// does for a removal) before it answers.
    fn venue(engine: mpsc::Sender<MarketEvent>) -> mpsc::Sender<Control> {
        let (tx, mut rx) = mpsc::channel::<Control>(4);
        tokio::spawn(async move {
            while let Some(ctl) = rx.recv().await {
                let books = ctl.change.add.iter().map(|i| i.id.clone());
                for id in books.chain(ctl.change.remove.iter().cloned()) {
                    let key = BookKey::new(VenueId::Okx, &id);
                    let event = MarketEvent::Watch(WatchChange::BookRemoved(key));
                    engine.send(event).await.unwrap();
                }
                let _ = ctl.done.send(());
            }
        });
        tx
    }

    fn drain(rx: &mut mpsc::Receiver<MarketEvent>) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv().ok())
            .map(|e| match e {
                MarketEvent::Watch(WatchChange::Watch(s)) => format!("watch {s}"),
                MarketEvent::Watch(WatchChange::Unwatch(s)) => format!("unwatch {s}"),
                MarketEvent::Watch(WatchChange::BookRemoved(k)) => {
                    format!("venue {}", k.instrument)
                }
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[tokio::test]
    async fn changes_reach_the_engine_around_the_venues_in_the_order_it_needs() {
        let (engine, mut seen) = mpsc::channel(64);
        let registry = WatchRegistry::default();
        registry.register(VenueId::Okx, okx(), venue(engine.clone()), &["BTC".into()]);
        let venues = vec![VenueId::Okx, VenueId::Kraken];
        let mut w = Watcher::new(vec!["BTC".into()], venues, registry, engine);

        // Watched before its books come; Kraken has no list yet and says so.
        let applied = w.apply(&Edit::Add("SOL".into())).await.unwrap();
        assert_eq!(applied.changed, [(VenueId::Okx, 2)]);
        assert_eq!(applied.not_running, [VenueId::Kraken]);
        assert_eq!(
            drain(&mut seen),
            ["watch SOL", "venue SOL-USDT", "venue SOL-USDT-SWAP"]
        );

        // Refusals change nothing and reach nobody.
        let err = w.apply(&Edit::Add("DOGE".into())).await.unwrap_err();
        assert!(
            err.contains("DOGE is not listed on okx, and kraken not running"),
            "{err}"
        );
        assert!(
            w.apply(&Edit::Add("sol".into()))
                .await
                .unwrap_err()
                .contains("already")
        );
        assert!(
            w.apply(&Edit::Remove("ETH".into()))
                .await
                .unwrap_err()
                .contains("not watched")
        );
        assert!(drain(&mut seen).is_empty());

        // Unwatched after the venue removed its books.
        let applied = w.apply(&Edit::Remove("SOL".into())).await.unwrap();
        assert_eq!(applied.changed, [(VenueId::Okx, 2)]);
        assert_eq!(
            drain(&mut seen),
            ["venue SOL-USDT", "venue SOL-USDT-SWAP", "unwatch SOL"]
        );
        let err = w.apply(&Edit::Remove("BTC".into())).await.unwrap_err();
        assert!(err.contains("cannot be empty"), "{err}");
    }

    /// A venue still loading its instrument list when a symbol is added is not in the change
    /// (it is not running yet) and starts with the changed list when it registers.
    #[tokio::test]
    async fn a_venue_registering_after_a_change_starts_with_the_changed_list() {
        let (engine, _seen) = mpsc::channel(64);
        let registry = WatchRegistry::default();
        registry.register(VenueId::Okx, okx(), venue(engine.clone()), &["BTC".into()]);
        let venues = vec![VenueId::Okx, VenueId::Kraken];
        let mut w = Watcher::new(vec!["BTC".into()], venues, registry.clone(), engine);
        let applied = w.apply(&Edit::Add("SOL".into())).await.unwrap();
        assert_eq!(applied.not_running, [VenueId::Kraken]);
        // A venue registering now (the fixture's OKX list again, for Kraken's) resolves the
        // list with SOL, not the start's.
        let ((chosen, _), _) =
            registry.register(VenueId::Okx, okx(), mpsc::channel(1).0, &["BTC".into()]);
        let ids: Vec<&str> = chosen[&VenueId::Okx]
            .iter()
            .map(|i| i.id.as_str())
            .collect();
        assert!(
            ids.contains(&"SOL-USDT") && ids.contains(&"BTC-USDT"),
            "{ids:?}"
        );
    }

    #[tokio::test]
    async fn an_add_no_venue_took_is_taken_back() {
        let (engine, mut seen) = mpsc::channel(64);
        let registry = WatchRegistry::default();
        let (gone, _) = mpsc::channel(1);
        registry.register(VenueId::Okx, okx(), gone, &["BTC".into()]);
        let mut w = Watcher::new(
            vec!["BTC".into()],
            vec![VenueId::Okx],
            registry.clone(),
            engine,
        );
        let err = w.apply(&Edit::Add("SOL".into())).await.unwrap_err();
        assert!(err.contains("not running"), "{err}");
        // A venue starting now starts with the list as it stands, without SOL.
        let ((chosen, _), _) =
            registry.register(VenueId::Okx, okx(), mpsc::channel(1).0, &["BTC".into()]);
        assert!(chosen[&VenueId::Okx].iter().all(|i| !i.id.contains("SOL")));
        assert_eq!(drain(&mut seen), ["watch SOL", "unwatch SOL"]);
        // Not in the list: adding it again is tried again.
        assert!(w.apply(&Edit::Add("SOL".into())).await.is_err());
    }
}
