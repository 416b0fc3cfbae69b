//! The generated world: players, users, and every league season with its
//! draft and transactions, as plain data.
//!
//! The world holds only what is fixed at generation time. What changes with
//! simulated time (scores, visible transactions, draft picks made, the NFL
//! week) is derived from it by `timeline`, and turned into JSON by `render`,
//! so the same (seed, time) always gives the same bodies.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::calendar::SeasonCalendar;
use crate::generate::GenConfig;
use crate::scoring::Scoring;
use crate::timeline::Record;

/// The 32 NFL team codes; also the player ids of the team defences.
pub const NFL_TEAMS: [&str; 32] = [
    "ARI", "ATL", "BAL", "BUF", "CAR", "CHI", "CIN", "CLE", "DAL", "DEN", "DET", "GB", "HOU",
    "IND", "JAX", "KC", "LAC", "LAR", "LV", "MIA", "MIN", "NE", "NO", "NYG", "NYJ", "PHI", "PIT",
    "SEA", "SF", "TB", "TEN", "WAS",
];

#[derive(Clone, Debug)]
pub struct Player {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    /// "QB", "RB", "WR", "TE", "K", "DEF", or a non-fantasy position ("OT", "LB", ...).
    pub position: &'static str,
    pub fantasy_positions: Vec<&'static str>,
    pub team: Option<&'static str>,
    /// Index into `NFL_TEAMS` when the player has a team.
    pub team_index: Option<usize>,
    /// 9999999 means unranked, as in the real data.
    pub search_rank: u32,
    /// 0..1; drives the draft order and the points.
    pub quality: f64,
    pub number: u32,
    pub age: u32,
    pub years_exp: u32,
    pub height: String,
    pub weight: String,
    pub college: &'static str,
    pub birth_date: String,
    pub active: bool,
    pub status: &'static str,
    pub depth_chart_order: Option<u32>,
    pub espn_id: Option<u64>,
    pub yahoo_id: Option<u64>,
    pub rotowire_id: Option<u64>,
    pub fantasy_data_id: Option<u64>,
    pub sportradar_id: Option<String>,
    pub gsis_id: Option<String>,
    pub news_updated: Option<i64>,
    pub metadata: Option<Vec<(String, String)>>,
    /// Whether the player's injury status comes and goes over the season.
    pub injury_prone: bool,
}

impl Player {
    pub fn is_defense(&self) -> bool {
        self.position == "DEF"
    }
}

#[derive(Clone, Debug)]
pub struct User {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub avatar: String,
    pub team_name: Option<String>,
    /// Whether the user set an uploaded avatar (`metadata.avatar` URL).
    pub uploaded_avatar: Option<String>,
    /// Display names taken later: (first season shown, name), oldest first.
    /// Empty unless the world varies its seasons (`GenConfig::varied_seasons`).
    pub renames: Vec<(i32, String)>,
}

impl User {
    /// The display name a league of `season` lists: the newest rename in
    /// effect by then, else the original.
    pub fn display_name_in(&self, season: i32) -> &str {
        self.renames
            .iter()
            .rev()
            .find(|(from, _)| *from <= season)
            .map_or(self.display_name.as_str(), |(_, name)| name.as_str())
    }
}

/// What a league season is at generation time; its status at a given instant
/// is derived from this and the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeagueKind {
    /// A past season, finished.
    Complete,
    /// The current season, drafted in August.
    InSeason,
    /// The current season, its draft running around the default start time.
    Drafting,
    /// The current season, its draft days after the default start time.
    PreDraft,
}

#[derive(Clone, Debug)]
pub struct LeagueSettings {
    pub waiver_budget: u32,
    pub playoff_week_start: u32,
    pub playoff_teams: u32,
    pub trade_deadline: u32,
    pub start_week: u32,
    pub daily_waivers_hour: u32,
    pub waiver_type: u32,
    /// Points per reception: 1.0, 0.5 or 0.0.
    pub rec: f64,
    pub taxi_slots: u32,
    pub reserve_slots: u32,
    /// `league_average_match`: every regular-season week is also a game
    /// against the week's median, counted in the rosters' wins and losses.
    pub median: bool,
    /// `playoff_round_type`: 0 one week per round, 1 the last round spans
    /// two weeks, 2 every round spans two.
    pub playoff_round_type: u32,
    /// `loser_bracket_type`, rendered only when set: 0 a toilet bowl (the
    /// loser of each game advances, the worst team plays for last place),
    /// 1 a consolation bracket (winners advance, seeded best first). Unset,
    /// the losers bracket is seeded worst first and winners advance.
    pub loser_bracket_type: Option<u32>,
}

/// Rounds of a winners bracket of `playoff_teams` (the layouts of
/// `timeline`: 6 teams and more play three, fewer two).
pub fn playoff_rounds(playoff_teams: u32) -> u32 {
    if playoff_teams >= 6 {
        3
    } else {
        2
    }
}

/// Weeks the playoffs take: one per round, one more when the last round
/// spans two weeks (`playoff_round_type` 1), twice the rounds when every
/// round does (2).
pub fn playoff_weeks(playoff_teams: u32, round_type: u32) -> u32 {
    let rounds = playoff_rounds(playoff_teams);
    match round_type {
        1 => rounds + 1,
        2 => 2 * rounds,
        _ => rounds,
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradedPick {
    pub season: i32,
    pub round: u32,
    /// The roster the pick originally belonged to.
    pub roster_id: u32,
    pub owner_id: u32,
    pub previous_owner_id: u32,
}

#[derive(Clone, Debug)]
pub struct Pick {
    pub pick_no: u32,
    pub round: u32,
    pub draft_slot: u32,
    /// The owner after pre-draft trades, not `slot_to_roster_id`.
    pub roster_id: u32,
    pub picked_by: usize,
    pub player: usize,
    pub at_ms: i64,
}

#[derive(Clone, Debug)]
pub struct Draft {
    pub draft_id: String,
    pub kind: &'static str,
    pub rounds: u32,
    pub created_ms: i64,
    pub start_ms: i64,
    pub pick_interval_ms: i64,
    /// `slot_to_roster[slot - 1]` is the roster drafting from that slot.
    pub slot_to_roster: Vec<u32>,
    /// Every pick the draft will make, in order; those with `at_ms <= now` are made.
    pub picks: Vec<Pick>,
    /// Picks traded before the draft.
    pub traded: Vec<TradedPick>,
}

impl Draft {
    pub fn end_ms(&self) -> i64 {
        self.picks.last().map_or(self.start_ms, |p| p.at_ms)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxKind {
    Trade,
    Waiver,
    FreeAgent,
    Commissioner,
}

impl TxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TxKind::Trade => "trade",
            TxKind::Waiver => "waiver",
            TxKind::FreeAgent => "free_agent",
            TxKind::Commissioner => "commissioner",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Transaction {
    pub id: u64,
    pub kind: TxKind,
    pub complete: bool,
    /// The round (week) it is listed under.
    pub leg: u32,
    pub created_ms: i64,
    pub status_updated_ms: i64,
    pub creator: usize,
    pub roster_ids: Vec<u32>,
    pub consenter_ids: Option<Vec<u32>>,
    /// (player index, roster id).
    pub adds: Vec<(usize, u32)>,
    pub drops: Vec<(usize, u32)>,
    pub draft_picks: Vec<TradedPick>,
    /// (sender, receiver, amount).
    pub waiver_budget: Vec<(u32, u32, u32)>,
    pub waiver_bid: Option<u32>,
    pub seq: Option<u32>,
    pub priority: Option<u32>,
    pub notes: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct League {
    pub index: usize,
    pub chain: usize,
    pub league_id: String,
    pub season: i32,
    pub name: String,
    pub previous_league_id: Option<String>,
    pub kind: LeagueKind,
    /// `owners[roster_id - 1]` is the user index owning that roster.
    pub owners: Vec<usize>,
    pub co_owners: Vec<Option<Vec<usize>>>,
    /// Members who left: they own rosters but are absent from `/users`.
    pub departed: Vec<usize>,
    pub commissioner: usize,
    pub settings: LeagueSettings,
    pub roster_positions: Vec<&'static str>,
    pub bracket_id: u64,
    pub loser_bracket_id: u64,
    pub bracket_overrides_id: u64,
    pub loser_bracket_overrides_id: u64,
    pub avatar: String,
    pub shard: u32,
    pub created_ms: i64,
    pub draft: Draft,
    /// Sorted by `created_ms`.
    pub transactions: Vec<Transaction>,
    /// Future picks traded in-season: (created_ms, pick).
    pub traded_picks: Vec<(i64, TradedPick)>,
    /// A roster rendered with `"players": null` (starters still set), as in
    /// a real 2019 payload.
    pub null_players_roster: Option<u32>,
    /// Whether roster `metadata` carries records and nicknames (else null).
    pub roster_metadata: bool,
    /// Regular-season pairings: `schedule[week - start_week]` lists (a, b) roster pairs.
    pub schedule: Vec<Vec<(u32, u32)>>,
    /// `scoring_settings`: what a player's stat line is worth in this league.
    pub scoring: Scoring,
    /// Whether the league starts individual defensive players (DL, LB, DB slots).
    pub idp: bool,
    /// A roster without owner this season (`owner_id` null): its manager
    /// left and nobody took the team over yet.
    pub orphan: Option<u32>,
    /// Picks of later seasons traded in earlier seasons of the chain, with
    /// their holder when this season began (listed by `traded_picks`).
    pub carried_picks: Vec<TradedPick>,
}

impl League {
    pub fn total_rosters(&self) -> u32 {
        self.owners.len() as u32
    }

    /// The last week with fantasy games: playoffs run three rounds (two with
    /// four playoff teams), a week each unless `playoff_round_type` says
    /// otherwise.
    pub fn last_week(&self) -> u32 {
        let s = &self.settings;
        s.playoff_week_start + playoff_weeks(s.playoff_teams, s.playoff_round_type) - 1
    }

    /// The weeks (first, last) playoff round `round` is played over.
    pub fn round_weeks(&self, round: u32) -> (u32, u32) {
        let s = &self.settings;
        let first = s.playoff_week_start + round - 1;
        match s.playoff_round_type {
            1 if round >= playoff_rounds(s.playoff_teams) => (first, first + 1),
            2 => {
                let first = s.playoff_week_start + 2 * (round - 1);
                (first, first + 1)
            }
            _ => (first, first),
        }
    }

    /// The playoff round played in `week` (at or after `playoff_week_start`).
    pub fn round_of_week(&self, week: u32) -> u32 {
        let s = &self.settings;
        let k = week - s.playoff_week_start;
        match s.playoff_round_type {
            1 => (k + 1).min(playoff_rounds(s.playoff_teams)),
            2 => k / 2 + 1,
            _ => k + 1,
        }
    }
}

#[derive(Default, Debug)]
struct Index {
    player_by_id: HashMap<String, usize>,
    user_by_id: HashMap<String, usize>,
    user_by_name: HashMap<String, usize>,
    league_by_id: HashMap<String, usize>,
    league_by_draft: HashMap<String, usize>,
}

/// (league index, regular-season weeks finished, the latest stat-correction
/// instant passed): standings change only when one of these does.
type StandingsKey = (usize, u32, i64);

#[derive(Debug)]
pub struct World {
    pub config: GenConfig,
    pub players: Vec<Player>,
    /// Players the weekly stats list but `/players/nfl` lacks (as Sleeper's do).
    pub stat_only: Vec<Player>,
    pub users: Vec<User>,
    pub leagues: Vec<League>,
    /// Per league chain, indexes into `leagues`, oldest season first.
    pub chains: Vec<Vec<usize>>,
    index: Index,
    /// Standings per (league index, regular-season weeks finished): derived
    /// data, memoized because every rosters body needs them.
    standings: Mutex<HashMap<StandingsKey, Arc<Vec<Record>>>>,
}

impl World {
    pub(crate) fn assemble(
        config: GenConfig,
        players: Vec<Player>,
        stat_only: Vec<Player>,
        users: Vec<User>,
        leagues: Vec<League>,
        chains: Vec<Vec<usize>>,
    ) -> Self {
        let mut index = Index::default();
        for (i, p) in players.iter().enumerate() {
            index.player_by_id.insert(p.id.clone(), i);
        }
        for (i, u) in users.iter().enumerate() {
            index.user_by_id.insert(u.user_id.clone(), i);
            index.user_by_name.insert(u.username.to_lowercase(), i);
        }
        for (i, l) in leagues.iter().enumerate() {
            index.league_by_id.insert(l.league_id.clone(), i);
            index.league_by_draft.insert(l.draft.draft_id.clone(), i);
        }
        Self {
            config,
            players,
            stat_only,
            users,
            leagues,
            chains,
            index,
            standings: Mutex::default(),
        }
    }

    pub(crate) fn standings_memo(&self, key: StandingsKey) -> Option<Arc<Vec<Record>>> {
        self.standings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned()
    }

    pub(crate) fn remember_standings(&self, key: StandingsKey, records: Arc<Vec<Record>>) {
        self.standings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, records);
    }

    pub fn current_season(&self) -> i32 {
        self.config.current_season
    }

    pub fn calendar(&self, season: i32) -> SeasonCalendar {
        SeasonCalendar::new(season, self.config.weeks)
    }

    pub fn player(&self, id: &str) -> Option<usize> {
        self.index.player_by_id.get(id).copied()
    }

    pub fn league(&self, league_id: &str) -> Option<&League> {
        self.index
            .league_by_id
            .get(league_id)
            .map(|&i| &self.leagues[i])
    }

    pub fn league_by_draft(&self, draft_id: &str) -> Option<&League> {
        self.index
            .league_by_draft
            .get(draft_id)
            .map(|&i| &self.leagues[i])
    }

    /// A user by user id or (case-insensitive) username, as `/user/{x}` takes either.
    pub fn user(&self, id_or_name: &str) -> Option<usize> {
        self.index
            .user_by_id
            .get(id_or_name)
            .or_else(|| self.index.user_by_name.get(&id_or_name.to_lowercase()))
            .copied()
    }

    /// The newest season's league id of every chain.
    pub fn current_league_ids(&self) -> Vec<String> {
        self.chains
            .iter()
            .filter_map(|c| c.last())
            .map(|&i| self.leagues[i].league_id.clone())
            .collect()
    }

    /// Every league id, every season.
    pub fn all_league_ids(&self) -> Vec<String> {
        self.leagues.iter().map(|l| l.league_id.clone()).collect()
    }

    pub fn usernames(&self) -> Vec<String> {
        self.users.iter().map(|u| u.username.clone()).collect()
    }

    /// The default simulated start: Sunday 12:55 ET of week 10 (or the last
    /// week when the season is shorter) of the current season.
    pub fn default_start_ms(&self) -> i64 {
        self.config.anchor_ms()
    }
}
