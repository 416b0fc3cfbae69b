//! `league/<id>/winners_bracket` and `/losers_bracket` → `playoff_brackets`,
//! one table with a `bracket` column (`winners` | `losers`); each scope owns
//! its league's rows of its bracket.
//!
//! Future rounds have `t1`/`t2` null and say where the teams come from in
//! `t1_from`/`t2_from` (`{"w": m}` winner of match m, `{"l": m}` loser);
//! placement games carry `p` (the place they decide).

use sleeper_shared::Scope;

use super::parse::ShapeError;
use super::parse::{element, int4, object_json, req_int4, top_array, Ctx};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.playoff_brackets`.
pub static PLAYOFF_BRACKETS: Table = Table {
    name: "playoff_brackets",
    columns: &[
        col("league_id", Text),
        col("bracket", Text),
        col("m", Int),
        col("r", Int),
        col("t1", Int),
        col("t2", Int),
        col("w", Int),
        col("l", Int),
        col("t1_from", Jsonb),
        col("t2_from", Jsonb),
        col("p", Int),
        col("_version", Text),
    ],
    key: &["league_id", "bracket", "m"],
    owner: &["league_id", "bracket"],
    mode: Mode::Replace,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let (league_id, bracket) = match ctx.scope()? {
        Scope::WinnersBracket(l) => (l, "winners"),
        Scope::LosersBracket(l) => (l, "losers"),
        _ => return Err(ctx.scope_err()),
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(
        &PLAYOFF_BRACKETS,
        vec![Val::text(&league_id), Val::text(bracket)],
    );
    for (i, g) in top_array(&body)?.iter().enumerate() {
        let g = element(g, i)?;
        rows.push(vec![
            Val::text(&league_id),
            Val::text(bracket),
            Val::Int(Some(req_int4(g, "m")?)),
            Val::Int(int4(g, "r")?),
            Val::Int(int4(g, "t1")?),
            Val::Int(int4(g, "t2")?),
            Val::Int(int4(g, "w")?),
            Val::Int(int4(g, "l")?),
            Val::Jsonb(object_json(g, "t1_from")?),
            Val::Jsonb(object_json(g, "t2_from")?),
            Val::Int(int4(g, "p")?),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
