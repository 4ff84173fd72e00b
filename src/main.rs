//! `depthscope`: parse the command line and hand over to the library.

use clap::Parser;
use depthscope::cli::{Cli, Command};
use depthscope::config::{Config, DEFAULT_TOML};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.run.print_default_config {
        print!("{DEFAULT_TOML}");
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(cli.common.config.as_deref()) {
        Ok((config, _)) => config,
        Err(e) => {
            eprintln!("depthscope: {e}");
            return ExitCode::from(2);
        }
    };
    let what = match &cli.command {
        None if cli.common.demo => "the --demo simulated market",
        None => "the live monitor",
        Some(Command::Replay(_)) => "replay",
        Some(Command::Import(_)) => "import",
        Some(Command::Sim(_)) => "the simulator",
        Some(Command::Stream(_)) => "stream --json",
    };
    let _ = config;
    eprintln!(
        "depthscope {}: {what} is not built yet; nothing here shows market data. \
         See README.md for what exists today.",
        env!("CARGO_PKG_VERSION")
    );
    ExitCode::from(2)
}
