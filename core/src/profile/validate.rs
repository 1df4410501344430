//! Second stage of profile checking: each check against its plugin — the plugin is installed
//! and usable (else a "did you mean" among those installed), the kind exists, and its
//! parameters fit the kind's JSON Schema. Produces diagnostics with spans and field paths into
//! the profile, like the parser does; [`problems`] joins both stages for `readycheck validate`.

use std::collections::{BTreeMap, BTreeSet};

use readycheck_sdk::i18n::Arg;
use readycheck_sdk::{Manifest, t};

use super::check::check_path;
use super::diagnostic::{Diagnostic, did_you_mean};
use super::schema;
use super::toml_read::field_path;
use super::{Draft, HOST_CHECK_KEYS, Profile};
use crate::plugin::discovery;
use crate::plugin::registry::{PluginState, Plugins};

/// Every problem of a profile read as a [`Draft`], given its plugins as discovered: what the
/// parser found, each check against its plugin's manifest, and each plugin that is missing,
/// refused or broken — in the order of the file (problems without a position last).
pub fn problems(draft: &Draft, plugins: &Plugins) -> Vec<Diagnostic> {
    let mut diags = draft.diagnostics.clone();
    diags.extend(validate_params(&draft.profile, &plugins.manifests()));
    diags.extend(plugin_problems(&draft.profile, plugins));
    diags.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
    diags
}

/// Plugins named by the checks that cannot be used: not installed (with a "did you mean"
/// among the plugins on the search path), refused by the trust rules, or broken. One problem
/// per plugin, at its first check.
pub fn plugin_problems(profile: &Profile, plugins: &Plugins) -> Vec<Diagnostic> {
    let mut installed: BTreeSet<String> = plugins
        .states
        .iter()
        .filter(|(_, s)| !matches!(s, PluginState::Missing))
        .map(|(n, _)| n.clone())
        .collect();
    for dir in &plugins.search_path {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        installed.extend(entries.flatten().filter_map(|e| {
            discovery::plugin_name(&e.file_name().to_string_lossy()).map(str::to_string)
        }));
    }
    let mut diags = Vec::new();
    let mut reported = BTreeSet::new();
    for check in &profile.checks {
        let (message, help) = match plugins.states.get(&check.plugin) {
            Some(PluginState::Ready { .. }) => continue,
            Some(PluginState::Refused { reason, .. }) => (
                t!(
                    "profile.plugin_refused",
                    plugin = &check.plugin,
                    reason = reason.to_string()
                ),
                None,
            ),
            Some(PluginState::Broken { error, .. }) => (
                t!(
                    "profile.plugin_broken",
                    plugin = &check.plugin,
                    cause = error.cause().as_str(),
                    reason = error.message()
                ),
                None,
            ),
            Some(PluginState::Missing) | None => {
                let dirs: Vec<String> = plugins
                    .search_path
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect();
                let near = did_you_mean(&check.plugin, installed.iter().map(String::as_str));
                let help = match near {
                    Some(near) => t!("profile.plugin_near", near = near, dirs = dirs),
                    None => t!("profile.plugin_missing_help", dirs = dirs),
                };
                (
                    t!(
                        "profile.plugin_missing",
                        plugin = &check.plugin,
                        file = discovery::file_name(&check.plugin)
                    ),
                    Some(help),
                )
            }
        };
        if reported.insert(check.plugin.clone()) {
            let mut d = Diagnostic::new(message, check.spans.plugin.clone())
                .field(format!("{}.plugin", check_path(check.spans.index)));
            d.help = help;
            diags.push(d);
        }
    }
    diags
}

/// Checks every check whose plugin has a manifest in `manifests`. Checks of plugins that are
/// missing or broken are not judged here; the caller reports those plugins separately.
pub fn validate_params(
    profile: &Profile,
    manifests: &BTreeMap<String, Manifest>,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for check in &profile.checks {
        let Some(manifest) = manifests.get(&check.plugin) else {
            continue;
        };
        let Some(kind) = manifest.kind(&check.kind) else {
            let names: Vec<&str> = manifest.kinds.iter().map(|k| k.name.as_str()).collect();
            let help = did_you_mean(&check.kind, names.iter().copied()).unwrap_or_else(|| {
                t!(
                    "profile.kinds_help",
                    plugin = &manifest.name,
                    kinds = Arg::List(names.iter().map(|n| n.to_string()).collect())
                )
            });
            diags.push(
                Diagnostic::new(
                    t!(
                        "profile.no_such_kind",
                        id = &check.id,
                        plugin = &check.plugin,
                        kind = &check.kind
                    ),
                    check.spans.kind.clone(),
                )
                .field(format!("{}.kind", check_path(check.spans.index)))
                .help(help),
            );
            continue;
        };
        let value = serde_json::Value::Object(check.params.clone());
        for e in schema::validate(&kind.params, &value) {
            let top = e.path.first().cloned();
            let spans = top.as_ref().and_then(|k| check.spans.params.get(k));
            let span = match spans {
                Some((key, _)) if e.unknown_key && e.path.len() == 1 => key.clone(),
                Some((_, value)) => value.clone(),
                None => check.spans.table.clone(),
            };
            let message = match &top {
                Some(_) if e.unknown_key && e.path.len() == 1 => t!(
                    "profile.unknown_param_key",
                    id = &check.id,
                    key = &e.path[0],
                    plugin = &check.plugin,
                    kind = &check.kind
                ),
                Some(_) => t!(
                    "profile.param_problem",
                    id = &check.id,
                    path = e.path.join("."),
                    problem = e.message.clone()
                ),
                None => t!(
                    "profile.check_problem",
                    id = &check.id,
                    problem = e.message.clone()
                ),
            };
            let mut help = e.help.clone();
            if e.unknown_key && e.path.len() == 1 {
                // A typo of a host key (`neds`) lands among the parameters: suggest from both.
                let params: Vec<String> = kind
                    .params
                    .get("properties")
                    .and_then(|p| p.as_object())
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                let all = params
                    .iter()
                    .map(String::as_str)
                    .chain(HOST_CHECK_KEYS.iter().copied());
                help = Some(did_you_mean(&e.path[0], all).unwrap_or_else(|| {
                    t!(
                        "profile.explain_help",
                        plugin = &check.plugin,
                        kind = &check.kind
                    )
                }));
            }
            // The field: the check's path, then the parameter's; a missing parameter is named
            // by the key it should have.
            let mut field = check_path(check.spans.index);
            for part in &e.path {
                field = match part.parse::<usize>() {
                    Ok(i) if field != check_path(check.spans.index) => format!("{field}[{i}]"),
                    _ => field_path(&field, part),
                };
            }
            if e.message.id == "schema.missing"
                && let Some(Arg::Text(name)) = e.message.args.get("name")
            {
                field = field_path(&field, name);
            }
            // Every parameter problem says where the parameters are described.
            let help = help.unwrap_or_else(|| {
                t!(
                    "profile.explain_help",
                    plugin = &check.plugin,
                    kind = &check.kind
                )
            });
            let mut d = Diagnostic::new(message, span).field(field);
            if !(e.unknown_key && e.path.len() == 1) {
                d.code = Some(e.message.id.clone());
            }
            d.help = Some(help);
            diags.push(d);
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;
    use crate::profile::Source;

    fn manifest() -> Manifest {
        serde_json::from_value(serde_json::json!({
            "name": "net",
            "version": "1",
            "kinds": [{
                "name": "tcp",
                "title": "TCP",
                "params": {
                    "type": "object",
                    "properties": {
                        "target": { "type": "string" },
                        "ports": { "type": "array", "items": { "type": "integer" } }
                    },
                    "required": ["target"],
                    "additionalProperties": false
                }
            }]
        }))
        .unwrap()
    }

    #[test]
    fn every_stage_is_judged_at_once_with_fields_codes_and_fixes() {
        let text = "[profile]\nname = \"t\"\ntiemout = \"1s\"\n[[check]]\nid = \"a\"\nplugin = \"net\"\nkind = \"tcp\"\nports = [1, \"x\"]\n[[check]]\nid = \"a\"\nplugin = \"nte\"\nkind = \"tcp\"\n";
        let draft = Draft::parse(text, Source::Embedded).unwrap();
        let plugins = Plugins {
            search_path: Vec::new(),
            states: BTreeMap::from([
                ("net".to_string(), PluginState::Missing),
                ("nte".to_string(), PluginState::Missing),
            ]),
        };
        // Without the manifest: the file's problems and the missing plugins, near names
        // suggested only among plugins that exist (none here).
        let d = problems(&draft, &plugins);
        let codes: Vec<&str> = d.iter().map(|d| d.code()).collect();
        assert_eq!(
            codes,
            [
                "profile.unknown_key",
                "profile.plugin_missing",
                "profile.duplicate_id",
                "profile.plugin_missing"
            ],
            "{d:?}"
        );
        assert!(d[1].help_in(Locale::En).unwrap().starts_with("searched:"));

        // With it: the parameters are judged beside the rest, and `nte` is near `net`.
        let mut manifests = BTreeMap::new();
        manifests.insert("net".to_string(), manifest());
        let params = validate_params(&draft.profile, &manifests);
        let got: Vec<(&str, Option<&str>)> = params
            .iter()
            .map(|d| (d.code(), d.field.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("schema.missing", Some("check[0].target")),
                ("schema.must_be", Some("check[0].ports[1]")),
            ],
            "{params:?}"
        );
        assert!(params.iter().all(|d| d.help.is_some()), "{params:?}");
        assert_eq!(
            params[0].help_in(Locale::En).as_deref(),
            Some("see `readycheck explain net/tcp` for the parameters")
        );
        // A plugin that is there but refused: named as refused, and a near name of it is
        // suggested for the missing one.
        let mut installed = plugins.clone();
        let file = discovery::PluginFile {
            name: "net".into(),
            path: "/p/libreadycheck_net.so".into(),
            sha256: String::new(),
            trust: Err("writable by others".into()),
            passed_over: Vec::new(),
            interrupted: false,
        };
        let reason = "writable by others".to_string();
        installed
            .states
            .insert("net".into(), PluginState::Refused { file, reason });
        let near = plugin_problems(&draft.profile, &installed);
        let got: Vec<(&str, Option<&str>, String)> = near
            .iter()
            .map(|d| {
                (
                    d.code(),
                    d.field.as_deref(),
                    d.help_in(Locale::En).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            (got[0].0, got[0].1),
            ("profile.plugin_refused", Some("check[0].plugin"))
        );
        assert_eq!(
            (got[1].0, got[1].1),
            ("profile.plugin_missing", Some("check[1].plugin"))
        );
        assert!(got[1].2.starts_with("did you mean `net`?"), "{got:?}");
    }
}
