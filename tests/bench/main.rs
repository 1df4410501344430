//! The benchmark (`./target/release/readycheck-bench` after a release build). It measures
//! readycheck against physical limits taken in the same run: the built-in profile offline and
//! with its endpoints answering on loopback; 20 `http` and 20 `tcp` endpoints 200 ms away (a
//! delay that applies to the TCP handshake too) against one bare probe over the same path; the
//! isolation overhead per plugin call against fork+exec of `/bin/true`; `-j` on 50 trivial
//! checks; and where the time of one call goes. Then startup, size, memory, and the apps,
//! resources and summarize figures.
//!
//! Figures, not assertions: every figure is a median with its min–max over several runs, every
//! ratio is taken pair by pair within one round, and the targets are printed beside the figures
//! — a busy machine gives slower numbers, never a failed benchmark.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its figures, and a usage error"
)]

#[cfg(target_os = "linux")]
mod netns;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use readycheck::plugin::isolate::Isolation;
use readycheck::plugin::registry::Backend;
use readycheck::plugin::{Call, parse_output};
use readycheck_sdk::{CheckRequest, CheckResult};

/// Figures of one kind over several runs, in milliseconds (or a plain ratio).
#[derive(Debug, Clone, Default)]
struct Stats(Vec<f64>);

impl Stats {
    fn push(&mut self, v: f64) {
        self.0.push(v);
    }
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }
    fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }
    /// "123.4 ms (120.1–130.2)"
    fn ms(&self) -> String {
        format!(
            "{} ({}–{})",
            fmt_ms(self.median()),
            num(self.min()),
            num(self.max())
        )
    }
    /// "1.05× (1.02–1.09)"
    fn ratio(&self) -> String {
        format!(
            "{:.2}× ({:.2}–{:.2})",
            self.median(),
            self.min(),
            self.max()
        )
    }
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

fn fmt_ms(v: f64) -> String {
    format!("{} ms", num(v))
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn target_dir() -> PathBuf {
    std::env::current_exe()
        .expect("exe")
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn lib(name: &str) -> String {
    readycheck_sdk::file::file_name(name)
}

/// What one process cost: wall time, CPU time (its own and its waited-for children's), peak
/// RSS in KiB, exit code.
#[derive(Debug, Clone, Copy)]
struct Proc {
    wall: Duration,
    cpu: Duration,
    maxrss: i64,
    minflt: i64,
    code: i32,
}

/// Runs `cmd` to its end, stdout and stderr discarded unless already set.
fn measure(cmd: &mut Command) -> Proc {
    let t0 = Instant::now();
    // The child is reaped by wait4 below, which also reports its resource use.
    #[allow(clippy::zombie_processes, reason = "reaped with wait4")]
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: waiting for our own child with a zeroed rusage we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = t0.elapsed();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Proc {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        maxrss: usage.ru_maxrss,
        minflt: usage.ru_minflt,
        code: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    }
}

/// The environment every readycheck run of the benchmark gets.
struct Bench {
    dir: PathBuf,
    exe: PathBuf,
    tmp: tempfile::TempDir,
    runs: usize,
    calls: usize,
    root: bool,
}

impl Bench {
    /// `readycheck ARGS` with a private data and config directory, no proxy, English, output
    /// discarded.
    fn rc(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.exe);
        c.args(args)
            .env("READYCHECK_DATA_DIR", self.tmp.path().join("data"))
            .env("HOME", self.tmp.path().join("home"))
            .env("XDG_CONFIG_HOME", self.tmp.path().join("home/.config"))
            .env("READYCHECK_LANG", "en")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for v in [
            "READYCHECK_PROFILE",
            "READYCHECK_PLUGIN_PATH",
            "http_proxy",
            "https_proxy",
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            c.env_remove(v);
        }
        c
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

fn main() {
    let dir = target_dir();
    let exe = dir.join(format!("readycheck{}", std::env::consts::EXE_SUFFIX));
    for p in [&exe, &dir.join(lib("misbehave"))] {
        assert!(
            p.exists(),
            "{} is missing: run `cargo build --release --workspace` first",
            p.display()
        );
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let b = Bench {
        dir: dir.clone(),
        exe,
        tmp: tempfile::tempdir().expect("tempdir"),
        runs: env_num("BENCH_RUNS", 9),
        calls: env_num("BENCH_CALLS", 400),
        root,
    };
    std::fs::create_dir_all(b.tmp.path().join("home/.config")).expect("home");
    println!(
        "readycheck benchmark · {} cores · load average {} · build {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        std::fs::read_to_string("/proc/loadavg")
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "?".into()),
        dir.display()
    );
    println!(
        "Figures are medians with (min–max) over the runs; ratios are taken pair by pair within a \
         round. BENCH_RUNS={} BENCH_CALLS={}.",
        b.runs, b.calls
    );
    if !b.root {
        println!(
            "NOT ROOT: the rows that need network namespaces (the default profile offline and on \
             loopback, the endpoints 200 ms away) are skipped. Run as root for them."
        );
    }

    let mut targets = Vec::new();
    // BENCH_ONLY=isolation,jobs runs only the sections named (all of them by default).
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|o| o.trim() == name);
    type Section<'a> = (&'a str, &'a dyn Fn(&mut Targets));
    let sections: [Section; 9] = [
        ("default", &|t| default_profile(&b, t)),
        ("delay", &|t| delay_line(&b, t)),
        ("isolation", &|t| isolation(&b, t)),
        ("jobs", &|_| jobs(&b)),
        ("startup", &|_| startup(&b)),
        ("black-hole", &|_| black_hole(&b)),
        ("apps", &|_| apps(&b)),
        ("resources", &|_| resources(&b)),
        ("summarize", &|_| summarize(&b)),
    ];
    let unknown: Vec<&str> = only
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty() && !sections.iter().any(|(name, _)| name == o))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = sections.iter().map(|(name, _)| *name).collect();
        eprintln!(
            "BENCH_ONLY names no section {}: the sections are {}",
            unknown.join(", "),
            names.join(", ")
        );
        std::process::exit(2);
    }
    for (name, section) in sections {
        if wanted(name) {
            section(&mut targets);
        }
    }

    println!("\ntargets (figure · target; none of them fails the benchmark):");
    for (what, fig, target) in &targets {
        println!("  {what:<52} {fig:<28} target {target}");
    }
}

type Targets = Vec<(String, String, String)>;

/// (a) The built-in profile, as an employee runs it: offline (an empty network namespace) and
/// with its endpoints answering on loopback addresses of a namespace of its own.
fn default_profile(b: &Bench, targets: &mut Targets) {
    println!(
        "\n(a) the built-in default profile, `readycheck` as the employee runs it (report saved):"
    );
    #[cfg(target_os = "linux")]
    if b.root {
        match default_profile_ns(b, targets) {
            Ok(()) => {}
            Err(e) => println!("  could not build the namespaces: {e}"),
        }
        return;
    }
    let _ = targets;
    println!("  skipped: needs root (network namespaces)");
}

#[cfg(target_os = "linux")]
fn default_profile_ns(b: &Bench, targets: &mut Targets) -> std::io::Result<()> {
    use netns::{Netns, listen, serve_http, serve_tcp, with_hosts_file};
    let offline = Netns::new()?;
    let home = Netns::new()?;
    // The default profile's endpoints: three DNS servers by address (TCP 53), three sites by
    // name (80, 443) and the sign-in-page check's URL — all answering in `home`.
    home.ip(&[
        "link set lo up".into(),
        "addr add 223.5.5.5/32 dev lo".into(),
        "addr add 119.29.29.29/32 dev lo".into(),
        "addr add 1.1.1.1/32 dev lo".into(),
    ])?;
    home.run(|| -> std::io::Result<()> {
        serve_tcp(listen(([0, 0, 0, 0], 53).into())?);
        serve_tcp(listen(([0, 0, 0, 0], 443).into())?);
        serve_http(listen(([0, 0, 0, 0], 80).into())?);
        Ok(())
    })?;
    let hosts = b.write(
        "hosts",
        "127.0.0.1 localhost\n127.0.0.1 www.msftconnecttest.com www.baidu.com captive.apple.com\n",
    );
    let online = |args: &[&str]| -> Command {
        let mut c = b.rc(args);
        with_hosts_file(&mut c, &hosts).expect("hosts");
        c
    };
    // One look at what each run does, from its JSON report.
    let show = |ns: &Netns, mut cmd: Command, label: &str| {
        let out = ns.run(|| cmd.stdout(Stdio::piped()).output());
        let report: serde_json::Value = out
            .ok()
            .and_then(|o| serde_json::from_slice(&o.stdout).ok())
            .unwrap_or_default();
        let checks: Vec<String> = report["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                format!(
                    "{} {} {} ms",
                    c["id"].as_str().unwrap_or("?"),
                    c["status"].as_str().unwrap_or("?"),
                    c["duration_ms"].as_u64().unwrap_or(0)
                )
            })
            .collect();
        println!(
            "  {label}: profile {} ({}), verdict {}: {}",
            report["profile"]["name"].as_str().unwrap_or("?"),
            report["profile"]["source"].as_str().unwrap_or("?"),
            report["verdict"].as_str().unwrap_or("?"),
            checks.join(", ")
        );
    };
    show(
        &offline,
        b.rc(&["run", "-f", "json", "--no-save"]),
        "offline",
    );
    show(
        &home,
        online(&["run", "-f", "json", "--no-save"]),
        "loopback",
    );

    let (mut off, mut off_skip, mut on, mut on_skip) = Default::default();
    let mut off_net = Stats::default();
    let push = |s: &mut Stats, p: Proc| s.push(millis(p.wall));
    for _ in 0..b.runs {
        offline.run(|| {
            push(&mut off, measure(&mut b.rc(&["run"])));
            push(&mut off_skip, measure(&mut b.rc(&["run", "--skip", "cpu"])));
            push(
                &mut off_net,
                measure(&mut b.rc(&["run", "--skip", "network"])),
            );
        });
        home.run(|| {
            push(&mut on, measure(&mut online(&["run"])));
            push(
                &mut on_skip,
                measure(&mut online(&["run", "--skip", "cpu"])),
            );
        });
    }
    let (off, off_skip, on, on_skip): (Stats, Stats, Stats, Stats) = (off, off_skip, on, on_skip);
    println!(
        "  offline (empty network namespace)          {}   target ≤ 300 ms",
        off.ms()
    );
    println!(
        "    the same with --skip cpu                 {}",
        off_skip.ms()
    );
    println!(
        "    the same with --skip network             {}",
        off_net.ms()
    );
    println!(
        "  endpoints answering on loopback            {}   target ≤ 300 ms",
        on.ms()
    );
    println!(
        "    the same with --skip cpu                 {}",
        on_skip.ms()
    );
    println!(
        "  (the cpu check samples the load for 200 ms by default and says so: metric cpu_sample_ms)"
    );
    targets.push((
        "default profile offline".into(),
        fmt_ms(off.median()),
        "≤ 300 ms".into(),
    ));
    targets.push((
        "default profile, endpoints on loopback".into(),
        fmt_ms(on.median()),
        "≤ 300 ms".into(),
    ));
    Ok(())
}

/// (b) 20 `http` and 20 `tcp` endpoints 200 ms away, against one bare probe over the same path.
fn delay_line(b: &Bench, targets: &mut Targets) {
    println!(
        "\n(b) 20 `http` and 20 `tcp` endpoints 200 ms round trip away: a client and a server \
         network namespace joined by a userspace relay that holds every packet 100 ms each way \
         (TCP handshake included); one readycheck run of 20 checks against one bare probe over \
         the same path, in the same round:"
    );
    #[cfg(target_os = "linux")]
    if b.root {
        if let Err(e) = delay_line_ns(b, targets) {
            println!("  could not build the delay line: {e}");
        }
        return;
    }
    let _ = targets;
    println!("  skipped: needs root (network namespaces)");
}

#[cfg(target_os = "linux")]
fn delay_line_ns(b: &Bench, targets: &mut Targets) -> std::io::Result<()> {
    use std::net::{SocketAddr, TcpStream};

    use netns::{listen, serve_http, serve_tcp};
    let line = netns::delay_line(Duration::from_millis(200))?;
    let ip = line.server_ip;
    line.server.run(|| -> std::io::Result<()> {
        for i in 0..20 {
            serve_http(listen((ip, 8000 + i).into())?);
            serve_tcp(listen((ip, 9000 + i).into())?);
        }
        Ok(())
    })?;
    let head = "[profile]\nname = \"bench-delay\"\ntimeout = \"5s\"\n";
    let http: String = (0..20)
        .map(|i| {
            format!(
                "\n[[check]]\nid = \"http{i}\"\nplugin = \"network\"\nkind = \"http\"\nurl = \"http://{ip}:{}/\"\nexpect_status = [200]\nproxy = \"none\"\n",
                8000 + i
            )
        })
        .collect();
    let tcp_check = |i: u16| {
        format!(
            "\n[[check]]\nid = \"tcp{i}\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"{ip}:{}\"\n",
            9000 + i
        )
    };
    let tcp: String = (0..20).map(tcp_check).collect();
    let http_p = b.write("http20.toml", &format!("{head}{http}"));
    let tcp_p = b.write("tcp20.toml", &format!("{head}{tcp}"));
    let tcp1_p = b.write("tcp1.toml", &format!("{head}{}", tcp_check(0)));
    let has_curl = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let url = format!("http://{ip}:8000/");
    let curl = || {
        let mut c = Command::new("curl");
        c.args(["-s", "-o", "/dev/null", "--noproxy", "*", "--max-time", "5"])
            .arg(&url)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        measure(&mut c)
    };
    let addr: SocketAddr = (ip, 9000).into();
    let connect = || {
        let t0 = Instant::now();
        let ok = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).is_ok();
        (t0.elapsed(), ok)
    };
    let rc = |p: &Path| measure(&mut b.rc(&["run", "--no-save", "-p", p.to_str().expect("utf-8")]));
    let rounds = b.runs.max(5);
    let mut s = [(); 7].map(|_| Stats::default());
    let mut jobs = [(); 2].map(|_| Stats::default());
    let mut failed = Vec::new();
    line.client.run(|| {
        // Warm up the path and the page cache once.
        let _ = connect();
        let _ = rc(&tcp_p);
        for _ in 0..rounds {
            if has_curl {
                let c = curl();
                let h = rc(&http_p);
                if c.code != 0 || h.code != 0 {
                    failed.push(format!("curl exit {}, readycheck exit {}", c.code, h.code));
                }
                s[0].push(millis(c.wall));
                s[1].push(millis(h.wall));
                s[2].push(h.wall.as_secs_f64() / c.wall.as_secs_f64());
            }
            let (c, ok) = connect();
            let t = rc(&tcp_p);
            if !ok || t.code != 0 {
                failed.push(format!("connect ok {ok}, readycheck exit {}", t.code));
            }
            s[3].push(millis(c));
            s[4].push(millis(t.wall));
            s[5].push(t.wall.as_secs_f64() / c.as_secs_f64());
            s[6].push(millis(rc(&tcp1_p).wall));
        }
        // The same 20 tcp checks with fewer at a time: what `-j` buys when checks wait.
        for _ in 0..3 {
            for (k, j) in ["2", "8"].iter().enumerate() {
                let args = [
                    "run",
                    "--no-save",
                    "-j",
                    j,
                    "-p",
                    tcp_p.to_str().expect("utf-8"),
                ];
                jobs[k].push(millis(measure(&mut b.rc(&args)).wall));
            }
        }
    });
    println!("  {rounds} rounds");
    if has_curl {
        println!("  one bare probe: curl {url:<22} {}", s[0].ms());
        println!("  readycheck, 20 http checks in one run    {}", s[1].ms());
        println!(
            "    ratio to the bare probe, per round     {}   target ≤ 1.2×",
            s[2].ratio()
        );
        targets.push((
            "20 http endpoints 200 ms away ÷ one curl".into(),
            format!("{:.2}×", s[2].median()),
            "≤ 1.2×".into(),
        ));
    } else {
        println!("  curl is not installed: no http rows (apt-get install curl)");
    }
    println!("  one bare TCP connect to {addr:<17} {}", s[3].ms());
    println!("  readycheck, 20 tcp checks in one run     {}", s[4].ms());
    println!(
        "    ratio to the bare connect, per round   {}   target ≤ 1.2×",
        s[5].ratio()
    );
    println!("  readycheck, 1 tcp check                  {}", s[6].ms());
    println!(
        "  the 20 tcp checks with -j 8, 3 runs      {}   (-j 2: {}; the default is -j {})",
        jobs[1].ms(),
        jobs[0].ms(),
        readycheck::runner::DEFAULT_PARALLELISM
    );
    targets.push((
        "20 tcp endpoints 200 ms away ÷ one TCP connect".into(),
        format!("{:.2}×", s[5].median()),
        "≤ 1.2×".into(),
    ));
    if !failed.is_empty() {
        println!("  NOTE: some probes failed: {}", failed.join("; "));
    }
    Ok(())
}

/// (c) and (e): the isolation overhead of one plugin call against fork+exec of `/bin/true`, and
/// where the time of a call goes.
fn isolation(b: &Bench, targets: &mut Targets) {
    let plugin = b.dir.join(lib("misbehave"));
    let request = serde_json::to_vec(&CheckRequest {
        id: "bench".into(),
        kind: "ok".into(),
        params: Default::default(),
        timeout_ms: 5000,
        os: std::env::consts::OS.into(),
        locale: "en".into(),
    })
    .expect("request");
    let call = Call::Run(request);
    let child = Isolation::for_host(&b.exe).exe;
    let isolated = Backend::Isolated(Isolation::for_host(&b.exe));
    let one = |backend: &Backend| {
        let t0 = Instant::now();
        let bytes = backend
            .call(&plugin, &call, Duration::from_secs(5))
            .expect("call");
        let r: CheckResult = parse_output(&bytes, "result").expect("parse");
        assert_eq!(r.status, readycheck_sdk::Status::Pass);
        t0.elapsed()
    };
    let spawn = |cmd: &mut Command| {
        let t0 = Instant::now();
        let st = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("spawn");
        assert!(st.success(), "{cmd:?}: {st}");
        t0.elapsed()
    };
    // The child program loading nothing (`/dev/null` is not a library): the process, the
    // loader's start-up and the runtime, without the plugin.
    let bare_child = || {
        spawn(
            Command::new(&child)
                .args(["__plugin-host", "run", "/dev/null"])
                .env_clear(),
        )
    };

    // A host that cannot call this build's plugins (a stale binary) skips the rows, not the run.
    if let Err(e) = isolated.call(&plugin, &call, Duration::from_secs(5)) {
        println!(
            "\n(c) and (e) skipped: an isolated call failed: {}",
            e.message()
        );
        return;
    }
    // Warm up.
    for _ in 0..20 {
        one(&isolated);
        one(&Backend::InProcess);
    }
    let rounds = 10;
    let per = (b.calls / rounds).max(5);
    // Per round: the median of each kind of call, then the ratio of those medians.
    let mut s = [(); 5].map(|_| Stats::default());
    let mut ratios = Stats::default();
    let mut self_ratios = Stats::default();
    let (mut iso_host, mut iso_kids) = (Cpu::default(), Cpu::default());
    for _ in 0..rounds {
        let mut r = [(); 4].map(|_| Stats::default());
        for _ in 0..per {
            r[0].push(millis(spawn(&mut Command::new("/bin/true"))));
            r[2].push(millis(bare_child()));
            let (h, k) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
            r[1].push(millis(one(&isolated)));
            iso_host = iso_host + (rusage(libc::RUSAGE_SELF) - h);
            iso_kids = iso_kids + (rusage(libc::RUSAGE_CHILDREN) - k);
            r[3].push(millis(one(&Backend::InProcess)));
        }
        let overhead = r[1].median() - r[3].median();
        ratios.push(overhead / r[0].median());
        self_ratios.push(overhead / r[2].median());
        for (all, this) in s.iter_mut().zip(&r) {
            all.push(this.median());
        }
        s[4].push(overhead);
    }
    let n = (rounds * per) as f64;
    println!(
        "\n(c) one plugin call (spawn, load, call, parse): {rounds} rounds of {per} calls of each \
         kind, interleaved; each figure is the median of the rounds' medians (min–max of the rounds); \
         the child program is {}:",
        child.display()
    );
    println!(
        "  fork+exec /bin/true (the floor)              {}",
        s[0].ms()
    );
    println!(
        "  isolated call (child process)                {}",
        s[1].ms()
    );
    println!(
        "  in-process call                              {}",
        s[3].ms()
    );
    println!(
        "  isolation overhead (isolated − in-process)   {}",
        s[4].ms()
    );
    println!(
        "    ÷ fork+exec /bin/true, per round           {}   target ≤ 1.5×",
        ratios.ratio()
    );
    println!(
        "    ÷ fork+exec of the child loading nothing   {}   (the floor for a child that is this program)",
        self_ratios.ratio()
    );
    targets.push((
        "isolation overhead per call ÷ fork+exec /bin/true".into(),
        format!("{:.2}×", ratios.median()),
        "≤ 1.5×".into(),
    ));

    // (e) The split of one call, layer by layer.
    let dlopen = dlopen_time(&plugin, b.tmp.path(), 30);
    let ld_true = loader_startup(Command::new("/bin/true"), 15);
    let ld_rc = loader_startup(
        {
            let mut c = Command::new(&child);
            c.args(["__plugin-host", "run", "/dev/null"]);
            c
        },
        15,
    );
    let faults = |cmd: &mut Command| {
        let mut f = Stats::default();
        for _ in 0..15 {
            f.push(
                measure(
                    cmd.stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null()),
                )
                .minflt as f64,
            );
        }
        f.median()
    };
    let (f_true, f_bare) = (
        faults(&mut Command::new("/bin/true")),
        faults(Command::new(&child).args(["__plugin-host", "run", "/dev/null"])),
    );
    let (t_true, t_iso, t_bare, dl) =
        (s[0].median(), s[1].median(), s[2].median(), dlopen.median());
    let (l_true, l_rc) = (
        ld_true.as_ref().map_or(0.0, Stats::median),
        ld_rc.as_ref().map_or(0.0, Stats::median),
    );
    println!("\n(e) where the time of one isolated call goes (wall time, layer by layer):");
    println!(
        "  kernel: fork, exec, exit, wait — /bin/true less its loader start-up   {}",
        fmt_ms(t_true - l_true)
    );
    println!(
        "  dynamic loader: the child program's start-up {} + dlopen of the plugin {}   {}",
        if ld_rc.is_some() {
            fmt_ms(l_rc)
        } else {
            "not measured".into()
        },
        fmt_ms(dl),
        fmt_ms(l_rc + dl)
    );
    println!(
        "  exec of the {:.2} MB child program instead of /bin/true ({f_bare:.0} page faults, not {f_true:.0}) and its own start-up   {}",
        std::fs::metadata(&child).map_or(0.0, |m| m.len() as f64 / 1e6),
        fmt_ms(t_bare - t_true - (l_rc - l_true))
    );
    println!(
        "  readycheck's own code: pipes, the poll loop, request, the plugin's call, JSON (no thread started on either side on Linux)   {}",
        fmt_ms(t_iso - t_bare - dl)
    );
    println!(
        "  = isolated call                                                        {}",
        fmt_ms(t_iso)
    );
    println!(
        "  (loader start-up: glibc's LD_DEBUG=statistics cycles at the measured TSC rate; dlopen timed in this process on fresh copies)"
    );
    let per_call = |c: Cpu| (c.user / n, c.sys / n);
    let ((hu, hs), (ku, ks)) = (per_call(iso_host), per_call(iso_kids));
    println!(
        "  CPU per isolated call (getrusage): {} in all — host {} user + {} kernel, child {} user + {} kernel;",
        fmt_ms(hu + hs + ku + ks),
        fmt_ms(hu),
        fmt_ms(hs),
        fmt_ms(ku),
        fmt_ms(ks)
    );
    println!(
        "    the user/kernel split is not used above: unless the kernel accounts CPU time precisely, it is sampled at timer ticks, which says nothing about a process this short"
    );
    per_run_costs(b);
}

/// What a run pays per plugin it uses before the first check: the plugin file's sha256 and one
/// `describe` call (a child process) to read its manifest.
fn per_run_costs(b: &Bench) {
    let iso = Isolation::for_host(&b.exe);
    let mut rows = Vec::new();
    for name in ["misbehave", "network"] {
        let path = b.dir.join(lib(name));
        if !path.exists() {
            continue;
        }
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let (mut hash, mut describe) = (Stats::default(), Stats::default());
        for _ in 0..15 {
            let t0 = Instant::now();
            let _ = readycheck::plugin::discovery::file_sha256(&path);
            hash.push(millis(t0.elapsed()));
            let t0 = Instant::now();
            let _ = iso.call(&path, &Call::Describe, Duration::from_secs(5));
            describe.push(millis(t0.elapsed()));
        }
        rows.push(format!(
            "  {name} ({:.1} MB): sha256 {}, describe call {}",
            size as f64 / 1e6,
            hash.ms(),
            describe.ms()
        ));
    }
    println!(
        "  per run and plugin used, before the first check (discovery hashes the file and describes the plugin):"
    );
    for r in rows {
        println!("  {r}");
    }
}

/// CPU time in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    user: f64,
    sys: f64,
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, o: Cpu) -> Cpu {
        Cpu {
            user: self.user - o.user,
            sys: self.sys - o.sys,
        }
    }
}

impl std::ops::Add for Cpu {
    type Output = Cpu;
    fn add(self, o: Cpu) -> Cpu {
        Cpu {
            user: self.user + o.user,
            sys: self.sys + o.sys,
        }
    }
}

fn rusage(who: libc::c_int) -> Cpu {
    // SAFETY: getrusage fills the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(who, &mut u) };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    Cpu {
        user: ms(u.ru_utime),
        sys: ms(u.ru_stime),
    }
}

/// Time to `dlopen` the plugin as the child does (lazy binding), each time a fresh copy so that
/// nothing is already loaded.
fn dlopen_time(plugin: &Path, tmp: &Path, n: usize) -> Stats {
    let mut s = Stats::default();
    for i in 0..n {
        let copy = tmp.join(format!("dlopen-{i}.so"));
        if std::fs::copy(plugin, &copy).is_err() {
            continue;
        }
        let Ok(c) = std::ffi::CString::new(copy.as_os_str().as_encoded_bytes()) else {
            continue;
        };
        let t0 = Instant::now();
        // SAFETY: loading our own plugin (its initialisers are Rust's, harmless); the handle is
        // kept open (never closed) so nothing is unloaded under anyone.
        let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL) };
        let t = t0.elapsed();
        if !h.is_null() {
            s.push(millis(t));
        }
    }
    s
}

/// The dynamic loader's own start-up time for `cmd` (glibc's `LD_DEBUG=statistics`, in CPU
/// cycles, converted with the time-stamp counter's rate measured here); x86-64 only.
fn loader_startup(mut cmd: Command, n: usize) -> Option<Stats> {
    let hz = tsc_hz()?;
    let mut s = Stats::default();
    for _ in 0..n {
        let out = cmd
            .env("LD_DEBUG", "statistics")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stderr);
        let cycles: f64 = text.lines().find_map(|l| {
            l.split("total startup time in dynamic loader:")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })?;
        s.push(cycles / hz * 1000.0);
    }
    Some(s)
}

#[cfg(target_arch = "x86_64")]
fn tsc_hz() -> Option<f64> {
    use std::arch::x86_64::_rdtsc;
    // SAFETY: reading the time-stamp counter has no preconditions on x86-64.
    let (t0, c0) = (Instant::now(), unsafe { _rdtsc() });
    while t0.elapsed() < Duration::from_millis(50) {}
    // SAFETY: as above.
    let (t1, c1) = (t0.elapsed(), unsafe { _rdtsc() });
    Some((c1 - c0) as f64 / t1.as_secs_f64())
}

#[cfg(not(target_arch = "x86_64"))]
fn tsc_hz() -> Option<f64> {
    None
}

/// (d) `-j` on 50 trivial checks: wall and CPU (the host and its children), the three settings
/// interleaved run by run.
fn jobs(b: &Bench) {
    let mut profile = String::from("[profile]\nname = \"bench\"\ntimeout = \"5s\"\n");
    for i in 0..50 {
        profile.push_str(&format!(
            "\n[[check]]\nid = \"c{i}\"\nplugin = \"misbehave\"\nkind = \"ok\"\n"
        ));
    }
    let p = b.write("bench50.toml", &profile);
    let p = p.to_str().expect("utf-8");
    let settings = ["2", "8", "32"];
    let mut wall = [(); 4].map(|_| Stats::default());
    let mut cpu = [(); 4].map(|_| Stats::default());
    let mut rss = [0i64; 4];
    let runs = b.runs.max(15);
    for _ in 0..runs {
        for (i, j) in settings.iter().enumerate() {
            let r = measure(&mut b.rc(&["run", "--no-save", "-f", "json", "-p", p, "-j", j]));
            assert_eq!(r.code, 0, "the 50-check profile should be ready");
            wall[i].push(millis(r.wall));
            cpu[i].push(millis(r.cpu));
            rss[i] = rss[i].max(r.maxrss);
        }
        let r = measure(&mut b.rc(&["run", "--no-save", "-f", "json", "-p", p, "--in-process"]));
        wall[3].push(millis(r.wall));
        cpu[3].push(millis(r.cpu));
        rss[3] = rss[3].max(r.maxrss);
    }
    println!(
        "\n(d) 50 trivial checks, a whole `readycheck run` (start-up, discovery, report), {runs} runs \
         interleaved (the default is -j {}):",
        readycheck::runner::DEFAULT_PARALLELISM
    );
    println!("             wall                        CPU (host + children)       peak RSS");
    for (i, label) in ["-j 2", "-j 8", "-j 32", "in-process"].iter().enumerate() {
        println!(
            "  {label:<10} {:<27} {:<27} {:.1} MB",
            wall[i].ms(),
            cpu[i].ms(),
            rss[i] as f64 / 1024.0
        );
    }
}

/// `readycheck --version`, a run of a profile with zero checks (parse, discovery, report, exit),
/// and the stripped binary's size.
fn startup(b: &Bench) {
    let p = b.write("empty.toml", "[profile]\nname = \"empty\"\n");
    let p = p.to_str().expect("utf-8");
    let (mut v, mut z) = (Stats::default(), Stats::default());
    for _ in 0..b.runs.max(15) {
        v.push(millis(measure(&mut b.rc(&["--version"])).wall));
        z.push(millis(
            measure(&mut b.rc(&["run", "-p", p, "--no-save", "-f", "json"])).wall,
        ));
    }
    let size = std::fs::metadata(&b.exe).map(|m| m.len()).unwrap_or(0);
    println!("\nstart-up:");
    println!("  readycheck --version                         {}", v.ms());
    println!("  run of a profile with zero checks            {}", z.ms());
    println!(
        "  host binary                                  {size} bytes ({:.2} MB; budget ≤ 8 MB stripped)",
        size as f64 / 1e6
    );
}

/// A black-holed gateway (its accept queue full, so connection attempts get no answer) with a
/// 3 s timeout.
fn black_hole(b: &Bench) {
    #[cfg(unix)]
    {
        if !b.dir.join(lib("network")).exists() {
            return;
        }
        let (port, _fillers, _listener) = readycheck_e2e::black_hole();
        let p = b.write(
            "blackhole.toml",
            &format!(
                "[profile]\nname = \"hole\"\n\n[[check]]\nid = \"gateway\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"127.0.0.1:{port}\"\ntimeout = \"3s\"\n"
            ),
        );
        let mut s = Stats::default();
        for _ in 0..3 {
            s.push(millis(
                measure(&mut b.rc(&["run", "--no-save", "-p", p.to_str().expect("utf-8")])).wall,
            ));
        }
        println!(
            "\nblack-holed gateway, one tcp check with a 3 s timeout, 3 runs: {}   ({:.2}× the timeout)",
            s.ms(),
            s.median() / 3000.0
        );
    }
}

/// The apps plugin: default-source detection of 10 applications in one isolated call.
fn apps(b: &Bench) {
    let apps = b.dir.join(lib("apps"));
    if !apps.exists() {
        return;
    }
    let names = [
        "git", "curl", "bash", "tar", "make", "gzip", "grep", "sed", "perl", "openssl",
    ];
    let list: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({"name": n}))
        .collect();
    let req = serde_json::to_vec(&serde_json::json!({
        "id": "ten", "kind": "any_of", "params": {"apps": list, "min_present": 10}, "timeout_ms": 5000, "os": std::env::consts::OS
    }))
    .expect("request");
    let call = Call::Run(req);
    let iso = Backend::Isolated(Isolation::for_host(&b.exe));
    let mut s = Stats::default();
    let mut summary = String::new();
    for _ in 0..7 {
        let t0 = Instant::now();
        let bytes = iso
            .call(&apps, &call, Duration::from_secs(10))
            .expect("call");
        let r: CheckResult = parse_output(&bytes, "result").expect("parse");
        s.push(millis(t0.elapsed()));
        summary = r.summary;
    }
    println!(
        "\napps plugin, default-source detection of 10 applications in one isolated call, 7 runs:"
    );
    println!("  {}   (target ≤ 300 ms) — {summary}", s.ms());
}

/// The resources plugin: time to answer each kind with its defaults.
fn resources(b: &Bench) {
    let resources = b.dir.join(lib("resources"));
    if !resources.exists() {
        return;
    }
    let iso = Backend::Isolated(Isolation::for_host(&b.exe));
    println!(
        "\nresources plugin, one check with default parameters, 9 runs (in-process | isolated):"
    );
    for kind in ["memory", "disk", "os", "uptime", "power", "cpu"] {
        let req = serde_json::to_vec(&serde_json::json!({
            "id": kind, "kind": kind, "params": {}, "timeout_ms": 4000, "os": std::env::consts::OS
        }))
        .expect("request");
        let call = Call::Run(req);
        let mut last = CheckResult::pass("", "");
        let mut time = |backend: &Backend| {
            let mut s = Stats::default();
            for _ in 0..9 {
                let t0 = Instant::now();
                let bytes = backend
                    .call(&resources, &call, Duration::from_secs(5))
                    .expect("call");
                last = parse_output(&bytes, "result").expect("parse");
                s.push(millis(t0.elapsed()));
            }
            s
        };
        let (a, i) = (time(&Backend::InProcess), time(&iso));
        let sampled = last
            .metrics
            .get("cpu_sample_ms")
            .map(|m| format!("   (load sampled for {m} ms)"))
            .unwrap_or_default();
        println!("  {kind:<7} {:<27} | {}{sampled}", a.ms(), i.ms());
    }
}

/// summarize over 20,000 reports, against a jq pipeline computing the same counts.
fn summarize(b: &Bench) {
    let n = env_num("BENCH_REPORTS", 20_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let codes = [
        "network.tcp.refused",
        "network.tcp.timed_out",
        "network.sites.region_down",
        "resources.disk.full",
    ];
    let mut bytes = 0usize;
    for i in 0..n {
        let host = format!("pc-{:05}", i % (n / 2).max(1));
        let verdict = ["ready", "degraded", "not_ready"][i % 3];
        let checks: Vec<serde_json::Value> = (0..24)
            .map(|c| {
                let failing = verdict == "not_ready" && c == i % 24;
                serde_json::json!({
                    "id": format!("check-{c}"), "title": format!("Check number {c} of the trading desk profile"),
                    "plugin": "network", "kind": "tcp", "severity": "required",
                    "status": if failing { "fail" } else { "pass" },
                    "code": if failing { codes[i % codes.len()] } else { "network.tcp.ok" },
                    "summary": format!("vpn-{c}.corp.example:443 accepts connections ({} ms)", 10 + c),
                    "evidence": [format!("resolved vpn-{c}.corp.example → 10.20.{c}.1"), format!("connected to 10.20.{c}.1:443 in 12.3 ms")],
                    "metrics": {"dns_ms": 1.2, "connect_ms": 12.3}, "duration_ms": 14
                })
            })
            .collect();
        let r = serde_json::json!({
            "schema": "readycheck/report/v1", "id": format!("r{i}"), "verdict": verdict,
            "counts": {"pass": 23, "warn": 0, "fail": 1, "skip": 0, "error": 0},
            "tool": {"name": "readycheck", "version": "0.1.0"},
            "host": {"hostname": host, "user": "trader", "os": "windows", "os_version": "10.0.19045", "arch": "x86_64"},
            "profile": {"name": "Trading desk", "version": "2026.11", "sha256": "ab", "source": "embedded"},
            "started_at": format!("2026-11-23T06:{:02}:{:02}Z", (i / 60) % 60, i % 60), "duration_ms": 1200,
            "plugins": [], "root_causes": [], "checks": checks
        });
        let text = serde_json::to_vec(&r).expect("json");
        bytes += text.len();
        std::fs::write(dir.path().join(format!("{i:05}.json")), text).expect("write");
    }
    let mut s = Stats::default();
    let mut peak = 0;
    for _ in 0..3 {
        let mut cmd = b.rc(&["summarize", "-f", "json"]);
        cmd.arg(dir.path());
        let r = measure(&mut cmd);
        s.push(millis(r.wall));
        peak = peak.max(r.maxrss);
    }
    println!(
        "\nsummarize over {n} reports ({:.1} KB each on average, {} MB in all), 3 runs:",
        bytes as f64 / n as f64 / 1024.0,
        bytes / 1_000_000
    );
    println!(
        "  readycheck summarize   {}   (target ≤ 3 s); peak RSS {:.1} MB (target ≤ 200 MB)",
        s.ms(),
        peak as f64 / 1024.0
    );
    let has_jq = Command::new("jq")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_jq {
        let script = format!(
            "find {} -name '*.json' -print0 | xargs -0 jq -c '{{h: .host.hostname, t: .started_at, v: .verdict}}' | jq -s 'group_by(.h) | map(max_by(.t)) | group_by(.v) | map({{key: .[0].v, value: length}}) | from_entries'",
            dir.path().display()
        );
        let jq = measure(
            Command::new("sh")
                .args(["-c", &script])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        );
        println!(
            "  the same counts with a jq pipeline, one run: {}   (readycheck is {:.1}× faster; target ≥ 5×)",
            fmt_ms(millis(jq.wall)),
            millis(jq.wall) / s.median()
        );
    } else {
        println!("  jq is not installed: no comparison");
    }
}
