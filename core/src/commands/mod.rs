//! The subcommands, one file each, and the one place where an outcome becomes an exit code:
//! 0 ready, 1 degraded, 2 not ready, 3 could not run as asked, 4 ran but the report could not
//! be saved.
//!
//! A command returns `Result<ExitStatus, CommandError>`: `Ok` for every answer it could give
//! (including "not ready"), `Err` for what stopped it from answering. [`finish`] prints the
//! error and maps it to its exit code; nothing else prints an error and picks a number.

use std::process::ExitCode;

use crate::i18n::Locale;
use crate::printer::Printer;

pub mod completions;
pub mod context;
mod deliver;
pub mod explain;
pub mod plugins;
pub mod profile;
pub mod report;
pub mod run;
pub mod schedule;
pub mod submit;
pub mod summarize;
pub mod validate;

/// Exit codes (Nagios-compatible).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    Ready = 0,
    Degraded = 1,
    NotReady = 2,
    /// Bad profile, bad flag, no plugins: the checker could not run as asked.
    Unusable = 3,
    /// The checks ran, but the report could not be saved (a full, read-only or missing data
    /// directory) or could neither be kept for sending nor sent. It was still sent from memory
    /// when it had a destination, and written where `-o`/stdout asked.
    NotSaved = 4,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

impl ExitStatus {
    /// The exit status a report's verdict stands for.
    pub fn of(verdict: crate::report::Verdict) -> ExitStatus {
        match verdict {
            crate::report::Verdict::Ready => ExitStatus::Ready,
            crate::report::Verdict::Degraded => ExitStatus::Degraded,
            crate::report::Verdict::NotReady => ExitStatus::NotReady,
        }
    }
}

/// What stopped a command from giving its answer. Every variant carries the message the user
/// reads, already in their language, naming what was wrong and the fix.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// A profile that cannot be read or is not valid (the rendered diagnostics).
    #[error("{0}")]
    Profile(String),
    /// A flag or argument the command cannot act on: an unknown `--only` id, an output file
    /// extension it cannot write, a target that names nothing.
    #[error("{0}")]
    Usage(String),
    /// A file the command had to read or write.
    #[error("{0}")]
    File(String),
    /// The plugins a command needs are missing, refused or broken.
    #[error("{0}")]
    Plugin(String),
    /// Something of this PC the command relies on: its own executable, the outbox, the
    /// scheduler.
    #[error("{0}")]
    System(String),
    /// A command that ran and found nothing to work on (no reports to summarise, no plugins).
    #[error("{0}")]
    Nothing(String),
}

impl CommandError {
    /// The exit code of an error. All of them mean "could not run as asked" today; the
    /// variants keep the cause typed for callers and tests.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            CommandError::Profile(_)
            | CommandError::Usage(_)
            | CommandError::File(_)
            | CommandError::Plugin(_)
            | CommandError::System(_)
            | CommandError::Nothing(_) => ExitStatus::Unusable,
        }
    }
}

/// Result of a command.
pub type CommandResult = Result<ExitStatus, CommandError>;

/// The one mapping from a command's result to its exit status: an error is printed on stderr
/// (never hidden by `-q`) and gives its code.
pub fn finish(result: CommandResult) -> ExitStatus {
    match result {
        Ok(status) => status,
        Err(e) => {
            Printer::new(false, false, false, true, false, Locale::En).err(&e.to_string());
            e.exit_status()
        }
    }
}

/// What every command is given: where its output goes and in which language.
#[derive(Debug)]
pub struct Ctx {
    pub printer: Printer,
    pub lang: Locale,
}
