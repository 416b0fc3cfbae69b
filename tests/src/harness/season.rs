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
        let mut scopes: Vec<(Scope, Option<String>)> = vec![(Scope::State, None)];
        let week = sim
            .body("/v1/state/nfl")
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["week"].as_u64())
            .unwrap_or(1)
            .clamp(1, 18) as u8;
        for league in sim.league_ids() {
            for s in league_scopes(&league, week) {
                scopes.push((s, Some(league.clone())));
            }
            if let Some(draft) = sim
                .world()
                .league(&league)
                .map(|l| l.draft.draft_id.clone())
            {
                for s in [
                    Scope::Draft(draft.clone()),
                    Scope::DraftPicks(draft.clone()),
                    Scope::DraftTradedPicks(draft),
                ] {
                    scopes.push((s, Some(league.clone())));
                }
            }
        }
        if step % 6 == 0 {
            scopes.push((Scope::Trending(sleeper_shared::scope::Trend::Add), None));
        }
        for (scope, league) in scopes {
            if let Some(body) = sim.body(&format!("/v1{}", scope.url_path())) {
                if body.as_slice() == b"null" {
                    continue;
                }
                let mut env = envelope(scope.kind(), &scope.to_string(), league.as_deref(), &body);
                env.fetched_at_ms = now;
                env.ticket = step as u64 + 1;
                events.push(env);
            }
        }
    }
    sim.shutdown().await;
    events
}

/// Kinds present in a log (to assert a log is varied enough).
pub fn kinds(events: &[Envelope]) -> std::collections::BTreeSet<Kind> {
    events.iter().map(|e| e.kind).collect()
}
