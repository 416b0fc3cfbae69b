//! Traded picks: `league/<id>/traded_picks` → `traded_picks` (the league's
//! future picks) and `draft/<id>/traded_picks` → `draft_traded_picks` (one
//! draft's). Separate tables, each owned by its own scope (docs/design.md rule 3).
//!
//! `roster_id` is the roster the pick originally belonged to; `owner_id` and
//! `previous_owner_id` are roster ids too. A draft traded pick's `draft_id` is
//! a JSON number above 2^53: `draft_id` is the scope's id, and the body's is
//! kept exactly, as text, in `payload_draft_id`.

use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::ShapeError;
use super::parse::{element, id, int4, req_int4, req_string, top_array, Ctx};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.traded_picks`.
pub static TRADED_PICKS: Table = Table {
    name: "traded_picks",
    columns: &[
        col("league_id", Text),
        col("season", Text),
        col("round", Int),
        col("roster_id", Int),
        col("previous_owner_id", Int),
        col("owner_id", Int),
        col("_version", Text),
    ],
    key: &["league_id", "season", "round", "roster_id"],
    owner: &["league_id"],
    mode: Mode::Replace,
};

/// `sleeper.draft_traded_picks`.
pub static DRAFT_TRADED_PICKS: Table = Table {
    name: "draft_traded_picks",
    columns: &[
        col("draft_id", Text),
        col("season", Text),
        col("round", Int),
        col("roster_id", Int),
        col("previous_owner_id", Int),
        col("owner_id", Int),
        col("payload_draft_id", Text),
        col("_version", Text),
    ],
    key: &["draft_id", "season", "round", "roster_id"],
    owner: &["draft_id"],
    mode: Mode::Replace,
};

/// The columns both tables share, after the owner id.
fn pick(p: &Value) -> Result<[Val; 5], ShapeError> {
    Ok([
        Val::text(req_string(p, "season")?),
        Val::Int(Some(req_int4(p, "round")?)),
        Val::Int(Some(req_int4(p, "roster_id")?)),
        Val::Int(int4(p, "previous_owner_id")?),
        Val::Int(int4(p, "owner_id")?),
    ])
}

pub(super) fn project_league(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::TradedPicks(league_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(&TRADED_PICKS, vec![Val::text(&league_id)]);
    for (i, p) in top_array(&body)?.iter().enumerate() {
        let mut row = vec![Val::text(&league_id)];
        row.extend(pick(element(p, i)?)?);
        row.push(Val::Text(Some(ctx.version())));
        rows.push(row);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}

pub(super) fn project_draft(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::DraftTradedPicks(draft_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(&DRAFT_TRADED_PICKS, vec![Val::text(&draft_id)]);
    for (i, p) in top_array(&body)?.iter().enumerate() {
        let p = element(p, i)?;
        let mut row = vec![Val::text(&draft_id)];
        row.extend(pick(p)?);
        row.push(Val::Text(id(p, "draft_id")?));
        row.push(Val::Text(Some(ctx.version())));
        rows.push(row);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
