//! The watch list changed at run time (`:add SOL`, `:rm SOL`): symbols join and leave the
//! engine without touching the state of any other book.
//!
//! The engine keeps its symbols with the watched entries first, in watch-list order (an
//! explicit `venue:INSTRUMENT` entry is found by its position there), then the symbols of books
//! no entry names. Books and symbols live in vectors addressed by index, so a removal rebuilds
//! the indices once; every kept book and symbol is moved, never rebuilt, so its windows,
//! baselines and history carry on as if nothing happened.

use super::{Engine, watch_name};
use crate::engine::alerts::Subject;
use crate::engine::symbol::SymbolState;
use crate::feed::event::{BookKey, WatchChange};
use std::collections::HashSet;

impl Engine {
    pub(super) fn watch_change(&mut self, change: WatchChange) {
        match change {
            WatchChange::Watch(entry) => self.watch(entry),
            WatchChange::BookRemoved(key) => self.remove_book(&key),
            WatchChange::Unwatch(entry) => self.unwatch(&entry),
        }
    }

    /// The watched entries' count: they are the first symbols.
    fn watched(&self) -> usize {
        self.settings.symbols.len()
    }

    /// `entry` joins the watch list, after the entries already there. A symbol already shown
    /// for books no entry named (a replay's) becomes the watched one, books included.
    fn watch(&mut self, entry: String) {
        if self
            .settings
            .symbols
            .iter()
            .any(|s| s.eq_ignore_ascii_case(&entry))
        {
            return;
        }
        let name = watch_name(&entry);
        let watched = self.watched();
        let found = self.symbols[watched..]
            .iter()
            .position(|s| s.name().eq_ignore_ascii_case(&name))
            .map(|i| watched + i);
        let at = found.unwrap_or_else(|| {
            self.symbols
                .push(SymbolState::new(&name, self.settings.engine.history_len));
            self.symbol_books.push(Vec::new());
            self.symbols.len() - 1
        });
        self.settings.symbols.push(entry);
        let order: Vec<usize> = (0..watched)
            .chain([at])
            .chain((watched..self.symbols.len()).filter(|&i| i != at))
            .collect();
        self.rebuild(&order, |_| true);
    }

    /// A venue removed one of its books: it leaves its symbol (an unwatched symbol left with no
    /// book goes too).
    fn remove_book(&mut self, key: &BookKey) {
        let Some(&gone) = self.index.get(key) else {
            return;
        };
        let watched = self.watched();
        let order: Vec<usize> = (0..self.symbols.len())
            .filter(|&s| s < watched || self.symbol_books[s].iter().any(|&i| i != gone))
            .collect();
        self.rebuild(&order, |k| k != key);
    }

    /// `entry` leaves the watch list with every book still under it.
    fn unwatch(&mut self, entry: &str) {
        let Some(at) = self
            .settings
            .symbols
            .iter()
            .position(|s| s.eq_ignore_ascii_case(entry))
        else {
            return;
        };
        self.settings.symbols.remove(at);
        let order: Vec<usize> = (0..self.symbols.len()).filter(|&s| s != at).collect();
        self.rebuild(&order, |_| true);
    }

    /// Keeps the symbols `order` lists, in that order, with their books that `keep` accepts;
    /// everything else is dropped: its features, its alert rule states, its history rows.
    fn rebuild(&mut self, order: &[usize], keep: impl Fn(&BookKey) -> bool) {
        let mut new_of = vec![None; self.symbols.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of[old] = Some(new);
        }
        let mut old_symbols: Vec<Option<SymbolState>> = std::mem::take(&mut self.symbols)
            .into_iter()
            .map(Some)
            .collect();
        self.symbols = order
            .iter()
            .filter_map(|&old| old_symbols[old].take())
            .collect();
        let dropped_symbols: HashSet<_> = old_symbols
            .into_iter()
            .flatten()
            .map(|s| s.name().clone())
            .collect();
        let books = std::mem::take(&mut self.books);
        let book_symbol = std::mem::take(&mut self.book_symbol);
        self.index.clear();
        self.symbol_books = vec![Vec::new(); self.symbols.len()];
        let mut dropped_books = HashSet::new();
        for (book, old) in books.into_iter().zip(book_symbol) {
            match new_of[old] {
                Some(s) if keep(book.key()) => {
                    let i = self.books.len();
                    self.index.insert(book.key().clone(), i);
                    self.book_symbol.push(s);
                    self.symbol_books[s].push(i);
                    self.books.push(book);
                }
                _ => {
                    self.pending_seeds.remove(book.key());
                    dropped_books.insert(book.key().clone());
                }
            }
        }
        for s in 0..self.symbols.len() {
            self.sort_books(s);
        }
        self.alerts.forget(|subject| match subject {
            Subject::Book { key, .. } => dropped_books.contains(key),
            Subject::Symbol(name) => dropped_symbols.contains(name),
        });
    }
}
