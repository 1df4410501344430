//! Doctor-style text: the verdict first, then the root causes with their fix texts, then one
//! line per check (✓ pass, ! warn, ✗ fail, – skip, ? could not check), a summary line, the helpdesk
//! contact and where the report was saved.

use std::fmt::Write as _;

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

/// Columns `s` takes in a terminal: CJK characters take two.
pub(crate) fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Characters a terminal draws two columns wide: East Asian Wide and Fullwidth (Unicode's
/// EastAsianWidth W and F) as they occur in Chinese, Japanese and Korean text; emoji blocks are
/// taken as wide whole, which is close enough for an alignment readycheck never needs there.
const WIDE: &[(u32, u32)] = &[
    (0x1100, 0x115F),
    (0x231A, 0x231B),
    (0x2329, 0x232A),
    (0x23E9, 0x23EC),
    (0x23F0, 0x23F3),
    (0x25FD, 0x25FE),
    (0x2614, 0x2615),
    (0x2648, 0x2653),
    (0x267F, 0x267F),
    (0x2693, 0x2693),
    (0x26A1, 0x26A1),
    (0x26AA, 0x26AB),
    (0x26BD, 0x26BE),
    (0x26C4, 0x26C5),
    (0x26CE, 0x26CE),
    (0x26D4, 0x26D4),
    (0x26EA, 0x26EA),
    (0x26F2, 0x26F5),
    (0x26FA, 0x26FD),
    (0x2705, 0x2705),
    (0x270A, 0x270B),
    (0x2728, 0x2728),
    (0x274C, 0x274E),
    (0x2753, 0x2757),
    (0x2795, 0x2797),
    (0x27B0, 0x27BF),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B55),
    (0x2E80, 0x303E),
    (0x3041, 0x3096),
    (0x3099, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xA000, 0xA4CF),
    (0xA960, 0xA97F),
    (0xAC00, 0xD7A3),
    (0xF900, 0xFAFF),
    (0xFE10, 0xFE19),
    (0xFE30, 0xFE6F),
    (0xFF00, 0xFF60),
    (0xFFE0, 0xFFE6),
    (0x16FE0, 0x18CFF),
    (0x1B000, 0x1B2FF),
    (0x1F004, 0x1F004),
    (0x1F0CF, 0x1F0CF),
    (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A),
    (0x1F200, 0x1F251),
    (0x1F300, 0x1F64F),
    (0x1F680, 0x1F6FF),
    (0x1F7E0, 0x1F7EB),
    (0x1F90C, 0x1F9FF),
    (0x1FA70, 0x1FAFF),
    (0x20000, 0x3FFFD),
];

/// Characters that take no column of their own: combining marks, zero-width spaces and
/// joiners, variation selectors, and control characters.
const ZERO: &[(u32, u32)] = &[
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0300, 0x036F),
    (0x0483, 0x0489),
    (0x0591, 0x05BD),
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0E31, 0x0E31),
    (0x0E34, 0x0E3A),
    (0x0E47, 0x0E4E),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x20D0, 0x20FF),
    (0x302A, 0x302F),
    (0x3099, 0x309A),
    (0xFE00, 0xFE0F),
    (0xFE20, 0xFE2F),
    (0xFEFF, 0xFEFF),
    (0xE0100, 0xE01EF),
];

fn in_ranges(c: u32, ranges: &[(u32, u32)]) -> bool {
    ranges
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Columns one character takes in a terminal: 0, 1 or 2.
pub(crate) fn char_width(c: char) -> usize {
    let c = c as u32;
    if (0x20..0x7F).contains(&c) {
        1
    } else if in_ranges(c, ZERO) {
        0
    } else if in_ranges(c, WIDE) {
        2
    } else {
        1
    }
}

/// `s` cut to at most `max` columns.
pub(crate) fn cut(s: &str, max: usize) -> String {
    let mut w = 0;
    s.chars()
        .take_while(|c| {
            w += char_width(*c);
            w <= max
        })
        .collect()
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
        let title = cut(&c.title, 40);
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

    /// The compact table agrees with the full Unicode width data on everything readycheck
    /// writes: ASCII and Latin, CJK ideographs and punctuation, kana, Hangul, fullwidth forms,
    /// the status symbols, bar and spinner characters (not on every emoji: see `WIDE`).
    #[test]
    fn widths_agree_with_unicode_on_the_text_readycheck_prints() {
        let ranges = [
            (0x20, 0x7E),
            (0xA0, 0x24F),
            (0x300, 0x36F),
            (0x2010, 0x2027),
            (0x2190, 0x21FF),
            (0x2500, 0x259F),
            (0x2610, 0x2620),
            (0x2700, 0x2718),
            (0x2800, 0x28FF),
            (0x3000, 0x303E),
            (0x3041, 0x30FF),
            (0x4E00, 0x9FFF),
            (0xAC00, 0xD7A3),
            (0xFE10, 0xFE19),
            (0xFF01, 0xFF60),
        ];
        let mut wrong = Vec::new();
        for (lo, hi) in ranges {
            for c in (lo..=hi).filter_map(char::from_u32) {
                let want = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
                if char_width(c) != want {
                    wrong.push(format!("U+{:04X} {c} {} ≠ {want}", c as u32, char_width(c)));
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(width("磁盘剩余空间（disk）"), 12 + 2 + 4 + 2);
        assert_eq!(cut("未就绪 — ok", 5), "未就");
    }

    #[test]
    fn the_tables_are_sorted_and_disjoint() {
        for t in [WIDE, ZERO] {
            for w in t.windows(2) {
                assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{:X?}", w);
            }
        }
    }
}
