//! End-to-end tests against real Redis, real Postgres and the project's own
//! binaries. One test binary, so the servers start once for all of them.

mod all_time;
mod analytics;
mod backup;
mod chain_reference;
mod consumer;
mod crash;
mod damaged;
mod faults;
mod hasura;
mod lossless;
mod migrate;
mod producer;
mod prometheus;
mod quota;
mod rebuild;
mod redis_failures;
mod replay;
mod results;
mod run_local;
mod skeleton;
mod support;
mod trim;
mod writes;
