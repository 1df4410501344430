//! The isolation promise: a profile mixing well-behaved checks with every kind of misbehaving
//! plugin still produces a complete, schema-valid report in which each bad plugin has its own
//! `error` with the right cause and a message a helpdesk can act on, and every good check has
//! its result.

use crate::support::*;

const ZEROS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[test]
fn every_misbehaviour_becomes_its_own_error_and_the_run_goes_on() {
    let env = Env::new();
    if env.compile_c("good.c", "cgood", &[]).is_none() {
        return;
    }
    env.compile_c("wrong_abi.c", "wrongabi", &[]).unwrap();
    env.compile_c("missing_symbol.c", "nosym", &[]).unwrap();
    env.compile_c("describe_crash.c", "dcrash", &[]).unwrap();
    env.compile_c("describe_hang.c", "dhang", &[]).unwrap();
    // A plugin whose dependency cannot be found by the loader.
    let libdir = env.dir.path().join("deps");
    std::fs::create_dir(&libdir).unwrap();
    let dep = env
        .compile_c_to(
            &libdir.join("libreadycheck_corpus_dep.so"),
            "dep.c",
            "dep",
            &["-Wl,-soname,libreadycheck_corpus_dep.so"],
        )
        .unwrap();
    env.compile_c("needs_dep.c", "needsdep", &[dep.to_str().unwrap()])
        .unwrap();
    // Not a library at all.
    let notalib = env.plugins.join(lib_name("notalib"));
    std::fs::write(&notalib, "this is a text file, not a shared library\n").unwrap();
    chmod(&notalib, 0o644);
    // Refused by the trust rules: writable by others.
    let refused = env.compile_c("good.c", "refused", &[]).unwrap();
    chmod(&refused, 0o666);
    // Refused by a sha256 pin.
    env.compile_c("good.c", "pinned", &[]).unwrap();

    let pid_file = env.dir.path().join("grandchild.pid");
    let profile = env.profile(
        "corpus.toml",
        &format!(
            r#"
[profile]
name = "Isolation corpus"
timeout = "3s"

[plugins.sha256]
pinned = "{ZEROS}"

[[check]]
id = "rust-ok"
plugin = "misbehave"
kind = "ok"

[[check]]
id = "c-ok"
plugin = "cgood"
kind = "hello"
greeting = "hi"

[[check]]
id = "panic"
plugin = "misbehave"
kind = "panic"

[[check]]
id = "segfault"
plugin = "misbehave"
kind = "segfault"

[[check]]
id = "abort"
plugin = "misbehave"
kind = "abort"

[[check]]
id = "hang"
plugin = "misbehave"
kind = "hang"
timeout = "1s"
pid_file = "{pid}"

[[check]]
id = "spam"
plugin = "misbehave"
kind = "spam"

[[check]]
id = "bad-utf8"
plugin = "misbehave"
kind = "bad_utf8"

[[check]]
id = "bad-json"
plugin = "misbehave"
kind = "bad_json"

[[check]]
id = "huge"
plugin = "misbehave"
kind = "huge"

[[check]]
id = "wrong-shape"
plugin = "misbehave"
kind = "wrong_shape"

[[check]]
id = "exit"
plugin = "misbehave"
kind = "exit"

[[check]]
id = "error"
plugin = "misbehave"
kind = "error"

[[check]]
id = "wrong-abi"
plugin = "wrongabi"
kind = "x"

[[check]]
id = "missing-symbol"
plugin = "nosym"
kind = "x"

[[check]]
id = "not-a-library"
plugin = "notalib"
kind = "x"

[[check]]
id = "missing-dep"
plugin = "needsdep"
kind = "x"

[[check]]
id = "describe-crash"
plugin = "dcrash"
kind = "x"

[[check]]
id = "describe-hang"
plugin = "dhang"
kind = "x"

[[check]]
id = "missing-plugin"
plugin = "nosuch"
kind = "x"

[[check]]
id = "refused"
plugin = "refused"
kind = "hello"

[[check]]
id = "pinned"
plugin = "pinned"
kind = "hello"

[[check]]
id = "after-crash"
plugin = "misbehave"
kind = "ok"
needs = ["segfault"]
"#,
            pid = pid_file.display()
        ),
    );
    let json_path = env.dir.path().join("out/report.json");
    let out = env.run(&[
        "run",
        "-p",
        profile.to_str().unwrap(),
        "-o",
        json_path.to_str().unwrap(),
    ]);
    let text = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "not ready expected\nstdout:\n{text}\nstderr:\n{}",
        stderr(&out)
    );

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).unwrap();
    assert_valid_report(&report);
    assert_eq!(
        report["checks"].as_array().unwrap().len(),
        23,
        "every check has a result"
    );

    let expect = |id: &str, status: &str, cause: Option<&str>, needle: &str| {
        let c = check(&report, id);
        assert_eq!(c["status"], status, "{id}: {c:#}");
        match cause {
            Some(cause) => {
                assert_eq!(c["cause"], cause, "{id}: {c:#}");
                assert_eq!(c["code"], format!("host.plugin.{cause}"), "{id}");
            }
            None => assert!(c.get("cause").is_none(), "{id}: {c:#}"),
        }
        let summary = c["summary"].as_str().unwrap();
        assert!(
            summary.contains(needle),
            "{id}: summary {summary:?} should mention {needle:?}"
        );
        assert!(text.contains(id), "the text output lists {id}");
    };
    expect("rust-ok", "pass", None, "did nothing");
    expect("c-ok", "pass", None, "hello from C");
    expect("panic", "error", Some("plugin_error"), "deliberate panic");
    expect("segfault", "error", Some("crashed"), "SIGSEGV");
    expect("abort", "error", Some("crashed"), "SIGABRT");
    expect("hang", "error", Some("timed_out"), "did not answer within");
    expect("spam", "pass", None, "printed 4 MiB");
    expect("bad-utf8", "error", Some("invalid_output"), "not UTF-8");
    expect("bad-json", "error", Some("invalid_output"), "not JSON");
    expect("huge", "error", Some("invalid_output"), "limit");
    expect(
        "wrong-shape",
        "error",
        Some("invalid_output"),
        "does not follow",
    );
    expect("exit", "error", Some("crashed"), "without answering");
    expect(
        "error",
        "error",
        Some("plugin_error"),
        "the corpus plugin refuses",
    );
    expect("wrong-abi", "error", Some("abi_mismatch"), "ABI v2");
    expect(
        "missing-symbol",
        "error",
        Some("abi_mismatch"),
        "readycheck_plugin_v1",
    );
    expect("not-a-library", "error", Some("load_failed"), "cannot load");
    expect(
        "missing-dep",
        "error",
        Some("load_failed"),
        "libreadycheck_corpus_dep.so",
    );
    expect("describe-crash", "error", Some("crashed"), "SIGSEGV");
    expect(
        "missing-plugin",
        "error",
        Some("plugin_missing"),
        "not installed",
    );
    expect(
        "refused",
        "error",
        Some("plugin_refused"),
        "writable by group or others",
    );
    expect(
        "pinned",
        "error",
        Some("plugin_refused"),
        "does not match the profile's pin",
    );
    expect("after-crash", "skip", None, "segfault did not pass");
    assert_eq!(
        check(&report, "after-crash")["skipped_because"],
        serde_json::json!(["segfault"])
    );

    // The C plugin's evidence and metric arrived intact although it printed to stdout.
    let c_ok = check(&report, "c-ok");
    assert!(c_ok["metrics"]["request_bytes"].as_f64().unwrap() > 0.0);

    // Root causes: the crash, not the check skipped below it.
    let roots: Vec<&str> = report["root_causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        roots.contains(&"segfault") && !roots.contains(&"after-crash"),
        "{roots:?}"
    );
    assert_eq!(report["verdict"], "not_ready");
    assert_eq!(report["counts"]["pass"], 3);
    assert_eq!(report["counts"]["skip"], 1);
    assert_eq!(report["counts"]["error"], 19);

    // The hanging plugin's grandchild died with it.
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        !process_alive(pid),
        "grandchild {pid} of the hanging plugin is still running"
    );

    // Refused and broken plugins are listed in the report with their reason.
    let plugins = report["plugins"].as_array().unwrap();
    let refused = plugins.iter().find(|p| p["name"] == "refused").unwrap();
    assert!(
        refused["problem"].as_str().unwrap().starts_with("refused:"),
        "{refused}"
    );
}

/// Alive and not a zombie (a reparented zombie may linger in a container without an init).
fn process_alive(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or("");
            state != "Z" && state != "X"
        }
        Err(_) => false,
    }
}
