//! Postgres storage: the pieces every writer of the tables shares.
//!
//! - `connect`  — pools and single connections from `DATABASE_URL`, the readiness check
//! - `migrate`  — the embedded migrations and their runner
//! - `archive`  — `pipeline.event_log`, every entry read, insert-if-absent
//! - `locks`    — the projection lock and the per-scope advisory locks
//! - `versions` — `_versions`, each scope's applied version: read and moved
//! - `write`    — the generic, column-wise row writer of the live path
//! - `copy_in`  — binary COPY into tables that hold none of the rows yet (rebuild's shadow)
//! - `derived`  — when the derived tables under the all-time views are recomputed
//! - `pg_text`  — text as Postgres accepts it (NUL → U+FFFD)

pub mod archive;
pub mod connect;
pub mod copy_in;
pub mod derived;
pub mod locks;
pub mod migrate;
pub mod pg_text;
pub mod versions;
pub mod write;
