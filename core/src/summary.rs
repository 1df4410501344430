//! `readycheck summarize`: the helpdesk's view over many reports. Reads report files and
//! directories (recursively) in parallel, keeps only the latest report per host (a re-run
//! replaces the old one) in a compact form, and counts ready / degraded / not ready / stale, the
//! top failing checks with their top causes (grouped by result code) and the hosts per cause,
//! and the profile versions seen. Unreadable and foreign files are skipped and counted. Memory
//! grows with the number of hosts, not with the number of reports. Titles and summaries are
//! taken in the reader's language where a report carries them, whatever language it was run in.
//!
//! Files come from the field and are read defensively: only regular files (a FIFO, a device
//! or a socket is skipped unopened), each at most [`MAX_REPORT_BYTES`], directories followed
//! through symlinks at most once each (a symlink loop ends there). A report's own clock is not
//! trusted to order a host's reports: a PC whose clock is ahead would otherwise hide that host's
//! later reports for ever. A report is ordered by the earlier of its start and the time its
//! file was received (written here), and one dated more than [`SKEW_TOLERANCE`] after it was
//! received is flagged as coming from a clock that is ahead.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use readycheck_sdk::i18n::Locale;
use serde::Serialize;

use crate::report::{Status, Verdict};

mod read;

pub use read::collect_files;
use read::{Interner, Parsed, parse_file};

/// One check of a host's latest report, kept for the summary and the CSV. Ids, titles and codes
/// repeat across hosts and are shared; the summary is kept only for checks that did not pass.
#[derive(Debug, Clone)]
pub struct CheckRow {
    pub id: Arc<str>,
    pub title: Arc<str>,
    pub status: Status,
    pub code: Arc<str>,
    pub summary: Option<Box<str>>,
}

/// A host's latest report, compacted.
#[derive(Debug, Clone)]
pub struct HostEntry {
    pub hostname: String,
    pub user: String,
    pub report_id: String,
    pub started_at: String,
    pub verdict: Verdict,
    pub profile: String,
    pub profile_version: String,
    pub stale: bool,
    /// A partial run (`--only` / `--skip`): kept only while the host has no full one.
    pub partial: bool,
    pub file: String,
    pub checks: Vec<CheckRow>,
    /// When its file was written here (its modification time): the trustworthy clock.
    pub received: Option<SystemTime>,
    /// Dated more than [`SKEW_TOLERANCE`] after it was received (or after now).
    pub clock_ahead: bool,
}

/// The largest report file read; larger files are skipped as unreadable.
pub const MAX_REPORT_BYTES: u64 = 8 * 1024 * 1024;
/// How far a report's start may be after its receipt before its clock is called ahead.
pub const SKEW_TOLERANCE: Duration = Duration::from_secs(300);

/// Result code → (an example summary, the hosts with it).
type CausesByCode = BTreeMap<String, (String, Vec<String>)>;

/// Hosts that share one failing result code of a check.
#[derive(Debug, Clone, Serialize)]
pub struct CauseGroup {
    pub code: String,
    pub example: String,
    pub hosts: Vec<String>,
}

/// A check that failed on some hosts.
#[derive(Debug, Clone, Serialize)]
pub struct FailingCheck {
    pub id: String,
    pub title: String,
    pub hosts: usize,
    pub causes: Vec<CauseGroup>,
}

impl FailingCheck {
    /// A check failing for these causes: the causes most hosts share first, the host count
    /// their sum.
    pub fn from_causes(id: String, title: String, mut causes: Vec<CauseGroup>) -> FailingCheck {
        causes.sort_by(|a, b| b.hosts.len().cmp(&a.hosts.len()).then(a.code.cmp(&b.code)));
        FailingCheck {
            hosts: causes.iter().map(|c| c.hosts.len()).sum(),
            id,
            title,
            causes,
        }
    }
}

/// Orders failing checks as every summary shows them: most hosts first, then by id.
pub fn sort_failing(checks: &mut [FailingCheck]) {
    checks.sort_by(|a, b| b.hosts.cmp(&a.hosts).then(a.id.cmp(&b.id)));
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub files_read: usize,
    pub reports: usize,
    pub skipped_unreadable: usize,
    pub skipped_foreign: usize,
    pub skipped_examples: Vec<String>,
    pub hosts: usize,
    pub ready: usize,
    pub degraded: usize,
    pub not_ready: usize,
    pub stale: usize,
    pub since: Option<String>,
    /// `since` in seconds, for the text view.
    #[serde(skip)]
    pub since_secs: Option<f64>,
    pub failing_checks: Vec<FailingCheck>,
    pub profile_versions: BTreeMap<String, usize>,
    /// Hosts whose latest report is dated after it was received: their clock is ahead.
    pub clock_ahead: Vec<String>,
    #[serde(skip)]
    pub latest: Vec<HostEntry>,
}

#[derive(Default)]
struct Partial {
    reports: usize,
    unreadable: usize,
    foreign: usize,
    examples: Vec<String>,
}

impl Partial {
    fn add(&mut self, p: Parsed, latest: &Mutex<BTreeMap<String, HostEntry>>) {
        match p {
            Parsed::Report(e) => {
                self.reports += 1;
                let Ok(mut map) = latest.lock() else { return };
                let newer = map.get(&e.hostname).is_none_or(|old| replaces(&e, old));
                if newer {
                    map.insert(e.hostname.clone(), *e);
                }
            }
            Parsed::Unreadable(why) => {
                self.unreadable += 1;
                if self.examples.len() < 5 {
                    self.examples.push(why);
                }
            }
            Parsed::Foreign(why) => {
                self.foreign += 1;
                if self.examples.len() < 5 {
                    self.examples.push(why);
                }
            }
        }
    }

    fn merge(&mut self, other: Partial) {
        self.reports += other.reports;
        self.unreadable += other.unreadable;
        self.foreign += other.foreign;
        for ex in other.examples {
            if self.examples.len() < 5 {
                self.examples.push(ex);
            }
        }
    }
}

/// Whether `a` takes `b`'s place as the host's latest: a full run always beats a partial one
/// (`--only` / `--skip`), whatever their times; between two of a kind, [`newer_than`].
fn replaces(a: &HostEntry, b: &HostEntry) -> bool {
    match (a.partial, b.partial) {
        (false, true) => true,
        (true, false) => false,
        _ => newer_than(a, b),
    }
}

/// When a report was made, as far as can be trusted: its start, but never later than when its
/// file was received nor than now — a clock set ahead cannot date a report into the future.
pub(crate) fn trusted_time(
    started: Option<SystemTime>,
    received: Option<SystemTime>,
) -> Option<SystemTime> {
    let now = SystemTime::now();
    let cap = received.map_or(now, |r| r.min(now));
    started.map(|t| t.min(cap)).or(received)
}

/// The later trusted time wins ([`trusted_time`]); then the later start, then the report id, so
/// the result does not depend on file order.
fn newer_than(a: &HostEntry, b: &HostEntry) -> bool {
    let sa = humantime::parse_rfc3339_weak(&a.started_at).ok();
    let sb = humantime::parse_rfc3339_weak(&b.started_at).ok();
    let (ta, tb) = (trusted_time(sa, a.received), trusted_time(sb, b.received));
    match (ta, tb) {
        (Some(x), Some(y)) if x != y => x > y,
        _ => match (sa, sb) {
            (Some(x), Some(y)) if x != y => x > y,
            _ => a.report_id > b.report_id,
        },
    }
}

/// Summarises the reports under `paths`; reports started before now − `since` are stale.
pub fn summarize(paths: &[PathBuf], since: Option<Duration>, locale: Locale) -> Summary {
    let (files, walk_problems) = collect_files(paths);
    let stale_before = since.and_then(|d| SystemTime::now().checked_sub(d));
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let chunk = files.len().div_ceil(threads).max(1);
    let mut total = Partial::default();
    let latest_map: Mutex<BTreeMap<String, HostEntry>> = Mutex::new(BTreeMap::new());
    let names = Mutex::new(Interner::default());
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                let (latest_map, names) = (&latest_map, &names);
                s.spawn(move || {
                    let mut p = Partial::default();
                    let mut local = Interner::default();
                    for (i, f) in part.iter().enumerate() {
                        // Share the interned strings every few hundred files.
                        if i % 512 == 0
                            && let Ok(mut g) = names.lock()
                        {
                            for a in local.0.drain() {
                                g.0.insert(a);
                            }
                            local.0 = g.0.clone();
                        }
                        p.add(parse_file(f, stale_before, &mut local, locale), latest_map);
                    }
                    p
                })
            })
            .collect();
        for h in handles {
            if let Ok(p) = h.join() {
                total.merge(p);
            }
        }
    });
    total.unreadable += walk_problems.len();
    for w in walk_problems {
        if total.examples.len() < 5 {
            total.examples.push(w);
        }
    }

    let latest: Vec<HostEntry> = latest_map
        .into_inner()
        .unwrap_or_default()
        .into_values()
        .collect();
    let (mut ready, mut degraded, mut not_ready, mut stale) = (0, 0, 0, 0);
    let mut versions: BTreeMap<String, usize> = BTreeMap::new();
    // check id → (title, code → (example summary, hosts))
    let mut failing: BTreeMap<String, (String, CausesByCode)> = BTreeMap::new();
    for h in &latest {
        *versions
            .entry(
                format!("{} {}", h.profile, h.profile_version)
                    .trim()
                    .to_string(),
            )
            .or_default() += 1;
        if h.stale {
            stale += 1;
            continue;
        }
        match h.verdict {
            Verdict::Ready => ready += 1,
            Verdict::Degraded => degraded += 1,
            Verdict::NotReady => not_ready += 1,
        }
        for c in &h.checks {
            if matches!(c.status, Status::Fail | Status::Error) {
                let entry = failing
                    .entry(c.id.to_string())
                    .or_insert_with(|| (c.title.to_string(), BTreeMap::new()));
                let cause = entry.1.entry(c.code.to_string()).or_insert_with(|| {
                    (c.summary.as_deref().unwrap_or("").to_string(), Vec::new())
                });
                cause.1.push(h.hostname.clone());
            }
        }
    }
    let mut failing_checks: Vec<FailingCheck> = failing
        .into_iter()
        .map(|(id, (title, causes))| {
            let causes = causes
                .into_iter()
                .map(|(code, (example, hosts))| CauseGroup {
                    code,
                    example,
                    hosts,
                })
                .collect();
            FailingCheck::from_causes(id, title, causes)
        })
        .collect();
    sort_failing(&mut failing_checks);
    Summary {
        files_read: files.len(),
        reports: total.reports,
        skipped_unreadable: total.unreadable,
        skipped_foreign: total.foreign,
        skipped_examples: total.examples,
        hosts: latest.len(),
        ready,
        degraded,
        not_ready,
        stale,
        since: since.map(|d| humantime::format_duration(d).to_string()),
        since_secs: since.map(|d| d.as_secs_f64()),
        failing_checks,
        profile_versions: versions,
        clock_ahead: latest
            .iter()
            .filter(|h| h.clock_ahead)
            .map(|h| h.hostname.clone())
            .collect(),
        latest,
    }
}

// The renderers (text, JSON, CSV, HTML) live in `render::summary`.
pub use crate::render::summary::{render_csv, render_html, render_json, render_text};

#[cfg(all(test, unix))]
mod field_file_tests {
    use super::*;
    use crate::report::SCHEMA_ID;
    use std::path::Path;

    fn report(id: &str, host: &str, started: &str, verdict: &str) -> String {
        format!(
            r#"{{"schema":"{SCHEMA_ID}","id":"{id}","verdict":"{verdict}","host":{{"hostname":"{host}"}},"profile":{{"name":"p"}},"started_at":"{started}","checks":[]}}"#
        )
    }

    fn set_mtime(p: &Path, t: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }

    #[test]
    fn a_report_dated_in_the_future_does_not_hide_later_ones() {
        let d = tempfile::tempdir().unwrap();
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        // Yesterday the PC's clock was a year ahead; today it is right again.
        let ahead = d.path().join("ahead.json");
        std::fs::write(&ahead, report("a", "pc", "2099-01-01T00:00:00Z", "ready")).unwrap();
        set_mtime(&ahead, now - 24 * hour);
        let today = d.path().join("today.json");
        let started = humantime::format_rfc3339_seconds(now - hour).to_string();
        std::fs::write(&today, report("b", "pc", &started, "not_ready")).unwrap();
        set_mtime(&today, now - hour);
        let s = summarize(&[d.path().to_path_buf()], None, Locale::En);
        assert_eq!(s.latest.len(), 1);
        assert_eq!(s.latest[0].report_id, "b", "the later-received report wins");
        assert_eq!(s.not_ready, 1);

        // Alone, the future-dated report is kept and flagged.
        std::fs::remove_file(&today).unwrap();
        let s = summarize(&[d.path().to_path_buf()], None, Locale::En);
        assert_eq!(s.clock_ahead, vec!["pc".to_string()]);
        assert!(render_text(&s, Locale::En).contains("clock set ahead"));
    }

    #[test]
    fn fifos_devices_loops_and_huge_files_are_skipped_without_hanging() {
        use std::os::unix::fs::symlink;
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("r.json"),
            report("a", "pc", "2026-01-01T00:00:00Z", "ready"),
        )
        .unwrap();
        let fifo = std::ffi::CString::new(d.path().join("f.json").to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        symlink("/dev/zero", d.path().join("zero.json")).unwrap();
        symlink(d.path(), d.path().join("loop")).unwrap();
        symlink(d.path().join("self"), d.path().join("self")).unwrap();
        let big = std::fs::File::create(d.path().join("big.json")).unwrap();
        big.set_len(MAX_REPORT_BYTES + 1).unwrap();
        let s = summarize(&[d.path().to_path_buf()], None, Locale::En);
        assert_eq!(s.reports, 1);
        assert_eq!(s.hosts, 1);
        assert!(s.skipped_unreadable >= 4, "{s:?}");
    }
}
