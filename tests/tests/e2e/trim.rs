//! Safe trimming: the stream is trimmed only past what every listed group
//! has acked and the archive holds, and trimmed history is still replayable
//! from the archive.

use std::time::Duration;

use redis::aio::ConnectionManager;
use sleeper_shared::Envelope;
use sleeper_tests::harness::events::{create_group, read_group, state, xlen};
use sleeper_tests::harness::season::{self, SeasonSpec};
use sleeper_tests::harness::{Scalar, TestEnv};

use crate::rebuild::{project_live, replay_into_fresh, spawn_consumer};
use crate::support::{checksums, eventually, with};

/// Read every entry `group` was not given yet, as `consumer`, and ack them;
/// their ids.
async fn read_and_ack(
    r: &mut ConnectionManager,
    stream: &str,
    group: &str,
    consumer: &str,
) -> Vec<String> {
    let read = read_group(r, stream, group, consumer, None).await;
    let ids: Vec<String> = sleeper_shared::redis_reply::read_reply_entries(read)
        .into_iter()
        .map(|e| e.id)
        .collect();
    let _: i64 = redis::cmd("XACK")
        .arg(stream)
        .arg(group)
        .arg(&ids)
        .query_async(r)
        .await
        .unwrap();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trimming_respects_a_stopped_group_and_the_archive_and_trimmed_history_replays() {
    let events = season::generate(SeasonSpec {
        seed: 31,
        leagues: 1,
        steps: 8,
    })
    .await;
    let env = TestEnv::migrated("trim_safe").await;
    let vars = with(
        &env.vars(),
        &[("TRIM_GROUPS", "projector,g2"), ("STREAM_RETENTION", "1ms")],
    );
    let mut r = env.redis().await;
    let stream = env.stream_key.clone();
    create_group(&mut r, &stream, "g2").await;
    project_live(&env, &vars, &events).await;
    let n = events.len() as i64;
    let pg = env.pg().await;
    let live = checksums(&pg).await;
    let archived = || pg.scalar::<i64>("SELECT count(*) FROM pipeline.event_log", &[]);
    assert_eq!(archived().await, n);

    // The consumer's own trim pass (the run loop calls it every 30 s).
    let groups = vec!["projector".to_string(), "g2".to_string()];
    let trim = |mut r: ConnectionManager| {
        let (stream, groups) = (stream.clone(), groups.clone());
        async move {
            sleeper_consumer::live::trim::trim(
                &mut r,
                &stream,
                &groups,
                "projector",
                Some(Duration::from_millis(1)),
                chrono::Utc::now().timestamp_millis(),
            )
            .await
            .unwrap()
        }
    };
    trim(r.clone()).await;
    assert_eq!(
        xlen(&mut r, &stream).await,
        n,
        "g2 acked nothing: nothing may be trimmed"
    );

    // g2 reads and acks everything: now the stream can go.
    let ids = read_and_ack(&mut r, &stream, "g2", "g2-reader").await;
    assert_eq!(ids.len() as i64, n);
    // New entries no projector has read (so not archived), which g2 acks.
    let extra: Vec<Envelope> = (6..9).map(state).collect();
    env.append_all(&extra).await;
    read_and_ack(&mut r, &stream, "g2", "g2-reader").await;
    trim(r.clone()).await;
    assert_eq!(
        xlen(&mut r, &stream).await,
        extra.len() as i64,
        "everything archived and acked is trimmed; what the archive lacks stays"
    );
    assert_eq!(
        archived().await,
        n,
        "the unread entries are not archived yet"
    );

    // Trimmed history is still replayable from the archive.
    let fresh = replay_into_fresh("trim_replay", &env).await;
    assert_eq!(checksums(&fresh.pg().await).await, live);

    // The run loop trims by itself (every 30 s): once the projector has read,
    // archived and acked the last entries, the stream empties.
    let _consumer = spawn_consumer(&vars, "live");
    env.drained("projector").await;
    assert_eq!(archived().await, n + extra.len() as i64);
    eventually(Duration::from_secs(45), "the run loop's trim pass", || {
        let (mut r, key) = (r.clone(), stream.clone());
        async move { (xlen(&mut r, &key).await == 0).then_some(()) }
    })
    .await;
}
