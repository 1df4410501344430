//! Ingest: what a submitted body must be before it is stored, and storing it exactly once.
//! Knows nothing of HTTP: the handler passes the bytes, the idempotency key, the token and the
//! client's address; the errors are typed, and [`crate::api`] maps them to status codes.
//!
//! Order of checks: UTF-8, JSON (nesting deeper than 128 levels is refused by the parser),
//! the report JSON Schema (every violation named by its JSON pointer), the `schema` id, the
//! times (`started_at` at most `max_future` ahead of the server's clock). Then one transaction
//! stores the body, its indexed columns, one row per check and the host's new state.

use std::time::{Duration, SystemTime};

use readycheck_report::{Report, Status};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::store::{CheckRow, Inserted, NewReport, Store, StoreError, TokenRow};

/// Why a body was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the body is not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("the body is not JSON: {message}")]
    NotJson { message: String },
    #[error("the body is nested too deeply (more than 128 levels)")]
    TooDeep,
    #[error("the report does not match the report schema: {field}: {message}")]
    Schema {
        /// JSON pointer of the first offending value (`/host/hostname`).
        field: String,
        message: String,
        /// Every violation, first ones first (at most 20).
        all: Vec<(String, String)>,
    },
    #[error(
        "`schema` is `{found}`; this server accepts `{}`",
        readycheck_report::SCHEMA_ID
    )]
    OtherSchema { found: String },
    #[error("{field}: `{value}` is not an RFC 3339 time")]
    BadTime { field: &'static str, value: String },
    #[error("started_at `{value}` is in the future (more than {} ahead of the server's clock)", humantime::format_duration(*skew))]
    FromTheFuture { value: String, skew: Duration },
    #[error("the Idempotency-Key header must be 1–200 visible ASCII characters")]
    BadKey,
    #[error(
        "idempotency key `{key}` was already used for a different report body (stored as {id})"
    )]
    Conflict { key: String, id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    /// The report field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            IngestError::Schema { field, .. } => Some(field),
            IngestError::OtherSchema { .. } => Some("/schema"),
            IngestError::BadTime { field, .. } => Some(field),
            IngestError::FromTheFuture { .. } => Some("/started_at"),
            _ => None,
        }
    }
}

/// The checks every body goes through, built once.
#[derive(Debug)]
pub struct Ingestor {
    validator: jsonschema::Validator,
    max_future: Duration,
}

/// A submission as the HTTP layer hands it over.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    pub body: &'a [u8],
    pub idempotency_key: Option<&'a str>,
    pub token: Option<&'a TokenRow>,
    pub remote_addr: String,
    pub now: SystemTime,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored now.
    New { id: String },
    /// Already stored (a resend): nothing changed.
    Again { id: String },
}

fn rfc3339_ms(field: &'static str, s: &str) -> Result<i64, IngestError> {
    humantime::parse_rfc3339_weak(s)
        .map(crate::unix_ms)
        .map_err(|_| IngestError::BadTime {
            field,
            value: s.chars().take(60).collect(),
        })
}

impl Ingestor {
    /// Compiles the report schema.
    pub fn new(max_future: Duration) -> Ingestor {
        let schema: Value = serde_json::from_str(&readycheck_report::json_schema())
            .expect("the report schema is JSON");
        let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
        Ingestor {
            validator,
            max_future,
        }
    }

    /// Checks a submission and turns it into the rows to store; no I/O.
    pub fn prepare(&self, s: &Submission<'_>) -> Result<NewReport, IngestError> {
        let text = std::str::from_utf8(s.body).map_err(|e| IngestError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        let value: Value = serde_json::from_str(text).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                IngestError::TooDeep
            } else {
                IngestError::NotJson {
                    message: e.to_string(),
                }
            }
        })?;
        if !self.validator.is_valid(&value) {
            let all: Vec<(String, String)> = self
                .validator
                .iter_errors(&value)
                .take(20)
                .map(|e| {
                    let mut path = e.instance_path().to_string();
                    // A missing property is named by where it should be.
                    if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind()
                        && let Some(p) = property.as_str()
                    {
                        path = format!("{path}/{p}");
                    }
                    if path.is_empty() {
                        path = "/".into();
                    }
                    let mut msg = e.to_string();
                    if msg.len() > 300 {
                        let cut = (0..=300)
                            .rev()
                            .find(|i| msg.is_char_boundary(*i))
                            .unwrap_or(0);
                        msg.truncate(cut);
                        msg.push('…');
                    }
                    (path, msg)
                })
                .collect();
            let (field, message) = all.first().cloned().unwrap_or_default();
            return Err(IngestError::Schema {
                field,
                message,
                all,
            });
        }
        let report: Report = serde_json::from_value(value).map_err(|e| IngestError::Schema {
            field: "/".into(),
            message: e.to_string(),
            all: vec![("/".into(), e.to_string())],
        })?;
        if report.schema != readycheck_report::SCHEMA_ID {
            return Err(IngestError::OtherSchema {
                found: report.schema.chars().take(60).collect(),
            });
        }
        let started_at = rfc3339_ms("/started_at", &report.started_at)?;
        let now = crate::unix_ms(s.now);
        if started_at > now + self.max_future.as_millis() as i64 {
            return Err(IngestError::FromTheFuture {
                value: report.started_at.clone(),
                skew: self.max_future,
            });
        }
        let key = match s.idempotency_key {
            Some(k) => {
                let k = k.trim();
                if k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(IngestError::BadKey);
                }
                k.to_string()
            }
            None => report.id.clone(),
        };
        let diagnosis = report.diagnosis.as_ref();
        let root_cause = diagnosis
            .and_then(|d| d.root_cause.clone())
            .or_else(|| report.root_causes.first().cloned());
        let root_cause_code = root_cause
            .as_ref()
            .and_then(|id| report.checks.iter().find(|c| &c.id == id))
            .map(|c| c.code.clone());
        let status = |s: Status| match s {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        };
        Ok(NewReport {
            id: report.id.clone(),
            idempotency_key: key,
            body_sha256: Sha256::digest(s.body)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
            hostname: report.host.hostname.clone(),
            username: report.host.user.clone(),
            os: report.host.os.clone(),
            os_version: report.host.os_version.clone(),
            profile_name: report.profile.name.clone(),
            profile_version: report.profile.version.clone().unwrap_or_default(),
            verdict: report.verdict.as_str().into(),
            partial: report.is_partial(),
            started_at,
            received_at: now,
            duration_ms: i64::try_from(report.duration_ms).unwrap_or(i64::MAX),
            root_cause,
            root_cause_code,
            owner: diagnosis.map(|d| d.owner.as_str().to_string()),
            layer: diagnosis.map(|d| d.layer.as_str().to_string()),
            who: diagnosis.and_then(|d| d.who.clone()),
            headline_en: diagnosis.map(|d| {
                d.l10n
                    .get("en")
                    .map(|t| t.headline.clone())
                    .unwrap_or_else(|| d.headline.clone())
            }),
            headline_zh: diagnosis.and_then(|d| d.l10n.get("zh-CN").map(|t| t.headline.clone())),
            root_causes: serde_json::to_string(&report.root_causes).unwrap_or_else(|_| "[]".into()),
            token_id: s.token.map(|t| t.id.clone()),
            site: s.token.map(|t| t.site.clone()).unwrap_or_default(),
            label: s.token.map(|t| t.label.clone()).unwrap_or_default(),
            remote_addr: s.remote_addr.clone(),
            body: text.to_string(),
            checks: report
                .checks
                .iter()
                .map(|c| CheckRow {
                    check_id: c.id.clone(),
                    status: status(c.status).into(),
                    code: c.code.clone(),
                    duration_ms: i64::try_from(c.duration_ms).unwrap_or(i64::MAX),
                })
                .collect(),
        })
    }

    /// Checks and stores a submission, exactly once per idempotency key.
    pub async fn ingest(&self, store: &Store, s: &Submission<'_>) -> Result<Stored, IngestError> {
        let new = self.prepare(s)?;
        match store.insert_report(&new).await? {
            Inserted::Stored => Ok(Stored::New { id: new.id }),
            Inserted::Duplicate {
                id,
                same_body: true,
            } => Ok(Stored::Again { id }),
            Inserted::Duplicate {
                id,
                same_body: false,
            } => Err(IngestError::Conflict {
                key: new.idempotency_key,
                id,
            }),
        }
    }
}
