//! `league/<id>/transactions/<round>` → `transactions`, `transaction_moves`
//! and the two ledgers, `transaction_draft_picks` and `transaction_waiver_budget`.
//!
//! The scope owns the rows of its league and round in all four: `leg` holds
//! the round of the scope's URL (not the body's `leg`, which a row could
//! disagree with), so each row has exactly one owning scope (docs/design.md
//! rule 3). Moves come from `adds` and `drops` (`{player_id: roster_id}`,
//! either may be `null`); a trade can add and drop the same player (to one
//! roster, from another): two moves. Every `type` is projected alike
//! (`chopped`, a guillotine league's cut, included); `creator` may be null.
//!
//! The ledgers have one row per element of `draft_picks` and `waiver_budget`,
//! keyed by its position in the array (`ordinal`): nothing in an element
//! makes it unique, and two identical FAAB lines are two payments.

use sleeper_shared::Scope;

use super::parse::{array, array_json, element, element_at, id, int, int4, int4_of};
use super::parse::{object, object_json, req_id, string, text, top_array};
use super::parse::{Ctx, ShapeError};
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

/// `sleeper.transaction_draft_picks`: one row per pick a transaction moved.
/// `season` is the text Sleeper sent (`"2027"`), `original_roster_id` the
/// roster the pick was first allotted to (`roster_id`), `from_roster_id` /
/// `to_roster_id` its `previous_owner_id` / `owner_id` (roster ids). A pick
/// going back to its original roster is a move like any other.
pub static TRANSACTION_DRAFT_PICKS: Table = Table {
    name: "transaction_draft_picks",
    columns: &[
        col("transaction_id", Text),
        col("ordinal", Int),
        col("league_id", Text),
        col("leg", Int),
        col("season", Text),
        col("round", Int),
        col("original_roster_id", Int),
        col("from_roster_id", Int),
        col("to_roster_id", Int),
        col("_version", Text),
    ],
    key: &["transaction_id", "ordinal"],
    owner: &["league_id", "leg"],
    mode: Mode::Replace,
};

/// `sleeper.transaction_waiver_budget`: one row per FAAB move of a
/// transaction (`sender` → `receiver`, `amount` in budget dollars).
pub static TRANSACTION_WAIVER_BUDGET: Table = Table {
    name: "transaction_waiver_budget",
    columns: &[
        col("transaction_id", Text),
        col("ordinal", Int),
        col("league_id", Text),
        col("leg", Int),
        col("from_roster_id", Int),
        col("to_roster_id", Int),
        col("amount", Int),
        col("_version", Text),
    ],
    key: &["transaction_id", "ordinal"],
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
    let mut moves = TableRows::new(&TRANSACTION_MOVES, owner.clone());
    let mut picks = TableRows::new(&TRANSACTION_DRAFT_PICKS, owner.clone());
    let mut budget = TableRows::new(&TRANSACTION_WAIVER_BUDGET, owner);
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
        for (n, p) in array(t, "draft_picks")?.iter().enumerate() {
            let p = element_at(p, &format!("draft_picks[{n}]"))?;
            picks.push(vec![
                Val::text(&transaction_id),
                Val::Int(Some(ordinal(n)?)),
                Val::text(&league_id),
                Val::Int(Some(leg)),
                Val::Text(text(p, "season")?),
                Val::Int(int4(p, "round")?),
                Val::Int(int4(p, "roster_id")?),
                Val::Int(int4(p, "previous_owner_id")?),
                Val::Int(int4(p, "owner_id")?),
                Val::Text(Some(version.clone())),
            ]);
        }
        for (n, b) in array(t, "waiver_budget")?.iter().enumerate() {
            let b = element_at(b, &format!("waiver_budget[{n}]"))?;
            budget.push(vec![
                Val::text(&transaction_id),
                Val::Int(Some(ordinal(n)?)),
                Val::text(&league_id),
                Val::Int(Some(leg)),
                Val::Int(int4(b, "sender")?),
                Val::Int(int4(b, "receiver")?),
                Val::Int(int4(b, "amount")?),
                Val::Text(Some(version.clone())),
            ]);
        }
    }
    Ok(Projection {
        snapshot: vec![txs, moves, picks, budget],
        series: vec![],
    })
}

/// A position in an array as an `int4` key column (an array longer than
/// `i32::MAX` is not a transaction).
fn ordinal(n: usize) -> Result<i32, ShapeError> {
    i32::try_from(n).map_err(|_| ShapeError::Type {
        path: format!("[{n}]"),
        expected: "an array of at most 2^31 elements",
        found: n.to_string(),
    })
}
