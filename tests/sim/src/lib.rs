//! A deterministic simulator of the Sleeper fantasy-football API, for the
//! end-to-end tests, the benchmarks and the offline demo.
//!
//! It generates a world from a seed (players, users, league chains over
//! several seasons with drafts, transactions and schedules), derives what
//! the API shows at any simulated instant (box scores and live fantasy
//! points in game windows, stat corrections days later, projections revised
//! until kickoff, waivers on Wednesdays, a running draft, the NFL week
//! rolling on Tuesdays), and serves it over HTTP with the real payloads'
//! shapes and quirks, plus fault injection and request statistics. It never talks to
//! the real Sleeper, and depends on no other crate of the project.
//!
//! - `generate`, `world`  — the seeded world and its generator
//! - `calendar`, `clock`  — the NFL calendar in US-Eastern time; the simulated clock
//! - `games`              — the NFL schedule: games, slots, byes, scores, playoffs
//! - `stat`, `statlines`  — stat keys; every player's box score per week, with corrections
//! - `projections`        — weekly projections, revised daily until kickoff, stamped after
//! - `scoring`            — points from stats under a league's scoring (public reference)
//! - `timeline`           — what changes with time: rosters, scores, standings, brackets
//! - `render`             — JSON bodies per endpoint, shaped like `fixtures/sleeper/`
//! - `route`              — path → endpoint and route template
//! - `server`, `sim`      — the axum server and its shared state
//! - `body`, `damage`     — ETag/gzip/cache of bodies; faulty bodies
//! - `faults`, `stats`    — fault knobs and draws; request statistics
//! - `overlay`, `mutation`— test-made changes on top of the world
//! - `handle`             — `start()` and the [`SimHandle`] for Rust tests
//! - `cli`                — the `sleeper-sim` binary's flags
//! - `ids`, `noise`       — snowflake ids; stateless seeded randomness

// The league `settings` object has 52 keys: more than json!'s default recursion allows.
#![recursion_limit = "256"]

pub mod body;
pub mod calendar;
pub mod cli;
pub mod clock;
pub mod damage;
pub mod faults;
pub mod games;
pub mod generate;
pub mod handle;
pub mod ids;
pub mod mutation;
pub mod noise;
pub mod overlay;
pub mod projections;
pub mod render;
pub mod route;
pub mod scoring;
pub mod server;
pub mod sim;
pub mod stat;
pub mod statlines;
pub mod stats;
pub mod timeline;
pub mod world;

pub use clock::ClockReading;
pub use faults::{Faults, PathDelay};
pub use generate::GenConfig;
pub use handle::{start, SimConfig, SimHandle};
pub use mutation::Mutation;
pub use stats::StatsSnapshot;
pub use world::World;
