//! `posture/screen_lock`: the screen locks after at most N idle minutes, with a password.
//! Linux: the settings of the desktop in use (the session's `XDG_CURRENT_DESKTOP`, never another
//! desktop's leftover file) — GNOME and its relatives via `gsettings`
//! (org.gnome.desktop.session idle-delay, org.gnome.desktop.screensaver lock-enabled /
//! lock-delay), Cinnamon and MATE via their own schemas, KDE via ~/.config/kscreenlockerrc;
//! without session variables, the desktop whose settings this user has. Windows: the screen saver values
//! under HKCU\Control Panel\Desktop (policy keys first) and the machine inactivity limit; macOS:
//! `sysadminctl -screenLock status` and the screen saver's idleTime.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/screen_lock`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenLockParams {
    /// Fail when the screen locks later than this many idle minutes (default 15).
    #[serde(default)]
    pub max_idle_minutes: Option<f64>,
    /// Require a password to unlock (default true).
    #[serde(default)]
    pub require_password: Option<bool>,
}

/// The `posture/screen_lock` kind.
pub struct ScreenLock;

impl Kind for ScreenLock {
    const NAME: &'static str = "screen_lock";
    const TITLE: &'static str = "Screen locks when idle";
    const DESCRIPTION: &'static str = "Checks that the screen locks by itself after at most `max_idle_minutes` without use and \
         asks for the password: Windows screen saver and inactivity policy, GNOME or KDE on Linux, \
         the macOS screen lock.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"screen-lock\"\nplugin = \"posture\"\nkind = \"screen_lock\"\ntitle = \"Screen locks when idle\"\nmax_idle_minutes = 10\n";
    type Params = ScreenLockParams;

    fn run(p: &ScreenLockParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

/// What was found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    /// Minutes of idleness after which the screen locks; `None` = never.
    pub lock_after_minutes: Option<f64>,
    /// Whether unlocking needs the password.
    pub password: bool,
    pub evidence: Vec<String>,
}

pub fn judge(p: &ScreenLockParams, f: &Facts) -> CheckResult {
    let max = p.max_idle_minutes.unwrap_or(15.0);
    let mut r = match f.lock_after_minutes {
        None => CheckResult::fail(
            "posture.screen_lock.never",
            t!("screen_lock.never", max = max),
        ),
        Some(m) if m > max => CheckResult::fail(
            "posture.screen_lock.too_late",
            t!("screen_lock.too_late", minutes = m.round(), max = max),
        ),
        Some(_) if !f.password && p.require_password.unwrap_or(true) => CheckResult::fail(
            "posture.screen_lock.no_password",
            t!("screen_lock.no_password"),
        ),
        Some(m) => CheckResult::pass(
            "posture.screen_lock.ok",
            t!("screen_lock.ok", minutes = m.round()),
        ),
    };
    r.evidence = f.evidence.clone();
    if let Some(m) = f.lock_after_minutes {
        r = r.metric("lock_after_minutes", m);
    }
    r
}

/// `gsettings get` values: idle-delay ("uint32 300"), lock-enabled ("true"), lock-delay.
pub fn gnome_facts(idle_delay: &str, lock_enabled: &str, lock_delay: &str) -> Facts {
    let secs = |s: &str| -> Option<f64> { s.split_whitespace().last()?.parse().ok() };
    let idle = secs(idle_delay).unwrap_or(0.0);
    let delay = secs(lock_delay).unwrap_or(0.0);
    let enabled = lock_enabled.trim() == "true";
    Facts {
        lock_after_minutes: (enabled && idle > 0.0).then(|| (idle + delay) / 60.0),
        password: enabled,
        evidence: vec![format!(
            "gsettings: org.gnome.desktop.session idle-delay = {}, org.gnome.desktop.screensaver lock-enabled = {}, lock-delay = {}",
            idle_delay.trim(),
            lock_enabled.trim(),
            lock_delay.trim()
        )],
    }
}

/// ~/.config/kscreenlockerrc: `[Daemon]` Autolock (default true), Timeout in minutes (default
/// 5), LockGrace in seconds (default 5).
pub fn kde_facts(text: &str) -> Facts {
    let mut section = "";
    let (mut autolock, mut timeout, mut grace) = (true, 5.0, 5.0);
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if section != "[Daemon]" {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            match k.trim() {
                "Autolock" => autolock = v.trim() != "false",
                "Timeout" => timeout = v.trim().parse().unwrap_or(timeout),
                "LockGrace" => grace = v.trim().parse().unwrap_or(grace),
                _ => {}
            }
        }
    }
    Facts {
        lock_after_minutes: (autolock && timeout > 0.0).then(|| timeout + grace / 60.0),
        password: true,
        evidence: vec![format!(
            "~/.config/kscreenlockerrc: Autolock={autolock}, Timeout={timeout} min, LockGrace={grace} s"
        )],
    }
}

/// Windows values: the screen saver (`ScreenSaveActive`, `ScreenSaverIsSecure`,
/// `ScreenSaveTimeOut` seconds, REG_SZ) and `InactivityTimeoutSecs` (machine policy).
pub fn windows_facts(
    active: Option<&str>,
    secure: Option<&str>,
    timeout_secs: Option<&str>,
    inactivity_secs: Option<u32>,
    where_read: &str,
) -> Facts {
    let mut evidence = vec![format!(
        "{where_read}: ScreenSaveActive={}, ScreenSaverIsSecure={}, ScreenSaveTimeOut={}",
        active.unwrap_or("(not set)"),
        secure.unwrap_or("(not set)"),
        timeout_secs.unwrap_or("(not set)")
    )];
    evidence.push(format!(
        r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System InactivityTimeoutSecs={}",
        inactivity_secs.map_or("(not set)".into(), |v| v.to_string())
    ));
    if let Some(s) = inactivity_secs.filter(|s| *s > 0) {
        return Facts {
            lock_after_minutes: Some(f64::from(s) / 60.0),
            password: true,
            evidence,
        };
    }
    let on = active == Some("1");
    let timeout: f64 = timeout_secs
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.0);
    Facts {
        lock_after_minutes: (on && timeout > 0.0).then_some(timeout / 60.0),
        password: secure == Some("1"),
        evidence,
    }
}

/// macOS: `sysadminctl -screenLock status` ("screenLock delay is immediate" / "… is 300
/// seconds" / "screenLock is off") and `defaults -currentHost read com.apple.screensaver
/// idleTime` (seconds, 0 = never).
pub fn macos_facts(screen_lock: &str, idle_time: &str) -> Facts {
    let idle: f64 = idle_time.trim().parse().unwrap_or(0.0);
    let line = screen_lock
        .lines()
        .find(|l| l.contains("screenLock"))
        .unwrap_or("")
        .trim();
    let delay = if line.contains("immediate") {
        Some(0.0)
    } else {
        line.split_whitespace()
            .zip(line.split_whitespace().skip(1))
            .find(|(_, unit)| unit.starts_with("second"))
            .and_then(|(n, _)| n.parse::<f64>().ok())
    };
    Facts {
        lock_after_minutes: match delay {
            Some(d) if idle > 0.0 => Some((idle + d) / 60.0),
            _ => None,
        },
        password: delay.is_some(),
        evidence: vec![
            format!("sysadminctl -screenLock status: {line}"),
            format!(
                "defaults -currentHost read com.apple.screensaver idleTime: {}",
                idle_time.trim()
            ),
        ],
    }
}

fn gsettings(schema: &str, key: &str) -> Result<String, String> {
    os::tool(&["gsettings", "get", schema, key])
}

/// A Linux desktop whose screen-lock settings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desktop {
    Kde,
    /// GNOME and desktops built on its settings (Unity, Budgie, Pantheon, Ubuntu's session).
    Gnome,
    Cinnamon,
    Mate,
}

/// The desktop in use, from the session's own variables (`XDG_CURRENT_DESKTOP`, a
/// colon-separated list, then `XDG_SESSION_DESKTOP` and `DESKTOP_SESSION`): a KDE config file
/// left behind in a GNOME session says nothing about the GNOME session. `Err` names a desktop
/// whose settings are not read here; `Ok(None)` when no session variable is set.
pub fn desktop_in_use(vars: &[Option<String>]) -> Result<Option<Desktop>, String> {
    let Some(value) = vars.iter().flatten().find(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    for part in value.split(':') {
        let d = part.trim().to_uppercase();
        let found = match d.as_str() {
            "KDE" | "PLASMA" | "PLASMAWAYLAND" => Some(Desktop::Kde),
            "GNOME" | "GNOME-CLASSIC" | "GNOME-FLASHBACK" | "UNITY" | "UBUNTU" | "BUDGIE"
            | "BUDGIE-DESKTOP" | "PANTHEON" | "POP" => Some(Desktop::Gnome),
            "X-CINNAMON" | "CINNAMON" => Some(Desktop::Cinnamon),
            "MATE" => Some(Desktop::Mate),
            _ => None,
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Err(value.clone())
}

fn linux_facts() -> Result<Facts, Box<CheckResult>> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| home.map(|h| h.join(".config")));
    let vars: Vec<Option<String>> = [
        "XDG_CURRENT_DESKTOP",
        "XDG_SESSION_DESKTOP",
        "DESKTOP_SESSION",
    ]
    .iter()
    .map(|k| std::env::var(k).ok())
    .collect();
    let no_desktop = || {
        Box::new(CheckResult::skip(
            "posture.screen_lock.no_desktop",
            t!("screen_lock.no_desktop"),
        ))
    };
    let desktop = match desktop_in_use(&vars) {
        Ok(Some(d)) => d,
        Err(_) => return Err(no_desktop()),
        // No session variables (a scheduled run): the desktop whose settings this user has.
        Ok(None) => {
            if config
                .as_ref()
                .is_some_and(|c| c.join("kscreenlockerrc").exists())
            {
                Desktop::Kde
            } else if std::env::var_os("GSETTINGS_BACKEND").is_some()
                || config
                    .as_ref()
                    .is_some_and(|c| c.join("dconf/user").exists())
            {
                Desktop::Gnome
            } else {
                return Err(no_desktop());
            }
        }
    };
    if desktop == Desktop::Kde {
        let kde = config.unwrap_or_default().join("kscreenlockerrc");
        let text = std::fs::read_to_string(&kde).unwrap_or_default();
        return Ok(kde_facts(&text));
    }
    let read = |schema: &str, key: &str| {
        gsettings(schema, key).map_err(|e| {
            Box::new(CheckResult::error(
                "posture.screen_lock.unreadable",
                t!("screen_lock.unreadable_gnome", error = e),
            ))
        })
    };
    let mut f = match desktop {
        Desktop::Cinnamon => gnome_facts(
            &read("org.cinnamon.desktop.session", "idle-delay")?,
            &read("org.cinnamon.desktop.screensaver", "lock-enabled")?,
            &read("org.cinnamon.desktop.screensaver", "lock-delay")?,
        ),
        Desktop::Mate => {
            // MATE counts its idle delay in minutes.
            let minutes = read("org.mate.session", "idle-delay")?;
            let secs = minutes
                .split_whitespace()
                .last()
                .and_then(|m| m.parse::<f64>().ok())
                .map_or(0.0, |m| m * 60.0);
            gnome_facts(
                &format!("{secs}"),
                &read("org.mate.screensaver", "lock-enabled")?,
                "0",
            )
        }
        _ => gnome_facts(
            &read("org.gnome.desktop.session", "idle-delay")?,
            &read("org.gnome.desktop.screensaver", "lock-enabled")?,
            &read("org.gnome.desktop.screensaver", "lock-delay")?,
        ),
    };
    f.evidence.insert(0, format!("desktop in use: {desktop:?}"));
    Ok(f)
}

pub fn run(p: &ScreenLockParams) -> CheckResult {
    let facts = if cfg!(windows) {
        let policy = r"HKCU\Software\Policies\Microsoft\Windows\Control Panel\Desktop";
        let user = r"HKCU\Control Panel\Desktop";
        let pol = os::reg_query(policy).unwrap_or_default();
        let usr = match os::reg_query(user) {
            Ok(v) => v,
            Err(e) => return CheckResult::error("posture.screen_lock.unreadable", e),
        };
        let get = |name: &str| {
            os::reg_sz(&pol, name)
                .or_else(|| os::reg_sz(&usr, name))
                .map(String::from)
        };
        let inactivity =
            os::reg_query(r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System")
                .ok()
                .and_then(|v| os::reg_dword(&v, "InactivityTimeoutSecs"));
        windows_facts(
            get("ScreenSaveActive").as_deref(),
            get("ScreenSaverIsSecure").as_deref(),
            get("ScreenSaveTimeOut").as_deref(),
            inactivity,
            &format!("{policy} (policy), then {user}"),
        )
    } else if cfg!(target_os = "macos") {
        // sysadminctl prints its answer on stderr, which the tool runner reads too.
        let lock = os::tool(&["sysadminctl", "-screenLock", "status"]).unwrap_or_default();
        let idle = os::tool(&[
            "defaults",
            "-currentHost",
            "read",
            "com.apple.screensaver",
            "idleTime",
        ])
        .unwrap_or_else(|_| "0".into());
        macos_facts(&lock, &idle)
    } else {
        match linux_facts() {
            Ok(f) => f,
            Err(r) => return *r,
        }
    };
    judge(p, &facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    #[test]
    fn gnome_and_kde() {
        let p = ScreenLockParams::default();
        let f = gnome_facts("uint32 300\n", "true\n", "uint32 30\n");
        assert_eq!(f.lock_after_minutes, Some(5.5));
        assert_eq!(judge(&p, &f).status, Status::Pass);
        assert_eq!(
            judge(&p, &gnome_facts("uint32 0", "true", "uint32 0")).code,
            "posture.screen_lock.never"
        );
        assert_eq!(
            judge(&p, &gnome_facts("uint32 300", "false", "uint32 0")).code,
            "posture.screen_lock.never"
        );
        assert_eq!(
            judge(&p, &gnome_facts("uint32 3600", "true", "uint32 0")).code,
            "posture.screen_lock.too_late"
        );
        let kde = kde_facts("[Daemon]\nAutolock=true\nTimeout=10\nLockGrace=0\n");
        assert_eq!(kde.lock_after_minutes, Some(10.0));
        assert_eq!(
            kde_facts("[Daemon]\nAutolock=false\n").lock_after_minutes,
            None
        );
        assert_eq!(kde_facts("").lock_after_minutes, Some(5.0 + 5.0 / 60.0));
    }

    #[test]
    fn the_desktop_in_use_decides() {
        let v = |x: &[Option<&str>]| x.iter().map(|o| o.map(String::from)).collect::<Vec<_>>();
        assert_eq!(
            desktop_in_use(&v(&[Some("ubuntu:GNOME"), None, None])),
            Ok(Some(Desktop::Gnome))
        );
        assert_eq!(
            desktop_in_use(&v(&[Some("KDE"), Some("plasma"), None])),
            Ok(Some(Desktop::Kde))
        );
        assert_eq!(
            desktop_in_use(&v(&[None, None, Some("mate")])),
            Ok(Some(Desktop::Mate))
        );
        assert_eq!(
            desktop_in_use(&v(&[Some("X-Cinnamon"), None, None])),
            Ok(Some(Desktop::Cinnamon))
        );
        assert_eq!(desktop_in_use(&v(&[None, None, None])), Ok(None));
        assert_eq!(
            desktop_in_use(&v(&[Some("UKUI"), None, None])),
            Err("UKUI".into())
        );
    }

    #[test]
    fn windows_and_macos_values() {
        let p = ScreenLockParams::default();
        let w = windows_facts(Some("1"), Some("1"), Some("600"), None, "HKCU");
        assert_eq!(w.lock_after_minutes, Some(10.0));
        assert_eq!(judge(&p, &w).status, Status::Pass);
        let insecure = windows_facts(Some("1"), Some("0"), Some("600"), None, "HKCU");
        assert_eq!(judge(&p, &insecure).code, "posture.screen_lock.no_password");
        let off = windows_facts(Some("0"), None, None, None, "HKCU");
        assert_eq!(judge(&p, &off).code, "posture.screen_lock.never");
        let policy = windows_facts(Some("0"), None, None, Some(900), "HKCU");
        assert_eq!(judge(&p, &policy).status, Status::Pass);
        // sysadminctl output as printed by macOS 13+ (on stderr, with a timestamp prefix).
        let m = macos_facts(
            "2026-11-23 06:00:00.000 sysadminctl[123:456] screenLock delay is immediate\n",
            "300\n",
        );
        assert_eq!(m.lock_after_minutes, Some(5.0));
        let m = macos_facts(
            "2026-11-23 sysadminctl[1:2] screenLock delay is 60 seconds\n",
            "600",
        );
        assert_eq!(m.lock_after_minutes, Some(11.0));
        let m = macos_facts("2026-11-23 sysadminctl[1:2] screenLock is off\n", "600");
        assert_eq!(judge(&p, &m).code, "posture.screen_lock.never");
    }
}
