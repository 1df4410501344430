//! `readycheck-dashboard-bench`: the helpdesk dashboard's figures at fleet scale, medians and
//! 95th percentiles. A SQLite store is filled with a roster of `DASH_BENCH_HOSTS` hosts
//! (default 100,000; 20 sites, 30 departments, 10 % essential), a latest report for 85 % of them
//! (the morning so far: ready, degraded with a vendor warning, not ready in three incidents),
//! and `DASH_BENCH_DAYS` − 1 older reports per reporting host (default 30 days; the rows the
//! history and retention read, with small bodies). Then the server runs in this process on
//! 127.0.0.1 and is asked, signed in, for the home page (plain and filtered), its live part, a
//! full list page, a host page, the CSV export and `/metrics`; a report is posted while an
//! event stream is open, timing the event and the refreshed live part; the page weight is the
//! home page with its stylesheet and script.
//!
//! `cargo build --release -p readycheck-server && ./target/release/readycheck-dashboard-bench`;
//! `DASH_BENCH_RUNS` (default 50) sets the requests per figure.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use readycheck_server::config::{Config, Database, Overrides};
use readycheck_server::store::{CheckRow, NewReport, RosterRow, Store};
use sha2::{Digest, Sha256};

const SITES: [&str; 20] = [
    "上海", "深圳", "北京", "广州", "杭州", "成都", "南京", "武汉", "西安", "天津", "苏州", "重庆",
    "厦门", "青岛", "大连", "宁波", "长沙", "郑州", "济南", "福州",
];

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn say(s: &str) {
    let _ = writeln!(std::io::stdout(), "{s}");
}

/// Median and 95th percentile, in ms.
fn stats(mut v: Vec<f64>) -> (f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let p95 = v[((v.len() as f64 * 0.95).ceil() as usize).clamp(1, v.len()) - 1];
    (v[v.len() / 2], p95)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

/// GETs `path` `runs` times with the session: (median ms, p95 ms, bytes).
fn time_get(base: &str, cookie: &str, path: &str, runs: usize) -> (f64, f64, usize) {
    let a = agent();
    let mut ms = Vec::new();
    let mut bytes = 0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let mut resp = a
            .get(&format!("{base}{path}"))
            .header("Cookie", cookie)
            .call()
            .expect("GET");
        let body = resp
            .body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap();
        ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(resp.status().as_u16(), 200, "GET {path}");
        bytes = body.len();
    }
    let (m, p) = stats(ms);
    (m, p, bytes)
}

fn new_report(i: usize, host: &str, started: i64, verdict: &str, kind: usize) -> NewReport {
    let (owner, layer, code, who, en, zh) = match (verdict, kind % 3) {
        ("ready", _) => (
            "none",
            "none",
            None,
            None,
            "Everything you need works.",
            "一切正常。",
        ),
        ("degraded", _) => (
            "vendor",
            "vendor",
            Some("network.sites.region_down"),
            Some("Guangdong market data"),
            "The Guangdong market-data region is down — switch to Shanghai.",
            "广东行情区域中断——请切换到上海。",
        ),
        (_, 0) => (
            "company",
            "vpn_gateway",
            Some("network.tcp.refused"),
            None,
            "The company's VPN gateway refused the connection; your home network works.",
            "公司的 VPN 网关拒绝了连接；你的家庭网络正常。",
        ),
        (_, 1) => (
            "home_network",
            "home_network",
            Some("network.quality.loss"),
            None,
            "Your home connection is losing about 30 % of its packets.",
            "你的家庭网络丢包约 30%。",
        ),
        _ => (
            "vendor",
            "vendor",
            Some("network.sites.down"),
            Some("Shenzhen quotes"),
            "The vendor's Shenzhen quote servers do not answer.",
            "供应商的深圳行情服务器无应答。",
        ),
    };
    NewReport {
        id: format!("r{i}-{host}"),
        idempotency_key: format!("r{i}-{host}"),
        body_sha256: String::new(),
        hostname: host.to_string(),
        username: format!("u{i}"),
        os: "windows".into(),
        os_version: "10.0.22631".into(),
        profile_name: "Trading desk".into(),
        profile_version: "2026.11".into(),
        verdict: verdict.into(),
        partial: false,
        started_at: started,
        received_at: started + 2000,
        duration_ms: 1800,
        root_cause: code.map(|_| "vpn-gateway".to_string()),
        root_cause_code: code.map(String::from),
        owner: Some(owner.into()),
        layer: Some(layer.into()),
        who: who.map(String::from),
        headline_en: Some(en.into()),
        headline_zh: Some(zh.into()),
        root_causes: "[]".into(),
        token_id: None,
        site: String::new(),
        label: String::new(),
        remote_addr: "10.0.0.1".into(),
        body: "{}".into(),
        checks: (0..4)
            .map(|c| CheckRow {
                check_id: format!("c{c}"),
                status: if c == 1 && verdict != "ready" {
                    "fail"
                } else {
                    "pass"
                }
                .into(),
                code: if c == 1 {
                    code.unwrap_or("network.ok")
                } else {
                    "network.ok"
                }
                .into(),
                duration_ms: 40,
            })
            .collect(),
    }
}

fn main() {
    let hosts = env_num("DASH_BENCH_HOSTS", 100_000);
    let days = env_num("DASH_BENCH_DAYS", 30).max(1);
    let runs = env_num("DASH_BENCH_RUNS", 50).max(2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cfg_path = dir.path().join("config.toml");
    std::fs::write(
        &cfg_path,
        format!(
            "[server]\nlisten = \"127.0.0.1:{port}\"\n[ingest]\nrequire_token = false\nrate_per_minute = 1000000\nburst = 1000000\n[read]\nrequire_token = false\n[dashboard]\ntime_zone = \"Asia/Shanghai\"\n[log]\nlevel = \"warn\"\n"
        ),
    )
    .unwrap();
    let config = Config::load(
        Some(&cfg_path),
        &Overrides {
            data_dir: Some(dir.path().to_path_buf()),
            ..Overrides::default()
        },
    )
    .expect("configuration");
    say(&format!(
        "readycheck-dashboard-bench · {} cores · {hosts} roster hosts × {days} days · SQLite",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    ));

    let now = readycheck_server::now_ms();
    let cookie = rt.block_on(async {
        let store = Store::open(&Database::Sqlite(dir.path().join("readycheck.db")), 4)
            .await
            .unwrap();
        let t0 = Instant::now();
        let roster: Vec<RosterRow> = (0..hosts)
            .map(|i| RosterRow {
                hostname: format!("PC-{i:06}"),
                username: format!("员工{i}"),
                site: SITES[i % SITES.len()].into(),
                department: format!("部门{}", i % 30),
                role: ["trading", "back office", "call centre", "risk", "it"][i % 5].into(),
                essential: i % 10 == 0,
            })
            .collect();
        store.replace_roster(&roster).await.unwrap();
        say(&format!(
            "  roster of {hosts} imported in {:.1} s",
            t0.elapsed().as_secs_f64()
        ));
        // The morning so far: 85 % reported; of those 82 % ready, 9 % degraded, 9 % not ready.
        let t0 = Instant::now();
        let mut reported = 0;
        for i in 0..hosts {
            if i % 20 >= 17 {
                continue;
            }
            let verdict = match i % 11 {
                0 => "not_ready",
                1 => "degraded",
                _ => "ready",
            };
            let started = now - ((i * 7919) % (90 * 60)) as i64 * 1000;
            store
                .insert_report(&new_report(
                    i,
                    &format!("PC-{i:06}"),
                    started,
                    verdict,
                    i / 11,
                ))
                .await
                .unwrap();
            reported += 1;
        }
        say(&format!(
            "  {reported} latest reports stored in {:.1} s",
            t0.elapsed().as_secs_f64()
        ));
        let t0 = Instant::now();
        let mut batch = Vec::with_capacity(5000);
        let mut history = 0usize;
        for d in 1..days {
            for i in 0..hosts {
                if i % 20 >= 17 {
                    continue;
                }
                let started = now - d as i64 * 86_400_000 - ((i * 31) % 3600) as i64 * 1000;
                let mut r = new_report(i, &format!("PC-{i:06}"), started, "ready", 0);
                r.id = format!("h{d}-{i}");
                r.idempotency_key = r.id.clone();
                batch.push(r);
                if batch.len() == 5000 {
                    store.insert_history_bulk(&batch).await.unwrap();
                    history += batch.len();
                    batch.clear();
                }
            }
        }
        if !batch.is_empty() {
            history += batch.len();
            store.insert_history_bulk(&batch).await.unwrap();
        }
        say(&format!(
            "  {history} older reports stored in {:.1} s",
            t0.elapsed().as_secs_f64()
        ));
        let token = "bench-session-token";
        store.put_user("lead", "!bench", "viewer").await.unwrap();
        let hash: String = Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        store
            .create_session(&hash, "lead", "csrf", now, now + 86_400_000)
            .await
            .unwrap();
        store.close().await;
        format!("rc_session={token}")
    });
    let db_mb = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum::<u64>() as f64
        / 1e6;
    say(&format!("  database {db_mb:.0} MB"));

    let server = rt.spawn(readycheck_server::serve::run(config));
    let base = format!("http://127.0.0.1:{port}");
    let t0 = Instant::now();
    while agent().get(&format!("{base}/healthz")).call().is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    say("figures (median / p95 over the runs; times taken by the client over loopback):");
    let row = |name: &str, path: &str, runs: usize| {
        let (m, p, bytes) = time_get(&base, &cookie, path, runs);
        say(&format!(
            "  {name:<44} {m:>8.1} ms  p95 {p:>8.1} ms  {:>9.1} KB",
            bytes as f64 / 1024.0
        ));
        (m, p, bytes)
    };
    // One warm-up, as after start.
    time_get(&base, &cookie, "/dashboard", 2);
    let home = row("home page /dashboard", "/dashboard", runs);
    row(
        "home page filtered (site=上海, role=trading)",
        "/dashboard?site=%E4%B8%8A%E6%B5%B7&role=trading",
        runs,
    );
    row("live part /dashboard/live", "/dashboard/live", runs);
    row(
        "list page 3 of not ready (100 rows)",
        "/dashboard/list?verdict=not_ready&page=3",
        runs,
    );
    row(
        "not yet reported, page 10",
        "/dashboard/list?verdict=not_reported&page=10",
        runs,
    );
    row(
        &format!("host page ({days} days of history)"),
        "/dashboard/hosts/PC-000011",
        runs.min(20),
    );
    row("/metrics", "/metrics", runs.min(10));
    row("CSV export of every host", "/dashboard/export.csv", 3);
    let css = time_get(&base, &cookie, "/dashboard/static/app.css", 1).2;
    let js = time_get(&base, &cookie, "/dashboard/static/app.js", 1).2;
    say(&format!(
        "  page weight: home {:.1} KB + stylesheet {:.1} KB + script {:.1} KB = {:.1} KB (target ≤ 300 KB); home page p95 {:.1} ms (target ≤ 200 ms)",
        home.2 as f64 / 1024.0,
        css as f64 / 1024.0,
        js as f64 / 1024.0,
        (home.2 + css + js) as f64 / 1024.0,
        home.1
    ));

    // Live: an event stream open, a report posted; the event, then the live part fetched.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET /dashboard/events HTTP/1.1\r\nHost: bench\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap() > 0 && line != "\r\n" {
        line.clear();
    }
    let (mut to_event, mut to_page) = (Vec::new(), Vec::new());
    for k in 0..runs.min(20) {
        let body = readycheck_server::sample::report(&readycheck_server::sample::Sample {
            hostname: &format!("PC-{:06}", 18 + 20 * k),
            id: &format!("live-{k}"),
            started_at: &humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
            checks: 10,
            vpn_down: true,
            only: &[],
        })
        .to_string();
        let t0 = Instant::now();
        let resp = agent()
            .post(&format!("{base}/api/v1/reports"))
            .header("Content-Type", "application/json")
            .send(body)
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line.starts_with("event: changed") {
                break;
            }
        }
        to_event.push(t0.elapsed().as_secs_f64() * 1000.0);
        time_get(&base, &cookie, "/dashboard/live", 1);
        to_page.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    let (em, ep) = stats(to_event);
    let (pm, pp) = stats(to_page);
    say(&format!(
        "  live: report posted → event {em:.1} ms (p95 {ep:.1}); → live part refreshed {pm:.1} ms (p95 {pp:.1}) (target ≤ 1000 ms)"
    ));
    server.abort();
}
