//! What a faulty body looks like: cut short, malformed, with fields of the
//! wrong type, a broken gzip stream, or huge and streamed.
//!
//! Each turns a good body into the bad one a fault asks for; the server
//! decides when.

use std::io;

use bytes::Bytes;
use futures::stream::{self, Stream, StreamExt};
use serde_json::{json, Value};

use crate::body::gzip;

pub fn truncated(json: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&json[..json.len() / 2])
}

/// Valid framing, invalid JSON: two commas after the first character.
pub fn malformed(json: &[u8]) -> Bytes {
    let mut out = Vec::with_capacity(json.len() + 2);
    out.extend_from_slice(&json[..json.len().min(1)]);
    out.extend_from_slice(b",,");
    out.extend_from_slice(&json[json.len().min(1)..]);
    Bytes::from(out)
}

/// A gzip stream cut in half: the client's decoder fails mid-body.
pub fn truncated_gzip(json: &[u8]) -> Bytes {
    let z = gzip(json);
    Bytes::copy_from_slice(&z[..z.len() / 2])
}

/// Replaces well-known fields by values of the wrong type, in the object, in
/// each element of an array, or in each value of a map (one level down).
pub fn wrong_types(json: &[u8]) -> Bytes {
    fn fix(v: &mut Value, depth: u32) -> bool {
        let mut changed = false;
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    let bad = match k.as_str() {
                        "week" | "leg" => Some(json!("ten")),
                        "status" => Some(json!(5)),
                        "season" => Some(json!(2025)),
                        "roster_id" | "round" => Some(json!("one")),
                        "points" | "fpts" => Some(json!("many")),
                        "settings" if val.is_object() => None,
                        "player_id" | "user_id" | "league_id" => Some(json!(false)),
                        _ => None,
                    };
                    if let Some(b) = bad {
                        *val = b;
                        changed = true;
                    } else if depth > 0 {
                        changed |= fix(val, depth - 1);
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    changed |= fix(item, depth);
                }
            }
            _ => {}
        }
        changed
    }
    let mut v: Value = serde_json::from_slice(json).unwrap_or(Value::Null);
    if !fix(&mut v, 1) {
        v = json!([{ "status": 5, "week": "ten" }]);
    }
    Bytes::from(serde_json::to_vec(&v).unwrap_or_default())
}

/// A valid JSON object of exactly `size` bytes (at least 10), produced in
/// 64 KiB chunks that all share one buffer: nothing of size `size` is ever
/// allocated.
pub fn huge(size: u64) -> impl Stream<Item = io::Result<Bytes>> + Send {
    const CHUNK: usize = 64 * 1024;
    let head = Bytes::from_static(b"{\"pad\":\"");
    let tail = Bytes::from_static(b"\"}");
    let pad_len = size.max(10) - (head.len() + tail.len()) as u64;
    let filler = Bytes::from(vec![b'x'; CHUNK]);
    let full = pad_len / CHUNK as u64;
    let rest = (pad_len % CHUNK as u64) as usize;
    let middle = stream::iter(0..full).map(move |_| filler.clone());
    stream::once(async move { head })
        .chain(middle)
        .chain(stream::once(async move { Bytes::from(vec![b'x'; rest]) }))
        .chain(stream::once(async move { tail }))
        .map(Ok)
}

/// The first half of the body, then an error: the connection is cut.
pub fn disconnect(json: Bytes) -> impl Stream<Item = io::Result<Bytes>> + Send {
    let half = json.slice(..json.len() / 2);
    stream::iter([
        Ok(half),
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "simulated disconnect",
        )),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_bodies_are_not_valid_json_or_have_wrong_types() {
        let good = br#"[{"week":1,"status":"complete","x":1}]"#;
        assert!(serde_json::from_slice::<Value>(&truncated(good)).is_err());
        assert!(serde_json::from_slice::<Value>(&malformed(good)).is_err());
        assert!(serde_json::from_slice::<Value>(&malformed(b"null")).is_err());
        let v: Value = serde_json::from_slice(&wrong_types(good)).unwrap();
        assert_eq!(v[0]["week"], "ten");
        assert_eq!(v[0]["status"], 5);
        let v: Value = serde_json::from_slice(&wrong_types(b"[]")).unwrap();
        assert_eq!(v[0]["status"], 5);
    }

    #[tokio::test]
    async fn huge_body_has_the_exact_size_in_small_chunks() {
        let size = 5 * 1024 * 1024 + 7;
        let mut total = 0u64;
        let mut largest = 0usize;
        let mut chunks = Box::pin(huge(size));
        let mut first = None;
        while let Some(c) = chunks.next().await {
            let c = c.unwrap();
            first.get_or_insert_with(|| c.clone());
            total += c.len() as u64;
            largest = largest.max(c.len());
        }
        assert_eq!(total, size);
        assert!(largest <= 64 * 1024);
        assert!(first.unwrap().starts_with(b"{\"pad\""));
    }
}
