//! What a run will do, decided once before it starts: which checks the `--only`/`--skip`
//! selection keeps (with what they need), each check's needs as indices, its timeout (the
//! `--timeout` flag, else its own, else the profile's), and which checks are settled without a
//! plugin call — skipped on request, not for this OS, or without a usable plugin. The runner
//! only schedules what this says; nothing downstream looks `needs` up by name again.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use readycheck_sdk::t;

use crate::i18n::Locale;
use crate::plugin::registry::{PluginState, Plugins};
use crate::profile::Profile;
use crate::report::Cause;

/// One message per `--only`/`--skip` id the profile does not have; empty when all are known.
pub fn unknown_selection(
    profile: &Profile,
    only: &[String],
    skip: &[String],
    lang: Locale,
) -> Vec<String> {
    let ids: Vec<&str> = profile.checks.iter().map(|c| c.id.as_str()).collect();
    let mut errs = Vec::new();
    for (flag, list) in [("--only", only), ("--skip", skip)] {
        for id in list.iter().filter(|id| !ids.contains(&id.as_str())) {
            let hint = crate::profile::diagnostic::did_you_mean(id, ids.iter().copied())
                .unwrap_or_else(|| {
                    t!(
                        "cli.the_checks_are",
                        ids = ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                    )
                });
            errs.push(crate::tr!(
                lang,
                "cli.unknown_selection",
                flag = flag,
                id = id,
                hint = hint
            ));
        }
    }
    errs
}

/// What the user asked of this run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Run only these checks (and what they need).
    pub only: Vec<String>,
    /// Do not run these (they, and checks that need them, are reported as skipped).
    pub skip: Vec<String>,
    /// Overrides every check's timeout (`--timeout`).
    pub timeout: Option<Duration>,
}

/// A check that is settled without calling its plugin, and why.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// `--skip`.
    SkippedOnRequest,
    /// The check's `os` list leaves this OS out.
    NotForThisOs { list: Vec<String> },
    /// The plugin (or this kind of it) does not support this OS.
    KindNotForThisOs { supported: Vec<String> },
    /// The plugin file was refused (a pin, permissions).
    PluginRefused { path: PathBuf, reason: String },
    /// The plugin could not be loaded or described itself wrongly.
    PluginBroken {
        path: PathBuf,
        cause: Cause,
        reason: String,
    },
    /// No plugin file on the search path.
    PluginMissing { searched: Vec<String> },
}

/// One selected check, ready to schedule.
#[derive(Debug, Clone)]
pub struct Step {
    /// Its index in the profile.
    pub index: usize,
    /// The indices of the checks it needs.
    pub needs: Vec<usize>,
    /// Its timeout.
    pub timeout: Duration,
    /// The plugin file to call, when it will be called.
    pub plugin_file: Option<PathBuf>,
    /// Set when it will not be called.
    pub settled: Option<Settled>,
}

/// The selected checks in profile order.
#[derive(Debug, Clone)]
pub struct Plan {
    pub steps: Vec<Step>,
}

impl Plan {
    /// Plans the run of `profile` with the plugins found.
    pub fn new(profile: &Profile, plugins: &Plugins, selection: &Selection) -> Plan {
        let os = std::env::consts::OS;
        let steps = selected(profile, &selection.only)
            .into_iter()
            .map(|index| {
                let check = &profile.checks[index];
                let needs = check
                    .needs
                    .iter()
                    .filter_map(|n| profile.check_index(n))
                    .collect();
                let timeout = selection
                    .timeout
                    .or(check.timeout)
                    .unwrap_or(profile.timeout);
                let (plugin_file, plugin_settled) = match plugins.states.get(&check.plugin) {
                    Some(PluginState::Ready { manifest, file }) => {
                        let kind_os = manifest
                            .kind(&check.kind)
                            .and_then(|k| k.os.clone())
                            .unwrap_or_default();
                        let supported = if kind_os.is_empty() {
                            manifest.os.clone()
                        } else {
                            kind_os
                        };
                        if !supported.is_empty() && !supported.iter().any(|o| o == os) {
                            (None, Some(Settled::KindNotForThisOs { supported }))
                        } else {
                            (Some(file.path.clone()), None)
                        }
                    }
                    Some(PluginState::Refused { file, reason }) => (
                        None,
                        Some(Settled::PluginRefused {
                            path: file.path.clone(),
                            reason: reason.clone(),
                        }),
                    ),
                    Some(PluginState::Broken { file, error }) => (
                        None,
                        Some(Settled::PluginBroken {
                            path: file.path.clone(),
                            cause: error.cause(),
                            reason: error.message().to_string(),
                        }),
                    ),
                    Some(PluginState::Missing) | None => (
                        None,
                        Some(Settled::PluginMissing {
                            searched: plugins
                                .search_path
                                .iter()
                                .map(|p| p.display().to_string())
                                .collect(),
                        }),
                    ),
                };
                // In the order a person would give the reason: asked to skip, not for this OS
                // at all, then what is wrong with the plugin.
                let settled = if selection.skip.iter().any(|s| s == &check.id) {
                    Some(Settled::SkippedOnRequest)
                } else if let Some(list) = check.os.as_ref().filter(|l| !l.iter().any(|o| o == os))
                {
                    Some(Settled::NotForThisOs { list: list.clone() })
                } else {
                    plugin_settled
                };
                Step {
                    index,
                    needs,
                    timeout,
                    plugin_file: plugin_file.filter(|_| settled.is_none()),
                    settled,
                }
            })
            .collect();
        Plan { steps }
    }
}

/// The checks `only` selects (all when empty) with everything they need, in profile order.
pub fn selected(profile: &Profile, only: &[String]) -> Vec<usize> {
    if only.is_empty() {
        return (0..profile.checks.len()).collect();
    }
    let mut keep = BTreeSet::new();
    let mut stack: Vec<usize> = only
        .iter()
        .filter_map(|id| profile.check_index(id))
        .collect();
    while let Some(i) = stack.pop() {
        if keep.insert(i) {
            stack.extend(
                profile.checks[i]
                    .needs
                    .iter()
                    .filter_map(|n| profile.check_index(n)),
            );
        }
    }
    keep.into_iter().collect()
}
