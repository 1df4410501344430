//! `readycheck submit --pending`: sends every report waiting in the outbox (kept when the
//! network was down) and says what happened to each, as text or JSON. Exit 0 when nothing is
//! left waiting, 2 when some reports are still kept for later.

use serde::Serialize;

use crate::cli::args::{DataFormat, SubmitArgs};
use crate::i18n::Locale;
use crate::submit::Outcome;

use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// One report's outcome (the JSON form).
#[derive(Debug, Serialize)]
struct Row {
    id: String,
    /// `sent`, `kept` (still waiting) or `in_flight` (another readycheck is sending it).
    outcome: &'static str,
    /// The HTTP status the server answered, when sent.
    status: Option<u16>,
    attempts: Option<u32>,
    /// Why it is still waiting, in the reader's language.
    reason: Option<String>,
}

/// Sends what waits in the outbox.
pub fn run(args: SubmitArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, args.format == DataFormat::Json);
    let Some(dir) = crate::submit::outbox() else {
        return Err(CommandError::System(crate::tr!(lang, "submit.no_outbox")));
    };
    let dest = args.submit.map(|url| crate::submit::Destination {
        url,
        auth_header_env: args.auth_header_env,
    });
    let outcomes = crate::submit::deliver(&dir, dest.as_ref());
    let kept = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Kept { .. }))
        .count();
    match args.format {
        DataFormat::Json => {
            let rows: Vec<Row> = outcomes.iter().map(|o| row(o, lang)).collect();
            ctx.printer.out(&format!(
                "{}\n",
                serde_json::to_string_pretty(&rows).expect("json")
            ));
        }
        DataFormat::Text if outcomes.is_empty() => ctx
            .printer
            .out(&format!("{}\n", crate::tr!(lang, "submit.nothing_waiting"))),
        DataFormat::Text => {
            for o in &outcomes {
                ctx.printer.out(&format!("{}\n", line(o, lang)));
            }
        }
    }
    Ok(if kept > 0 {
        ExitStatus::NotReady
    } else {
        ExitStatus::Ready
    })
}

/// One outcome for people.
fn line(o: &Outcome, lang: Locale) -> String {
    match o {
        Outcome::Sent {
            id,
            status,
            attempts,
        } => crate::tr!(
            lang,
            "submit.sent",
            id = id,
            status = *status,
            attempts = *attempts
        ),
        Outcome::Kept { id, reason } => {
            crate::tr!(lang, "submit.kept", id = id, reason = reason.clone())
        }
        Outcome::InFlight { id } => crate::tr!(lang, "submit.in_flight", id = id),
    }
}

/// One outcome for scripts.
fn row(o: &Outcome, lang: Locale) -> Row {
    let id = o.id().to_string();
    match o {
        Outcome::Sent {
            status, attempts, ..
        } => Row {
            id,
            outcome: "sent",
            status: Some(*status),
            attempts: Some(*attempts),
            reason: None,
        },
        Outcome::Kept { reason, .. } => Row {
            id,
            outcome: "kept",
            status: None,
            attempts: None,
            reason: Some(crate::i18n::render(lang, reason)),
        },
        Outcome::InFlight { .. } => Row {
            id,
            outcome: "in_flight",
            status: None,
            attempts: None,
            reason: None,
        },
    }
}
