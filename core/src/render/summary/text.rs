//! The summary as plain text for the helpdesk's terminal: counts by verdict, the checks that
//! fail most with their causes and hosts, clocks set ahead, profile versions, skipped files.

use readycheck_sdk::i18n::{Arg, Locale, Msg};
use readycheck_sdk::t;

use super::{pct, verdict_label};
use crate::report::Verdict;
use crate::summary::Summary;

/// Plain text for the helpdesk, in `locale`.
pub fn render(s: &Summary, locale: Locale) -> String {
    use std::fmt::Write as _;
    let tr = |m: Msg| crate::i18n::render(locale, &m);
    let pad = crate::render::text::pad;
    let mut o = String::new();
    let current = s.hosts - s.stale;
    let _ = writeln!(
        o,
        "{}\n",
        tr(t!("summary.heading", reports = s.reports, hosts = s.hosts))
    );
    let rows = [
        (verdict_label(Verdict::Ready), s.ready),
        (verdict_label(Verdict::Degraded), s.degraded),
        (verdict_label(Verdict::NotReady), s.not_ready),
    ];
    let labels: Vec<String> = rows.iter().map(|(m, _)| tr(m.clone())).collect();
    let stale_label = tr(t!("summary.stale"));
    let w = labels
        .iter()
        .chain(std::iter::once(&stale_label))
        .map(|l| crate::render::text::width(l))
        .max()
        .unwrap_or(0);
    for (label, (_, n)) in labels.iter().zip(&rows) {
        let _ = writeln!(o, "  {}  {n:>6}  {}", pad(label, w), pct(*n, current));
    }
    if let Some(secs) = s.since_secs {
        let _ = writeln!(
            o,
            "  {}  {:>6}  {}",
            pad(&stale_label, w),
            s.stale,
            tr(t!("summary.stale_note", since = Arg::secs(secs)))
        );
    }
    if !s.failing_checks.is_empty() {
        let _ = writeln!(o, "\n{}", tr(t!("summary.top_failing")));
        for f in s.failing_checks.iter().take(10) {
            let _ = writeln!(
                o,
                "  {}",
                tr(t!(
                    "summary.failing_check",
                    hosts = f.hosts,
                    title = &f.title,
                    id = &f.id
                ))
            );
            for c in f.causes.iter().take(3) {
                let mut hosts: Vec<String> = c.hosts.iter().take(5).cloned().collect();
                if c.hosts.len() > 5 {
                    hosts.push("…".into());
                }
                let _ = writeln!(
                    o,
                    "      {:>5} × {}",
                    c.hosts.len(),
                    tr(t!(
                        "summary.cause",
                        code = &c.code,
                        example = &c.example,
                        hosts = hosts
                    ))
                );
            }
        }
    }
    if !s.clock_ahead.is_empty() {
        let mut hosts: Vec<String> = s.clock_ahead.iter().take(10).cloned().collect();
        if s.clock_ahead.len() > 10 {
            hosts.push("…".into());
        }
        let _ = writeln!(
            o,
            "\n{}",
            tr(t!(
                "summary.clock_ahead",
                n = s.clock_ahead.len(),
                hosts = hosts
            ))
        );
    }
    let _ = writeln!(o, "\n{}", tr(t!("summary.versions")));
    for (v, n) in &s.profile_versions {
        let _ = writeln!(o, "  {n:>6}  {v}");
    }
    if s.skipped_unreadable + s.skipped_foreign > 0 {
        let _ = writeln!(
            o,
            "\n{}",
            tr(t!(
                "summary.skipped",
                unreadable = s.skipped_unreadable,
                foreign = s.skipped_foreign,
                files = s.files_read
            ))
        );
        for e in &s.skipped_examples {
            let _ = writeln!(o, "  {e}");
        }
    }
    // Hostnames, titles, summaries and file names come from the field: shown, never obeyed.
    crate::sanitize::text(&o).into_owned()
}
