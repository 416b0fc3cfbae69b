use super::*;

// 2025-11-09 (a Sunday) 14:00 and 10:00 US Eastern; 2025-11-11 (Tuesday) 21:00.
const SUN_LIVE: i64 = 1_762_714_800_000;
const SUN_MORNING: i64 = 1_762_700_400_000;
const TUESDAY: i64 = 1_762_912_800_000;
const MIN: i64 = 60_000;

fn league_body(status: &str, season: u16) -> Vec<u8> {
    format!(r#"{{"league_id":"10","status":"{status}","season":"{season}","previous_league_id":"9","draft_id":"77","settings":{{"playoff_week_start":15}}}}"#)
        .into_bytes()
}

/// League 10, season 2025, in season; NFL 2025 week 10 regular.
fn known(now: i64) -> (Known, Cadence) {
    let c = Cadence::default();
    let mut k = Known::new(&["10".to_string()], None);
    k.observe(
        &Scope::State,
        br#"{"season":"2025","week":10,"season_type":"regular"}"#,
        true,
        now,
        &c,
    );
    k.observe(
        &Scope::League("10".into()),
        &league_body("in_season", 2025),
        true,
        now,
        &c,
    );
    (k, c)
}

fn find<'a>(plan: &'a [Planned], scope: &str) -> Option<&'a Planned> {
    plan.iter().find(|p| p.scope.to_string() == scope)
}

fn names(due: &[Due]) -> Vec<String> {
    due.iter().map(|d| d.scope.to_string()).collect()
}

/// Every planned scope fetched at `at`.
fn all_fetched(plan: &[Planned], at: i64) -> HashMap<String, i64> {
    plan.iter().map(|p| (p.scope.to_string(), at)).collect()
}

#[test]
fn in_a_game_window_current_matchups_and_rosters_are_live() {
    let (k, c) = known(SUN_LIVE);
    let plan = planned(SUN_LIVE, &k, &c);
    let m = find(&plan, "league/10/matchups/10").unwrap();
    assert_eq!(
        (m.priority, m.interval),
        (PRIO_LIVE, Duration::from_secs(60))
    );
    let r = find(&plan, "league/10/rosters").unwrap();
    assert_eq!(r.interval, Duration::from_secs(60));
    // Fetched 61 s ago: due again; slow kinds are not.
    let last = all_fetched(&plan, SUN_LIVE - 61_000);
    let due = names(&due(SUN_LIVE, &k, &last, &c));
    assert_eq!(due, ["league/10/matchups/10", "league/10/rosters"]);
}

#[test]
fn outside_windows_matchups_slow_down() {
    for now in [SUN_MORNING, TUESDAY] {
        let (k, c) = known(now);
        let plan = planned(now, &k, &c);
        let m = find(&plan, "league/10/matchups/10").unwrap();
        assert_eq!((m.priority, m.interval), (PRIO_NORMAL, c.matchups));
        let last = all_fetched(&plan, now - 61_000);
        assert!(due(now, &k, &last, &c).is_empty());
    }
}

#[test]
fn a_window_in_the_off_season_or_a_finished_league_is_not_live() {
    let (mut k, c) = known(SUN_LIVE);
    k.observe(
        &Scope::League("10".into()),
        &league_body("complete", 2025),
        true,
        SUN_LIVE,
        &c,
    );
    let plan = planned(SUN_LIVE, &k, &c);
    assert!(find(&plan, "league/10/matchups/10").is_none());
    assert_eq!(
        find(&plan, "league/10/rosters").unwrap().interval,
        c.rosters
    );
}

#[test]
fn a_drafting_draft_polls_its_picks_every_15_seconds() {
    let (mut k, c) = known(TUESDAY);
    k.observe(
        &Scope::LeagueDrafts("10".into()),
        br#"[{"draft_id":"77","status":"drafting"}]"#,
        true,
        TUESDAY,
        &c,
    );
    let plan = planned(TUESDAY, &k, &c);
    let p = find(&plan, "draft/77/picks").unwrap();
    assert_eq!(
        (p.priority, p.interval),
        (PRIO_LIVE, Duration::from_secs(15))
    );
    assert_eq!(p.league_id.as_deref(), Some("10"));
    let mut last = all_fetched(&plan, TUESDAY - 16_000);
    assert_eq!(names(&due(TUESDAY, &k, &last, &c)), ["draft/77/picks"]);
    last.insert("draft/77/picks".into(), TUESDAY - 5_000);
    assert!(due(TUESDAY, &k, &last, &c).is_empty());
    // Once complete, picks are slow.
    k.observe(
        &Scope::Draft("77".into()),
        br#"{"status":"complete"}"#,
        true,
        TUESDAY,
        &c,
    );
    assert_eq!(
        find(&planned(TUESDAY, &k, &c), "draft/77/picks")
            .unwrap()
            .interval,
        c.draft
    );
}

#[test]
fn players_are_fetched_once_a_day() {
    let (k, c) = known(TUESDAY);
    let plan = planned(TUESDAY, &k, &c);
    let mut last = all_fetched(&plan, TUESDAY);
    last.insert("players/nfl".into(), TUESDAY - 23 * 60 * MIN);
    assert!(due(TUESDAY, &k, &last, &c).is_empty());
    last.insert("players/nfl".into(), TUESDAY - 24 * 60 * MIN);
    assert_eq!(names(&due(TUESDAY, &k, &last, &c)), ["players/nfl"]);
}

#[test]
fn the_previous_week_is_repolled_for_stat_corrections_for_three_days() {
    let (mut k, c) = known(TUESDAY);
    // The week rolls to 11 on Tuesday.
    k.observe(&Scope::State, br#"{"week":11}"#, true, TUESDAY, &c);
    let plan = planned(TUESDAY + 60 * MIN, &k, &c);
    let prev = find(&plan, "league/10/matchups/10").unwrap();
    assert_eq!(prev.interval, c.corrections);
    assert!(find(&plan, "league/10/matchups/11").is_some());
    let later = TUESDAY + 3 * 24 * 60 * MIN + 1;
    assert!(find(&planned(later, &k, &c), "league/10/matchups/10").is_none());
    // An unchanged state body does not restart the corrections period.
    k.observe(&Scope::State, br#"{"week":11}"#, false, later, &c);
    assert!(find(&planned(later, &k, &c), "league/10/matchups/10").is_none());
}

#[test]
fn changing_scores_keep_a_league_live_outside_the_windows() {
    let (mut k, c) = known(TUESDAY);
    let m = Scope::Matchups {
        league_id: "10".into(),
        week: 10,
    };
    let interval = |k: &Known, now| {
        find(&planned(now, k, &c), "league/10/matchups/10")
            .unwrap()
            .interval
    };
    // The first fetch appends (nothing before it): not a sign of live games.
    k.observe(&m, b"[]", true, TUESDAY, &c);
    assert_eq!(interval(&k, TUESDAY), c.matchups);
    k.observe(&m, b"[]", false, TUESDAY + MIN, &c);
    assert_eq!(interval(&k, TUESDAY + MIN), c.matchups);
    // Saturday game: the points changed.
    k.observe(&m, b"[]", true, TUESDAY + 2 * MIN, &c);
    assert_eq!(interval(&k, TUESDAY + 3 * MIN), c.live);
    assert_eq!(
        find(&planned(TUESDAY + 3 * MIN, &k, &c), "league/10/rosters")
            .unwrap()
            .interval,
        c.live
    );
    assert_eq!(interval(&k, TUESDAY + 2 * MIN + 15 * MIN + 1), c.matchups);
}

#[test]
fn due_is_sorted_by_priority_then_staleness_for_degradation() {
    let (mut k, c) = known(SUN_LIVE);
    k.observe(
        &Scope::LeagueDrafts("10".into()),
        br#"[{"draft_id":"77","status":"drafting"}]"#,
        true,
        SUN_LIVE,
        &c,
    );
    let mut last = HashMap::new();
    last.insert("league/10/matchups/10".to_string(), SUN_LIVE - 5 * MIN);
    last.insert("draft/77/picks".to_string(), SUN_LIVE - 10 * MIN);
    last.insert("players/nfl".to_string(), SUN_LIVE - 48 * 60 * MIN);
    let d = due(SUN_LIVE, &k, &last, &c);
    let prios: Vec<u8> = d.iter().map(|d| d.priority).collect();
    let mut sorted = prios.clone();
    sorted.sort();
    assert_eq!(prios, sorted);
    // Live first, the staler of the two live scopes first; players last.
    assert_eq!(names(&d[..2]), ["draft/77/picks", "league/10/matchups/10"]);
    assert_eq!(d.last().unwrap().scope, Scope::Players);
    // Discovery comes right after live: state, league, league drafts…
    assert_eq!(d[2].priority, PRIO_DISCOVERY);
}

#[test]
fn a_configured_league_is_followed_into_its_next_season() {
    let c = Cadence::default();
    let mut k = Known::new(&["10".to_string()], None);
    k.observe(
        &Scope::State,
        br#"{"season":"2026","week":1,"season_type":"regular"}"#,
        true,
        TUESDAY,
        &c,
    );
    k.observe(
        &Scope::League("10".into()),
        &league_body("complete", 2025),
        true,
        TUESDAY,
        &c,
    );
    k.observe(
        &Scope::Users("10".into()),
        br#"[{"user_id":"u2"},{"user_id":"u1","is_owner":true}]"#,
        true,
        TUESDAY,
        &c,
    );
    let plan = planned(TUESDAY, &k, &c);
    assert!(find(&plan, "user/u1/leagues/2026").is_some());
    assert!(find(&plan, "league/10/matchups/1").is_none());
    k.observe(
        &Scope::UserLeagues { user_id: "u1".into(), season: 2026 },
        br#"[{"league_id":"20","previous_league_id":"10","season":"2026"},{"league_id":"30","previous_league_id":null}]"#,
        true,
        TUESDAY,
        &c,
    );
    assert_eq!(k.successors.get("10").map(String::as_str), Some("20"));
    let plan = planned(TUESDAY, &k, &c);
    assert!(find(&plan, "league/20").is_some());
    assert!(
        find(&plan, "league/30").is_none(),
        "a member's other league is not ours"
    );
    assert!(
        find(&plan, "league/10").is_none(),
        "the old season is left to backfill"
    );
    assert!(find(&plan, "user/u1/leagues/2026").is_none());
}

#[test]
fn the_users_leagues_of_the_current_season_are_followed() {
    let c = Cadence::default();
    let mut k = Known::new(&[], Some("alice"));
    assert!(find(&planned(TUESDAY, &k, &c), "user/alice").is_some());
    k.observe(
        &Scope::State,
        br#"{"season":"2025","week":3,"season_type":"regular"}"#,
        true,
        TUESDAY,
        &c,
    );
    k.observe(
        &Scope::User("alice".into()),
        br#"{"user_id":"123"}"#,
        true,
        TUESDAY,
        &c,
    );
    assert!(find(&planned(TUESDAY, &k, &c), "user/123/leagues/2025").is_some());
    k.observe(
        &Scope::UserLeagues {
            user_id: "123".into(),
            season: 2025,
        },
        br#"[{"league_id":"5"},{"league_id":6}]"#,
        true,
        TUESDAY,
        &c,
    );
    let plan = planned(TUESDAY, &k, &c);
    assert!(find(&plan, "league/5/rosters").is_some());
    assert!(find(&plan, "league/6/matchups/3").is_some());
}

#[test]
fn garbage_bodies_keep_what_was_known() {
    let (mut k, c) = known(TUESDAY);
    let before = planned(TUESDAY, &k, &c);
    for (scope, body) in [
        (Scope::State, &br#"{"season":[1],"week":"x"}"#[..]),
        (Scope::State, b"null"),
        (Scope::League("10".into()), b"[1]"),
        (Scope::League("10".into()), br#"{"status":5,"season":{}}"#),
        (Scope::LeagueDrafts("10".into()), b"{\"oops\":1}"),
        (Scope::Draft("77".into()), b"{not json"),
        (Scope::Users("10".into()), b"null"),
    ] {
        k.observe(&scope, body, true, TUESDAY, &c);
    }
    assert_eq!(planned(TUESDAY, &k, &c), before);
}

#[test]
fn nfl_stats_projections_and_schedule_are_planned_once_for_all_leagues() {
    let (mut k, c) = known(SUN_LIVE);
    k.leagues.insert("11".into(), LeagueInfo::default());
    let plan = planned(SUN_LIVE, &k, &c);
    let nfl: Vec<_> = plan
        .iter()
        .filter(|p| {
            p.scope.league_id().is_none() && p.scope.api() == sleeper_shared::scope::Api::Stats
        })
        .map(|p| (p.scope.to_string(), p.priority, p.interval))
        .collect();
    assert_eq!(
        nfl,
        [
            (
                "schedule/nfl/regular/2025".to_string(),
                PRIO_NORMAL,
                c.schedule_live
            ),
            (
                "stats/nfl/regular/2025/10".to_string(),
                PRIO_NORMAL,
                c.stats_live
            ),
            // The week was first seen now: last week's corrections may land.
            ("stats/nfl/regular/2025/9".to_string(), PRIO_NORMAL, c.stats),
            (
                "projections/nfl/regular/2025/10".to_string(),
                PRIO_SLOW,
                c.projections
            ),
        ]
    );
    assert_eq!(c.stats_live, Duration::from_secs(600));
    // Outside the windows: hourly stats, a daily schedule.
    let (k, c) = known(TUESDAY + 4 * 24 * 60 * MIN);
    let plan = planned(TUESDAY + 4 * 24 * 60 * MIN, &k, &c);
    let s = find(&plan, "stats/nfl/regular/2025/10").unwrap();
    assert_eq!(
        (s.priority, s.interval),
        (PRIO_NORMAL, Duration::from_secs(3600))
    );
    let g = find(&plan, "schedule/nfl/regular/2025").unwrap();
    assert_eq!(
        (g.priority, g.interval),
        (PRIO_SLOW, Duration::from_secs(86_400))
    );
}

#[test]
fn projections_are_fetched_once_more_in_the_hour_before_a_window() {
    // Sunday 12:30 ET: the 13:00 window starts in half an hour.
    let now = SUN_LIVE - 90 * MIN;
    let (k, c) = known(now);
    let scope = "projections/nfl/regular/2025/10";
    let plan = planned(now, &k, &c);
    // Fetched at 11:59 (before the hour began): due although a day has not passed.
    let mut last = all_fetched(&plan, now - 31 * MIN);
    assert!(names(&due(now, &k, &last, &c)).contains(&scope.to_string()));
    // Fetched at 12:01: not again before the window.
    last.insert(scope.to_string(), now - 29 * MIN);
    assert!(!names(&due(now, &k, &last, &c)).contains(&scope.to_string()));
    // Sunday 10:00, fetched at 8:00: the daily interval rules.
    let (k, c) = known(SUN_MORNING);
    let last = all_fetched(&planned(SUN_MORNING, &k, &c), SUN_MORNING - 120 * MIN);
    assert!(!names(&due(SUN_MORNING, &k, &last, &c)).contains(&scope.to_string()));
}

#[test]
fn last_weeks_stats_are_repolled_hourly_while_corrections_land() {
    let (k, c) = known(TUESDAY);
    let plan = planned(TUESDAY, &k, &c);
    let prev = find(&plan, "stats/nfl/regular/2025/9").unwrap();
    assert_eq!(prev.interval, c.stats);
    let later = TUESDAY + c.corrections_for.as_millis() as i64 + MIN;
    assert!(find(&planned(later, &k, &c), "stats/nfl/regular/2025/9").is_none());
}

#[test]
fn a_past_season_backfills_every_nfl_week_of_both_season_types() {
    let scopes = nfl_season(2023);
    assert_eq!(scopes.len(), 2 + 2 * (18 + 4));
    let names: Vec<String> = scopes.iter().map(ToString::to_string).collect();
    for s in [
        "schedule/nfl/regular/2023",
        "schedule/nfl/post/2023",
        "stats/nfl/regular/2023/18",
        "projections/nfl/post/2023/4",
    ] {
        assert!(names.contains(&s.to_string()), "{s}");
    }
}
