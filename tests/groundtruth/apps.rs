//! apps against the package database, dpkg's own version order, dpkg's states and `ps`.

use std::process::Command;

use super::{Case, Rig, code, have, is_root, q, said, sh_out};

pub fn cases() -> Vec<Case> {
    let rig = Rig::new();
    let mut out = tool_versions(&rig);
    out.extend(debian_order());
    out.extend(package_states(&rig));
    out.extend(not_a_version(&rig));
    out.extend(processes(&rig));
    out
}

/// The upstream part of a Debian version as the tool itself would print it: no epoch, no
/// revision, no `+dfsg`-style suffix.
fn upstream(v: &str) -> String {
    let v = v.split_once(':').map_or(v, |(_, r)| r);
    let v = v.rsplit_once('-').map_or(v, |(u, _)| u);
    v.split(['+', '~']).next().unwrap_or(v).to_string()
}

/// A tool's version as printed equals the version of the package that installed it.
fn tool_versions(rig: &Rig) -> Vec<Case> {
    let tools: [(&str, &[&str]); 14] = [
        ("bash", &["--version"]),
        ("ssh", &["-V"]),
        ("openssl", &["version"]),
        ("perl", &["-v"]),
        ("curl", &["--version"]),
        ("git", &["--version"]),
        ("gpg", &["--version"]),
        ("tar", &["--version"]),
        ("gzip", &["--version"]),
        ("dpkg", &["--version"]),
        ("nft", &["--version"]),
        ("ip", &["-V"]),
        ("make", &["--version"]),
        ("gcc", &["--version"]),
    ];
    if !have("dpkg-query") {
        return vec![Case::skipped("tool versions", "no dpkg here")];
    }
    let mut checks = Vec::new();
    let mut expected = Vec::new();
    for (tool, args) in tools {
        let path = sh_out(&format!("readlink -f \"$(command -v {tool})\""));
        if path.is_empty() {
            continue;
        }
        let pkg = sh_out(&format!(
            "dpkg -S {path} 2>/dev/null | head -1 | cut -d: -f1"
        ));
        if pkg.is_empty() {
            continue;
        }
        let version = sh_out(&format!("dpkg-query -W -f='${{Version}}' {pkg}"));
        let want = upstream(&version);
        let argv: Vec<String> = std::iter::once(tool.to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .collect();
        let params = format!(
            "name = {}\nsources = [{{ command = {} }}]\nmin_version = {}\nmax_version = {}",
            q(tool),
            serde_json::to_string(&argv).expect("json"),
            q(&want),
            q(&want)
        );
        checks.push((tool, params));
        expected.push((tool, pkg, version, want));
    }
    let list: Vec<(&str, &str, &str, String)> = checks
        .iter()
        .map(|(t, p)| (*t, "apps", "installed", p.clone()))
        .collect();
    let report = match rig.run(&list, &[], &[]) {
        Ok(r) => r,
        Err(e) => return vec![Case::new("tool versions", false, e)],
    };
    expected
        .into_iter()
        .map(|(tool, pkg, version, want)| {
            let c = &report[tool];
            Case::new(
                format!("`{tool}` prints the version of package {pkg} ({version})"),
                code(c) == "apps.installed.ok",
                format!("dpkg says {want}; readycheck: {}", said(c)),
            )
        })
        .collect()
}

/// readycheck orders Debian versions as `dpkg --compare-versions` does: every installed
/// package's version against its neighbours, and the tricky forms.
fn debian_order() -> Vec<Case> {
    if !have("dpkg") {
        return vec![Case::skipped("dpkg order", "no dpkg here")];
    }
    let mut versions: Vec<String> = sh_out("dpkg-query -W -f='${Version}\\n' | sort -u")
        .lines()
        .map(str::to_string)
        .collect();
    versions.truncate(400);
    let tricky = [
        ("1.0~rc1-1", "1.0-1"),
        ("2.0+really1.9-1", "2.0-1"),
        ("1:1.0-1", "2.0-1"),
        ("1.0-1", "1.0-1build1"),
        ("1.1.1w-0+deb11u1", "1.1.1k-1"),
        ("9.2p1-2+deb12u7", "9.2p1-2+deb12u10"),
        ("4.5.1~repack-2", "4.5.1-1"),
        ("1.0a-1", "1.0-1"),
        ("1.0+dfsg-1", "1.0-1"),
        ("0.9~beta2-1", "0.9~beta10-1"),
    ];
    let mut pairs: Vec<(String, String)> = tricky
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    for step in [1, 13] {
        for w in versions.windows(step + 1).step_by(step.max(7)) {
            pairs.push((w[0].clone(), w[step].clone()));
        }
    }
    pairs
        .iter()
        .map(|(a, b)| {
            let dpkg = if ok(&["dpkg", "--compare-versions", a, "lt", b]) {
                std::cmp::Ordering::Less
            } else if ok(&["dpkg", "--compare-versions", a, "eq", b]) {
                std::cmp::Ordering::Equal
            } else {
                std::cmp::Ordering::Greater
            };
            let ours = readycheck_apps::version::compare_debian(a, b);
            Case::new(
                format!("dpkg order of {a} and {b}"),
                ours == dpkg,
                format!("dpkg {dpkg:?}, readycheck {ours:?}"),
            )
        })
        .collect()
}

fn ok(argv: &[&str]) -> bool {
    Command::new(argv[0])
        .args(&argv[1..])
        .status()
        .is_ok_and(|s| s.success())
}

/// Packages on hold, with triggers pending or awaited are installed; half-installed, unpacked
/// or removed ones are not — as `dpkg-query` reports their state, in a package database of its
/// own (`DPKG_ADMINDIR`).
fn package_states(rig: &Rig) -> Vec<Case> {
    if !have("dpkg-query") {
        return vec![Case::skipped("dpkg states", "no dpkg here")];
    }
    let db = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(db.path().join("info")).expect("mkdir");
    std::fs::create_dir_all(db.path().join("updates")).expect("mkdir");
    let states = [
        ("rcgt-held", "hold ok installed"),
        ("rcgt-trigpend", "install ok triggers-pending"),
        ("rcgt-trigawait", "install ok triggers-awaited"),
        ("rcgt-plain", "install ok installed"),
        ("rcgt-removing", "deinstall ok installed"),
        ("rcgt-conffiles", "deinstall ok config-files"),
        ("rcgt-unpacked", "install ok unpacked"),
        ("rcgt-halfconf", "install ok half-configured"),
        ("rcgt-halfinst", "install reinstreq half-installed"),
    ];
    let mut status = String::new();
    for (name, st) in states {
        status.push_str(&format!(
            "Package: {name}\nStatus: {st}\nPriority: optional\nSection: misc\nMaintainer: Ground Truth <gt@example.invalid>\nArchitecture: all\nVersion: 7.2.0-1\nDescription: readycheck ground-truth fixture\n"
        ));
        if st.contains("triggers-pending") {
            status.push_str("Triggers-Pending: rcgt-trigger\n");
        }
        if st.contains("triggers-awaited") {
            status.push_str("Triggers-Awaited: rcgt-plain\n");
        }
        status.push('\n');
    }
    std::fs::write(db.path().join("status"), status).expect("write status");
    let admindir = db.path().display().to_string();
    let checks: Vec<(&str, &str, &str, String)> = states
        .iter()
        .map(|(name, _)| {
            (
                *name,
                "apps",
                "installed",
                format!(
                    "name = {}\nsources = [{{ dpkg = {} }}]\nmin_version = \"7.0\"",
                    q(name),
                    q(name)
                ),
            )
        })
        .collect();
    let report = match rig.run(&checks, &[], &[("DPKG_ADMINDIR", &admindir)]) {
        Ok(r) => r,
        Err(e) => return vec![Case::new("dpkg states", false, e)],
    };
    states
        .iter()
        .map(|(name, st)| {
            let word = sh_out(&format!(
                "DPKG_ADMINDIR={admindir} dpkg-query -W -f='${{db:Status-Status}}' {name}"
            ));
            // dpkg-query(1): installed, and configured with triggers awaited or pending.
            let installed = matches!(
                word.as_str(),
                "installed" | "triggers-pending" | "triggers-awaited"
            );
            let c = &report[*name];
            let found = code(c) != "apps.installed.missing";
            Case::new(
                format!(
                    "dpkg state \"{st}\" is {}installed",
                    if installed { "" } else { "not " }
                ),
                found == installed,
                format!("dpkg-query: {word}; readycheck: {}", said(c)),
            )
        })
        .collect()
}

/// A failing command's usage text and an architecture are not versions.
fn not_a_version(rig: &Rig) -> Vec<Case> {
    let cases = [
        (
            "a usage message from a failing command",
            vec!["ls", "--readycheck-no-such-option"],
        ),
        ("an architecture (uname -m)", vec!["uname", "-m"]),
    ];
    cases
        .into_iter()
        .map(|(what, argv)| {
            let run = Command::new(argv[0]).args(&argv[1..]).output();
            let oracle_none = run.as_ref().is_ok_and(|o| {
                !o.status.success()
                    || String::from_utf8_lossy(&o.stdout).trim() == sh_out("uname -m")
            });
            let params = format!(
                "name = \"tool\"\nsources = [{{ command = {} }}]\nmin_version = \"1\"",
                serde_json::to_string(&argv).expect("json")
            );
            match rig.one("apps", "installed", params, &[], &[]) {
                Ok(c) => Case::new(
                    format!("{what} is not read as a version"),
                    oracle_none == (code(&c) == "apps.installed.version_unknown"),
                    said(&c),
                ),
                Err(e) => Case::new(what, false, e),
            }
        })
        .collect()
}

/// Processes: by full name beyond Linux's 15 characters, through a symlink, and another user's.
fn processes(rig: &Rig) -> Vec<Case> {
    let dir = tempfile::Builder::new()
        .prefix("rcgt-proc")
        .tempdir()
        .expect("tempdir");
    super::chmod_dir(dir.path());
    let long = dir.path().join("readycheck-ground-truth-agent");
    let sleep = sh_out("readlink -f \"$(command -v sleep)\"");
    std::fs::copy(&sleep, &long).expect("copy sleep");
    super::chmod_exec(&long);
    let link = dir.path().join("agent-link");
    std::os::unix::fs::symlink(&long, &link).expect("symlink");
    let mut by_link = Command::new(&link).arg("60").spawn().expect("spawn");
    let mut out = Vec::new();
    let ps = sh_out(&format!("ps -eo pid=,args= | awk '$1 == {}'", by_link.id()));
    let oracle = ps.contains("agent-link");
    let name = "readycheck-ground-truth-agent";
    for (what, params) in [
        (
            "a process by its full name (28 characters)",
            format!("process = {}", q(name)),
        ),
        (
            "a process started through a symlink, by the real path",
            format!("path = {}", q(&long.display().to_string())),
        ),
        (
            "a process by the symlink's path",
            format!("path = {}", q(&link.display().to_string())),
        ),
    ] {
        let r = rig.one("apps", "running", params, &[], &[]);
        out.push(match r {
            Ok(c) => Case::new(
                what,
                oracle == (code(&c) == "apps.running.ok"),
                format!("ps: {ps}; readycheck: {}", said(&c)),
            ),
            Err(e) => Case::new(what, false, e),
        });
    }
    // posture's agent check reads the same list.
    let r = rig.one(
        "posture",
        "antivirus",
        format!("agent_process = {}", q(name)),
        &[],
        &[],
    );
    out.push(match r {
        Ok(c) => Case::new(
            "posture/antivirus finds the agent by its full name",
            oracle == (code(&c) == "posture.antivirus.ok"),
            said(&c),
        ),
        Err(e) => Case::new("posture/antivirus agent", false, e),
    });
    let _ = by_link.kill();
    let _ = by_link.wait();
    // Another user's process, seen by a normal user.
    if !is_root() || !have("setpriv") {
        out.push(Case::skipped(
            "another user's process, seen by a normal user",
            "needs root and setpriv to run as two other users",
        ));
        return out;
    }
    let mut other = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&long)
        .arg("60")
        .spawn()
        .expect("spawn as nobody");
    let ps = sh_out(&format!("ps -o user=,args= -p {} 2>/dev/null", other.id()));
    let oracle = ps.contains(name);
    let r = rig.one(
        "apps",
        "running",
        format!("process = {}", q(name)),
        &["setpriv", "--reuid=1", "--regid=1", "--clear-groups"],
        &[],
    );
    out.push(match r {
        Ok(c) => Case::new(
            "another user's process, seen by a normal user",
            oracle == (code(&c) == "apps.running.ok"),
            format!("ps: {ps}; readycheck: {}", said(&c)),
        ),
        Err(e) => Case::new("another user's process", false, e),
    });
    let _ = other.kill();
    let _ = other.wait();
    out
}
