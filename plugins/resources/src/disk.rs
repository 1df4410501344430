//! `resources/disk`: free space on the volume that holds a given path (system drive, home, a
//! download folder), against thresholds in bytes or percent. Free space is what this user can
//! use (`f_bavail` on Unix, the caller's quota on Windows), not the root-reserved blocks.

use std::path::{Path, PathBuf};

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::units::{Amount, Size, human};

/// Parameters of `resources/disk`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiskParams {
    /// A path on the volume to check (default: the home folder on Linux/macOS, the system drive
    /// on Windows). `~` stands for the home folder.
    #[serde(default)]
    pub path: Option<String>,
    /// Warn when less is free: a size ("10 GiB") or a percentage of the volume ("15%").
    #[serde(default)]
    pub warn_free: Option<Size>,
    /// Fail when less is free: a size ("2 GiB") or a percentage ("5%").
    #[serde(default)]
    pub fail_free: Option<Size>,
}

/// What the OS says about a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct DiskFacts {
    pub path: PathBuf,
    /// Where the volume is mounted, and its file system type, when known.
    pub mount: Option<(String, String)>,
    pub total: u64,
    /// Free for this user.
    pub free: u64,
}

impl DiskFacts {
    pub fn free_percent(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.free as f64 * 100.0 / self.total as f64
        }
    }
}

/// The `resources/disk` kind.
pub struct Disk;

impl Kind for Disk {
    const NAME: &'static str = "disk";
    const TITLE: &'static str = "Free space on a drive";
    const DESCRIPTION: &'static str = "Measures the free space of the volume that holds `path`. A full disk stops updates, \
         downloads of trading app data and saving work; thresholds are sizes or percentages.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"disk\"\nplugin = \"resources\"\nkind = \"disk\"\ntitle = \"Free disk space\"\npath = \"~\"\nwarn_free = \"10 GiB\"\nfail_free = \"2 GiB\"\n";
    type Params = DiskParams;

    fn run(p: &DiskParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(PathBuf::from)
}

/// The path to check: `~` expanded, the default when none is given.
pub fn target_path(p: &DiskParams) -> PathBuf {
    match p.path.as_deref() {
        Some("~") => home().unwrap_or_else(|| PathBuf::from("/")),
        Some(s) if s.starts_with("~/") || s.starts_with("~\\") => home()
            .map(|h| h.join(&s[2..]))
            .unwrap_or_else(|| PathBuf::from(s)),
        Some(s) => PathBuf::from(s),
        None if cfg!(windows) => PathBuf::from(format!(
            "{}\\",
            std::env::var("SystemDrive").unwrap_or_else(|_| "C:".into())
        )),
        None => home().unwrap_or_else(|| PathBuf::from("/")),
    }
}

#[cfg(unix)]
pub fn gather(path: &Path) -> Result<DiskFacts, String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes())
        .map_err(|_| "the path contains a NUL byte".to_string())?;
    // SAFETY: statvfs fills a zeroed struct we own, for a NUL-terminated path.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(format!(
            "cannot read {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    let frsize = st.f_frsize as u64;
    Ok(DiskFacts {
        path: path.to_path_buf(),
        mount: mount_of(path),
        total: st.f_blocks as u64 * frsize,
        free: st.f_bavail as u64 * frsize,
    })
}

#[cfg(windows)]
pub fn gather(path: &Path) -> Result<DiskFacts, String> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::Storage::FileSystem::{GetDiskFreeSpaceExW, GetVolumePathNameW};
    let wide: Vec<u16> = path
        .as_os_str()
        .encode_wide()
        .chain(std::iter::once(0))
        .collect();
    let (mut free_to_caller, mut total, mut _free_all) = (0u64, 0u64, 0u64);
    // SAFETY: wide is NUL-terminated; the out pointers are to locals.
    let ok = unsafe {
        GetDiskFreeSpaceExW(
            wide.as_ptr(),
            &mut free_to_caller,
            &mut total,
            &mut _free_all,
        )
    };
    if ok == 0 {
        return Err(format!(
            "cannot read {}: {}",
            path.display(),
            std::io::Error::last_os_error()
        ));
    }
    let mut vol = [0u16; 261];
    // SAFETY: the buffer length is passed; the result is NUL-terminated on success.
    let mount =
        if unsafe { GetVolumePathNameW(wide.as_ptr(), vol.as_mut_ptr(), vol.len() as u32) } != 0 {
            let end = vol.iter().position(|&c| c == 0).unwrap_or(vol.len());
            Some((String::from_utf16_lossy(&vol[..end]), String::new()))
        } else {
            None
        };
    Ok(DiskFacts {
        path: path.to_path_buf(),
        mount,
        total,
        free: free_to_caller,
    })
}

/// Mount point and file system type of the volume holding `path` (Linux: the longest matching
/// entry of /proc/self/mountinfo).
#[cfg(unix)]
fn mount_of(path: &Path) -> Option<(String, String)> {
    let real = std::fs::canonicalize(path).ok()?;
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut best: Option<(String, String)> = None;
    for line in info.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let Some(mp) = fields.get(4) else { continue };
        let mp = mp.replace("\\040", " ");
        let fstype = line
            .split(" - ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("")
            .to_string();
        if real.starts_with(&mp) && best.as_ref().is_none_or(|(b, _)| mp.len() >= b.len()) {
            best = Some((mp, fstype));
        }
    }
    best
}

pub fn evaluate(p: &DiskParams, f: &DiskFacts) -> CheckResult {
    let amount = |s: &Option<Size>, name: &str| -> Result<Option<Amount>, String> {
        s.as_ref()
            .map(|s| s.amount().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let (warn, fail) = match (
        amount(&p.warn_free, "warn_free"),
        amount(&p.fail_free, "fail_free"),
    ) {
        (Ok(w), Ok(f)) => (w, f),
        (Err(e), _) | (_, Err(e)) => return CheckResult::error("resources.disk.bad_param", e),
    };
    let pct = f.free_percent();
    let below = |a: Amount| match a {
        Amount::Bytes(b) => f.free < b,
        Amount::Percent(x) => pct < x,
    };
    let show = |a: Amount| match a {
        Amount::Bytes(b) => human(b),
        Amount::Percent(x) => format!("{x}%"),
    };
    let where_ = match &f.mount {
        Some((mp, _)) if !mp.is_empty() => t!(
            "disk.where_volume",
            path = f.path.display().to_string(),
            volume = mp.as_str()
        ),
        _ => t!("disk.where", path = f.path.display().to_string()),
    };
    let state = t!(
        "disk.state",
        free = human(f.free),
        total = human(f.total),
        percent = format!("{pct:.1}")
    );
    let mut r = if let Some(a) = fail.filter(|a| below(*a)) {
        CheckResult::fail(
            "resources.disk.full",
            t!(
                "disk.full",
                place = where_.clone(),
                state = state.clone(),
                limit = show(a)
            ),
        )
    } else if let Some(a) = warn.filter(|a| below(*a)) {
        CheckResult::warn(
            "resources.disk.low",
            t!(
                "disk.low",
                place = where_.clone(),
                state = state.clone(),
                limit = show(a)
            ),
        )
    } else {
        CheckResult::pass(
            "resources.disk.ok",
            t!("disk.ok", place = where_.clone(), state = state.clone()),
        )
    };
    let mut ev = format!(
        "statvfs({}) → total {} B, available {} B",
        f.path.display(),
        f.total,
        f.free
    );
    if cfg!(windows) {
        ev = format!(
            "GetDiskFreeSpaceEx({}) → total {} B, free to this user {} B",
            f.path.display(),
            f.total,
            f.free
        );
    }
    r.evidence.push(ev);
    if let Some((mp, fs)) = &f.mount {
        r.evidence.push(format!(
            "volume mounted at {mp}{}",
            if fs.is_empty() {
                String::new()
            } else {
                format!(" ({fs})")
            }
        ));
    }
    r.metric("disk_total_bytes", f.total as f64)
        .metric("disk_free_bytes", f.free as f64)
        .metric("disk_free_percent", (pct * 10.0).round() / 10.0)
}

pub fn run(p: &DiskParams) -> CheckResult {
    let path = target_path(p);
    match gather(&path) {
        Ok(f) => evaluate(p, &f),
        Err(e) => CheckResult::fail(
            "resources.disk.path_missing",
            t!("disk.path_missing", error = e),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    const GIB: u64 = 1 << 30;

    fn facts(total: u64, free: u64) -> DiskFacts {
        DiskFacts {
            path: "/data".into(),
            mount: Some(("/data".into(), "ext4".into())),
            total,
            free,
        }
    }

    fn params(warn: Option<&str>, fail: Option<&str>) -> DiskParams {
        DiskParams {
            path: None,
            warn_free: warn.map(|t| Size::Text(t.into())),
            fail_free: fail.map(|t| Size::Text(t.into())),
        }
    }

    #[test]
    fn thresholds_in_bytes_and_percent() {
        let cases = [
            (
                params(Some("10 GiB"), Some("2 GiB")),
                facts(100 * GIB, 50 * GIB),
                Status::Pass,
            ),
            (
                params(Some("10 GiB"), Some("2 GiB")),
                facts(100 * GIB, 5 * GIB),
                Status::Warn,
            ),
            (
                params(Some("10 GiB"), Some("2 GiB")),
                facts(100 * GIB, GIB),
                Status::Fail,
            ),
            (
                params(Some("15%"), Some("5%")),
                facts(100 * GIB, 10 * GIB),
                Status::Warn,
            ),
            (
                params(Some("15%"), Some("5%")),
                facts(100 * GIB, 4 * GIB),
                Status::Fail,
            ),
            (params(None, Some("5%")), facts(0, 0), Status::Fail),
            (params(Some("lots"), None), facts(GIB, GIB), Status::Error),
        ];
        for (p, f, want) in cases {
            let r = evaluate(&p, &f);
            assert_eq!(r.status, want, "{p:?} {f:?}: {}", r.en_summary());
        }
        let r = evaluate(&params(None, Some("2 GiB")), &facts(100 * GIB, GIB));
        assert!(
            r.en_summary()
                .starts_with("/data (volume /data): only 1.0 GiB free of 100 GiB (1.0%)"),
            "{}",
            r.en_summary()
        );
    }

    #[cfg(unix)]
    #[test]
    fn free_space_equals_statvfs_for_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let p = DiskParams {
            path: Some(dir.path().display().to_string()),
            ..Default::default()
        };
        let r = run(&p);
        // statvfs again, independently, and compare with a tolerance of what other processes
        // may have written meanwhile (1 MiB).
        let c = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
        // SAFETY: test-local statvfs into a zeroed struct.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
        let total = st.f_blocks as f64 * st.f_frsize as f64;
        let free = st.f_bavail as f64 * st.f_frsize as f64;
        assert_eq!(r.metrics["disk_total_bytes"], total);
        assert!(
            (r.metrics["disk_free_bytes"] - free).abs() <= 1048576.0,
            "{} vs {free}",
            r.metrics["disk_free_bytes"]
        );
    }

    #[test]
    fn a_missing_path_fails_with_the_path() {
        let p = DiskParams {
            path: Some("/no/such/drive/here".into()),
            ..Default::default()
        };
        let r = run(&p);
        assert_eq!(r.status, Status::Fail);
        assert!(r.en_summary().contains("/no/such/drive/here"));
    }
}

/// Real file systems, mounted by the test (needs root; skipped without it).
#[cfg(all(test, target_os = "linux"))]
mod mounted {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;
    use std::process::Command;

    #[allow(clippy::print_stderr, reason = "a skipped test says why")]
    fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() == 0 };
        if !root {
            eprintln!("skipping: mounting a tmpfs needs root");
        }
        root
    }

    /// A tmpfs mounted for the test's lifetime.
    struct Tmpfs(PathBuf);

    impl Tmpfs {
        fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
            std::fs::create_dir_all(at).ok()?;
            let ok = Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(at)
                .status()
                .ok()?
                .success();
            ok.then(|| Tmpfs(at.to_path_buf()))
        }
    }

    impl Drop for Tmpfs {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }

    fn statvfs_free(path: &Path) -> (u64, u64) {
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: test-local statvfs into a zeroed struct.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut st) }, 0);
        (
            st.f_blocks as u64 * st.f_frsize as u64,
            st.f_bavail as u64 * st.f_frsize as u64,
        )
    }

    #[test]
    fn a_nearly_full_small_filesystem_fails_with_the_right_numbers() {
        if !is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let Some(fs) = Tmpfs::mount(&dir.path().join("small"), "4m") else {
            return;
        };
        std::fs::write(
            fs.0.join("ballast"),
            vec![0u8; 3 * 1024 * 1024 + 800 * 1024],
        )
        .unwrap();
        let (total, free) = statvfs_free(&fs.0);
        assert_eq!(total, 4 * 1024 * 1024);
        let p = DiskParams {
            path: Some(fs.0.display().to_string()),
            warn_free: Some(Size::Text("2 MiB".into())),
            fail_free: Some(Size::Text("1 MiB".into())),
        };
        let r = run(&p);
        assert_eq!(r.status, Status::Fail, "{}", r.en_summary());
        assert_eq!(r.code, "resources.disk.full");
        assert_eq!(r.metrics["disk_total_bytes"], total as f64);
        assert_eq!(r.metrics["disk_free_bytes"], free as f64);
        assert!(
            r.en_summary()
                .contains(&format!("only {} free of 4.0 MiB", human(free))),
            "{}",
            r.en_summary()
        );
        assert!(
            r.evidence.iter().any(|e| e.contains("(tmpfs)")),
            "{:?}",
            r.evidence
        );
    }

    #[test]
    fn a_path_under_a_nested_mount_measures_the_inner_volume() {
        if !is_root() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let Some(outer) = Tmpfs::mount(&dir.path().join("outer"), "8m") else {
            return;
        };
        let Some(inner) = Tmpfs::mount(&outer.0.join("inner"), "2m") else {
            return;
        };
        std::fs::create_dir(inner.0.join("sub")).unwrap();
        let r = run(&DiskParams {
            path: Some(inner.0.join("sub").display().to_string()),
            ..Default::default()
        });
        assert_eq!(r.metrics["disk_total_bytes"], (2 * 1024 * 1024) as f64);
        assert_eq!(
            r.metrics["disk_free_bytes"],
            statvfs_free(&inner.0).1 as f64
        );
        let mp = inner.0.canonicalize().unwrap();
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains(&format!("volume mounted at {}", mp.display()))),
            "{:?}",
            r.evidence
        );
        let r = run(&DiskParams {
            path: Some(outer.0.display().to_string()),
            ..Default::default()
        });
        assert_eq!(r.metrics["disk_total_bytes"], (8 * 1024 * 1024) as f64);
        drop(inner);
    }
}
