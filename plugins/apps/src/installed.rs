//! `apps/installed` and `apps/any_of`: an application is present at an acceptable version —
//! `min_version` (fail below), `nudge_version` (warn below), `max_version`, `blocked` builds —
//! found by the sources the profile names or those that fit the OS; and "at least N of these"
//! for backup order channels, naming what is present and what is missing.

use std::time::{Duration, Instant};

use readycheck_sdk::i18n::{Arg, Msg};
use readycheck_sdk::{CheckRequest, CheckResult, Kind, Status, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::sources::{Found, Source, defaults};
use crate::version::{compare, compare_debian, is_package_form, package_upstream};

/// One application and what is acceptable.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// The application's name; with no `sources`, also the package / command / app name looked for.
    pub name: String,
    /// Where to look (default: what fits the OS — packages and `<name> --version` on Linux,
    /// /Applications/<name>.app on macOS, the Uninstall registry on Windows).
    #[serde(default)]
    pub sources: Option<Vec<Source>>,
    /// Fail below this version.
    #[serde(default)]
    pub min_version: Option<String>,
    /// Warn below this version (update soon).
    #[serde(default)]
    pub nudge_version: Option<String>,
    /// Fail above this version (not yet supported by IT).
    #[serde(default)]
    pub max_version: Option<String>,
    /// Known-bad versions that fail.
    #[serde(default)]
    pub blocked: Vec<String>,
}

/// Parameters of `apps/installed`: one [`App`].
pub type InstalledParams = App;

/// Parameters of `apps/any_of`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnyOfParams {
    /// The alternatives, e.g. two trading apps and a web terminal.
    #[schemars(length(min = 1))]
    pub apps: Vec<App>,
    /// How many must be present at acceptable versions (default 1).
    #[serde(default = "one")]
    pub min_present: usize,
}

fn one() -> usize {
    1
}

/// The `apps/installed` kind.
pub struct Installed;

impl Kind for Installed {
    const NAME: &'static str = "installed";
    const TITLE: &'static str = "An application is installed at a supported version";
    const DESCRIPTION: &'static str = "Looks for an application by the sources given (a command's --version output, dpkg, rpm, \
         flatpak, snap, a macOS app bundle, the Windows Uninstall registry, an .exe's version) or \
         by those that fit the OS, and checks its version: fail below `min_version` or above \
         `max_version`, warn below `nudge_version`, fail on a `blocked` build.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"vpn-client\"\nplugin = \"apps\"\nkind = \"installed\"\ntitle = \"FortiClient VPN 7.0 or newer\"\nname = \"FortiClient\"\nsources = [{ registry = \"FortiClient\" }, { bundle = \"/Applications/FortiClient.app\" }, { dpkg = \"forticlient\" }]\nmin_version = \"7.0\"\nnudge_version = \"7.2\"\nblocked = [\"7.0.3\"]\nfix = \"Install FortiClient 7.2 from the company software portal.\"\n";
    type Params = InstalledParams;

    fn run(p: &InstalledParams, request: &CheckRequest) -> CheckResult {
        run(p, source_time(request))
    }
}

/// The `apps/any_of` kind.
pub struct AnyOf;

impl Kind for AnyOf {
    const NAME: &'static str = "any_of";
    const TITLE: &'static str = "At least N of several applications";
    const DESCRIPTION: &'static str = "For backup channels (two trading apps and a web terminal, say): passes when at least \
         `min_present` of the applications are installed at acceptable versions, and names which \
         are present and which are missing.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"order-channels\"\nplugin = \"apps\"\nkind = \"any_of\"\ntitle = \"A backup order channel\"\nmin_present = 2\napps = [\n  { name = \"Trading Terminal A\", sources = [{ registry = \"Terminal A\" }], min_version = \"5.1\" },\n  { name = \"Trading Terminal B\", sources = [{ registry = \"Terminal B\" }] },\n  { name = \"Chrome (web terminal)\", sources = [{ registry = \"Google Chrome\" }, { command = [\"google-chrome\", \"--version\"] }] },\n]\n";
    type Params = AnyOfParams;

    fn run(p: &AnyOfParams, request: &CheckRequest) -> CheckResult {
        run_any_of(p, source_time(request))
    }
}

/// The time the sources may take: most of the check's timeout, leaving time to answer.
fn source_time(request: &CheckRequest) -> Duration {
    request.timeout().mul_f64(0.8)
}

/// What was found for one application.
#[derive(Debug, Clone)]
pub struct Finding {
    pub found: bool,
    /// No source could answer at all (tools missing, wrong OS, bad pattern).
    pub undetermined: bool,
    pub version: Option<String>,
    pub debian: bool,
    pub evidence: Vec<String>,
}

/// Probes all sources of `app` in parallel, each with `timeout`; the first that finds the
/// application (in the order given) wins.
pub fn find(app: &App, timeout: Duration) -> Finding {
    let sources = app.sources.clone().unwrap_or_else(|| defaults(&app.name));
    let results: Vec<(String, Found)> = std::thread::scope(|s| {
        let hs: Vec<_> = sources
            .iter()
            .map(|src| s.spawn(move || (src.describe(), src.probe(timeout))))
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("probe thread"))
            .collect()
    });
    let mut evidence = Vec::new();
    let mut hit = None;
    let answered = results
        .iter()
        .any(|(_, f)| !matches!(f, Found::Unavailable { .. }));
    for (desc, f) in results {
        match f {
            Found::Yes {
                version,
                debian,
                evidence: e,
            } => {
                evidence.push(e);
                if hit.is_none() {
                    hit = Some((version, debian));
                }
            }
            Found::No { evidence: e } => evidence.push(e),
            Found::Unavailable { evidence: e } => evidence.push(format!("{desc}: {e}")),
        }
    }
    match hit {
        Some((version, debian)) => Finding {
            found: true,
            undetermined: false,
            version,
            debian,
            evidence,
        },
        None => Finding {
            found: false,
            undetermined: !answered,
            version: None,
            debian: false,
            evidence,
        },
    }
}

/// Compares a found version with a constraint. For dpkg/rpm versions, a constraint written in
/// Debian form (with an epoch `1:` or a revision `-2`) uses dpkg's rules; otherwise the
/// package's upstream version (no epoch, revision or repack marker; `+really` taken at its
/// word) is compared with the general rules.
fn cmp(found: &str, debian: bool, constraint: &str) -> std::cmp::Ordering {
    if debian {
        if is_package_form(constraint) {
            return compare_debian(found, constraint);
        }
        return compare(&package_upstream(found), constraint);
    }
    compare(found, constraint)
}

/// Judges a finding against the app's constraints: (status, code suffix, message).
pub fn judge(app: &App, f: &Finding) -> (Status, &'static str, Msg) {
    let n = &app.name;
    if f.undetermined {
        return (
            Status::Error,
            "undetermined",
            t!("installed.undetermined", app = n),
        );
    }
    if !f.found {
        return (Status::Fail, "missing", t!("installed.missing", app = n));
    }
    let constrained = app.min_version.is_some()
        || app.max_version.is_some()
        || app.nudge_version.is_some()
        || !app.blocked.is_empty();
    let Some(v) = &f.version else {
        return if constrained {
            (
                Status::Warn,
                "version_unknown",
                t!("installed.version_unknown", app = n),
            )
        } else {
            (Status::Pass, "ok", t!("installed.ok_no_version", app = n))
        };
    };
    use std::cmp::Ordering::*;
    if let Some(b) = app.blocked.iter().find(|b| cmp(v, f.debian, b) == Equal) {
        return (
            Status::Fail,
            "blocked",
            t!("installed.blocked", app = n, version = v, blocked = b),
        );
    }
    if let Some(min) = app
        .min_version
        .as_ref()
        .filter(|m| cmp(v, f.debian, m) == Less)
    {
        return (
            Status::Fail,
            "too_old",
            t!("installed.too_old", app = n, version = v, min = min),
        );
    }
    if let Some(max) = app
        .max_version
        .as_ref()
        .filter(|m| cmp(v, f.debian, m) == Greater)
    {
        return (
            Status::Fail,
            "too_new",
            t!("installed.too_new", app = n, version = v, max = max),
        );
    }
    if let Some(nudge) = app
        .nudge_version
        .as_ref()
        .filter(|m| cmp(v, f.debian, m) == Less)
    {
        return (
            Status::Warn,
            "update_due",
            t!("installed.update_due", app = n, version = v, nudge = nudge),
        );
    }
    (Status::Pass, "ok", t!("installed.ok", app = n, version = v))
}

pub fn run(p: &InstalledParams, timeout: Duration) -> CheckResult {
    let t0 = Instant::now();
    let f = find(p, timeout);
    let (status, code, summary) = judge(p, &f);
    let mut r = CheckResult::new(status, format!("apps.installed.{code}"), summary);
    if code == "missing"
        && f.evidence.iter().all(|e| {
            e.contains("not found")
                || e.contains("not installed")
                || e.contains("does not exist")
                || e.contains("no DisplayName")
        })
    {
        r = r.detail(t!("installed.detail_looked_everywhere"));
    }
    r.evidence = f.evidence;
    r = r.metric("probe_ms", t0.elapsed().as_secs_f64() * 1000.0);
    if let Some(v) = &f.version {
        r = r.detail(t!("installed.detail_version", version = v));
    }
    r
}

pub fn run_any_of(p: &AnyOfParams, timeout: Duration) -> CheckResult {
    let findings: Vec<(&App, Finding)> = std::thread::scope(|s| {
        let hs: Vec<_> = p
            .apps
            .iter()
            .map(|a| s.spawn(move || (a, find(a, timeout))))
            .collect();
        hs.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    let mut ok = Vec::new();
    let mut not_ok = Vec::new();
    let mut evidence = Vec::new();
    for (app, f) in &findings {
        let (status, code, msg) = judge(app, f);
        evidence.push(format!("{}: {}", app.name, crate::en(&msg)));
        evidence.extend(f.evidence.iter().map(|e| format!("  {}: {e}", app.name)));
        // An app whose version cannot be read is no usable channel when IT set a minimum: it
        // may be the old build that no longer connects.
        let usable = match code {
            "version_unknown" if app.min_version.is_some() => {
                evidence.push(format!(
                    "  {}: not counted — its version could not be read and {} or newer is required",
                    app.name,
                    app.min_version.as_deref().unwrap_or_default()
                ));
                false
            }
            "version_unknown" => {
                evidence.push(format!(
                    "  {}: counted although its version could not be read — no minimum version is set",
                    app.name
                ));
                true
            }
            _ => matches!(status, Status::Pass | Status::Warn),
        };
        if usable {
            ok.push(match &f.version {
                Some(v) => format!("{} {v}", app.name),
                None => app.name.clone(),
            });
        } else {
            not_ok.push(app.name.clone());
        }
    }
    let listed = |names: &Vec<String>| {
        if names.is_empty() {
            Arg::from(t!("any_of.none"))
        } else {
            Arg::from(names)
        }
    };
    let (present, missing) = (listed(&ok), listed(&not_ok));
    let mut r = if ok.len() >= p.min_present {
        CheckResult::pass(
            "apps.any_of.ok",
            t!(
                "any_of.ok",
                usable = ok.len(),
                total = p.apps.len(),
                present = present,
                missing = missing
            ),
        )
    } else {
        CheckResult::fail(
            "apps.any_of.too_few",
            t!(
                "any_of.too_few",
                usable = ok.len(),
                needed = p.min_present,
                present = present,
                missing = missing
            ),
        )
    };
    r.evidence = evidence;
    r.metric("apps_usable", ok.len() as f64)
        .metric("apps_total", p.apps.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(min: Option<&str>, nudge: Option<&str>, max: Option<&str>, blocked: &[&str]) -> App {
        App {
            name: "VPN".into(),
            sources: None,
            min_version: min.map(Into::into),
            nudge_version: nudge.map(Into::into),
            max_version: max.map(Into::into),
            blocked: blocked.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn found(v: &str, debian: bool) -> Finding {
        Finding {
            found: true,
            undetermined: false,
            version: Some(v.into()),
            debian,
            evidence: vec![],
        }
    }

    #[test]
    fn constraints_table() {
        let a = app(Some("7.0"), Some("7.2"), Some("8"), &["7.0.3"]);
        let cases = [
            ("7.2.1.0345", false, Status::Pass, "ok"),
            ("7.1", false, Status::Warn, "update_due"),
            ("6.4.10", false, Status::Fail, "too_old"),
            ("7.0.3", false, Status::Fail, "blocked"),
            ("8.0.1", false, Status::Fail, "too_new"),
            ("1:7.2.0-1", true, Status::Pass, "ok"),
            ("1:6.9-3", true, Status::Fail, "too_old"),
        ];
        for (v, deb, status, code) in cases {
            let (s, c, msg) = judge(&a, &found(v, deb));
            assert_eq!((s, c), (status, code), "{v}: {}", crate::en(&msg));
        }
        let missing = Finding {
            found: false,
            undetermined: false,
            version: None,
            debian: false,
            evidence: vec![],
        };
        assert_eq!(judge(&a, &missing).1, "missing");
        let cannot = Finding {
            undetermined: true,
            ..missing.clone()
        };
        assert_eq!(judge(&a, &cannot).0, Status::Error);
        let unknown = Finding {
            found: true,
            undetermined: false,
            version: None,
            debian: false,
            evidence: vec![],
        };
        assert_eq!(judge(&a, &unknown).1, "version_unknown");
        // A Debian-form constraint uses dpkg's rules, epoch included.
        let deb = app(Some("1:2.30-1"), None, None, &[]);
        assert_eq!(judge(&deb, &found("2.99-1", true)).1, "too_old");
        assert_eq!(judge(&deb, &found("1:2.39.5-0+deb12u2", true)).1, "ok");
        // Debian's +really: the package says 2.0 but carries 1.9.
        let upstream = app(Some("2.0"), None, None, &[]);
        assert_eq!(
            judge(&upstream, &found("2.0+really1.9-1", true)).1,
            "too_old"
        );
        // OpenSSL's letters.
        let ssl = app(None, None, None, &["1.1.1k"]);
        assert_eq!(judge(&ssl, &found("1.1.1w", false)).1, "ok");
        assert_eq!(judge(&ssl, &found("1.1.1k", false)).1, "blocked");
    }

    #[test]
    fn any_of_does_not_count_an_unreadable_version_against_a_minimum() {
        let unknown = |min: Option<&str>| AnyOfParams {
            apps: vec![App {
                name: "Terminal".into(),
                sources: Some(vec![Source {
                    command: Some(vec![
                        "sh".into(),
                        "-c".into(),
                        "echo no version here".into(),
                    ]),
                    ..Default::default()
                }]),
                min_version: min.map(Into::into),
                nudge_version: None,
                max_version: None,
                blocked: vec![],
            }],
            min_present: 1,
        };
        let r = run_any_of(&unknown(Some("5.1")), Duration::from_secs(5));
        assert_eq!(r.code, "apps.any_of.too_few", "{r:?}");
        assert!(
            r.evidence.iter().any(|e| e.contains("not counted")),
            "{r:?}"
        );
        let r = run_any_of(&unknown(None), Duration::from_secs(5));
        assert_eq!(r.code, "apps.any_of.ok", "{r:?}");
    }
}
