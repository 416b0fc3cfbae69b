//! One test's own corner of the shared servers: a fresh database and a
//! unique stream key, so tests run in parallel without seeing each other.

use std::sync::atomic::{AtomicUsize, Ordering};

use redis::aio::ConnectionManager;

use super::servers::{self, Servers};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A test's database, stream key and the URLs the binaries need.
pub struct TestEnv {
    pub name: String,
    pub db: String,
    pub stream_key: String,
    pub redis_url: String,
    pub database_url: String,
    servers: &'static Servers,
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
        }
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

    /// A Redis connection.
    pub async fn redis(&self) -> ConnectionManager {
        let client = redis::Client::open(self.redis_url.as_str()).expect("redis url");
        client
            .get_connection_manager()
            .await
            .expect("redis connection")
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
