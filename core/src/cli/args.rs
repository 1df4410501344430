//! The command line's shape: every subcommand, flag and argument (clap derive), nothing else.
//! What each command does lives in `crate::commands`; the help texts' translations in
//! `super::localize`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::render::Format;
use crate::runner;

#[derive(Debug, Parser)]
#[command(
    name = "readycheck",
    version = super::version::long(),
    about = "Checks whether this computer is ready for remote work, and says whose problem it is if not.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 ready, 1 degraded, 2 not ready, 3 could not run as asked, 4 ran but the report could not be saved."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a profile's checks (the default).
    Run(RunArgs),
    /// List the plugins found on the search path.
    Plugins(PluginsArgs),
    /// Show a plugin kind's parameters and an example.
    Explain(ExplainArgs),
    /// Check a profile without running it: exit 0 if valid, 3 with every problem listed.
    Validate(ValidateArgs),
    /// Re-render a saved report.
    Report(ReportArgs),
    /// The helpdesk view over many reports (files and directories, recursively).
    Summarize(SummarizeArgs),
    /// Send reports waiting in the outbox (kept when the network was down).
    Submit(SubmitArgs),
    /// Run the check every day by itself (systemd user timer, Task Scheduler, launchd).
    Schedule(ScheduleArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Sign profiles for PCs that pin IT's key: make a key pair, sign a profile.
    Profile(ProfileArgs),
}

#[derive(Debug, Args, Default)]
pub struct Common {
    /// Also look for plugins in DIR (searched first; may repeat).
    #[arg(long = "plugin-dir", value_name = "DIR", global = true)]
    pub plugin_dirs: Vec<PathBuf>,
    /// Only errors and the result.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Show evidence and metrics of every check.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No colours (also: NO_COLOR=1).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Load plugins into this process instead of one child per call (debugging and
    /// benchmarks only: a crashing plugin then ends the run).
    #[arg(long, global = true, hide = true)]
    pub in_process: bool,
    /// Language of everything readycheck writes: en or zh-CN (default: READYCHECK_LANG, then
    /// LC_ALL / LC_MESSAGES / LANG, or the Windows display language; else English).
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Profile to run (default: READYCHECK_PROFILE, readycheck.toml next to the program, the
    /// user's config dir, the system config dir, then the built-in default).
    #[arg(short, long, value_name = "PROFILE")]
    pub profile: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write the report to FILE (format from the extension: .json, .txt); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    /// Run only these checks (comma-separated ids), plus the checks they need.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub only: Vec<String>,
    /// Do not run these checks (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    pub skip: Vec<String>,
    /// Timeout of every check, overriding the profile (e.g. 3s, 500ms).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Deadline of the whole run, overriding the profile.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub deadline: Option<std::time::Duration>,
    /// How many checks run at once.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = runner::DEFAULT_PARALLELISM)]
    pub jobs: usize,
    /// No progress display.
    #[arg(long)]
    pub no_progress: bool,
    /// Do not save the JSON report in the reports directory.
    #[arg(long)]
    pub no_save: bool,
    /// POST the JSON report to URL (overrides the profile's [report] submit); kept in the outbox
    /// and sent later when that fails.
    #[arg(long, value_name = "URL")]
    pub submit: Option<String>,
    /// Open the HTML report in the default browser afterwards.
    #[arg(long)]
    pub open: bool,
    /// Raise a desktop notification when the result is not ready (or degraded, if the profile's
    /// [report] notify says so); a click opens the report. The daily run passes it.
    #[arg(long)]
    pub notify: bool,
    #[command(flatten)]
    pub common: Common,
}

/// Formats of `readycheck summarize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryFormat {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// Report files or directories (searched recursively).
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Reports older than this count as stale (e.g. 24h, 7d).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub since: Option<std::time::Duration>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: SummaryFormat,
    /// Also write to FILE (format from the extension: .txt, .json, .csv, .html); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// Send everything waiting in the outbox.
    #[arg(long, required = true)]
    pub pending: bool,
    /// Send to this URL instead of the one stored with each report.
    #[arg(long, value_name = "URL")]
    pub submit: Option<String>,
    /// Environment variable holding the Authorization header value (with --submit).
    #[arg(long, value_name = "VAR")]
    pub auth_header_env: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: DataFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub action: ScheduleAction,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleAction {
    /// Run readycheck daily for the current user; the report is saved and, if the profile has
    /// [report] submit, sent (or kept in the outbox until the network is back).
    Install {
        /// Time of day, local time (HH:MM).
        #[arg(long, default_value = "06:00", value_name = "HH:MM")]
        at: crate::schedule::At,
        /// Start up to this much later at random, so a whole fleet does not submit at once
        /// (e.g. 10m).
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        spread: Option<std::time::Duration>,
        /// Profile the scheduled run uses (default: the one `readycheck` finds by itself).
        #[arg(short, long, value_name = "PROFILE")]
        profile: Option<PathBuf>,
        /// Only write the job file; print the command that activates it.
        #[arg(long)]
        no_enable: bool,
    },
    /// Stop the daily run and delete its files.
    Remove,
    /// Whether the daily run is installed, when it runs, and the last report. Exit 0 when
    /// this could be told (installed or not), 3 when it could not.
    Status {
        /// Output format.
        #[arg(short, long, value_enum, default_value = "text")]
        format: DataFormat,
    },
}

/// Formats of the commands that answer for people or for scripts (`plugins`, `validate`,
/// `explain`, `submit`, `schedule status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DataFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct PluginsArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: DataFormat,
    /// Use this profile's [plugins] dirs and sha256 pins.
    #[arg(short, long, value_name = "PROFILE")]
    pub profile: Option<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// PLUGIN or PLUGIN/KIND, e.g. network/tcp.
    pub target: String,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: DataFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The profile to check.
    pub profile: PathBuf,
    /// Output format (json: every problem with its file, line, column, field, code and fix,
    /// as in schemas/validation-v1.schema.json).
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: DataFormat,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report JSON file written by `readycheck`.
    pub file: PathBuf,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also write to FILE (format from the extension); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    pub outputs: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

/// A duration flag (`3s`, `500ms`, `24h`), read as profiles read them.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    crate::profile::parse_duration_str(s)
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub action: ProfileAction,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Make IT's signing key pair: NAME.pub (pin it: keys/ next to the program, or the
    /// machine-wide keys directory) and NAME.key (keep it secret). The secret key is protected by
    /// a password (READYCHECK_KEY_PASSWORD, else asked) unless --unencrypted.
    Keygen {
        /// Where to write the two files.
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// The files' name.
        #[arg(long, default_value = "readycheck-profile")]
        name: String,
        /// Store the secret key without a password (for a CI job that signs bundles; keep the
        /// file in the CI's secret store).
        #[arg(long)]
        unencrypted: bool,
    },
    /// Sign a profile: writes PROFILE.minisig, whose trusted comment holds the profile's name,
    /// version and expiry.
    Sign {
        /// The profile to sign (it must be valid and have a version).
        profile: PathBuf,
        /// The secret key (NAME.key from `profile keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The last day the profile may run (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE", conflicts_with = "valid_for")]
        expires: Option<String>,
        /// How long from today the profile may run (default 365d).
        #[arg(long, value_name = "DUR", value_parser = parse_duration)]
        valid_for: Option<std::time::Duration>,
    },
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    #[command(flatten)]
    pub common: Common,
}
