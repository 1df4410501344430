//! One report as Markdown for a ticket: verdict, root causes with fixes, a table of checks.

use std::fmt::Write as _;

use super::text::{counts, ms, symbol, verdict_word};
use crate::report::{Report, Status};
use crate::tr;

/// Escapes text for a Markdown table cell or line (no HTML, no table breaks).
/// Links stay links only to http(s) and mailto, images are never embedded, control characters
/// are shown ([`crate::sanitize::markdown`]).
fn md(s: &str) -> String {
    crate::sanitize::markdown(
        &s.replace('\\', "\\\\")
            .replace('|', "\\|")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace(['\n', '\r'], " "),
    )
}

pub fn render(r: &Report) -> String {
    let l = r.locale();
    let mut o = String::new();
    let verdict = verdict_word(r);
    let _ = writeln!(o, "## readycheck: {verdict} — {}\n", md(&r.profile.name));
    let _ = writeln!(
        o,
        "{}\n",
        tr!(
            l,
            "md.facts",
            host = md(&r.host.hostname),
            os = md(&r.host.os),
            version = md(&r.host.os_version),
            user = md(&r.host.user),
            started = md(&r.started_at),
            id = md(&r.id)
        )
    );
    if let Some(lead) = super::lead(r)
        && let Some(whose) = &lead.whose
    {
        let _ = writeln!(o, "**{}**\n", md(lead.headline));
        let _ = writeln!(
            o,
            "{}  ",
            tr!(l, "report.what_to_do", fix = md(lead.advice))
        );
        let _ = writeln!(o, "{}\n", md(whose));
    }
    let roots: Vec<_> = r
        .root_causes
        .iter()
        .filter_map(|id| r.checks.iter().find(|c| &c.id == id))
        .collect();
    if !roots.is_empty() {
        let _ = writeln!(o, "### {}\n", tr!(l, "report.start_here"));
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
                let _ = writeln!(o, "  - {}", tr!(l, "report.what_to_do", fix = md(f)));
            }
            for e in &c.evidence {
                let _ = writeln!(o, "  - {}", md(e));
            }
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "### {}\n\n{}\n|---|---|---|---|---|",
        tr!(l, "report.all_checks"),
        tr!(l, "md.table_head")
    );
    for c in &r.checks {
        let t = if c.status == Status::Skip {
            "—".into()
        } else {
            ms(c.duration_ms, l)
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
    let _ = writeln!(
        o,
        "\n{}",
        tr!(
            l,
            "md.totals",
            counts = counts(r),
            time = ms(r.duration_ms, l)
        )
    );
    if let Some(c) = &r.profile.contact {
        let _ = writeln!(o, "\n{}", tr!(l, "report.helpdesk", contact = md(c)));
    }
    crate::sanitize::text(&o).into_owned()
}
