//! The fault matrix, shared by the end-to-end tests (`tests/e2e/diagnosis.rs`) and the score
//! command (`fault-matrix`): the scenario table — every fault with the owner, layer and root
//! cause a careful network engineer would name — the rig's life cycle through
//! `tests/rig/faultlab.sh`, one readycheck run per scenario inside the home PC's namespace, and
//! the comparison of readycheck's diagnosis with the expectation.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// What a scenario's report must say.
#[derive(Debug, Clone, Copy)]
pub struct Expect {
    /// `diagnosis.owner`.
    pub owner: &'static str,
    /// `diagnosis.layer`.
    pub layer: &'static str,
    /// `diagnosis.root_cause` (`None`: null).
    pub root: Option<&'static str>,
    /// Checks that must be among `diagnosis.consequences`.
    pub consequences: &'static [&'static str],
    /// Checks that fail for a reason of their own and must not be called consequences.
    pub independent: &'static [&'static str],
    /// Accepted verdicts (`ready`, `degraded`, `not_ready`).
    pub verdicts: &'static [&'static str],
}

/// One fault and what it should be diagnosed as.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// The name, also the fault's name in `faultlab.sh fault NAME`.
    pub name: &'static str,
    /// What the fault is, in a line.
    pub what: &'static str,
    /// The PC is told to use the home router's HTTP proxy (`HTTP_PROXY`, `HTTPS_PROXY`).
    pub proxy: bool,
    pub expect: Expect,
}

const NOT_READY: &[&str] = &["not_ready"];
const DEGRADED: &[&str] = &["degraded"];
const DEGRADED_OR_WORSE: &[&str] = &["degraded", "not_ready"];
/// Everything behind the VPN gateway.
const BEHIND_GATEWAY: &[&str] = &["tunnel", "company-dns", "intranet", "order-routing"];
/// Everything behind the tunnel.
const BEHIND_TUNNEL: &[&str] = &["company-dns", "intranet", "order-routing"];
/// Everything that needs names on the internet.
const NEEDS_NAMES: &[&str] = &["vpn-gateway", "market-data", "sign-in-page"];

const fn s(
    name: &'static str,
    what: &'static str,
    owner: &'static str,
    layer: &'static str,
    root: Option<&'static str>,
    consequences: &'static [&'static str],
    verdicts: &'static [&'static str],
) -> Scenario {
    Scenario {
        name,
        what,
        proxy: false,
        expect: Expect {
            owner,
            layer,
            root,
            consequences,
            independent: &[],
            verdicts,
        },
    }
}

/// The matrix. Faults on the home side that would keep the VPN from connecting are injected
/// with the VPN client disconnected (a morning check before the VPN comes up); faults of the
/// company and the vendor with the VPN connected, unless they take the VPN down themselves.
pub const SCENARIOS: &[Scenario] = &[
    s(
        "healthy",
        "nothing wrong, VPN connected",
        "none",
        "none",
        None,
        &[],
        &["ready"],
    ),
    s(
        "internet-down",
        "the home router's WAN link is down",
        "home_network",
        "home_network",
        Some("link"),
        &[
            "internet",
            "line-quality",
            "sign-in-page",
            "vpn-gateway",
            "market-data",
        ],
        NOT_READY,
    ),
    s(
        "isp-black-hole",
        "the router's WAN is up but the provider drops everything",
        "home_network",
        "home_network",
        Some("link"),
        &[
            "internet",
            "line-quality",
            "sign-in-page",
            "vpn-gateway",
            "market-data",
        ],
        NOT_READY,
    ),
    s(
        "home-dns-refused",
        "the router's DNS is off: queries get ICMP port unreachable",
        "home_network",
        "dns",
        Some("internet"),
        NEEDS_NAMES,
        NOT_READY,
    ),
    s(
        "home-dns-servfail",
        "the router's DNS answers SERVFAIL (the provider's resolver behind it is broken)",
        "home_network",
        "dns",
        Some("internet"),
        NEEDS_NAMES,
        NOT_READY,
    ),
    s(
        "home-dns-silent",
        "the router's DNS gets no answer upstream and stays silent",
        "home_network",
        "dns",
        Some("internet"),
        NEEDS_NAMES,
        NOT_READY,
    ),
    s(
        "dns-hijack",
        "the router's DNS answers the VPN gateway's name with an address of its own",
        "home_network",
        "dns",
        Some("vpn-gateway"),
        BEHIND_GATEWAY,
        NOT_READY,
    ),
    s(
        "portal-page",
        "a captive portal answers every web request with its login page and blocks the rest",
        "sign_in_page",
        "sign_in",
        Some("sign-in-page"),
        &["vpn-gateway", "market-data"],
        NOT_READY,
    ),
    s(
        "portal-redirect",
        "a captive portal redirects every web request to its login page and blocks the rest",
        "sign_in_page",
        "sign_in",
        Some("sign-in-page"),
        &["vpn-gateway", "market-data"],
        NOT_READY,
    ),
    Scenario {
        name: "proxy-required",
        what: "direct connections are blocked; only the router's HTTP proxy gets out",
        proxy: true,
        expect: Expect {
            owner: "proxy",
            layer: "sign_in",
            root: Some("link"),
            consequences: &["internet", "vpn-gateway", "market-data"],
            independent: &[],
            verdicts: NOT_READY,
        },
    },
    s(
        "vpn-client-off",
        "the VPN client is not running",
        "vpn_client",
        "vpn_tunnel",
        Some("tunnel"),
        BEHIND_TUNNEL,
        NOT_READY,
    ),
    s(
        "tunnel-down",
        "the VPN adapter is there but down; the PC still uses the VPN's DNS server",
        "vpn_client",
        "vpn_tunnel",
        Some("internet"),
        NEEDS_NAMES,
        NOT_READY,
    ),
    s(
        "gateway-refused",
        "the VPN gateway (ocserv) is stopped: connections refused",
        "company",
        "vpn_gateway",
        Some("vpn-gateway"),
        BEHIND_GATEWAY,
        NOT_READY,
    ),
    s(
        "gateway-black-hole",
        "traffic to the VPN gateway is dropped on the internet side",
        "company",
        "vpn_gateway",
        Some("vpn-gateway"),
        BEHIND_GATEWAY,
        NOT_READY,
    ),
    s(
        "gateway-cert-expired",
        "the VPN gateway presents an expired certificate",
        "company",
        "vpn_gateway",
        Some("vpn-gateway"),
        BEHIND_GATEWAY,
        NOT_READY,
    ),
    s(
        "gateway-cert-wrong-name",
        "the VPN gateway presents a certificate for another name",
        "company",
        "vpn_gateway",
        Some("vpn-gateway"),
        BEHIND_GATEWAY,
        NOT_READY,
    ),
    s(
        "company-dns-down",
        "VPN up, the company's DNS server (the PC's only resolver through the VPN) is stopped",
        "company",
        "company_dns",
        Some("internet"),
        NEEDS_NAMES,
        NOT_READY,
    ),
    s(
        "intranet-name-missing",
        "the company's DNS answers NXDOMAIN for intranet.corp.example",
        "company",
        "company_dns",
        Some("tunnel"),
        BEHIND_TUNNEL,
        NOT_READY,
    ),
    s(
        "intranet-down",
        "the intranet web service is stopped",
        "company",
        "intranet",
        Some("intranet"),
        &[],
        NOT_READY,
    ),
    s(
        "order-routing-down",
        "the order-routing service is stopped while the intranet works",
        "company",
        "intranet",
        Some("order-routing"),
        &[],
        NOT_READY,
    ),
    s(
        "mtu-black-hole",
        "big packets from the company into the tunnel vanish (no ICMP too-big): handshakes stall",
        "company",
        "vpn_tunnel",
        Some("intranet"),
        &["order-routing"],
        NOT_READY,
    ),
    s(
        "vendor-region-down",
        "both Shanghai market-data sites are down, Guangdong works",
        "vendor",
        "vendor",
        Some("market-data"),
        &[],
        DEGRADED,
    ),
    s(
        "vendor-down",
        "every market-data site is down",
        "vendor",
        "vendor",
        Some("market-data"),
        &[],
        NOT_READY,
    ),
    s(
        "home-loss",
        "30 % of the packets leaving the home router are lost",
        "home_network",
        "home_network",
        Some("line-quality"),
        &[],
        DEGRADED_OR_WORSE,
    ),
    s(
        "loss-and-region-down",
        "30 % loss on the home line and the Shanghai market-data sites down",
        "home_network",
        "home_network",
        Some("line-quality"),
        &[],
        DEGRADED_OR_WORSE,
    ),
    s(
        "home-latency",
        "+200 ms round trip on the home line",
        "home_network",
        "home_network",
        Some("line-quality"),
        &[],
        DEGRADED,
    ),
    Scenario {
        name: "disk-and-internet-down",
        what: "the PC's disk is nearly full and the home router's WAN link is down",
        proxy: false,
        expect: Expect {
            owner: "home_network",
            layer: "home_network",
            root: Some("link"),
            consequences: &["internet", "vpn-gateway", "market-data"],
            independent: &["disk"],
            verdicts: NOT_READY,
        },
    },
];

/// The scenario called `name`.
pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

/// The rig's directory (`tests/rig`).
pub fn rig_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rig")
}

/// The profile's `deadline`: a run must end within it plus this slack.
pub const DEADLINE: Duration = Duration::from_secs(25);
pub const SLACK: Duration = Duration::from_secs(5);

/// Why the rig cannot run here (not root, a tool missing), or `None`.
pub fn unavailable() -> Option<String> {
    #[cfg(not(target_os = "linux"))]
    {
        Some("the fault-matrix rig needs Linux network namespaces".into())
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 {
            return Some("the fault-matrix rig needs root (network namespaces)".into());
        }
        let missing: Vec<&str> = [
            "ip",
            "nft",
            "dnsmasq",
            "ocserv",
            "ocpasswd",
            "openconnect",
            "certtool",
            "python3",
            "timeout",
            "setsid",
        ]
        .into_iter()
        .filter(|t| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {t} >/dev/null")])
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
        if !missing.is_empty() {
            return Some(format!(
                "the fault-matrix rig needs {} (apt-get install ocserv openconnect vpnc-scripts dnsmasq-base gnutls-bin nftables python3)",
                missing.join(", ")
            ));
        }
        if !Path::new("/usr/share/vpnc-scripts/vpnc-script").exists() {
            return Some("the fault-matrix rig needs vpnc-scripts".into());
        }
        None
    }
}

/// Runs `cmd` with its output in files, killed after `limit`. Returns the exit code (`None`
/// when killed), stdout and stderr.
fn bounded(cmd: &mut Command, limit: Duration, dir: &Path) -> (Option<i32>, String, String) {
    let (out, err) = (dir.join("cmd.out"), dir.join("cmd.err"));
    let spawned = (|| {
        let o = File::create(&out)?;
        let e = File::create(&err)?;
        cmd.stdin(Stdio::null()).stdout(o).stderr(e).spawn()
    })();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return (None, String::new(), format!("cannot start {cmd:?}: {e}")),
    };
    let t0 = Instant::now();
    let code = loop {
        match child.try_wait() {
            Ok(Some(st)) => break st.code(),
            Ok(None) if t0.elapsed() < limit => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let (o, mut e) = (read(&out), read(&err));
    if code.is_none() {
        e.push_str(&format!("\n(killed after {limit:?})"));
    }
    (code, o, e)
}

/// The script with an action, bounded.
fn faultlab(args: &[&str], limit: Duration, dir: &Path) -> Result<(), String> {
    let (code, _, err) = bounded(
        Command::new("bash")
            .arg(rig_dir().join("faultlab.sh"))
            .args(args),
        limit,
        dir,
    );
    if code == Some(0) {
        Ok(())
    } else {
        Err(format!(
            "faultlab.sh {} failed ({code:?}): {}",
            args.join(" "),
            err.trim()
        ))
    }
}

/// Tears the rig down (idempotent; also what `up` does first).
pub fn teardown() {
    if let Ok(dir) = tempfile::tempdir() {
        let _ = faultlab(&["down"], Duration::from_secs(60), dir.path());
    }
}

/// A rig that is up: the namespaces, servers and VPN, a private copy of readycheck and its
/// plugins (a rebuild of the shared target directory during the run cannot touch it), and a
/// lock that keeps a second process from driving the same rig.
pub struct Rig {
    dir: tempfile::TempDir,
    bin: PathBuf,
    plugins: PathBuf,
    _lock: File,
}

/// One scenario's run.
#[derive(Debug)]
pub struct Outcome {
    pub exit: Option<i32>,
    /// The JSON report (English).
    pub report: Value,
    /// The same report re-rendered with `--lang zh-CN -f json`.
    pub zh: Value,
    /// How long readycheck ran.
    pub wall: Duration,
    /// Injecting the fault plus healing afterwards.
    pub rig_time: Duration,
}

impl Rig {
    /// Builds the rig from scratch (clearing leftovers of an earlier run) with `readycheck` and
    /// the plugins found in `plugin_dir` (network and resources are copied).
    pub fn up(readycheck: &Path, plugin_dir: &Path) -> Result<Rig, String> {
        let lock = take_lock()?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let plugins = dir.path().join("plugins");
        std::fs::create_dir(&plugins).map_err(|e| e.to_string())?;
        let bin = dir.path().join("readycheck");
        std::fs::copy(readycheck, &bin)
            .map_err(|e| format!("copy {}: {e}", readycheck.display()))?;
        // The child program beside it, as every package ships it.
        let helper = readycheck.with_file_name("readycheck-plugin-host");
        std::fs::copy(&helper, dir.path().join("readycheck-plugin-host"))
            .map_err(|e| format!("copy {}: {e}", helper.display()))?;
        for name in ["network", "resources"] {
            let file = readycheck_sdk::file::file_name(name);
            std::fs::copy(plugin_dir.join(&file), plugins.join(&file))
                .map_err(|e| format!("copy {file}: {e}"))?;
        }
        #[cfg(unix)]
        for p in [dir.path(), &plugins] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| e.to_string())?;
        }
        faultlab(&["up"], Duration::from_secs(120), dir.path())?;
        Ok(Rig {
            dir,
            bin,
            plugins,
            _lock: lock,
        })
    }

    /// Heals the rig, injects the scenario's fault, runs readycheck in the PC's namespace,
    /// re-renders the report in Chinese, and heals again.
    pub fn run(&self, s: &Scenario) -> Result<Outcome, String> {
        let dir = self.dir.path();
        let t0 = Instant::now();
        faultlab(&["heal"], Duration::from_secs(60), dir)?;
        faultlab(&["fault", s.name], Duration::from_secs(60), dir)?;
        let inject = t0.elapsed();

        let report_path = dir.join(format!("{}.json", s.name));
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", "rcfm-pc"])
            .arg(&self.bin)
            .arg("run")
            .arg("-p")
            .arg(rig_dir().join("profile.toml"))
            .arg("--plugin-dir")
            .arg(&self.plugins)
            .args(["-f", "json", "--no-save", "--no-progress", "-o"])
            .arg(&report_path)
            .env("SSL_CERT_FILE", "/run/rcfm/pki/ca.pem")
            .env("READYCHECK_LANG", "en")
            .env("READYCHECK_DATA_DIR", dir.join("data"))
            .env("NO_COLOR", "1")
            .env_remove("READYCHECK_PROFILE")
            .env_remove("READYCHECK_PLUGIN_PATH")
            .current_dir(dir);
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "NO_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "no_proxy",
        ] {
            cmd.env_remove(var);
        }
        if s.proxy {
            for var in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
                cmd.env(var, "http://192.168.50.1:3128");
            }
        }
        let t1 = Instant::now();
        let (exit, _, err) = bounded(&mut cmd, DEADLINE + SLACK + SLACK, dir);
        let wall = t1.elapsed();

        let t2 = Instant::now();
        // `FAULT_MATRIX_KEEP=DIR` keeps every scenario's report for reading afterwards.
        if let Some(keep) = std::env::var_os("FAULT_MATRIX_KEEP") {
            let keep = PathBuf::from(keep);
            let _ = std::fs::create_dir_all(&keep);
            let _ = std::fs::copy(&report_path, keep.join(format!("{}.json", s.name)));
        }
        let parsed = std::fs::read(&report_path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Value>(&b).map_err(|e| e.to_string()));
        let zh = (|| {
            let (code, out, err) = bounded(
                Command::new(&self.bin)
                    .arg("report")
                    .arg(&report_path)
                    .args(["--lang", "zh-CN", "-f", "json"])
                    .env("READYCHECK_DATA_DIR", dir.join("data")),
                Duration::from_secs(30),
                dir,
            );
            if code != Some(0) {
                return Err(format!("readycheck report --lang zh-CN failed: {err}"));
            }
            serde_json::from_str::<Value>(&out).map_err(|e| e.to_string())
        })();
        let healed = faultlab(&["heal"], Duration::from_secs(60), dir);
        let rig_time = inject + t2.elapsed();
        let report = parsed.map_err(|e| format!("no JSON report ({e}); stderr: {err}"))?;
        healed?;
        Ok(Outcome {
            exit,
            report,
            zh: zh?,
            wall,
            rig_time,
        })
    }
}

/// An exclusive lock on /run/rcfm.lock, waited for at most 10 minutes.
fn take_lock() -> Result<File, String> {
    let f = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/run/rcfm.lock")
        .map_err(|e| format!("/run/rcfm.lock: {e}"))?;
    let t0 = Instant::now();
    loop {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: flock on a file descriptor this function owns; no memory is involved.
            if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
                return Ok(f);
            }
        }
        #[cfg(not(unix))]
        return Ok(f);
        if t0.elapsed() > Duration::from_secs(600) {
            return Err("another process has held the rig's lock for 10 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// How a scenario's report compares with the expectation.
#[derive(Debug)]
pub struct Judgement {
    pub scenario: &'static Scenario,
    pub owner: String,
    pub layer: String,
    pub root: String,
    pub wall: Duration,
    pub rig_time: Duration,
    /// Owner and root cause as expected (English report).
    pub right_en: bool,
    /// The Chinese re-render has a CJK headline and the same owner and root cause.
    pub right_zh: bool,
    /// Everything that differs from the expectation; empty when the scenario passes.
    pub problems: Vec<String>,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c))
}

fn exit_code_of(verdict: &str) -> Option<i32> {
    match verdict {
        "ready" => Some(0),
        "degraded" => Some(1),
        "not_ready" => Some(2),
        _ => None,
    }
}

/// Compares an outcome with the scenario's expectation.
pub fn judge(s: &'static Scenario, o: &Outcome) -> Judgement {
    let e = &s.expect;
    let d = &o.report["diagnosis"];
    let zd = &o.zh["diagnosis"];
    let mut problems = Vec::new();
    if d.is_null() {
        problems.push("the report has no diagnosis".into());
    }
    let owner = text(&d["owner"]);
    let layer = text(&d["layer"]);
    let root = text(&d["root_cause"]);
    let want_root = e.root.unwrap_or("null");
    if owner != e.owner {
        problems.push(format!("owner {owner}, expected {}", e.owner));
    }
    if layer != e.layer {
        problems.push(format!("layer {layer}, expected {}", e.layer));
    }
    if root != want_root {
        problems.push(format!("root cause {root}, expected {want_root}"));
    }
    let consequences: Vec<String> = d["consequences"]
        .as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default();
    let missing: Vec<String> = e
        .consequences
        .iter()
        .filter(|c| !consequences.iter().any(|x| x == *c))
        .map(|c| c.to_string())
        .collect();
    if !missing.is_empty() {
        problems.push(format!("consequences lack {}", missing.join(", ")));
    }
    for c in e.independent {
        if consequences.iter().any(|x| x == c) {
            problems.push(format!("{c} is a problem of its own, not a consequence"));
        }
    }
    let verdict = text(&o.report["verdict"]);
    if !e.verdicts.contains(&verdict.as_str()) {
        problems.push(format!(
            "verdict {verdict}, expected {}",
            e.verdicts.join(" or ")
        ));
    }
    if o.exit != exit_code_of(&verdict) {
        problems.push(format!("exit code {:?} for verdict {verdict}", o.exit));
    }
    let headline = d["headline"].as_str().unwrap_or("");
    if headline.trim().is_empty() {
        problems.push("empty English headline".into());
    }
    let zh_headline = zd["headline"].as_str().unwrap_or("");
    if !has_cjk(zh_headline) {
        problems.push(format!("Chinese headline without CJK: {zh_headline:?}"));
    }
    // Loss measured on the user's own line: nobody upstream may be blamed on that evidence.
    let loss = o.report["checks"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["id"] == "line-quality"))
        .and_then(|c| c["metrics"]["loss_percent"].as_f64())
        .unwrap_or(0.0);
    if loss > 0.0 && (owner == "vendor" || owner == "company") {
        problems.push(format!(
            "blames the {owner} while the home line loses {loss} %: {headline:?}"
        ));
    }
    if o.wall >= DEADLINE + SLACK {
        problems.push(format!(
            "readycheck took {:.1} s (deadline {} s + {} s)",
            o.wall.as_secs_f64(),
            DEADLINE.as_secs(),
            SLACK.as_secs()
        ));
    }
    let right_en = owner == e.owner && root == want_root;
    let right_zh = has_cjk(zh_headline)
        && text(&zd["owner"]) == e.owner
        && text(&zd["root_cause"]) == want_root;
    if !right_zh && right_en {
        problems.push("the Chinese re-render names another owner or root cause".into());
    }
    Judgement {
        scenario: s,
        owner,
        layer,
        root,
        wall: o.wall,
        rig_time: o.rig_time,
        right_en,
        right_zh,
        problems,
    }
}

impl Judgement {
    /// The table's header, matching `row`.
    pub fn header() -> String {
        format!(
            "{:<24} {:<29} {:<29} {:<16} {:<16} {:>6} {:>6}  {}",
            "scenario",
            "owner (expected → got)",
            "layer (expected → got)",
            "root expected",
            "root got",
            "run s",
            "rig s",
            "problems"
        )
    }

    /// One row: expected against got, the time, and what is wrong.
    pub fn row(&self) -> String {
        let e = &self.scenario.expect;
        let mark = if self.problems.is_empty() {
            "ok"
        } else {
            "✗"
        };
        format!(
            "{:<24} {:<29} {:<29} {:<16} {:<16} {:>6.1} {:>6.1}  {mark} {}",
            self.scenario.name,
            format!("{} → {}", e.owner, self.owner),
            format!("{} → {}", e.layer, self.layer),
            e.root.unwrap_or("null"),
            self.root,
            self.wall.as_secs_f64(),
            self.rig_time.as_secs_f64(),
            self.problems.join("; "),
        )
    }
}
