//! A league's scoring: the arithmetic that turns a stat line into points, as
//! a public reference, and the [`Scoring`] table each simulated league has.
//!
//! # The rule
//!
//! For a stat map `stats` and a league's `scoring_settings`:
//!
//! ```text
//! S      = Σ over keys k present in both:  stats[k] × scoring_settings[k]
//! points = floor(100 × S + 0.5) / 100
//! ```
//!
//! - Weights are the numbers of `scoring_settings` exactly as the JSON has
//!   them: Sleeper stores float32 and sends them widened to f64, so 0.1
//!   arrives as `0.10000000149011612` and *that* value is the weight (not
//!   0.1). Keys absent on either side count 0; non-numeric values are ignored.
//! - Products and the sum are taken in f64. When the weights are float32
//!   values of magnitude at least 1/128 (or 0) and the stats are multiples
//!   of 1/2, every product and partial sum below 2^20 in magnitude is exact
//!   (all are multiples of 2^-31), so the order of summation does not
//!   matter; and when |S| < 1000, `100 × S` cannot be rounded across a tie,
//!   so the result is the exact sum rounded by the rule below. Every stat
//!   line and league the simulator serves meets these conditions (its
//!   smallest weight is 0.033, its scored stats are halves).
//! - Rounding is to the hundredth, ties toward +∞ (`floor(x + 0.5)`, like
//!   JavaScript's `Math.round` on the hundredths): 0.125 → 0.13, −0.125 →
//!   −0.12. Because of the float32 weights true ties are rare: 15 yards at
//!   0.033 per yard are 0.494999997317791 points, which round to 0.49.
//! - The result is `hundredths as f64 / 100.0`, the f64 nearest the decimal
//!   value, so it prints as the short decimal (`12.3`, `21.58`).
//!
//! The simulator's matchups use exactly this: a roster's `players_points`
//! are [`points`] of the player's stat line as `/stats/nfl/...` serves it at
//! the same instant (0 without a line), `starters_points` the same per slot
//! (0 for an empty `"0"` slot), and `points` the sum of the starters'
//! hundredths divided by 100.

use serde_json::{Map, Value};

use crate::stat::{Dense, Stat};

/// Rounds a sum of points to hundredths, ties toward +∞: `floor(100·sum + 0.5)`.
pub fn round_hundredths(sum: f64) -> i64 {
    (sum * 100.0 + 0.5).floor() as i64
}

/// Points in hundredths for a stat map under a scoring map (see the module
/// documentation for the exact rule).
pub fn hundredths(stats: &Map<String, Value>, scoring_settings: &Map<String, Value>) -> i64 {
    let sum: f64 = stats
        .iter()
        .filter_map(|(k, v)| Some(v.as_f64()? * scoring_settings.get(k)?.as_f64()?))
        .sum();
    round_hundredths(sum)
}

/// Points for a stat map under a scoring map, rounded to the hundredth as
/// Sleeper's `players_points` are (see the module documentation).
pub fn points(stats: &Map<String, Value>, scoring_settings: &Map<String, Value>) -> f64 {
    hundredths(stats, scoring_settings) as f64 / 100.0
}

/// A float32 value as Sleeper sends it: widened to f64 (0.1 → 0.10000000149011612).
pub fn f32_artefact(x: f32) -> f64 {
    f64::from(x)
}

/// The scoring every simulated league starts from (Sleeper's defaults), less
/// `rec`, which each league sets.
pub const BASE: &[(Stat, f32)] = &[
    (Stat::Sack, 1.0),
    (Stat::Fgm40_49, 4.0),
    (Stat::PassInt, -2.0),
    (Stat::PtsAllow0, 10.0),
    (Stat::Pass2pt, 2.0),
    (Stat::StTd, 6.0),
    (Stat::RecTd, 6.0),
    (Stat::Fgm30_39, 3.0),
    (Stat::Xpmiss, -1.0),
    (Stat::RushTd, 6.0),
    (Stat::Rec2pt, 2.0),
    (Stat::StFumRec, 1.0),
    (Stat::Fgmiss, -1.0),
    (Stat::Ff, 1.0),
    (Stat::PtsAllow14_20, 1.0),
    (Stat::Fgm0_19, 3.0),
    (Stat::Int, 2.0),
    (Stat::DefStFumRec, 1.0),
    (Stat::FumLost, -2.0),
    (Stat::PtsAllow1_6, 7.0),
    (Stat::Fgm20_29, 3.0),
    (Stat::PtsAllow21_27, 0.0),
    (Stat::Xpm, 1.0),
    (Stat::Rush2pt, 2.0),
    (Stat::FumRec, 2.0),
    (Stat::DefStTd, 6.0),
    (Stat::Fgm50p, 5.0),
    (Stat::DefTd, 6.0),
    (Stat::Safe, 2.0),
    (Stat::PassYd, 0.04),
    (Stat::BlkKick, 2.0),
    (Stat::PassTd, 4.0),
    (Stat::RushYd, 0.1),
    (Stat::Fum, -1.0),
    (Stat::PtsAllow28_34, -1.0),
    (Stat::PtsAllow35p, -4.0),
    (Stat::FumRecTd, 6.0),
    (Stat::RecYd, 0.1),
    (Stat::DefStFf, 1.0),
    (Stat::PtsAllow7_13, 4.0),
    (Stat::StFf, 1.0),
];

/// Sleeper's default scoring with `rec` points per reception (0, 0.5, 1):
/// what the `pts_std`, `pts_half_ppr` and `pts_ppr` stat keys are computed with.
pub fn sleeper_default(rec: f32) -> Scoring {
    let mut s = Scoring::new(BASE.iter().copied());
    s.set(Stat::Rec, rec);
    s
}

/// A league's scoring settings: float32 weights per stat key.
#[derive(Clone, Debug)]
pub struct Scoring {
    /// In the order they were set; each key once.
    pairs: Vec<(Stat, f32)>,
    /// Widened weights indexed by `Stat as usize`, 0 for unset keys.
    dense: Vec<f64>,
}

impl Scoring {
    /// Later pairs replace earlier ones with the same key.
    pub fn new(pairs: impl IntoIterator<Item = (Stat, f32)>) -> Self {
        let mut s = Scoring {
            pairs: Vec::new(),
            dense: vec![0.0; Stat::COUNT],
        };
        for (k, v) in pairs {
            s.set(k, v);
        }
        s
    }

    pub fn set(&mut self, key: Stat, weight: f32) {
        match self.pairs.iter_mut().find(|(k, _)| *k == key) {
            Some(pair) => pair.1 = weight,
            None => self.pairs.push((key, weight)),
        }
        self.dense[key as usize] = f32_artefact(weight);
    }

    pub fn remove(&mut self, key: Stat) {
        self.pairs.retain(|(k, _)| *k != key);
        self.dense[key as usize] = 0.0;
    }

    pub fn pairs(&self) -> &[(Stat, f32)] {
        &self.pairs
    }

    /// The weight as the JSON carries it; 0 when unset.
    pub fn weight(&self, key: Stat) -> f64 {
        self.dense[key as usize]
    }

    /// Points of a stat line in hundredths: the same rule as [`hundredths`].
    pub fn hundredths(&self, line: &[(Stat, f64)]) -> i64 {
        round_hundredths(line.iter().map(|&(k, v)| v * self.weight(k)).sum())
    }

    /// The same for values held densely (zeros add nothing).
    pub fn hundredths_dense(&self, values: &Dense) -> i64 {
        round_hundredths(values.0.iter().zip(&self.dense).map(|(v, w)| v * w).sum())
    }

    /// `scoring_settings` as Sleeper sends it: float32 values widened to f64.
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.pairs
                .iter()
                .map(|&(k, v)| (k.as_str().to_string(), Value::from(f32_artefact(v))))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn float32_weights_and_half_up_rounding() {
        let scoring = Scoring::new([
            (Stat::RecYd, 0.1),
            (Stat::Rec, 0.5),
            (Stat::PassYd, 0.04),
            (Stat::FumLost, -2.0),
        ]);
        let json = scoring.to_json();
        assert_eq!(json["rec_yd"], json!(0.10000000149011612));
        assert_eq!(json["pass_yd"], json!(0.03999999910593033));
        let stats =
            map(json!({"rec_yd": 58.0, "rec": 5.0, "pass_yd": 237.0, "fum_lost": 1.0, "gp": 1.0}));
        // 5.80000008642673 + 2.5 + 9.47999978810548 − 2 = 15.7799998745…
        assert_eq!(hundredths(&stats, &map(json)), 1578);
        let line = vec![
            (Stat::PassYd, 237.0),
            (Stat::Rec, 5.0),
            (Stat::RecYd, 58.0),
            (Stat::FumLost, 1.0),
        ];
        assert_eq!(scoring.hundredths(&line), 1578);
        // Ties go toward +∞; float32 weights make most near-ties fall short.
        assert_eq!(round_hundredths(0.125), 13);
        assert_eq!(round_hundredths(-0.125), -12);
        assert_eq!(round_hundredths(15.0 * f64::from(0.033f32)), 49);
        let s = map(json!({"idp_sack": 0.5, "rush_yd": -3.0}));
        let w = map(json!({"idp_sack": 0.25, "rush_yd": 0.10000000149011612}));
        // 0.125 − 0.30000000447034836 = −0.17500000447…: below the tie, so −0.18.
        assert_eq!(points(&s, &w), -0.18);
        assert_eq!(points(&map(json!({})), &w), 0.0);
    }

    #[test]
    fn weights_survive_a_json_round_trip_bit_for_bit() {
        let weights = [
            0.1f32, 0.04, 0.033, 0.05, 0.5, -0.25, 1.5, -2.0, 0.3, 0.15, 0.01,
        ];
        for w in weights {
            let text = serde_json::to_string(&Value::from(f32_artefact(w))).unwrap();
            let back: f64 = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_bits(), f64::from(w).to_bits(), "{w}: {text}");
        }
    }

    #[test]
    fn set_replaces_and_remove_clears() {
        let mut s = Scoring::new([(Stat::PassTd, 4.0), (Stat::PassTd, 6.0)]);
        assert_eq!(s.pairs(), &[(Stat::PassTd, 6.0)]);
        assert_eq!(s.weight(Stat::PassTd), 6.0);
        s.remove(Stat::PassTd);
        assert_eq!(s.weight(Stat::PassTd), 0.0);
        assert!(s.pairs().is_empty());
    }
}
