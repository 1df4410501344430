//! The helpdesk's dashboard against the real server: nothing without signing in; counts,
//! incidents and reasons from reports; CSV export and metrics; the roster from the command line
//! in UTF-8, UTF-8 with BOM and GB18030 with bad rows named by line; alerts delivered to
//! loopback WeCom, DingTalk, Feishu and webhook receivers that check each payload and
//! signature, once per incident per cool-down; and headless Chromium signing in, seeing a host
//! the real client reports appear live, opening its report, filtering by site, switching to
//! Chinese, with screenshots at 1280 and 390 px — and hostile text that never runs.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::browser::*;
use crate::support::*;

/// A synthetic report: not ready (VPN gateway refused) or ready.
fn report(host: &str, id: &str, vpn_down: bool) -> Value {
    serde_json::from_str(&sample(host, id, &ago(Duration::from_secs(60)), vpn_down)).unwrap()
}

fn submit(server: &Server, token: &str, r: &Value) {
    let (status, _, body) = post(
        &server.url("/api/v1/reports"),
        Some(token),
        Some(r["id"].as_str().unwrap()),
        r.to_string().as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
}

fn roster_cli(server: &Server, file: &Path) -> std::process::Output {
    server.cli(&["roster", "import", file.to_str().unwrap()])
}

const ROSTER: &str = "用户,主机,站点,部门,角色,关键\n\
张三,SH-001,上海,交易部,trading,是\n\
李四,SH-002,上海,交易部,trading,否\n\
王五,SH-003,上海,交易部,trading,否\n\
赵六,SZ-001,深圳,后台,back office,否\n\
钱七,SZ-404,深圳,后台,back office,是\n";

#[test]
fn dashboard_says_who_cannot_work_and_why_only_after_signing_in() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        config: "[dashboard]\ntime_zone = \"Asia/Shanghai\"\n".into(),
        ..Launch::default()
    });
    add_user(&server, "lead", "morning-0615", "viewer");
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, ROSTER).unwrap();
    assert!(roster_cli(&server, &roster).status.success());
    let sh = server.token("device", "上海");
    let sz = server.token("device", "深圳");
    for (i, host) in ["SH-001", "SH-002", "SH-003"].iter().enumerate() {
        submit(&server, &sh, &report(host, &format!("r-sh-{i}"), true));
    }
    let mut hostile = report("=cmd|' /C calc'!A0", "r-sz-1", false);
    hostile["host"]["user"] = json!("+SUM(1)");
    submit(&server, &sz, &hostile);
    submit(&server, &sz, &report("SZ-001", "r-sz-2", false));

    // Nothing without signing in.
    let (status, _) = get_status(&server.url("/dashboard"), None);
    assert!(status == 303 || status == 200, "{status}");
    let resp = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .new_agent()
        .get(&server.url("/dashboard"))
        .call()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Fdashboard");
    for path in [
        "/dashboard/live",
        "/dashboard/events",
        "/dashboard/export.csv",
        "/dashboard/hosts/SH-001",
    ] {
        let (status, body) = get_status(&server.url(path), None);
        assert!(
            !body.contains("张三")
                && !body.contains("VPN gateway")
                && (status == 401 || body.contains("name=\"password\"")),
            "{path} answered {status} without a session: {body}"
        );
    }
    let (status, _) = get_status(&server.url("/metrics"), None);
    assert_eq!(status, 401);

    let web = Web::sign_in(&server, "lead", "morning-0615");
    let (status, home) = web.get("/dashboard");
    assert_eq!(status, 200);
    // Counts against the roster, in order, then who is not ready and why.
    let counts = home.split("section class=\"counts\"").nth(1).unwrap();
    let n = |class: &str| -> i64 {
        counts
            .split(&format!("tile {class}\""))
            .nth(1)
            .and_then(|s| s.split("class=\"n\">").nth(1))
            .and_then(|s| s.split('<').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or(-1)
    };
    assert_eq!(
        (
            n("roster"),
            n("ready"),
            n("not_ready"),
            n("not_reported"),
            n("unknown")
        ),
        (5, 2, 3, 1, 1),
        "{counts}"
    );
    let not_ready = home.split("id=\"not-ready\"").nth(1).unwrap();
    assert!(not_ready.contains("SH-001") && not_ready.contains("张三"));
    assert!(not_ready.contains("company VPN gateway"), "{not_ready}");
    assert!(
        not_ready.contains("The company&#39;s VPN gateway refused")
            || not_ready.contains("The company's VPN gateway refused")
    );
    let incidents = home.split("id=\"incidents\"").nth(1).unwrap();
    assert!(
        incidents.contains("3 × company VPN gateway") && incidents.contains("all in 上海"),
        "{incidents}"
    );
    assert!(home.contains("Asia/Shanghai, CST +08:00"));
    let not_reported = home.split("id=\"not-reported\"").nth(1).unwrap();
    assert!(not_reported.contains("SZ-404") && not_reported.contains("钱七"));
    assert!(home.contains("<svg"), "charts drawn inline");
    assert!(home.len() < 300_000);

    // Forms need the session's CSRF token.
    let (status, _) = web.post("/dashboard/roster", None, ROSTER.as_bytes());
    assert_eq!(status, 403);
    let (status, _) = web.post("/dashboard/roster", Some(&web.csrf), ROSTER.as_bytes());
    assert_eq!(status, 403, "a viewer may not import a roster");

    // Filters, in Chinese for a Chinese browser.
    let (_, sz_only) = web.get(&format!(
        "/dashboard/list?verdict=ready&site={}",
        "%E6%B7%B1%E5%9C%B3"
    ));
    assert!(sz_only.contains("SZ-001") && !sz_only.contains("SH-001"));

    // The export: a UTF-8 BOM, and cells that would be formulas quoted.
    let (status, csv) = web.get_bytes("/dashboard/export.csv");
    assert_eq!(status, 200);
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.contains("'=cmd|' /C calc'!A0"), "{text}");
    assert!(text.contains("'+SUM(1)"));
    assert!(!text.contains(",=cmd") && !text.contains("\n=cmd"));

    // The host page: the report as the client renders it, history and changes.
    submit(&server, &sh, &report("SH-001", "r-sh-0-fixed", false));
    let (status, page) = web.get("/dashboard/hosts/SH-001");
    assert_eq!(status, 200);
    assert!(
        page.contains("vpn-gateway") && page.contains("network.tcp.refused"),
        "{page}"
    );
    let id = page
        .split("/dashboard/reports/")
        .nth(1)
        .and_then(|s| s.split('?').next())
        .unwrap();
    let (status, html) = web.get(&format!("/dashboard/reports/{id}"));
    assert_eq!(status, 200);
    assert!(html.contains("SH-001"));

    // Metrics with a read token.
    let read = server.token("read", "hq");
    let (status, metrics) = get_status(&server.url("/metrics"), Some(&read));
    assert_eq!(status, 200);
    assert!(
        metrics.contains("readycheck_hosts{verdict=\"not_ready\",site=\"上海\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("readycheck_hosts{verdict=\"not_reported\",site=\"深圳\"} 1"));
    assert!(metrics.contains("readycheck_root_cause_hosts{code=\"network.tcp.refused\"} 2"));
    assert!(metrics.contains("readycheck_reports_ingested_total{result=\"stored\"} 6"));
    assert!(metrics.contains("readycheck_ingest_seconds_count 6"));

    // An open event stream does not hold SIGTERM for the shutdown grace.
    let mut events = std::net::TcpStream::connect(server.addr).unwrap();
    write!(
        events,
        "GET /dashboard/events HTTP/1.1\r\nHost: x\r\nCookie: {}\r\n\r\n",
        web.cookie
    )
    .unwrap();
    let mut head = [0u8; 12];
    std::io::Read::read_exact(&mut events, &mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let mut server = server;
    // SAFETY: signalling our own child process.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    wait_for("the server to stop", Duration::from_secs(10), || {
        server.child.try_wait().unwrap().is_some()
    });
}

#[test]
fn roster_imports_utf8_bom_and_gb18030_and_names_bad_rows_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("srv");
    std::fs::create_dir_all(&data).unwrap();
    let server_cli = |args: &[&str]| cli(&data, "", args);
    let bom: Vec<u8> = [b"\xEF\xBB\xBF".as_slice(), ROSTER.as_bytes()].concat();
    let (gb, _, _) = encoding_rs::GB18030.encode(ROSTER);
    for (name, bytes, encoding) in [
        ("utf8.csv", ROSTER.as_bytes().to_vec(), "(UTF-8)"),
        ("bom.csv", bom, "(UTF-8 (BOM))"),
        ("gb18030.csv", gb.into_owned(), "(GB18030)"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = server_cli(&["roster", "import", p.to_str().unwrap()]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {stdout}");
        assert!(
            stdout.contains("5 hosts imported") && stdout.contains(encoding),
            "{name}: {stdout}"
        );
    }
    let (rt, store) = open_store(&data, "");
    let f = readycheck_server::store::FleetFilter::default();
    let rows = rt.block_on(store.not_reported(&f, 10, 0)).unwrap();
    assert!(rows.iter().any(|r| r.hostname == "SH-001"
        && r.site == "上海"
        && r.username == "张三"
        && r.essential));
    drop(store);

    let p = dir.path().join("bad.csv");
    std::fs::write(
        &p,
        "host,user,site,essential\nPC-1,a,HQ,yes\n,b,HQ,no\nPC-3,c,HQ,perhaps\n",
    )
    .unwrap();
    let out = server_cli(&["roster", "import", p.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("bad.csv:3: no host name"), "{stderr}");
    assert!(
        stderr.contains("bad.csv:4: essential is `perhaps`"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 hosts imported"));
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&k, msg).as_ref())
}

fn query_param<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    target
        .split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn alerts_reach_each_chat_signed_and_once_per_incident_per_cooldown() {
    let wecom = Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#);
    let ding = Receiver::start(200, r#"{"errcode":0,"errmsg":"ok"}"#);
    let feishu = Receiver::start(200, r#"{"code":0,"msg":"success"}"#);
    let hook = Receiver::start(204, "");
    // A robot that refuses: retried, logged, never counted as delivered.
    let broken = Receiver::start(200, r#"{"errcode":310000,"errmsg":"sign not match"}"#);
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        r#"[dashboard]
time_zone = "Asia/Shanghai"
public_url = "https://helpdesk.corp.example"

[alerts]
evaluate_every = "1s"
cooldown = "1h"

[[alerts.rule]]
kind = "same_cause"
hosts = 3
within = "15m"

[[alerts.rule]]
kind = "essential_not_ready"
by = "00:00"

[[alerts.channel]]
kind = "wecom"
url = "{}/cgi-bin/webhook/send?key=abc"

[[alerts.channel]]
kind = "dingtalk"
url = "{}/robot/send?access_token=tok"
secret = "SECding"

[[alerts.channel]]
kind = "feishu"
url = "{}/open-apis/bot/v2/hook/xyz"
secret = "feishu-secret"
lang = "en"

[[alerts.channel]]
kind = "webhook"
url = "{}/hook"

[[alerts.channel]]
kind = "dingtalk"
url = "{}/robot/send?access_token=broken"
"#,
        wecom.url, ding.url, feishu.url, hook.url, broken.url
    );
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        config,
        ..Launch::default()
    });
    let sh = server.token("device", "上海");
    submit(&server, &sh, &report("SH-001", "a-1", true));
    submit(&server, &sh, &report("SH-002", "a-2", true));
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(wecom.count(), 0, "two hosts are not an incident of three");
    submit(&server, &sh, &report("SH-003", "a-3", true));
    wait_for("every chat to be told", Duration::from_secs(20), || {
        wecom.count() >= 1 && ding.count() >= 1 && feishu.count() >= 1 && hook.count() >= 1
    });
    // More hosts with the same cause within the cool-down: no second message.
    submit(&server, &sh, &report("SH-004", "a-4", true));
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        (wecom.count(), ding.count(), feishu.count(), hook.count()),
        (1, 1, 1, 1),
        "one delivery per incident per cool-down"
    );

    let (_, body) = &wecom.all()[0];
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["msgtype"], "markdown");
    let content = v["markdown"]["content"].as_str().unwrap();
    assert!(
        content.contains("3 台电脑无法工作：公司 VPN 网关"),
        "{content}"
    );
    assert!(
        content.contains("全部在 上海")
            && content.contains("(https://helpdesk.corp.example/dashboard/list?"),
        "{content}"
    );

    let (target, body) = &ding.all()[0];
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["msgtype"], "markdown");
    assert!(
        v["markdown"]["title"]
            .as_str()
            .unwrap()
            .contains("公司 VPN 网关")
    );
    assert!(
        v["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("[查看事件](https://helpdesk.corp.example/")
    );
    assert_eq!(query_param(target, "access_token"), Some("tok"));
    let ts: i64 = query_param(target, "timestamp").unwrap().parse().unwrap();
    assert!(
        (readycheck_server::now_ms() - ts).abs() < 60_000,
        "timestamp in ms"
    );
    let sign = percent_decode(query_param(target, "sign").unwrap());
    assert_eq!(
        sign,
        hmac_b64(b"SECding", format!("{ts}\nSECding").as_bytes())
    );

    let (_, body) = &feishu.all()[0];
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["msg_type"], "post");
    let ts: i64 = v["timestamp"].as_str().unwrap().parse().unwrap();
    assert!(
        (readycheck_server::now_ms() / 1000 - ts).abs() < 60,
        "timestamp in seconds"
    );
    assert_eq!(
        v["sign"].as_str().unwrap(),
        hmac_b64(format!("{ts}\nfeishu-secret").as_bytes(), b"")
    );
    let post = &v["content"]["post"]["en_us"];
    assert!(
        post["title"]
            .as_str()
            .unwrap()
            .contains("3 hosts not ready: company VPN gateway")
    );
    assert_eq!(post["content"][1][0]["tag"], "a");
    assert!(
        post["content"][1][0]["href"]
            .as_str()
            .unwrap()
            .starts_with("https://helpdesk.corp.example/dashboard/list?")
    );

    let (_, body) = &hook.all()[0];
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["kind"], "same_cause");
    assert_eq!(v["hosts"], 3);
    assert_eq!(v["incident"]["owner"], "company");
    assert_eq!(v["incident"]["root_cause_code"], "network.tcp.refused");
    assert_eq!(v["incident"]["sites"][0]["site"], "上海");

    // The broken robot was tried again and the failure logged.
    wait_for(
        "retries of the refusing robot",
        Duration::from_secs(20),
        || broken.count() >= 3,
    );
    assert!(server.log().contains("alert delivery failed; retrying"));

    // An essential roster host not ready past `by`: its own alert, once.
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, "host,user,site,essential\nSZ-9,钱七,深圳,yes\n").unwrap();
    assert!(roster_cli(&server, &roster).status.success());
    submit(&server, &sh, &report("SH-005", "a-5", false));
    wait_for("the essential-host alert", Duration::from_secs(20), || {
        hook.all()
            .iter()
            .any(|(_, b)| b.contains("essential_not_ready"))
    });
    std::thread::sleep(Duration::from_secs(2));
    let essential: Vec<_> = hook
        .all()
        .into_iter()
        .filter(|(_, b)| b.contains("essential_not_ready"))
        .collect();
    assert_eq!(essential.len(), 1);
    assert!(essential[0].1.contains("SZ-9"));
}

/// A profile whose disk check cannot pass: the real client reports not ready.
fn failing_profile(dir: &Path, port: u16) -> std::path::PathBuf {
    let p = dir.join("profile.toml");
    std::fs::write(
        &p,
        format!(
            r#"[profile]
name = "Trading desk"
version = "2026.11"

[report]
submit = "http://127.0.0.1:{port}/api/v1/reports"
auth_header_env = "RC_TOKEN"

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
title = "Disk space"
path = "/"
fail_free = "100000 TiB"
"#
        ),
    )
    .unwrap();
    p
}

fn this_hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[test]
fn browser_signs_in_sees_a_host_live_filters_and_reads_chinese() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let recorder = Receiver::start(200, "{}");
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        config: "[dashboard]\ntime_zone = \"Asia/Shanghai\"\n".into(),
        ..Launch::default()
    });
    add_user(&server, "lead", "morning-0615", "admin");
    let me = this_hostname();
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        format!("{ROSTER}员工,{me},深圳,后台,back office,是\n"),
    )
    .unwrap();
    assert!(roster_cli(&server, &roster).status.success());
    let sh = server.token("device", "上海");
    let sz = server.token("device", "深圳");
    for (i, host) in ["SH-001", "SH-002", "SH-003"].iter().enumerate() {
        submit(&server, &sh, &report(host, &format!("b-sh-{i}"), true));
    }
    submit(&server, &sz, &report("SZ-001", "b-sz-1", false));
    // Hostile text everywhere a report can put it.
    let bait = format!(
        "<img src=\"{0}/img\" onerror=\"window.__pwned=1\"><script>window.__pwned=1;fetch('{0}/script')</script>\"><svg onload=\"window.__pwned=1\">",
        recorder.url
    );
    let mut evil = report(&format!("evil{bait}"), "b-evil", true);
    evil["host"]["user"] = json!(bait.clone());
    evil["diagnosis"]["headline"] = json!(format!("headline {bait}"));
    evil["diagnosis"]["who"] = json!(format!("who {bait}"));
    evil["checks"][1]["title"] = json!(format!("title {bait}"));
    evil["checks"][1]["summary"] = json!(format!("summary {bait}"));
    submit(&server, &sh, &evil);

    // Sign in through the form.
    browser.viewport(1280, 900, false);
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the sign-in form",
        Duration::from_secs(10),
        "return !!document.querySelector('input[name=password]')",
    );
    browser.type_into("input[name=user]", "lead");
    browser.type_into("input[name=password]", "morning-0615");
    browser.click("form.login button");
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    assert!(
        browser
            .text("#incidents")
            .contains("3 × company VPN gateway"),
        "{}",
        browser.text("#incidents")
    );
    assert!(!browser.text("#not-ready").contains(&me));

    // The real client reports; the page shows it without reloading.
    browser.js("window.__same_page = 1; return true;");
    let data = dir.path().join("client");
    let client = client_bin();
    let out = Command::new(client)
        .args(["-q", "--no-progress", "-p"])
        .arg(failing_profile(dir.path(), server.addr.port()))
        .env("READYCHECK_DATA_DIR", &data)
        .env("RC_TOKEN", format!("Bearer {sz}"))
        .env("READYCHECK_LANG", "en")
        .env_remove("READYCHECK_PROFILE")
        .env_remove("READYCHECK_PLUGIN_PATH")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = browser.wait(
        "the client's host on the page",
        Duration::from_secs(15),
        &format!(
            "return document.getElementById('not-ready').textContent.indexOf({}) >= 0",
            json!(me)
        ),
    );
    let _ = writeln!(
        std::io::stderr(),
        "live: the client's host on the page {seen:?} after the client exited"
    );
    assert_eq!(
        browser.js("return window.__same_page === 1"),
        Value::Bool(true),
        "no reload"
    );
    let row = browser.js(&format!(
        "var r = Array.from(document.querySelectorAll('#not-ready tr')).find(function (tr) {{ return tr.textContent.indexOf({}) >= 0; }}); return r ? r.textContent : '';",
        json!(me)
    ));
    let row = row.as_str().unwrap();
    assert!(
        row.contains("this PC") && row.contains("Essential"),
        "{row}"
    );
    browser.screenshot("dashboard-en-1280.png");

    // Its report, as the client renders it.
    browser.goto(&server.url(&format!("/dashboard/hosts/{me}")));
    browser.wait(
        "the host page",
        Duration::from_secs(10),
        "return !!document.getElementById('hostname')",
    );
    assert_eq!(browser.text("#hostname"), me);
    let report_src =
        browser.js("return document.querySelector('iframe.report').getAttribute('src')");
    browser.goto(&server.url(report_src.as_str().unwrap()));
    browser.wait("the report", Duration::from_secs(10), &format!("return document.body.textContent.indexOf({}) >= 0 && document.body.textContent.indexOf('Disk space') >= 0", json!(me)));

    // Filter by site with the filter bar.
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    browser.js("document.querySelector('select[name=site]').value = '上海'; document.querySelector('form.filters').submit(); return true;");
    browser.wait(
        "the filtered page",
        Duration::from_secs(10),
        "return location.search.indexOf('site=') >= 0 && !!document.getElementById('live')",
    );
    let nr = browser.text("#not-ready");
    assert!(nr.contains("SH-001") && !nr.contains(&me), "{nr}");

    // Hostile text is shown, never run — on the home page, the host page and its report.
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    assert!(
        browser
            .text("#not-ready")
            .contains("<script>window.__pwned=1")
    );
    let evil_host = format!("evil{bait}");
    browser.goto(&server.url(&format!("/dashboard/hosts/{}", enc(&evil_host))));
    browser.wait(
        "the hostile host's page",
        Duration::from_secs(10),
        "return !!document.getElementById('hostname')",
    );
    assert_eq!(browser.text("#hostname"), evil_host);
    std::thread::sleep(Duration::from_millis(500));
    let src = browser.js("return document.querySelector('iframe.report').getAttribute('src')");
    browser.goto(&server.url(src.as_str().unwrap()));
    browser.wait(
        "the hostile report",
        Duration::from_secs(10),
        "return document.body.textContent.indexOf('headline <img') >= 0",
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        browser.js("return window.__pwned === undefined"),
        Value::Bool(true)
    );
    assert_eq!(
        recorder.count(),
        0,
        "the page fetched what a report named: {:?}",
        recorder.all()
    );

    // Chinese, from the account's setting.
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    browser.click("button[name=lang]");
    browser.wait(
        "Chinese",
        Duration::from_secs(10),
        "return document.documentElement.lang === 'zh-CN' && !!document.getElementById('live')",
    );
    assert!(browser.text("#not-ready").contains("现在无法工作"));
    assert!(
        browser.text("#incidents").contains("3 × 公司 VPN 网关"),
        "{}",
        browser.text("#incidents")
    );
    assert!(browser.text("#incidents").contains("全部在 上海"));
    assert!(browser.text(".asof").contains("Asia/Shanghai"));
    // Without scrolling: the counts, the first not-ready rows and the incidents are on screen.
    let visible = |css: &str| {
        browser.js(&format!(
            "var e = document.querySelector({}); var r = e.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight;",
            json!(css)
        ))
    };
    for css in ["section.counts", "#not-ready tbody tr", "#incidents li"] {
        assert_eq!(
            visible(css),
            Value::Bool(true),
            "{css} above the fold at 1280 px"
        );
    }
    let zh1280 = browser.screenshot("dashboard-zh-1280.png");
    browser.viewport(390, 844, true);
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    let overflow = browser.js("return document.documentElement.scrollWidth");
    assert!(
        overflow.as_i64().unwrap() <= 390,
        "the phone layout is {overflow} px wide"
    );
    let zh390 = browser.screenshot("dashboard-zh-390.png");
    browser.goto(&server.url(&format!("/dashboard/hosts/{me}")));
    browser.wait(
        "the host page",
        Duration::from_secs(10),
        "return !!document.getElementById('hostname')",
    );
    let overflow = browser.js("return document.documentElement.scrollWidth");
    assert!(
        overflow.as_i64().unwrap() <= 390,
        "the host page is {overflow} px wide on a phone"
    );
    browser.screenshot("host-zh-390.png");

    // An administrator imports a roster through the page: Chinese Excel's GB18030.
    browser.viewport(1280, 900, false);
    let text = format!("{ROSTER}新人,NEW-001,北京,交易部,trading,是\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let gb_file = dir.path().join("名册.csv");
    std::fs::write(&gb_file, gb).unwrap();
    browser.goto(&server.url("/dashboard/roster"));
    browser.wait(
        "the roster page",
        Duration::from_secs(10),
        "return !!document.getElementById('roster-file')",
    );
    browser.type_into("#roster-file", gb_file.to_str().unwrap());
    browser.click("#roster-form button");
    browser.wait(
        "the import's answer",
        Duration::from_secs(10),
        "return document.getElementById('roster-result').textContent.indexOf('GB18030') >= 0",
    );
    assert!(
        browser.text("#roster-result").starts_with("6 (GB18030)"),
        "{}",
        browser.text("#roster-result")
    );
    browser.goto(&server.url("/dashboard"));
    browser.wait(
        "the home page",
        Duration::from_secs(10),
        "return !!document.getElementById('live')",
    );
    assert!(browser.text("#not-reported").contains("NEW-001"));
    assert!(browser.text("#not-reported").contains("新人"));
    let _ = writeln!(
        std::io::stderr(),
        "screenshots: {} {}",
        zh1280.display(),
        zh390.display()
    );
}

/// Percent-encodes a path segment as the dashboard's links do.
fn enc(s: &str) -> String {
    readycheck_server::dashboard::view::enc(s)
}

#[test]
fn dashboard_on_postgres_counts_lists_and_claims_alerts_the_same() {
    let Some(pg) = postgres_or_skip() else { return };
    let db = pg.database("dashboard");
    let dir = tempfile::tempdir().unwrap();
    let hook = Receiver::start(200, "{}");
    let server = Server::start(&Launch {
        data_dir: dir.path().join("srv"),
        database: db.clone(),
        config: format!(
            "[alerts]\nevaluate_every = \"1s\"\n[[alerts.rule]]\nkind = \"same_cause\"\nhosts = 2\n[[alerts.channel]]\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
            hook.url
        ),
        ..Launch::default()
    });
    add_user(&server, "lead", "morning-0615", "admin");
    let web = Web::sign_in(&server, "lead", "morning-0615");
    let (status, out) = web.post("/dashboard/roster", Some(&web.csrf), ROSTER.as_bytes());
    assert_eq!(status, 200, "{out}");
    assert!(out.contains("\"imported\":5"), "{out}");
    let sh = server.token("device", "上海");
    submit(&server, &sh, &report("SH-001", "p-1", true));
    submit(&server, &sh, &report("sh-002", "p-2", true));
    submit(&server, &sh, &report("SZ-001", "p-3", false));
    let (_, home) = web.get("/dashboard");
    let incidents = home.split("id=\"incidents\"").nth(1).unwrap();
    assert!(incidents.contains("2 × company VPN gateway"), "{incidents}");
    let not_ready = home.split("id=\"not-ready\"").nth(1).unwrap();
    assert!(
        not_ready.contains("李四"),
        "roster matched case-insensitively: {not_ready}"
    );
    assert!(home.contains("<svg"));
    let (status, list) = web.get("/dashboard/list?verdict=not_reported");
    assert_eq!(status, 200);
    assert!(list.contains("SZ-404") && !list.contains("SH-001"));
    let (status, csv) = web.get_bytes("/dashboard/export.csv?site=%E4%B8%8A%E6%B5%B7");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&csv).contains("SH-001"));
    let (status, page) = web.get("/dashboard/hosts/SH-001");
    assert_eq!(status, 200, "{page}");
    let read = server.token("read", "hq");
    let (status, metrics) = get_status(&server.url("/metrics"), Some(&read));
    assert_eq!(status, 200);
    assert!(
        metrics.contains("readycheck_hosts{verdict=\"not_ready\",site=\"上海\"} 2"),
        "{metrics}"
    );
    wait_for("the webhook", Duration::from_secs(20), || hook.count() >= 1);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(hook.count(), 1);
}
