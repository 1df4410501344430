//! `posture/antivirus`: an antivirus product is present and running, real-time protection is on
//! and its signatures are fresh. Windows: Defender (`Get-MpComputerStatus`) and the products
//! Security Center knows (`root/SecurityCenter2 AntiVirusProduct`, whose `productState` says on
//! and up to date). macOS: XProtect's bundle version and date. Linux: ClamAV (clamd running, the
//! age of its daily database from the build time in the database's own header — a copied or
//! touched file's modification time says nothing — and clamonacc for on-access scanning) or an
//! agent process IT names, matched by its full name among every user's processes.

use std::path::Path;
use std::time::SystemTime;

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
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

/// The `posture/antivirus` kind.
pub struct Antivirus;

impl Kind for Antivirus {
    const NAME: &'static str = "antivirus";
    const TITLE: &'static str = "Antivirus running and up to date";
    const DESCRIPTION: &'static str = "Checks that an antivirus product is installed and running, real-time protection is on, \
         and its signatures are no older than `max_signature_age_days`: Windows Defender or the \
         product registered with Windows Security Center, XProtect on macOS, ClamAV or a named \
         agent process on Linux.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"antivirus\"\nplugin = \"posture\"\nkind = \"antivirus\"\ntitle = \"Antivirus up to date\"\nmax_signature_age_days = 3\n";
    type Params = AntivirusParams;

    fn run(p: &AntivirusParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
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

/// The header of a ClamAV database (`.cvd` or `.cld`): its first 512 bytes are
/// `ClamAV-VDB:<build time>:<version>:<signatures>:<functionality level>:<md5>:<signature>:<builder>:<build time in seconds>`.
#[derive(Debug, Clone, PartialEq)]
pub struct CvdHeader {
    pub file: String,
    pub version: u64,
    pub built: String,
    pub built_secs: u64,
}

/// Parses a ClamAV database header.
pub fn parse_cvd_header(file: &str, head: &[u8]) -> Option<CvdHeader> {
    let text = String::from_utf8_lossy(&head[..head.len().min(512)]);
    let rest = text.strip_prefix("ClamAV-VDB:")?;
    let f: Vec<&str> = rest.trim_end_matches(['\0', ' ']).split(':').collect();
    // The build time itself contains a colon ("14 Nov 2023 07:38 -0500").
    if f.len() < 9 {
        return None;
    }
    let n = f.len();
    Some(CvdHeader {
        file: file.to_string(),
        built: format!("{}:{}", f[0], f[1]),
        version: f[2].trim().parse().ok()?,
        built_secs: f[n - 1].trim().trim_end_matches('\0').trim().parse().ok()?,
    })
}

/// The newest `daily` database in `dir` (`daily.cld` or `daily.cvd`), by its header's version.
pub fn clamav_daily(dir: &Path) -> Result<CvdHeader, String> {
    let mut best: Option<CvdHeader> = None;
    let mut seen = Vec::new();
    for name in ["daily.cld", "daily.cvd"] {
        let path = dir.join(name);
        let mut head = [0u8; 512];
        let read = std::fs::File::open(&path).and_then(|mut f| {
            use std::io::Read;
            f.read(&mut head)
        });
        match read {
            Ok(n) => match parse_cvd_header(name, &head[..n]) {
                Some(h) if best.as_ref().is_none_or(|b| h.version > b.version) => best = Some(h),
                Some(_) => {}
                None => seen.push(format!("{name} has no ClamAV-VDB header")),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => seen.push(format!("{name}: {e}")),
        }
    }
    best.ok_or_else(|| {
        if seen.is_empty() {
            "no daily.cld or daily.cvd".to_string()
        } else {
            seen.join("; ")
        }
    })
}

/// Linux facts from ClamAV's database directory, the running processes and an agent name.
pub fn linux_facts(p: &AntivirusParams, processes: &[String], now: SystemTime) -> Facts {
    let mut f = Facts::default();
    if let Some(agent) = &p.agent_process {
        let want = crate::procs::base(agent);
        let running = processes.contains(&want);
        f.product = Some(agent.clone());
        f.running = running;
        f.evidence.push(format!(
            "agent process {agent}: {}",
            if running { "running" } else { "not running" }
        ));
        return f;
    }
    let dir = p.clamav_db_dir.as_deref().unwrap_or("/var/lib/clamav");
    let db = clamav_daily(Path::new(dir));
    let clamd = processes.iter().any(|n| n == "clamd");
    let onacc = processes.iter().any(|n| n == "clamonacc");
    match &db {
        Ok(h) => {
            let built = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(h.built_secs);
            let age = os::days_between(built, now);
            f.signature_age_days = Some(age);
            f.evidence.push(format!(
                "ClamAV database {dir}/{}: daily version {}, built {} ({age:.1} days ago, from its header)",
                h.file, h.version, h.built
            ));
        }
        Err(e) => f.evidence.push(format!("ClamAV database {dir}: {e}")),
    }
    let db = db.ok();
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

    /// A ClamAV database file whose header says it was built `age_days` ago; its modification
    /// time is now, whatever the header says.
    pub fn write_cvd(path: &Path, version: u64, age_days: u64) {
        let secs = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            - age_days * 86400;
        let mut head = format!(
            "ClamAV-VDB:14 Nov 2023 07:38 -0500:{version}:2045560:90:6f7e0c3b2a1d4e5f6a7b8c9d0e1f2a3b:sig:raynman:{secs}"
        )
        .into_bytes();
        head.resize(512, b' ');
        head.extend_from_slice(b"\x1f\x8b rest of the database");
        std::fs::write(path, head).unwrap();
    }

    #[test]
    fn clamav_database_age_decides() {
        let dir = tempfile::tempdir().unwrap();
        write_cvd(&dir.path().join("main.cvd"), 62, 400);
        write_cvd(&dir.path().join("daily.cld"), 27093, 10);
        let p = AntivirusParams {
            clamav_db_dir: Some(dir.path().display().to_string()),
            ..Default::default()
        };
        let procs = vec!["clamd".to_string(), "clamonacc".to_string()];
        let f = linux_facts(&p, &procs, SystemTime::now());
        assert!((f.signature_age_days.unwrap() - 10.0).abs() < 0.01, "{f:?}");
        let r = judge(&p, &f);
        assert_eq!(r.code, "posture.antivirus.outdated", "{r:?}");
        assert!(r.evidence[0].contains("daily version 27093"), "{r:?}");

        // A newer daily.cvd beside the old .cld wins by its version, not its file time.
        write_cvd(&dir.path().join("daily.cvd"), 27100, 1);
        let r = judge(&p, &linux_facts(&p, &procs, SystemTime::now()));
        assert_eq!(r.status, Status::Pass, "{r:?}");
        let r = judge(&p, &linux_facts(&p, &["clamd".into()], SystemTime::now()));
        assert_eq!(r.code, "posture.antivirus.realtime_off");
        let r = judge(&p, &linux_facts(&p, &[], SystemTime::now()));
        assert_eq!(r.code, "posture.antivirus.not_running");

        // A database without a header has no age, however fresh the file.
        let bad = tempfile::tempdir().unwrap();
        std::fs::write(bad.path().join("daily.cld"), b"garbage").unwrap();
        let pb = AntivirusParams {
            clamav_db_dir: Some(bad.path().display().to_string()),
            ..Default::default()
        };
        assert_eq!(
            linux_facts(&pb, &procs, SystemTime::now()).signature_age_days,
            None
        );

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
    fn real_clamav_headers() {
        // The first bytes of daily.cvd as published (version 27093, built 14 Nov 2023).
        let head = b"ClamAV-VDB:14 Nov 2023 07:38 -0500:27093:2045560:90:e3b4b0c2a8c1f5d6b7e8f9a0b1c2d3e4:X0aUf3xW:raynman:1699965523";
        let h = parse_cvd_header("daily.cvd", head).unwrap();
        assert_eq!((h.version, h.built_secs), (27093, 1699965523));
        assert_eq!(h.built, "14 Nov 2023 07:38 -0500");
        assert_eq!(parse_cvd_header("x", b"\x1f\x8b\x08"), None);
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
