//! `readycheck-server-bench`: the server's figures on this machine, medians of several runs.
//!
//! 1. Ingest throughput over HTTP (the release `readycheck-server` as a process, several client
//!    threads with keep-alive, realistic 14–28 KB reports): SQLite, and PostgreSQL when
//!    `initdb` is installed (a throw-away cluster).
//! 2. A fleet corpus (`BENCH_HOSTS` hosts × `BENCH_HISTORY` reports each, full bodies) loaded
//!    into the store, then through the server: "latest report per host" (all hosts, one page),
//!    a filtered list, one host's history, the fleet summary; the server's peak RSS.
//! 3. The same hosts' latest reports as files through `readycheck summarize -f json`.
//!
//! Build with `cargo build --release -p readycheck -p readycheck-server`, then run
//! `./target/release/readycheck-server-bench`. `BENCH_RUNS`, `BENCH_INGEST`, `BENCH_HOSTS`,
//! `BENCH_HISTORY` change the sizes; `BENCH_PG=0` leaves PostgreSQL out.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use readycheck_server::config::Database;
use readycheck_server::ingest::{Ingestor, Submission};
use readycheck_server::sample::{Sample, report};
use readycheck_server::store::Store;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn say(s: &str) {
    let _ = writeln!(std::io::stdout(), "{s}");
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn exe_dir() -> PathBuf {
    std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf()
}

fn rfc(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// A running server process.
struct Proc {
    child: Child,
    addr: String,
}

impl Proc {
    fn start(data: &Path, database: &str) -> Proc {
        let mut cmd = Command::new(exe_dir().join("readycheck-server"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .env("RUST_LOG", "warn,readycheck_server::serve=info")
            .env_remove("READYCHECK_SERVER_CONFIG")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        let cfg = data.join("bench.toml");
        std::fs::create_dir_all(data).unwrap();
        std::fs::write(&cfg, "[ingest]\nrate_per_minute = 10000000\nburst = 10000000\n[read]\nrequire_token = false\n[database]\nmax_connections = 16\n").unwrap();
        cmd.arg("--config").arg(&cfg);
        if !database.is_empty() {
            cmd.args(["--database", database]);
        }
        let mut child = cmd
            .spawn()
            .expect("start readycheck-server (build it with --release)");
        let err = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(a) = line.split("address=").nth(1) {
                    let _ = tx.send(a.split_whitespace().next().unwrap_or("").to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("server started");
        Proc { child, addr }
    }

    fn rss_peak_mb(&self) -> f64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok())
            .map(|k| k / 1024.0)
            .unwrap_or(0.0)
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(data: &Path, database: &str) -> String {
    let mut cmd = Command::new(exe_dir().join("readycheck-server"));
    cmd.args(["token", "create", "--site", "bench", "--data-dir"])
        .arg(data)
        .env_remove("READYCHECK_SERVER_CONFIG");
    if !database.is_empty() {
        cmd.args(["--database", database]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(300)))
        .build()
        .into()
}

/// Reports per second for `bodies` POSTed by `threads` clients.
fn ingest_run(addr: &str, token: &str, bodies: Arc<Vec<(String, String)>>, threads: usize) -> f64 {
    let t0 = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (bodies, url, auth) = (
                bodies.clone(),
                format!("http://{addr}/api/v1/reports"),
                format!("Bearer {token}"),
            );
            std::thread::spawn(move || {
                let a = agent();
                for (id, body) in bodies.iter().skip(t).step_by(threads) {
                    let resp = a
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .header("Authorization", &auth)
                        .header("Idempotency-Key", id)
                        .send(body.as_bytes())
                        .expect("POST");
                    assert_eq!(resp.status().as_u16(), 201);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    bodies.len() as f64 / t0.elapsed().as_secs_f64()
}

fn bodies(prefix: &str, n: usize) -> Vec<(String, String)> {
    let now = SystemTime::now();
    (0..n)
        .map(|i| {
            let id = format!("{prefix}-{i:07}");
            let body = report(&Sample {
                hostname: &format!("pc-{:06}", i % 5000),
                id: &id,
                started_at: &rfc(now - Duration::from_secs((n - i) as u64)),
                checks: 10 + (i % 11),
                vpn_down: i % 10 == 0,
                only: &[],
            })
            .to_string();
            (id, body)
        })
        .collect()
}

fn ingest_bench(name: &str, database: &dyn Fn(&str) -> String, runs: usize, n: usize) {
    let mut rates = Vec::new();
    let mut size = 0;
    for r in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        let db = database(&format!("ingest{r}"));
        let tok = token(dir.path(), &db);
        let server = Proc::start(dir.path(), &db);
        let b = Arc::new(bodies(&format!("ing{r}"), n));
        size = b.iter().map(|(_, x)| x.len()).sum::<usize>() / b.len();
        rates.push(ingest_run(&server.addr, &tok, b, 8));
    }
    say(&format!(
        "ingest {name:<10} {:>7.0} reports/s (median of {runs}; runs {}) · {n} reports of {:.1} KB average, 8 clients, keep-alive",
        median(rates.clone()),
        rates
            .iter()
            .map(|r| format!("{r:.0}"))
            .collect::<Vec<_>>()
            .join(", "),
        size as f64 / 1024.0
    ));
}

fn time_get(addr: &str, path: &str, runs: usize) -> (f64, usize) {
    let a = agent();
    let mut ms = Vec::new();
    let mut len = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut resp = a.get(&format!("http://{addr}{path}")).call().expect("GET");
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        len = resp
            .body_mut()
            .with_config()
            .limit(u64::MAX)
            .read_to_vec()
            .unwrap()
            .len();
        ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    (median(ms), len)
}

/// Loads hosts × history reports straight into the store (the ingest's own checks included).
fn load_corpus(db: &Database, hosts: usize, history: usize, files: Option<&Path>) -> (f64, f64) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = Arc::new(rt.block_on(Store::open(db, 8)).unwrap());
    let ingestor = Arc::new(Ingestor::new(Duration::from_secs(600)));
    let now = SystemTime::now();
    let t0 = Instant::now();
    let mut bytes = 0usize;
    let workers = 4;
    for day in (0..history).rev() {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (store, ingestor) = (store.clone(), ingestor.clone());
                let files = files.map(Path::to_path_buf);
                let handle = rt.handle().clone();
                std::thread::spawn(move || {
                    let mut bytes = 0;
                    for h in (w..hosts).step_by(workers) {
                        let id = format!("c-{h:06}-{day:02}");
                        let host = format!("pc-{h:06}");
                        let body = report(&Sample {
                            hostname: &host,
                            id: &id,
                            started_at: &rfc(
                                now - Duration::from_secs(86_400 * day as u64 + h as u64 % 3600)
                            ),
                            checks: 10 + (h % 11),
                            vpn_down: (h + day) % 17 == 0,
                            only: &[],
                        })
                        .to_string();
                        bytes += body.len();
                        if day == 0
                            && let Some(dir) = &files
                        {
                            std::fs::write(dir.join(format!("{id}.json")), &body).unwrap();
                        }
                        let sub = Submission {
                            body: body.as_bytes(),
                            idempotency_key: None,
                            token: None,
                            remote_addr: "127.0.0.1".into(),
                            now,
                        };
                        handle.block_on(ingestor.ingest(&store, &sub)).unwrap();
                    }
                    bytes
                })
            })
            .collect();
        for h in handles {
            bytes += h.join().unwrap();
        }
    }
    rt.block_on(store.close());
    let n = hosts * history;
    (
        n as f64 / t0.elapsed().as_secs_f64(),
        bytes as f64 / n as f64 / 1024.0,
    )
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.flatten()
                .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
                .sum()
        })
        .unwrap_or(0)
}

fn corpus_bench(
    name: &str,
    db_url: &str,
    dir: &Path,
    hosts: usize,
    history: usize,
    runs: usize,
    files: Option<&Path>,
) {
    let db = if db_url.is_empty() {
        Database::Sqlite(dir.join("readycheck.db"))
    } else {
        Database::parse(db_url, dir).unwrap()
    };
    let (rate, kb) = load_corpus(&db, hosts, history, files);
    say(&format!(
        "corpus {name:<10} {hosts} hosts × {history} reports = {} reports of {kb:.1} KB loaded at {rate:.0}/s{}",
        hosts * history,
        if db_url.is_empty() {
            format!("; database {:.2} GB", dir_size(dir) as f64 / 1e9)
        } else {
            String::new()
        }
    ));
    let server = Proc::start(dir, db_url);
    let (ms, len) = time_get(&server.addr, "/api/v1/hosts?limit=100000", runs);
    say(&format!(
        "  latest report per host, all {hosts} hosts (GET /api/v1/hosts?limit=100000): {ms:.0} ms median, {:.1} MB JSON",
        len as f64 / 1e6
    ));
    let (ms, len) = time_get(
        &server.addr,
        "/api/v1/hosts?verdict=not_ready&limit=100000",
        runs,
    );
    say(&format!(
        "  not-ready hosts (GET /api/v1/hosts?verdict=not_ready): {ms:.0} ms median, {:.1} MB",
        len as f64 / 1e6
    ));
    let (ms, _) = time_get(&server.addr, "/api/v1/hosts?limit=100", runs);
    say(&format!("  first page of 100 hosts: {ms:.1} ms median"));
    let (ms, _) = time_get(&server.addr, "/api/v1/hosts/pc-000042/reports", runs);
    say(&format!("  one host's history: {ms:.1} ms median"));
    let (ms, _) = time_get(&server.addr, "/api/v1/reports/c-000042-00/html", runs);
    say(&format!("  one report rendered as HTML: {ms:.1} ms median"));
    let (ms, _) = time_get(&server.addr, "/api/v1/summary", runs);
    say(&format!(
        "  fleet summary (GET /api/v1/summary, = summarize -f json): {ms:.0} ms median"
    ));
    say(&format!(
        "  server peak RSS after these: {:.0} MB",
        server.rss_peak_mb()
    ));
}

fn main() {
    let runs = env_num("BENCH_RUNS", 3);
    let n = env_num("BENCH_INGEST", 3000);
    let hosts = env_num("BENCH_HOSTS", 100_000);
    let history = env_num("BENCH_HISTORY", 2);
    let pg = if std::env::var("BENCH_PG").as_deref() == Ok("0") {
        None
    } else {
        pg::Cluster::start()
            .map_err(|e| say(&format!("PostgreSQL left out: {e}")))
            .ok()
    };
    say(&format!(
        "readycheck-server-bench · {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    ));

    ingest_bench("sqlite", &|_| String::new(), runs, n);
    if let Some(pg) = &pg {
        ingest_bench("postgres", &|name| pg.database(name), runs, n);
    }

    let files = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    corpus_bench(
        "sqlite",
        "",
        dir.path(),
        hosts,
        history,
        runs,
        Some(files.path()),
    );
    drop(dir);
    if let Some(pg) = &pg {
        let dir = tempfile::tempdir().unwrap();
        corpus_bench(
            "postgres",
            &pg.database("corpus"),
            dir.path(),
            hosts,
            history,
            runs,
            None,
        );
    }

    // The file-based way over the same hosts' latest reports.
    let mut ms = Vec::new();
    for _ in 0..runs {
        let t0 = Instant::now();
        let out = Command::new(exe_dir().join("readycheck"))
            .args(["summarize", "-f", "json"])
            .arg(files.path())
            .stdout(Stdio::null())
            .status()
            .expect("readycheck (build it with --release)");
        assert!(out.success() || out.code() == Some(1) || out.code() == Some(2));
        ms.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    say(&format!(
        "summarize  readycheck summarize -f json over the {hosts} latest reports as files ({:.2} GB): {:.0} ms median",
        dir_size(files.path()) as f64 / 1e9,
        median(ms)
    ));
}

/// A throw-away PostgreSQL cluster (as the `postgres` user when root).
mod pg {
    use std::path::PathBuf;
    use std::process::Command;

    pub struct Cluster {
        dir: tempfile::TempDir,
        bin: PathBuf,
        port: u16,
        root: bool,
    }

    impl Cluster {
        pub fn start() -> Result<Cluster, String> {
            let bin = std::fs::read_dir("/usr/lib/postgresql")
                .ok()
                .and_then(|d| {
                    d.flatten()
                        .map(|e| e.path().join("bin"))
                        .find(|b| b.join("initdb").exists())
                })
                .ok_or("no /usr/lib/postgresql/*/bin/initdb")?;
            // SAFETY: geteuid has no preconditions.
            let root = unsafe { libc::geteuid() } == 0;
            let dir = tempfile::Builder::new()
                .prefix("rc-bench-pg-")
                .tempdir_in("/tmp")
                .map_err(|e| e.to_string())?;
            if root {
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(dir.path())
                    .status()
                    .map_err(|e| e.to_string())?;
            }
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let c = Cluster {
                dir,
                bin,
                port,
                root,
            };
            let data = c.dir.path().join("data").display().to_string();
            c.run(
                "initdb",
                &["-D", &data, "-U", "postgres", "-A", "trust", "-E", "UTF8"],
            )?;
            let opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_connections=100",
                c.dir.path().display()
            );
            let log = c.dir.path().join("log").display().to_string();
            c.run(
                "pg_ctl",
                &["-D", &data, "-o", &opts, "-l", &log, "-w", "start"],
            )?;
            Ok(c)
        }

        fn run(&self, tool: &str, args: &[&str]) -> Result<(), String> {
            let exe = self.bin.join(tool);
            let out = if self.root {
                Command::new("runuser")
                    .args(["-u", "postgres", "--"])
                    .arg(exe)
                    .args(args)
                    .current_dir("/tmp")
                    .output()
            } else {
                Command::new(exe).args(args).output()
            }
            .map_err(|e| e.to_string())?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!("{tool}: {}", String::from_utf8_lossy(&out.stderr)))
            }
        }

        pub fn database(&self, name: &str) -> String {
            self.run(
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
            format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            let data = self.dir.path().join("data").display().to_string();
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
        }
    }
}
