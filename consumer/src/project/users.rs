//! `league/<id>/users` → `league_users` (the scope owns its league's members).
//!
//! Members who left vanish from `/users` but their rosters and matchups still
//! point at them, so absent members are kept with `in_league = false`
//! ([`Mode::KeepAbsent`]) instead of being deleted; a member who returns is
//! `true` again.
//!
//! `user/<id>` → `sleeper_users`: one row per scope, keyed by the username or
//! user id the scope names (`lookup`), so two scopes naming the same user by
//! username and by id each own their own row (docs/design.md rule 3).

use serde_json::Value;
use sleeper_shared::Scope;

use super::parse::{boolean, element, object, object_json, req_id, ShapeError};
use super::parse::{text, top_array, top_object, Ctx};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.league_users`.
pub static LEAGUE_USERS: Table = Table {
    name: "league_users",
    columns: &[
        col("league_id", Text),
        col("user_id", Text),
        col("display_name", Text),
        col("avatar", Text),
        col("team_name", Text),
        col("is_owner", Bool),
        col("is_bot", Bool),
        col("metadata", Jsonb),
        col("settings", Jsonb),
        col("in_league", Bool),
        col("_version", Text),
    ],
    key: &["league_id", "user_id"],
    owner: &["league_id"],
    mode: Mode::KeepAbsent { flag: "in_league" },
};

/// `sleeper.sleeper_users`: the users the producer looks up by name or id.
pub static SLEEPER_USERS: Table = Table {
    name: "sleeper_users",
    columns: &[
        col("lookup", Text),
        col("user_id", Text),
        col("username", Text),
        col("display_name", Text),
        col("avatar", Text),
        col("is_bot", Bool),
        col("_version", Text),
    ],
    key: &["lookup"],
    owner: &["lookup"],
    mode: Mode::Replace,
};

pub(super) fn project_league_users(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Users(league_id) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(&LEAGUE_USERS, vec![Val::text(&league_id)]);
    for (i, u) in top_array(&body)?.iter().enumerate() {
        let u = element(u, i)?;
        let metadata = object(u, "metadata")?;
        let team_name = match metadata {
            Some(m) => text(m, "team_name")?,
            None => None,
        };
        rows.push(vec![
            Val::text(&league_id),
            Val::text(req_id(u, "user_id")?),
            Val::Text(text(u, "display_name")?),
            Val::Text(text(u, "avatar")?),
            Val::Text(team_name),
            Val::Bool(boolean(u, "is_owner")?),
            Val::Bool(boolean(u, "is_bot")?),
            Val::Jsonb(metadata.map(Value::to_string)),
            Val::Jsonb(object_json(u, "settings")?),
            Val::Bool(Some(true)),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}

/// A `null` body ("no such user") removes the scope's row.
pub(super) fn project_user(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::User(lookup) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let mut rows = TableRows::new(&SLEEPER_USERS, vec![Val::text(&lookup)]);
    if !ctx.body_is_null() {
        let body = ctx.json()?;
        let u = top_object(&body)?;
        rows.push(vec![
            Val::text(&lookup),
            Val::text(req_id(u, "user_id")?),
            Val::Text(text(u, "username")?),
            Val::Text(text(u, "display_name")?),
            Val::Text(text(u, "avatar")?),
            Val::Bool(boolean(u, "is_bot")?),
            Val::Text(Some(ctx.version())),
        ]);
    }
    Ok(Projection {
        snapshot: vec![rows],
        series: vec![],
    })
}
