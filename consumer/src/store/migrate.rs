//! Migrations: a small runner of our own, because `rebuild` must re-run the
//! projection DDL into a shadow schema while the history stays in `pipeline`.
//!
//! Two sets, both embedded at build time from `migrations/` (see `build.rs`):
//! `pipeline` runs in schema `pipeline`; `projection` runs in whatever schema
//! it is pointed at (`sleeper`, or a shadow during rebuild) through
//! `search_path`, so its files never qualify names. History is kept in
//! `pipeline.schema_migrations` per target schema, with a checksum so an
//! edited, already-applied migration is refused. A session-level advisory
//! lock makes concurrent `migrate` runs (several replicas starting) safe.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/migrations.rs"));
}

/// The advisory lock key all migration runs serialize on.
const MIGRATION_LOCK: i64 = 0x5EE9_E45F_0001;

/// The projection schema Hasura serves.
pub const PROJECTION_SCHEMA: &str = "sleeper";

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("migration {set}/{name} failed: {source}")]
    Apply {
        set: &'static str,
        name: String,
        source: tokio_postgres::Error,
    },
    #[error("migration {set}/{name} was changed after it was applied to schema {schema} (checksum mismatch)")]
    Changed {
        set: &'static str,
        name: String,
        schema: String,
    },
    #[error("postgres: {0}")]
    Db(#[from] tokio_postgres::Error),
}

/// What a run applied.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MigrateReport {
    pub applied: Vec<String>,
}

/// The projection migrations, in order (for the rebuild's shadow schema).
pub fn projection_migrations() -> &'static [(&'static str, &'static str)] {
    embedded::PROJECTION
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Apply everything pending: the pipeline set, then the projection set into `sleeper`.
pub async fn migrate(client: &mut Client) -> Result<MigrateReport, MigrateError> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    let result = migrate_locked(client).await;
    // Unlock even on failure; the session ending would release it too.
    let _ = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    result
}

async fn migrate_locked(client: &mut Client) -> Result<MigrateReport, MigrateError> {
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS pipeline;
             CREATE TABLE IF NOT EXISTS pipeline.schema_migrations (
                 target_schema text NOT NULL,
                 migration_set text NOT NULL,
                 name          text NOT NULL,
                 checksum      text NOT NULL,
                 applied_at    timestamptz NOT NULL DEFAULT now(),
                 PRIMARY KEY (target_schema, migration_set, name)
             );",
        )
        .await?;
    let mut report = MigrateReport::default();
    apply_set(
        client,
        "pipeline",
        embedded::PIPELINE,
        "pipeline",
        &mut report,
    )
    .await?;
    apply_set(
        client,
        "projection",
        embedded::PROJECTION,
        PROJECTION_SCHEMA,
        &mut report,
    )
    .await?;
    Ok(report)
}

/// Apply the projection set into `schema` (created if missing). Used by rebuild.
pub async fn apply_projection(
    client: &mut Client,
    schema: &str,
) -> Result<MigrateReport, MigrateError> {
    let mut report = MigrateReport::default();
    apply_set(
        client,
        "projection",
        embedded::PROJECTION,
        schema,
        &mut report,
    )
    .await?;
    Ok(report)
}

async fn apply_set(
    client: &mut Client,
    set: &'static str,
    files: &[(&str, &str)],
    schema: &str,
    report: &mut MigrateReport,
) -> Result<(), MigrateError> {
    for (name, sql) in files {
        let sum = checksum(sql);
        let row = client
            .query_opt(
                "SELECT checksum FROM pipeline.schema_migrations
                 WHERE target_schema = $1 AND migration_set = $2 AND name = $3",
                &[&schema, &set, name],
            )
            .await?;
        if let Some(row) = row {
            let applied: String = row.get(0);
            if applied != sum {
                return Err(MigrateError::Changed {
                    set,
                    name: name.to_string(),
                    schema: schema.to_string(),
                });
            }
            continue;
        }
        let tx = client.transaction().await?;
        let apply = async {
            tx.batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; SET LOCAL search_path TO {schema}, public;",
                schema = quote_ident(schema)
            ))
            .await?;
            tx.batch_execute(sql).await?;
            tx.execute(
                "INSERT INTO pipeline.schema_migrations (target_schema, migration_set, name, checksum)
                 VALUES ($1, $2, $3, $4)",
                &[&schema, &set, name, &sum],
            )
            .await?;
            Ok::<_, tokio_postgres::Error>(())
        };
        match apply.await {
            Ok(()) => tx.commit().await?,
            Err(source) => {
                return Err(MigrateError::Apply {
                    set,
                    name: name.to_string(),
                    source,
                })
            }
        }
        tracing::info!(set, name, schema, "migration applied");
        report.applied.push(format!("{schema}:{set}/{name}"));
    }
    Ok(())
}

/// Quote an identifier for SQL (schema names are ours, but quote anyway).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_embedded_in_order_and_never_qualify_the_projection_schema() {
        assert!(!embedded::PIPELINE.is_empty());
        let names: Vec<_> = embedded::PROJECTION.iter().map(|(n, _)| *n).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        for (name, sql) in embedded::PROJECTION {
            assert!(
                !sql.contains("sleeper."),
                "{name} qualifies a table with `sleeper.`; use search_path"
            );
        }
    }
}
