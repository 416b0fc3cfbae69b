//! `_versions`: the version (original stream id) applied for each scope —
//! the guard of docs/design.md rule 2. Every statement that reads or moves it is
//! here: one event at a time (`batch`, replay), or many scopes at once
//! (`coalesce`, rebuild's shadow).

use std::collections::{HashMap, HashSet};

use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Transaction;

use sleeper_shared::StreamId;

/// Sets the scope's version if the event's is newer; returns a row if it did.
pub const IF_NEWER: &str = "INSERT INTO _versions AS v (scope, version_ms, version_seq, kind) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (scope) DO UPDATE \
     SET version_ms = EXCLUDED.version_ms, version_seq = EXCLUDED.version_seq \
     WHERE (v.version_ms, v.version_seq) < (EXCLUDED.version_ms, EXCLUDED.version_seq) \
     RETURNING true";
/// [`IF_NEWER`] letting the applied version itself through (replay).
pub const IF_NOT_OLDER: &str = "INSERT INTO _versions AS v (scope, version_ms, version_seq, kind) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (scope) DO UPDATE \
     SET version_ms = EXCLUDED.version_ms, version_seq = EXCLUDED.version_seq \
     WHERE (v.version_ms, v.version_seq) <= (EXCLUDED.version_ms, EXCLUDED.version_seq) \
     RETURNING true";

/// [`IF_NEWER`] for many scopes at once; returns the scopes it moved.
const MANY_IF_NEWER: &str = "INSERT INTO _versions AS v (scope, version_ms, version_seq, kind) \
     SELECT * FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::text[]) \
     ON CONFLICT (scope) DO UPDATE \
     SET version_ms = EXCLUDED.version_ms, version_seq = EXCLUDED.version_seq \
     WHERE (v.version_ms, v.version_seq) < (EXCLUDED.version_ms, EXCLUDED.version_seq) \
     RETURNING scope";

/// A scope to move to a version.
pub struct Move<'a> {
    pub scope: &'a str,
    pub id: StreamId,
    pub kind: &'a str,
}

/// The applied version of each of `scopes` that has one.
pub async fn applied(
    tx: &Transaction<'_>,
    scopes: &[&str],
) -> Result<HashMap<String, StreamId>, tokio_postgres::Error> {
    let rows = tx
        .query_typed(
            "SELECT scope, version_ms, version_seq FROM _versions WHERE scope = ANY($1)",
            &[(&scopes, Type::TEXT_ARRAY)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id = StreamId {
                ms: r.get(1),
                seq: r.get(2),
            };
            (r.get::<_, String>(0), id)
        })
        .collect())
}

/// Move each scope (at most once each) to its version where that is newer
/// than the applied one; returns the scopes moved.
pub async fn move_forward(
    tx: &Transaction<'_>,
    moves: &[Move<'_>],
) -> Result<HashSet<String>, tokio_postgres::Error> {
    if moves.is_empty() {
        return Ok(HashSet::new());
    }
    let scopes: Vec<&str> = moves.iter().map(|m| m.scope).collect();
    let ms: Vec<i64> = moves.iter().map(|m| m.id.ms).collect();
    let seq: Vec<i64> = moves.iter().map(|m| m.id.seq).collect();
    let kinds: Vec<&str> = moves.iter().map(|m| m.kind).collect();
    let params: [(&(dyn ToSql + Sync), Type); 4] = [
        (&scopes, Type::TEXT_ARRAY),
        (&ms, Type::INT8_ARRAY),
        (&seq, Type::INT8_ARRAY),
        (&kinds, Type::TEXT_ARRAY),
    ];
    let rows = tx.query_typed(MANY_IF_NEWER, &params).await?;
    Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
}
