//! Reading the report files `summarize` is given: finding every regular file under the paths
//! (FIFOs, devices and sockets skipped, each directory once even through a symlink loop), and
//! parsing each into a compact [`HostEntry`] — only the fields the summary needs, borrowed from
//! the file's bytes where possible, titles and summaries in the reader's language.

use std::borrow::Cow;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use readycheck_sdk::i18n::{Arg, Locale};
use readycheck_sdk::t;
use serde::Deserialize;

use super::{CheckRow, HostEntry, MAX_REPORT_BYTES, SKEW_TOLERANCE, trusted_time};
use crate::report::{SCHEMA_ID, Status, Verdict};

/// Shares equal strings between hosts.
#[derive(Default)]
pub(super) struct Interner(pub(super) HashSet<Arc<str>>);

impl Interner {
    pub(super) fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(a.clone());
        a
    }
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

pub(super) enum Parsed {
    Report(Box<HostEntry>),
    Unreadable(String),
    Foreign(String),
}

pub(super) fn parse_file(
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
