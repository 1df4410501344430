//! The helpdesk's fleet view and report delivery. `summarize` over a generated corpus with known
//! answers (corrupt and foreign files, several reports per host, old reports); `--submit`
//! against a real HTTP server on 127.0.0.1 that fails the first attempts, and with no server at
//! all (the report waits in the outbox and is sent later, exactly once).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::support::*;

/// A report as readycheck writes it, for `host` at `started_at`, with failing checks `fails`
/// given as (check id, code).
fn report(
    host: &str,
    id: &str,
    started_at: &str,
    verdict: &str,
    fails: &[(&str, &str)],
    version: &str,
) -> serde_json::Value {
    let mut checks = vec![serde_json::json!({
        "id": "internet", "title": "Internet", "plugin": "network", "kind": "sites", "severity": "required",
        "status": "pass", "code": "network.sites.ok", "summary": "ok", "evidence": [], "metrics": {}, "duration_ms": 3
    })];
    for (check, code) in fails {
        checks.push(serde_json::json!({
            "id": check, "title": format!("Title of {check}"), "plugin": "network", "kind": "tcp", "severity": "required",
            "status": "fail", "code": code, "summary": format!("{check} failed with {code}"), "evidence": [], "metrics": {}, "duration_ms": 5
        }));
    }
    serde_json::json!({
        "schema": "readycheck/report/v1", "id": id, "verdict": verdict,
        "counts": {"pass": 1, "warn": 0, "fail": fails.len(), "skip": 0, "error": 0},
        "tool": {"name": "readycheck", "version": "0.1.0"},
        "host": {"hostname": host, "user": "u", "os": "windows", "os_version": "10.0.19045", "arch": "x86_64"},
        "profile": {"name": "Trading desk", "version": version, "sha256": "00", "source": "embedded"},
        "started_at": started_at, "duration_ms": 100, "plugins": [], "root_causes": [], "checks": checks
    })
}

#[test]
fn summarize_counts_latest_per_host_causes_and_skips_junk() {
    let env = Env::new();
    let dir = env.dir.path().join("inbox");
    let sub = dir.join("monday");
    std::fs::create_dir_all(&sub).unwrap();
    let recent = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
    )
    .to_string();
    let earlier = humantime::format_rfc3339_seconds(
        std::time::SystemTime::now() - std::time::Duration::from_secs(7200),
    )
    .to_string();
    let write = |name: &str, v: serde_json::Value| {
        std::fs::write(name, serde_json::to_vec(&v).unwrap()).unwrap()
    };
    let at = |f: &str| dir.join(f).display().to_string();
    // alice: failed earlier, re-ran and is ready now (the re-run replaces the old report).
    write(
        &at("alice-1.json"),
        report(
            "alice",
            "a1",
            &earlier,
            "not_ready",
            &[("vpn", "network.tcp.refused")],
            "2026.11",
        ),
    );
    write(
        &at("alice-2.json"),
        report("alice", "a2", &recent, "ready", &[], "2026.11"),
    );
    // bob and carol: VPN refused; dave: VPN timed out, and the market data down.
    write(
        &at("bob.json"),
        report(
            "bob",
            "b1",
            &recent,
            "not_ready",
            &[("vpn", "network.tcp.refused")],
            "2026.11",
        ),
    );
    write(
        &sub.join("carol.json").display().to_string(),
        report(
            "carol",
            "c1",
            &recent,
            "not_ready",
            &[("vpn", "network.tcp.refused")],
            "2026.10",
        ),
    );
    write(
        &at("dave.json"),
        report(
            "dave",
            "d1",
            &recent,
            "not_ready",
            &[
                ("vpn", "network.tcp.timed_out"),
                ("market-data", "network.sites.region_down"),
            ],
            "2026.11",
        ),
    );
    // erin: degraded, but her last report is from January: stale.
    write(
        &at("erin.json"),
        report(
            "erin",
            "e1",
            "2026-01-01T08:00:00Z",
            "degraded",
            &[],
            "2026.11",
        ),
    );
    // Junk: corrupt JSON, a foreign JSON document, an empty file.
    std::fs::write(
        dir.join("corrupt.json"),
        "{\"schema\": \"readycheck/report/v1\", \"id\": ",
    )
    .unwrap();
    std::fs::write(
        dir.join("package.json"),
        "{\"name\": \"not-a-report\", \"version\": \"1.0.0\"}",
    )
    .unwrap();
    std::fs::write(sub.join("empty.json"), "").unwrap();

    let out = env.run(&[
        "summarize",
        dir.to_str().unwrap(),
        "--since",
        "7d",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped 2 unreadable and 1 foreign files of 9"),
        "{}",
        stderr(&out)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (s["reports"].as_u64(), s["hosts"].as_u64()),
        (Some(6), Some(5)),
        "{s:#}"
    );
    assert_eq!(
        (
            s["ready"].as_u64(),
            s["degraded"].as_u64(),
            s["not_ready"].as_u64(),
            s["stale"].as_u64()
        ),
        (Some(1), Some(0), Some(3), Some(1))
    );
    let top = &s["failing_checks"][0];
    assert_eq!(top["id"], "vpn");
    assert_eq!(top["hosts"], 3);
    assert_eq!(top["causes"][0]["code"], "network.tcp.refused");
    assert_eq!(
        top["causes"][0]["hosts"],
        serde_json::json!(["bob", "carol"])
    );
    assert_eq!(top["causes"][1]["code"], "network.tcp.timed_out");
    assert_eq!(s["failing_checks"][1]["id"], "market-data");
    assert_eq!(
        s["profile_versions"],
        serde_json::json!({"Trading desk 2026.10": 1, "Trading desk 2026.11": 4})
    );
    let latest: BTreeMap<String, String> = s["latest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["hostname"].as_str().unwrap().to_string(),
                h["report_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(latest["alice"], "a2", "the re-run replaced the old report");

    // Text, CSV (one row per host × check) and the HTML dashboard.
    let text = stdout(&env.run(&["summarize", dir.to_str().unwrap(), "--since", "7d"]));
    assert!(
        text.contains("not ready       3") && text.contains("2 × network.tcp.refused"),
        "{text}"
    );
    let csv_path = env.dir.path().join("fleet.csv");
    let html_path = env.dir.path().join("fleet.html");
    let out = env.run(&[
        "summarize",
        dir.to_str().unwrap(),
        "-o",
        csv_path.to_str().unwrap(),
        "-o",
        html_path.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 1 + 2 + 2 + 3 + 1,
        "header + alice 1 + bob 2 + carol 2 + dave 3 + erin 1:\n{csv}"
    );
    assert!(
        csv.lines()
            .any(|l| l.starts_with("dave,u,d1,") && l.contains(",market-data,")),
        "{csv}"
    );
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(
        html.contains("id=\"verdict-chart\"")
            && html.contains("network.tcp.refused")
            && !html.contains("<script"),
        "dashboard"
    );

    let out = env.run(&[
        "summarize",
        env.dir.path().join("nothing-here").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
}

/// A report collector: answers 503 to the first `fail_first` requests, then 201; records the
/// idempotency key of each report it accepted (a repeated key is not stored twice).
/// The collector's port, the keys it stored, and how many requests it saw.
type Collector = (u16, Arc<Mutex<Vec<String>>>, Arc<Mutex<usize>>);

fn collector(fail_first: usize) -> Collector {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stored = Arc::new(Mutex::new(Vec::<String>::new()));
    let requests = Arc::new(Mutex::new(0usize));
    let (s2, r2) = (stored.clone(), requests.clone());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            // Read headers, then the body by Content-Length.
            let Some((head, body)) = read_http_request(&mut conn) else {
                continue;
            };
            let key = http_header(&head, "idempotency-key").unwrap_or_default();
            let n = {
                let mut r = r2.lock().unwrap();
                *r += 1;
                *r
            };
            let status = if n <= fail_first {
                "503 Service Unavailable"
            } else {
                let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                assert_eq!(
                    body["id"].as_str(),
                    Some(key.as_str()),
                    "the key is the report id"
                );
                let mut s = s2.lock().unwrap();
                if !s.contains(&key) {
                    s.push(key);
                }
                "201 Created"
            };
            let _ = conn.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (port, stored, requests)
}

#[test]
fn submit_retries_spools_when_offline_and_sends_each_report_once() {
    let env = Env::new();
    let p = env.profile("s.toml", "[profile]\nname = \"submit\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n");
    let ps = p.to_str().unwrap();

    // A server that fails twice, then accepts: sent on the third attempt.
    let (port, stored, requests) = collector(2);
    let url = format!("http://127.0.0.1:{port}/reports");
    let out = env.run(&["run", "-p", ps, "--submit", &url]);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("Report sent to {url}")),
        "{text}\n{}",
        stderr(&out)
    );
    assert_eq!(*requests.lock().unwrap(), 3);
    assert_eq!(stored.lock().unwrap().len(), 1);

    // No server at all: the report waits in the outbox.
    let dead = format!(
        "http://127.0.0.1:{}/reports",
        readycheck_e2e::refusing_port()
    );
    let out = env.run(&["run", "-p", ps, "--submit", &dead]);
    let text = stdout(&out);
    assert!(
        text.contains("Report not sent yet") && text.contains("submit --pending"),
        "{text}"
    );
    let outbox = env.data.join("outbox");
    let waiting = |d: &std::path::Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".dest.json"))
            .count()
    };
    assert_eq!(waiting(&outbox), 1);

    // Later, with the network back: `submit --pending` sends it, once.
    let (port2, stored2, _) = collector(0);
    let url2 = format!("http://127.0.0.1:{port2}/reports");
    let out = env.run(&["submit", "--pending", "--submit", &url2]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("sent "), "{}", stdout(&out));
    assert_eq!(stored2.lock().unwrap().len(), 1);
    assert_eq!(waiting(&outbox), 0, "the outbox is empty");
    let out = env.run(&["submit", "--pending", "--submit", &url2]);
    assert!(stdout(&out).contains("Nothing waiting"), "{}", stdout(&out));
    assert_eq!(stored2.lock().unwrap().len(), 1, "nothing was sent twice");

    // A report kept while offline goes out with the next run that can reach its server.
    let out = env.run(&["run", "-p", ps, "--submit", &dead]);
    assert!(stdout(&out).contains("Report not sent yet"));
    let first_kept: Vec<String> = std::fs::read_dir(&outbox)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".dest.json"))
        .collect();
    let (port3, stored3, _) = collector(0);
    let url3 = format!("http://127.0.0.1:{port3}/reports");
    // The kept report was meant for a server that is gone; IT points the next run elsewhere.
    let out = env.run(&["submit", "--pending", "--submit", &url3]);
    assert_eq!(out.status.code(), Some(0));
    let out = env.run(&["run", "-p", ps, "--submit", &url3]);
    assert!(
        stdout(&out).contains(&format!("Report sent to {url3}")),
        "{}",
        stdout(&out)
    );
    let keys = stored3.lock().unwrap().clone();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter()
            .any(|k| first_kept.iter().any(|f| f.starts_with(k.as_str()))),
        "{keys:?} {first_kept:?}"
    );
}

#[test]
fn the_auth_header_comes_from_the_environment() {
    let env = Env::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(String::new()));
    let s2 = seen.clone();
    std::thread::spawn(move || {
        if let Some(Ok(mut c)) = listener.incoming().next() {
            let mut buf = [0u8; 65536];
            let n = c.read(&mut buf).unwrap_or(0);
            *s2.lock().unwrap() = String::from_utf8_lossy(&buf[..n]).into_owned();
            let _ =
                c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    });
    let p = env.profile(
        "a.toml",
        &format!("[profile]\nname = \"auth\"\n[report]\nsubmit = \"http://127.0.0.1:{port}/in\"\nauth_header_env = \"RC_TEST_AUTH\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n"),
    );
    let out = env
        .command(&["run", "-p", p.to_str().unwrap(), "-f", "json"])
        .env("RC_TEST_AUTH", "Bearer s3cret-token")
        .output()
        .unwrap();
    let req = seen.lock().unwrap().clone();
    assert!(
        req.to_lowercase()
            .contains("authorization: bearer s3cret-token"),
        "{req}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("s3cret"),
        "the secret is not in the report"
    );
}

/// Reports go to HTTPS collectors too, with the server's certificate checked against the
/// system's trust (here `SSL_CERT_FILE` naming a test CA, as a company CA would be installed):
/// a collector with a certificate from a CA the PC does not trust gets nothing; once the CA is
/// trusted, the waiting report is sent (TLS 1.3 and TLS 1.2 servers).
#[test]
fn submit_over_https_checks_the_certificate() {
    use readycheck_testpki as pki;
    let env = Env::new();
    let p = env.profile(
        "s.toml",
        "[profile]\nname = \"submit\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
    );
    let ca = pki::ca("readycheck test company CA");
    let ca_file = ca.write(env.dir.path());
    let untrusted = env.dir.path().join("other-ca.pem");
    std::fs::write(&untrusted, pki::ca("someone else").pem).unwrap();
    let created: &'static [u8] =
        b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    let run = |trust: &std::path::Path, args: &[&str]| {
        env.command(args)
            .env("SSL_CERT_FILE", trust)
            .env_remove("SSL_CERT_DIR")
            .output()
            .unwrap()
    };

    let port = pki::tls_server(pki::leaf(&ca, &["127.0.0.1"], -1, 30), Some(created));
    let url = format!("https://127.0.0.1:{port}/reports");
    let out = run(
        &untrusted,
        &["run", "-p", p.to_str().unwrap(), "--submit", &url],
    );
    let text = stdout(&out);
    assert!(
        text.contains("Report not sent yet") && text.to_lowercase().contains("certificate"),
        "an untrusted certificate must not get the report:\n{text}"
    );

    let out = run(&ca_file, &["submit", "--pending"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("sent "), "{}", stdout(&out));

    for version in [pki::TlsVersion::Tls13, pki::TlsVersion::Tls12] {
        let port = pki::tls_server_with(
            pki::leaf(&ca, &["127.0.0.1"], -1, 30),
            Some(created),
            version,
        );
        let url = format!("https://127.0.0.1:{port}/reports");
        let out = run(
            &ca_file,
            &["run", "-p", p.to_str().unwrap(), "--submit", &url],
        );
        assert!(
            stdout(&out).contains(&format!("Report sent to {url}")),
            "{version:?}: {}",
            stdout(&out)
        );
    }
}
