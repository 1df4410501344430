//! Saving reports: every run writes its JSON report into the user's data directory
//! (`reports/`), keeping the newest [`KEEP`] and at most [`KEEP_BYTES`] in all, so there is
//! always a file to send the helpdesk and the history never fills a disk. Writes go to a
//! temporary file that is flushed to disk and renamed into place, so a report is whole or
//! absent; a temporary file is removed when its write fails (a full disk stays no fuller), and
//! those left by a run that was killed are removed by the next one. A report as a whole is
//! capped ([`cap`]) before it is saved or sent, and says in itself what was cut.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crate::report::Report;

/// How many saved reports are kept.
pub const KEEP: usize = 50;
/// How many bytes of saved reports are kept at most (the newest report is always kept).
pub const KEEP_BYTES: u64 = 16 * 1024 * 1024;
/// The largest report readycheck writes or sends, in bytes of JSON.
pub const REPORT_CAP: usize = 1024 * 1024;
/// The longest text (a summary, a detail, a fix, one evidence line) kept in a report, in bytes.
pub const TEXT_CAP: usize = 8 * 1024;
/// Evidence lines, metrics and observations kept per check.
pub const ITEMS_CAP: usize = 64;
/// A temporary file older than this is stale whoever made it.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// The prefix of every temporary file readycheck writes: `.rc-tmp-<pid>-<n>-<name>`.
pub const TMP_PREFIX: &str = ".rc-tmp-";

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed to disk, renamed
/// into place. On any failure the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        "{TMP_PREFIX}{}-{}-{name}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename in `dir` durable (Unix; elsewhere a rename is as durable as it gets).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Whether process `pid` is alive (Unix: signal 0; elsewhere unknown, taken as alive).
pub fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        if pid <= 0 {
            return false;
        }
        // SAFETY: signal 0 only checks for existence and permission.
        let r = unsafe { libc::kill(pid, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(windows)]
    {
        use windows_sys::Win32::Foundation::{CloseHandle, STILL_ACTIVE};
        use windows_sys::Win32::System::Threading::{
            GetExitCodeProcess, OpenProcess, PROCESS_QUERY_LIMITED_INFORMATION,
        };
        // SAFETY: a query-only handle to another process, closed before returning.
        unsafe {
            let h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid);
            if h.is_null() {
                return false;
            }
            let mut code = 0u32;
            let ok = GetExitCodeProcess(h, &mut code);
            CloseHandle(h);
            ok != 0 && code == STILL_ACTIVE as u32
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = pid;
        true
    }
}

/// The pid in a temporary file's name: ours (`.rc-tmp-<pid>-…`) or the older `<name>.tmp<pid>`.
fn temp_owner(name: &str) -> Option<Option<u32>> {
    if let Some(rest) = name.strip_prefix(TMP_PREFIX) {
        return Some(rest.split('-').next().and_then(|p| p.parse().ok()));
    }
    let (_, ext) = name.rsplit_once('.')?;
    let pid = ext.strip_prefix("tmp")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then(|| pid.parse().ok())
}

/// Removes temporary files in `dir` left by runs that are gone (their process is dead) or that
/// are older than an hour; returns how many were removed.
pub fn clean_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(owner) = temp_owner(&name) else {
            continue;
        };
        let Ok(meta) = e.path().symlink_metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_AFTER);
        let orphan = match owner {
            Some(pid) => pid != std::process::id() && !process_alive(pid),
            None => true,
        };
        if (orphan || old) && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The reports directory.
pub fn reports_dir() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("reports"))
}

/// Saves `report` as `<data dir>/reports/<id>.json` and prunes old ones; returns the path.
pub fn save(report: &Report) -> std::io::Result<PathBuf> {
    let json = serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?;
    save_bytes(&report.id, &json)
}

/// Saves an already serialised report (see [`save`]).
pub fn save_bytes(id: &str, json: &[u8]) -> std::io::Result<PathBuf> {
    let dir = reports_dir()
        .ok_or_else(|| std::io::Error::other("no data directory (HOME is not set)"))?;
    clean_stale_temps(&dir);
    let path = dir.join(format!("{id}.json"));
    write_atomic(&path, json)?;
    prune(&dir, KEEP, KEEP_BYTES);
    Ok(path)
}

/// The newest saved report and its verdict (`None` when the file cannot be read as a report).
pub fn latest() -> Option<(PathBuf, Option<crate::report::Verdict>)> {
    let dir = reports_dir()?;
    let (_, newest) = json_files_by_age(&dir).pop()?;
    let verdict = read_capped(&newest, REPORT_CAP as u64 * 4)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| serde_json::from_value(v["verdict"].clone()).ok());
    Some((newest, verdict))
}

/// The regular `.json` files directly in `dir` with their modification times, oldest first
/// (none when the directory cannot be read). Temporary files, FIFOs, devices and symlinks are
/// not listed.
pub fn json_files_by_age(dir: &Path) -> Vec<(SystemTime, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with(TMP_PREFIX))
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let m = std::fs::symlink_metadata(&p).ok()?;
            m.is_file().then_some(())?;
            Some((m.modified().ok()?, p))
        })
        .collect();
    files.sort();
    files
}

/// Keeps the newest `keep` files and at most `keep_bytes` in all (always the newest one).
fn prune(dir: &Path, keep: usize, keep_bytes: u64) {
    let files = json_files_by_age(dir);
    let mut total = 0u64;
    let mut kept = 0usize;
    for (_, p) in files.iter().rev() {
        let size = std::fs::symlink_metadata(p).map(|m| m.len()).unwrap_or(0);
        if kept == 0 || (kept < keep && total + size <= keep_bytes) {
            kept += 1;
            total += size;
        } else {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Reads a regular file of at most `cap` bytes without ever blocking on a FIFO or reading a
/// device: the type is checked before and after opening (non-blocking), and reading stops at
/// the cap.
pub fn read_capped(path: &Path, cap: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > cap {
        return Err(std::io::Error::other(format!(
            "{} bytes, over the {cap} byte limit",
            meta.len()
        )));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let f = opts.open(path)?;
    let m = f.metadata()?;
    if !m.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut buf = Vec::with_capacity(m.len().min(cap) as usize);
    f.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(std::io::Error::other(format!("over the {cap} byte limit")));
    }
    Ok(buf)
}

/// `s` cut to at most `max` bytes at a character boundary, with an ellipsis; `None` when it fit.
fn cut(s: &str, max: usize) -> Option<String> {
    if s.len() <= max {
        return None;
    }
    let mut end = max.saturating_sub(3);
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!("{}…", &s[..end]))
}

/// Caps a report: every text at [`TEXT_CAP`], evidence, metrics and observations at
/// [`ITEMS_CAP`] per check, then — if the whole is still over [`REPORT_CAP`] — the evidence,
/// observations, details and translations of the largest checks are dropped until it fits.
/// Every cut is noted in the check's evidence (`report cap: …`), so a reader knows what is
/// missing. Returns the notes.
pub fn cap(report: &mut Report) -> Vec<String> {
    let mut notes = Vec::new();
    for c in &mut report.checks {
        let mut mine: Vec<String> = Vec::new();
        let mut text = |field: &str, s: &mut String| {
            if let Some(short) = cut(s, TEXT_CAP) {
                mine.push(format!(
                    "{field} cut from {} to {} bytes",
                    s.len(),
                    short.len()
                ));
                *s = short;
            }
        };
        text("title", &mut c.title);
        text("summary", &mut c.summary);
        if let Some(d) = &mut c.detail {
            text("detail", d);
        }
        if let Some(f) = &mut c.fix {
            text("fix", f);
        }
        for (tag, l) in &mut c.l10n {
            text(&format!("{tag} title"), &mut l.title);
            text(&format!("{tag} summary"), &mut l.summary);
            if let Some(d) = &mut l.detail {
                text(&format!("{tag} detail"), d);
            }
            if let Some(f) = &mut l.fix {
                text(&format!("{tag} fix"), f);
            }
        }
        for e in &mut c.evidence {
            if let Some(short) = cut(e, 1024) {
                *e = short;
                if !mine.iter().any(|m| m.starts_with("evidence lines")) {
                    mine.push("evidence lines cut to 1024 bytes".into());
                }
            }
        }
        if c.evidence.len() > ITEMS_CAP {
            mine.push(format!(
                "{} of {} evidence lines dropped",
                c.evidence.len() - ITEMS_CAP,
                c.evidence.len()
            ));
            c.evidence.truncate(ITEMS_CAP);
        }
        if c.metrics.len() > ITEMS_CAP {
            mine.push(format!(
                "{} of {} metrics dropped",
                c.metrics.len() - ITEMS_CAP,
                c.metrics.len()
            ));
            while c.metrics.len() > ITEMS_CAP {
                c.metrics.pop_last();
            }
        }
        let obs_bytes = serde_json::to_vec(&c.observations)
            .map(|v| v.len())
            .unwrap_or(0);
        if c.observations.len() > ITEMS_CAP || obs_bytes > 8 * TEXT_CAP {
            let before = c.observations.len();
            c.observations.truncate(ITEMS_CAP);
            while !c.observations.is_empty()
                && serde_json::to_vec(&c.observations).map_or(0, |v| v.len()) > 8 * TEXT_CAP
            {
                c.observations.pop();
            }
            mine.push(format!(
                "{} of {before} observations dropped ({obs_bytes} bytes)",
                before - c.observations.len()
            ));
        }
        let msg_bytes = serde_json::to_vec(&c.message).map_or(0, |v| v.len());
        if msg_bytes > TEXT_CAP {
            c.message = None;
            mine.push(format!(
                "message arguments ({msg_bytes} bytes) dropped; the texts remain"
            ));
        }
        for m in mine {
            let note = format!("report cap: {m}");
            notes.push(format!("{}: {m}", c.id));
            c.evidence.push(note);
        }
    }
    // Still too big as a whole: drop what can be spared from the largest checks first.
    let size = |r: &Report| serde_json::to_vec(r).map_or(0, |v| v.len());
    let mut total = size(report);
    if total > REPORT_CAP {
        let mut order: Vec<(usize, usize)> = report
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| (serde_json::to_vec(c).map_or(0, |v| v.len()), i))
            .collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        for (bytes, i) in order {
            if total <= REPORT_CAP {
                break;
            }
            let c = &mut report.checks[i];
            let locale = report.locale.clone();
            c.evidence.clear();
            c.observations.clear();
            c.metrics.clear();
            c.detail = None;
            c.message = None;
            c.l10n.retain(|tag, _| *tag == locale);
            for l in c.l10n.values_mut() {
                l.detail = None;
            }
            let note = format!(
                "report cap: evidence, observations, metrics, details and other languages dropped ({bytes} bytes; the report was {total} bytes, the cap is {REPORT_CAP})"
            );
            notes.push(format!("{}: {}", c.id, &note["report cap: ".len()..]));
            c.evidence.push(note);
            total = size(report);
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        // The target is a directory: the rename fails after the temporary file was written.
        let target = d.path().join("x.json");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), b"keep the directory non-empty").unwrap();
        assert!(write_atomic(&target, b"{}").is_err());
        let left: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("x.json")]);
    }

    #[test]
    fn stale_temporaries_of_dead_runs_are_removed_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        let dead = d.path().join(format!("{TMP_PREFIX}999999999-0-a.json"));
        let legacy = d.path().join("b.tmp999999998");
        let live = d
            .path()
            .join(format!("{TMP_PREFIX}{}-0-c.json", std::process::id()));
        let report = d.path().join("r.json");
        for p in [&dead, &legacy, &live, &report] {
            std::fs::write(p, b"x").unwrap();
        }
        assert_eq!(clean_stale_temps(d.path()), 2);
        assert!(live.exists() && report.exists());
    }

    #[test]
    fn history_is_bounded_in_count_and_bytes() {
        let d = tempfile::tempdir().unwrap();
        for i in 0..10 {
            let p = d.path().join(format!("{i:02}.json"));
            std::fs::write(&p, vec![b' '; 1000]).unwrap();
            let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000 + i);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .unwrap()
                .set_modified(t)
                .unwrap();
        }
        prune(d.path(), 8, 5000);
        let mut left: Vec<String> = json_files_by_age(d.path())
            .into_iter()
            .map(|(_, p)| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["05.json", "06.json", "07.json", "08.json", "09.json"]
        );
        prune(d.path(), 8, 10);
        assert_eq!(json_files_by_age(d.path()).len(), 1, "the newest is kept");
    }

    #[cfg(unix)]
    #[test]
    fn capped_reads_refuse_fifos_devices_and_big_files() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("f.json");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert!(read_capped(&fifo, 100).is_err());
        assert!(read_capped(Path::new("/dev/zero"), 100).is_err());
        let big = d.path().join("big.json");
        std::fs::write(&big, vec![b'x'; 101]).unwrap();
        assert!(read_capped(&big, 100).is_err());
        assert_eq!(read_capped(&big, 101).unwrap().len(), 101);
    }
}
