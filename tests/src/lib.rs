//! End-to-end test support: real servers, the Sleeper fake, and the
//! project's own binaries, hidden behind a few helpers so tests read as
//! behaviour (`TestEnv::new()`, `fixture("rosters")`, `Bin::producer()`).
//!
//! - `harness::servers` — throw-away `redis-server` and Postgres cluster, once per test binary
//! - `harness::env`     — one test's own database and stream key
//! - `harness::procs`   — running `sleeper-producer` / `sleeper-consumer` as processes
//! - `harness::fake`    — a minimal Sleeper HTTP fake serving fixed bodies
//! - `harness::fixtures`— the real recorded Sleeper payloads in `tests/fixtures/`

pub mod harness;
