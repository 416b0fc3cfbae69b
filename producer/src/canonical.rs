//! The canonical content hash that decides whether a snapshot changed.
//!
//! Sleeper's key order differs between responses and some top-level fields
//! change on every chat message (`last_message_*`), so the raw bytes cannot
//! be compared. The canonical form is: objects with keys sorted, volatile
//! keys left out, strings re-escaped uniformly, numbers as written. It is
//! computed by walking borrowed [`RawValue`]s, one level at a time, and
//! feeding the hasher as it goes — a 15 MB `/players/nfl` body is never held
//! as a second, parsed copy. The same walk is the JSON validity check: a
//! body that fails it is never published.

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use sleeper_shared::Kind;

/// The body is not valid JSON.
#[derive(Debug, thiserror::Error)]
#[error("body is not valid JSON: {0}")]
pub struct InvalidJson(#[from] serde_json::Error);

/// Which top-level keys of an object of this kind never count as a change.
fn is_volatile(kind: Kind, key: &str) -> bool {
    matches!(kind, Kind::League | Kind::Draft | Kind::UserLeagues) && key.starts_with("last_")
}

/// Hex SHA-256 of the canonical form of `body`; errors when `body` is not JSON.
pub fn content_hash(kind: Kind, body: &[u8]) -> Result<String, InvalidJson> {
    let raw: &RawValue = serde_json::from_slice(body)?;
    let mut hasher = Sha256::new();
    // Lists of leagues (user_leagues) carry the volatile keys one level down.
    let volatile_depth = if kind == Kind::UserLeagues { 1 } else { 0 };
    walk(raw, kind, 0, volatile_depth, &mut hasher)?;
    Ok(hex::encode(hasher.finalize()))
}

fn walk(
    raw: &RawValue,
    kind: Kind,
    depth: usize,
    volatile_depth: usize,
    h: &mut Sha256,
) -> Result<(), InvalidJson> {
    let text = raw.get().trim_start();
    match text.as_bytes().first() {
        Some(b'{') => {
            let map: BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
            h.update(b"{");
            for (k, v) in map {
                if depth == volatile_depth && is_volatile(kind, &k) {
                    continue;
                }
                h.update(serde_json::to_string(&k)?.as_bytes());
                h.update(b":");
                walk(v, kind, depth + 1, volatile_depth, h)?;
                h.update(b",");
            }
            h.update(b"}");
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            h.update(b"[");
            for v in items {
                walk(v, kind, depth + 1, volatile_depth, h)?;
                h.update(b",");
            }
            h.update(b"]");
        }
        Some(b'"') => {
            let s: String = serde_json::from_str(text)?;
            h.update(serde_json::to_string(&s)?.as_bytes());
        }
        _ => {
            // Numbers, booleans, null: validated, hashed as written.
            let _: serde::de::IgnoredAny = serde_json::from_str(text)?;
            h.update(text.trim_end().as_bytes());
        }
    }
    Ok(())
}

/// Whether the body is the JSON `null` Sleeper sends for "not found".
pub fn is_null_body(body: &[u8]) -> bool {
    body.trim_ascii() == b"null"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a = content_hash(Kind::Rosters, br#"[{"a":1,"b":{"y":2,"x":"s"}}]"#).unwrap();
        let b = content_hash(
            Kind::Rosters,
            b"[ { \"b\" : {\"x\":\"\\u0073\",\"y\":2}, \"a\":1 } ]",
        )
        .unwrap();
        assert_eq!(a, b);
        let c = content_hash(Kind::Rosters, br#"[{"a":2,"b":{"y":2,"x":"s"}}]"#).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn league_last_keys_are_volatile_but_others_are_not() {
        let a = content_hash(
            Kind::League,
            br#"{"name":"L","last_message_id":"1","last_read_id":null}"#,
        )
        .unwrap();
        let b = content_hash(Kind::League, br#"{"name":"L","last_message_id":"2"}"#).unwrap();
        assert_eq!(a, b);
        // Not volatile for other kinds, nor below the top level.
        assert_ne!(
            content_hash(Kind::Rosters, br#"{"last_x":1}"#).unwrap(),
            content_hash(Kind::Rosters, br#"{"last_x":2}"#).unwrap()
        );
        assert_ne!(
            content_hash(Kind::League, br#"{"settings":{"last_x":1}}"#).unwrap(),
            content_hash(Kind::League, br#"{"settings":{"last_x":2}}"#).unwrap()
        );
        let l1 = content_hash(
            Kind::UserLeagues,
            br#"[{"league_id":"1","last_message_time":5}]"#,
        )
        .unwrap();
        let l2 = content_hash(
            Kind::UserLeagues,
            br#"[{"league_id":"1","last_message_time":6}]"#,
        )
        .unwrap();
        assert_eq!(l1, l2);
    }

    #[test]
    fn invalid_json_is_refused() {
        for bad in [
            &b"{"[..],
            b"[1,",
            b"nul",
            b"{\"a\":1}x",
            b"",
            b"\x1f\x8b\x08",
        ] {
            assert!(
                content_hash(Kind::State, bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn big_ids_hash_exactly() {
        let a = content_hash(Kind::League, br#"{"bracket_id":1048229732543836161}"#).unwrap();
        let b = content_hash(Kind::League, br#"{"bracket_id":1048229732543836160}"#).unwrap();
        assert_ne!(a, b, "ids above 2^53 must not collapse through f64");
    }

    #[test]
    fn null_bodies_are_recognised() {
        assert!(is_null_body(b"null"));
        assert!(is_null_body(b" null\n"));
        assert!(!is_null_body(b"[]"));
    }
}
