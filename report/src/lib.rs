//! The readycheck report, JSON v1: the contract with the helpdesk, the server and any tool that
//! reads reports — the file-format crate, with serde types and the rules that belong to the
//! format only (verdict, counts, root causes), no I/O. Built from the check results of one run,
//! a report carries the verdict, the counts, the diagnosis (whose problem it is), the root
//! causes, and every check with its code, evidence, observations and timings. The JSON Schema in
//! `schemas/report-v1.schema.json` is generated from these types; a test fails if the two drift
//! apart.

pub mod diagnosis;
pub mod provenance;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use readycheck_sdk::Observation;
pub use readycheck_sdk::Status;
use readycheck_sdk::i18n::{Locale, Msg};

pub use diagnosis::{Diagnosis, Layer, Owner};
pub use provenance::{
    ProfileOrigin, ProfileSignature, ProfileUpdate, RefusedProfile, SignatureStatus, UpdateOutcome,
};

/// The `schema` value of every v1 report.
pub const SCHEMA_ID: &str = "readycheck/report/v1";

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every required and recommended check passed.
    Ready,
    /// Something warned, or a recommended check failed.
    Degraded,
    /// A required check failed or could not run.
    NotReady,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::Degraded => "degraded",
            Verdict::NotReady => "not_ready",
        }
    }
    /// The verdict as a person reads it ("READY" / "就绪").
    pub fn msg(self) -> Msg {
        match self {
            Verdict::Ready => readycheck_sdk::t!("verdict.ready"),
            Verdict::Degraded => readycheck_sdk::t!("verdict.degraded"),
            Verdict::NotReady => readycheck_sdk::t!("verdict.not_ready"),
        }
    }
    /// Nagios-compatible exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Ready => 0,
            Verdict::Degraded => 1,
            Verdict::NotReady => 2,
        }
    }
}

/// Why the host (not the plugin) gave a check its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The plugin returned an error (or panicked).
    PluginError,
    /// Wrong ABI version or a missing symbol.
    AbiMismatch,
    /// Not a library, wrong architecture, or a missing dependency.
    LoadFailed,
    /// Killed by a signal or a crash code.
    Crashed,
    /// Did not answer before its timeout.
    TimedOut,
    /// Bad UTF-8, JSON, schema, or over the size cap.
    InvalidOutput,
    /// No plugin of that name on the search path.
    PluginMissing,
    /// The plugin file failed the trust rules (permissions, owner, sha256 pin).
    PluginRefused,
    /// Ctrl-C, or the whole run's deadline passed.
    Interrupted,
}

impl Cause {
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::PluginError => "plugin_error",
            Cause::AbiMismatch => "abi_mismatch",
            Cause::LoadFailed => "load_failed",
            Cause::Crashed => "crashed",
            Cause::TimedOut => "timed_out",
            Cause::InvalidOutput => "invalid_output",
            Cause::PluginMissing => "plugin_missing",
            Cause::PluginRefused => "plugin_refused",
            Cause::Interrupted => "interrupted",
        }
    }
    /// The stable result code for a check that ended with this cause.
    pub fn code(self) -> String {
        format!("host.plugin.{}", self.as_str())
    }
}

/// Number of checks per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    pub pass: u32,
    pub warn: u32,
    pub fail: u32,
    pub skip: u32,
    pub error: u32,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// The machine the checks ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Host {
    pub hostname: String,
    pub user: String,
    /// `linux`, `windows`, `macos`, …
    pub os: String,
    pub os_version: String,
    pub arch: String,
    /// The PC's time zone (an IANA name such as `Asia/Shanghai`, or Windows' own name), so a
    /// reader sees the run's time as the employee's clock showed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The PC's offset from UTC when the run started, in minutes (`480` for UTC+08:00).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
}

/// The profile that was run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// sha256 of the profile text.
    pub sha256: String,
    /// File path, or `embedded`.
    pub source: String,
    /// Helpdesk contact from the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The profile's name per language tag, when the profile gives it in several.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub l10n: BTreeMap<String, String>,
    /// Whether the profile was signed and checked, by which key, and where its text came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<ProfileSignature>,
    /// The newer profile asked of readycheck-server, and why it was not used when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<ProfileUpdate>,
    /// Profile files refused with a key pinned (the run used the last good profile instead).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<RefusedProfile>,
}

/// A plugin the run used or tried to use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PluginEntry {
    pub name: String,
    /// Empty when the plugin could not be asked.
    pub version: String,
    pub abi: u32,
    pub path: String,
    pub sha256: String,
    /// Why the plugin could not be used, if it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckReport {
    pub id: String,
    pub title: String,
    pub plugin: String,
    pub kind: String,
    pub severity: Severity,
    pub status: Status,
    /// Stable outcome id, e.g. `network.tcp.refused` or `host.plugin.crashed`.
    pub code: String,
    /// Set when the host, not the plugin, decided the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// One sentence for the person at the PC, in the report's `locale`.
    pub summary: String,
    /// The catalog message `summary` was rendered from, with its arguments (absent for a
    /// plugin that writes plain text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Msg>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub evidence: Vec<String>,
    pub metrics: BTreeMap<String, f64>,
    /// The IT-written fix text, shown when the check did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The `needs` that did not pass, when the check was skipped for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_because: Option<Vec<String>>,
    pub duration_ms: u64,
    /// The person-readable texts in every locale known when the report was written, keyed by
    /// tag (`en`, `zh-CN`): what `readycheck report --lang` re-renders from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub l10n: BTreeMap<String, Localized>,
    /// Where on the way from this PC to the service the check looks (the profile's `layer`, or
    /// what the diagnosis inferred).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Layer>,
    /// Structured facts the plugin observed (resolvers, DNS answers, connection endings, loss,
    /// sign-in pages, the tunnel, proxies), as the diagnosis used them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// Set when this failure follows from another check's: that check's id. It is then not a
    /// separate problem, and carries no advice of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explained_by: Option<String>,
}

/// A check's person-readable texts in one locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Localized {
    pub title: String,
    pub summary: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl CheckReport {
    /// An entry with these essentials and nothing else (no texts, evidence or timings): the
    /// start of building one by hand, in tools and tests.
    pub fn new(
        id: &str,
        plugin: &str,
        kind: &str,
        severity: Severity,
        status: Status,
        code: &str,
    ) -> CheckReport {
        CheckReport {
            id: id.into(),
            title: id.into(),
            plugin: plugin.into(),
            kind: kind.into(),
            severity,
            status,
            code: code.into(),
            cause: None,
            summary: String::new(),
            message: None,
            detail: None,
            evidence: Vec::new(),
            metrics: BTreeMap::new(),
            fix: None,
            skipped_because: None,
            duration_ms: 0,
            l10n: BTreeMap::new(),
            layer: None,
            observations: Vec::new(),
            explained_by: None,
        }
    }

    /// Switches the texts to `locale` where the report has them; anything without a
    /// translation stays as it is.
    pub fn localize(&mut self, locale: Locale) {
        if let Some(t) = self.l10n.get(locale.tag()) {
            self.title = t.title.clone();
            self.summary = t.summary.clone();
            self.detail = t.detail.clone().or(self.detail.take());
            self.fix = t.fix.clone().or(self.fix.take());
        }
    }
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Always `readycheck/report/v1`.
    pub schema: String,
    /// Unique id of this run (also the idempotency key when reports are submitted).
    pub id: String,
    /// The language the texts are in (`en`, `zh-CN`); codes and ids never change with it.
    #[serde(default = "default_locale")]
    pub locale: String,
    pub verdict: Verdict,
    pub counts: Counts,
    pub tool: Tool,
    pub host: Host,
    pub profile: ProfileInfo,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    pub plugins: Vec<PluginEntry>,
    /// Where to look first: the diagnosis's root cause, then the failures it does not explain
    /// (each a failure whose `needs` all passed), most severe first. Consequences of the root
    /// cause are not listed.
    pub root_causes: Vec<String>,
    /// Whose problem it is (owner, layer, headline, advice, consequences); absent in reports
    /// written before the diagnosis existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// The checks the run was limited to (`--only`) or told to leave out (`--skip`); absent for
    /// a full run of the profile. A partial run never stands for the host's full state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    pub checks: Vec<CheckReport>,
}

/// What part of the profile a run was asked to run (`--only` / `--skip`, as given).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Selection {
    /// `--only`: these checks (and what they need) ran, nothing else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// `--skip`: these checks were left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip: Vec<String>,
}

impl Selection {
    /// The selection of a run given `--only` and `--skip`: `None` for a full run.
    pub fn of(only: &[String], skip: &[String]) -> Option<Selection> {
        (!only.is_empty() || !skip.is_empty()).then(|| Selection {
            only: only.to_vec(),
            skip: skip.to_vec(),
        })
    }

    /// Whether the run left part of the profile out.
    pub fn is_partial(&self) -> bool {
        !self.only.is_empty() || !self.skip.is_empty()
    }
}

fn default_locale() -> String {
    "en".into()
}

impl Report {
    /// The report's locale (English for a tag this version does not know).
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or_default()
    }

    /// Re-renders every check's texts in `locale`, from the translations the report carries.
    pub fn localize(&mut self, locale: Locale) {
        for c in &mut self.checks {
            c.localize(locale);
        }
        if let Some(d) = &mut self.diagnosis {
            d.localize(locale);
        }
        if let Some(name) = self.profile.l10n.get(locale.tag()) {
            self.profile.name = name.clone();
        }
        self.locale = locale.tag().to_string();
    }

    /// Whether this was a partial run (`--only` / `--skip`), which never replaces a host's
    /// latest full report.
    pub fn is_partial(&self) -> bool {
        self.selection.as_ref().is_some_and(Selection::is_partial)
    }
}

/// The verdict of a set of results (DESIGN: statuses, verdict). A required check that did not
/// run because something it needs failed leaves the run not ready: nobody knows whether it
/// would have passed.
pub fn verdict(checks: &[CheckReport]) -> Verdict {
    let mut v = Verdict::Ready;
    for c in checks {
        if required_not_run(c) {
            return Verdict::NotReady;
        }
        let bad = matches!(c.status, Status::Fail | Status::Error);
        match (c.severity, bad, c.status) {
            (Severity::Required, true, _) => return Verdict::NotReady,
            (Severity::Recommended, true, _) => v = Verdict::Degraded,
            (Severity::Info, _, _) => {}
            (_, _, Status::Warn) => v = Verdict::Degraded,
            _ => {}
        }
    }
    v
}

/// Whether a required check did not run because something it needs failed: the run cannot
/// then say the PC is ready (or only degraded).
pub fn required_not_run(r: &CheckReport) -> bool {
    r.severity == Severity::Required
        && r.status == Status::Skip
        && r.skipped_because.as_ref().is_some_and(|b| !b.is_empty())
}

/// Counts per status.
pub fn counts(checks: &[CheckReport]) -> Counts {
    let mut n = Counts::default();
    for c in checks {
        match c.status {
            Status::Pass => n.pass += 1,
            Status::Warn => n.warn += 1,
            Status::Fail => n.fail += 1,
            Status::Skip => n.skip += 1,
            Status::Error => n.error += 1,
        }
    }
    n
}

/// Failures and errors whose `needs` all passed (or only warned): where to look first. Required before
/// recommended before info; profile order within each.
pub fn root_causes(
    checks: &[CheckReport],
    needs: &BTreeMap<String, Vec<String>>,
    diagnosis: Option<&Diagnosis>,
) -> Vec<String> {
    let status: BTreeMap<&str, Status> = checks.iter().map(|c| (c.id.as_str(), c.status)).collect();
    let mut roots: Vec<&CheckReport> = checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .filter(|c| {
            needs.get(&c.id).is_none_or(|ns| {
                ns.iter().all(|n| {
                    status
                        .get(n.as_str())
                        .is_some_and(|s| matches!(s, Status::Pass | Status::Warn))
                })
            })
        })
        .collect();
    roots.sort_by_key(|c| c.severity);
    let mut ids: Vec<String> = Vec::new();
    if let Some(root) = diagnosis.and_then(|d| d.root_cause.as_ref()) {
        ids.push(root.clone());
    }
    for c in roots {
        if c.explained_by.is_none() && !ids.contains(&c.id) {
            ids.push(c.id.clone());
        }
    }
    ids
}

/// How much a check matters for the verdict.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A failure means "not ready".
    Required,
    /// A failure means "degraded".
    Recommended,
    /// Shown, never changes the verdict.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Required => "required",
            Severity::Recommended => "recommended",
            Severity::Info => "info",
        }
    }
}

/// The JSON Schema of [`Report`], as committed in `schemas/report-v1.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(id: &str, severity: Severity, status: Status) -> CheckReport {
        CheckReport::new(id, "p", "k", severity, status, "x")
    }

    /// The committed schema is what the types generate. After changing the report types, run
    /// `READYCHECK_BLESS=1 cargo test -p readycheck-report schema_file` and commit the file.
    #[test]
    fn schema_file_matches_the_types() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/report-v1.schema.json");
        let generated = json_schema();
        if std::env::var_os("READYCHECK_BLESS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/report-v1.schema.json is out of date with the report types; regenerate it with READYCHECK_BLESS=1 cargo test -p readycheck-report schema_file"
        );
    }

    #[test]
    fn verdict_follows_severity() {
        use Severity::*;
        use Status::*;
        assert_eq!(verdict(&[check("a", Required, Pass)]), Verdict::Ready);
        assert_eq!(
            verdict(&[check("a", Required, Pass), check("b", Info, Fail)]),
            Verdict::Ready
        );
        assert_eq!(verdict(&[check("a", Required, Warn)]), Verdict::Degraded);
        assert_eq!(
            verdict(&[check("a", Recommended, Error)]),
            Verdict::Degraded
        );
        assert_eq!(
            verdict(&[check("a", Recommended, Fail), check("b", Required, Error)]),
            Verdict::NotReady
        );
        assert_eq!(verdict(&[check("a", Required, Skip)]), Verdict::Ready);
        // A required check not run because a recommended need failed: not ready, since nobody
        // knows whether it would have passed.
        let mut vpn = check("vpn", Required, Skip);
        vpn.skipped_because = Some(vec!["portal".into()]);
        assert_eq!(
            verdict(&[check("portal", Recommended, Fail), vpn]),
            Verdict::NotReady
        );
    }

    #[test]
    fn root_causes_skip_the_cascade() {
        use Severity::*;
        use Status::*;
        let checks = vec![
            check("internet", Required, Fail),
            check("vpn", Required, Skip),
            check("dns", Recommended, Error),
            check("disk", Required, Fail),
        ];
        let mut needs = BTreeMap::new();
        needs.insert("vpn".to_string(), vec!["internet".to_string()]);
        needs.insert("dns".to_string(), vec!["internet".to_string()]);
        assert_eq!(root_causes(&checks, &needs, None), vec!["internet", "disk"]);
    }
}
