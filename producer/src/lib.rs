//! The producer: polls the Sleeper API and appends every changed snapshot to
//! the Redis stream.
//!
//! It writes raw snapshots only and never touches Postgres. Its one duty
//! besides freshness is to never get the user's IP blocked: every request
//! draws from one quota shared through Redis.
//!
//! - `config`    — settings from the environment
//! - `clock`     — the one clock (system, or the simulator's via `SIM_CLOCK_URL`)
//! - `cadence`   — poll intervals and live game windows (defaults, `SLEEPER_POLL_CONFIG`)
//! - `discover`  — the few scheduling fields read out of bodies, tolerant of every quirk
//! - `plan`      — which scopes are due, as a pure function of time and what is known
//! - `quota`     — the deployment-wide sliding-window budget, in Redis
//! - `fetch`     — one HTTP GET with timeout, body cap, retries and backoff
//! - `canonical` — the content hash that decides "unchanged", and JSON validation
//! - `publish`   — fetch tickets and the check-and-append Lua script
//! - `sync`      — one scope end to end: ticket → fetch → envelope → append
//! - `once`      — a pass over everything the plan knows, discovery first
//! - `run`       — the polling loop: plan, dispatch within the quota, metrics, shutdown
//! - `backfill`  — past seasons through `previous_league_id`
//! - `metrics`   — the producer's Prometheus metrics
//! - `app`       — wiring the parts together
//! - `cli`       — the command line: each subcommand from configuration to exit code

pub mod app;
pub mod backfill;
pub mod cadence;
pub mod canonical;
pub mod cli;
pub mod clock;
pub mod config;
pub mod discover;
pub mod fetch;
pub mod metrics;
pub mod once;
pub mod plan;
pub mod publish;
pub mod quota;
pub mod run;
pub mod sync;
