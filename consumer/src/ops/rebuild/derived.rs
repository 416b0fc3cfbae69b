//! The derived tables in the shadow (docs/design.md rule 10, "Derived
//! tables"): the build COPYs thousands of scopes in many transactions, and
//! recomputing the leagues each one touched at its commit would redo every
//! league several times. The build defers it; one statement afterwards
//! recomputes every league from the finished base tables, before the
//! catch-up, whose transactions recompute what they touch as live ones do.

use tokio_postgres::Client;

/// The derived tables (migration 0007), analysed with the projection's.
pub(super) const TABLES: [&str; 3] = ["_league_chains", "_league_games", "_league_rosters"];

/// Leave the derived tables' marks for [`refresh_all`] on this session.
pub(super) async fn defer(shadow: &Client) -> Result<(), tokio_postgres::Error> {
    shadow.batch_execute("SET sleeper.derived = deferred").await
}

/// Recompute every derived table of the session's schema (its
/// `search_path`), and stop deferring.
pub(super) async fn refresh_all(shadow: &Client) -> Result<(), tokio_postgres::Error> {
    shadow
        .batch_execute("RESET sleeper.derived; SELECT _derived_refresh_all()")
        .await
}
