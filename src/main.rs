//! `depthscope`: parse the command line and hand over to the library.

use clap::Parser;
use depthscope::capture::import::import_cryptofeed;
use depthscope::capture::replay::replay_report;
use depthscope::cli::{Cli, Command, ImportCommand, ImportCryptofeedArgs, ReplayArgs};
use depthscope::config::{Config, DEFAULT_TOML, cache_dir};
use depthscope::instrument::catalog::Catalog;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.run.print_default_config {
        print!("{DEFAULT_TOML}");
        return ExitCode::SUCCESS;
    }
    let _config = match Config::load(cli.common.config.as_deref()) {
        Ok((config, _)) => config,
        Err(e) => return fail(&e.to_string()),
    };
    match &cli.command {
        Some(Command::Replay(args)) if args.report.is_some() => replay_headless(args),
        Some(Command::Import(ImportCommand::Cryptofeed(args))) => import(args),
        Some(Command::Replay(_)) => {
            not_built("the replay UI (use --report json for a headless replay)")
        }
        Some(Command::Sim(_)) => not_built("the simulator"),
        Some(Command::Stream(_)) => not_built("stream --json"),
        None if cli.common.demo => not_built("the --demo simulated market"),
        None => not_built("the live monitor"),
    }
}

fn not_built(what: &str) -> ExitCode {
    fail(&format!(
        "{what} is not built yet; nothing here shows market data. See README.md for what exists today."
    ))
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
                ExitCode::SUCCESS
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
