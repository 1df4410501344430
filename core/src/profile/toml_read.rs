//! Reading TOML values with their spans: strings, texts per language, lists and durations,
//! each read once and every mistake recorded as a [`Diagnostic`] that names its field
//! (`check[2].timeout`) and points at its span — the parser's building blocks.

use std::ops::Range;
use std::time::Duration;

use toml_edit::{Item, Table, Value};

use readycheck_sdk::i18n::{Arg, Msg};
use readycheck_sdk::t;

use super::LocalText;
use super::diagnostic::{Diagnostic, did_you_mean};
use crate::i18n::Locale;

pub(super) type Span = Option<Range<usize>>;

/// Every problem found so far.
pub(super) struct Cx {
    pub diags: Vec<Diagnostic>,
}

impl Cx {
    pub fn err(&mut self, message: Msg, span: Span, field: String) {
        self.diags.push(Diagnostic::new(message, span).field(field));
    }
    pub fn err_help(&mut self, message: Msg, span: Span, field: String, help: Msg) {
        self.diags
            .push(Diagnostic::new(message, span).field(field).help(help));
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }
    pub fn unknown_key(&mut self, what: &What, key: &str, span: Span, known: &[&str]) {
        let help = did_you_mean(key, known.iter().copied())
            .unwrap_or_else(|| t!("profile.allowed_keys", keys = names_arg(known)));
        self.err_help(
            t!("profile.unknown_key", key = key, what = what.arg()),
            span,
            what.field(key),
            help,
        );
    }
}

/// Which part of the profile a problem is in: how messages name it — a section as written in
/// the file (`[profile]`) or words in the reader's language (`check `vpn``) — and its path in
/// the profile's fields (`profile`, `check[3]`; empty for the whole file).
#[derive(Clone)]
pub(super) struct What {
    label: Label,
    path: String,
}

#[derive(Clone)]
enum Label {
    Section(&'static str),
    Words(Msg),
}

impl What {
    /// A section named as in the file.
    pub fn section(section: &'static str, path: &str) -> What {
        What {
            label: Label::Section(section),
            path: path.to_string(),
        }
    }
    /// A part named in words.
    pub fn words(words: Msg, path: &str) -> What {
        What {
            label: Label::Words(words),
            path: path.to_string(),
        }
    }
    /// How messages name it.
    pub fn arg(&self) -> Arg {
        match &self.label {
            Label::Section(s) => Arg::from(*s),
            Label::Words(m) => Arg::from(m.clone()),
        }
    }
    /// The path of its field `key`.
    pub fn field(&self, key: &str) -> String {
        field_path(&self.path, key)
    }
}

/// `parent.key`, with the key quoted as TOML writes it when it is not a bare key
/// (`check[0].fixes."network.tls.expired"`).
pub(super) fn field_path(parent: &str, key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let key = if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

/// Names as a list argument (`a, b` / `a、b`).
pub(super) fn names_arg(names: &[&str]) -> Arg {
    Arg::List(names.iter().map(|s| s.to_string()).collect())
}

pub(super) fn key_span(table: &Table, key: &str) -> Span {
    table.key(key).and_then(|k| k.span())
}

pub(super) fn item_span(item: &Item) -> Span {
    match item {
        Item::Value(v) => v.span(),
        other => other.span(),
    }
}

pub(super) fn type_name(item: &Item) -> Msg {
    match item {
        Item::None => t!("profile.type.nothing"),
        Item::Table(_) => t!("profile.type.table"),
        Item::ArrayOfTables(_) => t!("profile.type.tables"),
        Item::Value(v) => value_type_name(v),
    }
}

pub(super) fn value_type_name(v: &Value) -> Msg {
    match v {
        Value::String(_) => t!("profile.type.string"),
        Value::Integer(_) => t!("profile.type.integer"),
        Value::Float(_) => t!("profile.type.float"),
        Value::Boolean(_) => t!("profile.type.boolean"),
        Value::Datetime(_) => t!("profile.type.datetime"),
        Value::Array(_) => t!("profile.type.array"),
        Value::InlineTable(_) => t!("profile.type.inline_table"),
    }
}

pub(super) fn get_string(
    cx: &mut Cx,
    table: &Table,
    key: &str,
    what: &What,
) -> Option<(String, Span)> {
    let item = table.get(key)?;
    match item.as_str() {
        Some(s) => Some((s.to_string(), item_span(item))),
        None => {
            cx.err(
                t!(
                    "profile.must_be_string",
                    key = key,
                    what = what.arg(),
                    found = type_name(item)
                ),
                item_span(item),
                what.field(key),
            );
            None
        }
    }
}

/// A string, or a table of strings per language: `title = { en = "…", zh-CN = "…" }`, or one
/// of those per OS (`fix = { windows = "…", macos = { en = "…", zh-CN = "…" }, other = "…" }`,
/// see [`super::per_os`]).
pub(super) fn get_local_text(
    cx: &mut Cx,
    table: &Table,
    key: &str,
    what: &What,
) -> Option<LocalText> {
    let item = table.get(key)?;
    if let Some(s) = item.as_str() {
        return Some(LocalText::plain(s));
    }
    let field = what.field(key);
    if let Some(per_os) = item.as_table_like().filter(|t| super::per_os::applies(*t)) {
        let (text, unknown) = super::per_os::pick(per_os, |v| {
            let mut one = Table::new();
            one.insert(key, v.clone());
            get_local_text(cx, &one, key, what)
        });
        for k in unknown {
            let span = per_os.key(&k).and_then(|k| k.span());
            let help = did_you_mean(&k, super::per_os::KEYS.iter().copied()).unwrap_or_else(|| {
                t!(
                    "profile.allowed_keys",
                    keys = names_arg(super::per_os::KEYS)
                )
            });
            cx.err_help(
                t!("profile.unknown_key", key = &k, what = what.arg()),
                span,
                field_path(&field, &k),
                help,
            );
        }
        return text;
    }
    let Some(t) = item.as_table_like() else {
        cx.err_help(
            t!(
                "profile.must_be_text",
                key = key,
                what = what.arg(),
                found = type_name(item)
            ),
            item_span(item),
            field,
            t!("profile.text_help", key = key),
        );
        return None;
    };
    let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
    let mut text = LocalText::default();
    for (lang, v) in t.iter() {
        let span = t.key(lang).and_then(|k| k.span());
        let locale = Locale::ALL.into_iter().find(|l| l.tag() == lang);
        let Some(locale) = locale else {
            let help = did_you_mean(lang, tags.iter().copied())
                .unwrap_or_else(|| t!("profile.languages", tags = names_arg(&tags)));
            cx.err_help(
                t!(
                    "profile.unknown_language",
                    lang = lang,
                    key = key,
                    what = what.arg()
                ),
                span,
                field_path(&field, lang),
                help,
            );
            continue;
        };
        match v.as_str() {
            Some(s) => text.set(locale, s),
            None => cx.err(
                t!(
                    "profile.language_must_be_string",
                    key = key,
                    lang = lang,
                    what = what.arg(),
                    found = type_name(v)
                ),
                item_span(v),
                field_path(&field, lang),
            ),
        }
    }
    if text.is_empty() {
        cx.err_help(
            t!("profile.no_text", key = key, what = what.arg()),
            item_span(item),
            field,
            t!("profile.no_text_help", key = key),
        );
        return None;
    }
    Some(text)
}

pub(super) fn get_duration(cx: &mut Cx, table: &Table, key: &str, what: &What) -> Option<Duration> {
    let (s, span) = get_string(cx, table, key, what)?;
    match parse_duration(&s) {
        Ok(d) => Some(d),
        Err(e) => {
            cx.err_help(
                t!(
                    "profile.not_duration",
                    key = key,
                    what = what.arg(),
                    error = e
                ),
                span,
                what.field(key),
                t!("profile.duration_help"),
            );
            None
        }
    }
}

/// Parses "5s", "500ms", "2m", "1m 30s".
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim()).map_err(|e| e.to_string())?;
    if d.is_zero() {
        return Err("it must be longer than zero".into());
    }
    Ok(d)
}

pub(super) fn get_string_list(
    cx: &mut Cx,
    table: &Table,
    key: &str,
    what: &What,
) -> Option<Vec<(String, Span)>> {
    let item = table.get(key)?;
    let field = what.field(key);
    let Some(arr) = item.as_array() else {
        cx.err_help(
            t!(
                "profile.must_be_list",
                key = key,
                what = what.arg(),
                found = type_name(item)
            ),
            item_span(item),
            field,
            t!("profile.list_help", key = key),
        );
        return None;
    };
    let mut out = Vec::new();
    for (i, v) in arr.iter().enumerate() {
        match v.as_str() {
            Some(s) => out.push((s.to_string(), v.span())),
            None => cx.err(
                t!(
                    "profile.list_only_strings",
                    key = key,
                    what = what.arg(),
                    found = value_type_name(v)
                ),
                v.span(),
                format!("{field}[{i}]"),
            ),
        }
    }
    Some(out)
}

/// Converts a TOML item to JSON for the plugin (date-times become their RFC 3339 text).
pub fn to_json(item: &Item) -> serde_json::Value {
    match item {
        Item::None => serde_json::Value::Null,
        Item::Value(v) => value_to_json(v),
        Item::Table(t) => {
            serde_json::Value::Object(t.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect())
        }
        Item::ArrayOfTables(a) => serde_json::Value::Array(
            a.iter()
                .map(|t| {
                    serde_json::Value::Object(
                        t.iter().map(|(k, v)| (k.to_string(), to_json(v))).collect(),
                    )
                })
                .collect(),
        ),
    }
}

fn value_to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => serde_json::Value::String(s.value().clone()),
        Value::Integer(i) => serde_json::Value::from(*i.value()),
        Value::Float(f) => serde_json::Number::from_f64(*f.value())
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Boolean(b) => serde_json::Value::Bool(*b.value()),
        Value::Datetime(d) => serde_json::Value::String(d.value().to_string()),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(value_to_json).collect()),
        Value::InlineTable(t) => serde_json::Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), value_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_quote_keys_toml_would_quote() {
        assert_eq!(field_path("", "profile"), "profile");
        assert_eq!(field_path("check[0]", "target"), "check[0].target");
        assert_eq!(
            field_path("check[1].fixes", "network.tls.expired"),
            "check[1].fixes.\"network.tls.expired\""
        );
        assert_eq!(field_path("profile.name", "zh-CN"), "profile.name.zh-CN");
    }
}
