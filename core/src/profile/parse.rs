//! TOML → [`Profile`] with spans. Walks the document by hand (rather than serde) so that every
//! problem is collected with its position: unknown keys with a suggestion, wrong types, missing
//! keys, duplicate ids, unknown `needs` and dependency cycles, all reported together.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use toml_edit::{Item, Table, Value};

use readycheck_sdk::i18n::{Arg, Msg};
use readycheck_sdk::t;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::{
    Check, CheckSpans, HOST_CHECK_KEYS, LocalText, PluginSettings, Profile, ReportSettings,
    Severity, Source,
};
use crate::diagnosis::{Layer, Owner};
use crate::i18n::Locale;

const TOP_KEYS: &[&str] = &["profile", "check", "plugins", "report"];
const REPORT_KEYS: &[&str] = &["submit", "auth_header_env", "notify"];
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
    fn err(&mut self, message: Msg, span: Span) {
        self.diags.push(Diagnostic::new(message, span));
    }
    fn err_help(&mut self, message: Msg, span: Span, help: Msg) {
        self.diags.push(Diagnostic::new(message, span).help(help));
    }
    fn unknown_key(&mut self, what: &What, key: &str, span: Span, known: &[&str]) {
        let help = did_you_mean(key, known.iter().copied())
            .unwrap_or_else(|| t!("profile.allowed_keys", keys = names_arg(known)));
        self.err_help(
            t!("profile.unknown_key", key = key, what = what.arg()),
            span,
            help,
        );
    }
}

/// Which part of the profile a problem is in: a section written as in the file (`[profile]`),
/// or words (`the profile`, `check `vpn``) in the reader's language.
#[derive(Clone)]
enum What {
    Section(&'static str),
    Words(Msg),
}

impl What {
    fn arg(&self) -> Arg {
        match self {
            What::Section(s) => Arg::from(*s),
            What::Words(m) => Arg::from(m.clone()),
        }
    }
}

/// Names as a list argument (`a, b` / `a、b`).
fn names_arg(names: &[&str]) -> Arg {
    Arg::List(names.iter().map(|s| s.to_string()).collect())
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

fn type_name(item: &Item) -> Msg {
    match item {
        Item::None => t!("profile.type.nothing"),
        Item::Table(_) => t!("profile.type.table"),
        Item::ArrayOfTables(_) => t!("profile.type.tables"),
        Item::Value(v) => value_type_name(v),
    }
}

fn value_type_name(v: &Value) -> Msg {
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

fn get_string(cx: &mut Cx, table: &Table, key: &str, what: &What) -> Option<(String, Span)> {
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
            );
            None
        }
    }
}

/// A string, or a table of strings per language: `title = { en = "…", zh-CN = "…" }`, or one
/// of those per OS (`fix = { windows = "…", macos = { en = "…", zh-CN = "…" }, other = "…" }`,
/// see [`super::per_os`]).
fn get_local_text(cx: &mut Cx, table: &Table, key: &str, what: &What) -> Option<LocalText> {
    let item = table.get(key)?;
    if let Some(s) = item.as_str() {
        return Some(LocalText::plain(s));
    }
    if let Some(per_os) = item.as_table_like().filter(|t| super::per_os::applies(*t)) {
        let (text, unknown) = super::per_os::pick(per_os, |v| {
            let mut one = Table::new();
            one.insert(key, v.clone());
            get_local_text(cx, &one, key, what)
        });
        for k in unknown {
            let span = per_os.key(&k).and_then(|k| k.span());
            cx.unknown_key(what, &k, span, super::per_os::KEYS);
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
            ),
        }
    }
    if text.is_empty() {
        cx.err_help(
            t!("profile.no_text", key = key, what = what.arg()),
            item_span(item),
            t!("profile.no_text_help", key = key),
        );
        return None;
    }
    Some(text)
}

fn get_duration(cx: &mut Cx, table: &Table, key: &str, what: &What) -> Option<Duration> {
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

fn get_string_list(
    cx: &mut Cx,
    table: &Table,
    key: &str,
    what: &What,
) -> Option<Vec<(String, Span)>> {
    let item = table.get(key)?;
    let Some(arr) = item.as_array() else {
        cx.err_help(
            t!(
                "profile.must_be_list",
                key = key,
                what = what.arg(),
                found = type_name(item)
            ),
            item_span(item),
            t!("profile.list_help", key = key),
        );
        return None;
    };
    let mut out = Vec::new();
    for v in arr.iter() {
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
            return Err(vec![
                Diagnostic::new(t!("profile.not_toml", error = msg), e.span())
                    .help(t!("profile.toml_help")),
            ]);
        }
    };
    let root = doc.as_table();
    let mut cx = Cx { diags: Vec::new() };

    for (key, _) in root.iter() {
        if !TOP_KEYS.contains(&key) {
            cx.unknown_key(
                &What::Words(t!("profile.what.file")),
                key,
                key_span(root, key),
                TOP_KEYS,
            );
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
            let what = &What::Section("[profile]");
            for (key, _) in t.iter() {
                if !PROFILE_KEYS.contains(&key) {
                    cx.unknown_key(what, key, key_span(t, key), PROFILE_KEYS);
                }
            }
            name = get_local_text(&mut cx, t, "name", what);
            if name.is_none() && t.get("name").is_none() {
                cx.err_help(t!("profile.no_name"), t.span(), t!("profile.no_name_help"));
            }
            version = get_string(&mut cx, t, "version", what).map(|(s, _)| s);
            contact = get_string(&mut cx, t, "contact", what).map(|(s, _)| s);
            let _ = get_string(&mut cx, t, "description", what);
            timeout = get_duration(&mut cx, t, "timeout", what);
            deadline = get_duration(&mut cx, t, "deadline", what);
        }
        Some(other) => cx.err(
            t!(
                "profile.must_be_table",
                key = "profile",
                found = type_name(other)
            ),
            item_span(other),
        ),
        None => cx.err_help(
            t!("profile.no_profile"),
            Some(0..0),
            t!("profile.no_profile_help"),
        ),
    }

    // [plugins]
    let mut plugins = PluginSettings::default();
    match root.get("plugins") {
        Some(Item::Table(t)) => {
            let what = &What::Section("[plugins]");
            for (key, _) in t.iter() {
                if !PLUGINS_KEYS.contains(&key) {
                    cx.unknown_key(what, key, key_span(t, key), PLUGINS_KEYS);
                }
            }
            if let Some(dirs) = get_string_list(&mut cx, t, "dirs", what) {
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
                                    t!("profile.bad_pin", plugin = plugin),
                                    span,
                                    t!("profile.bad_pin_help"),
                                ),
                            }
                        }
                    }
                    None => cx.err(
                        t!("profile.pins_must_be_table", found = type_name(item)),
                        item_span(item),
                    ),
                },
            }
        }
        Some(other) => cx.err(
            t!(
                "profile.must_be_table",
                key = "plugins",
                found = type_name(other)
            ),
            item_span(other),
        ),
        None => {}
    }

    // [report]
    let mut report = ReportSettings::default();
    match root.get("report") {
        Some(Item::Table(t)) => {
            let what = &What::Section("[report]");
            for (key, _) in t.iter() {
                if !REPORT_KEYS.contains(&key) {
                    cx.unknown_key(what, key, key_span(t, key), REPORT_KEYS);
                }
            }
            if let Some((url, span)) = get_string(&mut cx, t, "submit", what) {
                if url.starts_with("http://") || url.starts_with("https://") {
                    report.submit = Some(url);
                } else {
                    cx.err_help(
                        t!("profile.submit_not_url", url = url),
                        span,
                        t!("profile.submit_help"),
                    );
                }
            }
            report.auth_header_env =
                get_string(&mut cx, t, "auth_header_env", what).map(|(s, _)| s);
            if let Some((v, span)) = get_string(&mut cx, t, "notify", what) {
                match crate::notify::When::parse(&v) {
                    Some(w) => report.notify = w,
                    None => cx.err_help(
                        t!("profile.bad_notify", value = v),
                        span,
                        t!("profile.notify_help"),
                    ),
                }
            }
        }
        Some(other) => cx.err(
            t!(
                "profile.must_be_table",
                key = "report",
                found = type_name(other)
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
            t!("profile.check_not_sections", found = type_name(other)),
            item_span(other),
            t!("profile.check_sections_help"),
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
        name: name
            .as_ref()
            .map(|n| n.get(crate::i18n::current()).to_string())
            .unwrap_or_default(),
        names: name.unwrap_or_default(),
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
    let numbered = What::Words(t!("profile.what.check_n", n = n));
    let id = get_string(cx, t, "id", &numbered).map(|(s, span)| {
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            cx.err_help(
                t!("profile.bad_id", id = &s),
                span,
                t!("profile.bad_id_help"),
            );
        }
        s
    });
    if t.get("id").is_none() {
        cx.err_help(
            t!("profile.no_id", n = n),
            header.clone(),
            t!("profile.no_id_help"),
        );
    }
    let what = match &id {
        Some(id) => What::Words(t!("profile.what.check", id = id)),
        None => numbered,
    };
    let plugin = get_string(cx, t, "plugin", &what);
    if t.get("plugin").is_none() {
        cx.err_help(
            t!("profile.no_plugin", what = what.arg()),
            header.clone(),
            t!("profile.no_plugin_help"),
        );
    }
    let kind = get_string(cx, t, "kind", &what);
    if t.get("kind").is_none() {
        cx.err_help(
            t!("profile.no_kind", what = what.arg()),
            header.clone(),
            t!("profile.no_kind_help"),
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
                const SEVERITIES: [&str; 3] = ["required", "recommended", "info"];
                let help = did_you_mean(other, SEVERITIES)
                    .unwrap_or_else(|| t!("profile.use_one_of", choices = names_arg(&SEVERITIES)));
                cx.err_help(
                    t!(
                        "profile.unknown_severity",
                        severity = other,
                        what = what.arg()
                    ),
                    span,
                    help,
                );
                Severity::Required
            }
        },
    };
    let needs = get_string_list(cx, t, "needs", &what).unwrap_or_default();
    let timeout = get_duration(cx, t, "timeout", &what);
    let fix = get_local_text(cx, t, "fix", &what);
    let fixes = get_fixes(cx, t, &what);
    let layer = get_string(cx, t, "layer", &what).and_then(|(s, span)| {
        let layer = Layer::parse(&s);
        if layer.is_none() {
            let names: Vec<&str> = Layer::NAMED.iter().map(|l| l.as_str()).collect();
            let help = did_you_mean(&s, names.iter().copied())
                .unwrap_or_else(|| t!("profile.use_one_of", choices = names_arg(&names)));
            cx.err_help(
                t!("profile.unknown_layer", layer = &s, what = what.arg()),
                span,
                help,
            );
        }
        layer
    });
    let os = get_string_list(cx, t, "os", &what).map(|list| {
        list.into_iter()
            .map(|(s, span)| {
                if !KNOWN_OS.contains(&s.as_str()) {
                    let help = did_you_mean(&s, KNOWN_OS.iter().copied())
                        .unwrap_or_else(|| t!("profile.use_any_of", choices = names_arg(KNOWN_OS)));
                    cx.err_help(
                        t!("profile.unknown_os", os = &s, what = what.arg()),
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
        fixes,
        os,
        layer,
        params,
        spans,
    })
}

/// `fixes = { "network.tls.expired" = "…", company = { en = "…", zh-CN = "…" } }`: advice per
/// outcome code or per owner. A key is a code (`plugin.kind.outcome`) or an owner's name.
fn get_fixes(cx: &mut Cx, t: &Table, what: &What) -> BTreeMap<String, LocalText> {
    let mut fixes = BTreeMap::new();
    let Some(item) = t.get("fixes") else {
        return fixes;
    };
    let Some(table) = item.as_table_like() else {
        cx.err_help(
            t!(
                "profile.fixes_not_table",
                what = what.arg(),
                found = type_name(item)
            ),
            item_span(item),
            t!("profile.fixes_help"),
        );
        return fixes;
    };
    let owners: Vec<&str> = Owner::NAMED.iter().map(|o| o.as_str()).collect();
    for (key, v) in table.iter() {
        let is_code = key.split('.').count() >= 3 && key.split('.').all(|p| !p.is_empty());
        if !is_code && !owners.contains(&key) {
            let help = did_you_mean(key, owners.iter().copied())
                .unwrap_or_else(|| t!("profile.fixes_help"));
            cx.err_help(
                t!("profile.bad_fixes_key", key = key, what = what.arg()),
                table.key(key).and_then(|k| k.span()),
                help,
            );
            continue;
        }
        let mut one = Table::new();
        one.insert("fix", v.clone());
        if let Some(text) = get_local_text(cx, &one, "fix", what) {
            fixes.insert(key.to_string(), text);
        }
    }
    fixes
}

/// Duplicate ids, unknown `needs`, and cycles.
fn check_graph(cx: &mut Cx, checks: &[Check]) {
    let mut first: HashMap<&str, usize> = HashMap::new();
    for (i, c) in checks.iter().enumerate() {
        if first.contains_key(c.id.as_str()) {
            cx.err_help(
                t!("profile.duplicate_id", id = &c.id),
                c.spans.table.clone(),
                t!("profile.duplicate_id_help"),
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
                cx.err(t!("profile.needs_itself", id = &c.id), span);
            } else if !first.contains_key(need.as_str()) {
                let help = did_you_mean(need, ids.iter().copied())
                    .unwrap_or_else(|| t!("profile.needs_help"));
                cx.err_help(
                    t!("profile.unknown_need", id = &c.id, need = need),
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
                    t!("profile.cycle", path = path.join(" → ")),
                    checks[j].spans.table.clone(),
                    t!("profile.cycle_help"),
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
        let msgs: Vec<String> = d.iter().map(|d| d.message_in(Locale::En)).collect();
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
        let tiemout = d
            .iter()
            .find(|d| d.message_in(Locale::En).contains("tiemout"))
            .unwrap();
        assert_eq!(
            tiemout.help_in(Locale::En).as_deref(),
            Some("did you mean `timeout`?")
        );
        assert_eq!(&text[tiemout.span.clone().unwrap()], "tiemout");
    }

    #[test]
    fn cycles_are_named() {
        let text = format!(
            "{HEAD}[[check]]\nid = \"a\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"b\"]\n[[check]]\nid = \"b\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"a\"]\n"
        );
        let d = errors(&text);
        assert!(
            d.iter()
                .any(|d| d.message_in(Locale::En) == "dependency cycle: a → b → a"),
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
        let msgs: Vec<String> = d.iter().map(|d| d.message_in(Locale::En)).collect();
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
