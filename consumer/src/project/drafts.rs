//! `draft/<id>` → `drafts` and `draft/<id>/picks` → `draft_picks`, each owned
//! by its scope (the draft id of the URL, not of the body).
//!
//! A pick's `roster_id` is the roster that made it after trades, not
//! `slot_to_roster_id[draft_slot]`; its `metadata` values are all strings.

use sleeper_shared::Scope;

use super::parse::{array_json, boolean, element, id, int, int4, object_json};
use super::parse::{req_int4, string, top_array, top_object, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.drafts`.
pub static DRAFTS: Table = Table {
    name: "drafts",
    columns: &[
        col("draft_id", Text),
        col("league_id", Text),
        col("season", Text),
        col("season_type", Text),
        col("status", Text),
        col("type", Text),
        col("sport", Text),
        col("start_time", Timestamptz),
        col("last_picked", Timestamptz),
        col("created", Timestamptz),
        col("creators", Jsonb),
        col("settings", Jsonb),
        col("metadata", Jsonb),
        col("draft_order", Jsonb),
        col("slot_to_roster_id", Jsonb),
        col("_version", Text),
    ],
    key: &["draft_id"],
    owner: &["draft_id"],
    mode: Mode::Replace,
};

/// `sleeper.draft_picks`.
pub static DRAFT_PICKS: Table = Table {
    name: "draft_picks",
    columns: &[
        col("draft_id", Text),
        col("pick_no", Int),
        col("round", Int),
        col("draft_slot", Int),
        col("roster_id", Int),
        col("player_id", Text),
        col("picked_by", Text),
        col("is_keeper", Bool),
        col("metadata", Jsonb),
        col("_version", Text),
    ],
    key: &["draft_id", "pick_no"],
    owner: &["draft_id"],
    mode: Mode::Replace,
};

/// A `null` body ("not found") removes the draft's row.
pub(super) fn project_draft(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Draft(draft_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let mut rows = TableRows::new(&DRAFTS, vec![Val::text(&draft_id)]);
    if !ctx.body_is_null() {
        let body = ctx.json()?;
        let d = top_object(&body)?;
        id(d, "draft_id")?;
        rows.push(vec![
            Val::text(&draft_id),
            Val::Text(id(d, "league_id")?),
            Val::Text(string(d, "season")?),
            Val::Text(string(d, "season_type")?),
            Val::Text(string(d, "status")?),
            Val::Text(string(d, "type")?),
            Val::Text(string(d, "sport")?),
            Val::Timestamptz(int(d, "start_time")?),
            Val::Timestamptz(int(d, "last_picked")?),
            Val::Timestamptz(int(d, "created")?),
            Val::Jsonb(array_json(d, "creators")?),
            Val::Jsonb(object_json(d, "settings")?),
            Val::Jsonb(object_json(d, "metadata")?),
            Val::Jsonb(object_json(d, "draft_order")?),
            Val::Jsonb(object_json(d, "slot_to_roster_id")?),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}

pub(super) fn project_picks(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::DraftPicks(draft_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(&DRAFT_PICKS, vec![Val::text(&draft_id)]);
    for (i, p) in top_array(&body)?.iter().enumerate() {
        let p = element(p, i)?;
        rows.push(vec![
            Val::text(&draft_id),
            Val::Int(Some(req_int4(p, "pick_no")?)),
            Val::Int(int4(p, "round")?),
            Val::Int(int4(p, "draft_slot")?),
            Val::Int(int4(p, "roster_id")?),
            Val::Text(id(p, "player_id")?),
            Val::Text(id(p, "picked_by")?),
            Val::Bool(boolean(p, "is_keeper")?),
            Val::Jsonb(object_json(p, "metadata")?),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
