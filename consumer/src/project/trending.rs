//! `players/nfl/trending/{add,drop}` → `trending_players`: samples only
//! (docs/design.md rule 4). Every event adds one sample per listed player, keyed by
//! the event's version, insert-if-absent, never deleted; `rank` is the
//! 1-based position in Sleeper's list. Nothing is owned as a snapshot: the
//! view `trending_current` shows each list's newest sample.

use sleeper_shared::Scope;

use super::parse::{element, int, req_id, top_array, Ctx, ShapeError};
use super::table::{col, ColType::*, Mode, Projection, Table, TableRows, Val};

/// `sleeper.trending_players`.
pub static TRENDING_PLAYERS: Table = Table {
    name: "trending_players",
    columns: &[
        col("type", Text),
        col("version_ms", BigInt),
        col("version_seq", BigInt),
        col("fetched_at", Timestamptz),
        col("origin", Text),
        col("player_id", Text),
        col("count", BigInt),
        col("rank", Int),
    ],
    key: &["type", "version_ms", "version_seq", "player_id"],
    owner: &[],
    mode: Mode::Series,
};

pub(super) fn project(ctx: &Ctx<'_>) -> Result<Projection, ShapeError> {
    let Scope::Trending(trend) = ctx.scope()? else {
        return Err(ctx.scope_err());
    };
    let body = ctx.json()?;
    let mut rows = TableRows::new(&TRENDING_PLAYERS, vec![]);
    for (i, t) in top_array(&body)?.iter().enumerate() {
        let t = element(t, i)?;
        rows.push(vec![
            Val::text(trend.as_str()),
            Val::BigInt(Some(ctx.id.ms)),
            Val::BigInt(Some(ctx.id.seq)),
            Val::Timestamptz(Some(ctx.env.fetched_at_ms)),
            Val::text(ctx.env.origin.as_str()),
            Val::text(req_id(t, "player_id")?),
            Val::BigInt(int(t, "count")?),
            Val::Int(Some(i32::try_from(i + 1).unwrap_or(i32::MAX))),
        ]);
    }
    Ok(Projection {
        snapshot: vec![],
        series: vec![rows],
    })
}
