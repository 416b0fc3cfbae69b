//! One home for the Redis replies the project reads.
//!
//! Stream entries keep their field values as raw bytes (envelopes are
//! MessagePack, possibly zstd): XREADGROUP and XRANGE replies are walked
//! here by hand, without the copy of the whole reply that redis-rs's typed
//! `StreamReadReply` makes, and an entry trimmed while pending (`[id, nil]`)
//! comes back with no fields instead of failing the read. Consumer-group
//! queries use redis-rs's typed replies (`XINFO GROUPS`, `XINFO CONSUMERS`,
//! `XPENDING`, `XAUTOCLAIM`).

use std::collections::HashMap;

use redis::aio::ConnectionManager;
use redis::streams::{
    StreamAutoClaimReply, StreamInfoConsumer, StreamInfoConsumersReply, StreamInfoGroup,
    StreamInfoGroupsReply, StreamPendingCountReply, StreamPendingReply,
};
use redis::{RedisResult, Value};

use crate::StreamId;

/// One stream entry as read, fields untouched.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The entry's stream id, as Redis sent it.
    pub id: String,
    /// Field name → raw bytes. Empty when the entry was trimmed while pending.
    pub fields: HashMap<String, Vec<u8>>,
    /// How many times the group has delivered it (including this time; 1
    /// for an entry read outside a group).
    pub deliveries: u64,
}

impl Entry {
    /// An entry delivered once (new to the group, or read with XRANGE).
    pub fn new(id: String, fields: HashMap<String, Vec<u8>>) -> Self {
        Self {
            id,
            fields,
            deliveries: 1,
        }
    }

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

/// What `XAUTOCLAIM` returned.
#[derive(Debug, Default)]
pub struct AutoClaimed {
    /// The cursor for the next call (`0-0` after a full sweep).
    pub next: String,
    /// Entries now pending on the claiming consumer.
    pub entries: Vec<Entry>,
    /// Ids that were pending but are no longer in the stream: Redis has
    /// already dropped them from the pending list.
    pub deleted: Vec<String>,
}

impl AutoClaimed {
    fn from_reply(reply: StreamAutoClaimReply) -> Self {
        Self {
            next: reply.next_stream_id,
            entries: reply
                .claimed
                .into_iter()
                .map(|e| {
                    let fields = e
                        .map
                        .into_iter()
                        .filter_map(|(k, v)| Some((k, value_bytes(v)?)))
                        .collect();
                    Entry::new(e.id, fields)
                })
                .collect(),
            deleted: reply.deleted_ids,
        }
    }
}

/// `XAUTOCLAIM <stream> <group> <consumer> <min_idle_ms> <cursor> COUNT <count>`.
pub async fn autoclaim(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    consumer: &str,
    min_idle_ms: u64,
    cursor: &str,
    count: usize,
) -> RedisResult<AutoClaimed> {
    let reply: StreamAutoClaimReply = redis::cmd("XAUTOCLAIM")
        .arg(stream)
        .arg(group)
        .arg(consumer)
        .arg(min_idle_ms)
        .arg(cursor)
        .arg("COUNT")
        .arg(count)
        .query_async(conn)
        .await?;
    Ok(AutoClaimed::from_reply(reply))
}

/// Delivery counts of `consumer`'s pending entries from `first` to `last`
/// (`XPENDING … <first> <last> <count> <consumer>`): id → times delivered.
pub async fn delivery_counts(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    (first, last): (&str, &str),
    count: usize,
    consumer: &str,
) -> RedisResult<HashMap<String, u64>> {
    let reply: StreamPendingCountReply = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .arg(first)
        .arg(last)
        .arg(count)
        .arg(consumer)
        .query_async(conn)
        .await?;
    Ok(reply
        .ids
        .into_iter()
        .map(|p| (p.id, (p.times_delivered as u64).max(1)))
        .collect())
}

/// The groups of `stream` (`XINFO GROUPS`); an error if the stream does not exist.
pub async fn groups(
    conn: &mut ConnectionManager,
    stream: &str,
) -> RedisResult<Vec<StreamInfoGroup>> {
    let reply: StreamInfoGroupsReply = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(stream)
        .query_async(conn)
        .await?;
    Ok(reply.groups)
}

/// The consumers of `group` (`XINFO CONSUMERS`): name, pending, idle ms.
pub async fn consumers(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<Vec<StreamInfoConsumer>> {
    let reply: StreamInfoConsumersReply = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(stream)
        .arg(group)
        .query_async(conn)
        .await?;
    Ok(reply.consumers)
}

/// The oldest id pending in `group` (the `XPENDING` summary), if any.
pub async fn oldest_pending(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
) -> RedisResult<Option<StreamId>> {
    let reply: StreamPendingReply = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query_async(conn)
        .await?;
    Ok(match reply {
        StreamPendingReply::Data(d) => d.start_id.parse().ok(),
        _ => None,
    })
}

/// `XREADGROUP`/`XREAD` reply — `[[stream, [[id, [f, v, …]], …]]]` (RESP2)
/// or a map (RESP3) — → entries, delivered once.
pub fn read_reply_entries(reply: Value) -> Vec<Entry> {
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

/// Entries of an `XRANGE`/`XREVRANGE`/`XREADGROUP` stream reply: id and raw
/// fields. An entry without fields (`[id, nil]`: trimmed while pending)
/// has none.
pub fn parse_entries(v: Value) -> Vec<Entry> {
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
            let id = value_text(&pair[0])?;
            let mut fields = HashMap::new();
            let kv: Box<dyn Iterator<Item = (Value, Value)>> = match fields_v {
                Value::Array(kv) => {
                    let mut it = kv.into_iter();
                    Box::new(std::iter::from_fn(move || Some((it.next()?, it.next()?))))
                }
                Value::Map(kv) => Box::new(kv.into_iter()),
                _ => Box::new(std::iter::empty()),
            };
            for (k, v) in kv {
                if let (Some(k), Some(v)) = (value_text(&k), value_bytes(v)) {
                    fields.insert(k, v);
                }
            }
            Some(Entry::new(id, fields))
        })
        .collect()
}

/// A bulk or simple string reply as text (lossy).
pub fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

/// A field value's bytes (integers as their decimal text).
pub fn value_bytes(v: Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b),
        Value::SimpleString(s) => Some(s.into_bytes()),
        Value::Int(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

/// The id of the first (`rev` false) or last entry of `stream`, if any.
pub async fn edge_id(
    conn: &mut ConnectionManager,
    stream: &str,
    rev: bool,
) -> RedisResult<Option<String>> {
    let (cmd, a, b) = if rev {
        ("XREVRANGE", "+", "-")
    } else {
        ("XRANGE", "-", "+")
    };
    let v: Value = redis::cmd(cmd)
        .arg(stream)
        .arg(a)
        .arg(b)
        .arg("COUNT")
        .arg(1)
        .query_async(conn)
        .await?;
    Ok(parse_entries(v).into_iter().next().map(|e| e.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn entries_keep_raw_bytes_and_a_trimmed_entry_has_no_fields() {
        let reply = Value::Array(vec![
            Value::Array(vec![
                bulk("1-0"),
                Value::Array(vec![
                    bulk("env"),
                    Value::BulkString(vec![0, 255, 1]),
                    bulk("n"),
                    Value::Int(7),
                ]),
            ]),
            Value::Array(vec![bulk("2-0"), Value::Nil]),
        ]);
        let entries = parse_entries(reply);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].field("env"), Some(&[0u8, 255, 1][..]));
        assert_eq!(entries[0].text("n").as_deref(), Some("7"));
        assert_eq!(entries[1].id, "2-0");
        assert!(entries[1].fields.is_empty());
        let resp3 = Value::Map(vec![(
            bulk("s"),
            Value::Array(vec![Value::Array(vec![
                bulk("3-1"),
                Value::Map(vec![(bulk("kind"), bulk("state"))]),
            ])]),
        )]);
        let entries = read_reply_entries(resp3);
        assert_eq!(entries[0].id, "3-1");
        assert_eq!(entries[0].text("kind").as_deref(), Some("state"));
    }
}
