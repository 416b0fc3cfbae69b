//! The stat keys the simulator knows, as Sleeper spells them (`pass_yd`,
//! `fgm_40_49`, `pts_allow_14_20`, `idp_tkl_solo` ...).
//!
//! One enum serves stat lines, projections and league scoring, so a league's
//! weights can be kept as a dense table indexed by key; the JSON always uses
//! the text form.

macro_rules! stats {
    ($($variant:ident = $name:literal,)*) => {
        /// A stat key.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Stat {
            $($variant,)*
        }

        impl Stat {
            /// Every key, in declaration order.
            pub const ALL: &'static [Stat] = &[$(Stat::$variant,)*];
            pub const COUNT: usize = Self::ALL.len();

            /// The key as Sleeper spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Stat::$variant => $name,)*
                }
            }

            /// The key for Sleeper's spelling, if the simulator knows it.
            pub fn parse(name: &str) -> Option<Stat> {
                match name {
                    $($name => Some(Stat::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

stats! {
    // Participation.
    Gp = "gp",
    Gs = "gs",
    OffSnp = "off_snp",
    TmOffSnp = "tm_off_snp",
    DefSnp = "def_snp",
    TmDefSnp = "tm_def_snp",
    StSnp = "st_snp",
    // Passing.
    PassAtt = "pass_att",
    PassCmp = "pass_cmp",
    PassInc = "pass_inc",
    PassYd = "pass_yd",
    PassTd = "pass_td",
    PassInt = "pass_int",
    PassIntTd = "pass_int_td",
    PassSack = "pass_sack",
    Pass2pt = "pass_2pt",
    PassFd = "pass_fd",
    PassLng = "pass_lng",
    // Rushing.
    RushAtt = "rush_att",
    RushYd = "rush_yd",
    RushTd = "rush_td",
    Rush2pt = "rush_2pt",
    RushFd = "rush_fd",
    RushLng = "rush_lng",
    // Receiving.
    RecTgt = "rec_tgt",
    Rec = "rec",
    RecYd = "rec_yd",
    RecTd = "rec_td",
    Rec2pt = "rec_2pt",
    RecFd = "rec_fd",
    RecLng = "rec_lng",
    // Fumbles.
    Fum = "fum",
    FumLost = "fum_lost",
    FumRecTd = "fum_rec_td",
    // Bonuses: 1 when the threshold is met (`bonus_rec_*`: the receptions).
    BonusPassYd300 = "bonus_pass_yd_300",
    BonusPassYd400 = "bonus_pass_yd_400",
    BonusPassCmp25 = "bonus_pass_cmp_25",
    BonusRushYd100 = "bonus_rush_yd_100",
    BonusRushYd200 = "bonus_rush_yd_200",
    BonusRecYd100 = "bonus_rec_yd_100",
    BonusRecYd200 = "bonus_rec_yd_200",
    BonusRushRecYd100 = "bonus_rush_rec_yd_100",
    BonusRushRecYd200 = "bonus_rush_rec_yd_200",
    BonusRushAtt20 = "bonus_rush_att_20",
    BonusRecTe = "bonus_rec_te",
    BonusRecRb = "bonus_rec_rb",
    BonusRecWr = "bonus_rec_wr",
    // Special teams (players).
    KrYd = "kr_yd",
    PrYd = "pr_yd",
    StTd = "st_td",
    StFumRec = "st_fum_rec",
    StFf = "st_ff",
    // Kicking.
    Fga = "fga",
    Fgm = "fgm",
    Fgmiss = "fgmiss",
    Fgm0_19 = "fgm_0_19",
    Fgm20_29 = "fgm_20_29",
    Fgm30_39 = "fgm_30_39",
    Fgm40_49 = "fgm_40_49",
    Fgm50_59 = "fgm_50_59",
    Fgm60p = "fgm_60p",
    Fgm50p = "fgm_50p",
    Fgmiss0_19 = "fgmiss_0_19",
    Fgmiss20_29 = "fgmiss_20_29",
    Fgmiss30_39 = "fgmiss_30_39",
    Fgmiss40_49 = "fgmiss_40_49",
    Fgmiss50p = "fgmiss_50p",
    FgmYds = "fgm_yds",
    FgmLng = "fgm_lng",
    Xpa = "xpa",
    Xpm = "xpm",
    Xpmiss = "xpmiss",
    // Team defence: raw amounts and the band they fall in (1 for that band).
    PtsAllow = "pts_allow",
    PtsAllow0 = "pts_allow_0",
    PtsAllow1_6 = "pts_allow_1_6",
    PtsAllow7_13 = "pts_allow_7_13",
    PtsAllow14_20 = "pts_allow_14_20",
    PtsAllow21_27 = "pts_allow_21_27",
    PtsAllow28_34 = "pts_allow_28_34",
    PtsAllow35p = "pts_allow_35p",
    YdsAllow = "yds_allow",
    YdsAllow0_100 = "yds_allow_0_100",
    YdsAllow100_199 = "yds_allow_100_199",
    YdsAllow200_299 = "yds_allow_200_299",
    YdsAllow300_349 = "yds_allow_300_349",
    YdsAllow350_399 = "yds_allow_350_399",
    YdsAllow400_449 = "yds_allow_400_449",
    YdsAllow450_499 = "yds_allow_450_499",
    YdsAllow500_549 = "yds_allow_500_549",
    YdsAllow550p = "yds_allow_550p",
    Sack = "sack",
    Int = "int",
    FumRec = "fum_rec",
    Ff = "ff",
    DefTd = "def_td",
    Safe = "safe",
    BlkKick = "blk_kick",
    DefStTd = "def_st_td",
    DefStFumRec = "def_st_fum_rec",
    DefStFf = "def_st_ff",
    Def2pt = "def_2pt",
    TklLoss = "tkl_loss",
    QbHit = "qb_hit",
    DefPassDef = "def_pass_def",
    // Individual defensive players.
    IdpTkl = "idp_tkl",
    IdpTklSolo = "idp_tkl_solo",
    IdpTklAst = "idp_tkl_ast",
    IdpTklLoss = "idp_tkl_loss",
    IdpSack = "idp_sack",
    IdpQbHit = "idp_qb_hit",
    IdpInt = "idp_int",
    IdpFf = "idp_ff",
    IdpFumRec = "idp_fum_rec",
    IdpPassDef = "idp_pass_def",
    IdpDefTd = "idp_def_td",
    IdpSafe = "idp_safe",
    // Sleeper's own default scorings (not a league's).
    PtsStd = "pts_std",
    PtsHalfPpr = "pts_half_ppr",
    PtsPpr = "pts_ppr",
    // Average draft positions, in projections (999 = unranked).
    AdpStd = "adp_std",
    AdpHalfPpr = "adp_half_ppr",
    AdpPpr = "adp_ppr",
    Adp2qb = "adp_2qb",
    AdpDynasty = "adp_dynasty",
    AdpDynastyPpr = "adp_dynasty_ppr",
    AdpIdp = "adp_idp",
}

/// A stat line: non-zero values only, ordered by key.
pub type Line = Vec<(Stat, f64)>;

/// Values by key, dense: the working form while a line is built.
#[derive(Clone)]
pub struct Dense(pub [f64; Stat::COUNT]);

impl Default for Dense {
    fn default() -> Self {
        Dense([0.0; Stat::COUNT])
    }
}

impl Dense {
    pub fn get(&self, s: Stat) -> f64 {
        self.0[s as usize]
    }

    pub fn set(&mut self, s: Stat, v: f64) {
        self.0[s as usize] = v;
    }

    pub fn add(&mut self, s: Stat, v: f64) {
        self.0[s as usize] += v;
    }

    /// The non-zero values, ordered by key.
    pub fn line(&self) -> Line {
        let mut out = Vec::with_capacity(32);
        for (i, &v) in self.0.iter().enumerate() {
            if v != 0.0 {
                out.push((Stat::ALL[i], v));
            }
        }
        out
    }

    pub fn from_line(line: &[(Stat, f64)]) -> Dense {
        let mut d = Dense::default();
        for &(s, v) in line {
            d.set(s, v);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &s in Stat::ALL {
            assert!(seen.insert(s.as_str()), "{} twice", s.as_str());
            assert_eq!(Stat::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stat::parse("nope"), None);
        assert_eq!(Stat::ALL[Stat::Rec as usize], Stat::Rec);
    }
}
