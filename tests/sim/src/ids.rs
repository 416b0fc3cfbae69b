//! Sleeper-style snowflake ids.
//!
//! Real ids (league, user, draft, transaction, message) are 64-bit snowflakes:
//! milliseconds since Sleeper's epoch shifted left by 22 bits, plus low bits.
//! Generating them the same way gives ids of the real size (above 2^53, so a
//! parser that goes through f64 breaks, as it would on real data) whose order
//! follows creation time.

/// Sleeper's snowflake epoch (2016-02-01T23:55:09.3Z), recovered from real
/// ids and their `created` times.
pub const SLEEPER_EPOCH_MS: i64 = 1_454_362_509_300;

/// A snowflake for an object created at `ms`, `seq` keeping ids created in
/// the same millisecond apart (only the low 22 bits are used).
pub fn snowflake(ms: i64, seq: u64) -> u64 {
    let since = (ms - SLEEPER_EPOCH_MS).max(1) as u64;
    (since << 22) | (seq & 0x3F_FFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_real_transaction_id() {
        // transactions.json: "1266120722556669952" created 1756229212944.
        let id = 1_266_120_722_556_669_952u64;
        let ours = snowflake(1_756_229_212_944, id & 0x3F_FFFF) >> 22;
        assert!(ours.abs_diff(id >> 22) <= 2, "{ours} vs {}", id >> 22);
        assert!(snowflake(1_700_000_000_000, 1) > (1u64 << 53));
    }
}
