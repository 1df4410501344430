//! `readycheck` / `readycheck run`: checks what the user asked before anything runs, finds the
//! plugins, runs the profile's checks, assembles and saves the report, delivers it, and shows
//! it — in that order, so that a report exists (saved or kept for sending) before it is shown.

use std::time::{Instant, SystemTime};

use crate::cli::args::RunArgs;
use crate::i18n::Locale;
use crate::plugin::discovery;
use crate::plugin::registry::{PluginState, Plugins};
use crate::profile::{self, Profile};
use crate::render::{self, Format};
use crate::report::{self, Report};
use crate::runner::{self, RunOptions};

use super::context::{self, backend, discover_plugins, profile_plugin_names};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Runs the profile and reports.
pub fn run(args: RunArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(
        &args.common,
        lang,
        args.no_progress,
        args.format.is_machine(),
    );
    // Everything the user said is checked before anything runs.
    let outputs = context::output_formats(&args.outputs, lang)?;
    // The profile, through the signed-profile gate (an update is asked for here, at the start).
    let decision = context::decide_profile(args.profile.as_deref(), true, lang)?;
    for w in &decision.warnings {
        ctx.printer.warn(&crate::sanitize::text(&ctx.text(w)));
    }
    let profile = decision.profile.clone();
    let unknown = crate::plan::unknown_selection(&profile, &args.only, &args.skip, lang);
    if !unknown.is_empty() {
        return Err(CommandError::Usage(unknown.join("\n")));
    }
    let backend = backend(&args.common, lang)?;
    // From here on every catchable signal ends in a report, discovery included.
    crate::signals::install();
    crate::plugin::isolate::contain_descendants();
    let started_at = SystemTime::now();
    let t0 = Instant::now();
    let deadline = args.deadline.unwrap_or(profile.deadline);
    let plugins = discover_plugins(
        &args.common,
        Some(&profile),
        &backend,
        Some(&profile_plugin_names(&profile)),
        Some(t0 + deadline),
    );
    let diags = profile::validate::validate_params(&profile, &plugins.manifests());
    if !diags.is_empty() {
        return Err(CommandError::Profile(profile::diagnostic::render(
            &profile.source.display_name(),
            &profile.text,
            &diags,
            lang,
        )));
    }
    warn_about_plugins(&ctx, &plugins);

    let selection = crate::plan::Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
        timeout: args.timeout,
    };
    let plan = crate::plan::Plan::new(&profile, &plugins, &selection);
    let options = RunOptions {
        parallelism: args.jobs,
        // What discovery took comes off the run's deadline.
        deadline: deadline.saturating_sub(t0.elapsed()),
        lang,
    };
    let observer: std::sync::Arc<dyn runner::Observer> =
        std::sync::Arc::new(CleanTitles(ctx.printer.observer(), lang));
    let outcome = runner::run(&profile, &plan, &backend, &options, observer);
    let facts = crate::assemble::Facts {
        host: crate::hostinfo::current(),
        lang,
        started_at,
        duration_ms: t0.elapsed().as_millis() as u64,
        selection: report::Selection::of(&selection.only, &selection.skip),
    };
    let mut report = crate::assemble::report(&profile, &plugins, outcome.checks, facts);
    // Which signed profile ran, where it came from, what became of the update, what was refused.
    report.profile.signature = Some(decision.signature.clone());
    report.profile.update = decision.update.clone();
    report.profile.refused = decision.refused.clone();
    if outcome.interrupted {
        ctx.printer.warn(&crate::tr!(lang, "cli.interrupted"));
    }
    if outcome.deadline_passed {
        ctx.printer.warn(&crate::tr!(lang, "cli.deadline_passed"));
    }
    for note in crate::store::cap(&mut report) {
        ctx.printer.warn(&crate::sanitize::text(&crate::tr!(
            lang,
            "cli.report_capped",
            what = note
        )));
    }
    let status = finish_run(&ctx, &args, &profile, &report, &outputs);
    Ok(status)
}

/// Saves, writes, delivers, opens and shows the report of a run; the exit status follows the
/// verdict unless the report could not be saved (4) or an `-o` file not written (3).
fn finish_run(
    ctx: &Ctx,
    args: &RunArgs,
    profile: &Profile,
    report: &Report,
    outputs: &[(std::path::PathBuf, Format)],
) -> ExitStatus {
    let lang = ctx.lang;
    let json = serde_json::to_vec_pretty(report).expect("reports serialise");
    // Saving and delivery: a report that cannot be saved is still sent from memory, and the
    // failure is said on stderr even with -q and in the exit status (4).
    let mut saved_to = None;
    let mut not_saved = false;
    if !args.no_save {
        match crate::store::save_bytes(&report.id, &json) {
            Ok(p) => saved_to = Some(p.display().to_string()),
            Err(e) => {
                not_saved = true;
                ctx.printer.err(&crate::tr!(
                    lang,
                    "cli.warning",
                    message = crate::tr!(lang, "cli.not_saved", error = e.to_string())
                ));
            }
        }
    }
    let mut status = ExitStatus::of(report.verdict);
    if let Err(e) = context::write_outputs(report, outputs, lang) {
        ctx.printer.err(&e.to_string());
        status = e.exit_status();
    }
    if let Some(first) = outputs.iter().find(|(_, f)| *f == Format::Json)
        && saved_to.is_none()
    {
        saved_to = Some(first.0.display().to_string());
    }
    let dest = args
        .submit
        .clone()
        .or_else(|| profile.report.submit.clone())
        .map(|url| crate::submit::Destination {
            url,
            auth_header_env: profile.report.auth_header_env.clone(),
        });
    let (delivery, kept) = super::deliver::after_run(ctx, report, &json, dest.as_ref());
    if not_saved || !kept {
        status = ExitStatus::NotSaved;
    }
    if args.open
        && let Err(problem) = crate::launch::write_page(report, saved_to.as_deref(), lang)
            .and_then(|path| crate::launch::open_page(&path, lang))
    {
        ctx.printer.warn(&problem);
    }
    if args.notify
        && let Some(problem) =
            crate::launch::notify(report, saved_to.as_deref(), profile.report.notify, lang)
    {
        ctx.printer.warn(&problem);
    }
    let style = render::Style {
        color: ctx.printer.color,
        verbose: ctx.printer.verbose,
        saved_to,
        delivery,
    };
    if !(ctx.printer.quiet && args.format == Format::Text) {
        ctx.printer
            .out(&render::render(report, args.format, &style));
    } else {
        // -q: "only errors and the result" — the verdict line.
        ctx.printer
            .out(&format!("{}\n", render::text::verdict_line(report, &style)));
    }
    status
}

/// Warns about plugins that are missing, refused or broken, and about files passed over on
/// the search path; their checks still run (and report the problem as their result).
fn warn_about_plugins(ctx: &Ctx, plugins: &Plugins) {
    let lang = ctx.lang;
    for (name, state) in &plugins.states {
        match state {
            PluginState::Missing => ctx.printer.warn(&crate::tr!(
                lang,
                "cli.plugin_missing",
                plugin = name,
                file = discovery::file_name(name)
            )),
            PluginState::Refused { reason, .. } => ctx.printer.warn(&crate::tr!(
                lang,
                "cli.plugin_refused",
                plugin = name,
                reason = crate::sanitize::text(reason).into_owned()
            )),
            PluginState::Broken { error, .. } => ctx.printer.warn(&crate::tr!(
                lang,
                "cli.plugin_broken",
                plugin = name,
                reason = crate::sanitize::text(error.message()).into_owned()
            )),
            PluginState::Ready { .. } => {}
        }
        for (path, reason) in state
            .file()
            .map(|f| f.passed_over.as_slice())
            .unwrap_or(&[])
        {
            let used = match (state, state.file()) {
                (PluginState::Refused { .. }, _) | (_, None) => "—".to_string(),
                (_, Some(f)) => f.path.display().to_string(),
            };
            ctx.printer.warn(&crate::sanitize::text(&crate::tr!(
                lang,
                "cli.plugin_passed_over",
                plugin = name,
                path = path.display().to_string(),
                reason = reason.as_str(),
                used = used
            )));
        }
    }
}

/// The progress display's view of the checks, with their titles made safe for a terminal.
struct CleanTitles(std::sync::Arc<dyn runner::Observer>, Locale);

impl runner::Observer for CleanTitles {
    fn planned(&self, total: usize) {
        self.0.planned(total);
    }
    fn started(&self, check: &profile::Check) {
        match crate::sanitize::text(check.title.get(self.1)) {
            std::borrow::Cow::Borrowed(_) => self.0.started(check),
            std::borrow::Cow::Owned(clean) => {
                let mut c = check.clone();
                c.title = profile::LocalText::plain(&clean);
                self.0.started(&c)
            }
        }
    }
    fn finished(&self, check: &profile::Check, result: &report::CheckReport) {
        self.0.finished(check, result);
    }
}
