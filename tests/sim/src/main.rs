//! `sleeper-sim`: runs the Sleeper API simulator until Ctrl-C and prints its
//! base URL (`http://ADDR/v1`) on stdout. All logic lives in the library.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = sleeper_sim::cli::Cli::parse();
    match sleeper_sim::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sleeper-sim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
