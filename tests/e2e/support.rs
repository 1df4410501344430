//! Test helpers: build the real binary and plugins once, lay out a private plugin directory with
//! the plugins a test needs (Rust ones copied, C ones compiled with the system C compiler), write
//! profiles, and run `readycheck` as a user would, with its own data directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// `target/debug` (or `release`) of this workspace, found from the test executable.
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test exe path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds the whole workspace once (a no-op when up to date).
pub fn build_once() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        // Everything the tests load: the host, the shipped plugins (default members) and the
        // corpus plugin.
        cmd.current_dir(workspace())
            .args(["build", "--quiet", "--workspace"]);
        if target_dir().file_name().is_some_and(|n| n == "release") {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("run cargo build");
        assert!(
            status.success(),
            "cargo build of the binary and plugins failed"
        );
    });
}

pub fn bin() -> PathBuf {
    build_once();
    target_dir().join(format!("readycheck{}", std::env::consts::EXE_SUFFIX))
}

/// File name of plugin `name` on this OS.
pub use readycheck_sdk::file::file_name as lib_name;

/// A private directory with plugins, profiles and a data dir.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub plugins: PathBuf,
    pub data: PathBuf,
}

#[cfg(unix)]
pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

impl Env {
    /// With the network, resources and misbehave plugins.
    pub fn new() -> Env {
        build_once();
        let dir = tempfile::tempdir().expect("tempdir");
        #[cfg(unix)]
        chmod(dir.path(), 0o755);
        let plugins = dir.path().join("plugins");
        std::fs::create_dir(&plugins).expect("mkdir plugins");
        #[cfg(unix)]
        chmod(&plugins, 0o755);
        let data = dir.path().join("data");
        let env = Env { dir, plugins, data };
        env.copy_plugin("network");
        env.copy_plugin("resources");
        env.copy_plugin("misbehave");
        env
    }

    /// Copies a built Rust plugin into the plugin directory.
    pub fn copy_plugin(&self, name: &str) -> PathBuf {
        let from = target_dir().join(lib_name(name));
        let to = self.plugins.join(lib_name(name));
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
        #[cfg(unix)]
        chmod(&to, 0o755);
        to
    }

    /// Compiles `tests/corpus/c/<src>` into plugin `name` with the system C compiler.
    /// Returns `None` (and the test should skip) when no C compiler is installed.
    pub fn compile_c(&self, src: &str, name: &str, extra: &[&str]) -> Option<PathBuf> {
        self.compile_c_to(&self.plugins.join(lib_name(name)), src, name, extra)
    }

    /// Compiles `tests/corpus/c/<src>` into the shared library `out`.
    pub fn compile_c_to(
        &self,
        out: &Path,
        src: &str,
        name: &str,
        extra: &[&str],
    ) -> Option<PathBuf> {
        let out = out.to_path_buf();
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        let status = Command::new(&cc)
            .args(["-shared", "-fPIC", "-O1", "-Wall", "-Werror"])
            .arg("-I")
            .arg(workspace().join("plugins/sdk/include"))
            .arg(format!("-DPLUGIN_NAME=\"{name}\""))
            .arg("-o")
            .arg(&out)
            .arg(workspace().join("tests/corpus/c").join(src))
            .args(extra)
            .status();
        match status {
            Ok(s) if s.success() => {
                #[cfg(unix)]
                chmod(&out, 0o755);
                Some(out)
            }
            Ok(s) => panic!("{cc} failed on {src}: {s}"),
            Err(e) => {
                skip_note(&format!("no C compiler ({cc}: {e})"));
                None
            }
        }
    }

    /// Writes a profile file.
    pub fn profile(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write profile");
        p
    }

    /// A `readycheck` command with this env's data dir, and nothing inherited
    /// that would change discovery.
    pub fn cmd(&self) -> Command {
        self.via(bin())
    }

    /// `program` (a wrapper such as `unshare` or `script`, or readycheck itself) with the
    /// environment and working directory `cmd()` gives readycheck.
    pub fn via(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env("READYCHECK_DATA_DIR", &self.data)
            .env("NO_COLOR", "1")
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env_remove("READYCHECK_PROFILE")
            .env_remove("READYCHECK_LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("LANG")
            .current_dir(self.dir.path());
        c
    }

    /// The same command inside a new, empty network namespace (only a loopback that is down), so
    /// that a run of the real default profile cannot send a packet anywhere. Needs root and
    /// `unshare`; `None` (skip) otherwise.
    pub fn offline(&self, args: &[&str]) -> Option<Output> {
        if !is_root() {
            skip_note("needs root to create a network namespace");
            return None;
        }
        let mut c = self.via("unshare");
        c.arg("--net")
            .arg(bin())
            .args(args)
            .arg("--plugin-dir")
            .arg(&self.plugins);
        match c.output() {
            Ok(o)
                if o.status.code() == Some(1)
                    && String::from_utf8_lossy(&o.stderr).contains("unshare") =>
            {
                skip_note(&format!(
                    "unshare failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
                None
            }
            Ok(o) => Some(o),
            Err(e) => {
                skip_note(&format!("cannot run unshare: {e}"));
                None
            }
        }
    }

    /// `readycheck ARGS --plugin-dir <this env's plugins>`, to add to before it runs.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = self.cmd();
        c.args(args).arg("--plugin-dir").arg(&self.plugins);
        c
    }

    /// Runs `readycheck ARGS --plugin-dir <this env's plugins>`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run readycheck")
    }
}

/// Whether the tests run as root.
pub fn is_root() -> bool {
    #[cfg(unix)]
    {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .map(|l| l.split_whitespace().nth(1) == Some("0"))
            })
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Says why a test is skipping (see [`record_skip`]); under CI, fails instead.
pub fn skip_note(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("prerequisite missing under CI: {why}");
    }
    record_skip(why);
}

/// Says why a test (or one case of it) did not run: on stderr, and in
/// `target/skipped-tests.txt`, which `./scripts/test` prints at the end so that a skip is never
/// a silent `ok`.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
pub fn record_skip(why: &str) {
    let test = std::thread::current().name().unwrap_or("?").to_string();
    eprintln!("skipping: {why}");
    let list = workspace().join("target/skipped-tests.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(list)
    {
        use std::io::Write as _;
        let _ = writeln!(f, "{test}: {why}");
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The report JSON schema committed in the repository, compiled.
pub fn report_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(workspace().join("schemas/report-v1.schema.json"))
        .expect("schema file");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

/// Asserts that `report` is valid against the committed schema, listing every violation.
pub fn assert_valid_report(report: &serde_json::Value) {
    let v = report_validator();
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match schemas/report-v1.schema.json:\n{}",
        errors.join("\n")
    );
}

/// The JSON report a run printed on stdout, checked against the schema.
pub fn report_of(out: &Output) -> serde_json::Value {
    let r: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\nstdout: {}\nstderr: {}", stdout(out), stderr(out)));
    assert_valid_report(&r);
    r
}

/// The check with `id` in a report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in report"))
}

/// Whether `cmd` is on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cmd`, quietly; true when it succeeded.
pub fn ok(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Windows build (host, shipped plugins, corpus plugin) cross-compiled once with mingw-w64
/// into `target/wine`; `None` with a note when Wine, mingw-w64 or the Rust target is missing.
pub fn windows_build() -> Option<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let r = BUILT.get_or_init(|| {
        for tool in ["wine", "x86_64-w64-mingw32-gcc", "x86_64-w64-mingw32-windres"] {
            if !have(tool) {
                return Err(format!(
                    "{tool} is not installed (apt-get install wine wine64 gcc-mingw-w64-x86-64)"
                ));
            }
        }
        let installed = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output();
        if !installed
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("x86_64-pc-windows-gnu"))
        {
            return Err("the Rust target x86_64-pc-windows-gnu is not installed (rustup target add x86_64-pc-windows-gnu)".into());
        }
        let target_dir = workspace().join("target/wine");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace())
            .args(["build", "--quiet", "--target", "x86_64-pc-windows-gnu"]);
        for p in [
            "readycheck",
            "readycheck-network",
            "readycheck-resources",
            "readycheck-permissions",
            "readycheck-apps",
            "readycheck-posture",
            "readycheck-corpus",
        ] {
            cmd.args(["-p", p]);
        }
        let st = cmd.arg("--target-dir").arg(&target_dir).status().unwrap();
        assert!(st.success(), "cross-building for Windows failed");
        Ok(target_dir.join("x86_64-pc-windows-gnu/debug"))
    });
    match r {
        Ok(p) => Some(p.clone()),
        Err(why) => {
            skip_note(why);
            None
        }
    }
}

/// Builds the bcryptprimitives.dll shim Wine 8 lacks (Rust's std imports ProcessPrng) into `dir`.
pub fn wine_shim(dir: &Path) {
    assert!(ok(Command::new("x86_64-w64-mingw32-gcc")
        .args(["-shared", "-O2", "-o"])
        .arg(dir.join("bcryptprimitives.dll"))
        .arg(workspace().join("tests/wine/bcryptprimitives.c"))
        .arg("-lbcrypt")));
}

/// `readycheck.exe` and `readycheck-plugin-host.exe` from the Windows build in `dir`, these
/// plugins in `dir\plugins`, and the ProcessPrng shim beside the exe; returns `dir`.
pub fn windows_install(built: &Path, dir: &Path, plugins: &[&str]) -> PathBuf {
    std::fs::create_dir_all(dir.join("plugins")).unwrap();
    for exe in ["readycheck.exe", "readycheck-plugin-host.exe"] {
        std::fs::copy(built.join(exe), dir.join(exe)).unwrap();
    }
    for p in plugins {
        let dll = readycheck_sdk::file::file_name_for("windows", p);
        std::fs::copy(built.join(&dll), dir.join("plugins").join(&dll)).unwrap();
    }
    wine_shim(dir);
    dir.to_path_buf()
}

/// A Wine prefix of its own in `prefix`, initialised, with crash dialogs and the debugger off so
/// that a crashing plugin ends as it does on Windows.
pub struct Wine {
    pub prefix: PathBuf,
}

impl Wine {
    /// How long one Wine command may take; the slowest (msiexec, a first run) take under a minute.
    pub const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(240);

    pub fn new(prefix: &Path) -> Wine {
        let w = Wine {
            prefix: prefix.to_path_buf(),
        };
        let _ = w
            .cmd(&["wineboot", "-i"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let aedebug = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug";
        for args in [
            [
                "reg", "add", aedebug, "/v", "Debugger", "/t", "REG_SZ", "/d", "", "/f",
            ],
            [
                "reg", "add", aedebug, "/v", "Auto", "/t", "REG_SZ", "/d", "0", "/f",
            ],
        ] {
            assert!(ok(&mut w.cmd(&args)), "wine {}", args.join(" "));
        }
        w
    }

    /// `wine ARGS` in this prefix, without a display, stopped (with everything it started) after
    /// [`Wine::TIMEOUT`]: a hung Wine then fails the test with exit code 124 instead of stalling
    /// the suite.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("timeout");
        c.args([
            "--kill-after=10",
            &Wine::TIMEOUT.as_secs().to_string(),
            "wine",
        ])
        .args(args)
        .env("WINEPREFIX", &self.prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env_remove("DISPLAY");
        c
    }

    /// Stops this prefix's wineserver and everything it runs; the next `wine` starts afresh.
    /// Right after an install, Wine's RPC service is left in a state in which Task Scheduler
    /// calls fail until the server restarts.
    pub fn restart(&self) {
        let _ = Command::new("wineserver")
            .arg("-k")
            .env("WINEPREFIX", &self.prefix)
            .status();
    }

    /// A Unix path as Wine's Z: drive sees it.
    pub fn path(p: &Path) -> String {
        format!("Z:{}", p.display().to_string().replace('/', "\\"))
    }
}

/// Headless Chromium with a profile of its own, showing local pages: the DOM it built and a
/// phone-sized screenshot.
pub struct Chromium {
    exe: &'static str,
    profile: tempfile::TempDir,
}

impl Chromium {
    /// Chromium if installed; `None` (skip noted) otherwise.
    pub fn find() -> Option<Chromium> {
        let Some(exe) = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .find(|c| have(c))
        else {
            skip_note("Chromium is not installed (apt-get install chromium)");
            return None;
        };
        Some(Chromium {
            exe,
            profile: tempfile::tempdir().expect("chromium profile dir"),
        })
    }

    fn cmd(&self, page: &Path, extra: &[&str]) -> Command {
        let mut c = Command::new(self.exe);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", self.profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()));
        c
    }

    /// The DOM after the page loaded (`--dump-dom`).
    pub fn dom(&self, page: &Path) -> String {
        let out = self
            .cmd(page, &["--dump-dom"])
            .output()
            .expect("run chromium");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A 412×915 screenshot written next to the test binary as NAME, checked to be a real PNG;
    /// its path, to look at.
    pub fn screenshot(&self, page: &Path, name: &str) -> PathBuf {
        let shot = std::env::current_exe()
            .expect("test binary")
            .parent()
            .expect("its directory")
            .join(name);
        let _ = std::fs::remove_file(&shot);
        let st = self
            .cmd(
                page,
                &[
                    &format!("--screenshot={}", shot.display()),
                    "--window-size=412,915",
                ],
            )
            .output()
            .expect("run chromium");
        let png = std::fs::read(&shot).unwrap_or_else(|e| {
            panic!(
                "no screenshot ({e}): {}",
                String::from_utf8_lossy(&st.stderr)
            )
        });
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 10_000,
            "a real screenshot"
        );
        shot
    }
}

/// Reads one HTTP/1.1 request from `conn`: its head, and its body by `Content-Length`. `None`
/// when the connection closes before the request is whole.
pub fn read_http_request(conn: &mut std::net::TcpStream) -> Option<(String, Vec<u8>)> {
    use std::io::Read;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    let (head_end, len) = loop {
        let n = conn.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            break (p + 4, len);
        }
    };
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).unwrap_or(0);
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    Some((head, buf[head_end..].to_vec()))
}

/// The value of header `name` (any case) in a request head, trimmed.
pub fn http_header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (n, value) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

/// A loopback HTTP server that answers every request and records its request line: used as a
/// proxy (requests arrive in absolute form, `GET http://site.invalid/x HTTP/1.1`) or as the site
/// itself (`GET /x HTTP/1.1`). A POST gets `201 Created`, anything else `200 OK` with the body
/// `proxied-ok`; the stand-in server stops with the test process.
pub struct Recorder {
    pub port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Recorder {
    pub fn start() -> Recorder {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("local address").port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            use std::io::Write as _;
            for conn in listener.incoming().flatten() {
                let mut conn = conn;
                let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                let Some((head, _body)) = read_http_request(&mut conn) else {
                    continue;
                };
                let line = head.lines().next().unwrap_or("").to_string();
                let answer: &[u8] = if line.starts_with("POST ") {
                    b"HTTP/1.1 201 Created\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nconnection: close\r\n\r\nproxied-ok"
                };
                log.lock().expect("request log").push(line);
                let _ = conn.write_all(answer);
            }
        });
        Recorder { port, seen }
    }

    /// The request lines received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().expect("request log").clone()
    }
}

/// `chromedriver` on 127.0.0.1 with one headless Chromium session of its own, driven over
/// WebDriver: a viewport of a given size, a page, scripts run in it, screenshots of what is on
/// screen. `None` (skip noted) when Chromium or chromedriver is missing.
pub struct Driver {
    driver: std::process::Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Driver {
    pub fn start() -> Option<Driver> {
        for tool in ["chromium", "chromedriver"] {
            if !have(tool) {
                skip_note(&format!(
                    "{tool} is not installed (apt-get install chromium chromium-driver)"
                ));
                return None;
            }
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("chromium profile dir");
        let mut d = Driver {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: String::new(),
            _profile: profile,
        };
        let t0 = std::time::Instant::now();
        while d.http("GET", "/status", None).is_err() {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let caps = serde_json::json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", d._profile.path().display()),
                ],
            },
        } } });
        let v = d
            .http("POST", "/session", Some(caps))
            .expect("a WebDriver session");
        d.session = v["value"]["sessionId"]
            .as_str()
            .expect("a WebDriver session id")
            .to_string();
        Some(d)
    }

    /// One WebDriver request; its JSON answer, or why there was none.
    fn http(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(60)))
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let resp = match body {
            Some(b) => agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(b.to_string()),
            None if method == "DELETE" => agent.delete(&url).call(),
            None => agent.get(&url).call(),
        };
        let mut resp = resp.map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("WebDriver {method} {path}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
    }

    fn call(&self, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
        let method = if body.is_some() { "POST" } else { "GET" };
        let path = format!("/session/{}{path}", self.session);
        self.http(method, &path, body)
            .unwrap_or_else(|e| panic!("{e}"))["value"]
            .clone()
    }

    /// The viewport as `width`×`height` CSS pixels at scale 1 (`mobile`: as a phone, which
    /// honours the page's `<meta name="viewport">`).
    pub fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.call(
            "/goog/cdp/execute",
            Some(serde_json::json!({
                "cmd": "Emulation.setDeviceMetricsOverride",
                "params": { "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile },
            })),
        );
    }

    /// Loads `url` and waits for it.
    pub fn goto(&self, url: &str) {
        self.call("/url", Some(serde_json::json!({ "url": url })));
    }

    /// Runs `script` (a function body) in the page; what it returns.
    pub fn js(&self, script: &str) -> serde_json::Value {
        self.call(
            "/execute/sync",
            Some(serde_json::json!({ "script": script, "args": [] })),
        )
    }

    /// A PNG of what the viewport shows, kept as `target/test-artefacts/NAME` for people to
    /// look at; its path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine as _;
        let v = self.call("/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("a screenshot"))
            .expect("base64");
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = workspace().join("target/test-artefacts");
        std::fs::create_dir_all(&dir).expect("target/test-artefacts");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.http("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
