//! One `[[check]]` section → a [`Check`]: the keys the host reads (id, plugin, kind, severity,
//! needs, timeout, advice, OS filter, layer), each judged with its span, and every other key
//! kept as a plugin parameter for the manifest stage ([`super::validate`]).

use std::collections::BTreeMap;

use toml_edit::Table;

use readycheck_sdk::t;

use super::diagnostic::did_you_mean;
use super::toml_read::{
    Cx, What, field_path, get_duration, get_local_text, get_string, get_string_list, item_span,
    key_span, names_arg, to_json, type_name,
};
use super::{Check, CheckSpans, HOST_CHECK_KEYS, LocalText, Severity};
use crate::diagnosis::{Layer, Owner};

/// The operating systems `os = [...]` may name.
const KNOWN_OS: &[&str] = &["linux", "windows", "macos"];
const SEVERITIES: [&str; 3] = ["required", "recommended", "info"];

/// The field path of the check at `index` (0-based, in file order).
pub(super) fn check_path(index: usize) -> String {
    format!("check[{index}]")
}

/// Parses the `index`th (0-based) `[[check]]`. A check with other mistakes is still returned
/// when it has an id, a plugin and a kind, so that duplicate ids, `needs` and its parameters
/// are judged too and every problem is reported in one go.
pub(super) fn parse_check(cx: &mut Cx, t: &Table, index: usize) -> Option<Check> {
    let header = t.span();
    let n = index + 1;
    let path = check_path(index);
    let numbered = What::words(t!("profile.what.check_n", n = n), &path);
    let id_span = t.get("id").and_then(item_span);
    let id = get_string(cx, t, "id", &numbered).map(|(s, span)| {
        if s.is_empty()
            || !s
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        {
            cx.err_help(
                t!("profile.bad_id", id = &s),
                span,
                numbered.field("id"),
                t!("profile.bad_id_help"),
            );
        }
        s
    });
    if t.get("id").is_none() {
        cx.err_help(
            t!("profile.no_id", n = n),
            header.clone(),
            numbered.field("id"),
            t!("profile.no_id_help"),
        );
    }
    let what = match &id {
        Some(id) => What::words(t!("profile.what.check", id = id), &path),
        None => numbered,
    };
    let plugin = get_string(cx, t, "plugin", &what);
    if t.get("plugin").is_none() {
        cx.err_help(
            t!("profile.no_plugin", what = what.arg()),
            header.clone(),
            what.field("plugin"),
            t!("profile.no_plugin_help"),
        );
    }
    let kind = get_string(cx, t, "kind", &what);
    if t.get("kind").is_none() {
        cx.err_help(
            t!("profile.no_kind", what = what.arg()),
            header.clone(),
            what.field("kind"),
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
                let help = did_you_mean(other, SEVERITIES)
                    .unwrap_or_else(|| t!("profile.use_one_of", choices = names_arg(&SEVERITIES)));
                cx.err_help(
                    t!(
                        "profile.unknown_severity",
                        severity = other,
                        what = what.arg()
                    ),
                    span,
                    what.field("severity"),
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
                what.field("layer"),
                help,
            );
        }
        layer
    });
    let os = get_os(cx, t, &what);

    let mut params = serde_json::Map::new();
    let mut spans = CheckSpans {
        index,
        table: header,
        id: id_span,
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

/// `os = ["windows", "linux"]`: the systems the check runs on (skipped elsewhere).
fn get_os(cx: &mut Cx, t: &Table, what: &What) -> Option<Vec<String>> {
    let list = get_string_list(cx, t, "os", what)?;
    let field = what.field("os");
    let mut out = Vec::with_capacity(list.len());
    for (i, (s, span)) in list.into_iter().enumerate() {
        if !KNOWN_OS.contains(&s.as_str()) {
            let help = did_you_mean(&s, KNOWN_OS.iter().copied())
                .unwrap_or_else(|| t!("profile.use_any_of", choices = names_arg(KNOWN_OS)));
            cx.err_help(
                t!("profile.unknown_os", os = &s, what = what.arg()),
                span,
                format!("{field}[{i}]"),
                help,
            );
        }
        out.push(s);
    }
    Some(out)
}

/// `fixes = { "network.tls.expired" = "…", company = { en = "…", zh-CN = "…" } }`: advice per
/// outcome code or per owner. A key is a code (`plugin.kind.outcome`) or an owner's name.
fn get_fixes(cx: &mut Cx, t: &Table, what: &What) -> BTreeMap<String, LocalText> {
    let mut fixes = BTreeMap::new();
    let Some(item) = t.get("fixes") else {
        return fixes;
    };
    let field = what.field("fixes");
    let Some(table) = item.as_table_like() else {
        cx.err_help(
            t!(
                "profile.fixes_not_table",
                what = what.arg(),
                found = type_name(item)
            ),
            item_span(item),
            field,
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
                field_path(&field, key),
                help,
            );
            continue;
        }
        // Read as a `fix` (the messages name it so), its problems filed under its own key.
        let mut one = Table::new();
        one.insert("fix", v.clone());
        let before = cx.diags.len();
        let text = get_local_text(cx, &one, "fix", what);
        let (read_as, file_as) = (what.field("fix"), field_path(&field, key));
        for d in &mut cx.diags[before..] {
            if let Some(f) = d.field.as_mut().filter(|f| f.starts_with(&read_as)) {
                *f = format!("{file_as}{}", &f[read_as.len()..]);
            }
        }
        if let Some(text) = text {
            fixes.insert(key.to_string(), text);
        }
    }
    fixes
}
