//! The read side, for scripts and the dashboard: hosts with their current state (filters:
//! verdict, site, profile, since), one host's history, one report as stored or rendered, and
//! the fleet summary — the same content and JSON shape as `readycheck summarize -f json`, built
//! from the store instead of files. Knows nothing of HTTP; times leave here as RFC 3339.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use readycheck::summary::{CauseGroup, CheckRow as SummaryCheck, FailingCheck, HostEntry, Summary};
use readycheck_report::{Report, Status, Verdict};
use readycheck_sdk::i18n::Locale;
use serde::Serialize;
use serde_json::{Value, json};

use crate::store::{HostFilter, HostRow, ReportMeta, Store, StoreError};

/// Most hosts one page lists.
pub const MAX_LIMIT: i64 = 100_000;
/// Hosts per page without `limit`.
pub const DEFAULT_LIMIT: i64 = 1_000;

/// Why a read could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("no {what} `{id}`")]
    NotFound { what: &'static str, id: String },
    #[error("query parameter `{param}`: {message}")]
    BadQuery {
        param: &'static str,
        message: String,
    },
    #[error("stored report {id} cannot be read: {message}")]
    Corrupt { id: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The host list's query, as given.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostQuery {
    /// `ready`, `degraded` or `not_ready`.
    pub verdict: Option<String>,
    /// The enrolment token's site.
    pub site: Option<String>,
    /// Profile name.
    pub profile: Option<String>,
    /// RFC 3339 time or a duration back from now (`24h`).
    pub since: Option<String>,
    /// Hostname to continue after (the previous page's `next_after`).
    pub after: Option<String>,
    pub limit: Option<i64>,
}

/// Parses `since`: an RFC 3339 time or a duration back from `now_ms`.
pub fn parse_since(s: &str, now_ms: i64) -> Result<i64, ReadError> {
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return Ok(crate::unix_ms(t));
    }
    match humantime::parse_duration(s) {
        Ok(d) => Ok(now_ms - d.as_millis() as i64),
        Err(_) => Err(ReadError::BadQuery {
            param: "since",
            message: format!("`{s}` is neither an RFC 3339 time nor a duration such as 24h"),
        }),
    }
}

fn limit(l: Option<i64>) -> Result<i64, ReadError> {
    match l {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(ReadError::BadQuery {
            param: "limit",
            message: format!("{n} is not between 1 and {MAX_LIMIT}"),
        }),
    }
}

fn links(report_id: &str) -> Value {
    json!({
        "json": format!("/api/v1/reports/{report_id}"),
        "html": format!("/api/v1/reports/{report_id}/html"),
    })
}

/// A host as the API shows it.
pub fn host_json(h: &HostRow) -> Value {
    json!({
        "hostname": h.hostname,
        "user": h.username,
        "os": h.os,
        "verdict": h.verdict,
        "partial": h.partial,
        "report_id": h.report_id,
        "started_at": crate::rfc3339(h.started_at),
        "received_at": crate::rfc3339(h.received_at),
        "profile": { "name": h.profile_name, "version": h.profile_version },
        "site": h.site,
        "label": h.label,
        "owner": h.owner,
        "root_cause_code": h.root_cause_code,
        "last_report_id": h.last_report_id,
        "last_started_at": crate::rfc3339(h.last_started_at),
        "links": links(&h.report_id),
        "history": format!("/api/v1/hosts/{}/reports", h.hostname),
    })
}

/// A stored report's columns as the API shows them.
pub fn meta_json(m: &ReportMeta) -> Value {
    json!({
        "id": m.id,
        "hostname": m.hostname,
        "user": m.username,
        "os": m.os,
        "os_version": m.os_version,
        "profile": { "name": m.profile_name, "version": m.profile_version },
        "verdict": m.verdict,
        "partial": m.partial,
        "started_at": crate::rfc3339(m.started_at),
        "received_at": crate::rfc3339(m.received_at),
        "duration_ms": m.duration_ms,
        "root_cause": m.root_cause,
        "root_cause_code": m.root_cause_code,
        "owner": m.owner,
        "layer": m.layer,
        "root_causes": serde_json::from_str::<Value>(&m.root_causes).unwrap_or(Value::Array(vec![])),
        "site": m.site,
        "label": m.label,
        "links": links(&m.id),
    })
}

/// One page of hosts.
#[derive(Debug, Serialize)]
pub struct HostPage {
    pub hosts: Vec<Value>,
    /// Pass as `after` for the next page; absent on the last.
    pub next_after: Option<String>,
}

/// Hosts with their current state (the latest full report, or a partial run while the host
/// has no full one).
pub async fn hosts(store: &Store, q: &HostQuery, now_ms: i64) -> Result<HostPage, ReadError> {
    if let Some(v) = &q.verdict
        && !matches!(v.as_str(), "ready" | "degraded" | "not_ready")
    {
        return Err(ReadError::BadQuery {
            param: "verdict",
            message: format!("`{v}` is not one of ready, degraded, not_ready"),
        });
    }
    let limit = limit(q.limit)?;
    let filter = HostFilter {
        verdict: q.verdict.clone(),
        site: q.site.clone(),
        profile: q.profile.clone(),
        since: q
            .since
            .as_deref()
            .map(|s| parse_since(s, now_ms))
            .transpose()?,
        after: q.after.clone(),
        limit,
    };
    let rows = store.hosts(&filter).await?;
    let next_after = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|h| h.hostname.clone()))
        .flatten();
    Ok(HostPage {
        hosts: rows.iter().map(host_json).collect(),
        next_after,
    })
}

/// One host: its current state and its reports, newest first.
pub async fn history(
    store: &Store,
    hostname: &str,
    before: Option<&str>,
    limit_: Option<i64>,
) -> Result<Value, ReadError> {
    let Some(host) = store.host(hostname).await? else {
        return Err(ReadError::NotFound {
            what: "host",
            id: hostname.into(),
        });
    };
    let limit = limit(Some(limit_.unwrap_or(100)))?;
    let before = before
        .map(|b| {
            humantime::parse_rfc3339_weak(b)
                .map(crate::unix_ms)
                .map_err(|_| ReadError::BadQuery {
                    param: "before",
                    message: format!("`{b}` is not an RFC 3339 time"),
                })
        })
        .transpose()?;
    let reports = store.history(hostname, before, limit).await?;
    let next_before = (reports.len() as i64 == limit)
        .then(|| reports.last().map(|m| crate::rfc3339(m.started_at)))
        .flatten();
    Ok(json!({
        "host": host_json(&host),
        "reports": reports.iter().map(meta_json).collect::<Vec<_>>(),
        "next_before": next_before,
    }))
}

/// A stored report, parsed.
pub async fn report(store: &Store, id: &str) -> Result<Report, ReadError> {
    let body = report_body(store, id).await?;
    serde_json::from_str(&body).map_err(|e| ReadError::Corrupt {
        id: id.into(),
        message: e.to_string(),
    })
}

/// A stored report exactly as it was received.
pub async fn report_body(store: &Store, id: &str) -> Result<String, ReadError> {
    store
        .report_body(id)
        .await?
        .ok_or_else(|| ReadError::NotFound {
            what: "report",
            id: id.into(),
        })
}

/// A stored report rendered as the client's HTML page, in `locale` if given.
pub async fn report_html(
    store: &Store,
    id: &str,
    locale: Option<Locale>,
) -> Result<String, ReadError> {
    let mut r = report(store, id).await?;
    if let Some(l) = locale {
        r.localize(l);
    }
    Ok(readycheck::render::html::render(&r))
}

/// How far a report's start may be after its receipt before its clock is called ahead.
const SKEW_MS: i64 = readycheck::summary::SKEW_TOLERANCE.as_millis() as i64;

fn to_system_time(ms: i64) -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64)
}

fn verdict_of(s: &str) -> Verdict {
    match s {
        "ready" => Verdict::Ready,
        "degraded" => Verdict::Degraded,
        _ => Verdict::NotReady,
    }
}

fn status_of(s: &str) -> Status {
    match s {
        "pass" => Status::Pass,
        "warn" => Status::Warn,
        "fail" => Status::Fail,
        "skip" => Status::Skip,
        _ => Status::Error,
    }
}

/// The fleet summary over every host's current state: `readycheck summarize`'s content, with
/// hosts whose current report started before now − `since` counted stale. Titles and example
/// summaries are read in `locale` from one report per failing check and code.
pub async fn summary(
    store: &Store,
    since: Option<Duration>,
    locale: Locale,
    now_ms: i64,
) -> Result<Summary, ReadError> {
    let cut = since.map(|d| now_ms - d.as_millis() as i64);
    let hosts = store
        .hosts(&HostFilter {
            limit: i64::MAX,
            ..HostFilter::default()
        })
        .await?;
    let failing = store.failing(None).await?;
    let reports = store.count_reports().await? as usize;

    // Titles and example summaries, from the first report showing each check and code.
    let mut texts: HashMap<String, Report> = HashMap::new();
    let mut wanted: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for f in &failing {
        wanted.entry((&f.check_id, &f.code)).or_insert(&f.report_id);
    }
    let mut title_of: HashMap<String, String> = HashMap::new();
    let mut example_of: HashMap<(String, String), String> = HashMap::new();
    for ((check, code), rid) in wanted {
        if !texts.contains_key(rid) {
            let mut r = report(store, rid).await?;
            r.localize(locale);
            texts.insert(rid.to_string(), r);
        }
        if let Some(c) = texts
            .get(rid)
            .and_then(|r| r.checks.iter().find(|c| c.id == check))
        {
            title_of
                .entry(check.to_string())
                .or_insert_with(|| c.title.clone());
            example_of.insert((check.to_string(), code.to_string()), c.summary.clone());
        }
    }

    let mut by_host: HashMap<&str, Vec<&crate::store::FailingRow>> = HashMap::new();
    for f in &failing {
        by_host.entry(&f.hostname).or_default().push(f);
    }
    let mut failing_map: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let (mut ready, mut degraded, mut not_ready, mut stale) = (0, 0, 0, 0);
    let mut versions: BTreeMap<String, usize> = BTreeMap::new();
    let mut latest = Vec::with_capacity(hosts.len());
    for h in &hosts {
        *versions
            .entry(
                format!("{} {}", h.profile_name, h.profile_version)
                    .trim()
                    .to_string(),
            )
            .or_default() += 1;
        let is_stale = cut.is_some_and(|c| h.started_at < c);
        let verdict = verdict_of(&h.verdict);
        if is_stale {
            stale += 1;
        } else {
            match verdict {
                Verdict::Ready => ready += 1,
                Verdict::Degraded => degraded += 1,
                Verdict::NotReady => not_ready += 1,
            }
        }
        let rows = by_host
            .get(h.hostname.as_str())
            .cloned()
            .unwrap_or_default();
        if !is_stale {
            for f in &rows {
                failing_map
                    .entry(f.check_id.clone())
                    .or_default()
                    .entry(f.code.clone())
                    .or_default()
                    .push(h.hostname.clone());
            }
        }
        latest.push(HostEntry {
            hostname: h.hostname.clone(),
            user: h.username.clone(),
            report_id: h.report_id.clone(),
            started_at: crate::rfc3339(h.started_at),
            verdict,
            profile: h.profile_name.clone(),
            profile_version: h.profile_version.clone(),
            stale: is_stale,
            partial: h.partial,
            file: format!("/api/v1/reports/{}", h.report_id),
            received: Some(to_system_time(h.received_at)),
            clock_ahead: h.started_at > h.received_at + SKEW_MS,
            checks: rows
                .iter()
                .map(|f| SummaryCheck {
                    id: Arc::from(f.check_id.as_str()),
                    title: Arc::from(
                        title_of
                            .get(&f.check_id)
                            .map(String::as_str)
                            .unwrap_or(&f.check_id),
                    ),
                    status: status_of(&f.status),
                    code: Arc::from(f.code.as_str()),
                    summary: example_of
                        .get(&(f.check_id.clone(), f.code.clone()))
                        .map(|s| s.clone().into_boxed_str()),
                })
                .collect(),
        });
    }
    let mut failing_checks: Vec<FailingCheck> = failing_map
        .into_iter()
        .map(|(id, codes)| {
            let causes: Vec<CauseGroup> = codes
                .into_iter()
                .map(|(code, hosts)| CauseGroup {
                    example: example_of
                        .get(&(id.clone(), code.clone()))
                        .cloned()
                        .unwrap_or_default(),
                    code,
                    hosts,
                })
                .collect();
            let title = title_of.get(&id).cloned().unwrap_or_else(|| id.clone());
            FailingCheck::from_causes(id, title, causes)
        })
        .collect();
    readycheck::summary::sort_failing(&mut failing_checks);
    Ok(Summary {
        files_read: reports,
        reports,
        skipped_unreadable: 0,
        skipped_foreign: 0,
        skipped_examples: vec![],
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
    })
}
