//! Messages in the reader's language: locales, messages (a stable id plus typed arguments),
//! catalogs (`id = template` files, one per locale) and the renderer that formats arguments the
//! way each locale writes them. The host and the built-in plugins share it; a plugin renders its
//! own messages in every locale it ships, so a report can be re-read in another language
//! without the plugin.
//!
//! Catalog files are UTF-8 text, one message per line: `id = template`. Blank lines and lines
//! starting with `#` are ignored; the template starts right after `= ` (a second space is
//! kept) and `\n` in it is a line break. In a template `{name}`
//! is replaced by the argument `name` formatted for the locale (numbers, sizes, durations,
//! lists), `{name|one|other}` picks a word by whether the number `name` is 1 (English
//! plurals), and `{{` / `}}` are literal braces.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A language readycheck speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Locale {
    /// English, the fallback.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Locale {
    /// Every locale with a catalog.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::ZhCn];

    /// BCP 47 tag: `en`, `zh-CN`.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhCn => "zh-CN",
        }
    }

    /// Reads a tag or a POSIX locale name: `zh-CN`, `zh_CN.UTF-8`, `zh-Hans`, `zh`, `en_GB`,
    /// `C`. Any Chinese locale reads Simplified Chinese (the only Chinese catalog); `None` for
    /// anything else that is not English, so the caller can fall back.
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim();
        let base = s.split(['.', '@']).next().unwrap_or("");
        let lang = base
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match lang.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" | "c" | "posix" => Some(Locale::En),
            _ => None,
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// A message: a stable id in a catalog and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Msg {
    /// The catalog id, e.g. `tcp.refused`.
    pub id: String,
    /// The values the template refers to by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, Arg>,
}

/// One argument of a message. Its type decides how each locale writes it.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Arg {
    /// A whole number, written as is (ports, counts, years).
    Int(i64),
    /// A number, written with at most one decimal.
    Num(f64),
    /// Text taken as is: host names, paths, versions, output of other programs.
    Text(String),
    /// A list, joined the locale's way (`a, b` / `a、b`).
    List(Vec<String>),
    /// A size in bytes, written as KB/MB/GB/TB (powers of 1024).
    Bytes {
        /// The size.
        bytes: u64,
    },
    /// A duration in seconds, written in its largest sensible unit ("3 days", "3 天").
    Secs {
        /// The duration.
        secs: f64,
    },
    /// Milliseconds ("120 ms", "120 毫秒").
    Ms {
        /// The duration.
        ms: f64,
    },
    /// Another message, rendered in the same locale.
    Msg(Box<Msg>),
    /// Several messages, rendered and joined like a list.
    Msgs(Vec<Msg>),
}

// Read through a JSON value rather than serde's untagged machinery, which costs the host
// binary 20 KB; the shapes are the ones `Serialize` writes.
impl<'de> Deserialize<'de> for Arg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        let v = Value::deserialize(d)?;
        let bad = || D::Error::custom("not a message argument");
        Ok(match v {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Arg::Int(i),
                None => Arg::Num(n.as_f64().ok_or_else(bad)?),
            },
            Value::String(s) => Arg::Text(s),
            Value::Array(items) if items.iter().all(Value::is_string) => Arg::List(
                items
                    .into_iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            Value::Array(items) => Arg::Msgs(
                items
                    .into_iter()
                    .map(serde_json::from_value)
                    .collect::<Result<_, _>>()
                    .map_err(D::Error::custom)?,
            ),
            Value::Object(o) => {
                let num = |k: &str| o.get(k).and_then(Value::as_f64);
                if let Some(b) = o.get("bytes").and_then(Value::as_u64) {
                    Arg::Bytes { bytes: b }
                } else if let Some(secs) = num("secs") {
                    Arg::Secs { secs }
                } else if let Some(ms) = num("ms") {
                    Arg::Ms { ms }
                } else {
                    Arg::Msg(Box::new(
                        serde_json::from_value(Value::Object(o)).map_err(D::Error::custom)?,
                    ))
                }
            }
            _ => return Err(bad()),
        })
    }
}

impl Msg {
    /// A message without arguments.
    pub fn new(id: impl Into<String>) -> Self {
        Msg {
            id: id.into(),
            args: BTreeMap::new(),
        }
    }
    /// Adds an argument.
    pub fn arg(mut self, name: &str, value: impl Into<Arg>) -> Self {
        self.args.insert(name.to_string(), value.into());
        self
    }
}

/// Builds a [`Msg`]: `t!("tcp.refused", target = p.target, ms = 12)`. Each value goes through
/// `Arg::from`, so strings, integers, floats, lists and other messages all work; sizes and
/// durations are wrapped with [`Arg::bytes`], [`Arg::secs`] and [`Arg::ms`].
#[macro_export]
macro_rules! t {
    ($id:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Msg::new($id)$(.arg(stringify!($name), $crate::i18n::Arg::from($value)))*
    };
}

impl Arg {
    /// A size in bytes.
    pub fn bytes(b: u64) -> Arg {
        Arg::Bytes { bytes: b }
    }
    /// A duration in seconds.
    pub fn secs(s: f64) -> Arg {
        Arg::Secs { secs: s }
    }
    /// A duration in milliseconds.
    pub fn ms(ms: f64) -> Arg {
        Arg::Ms { ms }
    }
    fn number(&self) -> Option<f64> {
        match self {
            Arg::Int(n) => Some(*n as f64),
            Arg::Num(n) => Some(*n),
            Arg::Bytes { bytes } => Some(*bytes as f64),
            Arg::Secs { secs } => Some(*secs),
            Arg::Ms { ms } => Some(*ms),
            _ => None,
        }
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}
impl From<Msg> for Arg {
    fn from(m: Msg) -> Self {
        Arg::Msg(Box::new(m))
    }
}
impl From<Vec<Msg>> for Arg {
    fn from(v: Vec<Msg>) -> Self {
        Arg::Msgs(v)
    }
}
impl From<f64> for Arg {
    fn from(n: f64) -> Self {
        Arg::Num(n)
    }
}
impl From<f32> for Arg {
    fn from(n: f32) -> Self {
        Arg::Num(n as f64)
    }
}
impl From<Vec<String>> for Arg {
    fn from(v: Vec<String>) -> Self {
        Arg::List(v)
    }
}
impl From<&[String]> for Arg {
    fn from(v: &[String]) -> Self {
        Arg::List(v.to_vec())
    }
}
impl From<&Vec<String>> for Arg {
    fn from(v: &Vec<String>) -> Self {
        Arg::List(v.clone())
    }
}
macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Int(n as i64)
            }
        }
    )*};
}
int_arg!(i32, i64, u8, u16, u32, u64, usize);

/// `id = template`: the template starts after `= ` (so it may start with a space) and loses
/// its trailing whitespace; `id =` alone is an empty template.
fn split_line(line: &str) -> Option<(&str, &str)> {
    let (id, rest) = line.trim_start().split_once(" =")?;
    let id = id.trim();
    if id.is_empty() || id.contains(' ') {
        return None;
    }
    let template = rest.strip_prefix(' ').unwrap_or(rest).trim_end();
    Some((id, template))
}

/// One locale's messages: id → template.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    messages: BTreeMap<&'static str, &'static str>,
}

/// A line of a catalog file that is not `id = template`, or an id given twice.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CatalogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Catalog {
    /// Parses a catalog file, reporting every bad line.
    pub fn parse(text: &'static str) -> Result<Catalog, Vec<CatalogError>> {
        let (catalog, errors) = Catalog::read(text);
        if errors.is_empty() {
            Ok(catalog)
        } else {
            Err(errors)
        }
    }

    /// Parses a catalog that ships inside the binary; a broken one is a build mistake that the
    /// catalog tests catch, so here its good lines are kept and the bad ones dropped.
    pub fn embedded(text: &'static str) -> Catalog {
        Catalog::read(text).0
    }

    /// The good lines of a catalog file, and what is wrong with the others.
    fn read(text: &'static str) -> (Catalog, Vec<CatalogError>) {
        let mut messages = BTreeMap::new();
        let mut errors = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((id, template)) = split_line(line) else {
                errors.push(CatalogError {
                    line: i + 1,
                    message: "expected `id = template`".into(),
                });
                continue;
            };
            if messages.insert(id, template).is_some() {
                errors.push(CatalogError {
                    line: i + 1,
                    message: format!("`{id}` is defined twice"),
                });
            }
        }
        (Catalog { messages }, errors)
    }

    /// The template of `id`.
    pub fn get(&self, id: &str) -> Option<&'static str> {
        self.messages.get(id).copied()
    }

    /// Every id in the catalog.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.messages.keys().copied()
    }
}

/// The catalogs of one component (the host, or one plugin), one per locale.
#[derive(Debug, Clone, Default)]
pub struct Catalogs {
    /// English: also the fallback for an id another locale lacks.
    pub en: Catalog,
    /// Simplified Chinese.
    pub zh_cn: Catalog,
}

impl Catalogs {
    /// Both catalogs from embedded text.
    pub fn embedded(en: &'static str, zh_cn: &'static str) -> Catalogs {
        Catalogs {
            en: Catalog::embedded(en),
            zh_cn: Catalog::embedded(zh_cn),
        }
    }

    /// The catalog of `locale`.
    pub fn of(&self, locale: Locale) -> &Catalog {
        match locale {
            Locale::En => &self.en,
            Locale::ZhCn => &self.zh_cn,
        }
    }

    /// `msg` in `locale`; an id missing there is taken from English, and one missing in English
    /// too is written as the id with its arguments, so nothing is ever lost.
    pub fn render(&self, locale: Locale, msg: &Msg) -> String {
        let template = self
            .of(locale)
            .get(&msg.id)
            .or_else(|| self.en.get(&msg.id));
        match template {
            Some(t) => format(t, locale, &msg.args, self),
            None => {
                let mut s = msg.id.clone();
                for (k, v) in &msg.args {
                    let _ = write!(s, " {k}={}", format_arg(v, locale, self));
                }
                s
            }
        }
    }
}

/// The argument names a template refers to (`{name}` and `{name|…}`), for completeness tests.
pub fn placeholders(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        if rest[start..].starts_with("{{") {
            rest = &rest[start + 2..];
            continue;
        }
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let inner = &rest[start + 1..start + len];
        let name = inner.split('|').next().unwrap_or("").trim();
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
        rest = &rest[start + len + 1..];
    }
    out.sort();
    out
}

fn format(template: &str, locale: Locale, args: &BTreeMap<String, Arg>, cats: &Catalogs) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut chars = template.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' if chars.peek().map(|p| p.1) == Some('{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek().map(|p| p.1) == Some('}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let Some(len) = template[i..].find('}') else {
                    out.push_str(&template[i..]);
                    break;
                };
                let inner = &template[i + 1..i + len];
                while chars.peek().is_some_and(|&(j, _)| j <= i + len) {
                    chars.next();
                }
                let mut parts = inner.split('|');
                let name = parts.next().unwrap_or("").trim();
                let forms: Vec<&str> = parts.collect();
                match (args.get(name), forms.as_slice()) {
                    (Some(arg), [one, other]) => {
                        // By the number as written: 1.04 days is written "1" and reads "1 day".
                        let n = arg.number().unwrap_or(0.0);
                        out.push_str(if decimal(n) == "1" { one } else { other });
                    }
                    (Some(arg), _) => out.push_str(&format_arg(arg, locale, cats)),
                    (None, _) => {
                        out.push('{');
                        out.push_str(inner);
                        out.push('}');
                    }
                }
            }
            '\\' if chars.peek().map(|p| p.1) == Some('n') => {
                chars.next();
                out.push('\n');
            }
            c => out.push(c),
        }
    }
    out
}

/// `n` with at most one decimal and no trailing `.0`.
pub fn decimal(n: f64) -> String {
    let s = format!("{n:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A size in bytes as the locale writes it.
pub fn bytes(b: u64, _locale: Locale) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{} {}", decimal(v), UNITS[u])
    }
}

/// A duration in seconds in its largest sensible unit.
pub fn duration(secs: f64, locale: Locale) -> String {
    let (n, unit) = if secs.abs() >= 2.0 * 86_400.0 {
        ((secs / 86_400.0).round(), 0)
    } else if secs.abs() >= 2.0 * 3600.0 {
        ((secs / 3600.0).round(), 1)
    } else if secs.abs() >= 120.0 {
        ((secs / 60.0).round(), 2)
    } else {
        (secs, 3)
    };
    let num = decimal(n);
    match locale {
        Locale::En => {
            let one = n == 1.0;
            let word = match (unit, one) {
                (0, true) => "day",
                (0, false) => "days",
                (1, true) => "hour",
                (1, false) => "hours",
                (2, true) => "minute",
                (2, false) => "minutes",
                _ => "s",
            };
            format!("{num} {word}")
        }
        Locale::ZhCn => {
            let word = ["天", "小时", "分钟", "秒"][unit];
            format!("{num} {word}")
        }
    }
}

fn format_arg(arg: &Arg, locale: Locale, cats: &Catalogs) -> String {
    match arg {
        Arg::Int(n) => n.to_string(),
        Arg::Num(n) => decimal(*n),
        Arg::Text(s) => s.clone(),
        Arg::List(items) => items.join(match locale {
            Locale::En => ", ",
            Locale::ZhCn => "、",
        }),
        Arg::Bytes { bytes: b } => bytes(*b, locale),
        Arg::Secs { secs } => duration(*secs, locale),
        Arg::Ms { ms } => {
            let v = if *ms >= 10.0 {
                format!("{ms:.0}")
            } else {
                decimal(*ms)
            };
            match locale {
                Locale::En => format!("{v} ms"),
                Locale::ZhCn => format!("{v} 毫秒"),
            }
        }
        Arg::Msg(m) => cats.render(locale, m),
        Arg::Msgs(ms) => {
            let items: Vec<String> = ms.iter().map(|m| cats.render(locale, m)).collect();
            format_arg(&Arg::List(items), locale, cats)
        }
    }
}

/// Checks a component's catalogs against each other: every id in every locale, the same
/// placeholders in each translation, no bad lines. Returns one line per problem.
pub fn check_catalogs(en: &'static str, zh_cn: &'static str) -> Vec<String> {
    let mut problems = Vec::new();
    let parsed: Vec<(&str, Option<Catalog>)> = [("en", en), ("zh-CN", zh_cn)]
        .into_iter()
        .map(|(name, text)| match Catalog::parse(text) {
            Ok(c) => (name, Some(c)),
            Err(errs) => {
                for e in errs {
                    problems.push(format!("{name} catalog {e}"));
                }
                (name, None)
            }
        })
        .collect();
    let (Some(e), Some(z)) = (&parsed[0].1, &parsed[1].1) else {
        return problems;
    };
    for id in e.ids() {
        match z.get(id) {
            None => problems.push(format!("`{id}` has no zh-CN translation")),
            Some(zt) => {
                let (pe, pz) = (placeholders(e.get(id).unwrap_or("")), placeholders(zt));
                if pe != pz {
                    problems.push(format!(
                        "`{id}`: en uses {{{}}} but zh-CN uses {{{}}}",
                        pe.join("}, {"),
                        pz.join("}, {")
                    ));
                }
            }
        }
    }
    for id in z.ids() {
        if e.get(id).is_none() {
            problems.push(format!("`{id}` is in zh-CN but not in en"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "# test\nhello = Hello {name}, {n} {n|file|files} in {left}\nnested = because {why}\nsize = {free} free of {total}\n";
    const ZH: &str = "hello = 你好 {name}，{left}内有 {n} 个文件\nnested = 因为{why}\nsize = 剩余 {free}，共 {total}\n";

    fn cats() -> Catalogs {
        Catalogs::embedded(EN, ZH)
    }

    #[test]
    fn locales_from_posix_names_and_tags() {
        assert_eq!(Locale::parse("zh_CN.UTF-8"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("zh-Hans"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("zh"), Some(Locale::ZhCn));
        assert_eq!(Locale::parse("en_GB.utf8"), Some(Locale::En));
        assert_eq!(Locale::parse("C"), Some(Locale::En));
        assert_eq!(Locale::parse("de_DE.UTF-8"), None);
        assert_eq!(Locale::parse(""), None);
    }

    #[test]
    fn renders_arguments_per_locale() {
        let m = t!(
            "hello",
            name = "Li",
            n = 2,
            left = Arg::secs(3.0 * 86_400.0)
        );
        assert_eq!(cats().render(Locale::En, &m), "Hello Li, 2 files in 3 days");
        assert_eq!(
            cats().render(Locale::ZhCn, &m),
            "你好 Li，3 天内有 2 个文件"
        );
        let one = t!("hello", name = "Li", n = 1, left = Arg::secs(90.0));
        assert_eq!(cats().render(Locale::En, &one), "Hello Li, 1 file in 90 s");
        // A decimal picks the word by how it is written.
        let near_one = t!("hello", name = "Li", n = 1.04, left = Arg::secs(1.0));
        assert_eq!(
            cats().render(Locale::En, &near_one),
            "Hello Li, 1 file in 1 s"
        );
        let one_and_a_bit = t!("hello", name = "Li", n = 1.2, left = Arg::secs(1.0));
        assert!(
            cats()
                .render(Locale::En, &one_and_a_bit)
                .contains("1.2 files")
        );
        let s = t!(
            "size",
            free = Arg::bytes(5 * 1024 * 1024 * 1024 / 2),
            total = Arg::bytes(512)
        );
        assert_eq!(cats().render(Locale::ZhCn, &s), "剩余 2.5 GB，共 512 B");
    }

    #[test]
    fn nested_messages_and_lists_follow_the_locale() {
        let m = t!(
            "nested",
            why = t!(
                "size",
                free = vec!["a".to_string(), "b".to_string()],
                total = 1
            )
        );
        assert_eq!(cats().render(Locale::En, &m), "because a, b free of 1");
        assert_eq!(cats().render(Locale::ZhCn, &m), "因为剩余 a、b，共 1");
    }

    #[test]
    fn unknown_ids_keep_their_arguments() {
        let m = t!("nope", host = "vpn.corp.example");
        assert_eq!(
            cats().render(Locale::ZhCn, &m),
            "nope host=vpn.corp.example"
        );
    }

    #[test]
    fn catalog_checks_find_missing_and_dropped_arguments() {
        assert!(
            check_catalogs(EN, ZH).is_empty(),
            "{:?}",
            check_catalogs(EN, ZH)
        );
        let p = check_catalogs(EN, "hello = 你好 {name}\nnested = 因为{why}\n");
        assert!(p.iter().any(|l| l.contains("`hello`: en uses")), "{p:?}");
        assert!(p.iter().any(|l| l.contains("`size` has no zh-CN")), "{p:?}");
        let bad = check_catalogs("a = x\na = y\nnot a message\n", "");
        assert_eq!(bad.len(), 2, "{bad:?}");
    }

    #[test]
    fn messages_round_trip_through_json() {
        let m = t!(
            "x",
            a = 1,
            b = 2.5,
            c = "s",
            d = Arg::bytes(3),
            e = t!("y", f = Arg::secs(2.0)),
            g = vec!["p".to_string()],
            h = vec![t!("z")],
            i = Arg::ms(1.5)
        );
        let j = serde_json::to_string(&m).unwrap();
        let back: Msg = serde_json::from_str(&j).unwrap();
        assert_eq!(back, m);
    }
}
