//! The weekly stats, projections and schedule served at the root, and how
//! the matchups' points follow from the stats under each league's scoring.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};
use sleeper_sim::calendar::SeasonCalendar;
use sleeper_sim::scoring;
use sleeper_sim::world::LeagueKind;
use sleeper_sim::{start, GenConfig, SimConfig, SimHandle};

use crate::{get_json, get_text, league_of, spawn};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn rows(v: &Value) -> &Vec<Value> {
    v.as_array().expect("an array")
}

fn stats_url(sim: &SimHandle, season: i32, week: u32) -> String {
    format!(
        "{}/stats/nfl/{season}/{week}?season_type=regular",
        sim.root_url()
    )
}

fn projections_url(sim: &SimHandle, season: i32, week: u32) -> String {
    format!(
        "{}/projections/nfl/{season}/{week}?season_type=regular",
        sim.root_url()
    )
}

/// `player_id → stats` of a stats body.
fn by_player(body: &Value) -> HashMap<String, Map<String, Value>> {
    rows(body)
        .iter()
        .map(|r| {
            (
                r["player_id"].as_str().expect("player_id").to_string(),
                r["stats"].as_object().expect("stats").clone(),
            )
        })
        .collect()
}

const ROW_KEYS: [&str; 15] = [
    "player_id",
    "season",
    "season_type",
    "week",
    "sport",
    "category",
    "company",
    "team",
    "opponent",
    "game_id",
    "date",
    "last_modified",
    "updated_at",
    "player",
    "stats",
];

/// `YYYY-MM-DD` of the 2025 season (which ends in 2026).
fn is_date(v: &Value) -> bool {
    v.as_str().is_some_and(|s| {
        let b = s.as_bytes();
        s.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && (s.starts_with("2025-") || s.starts_with("2026-"))
            && s.chars().filter(char::is_ascii_digit).count() == 8
    })
}

#[tokio::test]
async fn stats_rows_have_sleeper_shape_and_quirks() {
    let sim = spawn(61).await;
    let players = get_json(&format!("{}/players/nfl", sim.base_url())).await;
    let players = players.as_object().expect("player map");
    let mut seen_keys: BTreeSet<String> = BTreeSet::new();
    let (mut no_pts, mut negative, mut unknown, mut defences) = (0, 0, 0, 0);
    for week in 1..=9 {
        let body = get_json(&stats_url(&sim, 2025, week)).await;
        assert!(
            rows(&body).len() > 150,
            "week {week}: {}",
            rows(&body).len()
        );
        for r in rows(&body) {
            assert_eq!(keys(r), ROW_KEYS.into_iter().collect(), "{r}");
            assert_eq!(r["season"], "2025");
            assert_eq!(r["season_type"], "regular");
            assert_eq!(r["week"], week);
            assert_eq!(
                (&r["sport"], &r["category"]),
                (&"nfl".into(), &"stat".into())
            );
            assert!(r["game_id"].is_string() && is_date(&r["date"]), "{r}");
            assert!(r["opponent"].is_string() && r["team"].is_string());
            assert!(r["last_modified"].is_i64() && r["updated_at"].is_i64());
            for k in [
                "first_name",
                "last_name",
                "position",
                "fantasy_positions",
                "team",
                "injury_status",
            ] {
                assert!(r["player"].get(k).is_some(), "player lacks {k}: {r}");
            }
            let id = r["player_id"].as_str().expect("id");
            let stats = r["stats"].as_object().expect("stats");
            for (k, v) in stats {
                let v = v.as_f64().expect("numbers");
                assert!(v != 0.0, "{id}: {k} is 0");
                negative += usize::from(v < 0.0);
                seen_keys.insert(k.clone());
            }
            no_pts += usize::from(
                !stats
                    .keys()
                    .any(|k| ["pts_std", "pts_ppr", "pts_half_ppr"].contains(&k.as_str())),
            );
            unknown += usize::from(!players.contains_key(id));
            if r["player"]["position"] == "DEF" {
                defences += 1;
                assert_eq!(
                    r["player_id"], r["team"],
                    "a defence is keyed by its team code"
                );
                let bands = stats.keys().filter(|k| k.starts_with("pts_allow_")).count();
                assert_eq!(bands, 1, "one points-allowed band: {r}");
            }
        }
    }
    assert!(no_pts > 0, "some players played and have no pts_* key");
    assert!(negative > 0, "negative values occur");
    assert!(unknown > 0, "some stat rows are players /players/nfl lacks");
    assert!(defences >= 9 * 28);
    for k in [
        "pass_yd",
        "pass_td",
        "pass_int",
        "rush_yd",
        "rush_td",
        "rec",
        "rec_yd",
        "rec_td",
        "fum_lost",
        "bonus_rec_yd_100",
        "bonus_pass_yd_300",
        "bonus_rush_yd_100",
        "xpm",
        "fgm_40_49",
        "fgmiss",
        "pts_allow_0",
        "pts_allow_14_20",
        "yds_allow_300_349",
        "sack",
        "int",
        "fum_rec",
        "def_td",
        "idp_tkl_solo",
        "idp_sack",
        "pts_ppr",
    ] {
        assert!(seen_keys.contains(k), "no {k} in weeks 1-9");
    }
}

#[tokio::test]
async fn season_type_is_required_and_unplayed_weeks_are_empty() {
    let sim = spawn(62).await;
    let root = sim.root_url();
    for path in ["stats/nfl/2025/9", "projections/nfl/2025/9"] {
        let (status, _) = get_text(&format!("{root}/{path}")).await;
        assert_eq!(status, 400, "{path} without season_type");
        let (status, text) = get_text(&format!("{root}/{path}?season_type=pre")).await;
        assert_eq!((status, text.as_str()), (200, "[]"));
    }
    // The clock is at Sunday 12:55 of week 10: only Thursday's game has a box score.
    let (status, text) = get_text(&stats_url(&sim, 2025, 11)).await;
    assert_eq!((status, text.as_str()), (200, "[]"));
    let week10 = get_json(&stats_url(&sim, 2025, 10)).await;
    let teams: BTreeSet<&str> = rows(&week10)
        .iter()
        .filter_map(|r| r["team"].as_str())
        .collect();
    assert_eq!(teams.len(), 2, "Thursday's two teams: {teams:?}");
    assert_eq!(
        get_text(&format!("{root}/stats/nfl/2025/x?season_type=regular"))
            .await
            .0,
        404
    );
    // Not under /v1, and counted under their own templates.
    assert_eq!(
        get_text(&format!(
            "{}/stats/nfl/2025/9?season_type=regular",
            sim.base_url()
        ))
        .await
        .0,
        404
    );
    let stats = sim.stats();
    assert_eq!(stats.requests_per_endpoint["stats/nfl/{season}/{week}"], 5);
    assert_eq!(stats.responses_per_status["400"], 2);
}

/// A bigger world: more leagues, so more scorings (IDP among them).
async fn many_leagues(seed: u64) -> SimHandle {
    start(SimConfig {
        generate: GenConfig {
            seed,
            leagues: 6,
            seasons: 2..=3,
            ..GenConfig::default()
        },
        speed: 0.0,
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts")
}

/// Checks every matchups row of every league with per-player points against
/// the scoring function over the stats served at the same instant; returns
/// (player checks, of which non-zero, of which IDP players, defences).
async fn check_matchups(
    sim: &SimHandle,
    weeks: impl Fn(i32) -> Vec<u32>,
) -> (usize, usize, usize, usize) {
    let base = sim.base_url();
    let world = sim.world();
    let mut stats_cache: HashMap<(i32, u32), HashMap<String, Map<String, Value>>> = HashMap::new();
    let (mut checked, mut nonzero, mut idp, mut defences) = (0, 0, 0, 0);
    let empty = Map::new();
    for league in &world.leagues {
        let info = get_json(&format!("{base}/league/{}", league.league_id)).await;
        let scoring_settings = info["scoring_settings"]
            .as_object()
            .expect("scoring")
            .clone();
        for week in weeks(league.season) {
            let body = get_json(&format!(
                "{base}/league/{}/matchups/{week}",
                league.league_id
            ))
            .await;
            if let Entry::Vacant(slot) = stats_cache.entry((league.season, week)) {
                let stats = get_json(&stats_url(sim, league.season, week)).await;
                slot.insert(by_player(&stats));
            }
            let stats = &stats_cache[&(league.season, week)];
            for row in rows(&body) {
                let Some(pp) = row["players_points"].as_object() else {
                    continue;
                };
                let players: BTreeSet<&str> = rows(&row["players"])
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(
                    pp.keys().map(String::as_str).collect::<BTreeSet<_>>(),
                    players
                );
                for (player, pts) in pp {
                    let line = stats.get(player).unwrap_or(&empty);
                    let want = scoring::points(line, &scoring_settings);
                    assert_eq!(
                        pts.as_f64(),
                        Some(want),
                        "league {} week {week} player {player}: {line:?}",
                        league.league_id
                    );
                    checked += 1;
                    nonzero += usize::from(want != 0.0);
                    idp += usize::from(line.keys().any(|k| k.starts_with("idp_")) && want != 0.0);
                    defences += usize::from(
                        line.contains_key("pts_allow")
                            || line.keys().any(|k| k.starts_with("pts_allow_")),
                    );
                }
                // Starters' points line up with the starters; the total is their sum.
                let mut hundredths = 0i64;
                for (i, s) in rows(&row["starters"]).iter().enumerate() {
                    let s = s.as_str().expect("starter id");
                    let want = if s == "0" {
                        0.0
                    } else {
                        pp[s].as_f64().expect("points")
                    };
                    assert_eq!(row["starters_points"][i].as_f64(), Some(want));
                    hundredths += (want * 100.0).round() as i64;
                }
                assert_eq!(
                    row["points"].as_f64(),
                    Some(hundredths as f64 / 100.0),
                    "{row}"
                );
            }
        }
    }
    (checked, nonzero, idp, defences)
}

#[tokio::test]
async fn matchups_points_are_each_leagues_scoring_of_the_served_stats() {
    let sim = many_leagues(63).await;
    let world = sim.world();
    // Varied scorings, float32 artefacts and all.
    let mut scorings = BTreeSet::new();
    for l in &world.leagues {
        scorings.insert(serde_json::to_string(&l.scoring.to_json()).expect("json"));
    }
    assert!(scorings.len() >= 4, "{} distinct scorings", scorings.len());
    assert!(world.leagues.iter().any(|l| l.idp), "an IDP league");
    let rec: BTreeSet<String> = world
        .leagues
        .iter()
        .map(|l| l.settings.rec.to_string())
        .collect();
    assert!(rec.len() >= 2, "{rec:?}");

    // Frozen at Sunday 12:55 of week 10: past weeks final (corrections
    // included), week 10 with Thursday's game only.
    let current = world.current_season();
    let (checked, nonzero, idp, defences) = check_matchups(&sim, |season| {
        if season == current {
            (1..=10).collect()
        } else {
            vec![1, 8, 15, 17]
        }
    })
    .await;
    assert!(checked > 5_000, "{checked} players checked");
    assert!(nonzero > checked / 2, "{nonzero} of {checked}");
    assert!(idp > 0 && defences > 0, "IDP {idp}, defences {defences}");

    // During the Sunday games: partial lines, the same identity.
    let cal = SeasonCalendar::new(current, world.config.weeks);
    sim.set_clock(cal.sunday_before_games_ms(10) + 3 * HOUR + 17 * MINUTE, 0.0);
    let (checked, nonzero, _, _) = check_matchups(&sim, |season| {
        if season == current {
            vec![10]
        } else {
            Vec::new()
        }
    })
    .await;
    assert!(checked > 100 && nonzero > 50, "{nonzero} of {checked} live");
}

#[tokio::test]
async fn corrections_move_stats_last_modified_and_matchups() {
    let sim = many_leagues(64).await;
    let world = sim.world();
    let current = world.current_season();
    let cal = SeasonCalendar::new(current, world.config.weeks);
    let week = 8;
    let url = stats_url(&sim, current, week);
    // Monday night's game has just ended: the week is final, not yet corrected.
    sim.set_clock(cal.week_end_ms(week) + MINUTE, 0.0);
    let before = get_json(&url).await;
    let matchups_at = |sim: &SimHandle| {
        let base = sim.base_url();
        let leagues: Vec<String> = world
            .leagues
            .iter()
            .filter(|l| l.season == current && l.kind == LeagueKind::InSeason)
            .map(|l| l.league_id.clone())
            .collect();
        async move {
            let mut all = BTreeMap::new();
            for id in leagues {
                let body = get_json(&format!("{base}/league/{id}/matchups/{week}")).await;
                for row in rows(&body) {
                    for (p, v) in row["players_points"].as_object().into_iter().flatten() {
                        all.insert((id.clone(), p.clone()), v.clone());
                    }
                }
            }
            all
        }
    };
    let points_before = matchups_at(&sim).await;
    // Each correction round lands on a later day; after the last, nothing moves.
    let mut previous = before.clone();
    let mut moved_per_round = Vec::new();
    for day in 0..3 {
        sim.set_clock(cal.week_end_ms(week) + day * DAY + 10 * HOUR, 0.0);
        let now = get_json(&url).await;
        let (old, new) = (by_player(&previous), by_player(&now));
        assert_eq!(
            old.keys().collect::<BTreeSet<_>>(),
            new.keys().collect::<BTreeSet<_>>(),
            "corrections change lines, never who has one"
        );
        let changed: Vec<&Value> = rows(&now)
            .iter()
            .filter(|r| {
                old[r["player_id"].as_str().expect("id")]
                    != new[r["player_id"].as_str().expect("id")]
            })
            .collect();
        for r in &changed {
            assert_eq!(
                r["last_modified"],
                sim.now_ms(),
                "a corrected row is stamped now"
            );
        }
        let unchanged = rows(&now).iter().filter(|r| {
            old[r["player_id"].as_str().expect("id")] == new[r["player_id"].as_str().expect("id")]
        });
        for r in unchanged {
            let was = rows(&previous)
                .iter()
                .find(|p| p["player_id"] == r["player_id"])
                .expect("row");
            assert_eq!(was["last_modified"], r["last_modified"]);
        }
        moved_per_round.push(changed.len());
        previous = now;
    }
    assert!(
        moved_per_round.iter().all(|&n| (1..60).contains(&n)),
        "a few per round: {moved_per_round:?}"
    );
    sim.set_clock(cal.week_end_ms(week) + 20 * DAY, 0.0);
    assert_eq!(
        get_json(&url).await,
        previous,
        "no correction after the third day"
    );

    let points_after = matchups_at(&sim).await;
    assert_eq!(points_before.len(), points_after.len());
    let moved = points_before
        .iter()
        .filter(|(k, v)| points_after.get(*k) != Some(*v))
        .count();
    assert!(moved > 0, "corrections reach the matchups");
    // And still exactly the scoring of the corrected stats.
    let (checked, _, _, _) = check_matchups(&sim, |season| {
        if season == current {
            vec![week]
        } else {
            Vec::new()
        }
    })
    .await;
    assert!(checked > 0);
}

#[tokio::test]
async fn schedule_status_follows_the_clock_and_joins_stats() {
    let sim = spawn(65).await;
    let world = sim.world();
    let cal = SeasonCalendar::new(2025, world.config.weeks);
    let url = format!("{}/schedule/nfl/regular/2025", sim.root_url());
    let week = 10u32;
    let status_of = |body: &Value| -> BTreeMap<String, String> {
        rows(body)
            .iter()
            .filter(|g| g["week"] == week)
            .map(|g| {
                (
                    g["game_id"].as_str().expect("id").to_string(),
                    g["status"].as_str().expect("status").to_string(),
                )
            })
            .collect()
    };
    let count =
        |s: &BTreeMap<String, String>, want: &str| s.values().filter(|v| *v == want).count();

    sim.set_clock(cal.week_start_ms(week), 0.0);
    let body = get_json(&url).await;
    for g in rows(&body) {
        assert_eq!(
            keys(g),
            ["away", "date", "game_id", "home", "status", "week"]
                .into_iter()
                .collect()
        );
        assert!(is_date(&g["date"]) && g["game_id"].is_string());
    }
    // Every team once a week, but for byes (weeks 5-14).
    for w in 1..=18u32 {
        let teams: Vec<&str> = rows(&body)
            .iter()
            .filter(|g| g["week"] == w)
            .flat_map(|g| {
                [
                    g["home"].as_str().expect("home"),
                    g["away"].as_str().expect("away"),
                ]
            })
            .collect();
        let unique: BTreeSet<&str> = teams.iter().copied().collect();
        assert_eq!(unique.len(), teams.len(), "week {w}: a team twice");
        assert!(
            teams.len() == 32 || (5..=14).contains(&w),
            "week {w}: {} teams",
            teams.len()
        );
    }
    let s = status_of(&body);
    assert_eq!(count(&s, "pre_game"), s.len(), "Tuesday: nothing played");
    // Thursday night: one game on.
    sim.set_clock(cal.kickoff_ms(week) + 30 * MINUTE, 0.0);
    let s = status_of(&get_json(&url).await);
    assert_eq!(count(&s, "in_progress"), 1);
    // Sunday afternoon: Thursday's final, Sunday's on, Monday's ahead.
    sim.set_clock(cal.sunday_before_games_ms(week) + 2 * HOUR, 0.0);
    let s = status_of(&get_json(&url).await);
    assert_eq!(count(&s, "complete"), 1);
    assert_eq!(count(&s, "pre_game"), 1);
    assert_eq!(count(&s, "in_progress"), s.len() - 2);
    // Stat rows exist exactly for the games under way or over.
    let stats = get_json(&stats_url(&sim, 2025, week)).await;
    let started: BTreeSet<&str> = s
        .iter()
        .filter(|(_, v)| *v != "pre_game")
        .map(|(k, _)| k.as_str())
        .collect();
    let with_rows: BTreeSet<&str> = rows(&stats)
        .iter()
        .filter_map(|r| r["game_id"].as_str())
        .collect();
    assert_eq!(with_rows, started);
    // Tuesday after: all final.
    sim.set_clock(cal.week_end_ms(week), 0.0);
    let s = status_of(&get_json(&url).await);
    assert_eq!(count(&s, "complete"), s.len());

    // The post season appears round by round once the regular season is over.
    let post = format!("{}/schedule/nfl/post/2025", sim.root_url());
    assert_eq!(rows(&get_json(&post).await).len(), 0);
    sim.set_clock(cal.week_end_ms(18), 0.0);
    assert_eq!(rows(&get_json(&post).await).len(), 4);
    sim.set_clock(cal.week_end_ms(22), 0.0);
    let all = get_json(&post).await;
    assert_eq!(rows(&all).len(), 11);
    assert!(rows(&all).iter().all(|g| g["status"] == "complete"));
    let final_game = get_json(&format!(
        "{}/stats/nfl/2025/4?season_type=post",
        sim.root_url()
    ))
    .await;
    assert!(rows(&final_game)
        .iter()
        .any(|r| r["player"]["position"] == "DEF"));
    assert!(rows(&final_game).iter().all(|r| r["season_type"] == "post"));
}

#[tokio::test]
async fn projections_change_until_kickoff_and_are_stamped_after_the_week() {
    let sim = spawn(66).await;
    let world = sim.world();
    let live = league_of(&sim, LeagueKind::InSeason);
    let cal = SeasonCalendar::new(live.season, world.config.weeks);
    let week = 11;
    let url = projections_url(&sim, live.season, week);
    let projected = |body: &Value| -> BTreeMap<String, (Value, i64)> {
        rows(body)
            .iter()
            .filter(|r| !r["opponent"].is_null())
            .map(|r| {
                (
                    r["player_id"].as_str().expect("id").to_string(),
                    (r["stats"].clone(), r["last_modified"].as_i64().expect("ms")),
                )
            })
            .collect()
    };
    // A week ahead: not yet published.
    sim.set_clock(cal.week_start_ms(week) - 8 * DAY, 0.0);
    assert_eq!(get_text(&url).await, (200, "[]".to_string()));
    // Wednesday and Saturday before the games: revised in between.
    sim.set_clock(cal.week_day_at(week, 1, 12, 0), 0.0);
    let wednesday_body = get_json(&url).await;
    let wednesday = projected(&wednesday_body);
    sim.set_clock(cal.week_day_at(week, 4, 12, 0), 0.0);
    let saturday = projected(&get_json(&url).await);
    assert_eq!(wednesday.len(), saturday.len());
    assert!(wednesday
        .iter()
        .all(|(p, (s, t))| saturday[p].0 != *s && saturday[p].1 > *t));

    // Shapes: projected rows and ADP-only placeholders.
    for r in rows(&wednesday_body) {
        assert_eq!(keys(r), ROW_KEYS.into_iter().collect());
        assert_eq!(r["category"], "proj");
        let stats = r["stats"].as_object().expect("stats");
        assert!(stats.values().all(|v| v.as_f64().is_some_and(|x| x != 0.0)));
        if r["opponent"].is_null() {
            assert!(stats.keys().all(|k| k.starts_with("adp_")), "{r}");
            assert!(r["game_id"].is_null());
        } else {
            assert_eq!(stats["gp"], 1.0);
        }
    }
    let placeholders = rows(&wednesday_body)
        .iter()
        .filter(|r| r["opponent"].is_null())
        .count();
    assert!(placeholders > 50, "{placeholders} placeholders");
    assert!(rows(&wednesday_body)
        .iter()
        .any(|r| r["stats"]["adp_ppr"] == 999.0));
    // Every rostered player whose team plays has a projection.
    let rosters = get_json(&format!(
        "{}/league/{}/rosters",
        sim.base_url(),
        live.league_id
    ))
    .await;
    let sched = get_json(&format!(
        "{}/schedule/nfl/regular/{}",
        sim.root_url(),
        live.season
    ))
    .await;
    let playing: BTreeSet<&str> = rows(&sched)
        .iter()
        .filter(|g| g["week"] == week)
        .flat_map(|g| {
            [
                g["home"].as_str().expect("home"),
                g["away"].as_str().expect("away"),
            ]
        })
        .collect();
    let players = get_json(&format!("{}/players/nfl", sim.base_url())).await;
    let mut rostered = 0;
    for r in rows(&rosters) {
        for p in r["players"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if players[p]["team"]
                .as_str()
                .is_some_and(|t| playing.contains(t))
            {
                assert!(wednesday.contains_key(p), "no projection for rostered {p}");
                rostered += 1;
            }
        }
    }
    assert!(rostered > 100, "{rostered}");

    // After kickoff nothing changes until the week is over; then one stamp.
    sim.set_clock(cal.week_day_at(week, 6, 23, 30), 0.0);
    let monday_night = projected(&get_json(&url).await);
    sim.set_clock(cal.week_end_ms(week) + 2 * HOUR, 0.0);
    assert_eq!(projected(&get_json(&url).await), monday_night);
    sim.set_clock(cal.week_end_ms(week) + 9 * HOUR, 0.0);
    let stamped = projected(&get_json(&url).await);
    let stamp = stamped.values().map(|v| v.1).max().expect("rows");
    assert!(stamped.values().all(|v| v.1 == stamp) && stamp > cal.week_end_ms(week));
    assert!(
        stamped.iter().all(|(p, v)| monday_night[p].0 != v.0),
        "the stamped values differ"
    );
    assert!(stamped.iter().all(|(p, v)| saturday[p].0 != v.0));
    sim.set_clock(cal.week_end_ms(week + 3), 0.0);
    assert_eq!(projected(&get_json(&url).await), stamped);
}

#[tokio::test]
async fn same_seed_same_weekly_bodies() {
    let (a, b, c) = (spawn(67).await, spawn(67).await, spawn(68).await);
    let paths = [
        "/stats/nfl/2025/9?season_type=regular",
        "/stats/nfl/2024/16?season_type=regular",
        "/projections/nfl/2025/10?season_type=regular",
        "/schedule/nfl/regular/2025",
    ];
    for path in paths {
        let body = a.body(path).expect("a body");
        assert_eq!(Some(&body), b.body(path).as_ref(), "{path}");
        assert_ne!(Some(&body), c.body(path).as_ref(), "{path}");
    }
    // Over HTTP, byte for byte, and the same as the in-process body.
    let (status, text) = get_text(&format!("{}{}", a.root_url(), paths[0])).await;
    assert_eq!(status, 200);
    assert_eq!(text.as_bytes(), a.body(paths[0]).expect("body").as_slice());
}
