//! Resume from the history store: a reader whose `Last-Event-ID` is older than the hub's ring
//! of recent ticks gets the 1-s rows it missed (`history` events) before the ticks the ring
//! still holds.
//!
//! The rows are read in pages of at most [`PAGE_ROWS`], book by book along the store's primary
//! key, in a blocking task: a reader resuming a day never holds more than a page, and its
//! reads never run on the threads that serve the other readers. Seconds the store does not hold
//! (before its retention, or while nothing was recorded) are reported as a gap, never skipped
//! silently.

use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::history::query::{self, StoredBook};
use crate::history::{HistoryError, Store};
use crate::market::Nanos;

use super::view::timestamp;

/// The most 1-s rows one page reads from the store.
pub const PAGE_ROWS: usize = 2_000;

/// Where the history store is, for readers that resume from it.
#[derive(Clone, Debug)]
pub struct HistorySource {
    pub path: PathBuf,
}

/// One second of stored rows, every wanted book.
#[derive(Debug, PartialEq)]
pub struct Second {
    pub t: i64,
    /// Index into [`Pager::books`], values in [`query::second_fields`] order.
    pub rows: Vec<(usize, Vec<Option<f64>>)>,
}

/// What one page holds.
#[derive(Debug, Default, PartialEq)]
pub struct Page {
    /// Seconds `[from, to)` missing before the page's first second (two or more in a row).
    pub gap: Option<(i64, i64)>,
    pub seconds: Vec<Second>,
    /// No seconds left in the range.
    pub done: bool,
}

/// A cursor through the stored 1-s rows of the seconds `after < t < end`.
#[derive(Debug)]
pub struct Pager {
    source: HistorySource,
    store: Option<Store>,
    /// The wanted symbols (upper case; empty: all).
    wanted: Vec<String>,
    books: Vec<StoredBook>,
    fields: Vec<(String, &'static str)>,
    /// The last second delivered (or skipped as a gap).
    cursor: i64,
    end: i64,
    page_rows: usize,
}

impl Pager {
    pub fn new(source: HistorySource, wanted: &[String], after: i64, end: i64) -> Pager {
        Pager {
            source,
            store: None,
            wanted: wanted.to_vec(),
            books: Vec::new(),
            fields: query::second_fields(),
            cursor: after,
            end,
            page_rows: PAGE_ROWS,
        }
    }

    #[cfg(test)]
    fn with_page_rows(mut self, rows: usize) -> Pager {
        self.page_rows = rows;
        self
    }

    /// The last second covered (delivered or reported missing).
    pub fn cursor(&self) -> i64 {
        self.cursor
    }

    pub fn end(&self) -> i64 {
        self.end
    }

    fn open(&mut self) -> Result<&Store, HistoryError> {
        if self.store.is_none() {
            let store = Store::open_read(&self.source.path)?;
            self.books = query::books(&store)?
                .into_iter()
                .filter(|b| {
                    self.wanted.is_empty()
                        || self
                            .wanted
                            .iter()
                            .any(|w| w.eq_ignore_ascii_case(&b.symbol))
                })
                .collect();
            self.store = Some(store);
        }
        Ok(self.store.as_ref().expect("opened above"))
    }

    /// The next page (blocking: call it from a blocking task).
    pub fn next_page(&mut self) -> Result<Page, HistoryError> {
        let (cursor, end, page_rows) = (self.cursor, self.end, self.page_rows);
        self.open()?;
        let store = self.store.as_ref().expect("opened");
        let mut start: Option<i64> = None;
        for book in &self.books {
            if let Some(t) = query::next_second(store, book.id, cursor, end)? {
                start = Some(start.map_or(t, |s| s.min(t)));
            }
        }
        let Some(start) = start else {
            // Covered through `end - 1`: the ticks of second `end` on come from the ring.
            self.cursor = (end - 1).max(cursor);
            return Ok(Page {
                gap: (end > cursor + 2).then_some((cursor + 1, end)),
                seconds: Vec::new(),
                done: true,
            });
        };
        // Every book has at most one row a second, so a window of this many seconds holds at
        // most `page_rows` rows.
        let window = (page_rows / self.books.len().max(1)).max(1) as i64;
        let until = (start + window).min(end);
        let mut seconds: Vec<Second> = Vec::new();
        for (i, book) in self.books.iter().enumerate() {
            for (t, values) in query::second_rows(store, book.id, start, until)? {
                match seconds.iter_mut().find(|s| s.t == t) {
                    Some(second) => second.rows.push((i, values)),
                    None => seconds.push(Second {
                        t,
                        rows: vec![(i, values)],
                    }),
                }
            }
        }
        seconds.sort_by_key(|s| s.t);
        // A hole inside the window ends the page there, so the next page reports it in order.
        if let Some(hole) = seconds.windows(2).position(|w| w[1].t > w[0].t + 2) {
            seconds.truncate(hole + 1);
        }
        self.cursor = seconds.last().map_or(until - 1, |s| s.t);
        Ok(Page {
            gap: (start > cursor + 2).then_some((cursor + 1, start)),
            seconds,
            done: self.cursor >= end - 1,
        })
    }

    /// The `history` event's JSON for one second: every book's stored values by name, `null`
    /// where nothing was measured.
    pub fn json(&self, second: &Second, id: &str, mode: &str) -> String {
        let books: Vec<Value> = second
            .rows
            .iter()
            .map(|(i, values)| {
                let book = &self.books[*i];
                let mut obj = Map::new();
                obj.insert("symbol".into(), book.symbol.clone().into());
                obj.insert("venue".into(), book.venue.clone().into());
                obj.insert("instrument".into(), book.instrument.clone().into());
                for ((name, _), v) in self.fields.iter().zip(values) {
                    obj.insert(
                        name.clone(),
                        v.and_then(serde_json::Number::from_f64)
                            .map_or(Value::Null, Value::Number),
                    );
                }
                Value::Object(obj)
            })
            .collect();
        serde_json::json!({
            "id": id,
            "replayed": true,
            "interval": "1s",
            "t": second.t,
            "timestamp": timestamp((second.t.max(0) as Nanos) * 1_000_000_000),
            "mode": mode,
            "books": books,
        })
        .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::BookRow;
    use crate::history::columns::{index_of, width};

    /// A scratch directory, removed at the end of the test.
    struct Dir(std::path::PathBuf);

    impl Dir {
        fn new(name: &str) -> Dir {
            let path = std::env::temp_dir()
                .join(format!("depthscope-resume-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Dir(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn row(venue: &str, symbol: &str, mid: f64) -> BookRow {
        let mut values = vec![None; width()];
        values[index_of("mid").unwrap()] = Some(mid);
        BookRow {
            venue: venue.into(),
            instrument: format!("{symbol}-USDT"),
            symbol: symbol.into(),
            values,
        }
    }

    /// A store with BTC on two venues and ETH on one for seconds 100..160, nothing in 130..140.
    fn fixture(dir: &std::path::Path) -> HistorySource {
        let path = dir.join("h.sqlite");
        let mut store = Store::open_write(&path).unwrap();
        for t in (100..160).filter(|t| !(130..140).contains(t)) {
            let rows = [
                row("binance", "BTC", 1000.0 + t as f64),
                row("okx", "BTC", 2000.0 + t as f64),
                row("okx", "ETH", 3000.0 + t as f64),
            ];
            store.write_second(t, &rows, &[]).unwrap();
        }
        HistorySource { path }
    }

    fn drain(mut pager: Pager) -> (Vec<Page>, Pager) {
        let mut pages = Vec::new();
        loop {
            let page = pager.next_page().unwrap();
            let done = page.done;
            pages.push(page);
            if done {
                return (pages, pager);
            }
        }
    }

    #[test]
    fn pages_are_bounded_and_cover_every_second_with_the_gap_reported() {
        let dir = Dir::new("pages");
        let source = fixture(&dir.0);
        let pager = Pager::new(source, &["BTC".into()], 104, 150).with_page_rows(8);
        let (pages, pager) = drain(pager);
        let mut seen = Vec::new();
        for page in &pages {
            let rows: usize = page.seconds.iter().map(|s| s.rows.len()).sum();
            assert!(rows <= 8, "a page holds {rows} rows");
            seen.extend(page.seconds.iter().map(|s| s.t));
            for s in &page.seconds {
                assert_eq!(s.rows.len(), 2, "both BTC books, not ETH");
            }
        }
        let expected: Vec<i64> = (105..150).filter(|t| !(130..140).contains(t)).collect();
        assert_eq!(seen, expected);
        let gaps: Vec<_> = pages.iter().filter_map(|p| p.gap).collect();
        assert_eq!(gaps, [(130, 140)]);
        assert_eq!(pager.cursor(), 149);
        let json: Value =
            serde_json::from_str(&pager.json(&pages[0].seconds[0], "1:h:105000", "simulated"))
                .unwrap();
        assert_eq!(json["t"], 105);
        assert_eq!(json["replayed"], true);
        assert_eq!(json["books"][0]["venue"], "binance");
        assert_eq!(json["books"][0]["mid"], 1105.0);
        assert_eq!(json["books"][1]["mid"], 2105.0);
        assert!(json["books"][0]["spread_bps"].is_null());
    }

    #[test]
    fn a_range_beyond_what_is_kept_is_one_gap() {
        let dir = Dir::new("beyond");
        let source = fixture(&dir.0);
        let (pages, _) = drain(Pager::new(source.clone(), &[], 10, 102));
        assert_eq!(pages[0].gap, Some((11, 100)), "{pages:?}");
        assert_eq!(pages.last().unwrap().seconds.last().unwrap().t, 101);
        let (pages, pager) = drain(Pager::new(source, &[], 200, 300));
        assert_eq!(
            pager.cursor(),
            299,
            "the ring's first second is not skipped"
        );
        assert_eq!(
            pages,
            [Page {
                gap: Some((201, 300)),
                seconds: vec![],
                done: true
            }]
        );
    }

    #[test]
    fn a_missing_store_is_an_error_not_an_empty_history() {
        let dir = Dir::new("missing");
        let source = HistorySource {
            path: dir.0.join("none.sqlite"),
        };
        assert!(Pager::new(source, &[], 0, 10).next_page().is_err());
    }
}
