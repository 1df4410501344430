//! Renderers: a [`Report`] in, text out. Each format is one module; the report JSON is itself
//! a format, which is what makes `readycheck report FILE.json -f text` possible.

pub mod chat;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod nagios;
pub mod summary;
pub mod text;
pub mod xml;

use std::path::Path;

use crate::diagnosis::Owner;
use crate::report::{CheckReport, Report};
use crate::tr;

/// Output formats of a single report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Doctor-style text for a person.
    #[default]
    Text,
    /// The report JSON v1.
    Json,
    /// A self-contained web page.
    Html,
    /// Markdown, for tickets.
    Markdown,
    /// A compact block (≤ 15 lines) for a messenger.
    Chat,
    /// JUnit XML, one test case per check.
    Junit,
    /// One Nagios status line with performance data.
    Nagios,
}

impl Format {
    /// The format a file name asks for by its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "txt" | "text" | "log" => Some(Format::Text),
            "html" | "htm" => Some(Format::Html),
            "md" | "markdown" => Some(Format::Markdown),
            "xml" => Some(Format::Junit),
            _ => None,
        }
    }

    /// A machine format: no progress bars on stdout when this goes there.
    pub fn is_machine(self) -> bool {
        matches!(
            self,
            Format::Json | Format::Junit | Format::Nagios | Format::Html
        )
    }
}

/// Options that change how text is drawn.
#[derive(Debug, Clone, Default)]
pub struct Style {
    pub color: bool,
    pub verbose: bool,
    /// Where the JSON report was saved, for the last line.
    pub saved_to: Option<String>,
    /// What happened to the report's delivery, if it was sent or spooled.
    pub delivery: Option<String>,
}

/// Renders `report` as `format`.
/// Every format for a person is drawn from a copy of the report whose strings went through
/// [`crate::sanitize::text`]: no control character or bidi override from a profile, a plugin,
/// a hostname or a file name reaches a terminal, a ticket or a chat. JSON keeps the data as is.
pub fn render(report: &Report, format: Format, style: &Style) -> String {
    if format == Format::Json {
        return json::render(report);
    }
    let report = crate::sanitize::deep(report);
    let report = report.as_ref();
    match format {
        Format::Text => text::render(report, style),
        Format::Json => json::render(report),
        Format::Html => html::render_page(
            report,
            &html::Page {
                saved_to: style.saved_to.clone(),
                now: Some(std::time::SystemTime::now()),
            },
        ),
        Format::Markdown => markdown::render(report),
        Format::Chat => chat::render(report),
        Format::Junit => junit::render(report),
        Format::Nagios => nagios::render(report),
    }
}

/// What every renderer for a person opens with: the diagnosis's headline, what to do, whose
/// problem it is, and the checks that only follow from it.
#[derive(Debug)]
pub struct Lead<'a> {
    pub headline: &'a str,
    pub advice: &'a str,
    /// "Whose problem: your home network or internet provider".
    pub whose: Option<String>,
    /// The root check and the checks whose failure follows from it.
    pub root: Option<&'a CheckReport>,
    pub consequences: Vec<&'a CheckReport>,
}

/// The lead of `report`, when it carries a diagnosis.
pub fn lead(report: &Report) -> Option<Lead<'_>> {
    let d = report.diagnosis.as_ref()?;
    let l = report.locale();
    let by_id = |id: &str| report.checks.iter().find(|c| c.id == id);
    let whose = match d.owner {
        Owner::None => None,
        o => Some(tr!(
            l,
            "report.whose",
            owner = crate::i18n::render(
                l,
                &readycheck_sdk::i18n::Msg::new(format!("owner.{}", o.as_str()))
            )
        )),
    };
    Some(Lead {
        headline: &d.headline,
        advice: &d.advice,
        whose,
        root: d.root_cause.as_deref().and_then(by_id),
        consequences: d.consequences.iter().filter_map(|id| by_id(id)).collect(),
    })
}

/// The checks "Start here" lists: the root causes, then warnings that are not consequences.
pub fn start_here(report: &Report) -> Vec<&CheckReport> {
    let mut list: Vec<&CheckReport> = report
        .root_causes
        .iter()
        .filter_map(|id| report.checks.iter().find(|c| &c.id == id))
        .collect();
    for c in &report.checks {
        if c.status == crate::report::Status::Warn
            && c.explained_by.is_none()
            && !list.iter().any(|x| x.id == c.id)
        {
            list.push(c);
        }
    }
    list
}
