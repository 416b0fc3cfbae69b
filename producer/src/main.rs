//! `sleeper-producer`: parse the command line, start telemetry, call the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use prometheus::Registry;
use sleeper_producer::app::Producer;
use sleeper_producer::config::ProducerConfig;
use sleeper_producer::once::run_pass;
use sleeper_shared::config::{ConfigError, Env};
use sleeper_shared::telemetry;
use sleeper_shared::telemetry::RedisCheck;
use sleeper_shared::{Origin, Scope};
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
    /// Exit 0 if this host's /health answers (container healthcheck).
    Health,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let env = Env::from_process();
    let default_http = match command {
        Command::Run | Command::Health => Some("127.0.0.1:9100"),
        Command::Once => None,
    };
    let config = match ProducerConfig::load(&env, default_http) {
        Ok(c) => c,
        Err(e) => return config_error(&e),
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
    match runtime.block_on(dispatch(command, config)) {
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

async fn dispatch(command: Command, config: ProducerConfig) -> anyhow::Result<ExitCode> {
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
            let scopes = once_scopes(&producer.config.league_ids);
            let report = run_pass(&producer, scopes, Origin::Poll, &cancel).await;
            tracing::info!(
                appended = report.appended,
                unchanged = report.unchanged,
                not_found = report.not_found,
                failed = report.failed.len(),
                "pass complete"
            );
            if report.failed.is_empty() {
                Ok(ExitCode::SUCCESS)
            } else {
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
                Ok(ExitCode::from(1))
            }
        }
        Command::Run => {
            let producer = Producer::connect(config, Registry::new()).await?;
            let _server = serve(&producer, &cancel).await?;
            shutdown_on_signal(cancel.clone());
            while !cancel.is_cancelled() {
                let scopes = once_scopes(&producer.config.league_ids);
                run_pass(&producer, scopes, Origin::Poll, &cancel).await;
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
                    _ = cancel.cancelled() => {}
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The skeleton's plan: the NFL state and each configured league's own scopes.
fn once_scopes(leagues: &[String]) -> Vec<(Scope, Option<String>)> {
    let mut scopes = vec![(Scope::State, None)];
    for id in leagues {
        scopes.push((Scope::League(id.clone()), None));
        scopes.push((Scope::Rosters(id.clone()), None));
        scopes.push((Scope::Users(id.clone()), None));
    }
    scopes
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

fn shutdown_on_signal(cancel: CancellationToken) {
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return,
            };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("shutting down");
        cancel.cancel();
    });
}
