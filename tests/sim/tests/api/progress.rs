//! What changes with the simulated clock, and what must not.

use serde_json::Value;
use sleeper_sim::calendar::{Phase, SeasonCalendar};
use sleeper_sim::world::LeagueKind;

use crate::{get_json, league_of, spawn};

const MINUTE: i64 = 60_000;

fn total_points(rows: &Value) -> f64 {
    rows.as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["points"].as_f64())
        .sum()
}

#[tokio::test]
async fn scores_move_during_game_windows_and_not_outside() {
    let sim = spawn(21).await;
    let live = league_of(&sim, LeagueKind::InSeason);
    let cal = SeasonCalendar::new(live.season, sim.world().config.weeks);
    let url = format!("{}/league/{}/matchups/10", sim.base_url(), live.league_id);
    let at = |ms: i64| {
        sim.set_clock(ms, 0.0);
        get_json(&url)
    };
    let sunday = cal.sunday_before_games_ms(10);
    assert_eq!(
        sim.now_ms(),
        sunday,
        "default start is Sunday 12:55 ET of week 10"
    );

    // Before the Sunday games: only Thursday's are scored; nothing moves.
    let before = at(sunday).await;
    assert_eq!(before, at(sunday + 4 * MINUTE).await);
    // During the Sunday window, points go up.
    let early = at(sunday + 65 * MINUTE).await;
    let later = at(sunday + 5 * 60 * MINUTE).await;
    assert!(
        total_points(&early) > total_points(&before),
        "{} vs {}",
        total_points(&early),
        total_points(&before)
    );
    assert!(total_points(&later) > total_points(&early));
    // Between Sunday night and Monday night nothing is played.
    let night = cal.sunday_before_games_ms(10) + (11 * 60 + 10) * MINUTE; // Monday 00:05 ET
    let monday_noon = night + 12 * 60 * MINUTE;
    assert_eq!(at(night).await, at(monday_noon).await);
    // The same instant always gives the same body.
    assert_eq!(at(sunday + 65 * MINUTE).await, early);
}

#[tokio::test]
async fn week_rolls_on_tuesday_and_rosters_total_after_the_games() {
    let sim = spawn(22).await;
    let live = league_of(&sim, LeagueKind::InSeason);
    let cal = SeasonCalendar::new(live.season, sim.world().config.weeks);
    let base = sim.base_url();
    let state = format!("{base}/state/nfl");
    let rosters = format!("{base}/league/{}/rosters", live.league_id);
    let fpts = |v: &Value| -> i64 {
        v.as_array()
            .expect("rosters")
            .iter()
            .filter_map(|r| r["settings"]["fpts"].as_i64())
            .sum()
    };

    sim.set_clock(cal.week_start_ms(11) - 1, 0.0);
    assert_eq!(get_json(&state).await["week"], 10);
    let before = get_json(&rosters).await;
    sim.set_clock(cal.week_start_ms(11), 0.0);
    assert_eq!(get_json(&state).await["week"], 11);
    let after = get_json(&rosters).await;
    assert!(
        fpts(&after) > fpts(&before),
        "week 10's points are added on Tuesday"
    );
    assert_eq!(cal.phase(sim.now_ms()), Phase::Week(11));
}

#[tokio::test]
async fn waivers_appear_on_wednesday() {
    let sim = spawn(23).await;
    let live = league_of(&sim, LeagueKind::InSeason);
    let cal = SeasonCalendar::new(live.season, sim.world().config.weeks);
    // A week in which this league runs waivers.
    let week = (2..=12)
        .find(|&w| {
            live.transactions
                .iter()
                .any(|t| t.leg == w && t.kind == sleeper_sim::world::TxKind::Waiver)
        })
        .expect("a week with waivers");
    let url = format!(
        "{}/league/{}/transactions/{week}",
        sim.base_url(),
        live.league_id
    );
    let count = |v: Value| {
        v.as_array()
            .map_or(0, |a| a.iter().filter(|t| t["type"] == "waiver").count())
    };
    sim.set_clock(cal.week_start_ms(week) + 60 * MINUTE, 0.0);
    assert_eq!(count(get_json(&url).await), 0, "Tuesday: no waivers yet");
    sim.set_clock(cal.week_day_at(week, 2, 0, 0), 0.0);
    assert!(
        count(get_json(&url).await) > 0,
        "Thursday: waivers processed"
    );
}

#[tokio::test]
async fn a_running_draft_gets_picks_until_complete() {
    let sim = spawn(24).await;
    let drafting = league_of(&sim, LeagueKind::Drafting);
    let d = &drafting.draft;
    let base = sim.base_url();
    let picks = format!("{base}/draft/{}/picks", d.draft_id);
    let draft = format!("{base}/draft/{}", d.draft_id);
    let league = format!("{base}/league/{}", drafting.league_id);
    let n = |v: Value| v.as_array().map_or(0, Vec::len);

    let start = sim.now_ms();
    assert_eq!(get_json(&draft).await["status"], "drafting");
    assert_eq!(get_json(&league).await["status"], "drafting");
    let first = n(get_json(&picks).await);
    assert!(first > 0);
    sim.set_clock(start + 10 * d.pick_interval_ms, 0.0);
    assert_eq!(n(get_json(&picks).await), first + 10);
    sim.set_clock(d.end_ms(), 0.0);
    assert_eq!(n(get_json(&picks).await), d.picks.len());
    assert_eq!(get_json(&draft).await["status"], "complete");
    assert_eq!(get_json(&league).await["status"], "in_season");
    // The clock serves the producer: it runs at the configured speed.
    sim.set_clock(start, 600.0);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let clock = get_json(&sim.clock_url()).await;
    assert!(
        clock["now_ms"].as_i64().unwrap_or(0) >= start + 100_000,
        "{clock}"
    );
    assert_eq!(clock["speed"], 600.0);
}
