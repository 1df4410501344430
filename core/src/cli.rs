//! The command line: flags (clap), dispatch to the subcommands, and the mapping of every outcome
//! to an exit code — 0 ready, 1 degraded, 2 not ready, 3 could not run as asked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime};

use clap::{Args, FromArgMatches, Parser, Subcommand};
use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

use crate::i18n;
use crate::plugin::discovery;
use crate::plugin::isolate::Isolation;
use crate::plugin::registry::{self, Backend, PluginState, Plugins};
use crate::printer::Printer;
use crate::profile::{self, Diagnostic, Profile, Source};
use crate::render::{self, Format};
use crate::report::{self, PluginEntry, ProfileInfo, Report, Tool, Verdict};
use crate::runner::{self, RunOptions};

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

#[derive(Debug, Parser)]
#[command(
    name = "readycheck",
    version,
    about = "Checks whether this computer is ready for remote work, and says whose problem it is if not.",
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 ready, 1 degraded, 2 not ready, 3 could not run as asked, 4 ran but the report could not be saved."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
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
}

#[derive(Debug, Args, Default)]
struct Common {
    /// Also look for plugins in DIR (searched first; may repeat).
    #[arg(long = "plugin-dir", value_name = "DIR", global = true)]
    plugin_dirs: Vec<PathBuf>,
    /// Only errors and the result.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Show evidence and metrics of every check.
    #[arg(short, long, global = true)]
    verbose: bool,
    /// No colours (also: NO_COLOR=1).
    #[arg(long, global = true)]
    no_color: bool,
    /// Load plugins into this process instead of one child per call (debugging and
    /// benchmarks only: a crashing plugin then ends the run).
    #[arg(long, global = true, hide_short_help = true)]
    in_process: bool,
    /// Language of everything readycheck writes: en or zh-CN (default: READYCHECK_LANG, then
    /// LC_ALL / LC_MESSAGES / LANG, or the Windows display language; else English).
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Profile to run (default: READYCHECK_PROFILE, readycheck.toml next to the program, the
    /// user's config dir, the system config dir, then the built-in default).
    #[arg(short, long, value_name = "PROFILE")]
    profile: Option<PathBuf>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    format: Format,
    /// Also write the report to FILE (format from the extension: .json, .txt); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    outputs: Vec<PathBuf>,
    /// Run only these checks (comma-separated ids), plus the checks they need.
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    only: Vec<String>,
    /// Do not run these checks (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "IDS")]
    skip: Vec<String>,
    /// Timeout of every check, overriding the profile (e.g. 3s, 500ms).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Deadline of the whole run, overriding the profile.
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    deadline: Option<std::time::Duration>,
    /// How many checks run at once.
    #[arg(short = 'j', long = "jobs", value_name = "N", default_value_t = runner::DEFAULT_PARALLELISM)]
    jobs: usize,
    /// No progress display.
    #[arg(long)]
    no_progress: bool,
    /// Do not save the JSON report in the reports directory.
    #[arg(long)]
    no_save: bool,
    /// POST the JSON report to URL (overrides the profile's [report] submit); kept in the outbox
    /// and sent later when that fails.
    #[arg(long, value_name = "URL")]
    submit: Option<String>,
    /// Open the HTML report in the default browser afterwards.
    #[arg(long)]
    open: bool,
    /// Raise a desktop notification when the result is not ready (or degraded, if the profile's
    /// [report] notify says so); a click opens the report. The daily run passes it.
    #[arg(long)]
    notify: bool,
    #[command(flatten)]
    common: Common,
}

/// Formats of `readycheck summarize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SummaryFormat {
    Text,
    Json,
    Csv,
    Html,
}

#[derive(Debug, Args)]
struct SummarizeArgs {
    /// Report files or directories (searched recursively).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Reports older than this count as stale (e.g. 24h, 7d).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    since: Option<std::time::Duration>,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    format: SummaryFormat,
    /// Also write to FILE (format from the extension: .txt, .json, .csv, .html); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    outputs: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct SubmitArgs {
    /// Send everything waiting in the outbox.
    #[arg(long, required = true)]
    pending: bool,
    /// Send to this URL instead of the one stored with each report.
    #[arg(long, value_name = "URL")]
    submit: Option<String>,
    /// Environment variable holding the Authorization header value (with --submit).
    #[arg(long, value_name = "VAR")]
    auth_header_env: Option<String>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    #[command(subcommand)]
    action: ScheduleAction,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Subcommand)]
enum ScheduleAction {
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
    /// installed, 1 when not.
    Status,
}

/// Formats of `readycheck plugins`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct PluginsArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value = "text")]
    format: ListFormat,
    /// Use this profile's [plugins] dirs and sha256 pins.
    #[arg(short, long, value_name = "PROFILE")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    /// PLUGIN or PLUGIN/KIND, e.g. network/tcp.
    target: String,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    /// The profile to check.
    profile: PathBuf,
    #[command(flatten)]
    common: Common,
}

#[derive(Debug, Args)]
struct ReportArgs {
    /// A report JSON file written by `readycheck`.
    file: PathBuf,
    /// Output format on stdout.
    #[arg(short, long, value_enum, default_value = "text")]
    format: Format,
    /// Also write to FILE (format from the extension); may repeat.
    #[arg(short, long = "output", value_name = "FILE")]
    outputs: Vec<PathBuf>,
    #[command(flatten)]
    common: Common,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    profile::parse_duration_str(s)
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The child path first and fast: no clap, no allocations beyond need.
    if args.get(1).is_some_and(|a| a == "__plugin-host") {
        if let (Some(mode), Some(path)) = (args.get(2), args.get(3)) {
            crate::plugin::child::main(&mode.to_string_lossy(), Path::new(path));
        }
        return ExitStatus::Unusable.into();
    }
    let start = crate::launch::detect(&mut args);
    let locale = match take_lang_flag(&mut args) {
        Some(v) => match crate::i18n::from_flag(&v) {
            Ok(l) => l,
            Err(msg) => {
                Printer::new(false, false, false, false, false).err(&format!("error: {msg}"));
                return ExitStatus::Unusable.into();
            }
        },
        None => crate::i18n::from_environment(&|k| std::env::var(k).ok()),
    };
    crate::i18n::set_current(locale);
    crate::i18n::utf8_console();
    let matches = localized_command(locale).try_get_matches_from(args);
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
    let status = match cli.command {
        _ if unzip_first.is_some() => {
            Printer::new(false, false, false, true, false)
                .err(unzip_first.as_deref().unwrap_or(""));
            ExitStatus::Unusable
        }
        None => cmd_run(cli.run),
        Some(Command::Run(args)) => cmd_run(args),
        Some(Command::Plugins(args)) => cmd_plugins(args),
        Some(Command::Explain(args)) => cmd_explain(args),
        Some(Command::Validate(args)) => cmd_validate(args),
        Some(Command::Report(args)) => cmd_report(args),
        Some(Command::Summarize(args)) => cmd_summarize(args),
        Some(Command::Submit(args)) => cmd_submit(args),
        Some(Command::Schedule(args)) => cmd_schedule(args),
    };
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

/// The clap command with its help texts from the host catalog of `locale`: the program's and
/// every subcommand's description, the headings, and the help of every flag and argument
/// (`cli.arg.<command path>.<id>`, else `cli.arg.<id>`). The doc comments below are the
/// English fallback for anything the catalog lacks.
fn localized_command(locale: crate::i18n::Locale) -> clap::Command {
    use clap::CommandFactory;
    let cat = crate::i18n::catalogs().of(locale);
    fn walk(cmd: clap::Command, cat: &readycheck_sdk::i18n::Catalog, path: &str) -> clap::Command {
        let mut cmd = cmd;
        if let Some(about) = cat.get(&format!("cli.cmd.{path}")) {
            cmd = cmd.about(about).long_about(None);
        }
        if let Some(h) = cat.get("cli.heading.options") {
            cmd = cmd.next_help_heading(h);
        }
        if let Some(h) = cat.get("cli.heading.commands") {
            cmd = cmd.subcommand_help_heading(h);
        }
        if let Some(t) = cat.get("cli.usage_template") {
            cmd = cmd.help_template(t.replace("\\n", "\n"));
        }
        // Clap's own -h (and -V) get the catalog's text and heading like every other flag.
        if let Some(h) = cat.get("cli.arg.help") {
            cmd = cmd.disable_help_flag(true).arg(
                clap::Arg::new("help")
                    .short('h')
                    .long("help")
                    .action(clap::ArgAction::Help)
                    .help(h),
            );
        }
        if path == "readycheck"
            && let Some(h) = cat.get("cli.arg.version")
        {
            cmd = cmd.disable_version_flag(true).arg(
                clap::Arg::new("version")
                    .short('V')
                    .long("version")
                    .action(clap::ArgAction::Version)
                    .help(h),
            );
        }
        cmd = cmd.mut_args(|a| {
            // A subcommand's own wording first (`cli.arg.readycheck.summarize.outputs`), then
            // the flag's everyday one (`cli.arg.outputs`).
            let own = format!("cli.arg.{path}.{}", a.get_id());
            let everyday = format!("cli.arg.{}", a.get_id());
            let a = match cat.get(&own).or_else(|| cat.get(&everyday)) {
                Some(h) => a.help(h).long_help(None),
                None => a,
            };
            let heading = if a.is_positional() {
                "cli.heading.arguments"
            } else {
                "cli.heading.options"
            };
            match cat.get(heading) {
                Some(h) if a.get_help_heading().is_none() => a.help_heading(h),
                _ => a,
            }
        });
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        for name in names {
            let sub = format!("{path}.{name}");
            cmd = cmd.mut_subcommand(&name, |c| walk(c, cat, &sub));
        }
        cmd
    }
    let mut cmd = walk(Cli::command(), cat, "readycheck");
    if let Some(t) = cat.get("cli.after_help") {
        cmd = cmd.after_help(t);
    }
    cmd
}

fn exe_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
}

fn backend(common: &Common, printer: &Printer) -> Result<Backend, ExitStatus> {
    if common.in_process {
        return Ok(Backend::InProcess);
    }
    Isolation::current().map(Backend::Isolated).map_err(|e| {
        printer.err(&crate::tr!(
            i18n::current(),
            "cli.no_own_exe",
            error = e.to_string()
        ));
        ExitStatus::Unusable
    })
}

/// Loads the profile the user asked for, or the discovered one, or the embedded default.
fn load_profile(explicit: Option<&Path>, printer: &Printer) -> Result<Profile, ExitStatus> {
    let path = explicit
        .map(Path::to_path_buf)
        .or_else(|| profile::discover(exe_dir().as_deref()));
    let loaded = match path {
        Some(p) => Profile::load(&p),
        None => Ok(Profile::embedded()),
    };
    loaded.map_err(|e| {
        printer.err(&e.render());
        ExitStatus::Unusable
    })
}

fn discover_plugins(
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

fn profile_plugin_names(p: &Profile) -> Vec<String> {
    p.checks.iter().map(|c| c.plugin.clone()).collect()
}

/// Diagnostics for unknown `--only`/`--skip` ids.
fn check_selection(profile: &Profile, args: &RunArgs) -> Vec<String> {
    let ids: Vec<&str> = profile.checks.iter().map(|c| c.id.as_str()).collect();
    let mut errs = Vec::new();
    for (flag, list) in [("--only", &args.only), ("--skip", &args.skip)] {
        for id in list {
            if !ids.contains(&id.as_str()) {
                let hint = profile::diagnostic::did_you_mean(id, ids.iter().copied())
                    .unwrap_or_else(|| {
                        t!(
                            "cli.the_checks_are",
                            ids = ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                        )
                    });
                errs.push(crate::tr!(
                    i18n::current(),
                    "cli.unknown_selection",
                    flag = flag,
                    id = id,
                    hint = hint
                ));
            }
        }
    }
    errs
}

fn cmd_run(args: RunArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        args.no_progress,
        args.format.is_machine(),
    );
    // Everything the user said is checked before anything runs.
    let mut outputs = Vec::new();
    for o in &args.outputs {
        match Format::from_path(o) {
            Some(f) => outputs.push((o.clone(), f)),
            None => {
                printer.err(&crate::tr!(
                    i18n::current(),
                    "cli.unknown_extension",
                    path = o.display().to_string(),
                    choices = ".json, .txt, .html, .md, .xml"
                ));
                return ExitStatus::Unusable;
            }
        }
    }
    let profile = match load_profile(args.profile.as_deref(), &printer) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let selection_errors = check_selection(&profile, &args);
    if !selection_errors.is_empty() {
        for e in selection_errors {
            printer.err(&e);
        }
        return ExitStatus::Unusable;
    }
    let backend = match backend(&args.common, &printer) {
        Ok(b) => b,
        Err(code) => return code,
    };
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
        printer.err(&profile::diagnostic::render(
            &profile.source.display_name(),
            &profile.text,
            &diags,
            i18n::current(),
        ));
        return ExitStatus::Unusable;
    }
    for (name, state) in &plugins.states {
        match state {
            PluginState::Missing => printer.warn(&crate::tr!(
                i18n::current(),
                "cli.plugin_missing",
                plugin = name,
                file = discovery::file_name(name)
            )),
            PluginState::Refused { reason, .. } => printer.warn(&crate::tr!(
                i18n::current(),
                "cli.plugin_refused",
                plugin = name,
                reason = crate::sanitize::text(reason).into_owned()
            )),
            PluginState::Broken { error, .. } => printer.warn(&crate::tr!(
                i18n::current(),
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
            printer.warn(&crate::sanitize::text(&crate::tr!(
                i18n::current(),
                "cli.plugin_passed_over",
                plugin = name,
                path = path.display().to_string(),
                reason = reason.as_str(),
                used = used
            )));
        }
    }

    let options = RunOptions {
        parallelism: args.jobs,
        timeout: args.timeout,
        // What discovery took comes off the run's deadline.
        deadline: deadline.saturating_sub(t0.elapsed()),
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    let observer: std::sync::Arc<dyn runner::Observer> =
        std::sync::Arc::new(CleanTitles(printer.observer()));
    let outcome = runner::run(&profile, &plugins, &backend, &options, observer);
    let report = build_report(
        &profile,
        &plugins,
        outcome.checks,
        started_at,
        t0.elapsed().as_millis() as u64,
        report::Selection::of(&options.only, &options.skip),
    );
    if outcome.interrupted {
        printer.warn(&crate::tr!(i18n::current(), "cli.interrupted"));
    }
    if outcome.deadline_passed {
        printer.warn(&crate::tr!(i18n::current(), "cli.deadline_passed"));
    }
    let mut report = report;
    for note in crate::store::cap(&mut report) {
        printer.warn(&crate::sanitize::text(&crate::tr!(
            i18n::current(),
            "cli.report_capped",
            what = note
        )));
    }
    let json = serde_json::to_vec_pretty(&report).expect("reports serialise");

    // Saving and delivery: a report that cannot be saved is still sent from memory, and the
    // failure is said on stderr even with -q and in the exit status (4).
    let mut saved_to = None;
    let mut not_saved = false;
    if !args.no_save {
        match crate::store::save_bytes(&report.id, &json) {
            Ok(p) => saved_to = Some(p.display().to_string()),
            Err(e) => {
                not_saved = true;
                printer.err(&crate::tr!(
                    i18n::current(),
                    "cli.warning",
                    message = crate::tr!(i18n::current(), "cli.not_saved", error = e.to_string())
                ));
            }
        }
    }
    let mut status = exit_for(&report);
    if let Err(code) = write_outputs(&report, &outputs, &printer) {
        status = code;
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
    let (delivery, kept) = deliver_after_run(&report, &json, dest.as_ref(), &printer);
    if not_saved || !kept {
        status = ExitStatus::NotSaved;
    }
    if args.open {
        open_html(&report, saved_to.as_deref(), &printer);
    }
    if args.notify
        && let Some(problem) =
            crate::launch::notify(&report, saved_to.as_deref(), profile.report.notify)
    {
        printer.warn(&problem);
    }
    let style = render::Style {
        color: printer.color,
        verbose: printer.verbose,
        saved_to,
        delivery,
    };
    if !(printer.quiet && args.format == Format::Text) {
        printer.out(&render::render(&report, args.format, &style));
    } else {
        // -q: "only errors and the result" — the verdict line.
        printer.out(&format!(
            "{}\n",
            render::text::verdict_line(&report, &style)
        ));
    }
    status
}

/// Spools this run's report when it has a destination, then sends everything waiting (after
/// recovering what a killed run left). A report that cannot be spooled (a full or read-only
/// data directory) is sent from memory. Returns a line for the text output, and whether the
/// report is safe: kept in the outbox, sent, or without a destination.
fn deliver_after_run(
    report: &Report,
    json: &[u8],
    dest: Option<&crate::submit::Destination>,
    printer: &Printer,
) -> (Option<String>, bool) {
    use crate::submit::Outcome;
    let dir = crate::submit::outbox();
    let mut direct = None;
    if let Some(d) = dest {
        let spooled = match &dir {
            Some(dir) => crate::submit::spool(dir, &report.id, json, d).map_err(|e| {
                crate::tr!(
                    i18n::current(),
                    "cli.not_kept",
                    dir = dir.display().to_string(),
                    error = e.to_string()
                )
            }),
            None => Err(crate::tr!(i18n::current(), "submit.no_outbox")),
        };
        if let Err(why) = spooled {
            printer.err(&crate::tr!(i18n::current(), "cli.warning", message = why));
            direct = Some(crate::submit::send_now(&report.id, json, d));
        }
    }
    // Saved and kept (or sent): from here a signal ends the process at once, the outbox has
    // the report.
    crate::signals::report_written();
    let mut outcomes: Vec<Outcome> = direct.iter().cloned().collect();
    if let Some(dir) = &dir {
        crate::submit::recover(dir);
        if !crate::submit::pending(dir).is_empty() {
            outcomes.extend(crate::submit::deliver(dir, None));
        }
    }
    // Safe unless it had to go from memory and did not.
    let kept = !matches!(direct, Some(Outcome::Kept { .. }));
    if let Some(Outcome::Kept { reason, .. }) = &direct {
        printer.err(&crate::tr!(
            i18n::current(),
            "cli.warning",
            message = crate::tr!(
                i18n::current(),
                "submit.kept",
                id = &report.id,
                reason = reason.clone()
            )
        ));
    }
    if outcomes.is_empty() {
        return (None, kept);
    }
    let mine = outcomes.iter().find(|o| o.id() == report.id);
    let others_sent = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Sent { id, .. } if id != &report.id))
        .count();
    let lang = i18n::current();
    let this = match (mine, dest) {
        (Some(Outcome::Sent { .. }), Some(d)) => Some(t!("submit.sent_to", url = &d.url)),
        (Some(Outcome::Kept { reason, .. }), _) => {
            Some(t!("submit.not_sent_yet", reason = reason.clone()))
        }
        _ => None,
    };
    let others = (others_sent > 0).then(|| t!("submit.others_sent", n = others_sent));
    let line = match (this, others) {
        (Some(a), Some(b)) => Some(t!("submit.this_and_others", this = a, others = b)),
        (a, b) => a.or(b),
    };
    (line.map(|m| i18n::render(lang, &m)), kept)
}

/// The progress display's view of the checks, with their titles made safe for a terminal.
struct CleanTitles(std::sync::Arc<dyn runner::Observer>);

impl runner::Observer for CleanTitles {
    fn planned(&self, total: usize) {
        self.0.planned(total);
    }
    fn started(&self, check: &profile::Check) {
        match crate::sanitize::text(check.title.get(i18n::current())) {
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

/// Writes the HTML report next to the saved JSON (or in the temp dir) and opens it.
fn open_html(report: &Report, saved_to: Option<&str>, printer: &Printer) {
    if let Err(problem) =
        crate::launch::write_page(report, saved_to).and_then(|path| crate::launch::open_page(&path))
    {
        printer.warn(&problem);
    }
}

fn exit_for(report: &Report) -> ExitStatus {
    match report.verdict {
        report::Verdict::Ready => ExitStatus::Ready,
        report::Verdict::Degraded => ExitStatus::Degraded,
        report::Verdict::NotReady => ExitStatus::NotReady,
    }
}

fn write_outputs(
    report: &Report,
    outputs: &[(PathBuf, Format)],
    printer: &Printer,
) -> Result<(), ExitStatus> {
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
            printer.err(&crate::tr!(
                i18n::current(),
                "cli.report_not_written",
                path = path.display().to_string(),
                error = e.to_string()
            ));
            result = Err(ExitStatus::Unusable);
        }
    }
    result
}

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

/// Assembles the report of a run.
pub fn build_report(
    profile: &Profile,
    plugins: &Plugins,
    mut checks: Vec<report::CheckReport>,
    started_at: SystemTime,
    duration_ms: u64,
    selection: Option<report::Selection>,
) -> Report {
    let host = crate::hostinfo::current();
    let diagnosis = crate::diagnosis::diagnose(profile, &mut checks);
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
        locale: crate::i18n::current().tag().to_string(),
        verdict: report::verdict(&checks),
        counts: report::counts(&checks),
        tool: Tool {
            name: "readycheck".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        profile: ProfileInfo {
            name: profile.name.clone(),
            version: profile.version.clone(),
            sha256: profile.sha256.clone(),
            source: match &profile.source {
                Source::File(p) => p.display().to_string(),
                Source::Embedded => "embedded".into(),
            },
            contact: profile.contact.clone(),
            l10n: profile.names.translations(),
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

fn cmd_plugins(args: PluginsArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        args.format == ListFormat::Json,
    );
    let profile = match &args.profile {
        Some(p) => match load_profile(Some(p), &printer) {
            Ok(p) => Some(p),
            Err(code) => return code,
        },
        None => None,
    };
    let backend = match backend(&args.common, &printer) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let plugins = discover_plugins(&args.common, profile.as_ref(), &backend, None, None);
    let rows: Vec<serde_json::Value> = plugins
        .states
        .iter()
        .map(|(name, state)| {
            let file = state.file();
            let (trusted, problem) = match state {
                PluginState::Ready { .. } => (true, None),
                PluginState::Refused { reason, .. } => (false, Some(reason.clone())),
                PluginState::Broken { error, .. } => (true, Some(format!("{}: {}", error.cause().as_str(), error.message()))),
                PluginState::Missing => (false, Some("not found".to_string())), // JSON: stable English
            };
            serde_json::json!({
                "name": name,
                "version": state.manifest().map(|m| m.version.clone()),
                "abi": state.manifest().map(|_| readycheck_sdk::abi::ABI_VERSION),
                "kinds": state.manifest().map(|m| m.kinds.iter().map(|k| k.name.clone()).collect::<Vec<_>>()).unwrap_or_default(),
                "path": file.map(|f| f.path.display().to_string()),
                "sha256": file.map(|f| f.sha256.clone()),
                "trusted": trusted,
                "problem": problem,
            })
        })
        .collect();
    match args.format {
        ListFormat::Json => {
            let doc = serde_json::json!({
                "search_path": plugins.search_path.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
                "plugins": rows,
            });
            printer.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&doc).expect("json")
            ));
        }
        ListFormat::Text => {
            let lang = i18n::current();
            let mut out = String::new();
            if rows.is_empty() {
                out.push_str(&format!("{}\n", crate::tr!(lang, "plugins.none")));
            }
            for r in &rows {
                let text = |k: &str| r[k].as_str().unwrap_or("").to_string();
                let status = match r["problem"].as_str() {
                    None => t!("plugins.ok"),
                    Some(p) if r["trusted"] == false => t!("plugins.refused", reason = p),
                    Some(p) => t!("plugins.broken", reason = p),
                };
                let kinds: Vec<String> = r["kinds"]
                    .as_array()
                    .map(|k| {
                        k.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{}\n",
                    crate::tr!(
                        lang,
                        "plugins.entry",
                        name = text("name"),
                        version = r["version"].as_str().unwrap_or("?"),
                        abi = r["abi"].as_u64().map_or("?".into(), |v| v.to_string()),
                        status = status,
                        kinds = kinds,
                        path = text("path"),
                        sha256 = text("sha256")
                    )
                ));
            }
            out.push_str(&format!("\n{}\n", crate::tr!(lang, "plugins.search_path")));
            for p in &plugins.search_path {
                out.push_str(&format!("  {}\n", p.display()));
            }
            printer.out(&out);
        }
    }
    if rows.is_empty() {
        ExitStatus::Unusable
    } else {
        ExitStatus::Ready
    }
}

fn cmd_explain(args: ExplainArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        false,
    );
    let lang = i18n::current();
    let (plugin, kind) = match args.target.split_once('/') {
        Some((p, k)) => (p.to_string(), Some(k.to_string())),
        None => (args.target.clone(), None),
    };
    let backend = match backend(&args.common, &printer) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let plugins = discover_plugins(
        &args.common,
        None,
        &backend,
        Some(std::slice::from_ref(&plugin)),
        None,
    );
    match plugins.states.get(&plugin) {
        Some(PluginState::Ready { manifest, .. }) => {
            match crate::explain::explain(manifest, kind.as_deref()) {
                Ok(text) => {
                    printer.out(&text);
                    ExitStatus::Ready
                }
                Err(e) => {
                    printer.err(&crate::tr!(lang, "profile.error", message = e));
                    ExitStatus::Unusable
                }
            }
        }
        Some(PluginState::Refused { reason, .. }) => {
            printer.err(&crate::tr!(
                lang,
                "profile.error",
                message = t!(
                    "cli.plugin_refused",
                    plugin = &plugin,
                    reason = reason.to_string()
                )
            ));
            ExitStatus::Unusable
        }
        Some(PluginState::Broken { error, .. }) => {
            printer.err(&crate::tr!(
                lang,
                "profile.error",
                message = t!(
                    "cli.plugin_broken",
                    plugin = &plugin,
                    reason = error.message()
                )
            ));
            ExitStatus::Unusable
        }
        _ => {
            printer.err(&crate::tr!(
                lang,
                "explain.no_plugin",
                plugin = &plugin,
                file = discovery::file_name(&plugin)
            ));
            ExitStatus::Unusable
        }
    }
}

fn cmd_validate(args: ValidateArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        false,
    );
    let profile = match load_profile(Some(&args.profile), &printer) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let backend = match backend(&args.common, &printer) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let plugins = discover_plugins(
        &args.common,
        Some(&profile),
        &backend,
        Some(&profile_plugin_names(&profile)),
        None,
    );
    let mut diags = profile::validate::validate_params(&profile, &plugins.manifests());
    let mut reported = std::collections::BTreeSet::new();
    for check in &profile.checks {
        let problem = match plugins.states.get(&check.plugin) {
            Some(PluginState::Ready { .. }) => None,
            Some(PluginState::Refused { reason, .. }) => Some((
                t!(
                    "profile.plugin_refused",
                    plugin = &check.plugin,
                    reason = reason.to_string()
                ),
                None,
            )),
            Some(PluginState::Broken { error, .. }) => Some((
                t!(
                    "profile.plugin_broken",
                    plugin = &check.plugin,
                    cause = error.cause().as_str(),
                    reason = error.message()
                ),
                None,
            )),
            Some(PluginState::Missing) | None => Some((
                t!(
                    "profile.plugin_missing",
                    plugin = &check.plugin,
                    file = discovery::file_name(&check.plugin)
                ),
                Some(t!(
                    "profile.plugin_missing_help",
                    dirs = plugins
                        .search_path
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                )),
            )),
        };
        if let Some((msg, help)) = problem
            && reported.insert(check.plugin.clone())
        {
            let mut d = Diagnostic::new(msg, check.spans.plugin.clone());
            d.help = help;
            diags.push(d);
        }
    }
    if diags.is_empty() {
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
        printer.out(&format!(
            "{}\n",
            crate::tr!(
                i18n::current(),
                "cli.valid",
                file = profile.source.display_name(),
                n = profile.checks.len(),
                plugins = names
            )
        ));
        ExitStatus::Ready
    } else {
        printer.err(&profile::diagnostic::render(
            &profile.source.display_name(),
            &profile.text,
            &diags,
            i18n::current(),
        ));
        ExitStatus::Unusable
    }
}

fn cmd_report(args: ReportArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        args.format.is_machine(),
    );
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            printer.err(&crate::tr!(
                i18n::current(),
                "cli.report_unreadable",
                path = args.file.display().to_string(),
                error = e.to_string()
            ));
            return ExitStatus::Unusable;
        }
    };
    let report: Report = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            printer.err(&crate::tr!(
                i18n::current(),
                "cli.not_a_report",
                path = args.file.display().to_string(),
                error = e.to_string(),
                line = e.line(),
                column = e.column()
            ));
            return ExitStatus::Unusable;
        }
    };
    // Re-read in the reader's language, from the translations the report carries.
    let mut report = report;
    report.localize(crate::i18n::current());
    if report.schema != report::SCHEMA_ID {
        printer.err(&crate::tr!(
            i18n::current(),
            "cli.other_schema",
            path = args.file.display().to_string(),
            schema = &report.schema,
            ours = report::SCHEMA_ID
        ));
        return ExitStatus::Unusable;
    }
    let mut outputs = Vec::new();
    for o in &args.outputs {
        match Format::from_path(o) {
            Some(f) => outputs.push((o.clone(), f)),
            None => {
                printer.err(&crate::tr!(
                    i18n::current(),
                    "cli.unknown_extension",
                    path = o.display().to_string(),
                    choices = ".json, .txt, .html, .md, .xml"
                ));
                return ExitStatus::Unusable;
            }
        }
    }
    if let Err(code) = write_outputs(&report, &outputs, &printer) {
        return code;
    }
    let style = render::Style {
        color: printer.color,
        verbose: printer.verbose,
        saved_to: None,
        delivery: None,
    };
    printer.out(&render::render(&report, args.format, &style));
    ExitStatus::Ready
}

fn cmd_summarize(args: SummarizeArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        args.format != SummaryFormat::Text,
    );
    let lang = i18n::current();
    let mut outputs = Vec::new();
    for o in &args.outputs {
        let f = match o
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("txt" | "text") => SummaryFormat::Text,
            Some("json") => SummaryFormat::Json,
            Some("csv") => SummaryFormat::Csv,
            Some("html" | "htm") => SummaryFormat::Html,
            _ => {
                printer.err(&crate::tr!(
                    lang,
                    "cli.unknown_extension",
                    path = o.display().to_string(),
                    choices = ".txt, .json, .csv, .html"
                ));
                return ExitStatus::Unusable;
            }
        };
        outputs.push((o.clone(), f));
    }
    let summary = crate::summary::summarize(&args.paths, args.since, lang);
    if summary.skipped_unreadable + summary.skipped_foreign > 0 {
        printer.warn(&crate::tr!(
            lang,
            "summary.skipped_warning",
            unreadable = summary.skipped_unreadable,
            foreign = summary.skipped_foreign,
            files = summary.files_read
        ));
    }
    let render = |f: SummaryFormat| match f {
        SummaryFormat::Text => crate::summary::render_text(&summary, lang),
        SummaryFormat::Json => crate::summary::render_json(&summary),
        SummaryFormat::Csv => crate::summary::render_csv(&summary),
        SummaryFormat::Html => crate::summary::render_html(&summary, lang),
    };
    for (path, f) in &outputs {
        if let Err(e) = crate::store::write_atomic(path, render(*f).as_bytes()) {
            printer.err(&crate::tr!(
                lang,
                "cli.report_not_written",
                path = path.display().to_string(),
                error = e.to_string()
            ));
            return ExitStatus::Unusable;
        }
    }
    printer.out(&render(args.format));
    if summary.reports == 0 {
        printer.err(&crate::tr!(lang, "summary.no_reports"));
        return ExitStatus::Unusable;
    }
    ExitStatus::Ready
}

fn cmd_submit(args: SubmitArgs) -> ExitStatus {
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        false,
    );
    let lang = i18n::current();
    let Some(dir) = crate::submit::outbox() else {
        printer.err(&crate::tr!(lang, "submit.no_outbox"));
        return ExitStatus::Unusable;
    };
    let dest = args.submit.map(|url| crate::submit::Destination {
        url,
        auth_header_env: args.auth_header_env,
    });
    let outcomes = crate::submit::deliver(&dir, dest.as_ref());
    if outcomes.is_empty() {
        printer.out(&format!("{}\n", crate::tr!(lang, "submit.nothing_waiting")));
        return ExitStatus::Ready;
    }
    let mut kept = 0;
    for o in &outcomes {
        match o {
            crate::submit::Outcome::Sent {
                id,
                status,
                attempts,
            } => printer.out(&format!(
                "{}\n",
                crate::tr!(
                    lang,
                    "submit.sent",
                    id = id,
                    status = *status,
                    attempts = *attempts
                )
            )),
            crate::submit::Outcome::Kept { id, reason } => {
                kept += 1;
                printer.out(&format!(
                    "{}\n",
                    crate::tr!(lang, "submit.kept", id = id, reason = reason.clone())
                ))
            }
            crate::submit::Outcome::InFlight { id } => printer.out(&format!(
                "{}\n",
                crate::tr!(lang, "submit.in_flight", id = id)
            )),
        }
    }
    if kept > 0 {
        ExitStatus::NotReady
    } else {
        ExitStatus::Ready
    }
}

fn cmd_schedule(args: ScheduleArgs) -> ExitStatus {
    use crate::schedule::{self, Activation};
    let printer = Printer::new(
        args.common.quiet,
        args.common.verbose,
        args.common.no_color,
        true,
        false,
    );
    let lang = i18n::current();
    let line = |m: Msg| format!("{}\n", i18n::render(lang, &m));
    let error = |m: Msg| i18n::render(lang, &t!("profile.error", message = m));
    match args.action {
        ScheduleAction::Install {
            at,
            spread,
            profile,
            no_enable,
        } => {
            let exe = match std::env::current_exe().and_then(std::fs::canonicalize) {
                Ok(e) => plain_path(e),
                Err(e) => {
                    printer.err(&crate::tr!(lang, "cli.no_own_path", error = e.to_string()));
                    return ExitStatus::Unusable;
                }
            };
            // The scheduled run must not fail at 06:00 on a profile that is wrong today.
            let profile = match profile {
                Some(p) => match std::fs::canonicalize(&p) {
                    Ok(abs) => {
                        let abs = plain_path(abs);
                        if let Err(e) = Profile::load(&abs) {
                            printer.err(&e.render());
                            return ExitStatus::Unusable;
                        }
                        Some(abs)
                    }
                    Err(e) => {
                        printer.err(&crate::tr!(
                            lang,
                            "cli.profile_unreadable",
                            path = p.display().to_string(),
                            error = e.to_string()
                        ));
                        return ExitStatus::Unusable;
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
            let done = match schedule::install(&plan, !no_enable) {
                Ok(d) => d,
                Err(e) => {
                    printer.err(&error(e));
                    return ExitStatus::Unusable;
                }
            };
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
                    ExitStatus::Ready
                }
                Activation::Skipped { command } => {
                    printer.out(&line(t!("schedule.not_activated", command = command)));
                    ExitStatus::Ready
                }
                Activation::Failed {
                    command,
                    error: why,
                } => {
                    printer.err(&error(t!(
                        "schedule.not_taken",
                        error = why,
                        command = command
                    )));
                    ExitStatus::Unusable
                }
            }
        }
        ScheduleAction::Remove => match schedule::remove() {
            Ok(done) if done.is_empty() => {
                printer.out(&line(t!("schedule.none_to_remove")));
                ExitStatus::Ready
            }
            Ok(done) => {
                printer.out(&line(t!("schedule.removed", what = done)));
                ExitStatus::Ready
            }
            Err(e) => {
                printer.err(&error(e));
                ExitStatus::Unusable
            }
        },
        ScheduleAction::Status => {
            let st = match schedule::status() {
                Ok(s) => s,
                Err(e) => {
                    printer.err(&error(e));
                    return ExitStatus::Unusable;
                }
            };
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
            match crate::store::latest() {
                Some((path, verdict)) => out.push_str(&line(t!(
                    "schedule.last_report",
                    verdict = verdict.map_or(t!("schedule.verdict_unreadable"), Verdict::msg),
                    path = path.display().to_string()
                ))),
                None => out.push_str(&line(t!("schedule.no_last_report"))),
            }
            let waiting = crate::submit::outbox()
                .map(|d| crate::submit::pending(&d).len())
                .unwrap_or(0);
            if waiting > 0 {
                out.push_str(&line(t!("schedule.outbox", n = waiting)));
            }
            printer.out(&out);
            if st.installed() {
                ExitStatus::Ready
            } else {
                ExitStatus::Degraded
            }
        }
    }
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
