//! Readiness: each dependency is a named check; `/ready` is 200 only when all pass.

use futures::future::BoxFuture;
use serde::Serialize;

/// The outcome of one check. `detail` must never carry a credential.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckResult {
    pub name: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A dependency that can be checked (Redis, Postgres, …).
pub trait Check: Send + Sync + 'static {
    /// Run the check; implementations bound their own time.
    fn check(&self) -> BoxFuture<'_, CheckResult>;
}

/// The `/ready` body.
#[derive(Debug, Clone, Serialize)]
pub struct ReadyReport {
    pub ready: bool,
    pub checks: Vec<CheckResult>,
}

impl ReadyReport {
    /// Run every check concurrently.
    pub async fn run(checks: &[Box<dyn Check>]) -> Self {
        let results = futures::future::join_all(checks.iter().map(|c| c.check())).await;
        Self {
            ready: results.iter().all(|r| r.ok),
            checks: results,
        }
    }
}

/// Redis answers `PING` within two seconds (both binaries).
pub struct RedisCheck {
    conn: redis::aio::ConnectionManager,
}

impl RedisCheck {
    pub fn new(conn: redis::aio::ConnectionManager) -> Self {
        Self { conn }
    }
}

impl Check for RedisCheck {
    fn check(&self) -> BoxFuture<'_, CheckResult> {
        use futures::FutureExt;
        let mut conn = self.conn.clone();
        async move {
            let ping = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                redis::cmd("PING").query_async::<String>(&mut conn),
            )
            .await;
            let (ok, detail) = match ping {
                Ok(Ok(_)) => (true, None),
                // The error kind only: messages may quote the URL.
                Ok(Err(e)) => (false, Some(format!("redis error: {:?}", e.kind()))),
                Err(_) => (false, Some("redis did not answer within 2s".to_string())),
            };
            CheckResult {
                name: "redis",
                ok,
                detail,
            }
        }
        .boxed()
    }
}
