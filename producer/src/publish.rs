//! Appending snapshots to the stream: fetch tickets, and the one Lua script
//! that checks ticket and content hash and appends, atomically.
//!
//! docs/design.md rule 2 (per-scope stream order is fetch order): each fetch
//! takes a ticket from `HINCRBY <stream>:tickets <scope> 1` *before* its
//! request; the script refuses a snapshot whose ticket is not above the last
//! one appended or seen unchanged for that scope, so a slow, older fetch that
//! lost the race never lands after a newer one — and a retried append of the
//! same ticket (the reply was lost) never duplicates. docs/design.md rule 5
//! (dedup): a snapshot whose canonical hash equals the last appended one is
//! not appended.

use redis::aio::ConnectionManager;
use redis::Script;
use sleeper_shared::stream::{StreamKeys, FIELD_ENVELOPE, FIELD_KIND, FIELD_SCOPE};
use sleeper_shared::{Envelope, StreamId};

const APPEND: &str = r#"
-- KEYS: stream, appended tickets, hashes, etags, fetched_at
-- ARGV: scope, ticket, hash, kind, envelope, etag, fetched_at_ms
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local ticket = tonumber(ARGV[2])
if ticket <= last then
  return {'stale'}
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[7])
if redis.call('HGET', KEYS[3], ARGV[1]) == ARGV[3] then
  return {'unchanged'}
end
local id = redis.call('XADD', KEYS[1], '*', 'kind', ARGV[4], 'scope', ARGV[1], 'env', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[6])
else
  redis.call('HDEL', KEYS[4], ARGV[1])
end
return {'appended', id}
"#;

/// What the append script did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendOutcome {
    /// Appended under this stream id (the one `XADD` assigned; `0-0` should
    /// the script's reply ever lack a readable one).
    Appended(StreamId),
    /// Same canonical content as the last appended snapshot of the scope.
    Unchanged,
    /// A newer fetch of the scope was already appended (or this one was, and the reply was lost).
    Stale,
}

/// Writes snapshots to the stream. Never touches Postgres.
#[derive(Clone)]
pub struct Publisher {
    conn: ConnectionManager,
    keys: StreamKeys,
    script: std::sync::Arc<Script>,
}

impl Publisher {
    /// Append to `keys.stream()` over `conn`, keeping tickets, hashes, ETags
    /// and fetch times in `keys`' hashes.
    pub fn new(conn: ConnectionManager, keys: StreamKeys) -> Self {
        // Fields must match the contract's plain fields.
        debug_assert_eq!(
            (FIELD_KIND, FIELD_SCOPE, FIELD_ENVELOPE),
            ("kind", "scope", "env")
        );
        Self {
            conn,
            keys,
            script: std::sync::Arc::new(Script::new(APPEND)),
        }
    }

    /// The next fetch ticket of `scope`. Take it before sending the request.
    pub async fn ticket(&self, scope: &str) -> redis::RedisResult<u64> {
        let mut conn = self.conn.clone();
        redis::cmd("HINCRBY")
            .arg(self.keys.tickets())
            .arg(scope)
            .arg(1)
            .query_async(&mut conn)
            .await
    }

    /// Ticket-check, hash-check and append `env` in one step.
    pub async fn append(
        &self,
        env: &Envelope,
        wire: &[u8],
        etag: Option<&str>,
    ) -> redis::RedisResult<AppendOutcome> {
        let mut conn = self.conn.clone();
        let reply: Vec<String> = self
            .script
            .key(self.keys.stream())
            .key(self.keys.appended_tickets())
            .key(self.keys.hashes())
            .key(self.keys.etags())
            .key(self.keys.fetched_at())
            .arg(&env.scope)
            .arg(env.ticket)
            .arg(&env.content_hash)
            .arg(env.kind.as_str())
            .arg(wire)
            .arg(etag.unwrap_or(""))
            .arg(env.fetched_at_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(match reply.first().map(String::as_str) {
            Some("appended") => AppendOutcome::Appended(
                reply
                    .get(1)
                    .and_then(|id| id.parse().ok())
                    .unwrap_or_default(),
            ),
            Some("unchanged") => AppendOutcome::Unchanged,
            _ => AppendOutcome::Stale,
        })
    }

    /// The ETag of the last appended snapshot of `scope`, for a conditional request.
    pub async fn etag(&self, scope: &str) -> redis::RedisResult<Option<String>> {
        let mut conn = self.conn.clone();
        redis::cmd("HGET")
            .arg(self.keys.etags())
            .arg(scope)
            .query_async(&mut conn)
            .await
    }

    /// Record a successful fetch that produced no append (304, not found).
    pub async fn mark_fetched(&self, scope: &str, at_ms: i64) -> redis::RedisResult<()> {
        let mut conn = self.conn.clone();
        redis::cmd("HSET")
            .arg(self.keys.fetched_at())
            .arg(scope)
            .arg(at_ms)
            .query_async(&mut conn)
            .await
    }

    /// Last successful fetch time of every scope (ms), as stored in Redis.
    pub async fn fetched_times(
        &self,
    ) -> redis::RedisResult<std::collections::HashMap<String, i64>> {
        let mut conn = self.conn.clone();
        redis::cmd("HGETALL")
            .arg(self.keys.fetched_at())
            .query_async(&mut conn)
            .await
    }
}

impl Publisher {
    /// A handle on the connection (cheap clone).
    pub fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// The keys this publisher writes.
    pub fn keys(&self) -> &StreamKeys {
        &self.keys
    }
}
