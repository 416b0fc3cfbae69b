//! Replay and rebuild lose nothing (docs/design.md rule 11): the stream is a
//! source beside the archive, so an emptied or pruned archive rebuilds to
//! exactly the live tables while the stream holds the rest; when neither
//! holds the whole log, `rebuild` refuses to swap and leaves every live
//! table as it was (`--dry-run` says so too; `--allow-loss` swaps anyway);
//! `replay` fills a fresh database from the stream alone, archiving each
//! event once, and says where it looked when its range matched nothing.

use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::{Bin, Scalar, TestEnv};

use crate::rebuild::project_live;
use crate::support::checksums;

fn spec() -> SeasonSpec {
    SeasonSpec {
        seed: 15,
        leagues: 2,
        steps: 10,
    }
}

/// The live database of a generated season, drained and stopped: its env,
/// the events' stream ids, and its tables' checksums.
async fn live(
    name: &str,
) -> (
    TestEnv,
    Vec<String>,
    std::collections::BTreeMap<String, String>,
) {
    let env = TestEnv::migrated(name).await;
    let events = season::generate(spec()).await;
    let ids = project_live(&env, &env.vars(), &events).await;
    let sums = checksums(&env.pg().await).await;
    assert!(sums.get("_versions").is_some_and(|s| !s.starts_with("0:")));
    assert!(
        sums.get("matchup_score_history")
            .is_some_and(|s| !s.starts_with("0:")),
        "the season has score history: {sums:?}"
    );
    (env, ids, sums)
}

fn consumer(args: &[&str], env: &TestEnv) -> (bool, Option<i32>, String, String) {
    let out = Bin::consumer().run(args, &env.vars());
    (
        out.status.success(),
        out.status.code(),
        out.stdout,
        out.stderr,
    )
}

/// `(events from the archive, events from the stream)` of a summary line.
fn sources(summary: &str) -> (u64, u64) {
    let n = |marker: &str| -> u64 {
        let before = summary.split(marker).next().unwrap_or_default();
        before
            .rsplit(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no count before {marker:?} in {summary}"))
    };
    (n(" from the archive"), n(" from the stream"))
}

/// Delete the older half of the archive (by version); the first id kept.
async fn prune_oldest_half(pg: &tokio_postgres::Client) -> (i64, i64) {
    let total: i64 = pg
        .scalar("SELECT count(*) FROM pipeline.event_log", &[])
        .await;
    let row = pg
        .query_one(
            "SELECT id_ms, id_seq FROM pipeline.event_log ORDER BY id_ms, id_seq OFFSET $1 LIMIT 1",
            &[&(total / 2)],
        )
        .await
        .unwrap();
    let (ms, seq): (i64, i64) = (row.get(0), row.get(1));
    let deleted = pg
        .execute(
            "DELETE FROM pipeline.event_log WHERE (id_ms, id_seq) < ($1, $2)",
            &[&ms, &seq],
        )
        .await
        .unwrap();
    assert_eq!(deleted as i64, total / 2);
    (ms, seq)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_from_an_emptied_or_pruned_archive_takes_the_stream_and_equals_live() {
    let (env, ids, live_sums) = live("lossless_stream").await;
    let pg = env.pg().await;

    // The archive emptied (a restore of only schema `sleeper`), the stream intact.
    pg.batch_execute("DELETE FROM pipeline.event_log")
        .await
        .unwrap();
    let (ok, _, stdout, stderr) = consumer(&["rebuild"], &env);
    assert!(ok, "rebuild: {stdout}\n{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert_eq!(
        checksums(&pg).await,
        live_sums,
        "rebuilt from the stream: {summary}"
    );
    let (from_archive, from_stream) = sources(summary);
    assert_eq!(from_archive, 0, "{summary}");
    assert!(from_stream > 0, "{summary}");
    assert!(summary.contains("nothing lost"), "{summary}");
    // Every stream entry is archived again, once.
    let archived: i64 = pg
        .scalar("SELECT count(*) FROM pipeline.event_log", &[])
        .await;
    assert_eq!(archived as usize, ids.len());

    // The oldest half of the archive pruned, the stream still holding everything.
    prune_oldest_half(&pg).await;
    let (ok, _, stdout, stderr) = consumer(&["rebuild"], &env);
    assert!(ok, "rebuild: {stdout}\n{stderr}");
    assert_eq!(checksums(&pg).await, live_sums, "{stdout}");
    let (from_archive, from_stream) = sources(stdout.lines().last().unwrap_or_default());
    assert!(from_archive > 0 && from_stream > 0, "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_refuses_to_lose_what_neither_the_archive_nor_the_stream_holds() {
    let (env, ids, live_sums) = live("lossless_refuse").await;
    let pg = env.pg().await;
    let mut redis = env.redis().await;

    // Neither source holds the older half: archive pruned, stream trimmed alike.
    let (ms, seq) = prune_oldest_half(&pg).await;
    let trimmed: i64 = redis::cmd("XTRIM")
        .arg(&env.stream_key)
        .arg("MINID")
        .arg(format!("{ms}-{seq}"))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert!(trimmed > 0 && (trimmed as usize) < ids.len());

    let (ok, code, stdout, stderr) = consumer(&["rebuild", "--dry-run"], &env);
    assert!(!ok && code == Some(1), "dry run: {stdout}\n{stderr}");
    assert!(stdout.contains("dry run: nothing swapped"), "{stdout}");
    assert!(stdout.contains("lost against the live tables"), "{stdout}");
    assert_eq!(checksums(&pg).await, live_sums, "a dry run changes nothing");

    let (ok, code, stdout, stderr) = consumer(&["rebuild"], &env);
    assert!(
        !ok && code == Some(1),
        "rebuild must refuse: {stdout}\n{stderr}"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains("rebuild refused"))
        .unwrap_or_else(|| panic!("one line naming the loss: {stderr}"));
    assert!(line.contains("scope(s) missing or older"), "{line}");
    assert!(line.contains("series row(s) missing"), "{line}");
    assert!(line.contains("e.g. "), "examples: {line}");
    assert!(line.contains("--allow-loss"), "{line}");
    assert_eq!(
        checksums(&pg).await,
        live_sums,
        "every live table is unchanged"
    );

    // Deliberately: --allow-loss swaps, and the tables then lack the older half.
    let (ok, _, stdout, stderr) = consumer(&["rebuild", "--allow-loss"], &env);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("lost against the live tables"), "{stdout}");
    assert_ne!(checksums(&pg).await, live_sums);

    // Nothing at all to build from: refused before building, said plainly.
    pg.batch_execute("DELETE FROM pipeline.event_log")
        .await
        .unwrap();
    let _: i64 = redis::cmd("XTRIM")
        .arg(&env.stream_key)
        .arg("MAXLEN")
        .arg(0)
        .query_async(&mut redis)
        .await
        .unwrap();
    let before = checksums(&pg).await;
    let (ok, code, _, stderr) = consumer(&["rebuild"], &env);
    assert!(!ok && code == Some(1), "{stderr}");
    assert!(
        stderr.contains("neither the archive (pipeline.event_log) nor the stream holds an event"),
        "{stderr}"
    );
    assert_eq!(checksums(&pg).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_fills_a_fresh_database_from_the_stream_and_says_where_it_looked() {
    let (env, ids, live_sums) = live("lossless_replay").await;

    // A fresh database beside the live one, same stream: replay alone fills it.
    let (fresh, vars) = env.other_group("lossless_fresh", "unused").await;
    let out = Bin::consumer().run(&["replay", "--from", "0-0"], &vars);
    assert!(out.status.success(), "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.starts_with("replay: "), "{}", out.stdout);
    let fresh_pg = fresh.pg().await;
    assert_eq!(checksums(&fresh_pg).await, live_sums, "{}", out.stdout);
    let (archived, distinct): (i64, i64) = {
        let r = fresh_pg
            .query_one(
                "SELECT count(*), count(DISTINCT (id_ms, id_seq)) FROM pipeline.event_log",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(
        (archived as usize, distinct as usize),
        (ids.len(), ids.len())
    );
    let (from_archive, from_stream) = sources(&out.stdout);
    assert_eq!(from_archive, 0, "{}", out.stdout);
    assert!(from_stream > 0, "{}", out.stdout);

    // A second fresh database, archive only: nothing matched, said, exit 0.
    let (_second, vars) = env.other_group("lossless_second", "unused2").await;
    let out = Bin::consumer().run(&["replay", "--source", "archive"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("nothing matched"), "{}", out.stdout);
    assert!(
        out.stdout.contains("the archive (empty) (0 events)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("--source archive"), "{}", out.stdout);
}
