//! The command line: reading the arguments (the language first, so that help and errors are
//! in it), handing them to the command they name, and returning its exit code. The flags are
//! in [`args`], their translated help in [`localize`], what each command does in
//! `crate::commands`.

use std::process::ExitCode;

use clap::FromArgMatches;

use crate::commands::{self, ExitStatus};
use crate::i18n::Locale;
use crate::printer::Printer;

pub mod args;
pub mod localize;
pub mod version;

pub use args::Cli;
use args::Command;

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The child path first and fast: no clap, no allocations beyond need.
    if crate::plugin::child::is_child(&args) {
        crate::plugin::child::main_with(&args);
    }
    let start = crate::launch::detect(&mut args);
    let locale = match take_lang_flag(&mut args) {
        Some(v) => match crate::i18n::from_flag(&v) {
            Ok(l) => l,
            Err(msg) => {
                Printer::new(false, false, false, false, false, Locale::En)
                    .err(&format!("error: {msg}"));
                return ExitStatus::Unusable.into();
            }
        },
        None => crate::i18n::from_environment(&|k| std::env::var(k).ok()),
    };
    crate::i18n::set_current(locale);
    crate::i18n::utf8_console();
    let matches = localize::localized_command(locale).try_get_matches_from(args);
    let cli = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitStatus::Unusable.into(),
            };
        }
    };
    let unzip_first = matches!(cli.command, None | Some(Command::Run(_)))
        .then(|| crate::launch::unextracted_zip(locale))
        .flatten();
    let result = match cli.command {
        _ if unzip_first.is_some() => Err(commands::CommandError::Usage(
            unzip_first.unwrap_or_default(),
        )),
        None => commands::run::run(cli.run, locale),
        Some(Command::Run(args)) => commands::run::run(args, locale),
        Some(Command::Plugins(args)) => commands::plugins::run(args, locale),
        Some(Command::Explain(args)) => commands::explain::run(args, locale),
        Some(Command::Validate(args)) => commands::validate::run(args, locale),
        Some(Command::Report(args)) => commands::report::run(args, locale),
        Some(Command::Summarize(args)) => commands::summarize::run(args, locale),
        Some(Command::Submit(args)) => commands::submit::run(args, locale),
        Some(Command::Schedule(args)) => commands::schedule::run(args, locale),
        Some(Command::Completions(args)) => commands::completions::run(args, locale),
        Some(Command::Profile(args)) => commands::profile::run(args, locale),
    };
    let status = commands::finish(result);
    if start == crate::launch::Start::DoubleClick {
        crate::launch::wait_for_enter(locale);
    }
    status.into()
}

/// Takes `--lang X` / `--lang=X` out of the arguments, before clap, so that help and errors
/// are already in that language and the flag is accepted anywhere: before the subcommand
/// (`readycheck --lang zh-CN summarize DIR`) as well as after it.
fn take_lang_flag(args: &mut Vec<std::ffi::OsString>) -> Option<String> {
    let mut i = 1;
    while i < args.len() {
        let a = args[i].to_string_lossy();
        if a == "--" {
            break;
        }
        if a == "--lang" {
            let value = args
                .get(i + 1)
                .map(|v| v.to_string_lossy().into_owned())
                .unwrap_or_default();
            args.drain(i..(i + 2).min(args.len()));
            return Some(value);
        }
        if let Some(v) = a.strip_prefix("--lang=") {
            let value = v.to_string();
            args.remove(i);
            return Some(value);
        }
        i += 1;
    }
    None
}
