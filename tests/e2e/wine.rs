//! The Windows build run for real under Wine: `readycheck.exe` loads the apps plugin DLL in
//! isolated child processes, reads Uninstall keys written with `wine reg add` (HKLM 64- and
//! 32-bit views, HKCU) and an .exe's version resource, and reports a crashing DLL plugin as
//! crashed. Skipped (with a note) when Wine, mingw-w64 or the Rust Windows target is missing;
//! `.ci/run` installs them. Wine 8 lacks bcryptprimitives.dll, which Rust's std imports: a tiny
//! mingw-built shim exporting ProcessPrng is placed next to the .exe.

use std::path::Path;
use std::process::Command;

use crate::support::*;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

fn ok(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn windows_build_under_wine_reads_the_registry_and_exe_versions() {
    for tool in [
        "wine",
        "x86_64-w64-mingw32-gcc",
        "x86_64-w64-mingw32-windres",
    ] {
        if !have(tool) {
            skip_note(&format!(
                "{tool} is not installed (apt-get install wine wine64 gcc-mingw-w64-x86-64)"
            ));
            return;
        }
    }
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    if !installed
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("x86_64-pc-windows-gnu"))
    {
        skip_note(
            "the Rust target x86_64-pc-windows-gnu is not installed (rustup target add x86_64-pc-windows-gnu)",
        );
        return;
    }
    let ws = workspace();
    let target_dir = ws.join("target/wine");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .current_dir(&ws)
        .args([
            "build",
            "--quiet",
            "--target",
            "x86_64-pc-windows-gnu",
            "-p",
            "readycheck",
            "-p",
            "readycheck-apps",
            "-p",
            "readycheck-corpus",
            "--target-dir",
        ])
        .arg(&target_dir)
        .status()
        .unwrap();
    assert!(st.success(), "cross-building for Windows failed");
    let built = target_dir.join("x86_64-pc-windows-gnu/debug");

    let env = Env::new();
    let dir = env.dir.path().join("win");
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    std::fs::copy(built.join("readycheck.exe"), dir.join("readycheck.exe")).unwrap();
    for dll in ["readycheck_apps.dll", "readycheck_misbehave.dll"] {
        std::fs::copy(built.join(dll), dir.join("plugins").join(dll)).unwrap();
    }
    let src = ws.join("tests/wine");
    assert!(ok(Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(src.join("bcryptprimitives.c"))
        .arg("-lbcrypt")));
    assert!(ok(Command::new("x86_64-w64-mingw32-windres")
        .arg(src.join("versioned.rc"))
        .args(["-O", "coff", "-o"])
        .arg(dir.join("v.res"))));
    assert!(ok(Command::new("x86_64-w64-mingw32-gcc")
        .arg("-o")
        .arg(dir.join("terminal.exe"))
        .arg(src.join("versioned.c"))
        .arg(dir.join("v.res"))));

    let prefix = env.dir.path().join("wineprefix");
    let wine = |args: &[&str]| {
        let mut c = Command::new("wine");
        c.args(args)
            .env("WINEPREFIX", &prefix)
            .env("WINEDEBUG", "-all")
            .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
            .env_remove("DISPLAY");
        c
    };
    let _ = wine(&["wineboot", "-i"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let key = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall";
    let hkcu = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall";
    // No winedbg on crashes: a crashing plugin should end like it does on Windows.
    let aedebug = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug";
    for args in [
        vec![
            "reg", "add", aedebug, "/v", "Debugger", "/t", "REG_SZ", "/d", "", "/f",
        ],
        vec![
            "reg", "add", aedebug, "/v", "Auto", "/t", "REG_SZ", "/d", "0", "/f",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{key}\FortiClient"),
            "/v",
            "DisplayName",
            "/t",
            "REG_SZ",
            "/d",
            "FortiClient VPN",
            "/f",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{key}\FortiClient"),
            "/v",
            "DisplayVersion",
            "/t",
            "REG_SZ",
            "/d",
            "7.0.12.0345",
            "/f",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{key}\OldTerm"),
            "/v",
            "DisplayName",
            "/t",
            "REG_SZ",
            "/d",
            "Legacy Terminal (32-bit)",
            "/f",
            "/reg:32",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{key}\OldTerm"),
            "/v",
            "DisplayVersion",
            "/t",
            "REG_SZ",
            "/d",
            "3.1",
            "/f",
            "/reg:32",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{hkcu}\Chat"),
            "/v",
            "DisplayName",
            "/t",
            "REG_SZ",
            "/d",
            "Team Chat",
            "/f",
        ],
        vec![
            "reg",
            "add",
            &format!(r"{hkcu}\Chat"),
            "/v",
            "DisplayVersion",
            "/t",
            "REG_SZ",
            "/d",
            "1.2.3-beta.1",
            "/f",
        ],
    ] {
        assert!(ok(&mut wine(&args)), "wine {}", args.join(" "));
    }
    let winpath = |p: &Path| format!("Z:{}", p.display().to_string().replace('/', "\\"));
    let profile = env.profile(
        "win.toml",
        &format!(
            r#"[profile]
name = "Windows apps under Wine"
timeout = "30s"

[[check]]
id = "vpn"
plugin = "apps"
kind = "installed"
name = "FortiClient"
sources = [{{ registry = "FortiClient" }}]
min_version = "7.0"
nudge_version = "7.2"

[[check]]
id = "legacy"
plugin = "apps"
kind = "installed"
name = "Legacy Terminal"
sources = [{{ registry = "legacy terminal" }}]
min_version = "3.0"

[[check]]
id = "chat"
plugin = "apps"
kind = "installed"
name = "Team Chat"
sources = [{{ registry = "Team Chat" }}]
min_version = "1.2.3"

[[check]]
id = "terminal"
plugin = "apps"
kind = "installed"
name = "Trading Terminal"
sources = [{{ exe = '{exe}' }}]
min_version = "7.2"

[[check]]
id = "absent"
plugin = "apps"
kind = "installed"
name = "Nothing Like This"

[[check]]
id = "crash"
plugin = "misbehave"
kind = "segfault"
"#,
            exe = winpath(&dir.join("terminal.exe"))
        ),
    );
    let exe = dir.join("readycheck.exe");
    let out = wine(&[
        exe.to_str().unwrap(),
        "run",
        "-p",
        &winpath(&profile),
        "-f",
        "json",
        "--no-save",
        "--no-progress",
    ])
    .output()
    .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\nstdout: {}\nstderr: {}", stdout(&out), stderr(&out)));
    assert_valid_report(&r);
    let expect = |id: &str, code: &str, evidence: &str| {
        let c = check(&r, id);
        assert_eq!(c["code"], code, "{id}: {c:#}");
        let ev = c["evidence"].to_string();
        assert!(
            ev.contains(evidence),
            "{id}: evidence {ev} should mention {evidence}"
        );
    };
    expect(
        "vpn",
        "apps.installed.update_due",
        r"Uninstall\\FortiClient (64-bit)",
    );
    expect("legacy", "apps.installed.ok", "(32-bit)");
    expect("chat", "apps.installed.too_old", r"HKCU\\Software");
    expect("terminal", "apps.installed.ok", "7.2.3.456");
    expect(
        "absent",
        "apps.installed.missing",
        "no DisplayName matching",
    );
    let crash = check(&r, "crash");
    assert_eq!(crash["cause"], "crashed", "{crash:#}");
    let summary = crash["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("the plugin crashed: ") && summary.contains("0xC0000"),
        "{crash:#}"
    );
    assert_eq!(r["host"]["os"], "windows");
    assert_eq!(out.status.code(), Some(2));
}
