//! Reading the stream as a group member: this consumer's own pending entries
//! first (after a restart or a failed batch), then entries idle on dead
//! consumers (XAUTOCLAIM), then new ones (`XREADGROUP … >` with BLOCK).
//!
//! Each entry comes with its delivery count, read before anything is decoded,
//! so an entry that crashes the process is still caught by the redelivery
//! limit (DESIGN rule 6).

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::{RedisResult, Value};
use sleeper_shared::redis_conn;

/// One stream entry as read, fields untouched.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    /// Field name → raw bytes. Empty when the entry was trimmed while pending.
    pub fields: HashMap<String, Vec<u8>>,
    /// How many times the group has delivered it (including this time).
    pub deliveries: u64,
}

impl Entry {
    /// A field as bytes.
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        self.fields.get(name).map(Vec::as_slice)
    }

    /// A field as text (lossy), for plain fields like `kind` and `scope`.
    pub fn text(&self, name: &str) -> Option<String> {
        self.field(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

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
    /// A reader; call [`Reader::ensure_group`] before reading.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        redis_url: String,
        conn: ConnectionManager,
        stream: String,
        group: String,
        consumer: String,
        count: usize,
        block: Duration,
        claim_idle: Duration,
    ) -> Self {
        Self {
            blocking: None,
            redis_url,
            conn,
            stream,
            group,
            consumer,
            count,
            block,
            claim_idle,
            check_own: true,
            claim_cursor: "0-0".into(),
            last_claim: None,
        }
    }

    /// Create the group at the start of the stream if it does not exist
    /// (`XGROUP CREATE … 0 MKSTREAM`), so a new database fills from everything
    /// the stream holds. Joining an existing group is not an error.
    pub async fn ensure_group(&mut self) -> RedisResult<()> {
        ensure_group(&mut self.conn, &self.stream, &self.group).await
    }

    /// Ask for our own pending entries on the next read (after a failure).
    pub fn recheck_own(&mut self) {
        self.check_own = true;
    }

    /// The next batch, or an empty one after `BLOCK` elapsed with nothing new.
    pub async fn next_batch(&mut self) -> RedisResult<(Source, Vec<Entry>)> {
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
        let new = self.read_group(">", true).await?;
        Ok((
            Source::New,
            new.into_iter()
                .map(|(id, fields)| Entry {
                    id,
                    fields,
                    deliveries: 1,
                })
                .collect(),
        ))
    }

    async fn read_group(
        &mut self,
        from: &str,
        block: bool,
    ) -> RedisResult<Vec<(String, HashMap<String, Vec<u8>>)>> {
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
        Ok(parse_read_reply(reply))
    }

    async fn autoclaim(&mut self) -> RedisResult<Vec<(String, HashMap<String, Vec<u8>>)>> {
        let reply: Value = redis::cmd("XAUTOCLAIM")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&self.consumer)
            .arg(self.claim_idle.as_millis() as u64)
            .arg(&self.claim_cursor)
            .arg("COUNT")
            .arg(self.count)
            .query_async(&mut self.conn)
            .await?;
        // [next-cursor, [entries…], [deleted ids…]]
        let Value::Array(parts) = reply else {
            return Ok(Vec::new());
        };
        let mut parts = parts.into_iter();
        self.claim_cursor = parts
            .next()
            .and_then(|v| as_text(&v))
            .unwrap_or_else(|| "0-0".into());
        let entries = parts.next().map(parse_entries).unwrap_or_default();
        if !entries.is_empty() {
            tracing::info!(n = entries.len(), "claimed entries idle on other consumers");
        }
        Ok(entries)
    }

    /// Attach delivery counts from `XPENDING` (Redis 7 does not return them with the entries).
    async fn with_counts(
        &mut self,
        entries: Vec<(String, HashMap<String, Vec<u8>>)>,
    ) -> RedisResult<Vec<Entry>> {
        let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
            return Ok(Vec::new());
        };
        let reply: Value = redis::cmd("XPENDING")
            .arg(&self.stream)
            .arg(&self.group)
            .arg(&first.0)
            .arg(&last.0)
            .arg(entries.len().max(self.count))
            .arg(&self.consumer)
            .query_async(&mut self.conn)
            .await?;
        let mut counts = HashMap::new();
        if let Value::Array(rows) = reply {
            for row in rows {
                if let Value::Array(cols) = row {
                    if let (Some(id), Some(Value::Int(n))) =
                        (cols.first().and_then(as_text), cols.get(3))
                    {
                        counts.insert(id, (*n).max(1) as u64);
                    }
                }
            }
        }
        Ok(entries
            .into_iter()
            .map(|(id, fields)| Entry {
                deliveries: counts.get(&id).copied().unwrap_or(1),
                id,
                fields,
            })
            .collect())
    }
}

/// `XGROUP CREATE <stream> <group> 0 MKSTREAM`, tolerating BUSYGROUP.
pub async fn ensure_group(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<()> {
    let r: RedisResult<()> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async(conn)
        .await;
    match r {
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        other => other,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn as_bytes(v: Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        Value::Int(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

/// `[[stream, [[id, [f, v, …]], …]]]` (RESP2) or a map (RESP3) → entries.
fn parse_read_reply(reply: Value) -> Vec<(String, HashMap<String, Vec<u8>>)> {
    match reply {
        Value::Array(streams) => streams
            .into_iter()
            .flat_map(|s| match s {
                Value::Array(mut pair) if pair.len() == 2 => parse_entries(pair.remove(1)),
                _ => Vec::new(),
            })
            .collect(),
        Value::Map(streams) => streams
            .into_iter()
            .flat_map(|(_, v)| parse_entries(v))
            .collect(),
        _ => Vec::new(),
    }
}

/// Entries of an `XRANGE`/`XREADGROUP`/`XAUTOCLAIM` reply: id and raw fields.
pub fn parse_entries(v: Value) -> Vec<(String, HashMap<String, Vec<u8>>)> {
    let Value::Array(items) = v else {
        return Vec::new();
    };
    items
        .into_iter()
        .filter_map(|item| {
            let Value::Array(mut pair) = item else {
                return None;
            };
            if pair.is_empty() {
                return None;
            }
            let fields_v = if pair.len() > 1 {
                pair.remove(1)
            } else {
                Value::Nil
            };
            let id = as_text(&pair[0])?;
            let mut fields = HashMap::new();
            match fields_v {
                Value::Array(kv) => {
                    let mut it = kv.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        if let (Some(k), Some(v)) = (as_text(&k), as_bytes(v)) {
                            fields.insert(k, v);
                        }
                    }
                }
                Value::Map(kv) => {
                    for (k, v) in kv {
                        if let (Some(k), Some(v)) = (as_text(&k), as_bytes(v)) {
                            fields.insert(k, v);
                        }
                    }
                }
                _ => {}
            }
            Some((id, fields))
        })
        .collect()
}
