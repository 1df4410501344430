//! The README kept honest: its command synopsis lists exactly the flags each subcommand's help
//! lists, every `readycheck …` command line in its examples names a real subcommand and real
//! flags, and its sample output shows the built-in profile's checks.

use std::collections::{BTreeMap, BTreeSet};

use readycheck::i18n::Locale;
use readycheck::profile::Profile;

use crate::support::{Env, stderr, stdout, workspace};

fn readme() -> String {
    std::fs::read_to_string(workspace().join("README.md")).unwrap()
}

/// The fenced code blocks of the README: (info string, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (line.strip_prefix("```"), current.take()) {
            (Some(info), None) => current = Some((info.trim().to_string(), String::new())),
            (Some(_), Some(done)) => out.push(done),
            (None, Some((info, mut body))) => {
                body.push_str(line);
                body.push('\n');
                current = Some((info, body));
            }
            (None, None) => {}
        }
    }
    out
}

/// The subcommand path a `readycheck …` line names (`["schedule", "install"]`; `["run"]` for
/// `readycheck [run]`; empty for the program itself) and the long flags on it.
fn command_line(line: &str) -> Option<(Vec<String>, BTreeSet<String>)> {
    let rest = line.strip_prefix("readycheck ")?;
    let mut path = Vec::new();
    for word in rest.split_whitespace() {
        if word == "[run]" {
            path.push("run".to_string());
            break;
        }
        if !word.chars().all(|c| c.is_ascii_lowercase() || c == '-') || word.starts_with('-') {
            break;
        }
        path.push(word.to_string());
    }
    Some((path, long_flags(rest)))
}

/// The `--flags` and `-x` short flags in a piece of text (after a comment sign nothing
/// counts).
fn long_flags(text: &str) -> BTreeSet<String> {
    let text = text.split(" # ").next().unwrap_or(text);
    let mut flags: BTreeSet<String> = text
        .split(|c: char| c.is_whitespace() || "[]|,".contains(c))
        .filter(|w| w.len() == 2 && w.starts_with('-') && w.as_bytes()[1].is_ascii_alphabetic())
        .map(String::from)
        .collect();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i + 2 < bytes.len() {
        let start_ok = i == 0 || !bytes[i - 1].is_ascii_alphanumeric() && bytes[i - 1] != '-';
        if start_ok && bytes[i] == '-' && bytes[i + 1] == '-' && bytes[i + 2].is_ascii_lowercase() {
            let mut j = i + 2;
            while j < bytes.len() && (bytes[j].is_ascii_lowercase() || bytes[j] == '-') {
                j += 1;
            }
            flags.insert(bytes[i..j].iter().collect());
            i = j;
        } else {
            i += 1;
        }
    }
    flags
}

/// The long flags `readycheck PATH --help` lists, and what each short flag stands for.
fn help_flags(env: &Env, path: &[String]) -> (BTreeSet<String>, BTreeMap<String, String>) {
    let out = env.cmd().args(path).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{path:?}: {}", stderr(&out));
    let text = stdout(&out);
    let options = text.split_once("Options:").map_or("", |(_, o)| o);
    let mut long = BTreeSet::new();
    let mut short = BTreeMap::new();
    for raw in options.lines() {
        // Option lines are indented 2 (`-f, --format`) or 6 (`--plugin-dir`); wrapped help
        // text is indented further.
        let line = raw.trim_start();
        if !line.starts_with('-') || raw.len() - line.len() > 6 {
            continue;
        }
        let names = line.split("  ").next().unwrap_or("");
        let l = names
            .split([',', ' '])
            .find(|w| w.starts_with("--"))
            .map(String::from);
        let s = names
            .split([',', ' '])
            .find(|w| w.len() == 2 && w.starts_with('-'))
            .map(String::from);
        if let Some(l) = l {
            if let Some(s) = s {
                short.insert(s, l.clone());
            }
            long.insert(l);
        }
    }
    (long, short)
}

/// `flags` with every short flag replaced by its long name; an unknown short flag stays.
fn as_long(flags: &BTreeSet<String>, short: &BTreeMap<String, String>) -> BTreeSet<String> {
    flags
        .iter()
        .map(|f| short.get(f).cloned().unwrap_or_else(|| f.clone()))
        .collect()
}

/// Flags every command takes and the synopsis does not repeat.
const EVERYWHERE: &[&str] = &["--help", "--lang"];

#[test]
fn the_synopsis_lists_exactly_what_each_help_lists() {
    let env = Env::new();
    let text = readme();
    let synopsis = blocks(&text)
        .into_iter()
        .map(|(_, body)| body)
        .find(|b| b.starts_with("readycheck [run]"))
        .expect("the synopsis block");
    let mut by_command: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    let mut last = None;
    for line in synopsis.lines() {
        if let Some((path, flags)) = command_line(line) {
            by_command.entry(path.clone()).or_default().extend(flags);
            last = Some(path);
        } else if let Some(path) = &last {
            // A continuation: flags in brackets belong to the command above; the description
            // column (after a wide gap) does not.
            let own = line.trim_start().split("   ").next().unwrap_or("");
            if line.starts_with("                 [") {
                by_command.get_mut(path).unwrap().extend(long_flags(own));
            }
        }
    }
    for (path, listed) in &by_command {
        let (help, short) = help_flags(&env, path);
        let listed = &as_long(listed, &short);
        let missing: Vec<_> = listed.difference(&help).collect();
        assert!(
            missing.is_empty(),
            "README lists {missing:?} for {path:?}, --help does not"
        );
        let unlisted: Vec<_> = help
            .difference(listed)
            .filter(|f| !EVERYWHERE.contains(&f.as_str()))
            .filter(|f| !(path.is_empty() && f.as_str() != "--version"))
            .collect();
        assert!(
            unlisted.is_empty(),
            "--help of {path:?} lists {unlisted:?}, the README synopsis does not"
        );
    }
    // Every subcommand the program has is in the synopsis.
    let out = env.cmd().arg("--help").output().unwrap();
    let top = stdout(&out);
    let commands = top
        .split_once("Commands:")
        .map(|(_, c)| c.split_once("\n\n").map_or(c, |(c, _)| c))
        .unwrap_or("");
    for name in commands
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
    {
        assert!(
            by_command
                .keys()
                .any(|p| p.first().map(String::as_str) == Some(name)),
            "`readycheck {name}` is missing from the README synopsis"
        );
    }
}

#[test]
fn every_example_command_names_real_subcommands_and_flags() {
    let env = Env::new();
    let mut seen = 0;
    for (info, body) in blocks(&readme()) {
        if info != "sh" {
            continue;
        }
        for line in body.lines() {
            let Some((path, flags)) = command_line(line.trim_start()) else {
                continue;
            };
            seen += 1;
            let (help, short) = help_flags(&env, &path);
            let unknown: Vec<_> = as_long(&flags, &short).difference(&help).cloned().collect();
            assert!(
                unknown.is_empty(),
                "README example `{line}`: no {unknown:?}"
            );
        }
    }
    assert!(seen >= 3, "only {seen} example commands found");
}

/// The sample output shows the built-in profile's checks, by id and title, and their count.
#[test]
fn the_sample_output_shows_the_built_in_profile() {
    let text = readme();
    let sample = blocks(&text)
        .into_iter()
        .map(|(_, b)| b)
        .find(|b| b.contains("All checks"))
        .expect("the sample output");
    let rows: Vec<(String, String)> = sample
        .split_once("All checks\n")
        .unwrap()
        .1
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            let _mark = words.next();
            let id = words.next().unwrap().to_string();
            (id, words.collect::<Vec<_>>().join(" "))
        })
        .collect();
    let profile = Profile::embedded();
    assert_eq!(
        rows.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        profile
            .checks
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        "the sample's checks are not the built-in profile's"
    );
    for ((id, rest), check) in rows.iter().zip(&profile.checks) {
        let title = check.title.get(Locale::En);
        assert!(
            rest.starts_with(title),
            "{id}: README shows `{rest}`, title is `{title}`"
        );
    }
    let count = format!("{} checks:", profile.checks.len());
    assert!(sample.contains(&count), "the sample does not say `{count}`");
}
