//! The all-time read models (migrations/projection/0004–0007) against an
//! independent reference model (`chain_reference/model.rs`: plain Rust over
//! the raw JSON bodies, never the tables) on simulated ten-season,
//! twelve-team league chains whose seasons vary as a long-lived league's do
//! (`GenConfig::varied_seasons`): median games, a final over two weeks and
//! a season of two-week rounds, toilet bowls and consolation brackets (and
//! seasons that do not say which), orphaned rosters, renamed members, and
//! picks of the next two seasons traded (again, in a later season's league
//! too, and back) and drafted by their new owner. Two such chains share a pool of members; their newest seasons
//! are seen mid-playoffs, so the NFL state makes the current week
//! provisional. Every view is compared row for row, every column; the
//! rosters' own records must equal what the settled results add up to;
//! and the views read the same after replay and rebuild (docs/design.md
//! rule 10).

mod model;

use serde_json::Value;
use sleeper_shared::{Envelope, Kind};
use sleeper_tests::harness::season::league_chains;
use sleeper_tests::harness::{Bin, TestEnv};

use self::model::Input;
use crate::all_time::assert_derived_current;
use crate::rebuild::project_live;

/// Each row of a view as the model prints it: the columns as text joined
/// by " | ", NULL as "∅" (numbers already through trim_scale), sorted.
async fn view(pg: &tokio_postgres::Client, view: &str, columns: &[&str]) -> Vec<String> {
    let cells: Vec<String> = columns
        .iter()
        .map(|c| format!("coalesce(({c})::text, '∅')"))
        .collect();
    let sql = format!(
        "SELECT concat_ws(' | ', {}) FROM sleeper.{view}",
        cells.join(", ")
    );
    let mut rows: Vec<String> = pg
        .query(&sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|r| r.get(0))
        .collect();
    rows.sort();
    rows
}

/// Rows only the view has and rows only the model has, at most 15 each.
fn diff(got: &[String], want: &[String]) -> String {
    let extra: Vec<&String> = got.iter().filter(|r| !want.contains(r)).take(15).collect();
    let missing: Vec<&String> = want.iter().filter(|r| !got.contains(r)).take(15).collect();
    format!(
        "{} rows in the view, {} in the model\n  only in the view:\n    {}\n  only in the model:\n    {}",
        got.len(),
        want.len(),
        extra
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n    "),
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n    ")
    )
}

/// A view's columns, as compared.
const LEAGUE_CHAINS: &[&str] = &["chain_id", "league_id", "season", "depth"];
const CHAIN_MANAGERS: &[&str] = &["chain_id", "manager_id", "display_name", "team_name"];
const MATCHUP_RESULTS: &[&str] = &[
    "league_id",
    "week",
    "roster_id",
    "manager_id",
    "opponent_roster_id",
    "trim_scale(points)",
    "trim_scale(opponent_points)",
    "result",
    "trim_scale(margin)",
    "is_median",
    "is_playoff",
    "is_provisional",
    "bracket",
    "bracket_round",
    "decides_place",
];
const CHAIN_GAMES: &[&str] = &[
    "chain_id",
    "league_id",
    "season",
    "week",
    "weeks",
    "roster_id",
    "manager_id",
    "opponent_roster_id",
    "opponent_id",
    "trim_scale(points)",
    "trim_scale(opponent_points)",
    "result",
    "trim_scale(margin)",
    "is_median",
    "is_playoff",
    "is_provisional",
];
const HEAD_TO_HEAD: &[&str] = &[
    "chain_id",
    "phase",
    "manager_id",
    "opponent_id",
    "games",
    "wins",
    "losses",
    "ties",
    "trim_scale(points_for)",
    "trim_scale(points_against)",
];
const RECORDS: &[&str] = &[
    "chain_id",
    "record",
    "trim_scale(value)",
    "league_id",
    "season",
    "week",
    "manager_id",
    "opponent_id",
];
const ALL_PLAY: &[&str] = &[
    "league_id",
    "season",
    "roster_id",
    "manager_id",
    "wins",
    "losses",
    "ties",
    "actual_wins",
    "trim_scale(luck)",
    "actual_ties",
    "h2h_games",
    "trim_scale(win_share)",
];
const SEASON_FINISHES: &[&str] = &[
    "league_id",
    "season",
    "roster_id",
    "manager_id",
    "place",
    "is_champion",
];
const MANAGER_CAREERS: &[&str] = &[
    "chain_id",
    "manager_id",
    "seasons",
    "titles",
    "playoff_appearances",
    "wins",
    "losses",
    "ties",
    "trim_scale(points_for)",
    "trim_scale(points_against)",
    "best_finish",
];
const PICK_OWNERSHIP: &[&str] = &[
    "chain_id",
    "season",
    "round",
    "original_roster_id",
    "owner_roster_id",
    "since_transaction_id",
    "move",
    "is_current",
    "from_roster_id",
    "league_id",
    "(extract(epoch FROM moved_at) * 1000)::bigint",
    "traded_picks_owner_id",
    "pick_no",
    "player_id",
];

/// Every all-time view against the model; the failures of all of them,
/// not just the first.
async fn compare(pg: &tokio_postgres::Client, input: &Input) -> Vec<String> {
    let games = model::games(input);
    let checks: Vec<(&str, &[&str], Vec<String>)> = vec![
        ("league_chains", LEAGUE_CHAINS, model::league_chains(input)),
        (
            "chain_managers",
            CHAIN_MANAGERS,
            model::chain_managers(input),
        ),
        (
            "matchup_results",
            MATCHUP_RESULTS,
            model::matchup_results(input),
        ),
        ("chain_games", CHAIN_GAMES, model::chain_games(&games)),
        ("head_to_head", HEAD_TO_HEAD, model::head_to_head(&games)),
        ("records", RECORDS, model::records(input, &games)),
        ("all_play", ALL_PLAY, model::all_play(input)),
        (
            "manager_careers",
            MANAGER_CAREERS,
            model::manager_careers(input, &games),
        ),
        (
            "pick_ownership",
            PICK_OWNERSHIP,
            model::pick_ownership(input),
        ),
    ];
    let mut failures = Vec::new();
    for (name, columns, want) in checks {
        assert!(!want.is_empty(), "the model has no {name} rows");
        let got = view(pg, name, columns).await;
        eprintln!("chain_reference: {name}: {} rows", got.len());
        if got != want {
            failures.push(format!(
                "{name} differs from the model: {}",
                diff(&got, &want)
            ));
        }
    }
    // Final places: told apart from the winners bracket alone, so a
    // projection without the losers bracket's places says so plainly.
    let got = view(pg, "season_finishes", SEASON_FINISHES).await;
    let want = model::season_finishes(input, true);
    if got != want {
        let winners_only = model::season_finishes(input, false);
        failures.push(if got == winners_only {
            "season_finishes places no roster from the losers bracket (settings.loser_bracket_type \
             0 = toilet bowl, 1 = consolation): the winners-bracket places all match; the \
             losers-bracket rule is model::losers_bracket_places"
                .to_string()
        } else {
            format!(
                "season_finishes differs from the model: {}",
                diff(&got, &want)
            )
        });
    }
    failures
}

/// The simulated chain has what the test is about: each kind of season
/// and of roster (else the comparison proves less than it claims).
fn assert_varied(input: &Input, events: &[Envelope]) {
    let leagues: Vec<&model::League> = input.leagues.values().collect();
    assert_eq!(leagues.len(), 20, "two chains of ten seasons");
    let settings =
        |key: &str| -> Vec<Option<i64>> { leagues.iter().map(|l| l.setting(key)).collect() };
    assert!(
        settings("league_average_match").contains(&Some(1)),
        "a median league"
    );
    assert!(
        settings("league_average_match").contains(&Some(0)),
        "a league without"
    );
    for t in [0, 1, 2] {
        assert!(
            settings("playoff_round_type").contains(&Some(t)),
            "playoff_round_type {t}"
        );
    }
    for t in [Some(0), Some(1), None] {
        assert!(
            settings("loser_bracket_type").contains(&t),
            "loser_bracket_type {t:?}"
        );
    }
    assert!(
        leagues.iter().all(|l| l.rosters.len() == 12),
        "twelve rosters every season"
    );
    assert!(
        leagues
            .iter()
            .any(|l| l.rosters.iter().any(|r| r.owner.is_none())),
        "an orphaned roster"
    );
    assert!(
        leagues
            .iter()
            .all(|l| !l.losers.is_empty() && !l.winners.is_empty()),
        "both brackets every season"
    );
    // A member whose display name changes between seasons.
    let mut names: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for e in events.iter().filter(|e| e.kind == Kind::Users) {
        let body: Value = serde_json::from_slice(&e.body).expect("users");
        for u in body.as_array().into_iter().flatten() {
            names
                .entry(u["user_id"].as_str().unwrap_or_default().to_string())
                .or_default()
                .insert(u["display_name"].as_str().unwrap_or_default().to_string());
        }
    }
    assert!(
        names.values().filter(|n| n.len() > 1).count() >= 2,
        "renamed members"
    );
    // Next-season picks traded, and drafted by their new owner.
    let traded: usize = events
        .iter()
        .filter(|e| e.kind == Kind::Transactions)
        .map(|e| {
            let body: Value = serde_json::from_slice(&e.body).expect("transactions");
            body.as_array()
                .into_iter()
                .flatten()
                .map(|t| t["draft_picks"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        })
        .sum();
    assert!(traded >= 5, "picks traded: {traded}");
    let mut slots: std::collections::BTreeMap<String, Value> = Default::default();
    for e in events.iter().filter(|e| e.kind == Kind::Draft) {
        let body: Value = serde_json::from_slice(&e.body).expect("draft");
        slots.insert(
            body["draft_id"].as_str().unwrap_or_default().to_string(),
            body["slot_to_roster_id"].clone(),
        );
    }
    let by_new_owner = events
        .iter()
        .filter(|e| e.kind == Kind::DraftPicks)
        .flat_map(|e| {
            serde_json::from_slice::<Value>(&e.body)
                .expect("picks")
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|p| {
            let slot =
                &slots[p["draft_id"].as_str().unwrap_or_default()][p["draft_slot"].to_string()];
            slot != &p["roster_id"]
        })
        .count();
    assert!(
        by_new_owner >= 2,
        "picks made by a new owner: {by_new_owner}"
    );

    // What the views make of it, in the model: two-week games, a pick
    // traded more than once and one drafted, losers-bracket places of
    // both kinds of bracket.
    let games = model::games(input);
    assert!(
        games
            .iter()
            .any(|g| g.weeks == 2 && g.opponent_roster_id.is_some()),
        "a game over two weeks"
    );
    assert!(
        games.iter().any(|g| g.is_provisional) && games.iter().any(|g| !g.is_provisional),
        "provisional weeks and settled ones"
    );
    assert!(
        leagues
            .iter()
            .any(|l| l.winners.iter().any(|g| g.t1.is_some() && g.w.is_none())),
        "a bracket game still to be decided"
    );
    let picks = model::pick_ownership(input);
    let moved_again = picks
        .iter()
        .filter(|r| r.split(" | ").nth(6) != Some("1"))
        .count();
    assert!(moved_again >= 1, "a pick traded twice: {picks:#?}");
    let mut leagues_of_pick: std::collections::BTreeMap<
        Vec<&str>,
        std::collections::BTreeSet<&str>,
    > = Default::default();
    for r in &picks {
        let cells: Vec<&str> = r.split(" | ").collect();
        leagues_of_pick
            .entry(cells[..4].to_vec())
            .or_default()
            .insert(cells[9]);
    }
    assert!(
        leagues_of_pick.values().any(|l| l.len() > 1),
        "a pick traded in two seasons' leagues: {picks:#?}"
    );
    assert!(
        picks.iter().any(|r| r.split(" | ").nth(12) != Some("∅")),
        "a traded pick drafted: {picks:#?}"
    );
    for kind in [0, 1] {
        let placed_by_losers = leagues
            .iter()
            .filter(|l| l.setting("loser_bracket_type") == Some(kind))
            .any(|l| !model::places(l).1.is_empty());
        assert!(
            placed_by_losers,
            "places from a loser_bracket_type {kind} bracket"
        );
    }
}

/// The body of the envelope of `scope`, to edit; written back by `put`.
fn body(events: &[Envelope], scope: &str) -> (usize, Value) {
    let i = events
        .iter()
        .position(|e| e.scope == scope)
        .unwrap_or_else(|| panic!("no {scope}"));
    (i, serde_json::from_slice(&events[i].body).expect("a body"))
}

fn put(events: &mut [Envelope], (i, v): (usize, Value)) {
    events[i].body = serde_json::to_vec(&v).expect("json");
}

/// Rows the simulator rarely or never sends, edited into its bodies (the
/// model reads the same edited bodies): a regular-season tie (the rosters'
/// records edited to match, as Sleeper's would), a playoff tie, the
/// commissioner's custom_points on a playoff row, and a row without points
/// in the first week of a two-week round.
fn perturb(events: &mut [Envelope]) {
    let leagues: Vec<(String, i64, Value)> = events
        .iter()
        .filter(|e| e.kind == Kind::League)
        .map(|e| {
            let v: Value = serde_json::from_slice(&e.body).expect("league");
            let season = v["season"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            (
                v["league_id"].as_str().unwrap_or_default().to_string(),
                season,
                v["settings"].clone(),
            )
        })
        .collect();
    let oldest = leagues.iter().map(|l| l.1).min().expect("leagues");
    let of = |pred: &dyn Fn(i64, &Value) -> bool| -> (String, i64) {
        let l = leagues
            .iter()
            .filter(|l| pred(l.1, &l.2))
            .min_by_key(|l| (l.1, l.0.clone()))
            .expect("a league to edit");
        (
            l.0.clone(),
            l.2["playoff_week_start"].as_i64().expect("playoffs"),
        )
    };
    // A tie in week 1 of the oldest season: the winner's W and the loser's
    // L become T in the rosters too.
    let (first, ps) = of(&|season, _| season == oldest);
    let mut week = body(events, &format!("league/{first}/matchups/1"));
    let rows = week.1.as_array_mut().expect("rows");
    let a = rows
        .iter()
        .position(|r| r["matchup_id"].is_u64())
        .expect("a game");
    let b = (0..rows.len())
        .find(|&j| j != a && rows[j]["matchup_id"] == rows[a]["matchup_id"])
        .expect("its opponent");
    let (pa, pb) = (
        rows[a]["points"].as_f64().unwrap(),
        rows[b]["points"].as_f64().unwrap(),
    );
    assert_ne!(pa, pb, "not already a tie");
    let (winner, loser) = if pa > pb { (a, b) } else { (b, a) };
    let high = rows[winner]["points"].clone();
    rows[loser]["points"] = high;
    let (w_id, l_id) = (
        rows[winner]["roster_id"].clone(),
        rows[loser]["roster_id"].clone(),
    );
    put(events, week);
    let mut rosters = body(events, &format!("league/{first}/rosters"));
    for r in rosters.1.as_array_mut().expect("rosters") {
        let key = if r["roster_id"] == w_id {
            "wins"
        } else if r["roster_id"] == l_id {
            "losses"
        } else {
            continue;
        };
        let s = &mut r["settings"];
        s[key] = Value::from(s[key].as_i64().unwrap() - 1);
        s["ties"] = Value::from(s["ties"].as_i64().unwrap() + 1);
    }
    put(events, rosters);
    // The same season's first playoff week: a tie, and custom_points.
    let mut week = body(events, &format!("league/{first}/matchups/{ps}"));
    let rows = week.1.as_array_mut().expect("rows");
    let games: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i]["matchup_id"].is_u64())
        .collect();
    let tie = rows[games[0]]["matchup_id"].clone();
    let points = rows[games[0]]["points"].clone();
    for &i in &games {
        if rows[i]["matchup_id"] == tie {
            rows[i]["points"] = points.clone();
        }
    }
    let other = *games
        .iter()
        .find(|&&i| rows[i]["matchup_id"] != tie)
        .expect("another game");
    rows[other]["custom_points"] =
        serde_json::json!(rows[other]["points"].as_f64().unwrap() + 50.5);
    put(events, week);
    // Every round over two weeks: a row without points in its first week.
    let (two_week, ps) = of(&|_, s| s["playoff_round_type"] == 2);
    let mut week = body(events, &format!("league/{two_week}/matchups/{ps}"));
    let rows = week.1.as_array_mut().expect("rows");
    let i = rows
        .iter()
        .position(|r| r["matchup_id"].is_u64())
        .expect("a game");
    rows[i]["points"] = Value::Null;
    put(events, week);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_time_views_match_the_reference_model_over_ten_varied_seasons() {
    let started = std::time::Instant::now();
    // Two chains (members drawn from one pool), the newest seasons in
    // their second playoff week: Sunday evening, games under way.
    let mut events = league_chains(17, 2, 10, Some(16)).await;
    perturb(&mut events);
    let input = Input::read(&events);
    assert_varied(&input, &events);

    // Sleeper's own records: the regular-season results, median games
    // included, add up to every roster's wins, losses and ties.
    for (league, roster, from_results, sleeper) in model::standings_from_results(&input) {
        assert_eq!(
            from_results, sleeper,
            "league {league} roster {roster}: results (W, L, T) vs the roster's record"
        );
    }

    let env = TestEnv::migrated("chain_reference").await;
    let vars = env.vars();
    project_live(&env, &vars, &events).await;
    assert_eq!(env.dlq_len().await, 0, "no dead letters");
    let pg = env.pg().await;
    assert_derived_current(&pg, "after live projection").await;

    // The same check on the projected tables: matchup_results' regular
    // season against the rosters table.
    let differ: i64 = pg
        .query_one(
            "SELECT count(*) FROM sleeper.rosters r
             LEFT JOIN LATERAL (
                 SELECT count(*) FILTER (WHERE m.result = 'W') AS w,
                        count(*) FILTER (WHERE m.result = 'L') AS l,
                        count(*) FILTER (WHERE m.result = 'T') AS t
                 FROM sleeper.matchup_results m
                 WHERE m.league_id = r.league_id AND m.roster_id = r.roster_id
                   AND m.is_playoff IS NOT TRUE AND NOT m.is_provisional
             ) x ON true
             WHERE (x.w, x.l, x.t) IS DISTINCT FROM (r.wins::bigint, r.losses::bigint, r.ties::bigint)",
            &[],
        )
        .await
        .expect("standings")
        .get(0);
    assert_eq!(differ, 0, "rosters whose record is not their results'");

    let failures = compare(&pg, &input).await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));

    // Functions of the base tables: identical after replay and rebuild.
    let before = snapshot(&pg).await;
    let out = Bin::consumer().run(&["replay", "--from", "1970-01-01T00:00:00Z"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(snapshot(&pg).await, before, "after replay");
    let out = Bin::consumer().run(&["rebuild"], &vars);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(snapshot(&pg).await, before, "after rebuild");
    assert_derived_current(&pg, "after rebuild").await;
    eprintln!("chain_reference: {:?}", started.elapsed());
}

/// Every compared view's rows.
async fn snapshot(pg: &tokio_postgres::Client) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (name, columns) in [
        ("league_chains", LEAGUE_CHAINS),
        ("chain_managers", CHAIN_MANAGERS),
        ("matchup_results", MATCHUP_RESULTS),
        ("chain_games", CHAIN_GAMES),
        ("head_to_head", HEAD_TO_HEAD),
        ("records", RECORDS),
        ("all_play", ALL_PLAY),
        ("season_finishes", SEASON_FINISHES),
        ("manager_careers", MANAGER_CAREERS),
        ("pick_ownership", PICK_OWNERSHIP),
    ] {
        out.push(view(pg, name, columns).await);
    }
    out
}
