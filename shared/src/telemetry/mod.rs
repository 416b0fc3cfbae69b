//! What both binaries expose about themselves: logs, and the HTTP endpoints
//! `/health`, `/ready` and `/metrics`.
//!
//! - `log`    — tracing subscriber (`LOG_LEVEL`, `LOG_FORMAT=json|text`)
//! - `server` — the axum server for the three endpoints
//! - `ready`  — readiness checks and their JSON body
//! - `probe`  — the `health` subcommand's client side (container healthchecks)

mod log;
mod probe;
mod ready;
mod server;

pub use log::init_tracing;
pub use probe::probe_health;
pub use ready::{Check, CheckResult, ReadyReport, RedisCheck};
pub use server::{serve, ServerHandle};

/// Install the process-wide rustls crypto provider (ring). Call once at start,
/// before any HTTPS client is built; calling it again is harmless.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
