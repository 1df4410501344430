//! Second stage of profile checking: each check against its plugin's manifest — the kind
//! exists, it applies to this OS, and its parameters fit the kind's JSON Schema. Produces
//! diagnostics with spans into the profile, like the parser does.

use std::collections::BTreeMap;

use readycheck_sdk::i18n::Arg;
use readycheck_sdk::{Manifest, t};

use super::diagnostic::{Diagnostic, did_you_mean};
use super::schema;
use super::{HOST_CHECK_KEYS, Profile};

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
            let mut d = Diagnostic::new(message, span);
            d.help = help;
            diags.push(d);
        }
    }
    diags
}
