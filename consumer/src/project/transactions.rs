//! `league/<id>/transactions/<round>` → `transactions` and `transaction_moves`.
//!
//! The scope owns the rows of its league and round: `leg` holds the round of
//! the scope's URL (not the body's `leg`, which a row could disagree with), so
//! each row has exactly one owning scope. Moves come from `adds` and `drops`
//! (`{player_id: roster_id}`, either may be `null`); a trade can add and drop
//! the same player (to one roster, from another): two moves.

use sleeper_shared::Scope;

use super::parse::{array_json, element, id, int, int4_of, object};
use super::parse::{object_json, req_id, string, top_array, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.transactions`.
pub static TRANSACTIONS: Table = Table {
    name: "transactions",
    columns: &[
        col("transaction_id", Text),
        col("league_id", Text),
        col("leg", Int),
        col("type", Text),
        col("status", Text),
        col("creator", Text),
        col("created", Timestamptz),
        col("status_updated", Timestamptz),
        col("roster_ids", Jsonb),
        col("consenter_ids", Jsonb),
        col("settings", Jsonb),
        col("metadata", Jsonb),
        col("draft_picks", Jsonb),
        col("waiver_budget", Jsonb),
        col("_version", Text),
    ],
    key: &["transaction_id"],
    owner: &["league_id", "leg"],
    mode: Mode::Replace,
};

/// `sleeper.transaction_moves`.
pub static TRANSACTION_MOVES: Table = Table {
    name: "transaction_moves",
    columns: &[
        col("transaction_id", Text),
        col("league_id", Text),
        col("leg", Int),
        col("player_id", Text),
        col("action", Text),
        col("roster_id", Int),
        col("_version", Text),
    ],
    key: &["transaction_id", "player_id", "action"],
    owner: &["league_id", "leg"],
    mode: Mode::Replace,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Transactions { league_id, round } = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let leg = i32::from(round);
    let body = ctx.json()?;
    let version = ctx.version();
    let owner = vec![Val::text(&league_id), Val::Int(Some(leg))];
    let mut txs = TableRows::new(&TRANSACTIONS, owner.clone());
    let mut moves = TableRows::new(&TRANSACTION_MOVES, owner);
    for (i, t) in top_array(&body)?.iter().enumerate() {
        let t = element(t, i)?;
        let transaction_id = req_id(t, "transaction_id")?;
        // `leg` comes from the scope; the body's must still be a number.
        int(t, "leg")?;
        txs.push(vec![
            Val::text(&transaction_id),
            Val::text(&league_id),
            Val::Int(Some(leg)),
            Val::Text(string(t, "type")?),
            Val::Text(string(t, "status")?),
            Val::Text(id(t, "creator")?),
            Val::Timestamptz(int(t, "created")?),
            Val::Timestamptz(int(t, "status_updated")?),
            Val::Jsonb(array_json(t, "roster_ids")?),
            Val::Jsonb(array_json(t, "consenter_ids")?),
            Val::Jsonb(object_json(t, "settings")?),
            Val::Jsonb(object_json(t, "metadata")?),
            Val::Jsonb(array_json(t, "draft_picks")?),
            Val::Jsonb(array_json(t, "waiver_budget")?),
            Val::Text(Some(version.clone())),
        ]);
        for action in ["add", "drop"] {
            let key = format!("{action}s");
            let Some(map) = object(t, &key)?.and_then(|m| m.as_object()) else {
                continue;
            };
            for (player_id, roster) in map {
                moves.push(vec![
                    Val::text(&transaction_id),
                    Val::text(&league_id),
                    Val::Int(Some(leg)),
                    Val::text(player_id),
                    Val::text(action),
                    Val::Int(int4_of(roster, &format!("{key}.{player_id}"))?),
                    Val::Text(Some(version.clone())),
                ]);
            }
        }
    }
    Ok(Projection {
        snapshot: vec![txs, moves],
        series: vec![],
    })
}
