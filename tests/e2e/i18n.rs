//! Simplified Chinese and English: every catalog complete (ids used in the code included, the
//! same arguments in each translation), the text and chat renderers against snapshots in both
//! languages for a report with every status, the locale chosen from --lang and the environment,
//! a Chinese report re-rendered in English, profiles with per-language titles and fixes, and a
//! Chinese HTML report in headless Chromium with a CJK font.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use readycheck::i18n::{Catalogs, Locale, Msg};
use readycheck::profile::Severity;
use readycheck::render::{self, Format, Style};
use readycheck::report::{self, Cause, CheckReport, Localized, Report, Status};
use readycheck_sdk::t;

use crate::support::*;

/// A plugin's catalog files (English, Simplified Chinese) as the plugin embeds them — read here
/// directly, since two plugin libraries cannot be linked into one test binary (each exports
/// the ABI symbols).
macro_rules! plugin_catalog {
    ($name:literal) => {
        (
            include_str!(concat!("../../plugins/", $name, "/i18n/en.txt")),
            include_str!(concat!("../../plugins/", $name, "/i18n/zh-CN.txt")),
        )
    };
}
const NETWORK: (&str, &str) = plugin_catalog!("network");
const RESOURCES: (&str, &str) = plugin_catalog!("resources");
const POSTURE: (&str, &str) = plugin_catalog!("posture");
const PERMISSIONS: (&str, &str) = plugin_catalog!("permissions");
const APPS: (&str, &str) = plugin_catalog!("apps");

/// Each component's catalog files and sources.
fn components() -> Vec<(&'static str, (&'static str, &'static str), PathBuf)> {
    let ws = workspace();
    vec![
        ("core", readycheck::i18n::CATALOG_TEXTS, ws.join("core/src")),
        ("network", NETWORK, ws.join("plugins/network/src")),
        ("resources", RESOURCES, ws.join("plugins/resources/src")),
        ("posture", POSTURE, ws.join("plugins/posture/src")),
        (
            "permissions",
            PERMISSIONS,
            ws.join("plugins/permissions/src"),
        ),
        ("apps", APPS, ws.join("plugins/apps/src")),
    ]
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The literal ids in `t!("…"` and `tr!(locale, "…"` calls of a source file (comments and
/// other macros ending in `t!`, like `format!`, left out).
fn ids_in(src: &str) -> Vec<String> {
    let code: String = src
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut ids = Vec::new();
    for start in ["t!(", "tr!("] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let call = code[from..].trim_start();
            let call = if start == "tr!(" {
                match call.split_once(',') {
                    Some((_, after)) => after.trim_start(),
                    None => continue,
                }
            } else {
                call
            };
            if let Some(lit) = call.strip_prefix('"')
                && let Some(end) = lit.find('"')
            {
                ids.push(lit[..end].to_string());
            }
        }
    }
    ids
}

#[test]
fn every_message_has_both_translations_with_the_same_arguments() {
    let mut problems = Vec::new();
    for (name, (en, zh), src) in components() {
        for p in readycheck_sdk::i18n::check_catalogs(en, zh) {
            problems.push(format!("{name}: {p}"));
        }
        let cats = Catalogs::embedded(en, zh);
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let mut used = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for id in ids_in(&text) {
                used += 1;
                if cats.en.get(&id).is_none() {
                    problems.push(format!(
                        "{}: uses `{id}`, which is not in the catalog",
                        f.display()
                    ));
                }
            }
        }
        assert!(
            used > 10,
            "{name}: found only {used} message ids in the sources"
        );
    }
    // Ids built at run time.
    let host = Catalogs::embedded(
        readycheck::i18n::CATALOG_TEXTS.0,
        readycheck::i18n::CATALOG_TEXTS.1,
    );
    for s in ["pass", "warn", "fail", "skip", "error"] {
        if host.en.get(&format!("status.{s}")).is_none() {
            problems.push(format!("core: no status.{s}"));
        }
    }
    for c in [
        Cause::PluginError,
        Cause::AbiMismatch,
        Cause::LoadFailed,
        Cause::Crashed,
        Cause::TimedOut,
        Cause::InvalidOutput,
        Cause::Interrupted,
    ] {
        if host.en.get(&format!("cause.{}", c.as_str())).is_none() {
            problems.push(format!("core: no cause.{}", c.as_str()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_catalog_check_catches_a_missing_translation_and_a_dropped_argument() {
    let en = "a = {host} is down\nb = fine\n";
    let zh = "a = 服务器宕机\n";
    let p = readycheck_sdk::i18n::check_catalogs(en, zh);
    assert!(
        p.iter().any(|l| l.contains("`a`") && l.contains("{host}")),
        "{p:?}"
    );
    assert!(p.iter().any(|l| l.contains("`b` has no zh-CN")), "{p:?}");
}

/// A check as a plugin would have reported it, with its summary rendered in both languages.
fn check(
    id: &str,
    title: (&str, &str),
    status: Status,
    code: &str,
    msg: Msg,
    cats: &Catalogs,
) -> CheckReport {
    let l10n: BTreeMap<String, Localized> = Locale::ALL
        .iter()
        .map(|&l| {
            (
                l.tag().to_string(),
                Localized {
                    title: if l == Locale::En { title.0 } else { title.1 }.to_string(),
                    summary: cats.render(l, &msg),
                    detail: None,
                    fix: None,
                },
            )
        })
        .collect();
    CheckReport {
        id: id.into(),
        title: title.0.into(),
        plugin: code.split('.').next().unwrap().into(),
        kind: code.split('.').nth(1).unwrap().into(),
        severity: Severity::Required,
        status,
        code: code.into(),
        cause: None,
        summary: cats.render(Locale::En, &msg),
        message: Some(msg),
        detail: None,
        evidence: vec![],
        metrics: BTreeMap::new(),
        fix: None,
        skipped_because: None,
        duration_ms: 42,
        l10n,
        layer: None,
        observations: vec![],
        explained_by: None,
    }
}

/// A fixed report with every status: pass, warn, fail (with a fix in both languages), a skip
/// for the failed need, and a crashed plugin; its texts come from the real catalogs.
fn every_status() -> Report {
    let net = &Catalogs::embedded(NETWORK.0, NETWORK.1);
    let res = &Catalogs::embedded(RESOURCES.0, RESOURCES.1);
    let host = readycheck::i18n::catalogs();
    let mut checks = vec![
        check(
            "disk",
            ("Free disk space", "磁盘剩余空间"),
            Status::Pass,
            "resources.disk.ok",
            t!(
                "disk.ok",
                place = t!("disk.where", path = "C:\\"),
                state = t!(
                    "disk.state",
                    free = "56.4 GiB",
                    total = "252 GiB",
                    percent = "22.4"
                )
            ),
            res,
        ),
        check(
            "memory",
            ("Memory (RAM)", "内存"),
            Status::Warn,
            "resources.memory.low_available",
            t!("memory.low_warn", available = "1.2 GiB", min = "2.0 GiB"),
            res,
        ),
        check(
            "vpn",
            ("Head-office VPN gateway", "总部 VPN 网关"),
            Status::Fail,
            "network.tcp.refused",
            t!(
                "tcp.refused",
                target = "vpn.corp.example:443",
                at = t!("tcp.at", addr = "203.0.113.7:443"),
                port = 443
            ),
            net,
        ),
        check(
            "quotes",
            ("Market-data server", "行情服务器"),
            Status::Skip,
            "host.check.needs_not_passed",
            t!("run.needs_not_passed", needs = vec!["vpn".to_string()]),
            host,
        ),
        check(
            "posture",
            ("Firewall", "防火墙"),
            Status::Error,
            "host.plugin.crashed",
            t!(
                "cause.crashed",
                reason = "the plugin crashed: killed by SIGSEGV (segmentation fault)"
            ),
            host,
        ),
    ];
    checks[2].fix = Some("Call the helpdesk.".into());
    checks[2].l10n.get_mut("en").unwrap().fix = Some("Call the helpdesk.".into());
    checks[2].l10n.get_mut("zh-CN").unwrap().fix = Some("请联系服务台。".into());
    checks[3].skipped_because = Some(vec!["vpn".into()]);
    checks[4].cause = Some(Cause::Crashed);
    let mut needs = BTreeMap::new();
    needs.insert("quotes".to_string(), vec!["vpn".to_string()]);
    Report {
        schema: report::SCHEMA_ID.into(),
        id: "pc-0042-20261123T201500Z".into(),
        locale: "en".into(),
        verdict: report::verdict(&checks),
        counts: report::counts(&checks),
        tool: report::Tool {
            name: "readycheck".into(),
            version: "0.1.0".into(),
        },
        host: report::Host {
            hostname: "PC-0042".into(),
            user: "li.wei".into(),
            os: "windows".into(),
            os_version: "10.0.22631".into(),
            arch: "x86_64".into(),
            timezone: Some("Asia/Shanghai".into()),
            utc_offset_minutes: Some(480),
        },
        profile: report::ProfileInfo {
            name: "Trading desk".into(),
            version: Some("2026.11".into()),
            sha256: "0".repeat(64),
            source: "embedded".into(),
            contact: Some("Helpdesk 0755-0000-0000".into()),
            l10n: Default::default(),
            signature: None,
            update: None,
            refused: Vec::new(),
        },
        started_at: "2026-11-23T20:15:00.000Z".into(),
        duration_ms: 1234,
        plugins: vec![],
        root_causes: report::root_causes(&checks, &needs, None),
        diagnosis: None,
        selection: None,
        checks,
    }
}

/// Compares `got` with the insta snapshot `tests/snapshots/NAME.snap` (review changes with
/// `INSTA_UPDATE=always cargo test -p readycheck-e2e --test e2e snapshots` and `git diff`).
pub fn snapshot(name: &str, got: &str) {
    insta::with_settings!({
        snapshot_path => workspace().join("tests/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, got);
    });
}

#[test]
fn text_and_chat_snapshots_in_both_languages() {
    let style = Style::default();
    for locale in Locale::ALL {
        let mut r = every_status();
        r.localize(locale);
        for (format, ext) in [(Format::Text, "txt"), (Format::Chat, "chat.txt")] {
            let out = render::render(&r, format, &style);
            snapshot(&format!("every-status.{}.{ext}", locale.tag()), &out);
        }
    }
    // Chinese really is Chinese and English really is English.
    let mut zh = every_status();
    zh.localize(Locale::ZhCn);
    let text = render::render(&zh, Format::Text, &style);
    for want in [
        "未就绪",
        "先看这里",
        "拒绝连接",
        "请联系服务台。",
        "总部 VPN 网关",
        "IT 服务台：Helpdesk",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    let en = render::render(&every_status(), Format::Text, &style);
    assert!(
        en.contains("NOT READY") && en.contains("refused the connection"),
        "{en}"
    );
    assert!(
        !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese in English:\n{en}"
    );
}

/// A profile whose checks run the real resources plugin: one passes, one fails with a fix, one
/// is skipped because of it; titles and fixes in both languages.
fn bilingual_profile(env: &Env) -> PathBuf {
    env.profile(
        "bilingual.toml",
        r#"[profile]
name = "Back office"

[[check]]
id = "uptime"
plugin = "resources"
kind = "uptime"
title = { en = "Restarted recently", zh-CN = "最近重启过" }

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
path = "/"
fail_free = "99%"
title = { en = "Free disk space", zh-CN = "磁盘剩余空间" }
fix = { en = "Delete large files.", zh-CN = "请删除大文件。" }

[[check]]
id = "after-disk"
plugin = "resources"
kind = "memory"
needs = ["disk"]
title = "Memory"
"#,
    )
}

/// Runs profile `p` with `--lang zh-CN` (not ready: exit 2), keeping the JSON report: the
/// output, the report's path and the report, checked against the schema.
fn run_in_chinese(env: &Env, p: &Path) -> (Output, PathBuf, serde_json::Value) {
    let json = env.dir.path().join("zh.json");
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--lang",
        "zh-CN",
        "--no-save",
        "-o",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_valid_report(&report);
    (out, json, report)
}

/// The saved report `json` re-rendered by `readycheck report --lang en -f json`.
fn report_in_english(env: &Env, json: &Path) -> serde_json::Value {
    let out = env.run(&[
        "report",
        json.to_str().unwrap(),
        "--lang",
        "en",
        "-f",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_chinese_run_is_re_rendered_in_english() {
    let env = Env::new();
    env.copy_plugin("resources");
    let p = bilingual_profile(&env);
    let (out, json, report) = run_in_chinese(&env, &p);
    let text = stdout(&out);
    for want in [
        "✗ 未就绪",
        "磁盘剩余空间",
        "处理办法：请删除大文件。",
        "未检查，因为 disk 没有通过",
        "共 3 项检查",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert_eq!(report["locale"], "zh-CN");
    let disk = check_of(&report, "disk");
    assert_eq!(
        disk["code"], "resources.disk.full",
        "codes never change with the language"
    );
    assert_eq!(disk["message"]["id"], "disk.full");
    assert_eq!(disk["title"], "磁盘剩余空间");
    assert_eq!(disk["l10n"]["en"]["fix"], "Delete large files.");
    assert!(
        disk["l10n"]["en"]["summary"]
            .as_str()
            .unwrap()
            .contains("delete or move files")
    );
    assert_eq!(
        check_of(&report, "after-disk")["l10n"]["zh-CN"]["title"],
        "Memory"
    );

    // The same report, in English.
    let out = env.run(&["report", json.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let en = stdout(&out);
    for want in [
        "✗ NOT READY",
        "Free disk space",
        "What to do: Delete large files.",
        "not checked because disk did not pass",
        "3 checks:",
    ] {
        assert!(en.contains(want), "{want} missing:\n{en}");
    }
    assert!(!has_cjk(&en), "Chinese left in:\n{en}");
    let back = report_in_english(&env, &json);
    assert_eq!(back["locale"], "en");
    assert_eq!(check_of(&back, "disk")["fix"], "Delete large files.");
}

/// The helpdesk's and IT's own commands answer in the reader's language: `summarize` (text and
/// HTML; a Chinese report read by an English reader shows the English texts it carries),
/// `plugins`, `explain`, `submit` (and a run whose report cannot be delivered), `schedule`, and
/// their help.
#[test]
fn the_helpdesk_and_it_commands_speak_chinese() {
    let env = Env::new();
    env.copy_plugin("resources");
    let p = bilingual_profile(&env);
    let (_, json, _) = run_in_chinese(&env, &p);
    let inbox = env.dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(&json, inbox.join("pc-01.json")).unwrap();
    std::fs::write(inbox.join("junk.json"), "garbage").unwrap();
    let inbox = inbox.to_str().unwrap();
    let zh = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--lang", "zh-CN"]);
        env.run(&a)
    };
    let expect = |out: &Output, code: i32, text: &str, wants: &[&str]| {
        assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
        for want in wants {
            assert!(text.contains(want), "{want} missing:\n{text}");
        }
    };

    let out = zh(&["summarize", inbox]);
    let text = stdout(&out);
    expect(
        &out,
        0,
        &text,
        &[
            "readycheck 汇总 · 来自 1 台电脑的 1 份报告",
            "未就绪",
            "失败最多的检查",
            "1 台  磁盘剩余空间（disk）",
            "1 × resources.disk.full  例如\"",
            "跳过其中 1 个无法读取的",
            "junk.json：不是 JSON",
        ],
    );
    assert!(!text.contains("Top failing"), "{text}");
    assert!(
        stderr(&out).contains("警告：共 2 个文件，跳过了 1 个无法读取的"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&["summarize", inbox, "--lang", "en", "-q"]);
    let en = stdout(&out);
    expect(
        &out,
        0,
        &en,
        &[
            "1 report from 1 host",
            "1 host  Free disk space (disk)",
            "delete or move files",
        ],
    );
    assert!(!has_cjk(&en), "Chinese left in:\n{en}");
    let html = env.dir.path().join("fleet.html");
    let out = zh(&["summarize", inbox, "-o", html.to_str().unwrap(), "-q"]);
    let page = std::fs::read_to_string(&html).unwrap();
    expect(
        &out,
        0,
        &page,
        &[
            "<html lang=\"zh-CN\">",
            "<h2>每台电脑的最新报告</h2>",
            "<td>未就绪</td>",
            "<td>磁盘剩余空间 <span",
        ],
    );

    // --lang may come before the subcommand too; each command's own flags have Chinese help.
    let out = env.run(&["--lang", "zh-CN", "summarize", "--help"]);
    expect(
        &out,
        0,
        &stdout(&out),
        &[
            "报告文件或目录（递归查找）。",
            "早于这个时间的报告算作过期",
            ".csv、.html",
        ],
    );
    let out = zh(&["schedule", "install", "--help"]);
    expect(
        &out,
        0,
        &stdout(&out),
        &[
            "每天的运行时间，本地时间（HH:MM）。",
            "定时运行使用的检查方案",
        ],
    );

    let out = zh(&["plugins"]);
    expect(
        &out,
        0,
        &stdout(&out),
        &[
            "resources 0.1.0",
            "检查类型：",
            "插件搜索路径（先找到的优先）：",
        ],
    );
    let out = zh(&["explain", "resources/disk"]);
    let text = stdout(&out);
    expect(
        &out,
        0,
        &text,
        &["参数：", "可选", "每个检查还可以写：", "示例："],
    );
    assert!(!text.contains("Parameters:"), "{text}");
    let out = zh(&["explain", "nope"]);
    expect(&out, 3, &stderr(&out), &["错误：找不到插件 `nope`"]);

    let out = zh(&["submit", "--pending"]);
    expect(&out, 0, &stdout(&out), &["没有等待发送的报告。"]);
    // Nothing listens on this port: the report is kept, and the reason reads Chinese.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/reports");
    let out = zh(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--no-save",
        "--submit",
        &url,
    ]);
    expect(
        &out,
        2,
        &stdout(&out),
        &[
            "报告还没有发出（尝试 3 次后仍然失败：",
            "readycheck submit --pending",
        ],
    );
    let out = zh(&["submit", "--pending"]);
    expect(&out, 2, &stdout(&out), &["保留 ", "尝试 3 次后仍然失败："]);
    let out = env.run(&["submit", "--pending", "--lang", "en"]);
    expect(&out, 2, &stdout(&out), &["kept ", " after 3 attempts"]);

    let out = env
        .cmd()
        .args(["schedule", "status", "--lang", "zh-CN"])
        .env("XDG_CONFIG_HOME", env.dir.path().join("no-config"))
        .output()
        .unwrap();
    // "Not installed" is an answer, not a failure: exit 0.
    expect(
        &out,
        0,
        &stdout(&out),
        &[
            "每日运行：未安装",
            "最近的报告：还没有保存过",
            "待发送：1 份报告等待发送",
        ],
    );
}

/// The posture, permissions and apps plugins answer in Chinese too, summary and detail, and
/// the report carries English beside it.
#[test]
fn every_shipped_plugin_speaks_both_languages() {
    let env = Env::new();
    for p in ["posture", "permissions", "apps"] {
        env.copy_plugin(p);
    }
    let share = env.dir.path().join("share");
    std::fs::create_dir(&share).unwrap();
    let p = env.profile(
        "three.toml",
        &format!(
            r#"[profile]
name = "Trading desk"

[[check]]
id = "clock"
plugin = "posture"
kind = "clock"

[[check]]
id = "share"
plugin = "permissions"
kind = "path"
path = "{share}"
writable = true
listable = true

[[check]]
id = "proxy"
plugin = "permissions"
kind = "env"
name = "READYCHECK_TEST_NO_SUCH_VARIABLE"

[[check]]
id = "terminal"
plugin = "apps"
kind = "installed"
name = "Terminal A"
sources = [{{ command = ["sh", "-c", "echo Terminal A 5.0.1"] }}]
min_version = "5.1"
"#,
            share = share.display()
        ),
    );
    let (_, json, report) = run_in_chinese(&env, &p);
    let expect = [
        (
            "clock",
            "clock.no_reference",
            "配置文件既没有给出 `ntp_server` 也没有给出 `url`",
        ),
        ("share", "path.can_2", "可以列出和写入"),
        (
            "proxy",
            "env.missing",
            "READYCHECK_TEST_NO_SUCH_VARIABLE 未设置",
        ),
        (
            "terminal",
            "installed.too_old",
            "Terminal A 5.0.1 版本过旧：需要 5.1",
        ),
    ];
    for (id, msg, zh) in expect {
        let c = check_of(&report, id);
        assert_eq!(c["message"]["id"], msg, "{c:#}");
        let summary = c["summary"].as_str().unwrap();
        assert!(summary.contains(zh), "{id}: {summary}");
        let en = c["l10n"]["en"]["summary"].as_str().unwrap();
        assert!(!has_cjk(en), "{id}: {en}");
    }
    let terminal = check_of(&report, "terminal");
    assert_eq!(terminal["detail"], "版本：5.0.1");
    assert_eq!(terminal["l10n"]["en"]["detail"], "version: 5.0.1");

    // Re-rendered in English from the report alone.
    let back = report_in_english(&env, &json);
    let terminal = check_of(&back, "terminal");
    assert_eq!(terminal["detail"], "version: 5.0.1");
    assert!(
        terminal["summary"]
            .as_str()
            .unwrap()
            .contains("Terminal A 5.0.1 is too old: version 5.1 or newer is needed"),
        "{terminal:#}"
    );
    assert!(
        check_of(&back, "share")["summary"]
            .as_str()
            .unwrap()
            .ends_with("can be listed and written")
    );
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn check_of<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}"))
}

#[test]
fn the_locale_comes_from_the_flag_then_the_environment() {
    let env = Env::new();
    env.copy_plugin("resources");
    let p = bilingual_profile(&env);
    let verdict_of = |vars: &[(&str, &str)], extra: &[&str]| {
        let mut c = env.command(&["run", "-p", p.to_str().unwrap(), "--no-save"]);
        c.args(extra);
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        let text = stdout(&out);
        text.lines().nth(2).unwrap_or_default().to_string()
    };
    assert!(verdict_of(&[], &[]).contains("NOT READY"));
    assert!(verdict_of(&[("LANG", "zh_CN.UTF-8")], &[]).contains("未就绪"));
    assert!(
        verdict_of(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")], &[])
            .contains("NOT READY")
    );
    assert!(verdict_of(&[("LC_MESSAGES", "zh_CN.UTF-8"), ("LANG", "C")], &[]).contains("未就绪"));
    assert!(
        verdict_of(
            &[("READYCHECK_LANG", "zh-CN"), ("LANG", "en_US.UTF-8")],
            &[]
        )
        .contains("未就绪")
    );
    assert!(verdict_of(&[("READYCHECK_LANG", "zh-CN")], &["--lang", "en"]).contains("NOT READY"));
    assert!(
        verdict_of(&[("LANG", "de_DE.UTF-8")], &[]).contains("NOT READY"),
        "unknown languages read English"
    );

    let out = env.run(&["--lang", "fr", "validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("--lang zh-CN"), "{}", stderr(&out));
    let help = env.run(&["--help", "--lang", "zh-CN"]);
    assert!(stdout(&help).contains("用法：") && stdout(&help).contains("检查这台电脑能否远程办公"));
}

#[test]
fn per_language_profile_texts_are_checked() {
    let env = Env::new();
    let p = env.profile(
        "bad.toml",
        r#"[profile]
name = "x"

[[check]]
id = "a"
plugin = "resources"
kind = "uptime"
title = { en = "Restarted", zh_CN = "重启" }
fix = { }
"#,
    );
    let out = env.run(&["validate", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("unknown language `zh_CN`") && err.contains("did you mean `zh-CN`"),
        "{err}"
    );
    assert!(err.contains("`fix` in check `a` has no text"), "{err}");
    assert!(err.contains("bad.toml:8"), "names the line: {err}");
}

/// Profile problems, plugin parameter problems and the closing count are written in Chinese
/// for a Chinese reader, with the same file:line pointers and the TOML left as written.
#[test]
fn profile_problems_in_chinese() {
    let env = Env::new();
    env.copy_plugin("resources");
    let p = env.profile(
        "bad.toml",
        r#"[profile]
name = "x"
timeout = "soon"

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
path = "/"
warn_fre = "10%"

[[check]]
id = "b"
plugin = "resources"
kind = "uptime"
needs = ["dsik"]
severity = "urgent"
"#,
    );
    let out = env.run(&["validate", p.to_str().unwrap(), "--lang", "zh-CN"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    for want in [
        "错误：[profile] 中的 `timeout` 不是时长",
        "帮助：写法如 \"5s\"、\"500ms\" 或 \"2m\"",
        "错误：检查项 `b` 依赖 `dsik`，但这个检查方案里没有这个检查项",
        "你是不是想写 `disk`？",
        "错误：检查项 `b` 中有未知的严重级别 `urgent`",
        "bad.toml:3",
        // The plugin's parameters are judged beside the file's own mistakes.
        "错误：检查项 `disk`：resources/disk 没有键 `warn_fre`",
        "bad.toml:10",
        "发现 4 个问题；没有运行任何检查",
    ] {
        assert!(err.contains(want), "{want} missing:\n{err}");
    }
    assert!(!err.contains("error:"), "{err}");

    // A file whose only mistake is a parameter, in Chinese too.
    let p = env.profile(
        "params.toml",
        "[profile]\nname = \"x\"\n[[check]]\nid = \"disk\"\nplugin = \"resources\"\nkind = \"disk\"\nwarn_fre = \"10%\"\n",
    );
    let out = env.run(&["validate", p.to_str().unwrap(), "--lang", "zh-CN"]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("错误：检查项 `disk`：resources/disk 没有键 `warn_fre`"),
        "{err}"
    );
    assert!(err.contains("params.toml:7"), "{err}");
    let en = stderr(&env.run(&["validate", p.to_str().unwrap(), "--lang", "en"]));
    assert!(
        en.contains("error: check `disk`: unknown key `warn_fre` for resources/disk"),
        "{en}"
    );

    // A valid profile, and a run whose plugin is missing: the command line's own lines too.
    let p = env.profile(
        "ok.toml",
        "[profile]\nname = \"x\"\n[[check]]\nid = \"up\"\nplugin = \"resources\"\nkind = \"uptime\"\n[[check]]\nid = \"gone\"\nplugin = \"nosuch\"\nkind = \"x\"\n",
    );
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--lang",
        "zh-CN",
        "--no-save",
    ]);
    assert!(
        stderr(&out).contains("插件 `nosuch` 没有安装"),
        "{}",
        stderr(&out)
    );
    let out = env.run(&[
        "run",
        "-p",
        p.to_str().unwrap(),
        "--only",
        "upp",
        "--lang",
        "zh-CN",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out)
            .contains("错误：--only 指定的 `upp` 不是这个检查方案中的检查项；你是不是想写 `up`？"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_chinese_html_report_in_chromium() {
    let mut r = every_status();
    r.localize(Locale::ZhCn);
    let html = render::render(&r, Format::Html, &Style::default());
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(
        html.contains("\"Noto Sans CJK SC\"") && html.contains("\"Microsoft YaHei\""),
        "CJK system fonts"
    );
    let Some(chromium) = Chromium::find() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("zh.html");
    std::fs::write(&page, &html).unwrap();
    let dom = chromium.dom(&page);
    for want in [
        "lang=\"zh-CN\"",
        "<h1>未就绪</h1>",
        "<h2>先看这里</h2>",
        "<h2>全部检查</h2>",
        "总部 VPN 网关",
        "拒绝连接",
        "处理办法：请联系服务台。",
        ">通过</span>",
        ">警告</span>",
        ">失败</span>",
        ">跳过</span>",
        ">出错</span>",
        "<h2>关于本报告</h2>",
    ] {
        assert!(dom.contains(want), "{want} not in the DOM:\n{dom}");
    }
    // A CJK font is installed, so the page draws glyphs, not boxes.
    let fonts = Command::new("fc-list")
        .args([":lang=zh-cn", "family"])
        .output();
    let has_cjk_font = fonts.is_ok_and(|o| !o.stdout.is_empty());
    chromium.screenshot(&page, "report-zh-CN.png");
    if !has_cjk_font {
        skip_note("no CJK font (apt-get install fonts-noto-cjk): the screenshot shows boxes");
    }
}
