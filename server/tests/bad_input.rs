//! What the ingest refuses — oversized bodies, wrong schema, wrong and revoked tokens, a report
//! from the future, deep nesting, non-UTF-8, a reused idempotency key, too many reports — each
//! with a clear error naming the field, nothing stored, and the server still serving.

use std::time::Duration;

use crate::support::*;

#[test]
fn bad_input_is_refused_clearly_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        config: "[ingest]\nmax_body_bytes = 65536\n".into(),
        ..Launch::default()
    });
    let device = server.token("device", "深圳");
    let reader = server.token("read", "hq");
    let revoked = server.token("device", "上海");
    let revoked_id = revoked.split('_').nth(1).unwrap().to_string();
    let out = server.cli(&["token", "revoke", &revoked_id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = server.url("/api/v1/reports");
    let good = sample("pc-1", "r-good", &ago(Duration::from_secs(60)), false);

    let error_of =
        |body: &str| -> serde_json::Value { serde_json::from_str(body).expect("JSON error body") };

    // Oversized.
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(70_000));
    let (status, _, body) = post(&url, Some(&device), Some("big"), big.as_bytes());
    assert_eq!(status, 413, "{body}");

    // Wrong schema: the field is named.
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["host"].as_object_mut().unwrap().remove("hostname");
    v["checks"][3]["status"] = "exploded".into();
    let (status, _, body) = post(
        &url,
        Some(&device),
        Some("schema"),
        v.to_string().as_bytes(),
    );
    assert_eq!(status, 400, "{body}");
    let e = error_of(&body);
    assert_eq!(e["error"], "schema");
    let fields: Vec<&str> = e["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"/host/hostname"), "{body}");
    assert!(fields.contains(&"/checks/3/status"), "{body}");

    // Another schema id.
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["schema"] = "readycheck/report/v9".into();
    let (status, _, body) = post(&url, Some(&device), None, v.to_string().as_bytes());
    assert_eq!(
        (status, error_of(&body)["field"].as_str()),
        (400, Some("/schema")),
        "{body}"
    );

    // No token, a wrong one, a revoked one, a read token.
    let (status, _, body) = post(&url, None, None, good.as_bytes());
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (401, Some("token_missing"))
    );
    let (status, _, body) = post(&url, Some("rc1_0000000000_deadbeef"), None, good.as_bytes());
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (401, Some("token_unknown"))
    );
    let (status, _, body) = post(&url, Some(&revoked), None, good.as_bytes());
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (401, Some("token_revoked"))
    );
    let (status, _, _) = post(&url, Some(&reader), None, good.as_bytes());
    assert_eq!(status, 403);

    // From the future.
    let future = sample(
        "pc-1",
        "r-future",
        &humantime::format_rfc3339_millis(
            std::time::SystemTime::now() + Duration::from_secs(86_400),
        )
        .to_string(),
        false,
    );
    let (status, _, body) = post(&url, Some(&device), None, future.as_bytes());
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_of(&body)["field"], "/started_at", "{body}");

    // Deeply nested.
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let (status, _, body) = post(&url, Some(&device), None, deep.as_bytes());
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (400, Some("too_deep")),
        "{body}"
    );

    // Not UTF-8.
    let mut bytes = good.clone().into_bytes();
    bytes[40] = 0xff;
    let (status, _, body) = post(&url, Some(&device), None, &bytes);
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (400, Some("not_utf8")),
        "{body}"
    );

    // Not JSON at all.
    let (status, _, body) = post(&url, Some(&device), None, b"{\"schema\": ");
    assert_eq!(
        (status, error_of(&body)["error"].as_str()),
        (400, Some("not_json")),
        "{body}"
    );

    // Nothing of that was stored; the server still serves.
    let hosts = get_json(&server.url("/api/v1/hosts"), &reader);
    assert_eq!(hosts["hosts"].as_array().unwrap().len(), 0, "{hosts}");
    assert_eq!(get_status(&server.url("/healthz"), None).0, 200);
    assert_eq!(get_status(&server.url("/readyz"), None).0, 200);

    // A good report is stored once; its resend is answered 200; the key reused for another
    // body is a 409; no second row in any case.
    let (status, _, body) = post(&url, Some(&device), Some("r-good"), good.as_bytes());
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = post(&url, Some(&device), Some("r-good"), good.as_bytes());
    assert_eq!(status, 200, "{body}");
    let other = sample("pc-1", "r-other", &ago(Duration::from_secs(30)), true);
    let (status, _, body) = post(&url, Some(&device), Some("r-good"), other.as_bytes());
    assert_eq!(status, 409, "{body}");
    let history = get_json(&server.url("/api/v1/hosts/pc-1/reports"), &reader);
    assert_eq!(history["reports"].as_array().unwrap().len(), 1, "{history}");
    assert_eq!(history["reports"][0]["site"], "深圳");
    assert_eq!(history["host"]["report_id"], "r-good");

    // The read API needs a read token.
    assert_eq!(get_status(&server.url("/api/v1/hosts"), None).0, 401);
    assert_eq!(
        get_status(&server.url("/api/v1/hosts"), Some(&device)).0,
        403
    );
    assert_eq!(
        get_status(&server.url("/api/v1/hosts?verdict=maybe"), Some(&reader)).0,
        400
    );
    assert_eq!(
        get_status(&server.url("/api/v1/reports/nope"), Some(&reader)).0,
        404
    );
}

#[test]
fn too_many_reports_from_one_token_get_429_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        config: "[ingest]\nrate_per_minute = 6\nburst = 3\n".into(),
        ..Launch::default()
    });
    let device = server.token("device", "hq");
    let other = server.token("device", "hq");
    let url = server.url("/api/v1/reports");
    let mut statuses = Vec::new();
    for i in 0..5 {
        let body = sample(
            "pc-rate",
            &format!("rate-{i}"),
            &ago(Duration::from_secs(100 - i)),
            false,
        );
        let (status, retry, _) = post(&url, Some(&device), None, body.as_bytes());
        if status == 429 {
            let secs: u64 = retry.expect("Retry-After").parse().unwrap();
            assert!((1..=10).contains(&secs), "{secs}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [201, 201, 201, 429, 429]);
    // Another token has its own bucket.
    let body = sample("pc-rate2", "rate-x", &ago(Duration::from_secs(5)), false);
    assert_eq!(post(&url, Some(&other), None, body.as_bytes()).0, 201);
}

#[test]
fn check_config_points_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("config.toml");
    std::fs::write(
        &p,
        "[server]\nlisten = \"127.0.0.1:8080\"\n\n[retention]\ndayz = 30\n",
    )
    .unwrap();
    let out = std::process::Command::new(server_bin())
        .arg("check-config")
        .arg("--config")
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dayz") && err.contains(&format!("{}:5:1", p.display())),
        "{err}"
    );
    std::fs::write(
        &p,
        "[server]\nlisten = \"127.0.0.1:8080\"\n[retention]\ndays = 30\n",
    )
    .unwrap();
    let out = std::process::Command::new(server_bin())
        .arg("check-config")
        .arg("--config")
        .arg(&p)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration OK"));
}
