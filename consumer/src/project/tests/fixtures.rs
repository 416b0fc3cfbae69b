//! Every recorded fixture projected and checked by value against rows worked
//! out by hand.

use serde_json::Value;
use sleeper_shared::Kind;

use super::*;

#[test]
fn state_fixture() {
    let p = run(Kind::State, "state/nfl", fixture!("state_nfl.json"));
    let t = table(&p, "nfl_state");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "sport"), Some(&s("nfl")));
    assert_eq!(t.get(0, "week"), Some(&i(1)));
    assert_eq!(t.get(0, "season_type"), Some(&s("regular")));
    assert_eq!(t.get(0, "_version"), Some(&s("1756300000000-3")));
}

#[test]
fn players_fixture() {
    let p = run(Kind::Players, "players/nfl", fixture!("players_nfl.json"));
    let t = table(&p, "players");
    assert_eq!(t.owner, vec![s("nfl")]);
    assert_eq!(t.rows.len(), 3);
    // Inactive free agent: team null, unranked.
    let r = find(t, &[("player_id", s("2103"))]);
    assert_eq!(t.get(r, "full_name"), Some(&s("Cody Booth")));
    assert_eq!(t.get(r, "team"), Some(&NULL_TEXT));
    assert_eq!(t.get(r, "status"), Some(&s("Inactive")));
    assert_eq!(t.get(r, "search_rank"), Some(&i(9_999_999)));
    assert_eq!(t.get(r, "height"), Some(&s("6'5\"")));
    assert_eq!(t.get(r, "weight"), Some(&s("285")));
    assert_eq!(t.get(r, "number"), Some(&i(60)));
    assert_eq!(t.get(r, "age"), Some(&i(27)));
    assert_eq!(t.get(r, "years_exp"), Some(&i(1)));
    assert_eq!(t.get(r, "position"), Some(&s("OT")));
    assert_eq!(t.get(r, "active"), Some(&b(false)));
    assert_eq!(t.get(r, "espn_id"), Some(&s("17054")));
    assert_eq!(t.get(r, "metadata"), Some(&Val::Jsonb(None)));
    assert_eq!(
        json(t.get(r, "fantasy_positions")),
        serde_json::json!(["OL"])
    );
    // Injured, with metadata kept.
    let r = find(t, &[("player_id", s("3199"))]);
    assert_eq!(t.get(r, "injury_status"), Some(&s("PUP")));
    assert_eq!(t.get(r, "team"), Some(&s("NO")));
    assert_eq!(t.get(r, "search_rank"), Some(&i(62)));
    assert_eq!(
        t.get(r, "news_updated"),
        Some(&Val::Timestamptz(Some(1_631_654_405_198)))
    );
    assert_eq!(
        json(t.get(r, "metadata")),
        serde_json::json!({"injury_override_regular_2021_2": "PUP"})
    );
    // Team defence: 9 keys only.
    let r = find(t, &[("player_id", s("WAS"))]);
    assert_eq!(t.get(r, "position"), Some(&s("DEF")));
    assert_eq!(t.get(r, "team"), Some(&s("WAS")));
    assert_eq!(t.get(r, "first_name"), Some(&s("Washington")));
    assert_eq!(t.get(r, "last_name"), Some(&s("Football Team")));
    assert_eq!(t.get(r, "full_name"), Some(&NULL_TEXT));
    assert_eq!(t.get(r, "age"), Some(&NULL_INT));
}

#[test]
fn trending_fixture_is_samples_only() {
    let p = run(
        Kind::Trending,
        "players/nfl/trending/add",
        fixture!("trending_add.json"),
    );
    assert!(p.snapshot.is_empty());
    let t = table(&p, "trending_players");
    assert_eq!(t.rows.len(), 25);
    let r = find(t, &[("rank", i(1))]);
    assert_eq!(t.get(r, "player_id"), Some(&s("2309")));
    assert_eq!(t.get(r, "count"), Some(&Val::BigInt(Some(406_080))));
    assert_eq!(t.get(r, "type"), Some(&s("add")));
    assert_eq!(t.get(r, "version_ms"), Some(&Val::BigInt(Some(VERSION.ms))));
    assert_eq!(t.get(r, "version_seq"), Some(&Val::BigInt(Some(3))));
    assert_eq!(
        t.get(r, "fetched_at"),
        Some(&Val::Timestamptz(Some(FETCHED_AT)))
    );
    assert_eq!(t.get(r, "origin"), Some(&s("poll")));
    let r = find(t, &[("player_id", s("ARI"))]);
    assert_eq!(t.get(r, "rank"), Some(&i(4)));
    let r = find(t, &[("player_id", s("NE"))]);
    assert_eq!(t.get(r, "rank"), Some(&i(25)));
    assert_eq!(t.get(r, "count"), Some(&Val::BigInt(Some(18_501))));
}

#[test]
fn user_fixture() {
    let p = run(Kind::User, "user/rab12345", fixture!("user.json"));
    let t = table(&p, "sleeper_users");
    assert_eq!(t.owner, vec![s("rab12345")]);
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "user_id"), Some(&s("213866320939196416")));
    assert_eq!(t.get(0, "username"), Some(&s("rab12345")));
    assert_eq!(t.get(0, "display_name"), Some(&s("rab12345")));
    assert_eq!(t.get(0, "is_bot"), Some(&b(false)));
}

#[test]
fn discovery_kinds_project_nothing() {
    let p = run(
        Kind::UserLeagues,
        "user/213866320939196416/leagues/2025",
        fixture!("user_leagues.json"),
    );
    assert_eq!(p, Projection::default());
    let p = run(
        Kind::LeagueDrafts,
        "league/1199102384316362752/drafts",
        fixture!("league_drafts.json"),
    );
    assert_eq!(p, Projection::default());
}

#[test]
fn league_fixture_keeps_big_ids_exactly() {
    let p = run(
        Kind::League,
        "league/1048229732543836160",
        fixture!("league.json"),
    );
    let t = table(&p, "leagues");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "league_id"), Some(&s("1048229732543836160")));
    assert_eq!(t.get(0, "name"), Some(&s("12 Guys 1 Cup")));
    assert_eq!(t.get(0, "season"), Some(&s("2024")));
    assert_eq!(t.get(0, "status"), Some(&s("complete")));
    assert_eq!(t.get(0, "total_rosters"), Some(&i(12)));
    assert_eq!(t.get(0, "draft_id"), Some(&s("1048229732543836161")));
    assert_eq!(
        t.get(0, "previous_league_id"),
        Some(&s("917927810109476864"))
    );
    assert_eq!(t.get(0, "bracket_id"), Some(&s("1172493904960843776")));
    assert_eq!(
        t.get(0, "loser_bracket_id"),
        Some(&s("1172493904969232384"))
    );
    assert_eq!(
        t.get(0, "bracket_overrides_id"),
        Some(&s("1172531693748629504"))
    );
    assert_eq!(t.get(0, "group_id"), Some(&NULL_TEXT));
    let settings = json(t.get(0, "settings"));
    assert_eq!(settings["waiver_budget"], 150);
    assert_eq!(settings.as_object().unwrap().len(), 52);
    // float32 artefacts kept as written.
    let Some(Val::Jsonb(Some(scoring))) = t.get(0, "scoring_settings") else {
        panic!()
    };
    assert!(
        scoring.contains("\"pass_yd\":0.03999999910593033"),
        "{scoring}"
    );
    let positions = json(t.get(0, "roster_positions"));
    assert_eq!(positions.as_array().unwrap().len(), 26);
    assert_eq!(positions[8], "DEF");
    assert_eq!(
        json(t.get(0, "metadata"))["latest_league_winner_roster_id"],
        "6"
    );
}

#[test]
fn users_fixture() {
    let p = run(
        Kind::Users,
        "league/1199102384316362752/users",
        fixture!("users.json"),
    );
    let t = table(&p, "league_users");
    assert_eq!(t.table.mode, Mode::KeepAbsent { flag: "in_league" });
    assert_eq!(t.rows.len(), 3);
    let r = find(t, &[("user_id", s("213866320939196416"))]);
    assert_eq!(t.get(r, "display_name"), Some(&s("rab12345")));
    assert_eq!(t.get(r, "team_name"), Some(&s("Orange Peanut")));
    assert_eq!(
        t.get(r, "avatar"),
        Some(&s("a7edf17a1956ebe79017732156625301"))
    );
    assert_eq!(t.get(r, "is_owner"), Some(&b(false)));
    assert_eq!(t.get(r, "settings"), Some(&Val::Jsonb(None)));
    assert_eq!(
        json(t.get(r, "metadata"))["avatar"],
        "https://sleepercdn.com/uploads/ab8c5d63085ac16abee95fea9c24275c"
    );
    let r = find(t, &[("user_id", s("484790555675455488"))]);
    assert_eq!(t.get(r, "team_name"), Some(&NULL_TEXT));
    let r = find(t, &[("user_id", s("831639450038665216"))]);
    assert_eq!(t.get(r, "is_owner"), Some(&b(true)));
    assert_eq!(t.get(r, "team_name"), Some(&s("GizmoDuck")));
    assert_eq!(count(t, &[("in_league", b(true))]), 3);
}

#[test]
fn rosters_fixture() {
    let p = run(
        Kind::Rosters,
        "league/1048229732543836160/rosters",
        fixture!("rosters.json"),
    );
    let r = table(&p, "rosters");
    assert_eq!(r.rows.len(), 2);
    let x = find(r, &[("roster_id", i(2))]);
    assert_eq!(r.get(x, "league_id"), Some(&s("1048229732543836160")));
    assert_eq!(r.get(x, "owner_id"), Some(&s("652255376611303424")));
    assert_eq!(r.get(x, "fpts"), Some(&dec("1490.96")));
    assert_eq!(r.get(x, "fpts_against"), Some(&dec("1489.86")));
    assert_eq!(r.get(x, "ppts"), Some(&dec("1914.18")));
    assert_eq!(r.get(x, "wins"), Some(&i(8)));
    assert_eq!(r.get(x, "losses"), Some(&i(6)));
    assert_eq!(r.get(x, "ties"), Some(&i(0)));
    assert_eq!(r.get(x, "waiver_position"), Some(&i(8)));
    assert_eq!(r.get(x, "waiver_budget_used"), Some(&i(60)));
    assert_eq!(r.get(x, "total_moves"), Some(&i(0)));
    assert_eq!(r.get(x, "division"), Some(&NULL_INT));
    assert_eq!(r.get(x, "co_owners"), Some(&Val::Jsonb(None)));
    assert_eq!(r.get(x, "keepers"), Some(&Val::Jsonb(None)));
    assert_eq!(json(r.get(x, "metadata"))["streak"], "2W");
    assert_eq!(json(r.get(x, "settings"))["fpts_decimal"], 96);
    let x = find(r, &[("roster_id", i(5))]);
    assert_eq!(r.get(x, "fpts"), Some(&dec("1573.92")));
    assert_eq!(r.get(x, "fpts_against"), Some(&dec("1354.30")));
    assert_eq!(r.get(x, "ppts"), Some(&dec("1827.68")));

    let rp = table(&p, "roster_players");
    assert_eq!(rp.owner, vec![s("1048229732543836160")]);
    assert_eq!(count(rp, &[("roster_id", i(2))]), 29);
    assert_eq!(count(rp, &[("roster_id", i(5))]), 30);
    assert_eq!(count(rp, &[("roster_id", i(2)), ("slot", s("starter"))]), 9);
    assert_eq!(count(rp, &[("roster_id", i(2)), ("slot", s("reserve"))]), 1);
    assert_eq!(count(rp, &[("roster_id", i(2)), ("slot", s("taxi"))]), 2);
    assert_eq!(count(rp, &[("roster_id", i(2)), ("slot", s("bench"))]), 17);
    // Team defence "BUF" is the ninth starter; "MIN" sits on the bench.
    let x = find(rp, &[("roster_id", i(2)), ("player_id", s("BUF"))]);
    assert_eq!(rp.get(x, "slot"), Some(&s("starter")));
    assert_eq!(rp.get(x, "starter_index"), Some(&i(8)));
    let x = find(rp, &[("roster_id", i(2)), ("player_id", s("MIN"))]);
    assert_eq!(rp.get(x, "slot"), Some(&s("bench")));
    assert_eq!(rp.get(x, "starter_index"), Some(&NULL_INT));
    let x = find(rp, &[("roster_id", i(2)), ("player_id", s("4943"))]);
    assert_eq!(rp.get(x, "starter_index"), Some(&i(0)));
    let x = find(rp, &[("roster_id", i(2)), ("player_id", s("3294"))]);
    assert_eq!(rp.get(x, "slot"), Some(&s("reserve")));
    let x = find(rp, &[("roster_id", i(2)), ("player_id", s("9999"))]);
    assert_eq!(rp.get(x, "slot"), Some(&s("taxi")));
    let x = find(rp, &[("roster_id", i(5)), ("player_id", s("LV"))]);
    assert_eq!(rp.get(x, "starter_index"), Some(&i(8)));
    let x = find(rp, &[("roster_id", i(5)), ("player_id", s("NE"))]);
    assert_eq!(rp.get(x, "slot"), Some(&s("bench")));
}

#[test]
fn rosters_with_null_players_have_no_roster_players() {
    let p = run(
        Kind::Rosters,
        "league/442097181638258688/rosters",
        fixture!("rosters_null_players.json"),
    );
    let r = table(&p, "rosters");
    assert_eq!(r.rows.len(), 12);
    let x = find(r, &[("roster_id", i(1))]);
    assert_eq!(r.get(x, "fpts"), Some(&dec("1522.10")));
    assert_eq!(r.get(x, "fpts_against"), Some(&dec("1601.58")));
    assert_eq!(r.get(x, "metadata"), Some(&Val::Jsonb(None)));
    let x = find(r, &[("roster_id", i(4))]);
    assert_eq!(
        json(r.get(x, "co_owners")),
        serde_json::json!(["442089523581546496"])
    );
    assert_eq!(r.get(x, "fpts_against"), Some(&dec("1630.02")));
    let x = find(r, &[("roster_id", i(7))]);
    assert_eq!(r.get(x, "ppts"), Some(&dec("2025.00")));
    let rp = table(&p, "roster_players");
    // Roster 1 has `players: null` (but starters set): no rows at all.
    assert_eq!(count(rp, &[("roster_id", i(1))]), 0);
    assert_eq!(rp.rows.len(), 11 * 18);
    for roster in 2..=12 {
        assert_eq!(
            count(rp, &[("roster_id", i(roster)), ("slot", s("starter"))]),
            11
        );
        assert_eq!(
            count(rp, &[("roster_id", i(roster)), ("slot", s("bench"))]),
            7
        );
    }
}

#[test]
fn matchups_fixture_lines_starters_points_up_with_starters() {
    let body = fixture!("matchups.json");
    let p = run(Kind::Matchups, "league/784421816389898240/matchups/2", body);
    let m = table(&p, "matchups");
    assert_eq!(m.owner, vec![s("784421816389898240"), i(2)]);
    assert_eq!(m.rows.len(), 2);
    let x = find(m, &[("roster_id", i(1))]);
    assert_eq!(m.get(x, "matchup_id"), Some(&i(6)));
    assert_eq!(m.get(x, "points"), Some(&dec("108.9")));
    assert_eq!(m.get(x, "custom_points"), Some(&Val::Numeric(None)));
    assert_eq!(m.get(x, "week"), Some(&i(2)));
    let x = find(m, &[("roster_id", i(2))]);
    assert_eq!(m.get(x, "matchup_id"), Some(&i(3)));
    assert_eq!(m.get(x, "points"), Some(&dec("174.94")));

    let mp = table(&p, "matchup_players");
    assert_eq!(count(mp, &[("roster_id", i(1))]), 16);
    assert_eq!(count(mp, &[("roster_id", i(2))]), 16);
    assert_eq!(count(mp, &[("is_starter", b(true))]), 18);
    // Each starter's points are starters_points at the same index.
    let raw: Value = serde_json::from_slice(body).unwrap();
    for entry in raw.as_array().unwrap() {
        let roster = entry["roster_id"].as_i64().unwrap() as i32;
        for (ix, (pid, pts)) in entry["starters"]
            .as_array()
            .unwrap()
            .iter()
            .zip(entry["starters_points"].as_array().unwrap())
            .enumerate()
        {
            let x = find(
                mp,
                &[
                    ("roster_id", i(roster)),
                    ("player_id", s(pid.as_str().unwrap())),
                ],
            );
            assert_eq!(mp.get(x, "starter_index"), Some(&i(ix as i32)));
            assert_eq!(mp.get(x, "points"), Some(&dec(&pts.to_string())));
        }
    }
    let x = find(mp, &[("roster_id", i(1)), ("player_id", s("PHI"))]);
    assert_eq!(mp.get(x, "points"), Some(&dec("2.0")));
    assert_eq!(mp.get(x, "starter_index"), Some(&i(8)));
    let x = find(mp, &[("roster_id", i(1)), ("player_id", s("421"))]);
    assert_eq!(mp.get(x, "points"), Some(&dec("21.58")));
    assert_eq!(mp.get(x, "is_starter"), Some(&b(false)));
    assert_eq!(mp.get(x, "starter_index"), Some(&NULL_INT));
    let x = find(mp, &[("roster_id", i(2)), ("player_id", s("LAR"))]);
    assert_eq!(mp.get(x, "points"), Some(&dec("25.0")));

    // One score sample per roster, keyed by the event's version.
    let h = table(&p, "matchup_score_history");
    assert_eq!(h.table.mode, Mode::Series);
    assert_eq!(h.rows.len(), 2);
    let x = find(h, &[("roster_id", i(2))]);
    assert_eq!(h.get(x, "points"), Some(&dec("174.94")));
    assert_eq!(h.get(x, "version_ms"), Some(&Val::BigInt(Some(VERSION.ms))));
    assert_eq!(
        h.get(x, "fetched_at"),
        Some(&Val::Timestamptz(Some(FETCHED_AT)))
    );
    assert_eq!(h.get(x, "origin"), Some(&s("poll")));
}

#[test]
fn transactions_fixture() {
    // The scope's round (3 here) is the `leg`, whatever the body says (1).
    let p = run(
        Kind::Transactions,
        "league/1199102384316362752/transactions/3",
        fixture!("transactions.json"),
    );
    let t = table(&p, "transactions");
    assert_eq!(t.owner, vec![s("1199102384316362752"), i(3)]);
    assert_eq!(t.rows.len(), 6);
    assert_eq!(count(t, &[("leg", i(3))]), 6);
    let x = find(t, &[("transaction_id", s("1266120722556669952"))]);
    assert_eq!(t.get(x, "type"), Some(&s("free_agent")));
    assert_eq!(t.get(x, "status"), Some(&s("complete")));
    assert_eq!(t.get(x, "creator"), Some(&s("819426386337984512")));
    assert_eq!(
        t.get(x, "created"),
        Some(&Val::Timestamptz(Some(1_756_229_212_944)))
    );
    assert_eq!(json(t.get(x, "roster_ids")), serde_json::json!([8]));
    assert_eq!(t.get(x, "metadata"), Some(&Val::Jsonb(None)));
    let x = find(t, &[("transaction_id", s("1265172328979894272"))]);
    assert_eq!(t.get(x, "status"), Some(&s("failed")));
    assert_eq!(
        t.get(x, "status_updated"),
        Some(&Val::Timestamptz(Some(1_756_055_130_653)))
    );
    let x = find(t, &[("transaction_id", s("1257584510627762176"))]);
    assert_eq!(json(t.get(x, "settings"))["priority"], 1);
    let x = find(t, &[("transaction_id", s("1252998601236283392"))]);
    assert_eq!(t.get(x, "type"), Some(&s("commissioner")));
    assert_eq!(t.get(x, "consenter_ids"), Some(&Val::Jsonb(None)));
    let x = find(t, &[("transaction_id", s("1252381339521400832"))]);
    assert_eq!(t.get(x, "type"), Some(&s("trade")));
    let picks = json(t.get(x, "draft_picks"));
    assert_eq!(picks.as_array().unwrap().len(), 2);
    assert_eq!(picks[0]["league_id"], Value::Null);
    assert_eq!(json(t.get(x, "consenter_ids")), serde_json::json!([4, 11]));

    let m = table(&p, "transaction_moves");
    assert_eq!(m.rows.len(), 8);
    // `adds: null`: only the drop.
    assert_eq!(count(m, &[("transaction_id", s("1266120722556669952"))]), 1);
    let x = find(m, &[("transaction_id", s("1266120722556669952"))]);
    assert_eq!(m.get(x, "action"), Some(&s("drop")));
    assert_eq!(m.get(x, "player_id"), Some(&s("12520")));
    assert_eq!(m.get(x, "roster_id"), Some(&i(8)));
    // `drops: null`: only the add.
    let x = find(m, &[("transaction_id", s("1265383073072033792"))]);
    assert_eq!(m.get(x, "action"), Some(&s("add")));
    assert_eq!(m.get(x, "player_id"), Some(&s("8188")));
    assert_eq!(m.get(x, "roster_id"), Some(&i(7)));
    // The failed waiver still lists its moves.
    assert_eq!(count(m, &[("transaction_id", s("1265172328979894272"))]), 2);
    // The trade adds 8137 to roster 4 and drops it from roster 11.
    let x = find(
        m,
        &[
            ("transaction_id", s("1252381339521400832")),
            ("action", s("add")),
        ],
    );
    assert_eq!(m.get(x, "player_id"), Some(&s("8137")));
    assert_eq!(m.get(x, "roster_id"), Some(&i(4)));
    let x = find(
        m,
        &[
            ("transaction_id", s("1252381339521400832")),
            ("action", s("drop")),
        ],
    );
    assert_eq!(m.get(x, "roster_id"), Some(&i(11)));
    assert_eq!(count(m, &[("leg", i(3))]), 8);
}

#[test]
fn traded_picks_fixture() {
    let p = run(
        Kind::TradedPicks,
        "league/1199102384316362752/traded_picks",
        fixture!("traded_picks.json"),
    );
    let t = table(&p, "traded_picks");
    assert_eq!(t.rows.len(), 10);
    let x = find(
        t,
        &[("season", s("2026")), ("round", i(3)), ("roster_id", i(2))],
    );
    assert_eq!(t.get(x, "owner_id"), Some(&i(3)));
    assert_eq!(t.get(x, "previous_owner_id"), Some(&i(2)));
    assert_eq!(t.get(x, "league_id"), Some(&s("1199102384316362752")));
    let x = find(
        t,
        &[("season", s("2025")), ("round", i(2)), ("roster_id", i(4))],
    );
    assert_eq!(t.get(x, "owner_id"), Some(&i(3)));
    assert_eq!(t.get(x, "previous_owner_id"), Some(&i(2)));
}

#[test]
fn draft_traded_picks_fixture_keeps_the_numeric_draft_id() {
    let p = run(
        Kind::DraftTradedPicks,
        "draft/1199102384333144064/traded_picks",
        fixture!("draft_traded_picks.json"),
    );
    let t = table(&p, "draft_traded_picks");
    assert_eq!(t.owner, vec![s("1199102384333144064")]);
    assert_eq!(t.rows.len(), 8);
    assert_eq!(
        count(t, &[("payload_draft_id", s("1199102384333144064"))]),
        8
    );
    let x = find(
        t,
        &[("season", s("2025")), ("round", i(2)), ("roster_id", i(5))],
    );
    assert_eq!(t.get(x, "owner_id"), Some(&i(8)));
    assert_eq!(t.get(x, "previous_owner_id"), Some(&i(1)));
    assert_eq!(t.get(x, "draft_id"), Some(&s("1199102384333144064")));
}

#[test]
fn draft_traded_pick_id_not_representable_as_f64_stays_exact() {
    // 2^60 + 1 (f64 would round it to 2^60); the scope's id is another draft's.
    let body = br#"[{"round":1,"season":"2025","draft_id":1152921504606846977,"roster_id":1,"owner_id":8,"previous_owner_id":1}]"#;
    let p = run(Kind::DraftTradedPicks, "draft/42/traded_picks", body);
    let t = table(&p, "draft_traded_picks");
    assert_eq!(
        t.get(0, "payload_draft_id"),
        Some(&s("1152921504606846977"))
    );
    assert_eq!(t.get(0, "draft_id"), Some(&s("42")));
}

#[test]
fn draft_fixture() {
    let p = run(
        Kind::Draft,
        "draft/1199102384333144064",
        fixture!("draft.json"),
    );
    let t = table(&p, "drafts");
    assert_eq!(t.rows.len(), 1);
    assert_eq!(t.get(0, "draft_id"), Some(&s("1199102384333144064")));
    assert_eq!(t.get(0, "league_id"), Some(&s("1199102384316362752")));
    assert_eq!(t.get(0, "season"), Some(&s("2025")));
    assert_eq!(t.get(0, "status"), Some(&s("complete")));
    assert_eq!(t.get(0, "type"), Some(&s("linear")));
    assert_eq!(t.get(0, "sport"), Some(&s("nfl")));
    assert_eq!(
        t.get(0, "start_time"),
        Some(&Val::Timestamptz(Some(1_752_944_578_371)))
    );
    assert_eq!(
        t.get(0, "last_picked"),
        Some(&Val::Timestamptz(Some(1_752_977_751_213)))
    );
    assert_eq!(json(t.get(0, "slot_to_roster_id"))["4"], 1);
    assert_eq!(json(t.get(0, "draft_order"))["873281472038146048"], 1);
    assert_eq!(json(t.get(0, "settings"))["rounds"], 3);
    assert_eq!(json(t.get(0, "metadata"))["scoring_type"], "dynasty_ppr");
}

#[test]
fn draft_picks_fixture() {
    let p = run(
        Kind::DraftPicks,
        "draft/1199102384333144064/picks",
        fixture!("draft_picks.json"),
    );
    let t = table(&p, "draft_picks");
    assert_eq!(t.rows.len(), 3);
    let x = find(t, &[("pick_no", i(1))]);
    assert_eq!(t.get(x, "player_id"), Some(&s("12527")));
    assert_eq!(t.get(x, "roster_id"), Some(&i(12)));
    assert_eq!(t.get(x, "picked_by"), Some(&s("873281472038146048")));
    assert_eq!(t.get(x, "is_keeper"), Some(&Val::Bool(None)));
    // A traded pick: slot 4 maps to roster 1, but roster 8 made it.
    let x = find(t, &[("pick_no", i(4))]);
    assert_eq!(t.get(x, "draft_slot"), Some(&i(4)));
    assert_eq!(t.get(x, "roster_id"), Some(&i(8)));
    assert_eq!(t.get(x, "round"), Some(&i(1)));
    let x = find(t, &[("pick_no", i(22))]);
    assert_eq!(t.get(x, "round"), Some(&i(2)));
    assert_eq!(json(t.get(x, "metadata"))["years_exp"], "0");
    assert_eq!(json(t.get(x, "metadata"))["news_updated"], "");
}

#[test]
fn bracket_fixtures() {
    let p = run(
        Kind::WinnersBracket,
        "league/1199102384316362752/winners_bracket",
        fixture!("winners_bracket.json"),
    );
    let t = table(&p, "playoff_brackets");
    assert_eq!(t.owner, vec![s("1199102384316362752"), s("winners")]);
    assert_eq!(t.rows.len(), 7);
    let x = find(t, &[("m", i(1))]);
    assert_eq!(t.get(x, "r"), Some(&i(1)));
    assert_eq!(t.get(x, "t1"), Some(&i(11)));
    assert_eq!(t.get(x, "t2"), Some(&i(1)));
    assert_eq!(t.get(x, "w"), Some(&NULL_INT));
    assert_eq!(t.get(x, "t1_from"), Some(&Val::Jsonb(None)));
    let x = find(t, &[("m", i(3))]);
    assert_eq!(t.get(x, "t1"), Some(&i(12)));
    assert_eq!(t.get(x, "t2"), Some(&NULL_INT));
    assert_eq!(json(t.get(x, "t2_from")), serde_json::json!({"w": 1}));
    assert_eq!(t.get(x, "p"), Some(&NULL_INT));
    let x = find(t, &[("m", i(6))]);
    assert_eq!(t.get(x, "p"), Some(&i(1)));
    assert_eq!(json(t.get(x, "t1_from")), serde_json::json!({"w": 3}));

    let p = run(
        Kind::LosersBracket,
        "league/1199102384316362752/losers_bracket",
        fixture!("losers_bracket.json"),
    );
    let t = table(&p, "playoff_brackets");
    assert_eq!(t.owner, vec![s("1199102384316362752"), s("losers")]);
    assert_eq!(count(t, &[("bracket", s("losers"))]), 7);
    let x = find(t, &[("m", i(2))]);
    assert_eq!(t.get(x, "t1"), Some(&i(3)));
    assert_eq!(t.get(x, "t2"), Some(&i(6)));
}
