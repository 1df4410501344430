//! `readycheck report FILE`: a saved report shown again, in the reader's language and any
//! format. With `-f nagios` the exit code is the report's verdict (0/1/2), as the Nagios
//! contract reads the code, not the text; otherwise 0 when it could be shown.

use crate::cli::args::ReportArgs;
use crate::i18n::Locale;
use crate::render::{self, Format};
use crate::report::{self, Report};

use super::context::{output_formats, write_outputs};
use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// Shows a saved report.
pub fn run(args: ReportArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, args.format.is_machine());
    let path = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| {
        CommandError::File(crate::tr!(
            lang,
            "cli.report_unreadable",
            path = &path,
            error = e.to_string()
        ))
    })?;
    let mut report: Report = serde_json::from_str(&text).map_err(|e| {
        // serde_json ends its message with the position; the catalog says it once, in words.
        let position = format!(" at line {} column {}", e.line(), e.column());
        let message = e.to_string();
        let message = message.strip_suffix(&position).unwrap_or(&message);
        CommandError::File(crate::tr!(
            lang,
            "cli.not_a_report",
            path = &path,
            error = message,
            line = e.line(),
            column = e.column()
        ))
    })?;
    // Re-read in the reader's language, from the translations the report carries.
    report.localize(lang);
    if report.schema != report::SCHEMA_ID {
        return Err(CommandError::File(crate::tr!(
            lang,
            "cli.other_schema",
            path = &path,
            schema = &report.schema,
            ours = report::SCHEMA_ID
        )));
    }
    let outputs = output_formats(&args.outputs, lang)?;
    write_outputs(&report, &outputs, lang)?;
    let style = render::Style {
        color: ctx.printer.color,
        verbose: ctx.printer.verbose,
        saved_to: None,
        delivery: None,
    };
    ctx.printer
        .out(&render::render(&report, args.format, &style));
    Ok(match args.format {
        Format::Nagios => ExitStatus::of(report.verdict),
        _ => ExitStatus::Ready,
    })
}
