//! Waiting: for any condition, and for consumer groups to drain a stream.

use std::future::Future;
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// Poll `f` until it returns `Some`, or panic after `limit` naming `what`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait up to `limit` until every group of `groups` has nothing pending
/// and no lag on `stream` (every entry read and acked).
pub async fn drained(conn: &ConnectionManager, stream: &str, groups: &[&str], limit: Duration) {
    let what = format!("groups {groups:?} of {stream} drained");
    eventually(limit, &what, || {
        let mut conn = conn.clone();
        async move {
            let lag = sleeper_shared::lag::read(&mut conn, stream, 0).await.ok()?;
            groups
                .iter()
                .all(|group| {
                    lag.groups
                        .iter()
                        .any(|g| g.group == *group && g.pending == 0 && g.lag_events == 0)
                })
                .then_some(())
        }
    })
    .await;
}
