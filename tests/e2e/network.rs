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
    // The same black hole seen by two checks is one problem: the second follows from the
    // first, and so does the check that needs it.
    assert_eq!(r["root_causes"], serde_json::json!(["gateway"]));
    assert_eq!(r["diagnosis"]["root_cause"], "gateway");
    assert_eq!(
        r["diagnosis"]["consequences"],
        serde_json::json!(["gateway-tls", "intranet"])
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

/// A network namespace made by the test, with the commands to shape it; deleted on drop.
#[cfg(target_os = "linux")]
struct Netns {
    name: String,
    holders: Vec<std::process::Child>,
}

#[cfg(target_os = "linux")]
impl Netns {
    fn new(tag: &str) -> Option<Netns> {
        let name = format!("rc{}{tag}", std::process::id());
        let ok = std::process::Command::new("ip")
            .args(["netns", "add", &name])
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        let ns = Netns {
            name,
            holders: Vec::new(),
        };
        ns.ip(&["link", "set", "lo", "up"]);
        Some(ns)
    }

    fn ip(&self, args: &[&str]) {
        let st = std::process::Command::new("ip")
            .arg("-n")
            .arg(&self.name)
            .args(args)
            .status()
            .unwrap();
        assert!(st.success(), "ip -n {} {}", self.name, args.join(" "));
    }

    /// A tun device held open by a process inside the namespace (so it has carrier, like a
    /// connected VPN client's adapter). Needs python3.
    fn tun_with_carrier(&mut self, dev: &str) -> bool {
        let code = format!(
            "import fcntl,struct,os,time\nfd=os.open('/dev/net/tun',os.O_RDWR)\nfcntl.ioctl(fd,0x400454ca,struct.pack('16sH',b'{dev}',0x1001))\nprint('ok',flush=True)\ntime.sleep(120)"
        );
        let Ok(mut child) = std::process::Command::new("ip")
            .args(["netns", "exec", &self.name, "python3", "-c", &code])
            .stdout(std::process::Stdio::piped())
            .spawn()
        else {
            return false;
        };
        let mut line = String::new();
        let _ = std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        );
        self.holders.push(child);
        line.trim() == "ok"
    }

    fn run(&self, env: &Env, profile: &std::path::Path) -> serde_json::Value {
        let out = std::process::Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(bin())
            .args(["run", "--no-save", "-f", "json", "-p"])
            .arg(profile)
            .arg("--plugin-dir")
            .arg(&env.plugins)
            .env("READYCHECK_DATA_DIR", &env.data)
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Netns {
    fn drop(&mut self) {
        for h in &mut self.holders {
            let _ = h.kill();
            let _ = h.wait();
        }
        let _ = std::process::Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

/// The tunnel kind in namespaces the test builds: no route at all; a VPN adapter present while
/// the traffic leaves through the home network; an adapter configured without carrier; a tunnel
/// that carries the route; and a tunnel that is up while the corporate side does not answer.
#[cfg(target_os = "linux")]
#[test]
fn tunnel_states_in_network_namespaces() {
    if !is_root() {
        skip_note("network namespaces need root");
        return;
    }
    let env = Env::new();
    let profile = |name: &str, reach: bool| {
        env.profile(
            name,
            &format!(
                "[profile]\nname = \"tunnel\"\ntimeout = \"2s\"\n[[check]]\nid = \"tunnel\"\nplugin = \"network\"\nkind = \"tunnel\"\nprobe_address = \"10.99.0.5\"\n{}",
                if reach { "reach_target = \"10.99.0.5:443\"\n" } else { "" }
            ),
        )
    };
    let (plain, reach) = (profile("t.toml", false), profile("tr.toml", true));
    let code = |r: &serde_json::Value| check(r, "tunnel")["code"].as_str().unwrap().to_string();
    let summary =
        |r: &serde_json::Value| check(r, "tunnel")["summary"].as_str().unwrap().to_string();

    // 1. Nothing but loopback: no route.
    let Some(ns) = Netns::new("a") else {
        skip_note("ip netns add failed");
        return;
    };
    let r = ns.run(&env, &plain);
    assert_eq!(code(&r), "network.tunnel.no_route", "{r:#}");
    assert!(
        summary(&r).contains("VPN is not connected"),
        "{}",
        summary(&r)
    );
    drop(ns);

    // 2. A VPN adapter exists, but the route goes out through the home network (veth).
    let ns = Netns::new("b").unwrap();
    ns.ip(&["tuntap", "add", "dev", "tun0", "mode", "tun"]);
    ns.ip(&[
        "link", "add", "veth0", "type", "veth", "peer", "name", "veth1",
    ]);
    ns.ip(&["addr", "add", "192.168.77.2/24", "dev", "veth0"]);
    ns.ip(&["link", "set", "veth0", "up"]);
    ns.ip(&["link", "set", "veth1", "up"]);
    ns.ip(&["route", "add", "default", "via", "192.168.77.1"]);
    let r = ns.run(&env, &plain);
    assert_eq!(code(&r), "network.tunnel.not_via_vpn", "{r:#}");
    assert!(
        summary(&r).contains("veth0") && summary(&r).contains("tun0 is present"),
        "{}",
        summary(&r)
    );
    // 3. The adapter gets the corporate route but no VPN client holds it: no carrier.
    ns.ip(&["addr", "add", "10.99.0.2/24", "dev", "tun0"]);
    ns.ip(&["link", "set", "tun0", "up"]);
    let r = ns.run(&env, &plain);
    assert_eq!(code(&r), "network.tunnel.adapter_down", "{r:#}");
    drop(ns);

    // 4. A connected tunnel carries the route; 5. but the corporate side does not answer.
    let mut ns = Netns::new("c").unwrap();
    if !ns.tun_with_carrier("tun7") {
        skip_note("python3 is needed to hold a tun device open");
        return;
    }
    ns.ip(&["addr", "add", "10.99.0.2/24", "dev", "tun7"]);
    ns.ip(&["link", "set", "tun7", "up"]);
    let r = ns.run(&env, &plain);
    assert_eq!(code(&r), "network.tunnel.ok", "{r:#}");
    assert!(summary(&r).contains("tun7"), "{}", summary(&r));
    let r = ns.run(&env, &reach);
    assert_eq!(code(&r), "network.tunnel.unreachable", "{r:#}");
    assert!(
        summary(&r).contains("the VPN tunnel is up"),
        "{}",
        summary(&r)
    );
}
