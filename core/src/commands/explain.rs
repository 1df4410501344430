//! `readycheck explain PLUGIN[/KIND]`: what a plugin's kinds take, with an example — for people
//! (text) or for IT's tooling (the manifest as JSON).

use readycheck_sdk::t;

use crate::cli::args::{DataFormat, ExplainArgs};
use crate::i18n::Locale;
use crate::plugin::discovery;
use crate::plugin::registry::PluginState;

use super::context::{backend, discover_plugins};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Explains a plugin or one of its kinds.
pub fn run(args: ExplainArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, args.format == DataFormat::Json);
    let (plugin, kind) = match args.target.split_once('/') {
        Some((p, k)) => (p.to_string(), Some(k.to_string())),
        None => (args.target.clone(), None),
    };
    let backend = backend(&args.common, lang)?;
    let plugins = discover_plugins(
        &args.common,
        None,
        &backend,
        Some(std::slice::from_ref(&plugin)),
        None,
    );
    let error = |m| CommandError::Plugin(crate::tr!(lang, "profile.error", message = m));
    let manifest = match plugins.states.get(&plugin) {
        Some(PluginState::Ready { manifest, .. }) => manifest,
        Some(PluginState::Refused { reason, .. }) => {
            return Err(error(t!(
                "cli.plugin_refused",
                plugin = &plugin,
                reason = reason.to_string()
            )));
        }
        Some(PluginState::Broken { error: e, .. }) => {
            return Err(error(t!(
                "cli.plugin_broken",
                plugin = &plugin,
                reason = e.message()
            )));
        }
        _ => {
            return Err(CommandError::Plugin(crate::tr!(
                lang,
                "explain.no_plugin",
                plugin = &plugin,
                file = discovery::file_name(&plugin)
            )));
        }
    };
    // The text also checks that the kind exists (with a "did you mean").
    let text = crate::explain::explain(manifest, kind.as_deref(), lang)
        .map_err(|e| CommandError::Usage(crate::tr!(lang, "profile.error", message = e)))?;
    match args.format {
        DataFormat::Text => ctx.printer.out(&text),
        DataFormat::Json => {
            let json = match kind.as_deref() {
                Some(k) => manifest
                    .kinds
                    .iter()
                    .find(|m| m.name == k)
                    .map(serde_json::to_string_pretty),
                None => Some(serde_json::to_string_pretty(manifest)),
            };
            ctx.printer
                .out(&format!("{}\n", json.expect("kind exists").expect("json")));
        }
    }
    Ok(ExitStatus::Ready)
}
