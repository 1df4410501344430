//! The one XML escaper, for every XML readycheck writes (the JUnit report, the Windows task
//! definition and the macOS launch agent): text safe in element content and in attributes
//! quoted either way, less the characters XML 1.0 cannot carry at all.

/// Escapes `s` for XML content and attributes, dropping characters XML 1.0 forbids.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn markup_is_escaped_and_forbidden_characters_dropped() {
        assert_eq!(
            super::escape("C:\\Tools & Co <\"x\"> 'y'\u{1}\u{FFFF}\tz"),
            "C:\\Tools &amp; Co &lt;&quot;x&quot;&gt; &apos;y&apos;\tz"
        );
    }
}
