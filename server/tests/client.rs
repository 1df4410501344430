//! The real `readycheck` client and the real server over loopback: reports made while the
//! server is down wait in the client's outbox and arrive once when it is up; a partial run
//! (`--only`) never replaces the host's latest full report, on the server as in `summarize`;
//! the server's summary says what `readycheck summarize -f json` says over the same reports.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::*;

fn profile(dir: &Path, port: u16) -> std::path::PathBuf {
    let p = dir.join("profile.toml");
    std::fs::write(
        &p,
        format!(
            r#"[profile]
name = "Helpdesk test"
version = "2026.11"

[report]
submit = "http://127.0.0.1:{port}/api/v1/reports"
auth_header_env = "RC_TOKEN"

[[check]]
id = "mem"
plugin = "resources"
kind = "memory"
title = "Memory"

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
title = "Disk"
path = "/"
"#
        ),
    )
    .unwrap();
    p
}

fn client(data: &Path, token: &str) -> Command {
    let mut c = Command::new(client_bin());
    c.env("READYCHECK_DATA_DIR", data)
        .env("RC_TOKEN", format!("Bearer {token}"))
        .env("READYCHECK_LANG", "en")
        .env_remove("READYCHECK_PROFILE")
        .env_remove("READYCHECK_PLUGIN_PATH");
    c
}

fn outbox_len(data: &Path) -> usize {
    std::fs::read_dir(data.join("outbox"))
        .map(|d| {
            d.flatten()
                .filter(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.ends_with(".json") && !n.ends_with(".dest.json")
                })
                .count()
        })
        .unwrap_or(0)
}

fn saved_reports(data: &Path) -> Vec<serde_json::Value> {
    let mut v: Vec<serde_json::Value> = std::fs::read_dir(data.join("reports"))
        .unwrap()
        .flatten()
        .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
        .collect();
    v.sort_by(|a, b| a["started_at"].as_str().cmp(&b["started_at"].as_str()));
    v
}

#[test]
fn client_outbox_then_server_up_every_report_arrives_once() {
    let dir = tempfile::tempdir().unwrap();
    let (srv_data, data) = (dir.path().join("srv"), dir.path().join("client"));
    let port = free_port();
    let prof = profile(dir.path(), port);
    let device = token(&srv_data, "", "device", "深圳");
    let reader = token(&srv_data, "", "read", "hq");

    // The server is down: both runs keep their report in the outbox.
    for _ in 0..2 {
        let out = client(&data, &device)
            .arg("-p")
            .arg(&prof)
            .arg("--no-progress")
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(outbox_len(&data), 2);

    let server = Server::start(&Launch {
        data_dir: srv_data.clone(),
        port,
        ..Launch::default()
    });
    let out = client(&data, &device)
        .args(["submit", "--pending"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(outbox_len(&data), 0);

    // Up: a full run, then a partial one.
    let out = client(&data, &device)
        .arg("-p")
        .arg(&prof)
        .arg("--no-progress")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Report sent"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    std::thread::sleep(Duration::from_millis(20));
    let out = client(&data, &device)
        .arg("-p")
        .arg(&prof)
        .args(["--only", "mem", "--no-progress"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Report sent"));
    assert_eq!(outbox_len(&data), 0);

    let saved = saved_reports(&data);
    assert_eq!(saved.len(), 4);
    let host = saved[0]["host"]["hostname"].as_str().unwrap().to_string();
    let (full, partial) = (&saved[2], &saved[3]);
    assert_eq!(
        partial["selection"]["only"],
        serde_json::json!(["mem"]),
        "the report records the selection"
    );
    assert!(full.get("selection").is_none());

    // Every report arrived exactly once, with the token's site.
    let history = get_json(
        &server.url(&format!("/api/v1/hosts/{host}/reports")),
        &reader,
    );
    let mut ids: Vec<&str> = history["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut want: Vec<&str> = saved.iter().map(|r| r["id"].as_str().unwrap()).collect();
    want.sort();
    assert_eq!(ids, want);
    assert!(
        history["reports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["site"] == "深圳")
    );
    // A resend of a stored report changes nothing.
    let raw = std::fs::read_dir(data.join("reports"))
        .unwrap()
        .flatten()
        .map(|e| std::fs::read(e.path()).unwrap())
        .find(|b| serde_json::from_slice::<serde_json::Value>(b).unwrap()["id"] == full["id"])
        .unwrap();
    let (status, _, _) = post(
        &server.url("/api/v1/reports"),
        Some(&device),
        full["id"].as_str(),
        &raw,
    );
    assert_eq!(status, 200);
    let again = get_json(
        &server.url(&format!("/api/v1/hosts/{host}/reports")),
        &reader,
    );
    assert_eq!(again["reports"].as_array().unwrap().len(), 4);

    // The partial run did not replace the full one.
    assert_eq!(history["host"]["report_id"], full["id"], "{history}");
    assert_eq!(history["host"]["partial"], false);
    assert_eq!(history["host"]["last_report_id"], partial["id"]);
    let hosts = get_json(&server.url("/api/v1/hosts"), &reader);
    assert_eq!(hosts["hosts"][0]["report_id"], full["id"]);
    assert_eq!(
        hosts["hosts"][0]["started_at"].as_str().unwrap().len(),
        "2026-11-30T19:35:05.135Z".len()
    );

    // Nor in summarize; and the server's summary says what summarize says.
    let out = Command::new(client_bin())
        .env("READYCHECK_LANG", "en")
        .args(["summarize", "-f", "json"])
        .arg(data.join("reports"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        files["latest"][0]["report_id"], full["id"],
        "summarize keeps the full run"
    );
    let served = get_json(&server.url("/api/v1/summary"), &reader);
    for key in [
        "hosts",
        "ready",
        "degraded",
        "not_ready",
        "stale",
        "failing_checks",
        "profile_versions",
        "reports",
    ] {
        assert_eq!(
            served[key], files[key],
            "summary field {key}: server {served} vs summarize {files}"
        );
    }
    assert_eq!(
        served["latest"][0]["report_id"],
        files["latest"][0]["report_id"]
    );
    assert_eq!(
        served["latest"][0]["verdict"],
        files["latest"][0]["verdict"]
    );

    // The stored report, as JSON and rendered by the client's own renderer.
    let id = full["id"].as_str().unwrap();
    let stored = get_json(&server.url(&format!("/api/v1/reports/{id}")), &reader);
    assert_eq!(&stored, full);
    let (status, html) = get_status(
        &server.url(&format!("/api/v1/reports/{id}/html?lang=zh-CN")),
        Some(&reader),
    );
    assert_eq!(status, 200);
    assert!(
        html.starts_with("<!DOCTYPE html>")
            && html.contains(&host)
            && html.contains("lang=\"zh-CN\""),
        "{}",
        &html[..300.min(html.len())]
    );
}
