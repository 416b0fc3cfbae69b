//! The live path of one event, in the order it is taken:
//! read → decode → batch (archive, lock, coalesce or apply one by one) →
//! ack or dead-letter. `projector` steps through it; `trim` and `registry`
//! are the run loop's upkeep.
//!
//! - `group`     — the consumer group: created (from 0) when missing, checked for `/ready`
//! - `read`      — XREADGROUP (own pending first), XAUTOCLAIM, delivery counts
//! - `decode`    — entry → envelope, or the reason it is dead
//! - `dead`      — the dead-letter reason codes
//! - `batch`     — one transaction per batch: archive, lock, then coalesced or event by event
//! - `coalesce`  — a batch's newest snapshot per scope, every table written once (the fast path)
//! - `apply`     — one event under its own savepoint: version guard, snapshot, series
//! - `ack`       — XACK, and dead letters (XADD to the DLQ + XACK in one MULTI)
//! - `projector` — the stepping loop (`process_once`) and `run`
//! - `trim`      — retention (XTRIM MINID below every group's safe id), idle consumer names
//! - `registry`  — heartbeats with the projection version (rebuild's version check)

pub mod ack;
pub mod apply;
pub mod batch;
pub mod coalesce;
pub mod dead;
pub mod decode;
pub mod group;
pub mod projector;
pub mod read;
pub mod registry;
pub mod trim;
