//! `permissions/path`: a file or folder (local, a mounted share, a UNC path on Windows) exists and
//! can be read, listed or written as the job needs. Writing is proven by creating, writing and
//! removing a uniquely named file — `access()` lies on read-only mounts, full disks and ACLs —
//! and nothing is left behind, even when the write fails half-way.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `permissions/path`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathParams {
    /// The file or folder, e.g. "/mnt/share/trading" or "\\\\fileserver\\trading".
    pub path: String,
    /// Must be able to read it (a file's first bytes; a folder's entries).
    #[serde(default)]
    pub readable: bool,
    /// Must be able to list the folder's entries.
    #[serde(default)]
    pub listable: bool,
    /// Must be able to write: for a folder, a new file is created and removed; for a file, it is
    /// opened for appending (nothing is written to it).
    #[serde(default)]
    pub writable: bool,
    /// What it must be: "file" or "directory" (default: either).
    #[serde(default)]
    pub expect: Option<Expect>,
}

/// What a path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    File,
    Directory,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<PathParams>(
        "path",
        "A file or folder can be read, listed or written",
        "Checks that a path exists and that this user can read, list or write it — really, by \
         doing it: writing creates and removes a uniquely named file. Tells apart a missing path \
         (share not connected, VPN down), denied permissions, a read-only share and a full disk.",
        "[[check]]\nid = \"share\"\nplugin = \"permissions\"\nkind = \"path\"\ntitle = \"Trading share is writable\"\npath = \"/mnt/share/trading\"\nwritable = true\nneeds = [\"vpn\"]\nfix = \"Ask IT to map the trading share read-write for you.\"\n",
    )
}

/// What was being done to a path when an I/O call failed.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    Open,
    List,
    Read,
    Write,
}

impl Action {
    fn msg(self) -> Msg {
        match self {
            Action::Open => t!("path.action.open"),
            Action::List => t!("path.action.list"),
            Action::Read => t!("path.action.read"),
            Action::Write => t!("path.action.write"),
        }
    }
}

/// Plain words for an I/O failure on `path`, with what to do: the result code's last part and
/// the message.
pub fn explain(e: &std::io::Error, path: &Path, action: Action) -> (&'static str, Msg) {
    let p = path.display().to_string();
    let a = action.msg();
    #[cfg(unix)]
    {
        let raw = e.raw_os_error();
        if raw == Some(libc::EROFS) {
            return ("read_only", t!("path.read_only", action = a, path = p));
        }
        if raw == Some(libc::ENOSPC) || raw == Some(libc::EDQUOT) {
            return ("full", t!("path.full_or_quota", action = a, path = p));
        }
    }
    #[cfg(windows)]
    {
        match e.raw_os_error() {
            Some(19) => {
                return (
                    "read_only",
                    t!("path.write_protected", action = a, path = p),
                );
            }
            Some(39) | Some(112) => {
                return ("full", t!("path.disk_full", action = a, path = p));
            }
            Some(53) | Some(67) => {
                return ("missing", t!("path.network_path", path = p));
            }
            _ => {}
        }
    }
    match e.kind() {
        ErrorKind::NotFound => ("missing", t!("path.missing", path = p)),
        ErrorKind::PermissionDenied => ("denied", t!("path.denied", action = a, path = p)),
        ErrorKind::ReadOnlyFilesystem => ("read_only", t!("path.read_only", action = a, path = p)),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            ("full", t!("path.no_space", action = a, path = p))
        }
        _ => (
            "failed",
            t!("path.failed", action = a, path = p, error = e.to_string()),
        ),
    }
}

/// A probe file name nobody else will use.
fn probe_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(".readycheck-write-test-{}-{nanos:08x}", std::process::id())
}

/// Creates, writes, syncs and removes a file in `dir`. The file is removed whatever happens.
pub fn prove_writable(dir: &Path) -> Result<PathBuf, std::io::Error> {
    let probe = dir.join(probe_name());
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)?;
    let written = f
        .write_all(b"readycheck write test\n")
        .and_then(|()| f.sync_all());
    drop(f);
    let removed = std::fs::remove_file(&probe);
    written?;
    removed?;
    Ok(probe)
}

pub fn run(p: &PathParams) -> CheckResult {
    let path = PathBuf::from(&p.path);
    let mut evidence = Vec::new();
    let fail = |code: &str, summary: Msg, evidence: Vec<String>| {
        let mut r = CheckResult::fail(format!("permissions.path.{code}"), summary);
        r.evidence = evidence;
        r
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            evidence.push(format!("stat {}: {e}", path.display()));
            let (code, msg) = explain(&e, &path, Action::Open);
            return fail(code, msg, evidence);
        }
    };
    let is_dir = meta.is_dir();
    evidence.push(format!(
        "{} is a {}",
        path.display(),
        if is_dir { "folder" } else { "file" }
    ));
    match p.expect {
        Some(Expect::File) if is_dir => {
            return fail(
                "wrong_type",
                t!("path.folder_not_file", path = path.display().to_string()),
                evidence,
            );
        }
        Some(Expect::Directory) if !is_dir => {
            return fail(
                "wrong_type",
                t!("path.file_not_folder", path = path.display().to_string()),
                evidence,
            );
        }
        _ => {}
    }
    let mut done = Vec::new();
    if p.listable || (p.readable && is_dir) {
        if !is_dir {
            return fail(
                "wrong_type",
                t!("path.file_not_listable", path = path.display().to_string()),
                evidence,
            );
        }
        match std::fs::read_dir(&path) {
            Ok(entries) => {
                let n = entries.take(10_000).count();
                evidence.push(format!("listed {}: {n} entries", path.display()));
                done.push(t!("path.done.listed"));
            }
            Err(e) => {
                evidence.push(format!("list {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, Action::List);
                return fail(code, msg, evidence);
            }
        }
    }
    if p.readable && !is_dir {
        match File::open(&path).and_then(|mut f| {
            let mut buf = [0u8; 512];
            f.read(&mut buf)
        }) {
            Ok(n) => {
                evidence.push(format!("read {n} bytes from {}", path.display()));
                done.push(t!("path.done.read"));
            }
            Err(e) => {
                evidence.push(format!("read {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, Action::Read);
                return fail(code, msg, evidence);
            }
        }
    }
    if p.writable {
        let result = if is_dir {
            prove_writable(&path)
                .map(|probe| format!("created, wrote and removed {}", probe.display()))
        } else {
            OpenOptions::new()
                .append(true)
                .open(&path)
                .map(|_| format!("opened {} for writing (nothing written)", path.display()))
        };
        match result {
            Ok(ev) => {
                evidence.push(ev);
                done.push(t!("path.done.written"));
            }
            Err(e) => {
                evidence.push(format!("write test in {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, Action::Write);
                return fail(code, msg, evidence);
            }
        }
    }
    let shown = path.display().to_string();
    let mut done = done.into_iter();
    let summary = match (done.next(), done.next(), done.next()) {
        (None, ..) => t!("path.exists", path = shown),
        (Some(a), None, _) => t!("path.can_1", path = shown, a = a),
        (Some(a), Some(b), None) => t!("path.can_2", path = shown, a = a, b = b),
        (Some(a), Some(b), Some(c)) => t!("path.can_3", path = shown, a = a, b = b, c = c),
    };
    let mut r = CheckResult::pass("permissions.path.ok", summary);
    r.evidence = evidence;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    #[test]
    fn a_writable_folder_passes_and_nothing_is_left_behind() {
        let d = tempfile::tempdir().unwrap();
        let r = run(&PathParams {
            path: d.path().display().to_string(),
            writable: true,
            listable: true,
            ..Default::default()
        });
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            0,
            "the probe file was removed"
        );
    }

    #[test]
    fn missing_paths_and_wrong_types_fail_with_a_reason() {
        let d = tempfile::tempdir().unwrap();
        let r = run(&PathParams {
            path: d.path().join("nope").display().to_string(),
            ..Default::default()
        });
        assert_eq!(r.code, "permissions.path.missing");
        assert!(
            r.en_summary().contains("is the share connected"),
            "{}",
            r.en_summary()
        );
        let f = d.path().join("file.txt");
        std::fs::write(&f, "x").unwrap();
        let r = run(&PathParams {
            path: f.display().to_string(),
            expect: Some(Expect::Directory),
            ..Default::default()
        });
        assert_eq!(r.code, "permissions.path.wrong_type");
        let r = run(&PathParams {
            path: f.display().to_string(),
            readable: true,
            writable: true,
            ..Default::default()
        });
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            "x",
            "a file's write test changes nothing"
        );
    }
}
