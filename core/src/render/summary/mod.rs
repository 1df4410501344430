//! The helpdesk's summary over many reports ([`crate::summary::Summary`]) drawn for people and
//! tools: plain text ([`text`]), a web page ([`html`]), and JSON and CSV for other programs
//! (here). Every string from the field is shown, never obeyed: the text goes through
//! [`crate::sanitize::text`], the page escapes by default, and each CSV cell is defused.

pub mod html;
pub mod text;

pub use html::render as render_html;
pub use text::render as render_text;

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

use crate::report::{Status, Verdict};
use crate::summary::Summary;

pub(super) fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "0%".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

/// The word for a verdict in the summary's counts and tables ("not ready" / "未就绪").
pub(super) fn verdict_label(v: Verdict) -> Msg {
    match v {
        Verdict::Ready => t!("summary.ready"),
        Verdict::Degraded => t!("summary.degraded"),
        Verdict::NotReady => t!("summary.not_ready"),
    }
}

/// JSON: the counts, the failing checks with causes and hosts, and each host's latest report.
pub fn render_json(s: &Summary) -> String {
    let latest: Vec<serde_json::Value> = s
        .latest
        .iter()
        .map(|h| {
            serde_json::json!({
                "hostname": h.hostname, "user": h.user, "report_id": h.report_id, "started_at": h.started_at,
                "verdict": h.verdict, "profile": h.profile, "profile_version": h.profile_version,
                "stale": h.stale, "file": h.file, "clock_ahead": h.clock_ahead,
                "failing": h.checks.iter().filter(|c| matches!(c.status, Status::Fail | Status::Error)).map(|c| c.id.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::to_value(s).expect("summary serialises");
    v["latest"] = serde_json::Value::Array(latest);
    let mut out = serde_json::to_string_pretty(&v).expect("json");
    out.push('\n');
    out
}

/// CSV for spreadsheets: one row per host × check of each host's latest report (the summary
/// column is filled for checks that did not pass). Every cell goes through
/// [`crate::sanitize::csv_cell`]: no formula, no control character.
pub fn render_csv(s: &Summary) -> String {
    let mut o = String::from(
        "hostname,user,report_id,started_at,verdict,stale,profile,profile_version,check_id,check_title,status,code,summary\n",
    );
    for h in &s.latest {
        for c in &h.checks {
            let row = [
                h.hostname.as_str(),
                h.user.as_str(),
                h.report_id.as_str(),
                h.started_at.as_str(),
                h.verdict.as_str(),
                if h.stale { "yes" } else { "no" },
                h.profile.as_str(),
                h.profile_version.as_str(),
                &c.id,
                &c.title,
                c.status.as_str(),
                &c.code,
                c.summary.as_deref().unwrap_or(""),
            ];
            o.push_str(
                &row.iter()
                    .map(|f| crate::sanitize::csv_cell(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            o.push('\n');
        }
    }
    o
}
