//! Before building: the refusals (an outdated live consumer, no migrated
//! schema) and a fresh shadow schema.

use redis::aio::ConnectionManager;
use sleeper_shared::stream::StreamKeys;
use tokio_postgres::Client;

use super::report::RebuildError;
use crate::live::registry;
use crate::project::PROJECTION_VERSION;
use crate::store::migrate::{self, quote_ident, PROJECTION_SCHEMA};

/// Where the new tables are built.
pub const SHADOW_SCHEMA: &str = "sleeper_rebuild";

/// Refuse while a live consumer heartbeats with an older projection
/// version than this binary's (`live::registry`).
pub(super) async fn check_versions(
    redis: &mut ConnectionManager,
    keys: &StreamKeys,
) -> Result<(), RebuildError> {
    let regs = registry::read(redis, keys).await?;
    let now = chrono::Utc::now().timestamp_millis();
    let outdated = registry::outdated(&regs, PROJECTION_VERSION, now);
    if outdated.is_empty() {
        Ok(())
    } else {
        Err(RebuildError::Outdated {
            mine: PROJECTION_VERSION,
            outdated,
        })
    }
}

async fn schema_exists(client: &Client, schema: &str) -> Result<bool, tokio_postgres::Error> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
            &[&schema],
        )
        .await?
        .get(0))
}

/// A fresh shadow schema with the whole projection DDL (tables, views,
/// grants, `_versions`), dropped first if a failed run left one.
pub(super) async fn create_shadow(admin: &mut Client) -> Result<(), RebuildError> {
    if !schema_exists(admin, PROJECTION_SCHEMA).await? {
        return Err(RebuildError::NotMigrated(PROJECTION_SCHEMA));
    }
    drop_shadow(admin).await?;
    migrate::apply_projection(admin, SHADOW_SCHEMA).await?;
    Ok(())
}

/// Drop the shadow schema and its migration history, if any.
pub(super) async fn drop_shadow(admin: &mut Client) -> Result<(), tokio_postgres::Error> {
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            quote_ident(SHADOW_SCHEMA)
        ))
        .await?;
    admin
        .execute(
            "DELETE FROM pipeline.schema_migrations WHERE target_schema = $1",
            &[&SHADOW_SCHEMA],
        )
        .await?;
    Ok(())
}
