//! `rebuild`: the rebuild with a progress bar on a terminal (log lines
//! every 5 s otherwise), Hasura's reload, the summary line.

use std::io::IsTerminal;
use std::process::ExitCode;

use sleeper_shared::{redis_conn, startup};

use super::args::{RebuildArgs, BIN};
use crate::config::ConsumerConfig;
use crate::ops::{hasura, rebuild};
use crate::store::connect;

/// Rebuild and swap; exit 1 when refused (another rebuild, an outdated live
/// consumer, a loss against the live tables) — for a dry run, when the real
/// run would refuse.
pub async fn run(config: &ConsumerConfig, args: RebuildArgs) -> anyhow::Result<ExitCode> {
    let keys = config.keys();
    let mut redis = redis_conn::managed(&config.common.redis_url).await?;
    let mut admin = connect::connect(config).await?;
    let mut reader = connect::connect(config).await?;
    let shadow_pool = connect::pool(config, rebuild::SHADOW_SCHEMA, 1)?;
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
        rebuild::Options {
            source: args.source,
            dry_run: args.dry_run,
            allow_loss: args.allow_loss,
            max_body: config.max_body_bytes,
        },
        &mut progress,
    )
    .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(
            e @ (rebuild::RebuildError::Outdated { .. }
            | rebuild::RebuildError::Busy
            | rebuild::RebuildError::WouldLose(_)
            | rebuild::RebuildError::NothingToBuildFrom { .. }),
        ) => {
            return Ok(startup::failure(BIN, format_args!("rebuild refused: {e}")));
        }
        Err(e) => return Err(e.into()),
    };
    println!("{}", report.summary());
    if !report.swapped {
        // A dry run: the verdict of the real run, as the exit code.
        return Ok(match report.loss.is_empty() {
            true => ExitCode::SUCCESS,
            false => ExitCode::from(1),
        });
    }
    if let (Some(url), Some(secret)) = (&config.hasura_url, &config.hasura_admin_secret) {
        hasura::reload_metadata(url, secret).await;
    }
    Ok(ExitCode::SUCCESS)
}
