//! `permissions/path`: a file or folder (local, a mounted share, a UNC path on Windows) exists and
//! can be read, listed or written as the job needs. Writing is proven by creating, writing and
//! removing a uniquely named file — `access()` lies on read-only mounts, full disks and ACLs —
//! and nothing is left behind, even when the write fails half-way.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use readycheck_sdk::{CheckResult, KindManifest};
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

/// Plain words for an I/O failure on `path`, with what to do.
pub fn explain(e: &std::io::Error, path: &Path, action: &str) -> (&'static str, String) {
    let p = path.display();
    #[cfg(unix)]
    let raw = e.raw_os_error();
    #[cfg(unix)]
    {
        if raw == Some(libc::EROFS) {
            return (
                "read_only",
                format!(
                    "cannot {action} {p}: read-only file system — ask IT to map the share read-write"
                ),
            );
        }
        if raw == Some(libc::ENOSPC) || raw == Some(libc::EDQUOT) {
            return (
                "full",
                format!(
                    "cannot {action} {p}: no space left (disk or quota full) — free space or ask IT to raise the quota"
                ),
            );
        }
    }
    #[cfg(windows)]
    {
        match e.raw_os_error() {
            Some(19) => {
                return (
                    "read_only",
                    format!(
                        "cannot {action} {p}: the drive is write-protected — ask IT to map the share read-write"
                    ),
                );
            }
            Some(39) | Some(112) => {
                return (
                    "full",
                    format!(
                        "cannot {action} {p}: the disk is full — free space or ask IT to raise the quota"
                    ),
                );
            }
            Some(53) | Some(67) => {
                return (
                    "missing",
                    format!(
                        "cannot reach {p}: the network path was not found — is the VPN connected?"
                    ),
                );
            }
            _ => {}
        }
    }
    match e.kind() {
        ErrorKind::NotFound => (
            "missing",
            format!(
                "{p} does not exist — is the share connected and the VPN up? Check the path with IT"
            ),
        ),
        ErrorKind::PermissionDenied => (
            "denied",
            format!("cannot {action} {p}: permission denied — ask IT to give your account access"),
        ),
        ErrorKind::ReadOnlyFilesystem => (
            "read_only",
            format!(
                "cannot {action} {p}: read-only file system — ask IT to map the share read-write"
            ),
        ),
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => (
            "full",
            format!("cannot {action} {p}: no space left — free space or ask IT to raise the quota"),
        ),
        _ => ("failed", format!("cannot {action} {p}: {e}")),
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
    let fail = |code: &str, summary: String, evidence: Vec<String>| {
        let mut r = CheckResult::fail(format!("permissions.path.{code}"), summary);
        r.evidence = evidence;
        r
    };
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) => {
            evidence.push(format!("stat {}: {e}", path.display()));
            let (code, msg) = explain(&e, &path, "open");
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
                format!("{} is a folder, but a file is expected", path.display()),
                evidence,
            );
        }
        Some(Expect::Directory) if !is_dir => {
            return fail(
                "wrong_type",
                format!("{} is a file, but a folder is expected", path.display()),
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
                format!("{} is a file and cannot be listed", path.display()),
                evidence,
            );
        }
        match std::fs::read_dir(&path) {
            Ok(entries) => {
                let n = entries.take(10_000).count();
                evidence.push(format!("listed {}: {n} entries", path.display()));
                done.push("listed");
            }
            Err(e) => {
                evidence.push(format!("list {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, "list");
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
                done.push("read");
            }
            Err(e) => {
                evidence.push(format!("read {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, "read");
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
                done.push("written");
            }
            Err(e) => {
                evidence.push(format!("write test in {}: {e}", path.display()));
                let (code, msg) = explain(&e, &path, "write to");
                return fail(code, msg, evidence);
            }
        }
    }
    let summary = if done.is_empty() {
        format!("{} exists", path.display())
    } else {
        format!("{} can be {}", path.display(), done.join(" and "))
    };
    let mut r = CheckResult::pass("permissions.path.ok", summary);
    r.evidence = evidence;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
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
            r.summary.contains("is the share connected"),
            "{}",
            r.summary
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
