//! A small JSON Schema validator for check parameters. Plugins describe their parameters as JSON
//! Schema (Rust plugins generate it with schemars); the host checks a profile against it before
//! anything runs. Supported keywords: `type`, `enum`, `const`, `properties`, `required`,
//! `additionalProperties`, `items`, `minimum`, `maximum`, `exclusiveMinimum`,
//! `exclusiveMaximum`, `minLength`, `maxLength`, `minItems`, `maxItems`, `anyOf`, `oneOf`,
//! `allOf` and local `$ref` (`#/$defs/…`, `#/definitions/…`). Other keywords (`format`,
//! `pattern`, …) are ignored — the plugin still validates what it receives.

use readycheck_sdk::i18n::{Arg, Msg};
use readycheck_sdk::t;
use serde_json::Value;

use super::diagnostic::did_you_mean;

/// One way a value does not fit its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// Where in the value: object keys and array indexes from the top.
    pub path: Vec<String>,
    pub message: Msg,
    pub help: Option<Msg>,
    /// The error is about a key that should not be there (point at the key, not the value).
    pub unknown_key: bool,
}

/// Validates `value` against `schema` (whose root also holds `$defs`).
pub fn validate(schema: &Value, value: &Value) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    check(schema, schema, value, &mut Vec::new(), &mut errors);
    errors
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut s = schema;
    for _ in 0..32 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return s;
        };
        let target = r
            .strip_prefix("#/$defs/")
            .and_then(|n| root.get("$defs").and_then(|d| d.get(n)))
            .or_else(|| {
                r.strip_prefix("#/definitions/")
                    .and_then(|n| root.get("definitions").and_then(|d| d.get(n)))
            })
            .or_else(|| (r == "#").then_some(root));
        match target {
            Some(t) => s = t,
            None => return s,
        }
    }
    s
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "number" => v.is_number(),
        "integer" => json_type(v) == "integer",
        other => json_type(v) == other,
    }
}

fn human_type(t: &str) -> Arg {
    Arg::from(match t {
        "string" => t!("schema.type.string"),
        "integer" => t!("schema.type.integer"),
        "number" => t!("schema.type.number"),
        "boolean" => t!("schema.type.boolean"),
        "array" => t!("schema.type.array"),
        "object" => t!("schema.type.object"),
        "null" => t!("schema.type.null"),
        other => return Arg::from(other),
    })
}

/// "a or b or c" in the reader's language.
fn either(mut options: Vec<Arg>) -> Arg {
    let Some(mut out) = options.pop() else {
        return Arg::from("");
    };
    while let Some(before) = options.pop() {
        out = Arg::from(t!("schema.or", a = before, b = out));
    }
    out
}

/// `a, b, c` as the locale lists them.
fn listed(names: Vec<String>) -> Arg {
    Arg::List(names)
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

fn err(path: &[String], message: Msg, errors: &mut Vec<SchemaError>) {
    errors.push(SchemaError {
        path: path.to_vec(),
        message,
        help: None,
        unknown_key: false,
    });
}

fn check(
    root: &Value,
    schema: &Value,
    value: &Value,
    path: &mut Vec<String>,
    errors: &mut Vec<SchemaError>,
) {
    let schema = resolve(root, schema);
    let Some(obj) = schema.as_object() else {
        return;
    };

    if let Some(t) = obj.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
            let wanted: Vec<Arg> = types
                .iter()
                .filter(|t| **t != "null")
                .map(|t| human_type(t))
                .collect();
            err(
                path,
                t!(
                    "schema.must_be",
                    wanted = either(wanted),
                    found = show(value)
                ),
                errors,
            );
            return;
        }
    }
    if let Some(c) = obj.get("const")
        && c != value
    {
        err(
            path,
            t!("schema.must_be", wanted = show(c), found = show(value)),
            errors,
        );
    }
    if let Some(Value::Array(options)) = obj.get("enum")
        && !options.contains(value)
    {
        let names: Vec<String> = options.iter().map(show).collect();
        let mut e = SchemaError {
            path: path.clone(),
            message: t!(
                "schema.not_one_of",
                value = show(value),
                choices = listed(names)
            ),
            help: None,
            unknown_key: false,
        };
        if let Some(s) = value.as_str() {
            e.help = did_you_mean(s, options.iter().filter_map(Value::as_str));
        }
        errors.push(e);
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = obj.get(key) {
            let mut best: Option<Vec<SchemaError>> = None;
            let mut any_ok = false;
            for b in branches {
                let mut e = Vec::new();
                check(root, b, value, path, &mut e);
                if e.is_empty() {
                    any_ok = true;
                    break;
                }
                if best.as_ref().is_none_or(|bst| e.len() < bst.len()) {
                    best = Some(e);
                }
            }
            if !any_ok {
                // Unit-variant enums come out of schemars as oneOf of consts: list them.
                let consts: Vec<&Value> = branches
                    .iter()
                    .filter_map(|b| resolve(root, b).get("const"))
                    .collect();
                if consts.len() == branches.len() && !consts.is_empty() {
                    let names: Vec<String> = consts.iter().map(|c| show(c)).collect();
                    let help = value
                        .as_str()
                        .and_then(|s| did_you_mean(s, consts.iter().filter_map(|c| c.as_str())));
                    errors.push(SchemaError {
                        path: path.clone(),
                        message: t!(
                            "schema.not_one_of",
                            value = show(value),
                            choices = listed(names)
                        ),
                        help,
                        unknown_key: false,
                    });
                } else {
                    errors.extend(best.unwrap_or_default());
                }
            }
        }
    }
    if let Some(Value::Array(all)) = obj.get("allOf") {
        for s in all {
            check(root, s, value, path, errors);
        }
    }

    match value {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if let Some(min) = obj.get("minimum").and_then(Value::as_f64)
                && x < min
            {
                err(
                    path,
                    t!("schema.at_least", min = min.to_string(), n = n.to_string()),
                    errors,
                );
            }
            if let Some(max) = obj.get("maximum").and_then(Value::as_f64)
                && x > max
            {
                err(
                    path,
                    t!("schema.at_most", max = max.to_string(), n = n.to_string()),
                    errors,
                );
            }
            if let Some(min) = obj.get("exclusiveMinimum").and_then(Value::as_f64)
                && x <= min
            {
                err(
                    path,
                    t!("schema.more_than", min = min.to_string(), n = n.to_string()),
                    errors,
                );
            }
            if let Some(max) = obj.get("exclusiveMaximum").and_then(Value::as_f64)
                && x >= max
            {
                err(
                    path,
                    t!("schema.less_than", max = max.to_string(), n = n.to_string()),
                    errors,
                );
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(min) = obj.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                err(path, t!("schema.min_length", min = min), errors);
            }
            if let Some(max) = obj.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                err(path, t!("schema.max_length", max = max), errors);
            }
        }
        Value::Array(items) => {
            if let Some(min) = obj.get("minItems").and_then(Value::as_u64)
                && (items.len() as u64) < min
            {
                err(
                    path,
                    t!("schema.min_items", min = min, n = items.len()),
                    errors,
                );
            }
            if let Some(max) = obj.get("maxItems").and_then(Value::as_u64)
                && (items.len() as u64) > max
            {
                err(
                    path,
                    t!("schema.max_items", max = max, n = items.len()),
                    errors,
                );
            }
            if let Some(item_schema) = obj.get("items") {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    check(root, item_schema, item, path, errors);
                    path.pop();
                }
            }
        }
        Value::Object(map) => {
            let props = obj.get("properties").and_then(Value::as_object);
            if let Some(Value::Array(required)) = obj.get("required") {
                for r in required.iter().filter_map(Value::as_str) {
                    if !map.contains_key(r) {
                        let mut e = SchemaError {
                            path: path.clone(),
                            message: t!("schema.missing", name = r),
                            help: None,
                            unknown_key: false,
                        };
                        if let Some(desc) = props
                            .and_then(|p| p.get(r))
                            .and_then(|s| resolve(root, s).get("description"))
                            .and_then(Value::as_str)
                        {
                            e.help = Some(t!("schema.described", name = r, description = desc));
                        }
                        errors.push(e);
                    }
                }
            }
            for (k, v) in map {
                path.push(k.clone());
                match props.and_then(|p| p.get(k)) {
                    Some(s) => check(root, s, v, path, errors),
                    None => match obj.get("additionalProperties") {
                        Some(Value::Bool(false)) => {
                            let known: Vec<&str> = props
                                .map(|p| p.keys().map(String::as_str).collect())
                                .unwrap_or_default();
                            errors.push(SchemaError {
                                path: path.clone(),
                                message: t!("schema.unknown_param", name = k),
                                help: Some(did_you_mean(k, known.iter().copied()).unwrap_or_else(
                                    || {
                                        if known.is_empty() {
                                            t!("schema.no_params")
                                        } else {
                                            t!(
                                                "schema.params_here",
                                                names = listed(
                                                    known.iter().map(|k| k.to_string()).collect()
                                                )
                                            )
                                        }
                                    },
                                )),
                                unknown_key: true,
                            });
                        }
                        Some(s @ Value::Object(_)) => check(root, s, v, path, errors),
                        _ => {}
                    },
                }
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Locale, render};
    use serde_json::json;

    fn schema() -> Value {
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["target"],
            "properties": {
                "target": {"type": "string", "description": "host:port to connect to"},
                "count": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
                "mode": {"$ref": "#/$defs/Mode"},
                "urls": {"type": "array", "items": {"type": "string"}, "minItems": 1}
            },
            "$defs": {"Mode": {"oneOf": [{"const": "get"}, {"const": "head"}]}}
        })
    }

    #[test]
    fn valid_params_pass() {
        let v = json!({"target": "h:1", "count": 3, "mode": "head", "urls": ["a"]});
        assert_eq!(validate(&schema(), &v), vec![]);
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        let v = json!({"tagret": "h:1", "count": 0, "mode": "hed", "urls": [1]});
        let errs = validate(&schema(), &v);
        let msgs: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.path.join("."), render(Locale::En, &e.message)))
            .collect();
        assert!(
            msgs.contains(&": missing required parameter `target`".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"tagret: unknown parameter `tagret`".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"count: must be at least 1, found 0".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"mode: \"hed\" is not one of \"get\", \"head\"".to_string()),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(&"urls.0: must be a string, found 1".to_string()),
            "{msgs:?}"
        );
        let unknown = errs.iter().find(|e| e.unknown_key).unwrap();
        assert_eq!(
            unknown
                .help
                .as_ref()
                .map(|h| render(Locale::En, h))
                .as_deref(),
            Some("did you mean `target`?")
        );
    }

    #[test]
    fn integers_are_numbers_but_not_the_reverse() {
        let s = json!({"type": "number"});
        assert!(validate(&s, &json!(3)).is_empty());
        let s = json!({"type": "integer"});
        assert_eq!(validate(&s, &json!(3.5)).len(), 1);
    }
}
