//! The consumer: reads events from the stream as a member of a consumer group
//! and turns them into Postgres tables, archiving every event.
//!
//! It never calls Sleeper and never appends to the main stream (only to its
//! DLQ, and `dlq requeue` back to the stream).
//!
//! - `config`    — settings from the environment
//! - `read`      — XREADGROUP (own pending first), XAUTOCLAIM, delivery counts
//! - `batch`     — one transaction per batch: archive, lock, then coalesced or event by event
//! - `coalesce`  — a batch's newest snapshot per scope, every table written once (the fast path)
//! - `project`   — one module per event kind, each a pure `event → rows`
//! - `write`     — the generic, column-wise row writer
//! - `copy_in`   — binary COPY into tables that hold none of the rows yet (rebuild's shadow)
//! - `archive`   — `pipeline.event_log`, insert-if-absent
//! - `ack`       — XACK, and dead letters (XADD to the DLQ + XACK in one MULTI)
//! - `projector` — the stepping loop (`process_once`) and `run`
//! - `migrate`   — the embedded migrations and their runner
//! - `replay`    — re-project a range of the archive (newest per scope + series), never regressing
//! - `rebuild`   — every table afresh into a shadow schema from the archive, compacted, then swapped in
//! - `registry`  — consumer heartbeats with their projection version (rebuild's version check)
//! - `trim`      — retention (XTRIM MINID below every group's safe id) and idle consumer names
//! - `dlq`, `status` — the `dlq` and `status` commands
//! - `versions`  — `_versions`, each scope's applied version: read and moved, one or many at once
//! - `metrics`, `app` — metrics, connections and readiness checks

pub mod ack;
pub mod app;
pub mod archive;
pub mod batch;
pub mod coalesce;
pub mod config;
pub mod copy_in;
pub mod dlq;
pub mod metrics;
pub mod migrate;
pub mod pg_text;
pub mod project;
pub mod projector;
pub mod read;
pub mod rebuild;
pub mod registry;
pub mod replay;
pub mod status;
pub mod trim;
pub mod versions;
pub mod write;
