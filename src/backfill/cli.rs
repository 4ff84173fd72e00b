//! `depthscope history backfill`: the same backfill as at start, run on its own with a
//! progress bar on stderr and what was fetched on stdout (a summary, or every series as JSON).
//! The results go to a [`BackfillSink`]; a history store is one more sink.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::instrument::catalog::Catalog;
use crate::market::VenueId;
use crate::venue::registry::VenueOptions;

use super::run::{
    BackfillConfig, BackfillProgress, BackfillSink, BackfillState, drain, run_backfill,
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

/// Prints a progress bar (stderr, redrawn in place) and each book as it completes (stdout).
pub struct TerminalSink<W: Write> {
    out: W,
    json: bool,
    /// Redraw the bar in place (a terminal) or print one line per change (a pipe).
    in_place: bool,
    last_bar: String,
    /// Closed venues already reported.
    reported: usize,
}

impl<W: Write> TerminalSink<W> {
    pub fn new(out: W, json: bool, in_place: bool) -> Self {
        TerminalSink {
            out,
            json,
            in_place,
            last_bar: String::new(),
            reported: 0,
        }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

/// `[#######.............]  12/30 pages  1 failed`
pub fn bar(p: &BackfillProgress) -> String {
    const WIDTH: usize = 30;
    let filled = ((p.fraction() * WIDTH as f64).round() as usize).min(WIDTH);
    let mut s = format!(
        "[{}{}] {:>4}/{} pages, {}/{} books",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        p.pages_done,
        p.pages_total,
        p.books_done,
        p.books_total
    );
    if p.failed > 0 {
        s.push_str(&format!(", {} failed", p.failed));
    }
    if p.retries > 0 {
        s.push_str(&format!(", {} retries", p.retries));
    }
    s
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
        let bar = bar(p);
        let key = format!("{bar} {:?}", p.state);
        if key == self.last_bar {
            return;
        }
        let mut err = std::io::stderr();
        let _ = if self.in_place {
            write!(err, "\r{bar}")
        } else {
            writeln!(err, "{bar}")
        };
        if self.in_place && p.state != BackfillState::Running {
            let _ = writeln!(err);
        }
        for (venue, why) in p.closed.iter().skip(self.reported) {
            let _ = writeln!(err, "\n{venue}: {why}");
        }
        self.reported = p.closed.len();
        self.last_bar = key;
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
