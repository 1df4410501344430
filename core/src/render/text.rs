//! Doctor-style text: the verdict first, then the root causes with their fix texts, then one
//! line per check (✓ pass, ! warn, ✗ fail, – skip, ? could not check), a summary line, the helpdesk
//! contact and where the report was saved.

use std::fmt::Write as _;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use super::Style;
use crate::i18n::Locale;
use crate::report::{Report, Status, Verdict};
use crate::tr;

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
        Status::Error => "?",
    }
}

/// Columns `s` takes in a terminal (Unicode's East Asian Width: CJK characters take two,
/// combining marks none).
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns.
pub(crate) fn cut(s: &str, max: usize) -> String {
    let mut w = 0;
    s.chars()
        .take_while(|c| {
            w += c.width().unwrap_or(0);
            w <= max
        })
        .collect()
}

/// `s` in at most `max` columns: whole when it fits, else cut and ended with "…".
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    format!("{}…", cut(s, max.saturating_sub(1)))
}

/// `s` padded with spaces to `w` columns.
pub(crate) fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn colour_of(status: Status) -> &'static str {
    match status {
        Status::Pass => "32",
        Status::Warn => "33",
        Status::Fail | Status::Error => "31",
        Status::Skip => "2",
    }
}

/// "42 ms", "1.3 s" (in Chinese "42 毫秒", "1.3 秒").
pub fn ms(d: u64, locale: Locale) -> String {
    if d < 1000 {
        tr!(locale, "unit.ms", n = d)
    } else {
        tr!(locale, "unit.s", n = format!("{:.1}", d as f64 / 1000.0))
    }
}

/// "3 passed, 1 warning, …" in the report's language.
pub fn counts(report: &Report) -> String {
    let n = &report.counts;
    tr!(
        report.locale(),
        "report.counts",
        pass = n.pass,
        warn = n.warn,
        fail = n.fail,
        skip = n.skip,
        error = n.error
    )
}

/// The verdict in capitals with its symbol: "✓ READY", "✗ 未就绪".
pub fn verdict_word(report: &Report) -> String {
    let symbol = match report.verdict {
        Verdict::Ready => "✓",
        Verdict::Degraded => "!",
        Verdict::NotReady => "✗",
    };
    let word = crate::i18n::render(report.locale(), &report.verdict.msg());
    format!("{symbol} {word}")
}

/// The verdict line (`✗ NOT READY — 1 problem needs attention`), what `-q` prints.
pub fn verdict_line(report: &Report, style: &Style) -> String {
    let l = report.locale();
    let problems = report.root_causes.len();
    match report.verdict {
        Verdict::Ready => paint(style, "1;32", &tr!(l, "text.verdict.ready")),
        Verdict::Degraded => {
            let n = (report.counts.warn as usize + problems).max(1);
            paint(style, "1;33", &tr!(l, "text.verdict.degraded", n = n))
        }
        Verdict::NotReady => paint(
            style,
            "1;31",
            &tr!(l, "text.verdict.not_ready", n = problems.max(1)),
        ),
    }
}

pub fn render(report: &Report, style: &Style) -> String {
    let l = report.locale();
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

    let lead = super::lead(report);
    if let Some(lead) = &lead
        && let Some(whose) = &lead.whose
    {
        let _ = writeln!(out, "{}", paint(style, "1", lead.headline));
        let _ = writeln!(out, "{}", tr!(l, "report.what_to_do", fix = lead.advice));
        let _ = writeln!(out, "{whose}");
    }
    let listed = super::start_here(report);
    if !listed.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", paint(style, "1", &tr!(l, "report.start_here")));
        for c in listed {
            let sym = paint(style, colour_of(c.status), symbol(c.status));
            let _ = writeln!(out, "  {sym} {} ({})", c.title, c.id);
            let _ = writeln!(out, "    {}", c.summary);
            if let Some(fix) = &c.fix {
                let _ = writeln!(
                    out,
                    "    {}",
                    paint(style, "1", &tr!(l, "report.what_to_do", fix = fix))
                );
            }
            if let Some(cause) = c.cause {
                let _ = writeln!(
                    out,
                    "    {}",
                    tr!(l, "text.cause", cause = cause.as_str(), code = &c.code)
                );
            }
            for e in &c.evidence {
                let _ = writeln!(out, "    · {e}");
            }
            if let Some(d) = &c.detail {
                let _ = writeln!(out, "    {d}");
            }
            if let Some(lead) = lead
                .as_ref()
                .filter(|x| x.root.is_some_and(|r| r.id == c.id))
                && !lead.consequences.is_empty()
            {
                let ids: Vec<String> = lead.consequences.iter().map(|c| c.id.clone()).collect();
                let _ = writeln!(out, "    {}", tr!(l, "report.consequences", ids = ids));
            }
        }
    }

    let _ = writeln!(out);
    let _ = writeln!(out, "{}", paint(style, "1", &tr!(l, "report.all_checks")));
    let id_w = report
        .checks
        .iter()
        .map(|c| width(&c.id))
        .max()
        .unwrap_or(0);
    let title_w = report
        .checks
        .iter()
        .map(|c| width(&c.title))
        .max()
        .unwrap_or(0)
        .min(40);
    for c in &report.checks {
        let sym = paint(style, colour_of(c.status), symbol(c.status));
        let time = if c.status == Status::Skip {
            "—".to_string()
        } else {
            ms(c.duration_ms, l)
        };
        let title = truncate(&c.title, 40);
        // A skipped check already says which need held it back.
        let because = match &c.explained_by {
            Some(root) if c.status != Status::Skip => {
                format!(" {}", tr!(l, "report.caused_by", id = root))
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  {sym} {}  {}  {}  {}{because}",
            pad(&c.id, id_w),
            pad(&title, title_w),
            pad_left(&time, 7),
            c.summary
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
        "{}",
        tr!(
            l,
            "text.totals",
            total = total,
            counts = counts(report),
            time = ms(report.duration_ms, l)
        )
    );
    if let Some(contact) = &report.profile.contact
        && report.verdict != Verdict::Ready
    {
        let _ = writeln!(out, "{}", tr!(l, "report.helpdesk", contact = contact));
    }
    if let Some(d) = &style.delivery {
        let _ = writeln!(out, "{}", crate::sanitize::text(d));
    }
    if let Some(p) = &style.saved_to {
        let _ = writeln!(
            out,
            "{}",
            tr!(l, "text.saved", path = crate::sanitize::text(p).as_ref())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_cuts_and_ellipses_count_terminal_columns() {
        assert_eq!(width("磁盘剩余空间（disk）"), 12 + 2 + 4 + 2);
        assert_eq!(width("e\u{301}"), 1, "a combining mark takes no column");
        assert_eq!(cut("未就绪 — ok", 5), "未就");
        assert_eq!(truncate("Free disk space", 40), "Free disk space");
        assert_eq!(truncate("Free disk space", 8), "Free di…");
        assert_eq!(truncate("磁盘剩余空间", 7), "磁盘剩…");
        assert!(width(&truncate("磁盘剩余空间", 7)) <= 7);
    }
}
