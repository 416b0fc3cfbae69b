//! Small payloads of our own for quirks no recorded fixture shows: empty
//! lineup slots, missing points, duplicates, `null` bodies, and values of
//! impossible types.

use sleeper_shared::Kind;

use super::*;

#[test]
fn matchup_without_a_game_and_empty_lineup_slot() {
    let body = br#"[{"roster_id":3,"matchup_id":null,"points":12.5,"custom_points":null,
        "starters":["0","4046"],"starters_points":[0,12.5],
        "players":["4046","BUF"],"players_points":{"4046":12.5,"BUF":3}}]"#;
    let p = run(Kind::Matchups, "league/1/matchups/14", body);
    let m = table(&p, "matchups");
    assert_eq!(m.get(0, "matchup_id"), Some(&NULL_INT));
    assert_eq!(m.get(0, "week"), Some(&i(14)));
    let mp = table(&p, "matchup_players");
    assert_eq!(mp.rows.len(), 2, "the empty slot \"0\" has no row");
    let x = find(mp, &[("player_id", s("4046"))]);
    assert_eq!(mp.get(x, "starter_index"), Some(&i(1)));
    assert_eq!(mp.get(x, "points"), Some(&dec("12.5")));
    let x = find(mp, &[("player_id", s("BUF"))]);
    assert_eq!(mp.get(x, "is_starter"), Some(&b(false)));
    assert_eq!(mp.get(x, "points"), Some(&dec("3")));
}

#[test]
fn older_matchups_without_player_points() {
    let body = br#"[{"roster_id":1,"matchup_id":2,"points":99.1,"starters":["4046"],"players":["4046","17"]}]"#;
    let p = run(Kind::Matchups, "league/1/matchups/1", body);
    let mp = table(&p, "matchup_players");
    assert_eq!(mp.rows.len(), 2);
    assert_eq!(count(mp, &[("points", Val::Numeric(None))]), 2);
}

#[test]
fn duplicate_entries_keep_the_first() {
    let body = br#"[{"roster_id":1,"players":["17","17","BUF"],"starters":["17","17"]}]"#;
    let p = run(Kind::Rosters, "league/1/rosters", body);
    let rp = table(&p, "roster_players");
    assert_eq!(rp.rows.len(), 2);
    let x = find(rp, &[("player_id", s("17"))]);
    assert_eq!(rp.get(x, "starter_index"), Some(&i(0)));
}

#[test]
fn null_bodies_mean_nothing_there() {
    for (kind, scope, table_name) in [
        (Kind::League, "league/7", "leagues"),
        (Kind::Draft, "draft/7", "drafts"),
        (Kind::User, "user/someone", "sleeper_users"),
        (Kind::Rosters, "league/7/rosters", "rosters"),
        (Kind::Matchups, "league/7/matchups/1", "matchups"),
    ] {
        let p = run(kind, scope, b"null");
        let t = table(&p, table_name);
        assert!(t.rows.is_empty(), "{scope}");
        assert!(
            !t.owner.is_empty(),
            "{scope}: the owner's rows are replaced"
        );
    }
}

#[test]
fn players_tolerate_empty_numbers_but_not_impossible_types() {
    let p = run(
        Kind::Players,
        "players/nfl",
        br#"{"1":{"player_id":"1","age":"","number":"12","full_name":"A B"},"2":null}"#,
    );
    let t = table(&p, "players");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "age"), Some(&NULL_INT));
    assert_eq!(t.get(0, "number"), Some(&i(12)));
    let e = try_run(Kind::Players, "players/nfl", br#"{"1":{"age":[3]}}"#).unwrap_err();
    assert!(e.detail.contains("1.age"), "{e}");
    assert!(try_run(Kind::Players, "players/nfl", br#"[1,2]"#).is_err());
    assert!(try_run(Kind::Players, "players/nfl", br#"{"1":5}"#).is_err());
}

#[test]
fn impossible_types_are_shape_errors() {
    let bad: &[(Kind, &str, &[u8])] = &[
        (Kind::Rosters, "league/1/rosters", br#"{"roster_id":1}"#),
        (
            Kind::Rosters,
            "league/1/rosters",
            br#"[{"roster_id":"one"}]"#,
        ),
        (
            Kind::Rosters,
            "league/1/rosters",
            br#"[{"roster_id":1,"settings":"x"}]"#,
        ),
        (
            Kind::Rosters,
            "league/1/rosters",
            br#"[{"roster_id":1,"players":"17"}]"#,
        ),
        (
            Kind::Rosters,
            "league/1/rosters",
            br#"[{"roster_id":1,"settings":{"fpts":"lots"}}]"#,
        ),
        (Kind::Rosters, "league/1/rosters", br#"[5]"#),
        (
            Kind::Matchups,
            "league/1/matchups/1",
            br#"[{"roster_id":1,"matchup_id":"ten"}]"#,
        ),
        (
            Kind::Matchups,
            "league/1/matchups/1",
            br#"[{"roster_id":1,"points":"many"}]"#,
        ),
        (
            Kind::Matchups,
            "league/1/matchups/1",
            br#"[{"matchup_id":1}]"#,
        ),
        (
            Kind::Transactions,
            "league/1/transactions/1",
            br#"[{"transaction_id":"9","adds":{"17":"x"}}]"#,
        ),
        (
            Kind::Transactions,
            "league/1/transactions/1",
            br#"[{"transaction_id":"9","adds":[17]}]"#,
        ),
        (
            Kind::Transactions,
            "league/1/transactions/1",
            br#"[{"transaction_id":1.5}]"#,
        ),
        (Kind::League, "league/1", br#"[]"#),
        (Kind::League, "league/1", br#"{"settings":[1]}"#),
        (
            Kind::Users,
            "league/1/users",
            br#"[{"display_name":"no id"}]"#,
        ),
        (
            Kind::TradedPicks,
            "league/1/traded_picks",
            br#"[{"season":"2025","round":"first","roster_id":1}]"#,
        ),
        (Kind::DraftPicks, "draft/1/picks", br#"[{"pick_no":null}]"#),
        (Kind::Draft, "draft/1", br#"{"start_time":"soon"}"#),
        (
            Kind::WinnersBracket,
            "league/1/winners_bracket",
            br#"[{"m":1,"t1_from":5}]"#,
        ),
        (
            Kind::Trending,
            "players/nfl/trending/drop",
            br#"[{"player_id":"1","count":"many"}]"#,
        ),
        (Kind::User, "user/x", br#"{"user_id":{}}"#),
    ];
    for (kind, scope, body) in bad {
        let r = try_run(*kind, scope, body);
        assert!(
            r.is_err(),
            "{scope} {} should be a shape error, got {r:?}",
            String::from_utf8_lossy(body)
        );
    }
}
