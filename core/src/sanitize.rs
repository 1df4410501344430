//! Text that reaches a person: a terminal, a ticket, a chat window or a spreadsheet. Anything
//! in a report may come from a hostile place — a profile, a plugin's output or observations, a
//! hostname, an environment value, a file name — so every renderer for a person passes its text
//! through here: terminal control characters (C0 but newline and tab, DEL, C1 — ESC, BEL, CSI,
//! OSC) and Unicode bidirectional overrides and isolates are made visible instead of acting;
//! spreadsheet cells that would start a formula are neutralised (OWASP's CSV injection advice);
//! Markdown keeps only http(s) and mailto links and never embeds a remote image.

use std::borrow::Cow;

use serde::{Serialize, de::DeserializeOwned};

/// Whether `c` would act on a terminal or reorder text rather than show as itself.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidirectional embeddings, overrides, isolates and marks (Trojan Source).
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Line and paragraph separators start a new line in some terminals.
        | '\u{2028}' | '\u{2029}')
}

/// What an unsafe character is shown as: C0 controls as their Unicode control picture
/// (ESC → ␛, BEL → ␇), DEL as ␡, anything else as U+FFFD.
fn visible(c: char) -> char {
    match c {
        '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
        '\u{7f}' => '\u{2421}',
        _ => '\u{fffd}',
    }
}

/// `s` with every unsafe character made visible; newlines and tabs are kept, a carriage return
/// is shown (␍) so that it cannot overwrite the start of a line.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| if is_unsafe(c) { visible(c) } else { c })
            .collect(),
    )
}

/// A copy of `value` (a report, a summary) in which every string — keys too — went through
/// [`text`]. Borrowed when nothing needed changing, which is the usual case.
pub fn deep<T: Serialize + DeserializeOwned + Clone>(value: &T) -> Cow<'_, T> {
    let Ok(mut v) = serde_json::to_value(value) else {
        return Cow::Borrowed(value);
    };
    if !clean_value(&mut v) {
        return Cow::Borrowed(value);
    }
    match serde_json::from_value(v) {
        Ok(t) => Cow::Owned(t),
        Err(_) => Cow::Borrowed(value),
    }
}

/// Cleans every string in `v`; true when something changed.
fn clean_value(v: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match v {
        Value::String(s) => match text(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(o) => {
                *s = o;
                true
            }
        },
        Value::Array(a) => a.iter_mut().fold(false, |acc, x| clean_value(x) | acc),
        Value::Object(m) => {
            let mut changed = false;
            let dirty: Vec<String> = m
                .keys()
                .filter(|k| matches!(text(k), Cow::Owned(_)))
                .cloned()
                .collect();
            for k in dirty {
                if let Some(x) = m.remove(&k) {
                    m.insert(text(&k).into_owned(), x);
                    changed = true;
                }
            }
            for x in m.values_mut() {
                changed |= clean_value(x);
            }
            changed
        }
        _ => false,
    }
}

/// A spreadsheet cell: safe text that no spreadsheet takes for a formula. A cell starting
/// with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` (OWASP), then
/// quoted as CSV (RFC 4180) when it holds a comma, quote or line break.
pub fn csv_cell(s: &str) -> String {
    let clean = text(s);
    let mut cell = String::with_capacity(clean.len() + 3);
    if clean.starts_with(['=', '+', '-', '@', '\t', '\r', '\u{240d}', '\u{2409}']) {
        cell.push('\'');
    }
    cell.push_str(&clean);
    if cell.contains([',', '"', '\n', '\r', ';']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}

/// Whether a Markdown link target may stay a link: http, https and mailto only.
fn allowed_target(target: &str) -> bool {
    let t = target.trim_start().to_ascii_lowercase();
    t.starts_with("http://") || t.starts_with("https://") || t.starts_with("mailto:")
}

/// Markdown text with links and images defused, after [`text`]: `![alt](src)` never embeds a
/// remote image (it becomes `alt (src)` as plain text), `[label](target)` stays a link only
/// for http(s) and mailto targets, autolinks `<…>` are escaped elsewhere (the Markdown
/// renderer escapes `<` and `>`). Link reference definitions are broken by escaping `[`.
pub fn markdown(s: &str) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let image = chars[i] == '!' && chars.get(i + 1) == Some(&'[');
        let start = if image { i + 1 } else { i };
        if chars[start] == '['
            && let Some((label, target, end)) = link_at(&chars, start)
        {
            if image || !allowed_target(&target) {
                // Shown, not followed or loaded.
                out.push_str(&escape_brackets(&label));
                out.push_str(" \\(");
                out.push_str(&escape_brackets(&target));
                out.push_str("\\)");
            } else {
                out.push('[');
                out.push_str(&escape_brackets(&label));
                out.push_str("](");
                out.push_str(&target.replace([' ', ')'], ""));
                out.push(')');
            }
            i = end;
            continue;
        }
        match chars[i] {
            '[' | ']' => {
                out.push('\\');
                out.push(chars[i]);
            }
            '!' if chars.get(i + 1) == Some(&'[') => out.push_str("\\!"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn escape_brackets(s: &str) -> String {
    s.replace('[', "\\[")
        .replace(']', "\\]")
        .replace('(', "\\(")
        .replace(')', "\\)")
}

/// `[label](target)` starting at `chars[start] == '['`: label, target and the index after it.
fn link_at(chars: &[char], start: usize) -> Option<(String, String, usize)> {
    let mut depth = 0usize;
    let mut j = start;
    let close = loop {
        match chars.get(j)? {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            '\n' => return None,
            _ => {}
        }
        j += 1;
    };
    if chars.get(close + 1) != Some(&'(') {
        return None;
    }
    let mut k = close + 2;
    let mut paren = 1usize;
    while let Some(c) = chars.get(k) {
        match c {
            '(' => paren += 1,
            ')' => {
                paren -= 1;
                if paren == 0 {
                    let label: String = chars[start + 1..close].iter().collect();
                    let target: String = chars[close + 2..k].iter().collect();
                    return Some((label, target, k + 1));
                }
            }
            '\n' => return None,
            _ => {}
        }
        k += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_made_visible() {
        let hostile = "a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\u{9b}31md\u{202e}txt.exe\r\x00e\x7f";
        let t = text(hostile);
        assert!(!t.chars().any(is_unsafe), "{t:?}");
        assert!(t.contains('␛') && t.contains('␇') && t.contains('␍'), "{t}");
        assert_eq!(text("plain\ttext\n 中文"), "plain\ttext\n 中文");
        assert!(matches!(text("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn formula_cells_are_neutralised() {
        for f in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            let c = csv_cell(f);
            let inner = c.trim_start_matches('"');
            assert!(inner.starts_with('\''), "{f:?} → {c:?}");
        }
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("ok"), "ok");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn markdown_keeps_only_web_and_mail_links_and_no_images() {
        let m = markdown("see [docs](https://example.invalid/x) or [run](javascript:alert(1))");
        assert!(m.contains("[docs](https://example.invalid/x)"), "{m}");
        assert!(!m.contains("](javascript"), "{m}");
        let m = markdown("![pixel](https://tracker.invalid/p.png)");
        assert!(!m.contains("!["), "{m}");
        assert!(!m.contains("](https"), "{m}");
        let m = markdown("[mail](mailto:help@corp.example) [f](file:///etc/passwd)");
        assert!(m.contains("[mail](mailto:help@corp.example)"), "{m}");
        assert!(!m.contains("](file:"), "{m}");
        let m = markdown("[ref]: https://x.invalid");
        assert!(m.starts_with("\\[ref\\]"), "{m}");
    }
}
