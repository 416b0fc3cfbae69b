//! The README's "run it" command without Docker: `scripts/run-local.sh`
//! brings up Redis, Postgres, the simulator, producer and consumer; within a
//! minute the tables hold the simulated league and `status` shows events.
//! Ctrl-C stops everything, Postgres included, even with its output pipe
//! gone (`… | tee log`, then Ctrl-C); and a test that fails half-way leaves
//! no process behind: the script runs in a process group of its own, with
//! default signal dispositions whatever the test inherited, and the guard
//! that started it stops the whole group and the Postgres it detached.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use sleeper_tests::harness::servers::free_port;
use sleeper_tests::harness::Bin;

use crate::support::eventually;

/// `scripts/run-local.sh` running in a process group of its own, stopped
/// (group, and the Postgres that `pg_ctl` detached from it) when dropped.
struct RunLocal {
    child: Child,
    data: tempfile::TempDir,
    ports: Ports,
}

#[derive(Clone, Copy)]
struct Ports {
    redis: u16,
    pg: u16,
    sim: u16,
    producer: u16,
    consumer: u16,
}

impl Ports {
    fn all(self) -> [u16; 5] {
        [self.redis, self.pg, self.sim, self.producer, self.consumer]
    }
}

impl RunLocal {
    fn start() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let bin_dir = Bin::consumer()
            .path()
            .parent()
            .expect("target dir")
            .to_path_buf();
        let data = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let ports = Ports {
            redis: free_port(),
            pg: free_port(),
            sim: free_port(),
            producer: free_port(),
            consumer: free_port(),
        };
        let mut cmd = Command::new("bash");
        cmd.arg(root.join("scripts/run-local.sh"))
            .env("DATA_DIR", data.path().join("d"))
            .env("BIN_DIR", &bin_dir)
            .env("REDIS_PORT", ports.redis.to_string())
            .env("PG_PORT", ports.pg.to_string())
            .env("SIM_PORT", ports.sim.to_string())
            .env("PRODUCER_HTTP", format!("127.0.0.1:{}", ports.producer))
            .env("CONSUMER_HTTP", format!("127.0.0.1:{}", ports.consumer))
            .env_remove("SLEEPER_LEAGUE_IDS")
            .env_remove("PRIMARY_LEAGUE_ID")
            .env_remove("SLEEPER_USERNAME")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // A process started in the background inherits SIGINT ignored: give
        // the script the dispositions a terminal would.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                libc::signal(libc::SIGHUP, libc::SIG_DFL);
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("run-local.sh");
        Self { child, data, ports }
    }

    fn data_dir(&self) -> PathBuf {
        self.data.path().join("d")
    }

    fn database_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/sleeper", self.ports.pg)
    }

    /// The postmaster's pid, while its pid file exists.
    fn postmaster(&self) -> Option<i32> {
        let text = std::fs::read_to_string(self.data_dir().join("pg/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Wait until the demo league's rosters are in Postgres; their count.
    async fn until_rosters(&self) -> i64 {
        let url = self.database_url();
        eventually(
            Duration::from_secs(90),
            "the demo league's rosters in Postgres",
            || {
                let url = url.clone();
                async move {
                    let n: i64 = query_one(&url, "SELECT count(*) FROM sleeper.rosters")
                        .await?
                        .get(0);
                    (n > 0).then_some(n)
                }
            },
        )
        .await
    }

    /// Wait until the lineup-efficiency example the script prints has a
    /// roster whose best lineup scores; (rosters, rosters with optimal ≥ actual).
    async fn until_lineups(&self) -> (i64, i64) {
        let url = self.database_url();
        eventually(
            Duration::from_secs(120),
            "a scored lineup in sleeper.lineup_efficiency",
            || {
                let url = url.clone();
                async move {
                    let r = query_one(
                        &url,
                        "SELECT count(*), count(*) FILTER (WHERE optimal_points >= actual_points),
                                count(*) FILTER (WHERE optimal_points > 0)
                         FROM sleeper.lineup_efficiency",
                    )
                    .await?;
                    let (n, fine, scored): (i64, i64, i64) = (r.get(0), r.get(1), r.get(2));
                    (scored > 0).then_some((n, fine))
                }
            },
        )
        .await
    }

    /// Send `signal` to the script alone (as a terminal's Ctrl-C reaches
    /// it) and wait up to `limit` for it to exit.
    fn signal_and_wait(&mut self, signal: i32, limit: Duration) -> Option<ExitStatus> {
        unsafe { libc::kill(self.child.id() as i32, signal) };
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    /// What the script wrote to stderr (after it exited).
    fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            use std::io::Read;
            let _ = err.read_to_string(&mut text);
        }
        text
    }

    /// Whether anything of the run is left: a process of its group, the
    /// postmaster, or a listening port.
    fn leftovers(&self) -> Vec<String> {
        let mut left = Vec::new();
        if alive(-(self.child.id() as i32)) {
            left.push(format!("process group {}", self.child.id()));
        }
        if let Some(pid) = self.postmaster().filter(|pid| alive(*pid)) {
            left.push(format!("postmaster {pid}"));
        }
        for port in self.ports.all() {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                left.push(format!("port {port}"));
            }
        }
        left
    }
}

impl Drop for RunLocal {
    fn drop(&mut self) {
        let group = -(self.child.id() as i32);
        unsafe { libc::kill(group, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while alive(group) && Instant::now() < deadline {
            let _ = self.child.try_wait();
            std::thread::sleep(Duration::from_millis(100));
        }
        // pg_ctl detaches the postmaster into a session of its own.
        if let Some(pid) = self.postmaster().filter(|pid| alive(*pid)) {
            unsafe { libc::kill(pid, libc::SIGQUIT) };
            let deadline = Instant::now() + Duration::from_secs(10);
            while alive(pid) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        unsafe { libc::kill(group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// The `(state, process group)` of every process, from `/proc/<pid>/stat`.
/// One row of `sql` on the demo's database; `None` while it is not up.
async fn query_one(url: &str, sql: &str) -> Option<tokio_postgres::Row> {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .ok()?;
    tokio::spawn(conn);
    client.query_one(sql, &[]).await.ok()
}

fn processes() -> Vec<(i32, char, i32)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: i32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state ppid pgrp …`; comm may hold spaces.
        let mut rest = stat.rsplit_once(')')?.1.split_whitespace();
        let state = rest.next()?.chars().next()?;
        let pgrp = rest.nth(1)?.parse().ok()?;
        Some((pid, state, pgrp))
    })
    .collect()
}

/// Whether a process runs (a zombie waiting for its reaper does not), or,
/// for a negative `pid`, any process of that process group.
fn alive(pid: i32) -> bool {
    processes()
        .into_iter()
        .filter(|(_, state, _)| *state != 'Z')
        .any(|(p, _, group)| if pid < 0 { group == -pid } else { p == pid })
}

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_local_brings_up_the_demo_and_ctrl_c_stops_everything_even_with_its_output_gone() {
    let mut run = RunLocal::start();
    let rosters = run.until_rosters().await;
    assert!(
        rosters >= 12,
        "a simulated league has 12 rosters, got {rosters}"
    );
    let (lineups, sound) = run.until_lineups().await;
    assert_eq!(sound, lineups, "an optimal lineup below the actual one");
    let pass = std::fs::read_to_string(run.data_dir().join("redis.pass")).unwrap();
    let redis_url = format!("redis://:{}@127.0.0.1:{}", pass.trim(), run.ports.redis);
    let v = status(&redis_url, &run.database_url());
    assert!(v["stream"]["length"].as_u64().unwrap_or(0) > 0, "{v}");
    assert!(
        v["archive"]["Ok"]["events"].as_i64().unwrap_or(0) > 0,
        "{v}"
    );
    let postmaster = run.postmaster().expect("postmaster.pid");

    // The reader of its output is gone (a `tee` killed by the same Ctrl-C).
    drop(run.child.stdout.take());
    let exited = run.signal_and_wait(libc::SIGINT, Duration::from_secs(30));
    assert!(
        exited.is_some(),
        "run-local.sh did not stop within 30 s of Ctrl-C"
    );
    assert!(
        !alive(postmaster),
        "Postgres still runs after Ctrl-C (the script exited {exited:?}):\n{}",
        run.stderr()
    );
    assert_eq!(run.leftovers(), Vec::<String>::new(), "left after Ctrl-C");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_local_test_that_fails_half_way_leaves_no_process_behind() {
    let (send, receive) = tokio::sync::oneshot::channel();
    let failing = tokio::spawn(async move {
        let run = RunLocal::start();
        run.until_rosters().await;
        let _ = send.send((run.child.id() as i32, run.postmaster(), run.ports));
        panic!("a simulated failure in the middle of a run-local test");
    });
    let failed = failing.await;
    assert!(failed.is_err_and(|e| e.is_panic()));
    let (group, postmaster, ports) = receive.await.expect("the run came up first");
    assert!(!alive(-group), "a process of the run is left");
    assert!(
        postmaster.is_some_and(|pid| !alive(pid)),
        "Postgres is left"
    );
    for port in ports.all() {
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "port {port} is left open"
        );
    }
}
