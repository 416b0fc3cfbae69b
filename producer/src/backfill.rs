//! `sleeper-producer backfill`: past seasons, through `previous_league_id`.
//!
//! Each league chain is walked back from its newest league (all seasons, or
//! `--seasons N`), and per season everything a league has is fetched:
//! league, members, rosters, every week's matchups and transaction rounds,
//! brackets, traded picks, drafts and each draft's picks and traded picks,
//! and the NFL's stats, projections and schedule of that season.
//! It all goes through the same `Syncer` as polling — the same shared quota
//! (so `backfill` beside `run` never exceeds it), tickets and dedup — with
//! envelopes marked `backfill`. A scope is fetched at most once per run, and
//! a re-run after an interruption appends only what changed (dedup), so it
//! is cheap to resume. Progress: a bar on a terminal, log lines otherwise.

use std::collections::HashSet;
use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};
use sleeper_shared::{Origin, Scope};
use tokio_util::sync::CancellationToken;

use crate::app::Producer;
use crate::discover::{self, LeagueInfo};
use crate::once::{sync_all, PassReport};
use crate::plan;
use crate::sync::Synced;

/// Weeks fetched when a league does not say when its playoffs start.
const DEFAULT_LAST_WEEK: u8 = 18;
/// Playoff rounds after `playoff_week_start`, beyond which no week has games.
const PLAYOFF_WEEKS: u8 = 3;

/// What to backfill.
#[derive(Debug, Clone, Default)]
pub struct BackfillOptions {
    /// The newest league of the chain (default: the configured leagues).
    pub league: Option<String>,
    /// How many seasons per chain, newest first (default: all).
    pub seasons: Option<u32>,
}

/// Why a backfill could not start.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    #[error("nothing to backfill: give --league, or set SLEEPER_LEAGUE_IDS or SLEEPER_USERNAME")]
    NoLeagues,
}

/// Progress, as a bar or as log lines.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Self { bar }
    }

    fn season(&self, league: &str, season: Option<u16>, scopes: usize) {
        let season = season.map_or_else(|| "?".to_string(), |s| s.to_string());
        match &self.bar {
            Some(bar) => {
                bar.inc_length(scopes as u64);
                bar.set_message(format!("league {league} season {season}"));
            }
            None => tracing::info!(league, season, scopes, "backfilling a season"),
        }
    }

    fn inc(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Backfill every chain; the report names the scopes that failed.
pub async fn backfill(
    producer: &Producer,
    options: &BackfillOptions,
    cancel: &CancellationToken,
) -> Result<PassReport, BackfillError> {
    let mut report = PassReport::default();
    let mut done: HashSet<Scope> = HashSet::new();
    let roots = roots(producer, options, &mut report, &mut done, cancel).await;
    if roots.is_empty() {
        return Err(BackfillError::NoLeagues);
    }
    let progress = Progress::new();
    for root in roots {
        let mut league = Some(root);
        let mut seasons = 0u32;
        while let Some(id) = league.take() {
            if cancel.is_cancelled() || options.seasons.is_some_and(|n| seasons >= n) {
                break;
            }
            let scope = Scope::League(id.clone());
            if !done.insert(scope.clone()) {
                break; // already walked (a chain shared by two roots, or a cycle)
            }
            seasons += 1;
            let result = producer
                .syncer
                .sync(&scope, None, Origin::Backfill, cancel)
                .await;
            let info = match &result {
                Ok(synced) => synced.body().and_then(discover::league),
                Err(_) => None,
            };
            let found = !matches!(result, Ok(Synced::NotFound));
            report.add(&scope, &result);
            if !found {
                tracing::warn!(league = %id, "league not found; the chain ends here");
                break;
            }
            let info = info.unwrap_or_default();
            season(
                producer,
                &id,
                &info,
                &mut report,
                &mut done,
                &progress,
                cancel,
            )
            .await;
            league = info.previous_league_id;
        }
    }
    progress.finish();
    Ok(report)
}

/// The newest league of each chain.
async fn roots(
    producer: &Producer,
    options: &BackfillOptions,
    report: &mut PassReport,
    done: &mut HashSet<Scope>,
    cancel: &CancellationToken,
) -> Vec<String> {
    if let Some(l) = &options.league {
        return vec![l.clone()];
    }
    let config = &producer.config;
    let mut roots = config.league_ids.clone();
    let Some(name) = &config.username else {
        return roots;
    };
    // The user's leagues of the current season, each the head of a chain.
    let mut fetch = |scope: Scope| {
        done.insert(scope.clone());
        let syncer = producer.syncer.clone();
        async move {
            let r = syncer.sync(&scope, None, Origin::Backfill, cancel).await;
            (scope, r)
        }
    };
    let (scope, state) = fetch(Scope::State).await;
    report.add(&scope, &state);
    let season = state
        .ok()
        .and_then(|s| s.body().and_then(discover::state))
        .and_then(|s| s.season);
    let (scope, user) = fetch(Scope::User(name.clone())).await;
    report.add(&scope, &user);
    let user_id = user.ok().and_then(|u| u.body().and_then(discover::user_id));
    if let (Some(user_id), Some(season)) = (user_id, season) {
        let (scope, leagues) = fetch(Scope::UserLeagues { user_id, season }).await;
        report.add(&scope, &leagues);
        if let Ok(l) = leagues {
            for listed in l.body().map(discover::user_leagues).unwrap_or_default() {
                if !roots.contains(&listed.league_id) {
                    roots.push(listed.league_id);
                }
            }
        }
    }
    roots
}

/// Every scope of one league season besides the league itself.
async fn season(
    producer: &Producer,
    id: &str,
    info: &LeagueInfo,
    report: &mut PassReport,
    done: &mut HashSet<Scope>,
    progress: &Progress,
    cancel: &CancellationToken,
) {
    let l = || id.to_string();
    let last_week = match info.playoff_week_start {
        Some(start) if start >= 1 => start.saturating_add(PLAYOFF_WEEKS).min(30),
        _ => DEFAULT_LAST_WEEK,
    };
    let mut scopes = vec![
        Scope::Users(l()),
        Scope::Rosters(l()),
        Scope::WinnersBracket(l()),
        Scope::LosersBracket(l()),
        Scope::TradedPicks(l()),
        Scope::LeagueDrafts(l()),
    ];
    // The NFL's data of the league's season, once per season however many
    // leagues share it (`done`).
    scopes.extend(info.season.map(plan::nfl_season).unwrap_or_default());
    for week in 1..=last_week {
        scopes.push(Scope::Matchups {
            league_id: l(),
            week,
        });
        scopes.push(Scope::Transactions {
            league_id: l(),
            round: week,
        });
    }
    let scopes: Vec<_> = scopes
        .into_iter()
        .filter(|s| done.insert(s.clone()))
        .map(|s| (s, None))
        .collect();
    progress.season(id, info.season, scopes.len());
    let mut drafts: Vec<String> = info.draft_id.iter().cloned().collect();
    for (scope, r) in sync_all(producer, scopes, Origin::Backfill, cancel).await {
        if let (Scope::LeagueDrafts(_), Ok(synced)) = (&scope, &r) {
            for d in synced
                .body()
                .map(discover::league_drafts)
                .unwrap_or_default()
            {
                if !drafts.contains(&d.draft_id) {
                    drafts.push(d.draft_id);
                }
            }
        }
        report.add(&scope, &r);
        progress.inc(1);
    }
    let draft_scopes: Vec<_> = drafts
        .into_iter()
        .flat_map(|d| {
            [
                Scope::Draft(d.clone()),
                Scope::DraftPicks(d.clone()),
                Scope::DraftTradedPicks(d),
            ]
        })
        .filter(|s| done.insert(s.clone()))
        .map(|s| (s, Some(l())))
        .collect();
    progress.season(id, info.season, draft_scopes.len());
    for (scope, r) in sync_all(producer, draft_scopes, Origin::Backfill, cancel).await {
        report.add(&scope, &r);
        progress.inc(1);
    }
}
