//! Saving reports: every run writes its JSON report into the user's data directory
//! (`reports/`), keeping the newest [`KEEP`], so there is always a file to send the helpdesk.
//! Writes go to a temporary file that is renamed into place, so a report is whole or absent.

use std::path::{Path, PathBuf};

use crate::report::Report;

/// How many saved reports are kept.
pub const KEEP: usize = 50;

/// Writes `bytes` to `path` atomically (temporary file + rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Saves `report` as `<data dir>/reports/<id>.json` and prunes old ones; returns the path.
pub fn save(report: &Report) -> std::io::Result<PathBuf> {
    let dir = crate::paths::data_dir()
        .ok_or_else(|| std::io::Error::other("no data directory (HOME is not set)"))?
        .join("reports");
    let path = dir.join(format!("{}.json", report.id));
    let json = serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?;
    write_atomic(&path, &json)?;
    prune(&dir, KEEP);
    Ok(path)
}

/// The newest saved report and its verdict (`None` when the file cannot be read as a report).
pub fn latest() -> Option<(PathBuf, Option<crate::report::Verdict>)> {
    let dir = crate::paths::data_dir()?.join("reports");
    let (_, newest) = json_files_by_age(&dir).pop()?;
    let verdict = std::fs::read(&newest)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| serde_json::from_value(v["verdict"].clone()).ok());
    Some((newest, verdict))
}

/// The `.json` files directly in `dir` with their modification times, oldest first (none when
/// the directory cannot be read).
pub fn json_files_by_age(dir: &Path) -> Vec<(std::time::SystemTime, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    files.sort();
    files
}

fn prune(dir: &Path, keep: usize) {
    let files = json_files_by_age(dir);
    if files.len() <= keep {
        return;
    }
    for (_, p) in &files[..files.len() - keep] {
        let _ = std::fs::remove_file(p);
    }
}
