//! `readycheck schedule install|remove|status`: the daily run of the check, by the PC's own
//! scheduler (systemd user timer, Task Scheduler, launchd), and what it last reported.

use std::path::PathBuf;

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

use crate::cli::args::{DataFormat, ScheduleAction, ScheduleArgs};
use crate::i18n::{self, Locale};
use crate::profile::Profile;
use crate::report::Verdict;
use crate::schedule::{self, Activation};

use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Installs, removes or shows the daily run.
pub fn run(args: ScheduleArgs, lang: Locale) -> CommandResult {
    let machine = matches!(
        args.action,
        ScheduleAction::Status {
            format: DataFormat::Json
        }
    );
    let ctx = Ctx::new(&args.common, lang, true, machine);
    let printer = &ctx.printer;
    let line = |m: Msg| format!("{}\n", i18n::render(lang, &m));
    let error =
        |m: Msg| CommandError::System(i18n::render(lang, &t!("profile.error", message = m)));
    match args.action {
        ScheduleAction::Install {
            at,
            spread,
            profile,
            no_enable,
        } => {
            let exe = std::env::current_exe()
                .and_then(std::fs::canonicalize)
                .map(plain_path)
                .map_err(|e| {
                    CommandError::System(crate::tr!(lang, "cli.no_own_path", error = e.to_string()))
                })?;
            // The scheduled run must not fail at 06:00 on a profile that is wrong today.
            let profile = match profile {
                Some(p) => match std::fs::canonicalize(&p) {
                    Ok(abs) => {
                        let abs = plain_path(abs);
                        if let Err(e) = Profile::load(&abs) {
                            return Err(CommandError::Profile(e.render(lang)));
                        }
                        Some(abs)
                    }
                    Err(e) => {
                        return Err(CommandError::Profile(crate::tr!(
                            lang,
                            "cli.profile_unreadable",
                            path = p.display().to_string(),
                            error = e.to_string()
                        )));
                    }
                },
                None => None,
            };
            let plan = schedule::Plan {
                exe,
                profile,
                at,
                spread_secs: spread.map_or(0, |d| d.as_secs()),
            };
            let done = schedule::install(&plan, !no_enable).map_err(error)?;
            let files: Vec<String> = done.files.iter().map(|f| f.display().to_string()).collect();
            printer.out(&line(t!(
                "schedule.installed",
                at = at.to_string(),
                command = format!("{} {}", plan.exe.display(), plan.args().join(" ")),
                files = files
            )));
            match done.activation {
                Activation::Done(_) => {
                    printer.out(&line(t!("schedule.scheduled")));
                    Ok(ExitStatus::Ready)
                }
                Activation::Skipped { command } => {
                    printer.out(&line(t!("schedule.not_activated", command = command)));
                    Ok(ExitStatus::Ready)
                }
                Activation::Failed {
                    command,
                    error: why,
                } => Err(error(t!(
                    "schedule.not_taken",
                    error = why,
                    command = command
                ))),
            }
        }
        ScheduleAction::Remove => {
            let done = schedule::remove(lang).map_err(error)?;
            printer.out(&line(if done.is_empty() {
                t!("schedule.none_to_remove")
            } else {
                t!("schedule.removed", what = done)
            }));
            Ok(ExitStatus::Ready)
        }
        ScheduleAction::Status { format } => {
            let st = schedule::status().map_err(error)?;
            let latest = crate::store::latest();
            let waiting = crate::submit::outbox()
                .map(|d| crate::submit::pending(&d).len())
                .unwrap_or(0);
            if format == DataFormat::Json {
                printer.out(&status_json(&st, latest.as_ref(), waiting, lang));
                return Ok(ExitStatus::Ready);
            }
            let mut out = String::new();
            if st.installed() {
                let files: Vec<String> = st.files.iter().map(|f| f.display().to_string()).collect();
                out.push_str(&line(match st.at {
                    Some(at) => t!("schedule.status_at", at = at.to_string(), files = files),
                    None => t!("schedule.status_unreadable_time", files = files),
                }));
                if let Some(c) = &st.command {
                    out.push_str(&line(t!("schedule.status_runs", command = c)));
                }
                match &st.scheduler {
                    Ok(s) if s.trim().is_empty() => {
                        out.push_str(&line(t!("schedule.scheduler_quiet")));
                    }
                    Ok(s) => {
                        out.push_str(&line(t!("schedule.scheduler_says")));
                        for l in s.lines().filter(|l| !l.trim().is_empty()) {
                            out.push_str(&format!("    {l}\n"));
                        }
                    }
                    Err(e) => {
                        out.push_str(&line(t!("schedule.scheduler_unasked", error = e.clone())))
                    }
                }
            } else {
                out.push_str(&line(t!("schedule.status_not_installed")));
            }
            match latest {
                Some((path, verdict)) => out.push_str(&line(t!(
                    "schedule.last_report",
                    verdict = verdict.map_or(t!("schedule.verdict_unreadable"), Verdict::msg),
                    path = path.display().to_string()
                ))),
                None => out.push_str(&line(t!("schedule.no_last_report"))),
            }
            if waiting > 0 {
                out.push_str(&line(t!("schedule.outbox", n = waiting)));
            }
            printer.out(&out);
            // Told, installed or not: "not installed" is an answer, not a failure.
            Ok(ExitStatus::Ready)
        }
    }
}

/// `schedule status -f json`: the same facts for scripts.
fn status_json(
    st: &schedule::Status,
    latest: Option<&(PathBuf, Option<Verdict>)>,
    waiting: usize,
    lang: Locale,
) -> String {
    let doc = serde_json::json!({
        "installed": st.installed(),
        "at": st.at.map(|a| a.to_string()),
        "command": st.command,
        "files": st.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "scheduler": match &st.scheduler {
            Ok(s) => serde_json::json!({ "says": s.trim() }),
            Err(e) => serde_json::json!({ "error": i18n::render(lang, e) }),
        },
        "last_report": latest.map(|(path, verdict)| serde_json::json!({
            "path": path.display().to_string(),
            "verdict": verdict,
        })),
        "outbox": waiting,
    });
    format!("{}\n", serde_json::to_string_pretty(&doc).expect("json"))
}

/// `p` without Windows' `\\?\` verbatim prefix that `canonicalize` adds, where the plain form
/// means the same (a drive-letter path): Task Scheduler and people read the plain form.
fn plain_path(p: PathBuf) -> PathBuf {
    let plain = p
        .to_str()
        .and_then(|s| s.strip_prefix(r"\\?\"))
        .filter(|rest| rest.as_bytes().get(1) == Some(&b':'))
        .map(PathBuf::from);
    plain.unwrap_or(p)
}
