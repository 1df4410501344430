//! The `network` plugin through the real host against real servers on 127.0.0.1: a delaying and
//! dropping proxy for round trip and loss, a black-holed gateway that must cost no more than its
//! timeout, and the example trading-desk profile.

use std::time::{Duration, Instant};

use readycheck_e2e::{black_hole, delay_proxy, http_server, refusing_port};

use crate::support::*;

fn run_profile(env: &Env, name: &str, body: &str) -> serde_json::Value {
    let p = env.profile(
        name,
        &format!("[profile]\nname = \"network\"\ntimeout = \"5s\"\n{body}"),
    );
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "json", "--no-save"]);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_valid_report(&r);
    r
}

#[test]
fn quality_sees_delay_and_loss_through_the_proxy() {
    let env = Env::new();
    let upstream = http_server(
        b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        Duration::ZERO,
    );
    let slow = delay_proxy(upstream, Duration::from_millis(60), None);
    let lossy = delay_proxy(upstream, Duration::ZERO, Some(4));
    let r = run_profile(
        &env,
        "q.toml",
        &format!(
            r#"
[[check]]
id = "direct"
plugin = "network"
kind = "quality"
url = "http://127.0.0.1:{upstream}/"
count = 8
interval_ms = 20

[[check]]
id = "far"
plugin = "network"
kind = "quality"
url = "http://127.0.0.1:{slow}/"
count = 8
interval_ms = 20
warn_rtt_ms = 40

[[check]]
id = "lossy"
plugin = "network"
kind = "quality"
url = "http://127.0.0.1:{lossy}/"
count = 8
interval_ms = 20
"#
        ),
    );
    let direct = check(&r, "direct");
    assert_eq!(direct["status"], "pass", "{direct:#}");
    let far = check(&r, "far");
    assert_eq!(far["code"], "network.quality.poor", "{far:#}");
    assert!(
        far["metrics"]["rtt_median_ms"].as_f64().unwrap() >= 60.0,
        "{far:#}"
    );
    let lossy = check(&r, "lossy");
    assert_eq!(lossy["code"], "network.quality.lossy", "{lossy:#}");
    assert_eq!(lossy["metrics"]["loss_percent"], 25.0, "{lossy:#}");
}

#[cfg(unix)]
#[test]
fn a_black_holed_gateway_costs_its_timeout_and_no_more() {
    let env = Env::new();
    let (port, _fillers, _listener) = black_hole();
    let t0 = Instant::now();
    let r = run_profile(
        &env,
        "bh.toml",
        &format!(
            r#"
[[check]]
id = "gateway"
plugin = "network"
kind = "tcp"
target = "127.0.0.1:{port}"
timeout = "1s"

[[check]]
id = "gateway-tls"
plugin = "network"
kind = "tls"
target = "127.0.0.1:{port}"
timeout = "1s"

[[check]]
id = "intranet"
plugin = "network"
kind = "http"
url = "http://127.0.0.1:{port}/"
needs = ["gateway"]
"#
        ),
    );
    assert!(
        t0.elapsed() < Duration::from_secs(4),
        "took {:?}",
        t0.elapsed()
    );
    assert_eq!(check(&r, "gateway")["code"], "network.tcp.timed_out");
    assert_eq!(check(&r, "gateway-tls")["code"], "network.tls.timed_out");
    assert_eq!(check(&r, "intranet")["status"], "skip");
    assert_eq!(
        r["root_causes"],
        serde_json::json!(["gateway", "gateway-tls"])
    );
}

#[test]
fn refused_and_unreachable_services_name_whose_problem_it_is() {
    let env = Env::new();
    let r = run_profile(
        &env,
        "svc.toml",
        &format!(
            "[[check]]\nid = \"vendor\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"127.0.0.1:{}\"\n",
            refusing_port()
        ),
    );
    let c = check(&r, "vendor");
    assert_eq!(c["code"], "network.tcp.refused");
    assert!(
        c["summary"].as_str().unwrap().contains("on its side"),
        "{c:#}"
    );
}

#[test]
fn the_example_profiles_are_valid() {
    let env = Env::new();
    let dir = workspace().join("checks/examples");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let out = env.run(&["validate", path.to_str().unwrap()]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}: {}",
                path.display(),
                stderr(&out)
            );
            n += 1;
        }
    }
    assert!(n >= 1, "no example profiles in {}", dir.display());
    let out = env.run(&[
        "validate",
        workspace().join("checks/default.toml").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
