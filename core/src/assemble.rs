//! The report of a run, assembled from what the run produced: the profile, the plugins found,
//! the checks' results (diagnosed here, between results and report) and the facts of the run
//! (host, language, start, duration, selection), which the caller gathers.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::i18n::Locale;
use crate::plugin::discovery;
use crate::plugin::registry::{PluginState, Plugins};
use crate::profile::{Profile, Source};
use crate::report::{self, PluginEntry, ProfileInfo, Report, Tool};

/// The facts of a run the report records besides its results.
#[derive(Debug)]
pub struct Facts {
    /// The PC, as `hostinfo::current` reads it.
    pub host: report::Host,
    /// The language the report is written in.
    pub lang: Locale,
    pub started_at: SystemTime,
    pub duration_ms: u64,
    /// `--only`/`--skip`, when given.
    pub selection: Option<report::Selection>,
}

/// The report's id: the start time, the host name (made safe for a file name) and a salt, so
/// two runs in one second on one PC do not collide.
fn report_id(host: &str, started: SystemTime) -> String {
    let stamp = humantime::format_rfc3339_seconds(started)
        .to_string()
        .replace([':', '-'], "");
    let nanos = started
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let salt = (u64::from(nanos) ^ (u64::from(std::process::id()) << 20)) & 0xff_ffff;
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    format!("{stamp}-{host}-{salt:06x}")
}

/// Assembles the report of a run from the profile, the plugins found, the checks' results and
/// the facts of the run. Pure: the same inputs give the same report.
pub fn report(
    profile: &Profile,
    plugins: &Plugins,
    mut checks: Vec<report::CheckReport>,
    facts: Facts,
) -> Report {
    let Facts {
        host,
        lang,
        started_at,
        duration_ms,
        selection,
    } = facts;
    let diagnosis = crate::diagnosis::diagnose(profile, &mut checks, lang);
    let needs: BTreeMap<String, Vec<String>> = profile
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.needs.clone()))
        .collect();
    let plugin_entries = plugins
        .states
        .iter()
        .map(|(name, state)| {
            let file = state.file();
            PluginEntry {
                name: name.clone(),
                version: state
                    .manifest()
                    .map(|m| m.version.clone())
                    .unwrap_or_default(),
                abi: readycheck_sdk::abi::ABI_VERSION,
                path: file
                    .map(|f| f.path.display().to_string())
                    .unwrap_or_default(),
                sha256: file.map(|f| f.sha256.clone()).unwrap_or_default(),
                problem: match state {
                    PluginState::Ready { .. } => None,
                    PluginState::Missing => Some(format!(
                        "not found: no {} on the search path",
                        discovery::file_name(name)
                    )),
                    PluginState::Refused { reason, .. } => Some(format!("refused: {reason}")),
                    PluginState::Broken { error, .. } => {
                        Some(format!("{}: {}", error.cause().as_str(), error.message()))
                    }
                },
            }
        })
        .collect::<Vec<_>>();
    // Files refused earlier on the search path than the one used (or than the first refused
    // one): listed with why, and which file was used instead.
    let mut plugin_entries = plugin_entries;
    for (name, state) in &plugins.states {
        let Some(file) = state.file() else { continue };
        for (path, reason) in &file.passed_over {
            let used = match state {
                PluginState::Refused { .. } => String::new(),
                _ => format!("; {} was used instead", file.path.display()),
            };
            plugin_entries.push(PluginEntry {
                name: name.clone(),
                version: String::new(),
                abi: readycheck_sdk::abi::ABI_VERSION,
                path: path.display().to_string(),
                sha256: String::new(),
                problem: Some(format!("refused, not used: {reason}{used}")),
            });
        }
    }
    Report {
        schema: report::SCHEMA_ID.to_string(),
        id: report_id(&host.hostname, started_at),
        locale: lang.tag().to_string(),
        verdict: report::verdict(&checks),
        counts: report::counts(&checks),
        tool: Tool {
            name: "readycheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        profile: ProfileInfo {
            name: if profile.names.is_empty() {
                profile.name.clone()
            } else {
                profile.names.get(lang).to_string()
            },
            version: profile.version.clone(),
            sha256: profile.sha256.clone(),
            source: match &profile.source {
                Source::File(p) => p.display().to_string(),
                Source::Embedded => "embedded".into(),
            },
            contact: profile.contact.clone(),
            l10n: profile.names.translations(),
            signature: None,
            update: None,
            refused: Vec::new(),
        },
        host,
        started_at: humantime::format_rfc3339_millis(started_at).to_string(),
        duration_ms,
        plugins: plugin_entries,
        root_causes: report::root_causes(&checks, &needs, Some(&diagnosis)),
        diagnosis: Some(diagnosis),
        selection,
        checks,
    }
}
