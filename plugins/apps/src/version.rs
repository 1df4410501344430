//! Real-world version numbers, compared. Versions seen in the field are rarely semver —
//! `7.0.12.0345`, `v20.20.2`, `OpenSSH_9.2p1`, `2.6.14-0+deb12u2`, `1.2.3-beta.1`,
//! `10.0.19045.3803` — so a normalising step runs before the lenient `versions` crate compares.
//!
//! The rules:
//! - The version is the first run that starts with a digit in the text a tool printed
//!   ("OpenSSH_9.2p1, OpenSSL 3.0" → "9.2p1"); a leading `v`/`V` is ignored.
//! - A `pN` suffix (OpenSSH portable) is patch level N *after* the bare version:
//!   `9.2p1` > `9.2`, `9.2p1` < `9.3`.
//! - Leading zeros do not count: `7.0.12.0345` = `7.0.12.345`.
//! - Missing parts are zero: `13` = `13.0.0`.
//! - A pre-release (`-alpha`, `-beta.1`, `-rc2`) sorts before its release: `1.2.3-beta.1` < `1.2.3`.
//! - Debian versions from dpkg sources follow dpkg's own rules: epoch first (`1:2.0` > `3.0`),
//!   then the upstream part, then the Debian revision (`2.6.14-0+deb12u2` > `2.6.14-0+deb12u1`).
//!   Elsewhere a `-N+debNNuN` package revision is not part of the version, nor is a Debian
//!   repack marker (`1.34+dfsg` = `1.34`, likewise `+ds`, `+repack`).

use std::cmp::Ordering;

use versions::Versioning;

/// The version-looking part of a tool's output, or `None`.
pub fn extract(text: &str) -> Option<String> {
    let re = regex::Regex::new(
        r"(?:^|[^0-9A-Za-z.])[vV]?(\d+(?:\.\d+)+(?:p\d+)?(?:-(?:alpha|beta|rc|pre|dev)[.0-9]*)?)",
    )
    .ok()?;
    if let Some(c) = re.captures(text) {
        return Some(c[1].to_string());
    }
    let single = regex::Regex::new(r"(?:^|[^0-9A-Za-z.])[vV]?(\d+)(?:[^0-9.]|$)").ok()?;
    single.captures(text).map(|c| c[1].to_string())
}

/// The comparable form of a version (see the module rules).
pub fn normalize(v: &str) -> String {
    let v = v.trim().trim_start_matches(['v', 'V']);
    // Drop a Debian/RPM package revision when it is clearly one ("-0+deb12u2", "-1ubuntu3").
    let rev = regex::Regex::new(
        r"^(\d+(?:\.\d+)*(?:p\d+)?(?:\+(?:dfsg|ds|repack)[0-9A-Za-z.]*)?)-\d[0-9A-Za-z.+~]*$",
    )
    .expect("regex");
    let v = match rev.captures(v) {
        Some(c) => c[1].to_string(),
        None => v.to_string(),
    };
    // Debian repack markers are not part of the upstream version.
    let repack = regex::Regex::new(r"\+(?:dfsg|ds|repack)[0-9A-Za-z.]*$").expect("regex");
    let v = repack.replace(&v, "").into_owned();
    // "9.2p1" → "9.2.0.1"-like: patch level after the bare version.
    let p = regex::Regex::new(r"^(\d+(?:\.\d+)*)p(\d+)$").expect("regex");
    let v = match p.captures(&v) {
        Some(c) => {
            let base: Vec<&str> = c[1].split('.').collect();
            let mut parts: Vec<String> = base.iter().map(|s| s.to_string()).collect();
            while parts.len() < 3 {
                parts.push("0".into());
            }
            parts.push(c[2].to_string());
            parts.join(".")
        }
        None => v,
    };
    // Leading zeros: "0345" → "345".
    v.split('.')
        .map(|part| {
            if part.chars().all(|c| c.is_ascii_digit()) {
                let t = part.trim_start_matches('0');
                if t.is_empty() {
                    "0".to_string()
                } else {
                    t.to_string()
                }
            } else {
                part.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn numeric_parts(v: &str) -> Option<Vec<u64>> {
    v.split('.').map(|p| p.parse().ok()).collect()
}

/// Compares two versions by the rules above.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (na, nb) = (normalize(a), normalize(b));
    // Purely numeric: pad with zeros and compare part by part (any number of parts).
    if let (Some(x), Some(y)) = (numeric_parts(&na), numeric_parts(&nb)) {
        let n = x.len().max(y.len());
        for i in 0..n {
            match x.get(i).unwrap_or(&0).cmp(y.get(i).unwrap_or(&0)) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        return Ordering::Equal;
    }
    match (Versioning::new(&na), Versioning::new(&nb)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => na.cmp(&nb),
    }
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
            let (x, y): (u64, u64) = (a[..ad].parse().unwrap_or(0), b[..bd].parse().unwrap_or(0));
            match x.cmp(&y) {
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
                "9.2p1",
            ),
            ("git version 2.39.5", "2.39.5"),
            ("gcc (Debian 12.2.0-14+deb12u1) 12.2.0", "12.2.0"),
            (
                "GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)",
                "5.2.15",
            ),
            (
                "This is perl 5, version 36, subversion 0 (v5.36.0) built for x86_64",
                "5.36.0",
            ),
            ("v20.20.2", "20.20.2"),
            ("FortiClient 7.0.12.0345", "7.0.12.0345"),
            ("tool 1.2.3-beta.1 (build x)", "1.2.3-beta.1"),
            (
                "Microsoft Windows [Version 10.0.19045.3803]",
                "10.0.19045.3803",
            ),
            ("zoom 6", "6"),
        ];
        for (text, want) in cases {
            assert_eq!(extract(text).as_deref(), Some(want), "{text}");
        }
        assert_eq!(extract("no digits here"), None);
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
            ("10.0.19045.3803", "10.0.19045", Greater),
            ("10.0.19045.3803", "10.0.22621.1", Less),
            ("13", "13.0.0", Equal),
            ("2.6.14-0+deb12u2", "2.6.14", Equal),
            ("2.6.14-0+deb12u2", "2.6.15", Less),
            ("1.34+dfsg", "1.34", Equal),
            ("1.34+dfsg-1.2+deb12u1", "1.34", Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
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
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_debian(a, b), want, "{a} vs {b}");
        }
    }
}
