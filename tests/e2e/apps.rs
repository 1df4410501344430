//! The `apps` plugin against the software on this machine: the versions it reads from real
//! commands equal what dpkg says about their packages, and dpkg sources agree with dpkg-query.
//! No expected version string is written down here.

use std::process::Command;

use crate::support::*;

/// (binary, arguments that print its version)
const TOOLS: &[(&str, &[&str])] = &[
    ("/usr/bin/git", &["--version"]),
    ("/usr/bin/openssl", &["version"]),
    ("/usr/bin/ssh", &["-V"]),
    ("/usr/bin/perl", &["-v"]),
    ("/usr/bin/python3", &["--version"]),
    ("/usr/bin/gcc", &["--version"]),
    ("/usr/bin/curl", &["--version"]),
    ("/usr/bin/bash", &["--version"]),
    ("/usr/bin/tar", &["--version"]),
    ("/usr/bin/make", &["--version"]),
    ("/usr/bin/gzip", &["--version"]),
    ("/usr/bin/grep", &["--version"]),
    ("/usr/bin/sed", &["--version"]),
    ("/usr/bin/ls", &["--version"]),
];

fn sh(args: &[&str]) -> Option<String> {
    let out = Command::new(args[0]).args(&args[1..]).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The dpkg package owning a file (following symlinks), and its version.
fn dpkg_package(path: &str) -> Option<(String, String)> {
    let real = std::fs::canonicalize(path).ok()?;
    // Merged /usr: dpkg may list the file under /bin.
    let merged = path.replacen("/usr/bin/", "/bin/", 1);
    let owner = sh(&["dpkg", "-S", real.to_str()?])
        .or_else(|| sh(&["dpkg", "-S", path]))
        .or_else(|| sh(&["dpkg", "-S", &merged]))?;
    let pkg = owner.lines().next()?.split(':').next()?.trim().to_string();
    let version = sh(&["dpkg-query", "-W", "-f=${Version}", &pkg])?;
    Some((pkg, version))
}

#[test]
fn versions_from_real_commands_match_dpkg() {
    if sh(&["dpkg-query", "--version"]).is_none() {
        skip_note("dpkg is not installed: not a Debian-like system");
        return;
    }
    let env = Env::new();
    let mut profile = String::from("[profile]\nname = \"apps\"\ntimeout = \"10s\"\n");
    let mut expected = Vec::new();
    for (i, (bin, args)) in TOOLS.iter().enumerate() {
        let Some((pkg, version)) = dpkg_package(bin) else {
            continue;
        };
        let argv: Vec<String> = std::iter::once(bin.to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .collect();
        profile.push_str(&format!(
            "\n[[check]]\nid = \"cmd{i}\"\nplugin = \"apps\"\nkind = \"installed\"\nname = \"{bin}\"\nsources = [{{ command = {argv:?} }}]\nmin_version = \"0.1\"\n\n[[check]]\nid = \"pkg{i}\"\nplugin = \"apps\"\nkind = \"installed\"\nname = \"{pkg}\"\nsources = [{{ dpkg = \"{pkg}\" }}]\n"
        ));
        expected.push((i, bin.to_string(), pkg, version));
    }
    assert!(
        expected.len() >= 10,
        "only {} of the tools are dpkg-installed here: {expected:?}",
        expected.len()
    );
    let p = env.profile("apps.toml", &profile);
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "json", "--no-save"]);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_valid_report(&r);
    let version_of = |id: &str| -> String {
        let c = check(&r, id);
        c["detail"]
            .as_str()
            .and_then(|d| d.strip_prefix("version: "))
            .unwrap_or_else(|| panic!("{id} has no version: {c:#}"))
            .to_string()
    };
    for (i, bin, pkg, dpkg_version) in &expected {
        let from_cmd = version_of(&format!("cmd{i}"));
        assert_eq!(
            readycheck_apps::version::normalize(&from_cmd),
            readycheck_apps::version::normalize(&readycheck_apps::version::package_upstream(
                dpkg_version
            )),
            "{bin} says {from_cmd}, dpkg says {pkg} {dpkg_version}"
        );
        assert_eq!(check(&r, &format!("cmd{i}"))["status"], "pass");
        assert_eq!(
            version_of(&format!("pkg{i}")),
            *dpkg_version,
            "dpkg source for {pkg}"
        );
    }
}

#[test]
fn any_of_names_what_is_present_and_missing() {
    let env = Env::new();
    let p = env.profile(
        "any.toml",
        r#"[profile]
name = "channels"
timeout = "10s"

[[check]]
id = "channels"
plugin = "apps"
kind = "any_of"
min_present = 2
apps = [
  { name = "sh", sources = [{ command = ["sh", "-c", "echo Terminal A 5.2.1"] }], min_version = "5.1" },
  { name = "Terminal B", sources = [{ command = ["readycheck-no-such-terminal", "--version"] }] },
  { name = "Old Web Terminal", sources = [{ command = ["sh", "-c", "echo 1.0.3"] }], min_version = "2.0" },
]
"#,
    );
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "json", "--no-save"]);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    let c = check(&r, "channels");
    assert_eq!(c["code"], "apps.any_of.too_few", "{c:#}");
    let s = c["summary"].as_str().unwrap();
    assert!(
        s.contains("available: sh 5.2.1")
            && s.contains("Terminal B")
            && s.contains("Old Web Terminal"),
        "{s}"
    );
}

/// Every apps ground-truth case that ran agrees with the system's tools (dpkg, ps).
#[test]
fn ground_truth_apps() {
    crate::support::build_once();
    assert_ground_truth("apps", readycheck_e2e::groundtruth::apps::cases());
}

/// Asserts that no case disagrees; root-only cases that skipped say so, and must run in CI.
pub fn assert_ground_truth(plugin: &str, cases: Vec<readycheck_e2e::groundtruth::Case>) {
    use readycheck_e2e::groundtruth::Verdict;
    let mut bad = Vec::new();
    for c in &cases {
        match &c.verdict {
            Verdict::Agree => {}
            Verdict::Disagree(why) => bad.push(format!("{}: {why}", c.name)),
            Verdict::Skipped(why) => {
                assert!(
                    std::env::var_os("CI").is_none() || !why.contains("root"),
                    "{}: skipped in CI: {why}",
                    c.name
                );
                // Optional oracles may be missing even in CI; root-only cases may not (above).
                crate::support::record_skip(&format!("{}: {why}", c.name));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{}\n{}",
        readycheck_e2e::groundtruth::score_line(plugin, &cases),
        bad.join("\n")
    );
}
