//! Nothing lost, nothing leaked: runs killed by every catchable signal (and SIGKILL) at random
//! moments of a run and during delivery, against a real loopback collector that counts and logs
//! idempotency keys and misbehaves on purpose; full and read-only data directories; FIFOs,
//! devices and symlink loops in plugin directories and summarize trees; a plugin that escapes
//! its process group with `setsid`; and hostile text through every renderer. After every test:
//! no stray process (the process table is read), no temporary file left.
//!
//! `cargo test -p readycheck-e2e --test e2e durability -- --nocapture` prints the matrix's
//! figures in one line (`durability matrix: …`).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::support::{Env, http_header, is_root, read_http_request, skip_note, stderr, stdout};

/// Fails a test that needs root in CI, skips it elsewhere.
fn needs_root(why: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI runs as root; this test must run there: {why}"
    );
    skip_note(why);
    false
}

/// How the collector misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Answers 201 (409 for a key it has).
    None,
    /// Answers 503 to the first request of each key.
    Flaky,
    /// Stores the first request of each key, then closes the connection without an answer.
    StoreThenDrop,
}

#[derive(Default)]
struct Log {
    /// Every POST's key, in order.
    posts: Vec<String>,
    /// Times each key was stored (a correct collector stores each once).
    stored: BTreeMap<String, usize>,
    /// Keys answered at least once.
    seen: BTreeMap<String, usize>,
}

/// A loopback report collector with idempotency by key.
struct Collector {
    port: u16,
    log: Arc<Mutex<Log>>,
    fault: Arc<Mutex<Fault>>,
    /// When set, each request waits here (after being read) until released; the test is told.
    hold: Arc<(Mutex<bool>, Condvar)>,
    arrived: mpsc::Receiver<String>,
}

impl Collector {
    fn start(fault: Fault) -> Collector {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = Arc::new(Mutex::new(Log::default()));
        let fault = Arc::new(Mutex::new(fault));
        let hold = Arc::new((Mutex::new(false), Condvar::new()));
        let (tx, arrived) = mpsc::channel();
        let (l2, f2, h2) = (log.clone(), fault.clone(), hold.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let (l, f, h, tx) = (l2.clone(), f2.clone(), h2.clone(), tx.clone());
                std::thread::spawn(move || serve(conn, &l, &f, &h, &tx));
            }
        });
        Collector {
            port,
            log,
            fault,
            hold,
            arrived,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/api/v1/reports", self.port)
    }

    fn set_hold(&self, on: bool) {
        *self.hold.0.lock().unwrap() = on;
        self.hold.1.notify_all();
    }
}

fn serve(
    mut conn: std::net::TcpStream,
    log: &Mutex<Log>,
    fault: &Mutex<Fault>,
    hold: &(Mutex<bool>, Condvar),
    arrived: &mpsc::Sender<String>,
) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((head, body)) = read_http_request(&mut conn) else {
        return;
    };
    let key = http_header(&head, "idempotency-key").unwrap_or_default();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let whole = body["id"]
        .as_str()
        .is_some_and(|id| id.eq_ignore_ascii_case(&key));
    let _ = arrived.send(key.clone());
    {
        let (m, c) = hold;
        let mut held = m.lock().unwrap();
        let until = Instant::now() + Duration::from_secs(30);
        while *held && Instant::now() < until {
            held = c.wait_timeout(held, Duration::from_millis(50)).unwrap().0;
        }
    }
    let fault = *fault.lock().unwrap();
    let status = {
        let mut l = log.lock().unwrap();
        l.posts.push(key.clone());
        let times = {
            let e = l.seen.entry(key.clone()).or_default();
            *e += 1;
            *e
        };
        if !whole {
            "400 Bad Request"
        } else if l.stored.contains_key(&key) {
            "409 Conflict"
        } else if fault == Fault::Flaky && times == 1 {
            "503 Service Unavailable"
        } else {
            l.stored.insert(key.clone(), 1);
            if fault == Fault::StoreThenDrop && times == 1 {
                return; // stored, but the client never hears so
            }
            "201 Created"
        }
    };
    let _ = conn.write_all(
        format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
    );
}

/// Processes whose command line mentions `needle` (the test's private directory): plugin-host
/// children and anything a plugin forked from them.
fn processes_mentioning(needle: &Path) -> Vec<(i32, String)> {
    let needle = needle.to_string_lossy().into_owned();
    let mut out = Vec::new();
    let Ok(all) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in all.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = state
            .rfind(')')
            .is_some_and(|i| state[i + 1..].trim_start().starts_with('Z'));
        if cmd.contains(&needle) && !zombie {
            out.push((pid, cmd));
        }
    }
    out
}

/// Waits (bounded) until no process mentions `dir`; returns the ones left, killing them so that
/// one failure does not leak into the next test.
fn strays(dir: &Path) -> Vec<(i32, String)> {
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let left = processes_mentioning(dir);
        if left.is_empty() || Instant::now() > until {
            for (pid, _) in &left {
                // SAFETY: killing a test's own leftover process.
                unsafe { libc::kill(*pid, libc::SIGKILL) };
            }
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Whether the process `pid` (from a pid file) is gone or a zombie.
fn gone(pid_file: &Path) -> bool {
    let Some(pid) = std::fs::read_to_string(pid_file)
        .ok()
        .and_then(|s| s.trim().parse::<i32>().ok())
    else {
        return true;
    };
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let dead = stat.is_empty()
            || stat
                .rfind(')')
                .is_some_and(|i| stat[i + 1..].trim_start().starts_with('Z'));
        if dead {
            return true;
        }
        if Instant::now() > until {
            // SAFETY: killing a test's own leftover daemon.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Temporary and intermediate files anywhere under `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name.starts_with(".rc-tmp-")
                || name.contains(".tmp")
                || name.contains(".sending-")
                || name.ends_with(".lock")
            {
                out.push(p);
            }
        }
    }
    out
}

/// The saved reports' ids.
fn saved_ids(env: &Env) -> Vec<String> {
    std::fs::read_dir(env.data.join("reports"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.strip_suffix(".json").map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the process has its signal-handling thread (handlers installed).
fn handlers_installed(pid: u32) -> bool {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks.flatten().any(|t| {
                std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "signals")
            })
        })
        .unwrap_or(false)
}

fn wait_for(what: impl Fn() -> bool, limit: Duration) -> bool {
    let until = Instant::now() + limit;
    while Instant::now() < until {
        if what() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// A small deterministic generator for the random moments (the seed is printed).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moment {
    /// Just after the handlers are installed: discovery, planning or the first checks.
    Early,
    /// While checks (one of them with a daemon that left its group) are running.
    Run,
    /// While the report is being POSTed.
    Delivery,
}

#[derive(Default, Debug)]
struct Figures {
    runs: usize,
    written: usize,
    lost: usize,
    stored_twice: usize,
    resent: usize,
    strays: usize,
    temps: usize,
    failures: Vec<String>,
}

fn one_cell(sig: i32, moment: Moment, fault: Fault, rng: &mut Lcg, f: &mut Figures) {
    let env = Env::new();
    let server = Collector::start(fault);
    let daemon = env.dir.path().join("daemon.pid");
    let profile = match moment {
        Moment::Early | Moment::Run => format!(
            "[profile]\nname = \"kill\"\ntimeout = \"30s\"\n[[check]]\nid = \"ok\"\nplugin = \"misbehave\"\nkind = \"ok\"\n[[check]]\nid = \"slow\"\nplugin = \"misbehave\"\nkind = \"sleep\"\nms = 20000\n[[check]]\nid = \"escape\"\nplugin = \"misbehave\"\nkind = \"escape_hang\"\npid_file = \"{}\"\n",
            daemon.display()
        ),
        Moment::Delivery => format!(
            "[profile]\nname = \"kill\"\n[[check]]\nid = \"ok\"\nplugin = \"misbehave\"\nkind = \"ok\"\n[[check]]\nid = \"escape\"\nplugin = \"misbehave\"\nkind = \"escape\"\npid_file = \"{}\"\n",
            daemon.display()
        ),
    };
    let p = env.profile("kill.toml", &profile);
    if moment == Moment::Delivery {
        server.set_hold(true);
    }
    let mut child = env
        .command(&[
            "run",
            "-q",
            "-p",
            p.to_str().unwrap(),
            "--submit",
            &server.url(),
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let cell = format!("{sig}/{moment:?}/{fault:?}");
    let ready = match moment {
        Moment::Early => {
            let ok = wait_for(|| handlers_installed(pid), Duration::from_secs(20));
            std::thread::sleep(Duration::from_millis(rng.next(30)));
            ok
        }
        Moment::Run => {
            let ok = wait_for(|| daemon.exists(), Duration::from_secs(30));
            std::thread::sleep(Duration::from_millis(rng.next(300)));
            ok
        }
        Moment::Delivery => server.arrived.recv_timeout(Duration::from_secs(60)).is_ok(),
    };
    if !ready {
        f.failures.push(format!("{cell}: the moment never came"));
    }
    // SAFETY: signalling the readycheck process this test started.
    unsafe { libc::kill(pid as i32, sig) };
    // Bounded: a run that does not end within a minute is a failure, and is killed.
    let until = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if status.is_none() {
        f.failures
            .push(format!("{cell}: did not end within a minute"));
    }
    server.set_hold(false);
    let out = child.wait_with_output().unwrap();

    // Whatever was kept goes out with the next `submit --pending`, against a working server.
    *server.fault.lock().unwrap() = Fault::None;
    let pending = env.run(&["submit", "--pending"]);
    let ids = saved_ids(&env);
    f.runs += 1;
    f.written += ids.len();
    let catchable = sig != libc::SIGKILL;
    if catchable && ids.is_empty() {
        f.lost += 1;
        f.failures.push(format!(
            "{cell}: no report written\n{}\n{}",
            stdout(&out),
            stderr(&out)
        ));
    }
    {
        let log = server.log.lock().unwrap();
        for id in &ids {
            if !log.stored.contains_key(id) {
                f.lost += 1;
                f.failures.push(format!(
                    "{cell}: report {id} never arrived; submit --pending said {}",
                    stdout(&pending)
                ));
            }
        }
        f.stored_twice += log.stored.values().filter(|n| **n > 1).count();
        f.resent += log.seen.values().filter(|n| **n > 1).count();
    }
    let left = strays(env.dir.path());
    if !gone(&daemon) {
        f.strays += 1;
        f.failures
            .push(format!("{cell}: the escaped daemon survived"));
    }
    if !left.is_empty() {
        f.strays += left.len();
        f.failures.push(format!("{cell}: stray processes {left:?}"));
    }
    let temps = temp_files(&env.data);
    if !temps.is_empty() {
        f.temps += temps.len();
        f.failures
            .push(format!("{cell}: temporary files left {temps:?}"));
    }
}

/// The kill × moment × server-fault matrix.
#[cfg(target_os = "linux")]
#[test]
fn kill_matrix_loses_nothing_sends_nothing_twice_and_leaves_nothing_behind() {
    let seed = std::env::var("DURABILITY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x0d15_ea5e_u64);
    let mut rng = Lcg(seed);
    let mut f = Figures::default();
    let started = Instant::now();
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGKILL] {
        for moment in [Moment::Early, Moment::Run, Moment::Delivery] {
            for fault in [Fault::None, Fault::Flaky, Fault::StoreThenDrop] {
                one_cell(sig, moment, fault, &mut rng, &mut f);
            }
        }
    }
    let line = format!(
        "durability matrix: {} runs (INT, TERM, HUP, KILL × early, running, delivering × ok, 503, stored-then-dropped; seed {seed}) in {:.0} s: {} reports written, {} lost, {} stored twice ({} re-sent and deduplicated by key), {} stray processes, {} temp files left",
        f.runs,
        started.elapsed().as_secs_f64(),
        f.written,
        f.lost,
        f.stored_twice,
        f.resent,
        f.strays,
        f.temps
    );
    #[allow(clippy::print_stdout, reason = "the matrix's figures")]
    {
        println!("{line}");
    }
    assert!(f.failures.is_empty(), "{line}\n{}", f.failures.join("\n"));
}

/// A collector that takes everything, and a profile that sends to it.
fn simple(env: &Env, server: &Collector) -> PathBuf {
    env.profile(
        "simple.toml",
        &format!(
            "[profile]\nname = \"simple\"\n[report]\nsubmit = \"{}\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
            server.url()
        ),
    )
}

fn assert_clean(env: &Env) {
    assert!(strays(env.dir.path()).is_empty(), "stray processes");
    let temps = temp_files(&env.data);
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

/// A data directory on a tiny, full tmpfs: the report cannot be saved, is sent from memory,
/// the failure is said even with -q and in exit status 4, and no temporary file is left.
#[cfg(target_os = "linux")]
#[test]
fn a_full_data_directory_still_delivers_and_says_so() {
    if !needs_root("mounting a tmpfs needs root") {
        return;
    }
    let env = Env::new();
    std::fs::create_dir_all(&env.data).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs"])
        .arg(&env.data)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(std::env::var_os("CI").is_none(), "mount failed in CI");
        skip_note("cannot mount a tmpfs here");
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
        }
    }
    let _guard = Unmount(env.data.clone());
    // Fill it.
    let mut filler = std::fs::File::create(env.data.join("filler")).unwrap();
    let block = vec![0u8; 4096];
    while filler.write_all(&block).is_ok() {}
    let _ = filler.flush();
    drop(filler);
    let server = Collector::start(Fault::None);
    let p = simple(&env, &server);
    let out = env.run(&["run", "-q", "-p", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("could not save"), "{err}");
    assert_eq!(
        server.log.lock().unwrap().stored.len(),
        1,
        "sent from memory"
    );
    assert_clean(&env);
}

/// A read-only data directory: the same.
#[cfg(unix)]
#[test]
fn a_read_only_data_directory_still_delivers_and_says_so() {
    let env = Env::new();
    std::fs::create_dir_all(&env.data).unwrap();
    let mut guard = None;
    if is_root() {
        // Root writes through permissions: a read-only mount it is.
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "ro,size=64k", "tmpfs"])
            .arg(&env.data)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            assert!(std::env::var_os("CI").is_none(), "mount failed in CI");
            skip_note("cannot mount a read-only tmpfs here");
            return;
        }
        guard = Some(env.data.clone());
    } else {
        crate::support::chmod(&env.data, 0o555);
    }
    let server = Collector::start(Fault::None);
    let p = simple(&env, &server);
    let out = env.run(&["run", "-q", "-p", p.to_str().unwrap()]);
    if let Some(d) = guard {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(d)
            .status();
    } else {
        crate::support::chmod(&env.data, 0o755);
    }
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("could not save"), "{}", stderr(&out));
    assert_eq!(
        server.log.lock().unwrap().stored.len(),
        1,
        "sent from memory"
    );
    assert_clean(&env);
}

/// A FIFO, a device and symlink loops named like plugins do not hang `plugins` or `run`, do not
/// shadow the trusted plugin further down the path, and the report says which file was used.
#[cfg(unix)]
#[test]
fn hostile_plugin_files_are_refused_without_opening_them() {
    use std::os::unix::fs::symlink;
    let env = Env::new();
    let early: Vec<PathBuf> = ["fifo", "dev", "loop"]
        .iter()
        .map(|d| {
            let p = env.dir.path().join(d);
            std::fs::create_dir(&p).unwrap();
            crate::support::chmod(&p, 0o755);
            p
        })
        .collect();
    let name = crate::support::lib_name("misbehave");
    let fifo = std::ffi::CString::new(early[0].join(&name).to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    symlink("/dev/zero", early[1].join(&name)).unwrap();
    symlink(early[2].join(&name), early[2].join(&name)).unwrap();
    let p = env.profile(
        "p.toml",
        "[profile]\nname = \"p\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
    );
    let mut args = vec![
        "run".to_string(),
        "-f".into(),
        "json".into(),
        "--no-save".into(),
        "--deadline".into(),
        "20s".into(),
        "-p".into(),
        p.display().to_string(),
    ];
    for d in &early {
        args.push("--plugin-dir".into());
        args.push(d.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&args);
    let report = crate::support::report_of(&out);
    assert_eq!(crate::support::check(&report, "a")["status"], "pass");
    let entries = report["plugins"].as_array().unwrap();
    let refused: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["problem"].as_str())
        .collect();
    assert_eq!(refused.len(), 3, "{entries:?}");
    assert!(refused.iter().any(|r| r.contains("a FIFO")), "{refused:?}");
    assert!(
        refused.iter().any(|r| r.contains("a character device")),
        "{refused:?}"
    );
    assert!(
        refused.iter().all(|r| r.contains("was used instead")),
        "{refused:?}"
    );
    assert!(
        stderr(&out).contains("was refused and not used"),
        "{}",
        stderr(&out)
    );
    // `plugins` lists them without hanging either.
    let mut args = vec!["plugins".to_string()];
    for d in &early {
        args.push("--plugin-dir".into());
        args.push(d.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = env.run(&args);
    assert!(out.status.code().is_some());
    assert_clean(&env);
}

/// Summarize over a tree with a FIFO, a device, a symlink loop and a report from a clock set
/// ahead: no hang, the later report wins, the skew is flagged.
#[cfg(unix)]
#[test]
fn summarize_survives_hostile_trees() {
    use std::os::unix::fs::symlink;
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        "[profile]\nname = \"p\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
    );
    let out = env.run(&["run", "-f", "json", "-p", p.to_str().unwrap()]);
    let mut report = crate::support::report_of(&out);
    let tree = env.dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("now.json"), serde_json::to_vec(&report).unwrap()).unwrap();
    report["id"] = "future".into();
    report["started_at"] = "2099-01-01T00:00:00Z".into();
    report["verdict"] = "not_ready".into();
    let future = tree.join("future.json");
    std::fs::write(&future, serde_json::to_vec(&report).unwrap()).unwrap();
    // Received a day before the real one.
    std::fs::File::options()
        .write(true)
        .open(&future)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(86400))
        .unwrap();
    let fifo = std::ffi::CString::new(tree.join("fifo.json").to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    symlink("/dev/zero", tree.join("zero.json")).unwrap();
    symlink(&tree, tree.join("loop")).unwrap();
    let out = env.run(&["summarize", tree.to_str().unwrap(), "-f", "json"]);
    let s: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(s["hosts"], 1);
    assert_eq!(s["ready"], 1, "the report received later wins: {s}");
    assert!(s["skipped_unreadable"].as_u64().unwrap() >= 2, "{s}");
    std::fs::remove_file(tree.join("now.json")).unwrap();
    let out = env.run(&["summarize", tree.to_str().unwrap()]);
    assert!(stdout(&out).contains("clock set ahead"), "{}", stdout(&out));
    assert_clean(&env);
}

/// A plugin that double-forks into a new session is contained: its daemon dies with the call,
/// whether the plugin answers or hangs to its time-out; and when the host itself is killed,
/// its plugin processes die too.
#[cfg(target_os = "linux")]
#[test]
fn a_plugin_escaping_with_setsid_is_contained() {
    let env = Env::new();
    let answered = env.dir.path().join("answered.pid");
    let hung = env.dir.path().join("hung.pid");
    let p = env.profile(
        "p.toml",
        &format!(
            "[profile]\nname = \"p\"\n[[check]]\nid = \"answers\"\nplugin = \"misbehave\"\nkind = \"escape\"\npid_file = \"{}\"\n[[check]]\nid = \"hangs\"\nplugin = \"misbehave\"\nkind = \"escape_hang\"\npid_file = \"{}\"\ntimeout = \"2s\"\n",
            answered.display(),
            hung.display()
        ),
    );
    let out = env.run(&["run", "-f", "json", "--no-save", "-p", p.to_str().unwrap()]);
    let report = crate::support::report_of(&out);
    assert_eq!(crate::support::check(&report, "answers")["status"], "pass");
    let hangs = crate::support::check(&report, "hangs");
    assert_eq!(hangs["cause"], "timed_out", "{hangs}");
    assert!(
        hangs["summary"]
            .as_str()
            .unwrap()
            .contains("every process it started"),
        "{hangs}"
    );
    assert!(gone(&answered), "the daemon of the plugin that answered");
    assert!(gone(&hung), "the daemon of the plugin that hung");

    // The host killed outright: its plugin processes follow it.
    killed_host_takes_its_plugins_along(&env, &crate::support::bin(), "killed");
    assert_clean(&env);
}

/// Runs `program` (readycheck) on a plugin that escapes into a new session and hangs, kills
/// it outright once the escaped daemon is there, and asserts that the daemon died with it.
#[cfg(target_os = "linux")]
fn killed_host_takes_its_plugins_along(env: &Env, program: &Path, name: &str) {
    let pid_file = env.dir.path().join(format!("{name}.pid"));
    let p = env.profile(
        &format!("{name}.toml"),
        &format!(
            "[profile]\nname = \"{name}\"\ntimeout = \"60s\"\n[[check]]\nid = \"hangs\"\nplugin = \"misbehave\"\nkind = \"escape_hang\"\npid_file = \"{}\"\n",
            pid_file.display()
        ),
    );
    let mut run = env
        .via(program)
        .args(["run", "-q", "--no-save", "-p"])
        .arg(&p)
        .arg("--plugin-dir")
        .arg(&env.plugins)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = wait_for(|| pid_file.exists(), Duration::from_secs(30));
    run.kill().unwrap();
    run.wait().unwrap();
    assert!(started, "the plugin's daemon never started");
    assert!(gone(&pid_file), "the escaped daemon died with the host");
}

/// A host copied alone, without `readycheck-plugin-host` beside it, is its own plugin child
/// (`plugins` says so); killed outright, its plugins' escaped processes still die with it: the
/// child re-executes the host's binary as the reaper.
#[cfg(target_os = "linux")]
#[test]
fn a_host_alone_is_its_own_child_and_still_contains_its_plugins() {
    let env = Env::new();
    let alone = env.dir.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    let host = alone.join("readycheck");
    std::fs::copy(crate::support::bin(), &host).unwrap();
    let out = env
        .via(&host)
        .args(["plugins", "-f", "json", "--plugin-dir"])
        .arg(&env.plugins)
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        listed["child"].as_str().map(PathBuf::from),
        Some(host.canonicalize().unwrap()),
        "{listed:#}"
    );
    killed_host_takes_its_plugins_along(&env, &host, "alone");
}

/// A host that is gone before its child has set up its watch (the request came, then the
/// lifeline closed): the child starts nothing and exits at once, without running the plugin.
#[cfg(target_os = "linux")]
#[test]
fn a_child_whose_host_is_already_gone_runs_nothing() {
    let env = Env::new();
    let pid_file = env.dir.path().join("never.pid");
    let request = serde_json::json!({
        "id": "orphaned",
        "kind": "escape_hang",
        "params": { "pid_file": pid_file },
        "timeout_ms": 60_000,
        "os": "linux",
        "locale": "en",
    })
    .to_string();
    let plugin = crate::support::target_dir().join(readycheck_sdk::file::file_name("misbehave"));
    // The lifeline holds the request and is closed before the child starts: no race with it.
    let (lifeline, mut host_end) = std::io::pipe().unwrap();
    host_end
        .write_all(&(request.len() as u64).to_le_bytes())
        .unwrap();
    host_end.write_all(request.as_bytes()).unwrap();
    drop(host_end);
    let mut child =
        std::process::Command::new(crate::support::target_dir().join("readycheck-plugin-host"))
            .args(["__plugin-host", "run"])
            .arg(&plugin)
            .stdin(lifeline)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
    // Bounded: a child still there after 30 s has failed, and is killed.
    let t0 = Instant::now();
    let ended = loop {
        if child.try_wait().unwrap().is_some() {
            break true;
        }
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Whatever happened, a daemon the plugin started is killed before anything is asserted
    // (or read: it could hold the result channel open).
    let ran = pid_file.exists();
    gone(&pid_file);
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut answer).unwrap();
    assert!(ended, "the child outlived its host by {:?}", t0.elapsed());
    assert_eq!(answer, "", "no answer for a host that is gone");
    assert!(!ran, "the plugin ran");
}

/// Control characters, bidi overrides, formula cells and Markdown links from a profile and a
/// plugin (summary, detail, evidence, metrics, observations) through every renderer, `report`
/// re-rendering and `summarize` text and CSV: nothing raw comes out. A plugin claiming the
/// host's code namespace is refused; a report of huge texts is capped and says so.
#[test]
fn hostile_text_never_reaches_a_terminal_a_ticket_or_a_spreadsheet_raw() {
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        "[profile]\nname = \"evil\\u001b[2J\"\ncontact = \"=cmd|' /C calc'!A0\"\n[[check]]\nid = \"t\"\ntitle = \"\\u001b]0;owned\\u0007title\\u202e\"\nplugin = \"misbehave\"\nkind = \"hostile_text\"\n[[check]]\nid = \"h\"\nplugin = \"misbehave\"\nkind = \"host_code\"\n[[check]]\nid = \"big\"\nplugin = \"misbehave\"\nkind = \"big_texts\"\n[[check]]\nid = \"f\"\nplugin = \"misbehave\"\nkind = \"ok\"\nstatus = \"fail\"\nsummary = \"=HYPERLINK(\\\"http://evil.invalid\\\")\"\n[[check]]\nid = \"g\"\ntitle = \"@SUM(A1)\"\nplugin = \"misbehave\"\nkind = \"ok\"\nstatus = \"fail\"\nsummary = \"+1\"\n",
    );
    let raw = |s: &str| {
        s.chars()
            .filter(|c| {
                matches!(c,
                    '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
                    | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'
                    | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
            })
            .count()
    };
    let out = env.run(&["run", "-f", "json", "-p", p.to_str().unwrap()]);
    let report = crate::support::report_of(&out);
    let bytes = serde_json::to_vec(&report).unwrap().len();
    assert!(bytes <= 1024 * 1024 + 4096, "capped: {bytes} bytes");
    let big = crate::support::check(&report, "big");
    assert!(
        big["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().starts_with("report cap:")),
        "{}",
        big.to_string().chars().take(400).collect::<String>()
    );
    let h = crate::support::check(&report, "h");
    assert_eq!(h["cause"], "invalid_output", "{h}");
    assert!(h["code"].as_str().unwrap() != "host.plugin.timed_out");
    let saved = env.dir.path().join("saved.json");
    std::fs::write(&saved, serde_json::to_vec(&report).unwrap()).unwrap();

    let mut outputs = Vec::new();
    for f in ["text", "markdown", "chat", "junit", "nagios", "html"] {
        let out = env.run(&["run", "-f", f, "--no-save", "-p", p.to_str().unwrap()]);
        outputs.push((format!("run -f {f}"), stdout(&out) + &stderr(&out)));
        let out = env.run(&["report", saved.to_str().unwrap(), "-f", f]);
        outputs.push((format!("report -f {f}"), stdout(&out) + &stderr(&out)));
    }
    let out = env.run(&["summarize", saved.to_str().unwrap()]);
    outputs.push(("summarize".into(), stdout(&out)));
    let out = env.run(&["summarize", saved.to_str().unwrap(), "-f", "csv"]);
    let csv = stdout(&out);
    outputs.push(("summarize -f csv".into(), csv.clone()));
    for (what, text) in &outputs {
        assert_eq!(raw(text), 0, "{what} has raw control characters:\n{text:?}");
        if what.contains("markdown") {
            assert!(!text.contains("](javascript"), "{what}: {text}");
            assert!(!text.contains("!["), "{what}: {text}");
        }
    }
    // No live formula: every cell (split the simple way: quoted cells start with a quote).
    let mut live = 0;
    for line in csv.lines().skip(1) {
        let mut cells = Vec::new();
        let (mut cur, mut quoted) = (String::new(), false);
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => cells.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        cells.push(cur);
        live += cells
            .iter()
            .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
            .count();
    }
    assert_eq!(live, 0, "live formula cells in:\n{csv}");
    assert_clean(&env);
}
