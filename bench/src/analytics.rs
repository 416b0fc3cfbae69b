//! The analytics read models (docs/design.md "Scoring", "Lineups"): how
//! fast the views compute a season, beside binary `COPY` of the same rows,
//! and the latency of the query a lineup page makes, with many seasons of
//! many leagues loaded.
//!
//! The log is the harness's `season::scored_season` (stats, projections,
//! schedule, leagues, rosters, matchups as the producer would log them),
//! projected by the real consumer. For the latency figure that season is
//! cloned into earlier seasons under other league ids (a chain per league),
//! which loads the tables as `backfill` would without rendering them again.

use std::time::{Duration, Instant};

use anyhow::Result;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sleeper_shared::{Envelope, Scope};
use sleeper_tests::harness::season::{scored_season, SeasonSpec};
use sleeper_tests::harness::servers::PostgresServer;
use tokio_postgres::types::ToSql;

use crate::procs::{self, connect, Bins, Service};
use crate::report::Report;
use crate::workload;

/// What to measure.
pub struct AnalyticsSpec<'a> {
    pub redis_url: &'a str,
    pub pg: &'a PostgresServer,
    /// Leagues of the season whose views are computed whole.
    pub leagues: usize,
    /// Leagues and seasons loaded for the latency figure.
    pub latency_leagues: usize,
    pub latency_seasons: u16,
    pub weeks: u8,
    /// Timed queries for the latency figure.
    pub queries: usize,
    /// Chains × seasons loaded for the all-time queries' latency.
    pub chains: usize,
    pub chain_seasons: u16,
}

/// The views a season's analytics are, in the order they are timed.
const VIEWS: [&str; 4] = [
    "player_week_points",
    "lineup_optimal",
    "lineup_efficiency",
    "projected_vs_actual",
];

/// The query a roster-week lineup page makes for a whole league-week (what
/// `hasura/queries/lineups.graphql` asks, as one statement).
const LEAGUE_WEEK_LINEUPS: &str = "
    SELECT e.roster_id, e.actual_points, e.optimal_points, e.points_left_on_bench, e.efficiency,
           (SELECT json_agg(o ORDER BY o.slot_index) FROM sleeper.lineup_optimal o
            WHERE o.league_id = e.league_id AND o.week = e.week AND o.roster_id = e.roster_id)
    FROM sleeper.lineup_efficiency e
    WHERE e.league_id = $1 AND e.week = $2
    ORDER BY e.roster_id";

pub async fn run(bins: &Bins, report: &mut Report, spec: AnalyticsSpec<'_>) -> Result<()> {
    season_views(bins, report, &spec).await?;
    lineup_latency(bins, report, &spec).await?;
    all_time_latency(bins, report, &spec).await
}

/// Project `events` into a fresh database `name` with one consumer; the
/// database's name and URL.
async fn load(
    bins: &Bins,
    spec: &AnalyticsSpec<'_>,
    name: &str,
    events: &[Envelope],
) -> Result<(String, String)> {
    let db = procs::create_db(spec.pg, name).await?;
    let url = spec.pg.url(&db);
    let stream = format!("bench:{name}");
    bins.consumer_cmd(&["migrate"], spec.redis_url, &url, &stream, "a")?;
    let log = workload::encode(events)?;
    let mut conn = redis::Client::open(spec.redis_url)?
        .get_multiplexed_async_connection()
        .await?;
    workload::fill(&mut conn, &stream, &log.wire).await?;
    let c = Service::spawn(bins, spec.redis_url, &url, &stream, "a", "a1")?;
    procs::wait_drained(
        spec.redis_url,
        &stream,
        "a",
        &url,
        log.events,
        &[&c],
        Duration::from_secs(600 + log.events as u64 / 10),
    )
    .await?;
    drop(c);
    // What autovacuum does soon after a load: statistics for the planner.
    connect(&url).await?.batch_execute("ANALYZE").await?;
    Ok((db, url))
}

/// Every analytics view of a whole season computed (`CREATE TABLE AS`),
/// against binary COPY of the same rows into an empty copy of that table.
async fn season_views(bins: &Bins, report: &mut Report, spec: &AnalyticsSpec<'_>) -> Result<()> {
    eprintln!(
        "bench: scoring + lineups of {} leagues × {} weeks",
        spec.leagues, spec.weeks
    );
    let events = scored_season(
        SeasonSpec {
            seed: 9,
            leagues: spec.leagues,
            steps: 0,
        },
        spec.weeks,
    )
    .await;
    let (name, url) = load(bins, spec, "bench_scoring", &events).await?;
    let db = connect(&url).await?;
    let (mut rows, mut view_s, mut copy_s) = (0u64, 0.0, 0.0);
    let mut parts = Vec::new();
    for view in VIEWS {
        let t = Instant::now();
        let n = db
            .execute(
                &format!("CREATE TABLE public.bench_{view} AS SELECT * FROM sleeper.{view}"),
                &[],
            )
            .await?;
        let s = t.elapsed().as_secs_f64();
        let c = copy_same_rows(&db, &format!("public.bench_{view}")).await?;
        parts.push(format!("{view} {n} rows {s:.2} s"));
        rows += n;
        view_s += s;
        copy_s += c;
    }
    report.set("analytics_season_rows", json!(rows));
    report.set("analytics_season_s", json!(crate::round2(view_s)));
    report.set(
        "analytics_rows_per_s",
        json!(crate::round(rows as f64 / view_s)),
    );
    report.set(
        "analytics_copy_rows_per_s",
        json!(crate::round(rows as f64 / copy_s)),
    );
    report.row(
        format!(
            "scoring + lineups, a season of {} leagues × {} weeks (views computed whole)",
            spec.leagues, spec.weeks
        ),
        format!("{view_s:.2} s, {:.0} rows/s", rows as f64 / view_s),
        format!("COPY of the same rows {:.0} rows/s", rows as f64 / copy_s),
        format!(
            "{:.1} % of COPY; {}",
            100.0 * copy_s / view_s,
            parts.join("; ")
        ),
    );
    procs::drop_db(spec.pg, &name).await
}

/// Seconds to binary-COPY the rows of `table` into an empty table like it.
async fn copy_same_rows(db: &tokio_postgres::Client, table: &str) -> Result<f64> {
    let target = format!("{table}_copy");
    db.batch_execute(&format!("CREATE TABLE {target} (LIKE {table})"))
        .await?;
    let mut data = Vec::new();
    let out = db
        .copy_out(&format!("COPY {table} TO STDOUT (FORMAT binary)"))
        .await?;
    futures::pin_mut!(out);
    while let Some(chunk) = out.next().await {
        data.extend_from_slice(&chunk?);
    }
    let t = Instant::now();
    let sink = db
        .copy_in::<_, bytes::Bytes>(&format!("COPY {target} FROM STDIN (FORMAT binary)"))
        .await?;
    futures::pin_mut!(sink);
    for piece in data.chunks(1 << 20) {
        sink.send(bytes::Bytes::copy_from_slice(piece)).await?;
    }
    sink.finish().await?;
    Ok(t.elapsed().as_secs_f64())
}

/// The `i`-th of `n` keys, spread over all of them deterministically.
fn spread(i: usize, n: usize) -> usize {
    (i * 7919) % n
}

/// Timed runs of one prepared statement.
struct Runs {
    /// Milliseconds of each run, sorted.
    sorted_ms: Vec<f64>,
    /// Rows returned, over all runs.
    rows: usize,
}

impl Runs {
    /// `n` runs of `statement`, the `i`-th with the parameters `args(i)`.
    async fn time<'a>(
        db: &tokio_postgres::Client,
        statement: &tokio_postgres::Statement,
        n: usize,
        args: impl Fn(usize) -> Vec<&'a (dyn ToSql + Sync)>,
    ) -> Result<Self> {
        let (mut sorted_ms, mut rows) = (Vec::with_capacity(n), 0);
        for i in 0..n {
            let params = args(i);
            let t = Instant::now();
            rows += db.query(statement, &params).await?.len();
            sorted_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        sorted_ms.sort_by(f64::total_cmp);
        Ok(Self { sorted_ms, rows })
    }

    /// The `p` quantile (nearest rank; 1.0 = the slowest run).
    fn pct(&self, p: f64) -> f64 {
        let n = self.sorted_ms.len();
        self.sorted_ms[((n as f64 * p).ceil() as usize).clamp(1, n) - 1]
    }
}

/// A season's events as an earlier season `back` years before, under other
/// league ids (`9<back><id>`), each league continuing its clone of the
/// season before; fetch times moved back by whole weeks.
fn earlier_season(events: &[Envelope], back: u16) -> Result<Vec<Envelope>> {
    let id = |l: &str, back: u16| {
        if back == 0 {
            l.to_string()
        } else {
            format!("9{back}{l}")
        }
    };
    let shift = i64::from(back) * 52 * 7 * 86_400_000;
    let mut out = Vec::new();
    for e in events {
        let Ok(scope) = e.scope.parse::<Scope>() else {
            continue;
        };
        let mut c = e.clone();
        c.fetched_at_ms -= shift;
        let scope = match scope {
            Scope::Players => continue,
            Scope::State => Scope::State,
            Scope::NflStats {
                season_type,
                season,
                week,
            } => Scope::NflStats {
                season_type,
                season: season - back,
                week,
            },
            Scope::NflProjections {
                season_type,
                season,
                week,
            } => Scope::NflProjections {
                season_type,
                season: season - back,
                week,
            },
            Scope::NflSchedule {
                season_type,
                season,
            } => Scope::NflSchedule {
                season_type,
                season: season - back,
            },
            Scope::League(l) => {
                let mut body: Value = serde_json::from_slice(&e.body)?;
                let season = body["season"]
                    .as_str()
                    .and_then(|s| s.parse::<u16>().ok())
                    .unwrap_or(2025);
                body["season"] = json!((season - back).to_string());
                body["league_id"] = json!(id(&l, back));
                body["previous_league_id"] = json!(id(&l, back + 1));
                c.body = serde_json::to_vec(&body)?;
                Scope::League(id(&l, back))
            }
            Scope::Rosters(l) => Scope::Rosters(id(&l, back)),
            Scope::Matchups { league_id, week } => Scope::Matchups {
                league_id: id(&league_id, back),
                week,
            },
            _ => continue,
        };
        c.league_id = scope.league_id().map(str::to_string);
        c.scope = scope.to_string();
        out.push(c);
    }
    Ok(out)
}

/// p50/p95/max of the league-week lineup query with `latency_leagues` ×
/// `latency_seasons` loaded.
async fn lineup_latency(bins: &Bins, report: &mut Report, spec: &AnalyticsSpec<'_>) -> Result<()> {
    eprintln!(
        "bench: lineup query latency, {} leagues × {} seasons loaded",
        spec.latency_leagues, spec.latency_seasons
    );
    let season = scored_season(
        SeasonSpec {
            seed: 10,
            leagues: spec.latency_leagues,
            steps: 0,
        },
        spec.weeks,
    )
    .await;
    let mut events: Vec<Envelope> = season
        .iter()
        .filter(|e| e.scope == "players/nfl")
        .cloned()
        .collect();
    for back in (0..spec.latency_seasons).rev() {
        events.extend(earlier_season(&season, back)?);
    }
    let (name, url) = load(bins, spec, "bench_lineups", &events).await?;
    let db = connect(&url).await?;
    let keys: Vec<(String, i32)> = db
        .query(
            "SELECT DISTINCT league_id, week FROM sleeper.matchups ORDER BY 1, 2",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let leagues: i64 = db
        .query_one("SELECT count(*) FROM sleeper.leagues", &[])
        .await?
        .get(0);
    let statement = db.prepare(LEAGUE_WEEK_LINEUPS).await?;
    let runs = Runs::time(&db, &statement, spec.queries, |i| {
        let (league, week) = &keys[spread(i, keys.len())];
        vec![league as &(dyn ToSql + Sync), week]
    })
    .await?;
    let (p50, p95, max) = (runs.pct(0.50), runs.pct(0.95), runs.pct(1.0));
    let rows = runs.rows;
    report.set("lineup_query_p50_ms", json!(crate::round2(p50)));
    report.set("lineup_query_p95_ms", json!(crate::round2(p95)));
    report.set("lineup_query_leagues_loaded", json!(leagues));
    report.row(
        format!(
            "league-week lineup query ({leagues} league-seasons loaded: {} leagues × {} seasons)",
            spec.latency_leagues, spec.latency_seasons
        ),
        format!("p50 {p50:.1} ms, p95 {p95:.1} ms, max {max:.1} ms"),
        "—",
        format!(
            "goal p95 < 20 ms; {} queries over {} league-weeks, {:.1} rosters each",
            spec.queries,
            keys.len(),
            rows as f64 / spec.queries as f64
        ),
    );
    procs::drop_db(spec.pg, &name).await
}

/// The all-time queries a league's history page makes, for one chain.
const ALL_TIME: [(&str, &str); 3] = [
    (
        "head-to-head",
        "SELECT * FROM sleeper.head_to_head WHERE chain_id = $1",
    ),
    (
        "record book",
        "SELECT * FROM sleeper.records WHERE chain_id = $1",
    ),
    (
        "careers",
        "SELECT * FROM sleeper.manager_careers WHERE chain_id = $1",
    ),
];

/// p50/p95 of each all-time query over random chains, with `chains` ×
/// `chain_seasons` loaded: the newest snapshot of each league, rosters and
/// matchups scope of one season, cloned into earlier seasons.
async fn all_time_latency(
    bins: &Bins,
    report: &mut Report,
    spec: &AnalyticsSpec<'_>,
) -> Result<()> {
    eprintln!(
        "bench: all-time query latency, {} chains × {} seasons loaded",
        spec.chains, spec.chain_seasons
    );
    let season = scored_season(
        SeasonSpec {
            seed: 11,
            leagues: spec.chains,
            steps: 0,
        },
        spec.weeks,
    )
    .await;
    // The newest snapshot of each scope the all-time views read.
    let mut newest: std::collections::BTreeMap<String, Envelope> = Default::default();
    for e in season {
        if matches!(
            e.scope.parse::<Scope>(),
            Ok(Scope::League(_) | Scope::Rosters(_) | Scope::Matchups { .. })
        ) {
            newest.insert(e.scope.clone(), e);
        }
    }
    let season: Vec<Envelope> = newest.into_values().collect();
    let mut events = Vec::new();
    for back in (0..spec.chain_seasons).rev() {
        events.extend(earlier_season(&season, back)?);
    }
    let (name, url) = load(bins, spec, "bench_all_time", &events).await?;
    let db = connect(&url).await?;
    let chains: Vec<String> = db
        .query(
            "SELECT DISTINCT chain_id FROM sleeper.league_chains ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let queries = (spec.queries / 5).max(10);
    let mut parts = Vec::new();
    for (what, sql) in ALL_TIME {
        let statement = db.prepare(sql).await?;
        let runs = Runs::time(&db, &statement, queries, |i| {
            vec![&chains[spread(i, chains.len())] as &(dyn ToSql + Sync)]
        })
        .await?;
        let (pct, rows) = (|p| runs.pct(p), runs.rows);
        let key = what.replace(['-', ' '], "_");
        report.set(
            &format!("all_time_{key}_p95_ms"),
            json!(crate::round2(pct(0.95))),
        );
        parts.push(format!(
            "{what} p50 {:.1} ms, p95 {:.1} ms ({:.0} rows)",
            pct(0.5),
            pct(0.95),
            rows as f64 / queries as f64
        ));
    }
    report.row(
        format!(
            "all-time queries of one chain ({} chains × {} seasons loaded)",
            chains.len(),
            spec.chain_seasons
        ),
        parts.join("; "),
        "—",
        format!("goal p95 < 50 ms each; {queries} queries each over random chains"),
    );
    procs::drop_db(spec.pg, &name).await
}
