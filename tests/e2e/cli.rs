//! The command line as a user sees it: exit codes, what reaches stdout and stderr, and files.

use std::time::{Duration, Instant};

use crate::support::*;

fn head(extra: &str) -> String {
    format!("[profile]\nname = \"CLI test\"\ntimeout = \"3s\"\n{extra}\n")
}

/// The built-in profile on a machine with no network at all (a fresh network namespace, so
/// nothing leaves this machine): the verdict says the PC is offline, the name-based check is
/// skipped rather than blamed, and the report is saved.
#[test]
fn the_embedded_default_on_a_machine_without_network_says_offline() {
    let env = Env::new();
    let Some(out) = env.offline(&["--no-progress"]) else {
        return;
    };
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(2), "{text}\n{}", stderr(&out));
    assert!(text.contains("Home office — basic readiness"), "{text}");
    assert!(text.contains("NOT READY"), "{text}");
    assert!(text.contains("not connected to a network"), "{text}");
    assert!(
        text.contains("What to do: Your PC is not connected to the internet"),
        "{text}"
    );
    assert!(
        text.contains("not checked because network did not pass"),
        "{text}"
    );
    // The report was saved in the data directory and its path is the last line.
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("Report saved: "), "{text}");
    let saved = std::path::Path::new(last.trim_start_matches("Report saved: "));
    assert!(saved.starts_with(&env.data), "{}", saved.display());
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(saved).unwrap()).unwrap();
    assert_valid_report(&report);
    assert_eq!(report["profile"]["source"], "embedded");
    assert_eq!(
        report["root_causes"][0], "network",
        "offline comes first: {:#}",
        report["root_causes"]
    );
    for id in ["memory", "disk", "cpu", "os", "uptime", "power"] {
        assert!(
            check(&report, id).get("cause").is_none(),
            "{id} ran: {:#}",
            check(&report, id)
        );
    }
    assert_eq!(
        check(&report, "network")["code"],
        "network.sites.unreachable"
    );
    assert_eq!(check(&report, "internet")["status"], "skip");
}

#[test]
fn json_on_stdout_is_the_report_and_nothing_else() {
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        &head("[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n\n[[check]]\nid = \"b\"\nplugin = \"misbehave\"\nkind = \"ok\"\nstatus = \"warn\"\nseverity = \"recommended\"\nfix = \"Do the thing.\"\n\n[[check]]\nid = \"c\"\nplugin = \"misbehave\"\nkind = \"ok\"\nneeds = [\"b\"]"),
    );
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "json", "--no-save"]);
    assert_eq!(out.status.code(), Some(1), "degraded: {}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is exactly one JSON report");
    assert_valid_report(&report);
    assert_eq!(report["verdict"], "degraded");
    assert_eq!(check(&report, "b")["fix"], "Do the thing.");
    assert!(
        check(&report, "a").get("fix").is_none(),
        "fix texts only for checks that did not pass"
    );
}

#[test]
fn profile_mistakes_are_all_listed_with_file_line_column_and_suggestions() {
    let env = Env::new();
    let text = head(
        "[[check]]\nid = \"gw\"\nplugin = \"network\"\nkind = \"tcp\"\ntagret = \"vpn.example:443\"\n\n[[check]]\nid = \"dns\"\nplugin = \"network\"\nkind = \"dsn\"\nname = \"x\"\n\n[[check]]\nid = \"late\"\nplugin = \"network\"\nkind = \"dns\"\nname = 5\nneds = [\"gw\"]\n",
    );
    let p = env.profile("bad.toml", &text);
    let out = env.run(&["validate", p.to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("unknown key `tagret` for network/tcp"),
        "{err}"
    );
    assert!(err.contains("did you mean `target`?"), "{err}");
    assert!(err.contains("missing required parameter `target`"), "{err}");
    assert!(err.contains("plugin `network` has no kind `dsn`"), "{err}");
    assert!(err.contains("did you mean `dns`?"), "{err}");
    assert!(err.contains("`name` must be a string, found 5"), "{err}");
    assert!(err.contains("did you mean `needs`?"), "{err}");
    // file:line:column of the typo, and a caret under it
    let line = text.lines().position(|l| l.starts_with("tagret")).unwrap() + 1;
    assert!(err.contains(&format!("bad.toml:{line}:1")), "{err}");
    assert!(err.contains("^^^^^^"), "{err}");
    // `run` refuses the same profile before running anything.
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "--no-save"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stdout(&out).is_empty());
}

#[test]
fn validate_accepts_a_good_profile_and_reports_plugin_problems() {
    let env = Env::new();
    let good = env.profile(
        "good.toml",
        &head(
            "[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"127.0.0.1:1\"",
        ),
    );
    let out = env.run(&["validate", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("valid — 1 check,"),
        "{}",
        stdout(&out)
    );

    let missing = env.profile(
        "missing.toml",
        &head("[[check]]\nid = \"a\"\nplugin = \"nosuch\"\nkind = \"x\""),
    );
    let out = env.run(&["validate", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("plugin `nosuch` is not installed"), "{err}");
    assert!(err.contains("missing.toml:"), "{err}");
}

#[test]
fn a_saved_report_re_renders_as_text() {
    let env = Env::new();
    let p = env.profile("p.toml", &head("[[check]]\nid = \"crash\"\nplugin = \"misbehave\"\nkind = \"segfault\"\ntitle = \"Crashing check\""));
    let json = env.dir.path().join("r.json");
    let txt = env.dir.path().join("r.txt");
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "-o",
        json.to_str().unwrap(),
        "-o",
        txt.to_str().unwrap(),
        "--no-save",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        std::fs::read_to_string(&txt)
            .unwrap()
            .contains("Crashing check")
    );
    let out = env.run(&["report", json.to_str().unwrap(), "-f", "text"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("NOT READY") && text.contains("SIGSEGV") && text.contains("? crash"),
        "{text}"
    );

    std::fs::write(&json, "{\"schema\": \"something/else\"}").unwrap();
    let out = env.run(&["report", json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("not a readycheck v1 report"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn unknown_flags_output_extensions_and_ids_exit_3() {
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        &head("[[check]]\nid = \"alpha\"\nplugin = \"misbehave\"\nkind = \"ok\""),
    );
    let ps = p.to_str().unwrap();
    assert_eq!(env.run(&["run", "--frobnicate"]).status.code(), Some(3));
    let out = env.run(&["run", "-p", ps, "-o", "report.docx"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("report.docx"));
    let out = env.run(&["run", "-p", ps, "--only", "alpah"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("did you mean `alpha`?"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.run(&["--help"]).status.code(), Some(0));
}

#[test]
fn only_and_skip_select_checks_and_needs_come_along() {
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        &head("[[check]]\nid = \"base\"\nplugin = \"misbehave\"\nkind = \"ok\"\n[[check]]\nid = \"top\"\nplugin = \"misbehave\"\nkind = \"ok\"\nneeds = [\"base\"]\n[[check]]\nid = \"other\"\nplugin = \"misbehave\"\nkind = \"ok\""),
    );
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--only",
        "top",
        "-f",
        "json",
        "--no-save",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["base", "top"]);
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--skip",
        "base",
        "-f",
        "json",
        "--no-save",
    ]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check(&r, "base")["code"], "host.check.skipped_on_request");
    assert_eq!(check(&r, "top")["status"], "skip");
    assert_eq!(check(&r, "other")["status"], "pass");
}

#[test]
fn the_run_deadline_ends_slow_checks_and_keeps_the_others() {
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        &head("[[check]]\nid = \"quick\"\nplugin = \"misbehave\"\nkind = \"ok\"\n[[check]]\nid = \"slow\"\nplugin = \"misbehave\"\nkind = \"sleep\"\nms = 20000\ntimeout = \"30s\""),
    );
    let t0 = Instant::now();
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--deadline",
        "1s",
        "-f",
        "json",
        "--no-save",
    ]);
    assert!(
        t0.elapsed() < Duration::from_secs(15),
        "the deadline was not enforced"
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(check(&r, "quick")["status"], "pass");
    assert_eq!(check(&r, "slow")["cause"], "interrupted");
    assert!(
        check(&r, "slow")["summary"]
            .as_str()
            .unwrap()
            .contains("deadline"),
        "{r:#}"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[cfg(unix)]
#[test]
fn ctrl_c_writes_the_report_with_unfinished_checks_interrupted() {
    let env = Env::new();
    let pid_file = env.dir.path().join("gc.pid");
    let p = env.profile(
        "p.toml",
        &head(&format!(
            "[[check]]\nid = \"quick\"\nplugin = \"misbehave\"\nkind = \"ok\"\n[[check]]\nid = \"stuck\"\nplugin = \"misbehave\"\nkind = \"hang\"\ntimeout = \"60s\"\npid_file = \"{}\"",
            pid_file.display()
        )),
    );
    let json = env.dir.path().join("r.json");
    let mut child = env
        .command(&[
            "run",
            "-p",
            p.to_str().unwrap(),
            "-o",
            json.to_str().unwrap(),
            "--no-save",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the hanging plugin has started its grandchild, then press Ctrl-C.
    let t0 = Instant::now();
    while !pid_file.exists() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(pid_file.exists(), "the hanging check never started");
    std::thread::sleep(Duration::from_millis(50));
    let rc = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(rc.success());
    let t1 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            t1.elapsed() < Duration::from_secs(20),
            "readycheck did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_valid_report(&r);
    assert_eq!(check(&r, "quick")["status"], "pass");
    assert_eq!(check(&r, "stuck")["cause"], "interrupted");
    let gc: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{gc}/stat")).unwrap_or_default();
    assert!(
        stat.is_empty() || stat.contains(") Z"),
        "grandchild survived Ctrl-C: {stat}"
    );
}

#[test]
fn plugins_lists_what_was_found_and_why_a_file_was_refused() {
    let env = Env::new();
    #[cfg(unix)]
    {
        let bad = env.copy_plugin("misbehave");
        let renamed = env.plugins.join(lib_name("writable"));
        std::fs::copy(&bad, &renamed).unwrap();
        chmod(&renamed, 0o666);
    }
    let out = env.run(&["plugins", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let plugins = doc["plugins"].as_array().unwrap();
    let network = plugins.iter().find(|p| p["name"] == "network").unwrap();
    assert_eq!(network["trusted"], true);
    assert_eq!(network["abi"], 1);
    assert!(
        network["kinds"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("tcp"))
    );
    assert_eq!(network["sha256"].as_str().unwrap().len(), 64);
    #[cfg(unix)]
    {
        let w = plugins.iter().find(|p| p["name"] == "writable").unwrap();
        assert_eq!(w["trusted"], false);
        assert!(w["problem"].as_str().unwrap().contains("chmod go-w"), "{w}");
    }
    let out = env.run(&["plugins"]);
    assert!(stdout(&out).contains("Search path"));
}

#[test]
fn explain_shows_parameters_and_an_example() {
    let env = Env::new();
    let out = env.run(&["explain", "network/tcp"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("target (string, required)"), "{text}");
    assert!(text.contains("kind = \"tcp\""), "{text}");
    for kind in ["dns", "tcp", "tls", "http", "quality", "sites", "tunnel"] {
        let out = env.run(&["explain", &format!("network/{kind}")]);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains(&format!("kind = \"{kind}\"")),
            "{kind} has an example:\n{text}"
        );
        // The example itself is a valid profile.
        // The example, without its `needs` (they name checks of a larger profile).
        let example: String = text
            .split("Example:")
            .nth(1)
            .unwrap()
            .lines()
            .map(|l| l.trim_start())
            .filter(|l| !l.starts_with("needs"))
            .collect::<Vec<_>>()
            .join("\n");
        let p = env.profile(
            &format!("ex-{kind}.toml"),
            &format!("[profile]\nname = \"example\"\n{example}\n"),
        );
        let v = env.run(&["validate", p.to_str().unwrap()]);
        assert_eq!(
            v.status.code(),
            Some(0),
            "the example of {kind} is valid: {}",
            stderr(&v)
        );
    }
    let out = env.run(&["explain", "network/tpc"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("did you mean `tcp`?"));
}

/// An IT bundle: the program, `plugins/` and `readycheck.toml` side by side. With no flags the
/// profile next to the executable is used and the plugins next to it are found; an explicit
/// READYCHECK_PROFILE wins over it.
#[test]
fn profile_and_plugins_next_to_the_executable_are_found() {
    let env = Env::new();
    let bundle = env.dir.path().join("bundle");
    std::fs::create_dir_all(bundle.join("plugins")).unwrap();
    #[cfg(unix)]
    {
        chmod(&bundle, 0o755);
        chmod(&bundle.join("plugins"), 0o755);
    }
    let exe = bundle.join(bin().file_name().unwrap());
    std::fs::copy(bin(), &exe).unwrap();
    std::fs::copy(
        env.plugins.join(lib_name("misbehave")),
        bundle.join("plugins").join(lib_name("misbehave")),
    )
    .unwrap();
    std::fs::write(
        bundle.join("readycheck.toml"),
        "[profile]\nname = \"Bundled profile\"\n[[check]]\nid = \"bundled\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
    )
    .unwrap();
    let run = |profile_env: Option<&std::path::Path>| {
        let mut c = std::process::Command::new(&exe);
        c.args(["--no-save", "-f", "json"])
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env("NO_COLOR", "1");
        match profile_env {
            Some(p) => c.env("READYCHECK_PROFILE", p),
            None => c.env_remove("READYCHECK_PROFILE"),
        };
        c.output().unwrap()
    };
    let out = run(None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["profile"]["name"], "Bundled profile");
    assert_eq!(check(&r, "bundled")["status"], "pass");

    let other = env.profile(
        "other.toml",
        &head("[[check]]\nid = \"from-env\"\nplugin = \"misbehave\"\nkind = \"ok\""),
    );
    let out = run(Some(&other));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["profile"]["name"], "CLI test");
}

/// On a terminal (a real pseudo-terminal from `script`), the run draws its progress on stderr —
/// a spinner and the title of each running check above an overall bar, in the reader's
/// language — redraws it in place, and erases it before the report, which follows intact.
/// Without a terminal nothing of it is written (every other test).
#[test]
fn progress_is_drawn_on_a_terminal_and_erased_before_the_report() {
    if !have("script") {
        skip_note("no `script` (util-linux) to give the run a terminal");
        return;
    }
    let env = Env::new();
    let p = env.profile(
        "p.toml",
        &head(
            "[[check]]\nid = \"slow\"\ntitle = { en = \"Market data feed\", zh-CN = \"行情数据\" }\nplugin = \"misbehave\"\nkind = \"sleep\"\nms = 1500\n[[check]]\nid = \"quick\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
        ),
    );
    for (lang, title, checks, verdict) in [
        ("en", "Market data feed", "checks", "READY"),
        ("zh-CN", "行情数据", "项检查", "就绪"),
    ] {
        let cmd = format!(
            "{} run -p {} --no-save --lang {lang} --plugin-dir {}",
            bin().display(),
            p.display(),
            env.plugins.display()
        );
        let c = env
            .via("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env("TERM", "xterm")
            .env("COLUMNS", "100")
            .env_remove("NO_COLOR")
            .output()
            .expect("run script");
        let screen = String::from_utf8_lossy(&c.stdout).into_owned();
        assert_eq!(c.status.code(), Some(0), "{lang}: {screen}");
        let spinning: std::collections::BTreeSet<char> = screen
            .match_indices(&format!(" {title} "))
            .filter_map(|(i, _)| screen[..i].chars().last())
            .filter(|c| ('⠀'..='⣿').contains(c))
            .collect();
        assert!(
            spinning.len() >= 2,
            "{lang}: the running check is shown with a turning spinner:\n{screen:?}"
        );
        assert!(
            screen.contains(&format!(" 1/2 {checks} ")),
            "{lang}: the bar counts the checks:\n{screen:?}"
        );
        // Up a line, back to its start, and cleared (to the end of the screen or of the line).
        assert!(
            screen.contains("A\r\x1b[J") || screen.contains("A\r\x1b[2K"),
            "{lang}: redrawn in place: {screen:?}"
        );
        // The last thing drawn is the erase; the report comes after it.
        let erased = ["\r\x1b[J", "\r\x1b[2K"]
            .iter()
            .filter_map(|e| screen.rfind(e))
            .max()
            .expect("erased");
        let after = &screen[erased..];
        assert!(after.contains(verdict), "{lang}: {after:?}");
        assert!(
            !after.contains('⠋') && !after.contains('█'),
            "{lang}: {after:?}"
        );
    }
}
