//! The event archive, `pipeline.event_log`: every entry read, inserted if
//! absent (an undecodable row is replaced once the same version arrives
//! decodable, e.g. requeued after a fix), inside the batch transaction and
//! before any event's savepoint —
//! so even a poison entry is archived (docs/design.md rule 6), and the archive is the
//! full history once the stream has been trimmed.

use std::collections::BTreeMap;

use sleeper_shared::stream::FIELD_ENVELOPE;
use sleeper_shared::Envelope;
use tokio_postgres::Transaction;

use sleeper_shared::redis_reply::Entry;
use sleeper_shared::StreamId;

/// Postgres text cannot hold NUL; hostile envelopes may carry one.
fn pg_text(s: &str) -> String {
    crate::store::pg_text::text(s).into_owned()
}

/// An entry with what could be decoded from it.
pub struct Archived<'a> {
    pub entry: &'a Entry,
    pub id: StreamId,
    pub envelope: Option<&'a Envelope>,
}

/// Insert-if-absent every entry of the batch, in one statement.
pub async fn archive(
    tx: &Transaction<'_>,
    items: &[Archived<'_>],
) -> Result<u64, tokio_postgres::Error> {
    // One row per version: a batch may hold the same version twice (a
    // requeued dead letter beside a redelivery), and one INSERT … ON CONFLICT
    // DO UPDATE may not touch a row twice. Prefer the decodable copy.
    let mut by_version: BTreeMap<StreamId, &Archived<'_>> = BTreeMap::new();
    for a in items {
        let keep = by_version
            .get(&a.id)
            .is_none_or(|kept| kept.envelope.is_none() && a.envelope.is_some());
        if keep {
            by_version.insert(a.id, a);
        }
    }
    let items: Vec<&Archived<'_>> = by_version.into_values().collect();
    let mut id_ms = Vec::with_capacity(items.len());
    let mut id_seq = Vec::with_capacity(items.len());
    let mut stream_id = Vec::with_capacity(items.len());
    let mut kind: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut scope: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut league: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut origin: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut fetched: Vec<Option<i64>> = Vec::with_capacity(items.len());
    let mut status: Vec<Option<i32>> = Vec::with_capacity(items.len());
    let mut hash: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut envelope: Vec<Option<Vec<u8>>> = Vec::with_capacity(items.len());
    let mut raw: Vec<Option<String>> = Vec::with_capacity(items.len());
    let mut decodable = Vec::with_capacity(items.len());
    for a in items {
        id_ms.push(a.id.ms);
        id_seq.push(a.id.seq);
        stream_id.push(a.entry.id.clone());
        envelope.push(a.entry.field(FIELD_ENVELOPE).map(<[u8]>::to_vec));
        match a.envelope {
            Some(env) => {
                kind.push(Some(env.kind.as_str().to_string()));
                scope.push(Some(pg_text(&env.scope)));
                league.push(env.league_id.as_deref().map(pg_text));
                origin.push(Some(env.origin.as_str().to_string()));
                fetched.push(Some(env.fetched_at_ms));
                status.push(Some(i32::from(env.status)));
                hash.push(Some(pg_text(&env.content_hash)));
                raw.push(None);
                decodable.push(true);
            }
            None => {
                kind.push(a.entry.text("kind").map(|s| pg_text(&s)));
                scope.push(a.entry.text("scope").map(|s| pg_text(&s)));
                league.push(None);
                origin.push(None);
                fetched.push(None);
                status.push(None);
                hash.push(None);
                // Raw fields as hex: jsonb refuses \u0000, and fields may be binary.
                let fields: BTreeMap<&String, String> = a
                    .entry
                    .fields
                    .iter()
                    .filter(|(k, _)| k.as_str() != FIELD_ENVELOPE)
                    .map(|(k, v)| (k, hex::encode(v)))
                    .collect();
                raw.push(serde_json::to_string(&fields).ok().map(|s| pg_text(&s)));
                decodable.push(false);
            }
        }
    }
    tx.execute(
        "INSERT INTO pipeline.event_log
            (id_ms, id_seq, stream_id, kind, scope, league_id, origin, fetched_at,
             http_status, content_hash, envelope, raw_fields, decodable)
         SELECT id_ms, id_seq, stream_id, kind, scope, league_id, origin,
                to_timestamp(fetched_ms::float8 / 1000.0), http_status, content_hash,
                envelope, raw_fields::jsonb, decodable
         FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::int8[], $9::int4[], $10::text[], $11::bytea[], $12::text[], $13::bool[])
              AS u(id_ms, id_seq, stream_id, kind, scope, league_id, origin, fetched_ms,
                   http_status, content_hash, envelope, raw_fields, decodable)
         ON CONFLICT (id_ms, id_seq) DO UPDATE SET
             kind = EXCLUDED.kind, scope = EXCLUDED.scope, league_id = EXCLUDED.league_id,
             origin = EXCLUDED.origin, fetched_at = EXCLUDED.fetched_at,
             http_status = EXCLUDED.http_status, content_hash = EXCLUDED.content_hash,
             envelope = EXCLUDED.envelope, raw_fields = NULL, decodable = true
         WHERE NOT event_log.decodable AND EXCLUDED.decodable",
        &[
            &id_ms, &id_seq, &stream_id, &kind, &scope, &league, &origin, &fetched, &status, &hash, &envelope,
            &raw, &decodable,
        ],
    )
    .await
}
