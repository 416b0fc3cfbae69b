//! Results and ledgers end to end: the made-up cases of
//! `tests/fixtures/cases/` appended as events, projected by the consumer
//! binary, and the values their README lists read back from Postgres — the
//! transaction ledgers, the generated columns (`rosters.eliminated_week`,
//! `draft_picks.amount`) and the view `matchup_results` (median games
//! included). Row-by-row checks of the projections themselves are in
//! `consumer/src/project/tests/cases.rs`.

use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::events::{envelope, state};
use sleeper_tests::harness::fixtures::fixture;
use sleeper_tests::harness::{Scalar, TestEnv};

use crate::rebuild::project_live;

/// Cases 01 and 02 (a guillotine league).
const GUILLOTINE: &str = "1291000000000000000";
/// Case 03.
const TRADES: &str = "1292000000000000000";
/// Case 05, whose league row is never sent.
const CUSTOM: &str = "1293000000000000000";
/// Case 04, with a league row (playoffs from week 15) and some rosters.
const PLAYOFF: &str = "1294000000000000000";
/// Case 09's draft.
const AUCTION: &str = "1295000000000000500";
/// The median-game league.
const MEDIAN: &str = "1296000000000000000";

/// `tests/fixtures/cases/<name>.json`.
fn case(name: &str) -> Vec<u8> {
    fixture(&format!("cases/{name}"))
}

fn league(league_id: &str, settings: serde_json::Value) -> Envelope {
    let body = serde_json::json!({
        "league_id": league_id, "season": "2025", "sport": "nfl", "status": "in_season",
        "settings": settings,
    });
    envelope(
        Kind::League,
        &format!("league/{league_id}"),
        Some(league_id),
        &serde_json::to_vec(&body).expect("json"),
    )
}

fn league_event(kind: Kind, league_id: &str, path: &str, body: &[u8]) -> Envelope {
    envelope(
        kind,
        &format!("league/{league_id}/{path}"),
        Some(league_id),
        body,
    )
}

/// Append `events`, project them with the consumer binary until drained,
/// and check nothing was dead-lettered.
async fn project(name: &str, events: &[Envelope]) -> (TestEnv, tokio_postgres::Client) {
    let env = TestEnv::migrated(name).await;
    project_live(&env, &env.vars(), events).await;
    assert_eq!(env.dlq_len().await, 0, "no dead letters");
    let pg = env.pg().await;
    (env, pg)
}

/// One row of `matchup_results`, numbers as exact text (`trim_scale`).
#[derive(Debug, PartialEq)]
struct Row {
    roster: i32,
    manager: String,
    opponent: Option<i32>,
    points: Option<String>,
    opponent_points: Option<String>,
    result: Option<&'static str>,
    margin: Option<String>,
    is_median: bool,
    is_playoff: Option<bool>,
    is_provisional: bool,
}

/// A game row (not a median one) as the cases README states it.
fn game(roster: i32, manager: &str, opponent: Option<(i32, &str)>, points: &str) -> Row {
    Row {
        roster,
        manager: manager.to_string(),
        opponent: opponent.map(|(r, _)| r),
        points: Some(points.to_string()),
        opponent_points: opponent.map(|(_, p)| p.to_string()),
        result: None,
        margin: None,
        is_median: false,
        is_playoff: None,
        is_provisional: false,
    }
}

impl Row {
    fn decided(mut self, result: &'static str, margin: &str) -> Self {
        self.result = Some(result);
        self.margin = Some(margin.to_string());
        self
    }
    fn playoff(mut self, is_playoff: Option<bool>) -> Self {
        self.is_playoff = is_playoff;
        self
    }
    fn provisional(mut self) -> Self {
        self.is_provisional = true;
        self
    }
}

/// A median-game row.
fn median(roster: i32, manager: &str, points: &str, median: &str) -> Row {
    Row {
        opponent: None,
        opponent_points: Some(median.to_string()),
        is_median: true,
        ..game(roster, manager, None, points)
    }
}

/// `matchup_results` of a league-week, by roster, game row before median row.
async fn results(pg: &tokio_postgres::Client, league_id: &str, week: i32) -> Vec<Row> {
    pg.query(
        "SELECT roster_id, manager_id, opponent_roster_id, trim_scale(points)::text,
                trim_scale(opponent_points)::text, result, trim_scale(margin)::text,
                is_median, is_playoff, is_provisional
         FROM sleeper.matchup_results WHERE league_id = $1 AND week = $2
         ORDER BY roster_id, is_median",
        &[&league_id, &week],
    )
    .await
    .expect("matchup_results")
    .iter()
    .map(|r| Row {
        roster: r.get(0),
        manager: r.get(1),
        opponent: r.get(2),
        points: r.get(3),
        opponent_points: r.get(4),
        result: r.get::<_, Option<String>>(5).map(|x| match x.as_str() {
            "W" => "W",
            "L" => "L",
            "T" => "T",
            other => panic!("result {other:?}"),
        }),
        margin: r.get(6),
        is_median: r.get(7),
        is_playoff: r.get(8),
        is_provisional: r.get(9),
    })
    .collect()
}

fn orphan(roster: i32, league_id: &str) -> String {
    format!("orphan:{roster}@{league_id}")
}

/// Cases 01, 02, 03 and 09: the moves, the pick and FAAB ledgers, the week a
/// roster was chopped and the price of an auction pick.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledgers_and_generated_columns_hold_the_cases_values() {
    let events = [
        league_event(
            Kind::Transactions,
            GUILLOTINE,
            "transactions/5",
            &case("01-transactions-guillotine-chopped"),
        ),
        league_event(
            Kind::Rosters,
            GUILLOTINE,
            "rosters",
            &case("02-rosters-guillotine-eliminated"),
        ),
        league_event(
            Kind::Transactions,
            TRADES,
            "transactions/3",
            &case("03-transactions-two-drops-and-pick-homecoming"),
        ),
        envelope(
            Kind::DraftPicks,
            &format!("draft/{AUCTION}/picks"),
            None,
            &case("09-draft-picks-auction-amounts"),
        ),
    ];
    let (_env, pg) = project("results_ledgers", &events).await;

    // Case 01: `chopped` is a type like the others; 4 drops, no adds, no creator.
    let chopped: (String, Option<String>, i32) = {
        let r = pg
            .query_one(
                "SELECT type, creator, leg FROM sleeper.transactions
                 WHERE transaction_id = '1291000000000000101'",
                &[],
            )
            .await
            .expect("the chopped transaction");
        (r.get(0), r.get(1), r.get(2))
    };
    assert_eq!(chopped, ("chopped".to_string(), None, 5));
    let moves: Vec<(String, String, i32)> = pg
        .query(
            "SELECT player_id, action, roster_id FROM sleeper.transaction_moves
             WHERE transaction_id = $1 ORDER BY action, player_id",
            &[&"1291000000000000101"],
        )
        .await
        .expect("moves")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let drop9 = |p: &str| (p.to_string(), "drop".to_string(), 9);
    assert_eq!(
        moves,
        vec![drop9("9101"), drop9("9102"), drop9("9103"), drop9("DAL")]
    );
    let waiver: (i64, String) = {
        let r = pg
            .query_one(
                "SELECT (SELECT count(*) FROM sleeper.transaction_moves m
                         WHERE m.transaction_id = t.transaction_id AND m.roster_id = 4
                           AND ((m.action = 'add' AND m.player_id = '9102')
                             OR (m.action = 'drop' AND m.player_id = '9301'))),
                        t.settings->>'waiver_bid'
                 FROM sleeper.transactions t WHERE transaction_id = '1291000000000000102'",
                &[],
            )
            .await
            .expect("the waiver");
        (r.get(0), r.get(1))
    };
    assert_eq!(waiver, (2, "41".to_string()));

    // Case 02: the week each roster was chopped.
    let eliminated: Vec<(i32, Option<i32>)> = pg
        .query(
            "SELECT roster_id, eliminated_week FROM sleeper.rosters
             WHERE league_id = $1 ORDER BY roster_id",
            &[&GUILLOTINE],
        )
        .await
        .expect("rosters")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(eliminated, vec![(4, None), (9, Some(5)), (11, Some(2))]);
    // ... and `standings` marks them, ranked after the survivor, the later
    // chop first (tests/e2e/all_time.rs checks it against points too).
    let standings: Vec<(i32, i64, Option<i32>)> = pg
        .query(
            "SELECT roster_id, rank, eliminated_week FROM sleeper.standings
             WHERE league_id = $1 ORDER BY rank, roster_id",
            &[&GUILLOTINE],
        )
        .await
        .expect("standings")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        standings,
        vec![(4, 1, None), (9, 2, Some(5)), (11, 3, Some(2))]
    );

    // Case 03: three moves for roster 4; the trade's player, picks and FAAB.
    let fa: i64 = pg
        .scalar(
            "SELECT count(*) FROM sleeper.transaction_moves
             WHERE transaction_id = '1292000000000000201' AND roster_id = 4",
            &[],
        )
        .await;
    assert_eq!(fa, 3);
    let player: Vec<(String, i32)> = pg
        .query(
            "SELECT action, roster_id FROM sleeper.transaction_moves
             WHERE transaction_id = '1292000000000000202' AND player_id = '9501' ORDER BY action",
            &[],
        )
        .await
        .expect("trade moves")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        player,
        vec![("add".to_string(), 10), ("drop".to_string(), 3)]
    );
    let picks: Vec<(String, i32, i32, i32, i32)> = pg
        .query(
            "SELECT season, round, original_roster_id, from_roster_id, to_roster_id
             FROM sleeper.transaction_draft_picks
             WHERE transaction_id = '1292000000000000202' AND league_id = $1 AND leg = 3
             ORDER BY ordinal",
            &[&TRADES],
        )
        .await
        .expect("pick moves")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    assert_eq!(
        picks,
        vec![
            ("2027".to_string(), 1, 3, 10, 3),
            ("2026".to_string(), 3, 7, 3, 10),
        ]
    );
    let faab: Vec<(i32, i32, i32)> = pg
        .query(
            "SELECT from_roster_id, to_roster_id, amount FROM sleeper.transaction_waiver_budget
             WHERE league_id = $1",
            &[&TRADES],
        )
        .await
        .expect("faab")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(faab, vec![(10, 3, 15)]);
    // Afterwards (the latest move of each pick names its holder): roster 3
    // holds exactly one 2027 first, its own; roster 10 holds 7's 2026 third.
    let held: Vec<(i32, String, i32, i32)> = pg
        .query(
            "SELECT to_roster_id, season, round, original_roster_id FROM (
                 SELECT DISTINCT ON (p.season, p.round, p.original_roster_id)
                        p.season, p.round, p.original_roster_id, p.to_roster_id
                 FROM sleeper.transaction_draft_picks p
                 JOIN sleeper.transactions t USING (transaction_id)
                 WHERE p.league_id = $1
                 ORDER BY p.season, p.round, p.original_roster_id,
                          t.status_updated DESC, p.transaction_id DESC, p.ordinal DESC
             ) latest ORDER BY to_roster_id, season",
            &[&TRADES],
        )
        .await
        .expect("holders")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        held,
        vec![
            (3, "2027".to_string(), 1, 3),
            (10, "2026".to_string(), 3, 7)
        ]
    );

    // Case 09: prices from the string metadata.amount, buyers by roster_id.
    let auction: Vec<(i32, i32, Option<i32>, Option<bool>)> = pg
        .query(
            "SELECT pick_no, roster_id, amount, is_keeper FROM sleeper.draft_picks
             WHERE draft_id = $1 ORDER BY pick_no",
            &[&AUCTION],
        )
        .await
        .expect("draft picks")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    assert_eq!(
        auction,
        vec![
            (1, 6, Some(57), None),
            (2, 2, Some(1), None),
            (3, 2, Some(23), None),
            (4, 5, Some(12), Some(true)),
        ]
    );
    let spent: i64 = pg
        .scalar(
            "SELECT sum(amount) FROM sleeper.draft_picks WHERE draft_id = $1 AND roster_id = 2",
            &[&AUCTION],
        )
        .await;
    assert_eq!(spent, 24);
}

/// Cases 04 and 05 through `matchup_results`: byes keep their points with
/// no opponent, the commissioner's points decide, and a league with no
/// league row still has its results (no playoff flag, no median games).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matchup_results_hold_the_cases_values() {
    let owner3 = "800000000000000003";
    let rosters = serde_json::json!([
        {"roster_id": 3, "owner_id": owner3},
        {"roster_id": 5, "owner_id": null},
    ]);
    let events = [
        state(15),
        league(
            PLAYOFF,
            serde_json::json!({"playoff_week_start": 15, "league_average_match": 0}),
        ),
        league_event(
            Kind::Rosters,
            PLAYOFF,
            "rosters",
            &serde_json::to_vec(&rosters).expect("json"),
        ),
        league_event(
            Kind::Matchups,
            PLAYOFF,
            "matchups/15",
            &case("04-matchups-playoff-null-matchup-ids"),
        ),
        // Round 1 of the bracket: 3 v 6 and 4 v 5 (byes for 1 and 2); the
        // consolation bracket's first game, between two others, decides 7th.
        league_event(
            Kind::WinnersBracket,
            PLAYOFF,
            "winners_bracket",
            br#"[{"m":1,"r":1,"t1":3,"t2":6},{"m":2,"r":1,"t1":4,"t2":5},
                 {"m":3,"r":2,"t1":1,"t2":null,"t2_from":{"w":2}}]"#,
        ),
        league_event(
            Kind::LosersBracket,
            PLAYOFF,
            "losers_bracket",
            br#"[{"m":1,"r":1,"t1":7,"t2":8,"p":7}]"#,
        ),
        league_event(
            Kind::Matchups,
            CUSTOM,
            "matchups/3",
            &case("05-matchups-commissioner-custom-points"),
        ),
    ];
    let (_env, pg) = project("results_cases", &events).await;

    // Case 04: 8 rows, exactly two games; playoffs, this very week.
    let o = |r| orphan(r, PLAYOFF);
    let expected: Vec<Row> = vec![
        game(1, &o(1), None, "121.4"),
        game(2, &o(2), None, "98.06"),
        game(3, owner3, Some((6, "99.2")), "104.5").decided("W", "5.3"),
        game(4, &o(4), Some((5, "91.3")), "88.8").decided("L", "-2.5"),
        game(5, &o(5), Some((4, "88.8")), "91.3").decided("W", "2.5"),
        game(6, &o(6), Some((3, "104.5")), "99.2").decided("L", "-5.3"),
        game(7, &o(7), None, "87.5"),
        game(8, &o(8), None, "0"),
    ]
    .into_iter()
    .map(|r| r.playoff(Some(true)).provisional())
    .collect();
    assert_eq!(results(&pg, PLAYOFF, 15).await, expected);
    // The bracket of each game; byes (no matchup_id) have none.
    type Bracket = (i32, Option<String>, Option<i32>, Option<i32>);
    let brackets: Vec<Bracket> = pg
        .query(
            "SELECT roster_id, bracket, bracket_round, decides_place FROM sleeper.matchup_results
             WHERE league_id = $1 AND week = 15 ORDER BY roster_id",
            &[&PLAYOFF],
        )
        .await
        .expect("brackets")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect();
    let w = |r| (r, Some("winners".to_string()), Some(1), None);
    let none = |r| (r, None, None, None);
    assert_eq!(
        brackets,
        [none(1), none(2), w(3), w(4), w(5), w(6), none(7), none(8)]
    );
    // Roster 8's "0" starter slots are empty slots, not players.
    let eight: Vec<String> = pg
        .query(
            "SELECT player_id FROM sleeper.matchup_players
             WHERE league_id = $1 AND week = 15 AND roster_id = 8",
            &[&PLAYOFF],
        )
        .await
        .expect("roster 8")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(eight, vec!["9671".to_string()]);

    // Case 05: custom_points decide; the player lines are not rescaled.
    let o = |r| orphan(r, CUSTOM);
    let expected = vec![
        game(1, &o(1), Some((2, "101.75")), "110").decided("W", "8.25"),
        game(2, &o(2), Some((1, "110")), "101.75").decided("L", "-8.25"),
        game(3, &o(3), Some((6, "133.1")), "134.42").decided("W", "1.32"),
        game(6, &o(6), Some((3, "134.42")), "133.1").decided("L", "-1.32"),
    ];
    assert_eq!(results(&pg, CUSTOM, 3).await, expected);
    let lines: String = pg
        .scalar(
            "SELECT trim_scale(sum(points))::text FROM sleeper.matchup_players
             WHERE league_id = $1 AND week = 3 AND roster_id = 3 AND is_starter",
            &[&CUSTOM],
        )
        .await;
    assert_eq!(lines, "131.42");
}

/// A league playing the league median (`league_average_match` = 1): every
/// regular-season roster-week gets a second row against the week's median
/// of effective points; a week of null matchup ids pairs nobody; playoff
/// weeks have no median game.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn median_games_are_played_against_the_weeks_median() {
    let week1 = serde_json::json!([
        {"roster_id": 1, "matchup_id": 1, "points": 100.0},
        {"roster_id": 2, "matchup_id": 1, "points": 90.0},
        {"roster_id": 3, "matchup_id": 2, "points": 80.0},
        // The commissioner's 95 counts, in the game and in the median.
        {"roster_id": 4, "matchup_id": 2, "points": 70.0, "custom_points": 95.0},
    ]);
    let week2 = serde_json::json!([
        {"roster_id": 1, "matchup_id": null, "points": 60.0},
        {"roster_id": 2, "matchup_id": null, "points": 50.0},
    ]);
    // A score not in yet (null) is in no median; three rows sharing a
    // matchup id are no game.
    let week3 = serde_json::json!([
        {"roster_id": 1, "matchup_id": 1, "points": 100.0},
        {"roster_id": 2, "matchup_id": 1, "points": null},
        {"roster_id": 3, "matchup_id": 2, "points": 80.0},
        {"roster_id": 4, "matchup_id": 2, "points": 90.0},
        {"roster_id": 5, "matchup_id": 2, "points": 85.0},
    ]);
    let week15 = serde_json::json!([
        {"roster_id": 1, "matchup_id": 1, "points": 60.0},
        {"roster_id": 2, "matchup_id": 1, "points": 60.0},
    ]);
    let json = |v: &serde_json::Value| serde_json::to_vec(v).expect("json");
    let events = [
        state(2),
        league(
            MEDIAN,
            serde_json::json!({"playoff_week_start": 15, "league_average_match": 1}),
        ),
        league_event(Kind::Matchups, MEDIAN, "matchups/1", &json(&week1)),
        league_event(Kind::Matchups, MEDIAN, "matchups/2", &json(&week2)),
        league_event(Kind::Matchups, MEDIAN, "matchups/3", &json(&week3)),
        league_event(Kind::Matchups, MEDIAN, "matchups/15", &json(&week15)),
    ];
    let (_env, pg) = project("results_median", &events).await;
    let o = |r| orphan(r, MEDIAN);

    // Median of 80, 90, 95, 100: (90 + 95) / 2 = 92.5.
    let expected: Vec<Row> = vec![
        game(1, &o(1), Some((2, "90")), "100").decided("W", "10"),
        median(1, &o(1), "100", "92.5").decided("W", "7.5"),
        game(2, &o(2), Some((1, "100")), "90").decided("L", "-10"),
        median(2, &o(2), "90", "92.5").decided("L", "-2.5"),
        game(3, &o(3), Some((4, "95")), "80").decided("L", "-15"),
        median(3, &o(3), "80", "92.5").decided("L", "-12.5"),
        game(4, &o(4), Some((3, "80")), "95").decided("W", "15"),
        median(4, &o(4), "95", "92.5").decided("W", "2.5"),
    ]
    .into_iter()
    .map(|r| r.playoff(Some(false)))
    .collect();
    assert_eq!(results(&pg, MEDIAN, 1).await, expected);

    // Null matchup ids are never paired with each other; the median game is
    // still played. nfl_state is at week 2 of the league's season.
    let expected: Vec<Row> = vec![
        game(1, &o(1), None, "60"),
        median(1, &o(1), "60", "55").decided("W", "5"),
        game(2, &o(2), None, "50"),
        median(2, &o(2), "50", "55").decided("L", "-5"),
    ]
    .into_iter()
    .map(|r| r.playoff(Some(false)).provisional())
    .collect();
    assert_eq!(results(&pg, MEDIAN, 2).await, expected);

    // Median of 80, 85, 90, 100 (roster 2's null left out): 87.5. Roster
    // 1's opponent has no score, so the game has no result yet; roster 2's
    // median row has no points. Week 3 is after nfl_state's week 2.
    let unscored = |r: Row| Row { points: None, ..r };
    let expected: Vec<Row> = vec![
        Row {
            opponent_points: None,
            ..game(1, &o(1), Some((2, "")), "100")
        },
        median(1, &o(1), "100", "87.5").decided("W", "12.5"),
        unscored(game(2, &o(2), Some((1, "100")), "")),
        unscored(median(2, &o(2), "", "87.5")),
        game(3, &o(3), None, "80"),
        median(3, &o(3), "80", "87.5").decided("L", "-7.5"),
        game(4, &o(4), None, "90"),
        median(4, &o(4), "90", "87.5").decided("W", "2.5"),
        game(5, &o(5), None, "85"),
        median(5, &o(5), "85", "87.5").decided("L", "-2.5"),
    ]
    .into_iter()
    .map(|r| r.playoff(Some(false)).provisional())
    .collect();
    assert_eq!(results(&pg, MEDIAN, 3).await, expected);

    // Playoffs: no median game; equal points tie. Week 15 is after the
    // current week 2 of the league's season, so it cannot be final yet.
    let expected: Vec<Row> = vec![
        game(1, &o(1), Some((2, "60")), "60").decided("T", "0"),
        game(2, &o(2), Some((1, "60")), "60").decided("T", "0"),
    ]
    .into_iter()
    .map(|r| r.playoff(Some(true)).provisional())
    .collect();
    assert_eq!(results(&pg, MEDIAN, 15).await, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pick_ownership_follows_every_trade_to_the_player_drafted() {
    // Season 2026 of the same chain, with its draft.
    const NEXT: &str = "1292000000000000900";
    const DRAFT: &str = "1292000000000000950";
    let earlier = serde_json::json!([
        {"transaction_id": "1292000000000000101", "type": "trade", "status": "complete",
         "leg": 2, "created": 1758000000000i64, "status_updated": 1758000000000i64,
         "roster_ids": [3, 10], "adds": null, "drops": null, "waiver_budget": [],
         "draft_picks": [{"season": "2027", "round": 1, "roster_id": 3,
                          "previous_owner_id": 3, "owner_id": 10}]},
        {"transaction_id": "1292000000000000102", "type": "trade", "status": "failed",
         "leg": 2, "created": 1758000100000i64, "status_updated": 1758000100000i64,
         "roster_ids": [3, 5], "adds": null, "drops": null, "waiver_budget": [],
         "draft_picks": [{"season": "2026", "round": 3, "roster_id": 7,
                          "previous_owner_id": 3, "owner_id": 5}]}
    ]);
    let traded = serde_json::json!([
        {"season": "2026", "round": 3, "roster_id": 7, "previous_owner_id": 3, "owner_id": 10}
    ]);
    let next = serde_json::json!({"league_id": NEXT, "season": "2026", "sport": "nfl",
        "status": "drafting", "previous_league_id": TRADES, "settings": {}});
    let draft = serde_json::json!({"draft_id": DRAFT, "league_id": NEXT, "season": "2026",
        "status": "complete", "type": "snake", "slot_to_roster_id": {"1": 7, "2": 3}});
    let picks = serde_json::json!([
        {"round": 3, "pick_no": 25, "draft_slot": 1, "roster_id": 10, "player_id": "9601",
         "picked_by": "u10", "is_keeper": null, "metadata": {}},
        {"round": 3, "pick_no": 26, "draft_slot": 2, "roster_id": 3, "player_id": "9602",
         "picked_by": "u3", "is_keeper": null, "metadata": {}}
    ]);
    let json = |v: &serde_json::Value| serde_json::to_vec(v).expect("json");
    let events = [
        league(TRADES, serde_json::json!({})),
        envelope(
            Kind::League,
            &format!("league/{NEXT}"),
            Some(NEXT),
            &json(&next),
        ),
        league_event(
            Kind::Transactions,
            TRADES,
            "transactions/2",
            &json(&earlier),
        ),
        league_event(
            Kind::Transactions,
            TRADES,
            "transactions/3",
            &case("03-transactions-two-drops-and-pick-homecoming"),
        ),
        league_event(Kind::TradedPicks, TRADES, "traded_picks", &json(&traded)),
        envelope(
            Kind::Draft,
            &format!("draft/{DRAFT}"),
            Some(NEXT),
            &json(&draft),
        ),
        envelope(
            Kind::DraftPicks,
            &format!("draft/{DRAFT}/picks"),
            Some(NEXT),
            &json(&picks),
        ),
    ];
    let (_env, pg) = project("results_pick_ownership", &events).await;
    let rows: Vec<Vec<Option<String>>> = pg
        .query(
            "SELECT chain_id, season, round::text, original_roster_id::text, move::text,
                    owner_roster_id::text, since_transaction_id, is_current::text,
                    traded_picks_owner_id::text, pick_no::text, player_id
             FROM sleeper.pick_ownership ORDER BY season, round, original_roster_id, move",
            &[],
        )
        .await
        .expect("pick_ownership")
        .iter()
        .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
        .collect();
    let row = |cells: [&str; 11]| -> Vec<Option<String>> {
        cells
            .iter()
            .map(|c| (*c != "-").then(|| c.to_string()))
            .collect()
    };
    // The failed trade moves nothing. Roster 7's 2026 third went to 10 and
    // became pick 25 (player 9601), as Sleeper's traded_picks agrees; roster
    // 3's 2027 first went to 10 and came home: one move like any other.
    assert_eq!(
        rows,
        [
            row([
                TRADES,
                "2026",
                "3",
                "7",
                "1",
                "10",
                "1292000000000000202",
                "true",
                "10",
                "25",
                "9601"
            ]),
            row([
                TRADES,
                "2027",
                "1",
                "3",
                "1",
                "10",
                "1292000000000000101",
                "false",
                "-",
                "-",
                "-"
            ]),
            row([
                TRADES,
                "2027",
                "1",
                "3",
                "2",
                "3",
                "1292000000000000202",
                "true",
                "-",
                "-",
                "-"
            ]),
        ]
    );
    // Afterwards roster 3 holds exactly one 2027 first, its own.
    let firsts: i64 = pg
        .query_one(
            "SELECT count(*) FROM sleeper.pick_ownership
             WHERE is_current AND owner_roster_id = 3 AND season = '2027' AND round = 1",
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(firsts, 1);
}

/// An 8-team bracket pair: winners 1v4, 2v3, then the final (p 1, won by
/// 1 over 2) and the third-place game (p 3, 3 over 4); losers 5v8, 6v7,
/// then the p 1 game (5 over 6) and the p 3 game (7 over 8).
fn brackets(league_id: &str) -> [Envelope; 2] {
    let games = |list: &[(i32, i32, i32, i32, Option<i32>)]| {
        let rows: Vec<serde_json::Value> = list
            .iter()
            .map(|&(r, m, w, l, p)| {
                serde_json::json!({"r": r, "m": m, "t1": w, "t2": l, "w": w, "l": l, "p": p})
            })
            .collect();
        serde_json::to_vec(&rows).expect("json")
    };
    let winners = games(&[
        (1, 1, 1, 4, None),
        (1, 2, 2, 3, None),
        (2, 3, 1, 2, Some(1)),
        (2, 4, 3, 4, Some(3)),
    ]);
    let losers = games(&[
        (1, 1, 5, 8, None),
        (1, 2, 6, 7, None),
        (2, 3, 5, 6, Some(1)),
        (2, 4, 7, 8, Some(3)),
    ]);
    [
        league_event(Kind::WinnersBracket, league_id, "winners_bracket", &winners),
        league_event(Kind::LosersBracket, league_id, "losers_bracket", &losers),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn season_finishes_read_the_losers_bracket_by_its_kind() {
    const CONSOLATION: &str = "1298000000000000001";
    const TOILET: &str = "1298000000000000002";
    const UNKNOWN: &str = "1298000000000000003";
    let mut events = Vec::new();
    for (id, kind) in [(CONSOLATION, Some(1)), (TOILET, Some(0)), (UNKNOWN, None)] {
        let mut settings = serde_json::json!({"playoff_week_start": 15, "playoff_teams": 4});
        if let Some(k) = kind {
            settings["loser_bracket_type"] = serde_json::json!(k);
        }
        events.push(league(id, settings));
        let rosters: Vec<serde_json::Value> = (1..=8)
            .map(|r| serde_json::json!({"roster_id": r, "owner_id": format!("u{r}")}))
            .collect();
        let rosters = serde_json::to_vec(&rosters).expect("json");
        events.push(league_event(Kind::Rosters, id, "rosters", &rosters));
        events.extend(brackets(id));
    }
    let (_env, pg) = project("results_losers", &events).await;
    let places = |league_id: &'static str| {
        let pg = &pg;
        async move {
            pg.query(
                "SELECT roster_id, place, is_champion FROM sleeper.season_finishes
                 WHERE league_id = $1 ORDER BY roster_id",
                &[&league_id],
            )
            .await
            .expect("season_finishes")
            .iter()
            .map(|r| {
                (
                    r.get::<_, i32>(0),
                    r.get::<_, Option<i32>>(1),
                    r.get::<_, bool>(2),
                )
            })
            .collect::<Vec<_>>()
        }
    };
    let winners = [
        (1, Some(1), true),
        (2, Some(2), false),
        (3, Some(3), false),
        (4, Some(4), false),
    ];
    let with = |losers: [Option<i32>; 4]| {
        let mut all = winners.to_vec();
        all.extend((5..=8).zip(losers).map(|(r, p)| (r, p, false)));
        all
    };
    // Consolation: winners advance, the p 1 game decides 5th and 6th.
    assert_eq!(
        places(CONSOLATION).await,
        with([Some(5), Some(6), Some(7), Some(8)])
    );
    // Toilet bowl: losers advance, the p 1 game's loser is last.
    assert_eq!(
        places(TOILET).await,
        with([Some(7), Some(8), Some(5), Some(6)])
    );
    // Which way the losers bracket runs is unknown: it places no one.
    assert_eq!(places(UNKNOWN).await, with([None, None, None, None]));
}
