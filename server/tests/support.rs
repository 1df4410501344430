//! Test helpers: build the real binaries once, start `readycheck-server` as a process on a free
//! loopback port and read its address from its log, create tokens with its CLI, talk HTTP, make
//! a throw-away PostgreSQL cluster (initdb/pg_ctl, as the `postgres` user when root) that is
//! removed on every exit path, and skip — or fail under `CI` — when a prerequisite is missing.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// `target/debug` (or `release`) of this workspace, found from the test executable.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds the client and the plugin its test profile uses, once.
fn build_once() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace()).args([
            "build",
            "--quiet",
            "-p",
            "readycheck",
            "-p",
            "readycheck-resources",
            "-p",
            "readycheck-server",
        ]);
        if target_dir().file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        assert!(
            cmd.status().expect("run cargo build").success(),
            "cargo build failed"
        );
    });
}

/// The employee's `readycheck`.
pub fn client_bin() -> PathBuf {
    build_once();
    target_dir().join("readycheck")
}

/// `readycheck-server`.
pub fn server_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_readycheck-server"))
}

/// Skips a test whose prerequisite is missing, or fails it under CI.
pub fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("prerequisite missing under CI: {why}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipping: {why}");
    // Listed at the end of `./scripts/test`, so that a skip never passes for an `ok`.
    let test = std::thread::current().name().unwrap_or("?").to_string();
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(workspace().join("target/skipped-tests.txt"))
    {
        let _ = writeln!(f, "readycheck-server {test}: {why}");
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// A free TCP port on 127.0.0.1 (free when asked; good enough for tests).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `readycheck-server`.
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
    pub log: Arc<Mutex<String>>,
    pub data_dir: PathBuf,
    pub database: String,
}

/// How to start one.
#[derive(Clone, Default)]
pub struct Launch {
    pub data_dir: PathBuf,
    /// `--database`; empty: SQLite in the data dir.
    pub database: String,
    /// Extra TOML for a config file.
    pub config: String,
    /// Fixed port; 0 for any.
    pub port: u16,
}

impl Server {
    pub fn start(l: &Launch) -> Server {
        std::fs::create_dir_all(&l.data_dir).unwrap();
        let mut cmd = Command::new(server_bin());
        cmd.arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", l.port))
            .arg("--data-dir")
            .arg(&l.data_dir)
            .env_remove("READYCHECK_SERVER_CONFIG")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if !l.database.is_empty() {
            cmd.arg("--database").arg(&l.database);
        }
        if !l.config.is_empty() {
            let p = l.data_dir.join("config.toml");
            std::fs::write(&p, &l.config).unwrap();
            cmd.arg("--config").arg(p);
        }
        let mut child = cmd.spawn().expect("start readycheck-server");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains("listening")
                        && let Some(a) = line.split("address=").nth(1)
                    {
                        let _ = tx.send(a.split_whitespace().next().unwrap_or("").to_string());
                    }
                    log.lock().unwrap().push_str(&format!("{line}\n"));
                }
            });
        }
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a.parse().expect("address in the log"),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("readycheck-server did not start:\n{}", log.lock().unwrap());
            }
        };
        Server {
            child,
            addr,
            log,
            data_dir: l.data_dir.clone(),
            database: l.database.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `kill -9`.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Runs the server's CLI against this server's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        cli(&self.data_dir, &self.database, args)
    }

    /// A new token of `scope` for `site`.
    pub fn token(&self, scope: &str, site: &str) -> String {
        token(&self.data_dir, &self.database, scope, site)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `readycheck-server ARGS` on a data dir / database.
pub fn cli(data_dir: &Path, database: &str, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(server_bin());
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("READYCHECK_SERVER_CONFIG");
    if !database.is_empty() {
        cmd.arg("--database").arg(database);
    }
    cmd.output().expect("run readycheck-server")
}

pub fn token(data_dir: &Path, database: &str, scope: &str, site: &str) -> String {
    let out = cli(
        data_dir,
        database,
        &[
            "token", "create", "--site", site, "--label", "test", "--scope", scope,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An HTTP client that returns every status as a response.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// POSTs a body; returns status, `Retry-After` and body text.
pub fn post(
    url: &str,
    token: Option<&str>,
    key: Option<&str>,
    body: &[u8],
) -> (u16, Option<String>, String) {
    let mut req = agent().post(url).header("Content-Type", "application/json");
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let mut resp = req.send(body).expect("POST");
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    (
        resp.status().as_u16(),
        retry,
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// GETs JSON with a read token.
pub fn get_json(url: &str, token: &str) -> serde_json::Value {
    let mut resp = agent()
        .get(url)
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("GET");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "GET {url}: {text}");
    serde_json::from_str(&text).unwrap()
}

pub fn get_status(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = agent().get(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let mut resp = req.call().expect("GET");
    (
        resp.status().as_u16(),
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// A synthetic report's JSON text.
pub fn sample(host: &str, id: &str, started_at: &str, vpn_down: bool) -> String {
    readycheck_server::sample::report(&readycheck_server::sample::Sample {
        hostname: host,
        id,
        started_at,
        checks: 20,
        vpn_down,
        only: &[],
    })
    .to_string()
}

/// RFC 3339 of now − `ago`.
pub fn ago(ago: Duration) -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now() - ago).to_string()
}

/// Waits until `f` holds, or panics with `what`.
pub fn wait_for(what: &str, timeout: Duration, mut f: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Opens the store a server uses, for checks the API does not expose.
pub fn open_store(
    data_dir: &Path,
    database: &str,
) -> (tokio::runtime::Runtime, readycheck_server::store::Store) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = if database.is_empty() {
        readycheck_server::config::Database::Sqlite(data_dir.join("readycheck.db"))
    } else {
        readycheck_server::config::Database::parse(database, data_dir).unwrap()
    };
    let store = rt
        .block_on(readycheck_server::store::Store::open(&db, 2))
        .unwrap();
    (rt, store)
}

/// A throw-away PostgreSQL cluster on a free port, removed when dropped.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

impl Postgres {
    /// Starts one, or says why it cannot (the caller skips).
    pub fn start() -> Result<Postgres, String> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| {
                let mut v: Vec<PathBuf> = d.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect();
                v.sort();
                v.pop()
            })
            .ok_or("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; apt-get install postgresql)")?;
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("rc-pg-")
            .tempdir_in("/tmp")
            .map_err(|e| e.to_string())?;
        if as_postgres {
            let ok = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if !ok {
                return Err("cannot chown the cluster directory to the postgres user".into());
            }
        }
        let port = free_port();
        let pg = Postgres {
            dir,
            bin,
            port,
            as_postgres,
        };
        let data = pg.dir.path().join("data");
        let out = pg
            .run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-U",
                    "postgres",
                    "-A",
                    "trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            )
            .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            pg.dir.path().display()
        );
        let logfile = pg.dir.path().join("log");
        let out = pg
            .run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-o",
                    &opts,
                    "-l",
                    logfile.to_str().unwrap(),
                    "-w",
                    "start",
                ],
            )
            .map_err(|e| format!("pg_ctl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "pg_ctl start failed: {}{}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&logfile).unwrap_or_default()
            ));
        }
        Ok(pg)
    }

    fn run(&self, tool: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
        let exe = self.bin.join(tool);
        if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(exe)
                .args(args)
                .current_dir("/tmp")
                .output()
        } else {
            Command::new(exe).args(args).output()
        }
    }

    /// A new database in the cluster; its URL.
    pub fn database(&self, name: &str) -> String {
        let out = self
            .run(
                "createdb",
                &[
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                    name,
                ],
            )
            .expect("createdb");
        assert!(
            out.status.success(),
            "createdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

/// Starts PostgreSQL or skips (panics under CI).
pub fn postgres_or_skip() -> Option<Postgres> {
    match Postgres::start() {
        Ok(p) => Some(p),
        Err(why) => {
            skip(&why);
            None
        }
    }
}
