//! The analytics read models (docs/design.md rule 10) against independent
//! references: hand-worked values, a brute-force lineup optimiser, and
//! plain code over the raw snapshots of a simulated season (Sleeper's own
//! `players_points`, the simulator's scoring reference).

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::events::envelope;
use sleeper_tests::harness::fixtures::fixture;
use sleeper_tests::harness::season::{scored_season, SeasonSpec};
use sleeper_tests::harness::{Bin, Scalar, TestEnv};

use crate::rebuild::project_live;

/// 2024-11-17 (a Sunday) at `h`:00 UTC, in ms.
fn nov17_utc(h: i64) -> i64 {
    1_731_801_600_000 + h * 3_600_000
}

fn event(kind: Kind, scope: &str, league: Option<&str>, body: &[u8], at: i64) -> Envelope {
    let mut e = envelope(kind, scope, league, body);
    e.fetched_at_ms = at;
    e.ticket = at as u64;
    e
}

fn league_body(id: &str, scoring: Value, positions: Value, best_ball: u8) -> Vec<u8> {
    json!({"league_id": id, "season": "2024", "status": "in_season", "sport": "nfl",
           "settings": {"best_ball": best_ball, "playoff_week_start": 15},
           "scoring_settings": scoring, "roster_positions": positions})
    .to_string()
    .into_bytes()
}

/// Rows of `sql` as (text, text, …) tuples, for exact comparisons.
async fn texts(pg: &tokio_postgres::Client, sql: &str) -> Vec<Vec<Option<String>>> {
    pg.query(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| r.get::<_, Option<String>>(i))
                .collect()
        })
        .collect()
}

fn row(cells: &[&str]) -> Vec<Option<String>> {
    cells
        .iter()
        .map(|c| (*c != "NULL").then(|| c.to_string()))
        .collect()
}

/// The hand-worked log: league 1 (the recorded league's scoring, float32
/// weights), league 2 (bonus, negative, team-defence bands, IDP and a 0.033
/// weight), league 3 (a slot layout greedy filling gets wrong, best ball),
/// league 4 (matchups without the league's snapshot); stats of weeks 11 and
/// 12 with a correction, projections before and after kickoff.
fn hand_worked_log() -> Vec<Envelope> {
    let league2 = json!({"pass_yd": 0.032999999821186066, "bonus_rec_yd_100": 3.0,
        "rec_yd": 0.10000000149011612, "rec": 1.0, "fum_lost": -2.0, "yds_allow_300_349": -1.0,
        "pts_allow_14_20": 1.0, "sack": 1.0, "idp_tkl_solo": 1.5, "idp_sack": 4.0});
    let players = json!({
        "3199": {"player_id": "3199", "position": "WR", "fantasy_positions": ["WR"]},
        "WAS": {"player_id": "WAS", "position": "DEF", "fantasy_positions": ["DEF"]},
        "W1": {"player_id": "W1", "position": "WR", "fantasy_positions": ["WR"]},
        "T1": {"player_id": "T1", "position": "TE", "fantasy_positions": ["TE"]},
        "R1": {"player_id": "R1", "position": "RB", "fantasy_positions": ["RB"]}
    });
    let mut stats_v2: Value = serde_json::from_slice(&fixture("stats_nfl")).unwrap();
    stats_v2[0]["stats"]["rec_yd"] = json!(115.0);
    let week12 = json!([
        {"player_id": "4046", "team": "KC", "date": "2024-11-24", "stats": {"pass_yd": 15.0}},
        {"player_id": "IDP1", "team": "NO", "date": "2024-11-24",
         "stats": {"idp_tkl_solo": 5.0, "idp_sack": 1.5, "fum_lost": 1.0}}
    ]);
    let mut proj_late: Value = serde_json::from_slice(&fixture("projections_nfl")).unwrap();
    proj_late[0]["stats"]["rec"] = json!(9.0);
    let m1 = json!([
        {"roster_id": 1, "matchup_id": 1, "points": 32.4, "starters": ["3199", "WAS"],
         "players": ["3199", "WAS", "99003"], "players_points": {"3199": 18.4, "WAS": 14.0}},
        {"roster_id": 2, "matchup_id": 1, "points": 0.0, "starters": [], "players": [],
         "players_points": {}}
    ]);
    let m3 = json!([
        {"roster_id": 1, "matchup_id": 1, "points": 12.0, "starters": ["W1", "R1"],
         "players": ["W1", "T1", "R1"], "players_points": {"W1": 10.0, "T1": 8.0, "R1": 2.0}},
        {"roster_id": 2, "matchup_id": 1, "points": 0.0, "starters": [], "players": [],
         "players_points": {}}
    ]);
    let league1 = fixture("league");
    let mut league1: Value = serde_json::from_slice(&league1).unwrap();
    league1["league_id"] = json!("1");
    let b = |v: &Value| v.to_string().into_bytes();
    let stats11 = "stats/nfl/regular/2024/11";
    let proj11 = "projections/nfl/regular/2024/11";
    vec![
        event(
            Kind::Players,
            "players/nfl",
            None,
            &b(&players),
            nov17_utc(0),
        ),
        event(
            Kind::League,
            "league/1",
            Some("1"),
            &b(&league1),
            nov17_utc(0),
        ),
        event(
            Kind::League,
            "league/2",
            Some("2"),
            &league_body("2", league2, json!(["QB", "BN"]), 0),
            nov17_utc(0),
        ),
        event(
            Kind::League,
            "league/3",
            Some("3"),
            &league_body(
                "3",
                json!({"rec": 1.0}),
                json!(["REC_FLEX", "WRRB_FLEX", "BN", "BN"]),
                1,
            ),
            nov17_utc(0),
        ),
        event(
            Kind::NflSchedule,
            "schedule/nfl/regular/2024",
            None,
            &fixture("schedule_nfl"),
            nov17_utc(0),
        ),
        // 07:00 ET, before the 13:00 window: the kickoff sample.
        event(
            Kind::NflProjections,
            proj11,
            None,
            &fixture("projections_nfl"),
            nov17_utc(12),
        ),
        // Re-stamped after the week: the latest, not the kickoff one.
        event(
            Kind::NflProjections,
            proj11,
            None,
            &b(&proj_late),
            nov17_utc(60),
        ),
        // Sunday 23:00 ET, live; then Tuesday 10:00 ET, corrected.
        event(
            Kind::NflStats,
            stats11,
            None,
            &fixture("stats_nfl"),
            nov17_utc(28),
        ),
        event(Kind::NflStats, stats11, None, &b(&stats_v2), nov17_utc(63)),
        event(
            Kind::NflStats,
            "stats/nfl/regular/2024/12",
            None,
            &b(&week12),
            nov17_utc(230),
        ),
        event(
            Kind::Matchups,
            "league/1/matchups/11",
            Some("1"),
            &b(&m1),
            nov17_utc(63),
        ),
        // Week 12's NO–LAR game is still pre_game in the schedule.
        event(
            Kind::Matchups,
            "league/1/matchups/12",
            Some("1"),
            &b(&m1),
            nov17_utc(63),
        ),
        event(
            Kind::Matchups,
            "league/3/matchups/11",
            Some("3"),
            &b(&m3),
            nov17_utc(63),
        ),
        event(
            Kind::Matchups,
            "league/4/matchups/11",
            Some("4"),
            &b(&m3),
            nov17_utc(63),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_worked_points_lineups_projections_and_corrections() {
    let env = TestEnv::migrated("analytics_hand").await;
    project_live(&env, &env.vars(), &hand_worked_log()).await;
    let pg = env.pg().await;
    // Points: Σ stat × float32 weight as sent, rounded half up. 3199 in league
    // 1 after the correction: 3.5 + 11.5 + 6 − 2 − 0.3; a line without
    // scoring stats, or without stats, scores 0; 15 yards at 0.033 are 0.49
    // (the float32 weight, as Sleeper), not 0.50.
    assert_eq!(
        texts(
            &pg,
            "SELECT league_id, season, week::text, player_id, points::text
             FROM sleeper.player_week_points ORDER BY 1, 3, 4"
        )
        .await,
        [
            row(&["1", "2024", "11", "3199", "18.70"]),
            row(&["1", "2024", "11", "99001", "0.00"]),
            row(&["1", "2024", "11", "99002", "0.00"]),
            row(&["1", "2024", "11", "WAS", "14.00"]),
            row(&["1", "2024", "12", "4046", "0.60"]),
            row(&["1", "2024", "12", "IDP1", "-2.00"]),
            row(&["2", "2024", "11", "3199", "19.50"]),
            row(&["2", "2024", "11", "99001", "0.00"]),
            row(&["2", "2024", "11", "99002", "0.00"]),
            row(&["2", "2024", "11", "WAS", "3.00"]),
            row(&["2", "2024", "12", "4046", "0.49"]),
            row(&["2", "2024", "12", "IDP1", "11.50"]),
            row(&["3", "2024", "11", "3199", "7.00"]),
            row(&["3", "2024", "11", "99001", "0.00"]),
            row(&["3", "2024", "11", "99002", "0.00"]),
            row(&["3", "2024", "11", "WAS", "0.00"]),
            row(&["3", "2024", "12", "4046", "0.00"]),
            row(&["3", "2024", "12", "IDP1", "0.00"]),
        ]
    );
    let normalised: String = pg
        .scalar(
            "SELECT points::text FROM sleeper.league_scoring WHERE league_id = '2' AND stat = 'pass_yd'",
            &[],
        )
        .await;
    assert_eq!(normalised, "0.033");
    // Greedy filling seats W1 in REC_FLEX and leaves T1 out (12); the best
    // lineup moves W1 to WRRB_FLEX (18). League 4 has no league snapshot.
    assert_eq!(
        texts(
            &pg,
            "SELECT league_id, roster_id::text, actual_points::text, optimal_points::text,
                    points_left_on_bench::text, round(efficiency, 4)::text, is_best_ball::text
             FROM sleeper.lineup_efficiency WHERE week = 11 ORDER BY 1, 2"
        )
        .await,
        [
            row(&["1", "1", "32.4", "32.4", "0.0", "1.0000", "false"]),
            row(&["1", "2", "0", "0", "0", "NULL", "false"]),
            row(&["3", "1", "12.0", "18.0", "6.0", "0.6667", "true"]),
            row(&["3", "2", "0", "0", "0", "NULL", "true"]),
            row(&["4", "1", "12.0", "NULL", "NULL", "NULL", "false"]),
            row(&["4", "2", "0", "NULL", "NULL", "NULL", "false"]),
        ]
    );
    assert_eq!(
        texts(
            &pg,
            "SELECT slot_index::text, slot, player_id, points::text FROM sleeper.lineup_optimal
             WHERE league_id = '3' AND week = 11 AND roster_id = 1 ORDER BY slot_index"
        )
        .await,
        [
            row(&["0", "REC_FLEX", "T1", "8.0"]),
            row(&["1", "WRRB_FLEX", "W1", "10.0"]),
        ]
    );
    // A roster without players still has its slots, empty.
    assert_eq!(
        texts(
            &pg,
            "SELECT slot_index::text, slot, player_id, points::text FROM sleeper.lineup_optimal
             WHERE league_id = '3' AND week = 11 AND roster_id = 2 ORDER BY slot_index"
        )
        .await,
        [
            row(&["0", "REC_FLEX", "NULL", "NULL"]),
            row(&["1", "WRRB_FLEX", "NULL", "NULL"]),
        ]
    );
    // Projections as of kickoff (07:00 ET sample, not the re-stamped one):
    // 5.4 × 0.5 + 68.2 × 0.1 + 0.4 × 6 = 11.92 in league 1; the placeholder
    // (ADP 999 only, game found through its team) projects 0.
    assert_eq!(
        texts(
            &pg,
            "SELECT player_id, date::text, adp_std::text, adp_ppr::text
             FROM sleeper.player_week_projection_at_kickoff ORDER BY 1"
        )
        .await,
        [
            row(&["3199", "2024-11-17", "NULL", "38.2"]),
            row(&["99003", "2024-11-17", "NULL", "NULL"]),
        ]
    );
    let latest_rec: String = pg
        .scalar(
            "SELECT stats->>'rec' FROM sleeper.player_week_projection_latest WHERE player_id = '3199'",
            &[],
        )
        .await;
    assert_eq!(latest_rec, "9.0");
    assert_eq!(
        texts(
            &pg,
            "SELECT player_id, points::text FROM sleeper.player_week_projected_points
             WHERE league_id = '1' ORDER BY 1"
        )
        .await,
        [row(&["3199", "11.92"]), row(&["99003", "0.00"])]
    );
    assert_eq!(
        texts(
            &pg,
            "SELECT roster_id::text, projected_points::text, actual_points::text
             FROM sleeper.projected_vs_actual WHERE league_id = '1' AND week = 11 ORDER BY 1"
        )
        .await,
        [row(&["1", "11.92", "32.4"]), row(&["2", "0", "0"])]
    );
    // The correction: rec_yd 112 → 115, fetched Tuesday (after game day).
    assert_eq!(
        texts(
            &pg,
            "SELECT player_id, stat, previous_value::text, value::text, fetched_at::text, game_date
             FROM sleeper.stat_corrections ORDER BY 1, 2"
        )
        .await,
        [row(&[
            "3199",
            "rec_yd",
            "112.0",
            "115.0",
            "2024-11-19 15:00:00+00",
            "2024-11-17"
        ])]
    );
    // A week with a game not complete in the schedule is provisional.
    assert_eq!(
        texts(
            &pg,
            "SELECT week::text, bool_and(is_provisional)::text, bool_or(is_provisional)::text
             FROM sleeper.matchup_results WHERE league_id = '1' GROUP BY week ORDER BY week"
        )
        .await,
        [row(&["11", "false", "false"]), row(&["12", "true", "true"])]
    );
    // A new league snapshot (scoring, positions) changes every dependent value.
    let rescored = league_body("3", json!({"rec": 2.0}), json!(["REC_FLEX", "BN"]), 0);
    project_live(
        &env,
        &env.vars(),
        &[event(
            Kind::League,
            "league/3",
            Some("3"),
            &rescored,
            nov17_utc(70),
        )],
    )
    .await;
    assert_eq!(
        texts(
            &pg,
            "SELECT (SELECT points::text FROM sleeper.player_week_points
                     WHERE league_id = '3' AND week = 11 AND player_id = '3199'),
                    (SELECT optimal_points::text FROM sleeper.lineup_efficiency
                     WHERE league_id = '3' AND week = 11 AND roster_id = 1)"
        )
        .await,
        [row(&["14.00", "10.0"])]
    );
    // And a new players snapshot: W1 listed as a running back no longer fits
    // REC_FLEX, so T1 (8.0) is the best there is.
    let players = json!({
        "W1": {"player_id": "W1", "position": "RB", "fantasy_positions": ["RB"]},
        "T1": {"player_id": "T1", "position": "TE", "fantasy_positions": ["TE"]}
    });
    project_live(
        &env,
        &env.vars(),
        &[event(
            Kind::Players,
            "players/nfl",
            None,
            players.to_string().as_bytes(),
            nov17_utc(71),
        )],
    )
    .await;
    assert_eq!(
        texts(
            &pg,
            "SELECT optimal_points::text, points_left_on_bench::text FROM sleeper.lineup_efficiency
             WHERE league_id = '3' AND week = 11 AND roster_id = 1"
        )
        .await,
        [row(&["8.0", "-4.0"])]
    );
}

/// The positions a slot accepts — written out again here, from the list of
/// slots in docs/design.md, as the reference's own table.
fn accepts(slot: &str, position: &str) -> bool {
    let list: &[&str] = match slot {
        "FLEX" => &["RB", "WR", "TE"],
        "SUPER_FLEX" => &["QB", "RB", "WR", "TE"],
        "REC_FLEX" => &["WR", "TE"],
        "WRRB_FLEX" => &["WR", "RB"],
        "DL" => &["DL", "DE", "DT"],
        "LB" => &["LB", "ILB", "OLB"],
        "DB" => &["DB", "CB", "S", "SS", "FS"],
        "IDP_FLEX" => &[
            "DL", "DE", "DT", "LB", "ILB", "OLB", "DB", "CB", "S", "SS", "FS",
        ],
        "BN" | "IR" | "TAXI" => &[],
        other => return other == position,
    };
    list.contains(&position)
}

/// Brute force: every way to give each slot one fitting unused player or
/// nobody; the greatest total (hundredths).
fn brute_force(slots: &[&str], players: &[(Vec<&str>, i64)]) -> i64 {
    fn go(i: usize, used: u32, slots: &[&str], players: &[(Vec<&str>, i64)]) -> i64 {
        if i == slots.len() {
            return 0;
        }
        let mut best = go(i + 1, used, slots, players);
        for (j, (positions, points)) in players.iter().enumerate() {
            if used & (1 << j) == 0 && positions.iter().any(|p| accepts(slots[i], p)) {
                best = best.max(points + go(i + 1, used | (1 << j), slots, players));
            }
        }
        best
    }
    go(0, 0, slots, players)
}

const SLOTS: &[&str] = &[
    "QB",
    "RB",
    "WR",
    "TE",
    "K",
    "DEF",
    "FLEX",
    "SUPER_FLEX",
    "REC_FLEX",
    "WRRB_FLEX",
    "DL",
    "LB",
    "DB",
    "IDP_FLEX",
    "BN",
    "IR",
    "TAXI",
];
const POSITIONS: &[&str] = &[
    "QB", "RB", "WR", "TE", "K", "DEF", "DL", "LB", "DB", "DE", "CB", "OLB", "S",
];

#[test]
fn optimal_lineup_equals_brute_force_on_random_rosters() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_env, pg) = rt.block_on(async {
        let env = TestEnv::migrated("analytics_lineups").await;
        let pg = env.pg().await;
        (env, pg)
    });
    let roster = (
        prop::collection::vec(prop::sample::select(SLOTS), 0..=10),
        prop::collection::vec(
            (
                prop::collection::vec(prop::sample::select(POSITIONS), 0..=3),
                // Hundredths, few distinct values so ties are common.
                prop::sample::select(vec![-250i64, 0, 150, 800, 800, 1210, 2000, 3475]),
            ),
            0..=15,
        ),
    );
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    let checked = std::cell::Cell::new(0u32);
    runner
        .run(&roster, |(slots, players)| {
            let expected = brute_force(&slots, &players);
            let scoring: Vec<(usize, &str)> = slots
                .iter()
                .enumerate()
                .filter(|(_, s)| !matches!(**s, "BN" | "IR" | "TAXI"))
                .map(|(i, s)| (i, *s))
                .collect();
            let mut order: Vec<usize> = (0..players.len()).collect();
            order.sort_by_key(|j| (-players[*j].1, format!("p{j:02}")));
            let ids: Vec<String> = order.iter().map(|j| format!("p{j:02}")).collect();
            let positions: Value = order.iter().map(|j| json!(players[*j].0)).collect();
            let points: Vec<String> = order
                .iter()
                .map(|j| format!("{:.2}", players[*j].1 as f64 / 100.0))
                .collect();
            let accepts: Value = scoring
                .iter()
                .map(|(_, s)| {
                    let a: Vec<&str> = POSITIONS
                        .iter()
                        .chain(["DT", "ILB", "SS", "FS"].iter())
                        .filter(|p| self::accepts(s, p))
                        .copied()
                        .collect();
                    json!(a)
                })
                .collect();
            let indexes: Vec<i32> = scoring.iter().map(|(i, _)| *i as i32).collect();
            let names: Vec<&str> = scoring.iter().map(|(_, s)| *s).collect();
            let rows = rt
                .block_on(pg.query(
                    "SELECT slot_index, slot, player_id, (points * 100)::bigint
                     FROM sleeper.optimal_lineup($1, $2, $3::text::jsonb, $4, $5::text::jsonb, $6::text[]::numeric[])",
                    &[&indexes, &names, &accepts.to_string(), &ids, &positions.to_string(), &points],
                ))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut total = 0i64;
            let mut seated = std::collections::HashSet::new();
            // One row per scoring slot, in slot order; empty ones have no player.
            let got: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
            prop_assert_eq!(got, indexes.clone());
            for r in &rows {
                let (slot_index, slot, player, pts): (i32, String, Option<String>, Option<i64>) =
                    (r.get(0), r.get(1), r.get(2), r.get(3));
                prop_assert_eq!(slots[slot_index as usize], slot.as_str());
                let (Some(player), Some(pts)) = (player, pts) else {
                    continue;
                };
                prop_assert!(seated.insert(player.clone()), "{} seated twice", player);
                let j: usize = player[1..].parse().unwrap();
                prop_assert!(players[j].0.iter().any(|p| self::accepts(&slot, p)));
                prop_assert_eq!(players[j].1, pts);
                total += pts;
            }
            prop_assert_eq!(total, expected, "slots {:?} players {:?}", slots, players);
            checked.set(checked.get() + 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(checked.get(), 2000);
}

/// When projections of a game on `date` stop counting, by the rule of
/// docs/design.md ("Lineups"): 20:00 ET on Thursday and Monday, 13:00 on
/// Sunday, else midnight.
fn kickoff_cutoff_ms(date: &str) -> i64 {
    use chrono::Datelike;
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("a date");
    let hour = match d.weekday() {
        chrono::Weekday::Thu | chrono::Weekday::Mon => 20,
        chrono::Weekday::Sun => 13,
        _ => 0,
    };
    sleeper_sim::calendar::et_to_ms(d.and_hms_opt(hour, 0, 0).expect("a time"))
}

/// Hundredths by the rule of docs/design.md ("Scoring"): Σ value × weight
/// as the JSON writes them, exactly (decimal, not f64: projected values are
/// not halves, so float sums land on either side of a rounding tie),
/// rounded half up.
fn exact_hundredths(stats: &Value, scoring: &Value) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let dec = |v: &Value| {
        v.as_number()
            .and_then(|n| Decimal::from_str(&n.to_string()).ok())
    };
    let sum: Decimal = stats
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some(dec(v)? * dec(&scoring[k])?))
        .sum();
    (sum * Decimal::ONE_HUNDRED + Decimal::new(5, 1))
        .floor()
        .to_i64()
        .expect("points in range")
}

/// (league, week, player) → projected hundredths as of kickoff, in plain
/// code over the raw projection, schedule and league snapshots.
fn reference_projected(
    events: &[Envelope],
    newest: &BTreeMap<String, &Envelope>,
) -> HashMap<(String, i32, String), i64> {
    let mut game_dates: HashMap<(i64, String), String> = HashMap::new();
    for (scope, e) in newest {
        if scope.starts_with("schedule/nfl/regular/") {
            for g in body(e).as_array().unwrap() {
                let date = g["date"].as_str().unwrap().to_string();
                for team in ["home", "away"] {
                    let t = g[team].as_str().unwrap().to_string();
                    game_dates.insert((g["week"].as_i64().unwrap(), t), date.clone());
                }
            }
        }
    }
    // (week, player) → (fetched_at, stats) of the newest sample before kickoff.
    let mut at_kickoff: HashMap<(i32, String), (i64, Value)> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == Kind::NflProjections) {
        let week: i32 = e.scope.rsplit('/').next().unwrap().parse().unwrap();
        for row in body(e).as_array().unwrap() {
            let player = row["player_id"].as_str().unwrap().to_string();
            let date = row["date"].as_str().map(str::to_string).or_else(|| {
                let team = row["team"].as_str()?.to_string();
                game_dates.get(&(i64::from(week), team)).cloned()
            });
            let Some(date) = date else { continue };
            if e.fetched_at_ms < kickoff_cutoff_ms(&date) {
                let slot = at_kickoff
                    .entry((week, player))
                    .or_insert((i64::MIN, Value::Null));
                if e.fetched_at_ms >= slot.0 {
                    *slot = (e.fetched_at_ms, row["stats"].clone());
                }
            }
        }
    }
    let mut out = HashMap::new();
    for (scope, e) in newest {
        let parts: Vec<&str> = scope.split('/').collect();
        let ["league", league] = parts.as_slice() else {
            continue;
        };
        let scoring = body(e)["scoring_settings"].clone();
        for ((week, player), (_, stats)) in &at_kickoff {
            let points = exact_hundredths(stats, &scoring);
            out.insert((league.to_string(), *week, player.clone()), points);
        }
    }
    out
}

/// A digest of every analytics view, for "the same after replay and rebuild".
async fn analytics_digest(pg: &tokio_postgres::Client) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for view in [
        "player_week_points",
        "player_week_projected_points",
        "projected_vs_actual",
        "lineup_optimal",
        "lineup_efficiency",
        "stat_changes",
        "nfl_games",
        // the all-time views (0005) over the same season
        "head_to_head",
        "records",
        "all_play",
        "season_finishes",
        "manager_careers",
        "standings",
    ] {
        let digest: String = pg
            .scalar(
                &format!(
                    "SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')
                     FROM sleeper.{view} t"
                ),
                &[],
            )
            .await;
        out.push((view.to_string(), digest));
    }
    out
}

/// The newest event of each scope in `events` (the tables' state once idle).
fn newest(events: &[Envelope]) -> BTreeMap<String, &Envelope> {
    let mut out = BTreeMap::new();
    for e in events {
        out.insert(e.scope.clone(), e);
    }
    out
}

fn body(e: &Envelope) -> Value {
    serde_json::from_slice(&e.body).expect("a JSON body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_season_scores_like_sleeper_for_every_rostered_player() {
    let spec = SeasonSpec {
        seed: 16,
        leagues: 12,
        steps: 0,
    };
    let events = scored_season(spec, 18).await;
    let env = TestEnv::migrated("analytics_season").await;
    project_live(&env, &env.vars(), &events).await;
    let pg = env.pg().await;
    // What autovacuum does a minute later: without statistics the planner
    // takes the freshly filled tables for empty ones.
    pg.batch_execute("ANALYZE").await.unwrap();
    // Sleeper's own players_points of every rostered player with a stat line.
    let (checked, mismatches): (i64, i64) = {
        let r = pg
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE p.points IS DISTINCT FROM mp.points)
                 FROM sleeper.matchup_players mp
                 JOIN sleeper.leagues l ON l.league_id = mp.league_id
                 JOIN sleeper.player_stat_lines s
                   ON s.season = l.season AND s.season_type = 'regular'
                  AND s.week = mp.week AND s.player_id = mp.player_id
                 LEFT JOIN sleeper.player_week_points p
                   ON p.league_id = mp.league_id AND p.week = mp.week AND p.player_id = mp.player_id",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    eprintln!("player_week_points vs players_points: {checked} rostered player-weeks checked, {mismatches} mismatches");
    assert_eq!(mismatches, 0);
    let leagues: i64 = pg
        .scalar(
            "SELECT count(DISTINCT league_id) FROM sleeper.matchups",
            &[],
        )
        .await;
    assert_eq!(leagues, 12);
    let weeks: i64 = pg
        .scalar(
            "SELECT count(DISTINCT week) FROM sleeper.player_stat_lines",
            &[],
        )
        .await;
    assert_eq!(weeks, 18);
    assert!(checked > 12 * 14 * 8 * 9, "{checked} player-weeks");
    // Varied scoring: several receptions weights, IDP and bonus keys.
    let variety: (i64, i64, i64) = {
        let r = pg
            .query_one(
                "SELECT count(DISTINCT points) FILTER (WHERE stat = 'rec'),
                        count(DISTINCT league_id) FILTER (WHERE stat LIKE 'idp_%'),
                        count(DISTINCT league_id) FILTER (WHERE stat LIKE 'bonus_%')
                 FROM sleeper.league_scoring",
                &[],
            )
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert!(
        variety.0 >= 3 && variety.1 >= 1 && variety.2 >= 1,
        "{variety:?}"
    );

    // The reference, in plain code over the newest raw snapshots.
    let newest = newest(&events);
    let players = body(newest["players/nfl"]);
    let mut reference_actual: HashMap<(String, i32, i32), i64> = HashMap::new();
    for (scope, e) in &newest {
        let parts: Vec<&str> = scope.split('/').collect();
        if let ["league", league, "matchups", week] = parts.as_slice() {
            for m in body(e).as_array().unwrap() {
                let pp = &m["players_points"];
                let actual: i64 = m["starters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|p| p.as_str())
                    .filter(|p| *p != "0")
                    .map(|p| (pp[p].as_f64().unwrap_or(0.0) * 100.0).round() as i64)
                    .sum();
                let key = (
                    league.to_string(),
                    week.parse().unwrap(),
                    m["roster_id"].as_i64().unwrap() as i32,
                );
                reference_actual.insert(key, actual);
            }
        }
    }
    let rows = pg
        .query(
            "SELECT league_id, week, roster_id, (actual_points * 100)::bigint,
                    (optimal_points * 100)::bigint
             FROM sleeper.lineup_efficiency",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), reference_actual.len());
    for r in &rows {
        let key: (String, i32, i32) = (r.get(0), r.get(1), r.get(2));
        let (actual, optimal): (i64, i64) = (r.get(3), r.get(4));
        assert_eq!(Some(&actual), reference_actual.get(&key), "{key:?}");
        assert!(
            optimal >= actual,
            "{key:?}: optimal {optimal} < actual {actual}"
        );
    }
    // Projected points as of kickoff, against the plain-code reference.
    let reference = reference_projected(&events, &newest);
    let rows = pg
        .query(
            "SELECT league_id, week, player_id, (points * 100)::bigint
             FROM sleeper.player_week_projected_points",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), reference.len());
    let wrong = rows
        .iter()
        .filter(|r| {
            let key: (String, i32, String) = (r.get(0), r.get(1), r.get(2));
            reference.get(&key) != Some(&r.get::<_, i64>(3))
        })
        .count();
    assert_eq!(wrong, 0, "of {} projected player-weeks", rows.len());
    assert!(
        rows.len() > 12 * 18 * 100,
        "{} projected player-weeks",
        rows.len()
    );
    // Stat corrections: every Friday sample differs from Tuesday's for some lines.
    let corrections: i64 = pg
        .scalar("SELECT count(*) FROM sleeper.stat_corrections", &[])
        .await;
    assert!(corrections > 0);
    // Every seat of every optimal lineup is a slot of the league that the
    // player fits, by the raw players snapshot; no player twice.
    let seats = pg
        .query(
            "SELECT o.league_id, o.week, o.roster_id, o.slot_index, o.slot, o.player_id,
                    l.roster_positions::text
             FROM sleeper.lineup_optimal o JOIN sleeper.leagues l USING (league_id)",
            &[],
        )
        .await
        .unwrap();
    assert!(seats.len() > 1000, "{} seats", seats.len());
    // One row per scoring slot of every roster-week.
    let slots: i64 = pg
        .scalar(
            "SELECT sum(n)::bigint FROM sleeper.matchups m
             JOIN (SELECT league_id, count(*) AS n FROM sleeper.league_lineup_slots
                   GROUP BY league_id) s USING (league_id)",
            &[],
        )
        .await;
    assert_eq!(seats.len() as i64, slots);
    let mut seen = std::collections::HashSet::new();
    for s in &seats {
        let (league, week, roster, index, slot, player, positions): (
            String,
            i32,
            i32,
            i32,
            String,
            Option<String>,
            String,
        ) = (
            s.get(0),
            s.get(1),
            s.get(2),
            s.get(3),
            s.get(4),
            s.get(5),
            s.get(6),
        );
        let positions: Value = serde_json::from_str(&positions).unwrap();
        assert_eq!(positions[index as usize].as_str(), Some(slot.as_str()));
        let Some(player) = player else {
            continue;
        };
        let fits = players[&player]["fantasy_positions"]
            .as_array()
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.as_str().is_some_and(|p| accepts(&slot, p)))
            });
        assert!(fits, "{player} in {slot}");
        assert!(
            seen.insert((league, week, roster, player.clone())),
            "{player} twice"
        );
    }

    // The same after replay and after rebuild.
    let before = analytics_digest(&pg).await;
    for (view, digest) in &before {
        if ["head_to_head", "all_play", "manager_careers"].contains(&view.as_str()) {
            assert!(!digest.starts_with("0:"), "{view} has rows");
        }
    }
    let vars = env.vars();
    let out = Bin::consumer().run(&["replay", "--from", "1970-01-01T00:00:00Z"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(analytics_digest(&pg).await, before, "after replay");
    let out = Bin::consumer().run(&["rebuild"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(analytics_digest(&pg).await, before, "after rebuild");
}
