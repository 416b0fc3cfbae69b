//! `sleeper-consumer`: parse the command line, start telemetry, call the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use prometheus::Registry;
use sleeper_consumer::app::{self, PostgresCheck};
use sleeper_consumer::config::ConsumerConfig;
use sleeper_consumer::metrics::ConsumerMetrics;
use sleeper_consumer::migrate::{migrate, PROJECTION_SCHEMA};
use sleeper_consumer::projector::Projector;
use sleeper_consumer::read::{ensure_group, Reader};
use sleeper_consumer::replay::{End, ReplayFilter};
use sleeper_consumer::{dlq, rebuild, replay, status};
use sleeper_shared::config::{ConfigError, Env};
use sleeper_shared::redis_conn;
use sleeper_shared::telemetry::{self, Check, RedisCheck};
use sleeper_shared::Kind;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "sleeper-consumer",
    version,
    about = "Projects the event stream into Postgres tables"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Join the group, archive and project forever (the default).
    Run,
    /// Apply migrations, then exit.
    Migrate,
    /// Re-project a range of the archive: each scope's newest event in the
    /// range (its current version included) and every series sample; never
    /// overwrites a newer snapshot.
    Replay {
        /// From this stream id or RFC 3339 append time (inclusive).
        #[arg(long)]
        from: Option<String>,
        /// Up to this stream id or RFC 3339 append time (inclusive).
        #[arg(long)]
        to: Option<String>,
        /// Only these kinds (repeatable).
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Only events of these leagues (draft scopes included; repeatable).
        #[arg(long = "league")]
        leagues: Vec<String>,
    },
    /// Rebuild every projection table from the whole archive into a shadow
    /// schema, then swap it in atomically.
    Rebuild,
    /// Stream length, groups, lag (events, seconds), pending, DLQ, archive.
    Status {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Inspect and handle dead letters.
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
    /// Exit 0 if this host's /health answers (container healthcheck).
    Health,
}

#[derive(Subcommand)]
enum DlqAction {
    /// List dead letters (oldest first).
    List {
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Show one dead letter in full.
    Show { id: String },
    /// Put dead letters back on the stream, keeping their original id as version.
    Requeue {
        /// The DLQ id (from `dlq list`).
        id: Option<String>,
        /// Requeue every dead letter.
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
    /// Delete a dead letter (the archive keeps the event).
    Discard { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Run);
    let default_http = match command {
        Command::Run | Command::Health => Some("127.0.0.1:9101"),
        Command::Migrate
        | Command::Status { .. }
        | Command::Dlq { .. }
        | Command::Replay { .. }
        | Command::Rebuild => None,
    };
    let config = match ConsumerConfig::load(&Env::from_process(), default_http) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("sleeper-consumer: {e}");
            return ExitCode::from(ConfigError::EXIT_CODE as u8);
        }
    };
    telemetry::init_tracing(&config.common.log_level, config.common.log_format);
    telemetry::install_crypto_provider();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sleeper-consumer: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sleeper-consumer: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn dispatch(command: Command, config: ConsumerConfig) -> anyhow::Result<ExitCode> {
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
        Command::Migrate => {
            let mut client = app::connect(&config).await?;
            let report = migrate(&mut client).await?;
            tracing::info!(applied = report.applied.len(), "migrations up to date");
            println!("applied {} migration(s)", report.applied.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::Run => run(config).await,
        Command::Status { json } => {
            let mut redis = redis_conn::managed(&config.common.redis_url).await?;
            let pg = app::connect(&config).await.ok();
            let now = chrono::Utc::now().timestamp_millis();
            let status = status::read(&mut redis, &config.keys(), pg.as_ref(), now)
                .await
                .map_err(|e| anyhow::anyhow!(redis_conn::describe(&config.common.redis_url, &e)))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                print!("{}", status.render());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Dlq { action } => dlq_command(action, &config).await,
        Command::Replay {
            from,
            to,
            kinds,
            leagues,
        } => replay_command(&config, from, to, kinds, leagues).await,
        Command::Rebuild => rebuild_command(&config).await,
    }
}

/// A usage error: one line naming the bad value, exit 2.
fn usage(message: String) -> ExitCode {
    eprintln!("sleeper-consumer: {message}");
    ExitCode::from(ConfigError::EXIT_CODE as u8)
}

async fn replay_command(
    config: &ConsumerConfig,
    from: Option<String>,
    to: Option<String>,
    kinds: Vec<String>,
    leagues: Vec<String>,
) -> anyhow::Result<ExitCode> {
    let mut filter = ReplayFilter {
        leagues,
        ..ReplayFilter::default()
    };
    for (value, end, slot) in [
        (from, End::From, &mut filter.from),
        (to, End::To, &mut filter.to),
    ] {
        if let Some(v) = value {
            match replay::parse_bound(&v, end) {
                Ok(id) => *slot = Some(id),
                Err(e) => {
                    return Ok(usage(format!(
                        "--{}: {e}",
                        if end == End::From { "from" } else { "to" }
                    )))
                }
            }
        }
    }
    for k in kinds {
        match k.parse::<Kind>() {
            Ok(kind) => filter.kinds.push(kind),
            Err(_) => return Ok(usage(format!("--kind: unknown kind {k:?}"))),
        }
    }
    let pool = app::pool(config, PROJECTION_SCHEMA, 1)?;
    let mut client = pool.get().await?;
    let started = std::time::Instant::now();
    let report = replay::replay(&mut client, &filter, config.max_body_bytes, |r| {
        tracing::info!(
            scopes = r.scopes,
            applied = r.applied,
            events = r.events_read,
            "replaying"
        )
    })
    .await?;
    println!(
        "replay: {} events read, {} scopes, {} re-applied, {} kept (newer applied), {} unprojectable, {} rows, {:.1}s",
        report.events_read,
        report.scopes,
        report.applied,
        report.kept_newer,
        report.unprojectable,
        report.rows,
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

async fn rebuild_command(config: &ConsumerConfig) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    let keys = config.keys();
    let mut redis = redis_conn::managed(&config.common.redis_url).await?;
    let mut admin = app::connect(config).await?;
    let mut reader = app::connect(config).await?;
    let shadow_pool = app::pool(config, rebuild::SHADOW_SCHEMA, 1)?;
    let mut shadow = shadow_pool.get().await?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} scopes {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut last_log = std::time::Instant::now();
    let mut progress = |done: u64, total: u64, r: &rebuild::RebuildReport| match &bar {
        Some(bar) => {
            bar.set_length(total);
            bar.set_position(done);
            bar.set_message(format!("{} events, {} rows", r.events_read, r.rows));
        }
        None => {
            if last_log.elapsed() >= std::time::Duration::from_secs(5) || done == total {
                last_log = std::time::Instant::now();
                tracing::info!(
                    done,
                    total,
                    events = r.events_read,
                    rows = r.rows,
                    "rebuilding"
                );
            }
        }
    };
    let result = rebuild::rebuild(
        rebuild::Connections {
            admin: &mut admin,
            reader: &mut reader,
            shadow: &mut shadow,
            redis: &mut redis,
            keys: &keys,
        },
        config.max_body_bytes,
        &mut progress,
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(e @ rebuild::RebuildError::Outdated { .. }) | Err(e @ rebuild::RebuildError::Busy) => {
            eprintln!("sleeper-consumer: rebuild refused: {e}");
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e.into()),
    };
    if let (Some(url), Some(secret)) = (&config.hasura_url, &config.hasura_admin_secret) {
        rebuild::reload_hasura(url, secret).await;
    }
    println!("{}", report.summary());
    Ok(ExitCode::SUCCESS)
}

async fn dlq_command(action: DlqAction, config: &ConsumerConfig) -> anyhow::Result<ExitCode> {
    let keys = config.keys();
    let mut redis = redis_conn::managed(&config.common.redis_url).await?;
    let describe =
        |e: redis::RedisError| anyhow::anyhow!(redis_conn::describe(&config.common.redis_url, &e));
    match action {
        DlqAction::List { limit, json } => {
            let letters = dlq::list(&mut redis, &keys, limit)
                .await
                .map_err(describe)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&letters)?);
            } else {
                println!(
                    "{:<18} {:<18} {:<14} {:<36} {:<18} reason",
                    "id", "orig_id", "kind", "scope", "code"
                );
                for d in &letters {
                    println!(
                        "{:<18} {:<18} {:<14} {:<36} {:<18} {}",
                        d.id, d.orig_id, d.kind, d.scope, d.reason_code, d.reason
                    );
                }
                println!("{} dead letter(s)", letters.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        DlqAction::Show { id } => match dlq::get(&mut redis, &keys, &id).await.map_err(describe)? {
            None => {
                eprintln!("sleeper-consumer: no dead letter {id}");
                Ok(ExitCode::from(1))
            }
            Some(d) => {
                println!("id          {}\norig_id     {}\nkind        {}\nscope       {}\nconsumer    {}\nreason      {} ({})\nenvelope    {}",
                    d.id, d.orig_id, d.kind, d.scope, d.consumer, d.reason, d.reason_code, d.envelope_summary(config.max_body_bytes));
                Ok(ExitCode::SUCCESS)
            }
        },
        DlqAction::Requeue { id, all } => {
            let letters = match (id, all) {
                (Some(id), false) => {
                    match dlq::get(&mut redis, &keys, &id).await.map_err(describe)? {
                        Some(d) => vec![d],
                        None => {
                            eprintln!("sleeper-consumer: no dead letter {id}");
                            return Ok(ExitCode::from(1));
                        }
                    }
                }
                (None, true) => dlq::list(&mut redis, &keys, usize::MAX >> 1)
                    .await
                    .map_err(describe)?,
                _ => {
                    eprintln!("sleeper-consumer: dlq requeue needs an ID or --all");
                    return Ok(ExitCode::from(2));
                }
            };
            for d in &letters {
                let new_id = dlq::requeue(&mut redis, &keys, d).await.map_err(describe)?;
                println!("requeued {} (version {}) as {new_id}", d.id, d.orig_id);
            }
            Ok(ExitCode::SUCCESS)
        }
        DlqAction::Discard { id } => {
            if dlq::discard(&mut redis, &keys, &id)
                .await
                .map_err(describe)?
            {
                println!("discarded {id}");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("sleeper-consumer: no dead letter {id}");
                Ok(ExitCode::from(1))
            }
        }
    }
}

async fn run(config: ConsumerConfig) -> anyhow::Result<ExitCode> {
    let cancel = CancellationToken::new();
    sleeper_shared::shutdown::cancel_on_signal(
        cancel.clone(),
        "shutting down after the current batch",
    );
    let registry = Registry::new();
    let metrics = ConsumerMetrics::register(&registry)?;
    let pool = app::pool(&config, PROJECTION_SCHEMA, 4)?;
    // Redis may be down at start: serve /ready (503) meanwhile and keep trying.
    let redis = loop {
        match redis_conn::managed(&config.common.redis_url).await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(error = %e, "redis unavailable; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = cancel.cancelled() => return Ok(ExitCode::SUCCESS),
                }
            }
        }
    };
    let _server = match config.common.http_addr {
        Some(addr) => {
            let checks: Vec<Box<dyn Check>> = vec![
                Box::new(RedisCheck::new(redis.clone())),
                Box::new(PostgresCheck::new(pool.clone())),
            ];
            Some(telemetry::serve(addr, registry.clone(), checks, cancel.clone()).await?)
        }
        None => None,
    };
    let mut conn = redis.clone();
    loop {
        match ensure_group(&mut conn, &config.common.stream_key, &config.group).await {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(error = %redis_conn::describe(&config.common.redis_url, &e), "cannot create the group yet");
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                    _ = cancel.cancelled() => return Ok(ExitCode::SUCCESS),
                }
            }
        }
    }
    let reader = Reader::new(
        config.common.redis_url.clone(),
        redis.clone(),
        config.common.stream_key.clone(),
        config.group.clone(),
        config.consumer_name.clone(),
        config.batch_size,
        config.block,
        config.claim_idle,
    );
    tracing::info!(group = %config.group, consumer = %config.consumer_name, stream = %config.common.stream_key, "projecting");
    let mut projector = Projector::new(config, reader, redis, pool, metrics).await;
    projector.run(&cancel).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}
