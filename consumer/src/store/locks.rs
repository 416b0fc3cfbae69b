//! The advisory locks that order writers of the projection tables.
//!
//! Every live batch and replay transaction holds [`PROJECTION_LOCK`] shared
//! and its scopes' locks exclusively, in sorted order (no deadlock between
//! consumers); `rebuild`'s swap takes [`PROJECTION_LOCK`] exclusively, so it
//! never swaps under a half-applied batch.

use std::collections::BTreeSet;

use tokio_postgres::Transaction;

/// Every batch holds this advisory lock shared; `rebuild` takes it exclusively to swap.
pub const PROJECTION_LOCK: i64 = 0x5EE9_E45F_0002;

/// Take [`PROJECTION_LOCK`] shared for the rest of `tx`.
pub async fn share_projection(tx: &Transaction<'_>) -> Result<(), tokio_postgres::Error> {
    tx.execute(
        "SELECT pg_advisory_xact_lock_shared($1)",
        &[&PROJECTION_LOCK],
    )
    .await?;
    Ok(())
}

/// Lock the scopes' advisory locks in sorted order, for the rest of `tx`.
pub async fn lock_scopes(
    tx: &Transaction<'_>,
    scopes: &BTreeSet<&str>,
) -> Result<(), tokio_postgres::Error> {
    if scopes.is_empty() {
        return Ok(());
    }
    let sorted: Vec<&str> = scopes.iter().copied().collect();
    // One lock per scope, taken in sorted order; hash collisions only serialize more.
    tx.execute(
        "SELECT count(pg_advisory_xact_lock(hashtextextended(s, 0)))
         FROM (SELECT s FROM unnest($1::text[]) AS s ORDER BY s) AS sorted",
        &[&sorted],
    )
    .await?;
    Ok(())
}
