//! `depthscope history backfill`: the same backfill as at start, run on its own: each book is
//! written into the history store where the store has no rows ([`StoreSink`]), with a progress
//! bar per venue on stderr and, on stdout, what was fetched (a line per book, or every series
//! as JSON) and a summary of what was written and kept.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::history::Store;
use crate::history::backfill::Written;
use crate::instrument::catalog::Catalog;
use crate::market::VenueId;
use crate::venue::registry::VenueOptions;

use super::rows;
use super::run::{
    BackfillConfig, BackfillProgress, BackfillSink, BackfillState, VenueProgress, drain,
    run_backfill,
};
use super::series::BookHistory;
use super::start::{now_ms, targets};

/// What `history backfill` fetches.
pub struct BackfillRequest<'a> {
    pub venues: &'a [VenueId],
    pub symbols: &'a [String],
    pub options: &'a BTreeMap<VenueId, VenueOptions>,
    /// The instrument-list cache (`None` for the simulator).
    pub cache: Option<&'a Path>,
    pub hours: f64,
}

/// Resolves the symbols, backfills them into `sink` and returns the final progress. Errors are
/// what leaves nothing to fetch.
pub async fn run(
    req: BackfillRequest<'_>,
    sink: &mut dyn BackfillSink,
) -> Result<BackfillProgress, String> {
    if !(req.hours.is_finite() && req.hours > 0.0 && req.hours <= 24.0 * 30.0) {
        return Err(format!("--hours must be in (0, 720], not {}", req.hours));
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("depthscope/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    let (catalog, _) =
        Catalog::load_recorded(req.venues, req.options, req.cache, &http, None).await;
    let (chosen, problems) = catalog.resolve(req.symbols, req.venues);
    for p in problems {
        eprintln!("depthscope: {p}");
    }
    let targets = targets(&chosen, req.options);
    if targets.is_empty() {
        return Err(
            "no watched book is on a venue with public history endpoints (Binance, Bybit, OKX)"
                .into(),
        );
    }
    let cfg = BackfillConfig {
        span: Duration::from_secs_f64(req.hours * 3600.0),
        ..BackfillConfig::default()
    };
    let (tx, rx) = mpsc::channel(64);
    let run = tokio::spawn(run_backfill(
        Arc::new(http),
        targets,
        now_ms(),
        cfg,
        None,
        tx,
        CancellationToken::new(),
    ));
    let last = drain(rx, sink).await;
    let done = run
        .await
        .map_err(|e| format!("the backfill task failed: {e}"))?;
    Ok(last.unwrap_or(done))
}

/// Prints a progress bar per venue (stderr: redrawn in place on a terminal, a line per venue
/// at each quarter and at its end otherwise) and each book as it completes (stdout).
pub struct TerminalSink<W: Write> {
    out: W,
    json: bool,
    in_place: bool,
    started: std::time::Instant,
    /// Lines of the bar last drawn (a terminal), or per venue the quarter last printed.
    drawn: usize,
    printed: Vec<(VenueId, usize)>,
    /// Closed venues already reported.
    reported: usize,
}

impl<W: Write> TerminalSink<W> {
    pub fn new(out: W, json: bool, in_place: bool) -> Self {
        TerminalSink {
            out,
            json,
            in_place,
            started: std::time::Instant::now(),
            drawn: 0,
            printed: Vec::new(),
            reported: 0,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn line(&self, v: &VenueProgress) -> String {
        venue_bar(v, self.started.elapsed())
    }
}

/// `binance-usdm  [#######.......]  12/30 pages, weight 120/480 (budget 480/60 s), ETA 0:42`
pub fn venue_bar(v: &VenueProgress, elapsed: Duration) -> String {
    const WIDTH: usize = 24;
    let fraction = if v.pages_total == 0 {
        1.0
    } else {
        v.pages_done as f64 / v.pages_total as f64
    };
    let filled = ((fraction * WIDTH as f64).round() as usize).min(WIDTH);
    let mut s = format!(
        "{:<13} [{}{}] {:>4}/{} pages, weight {}/{} (budget {}/{:.0} s)",
        v.venue.as_str(),
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        v.pages_done,
        v.pages_total,
        v.weight_done,
        v.weight_total,
        v.budget,
        v.per_s
    );
    if v.pages_done < v.pages_total {
        s.push_str(", ETA ");
        s.push_str(&match eta(fraction, elapsed) {
            Some(left) => format!("{}:{:02}", left.as_secs() / 60, left.as_secs() % 60),
            None => "—".into(),
        });
    } else {
        s.push_str(", done");
    }
    if v.failed > 0 {
        s.push_str(&format!(", {} failed", v.failed));
    }
    s
}

/// The time left at the pace so far; `None` before anything is done.
fn eta(fraction: f64, elapsed: Duration) -> Option<Duration> {
    (fraction > 0.0).then(|| elapsed.mul_f64((1.0 - fraction).max(0.0) / fraction))
}

/// One line per book: what each series holds.
pub fn summary(h: &BookHistory) -> String {
    let span = |first: Option<i64>, last: Option<i64>| match (first, last) {
        (Some(a), Some(b)) => format!(" ({:.1} h)", (b - a) as f64 / 3_600_000.0),
        _ => String::new(),
    };
    let candles = span(
        h.candles.first().map(|c| c.t),
        h.candles.last().map(|c| c.t),
    );
    format!(
        "{:<13} {:<16} candles {:>5}{candles}  prints {:>6}  open interest {:>4}  funding {:>3}  long/short {:>4}  taker volume {:>4}",
        h.key.venue.as_str(),
        h.key.instrument,
        h.candles.len(),
        h.prints.len(),
        h.open_interest.len(),
        h.funding.len(),
        h.long_short.len(),
        h.taker_volume.len()
    )
}

impl<W: Write> BackfillSink for TerminalSink<W> {
    fn progress(&mut self, p: &BackfillProgress) {
        let mut err = std::io::stderr().lock();
        if self.in_place {
            // Back to the first line of the bars drawn last, and over them.
            if self.drawn > 0 {
                let _ = write!(err, "\x1b[{}A", self.drawn);
            }
            for v in &p.venues {
                let _ = writeln!(err, "\r\x1b[2K{}", self.line(v));
            }
            self.drawn = p.venues.len();
        } else {
            for v in &p.venues {
                let quarter = (v.pages_done * 4).checked_div(v.pages_total).unwrap_or(4);
                let last = self.printed.iter_mut().find(|(venue, _)| *venue == v.venue);
                let new = match last {
                    Some((_, q)) if *q == quarter => false,
                    Some((_, q)) => {
                        *q = quarter;
                        true
                    }
                    None => {
                        self.printed.push((v.venue, quarter));
                        true
                    }
                };
                if new {
                    let _ = writeln!(err, "{}", self.line(v));
                }
            }
        }
        for (venue, why) in p.closed.iter().skip(self.reported) {
            let _ = writeln!(err, "{venue}: {why}");
            // The message is not a bar: draw the bars below it next time.
            self.drawn = 0;
        }
        self.reported = p.closed.len();
        if p.state != BackfillState::Running {
            self.drawn = 0;
        }
    }

    fn book(&mut self, h: Arc<BookHistory>) {
        let line = if self.json {
            serde_json::to_string(&*h).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        } else {
            summary(&h)
        };
        let _ = writeln!(self.out, "{line}");
    }
}

/// Writes each book into the history store (where it has no rows) and passes everything on
/// to the terminal.
pub struct StoreSink<S: BackfillSink> {
    store: Option<Store>,
    inner: S,
    /// What was written and kept, over every book.
    pub written: Written,
    /// Why the store stopped taking books (a write error), if it did.
    pub error: Option<String>,
}

impl<S: BackfillSink> StoreSink<S> {
    /// `store`: `None` fetches and prints only.
    pub fn new(store: Option<Store>, inner: S) -> Self {
        StoreSink {
            store,
            inner,
            written: Written::default(),
            error: None,
        }
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: BackfillSink> BackfillSink for StoreSink<S> {
    fn progress(&mut self, progress: &BackfillProgress) {
        self.inner.progress(progress);
    }

    fn book(&mut self, h: Arc<BookHistory>) {
        if let Some(store) = self.store.as_mut().filter(|_| self.error.is_none()) {
            let minutes = rows::minute_rows(&h, &h.symbol);
            let warm = rows::warm_rows(&h, &h.symbol);
            match store.write_backfill(&minutes, &warm) {
                Ok(w) => self.written.merge(&w),
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        self.inner.book(h);
    }
}

/// The summary under the books: rows written and kept per series, and what failed.
pub fn written_summary(w: &Written, p: &BackfillProgress) -> String {
    let mut out = String::new();
    for (series, c) in &w.0 {
        out.push_str(&format!(
            "{series:<16} {:>7} written  {:>7} kept (recorded)  {:>7} kept (backfilled before)\n",
            c.written, c.kept_recorded, c.kept_backfilled
        ));
    }
    out.push_str(&format!(
        "requests: {} of {} failed, {} retried\n",
        p.failed, p.pages_total, p.retries
    ));
    out
}
