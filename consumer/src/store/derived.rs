//! The derived tables under the all-time views (docs/design.md "Derived
//! tables", migration 0007): triggers mark the leagues a transaction wrote
//! and recompute them when it commits. Writers that commit many
//! transactions in a row can leave that for later and recompute once:
//! rebuild's bulk build (a whole session, then [`refresh_all`]) and the
//! live projector under a backlog (a transaction at a time, then
//! [`refresh_marked`] before its acks are sent).

use tokio_postgres::{Client, GenericClient};

use super::migrate::PROJECTION_SCHEMA;

/// The derived tables, for `ANALYZE` beside the projection's.
pub const TABLES: [&str; 3] = ["_league_chains", "_league_games", "_league_rosters"];

/// This transaction leaves its marks for a later [`refresh_marked`].
pub async fn defer_transaction(tx: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
    tx.batch_execute("SET LOCAL sleeper_sync.derived = deferred")
        .await
}

/// Recompute every league marked so far (this transaction's marks and any
/// left by deferred ones) in the live schema, inside the caller's
/// transaction. Milliseconds per league; nothing when none is marked.
pub async fn refresh_marked(tx: &impl GenericClient) -> Result<(), tokio_postgres::Error> {
    // The schema as a text parameter: a `name` (current_schema()) would
    // carry collation "C" into the function's variables.
    tx.execute("SELECT _derived_refresh($1::text)", &[&PROJECTION_SCHEMA])
        .await
        .map(drop)
}

/// [`refresh_marked`] in a transaction of its own (a writer that deferred
/// and has nothing more to write).
pub async fn refresh_marked_now(client: &mut Client) -> Result<(), tokio_postgres::Error> {
    let tx = client.transaction().await?;
    refresh_marked(&tx).await?;
    tx.commit().await
}

/// Leave the derived tables' marks for [`refresh_all`] on this session.
pub async fn defer_session(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute("SET sleeper_sync.derived = deferred")
        .await
}

/// Recompute every derived table of the session's schema (its
/// `search_path`), and stop deferring: rebuild's shadow after its bulk
/// build, one statement per table instead of one per league.
pub async fn refresh_all(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute("RESET sleeper_sync.derived; SELECT _derived_refresh_all()")
        .await
}
