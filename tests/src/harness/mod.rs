//! The harness: see the crate docs.

pub mod env;
pub mod events;
pub mod fake;
pub mod fixtures;
pub mod procs;
pub mod season;
pub mod servers;
pub mod wait;

pub use env::{Scalar, TestEnv};
pub use fixtures::fixture;
pub use procs::{migrate, Bin, Proc};
