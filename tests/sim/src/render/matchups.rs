//! `/league/{id}/matchups/{week}` and the winners and losers brackets.

use serde_json::{json, Map, Value};

use super::points;
use crate::timeline::{Moment, Source};
use crate::world::League;

pub fn matchups(m: &Moment, l: &League, week: u32) -> Value {
    let world = m.world;
    // Seasons before last lack the per-player points, as old real payloads do.
    let detailed = l.season >= world.current_season() - 1;
    let rows = m
        .week_rows(l, week)
        .into_iter()
        .map(|row| {
            let id = |p: usize| world.players[p].id.clone();
            let starters: Vec<String> = row
                .starters
                .iter()
                .map(|s| s.map_or_else(|| "0".to_string(), id))
                .collect();
            let mut obj = Map::new();
            obj.insert("roster_id".into(), row.roster_id.into());
            obj.insert("points".into(), points(row.points));
            obj.insert(
                "players".into(),
                row.players
                    .iter()
                    .map(|&p| id(p))
                    .collect::<Vec<_>>()
                    .into(),
            );
            obj.insert("starters".into(), starters.into());
            obj.insert(
                "matchup_id".into(),
                row.matchup_id.map_or(Value::Null, Value::from),
            );
            obj.insert("custom_points".into(), Value::Null);
            if detailed {
                let pp: Map<String, Value> = row
                    .players
                    .iter()
                    .zip(&row.player_points)
                    .map(|(&p, &pts)| (id(p), points(pts)))
                    .collect();
                obj.insert("players_points".into(), Value::Object(pp));
                obj.insert(
                    "starters_points".into(),
                    row.starter_points
                        .iter()
                        .map(|&p| points(p))
                        .collect::<Vec<_>>()
                        .into(),
                );
            }
            Value::Object(obj)
        })
        .collect();
    Value::Array(rows)
}

fn from(s: Option<Source>) -> Option<Value> {
    match s? {
        Source::Winner(m) => Some(json!({ "w": m })),
        Source::Loser(m) => Some(json!({ "l": m })),
        Source::Seed(_) => None,
    }
}

pub fn bracket(m: &Moment, l: &League, winners: bool) -> Value {
    let rows = m
        .bracket(l, winners)
        .into_iter()
        .map(|b| {
            let mut obj = Map::new();
            obj.insert("m".into(), b.m.into());
            obj.insert("r".into(), b.r.into());
            obj.insert("l".into(), b.l.map_or(Value::Null, Value::from));
            obj.insert("w".into(), b.w.map_or(Value::Null, Value::from));
            obj.insert("t1".into(), b.t1.map_or(Value::Null, Value::from));
            obj.insert("t2".into(), b.t2.map_or(Value::Null, Value::from));
            if let Some(p) = b.p {
                obj.insert("p".into(), p.into());
            }
            if let Some(v) = from(b.t1_from) {
                obj.insert("t1_from".into(), v);
            }
            if let Some(v) = from(b.t2_from) {
                obj.insert("t2_from".into(), v);
            }
            Value::Object(obj)
        })
        .collect();
    Value::Array(rows)
}
