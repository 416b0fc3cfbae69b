//! Rebuild end to end: on a generated season log, `rebuild` and a `replay`
//! of the whole archive into a fresh database give exactly the tables live
//! projection gave; `rebuild` restores data the tables lost (how a new
//! column derived from the raw payload gets filled for history); `rebuild`
//! under live load never shows a reader an empty table and loses no event;
//! it keeps members who left and falls back past events it cannot write,
//! and it tells Hasura to reload its metadata. (Replaying an old range is
//! `replay.rs`; trimming, `trim.rs`. Both use the helpers here.)

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::events::{envelope, state};
use sleeper_tests::harness::fixtures::{fixture, json_fixture};
use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::{Bin, Proc, Scalar, TestEnv};

use crate::support::{checksums, soak, with};

pub fn spawn_consumer(vars: &[(String, String)], name: &str) -> Proc {
    Bin::consumer().spawn(
        &["run"],
        &with(vars, &[("CONSUMER_NAME", name), ("LOG_LEVEL", "warn")]),
    )
}

/// Append `events` to `env`'s stream and project them with a consumer run
/// with `vars` until its group has drained, then stop it; the events' ids.
pub async fn project_live(
    env: &TestEnv,
    vars: &[(String, String)],
    events: &[Envelope],
) -> Vec<String> {
    let ids = env.append_all(events).await;
    let mut consumer = spawn_consumer(vars, "live");
    env.drained("projector").await;
    consumer.terminate(Duration::from_secs(10));
    ids
}

/// Copy the archive of `from` into `to` (both migrated).
async fn copy_archive(from: &tokio_postgres::Client, to: &tokio_postgres::Client) -> usize {
    let rows = from
        .query(
            "SELECT id_ms, id_seq, stream_id, kind, scope, league_id, origin, fetched_at,
                    http_status, content_hash, envelope, raw_fields::text, decodable
             FROM pipeline.event_log ORDER BY id_ms, id_seq",
            &[],
        )
        .await
        .expect("read archive");
    for r in &rows {
        let fetched: Option<chrono::DateTime<chrono::Utc>> = r.get(7);
        let fetched_ms = fetched.map(|t| t.timestamp_millis());
        to.execute(
            "INSERT INTO pipeline.event_log (id_ms, id_seq, stream_id, kind, scope, league_id,
                 origin, fetched_at, http_status, content_hash, envelope, raw_fields, decodable)
             VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::int8 / 1000.0), $9, $10, $11,
                     $12::text::jsonb, $13)",
            &[
                &r.get::<_, i64>(0),
                &r.get::<_, i64>(1),
                &r.get::<_, String>(2),
                &r.get::<_, Option<String>>(3),
                &r.get::<_, Option<String>>(4),
                &r.get::<_, Option<String>>(5),
                &r.get::<_, Option<String>>(6),
                &fetched_ms,
                &r.get::<_, Option<i32>>(8),
                &r.get::<_, Option<String>>(9),
                &r.get::<_, Option<Vec<u8>>>(10),
                &r.get::<_, Option<String>>(11),
                &r.get::<_, bool>(12),
            ],
        )
        .await
        .expect("copy archive row");
    }
    rows.len()
}

/// A migrated fresh database holding `from`'s archive, replayed in full.
pub async fn replay_into_fresh(name: &str, from: &TestEnv) -> TestEnv {
    let fresh = TestEnv::migrated(name).await;
    let n = copy_archive(&from.pg().await, &fresh.pg().await).await;
    assert!(n > 0);
    let out = Bin::consumer().run(&["replay"], &fresh.vars());
    assert!(out.status.success(), "replay failed: {}", out.stderr);
    assert!(out.stdout.starts_with("replay: "), "{}", out.stdout);
    fresh
}

fn rebuild(vars: &[(String, String)]) -> String {
    let out = Bin::consumer().run(&["rebuild"], vars);
    assert!(
        out.status.success(),
        "rebuild failed: {}\n{}",
        out.stdout,
        out.stderr
    );
    let summary = out.stdout.lines().last().unwrap_or_default().to_string();
    assert!(
        summary.starts_with("rebuild: ") && summary.contains("events read"),
        "summary line: {}",
        out.stdout
    );
    summary
}

/// A few hundred events; `SLEEPER_SOAK` makes it a few thousand (for timings).
fn log_spec(seed: u64) -> SeasonSpec {
    let soak = soak();
    SeasonSpec {
        seed,
        leagues: if soak { 4 } else { 2 },
        steps: if soak { 120 } else { 12 },
    }
}

/// After a rebuild: no shadow or old schema is left behind, the migration
/// history followed the rename (so `migrate` is a no-op), and the grants
/// came with the migrations.
async fn assert_rebuild_left_a_clean_catalog(
    pg: &tokio_postgres::Client,
    vars: &[(String, String)],
) {
    let history: i64 = pg
        .scalar(
            "SELECT count(*) FROM pipeline.schema_migrations WHERE target_schema <> 'pipeline'",
            &[],
        )
        .await;
    let leftovers: i64 = pg
        .scalar(
            "SELECT count(*) FROM pg_namespace WHERE nspname IN ('sleeper_rebuild', 'sleeper_old')",
            &[],
        )
        .await;
    assert_eq!(leftovers, 0, "no shadow or old schema left behind");
    let projection_files: i64 = pg
        .scalar(
            "SELECT count(*) FROM pipeline.schema_migrations WHERE target_schema = 'sleeper'",
            &[],
        )
        .await;
    assert_eq!(
        history, projection_files,
        "migration history follows the rename"
    );
    assert!(
        Bin::consumer().run(&["migrate"], vars).status.success(),
        "migrate after rebuild is a no-op, not a checksum or duplicate error"
    );
    let reader_can_read: bool = pg
        .scalar(
            "SELECT has_table_privilege('sleeper_reader', 'sleeper.rosters', 'SELECT')
                AND NOT has_table_privilege('sleeper_reader', 'sleeper._versions', 'SELECT')",
            &[],
        )
        .await;
    assert!(reader_can_read, "grants come with the migrations");
}

/// `replay --league` takes every scope whose envelope carries that league,
/// drafts included, and leaves the tables as `live`.
async fn assert_league_replay(
    events: &[Envelope],
    vars: &[(String, String)],
    pg: &tokio_postgres::Client,
    live: &std::collections::BTreeMap<String, String>,
) {
    let league = events
        .iter()
        .find_map(|e| e.league_id.clone())
        .expect("a league");
    let league_scopes: std::collections::BTreeSet<&str> = events
        .iter()
        .filter(|e| e.league_id.as_deref() == Some(league.as_str()))
        .map(|e| e.scope.as_str())
        .collect();
    assert!(league_scopes.iter().any(|s| s.starts_with("draft/")));
    let out = Bin::consumer().run(&["replay", "--league", league.as_str()], vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stdout.contains(&format!(
            " {} scopes, {} re-applied",
            league_scopes.len(),
            league_scopes.len()
        )),
        "{}",
        out.stdout
    );
    assert_eq!(&checksums(pg).await, live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_and_a_full_replay_into_a_fresh_database_equal_live_projection() {
    let events = season::generate(log_spec(11)).await;
    assert!(
        events.len() >= 200,
        "a few hundred events: {}",
        events.len()
    );
    assert!(season::kinds(&events).len() >= 8);
    let env = TestEnv::migrated("rebuild_eq").await;
    let vars = env.vars();
    project_live(&env, &vars, &events).await;
    let pg = env.pg().await;
    let live = checksums(&pg).await;
    assert!(live.contains_key("_versions"), "{live:?}");
    for t in [
        "rosters",
        "league_users",
        "matchup_score_history",
        "nfl_state",
    ] {
        assert!(
            live.get(t).is_some_and(|s| !s.starts_with("0:")),
            "{t} projected: {live:?}"
        );
    }

    // Past the catch-up margin, so the compacted build alone must give the
    // tables (no tail re-applies anything).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let started = std::time::Instant::now();
    let summary = rebuild(&vars);
    assert!(summary.contains(" 0 tail events"), "{summary}");
    eprintln!(
        "rebuild of {} events: {summary} (wall {:.1}s)",
        events.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        checksums(&pg).await,
        live,
        "rebuild differs from live projection"
    );
    assert_rebuild_left_a_clean_catalog(&pg, &vars).await;

    // A column the projection did not fill (as if added by a migration after
    // the events were projected) and rows it lost: rebuild fills them from
    // the raw payloads in the archive.
    pg.batch_execute(
        "UPDATE sleeper.nfl_state SET season = NULL;
         UPDATE sleeper.rosters SET settings = NULL;
         DELETE FROM sleeper.matchup_score_history;",
    )
    .await
    .unwrap();
    assert_ne!(checksums(&pg).await, live);
    rebuild(&vars);
    assert_eq!(
        checksums(&pg).await,
        live,
        "rebuild restores history from the archive"
    );

    // Replay re-writes the current version (the guard lets `=` through for replay).
    pg.batch_execute("UPDATE sleeper.nfl_state SET season = NULL")
        .await
        .unwrap();
    let out = Bin::consumer().run(&["replay", "--kind", "state"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        checksums(&pg).await,
        live,
        "replay re-applied the current version"
    );

    assert_league_replay(&events, &vars, &pg, &live).await;

    let fresh = replay_into_fresh("replay_fresh", &env).await;
    assert_eq!(
        checksums(&fresh.pg().await).await,
        live,
        "replay of the whole archive into a fresh database differs from live projection"
    );
}

/// A reader polling the row counts of a few tables until stopped: the
/// smallest count it saw, how often it polled, and the errors it met.
struct Reader {
    stop: Arc<AtomicBool>,
    min_seen: Arc<AtomicI64>,
    polls: Arc<AtomicI64>,
    task: tokio::task::JoinHandle<Vec<String>>,
}

impl Reader {
    fn start(pg: tokio_postgres::Client) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let min_seen = Arc::new(AtomicI64::new(i64::MAX));
        let polls = Arc::new(AtomicI64::new(0));
        let task = {
            let (stop, min_seen, polls) = (stop.clone(), min_seen.clone(), polls.clone());
            tokio::spawn(async move {
                let mut errors = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    for t in ["rosters", "league_users", "_versions"] {
                        match pg
                            .query_one(&format!("SELECT count(*) FROM sleeper.{t}"), &[])
                            .await
                        {
                            Ok(row) => {
                                min_seen.fetch_min(row.get::<_, i64>(0), Ordering::SeqCst);
                            }
                            Err(e) => errors.push(format!("{t}: {e}")),
                        }
                    }
                    polls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                errors
            })
        };
        Self {
            stop,
            min_seen,
            polls,
            task,
        }
    }

    /// Stop; (errors, polls, smallest count seen).
    async fn finish(self) -> (Vec<String>, i64, i64) {
        self.stop.store(true, Ordering::SeqCst);
        let errors = self.task.await.unwrap();
        (
            errors,
            self.polls.load(Ordering::SeqCst),
            self.min_seen.load(Ordering::SeqCst),
        )
    }
}

/// A live consumer with an older projection version makes rebuild refuse,
/// naming it; the live consumer `live` registered its own version.
async fn assert_rebuild_refuses_an_older_live_consumer(env: &TestEnv, vars: &[(String, String)]) {
    let mut r = env.redis().await;
    let now = chrono::Utc::now().timestamp_millis();
    let _: () = redis::cmd("HSET")
        .arg(format!("{}:consumers", env.stream_key))
        .arg("old-projector-7")
        .arg(format!(r#"{{"version":0,"seen_ms":{now}}}"#))
        .query_async(&mut r)
        .await
        .unwrap();
    let out = Bin::consumer().run(&["rebuild"], vars);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("old-projector-7"), "{}", out.stderr);
    let registry: std::collections::HashMap<String, String> = redis::cmd("HGETALL")
        .arg(format!("{}:consumers", env.stream_key))
        .query_async(&mut r)
        .await
        .unwrap();
    let mine = format!(
        "\"version\":{}",
        sleeper_consumer::project::PROJECTION_VERSION
    );
    assert!(
        registry.get("live").is_some_and(|v| v.contains(&mine)),
        "the live consumer registered its version: {registry:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_under_live_load_keeps_tables_readable_and_loses_no_event() {
    let events = season::generate(log_spec(23)).await;
    let (first, second) = events.split_at(events.len() / 2);
    let env = TestEnv::migrated("rebuild_live").await;
    let (clean, clean_vars) = env.other_group("rebuild_live_clean", "clean").await;
    let vars = env.vars();
    env.append_all(first).await;
    let _live = spawn_consumer(&vars, "live");
    let _clean = spawn_consumer(&clean_vars, "clean");
    env.drained("projector").await;

    // A reader polling counts the whole time.
    let reader = Reader::start(env.pg().await);
    // Appends keep coming while the rebuild runs.
    let appender = {
        let mut r = env.redis().await;
        let key = env.stream_key.clone();
        let second = second.to_vec();
        tokio::spawn(async move {
            for chunk in second.chunks(4) {
                sleeper_tests::harness::events::append_all(&mut r, &key, chunk).await;
                tokio::time::sleep(Duration::from_millis(40)).await;
            }
        })
    };
    let rebuild_vars = vars.clone();
    let summary = tokio::task::spawn_blocking(move || rebuild(&rebuild_vars))
        .await
        .unwrap();
    eprintln!("rebuild under load: {summary}");
    appender.await.unwrap();
    env.drained("projector").await;
    env.drained("clean").await;
    let (errors, polls, min_seen) = reader.finish().await;
    assert!(errors.is_empty(), "reader errors: {errors:?}");
    assert!(polls > 10);
    assert!(min_seen > 0, "a reader saw an empty table");
    assert_eq!(
        checksums(&env.pg().await).await,
        checksums(&clean.pg().await).await,
        "after rebuild under load, tables differ from a consumer that projected everything"
    );

    assert_rebuild_refuses_an_older_live_consumer(&env, &vars).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_reloads_hasura_metadata_after_the_swap() {
    use axum::extract::State;
    use axum::http::HeaderMap;
    type Seen = Arc<std::sync::Mutex<Vec<(String, Option<String>, String)>>>;
    async fn metadata(
        State(seen): State<Seen>,
        uri: axum::http::Uri,
        headers: HeaderMap,
        body: String,
    ) -> &'static str {
        let secret = headers
            .get("x-hasura-admin-secret")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        seen.lock()
            .unwrap()
            .push((uri.path().to_string(), secret, body));
        r#"{"message":"success"}"#
    }
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .fallback(axum::routing::post(metadata))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let env = TestEnv::migrated("rebuild_hasura").await;
    let url = format!("http://{addr}");
    let vars = with(
        &env.vars(),
        &[
            ("HASURA_URL", url.as_str()),
            ("HASURA_ADMIN_SECRET", "s3cret"),
        ],
    );
    // A shadow left over by a rebuild that died is dropped first.
    env.pg()
        .await
        .batch_execute("CREATE SCHEMA sleeper_rebuild; CREATE TABLE sleeper_rebuild.junk (x int)")
        .await
        .unwrap();
    rebuild(&vars);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, "/v1/metadata");
    assert_eq!(seen[0].1.as_deref(), Some("s3cret"));
    let body: serde_json::Value = serde_json::from_str(&seen[0].2).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"type": "reload_metadata", "args": {}})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_keeps_members_who_left_and_falls_back_past_unprojectable_and_rejected_events() {
    let users = |members: &[(&str, &str)]| {
        let body: Vec<serde_json::Value> = members
            .iter()
            .map(|(id, name)| serde_json::json!({"user_id": id, "display_name": name}))
            .collect();
        envelope(
            Kind::Users,
            "league/9/users",
            Some("9"),
            serde_json::to_string(&body).unwrap().as_bytes(),
        )
    };
    let mut bad_state = state(9);
    bad_state.body = b"[1,2,3]".to_vec();
    // A draft whose newer snapshot Postgres rejects (a timestamp out of its
    // range): dead-lettered live, so the older one stands; rebuild's
    // all-scopes-at-once write fails on it and falls back scope by scope.
    let draft_body = fixture("draft");
    let mut draft = json_fixture("draft");
    let draft_scope = format!("draft/{}", draft["draft_id"].as_str().unwrap());
    let draft_start = draft["start_time"].as_i64().unwrap();
    draft["start_time"] = 9_000_000_000_000_000_000i64.into();
    let bad_draft = serde_json::to_vec(&draft).unwrap();
    let events = vec![
        users(&[("1", "ann"), ("2", "bob"), ("3", "cy")]),
        envelope(Kind::Draft, &draft_scope, None, &draft_body),
        state(2),
        users(&[("1", "ann")]),
        users(&[("1", "ann"), ("2", "bobby")]),
        state(3),
        bad_state, // dead-lettered live; rebuild falls back to week 3
        envelope(Kind::Draft, &draft_scope, None, &bad_draft),
    ];
    let env = TestEnv::migrated("rebuild_members").await;
    let vars = env.vars();
    project_live(&env, &vars, &events).await;
    let pg = env.pg().await;
    let members: Vec<(String, String, bool)> = pg
        .query(
            "SELECT user_id, display_name, in_league FROM sleeper.league_users ORDER BY user_id",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        members,
        [
            ("1".to_string(), "ann".to_string(), true),
            ("2".to_string(), "bobby".to_string(), true),
            ("3".to_string(), "cy".to_string(), false),
        ]
    );
    let start: i64 = pg
        .scalar(
            "SELECT (extract(epoch FROM start_time) * 1000)::int8 FROM sleeper.drafts",
            &[],
        )
        .await;
    assert_eq!(start, draft_start, "the older draft snapshot stands live");
    let live = checksums(&pg).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let summary = rebuild(&vars);
    assert!(summary.contains(" 0 tail events"), "{summary}");
    assert_eq!(checksums(&pg).await, live, "rebuild differs from live");
    let fresh = replay_into_fresh("members_replay", &env).await;
    assert_eq!(
        checksums(&fresh.pg().await).await,
        live,
        "replay differs from live"
    );
}
