//! A rendered response body with its ETag and (lazily) its gzip form, and
//! the small cache that keeps bodies per (path, time epoch, overlay version).
//!
//! Rendering is cheap for most endpoints, but `/players/nfl` can be megabytes
//! and is asked for by every client: caching the JSON and the gzip bytes
//! keeps a benchmark's CPU on the system under test, not on the simulator.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

/// FNV-1a, 64-bit: a stable content hash (std's hasher may change between
/// Rust versions; ETags should not).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

pub fn etag_of(bytes: &[u8]) -> String {
    format!("\"{:016x}\"", fnv1a(bytes))
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4 + 64),
        Compression::fast(),
    );
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

#[derive(Debug)]
pub struct Body {
    pub json: Bytes,
    pub etag: String,
    gzipped: OnceLock<Bytes>,
}

impl Body {
    pub fn new(json: impl Into<Bytes>) -> Arc<Self> {
        let json = json.into();
        Arc::new(Self {
            etag: etag_of(&json),
            json,
            gzipped: OnceLock::new(),
        })
    }

    pub fn gzip(&self) -> Bytes {
        self.gzipped
            .get_or_init(|| Bytes::from(gzip(&self.json)))
            .clone()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub path: String,
    pub epoch_ms: i64,
    pub overlay_version: u64,
}

/// Bounded by entry count; cleared wholesale when full (entries for past
/// epochs are dead anyway once the clock has moved on).
#[derive(Debug, Default)]
pub struct BodyCache {
    map: HashMap<CacheKey, Arc<Body>>,
}

const MAX_ENTRIES: usize = 4096;

impl BodyCache {
    pub fn get(&self, key: &CacheKey) -> Option<Arc<Body>> {
        self.map.get(key).cloned()
    }

    pub fn insert(&mut self, key: CacheKey, body: Arc<Body>) {
        if self.map.len() >= MAX_ENTRIES {
            self.map.clear();
        }
        self.map.insert(key, body);
    }

    pub fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_is_stable_and_gzip_round_trips() {
        assert_eq!(etag_of(b"null"), etag_of(b"null"));
        assert_ne!(etag_of(b"[1]"), etag_of(b"[2]"));
        let body = Body::new(b"{\"a\":1}".to_vec());
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&body.gzip()[..]),
            &mut out,
        );
        assert_eq!(out, "{\"a\":1}");
    }
}
