//! `permissions/path`: a file or folder (local, a mounted share, a UNC path on Windows) exists and
//! can be read, listed or written as the job needs. Writing is proven by creating, writing and
//! removing a uniquely named file — `access()` lies on read-only mounts, full disks and ACLs —
//! and nothing is left behind, even when the write fails half-way. A file is proven writable by
//! reserving space past its end and releasing it, which changes neither its size nor its
//! contents (see [`prove_file_writable`]).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
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
    /// opened for appending and one block is reserved past its end and released (its size and
    /// contents do not change), so a full disk or an exhausted quota is not "writable".
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

/// The `permissions/path` kind.
pub struct PathAccess;

impl Kind for PathAccess {
    const NAME: &'static str = "path";
    const TITLE: &'static str = "A file or folder can be read, listed or written";
    const DESCRIPTION: &'static str = "Checks that a path exists and that this user can read, list or write it — really, by \
         doing it: writing creates and removes a uniquely named file. Tells apart a missing path \
         (share not connected, VPN down), denied permissions, a read-only share and a full disk.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"share\"\nplugin = \"permissions\"\nkind = \"path\"\ntitle = \"Trading share is writable\"\npath = \"/mnt/share/trading\"\nwritable = true\nneeds = [\"vpn\"]\nfix = \"Ask IT to map the trading share read-write for you.\"\n";
    type Params = PathParams;

    fn run(p: &PathParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
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

/// Proves that a file can grow: opens it for appending (permissions, read-only mounts), then
/// reserves one block past its end (`fallocate` with `FALLOC_FL_KEEP_SIZE`: the size and
/// contents do not change, a full disk or an exhausted quota answer ENOSPC/EDQUOT), releases
/// the reservation and puts the modification time back. Where the file system cannot reserve,
/// the free space the OS grants this user decides. Opening a file for appending alone succeeds
/// on a full disk, so it is no proof.
pub fn prove_file_writable(path: &Path) -> Result<String, std::io::Error> {
    let f = OpenOptions::new().append(true).open(path)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        use std::os::unix::fs::MetadataExt;
        let meta = f.metadata()?;
        let size = meta.len();
        let block = meta.blksize().max(4096);
        let offset = size.div_ceil(block) * block;
        let fd = f.as_raw_fd();
        // SAFETY: fallocate/ftruncate/futimens on a descriptor we own, with plain integers and
        // a two-element timespec array that lives across the call.
        let reserved = unsafe {
            libc::fallocate(
                fd,
                libc::FALLOC_FL_KEEP_SIZE,
                offset as libc::off_t,
                block as libc::off_t,
            )
        };
        if reserved == 0 {
            let times = [
                libc::timespec {
                    tv_sec: meta.atime() as libc::time_t,
                    tv_nsec: meta.atime_nsec() as _,
                },
                libc::timespec {
                    tv_sec: meta.mtime() as libc::time_t,
                    tv_nsec: meta.mtime_nsec() as _,
                },
            ];
            // SAFETY: see above.
            let released = unsafe { libc::ftruncate(fd, size as libc::off_t) };
            // SAFETY: see above.
            unsafe { libc::futimens(fd, times.as_ptr()) };
            if released != 0 {
                return Err(std::io::Error::last_os_error());
            }
            return Ok(format!(
                "reserved and released {block} bytes past the end of {} (its size and contents unchanged)",
                path.display()
            ));
        }
        let e = std::io::Error::last_os_error();
        if !matches!(
            e.raw_os_error(),
            Some(libc::EOPNOTSUPP) | Some(libc::ENOSYS) | Some(libc::EINVAL)
        ) {
            return Err(e);
        }
    }
    drop(f);
    free_space_for_me(path).map(|free| {
        format!(
            "opened {} for writing (nothing written); {free} bytes free for this user",
            path.display()
        )
    })
}

/// Bytes this user may still write on `path`'s file system; an error when none.
#[cfg(unix)]
fn free_space_for_me(path: &Path) -> Result<u64, std::io::Error> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(ErrorKind::InvalidInput, e))?;
    // SAFETY: statvfs fills a zeroed struct for a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: see above.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let blocks = if root { st.f_bfree } else { st.f_bavail };
    let free = blocks as u64 * st.f_frsize as u64;
    if free == 0 {
        return Err(std::io::Error::from_raw_os_error(libc::ENOSPC));
    }
    Ok(free)
}

/// Bytes this user may still write on `path`'s volume (quotas included); an error when none.
#[cfg(windows)]
fn free_space_for_me(path: &Path) -> Result<u64, std::io::Error> {
    use windows_sys::Win32::Storage::FileSystem::GetDiskFreeSpaceExW;
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(path)
    };
    let wide: Vec<u16> = dir
        .as_os_str()
        .to_string_lossy()
        .encode_utf16()
        .chain(std::iter::once(0))
        .collect();
    let mut free = 0u64;
    // SAFETY: a NUL-terminated path and an out-pointer to a u64 we own; the other outputs are
    // optional.
    let ok = unsafe {
        GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut free,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if ok == 0 {
        return Err(std::io::Error::last_os_error());
    }
    if free == 0 {
        // ERROR_DISK_FULL
        return Err(std::io::Error::from_raw_os_error(112));
    }
    Ok(free)
}

#[cfg(not(any(unix, windows)))]
fn free_space_for_me(_path: &Path) -> Result<u64, std::io::Error> {
    Ok(u64::MAX)
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
            prove_file_writable(&path)
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
