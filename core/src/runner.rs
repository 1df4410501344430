//! Running a profile: checks run concurrently on a pool of worker threads (they wait on the
//! network, so the default parallelism is well above the core count); a check starts when its
//! `needs` have passed (a warning counts as passed) and is skipped when one did not; each call has its timeout and the run a
//! deadline; Ctrl-C stops everything and the unfinished checks are reported as interrupted.
//! Every check of the profile ends with exactly one result — the report is never short.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use readycheck_sdk::{CheckRequest, CheckResult, Status, t};

use crate::i18n::{self, Locale, Msg};

use crate::plugin::discovery;
use crate::plugin::isolate::{self, human_duration};
use crate::plugin::registry::{Backend, PluginState, Plugins};
use crate::plugin::{Call, CallError, parse_output};
use crate::profile::{Check, Profile, Severity};
use crate::report::{Cause, CheckReport, Localized};

/// Default number of checks in flight at once.
pub const DEFAULT_PARALLELISM: usize = 32;
/// Extra time the host gives a plugin past the timeout it was told, so that a plugin can report
/// its own timeout (a `fail` saying what did not answer) before the host kills it.
pub const KILL_GRACE: Duration = Duration::from_millis(400);

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Called from the signal handler (any catchable signal, see [`crate::signals`]): stop every
/// plugin call and wrap up.
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    isolate::stop_all();
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub parallelism: usize,
    /// Overrides every check's timeout (`--timeout`).
    pub timeout: Option<Duration>,
    /// Whole-run deadline.
    pub deadline: Duration,
    /// Run only these checks (and what they need).
    pub only: Vec<String>,
    /// Do not run these (they, and checks that need them, are reported as skipped).
    pub skip: Vec<String>,
}

/// Told about progress (the progress bars listen here).
pub trait Observer: Send + Sync {
    fn planned(&self, _total: usize) {}
    fn started(&self, _check: &Check) {}
    fn finished(&self, _check: &Check, _result: &CheckReport) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// The checks' results, in profile order, and how the run ended.
#[derive(Debug)]
pub struct RunOutcome {
    pub checks: Vec<CheckReport>,
    pub interrupted: bool,
    pub deadline_passed: bool,
}

struct Job {
    index: usize,
    plugin: String,
    path: std::path::PathBuf,
    request: Vec<u8>,
    timeout: Duration,
}

type Done = (usize, Result<CheckResult, CallError>, Duration);

/// The checks of `profile` that `options` select, in profile order.
pub fn selected(profile: &Profile, options: &RunOptions) -> Vec<usize> {
    if options.only.is_empty() {
        return (0..profile.checks.len()).collect();
    }
    let mut keep = BTreeSet::new();
    let mut stack: Vec<usize> = options
        .only
        .iter()
        .filter_map(|id| profile.check_index(id))
        .collect();
    while let Some(i) = stack.pop() {
        if keep.insert(i) {
            stack.extend(
                profile.checks[i]
                    .needs
                    .iter()
                    .filter_map(|n| profile.check_index(n)),
            );
        }
    }
    keep.into_iter().collect()
}

/// Runs the selected checks of `profile`.
pub fn run(
    profile: &Profile,
    plugins: &Plugins,
    backend: &Backend,
    options: &RunOptions,
    observer: Arc<dyn Observer>,
) -> RunOutcome {
    let started = Instant::now();
    let run_deadline = started + options.deadline;
    let order = selected(profile, options);
    observer.planned(order.len());

    let mut results: Vec<Option<CheckReport>> = vec![None; profile.checks.len()];
    let mut dependents: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut waiting: BTreeMap<usize, usize> = BTreeMap::new();
    for &i in &order {
        let needs: Vec<usize> = profile.checks[i]
            .needs
            .iter()
            .filter_map(|n| profile.check_index(n))
            .collect();
        waiting.insert(i, needs.len());
        for n in needs {
            dependents.entry(n).or_default().push(i);
        }
    }

    let (job_tx, job_rx) = mpsc::channel::<Job>();
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let job_rx = Arc::new(Mutex::new(job_rx));
    let workers = options.parallelism.max(1).min(order.len().max(1));
    for _ in 0..workers {
        let job_rx = job_rx.clone();
        let done_tx = done_tx.clone();
        let backend = backend.clone();
        std::thread::spawn(move || {
            loop {
                let job = {
                    let Ok(rx) = job_rx.lock() else { return };
                    match rx.recv() {
                        Ok(j) => j,
                        Err(_) => return,
                    }
                };
                let t0 = Instant::now();
                let result = backend
                    .call(&job.path, &Call::Run(job.request), job.timeout + KILL_GRACE)
                    .and_then(|bytes| parse_output::<CheckResult>(&bytes, "result"))
                    .and_then(|r| crate::plugin::check_namespace(&job.plugin, r));
                if done_tx.send((job.index, result, t0.elapsed())).is_err() {
                    return;
                }
            }
        });
    }
    drop(done_tx);

    let mut ready: VecDeque<usize> = order.iter().copied().filter(|i| waiting[i] == 0).collect();
    let mut running = 0usize;
    let mut finished = 0usize;
    let mut interrupted = false;
    let mut deadline_passed = false;

    // Settles every check that can be decided now (skips, host errors) and queues the rest.
    let settle = |ready: &mut VecDeque<usize>,
                  results: &mut Vec<Option<CheckReport>>,
                  waiting: &mut BTreeMap<usize, usize>,
                  running: &mut usize,
                  finished: &mut usize| {
        while let Some(i) = ready.pop_front() {
            let check = &profile.checks[i];
            let immediate = decide_without_running(profile, plugins, options, check, results);
            match immediate {
                Some(report) => {
                    observer.finished(check, &report);
                    results[i] = Some(report);
                    *finished += 1;
                    for &d in dependents.get(&i).into_iter().flatten() {
                        if let Some(w) = waiting.get_mut(&d) {
                            *w -= 1;
                            if *w == 0 {
                                ready.push_back(d);
                            }
                        }
                    }
                }
                None => {
                    let Some(PluginState::Ready { file, .. }) = plugins.states.get(&check.plugin)
                    else {
                        unreachable!("decide_without_running settles checks without a ready plugin")
                    };
                    let timeout = options.timeout.or(check.timeout).unwrap_or(profile.timeout);
                    let request = CheckRequest {
                        id: check.id.clone(),
                        kind: check.kind.clone(),
                        params: check.params.clone(),
                        timeout_ms: timeout.as_millis() as u64,
                        os: std::env::consts::OS.to_string(),
                        locale: i18n::current().tag().to_string(),
                    };
                    let request = serde_json::to_vec(&request).expect("requests serialise");
                    observer.started(check);
                    *running += 1;
                    let _ = job_tx.send(Job {
                        index: i,
                        plugin: check.plugin.clone(),
                        path: file.path.clone(),
                        request,
                        timeout,
                    });
                }
            }
        }
    };

    settle(
        &mut ready,
        &mut results,
        &mut waiting,
        &mut running,
        &mut finished,
    );
    while finished < order.len() {
        if INTERRUPTED.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
        let now = Instant::now();
        if now >= run_deadline {
            deadline_passed = true;
            isolate::stop_all();
            break;
        }
        let slice = (run_deadline - now).min(Duration::from_millis(100));
        match done_rx.recv_timeout(slice) {
            Ok((i, result, took)) => {
                running -= 1;
                let report = from_result(profile, &profile.checks[i], result, took);
                observer.finished(&profile.checks[i], &report);
                results[i] = Some(report);
                finished += 1;
                for &d in dependents.get(&i).into_iter().flatten() {
                    if let Some(w) = waiting.get_mut(&d) {
                        *w -= 1;
                        if *w == 0 {
                            ready.push_back(d);
                        }
                    }
                }
                settle(
                    &mut ready,
                    &mut results,
                    &mut waiting,
                    &mut running,
                    &mut finished,
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    drop(job_tx);

    let stop_reason = if deadline_passed {
        t!(
            "run.deadline_passed",
            deadline = human_duration(options.deadline)
        )
    } else {
        match crate::signals::received() {
            Some(signal) if !signal.starts_with("SIGINT") && signal != "Ctrl-C" => {
                t!("run.stopped_by_signal", signal = signal)
            }
            _ => t!("run.interrupted"),
        }
    };
    let checks = order
        .iter()
        .map(|&i| {
            results[i].take().unwrap_or_else(|| {
                let check = &profile.checks[i];
                host_error(check, Cause::Interrupted, stop_reason.clone().into(), None)
            })
        })
        .collect();
    RunOutcome {
        checks,
        interrupted,
        deadline_passed,
    }
}

/// Decides a check that needs no plugin call: `--skip`, not for this OS, a need that did not
/// pass, or a plugin that is missing, refused or broken.
fn decide_without_running(
    profile: &Profile,
    plugins: &Plugins,
    options: &RunOptions,
    check: &Check,
    results: &[Option<CheckReport>],
) -> Option<CheckReport> {
    let os = std::env::consts::OS;
    if options.skip.iter().any(|s| s == &check.id) {
        return Some(skip(
            check,
            "host.check.skipped_on_request",
            t!("run.skipped_on_request"),
            None,
        ));
    }
    if let Some(list) = &check.os
        && !list.iter().any(|o| o == os)
    {
        return Some(skip(
            check,
            "host.check.not_for_this_os",
            t!("run.not_for_this_os", os = os, list = list),
            None,
        ));
    }
    let failed: Vec<String> = check
        .needs
        .iter()
        .filter(|n| {
            profile
                .check_index(n)
                .and_then(|j| results[j].as_ref())
                .is_some_and(|r| !satisfies_needs(r.status))
        })
        .cloned()
        .collect();
    if !failed.is_empty() {
        return Some(skip(
            check,
            "host.check.needs_not_passed",
            t!("run.needs_not_passed", needs = &failed),
            Some(failed),
        ));
    }
    match plugins.states.get(&check.plugin) {
        Some(PluginState::Ready { manifest, .. }) => {
            let kind_os = manifest
                .kind(&check.kind)
                .and_then(|k| k.os.clone())
                .unwrap_or_default();
            let supported = if kind_os.is_empty() {
                &manifest.os
            } else {
                &kind_os
            };
            if !supported.is_empty() && !supported.iter().any(|o| o == os) {
                return Some(skip(
                    check,
                    "host.check.not_for_this_os",
                    t!(
                        "run.kind_not_for_os",
                        plugin = &check.plugin,
                        kind = &check.kind,
                        os = os,
                        supported = supported
                    ),
                    None,
                ));
            }
            None
        }
        Some(PluginState::Refused { file, reason }) => Some(host_error(
            check,
            Cause::PluginRefused,
            t!(
                "run.plugin_refused",
                plugin = &check.plugin,
                reason = reason
            )
            .into(),
            Some(t!("run.file", path = file.path.display().to_string())),
        )),
        Some(PluginState::Broken { file, error }) => Some(host_error(
            check,
            error.cause(),
            t!(
                "run.plugin_broken",
                plugin = &check.plugin,
                reason = error.message()
            )
            .into(),
            Some(t!("run.file", path = file.path.display().to_string())),
        )),
        Some(PluginState::Missing) | None => {
            let searched: Vec<String> = plugins
                .search_path
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            Some(host_error(
                check,
                Cause::PluginMissing,
                t!(
                    "run.plugin_missing",
                    plugin = &check.plugin,
                    file = discovery::file_name(&check.plugin)
                )
                .into(),
                Some(t!("run.searched", dirs = searched)),
            ))
        }
    }
}

/// A check's summary before it goes into the report: a host message, or a plugin's text with
/// the translations it rendered.
struct Summary {
    text: String,
    message: Option<Msg>,
    l10n: BTreeMap<String, String>,
}

impl From<Msg> for Summary {
    fn from(msg: Msg) -> Self {
        let l10n = Locale::ALL
            .iter()
            .map(|l| (l.tag().to_string(), i18n::render(*l, &msg)))
            .collect();
        Summary {
            // Every locale is in `l10n`; the fallback is never read.
            text: String::new(),
            message: Some(msg),
            l10n,
        }
    }
}

impl Summary {
    fn in_locale(&self, locale: Locale) -> String {
        self.l10n
            .get(locale.tag())
            .cloned()
            .unwrap_or_else(|| self.text.clone())
    }
}

/// The report entry with its texts in every locale, shown in the run's locale.
fn base(check: &Check, status: Status, code: String, summary: Summary) -> CheckReport {
    let l10n = Locale::ALL
        .iter()
        .map(|&l| {
            let texts = Localized {
                title: check.title.get(l).to_string(),
                summary: summary.in_locale(l),
                detail: None,
                fix: None,
            };
            (l.tag().to_string(), texts)
        })
        .collect();
    let mut r = CheckReport {
        id: check.id.clone(),
        title: String::new(),
        plugin: check.plugin.clone(),
        kind: check.kind.clone(),
        severity: check.severity,
        status,
        code,
        cause: None,
        summary: String::new(),
        message: summary.message,
        detail: None,
        evidence: Vec::new(),
        metrics: BTreeMap::new(),
        fix: None,
        skipped_because: None,
        duration_ms: 0,
        l10n,
        layer: None,
        observations: Vec::new(),
        explained_by: None,
    };
    r.localize(i18n::current());
    r
}

/// Sets one text in every locale of a report entry, then shows the run's locale again.
fn set_in_each_locale(r: &mut CheckReport, set: impl Fn(&mut Localized, Locale)) {
    for (tag, texts) in &mut r.l10n {
        set(texts, Locale::parse(tag).unwrap_or_default());
    }
    r.localize(i18n::current());
}

fn skip(check: &Check, code: &str, summary: Msg, because: Option<Vec<String>>) -> CheckReport {
    let mut r = base(check, Status::Skip, code.to_string(), summary.into());
    r.skipped_because = because;
    r
}

fn host_error(check: &Check, cause: Cause, summary: Summary, detail: Option<Msg>) -> CheckReport {
    let mut r = base(check, Status::Error, cause.code(), summary);
    r.cause = Some(cause);
    let detail = match detail {
        Some(d) => t!("run.could_not_run_because", what = d),
        None => t!("run.could_not_run"),
    };
    set_in_each_locale(&mut r, |texts, l| {
        texts.detail = Some(i18n::render(l, &detail))
    });
    r
}

/// The summary of a plugin call that failed: the cause in the reader's language, with the
/// technical reason as the host saw it.
fn call_failed(e: &CallError) -> Summary {
    t!(
        format!("cause.{}", e.cause().as_str()),
        reason = e.message()
    )
    .into()
}

fn from_result(
    profile: &Profile,
    check: &Check,
    result: Result<CheckResult, CallError>,
    took: Duration,
) -> CheckReport {
    let _ = profile;
    let mut r = match result {
        Ok(res) => {
            let summary = Summary {
                text: res.summary,
                message: res.message,
                l10n: res.summary_l10n,
            };
            let mut r = base(check, res.status, res.code, summary);
            r.detail = res.detail;
            if !res.detail_l10n.is_empty() {
                let l10n = res.detail_l10n;
                set_in_each_locale(&mut r, |texts, l| {
                    texts.detail = l10n.get(l.tag()).cloned();
                });
            }
            r.evidence = res.evidence;
            r.metrics = res.metrics;
            r.observations = res.observations;
            if matches!(res.status, Status::Fail | Status::Warn | Status::Error) {
                // The profile's advice for this outcome, else its advice for the check, else
                // the plugin's for the outcome. (Advice per owner is the diagnosis's to give.)
                let plugin_fix = (res.fix, res.fix_l10n);
                match check.fixes.get(&r.code).or(check.fix.as_ref()) {
                    Some(fix) => set_in_each_locale(&mut r, |texts, l| {
                        texts.fix = Some(fix.get(l).to_string())
                    }),
                    None if plugin_fix.0.is_some() => set_in_each_locale(&mut r, |texts, l| {
                        texts.fix = plugin_fix.1.get(l.tag()).cloned().or(plugin_fix.0.clone())
                    }),
                    None => {}
                }
            }
            r
        }
        Err(e) => host_error(check, e.cause(), call_failed(&e), None),
    };
    r.duration_ms = took.as_millis() as u64;
    r
}

/// A need is met when it passed, or passed with a warning (slow, nearly full): only a failure,
/// an error or a skip holds back the checks that need it.
pub fn satisfies_needs(status: Status) -> bool {
    matches!(status, Status::Pass | Status::Warn)
}

/// Whether a check's failure would make the run "not ready".
pub fn blocks_readiness(r: &CheckReport) -> bool {
    r.severity == Severity::Required && matches!(r.status, Status::Fail | Status::Error)
}
