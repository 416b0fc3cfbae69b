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

use sleeper_shared::scope::Trend;
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
        let corrections_until = self
            .known
            .week_seen
            .map(|(_, _, since)| since + cadence.corrections_for.as_millis() as i64);
        if week >= 2 && corrections_until.is_some_and(|t| self.now_ms < t) {
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
mod tests {
    use super::*;

    // 2025-11-09 (a Sunday) 14:00 and 10:00 US Eastern; 2025-11-11 (Tuesday) 21:00.
    const SUN_LIVE: i64 = 1_762_714_800_000;
    const SUN_MORNING: i64 = 1_762_700_400_000;
    const TUESDAY: i64 = 1_762_912_800_000;
    const MIN: i64 = 60_000;

    fn league_body(status: &str, season: u16) -> Vec<u8> {
        format!(r#"{{"league_id":"10","status":"{status}","season":"{season}","previous_league_id":"9","draft_id":"77","settings":{{"playoff_week_start":15}}}}"#)
            .into_bytes()
    }

    /// League 10, season 2025, in season; NFL 2025 week 10 regular.
    fn known(now: i64) -> (Known, Cadence) {
        let c = Cadence::default();
        let mut k = Known::new(&["10".to_string()], None);
        k.observe(
            &Scope::State,
            br#"{"season":"2025","week":10,"season_type":"regular"}"#,
            true,
            now,
            &c,
        );
        k.observe(
            &Scope::League("10".into()),
            &league_body("in_season", 2025),
            true,
            now,
            &c,
        );
        (k, c)
    }

    fn find<'a>(plan: &'a [Planned], scope: &str) -> Option<&'a Planned> {
        plan.iter().find(|p| p.scope.to_string() == scope)
    }

    fn names(due: &[Due]) -> Vec<String> {
        due.iter().map(|d| d.scope.to_string()).collect()
    }

    /// Every planned scope fetched at `at`.
    fn all_fetched(plan: &[Planned], at: i64) -> HashMap<String, i64> {
        plan.iter().map(|p| (p.scope.to_string(), at)).collect()
    }

    #[test]
    fn in_a_game_window_current_matchups_and_rosters_are_live() {
        let (k, c) = known(SUN_LIVE);
        let plan = planned(SUN_LIVE, &k, &c);
        let m = find(&plan, "league/10/matchups/10").unwrap();
        assert_eq!(
            (m.priority, m.interval),
            (PRIO_LIVE, Duration::from_secs(60))
        );
        let r = find(&plan, "league/10/rosters").unwrap();
        assert_eq!(r.interval, Duration::from_secs(60));
        // Fetched 61 s ago: due again; slow kinds are not.
        let last = all_fetched(&plan, SUN_LIVE - 61_000);
        let due = names(&due(SUN_LIVE, &k, &last, &c));
        assert_eq!(due, ["league/10/matchups/10", "league/10/rosters"]);
    }

    #[test]
    fn outside_windows_matchups_slow_down() {
        for now in [SUN_MORNING, TUESDAY] {
            let (k, c) = known(now);
            let plan = planned(now, &k, &c);
            let m = find(&plan, "league/10/matchups/10").unwrap();
            assert_eq!((m.priority, m.interval), (PRIO_NORMAL, c.matchups));
            let last = all_fetched(&plan, now - 61_000);
            assert!(due(now, &k, &last, &c).is_empty());
        }
    }

    #[test]
    fn a_window_in_the_off_season_or_a_finished_league_is_not_live() {
        let (mut k, c) = known(SUN_LIVE);
        k.observe(
            &Scope::League("10".into()),
            &league_body("complete", 2025),
            true,
            SUN_LIVE,
            &c,
        );
        let plan = planned(SUN_LIVE, &k, &c);
        assert!(find(&plan, "league/10/matchups/10").is_none());
        assert_eq!(
            find(&plan, "league/10/rosters").unwrap().interval,
            c.rosters
        );
    }

    #[test]
    fn a_drafting_draft_polls_its_picks_every_15_seconds() {
        let (mut k, c) = known(TUESDAY);
        k.observe(
            &Scope::LeagueDrafts("10".into()),
            br#"[{"draft_id":"77","status":"drafting"}]"#,
            true,
            TUESDAY,
            &c,
        );
        let plan = planned(TUESDAY, &k, &c);
        let p = find(&plan, "draft/77/picks").unwrap();
        assert_eq!(
            (p.priority, p.interval),
            (PRIO_LIVE, Duration::from_secs(15))
        );
        assert_eq!(p.league_id.as_deref(), Some("10"));
        let mut last = all_fetched(&plan, TUESDAY - 16_000);
        assert_eq!(names(&due(TUESDAY, &k, &last, &c)), ["draft/77/picks"]);
        last.insert("draft/77/picks".into(), TUESDAY - 5_000);
        assert!(due(TUESDAY, &k, &last, &c).is_empty());
        // Once complete, picks are slow.
        k.observe(
            &Scope::Draft("77".into()),
            br#"{"status":"complete"}"#,
            true,
            TUESDAY,
            &c,
        );
        assert_eq!(
            find(&planned(TUESDAY, &k, &c), "draft/77/picks")
                .unwrap()
                .interval,
            c.draft
        );
    }

    #[test]
    fn players_are_fetched_once_a_day() {
        let (k, c) = known(TUESDAY);
        let plan = planned(TUESDAY, &k, &c);
        let mut last = all_fetched(&plan, TUESDAY);
        last.insert("players/nfl".into(), TUESDAY - 23 * 60 * MIN);
        assert!(due(TUESDAY, &k, &last, &c).is_empty());
        last.insert("players/nfl".into(), TUESDAY - 24 * 60 * MIN);
        assert_eq!(names(&due(TUESDAY, &k, &last, &c)), ["players/nfl"]);
    }

    #[test]
    fn the_previous_week_is_repolled_for_stat_corrections_for_three_days() {
        let (mut k, c) = known(TUESDAY);
        // The week rolls to 11 on Tuesday.
        k.observe(&Scope::State, br#"{"week":11}"#, true, TUESDAY, &c);
        let plan = planned(TUESDAY + 60 * MIN, &k, &c);
        let prev = find(&plan, "league/10/matchups/10").unwrap();
        assert_eq!(prev.interval, c.corrections);
        assert!(find(&plan, "league/10/matchups/11").is_some());
        let later = TUESDAY + 3 * 24 * 60 * MIN + 1;
        assert!(find(&planned(later, &k, &c), "league/10/matchups/10").is_none());
        // An unchanged state body does not restart the corrections period.
        k.observe(&Scope::State, br#"{"week":11}"#, false, later, &c);
        assert!(find(&planned(later, &k, &c), "league/10/matchups/10").is_none());
    }

    #[test]
    fn changing_scores_keep_a_league_live_outside_the_windows() {
        let (mut k, c) = known(TUESDAY);
        let m = Scope::Matchups {
            league_id: "10".into(),
            week: 10,
        };
        let interval = |k: &Known, now| {
            find(&planned(now, k, &c), "league/10/matchups/10")
                .unwrap()
                .interval
        };
        // The first fetch appends (nothing before it): not a sign of live games.
        k.observe(&m, b"[]", true, TUESDAY, &c);
        assert_eq!(interval(&k, TUESDAY), c.matchups);
        k.observe(&m, b"[]", false, TUESDAY + MIN, &c);
        assert_eq!(interval(&k, TUESDAY + MIN), c.matchups);
        // Saturday game: the points changed.
        k.observe(&m, b"[]", true, TUESDAY + 2 * MIN, &c);
        assert_eq!(interval(&k, TUESDAY + 3 * MIN), c.live);
        assert_eq!(
            find(&planned(TUESDAY + 3 * MIN, &k, &c), "league/10/rosters")
                .unwrap()
                .interval,
            c.live
        );
        assert_eq!(interval(&k, TUESDAY + 2 * MIN + 15 * MIN + 1), c.matchups);
    }

    #[test]
    fn due_is_sorted_by_priority_then_staleness_for_degradation() {
        let (mut k, c) = known(SUN_LIVE);
        k.observe(
            &Scope::LeagueDrafts("10".into()),
            br#"[{"draft_id":"77","status":"drafting"}]"#,
            true,
            SUN_LIVE,
            &c,
        );
        let mut last = HashMap::new();
        last.insert("league/10/matchups/10".to_string(), SUN_LIVE - 5 * MIN);
        last.insert("draft/77/picks".to_string(), SUN_LIVE - 10 * MIN);
        last.insert("players/nfl".to_string(), SUN_LIVE - 48 * 60 * MIN);
        let d = due(SUN_LIVE, &k, &last, &c);
        let prios: Vec<u8> = d.iter().map(|d| d.priority).collect();
        let mut sorted = prios.clone();
        sorted.sort();
        assert_eq!(prios, sorted);
        // Live first, the staler of the two live scopes first; players last.
        assert_eq!(names(&d[..2]), ["draft/77/picks", "league/10/matchups/10"]);
        assert_eq!(d.last().unwrap().scope, Scope::Players);
        // Discovery comes right after live: state, league, league drafts…
        assert_eq!(d[2].priority, PRIO_DISCOVERY);
    }

    #[test]
    fn a_configured_league_is_followed_into_its_next_season() {
        let c = Cadence::default();
        let mut k = Known::new(&["10".to_string()], None);
        k.observe(
            &Scope::State,
            br#"{"season":"2026","week":1,"season_type":"regular"}"#,
            true,
            TUESDAY,
            &c,
        );
        k.observe(
            &Scope::League("10".into()),
            &league_body("complete", 2025),
            true,
            TUESDAY,
            &c,
        );
        k.observe(
            &Scope::Users("10".into()),
            br#"[{"user_id":"u2"},{"user_id":"u1","is_owner":true}]"#,
            true,
            TUESDAY,
            &c,
        );
        let plan = planned(TUESDAY, &k, &c);
        assert!(find(&plan, "user/u1/leagues/2026").is_some());
        assert!(find(&plan, "league/10/matchups/1").is_none());
        k.observe(
            &Scope::UserLeagues { user_id: "u1".into(), season: 2026 },
            br#"[{"league_id":"20","previous_league_id":"10","season":"2026"},{"league_id":"30","previous_league_id":null}]"#,
            true,
            TUESDAY,
            &c,
        );
        assert_eq!(k.successors.get("10").map(String::as_str), Some("20"));
        let plan = planned(TUESDAY, &k, &c);
        assert!(find(&plan, "league/20").is_some());
        assert!(
            find(&plan, "league/30").is_none(),
            "a member's other league is not ours"
        );
        assert!(
            find(&plan, "league/10").is_none(),
            "the old season is left to backfill"
        );
        assert!(find(&plan, "user/u1/leagues/2026").is_none());
    }

    #[test]
    fn the_users_leagues_of_the_current_season_are_followed() {
        let c = Cadence::default();
        let mut k = Known::new(&[], Some("alice"));
        assert!(find(&planned(TUESDAY, &k, &c), "user/alice").is_some());
        k.observe(
            &Scope::State,
            br#"{"season":"2025","week":3,"season_type":"regular"}"#,
            true,
            TUESDAY,
            &c,
        );
        k.observe(
            &Scope::User("alice".into()),
            br#"{"user_id":"123"}"#,
            true,
            TUESDAY,
            &c,
        );
        assert!(find(&planned(TUESDAY, &k, &c), "user/123/leagues/2025").is_some());
        k.observe(
            &Scope::UserLeagues {
                user_id: "123".into(),
                season: 2025,
            },
            br#"[{"league_id":"5"},{"league_id":6}]"#,
            true,
            TUESDAY,
            &c,
        );
        let plan = planned(TUESDAY, &k, &c);
        assert!(find(&plan, "league/5/rosters").is_some());
        assert!(find(&plan, "league/6/matchups/3").is_some());
    }

    #[test]
    fn garbage_bodies_keep_what_was_known() {
        let (mut k, c) = known(TUESDAY);
        let before = planned(TUESDAY, &k, &c);
        for (scope, body) in [
            (Scope::State, &br#"{"season":[1],"week":"x"}"#[..]),
            (Scope::State, b"null"),
            (Scope::League("10".into()), b"[1]"),
            (Scope::League("10".into()), br#"{"status":5,"season":{}}"#),
            (Scope::LeagueDrafts("10".into()), b"{\"oops\":1}"),
            (Scope::Draft("77".into()), b"{not json"),
            (Scope::Users("10".into()), b"null"),
        ] {
            k.observe(&scope, body, true, TUESDAY, &c);
        }
        assert_eq!(planned(TUESDAY, &k, &c), before);
    }
}
