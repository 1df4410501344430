//! Turning what happened to a check into its report entry: a plugin's result (with the
//! profile's advice), a call that failed, or a check settled without a call — each with its
//! texts in every language the host speaks, shown in the run's.

use std::collections::BTreeMap;
use std::time::Duration;

use readycheck_sdk::{CheckResult, Status, t};

use crate::i18n::{self, Locale, Msg};
use crate::plan::Settled;
use crate::plugin::CallError;
use crate::plugin::discovery;
use crate::profile::Check;
use crate::report::{Cause, CheckReport, Localized};

/// The entry of a check settled without calling its plugin (see [`crate::plan`]).
pub(super) fn settled(check: &Check, why: &Settled, lang: Locale) -> CheckReport {
    let os = std::env::consts::OS;
    match why {
        Settled::SkippedOnRequest => skip(
            check,
            "host.check.skipped_on_request",
            t!("run.skipped_on_request"),
            None,
            lang,
        ),
        Settled::NotForThisOs { list } => skip(
            check,
            "host.check.not_for_this_os",
            t!("run.not_for_this_os", os = os, list = list),
            None,
            lang,
        ),
        Settled::KindNotForThisOs { supported } => skip(
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
            lang,
        ),
        Settled::PluginRefused { path, reason } => host_error(
            check,
            Cause::PluginRefused,
            t!(
                "run.plugin_refused",
                plugin = &check.plugin,
                reason = reason
            )
            .into(),
            Some(t!("run.file", path = path.display().to_string())),
            lang,
        ),
        Settled::PluginBroken {
            path,
            cause,
            reason,
        } => host_error(
            check,
            *cause,
            t!("run.plugin_broken", plugin = &check.plugin, reason = reason).into(),
            Some(t!("run.file", path = path.display().to_string())),
            lang,
        ),
        Settled::PluginMissing { searched } => host_error(
            check,
            Cause::PluginMissing,
            t!(
                "run.plugin_missing",
                plugin = &check.plugin,
                file = discovery::file_name(&check.plugin)
            )
            .into(),
            Some(t!("run.searched", dirs = searched)),
            lang,
        ),
    }
}

/// The entry of a check skipped because checks it needs did not pass.
pub(super) fn needs_not_passed(check: &Check, failed: Vec<String>, lang: Locale) -> CheckReport {
    skip(
        check,
        "host.check.needs_not_passed",
        t!("run.needs_not_passed", needs = &failed),
        Some(failed),
        lang,
    )
}

/// A check's summary before it goes into the report: a host message, or a plugin's text with
/// the translations it rendered.
pub(super) struct Summary {
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
fn base(
    check: &Check,
    status: Status,
    code: String,
    summary: Summary,
    lang: Locale,
) -> CheckReport {
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
    // Every text comes from `l10n` (localize fills the run's locale in).
    let mut r = CheckReport::new(
        &check.id,
        &check.plugin,
        &check.kind,
        check.severity,
        status,
        &code,
    );
    r.message = summary.message;
    r.l10n = l10n;
    r.localize(lang);
    r
}

/// Sets one text in every locale of a report entry, then shows the run's locale again.
fn set_in_each_locale(r: &mut CheckReport, lang: Locale, set: impl Fn(&mut Localized, Locale)) {
    for (tag, texts) in &mut r.l10n {
        set(texts, Locale::parse(tag).unwrap_or_default());
    }
    r.localize(lang);
}

pub(super) fn skip(
    check: &Check,
    code: &str,
    summary: Msg,
    because: Option<Vec<String>>,
    lang: Locale,
) -> CheckReport {
    let mut r = base(check, Status::Skip, code.to_string(), summary.into(), lang);
    r.skipped_because = because;
    r
}

pub(super) fn host_error(
    check: &Check,
    cause: Cause,
    summary: Summary,
    detail: Option<Msg>,
    lang: Locale,
) -> CheckReport {
    let mut r = base(check, Status::Error, cause.code(), summary, lang);
    r.cause = Some(cause);
    let detail = match detail {
        Some(d) => t!("run.could_not_run_because", what = d),
        None => t!("run.could_not_run"),
    };
    set_in_each_locale(&mut r, lang, |texts, l| {
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

pub(super) fn from_result(
    check: &Check,
    result: Result<CheckResult, CallError>,
    took: Duration,
    lang: Locale,
) -> CheckReport {
    let mut r = match result {
        Ok(res) => {
            let summary = Summary {
                text: res.summary,
                message: res.message,
                l10n: res.summary_l10n,
            };
            let mut r = base(check, res.status, res.code, summary, lang);
            r.detail = res.detail;
            if !res.detail_l10n.is_empty() {
                let l10n = res.detail_l10n;
                set_in_each_locale(&mut r, lang, |texts, l| {
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
                    Some(fix) => set_in_each_locale(&mut r, lang, |texts, l| {
                        texts.fix = Some(fix.get(l).to_string())
                    }),
                    None if plugin_fix.0.is_some() => {
                        set_in_each_locale(&mut r, lang, |texts, l| {
                            texts.fix = plugin_fix.1.get(l.tag()).cloned().or(plugin_fix.0.clone())
                        })
                    }
                    None => {}
                }
            }
            r
        }
        Err(e) => host_error(check, e.cause(), call_failed(&e), None, lang),
    };
    r.duration_ms = took.as_millis() as u64;
    r
}
