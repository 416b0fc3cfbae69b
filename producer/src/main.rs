//! `sleeper-producer`: parse the command line, start telemetry, call the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use prometheus::Registry;
use sleeper_producer::app::Producer;
use sleeper_producer::backfill::{backfill, BackfillOptions};
use sleeper_producer::cadence::Cadence;
use sleeper_producer::config::ProducerConfig;
use sleeper_producer::once::{once, PassReport};
use sleeper_producer::run::run;
use sleeper_shared::config::{ConfigError, Env};
use sleeper_shared::scope::is_valid_id;
use sleeper_shared::telemetry;
use sleeper_shared::telemetry::RedisCheck;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "sleeper-producer",
    version,
    about = "Polls the Sleeper API and appends snapshots to a Redis stream"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Poll forever (the default).
    Run,
    /// Fetch every scope of the plan now, then exit (1 if any scope failed).
    Once,
    /// Fetch past seasons through previous_league_id (1 if any scope failed).
    Backfill {
        /// The newest league of the chain (default: the configured leagues).
        #[arg(long)]
        league: Option<String>,
        /// How many seasons to walk back, newest first (default: all).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        seasons: Option<u32>,
    },
    /// Exit 0 if this host's /health answers (container healthcheck).
    Health,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let env = Env::from_process();
    let default_http = match command {
        Command::Run | Command::Health => Some("127.0.0.1:9100"),
        Command::Once | Command::Backfill { .. } => None,
    };
    let config = match ProducerConfig::load(&env, default_http) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
    };
    if let Command::Backfill {
        league: Some(id), ..
    } = &command
    {
        if !is_valid_id(id) || !id.bytes().all(|b| b.is_ascii_digit()) {
            eprintln!("sleeper-producer: --league {id:?} is not a numeric league id");
            return ExitCode::from(ConfigError::EXIT_CODE as u8);
        }
    }
    let cadence = match Cadence::load(config.poll_config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sleeper-producer: SLEEPER_POLL_CONFIG: {e}");
            return ExitCode::from(ConfigError::EXIT_CODE as u8);
        }
    };
    telemetry::init_tracing(&config.common.log_level, config.common.log_format);
    telemetry::install_crypto_provider();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sleeper-producer: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(command, config, cadence)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sleeper-producer: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn config_error(e: &ConfigError) -> ExitCode {
    eprintln!("sleeper-producer: {e}");
    ExitCode::from(ConfigError::EXIT_CODE as u8)
}

async fn dispatch(
    command: Command,
    config: ProducerConfig,
    cadence: Cadence,
) -> anyhow::Result<ExitCode> {
    let cancel = CancellationToken::new();
    match command {
        Command::Health => {
            let addr = config
                .common
                .http_addr
                .ok_or_else(|| anyhow::anyhow!("HTTP_ADDR is not set"))?;
            telemetry::probe_health(addr)
                .await
                .map_err(anyhow::Error::msg)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Once => {
            let producer = Producer::connect(config, Registry::new()).await?;
            let _server = serve(&producer, &cancel).await?;
            sleeper_shared::shutdown::cancel_on_signal(cancel.clone(), "shutting down");
            let report = once(&producer, &cadence, &cancel).await;
            Ok(exit_for(&report, "pass"))
        }
        Command::Backfill { league, seasons } => {
            let producer = Producer::connect(config, Registry::new()).await?;
            let _server = serve(&producer, &cancel).await?;
            sleeper_shared::shutdown::cancel_on_signal(cancel.clone(), "shutting down");
            let options = BackfillOptions { league, seasons };
            let report = backfill(&producer, &options, &cancel).await?;
            Ok(exit_for(&report, "backfill"))
        }
        Command::Run => {
            let producer = Producer::connect(config, Registry::new()).await?;
            let _server = serve(&producer, &cancel).await?;
            sleeper_shared::shutdown::cancel_on_signal(cancel.clone(), "shutting down");
            run(&producer, &cadence, &cancel).await;
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// 0 when every scope succeeded, else 1 with one line naming the failed scopes.
fn exit_for(report: &PassReport, what: &str) -> ExitCode {
    tracing::info!(
        appended = report.appended,
        unchanged = report.unchanged,
        not_found = report.not_found,
        failed = report.failed.len(),
        "{what} complete"
    );
    if report.failed.is_empty() {
        return ExitCode::SUCCESS;
    }
    let names: Vec<_> = report
        .failed
        .iter()
        .map(|(s, e)| format!("{s} ({e})"))
        .collect();
    eprintln!(
        "sleeper-producer: {} scope(s) failed: {}",
        names.len(),
        names.join(", ")
    );
    ExitCode::from(1)
}

async fn serve(
    producer: &Producer,
    cancel: &CancellationToken,
) -> anyhow::Result<Option<telemetry::ServerHandle>> {
    let Some(addr) = producer.config.common.http_addr else {
        return Ok(None);
    };
    let checks: Vec<Box<dyn telemetry::Check>> =
        vec![Box::new(RedisCheck::new(producer.redis.clone()))];
    Ok(Some(
        telemetry::serve(addr, producer.registry.clone(), checks, cancel.clone()).await?,
    ))
}
