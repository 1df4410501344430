//! `readycheck validate PROFILE`: everything wrong with a profile, without running it — its
//! syntax and fields, and whether the plugins it names exist and take its parameters.

use readycheck_sdk::t;

use crate::cli::args::ValidateArgs;
use crate::i18n::Locale;
use crate::plugin::discovery;
use crate::plugin::registry::PluginState;
use crate::profile::{self, Diagnostic};

use super::context::{backend, discover_plugins, load_profile, profile_plugin_names};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Validates a profile against the plugins it names.
pub fn run(args: ValidateArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, false);
    let profile = load_profile(Some(&args.profile))?;
    let backend = backend(&args.common, lang)?;
    let plugins = discover_plugins(
        &args.common,
        Some(&profile),
        &backend,
        Some(&profile_plugin_names(&profile)),
        None,
    );
    let mut diags = profile::validate::validate_params(&profile, &plugins.manifests());
    let mut reported = std::collections::BTreeSet::new();
    for check in &profile.checks {
        let problem = match plugins.states.get(&check.plugin) {
            Some(PluginState::Ready { .. }) => None,
            Some(PluginState::Refused { reason, .. }) => Some((
                t!(
                    "profile.plugin_refused",
                    plugin = &check.plugin,
                    reason = reason.to_string()
                ),
                None,
            )),
            Some(PluginState::Broken { error, .. }) => Some((
                t!(
                    "profile.plugin_broken",
                    plugin = &check.plugin,
                    cause = error.cause().as_str(),
                    reason = error.message()
                ),
                None,
            )),
            Some(PluginState::Missing) | None => Some((
                t!(
                    "profile.plugin_missing",
                    plugin = &check.plugin,
                    file = discovery::file_name(&check.plugin)
                ),
                Some(t!(
                    "profile.plugin_missing_help",
                    dirs = plugins
                        .search_path
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                )),
            )),
        };
        if let Some((msg, help)) = problem
            && reported.insert(check.plugin.clone())
        {
            let mut d = Diagnostic::new(msg, check.spans.plugin.clone());
            d.help = help;
            diags.push(d);
        }
    }
    if diags.is_empty() {
        let names: Vec<String> = plugins
            .states
            .iter()
            .map(|(n, s)| {
                format!(
                    "{n} {}",
                    s.manifest().map(|m| m.version.as_str()).unwrap_or("")
                )
            })
            .collect();
        ctx.printer.out(&format!(
            "{}\n",
            crate::tr!(
                lang,
                "cli.valid",
                file = profile.source.display_name(),
                n = profile.checks.len(),
                plugins = names
            )
        ));
        Ok(ExitStatus::Ready)
    } else {
        Err(CommandError::Profile(profile::diagnostic::render(
            &profile.source.display_name(),
            &profile.text,
            &diags,
            lang,
        )))
    }
}
