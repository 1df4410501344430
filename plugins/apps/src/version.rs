//! Real-world version numbers, read and compared the way their vendors mean them. Versions seen
//! in the field are rarely semver — `7.0.12.0345`, `OpenSSH_9.2p1`, `1.1.1w`, `1.8.0_381`,
//! `8u381`, `M7.6.8R2`, `5.17.5 (31030)`, `go1.19.8`, `6.9.11-60`, `2.6.14-0+deb12u2` — so each
//! is split into tokens before comparing.
//!
//! Reading a version from a tool's output ([`extract_with_line`]):
//! - Architectures (`x86_64`, `amd64`, `aarch64`), bitness (`64-bit`), ISO dates and copyright
//!   years are never the version.
//! - A number right after the word "version" (`版本`, `Version:`) or the program's own name
//!   (`git version 2.39.5`, `go1.19.8`, `OpenSSH_9.2p1`) is preferred; then the first dotted
//!   number; a lone number only next to the word "version" or the program's name.
//! - A `-N` after a dotted version is the tool's patch level (ImageMagick `6.9.11-60`), unless
//!   a Debian revision follows (`12.2.0-14+deb12u1` → `12.2.0`); a build in brackets after a
//!   space belongs to the version (`5.17.5 (31030)`).
//!
//! Comparing ([`compare`]):
//! - Numbers compare as numbers (`0345` = `345`); missing parts are zero (`13` = `13.0.0`);
//!   `.`, `_`, `-`, `+`, spaces and brackets separate parts.
//! - A pre-release sorts before its release: `alpha`/`a1`, `beta`/`b1`, `pre`/`preview`, `rc`,
//!   `dev`, `ea`, `snapshot`, and Debian's `~` (`1.2.3-rc1` < `1.2.3`, `3.12.0a1` < `3.12.0b1`).
//! - A letter suffix or post-release marker sorts after the bare version and before the next
//!   number: OpenSSL `1.1.1k` < `1.1.1w` < `1.1.2`, OpenSSH `9.2p1` < `9.2p2` < `9.3`, Sangfor
//!   `7.6.8R1` < `7.6.8R2` < `7.6.9`, `3.3` < `3.3a`.
//! - `final`, `release`, `ga`, `stable` add nothing (`1.0-final` = `1.0`).
//! - Java: `1.8.0_381` = `8u381` = `8.0.381` (update 381 of Java 8); a `-b09` build follows.
//! - A leading vendor marker is not part of the number (`v20.20.2`, `V7.63`, `M7.6.8R2`).
//!
//! Versions read from package managers ([`package_upstream`], [`compare_debian`]):
//! - A constraint written in Debian form (epoch `1:` or revision `-2`) is compared by dpkg's
//!   own rules (epoch, upstream, revision; `~` sorts before everything).
//! - Otherwise the package's upstream version is compared by the rules above, without the epoch
//!   and revision, with Debian's `+really` taken at its word (`2.0+really1.9` is 1.9), and without
//!   repack markers (`+dfsg`, `+ds`, `~repack`, `+repack`, `~dfsg`).

use std::cmp::Ordering;

use regex::Regex;

/// One token of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Num(u64),
    /// Pre-release, with its rank (dev < alpha < beta < pre < rc).
    Pre(u8),
    /// Letter suffix or post-release marker (lower case).
    Post(String),
}

fn pre_rank(word: &str, followed_by_digit: bool) -> Option<u8> {
    Some(match word {
        "dev" | "snapshot" | "nightly" => 0,
        "alpha" => 1,
        "a" if followed_by_digit => 1,
        "beta" => 2,
        "b" if followed_by_digit => 2,
        "ea" | "pre" | "preview" => 3,
        "rc" | "cr" => 4,
        _ => return None,
    })
}

/// Java's own forms: `1.8.0_381` and `8u381` are update 381 of Java 8.
fn java_form(v: &str) -> Option<String> {
    static RES: std::sync::OnceLock<(Regex, Regex)> = std::sync::OnceLock::new();
    let (old, short) = RES.get_or_init(|| {
        (
            Regex::new(r"^1\.([1-8])\.0_(\d+)(?:-b(\d+))?$").expect("regex"),
            Regex::new(r"^([1-9]\d?)u(\d+)(?:-b(\d+))?$").expect("regex"),
        )
    });
    let c = old.captures(v).or_else(|| short.captures(v))?;
    let mut s = format!("{}.0.{}", &c[1], &c[2]);
    if let Some(b) = c.get(3) {
        s.push('.');
        s.push_str(b.as_str());
    }
    Some(s)
}

fn tokens(v: &str) -> Vec<Tok> {
    let v = v.trim();
    let v = java_form(v).unwrap_or_else(|| v.to_string());
    // A leading vendor marker glued to the number: v20, V7.63, M7.6.8R2, go1.19.8.
    let start = v.find(|c: char| c.is_ascii_digit()).unwrap_or(v.len());
    let prefix = &v[..start];
    let v = if prefix.chars().all(|c| c.is_ascii_alphabetic()) && prefix.len() <= 3 {
        &v[start..]
    } else {
        v.as_str()
    };
    let chars: Vec<char> = v.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let j = (i..chars.len())
                .find(|&j| !chars[j].is_ascii_digit())
                .unwrap_or(chars.len());
            let digits: String = chars[i..j].iter().collect();
            // Very long numbers (dates, hashes) saturate rather than fail.
            out.push(Tok::Num(digits.parse().unwrap_or(u64::MAX)));
            i = j;
        } else if c.is_alphabetic() {
            let j = (i..chars.len())
                .find(|&j| !chars[j].is_alphabetic())
                .unwrap_or(chars.len());
            let word: String = chars[i..j].iter().collect::<String>().to_lowercase();
            let digit_next = chars.get(j).is_some_and(|c| c.is_ascii_digit())
                || (chars.get(j) == Some(&'.')
                    && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit()));
            match word.as_str() {
                "final" | "release" | "ga" | "stable" | "build" => {}
                w => match pre_rank(w, digit_next) {
                    Some(rank) => out.push(Tok::Pre(rank)),
                    None => out.push(Tok::Post(word.clone())),
                },
            }
            i = j;
        } else if c == '~' {
            out.push(Tok::Pre(0));
            i += 1;
        } else {
            i += 1;
        }
    }
    out
}

fn cmp_tokens(a: &[Tok], b: &[Tok]) -> Ordering {
    // Rank of a token against another kind: Pre < missing = 0 < Post < Num(n ≥ 1).
    fn class(t: Option<&Tok>) -> (u8, u64) {
        match t {
            Some(Tok::Pre(_)) => (0, 0),
            None | Some(Tok::Num(0)) => (1, 0),
            Some(Tok::Post(_)) => (2, 0),
            Some(Tok::Num(n)) => (3, *n),
        }
    }
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        let o = match (x, y) {
            (Some(Tok::Num(p)), Some(Tok::Num(q))) => p.cmp(q),
            (Some(Tok::Pre(p)), Some(Tok::Pre(q))) => p.cmp(q),
            (Some(Tok::Post(p)), Some(Tok::Post(q))) => p.cmp(q),
            _ => class(x).cmp(&class(y)),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// The comparable form of a version: its tokens, written out (`8u381` → `8.0.381`,
/// `7.6.8R2` → `7.6.8.r.2`, `1.2.3-rc1` → `1.2.3.~rc.1`). Equal versions have equal forms up to
/// trailing zeros, which are left out.
pub fn normalize(v: &str) -> String {
    let mut t = tokens(v);
    while t.len() > 1 && t.last() == Some(&Tok::Num(0)) {
        t.pop();
    }
    t.iter()
        .map(|t| match t {
            Tok::Num(n) => n.to_string(),
            Tok::Pre(r) => ["~dev", "~alpha", "~beta", "~pre", "~rc"][usize::from(*r)].to_string(),
            Tok::Post(w) => w.clone(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Compares two versions by the rules above.
pub fn compare(a: &str, b: &str) -> Ordering {
    cmp_tokens(&tokens(a), &tokens(b))
}

/// The upstream version of a package manager's version, for comparing with a plain one: no
/// epoch, no revision, `+really` taken at its word, no repack markers.
pub fn package_upstream(v: &str) -> String {
    static RES: std::sync::OnceLock<(Regex, Regex)> = std::sync::OnceLock::new();
    let (really, repack) = RES.get_or_init(|| {
        (
            Regex::new(r"^.*\+really").expect("regex"),
            Regex::new(r"(?i)[+~.](?:dfsg|ds|repack|really)[0-9.]*").expect("regex"),
        )
    });
    let v = v.trim();
    let v = v
        .split_once(':')
        .filter(|(e, _)| e.chars().all(|c| c.is_ascii_digit()))
        .map_or(v, |(_, r)| r);
    let v = v.rsplit_once('-').map_or(v, |(u, _)| u);
    let v = really.replace(v, "");
    repack.replace_all(&v, "").into_owned()
}

/// Whether a constraint is written in Debian/RPM form (an epoch or a revision).
pub fn is_package_form(constraint: &str) -> bool {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\d+:|-[0-9][0-9A-Za-z.+~]*$").expect("regex"))
        .is_match(constraint.trim())
}

const ARCH_WORDS: &str = r"(?i)\b(?:x86[_-]64|amd64|i[3-6]86|aarch64|arm64|armv\d\w*|armhf|armel|ppc64le|ppc64|s390x|riscv64|mips\w*|win32|win64|x64|x86|\d+-bit|\d+ ?位)\b";

/// A candidate version in a tool's output.
#[derive(Debug)]
struct Candidate {
    at: usize,
    text: String,
    dotted: bool,
    near_name: bool,
}

/// The version in a tool's output, and the line it came from; `program` is the tool's name
/// (its number is preferred, e.g. `OpenSSL 3.0.17` for `openssl`).
pub fn extract_with_line(text: &str, program: &str) -> Option<(String, String)> {
    static RES: std::sync::OnceLock<(Regex, Regex, Regex)> = std::sync::OnceLock::new();
    let (noise, cand, keyword) = RES.get_or_init(|| {
        (
            Regex::new(&format!(
                r"{ARCH_WORDS}|\b(?:19|20)\d\d-\d\d-\d\d\b|(?i)(?:copyright|\(c\)|©)[\s:()c©]*\d{{4}}(?:\s*[-–,]\s*\d{{4}})*"
            ))
            .expect("regex"),
            Regex::new(
                r"(?i)^\d+(?:[._]\d+)*(?:[a-z]{1,2}\d*)?(?:[-.+]?(?:alpha|beta|rc|pre|preview|dev|ea)\.?\d*)?(?:[-+_]\d+)?(?:[a-z]\d+)?(?: \(\d+\))?",
            )
            .expect("regex"),
            Regex::new(r"(?i)(?:version|ver\.?|版本|release)[\s:=]*[v]?\W{0,2}$").expect("regex"),
        )
    });
    // Blank out what is never the version, keeping offsets.
    let mut clean = text.to_string();
    for m in noise.find_iter(text) {
        clean.replace_range(m.range(), &" ".repeat(m.len()));
    }
    let name = program
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(program)
        .trim_end_matches(".exe")
        .to_lowercase();
    let mut cands = Vec::new();
    // A candidate at the start of every run of digits (so "iproute2-6.1.0" offers "6.1.0").
    let bytes = clean.as_bytes();
    let starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_digit()))
        .collect();
    for start in starts {
        let Some(found) = cand.find(&clean[start..]) else {
            continue;
        };
        let m = start..start + found.end();
        let before = &clean[..m.start];
        let prev = before.chars().next_back();
        let mut s = clean[m.clone()].to_string();
        let dotted = s.contains(['.', '_']) || s.contains('u') || s.contains('(');
        // The start must be a boundary, or a short vendor/program marker glued to a dotted
        // version (go1.19.8, v1.2, OpenSSH_9.2p1).
        let glued_word: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let boundary = match prev {
            None => true,
            Some(c) if c.is_ascii_digit() || c == '.' => false,
            Some(c) if c.is_alphanumeric() => {
                dotted
                    && (glued_word.len() <= 2
                        || (!name.is_empty() && glued_word.to_lowercase().ends_with(&name)))
            }
            Some(_) => true,
        };
        if !boundary {
            continue;
        }
        // A `-N` revision directly followed by `+…` or a letter is a Debian package revision.
        let next = clean[m.end..].chars().next();
        if next.is_some_and(|c| c == '+' || c == '~' || c.is_alphabetic())
            && let Some(dash) = s.rfind('-')
            && s[dash + 1..].chars().all(|c| c.is_ascii_digit())
        {
            s.truncate(dash);
        }
        // A number glued to a following letter run that is not a version marker ("5th", "3D").
        if next.is_some_and(|c| c.is_alphabetic()) && !dotted {
            continue;
        }
        let lower_before = before.to_lowercase();
        let tail: String = lower_before
            .trim_end_matches(|c: char| c.is_whitespace() || "v:=\"'([_-/".contains(c))
            .to_string();
        let near_name = keyword.is_match(before)
            || (!name.is_empty() && (tail.ends_with(&name) || glued_word.to_lowercase() == name));
        cands.push(Candidate {
            at: m.start,
            text: s,
            dotted,
            near_name,
        });
    }
    let pick = cands
        .iter()
        .find(|c| c.dotted && c.near_name)
        .or_else(|| cands.iter().find(|c| c.dotted))
        .or_else(|| cands.iter().find(|c| c.near_name))?;
    let line_start = text[..pick.at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pick.at..]
        .find('\n')
        .map_or(text.len(), |i| pick.at + i);
    Some((
        pick.text.trim().to_string(),
        text[line_start..line_end].trim().to_string(),
    ))
}

/// dpkg's version comparison (epoch, upstream, revision; `~` sorts before everything).
pub fn compare_debian(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
            _ => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((up, rev)) => (epoch, up, rev),
            None => (epoch, rest, ""),
        }
    }
    fn order(c: Option<char>) -> i32 {
        match c {
            None => 0,
            Some('~') => -1,
            Some(c) if c.is_ascii_alphabetic() => c as i32,
            Some(c) => c as i32 + 256,
        }
    }
    fn part(a: &str, b: &str) -> Ordering {
        let (mut a, mut b) = (a, b);
        while !a.is_empty() || !b.is_empty() {
            // Non-digit prefix, compared with dpkg's character order.
            let (an, bn) = (
                a.find(|c: char| c.is_ascii_digit()).unwrap_or(a.len()),
                b.find(|c: char| c.is_ascii_digit()).unwrap_or(b.len()),
            );
            let (mut ca, mut cb) = (a[..an].chars(), b[..bn].chars());
            loop {
                let (x, y) = (ca.next(), cb.next());
                if x.is_none() && y.is_none() {
                    break;
                }
                match order(x).cmp(&order(y)) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            a = &a[an..];
            b = &b[bn..];
            let (ad, bd) = (
                a.find(|c: char| !c.is_ascii_digit()).unwrap_or(a.len()),
                b.find(|c: char| !c.is_ascii_digit()).unwrap_or(b.len()),
            );
            // Compare digit runs as numbers of any length: strip zeros, then length, then text.
            let (x, y) = (
                a[..ad].trim_start_matches('0'),
                b[..bd].trim_start_matches('0'),
            );
            match x.len().cmp(&y.len()).then_with(|| x.cmp(y)) {
                Ordering::Equal => {}
                o => return o,
            }
            a = &a[ad..];
            b = &b[bd..];
        }
        Ordering::Equal
    }
    let (ea, ua, ra) = split(a.trim());
    let (eb, ub, rb) = split(b.trim());
    ea.cmp(&eb)
        .then_with(|| part(ua, ub))
        .then_with(|| part(ra, rb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn extraction_from_tool_output() {
        let cases = [
            (
                "OpenSSH_9.2p1 Debian-2+deb12u7, OpenSSL 3.0.17 1 Jul 2025",
                "ssh",
                "9.2p1",
            ),
            (
                "OpenSSL 3.0.17 1 Jul 2025 (Library: OpenSSL 3.0.17 1 Jul 2025)",
                "openssl",
                "3.0.17",
            ),
            ("git version 2.39.5", "git", "2.39.5"),
            ("gcc (Debian 12.2.0-14+deb12u1) 12.2.0", "gcc", "12.2.0"),
            (
                "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)",
                "bash",
                "5.2.15",
            ),
            (
                "This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64-linux-gnu-thread-multi",
                "perl",
                "5.36.0",
            ),
            ("v20.20.2", "node", "20.20.2"),
            ("FortiClient 7.0.12.0345", "", "7.0.12.0345"),
            ("tool 1.2.3-beta.1 (build x)", "tool", "1.2.3-beta.1"),
            (
                "Microsoft Windows [Version 10.0.19045.3803]",
                "ver",
                "10.0.19045.3803",
            ),
            ("zoom 6", "zoom", "6"),
            ("go version go1.19.8 linux/amd64", "go", "1.19.8"),
            (
                "Version: ImageMagick 6.9.11-60 Q16 x86_64 2021-01-25 https://imagemagick.org\nCopyright: (C) 1999-2021 ImageMagick Studio LLC",
                "convert",
                "6.9.11-60",
            ),
            (
                "java version \"1.8.0_381\"\nJava(TM) SE Runtime Environment (build 1.8.0_381-b09)",
                "java",
                "1.8.0_381",
            ),
            (
                "openjdk version \"17.0.9\" 2023-10-17\nOpenJDK Runtime Environment (build 17.0.9+9-Debian-1deb12u1)",
                "java",
                "17.0.9",
            ),
            // Architecture and year first, the version later.
            ("x86_64 build, (c) 2023 Acme; acmevpn 4.2", "acmevpn", "4.2"),
            (
                "Copyright (C) 2022 Free Software Foundation, Inc.\nfoo 3.3a",
                "foo",
                "3.3a",
            ),
            ("Zoom 5.17.5 (31030)", "zoom", "5.17.5 (31030)"),
            ("EasyConnect M7.6.8R2", "easyconnect", "7.6.8R2"),
            ("Python 3.12.0a1", "python3", "3.12.0a1"),
            (
                "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.17",
                "curl",
                "7.88.1",
            ),
        ];
        for (text, program, want) in cases {
            let got = extract_with_line(text, program).map(|(v, _)| v);
            let got = got.map(|v| v.trim_start_matches(['v', 'V']).to_string());
            assert_eq!(got.as_deref(), Some(want), "{text}");
        }
        assert_eq!(extract_with_line("no digits here", ""), None);
        assert_eq!(extract_with_line("x86_64 (64-bit), 2023-11-14", ""), None);
        // The line the version came from is returned for the evidence.
        let (_, line) = extract_with_line("Usage: x\nfoo version 1.2.3\nmore", "foo").unwrap();
        assert_eq!(line, "foo version 1.2.3");
    }

    #[test]
    fn comparison_table() {
        let cases = [
            ("7.0.12.0345", "7.0.12.345", Equal),
            ("7.0.12.0345", "7.0.13", Less),
            ("v20.20.2", "20.20.2", Equal),
            ("v20.20.2", "20.9.0", Greater),
            ("9.2p1", "9.2", Greater),
            ("9.2p1", "9.3", Less),
            ("9.2p2", "9.2p10", Less),
            ("1.2.3-beta.1", "1.2.3", Less),
            ("1.2.3-beta.1", "1.2.3-beta.2", Less),
            ("1.2.3-rc1", "1.2.2", Greater),
            ("1.2.3-rc1", "1.2.3-beta.4", Greater),
            ("1.2.3rc1", "1.2.3", Less),
            ("10.0.19045.3803", "10.0.19045", Greater),
            ("10.0.19045.3803", "10.0.22621.1", Less),
            ("13", "13.0.0", Equal),
            // Letter suffixes: OpenSSL's letters are releases after the number.
            ("1.1.1k", "1.1.1w", Less),
            ("1.1.1w", "1.1.1", Greater),
            ("1.1.1w", "1.1.2", Less),
            ("3.3a", "3.3", Greater),
            ("3.3a", "3.3b", Less),
            ("3.12.0a1", "3.12.0b1", Less),
            ("3.12.0b1", "3.12.0", Less),
            // Java.
            ("1.8.0_381", "8u381", Equal),
            ("1.8.0_381", "1.8.0_392", Less),
            ("8u381", "8u72", Greater),
            ("1.8.0_381-b09", "1.8.0_381", Greater),
            ("17.0.9", "1.8.0_381", Greater),
            ("11.0.21+9", "11.0.21", Greater),
            // Vendor builds.
            ("7.6.8R2", "7.6.8", Greater),
            ("7.6.8R2", "7.6.8R10", Less),
            ("M7.6.8R2", "7.6.9", Less),
            ("M7.6.8R2", "7.6.8R2", Equal),
            ("5.17.5 (31030)", "5.17.5", Greater),
            ("5.17.5 (31030)", "5.17.10", Less),
            ("go1.19.8", "1.19.8", Equal),
            ("go1.19.8", "1.20", Less),
            // A tool's -N is its patch level.
            ("6.9.11-60", "6.9.11-7", Greater),
            ("6.9.11-60", "6.9.12", Less),
            ("1.0-final", "1.0", Equal),
            ("7.5.0-Release.5039101", "7.5.0", Greater),
            ("7.5.0-Release.5039101", "7.5.1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn package_versions() {
        let cases = [
            ("2.6.14-0+deb12u2", "2.6.14"),
            ("1.34+dfsg-1.2+deb12u1", "1.34"),
            ("1:9.2p1-2+deb12u7", "9.2p1"),
            ("2.0+really1.9-1", "1.9"),
            ("1:2.3.4+really2.2.1-3ubuntu1", "2.2.1"),
            ("4.5.1~repack-2", "4.5.1"),
            ("1.0~rc1-1", "1.0~rc1"),
            ("11.1.0.11719.XA", "11.1.0.11719.XA"),
        ];
        for (v, want) in cases {
            assert_eq!(package_upstream(v), want, "{v}");
        }
        assert_eq!(compare(&package_upstream("1.0~rc1-1"), "1.0"), Less);
        assert_eq!(compare(&package_upstream("2.0+really1.9-1"), "2.0"), Less);
        assert!(is_package_form("1:2.30-1") && is_package_form("2.30-1"));
        assert!(!is_package_form("2.30") && !is_package_form("1.2.3-rc1"));
    }

    #[test]
    fn debian_rules() {
        let cases = [
            ("1:2.0", "3.0", Greater),
            ("2.6.14-0+deb12u2", "2.6.14-0+deb12u1", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1:9.2p1-2+deb12u7", "1:9.2p1-2+deb12u3", Greater),
            ("2.39.5-0+deb12u2", "2.39.5-0+deb12u2", Equal),
            ("1.0a", "1.0", Greater),
            ("1.0-1", "1.0-1build1", Less),
            ("2.0+really1.9-1", "2.0-1", Greater),
            ("1.0-20240101000000000000", "1.0-20240101000000000001", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_debian(a, b), want, "{a} vs {b}");
        }
    }

    /// Version strings real Windows and macOS applications of this field print or store
    /// (registry DisplayVersion, Info.plist, About box), the version read from them, and how they
    /// order against the next release.
    #[test]
    fn field_applications() {
        // (application, printed by a tool (true) or stored in the registry / Info.plist and
        // read whole (false), the text, the version read, a later version)
        let table = [
            ("同花顺", true, "同花顺 版本 9.20.72", "9.20.72", "9.30.11"),
            (
                "同花顺 (registry)",
                false,
                "9.20.72.0",
                "9.20.72",
                "9.20.73",
            ),
            ("通达信", true, "通达信金融终端V7.63", "7.63", "7.642"),
            (
                "东方财富",
                true,
                "东方财富终端 V10.11.0.0",
                "10.11",
                "10.12",
            ),
            (
                "文华财经",
                true,
                "文华财经赢顺云行情交易 wh6 V6.8.268",
                "6.8.268",
                "6.8.300",
            ),
            ("博易大师", true, "博易大师 5.5.2.0", "5.5.2", "5.5.10"),
            (
                "FortiClient",
                true,
                "FortiClient 7.0.12.0345",
                "7.0.12.345",
                "7.2.4.0972",
            ),
            (
                "Sangfor EasyConnect",
                true,
                "EasyConnect M7.6.8R2",
                "7.6.8R2",
                "7.6.8R10",
            ),
            (
                "Sangfor EasyConnect (registry)",
                false,
                "7.6.7.200",
                "7.6.7.200",
                "7.6.8R1",
            ),
            (
                "Cisco AnyConnect",
                true,
                "Cisco AnyConnect Secure Mobility Client version 4.10.07073",
                "4.10.7073",
                "4.10.08025",
            ),
            (
                "Cisco Secure Client",
                false,
                "5.0.05040",
                "5.0.5040",
                "5.1.0.136",
            ),
            (
                "GlobalProtect",
                true,
                "GlobalProtect 6.1.3-6",
                "6.1.3.6",
                "6.1.3-12",
            ),
            (
                "WeCom 企业微信",
                false,
                "4.1.16.6007",
                "4.1.16.6007",
                "4.1.20",
            ),
            (
                "WeCom (macOS)",
                false,
                "4.1.16 (36012)",
                "4.1.16.36012",
                "4.1.17",
            ),
            (
                "DingTalk 钉钉",
                false,
                "7.5.0-Release.5039101",
                "7.5.0.5039101",
                "7.5.10",
            ),
            ("Feishu 飞书", true, "飞书 V7.9.7", "7.9.7", "7.10.2"),
            (
                "WPS Office",
                false,
                "12.1.0.16417",
                "12.1.0.16417",
                "12.1.0.17147",
            ),
            (
                "WPS (Linux)",
                false,
                "11.1.0.11719.XA",
                "11.1.0.11719.xa",
                "11.1.0.11720",
            ),
        ];
        for (app, printed, text, want, later) in table {
            let got = if printed {
                extract_with_line(text, "")
                    .map(|(v, _)| v)
                    .unwrap_or_default()
            } else {
                text.to_string()
            };
            assert_eq!(
                normalize(&got),
                normalize(want),
                "{app}: read {got} from {text}"
            );
            assert_eq!(compare(&got, want), Equal, "{app}: {got} = {want}");
            assert_eq!(compare(&got, later), Less, "{app}: {got} < {later}");
        }
    }
}
