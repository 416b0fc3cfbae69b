//! Reading the stream as a group member: this consumer's own pending entries
//! first (after a restart or a failed batch), then entries idle on dead
//! consumers (XAUTOCLAIM), then new ones (`XREADGROUP … >` with BLOCK).
//!
//! Each entry comes with its delivery count, read before anything is decoded,
//! so an entry that crashes the process is still caught by the redelivery
//! limit (docs/design.md rule 6).

use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{RedisResult, Value};
use sleeper_shared::redis_conn;
use sleeper_shared::redis_reply::{self, Entry};

use crate::config::ConsumerConfig;

/// Where the next batch comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    OwnPending,
    Claimed,
    New,
}

/// A group member's view of the stream.
pub struct Reader {
    /// The blocking-read connection; dropped on error and re-made on the next
    /// read, since a plain multiplexed connection does not reconnect by itself.
    blocking: Option<MultiplexedConnection>,
    redis_url: String,
    conn: ConnectionManager,
    stream: String,
    group: String,
    consumer: String,
    count: usize,
    block: Duration,
    claim_idle: Duration,
    /// Set at start and after a failed batch: look at our own PEL first.
    check_own: bool,
    claim_cursor: String,
    last_claim: Option<std::time::Instant>,
}

impl Reader {
    /// A reader of `STREAM_KEY` as `CONSUMER_NAME` of `CONSUMER_GROUP`,
    /// with the batch size, block and claim times of `config`; the group
    /// must exist (`live::group::ensure_group`).
    pub fn new(config: &ConsumerConfig, conn: ConnectionManager) -> Self {
        Self {
            blocking: None,
            redis_url: config.common.redis_url.clone(),
            conn,
            stream: config.common.stream_key.clone(),
            group: config.group.clone(),
            consumer: config.consumer_name.clone(),
            count: config.batch_size,
            block: config.block,
            claim_idle: config.claim_idle,
            check_own: true,
            claim_cursor: "0-0".into(),
            last_claim: None,
        }
    }

    /// Ask for our own pending entries on the next read (after a failure).
    pub fn recheck_own(&mut self) {
        self.check_own = true;
    }

    /// The group was lost and created anew: start over from its beginning
    /// (own pending list, a fresh claim sweep, a new blocking connection).
    pub fn group_recreated(&mut self) {
        self.blocking = None;
        self.check_own = true;
        self.claim_cursor = "0-0".into();
        self.last_claim = None;
    }

    /// The next batch, or an empty one after `BLOCK` elapsed with nothing
    /// new — at once instead when `wait` is false (the projector holds acks
    /// that an empty read releases).
    pub async fn next_batch(&mut self, wait: bool) -> RedisResult<(Source, Vec<Entry>)> {
        if self.check_own {
            let own = self.read_group("0", false).await?;
            if !own.is_empty() {
                let own = self.with_counts(own).await?;
                return Ok((Source::OwnPending, own));
            }
            self.check_own = false;
        }
        let claim_due = self
            .last_claim
            .map(|t| t.elapsed() >= self.claim_idle / 2)
            .unwrap_or(true);
        if claim_due {
            let claimed = self.autoclaim().await?;
            if !claimed.is_empty() {
                return Ok((Source::Claimed, self.with_counts(claimed).await?));
            }
            self.last_claim = Some(std::time::Instant::now());
        }
        Ok((Source::New, self.read_group(">", wait).await?))
    }

    async fn read_group(&mut self, from: &str, block: bool) -> RedisResult<Vec<Entry>> {
        let mut cmd = redis::cmd("XREADGROUP");
        cmd.arg("GROUP")
            .arg(&self.group)
            .arg(&self.consumer)
            .arg("COUNT")
            .arg(self.count);
        if block {
            cmd.arg("BLOCK").arg(self.block.as_millis() as u64);
        }
        cmd.arg("STREAMS").arg(&self.stream).arg(from);
        let reply: Value = if block {
            let mut conn = match self.blocking.take() {
                Some(c) => c,
                None => redis_conn::blocking(&self.redis_url, self.block)
                    .await
                    .map_err(|e| {
                        redis::RedisError::from((
                            redis::ErrorKind::Io,
                            "connecting for blocking reads",
                            e.to_string(),
                        ))
                    })?,
            };
            let reply = cmd.query_async(&mut conn).await?;
            self.blocking = Some(conn);
            reply
        } else {
            cmd.query_async(&mut self.conn).await?
        };
        Ok(redis_reply::read_reply_entries(reply))
    }

    async fn autoclaim(&mut self) -> RedisResult<Vec<Entry>> {
        let claimed = redis_reply::autoclaim(
            &mut self.conn,
            &self.stream,
            &self.group,
            &self.consumer,
            self.claim_idle.as_millis() as u64,
            &self.claim_cursor,
            self.count,
        )
        .await?;
        self.claim_cursor = claimed.next;
        if !claimed.entries.is_empty() {
            tracing::info!(
                n = claimed.entries.len(),
                "claimed entries idle on other consumers"
            );
        }
        if !claimed.deleted.is_empty() {
            tracing::warn!(
                n = claimed.deleted.len(),
                "entries pending on other consumers are no longer in the stream; dead-lettering them as trimmed"
            );
        }
        // Deleted ids come back without fields: the batch dead-letters them
        // as `trimmed`, like the deleted entries of the own pending list
        // (Redis has already dropped them from the pending list).
        let mut entries = claimed.entries;
        entries.extend(
            claimed
                .deleted
                .into_iter()
                .map(|id| Entry::new(id, Default::default())),
        );
        Ok(entries)
    }

    /// Attach delivery counts from `XPENDING` (Redis 7 does not return them with the entries).
    async fn with_counts(&mut self, entries: Vec<Entry>) -> RedisResult<Vec<Entry>> {
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(Vec::new());
        };
        let counts = redis_reply::delivery_counts(
            &mut self.conn,
            &self.stream,
            &self.group,
            (&first.id, &last.id),
            entries.len().max(self.count),
            &self.consumer,
        )
        .await?;
        Ok(entries
            .into_iter()
            .map(|e| Entry {
                deliveries: counts.get(&e.id).copied().unwrap_or(1),
                ..e
            })
            .collect())
    }
}
