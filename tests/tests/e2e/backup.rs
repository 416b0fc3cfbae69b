//! `scripts/backup.sh` and `scripts/restore.sh`: a restore into fresh
//! instances (a new database, a separate `redis-server`) reproduces every
//! table (row checksums of schemas sleeper and pipeline, the migration
//! history included) and the stream exactly (XRANGE, groups with their
//! last-delivered ids and pending lists, dead letters, the other keys); a
//! second restore over the first changes nothing; and consumers started on
//! the original and on the restored instances end with the same tables — the
//! only mismatch a restore leaves is redelivery, which the version guard absorbs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::Value;
use sleeper_shared::Envelope;
use sleeper_tests::harness::env::redis_at;
use sleeper_tests::harness::events::{append_raw, create_group, read_group};
use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::servers::{RedisOptions, RedisServer};
use sleeper_tests::harness::{wait, Bin, TestEnv};

use crate::support::with;

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scripts")
        .join(name)
}

fn run_script(name: &str, dir: &Path, vars: &[(&str, &str)]) -> String {
    let out = std::process::Command::new("bash")
        .arg(script(name))
        .arg(dir)
        .env_remove("PG_BIN")
        .envs(vars.iter().copied())
        .output()
        .expect("running script");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{name} failed ({}):\n{stderr}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}

/// Row count and checksum of every base table of schemas sleeper and pipeline.
async fn tables(url: &str, schemas: &[&str]) -> BTreeMap<String, (i64, String)> {
    let pg = sleeper_tests::harness::env::connect(url).await;
    let names = pg
        .query(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables \
             WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1",
            &[&schemas],
        )
        .await
        .expect("tables");
    let mut out = BTreeMap::new();
    for n in names {
        let name: String = n.get(0);
        let (schema, table) = name.split_once('.').unwrap();
        let row = pg
            .query_one(
                &format!(
                    "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') \
                     FROM \"{schema}\".\"{table}\" t"
                ),
                &[],
            )
            .await
            .expect("checksum");
        out.insert(name, (row.get(0), row.get(1)));
    }
    out
}

/// Every key of `r` starting with `prefix`.
async fn keys(r: &mut ConnectionManager, prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(r)
            .await
            .expect("scan");
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            return keys;
        }
    }
}

/// A stream in comparable form: its entries, its ids and counters, its
/// groups, and each group's pending list.
async fn stream_state(r: &mut ConnectionManager, key: &str) -> Vec<Value> {
    let mut parts = vec![redis::cmd("XRANGE")
        .arg(key)
        .arg("-")
        .arg("+")
        .query_async(r)
        .await
        .unwrap()];
    let info: Value = redis::cmd("XINFO")
        .arg("STREAM")
        .arg(key)
        .query_async(r)
        .await
        .unwrap();
    // last-generated-id, entries-added, max-deleted-entry-id, first id
    if let Value::Array(items) = info {
        for pair in items.chunks(2) {
            if let [Value::BulkString(k), v] = pair {
                let k = String::from_utf8_lossy(k);
                if k.ends_with("-id") || k == "entries-added" || k == "length" {
                    parts.push(Value::BulkString(k.as_bytes().to_vec()));
                    parts.push(v.clone());
                }
            }
        }
    }
    let groups: Value = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(key)
        .query_async(r)
        .await
        .unwrap();
    parts.push(groups.clone());
    if let Value::Array(gs) = groups {
        for g in gs {
            let Value::Array(fields) = g else { continue };
            let name = fields
                .chunks(2)
                .find(|p| matches!(&p[0], Value::BulkString(k) if k == b"name"))
                .and_then(|p| match &p[1] {
                    Value::BulkString(b) => Some(b.clone()),
                    _ => None,
                })
                .expect("group name");
            parts.extend(pending_list(r, key, name).await);
        }
    }
    parts
}

/// A group's pending list: id, consumer, delivery count (not idle time).
async fn pending_list(r: &mut ConnectionManager, key: &str, group: Vec<u8>) -> Vec<Value> {
    let pel: Value = redis::cmd("XPENDING")
        .arg(key)
        .arg(group)
        .arg("-")
        .arg("+")
        .arg(100_000)
        .query_async(r)
        .await
        .unwrap();
    let mut parts = Vec::new();
    if let Value::Array(entries) = pel {
        for e in entries {
            if let Value::Array(f) = e {
                parts.push(f[0].clone());
                parts.push(f[1].clone());
                parts.push(f[3].clone());
            }
        }
    }
    parts
}

/// Everything of this deployment in Redis, in comparable form.
async fn redis_state(r: &mut ConnectionManager, stream: &str) -> BTreeMap<String, Vec<Value>> {
    let mut out = BTreeMap::new();
    for key in keys(r, stream).await {
        let q = |c: &str| {
            let mut cmd = redis::cmd(c);
            cmd.arg(&key);
            cmd
        };
        let ty: String = redis::cmd("TYPE").arg(&key).query_async(r).await.unwrap();
        let mut parts = vec![Value::SimpleString(ty.clone())];
        match ty.as_str() {
            "stream" => parts.extend(stream_state(r, &key).await),
            "hash" => {
                let mut h: Vec<(Vec<u8>, Vec<u8>)> = q("HGETALL").query_async(r).await.unwrap();
                h.sort();
                for (k, v) in h {
                    parts.push(Value::BulkString(k));
                    parts.push(Value::BulkString(v));
                }
            }
            "string" => parts.push(q("GET").query_async(r).await.unwrap()),
            "zset" => parts.push(
                q("ZRANGE")
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES")
                    .query_async(r)
                    .await
                    .unwrap(),
            ),
            _ => parts.push(q("DUMP").query_async(r).await.unwrap()),
        }
        out.insert(key, parts);
    }
    out
}

/// The original deployment: two thirds of `events` projected, a dead
/// letter, a second group `audit` that stopped halfway (pending entries),
/// and the last third nobody read.
async fn original_deployment(env: &TestEnv, events: &[Envelope]) {
    let split = events.len() * 2 / 3;
    env.append_all(&events[..split]).await;
    let mut r = env.redis().await;
    append_raw(
        &mut r,
        &env.stream_key,
        &[
            ("kind", b"state"),
            ("scope", b"state/nfl"),
            ("env", &[0xc1, 0x00]),
        ],
    )
    .await;
    let mut consumer = Bin::consumer().spawn(&["run"], &env.vars());
    env.drained("projector").await;
    consumer.terminate(Duration::from_secs(15));
    create_group(&mut r, &env.stream_key, "audit").await;
    read_group(&mut r, &env.stream_key, "audit", "a1", Some(5)).await;
    env.append_all(&events[split..]).await;
}

/// `backup.sh` of `env` into `out`; its manifest names the stream's last id.
fn backup(env: &TestEnv, out: &Path) {
    run_script(
        "backup.sh",
        out,
        &[
            ("REDIS_URL", env.redis_url.as_str()),
            ("DATABASE_URL", env.database_url.as_str()),
            ("STREAM_KEY", env.stream_key.as_str()),
        ],
    );
    let manifest = std::fs::read_to_string(out.join("manifest")).unwrap();
    assert!(manifest.contains("stream_last_id="), "{manifest}");
}

/// The grants came back: Hasura's role reads `sleeper`, never `pipeline`.
async fn assert_reader_grants(pg: &tokio_postgres::Client) {
    let grants = pg
        .query_one(
            "SELECT has_table_privilege('sleeper_reader', 'sleeper.leagues', 'SELECT'), \
                    has_schema_privilege('sleeper_reader', 'pipeline', 'USAGE')",
            &[],
        )
        .await
        .unwrap();
    assert!(grants.get::<_, bool>(0), "Hasura's role reads sleeper");
    assert!(!grants.get::<_, bool>(1), "and never pipeline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_into_fresh_instances_reproduces_tables_and_stream() {
    let env = TestEnv::migrated("backup").await;
    let events = season::generate(SeasonSpec {
        seed: 61,
        leagues: 1,
        steps: 3,
    })
    .await;
    assert!(season::kinds(&events).len() >= 8, "a varied log");
    original_deployment(&env, &events).await;

    let before_tables = tables(&env.database_url, &["sleeper", "pipeline"]).await;
    assert!(
        before_tables["sleeper.rosters"].0 > 0 && before_tables["pipeline.event_log"].0 > 0,
        "{before_tables:?}"
    );
    let mut r = env.redis().await;
    let before_redis = redis_state(&mut r, &env.stream_key).await;
    assert!(before_redis.contains_key(&env.dlq_key()));
    let stream = &before_redis[&env.stream_key];
    assert!(
        matches!(&stream[1], Value::Array(entries) if entries.len() == events.len() + 1),
        "every entry is on the stream"
    );

    // --- backup
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("b");
    backup(&env, &out);

    // --- restore into fresh instances: an empty database, a new redis-server
    let fresh = TestEnv::new("restored").await;
    let redis2 = RedisServer::start(RedisOptions::default());
    let restore_vars = [
        ("REDIS_URL", redis2.url()),
        ("DATABASE_URL", fresh.database_url.clone()),
        ("STREAM_KEY", env.stream_key.clone()),
        (
            "SLEEPER_CONSUMER",
            Bin::consumer().path().display().to_string(),
        ),
    ];
    let restore_vars: Vec<(&str, &str)> =
        restore_vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let log = run_script("restore.sh", &out, &restore_vars);
    assert!(log.contains("replaying the archive from"), "{log}");

    let mut r2 = redis_at(&redis2.url()).await;
    assert_eq!(
        tables(&fresh.database_url, &["sleeper", "pipeline"]).await,
        before_tables,
        "tables after the restore"
    );
    assert_eq!(
        redis_state(&mut r2, &env.stream_key).await,
        before_redis,
        "redis after the restore"
    );
    assert_reader_grants(&fresh.pg().await).await;

    // --- a second restore over the restored instances changes nothing
    run_script("restore.sh", &out, &restore_vars);
    assert_eq!(
        tables(&fresh.database_url, &["sleeper", "pipeline"]).await,
        before_tables
    );
    assert_eq!(redis_state(&mut r2, &env.stream_key).await, before_redis);

    // --- consumers on both sides project the rest: the same tables
    fresh.migrate();
    let restored_vars = with(
        &fresh.vars(),
        &[
            ("REDIS_URL", redis2.url()),
            ("STREAM_KEY", env.stream_key.clone()),
        ],
    );
    let mut a = Bin::consumer().spawn(&["run"], &env.vars());
    let mut b = Bin::consumer().spawn(&["run"], &restored_vars);
    env.drained("projector").await;
    wait::drained(
        &r2,
        &env.stream_key,
        &["projector"],
        Duration::from_secs(60),
    )
    .await;
    a.terminate(Duration::from_secs(15));
    b.terminate(Duration::from_secs(15));
    let original = tables(&env.database_url, &["sleeper"]).await;
    assert!(original["sleeper.rosters"].0 > 0);
    assert_eq!(
        tables(&fresh.database_url, &["sleeper"]).await,
        original,
        "projection after both consumed the rest"
    );
    redis2.kill();
}

#[test]
fn backup_refuses_bad_usage() {
    let out = std::process::Command::new("bash")
        .arg(script("backup.sh"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("bash")
        .arg(script("restore.sh"))
        .arg(dir.path())
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("DATABASE_URL", "postgres://x@127.0.0.1:1/x")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a backup"));
}
