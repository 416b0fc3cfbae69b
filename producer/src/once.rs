//! `sleeper-producer once`: fetch every scope the plan knows now, then exit.
//!
//! Discovery comes first, in rounds, because it decides what else exists:
//! the NFL state (season, week), the user and their leagues, each league,
//! its members (to follow it into a new season) and its drafts — until a
//! round finds nothing new. Then everything else, intervals ignored, except
//! `/players/nfl`, which Sleeper asks to fetch at most daily: it is skipped
//! when any producer fetched it within its interval (times kept in Redis).

use std::collections::HashSet;

use futures::StreamExt;
use sleeper_shared::{Kind, Origin, Scope};
use tokio_util::sync::CancellationToken;

use crate::app::Producer;
use crate::cadence::Cadence;
use crate::plan::{self, Known};
use crate::sync::{SyncError, Synced};

/// Discovery rounds before giving up on a plan that keeps growing (a chain
/// of successors or user lists is a few rounds deep at most).
const MAX_DISCOVERY_ROUNDS: usize = 8;

/// The result of one pass.
#[derive(Debug, Default)]
pub struct PassReport {
    /// Scopes whose snapshot was appended.
    pub appended: usize,
    /// Scopes unchanged (304 or same hash), or beaten by a newer fetch.
    pub unchanged: usize,
    /// Scopes Sleeper had nothing for (404 or `null`).
    pub not_found: usize,
    /// Scopes that failed, with the reason.
    pub failed: Vec<(String, String)>,
}

impl PassReport {
    /// Count one scope's outcome.
    pub fn add(&mut self, scope: &Scope, result: &Result<Synced, SyncError>) {
        match result {
            Ok(Synced::Appended { .. }) => self.appended += 1,
            Ok(Synced::Unchanged { .. }) | Ok(Synced::Stale) => self.unchanged += 1,
            Ok(Synced::NotFound) => self.not_found += 1,
            Err(e) => {
                tracing::warn!(scope = %scope, error = %e, "scope failed");
                self.failed.push((scope.to_string(), e.to_string()));
            }
        }
    }
}

/// Sync `scopes` (with their league ids) concurrently within the quota, and
/// return each outcome.
pub async fn sync_all(
    producer: &Producer,
    scopes: Vec<(Scope, Option<String>)>,
    origin: Origin,
    cancel: &CancellationToken,
) -> Vec<(Scope, Result<Synced, SyncError>)> {
    let tasks = scopes.into_iter().map(|(scope, league)| {
        let syncer = producer.syncer.clone();
        let cancel = cancel.clone();
        async move {
            let r = syncer
                .sync(&scope, league.as_deref(), origin, &cancel)
                .await;
            (scope, r)
        }
    });
    // The quota's in-flight cap bounds real concurrency; this only bounds futures.
    futures::stream::iter(tasks)
        .buffer_unordered(producer.config.max_in_flight * 4)
        .collect()
        .await
}

/// One pass over everything the plan knows: discovery rounds, then the rest.
pub async fn once(
    producer: &Producer,
    cadence: &Cadence,
    cancel: &CancellationToken,
) -> PassReport {
    let config = &producer.config;
    let mut known = Known::new(&config.league_ids, config.username.as_deref());
    let mut report = PassReport::default();
    let mut done: HashSet<Scope> = HashSet::new();
    let clock = &producer.syncer.clock;

    for _ in 0..MAX_DISCOVERY_ROUNDS {
        let now = clock.now_ms().await;
        let round: Vec<_> = plan::planned(now, &known, cadence)
            .into_iter()
            .filter(|p| plan::is_discovery(p.scope.kind()) && !done.contains(&p.scope))
            .map(|p| (p.scope, p.league_id))
            .collect();
        if round.is_empty() || cancel.is_cancelled() {
            break;
        }
        done.extend(round.iter().map(|(s, _)| s.clone()));
        for (scope, r) in sync_all(producer, round, Origin::Poll, cancel).await {
            if let Ok(synced) = &r {
                if let Some(body) = synced.body() {
                    let appended = matches!(synced, Synced::Appended { .. });
                    known.observe(&scope, body, appended, clock.now_ms().await, cadence);
                }
            }
            report.add(&scope, &r);
        }
    }

    let now = clock.now_ms().await;
    let players_recent = match producer.syncer.publisher.fetched_times().await {
        Ok(times) => times
            .get(&Scope::Players.to_string())
            .is_some_and(|t| now - t < cadence.players.as_millis() as i64),
        // Not knowing, do not risk a second daily fetch; the pass reports Redis anyway.
        Err(_) => true,
    };
    let rest: Vec<_> = plan::planned(now, &known, cadence)
        .into_iter()
        .filter(|p| !done.contains(&p.scope))
        .filter(|p| !(p.scope.kind() == Kind::Players && players_recent))
        .map(|p| (p.scope, p.league_id))
        .collect();
    if players_recent {
        tracing::info!("players/nfl fetched within its interval; skipped");
    }
    for (scope, r) in sync_all(producer, rest, Origin::Poll, cancel).await {
        report.add(&scope, &r);
    }
    report
}
