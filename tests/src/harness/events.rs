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

/// XADD every event in order, pipelined; their ids.
pub async fn append_all(
    conn: &mut ConnectionManager,
    stream: &str,
    events: &[Envelope],
) -> Vec<String> {
    let mut ids = Vec::with_capacity(events.len());
    for chunk in events.chunks(500) {
        let mut pipe = redis::pipe();
        for env in chunk {
            pipe.cmd("XADD")
                .arg(stream)
                .arg("*")
                .arg("kind")
                .arg(env.kind.as_str())
                .arg("scope")
                .arg(&env.scope)
                .arg("env")
                .arg(env.encode().expect("encode"));
        }
        let chunk_ids: Vec<String> = pipe.query_async(conn).await.expect("xadd");
        ids.extend(chunk_ids);
    }
    ids
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

/// Create consumer group `group` of `stream` at its start (and the stream
/// if it does not exist yet).
pub async fn create_group(conn: &mut ConnectionManager, stream: &str, group: &str) {
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(stream)
        .arg(group)
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(conn)
        .await
        .expect("xgroup create");
}

/// XREADGROUP as `consumer` of `group`: the entries never delivered to the
/// group (at most `count` of them), now pending for `consumer`, unacked.
pub async fn read_group(
    conn: &mut ConnectionManager,
    stream: &str,
    group: &str,
    consumer: &str,
    count: Option<usize>,
) -> redis::Value {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP").arg(group).arg(consumer);
    if let Some(n) = count {
        cmd.arg("COUNT").arg(n);
    }
    cmd.arg("STREAMS")
        .arg(stream)
        .arg(">")
        .query_async(conn)
        .await
        .expect("xreadgroup")
}

/// A raw stream entry: its id and its field/value pairs.
pub type RawEntry = (String, Vec<(String, Vec<u8>)>);

/// Every entry of `stream` on the Redis at `redis_url`, over a connection
/// of its own (the server may have been restarted since the last call).
pub async fn xrange(redis_url: &str, stream: &str) -> Vec<RawEntry> {
    let client = redis::Client::open(redis_url).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .expect("xrange")
}

/// Every entry of `stream` on the Redis at `redis_url`, decoded: (stream
/// id, envelope).
pub async fn decoded(redis_url: &str, stream: &str) -> Vec<(String, Envelope)> {
    xrange(redis_url, stream)
        .await
        .into_iter()
        .map(|(id, fields)| {
            let env = fields
                .into_iter()
                .find(|(k, _)| k == "env")
                .map(|(_, v)| v)
                .expect("env field");
            let env = Envelope::decode(&env, 64 * 1024 * 1024).expect("decodable envelope");
            (id, env)
        })
        .collect()
}
