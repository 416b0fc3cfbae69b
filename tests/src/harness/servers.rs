//! Real `redis-server` and Postgres processes for tests, started once per
//! test binary on free ports and torn down when it exits.
//!
//! A missing binary is a failure whose message says what to install — never
//! a skip. Postgres refuses to run as root, so as root the cluster is
//! created and run as the `postgres` user. Every child gets
//! `PR_SET_PDEATHSIG` from a long-lived thread, so a test binary that dies
//! hard takes its servers with it; a normal exit runs an `atexit` cleanup.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free port on 127.0.0.1")
}

static CHILDREN: Mutex<Vec<(u32, PathBuf)>> = Mutex::new(Vec::new());

extern "C" fn cleanup_at_exit() {
    if let Ok(children) = CHILDREN.lock() {
        for (pid, dir) in children.iter() {
            // SIGQUIT: Postgres's immediate shutdown; Redis exits on it too.
            unsafe { libc::kill(*pid as i32, libc::SIGQUIT) };
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline && unsafe { libc::kill(*pid as i32, 0) } == 0 {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn register(pid: u32, dir: PathBuf) {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| unsafe {
        libc::atexit(cleanup_at_exit);
    });
    if let Ok(mut c) = CHILDREN.lock() {
        c.push((pid, dir));
    }
}

/// Remove `pid` from the exit cleanup (it was stopped on purpose).
fn unregister(pid: u32) {
    if let Ok(mut c) = CHILDREN.lock() {
        c.retain(|(p, _)| *p != pid);
    }
}

/// Locate a server binary or fail with the install command.
pub fn find_binary(name: &str, extra_dirs: &[&str], install: &str) -> PathBuf {
    let from_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name));
    let extra = extra_dirs.iter().map(|d| Path::new(d).join(name));
    extra.chain(from_path).find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("`{name}` is not installed; the tests need the real server. Install it with: {install}")
    })
}

struct RunAs {
    uid: u32,
    gid: u32,
}

/// As root, the `postgres` user; otherwise ourselves.
fn postgres_user() -> Option<RunAs> {
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").ok()?;
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        panic!("running as root, and Postgres refuses root: create the `postgres` user (apt-get install postgresql creates it)");
    }
    Some(unsafe {
        RunAs {
            uid: (*pw).pw_uid,
            gid: (*pw).pw_gid,
        }
    })
}

fn chown(path: &Path, who: &Option<RunAs>) {
    if let Some(u) = who {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
        unsafe { libc::chown(c.as_ptr(), u.uid, u.gid) };
    }
}

/// Spawn with `PR_SET_PDEATHSIG` from a thread that lives as long as the process
/// (the signal fires when the *thread* that forked exits).
type SpawnRequest = (Command, std::sync::mpsc::Sender<std::io::Result<Child>>);

fn spawn_detached(mut cmd: Command) -> std::io::Result<Child> {
    static SPAWNER: OnceLock<Mutex<std::sync::mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) =
            std::sync::mpsc::channel::<(Command, std::sync::mpsc::Sender<std::io::Result<Child>>)>(
            );
        std::thread::spawn(move || {
            for (mut cmd, reply) in rx {
                let _ = reply.send(cmd.spawn());
            }
        });
        Mutex::new(tx)
    });
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let (reply_tx, reply_rx) = std::sync::mpsc::channel();
    tx.lock()
        .expect("spawner")
        .send((cmd, reply_tx))
        .expect("spawner thread");
    reply_rx.recv().expect("spawner reply")
}

fn wait_for_port(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let tail = std::fs::read_to_string(log).unwrap_or_default();
    panic!("{what} did not start listening on port {port} within 30s; its log:\n{tail}");
}

fn scratch_dir(prefix: &str) -> PathBuf {
    let base = std::env::temp_dir().join("sleeper-sync-tests");
    std::fs::create_dir_all(&base).expect("temp dir");
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in(&base)
        .expect("temp dir")
        .keep();
    // Postgres (as user postgres) must be able to reach into it.
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755));
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    dir
}

/// Options for a Redis server.
#[derive(Debug, Clone)]
pub struct RedisOptions {
    pub password: String,
    /// `appendonly yes` + `appendfsync everysec`, as in production.
    pub aof: bool,
}

impl Default for RedisOptions {
    fn default() -> Self {
        Self {
            password: "test-redis-pw".into(),
            aof: false,
        }
    }
}

/// A running `redis-server`.
pub struct RedisServer {
    pub port: u16,
    pub dir: PathBuf,
    pub options: RedisOptions,
    child: Mutex<Option<Child>>,
}

impl RedisServer {
    /// Start a server on a free port.
    pub fn start(options: RedisOptions) -> Self {
        let server = Self {
            port: free_port(),
            dir: scratch_dir("redis-"),
            options,
            child: Mutex::new(None),
        };
        server.launch();
        server
    }

    fn launch(&self) {
        let bin = find_binary("redis-server", &[], "apt-get install -y redis-server");
        let log = self.dir.join("redis.log");
        let mut cmd = Command::new(bin);
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(&self.dir)
            .arg("--requirepass")
            .arg(&self.options.password)
            .arg("--save")
            .arg("")
            .arg("--maxmemory-policy")
            .arg("noeviction")
            .arg("--logfile")
            .arg(&log)
            .arg("--daemonize")
            .arg("no");
        if self.options.aof {
            cmd.arg("--appendonly")
                .arg("yes")
                .arg("--appendfsync")
                .arg("everysec");
        } else {
            cmd.arg("--appendonly").arg("no");
        }
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let child = spawn_detached(cmd).expect("spawning redis-server");
        register(child.id(), self.dir.clone());
        *self.child.lock().expect("child") = Some(child);
        wait_for_port(self.port, "redis-server", &log);
    }

    /// `redis://:<password>@127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://:{}@127.0.0.1:{}", self.options.password, self.port)
    }

    /// SIGKILL the server (a crash). Its data directory stays for [`RedisServer::restart`].
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().expect("child").take() {
            unregister(child.id());
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Start again on the same port and directory (AOF replayed if enabled).
    pub fn restart(&self) {
        self.launch();
    }
}

/// A running Postgres cluster with trust auth for `postgres` on 127.0.0.1.
pub struct PostgresServer {
    pub port: u16,
    pub dir: PathBuf,
    bin_dir: PathBuf,
    child: Mutex<Option<Child>>,
}

const PG_DIRS: &[&str] = &[
    "/usr/lib/postgresql/17/bin",
    "/usr/lib/postgresql/16/bin",
    "/usr/lib/postgresql/15/bin",
];

impl PostgresServer {
    /// `initdb` a fresh cluster and start it.
    pub fn start() -> Self {
        let initdb = find_binary("initdb", PG_DIRS, "apt-get install -y postgresql");
        let bin_dir = initdb.parent().expect("bin dir").to_path_buf();
        let dir = scratch_dir("pg-");
        let data = dir.join("data");
        let who = postgres_user();
        chown(&dir, &who);
        let mut cmd = Command::new(&initdb);
        cmd.arg("-D")
            .arg(&data)
            .arg("-U")
            .arg("postgres")
            .arg("--auth=trust")
            .arg("-N")
            .arg("-E")
            .arg("UTF8")
            .arg("--locale=C");
        if let Some(u) = &who {
            cmd.uid(u.uid).gid(u.gid);
        }
        let out = cmd.output().expect("running initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let server = Self {
            port: free_port(),
            dir,
            bin_dir,
            child: Mutex::new(None),
        };
        server.launch();
        server
    }

    fn launch(&self) {
        let who = postgres_user();
        let log = self.dir.join("postgres.log");
        let logfile = std::fs::File::create(&log).expect("pg log");
        chown(&log, &who);
        let mut cmd = Command::new(self.bin_dir.join("postgres"));
        cmd.arg("-D")
            .arg(self.dir.join("data"))
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-k")
            .arg(&self.dir)
            .args([
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
            ])
            .args([
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=400",
                "-c",
                "shared_buffers=128MB",
            ])
            .stdout(Stdio::null())
            .stderr(logfile);
        if let Some(u) = &who {
            cmd.uid(u.uid).gid(u.gid);
        }
        let child = spawn_detached(cmd).expect("spawning postgres");
        register(child.id(), self.dir.clone());
        *self.child.lock().expect("child") = Some(child);
        wait_for_port(self.port, "postgres", &log);
        // Listening is not accepting yet: wait for a real session.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = Command::new(self.bin_dir.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
                .output();
            if out.map(|o| o.status.success()).unwrap_or(false) {
                break;
            }
            assert!(Instant::now() < deadline, "postgres never became ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// URL of database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Stop the server (fast shutdown) — an outage.
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().expect("child").take() {
            unregister(child.id());
            // SIGINT: fast shutdown (sessions are cut, data is safe).
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            let _ = child.wait();
        }
    }

    /// Start again after [`PostgresServer::stop`].
    pub fn restart(&self) {
        self.launch();
    }
}

/// The shared servers of this test binary.
pub struct Servers {
    pub redis: RedisServer,
    pub postgres: PostgresServer,
}

/// Start (once) and return the servers shared by every test of this binary.
pub fn shared() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let redis = RedisServer::start(RedisOptions::default());
        let postgres = PostgresServer::start();
        Servers { redis, postgres }
    })
}
