//! A compact plain-text block for a messenger: at most 15 lines — the verdict, the failing
//! checks with one-line causes, and the report id.

use super::text::{symbol, verdict_word};
use crate::report::{Report, Status};
use crate::tr;

/// Most lines a chat block has.
pub const MAX_LINES: usize = 15;

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max - 1).collect::<String>())
    }
}

pub fn render(r: &Report) -> String {
    let l = r.locale();
    let verdict = verdict_word(r);
    let mut lines = vec![format!(
        "readycheck {verdict} · {} · {}",
        one_line(&r.profile.name, 40),
        one_line(&r.host.hostname, 30)
    )];
    let n = &r.counts;
    lines.push(tr!(
        l,
        "chat.counts",
        pass = n.pass,
        warn = n.warn,
        fail = n.fail,
        skip = n.skip,
        error = n.error
    ));
    if let Some(lead) = super::lead(r)
        && lead.whose.is_some()
    {
        lines.push(one_line(lead.headline, 200));
        lines.push(one_line(
            &tr!(l, "report.what_to_do", fix = lead.advice),
            200,
        ));
    }
    // Root causes first, then the remaining failures and warnings.
    let mut bad: Vec<_> = r
        .root_causes
        .iter()
        .filter_map(|id| r.checks.iter().find(|c| &c.id == id))
        .collect();
    for c in &r.checks {
        if matches!(c.status, Status::Fail | Status::Error | Status::Warn)
            && !bad.iter().any(|b| b.id == c.id)
        {
            bad.push(c);
        }
    }
    let room = MAX_LINES - lines.len() - 1;
    for (i, c) in bad.iter().enumerate() {
        if i + 1 == room && bad.len() > room {
            lines.push(tr!(l, "chat.more", n = bad.len() - i));
            break;
        }
        let because = match &c.explained_by {
            Some(root) => format!(" {}", tr!(l, "report.caused_by", id = root)),
            None => String::new(),
        };
        lines.push(format!(
            "{} {}: {}{because}",
            symbol(c.status),
            one_line(&c.id, 24),
            one_line(&c.summary, 110)
        ));
    }
    lines.push(tr!(l, "chat.report", id = &r.id));
    let mut s = lines.join("\n");
    s.push('\n');
    crate::sanitize::text(&s).into_owned()
}
