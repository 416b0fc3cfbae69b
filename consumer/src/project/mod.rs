//! Projections: one pure function per event kind, `event → rows`.
//!
//! A projection reads nothing but its event: no other table, no `now()`, no
//! serial ids (docs/design.md rule 3). It returns the complete set of rows its scope
//! owns ([`Mode::Replace`]: rows that left the snapshot are removed) and any
//! time-series samples ([`Mode::Series`]: insert-if-absent, applied even when
//! the snapshot itself is older than what is applied — rule 4). Writing the
//! rows is a separate, generic step (`store::write`).
//!
//! Adding a kind: a new file here, one line in [`project`], one fixture test.

mod brackets;
mod drafts;
pub mod kept;
mod league;
mod matchups;
mod nfl_schedule;
mod nfl_stats;
pub mod parse;
mod picks;
mod players;
mod rosters;
mod state;
pub mod table;
mod transactions;
mod trending;
mod users;

#[cfg(test)]
mod tests;

use sleeper_shared::{Envelope, Kind};

pub use table::{Col, ColType, Mode, Projection, Table, TableRows, Val};

use sleeper_shared::StreamId;

/// The version of the projection logic compiled into this binary. Bump it
/// whenever any projection's output changes: each running consumer registers
/// it with a heartbeat, and `rebuild` refuses to swap while a live consumer
/// runs an older one (it would keep writing the old shape into new tables).
pub const PROJECTION_VERSION: u32 = 2;

/// Every projection table, in the order of the migrations (tests, tools).
pub static TABLES: &[&Table] = &[
    &state::NFL_STATE,
    &players::PLAYERS,
    &league::LEAGUES,
    &users::LEAGUE_USERS,
    &users::SLEEPER_USERS,
    &rosters::ROSTERS,
    &rosters::ROSTER_PLAYERS,
    &matchups::MATCHUPS,
    &matchups::MATCHUP_PLAYERS,
    &matchups::MATCHUP_SCORE_HISTORY,
    &transactions::TRANSACTIONS,
    &transactions::TRANSACTION_MOVES,
    &transactions::TRANSACTION_DRAFT_PICKS,
    &transactions::TRANSACTION_WAIVER_BUDGET,
    &picks::TRADED_PICKS,
    &picks::DRAFT_TRADED_PICKS,
    &drafts::DRAFTS,
    &drafts::DRAFT_PICKS,
    &brackets::PLAYOFF_BRACKETS,
    &trending::TRENDING_PLAYERS,
    &league::LEAGUE_SCORING,
    &nfl_schedule::NFL_GAMES,
    &nfl_stats::PLAYER_STAT_LINES,
    &nfl_stats::PLAYER_WEEK_STATS,
    &nfl_stats::PLAYER_STAT_SAMPLES,
    &nfl_stats::PLAYER_PROJECTION_SAMPLES,
];

/// Sets of rows grouped by table, in [`TABLES`] order (the writers write
/// each table once for many sets).
pub fn by_table<'a>(
    rows: impl IntoIterator<Item = &'a TableRows>,
) -> Vec<(&'static Table, Vec<&'a TableRows>)> {
    let mut sets: std::collections::HashMap<*const Table, Vec<&'a TableRows>> =
        std::collections::HashMap::new();
    for t in rows {
        sets.entry(std::ptr::from_ref(t.table)).or_default().push(t);
    }
    TABLES
        .iter()
        .filter_map(|table| Some((*table, sets.remove(&std::ptr::from_ref(*table))?)))
        .collect()
}

/// The payload does not have the shape the projection needs. Permanent:
/// the event goes to the DLQ with this as its reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payload of {kind} {scope} has an unexpected shape: {detail}")]
pub struct PayloadShape {
    pub kind: Kind,
    pub scope: String,
    pub detail: String,
}

/// Project one event. `id` is its original stream id (its version).
pub fn project(id: StreamId, env: &Envelope) -> Result<Projection, PayloadShape> {
    project_tables(id, env, |_| true)
}

/// [`project`], keeping only the tables `keep` accepts (rebuild's older
/// events need only a few): the others are neither deduplicated nor
/// returned. Accepts and refuses exactly the events [`project`] does.
pub fn project_tables(
    id: StreamId,
    env: &Envelope,
    keep: impl Fn(&Table) -> bool,
) -> Result<Projection, PayloadShape> {
    let shape = |detail: String| PayloadShape {
        kind: env.kind,
        scope: env.scope.clone(),
        detail,
    };
    let ctx = parse::Ctx {
        id,
        env,
        wanted: &keep,
    };
    let mut projection = match env.kind {
        Kind::State => state::project(&ctx),
        Kind::Players => players::project(&ctx),
        Kind::Trending => trending::project(&ctx),
        Kind::User => users::project_user(&ctx),
        // Discovery only (see `league`): archived, projects nothing.
        Kind::UserLeagues | Kind::LeagueDrafts => Ok(Projection::default()),
        Kind::League => league::project(&ctx),
        Kind::Rosters => rosters::project(&ctx),
        Kind::Users => users::project_league_users(&ctx),
        Kind::Matchups => matchups::project(&ctx),
        Kind::Transactions => transactions::project(&ctx),
        Kind::TradedPicks => picks::project_league(&ctx),
        Kind::WinnersBracket | Kind::LosersBracket => brackets::project(&ctx),
        Kind::Draft => drafts::project_draft(&ctx),
        Kind::DraftPicks => drafts::project_picks(&ctx),
        Kind::DraftTradedPicks => picks::project_draft(&ctx),
        Kind::NflStats => nfl_stats::project_stats(&ctx),
        Kind::NflProjections => nfl_stats::project_projections(&ctx),
        Kind::NflSchedule => nfl_schedule::project(&ctx),
    }
    .map_err(|e| shape(e.to_string()))?;
    projection.snapshot.retain(|t| keep(t.table));
    projection.series.retain(|t| keep(t.table));
    for t in projection
        .snapshot
        .iter_mut()
        .chain(projection.series.iter_mut())
    {
        t.dedup_by_key();
    }
    Ok(projection)
}
