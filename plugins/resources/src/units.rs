//! Human units in and out: "8 GiB", "500 MB", "1.5G", "15%" in profiles; "7.6 GiB" in messages.
//! Binary (KiB, MiB, GiB, TiB) and decimal (KB, MB, GB, TB) prefixes mean what they say; a bare
//! "G"/"M" is binary, as on most systems' tools.

use schemars::JsonSchema;
use serde::Deserialize;

/// A size as written in a profile: "8 GiB", "500 MB", or a number of bytes.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Size {
    /// A number of bytes.
    Bytes(u64),
    /// A size with a unit, e.g. "8 GiB", "500 MB".
    Text(String),
}

/// A threshold that may be a size or a percentage ("15%").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Amount {
    Bytes(u64),
    Percent(f64),
}

impl Size {
    /// Bytes, or a message saying what is wrong.
    pub fn bytes(&self) -> Result<u64, String> {
        match self {
            Size::Bytes(b) => Ok(*b),
            Size::Text(t) => match parse_amount(t)? {
                Amount::Bytes(b) => Ok(b),
                Amount::Percent(_) => Err(format!(
                    "`{t}` is a percentage; a size is needed here, like \"8 GiB\""
                )),
            },
        }
    }

    /// A size or a percentage.
    pub fn amount(&self) -> Result<Amount, String> {
        match self {
            Size::Bytes(b) => Ok(Amount::Bytes(*b)),
            Size::Text(t) => parse_amount(t),
        }
    }
}

/// Parses "8 GiB", "500MB", "1.5 G", "4096", "15%".
pub fn parse_amount(text: &str) -> Result<Amount, String> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        let v: f64 = p
            .trim()
            .parse()
            .map_err(|_| format!("`{text}` is not a percentage like \"15%\""))?;
        if !(0.0..=100.0).contains(&v) {
            return Err(format!("`{text}` is not between 0% and 100%"));
        }
        return Ok(Amount::Percent(v));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let value: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size like \"8 GiB\" or \"500 MB\""))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "kb" => 1e3,
        "m" | "mib" => 1024.0 * 1024.0,
        "mb" => 1e6,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "gb" => 1e9,
        "t" | "tib" => 1024.0_f64.powi(4),
        "tb" => 1e12,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ));
        }
    };
    Ok(Amount::Bytes((value * mult).round() as u64))
}

/// "7.6 GiB", "512 MiB", "900 B".
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{bytes} B")
    } else if v >= 100.0 {
        format!("{v:.0} {}", UNITS[i])
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_percentages_parse() {
        let cases: &[(&str, Amount)] = &[
            ("8 GiB", Amount::Bytes(8 << 30)),
            ("8GiB", Amount::Bytes(8 << 30)),
            ("500 MB", Amount::Bytes(500_000_000)),
            ("1.5G", Amount::Bytes(1_610_612_736)),
            ("4096", Amount::Bytes(4096)),
            ("2 tb", Amount::Bytes(2_000_000_000_000)),
            ("15%", Amount::Percent(15.0)),
            (" 7.5 % ", Amount::Percent(7.5)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_amount(text).as_ref(), Ok(want), "{text}");
        }
        for bad in ["", "GiB", "8 gigs", "150%", "-3 GB", "1.2.3 GB"] {
            assert!(parse_amount(bad).is_err(), "{bad} should not parse");
        }
        assert!(
            Size::Text("10%".into())
                .bytes()
                .unwrap_err()
                .contains("percentage")
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(900), "900 B");
        assert_eq!(human(8 << 30), "8.0 GiB");
        assert_eq!(human(512 << 20), "512 MiB");
        assert_eq!(human(1536), "1.5 KiB");
    }
}
