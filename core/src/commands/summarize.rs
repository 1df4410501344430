//! `readycheck summarize PATH…`: the helpdesk's view over many saved reports — who cannot
//! work, why, and which causes are shared — as text, JSON, CSV or an HTML page.

use crate::cli::args::{SummarizeArgs, SummaryFormat};
use crate::i18n::Locale;

use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Summarises many reports.
pub fn run(args: SummarizeArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, args.format != SummaryFormat::Text);
    let printer = &ctx.printer;
    let mut outputs = Vec::new();
    for o in &args.outputs {
        let f = match o
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("txt" | "text") => SummaryFormat::Text,
            Some("json") => SummaryFormat::Json,
            Some("csv") => SummaryFormat::Csv,
            Some("html" | "htm") => SummaryFormat::Html,
            _ => {
                return Err(CommandError::Usage(crate::tr!(
                    lang,
                    "cli.unknown_extension",
                    path = o.display().to_string(),
                    choices = ".txt, .json, .csv, .html"
                )));
            }
        };
        outputs.push((o.clone(), f));
    }
    let summary = crate::summary::summarize(&args.paths, args.since, lang);
    if summary.skipped_unreadable + summary.skipped_foreign > 0 {
        printer.warn(&crate::tr!(
            lang,
            "summary.skipped_warning",
            unreadable = summary.skipped_unreadable,
            foreign = summary.skipped_foreign,
            files = summary.files_read
        ));
    }
    let render = |f: SummaryFormat| match f {
        SummaryFormat::Text => crate::summary::render_text(&summary, lang),
        SummaryFormat::Json => crate::summary::render_json(&summary),
        SummaryFormat::Csv => crate::summary::render_csv(&summary),
        SummaryFormat::Html => crate::summary::render_html(&summary, lang),
    };
    for (path, f) in &outputs {
        if let Err(e) = crate::store::write_atomic(path, render(*f).as_bytes()) {
            return Err(CommandError::File(crate::tr!(
                lang,
                "cli.report_not_written",
                path = path.display().to_string(),
                error = e.to_string()
            )));
        }
    }
    printer.out(&render(args.format));
    if summary.reports == 0 {
        return Err(CommandError::Nothing(crate::tr!(
            lang,
            "summary.no_reports"
        )));
    }
    Ok(ExitStatus::Ready)
}
