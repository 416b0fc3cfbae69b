//! The README's "run it" command without Docker: `scripts/run-local.sh`
//! brings up Redis, Postgres, the simulator, producer and consumer; within a
//! minute the tables hold the simulated league and `status` shows events;
//! Ctrl-C (SIGINT) stops everything.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use sleeper_tests::harness::servers::free_port;
use sleeper_tests::harness::Bin;

use crate::support::eventually;

/// `sleeper-consumer status --json` against the demo's Redis and Postgres.
fn status(redis_url: &str, database_url: &str) -> serde_json::Value {
    let status = Command::new(Bin::consumer().path())
        .args(["status", "--json"])
        .env("REDIS_URL", redis_url)
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    serde_json::from_slice(&status.stdout).unwrap()
}

/// Ctrl-C (SIGINT) and wait up to `limit` for the exit status; killed
/// after that either way.
fn interrupt(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let deadline = std::time::Instant::now() + limit;
    let exited = loop {
        if let Ok(Some(s)) = child.try_wait() {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    exited
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_local_brings_up_the_demo_and_stops_cleanly() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let bin_dir = Bin::consumer()
        .path()
        .parent()
        .expect("target dir")
        .to_path_buf();
    let data = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (redis_port, pg_port, sim_port, p_http, c_http) = (
        free_port(),
        free_port(),
        free_port(),
        free_port(),
        free_port(),
    );
    let mut child = Command::new("bash")
        .arg(root.join("scripts/run-local.sh"))
        .env("DATA_DIR", data.path().join("d"))
        .env("BIN_DIR", &bin_dir)
        .env("REDIS_PORT", redis_port.to_string())
        .env("PG_PORT", pg_port.to_string())
        .env("SIM_PORT", sim_port.to_string())
        .env("PRODUCER_HTTP", format!("127.0.0.1:{p_http}"))
        .env("CONSUMER_HTTP", format!("127.0.0.1:{c_http}"))
        .env_remove("SLEEPER_LEAGUE_IDS")
        .env_remove("PRIMARY_LEAGUE_ID")
        .env_remove("SLEEPER_USERNAME")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run-local.sh");

    let url = format!("postgres://postgres@127.0.0.1:{pg_port}/sleeper");
    let rosters = eventually(
        Duration::from_secs(90),
        "the demo league's rosters in Postgres",
        || {
            let url = url.clone();
            async move {
                let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                    .await
                    .ok()?;
                tokio::spawn(conn);
                let n: i64 = client
                    .query_one("SELECT count(*) FROM sleeper.rosters", &[])
                    .await
                    .ok()?
                    .get(0);
                (n > 0).then_some(n)
            }
        },
    )
    .await;
    assert!(
        rosters >= 12,
        "a simulated league has 12 rosters, got {rosters}"
    );

    let pass = std::fs::read_to_string(data.path().join("d/redis.pass")).unwrap();
    let redis_url = format!("redis://:{}@127.0.0.1:{redis_port}", pass.trim());
    let v = status(&redis_url, &url);
    assert!(v["stream"]["length"].as_u64().unwrap_or(0) > 0, "{v}");
    assert!(
        v["archive"]["Ok"]["events"].as_i64().unwrap_or(0) > 0,
        "{v}"
    );

    let exited = interrupt(&mut child, Duration::from_secs(30));
    assert!(
        exited.is_some(),
        "run-local.sh did not stop within 30 s of Ctrl-C"
    );
    for port in [redis_port, pg_port, sim_port, p_http, c_http] {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} still open after Ctrl-C"
        );
    }
}
