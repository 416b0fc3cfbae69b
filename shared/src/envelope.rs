//! The event envelope and its codec.
//!
//! An event is one raw Sleeper response plus what is needed to order, dedup
//! and route it. The body is kept byte-for-byte as Sleeper sent it (a later
//! projection fix must be able to re-read exactly that), zstd-compressed on
//! the wire above [`COMPRESS_THRESHOLD`]. The wire form is MessagePack with
//! named fields (`rmp_serde::to_vec_named`): old events must stay decodable by
//! new code, so new fields get `#[serde(default)]` and unknown ones are ignored.

use serde::{Deserialize, Serialize};

use crate::kind::Kind;

/// The envelope format this code writes. Decoding refuses newer versions.
pub const FORMAT_VERSION: u16 = 1;

/// Bodies at least this large are zstd-compressed on the wire.
pub const COMPRESS_THRESHOLD: usize = 4 * 1024;

/// Default cap on a decoded body (guards against decompression bombs).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024 * 1024;

/// Why the snapshot was fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The live poll loop (`run` or `once`).
    Poll,
    /// History walked by `backfill`.
    Backfill,
}

impl Origin {
    /// `poll` or `backfill`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Poll => "poll",
            Origin::Backfill => "backfill",
        }
    }
}

/// A decoded event: one raw snapshot and its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub kind: Kind,
    /// Canonical scope string (see [`crate::scope::Scope`]).
    pub scope: String,
    /// The league this snapshot belongs to, draft scopes included.
    pub league_id: Option<String>,
    pub origin: Origin,
    /// When the response arrived, in milliseconds since the Unix epoch.
    pub fetched_at_ms: i64,
    /// HTTP status of the response.
    pub status: u16,
    /// Hex SHA-256 of the canonical form of the body (see the producer's dedup).
    pub content_hash: String,
    /// The per-scope fetch ticket this snapshot was fetched under.
    pub ticket: u64,
    /// The response body exactly as received (decompressed).
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BodyEncoding {
    Identity,
    Zstd,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    v: u16,
    kind: String,
    scope: String,
    #[serde(default)]
    league_id: Option<String>,
    origin: Origin,
    fetched_at_ms: i64,
    status: u16,
    content_hash: String,
    #[serde(default)]
    ticket: u64,
    encoding: BodyEncoding,
    #[serde(with = "serde_bytes")]
    body: Vec<u8>,
}

/// Why bytes could not be read as an envelope. Every variant is permanent:
/// the same bytes will never decode, so the entry belongs in the DLQ.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("not a MessagePack envelope: {0}")]
    Malformed(String),
    #[error("unsupported envelope version {0} (this build reads up to {FORMAT_VERSION})")]
    UnsupportedVersion(u16),
    #[error("unknown kind {0:?}")]
    UnknownKind(String),
    #[error("body decompression failed: {0}")]
    Decompress(String),
    #[error("body larger than the cap of {cap} bytes")]
    TooLarge { cap: usize },
}

impl DecodeError {
    /// A short, bounded label for metrics (`reason` label).
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::Malformed(_) => "malformed_envelope",
            DecodeError::UnsupportedVersion(_) => "unsupported_version",
            DecodeError::UnknownKind(_) => "unknown_kind",
            DecodeError::Decompress(_) => "decompress",
            DecodeError::TooLarge { .. } => "too_large",
        }
    }
}

/// Why an envelope could not be encoded.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("compressing the body failed: {0}")]
    Compress(#[from] std::io::Error),
    #[error("MessagePack encoding failed: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
}

impl Envelope {
    /// The wire bytes: named-field MessagePack, body compressed when large.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let (encoding, body) = if self.body.len() >= COMPRESS_THRESHOLD {
            (BodyEncoding::Zstd, zstd::bulk::compress(&self.body, 3)?)
        } else {
            (BodyEncoding::Identity, self.body.clone())
        };
        let wire = Wire {
            v: FORMAT_VERSION,
            kind: self.kind.as_str().to_string(),
            scope: self.scope.clone(),
            league_id: self.league_id.clone(),
            origin: self.origin,
            fetched_at_ms: self.fetched_at_ms,
            status: self.status,
            content_hash: self.content_hash.clone(),
            ticket: self.ticket,
            encoding,
            body,
        };
        Ok(rmp_serde::to_vec_named(&wire)?)
    }

    /// Decode wire bytes, refusing bodies that decompress beyond `max_body`.
    pub fn decode(bytes: &[u8], max_body: usize) -> Result<Envelope, DecodeError> {
        let wire: Wire =
            rmp_serde::from_slice(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        if wire.v == 0 || wire.v > FORMAT_VERSION {
            return Err(DecodeError::UnsupportedVersion(wire.v));
        }
        let kind = wire
            .kind
            .parse::<Kind>()
            .map_err(|_| DecodeError::UnknownKind(wire.kind))?;
        let body = match wire.encoding {
            BodyEncoding::Identity => {
                if wire.body.len() > max_body {
                    return Err(DecodeError::TooLarge { cap: max_body });
                }
                wire.body
            }
            BodyEncoding::Zstd => decompress_capped(&wire.body, max_body)?,
        };
        Ok(Envelope {
            kind,
            scope: wire.scope,
            league_id: wire.league_id,
            origin: wire.origin,
            fetched_at_ms: wire.fetched_at_ms,
            status: wire.status,
            content_hash: wire.content_hash,
            ticket: wire.ticket,
            body,
        })
    }
}

fn decompress_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    // The frame header announces the size (this encoder always writes it):
    // refuse early when it is over the cap, else decompress into exactly
    // that much. Reserving the cap itself (64 MiB by default) for every
    // event cost a map, page faults and an unmap each: a sixth of a
    // rebuild's CPU.
    if let Ok(Some(size)) = zstd::zstd_safe::get_frame_content_size(data) {
        if size > cap as u64 {
            return Err(DecodeError::TooLarge { cap });
        }
        if let Ok(body) = zstd::bulk::decompress(data, size as usize) {
            return Ok(body);
        }
        // A header that understates the content, or several frames: the
        // streaming path below decides.
    }
    decompress_streaming(data, cap)
}

/// Decompress without trusting any header, reading at most `cap` bytes.
fn decompress_streaming(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    use std::io::Read as _;
    let decoder = zstd::stream::read::Decoder::new(data)
        .map_err(|e| DecodeError::Decompress(e.to_string()))?;
    let mut body = Vec::new();
    decoder
        .take(cap as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| DecodeError::Decompress(e.to_string()))?;
    if body.len() > cap {
        return Err(DecodeError::TooLarge { cap });
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sample(body: Vec<u8>) -> Envelope {
        Envelope {
            kind: Kind::Rosters,
            scope: "league/1/rosters".into(),
            league_id: Some("1".into()),
            origin: Origin::Poll,
            fetched_at_ms: 1_700_000_000_000,
            status: 200,
            content_hash: "ab".repeat(32),
            ticket: 7,
            body,
        }
    }

    fn arb_envelope() -> impl Strategy<Value = Envelope> {
        (
            proptest::sample::select(Kind::ALL.to_vec()),
            "[a-z0-9/_]{1,40}",
            proptest::option::of("[0-9]{1,20}"),
            any::<bool>(),
            any::<i64>(),
            any::<u16>(),
            "[0-9a-f]{64}",
            any::<u64>(),
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..64),
                // Large, compressible bodies take the zstd path.
                (any::<u8>(), 4096usize..20_000).prop_map(|(b, n)| vec![b; n]),
            ],
        )
            .prop_map(
                |(kind, scope, league_id, backfill, at, status, hash, ticket, body)| Envelope {
                    kind,
                    scope,
                    league_id,
                    origin: if backfill {
                        Origin::Backfill
                    } else {
                        Origin::Poll
                    },
                    fetched_at_ms: at,
                    status,
                    content_hash: hash,
                    ticket,
                    body,
                },
            )
    }

    proptest! {
        #[test]
        fn encode_then_decode_is_identity(env in arb_envelope()) {
            let bytes = env.encode().unwrap();
            let back = Envelope::decode(&bytes, DEFAULT_MAX_BODY).unwrap();
            prop_assert_eq!(back, env);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            // Either an error or (vanishingly rarely) a valid envelope; never a panic.
            let _ = Envelope::decode(&bytes, 1024);
        }

        #[test]
        fn mutated_envelopes_never_panic(env in arb_envelope(), idx in any::<usize>(), byte in any::<u8>()) {
            let mut bytes = env.encode().unwrap();
            let i = idx % bytes.len();
            bytes[i] = byte;
            let _ = Envelope::decode(&bytes, DEFAULT_MAX_BODY);
        }
    }

    #[test]
    fn large_bodies_are_compressed_on_the_wire() {
        let env = sample(br#"{"a":1}"#.repeat(2000));
        let bytes = env.encode().unwrap();
        assert!(
            bytes.len() < env.body.len() / 4,
            "wire {} bytes",
            bytes.len()
        );
        assert_eq!(
            Envelope::decode(&bytes, DEFAULT_MAX_BODY).unwrap().body,
            env.body
        );
    }

    #[test]
    fn an_unknown_extra_field_is_ignored() {
        // A future writer adds a field; this reader must still decode it.
        #[derive(Serialize)]
        struct Future<'a> {
            v: u16,
            kind: &'a str,
            scope: &'a str,
            league_id: Option<&'a str>,
            origin: &'a str,
            fetched_at_ms: i64,
            status: u16,
            content_hash: &'a str,
            ticket: u64,
            encoding: &'a str,
            #[serde(with = "serde_bytes")]
            body: &'a [u8],
            shiny_new_field: Vec<u32>,
        }
        let bytes = rmp_serde::to_vec_named(&Future {
            v: FORMAT_VERSION,
            kind: "state",
            scope: "state/nfl",
            league_id: None,
            origin: "poll",
            fetched_at_ms: 5,
            status: 200,
            content_hash: "00",
            ticket: 1,
            encoding: "identity",
            body: b"{}",
            shiny_new_field: vec![1, 2, 3],
        })
        .unwrap();
        let env = Envelope::decode(&bytes, 1024).unwrap();
        assert_eq!(env.kind, Kind::State);
        assert_eq!(env.body, b"{}");
    }

    #[test]
    fn a_newer_format_version_is_refused() {
        let mut wire: Wire =
            rmp_serde::from_slice(&sample(b"[]".to_vec()).encode().unwrap()).unwrap();
        wire.v = FORMAT_VERSION + 1;
        let bytes = rmp_serde::to_vec_named(&wire).unwrap();
        assert!(matches!(
            Envelope::decode(&bytes, 1024),
            Err(DecodeError::UnsupportedVersion(v)) if v == FORMAT_VERSION + 1
        ));
    }

    /// Wire bytes of `sample` with `body` as its compressed body.
    fn with_zstd_body(compressed: Vec<u8>) -> Vec<u8> {
        let mut wire: Wire =
            rmp_serde::from_slice(&sample(b"[]".to_vec()).encode().unwrap()).unwrap();
        wire.encoding = BodyEncoding::Zstd;
        wire.body = compressed;
        rmp_serde::to_vec_named(&wire).unwrap()
    }

    #[test]
    fn a_body_without_its_size_in_the_header_is_capped_while_streaming() {
        let body = vec![b' '; 8 * 1024 * 1024];
        // The streaming encoder does not write the content size.
        let compressed = zstd::stream::encode_all(&body[..], 3).unwrap();
        assert_eq!(
            zstd::zstd_safe::get_frame_content_size(&compressed).unwrap(),
            None
        );
        let bytes = with_zstd_body(compressed);
        assert!(matches!(
            Envelope::decode(&bytes, 1024 * 1024),
            Err(DecodeError::TooLarge { cap: 1_048_576 })
        ));
        assert_eq!(Envelope::decode(&bytes, body.len()).unwrap().body, body);
    }

    #[test]
    fn several_frames_decode_whole_within_the_cap() {
        let (a, b) = (vec![b'a'; 5000], vec![b'b'; 7000]);
        let mut compressed = zstd::bulk::compress(&a, 3).unwrap();
        compressed.extend(zstd::bulk::compress(&b, 3).unwrap());
        let bytes = with_zstd_body(compressed);
        let body = Envelope::decode(&bytes, 1024 * 1024).unwrap().body;
        assert_eq!(body, [a, b].concat());
        assert!(matches!(
            Envelope::decode(&bytes, 6000),
            Err(DecodeError::TooLarge { cap: 6000 })
        ));
    }

    #[test]
    fn a_zstd_bomb_is_refused_by_the_cap() {
        let env = sample(vec![b' '; 8 * 1024 * 1024]);
        let bytes = env.encode().unwrap();
        assert!(bytes.len() < 4096);
        assert!(matches!(
            Envelope::decode(&bytes, 1024 * 1024),
            Err(DecodeError::TooLarge { cap: 1_048_576 })
        ));
    }
}
