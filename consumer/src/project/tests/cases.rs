//! The cases of `tests/fixtures/cases/` (made-up payloads of shapes that
//! broke other Sleeper consumers; its README lists the expected values),
//! checked row by row where the value is a projected row. Values Postgres
//! computes (generated columns, `matchup_results`) are checked against a
//! real database in `tests/tests/e2e/results.rs`.

use std::collections::BTreeSet;

use sleeper_shared::Kind;

use super::*;

const NULL_BOOL: Val = Val::Bool(None);

/// The player ids of the rows matching `cond`, in `column`.
fn texts(t: &TableRows, column: &str, cond: &[(&str, Val)]) -> BTreeSet<String> {
    (0..t.rows.len())
        .filter(|&r| cond.iter().all(|(c, v)| t.get(r, c) == Some(v)))
        .filter_map(|r| match t.get(r, column) {
            Some(Val::Text(Some(x))) => Some(x.clone()),
            _ => None,
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|x| x.to_string()).collect()
}

#[test]
fn case_01_chopped_is_a_transaction_type_like_the_others() {
    let p = run(
        Kind::Transactions,
        "league/1291000000000000000/transactions/5",
        fixture!("cases/01-transactions-guillotine-chopped.json"),
    );
    let t = table(&p, "transactions");
    assert_eq!(t.rows.len(), 2);
    let x = find(t, &[("transaction_id", s("1291000000000000101"))]);
    assert_eq!(t.get(x, "type"), Some(&s("chopped")));
    assert_eq!(t.get(x, "creator"), Some(&NULL_TEXT));
    assert_eq!(t.get(x, "leg"), Some(&i(5)));
    let x = find(t, &[("transaction_id", s("1291000000000000102"))]);
    assert_eq!(t.get(x, "type"), Some(&s("waiver")));
    assert_eq!(json(t.get(x, "settings"))["waiver_bid"], 41);

    let m = table(&p, "transaction_moves");
    let chop = [("transaction_id", s("1291000000000000101"))];
    assert_eq!(count(m, &chop), 4, "4 drops, no adds");
    assert_eq!(
        texts(
            m,
            "player_id",
            &[chop[0].clone(), ("action", s("drop")), ("roster_id", i(9))]
        ),
        set(&["9101", "9102", "9103", "DAL"])
    );
    let waiver = ("transaction_id", s("1291000000000000102"));
    assert_eq!(count(m, std::slice::from_ref(&waiver)), 2);
    find(
        m,
        &[
            waiver.clone(),
            ("player_id", s("9102")),
            ("action", s("add")),
            ("roster_id", i(4)),
        ],
    );
    find(
        m,
        &[
            waiver,
            ("player_id", s("9301")),
            ("action", s("drop")),
            ("roster_id", i(4)),
        ],
    );
    assert!(table(&p, "transaction_draft_picks").rows.is_empty());
    assert!(table(&p, "transaction_waiver_budget").rows.is_empty());
}

#[test]
fn case_03_two_drops_and_a_pick_going_home() {
    let p = run(
        Kind::Transactions,
        "league/1292000000000000000/transactions/3",
        fixture!("cases/03-transactions-two-drops-and-pick-homecoming.json"),
    );
    let m = table(&p, "transaction_moves");
    let fa = ("transaction_id", s("1292000000000000201"));
    assert_eq!(count(m, std::slice::from_ref(&fa)), 3);
    assert_eq!(count(m, &[fa.clone(), ("roster_id", i(4))]), 3);
    assert_eq!(
        texts(m, "player_id", &[fa.clone(), ("action", s("add"))]),
        set(&["9401"])
    );
    assert_eq!(
        texts(m, "player_id", &[fa, ("action", s("drop"))]),
        set(&["9402", "9403"])
    );
    let trade = ("transaction_id", s("1292000000000000202"));
    find(
        m,
        &[
            trade.clone(),
            ("player_id", s("9501")),
            ("action", s("drop")),
            ("roster_id", i(3)),
        ],
    );
    find(
        m,
        &[
            trade.clone(),
            ("player_id", s("9501")),
            ("action", s("add")),
            ("roster_id", i(10)),
        ],
    );

    let picks = table(&p, "transaction_draft_picks");
    assert_eq!(picks.owner, vec![s("1292000000000000000"), i(3)]);
    assert_eq!(picks.rows.len(), 2);
    // The homecoming: back from 10 to its original roster 3.
    let x = find(
        picks,
        &[
            trade.clone(),
            ("season", s("2027")),
            ("round", i(1)),
            ("original_roster_id", i(3)),
        ],
    );
    assert_eq!(picks.get(x, "from_roster_id"), Some(&i(10)));
    assert_eq!(picks.get(x, "to_roster_id"), Some(&i(3)));
    assert_eq!(picks.get(x, "ordinal"), Some(&i(0)));
    assert_eq!(picks.get(x, "leg"), Some(&i(3)));
    let x = find(
        picks,
        &[
            trade.clone(),
            ("season", s("2026")),
            ("round", i(3)),
            ("original_roster_id", i(7)),
        ],
    );
    assert_eq!(picks.get(x, "from_roster_id"), Some(&i(3)));
    assert_eq!(picks.get(x, "to_roster_id"), Some(&i(10)));
    assert_eq!(picks.get(x, "ordinal"), Some(&i(1)));

    let faab = table(&p, "transaction_waiver_budget");
    assert_eq!(faab.rows.len(), 1);
    let x = find(faab, &[trade]);
    assert_eq!(faab.get(x, "from_roster_id"), Some(&i(10)));
    assert_eq!(faab.get(x, "to_roster_id"), Some(&i(3)));
    assert_eq!(faab.get(x, "amount"), Some(&i(15)));
}

#[test]
fn identical_moves_in_one_transaction_stay_two_rows() {
    // Nothing in a ledger element makes it unique: two identical FAAB
    // lines are two payments, two identical pick lines two rows.
    let body = br#"[{"transaction_id":"7","type":"trade","leg":1,"creator":null,
        "draft_picks":[{"season":2027,"round":"2","roster_id":1,"previous_owner_id":1,"owner_id":2},
                       {"season":2027,"round":"2","roster_id":1,"previous_owner_id":1,"owner_id":2}],
        "waiver_budget":[{"sender":1,"receiver":2,"amount":5},{"sender":1,"receiver":2,"amount":5}]}]"#;
    let p = run(Kind::Transactions, "league/1/transactions/1", body);
    let picks = table(&p, "transaction_draft_picks");
    assert_eq!(picks.rows.len(), 2);
    // A season sent as a number is still the text of that number.
    assert_eq!(count(picks, &[("season", s("2027")), ("round", i(2))]), 2);
    let faab = table(&p, "transaction_waiver_budget");
    assert_eq!(count(faab, &[("amount", i(5))]), 2);
}

#[test]
fn ledger_elements_of_impossible_types_are_shape_errors() {
    for body in [
        br#"[{"transaction_id":"7","draft_picks":[5]}]"#.as_slice(),
        br#"[{"transaction_id":"7","waiver_budget":[{"sender":1,"receiver":2,"amount":"lots"}]}]"#,
        br#"[{"transaction_id":"7","draft_picks":{"season":"2027"}}]"#,
    ] {
        let e = try_run(Kind::Transactions, "league/1/transactions/1", body);
        assert!(e.is_err(), "{}", String::from_utf8_lossy(body));
    }
}

#[test]
fn case_04_null_matchup_ids_keep_their_points() {
    let p = run(
        Kind::Matchups,
        "league/1294000000000000000/matchups/15",
        fixture!("cases/04-matchups-playoff-null-matchup-ids.json"),
    );
    let m = table(&p, "matchups");
    assert_eq!(m.rows.len(), 8);
    for (roster, points) in [(1, "121.4"), (2, "98.06"), (7, "87.5"), (8, "0.0")] {
        let x = find(m, &[("roster_id", i(roster))]);
        assert_eq!(m.get(x, "matchup_id"), Some(&NULL_INT), "roster {roster}");
        assert_eq!(m.get(x, "points"), Some(&dec(points)), "roster {roster}");
    }
    for (roster, game, points) in [
        (3, 1, "104.5"),
        (6, 1, "99.2"),
        (4, 2, "88.8"),
        (5, 2, "91.3"),
    ] {
        let x = find(m, &[("roster_id", i(roster))]);
        assert_eq!(m.get(x, "matchup_id"), Some(&i(game)), "roster {roster}");
        assert_eq!(m.get(x, "points"), Some(&dec(points)), "roster {roster}");
    }
    let mp = table(&p, "matchup_players");
    // Roster 8: three "0" starter slots are empty, not players.
    assert_eq!(count(mp, &[("roster_id", i(8))]), 1);
    assert_eq!(count(mp, &[("player_id", s(rosters::EMPTY_SLOT))]), 0);
    let x = find(mp, &[("roster_id", i(8)), ("player_id", s("9671"))]);
    assert_eq!(mp.get(x, "is_starter"), Some(&b(false)));
    assert_eq!(mp.get(x, "points"), Some(&dec("0.0")));
}

#[test]
fn case_05_custom_points_leave_player_lines_alone() {
    let p = run(
        Kind::Matchups,
        "league/1293000000000000000/matchups/3",
        fixture!("cases/05-matchups-commissioner-custom-points.json"),
    );
    let m = table(&p, "matchups");
    assert_eq!(m.rows.len(), 4);
    let x = find(m, &[("roster_id", i(3))]);
    assert_eq!(m.get(x, "points"), Some(&dec("131.42")));
    assert_eq!(m.get(x, "custom_points"), Some(&dec("134.42")));
    let x = find(m, &[("roster_id", i(6))]);
    assert_eq!(m.get(x, "points"), Some(&dec("133.10")));
    assert_eq!(m.get(x, "custom_points"), Some(&Val::Numeric(None)));

    let mp = table(&p, "matchup_players");
    let starters: Decimal = (0..mp.rows.len())
        .filter(|&r| {
            mp.get(r, "roster_id") == Some(&i(3)) && mp.get(r, "is_starter") == Some(&b(true))
        })
        .filter_map(|r| match mp.get(r, "points") {
            Some(Val::Numeric(Some(d))) => Some(*d),
            _ => None,
        })
        .sum();
    assert_eq!(starters, Decimal::from_str("131.42").unwrap());
    let x = find(mp, &[("roster_id", i(3)), ("player_id", s("9704"))]);
    assert_eq!(
        mp.get(x, "points"),
        Some(&dec("11.5")),
        "bench line as sent"
    );
    let x = find(mp, &[("roster_id", i(3)), ("player_id", s("BUF"))]);
    assert_eq!(mp.get(x, "points"), Some(&dec("8.0")));
}

#[test]
fn case_02_eliminated_week_travels_in_settings() {
    // `eliminated_week` itself is generated by Postgres from `settings`
    // (e2e `results.rs`); the projection must keep `settings.eliminated`.
    let p = run(
        Kind::Rosters,
        "league/1291000000000000000/rosters",
        fixture!("cases/02-rosters-guillotine-eliminated.json"),
    );
    let r = table(&p, "rosters");
    assert_eq!(r.rows.len(), 3);
    for (roster, eliminated) in [(9, Some(5)), (11, Some(2)), (4, None)] {
        let x = find(r, &[("roster_id", i(roster))]);
        let settings = json(r.get(x, "settings"));
        assert_eq!(
            settings["eliminated"].as_i64(),
            eliminated,
            "roster {roster}"
        );
        assert_eq!(r.get(x, "wins"), Some(&i(0)));
    }
    let x = find(r, &[("roster_id", i(9))]);
    assert_eq!(r.get(x, "fpts"), Some(&dec("401.06")));
    assert_eq!(
        count(table(&p, "roster_players"), &[("roster_id", i(9))]),
        0
    );
}

#[test]
fn case_09_auction_picks_belong_to_their_buyer() {
    let p = run(
        Kind::DraftPicks,
        "draft/1295000000000000500/picks",
        fixture!("cases/09-draft-picks-auction-amounts.json"),
    );
    let t = table(&p, "draft_picks");
    assert_eq!(t.rows.len(), 4);
    let mut spent: std::collections::BTreeMap<i32, i64> = Default::default();
    for (pick, slot, buyer, amount, keeper) in [
        (1, 3, 6, "57", NULL_BOOL),
        (2, 1, 2, "1", NULL_BOOL),
        (3, 5, 2, "23", NULL_BOOL),
        (4, 6, 5, "12", b(true)),
    ] {
        let x = find(t, &[("pick_no", i(pick))]);
        assert_eq!(t.get(x, "roster_id"), Some(&i(buyer)), "pick {pick}");
        assert_eq!(t.get(x, "draft_slot"), Some(&i(slot)), "pick {pick}");
        assert_eq!(t.get(x, "is_keeper"), Some(&keeper), "pick {pick}");
        let metadata = json(t.get(x, "metadata"));
        assert_eq!(metadata["amount"], amount, "pick {pick}: a string, kept");
        let price: i64 = metadata["amount"].as_str().unwrap().parse().unwrap();
        *spent.entry(buyer).or_default() += price;
    }
    assert_eq!(spent.get(&2), Some(&24));
}
