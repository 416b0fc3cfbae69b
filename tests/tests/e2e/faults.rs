//! Faults across the whole pipeline: Redis killed (AOF everysec) while the
//! producer and the consumer both work, and a hostile upstream.

use std::time::{Duration, Instant};

use sleeper_sim::{Faults, SimConfig};
use sleeper_tests::harness::events::{decoded, xrange};
use sleeper_tests::harness::servers::{free_port, RedisOptions, RedisServer};
use sleeper_tests::harness::{migrate, Bin, TestEnv};

use crate::support::{assert_stops_cleanly, eventually, http_get, ready, soak, with};

/// The ids of every entry of `key` on the Redis at `redis_url`.
async fn stream_ids(redis_url: &str, key: &str) -> Vec<String> {
    xrange(redis_url, key)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// Wait up to `limit` until the `/ready` of both ports answers `status`.
async fn both_ready_are(ports: [u16; 2], status: u16, limit: Duration, what: &str) {
    eventually(limit, what, || async {
        (ready(ports[0]).await == Some(status) && ready(ports[1]).await == Some(status))
            .then_some(())
    })
    .await;
}

async fn metric(port: u16, name: &str) -> f64 {
    let Some((_, text)) = http_get(&format!("http://127.0.0.1:{port}/metrics")).await else {
        return 0.0;
    };
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_while_producing_and_projecting_loses_no_acknowledged_event() {
    let env = TestEnv::new("redis_kill").await;
    let redis = RedisServer::start(RedisOptions {
        aof: true,
        ..RedisOptions::default()
    });
    let sim = sleeper_sim::start(SimConfig {
        speed: 60.0,
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let (p_port, c_port) = (free_port(), free_port());
    let base = with(
        &env.vars(),
        &[
            ("REDIS_URL", redis.url()),
            ("SLEEPER_API_BASE_URL", sim.base_url()),
            ("SIM_CLOCK_URL", sim.clock_url()),
            ("SLEEPER_LEAGUE_IDS", sim.league_ids().join(",")),
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "900".into()),
        ],
    );
    migrate(&base);
    let mut producer = Bin::producer().spawn(
        &["run"],
        &with(&base, &[("HTTP_ADDR", format!("127.0.0.1:{p_port}"))]),
    );
    let mut consumer = Bin::consumer().spawn(
        &["run"],
        &with(&base, &[("HTTP_ADDR", format!("127.0.0.1:{c_port}"))]),
    );
    let pg = env.pg().await;
    let archived = || async {
        pg.query_one("SELECT count(*) FROM pipeline.event_log", &[])
            .await
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(0)
    };
    eventually(Duration::from_secs(60), "events flowing", || async {
        (archived().await >= 20).then_some(())
    })
    .await;

    // Everything the stream shows now was acknowledged to the producer.
    let before = stream_ids(&redis.url(), &env.stream_key).await;
    redis.kill();
    let down = Instant::now();
    let ports = [p_port, c_port];
    both_ready_are(ports, 503, Duration::from_secs(20), "both not ready").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        producer.is_running() && consumer.is_running(),
        "both survive the outage"
    );
    redis.restart();
    let back = Instant::now();
    both_ready_are(ports, 200, Duration::from_secs(15), "both ready again").await;
    let recovered = back.elapsed();
    assert!(
        recovered < Duration::from_secs(10),
        "recovered after {recovered:?}"
    );

    let after = stream_ids(&redis.url(), &env.stream_key).await;
    let lost: Vec<&String> = before.iter().filter(|id| !after.contains(id)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged appends lost across the Redis crash: {lost:?}"
    );
    // New events flow again, and every acknowledged one reaches the archive.
    let newest_before = before.last().cloned().unwrap_or_default();
    eventually(
        Duration::from_secs(60),
        "new appends after the restart, all archived",
        || async {
            let ids = stream_ids(&redis.url(), &env.stream_key).await;
            let grew = ids.last().cloned() > Some(newest_before.clone());
            let n = archived().await;
            (grew && n >= ids.len() as i64).then_some(())
        },
    )
    .await;
    eprintln!(
        "redis kill: {} events before, outage {:?}, both ready {recovered:?} after restart",
        before.len(),
        back - down
    );
    assert_stops_cleanly(&mut producer);
    assert_stops_cleanly(&mut consumer);
}

/// Every kind of misbehaviour of an upstream, at once.
fn hostile_faults() -> Faults {
    Faults {
        seed: 9,
        rate_429: 0.15,
        rate_429_retry_after: 0.1,
        retry_after_secs: 1,
        rate_5xx: 0.1,
        rate_hang: 0.02,
        hang_ms: 60_000,
        rate_truncated: 0.05,
        rate_disconnect: 0.03,
        rate_malformed: 0.08,
        rate_truncated_gzip: 0.03,
        rate_null: 0.05,
        rate_wrong_types: 0.1,
        ..Faults::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_upstream_never_gets_invalid_json_published_nor_the_quota_exceeded() {
    let env = TestEnv::new("hostile").await;
    let window = 10.0;
    let sim = sleeper_sim::start(SimConfig {
        speed: 30.0,
        stats_window: Duration::from_secs_f64(window),
        faults: hostile_faults(),
        ..SimConfig::default()
    })
    .await
    .expect("sim");
    let port = free_port();
    let vars = with(
        &env.vars(),
        &[
            ("SLEEPER_API_BASE_URL", sim.base_url()),
            ("SIM_CLOCK_URL", sim.clock_url()),
            ("SLEEPER_LEAGUE_IDS", sim.league_ids().join(",")),
            ("SLEEPER_RATE_LIMIT_PER_MINUTE", "40".into()),
            ("SLEEPER_QUOTA_WINDOW", "10s".into()),
            ("SLEEPER_HTTP_TIMEOUT", "2s".into()),
            ("SLEEPER_MAX_BODY_BYTES", (8 * 1024 * 1024).to_string()),
            ("HTTP_ADDR", format!("127.0.0.1:{port}")),
        ],
    );
    let mut producer = Bin::producer().spawn(&["run"], &vars);
    let budget = if soak() { 120 } else { 25 };
    tokio::time::sleep(Duration::from_secs(budget)).await;
    // A 200 MB body now and then, too: refused by the cap, streamed, not held.
    sim.set_faults(Faults {
        seed: 10,
        rate_huge: 0.2,
        huge_bytes: 200 * 1024 * 1024,
        ..Faults::default()
    });
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        producer.is_running(),
        "the producer must survive a hostile upstream:\n{}",
        producer.log()
    );
    let invalid = metric(port, "sleeper_api_invalid_body_total").await;
    assert!(invalid > 0.0, "malformed bodies are counted");

    // Recovery: a healthy upstream, and publishing goes on.
    sim.set_faults(Faults::default());
    let published_before = metric(port, "sleeper_events_published_total").await;
    let events_before = xrange(&env.redis_url, &env.stream_key).await.len();
    eventually(
        Duration::from_secs(60),
        "publishing after the upstream recovers",
        || async {
            (xrange(&env.redis_url, &env.stream_key).await.len() > events_before).then_some(())
        },
    )
    .await;
    let stats = sim.stats();
    let log = producer.log();
    assert_stops_cleanly(&mut producer);
    assert!(!log.contains("panicked"), "{log}");

    // Every published body is valid JSON (wrong types are fine: that is what Sleeper sent).
    let entries = decoded(&env.redis_url, &env.stream_key).await;
    assert!(!entries.is_empty());
    for (id, e) in &entries {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&e.body).is_ok(),
            "entry {id} ({}) is not JSON",
            e.scope
        );
        assert_ne!(
            e.body.trim_ascii(),
            b"null",
            "a null body was published for {}",
            e.scope
        );
    }
    assert!(
        stats.max_requests_in_window <= 40,
        "quota exceeded at the upstream: {} requests in a {window}s window",
        stats.max_requests_in_window
    );
    eprintln!(
        "hostile upstream: {} requests ({:?}), {} events, {invalid} invalid bodies refused, max {} per {window}s window, published {published_before}",
        stats.total_requests, stats.responses_per_status, entries.len(), stats.max_requests_in_window
    );
}
