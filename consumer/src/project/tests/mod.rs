//! Projection tests: every real fixture (`tests/fixtures/*.json`, copies of
//! real Sleeper responses) projected and checked by value against rows worked
//! out by hand, small fixtures of our own for quirks no real one shows, an
//! in-memory model of the writer, the table definitions checked against the
//! migration SQL, and arbitrary payloads.
//!
//! This file holds what they share: projecting an event and checking the
//! shape of what comes out, finding rows, building values, the fixtures.
//!
//! - `fixtures`   — each recorded fixture, row by row
//! - `cases`      — the made-up cases of `tests/fixtures/cases/`, row by row
//! - `quirks`     — small payloads of our own for quirks no fixture shows
//! - `model`      — what a sequence of snapshots leaves behind in the tables
//! - `migrations` — the table definitions against the migration SQL
//! - `arbitrary`  — any JSON body projects or is a shape error, never a panic
//! - `some_tables`— projecting only some tables, as rebuild does
//! - `nfl`        — the stats host's kinds and a league's scoring
//!
//! Every fixture damaged by the simulator's "wrong types" fault is checked
//! in `tests/tests/e2e/damaged.rs`, where the simulator is a dependency.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use sleeper_shared::envelope::Origin;
use sleeper_shared::{Envelope, Kind};

use super::*;

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/",
            $name
        ))
        .as_slice()
    };
}

// After the macro, so that every file below can use `fixture!`.
mod arbitrary;
mod cases;
mod fixtures;
mod migrations;
mod model;
mod nfl;
mod quirks;
mod some_tables;

const VERSION: StreamId = StreamId {
    ms: 1_756_300_000_000,
    seq: 3,
};
const FETCHED_AT: i64 = 1_756_299_999_500;

fn envelope(kind: Kind, scope: &str, body: &[u8]) -> Envelope {
    Envelope {
        kind,
        scope: scope.to_string(),
        league_id: None,
        origin: Origin::Poll,
        fetched_at_ms: FETCHED_AT,
        status: 200,
        content_hash: String::new(),
        ticket: 1,
        body: body.to_vec(),
    }
}

fn try_run(kind: Kind, scope: &str, body: &[u8]) -> Result<Projection, PayloadShape> {
    let p = project(VERSION, &envelope(kind, scope, body))?;
    for t in p.snapshot.iter().chain(&p.series) {
        check_shape(t);
    }
    Ok(p)
}

fn run(kind: Kind, scope: &str, body: &[u8]) -> Projection {
    try_run(kind, scope, body).unwrap_or_else(|e| panic!("{e}"))
}

/// Arity and types of every row and of the owner, against the table definition.
fn check_shape(t: &TableRows) {
    assert_eq!(
        t.owner.len(),
        t.table.owner.len(),
        "owner of {}",
        t.table.name
    );
    for (v, name) in t.owner.iter().zip(t.table.owner) {
        let c = t.table.columns.iter().find(|c| c.name == *name).unwrap();
        assert_eq!(v.ty(), c.ty, "owner column {}.{name}", t.table.name);
    }
    for r in &t.rows {
        assert_eq!(r.len(), t.table.columns.len(), "arity of {}", t.table.name);
        for (v, c) in r.iter().zip(t.table.columns) {
            assert_eq!(v.ty(), c.ty, "{}.{}", t.table.name, c.name);
        }
        for k in t.table.key {
            let i = t.table.columns.iter().position(|c| c.name == *k).unwrap();
            assert!(!is_null(&r[i]), "key {}.{k} is null", t.table.name);
        }
    }
}

fn is_null(v: &Val) -> bool {
    matches!(
        v,
        Val::Text(None)
            | Val::Int(None)
            | Val::BigInt(None)
            | Val::Numeric(None)
            | Val::Bool(None)
            | Val::Jsonb(None)
            | Val::Timestamptz(None)
    )
}

fn table<'p>(p: &'p Projection, name: &str) -> &'p TableRows {
    p.snapshot
        .iter()
        .chain(&p.series)
        .find(|t| t.table.name == name)
        .unwrap_or_else(|| panic!("no rows for {name}"))
}

/// The index of the one row matching every `(column, value)`.
fn find(t: &TableRows, cond: &[(&str, Val)]) -> usize {
    let hits: Vec<usize> = (0..t.rows.len())
        .filter(|&i| cond.iter().all(|(c, v)| t.get(i, c) == Some(v)))
        .collect();
    assert_eq!(hits.len(), 1, "rows of {} matching {cond:?}", t.table.name);
    hits[0]
}

fn count(t: &TableRows, cond: &[(&str, Val)]) -> usize {
    (0..t.rows.len())
        .filter(|&i| cond.iter().all(|(c, v)| t.get(i, c) == Some(v)))
        .count()
}

fn s(x: &str) -> Val {
    Val::text(x)
}
fn i(x: i32) -> Val {
    Val::Int(Some(x))
}
fn dec(x: &str) -> Val {
    Val::Numeric(Some(Decimal::from_str(x).unwrap()))
}
fn b(x: bool) -> Val {
    Val::Bool(Some(x))
}
fn json(v: Option<&Val>) -> Value {
    match v {
        Some(Val::Jsonb(Some(text))) => serde_json::from_str(text).unwrap(),
        Some(Val::Jsonb(None)) => Value::Null,
        other => panic!("not jsonb: {other:?}"),
    }
}

const NULL_TEXT: Val = Val::Text(None);
const NULL_INT: Val = Val::Int(None);

fn all_fixtures() -> Vec<(Kind, &'static str, &'static [u8])> {
    vec![
        (Kind::State, "state/nfl", fixture!("state_nfl.json")),
        (
            Kind::NflStats,
            "stats/nfl/regular/2024/11",
            fixture!("stats_nfl.json"),
        ),
        (
            Kind::NflProjections,
            "projections/nfl/regular/2024/11",
            fixture!("projections_nfl.json"),
        ),
        (
            Kind::NflSchedule,
            "schedule/nfl/regular/2024",
            fixture!("schedule_nfl.json"),
        ),
        (Kind::Players, "players/nfl", fixture!("players_nfl.json")),
        (
            Kind::Trending,
            "players/nfl/trending/add",
            fixture!("trending_add.json"),
        ),
        (Kind::User, "user/rab12345", fixture!("user.json")),
        (Kind::League, "league/1", fixture!("league.json")),
        (Kind::Users, "league/1/users", fixture!("users.json")),
        (Kind::Rosters, "league/1/rosters", fixture!("rosters.json")),
        (
            Kind::Matchups,
            "league/1/matchups/1",
            fixture!("matchups.json"),
        ),
        (
            Kind::Transactions,
            "league/1/transactions/1",
            fixture!("transactions.json"),
        ),
        // The ledgers' only FAAB move is in a case, not a recorded fixture.
        (
            Kind::Transactions,
            "league/1/transactions/3",
            fixture!("cases/03-transactions-two-drops-and-pick-homecoming.json"),
        ),
        (
            Kind::TradedPicks,
            "league/1/traded_picks",
            fixture!("traded_picks.json"),
        ),
        (
            Kind::WinnersBracket,
            "league/1/winners_bracket",
            fixture!("winners_bracket.json"),
        ),
        (
            Kind::LosersBracket,
            "league/1/losers_bracket",
            fixture!("losers_bracket.json"),
        ),
        (Kind::Draft, "draft/1", fixture!("draft.json")),
        (
            Kind::DraftPicks,
            "draft/1/picks",
            fixture!("draft_picks.json"),
        ),
        (
            Kind::DraftTradedPicks,
            "draft/1/traded_picks",
            fixture!("draft_traded_picks.json"),
        ),
    ]
}
