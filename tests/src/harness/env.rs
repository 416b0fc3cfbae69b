//! One test's own corner of the shared servers: a fresh database and a
//! unique stream key, so tests run in parallel without seeing each other.
//!
//! A test starts with [`TestEnv::migrated`] (or [`TestEnv::new`] when the
//! migration itself is under test), appends with [`TestEnv::append`] /
//! [`TestEnv::append_all`], waits with [`TestEnv::drained`], and reads
//! single values with [`Scalar::scalar`].

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redis::aio::ConnectionManager;
use sleeper_shared::Envelope;
use tokio::sync::OnceCell;
use tokio_postgres::types::{FromSqlOwned, ToSql};

use super::events;
use super::procs::migrate;
use super::servers::{self, Servers};
use super::wait;

/// How long [`TestEnv::drained`] waits for a group to drain.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A test's database, stream key and the URLs the binaries need.
pub struct TestEnv {
    pub name: String,
    pub db: String,
    pub stream_key: String,
    pub redis_url: String,
    pub database_url: String,
    servers: &'static Servers,
    conn: OnceCell<ConnectionManager>,
}

impl TestEnv {
    /// Create the database `t_<name>_<n>` and the stream key `t<n>:<name>:events`.
    pub async fn new(name: &str) -> Self {
        let servers = servers::shared();
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let db = format!("t_{name}_{pid}_{n}");
        let admin = connect(&servers.postgres.url("postgres")).await;
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .await
            .expect("drop old test db");
        admin
            .batch_execute(&format!("CREATE DATABASE {db}"))
            .await
            .expect("create test db");
        Self {
            name: name.to_string(),
            stream_key: format!("t{pid}_{n}:{name}:events"),
            redis_url: servers.redis.url(),
            database_url: servers.postgres.url(&db),
            db,
            servers,
            conn: OnceCell::new(),
        }
    }

    /// [`TestEnv::new`], migrated: what most tests start from.
    pub async fn migrated(name: &str) -> Self {
        let env = Self::new(name).await;
        env.migrate();
        env
    }

    /// Another database, migrated, that consumer group `group` projects
    /// this test's stream into: its env, and the environment a consumer of
    /// that group runs with.
    pub async fn other_group(&self, name: &str, group: &str) -> (Self, Vec<(String, String)>) {
        let other = Self::new(name).await;
        let mut vars = other.vars();
        for (k, v) in &mut vars {
            if k == "STREAM_KEY" {
                v.clone_from(&self.stream_key);
            }
        }
        vars.push(("CONSUMER_GROUP".into(), group.into()));
        migrate(&vars);
        (other, vars)
    }

    /// Run `sleeper-consumer migrate` on this test's database.
    pub fn migrate(&self) {
        migrate(&self.vars());
    }

    /// The environment every binary of this test runs with.
    pub fn vars(&self) -> Vec<(String, String)> {
        vec![
            ("REDIS_URL".into(), self.redis_url.clone()),
            ("DATABASE_URL".into(), self.database_url.clone()),
            ("STREAM_KEY".into(), self.stream_key.clone()),
            ("LOG_LEVEL".into(), "info".into()),
            ("LOG_FORMAT".into(), "text".into()),
            ("CONSUMER_BLOCK_MS".into(), "200".into()),
        ]
    }

    /// A Postgres session on this test's database.
    pub async fn pg(&self) -> tokio_postgres::Client {
        connect(&self.database_url).await
    }

    /// A Redis connection (one, shared by every caller of this test).
    pub async fn redis(&self) -> ConnectionManager {
        self.conn
            .get_or_init(|| redis_at(&self.redis_url))
            .await
            .clone()
    }

    /// Append one event to this test's stream; its id.
    pub async fn append(&self, env: &Envelope) -> String {
        events::append(&mut self.redis().await, &self.stream_key, env).await
    }

    /// Append every event in order, pipelined; their ids.
    pub async fn append_all(&self, events: &[Envelope]) -> Vec<String> {
        events::append_all(&mut self.redis().await, &self.stream_key, events).await
    }

    /// Wait until consumer group `group` has read and acked every entry of
    /// this test's stream.
    pub async fn drained(&self, group: &str) {
        wait::drained(&self.redis().await, &self.stream_key, &[group], DRAIN_LIMIT).await;
    }

    /// The key of this test's dead-letter stream.
    pub fn dlq_key(&self) -> String {
        format!("{}:dlq", self.stream_key)
    }

    /// How many dead letters this test's stream has.
    pub async fn dlq_len(&self) -> i64 {
        events::xlen(&mut self.redis().await, &self.dlq_key()).await
    }

    /// The shared servers (to stop or restart them in fault tests).
    pub fn servers(&self) -> &'static Servers {
        self.servers
    }
}

/// Connect to Postgres, driving the connection on a background task.
pub async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("postgres connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// A Redis connection to `url`.
pub async fn redis_at(url: &str) -> ConnectionManager {
    redis::Client::open(url)
        .expect("redis url")
        .get_connection_manager()
        .await
        .expect("redis connection")
}

/// The single value of a query returning one row of one column.
pub trait Scalar {
    fn scalar<T: FromSqlOwned + Send>(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> impl Future<Output = T> + Send;
}

impl Scalar for tokio_postgres::Client {
    async fn scalar<T: FromSqlOwned + Send>(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> T {
        self.query_one(sql, params)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .get(0)
    }
}
