//! Generates league chains: one league object per season, linked by
//! `previous_league_id`, with members carried over (one leaves each season),
//! a draft, a season of transactions and a regular-season schedule.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;

use super::names::LEAGUE_WORDS;
use super::{drafts, scoring, transactions, users, GenConfig};
use crate::calendar::{et_to_ms, Phase, SeasonCalendar};
use crate::ids::snowflake;
use crate::world::{playoff_weeks, League, LeagueKind, LeagueSettings, Player, TradedPick, User};

/// Starters then bench: 9 starting slots and 6 bench spots = 15 draft rounds.
pub const ROSTER_POSITIONS: [&str; 15] = [
    "QB", "RB", "RB", "WR", "WR", "TE", "FLEX", "K", "DEF", "BN", "BN", "BN", "BN", "BN", "BN",
];

/// The individual defensive slots an IDP league adds before the bench.
pub const IDP_SLOTS: [&str; 3] = ["DL", "LB", "DB"];

/// A league's slots: IDP leagues start three defensive players more.
fn roster_positions(idp: bool) -> Vec<&'static str> {
    let bench = ROSTER_POSITIONS
        .iter()
        .position(|s| *s == "BN")
        .unwrap_or(9);
    let mut slots = ROSTER_POSITIONS[..bench].to_vec();
    if idp {
        slots.extend(IDP_SLOTS);
    }
    slots.extend(&ROSTER_POSITIONS[bench..]);
    slots
}

/// The newest season's kind for chain `chain`: the last chains are the
/// drafting and pre-draft ones, chain 0 always plays.
fn chain_kind(config: &GenConfig, chain: usize) -> LeagueKind {
    let from_end = config.leagues - 1 - chain;
    if chain == 0 {
        LeagueKind::InSeason
    } else if from_end < config.drafting_leagues {
        LeagueKind::Drafting
    } else if from_end < config.drafting_leagues + config.pre_draft_leagues {
        LeagueKind::PreDraft
    } else {
        LeagueKind::InSeason
    }
}

/// Round-robin pairings (circle method) for `weeks` weeks.
fn round_robin(rng: &mut StdRng, n: u32, weeks: u32) -> Vec<Vec<(u32, u32)>> {
    let mut ids: Vec<u32> = (1..=n).collect();
    ids.shuffle(rng);
    (0..weeks)
        .map(|w| {
            let round = w as usize % (n as usize - 1);
            let mut order = vec![ids[0]];
            let rest = &ids[1..];
            order.extend((0..rest.len()).map(|i| rest[(i + round) % rest.len()]));
            (0..n as usize / 2)
                .map(|i| (order[i], order[n as usize - 1 - i]))
                .collect()
        })
        .collect()
}

fn hex32(rng: &mut StdRng) -> String {
    format!("{:016x}{:016x}", rng.random::<u64>(), rng.random::<u64>())
}

/// When the draft of a league season starts.
fn draft_start(rng: &mut StdRng, config: &GenConfig, season: i32, kind: LeagueKind) -> i64 {
    match kind {
        LeagueKind::Drafting => config.anchor_ms() - 20 * 60_000,
        LeagueKind::PreDraft => config.anchor_ms() + 3 * 24 * 3_600_000,
        LeagueKind::Complete | LeagueKind::InSeason => {
            let day = NaiveDate::from_ymd_opt(season, 8, 20).unwrap_or_default();
            et_to_ms(day.and_hms_opt(19, 0, 0).unwrap_or_default())
                + rng.random_range(0..10) * 24 * 3_600_000
        }
    }
}

struct ChainState {
    /// With `varied_seasons`, `members[roster_id - 1]` owns that roster.
    members: Vec<usize>,
    name: String,
    previous: Option<String>,
    /// Seasons generated so far.
    seasons: usize,
    /// Future picks traded in earlier seasons and who holds them now
    /// (`varied_seasons` only): this season's draft honours them.
    holders: transactions::PickHolders,
}

/// How a season of a varied chain (`GenConfig::varied_seasons`) differs,
/// by its position in the chain (0 = the oldest), repeating every ten
/// seasons so that a ten-season chain has each kind at least once:
///
/// | season | 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | median game | | | ✓ | ✓ | | | ✓ | | ✓ | |
/// | playoff_round_type | 0 | 0 | 0 | 1 | 0 | 2 | 0 | 0 | 1 | 0 |
/// | loser_bracket_type | – | 0 | 1 | – | 0 | 1 | – | 0 | 1 | 1 |
/// | orphaned roster | | | | | ✓ | | | ✓ | | |
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Variation {
    pub median: bool,
    pub playoff_round_type: u32,
    pub loser_bracket_type: Option<u32>,
    /// The member who leaves after this season has already left: the
    /// roster has no owner.
    pub orphan: bool,
}

impl Variation {
    pub fn of_season(position: usize) -> Self {
        let k = position % 10;
        Self {
            median: matches!(k, 2 | 3 | 6 | 8),
            playoff_round_type: match k {
                3 | 8 => 1,
                5 => 2,
                _ => 0,
            },
            loser_bracket_type: match k {
                1 | 4 | 7 => Some(0),
                2 | 5 | 8 | 9 => Some(1),
                _ => None,
            },
            orphan: matches!(k, 4 | 7),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn league_season(
    rng: &mut StdRng,
    config: &GenConfig,
    players: &[Player],
    ranked: &[usize],
    users: &mut Vec<User>,
    chain: usize,
    index: usize,
    season: i32,
    kind: LeagueKind,
    state: &mut ChainState,
) -> League {
    let n = config.rosters_per_league;
    let cal = SeasonCalendar::new(season, config.weeks);
    let created_ms = et_to_ms(
        NaiveDate::from_ymd_opt(season, 2, 1)
            .unwrap_or_default()
            .and_hms_opt(12, 0, 0)
            .unwrap_or_default(),
    ) + rng.random_range(0..40) * 24 * 3_600_000;
    let league_num = snowflake(created_ms, rng.random_range(0..2048) * 2);
    let league_id = league_num.to_string();

    let mut owners = state.members.clone();
    owners.shuffle(rng);
    let varied = config
        .varied_seasons
        .then(|| Variation::of_season(state.seasons));
    if varied.is_some() {
        // Sleeper keeps a team's roster id when the league renews.
        owners = state.members.clone();
    }
    let departed_roster = rng.random_range(0..n as usize);
    let departed = vec![owners[departed_roster]];
    let commissioner = owners[(departed_roster + 1) % n as usize];
    let mut co_owners = vec![None; n as usize];
    if rng.random_bool(0.4) {
        let extra = users.len();
        users.push(users::new_user(rng, extra));
        co_owners[rng.random_range(0..n as usize)] = Some(vec![extra]);
    }

    let variation = varied.unwrap_or_default();
    let playoff_teams = if n >= 8 { 6 } else { 4 };
    // The playoffs end in week `weeks - 1` (two-week rounds start earlier).
    let playoff_week_start = match varied {
        Some(v) => config
            .weeks
            .saturating_sub(playoff_weeks(playoff_teams, v.playoff_round_type))
            .max(2),
        None => config.weeks.saturating_sub(3).max(2),
    };
    let start = draft_start(rng, config, season, kind);
    let pick_interval_ms = match kind {
        LeagueKind::Drafting | LeagueKind::PreDraft => i64::from(config.pick_interval_secs) * 1000,
        _ => rng.random_range(30..120) * 1000,
    };
    let idp = scoring::is_idp(config.seed, chain);
    let positions = roster_positions(idp);
    // Picks traded in earlier seasons: this season's are drafted by their
    // holder, later ones Sleeper lists as traded.
    let incoming = held_elsewhere(&state.holders, |s| s == season);
    let carried_picks = held_elsewhere(&state.holders, |s| s > season);
    let (draft, rosters) = drafts::generate(
        rng,
        players,
        &owners,
        drafts::DraftPlan {
            draft_id: (league_num + 1).to_string(),
            season,
            rounds: positions.len() as u32,
            start_ms: start,
            pick_interval_ms,
            idp,
            incoming: &incoming,
            random_trades: varied.is_none(),
        },
    );
    // A league drafting in-season starts playing the week after its draft.
    let start_week = match cal.phase(draft.end_ms()) {
        Phase::Pre => 1,
        Phase::Week(w) => w + 1,
        Phase::Post => config.weeks,
    }
    .min(playoff_week_start - 1);

    let settings = LeagueSettings {
        waiver_budget: [100, 150, 200][rng.random_range(0..3)],
        playoff_week_start,
        playoff_teams,
        trade_deadline: playoff_week_start.saturating_sub(3).max(1),
        start_week,
        daily_waivers_hour: rng.random_range(0..12),
        waiver_type: [0, 2][rng.random_range(0..2)],
        rec: [1.0, 0.5, 0.0][rng.random_range(0..3)],
        taxi_slots: [0, 3][rng.random_range(0..2)],
        reserve_slots: rng.random_range(0..5),
        median: variation.median,
        playoff_round_type: variation.playoff_round_type,
        loser_bracket_type: variation.loser_bracket_type,
    };
    let (transactions, traded_picks) = transactions::generate(
        rng,
        transactions::TxContext {
            players,
            ranked,
            owners: &owners,
            commissioner,
            calendar: &cal,
            settings: &settings,
            last_week: playoff_week_start
                + playoff_weeks(playoff_teams, variation.playoff_round_type)
                - 1,
            after_ms: draft.end_ms(),
            season,
            league_index: index,
            retrade_picks: varied.is_some(),
            holders: state.holders.clone(),
        },
        rosters,
    );
    let season_end = cal.week_end_ms(config.weeks);
    let bracket_id = snowflake(season_end - 40 * 24 * 3_600_000, rng.random_range(0..4096));
    let overrides_id = snowflake(season_end - 30 * 24 * 3_600_000, rng.random_range(0..4096));
    let schedule = round_robin(rng, n, playoff_week_start - start_week);

    let scoring = scoring::league(config.seed, chain, season, settings.rec, idp);
    let mut league = League {
        index,
        chain,
        league_id: league_id.clone(),
        season,
        name: state.name.clone(),
        previous_league_id: state.previous.clone(),
        kind,
        owners: owners.clone(),
        co_owners,
        departed: departed.clone(),
        commissioner,
        settings,
        roster_positions: positions,
        bracket_id,
        loser_bracket_id: bracket_id + rng.random_range(1..1 << 22),
        bracket_overrides_id: overrides_id,
        loser_bracket_overrides_id: overrides_id + rng.random_range(1..1 << 22),
        avatar: hex32(rng),
        shard: rng.random_range(1..1000),
        created_ms,
        draft,
        transactions,
        traded_picks,
        null_players_roster: (kind == LeagueKind::Complete || rng.random_bool(0.3))
            .then(|| rng.random_range(1..=n)),
        roster_metadata: rng.random_bool(0.7),
        schedule,
        scoring,
        idp,
        orphan: variation.orphan.then_some(departed_roster as u32 + 1),
        carried_picks,
    };
    if variation.orphan {
        league.co_owners[departed_roster] = None;
    }

    // Next season: the departed member is replaced by someone new.
    state.previous = Some(league_id);
    let newcomer = loop {
        let u = rng.random_range(0..users.len());
        if !state.members.contains(&u) {
            break u;
        }
    };
    if varied.is_some() {
        // The newcomer takes over the departed member's team, roster id
        // and the picks it owns; next season's draft honours this
        // season's pick trades.
        state.members[departed_roster] = newcomer;
        for (_, p) in &league.traded_picks {
            state.holders.insert(
                (p.season, p.round, p.roster_id),
                (p.owner_id, p.previous_owner_id),
            );
        }
        state.holders.retain(|k, _| k.0 > season);
    } else {
        state.members.retain(|m| !departed.contains(m));
        state.members.push(newcomer);
    }
    state.seasons += 1;
    league
}

/// The traded picks of `seasons` held by another roster than their
/// original one now, as Sleeper lists them.
fn held_elsewhere(
    holders: &transactions::PickHolders,
    seasons: impl Fn(i32) -> bool,
) -> Vec<TradedPick> {
    let mut out: Vec<TradedPick> = holders
        .iter()
        .filter(|(k, h)| seasons(k.0) && h.0 != k.2)
        .map(
            |(&(season, round, roster_id), &(owner_id, previous_owner_id))| TradedPick {
                season,
                round,
                roster_id,
                owner_id,
                previous_owner_id,
            },
        )
        .collect();
    out.sort_by_key(|p| (p.season, p.round, p.roster_id));
    out
}

/// Renames two members of a chain (varied worlds), both listed in its
/// newest season and before their first rename, so that the chain shows
/// both names: one from the chain's fourth season on, one twice (third
/// and eighth).
fn rename_members(leagues: &[League], chain: &[usize], users: &mut [User]) {
    let (Some(&first), Some(&last)) = (chain.first(), chain.last()) else {
        return;
    };
    let first = leagues[first].season;
    // Members `/users` lists in each season: owners less who left.
    let listed = |u: usize, season: i32| {
        chain
            .iter()
            .map(|&i| &leagues[i])
            .any(|l| l.season == season && l.owners.contains(&u) && !l.departed.contains(&u))
    };
    let newest = leagues[last].season;
    let before = |u: usize, season: i32| (first..season).any(|s| listed(u, s));
    let owners = &leagues[last].owners;
    let pick = |from: i32, not: Option<usize>| {
        owners
            .iter()
            .copied()
            .filter(|&u| Some(u) != not && listed(u, newest))
            .max_by_key(|&u| before(u, from))
    };
    let Some(a) = pick(first + 3, None) else {
        return;
    };
    let Some(b) = pick(first + 2, Some(a)) else {
        return;
    };
    let (na, nb) = (users[a].display_name.clone(), users[b].display_name.clone());
    users[a].renames = vec![(first + 3, format!("{na} II"))];
    users[b].renames = vec![
        (first + 2, format!("{nb} II")),
        (first + 7, format!("{nb} III")),
    ];
}

pub fn generate(
    rng: &mut StdRng,
    config: &GenConfig,
    players: &[Player],
    users: &mut Vec<User>,
) -> (Vec<League>, Vec<Vec<usize>>) {
    // Computed once: every season's free-agent search walks it best first.
    let mut ranked: Vec<usize> = (0..players.len())
        .filter(|&i| players[i].team.is_some() && super::is_fantasy(players[i].position))
        .collect();
    ranked.sort_by(|&a, &b| players[b].quality.total_cmp(&players[a].quality));
    let mut leagues = Vec::new();
    let mut chains = Vec::new();
    for chain in 0..config.leagues {
        let length = rng.random_range(config.seasons.clone()) as i32;
        let first = config.current_season - length + 1;
        let a = LEAGUE_WORDS[rng.random_range(0..LEAGUE_WORDS.len())];
        let b = LEAGUE_WORDS[rng.random_range(0..LEAGUE_WORDS.len())];
        let mut pool: Vec<usize> = (0..users.len()).collect();
        pool.shuffle(rng);
        let mut state = ChainState {
            members: pool[..config.rosters_per_league as usize].to_vec(),
            name: format!("{a} {b} {}", chain + 1),
            previous: None,
            seasons: 0,
            holders: Default::default(),
        };
        let mut indexes = Vec::new();
        for season in first..=config.current_season {
            let kind = if season < config.current_season {
                LeagueKind::Complete
            } else {
                chain_kind(config, chain)
            };
            let index = leagues.len();
            leagues.push(league_season(
                rng, config, players, &ranked, users, chain, index, season, kind, &mut state,
            ));
            indexes.push(index);
        }
        if config.varied_seasons {
            rename_members(&leagues, &indexes, users);
        }
        chains.push(indexes);
    }
    (leagues, chains)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn round_robin_pairs_everyone_once_per_week() {
        let mut rng = StdRng::seed_from_u64(3);
        for week in round_robin(&mut rng, 12, 14) {
            let mut seen: Vec<u32> = week.iter().flat_map(|&(a, b)| [a, b]).collect();
            seen.sort_unstable();
            assert_eq!(seen, (1..=12).collect::<Vec<_>>());
        }
    }

    #[test]
    fn varied_seasons_keep_roster_ids_and_draft_traded_picks_by_their_holder() {
        let world = crate::World::generate(&crate::GenConfig {
            leagues: 1,
            seasons: 10..=10,
            drafting_leagues: 0,
            pre_draft_leagues: 0,
            varied_seasons: true,
            ..crate::GenConfig::default()
        });
        let chain: Vec<&League> = world.chains[0].iter().map(|&i| &world.leagues[i]).collect();
        assert_eq!(chain.len(), 10);
        for (k, l) in chain.iter().enumerate() {
            let v = Variation::of_season(k);
            assert_eq!(l.settings.median, v.median);
            assert_eq!(l.settings.playoff_round_type, v.playoff_round_type);
            assert_eq!(l.settings.loser_bracket_type, v.loser_bracket_type);
            assert_eq!(l.orphan.is_some(), v.orphan);
            // The playoffs end in the same week whatever their rounds span.
            assert_eq!(l.last_week(), world.config.weeks - 1);
        }
        let mut drafted_by_holder = 0;
        for pair in chain.windows(2) {
            let (old, new) = (pair[0], pair[1]);
            // Only the departed member's roster changes hands.
            let changed: Vec<usize> = (0..old.owners.len())
                .filter(|&i| old.owners[i] != new.owners[i])
                .collect();
            assert_eq!(changed.len(), 1, "{} → {}", old.season, new.season);
            assert_eq!(old.departed, vec![old.owners[changed[0]]]);
            for t in &new.draft.traded {
                assert_eq!(t.season, new.season);
                for p in new.draft.picks.iter().filter(|p| p.round == t.round) {
                    if new.draft.slot_to_roster[p.draft_slot as usize - 1] == t.roster_id {
                        assert_eq!(p.roster_id, t.owner_id, "drafted by the holder");
                        drafted_by_holder += 1;
                    }
                }
            }
        }
        assert!(drafted_by_holder > 0, "a traded pick drafted");
    }

    #[test]
    fn transaction_ids_are_unique_across_every_league_of_the_world() {
        let world = crate::World::generate(&crate::GenConfig {
            leagues: 40,
            ..crate::GenConfig::default()
        });
        let mut seen = std::collections::HashSet::new();
        let mut total = 0;
        for league in &world.leagues {
            for t in &league.transactions {
                total += 1;
                assert!(seen.insert(t.id), "transaction id {} repeats", t.id);
            }
        }
        assert!(
            total > 1000,
            "a world of 40 leagues has transactions: {total}"
        );
    }
}
