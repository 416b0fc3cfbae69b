//! `sleeper-producer`: parse the command line and hand it to the library
//! (`sleeper_producer::cli`).

use std::process::ExitCode;

use clap::Parser;
use sleeper_producer::cli::{dispatch, Cli};

fn main() -> ExitCode {
    dispatch(Cli::parse())
}
