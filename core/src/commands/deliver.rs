//! Delivery at the end of a run: the report is kept in the outbox before it is sent, what a
//! killed run left is recovered, and everything waiting goes out; the line the text output
//! shows about it.

use readycheck_sdk::t;

use crate::i18n;
use crate::report::Report;

use super::Ctx;

/// Spools this run's report when it has a destination, then sends everything waiting (after
/// recovering what a killed run left). A report that cannot be spooled (a full or read-only
/// data directory) is sent from memory. Returns a line for the text output, and whether the
/// report is safe: kept in the outbox, sent, or without a destination.
pub(super) fn after_run(
    ctx: &Ctx,
    report: &Report,
    json: &[u8],
    dest: Option<&crate::submit::Destination>,
) -> (Option<String>, bool) {
    use crate::submit::Outcome;
    let lang = ctx.lang;
    let printer = &ctx.printer;
    let dir = crate::submit::outbox();
    let mut direct = None;
    if let Some(d) = dest {
        let spooled = match &dir {
            Some(dir) => crate::submit::spool(dir, &report.id, json, d).map_err(|e| {
                crate::tr!(
                    lang,
                    "cli.not_kept",
                    dir = dir.display().to_string(),
                    error = e.to_string()
                )
            }),
            None => Err(crate::tr!(lang, "submit.no_outbox")),
        };
        if let Err(why) = spooled {
            printer.err(&crate::tr!(lang, "cli.warning", message = why));
            direct = Some(crate::submit::send_now(&report.id, json, d));
        }
    }
    // Saved and kept (or sent): from here a signal ends the process at once, the outbox has
    // the report.
    crate::signals::report_written();
    let mut outcomes: Vec<Outcome> = direct.iter().cloned().collect();
    if let Some(dir) = &dir {
        crate::submit::recover(dir);
        if !crate::submit::pending(dir).is_empty() {
            outcomes.extend(crate::submit::deliver(dir, None));
        }
    }
    // Safe unless it had to go from memory and did not.
    let kept = !matches!(direct, Some(Outcome::Kept { .. }));
    if let Some(Outcome::Kept { reason, .. }) = &direct {
        printer.err(&crate::tr!(
            lang,
            "cli.warning",
            message = crate::tr!(
                lang,
                "submit.kept",
                id = &report.id,
                reason = reason.clone()
            )
        ));
    }
    if outcomes.is_empty() {
        return (None, kept);
    }
    let mine = outcomes.iter().find(|o| o.id() == report.id);
    let others_sent = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Sent { id, .. } if id != &report.id))
        .count();
    let this = match (mine, dest) {
        (Some(Outcome::Sent { .. }), Some(d)) => Some(t!("submit.sent_to", url = &d.url)),
        (Some(Outcome::Kept { reason, .. }), _) => {
            Some(t!("submit.not_sent_yet", reason = reason.clone()))
        }
        _ => None,
    };
    let others = (others_sent > 0).then(|| t!("submit.others_sent", n = others_sent));
    let line = match (this, others) {
        (Some(a), Some(b)) => Some(t!("submit.this_and_others", this = a, others = b)),
        (a, b) => a.or(b),
    };
    (line.map(|m| i18n::render(lang, &m)), kept)
}
