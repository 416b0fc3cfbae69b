//! Crash consistency and the reference model: consumers killed at random
//! moments and right after a commit (before its XACK) end with exactly the
//! tables a clean consumer builds; those tables agree with a deliberately
//! simple reference computed from the log itself; and any reordering or
//! duplication of deliveries gives the same tables.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use sleeper_shared::redis_reply::Entry;
use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::{wait, Bin, Proc, TestEnv};

use crate::support::{checksums, soak, with};

/// A consumer of the crash test: named, small batches, quick reclaiming,
/// quiet logs, and `extra` on top.
fn consumer_vars(
    base: &[(String, String)],
    name: &str,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let v = with(
        base,
        &[
            ("CONSUMER_NAME", name),
            ("CONSUMER_BATCH_SIZE", "40"),
            ("CONSUMER_CLAIM_IDLE", "1s"),
            ("LOG_LEVEL", "warn"),
        ],
    );
    with(&v, extra)
}

/// `kills` rounds of SIGKILL to a random one of `procs` (consumers named
/// `names`) and a restart; every third restart dies at a fixed point, right
/// after a commit and before its XACK, and is started once more. How many
/// did die at that point.
async fn kill_at_random(
    vars: &[(String, String)],
    names: &[&str],
    procs: &mut [Proc],
    kills: usize,
) -> usize {
    let mut rng = StdRng::seed_from_u64(42);
    let mut failpoint_crashes = 0;
    for round in 0..kills {
        tokio::time::sleep(Duration::from_millis(rng.random_range(150..700))).await;
        let i = rng.random_range(0..procs.len());
        procs[i].kill();
        // Every third restart dies at a fixed point: right after a commit, before its XACK.
        let extra: Vec<(&str, &str)> = if round % 3 == 0 {
            vec![("CONSUMER_CRASH_AFTER_COMMIT", "2")]
        } else {
            vec![]
        };
        procs[i] = Bin::consumer().spawn(&["run"], &consumer_vars(vars, names[i], &extra));
        if round % 3 == 0 {
            let deadline = std::time::Instant::now() + Duration::from_secs(15);
            while procs[i].is_running() && std::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            if !procs[i].is_running() {
                failpoint_crashes += 1;
                procs[i] = Bin::consumer().spawn(&["run"], &consumer_vars(vars, names[i], &[]));
            }
        }
    }
    failpoint_crashes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_killed_at_random_and_after_commit_match_a_clean_consumer_and_the_reference() {
    let steps = if soak() { 1200 } else { 400 };
    let events = season::generate(SeasonSpec {
        seed: 7,
        leagues: 2,
        steps,
    })
    .await;
    assert!(
        events.len() >= 5000,
        "a log of 5000+ events, got {}",
        events.len()
    );
    assert!(
        season::kinds(&events).len() >= 10,
        "varied kinds: {:?}",
        season::kinds(&events)
    );

    let env = TestEnv::migrated("crash").await;
    let (clean, clean_vars) = env.other_group("crash_clean", "clean").await;
    let vars = env.vars();

    let ids = env.append_all(&events).await;
    assert_eq!(ids.len(), events.len());

    let _clean_consumer = Bin::consumer().spawn(
        &["run"],
        &consumer_vars(&clean_vars, "clean-1", &[("CONSUMER_BATCH_SIZE", "100")]),
    );
    let names = ["c1", "c2", "c3"];
    let mut procs: Vec<Proc> = names
        .iter()
        .map(|n| Bin::consumer().spawn(&["run"], &consumer_vars(&vars, n, &[])))
        .collect();
    let kills = if soak() { 90 } else { 21 };
    let failpoint_crashes = kill_at_random(&vars, &names, &mut procs, kills).await;
    eprintln!("crash test: {} events, {kills} SIGKILLs, {failpoint_crashes} aborts after commit before XACK", events.len());
    assert!(
        failpoint_crashes >= kills / 3 - 1,
        "the after-commit failpoint fired {failpoint_crashes} times"
    );

    let both = ["projector", "clean"];
    wait::drained(
        &env.redis().await,
        &env.stream_key,
        &both,
        Duration::from_secs(240),
    )
    .await;
    drop(procs);

    let pg = env.pg().await;
    let pg_clean = clean.pg().await;
    // Three consumers committed batches of the same leagues at once: the
    // derived tables' per-league locks leave them equal to their sources.
    crate::all_time::assert_derived_current(&pg, "after concurrent, killed consumers").await;
    let got = checksums(&pg).await;
    let want = checksums(&pg_clean).await;
    assert_eq!(
        got, want,
        "tables after crashes differ from a clean consumer's"
    );
    assert!(
        got.get("rosters").is_some_and(|s| !s.starts_with("0:")),
        "rosters projected: {got:?}"
    );
    assert_eq!(env.dlq_len().await, 0, "nothing dead-lettered");
    let (archived, distinct): (i64, i64) = {
        let row = pg
            .query_one(
                "SELECT count(*), count(DISTINCT (id_ms, id_seq)) FROM pipeline.event_log",
                &[],
            )
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    assert_eq!(
        (archived, distinct),
        (events.len() as i64, events.len() as i64),
        "every event archived exactly once"
    );

    reference_agrees(&pg, &events).await;
}

/// "Newest version of each scope wins", computed from the raw log with plain
/// serde_json, compared with the projected tables.
async fn reference_agrees(pg: &tokio_postgres::Client, events: &[Envelope]) {
    let mut newest: BTreeMap<&str, &Envelope> = BTreeMap::new();
    for e in events {
        newest.insert(e.scope.as_str(), e); // appended in order: later wins
    }
    let json = |e: &Envelope| serde_json::from_slice::<Value>(&e.body).expect("json");
    let id_text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };

    // Roster membership: (league, roster_id, player_id) over every rosters scope.
    let mut want_players = BTreeSet::new();
    // Matchup points: (league, week, roster_id) → points as text.
    let mut want_points = BTreeMap::new();
    let mut want_tx = BTreeSet::new();
    for (scope, e) in &newest {
        let parts: Vec<&str> = scope.split('/').collect();
        match e.kind {
            Kind::Rosters => {
                for r in json(e).as_array().into_iter().flatten() {
                    let rid = r["roster_id"].as_i64().expect("roster_id");
                    for p in r["players"].as_array().into_iter().flatten() {
                        if let Some(p) = p.as_str().filter(|p| *p != "0") {
                            want_players.insert((parts[1].to_string(), rid, p.to_string()));
                        }
                    }
                }
            }
            Kind::Matchups => {
                let week: i32 = parts[3].parse().unwrap();
                for m in json(e).as_array().into_iter().flatten() {
                    let rid = m["roster_id"].as_i64().expect("roster_id");
                    let pts = m["points"].as_f64().unwrap_or(0.0);
                    want_points.insert((parts[1].to_string(), week, rid), format!("{pts:.2}"));
                }
            }
            Kind::Transactions => {
                for t in json(e).as_array().into_iter().flatten() {
                    if let Some(id) = id_text(&t["transaction_id"]) {
                        want_tx.insert(id);
                    }
                }
            }
            _ => {}
        }
    }
    let got_players: BTreeSet<(String, i64, String)> = pg
        .query(
            "SELECT league_id, roster_id::int8, player_id FROM sleeper.roster_players",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        got_players.len(),
        want_players.len(),
        "roster_players row count"
    );
    assert_eq!(
        got_players, want_players,
        "roster membership differs from the reference"
    );
    let got_points: BTreeMap<(String, i32, i64), String> = pg
        .query("SELECT league_id, week::int4, roster_id::int8, to_char(coalesce(points, 0), 'FM999990.00') FROM sleeper.matchups", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| ((r.get(0), r.get(1), r.get(2)), r.get(3)))
        .collect();
    assert_eq!(
        got_points, want_points,
        "matchup points differ from the reference"
    );
    let got_tx: BTreeSet<String> = pg
        .query("SELECT transaction_id FROM sleeper.transactions", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(got_tx, want_tx, "transactions differ from the reference");
    assert!(
        !want_players.is_empty() && !want_points.is_empty() && !want_tx.is_empty(),
        "reference is not trivially empty"
    );
}

/// Apply `entries` with the library's batch path in batches of random sizes
/// up to `max_batch` (1: event by event).
async fn apply_in_batches(
    database_url: &str,
    entries: &[Entry],
    max_batch: usize,
    rng: &mut StdRng,
) {
    let (mut client, conn) = {
        let mut c: tokio_postgres::Config = database_url.parse().expect("url");
        c.options("-c search_path=sleeper,public");
        c.connect(tokio_postgres::NoTls).await.expect("connect")
    };
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let mut i = 0;
    while i < entries.len() {
        let n = rng.random_range(1..=max_batch).min(entries.len() - i);
        sleeper_consumer::live::batch::apply(
            &mut client,
            &entries[i..i + n],
            64 << 20,
            10,
            sleeper_consumer::live::batch::Derived::Now,
        )
        .await
        .expect("batch");
        i += n;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn any_reordering_or_duplication_of_deliveries_gives_identical_tables() {
    let events = season::generate(SeasonSpec {
        seed: 3,
        leagues: 1,
        steps: 24,
    })
    .await;
    let entries: Vec<Entry> = events
        .iter()
        .enumerate()
        .map(|(i, e)| Entry {
            id: format!("{}-{}", 1_700_000_000_000i64 + i as i64, 0),
            fields: [
                ("kind".to_string(), e.kind.as_str().as_bytes().to_vec()),
                ("scope".to_string(), e.scope.as_bytes().to_vec()),
                ("env".to_string(), e.encode().expect("encode")),
            ]
            .into_iter()
            .collect(),
            deliveries: 1,
        })
        .collect();
    let in_order = TestEnv::migrated("order_ref").await;
    let mut rng = StdRng::seed_from_u64(1);
    // The reference: in order, one event per batch.
    apply_in_batches(&in_order.database_url, &entries, 1, &mut rng).await;
    let want = checksums(&in_order.pg().await).await;
    let cases = if soak() { 12 } else { 3 };
    for case in 0..cases {
        let mut shuffled = entries.clone();
        // Duplicate a random fifth of the deliveries, then shuffle everything.
        for _ in 0..entries.len() / 5 {
            let i = rng.random_range(0..entries.len());
            shuffled.push(entries[i].clone());
        }
        shuffled.shuffle(&mut rng);
        let env = TestEnv::migrated(&format!("order_{case}")).await;
        // Batches of up to 40 hold several snapshots of a scope: applied
        // as a whole, newest per scope (`coalesce`).
        apply_in_batches(&env.database_url, &shuffled, 40, &mut rng).await;
        let got = checksums(&env.pg().await).await;
        // Series tables hold every sample whatever the order, so they must match too.
        assert_eq!(
            got, want,
            "case {case}: a reordered, duplicated delivery gave different tables"
        );
    }
}
