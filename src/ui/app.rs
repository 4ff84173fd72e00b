//! The UI state and [`App::update`], the only place it changes.
//!
//! The app knows nothing about terminals or time: the run loop turns key events into
//! [`Action`]s and frames into `Action::Frame`, and draws with [`crate::ui::render`], which only
//! reads the app. That keeps every behaviour here testable by feeding actions.

use crate::config::alerts::Notify;
use crate::config::ui::{LADDER_DEPTHS, Mode};
use crate::config::watchlist::Edit;
use crate::control::ReplayControl;
use crate::control::WatchApplied;
use crate::engine::frame::{DataMode, Frame};
use crate::feed::event::BookKey;
use crate::market::Nanos;
use crate::serve::attach::LinkState;
use crate::ui::action::{Action, Command};
use crate::ui::glyphs::Glyphs;
use crate::ui::keymap::Keymap;
use crate::ui::keys::{Key, KeyName};
use crate::ui::model::chart::ChartRange;
use crate::ui::model::grouping::Grouping;
use crate::ui::model::heatmap::HeatmapStore;
use crate::ui::model::history::{HistoryAsk, HistoryPane, Outcome};
use crate::ui::model::overview::{self, SortColumn};
use crate::ui::model::search;
use crate::ui::model::select::{self, Selected, VenueSel};
use crate::ui::model::sparks::{SparkStore, Stored};
use crate::ui::model::tape::{TapeFilter, parse_amount};
use crate::ui::theme::Theme;
use ratatui::layout::{Position, Rect};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tui_logger::{TuiWidgetEvent, TuiWidgetState};

/// The views, on number keys and the tab bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Overview,
    Detail,
    Heatmap,
    Health,
    History,
    Analytics,
}

impl View {
    pub const ALL: [View; 6] = [
        View::Overview,
        View::Detail,
        View::Heatmap,
        View::Health,
        View::History,
        View::Analytics,
    ];

    pub fn title(self) -> &'static str {
        match self {
            View::Overview => "Overview",
            View::Detail => "Symbol",
            View::Heatmap => "Heatmap",
            View::Health => "Health",
            View::History => "History",
            View::Analytics => "Analytics",
        }
    }

    pub fn mode(self) -> Mode {
        match self {
            View::Overview => Mode::Overview,
            View::Detail => Mode::Detail,
            View::Heatmap => Mode::Heatmap,
            View::Health => Mode::Health,
            View::History => Mode::History,
            View::Analytics => Mode::Analytics,
        }
    }

    /// The panes Tab cycles through, in order.
    pub fn panes(self) -> &'static [Pane] {
        match self {
            View::Overview => &[Pane::Overview],
            View::Detail => &[
                Pane::Ladder,
                Pane::Chart,
                Pane::Tape,
                Pane::Perp,
                Pane::Gauges,
                Pane::Composites,
                Pane::Flow,
                Pane::Liquidations,
                Pane::Bands,
                Pane::Alerts,
            ],
            View::Heatmap => &[Pane::Heatmap],
            View::Health => &[Pane::Venues, Pane::Books, Pane::Log],
            View::History => &[Pane::History],
            View::Analytics => &[
                Pane::Zones,
                Pane::Regime,
                Pane::Integrity,
                Pane::Arbitrage,
                Pane::Models,
                Pane::Drift,
                Pane::Positioning,
            ],
        }
    }

    fn index(self) -> usize {
        View::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// A pane that can hold focus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pane {
    Overview,
    Ladder,
    Chart,
    Tape,
    Perp,
    Gauges,
    Composites,
    Flow,
    Liquidations,
    Bands,
    Alerts,
    Heatmap,
    Venues,
    Books,
    Log,
    History,
    Zones,
    Regime,
    Drift,
    Models,
    Arbitrage,
    Integrity,
    Positioning,
}

impl Pane {
    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Ladder => "Ladder",
            Pane::Chart => "Price",
            Pane::Tape => "Tape",
            Pane::Perp => "Perp",
            Pane::Gauges => "Imbalance",
            Pane::Composites => "Composites",
            Pane::Flow => "Flow",
            Pane::Liquidations => "Liquidations",
            Pane::Bands => "Depth bands",
            Pane::Alerts => "Alerts",
            Pane::Heatmap => "Heatmap",
            Pane::Venues => "Venues",
            Pane::Books => "Books",
            Pane::Log => "Log",
            Pane::History => "History",
            Pane::Zones => "Zones",
            Pane::Regime => "Regime",
            Pane::Drift => "Drift",
            Pane::Models => "Models",
            Pane::Arbitrage => "Arbitrage",
            Pane::Integrity => "Integrity",
            Pane::Positioning => "Positioning",
        }
    }
}

/// What the run loop must do after an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    Quit,
    /// Send this to the replay driver.
    Replay(ReplayControl),
    /// Apply this change of the watch list to the running feeds and, once applied, save it in
    /// the config file; [`App::watchlist_saved`] tells how it went.
    Watchlist(Edit),
}

/// Settings fixed for the whole run.
pub struct AppSettings {
    pub keymap: Keymap,
    pub theme: Theme,
    pub ascii: bool,
    pub ladder_depth: usize,
    pub heatmap_column_ms: u64,
    /// A replay driver listens for [`ReplayControl`]s.
    pub replay_controls: bool,
    /// Where the log file is, for the log pane's title.
    pub log_file: Option<PathBuf>,
    /// Where `:add`/`:rm` save the watch list (the config file in use, or the user's default
    /// path); `None`: nowhere to save.
    pub config_file: Option<PathBuf>,
    /// The history file the History view reads; `None`: history is off.
    pub history_file: Option<PathBuf>,
}

/// The search prompt's state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchState {
    pub query: String,
    pub selected: usize,
}

/// The frame (and heatmap) on screen while frozen; live data keeps arriving underneath.
struct Frozen {
    frame: Arc<Frame>,
    heatmap: HeatmapStore,
}

/// The whole UI state. Fields are readable by the renderers (`crate::ui`) and written only by
/// [`App::update`].
pub struct App {
    pub(in crate::ui) keymap: Keymap,
    pub(in crate::ui) theme: Theme,
    pub(in crate::ui) glyphs: &'static Glyphs,
    pub(in crate::ui) log_file: Option<PathBuf>,
    pub(in crate::ui) log_state: TuiWidgetState,
    live: Arc<Frame>,
    frozen: Option<Frozen>,
    heatmap: HeatmapStore,
    pub(in crate::ui) source_ended: bool,
    /// Attached to a remote `serve` (`--connect`): its host and the link's state.
    pub(in crate::ui) remote: Option<(String, LinkState)>,
    pub(in crate::ui) view: View,
    focus: [usize; 6],
    pub(in crate::ui) symbol: String,
    pub(in crate::ui) venue: VenueSel,
    pub(in crate::ui) grouping: Grouping,
    pub(in crate::ui) depth: usize,
    pub(in crate::ui) ladder_scroll: i32,
    pub(in crate::ui) heatmap_scroll: i32,
    scroll: HashMap<Pane, usize>,
    pub(in crate::ui) sort: SortColumn,
    pub(in crate::ui) descending: bool,
    /// The Overview's column group on a narrow screen (wraps at the number of groups).
    pub(in crate::ui) columns_page: usize,
    cursor: Option<BookKey>,
    pub(in crate::ui) help: Option<u16>,
    pub(in crate::ui) search: Option<SearchState>,
    /// The `:` command line being typed.
    pub(in crate::ui) command_line: Option<String>,
    pub(in crate::ui) chart_range: ChartRange,
    pub(in crate::ui) tape: TapeFilter,
    /// The Alerts pane lists every symbol's alerts, not only the current symbol's.
    pub(in crate::ui) alerts_all: bool,
    pub(in crate::ui) config_file: Option<PathBuf>,
    pub(in crate::ui) history_file: Option<PathBuf>,
    pub(in crate::ui) history: HistoryPane,
    /// The Overview's 24 h sparklines (store rows joined with live minutes).
    pub(in crate::ui) sparks: SparkStore,
    /// A one-line answer to the last key (e.g. why a replay key did nothing).
    pub(in crate::ui) notice: Option<String>,
    replay_controls: bool,
    /// Local wall time the latest frame arrived (set by the run loop), for [`App::data_now`].
    arrived: Option<Nanos>,
    /// The replay speed and pause the driver was last asked for, shown at once (the driver
    /// confirms in a later frame) so a key's effect is on screen in the same loop turn.
    replay_asked: Option<ReplayAsked>,
    /// The newest alert id already rung or announced (alerts in the first frame are history).
    notified: u64,
    /// Alerts whose rule asks for a bell or a desktop notification, not yet sent.
    notifications: Vec<(Notify, String)>,
}

/// A replay control sent but not yet confirmed by a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
struct ReplayAsked {
    speed: Option<f64>,
    paused: bool,
    /// Frames that arrived since without confirming it.
    unconfirmed: u32,
}

/// Frames after which an unconfirmed replay control is given up (the driver disagreed or never
/// got it): the frames' own speed is shown again.
const CONFIRM_WITHIN_FRAMES: u32 = 12;

/// Page size for PageUp/PageDown, in rows.
const PAGE: i32 = 10;

enum Motion {
    By(i32),
    Top,
    Bottom,
}

impl App {
    pub fn new(settings: AppSettings, first: Arc<Frame>) -> App {
        let mut heatmap = HeatmapStore::new(settings.heatmap_column_ms);
        heatmap.ingest(&first);
        let notified = newest_alert(&first);
        let mut sparks = SparkStore::default();
        sparks.ingest(&first);
        if settings.history_file.is_none() {
            sparks.history_off();
        }
        App {
            keymap: settings.keymap,
            theme: settings.theme,
            glyphs: Glyphs::new(settings.ascii),
            log_file: settings.log_file,
            log_state: TuiWidgetState::new(),
            symbol: first
                .symbols
                .first()
                .map(|s| s.symbol.clone())
                .unwrap_or_default(),
            live: first,
            frozen: None,
            heatmap,
            source_ended: false,
            remote: None,
            view: View::Overview,
            focus: [0; 6],
            venue: VenueSel::default(),
            grouping: Grouping::default(),
            depth: settings.ladder_depth,
            ladder_scroll: 0,
            heatmap_scroll: 0,
            scroll: HashMap::new(),
            sort: SortColumn::Symbol,
            descending: false,
            columns_page: 0,
            cursor: None,
            help: None,
            search: None,
            command_line: None,
            chart_range: ChartRange::default(),
            tape: TapeFilter::default(),
            alerts_all: false,
            config_file: settings.config_file,
            history_file: settings.history_file,
            history: HistoryPane::default(),
            sparks,
            notice: None,
            replay_controls: settings.replay_controls,
            replay_asked: None,
            arrived: None,
            notified,
            notifications: Vec::new(),
        }
    }

    /// Notes the remote `serve` the frames come from, and its link's state (`--connect`).
    pub fn set_remote(&mut self, host: &str, state: LinkState) {
        self.remote = Some((host.to_owned(), state));
    }

    /// Notes the remote link's new state.
    pub fn set_link(&mut self, state: LinkState) {
        if let Some((_, link)) = &mut self.remote {
            *link = state;
        }
    }

    /// Notes the local wall time the latest frame arrived.
    pub fn frame_arrived(&mut self, wall: Nanos) {
        self.arrived = Some(wall);
    }

    /// "Now" on the data's own clock, which every age on screen is measured against. Live and
    /// simulated data run on the wall clock. A replay's frames carry capture time: now is the
    /// latest frame's time advanced by the wall time since it arrived at the replay speed, and
    /// stands still while paused or at `--max` (ages against the wall clock would read years).
    pub fn data_now(&self, wall: Nanos) -> Nanos {
        let DataMode::Replay { speed, paused, .. } = &self.data_mode() else {
            return wall;
        };
        match (speed, self.arrived) {
            (Some(speed), Some(arrived)) if !*paused => {
                let since = wall.saturating_sub(arrived) as f64 * speed;
                self.live.at.saturating_add(since as Nanos)
            }
            _ => self.live.at,
        }
    }

    /// The data mode to show: the latest frame's, with a replay speed or pause just asked for
    /// already applied (the driver does exactly this arithmetic; see [`ReplayAsked`]).
    pub fn data_mode(&self) -> DataMode {
        match (&self.live.mode, self.replay_asked) {
            (
                DataMode::Replay {
                    file,
                    clock,
                    skipped_gaps,
                    ..
                },
                Some(ReplayAsked { speed, paused, .. }),
            ) => DataMode::Replay {
                file: file.clone(),
                clock: *clock,
                speed,
                paused,
                skipped_gaps: *skipped_gaps,
            },
            (mode, _) => mode.clone(),
        }
    }

    /// The run loop could not hand the last replay control to the driver: forget it.
    pub fn replay_control_lost(&mut self) {
        self.replay_asked = None;
        self.notice = Some("the replay did not take the key (busy); press it again".into());
    }

    /// Bells and desktop notifications due for the alerts received since the last call (frozen
    /// or not: an alert is news even when the screen is held still).
    pub fn take_notifications(&mut self) -> Vec<(Notify, String)> {
        std::mem::take(&mut self.notifications)
    }

    fn queue_notifications(&mut self, frame: &Frame) {
        // Newest first in the frame; announce oldest first.
        for alert in frame.alerts.iter().rev() {
            if alert.id > self.notified && alert.notify != Notify::None {
                self.notifications
                    .push((alert.notify, alert.message.clone()));
            }
        }
        self.notified = self.notified.max(newest_alert(frame));
    }

    /// What the History view charts now: the current symbol, at the venue chosen with `v` (its
    /// aggregate reads the store's cross-venue rows), the range and the field.
    pub fn history_ask(&self) -> HistoryAsk {
        let book =
            select::symbol(self.shown(), &self.symbol).and_then(|s| {
                match Selected::resolve(s, self.venue) {
                    Selected::One(book) => Some(book),
                    Selected::Aggregate { .. } => None,
                }
            });
        HistoryAsk {
            symbol: self.symbol.clone(),
            venue: book.map_or_else(
                || crate::history::recorder::ALL_VENUES.to_owned(),
                |b| b.key.venue.as_str().to_owned(),
            ),
            instrument: book.map(|b| b.key.instrument.to_string()),
            range: self.history.range,
            field: self.history.field,
        }
    }

    /// The read of the history store due now (unix second `now`), if any: only while the
    /// History view is open, one at a time, and a shown chart at most every few seconds. The
    /// run loop reads it off the UI thread and hands back [`App::history_loaded`].
    pub fn history_due(&mut self, now: i64) -> Option<(PathBuf, HistoryAsk)> {
        if self.view != View::History || self.help.is_some() {
            return None;
        }
        let path = self.history_file.clone()?;
        let ask = self.history_ask();
        self.history.start(&ask, now).then_some((path, ask))
    }

    pub fn history_loaded(&mut self, ask: HistoryAsk, outcome: Outcome) {
        self.history.finish(ask, outcome);
    }

    /// The read of the Overview sparklines' 24 h due now (unix second `now`), if any: only
    /// while the Overview is shown and history is on, one at a time. The run loop reads it off
    /// the UI thread and hands back [`App::sparks_loaded`].
    pub fn sparks_due(&mut self, now: i64) -> Option<(PathBuf, Vec<String>)> {
        if self.view != View::Overview {
            return None;
        }
        let path = self.history_file.clone()?;
        let symbols: Vec<String> = self.live.symbols.iter().map(|s| s.symbol.clone()).collect();
        self.sparks.start(&symbols, now).then_some((path, symbols))
    }

    pub fn sparks_loaded(&mut self, stored: Stored) {
        self.sparks.finish(stored);
    }

    /// The frame on screen: the frozen one while frozen, else the latest.
    pub fn shown(&self) -> &Arc<Frame> {
        self.frozen.as_ref().map_or(&self.live, |f| &f.frame)
    }

    /// The latest frame received (equal to [`App::shown`] unless frozen).
    pub fn live(&self) -> &Arc<Frame> {
        &self.live
    }

    /// The terminal is `width` columns wide: the heatmap keeps no more history than it can draw.
    pub fn fit_heatmap(&mut self, width: u16) {
        self.heatmap.fit_width(width);
    }

    pub fn heatmap(&self) -> &HeatmapStore {
        self.frozen.as_ref().map_or(&self.heatmap, |f| &f.heatmap)
    }

    pub fn frozen(&self) -> bool {
        self.frozen.is_some()
    }

    /// The keymap mode in force: search and help are modal over the view.
    pub fn mode(&self) -> Mode {
        if self.command_line.is_some() {
            Mode::Command
        } else if self.search.is_some() {
            Mode::Search
        } else if self.help.is_some() {
            Mode::Help
        } else {
            self.view.mode()
        }
    }

    pub fn focused(&self) -> Pane {
        let panes = self.view.panes();
        panes[self.focus[self.view.index()] % panes.len()]
    }

    pub fn scroll(&self, pane: Pane) -> usize {
        self.scroll.get(&pane).copied().unwrap_or(0)
    }

    /// The overview row the cursor is on (by book, so it follows the book when rows re-sort).
    pub fn cursor_row(&self) -> usize {
        let rows = overview::rows(self.shown(), self.sort, self.descending);
        self.cursor
            .as_ref()
            .and_then(|key| rows.iter().position(|r| r.key() == key))
            .or_else(|| rows.iter().position(|r| r.symbol.symbol == self.symbol))
            .unwrap_or(0)
    }

    /// What a key means now: a bound command, or a typed character while searching.
    pub fn action_for_key(&self, key: Key) -> Option<Action> {
        let mode = self.mode();
        if let Some(command) = self.keymap.lookup(mode, key) {
            return Some(Action::Command(command));
        }
        // Help is a transient overlay: a key it does not bind does what it does in the view
        // (`/` searches, `2` opens the detail), and the help closes.
        if mode == Mode::Help
            && let Some(command) = self.keymap.lookup(self.view.mode(), key)
        {
            return Some(Action::Command(command));
        }
        match key.name {
            KeyName::Char(c)
                if matches!(mode, Mode::Search | Mode::Command) && !key.ctrl && !key.alt =>
            {
                Some(Action::Type(c))
            }
            _ => None,
        }
    }

    /// Apply one action. The only place the UI state changes.
    pub fn update(&mut self, action: Action) -> Effect {
        match action {
            Action::Frame(frame) => {
                self.queue_notifications(&frame);
                self.heatmap.ingest(&frame);
                self.sparks.ingest(&frame);
                self.live = frame;
                if let (Some(asked), DataMode::Replay { speed, paused, .. }) =
                    (&mut self.replay_asked, &self.live.mode)
                {
                    asked.unconfirmed += 1;
                    let confirmed = asked.speed == *speed && asked.paused == *paused;
                    if confirmed || asked.unconfirmed > CONFIRM_WITHIN_FRAMES {
                        self.replay_asked = None;
                    }
                }
                Effect::None
            }
            Action::SourceEnded => {
                self.source_ended = true;
                Effect::None
            }
            Action::Click {
                x,
                y,
                width,
                height,
            } => {
                self.notice = None;
                self.click(x, y, width, height);
                Effect::None
            }
            Action::Type(c) => {
                if let Some(line) = &mut self.command_line {
                    line.push(c);
                } else if let Some(search) = &mut self.search {
                    search.query.push(c);
                    search.selected = 0;
                }
                Effect::None
            }
            Action::Command(command) => {
                self.notice = None;
                self.command(command)
            }
        }
    }

    fn command(&mut self, command: Command) -> Effect {
        if self.help.is_some() && self.keymap.keys(Mode::Help, command).is_empty() {
            self.help = None;
        }
        match command {
            Command::Quit => return Effect::Quit,
            Command::Close => {
                if self.view == View::Overview {
                    let quit = self.keymap.keys(Mode::Global, Command::Quit);
                    let keys: Vec<String> = quit.iter().map(ToString::to_string).collect();
                    self.notice = Some(if keys.is_empty() {
                        "nothing to close".to_owned()
                    } else {
                        format!("nothing to close; {} quits", keys.join(" or "))
                    });
                } else {
                    self.view = View::Overview;
                }
            }
            Command::ToggleHelp => self.help = if self.help.is_some() { None } else { Some(0) },
            Command::Search => self.search = Some(SearchState::default()),
            Command::ViewOverview => self.view = View::Overview,
            Command::ViewDetail => self.view = View::Detail,
            Command::ViewHeatmap => self.view = View::Heatmap,
            Command::ViewHealth => self.view = View::Health,
            Command::ViewHistory => self.view = View::History,
            Command::ViewAnalytics => self.view = View::Analytics,
            Command::CycleHistoryRange => self.history.range = self.history.range.next(),
            Command::NextHistoryField => self.history.next_field(1),
            Command::PrevHistoryField => self.history.next_field(-1),
            Command::PrevSymbol => self.step_symbol(-1),
            Command::NextSymbol => self.step_symbol(1),
            Command::NextPane => self.step_focus(1),
            Command::PrevPane => self.step_focus(-1),
            Command::CycleVenue => {
                if let Some(symbol) = select::symbol(self.shown(), &self.symbol) {
                    self.venue = self.venue.next(symbol);
                }
                self.ladder_scroll = 0;
            }
            Command::Freeze => {
                self.frozen = match self.frozen {
                    Some(_) => None,
                    None => Some(Frozen {
                        frame: self.live.clone(),
                        heatmap: self.heatmap.clone(),
                    }),
                }
            }
            Command::Up => self.motion(Motion::By(-1)),
            Command::Down => self.motion(Motion::By(1)),
            Command::PageUp => self.motion(Motion::By(-PAGE)),
            Command::PageDown => self.motion(Motion::By(PAGE)),
            Command::Top => self.motion(Motion::Top),
            Command::Bottom => self.motion(Motion::Bottom),
            Command::CycleSort => self.sort = self.sort.next(),
            Command::ReverseSort => self.descending = !self.descending,
            Command::NextColumns => self.columns_page = self.columns_page.wrapping_add(1),
            Command::OpenSelected => self.open_selected(),
            Command::GroupCoarser => self.grouping = self.grouping.coarser(),
            Command::GroupFiner => self.grouping = self.grouping.finer(),
            Command::GroupingUnit => self.grouping = self.grouping.toggle_unit(),
            Command::CycleDepth => {
                let i = LADDER_DEPTHS
                    .iter()
                    .position(|d| *d == self.depth)
                    .unwrap_or(0);
                self.depth = LADDER_DEPTHS[(i + 1) % LADDER_DEPTHS.len()];
                self.ladder_scroll = self
                    .ladder_scroll
                    .clamp(-(self.depth as i32), self.depth as i32);
            }
            Command::TogglePause => return self.replay(ReplayControl::TogglePause),
            Command::Faster => return self.replay(ReplayControl::Faster),
            Command::Slower => return self.replay(ReplayControl::Slower),
            Command::SearchAccept => {
                if let Some(search) = &self.search {
                    let matches = search::matches(self.shown(), &search.query);
                    match matches.get(search.selected.min(matches.len().saturating_sub(1))) {
                        Some(symbol) => {
                            let symbol = symbol.clone();
                            self.search = None;
                            self.select_symbol(symbol);
                        }
                        // The prompt stays open to be corrected; the overlay says "no match".
                        None => self.notice = Some(format!("no symbol matches {:?}", search.query)),
                    }
                }
            }
            Command::SearchCancel => self.search = None,
            Command::CycleChartRange => self.chart_range = self.chart_range.next(),
            Command::TapeFilterUp => self.tape = self.tape.raise(),
            Command::TapeFilterDown => self.tape = self.tape.lower(),
            Command::ToggleTapeLiquidations => {
                self.tape.liquidations = !self.tape.liquidations;
            }
            Command::ToggleAlertsScope => {
                self.alerts_all = !self.alerts_all;
                self.scroll.remove(&Pane::Alerts);
            }
            Command::OpenCommandLine => self.command_line = Some(String::new()),
            Command::CommandCancel => self.command_line = None,
            Command::CommandDelete => {
                if let Some(line) = &mut self.command_line {
                    line.pop();
                }
            }
            Command::CommandAccept => {
                if let Some(line) = self.command_line.take() {
                    return self.run_command_line(&line);
                }
            }
            Command::SearchDelete => {
                if let Some(search) = &mut self.search {
                    search.query.pop();
                    search.selected = 0;
                }
            }
        }
        Effect::None
    }

    /// `:add SYMBOL`, `:rm SYMBOL`, `:min AMOUNT`.
    fn run_command_line(&mut self, line: &str) -> Effect {
        let mut words = line.split_whitespace();
        let (verb, arg, extra) = (words.next(), words.next(), words.next());
        let usage = "commands: add SYMBOL, rm SYMBOL, min AMOUNT (e.g. :min 50k)";
        let edit = match (verb, arg, extra) {
            (None, ..) => return Effect::None,
            (Some("add"), Some(s), None) => Edit::Add(watch_entry(s)),
            (Some("rm" | "remove"), Some(s), None) => Edit::Remove(watch_entry(s)),
            (Some("min"), Some(a), None) => {
                match parse_amount(a) {
                    Some(min) => {
                        self.tape.min = min;
                        self.notice = Some(format!(
                            "tape: trades of at least {} shown",
                            tape_min_text(min)
                        ));
                    }
                    None => self.notice = Some(format!("not an amount: {a:?} (e.g. 50k, 2.5M)")),
                }
                return Effect::None;
            }
            _ => {
                self.notice = Some(format!("unknown command {line:?}; {usage}"));
                return Effect::None;
            }
        };
        Effect::Watchlist(edit)
    }

    /// Where `:add`/`:rm` save.
    pub fn config_file(&self) -> Option<&std::path::Path> {
        self.config_file.as_deref()
    }

    /// A watch-list change went to the running feeds; their answer follows.
    pub fn watchlist_asked(&mut self, edit: &Edit) {
        self.notice = Some(match edit {
            Edit::Add(s) => format!("adding {s}…"),
            Edit::Remove(s) => format!("removing {s}…"),
        });
    }

    /// The feeds are still applying the previous change.
    pub fn watchlist_busy(&mut self) {
        self.notice = Some("the last watch-list change is still being applied; try again".into());
    }

    /// Nothing was changed (unknown symbol, listed on no watched venue): nothing is saved.
    pub fn watchlist_refused(&mut self, why: &str) {
        self.notice = Some(why.to_owned());
    }

    /// The outcome of a watch-list change, for the notice line: what the running feeds did
    /// (`None` in a replay, which shows what its capture holds) and how saving it went.
    pub fn watchlist_saved(
        &mut self,
        edit: &Edit,
        applied: Option<&WatchApplied>,
        saved: Result<Vec<String>, String>,
    ) {
        let file = self
            .config_file
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        let Some(applied) = applied else {
            // Nothing this program runs can take it: say what the screen will keep showing.
            let why = match self.shown().mode {
                DataMode::Replay { .. } => "a replay shows what its capture holds",
                _ => "this session's source takes no subscription changes",
            };
            self.notice = Some(match (edit, saved) {
                (Edit::Add(s), Ok(list)) => format!(
                    "{s} added to the watch list in {file} ({}); {why}",
                    list.join(" ")
                ),
                (Edit::Remove(s), Ok(list)) => format!(
                    "{s} removed from the watch list in {file} ({}); {why}",
                    list.join(" ")
                ),
                (_, Err(e)) => format!("watch list not saved: {e}"),
            });
            return;
        };
        let venues = |list: &[crate::market::VenueId]| {
            list.iter()
                .map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let books: usize = applied.changed.iter().map(|(_, n)| n).sum();
        let on = match applied.changed.len() {
            1 => "1 venue".to_owned(),
            n => format!("{n} venues"),
        };
        let mut notice = match edit {
            Edit::Add(s) => format!("{s} added on {on} ({books} books)"),
            Edit::Remove(s) => format!("{s} removed from {on} ({books} books)"),
        };
        if matches!(edit, Edit::Add(_)) && !applied.not_listed.is_empty() {
            notice += &format!(", not listed on {}", venues(&applied.not_listed));
        }
        if !applied.not_running.is_empty() {
            notice += &format!(", not running on {}", venues(&applied.not_running));
        }
        notice += &match saved {
            Ok(list) => format!(" · saved in {file} ({})", list.join(" ")),
            Err(e) => format!(" · watch list not saved: {e}"),
        };
        self.notice = Some(notice);
        // The symbol on screen was removed: the next one takes its place (rather than the
        // detail quietly showing another symbol under the removed one's selection).
        if let Edit::Remove(s) = edit
            && self.symbol.eq_ignore_ascii_case(s)
            && let Some(next) = self
                .shown()
                .symbols
                .iter()
                .map(|f| f.symbol.clone())
                .find(|n| !n.eq_ignore_ascii_case(s))
        {
            self.select_symbol(next);
        }
    }

    /// A left click: a tab switches view, an overview row is selected, a detail pane focused.
    fn click(&mut self, x: u16, y: u16, width: u16, height: u16) {
        if self.help.is_some() || self.search.is_some() || self.command_line.is_some() {
            return;
        }
        let screen = Rect::new(0, 0, width, height);
        let Some(body) = crate::ui::body_area(screen) else {
            return;
        };
        if y == body.y.saturating_sub(1) {
            if let Some(view) = crate::ui::header::tab_at(x) {
                self.view = view;
            }
            return;
        }
        if !body.contains(Position::new(x, y)) {
            return;
        }
        match self.view {
            View::Overview => {
                let rows = overview::rows(self.shown(), self.sort, self.descending);
                let table = crate::ui::overview_screen::table_area(body, rows.len());
                if let Some(i) =
                    crate::ui::overview::row_at(table, self.cursor_row(), rows.len(), y)
                    && let Some(row) = rows.get(i)
                {
                    let (key, symbol) = (row.key().clone(), row.symbol.symbol.clone());
                    self.select_symbol(symbol);
                    self.cursor = Some(key);
                }
            }
            View::Detail | View::Analytics => {
                let placed = if self.view == View::Detail {
                    crate::ui::detail::layout(body, self)
                } else {
                    crate::ui::analytics::layout(body, self)
                };
                if let Some((pane, _)) =
                    placed.iter().find(|(_, r)| r.contains(Position::new(x, y)))
                    && let Some(i) = self.view.panes().iter().position(|p| p == pane)
                {
                    self.focus[self.view.index()] = i;
                }
            }
            View::Heatmap | View::Health | View::History => {}
        }
    }

    fn replay(&mut self, control: ReplayControl) -> Effect {
        if !matches!(self.shown().mode, DataMode::Replay { .. }) {
            self.notice = Some("replay keys work only when replaying a capture".into());
            Effect::None
        } else if !self.replay_controls {
            self.notice = Some("this replay takes no controls".into());
            Effect::None
        } else {
            let DataMode::Replay { speed, paused, .. } = self.data_mode() else {
                return Effect::None;
            };
            // The driver's own rules (capture::replay::paced): ×2 up to 1024, ÷2 down to 1/64,
            // `--max` has no speed to change.
            let (speed, paused) = match control {
                ReplayControl::TogglePause => (speed, !paused),
                ReplayControl::Faster => (speed.map(|s| (s * 2.0).min(1024.0)), paused),
                ReplayControl::Slower => (speed.map(|s| (s / 2.0).max(1.0 / 64.0)), paused),
            };
            self.replay_asked = Some(ReplayAsked {
                speed,
                paused,
                unconfirmed: 0,
            });
            Effect::Replay(control)
        }
    }

    fn select_symbol(&mut self, symbol: String) {
        if symbol != self.symbol {
            self.ladder_scroll = 0;
            self.heatmap_scroll = 0;
            for pane in View::Detail.panes().iter().chain(View::Analytics.panes()) {
                self.scroll.remove(pane);
            }
        }
        self.symbol = symbol;
        self.cursor = None;
    }

    fn step_symbol(&mut self, delta: i32) {
        let names: Vec<&str> = self
            .shown()
            .symbols
            .iter()
            .map(|s| s.symbol.as_str())
            .collect();
        if names.is_empty() {
            return;
        }
        let at = names.iter().position(|n| *n == self.symbol).unwrap_or(0) as i32;
        let next = names[(at + delta).rem_euclid(names.len() as i32) as usize].to_owned();
        self.select_symbol(next);
    }

    fn step_focus(&mut self, delta: i32) {
        let n = self.view.panes().len() as i32;
        let slot = &mut self.focus[self.view.index()];
        *slot = (*slot as i32 + delta).rem_euclid(n) as usize;
    }

    fn open_selected(&mut self) {
        let rows = overview::rows(self.shown(), self.sort, self.descending);
        let Some(row) = rows.get(self.cursor_row()) else {
            return;
        };
        let (symbol, venue) = (row.symbol.symbol.clone(), VenueSel::of(row.book));
        self.select_symbol(symbol);
        self.venue = venue;
        self.view = View::Detail;
    }

    fn motion(&mut self, motion: Motion) {
        if let Some(help) = &mut self.help {
            *help = match motion {
                Motion::By(d) => (i32::from(*help) + d).clamp(0, i32::from(u16::MAX)) as u16,
                Motion::Top => 0,
                Motion::Bottom => u16::MAX,
            };
            return;
        }
        if let Some(query) = self.search.as_ref().map(|s| s.query.clone()) {
            let n = search::matches(self.shown(), &query).len();
            if let Some(search) = &mut self.search {
                search.selected = step(search.selected, n, &motion);
            }
            return;
        }
        match self.focused() {
            Pane::Overview => {
                let rows = overview::rows(self.shown(), self.sort, self.descending);
                let i = step(self.cursor_row(), rows.len(), &motion);
                if let Some(row) = rows.get(i) {
                    let (key, symbol) = (row.key().clone(), row.symbol.symbol.clone());
                    self.select_symbol(symbol);
                    self.cursor = Some(key);
                }
            }
            Pane::Ladder => {
                let bound = self.depth as i32;
                self.ladder_scroll = match motion {
                    Motion::By(d) => (self.ladder_scroll + d).clamp(-bound, bound),
                    Motion::Top => 0,
                    Motion::Bottom => bound,
                };
            }
            Pane::Heatmap => {
                self.heatmap_scroll = match motion {
                    Motion::By(d) => (self.heatmap_scroll + d).clamp(-1000, 1000),
                    Motion::Top | Motion::Bottom => 0,
                };
            }
            Pane::Log => self.log_state.transition(match motion {
                Motion::By(d) if d < 0 => TuiWidgetEvent::PrevPageKey,
                Motion::By(_) => TuiWidgetEvent::NextPageKey,
                Motion::Top | Motion::Bottom => TuiWidgetEvent::EscapeKey,
            }),
            pane => {
                let len = self.list_len(pane);
                let at = self.scroll(pane);
                self.scroll.insert(pane, step(at, len, &motion));
            }
        }
    }

    /// How many rows a scrollable list pane holds (scrolling stops at its end).
    fn list_len(&self, pane: Pane) -> usize {
        let frame = self.shown();
        let books = || {
            select::symbol(frame, &self.symbol)
                .map(|s| Selected::resolve(s, self.venue).books())
                .unwrap_or_default()
        };
        match pane {
            Pane::Alerts => crate::ui::alerts::shown(frame, &self.symbol, self.alerts_all).len(),
            Pane::Tape => crate::ui::model::tape::rows(&books(), self.tape).len(),
            Pane::Liquidations => books().iter().map(|b| b.liquidations.recent.len()).sum(),
            Pane::Flow => books()
                .iter()
                .map(|b| b.recent_trades.iter().filter(|t| t.large).count())
                .sum(),
            Pane::Bands => books()
                .first()
                .and_then(|b| b.bands.as_ref())
                .map_or(0, |b| b.bps.len() + b.kaiko.len() + b.slippage.len()),
            Pane::Venues => frame.venues.len(),
            Pane::Drift | Pane::Models | Pane::Arbitrage | Pane::Integrity | Pane::Positioning => {
                select::symbol(frame, &self.symbol)
                    .map_or(0, |s| crate::ui::analytics::entries(pane, &s.analytics))
            }
            Pane::Books => frame.symbols.iter().map(|s| s.books.len()).sum(),
            _ => 0,
        }
    }
}

/// Move an index within `0..len`.
fn step(at: usize, len: usize, motion: &Motion) -> usize {
    let last = len.saturating_sub(1);
    match motion {
        Motion::By(d) => (at as i64 + i64::from(*d)).clamp(0, last as i64) as usize,
        Motion::Top => 0,
        Motion::Bottom => last,
    }
}

/// A watch-list entry as typed: an asset upper-case, an explicit `venue:INSTRUMENT` as written.
fn watch_entry(s: &str) -> String {
    if s.contains(':') {
        s.to_owned()
    } else {
        s.to_ascii_uppercase()
    }
}

/// The tape's minimum as the notice says it.
pub fn tape_min_text(min: f64) -> String {
    if min > 0.0 {
        crate::ui::format::usd(min)
    } else {
        "any size".into()
    }
}

fn newest_alert(frame: &Frame) -> u64 {
    frame.alerts.iter().map(|a| a.id).max().unwrap_or(0)
}
