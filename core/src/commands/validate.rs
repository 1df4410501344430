//! `readycheck validate PROFILE [-f text|json]`: everything wrong with a profile, without
//! running it, in one go — its syntax and fields, how its checks refer to each other, and
//! whether the plugins it names exist and take its parameters — as cargo-style text or as the
//! JSON of `schemas/validation-v1.schema.json`.

use crate::cli::args::{DataFormat, ValidateArgs};
use crate::i18n::Locale;
use crate::profile::output::Validation;
use crate::profile::{self, Diagnostic, Draft};

use super::context::{backend, discover_plugins, exe_dir, profile_plugin_names};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Validates a profile against the plugins it names: exit 0 when it has no errors (warnings
/// are listed), 3 with every problem listed.
pub fn run(args: ValidateArgs, lang: Locale) -> CommandResult {
    let json = args.format == DataFormat::Json;
    let ctx = Ctx::new(&args.common, lang, true, json);
    // A profile that cannot be read or is not TOML is one problem; any other is judged whole,
    // its plugins included, so no mistake hides another.
    let (name, text, diags, valid_line) = match Draft::load(&args.profile) {
        Ok(draft) => {
            let backend = backend(&args.common, lang)?;
            let plugins = discover_plugins(
                &args.common,
                Some(&draft.profile),
                &backend,
                Some(&profile_plugin_names(&draft.profile)),
                None,
            );
            let mut diags = profile::validate::problems(&draft, &plugins);
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
            let p = &draft.profile;
            let mut valid_line = crate::tr!(
                lang,
                "cli.valid",
                file = p.source.display_name(),
                n = p.checks.len(),
                plugins = names
            );
            // What this PC would make of its signature (see crate::signing).
            let mut settings = crate::signing::gate::Settings::for_run(exe_dir().as_deref(), lang);
            settings.fetch = false;
            let status = crate::signing::gate::file_status(&args.profile, p, &settings);
            let status_msg = status.msg(&p.source.display_name());
            if let crate::signing::gate::FileStatus::Refused(r) = &status {
                // A key is pinned here and the signature would be refused: the profile cannot
                // run, a problem like the others (in the JSON too), coded by the refusal.
                let mut d = Diagnostic::new(status_msg, None);
                d.code = Some(r.msg(&p.source.display_name()).id);
                diags.push(d);
            } else {
                valid_line = format!(
                    "{valid_line}\n{}",
                    crate::sanitize::text(&ctx.text(&status_msg))
                );
            }
            (
                p.source.display_name(),
                p.text.clone(),
                diags,
                Some(valid_line),
            )
        }
        Err(e) => (e.source.display_name(), e.text, e.diagnostics, None),
    };
    let has_errors = diags.iter().any(Diagnostic::is_error);
    if json {
        let v = Validation::new(&name, &text, &diags, lang);
        let out = serde_json::to_string_pretty(&v).expect("the validation serialises");
        ctx.printer.out(&format!("{out}\n"));
        return Ok(if has_errors {
            ExitStatus::Unusable
        } else {
            ExitStatus::Ready
        });
    }
    let rendered = profile::diagnostic::render(&name, &text, &diags, lang);
    match valid_line {
        Some(line) if !has_errors => {
            if !diags.is_empty() {
                ctx.printer.err(&rendered);
            }
            ctx.printer.out(&format!("{line}\n"));
            Ok(ExitStatus::Ready)
        }
        _ => Err(CommandError::Profile(rendered)),
    }
}
