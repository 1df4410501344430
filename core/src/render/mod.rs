//! Renderers: a [`Report`] in, text out. Each format is one module; the report JSON is itself
//! a format, which is what makes `readycheck report FILE.json -f text` possible.

pub mod json;
pub mod text;

use std::path::Path;

use crate::report::Report;

/// Output formats of a single report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Doctor-style text for a person.
    #[default]
    Text,
    /// The report JSON v1.
    Json,
}

impl Format {
    /// The format a file name asks for by its extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "txt" | "text" | "log" => Some(Format::Text),
            _ => None,
        }
    }

    /// A machine format: no progress bars on stdout when this goes there.
    pub fn is_machine(self) -> bool {
        matches!(self, Format::Json)
    }
}

/// Options that change how text is drawn.
#[derive(Debug, Clone, Default)]
pub struct Style {
    pub color: bool,
    pub verbose: bool,
    /// Where the JSON report was saved, for the last line.
    pub saved_to: Option<String>,
}

/// Renders `report` as `format`.
pub fn render(report: &Report, format: Format, style: &Style) -> String {
    match format {
        Format::Text => text::render(report, style),
        Format::Json => json::render(report),
    }
}
