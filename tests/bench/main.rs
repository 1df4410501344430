//! The benchmark of the foundation (`./target/release/readycheck-bench` after a release build).
//! It prints the cost of one isolated plugin call (spawn, load, call, parse) against an
//! in-process call, the wall time of a 50-check profile both ways, and the host's peak memory.
//! Figures, not assertions: a busy machine gives slower numbers, never a failed test.

#![allow(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use readycheck::plugin::isolate::Isolation;
use readycheck::plugin::registry::Backend;
use readycheck::plugin::{Call, parse_output};
use readycheck_sdk::{CheckRequest, CheckResult};

fn target_dir() -> PathBuf {
    std::env::current_exe()
        .expect("exe")
        .parent()
        .expect("target dir")
        .to_path_buf()
}

fn lib(name: &str) -> String {
    format!(
        "{}readycheck_{name}{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `cmd`, returning wall time and the peak RSS (KiB) reported by wait4 for it.
#[cfg(unix)]
fn timed_run(cmd: &mut Command) -> (Duration, i64, i32) {
    let t0 = Instant::now();
    // The child is reaped by wait4 below, which also reports its peak memory.
    #[allow(clippy::zombie_processes, reason = "reaped with wait4")]
    let child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: waiting for our own child with a zeroed rusage we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    (t0.elapsed(), usage.ru_maxrss, libc::WEXITSTATUS(status))
}

fn main() {
    let dir = target_dir();
    let exe = dir.join(format!("readycheck{}", std::env::consts::EXE_SUFFIX));
    let plugin = dir.join(lib("misbehave"));
    for p in [&exe, &plugin] {
        assert!(
            p.exists(),
            "{} is missing: run `cargo build --release --workspace` first",
            p.display()
        );
    }
    let calls: usize = std::env::var("BENCH_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    println!(
        "readycheck benchmark ({} cores, build: {})",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        dir.display()
    );

    // 1. One call, isolated vs in-process.
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
    let measure = |backend: &Backend| {
        let mut times = Vec::with_capacity(calls);
        for _ in 0..calls {
            let t0 = Instant::now();
            let bytes = backend
                .call(&plugin, &call, Duration::from_secs(5))
                .expect("call");
            let r: CheckResult = parse_output(&bytes, "result").expect("parse");
            assert_eq!(r.status, readycheck_sdk::Status::Pass);
            times.push(t0.elapsed());
        }
        times
    };
    let isolated = Backend::Isolated(Isolation { exe: exe.clone() });
    let iso = measure(&isolated);
    let inproc = measure(&Backend::InProcess);
    let (iso_med, in_med) = (median(iso.clone()), median(inproc));
    println!("\nper plugin call (spawn + load + call + parse), median of {calls}:");
    println!(
        "  isolated child process : {}   (p90 {})",
        ms(iso_med),
        ms({
            let mut v = iso;
            v.sort();
            v[v.len() * 9 / 10]
        })
    );
    println!("  in-process (floor)     : {}", ms(in_med));
    println!(
        "  isolation overhead     : {}   (target ≤ 3 ms)",
        ms(iso_med.saturating_sub(in_med))
    );

    // 2. A profile of 50 trivial checks, isolated vs --in-process, plus peak RSS.
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut profile = String::from("[profile]\nname = \"bench\"\ntimeout = \"5s\"\n");
    for i in 0..50 {
        profile.push_str(&format!(
            "\n[[check]]\nid = \"c{i}\"\nplugin = \"misbehave\"\nkind = \"ok\"\n"
        ));
    }
    let pfile = tmp.path().join("bench50.toml");
    std::fs::write(&pfile, profile).expect("profile");
    let run = |extra: &[&str]| {
        let mut walls = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..runs {
            let mut cmd = Command::new(&exe);
            cmd.args(["run", "-p"])
                .arg(&pfile)
                .args(["--no-save", "-f", "json"])
                .args(extra);
            cmd.env("READYCHECK_DATA_DIR", tmp.path());
            #[cfg(unix)]
            {
                let (wall, maxrss, code) = timed_run(&mut cmd);
                assert_eq!(code, 0, "the 50-check profile should be ready");
                walls.push(wall);
                rss.push(maxrss);
            }
        }
        rss.sort();
        (median(walls), rss.last().copied().unwrap_or(0))
    };
    let (wall_iso, rss_iso) = run(&[]);
    let (wall_in, rss_in) = run(&["--in-process"]);
    println!(
        "\n50 trivial checks, whole `readycheck run` incl. startup and discovery, median of {runs}:"
    );
    println!("  isolated   : {}   (target ≤ 150 ms)", ms(wall_iso));
    println!("  in-process : {}", ms(wall_in));
    println!(
        "\npeak RSS (wait4 ru_maxrss: the largest of the host and the children it waited for):"
    );
    println!(
        "  isolated run   : {:.1} MB   (target ≤ 20 MB)",
        rss_iso as f64 / 1024.0
    );
    println!("  in-process run : {:.1} MB", rss_in as f64 / 1024.0);

    // 3. The network plugin: 20 endpoints each 200 ms away (through the delaying proxy), probed
    //    by one profile, against the slowest single probe and a sequential curl loop; and a
    //    black-holed gateway with a 3 s timeout.
    if dir.join(lib("network")).exists() {
        network_bench(&exe, tmp.path());
    }

    // 4. The apps plugin: default-source detection of 10 applications in one check (target
    //    ≤ 300 ms; sources run in parallel, each with a timeout).
    let apps = dir.join(lib("apps"));
    if apps.exists() {
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
        let mut v = Vec::new();
        let mut summary = String::new();
        for _ in 0..7 {
            let t0 = Instant::now();
            let bytes = isolated
                .call(&apps, &call, Duration::from_secs(10))
                .expect("call");
            let r: CheckResult = parse_output(&bytes, "result").expect("parse");
            v.push(t0.elapsed());
            summary = r.summary;
        }
        println!(
            "\napps plugin, default-source detection of 10 applications in one isolated call, median of 7:"
        );
        println!("  {}   (target ≤ 300 ms) — {summary}", ms(median(v)));
    }

    // 5. Startup and size: what a double-click costs before any check runs.
    startup_bench(&exe, runs);

    // 5b. summarize over 20,000 reports of about 8 KB (target ≤ 3 s, ≤ 200 MB), against jq.
    summarize_bench(&exe);

    // 6. The resources plugin: time to answer each kind (target ≤ 50 ms except cpu, which
    //    samples for the time it is told).
    let resources = dir.join(lib("resources"));
    if resources.exists() {
        println!(
            "\nresources plugin, time to answer one check, median of 20 (in-process | isolated):"
        );
        let kinds: [(&str, serde_json::Value); 6] = [
            ("memory", serde_json::json!({})),
            ("disk", serde_json::json!({"path": "/"})),
            ("os", serde_json::json!({})),
            ("uptime", serde_json::json!({})),
            ("power", serde_json::json!({})),
            ("cpu", serde_json::json!({"sample_ms": 250})),
        ];
        for (kind, params) in kinds {
            let req = serde_json::to_vec(&serde_json::json!({
                "id": kind, "kind": kind, "params": params, "timeout_ms": 5000, "os": std::env::consts::OS
            }))
            .expect("request");
            let call = Call::Run(req);
            let time = |backend: &Backend| {
                let mut v = Vec::new();
                for _ in 0..20 {
                    let t0 = Instant::now();
                    let bytes = backend
                        .call(&resources, &call, Duration::from_secs(5))
                        .expect("call");
                    let _: CheckResult = parse_output(&bytes, "result").expect("parse");
                    v.push(t0.elapsed());
                }
                median(v)
            };
            println!(
                "  {kind:<7} {:>10} | {:>10}",
                ms(time(&Backend::InProcess)),
                ms(time(&isolated))
            );
        }
    }
}

/// `readycheck --version`, and a run of a profile with zero checks (profile parse, plugin
/// discovery, report, exit), median of `runs`; the stripped binary's size.
fn startup_bench(exe: &std::path::Path, runs: usize) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let profile = tmp.path().join("empty.toml");
    std::fs::write(&profile, "[profile]\nname = \"empty\"\n").expect("write profile");
    let time = |args: &[&str]| {
        let v: Vec<Duration> = (0..runs.max(10))
            .map(|_| {
                wall(
                    Command::new(exe)
                        .args(args)
                        .env("READYCHECK_DATA_DIR", tmp.path().join("data")),
                )
            })
            .collect();
        median(v)
    };
    let p = profile.to_str().expect("utf-8 path");
    println!("\nstartup, median of {}:", runs.max(10));
    println!(
        "  readycheck --version          {}",
        ms(time(&["--version"]))
    );
    println!(
        "  run with zero checks           {}   (profile, discovery, report, exit; not saved)",
        ms(time(&["run", "-p", p, "--no-save", "-f", "json"]))
    );
    let size = std::fs::metadata(exe).map(|m| m.len()).unwrap_or(0);
    println!(
        "  host binary                    {size} bytes ({:.2} MB)   (target ≤ 3 MB; `cargo xtask dist` lists every package)",
        size as f64 / 1e6
    );
}

fn wall(cmd: &mut Command) -> Duration {
    let t0 = Instant::now();
    let _ = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    t0.elapsed()
}

fn network_bench(exe: &std::path::Path, tmp: &std::path::Path) {
    use readycheck_e2e::{delay_proxy, http_server};
    let upstream = http_server(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        Duration::ZERO,
    );
    let ports: Vec<u16> = (0..20)
        .map(|_| delay_proxy(upstream, Duration::from_millis(200), None))
        .collect();
    let check = |i: usize, port: u16| {
        format!(
            "\n[[check]]\nid = \"ep{i}\"\nplugin = \"network\"\nkind = \"http\"\nurl = \"http://127.0.0.1:{port}/\"\nexpect_status = [204]\nproxy = \"none\"\n"
        )
    };
    let head = "[profile]\nname = \"bench-net\"\ntimeout = \"5s\"\n";
    let run = |text: String, name: &str| {
        let p = tmp.join(name);
        std::fs::write(&p, text).expect("profile");
        let mut cmd = Command::new(exe);
        cmd.args(["run", "--no-save", "-f", "json", "-p"])
            .arg(&p)
            .env("READYCHECK_DATA_DIR", tmp);
        wall(&mut cmd)
    };
    let singles: Vec<Duration> = ports
        .iter()
        .enumerate()
        .map(|(i, &p)| run(format!("{head}{}", check(i, p)), &format!("single{i}.toml")))
        .collect();
    let slowest = singles.iter().max().copied().unwrap_or_default();
    let all = format!(
        "{head}{}",
        ports
            .iter()
            .enumerate()
            .map(|(i, &p)| check(i, p))
            .collect::<String>()
    );
    let mut walls: Vec<Duration> = (0..5)
        .map(|k| run(all.clone(), &format!("all{k}.toml")))
        .collect();
    walls.sort();
    let together = walls[walls.len() / 2];
    println!("\nnetwork plugin, 20 HTTP endpoints each 200 ms away (delaying proxy on 127.0.0.1):");
    println!(
        "  slowest single probe (whole readycheck run): {}",
        ms(slowest)
    );
    println!(
        "  all 20 in one profile, median of 5         : {}   ({:.2}x the slowest single; target ≤ 1.3x)",
        ms(together),
        together.as_secs_f64() / slowest.as_secs_f64()
    );
    let has_curl = Command::new("curl")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_curl {
        let script = ports
            .iter()
            .map(|p| format!("curl -s -o /dev/null --max-time 5 http://127.0.0.1:{p}/"))
            .collect::<Vec<_>>()
            .join("\n");
        let curl = wall(Command::new("sh").args(["-c", &script]));
        println!(
            "  sequential curl script, same 20 probes     : {}   (readycheck is {:.1}x faster)",
            ms(curl),
            curl.as_secs_f64() / together.as_secs_f64()
        );
    } else {
        println!("  sequential curl script: curl is not installed here");
    }
    #[cfg(unix)]
    {
        let (port, _fillers, _listener) = readycheck_e2e::black_hole();
        let text = format!(
            "{head}\n[[check]]\nid = \"gateway\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"127.0.0.1:{port}\"\ntimeout = \"3s\"\n"
        );
        let t = run(text, "blackhole.toml");
        println!(
            "  black-holed gateway, 3 s timeout            : {}   (target ≤ 3.5 s)",
            ms(t)
        );
    }
}

fn summarize_bench(exe: &std::path::Path) {
    let n: usize = std::env::var("BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
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
    let mut cmd = Command::new(exe);
    cmd.arg("summarize").arg(dir.path()).args(["-f", "json"]);
    let mut walls = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        #[cfg(unix)]
        {
            let (w, rss, _) = timed_run(&mut cmd);
            walls.push(w);
            peak = peak.max(rss);
        }
    }
    walls.sort();
    let ours = walls[walls.len() / 2];
    println!(
        "\nsummarize over {n} reports ({:.1} KB each on average, {} MB in all):",
        bytes as f64 / n as f64 / 1024.0,
        bytes / 1_000_000
    );
    println!(
        "  readycheck summarize, median of 3: {}   (target ≤ 3 s); peak RSS {:.1} MB (target ≤ 200 MB)",
        ms(ours),
        peak as f64 / 1024.0
    );
    let has_jq = Command::new("jq")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if has_jq {
        let script = format!(
            "find {} -name '*.json' -print0 | xargs -0 jq -c '{{h: .host.hostname, t: .started_at, v: .verdict}}' | jq -s 'group_by(.h) | map(max_by(.t)) | group_by(.v) | map({{key: .[0].v, value: length}}) | from_entries'",
            dir.path().display()
        );
        let jq = wall(Command::new("sh").args(["-c", &script]));
        println!(
            "  the same counts with a jq pipeline: {}   (readycheck is {:.1}x faster; target ≥ 5x)",
            ms(jq),
            jq.as_secs_f64() / ours.as_secs_f64()
        );
    } else {
        println!("  jq is not installed: no comparison");
    }
}
