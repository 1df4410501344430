//! TOML → [`Profile`] with spans. Walks the document by hand (rather than serde) so that every
//! problem is collected with its position: unknown keys with a suggestion, wrong types, missing
//! keys, duplicate ids, unknown `needs` and dependency cycles, all reported together.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml_edit::{Item, Table, Value};

use super::diagnostic::{Diagnostic, did_you_mean};
use super::{
    Check, CheckSpans, HOST_CHECK_KEYS, LocalText, PluginSettings, Profile, ReportSettings,
    Severity, Source,
};
use crate::i18n::Locale;

const TOP_KEYS: &[&str] = &["profile", "check", "plugins", "report"];
const REPORT_KEYS: &[&str] = &["submit", "auth_header_env"];
const PROFILE_KEYS: &[&str] = &[
    "name",
    "version",
    "contact",
    "timeout",
    "deadline",
    "description",
];
const PLUGINS_KEYS: &[&str] = &["dirs", "sha256"];
const KNOWN_OS: &[&str] = &["linux", "windows", "macos"];

type Span = Option<Range<usize>>;

struct Cx {
    diags: Vec<Diagnostic>,
}

impl Cx {
    fn err(&mut self, message: impl Into<String>, span: Span) {
        self.diags.push(Diagnostic::new(message, span));
    }
    fn err_help(&mut self, message: impl Into<String>, span: Span, help: impl Into<String>) {
        self.diags.push(Diagnostic::new(message, span).help(help));
    }
    fn unknown_key(&mut self, what: &str, key: &str, span: Span, known: &[&str]) {
        let help = did_you_mean(key, known.iter().copied())
            .unwrap_or_else(|| format!("the keys allowed here are: {}", known.join(", ")));
        self.err_help(format!("unknown key `{key}` in {what}"), span, help);
    }
}

fn key_span(table: &Table, key: &str) -> Span {
    table.key(key).and_then(|k| k.span())
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Value(v) => v.span(),
        other => other.span(),
    }
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => value_type_name(v),
    }
}

fn value_type_name(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a float",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::InlineTable(_) => "an inline table",
    }
}

fn get_string(cx: &mut Cx, table: &Table, key: &str, what: &str) -> Option<(String, Span)> {
    let item = table.get(key)?;
    match item.as_str() {
        Some(s) => Some((s.to_string(), item_span(item))),
        None => {
            cx.err(
                format!(
                    "`{key}` in {what} must be a string, found {}",
                    type_name(item)
                ),
                item_span(item),
            );
            None
        }
    }
}

/// A string, or a table of strings per language: `title = { en = "…", zh-CN = "…" }`.
fn get_local_text(cx: &mut Cx, table: &Table, key: &str, what: &str) -> Option<LocalText> {
    let item = table.get(key)?;
    if let Some(s) = item.as_str() {
        return Some(LocalText::plain(s));
    }
    let Some(t) = item.as_table_like() else {
        cx.err_help(
            format!(
                "`{key}` in {what} must be a string or a table of languages, found {}",
                type_name(item)
            ),
            item_span(item),
            format!("write it like {key} = \"…\" or {key} = {{ en = \"…\", zh-CN = \"…\" }}"),
        );
        return None;
    };
    let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
    let mut text = LocalText::default();
    for (lang, v) in t.iter() {
        let span = t.key(lang).and_then(|k| k.span());
        let locale = Locale::ALL.into_iter().find(|l| l.tag() == lang);
        let Some(locale) = locale else {
            let help = did_you_mean(lang, tags.iter().copied()).unwrap_or_else(|| {
                format!("the languages readycheck speaks are: {}", tags.join(", "))
            });
            cx.err_help(
                format!("unknown language `{lang}` in `{key}` of {what}"),
                span,
                help,
            );
            continue;
        };
        match v.as_str() {
            Some(s) => text.set(locale, s),
            None => cx.err(
                format!(
                    "`{key}.{lang}` in {what} must be a string, found {}",
                    type_name(v)
                ),
                item_span(v),
            ),
        }
    }
    if text.is_empty() {
        cx.err_help(
            format!("`{key}` in {what} has no text"),
            item_span(item),
            format!("give at least one language, e.g. {key} = {{ en = \"…\", zh-CN = \"…\" }}"),
        );
        return None;
    }
    Some(text)
}

fn get_duration(cx: &mut Cx, table: &Table, key: &str, what: &str) -> Option<Duration> {
    let (s, span) = get_string(cx, table, key, what)?;
    match parse_duration(&s) {
        Ok(d) => Some(d),
        Err(e) => {
            cx.err_help(
                format!("`{key}` in {what} is not a duration: {e}"),
                span,
                "write it like \"5s\", \"500ms\" or \"2m\"",
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

fn get_string_list(
    cx: &mut Cx,
    table: &Table,
    key: &str,
    what: &str,
) -> Option<Vec<(String, Span)>> {
    let item = table.get(key)?;
    let Some(arr) = item.as_array() else {
        cx.err_help(
            format!(
                "`{key}` in {what} must be an array of strings, found {}",
                type_name(item)
            ),
            item_span(item),
            format!("write it like {key} = [\"a\", \"b\"]"),
        );
        return None;
    };
    let mut out = Vec::new();
    for v in arr.iter() {
        match v.as_str() {
            Some(s) => out.push((s.to_string(), v.span())),
            None => cx.err(
                format!(
                    "`{key}` in {what} must contain only strings, found {}",
                    value_type_name(v)
                ),
                v.span(),
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

pub(super) fn parse(text: &str, base_dir: Option<&Path>) -> Result<Profile, Vec<Diagnostic>> {
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.message().trim().to_string();
            return Err(vec![Diagnostic::new(format!("this is not valid TOML: {msg}"), e.span())
                .help("see https://toml.io for the syntax; strings need quotes: name = \"Trading desk\"")]);
        }
    };
    let root = doc.as_table();
    let mut cx = Cx { diags: Vec::new() };

    for (key, _) in root.iter() {
        if !TOP_KEYS.contains(&key) {
            cx.unknown_key("the profile", key, key_span(root, key), TOP_KEYS);
        }
    }

    // [profile]
    let mut name = None;
    let mut version = None;
    let mut contact = None;
    let mut timeout = None;
    let mut deadline = None;
    match root.get("profile") {
        Some(Item::Table(t)) => {
            for (key, _) in t.iter() {
                if !PROFILE_KEYS.contains(&key) {
                    cx.unknown_key("[profile]", key, key_span(t, key), PROFILE_KEYS);
                }
            }
            name = get_string(&mut cx, t, "name", "[profile]").map(|(s, _)| s);
            if name.is_none() && t.get("name").is_none() {
                cx.err_help(
                    "[profile] has no `name`",
                    t.span(),
                    "add a line like: name = \"Trading desk — home office\"",
                );
            }
            version = get_string(&mut cx, t, "version", "[profile]").map(|(s, _)| s);
            contact = get_string(&mut cx, t, "contact", "[profile]").map(|(s, _)| s);
            let _ = get_string(&mut cx, t, "description", "[profile]");
            timeout = get_duration(&mut cx, t, "timeout", "[profile]");
            deadline = get_duration(&mut cx, t, "deadline", "[profile]");
        }
        Some(other) => cx.err(
            format!(
                "`profile` must be a table ([profile]), found {}",
                type_name(other)
            ),
            item_span(other),
        ),
        None => cx.err_help(
            "the profile has no [profile] section",
            Some(0..0),
            "start the file with:\n    [profile]\n    name = \"Trading desk — home office\"",
        ),
    }

    // [plugins]
    let mut plugins = PluginSettings::default();
    match root.get("plugins") {
        Some(Item::Table(t)) => {
            for (key, _) in t.iter() {
                if !PLUGINS_KEYS.contains(&key) {
                    cx.unknown_key("[plugins]", key, key_span(t, key), PLUGINS_KEYS);
                }
            }
            if let Some(dirs) = get_string_list(&mut cx, t, "dirs", "[plugins]") {
                for (d, _) in dirs {
                    let p = Path::new(&d);
                    plugins.dirs.push(match base_dir {
                        Some(base) if p.is_relative() => base.join(p),
                        _ => p.to_path_buf(),
                    });
                }
            }
            match t.get("sha256") {
                None => {}
                Some(item) => match item.as_table_like() {
                    Some(pins) => {
                        for (plugin, v) in pins.iter() {
                            let span = item_span(v);
                            match v.as_str() {
                                Some(h)
                                    if h.len() == 64
                                        && h.bytes().all(|b| b.is_ascii_hexdigit()) =>
                                {
                                    plugins
                                        .sha256
                                        .insert(plugin.to_string(), h.to_ascii_lowercase());
                                }
                                _ => cx.err_help(
                                    format!(
                                        "the sha256 pin of plugin `{plugin}` is not 64 hex digits"
                                    ),
                                    span,
                                    "copy the value from `readycheck plugins` (column sha256)",
                                ),
                            }
                        }
                    }
                    None => cx.err(
                        format!(
                            "`sha256` in [plugins] must be a table of plugin = \"hex\", found {}",
                            type_name(item)
                        ),
                        item_span(item),
                    ),
                },
            }
        }
        Some(other) => cx.err(
            format!(
                "`plugins` must be a table ([plugins]), found {}",
                type_name(other)
            ),
            item_span(other),
        ),
        None => {}
    }

    // [report]
    let mut report = ReportSettings::default();
    match root.get("report") {
        Some(Item::Table(t)) => {
            for (key, _) in t.iter() {
                if !REPORT_KEYS.contains(&key) {
                    cx.unknown_key("[report]", key, key_span(t, key), REPORT_KEYS);
                }
            }
            if let Some((url, span)) = get_string(&mut cx, t, "submit", "[report]") {
                if url.starts_with("http://") || url.starts_with("https://") {
                    report.submit = Some(url);
                } else {
                    cx.err_help(
                        format!("`submit` in [report] is not an http(s) URL: `{url}`"),
                        span,
                        "write it like submit = \"https://it.corp.example/readycheck/reports\"",
                    );
                }
            }
            report.auth_header_env =
                get_string(&mut cx, t, "auth_header_env", "[report]").map(|(s, _)| s);
        }
        Some(other) => cx.err(
            format!(
                "`report` must be a table ([report]), found {}",
                type_name(other)
            ),
            item_span(other),
        ),
        None => {}
    }

    // [[check]]
    let mut checks = Vec::new();
    match root.get("check") {
        Some(Item::ArrayOfTables(arr)) => {
            for (n, t) in arr.iter().enumerate() {
                if let Some(c) = parse_check(&mut cx, t, n + 1) {
                    checks.push(c);
                }
            }
        }
        Some(other) => cx.err_help(
            format!(
                "`check` must be written as [[check]] sections, found {}",
                type_name(other)
            ),
            item_span(other),
            "write each check as its own [[check]] section",
        ),
        None => {}
    }

    check_graph(&mut cx, &checks);

    if !cx.diags.is_empty() {
        return Err(cx.diags);
    }
    Ok(Profile {
        source: Source::Embedded,
        text: text.to_string(),
        sha256: String::new(),
        name: name.unwrap_or_default(),
        version,
        contact,
        timeout: timeout.unwrap_or(super::DEFAULT_TIMEOUT),
        deadline: deadline.unwrap_or(super::DEFAULT_DEADLINE),
        plugins,
        report,
        checks,
    })
}

fn parse_check(cx: &mut Cx, t: &Table, n: usize) -> Option<Check> {
    let header = t.span();
    let id = get_string(cx, t, "id", &format!("check #{n}")).map(|(s, span)| {
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            cx.err_help(
                format!("check id `{s}` is not usable"),
                span,
                "use letters, digits, `-`, `_` or `.`, e.g. id = \"vpn-gateway\"",
            );
        }
        s
    });
    if t.get("id").is_none() {
        cx.err_help(
            format!("check #{n} has no `id`"),
            header.clone(),
            "add a line like: id = \"vpn-gateway\"",
        );
    }
    let what = match &id {
        Some(id) => format!("check `{id}`"),
        None => format!("check #{n}"),
    };
    let plugin = get_string(cx, t, "plugin", &what);
    if t.get("plugin").is_none() {
        cx.err_help(
            format!("{what} has no `plugin`"),
            header.clone(),
            "add a line like: plugin = \"network\"  (see `readycheck plugins`)",
        );
    }
    let kind = get_string(cx, t, "kind", &what);
    if t.get("kind").is_none() {
        cx.err_help(
            format!("{what} has no `kind`"),
            header.clone(),
            "add a line like: kind = \"tcp\"  (see `readycheck explain PLUGIN`)",
        );
    }
    let title = get_local_text(cx, t, "title", &what);
    let severity = match get_string(cx, t, "severity", &what) {
        None => Severity::Required,
        Some((s, span)) => match s.as_str() {
            "required" => Severity::Required,
            "recommended" => Severity::Recommended,
            "info" => Severity::Info,
            other => {
                let help = did_you_mean(other, ["required", "recommended", "info"])
                    .unwrap_or_else(|| "use one of: required, recommended, info".to_string());
                cx.err_help(format!("unknown severity `{other}` in {what}"), span, help);
                Severity::Required
            }
        },
    };
    let needs = get_string_list(cx, t, "needs", &what).unwrap_or_default();
    let timeout = get_duration(cx, t, "timeout", &what);
    let fix = get_local_text(cx, t, "fix", &what);
    let os = get_string_list(cx, t, "os", &what).map(|list| {
        list.into_iter()
            .map(|(s, span)| {
                if !KNOWN_OS.contains(&s.as_str()) {
                    let help = did_you_mean(&s, KNOWN_OS.iter().copied())
                        .unwrap_or_else(|| format!("use any of: {}", KNOWN_OS.join(", ")));
                    cx.err_help(
                        format!("unknown operating system `{s}` in {what}"),
                        span,
                        help,
                    );
                }
                s
            })
            .collect::<Vec<_>>()
    });

    let mut params = serde_json::Map::new();
    let mut spans = CheckSpans {
        table: header,
        plugin: plugin.as_ref().and_then(|p| p.1.clone()),
        kind: kind.as_ref().and_then(|k| k.1.clone()),
        params: BTreeMap::new(),
        needs: needs.iter().map(|(_, span)| span.clone()).collect(),
    };
    for (key, item) in t.iter() {
        if HOST_CHECK_KEYS.contains(&key) {
            continue;
        }
        params.insert(key.to_string(), to_json(item));
        spans
            .params
            .insert(key.to_string(), (key_span(t, key), item_span(item)));
    }
    // A check with other mistakes is still kept, so that duplicate ids and `needs` are judged
    // too and every problem is reported in one go.
    let id = id?;
    Some(Check {
        title: title.unwrap_or_else(|| LocalText::plain(&id)),
        id,
        plugin: plugin?.0,
        kind: kind?.0,
        severity,
        needs: needs.iter().map(|(s, _)| s.clone()).collect(),
        timeout,
        fix,
        os,
        params,
        spans,
    })
}

/// Duplicate ids, unknown `needs`, and cycles.
fn check_graph(cx: &mut Cx, checks: &[Check]) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, c) in checks.iter().enumerate() {
        if first.contains_key(c.id.as_str()) {
            cx.err_help(
                format!("duplicate check id `{}`", c.id),
                c.spans.table.clone(),
                "every check needs its own id; rename one of them",
            );
        } else {
            first.insert(&c.id, i);
        }
    }
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    for c in checks {
        for (k, need) in c.needs.iter().enumerate() {
            let span = c.spans.needs.get(k).cloned().flatten();
            if need == &c.id {
                cx.err(format!("check `{}` needs itself", c.id), span);
            } else if !first.contains_key(need.as_str()) {
                let help = did_you_mean(need, ids.iter().copied()).unwrap_or_else(|| {
                    "`needs` lists ids of other checks in this profile".to_string()
                });
                cx.err_help(
                    format!(
                        "check `{}` needs `{need}`, which is not a check in this profile",
                        c.id
                    ),
                    span,
                    help,
                );
            }
        }
    }
    // Cycle detection (DFS, colours); report each cycle once.
    let index: HashMap<&str, usize> = first;
    let mut colour = vec![0u8; checks.len()]; // 0 new, 1 on stack, 2 done
    let mut stack: Vec<usize> = Vec::new();
    fn visit(
        i: usize,
        checks: &[Check],
        index: &HashMap<&str, usize>,
        colour: &mut [u8],
        stack: &mut Vec<usize>,
        cx: &mut Cx,
    ) {
        colour[i] = 1;
        stack.push(i);
        for need in &checks[i].needs {
            let Some(&j) = index.get(need.as_str()) else {
                continue;
            };
            if j == i {
                continue;
            }
            if colour[j] == 1 {
                let pos = stack.iter().position(|&s| s == j).unwrap_or(0);
                let mut path: Vec<&str> = stack[pos..]
                    .iter()
                    .map(|&s| checks[s].id.as_str())
                    .collect();
                path.push(&checks[j].id);
                cx.err_help(
                    format!("dependency cycle: {}", path.join(" → ")),
                    checks[j].spans.table.clone(),
                    "a check cannot (indirectly) need itself; remove one of these `needs`",
                );
            } else if colour[j] == 0 {
                visit(j, checks, index, colour, stack, cx);
            }
        }
        stack.pop();
        colour[i] = 2;
    }
    for i in 0..checks.len() {
        if colour[i] == 0 {
            visit(i, checks, &index, &mut colour, &mut stack, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Profile;
    use super::*;

    fn errors(text: &str) -> Vec<Diagnostic> {
        parse(text, None).expect_err("expected errors")
    }

    const HEAD: &str = "[profile]\nname = \"t\"\n";

    #[test]
    fn a_good_profile_parses_with_params_and_defaults() {
        let text = format!(
            "{HEAD}timeout = \"2s\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"h:1\"\ncount = 3\n\n[[check]]\nid = \"b\"\nplugin = \"network\"\nkind = \"tcp\"\nneeds = [\"a\"]\nseverity = \"info\"\n"
        );
        let p = Profile::parse(&text, Source::Embedded).unwrap();
        assert_eq!(p.timeout, Duration::from_secs(2));
        assert_eq!(p.checks.len(), 2);
        assert_eq!(p.checks[0].title.get(Locale::En), "a");
        assert_eq!(p.checks[0].params["target"], "h:1");
        assert_eq!(p.checks[0].params["count"], 3);
        assert_eq!(p.checks[1].severity, Severity::Info);
        assert_eq!(p.checks[1].needs, vec!["a"]);
    }

    #[test]
    fn all_errors_are_reported_together() {
        let text = format!(
            "{HEAD}tiemout = \"5s\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\nseverity = \"requried\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\nneeds = [\"zz\"]\n"
        );
        let d = errors(&text);
        let msgs: Vec<_> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains("unknown key `tiemout`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("unknown severity `requried`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("duplicate check id `a`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("needs `zz`")), "{msgs:?}");
        let tiemout = d.iter().find(|d| d.message.contains("tiemout")).unwrap();
        assert_eq!(tiemout.help.as_deref(), Some("did you mean `timeout`?"));
        assert_eq!(&text[tiemout.span.clone().unwrap()], "tiemout");
    }

    #[test]
    fn cycles_are_named() {
        let text = format!(
            "{HEAD}[[check]]\nid = \"a\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"b\"]\n[[check]]\nid = \"b\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"a\"]\n"
        );
        let d = errors(&text);
        assert!(
            d.iter().any(|d| d.message == "dependency cycle: a → b → a"),
            "{d:?}"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let text = format!("{HEAD}[[check]]\nid = vpn\n");
        let d = errors(&text);
        assert_eq!(d.len(), 1);
        let (line, _) = super::super::diagnostic::line_col(&text, d[0].span.clone().unwrap().start);
        assert_eq!(line, 4, "{d:?}");
    }

    #[test]
    fn missing_keys_and_bad_durations() {
        let text = "[profile]\ntimeout = \"soon\"\n[[check]]\nplugin = \"p\"\n";
        let d = errors(text);
        let msgs: Vec<_> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("has no `name`")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("not a duration")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("check #1 has no `id`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("has no `kind`")), "{msgs:?}");
    }

    #[test]
    fn embedded_default_profile_is_valid() {
        let p = Profile::embedded();
        assert!(!p.checks.is_empty());
    }
}
