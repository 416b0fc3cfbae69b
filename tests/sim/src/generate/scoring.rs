//! Each league's scoring settings: Sleeper's defaults with the league's own
//! points per reception (PPR, half-PPR, standard), and variations drawn per
//! league chain (so a league keeps its rules from season to season; the
//! yardage bonuses may come and go between seasons): 6-point passing
//! touchdowns, other yards per passing point, softer or harsher fumbles and
//! interceptions, yardage bonuses, a tight-end premium, first downs,
//! completions, kicks by distance or by yard, yards-allowed bands for team
//! defences, and individual defensive players in IDP leagues.
//!
//! Drawn with stateless noise, not the generator's RNG, so adding rules here
//! never changes the rest of the world.

use crate::noise::{self, tag};
use crate::scoring::{Scoring, BASE};
use crate::stat::Stat;

/// Whether a league chain plays with individual defensive players.
pub fn is_idp(seed: u64, chain: usize) -> bool {
    noise::unit(seed, &[tag::IDP, chain as u64]) < 0.34
}

pub fn league(seed: u64, chain: usize, season: i32, rec: f64, idp: bool) -> Scoring {
    let u = |k: u64| noise::unit(seed, &[tag::SCORING, chain as u64, k]);
    let seasonal = |k: u64| noise::unit(seed, &[tag::SCORING, chain as u64, season as u64, k]);
    let mut s = Scoring::new(BASE.iter().copied());
    s.set(Stat::Rec, rec as f32);
    if u(0) < 0.3 {
        s.set(Stat::PassTd, 6.0);
    }
    match u(1) {
        x if x < 0.15 => s.set(Stat::PassYd, 0.05),
        x if x < 0.3 => s.set(Stat::PassYd, 0.033),
        _ => {}
    }
    if u(2) < 0.3 {
        s.set(Stat::PassInt, -1.0);
    }
    match u(3) {
        x if x < 0.25 => {
            s.set(Stat::FumLost, -1.0);
            s.set(Stat::Fum, 0.0);
        }
        x if x < 0.45 => {
            s.set(Stat::FumLost, -3.0);
            s.remove(Stat::Fum);
        }
        _ => {}
    }
    if seasonal(4) < 0.5 {
        s.set(Stat::BonusRecYd100, 3.0);
        s.set(Stat::BonusRushYd100, 3.0);
        s.set(Stat::BonusPassYd300, 3.0);
        if u(5) < 0.5 {
            s.set(Stat::BonusPassYd400, 3.0);
            s.set(Stat::BonusRushYd200, 3.0);
            s.set(Stat::BonusRecYd200, 3.0);
        }
    }
    if u(6) < 0.25 {
        s.set(Stat::BonusRecTe, 0.5);
    }
    if u(7) < 0.15 {
        s.set(Stat::RushFd, 0.5);
        s.set(Stat::RecFd, 0.5);
    }
    if u(8) < 0.15 {
        s.set(Stat::PassCmp, 0.1);
        s.set(Stat::PassInc, -0.25);
    }
    match u(9) {
        x if x < 0.3 => {
            s.remove(Stat::Fgm50p);
            s.set(Stat::Fgm50_59, 5.0);
            s.set(Stat::Fgm60p, 6.0);
        }
        x if x < 0.4 => {
            for k in [
                Stat::Fgm0_19,
                Stat::Fgm20_29,
                Stat::Fgm30_39,
                Stat::Fgm40_49,
                Stat::Fgm50p,
            ] {
                s.remove(k);
            }
            s.set(Stat::FgmYds, 0.1);
        }
        _ => {}
    }
    if u(10) < 0.35 {
        for (k, v) in [
            (Stat::YdsAllow0_100, 5.0),
            (Stat::YdsAllow100_199, 3.0),
            (Stat::YdsAllow200_299, 2.0),
            (Stat::YdsAllow300_349, 0.0),
            (Stat::YdsAllow350_399, -1.0),
            (Stat::YdsAllow400_449, -3.0),
            (Stat::YdsAllow450_499, -5.0),
            (Stat::YdsAllow500_549, -6.0),
            (Stat::YdsAllow550p, -7.0),
        ] {
            s.set(k, v);
        }
    }
    if u(11) < 0.2 {
        s.set(Stat::TklLoss, 1.0);
        s.set(Stat::QbHit, 0.5);
    }
    if idp {
        let sack = if u(12) < 0.5 { 4.0 } else { 3.0 };
        for (k, v) in [
            (Stat::IdpTklSolo, 1.0),
            (Stat::IdpTklAst, 0.5),
            (Stat::IdpTklLoss, 1.0),
            (Stat::IdpSack, sack),
            (Stat::IdpQbHit, 0.5),
            (Stat::IdpInt, 3.0),
            (Stat::IdpFf, 3.0),
            (Stat::IdpFumRec, 2.0),
            (Stat::IdpPassDef, 1.5),
            (Stat::IdpDefTd, 6.0),
            (Stat::IdpSafe, 2.0),
        ] {
            s.set(k, v);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leagues_differ_and_keep_float32_weights() {
        let all: Vec<Scoring> = (0..40)
            .map(|c| league(1, c, 2025, [1.0, 0.5, 0.0][c % 3], is_idp(1, c)))
            .collect();
        let has = |k: Stat, v: f64| all.iter().any(|s| s.weight(k) == v);
        assert!(has(Stat::PassTd, 6.0) && has(Stat::PassTd, 4.0));
        assert!(has(Stat::Rec, 0.5) && has(Stat::Rec, 1.0) && has(Stat::Rec, 0.0));
        assert!(has(Stat::BonusRecYd100, 3.0) && has(Stat::IdpSack, 4.0));
        assert!(has(Stat::FumLost, -3.0) && has(Stat::YdsAllow550p, -7.0));
        assert!(has(Stat::PassYd, f64::from(0.033f32)));
        assert!(all
            .iter()
            .all(|s| s.weight(Stat::RushYd) == 0.10000000149011612));
    }
}
