//! The consumer group: created when missing — at start, and whenever Redis
//! says it is gone (restarted empty, the stream key deleted) — always from
//! the start of the stream (`0`), never from `$`, which would skip what was
//! appended meanwhile. Re-reading is harmless: the archive inserts if absent
//! and the version guard skips what is applied (docs/design.md rules 2, 6).
//!
//! Existence is asked with a read-only command first (`XINFO GROUPS`), so a
//! Redis refusing writes (`maxmemory` reached) does not keep a consumer whose
//! group exists from draining the backlog — which is what frees memory.

use futures::future::BoxFuture;
use futures::FutureExt;
use redis::aio::ConnectionManager;
use redis::{RedisError, RedisResult};
use sleeper_shared::redis_reply;
use sleeper_shared::telemetry::{Check, CheckResult};

/// Whether Redis refused a command because the group (or its stream) is
/// gone: `NOGROUP`, or a blocked read released because the key was deleted.
pub fn is_missing_group(e: &RedisError) -> bool {
    matches!(e.code(), Some("NOGROUP") | Some("UNBLOCKED"))
}

/// Whether `group` exists on `stream` (a missing stream has no group).
pub async fn group_exists(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<bool> {
    match redis_reply::groups(conn, stream).await {
        Ok(groups) => Ok(groups.iter().any(|g| g.name == group)),
        Err(e) if e.detail().is_some_and(|d| d.contains("no such key")) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Create `group` at the start of `stream` unless it exists
/// (`XGROUP CREATE <stream> <group> 0 MKSTREAM`); `true` if this call
/// created it. A group created meanwhile by another consumer is success.
pub async fn ensure_group(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<bool> {
    if group_exists(conn, stream, group).await? {
        return Ok(false);
    }
    let r: RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(conn)
        .await;
    match r {
        Ok(()) => Ok(true),
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(false),
        Err(e) => Err(e),
    }
}

/// `/ready` fails while the configured group is missing, naming it.
pub struct GroupCheck {
    conn: ConnectionManager,
    stream: String,
    group: String,
}

impl GroupCheck {
    pub fn new(conn: ConnectionManager, stream: String, group: String) -> Self {
        Self {
            conn,
            stream,
            group,
        }
    }
}

impl Check for GroupCheck {
    fn check(&self) -> BoxFuture<'_, CheckResult> {
        async move {
            let mut conn = self.conn.clone();
            let probe = group_exists(&mut conn, &self.stream, &self.group);
            let detail = match tokio::time::timeout(std::time::Duration::from_secs(2), probe).await
            {
                Ok(Ok(true)) => None,
                Ok(Ok(false)) => Some(format!(
                    "consumer group {} is missing on stream {} (being recreated from the start)",
                    self.group, self.stream
                )),
                // Redis itself being down is the redis check's to report.
                Ok(Err(_)) | Err(_) => None,
            };
            CheckResult {
                name: "group",
                ok: detail.is_none(),
                detail,
            }
        }
        .boxed()
    }
}
