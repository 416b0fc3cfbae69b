//! The poll plan: which scopes are due, as a pure function of the time, what
//! scheduling has learned so far ([`Known`]), when each scope was last
//! fetched, and the [`Cadence`].
//!
//! No clock, no I/O: `run` calls [`due`] once a tick and dispatches the
//! result by priority within the quota; `once` walks [`planned`] ignoring
//! intervals; the unit tests drive it with plain values. Priorities (lower
//! first) are what degradation follows when the quota cannot serve
//! everything: live scores and running drafts, then discovery (state,
//! leagues — without them nothing else is planned), then the usual
//! per-league kinds, then slow-changing ones, and `/players/nfl` last.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use sleeper_shared::scope::{SeasonType, Trend};
use sleeper_shared::{Kind, Scope};

use crate::cadence::Cadence;
use crate::discover::{self, LeagueInfo, ListedLeague, NflState};

/// Live current-week matchups and the picks of a running draft.
pub const PRIO_LIVE: u8 = 0;
/// What the rest of the plan is derived from, and live rosters.
pub const PRIO_DISCOVERY: u8 = 1;
/// Per-league kinds that change during the week.
pub const PRIO_NORMAL: u8 = 2;
/// Kinds that change rarely.
pub const PRIO_SLOW: u8 = 3;
/// `/players/nfl`: large, and Sleeper asks for it at most daily.
pub const PRIO_PLAYERS: u8 = 4;

/// Weeks of the NFL regular season (17 before 2021: its week 18 is empty).
pub const NFL_REGULAR_WEEKS: u8 = 18;
/// Weeks of the NFL post season (wild card to Super Bowl).
pub const NFL_POST_WEEKS: u8 = 4;

/// How many members' league lists are searched for a league's next season.
const SUCCESSOR_SEARCH_MEMBERS: usize = 3;

/// A draft the plan follows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftInfo {
    /// The league whose draft it is.
    pub league_id: String,
    /// The draft's `status` (e.g. `drafting`, `complete`), once read.
    pub status: Option<String>,
}

/// What scheduling has learned from the bodies fetched so far.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// `SLEEPER_USERNAME`, whose leagues of the current season are followed.
    pub username: Option<String>,
    /// That user's id, from `/user/<username>`.
    pub user_id: Option<String>,
    /// The NFL calendar, from `/state/nfl`.
    pub state: NflState,
    /// (season, week, first seen ms): when the current week was first seen,
    /// which starts the previous week's stat-correction re-polls.
    pub week_seen: Option<(u16, u8, i64)>,
    /// Every followed league (configured, the user's, adopted successors).
    pub leagues: BTreeMap<String, LeagueInfo>,
    /// Old league → the league that continues it next season.
    pub successors: BTreeMap<String, String>,
    /// League → member user ids, owners first.
    pub members: BTreeMap<String, Vec<String>>,
    /// Draft id → the draft, from league bodies and league draft lists.
    pub drafts: BTreeMap<String, DraftInfo>,
    /// League → until when (ms) it is live because its scores were changing.
    pub live_until: BTreeMap<String, i64>,
    /// Current-week matchup scopes fetched at least once by this process, so
    /// the very first fetch (an append, having nothing before it) is not
    /// mistaken for changing scores.
    seen_matchups: HashSet<String>,
}

/// One scope the plan wants, with its cadence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// What to fetch.
    pub scope: Scope,
    /// The league, for draft scopes (their URL does not name it).
    pub league_id: Option<String>,
    /// One of the `PRIO_*` constants: lower is served first.
    pub priority: u8,
    /// Time from one request of the scope to the next (from the [`Cadence`]).
    pub interval: Duration,
}

/// A scope to fetch now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// What to fetch.
    pub scope: Scope,
    /// The league, for draft scopes (their URL does not name it).
    pub league_id: Option<String>,
    /// One of the `PRIO_*` constants: lower is served first.
    pub priority: u8,
}

impl Known {
    /// Nothing learned yet: the configured leagues and user only.
    pub fn new(configured: &[String], username: Option<&str>) -> Self {
        Self {
            username: username.map(str::to_string),
            leagues: configured
                .iter()
                .map(|id| (id.clone(), LeagueInfo::default()))
                .collect(),
            ..Self::default()
        }
    }

    /// Learn from a body fetched for `scope`. `appended` says the snapshot
    /// changed. A body that does not read keeps what was known.
    pub fn observe(
        &mut self,
        scope: &Scope,
        body: &[u8],
        appended: bool,
        now_ms: i64,
        cadence: &Cadence,
    ) {
        match scope {
            Scope::State => self.observe_state(body, now_ms),
            Scope::User(name) if self.username.as_deref() == Some(name.as_str()) => {
                if let Some(id) = discover::user_id(body) {
                    self.user_id = Some(id);
                }
            }
            Scope::UserLeagues { user_id, season } => {
                self.observe_user_leagues(user_id, *season, body)
            }
            Scope::League(id) => self.observe_league(id, body),
            Scope::Users(id) => {
                let members = discover::league_members(body);
                if !members.is_empty() && self.leagues.contains_key(id) {
                    self.members.insert(id.clone(), members);
                }
            }
            Scope::LeagueDrafts(id) => self.observe_league_drafts(id, body),
            Scope::Draft(id) => {
                if let (Some(status), Some(d)) =
                    (discover::draft_status(body), self.drafts.get_mut(id))
                {
                    d.status = Some(status);
                }
            }
            Scope::Matchups { league_id, week } => {
                self.observe_matchups(scope, league_id, *week, appended, now_ms, cadence)
            }
            _ => {}
        }
    }

    /// `/state/nfl`: the season, week and season type, and when the current
    /// week was first seen (`now_ms`).
    fn observe_state(&mut self, body: &[u8], now_ms: i64) {
        let Some(s) = discover::state(body) else {
            return;
        };
        self.state.season = s.season.or(self.state.season);
        self.state.week = s.week.or(self.state.week);
        self.state.season_type = s.season_type.or(self.state.season_type.take());
        if let (Some(season), Some(week)) = (self.state.season, self.state.week) {
            if !matches!(self.week_seen, Some((s, w, _)) if s == season && w == week) {
                self.week_seen = Some((season, week, now_ms));
            }
        }
    }

    /// A user's leagues of `season`: the followed user's own leagues of the
    /// current season are followed; any listed league continuing a followed
    /// one is adopted as its successor.
    fn observe_user_leagues(&mut self, user_id: &str, season: u16, body: &[u8]) {
        let own = self.user_id.as_deref() == Some(user_id) && Some(season) == self.state.season;
        for l in discover::user_leagues(body) {
            if own {
                self.leagues.entry(l.league_id.clone()).or_default();
            }
            self.adopt_successor(&l);
        }
    }

    /// Follow a league into its next season: `listed` continues a followed
    /// league that has no successor yet.
    fn adopt_successor(&mut self, listed: &ListedLeague) {
        let Some(prev) = &listed.previous_league_id else {
            return;
        };
        if prev != &listed.league_id
            && self.leagues.contains_key(prev)
            && !self.successors.contains_key(prev)
        {
            tracing::info!(old = %prev, new = %listed.league_id, "following league into its next season");
            self.successors
                .insert(prev.clone(), listed.league_id.clone());
            self.leagues.entry(listed.league_id.clone()).or_default();
        }
    }

    /// `/league/<id>` of a followed league: its status, season, predecessor,
    /// playoff start and draft.
    fn observe_league(&mut self, id: &str, body: &[u8]) {
        let (Some(info), Some(slot)) = (discover::league(body), self.leagues.get_mut(id)) else {
            return;
        };
        slot.status = info.status.or(slot.status.take());
        slot.season = info.season.or(slot.season);
        slot.previous_league_id = info.previous_league_id.or(slot.previous_league_id.take());
        slot.playoff_week_start = info.playoff_week_start.or(slot.playoff_week_start);
        if let Some(d) = info.draft_id {
            slot.draft_id = Some(d.clone());
            self.draft_of(d, id);
        }
    }

    /// `/league/<id>/drafts` of a followed league: each draft and its status.
    fn observe_league_drafts(&mut self, id: &str, body: &[u8]) {
        if !self.leagues.contains_key(id) {
            return;
        }
        for d in discover::league_drafts(body) {
            let entry = self.draft_of(d.draft_id, id);
            entry.status = d.status.or(entry.status.take());
        }
    }

    /// The draft `draft_id`, followed from now on as a draft of `league_id`
    /// if it was not known.
    fn draft_of(&mut self, draft_id: String, league_id: &str) -> &mut DraftInfo {
        self.drafts.entry(draft_id).or_insert_with(|| DraftInfo {
            league_id: league_id.to_string(),
            status: None,
        })
    }

    /// A current-week matchups body: a change (`appended`) after this
    /// process's first fetch of `scope` means scores are moving, so the
    /// league stays live for `cadence.live_linger` from `now_ms`.
    fn observe_matchups(
        &mut self,
        scope: &Scope,
        league_id: &str,
        week: u8,
        appended: bool,
        now_ms: i64,
        cadence: &Cadence,
    ) {
        if Some(week) != self.state.week {
            return;
        }
        let first = self.seen_matchups.insert(scope.to_string());
        if appended && !first {
            let until = now_ms + cadence.live_linger.as_millis() as i64;
            self.live_until.insert(league_id.to_string(), until);
        }
    }

    /// Followed leagues that have not been continued by a newer season.
    pub fn active_leagues(&self) -> impl Iterator<Item = (&String, &LeagueInfo)> {
        self.leagues
            .iter()
            .filter(|(id, _)| !self.successors.contains_key(*id))
    }

    /// Whether the NFL is in a season with games (regular or post).
    fn games_season(&self) -> bool {
        matches!(
            self.state.season_type.as_deref(),
            Some("regular") | Some("post")
        )
    }
}

/// Every scope the plan knows of, with its priority and interval at `now_ms`.
pub fn planned(now_ms: i64, known: &Known, cadence: &Cadence) -> Vec<Planned> {
    let mut planner = Planner {
        now_ms,
        known,
        cadence,
        out: Vec::new(),
    };
    planner.global();
    planner.nfl();
    planner.leagues();
    planner.drafts();
    planner.finish()
}

/// Builds [`planned`]'s list, in push order: what comes first wins when a
/// scope is reached twice, and orders scopes of equal priority and staleness
/// in [`due`].
struct Planner<'a> {
    /// The time planned for (ms since the epoch, the clock's).
    now_ms: i64,
    known: &'a Known,
    cadence: &'a Cadence,
    out: Vec<Planned>,
}

impl Planner<'_> {
    fn push(&mut self, scope: Scope, league_id: Option<&str>, priority: u8, interval: Duration) {
        self.out.push(Planned {
            scope,
            league_id: league_id.map(str::to_string),
            priority,
            interval,
        });
    }

    /// The scopes of no league: state, players, trending, and the followed
    /// user with their league list of the current season.
    fn global(&mut self) {
        let (known, cadence) = (self.known, self.cadence);
        self.push(Scope::State, None, PRIO_DISCOVERY, cadence.state);
        self.push(Scope::Players, None, PRIO_PLAYERS, cadence.players);
        self.push(
            Scope::Trending(Trend::Add),
            None,
            PRIO_SLOW,
            cadence.trending,
        );
        self.push(
            Scope::Trending(Trend::Drop),
            None,
            PRIO_SLOW,
            cadence.trending,
        );
        if let Some(name) = &known.username {
            self.push(
                Scope::User(name.clone()),
                None,
                PRIO_DISCOVERY,
                cadence.user,
            );
        }
        if let (Some(user_id), Some(season)) = (&known.user_id, known.state.season) {
            self.user_leagues(user_id, season);
        }
    }

    /// The NFL's weekly data, once whatever the number of leagues: the
    /// current week's stats (every `stats_live` in game windows, else every
    /// `stats`), the previous week's while corrections may land, the
    /// current week's projections (daily, and once more in the
    /// `pre_window` before each game window), and the season's schedule
    /// (daily; every `schedule_live` in game windows). Outside the regular
    /// and post seasons the coming regular season's.
    fn nfl(&mut self) {
        let (known, cadence, now) = (self.known, self.cadence, self.now_ms);
        let Some(season) = known.state.season else {
            return;
        };
        let season_type = known
            .state
            .season_type
            .as_deref()
            .and_then(SeasonType::parse)
            .unwrap_or(SeasonType::Regular);
        let window = cadence.in_game_window(now);
        let live = window && known.games_season();
        let schedule = if live {
            (PRIO_NORMAL, cadence.schedule_live)
        } else {
            (PRIO_SLOW, cadence.schedule)
        };
        for t in [SeasonType::Regular, season_type] {
            let scope = Scope::NflSchedule {
                season_type: t,
                season,
            };
            self.push(scope, None, schedule.0, schedule.1);
        }
        let Some(week) = known.state.week.filter(|w| *w >= 1) else {
            return;
        };
        let stats = |week| Scope::NflStats {
            season_type,
            season,
            week,
        };
        let interval = if live {
            cadence.stats_live
        } else {
            cadence.stats
        };
        self.push(stats(week), None, PRIO_NORMAL, interval);
        if week >= 2 && self.correcting() {
            self.push(stats(week - 1), None, PRIO_NORMAL, cadence.stats);
        }
        let projections = Scope::NflProjections {
            season_type,
            season,
            week,
        };
        // Due once after the pre-kickoff period began, whatever the daily
        // interval says: an interval of "since then" is met by any fetch
        // from before it.
        match cadence
            .pre_window_since(now)
            .filter(|_| known.games_season())
        {
            Some(since) => {
                let since = Duration::from_millis((now - since).max(0) as u64);
                self.push(
                    projections,
                    None,
                    PRIO_NORMAL,
                    since.min(cadence.projections),
                );
            }
            None => self.push(projections, None, PRIO_SLOW, cadence.projections),
        }
    }

    /// Whether the previous week's stat corrections may still land
    /// (`corrections_for` after the current week was first seen).
    fn correcting(&self) -> bool {
        self.known
            .week_seen
            .map(|(_, _, since)| since + self.cadence.corrections_for.as_millis() as i64)
            .is_some_and(|t| self.now_ms < t)
    }

    /// `/user/<user_id>/leagues/nfl/<season>`, at discovery priority.
    fn user_leagues(&mut self, user_id: &str, season: u16) {
        self.push(
            Scope::UserLeagues {
                user_id: user_id.to_string(),
                season,
            },
            None,
            PRIO_DISCOVERY,
            self.cadence.user_leagues,
        );
    }

    /// Every active league's scopes, league by league.
    fn leagues(&mut self) {
        let known = self.known;
        let window = self.cadence.in_game_window(self.now_ms);
        // (member, season) lists already planned by a successor search.
        let mut searched: BTreeSet<(String, u16)> = BTreeSet::new();
        for (id, info) in known.active_leagues() {
            self.league(id, info, window, &mut searched);
        }
    }

    /// One league's scopes. `window`: a game window is open now.
    fn league(
        &mut self,
        id: &str,
        info: &LeagueInfo,
        window: bool,
        searched: &mut BTreeSet<(String, u16)>,
    ) {
        let (known, cadence) = (self.known, self.cadence);
        let season = known.state.season;
        let l = Some(id);
        let done = info.status.as_deref() == Some("complete");
        // A league of an older season than the NFL's: look for its successor
        // in its members' league lists of the new season.
        let behind = matches!((info.season, season), (Some(a), Some(b)) if a < b);
        if let (true, Some(season)) = (behind, season) {
            self.successor_search(id, season, searched);
        }
        let current = !behind && !done;
        let live = current && self.is_live(id, info, window);
        self.push(
            Scope::League(id.to_string()),
            l,
            PRIO_DISCOVERY,
            cadence.league,
        );
        self.push(Scope::Users(id.to_string()), l, PRIO_SLOW, cadence.users);
        let (priority, interval) = if live {
            (PRIO_DISCOVERY, cadence.live)
        } else {
            (PRIO_NORMAL, cadence.rosters)
        };
        self.push(Scope::Rosters(id.to_string()), l, priority, interval);
        if let (true, Some(week)) = (current, known.state.week.filter(|w| *w >= 1)) {
            self.week(id, week, live);
        }
        self.push(
            Scope::TradedPicks(id.to_string()),
            l,
            PRIO_SLOW,
            cadence.traded_picks,
        );
        self.push(
            Scope::WinnersBracket(id.to_string()),
            l,
            PRIO_SLOW,
            cadence.brackets,
        );
        self.push(
            Scope::LosersBracket(id.to_string()),
            l,
            PRIO_SLOW,
            cadence.brackets,
        );
        self.league_drafts(id, info);
    }

    /// `/league/<id>/drafts`: live while the league is drafting.
    fn league_drafts(&mut self, id: &str, info: &LeagueInfo) {
        let (priority, interval) = if info.status.as_deref() == Some("drafting") {
            (PRIO_DISCOVERY, self.cadence.live)
        } else {
            (PRIO_SLOW, self.cadence.league_drafts)
        };
        self.push(
            Scope::LeagueDrafts(id.to_string()),
            Some(id),
            priority,
            interval,
        );
    }

    /// The league lists of `season` of the first few members of league
    /// `id`, each (member, season) once across leagues.
    fn successor_search(&mut self, id: &str, season: u16, searched: &mut BTreeSet<(String, u16)>) {
        let known = self.known;
        for member in known
            .members
            .get(id)
            .into_iter()
            .flatten()
            .take(SUCCESSOR_SEARCH_MEMBERS)
        {
            if searched.insert((member.clone(), season)) {
                self.user_leagues(member, season);
            }
        }
    }

    /// Whether a current league is live: in a game window of a games season
    /// and past its draft, or its scores were changing recently.
    fn is_live(&self, id: &str, info: &LeagueInfo, window: bool) -> bool {
        let before_games = matches!(info.status.as_deref(), Some("pre_draft") | Some("drafting"));
        (window && self.known.games_season() && !before_games)
            || self
                .known
                .live_until
                .get(id)
                .is_some_and(|t| *t > self.now_ms)
    }

    /// A current league's weekly scopes: this week's matchups and
    /// transactions, and last week's matchups while stat corrections may
    /// land (`cadence.corrections_for` after the week was first seen).
    fn week(&mut self, id: &str, week: u8, live: bool) {
        let cadence = self.cadence;
        let l = Some(id);
        let matchups = Scope::Matchups {
            league_id: id.to_string(),
            week,
        };
        let (priority, interval) = if live {
            (PRIO_LIVE, cadence.live)
        } else {
            (PRIO_NORMAL, cadence.matchups)
        };
        self.push(matchups, l, priority, interval);
        if week >= 2 && self.correcting() {
            self.push(
                Scope::Matchups {
                    league_id: id.to_string(),
                    week: week - 1,
                },
                l,
                PRIO_NORMAL,
                cadence.corrections,
            );
        }
        self.push(
            Scope::Transactions {
                league_id: id.to_string(),
                round: week,
            },
            l,
            PRIO_NORMAL,
            cadence.transactions,
        );
    }

    /// The drafts of followed leagues not continued by a newer season.
    fn drafts(&mut self) {
        let known = self.known;
        for (draft_id, d) in &known.drafts {
            if !known.leagues.contains_key(&d.league_id)
                || known.successors.contains_key(&d.league_id)
            {
                continue;
            }
            self.draft(draft_id, d);
        }
    }

    /// One draft's scopes: live while it is drafting, slow otherwise.
    fn draft(&mut self, draft_id: &str, d: &DraftInfo) {
        let cadence = self.cadence;
        let l = Some(d.league_id.as_str());
        // (priority, interval) of the draft, and of its picks.
        let (draft, picks) = if d.status.as_deref() == Some("drafting") {
            (
                (PRIO_DISCOVERY, cadence.live),
                (PRIO_LIVE, cadence.draft_live),
            )
        } else {
            ((PRIO_SLOW, cadence.draft), (PRIO_SLOW, cadence.draft))
        };
        self.push(Scope::Draft(draft_id.to_string()), l, draft.0, draft.1);
        self.push(Scope::DraftPicks(draft_id.to_string()), l, picks.0, picks.1);
        self.push(
            Scope::DraftTradedPicks(draft_id.to_string()),
            l,
            PRIO_SLOW,
            cadence.draft,
        );
    }

    /// The list, each scope once: a scope reached two ways (the user's own
    /// league list is also a member's) is planned once, as first pushed.
    fn finish(mut self) -> Vec<Planned> {
        let mut seen = HashSet::new();
        self.out.retain(|p| seen.insert(p.scope.clone()));
        self.out
    }
}

/// The scopes due at `now_ms`, given the last fetch time (ms) of each scope,
/// sorted by priority and then by staleness (never fetched first).
pub fn due(now_ms: i64, known: &Known, last: &HashMap<String, i64>, cadence: &Cadence) -> Vec<Due> {
    let mut due: Vec<(u8, Option<i64>, Due)> = planned(now_ms, known, cadence)
        .into_iter()
        .filter_map(|p| {
            let at = last.get(&p.scope.to_string()).copied();
            let is_due = at.is_none_or(|t| now_ms - t >= p.interval.as_millis() as i64);
            is_due.then_some((
                p.priority,
                at,
                Due {
                    scope: p.scope,
                    league_id: p.league_id,
                    priority: p.priority,
                },
            ))
        })
        .collect();
    // None (never fetched) sorts before any time: the stalest first.
    due.sort_by_key(|d| (d.0, d.1));
    due.into_iter().map(|(_, _, d)| d).collect()
}

/// Every NFL scope of a past `season`, for `backfill`: both schedules and
/// every week's stats and projections of both season types.
pub fn nfl_season(season: u16) -> Vec<Scope> {
    let mut scopes = Vec::new();
    for (season_type, weeks) in [
        (SeasonType::Regular, NFL_REGULAR_WEEKS),
        (SeasonType::Post, NFL_POST_WEEKS),
    ] {
        scopes.push(Scope::NflSchedule {
            season_type,
            season,
        });
        for week in 1..=weeks {
            scopes.push(Scope::NflStats {
                season_type,
                season,
                week,
            });
            scopes.push(Scope::NflProjections {
                season_type,
                season,
                week,
            });
        }
    }
    scopes
}

/// Whether a kind feeds the plan itself (fetched first by `once`).
pub fn is_discovery(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::State
            | Kind::User
            | Kind::UserLeagues
            | Kind::League
            | Kind::Users
            | Kind::LeagueDrafts
            | Kind::Draft
    )
}

#[cfg(test)]
mod tests;
