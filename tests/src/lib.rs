//! End-to-end test support: real servers, the Sleeper fake, and the
//! project's own binaries, hidden behind a few helpers so tests read as
//! behaviour (`TestEnv::migrated("poison")`, `fixture("rosters")`, `Bin::producer()`).
//!
//! - `harness::servers` — throw-away `redis-server` and Postgres cluster, once per test binary
//! - `harness::env`     — one test's own database and stream key: migrate, append, drain
//! - `harness::events`  — envelopes built by hand; XADD, consumer groups
//! - `harness::wait`    — `eventually`, and waiting for consumer groups to drain
//! - `harness::season`  — a generated season log of realistic events
//! - `harness::procs`   — running `sleeper-producer` / `sleeper-consumer` as processes
//! - `harness::fake`    — a minimal Sleeper HTTP fake serving fixed bodies
//! - `harness::fixtures`— the real recorded Sleeper payloads in `tests/fixtures/`

pub mod harness;
