//! `posture/firewall`: the host firewall is on. Linux: decided from what the loaded ruleset does
//! to a new inbound TCP connection from an arbitrary address to an arbitrary port, for IPv4 and
//! (when the PC has it) IPv6 — every filter chain on the input and prerouting hooks, rules in
//! order, `jump`/`goto`/`return` and verdict maps followed, policies last (`nft -j list
//! ruleset`, or `iptables -S`/`ip6tables -S`; root only). ufw's `ENABLED=yes` and a process
//! named firewalld prove nothing; without root, only firewalld's own answer over D-Bus
//! (`firewall-cmd --state`) counts, else the check says it needs administrator rights. Windows:
//! every profile's `EnableFirewall` in the registry (group policy first). macOS: the
//! application firewall's global state.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/firewall` (none: what counts as "on" is fixed per OS).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirewallParams {}

/// The `posture/firewall` kind.
pub struct Firewall;

impl Kind for Firewall {
    const NAME: &'static str = "firewall";
    const TITLE: &'static str = "Host firewall on";
    const DESCRIPTION: &'static str = "Checks that the PC's own firewall is switched on: on Windows for every network profile \
         (domain, private, public), on macOS the application firewall, on Linux ufw, firewalld, or \
         an nftables/iptables input policy that does not accept everything.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"firewall\"\nplugin = \"posture\"\nkind = \"firewall\"\ntitle = \"Firewall on\"\nfix = \"Turn the firewall on: Windows Security → Firewall & network protection.\"\n";
    type Params = FirewallParams;

    fn run(p: &FirewallParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

/// What one source says.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// The firewall is on, per this source (evidence).
    On(String),
    /// This source shows no protection (evidence).
    Off(String),
    /// Only an administrator can read this source (what).
    NeedsAdmin(String),
    /// Nothing to read here (evidence, e.g. "ufw not installed").
    Absent(String),
}

/// The verdict over every source read.
pub fn judge(readings: &[Reading]) -> CheckResult {
    let evidence: Vec<String> = readings
        .iter()
        .map(|r| match r {
            Reading::On(e) | Reading::Off(e) | Reading::Absent(e) => e.clone(),
            Reading::NeedsAdmin(what) => format!("{what}: needs administrator rights"),
        })
        .collect();
    let on: Vec<&String> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::On(e) => Some(e),
            _ => None,
        })
        .collect();
    let off: Vec<&String> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::Off(e) => Some(e),
            _ => None,
        })
        .collect();
    let admin: Vec<&String> = readings
        .iter()
        .filter_map(|r| match r {
            Reading::NeedsAdmin(w) => Some(w),
            _ => None,
        })
        .collect();
    let mut r = if !off.is_empty() && (on.is_empty() || cfg!(windows)) {
        // On Windows every profile must be on; elsewhere one protecting layer is enough.
        let how = if cfg!(windows) {
            t!("firewall.how_windows")
        } else if cfg!(target_os = "macos") {
            t!("firewall.how_macos")
        } else {
            t!("firewall.how_linux")
        };
        CheckResult::fail(
            "posture.firewall.off",
            t!("firewall.off", reading = off[0], how = how),
        )
    } else if let Some(first) = on.first() {
        CheckResult::pass("posture.firewall.on", t!("firewall.on", reading = *first))
    } else if let Some(what) = admin.first() {
        CheckResult::skip(
            "posture.firewall.needs_admin",
            t!("firewall.needs_admin", what = *what),
        )
    } else {
        CheckResult::fail("posture.firewall.none", t!("firewall.none"))
    };
    r.evidence = evidence;
    r
}

/// The address family a new inbound connection is tried with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }
}

/// What a ruleset does to a new inbound TCP connection from an arbitrary address to an arbitrary
/// port, arriving on a network interface (not loopback).
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// Dropped or rejected: (where).
    Blocked(String),
    /// Let in: (why).
    Open(String),
}

/// How a chain ended for the packet.
enum Outcome {
    Accept(String),
    Drop(String),
    /// Fell off the end or `return`ed.
    Return,
}

/// The nftables ruleset (`nft -j list ruleset`), indexed.
struct Nft<'a> {
    rules: Vec<&'a serde_json::Value>,
}

fn as_strings(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Number(n) => vec![n.to_string()],
        serde_json::Value::Array(a) => a.iter().flat_map(as_strings).collect(),
        serde_json::Value::Object(o) => o.get("set").map(as_strings).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Whether one nft `match` expression holds for the arbitrary new connection: `Some(true)` or
/// `Some(false)`; conditions on specific addresses, ports or interfaces do not hold for an
/// arbitrary connection unless negated.
fn nft_match(m: &serde_json::Value, fam: Family) -> bool {
    let op = m["op"].as_str().unwrap_or("==");
    let left = &m["left"];
    let right = as_strings(&m["right"]);
    let positive = op == "==" || op == "in";
    let has = |x: &str| right.iter().any(|r| r == x);
    let decide = |holds: bool| if op == "!=" { !holds } else { holds };
    if let Some(key) = left["ct"]["key"].as_str() {
        return match key {
            "state" => decide(has("new")),
            "direction" => decide(has("original")),
            _ => !positive,
        };
    }
    if let Some(key) = left["meta"]["key"].as_str() {
        return match key {
            // The connection arrives on some network interface named nowhere in the rules.
            "iifname" | "iif" | "iiftype" | "iifgroup" => decide(false),
            "l4proto" | "protocol" => decide(has("tcp") || has("6")),
            "nfproto" => decide(has(match fam {
                Family::V4 => "ipv4",
                Family::V6 => "ipv6",
            })),
            "pkttype" => decide(has("host")),
            _ => !positive,
        };
    }
    if let Some(proto) = left["payload"]["protocol"].as_str() {
        let field = left["payload"]["field"].as_str().unwrap_or("");
        return match (proto, field) {
            ("ip", _) if fam == Family::V6 => false,
            ("ip6", _) if fam == Family::V4 => false,
            ("ip", "protocol") | ("ip6", "nexthdr") => decide(has("tcp") || has("6")),
            ("ip", "version") => decide(has("4")),
            ("ip6", "version") => decide(has("6")),
            ("tcp", "flags") => true,
            _ => !positive,
        };
    }
    if left.get("&").is_some() {
        // `tcp flags & (syn | ack) == syn` and similar: a new connection's SYN.
        let text = left.to_string();
        return if text.contains("\"flags\"") {
            true
        } else {
            !positive
        };
    }
    !positive
}

impl<'a> Nft<'a> {
    fn new(json: &'a serde_json::Value) -> Self {
        let rules = json["nftables"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|i| i.get("rule").is_some())
                    .map(|i| &i["rule"])
                    .collect()
            })
            .unwrap_or_default();
        Nft { rules }
    }

    fn chain(&self, family: &str, table: &str, name: &str) -> Vec<&'a serde_json::Value> {
        self.rules
            .iter()
            .filter(|r| r["family"] == family && r["table"] == table && r["chain"] == name)
            .copied()
            .collect()
    }

    /// Runs the packet through one chain.
    fn run(&self, family: &str, table: &str, chain: &str, fam: Family, depth: u8) -> Outcome {
        if depth > 16 {
            return Outcome::Return;
        }
        let here = format!("{family} {table} {chain}");
        for rule in self.chain(family, table, chain) {
            let handle = rule["handle"].as_u64().unwrap_or(0);
            let at = format!("rule {handle} in {here}");
            let mut matched = true;
            let mut verdict: Option<Outcome> = None;
            for e in rule["expr"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(m) = e.get("match") {
                    if !nft_match(m, fam) {
                        matched = false;
                        break;
                    }
                } else if e.get("accept").is_some() {
                    verdict = Some(Outcome::Accept(format!("{at} accepts it")));
                } else if e.get("drop").is_some() || e.get("reject").is_some() {
                    verdict = Some(Outcome::Drop(format!("{at} drops or rejects it")));
                } else if e.get("return").is_some() {
                    verdict = Some(Outcome::Return);
                } else if let Some(target) = e["jump"]["target"].as_str() {
                    match self.run(family, table, target, fam, depth + 1) {
                        Outcome::Return => {}
                        o => verdict = Some(o),
                    }
                } else if let Some(target) = e["goto"]["target"].as_str() {
                    verdict = Some(self.run(family, table, target, fam, depth + 1));
                } else if let Some(vmap) = e.get("vmap") {
                    // `ct state vmap { established : accept, invalid : drop }`: the entry for a
                    // new connection, if any.
                    let key = &vmap["key"];
                    let entries = vmap["data"]["set"].as_array().cloned().unwrap_or_default();
                    for entry in entries {
                        let (k, v) = (&entry[0], &entry[1]);
                        let probe = serde_json::json!({"op": "==", "left": key, "right": k});
                        if nft_match(&probe, fam) {
                            if v.get("accept").is_some() {
                                verdict =
                                    Some(Outcome::Accept(format!("{at} (verdict map) accepts it")));
                            } else if v.get("drop").is_some() || v.get("reject").is_some() {
                                verdict =
                                    Some(Outcome::Drop(format!("{at} (verdict map) drops it")));
                            } else if let Some(t) = v["jump"]["target"].as_str() {
                                if let o @ (Outcome::Accept(_) | Outcome::Drop(_)) =
                                    self.run(family, table, t, fam, depth + 1)
                                {
                                    verdict = Some(o);
                                }
                            } else if let Some(t) = v["goto"]["target"].as_str() {
                                verdict = Some(self.run(family, table, t, fam, depth + 1));
                            }
                            break;
                        }
                    }
                    if verdict.is_none() {
                        matched = false;
                    }
                }
                if verdict.is_some() {
                    break;
                }
            }
            if matched && let Some(v) = verdict {
                return v;
            }
        }
        Outcome::Return
    }
}

/// What the loaded nftables ruleset does to a new inbound connection of `fam`: every filter
/// chain on the input (and prerouting) hook of the ip/ip6/inet tables, in priority order; one
/// drop anywhere blocks it.
pub fn nft_fate(json: &serde_json::Value, fam: Family) -> Fate {
    let nft = Nft::new(json);
    let families: &[&str] = match fam {
        Family::V4 => &["ip", "inet"],
        Family::V6 => &["ip6", "inet"],
    };
    let mut bases: Vec<(i64, u8, &serde_json::Value)> = json["nftables"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i.get("chain"))
                .filter(|c| families.contains(&c["family"].as_str().unwrap_or("")))
                .filter(|c| c["type"].as_str().unwrap_or("filter") == "filter")
                .filter_map(|c| {
                    let hook = match c["hook"].as_str()? {
                        "prerouting" => 0,
                        "input" => 1,
                        _ => return None,
                    };
                    Some((c["prio"].as_i64().unwrap_or(0), hook, c))
                })
                .collect()
        })
        .unwrap_or_default();
    bases.sort_by_key(|(prio, hook, _)| (*hook, *prio));
    let mut accepted = Vec::new();
    for (_, _, c) in &bases {
        let (family, table, name) = (
            c["family"].as_str().unwrap_or(""),
            c["table"].as_str().unwrap_or(""),
            c["name"].as_str().unwrap_or(""),
        );
        let policy = c["policy"].as_str().unwrap_or("accept");
        match nft.run(family, table, name, fam, 0) {
            Outcome::Drop(at) => return Fate::Blocked(format!("nftables: {at}")),
            Outcome::Accept(at) => accepted.push(at),
            Outcome::Return if policy == "drop" => {
                return Fate::Blocked(format!(
                    "nftables: chain {family} {table} {name} ends with policy drop"
                ));
            }
            Outcome::Return => {
                accepted.push(format!("chain {family} {table} {name} has policy {policy}"))
            }
        }
    }
    if bases.is_empty() {
        Fate::Open(format!(
            "nftables: no {} table has a chain on the input hook",
            families.join("/")
        ))
    } else {
        Fate::Open(format!("nftables: {}", accepted.join("; ")))
    }
}

/// `iptables -S` (or `ip6tables -S`) of the filter table: what it does to a new inbound
/// connection, following jumps and gotos.
pub fn iptables_fate(text: &str) -> Fate {
    let mut policy = std::collections::BTreeMap::new();
    let mut rules: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        let w: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        match w.first().map(String::as_str) {
            Some("-P") if w.len() >= 3 => {
                policy.insert(w[1].clone(), w[2].clone());
            }
            Some("-A") if w.len() >= 2 => rules.push((w[1].clone(), w[2..].to_vec())),
            _ => {}
        }
    }
    fn holds(args: &[String]) -> bool {
        let mut i = 0;
        let mut neg = false;
        while i < args.len() {
            let a = args[i].as_str();
            let val = args.get(i + 1).map(String::as_str).unwrap_or("");
            let specific = |holds: bool| if neg { !holds } else { holds };
            let ok = match a {
                "!" => {
                    neg = true;
                    i += 1;
                    continue;
                }
                "-j" | "-g" => return true,
                "-m" | "--comment" | "--limit" | "--limit-burst" => true,
                "-p" | "--protocol" => specific(val == "tcp" || val == "6" || val == "all"),
                "-i" | "--in-interface" | "-s" | "--source" | "-d" | "--destination" => {
                    specific(false)
                }
                "--ctstate" | "--state" => specific(val.split(',').any(|s| s == "NEW")),
                "--tcp-flags" | "--syn" => true,
                _ => specific(false),
            };
            if !ok {
                return false;
            }
            neg = false;
            // Options with one value skip it; --tcp-flags has two.
            i += match a {
                "--syn" => 1,
                "--tcp-flags" => 3,
                _ => 2,
            };
        }
        true
    }
    fn run(
        chain: &str,
        rules: &[(String, Vec<String>)],
        depth: u8,
    ) -> Option<Result<String, String>> {
        if depth > 16 {
            return None;
        }
        for (n, (c, args)) in rules.iter().enumerate().filter(|(_, (c, _))| c == chain) {
            if !holds(args) {
                continue;
            }
            let pos = args.iter().position(|a| a == "-j" || a == "-g");
            let Some(pos) = pos else { continue };
            let target = args.get(pos + 1).map(String::as_str).unwrap_or("");
            let at = format!("rule {} of {c} ({})", n + 1, args.join(" "));
            match target {
                "ACCEPT" => return Some(Ok(at)),
                "DROP" | "REJECT" => return Some(Err(at)),
                "RETURN" => return None,
                "LOG" | "NFLOG" | "MARK" | "CONNMARK" => {}
                other => {
                    let r = run(other, rules, depth + 1);
                    if r.is_some() || args[pos] == "-g" {
                        return r;
                    }
                }
            }
        }
        None
    }
    match run("INPUT", &rules, 0) {
        Some(Ok(at)) => Fate::Open(format!("iptables: {at} accepts it")),
        Some(Err(at)) => Fate::Blocked(format!("iptables: {at} drops or rejects it")),
        None => {
            let p = policy.get("INPUT").map_or("ACCEPT", String::as_str);
            if p == "DROP" {
                Fate::Blocked("iptables: INPUT policy DROP".into())
            } else {
                Fate::Open(format!("iptables: INPUT policy {p}"))
            }
        }
    }
}

/// One reading from the fates of IPv4 and (when the PC has IPv6) IPv6.
pub fn fates_reading(v4: Fate, v6: Option<Fate>) -> Reading {
    let mut open = Vec::new();
    let mut blocked = Vec::new();
    for (fam, fate) in [(Family::V4, Some(v4)), (Family::V6, v6)] {
        match fate {
            Some(Fate::Open(why)) => open.push(format!("{}: open — {why}", fam.name())),
            Some(Fate::Blocked(why)) => blocked.push(format!("{}: blocked — {why}", fam.name())),
            None => blocked.push(format!("{}: not enabled on this PC", fam.name())),
        }
    }
    let what = format!(
        "a new inbound connection — {}",
        open.iter()
            .chain(&blocked)
            .cloned()
            .collect::<Vec<_>>()
            .join("; ")
    );
    if open.is_empty() {
        Reading::On(what)
    } else {
        Reading::Off(what)
    }
}

/// Judges ufw's config file. `ENABLED=yes` says what ufw was told, not what is loaded: it is
/// evidence only, the loaded ruleset decides.
pub fn ufw_reading(conf: &str) -> Reading {
    let enabled = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ENABLED="))
        .next_back()
        .map(|v| v.trim_matches(['"', '\'']).eq_ignore_ascii_case("yes"));
    match enabled {
        Some(true) => Reading::Absent(
            "/etc/ufw/ufw.conf says ENABLED=yes (what is loaded decides, not this flag)".into(),
        ),
        _ => Reading::Absent("ufw is installed but disabled (/etc/ufw/ufw.conf)".into()),
    }
}

/// Judges `socketfilterfw --getglobalstate` (macOS): "Firewall is enabled. (State = 1)".
pub fn macos_reading(text: &str) -> Reading {
    let t = text.trim();
    let what = format!("/usr/libexec/ApplicationFirewall/socketfilterfw --getglobalstate: {t}");
    if t.contains("State = 1") || t.contains("State = 2") || t.contains("is enabled") {
        Reading::On(what)
    } else {
        Reading::Off(what)
    }
}

/// Windows profiles: (policy key, local key, name).
pub const WINDOWS_PROFILES: [(&str, &str, &str); 3] = [
    ("DomainProfile", "DomainProfile", "domain"),
    ("PrivateProfile", "StandardProfile", "private"),
    ("PublicProfile", "PublicProfile", "public"),
];
const POLICY_KEY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall";
const LOCAL_KEY: &str =
    r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy";

/// One Windows profile from its group-policy and local `EnableFirewall` values.
pub fn windows_profile_reading(name: &str, policy: Option<u32>, local: Option<u32>) -> Reading {
    let (value, source) = match (policy, local) {
        (Some(v), _) => (v, format!("group policy, {POLICY_KEY}")),
        (None, Some(v)) => (v, LOCAL_KEY.to_string()),
        (None, None) => {
            return Reading::Absent(format!(
                "{name} profile: no EnableFirewall value under {LOCAL_KEY}"
            ));
        }
    };
    let what = format!("{name} profile: EnableFirewall={value} ({source})");
    if value == 1 {
        Reading::On(what)
    } else {
        Reading::Off(what)
    }
}

fn gather() -> Vec<Reading> {
    if cfg!(windows) {
        let mut out = Vec::new();
        for (pol, local, name) in WINDOWS_PROFILES {
            let p = os::reg_query(&format!(r"{POLICY_KEY}\{pol}"))
                .ok()
                .and_then(|v| os::reg_dword(&v, "EnableFirewall"));
            match os::reg_query(&format!(r"{LOCAL_KEY}\{local}")) {
                Ok(v) => out.push(windows_profile_reading(
                    name,
                    p,
                    os::reg_dword(&v, "EnableFirewall"),
                )),
                Err(e) => out.push(Reading::Absent(format!("{name} profile: {e}"))),
            }
        }
        return out;
    }
    if cfg!(target_os = "macos") {
        return vec![match os::tool(&[
            "/usr/libexec/ApplicationFirewall/socketfilterfw",
            "--getglobalstate",
        ]) {
            Ok(t) => macos_reading(&t),
            Err(e) => Reading::Absent(e),
        }];
    }
    let mut out = Vec::new();
    match std::fs::read_to_string("/etc/ufw/ufw.conf") {
        Ok(conf) => out.push(ufw_reading(&conf)),
        Err(_) => out.push(Reading::Absent("ufw: /etc/ufw/ufw.conf not found".into())),
    }
    let ipv6 = ipv6_enabled();
    if !os::is_root() {
        // firewalld answers its own state over D-Bus to anyone; a process name proves nothing.
        match os::tool(&["firewall-cmd", "--state"]) {
            Ok(t) if t.trim() == "running" => out.push(Reading::On(
                "firewall-cmd --state: running (firewalld loads its zones' rules)".into(),
            )),
            _ => out.push(Reading::NeedsAdmin(
                "the loaded nftables/iptables ruleset (nft list ruleset)".into(),
            )),
        }
        return out;
    }
    match os::tool(&["nft", "-j", "list", "ruleset"]) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => out.push(fates_reading(
                nft_fate(&json, Family::V4),
                ipv6.then(|| nft_fate(&json, Family::V6)),
            )),
            Err(e) => out.push(Reading::Absent(format!(
                "nft -j list ruleset printed no JSON: {e}"
            ))),
        },
        Err(nft_err) => match os::tool(&["iptables", "-S"]) {
            Ok(text) => {
                let v6 = if ipv6 {
                    Some(match os::tool(&["ip6tables", "-S"]) {
                        Ok(t) => iptables_fate(&t),
                        Err(e) => Fate::Open(format!("ip6tables could not be read: {e}")),
                    })
                } else {
                    None
                };
                out.push(fates_reading(iptables_fate(&text), v6))
            }
            Err(ipt_err) => out.push(Reading::Absent(format!(
                "neither nftables nor iptables could be read ({nft_err}; {ipt_err})"
            ))),
        },
    }
    out
}

/// Whether this PC (or network namespace) has IPv6 on any interface.
fn ipv6_enabled() -> bool {
    std::fs::read_to_string("/proc/sys/net/ipv6/conf/all/disable_ipv6")
        .is_ok_and(|v| v.trim() == "0")
}

pub fn run(_p: &FirewallParams) -> CheckResult {
    judge(&gather())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    fn nft(rules: &str) -> serde_json::Value {
        serde_json::from_str(&format!(
            r#"{{"nftables":[{{"metainfo":{{"version":"1.0.6"}}}},{rules}]}}"#
        ))
        .unwrap()
    }

    const INET_DROP: &str = r#"{"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}}"#;

    fn rule(family: &str, chain: &str, handle: u32, expr: &str) -> String {
        format!(
            r#"{{"rule":{{"family":"{family}","table":"filter","chain":"{chain}","handle":{handle},"expr":[{expr}]}}}}"#
        )
    }

    #[test]
    fn nft_rulesets_by_what_they_do_to_a_new_connection() {
        let blocked = |j: &serde_json::Value, f| matches!(nft_fate(j, f), Fate::Blocked(_));
        // A drop policy with the usual allowances (loopback, established, ssh) blocks.
        let usual = nft(&[
            INET_DROP.to_string(),
            rule("inet", "input", 2, r#"{"match":{"op":"==","left":{"meta":{"key":"iif"}},"right":"lo"}},{"accept":null}"#),
            rule("inet", "input", 3, r#"{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":{"set":["established","related"]}}},{"accept":null}"#),
            rule("inet", "input", 4, r#"{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},{"accept":null}"#),
        ].join(","));
        assert!(blocked(&usual, Family::V4) && blocked(&usual, Family::V6));
        // A drop policy whose first rule accepts everything is off.
        let open = nft(&[
            INET_DROP.to_string(),
            rule(
                "inet",
                "input",
                2,
                r#"{"counter":{"packets":0,"bytes":0}},{"accept":null}"#,
            ),
        ]
        .join(","));
        assert!(matches!(nft_fate(&open, Family::V4), Fate::Open(e) if e.contains("rule 2")));
        // `ct state new accept` lets every new connection in.
        let new = nft(&[INET_DROP.to_string(), rule("inet", "input", 2, r#"{"match":{"op":"==","left":{"ct":{"key":"state"}},"right":"new"}},{"accept":null}"#)].join(","));
        assert!(!blocked(&new, Family::V4));
        // A block through jump or goto to another chain is on.
        let accept_policy = r#"{"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"accept"}}"#;
        for verb in ["jump", "goto"] {
            let j = nft(&[
                accept_policy.to_string(),
                r#"{"chain":{"family":"inet","table":"filter","name":"guard","handle":2}}"#.to_string(),
                rule("inet", "input", 3, &format!(r#"{{"{verb}":{{"target":"guard"}}}}"#)),
                rule("inet", "guard", 4, r#"{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":{"set":["established","related"]}}},{"accept":null}"#),
                rule("inet", "guard", 5, r#"{"reject":{"type":"icmpx","expr":"port-unreachable"}}"#),
            ].join(","));
            assert!(blocked(&j, Family::V4) && blocked(&j, Family::V6), "{verb}");
        }
        // A jump to a chain that returns falls back to the accepting policy.
        let returns = nft(&[
            accept_policy.to_string(),
            rule("inet", "input", 3, r#"{"jump":{"target":"guard"}}"#),
            rule("inet", "guard", 4, r#"{"return":null}"#),
            rule("inet", "guard", 5, r#"{"drop":null}"#),
        ]
        .join(","));
        assert!(!blocked(&returns, Family::V4));
        // An IPv4-only table leaves IPv6 open; an ARP table protects nothing.
        let v4only = nft(
            r#"{"chain":{"family":"ip","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}},{"chain":{"family":"arp","table":"filter","name":"input","handle":2,"type":"filter","hook":"input","prio":0,"policy":"drop"}}"#,
        );
        assert!(blocked(&v4only, Family::V4) && !blocked(&v4only, Family::V6));
        // An `ip` match in an inet table does not apply to IPv6.
        let v4rule = nft(&[accept_policy.to_string(), rule("inet", "input", 2, r#"{"match":{"op":"==","left":{"meta":{"key":"nfproto"}},"right":"ipv4"}},{"drop":null}"#)].join(","));
        assert!(blocked(&v4rule, Family::V4) && !blocked(&v4rule, Family::V6));
        // Verdict maps: `ct state vmap { established : accept, invalid : drop }` then drop.
        let vmap = nft(&[accept_policy.to_string(),
            rule("inet", "input", 2, r#"{"vmap":{"key":{"ct":{"key":"state"}},"data":{"set":[["established",{"accept":null}],["invalid",{"drop":null}]]}}}"#),
            rule("inet", "input", 3, r#"{"drop":null}"#)].join(","));
        assert!(blocked(&vmap, Family::V4));
        // No chain on the input hook.
        assert!(!blocked(
            &nft(r#"{"table":{"family":"inet","name":"x","handle":1}}"#),
            Family::V4
        ));
        // Two base chains: one accepting, the next dropping.
        let two = nft(&[accept_policy.to_string(), r#"{"chain":{"family":"ip","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":10,"policy":"drop"}}"#.to_string()].join(","));
        assert!(blocked(&two, Family::V4) && !blocked(&two, Family::V6));
    }

    #[test]
    fn iptables_ufw_and_macos_outputs() {
        let blocked = |t: &str| matches!(iptables_fate(t), Fate::Blocked(_));
        assert!(blocked("-P INPUT DROP\n"));
        assert!(blocked(
            "-P INPUT DROP\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"
        ));
        assert!(!blocked("-P INPUT DROP\n-A INPUT -j ACCEPT\n"));
        assert!(!blocked(
            "-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j REJECT\n"
        ));
        assert!(blocked(
            "-P INPUT ACCEPT\n-N guard\n-A INPUT -j guard\n-A guard -m state --state ESTABLISHED -j ACCEPT\n-A guard -j REJECT --reject-with icmp-port-unreachable\n"
        ));
        assert!(!blocked("-P INPUT ACCEPT\n"));
        assert!(
            matches!(fates_reading(Fate::Blocked("x".into()), Some(Fate::Open("y".into()))), Reading::Off(e) if e.contains("IPv6: open"))
        );
        assert!(matches!(
            fates_reading(Fate::Blocked("x".into()), None),
            Reading::On(_)
        ));
        // ufw's flag is no proof either way.
        assert!(matches!(
            ufw_reading("# comment\nENABLED=yes\n"),
            Reading::Absent(_)
        ));
        assert!(matches!(ufw_reading("ENABLED=no\n"), Reading::Absent(_)));
        // socketfilterfw output as documented in `socketfilterfw -h` and printed by macOS 14.
        assert!(matches!(
            macos_reading("Firewall is enabled. (State = 1)\n"),
            Reading::On(_)
        ));
        assert!(matches!(
            macos_reading("Firewall is disabled. (State = 0)\n"),
            Reading::Off(_)
        ));
    }

    #[test]
    fn verdicts() {
        let on = Reading::On("ufw".into());
        let off = Reading::Off("nftables open".into());
        let admin = Reading::NeedsAdmin("the ruleset".into());
        if !cfg!(windows) {
            assert_eq!(judge(&[on.clone(), off.clone()]).status, Status::Pass);
        }
        assert_eq!(
            judge(std::slice::from_ref(&off)).code,
            "posture.firewall.off"
        );
        let r = judge(std::slice::from_ref(&admin));
        assert_eq!(r.status, Status::Skip);
        assert!(
            r.en_summary()
                .starts_with("needs administrator rights to read")
        );
        assert_eq!(
            judge(&[Reading::Absent("x".into())]).code,
            "posture.firewall.none"
        );
        // Windows: group policy wins over the local value.
        assert!(
            matches!(windows_profile_reading("public", Some(0), Some(1)), Reading::Off(e) if e.contains("group policy"))
        );
        assert!(matches!(
            windows_profile_reading("private", None, Some(1)),
            Reading::On(_)
        ));
    }
}
