//! Stateless deterministic randomness: a number derived from a seed and a few
//! keys (`season`, `week`, `player`, ...).
//!
//! Progression must be a pure function of (seed, simulated time), so values
//! that depend on time cannot come from a stateful RNG whose output would
//! depend on how many requests were served before. Hashing the keys instead
//! gives the same value however and whenever it is asked for.

/// One round of SplitMix64: a fast, well-mixed 64-bit permutation.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A 64-bit hash of the seed and the keys, order-sensitive.
pub fn mix(seed: u64, keys: &[u64]) -> u64 {
    keys.iter()
        .fold(splitmix(seed), |acc, &k| splitmix(acc ^ splitmix(k)))
}

/// A uniform number in `[0, 1)`.
pub fn unit(seed: u64, keys: &[u64]) -> f64 {
    (mix(seed, keys) >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform integer in `[0, n)`; 0 when `n` is 0.
pub fn below(seed: u64, keys: &[u64], n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        mix(seed, keys) % n
    }
}

/// Tags keep the streams of different quantities apart: the same keys under
/// another tag give unrelated numbers.
pub mod tag {
    pub const POINTS: u64 = 1;
    pub const SLOT: u64 = 2;
    pub const INJURY: u64 = 3;
    pub const TRENDING: u64 = 4;
    pub const CHAT: u64 = 5;
    pub const ZERO_GAME: u64 = 6;
    pub const GAME: u64 = 7;
    pub const BYE: u64 = 8;
    pub const STATS: u64 = 9;
    pub const CORRECTION: u64 = 10;
    pub const PROJECTION: u64 = 11;
    pub const SCORING: u64 = 12;
    pub const IDP: u64 = 13;
    pub const STAT_ONLY: u64 = 14;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_keys_same_value_and_order_matters() {
        assert_eq!(mix(7, &[1, 2, 3]), mix(7, &[1, 2, 3]));
        assert_ne!(mix(7, &[1, 2, 3]), mix(7, &[3, 2, 1]));
        assert_ne!(mix(7, &[1]), mix(8, &[1]));
    }

    #[test]
    fn unit_is_in_range_and_roughly_uniform() {
        let n = 10_000;
        let mean: f64 = (0..n).map(|i| unit(1, &[i])).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        assert!((0..n).all(|i| (0.0..1.0).contains(&unit(1, &[i]))));
    }
}
