//! Stream ids as versions.
//!
//! docs/design.md rule 2: an event's version is its original stream id, carried
//! unchanged through the DLQ, requeue, archive, replay and rebuild. Ids order
//! by (milliseconds, sequence) — numerically, not as strings.

use std::fmt;
use std::str::FromStr;

/// A Redis stream id `<ms>-<seq>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: i64,
    pub seq: i64,
}

/// Not a stream id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid stream id {0:?} (expected <ms>-<seq>)")]
pub struct BadStreamId(pub String);

impl StreamId {
    /// The smallest id above this one (`<ms>-<seq + 1>`, or the next
    /// millisecond's first id when the sequence is at its maximum).
    pub fn next(self) -> Self {
        match self.seq.checked_add(1) {
            Some(seq) => Self { ms: self.ms, seq },
            None => Self {
                ms: self.ms.saturating_add(1),
                seq: 0,
            },
        }
    }
}

impl FromStr for StreamId {
    type Err = BadStreamId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadStreamId(s.to_string());
        let (ms, seq) = match s.split_once('-') {
            Some((m, q)) => (m, q),
            None => (s, "0"),
        };
        let ms: i64 = ms.parse().map_err(|_| bad())?;
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        if ms < 0 || seq < 0 {
            return Err(bad());
        }
        Ok(Self { ms, seq })
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_numerically_not_lexically() {
        let a: StreamId = "999-5".parse().unwrap();
        let b: StreamId = "1000-0".parse().unwrap();
        assert!(a < b);
        assert!("1000-2".parse::<StreamId>().unwrap() < "1000-10".parse::<StreamId>().unwrap());
        assert_eq!(b.to_string(), "1000-0");
        assert!("x-1".parse::<StreamId>().is_err());
        assert!("-1-1".parse::<StreamId>().is_err());
        assert_eq!(a.next().to_string(), "999-6");
        let last = StreamId {
            ms: 5,
            seq: i64::MAX,
        };
        assert_eq!(last.next(), StreamId { ms: 6, seq: 0 });
    }
}
