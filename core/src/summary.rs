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

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use std::borrow::Cow;

use readycheck_sdk::i18n::{Arg, Locale, Msg};
use readycheck_sdk::t;
use serde::{Deserialize, Serialize};

use crate::report::{SCHEMA_ID, Status, Verdict};

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

/// Shares equal strings between hosts.
#[derive(Default)]
struct Interner(HashSet<Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
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

/// Only the fields the summary needs; the rest of a report is skipped while parsing.
#[derive(Deserialize)]
struct Slim<'a> {
    schema: String,
    id: String,
    verdict: Verdict,
    host: SlimHost,
    profile: SlimProfile,
    started_at: String,
    #[serde(default)]
    selection: Option<crate::report::Selection>,
    #[serde(borrow)]
    checks: Vec<SlimCheck<'a>>,
}

#[derive(Deserialize)]
struct SlimHost {
    hostname: String,
    #[serde(default)]
    user: String,
}

#[derive(Deserialize)]
struct SlimProfile {
    name: String,
    #[serde(default)]
    version: Option<String>,
}

/// Borrowed from the file's bytes where no unescaping is needed: most checks' strings are
/// interned or dropped, so they are never allocated.
#[derive(Deserialize)]
struct SlimCheck<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    title: Cow<'a, str>,
    status: Status,
    #[serde(borrow)]
    code: Cow<'a, str>,
    #[serde(borrow)]
    summary: Cow<'a, str>,
    /// Boxed: most reports' checks are many and most carry no translations, and a bulkier
    /// check costs the parse and its memory (a third more peak RSS when inline).
    #[serde(default, borrow)]
    l10n: Option<Box<SlimL10n<'a>>>,
}

/// A check's texts per locale (`l10n` in the report); one field per locale readycheck speaks.
#[derive(Deserialize)]
struct SlimL10n<'a> {
    #[serde(default, borrow)]
    en: Option<SlimTexts<'a>>,
    #[serde(default, borrow, rename = "zh-CN")]
    zh_cn: Option<SlimTexts<'a>>,
}

#[derive(Deserialize)]
struct SlimTexts<'a> {
    #[serde(borrow)]
    title: Cow<'a, str>,
    #[serde(borrow)]
    summary: Cow<'a, str>,
}

impl<'a> SlimL10n<'a> {
    fn take(self, locale: Locale) -> Option<SlimTexts<'a>> {
        match locale {
            Locale::En => self.en,
            Locale::ZhCn => self.zh_cn,
        }
    }
}

/// Every regular file under `paths` (files as given, directories recursively). FIFOs,
/// devices and sockets are skipped and counted; a directory reached twice (a symlink loop, or
/// two paths to one place) is read once.
pub fn collect_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let mut seen_dirs = HashSet::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    while let Some(p) = stack.pop() {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => {
                let key = dir_key(&p, &m);
                if !seen_dirs.insert(key) {
                    continue;
                }
                match std::fs::read_dir(&p) {
                    Ok(entries) => stack.extend(entries.flatten().map(|e| e.path())),
                    Err(e) => problems.push(format!("{}: {e}", p.display())),
                }
            }
            Ok(m) if m.is_file() => files.push(p),
            Ok(_) => problems.push(format!(
                "{}: not a regular file (a FIFO, a device or a socket); skipped",
                p.display()
            )),
            Err(e) => problems.push(format!("{}: {e}", p.display())),
        }
    }
    files.sort();
    files.dedup();
    (files, problems)
}

/// What identifies a directory however it is reached.
fn dir_key(path: &Path, meta: &std::fs::Metadata) -> (u64, u64, PathBuf) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let _ = path;
        (meta.dev(), meta.ino(), PathBuf::new())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        (
            0,
            0,
            std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
        )
    }
}

enum Parsed {
    Report(Box<HostEntry>),
    Unreadable(String),
    Foreign(String),
}

fn parse_file(
    path: &Path,
    stale_before: Option<SystemTime>,
    names: &mut Interner,
    locale: Locale,
) -> Parsed {
    let why = |m: Arg| {
        crate::tr!(
            locale,
            "summary.skipped_file",
            path = path.display().to_string(),
            why = m
        )
    };
    let bytes = match crate::store::read_capped(path, MAX_REPORT_BYTES) {
        Ok(b) => b,
        Err(e) => return Parsed::Unreadable(why(e.to_string().into())),
    };
    let received = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let slim: Slim = match serde_json::from_slice(&bytes) {
        Ok(s) => s,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return Parsed::Unreadable(why(t!("summary.not_json", error = e.to_string()).into()));
        }
        Err(e) => {
            return Parsed::Foreign(why(t!("summary.not_a_report", error = e.to_string()).into()));
        }
    };
    if slim.schema != SCHEMA_ID {
        return Parsed::Foreign(why(t!(
            "summary.other_schema",
            schema = slim.schema,
            ours = SCHEMA_ID
        )
        .into()));
    }
    let now = SystemTime::now();
    let started = humantime::parse_rfc3339_weak(&slim.started_at).ok();
    let stale = match (stale_before, trusted_time(started, received)) {
        (Some(cut), Some(t)) => t < cut,
        _ => false,
    };
    Parsed::Report(Box::new(HostEntry {
        hostname: slim.host.hostname,
        user: slim.host.user,
        report_id: slim.id,
        started_at: slim.started_at,
        verdict: slim.verdict,
        profile: slim.profile.name,
        profile_version: slim.profile.version.unwrap_or_default(),
        stale,
        partial: slim.selection.is_some_and(|s| s.is_partial()),
        file: path.display().to_string(),
        checks: slim
            .checks
            .into_iter()
            .map(|c| {
                let (title, summary) = match c.l10n.and_then(|l| l.take(locale)) {
                    Some(t) => (t.title, t.summary),
                    None => (c.title, c.summary),
                };
                CheckRow {
                    id: names.get(&c.id),
                    title: names.get(&title),
                    status: c.status,
                    code: names.get(&c.code),
                    summary: (c.status != Status::Pass)
                        .then(|| summary.into_owned().into_boxed_str()),
                }
            })
            .collect(),
        clock_ahead: started.is_some_and(|t| {
            let trusted = received.map_or(now, |r| r.min(now));
            t > trusted + SKEW_TOLERANCE
        }),
        received,
    }))
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
fn trusted_time(started: Option<SystemTime>, received: Option<SystemTime>) -> Option<SystemTime> {
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

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "0%".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

/// The word for a verdict in the summary's counts and tables ("not ready" / "未就绪").
fn verdict_label(v: Verdict) -> Msg {
    match v {
        Verdict::Ready => t!("summary.ready"),
        Verdict::Degraded => t!("summary.degraded"),
        Verdict::NotReady => t!("summary.not_ready"),
    }
}

/// Plain text for the helpdesk, in `locale`.
pub fn render_text(s: &Summary, locale: Locale) -> String {
    use std::fmt::Write as _;
    let tr = |m: Msg| crate::i18n::render(locale, &m);
    let pad = crate::render::text::pad;
    let mut o = String::new();
    let current = s.hosts - s.stale;
    let _ = writeln!(
        o,
        "{}\n",
        tr(t!("summary.heading", reports = s.reports, hosts = s.hosts))
    );
    let rows = [
        (verdict_label(Verdict::Ready), s.ready),
        (verdict_label(Verdict::Degraded), s.degraded),
        (verdict_label(Verdict::NotReady), s.not_ready),
    ];
    let labels: Vec<String> = rows.iter().map(|(m, _)| tr(m.clone())).collect();
    let stale_label = tr(t!("summary.stale"));
    let w = labels
        .iter()
        .chain(std::iter::once(&stale_label))
        .map(|l| crate::render::text::width(l))
        .max()
        .unwrap_or(0);
    for (label, (_, n)) in labels.iter().zip(&rows) {
        let _ = writeln!(o, "  {}  {n:>6}  {}", pad(label, w), pct(*n, current));
    }
    if let Some(secs) = s.since_secs {
        let _ = writeln!(
            o,
            "  {}  {:>6}  {}",
            pad(&stale_label, w),
            s.stale,
            tr(t!("summary.stale_note", since = Arg::secs(secs)))
        );
    }
    if !s.failing_checks.is_empty() {
        let _ = writeln!(o, "\n{}", tr(t!("summary.top_failing")));
        for f in s.failing_checks.iter().take(10) {
            let _ = writeln!(
                o,
                "  {}",
                tr(t!(
                    "summary.failing_check",
                    hosts = f.hosts,
                    title = &f.title,
                    id = &f.id
                ))
            );
            for c in f.causes.iter().take(3) {
                let mut hosts: Vec<String> = c.hosts.iter().take(5).cloned().collect();
                if c.hosts.len() > 5 {
                    hosts.push("…".into());
                }
                let _ = writeln!(
                    o,
                    "      {:>5} × {}",
                    c.hosts.len(),
                    tr(t!(
                        "summary.cause",
                        code = &c.code,
                        example = &c.example,
                        hosts = hosts
                    ))
                );
            }
        }
    }
    if !s.clock_ahead.is_empty() {
        let mut hosts: Vec<String> = s.clock_ahead.iter().take(10).cloned().collect();
        if s.clock_ahead.len() > 10 {
            hosts.push("…".into());
        }
        let _ = writeln!(
            o,
            "\n{}",
            tr(t!(
                "summary.clock_ahead",
                n = s.clock_ahead.len(),
                hosts = hosts
            ))
        );
    }
    let _ = writeln!(o, "\n{}", tr(t!("summary.versions")));
    for (v, n) in &s.profile_versions {
        let _ = writeln!(o, "  {n:>6}  {v}");
    }
    if s.skipped_unreadable + s.skipped_foreign > 0 {
        let _ = writeln!(
            o,
            "\n{}",
            tr(t!(
                "summary.skipped",
                unreadable = s.skipped_unreadable,
                foreign = s.skipped_foreign,
                files = s.files_read
            ))
        );
        for e in &s.skipped_examples {
            let _ = writeln!(o, "  {e}");
        }
    }
    // Hostnames, titles, summaries and file names come from the field: shown, never obeyed.
    crate::sanitize::text(&o).into_owned()
}

/// JSON: the counts, the failing checks with causes and hosts, and each host's latest report.
pub fn render_json(s: &Summary) -> String {
    let latest: Vec<serde_json::Value> = s
        .latest
        .iter()
        .map(|h| {
            serde_json::json!({
                "hostname": h.hostname, "user": h.user, "report_id": h.report_id, "started_at": h.started_at,
                "verdict": h.verdict, "profile": h.profile, "profile_version": h.profile_version,
                "stale": h.stale, "file": h.file, "clock_ahead": h.clock_ahead,
                "failing": h.checks.iter().filter(|c| matches!(c.status, Status::Fail | Status::Error)).map(|c| c.id.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mut v = serde_json::to_value(s).expect("summary serialises");
    v["latest"] = serde_json::Value::Array(latest);
    let mut out = serde_json::to_string_pretty(&v).expect("json");
    out.push('\n');
    out
}

/// CSV for spreadsheets: one row per host × check of each host's latest report (the summary
/// column is filled for checks that did not pass). Every cell goes through
/// [`crate::sanitize::csv_cell`]: no formula, no control character.
pub fn render_csv(s: &Summary) -> String {
    let mut o = String::from(
        "hostname,user,report_id,started_at,verdict,stale,profile,profile_version,check_id,check_title,status,code,summary\n",
    );
    for h in &s.latest {
        for c in &h.checks {
            let row = [
                h.hostname.as_str(),
                h.user.as_str(),
                h.report_id.as_str(),
                h.started_at.as_str(),
                h.verdict.as_str(),
                if h.stale { "yes" } else { "no" },
                h.profile.as_str(),
                h.profile_version.as_str(),
                &c.id,
                &c.title,
                c.status.as_str(),
                &c.code,
                c.summary.as_deref().unwrap_or(""),
            ];
            o.push_str(
                &row.iter()
                    .map(|f| crate::sanitize::csv_cell(f))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            o.push('\n');
        }
    }
    o
}

/// A self-contained dashboard page in `locale`: a bar chart of verdicts and of the top causes
/// (inline SVG).
pub fn render_html(s: &Summary, locale: Locale) -> String {
    use crate::render::html::esc;
    use std::fmt::Write as _;
    let tr = |m: Msg| esc(&crate::i18n::render(locale, &m));
    // A section heading and the head of its table.
    let table = |heading: Msg, columns: [Msg; 4]| {
        let ths: String = columns
            .into_iter()
            .map(|c| format!("<th>{}</th>", tr(c)))
            .collect();
        format!(
            "<h2>{}</h2>\n<table><thead><tr>{ths}</tr></thead><tbody>\n",
            tr(heading)
        )
    };
    let title = tr(t!("summary.html_title"));
    let mut o = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n<style>body{{margin:0;font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;color:#1f2328}}main{{max-width:64rem;margin:0 auto;padding:1rem}}h1{{font-size:1.5rem}}h2{{font-size:1.15rem;margin-top:1.5rem}}table{{width:100%;border-collapse:collapse}}td,th{{text-align:left;padding:.4rem;border-bottom:1px solid #d0d7de;vertical-align:top}}.muted{{color:#57606a;font-size:.85rem}}svg text{{font:13px system-ui,\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif}}</style>\n</head>\n<body>\n<main>\n",
        locale.tag()
    );
    let _ = writeln!(
        o,
        "<h1>{title}</h1>\n<p id=\"totals\">{}</p>",
        tr(t!(
            "summary.html_totals",
            reports = s.reports,
            hosts = s.hosts,
            ready = s.ready,
            degraded = s.degraded,
            not_ready = s.not_ready,
            stale = s.stale
        ))
    );
    let bars = [
        (verdict_label(Verdict::Ready), s.ready, "#1a7f37"),
        (verdict_label(Verdict::Degraded), s.degraded, "#9a6700"),
        (verdict_label(Verdict::NotReady), s.not_ready, "#cf222e"),
        (t!("summary.stale"), s.stale, "#6e7781"),
    ];
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let verdicts = tr(t!("summary.verdicts"));
    let _ = writeln!(
        o,
        "<h2>{verdicts}</h2>\n<svg id=\"verdict-chart\" role=\"img\" aria-label=\"{verdicts}\" width=\"100%\" viewBox=\"0 0 600 150\">"
    );
    for (i, (label, n, colour)) in bars.iter().enumerate() {
        let w = (*n as f64 / max as f64 * 420.0).max(1.0);
        let y = 10 + i * 34;
        let _ = writeln!(
            o,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"90\" y=\"{y}\" width=\"{w:.0}\" height=\"24\" fill=\"{colour}\"/><text x=\"{:.0}\" y=\"{}\">{n}</text>",
            y + 17,
            tr(label.clone()),
            96.0 + w,
            y + 17
        );
    }
    o.push_str("</svg>\n");
    if !s.failing_checks.is_empty() {
        let top: Vec<(&FailingCheck, &CauseGroup)> = s
            .failing_checks
            .iter()
            .flat_map(|f| f.causes.iter().map(move |c| (f, c)))
            .take(8)
            .collect();
        let maxc = top
            .iter()
            .map(|(_, c)| c.hosts.len())
            .max()
            .unwrap_or(1)
            .max(1);
        let causes = tr(t!("summary.top_causes"));
        let _ = writeln!(
            o,
            "<h2>{causes}</h2>\n<svg id=\"cause-chart\" role=\"img\" aria-label=\"{causes}\" width=\"100%\" viewBox=\"0 0 600 {}\">",
            10 + top.len() * 30
        );
        for (i, (f, c)) in top.iter().enumerate() {
            let w = (c.hosts.len() as f64 / maxc as f64 * 300.0).max(1.0);
            let y = 10 + i * 30;
            let _ = writeln!(
                o,
                "<text x=\"0\" y=\"{}\">{}</text><rect x=\"290\" y=\"{y}\" width=\"{w:.0}\" height=\"20\" fill=\"#cf222e\"/><text x=\"{:.0}\" y=\"{}\">{}</text>",
                y + 15,
                esc(&format!("{} · {}", f.id, c.code)),
                296.0 + w,
                y + 15,
                c.hosts.len()
            );
        }
        o.push_str("</svg>\n");
        o.push_str(&table(
            t!("summary.failing_checks"),
            [
                t!("summary.col.hosts"),
                t!("summary.col.check"),
                t!("summary.col.cause"),
                t!("summary.col.which_hosts"),
            ],
        ));
        for f in &s.failing_checks {
            for c in &f.causes {
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{} <span class=\"muted\">{}</span></td><td><code>{}</code><br><span class=\"muted\">{}</span></td><td>{}</td></tr>",
                    c.hosts.len(),
                    esc(&f.title),
                    esc(&f.id),
                    esc(&c.code),
                    esc(&c.example),
                    tr(t!("summary.host_list", hosts = &c.hosts))
                );
            }
        }
        o.push_str("</tbody></table>\n");
    }
    o.push_str(&table(
        t!("summary.latest"),
        [
            t!("summary.col.host"),
            t!("summary.col.verdict"),
            t!("summary.col.started"),
            t!("summary.col.profile"),
        ],
    ));
    let stale_mark = tr(t!("summary.stale_mark"));
    for h in &s.latest {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{} {}</td></tr>",
            esc(&h.hostname),
            tr(verdict_label(h.verdict)),
            if h.stale { stale_mark.as_str() } else { "" },
            esc(&h.started_at),
            esc(&h.profile),
            esc(&h.profile_version)
        );
    }
    let _ = writeln!(
        o,
        "</tbody></table>\n<p class=\"muted\">{}</p>\n</main>\n</body>\n</html>",
        tr(t!(
            "summary.footer",
            files = s.files_read,
            unreadable = s.skipped_unreadable,
            foreign = s.skipped_foreign
        ))
    );
    o
}

#[cfg(all(test, unix))]
mod field_file_tests {
    use super::*;

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
