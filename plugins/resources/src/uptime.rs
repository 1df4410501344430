//! `resources/uptime`: days since the PC was started. Pending updates usually need a restart,
//! and a PC that has run for weeks often has some waiting.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `resources/uptime`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UptimeParams {
    /// Warn when the PC has run longer than this many days without a restart (default 14).
    #[serde(default)]
    pub warn_days: Option<f64>,
    /// Fail when it has run longer than this many days.
    #[serde(default)]
    pub fail_days: Option<f64>,
}

/// The `resources/uptime` kind.
pub struct Uptime;

impl Kind for Uptime {
    const NAME: &'static str = "uptime";
    const TITLE: &'static str = "Time since the last restart";
    const DESCRIPTION: &'static str = "Reads how long the PC has been running. Updates that fix security problems usually wait \
         for a restart; a PC that has not restarted in weeks probably has some waiting.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"uptime\"\nplugin = \"resources\"\nkind = \"uptime\"\ntitle = \"Restarted recently\"\nseverity = \"recommended\"\nwarn_days = 14\n";
    type Params = UptimeParams;

    fn run(p: &UptimeParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

pub fn evaluate(p: &UptimeParams, uptime_seconds: u64) -> CheckResult {
    let days = uptime_seconds as f64 / 86400.0;
    let warn = p.warn_days.unwrap_or(14.0);
    // "6 minutes", "3 hours", "15 days" in the reader's language, not "0.1 hours".
    let shown = readycheck_sdk::Arg::secs(uptime_seconds as f64);
    let mut r = match p.fail_days {
        Some(f) if days > f => CheckResult::fail(
            "resources.uptime.restart_overdue",
            t!("uptime.overdue", shown = shown.clone(), limit = f),
        ),
        _ if days > warn => CheckResult::warn(
            "resources.uptime.restart_due",
            t!("uptime.due", shown = shown.clone()),
        ),
        _ => CheckResult::pass(
            "resources.uptime.ok",
            t!("uptime.ok", shown = shown.clone()),
        ),
    };
    r.evidence
        .push(format!("uptime reported by the OS: {uptime_seconds} s"));
    r.metric("uptime_seconds", uptime_seconds as f64)
}

pub fn run(p: &UptimeParams) -> CheckResult {
    match sysinfo::System::uptime() {
        Ok(secs) => evaluate(p, secs),
        Err(e) => CheckResult::error(
            "resources.uptime.unavailable",
            format!("the OS did not report its uptime: {e}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    #[test]
    fn thresholds_table() {
        let day = 86400;
        let d = UptimeParams::default();
        assert_eq!(evaluate(&d, 3 * day).status, Status::Pass);
        assert_eq!(evaluate(&d, 20 * day).status, Status::Warn);
        let strict = UptimeParams {
            warn_days: Some(7.0),
            fail_days: Some(30.0),
        };
        assert_eq!(evaluate(&strict, 8 * day).status, Status::Warn);
        assert_eq!(
            evaluate(&strict, 31 * day).code,
            "resources.uptime.restart_overdue"
        );
        assert_eq!(evaluate(&d, 3600).en_summary(), "restarted 60 minutes ago");
        assert_eq!(evaluate(&d, 360).en_summary(), "restarted 6 minutes ago");
        assert_eq!(
            evaluate(&d, 3 * 86_400).en_summary(),
            "restarted 3 days ago"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn uptime_matches_proc_uptime() {
        let proc: f64 = std::fs::read_to_string("/proc/uptime")
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let r = run(&UptimeParams::default());
        assert!((r.metrics["uptime_seconds"] - proc).abs() < 5.0);
    }
}
