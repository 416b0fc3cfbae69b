//! The contract between the producer and the consumer.
//!
//! Everything both sides must agree on lives here, and nothing else: what an
//! event looks like on the wire, how scopes are named, which Redis keys derive
//! from `STREAM_KEY`, how configuration is read, and the telemetry both
//! binaries expose. It performs no Sleeper calls and no Postgres writes.
//!
//! - [`kind`]      — the closed set of event kinds (`state`, `rosters`, …)
//! - [`scope`]     — the canonical scope strings (`league/<id>/rosters`, …)
//! - [`envelope`]  — the MessagePack envelope and its codec (zstd, caps)
//! - [`stream`]    — stream entry fields and every key derived from `STREAM_KEY`
//! - [`config`]    — reading the environment; bad values exit 2 naming the variable
//! - [`redis_conn`] — connecting to Redis with timeouts that suit each use
//! - [`lag`]       — consumer-group lag, read from Redis (exported by both binaries)
//! - [`redis_reply`] — the Redis replies read: stream entries with raw field bytes, group queries
//! - [`telemetry`] — tracing setup, the `/health` `/ready` `/metrics` server
//! - [`redact`]    — credential-free renderings of URLs for logs and `/ready`
//! - [`shutdown`]  — SIGTERM / Ctrl-C → a cancellation token
//! - [`startup`]   — what both binaries' `main` does: config errors, tracing, runtime, exit codes
//! - [`stream_id`] — stream ids (`<ms>-<seq>`), ordered numerically: an event's version

pub mod config;
pub mod envelope;
pub mod kind;
pub mod lag;
pub mod redact;
pub mod redis_conn;
pub mod redis_reply;
pub mod scope;
pub mod shutdown;
pub mod startup;
pub mod stream;
pub mod stream_id;
pub mod telemetry;

pub use envelope::{Envelope, Origin};
pub use kind::Kind;
pub use scope::Scope;
pub use stream_id::StreamId;
