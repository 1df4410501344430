//! `kill -9` of the server while the real client is delivering its outbox: no report is ever
//! half-stored (every stored report has all its check rows and its host), and the client's
//! next delivery completes the set, each report exactly once.

use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::*;

#[test]
fn kill_9_during_ingest_leaves_no_half_report_and_the_retry_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let (srv_data, data) = (dir.path().join("srv"), dir.path().join("client"));
    let port = free_port();
    let device = token(&srv_data, "", "device", "hq");
    let launch = Launch {
        data_dir: srv_data.clone(),
        port,
        config: "[ingest]\nrate_per_minute = 100000\nburst = 100000\n".into(),
        ..Launch::default()
    };
    let mut server = Server::start(&launch);

    // 120 reports waiting in the client's outbox.
    let outbox = data.join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    let dest =
        serde_json::json!({ "url": server.url("/api/v1/reports"), "auth_header_env": "RC_TOKEN" });
    let mut ids = Vec::new();
    for i in 0..120 {
        let id = format!("crash-{i:03}");
        let body = readycheck_server::sample::report(&readycheck_server::sample::Sample {
            hostname: &format!("pc-{}", i % 12),
            id: &id,
            started_at: &ago(Duration::from_secs(10_000 - i)),
            checks: 30,
            vpn_down: i % 3 == 0,
            only: &[],
        });
        std::fs::write(outbox.join(format!("{id}.json")), body.to_string()).unwrap();
        std::fs::write(outbox.join(format!("{id}.dest.json")), dest.to_string()).unwrap();
        ids.push(id);
    }
    let deliver = || {
        Command::new(client_bin())
            .env("READYCHECK_DATA_DIR", &data)
            .env("RC_TOKEN", format!("Bearer {device}"))
            .args(["submit", "--pending"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut sending = deliver();
    wait_for("some reports stored", Duration::from_secs(60), || {
        server.log().matches("report stored").count() >= 15
    });
    server.kill9();
    let _ = sending.wait();

    // After the crash: everything stored is whole.
    let stored_before = {
        let (rt, store) = open_store(&srv_data, "");
        let n = rt.block_on(store.count_reports()).unwrap();
        assert!((15..120).contains(&n), "{n} stored before the kill");
        for id in &ids {
            if let Some(body) = rt.block_on(store.report_body(id)).unwrap() {
                let v: serde_json::Value = serde_json::from_str(&body).unwrap();
                let checks = rt.block_on(store.report_checks(id)).unwrap();
                assert_eq!(
                    checks.len(),
                    v["checks"].as_array().unwrap().len(),
                    "{id} has all its checks"
                );
                let host = rt
                    .block_on(store.host(v["host"]["hostname"].as_str().unwrap()))
                    .unwrap();
                assert!(host.is_some(), "{id}'s host is recorded");
            } else {
                assert!(
                    rt.block_on(store.report_checks(id)).unwrap().is_empty(),
                    "no orphan checks of {id}"
                );
            }
        }
        rt.block_on(store.close());
        n
    };

    // The server is back: the client's retry delivers the rest, and nothing twice.
    let server = Server::start(&launch);
    for _ in 0..5 {
        let _ = deliver().wait();
        let left = std::fs::read_dir(&outbox)
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".dest.json"))
            .count();
        if left == 0 {
            break;
        }
    }
    let (rt, store) = open_store(&srv_data, "");
    assert_eq!(
        rt.block_on(store.count_reports()).unwrap(),
        120,
        "every report once (had {stored_before} before the kill)"
    );
    for id in &ids {
        assert!(
            rt.block_on(store.report_body(id)).unwrap().is_some(),
            "{id} arrived"
        );
        assert_eq!(rt.block_on(store.report_checks(id)).unwrap().len(), 30);
    }
    // Each host's current report is its latest.
    let h = rt.block_on(store.host("pc-0")).unwrap().unwrap();
    assert_eq!(h.report_id, "crash-108");
    drop(server);
}
