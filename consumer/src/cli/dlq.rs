//! `dlq list|show|requeue|discard`: dead letters as a table, JSON or in full.

use std::process::ExitCode;

use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use sleeper_shared::{redis_conn, startup};

use super::args::{DlqAction, BIN};
use crate::config::ConsumerConfig;
use crate::ops::dlq::{self, DeadLetter};

/// Carry out `action`; exit 1 for an unknown dead-letter id, 2 for
/// `requeue` with neither an id nor `--all`.
pub async fn run(action: DlqAction, config: &ConsumerConfig) -> anyhow::Result<ExitCode> {
    let keys = config.keys();
    let mut redis = redis_conn::managed(&config.common.redis_url).await?;
    let result = match action {
        DlqAction::List { limit, json } => list(&mut redis, &keys, limit, json).await,
        DlqAction::Show { id } => match dlq::get(&mut redis, &keys, &id).await {
            Ok(Some(d)) => {
                print_letter(&d, config.max_body_bytes);
                Ok(ExitCode::SUCCESS)
            }
            Ok(None) => Ok(no_letter(&id)),
            Err(e) => Err(e),
        },
        DlqAction::Requeue { id, all } => requeue(&mut redis, &keys, id, all).await,
        DlqAction::Discard { id } => match dlq::discard(&mut redis, &keys, &id).await {
            Ok(true) => {
                println!("discarded {id}");
                Ok(ExitCode::SUCCESS)
            }
            Ok(false) => Ok(no_letter(&id)),
            Err(e) => Err(e),
        },
    };
    result.map_err(|e| anyhow::anyhow!(redis_conn::describe(&config.common.redis_url, &e)))
}

fn no_letter(id: &str) -> ExitCode {
    startup::failure(BIN, format_args!("no dead letter {id}"))
}

async fn list(
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
    limit: usize,
    json: bool,
) -> redis::RedisResult<ExitCode> {
    let letters = dlq::list(redis, keys, limit).await?;
    if json {
        match serde_json::to_string_pretty(&letters) {
            Ok(text) => println!("{text}"),
            Err(e) => return Ok(startup::failure(BIN, e)),
        }
        return Ok(ExitCode::SUCCESS);
    }
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
    Ok(ExitCode::SUCCESS)
}

fn print_letter(d: &DeadLetter, max_body: usize) {
    println!(
        "id          {}\norig_id     {}\nkind        {}\nscope       {}\nconsumer    {}\nreason      {} ({})\nenvelope    {}",
        d.id,
        d.orig_id,
        d.kind,
        d.scope,
        d.consumer,
        d.reason,
        d.reason_code,
        d.envelope_summary(max_body)
    );
}

async fn requeue(
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
    id: Option<String>,
    all: bool,
) -> redis::RedisResult<ExitCode> {
    let letters = match (id, all) {
        (Some(id), false) => match dlq::get(redis, keys, &id).await? {
            Some(d) => vec![d],
            None => return Ok(no_letter(&id)),
        },
        (None, true) => dlq::list(redis, keys, usize::MAX >> 1).await?,
        _ => {
            return Ok(startup::usage_error(
                BIN,
                "dlq requeue needs an ID or --all",
            ))
        }
    };
    for d in &letters {
        let new_id = dlq::requeue(redis, keys, d).await?;
        println!("requeued {} (version {}) as {new_id}", d.id, d.orig_id);
    }
    Ok(ExitCode::SUCCESS)
}
