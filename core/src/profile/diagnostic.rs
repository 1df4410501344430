//! Errors in a user's file shown the way cargo shows them: the message, `--> file:line:col`,
//! the offending line with a caret under the span, and a help line with the fix.

use std::fmt::Write as _;
use std::ops::Range;

/// One problem found in a profile, with the byte span it is about (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    pub span: Option<Range<usize>>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(message: impl Into<String>, span: Option<Range<usize>>) -> Self {
        Diagnostic {
            message: message.into(),
            span,
            help: None,
        }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
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

/// Renders all diagnostics for `file_name` (whose contents are `text`) as plain text.
pub fn render(file_name: &str, text: &str, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let _ = writeln!(out, "error: {}", d.message);
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
            let _ = writeln!(out, "  = help: {help}");
        }
        out.push('\n');
    }
    let n = diags.len();
    let _ = writeln!(
        out,
        "{file_name}: {n} {} found; nothing was run",
        if n == 1 { "problem" } else { "problems" }
    );
    out
}

/// "did you mean `x`?" for the closest of `candidates` to `word`, if any is close enough:
/// an edit distance (transpositions count once) of at most a third of the word, or a high
/// Jaro-Winkler similarity for longer words with a shared prefix.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
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
    best.map(|(_, _, c)| format!("did you mean `{c}`?"))
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
        let d = Diagnostic::new("unknown key `tagret`", Some(start..start + 6))
            .help("did you mean `target`?");
        let out = render("p.toml", text, &[d]);
        assert!(out.contains("--> p.toml:2:1"), "{out}");
        assert!(out.contains("2 | tagret = \"x\""), "{out}");
        assert!(out.contains("  | ^^^^^^\n"), "{out}");
        assert!(out.contains("= help: did you mean `target`?"), "{out}");
    }

    #[test]
    fn suggestions_only_for_close_words() {
        assert_eq!(
            did_you_mean("tagret", ["target", "timeout"]).as_deref(),
            Some("did you mean `target`?")
        );
        assert_eq!(did_you_mean("zzz", ["target", "timeout"]), None);
        assert_eq!(
            did_you_mean("dsn", ["dns", "tcp"]).as_deref(),
            Some("did you mean `dns`?")
        );
        assert_eq!(
            did_you_mean("neds", ["name", "needs"]).as_deref(),
            Some("did you mean `needs`?")
        );
    }
}
