//! `replay`: parse the range and filters, re-project, print the summary.

use std::process::ExitCode;

use sleeper_shared::{redis_conn, startup, Kind};

use super::args::{ReplayArgs, BIN};
use crate::config::ConsumerConfig;
use crate::ops::replay::{self, End, ReplayFilter, StreamAccess};
use crate::store::connect;
use crate::store::migrate::PROJECTION_SCHEMA;

/// Replay `from`..=`to` (stream ids or RFC 3339 times) of `kinds` and
/// `leagues`; exit 2 naming a bad bound or kind.
pub async fn run(config: &ConsumerConfig, args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let ReplayArgs {
        from,
        to,
        kinds,
        leagues,
        source,
    } = args;
    let mut filter = ReplayFilter {
        leagues,
        source,
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
                    return Ok(startup::usage_error(
                        BIN,
                        format!("--{}: {e}", if end == End::From { "from" } else { "to" }),
                    ))
                }
            }
        }
    }
    for k in kinds {
        match k.parse::<Kind>() {
            Ok(kind) => filter.kinds.push(kind),
            Err(_) => {
                return Ok(startup::usage_error(
                    BIN,
                    format!("--kind: unknown kind {k:?}"),
                ))
            }
        }
    }
    let pool = connect::pool(config, PROJECTION_SCHEMA, 1)?;
    let mut client = pool.get().await?;
    let mut redis = match source.reads_stream() {
        true => Some(redis_conn::managed(&config.common.redis_url).await?),
        false => None,
    };
    let stream = redis.as_mut().map(|redis| StreamAccess {
        redis,
        key: &config.common.stream_key,
    });
    let started = std::time::Instant::now();
    let report = replay::replay(&mut client, stream, &filter, config.max_body_bytes, |r| {
        tracing::info!(
            scopes = r.scopes,
            applied = r.applied,
            events = r.events_read,
            "replaying"
        )
    })
    .await?;
    println!("{}", report.summary(started.elapsed().as_secs_f64()));
    Ok(ExitCode::SUCCESS)
}
