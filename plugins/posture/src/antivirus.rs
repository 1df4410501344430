//! `posture/antivirus`: an antivirus product is present and running, real-time protection is on
//! and its signatures are fresh. Windows: Defender (`Get-MpComputerStatus`) and the products
//! Security Center knows (`root/SecurityCenter2 AntiVirusProduct`, whose `productState` says on
//! and up to date). macOS: XProtect's bundle version and date. Linux: ClamAV (clamd running, the
//! age of its database files, clamonacc for on-access scanning) or an agent process IT names.

use std::path::Path;
use std::time::SystemTime;

use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/antivirus`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AntivirusParams {
    /// Fail when the signatures are older than this many days (default 3).
    #[serde(default)]
    pub max_signature_age_days: Option<f64>,
    /// Require real-time (on-access) protection (default true); without it, a warning.
    #[serde(default)]
    pub require_realtime: Option<bool>,
    /// Linux: a security agent's process name that counts as the antivirus (e.g. "falcon-sensor").
    #[serde(default)]
    pub agent_process: Option<String>,
    /// Linux: ClamAV's database directory (default /var/lib/clamav).
    #[serde(default)]
    pub clamav_db_dir: Option<String>,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<AntivirusParams>(
        "antivirus",
        "Antivirus running and up to date",
        "Checks that an antivirus product is installed and running, real-time protection is on, \
         and its signatures are no older than `max_signature_age_days`: Windows Defender or the \
         product registered with Windows Security Center, XProtect on macOS, ClamAV or a named \
         agent process on Linux.",
        "[[check]]\nid = \"antivirus\"\nplugin = \"posture\"\nkind = \"antivirus\"\ntitle = \"Antivirus up to date\"\nmax_signature_age_days = 3\n",
    )
}

/// What was found.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// The product, when one was found.
    pub product: Option<String>,
    pub running: bool,
    /// Real-time protection, when the product tells.
    pub realtime: Option<bool>,
    pub signature_age_days: Option<f64>,
    pub evidence: Vec<String>,
}

pub fn judge(p: &AntivirusParams, f: &Facts) -> CheckResult {
    let max = p.max_signature_age_days.unwrap_or(3.0);
    let mut r = match &f.product {
        None => CheckResult::fail("posture.antivirus.missing", t!("antivirus.missing")),
        Some(name) if !f.running => CheckResult::fail(
            "posture.antivirus.not_running",
            t!("antivirus.not_running", product = name),
        ),
        Some(name) => match f.signature_age_days {
            Some(age) if age > max => CheckResult::fail(
                "posture.antivirus.outdated",
                t!("antivirus.outdated", product = name, age = age, max = max),
            ),
            _ if f.realtime == Some(false) && p.require_realtime.unwrap_or(true) => {
                CheckResult::warn(
                    "posture.antivirus.realtime_off",
                    t!("antivirus.realtime_off", product = name),
                )
            }
            Some(age) => CheckResult::pass(
                "posture.antivirus.ok",
                t!("antivirus.ok", product = name, age = age),
            ),
            None => CheckResult::pass(
                "posture.antivirus.ok",
                t!("antivirus.ok_no_age", product = name),
            ),
        },
    };
    r.evidence = f.evidence.clone();
    if let Some(age) = f.signature_age_days {
        r = r.metric("signature_age_days", age);
    }
    r
}

/// Newest modification time of ClamAV's database files (`daily`, `main`, `bytecode` as .cvd
/// or .cld) in `dir`.
pub fn clamav_db_newest(dir: &Path) -> Option<(String, SystemTime)> {
    let mut newest: Option<(String, SystemTime)> = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let is_db = ["daily.", "main.", "bytecode."]
            .iter()
            .any(|p| name.starts_with(p))
            && (name.ends_with(".cvd") || name.ends_with(".cld"));
        if !is_db {
            continue;
        }
        if let Ok(m) = e.metadata().and_then(|m| m.modified())
            && newest.as_ref().is_none_or(|(_, t)| m > *t)
        {
            newest = Some((name, m));
        }
    }
    newest
}

/// Linux facts from ClamAV's database directory, the running processes and an agent name.
pub fn linux_facts(p: &AntivirusParams, processes: &[String], now: SystemTime) -> Facts {
    let mut f = Facts::default();
    if let Some(agent) = &p.agent_process {
        let running = processes.iter().any(|n| n == &agent.to_lowercase());
        f.product = Some(agent.clone());
        f.running = running;
        f.evidence.push(format!(
            "agent process {agent}: {}",
            if running { "running" } else { "not running" }
        ));
        return f;
    }
    let dir = p.clamav_db_dir.as_deref().unwrap_or("/var/lib/clamav");
    let db = clamav_db_newest(Path::new(dir));
    let clamd = processes.iter().any(|n| n == "clamd");
    let onacc = processes.iter().any(|n| n == "clamonacc");
    match &db {
        Some((file, t)) => {
            let age = os::days_between(*t, now);
            f.signature_age_days = Some(age);
            f.evidence.push(format!(
                "ClamAV database {dir}: newest file {file}, {age:.1} days old"
            ));
        }
        None => f.evidence.push(format!(
            "ClamAV database {dir}: no daily/main .cvd or .cld files"
        )),
    }
    if db.is_some() || clamd {
        f.product = Some("ClamAV".into());
        f.running = clamd;
        f.realtime = Some(onacc);
        f.evidence.push(format!(
            "processes: clamd {}, clamonacc (on-access scanning) {}",
            if clamd { "running" } else { "not running" },
            if onacc { "running" } else { "not running" }
        ));
    }
    f
}

/// Windows facts from `Get-MpComputerStatus` and Security Center's AntiVirusProduct list.
pub fn windows_facts(defender: &serde_json::Value, products: &serde_json::Value) -> Facts {
    let mut f = Facts::default();
    if defender["AMServiceEnabled"] == true && defender["AntivirusEnabled"] == true {
        f.product = Some("Microsoft Defender Antivirus".into());
        f.running = true;
        f.realtime = defender["RealTimeProtectionEnabled"].as_bool();
        f.signature_age_days = defender["AntivirusSignatureAge"].as_f64();
        f.evidence.push(format!(
            "Get-MpComputerStatus: AntivirusEnabled=True, RealTimeProtectionEnabled={}, AntivirusSignatureAge={}",
            defender["RealTimeProtectionEnabled"], defender["AntivirusSignatureAge"]
        ));
        return f;
    }
    if !defender.is_null() {
        f.evidence.push(format!(
            "Get-MpComputerStatus: AMServiceEnabled={}, AntivirusEnabled={}",
            defender["AMServiceEnabled"], defender["AntivirusEnabled"]
        ));
    }
    // One product is an object, several an array.
    let list: Vec<serde_json::Value> = match products {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Null => Vec::new(),
        other => vec![other.clone()],
    };
    for prod in &list {
        let name = prod["displayName"]
            .as_str()
            .unwrap_or("antivirus")
            .to_string();
        let Some(state) = prod["productState"].as_u64() else {
            continue;
        };
        // productState: bits 12-15 = 1 when on, bits 4-7 = 0 when signatures are up to date.
        let on = (state >> 12) & 0xF == 1;
        let current = (state >> 4) & 0xF == 0;
        f.evidence.push(format!(
            "Security Center AntiVirusProduct {name}: productState 0x{state:06X} ({}, signatures {})",
            if on { "on" } else { "off" },
            if current { "up to date" } else { "out of date" }
        ));
        if on && (f.product.is_none() || !f.running) {
            f.product = Some(name);
            f.running = true;
            f.realtime = Some(true);
            f.signature_age_days = if current { None } else { Some(f64::INFINITY) };
        } else if f.product.is_none() {
            f.product = Some(name);
        }
    }
    f
}

/// macOS facts from XProtect's Info.plist.
pub fn macos_facts(plist_path: &Path, now: SystemTime) -> Facts {
    let mut f = Facts::default();
    let shown = plist_path.display();
    match plist::Value::from_file(plist_path) {
        Ok(v) => {
            let version = v
                .as_dictionary()
                .and_then(|d| d.get("CFBundleShortVersionString"))
                .and_then(|v| v.as_string())
                .unwrap_or("?")
                .to_string();
            f.product = Some(format!("XProtect {version}"));
            f.running = true; // part of macOS, always on
            f.realtime = Some(true);
            if let Ok(t) = std::fs::metadata(plist_path).and_then(|m| m.modified()) {
                f.signature_age_days = Some(os::days_between(t, now));
            }
            f.evidence.push(format!("read {shown}: version {version}"));
        }
        Err(e) => f.evidence.push(format!("cannot read {shown}: {e}")),
    }
    f
}

const XPROTECT: &str =
    "/Library/Apple/System/Library/CoreServices/XProtect.bundle/Contents/Info.plist";

pub fn run(p: &AntivirusParams) -> CheckResult {
    let now = SystemTime::now();
    let facts = if cfg!(windows) {
        let defender = os::powershell_json(
            "Get-MpComputerStatus | Select-Object AMServiceEnabled,AntivirusEnabled,RealTimeProtectionEnabled,AntivirusSignatureAge | ConvertTo-Json -Compress",
        );
        let products = os::powershell_json(
            "Get-CimInstance -Namespace root/SecurityCenter2 -ClassName AntiVirusProduct | Select-Object displayName,productState | ConvertTo-Json -Compress",
        );
        if let (Err(a), Err(b)) = (&defender, &products) {
            return CheckResult::error(
                "posture.antivirus.unreadable",
                t!("antivirus.unreadable", error = format!("{a}; {b}")),
            );
        }
        windows_facts(
            defender.as_ref().unwrap_or(&serde_json::Value::Null),
            products.as_ref().unwrap_or(&serde_json::Value::Null),
        )
    } else if cfg!(target_os = "macos") {
        macos_facts(Path::new(XPROTECT), now)
    } else {
        linux_facts(p, &os::process_names(), now)
    };
    judge(p, &facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;
    use std::time::Duration;

    fn touch(path: &Path, age_days: u64) {
        let f = std::fs::File::create(path).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(age_days * 86400))
            .unwrap();
    }

    #[test]
    fn clamav_database_age_decides() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("main.cvd"), 40);
        touch(&dir.path().join("daily.cld"), 10);
        touch(&dir.path().join("freshclam.dat"), 0); // not a database file
        let p = AntivirusParams {
            clamav_db_dir: Some(dir.path().display().to_string()),
            ..Default::default()
        };
        let procs = vec!["clamd".to_string(), "clamonacc".to_string()];
        let f = linux_facts(&p, &procs, SystemTime::now());
        assert!((f.signature_age_days.unwrap() - 10.0).abs() < 0.01);
        let r = judge(&p, &f);
        assert_eq!(r.code, "posture.antivirus.outdated", "{r:?}");
        assert!(r.evidence[0].contains("daily.cld"), "{r:?}");

        touch(&dir.path().join("daily.cld"), 1);
        let r = judge(&p, &linux_facts(&p, &procs, SystemTime::now()));
        assert_eq!(r.status, Status::Pass, "{r:?}");
        let r = judge(&p, &linux_facts(&p, &["clamd".into()], SystemTime::now()));
        assert_eq!(r.code, "posture.antivirus.realtime_off");
        let r = judge(&p, &linux_facts(&p, &[], SystemTime::now()));
        assert_eq!(r.code, "posture.antivirus.not_running");

        let none = AntivirusParams {
            clamav_db_dir: Some(dir.path().join("nope").display().to_string()),
            ..Default::default()
        };
        assert_eq!(
            judge(&none, &linux_facts(&none, &[], SystemTime::now())).code,
            "posture.antivirus.missing"
        );
        let agent = AntivirusParams {
            agent_process: Some("falcon-sensor".into()),
            ..Default::default()
        };
        assert_eq!(
            judge(
                &agent,
                &linux_facts(&agent, &["falcon-sensor".into()], SystemTime::now())
            )
            .status,
            Status::Pass
        );
    }

    #[test]
    fn windows_outputs() {
        // Shapes of `Get-MpComputerStatus | Select-Object … | ConvertTo-Json` and of
        // SecurityCenter2 AntiVirusProduct, per Microsoft's documentation of MSFT_MpComputerStatus
        // and observed productState values (0x061100 = on, up to date; 0x060110 = off).
        let d: serde_json::Value = serde_json::from_str(r#"{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":false,"AntivirusSignatureAge":1}"#).unwrap();
        let p = AntivirusParams::default();
        let r = judge(&p, &windows_facts(&d, &serde_json::Value::Null));
        assert_eq!(r.code, "posture.antivirus.realtime_off");
        let old: serde_json::Value = serde_json::from_str(r#"{"AMServiceEnabled":true,"AntivirusEnabled":true,"RealTimeProtectionEnabled":true,"AntivirusSignatureAge":9}"#).unwrap();
        assert_eq!(
            judge(&p, &windows_facts(&old, &serde_json::Value::Null)).code,
            "posture.antivirus.outdated"
        );
        let off: serde_json::Value =
            serde_json::from_str(r#"{"AMServiceEnabled":true,"AntivirusEnabled":false}"#).unwrap();
        let third: serde_json::Value = serde_json::from_str(r#"[{"displayName":"Windows Defender","productState":393488},{"displayName":"Kaspersky Endpoint Security","productState":266240}]"#).unwrap();
        let f = windows_facts(&off, &third);
        assert_eq!(f.product.as_deref(), Some("Kaspersky Endpoint Security"));
        assert_eq!(judge(&p, &f).status, Status::Pass);
        let stale: serde_json::Value =
            serde_json::from_str(r#"{"displayName":"Avast","productState":266256}"#).unwrap();
        assert_eq!(
            judge(&p, &windows_facts(&off, &stale)).code,
            "posture.antivirus.outdated"
        );
    }

    #[test]
    fn xprotect_plist() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Info.plist");
        std::fs::write(&path, r#"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0"><dict><key>CFBundleShortVersionString</key><string>5287</string></dict></plist>"#).unwrap();
        let f = macos_facts(&path, SystemTime::now());
        assert_eq!(f.product.as_deref(), Some("XProtect 5287"));
        assert_eq!(judge(&AntivirusParams::default(), &f).status, Status::Pass);
    }
}
