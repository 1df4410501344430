//! The Windows build run for real under Wine: `readycheck.exe` loads the apps plugin DLL in
//! isolated child processes, reads Uninstall keys written with `wine reg add` (HKLM 64- and
//! 32-bit views, HKCU) and an .exe's version resource, and reports a crashing DLL plugin as
//! crashed. Skipped (with a note) when Wine, mingw-w64 or the Rust Windows target is missing;
//! `.ci/run` installs them. Wine 8 lacks bcryptprimitives.dll, which Rust's std imports: a tiny
//! mingw-built shim exporting ProcessPrng is placed next to the .exe.

use std::path::Path;
use std::process::Command;

use crate::support::*;

#[test]
fn windows_build_under_wine_reads_the_registry_and_exe_versions() {
    let Some(built) = windows_build() else {
        return;
    };
    let env = Env::new();
    let dir = windows_install(&built, &env.dir.path().join("win"), &["apps", "misbehave"]);
    let src = workspace().join("tests/wine");
    assert!(ok(Command::new("x86_64-w64-mingw32-windres")
        .arg(src.join("versioned.rc"))
        .args(["-O", "coff", "-o"])
        .arg(dir.join("v.res"))));
    assert!(ok(Command::new("x86_64-w64-mingw32-gcc")
        .arg("-o")
        .arg(dir.join("terminal.exe"))
        .arg(src.join("versioned.c"))
        .arg(dir.join("v.res"))));

    let w = Wine::new(&env.dir.path().join("wineprefix"));
    let wine = |args: &[&str]| w.cmd(args);
    let key = r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall";
    let hkcu = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall";
    for args in [
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
    let winpath = |p: &Path| Wine::path(p);
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
    let r = report_of(&out);
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

/// On Windows the language follows the user's display language (GetUserDefaultUILanguage; Wine
/// derives it from LANG), not LANG itself, and `--lang` still wins. Chinese text reaches the
/// reader intact.
#[test]
fn windows_display_language_chooses_chinese_under_wine() {
    let Some(built) = windows_build() else {
        return;
    };
    let env = Env::new();
    let dir = windows_install(&built, &env.dir.path().join("win"), &[]);
    let w = Wine::new(&env.dir.path().join("wineprefix"));
    let exe = Wine::path(&dir.join("readycheck.exe"));
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[profile]\nname = \"x\"\ntimeout = \"soon\"\n").unwrap();
    let bad = Wine::path(&bad);
    let run = |lang: &str, args: &[&str]| {
        w.restart();
        let mut a = vec![exe.as_str()];
        a.extend_from_slice(args);
        w.cmd(&a)
            .env("LANG", lang)
            .env("LC_ALL", lang)
            .env_remove("READYCHECK_LANG")
            .output()
            .unwrap()
    };
    let zh = run("zh_CN.UTF-8", &["--help"]);
    assert!(stdout(&zh).contains("用法："), "{}", stdout(&zh));
    let zh = run("zh_CN.UTF-8", &["validate", &bad]);
    assert_eq!(zh.status.code(), Some(3));
    assert!(
        stderr(&zh).contains("错误：[profile] 中的 `timeout` 不是时长"),
        "{}",
        stderr(&zh)
    );
    let en = run("en_US.UTF-8", &["--help"]);
    assert!(stdout(&en).contains("Usage:"), "{}", stdout(&en));
    let forced = run("zh_CN.UTF-8", &["--help", "--lang", "en"]);
    assert!(stdout(&forced).contains("Usage:"), "{}", stdout(&forced));
}
