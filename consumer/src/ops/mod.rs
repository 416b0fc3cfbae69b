//! The library side of the operator commands: everything that reads the
//! archive or the stream on an operator's request rather than as a group
//! member.
//!
//! - `history` — a scope's archived history, compacted (replay and rebuild)
//! - `replay`  — re-project a range of the log, never regressing
//! - `rebuild` — every table afresh into a shadow schema, then swapped in
//! - `hasura`  — Hasura's metadata reload after a swap
//! - `dlq`     — list, show, requeue and discard dead letters
//! - `status`  — stream, groups, lag, DLQ and archive in one report
//! - `stream_source` — the stream as a source: entries the archive lacks, archived first

pub mod dlq;
pub mod hasura;
pub mod history;
pub mod rebuild;
pub mod replay;
pub mod status;
pub mod stream_source;
