//! The reference model of the all-time read models: plain Rust over the raw
//! JSON bodies of the envelopes (never the tables), written from the views'
//! specifications (the comments of migrations/projection/0004–0007) and
//! docs/design.md rule 10. Every view is produced as sorted text rows in
//! the shape the test selects from Postgres: columns joined by " | ",
//! NULL as "∅", numbers as `trim_scale` prints them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sleeper_shared::Envelope;

/// An exact decimal: millionths. Points carry two decimals, a median of
/// two of them three; sums stay exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Dec(i128);

const SCALE: i128 = 1_000_000;

impl Dec {
    fn int(n: i64) -> Self {
        Dec(i128::from(n) * SCALE)
    }

    /// A JSON number as Sleeper sent it (`108.9`, `"57"`), exactly.
    fn parse(v: &Value) -> Option<Self> {
        let text = match v {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_string(),
            _ => return None,
        };
        let (neg, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest.to_string()),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
        if frac.len() > 6 || whole.is_empty() && frac.is_empty() {
            return None;
        }
        let whole: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let frac: i128 = format!("{frac:0<6}").parse().ok()?;
        let v = whole * SCALE + frac;
        Some(Dec(if neg { -v } else { v }))
    }

    /// As Postgres prints `trim_scale(x)`.
    pub fn text(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.abs();
        let whole = a / SCALE;
        let frac = format!("{:06}", a % SCALE);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{whole}")
        } else {
            format!("{sign}{whole}.{frac}")
        }
    }
}

impl std::ops::Add for Dec {
    type Output = Dec;
    fn add(self, o: Dec) -> Dec {
        Dec(self.0 + o.0)
    }
}

impl std::ops::Sub for Dec {
    type Output = Dec;
    fn sub(self, o: Dec) -> Dec {
        Dec(self.0 - o.0)
    }
}

impl std::iter::Sum for Dec {
    fn sum<I: Iterator<Item = Dec>>(iter: I) -> Dec {
        iter.fold(Dec::default(), |a, b| a + b)
    }
}

/// `num / den` rounded to 4 decimals, half away from zero (Postgres'
/// `round(numeric, 4)`), as trim_scale prints it.
fn round4(num: i128, den: i128) -> String {
    let neg = (num < 0) != (den < 0) && num != 0;
    let (n, d) = (num.abs() * 10_000, den.abs());
    let r = (2 * n + d) / (2 * d);
    let v = Dec(r * (SCALE / 10_000));
    if neg {
        Dec(-v.0).text()
    } else {
        v.text()
    }
}

/// A cell of a row: NULL is "∅".
fn cell<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| "∅".to_string(), |v| v.to_string())
}

fn row(cells: &[String]) -> String {
    cells.join(" | ")
}

/// A plain non-negative integer read out of JSON (0004's guard: a number
/// or a string holding one; anything else is NULL).
fn int(v: &Value) -> Option<i64> {
    let d = Dec::parse(v)?;
    (d.0 >= 0 && d.0 % SCALE == 0).then_some((d.0 / SCALE) as i64)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

// ── the input, read out of the bodies ─────────────────────────────────────

#[derive(Clone, Debug)]
pub struct Roster {
    pub roster_id: i64,
    pub owner: Option<String>,
    pub wins: i64,
    pub losses: i64,
    pub ties: i64,
}

#[derive(Clone, Debug)]
struct WeekRow {
    roster_id: i64,
    matchup_id: Option<i64>,
    points: Option<Dec>,
}

#[derive(Clone, Debug)]
pub struct BracketGame {
    pub m: Option<i64>,
    pub r: Option<i64>,
    pub p: Option<i64>,
    pub t1: Option<i64>,
    pub t2: Option<i64>,
    pub w: Option<i64>,
    pub l: Option<i64>,
}

#[derive(Clone, Debug)]
struct PickMove {
    transaction_id: String,
    ordinal: usize,
    moved_at: Option<i64>,
    season: Option<String>,
    round: Option<i64>,
    original: Option<i64>,
    from: Option<i64>,
    to: Option<i64>,
}

#[derive(Clone, Debug, Default)]
struct Draft {
    season: Option<String>,
    league_id: Option<String>,
    /// draft_slot (as text) → roster id (as text).
    slot_to_roster: BTreeMap<String, String>,
    /// (pick_no, round, draft_slot, player_id)
    picks: Vec<(i64, i64, i64, Option<String>)>,
}

#[derive(Clone, Debug, Default)]
pub struct League {
    pub id: String,
    pub season: String,
    previous: Option<String>,
    status: Option<String>,
    pub settings: Value,
    /// (user_id, display_name, team_name)
    users: Vec<(String, Option<String>, Option<String>)>,
    pub rosters: Vec<Roster>,
    weeks: BTreeMap<i64, Vec<WeekRow>>,
    pub winners: Vec<BracketGame>,
    pub losers: Vec<BracketGame>,
    moves: Vec<PickMove>,
    /// (season, round, original roster, owner)
    traded_picks: Vec<(String, i64, i64, Option<i64>)>,
}

impl League {
    pub fn setting(&self, key: &str) -> Option<i64> {
        int(&self.settings[key])
    }

    fn playoff_week_start(&self) -> Option<i64> {
        self.setting("playoff_week_start").filter(|&w| w > 0)
    }

    fn median_game(&self) -> bool {
        text(&self.settings["league_average_match"]).is_some_and(|t| t.trim() == "1")
    }

    fn round_type(&self) -> Option<i64> {
        let v = &self.settings["playoff_round_type"];
        if v.is_null() {
            int(&self.settings["playoff_type"])
        } else {
            int(v)
        }
    }

    fn owner(&self, roster: i64) -> Option<&str> {
        self.rosters
            .iter()
            .find(|r| r.roster_id == roster)
            .and_then(|r| r.owner.as_deref())
    }

    /// A roster's manager: its owner, else `orphan:<roster>@<league>`.
    pub fn manager(&self, roster: i64) -> String {
        self.owner(roster)
            .map_or_else(|| format!("orphan:{roster}@{}", self.id), str::to_string)
    }
}

/// Everything the envelopes say, by league.
pub struct Input {
    pub leagues: BTreeMap<String, League>,
    drafts: BTreeMap<String, Draft>,
    /// The NFL state (`state/nfl`): (season, season_type, leg else week).
    state: Option<(Option<String>, Option<String>, Option<i64>)>,
}

impl Input {
    /// Whether a league's week cannot be final yet: the NFL state says the
    /// league's season is in its regular season at this week or an earlier
    /// one (0004; no NFL schedule is sent, so no game of it is pending).
    fn provisional(&self, l: &League, week: i64) -> bool {
        self.state.as_ref().is_some_and(|(season, kind, at)| {
            season.as_deref() == Some(l.season.as_str())
                && kind.as_deref() == Some("regular")
                && at.is_some_and(|at| week >= at)
        })
    }
}

fn ms(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn opt_int(v: &Value) -> Option<i64> {
    v.as_i64()
}

fn bracket(body: &Value) -> Vec<BracketGame> {
    body.as_array()
        .into_iter()
        .flatten()
        .map(|g| BracketGame {
            m: opt_int(&g["m"]),
            r: opt_int(&g["r"]),
            p: opt_int(&g["p"]),
            t1: opt_int(&g["t1"]),
            t2: opt_int(&g["t2"]),
            w: opt_int(&g["w"]),
            l: opt_int(&g["l"]),
        })
        .collect()
}

impl Input {
    /// Reads every envelope's body; a scope sent twice keeps its last body.
    pub fn read(events: &[Envelope]) -> Self {
        let mut leagues: BTreeMap<String, League> = BTreeMap::new();
        let mut drafts: BTreeMap<String, Draft> = BTreeMap::new();
        let mut state = None;
        for e in events {
            let body: Value = serde_json::from_slice(&e.body).expect("a JSON body");
            let parts: Vec<&str> = e.scope.split('/').collect();
            match parts[..] {
                ["state", "nfl"] => {
                    state = Some((
                        text(&body["season"]),
                        text(&body["season_type"]),
                        opt_int(&body["leg"]).or_else(|| opt_int(&body["week"])),
                    ))
                }
                ["league", id] => {
                    let l = leagues.entry(id.to_string()).or_default();
                    l.id = id.to_string();
                    l.season = text(&body["season"]).unwrap_or_default();
                    l.previous = text(&body["previous_league_id"]);
                    l.status = text(&body["status"]);
                    l.settings = body["settings"].clone();
                }
                ["league", id, kind, ..] => {
                    let l = leagues.entry(id.to_string()).or_default();
                    Self::league_part(l, kind, parts.get(3).copied(), &body);
                }
                ["draft", id] => {
                    let d = drafts.entry(id.to_string()).or_default();
                    d.season = text(&body["season"]);
                    d.league_id = text(&body["league_id"]).or(e.league_id.clone());
                    if let Some(map) = body["slot_to_roster_id"].as_object() {
                        d.slot_to_roster = map
                            .iter()
                            .filter_map(|(k, v)| Some((k.clone(), text(v)?)))
                            .collect();
                    }
                }
                ["draft", id, "picks"] => {
                    let d = drafts.entry(id.to_string()).or_default();
                    d.picks = body
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|p| {
                            Some((
                                p["pick_no"].as_i64()?,
                                p["round"].as_i64()?,
                                p["draft_slot"].as_i64()?,
                                text(&p["player_id"]),
                            ))
                        })
                        .collect();
                }
                _ => {}
            }
        }
        Input {
            leagues,
            drafts,
            state,
        }
    }

    fn league_part(l: &mut League, kind: &str, arg: Option<&str>, body: &Value) {
        let list = || body.as_array().into_iter().flatten();
        match kind {
            "users" => {
                l.users = list()
                    .filter_map(|u| {
                        Some((
                            text(&u["user_id"])?,
                            text(&u["display_name"]),
                            text(&u["metadata"]["team_name"]),
                        ))
                    })
                    .collect()
            }
            "rosters" => {
                l.rosters = list()
                    .filter_map(|r| {
                        let s = &r["settings"];
                        Some(Roster {
                            roster_id: r["roster_id"].as_i64()?,
                            owner: text(&r["owner_id"]),
                            wins: s["wins"].as_i64().unwrap_or(0),
                            losses: s["losses"].as_i64().unwrap_or(0),
                            ties: s["ties"].as_i64().unwrap_or(0),
                        })
                    })
                    .collect()
            }
            "matchups" => {
                let week: i64 = arg.and_then(|w| w.parse().ok()).expect("a week");
                let rows = list()
                    .filter_map(|m| {
                        let custom = Dec::parse(&m["custom_points"]);
                        Some(WeekRow {
                            roster_id: m["roster_id"].as_i64()?,
                            matchup_id: m["matchup_id"].as_i64(),
                            points: custom.or_else(|| Dec::parse(&m["points"])),
                        })
                    })
                    .collect();
                l.weeks.insert(week, rows);
            }
            "winners_bracket" => l.winners = bracket(body),
            "losers_bracket" => l.losers = bracket(body),
            "transactions" => {
                for t in list() {
                    if text(&t["status"]).as_deref() != Some("complete") {
                        continue;
                    }
                    let Some(id) = text(&t["transaction_id"]) else {
                        continue;
                    };
                    let moved_at = ms(&t["status_updated"]).or_else(|| ms(&t["created"]));
                    for (ordinal, p) in t["draft_picks"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        l.moves.push(PickMove {
                            transaction_id: id.clone(),
                            ordinal,
                            moved_at,
                            season: text(&p["season"]),
                            round: opt_int(&p["round"]),
                            original: opt_int(&p["roster_id"]),
                            from: opt_int(&p["previous_owner_id"]),
                            to: opt_int(&p["owner_id"]),
                        });
                    }
                }
            }
            "traded_picks" => {
                l.traded_picks = list()
                    .filter_map(|p| {
                        Some((
                            text(&p["season"])?,
                            p["round"].as_i64()?,
                            p["roster_id"].as_i64()?,
                            p["owner_id"].as_i64(),
                        ))
                    })
                    .collect()
            }
            _ => {}
        }
    }
}

// ── results ────────────────────────────────────────────────────────────

/// One row of `matchup_results`.
#[derive(Clone, Debug)]
pub struct Result {
    pub league_id: String,
    pub week: i64,
    pub roster_id: i64,
    pub manager_id: String,
    pub opponent_roster_id: Option<i64>,
    pub points: Option<Dec>,
    pub opponent_points: Option<Dec>,
    pub is_median: bool,
    pub is_playoff: Option<bool>,
    pub is_provisional: bool,
}

fn outcome(points: Option<Dec>, against: Option<Dec>) -> Option<&'static str> {
    let (a, b) = (points?, against?);
    Some(match a.cmp(&b) {
        std::cmp::Ordering::Greater => "W",
        std::cmp::Ordering::Less => "L",
        std::cmp::Ordering::Equal => "T",
    })
}

impl Result {
    pub fn result(&self) -> Option<&'static str> {
        outcome(self.points, self.opponent_points)
    }
}

/// The median of a week's points: the middle value, or the mean of the
/// two middle values of an even count.
fn median(points: &mut [Dec]) -> Option<Dec> {
    if points.is_empty() {
        return None;
    }
    points.sort();
    let n = points.len();
    Some(Dec((points[(n - 1) / 2].0 + points[n / 2].0) / 2))
}

/// A league's weekly results: each roster's game against the other roster
/// of its matchup, and in median leagues a regular-season game against
/// the week's median.
pub fn results(input: &Input, l: &League) -> Vec<Result> {
    let ps = l.playoff_week_start();
    let mut out = Vec::new();
    for (&week, rows) in &l.weeks {
        let is_playoff = ps.map(|ps| week >= ps);
        let is_provisional = input.provisional(l, week);
        for r in rows {
            let pair: Vec<&WeekRow> = rows
                .iter()
                .filter(|o| r.matchup_id.is_some() && o.matchup_id == r.matchup_id)
                .collect();
            let opponent = (pair.len() == 2)
                .then(|| pair.into_iter().find(|o| o.roster_id != r.roster_id))
                .flatten();
            out.push(Result {
                league_id: l.id.clone(),
                week,
                roster_id: r.roster_id,
                manager_id: l.manager(r.roster_id),
                opponent_roster_id: opponent.map(|o| o.roster_id),
                points: r.points,
                opponent_points: opponent.and_then(|o| o.points),
                is_median: false,
                is_playoff,
                is_provisional,
            });
        }
        let regular = ps.is_none_or(|ps| week < ps);
        if l.median_game() && regular {
            let mut points: Vec<Dec> = rows.iter().filter_map(|r| r.points).collect();
            if let Some(md) = median(&mut points) {
                for r in rows {
                    out.push(Result {
                        league_id: l.id.clone(),
                        week,
                        roster_id: r.roster_id,
                        manager_id: l.manager(r.roster_id),
                        opponent_roster_id: None,
                        points: r.points,
                        opponent_points: Some(md),
                        is_median: true,
                        is_playoff,
                        is_provisional,
                    });
                }
            }
        }
    }
    out
}

/// The bracket match a playoff game was (0004): the match of either
/// bracket pairing the two rosters, the one whose round is nearest the
/// week's (week − playoff_week_start + 1; a match without round counts
/// as 0), then the winners bracket's, then the lower m: (bracket, round,
/// the place it decides).
fn bracket_match(l: &League, r: &Result) -> Option<(&'static str, Option<i64>, Option<i64>)> {
    let ps = l.playoff_week_start()?;
    let opponent = r.opponent_roster_id?;
    if r.week < ps || r.is_median {
        return None;
    }
    let pair = |g: &BracketGame| {
        let (Some(t1), Some(t2)) = (g.t1, g.t2) else {
            return false;
        };
        (t1.min(t2), t1.max(t2)) == (r.roster_id.min(opponent), r.roster_id.max(opponent))
    };
    let round = r.week - ps + 1;
    l.winners
        .iter()
        .map(|g| ("winners", g))
        .chain(l.losers.iter().map(|g| ("losers", g)))
        .filter(|(_, g)| pair(g))
        .min_by_key(|(bracket, g)| ((g.r.unwrap_or(0) - round).abs(), *bracket != "winners", g.m))
        .map(|(bracket, g)| (bracket, g.r, g.p))
}

pub fn matchup_results(input: &Input) -> Vec<String> {
    let mut rows: Vec<String> = input
        .leagues
        .values()
        .flat_map(|l| results(input, l).into_iter().map(move |r| (l, r)))
        .map(|(l, r)| {
            let bracket = bracket_match(l, &r);
            row(&[
                r.league_id.clone(),
                r.week.to_string(),
                r.roster_id.to_string(),
                r.manager_id.clone(),
                cell(r.opponent_roster_id),
                cell(r.points.map(Dec::text)),
                cell(r.opponent_points.map(Dec::text)),
                cell(r.result()),
                cell(r.points.zip(r.opponent_points).map(|(a, b)| (a - b).text())),
                r.is_median.to_string(),
                cell(r.is_playoff),
                r.is_provisional.to_string(),
                cell(bracket.map(|b| b.0)),
                cell(bracket.and_then(|b| b.1)),
                cell(bracket.and_then(|b| b.2)),
            ])
        })
        .collect();
    rows.sort();
    rows
}

// ── chains ─────────────────────────────────────────────────────────────

/// league → (chain id, depth): the oldest league reachable through
/// previous_league_id among the leagues sent.
pub fn chains(input: &Input) -> BTreeMap<String, (String, i64)> {
    let mut out = BTreeMap::new();
    for id in input.leagues.keys() {
        let (mut at, mut depth) = (id.clone(), 0);
        let mut seen = BTreeSet::from([id.clone()]);
        while let Some(prev) = input.leagues[&at]
            .previous
            .clone()
            .filter(|p| input.leagues.contains_key(p) && !seen.contains(p))
        {
            seen.insert(prev.clone());
            at = prev;
            depth += 1;
        }
        out.insert(id.clone(), (at, depth));
    }
    out
}

pub fn league_chains(input: &Input) -> Vec<String> {
    let mut rows: Vec<String> = chains(input)
        .into_iter()
        .map(|(id, (chain, depth))| {
            row(&[
                chain,
                id.clone(),
                input.leagues[&id].season.clone(),
                depth.to_string(),
            ])
        })
        .collect();
    rows.sort();
    rows
}

/// Every roster of a league that plays: in `rosters` or in a week's rows.
fn teams(l: &League) -> BTreeSet<i64> {
    l.rosters
        .iter()
        .map(|r| r.roster_id)
        .chain(l.weeks.values().flatten().map(|r| r.roster_id))
        .collect()
}

pub fn chain_managers(input: &Input) -> Vec<String> {
    let chains = chains(input);
    // (chain, manager) → (user id, least roster id)
    let mut managers: BTreeMap<(String, String), (Option<String>, i64)> = BTreeMap::new();
    for l in input.leagues.values() {
        let chain = &chains[&l.id].0;
        for roster in teams(l) {
            let e = managers
                .entry((chain.clone(), l.manager(roster)))
                .or_insert((None, roster));
            e.1 = e.1.min(roster);
            if let Some(owner) = l.owner(roster) {
                e.0 = Some(owner.to_string());
            }
        }
    }
    let mut rows = Vec::new();
    for ((chain, manager), (user, roster)) in managers {
        let (name, team) = match &user {
            None => (Some(format!("Orphan (roster {roster})")), None),
            Some(user) => {
                // The newest season of the chain that lists the user.
                let newest = input
                    .leagues
                    .values()
                    .filter(|l| chains[&l.id].0 == chain)
                    .filter_map(|l| {
                        let u = l.users.iter().find(|u| &u.0 == user)?;
                        Some(((l.season.clone(), l.id.clone()), u.1.clone(), u.2.clone()))
                    })
                    .max_by(|a, b| a.0.cmp(&b.0));
                newest.map_or((None, None), |(_, n, t)| (n, t))
            }
        };
        rows.push(row(&[chain, manager, cell(name), cell(team)]));
    }
    rows.sort();
    rows
}

// ── games ──────────────────────────────────────────────────────────────

/// One row of `chain_games`: a roster's game, a two-week round summed.
#[derive(Clone, Debug)]
pub struct Game {
    pub chain_id: String,
    pub league_id: String,
    pub season: String,
    pub week: i64,
    /// How many weeks were summed into it.
    pub weeks: usize,
    pub roster_id: i64,
    pub manager_id: String,
    pub opponent_roster_id: Option<i64>,
    pub opponent_id: Option<String>,
    pub points: Option<Dec>,
    pub opponent_points: Option<Dec>,
    pub is_median: bool,
    pub is_playoff: Option<bool>,
    /// Some week of it is provisional.
    pub is_provisional: bool,
}

impl Game {
    pub fn result(&self) -> Option<&'static str> {
        outcome(self.points, self.opponent_points)
    }

    fn margin(&self) -> Option<Dec> {
        Some(self.points? - self.opponent_points?)
    }
}

/// The week a playoff week's game is counted under: a two-week round is
/// one game under its first week (`playoff_round_type` 1: the last round,
/// R = the winners bracket's rounds, else ceil(log2(playoff_teams)); 2:
/// every round).
fn game_week(l: &League, week: i64, is_playoff: Option<bool>) -> i64 {
    if is_playoff != Some(true) {
        return week;
    }
    let Some(ps) = l.playoff_week_start() else {
        return week;
    };
    let rounds = l.winners.iter().filter_map(|g| g.r).max().or_else(|| {
        l.setting("playoff_teams")
            .filter(|&t| t >= 2)
            .map(|t| (t as f64).log2().ceil() as i64)
    });
    match l.round_type() {
        Some(2) => ps + 2 * ((week - ps) / 2),
        Some(1) if rounds.is_some_and(|r| week == ps + r) => week - 1,
        _ => week,
    }
}

pub fn games(input: &Input) -> Vec<Game> {
    let chains = chains(input);
    let mut out = Vec::new();
    for l in input.leagues.values() {
        let chain = &chains[&l.id].0;
        type Key = (i64, i64, Option<i64>, bool, Option<bool>);
        let mut grouped: BTreeMap<Key, Vec<Result>> = BTreeMap::new();
        for r in results(input, l) {
            let key = (
                game_week(l, r.week, r.is_playoff),
                r.roster_id,
                r.opponent_roster_id,
                r.is_median,
                r.is_playoff,
            );
            grouped.entry(key).or_default().push(r);
        }
        for ((week, roster, opponent, is_median, is_playoff), rows) in grouped {
            let sum = |f: fn(&Result) -> Option<Dec>| -> Option<Dec> {
                rows.iter()
                    .map(f)
                    .collect::<Option<Vec<Dec>>>()
                    .map(|v| v.into_iter().sum())
            };
            out.push(Game {
                chain_id: chain.clone(),
                league_id: l.id.clone(),
                season: l.season.clone(),
                week,
                weeks: rows.len(),
                roster_id: roster,
                manager_id: l.manager(roster),
                opponent_roster_id: opponent,
                opponent_id: opponent.map(|o| l.manager(o)),
                points: sum(|r| r.points),
                opponent_points: sum(|r| r.opponent_points),
                is_median,
                is_playoff,
                is_provisional: rows.iter().any(|r| r.is_provisional),
            });
        }
    }
    out
}

pub fn chain_games(games: &[Game]) -> Vec<String> {
    let mut rows: Vec<String> = games
        .iter()
        .map(|g| {
            row(&[
                g.chain_id.clone(),
                g.league_id.clone(),
                g.season.clone(),
                g.week.to_string(),
                g.weeks.to_string(),
                g.roster_id.to_string(),
                g.manager_id.clone(),
                cell(g.opponent_roster_id),
                cell(g.opponent_id.clone()),
                cell(g.points.map(Dec::text)),
                cell(g.opponent_points.map(Dec::text)),
                cell(g.result()),
                cell(g.margin().map(Dec::text)),
                g.is_median.to_string(),
                cell(g.is_playoff),
                g.is_provisional.to_string(),
            ])
        })
        .collect();
    rows.sort();
    rows
}

pub fn head_to_head(games: &[Game]) -> Vec<String> {
    // (chain, phase, manager, opponent) → (games, W, L, T, for, against)
    type Tally = (i64, i64, i64, i64, Dec, Dec);
    let mut tally: BTreeMap<(String, &str, String, String), Tally> = BTreeMap::new();
    for g in games.iter().filter(|g| !g.is_median && !g.is_provisional) {
        let Some(opponent) = &g.opponent_id else {
            continue;
        };
        let phase = if g.is_playoff == Some(true) {
            "playoff"
        } else {
            "regular"
        };
        for phase in [phase, "all"] {
            let t = tally
                .entry((
                    g.chain_id.clone(),
                    phase,
                    g.manager_id.clone(),
                    opponent.clone(),
                ))
                .or_default();
            t.0 += 1;
            match g.result() {
                Some("W") => t.1 += 1,
                Some("L") => t.2 += 1,
                Some("T") => t.3 += 1,
                _ => {}
            }
            t.4 = t.4 + g.points.unwrap_or_default();
            t.5 = t.5 + g.opponent_points.unwrap_or_default();
        }
    }
    let mut rows: Vec<String> = tally
        .into_iter()
        .map(|((chain, phase, m, o), t)| {
            row(&[
                chain,
                phase.to_string(),
                m,
                o,
                t.0.to_string(),
                t.1.to_string(),
                t.2.to_string(),
                t.3.to_string(),
                t.4.text(),
                t.5.text(),
            ])
        })
        .collect();
    rows.sort();
    rows
}

/// A record candidate: (value, league, season, week, manager, opponent).
type Candidate = (Dec, String, String, Option<i64>, String, Option<String>);

pub fn records(input: &Input, games: &[Game]) -> Vec<String> {
    let games: Vec<&Game> = games
        .iter()
        .filter(|g| !g.is_median && !g.is_provisional && g.points.is_some())
        .collect();
    let chains: BTreeSet<&String> = games.iter().map(|g| &g.chain_id).collect();
    let mut rows = Vec::new();
    for chain in chains {
        let of: Vec<&Game> = games
            .iter()
            .copied()
            .filter(|g| &g.chain_id == chain)
            .collect();
        let candidate = |g: &Game, v: Dec| -> Candidate {
            (
                v,
                g.league_id.clone(),
                g.season.clone(),
                Some(g.week),
                g.manager_id.clone(),
                g.opponent_id.clone(),
            )
        };
        let mut book: Vec<(&str, Vec<Candidate>, bool)> = Vec::new();
        let points: Vec<Candidate> = of
            .iter()
            .map(|g| candidate(g, g.points.unwrap_or_default()))
            .collect();
        book.push(("highest_score", points.clone(), true));
        book.push(("lowest_score", points, false));
        let wins: Vec<Candidate> = of
            .iter()
            .filter(|g| g.result() == Some("W"))
            .map(|g| candidate(g, g.margin().unwrap_or_default()))
            .collect();
        book.push(("biggest_blowout", wins.clone(), true));
        book.push(("closest_game", wins, false));
        // A roster's regular-season points in a complete league.
        let mut seasons: BTreeMap<(String, String, i64, String), Dec> = BTreeMap::new();
        for g in &of {
            let complete = input.leagues[&g.league_id].status.as_deref() == Some("complete");
            if complete && g.is_playoff != Some(true) {
                let key = (
                    g.league_id.clone(),
                    g.season.clone(),
                    g.roster_id,
                    g.manager_id.clone(),
                );
                let total = seasons.entry(key).or_default();
                *total = *total + g.points.unwrap_or_default();
            }
        }
        let seasons: Vec<Candidate> = seasons
            .into_iter()
            .map(|((league, season, _, manager), v)| (v, league, season, None, manager, None))
            .collect();
        book.push(("most_points_season", seasons.clone(), true));
        book.push(("fewest_points_season", seasons, false));
        let (win, lose) = streaks(&of);
        book.push(("longest_win_streak", win, true));
        book.push(("longest_losing_streak", lose, true));
        for (record, candidates, highest) in book {
            let best = if highest {
                candidates.iter().map(|c| c.0).max()
            } else {
                candidates.iter().map(|c| c.0).min()
            };
            for c in candidates.iter().filter(|c| Some(c.0) == best) {
                rows.push(row(&[
                    chain.clone(),
                    record.to_string(),
                    c.0.text(),
                    c.1.clone(),
                    c.2.clone(),
                    cell(c.3),
                    c.4.clone(),
                    cell(c.5.clone()),
                ]));
            }
        }
    }
    rows.sort();
    rows
}

/// Every run of consecutive wins and of consecutive losses of each
/// manager's games with an opponent (by season, league, week, roster; a
/// tie ends both), named by the game that ended it.
fn streaks(games: &[&Game]) -> (Vec<Candidate>, Vec<Candidate>) {
    let mut by_manager: BTreeMap<&str, Vec<&Game>> = BTreeMap::new();
    for g in games
        .iter()
        .filter(|g| g.opponent_roster_id.is_some() && g.result().is_some())
    {
        by_manager.entry(&g.manager_id).or_default().push(g);
    }
    let (mut win, mut lose) = (Vec::new(), Vec::new());
    for (manager, mut list) in by_manager {
        list.sort_by(|a, b| {
            (&a.season, &a.league_id, a.week, a.roster_id).cmp(&(
                &b.season,
                &b.league_id,
                b.week,
                b.roster_id,
            ))
        });
        let mut i = 0;
        while i < list.len() {
            let result = list[i].result();
            let mut j = i;
            while j + 1 < list.len() && list[j + 1].result() == result {
                j += 1;
            }
            let last = list[j];
            let c: Candidate = (
                Dec::int((j - i + 1) as i64),
                last.league_id.clone(),
                last.season.clone(),
                Some(last.week),
                manager.to_string(),
                None,
            );
            match result {
                Some("W") => win.push(c),
                Some("L") => lose.push(c),
                _ => {}
            }
            i = j + 1;
        }
    }
    (win, lose)
}

// ── all-play ───────────────────────────────────────────────────────────

pub fn all_play(input: &Input) -> Vec<String> {
    let mut rows = Vec::new();
    for l in input.leagues.values() {
        let weeks: Vec<Result> = results(input, l)
            .into_iter()
            .filter(|r| !r.is_median && !r.is_provisional)
            .filter(|r| r.is_playoff != Some(true) && r.points.is_some())
            .collect();
        let rosters: BTreeSet<i64> = weeks.iter().map(|r| r.roster_id).collect();
        for roster in rosters {
            let (mut w, mut lo, mut t) = (0i128, 0i128, 0i128);
            let (mut actual_wins, mut actual_ties, mut h2h) = (0i128, 0i128, 0i128);
            for a in weeks.iter().filter(|r| r.roster_id == roster) {
                for b in weeks
                    .iter()
                    .filter(|b| b.week == a.week && b.roster_id != roster)
                {
                    match a.points.cmp(&b.points) {
                        std::cmp::Ordering::Greater => w += 1,
                        std::cmp::Ordering::Less => lo += 1,
                        std::cmp::Ordering::Equal => t += 1,
                    }
                }
                if a.opponent_roster_id.is_some() {
                    match a.result() {
                        Some("W") => actual_wins += 1,
                        Some("T") => actual_ties += 1,
                        _ => {}
                    }
                    h2h += i128::from(a.result().is_some());
                }
            }
            let total = w + lo + t;
            // win_share = (w + t/2) / total; luck = actual_wins − win_share × h2h.
            let (luck, share) = if total == 0 {
                (None, None)
            } else {
                (
                    Some(round4(
                        2 * actual_wins * total - (2 * w + t) * h2h,
                        2 * total,
                    )),
                    Some(round4(2 * w + t, 2 * total)),
                )
            };
            rows.push(row(&[
                l.id.clone(),
                l.season.clone(),
                roster.to_string(),
                l.manager(roster),
                w.to_string(),
                lo.to_string(),
                t.to_string(),
                actual_wins.to_string(),
                cell(luck),
                actual_ties.to_string(),
                h2h.to_string(),
                cell(share),
            ]));
        }
    }
    rows.sort();
    rows
}

// ── final places ───────────────────────────────────────────────────────

/// The places a decided losers-bracket game with `p` gives its (winner,
/// loser), by the league's `settings.loser_bracket_type`: 1, a consolation
/// bracket where winners advance — winner playoff_teams + p, loser one
/// after; 0, a toilet bowl where losers advance (the p = 1 game's loser is
/// last) — loser playoff_teams + L − p + 1, winner one before, L = the
/// rosters in the losers bracket; absent, no place (which way the bracket
/// runs is unknown).
pub fn losers_bracket_places(
    loser_bracket_type: Option<i64>,
    playoff_teams: Option<i64>,
    losers_rosters: i64,
    p: i64,
) -> Option<(i64, i64)> {
    let k = playoff_teams?;
    match loser_bracket_type? {
        1 => Some((k + p, k + p + 1)),
        0 => Some((k + losers_rosters - p, k + losers_rosters - p + 1)),
        _ => None,
    }
}

/// (winners-bracket places, losers-bracket places) per roster of a league:
/// the best place any decided game gives it.
pub fn places(l: &League) -> (BTreeMap<i64, i64>, BTreeMap<i64, i64>) {
    let mut winners: BTreeMap<i64, i64> = BTreeMap::new();
    let mut losers: BTreeMap<i64, i64> = BTreeMap::new();
    let place = |map: &mut BTreeMap<i64, i64>, roster: i64, p: i64| {
        let e = map.entry(roster).or_insert(p);
        *e = (*e).min(p);
    };
    for g in &l.winners {
        if let (Some(p), Some(w)) = (g.p, g.w) {
            place(&mut winners, w, p);
            if let Some(lo) = g.l {
                place(&mut winners, lo, p + 1);
            }
        }
    }
    let in_losers: BTreeSet<i64> = l
        .losers
        .iter()
        .flat_map(|g| [g.t1, g.t2, g.w, g.l])
        .flatten()
        .collect();
    for g in &l.losers {
        let (Some(p), Some(w)) = (g.p, g.w) else {
            continue;
        };
        let Some((pw, pl)) = losers_bracket_places(
            l.setting("loser_bracket_type"),
            l.setting("playoff_teams"),
            in_losers.len() as i64,
            p,
        ) else {
            continue;
        };
        place(&mut losers, w, pw);
        if let Some(lo) = g.l {
            place(&mut losers, lo, pl);
        }
    }
    (winners, losers)
}

/// `season_finishes` rows; with `losers` false, the losers bracket's
/// places are left out (the winners bracket alone), to tell the two apart.
pub fn season_finishes(input: &Input, losers: bool) -> Vec<String> {
    let mut rows = Vec::new();
    for l in input.leagues.values() {
        let (w, lo) = places(l);
        let mut all = teams(l);
        all.extend(w.keys());
        all.extend(lo.keys());
        for roster in all {
            let place = [w.get(&roster), lo.get(&roster).filter(|_| losers)]
                .into_iter()
                .flatten()
                .min()
                .copied();
            rows.push(row(&[
                l.id.clone(),
                l.season.clone(),
                roster.to_string(),
                l.manager(roster),
                cell(place),
                (place == Some(1)).to_string(),
            ]));
        }
    }
    rows.sort();
    rows
}

pub fn manager_careers(input: &Input, games: &[Game]) -> Vec<String> {
    let chains = chains(input);
    #[derive(Default)]
    struct Career {
        leagues: BTreeSet<String>,
        playoffs: BTreeSet<String>,
        titles: i64,
        best: Option<i64>,
        wins: i64,
        losses: i64,
        ties: i64,
        points_for: Dec,
        points_against: Dec,
    }
    let mut careers: BTreeMap<(String, String), Career> = BTreeMap::new();
    for l in input.leagues.values() {
        let chain = &chains[&l.id].0;
        let in_winners: BTreeSet<i64> = l
            .winners
            .iter()
            .flat_map(|g| [g.t1, g.t2])
            .flatten()
            .collect();
        for roster in teams(l) {
            let c = careers
                .entry((chain.clone(), l.manager(roster)))
                .or_default();
            c.leagues.insert(l.id.clone());
            if in_winners.contains(&roster) {
                c.playoffs.insert(l.id.clone());
            }
        }
        let (w, lo) = places(l);
        let mut placed: BTreeMap<i64, i64> = lo;
        for (r, p) in w {
            let e = placed.entry(r).or_insert(p);
            *e = (*e).min(p);
        }
        for (roster, place) in placed {
            // A roster placed but never playing has no seat: no career row.
            if let Some(c) = careers.get_mut(&(chain.clone(), l.manager(roster))) {
                c.titles += i64::from(place == 1);
                c.best = Some(c.best.map_or(place, |b| b.min(place)));
            }
        }
    }
    for g in games
        .iter()
        .filter(|g| g.is_playoff != Some(true) && !g.is_provisional)
    {
        let Some(c) = careers.get_mut(&(g.chain_id.clone(), g.manager_id.clone())) else {
            continue;
        };
        match g.result() {
            Some("W") => c.wins += 1,
            Some("L") => c.losses += 1,
            Some("T") => c.ties += 1,
            _ => {}
        }
        if !g.is_median {
            c.points_for = c.points_for + g.points.unwrap_or_default();
            if g.opponent_roster_id.is_some() {
                c.points_against = c.points_against + g.opponent_points.unwrap_or_default();
            }
        }
    }
    let mut rows: Vec<String> = careers
        .into_iter()
        .map(|((chain, manager), c)| {
            row(&[
                chain,
                manager,
                c.leagues.len().to_string(),
                c.titles.to_string(),
                c.playoffs.len().to_string(),
                c.wins.to_string(),
                c.losses.to_string(),
                c.ties.to_string(),
                c.points_for.text(),
                c.points_against.text(),
                cell(c.best),
            ])
        })
        .collect();
    rows.sort();
    rows
}

// ── picks ──────────────────────────────────────────────────────────────

pub fn pick_ownership(input: &Input) -> Vec<String> {
    let chains = chains(input);
    type Pick = (String, String, i64, i64);
    let mut moves: BTreeMap<Pick, Vec<(&League, &PickMove)>> = BTreeMap::new();
    for l in input.leagues.values() {
        for m in &l.moves {
            let (Some(season), Some(round), Some(original)) = (&m.season, m.round, m.original)
            else {
                continue;
            };
            moves
                .entry((chains[&l.id].0.clone(), season.clone(), round, original))
                .or_default()
                .push((l, m));
        }
    }
    let mut rows = Vec::new();
    for ((chain, season, round, original), mut list) in moves {
        list.sort_by(|a, b| {
            let key = |m: &PickMove| {
                (
                    m.moved_at.is_none(),
                    m.moved_at,
                    m.transaction_id.clone(),
                    m.ordinal,
                )
            };
            key(a.1).cmp(&key(b.1))
        });
        let of_chain = |id: &str| chains.get(id).is_some_and(|c| c.0 == chain);
        // Sleeper's owner: the chain's newest league whose traded_picks list it.
        let listed = input
            .leagues
            .values()
            .filter(|l| of_chain(&l.id))
            .filter_map(|l| {
                let p = l
                    .traded_picks
                    .iter()
                    .find(|p| p.0 == season && p.1 == round && p.2 == original)?;
                Some(((l.season.clone(), l.id.clone()), p.3))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .and_then(|(_, owner)| owner);
        // The player it became: a draft of the chain's league of that season.
        let mut drafted: Vec<(String, i64, Option<String>)> = input
            .drafts
            .iter()
            .filter(|(_, d)| d.season.as_deref() == Some(season.as_str()))
            .filter(|(_, d)| d.league_id.as_deref().is_some_and(of_chain))
            .flat_map(|(id, d)| {
                d.picks
                    .iter()
                    .filter(|p| p.1 == round)
                    .filter(|p| {
                        d.slot_to_roster.get(&p.2.to_string()) == Some(&original.to_string())
                    })
                    .map(|p| (id.clone(), p.0, p.3.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        drafted.sort();
        let n = list.len();
        for (i, (l, m)) in list.into_iter().enumerate() {
            let current = i + 1 == n;
            let drafted = drafted.first().filter(|_| current);
            rows.push(row(&[
                chain.clone(),
                season.clone(),
                round.to_string(),
                original.to_string(),
                cell(m.to),
                m.transaction_id.clone(),
                (i + 1).to_string(),
                current.to_string(),
                cell(m.from),
                l.id.clone(),
                cell(m.moved_at),
                cell(listed.filter(|_| current)),
                cell(drafted.map(|d| d.1)),
                cell(drafted.and_then(|d| d.2.clone())),
            ]));
        }
    }
    rows.sort();
    rows
}

/// Per roster of every league: (league, roster, (W, L, T) from the
/// settled regular-season results, median games included; Sleeper's
/// record).
pub type RecordCheck = (String, i64, (i64, i64, i64), (i64, i64, i64));

/// The regular-season record each roster's results add up to, next to
/// the record Sleeper's rosters carry.
pub fn standings_from_results(input: &Input) -> Vec<RecordCheck> {
    let mut out = Vec::new();
    for l in input.leagues.values() {
        let results = results(input, l);
        for r in &l.rosters {
            let mut rec = (0, 0, 0);
            for x in results
                .iter()
                .filter(|x| x.roster_id == r.roster_id && x.is_playoff != Some(true))
                .filter(|x| !x.is_provisional)
            {
                match x.result() {
                    Some("W") => rec.0 += 1,
                    Some("L") => rec.1 += 1,
                    Some("T") => rec.2 += 1,
                    _ => {}
                }
            }
            out.push((l.id.clone(), r.roster_id, rec, (r.wins, r.losses, r.ties)));
        }
    }
    out
}
