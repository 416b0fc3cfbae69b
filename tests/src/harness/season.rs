//! A generated season log: snapshots of many scopes over simulated time,
//! rendered by the simulator's world (no HTTP, no producer), for tests that
//! need thousands of realistic events — crash consistency, the reference
//! model, rebuild.

use sleeper_shared::{Envelope, Kind, Scope};
use sleeper_sim::{SimConfig, SimHandle};

use super::events::envelope;

/// How big a log to make.
#[derive(Debug, Clone, Copy)]
pub struct SeasonSpec {
    pub seed: u64,
    pub leagues: usize,
    /// Snapshots of each scope, ten simulated minutes apart.
    pub steps: usize,
}

/// Start a frozen simulator for `spec`.
pub async fn simulator(spec: SeasonSpec) -> SimHandle {
    let mut config = SimConfig {
        speed: 0.0,
        ..SimConfig::default()
    };
    config.generate.seed = spec.seed;
    config.generate.leagues = spec.leagues;
    sleeper_sim::start(config).await.expect("simulator")
}

/// The scopes polled for `league` in `week`.
fn league_scopes(league: &str, week: u8) -> Vec<Scope> {
    let l = league.to_string();
    vec![
        Scope::League(l.clone()),
        Scope::Rosters(l.clone()),
        Scope::Users(l.clone()),
        Scope::Matchups {
            league_id: l.clone(),
            week,
        },
        Scope::Matchups {
            league_id: l.clone(),
            week: week.saturating_sub(1).max(1),
        },
        Scope::Transactions {
            league_id: l.clone(),
            round: week,
        },
        Scope::TradedPicks(l.clone()),
        Scope::WinnersBracket(l.clone()),
        Scope::LeagueDrafts(l),
    ]
}

/// Render the log: at each step, every scope's body as the simulator serves it then.
/// Draft scopes carry their league id like the producer's envelopes do.
pub async fn generate(spec: SeasonSpec) -> Vec<Envelope> {
    let sim = simulator(spec).await;
    let start = sim.now_ms();
    let mut events = Vec::new();
    for step in 0..spec.steps {
        let now = start + step as i64 * 600_000;
        sim.set_clock(now, 0.0);
        let week = current_week(&sim);
        let mut scopes: Vec<(Scope, Option<String>)> = vec![(Scope::State, None)];
        for league in sim.league_ids() {
            for s in league_scopes(&league, week) {
                scopes.push((s, Some(league.clone())));
            }
            scopes.extend(draft_scopes(&sim, &league));
        }
        if step % 6 == 0 {
            scopes.push((Scope::Trending(sleeper_shared::scope::Trend::Add), None));
        }
        render(&sim, scopes, now, step as u64 + 1, &mut events);
    }
    sim.shutdown().await;
    events
}

/// A whole regular season, shaped like what the producer appends: for each
/// of `weeks` weeks, `spec.steps` snapshots of every league's live matchups
/// spread over the Sunday game window (a game day's live changes); every
/// tenth step the league's other scopes (league, rosters, members,
/// transactions, picks, bracket, drafts) and the NFL state; last week's
/// matchups once a week (stat corrections); trending every tenth step.
pub async fn generate_weeks(spec: SeasonSpec, weeks: u8) -> Vec<Envelope> {
    let sim = simulator(spec).await;
    let world = sim.world();
    let calendar = world.calendar(world.current_season());
    let mut events = Vec::new();
    let mut ticket = 0u64;
    for week in 1..=weeks {
        let Some((open, close)) =
            calendar.window(u32::from(week), sleeper_sim::calendar::Slot::Sunday)
        else {
            continue;
        };
        let every = (close - open) / spec.steps.max(1) as i64;
        for step in 0..spec.steps {
            let now = open + step as i64 * every;
            sim.set_clock(now, 0.0);
            let all = step % 10 == 0;
            let mut scopes: Vec<(Scope, Option<String>)> = Vec::new();
            if all {
                scopes.push((Scope::State, None));
                scopes.push((Scope::Trending(sleeper_shared::scope::Trend::Add), None));
            }
            for league in sim.league_ids() {
                if all {
                    scopes.extend(
                        league_scopes(&league, week)
                            .into_iter()
                            .filter(|s| !matches!(s, Scope::Matchups { .. }))
                            .map(|s| (s, Some(league.clone()))),
                    );
                    scopes.extend(draft_scopes(&sim, &league));
                }
                scopes.push((
                    Scope::Matchups {
                        league_id: league.clone(),
                        week,
                    },
                    Some(league.clone()),
                ));
                if step == 0 && week > 1 {
                    scopes.push((
                        Scope::Matchups {
                            league_id: league.clone(),
                            week: week - 1,
                        },
                        Some(league.clone()),
                    ));
                }
            }
            ticket += 1;
            render(&sim, scopes, now, ticket, &mut events);
        }
    }
    sim.shutdown().await;
    events
}

/// A scored season, as the producer would log it, for the analytics views:
/// `/players/nfl` and the season's schedule first; then per week `1..=weeks`
/// the projections on Thursday 19:00 and Sunday 12:30 ET (before kickoff)
/// and, on Tuesday 09:00 ET after the week (before the first stat
/// correction) and again on Friday 12:00 ET (after the last), the NFL state,
/// that week's stats and projections and every league's league, rosters
/// and matchups — each batch rendered at one instant, so stats and
/// `players_points` agree in it.
pub async fn scored_season(spec: SeasonSpec, weeks: u8) -> Vec<Envelope> {
    use sleeper_shared::scope::SeasonType::Regular;
    // Every league plays (none still drafting).
    let mut config = SimConfig {
        speed: 0.0,
        ..SimConfig::default()
    };
    config.generate.seed = spec.seed;
    config.generate.leagues = spec.leagues;
    config.generate.drafting_leagues = 0;
    config.generate.pre_draft_leagues = 0;
    let sim = sleeper_sim::start(config).await.expect("simulator");
    let world = sim.world();
    let season = world.current_season();
    let year = u16::try_from(season).expect("a season year");
    let calendar = world.calendar(season);
    let mut events = Vec::new();
    let mut ticket = 0u64;
    let mut at = |now: i64, scopes: Vec<(Scope, Option<String>)>, events: &mut Vec<Envelope>| {
        sim.set_clock(now, 0.0);
        ticket += 1;
        render(&sim, scopes, now, ticket, events);
    };
    let start = calendar.week_start_ms(1) + 3_600_000;
    let schedule = Scope::NflSchedule {
        season_type: Regular,
        season: year,
    };
    at(
        start,
        vec![(Scope::Players, None), (schedule.clone(), None)],
        &mut events,
    );
    for week in 1..=weeks {
        let w = u32::from(week);
        let projections = Scope::NflProjections {
            season_type: Regular,
            season: year,
            week,
        };
        let pre_kickoff = [
            calendar.week_day_at(w, 2, 19, 0),
            calendar.week_day_at(w, 5, 12, 30),
        ];
        for now in pre_kickoff {
            at(now, vec![(projections.clone(), None)], &mut events);
        }
        let after = calendar.week_end_ms(w);
        for now in [
            after + 9 * 3_600_000,
            after + 3 * 86_400_000 + 12 * 3_600_000,
        ] {
            let mut scopes: Vec<(Scope, Option<String>)> = vec![
                (Scope::State, None),
                (
                    Scope::NflStats {
                        season_type: Regular,
                        season: year,
                        week,
                    },
                    None,
                ),
                (projections.clone(), None),
            ];
            for league in sim.league_ids() {
                for s in [
                    Scope::League(league.clone()),
                    Scope::Rosters(league.clone()),
                    Scope::Matchups {
                        league_id: league.clone(),
                        week,
                    },
                ] {
                    scopes.push((s, Some(league.clone())));
                }
            }
            at(now, scopes, &mut events);
        }
    }
    at(
        calendar.week_end_ms(u32::from(weeks)) + 86_400_000,
        vec![(schedule, None)],
        &mut events,
    );
    sim.shutdown().await;
    events
}

/// `chains` league chains of `seasons` seasons each (12 rosters; members
/// drawn from one pool, so some play in both) whose seasons vary
/// (`GenConfig::varied_seasons`: median games, two-week playoff rounds,
/// both kinds of losers bracket, an orphaned roster, renamed members,
/// future picks traded), as snapshots of one instant: per league its
/// league object, members, rosters, every week's matchups, every round's
/// transactions, traded picks, both brackets, and its draft (listed, the
/// draft, its picks and traded picks). Oldest season first.
///
/// `in_week`: `None`, a week after the newest season ended, and no NFL
/// state (every week is final); `Some(w)`, Sunday 20:00 ET of the newest
/// season's week `w` (games under way, later weeks still to play), the NFL
/// state first.
pub async fn league_chains(
    seed: u64,
    chains: usize,
    seasons: u32,
    in_week: Option<u32>,
) -> Vec<Envelope> {
    let mut config = SimConfig {
        speed: 0.0,
        ..SimConfig::default()
    };
    config.generate.seed = seed;
    config.generate.leagues = chains;
    config.generate.seasons = seasons..=seasons;
    config.generate.drafting_leagues = 0;
    config.generate.pre_draft_leagues = 0;
    config.generate.varied_seasons = true;
    let sim = sleeper_sim::start(config).await.expect("simulator");
    let world = sim.world();
    let calendar = world.calendar(world.current_season());
    let mut scopes: Vec<(Scope, Option<String>)> = Vec::new();
    let now = match in_week {
        // A week after the last week ended: past every stat correction.
        None => calendar.week_end_ms(world.config.weeks) + 7 * 86_400_000,
        Some(week) => {
            scopes.push((Scope::State, None));
            calendar.week_day_at(week, 5, 20, 0)
        }
    };
    sim.set_clock(now, 0.0);
    for chain in &world.chains {
        for &index in chain {
            let league = &world.leagues[index];
            let id = league.league_id.clone();
            let mut of = vec![
                Scope::League(id.clone()),
                Scope::Users(id.clone()),
                Scope::Rosters(id.clone()),
                Scope::TradedPicks(id.clone()),
                Scope::WinnersBracket(id.clone()),
                Scope::LosersBracket(id.clone()),
                Scope::LeagueDrafts(id.clone()),
            ];
            for week in 1..=league.last_week() {
                let week = u8::try_from(week).expect("a week");
                of.push(Scope::Matchups {
                    league_id: id.clone(),
                    week,
                });
                of.push(Scope::Transactions {
                    league_id: id.clone(),
                    round: week,
                });
            }
            scopes.extend(of.into_iter().map(|s| (s, Some(id.clone()))));
            scopes.extend(draft_scopes(&sim, &id));
        }
    }
    let mut events = Vec::new();
    render(&sim, scopes, now, 1, &mut events);
    sim.shutdown().await;
    events
}

/// The NFL week the simulator is in now.
fn current_week(sim: &SimHandle) -> u8 {
    sim.body("/v1/state/nfl")
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v["week"].as_u64())
        .unwrap_or(1)
        .clamp(1, 18) as u8
}

/// A league's draft, its picks and traded picks (they carry the league id).
fn draft_scopes(sim: &SimHandle, league: &str) -> Vec<(Scope, Option<String>)> {
    let Some(draft) = sim.world().league(league).map(|l| l.draft.draft_id.clone()) else {
        return Vec::new();
    };
    [
        Scope::Draft(draft.clone()),
        Scope::DraftPicks(draft.clone()),
        Scope::DraftTradedPicks(draft),
    ]
    .into_iter()
    .map(|s| (s, Some(league.to_string())))
    .collect()
}

/// Each scope's body as the simulator serves it now, as an envelope fetched
/// at `now` (absent and `null` bodies are skipped, as the producer does).
fn render(
    sim: &SimHandle,
    scopes: Vec<(Scope, Option<String>)>,
    now: i64,
    ticket: u64,
    events: &mut Vec<Envelope>,
) {
    for (scope, league) in scopes {
        let path = match scope.api() {
            sleeper_shared::scope::Api::V1 => format!("/v1{}", scope.url_path()),
            sleeper_shared::scope::Api::Stats => scope.url_path(),
        };
        if let Some(body) = sim.body(&path) {
            if body.as_slice() == b"null" {
                continue;
            }
            let mut env = envelope(scope.kind(), &scope.to_string(), league.as_deref(), &body);
            env.fetched_at_ms = now;
            env.ticket = ticket;
            events.push(env);
        }
    }
}

/// Kinds present in a log (to assert a log is varied enough).
pub fn kinds(events: &[Envelope]) -> std::collections::BTreeSet<Kind> {
    events.iter().map(|e| e.kind).collect()
}
