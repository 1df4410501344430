//! Ground truth: each plugin's answers on this machine compared with what the system's own tools
//! say (dpkg, ps, a real connection through nftables in network namespaces, gsettings, sudo,
//! curl through a proxy, dd on a full file system, /proc, distro-info). Every case runs the real
//! `readycheck` binary and plugin; a case that needs root or a missing tool is skipped with the
//! reason. `cargo build --workspace && target/debug/ground-truth` prints "N of M cases agree with
//! the ground truth" per plugin; the e2e tests assert that every case that ran agrees.

pub mod apps;
pub mod permissions;
pub mod posture;
pub mod resources;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// One comparison.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub verdict: Verdict,
}

/// How a comparison came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Agree,
    /// The plugin said something else than the oracle: (what each said).
    Disagree(String),
    /// Not run here: (why).
    Skipped(String),
}

impl Case {
    pub fn new(name: impl Into<String>, agree: bool, detail: impl Into<String>) -> Case {
        Case {
            name: name.into(),
            verdict: if agree {
                Verdict::Agree
            } else {
                Verdict::Disagree(detail.into())
            },
        }
    }

    pub fn skipped(name: impl Into<String>, why: impl Into<String>) -> Case {
        Case {
            name: name.into(),
            verdict: Verdict::Skipped(why.into()),
        }
    }
}

/// The line the score command prints for a plugin.
pub fn score_line(plugin: &str, cases: &[Case]) -> String {
    let ran: Vec<&Case> = cases
        .iter()
        .filter(|c| !matches!(c.verdict, Verdict::Skipped(_)))
        .collect();
    let agree = ran.iter().filter(|c| c.verdict == Verdict::Agree).count();
    let skipped = cases.len() - ran.len();
    let mut line = format!(
        "{plugin}: {agree} of {} cases agree with the ground truth",
        ran.len()
    );
    if skipped > 0 {
        line.push_str(&format!(" ({skipped} skipped)"));
    }
    line
}

/// Every plugin's cases, in order.
pub fn all() -> Vec<(&'static str, Vec<Case>)> {
    vec![
        ("apps", apps::cases()),
        ("posture", posture::cases()),
        ("permissions", permissions::cases()),
        ("resources", resources::cases()),
    ]
}

/// `target/<profile>` of this build, from the running executable (a test in `deps/` or a bin).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe path");
    let dir = exe.parent().expect("exe dir").to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().expect("target dir").to_path_buf()
    } else {
        dir
    }
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Whether `cmd` is on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd} >/dev/null 2>&1")])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a shell script; its output.
pub fn sh(script: &str) -> Output {
    Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .output()
        .expect("run sh")
}

/// stdout of a shell script, trimmed.
pub fn sh_out(script: &str) -> String {
    String::from_utf8_lossy(&sh(script).stdout)
        .trim()
        .to_string()
}

/// A private copy of the `readycheck` binary and the plugins, in a directory anyone may read
/// (so that it also runs as another user), with profiles written there.
pub struct Rig {
    pub dir: tempfile::TempDir,
    pub bin: PathBuf,
    pub plugins: PathBuf,
}

/// rwxr-xr-x on a directory.
pub fn chmod_dir(p: &Path) {
    chmod(p, 0o755);
}

/// rwxr-xr-x on a program.
pub fn chmod_exec(p: &Path) {
    chmod(p, 0o755);
}

fn chmod(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode));
}

impl Rig {
    pub fn new() -> Rig {
        let target = target_dir();
        let dir = tempfile::Builder::new()
            .prefix("readycheck-gt-")
            .tempdir()
            .expect("tempdir");
        chmod(dir.path(), 0o755);
        let plugins = dir.path().join("plugins");
        std::fs::create_dir(&plugins).expect("mkdir");
        chmod(&plugins, 0o755);
        let bin = dir.path().join("readycheck");
        // The host and, beside it as every package ships it, the child program.
        for name in ["readycheck", "readycheck-plugin-host"] {
            std::fs::copy(target.join(name), dir.path().join(name)).unwrap_or_else(|e| {
                panic!(
                    "{}: {e} — build first: cargo build --workspace",
                    target.join(name).display()
                )
            });
        }
        chmod(&bin, 0o755);
        for p in ["apps", "posture", "permissions", "resources"] {
            let name = readycheck_sdk::file::file_name(p);
            let to = plugins.join(&name);
            std::fs::copy(target.join(&name), &to)
                .unwrap_or_else(|e| panic!("{name}: {e} — build first: cargo build --workspace"));
            chmod(&to, 0o755);
        }
        Rig { dir, bin, plugins }
    }

    /// A profile with one check per (id, plugin, kind, parameters as TOML lines).
    pub fn profile(&self, checks: &[(&str, &str, &str, String)]) -> PathBuf {
        let mut text = String::from(
            "[profile]\nname = \"ground truth\"\ntimeout = \"20s\"\ndeadline = \"120s\"\n",
        );
        for (id, plugin, kind, params) in checks {
            text.push_str(&format!(
                "\n[[check]]\nid = \"{id}\"\nplugin = \"{plugin}\"\nkind = \"{kind}\"\ntitle = \"{id}\"\n{params}\n"
            ));
        }
        let path = self.dir.path().join(format!("p{}.toml", rand_suffix()));
        std::fs::write(&path, text).expect("write profile");
        chmod(&path, 0o644);
        path
    }

    /// The arguments of a JSON run of `profile`.
    pub fn args(&self, profile: &Path) -> Vec<String> {
        vec![
            self.bin.display().to_string(),
            "-p".into(),
            profile.display().to_string(),
            "-f".into(),
            "json".into(),
            "--no-save".into(),
            "--no-progress".into(),
            "--plugin-dir".into(),
            self.plugins.display().to_string(),
        ]
    }

    /// Runs the checks, through `wrapper` (e.g. `ip netns exec NS`, `setpriv …`) with extra
    /// environment; the report's checks by id.
    pub fn run(
        &self,
        checks: &[(&str, &str, &str, String)],
        wrapper: &[&str],
        env: &[(&str, &str)],
    ) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        let profile = self.profile(checks);
        let mut argv: Vec<String> = wrapper.iter().map(|s| s.to_string()).collect();
        argv.extend(self.args(&profile));
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..])
            .env("READYCHECK_DATA_DIR", self.dir.path().join("data"))
            .env("NO_COLOR", "1")
            .env("READYCHECK_LANG", "en")
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env_remove("READYCHECK_PROFILE")
            .current_dir("/")
            .stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let out = c.output().map_err(|e| format!("{}: {e}", argv[0]))?;
        parse_report(&out)
    }

    /// One check.
    pub fn one(
        &self,
        plugin: &str,
        kind: &str,
        params: String,
        wrapper: &[&str],
        env: &[(&str, &str)],
    ) -> Result<serde_json::Value, String> {
        let mut m = self.run(&[("c", plugin, kind, params)], wrapper, env)?;
        m.remove("c")
            .ok_or_else(|| "no check c in the report".into())
    }
}

impl Default for Rig {
    fn default() -> Self {
        Rig::new()
    }
}

/// The checks of a JSON report printed on stdout, by id.
pub fn parse_report(out: &Output) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find('{').ok_or_else(|| {
        format!(
            "no report; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let v: serde_json::Value = serde_json::from_str(&text[start..]).map_err(|e| {
        format!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok(v["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| Some((c["id"].as_str()?.to_string(), c.clone())))
        .collect())
}

/// A check's code, summary and evidence, for a disagreement's detail.
pub fn said(c: &serde_json::Value) -> String {
    format!(
        "{} — {} [{}]",
        c["code"].as_str().unwrap_or("?"),
        c["summary"].as_str().unwrap_or(""),
        c["evidence"]
            .as_array()
            .map(|e| e
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(" | "))
            .unwrap_or_default()
    )
}

pub fn code(c: &serde_json::Value) -> &str {
    c["code"].as_str().unwrap_or("")
}

pub fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A TOML string literal.
pub fn q(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
