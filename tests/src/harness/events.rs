//! Building and appending events by hand, for tests that need exact control
//! of what is on the stream (poison entries, old versions, …).

use redis::aio::ConnectionManager;
use sleeper_shared::{Envelope, Kind, Origin};

/// An envelope for `scope` with `body` (hash and ticket are placeholders).
pub fn envelope(kind: Kind, scope: &str, league_id: Option<&str>, body: &[u8]) -> Envelope {
    Envelope {
        kind,
        scope: scope.to_string(),
        league_id: league_id.map(str::to_string),
        origin: Origin::Poll,
        fetched_at_ms: 1_700_000_000_000,
        status: 200,
        content_hash: format!("{:016x}", body.len()),
        ticket: 1,
        body: body.to_vec(),
    }
}

/// A `state/nfl` snapshot whose week is `week`.
pub fn state(week: u32) -> Envelope {
    let body = format!(
        r#"{{"week":{week},"leg":{week},"season":"2025","season_type":"regular","league_season":"2025","previous_season":"2024","season_start_date":"2025-09-04","display_week":{week},"league_create_season":"2025","season_has_scores":true}}"#
    );
    envelope(Kind::State, "state/nfl", None, body.as_bytes())
}

/// XADD an envelope the way the producer does (plain `kind`, `scope`, `env`).
pub async fn append(conn: &mut ConnectionManager, stream: &str, env: &Envelope) -> String {
    let wire = env.encode().expect("encode");
    append_raw(
        conn,
        stream,
        &[
            ("kind", env.kind.as_str().as_bytes()),
            ("scope", env.scope.as_bytes()),
            ("env", &wire),
        ],
    )
    .await
}

/// XADD arbitrary fields (poison entries).
pub async fn append_raw(
    conn: &mut ConnectionManager,
    stream: &str,
    fields: &[(&str, &[u8])],
) -> String {
    let mut cmd = redis::cmd("XADD");
    cmd.arg(stream).arg("*");
    for (k, v) in fields {
        cmd.arg(*k).arg(*v);
    }
    cmd.query_async(conn).await.expect("xadd")
}

/// XLEN of a key.
pub async fn xlen(conn: &mut ConnectionManager, key: &str) -> i64 {
    redis::cmd("XLEN")
        .arg(key)
        .query_async(conn)
        .await
        .expect("xlen")
}
