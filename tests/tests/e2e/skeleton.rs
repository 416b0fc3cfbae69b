//! The walking skeleton: `state/nfl` from the fake, through the stream, into
//! `sleeper.nfl_state`; and the failure modes the contract promises.

use std::time::Duration;

use sleeper_tests::harness::events::xlen;
use sleeper_tests::harness::fake::Fake;
use sleeper_tests::harness::servers::{free_port, RedisOptions, RedisServer};
use sleeper_tests::harness::{fixture, migrate, Bin, Scalar, TestEnv};

use crate::support::{assert_stops_cleanly, eventually, http_get, pending, until_ready_is, with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_snapshot_lands_in_nfl_state_and_is_acked() {
    let env = TestEnv::migrated("skeleton").await;
    let fake = Fake::start().await;
    fake.set("/state/nfl", 200, fixture("state_nfl"));
    let vars = with(&env.vars(), &[("SLEEPER_API_BASE_URL", fake.base_url())]);

    let once = Bin::producer().run(&["once"], &vars);
    assert!(once.status.success(), "once failed: {}", once.stderr);
    assert_eq!(fake.hits("/state/nfl"), 1);

    let mut redis = env.redis().await;
    let len = xlen(&mut redis, &env.stream_key).await;
    assert_eq!(len, 1, "one state event appended");

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    let pg = env.pg().await;
    let row = eventually(Duration::from_secs(30), "nfl_state row", || async {
        pg.query_opt("SELECT season, week, season_type, leg, display_week, previous_season, season_has_scores FROM sleeper.nfl_state WHERE sport = 'nfl'", &[])
            .await
            .ok()
            .flatten()
    })
    .await;
    assert_eq!(row.get::<_, Option<String>>(0).as_deref(), Some("2025"));
    assert_eq!(row.get::<_, Option<i32>>(1), Some(1));
    assert_eq!(row.get::<_, Option<String>>(2).as_deref(), Some("regular"));
    assert_eq!(row.get::<_, Option<i32>>(3), Some(1));
    assert_eq!(row.get::<_, Option<i32>>(4), Some(1));
    assert_eq!(row.get::<_, Option<String>>(5).as_deref(), Some("2024"));
    assert_eq!(row.get::<_, Option<bool>>(6), Some(true));

    // Acked after commit: nothing pending, and the event is archived.
    eventually(Duration::from_secs(10), "pending back to 0", || {
        let mut r = redis.clone();
        let key = env.stream_key.clone();
        async move { (pending(&mut r, &key, "projector").await == 0).then_some(()) }
    })
    .await;
    let archived: i64 = pg
        .scalar(
            "SELECT count(*) FROM pipeline.event_log WHERE scope = 'state/nfl' AND decodable",
            &[],
        )
        .await;
    assert_eq!(archived, 1);

    // A second pass with nothing changed appends nothing.
    let again = Bin::producer().run(&["once"], &vars);
    assert!(again.status.success(), "{}", again.stderr);
    let len = xlen(&mut redis, &env.stream_key).await;
    assert_eq!(len, 1, "unchanged snapshot not appended again");
    drop(consumer);
}

#[tokio::test]
async fn producer_once_with_redis_down_exits_1_with_one_line() {
    let env = TestEnv::new("redis_down").await;
    let port = free_port();
    let vars = with(
        &env.vars(),
        &[("REDIS_URL", format!("redis://:sekrit-pw@127.0.0.1:{port}"))],
    );
    let out = Bin::producer().run(&["once"], &vars);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", out.stderr);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {}", out.stderr);
    assert!(lines[0].starts_with("sleeper-producer: "), "{}", lines[0]);
    assert!(lines[0].contains("redis"), "{}", lines[0]);
    assert!(
        !out.stderr.contains("panicked") && !out.stderr.contains("backtrace"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("sekrit-pw"),
        "password leaked: {}",
        out.stderr
    );
}

#[tokio::test]
async fn bad_configuration_exits_2_naming_the_variable() {
    let env = TestEnv::new("bad_config").await;
    for (bin, command, var, value) in [
        (
            Bin::producer(),
            "once",
            "SLEEPER_RATE_LIMIT_PER_MINUTE",
            "lots",
        ),
        (Bin::producer(), "once", "SLEEPER_LEAGUE_IDS", "12,abc"),
        (Bin::producer(), "run", "LOG_FORMAT", "xml"),
        (Bin::consumer(), "migrate", "CONSUMER_BATCH_SIZE", "0"),
        (
            Bin::consumer(),
            "run",
            "DATABASE_URL",
            "mysql://root:pw@x/y",
        ),
    ] {
        let vars = with(&env.vars(), &[(var, value)]);
        let out = bin.run(&[command], &vars);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {}", out.stderr);
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.stderr);
        assert!(lines[0].contains(var), "{}", lines[0]);
        assert!(
            !lines[0].contains(":pw@"),
            "password in config error: {}",
            lines[0]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumer_ready_is_503_naming_redis_while_redis_is_down_and_recovers() {
    let env = TestEnv::new("ready").await;
    let redis = RedisServer::start(RedisOptions::default());
    let port = free_port();
    // A password in DATABASE_URL too (trust auth ignores it), and debug logs:
    // neither secret may appear in any log line or in /ready.
    let pg_secret = "pg-secret-pw";
    let db_url = env
        .database_url
        .replace("postgres@", &format!("postgres:{pg_secret}@"));
    let vars = with(
        &env.vars(),
        &[
            ("REDIS_URL", redis.url()),
            ("HTTP_ADDR", format!("127.0.0.1:{port}")),
            ("DATABASE_URL", db_url),
            ("LOG_LEVEL", "debug".into()),
        ],
    );
    migrate(&vars);
    let mut consumer = Bin::consumer().spawn(&["run"], &vars);
    until_ready_is(port, 200, Duration::from_secs(20)).await;
    let ready = format!("http://127.0.0.1:{port}/ready");
    let (_, health) = http_get(&format!("http://127.0.0.1:{port}/health"))
        .await
        .expect("health");
    assert!(health.contains("ok"));
    let (_, metrics) = http_get(&format!("http://127.0.0.1:{port}/metrics"))
        .await
        .expect("metrics");
    assert!(
        metrics.contains("sleeper_projection_batch_seconds"),
        "{metrics}"
    );

    redis.kill();
    let body = eventually(Duration::from_secs(20), "/ready 503", || async {
        http_get(&ready)
            .await
            .filter(|(s, _)| *s == 503)
            .map(|(_, b)| b)
    })
    .await;
    let json: serde_json::Value = serde_json::from_str(&body).expect("json body");
    assert_eq!(json["ready"], false);
    let checks = json["checks"].as_array().expect("checks");
    let redis_check = checks
        .iter()
        .find(|c| c["name"] == "redis")
        .expect("a redis check");
    assert_eq!(redis_check["ok"], false);
    let pg_check = checks
        .iter()
        .find(|c| c["name"] == "postgres")
        .expect("a postgres check");
    assert_eq!(pg_check["ok"], true);
    assert!(
        !body.contains(&redis.options.password),
        "password in /ready: {body}"
    );
    assert!(!body.contains(pg_secret), "password in /ready: {body}");
    assert!(
        consumer.is_running(),
        "consumer must survive a Redis outage"
    );

    redis.restart();
    until_ready_is(port, 200, Duration::from_secs(20)).await;
    assert_stops_cleanly(&mut consumer);
    let log = consumer.log();
    assert!(log.contains("redis"), "the outage was logged");
    assert!(
        !log.contains(&redis.options.password) && !log.contains(pg_secret),
        "a password reached the log:\n{log}"
    );
}
