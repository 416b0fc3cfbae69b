//! The consumer: reads events from the stream as a member of a consumer group
//! and turns them into Postgres tables, archiving every event.
//!
//! It never calls Sleeper and never appends to the main stream (only to its
//! DLQ, and `dlq requeue` back to the stream). The folders follow an event's
//! path; ARCHITECTURE.md maps them, docs/design.md states the rules they keep.
//!
//! - [`live`]    — the live path: read → decode → batch → coalesce/apply → ack, and the run loop
//! - [`project`] — one module per event kind, each a pure `event → rows`; compaction of a scope's history
//! - [`store`]   — Postgres: connections, migrations, archive, locks, versions, the row writers
//! - [`ops`]     — what operators ask for: replay, rebuild, DLQ, status (the library side)
//! - [`cli`]     — the command line: one module per command, output and exit codes
//! - [`app`]     — the `run` command's wiring: connections, HTTP, group, projector
//! - [`config`], [`metrics`] — settings from the environment; the Prometheus metrics
//!
//! Dependencies point one way: `cli` → `app`/`ops` → `live` → `project`/`store`.

pub mod app;
pub mod cli;
pub mod config;
pub mod live;
pub mod metrics;
pub mod ops;
pub mod project;
pub mod store;
