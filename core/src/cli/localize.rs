//! The help in the reader's language, and only what applies: every subcommand's description,
//! headings and flag help come from the host catalog, and a shared flag that means nothing for
//! a subcommand (`--plugin-dir` for `summarize`, `-v` for `validate`) is still accepted there,
//! for scripts that pass it everywhere, but not listed in its help.

use super::args::Cli;

/// The shared flags (`Common`) each subcommand lists in its help; the others stay accepted and
/// hidden. `readycheck` alone and `run` list them all.
const APPLIES: &[(&str, &[&str])] = &[
    (
        "readycheck",
        &["plugin_dirs", "quiet", "verbose", "no_color", "lang"],
    ),
    (
        "readycheck.run",
        &["plugin_dirs", "quiet", "verbose", "no_color", "lang"],
    ),
    ("readycheck.plugins", &["plugin_dirs", "no_color", "lang"]),
    ("readycheck.explain", &["plugin_dirs", "lang"]),
    ("readycheck.validate", &["plugin_dirs", "no_color", "lang"]),
    ("readycheck.report", &["verbose", "no_color", "lang"]),
    ("readycheck.summarize", &["quiet", "no_color", "lang"]),
    ("readycheck.submit", &["quiet", "lang"]),
    ("readycheck.schedule", &["lang"]),
    ("readycheck.completions", &[]),
    ("readycheck.profile", &["lang"]),
    ("readycheck.profile", &["lang"]),
];

/// The ids of the shared flags.
const SHARED: &[&str] = &[
    "plugin_dirs",
    "quiet",
    "verbose",
    "no_color",
    "lang",
    "in_process",
];

/// Whether the shared flag `id` is listed in the help of the command at `path`; flags that are
/// not shared are always listed. Nested commands (`schedule install`) follow their parent.
pub fn listed(path: &str, id: &str) -> bool {
    if !SHARED.contains(&id) {
        return true;
    }
    let mut p = path;
    loop {
        if let Some((_, ids)) = APPLIES.iter().find(|(c, _)| *c == p) {
            return ids.contains(&id);
        }
        match p.rsplit_once('.') {
            Some((parent, _)) => p = parent,
            None => return false,
        }
    }
}

/// The clap command with its help texts from the host catalog of `locale`: the program's and
/// every subcommand's description, the headings, and the help of every flag and argument
/// (`cli.arg.<command path>.<id>`, else `cli.arg.<id>`). The doc comments below are the
/// English fallback for anything the catalog lacks.
pub fn localized_command(locale: crate::i18n::Locale) -> clap::Command {
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
            let a = if listed(path, a.get_id().as_str()) {
                a
            } else {
                a.hide(true)
            };
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
