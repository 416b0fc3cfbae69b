//! The stats host's kinds (hand-made fixtures in the documented shapes) and
//! a league's scoring, checked by value.

use sleeper_shared::Kind;

use super::*;

const STATS: &str = "stats/nfl/regular/2024/11";

fn week_owner() -> Vec<Val> {
    vec![s("2024"), s("regular"), i(11)]
}

#[test]
fn stats_become_lines_long_form_stats_and_samples() {
    let p = run(Kind::NflStats, STATS, fixture!("stats_nfl.json"));
    let lines = table(&p, "player_stat_lines");
    assert_eq!(lines.owner, week_owner());
    // Every row is a line, the empty one and the one without scoring stats too.
    assert_eq!(lines.rows.len(), 4);
    let r = find(lines, &[("player_id", s("3199"))]);
    assert_eq!(lines.get(r, "team"), Some(&s("NO")));
    assert_eq!(lines.get(r, "opponent"), Some(&s("CLE")));
    assert_eq!(lines.get(r, "game_id"), Some(&s("202411110")));
    assert_eq!(lines.get(r, "date"), Some(&s("2024-11-17")));
    assert_eq!(
        lines.get(r, "updated_at"),
        Some(&Val::Timestamptz(Some(1_732_050_000_000)))
    );
    let stats = table(&p, "player_week_stats");
    assert_eq!(stats.owner, week_owner());
    let olave = [("player_id", s("3199"))];
    assert_eq!(count(stats, &olave), 9, "every key sent, none invented");
    let r = find(stats, &[("player_id", s("3199")), ("stat", s("rush_yd"))]);
    assert_eq!(stats.get(r, "value"), Some(&dec("-3.0")));
    let r = find(
        stats,
        &[("player_id", s("WAS")), ("stat", s("yds_allow_300_349"))],
    );
    assert_eq!(stats.get(r, "value"), Some(&dec("1.0")));
    assert_eq!(count(stats, &[("player_id", s("99002"))]), 0);
    assert_eq!(count(stats, &[("player_id", s("99001"))]), 2);
    let samples = table(&p, "player_stat_samples");
    assert!(samples.owner.is_empty(), "samples are a series");
    assert_eq!(samples.rows.len(), 4);
    let r = find(samples, &[("player_id", s("99002"))]);
    assert_eq!(json(samples.get(r, "stats")), serde_json::json!({}));
    assert_eq!(
        samples.get(r, "version_ms"),
        Some(&Val::BigInt(Some(VERSION.ms)))
    );
}

#[test]
fn the_older_map_form_reads_too_and_an_empty_map_is_no_line() {
    let p = run(Kind::NflStats, STATS, fixture!("stats_nfl_map.json"));
    let lines = table(&p, "player_stat_lines");
    let mut ids: Vec<_> = (0..lines.rows.len())
        .map(|r| lines.get(r, "player_id").cloned())
        .collect();
    ids.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(ids, [Some(s("3199")), Some(s("WAS"))]);
    let r = find(lines, &[("player_id", s("3199"))]);
    assert_eq!(lines.get(r, "team"), Some(&NULL_TEXT));
    assert_eq!(table(&p, "player_week_stats").rows.len(), 6);
}

#[test]
fn projections_are_samples_with_their_game() {
    let p = run(
        Kind::NflProjections,
        "projections/nfl/regular/2024/11",
        fixture!("projections_nfl.json"),
    );
    assert!(p.snapshot.is_empty(), "projections own no snapshot");
    let t = table(&p, "player_projection_samples");
    assert_eq!(t.rows.len(), 2);
    let r = find(t, &[("player_id", s("3199"))]);
    assert_eq!(t.get(r, "week"), Some(&i(11)));
    assert_eq!(t.get(r, "date"), Some(&s("2024-11-17")));
    assert_eq!(json(t.get(r, "stats"))["rec_yd"], serde_json::json!(68.2));
    let r = find(t, &[("player_id", s("99003"))]);
    assert_eq!(t.get(r, "date"), Some(&NULL_TEXT));
    assert_eq!(t.get(r, "game_id"), Some(&NULL_TEXT));
}

#[test]
fn the_schedule_is_the_season_types_games() {
    let p = run(
        Kind::NflSchedule,
        "schedule/nfl/regular/2024",
        fixture!("schedule_nfl.json"),
    );
    let t = table(&p, "nfl_games");
    assert_eq!(t.owner, vec![s("2024"), s("regular")]);
    assert_eq!(t.rows.len(), 3);
    let r = find(t, &[("game_id", s("202411105"))]);
    assert_eq!(t.get(r, "week"), Some(&i(11)));
    assert_eq!(t.get(r, "home"), Some(&s("PHI")));
    assert_eq!(t.get(r, "away"), Some(&s("WAS")));
    assert_eq!(t.get(r, "status"), Some(&s("complete")));
}

#[test]
fn bad_stats_payloads_are_refused_with_the_place() {
    for (body, needle) in [
        (
            &br#"[{"player_id":"1","stats":{"rec":"many"}}]"#[..],
            "stats.rec",
        ),
        (br#"[{"player_id":"1","stats":[1]}]"#, "stats"),
        (br#"[{"player_id":"1","date":"17/11/2024"}]"#, "date"),
        (br#"[{"stats":{}}]"#, "player_id"),
        (br#"{"1":[]}"#, "1"),
    ] {
        let e = try_run(Kind::NflStats, STATS, body).unwrap_err();
        assert!(e.detail.contains(needle), "{e}");
    }
    let e = try_run(
        Kind::NflSchedule,
        "schedule/nfl/post/2024",
        br#"[{"game_id":"1"}]"#,
    )
    .unwrap_err();
    assert!(e.detail.contains("week"), "{e}");
}

#[test]
fn league_scoring_keeps_the_float32_weight_and_its_short_decimal() {
    let p = run(Kind::League, "league/1", fixture!("league.json"));
    let t = table(&p, "league_scoring");
    assert_eq!(t.owner, vec![s("1")]);
    assert_eq!(t.rows.len(), 42);
    let r = find(t, &[("stat", s("rush_yd"))]);
    assert_eq!(t.get(r, "points"), Some(&dec("0.1")));
    assert_eq!(
        t.get(r, "points_as_sent"),
        Some(&dec("0.10000000149011612"))
    );
    let r = find(t, &[("stat", s("pass_yd"))]);
    assert_eq!(t.get(r, "points"), Some(&dec("0.04")));
    let r = find(t, &[("stat", s("pts_allow_35p"))]);
    assert_eq!(t.get(r, "points"), Some(&dec("-4")));
    // A key that is not a number scores nothing; the league still projects.
    let body = br#"{"league_id":"1","scoring_settings":{"rec":1.0,"note":"ppr","x":null}}"#;
    let p = run(Kind::League, "league/1", body);
    let t = table(&p, "league_scoring");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "points"), Some(&dec("1")));
}
