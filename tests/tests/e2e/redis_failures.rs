//! Redis failure modes under a running consumer: a group lost to a Redis
//! restarted empty, or destroyed, is recreated from the start of the stream
//! without a restart, and named by `/ready`, `status` and the lag gauge while
//! it cannot be; ids XAUTOCLAIM reports deleted are dead-lettered as
//! `trimmed`; a Redis refusing writes (maxmemory, noeviction) still lets a
//! consumer drain its backlog and ack good events, holding only the dead
//! letter it cannot write — and the tables end as a clean projection's.

use std::time::{Duration, Instant};

use sleeper_tests::harness::env::redis_at;
use sleeper_tests::harness::events::{self, state};
use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::servers::{free_port, RedisOptions, RedisServer};
use sleeper_tests::harness::{Bin, Proc, TestEnv};

use crate::producer::StateProducer;
use crate::support::{checksums, eventually, http_get, until_ready_is, with};

/// A consumer of `env`'s stream and database on the Redis at `redis_url`,
/// serving HTTP on `port`.
fn consumer_on(env: &TestEnv, redis_url: &str, port: u16, extra: &[(&str, &str)]) -> Proc {
    let http = format!("127.0.0.1:{port}");
    let mut vars = with(
        &env.vars(),
        &[
            ("REDIS_URL", redis_url),
            ("HTTP_ADDR", http.as_str()),
            ("CONSUMER_NAME", "c1"),
        ],
    );
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Bin::consumer().spawn(&["run"], &vars)
}

async fn week(env: &TestEnv) -> Option<i32> {
    env.pg()
        .await
        .query_opt("SELECT week FROM sleeper.nfl_state", &[])
        .await
        .ok()
        .flatten()
        .and_then(|r| r.get(0))
}

async fn until_week(env: &TestEnv, want: i32, limit: Duration) {
    eventually(limit, &format!("nfl_state at week {want}"), || async {
        (week(env).await == Some(want)).then_some(())
    })
    .await;
}

/// Lines of `proc`'s log.
fn lines(proc: &Proc) -> usize {
    proc.log().lines().count()
}

/// The value of `metric{…group="<group>"…}` on `/metrics`.
async fn gauge(port: u16, metric: &str, group: &str) -> Option<f64> {
    let (_, body) = http_get(&format!("http://127.0.0.1:{port}/metrics")).await?;
    body.lines()
        .filter(|l| l.starts_with(metric) && l.contains(&format!("group=\"{group}\"")))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_consumer_recreates_its_group_when_redis_restarts_empty() {
    let env = TestEnv::migrated("group_restart").await;
    let redis = RedisServer::start(RedisOptions::default());
    let port = free_port();
    let mut consumer = consumer_on(&env, &redis.url(), port, &[]);
    until_ready_is(port, 200, Duration::from_secs(30)).await;
    let mut conn = redis_at(&redis.url()).await;
    for w in 1..=3 {
        events::append(&mut conn, &env.stream_key, &state(w)).await;
    }
    until_week(&env, 3, Duration::from_secs(30)).await;

    // Restarted empty: no AOF, no snapshot — the stream and its group are gone.
    let before = lines(&consumer);
    let down = Instant::now();
    redis.kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    redis.restart();
    let mut conn = redis_at(&redis.url()).await;
    assert_eq!(events::xlen(&mut conn, &env.stream_key).await, 0);
    events::append(&mut conn, &env.stream_key, &state(4)).await;
    let appended = Instant::now();
    until_week(&env, 4, Duration::from_secs(10)).await;
    assert!(appended.elapsed() < Duration::from_secs(10));
    let seconds = down.elapsed().as_secs() as usize + 1;
    let logged = lines(&consumer) - before;
    assert!(
        logged <= seconds + 2,
        "{logged} log lines in {seconds} s:\n{}",
        consumer.log()
    );
    assert!(consumer
        .log()
        .contains("recreated it from the start of the stream"));

    // The stream key deleted under it: the same, again without a restart.
    let _: i64 = redis::cmd("DEL")
        .arg(&env.stream_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    events::append(&mut conn, &env.stream_key, &state(5)).await;
    until_week(&env, 5, Duration::from_secs(10)).await;
    assert!(consumer.is_running());
    consumer.terminate(Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_group_is_named_by_ready_status_and_the_lag_gauge_until_it_is_recreated() {
    let env = TestEnv::migrated("group_missing").await;
    let redis = RedisServer::start(RedisOptions::default());
    let mut admin = redis_at(&redis.url()).await;
    // A consumer user that may do everything but create groups (for now).
    let _: () = redis::cmd("ACL")
        .arg("SETUSER")
        .arg("projector-user")
        .arg("on")
        .arg(">consumer-pw")
        .arg("~*")
        .arg("&*")
        .arg("+@all")
        .query_async(&mut admin)
        .await
        .unwrap();
    let url = format!(
        "redis://projector-user:consumer-pw@127.0.0.1:{}",
        redis.port
    );
    let port = free_port();
    let mut consumer = consumer_on(&env, &url, port, &[]);
    until_ready_is(port, 200, Duration::from_secs(30)).await;
    events::append(&mut admin, &env.stream_key, &state(1)).await;
    until_week(&env, 1, Duration::from_secs(30)).await;

    let acl = admin.clone();
    let deny = |rule: &'static str| {
        let mut admin = acl.clone();
        async move {
            let _: () = redis::cmd("ACL")
                .arg("SETUSER")
                .arg("projector-user")
                .arg(rule)
                .query_async(&mut admin)
                .await
                .unwrap();
        }
    };
    deny("-xgroup|create").await;
    let _: i64 = redis::cmd("XGROUP")
        .arg("DESTROY")
        .arg(&env.stream_key)
        .arg("projector")
        .query_async(&mut admin)
        .await
        .unwrap();
    for w in 2..=4 {
        events::append(&mut admin, &env.stream_key, &state(w)).await;
    }
    let before = lines(&consumer);
    let missing_since = Instant::now();

    // /ready names the group.
    let body = eventually(
        Duration::from_secs(15),
        "/ready naming the missing group",
        || async {
            let (status, body) = http_get(&format!("http://127.0.0.1:{port}/ready")).await?;
            (status == 503 && body.contains("consumer group projector is missing")).then_some(body)
        },
    )
    .await;
    assert!(body.contains(&env.stream_key), "{body}");
    // `status` marks it, with the whole stream as its lag.
    let out = Bin::consumer().run(
        &["status"],
        &with(&env.vars(), &[("REDIS_URL", redis.url())]),
    );
    assert!(out.status.success(), "{}", out.stderr);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("projector") && l.contains("MISSING"))
        .unwrap_or_else(|| panic!("status names the missing group:\n{}", out.stdout));
    assert!(
        row.split_whitespace().any(|w| w == "4"),
        "lag 4 = the stream: {row}"
    );
    let json = Bin::consumer().run(
        &["status", "--json"],
        &with(&env.vars(), &[("REDIS_URL", redis.url())]),
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let g = v["stream"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "projector")
        .cloned()
        .unwrap();
    assert_eq!(
        (g["missing"].as_bool(), g["lag_events"].as_u64()),
        (Some(true), Some(4))
    );
    // The lag gauge shows the whole stream, so the lag alert can fire.
    let lag = eventually(
        Duration::from_secs(15),
        "lag gauge of the missing group",
        || async {
            gauge(port, "sleeper_consumer_lag_events", "projector")
                .await
                .filter(|v| *v == 4.0)
        },
    )
    .await;
    assert_eq!(lag, 4.0);
    assert_eq!(
        week(&env).await,
        Some(1),
        "nothing projected while the group is missing"
    );
    let logged = lines(&consumer) - before;
    let seconds = missing_since.elapsed().as_secs() as usize + 1;
    assert!(
        logged <= seconds + 2,
        "{logged} lines in {seconds} s:\n{}",
        consumer.log()
    );

    // Allowed again: recreated from 0 by the running consumer, everything projected.
    deny("+xgroup|create").await;
    until_week(&env, 4, Duration::from_secs(10)).await;
    until_ready_is(port, 200, Duration::from_secs(10)).await;
    consumer.terminate(Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_deleted_from_a_dead_consumers_pending_list_are_dead_lettered_as_trimmed() {
    let env = TestEnv::migrated("claim_deleted").await;
    let mut conn = env.redis().await;
    let mut ids = Vec::new();
    for w in 1..=20 {
        ids.push(env.append(&state(w)).await);
    }
    events::create_group(&mut conn, &env.stream_key, "projector").await;
    events::read_group(&mut conn, &env.stream_key, "projector", "dead", Some(20)).await;
    let deleted: Vec<&String> = ids.iter().step_by(4).collect();
    assert_eq!(deleted.len(), 5);
    let n: i64 = redis::cmd("XDEL")
        .arg(&env.stream_key)
        .arg(&deleted)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 5);
    let mut consumer = Bin::consumer().spawn(
        &["run"],
        &with(
            &env.vars(),
            &[("CONSUMER_NAME", "alive"), ("CONSUMER_CLAIM_IDLE", "1s")],
        ),
    );
    env.drained("projector").await;
    let out = Bin::consumer().run(&["dlq", "list", "--json"], &env.vars());
    let letters: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut trimmed: Vec<String> = letters
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["reason_code"] == "trimmed")
        .map(|d| d["orig_id"].as_str().unwrap().to_string())
        .collect();
    trimmed.sort();
    let mut want: Vec<String> = deleted.into_iter().cloned().collect();
    want.sort();
    assert_eq!(trimmed, want, "{}", out.stdout);
    assert_eq!(letters.as_array().unwrap().len(), 5);
    // The other 15 were projected: the newest surviving week is applied.
    until_week(&env, 20, Duration::from_secs(10)).await;
    consumer.terminate(Duration::from_secs(10));
}

/// Make the Redis behind `conn` refuse writes: maxmemory at what it uses.
async fn fill_up(conn: &mut redis::aio::ConnectionManager) {
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(conn)
        .await
        .unwrap();
    let used: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap();
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg(used.saturating_sub(1024 * 1024).max(1))
        .query_async(conn)
        .await
        .unwrap();
    let refused: redis::RedisResult<String> = redis::cmd("XADD")
        .arg("probe")
        .arg("*")
        .arg("f")
        .arg("v")
        .query_async(conn)
        .await;
    assert_eq!(
        refused
            .err()
            .and_then(|e| e.code().map(str::to_string))
            .as_deref(),
        Some("OOM")
    );
}

/// Give a Redis that `fill_up` filled room again: no memory limit.
async fn make_room(conn: &mut redis::aio::ConnectionManager) {
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory")
        .arg(0)
        .query_async(conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_redis_lets_a_consumer_drain_ack_and_trim_and_hold_only_its_dead_letter() {
    let events = season::generate(SeasonSpec {
        seed: 18,
        leagues: 1,
        steps: 6,
    })
    .await;
    let env = TestEnv::migrated("oom").await;
    let redis = RedisServer::start(RedisOptions::default());
    let mut conn = redis_at(&redis.url()).await;
    let half = events.len() / 2;
    for e in &events[..half] {
        events::append(&mut conn, &env.stream_key, e).await;
    }
    events::append_raw(
        &mut conn,
        &env.stream_key,
        &[
            ("kind", b"state".as_slice()),
            ("env", b"\xc1 not an envelope".as_slice()),
        ],
    )
    .await;
    for e in &events[half..] {
        events::append(&mut conn, &env.stream_key, e).await;
    }
    let length = events::xlen(&mut conn, &env.stream_key).await;
    // The clean projection of the same entries (same ids, so same versions),
    // on the shared Redis, for comparison.
    let clean = TestEnv::migrated("oom_clean").await;
    let mut shared = clean.redis().await;
    for (id, fields) in events::xrange(&redis.url(), &env.stream_key).await {
        let mut xadd = redis::cmd("XADD");
        xadd.arg(&clean.stream_key).arg(&id);
        for (k, v) in &fields {
            xadd.arg(k).arg(v.as_slice());
        }
        let _: String = xadd.query_async(&mut shared).await.unwrap();
    }
    let mut clean_consumer = crate::rebuild::spawn_consumer(&clean.vars(), "clean");
    clean.drained("projector").await;
    clean_consumer.terminate(Duration::from_secs(10));
    events::create_group(&mut conn, &env.stream_key, "projector").await;
    fill_up(&mut conn).await;

    let port = free_port();
    let mut consumer = consumer_on(&env, &redis.url(), port, &[("STREAM_RETENTION", "1s")]);
    // The backlog drains: only the poison entry stays pending, its dead letter held.
    eventually(
        Duration::from_secs(60),
        "backlog drained but the poison entry",
        || {
            let mut conn = conn.clone();
            let stream = env.stream_key.clone();
            async move {
                let lag = sleeper_shared::lag::read(&mut conn, &stream, 0)
                    .await
                    .ok()?;
                let g = lag.groups.iter().find(|g| g.group == "projector")?;
                (g.lag_events == 0 && g.pending == 1).then_some(())
            }
        },
    )
    .await;
    assert_eq!(
        events::xlen(&mut conn, &format!("{}:dlq", env.stream_key)).await,
        0
    );
    assert_eq!(
        checksums(&env.pg().await).await,
        checksums(&clean.pg().await).await
    );
    let refused = eventually(Duration::from_secs(15), "writes-refused gauge", || async {
        let (_, body) = http_get(&format!("http://127.0.0.1:{port}/metrics")).await?;
        body.lines()
            .find(|l| l.starts_with("sleeper_redis_writes_refused "))
            .filter(|l| l.ends_with(" 1"))
            .map(str::to_string)
    })
    .await;
    assert!(refused.ends_with(" 1"));
    // Trimming works under OOM and frees entries below the poison entry.
    eventually(Duration::from_secs(60), "trimmed under OOM", || {
        let mut conn = conn.clone();
        let stream = env.stream_key.clone();
        async move { (events::xlen(&mut conn, &stream).await < length).then_some(()) }
    })
    .await;

    // Room again: the held dead letter is written, nothing stays pending.
    make_room(&mut conn).await;
    eventually(Duration::from_secs(30), "the dead letter written", || {
        let mut conn = conn.clone();
        let dlq = format!("{}:dlq", env.stream_key);
        async move { (events::xlen(&mut conn, &dlq).await == 1).then_some(()) }
    })
    .await;
    let pending: i64 = crate::support::pending(&mut conn, &env.stream_key, "projector").await;
    assert_eq!(pending, 0);
    assert_eq!(
        checksums(&env.pg().await).await,
        checksums(&clean.pg().await).await
    );
    consumer.terminate(Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_facing_a_full_redis_waits_quietly_without_fetching_and_resumes() {
    let env = TestEnv::new("oom_producer").await;
    let redis = RedisServer::start(RedisOptions::default());
    let StateProducer {
        fake,
        mut run,
        port,
        _poll,
    } = StateProducer::start(&env, &redis.url()).await;
    let mut conn = redis_at(&redis.url()).await;
    let states = |conn: redis::aio::ConnectionManager| {
        let key = env.stream_key.clone();
        async move { events::xlen(&mut conn.clone(), &key).await }
    };
    eventually(Duration::from_secs(20), "the first state event", || async {
        (states(conn.clone()).await == 1).then_some(())
    })
    .await;

    // Full: the state changes at Sleeper, but nothing can be appended.
    fill_up(&mut conn).await;
    fake.set(
        "/state/nfl",
        200,
        br#"{"season":"2025","week":2,"season_type":"regular"}"#.to_vec(),
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (hits, lines_before) = (fake.hits("/state/nfl"), lines(&run));
    tokio::time::sleep(Duration::from_secs(12)).await;
    let logged = lines(&run) - lines_before;
    assert!(
        logged <= 2,
        "{logged} log lines in 12 s of a full Redis:\n{}",
        run.log()
    );
    assert_eq!(
        fake.hits("/state/nfl"),
        hits,
        "no request spent on a snapshot that cannot be appended"
    );
    assert!(run.log().contains("redis refuses writes"), "{}", run.log());
    let refused = http_get(&format!("http://127.0.0.1:{port}/metrics"))
        .await
        .map(|(_, body)| body)
        .unwrap_or_default();
    assert!(
        refused
            .lines()
            .any(|l| l == "sleeper_redis_writes_refused 1"),
        "gauge while full"
    );
    assert_eq!(states(conn.clone()).await, 1);

    // Room again: it resumes by itself and appends the change.
    make_room(&mut conn).await;
    eventually(
        Duration::from_secs(15),
        "the state appended again",
        || async { (states(conn.clone()).await == 2).then_some(()) },
    )
    .await;
    assert!(
        run.log().contains("redis takes writes again"),
        "{}",
        run.log()
    );
    assert!(run.is_running());
    run.terminate(Duration::from_secs(10));
}
