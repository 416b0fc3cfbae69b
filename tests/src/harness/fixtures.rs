//! The real Sleeper responses recorded in `tests/fixtures/` (copied from
//! `shared/fixtures/sleeper/`; see `tests/fixtures/SOURCES.md`).

use std::path::PathBuf;

/// The folder holding the fixtures.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// The bytes of `tests/fixtures/<name>.json`, exactly as recorded.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = dir().join(format!("{name}.json"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// `tests/fixtures/<name>.json`, parsed.
pub fn json_fixture(name: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}
