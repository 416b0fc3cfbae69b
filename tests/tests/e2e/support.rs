//! Small waits and probes shared by the end-to-end tests.

use std::collections::BTreeMap;
use std::time::Duration;

pub use sleeper_tests::harness::wait::eventually;
use sleeper_tests::harness::{Proc, Scalar};

/// GET a local URL: (status, body), or None when nothing answers.
pub async fn http_get(url: &str) -> Option<(u16, String)> {
    sleeper_shared::telemetry::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .ok()?;
    let resp = client.get(url).send().await.ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.text().await.unwrap_or_default()))
}

/// The status `/ready` answers on 127.0.0.1:`port`, if anything answers.
pub async fn ready(port: u16) -> Option<u16> {
    http_get(&format!("http://127.0.0.1:{port}/ready"))
        .await
        .map(|(s, _)| s)
}

/// Wait up to `limit` until `/ready` on 127.0.0.1:`port` answers `status`.
pub async fn until_ready_is(port: u16, status: u16, limit: Duration) {
    eventually(limit, &format!("/ready {status}"), || async {
        (ready(port).await == Some(status)).then_some(())
    })
    .await;
}

/// SIGTERM: the process must exit 0 within 10 s.
pub fn assert_stops_cleanly(proc: &mut Proc) {
    let status = proc.terminate(Duration::from_secs(10));
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(0),
        "SIGTERM exits 0 within 10 s; log:\n{}",
        proc.log()
    );
}

/// The group's pending count (XPENDING summary).
pub async fn pending(conn: &mut redis::aio::ConnectionManager, stream: &str, group: &str) -> i64 {
    let v: redis::Value = redis::cmd("XPENDING")
        .arg(stream)
        .arg(group)
        .query_async(conn)
        .await
        .expect("xpending");
    match v {
        redis::Value::Array(items) => match items.first() {
            Some(redis::Value::Int(n)) => *n,
            _ => -1,
        },
        _ => -1,
    }
}

/// `vars` with `extra` set (replacing variables of the same name).
pub fn with<V: ToString>(vars: &[(String, String)], extra: &[(&str, V)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = vars
        .iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .cloned()
        .collect();
    out.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    out
}

/// md5 of every row of every base table of schema `sleeper`, by table.
pub async fn checksums(pg: &tokio_postgres::Client) -> BTreeMap<String, String> {
    let tables: Vec<String> = pg
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'sleeper' AND table_type = 'BASE TABLE' ORDER BY 1", &[])
        .await
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = BTreeMap::new();
    for t in tables {
        let sql = format!("SELECT count(*)::text || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM sleeper.{t} x");
        out.insert(t, pg.scalar(&sql, &[]).await);
    }
    out
}

/// The projected NFL week, if any.
pub async fn nfl_week(pg: &tokio_postgres::Client) -> Option<i32> {
    pg.query_opt("SELECT week FROM sleeper.nfl_state", &[])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get(0))
}

/// Whether `SLEEPER_SOAK` asks for the long version of the tests.
pub fn soak() -> bool {
    std::env::var_os("SLEEPER_SOAK").is_some()
}
