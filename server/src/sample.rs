//! Synthetic reports of realistic size and shape (a trading-desk profile: network, VPN,
//! tunnel, vendor sites, resources and posture checks, with evidence, metrics, both languages
//! and a diagnosis), for the tests and the benchmark. Nothing in serving uses this.

use serde_json::{Value, json};

/// Options for one synthetic report.
#[derive(Debug, Clone)]
pub struct Sample<'a> {
    pub hostname: &'a str,
    /// Unique per report; also its idempotency key when submitted.
    pub id: &'a str,
    /// RFC 3339.
    pub started_at: &'a str,
    /// Number of checks (10 gives about 14 KB, 20 about 28 KB).
    pub checks: usize,
    /// Whether the VPN gateway check fails (the run is then not ready).
    pub vpn_down: bool,
    /// `--only` ids: a partial run.
    pub only: &'a [&'a str],
}

const KINDS: &[(&str, &str, &str)] = &[
    ("network", "dns", "dns"),
    ("network", "tcp", "vpn_gateway"),
    ("network", "tls", "vpn_gateway"),
    ("network", "http", "intranet"),
    ("network", "tunnel", "vpn_tunnel"),
    ("network", "sites", "vendor"),
    ("network", "quality", "home_network"),
    ("resources", "disk", "this_pc"),
    ("resources", "memory", "this_pc"),
    ("posture", "firewall", "this_pc"),
];

/// The report as JSON.
pub fn report(s: &Sample<'_>) -> Value {
    let mut checks = Vec::new();
    for i in 0..s.checks {
        let (plugin, kind, layer) = KINDS[i % KINDS.len()];
        let id = if i == 1 {
            "vpn-gateway".to_string()
        } else {
            format!("{kind}-{i}")
        };
        let failed = i == 1 && s.vpn_down;
        let (status, code, summary, zh) = if failed {
            (
                "fail",
                "network.tcp.refused",
                "vpn.corp.example:443 refused the connection (203.0.113.7) — the VPN gateway is not accepting connections",
                "vpn.corp.example:443 拒绝了连接（203.0.113.7）——VPN 网关不接受连接",
            )
        } else {
            (
                "pass",
                "network.ok",
                "connected to the service in 23 ms through the company tunnel; certificate valid for 211 more days",
                "通过公司隧道在 23 毫秒内连接到服务；证书还有 211 天有效",
            )
        };
        let evidence: Vec<String> = (0..3)
            .map(|k| format!("step {k}: resolved host-{i}-{k}.corp.example → 10.{}.{}.{} via 10.8.0.1 (company DNS, 4 ms); connected from 10.8.0.17 over tun0", i % 250, k, (i * 7 + k) % 250))
            .collect();
        checks.push(json!({
            "id": id,
            "title": format!("Service {i} ({kind})"),
            "plugin": plugin,
            "kind": kind,
            "severity": if i % 3 == 2 { "recommended" } else { "required" },
            "status": status,
            "code": code,
            "summary": summary,
            "evidence": evidence,
            "metrics": { "connect_ms": 23.0 + i as f64, "dns_ms": 4.0, "total_ms": 61.5, "cert_days_left": 211.0 },
            "duration_ms": 40 + i as u64,
            "fix": "If this fails, call the helpdesk on 0755-0000-0000 and say which check failed.",
            "layer": layer,
            "l10n": {
                "en": { "title": format!("Service {i} ({kind})"), "summary": summary },
                "zh-CN": { "title": format!("服务 {i}（{kind}）"), "summary": zh },
            },
        }));
    }
    let fails = u32::from(s.vpn_down && s.checks > 1);
    let diagnosis = if fails > 0 {
        json!({
            "owner": "company", "layer": "vpn_gateway", "confidence": "high",
            "root_cause": "vpn-gateway", "consequences": [], "other_problems": [],
            "headline": "The company's VPN gateway refused the connection; your home network works.",
            "advice": "This is not your problem: the company must restore the VPN gateway. Call the helpdesk.",
            "message": { "id": "diagnosis.company.vpn_gateway" },
            "advice_message": { "id": "advice.company" },
            "evidence": ["vpn-gateway: network.tcp.refused"],
            "path": [],
        })
    } else {
        json!({
            "owner": "none", "layer": "none", "confidence": "high",
            "consequences": [], "other_problems": [],
            "headline": "Everything you need works.", "advice": "",
            "message": { "id": "diagnosis.ready" }, "advice_message": { "id": "advice.none" },
            "evidence": [], "path": [],
        })
    };
    let mut v = json!({
        "schema": "readycheck/report/v1",
        "id": s.id,
        "locale": "en",
        "verdict": if fails > 0 { "not_ready" } else { "ready" },
        "counts": { "pass": s.checks as u32 - fails, "warn": 0, "fail": fails, "skip": 0, "error": 0 },
        "tool": { "name": "readycheck", "version": "0.1.0" },
        "host": { "hostname": s.hostname, "user": format!("user-{}", s.hostname), "os": "windows", "os_version": "10.0.22631", "arch": "x86_64" },
        "profile": { "name": "Trading desk — home office", "version": "2026.11", "sha256": "ab".repeat(32), "source": "embedded" },
        "started_at": s.started_at,
        "duration_ms": 1830,
        "plugins": [
            { "name": "network", "version": "0.1.0", "abi": 1, "path": "C:\\Program Files\\readycheck\\plugins\\readycheck_network.dll", "sha256": "cd".repeat(32) },
            { "name": "resources", "version": "0.1.0", "abi": 1, "path": "C:\\Program Files\\readycheck\\plugins\\readycheck_resources.dll", "sha256": "ef".repeat(32) },
        ],
        "root_causes": if fails > 0 { json!(["vpn-gateway"]) } else { json!([]) },
        "diagnosis": diagnosis,
        "checks": checks,
    });
    if !s.only.is_empty() {
        v["selection"] = json!({ "only": s.only });
    }
    v
}
