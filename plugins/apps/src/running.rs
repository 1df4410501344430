//! `apps/running`: a process is running — the VPN client's service, the antivirus agent — matched
//! by its full name (case-insensitive, with or without `.exe`; not Linux's 15-character `comm`)
//! or by executable path (symlinks followed), among every user's processes (see [`crate::procs`]).

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
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

/// The `apps/running` kind.
pub struct Running;

impl Kind for Running {
    const NAME: &'static str = "running";
    const TITLE: &'static str = "A process is running";
    const DESCRIPTION: &'static str = "Looks for a running process by name or executable path — a VPN client's service, an \
         antivirus agent. With `running = false`, the process must not run.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"vpn-service\"\nplugin = \"apps\"\nkind = \"running\"\ntitle = \"VPN service running\"\nprocess = \"FortiClient\"\nfix = \"Start FortiClient (or restart the PC).\"\n";
    type Params = RunningParams;

    fn run(p: &RunningParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

pub fn run(p: &RunningParams) -> CheckResult {
    let (what, by_name) = match (&p.process, &p.path) {
        (Some(n), None) => (n.clone(), true),
        (None, Some(path)) => (path.clone(), false),
        _ => {
            return CheckResult::error("apps.running.bad_params", t!("running.bad_params"));
        }
    };
    let procs = match crate::procs::list() {
        Ok(p) => p,
        Err(e) => {
            return CheckResult::error(
                "apps.running.unavailable",
                t!("running.unavailable", error = e),
            );
        }
    };
    let matching: Vec<&crate::procs::Proc> = procs
        .iter()
        .filter(|proc_| {
            if by_name {
                proc_.is_named(&what)
            } else {
                proc_.runs(std::path::Path::new(&what))
            }
        })
        .collect();
    let pids: Vec<u32> = matching.iter().map(|p| p.pid).collect();
    let evidence = format!(
        "{} processes listed; matching {what}: {}",
        procs.len(),
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
    let mut r = r.evidence(evidence);
    for p in matching.iter().take(5) {
        r = r.evidence(format!(
            "pid {}: {}{}",
            p.pid,
            p.names.join(" / "),
            p.exe
                .as_ref()
                .map(|e| format!(", executable {}", e.display()))
                .unwrap_or_default()
        ));
    }
    r.metric("processes_matching", pids.len() as f64)
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
