//! `posture/firewall`: the host firewall is on. Linux: ufw (its config file), firewalld (its
//! process), and the nftables ruleset (`nft -j list ruleset`, root only) or `iptables -S INPUT`
//! — protected means an input chain whose policy drops, or that drops/rejects by rule. Windows:
//! every profile's `EnableFirewall` in the registry (group policy first). macOS: the
//! application firewall's global state.

use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/firewall` (none: what counts as "on" is fixed per OS).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirewallParams {}

pub fn manifest() -> KindManifest {
    KindManifest::new::<FirewallParams>(
        "firewall",
        "Host firewall on",
        "Checks that the PC's own firewall is switched on: on Windows for every network profile \
         (domain, private, public), on macOS the application firewall, on Linux ufw, firewalld, or \
         an nftables/iptables input policy that does not accept everything.",
        "[[check]]\nid = \"firewall\"\nplugin = \"posture\"\nkind = \"firewall\"\ntitle = \"Firewall on\"\nfix = \"Turn the firewall on: Windows Security → Firewall & network protection.\"\n",
    )
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

/// Judges an `nft -j list ruleset` document: protected when an input-hook chain has a drop
/// policy or a rule that drops or rejects.
pub fn nft_reading(json: &serde_json::Value) -> Reading {
    let items = json["nftables"].as_array().cloned().unwrap_or_default();
    let mut input_chains = Vec::new();
    for it in &items {
        let c = &it["chain"];
        if c["hook"] == "input" {
            input_chains.push((
                c["family"].as_str().unwrap_or("").to_string(),
                c["table"].as_str().unwrap_or("").to_string(),
                c["name"].as_str().unwrap_or("").to_string(),
                c["policy"].as_str().unwrap_or("accept").to_string(),
            ));
        }
    }
    if input_chains.is_empty() {
        return Reading::Off(
            "nftables: no chain filters incoming traffic (nft list ruleset has no input hook)"
                .into(),
        );
    }
    for (family, table, name, policy) in &input_chains {
        let at = format!("nftables chain {family} {table} {name}");
        if policy == "drop" {
            return Reading::On(format!("{at}: policy drop"));
        }
        let drops = items.iter().any(|it| {
            let r = &it["rule"];
            r["family"] == family.as_str()
                && r["table"] == table.as_str()
                && r["chain"] == name.as_str()
                && r["expr"].as_array().is_some_and(|e| {
                    e.iter()
                        .any(|x| x.get("drop").is_some() || x.get("reject").is_some())
                })
        });
        if drops {
            return Reading::On(format!("{at}: policy {policy}, with drop/reject rules"));
        }
    }
    Reading::Off(format!(
        "nftables: every input chain accepts everything ({})",
        input_chains
            .iter()
            .map(|(f, t, n, p)| format!("{f} {t} {n} policy {p}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Judges `iptables -S INPUT`.
pub fn iptables_reading(text: &str) -> Reading {
    let policy = text
        .lines()
        .find_map(|l| l.strip_prefix("-P INPUT "))
        .unwrap_or("ACCEPT")
        .trim();
    if policy == "DROP" || policy == "REJECT" {
        return Reading::On(format!("iptables INPUT policy {policy}"));
    }
    if text
        .lines()
        .any(|l| l.starts_with("-A INPUT") && (l.contains("-j DROP") || l.contains("-j REJECT")))
    {
        return Reading::On("iptables INPUT has drop/reject rules".into());
    }
    Reading::Off(format!(
        "iptables INPUT policy {policy} with no drop/reject rules"
    ))
}

/// Judges ufw's config file.
pub fn ufw_reading(conf: &str) -> Reading {
    let enabled = conf
        .lines()
        .filter_map(|l| l.trim().strip_prefix("ENABLED="))
        .next_back()
        .map(|v| v.trim_matches(['"', '\'']).eq_ignore_ascii_case("yes"));
    match enabled {
        Some(true) => Reading::On("ufw is enabled (ENABLED=yes in /etc/ufw/ufw.conf)".into()),
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
    if os::process_names().iter().any(|n| n == "firewalld") {
        out.push(Reading::On("firewalld is running".into()));
    }
    if !os::is_root() {
        out.push(Reading::NeedsAdmin(
            "the nftables/iptables ruleset (nft list ruleset)".into(),
        ));
        return out;
    }
    match os::tool(&["nft", "-j", "list", "ruleset"]) {
        Ok(text) => match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(json) => out.push(nft_reading(&json)),
            Err(e) => out.push(Reading::Absent(format!(
                "nft -j list ruleset printed no JSON: {e}"
            ))),
        },
        Err(nft_err) => match os::tool(&["iptables", "-S", "INPUT"]) {
            Ok(text) => out.push(iptables_reading(&text)),
            Err(ipt_err) => out.push(Reading::Absent(format!(
                "neither nftables nor iptables could be read ({nft_err}; {ipt_err})"
            ))),
        },
    }
    out
}

pub fn run(_p: &FirewallParams) -> CheckResult {
    judge(&gather())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    #[test]
    fn nft_policies() {
        let drop: serde_json::Value = serde_json::from_str(r#"{"nftables":[{"metainfo":{"version":"1.0.6"}},{"table":{"family":"inet","name":"filter","handle":1}},{"chain":{"family":"inet","table":"filter","name":"input","handle":1,"type":"filter","hook":"input","prio":0,"policy":"drop"}}]}"#).unwrap();
        assert!(matches!(nft_reading(&drop), Reading::On(e) if e.contains("policy drop")));
        let accept_rules: serde_json::Value = serde_json::from_str(r#"{"nftables":[{"chain":{"family":"ip","table":"f","name":"in","hook":"input","policy":"accept"}},{"rule":{"family":"ip","table":"f","chain":"in","expr":[{"match":{}},{"reject":null}]}}]}"#).unwrap();
        assert!(matches!(nft_reading(&accept_rules), Reading::On(_)));
        let open: serde_json::Value = serde_json::from_str(r#"{"nftables":[{"chain":{"family":"ip","table":"f","name":"in","hook":"input","policy":"accept"}},{"rule":{"family":"ip","table":"f","chain":"other","expr":[{"drop":null}]}}]}"#).unwrap();
        assert!(matches!(nft_reading(&open), Reading::Off(_)));
        let empty: serde_json::Value =
            serde_json::from_str(r#"{"nftables":[{"metainfo":{}}]}"#).unwrap();
        assert!(matches!(nft_reading(&empty), Reading::Off(_)));
    }

    #[test]
    fn iptables_ufw_and_macos_outputs() {
        assert!(matches!(
            iptables_reading("-P INPUT DROP\n"),
            Reading::On(_)
        ));
        assert!(matches!(
            iptables_reading("-P INPUT ACCEPT\n-A INPUT -p tcp --dport 22 -j REJECT\n"),
            Reading::On(_)
        ));
        assert!(matches!(
            iptables_reading("-P INPUT ACCEPT\n"),
            Reading::Off(_)
        ));
        assert!(matches!(
            ufw_reading("# comment\nENABLED=yes\n"),
            Reading::On(_)
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
