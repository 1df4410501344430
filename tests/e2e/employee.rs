//! The employee who never opens a terminal: the Windows build double-clicked under Wine (a
//! console of its own, no arguments) writes the report and opens it in a stand-in browser, then
//! waits for Enter; opened from an unextracted zip it says to unzip first; the MSI's Start-menu
//! entry, PATH and Apps & Features rows, and readycheck.exe's version resource; the daily run's
//! desktop notification on a real session bus in both languages; report delivery and `http`
//! checks through a loopback proxy set in the environment, or under Wine in Internet Options'
//! registry (a PAC script named, not used); the employee's first screen in headless Chromium at
//! 1280 and 390 px, measured in the viewport over WebDriver.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::*;

/// In CI every part must run: a missing tool fails the test there.
fn cannot(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "CI must run this: {why}");
    skip_note(why);
}

const PROFILE: &str = r#"[profile]
name = { en = "Wine desk", zh-CN = "Wine 测试" }
contact = "IT helpdesk · helpdesk@corp.example"
timeout = "30s"

[[check]]
id = "memory"
plugin = "resources"
kind = "memory"
min_total = "100 TiB"
"#;

#[test]
fn double_click_under_wine_opens_the_report_and_waits_and_a_zip_says_unzip_first() {
    let Some(built) = windows_build() else {
        return cannot("no Windows build under Wine");
    };
    let env = Env::new();
    let dir = windows_install(&built, &env.dir.path().join("app"), &["resources"]);
    std::fs::write(dir.join("readycheck.toml"), PROFILE).unwrap();
    let src = workspace().join("tests/wine");
    for tool in ["newconsole", "browser"] {
        assert!(ok(Command::new("x86_64-w64-mingw32-gcc")
            .arg("-municode")
            .arg("-o")
            .arg(dir.join(format!("{tool}.exe")))
            .arg(src.join(format!("{tool}.c")))));
    }
    let w = Wine::new(&env.dir.path().join("prefix"));
    let open_cmd = format!("\"{}\" \"%1\"", Wine::path(&dir.join("browser.exe")));
    for args in [
        vec!["reg", "add", r"HKCR\.html", "/ve", "/d", "rcstandin", "/f"],
        vec![
            "reg",
            "add",
            r"HKCR\rcstandin\shell\open\command",
            "/ve",
            "/d",
            &open_cmd,
            "/f",
        ],
    ] {
        assert!(ok(&mut w.cmd(&args)), "wine {}", args.join(" "));
    }
    let log = env.dir.path().join("browser.log");
    let data = env.dir.path().join("data");
    // Double-clicked: a console of its own, no arguments. Enter is typed once the run waits.
    let mut child = w
        .cmd(&[
            &Wine::path(&dir.join("newconsole.exe")),
            &Wine::path(&dir.join("readycheck.exe")),
        ])
        .env("BROWSER_LOG", Wine::path(&log))
        .env("READYCHECK_DATA_DIR", Wine::path(&data))
        .env("LANG", "en_US.UTF-8")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).contains("NOT READY"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("Press Enter to close this window."),
        "{}",
        stderr(&out)
    );
    let opened = std::fs::read_to_string(&log).expect("the stand-in browser was started");
    let page = opened.lines().next().unwrap().trim().to_string();
    assert!(page.ends_with(".html"), "{opened}");
    let html_name = page.rsplit('\\').next().unwrap();
    let html = std::fs::read_to_string(data.join("reports").join(html_name)).unwrap();
    assert!(html.contains("id=\"contact\"") && html.contains("mailto:helpdesk@corp.example"));
    assert!(
        html.contains("<details class=\"helpdesk\""),
        "details folded"
    );
    // Started from a terminal (arguments given) nothing waits and nothing opens.
    let out = w
        .cmd(&[&Wine::path(&dir.join("readycheck.exe")), "-q", "--no-save"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("NOT READY"),
        "-q prints the verdict line"
    );
    assert!(!stderr(&out).contains("Press Enter"));

    // Opened from inside a zip: Explorer extracted the exe alone into a temporary folder.
    let temp = w.cmd(&["cmd", "/c", "echo %TEMP%"]).output().unwrap();
    let temp = stdout(&temp).trim().to_string();
    let unix_temp = Command::new("timeout")
        .args(["60", "winepath", "-u", &temp])
        .env("WINEPREFIX", &w.prefix)
        .env("WINEDEBUG", "-all")
        .output()
        .unwrap();
    let unix_temp = std::path::PathBuf::from(stdout(&unix_temp).trim());
    let zipped = unix_temp.join("Temp1_readycheck-corp.zip/readycheck-corp");
    std::fs::create_dir_all(&zipped).unwrap();
    std::fs::copy(dir.join("readycheck.exe"), zipped.join("readycheck.exe")).unwrap();
    wine_shim(&zipped);
    // As Explorer starts it: by its C: path under %TEMP%.
    let zipped_exe = format!(r"{temp}\Temp1_readycheck-corp.zip\readycheck-corp\readycheck.exe");
    for lang in ["en_US.UTF-8", "zh_CN.UTF-8"] {
        let out = w
            .cmd(&[&zipped_exe, "--no-save"])
            .env("LANG", lang)
            .env("LC_ALL", lang)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let err = stderr(&out);
        let want = if lang.starts_with("zh") {
            "请先解压整个文件夹（右键单击 zip 文件 → 全部解压缩）"
        } else {
            "Unzip the whole folder first (right-click the zip file → Extract All)"
        };
        assert!(err.contains(want), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one sentence: {err}");
    }

    // A bundle whose profile went missing says so instead of running the built-in default.
    std::fs::remove_file(dir.join("readycheck.toml")).unwrap();
    std::fs::write(dir.join("readycheck-bundle.txt"), "bundle\r\n").unwrap();
    let out = w
        .cmd(&[&Wine::path(&dir.join("readycheck.exe")), "--no-save"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stderr(&out).contains("IT bundle"), "{}", stderr(&out));
}

#[test]
fn the_msi_has_a_start_menu_entry_path_and_help_link_and_the_exe_its_version_resource() {
    let Some(built) = windows_build() else {
        return cannot("no Windows build under Wine");
    };
    for tool in ["wixl", "msiinfo", "msibuild", "x86_64-w64-mingw32-objdump"] {
        if !have(tool) {
            return cannot(&format!(
                "{tool} is not installed (apt-get install wixl msitools)"
            ));
        }
    }
    // The version resource: product, version, company, description, as UTF-16 strings in the
    // .rsrc section objdump shows.
    let exe = built.join("readycheck.exe");
    let sections = Command::new("x86_64-w64-mingw32-objdump")
        .arg("-h")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(stdout(&sections).contains(".rsrc"), "{}", stdout(&sections));
    let bytes = std::fs::read(&exe).unwrap();
    let utf16 = |s: &str| -> Vec<u8> { s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect() };
    for want in [
        "ProductName",
        "readycheck",
        "ProductVersion",
        env!("CARGO_PKG_VERSION"),
        "CompanyName",
        "FileDescription",
        "Remote-work readiness check",
    ] {
        let w = utf16(want);
        assert!(
            bytes.windows(w.len()).any(|x| x == w.as_slice()),
            "{want} not in the version resource"
        );
    }
    let t = tempfile::tempdir().unwrap();
    let xtask = target_dir().join("xtask");
    let out = Command::new(&xtask)
        .current_dir(workspace())
        .args(["msi", "--win-from"])
        .arg(&built)
        .arg("-o")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let msi = t
        .path()
        .join(format!("readycheck-{}-x64.msi", env!("CARGO_PKG_VERSION")));
    let export = |table: &str| {
        let o = Command::new("msiinfo")
            .arg("export")
            .arg(&msi)
            .arg(table)
            .output()
            .unwrap();
        stdout(&o)
    };
    let shortcut = export("Shortcut");
    assert!(
        shortcut.contains("ProgramMenuFolder\trcheck|Remote-work readiness check\tStartMenu\t[INSTALLDIR]readycheck.exe"),
        "{shortcut}"
    );
    assert!(export("Environment").contains("PathEntry\t*=-PATH\t[~];[INSTALLDIR]\tHost"));
    assert!(export("InstallExecuteSequence").contains("WriteEnvironmentStrings"));
    let props = export("Property");
    for p in ["ARPHELPLINK", "ARPCONTACT", "ARPPRODUCTICON"] {
        assert!(props.contains(p), "{p}: {props}");
    }
    assert!(export("Registry").contains("StartMenuShortcut"));
    assert!(export("File").contains("readycheckw.exe"));
    // Installed under Wine: the shortcut exists and the install folder is on the PATH.
    let w = Wine::new(&t.path().join("prefix"));
    assert!(ok(&mut w.cmd(&["msiexec", "/i", &Wine::path(&msi), "/qn"])));
    let found = Command::new("find")
        .arg(w.prefix.join("drive_c"))
        .args(["-name", "Remote-work readiness check.lnk"])
        .output()
        .unwrap();
    assert!(!stdout(&found).trim().is_empty(), "no Start-menu shortcut");
    let path = w
        .cmd(&[
            "reg",
            "query",
            r"HKLM\System\CurrentControlSet\Control\Session Manager\Environment",
            "/v",
            "PATH",
        ])
        .output()
        .unwrap();
    assert!(
        stdout(&path).contains(r"C:\Program Files\readycheck"),
        "{}",
        stdout(&path)
    );
}

/// A notification as the stand-in server saw it: "app: summary", body, actions.
type Seen = Arc<Mutex<Vec<(String, String, Vec<String>)>>>;

/// A stand-in notification server: records every Notify call.
struct Notifications(Seen);

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Notifications {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut seen = self.0.lock().unwrap();
        seen.push((format!("{app_name}: {summary}"), body, actions));
        seen.len() as u32
    }
    fn get_capabilities(&self) -> Vec<String> {
        vec!["actions".into(), "body".into()]
    }
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "stand-in".into(),
            "readycheck tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }
    fn close_notification(&self, _id: u32) {}
}

#[test]
fn a_not_ready_daily_run_raises_a_notification_on_the_session_bus_in_both_languages() {
    if !have("dbus-daemon") {
        return cannot("dbus-daemon is not installed (apt-get install dbus)");
    }
    let env = Env::new();
    let profile = env.profile(
        "p.toml",
        &PROFILE.replace(
            "name = { en = \"Wine desk\", zh-CN = \"Wine 测试\" }",
            "name = \"desk\"",
        ),
    );
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut addr = String::new();
    let mut out = bus.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    while out.read(&mut byte).unwrap() == 1 && byte[0] != b'\n' {
        addr.push(byte[0] as char);
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let _server = zbus::blocking::connection::Builder::address(addr.as_str())
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at(
            "/org/freedesktop/Notifications",
            Notifications(seen.clone()),
        )
        .unwrap()
        .build()
        .unwrap();
    for (lang, title, body) in [
        ("en", "readycheck: Not ready", "memory"),
        ("zh-CN", "readycheck: 未就绪", "memory"),
    ] {
        let before = seen.lock().unwrap().len();
        // The bus listener answers Notify; the run does not wait for a click it will not get
        // forever: the notification's close is sent by nobody, so the run is stopped after the
        // notification arrived.
        let mut run = env
            .command(&[
                "run",
                "--notify",
                "--no-progress",
                "-q",
                "--lang",
                lang,
                "-p",
                profile.to_str().unwrap(),
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &addr)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let got = loop {
            if let Some(n) = seen.lock().unwrap().get(before).cloned() {
                break n;
            }
            if let Some(st) = run.try_wait().unwrap() {
                panic!("the run ended ({st}) without a notification");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let _ = run.kill();
        let _ = run.wait();
        assert_eq!(got.0, format!("readycheck: {title}"), "{got:?}");
        assert!(got.1.contains(body), "{got:?}");
        assert!(
            got.2.iter().any(|a| a == "default"),
            "a click opens the report: {got:?}"
        );
    }
    let _ = bus.kill();
    let _ = bus.wait();
}

#[test]
fn report_delivery_goes_through_the_proxy_in_the_environment() {
    let env = Env::new();
    // A loopback proxy that counts requests and answers each like the collector would.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        // One request head (and its body) from `conn`.
        fn request(conn: &mut std::net::TcpStream) -> String {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            while let Ok(n) = conn.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            String::from_utf8_lossy(&buf).into_owned()
        }
        for conn in proxy.incoming().flatten() {
            let mut conn = conn;
            let head = request(&mut conn);
            // A CONNECT tunnel (what ureq asks an HTTP proxy for) or a plain proxied request:
            // either way the report reaches the collector only through here.
            let post = if head.starts_with("CONNECT collector.invalid:80 ") {
                let _ = conn.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                request(&mut conn)
            } else {
                head
            };
            if post.starts_with("POST ") && post.contains("/api/v1/reports") {
                seen.fetch_add(1, Ordering::SeqCst);
            }
            let _ = conn.write_all(
                b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
        }
    });
    let profile = env.profile(
        "p.toml",
        "[profile]\nname = \"p\"\n\n[[check]]\nid = \"m\"\nplugin = \"resources\"\nkind = \"memory\"\n",
    );
    let out = env
        .command(&[
            "run",
            "--no-progress",
            "--submit",
            "http://collector.invalid/api/v1/reports",
            "-p",
            profile.to_str().unwrap(),
        ])
        .env("HTTP_PROXY", format!("http://127.0.0.1:{port}"))
        .env("http_proxy", format!("http://127.0.0.1:{port}"))
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(
        count.load(Ordering::SeqCst) >= 1,
        "the report went through the proxy: {}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("collector.invalid"),
        "{}",
        stdout(&out)
    );
}

/// What the employee must see without scrolling: a CSS selector and what it is.
const FIRST_SCREEN: [(&str, &str); 7] = [
    ("#verdict h1", "the verdict"),
    ("#local-time", "the local time with its zone"),
    ("#diagnosis .headline", "the diagnosis headline"),
    ("#what-to-do", "what to do"),
    ("#contact", "whom to send it to"),
    ("#mailto", "the e-mail link"),
    ("#saved", "the saved report and the link to its folder"),
];

/// The employee's page of a not-ready run, as `run --open` writes and opens it, in Chromium
/// driven over WebDriver at 1280×800 and as a 390×844 phone, in English and Chinese: every part
/// of the first screen lies inside the viewport (by `getBoundingClientRect`, nothing scrolled),
/// nothing is wider than the screen, the helpdesk details are folded and take no room, and the
/// local time names its zone. Screenshots and the measured boxes are kept in
/// `target/test-artefacts/`.
#[test]
fn the_employee_page_first_screen_in_chromium_at_1280_and_390_px() {
    let env = Env::new();
    let profile = env.profile(
        "p.toml",
        &format!(
            "{PROFILE}title = {{ en = \"Memory (RAM)\", zh-CN = \"内存\" }}\nfix = {{ en = \"Close programs you do not need, or ask IT for a PC with more memory.\", zh-CN = \"关闭用不到的程序，或者向 IT 申请一台内存更大的电脑。\" }}\n"
        ),
    );
    // A stand-in for the desktop's opener: records the page the run asks to open.
    let bin = env.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let opened = env.dir.path().join("opened.log");
    std::fs::write(
        bin.join("xdg-open"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n",
            opened.display()
        ),
    )
    .unwrap();
    chmod(&bin.join("xdg-open"), 0o755);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let Some(driver) = Driver::start() else {
        return;
    };
    let selectors: Vec<&str> = FIRST_SCREEN.iter().map(|(s, _)| *s).collect();
    let script = format!(
        r#"const out = {{ w: innerWidth, h: innerHeight, scrollX: scrollX, scrollY: scrollY,
            scrollWidth: document.documentElement.scrollWidth, boxes: {{}}, wider: [] }};
        for (const e of document.querySelectorAll('body *')) {{
            const r = e.getBoundingClientRect();
            if (r.right > WIDTH + 0.5 && e.checkVisibility())
                out.wider.push(`${{e.tagName}}#${{e.id}}.${{e.className}} ${{r.left}}-${{r.right}}: ${{e.innerText.slice(0, 80)}}`);
        }}
        for (const s of {sel}) {{
            const e = document.querySelector(s);
            if (!e) {{ out.boxes[s] = null; continue; }}
            const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
            const range = document.createRange();
            range.selectNodeContents(e);
            const t = range.getBoundingClientRect();
            out.boxes[s] = {{ top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                textLeft: t.left, textRight: t.right, textBottom: t.bottom,
                height: r.height, shown: cs.display !== 'none' && cs.visibility === 'visible',
                text: e.innerText }};
        }}
        const d = document.querySelector('details#details');
        out.details = d && {{ open: d.open, summary: d.querySelector('summary').innerText,
            top: d.getBoundingClientRect().top,
            below: d.getBoundingClientRect().bottom
                - d.querySelector('summary').getBoundingClientRect().bottom,
            tableVisible: d.querySelector('table').checkVisibility() }};
        return out;"#,
        sel = serde_json::json!(selectors)
    );
    let mut measured = serde_json::Map::new();
    for (lang, details, checked, fix) in [
        (
            "en",
            "Details for the helpdesk",
            "Checked ",
            "What to do: Close programs you do not need",
        ),
        (
            "zh-CN",
            "给 IT 服务台的详细信息",
            "检查时间：",
            "处理办法：关闭用不到的程序",
        ),
    ] {
        let before = std::fs::read_to_string(&opened).unwrap_or_default();
        let out = env
            .command(&[
                "run",
                "--open",
                "--no-progress",
                "--lang",
                lang,
                "-p",
                profile.to_str().unwrap(),
            ])
            .env("PATH", &path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        // The opener is started, not waited for (a browser may stay open): wait for its line.
        let asked = std::time::Instant::now();
        let log = loop {
            let log = std::fs::read_to_string(&opened).unwrap_or_default();
            if log.len() > before.len() && log.ends_with('\n') {
                break log;
            }
            assert!(
                asked.elapsed() < std::time::Duration::from_secs(30),
                "the page was not opened: {}",
                stderr(&out)
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let page = std::path::PathBuf::from(log[before.len()..].trim());
        assert!(
            page.starts_with(env.data.join("reports"))
                && page.extension().is_some_and(|e| e == "html"),
            "{}",
            page.display()
        );
        for (width, height, mobile) in [(1280, 800, false), (390, 844, true)] {
            driver.viewport(width, height, mobile);
            driver.goto(&format!("file://{}", page.display()));
            let v = driver.js(&script.replace("WIDTH", &width.to_string()));
            let case = format!("{lang} at {width}×{height}");
            assert_eq!(
                v["wider"],
                serde_json::json!([]),
                "{case}: wider than the screen"
            );
            assert_eq!(
                (v["w"].as_u64(), v["h"].as_u64()),
                (Some(u64::from(width)), Some(u64::from(height)))
            );
            assert_eq!(
                (v["scrollX"].as_f64(), v["scrollY"].as_f64()),
                (Some(0.0), Some(0.0))
            );
            assert!(
                v["scrollWidth"].as_u64() <= Some(u64::from(width)),
                "{case}: the page is wider than the screen: {v:#}"
            );
            let (w, h) = (width as f64, height as f64);
            for (sel, what) in FIRST_SCREEN {
                let b = &v["boxes"][sel];
                assert!(b.is_object(), "{case}: no {what} ({sel}) on the page");
                let n = |k: &str| b[k].as_f64().unwrap();
                assert!(
                    b["shown"] == true
                        && n("height") > 0.0
                        && n("top") >= 0.0
                        && n("bottom") <= h
                        && n("left") >= 0.0
                        && n("right") <= w,
                    "{case}: {what} ({sel}) is not on the first screen: {b}"
                );
                // Its text stays inside its box: a long word (a path) must wrap, not spill.
                assert!(
                    n("textLeft") >= n("left") - 0.5
                        && n("textRight") <= n("right") + 0.5
                        && n("textBottom") <= h,
                    "{case}: the text of {what} ({sel}) spills out of its box: {b}"
                );
            }
            // What to do is the failing check's own fix, not a pointer to below the screen.
            let todo = v["boxes"]["#what-to-do"]["text"].as_str().unwrap();
            assert!(todo.starts_with(fix), "{case}: {todo}");
            let time = v["boxes"]["#local-time"]["text"].as_str().unwrap();
            assert!(
                time.contains(checked) && time.contains("UTC"),
                "{case}: {time}"
            );
            let d = &v["details"];
            assert!(
                d["open"] == false
                    && d["tableVisible"] == false
                    && d["below"].as_f64().is_some_and(|b| b < 1.0)
                    && d["summary"] == details,
                "{case}: the helpdesk details are not folded: {d}"
            );
            let shot = driver.screenshot(&format!("employee-first-screen-{lang}-{width}.png"));
            assert!(
                std::fs::metadata(&shot).unwrap().len() > 10_000,
                "a real screenshot"
            );
            measured.insert(case, v);
        }
    }
    std::fs::write(
        workspace().join("target/test-artefacts/employee-first-screen.json"),
        serde_json::to_string_pretty(&measured).unwrap(),
    )
    .unwrap();
}

#[test]
fn the_deb_menu_entry_passes_desktop_file_validate() {
    for tool in ["desktop-file-validate", "dpkg-deb"] {
        if !have(tool) {
            return cannot(&format!(
                "{tool} is not installed (apt-get install desktop-file-utils)"
            ));
        }
    }
    build_once();
    let t = tempfile::tempdir().unwrap();
    let out = Command::new(target_dir().join("xtask"))
        .current_dir(workspace())
        .args(["deb", "--from"])
        .arg(target_dir())
        .arg("-o")
        .arg(t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let deb = t.path().join(format!(
        "readycheck_{}_amd64.deb",
        env!("CARGO_PKG_VERSION")
    ));
    let root = t.path().join("root");
    assert!(ok(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&root)));
    let entry = root.join("usr/share/applications/readycheck.desktop");
    let v = Command::new("desktop-file-validate")
        .arg(&entry)
        .output()
        .unwrap();
    assert!(
        v.status.success() && v.stdout.is_empty(),
        "{}{}",
        stdout(&v),
        stderr(&v)
    );
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.contains("Exec=readycheck --launched")
            && text.contains("Name[zh_CN]=远程办公就绪检查")
    );
}

/// The Windows build under Wine with Internet Options' proxy set in the registry of its own
/// prefix: report delivery and an `http` check both go through a loopback proxy that counts what
/// it is asked — for a proxy for every protocol (`127.0.0.1:PORT`) and for one per protocol
/// (`http=…;https=…`, what Windows writes when "Use the same proxy server for all protocols" is
/// off). With only a PAC script set (`AutoConfigURL`), the check's evidence says one is configured
/// and was not used, and nothing claims a proxy: both requests reach the site directly.
#[test]
fn under_wine_the_internet_options_proxy_carries_delivery_and_http_checks_and_a_pac_is_named() {
    let Some(built) = windows_build() else {
        return cannot("no Windows build under Wine");
    };
    let t = tempfile::tempdir().unwrap();
    let dir = windows_install(&built, &t.path().join("app"), &["network"]);
    let w = Wine::new(&t.path().join("prefix"));
    let key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Internet Settings";
    let set = |name: &str, kind: &str, value: &str| {
        let args = ["reg", "add", key, "/v", name, "/t", kind, "/d", value, "/f"];
        assert!(ok(&mut w.cmd(&args)), "wine {}", args.join(" "));
    };
    let proxy = Recorder::start();
    let site = Recorder::start();
    let run = |case: &str, url: &str, submit: &str| -> serde_json::Value {
        let profile = dir.join(format!("{case}.toml"));
        std::fs::write(
            &profile,
            format!(
                "[profile]\nname = \"Proxy desk\"\ntimeout = \"30s\"\n\n[[check]]\nid = \"intranet\"\nplugin = \"network\"\nkind = \"http\"\nurl = \"{url}\"\nexpect_status = [200]\nbody_contains = \"proxied-ok\"\n"
            ),
        )
        .unwrap();
        let mut cmd = w.cmd(&[
            &Wine::path(&dir.join("readycheck.exe")),
            "run",
            "--no-progress",
            "-f",
            "json",
            "--submit",
            submit,
            "-p",
            &Wine::path(&profile),
        ]);
        // A data directory per case: an undelivered report of one case waits in its own outbox.
        cmd.env("READYCHECK_DATA_DIR", Wine::path(&t.path().join(case)))
            .env("LANG", "en_US.UTF-8")
            .stdin(Stdio::null());
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            cmd.env_remove(var);
        }
        let out = cmd.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{case}: {e}\n{}{}", stdout(&out), stderr(&out)));
        report["checks"][0].clone()
    };

    set("ProxyEnable", "REG_DWORD", "1");
    for (case, server) in [
        ("one-proxy", format!("127.0.0.1:{}", proxy.port)),
        (
            "per-protocol",
            format!(
                "http=127.0.0.1:{0};https=127.0.0.1:{0};ftp=127.0.0.1:9",
                proxy.port
            ),
        ),
    ] {
        set("ProxyServer", "REG_SZ", &server);
        let before = proxy.requests().len();
        let check = run(
            case,
            &format!("http://intranet-{case}.invalid/health"),
            &format!("http://collector-{case}.invalid/api/v1/reports"),
        );
        let seen = proxy.requests()[before..].to_vec();
        assert!(
            seen.contains(&format!(
                "GET http://intranet-{case}.invalid/health HTTP/1.1"
            )),
            "{case}: the http check went through the proxy: {seen:?}\n{check:#}"
        );
        assert!(
            seen.contains(&format!(
                "POST http://collector-{case}.invalid/api/v1/reports HTTP/1.1"
            )),
            "{case}: the report was delivered through the proxy: {seen:?}"
        );
        assert_eq!(check["status"], "pass", "{case}: {check:#}");
        let evidence = check["evidence"].to_string();
        assert!(
            evidence.contains(&format!(
                "proxy: http://127.0.0.1:{}/ (the system's proxy settings)",
                proxy.port
            )),
            "{case}: {evidence}"
        );
        assert!(
            check["observations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["kind"] == "proxy" && o["source"] == "system" && o["used"] == true),
            "{case}: {check:#}"
        );
    }

    // Only a PAC script: named in the evidence, never taken for a proxy that was used.
    set("ProxyEnable", "REG_DWORD", "0");
    let pac = format!("http://127.0.0.1:{}/proxy.pac", proxy.port);
    set("AutoConfigURL", "REG_SZ", &pac);
    let before = proxy.requests().len();
    let check = run(
        "pac",
        &format!("http://127.0.0.1:{}/health", site.port),
        &format!("http://127.0.0.1:{}/api/v1/reports", site.port),
    );
    assert_eq!(check["status"], "pass", "{check:#}");
    let evidence = check["evidence"].to_string();
    assert!(
        evidence.contains(&format!(
            "a PAC script is configured ({pac}); readycheck cannot evaluate PAC scripts, so it was not used"
        )),
        "{evidence}"
    );
    assert!(
        !evidence.contains("the system's proxy settings"),
        "{evidence}"
    );
    let observations = check["observations"].as_array().unwrap();
    assert!(
        observations
            .iter()
            .any(|o| o["kind"] == "proxy" && o["source"] == "pac" && o["used"] == false),
        "{check:#}"
    );
    assert!(
        !observations
            .iter()
            .any(|o| o["used"] == true || o["via_proxy"] == true),
        "{check:#}"
    );
    assert_eq!(proxy.requests().len(), before, "{:?}", proxy.requests());
    let direct = site.requests();
    assert!(
        direct.contains(&"GET /health HTTP/1.1".to_string())
            && direct.contains(&"POST /api/v1/reports HTTP/1.1".to_string()),
        "both went straight to the site: {direct:?}"
    );
}
