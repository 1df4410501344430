//! Reports the helpdesk acts on: the HTML page in real headless Chromium (verdict and every check
//! in the DOM, injected markup shown as text, a screenshot), Markdown, the ≤ 15-line chat block,
//! JUnit read by a real JUnit consumer (Python's junitparser), the Nagios line and exit code.

use std::process::Command;

use crate::support::*;

const PAYLOAD_SCRIPT: &str = "<script>document.title='pwned'</script>";
const PAYLOAD_IMG: &str = "\"><img src=x onerror=\"document.title='pwned'\">";

/// A report with every status, two summaries carrying markup, saved as JSON.
fn sample(env: &Env) -> std::path::PathBuf {
    let p = env.profile(
        "sample.toml",
        &format!(
            r#"[profile]
name = "Trading desk <b>bold</b>"
version = "2026.11"
contact = "Helpdesk 0755-0000-0000"

[[check]]
id = "pass-check"
plugin = "misbehave"
kind = "ok"

[[check]]
id = "warn-check"
plugin = "misbehave"
kind = "ok"
status = "warn"
severity = "recommended"
summary = '''{PAYLOAD_SCRIPT}'''
fix = "Plug in the charger | now"

[[check]]
id = "fail-check"
plugin = "misbehave"
kind = "ok"
status = "fail"
summary = '''{PAYLOAD_IMG}'''
fix = "Call the helpdesk | 0755-0000-0000"

[[check]]
id = "skip-check"
plugin = "misbehave"
kind = "ok"
needs = ["fail-check"]

[[check]]
id = "error-check"
plugin = "misbehave"
kind = "segfault"
"#
        ),
    );
    let json = env.dir.path().join("sample.json");
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "-o",
        json.to_str().unwrap(),
        "--no-save",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    json
}

fn render(env: &Env, json: &std::path::Path, format: &str) -> String {
    let out = env.run(&["report", json.to_str().unwrap(), "-f", format]);
    assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
    stdout(&out)
}

#[test]
fn html_escapes_everything_and_chromium_renders_it() {
    let env = Env::new();
    let json = sample(&env);
    let html = render(&env, &json, "html");
    assert!(
        !html.contains("<script>document"),
        "raw script from a summary"
    );
    assert!(!html.contains("<img src=x"), "raw img from a summary");
    assert!(html.contains("&lt;script&gt;") && html.contains("&lt;b&gt;bold&lt;/b&gt;"));
    assert!(
        !html.contains("<script") && !html.contains("http://") && !html.contains("https://"),
        "no scripts, no fetches"
    );
    let page = env.dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let Some(chromium) = Chromium::find() else {
        return;
    };
    let dom = chromium.dom(&page);
    assert!(
        dom.contains("data-verdict=\"not_ready\""),
        "verdict in the DOM"
    );
    for id in [
        "pass-check",
        "warn-check",
        "fail-check",
        "skip-check",
        "error-check",
    ] {
        assert!(
            dom.contains(&format!("id=\"check-{id}\"")),
            "{id} in the DOM"
        );
    }
    // The payloads arrived as text: no script ran (the title is unchanged), no img element.
    assert!(!dom.contains("pwned</title>"), "a script ran");
    assert!(
        dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"),
        "script shown as text"
    );
    assert!(!dom.contains("<img"), "an img element was created");
    chromium.screenshot(&page, "report-screenshot.png");
}

#[test]
fn markdown_chat_and_nagios() {
    let env = Env::new();
    let json = sample(&env);
    let md = render(&env, &json, "markdown");
    assert!(md.starts_with("## readycheck: ✗ NOT READY"), "{md}");
    assert!(md.contains("| ✗ | fail-check (`fail-check`) |"), "{md}");
    assert!(
        md.contains("What to do: Call the helpdesk \\| 0755-0000-0000"),
        "a `|` cannot break the table: {md}"
    );
    assert!(!md.contains("<script>"), "{md}");

    let chat = render(&env, &json, "chat");
    assert!(chat.lines().count() <= 15, "{chat}");
    assert!(chat.starts_with("readycheck ✗ NOT READY"), "{chat}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(
        chat.contains(&format!("report {}", r["id"].as_str().unwrap())),
        "{chat}"
    );
    assert!(
        chat.contains("fail-check") && chat.contains("error-check") && chat.contains("warn-check"),
        "{chat}"
    );

    // Many failures still fit in 15 lines.
    let mut many = String::from("[profile]\nname = \"many\"\n");
    for i in 0..30 {
        many.push_str(&format!(
            "[[check]]\nid = \"c{i}\"\nplugin = \"misbehave\"\nkind = \"ok\"\nstatus = \"fail\"\n"
        ));
    }
    let p = env.profile("many.toml", &many);
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "chat", "--no-save"]);
    let text = stdout(&out);
    assert!(
        text.lines().count() <= 15 && text.contains("more"),
        "{text}"
    );

    let out = env.run(&[
        "run",
        "-p",
        env.dir.path().join("sample.toml").to_str().unwrap(),
        "-f",
        "nagios",
        "--no-save",
    ]);
    assert_eq!(out.status.code(), Some(2), "Nagios CRITICAL");
    let line = stdout(&out);
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.starts_with(
            "READYCHECK CRITICAL - failed: fail-check, error-check; warning: warn-check | "
        ),
        "{line}"
    );
    assert!(
        line.contains("'pass'=1 'warn'=1 'fail'=1 'skip'=1 'error'=1"),
        "{line}"
    );
}

#[test]
fn junit_is_read_by_a_real_junit_consumer() {
    let env = Env::new();
    let json = sample(&env);
    let xml = env.dir.path().join("report.xml");
    let out = env.run(&[
        "report",
        json.to_str().unwrap(),
        "-o",
        xml.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let probe = Command::new("python3")
        .args(["-c", "import junitparser"])
        .status();
    if !probe.is_ok_and(|s| s.success()) {
        skip_note("Python's junitparser is not installed (pip install junitparser)");
        return;
    }
    let script = r#"
import sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = list(xml)
assert len(suites) == 1, suites
s = suites[0]
print(s.tests, s.failures, s.errors, s.skipped)
for case in s:
    kinds = sorted(type(r).__name__ for r in case.result)
    print(case.name.split(':')[0], case.classname, ",".join(kinds) or "passed")
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&xml)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "junitparser rejected the file: {}",
        stderr(&out)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "5 1 1 1", "{text}");
    assert!(
        lines.contains(&"pass-check readycheck.misbehave.ok passed"),
        "{text}"
    );
    assert!(
        lines.contains(&"warn-check readycheck.misbehave.ok passed"),
        "{text}"
    );
    assert!(
        lines.contains(&"fail-check readycheck.misbehave.ok Failure"),
        "{text}"
    );
    assert!(
        lines.contains(&"skip-check readycheck.misbehave.ok Skipped"),
        "{text}"
    );
    assert!(
        lines.contains(&"error-check readycheck.misbehave.segfault Error"),
        "{text}"
    );
}

#[cfg(unix)]
#[test]
fn open_writes_the_html_report_and_hands_it_to_the_desktop() {
    let env = Env::new();
    let p = env.profile(
        "o.toml",
        "[profile]\nname = \"open\"\n[[check]]\nid = \"a\"\nplugin = \"misbehave\"\nkind = \"ok\"\n",
    );
    // A stand-in for xdg-open that records what it was asked to open.
    let bin_dir = env.dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let seen = env.dir.path().join("opened.txt");
    let opener = bin_dir.join("xdg-open");
    std::fs::write(
        &opener,
        // Written aside and renamed, so the test never reads a half-written file.
        format!(
            "#!/bin/sh\nprintf '%s' \"$1\" > '{0}.part' && mv '{0}.part' '{0}'\n",
            seen.display()
        ),
    )
    .unwrap();
    chmod(&opener, 0o755);
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = env
        .command(&["run", "--open", "-p", p.to_str().unwrap()])
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !seen.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let opened = std::fs::read_to_string(&seen).expect("xdg-open was called");
    assert!(opened.ends_with(".html"), "{opened}");
    let html = std::fs::read_to_string(&opened).unwrap();
    assert!(html.contains("<html") && html.contains("open"), "{opened}");
    assert!(std::path::Path::new(&opened).starts_with(&env.data));

    // No opener at all: a warning that says where the report is, and the run still succeeds.
    let out = env
        .command(&["run", "--open", "-p", p.to_str().unwrap()])
        .env("PATH", env.dir.path().join("nothing-here"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("could not open a browser") && err.contains(".html"),
        "{err}"
    );
}
