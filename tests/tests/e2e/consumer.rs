//! Consumer-group semantics: poison entries, the redelivery limit, requeue,
//! version order across requeue, reclaiming a dead consumer's entries, and a
//! Postgres outage. (What a batch writes is `writes.rs`; the schema,
//! `migrate.rs`.)

use std::time::Duration;

use serde_json::Value;
use sleeper_shared::Kind;
use sleeper_tests::harness::events::{append_raw, create_group, envelope, read_group, state};
use sleeper_tests::harness::servers::PostgresServer;
use sleeper_tests::harness::{migrate, Bin, Scalar, TestEnv};

use crate::support::{eventually, nfl_week, pending, soak, with};

/// `sleeper-consumer dlq list --json`: the dead letters, oldest first.
pub fn dead_letters(vars: &[(String, String)]) -> Vec<Value> {
    let list = Bin::consumer().run(&["dlq", "list", "--json"], vars);
    assert!(list.status.success(), "{}", list.stderr);
    let letters: Value = serde_json::from_str(&list.stdout).expect("json");
    letters.as_array().expect("array").clone()
}

/// Append every kind of poison after one good event: undecodable bytes, a
/// body of the wrong shape, fields of the wrong type, a zstd bomb, a scope
/// that does not match its kind, a future envelope version. The ids of the
/// good event, the undecodable entry and the wrong-shaped one.
async fn append_poison(env: &TestEnv) -> (String, String, String) {
    let good = env.append(&state(3)).await;
    let mut r = env.redis().await;
    let garbage = append_raw(
        &mut r,
        &env.stream_key,
        &[
            ("kind", b"state"),
            ("scope", b"state/nfl"),
            ("env", &[0xc1, 0xff, 0x00, 0x13]),
        ],
    )
    .await;
    let mut wrong_shape = state(4);
    wrong_shape.body = b"[1,2,3]".to_vec();
    let shape_id = env.append(&wrong_shape).await;
    let mut wrong_types = state(5);
    wrong_types.body = br#"{"week":"ten","season":"2025"}"#.to_vec();
    env.append(&wrong_types).await;
    // A zstd bomb: 80 MB of zeros compresses to a few KB, above the 64 MB cap.
    let bomb = envelope(
        Kind::State,
        "state/nfl",
        None,
        &vec![b' '; 80 * 1024 * 1024],
    );
    env.append(&bomb).await;
    let mut mismatched = state(6);
    mismatched.scope = "league/1/rosters".into();
    env.append(&mismatched).await;
    // An envelope from a future format version.
    let future = serde_json::json!({
        "v": 99, "kind": "state", "scope": "state/nfl", "origin": "poll", "fetched_at_ms": 1,
        "status": 200, "content_hash": "x", "encoding": "identity", "body": [123, 125],
    });
    let future = rmp_serde::to_vec_named(&future).unwrap();
    append_raw(
        &mut r,
        &env.stream_key,
        &[
            ("kind", b"state"),
            ("scope", b"state/nfl"),
            ("env", &future),
        ],
    )
    .await;
    (good, garbage, shape_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_entries_are_dead_lettered_with_reasons_and_the_batch_goes_on() {
    let env = TestEnv::migrated("poison").await;
    let vars = env.vars();
    let (good, garbage, shape_id) = append_poison(&env).await;

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    env.drained("projector").await;
    let pg = env.pg().await;
    assert_eq!(
        nfl_week(&pg).await,
        Some(3),
        "the good event is projected, nothing else touched the table"
    );
    assert_eq!(env.dlq_len().await, 6);

    let letters = dead_letters(&vars);
    let codes: Vec<&str> = letters
        .iter()
        .map(|d| d["reason_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "malformed_envelope",
            "payload_shape",
            "payload_shape",
            "too_large",
            "scope_mismatch",
            "unsupported_version"
        ]
    );
    assert_eq!(letters[0]["orig_id"], garbage.as_str());
    assert_eq!(letters[1]["orig_id"], shape_id.as_str());
    assert!(
        letters[2]["reason"].as_str().unwrap().contains("week"),
        "{}",
        letters[2]["reason"]
    );

    // Every entry is archived exactly once, poison included.
    let (total, undecodable): (i64, i64) = {
        let row = pg
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE NOT decodable) FROM pipeline.event_log",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!((total, undecodable), (7, 4));
    let good_archived: i64 = pg
        .scalar(
            "SELECT count(*) FROM pipeline.event_log WHERE stream_id = $1",
            &[&good],
        )
        .await;
    assert_eq!(good_archived, 1);
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivery_limit_dead_letters_and_requeue_projects_it() {
    let env = TestEnv::migrated("redelivery").await;
    let vars = with(
        &env.vars(),
        &[
            ("CONSUMER_MAX_DELIVERIES", "2"),
            ("CONSUMER_CLAIM_IDLE", "100ms"),
        ],
    );
    let mut r = env.redis().await;
    create_group(&mut r, &env.stream_key, "projector").await;
    let id = env.append(&state(7)).await;
    // A consumer that "crashes" on it: delivered three times, never acked.
    read_group(&mut r, &env.stream_key, "projector", "crasher", None).await;
    for _ in 0..2 {
        redis::cmd("XCLAIM")
            .arg(&env.stream_key)
            .arg("projector")
            .arg("crasher")
            .arg(0)
            .arg(&id)
            .query_async::<redis::Value>(&mut r)
            .await
            .unwrap();
    }
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    env.drained("projector").await;
    let pg = env.pg().await;
    assert_eq!(
        nfl_week(&pg).await,
        None,
        "dead-lettered unread: not projected"
    );
    let letters = dead_letters(&vars);
    assert_eq!(letters[0]["reason_code"], "max_deliveries");
    assert_eq!(letters[0]["orig_id"], id.as_str());

    let requeue = Bin::consumer().run(&["dlq", "requeue", "--all"], &vars);
    assert!(requeue.status.success(), "{}", requeue.stderr);
    eventually(
        Duration::from_secs(20),
        "requeued event projected",
        || async { (nfl_week(&pg).await == Some(7)).then_some(()) },
    )
    .await;
    assert_eq!(env.dlq_len().await, 0);
    // Versioned by its original id.
    let version: String = pg
        .scalar("SELECT _version FROM sleeper.nfl_state", &[])
        .await;
    assert_eq!(version, id);
    // The archive holds it decodably, so rebuild and replay see what live applied.
    let decodable: bool = pg
        .scalar(
            "SELECT decodable FROM pipeline.event_log WHERE stream_id = $1",
            &[&id],
        )
        .await;
    assert!(decodable);
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_snapshot_requeued_does_not_overwrite_newer() {
    let env = TestEnv::migrated("older").await;
    let vars = env.vars();
    let old = state(5);
    let old_id = env.append(&old).await;
    env.append(&state(6)).await;
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    let pg = env.pg().await;
    eventually(Duration::from_secs(20), "week 6", || async {
        (nfl_week(&pg).await == Some(6)).then_some(())
    })
    .await;
    // The old snapshot comes back through the DLQ with its original id.
    let wire = old.encode().unwrap();
    let dlq_id = append_raw(
        &mut env.redis().await,
        &env.dlq_key(),
        &[
            ("orig_id", old_id.as_bytes()),
            ("kind", b"state"),
            ("scope", b"state/nfl"),
            ("env", &wire),
            ("reason_code", b"test"),
            ("reason", b"test"),
        ],
    )
    .await;
    let out = Bin::consumer().run(&["dlq", "requeue", &dlq_id], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    env.drained("projector").await;
    assert_eq!(
        nfl_week(&pg).await,
        Some(6),
        "an older version must not overwrite a newer one"
    );
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_entries_of_a_dead_consumer_are_reclaimed() {
    let env = TestEnv::migrated("reclaim").await;
    let vars = with(&env.vars(), &[("CONSUMER_CLAIM_IDLE", "1s")]);
    let mut r = env.redis().await;
    create_group(&mut r, &env.stream_key, "projector").await;
    env.append(&state(9)).await;
    read_group(&mut r, &env.stream_key, "projector", "dead-one", None).await;
    assert_eq!(pending(&mut r, &env.stream_key, "projector").await, 1);
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    let pg = env.pg().await;
    eventually(
        Duration::from_secs(20),
        "reclaimed and projected",
        || async { (nfl_week(&pg).await == Some(9)).then_some(()) },
    )
    .await;
    env.drained("projector").await;
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_acks_nothing_dead_letters_nothing_and_catches_up() {
    let env = TestEnv::new("pg_outage").await;
    let pg_server = PostgresServer::start();
    let admin = sleeper_tests::harness::env::connect(&pg_server.url("postgres")).await;
    admin.batch_execute("CREATE DATABASE outage").await.unwrap();
    drop(admin);
    let url = pg_server.url("outage");
    let vars = with(&env.vars(), &[("DATABASE_URL", url.as_str())]);
    migrate(&vars);
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    env.append(&state(1)).await;
    env.drained("projector").await;

    pg_server.stop();
    for w in 2..=11 {
        env.append(&state(w)).await;
    }
    // 30 s down while events keep arriving (the soak run doubles it).
    let outage = if soak() { 60 } else { 30 };
    tokio::time::sleep(Duration::from_secs(outage)).await;
    let lag = sleeper_shared::lag::read(&mut env.redis().await, &env.stream_key, 0)
        .await
        .unwrap();
    let g = lag.groups.iter().find(|g| g.group == "projector").unwrap();
    assert_eq!(
        g.pending + g.lag_events,
        10,
        "nothing acked during the outage: {g:?}"
    );
    assert_eq!(env.dlq_len().await, 0, "nothing dead-lettered");

    pg_server.restart();
    env.drained("projector").await;
    let pg = sleeper_tests::harness::env::connect(&url).await;
    assert_eq!(nfl_week(&pg).await, Some(11));
    let archived: i64 = pg
        .scalar("SELECT count(*) FROM pipeline.event_log", &[])
        .await;
    assert_eq!(archived, 11);
    drop(consumer);
}
