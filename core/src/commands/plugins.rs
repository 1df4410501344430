//! `readycheck plugins`: every plugin on the search path, whether it can be used and why not,
//! as text or JSON.

use serde::Serialize;

use readycheck_sdk::t;

use crate::cli::args::{DataFormat, PluginsArgs};
use crate::i18n::Locale;
use crate::plugin::registry::{Backend, PluginState};

use super::context::{backend, discover_plugins, load_profile};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// One plugin of the listing (the JSON form; the text form is written from it).
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    version: Option<String>,
    abi: Option<u32>,
    kinds: Vec<String>,
    path: Option<String>,
    sha256: Option<String>,
    /// False when the plugin was refused (pins, permissions) or not found.
    trusted: bool,
    /// Why it cannot be used, in stable English (JSON is for scripts).
    problem: Option<String>,
}

/// The JSON document of `plugins -f json`.
#[derive(Debug, Serialize)]
struct Listing {
    search_path: Vec<String>,
    /// The program each check's call starts (`readycheck-plugin-host`, or readycheck itself
    /// when that is missing); none with `--in-process`.
    child: Option<String>,
    plugins: Vec<Row>,
}

/// Lists the plugins.
pub fn run(args: PluginsArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, args.format == DataFormat::Json);
    let profile = args
        .profile
        .as_deref()
        .map(|p| load_profile(Some(p), lang))
        .transpose()?;
    let backend = backend(&args.common, lang)?;
    let plugins = discover_plugins(&args.common, profile.as_ref(), &backend, None, None);
    let rows: Vec<Row> = plugins
        .states
        .iter()
        .map(|(name, state)| {
            let file = state.file();
            let (trusted, problem) = match state {
                PluginState::Ready { .. } => (true, None),
                PluginState::Refused { reason, .. } => (false, Some(reason.clone())),
                PluginState::Broken { error, .. } => (
                    true,
                    Some(format!("{}: {}", error.cause().as_str(), error.message())),
                ),
                PluginState::Missing => (false, Some("not found".to_string())),
            };
            let manifest = state.manifest();
            Row {
                name: name.clone(),
                version: manifest.map(|m| m.version.clone()),
                abi: manifest.map(|_| readycheck_sdk::abi::ABI_VERSION),
                kinds: manifest
                    .map(|m| m.kinds.iter().map(|k| k.name.clone()).collect())
                    .unwrap_or_default(),
                path: file.map(|f| f.path.display().to_string()),
                sha256: file.map(|f| f.sha256.clone()),
                trusted,
                problem,
            }
        })
        .collect();
    let listing = Listing {
        search_path: plugins
            .search_path
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        child: match &backend {
            Backend::Isolated(iso) => Some(iso.exe.display().to_string()),
            Backend::InProcess => None,
        },
        plugins: rows,
    };
    match args.format {
        DataFormat::Json => ctx.printer.out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&listing).expect("json")
        )),
        DataFormat::Text => ctx.printer.out(&text(&listing, lang)),
    }
    if listing.plugins.is_empty() {
        return Err(CommandError::Nothing(crate::tr!(lang, "plugins.none")));
    }
    Ok(ExitStatus::Ready)
}

/// The listing for people.
fn text(listing: &Listing, lang: Locale) -> String {
    let mut out = String::new();
    for r in &listing.plugins {
        let status = match (&r.problem, r.trusted) {
            (None, _) => t!("plugins.ok"),
            (Some(p), false) => t!("plugins.refused", reason = p),
            (Some(p), true) => t!("plugins.broken", reason = p),
        };
        out.push_str(&format!(
            "{}\n",
            crate::tr!(
                lang,
                "plugins.entry",
                name = &r.name,
                version = r.version.as_deref().unwrap_or("?"),
                abi = r.abi.map_or("?".into(), |v| v.to_string()),
                status = status,
                kinds = r.kinds.clone(),
                path = r.path.clone().unwrap_or_default(),
                sha256 = r.sha256.clone().unwrap_or_default()
            )
        ));
    }
    out.push_str(&format!("\n{}\n", crate::tr!(lang, "plugins.search_path")));
    for p in &listing.search_path {
        out.push_str(&format!("  {p}\n"));
    }
    if let Some(child) = &listing.child {
        out.push_str(&format!(
            "\n{}\n  {child}\n",
            crate::tr!(lang, "plugins.child")
        ));
    }
    out
}
