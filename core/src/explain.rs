//! `readycheck explain PLUGIN[/KIND]`: a kind's parameters (type, default, required, meaning)
//! and an example TOML snippet, read from the plugin's manifest. The frame is in the reader's
//! language; kind titles, descriptions and type names are the plugin's own words.

use std::fmt::Write as _;

use readycheck_sdk::i18n::{Locale, Msg};
use readycheck_sdk::{KindManifest, Manifest, t};
use serde_json::Value;

/// Explains every kind of `manifest`, or just `kind`.
pub fn explain(manifest: &Manifest, kind: Option<&str>, lang: Locale) -> Result<String, String> {
    let tr = |m: Msg| crate::i18n::render(lang, &m);
    let mut out = String::new();
    match kind {
        Some(k) => {
            let Some(km) = manifest.kind(k) else {
                let names: Vec<&str> = manifest.kinds.iter().map(|k| k.name.as_str()).collect();
                let hint = crate::profile::diagnostic::did_you_mean(k, names.iter().copied())
                    .unwrap_or_else(|| {
                        readycheck_sdk::t!(
                            "explain.it_provides",
                            kinds = names.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                        )
                    });
                return Err(crate::tr!(
                    lang,
                    "explain.no_kind",
                    plugin = &manifest.name,
                    kind = k,
                    hint = hint
                ));
            };
            explain_kind(&mut out, manifest, km, lang);
        }
        None => {
            let _ = writeln!(
                out,
                "{}",
                tr(t!(
                    "explain.plugin",
                    name = &manifest.name,
                    version = &manifest.version
                ))
            );
            if !manifest.os.is_empty() {
                let _ = writeln!(out, "{}", tr(t!("explain.runs_on", os = &manifest.os)));
            }
            let _ = writeln!(out);
            for km in &manifest.kinds {
                explain_kind(&mut out, manifest, km, lang);
                let _ = writeln!(out);
            }
        }
    }
    Ok(out)
}

fn resolve<'a>(root: &'a Value, s: &'a Value) -> &'a Value {
    match s
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        Some(name) => root.get("$defs").and_then(|d| d.get(name)).unwrap_or(s),
        None => s,
    }
}

fn type_of(root: &Value, s: &Value, lang: Locale) -> String {
    let s = resolve(root, s);
    if let Some(t) = s.get("type") {
        return match t {
            Value::String(t) if t == "array" => match s.get("items") {
                Some(items) => {
                    crate::tr!(lang, "explain.list_of", type = type_of(root, items, lang))
                }
                None => "list".into(),
            },
            Value::String(t) => t.clone(),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" | "),
            _ => "any".into(),
        };
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(bs)) = s.get(key) {
            let parts: Vec<String> = bs
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .map(|b| match resolve(root, b).get("const") {
                    Some(c) => c.to_string(),
                    None => type_of(root, b, lang),
                })
                .collect();
            return parts.join(" | ");
        }
    }
    if let Some(Value::Array(e)) = s.get("enum") {
        return e
            .iter()
            .map(Value::to_string)
            .collect::<Vec<_>>()
            .join(" | ");
    }
    "any".into()
}

fn explain_kind(out: &mut String, manifest: &Manifest, km: &KindManifest, lang: Locale) {
    let tr = |m: Msg| crate::i18n::render(lang, &m);
    let _ = writeln!(out, "{}/{} — {}", manifest.name, km.name, km.title);
    if !km.description.is_empty() {
        let _ = writeln!(out, "\n{}", km.description);
    }
    if let Some(os) = &km.os {
        let _ = writeln!(out, "\n{}", tr(t!("explain.runs_on", os = os)));
    }
    let root = &km.params;
    let required: Vec<&str> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let _ = writeln!(out, "\n{}", tr(t!("explain.parameters")));
    match root.get("properties").and_then(Value::as_object) {
        Some(props) if !props.is_empty() => {
            for (name, s) in props {
                let req = if required.contains(&name.as_str()) {
                    t!("explain.required")
                } else {
                    match resolve(root, s).get("default").or_else(|| s.get("default")) {
                        Some(d) if !d.is_null() => t!("explain.default", value = d.to_string()),
                        _ => t!("explain.optional"),
                    }
                };
                let _ = writeln!(
                    out,
                    "  {}",
                    tr(t!(
                        "explain.param",
                        name = name,
                        type = type_of(root, s, lang),
                        req = req
                    ))
                );
                if let Some(d) = s
                    .get("description")
                    .or_else(|| resolve(root, s).get("description"))
                    .and_then(Value::as_str)
                {
                    for line in d.lines() {
                        let _ = writeln!(out, "      {line}");
                    }
                }
            }
        }
        _ => {
            let _ = writeln!(out, "  {}", tr(t!("explain.no_params")));
        }
    }
    let _ = writeln!(out, "\n{}", tr(t!("explain.common")));
    if !km.example.is_empty() {
        let _ = writeln!(out, "\n{}\n", tr(t!("explain.example")));
        for line in km.example.trim_end().lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
}
