//! An in-memory model of the writer: what a sequence of snapshots leaves
//! behind (members who left, replaced scopes, accumulated samples).

use std::collections::HashMap;

use sleeper_shared::Kind;

use super::*;

/// Applies projections with the semantics of `crate::store::write` (Replace,
/// KeepAbsent, Series), to check what a sequence of snapshots leaves behind.
#[derive(Default)]
struct Model {
    tables: HashMap<&'static str, Vec<Vec<Val>>>,
}

impl Model {
    fn apply(&mut self, p: &Projection) {
        for t in p.snapshot.iter().chain(&p.series) {
            let cols = t.table.columns;
            let pos = |n: &str| cols.iter().position(|c| c.name == n).unwrap();
            let owner: Vec<usize> = t.table.owner.iter().map(|n| pos(n)).collect();
            let key: Vec<usize> = t.table.key.iter().map(|n| pos(n)).collect();
            let rows = self.tables.entry(t.table.name).or_default();
            let owned = |r: &Vec<Val>| owner.iter().zip(&t.owner).all(|(&i, v)| r[i] == *v);
            let same_key = |a: &Vec<Val>, b: &Vec<Val>| key.iter().all(|&i| a[i] == b[i]);
            match t.table.mode {
                Mode::Replace => {
                    rows.retain(|r| !owned(r));
                    rows.extend(t.rows.iter().cloned());
                }
                Mode::KeepAbsent { flag } => {
                    let f = pos(flag);
                    for r in rows.iter_mut().filter(|r| owned(r)) {
                        r[f] = Val::Bool(Some(false));
                    }
                    for new in &t.rows {
                        match rows.iter_mut().find(|r| same_key(r, new)) {
                            Some(r) => *r = new.clone(),
                            None => rows.push(new.clone()),
                        }
                    }
                }
                Mode::Series => {
                    for new in &t.rows {
                        if !rows.iter().any(|r| same_key(r, new)) {
                            rows.push(new.clone());
                        }
                    }
                }
            }
        }
    }

    fn value(&self, table: &TableRows, cond: &[(&str, Val)], col: &str) -> Option<Val> {
        let cols = table.table.columns;
        let pos = |n: &str| cols.iter().position(|c| c.name == n).unwrap();
        let hits: Vec<_> = self.tables[table.table.name]
            .iter()
            .filter(|r| cond.iter().all(|(c, v)| r[pos(c)] == *v))
            .collect();
        assert!(hits.len() <= 1);
        hits.first().map(|r| r[pos(col)].clone())
    }
}

#[test]
fn a_member_who_left_stays_with_in_league_false() {
    let before =
        br#"[{"user_id":"10","display_name":"stays"},{"user_id":"11","display_name":"leaves"}]"#;
    let after = br#"[{"user_id":"10","display_name":"stays"}]"#;
    let rosters =
        br#"[{"roster_id":1,"owner_id":"10"},{"roster_id":2,"owner_id":"11","players":["17"]}]"#;
    let mut db = Model::default();
    db.apply(&run(Kind::Users, "league/5/users", before));
    db.apply(&run(Kind::Rosters, "league/5/rosters", rosters));
    let p = run(Kind::Users, "league/5/users", after);
    let users = table(&p, "league_users");
    assert_eq!(users.rows.len(), 1);
    db.apply(&p);
    let cond = |u: &str| vec![("league_id", s("5")), ("user_id", s(u))];
    assert_eq!(db.value(users, &cond("10"), "in_league"), Some(b(true)));
    assert_eq!(db.value(users, &cond("11"), "in_league"), Some(b(false)));
    assert_eq!(
        db.value(users, &cond("11"), "display_name"),
        Some(s("leaves"))
    );
    // Their roster is untouched and still points at them.
    let r = table(&run(Kind::Rosters, "league/5/rosters", rosters), "rosters").clone();
    assert_eq!(
        db.value(
            &r,
            &[("league_id", s("5")), ("roster_id", i(2))],
            "owner_id"
        ),
        Some(s("11"))
    );
    // Coming back flips the flag again.
    db.apply(&run(Kind::Users, "league/5/users", before));
    assert_eq!(db.value(users, &cond("11"), "in_league"), Some(b(true)));
}

#[test]
fn later_snapshots_replace_their_scope_only_and_samples_accumulate() {
    let week1 =
        br#"[{"roster_id":1,"matchup_id":1,"points":10,"players":["17","18"],"starters":["17"]}]"#;
    let week1_later =
        br#"[{"roster_id":1,"matchup_id":1,"points":12.5,"players":["17"],"starters":["17"]}]"#;
    let week2 =
        br#"[{"roster_id":1,"matchup_id":1,"points":3,"players":["19"],"starters":["19"]}]"#;
    let mut db = Model::default();
    let mut at = |ms: i64, scope: &str, body: &[u8]| {
        let id = StreamId { ms, seq: 0 };
        let p = project(id, &envelope(Kind::Matchups, scope, body)).unwrap();
        db.apply(&p);
        p
    };
    at(1, "league/1/matchups/1", week1);
    at(2, "league/1/matchups/2", week2);
    let p = at(3, "league/1/matchups/1", week1_later);
    let mp = table(&p, "matchup_players");
    let h = table(&p, "matchup_score_history");
    assert_eq!(
        db.tables["matchup_players"].len(),
        2,
        "17 (week 1) and 19 (week 2)"
    );
    assert_eq!(
        db.value(mp, &[("week", i(1)), ("player_id", s("18"))], "points"),
        None
    );
    assert_eq!(db.tables["matchup_score_history"].len(), 3);
    assert_eq!(
        db.value(
            h,
            &[("week", i(1)), ("version_ms", Val::BigInt(Some(1)))],
            "points"
        ),
        Some(dec("10"))
    );
    assert_eq!(
        db.value(
            h,
            &[("week", i(1)), ("version_ms", Val::BigInt(Some(3)))],
            "points"
        ),
        Some(dec("12.5"))
    );
}
