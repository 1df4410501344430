//! `posture/updates`: the OS was updated recently, automatic updates are on, and (where the OS
//! tells cheaply) no security updates are waiting. Debian/Ubuntu: the newest *upgrade* in
//! /var/log/dpkg.log (installing a new package is not an update), unattended-upgrades in
//! /etc/apt/apt.conf.d, and the security updates APT would install now (`apt-get -s
//! dist-upgrade`, packages whose new version comes from a security archive; Ubuntu's
//! update-notifier count when APT cannot be asked); RPM systems: the package database's
//! time and dnf-automatic's timer. Windows: the newest hotfix (`Get-HotFix`) and the
//! NoAutoUpdate policy. macOS: /Library/Preferences/com.apple.SoftwareUpdate.plist.

use std::path::Path;
use std::time::SystemTime;

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/updates`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdatesParams {
    /// Fail when the last update was installed longer ago than this many days (default 30).
    #[serde(default)]
    pub max_days_since_update: Option<f64>,
    /// Warn when automatic updates are off (default true).
    #[serde(default)]
    pub require_automatic: Option<bool>,
}

/// The `posture/updates` kind.
pub struct Updates;

impl Kind for Updates {
    const NAME: &'static str = "updates";
    const TITLE: &'static str = "Operating system up to date";
    const DESCRIPTION: &'static str = "Checks how many days ago the last OS update was installed, that automatic updates are \
         on, and — where the OS tells it cheaply — that no security updates are waiting.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"updates\"\nplugin = \"posture\"\nkind = \"updates\"\ntitle = \"Updates installed\"\nmax_days_since_update = 30\n";
    type Params = UpdatesParams;

    fn run(p: &UpdatesParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

/// What was found.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub days_since_update: Option<f64>,
    pub automatic: Option<bool>,
    pub pending_security: Option<u32>,
    pub evidence: Vec<String>,
}

pub fn judge(p: &UpdatesParams, f: &Facts) -> CheckResult {
    let max = p.max_days_since_update.unwrap_or(30.0);
    let mut r = match f.days_since_update {
        None => CheckResult::skip("posture.updates.unknown", t!("updates.unknown")),
        Some(d) if d > max => CheckResult::fail(
            "posture.updates.stale",
            t!("updates.stale", days = d.round(), max = max),
        ),
        Some(_) if f.pending_security.is_some_and(|n| n > 0) => CheckResult::warn(
            "posture.updates.security_pending",
            t!(
                "updates.security_pending",
                count = f.pending_security.unwrap_or(0)
            ),
        ),
        Some(_) if f.automatic == Some(false) && p.require_automatic.unwrap_or(true) => {
            CheckResult::warn("posture.updates.manual", t!("updates.manual"))
        }
        Some(d) => CheckResult::pass("posture.updates.ok", t!("updates.ok", days = d.round())),
    };
    r.evidence = f.evidence.clone();
    if let Some(d) = f.days_since_update {
        r = r.metric("days_since_update", d);
    }
    r
}

/// The newest "upgrade" date in a dpkg.log, as "YYYY-MM-DD HH:MM:SS". Installing a new
/// package is not updating the system, so "install" lines do not count.
pub fn dpkg_log_newest(log: &str) -> Option<String> {
    log.lines()
        .filter(|l| {
            let mut w = l.split(' ');
            let _ = (w.next(), w.next());
            matches!(w.next(), Some("upgrade"))
        })
        .filter_map(|l| l.get(..19).map(String::from))
        .max()
}

/// Seconds since the epoch of "YYYY-MM-DD HH:MM:SS" (UTC; dpkg logs local time, the error is a
/// few hours at most, irrelevant at a scale of days).
pub fn parse_stamp(s: &str) -> Option<u64> {
    let (date, time) = s.split_once(' ')?;
    let d: Vec<i64> = date
        .split('-')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    if d.len() != 3 || t.len() != 3 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if d[1] <= 2 {
        (d[0] - 1, d[1] + 9)
    } else {
        (d[0], d[1] - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d[2] - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + t[0] * 3600 + t[1] * 60 + t[2]).ok()
}

/// Whether APT's periodic unattended upgrades are on, from the texts of /etc/apt/apt.conf.d.
pub fn apt_automatic(confs: &[(String, String)]) -> Option<(bool, String)> {
    let mut found = None;
    for (name, text) in confs {
        for line in text.lines() {
            let l = line.trim();
            if let Some(rest) = l.strip_prefix("APT::Periodic::Unattended-Upgrade") {
                let on = rest.trim().trim_end_matches(';').trim().trim_matches('"') != "0";
                found = Some((on, format!("{name}: {l}")));
            }
        }
    }
    found
}

/// "N updates can be applied immediately. M of these updates are standard security updates."
pub fn ubuntu_pending_security(text: &str) -> Option<u32> {
    text.lines().find_map(|l| {
        let l = l.trim();
        if l.contains("security update") {
            l.split_whitespace().next()?.parse().ok()
        } else {
            None
        }
    })
}

/// The security updates waiting in `apt-get -s dist-upgrade` output: the packages whose new
/// version comes from a security archive ("Inst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u2
/// Debian-Security:12/stable-security [amd64])", Ubuntu's "…:22.04/jammy-security").
pub fn apt_pending_security(sim: &str) -> Vec<String> {
    sim.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("Inst ")?;
            let name = rest.split_whitespace().next()?;
            let origin = &rest[rest.find('(')?..];
            origin
                .to_lowercase()
                .contains("security")
                .then(|| name.to_string())
        })
        .collect()
}

fn linux_facts(now: SystemTime) -> Facts {
    let mut f = Facts::default();
    let since = |t: SystemTime| os::days_between(t, now);
    if Path::new("/var/lib/dpkg/status").exists() {
        let newest = std::fs::read_to_string("/var/log/dpkg.log")
            .ok()
            .and_then(|l| dpkg_log_newest(&l));
        match newest
            .as_deref()
            .and_then(|s| parse_stamp(s).map(|t| (s, t)))
        {
            Some((stamp, secs)) => {
                let t = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
                f.days_since_update = Some(since(t));
                f.evidence
                    .push(format!("/var/log/dpkg.log: newest upgrade at {stamp}"));
            }
            None => {
                if let Ok(t) = std::fs::metadata("/var/lib/dpkg/status").and_then(|m| m.modified())
                {
                    f.days_since_update = Some(since(t));
                    f.evidence.push(format!(
                        "/var/lib/dpkg/status last changed {:.1} days ago (no upgrade in /var/log/dpkg.log)",
                        since(t)
                    ));
                }
            }
        }
        let mut confs = Vec::new();
        if let Ok(rd) = std::fs::read_dir("/etc/apt/apt.conf.d") {
            for e in rd.flatten() {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    confs.push((e.path().display().to_string(), t));
                }
            }
        }
        confs.sort();
        let installed = Path::new("/usr/bin/unattended-upgrade").exists();
        match apt_automatic(&confs) {
            Some((on, ev)) => {
                f.automatic = Some(on && installed);
                f.evidence.push(ev);
                if !installed {
                    f.evidence.push(
                        "unattended-upgrades is not installed (/usr/bin/unattended-upgrade)".into(),
                    );
                }
            }
            None => {
                f.automatic = Some(false);
                f.evidence.push(
                    "/etc/apt/apt.conf.d: APT::Periodic::Unattended-Upgrade is not set".into(),
                );
            }
        }
        // What APT itself would install from a security archive, per the package lists it has
        // (a simulation: no root needed, nothing changes).
        match os::tool(&[
            "apt-get",
            "-s",
            "-q",
            "-o",
            "Debug::NoLocking=1",
            "dist-upgrade",
        ]) {
            Ok(sim) => {
                let pending = apt_pending_security(&sim);
                f.evidence.push(if pending.is_empty() {
                    "apt-get -s dist-upgrade: no security update waiting".to_string()
                } else {
                    format!(
                        "apt-get -s dist-upgrade: {} security update(s) waiting: {}",
                        pending.len(),
                        pending.join(", ")
                    )
                });
                f.pending_security = Some(pending.len() as u32);
                if let Some(age) = apt_lists_age(now) {
                    f.evidence.push(format!(
                        "APT's package lists were refreshed {age:.1} days ago"
                    ));
                }
            }
            Err(e) => {
                f.evidence.push(format!("apt-get -s dist-upgrade: {e}"));
                if let Ok(t) = std::fs::read_to_string("/var/lib/update-notifier/updates-available")
                {
                    f.pending_security = ubuntu_pending_security(&t).or(Some(0));
                    f.evidence
                        .push("read /var/lib/update-notifier/updates-available".into());
                }
            }
        }
    } else {
        for db in ["/var/lib/rpm/rpmdb.sqlite", "/var/lib/rpm/Packages"] {
            if let Ok(t) = std::fs::metadata(db).and_then(|m| m.modified()) {
                f.days_since_update = Some(since(t));
                f.evidence
                    .push(format!("{db} last changed {:.1} days ago", since(t)));
                let timers = "/etc/systemd/system/timers.target.wants";
                let on = std::fs::read_dir(timers).is_ok_and(|rd| {
                    rd.flatten()
                        .any(|e| e.file_name().to_string_lossy().starts_with("dnf-automatic"))
                });
                f.automatic = Some(on);
                f.evidence.push(format!(
                    "{timers}: dnf-automatic timer {}",
                    if on { "enabled" } else { "not enabled" }
                ));
                break;
            }
        }
    }
    f
}

/// Days since APT last refreshed its package lists (the lists directory's newest entry).
fn apt_lists_age(now: SystemTime) -> Option<f64> {
    let newest = std::fs::read_dir("/var/lib/apt/lists")
        .ok()?
        .flatten()
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()?;
    Some(os::days_between(newest, now))
}

/// Windows facts: the newest hotfix's date ("yyyy-MM-dd") and the AU policy values.
pub fn windows_facts(
    hotfix: &serde_json::Value,
    no_auto_update: Option<u32>,
    now_secs: u64,
) -> Facts {
    let mut f = Facts::default();
    if let Some(date) = hotfix["InstalledOn"].as_str() {
        if let Some(secs) = parse_stamp(&format!("{date} 00:00:00")) {
            f.days_since_update = Some(now_secs.saturating_sub(secs) as f64 / 86400.0);
        }
        f.evidence.push(format!(
            "Get-HotFix: newest {} installed on {date}",
            hotfix["HotFixID"].as_str().unwrap_or("?")
        ));
    }
    f.automatic = Some(no_auto_update != Some(1));
    f.evidence.push(format!(
        r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU NoAutoUpdate = {}",
        no_auto_update.map_or("(not set)".into(), |v| v.to_string())
    ));
    f
}

/// macOS facts from com.apple.SoftwareUpdate.plist.
pub fn macos_facts(path: &Path, now: SystemTime) -> Facts {
    let mut f = Facts::default();
    let Ok(v) = plist::Value::from_file(path) else {
        f.evidence.push(format!("cannot read {}", path.display()));
        return f;
    };
    let Some(d) = v.as_dictionary() else {
        return f;
    };
    if let Some(t) = d.get("LastFullSuccessfulDate").and_then(|v| v.as_date()) {
        let t: SystemTime = t.into();
        f.days_since_update = Some(os::days_between(t, now));
    }
    let flag = |k: &str| d.get(k).and_then(|v| v.as_boolean());
    f.automatic = match (flag("AutomaticCheckEnabled"), flag("CriticalUpdateInstall")) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        _ => Some(true),
    };
    f.evidence.push(format!(
        "{}: LastFullSuccessfulDate, AutomaticCheckEnabled={:?}, CriticalUpdateInstall={:?}",
        path.display(),
        flag("AutomaticCheckEnabled"),
        flag("CriticalUpdateInstall")
    ));
    f
}

pub fn run(p: &UpdatesParams) -> CheckResult {
    let now = SystemTime::now();
    let facts = if cfg!(windows) {
        let hotfix = os::powershell_json(
            "Get-HotFix | Where-Object InstalledOn | Sort-Object InstalledOn -Descending | Select-Object -First 1 HotFixID,@{n='InstalledOn';e={$_.InstalledOn.ToString('yyyy-MM-dd')}} | ConvertTo-Json -Compress",
        );
        let au = os::reg_query(r"HKLM\SOFTWARE\Policies\Microsoft\Windows\WindowsUpdate\AU")
            .ok()
            .and_then(|v| os::reg_dword(&v, "NoAutoUpdate"));
        let now_secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        match hotfix {
            Ok(h) => windows_facts(&h, au, now_secs),
            Err(e) => return CheckResult::error("posture.updates.unreadable", e),
        }
    } else if cfg!(target_os = "macos") {
        macos_facts(
            Path::new("/Library/Preferences/com.apple.SoftwareUpdate.plist"),
            now,
        )
    } else {
        linux_facts(now)
    };
    judge(p, &facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    #[test]
    fn dpkg_log_and_dates() {
        let log = "2026-11-01 10:00:00 startup archives unpack\n2026-11-02 06:25:01 upgrade openssl:amd64 3.0.15 3.0.17\n2026-11-04 09:00:00 install curl:amd64 <none> 7.88\n2026-11-03 08:00:00 remove vim:amd64 9.0 <none>\n";
        // Installing curl today is not an update; the openssl upgrade is.
        assert_eq!(dpkg_log_newest(log).as_deref(), Some("2026-11-02 06:25:01"));
        assert_eq!(
            dpkg_log_newest("2026-11-04 09:00:00 install curl:amd64 <none> 7.88\n"),
            None
        );
        assert_eq!(parse_stamp("1970-01-02 00:00:01"), Some(86401));
        assert_eq!(parse_stamp("2026-11-23 00:00:00"), Some(1795392000));
        assert_eq!(parse_stamp("garbage"), None);
    }

    #[test]
    fn apt_and_ubuntu_files() {
        let confs = vec![
            ("/etc/apt/apt.conf.d/10periodic".to_string(), "APT::Periodic::Update-Package-Lists \"1\";\n".to_string()),
            ("/etc/apt/apt.conf.d/20auto-upgrades".to_string(), "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n".to_string()),
        ];
        assert_eq!(apt_automatic(&confs).map(|x| x.0), Some(true));
        let off = vec![(
            "x".to_string(),
            "APT::Periodic::Unattended-Upgrade \"0\";".to_string(),
        )];
        assert_eq!(apt_automatic(&off).map(|x| x.0), Some(false));
        assert_eq!(apt_automatic(&[]), None);
        // /var/lib/update-notifier/updates-available on Ubuntu 22.04.
        let t = "\n12 updates can be applied immediately.\n5 of these updates are standard security updates.\nTo see these additional updates run: apt list --upgradable\n";
        assert_eq!(ubuntu_pending_security(t), Some(5));
        // apt-get -s dist-upgrade on Debian 12 and Ubuntu 22.04.
        let sim = "NOTE: This is only a simulation!\nInst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])\nInst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])\nInst openssh-client [1:8.9p1-3ubuntu0.10] (1:8.9p1-3ubuntu0.11 Ubuntu:22.04/jammy-updates, Ubuntu:22.04/jammy-security [amd64])\nConf libssl3 (3.0.17-1~deb12u2 Debian-Security:12/stable-security [amd64])\n";
        assert_eq!(apt_pending_security(sim), vec!["libssl3", "openssh-client"]);
    }

    #[test]
    fn verdicts() {
        let p = UpdatesParams::default();
        let f = |d: f64, auto: bool, pending: Option<u32>| Facts {
            days_since_update: Some(d),
            automatic: Some(auto),
            pending_security: pending,
            evidence: vec![],
        };
        assert_eq!(judge(&p, &f(3.0, true, None)).status, Status::Pass);
        assert_eq!(
            judge(&p, &f(45.0, true, None)).code,
            "posture.updates.stale"
        );
        assert_eq!(
            judge(&p, &f(3.0, false, None)).code,
            "posture.updates.manual"
        );
        assert_eq!(
            judge(&p, &f(3.0, true, Some(2))).code,
            "posture.updates.security_pending"
        );
        assert_eq!(judge(&p, &Facts::default()).status, Status::Skip);
    }

    #[test]
    fn windows_and_macos_sources() {
        // `Get-HotFix | … | ConvertTo-Json` shape, with the date formatted by the script.
        let h: serde_json::Value =
            serde_json::from_str(r#"{"HotFixID":"KB5048652","InstalledOn":"2026-11-13"}"#).unwrap();
        let now = parse_stamp("2026-11-23 00:00:00").unwrap();
        let f = windows_facts(&h, None, now);
        assert_eq!(f.days_since_update, Some(10.0));
        assert_eq!(f.automatic, Some(true));
        assert_eq!(windows_facts(&h, Some(1), now).automatic, Some(false));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("com.apple.SoftwareUpdate.plist");
        let mut d = plist::Dictionary::new();
        let ten_days_ago = SystemTime::now() - std::time::Duration::from_secs(10 * 86400);
        d.insert(
            "LastFullSuccessfulDate".into(),
            plist::Value::Date(ten_days_ago.into()),
        );
        d.insert("AutomaticCheckEnabled".into(), plist::Value::Boolean(true));
        d.insert("CriticalUpdateInstall".into(), plist::Value::Boolean(false));
        plist::Value::Dictionary(d).to_file_binary(&path).unwrap();
        let f = macos_facts(&path, SystemTime::now());
        assert!((f.days_since_update.unwrap() - 10.0).abs() < 0.01);
        assert_eq!(
            judge(&UpdatesParams::default(), &f).code,
            "posture.updates.manual"
        );
    }
}
