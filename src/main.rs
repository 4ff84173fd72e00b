//! `depthscope`: parse the command line and hand over to the library.

use clap::Parser;
use depthscope::capture::import::import_cryptofeed;
use depthscope::capture::replay::replay_report;
use depthscope::cli::{
    Cli, Command, ImportCommand, ImportCryptofeedArgs, PaceArgs, ReplayArgs, RunArgs, SimArgs,
    StreamArgs,
};
use depthscope::config::{Config, DEFAULT_TOML, cache_dir};
use depthscope::engine::StreamOptions;
use depthscope::instrument::catalog::Catalog;
use depthscope::logging::{self, LogGuard, LogSink};
use depthscope::panics;
use depthscope::session::run::{Output, Plan, Source, run_session};
use depthscope::ui::run::{UiEnv, UiOptions};
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    if cli.run.print_default_config {
        print!("{DEFAULT_TOML}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(cli.common.config.as_deref()) {
        Ok((config, _)) => config,
        Err(e) => return fail(&e.to_string()),
    };
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
                tui(cli, &config, source, &args.run, stop)
            }
            Err(e) => fail(&e),
        },
        Some(Command::Sim(args)) => sim(args, cli.common.seed, stop),
        Some(Command::Stream(args)) => stream(cli, &config, args, stop),
        None if cli.common.demo => {
            let source = Source::Demo {
                seed: cli.common.seed,
            };
            tui(cli, &config, source, &cli.run, stop)
        }
        None => tui(cli, &config, Source::Live, &cli.run, stop),
    }
}

/// The session's venues, symbols and endpoints: the command line over the config file.
fn plan(cli: &Cli, config: &Config, record: Option<std::path::PathBuf>) -> Plan {
    let c = &cli.common;
    Plan {
        venues: if c.venues.is_empty() {
            config.general.venues.clone()
        } else {
            c.venues.clone()
        },
        symbols: if c.symbols.is_empty() {
            config.general.symbols.clone()
        } else {
            c.symbols.clone()
        },
        venue_urls: c.venue_url.clone(),
        venue_rests: c.venue_rest.clone(),
        record,
    }
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
fn tui(
    cli: &Cli,
    config: &Config,
    source: Source,
    run: &RunArgs,
    stop: CancellationToken,
) -> ExitCode {
    let mut options = match UiOptions::resolve(config, run, &UiEnv::from_process()) {
        Ok(options) => options,
        Err(e) => return fail(&e.to_string()),
    };
    // Before the screen is taken over: errors on stderr are still readable here.
    if let Err(e) = color_eyre::install() {
        return fail(&format!("cannot install the error reporter: {e}"));
    }
    // color-eyre replaced the panic hook: record panics around its hook too.
    panics::install(stop.clone());
    let log = match start_logging(LogSink::TuiPane) {
        Ok(guard) => guard,
        Err(e) => return fail(&e),
    };
    options.log_file = Some(log.file.clone());
    let record = match source {
        Source::Replay { .. } => None,
        _ => run.record.clone().or_else(|| config.general.record.clone()),
    };
    let plan = plan(cli, config, record);
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

/// `stream --json`: frames as JSON lines on stdout, from live venues, `--demo` or `--replay`.
fn stream(cli: &Cli, config: &Config, args: &StreamArgs, stop: CancellationToken) -> ExitCode {
    let source = match &args.replay {
        Some(file) => match speed(&args.pace) {
            Ok(speed) => Source::Replay {
                file: file.clone(),
                speed,
                max_gap: args.pace.max_gap,
            },
            Err(e) => return fail(&e),
        },
        None if cli.common.demo => Source::Demo {
            seed: cli.common.seed,
        },
        None => Source::Live,
    };
    // stdout carries the JSON; logs go to the file only (and without one, say so on stderr).
    let log = start_logging(LogSink::FileOnly)
        .inspect_err(|e| eprintln!("depthscope: {e}; continuing without a log file"))
        .ok();
    let output = Output::Json {
        options: StreamOptions {
            market_names: args.market_names,
        },
        exit_after: args.exit_after,
    };
    let plan = plan(cli, config, None);
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

/// `depthscope sim`: the simulator alone, until Ctrl-C.
fn sim(args: &SimArgs, seed: u64, stop: CancellationToken) -> ExitCode {
    let result = runtime().and_then(|rt| {
        rt.block_on(async {
            let cancel = stop.clone();
            tokio::spawn(async move {
                let _ = tokio::signal::ctrl_c().await;
                stop.cancel();
            });
            depthscope::sim::run_standalone(&args.listen, seed, args.faults.as_deref(), cancel)
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
