//! The running processes, with the names a person means. Linux's `comm` is cut at 15 characters
//! (`forticlient-scheduler` shows as `forticlient-sch`), so a process is known by every name it
//! has: the short name, the executable's file name, `argv[0]`'s file name and, for scripts run
//! by an interpreter (`python3 /usr/sbin/firewalld`), the script's. Other users' processes are
//! listed too: their command lines are readable by everyone, although their executable link is
//! not. Paths are compared after following symlinks. Shared by `apps/running` and
//! `posture/antivirus`'s agent check.

use std::path::{Path, PathBuf};

/// One running process.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    /// Every name it is known by, lower-cased, without `.exe`.
    pub names: Vec<String>,
    /// Its executable (links followed), when the OS tells this user.
    pub exe: Option<PathBuf>,
    /// `argv[0]` and, for interpreters, the script, as absolute paths with links followed.
    pub paths: Vec<PathBuf>,
}

/// Lower case, without `.exe`.
pub fn base(name: &str) -> String {
    let n = name.to_lowercase();
    n.strip_suffix(".exe").map(str::to_string).unwrap_or(n)
}

fn file_name(p: &str) -> Option<String> {
    Path::new(p)
        .file_name()
        .map(|f| base(&f.to_string_lossy()))
        .filter(|f| !f.is_empty())
}

fn is_interpreter(name: &str) -> bool {
    let n = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    matches!(
        n,
        "python" | "perl" | "ruby" | "node" | "sh" | "bash" | "dash" | "java" | "php" | "mono"
    )
}

fn resolved(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Builds a [`Proc`] from what the OS gave.
pub fn describe(pid: u32, short: &str, exe: Option<&Path>, argv: &[String]) -> Proc {
    let mut names = vec![base(short)];
    let mut paths = Vec::new();
    if let Some(e) = exe {
        let shown = e.to_string_lossy();
        let clean = shown.trim_end_matches(" (deleted)");
        names.extend(file_name(clean));
    }
    let mut args = argv.iter().filter(|a| !a.is_empty());
    if let Some(a0) = args.next() {
        // argv[0] may carry arguments when a process rewrote its title ("sshd: alice [priv]").
        let a0 = a0.split_whitespace().next().unwrap_or(a0);
        let a0 = a0.trim_end_matches(':');
        names.extend(file_name(a0));
        if Path::new(a0).is_absolute() {
            paths.push(resolved(Path::new(a0)));
        }
        if file_name(a0).is_some_and(|n| is_interpreter(&n))
            && let Some(script) = args.find(|a| !a.starts_with('-'))
        {
            names.extend(file_name(script));
            if Path::new(script).is_absolute() {
                paths.push(resolved(Path::new(script)));
            }
        }
    }
    names.sort();
    names.dedup();
    Proc {
        pid,
        names,
        exe: exe.map(|e| {
            let s = e.to_string_lossy();
            PathBuf::from(s.trim_end_matches(" (deleted)"))
        }),
        paths,
    }
}

impl Proc {
    /// Whether this process is `name` (case-insensitive, `.exe` optional). A 15-character Linux
    /// short name only counts as a prefix when nothing longer is known.
    pub fn is_named(&self, name: &str) -> bool {
        let want = base(name);
        if self.names.contains(&want) {
            return true;
        }
        cfg!(target_os = "linux")
            && self.names.len() == 1
            && self.names[0].chars().count() == 15
            && want.starts_with(&self.names[0])
    }

    /// Whether this process runs the program at `path` (links followed on both sides).
    pub fn runs(&self, path: &Path) -> bool {
        let want = resolved(path);
        self.exe.as_deref().is_some_and(|e| resolved(e) == want) || self.paths.contains(&want)
    }
}

/// Every process this user can see.
pub fn list() -> Result<Vec<Proc>, String> {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, UpdateKind};
    let mut sys = sysinfo::System::new().map_err(|e| e.to_string())?;
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::Always)
            .with_cmd(UpdateKind::Always),
    );
    let mut out: Vec<Proc> = sys
        .processes()
        .values()
        // Threads are listed as processes on Linux; only the process itself counts.
        .filter(|p| p.thread_kind().is_none())
        .map(|p| {
            let argv: Vec<String> = p
                .cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            describe(
                p.pid().as_u32(),
                &p.name().to_string_lossy(),
                p.exe(),
                &argv,
            )
        })
        .collect();
    out.sort_by_key(|p| p.pid);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_comm_exe_argv_and_scripts() {
        let p = describe(
            10,
            "forticlient-sch",
            None,
            &["/opt/forticlient/forticlient-scheduler".into()],
        );
        assert!(p.is_named("forticlient-scheduler"));
        assert!(!p.is_named("forticlient-sch-other"));
        let fw = describe(
            11,
            "firewalld",
            None,
            &[
                "/usr/bin/python3".into(),
                "-s".into(),
                "/usr/sbin/firewalld".into(),
            ],
        );
        assert!(fw.is_named("firewalld") && fw.is_named("python3"));
        let win = describe(12, "FortiTray.exe", None, &[]);
        assert!(win.is_named("fortitray") && win.is_named("FortiTray.exe"));
        if cfg!(target_os = "linux") {
            // Only the truncated name is known (a kernel thread, say): a prefix match.
            let k = describe(13, "falcon-sensor-b", None, &[]);
            assert!(k.is_named("falcon-sensor-bpf"));
        }
    }
}
