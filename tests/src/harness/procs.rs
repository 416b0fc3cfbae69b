//! The project's binaries, run as real processes.
//!
//! `cargo test --workspace` builds them next to the test binary's `deps/`
//! folder; a missing one fails with the command that builds it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// One of the workspace's binaries.
pub struct Bin {
    path: PathBuf,
}

impl Bin {
    fn find(name: &str) -> Self {
        let exe = std::env::current_exe().expect("current exe");
        // target/<profile>/deps/<test> → target/<profile>/<name>
        let dir = exe.parent().and_then(|d| d.parent()).expect("target dir");
        let path = dir.join(name);
        assert!(
            path.is_file(),
            "{} is missing: build the workspace binaries first (`cargo build --workspace`, or run `cargo test --workspace`)",
            path.display()
        );
        Self { path }
    }

    /// `sleeper-producer`.
    pub fn producer() -> Self {
        Self::find("sleeper-producer")
    }

    /// `sleeper-consumer`.
    pub fn consumer() -> Self {
        Self::find("sleeper-consumer")
    }

    /// Where the binary is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run to completion with `vars`, returning status, stdout and stderr.
    pub fn run(&self, args: &[&str], vars: &[(String, String)]) -> Output {
        let out = self.command(args, vars).output().expect("running binary");
        Output {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Start in the background; killed when the [`Proc`] drops. Without an
    /// explicit `HTTP_ADDR` it gets a free port (tests run in parallel, and
    /// the default port would collide).
    pub fn spawn(&self, args: &[&str], vars: &[(String, String)]) -> Proc {
        let log = tempfile::NamedTempFile::new().expect("log file");
        let mut vars = vars.to_vec();
        if !vars.iter().any(|(k, _)| k == "HTTP_ADDR") {
            vars.push((
                "HTTP_ADDR".into(),
                format!("127.0.0.1:{}", super::servers::free_port()),
            ));
        }
        let mut cmd = self.command(args, &vars);
        cmd.stdout(Stdio::null()).stderr(log.reopen().expect("log"));
        Proc {
            child: cmd.spawn().expect("spawning binary"),
            log,
        }
    }

    fn command(&self, args: &[&str], vars: &[(String, String)]) -> Command {
        let mut cmd = Command::new(&self.path);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd
    }
}

/// Run `sleeper-consumer migrate` with `vars`; a failure fails the test
/// with its stderr.
pub fn migrate(vars: &[(String, String)]) {
    let out = Bin::consumer().run(&["migrate"], vars);
    assert!(out.status.success(), "migrate failed: {}", out.stderr);
}

/// A finished run.
#[derive(Debug)]
pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// A background process.
pub struct Proc {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl Proc {
    /// Its stderr so far (logs).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// SIGKILL, no chance to clean up (a crash).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait up to `limit` for the exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<ExitStatus> {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Whether it is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
