//! The project's binaries as processes, their peak RSS, and the Postgres
//! side of the measurements (databases, archive counts, the COPY ceiling).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use futures::{SinkExt, StreamExt};
use sleeper_tests::harness::servers::{free_port, PostgresServer};

/// Where the release binaries are.
pub struct Bins {
    dir: PathBuf,
}

impl Bins {
    pub fn new(dir: &Path) -> Result<Self> {
        for b in ["sleeper-consumer", "sleeper-producer"] {
            if !dir.join(b).is_file() {
                bail!(
                    "{} missing: cargo build --release -p sleeper-consumer -p sleeper-producer",
                    dir.join(b).display()
                );
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Run `sleeper-consumer <args>` to completion; fail on a non-zero exit.
    pub fn consumer_cmd(
        &self,
        args: &[&str],
        redis_url: &str,
        database_url: &str,
        stream: &str,
        group: &str,
    ) -> Result<String> {
        let out = Command::new(self.path("sleeper-consumer"))
            .args(args)
            .envs(consumer_env(
                redis_url,
                database_url,
                stream,
                group,
                "bench",
            ))
            .output()
            .context("running sleeper-consumer")?;
        if !out.status.success() {
            bail!(
                "sleeper-consumer {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    /// Whether `sleeper-consumer --help` lists `sub`.
    pub fn consumer_has(&self, sub: &str) -> Result<bool> {
        let out = Command::new(self.path("sleeper-consumer"))
            .arg("--help")
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.trim_start().starts_with(sub)))
    }

    /// A markdown cell of each binary's size, and their sum in MB.
    pub fn sizes(&self) -> Result<(String, f64)> {
        let mut cells = Vec::new();
        let mut total = 0.0;
        for b in ["sleeper-producer", "sleeper-consumer"] {
            let mb = std::fs::metadata(self.path(b))?.len() as f64 / 1_048_576.0;
            total += mb;
            cells.push(format!("{b} {mb:.1} MB"));
        }
        Ok((cells.join(", "), total))
    }
}

pub fn consumer_env(
    redis_url: &str,
    database_url: &str,
    stream: &str,
    group: &str,
    name: &str,
) -> Vec<(String, String)> {
    [
        ("REDIS_URL", redis_url),
        ("DATABASE_URL", database_url),
        ("STREAM_KEY", stream),
        ("CONSUMER_GROUP", group),
        ("CONSUMER_NAME", name),
        ("CONSUMER_BLOCK_MS", "200"),
        ("STREAM_RETENTION", "0"),
        ("LOG_LEVEL", "warn"),
        ("LOG_FORMAT", "text"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A background `run` process (consumer or producer) with an HTTP port;
/// SIGTERM then SIGKILL on drop.
pub struct Service {
    child: Child,
    pub http: String,
    started: Instant,
}

impl Service {
    /// `sleeper-consumer run` in `group` as `name`.
    pub fn spawn(
        bins: &Bins,
        redis_url: &str,
        database_url: &str,
        stream: &str,
        group: &str,
        name: &str,
    ) -> Result<Self> {
        Self::spawn_bin(
            bins,
            "sleeper-consumer",
            consumer_env(redis_url, database_url, stream, group, name),
        )
    }

    /// `<bin> run` with `vars` and a free `HTTP_ADDR`.
    pub fn spawn_bin(bins: &Bins, bin: &str, mut vars: Vec<(String, String)>) -> Result<Self> {
        let http = format!("127.0.0.1:{}", free_port());
        vars.push(("HTTP_ADDR".into(), http.clone()));
        let started = Instant::now();
        let child = Command::new(bins.path(bin))
            .arg("run")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(vars)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {bin}"))?;
        Ok(Self {
            child,
            http,
            started,
        })
    }

    /// Milliseconds from spawn to the first `/ready` 200.
    pub async fn wait_ready(&self, limit: Duration) -> Result<f64> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("http://{}/ready", self.http);
        while self.started.elapsed() < limit {
            if let Ok(r) = client.get(&url).send().await {
                if r.status().is_success() {
                    return Ok(self.started.elapsed().as_secs_f64() * 1000.0);
                }
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        bail!("{url} not ready within {limit:?}")
    }

    /// The sum of a counter (every label set) on `/metrics`.
    pub async fn metric_sum(&self, name: &str) -> Result<f64> {
        let text = reqwest::get(format!("http://{}/metrics", self.http))
            .await?
            .text()
            .await?;
        Ok(text
            .lines()
            .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum())
    }

    /// `sleeper_rows_written_total`, all kinds.
    pub async fn rows_written(&self) -> Result<u64> {
        Ok(self.metric_sum("sleeper_rows_written_total").await? as u64)
    }

    /// Peak resident set (VmHWM), MB.
    pub fn peak_rss_mb(&self) -> f64 {
        peak_rss_mb(self.child.id())
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// VmHWM of `pid` in MB (0 when unreadable).
pub fn peak_rss_mb(pid: u32) -> f64 {
    proc_status_kb(pid, "VmHWM:") as f64 / 1024.0
}

fn proc_status_kb(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// MemTotal, MB.
pub fn mem_total_mb() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .unwrap_or(0)
        / 1024
}

/// Connect, driving the connection on a task.
pub async fn connect(url: &str) -> Result<tokio_postgres::Client> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// A fresh database named `name`.
pub async fn create_db(pg: &PostgresServer, name: &str) -> Result<String> {
    let admin = connect(&pg.url("postgres")).await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await?;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    Ok(name.to_string())
}

/// Drop a database no later phase reads, so autovacuum has no work left in
/// it to do while the next phase is timed.
pub async fn drop_db(pg: &PostgresServer, name: &str) -> Result<()> {
    let admin = connect(&pg.url("postgres")).await?;
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}

/// Settle a database before a timed phase reads it: `VACUUM (ANALYZE)`
/// does now what autovacuum would otherwise do during the timed phase (a
/// database that has been live a while is in this state), then wait until
/// no autovacuum worker runs anywhere on the server (60 s at most).
pub async fn settle(pg: &PostgresServer, name: &str) -> Result<()> {
    connect(&pg.url(name))
        .await?
        .batch_execute("VACUUM (ANALYZE)")
        .await?;
    let admin = connect(&pg.url("postgres")).await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let busy: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'",
                &[],
            )
            .await?
            .get(0);
        if busy == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(())
}

/// The archive on disk.
pub struct ArchiveSize {
    /// `pg_total_relation_size('pipeline.event_log')`: heap, TOAST, indexes.
    pub bytes: u64,
    pub events: u64,
    /// The share of stored envelope bytes that are `players` snapshots
    /// (one shared snapshot a day, whatever the number of leagues).
    pub players_share: f64,
    /// Stored bytes of one `players` snapshot's envelope (mean).
    pub players_snapshot_bytes: f64,
}

/// Measure the archive of the database at `url`.
pub async fn archive_size(url: &str) -> Result<ArchiveSize> {
    let row = connect(url)
        .await?
        .query_one(
            "SELECT pg_total_relation_size('pipeline.event_log'), count(*),
                    coalesce(sum(pg_column_size(envelope)) FILTER (WHERE kind = 'players'), 0)::float8
                      / greatest(coalesce(sum(pg_column_size(envelope)), 0), 1)::float8,
                    coalesce(avg(pg_column_size(envelope)) FILTER (WHERE kind = 'players'), 0)::float8
             FROM pipeline.event_log",
            &[],
        )
        .await?;
    Ok(ArchiveSize {
        bytes: row.get::<_, i64>(0) as u64,
        events: row.get::<_, i64>(1) as u64,
        players_share: row.get(2),
        players_snapshot_bytes: row.get(3),
    })
}

/// Wait until `group` has every entry of `stream` delivered and acked,
/// then check that `pipeline.event_log` holds `n` rows (an entry is acked
/// only after the transaction that archived it commits); returns the
/// highest peak RSS (MB) seen among `procs` meanwhile.
///
/// The progress is watched in Redis (`XINFO GROUPS`), not by counting the
/// archive: `count(*)` over a table growing to tens of thousands of rows,
/// 20 times a second, took half a core from the Postgres being measured.
pub async fn wait_drained(
    redis_url: &str,
    stream: &str,
    group: &str,
    database_url: &str,
    n: usize,
    procs: &[&Service],
    limit: Duration,
) -> Result<f64> {
    let mut redis = redis::aio::ConnectionManager::new(redis::Client::open(redis_url)?).await?;
    let db = connect(database_url).await?;
    let started = Instant::now();
    let mut peak: f64 = 0.0;
    loop {
        for p in procs {
            peak = peak.max(p.peak_rss_mb());
        }
        let lag = sleeper_shared::lag::read(&mut redis, stream, 0).await?;
        let done = lag.groups.iter().any(|g| {
            g.group == group
                && g.lag_events == 0
                && g.pending == 0
                && !g.last_delivered_id.is_empty()
        });
        if done {
            let got: i64 = db
                .query_one("SELECT count(*) FROM pipeline.event_log", &[])
                .await?
                .get(0);
            if got as usize >= n {
                return Ok(peak);
            }
        }
        if started.elapsed() > limit {
            bail!("group {group} has not projected all {n} events after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The Postgres ceiling: every table of schema `sleeper` and
/// `pipeline.event_log` in `from`, loaded with binary COPY into the same
/// (empty, migrated, indexed) tables in `to`. Returns rows and the seconds
/// spent in `COPY … FROM STDIN (FORMAT binary)` alone.
pub async fn copy_ceiling(from: &str, to: &str) -> Result<(u64, f64)> {
    let src = connect(from).await?;
    let dst = connect(to).await?;
    let mut tables: Vec<String> = src
        .query(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables \
             WHERE schemaname = 'sleeper' ORDER BY 1",
            &[],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    tables.push("pipeline.event_log".into());
    let mut rows = 0u64;
    let mut secs = 0.0;
    for t in &tables {
        let n: i64 = src
            .query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .await?
            .get(0);
        if n == 0 {
            continue;
        }
        // Column lists by name, so both sides agree on order.
        let cols: Vec<String> = src
            .query(
                "SELECT quote_ident(attname) FROM pg_attribute \
                 WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped \
                 AND attgenerated = '' ORDER BY attnum",
                &[t],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let cols = cols.join(", ");
        let mut data = Vec::new();
        let out = src
            .copy_out(&format!("COPY {t} ({cols}) TO STDOUT (FORMAT binary)"))
            .await?;
        futures::pin_mut!(out);
        while let Some(chunk) = out.next().await {
            data.extend_from_slice(&chunk?);
        }
        dst.batch_execute(&format!("TRUNCATE {t}")).await?;
        let t0 = Instant::now();
        let sink = dst
            .copy_in::<_, bytes::Bytes>(&format!("COPY {t} ({cols}) FROM STDIN (FORMAT binary)"))
            .await?;
        futures::pin_mut!(sink);
        for piece in data.chunks(1 << 20) {
            sink.send(bytes::Bytes::copy_from_slice(piece)).await?;
        }
        let copied = sink.finish().await?;
        secs += t0.elapsed().as_secs_f64();
        rows += copied;
    }
    Ok((rows, secs))
}
