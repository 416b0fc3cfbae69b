//! The all-time views of `migrations/projection/0005_all_time.sql` on a
//! hand-built log, every expected row worked out by hand:
//!
//! - chain A (2023, previous "0") ← B (2024, a median league whose final
//!   spans two weeks, `playoff_round_type` 1) ← C (2025, in season:
//!   `nfl_state` at its week 2, which is provisional). Four rosters each,
//!   regular weeks 1–2, semi-finals in week 3, the final and the
//!   third-place game in week 4 (B: weeks 4 and 5). Managers 901–904;
//!   902 renames Bee → Bea in 2025; B's roster 4 has no owner (an orphan);
//!   904 skips 2024.
//! - G (2024), a guillotine league on its own chain: 911 alive, 912 chopped
//!   in week 2, 913 in week 1 — with more points than the survivor, so the
//!   standings must rank them after it, and their later 0-point weeks are
//!   never a lowest score.
//! - T (2024, previous ""), no rosters: every playoff round spans two weeks
//!   (legacy `playoff_type` 2); X and Y name each other as previous season.
//!
//! Season A arrives last, so the chain's id moves back from B to A. Every
//! view reads the same after replay and rebuild.

use serde_json::{json, Value};
use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::events::{envelope, state};
use sleeper_tests::harness::{Bin, TestEnv};

use crate::rebuild::project_live;

const A: &str = "1297000000000000001";
const B: &str = "1297000000000000002";
const C: &str = "1297000000000000003";
const G: &str = "1297000000000000009";
/// Two-week rounds everywhere (legacy `playoff_type` 2), its own chain.
const T: &str = "1297000000000000020";
/// Two leagues each naming the other as previous season: a cycle.
const X: &str = "1297000000000000031";
const Y: &str = "1297000000000000032";

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("json")
}

fn league(id: &str, season: &str, previous: Value, status: &str, settings: Value) -> Envelope {
    let body = json!({
        "league_id": id, "name": format!("League {season}"), "season": season,
        "sport": "nfl", "status": status, "previous_league_id": previous,
        "settings": settings,
    });
    envelope(
        Kind::League,
        &format!("league/{id}"),
        Some(id),
        &json_bytes(&body),
    )
}

fn of(kind: Kind, id: &str, path: &str, body: Value) -> Envelope {
    envelope(
        kind,
        &format!("league/{id}/{path}"),
        Some(id),
        &json_bytes(&body),
    )
}

/// A rosters event: (roster_id, owner_id).
fn rosters(id: &str, owners: &[(i32, Option<&str>)]) -> Envelope {
    let body: Vec<Value> = owners
        .iter()
        .map(|(r, o)| json!({"roster_id": r, "owner_id": o}))
        .collect();
    of(Kind::Rosters, id, "rosters", Value::Array(body))
}

/// A users event: (user_id, display_name, team_name).
fn users(id: &str, list: &[(&str, &str, Option<&str>)]) -> Envelope {
    let body: Vec<Value> = list
        .iter()
        .map(|(u, d, t)| match t {
            Some(t) => json!({"user_id": u, "display_name": d, "metadata": {"team_name": t}}),
            None => json!({"user_id": u, "display_name": d}),
        })
        .collect();
    of(Kind::Users, id, "users", Value::Array(body))
}

/// (roster_id, points) of one side of a game.
type Side = (i32, f64);

/// A week of games: each pair of sides shares a matchup id.
fn week(id: &str, week: i32, games: &[(Side, Side)]) -> Envelope {
    let mut body = Vec::new();
    for (m, ((r1, p1), (r2, p2))) in games.iter().enumerate() {
        body.push(json!({"roster_id": r1, "matchup_id": m + 1, "points": p1}));
        body.push(json!({"roster_id": r2, "matchup_id": m + 1, "points": p2}));
    }
    of(
        Kind::Matchups,
        id,
        &format!("matchups/{week}"),
        Value::Array(body),
    )
}

/// A 4-team winners bracket: semi-finals 1v4 (m1) and 2v3 (m2) by seed
/// order given, then the final (p 1) and the third-place game (p 3).
/// Each game is (t1, t2, winner).
fn bracket(id: &str, semis: [(i32, i32, i32); 2], last: [(i32, i32, i32); 2]) -> Envelope {
    let loser = |(t1, t2, w): (i32, i32, i32)| if w == t1 { t2 } else { t1 };
    let mut body = Vec::new();
    for (i, g) in semis.iter().enumerate() {
        body.push(json!({"r": 1, "m": i + 1, "t1": g.0, "t2": g.1, "w": g.2, "l": loser(*g)}));
    }
    for (i, (g, p, from)) in [(last[0], 1, "w"), (last[1], 3, "l")].iter().enumerate() {
        body.push(
            json!({"r": 2, "m": i + 3, "t1": g.0, "t2": g.1, "w": g.2, "l": loser(*g),
                         "p": p, "t1_from": {*from: 1}, "t2_from": {*from: 2}}),
        );
    }
    of(
        Kind::WinnersBracket,
        id,
        "winners_bracket",
        Value::Array(body),
    )
}

/// A guillotine roster: fpts and the week it was chopped (`eliminated`).
fn guillotine_rosters() -> Envelope {
    let r = |roster: i32, owner: &str, fpts: i32, eliminated: Option<i32>| {
        let mut settings = json!({"wins": 0, "losses": 0, "ties": 0, "fpts": fpts});
        if let Some(e) = eliminated {
            settings["eliminated"] = json!(e);
        }
        json!({"roster_id": roster, "owner_id": owner, "settings": settings})
    };
    of(
        Kind::Rosters,
        G,
        "rosters",
        json!([
            r(1, "911", 300, None),
            r(2, "912", 350, Some(2)),
            r(3, "913", 400, Some(1))
        ]),
    )
}

/// A guillotine week: no games, just scores.
fn scores(id: &str, week: i32, points: &[(i32, f64)]) -> Envelope {
    let body: Vec<Value> = points
        .iter()
        .map(|(r, p)| json!({"roster_id": r, "matchup_id": null, "points": p}))
        .collect();
    of(
        Kind::Matchups,
        id,
        &format!("matchups/{week}"),
        Value::Array(body),
    )
}

/// Seasons 2024 and 2025, and the guillotine league.
fn later_seasons() -> Vec<Envelope> {
    vec![
        state(2),
        league(
            B,
            "2024",
            json!(A),
            "complete",
            json!({"playoff_week_start": 3, "playoff_round_type": 1, "playoff_teams": 4,
                   "league_average_match": 1}),
        ),
        rosters(
            B,
            &[
                (1, Some("901")),
                (2, Some("902")),
                (3, Some("903")),
                (4, None),
            ],
        ),
        users(
            B,
            &[
                ("901", "Ann", Some("Ann B")),
                ("902", "Bee", None),
                ("903", "Cal", None),
            ],
        ),
        week(B, 1, &[((1, 100.0), (2, 100.0)), ((3, 50.0), (4, 150.0))]),
        week(B, 2, &[((1, 120.0), (3, 121.0)), ((2, 80.0), (4, 79.0))]),
        week(B, 3, &[((3, 110.0), (1, 100.0)), ((2, 90.0), (4, 95.0))]),
        // The final over weeks 4 and 5: 3 wins 130–125 though 4 led week 4;
        // the third-place game too: 1 beats 2 110–105.
        week(B, 4, &[((3, 60.0), (4, 70.0)), ((1, 80.0), (2, 85.0))]),
        week(B, 5, &[((3, 70.0), (4, 55.0)), ((1, 30.0), (2, 20.0))]),
        bracket(B, [(3, 1, 3), (2, 4, 4)], [(3, 4, 3), (1, 2, 1)]),
        league(
            C,
            "2025",
            json!(B),
            "in_season",
            json!({"playoff_week_start": 3}),
        ),
        rosters(
            C,
            &[
                (1, Some("901")),
                (2, Some("902")),
                (3, Some("903")),
                (4, Some("904")),
            ],
        ),
        users(
            C,
            &[
                ("901", "Ann", Some("Ann C")),
                ("902", "Bea", Some("Beasts")),
                ("903", "Cal", None),
                ("904", "Dee", Some("Dee 25")),
            ],
        ),
        week(C, 1, &[((1, 90.0), (4, 95.0)), ((2, 200.0), (3, 10.0))]),
        // Provisional (nfl_state is at week 2 of 2025): in no view.
        week(C, 2, &[((1, 300.0), (2, 1.0)), ((3, 0.0), (4, 0.0))]),
        league(G, "2024", Value::Null, "complete", json!({})),
        guillotine_rosters(),
        scores(G, 1, &[(1, 100.0), (2, 90.0), (3, 50.0)]),
        scores(G, 2, &[(1, 110.0), (2, 60.0), (3, 0.0)]),
        scores(G, 3, &[(1, 120.0), (2, 0.0), (3, 0.0)]),
        // Semi-finals over weeks 2–3, the final and third place over 4–5.
        league(
            T,
            "2024",
            json!(""),
            "complete",
            json!({"playoff_week_start": 2, "playoff_type": 2}),
        ),
        week(T, 1, &[((1, 100.0), (2, 90.0)), ((3, 80.0), (4, 70.0))]),
        week(T, 2, &[((1, 50.0), (4, 60.0)), ((2, 70.0), (3, 40.0))]),
        week(T, 3, &[((1, 70.0), (4, 50.0)), ((2, 30.0), (3, 65.0))]),
        week(T, 4, &[((1, 40.0), (3, 45.0)), ((4, 20.0), (2, 30.0))]),
        week(T, 5, &[((1, 60.0), (3, 50.0)), ((4, 25.0), (2, 10.0))]),
        league(X, "2024", json!(Y), "complete", json!({})),
        league(Y, "2025", json!(X), "complete", json!({})),
    ]
}

/// Season 2023, the chain's oldest.
fn first_season() -> Vec<Envelope> {
    vec![
        league(
            A,
            "2023",
            json!("0"),
            "complete",
            json!({"playoff_week_start": 3, "playoff_round_type": 0, "playoff_teams": 4}),
        ),
        rosters(
            A,
            &[
                (1, Some("901")),
                (2, Some("902")),
                (3, Some("903")),
                (4, Some("904")),
            ],
        ),
        users(
            A,
            &[
                ("901", "Ann", Some("Ann A")),
                ("902", "Bee", Some("Bees")),
                ("903", "Cal", None),
                ("904", "Dee", Some("Dee 23")),
            ],
        ),
        week(A, 1, &[((1, 100.0), (2, 90.0)), ((3, 80.0), (4, 120.0))]),
        week(A, 2, &[((1, 110.0), (3, 70.0)), ((2, 95.0), (4, 60.0))]),
        week(A, 3, &[((1, 105.0), (4, 100.0)), ((2, 88.0), (3, 99.0))]),
        week(A, 4, &[((1, 130.0), (3, 125.0)), ((4, 90.0), (2, 90.5))]),
        bracket(A, [(1, 4, 1), (2, 3, 3)], [(1, 3, 1), (4, 2, 2)]),
    ]
}

/// Each row of `sql` (one text column) — numbers through trim_scale, NULL
/// as "-".
async fn lines(pg: &tokio_postgres::Client, sql: &str) -> Vec<String> {
    pg.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Short names for the ids in the rows read back: A, B, C, G, T, X, Y, and
/// O for B's orphan roster 4.
const SHORT: &str = "replace(replace(replace(replace(replace(replace(replace(replace(x,
    '1297000000000000001', 'A'), '1297000000000000002', 'B'), '1297000000000000003', 'C'),
    '1297000000000000009', 'G'), '1297000000000000020', 'T'), '1297000000000000031', 'X'),
    '1297000000000000032', 'Y'), 'orphan:4@B', 'O')";

/// The chains whose every row is checked (T's games are checked alone).
fn main_chains() -> String {
    format!("chain_id IN ('{A}', '{G}')")
}

fn short(select: &str, rest: &str) -> String {
    format!(
        "SELECT {} FROM (SELECT concat_ws(' ', {select}) AS x {rest}) s",
        SHORT
    )
}

fn chains() -> String {
    short(
        "chain_id, league_id, season, coalesce(depth::text, '-')",
        "FROM sleeper.league_chains ORDER BY league_id",
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_time_views_over_a_chain_of_seasons() {
    let env = TestEnv::migrated("all_time").await;
    let vars = env.vars();
    project_live(&env, &vars, &later_seasons()).await;
    let pg = env.pg().await;
    // Before 2023 arrives, 2024 is the chain's oldest season.
    assert_eq!(
        lines(&pg, &chains()).await,
        strs(&[
            "B B 2024 0",
            "B C 2025 1",
            "G G 2024 0",
            "T T 2024 0",
            "X X 2024 -",
            "X Y 2025 -"
        ])
    );
    assert_derived_current(&pg, "before the oldest season").await;
    project_live(&env, &vars, &first_season()).await;
    assert_eq!(env.dlq_len().await, 0, "no dead letters");
    assert_derived_current(&pg, "after the oldest season moved the chain").await;
    assert_eq!(
        lines(&pg, &chains()).await,
        strs(&[
            "A A 2023 0",
            "A B 2024 1",
            "A C 2025 2",
            "G G 2024 0",
            "T T 2024 0",
            "X X 2024 -",
            "X Y 2025 -",
        ])
    );

    // Latest names: the newest season each manager is in; orphans named.
    let managers = short(
        "chain_id, manager_id, coalesce(display_name, '-'), coalesce(team_name, '-'), is_orphan::text",
        &format!(
            "FROM sleeper.chain_managers WHERE {} ORDER BY chain_id, manager_id",
            main_chains()
        ),
    );
    assert_eq!(
        lines(&pg, &managers).await,
        strs(&[
            "A 901 Ann Ann C false",
            "A 902 Bea Beasts false",
            "A 903 Cal - false",
            "A 904 Dee Dee 25 false",
            "A O Orphan (roster 4) - true",
            "G 911 - - false",
            "G 912 - - false",
            "G 913 - - false",
        ])
    );

    // Head to head: B's two-week final and third-place game are one game
    // each; C's week 2 is provisional; median games never count.
    let h2h = short(
        "chain_id, phase, manager_id, opponent_id, games, wins || '-' || losses || '-' || ties,
         trim_scale(points_for) || '-' || trim_scale(points_against)",
        &format!(
            "FROM sleeper.head_to_head WHERE {} ORDER BY chain_id, manager_id, opponent_id, phase",
            main_chains()
        ),
    );
    assert_eq!(
        lines(&pg, &h2h).await,
        strs(&[
            "A all 901 902 3 2-0-1 310-295",
            "A playoff 901 902 1 1-0-0 110-105",
            "A regular 901 902 2 1-0-1 200-190",
            "A all 901 903 4 2-2-0 460-426",
            "A playoff 901 903 2 1-1-0 230-235",
            "A regular 901 903 2 1-1-0 230-191",
            "A all 901 904 2 1-1-0 195-195",
            "A playoff 901 904 1 1-0-0 105-100",
            "A regular 901 904 1 0-1-0 90-95",
            "A all 902 901 3 0-2-1 295-310",
            "A playoff 902 901 1 0-1-0 105-110",
            "A regular 902 901 2 0-1-1 190-200",
            "A all 902 903 2 1-1-0 288-109",
            "A playoff 902 903 1 0-1-0 88-99",
            "A regular 902 903 1 1-0-0 200-10",
            "A all 902 904 2 2-0-0 185.5-150",
            "A playoff 902 904 1 1-0-0 90.5-90",
            "A regular 902 904 1 1-0-0 95-60",
            "A all 902 O 2 1-1-0 170-174",
            "A playoff 902 O 1 0-1-0 90-95",
            "A regular 902 O 1 1-0-0 80-79",
            "A all 903 901 4 2-2-0 426-460",
            "A playoff 903 901 2 1-1-0 235-230",
            "A regular 903 901 2 1-1-0 191-230",
            "A all 903 902 2 1-1-0 109-288",
            "A playoff 903 902 1 1-0-0 99-88",
            "A regular 903 902 1 0-1-0 10-200",
            "A all 903 904 1 0-1-0 80-120",
            "A regular 903 904 1 0-1-0 80-120",
            "A all 903 O 2 1-1-0 180-275",
            "A playoff 903 O 1 1-0-0 130-125",
            "A regular 903 O 1 0-1-0 50-150",
            "A all 904 901 2 1-1-0 195-195",
            "A playoff 904 901 1 0-1-0 100-105",
            "A regular 904 901 1 1-0-0 95-90",
            "A all 904 902 2 0-2-0 150-185.5",
            "A playoff 904 902 1 0-1-0 90-90.5",
            "A regular 904 902 1 0-1-0 60-95",
            "A all 904 903 1 1-0-0 120-80",
            "A regular 904 903 1 1-0-0 120-80",
            "A all O 902 2 1-1-0 174-170",
            "A playoff O 902 1 1-0-0 95-90",
            "A regular O 902 1 0-1-0 79-80",
            "A all O 903 2 1-1-0 275-180",
            "A playoff O 903 1 0-1-0 125-130",
            "A regular O 903 1 1-0-0 150-50",
        ])
    );

    // The record book. Not C's provisional 300 or 0; not G's chopped
    // rosters' 0-point weeks; B's two-week final is 130–125 in one game.
    let records = short(
        "chain_id, record, trim_scale(value), league_id, season, coalesce(week::text, '-'),
         manager_id, coalesce(opponent_id, '-')",
        &format!(
            "FROM sleeper.records WHERE {} ORDER BY chain_id, record, manager_id, league_id, week",
            main_chains()
        ),
    );
    assert_eq!(
        lines(&pg, &records).await,
        strs(&[
            "A biggest_blowout 190 C 2025 1 902 903",
            "A closest_game 0.5 A 2023 4 902 904",
            "A fewest_points_season 150 A 2023 - 903 -",
            "A highest_score 200 C 2025 1 902 903",
            "A longest_losing_streak 3 A 2023 4 904 -",
            "A longest_win_streak 4 A 2023 4 901 -",
            "A lowest_score 10 C 2025 1 903 902",
            "A most_points_season 229 B 2024 - O -",
            "G fewest_points_season 330 G 2024 - 911 -",
            "G highest_score 120 G 2024 3 911 -",
            "G lowest_score 50 G 2024 1 913 -",
            "G most_points_season 330 G 2024 - 911 -",
        ])
    );

    // All-play over regular, settled weeks (C: week 1 only; G: chopped
    // rosters play no week after their elimination).
    let all_play = short(
        "league_id, season, roster_id, manager_id, wins || '-' || losses || '-' || ties,
         actual_wins, h2h_games, trim_scale(win_share), trim_scale(luck)",
        &format!("FROM sleeper.all_play WHERE league_id <> '{T}' ORDER BY league_id, roster_id"),
    );
    assert_eq!(
        lines(&pg, &all_play).await,
        strs(&[
            "A 2023 1 901 5-1-0 2 2 0.8333 0.3333",
            "A 2023 2 902 3-3-0 1 2 0.5 0",
            "A 2023 3 903 1-5-0 0 2 0.1667 -0.3333",
            "A 2023 4 904 3-3-0 1 2 0.5 0",
            "B 2024 1 901 3-2-1 0 2 0.5833 -1.1667",
            "B 2024 2 902 2-3-1 1 2 0.4167 0.1667",
            "B 2024 3 903 3-3-0 1 2 0.5 0",
            "B 2024 4 O 3-3-0 1 2 0.5 0",
            "C 2025 1 901 1-2-0 0 1 0.3333 -0.3333",
            "C 2025 2 902 3-0-0 1 1 1 0",
            "C 2025 3 903 0-3-0 0 1 0 0",
            "C 2025 4 904 2-1-0 1 1 0.6667 0.3333",
            "G 2024 1 911 3-0-0 0 0 1 0",
            "G 2024 2 912 1-2-0 0 0 0.3333 0",
            "G 2024 3 913 0-2-0 0 0 0 0",
        ])
    );

    // Final places from the winners brackets; none yet in 2025 or in G.
    let finishes = short(
        "league_id, season, roster_id, manager_id, coalesce(place::text, '-'), is_champion::text",
        "FROM sleeper.season_finishes WHERE league_id IN ($A, $B) ORDER BY league_id, roster_id",
    )
    .replace("$A", &format!("'{A}'"))
    .replace("$B", &format!("'{B}'"));
    assert_eq!(
        lines(&pg, &finishes).await,
        strs(&[
            "A 2023 1 901 1 true",
            "A 2023 2 902 3 false",
            "A 2023 3 903 2 false",
            "A 2023 4 904 4 false",
            "B 2024 1 901 3 false",
            "B 2024 2 902 4 false",
            "B 2024 3 903 1 true",
            "B 2024 4 O 2 false",
        ])
    );
    let unplaced: i64 = pg
        .query_one(
            "SELECT count(*) FROM sleeper.season_finishes
             WHERE league_id IN ($1, $2) AND place IS NULL AND NOT is_champion",
            &[&C, &G],
        )
        .await
        .expect("unplaced")
        .get(0);
    assert_eq!(unplaced, 7);

    // Careers: the regular-season record counts median games (B), the
    // points never do.
    let careers = short(
        "chain_id, manager_id, seasons, titles, playoff_appearances,
         wins || '-' || losses || '-' || ties,
         trim_scale(points_for) || '-' || trim_scale(points_against),
         coalesce(best_finish::text, '-')",
        &format!(
            "FROM sleeper.manager_careers WHERE {} ORDER BY chain_id, manager_id",
            main_chains()
        ),
    );
    assert_eq!(
        lines(&pg, &careers).await,
        strs(&[
            "A 901 3 1 2 3-2-2 520-476 1",
            "A 902 3 0 2 3-2-2 565-349 3",
            "A 903 3 1 2 2-5-0 331-700 1",
            "A 904 2 0 1 2-1-0 275-265 4",
            "A O 1 0 1 2-2-0 229-130 2",
            "G 911 1 0 0 0-0-0 330-0 -",
            "G 912 1 0 0 0-0-0 150-0 -",
            "G 913 1 0 0 0-0-0 50-0 -",
        ])
    );

    // Every playoff round of T spans two weeks: one game each, summed.
    let games = short(
        "week, weeks, roster_id, opponent_roster_id, result,
         trim_scale(points) || '-' || trim_scale(opponent_points)",
        &format!("FROM sleeper.chain_games WHERE league_id = '{T}' ORDER BY week, roster_id"),
    );
    assert_eq!(
        lines(&pg, &games).await,
        strs(&[
            "1 1 1 2 W 100-90",
            "1 1 2 1 L 90-100",
            "1 1 3 4 W 80-70",
            "1 1 4 3 L 70-80",
            "2 2 1 4 W 120-110",
            "2 2 2 3 L 100-105",
            "2 2 3 2 W 105-100",
            "2 2 4 1 L 110-120",
            "4 2 1 3 W 100-95",
            "4 2 2 4 L 40-45",
            "4 2 3 1 L 95-100",
            "4 2 4 2 W 45-40",
        ])
    );

    // Guillotine standings: the chopped rank after the survivor, the later
    // chop first, whatever their points.
    let standings = short(
        "roster_id, rank, coalesce(eliminated_week::text, '-')",
        &format!("FROM sleeper.standings WHERE league_id = '{G}' ORDER BY roster_id"),
    );
    assert_eq!(
        lines(&pg, &standings).await,
        strs(&["1 1 -", "2 2 2", "3 3 1"])
    );

    // Functions of the base tables (rule 10): the same after replay and
    // after rebuild (the views recreated in the shadow schema).
    let before = digest(&pg).await;
    let out = Bin::consumer().run(&["replay", "--from", "1970-01-01T00:00:00Z"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(digest(&pg).await, before, "after replay");
    assert_derived_current(&pg, "after replay").await;
    let out = Bin::consumer().run(&["rebuild"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(digest(&pg).await, before, "after rebuild");
    assert_derived_current(&pg, "after rebuild").await;
}

/// The derived tables under the all-time views (docs/design.md "Derived
/// tables") hold exactly their source views' rows, none marked stale.
pub(crate) async fn assert_derived_current(pg: &tokio_postgres::Client, when: &str) {
    for table in ["_league_chains", "_league_games", "_league_rosters"] {
        let differ = lines(
            pg,
            &format!(
                "SELECT count(*)::text FROM (
                     (SELECT * FROM sleeper.{table} EXCEPT ALL SELECT * FROM sleeper.{table}_source)
                     UNION ALL
                     (SELECT * FROM sleeper.{table}_source EXCEPT ALL SELECT * FROM sleeper.{table})
                 ) d"
            ),
        )
        .await;
        assert_eq!(
            differ,
            strs(&["0"]),
            "{table} differs from its source {when}"
        );
        let rows = lines(pg, &format!("SELECT count(*)::text FROM sleeper.{table}")).await;
        assert_ne!(rows, strs(&["0"]), "{table} is empty {when}");
    }
    let marked = lines(pg, "SELECT count(*)::text FROM sleeper._derived_dirty").await;
    assert_eq!(marked, strs(&["0"]), "leagues left marked {when}");
}

/// Every row of every all-time view, sorted, as one text per view.
async fn digest(pg: &tokio_postgres::Client) -> Vec<String> {
    let mut out = Vec::new();
    for view in [
        "league_chains",
        "chain_rosters",
        "chain_managers",
        "chain_games",
        "head_to_head",
        "records",
        "all_play",
        "season_finishes",
        "manager_careers",
        "standings",
    ] {
        let rows = lines(
            pg,
            &format!(
                "SELECT '{view}: ' || coalesce(string_agg(t::text, '|' ORDER BY t::text), '')
                 FROM sleeper.{view} t"
            ),
        )
        .await;
        out.extend(rows);
    }
    out
}

/// A league whose recomputation fails never holds up the projection
/// (docs/design.md "Derived tables"): its events are applied and acked, the
/// other leagues' derived rows are written, it stays marked, and once the
/// fault is gone one `_derived_refresh_all()` makes every table current.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_league_that_cannot_be_recomputed_stays_marked_and_blocks_nothing() {
    let env = TestEnv::migrated("all_time_fault").await;
    let vars = env.vars();
    let pg = env.pg().await;
    // The fault: _league_games refuses league A's rows.
    pg.batch_execute(&format!(
        "CREATE FUNCTION sleeper.refuse_a() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
             IF NEW.league_id = '{A}' THEN RAISE EXCEPTION 'refused for the test'; END IF;
             RETURN NEW;
         END $$;
         CREATE TRIGGER refuse_a BEFORE INSERT ON sleeper._league_games
             FOR EACH ROW EXECUTE FUNCTION sleeper.refuse_a();"
    ))
    .await
    .expect("fault");
    let mut events = first_season();
    events.extend(later_seasons());
    project_live(&env, &vars, &events).await;
    assert_eq!(env.dlq_len().await, 0, "nothing dead-lettered");
    let count = |sql: String| {
        let pg = &pg;
        async move { lines(pg, &sql).await }
    };
    assert_eq!(
        count(format!(
            "SELECT count(*)::text FROM sleeper.matchups WHERE league_id = '{A}'"
        ))
        .await,
        strs(&["16"]),
        "A's matchups are projected"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*)::text FROM sleeper._league_games WHERE league_id = '{A}'"
        ))
        .await,
        strs(&["0"]),
        "A has no games: refused"
    );
    assert_eq!(
        count(format!(
            "SELECT count(*)::text FROM (
                 (SELECT * FROM sleeper._league_games
                  EXCEPT ALL SELECT * FROM sleeper._league_games_source WHERE league_id <> '{A}')
                 UNION ALL
                 (SELECT * FROM sleeper._league_games_source WHERE league_id <> '{A}'
                  EXCEPT ALL SELECT * FROM sleeper._league_games)) d"
        ))
        .await,
        strs(&["0"]),
        "every other league's games are written"
    );
    assert_ne!(
        count(format!(
            "SELECT count(*)::text FROM sleeper._league_games WHERE league_id = '{B}'"
        ))
        .await,
        strs(&["0"]),
        "B has games"
    );
    assert_eq!(
        count(
            "SELECT string_agg(DISTINCT league_id, ',')::text FROM sleeper._derived_dirty".into()
        )
        .await,
        strs(&[A]),
        "only A stays marked"
    );
    pg.batch_execute(
        "DROP TRIGGER refuse_a ON sleeper._league_games;
         SET search_path = sleeper; SELECT _derived_refresh_all(); RESET search_path;",
    )
    .await
    .expect("refresh all");
    assert_derived_current(&pg, "after the fault is gone and everything is recomputed").await;
}

/// Two-week final (`playoff_round_type` 1) in a league with no bracket
/// yet: the rounds come from `playoff_teams` (6 teams: ceil(log2 6) = 3
/// rounds from week 3, so the final spans weeks 5 and 6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_week_final_without_a_bracket_counts_rounds_from_playoff_teams() {
    const F: &str = "1297000000000000040";
    let settings = json!({"playoff_week_start": 3, "playoff_teams": 6, "playoff_round_type": 1});
    let events = vec![
        league(F, "2024", json!("0"), "complete", settings),
        rosters(F, &[(1, Some("951")), (2, Some("952"))]),
        week(F, 4, &[((1, 100.0), (2, 90.0))]),
        week(F, 5, &[((1, 50.0), (2, 70.0))]),
        week(F, 6, &[((1, 45.0), (2, 20.0))]),
    ];
    let env = TestEnv::migrated("all_time_rounds").await;
    project_live(&env, &env.vars(), &events).await;
    let pg = env.pg().await;
    let games = lines(
        &pg,
        &format!(
            "SELECT concat_ws(' ', week, weeks, roster_id, result, trim_scale(points))
             FROM sleeper.chain_games WHERE league_id = '{F}' ORDER BY week, roster_id"
        ),
    )
    .await;
    // Week 4 is a round of its own; 5 + 6 one game: 95 against 90.
    assert_eq!(
        games,
        strs(&["4 1 1 W 100", "4 1 2 L 90", "5 2 1 W 95", "5 2 2 L 90"])
    );
    assert_derived_current(&pg, "after a league without bracket").await;
}
