//! Helpers for the dashboard's tests: signing in over plain HTTP (cookies and the CSRF token by
//! hand), a minimal WebDriver client over `chromedriver` driving Debian's headless Chromium
//! (only 127.0.0.1 reachable), screenshots kept under `target/test-artefacts/`, and loopback
//! HTTP receivers that record what they are sent.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::support::*;

/// A signed-in dashboard session over HTTP.
pub struct Web {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

fn no_redirects() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn set_cookie(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()?
                .trim()
                .strip_prefix(&format!("{name}="))
                .map(String::from)
        })
}

/// The value of `name="csrf" value="…"` in a page.
pub fn csrf_in(page: &str) -> String {
    page.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a CSRF field in the page")
        .to_string()
}

impl Web {
    /// Signs in; panics if it does not work.
    pub fn sign_in(server: &Server, user: &str, password: &str) -> Web {
        let agent = no_redirects();
        let mut resp = agent.get(&server.url("/login")).call().unwrap();
        let login_cookie = set_cookie(&resp, "rc_login").expect("a sign-in CSRF cookie");
        let page = resp.body_mut().read_to_string().unwrap();
        let csrf = csrf_in(&page);
        let resp = agent
            .post(&server.url("/login"))
            .header("Cookie", format!("rc_login={login_cookie}"))
            .send_form([
                ("csrf", csrf.as_str()),
                ("user", user),
                ("password", password),
            ])
            .unwrap();
        assert_eq!(resp.status().as_u16(), 303, "sign-in refused");
        let session = set_cookie(&resp, "rc_session").expect("a session cookie");
        let mut web = Web {
            base: server.url(""),
            cookie: format!("rc_session={session}"),
            csrf: String::new(),
        };
        let (_, home) = web.get("/dashboard");
        web.csrf = csrf_in(&home);
        web
    }

    /// GET with the session: status and body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut resp = no_redirects()
            .get(&format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .call()
            .unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// GET raw bytes with the session.
    pub fn get_bytes(&self, path: &str) -> (u16, Vec<u8>) {
        let mut resp = no_redirects()
            .get(&format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .call()
            .unwrap();
        let mut v = Vec::new();
        resp.body_mut().as_reader().read_to_end(&mut v).unwrap();
        (resp.status().as_u16(), v)
    }

    /// POST a body with the session and optional CSRF header.
    pub fn post(&self, path: &str, csrf: Option<&str>, body: &[u8]) -> (u16, String) {
        let mut req = no_redirects()
            .post(&format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .header("Content-Type", "text/csv");
        if let Some(c) = csrf {
            req = req.header("X-CSRF-Token", c);
        }
        let mut resp = req.send(body).unwrap();
        (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        )
    }
}

/// Adds a dashboard account through the CLI.
pub fn add_user(server: &Server, name: &str, password: &str, role: &str) {
    let mut cmd = Command::new(server_bin());
    cmd.args(["user", "add", name, "--role", role, "--data-dir"])
        .arg(&server.data_dir)
        .env_remove("READYCHECK_SERVER_CONFIG")
        .env("READYCHECK_PASSWORD", password);
    if !server.database.is_empty() {
        cmd.arg("--database").arg(&server.database);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Where screenshots and other artefacts are kept (`target/test-artefacts/`).
pub fn artefacts() -> PathBuf {
    let dir = workspace().join("target/test-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A loopback HTTP server that answers every request with `answer` and records them.
pub struct Receiver {
    pub url: String,
    pub requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    /// Answers `status` with `answer` as JSON.
    pub fn start(status: u16, answer: &'static str) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let rec = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let rec = rec.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).is_err() {
                        return;
                    }
                    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let mut len = 0;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    let _ = reader.read_exact(&mut body);
                    rec.lock()
                        .unwrap()
                        .push((target, String::from_utf8_lossy(&body).into_owned()));
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                        answer.len()
                    );
                });
            }
        });
        Receiver { url, requests }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn all(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }
}

/// `chromedriver` with one headless Chromium session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

/// The browser, or why not (the caller skips).
pub fn browser_or_skip() -> Option<Browser> {
    for tool in ["chromium", "chromedriver"] {
        let found = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false);
        if !found {
            skip(&format!(
                "`{tool}` is not installed (apt-get install chromium chromium-driver)"
            ));
            return None;
        }
    }
    Some(Browser::start())
}

const ELEMENT: &str = "element-6066-11e4-a52f-4a4d-a5b5-3d8e1e7a3bdf";

impl Browser {
    fn start() -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        wait_for("chromedriver", Duration::from_secs(30), || {
            agent()
                .get(&format!("{base}/status"))
                .call()
                .map(|r| r.status().as_u16() == 200)
                .unwrap_or(false)
        });
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en-US",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
                "prefs": { "intl.accept_languages": "en-US,en" },
            },
        } } });
        let mut b = Browser {
            driver,
            base,
            session: String::new(),
            _profile: profile,
        };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .or_else(|| v["value"]["sessionId"].as_str())
            .expect("a WebDriver session")
            .to_string();
        b
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let a = agent();
        let mut resp = match method {
            "GET" => a.get(&url).call(),
            "DELETE" => a.delete(&url).call(),
            _ => a
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or(json!({})).to_string()),
        }
        .expect("WebDriver request");
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(status, 200, "WebDriver {method} {path}: {text}");
        v
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    /// Runs a script in the page and returns its value.
    pub fn js(&self, script: &str) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": script, "args": [] })),
        )["value"]
            .clone()
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        // The W3C element reference is the object's one value, whatever its key.
        v["value"]
            .get(ELEMENT)
            .or_else(|| v["value"].as_object().and_then(|o| o.values().next()))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.element(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// The text of the first element matching `css` ("" if none).
    pub fn text(&self, css: &str) -> String {
        self.js(&format!(
            "var e = document.querySelector({}); return e ? e.textContent : '';",
            json!(css)
        ))
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Waits until `script` returns true.
    pub fn wait(&self, what: &str, timeout: Duration, script: &str) -> Duration {
        let t0 = Instant::now();
        loop {
            if self.js(script) == Value::Bool(true) {
                return t0.elapsed();
            }
            assert!(
                t0.elapsed() < timeout,
                "timed out waiting for {what}; page text: {}",
                self.text("body").chars().take(2000).collect::<String>()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The viewport as a phone (`mobile`) or a desktop of `width` px.
    pub fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.call(
            "POST",
            "/goog/cdp/execute",
            Some(
                json!({ "cmd": "Emulation.setDeviceMetricsOverride", "params": {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile,
            } }),
            ),
        );
    }

    /// Saves a PNG of the viewport; returns its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let v = self.call("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v["value"].as_str().expect("a screenshot"))
            .unwrap();
        let path = artefacts().join(name);
        std::fs::write(&path, png).unwrap();
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = agent()
                .delete(&format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
