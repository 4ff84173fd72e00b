//! The command line (`depthscope --help`).

use crate::market::VenueId;
use crate::sim::model::scenario::ScenarioSpec;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// A terminal market monitor for crypto traders: integrity-checked order books, order flow,
/// liquidations and alerts from public exchange feeds.
#[derive(Debug, Parser)]
#[command(name = "depthscope", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub common: CommonArgs,

    /// Draw a remote `depthscope serve` (e.g. http://127.0.0.1:8787 through an SSH tunnel)
    /// instead of running feeds here; the header says REMOTE and when the link is down. The
    /// server's API key, if it needs one, is read from DEPTHSCOPE_API_KEY. The History view,
    /// `:add`/`:rm` and recording stay with the server.
    #[arg(long, value_name = "URL")]
    pub connect: Option<String>,
}

/// Options of every command that watches a market.
#[derive(Clone, Debug, Default, Args)]
pub struct CommonArgs {
    /// Config file (default: the user's config dir, then built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Symbols to watch, comma separated (`BTC,ETH`, or `okx:BTC-USDT-SWAP`).
    #[arg(long, global = true, value_delimiter = ',', value_name = "LIST")]
    pub symbols: Vec<String>,

    /// Venues to connect to, comma separated (`okx,kraken`), or `all` for every venue with an
    /// adapter.
    #[arg(long, global = true, value_delimiter = ',', value_name = "LIST", value_parser = parse_venue_arg)]
    pub venues: Vec<Venues>,

    /// Point a venue's WebSocket at another URL (repeatable), e.g. `okx=ws://127.0.0.1:9000/okx`.
    #[arg(long = "venue-url", global = true, value_name = "VENUE=URL", value_parser = parse_venue_url)]
    pub venue_url: Vec<(VenueId, String)>,

    /// Point a venue's REST calls at another base URL (repeatable).
    #[arg(long = "venue-rest", global = true, value_name = "VENUE=URL", value_parser = parse_venue_url)]
    pub venue_rest: Vec<(VenueId, String)>,

    /// Run against the embedded simulator instead of the exchanges (shown as SIMULATED).
    #[arg(long, global = true)]
    pub demo: bool,

    /// Do not fetch the venues' public REST history at start (the trade baselines then warm
    /// from the live stream alone).
    #[arg(long, global = true)]
    pub no_backfill: bool,
    /// The history file (default: `history.sqlite` in the data dir; a replay or `--demo`
    /// writes history only when this is given).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        conflicts_with = "no_history"
    )]
    pub history: Option<PathBuf>,

    /// Run without the history file (no warm start, nothing written).
    #[arg(long, global = true)]
    pub no_history: bool,

    /// With --demo: start cold, without the simulated past day (by default the demo first
    /// builds a day of SIMULATED history into a temporary file, so every baseline and window is
    /// warm on the first frame; --no-history also starts cold). Alone it is refused: it would
    /// otherwise start a live session that the user took for a demo.
    #[arg(long, global = true, requires = "demo")]
    pub cold_demo: bool,

    /// Simulator seed (with --demo or `sim`).
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,

    /// With --demo or `sim`: make a read fire on a simulated book, on a fixed cadence
    /// (repeatable). NAME: spoof, layering, stuffing, ignition, pump, wash, stop-hunt,
    /// dislocation, regime-shift, wall. The book defaults to binance:BTCUSDT
    /// (binance-usdm:BTCUSDT for stop-hunt, which needs liquidations).
    #[arg(
        long = "scenario",
        global = true,
        value_name = "NAME[@VENUE:INSTRUMENT]"
    )]
    pub scenarios: Vec<ScenarioSpec>,
}

/// Options of the interactive terminal UI.
#[derive(Clone, Debug, Default, Args)]
pub struct RunArgs {
    /// Print the commented default configuration and exit.
    #[arg(long)]
    pub print_default_config: bool,

    /// Record every frame sent and received into a capture file (`.gz`/`.zst` compress).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Colour theme (default, mono, dark, light, or a file name in the config dir).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Most frames drawn per second.
    #[arg(long, value_name = "N")]
    pub fps: Option<u32>,

    /// Avoid box-drawing, braille and block glyphs.
    #[arg(long)]
    pub ascii: bool,

    /// Write run statistics (frames, bytes, draw and latency percentiles, peak RSS) as JSON on exit.
    #[arg(long, value_name = "FILE")]
    pub report_on_exit: Option<PathBuf>,

    /// Quit after this long (`90s`, `2m`, `500ms`), for scripted runs.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub exit_after: Option<Duration>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay a capture through the same adapters, books, engine and UI as live.
    Replay(ReplayArgs),
    /// Convert another tool's recording into a depthscope capture.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Run the exchange simulator standalone and print each venue's endpoint URL.
    Sim(SimArgs),
    /// Print one JSON object per engine tick to stdout (live, --demo, or --replay FILE).
    Stream(StreamArgs),
    /// Serve the engine's reads over HTTP: the market-context API, books, health, an SSE stream
    /// and /openapi.json (live, --demo, or --replay FILE).
    Serve(ServeArgs),
    /// Market history: the history file (coverage, export, pruning) and the venues' public
    /// REST history.
    #[command(subcommand)]
    History(HistoryCommand),
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Fetch public REST history for the watched books (1-min candles, sampled trades, open
    /// interest, funding, long/short and taker statistics from Binance, Bybit and OKX) into the
    /// history file, where it has no rows (recorded rows are never overwritten), with a
    /// progress bar per venue; `--history`, `--no-history` (fetch and print only) and `--demo`
    /// (into `--history PATH` only) apply.
    Backfill(BackfillArgs),
    /// Coverage per venue and instrument, rows and size on disk.
    Info,
    /// Export rows as CSV or JSON lines (columns and units: README "History").
    Query(HistoryQueryArgs),
    /// Delete rows older than the configured retention now.
    Prune,
}

#[derive(Clone, Debug, Args)]
pub struct HistoryQueryArgs {
    /// The symbol (`BTC`).
    #[arg(long)]
    pub symbol: String,
    /// One venue (`binance`), or `all` for the cross-venue composites; default every venue.
    #[arg(long)]
    pub venue: Option<String>,
    /// Start: `-24h`, `-90m`, `-7d`, unix seconds or `2026-12-06T14:00:00Z` (UTC).
    #[arg(long, default_value = "-1h", allow_hyphen_values = true)]
    pub from: String,
    /// End (exclusive), same forms; default now.
    #[arg(long, default_value = "now", allow_hyphen_values = true)]
    pub to: String,
    /// Row interval: 1s, 1m or 1h.
    #[arg(long, default_value = "1m")]
    pub every: String,
    /// Columns, comma separated (default all).
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// csv, json (JSON lines) or parquet (needs -o FILE or a redirected stdout).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Write here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Debug, Args)]
pub struct BackfillArgs {
    /// Symbols to backfill, comma separated (default: `--symbols`, then the config's).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub symbol: Vec<String>,
    /// Venues to backfill from, comma separated, or `all` (default: `--venues`, then the
    /// config's).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = parse_venue_arg)]
    pub venue: Vec<Venues>,
    /// Hours of history to fetch (the baselines need 24).
    #[arg(long, default_value_t = 24.0, value_name = "H")]
    pub hours: f64,
    /// Print every fetched series as one JSON object per book instead of a summary.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, Args)]
pub struct ReplayArgs {
    /// The capture file (`.gz`/`.zst` by name).
    pub file: PathBuf,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Print a report instead of showing the UI.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub report: Option<ReportFormat>,
    /// Replay this many times in one process (benchmarking); the report covers the last pass
    /// and adds the total.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    #[command(flatten)]
    pub run: RunArgs,
}

/// How fast a replay runs.
#[derive(Clone, Debug, Default, Args)]
pub struct PaceArgs {
    /// Replay speed (1 = real time).
    #[arg(long, default_value_t = 1.0, value_name = "N")]
    pub speed: f64,
    /// As fast as possible.
    #[arg(long, conflicts_with = "speed")]
    pub max: bool,
    /// Skip jumps in capture time longer than this (`90s`, `2m`) instead of waiting them out;
    /// each skip is shown in the header and logged.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub max_gap: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// cryptofeed's raw recordings (`<url> <-> ts`, `<url> <- ts: sent`, `ts: received`, and
    /// REST lines in the `.http.` files).
    Cryptofeed(ImportCryptofeedArgs),
}

#[derive(Clone, Debug, Args)]
pub struct ImportCryptofeedArgs {
    /// The WebSocket recording: text lines, or JSONL ("format 2", which holds its REST
    /// responses itself); `.gz`/`.zst` decompress.
    pub ws_file: PathBuf,
    /// The matching REST recording (`.http.` file) of a text recording, merged by time.
    #[arg(long, value_name = "HTTP_FILE")]
    pub rest: Option<PathBuf>,
    /// The venue the recording comes from (a JSONL connection to another market's default
    /// URL, Bybit spot beside linear, is imported as that market).
    #[arg(long)]
    pub venue: VenueId,
    /// The capture to write (`.gz`/`.zst` compress).
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
}

#[derive(Clone, Debug, Args)]
pub struct SimArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: String,
    /// Faults to inject, e.g. `gap=0.01,checksum=0.01,drop=0.005` (see the README).
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,
    /// OKX books channels push no initial snapshot, as OKX announced for 2026: a client takes
    /// `GET /api/v5/market/books` and bridges to the updates by `seqId`.
    #[arg(long)]
    pub okx_rest_snapshots: bool,
}

impl SimArgs {
    /// The simulator these flags ask for.
    pub fn config(
        &self,
        seed: u64,
        scenarios: &[ScenarioSpec],
    ) -> Result<crate::sim::SimConfig, crate::sim::SimError> {
        Ok(crate::sim::SimConfig {
            okx_pushed_snapshots: !self.okx_rest_snapshots,
            scenarios: scenarios.to_vec(),
            ..crate::sim::SimConfig::with_faults(seed, self.faults.as_deref())?
        })
    }
}

#[derive(Clone, Debug, Args)]
pub struct StreamArgs {
    /// One JSON object per tick (the only format so far).
    #[arg(long, required = true)]
    pub json: bool,
    /// Name fields by their well-known market-data aliases (`manip_risk`, `smart_money_score`,
    /// …) instead of depthscope's own names.
    #[arg(long)]
    pub market_names: bool,
    /// Only these fields, comma separated (`mid,spread_bps,funding_rate`): a slim line with each
    /// book's identity and the named book fields, and each symbol's named composites.
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub fields: Vec<String>,
    #[command(flatten)]
    pub source: HeadlessSource,
}

/// Where a command without a terminal (`stream`, `serve`) takes its data: live venues by
/// default, the simulator with `--demo`, or a capture.
#[derive(Clone, Debug, Args)]
pub struct HeadlessSource {
    /// Play a capture instead of live data.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    #[command(flatten)]
    pub pace: PaceArgs,
    /// Quit after this long.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub exit_after: Option<Duration>,
}

#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default from the config: 127.0.0.1:8787). Off loopback, API keys
    /// must be configured.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Create an API key named NAME, store its hash in the config file, print the key once and
    /// exit.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["replay", "listen"])]
    pub add_key: Option<String>,
    /// Name fields of the SSE stream by their market-data aliases, as `stream --market-names`.
    #[arg(long)]
    pub market_names: bool,
    /// Print the OpenAPI 3.1 document the server serves at /openapi.json and exit.
    #[arg(long)]
    pub print_openapi: bool,
    #[command(flatten)]
    pub source: HeadlessSource,
}

impl Cli {
    /// Refuses flags that mean nothing together, rather than ignoring one of them silently.
    pub fn check_combinations(&self) -> Result<(), String> {
        let c = &self.common;
        let urls = !c.venue_url.is_empty() || !c.venue_rest.is_empty();
        if self.connect.is_some() {
            if self.command.is_some() {
                return Err(
                    "--connect opens the terminal on a remote serve; it takes no command".into(),
                );
            }
            let local = c.demo
                || !c.symbols.is_empty()
                || !c.venues.is_empty()
                || urls
                || c.history.is_some()
                || c.no_history
                || self.run.record.is_some();
            if local {
                return Err("--connect draws what the remote serve computes; --demo, --symbols, --venues, --venue-url, --venue-rest, --history, --no-history and --record apply to that server, not here".into());
            }
        }
        let sim = matches!(self.command, Some(Command::Sim(_)));
        if !c.scenarios.is_empty() && !c.demo && !sim {
            return Err("--scenario drives the simulator: use it with --demo or `sim`".into());
        }
        for spec in &c.scenarios {
            spec.book().map_err(|e| e.to_string())?;
        }
        match &self.command {
            Some(Command::Replay(r)) => {
                if c.demo {
                    return Err("replay plays a capture; --demo does not apply (run `depthscope --demo` for the simulator)".into());
                }
                if !c.venues.is_empty() || urls {
                    return Err("a replay's venues are those in the capture; --venues, --venue-url and --venue-rest do not apply".into());
                }
                if r.run.record.is_some() {
                    return Err("--record records live or --demo sessions, not a replay".into());
                }
            }
            Some(Command::Stream(s)) if s.source.replay.is_some() => {
                if c.demo {
                    return Err("stream: --replay and --demo are two sources; choose one".into());
                }
                if !c.venues.is_empty() || urls {
                    return Err("a replay's venues are those in the capture; --venues, --venue-url and --venue-rest do not apply".into());
                }
            }
            Some(Command::Serve(s))
                if s.source.replay.is_some() && (c.demo || !c.venues.is_empty() || urls) =>
            {
                return Err("serve: --replay serves a capture; --demo, --venues, --venue-url and --venue-rest do not apply".into());
            }
            Some(Command::Sim(_))
                if c.demo || !c.symbols.is_empty() || !c.venues.is_empty() || urls =>
            {
                return Err("sim serves every simulated venue and symbol; --demo, --symbols, --venues, --venue-url and --venue-rest do not apply".into());
            }
            _ if c.demo && urls => {
                return Err("--demo points every venue at the simulator; --venue-url and --venue-rest do not apply".into());
            }
            _ => {}
        }
        Ok(())
    }
}

/// One item of a venue list on the command line: a venue, or `all` of those with an adapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Venues {
    All,
    One(VenueId),
}

impl Venues {
    /// The venues a list names, in its order, each once (`all` in display order).
    pub fn expand(list: &[Venues]) -> Vec<VenueId> {
        let mut out: Vec<VenueId> = Vec::new();
        for item in list {
            let named = match item {
                Venues::All => crate::venue::registry::IMPLEMENTED,
                Venues::One(v) => std::slice::from_ref(v),
            };
            for v in named {
                if !out.contains(v) {
                    out.push(*v);
                }
            }
        }
        out
    }
}

fn parse_venue_arg(s: &str) -> Result<Venues, String> {
    match s {
        "all" => Ok(Venues::All),
        _ => s
            .parse()
            .map(Venues::One)
            .map_err(|e: crate::market::UnknownVenue| format!("{e}, or `all`")),
    }
}

fn parse_venue_url(s: &str) -> Result<(VenueId, String), String> {
    let (venue, url) = s
        .split_once('=')
        .ok_or_else(|| format!("expected VENUE=URL, got {s:?}"))?;
    let venue = venue.parse::<VenueId>().map_err(|e| e.to_string())?;
    if !url.contains("://") {
        return Err(format!(
            "{url:?} is not a URL (missing scheme such as ws:// or http://)"
        ));
    }
    Ok((venue, url.to_owned()))
}

/// `90s`, `2m`, `1h`, `500ms`, or a plain number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 90s, 2m, 500ms)"))?;
    let seconds = match unit {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "unknown duration unit {other:?} in {s:?} (use ms, s, m, h)"
            ));
        }
    };
    if !(0.0..1e9).contains(&seconds) {
        return Err(format!("{s:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cold_demo_without_demo_is_refused_not_run_live() {
        let err = Cli::try_parse_from(["depthscope", "--cold-demo"]).unwrap_err();
        assert!(err.to_string().contains("--demo"), "{err}");
        let cli = Cli::try_parse_from(["depthscope", "--demo", "--cold-demo"]).unwrap();
        assert!(cli.common.cold_demo && cli.common.demo);
    }
    use clap::CommandFactory;

    #[test]
    fn history_query_takes_relative_times() {
        let cli = Cli::try_parse_from([
            "depthscope",
            "history",
            "query",
            "--symbol",
            "BTC",
            "--from",
            "-24h",
            "--to",
            "-1h",
        ])
        .unwrap();
        let Some(Command::History(HistoryCommand::Query(q))) = cli.command else {
            panic!("not a history query");
        };
        assert_eq!((q.from.as_str(), q.to.as_str()), ("-24h", "-1h"));
    }

    #[test]
    fn sim_takes_okx_without_pushed_snapshots() {
        let sim = |args: &[&str]| {
            let cli = Cli::try_parse_from(["depthscope", "sim"].iter().chain(args)).unwrap();
            let Some(Command::Sim(sim)) = cli.command else {
                panic!("not the sim command");
            };
            sim.config(7, &[]).unwrap()
        };
        assert!(sim(&[]).okx_pushed_snapshots);
        let rest = sim(&["--okx-rest-snapshots", "--faults", "gap=0.01"]);
        assert!(!rest.okx_pushed_snapshots);
        assert!(!rest.faults.is_empty());
        let help = Cli::command()
            .find_subcommand_mut("sim")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("--okx-rest-snapshots"), "{help}");
        assert!(help.contains("GET /api/v5/market/books"), "{help}");
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_and_venue_urls_parse_or_explain() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(
            parse_duration("5d")
                .unwrap_err()
                .contains("unknown duration unit")
        );
        assert_eq!(
            parse_venue_url("okx=ws://127.0.0.1:9/okx"),
            Ok((VenueId::Okx, "ws://127.0.0.1:9/okx".into()))
        );
        assert!(parse_venue_url("okx").unwrap_err().contains("VENUE=URL"));
        assert!(parse_venue_url("okz=ws://x").unwrap_err().contains("okz"));
        assert!(
            parse_venue_url("okx=localhost")
                .unwrap_err()
                .contains("scheme")
        );
    }

    #[test]
    fn scenarios_go_with_the_simulator_and_a_book_it_has() {
        let check = |args: &[&str]| {
            Cli::try_parse_from(args)
                .map_err(|e| e.to_string())?
                .check_combinations()
        };
        let cli = Cli::try_parse_from([
            "depthscope",
            "--demo",
            "--scenario",
            "spoof",
            "--scenario",
            "wall@okx:BTC-USDT",
        ])
        .unwrap();
        let names: Vec<String> = cli.common.scenarios.iter().map(|s| s.to_string()).collect();
        assert_eq!(names, ["spoof@binance:BTCUSDT", "wall@okx:BTC-USDT"]);
        assert_eq!(cli.check_combinations(), Ok(()));
        assert_eq!(check(&["depthscope", "sim", "--scenario", "pump"]), Ok(()));
        let err = check(&["depthscope", "--scenario", "spoof"]).unwrap_err();
        assert!(err.contains("--demo"), "{err}");
        let err = check(&["depthscope", "--demo", "--scenario", "spoofing"]).unwrap_err();
        assert!(err.contains("unknown scenario"), "{err}");
        let err = check(&[
            "depthscope",
            "sim",
            "--scenario",
            "stop-hunt@binance:BTCUSDT",
        ])
        .unwrap_err();
        assert!(err.contains("perpetual"), "{err}");
    }

    #[test]
    fn venue_lists_take_all_for_every_venue_with_an_adapter() {
        let venues = |list: &str| {
            Cli::try_parse_from(["depthscope", "--venues", list])
                .map(|c| Venues::expand(&c.common.venues))
                .map_err(|e| e.to_string())
        };
        let all = venues("all").unwrap();
        assert_eq!(all, crate::venue::registry::IMPLEMENTED);
        assert!(!all.contains(&VenueId::Coinex), "no adapter, not in `all`");
        // Named first keeps its place; `all` adds the rest once each.
        let list = venues("kraken,all,okx").unwrap();
        assert_eq!(list[0], VenueId::Kraken);
        assert_eq!(list.len(), all.len());
        assert_eq!(venues("okx,okx").unwrap(), [VenueId::Okx]);
        let err = venues("okx,nyse").unwrap_err();
        assert!(
            err.contains("unknown venue `nyse`") && err.contains("`all`"),
            "{err}"
        );
    }

    #[test]
    fn meaningless_combinations_are_refused() {
        let check = |args: &[&str]| {
            Cli::try_parse_from(args)
                .expect("parses")
                .check_combinations()
        };
        let err = check(&["depthscope", "replay", "x.ndjson", "--demo"]).unwrap_err();
        assert!(err.contains("--demo does not apply"), "{err}");
        let err =
            check(&["depthscope", "stream", "--json", "--replay", "x", "--demo"]).unwrap_err();
        assert!(err.contains("choose one"), "{err}");
        let err = check(&["depthscope", "replay", "x", "--venues", "okx"]).unwrap_err();
        assert!(err.contains("--venues"), "{err}");
        let err = check(&["depthscope", "replay", "x", "--record", "y"]).unwrap_err();
        assert!(err.contains("--record"), "{err}");
        let err = check(&[
            "depthscope",
            "--demo",
            "--venue-url",
            "okx=ws://127.0.0.1:1/x",
        ])
        .unwrap_err();
        assert!(err.contains("--venue-url"), "{err}");
        let err = check(&["depthscope", "sim", "--symbols", "BTC"]).unwrap_err();
        assert!(err.contains("sim serves"), "{err}");
        for ok in [
            &["depthscope", "--demo", "--symbols", "BTC"][..],
            &["depthscope", "replay", "x", "--symbols", "BTC"],
            &["depthscope", "stream", "--json", "--demo"],
            &["depthscope", "--venue-url", "okx=ws://127.0.0.1:1/x"],
        ] {
            assert_eq!(check(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn commands_parse() {
        let cli = Cli::try_parse_from([
            "depthscope",
            "replay",
            "x.ndjson",
            "--max",
            "--report",
            "json",
            "--repeat",
            "200",
        ])
        .unwrap();
        let Some(Command::Replay(r)) = cli.command else {
            panic!("not a replay")
        };
        assert!(r.pace.max && r.repeat == 200 && r.report == Some(ReportFormat::Json));
        let cli =
            Cli::try_parse_from(["depthscope", "--demo", "--fps", "5", "--symbols", "BTC,ETH"])
                .unwrap();
        assert!(cli.common.demo);
        assert_eq!(cli.common.symbols, ["BTC", "ETH"]);
        assert_eq!(cli.run.fps, Some(5));
        let cli = Cli::try_parse_from([
            "depthscope",
            "import",
            "cryptofeed",
            "ws.txt",
            "--rest",
            "http.txt",
            "--venue",
            "binance",
            "-o",
            "out.ndjson",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Import(ImportCommand::Cryptofeed(_)))
        ));
        assert!(
            Cli::try_parse_from(["depthscope", "stream"]).is_err(),
            "--json is required"
        );
    }
}
