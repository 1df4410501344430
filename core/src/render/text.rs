//! Doctor-style text: the verdict first, then the root causes with their fix texts, then one
//! line per check (✓ pass, ! warn, ✗ fail, – skip, ☠ error), a summary line, the helpdesk
//! contact and where the report was saved.

use std::fmt::Write as _;

use super::Style;
use crate::report::{CheckReport, Report, Status, Verdict};

fn paint(style: &Style, code: &str, s: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// The symbol of a status.
pub fn symbol(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Skip => "–",
        Status::Error => "☠",
    }
}

fn colour_of(status: Status) -> &'static str {
    match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail | Status::Error => "31",
        Status::Skip => "2",
    }
}

/// "42 ms", "1.3 s".
pub fn ms(d: u64) -> String {
    if d < 1000 {
        format!("{d} ms")
    } else {
        format!("{:.1} s", d as f64 / 1000.0)
    }
}

fn verdict_line(report: &Report, style: &Style) -> String {
    let problems = report.root_causes.len();
    let things = |n: usize| {
        if n == 1 {
            "1 problem needs".to_string()
        } else {
            format!("{n} problems need")
        }
    };
    match report.verdict {
        Verdict::Ready => paint(
            style,
            "1;32",
            "✓ READY — everything this profile checks works",
        ),
        Verdict::Degraded => {
            let n = report.counts.warn as usize + problems;
            paint(
                style,
                "1;33",
                &format!(
                    "! DEGRADED — you can work, but {} attention",
                    things(n.max(1))
                ),
            )
        }
        Verdict::NotReady => paint(
            style,
            "1;31",
            &format!("✗ NOT READY — {} attention", things(problems.max(1))),
        ),
    }
}

pub fn render(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    let profile = match &report.profile.version {
        Some(v) => format!("{} ({v})", report.profile.name),
        None => report.profile.name.clone(),
    };
    let _ = writeln!(
        out,
        "readycheck · {profile} · {} ({})",
        report.host.hostname, report.host.os
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", verdict_line(report, style));

    let by_id = |id: &str| report.checks.iter().find(|c| c.id == id);
    let roots: Vec<&CheckReport> = report
        .root_causes
        .iter()
        .filter_map(|id| by_id(id))
        .collect();
    let warns: Vec<&CheckReport> = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Warn)
        .collect();
    if !roots.is_empty() || !warns.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint(style, "1", "Start here"));
        for c in roots.iter().chain(warns.iter()) {
            let sym = paint(style, colour_of(c.status), symbol(c.status));
            let _ = writeln!(out, "  {sym} {} ({})", c.title, c.id);
            let _ = writeln!(out, "    {}", c.summary);
            if let Some(fix) = &c.fix {
                let _ = writeln!(out, "    {} {fix}", paint(style, "1", "What to do:"));
            }
            if let Some(cause) = c.cause {
                let _ = writeln!(out, "    cause: {} ({})", cause.as_str(), c.code);
            }
            for e in &c.evidence {
                let _ = writeln!(out, "    · {e}");
            }
            if let Some(d) = &c.detail {
                let _ = writeln!(out, "    {d}");
            }
        }
    }

    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint(style, "1", "All checks"));
    let id_w = report
        .checks
        .iter()
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(0);
    let title_w = report
        .checks
        .iter()
        .map(|c| c.title.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    for c in &report.checks {
        let sym = paint(style, colour_of(c.status), symbol(c.status));
        let time = if c.status == Status::Skip {
            "—".to_string()
        } else {
            ms(c.duration_ms)
        };
        let title: String = c.title.chars().take(40).collect();
        let _ = writeln!(
            out,
            "  {sym} {:id_w$}  {:title_w$}  {:>7}  {}",
            c.id,
            title,
            time,
            c.summary,
            id_w = id_w,
            title_w = title_w
        );
        if style.verbose {
            for e in &c.evidence {
                let _ = writeln!(out, "      · {e}");
            }
            for (k, v) in &c.metrics {
                let _ = writeln!(out, "      {k} = {v}");
            }
        }
    }

    let n = &report.counts;
    let total = n.pass + n.warn + n.fail + n.skip + n.error;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{total} checks: {} passed, {} {}, {} failed, {} skipped, {} {} · {}",
        n.pass,
        n.warn,
        if n.warn == 1 { "warning" } else { "warnings" },
        n.fail,
        n.skip,
        n.error,
        if n.error == 1 { "error" } else { "errors" },
        ms(report.duration_ms)
    );
    if let Some(contact) = &report.profile.contact
        && report.verdict != Verdict::Ready
    {
        let _ = writeln!(out, "Helpdesk: {contact}");
    }
    if let Some(d) = &style.delivery {
        let _ = writeln!(out, "{d}");
    }
    if let Some(p) = &style.saved_to {
        let _ = writeln!(out, "Report saved: {p}");
    }
    out
}
