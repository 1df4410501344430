//! The command line's surface as IT and scripts meet it: `--version` names its build, every
//! subcommand's help lists only what applies to it, completions come from the binary, exit
//! codes follow the documented table (Nagios rendering included), and the JSON forms of
//! `explain`, `submit` and `schedule status` parse.

use std::process::Output;

use crate::support::{Env, stderr, stdout};

fn profile(env: &Env, checks: &str) -> std::path::PathBuf {
    env.profile(
        "p.toml",
        &format!("[profile]\nname = \"Surface\"\ntimeout = \"3s\"\n{checks}\n"),
    )
}

fn code(out: &Output) -> Option<i32> {
    out.status.code()
}

#[test]
fn version_names_the_commit_the_date_and_the_plugin_abi() {
    let env = Env::new();
    for flag in ["--version", "-V"] {
        let out = env.cmd().arg(flag).output().unwrap();
        assert_eq!(code(&out), Some(0));
        let text = stdout(&out);
        // readycheck 0.1.0 (3f2c1ab90 2026-11-30, plugin ABI 1)
        let inner = text
            .trim()
            .strip_prefix(&format!("readycheck {} (", env!("CARGO_PKG_VERSION")))
            .and_then(|s| s.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{flag}: {text}"));
        let (build, abi) = inner.split_once(", plugin ABI ").expect(&text);
        assert_eq!(abi, "1", "{text}");
        let (commit, date) = build.split_once(' ').expect(&text);
        // Built outside a git checkout (a source tarball), the build cannot know its commit.
        let in_git = std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(crate::support::workspace())
            .output()
            .is_ok_and(|o| o.status.success());
        if !in_git {
            assert_eq!(build, "unknown unknown", "{text}");
            continue;
        }
        assert!(
            commit.len() == 9 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "not a commit: {text}"
        );
        assert!(
            date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
            "not a date: {text}"
        );
    }
}

/// `readycheck-plugin-host` is what each check runs in (`plugins` says so); started by hand it
/// says what it is for and exits 3, loading nothing.
#[test]
fn the_plugin_host_is_the_child_and_says_so_when_started_by_hand() {
    let env = Env::new();
    let helper = crate::support::target_dir().join("readycheck-plugin-host");
    let listed: serde_json::Value = serde_json::from_str(&stdout(
        &env.cmd().args(["plugins", "-f", "json"]).output().unwrap(),
    ))
    .unwrap();
    assert_eq!(
        listed["child"].as_str().map(std::path::PathBuf::from),
        Some(helper.clone()),
        "{listed:#}"
    );
    for args in [
        &[][..],
        &["__plugin-host"],
        &["__plugin-host", "load", "/dev/null"],
    ] {
        let out = std::process::Command::new(&helper)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(3), "{args:?}");
        assert!(
            stderr(&out).contains("started by readycheck itself; run readycheck instead"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

/// Shared flags are listed only where they mean something; they stay accepted elsewhere, so
/// scripts that pass `--plugin-dir` to everything keep working. `--in-process` is listed
/// nowhere.
#[test]
fn each_help_lists_only_the_flags_that_apply() {
    let env = Env::new();
    let help = |args: &[&str]| {
        let out = env.cmd().args(args).arg("--help").output().unwrap();
        assert_eq!(code(&out), Some(0), "{}", stderr(&out));
        stdout(&out)
    };
    let cases: &[(&[&str], &[&str], &[&str])] = &[
        (
            &[],
            &["--plugin-dir", "--quiet", "--verbose", "--no-color"],
            &["--in-process"],
        ),
        (
            &["run"],
            &["--plugin-dir", "--quiet", "--verbose", "--jobs"],
            &["--in-process"],
        ),
        (
            &["validate"],
            &["--plugin-dir"],
            &["--verbose", "--quiet", "--in-process"],
        ),
        (
            &["summarize"],
            &["--quiet", "--since"],
            &["--plugin-dir", "--verbose", "--in-process"],
        ),
        (
            &["schedule"],
            &["--lang"],
            &["--plugin-dir", "--verbose", "--quiet", "--in-process"],
        ),
        (
            &["schedule", "install"],
            &["--at", "--lang"],
            &["--plugin-dir", "--verbose", "--in-process"],
        ),
        (
            &["report"],
            &["--verbose", "--format"],
            &["--plugin-dir", "--in-process"],
        ),
        (
            &["submit"],
            &["--auth-header-env", "--format"],
            &["--plugin-dir", "--verbose", "--in-process"],
        ),
    ];
    for (cmd, listed, hidden) in cases {
        let text = help(cmd);
        for flag in *listed {
            assert!(text.contains(flag), "{cmd:?} --help lacks {flag}:\n{text}");
        }
        for flag in *hidden {
            assert!(!text.contains(flag), "{cmd:?} --help lists {flag}:\n{text}");
        }
    }
    // Accepted where hidden.
    let inbox = env.dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let out = env.run(&["summarize", inbox.to_str().unwrap()]);
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("unexpected argument"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_come_from_the_binary_for_every_shell() {
    let env = Env::new();
    for (shell, marker) in [
        ("bash", "_readycheck()"),
        ("zsh", "#compdef readycheck"),
        ("fish", "complete -c readycheck"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = env.cmd().args(["completions", shell]).output().unwrap();
        assert_eq!(code(&out), Some(0), "{shell}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(text.contains("summarize"), "{shell}: no subcommands");
    }
    let out = env.cmd().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(code(&out), Some(3), "{}", stderr(&out));
}

/// `report -f nagios` exits with the verdict (the Nagios contract is the code); the other
/// formats exit 0 once shown. A JSON error names its position once.
#[test]
fn report_exit_codes_follow_the_table() {
    let env = Env::new();
    let p = profile(
        &env,
        "[[check]]\nid = \"crash\"\nplugin = \"misbehave\"\nkind = \"segfault\"",
    );
    let json = env.dir.path().join("r.json");
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "-o",
        json.to_str().unwrap(),
        "--no-save",
    ]);
    assert_eq!(code(&out), Some(2), "{}", stderr(&out));
    let out = env.run(&["report", json.to_str().unwrap(), "-f", "nagios"]);
    assert_eq!(code(&out), Some(2), "{}", stdout(&out));
    assert!(
        stdout(&out).starts_with("READYCHECK CRITICAL"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["report", json.to_str().unwrap(), "-f", "text"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));

    let broken = env.dir.path().join("broken.json");
    std::fs::write(&broken, "{\n  \"schema\": \n}").unwrap();
    let out = env.run(&["report", broken.to_str().unwrap()]);
    assert_eq!(code(&out), Some(3));
    let err = stderr(&out);
    assert_eq!(
        err.matches("line 3").count(),
        1,
        "position said twice: {err}"
    );
    assert!(err.contains("column 1"), "{err}");
}

#[test]
fn explain_submit_and_schedule_status_speak_json() {
    let env = Env::new();
    let out = env.run(&["explain", "resources/disk", "-f", "json"]);
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let kind: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(kind["name"], "disk", "{kind:#}");
    let out = env.run(&["explain", "resources", "-f", "json"]);
    let manifest: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(manifest["name"], "resources", "{manifest:#}");
    assert!(manifest["kinds"].as_array().is_some_and(|k| k.len() > 1));
    let out = env.run(&["explain", "resources/nope", "-f", "json"]);
    assert_eq!(code(&out), Some(3));
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));

    let out = env
        .command(&["submit", "--pending", "-f", "json"])
        .env("READYCHECK_DATA_DIR", &env.data)
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let rows: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows, serde_json::json!([]));

    let out = env
        .command(&["schedule", "status", "-f", "json"])
        .env("XDG_CONFIG_HOME", env.dir.path().join("no-config"))
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let status: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(status["installed"], false, "{status:#}");
    assert_eq!(status["outbox"], 0, "{status:#}");
}

/// CLI output compared with an insta snapshot in `tests/snapshots`, with what changes from run
/// to run filtered out: temporary paths, the version line, timings.
fn cli_snapshot(name: &str, got: &str) {
    insta::with_settings!({
        snapshot_path => crate::support::workspace().join("tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
        filters => vec![
            (r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]"),
            (r"\d+\.\d+\.\d+ \([0-9a-f]{9} \d{4}-\d\d-\d\d, plugin ABI \d+\)", "[VERSION]"),
            (r"\b\d+ ms\b", "[MS]"),
        ],
    }, {
        insta::assert_snapshot!(name, got);
    });
}

/// The top-level help, in both languages, as a newcomer first sees it.
#[test]
fn top_level_help_snapshots_in_both_languages() {
    let env = Env::new();
    for lang in ["en", "zh-CN"] {
        let out = env
            .cmd()
            .args(["--help", "--lang", lang])
            .env("COLUMNS", "100")
            .output()
            .unwrap();
        assert_eq!(code(&out), Some(0), "{}", stderr(&out));
        cli_snapshot(&format!("help.{lang}"), &stdout(&out));
    }
}

/// `validate` on a profile with several independent problems: the whole list, as IT reads it.
#[test]
fn validate_problem_list_snapshot() {
    let env = Env::new();
    let p = profile(
        &env,
        "[[check]]\nid = \"disk\"\nplugin = \"resources\"\nkind = \"disk\"\npath = \"/\"\nfail_fre = \"5%\"\n\n\
         [[check]]\nid = \"disk\"\nplugin = \"resorces\"\nkind = \"memory\"\n\n\
         [[check]]\nid = \"net\"\nplugin = \"network\"\nkind = \"tcp\"\ntimeout = \"soon\"\n",
    );
    let out = env
        .command(&["validate", p.to_str().unwrap(), "--no-color"])
        .env("COLUMNS", "100")
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(3), "{}", stdout(&out));
    let dir = env.dir.path().to_str().unwrap().to_string();
    let ws = crate::support::workspace().to_str().unwrap().to_string();
    cli_snapshot(
        "validate.several-problems.en",
        &stderr(&out)
            .replace(&dir, "[TMP]")
            .replace(&ws, "[WORKSPACE]"),
    );
}
