//! `sleeper-consumer`: parse the command line, load the configuration, and
//! hand the command to the library (`cli::dispatch`).

use std::process::ExitCode;

use clap::Parser;
use sleeper_consumer::cli::{self, Cli, Command, BIN};
use sleeper_consumer::config::ConsumerConfig;
use sleeper_shared::config::Env;
use sleeper_shared::startup;

fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Run);
    let config = match ConsumerConfig::load(&Env::from_process(), command.default_http_addr()) {
        Ok(c) => c,
        Err(e) => return startup::usage_error(BIN, e),
    };
    let common = config.common.clone();
    startup::run(BIN, &common, cli::dispatch(command, config))
}
