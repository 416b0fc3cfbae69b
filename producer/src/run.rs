//! `sleeper-producer run`: the polling loop.
//!
//! About once a second of real time, and shortly after syncs finish (so a
//! free in-flight slot does not idle until the next tick — that capped a
//! producer at `2 × SLEEPER_MAX_IN_FLIGHT` requests a second), it asks the
//! plan what is due and dispatches, by priority, no more than the shared quota can serve right
//! now and no more than a bounded in-flight set holds — what is left stays
//! due (and is counted as deferred) instead of piling up in a queue, so on
//! a game day with too many leagues live scores and drafts go first and
//! slow kinds are stretched. Each finished sync teaches the plan (`Known`).
//!
//! Redis away: nothing is dispatched (no quota slot can be granted anyway),
//! the loop keeps ticking and tries again every tick, so publishing resumes
//! within a couple of seconds of Redis returning. Redis refusing writes
//! (maxmemory reached) is treated alike: one line when it starts, one when
//! it clears, `sleeper_redis_writes_refused` in between, and nothing
//! dispatched — no API request spent on a snapshot that could not be
//! appended — until `INFO memory` shows room again. SIGTERM: dispatching
//! stops, in-flight syncs get a grace period to finish, then are cancelled.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use sleeper_shared::{Kind, Origin, Scope};
use tokio::task::JoinSet;
use tokio::time::{timeout, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

use crate::app::Producer;
use crate::cadence::Cadence;
use crate::clock::system_ms;
use crate::plan::{self, Due, Known};
use crate::sync::{SyncError, Synced};

/// How often the loop looks at the plan (real time).
const TICK: Duration = Duration::from_secs(1);
/// After a sync finishes, look for more due work this soon: long enough to
/// gather the completions of a burst into one pass, short next to a request.
const TOP_UP: Duration = Duration::from_millis(20);
/// How often the age and lag gauges are refreshed.
const GAUGES_EVERY: Duration = Duration::from_secs(5);
/// How long in-flight syncs may take to finish after SIGTERM (the contract
/// promises an exit within 10 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(7);
/// A Redis call from the loop itself never holds the tick longer than this.
const REDIS_CALL: Duration = Duration::from_secs(1);
/// After a failed sync, wait this long before the scope may be dispatched
/// again (the fetch already retried with backoff; Redis errors retry sooner).
const RETRY_FAILED: Duration = Duration::from_secs(30);
const RETRY_REDIS: Duration = Duration::from_secs(1);

type Finished = (Scope, Result<Synced, SyncError>);

/// One tick's choice among the due scopes.
#[derive(Debug, Default)]
struct Picked {
    dispatch: Vec<Due>,
    /// Held back by the quota (not merely by the in-flight cap).
    deferred: Vec<Due>,
}

/// Take due scopes in plan order (priority, then staleness) while there is
/// room in flight and quota left. What the quota cannot serve is deferred:
/// it stays due, lowest priority waiting longest — the degradation.
fn select(due: Vec<Due>, room: usize, budget: usize) -> Picked {
    let take = room.min(budget).min(due.len());
    let quota_bound = budget < due.len();
    let mut due = due.into_iter();
    let dispatch = due.by_ref().take(take).collect();
    let deferred = if quota_bound {
        due.collect()
    } else {
        Vec::new()
    };
    Picked { dispatch, deferred }
}

/// The loop's state between ticks.
struct Runner<'a> {
    producer: &'a Producer,
    cadence: &'a Cadence,
    known: Known,
    /// Last successful fetch of each scope (clock ms).
    last: HashMap<String, i64>,
    /// Scopes being synced, with when they were dispatched (clock ms).
    in_flight: HashMap<String, i64>,
    tasks: JoinSet<Finished>,
    /// Scopes that failed, not to be dispatched again before the instant.
    backoff: HashMap<String, Instant>,
    /// Scopes currently postponed for lack of quota (each counted once).
    deferred: HashSet<String>,
    /// Cancelled after the shutdown grace: aborts what is still in flight.
    work_cancel: CancellationToken,
    started_ms: i64,
    redis_down: bool,
    /// Redis refused a write for lack of memory, and has not shown room since.
    redis_full: bool,
}

/// Poll until `cancel` fires, then drain and return.
pub async fn run(producer: &Producer, cadence: &Cadence, cancel: &CancellationToken) {
    let config = &producer.config;
    let started_ms = producer.syncer.clock.now_ms().await;
    let last = match producer.syncer.publisher.fetched_times().await {
        // Discovery scopes are not seeded: what they taught the previous
        // process is gone, so they are fetched again right away (they are
        // few and small); everything else keeps its place in the cadence —
        // a restart does not fetch players/nfl twice in a day.
        Ok(mut times) => {
            times.retain(|scope, _| {
                scope
                    .parse::<Scope>()
                    .is_ok_and(|s| !plan::is_discovery(s.kind()))
            });
            times
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read last fetch times; starting fresh");
            HashMap::new()
        }
    };
    let mut runner = Runner {
        producer,
        cadence,
        known: Known::new(&config.league_ids, config.username.as_deref()),
        last,
        in_flight: HashMap::new(),
        tasks: JoinSet::new(),
        backoff: HashMap::new(),
        deferred: HashSet::new(),
        work_cancel: CancellationToken::new(),
        started_ms,
        redis_down: false,
        redis_full: false,
    };
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut gauges_at = Instant::now();
    // A deadline, not a sleep re-armed on every completion: a steady stream
    // of completions must not postpone the top-up forever.
    let mut top_up_at: Option<tokio::time::Instant> = None;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(joined) = runner.tasks.join_next() => {
                runner.finished(joined).await;
                top_up_at.get_or_insert_with(|| tokio::time::Instant::now() + TOP_UP);
            }
            _ = tokio::time::sleep_until(top_up_at.unwrap_or_else(tokio::time::Instant::now)), if top_up_at.is_some() => {
                top_up_at = None;
                runner.dispatch().await;
            }
            _ = ticker.tick() => {
                top_up_at = None;
                runner.dispatch().await;
                if gauges_at.elapsed() >= GAUGES_EVERY {
                    gauges_at = Instant::now();
                    runner.gauges().await;
                }
            }
        }
    }
    runner.drain().await;
}

impl Runner<'_> {
    /// One pass: what is due, within the quota left and the in-flight room.
    async fn dispatch(&mut self) {
        let now = self.producer.syncer.clock.now_ms().await;
        let quota = &self.producer.quota;
        let budget = match timeout(REDIS_CALL, quota.used()).await {
            Ok(Ok(used)) => {
                if self.redis_down {
                    tracing::info!("redis reachable again; polling resumes");
                    self.redis_down = false;
                }
                u64::from(quota.limit()).saturating_sub(used) as usize
            }
            other => {
                if !self.redis_down {
                    let why = match other {
                        Ok(Err(e)) => e.to_string(),
                        _ => "timed out".into(),
                    };
                    tracing::warn!(error = %why, "redis unreachable; nothing dispatched until it returns");
                    self.redis_down = true;
                }
                return;
            }
        };
        if self.redis_full && !self.redis_has_room().await {
            return;
        }
        let real_now = Instant::now();
        self.backoff.retain(|_, until| *until > real_now);
        let due: Vec<_> = plan::due(now, &self.known, &self.last, self.cadence)
            .into_iter()
            .filter(|d| {
                let name = d.scope.to_string();
                !self.in_flight.contains_key(&name) && !self.backoff.contains_key(&name)
            })
            .collect();
        let room = (self.producer.config.max_in_flight * 2).saturating_sub(self.in_flight.len());
        let picked = select(due, room, budget);
        for d in picked.dispatch {
            let name = d.scope.to_string();
            self.deferred.remove(&name);
            self.in_flight.insert(name, now);
            let syncer = self.producer.syncer.clone();
            let cancel = self.work_cancel.clone();
            self.tasks.spawn(async move {
                let r = syncer
                    .sync(&d.scope, d.league_id.as_deref(), Origin::Poll, &cancel)
                    .await;
                (d.scope, r)
            });
        }
        if !picked.deferred.is_empty() {
            let mut per_kind: HashMap<Kind, u64> = HashMap::new();
            for d in picked.deferred {
                // Counted once per postponement, not once per tick.
                if self.deferred.insert(d.scope.to_string()) {
                    *per_kind.entry(d.scope.kind()).or_default() += 1;
                }
            }
            for (kind, n) in per_kind {
                self.producer.metrics.deferred(kind, n);
            }
            self.producer.metrics.set_saturated(true);
        }
    }

    async fn finished(&mut self, joined: Result<Finished, tokio::task::JoinError>) {
        let (scope, result) = match joined {
            Ok(f) => f,
            Err(e) => {
                // A panicking sync is a bug; the scope will be planned again.
                tracing::error!(error = %e, "a sync task failed");
                return;
            }
        };
        let name = scope.to_string();
        let now = self.producer.syncer.clock.now_ms().await;
        // The cadence runs from request to request, not from completion.
        let dispatched = self.in_flight.remove(&name).unwrap_or(now);
        match result {
            Err(SyncError::RedisFull(why)) => {
                if !self.redis_full {
                    tracing::warn!(error = %why, "redis refuses writes (maxmemory reached); nothing is fetched until it has room");
                    self.redis_full = true;
                    self.producer.metrics.lag.writes_refused(true);
                }
                self.backoff.insert(name, Instant::now() + RETRY_REDIS);
            }
            Ok(synced) => {
                if self.redis_full {
                    tracing::info!("redis takes writes again; polling resumes");
                    self.redis_full = false;
                    self.producer.metrics.lag.writes_refused(false);
                }
                if let Some(body) = synced.body() {
                    let appended = matches!(synced, Synced::Appended { .. });
                    self.known
                        .observe(&scope, body, appended, now, self.cadence);
                }
                self.last.insert(name, dispatched);
            }
            Err(e) => {
                let wait = match e {
                    SyncError::Redis(_) => RETRY_REDIS,
                    _ => RETRY_FAILED,
                };
                if !self.work_cancel.is_cancelled() {
                    tracing::warn!(scope = %scope, error = %e, "sync failed; will retry");
                }
                self.backoff.insert(name, Instant::now() + wait);
            }
        }
    }

    /// Whether a Redis that refused writes shows room again (`INFO memory`,
    /// a read it answers when full): used memory under `maxmemory`.
    async fn redis_has_room(&self) -> bool {
        let mut conn = self.producer.redis.clone();
        match timeout(REDIS_CALL, sleeper_shared::lag::memory(&mut conn)).await {
            Ok(Ok((used, max))) => max == 0 || used < max,
            _ => false,
        }
    }

    /// `sleeper_oldest_snapshot_age_seconds{kind}` and the stream's lag gauges.
    async fn gauges(&mut self) {
        let now = self.producer.syncer.clock.now_ms().await;
        let mut oldest: HashMap<Kind, i64> = HashMap::new();
        for p in plan::planned(now, &self.known, self.cadence) {
            let at = self
                .last
                .get(&p.scope.to_string())
                .copied()
                .unwrap_or(self.started_ms);
            let age = (now - at).max(0);
            let slot = oldest.entry(p.scope.kind()).or_default();
            *slot = (*slot).max(age);
        }
        for (kind, age) in oldest {
            self.producer.metrics.oldest_age(kind, age as f64 / 1000.0);
        }
        let mut conn = self.producer.redis.clone();
        let stream = self.producer.config.common.stream_key.clone();
        match timeout(
            REDIS_CALL * 2,
            sleeper_shared::lag::read(&mut conn, &stream, system_ms()),
        )
        .await
        {
            Ok(Ok(lag)) => self.producer.metrics.lag.set(&lag),
            Ok(Err(e)) => tracing::debug!(error = %e, "reading consumer lag failed"),
            Err(_) => tracing::debug!("reading consumer lag timed out"),
        }
    }

    /// Let in-flight syncs finish (within the grace), then cancel the rest.
    async fn drain(&mut self) {
        if !self.tasks.is_empty() {
            tracing::info!(in_flight = self.tasks.len(), "finishing in-flight syncs");
        }
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        loop {
            match tokio::time::timeout_at(deadline, self.tasks.join_next()).await {
                Ok(Some(joined)) => self.finished(joined).await,
                Ok(None) => return,
                Err(_) => break,
            }
        }
        tracing::warn!(
            left = self.tasks.len(),
            "grace period over; cancelling the rest"
        );
        self.work_cancel.cancel();
        let _ = timeout(Duration::from_secs(1), async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        self.tasks.abort_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{PRIO_LIVE, PRIO_PLAYERS, PRIO_SLOW};

    fn due(scope: &str, priority: u8) -> Due {
        Due {
            scope: scope.parse().unwrap(),
            league_id: None,
            priority,
        }
    }

    fn names(v: &[Due]) -> Vec<String> {
        v.iter().map(|d| d.scope.to_string()).collect()
    }

    fn game_day() -> Vec<Due> {
        vec![
            due("league/1/matchups/10", PRIO_LIVE),
            due("draft/7/picks", PRIO_LIVE),
            due("league/1/traded_picks", PRIO_SLOW),
            due("players/nfl", PRIO_PLAYERS),
        ]
    }

    #[test]
    fn short_of_quota_live_scopes_go_first_and_the_rest_is_deferred() {
        let p = select(game_day(), 8, 2);
        assert_eq!(
            names(&p.dispatch),
            ["league/1/matchups/10", "draft/7/picks"]
        );
        assert_eq!(names(&p.deferred), ["league/1/traded_picks", "players/nfl"]);
    }

    #[test]
    fn a_full_in_flight_set_waits_without_counting_as_deferred() {
        let p = select(game_day(), 1, 100);
        assert_eq!(names(&p.dispatch), ["league/1/matchups/10"]);
        assert!(p.deferred.is_empty());
        let p = select(game_day(), 0, 0);
        assert!(p.dispatch.is_empty());
        assert_eq!(p.deferred.len(), 4);
    }
}
