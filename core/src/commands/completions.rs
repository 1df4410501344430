//! `readycheck completions SHELL`: the shell completion script on stdout, from the same
//! command definition as the help (so it never drifts from the flags).

use crate::cli::args::CompletionsArgs;
use crate::i18n::Locale;

use super::{CommandResult, ExitStatus};

/// Prints the completion script of `args.shell`.
pub fn run(args: CompletionsArgs, lang: Locale) -> CommandResult {
    let mut cmd = crate::cli::localize::localized_command(lang);
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "readycheck", &mut out);
    crate::printer::Printer::new(false, false, true, true, true, lang)
        .out(&String::from_utf8_lossy(&out));
    Ok(ExitStatus::Ready)
}
