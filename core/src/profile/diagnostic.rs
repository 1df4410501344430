//! Errors in a user's file shown the way cargo shows them: the message, `--> file:line:col`,
//! the offending line with a caret under the span, and a help line with the fix.

use std::fmt::Write as _;
use std::ops::Range;

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

use crate::i18n::{Locale, render as tr_msg};

/// How bad a problem is: an error makes the profile unusable, a warning is worth fixing but
/// does not stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warning,
}

/// One problem found in a profile, with the byte span it is about (if any). The texts are
/// catalog messages, shown in the reader's language when rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: Msg,
    pub span: Option<Range<usize>>,
    pub help: Option<Msg>,
    pub level: Level,
    /// The field the problem is about, as a path into the profile: `profile.timeout`,
    /// `check[2].target` (checks counted from 0 in file order), `plugins.sha256.network`.
    pub field: Option<String>,
    /// A stable machine-readable code when the message's catalog id is too general (a
    /// parameter problem carries the schema's own code, `schema.missing`).
    pub code: Option<String>,
}

impl Diagnostic {
    pub fn new(message: Msg, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            message,
            span,
            help: None,
            level: Level::Error,
            field: None,
            code: None,
        }
    }
    pub fn help(mut self, help: Msg) -> Self {
        self.help = Some(help);
        self
    }
    /// Names the field the problem is about.
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
    /// Makes this a warning: reported, but the profile stays usable.
    pub fn warning(mut self) -> Self {
        self.level = Level::Warning;
        self
    }
    /// Whether this problem makes the profile unusable.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
    /// The stable code of the problem: the explicit one, else the message's catalog id.
    pub fn code(&self) -> &str {
        self.code.as_deref().unwrap_or(&self.message.id)
    }
    /// The message in `locale`.
    pub fn message_in(&self, locale: Locale) -> String {
        tr_msg(locale, &self.message)
    }
    /// The help line in `locale`, if any.
    pub fn help_in(&self, locale: Locale) -> Option<String> {
        self.help.as_ref().map(|h| tr_msg(locale, h))
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Most diagnostics shown; the rest are counted.
pub const MAX_SHOWN: usize = 50;
/// Longest message or help line shown, in characters; longer ones lose their middle.
pub const MAX_MESSAGE: usize = 300;
/// Characters of the offending line shown before and after the problem.
const CONTEXT: usize = 40;
/// Widest caret drawn.
const MAX_CARET: usize = 80;

/// `s` with its middle elided to at most `max` characters, made safe for a terminal.
fn bounded(s: &str, max: usize) -> String {
    let s = crate::sanitize::text(s);
    let n = s.chars().count();
    if n <= max {
        return s.into_owned();
    }
    let head: String = s.chars().take(max / 2).collect();
    let tail: String = s.chars().skip(n - max / 2).collect();
    format!("{head} … [{} characters] … {tail}", n - 2 * (max / 2))
}

/// Where each line of a text starts, to find a line and column without rescanning the text.
pub(super) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }
    /// 1-based line and column (in characters) of byte `offset`, and the line's text.
    pub(super) fn locate(&self, offset: usize) -> (usize, usize, &'a str) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let idx = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[idx];
        let end = self.starts.get(idx + 1).map_or(self.text.len(), |e| e - 1);
        let line = self.text[start..end].trim_end_matches('\r');
        let col = self.text[start..offset].chars().count() + 1;
        (idx + 1, col, line)
    }
}

/// Renders all diagnostics for `file_name` (whose contents are `text`) as plain text in
/// `locale`. Bounded whatever the input: at most [`MAX_SHOWN`] diagnostics, each message cut to
/// [`MAX_MESSAGE`] characters, the offending line shown as a window around the problem, and
/// every echoed byte made safe for a terminal.
pub fn render(file_name: &str, text: &str, diags: &[Diagnostic], locale: Locale) -> String {
    let mut out = String::new();
    let lines = Lines::new(text);
    let file_name = bounded(file_name, MAX_MESSAGE);
    for d in diags.iter().take(MAX_SHOWN) {
        let message = match d.level {
            Level::Error => crate::tr!(locale, "profile.error", message = d.message.clone()),
            Level::Warning => crate::tr!(locale, "profile.warning", message = d.message.clone()),
        };
        let _ = writeln!(out, "{}", bounded(&message, MAX_MESSAGE));
        if let Some(span) = &d.span {
            let (line, col, src_line) = lines.locate(span.start);
            let gutter = line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {file_name}:{line}:{col}");
            let start = floor_char_boundary(text, span.start.min(text.len()));
            let end = floor_char_boundary(text, span.end.max(span.start).min(text.len()));
            let on_line = text[start..end].split('\n').next().unwrap_or("");
            let width = on_line.chars().count().clamp(1, MAX_CARET);
            // A window of the line around the problem, so a long line stays readable.
            let skip = (col - 1).saturating_sub(CONTEXT);
            let shown: String = src_line
                .chars()
                .skip(skip)
                .take(CONTEXT + width + CONTEXT)
                .collect();
            let more = src_line.chars().count() > skip + CONTEXT + width + CONTEXT;
            let (lead, lead_w) = if skip > 0 { ("…", 1) } else { ("", 0) };
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(
                out,
                "{line} | {lead}{}{}",
                crate::sanitize::text(&shown),
                if more { "…" } else { "" }
            );
            let _ = writeln!(
                out,
                "{pad} | {}{}",
                " ".repeat(lead_w + col - 1 - skip),
                "^".repeat(width)
            );
        } else {
            let _ = writeln!(out, " --> {file_name}");
        }
        if let Some(help) = &d.help {
            let help = crate::tr!(locale, "profile.help", help = help.clone());
            let _ = writeln!(out, "  = {}", bounded(&help, MAX_MESSAGE));
        }
        out.push('\n');
    }
    if diags.len() > MAX_SHOWN {
        let _ = writeln!(out, "… ({} more)\n", diags.len() - MAX_SHOWN);
    }
    let summary = if diags.iter().any(Diagnostic::is_error) {
        crate::tr!(locale, "profile.summary", file = file_name, n = diags.len())
    } else {
        crate::tr!(
            locale,
            "profile.summary_warnings",
            file = file_name,
            n = diags.len()
        )
    };
    let _ = writeln!(out, "{summary}");
    out
}

/// "did you mean `x`?" for the closest of `candidates` to `word`, if any is close enough:
/// an edit distance (transpositions count once) of at most a third of the word, or a high
/// Jaro-Winkler similarity for longer words with a shared prefix.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<Msg> {
    // No key readycheck knows is long: a long word is no typo of one, and comparing it would
    // cost time in proportion to its length times theirs.
    if word.len() > 64 {
        return None;
    }
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, f64, &str)> = None;
    for c in candidates {
        let dist = strsim::damerau_levenshtein(word, c);
        let jw = strsim::jaro_winkler(word, c);
        if dist > limit && jw <= 0.85 {
            continue;
        }
        let better = match best {
            None => true,
            Some((bd, bj, _)) => dist < bd || (dist == bd && jw > bj),
        };
        if better {
            best = Some((dist, jw, c));
        }
    }
    best.map(|(_, _, c)| t!("profile.did_you_mean", word = c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let text = "a = 1\n名前 = \"x\"\n";
        let off = text.find('=').unwrap();
        assert_eq!(line_col(text, off), (1, 3));
        let off2 = text.rfind('=').unwrap();
        assert_eq!(line_col(text, off2), (2, 4));
    }

    #[test]
    fn far_columns_long_values_and_many_problems_stay_bounded() {
        // A problem past column 65,535 (a format width limit), in a 1 MB line.
        let long = "x".repeat(1_000_000);
        let text = format!("a = \"{long}\"\nbad\u{1b}[2J = 1\n");
        let far = 70_000;
        let d = Diagnostic::new(
            t!(
                "profile.unknown_key",
                key = long.as_str(),
                what = "[profile]"
            ),
            Some(far..far + 200_000),
        );
        let mut diags = vec![d; 100];
        diags.push(Diagnostic::new(
            t!("profile.unknown_key", key = "bad", what = "[profile]"),
            Some(text.find("bad").unwrap()..text.find(" = 1").unwrap()),
        ));
        let out = render("p.toml", &text, &diags, Locale::En);
        assert!(out.len() < 64 * 1024, "{} bytes", out.len());
        assert!(out.contains("--> p.toml:1:70001"), "{}", &out[..400]);
        assert!(out.contains("… (51 more)"), "the rest are counted");
        assert!(!out.contains('\u{1b}'));
        let caret = out.lines().find(|l| l.contains('^')).unwrap();
        let src = out.lines().find(|l| l.starts_with("1 | …")).unwrap();
        // "1 | …" and 40 characters of context before the problem; the caret under it.
        assert_eq!(
            caret.chars().position(|c| c == '^'),
            Some(4 + 1 + 40),
            "{caret}"
        );
        assert!(src.chars().count() < 200, "{src}");
    }

    #[test]
    fn caret_points_at_the_span() {
        let text = "[[check]]\ntagret = \"x\"\n";
        let start = text.find("tagret").unwrap();
        let d = Diagnostic::new(
            t!("profile.unknown_key", key = "tagret", what = "[[check]]"),
            Some(start..start + 6),
        )
        .help(t!("profile.did_you_mean", word = "target"));
        let out = render("p.toml", text, std::slice::from_ref(&d), Locale::En);
        assert!(out.contains("--> p.toml:2:1"), "{out}");
        assert!(out.contains("2 | tagret = \"x\""), "{out}");
        assert!(out.contains("  | ^^^^^^\n"), "{out}");
        assert!(out.contains("= help: did you mean `target`?"), "{out}");
        assert!(
            out.contains("p.toml: 1 problem found; nothing was run"),
            "{out}"
        );
        let zh = render("p.toml", text, &[d], Locale::ZhCn);
        assert!(zh.contains("错误：[[check]] 中有未知的键 `tagret`"), "{zh}");
        assert!(zh.contains("--> p.toml:2:1"), "{zh}");
        assert!(zh.contains("= 帮助：你是不是想写 `target`？"), "{zh}");
        assert!(zh.contains("发现 1 个问题"), "{zh}");
    }

    fn en(m: Option<Msg>) -> Option<String> {
        m.map(|m| tr_msg(Locale::En, &m))
    }

    #[test]
    fn suggestions_only_for_close_words() {
        assert_eq!(
            en(did_you_mean("tagret", ["target", "timeout"])).as_deref(),
            Some("did you mean `target`?")
        );
        assert_eq!(did_you_mean("zzz", ["target", "timeout"]), None);
        assert_eq!(
            en(did_you_mean("dsn", ["dns", "tcp"])).as_deref(),
            Some("did you mean `dns`?")
        );
        assert_eq!(
            en(did_you_mean("neds", ["name", "needs"])).as_deref(),
            Some("did you mean `needs`?")
        );
    }
}
