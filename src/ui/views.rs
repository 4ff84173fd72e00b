//! View models for the overview, heatmap and health views, built from the app state (the
//! symbol detail view has its own module, [`crate::ui::detail`]).

use crate::config::ui::Mode;
use crate::ui::action::Command;
use crate::ui::app::{App, Pane};
use crate::ui::glyphs::Glyphs;
use crate::ui::health::HealthView;
use crate::ui::heatmap::{HeatmapView, plot_area};
use crate::ui::model::grouping::bid_bucket;
use crate::ui::model::overview;
use crate::ui::model::select::{self, Selected, long_label};
use crate::ui::overview::OverviewView;
use ratatui::layout::Rect;

pub fn overview(app: &App) -> OverviewView<'_> {
    OverviewView {
        rows: overview::rows(app.shown(), app.sort, app.descending),
        cursor: app.cursor_row(),
        symbol: &app.symbol,
        sort: app.sort,
        descending: app.descending,
        source_ended: app.source_ended,
        venues: &app.shown().venues,
        offline_until: app.live().offline_until(),
        sparks: &app.sparks,
        history_on: app.history_file.is_some(),
        now_s: (app.shown().at / 1_000_000_000) as i64,
        page: app.columns_page,
        columns_key: app
            .keymap
            .keys(Mode::Overview, Command::NextColumns)
            .first()
            .map_or_else(|| "unbound".to_owned(), ToString::to_string),
    }
}

pub fn health(app: &App) -> HealthView<'_> {
    let frame = app.shown();
    HealthView {
        venues: &frame.venues,
        offline_until: app.live().offline_until(),
        books: frame
            .symbols
            .iter()
            .flat_map(|s| s.books.iter().map(move |b| (s.symbol.as_str(), b)))
            .collect(),
        log_file: app.log_file.as_ref().map(|p| p.display().to_string()),
        history: frame.history.as_ref(),
        log_state: &app.log_state,
        focused: app.focused(),
        venue_scroll: app.scroll(Pane::Venues),
        book_scroll: app.scroll(Pane::Books),
        backfill: frame.backfill.as_ref(),
    }
}

/// The heatmap for the pane at `area`: the grid is built for exactly the cells it will fill.
pub fn heatmap(app: &App, area: Rect, glyphs: &Glyphs) -> HeatmapView {
    let store = app.heatmap();
    let sep = glyphs.sep.trim();
    let column_s = store.column_ns() as f64 / 1e9;
    let empty = |title: String, message: Vec<String>| HeatmapView {
        title,
        grid: None,
        message,
        top_price: 0.0,
        step: 0.0,
        decimals: 0,
        column_s,
        unit: String::new(),
        focused: true,
    };
    let Some(symbol) = select::symbol(app.shown(), &app.symbol) else {
        return empty("Heatmap".into(), vec!["no symbols in this frame".into()]);
    };
    let selected = Selected::resolve(symbol, app.venue);
    let which = match &selected {
        Selected::One(book) if !book.state.is_live() => format!(
            "{} {}",
            long_label(book),
            book.state.to_string().to_uppercase()
        ),
        _ => selected.label(),
    };
    // History is drawn for the chosen book even while it is not live (its live past is real);
    // the aggregate uses the books live now, each only where it was live and fresh.
    let books = match &selected {
        Selected::One(book) => vec![*book],
        Selected::Aggregate { included, .. } => included.clone(),
    };
    let tick = books.iter().map(|b| select::tick(b)).fold(0.0, f64::max);
    // Centre on the live mid; a book that is not live now is centred where it last was live
    // (its current ladder is not trusted, even for that).
    let mid = books
        .iter()
        .find_map(|b| b.features.as_ref().filter(|_| b.state.is_live())?.mid)
        .or_else(|| books.iter().find_map(|b| store.last_live_mid(&b.key)));
    let step = app.grouping.step(tick, mid);
    let title = format!(
        "Heatmap {sep} {} {sep} {which} {sep} {}/row {sep} {}ms/col",
        symbol.symbol,
        app.grouping.label(),
        store.column_ns() / 1_000_000
    );
    let Some(mid) = mid.filter(|_| !books.is_empty()) else {
        return empty(
            title,
            vec!["no live book with a price for this selection".into()],
        );
    };
    let (plot, per_cell) = plot_area(area, glyphs);
    let rows = usize::from(plot.height) * per_cell;
    let top_bucket =
        bid_bucket(mid, step) + (rows / 2) as i64 - i64::from(app.heatmap_scroll) * per_cell as i64;
    let grid = store.grid(
        &books,
        store.slot(app.shown().at),
        usize::from(plot.width),
        rows,
        top_bucket,
        step,
    );
    let decimals = books
        .iter()
        .map(|b| b.ladder.price_decimals)
        .max()
        .unwrap_or(0)
        .max(crate::ui::model::grouping::step_decimals(step));
    HeatmapView {
        title,
        grid: Some(grid),
        message: Vec::new(),
        top_price: top_bucket as f64 * step,
        step,
        decimals,
        column_s,
        unit: if books.iter().all(|b| b.base_units) {
            symbol.symbol.clone()
        } else {
            "contracts".into()
        },
        focused: true,
    }
}
