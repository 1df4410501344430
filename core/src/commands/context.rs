//! What several commands share: the printer and language they answer in, where the profile and
//! the plugins come from, how plugins are called, and writing `-o FILE` outputs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::args::Common;
use crate::i18n::Locale;
use crate::plugin::discovery;
use crate::plugin::isolate::Isolation;
use crate::plugin::registry::{self, Backend, Plugins};
use crate::printer::Printer;
use crate::profile::{self, Profile};
use crate::render::{self, Format};
use crate::report::Report;

use super::{CommandError, Ctx};

impl Ctx {
    /// The context of a command: its flags' printer settings and the language.
    pub fn new(common: &Common, lang: Locale, no_progress: bool, machine: bool) -> Ctx {
        Ctx {
            printer: Printer::new(
                common.quiet,
                common.verbose,
                common.no_color,
                no_progress,
                machine,
                lang,
            ),
            lang,
        }
    }

    /// A message of the host catalog in this command's language.
    pub fn text(&self, msg: &readycheck_sdk::i18n::Msg) -> String {
        crate::i18n::render(self.lang, msg)
    }
}

/// The directory of the running executable (bundles keep plugins and a profile beside it).
pub fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

/// How plugins are called: one child per call, or in this process with `--in-process`.
pub fn backend(common: &Common, lang: Locale) -> Result<Backend, CommandError> {
    if common.in_process {
        return Ok(Backend::InProcess);
    }
    Isolation::current().map(Backend::Isolated).map_err(|e| {
        CommandError::System(crate::tr!(lang, "cli.no_own_exe", error = e.to_string()))
    })
}

/// Loads the profile the user asked for, or the discovered one, or the embedded default.
pub fn load_profile(explicit: Option<&Path>, lang: Locale) -> Result<Profile, CommandError> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| profile::discover(exe_dir().as_deref()));
    let loaded = match path {
        Some(p) => Profile::load(&p),
        None => Ok(Profile::embedded()),
    };
    loaded.map_err(|e| CommandError::Profile(e.render(lang)))
}

/// The profile a run uses — the one asked for, or discovered, or the built-in default — through
/// the signed-profile gate: with a key pinned, only a verified profile (the file, the last good
/// one kept, or a newer one from the update source) runs; `fetch` asks the update source.
pub fn decide_profile(
    explicit: Option<&Path>,
    fetch: bool,
    lang: Locale,
) -> Result<crate::signing::gate::Decision, CommandError> {
    use crate::signing::gate::{self, Stop};
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| profile::discover(exe_dir().as_deref()));
    let mut settings = gate::Settings::for_run(exe_dir().as_deref(), lang);
    settings.fetch = fetch;
    gate::decide(path.as_deref(), &settings).map_err(|stop| match stop {
        Stop::Invalid(e) => CommandError::Profile(e.render(lang)),
        refused @ Stop::Refused { .. } => {
            CommandError::Profile(crate::sanitize::text(&refused.render(lang)).into_owned())
        }
    })
}

/// Finds the plugins on the search path (`--plugin-dir`, the profile's dirs, beside the
/// executable, the system's), checks their pins and asks each what it can do — by `deadline`
/// when a run has one.
pub fn discover_plugins(
    common: &Common,
    profile: Option<&Profile>,
    backend: &Backend,
    wanted: Option<&[String]>,
    deadline: Option<Instant>,
) -> Plugins {
    let empty = Default::default();
    let (dirs, pins) = match profile {
        Some(p) => (p.plugins.dirs.clone(), &p.plugins.sha256),
        None => (Vec::new(), &empty),
    };
    let search = discovery::search_path(&common.plugin_dirs, &dirs, exe_dir().as_deref());
    let files = discovery::scan(&search, pins, wanted, deadline);
    let timeout = profile
        .map(|p| p.timeout)
        .unwrap_or(profile::DEFAULT_TIMEOUT);
    // Discovery is part of the run: its describe calls end by the run's deadline too.
    let timeout = match deadline {
        Some(d) => timeout.min(d.saturating_duration_since(Instant::now())),
        None => timeout,
    };
    registry::resolve(backend, search, files, wanted, timeout)
}

/// The plugins a profile's checks use.
pub fn profile_plugin_names(p: &Profile) -> Vec<String> {
    p.checks.iter().map(|c| c.plugin.clone()).collect()
}

/// `-o FILE…` with the format each extension names; an extension readycheck cannot write is an
/// error before anything runs.
pub fn output_formats(
    outputs: &[PathBuf],
    lang: Locale,
) -> Result<Vec<(PathBuf, Format)>, CommandError> {
    outputs
        .iter()
        .map(|o| match Format::from_path(o) {
            Some(f) => Ok((o.clone(), f)),
            None => Err(CommandError::Usage(crate::tr!(
                lang,
                "cli.unknown_extension",
                path = o.display().to_string(),
                choices = ".json, .txt, .html, .md, .xml"
            ))),
        })
        .collect()
}

/// Writes the report to every `-o` file, complete (verbose, no colour). Every file is tried;
/// the first failure is the error.
pub fn write_outputs(
    report: &Report,
    outputs: &[(PathBuf, Format)],
    lang: Locale,
) -> Result<(), CommandError> {
    let mut result = Ok(());
    for (path, format) in outputs {
        let style = render::Style {
            color: false,
            verbose: true,
            saved_to: None,
            delivery: None,
        };
        let text = render::render(report, *format, &style);
        if let Err(e) = crate::store::write_atomic(path, text.as_bytes()) {
            let err = CommandError::File(crate::tr!(
                lang,
                "cli.report_not_written",
                path = path.display().to_string(),
                error = e.to_string()
            ));
            if result.is_ok() {
                result = Err(err);
            } else {
                Printer::new(false, false, false, true, false, lang).err(&err.to_string());
            }
        }
    }
    result
}
