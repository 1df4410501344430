//! Signed profiles end to end: the real `readycheck` (a copy with IT's key pinned in `keys/`
//! beside it) refusing a changed byte, another key, an expired or older profile and an unsigned
//! one, running unsigned ones as before without a key; updates served by the real
//! readycheck-server on 127.0.0.1 (none yet, newer, the same, older, signed by another key, a
//! malformed answer, the server down — the last good profile runs, the report says why); and an
//! IT bundle signed and pinned by `cargo xtask bundle --sign-key`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

/// A local profile: one check that passes on any PC.
fn profile(version: &str, title: &str, update: Option<&str>) -> String {
    let update = update
        .map(|u| format!("update = {{ url = \"{u}\", auth_header_env = \"RC_TOKEN\" }}\n"))
        .unwrap_or_default();
    format!(
        "[profile]\nname = \"Trading desk\"\nversion = \"{version}\"\n{update}\n[[check]]\nid = \"memory\"\nplugin = \"resources\"\nkind = \"memory\"\ntitle = \"{title}\"\nmin_total = \"64 MB\"\n"
    )
}

/// An `Env` with a copy of readycheck whose `keys/` pins nothing yet.
struct Pinned {
    env: Env,
    exe: PathBuf,
}

impl Pinned {
    fn new() -> Pinned {
        let env = Env::new();
        let dir = env.dir.path().join("bin");
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        // The program and, as packages ship it, its plugin child.
        for name in ["readycheck", "readycheck-plugin-host"] {
            let from = bin().with_file_name(name);
            if std::fs::hard_link(&from, dir.join(name)).is_err() {
                std::fs::copy(&from, dir.join(name)).unwrap();
            }
        }
        let exe = dir.join("readycheck");
        Pinned { env, exe }
    }

    /// `readycheck ARGS` of the copy (plugins from the env).
    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.env.via(&self.exe);
        c.args(args);
        c
    }

    /// A run of `profile` with the JSON report on stdout.
    fn run(&self, profile: &Path) -> Output {
        self.cmd(&[
            "-p",
            profile.to_str().unwrap(),
            "-f",
            "json",
            "--no-progress",
        ])
        .arg("--plugin-dir")
        .arg(&self.env.plugins)
        .output()
        .unwrap()
    }

    /// Makes a key pair with the real CLI; pins it when `pin`. Returns the secret key's path
    /// and the key id.
    fn key(&self, name: &str, pin: bool) -> (PathBuf, String) {
        let dir = self.env.dir.path().join("it");
        let out = self
            .cmd(&[
                "profile",
                "keygen",
                "--unencrypted",
                "--name",
                name,
                "--dir",
            ])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let id = stdout(&out)
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_end_matches(':')
            .to_string();
        if pin {
            std::fs::copy(
                dir.join(format!("{name}.pub")),
                self.exe
                    .parent()
                    .unwrap()
                    .join("keys")
                    .join(format!("{name}.pub")),
            )
            .unwrap();
        }
        (dir.join(format!("{name}.key")), id)
    }

    /// Writes `text` to `file` and signs it with the real CLI.
    fn signed(&self, file: &str, text: &str, key: &Path, extra: &[&str]) -> PathBuf {
        let p = self.env.profile(file, text);
        let out = self
            .cmd(&[
                "profile",
                "sign",
                p.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        p
    }
}

fn refused_with(out: &Output, words: &str) {
    assert_eq!(out.status.code(), Some(3), "{}{}", stdout(out), stderr(out));
    assert!(stdout(out).is_empty(), "nothing ran: {}", stdout(out));
    assert!(stderr(out).contains(words), "{}", stderr(out));
    assert!(stderr(out).contains("Nothing was run"), "{}", stderr(out));
}

#[test]
fn without_a_pinned_key_profiles_run_as_before_and_the_report_says_unsigned() {
    let t = Pinned::new();
    let p = t
        .env
        .profile("desk.toml", &profile("2026.11.1", "Memory", None));
    let out = t.run(&p);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(r["profile"]["signature"]["status"], "unsigned", "{r:#}");
    assert_eq!(r["profile"]["signature"]["origin"], "file");
    // Signed with a key this PC does not pin: runs, said not checked, with the key named.
    let (key, id) = t.key("it", false);
    let p = t.signed(
        "desk.toml",
        &profile("2026.11.1", "Memory", None),
        &key,
        &[],
    );
    let r = report_of(&t.run(&p));
    assert_eq!(r["profile"]["signature"]["status"], "not_checked", "{r:#}");
    assert_eq!(r["profile"]["signature"]["key_id"], id.as_str());
    let out = t
        .cmd(&["validate", p.to_str().unwrap()])
        .arg("--plugin-dir")
        .arg(&t.env.plugins)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("not checked (no key is pinned"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn with_a_pinned_key_only_unaltered_current_profiles_run() {
    let t = Pinned::new();
    let (key, id) = t.key("it", true);
    let v1 = profile("2026.11.1", "Memory", None);

    // Unsigned with a key pinned: refused, nothing runs, the message names the file and the fix.
    let p = t.env.profile("desk.toml", &v1);
    let out = t.run(&p);
    refused_with(&out, "desk.toml is not signed");
    assert!(
        stderr(&out).contains("readycheck profile sign"),
        "{}",
        stderr(&out)
    );

    // Signed by IT: runs; the report proves the version and the key.
    let p = t.signed("desk.toml", &v1, &key, &["--expires", "2099-12-31"]);
    let out = t
        .cmd(&["validate", p.to_str().unwrap()])
        .arg("--plugin-dir")
        .arg(&t.env.plugins)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "verified with pinned key {id}, version 2026.11.1, valid through 2099-12-31"
        )),
        "{}",
        stdout(&out)
    );
    let out = t.run(&p);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    let sig = &r["profile"]["signature"];
    assert_eq!(sig["status"], "verified", "{r:#}");
    assert_eq!(sig["key_id"], id.as_str());
    assert_eq!(sig["expires"], "2099-12-31");
    assert_eq!(r["profile"]["version"], "2026.11.1");

    // One byte changed (a check's limit): refused; the last good profile runs, and the
    // refusal is in the report and on stderr.
    std::fs::write(&p, v1.replace("64 MB", "65 MB")).unwrap();
    let out = t
        .cmd(&["validate", p.to_str().unwrap()])
        .arg("--plugin-dir")
        .arg(&t.env.plugins)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("changed after it was signed"),
        "{}",
        stderr(&out)
    );
    let out = t.run(&p);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("profile refused"), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(r["profile"]["signature"]["origin"], "cached", "{r:#}");
    assert_eq!(r["profile"]["refused"][0]["problem"], "altered", "{r:#}");
    assert!(
        r["profile"]["refused"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("desk.toml")
    );
    assert_eq!(check(&r, "memory")["status"], "pass", "{r:#}");
    // Without the last good copy (a new PC), the changed profile does not run at all.
    std::fs::remove_dir_all(t.env.data.join("profiles/last-good")).unwrap();
    refused_with(&t.run(&p), "changed after it was signed");

    // Signed by another key.
    let (other, other_id) = t.key("someone", false);
    let p = t.signed("desk.toml", &v1, &other, &[]);
    refused_with(
        &t.run(&p),
        &format!("signed with key {other_id}, which is not pinned"),
    );

    // Expired yesterday (signed with a past --expires).
    let p = t.signed("desk.toml", &v1, &key, &["--expires", "2020-01-31"]);
    refused_with(&t.run(&p), "expired on 2020-01-31");

    // Downgrade: once 2026.11.2 ran, a properly signed 2026.11.1 is refused.
    let v2 = profile("2026.11.2", "Memory", None);
    let p2 = t.signed("desk.toml", &v2, &key, &[]);
    assert_eq!(report_of(&t.run(&p2))["profile"]["version"], "2026.11.2");
    let p1 = t.signed("desk.toml", &v1, &key, &[]);
    let out = t.run(&p1);
    let r = report_of(&out);
    assert_eq!(
        r["profile"]["version"], "2026.11.2",
        "the newer last good one ran"
    );
    assert_eq!(r["profile"]["refused"][0]["problem"], "older", "{r:#}");
    assert!(
        r["profile"]["refused"][0]["message"]
            .as_str()
            .unwrap()
            .contains("older than version 2026.11.2")
    );
    std::fs::remove_dir_all(t.env.data.join("profiles/last-good")).unwrap();
    refused_with(
        &t.run(&p1),
        "version 2026.11.1, older than version 2026.11.2",
    );
}

#[test]
fn a_password_protected_key_signs_only_with_its_password() {
    let t = Pinned::new();
    let dir = t.env.dir.path().join("it");
    let out = t
        .cmd(&["profile", "keygen", "--name", "it", "--dir"])
        .arg(&dir)
        .env("READYCHECK_KEY_PASSWORD", "correct horse battery")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let secret = std::fs::read_to_string(dir.join("it.key")).unwrap();
    assert!(!secret.is_empty());
    // Again: a key is never overwritten.
    let again = t
        .cmd(&[
            "profile",
            "keygen",
            "--unencrypted",
            "--name",
            "it",
            "--dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(3));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    let p = t
        .env
        .profile("desk.toml", &profile("2026.11.1", "Memory", None));
    let sign = |pw: Option<&str>| {
        let mut c = t.cmd(&["profile", "sign", p.to_str().unwrap(), "--key"]);
        c.arg(dir.join("it.key")).stdin(Stdio::null());
        match pw {
            Some(pw) => c.env("READYCHECK_KEY_PASSWORD", pw),
            None => c.env_remove("READYCHECK_KEY_PASSWORD"),
        };
        c.output().unwrap()
    };
    let out = sign(None);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("password"), "{}", stderr(&out));
    let out = sign(Some("wrong"));
    assert_eq!(out.status.code(), Some(3));
    let out = sign(Some("correct horse battery"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("version 2026.11.1 signed with key"),
        "{}",
        stdout(&out)
    );
}

/// A running readycheck-server on 127.0.0.1.
struct Server {
    child: Child,
    url: String,
    data: PathBuf,
}

impl Server {
    fn start(data: &Path) -> Server {
        let mut child = Command::new(target_dir().join("readycheck-server"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .env_remove("READYCHECK_SERVER_CONFIG")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start readycheck-server");
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening")
                    && let Some(a) = line.split("address=").nth(1)
                {
                    let _ = tx.send(a.split_whitespace().next().unwrap_or("").to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!("readycheck-server did not start");
            });
        Server {
            child,
            url: format!("http://{addr}"),
            data: data.to_path_buf(),
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(target_dir().join("readycheck-server"))
            .args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .env_remove("READYCHECK_SERVER_CONFIG")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    fn upload(&self, file: &Path, site: &str) {
        let mut args = vec![
            "profile",
            "upload",
            "--role",
            "trading-desk",
            file.to_str().unwrap(),
        ];
        if !site.is_empty() {
            args.extend(["--site", site]);
        }
        self.cli(&args);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The report's `profile.update`.
fn update(r: &serde_json::Value) -> &serde_json::Value {
    &r["profile"]["update"]
}

#[test]
fn updates_from_the_real_server_are_verified_kept_and_never_stop_a_run() {
    let t = Pinned::new();
    let (key, id) = t.key("it", true);
    let server = Server::start(&t.env.dir.path().join("srv"));
    let token = server.cli(&["token", "create", "--site", "深圳", "--label", "desk"]);
    let source = format!("{}/api/v1/profiles/trading-desk", server.url);
    let run = |p: &Path| {
        let mut c = t.cmd(&["-p", p.to_str().unwrap(), "-f", "json", "--no-progress"]);
        c.arg("--plugin-dir")
            .arg(&t.env.plugins)
            .env("RC_TOKEN", format!("Bearer {}", token.trim()));
        let started = Instant::now();
        let out = c.output().unwrap();
        (out, started.elapsed())
    };
    let local = t.signed(
        "desk.toml",
        &profile("2026.11.1", "Memory", Some(&source)),
        &key,
        &[],
    );

    // Fresh: the server has nothing for the role yet; the local profile runs.
    let (out, _) = run(&local);
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "none_stored", "{r:#}");
    assert_eq!(r["profile"]["version"], "2026.11.1");
    assert_eq!(r["profile"]["signature"]["origin"], "file");

    // IT changes the check on the server: the next run uses it, verified, and says so.
    let srv = t.env.dir.path().join("srv-files");
    std::fs::create_dir_all(&srv).unwrap();
    let sign_into = |name: &str, text: &str, key: &Path| {
        let p = t.signed(name, text, key, &[]);
        std::fs::rename(&p, srv.join(name)).unwrap();
        std::fs::rename(
            format!("{}.minisig", p.display()),
            srv.join(format!("{name}.minisig")),
        )
        .unwrap();
        srv.join(name)
    };
    let v2 = sign_into(
        "v2.toml",
        &profile("2026.11.2", "Memory (new limit)", Some(&source)),
        &key,
    );
    server.upload(&v2, "");
    let (out, _) = run(&local);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "used", "{r:#}");
    assert_eq!(update(&r)["version"], "2026.11.2");
    assert_eq!(update(&r)["url"], source.as_str());
    assert_eq!(r["profile"]["version"], "2026.11.2");
    assert_eq!(r["profile"]["signature"]["origin"], "update");
    assert_eq!(r["profile"]["signature"]["key_id"], id.as_str());
    assert_eq!(check(&r, "memory")["title"], "Memory (new limit)");

    // Next run: the kept copy is as new as the server's.
    let r = report_of(&run(&local).0);
    assert_eq!(update(&r)["outcome"], "current", "{r:#}");
    assert_eq!(r["profile"]["version"], "2026.11.2");
    assert_eq!(r["profile"]["signature"]["origin"], "cached");

    // The server offers an older version (stored for this site): not used.
    let old = sign_into(
        "old.toml",
        &profile("2026.10.9", "Memory (old)", Some(&source)),
        &key,
    );
    server.upload(&old, "深圳");
    let r = report_of(&run(&local).0);
    assert_eq!(update(&r)["outcome"], "older", "{r:#}");
    assert_eq!(update(&r)["version"], "2026.10.9");
    assert_eq!(r["profile"]["version"], "2026.11.2");

    // A newer one signed by a key this PC does not pin (the server keeps no key): refused.
    let (other, _) = t.key("intruder", false);
    let forged = sign_into(
        "forged.toml",
        &profile("2026.12.1", "Memory (forged)", Some(&source)),
        &other,
    );
    server.upload(&forged, "深圳");
    let r = report_of(&run(&local).0);
    assert_eq!(update(&r)["outcome"], "refused", "{r:#}");
    assert!(
        update(&r)["reason"]
            .as_str()
            .unwrap()
            .contains("not pinned"),
        "{r:#}"
    );
    assert_eq!(r["profile"]["version"], "2026.11.2");
    assert_eq!(check(&r, "memory")["title"], "Memory (new limit)");

    // The server down: the last good profile runs at once, and the report says why.
    drop(server);
    let (out, took) = run(&local);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "unreachable", "{r:#}");
    assert_eq!(r["profile"]["version"], "2026.11.2");
    assert_eq!(r["profile"]["signature"]["origin"], "cached");
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_malformed_or_slow_update_answer_never_stops_a_run() {
    let t = Pinned::new();
    let (key, _) = t.key("it", true);
    // A loopback stand-in that answers 200 with a body that is not a signed profile, then one
    // that never answers (the 3 s limit).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let stub = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().unwrap();
        let _ = read_http_request(&mut c);
        let body = "{\"profile\": 42}";
        let _ = write!(
            c,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        drop(c);
        let (mut c, _) = listener.accept().unwrap();
        let _ = read_http_request(&mut c);
        // Never answers: waits until the client gives up and closes the connection.
        c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let _ = std::io::Read::read(&mut c, &mut [0u8; 1]);
        drop(c);
    });
    let source = format!("http://127.0.0.1:{port}/api/v1/profiles/trading-desk");
    let p = t.signed(
        "desk.toml",
        &profile("2026.11.1", "Memory", Some(&source)),
        &key,
        &[],
    );
    let run = || {
        let started = Instant::now();
        let out = t
            .cmd(&["-p", p.to_str().unwrap(), "-f", "json", "--no-progress"])
            .arg("--plugin-dir")
            .arg(&t.env.plugins)
            .env("RC_TOKEN", "Bearer x")
            .output()
            .unwrap();
        (out, started.elapsed())
    };
    let (out, _) = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "failed", "{r:#}");
    assert!(
        update(&r)["reason"]
            .as_str()
            .unwrap()
            .contains("not a signed profile"),
        "{r:#}"
    );
    let (out, took) = run();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "unreachable", "{r:#}");
    assert!(
        took >= Duration::from_millis(2900) && took < Duration::from_secs(10),
        "{took:?}"
    );
    stub.join().unwrap();
    // The token's variable unset: said, and the run goes on.
    let out = t
        .cmd(&["-p", p.to_str().unwrap(), "-f", "json", "--no-progress"])
        .arg("--plugin-dir")
        .arg(&t.env.plugins)
        .env_remove("RC_TOKEN")
        .output()
        .unwrap();
    let r = report_of(&out);
    assert_eq!(update(&r)["outcome"], "failed", "{r:#}");
    assert!(
        update(&r)["reason"].as_str().unwrap().contains("RC_TOKEN"),
        "{r:#}"
    );
}

#[test]
fn xtask_bundle_signs_its_profile_and_pins_the_key() {
    let t = Pinned::new();
    let (key, id) = t.key("it", false);
    let corp = t
        .env
        .profile("corp.toml", &profile("2026.11.1", "Memory", None));
    let out_dir = t.env.dir.path().join("out");
    // Stripped copies of the build, as packages ship it (small and quick to pack).
    let from = t.env.dir.path().join("build");
    std::fs::create_dir_all(&from).unwrap();
    let mut files = vec![
        "readycheck".to_string(),
        "readycheck-plugin-host".to_string(),
    ];
    files.extend(
        ["network", "resources", "permissions", "apps", "posture"]
            .iter()
            .map(|p| lib_name(p)),
    );
    for f in &files {
        let ok = Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(from.join(f))
            .arg(target_dir().join(f))
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            std::fs::copy(target_dir().join(f), from.join(f)).unwrap();
        }
    }
    let out = Command::new(target_dir().join("xtask"))
        .current_dir(workspace())
        .args(["bundle", "--os", "linux", "--profile"])
        .arg(&corp)
        .arg("--sign-key")
        .arg(&key)
        .args(["--expires", "2099-01-31", "--from"])
        .arg(&from)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let tgz = std::fs::read_dir(&out_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("a bundle");
    let unpack = t.env.dir.path().join("unpacked");
    std::fs::create_dir_all(&unpack).unwrap();
    assert!(
        Command::new("tar")
            .arg("xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&unpack)
            .status()
            .unwrap()
            .success()
    );
    let dir = std::fs::read_dir(&unpack)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    assert!(dir.join("readycheck.toml.minisig").is_file());
    assert!(dir.join("keys").join(format!("{id}.pub")).is_file());
    let run = || {
        Command::new(dir.join("readycheck"))
            .args(["-f", "json", "--no-progress"])
            .env("READYCHECK_DATA_DIR", t.env.dir.path().join("bundle-data"))
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env_remove("READYCHECK_PROFILE")
            .current_dir(t.env.dir.path())
            .output()
            .unwrap()
    };
    // The bundle runs its profile (with the plugins' pins added, then signed), verified.
    let out = run();
    let r = report_of(&out);
    assert_eq!(r["profile"]["signature"]["status"], "verified", "{r:#}");
    assert_eq!(r["profile"]["signature"]["key_id"], id.as_str());
    assert_eq!(r["profile"]["signature"]["expires"], "2099-01-31");
    assert_eq!(check(&r, "memory")["status"], "pass", "{r:#}");
    // Someone edits the bundle's profile: refused; the copy the first run kept runs, and the
    // refusal is reported. On a PC without that copy, nothing runs.
    let shipped = dir.join("readycheck.toml");
    let text = std::fs::read_to_string(&shipped).unwrap();
    std::fs::write(&shipped, text.replace("64 MB", "1 MB")).unwrap();
    let r = report_of(&run());
    assert_eq!(r["profile"]["refused"][0]["problem"], "altered", "{r:#}");
    assert_eq!(r["profile"]["signature"]["origin"], "cached");
    std::fs::remove_dir_all(t.env.dir.path().join("bundle-data")).unwrap();
    let out = run();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed after it was signed"),
        "{}",
        stderr(&out)
    );
}
