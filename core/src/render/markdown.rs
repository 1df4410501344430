//! One report as Markdown for a ticket: verdict, root causes with fixes, a table of checks.

use std::fmt::Write as _;

use super::text::{ms, symbol};
use crate::report::{Report, Status, Verdict};

/// Escapes text for a Markdown table cell or line (no HTML, no table breaks).
fn md(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\n', '\r'], " ")
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let verdict = match r.verdict {
        Verdict::Ready => "✓ READY",
        Verdict::Degraded => "! DEGRADED",
        Verdict::NotReady => "✗ NOT READY",
    };
    let _ = writeln!(o, "## readycheck: {verdict} — {}\n", md(&r.profile.name));
    let _ = writeln!(
        o,
        "**Computer:** {} ({} {}) · **User:** {} · **Started:** {} · **Report:** `{}`\n",
        md(&r.host.hostname),
        md(&r.host.os),
        md(&r.host.os_version),
        md(&r.host.user),
        md(&r.started_at),
        md(&r.id)
    );
    let roots: Vec<_> = r
        .root_causes
        .iter()
        .filter_map(|id| r.checks.iter().find(|c| &c.id == id))
        .collect();
    if !roots.is_empty() {
        o.push_str("### Start here\n\n");
        for c in roots {
            let _ = writeln!(
                o,
                "- {} **{}** (`{}`): {}",
                symbol(c.status),
                md(&c.title),
                md(&c.id),
                md(&c.summary)
            );
            if let Some(f) = &c.fix {
                let _ = writeln!(o, "  - What to do: {}", md(f));
            }
            for e in &c.evidence {
                let _ = writeln!(o, "  - {}", md(e));
            }
        }
        o.push('\n');
    }
    o.push_str("### All checks\n\n| | Check | Result | Code | Time |\n|---|---|---|---|---|\n");
    for c in &r.checks {
        let t = if c.status == Status::Skip {
            "—".into()
        } else {
            ms(c.duration_ms)
        };
        let _ = writeln!(
            o,
            "| {} | {} (`{}`) | {} | `{}` | {} |",
            symbol(c.status),
            md(&c.title),
            md(&c.id),
            md(&c.summary),
            md(&c.code),
            t
        );
    }
    let n = &r.counts;
    let _ = writeln!(
        o,
        "\n{} passed, {} warnings, {} failed, {} skipped, {} errors in {}.",
        n.pass,
        n.warn,
        n.fail,
        n.skip,
        n.error,
        ms(r.duration_ms)
    );
    if let Some(c) = &r.profile.contact {
        let _ = writeln!(o, "\nHelpdesk: {}", md(c));
    }
    o
}
