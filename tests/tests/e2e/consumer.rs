//! Consumer-group semantics: poison entries, the redelivery limit, requeue,
//! version order across requeue, reclaiming a dead consumer's entries, a
//! Postgres outage, and batches applied as a whole or event by event.

use std::time::Duration;

use sleeper_tests::harness::events::{append, append_raw, state, xlen};
use sleeper_tests::harness::servers::PostgresServer;
use sleeper_tests::harness::{Bin, TestEnv};

use crate::support::{eventually, pending, with};

async fn week(pg: &tokio_postgres::Client) -> Option<i32> {
    pg.query_opt("SELECT week FROM sleeper.nfl_state", &[])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get(0))
}

async fn drained(env: &TestEnv) {
    let mut r = env.redis().await;
    eventually(Duration::from_secs(30), "every entry acked", || {
        let mut r = r.clone();
        let key = env.stream_key.clone();
        async move {
            let lag = sleeper_shared::lag::read(&mut r, &key, 0).await.ok()?;
            let g = lag.groups.iter().find(|g| g.group == "projector")?;
            (g.pending == 0 && g.lag_events == 0).then_some(())
        }
    })
    .await;
    let _ = pending(&mut r, &env.stream_key, "projector").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_entries_are_dead_lettered_with_reasons_and_the_batch_goes_on() {
    let env = TestEnv::new("poison").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut r = env.redis().await;
    let good = append(&mut r, &env.stream_key, &state(3)).await;
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
    let shape_id = append(&mut r, &env.stream_key, &wrong_shape).await;
    let mut wrong_types = state(5);
    wrong_types.body = br#"{"week":"ten","season":"2025"}"#.to_vec();
    append(&mut r, &env.stream_key, &wrong_types).await;
    // A zstd bomb: 80 MB of zeros compresses to a few KB, above the 64 MB cap.
    let bomb = sleeper_tests::harness::events::envelope(
        sleeper_shared::Kind::State,
        "state/nfl",
        None,
        &vec![b' '; 80 * 1024 * 1024],
    );
    append(&mut r, &env.stream_key, &bomb).await;
    let mut mismatched = state(6);
    mismatched.scope = "league/1/rosters".into();
    append(&mut r, &env.stream_key, &mismatched).await;
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

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    drained(&env).await;
    let pg = env.pg().await;
    assert_eq!(
        week(&pg).await,
        Some(3),
        "the good event is projected, nothing else touched the table"
    );
    assert_eq!(xlen(&mut r, &format!("{}:dlq", env.stream_key)).await, 6);

    let list = Bin::consumer().run(&["dlq", "list", "--json"], &vars);
    assert!(list.status.success(), "{}", list.stderr);
    let letters: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let codes: Vec<&str> = letters
        .as_array()
        .unwrap()
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
        .query_one(
            "SELECT count(*) FROM pipeline.event_log WHERE stream_id = $1",
            &[&good],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(good_archived, 1);
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivery_limit_dead_letters_and_requeue_projects_it() {
    let env = TestEnv::new("redelivery").await;
    let vars = with(
        &env.vars(),
        &[
            ("CONSUMER_MAX_DELIVERIES", "2"),
            ("CONSUMER_CLAIM_IDLE", "100ms"),
        ],
    );
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut r = env.redis().await;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&env.stream_key)
        .arg("projector")
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut r)
        .await
        .unwrap();
    let id = append(&mut r, &env.stream_key, &state(7)).await;
    // A consumer that "crashes" on it: delivered three times, never acked.
    redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("projector")
        .arg("crasher")
        .arg("STREAMS")
        .arg(&env.stream_key)
        .arg(">")
        .query_async::<redis::Value>(&mut r)
        .await
        .unwrap();
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
    drained(&env).await;
    let pg = env.pg().await;
    assert_eq!(week(&pg).await, None, "dead-lettered unread: not projected");
    let list = Bin::consumer().run(&["dlq", "list", "--json"], &vars);
    let letters: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    assert_eq!(letters[0]["reason_code"], "max_deliveries");
    assert_eq!(letters[0]["orig_id"], id.as_str());

    let requeue = Bin::consumer().run(&["dlq", "requeue", "--all"], &vars);
    assert!(requeue.status.success(), "{}", requeue.stderr);
    eventually(
        Duration::from_secs(20),
        "requeued event projected",
        || async { (week(&pg).await == Some(7)).then_some(()) },
    )
    .await;
    assert_eq!(xlen(&mut r, &format!("{}:dlq", env.stream_key)).await, 0);
    // Versioned by its original id.
    let version: String = pg
        .query_one("SELECT _version FROM sleeper.nfl_state", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, id);
    // The archive holds it decodably, so rebuild and replay see what live applied.
    let decodable: bool = pg
        .query_one(
            "SELECT decodable FROM pipeline.event_log WHERE stream_id = $1",
            &[&id],
        )
        .await
        .unwrap()
        .get(0);
    assert!(decodable);
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_snapshot_requeued_does_not_overwrite_newer() {
    let env = TestEnv::new("older").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut r = env.redis().await;
    let old = state(5);
    let old_id = append(&mut r, &env.stream_key, &old).await;
    append(&mut r, &env.stream_key, &state(6)).await;
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    let pg = env.pg().await;
    eventually(Duration::from_secs(20), "week 6", || async {
        (week(&pg).await == Some(6)).then_some(())
    })
    .await;
    // The old snapshot comes back through the DLQ with its original id.
    let wire = old.encode().unwrap();
    let dlq_id = append_raw(
        &mut r,
        &format!("{}:dlq", env.stream_key),
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
    drained(&env).await;
    assert_eq!(
        week(&pg).await,
        Some(6),
        "an older version must not overwrite a newer one"
    );
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_entries_of_a_dead_consumer_are_reclaimed() {
    let env = TestEnv::new("reclaim").await;
    let vars = with(&env.vars(), &[("CONSUMER_CLAIM_IDLE", "1s")]);
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut r = env.redis().await;
    redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&env.stream_key)
        .arg("projector")
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut r)
        .await
        .unwrap();
    append(&mut r, &env.stream_key, &state(9)).await;
    redis::cmd("XREADGROUP")
        .arg("GROUP")
        .arg("projector")
        .arg("dead-one")
        .arg("STREAMS")
        .arg(&env.stream_key)
        .arg(">")
        .query_async::<redis::Value>(&mut r)
        .await
        .unwrap();
    assert_eq!(pending(&mut r, &env.stream_key, "projector").await, 1);
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    let pg = env.pg().await;
    eventually(
        Duration::from_secs(20),
        "reclaimed and projected",
        || async { (week(&pg).await == Some(9)).then_some(()) },
    )
    .await;
    drained(&env).await;
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
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut r = env.redis().await;
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    append(&mut r, &env.stream_key, &state(1)).await;
    drained(&env).await;

    pg_server.stop();
    for w in 2..=11 {
        append(&mut r, &env.stream_key, &state(w)).await;
    }
    // The issue's figure: 30 s down under load (the soak run doubles it).
    let outage = if std::env::var_os("SLEEPER_SOAK").is_some() {
        60
    } else {
        30
    };
    tokio::time::sleep(Duration::from_secs(outage)).await;
    let lag = sleeper_shared::lag::read(&mut r, &env.stream_key, 0)
        .await
        .unwrap();
    let g = lag.groups.iter().find(|g| g.group == "projector").unwrap();
    assert_eq!(
        g.pending + g.lag_events,
        10,
        "nothing acked during the outage: {g:?}"
    );
    assert_eq!(
        xlen(&mut r, &format!("{}:dlq", env.stream_key)).await,
        0,
        "nothing dead-lettered"
    );

    pg_server.restart();
    drained(&env).await;
    let pg = sleeper_tests::harness::env::connect(&url).await;
    assert_eq!(week(&pg).await, Some(11));
    let archived: i64 = pg
        .query_one("SELECT count(*) FROM pipeline.event_log", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(archived, 11);
    drop(consumer);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_is_safe_from_several_processes_at_once() {
    let env = TestEnv::new("migrate_race").await;
    let vars = env.vars();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let vars = vars.clone();
            std::thread::spawn(move || Bin::consumer().run(&["migrate"], &vars))
        })
        .collect();
    for h in handles {
        let out = h.join().unwrap();
        assert!(
            out.status.success(),
            "a concurrent migrate failed: {}",
            out.stderr
        );
    }
    let pg = env.pg().await;
    let applied: i64 = pg
        .query_one("SELECT count(*) FROM pipeline.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    let distinct: i64 = pg
        .query_one("SELECT count(DISTINCT (target_schema, migration_set, name)) FROM pipeline.schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(applied, distinct);
    assert!(
        applied >= 3,
        "pipeline and projection migrations recorded once each: {applied}"
    );
}

/// A NUL character in user-written text (Postgres text and jsonb cannot hold
/// one) must not dead-letter the league's members: it is stored as U+FFFD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_user_text_is_stored_not_dead_lettered() {
    let env = TestEnv::new("nul_text").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut users: serde_json::Value =
        serde_json::from_slice(&sleeper_tests::harness::fixture("users")).expect("fixture");
    let league_id = users[0]["league_id"]
        .as_str()
        .expect("league_id")
        .to_string();
    let user_id = users[0]["user_id"].as_str().expect("user_id").to_string();
    users[0]["display_name"] = "rab\u{0}12345".into();
    users[0]["metadata"]["team_name"] = "Orange\u{0}Peanut".into();
    users[0]["metadata"]["note\u{0}key"] = "x\u{0}y".into();
    let body = serde_json::to_vec(&users).expect("json");
    assert!(
        body.windows(6).any(|w| w == br"\u0000"),
        "the body carries the escaped NUL"
    );
    let mut r = env.redis().await;
    append(
        &mut r,
        &env.stream_key,
        &sleeper_tests::harness::events::envelope(
            sleeper_shared::Kind::Users,
            &format!("league/{league_id}/users"),
            Some(&league_id),
            &body,
        ),
    )
    .await;
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    drained(&env).await;
    assert_eq!(xlen(&mut r, &format!("{}:dlq", env.stream_key)).await, 0);
    let pg = env.pg().await;
    let row = pg
        .query_one(
            "SELECT display_name, team_name, metadata->>'note\u{FFFD}key' \
             FROM sleeper.league_users WHERE league_id = $1 AND user_id = $2",
            &[&league_id, &user_id],
        )
        .await
        .expect("the member is projected");
    let (name, team, note): (String, String, String) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(name, "rab\u{FFFD}12345");
    assert_eq!(team, "Orange\u{FFFD}Peanut");
    assert_eq!(note, "x\u{FFFD}y");
    let members: i64 = pg
        .query_one(
            "SELECT count(*) FROM sleeper.league_users WHERE league_id = $1",
            &[&league_id],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(members, 3);
    drop(consumer);
}

/// A full-size players snapshot is written in slices; a newer one with fewer
/// players and one changed name leaves exactly its own rows, changed as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_players_snapshot_is_written_in_slices_and_replaced_exactly() {
    let env = TestEnv::new("players_big").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let mut config = sleeper_sim::SimConfig {
        speed: 0.0,
        ..sleeper_sim::SimConfig::default()
    };
    config.generate.leagues = 1;
    config.generate.players = 5000;
    let sim = sleeper_sim::start(config).await.expect("simulator");
    let body = sim.body("/v1/players/nfl").expect("players body");
    sim.shutdown().await;
    let mut players: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&body).expect("players json");
    let first_count = players.len();
    assert!(first_count >= 5000, "{first_count} players");
    let envelope = |body: &[u8]| {
        sleeper_tests::harness::events::envelope(
            sleeper_shared::Kind::Players,
            "players/nfl",
            None,
            body,
        )
    };
    let mut r = env.redis().await;
    append(&mut r, &env.stream_key, &envelope(&body)).await;
    let consumer = Bin::consumer().spawn(&["run"], &vars);
    drained(&env).await;
    let pg = env.pg().await;
    let count: i64 = pg
        .query_one("SELECT count(*) FROM sleeper.players", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count as usize, first_count, "the first snapshot, whole");
    // The newer snapshot: 1000 players gone, one renamed.
    let gone: Vec<String> = players.keys().take(1000).cloned().collect();
    for id in &gone {
        players.remove(id);
    }
    let renamed = players.keys().nth(10).cloned().expect("a player");
    players[&renamed]["first_name"] = "Renamed".into();
    let second = serde_json::to_vec(&players).expect("json");
    append(&mut r, &env.stream_key, &envelope(&second)).await;
    drained(&env).await;
    assert_eq!(xlen(&mut r, &format!("{}:dlq", env.stream_key)).await, 0);
    let count: i64 = pg
        .query_one("SELECT count(*) FROM sleeper.players", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count as usize, first_count - 1000);
    let name: String = pg
        .query_one(
            "SELECT first_name FROM sleeper.players WHERE player_id = $1",
            &[&renamed],
        )
        .await
        .expect("renamed player")
        .get(0);
    assert_eq!(name, "Renamed");
    let gone_left: i64 = pg
        .query_one(
            "SELECT count(*) FROM sleeper.players WHERE player_id = ANY($1)",
            &[&gone],
        )
        .await
        .expect("gone")
        .get(0);
    assert_eq!(gone_left, 0);
    drop(consumer);
}

/// A scope's three snapshots and two of another arrive in one batch (applied
/// as a whole, newest per scope): the tables are what applying them one by
/// one leaves — a member of the first snapshot only is kept, flagged gone,
/// with the values last seen — and equal a batch-size-1 consumer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_several_snapshots_per_scope_ends_as_applied_one_by_one() {
    let env = TestEnv::new("coalesce").await;
    let single = TestEnv::new("coalesce_single").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let single_vars = with(
        &single.vars(),
        &[
            ("STREAM_KEY", env.stream_key.as_str()),
            ("CONSUMER_GROUP", "one_by_one"),
            ("CONSUMER_BATCH_SIZE", "1"),
        ],
    );
    assert!(Bin::consumer()
        .run(&["migrate"], &single_vars)
        .status
        .success());

    let users: serde_json::Value =
        serde_json::from_slice(&sleeper_tests::harness::fixture("users")).expect("fixture");
    let league_id = users[0]["league_id"]
        .as_str()
        .expect("league_id")
        .to_string();
    let id = |i: usize| users[i]["user_id"].as_str().expect("user_id").to_string();
    let (kept_user, renamed_user) = (id(2), id(0));
    let kept_name = users[2]["display_name"].as_str().expect("name").to_string();
    let snapshot = |members: &[usize], name: &str| {
        let mut v: Vec<serde_json::Value> = members.iter().map(|&i| users[i].clone()).collect();
        v[0]["display_name"] = name.into();
        sleeper_tests::harness::events::envelope(
            sleeper_shared::Kind::Users,
            &format!("league/{league_id}/users"),
            Some(&league_id),
            &serde_json::to_vec(&v).expect("json"),
        )
    };
    let mut r = env.redis().await;
    append(&mut r, &env.stream_key, &snapshot(&[0, 1, 2], "First")).await;
    append(&mut r, &env.stream_key, &state(3)).await;
    append(&mut r, &env.stream_key, &snapshot(&[0, 1], "Second")).await;
    append(&mut r, &env.stream_key, &snapshot(&[0, 1], "Third")).await;
    append(&mut r, &env.stream_key, &state(4)).await;

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    drained(&env).await;
    assert_eq!(xlen(&mut r, &format!("{}:dlq", env.stream_key)).await, 0);
    let pg = env.pg().await;
    assert_eq!(week(&pg).await, Some(4));
    let member = |user: String| {
        let pg = &pg;
        let league_id = league_id.clone();
        async move {
            let row = pg
                .query_one(
                    "SELECT display_name, in_league FROM sleeper.league_users \
                     WHERE league_id = $1 AND user_id = $2",
                    &[&league_id, &user],
                )
                .await
                .expect("member");
            (row.get::<_, String>(0), row.get::<_, bool>(1))
        }
    };
    assert_eq!(member(renamed_user).await, ("Third".to_string(), true));
    assert_eq!(member(kept_user).await, (kept_name, false));
    let applied: (i64, i64) = {
        let row = pg
            .query_one(
                "SELECT version_ms, version_seq FROM sleeper._versions WHERE scope = $1",
                &[&format!("league/{league_id}/users")],
            )
            .await
            .expect("version");
        (row.get(0), row.get(1))
    };
    let newest: String = {
        let ids: Vec<(String, std::collections::HashMap<String, redis::Value>)> =
            redis::cmd("XREVRANGE")
                .arg(&env.stream_key)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(2)
                .query_async(&mut r)
                .await
                .expect("xrevrange");
        ids[1].0.clone()
    };
    assert_eq!(
        format!("{}-{}", applied.0, applied.1),
        newest,
        "the scope's version is its newest snapshot's id"
    );

    let one_by_one = Bin::consumer().spawn(&["run"], &single_vars);
    eventually(
        Duration::from_secs(30),
        "the batch-size-1 group drained",
        || {
            let mut r = r.clone();
            let key = env.stream_key.clone();
            async move {
                let lag = sleeper_shared::lag::read(&mut r, &key, 0).await.ok()?;
                let g = lag.groups.iter().find(|g| g.group == "one_by_one")?;
                (g.pending == 0 && g.lag_events == 0).then_some(())
            }
        },
    )
    .await;
    assert_eq!(
        crate::crash::checksums(&pg).await,
        crate::crash::checksums(&single.pg().await).await,
        "one batch and one event at a time give identical tables"
    );
    drop((consumer, one_by_one));
}

/// Postgres rejects one event's rows (a timestamp out of its range) in a
/// batch applied as a whole: that event alone is dead-lettered with
/// Postgres' reason, the older snapshot of its scope stands, and the rest of
/// the batch is applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_row_dead_letters_its_event_only_and_the_batch_still_applies() {
    let env = TestEnv::new("rejected_row").await;
    let vars = env.vars();
    assert!(Bin::consumer().run(&["migrate"], &vars).status.success());
    let draft: serde_json::Value =
        serde_json::from_slice(&sleeper_tests::harness::fixture("draft")).expect("fixture");
    let draft_id = draft["draft_id"].as_str().expect("draft_id").to_string();
    let start_ms = draft["start_time"].as_i64().expect("start_time");
    let envelope = |d: &serde_json::Value| {
        sleeper_tests::harness::events::envelope(
            sleeper_shared::Kind::Draft,
            &format!("draft/{draft_id}"),
            None,
            &serde_json::to_vec(d).expect("json"),
        )
    };
    let mut bad = draft.clone();
    bad["start_time"] = 9_000_000_000_000_000_000i64.into();
    bad["status"] = "drafting".into();
    let mut r = env.redis().await;
    append(&mut r, &env.stream_key, &envelope(&draft)).await;
    append(&mut r, &env.stream_key, &state(5)).await;
    let bad_id = append(&mut r, &env.stream_key, &envelope(&bad)).await;
    append(&mut r, &env.stream_key, &state(6)).await;

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    drained(&env).await;
    let list = Bin::consumer().run(&["dlq", "list", "--json"], &vars);
    assert!(list.status.success(), "{}", list.stderr);
    let letters: serde_json::Value = serde_json::from_str(&list.stdout).expect("json");
    let letters = letters.as_array().expect("array");
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["reason_code"], "data_error");
    assert_eq!(letters[0]["orig_id"], bad_id.as_str());
    assert!(
        letters[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("out of range")),
        "{}",
        letters[0]["reason"]
    );
    let pg = env.pg().await;
    assert_eq!(week(&pg).await, Some(6));
    let row = pg
        .query_one(
            "SELECT (extract(epoch FROM start_time) * 1000)::int8, status \
             FROM sleeper.drafts WHERE draft_id = $1",
            &[&draft_id],
        )
        .await
        .expect("the older draft snapshot stands");
    assert_eq!(row.get::<_, i64>(0), start_ms);
    assert_eq!(
        row.get::<_, String>(1),
        draft["status"].as_str().expect("status")
    );
    let archived: i64 = pg
        .query_one("SELECT count(*) FROM pipeline.event_log", &[])
        .await
        .expect("archive")
        .get(0);
    assert_eq!(archived, 4);
    drop(consumer);
}

/// The writers' static table definitions agree with the migrated catalog:
/// every column exists with the SQL type its `ColType` stands for. Binary
/// COPY (the rebuild) sends each cell in its column's binary format, which
/// Postgres reads by the column's real type: a drift would be misread or
/// refused, not converted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn table_definitions_match_the_migrated_column_types() {
    use sleeper_consumer::project::TABLES;
    let env = TestEnv::new("table_types").await;
    let out = Bin::consumer().run(&["migrate"], &env.vars());
    assert!(out.status.success(), "migrate: {}", out.stderr);
    let pg = env.pg().await;
    let mut checked = 0;
    for table in TABLES {
        let rows = pg
            .query(
                "SELECT a.attname::text, a.atttypid, format_type(a.atttypid, a.atttypmod)
                 FROM pg_attribute a
                 WHERE a.attrelid = format('sleeper.%I', $1::text)::regclass
                   AND a.attnum > 0 AND NOT a.attisdropped",
                &[&table.name],
            )
            .await
            .unwrap_or_else(|e| panic!("table {}: {e}", table.name));
        let sql: std::collections::HashMap<String, (u32, String)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect();
        for c in table.columns {
            let want = c.ty.pg_type();
            let found = sql.get(c.name);
            assert_eq!(
                found.map(|(oid, _)| *oid),
                Some(want.oid()),
                "{}.{}: declared {want}, migrated {:?}",
                table.name,
                c.name,
                found.map(|(_, name)| name)
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} columns checked");
}
