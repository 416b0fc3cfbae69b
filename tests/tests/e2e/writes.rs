//! What a batch writes into Postgres: text Postgres cannot hold, a
//! full-size players snapshot, several snapshots of a scope in one batch,
//! and a row Postgres rejects.

use serde_json::Value;
use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::events::{envelope, state};
use sleeper_tests::harness::fixtures::json_fixture;
use sleeper_tests::harness::{Bin, Scalar, TestEnv};

use crate::consumer::dead_letters;
use crate::support::{checksums, nfl_week, with};

/// The recorded members of a league (`users.json`) and their league's id.
fn league_members() -> (Value, String) {
    let users = json_fixture("users");
    let league_id = users[0]["league_id"]
        .as_str()
        .expect("league_id")
        .to_string();
    (users, league_id)
}

/// A `league/<league_id>/users` snapshot of `members`.
fn members_snapshot(league_id: &str, members: &Value) -> Envelope {
    envelope(
        Kind::Users,
        &format!("league/{league_id}/users"),
        Some(league_id),
        &serde_json::to_vec(members).expect("json"),
    )
}

/// A NUL character in user-written text (Postgres text and jsonb cannot hold
/// one) must not dead-letter the league's members: it is stored as U+FFFD.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_user_text_is_stored_not_dead_lettered() {
    let env = TestEnv::migrated("nul_text").await;
    let (mut users, league_id) = league_members();
    let user_id = users[0]["user_id"].as_str().expect("user_id").to_string();
    users[0]["display_name"] = "rab\u{0}12345".into();
    users[0]["metadata"]["team_name"] = "Orange\u{0}Peanut".into();
    users[0]["metadata"]["note\u{0}key"] = "x\u{0}y".into();
    let snapshot = members_snapshot(&league_id, &users);
    assert!(
        snapshot.body.windows(6).any(|w| w == br"\u0000"),
        "the body carries the escaped NUL"
    );
    env.append(&snapshot).await;
    let consumer = Bin::consumer().spawn(&["run"], &env.vars());
    env.drained("projector").await;
    assert_eq!(env.dlq_len().await, 0);
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
        .scalar(
            "SELECT count(*) FROM sleeper.league_users WHERE league_id = $1",
            &[&league_id],
        )
        .await;
    assert_eq!(members, 3);
    drop(consumer);
}

/// A full-size players snapshot is written in slices; a newer one with fewer
/// players and one changed name leaves exactly its own rows, changed as sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_players_snapshot_is_written_in_slices_and_replaced_exactly() {
    let env = TestEnv::migrated("players_big").await;
    let mut config = sleeper_sim::SimConfig {
        speed: 0.0,
        ..sleeper_sim::SimConfig::default()
    };
    config.generate.leagues = 1;
    config.generate.players = 5000;
    let sim = sleeper_sim::start(config).await.expect("simulator");
    let body = sim.body("/v1/players/nfl").expect("players body");
    sim.shutdown().await;
    let mut players: serde_json::Map<String, Value> =
        serde_json::from_slice(&body).expect("players json");
    let first_count = players.len();
    assert!(first_count >= 5000, "{first_count} players");
    let snapshot = |body: &[u8]| envelope(Kind::Players, "players/nfl", None, body);
    env.append(&snapshot(&body)).await;
    let consumer = Bin::consumer().spawn(&["run"], &env.vars());
    env.drained("projector").await;
    let pg = env.pg().await;
    let count: i64 = pg.scalar("SELECT count(*) FROM sleeper.players", &[]).await;
    assert_eq!(count as usize, first_count, "the first snapshot, whole");
    // The newer snapshot: 1000 players gone, one renamed.
    let gone: Vec<String> = players.keys().take(1000).cloned().collect();
    for id in &gone {
        players.remove(id);
    }
    let renamed = players.keys().nth(10).cloned().expect("a player");
    players[&renamed]["first_name"] = "Renamed".into();
    let second = serde_json::to_vec(&players).expect("json");
    env.append(&snapshot(&second)).await;
    env.drained("projector").await;
    assert_eq!(env.dlq_len().await, 0);
    let count: i64 = pg.scalar("SELECT count(*) FROM sleeper.players", &[]).await;
    assert_eq!(count as usize, first_count - 1000);
    let name: String = pg
        .scalar(
            "SELECT first_name FROM sleeper.players WHERE player_id = $1",
            &[&renamed],
        )
        .await;
    assert_eq!(name, "Renamed");
    let gone_left: i64 = pg
        .scalar(
            "SELECT count(*) FROM sleeper.players WHERE player_id = ANY($1)",
            &[&gone],
        )
        .await;
    assert_eq!(gone_left, 0);
    drop(consumer);
}

/// A scope's three snapshots and two of another arrive in one batch (applied
/// as a whole, newest per scope): the tables are what applying them one by
/// one leaves — a member of the first snapshot only is kept, flagged gone,
/// with the values last seen — and equal a batch-size-1 consumer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_of_several_snapshots_per_scope_ends_as_applied_one_by_one() {
    let env = TestEnv::migrated("coalesce").await;
    let (single, single_vars) = env.other_group("coalesce_single", "one_by_one").await;
    let single_vars = with(&single_vars, &[("CONSUMER_BATCH_SIZE", "1")]);

    let (users, league_id) = league_members();
    let id = |i: usize| users[i]["user_id"].as_str().expect("user_id").to_string();
    let (kept_user, renamed_user) = (id(2), id(0));
    let kept_name = users[2]["display_name"].as_str().expect("name").to_string();
    let snapshot = |members: &[usize], name: &str| {
        let mut v: Vec<Value> = members.iter().map(|&i| users[i].clone()).collect();
        v[0]["display_name"] = name.into();
        members_snapshot(&league_id, &Value::Array(v))
    };
    env.append(&snapshot(&[0, 1, 2], "First")).await;
    env.append(&state(3)).await;
    env.append(&snapshot(&[0, 1], "Second")).await;
    let newest = env.append(&snapshot(&[0, 1], "Third")).await;
    env.append(&state(4)).await;

    let consumer = Bin::consumer().spawn(&["run"], &env.vars());
    env.drained("projector").await;
    assert_eq!(env.dlq_len().await, 0);
    let pg = env.pg().await;
    assert_eq!(nfl_week(&pg).await, Some(4));
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
    assert_eq!(
        format!("{}-{}", applied.0, applied.1),
        newest,
        "the scope's version is its newest snapshot's id"
    );

    let one_by_one = Bin::consumer().spawn(&["run"], &single_vars);
    env.drained("one_by_one").await;
    assert_eq!(
        checksums(&pg).await,
        checksums(&single.pg().await).await,
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
    let env = TestEnv::migrated("rejected_row").await;
    let vars = env.vars();
    let draft = json_fixture("draft");
    let draft_id = draft["draft_id"].as_str().expect("draft_id").to_string();
    let start_ms = draft["start_time"].as_i64().expect("start_time");
    let snapshot = |d: &Value| {
        envelope(
            Kind::Draft,
            &format!("draft/{draft_id}"),
            None,
            &serde_json::to_vec(d).expect("json"),
        )
    };
    let mut bad = draft.clone();
    bad["start_time"] = 9_000_000_000_000_000_000i64.into();
    bad["status"] = "drafting".into();
    env.append(&snapshot(&draft)).await;
    env.append(&state(5)).await;
    let bad_id = env.append(&snapshot(&bad)).await;
    env.append(&state(6)).await;

    let consumer = Bin::consumer().spawn(&["run"], &vars);
    env.drained("projector").await;
    let letters = dead_letters(&vars);
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
    assert_eq!(nfl_week(&pg).await, Some(6));
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
        .scalar("SELECT count(*) FROM pipeline.event_log", &[])
        .await;
    assert_eq!(archived, 4);
    drop(consumer);
}
