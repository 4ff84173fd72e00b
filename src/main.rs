//! `depthscope`: parse the command line and hand over to the library.

use clap::Parser;
use depthscope::capture::import::import_cryptofeed;
use depthscope::capture::replay::replay_report;
use depthscope::cli::{
    BackfillArgs, Cli, Command, HeadlessSource, HistoryCommand, HistoryQueryArgs, ImportCommand,
    ImportCryptofeedArgs, PaceArgs, ReplayArgs, RunArgs, ServeArgs, SimArgs, StreamArgs, Venues,
};
use depthscope::config::{Config, DEFAULT_TOML, cache_dir};
use depthscope::engine::StreamOptions;
use depthscope::engine::stream_numbers::Fields;
use depthscope::history;
use depthscope::instrument::catalog::Catalog;
use depthscope::logging::{self, LogGuard, LogSink};
use depthscope::panics;
use depthscope::session::check::check_plan;
use depthscope::session::feeds::venue_options;
use depthscope::session::run::{Output, Plan, Source, run_session};
use depthscope::sim::faults::FaultSpec;
use depthscope::ui::run::{UiEnv, UiOptions};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Only a replay fixes the allocator's thresholds (`allocator`): it is where one hostile
    // message of many MB is the measured case, and everything else pays for it every tick.
    if matches!(cli.command, Some(Command::Replay(_))) {
        depthscope::allocator::configure();
    }
    let stop = CancellationToken::new();
    panics::install(stop.clone());
    let code = run(&cli, stop);
    match panics::first() {
        // The run may have ended normally since: the panic still says it is not to be trusted.
        Some(panic) => {
            eprintln!("depthscope: stopped by an internal error: {panic}");
            ExitCode::from(101)
        }
        None => code,
    }
}

/// The command, stopping early when `stop` is cancelled (a panic anywhere cancels it).
fn run(cli: &Cli, stop: CancellationToken) -> ExitCode {
    if let Err(e) = cli.check_combinations() {
        return fail(&e);
    }
    if cli.run.print_default_config {
        print!("{DEFAULT_TOML}");
        return ExitCode::SUCCESS;
    }
    let (config, config_file) = match Config::load(cli.common.config.as_deref()) {
        Ok((config, file)) => (config, file.or_else(depthscope::config::default_path)),
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(url) = &cli.connect {
        return connect(cli, &config, url, stop);
    }
    match &cli.command {
        Some(Command::Replay(args)) if args.report.is_some() => replay_headless(args),
        Some(Command::Import(ImportCommand::Cryptofeed(args))) => import(args),
        Some(Command::Replay(args)) => match speed(&args.pace) {
            Ok(speed) => {
                let source = Source::Replay {
                    file: args.file.clone(),
                    speed,
                    max_gap: args.pace.max_gap,
                };
                // A script turning a capture into a history file has no terminal to draw on.
                match &cli.common.history {
                    Some(out) if !std::io::IsTerminal::is_terminal(&std::io::stdout()) => {
                        replay_to_history(cli, &config, source, out, &args.run, stop)
                    }
                    _ => tui(cli, &config, config_file, source, &args.run, stop),
                }
            }
            Err(e) => fail(&e),
        },
        Some(Command::Sim(args)) => sim(args, &cli.common, stop),
        Some(Command::Stream(args)) => stream(cli, &config, args, stop),
        Some(Command::Serve(args)) if args.print_openapi => {
            println!("{}", depthscope::serve::openapi_json());
            ExitCode::SUCCESS
        }
        Some(Command::Serve(args)) if args.add_key.is_some() => add_key(cli, args),
        Some(Command::Serve(args)) => serve(cli, &config, args, stop),
        Some(Command::History(command)) => history_command(cli, &config, command),
        None if cli.common.demo => {
            let source = Source::Demo {
                seed: cli.common.seed,
                scenarios: cli.common.scenarios.clone(),
            };
            tui(cli, &config, config_file, source, &cli.run, stop)
        }
        None => tui(cli, &config, config_file, Source::Live, &cli.run, stop),
    }
}

/// The session's venues, symbols and endpoints: the command line over the config file.
fn plan(cli: &Cli, config: &Config, record: Option<std::path::PathBuf>, source: &Source) -> Plan {
    let c = &cli.common;
    let warm_demo = !c.cold_demo && !c.no_history;
    Plan {
        history: history_path(cli, config, source),
        retention: config.history.retention(),
        venues: if c.venues.is_empty() {
            config.general.venues.clone()
        } else {
            Venues::expand(&c.venues)
        },
        symbols: if c.symbols.is_empty() {
            config.general.symbols.clone()
        } else {
            c.symbols.clone()
        },
        venue_urls: c.venue_url.clone(),
        venue_rests: c.venue_rest.clone(),
        record,
        // The warm demo builds its own past; a REST backfill from the simulator would fill the
        // hours it is still building with another market's.
        skip_backfill: c.no_backfill || (matches!(source, Source::Demo { .. }) && warm_demo),
        warm_demo,
    }
}

/// The history file of a session: `--history PATH` always; otherwise the configured (or
/// default) file for live sessions only, so a replay or the demo never mixes into the
/// market's own history. `--no-history` or `history.enabled = false` turn it off.
fn history_path(cli: &Cli, config: &Config, source: &Source) -> Option<std::path::PathBuf> {
    if cli.common.no_history {
        return None;
    }
    if let Some(path) = &cli.common.history {
        return Some(path.clone());
    }
    let live = matches!(source, Source::Live);
    (live && config.history.enabled)
        .then(|| config.history.path.clone().or_else(history::default_path))
        .flatten()
}

/// `depthscope history …`: read-only, alongside a running depthscope.
fn history_command(cli: &Cli, config: &Config, command: &HistoryCommand) -> ExitCode {
    let Some(path) = cli
        .common
        .history
        .clone()
        .or_else(|| config.history.path.clone())
        .or_else(history::default_path)
    else {
        return fail("no data directory for the history file: give --history PATH");
    };
    let result = match command {
        // From the venues' REST endpoints, not the file.
        HistoryCommand::Backfill(args) => return backfill(cli, config, args),
        HistoryCommand::Info => history::Store::open_read(&path)
            .and_then(|store| history::query::info(&store).map(|s| print!("{s}"))),
        HistoryCommand::Prune => history::Store::open_write(&path).and_then(|store| {
            let now = (depthscope::market::now_nanos() / 1_000_000_000) as i64;
            let n = store.prune(now, &config.history.retention())?;
            println!(
                "deleted {n} rows older than the retention from {}",
                path.display()
            );
            Ok(())
        }),
        HistoryCommand::Query(args) => history_query(&path, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

fn history_query(
    path: &std::path::Path,
    args: &HistoryQueryArgs,
) -> Result<(), history::HistoryError> {
    use history::HistoryError::Usage;
    let now = (depthscope::market::now_nanos() / 1_000_000_000) as i64;
    let every = history::Interval::parse(&args.every)
        .ok_or_else(|| Usage(format!("--every {:?}: use 1s, 1m or 1h", args.every)))?;
    let spec = history::query::QuerySpec {
        symbol: args.symbol.clone(),
        venue: args.venue.clone(),
        from: history::query::parse_time(&args.from, now)?,
        to: history::query::parse_time(&args.to, now)?,
        every,
        fields: args.fields.clone(),
    };
    let format = match args.format.as_str() {
        f @ ("csv" | "json" | "parquet") => f,
        other => {
            return Err(Usage(format!(
                "--format {other:?}: use csv, json or parquet"
            )));
        }
    };
    if format == "parquet"
        && args.output.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Usage(
            "--format parquet writes a binary file: give -o FILE or redirect stdout".into(),
        ));
    }
    let store = history::Store::open_read(path)?;
    let io = |e: String| {
        history::HistoryError::Io(args.output.clone().unwrap_or_else(|| "stdout".into()), e)
    };
    let open = || -> Result<Box<dyn std::io::Write + Send>, history::HistoryError> {
        Ok(match &args.output {
            Some(file) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(file).map_err(|e| io(e.to_string()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        })
    };
    if format == "csv" && history::query::one_book(&store, &spec)? {
        let mut out = open()?;
        let streamed = history::query::stream_csv(&store, &spec, &mut out, |e| io(e.to_string()))
            .and_then(|()| out.flush().map_err(|e| io(e.to_string())));
        if streamed.is_err()
            && let Some(file) = &args.output
        {
            // No half-written export left behind.
            drop(out);
            let _ = std::fs::remove_file(file);
        }
        return streamed;
    }
    let table = history::query::query(&store, &spec)?;
    let mut out = open()?;
    match format {
        "csv" => history::query::write_csv(&table, &mut out),
        "json" => history::query::write_json(&table, &mut out),
        _ => history::parquet::write_parquet(&table, &mut out).map_err(std::io::Error::other),
    }
    .and_then(|()| out.flush())
    .map_err(|e| io(e.to_string()))
}

/// The source of `stream` and `serve`: `--replay FILE`, `--demo`, or the live venues.
fn headless_source(cli: &Cli, args: &HeadlessSource) -> Result<Source, String> {
    Ok(match &args.replay {
        Some(file) => Source::Replay {
            file: file.clone(),
            speed: speed(&args.pace)?,
            max_gap: args.pace.max_gap,
        },
        None if cli.common.demo => Source::Demo {
            seed: cli.common.seed,
            scenarios: cli.common.scenarios.clone(),
        },
        None => Source::Live,
    })
}

/// `--speed N` (a positive number) or `--max` (`None`).
fn speed(pace: &PaceArgs) -> Result<Option<f64>, String> {
    if pace.max {
        return Ok(None);
    }
    if pace.speed.is_finite() && pace.speed > 0.0 {
        Ok(Some(pace.speed))
    } else {
        Err(format!(
            "--speed must be a positive number, got {}",
            pace.speed
        ))
    }
}

/// The terminal UI on `source`.
/// `config_file`: where `:add`/`:rm` save the watch list.
fn tui(
    cli: &Cli,
    config: &Config,
    config_file: Option<std::path::PathBuf>,
    source: Source,
    run: &RunArgs,
    stop: CancellationToken,
) -> ExitCode {
    let (mut options, log) = match prepare_ui(config, run, &stop) {
        Ok(ready) => ready,
        Err(e) => return fail(&e),
    };
    options.config_file = config_file;
    let record = match source {
        Source::Replay { .. } => None,
        _ => run.record.clone().or_else(|| config.general.record.clone()),
    };
    let plan = plan(cli, config, record, &source);
    if let Err(e) = check_plan(&plan, &source, cache_dir().as_deref()) {
        return fail(&e);
    }
    let outcome = runtime().and_then(|rt| {
        rt.block_on(run_session(
            config,
            &plan,
            source,
            Output::Tui(Box::new(options)),
            stop,
        ))
        .map_err(|e| e.to_string())
    });
    drop(log);
    match outcome {
        Ok(outcome) => {
            for note in outcome.notes {
                eprintln!("depthscope: {note}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// The UI's options, the error reporter and the log pane, before the screen is taken over
/// (errors on stderr are still readable here).
fn prepare_ui(
    config: &Config,
    run: &RunArgs,
    stop: &CancellationToken,
) -> Result<(UiOptions, LogGuard), String> {
    let mut options =
        UiOptions::resolve(config, run, &UiEnv::from_process()).map_err(|e| e.to_string())?;
    color_eyre::install().map_err(|e| format!("cannot install the error reporter: {e}"))?;
    // color-eyre replaced the panic hook: record panics around its hook too.
    panics::install(stop.clone());
    let log = start_logging(LogSink::TuiPane)?;
    options.log_file = Some(log.file.clone());
    Ok((options, log))
}

/// `--connect URL`: the terminal on a remote `serve`'s frames.
fn connect(cli: &Cli, config: &Config, url: &str, stop: CancellationToken) -> ExitCode {
    if let Err(e) = depthscope::serve::attach::host_of(url) {
        return fail(&e.to_string());
    }
    let (mut options, log) = match prepare_ui(config, &cli.run, &stop) {
        Ok(ready) => ready,
        Err(e) => return fail(&e),
    };
    let key = std::env::var("DEPTHSCOPE_API_KEY")
        .ok()
        .filter(|k| !k.is_empty());
    eprintln!("depthscope: connecting to {url}…");
    let outcome = runtime().and_then(|rt| {
        rt.block_on(async {
            let attached = depthscope::serve::attach::attach(url, key, stop.clone())
                .await
                .map_err(|e| e.to_string())?;
            options.remote = Some(attached.remote);
            let shown = depthscope::ui::run::run_tui(attached.frames, options, None, stop.clone())
                .await
                .map_err(|e| e.to_string());
            stop.cancel();
            let _ = attached.task.await;
            shown
        })
    });
    drop(log);
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `stream --json`: frames as JSON lines on stdout, from live venues, `--demo` or `--replay`.
fn stream(cli: &Cli, config: &Config, args: &StreamArgs, stop: CancellationToken) -> ExitCode {
    let source = match headless_source(cli, &args.source) {
        Ok(source) => source,
        Err(e) => return fail(&e),
    };
    let fields = if args.fields.is_empty() {
        None
    } else {
        match Fields::parse(&args.fields) {
            Ok(fields) => Some(fields),
            Err(e) => return fail(&e),
        }
    };
    // stdout carries the JSON; logs go to the file only (and without one, say so on stderr).
    let log = start_logging(LogSink::FileOnly)
        .inspect_err(|e| eprintln!("depthscope: {e}; continuing without a log file"))
        .ok();
    let output = Output::Json {
        options: StreamOptions {
            market_names: args.market_names,
            fields,
        },
        exit_after: args.source.exit_after,
    };
    let plan = plan(cli, config, None, &source);
    if let Err(e) = check_plan(&plan, &source, cache_dir().as_deref()) {
        return fail(&e);
    }
    let outcome = runtime().and_then(|rt| {
        rt.block_on(run_session(config, &plan, source, output, stop))
            .map_err(|e| e.to_string())
    });
    drop(log);
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `serve`: the HTTP API from live venues, `--demo` or `--replay`.
fn serve(cli: &Cli, config: &Config, args: &ServeArgs, stop: CancellationToken) -> ExitCode {
    let source = match headless_source(cli, &args.source) {
        Ok(source) => source,
        Err(e) => return fail(&e),
    };
    let s = &config.serve;
    let options = depthscope::serve::ServeOptions {
        listen: args.listen.unwrap_or(s.listen),
        keys: s
            .keys
            .iter()
            .map(|k| (k.name.clone(), k.sha256.clone()))
            .collect(),
        limits: depthscope::serve::Limits {
            per_minute: s.requests_per_minute,
            burst_per_second: s.burst_per_second,
        },
        stream_buffer: s.stream_buffer,
        resume_ticks: s.resume_ticks,
        resume_bytes: s.resume_mb << 20,
        market_names: args.market_names,
    };
    if let Err(e) = depthscope::serve::check(&options) {
        return fail(&e.to_string());
    }
    let log = start_logging(LogSink::FileOnly)
        .inspect_err(|e| eprintln!("depthscope: {e}; continuing without a log file"))
        .ok();
    let plan = plan(cli, config, None, &source);
    if let Err(e) = check_plan(&plan, &source, cache_dir().as_deref()) {
        return fail(&e);
    }
    let outcome = runtime().and_then(|rt| {
        rt.block_on(async {
            let listener = depthscope::serve::bind(&options)
                .await
                .map_err(|e| e.to_string())?;
            let addr = listener
                .local_addr()
                .map_or_else(|_| options.listen.to_string(), |a| a.to_string());
            eprintln!(
                "depthscope: serving http://{addr} (GET /v1/symbols, /v1/stream, /openapi.json)"
            );
            let output = Output::Serve {
                listener,
                options: Box::new(options.clone()),
                exit_after: args.source.exit_after,
            };
            run_session(config, &plan, source, output, stop)
                .await
                .map_err(|e| e.to_string())
        })
    });
    drop(log);
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// `serve --add-key NAME`: a new key, stored hashed in the config file, printed once.
fn add_key(cli: &Cli, args: &ServeArgs) -> ExitCode {
    let Some(name) = args.add_key.as_deref() else {
        return fail("--add-key needs a name");
    };
    let Some(path) = cli
        .common
        .config
        .clone()
        .or_else(depthscope::config::default_path)
    else {
        return fail("no config directory on this system: pass --config FILE");
    };
    let key = depthscope::serve::new_key();
    match depthscope::config::keys::add_api_key(&path, name, &depthscope::serve::hash_key(&key)) {
        Ok(()) => {
            eprintln!(
                "depthscope: added API key {name:?} to {} (only its hash is stored; this is the \
                 only time the key is shown):",
                path.display()
            );
            println!("{key}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `history backfill`: public REST history for the watched books into the history file, with a
/// progress bar per venue and a summary of what was written.
fn backfill(cli: &Cli, config: &Config, args: &BackfillArgs) -> ExitCode {
    use depthscope::backfill::cli::{
        BackfillRequest, StoreSink, TerminalSink, run, written_summary,
    };
    use std::io::IsTerminal;
    let source = if cli.common.demo {
        Source::Demo {
            seed: cli.common.seed,
            scenarios: cli.common.scenarios.clone(),
        }
    } else {
        Source::Live
    };
    let mut plan = plan(cli, config, None, &source);
    if !args.symbol.is_empty() {
        plan.symbols = args.symbol.clone();
    }
    if !args.venue.is_empty() {
        plan.venues = Venues::expand(&args.venue);
    }
    // The demo's history goes only into a file named with --history (never the market's own).
    let store = match &plan.history {
        Some(path) => match history::Store::open_write(path) {
            Ok(store) => {
                eprintln!("depthscope: backfilling into {}", path.display());
                Some(store)
            }
            Err(e) => return fail(&e.to_string()),
        },
        None => {
            eprintln!(
                "depthscope: no history file (--no-history, or --demo without --history PATH): fetching and printing only"
            );
            None
        }
    };
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            // `--demo`: the embedded simulator's history (SIMULATED), over loopback.
            let (sim, options, cache) = if cli.common.demo {
                let (sim, options) =
                    depthscope::sim::start_embedded(cli.common.seed, FaultSpec::none())
                        .await
                        .map_err(|e| format!("cannot start the simulator: {e}"))?;
                (Some(sim), options, None)
            } else {
                let options = venue_options(config, &plan.venue_urls, &plan.venue_rests);
                (None, options, cache_dir())
            };
            let terminal = TerminalSink::new(
                std::io::stdout().lock(),
                args.json,
                std::io::stderr().is_terminal(),
            );
            let mut sink = StoreSink::new(store, terminal);
            let request = BackfillRequest {
                venues: &plan.venues,
                symbols: &plan.symbols,
                options: &options,
                cache: cache.as_deref(),
                hours: args.hours,
            };
            let outcome = run(request, &mut sink).await;
            if let Some(sim) = sim {
                sim.shutdown().await;
            }
            outcome.map(|p| (p, sink.written.clone(), sink.error.clone()))
        })
    });
    match result {
        Ok((p, written, store_error)) => {
            if !args.json {
                print!("{}", written_summary(&written, &p));
            }
            if let Some(e) = store_error {
                return fail(&format!("writing the history file failed: {e}"));
            }
            let offline = p.closed.len() == p.venues.len() && !p.venues.is_empty();
            if offline {
                let why: Vec<String> = p.closed.iter().map(|(v, w)| format!("{v}: {w}")).collect();
                return fail(&format!(
                    "no venue could be reached ({}); nothing was fetched. Check the network, or try --demo",
                    why.join("; ")
                ));
            }
            if p.failed > 0 {
                eprintln!(
                    "depthscope: {} of {} requests failed{}",
                    p.failed,
                    p.pages_total,
                    p.last_error
                        .map_or(String::new(), |e| format!(" (last: {e})"))
                );
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e),
    }
}

/// `depthscope sim`: the simulator alone, until Ctrl-C.
fn sim(args: &SimArgs, common: &depthscope::cli::CommonArgs, stop: CancellationToken) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let cancel = stop.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            let cfg = args
                .config(common.seed, &common.scenarios)
                .map_err(|e| e.to_string())?;
            depthscope::sim::run_standalone(&args.listen, cfg, cancel)
                .await
                .map_err(|e| e.to_string())
        })
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// Logs go to the state directory, or the temp directory when there is none.
fn start_logging(sink: LogSink) -> Result<LogGuard, String> {
    match logging::init(sink, None) {
        Err(logging::LogError::NoDirectory) => {
            logging::init(sink, Some(&std::env::temp_dir().join("depthscope")))
        }
        other => other,
    }
    .map_err(|e| format!("cannot start logging: {e}"))
}

fn import(args: &ImportCryptofeedArgs) -> ExitCode {
    let note = format!("imported from cryptofeed {}", args.ws_file.display());
    match import_cryptofeed(
        &args.ws_file,
        args.rest.as_deref(),
        args.venue,
        &args.output,
        &note,
    ) {
        Ok(stats) => {
            eprintln!(
                "depthscope: wrote {} ({} open, {} sent, {} received, {} REST events)",
                args.output.display(),
                stats.open,
                stats.sent,
                stats.recv,
                stats.rest
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// `replay FILE --history OUT` without a terminal: the capture through the engine into the
/// history file, nothing drawn, then what the file now covers.
fn replay_to_history(
    cli: &Cli,
    config: &Config,
    source: Source,
    out: &std::path::Path,
    run: &RunArgs,
    stop: CancellationToken,
) -> ExitCode {
    let log = start_logging(LogSink::FileOnly)
        .inspect_err(|e| eprintln!("depthscope: {e}; continuing without a log file"))
        .ok();
    let plan = plan(cli, config, None, &source);
    if let Err(e) = check_plan(&plan, &source, cache_dir().as_deref()) {
        return fail(&e);
    }
    eprintln!(
        "depthscope: replaying into the history file {} (no terminal: nothing is drawn)",
        out.display()
    );
    let output = Output::Quiet {
        exit_after: run.exit_after,
    };
    let outcome = runtime().and_then(|rt| {
        rt.block_on(run_session(config, &plan, source, output, stop))
            .map_err(|e| e.to_string())
    });
    drop(log);
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => return fail(&e),
    };
    for note in outcome.notes {
        eprintln!("depthscope: {note}");
    }
    match history::Store::open_read(out).and_then(|store| history::query::info(&store)) {
        Ok(info) => {
            eprint!("{info}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn replay_headless(args: &ReplayArgs) -> ExitCode {
    let registry: Vec<_> = cache_dir()
        .map(|dir| Catalog::from_cache(&dir).all().cloned().collect())
        .unwrap_or_default();
    match replay_report(&args.file, args.repeat, registry) {
        Ok(report) => match serde_json::to_string_pretty(&report) {
            Ok(json) => {
                println!("{json}");
                if report.events > 0 {
                    return ExitCode::SUCCESS;
                }
                // The report is printed all the same: its errors say what was wrong.
                let first = report
                    .errors
                    .first()
                    .map_or(String::new(), |e| format!("; first: {e}"));
                fail(&format!(
                    "nothing in {} could be replayed ({} errors{first})",
                    args.file.display(),
                    report.errors_total
                ))
            }
            Err(e) => fail(&format!("cannot write the report: {e}")),
        },
        Err(e) => fail(&format!("cannot read {}: {e}", args.file.display())),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("depthscope: {message}");
    ExitCode::from(2)
}
