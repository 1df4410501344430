//! Running a planned profile ([`crate::plan`]): checks run concurrently on a pool of worker
//! threads (they wait on the network, so the default parallelism is well above the core count);
//! a check starts when its `needs` have passed (a warning counts as passed) and is skipped when
//! one did not; each call has its timeout and the run a deadline; Ctrl-C stops everything and
//! the unfinished checks are reported as interrupted. Every selected check ends with exactly
//! one result — the report is never short. Report entries are made in [`entries`].

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use readycheck_sdk::{CheckRequest, CheckResult, Status, t};

use crate::i18n::Locale;
use crate::plan::{Plan, Settled};
use crate::plugin::isolate::{self, human_duration};
use crate::plugin::registry::Backend;
use crate::plugin::{Call, CallError, parse_output};
use crate::profile::{Check, Profile, Severity};
use crate::report::{Cause, CheckReport};

mod entries;

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
    /// Whole-run deadline.
    pub deadline: Duration,
    /// The language of the report (and of the plugins' texts, which they also give in every
    /// language they speak).
    pub lang: Locale,
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

/// Runs the planned checks of `profile`.
pub fn run(
    profile: &Profile,
    plan: &Plan,
    backend: &Backend,
    options: &RunOptions,
    observer: Arc<dyn Observer>,
) -> RunOutcome {
    let started = Instant::now();
    let run_deadline = started + options.deadline;
    let lang = options.lang;
    let order: Vec<usize> = plan.steps.iter().map(|s| s.index).collect();
    let steps: BTreeMap<usize, &crate::plan::Step> =
        plan.steps.iter().map(|s| (s.index, s)).collect();
    observer.planned(order.len());

    let mut results: Vec<Option<CheckReport>> = vec![None; profile.checks.len()];
    let mut dependents: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut waiting: BTreeMap<usize, usize> = BTreeMap::new();
    for step in &plan.steps {
        waiting.insert(step.index, step.needs.len());
        for &n in &step.needs {
            dependents.entry(n).or_default().push(step.index);
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
            let step = steps[&i];
            let immediate = decide_without_running(profile, step, check, results, lang);
            match immediate {
                Some(report) => {
                    observer.finished(check, &report);
                    results[i] = Some(report);
                    *finished += 1;
                    release(i, &dependents, waiting, ready);
                }
                None => {
                    let Some(path) = step.plugin_file.clone() else {
                        unreachable!("the plan settles every check without a usable plugin")
                    };
                    let timeout = step.timeout;
                    let request = CheckRequest {
                        id: check.id.clone(),
                        kind: check.kind.clone(),
                        params: check.params.clone(),
                        timeout_ms: timeout.as_millis() as u64,
                        os: std::env::consts::OS.to_string(),
                        locale: lang.tag().to_string(),
                    };
                    let request = serde_json::to_vec(&request).expect("requests serialise");
                    observer.started(check);
                    *running += 1;
                    let _ = job_tx.send(Job {
                        index: i,
                        plugin: check.plugin.clone(),
                        path,
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
                let report = entries::from_result(&profile.checks[i], result, took, lang);
                observer.finished(&profile.checks[i], &report);
                results[i] = Some(report);
                finished += 1;
                release(i, &dependents, &mut waiting, &mut ready);
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
                entries::host_error(
                    check,
                    Cause::Interrupted,
                    stop_reason.clone().into(),
                    None,
                    lang,
                )
            })
        })
        .collect();
    RunOutcome {
        checks,
        interrupted,
        deadline_passed,
    }
}

/// Check `i` is decided: each check that needs it waits for one fewer, and is ready when it
/// waits for none.
fn release(
    i: usize,
    dependents: &BTreeMap<usize, Vec<usize>>,
    waiting: &mut BTreeMap<usize, usize>,
    ready: &mut VecDeque<usize>,
) {
    for &d in dependents.get(&i).into_iter().flatten() {
        if let Some(w) = waiting.get_mut(&d) {
            *w -= 1;
            if *w == 0 {
                ready.push_back(d);
            }
        }
    }
}

/// Decides a check that needs no plugin call: settled by the plan (`--skip`, not for this OS,
/// no usable plugin), or a need that did not pass — in that order of telling: a check skipped
/// on request or not for this OS says so rather than blaming its needs.
fn decide_without_running(
    profile: &Profile,
    step: &crate::plan::Step,
    check: &Check,
    results: &[Option<CheckReport>],
    lang: Locale,
) -> Option<CheckReport> {
    if let Some(why @ (Settled::SkippedOnRequest | Settled::NotForThisOs { .. })) = &step.settled {
        return Some(entries::settled(check, why, lang));
    }
    let failed: Vec<String> = step
        .needs
        .iter()
        .filter(|&&j| {
            results[j]
                .as_ref()
                .is_some_and(|r| !satisfies_needs(r.status))
        })
        .map(|&j| profile.checks[j].id.clone())
        .collect();
    if !failed.is_empty() {
        return Some(entries::needs_not_passed(check, failed, lang));
    }
    step.settled
        .as_ref()
        .map(|why| entries::settled(check, why, lang))
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
