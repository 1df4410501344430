//! The PostgreSQL backend with a real, throw-away cluster: the same behaviour as SQLite
//! (stored once, the host's state ignores partial runs, the read API), and two server instances
//! on one database taking the same reports concurrently — each stored exactly once.

use std::sync::Arc;
use std::time::Duration;

use crate::support::*;

const OPEN_RATE: &str = "[ingest]\nrate_per_minute = 1000000\nburst = 1000000\n";

#[test]
fn postgres_backend_stores_once_and_keeps_full_state() {
    let Some(pg) = postgres_or_skip() else { return };
    let db = pg.database("single");
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        database: db.clone(),
        config: OPEN_RATE.into(),
        ..Launch::default()
    });
    let device = server.token("device", "深圳");
    let reader = server.token("read", "hq");
    let url = server.url("/api/v1/reports");
    let full = sample("pc-pg", "pg-full", &ago(Duration::from_secs(600)), true);
    let older = sample("pc-pg", "pg-older", &ago(Duration::from_secs(3600)), false);
    let partial = readycheck_server::sample::report(&readycheck_server::sample::Sample {
        hostname: "pc-pg",
        id: "pg-partial",
        started_at: &ago(Duration::from_secs(60)),
        checks: 5,
        vpn_down: false,
        only: &["dns-0"],
    })
    .to_string();
    assert_eq!(
        post(&url, Some(&device), Some("pg-full"), full.as_bytes()).0,
        201
    );
    assert_eq!(
        post(&url, Some(&device), Some("pg-full"), full.as_bytes()).0,
        200
    );
    assert_eq!(
        post(&url, Some(&device), Some("pg-partial"), partial.as_bytes()).0,
        201
    );
    assert_eq!(
        post(&url, Some(&device), Some("pg-older"), older.as_bytes()).0,
        201
    );
    assert_eq!(
        post(&url, Some(&device), Some("pg-full"), older.as_bytes()).0,
        409
    );

    let h = get_json(&server.url("/api/v1/hosts/pc-pg/reports"), &reader);
    assert_eq!(h["reports"].as_array().unwrap().len(), 3, "{h}");
    assert_eq!(
        h["host"]["report_id"], "pg-full",
        "the newest full run, not the partial one"
    );
    assert_eq!(h["host"]["verdict"], "not_ready");
    assert_eq!(h["host"]["owner"], "company");
    assert_eq!(h["host"]["root_cause_code"], "network.tcp.refused");
    assert_eq!(h["host"]["last_report_id"], "pg-partial");
    let partial_meta = h["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "pg-partial")
        .unwrap()
        .clone();
    assert_eq!(partial_meta["partial"], true);

    let not_ready = get_json(
        &server.url("/api/v1/hosts?verdict=not_ready&site=%E6%B7%B1%E5%9C%B3"),
        &reader,
    );
    assert_eq!(not_ready["hosts"].as_array().unwrap().len(), 1);
    let none = get_json(&server.url("/api/v1/hosts?verdict=ready"), &reader);
    assert_eq!(none["hosts"].as_array().unwrap().len(), 0);
    let summary = get_json(&server.url("/api/v1/summary"), &reader);
    assert_eq!(summary["not_ready"], 1);
    assert_eq!(summary["failing_checks"][0]["id"], "vpn-gateway");
    assert_eq!(
        summary["failing_checks"][0]["causes"][0]["code"],
        "network.tcp.refused"
    );
    let (status, html) = get_status(&server.url("/api/v1/reports/pg-full/html"), Some(&reader));
    assert_eq!(status, 200);
    assert!(html.contains("pc-pg"));

    // Retention keeps the host's latest reports.
    let out = server.cli(&["purge", "--days", "0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let h = get_json(&server.url("/api/v1/hosts/pc-pg/reports"), &reader);
    let ids: Vec<&str> = h["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["pg-partial", "pg-full"],
        "the current and the newest report stay"
    );
}

#[test]
fn two_instances_on_one_postgres_store_overlapping_reports_once() {
    let Some(pg) = postgres_or_skip() else { return };
    let db = pg.database("shared");
    let dir = tempfile::tempdir().unwrap();
    let launch = |n: &str| Launch {
        data_dir: dir.path().join(n),
        database: db.clone(),
        config: OPEN_RATE.into(),
        ..Launch::default()
    };
    let a = Server::start(&launch("a"));
    let b = Server::start(&launch("b"));
    let device = Arc::new(a.token("device", "hq"));
    let urls = Arc::new([a.url("/api/v1/reports"), b.url("/api/v1/reports")]);

    // 100 reports (20 hosts × 5 runs); 6 senders each send all of them, in different orders,
    // alternating between the instances.
    let reports: Arc<Vec<(String, String)>> = Arc::new(
        (0..100)
            .map(|i| {
                let id = format!("multi-{i:03}");
                let body = sample(
                    &format!("pc-{:02}", i % 20),
                    &id,
                    &ago(Duration::from_secs(5000 - i as u64 * 10)),
                    i % 7 == 0,
                );
                (id, body)
            })
            .collect(),
    );
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let (reports, urls, device) = (reports.clone(), urls.clone(), device.clone());
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for k in 0..reports.len() {
                    let i = (k * 37 + t * 11) % reports.len();
                    let (id, body) = &reports[i];
                    let (status, _, text) =
                        post(&urls[(i + t) % 2], Some(&device), Some(id), body.as_bytes());
                    assert!(status == 201 || status == 200, "{status} {text}");
                    statuses.push(status);
                }
                statuses
            })
        })
        .collect();
    let mut created = 0;
    for t in threads {
        created += t.join().unwrap().iter().filter(|s| **s == 201).count();
    }
    assert_eq!(
        created, 100,
        "each report was created once and answered 200 on every resend"
    );

    let (rt, store) = open_store(&dir.path().join("a"), &db);
    assert_eq!(rt.block_on(store.count_reports()).unwrap(), 100);
    for (id, _) in reports.iter() {
        assert_eq!(
            rt.block_on(store.report_checks(id)).unwrap().len(),
            20,
            "{id}"
        );
    }
    // Each host's state is its newest report, whichever instance stored what.
    for h in 0..20 {
        let host = rt
            .block_on(store.host(&format!("pc-{h:02}")))
            .unwrap()
            .unwrap();
        assert_eq!(host.report_id, format!("multi-{:03}", 80 + h));
    }
    rt.block_on(store.close());
}
