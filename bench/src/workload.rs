//! The workload: a deterministic season log rendered by the simulator's
//! world (the harness's `season::generate`), plus one full-size players
//! snapshot, encoded once as the producer would put it on the stream.

use std::collections::HashMap;

use anyhow::Result;
use redis::aio::MultiplexedConnection;
use sleeper_shared::{Envelope, Kind, Scope};
use sleeper_sim::SimConfig;
use sleeper_tests::harness::events::envelope;
use sleeper_tests::harness::season::{self, SeasonSpec};

/// One stream entry's fields: kind, scope, encoded envelope.
pub type Wire = (String, String, Vec<u8>);

/// The encoded log and its size.
pub struct Log {
    pub wire: Vec<Wire>,
    pub events: usize,
    pub bytes: usize,
    pub max_per_matchups_scope: usize,
}

/// Render a season of `leagues` × `weeks` × `steps` live matchups snapshots
/// (and the leagues' other scopes; see `season::generate_weeks`) after a
/// players snapshot of `players`.
pub async fn generate(leagues: usize, weeks: u8, steps: usize, players: usize) -> Result<Log> {
    let mut events = vec![players_snapshot(players).await?];
    events.extend(
        season::generate_weeks(
            SeasonSpec {
                seed: 8,
                leagues,
                steps,
            },
            weeks,
        )
        .await,
    );
    encode(&events)
}

/// `events` encoded as the producer puts them on the stream.
pub fn encode(events: &[Envelope]) -> Result<Log> {
    let mut per_scope: HashMap<&str, usize> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == Kind::Matchups) {
        *per_scope.entry(e.scope.as_str()).or_default() += 1;
    }
    let max_per_matchups_scope = per_scope.values().copied().max().unwrap_or(0);
    let mut wire = Vec::with_capacity(events.len());
    let mut bytes = 0;
    for e in events {
        let enc = e.encode()?;
        bytes += enc.len();
        wire.push((e.kind.as_str().to_string(), e.scope.clone(), enc));
    }
    Ok(Log {
        events: wire.len(),
        wire,
        bytes,
        max_per_matchups_scope,
    })
}

/// `players/nfl` as the simulator serves it with `players` players.
async fn players_snapshot(players: usize) -> Result<Envelope> {
    let mut config = SimConfig {
        speed: 0.0,
        ..SimConfig::default()
    };
    config.generate.seed = 8;
    config.generate.leagues = 1;
    config.generate.players = players;
    let sim = sleeper_sim::start(config).await?;
    let scope = Scope::Players;
    let body = sim
        .body(&format!("/v1{}", scope.url_path()))
        .unwrap_or_default();
    let mut env = envelope(scope.kind(), &scope.to_string(), None, &body);
    env.fetched_at_ms = sim.now_ms();
    sim.shutdown().await;
    Ok(env)
}

/// XADD every entry, pipelined in batches.
pub async fn fill(conn: &mut MultiplexedConnection, stream: &str, wire: &[Wire]) -> Result<()> {
    for chunk in wire.chunks(500) {
        let mut pipe = redis::pipe();
        for (kind, scope, env) in chunk {
            pipe.cmd("XADD")
                .arg(stream)
                .arg("*")
                .arg("kind")
                .arg(kind)
                .arg("scope")
                .arg(scope)
                .arg("env")
                .arg(env.as_slice())
                .ignore();
        }
        pipe.query_async::<()>(conn).await?;
    }
    Ok(())
}

/// Read the whole stream with `XRANGE … COUNT batch`; returns the entries read.
pub async fn xrange_all(
    conn: &mut MultiplexedConnection,
    stream: &str,
    batch: usize,
) -> Result<usize> {
    let mut start = "-".to_string();
    let mut n = 0;
    loop {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(batch)
            .query_async(conn)
            .await?;
        let got = reply.ids.len();
        n += got;
        match reply.ids.last() {
            Some(last) if got == batch => start = format!("({}", last.id),
            _ => return Ok(n),
        }
    }
}
