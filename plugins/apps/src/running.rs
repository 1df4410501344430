//! `apps/running`: a process is running — the VPN client's service, the antivirus agent — matched
//! by name (case-insensitive, with or without `.exe`) or by executable path.

use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `apps/running`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunningParams {
    /// Process name, e.g. "FortiClient" or "openvpn" (".exe" optional).
    #[serde(default)]
    pub process: Option<String>,
    /// Or the executable's full path.
    #[serde(default)]
    pub path: Option<String>,
    /// `true` (default): must be running; `false`: must not be.
    #[serde(default = "yes")]
    pub running: bool,
}

fn yes() -> bool {
    true
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<RunningParams>(
        "running",
        "A process is running",
        "Looks for a running process by name or executable path — a VPN client's service, an \
         antivirus agent. With `running = false`, the process must not run.",
        "[[check]]\nid = \"vpn-service\"\nplugin = \"apps\"\nkind = \"running\"\ntitle = \"VPN service running\"\nprocess = \"FortiClient\"\nfix = \"Start FortiClient (or restart the PC).\"\n",
    )
}

fn base(name: &str) -> String {
    name.to_lowercase().trim_end_matches(".exe").to_string()
}

pub fn run(p: &RunningParams) -> CheckResult {
    let (what, by_name) = match (&p.process, &p.path) {
        (Some(n), None) => (n.clone(), true),
        (None, Some(path)) => (path.clone(), false),
        _ => {
            return CheckResult::error("apps.running.bad_params", t!("running.bad_params"));
        }
    };
    let mut sys = match sysinfo::System::new() {
        Ok(s) => s,
        Err(e) => {
            return CheckResult::error(
                "apps.running.unavailable",
                t!("running.unavailable", error = e.to_string()),
            );
        }
    };
    sys.refresh_processes(sysinfo::ProcessesToUpdate::All, true);
    let want = base(&what);
    let mut pids: Vec<u32> = sys
        .processes()
        .values()
        .filter(|proc_| {
            if by_name {
                base(&proc_.name().to_string_lossy()) == want
                    || proc_
                        .exe()
                        .and_then(|e| e.file_name())
                        .is_some_and(|f| base(&f.to_string_lossy()) == want)
            } else {
                proc_
                    .exe()
                    .is_some_and(|e| e == std::path::Path::new(&what))
            }
        })
        .map(|proc_| proc_.pid().as_u32())
        .collect();
    pids.sort_unstable();
    let evidence = format!(
        "{} processes listed; matching {what}: {}",
        sys.processes().len(),
        if pids.is_empty() {
            "none".to_string()
        } else {
            pids.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let r = match (p.running, pids.is_empty()) {
        (true, false) => CheckResult::pass("apps.running.ok", t!("running.ok", what = &what)),
        (true, true) => CheckResult::fail(
            "apps.running.not_running",
            t!("running.not_running", what = &what),
        ),
        (false, true) => {
            CheckResult::pass("apps.running.absent", t!("running.absent", what = &what))
        }
        (false, false) => CheckResult::fail(
            "apps.running.unexpected",
            t!("running.unexpected", what = &what),
        ),
    };
    r.evidence(evidence)
        .metric("processes_matching", pids.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    #[test]
    fn a_real_child_process_is_seen_by_name_and_path() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let r = run(&RunningParams {
            process: Some("sleep".into()),
            path: None,
            running: true,
        });
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(r.evidence[0].contains(&child.id().to_string()));
        let exe = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap();
        let r = run(&RunningParams {
            process: None,
            path: Some(exe.display().to_string()),
            running: true,
        });
        assert_eq!(r.status, Status::Pass, "{r:?}");
        child.kill().unwrap();
        child.wait().unwrap();
        let r = run(&RunningParams {
            process: Some("readycheck-no-such-daemon".into()),
            path: None,
            running: true,
        });
        assert_eq!(r.code, "apps.running.not_running");
    }
}
