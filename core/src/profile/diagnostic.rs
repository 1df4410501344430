//! Errors in a user's file shown the way cargo shows them: the message, `--> file:line:col`,
//! the offending line with a caret under the span, and a help line with the fix.

use std::fmt::Write as _;
use std::ops::Range;

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

use crate::i18n::{Locale, render as tr_msg};

/// One problem found in a profile, with the byte span it is about (if any). The texts are
/// catalog messages, shown in the reader's language when rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub message: Msg,
    pub span: Option<Range<usize>>,
    pub help: Option<Msg>,
}

impl Diagnostic {
    pub fn new(message: Msg, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            message,
            span,
            help: None,
        }
    }
    pub fn help(mut self, help: Msg) -> Self {
        self.help = Some(help);
        self
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

/// Renders all diagnostics for `file_name` (whose contents are `text`) as plain text in
/// `locale`.
pub fn render(file_name: &str, text: &str, diags: &[Diagnostic], locale: Locale) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(
            out,
            "{}",
            crate::tr!(locale, "profile.error", message = d.message.clone())
        );
        if let Some(span) = &d.span {
            let (line, col) = line_col(text, span.start);
            let gutter = line.to_string().len();
            let _ = writeln!(out, "{:gutter$}--> {file_name}:{line}:{col}", "");
            let src_line = text.lines().nth(line - 1).unwrap_or("");
            let start = floor_char_boundary(text, span.start);
            let end = floor_char_boundary(text, span.end.max(span.start));
            let on_line = text[start..end].split('\n').next().unwrap_or("");
            let width = on_line.chars().count().max(1);
            let _ = writeln!(out, "{:gutter$} |", "");
            let _ = writeln!(out, "{line} | {src_line}");
            let _ = writeln!(
                out,
                "{:gutter$} | {:pad$}{}",
                "",
                "",
                "^".repeat(width),
                pad = col - 1
            );
        } else {
            let _ = writeln!(out, " --> {file_name}");
        }
        if let Some(help) = &d.help {
            let _ = writeln!(
                out,
                "  = {}",
                crate::tr!(locale, "profile.help", help = help.clone())
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{}",
        crate::tr!(locale, "profile.summary", file = file_name, n = diags.len())
    );
    out
}

/// "did you mean `x`?" for the closest of `candidates` to `word`, if any is close enough:
/// an edit distance (transpositions count once) of at most a third of the word, or a high
/// Jaro-Winkler similarity for longer words with a shared prefix.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<Msg> {
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
