//! The machine-readable result of `readycheck validate -f json`: every problem of a profile
//! with its severity, file, line, column, field, stable code, message and fix, for IT's own CI
//! to annotate a profile change. Its JSON Schema is generated from these types and kept in
//! `schemas/validation-v1.schema.json`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Diagnostic;
use super::diagnostic::{Level, Lines};
use crate::i18n::Locale;

/// The value of [`Validation::schema`].
pub const SCHEMA_ID: &str = "readycheck/validation/v1";

/// What `readycheck validate -f json` prints: one profile and every problem found in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// Always `readycheck/validation/v1`.
    pub schema: String,
    /// The profile as it was named (a path, or `<embedded default profile>`).
    pub file: String,
    /// True when the profile has no errors (warnings allowed): `readycheck` would run it.
    pub valid: bool,
    /// How many errors and warnings `problems` holds.
    pub counts: ProblemCounts,
    /// Every problem, in the order of the file (those without a position last).
    pub problems: Vec<Problem>,
}

/// Number of problems by severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemCounts {
    pub errors: usize,
    pub warnings: usize,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemSeverity {
    /// The profile cannot be used until it is fixed.
    Error,
    /// Worth fixing; the profile still runs.
    Warning,
}

/// One problem of a profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub severity: ProblemSeverity,
    /// The profile file the problem is in.
    pub file: String,
    /// 1-based line of the problem's start; absent when it has no position in the file (a
    /// file that cannot be read, a plugin that will not start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column of the start, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// 1-based line of the end (exclusive end of the span).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    /// 1-based column of the end, in characters (exclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<usize>,
    /// The field the problem is about: `profile.timeout`, `check[2].target` (checks counted
    /// from 0 in file order), `check[0].needs[1]`, `plugins.sha256.network`; absent for the
    /// whole file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A stable machine-readable code, e.g. `profile.unknown_key`, `profile.duplicate_id`,
    /// `schema.missing` (a missing parameter), `profile.plugin_missing`,
    /// `profile.pin_placeholder`.
    pub code: String,
    /// What is wrong, in the reader's language.
    pub message: String,
    /// How to fix it, in the reader's language, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Validation {
    /// The problems `diags` of the profile `file`, whose text is `text`, in `locale`.
    pub fn new(file: &str, text: &str, diags: &[Diagnostic], locale: Locale) -> Validation {
        let lines = Lines::new(text);
        let mut counts = ProblemCounts::default();
        let problems = diags
            .iter()
            .map(|d| {
                let severity = match d.level {
                    Level::Error => {
                        counts.errors += 1;
                        ProblemSeverity::Error
                    }
                    Level::Warning => {
                        counts.warnings += 1;
                        ProblemSeverity::Warning
                    }
                };
                let start = d.span.as_ref().map(|s| lines.locate(s.start));
                let end = d.span.as_ref().map(|s| lines.locate(s.end.max(s.start)));
                Problem {
                    severity,
                    file: file.to_string(),
                    line: start.map(|(l, _, _)| l),
                    column: start.map(|(_, c, _)| c),
                    end_line: end.map(|(l, _, _)| l),
                    end_column: end.map(|(_, c, _)| c),
                    field: d.field.clone(),
                    code: d.code().to_string(),
                    message: d.message_in(locale),
                    fix: d.help_in(locale),
                }
            })
            .collect();
        Validation {
            schema: SCHEMA_ID.to_string(),
            file: file.to_string(),
            valid: counts.errors == 0,
            counts,
            problems,
        }
    }
}

/// The JSON Schema of [`Validation`], as committed in `schemas/validation-v1.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Validation);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{Draft, Source};

    /// The committed schema is what the types generate. After changing the types, run
    /// `READYCHECK_BLESS=1 cargo test -p readycheck --lib profile::output` and commit the file.
    #[test]
    fn schema_file_matches_the_types() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/validation-v1.schema.json");
        let generated = json_schema();
        if std::env::var_os("READYCHECK_BLESS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/validation-v1.schema.json is out of date with the validation types; regenerate it with READYCHECK_BLESS=1 cargo test -p readycheck --lib profile::output"
        );
    }

    #[test]
    fn problems_carry_positions_fields_codes_and_fixes_and_fit_the_schema() {
        let text = "[profile]\nname = \"t\"\ntiemout = \"5s\"\n[plugins]\nsha256 = { a = \"0000000000000000000000000000000000000000000000000000000000000000\" }\n[[check]]\nid = \"x\"\nplugin = \"p\"\nkind = \"k\"\ntimeout = \"名前\"\n";
        let draft = Draft::parse(text, Source::Embedded).unwrap();
        let v = Validation::new("p.toml", text, &draft.diagnostics, Locale::En);
        assert!(!v.valid);
        assert_eq!(
            v.counts,
            ProblemCounts {
                errors: 2,
                warnings: 1
            }
        );
        let typo = &v.problems[0];
        assert_eq!(typo.code, "profile.unknown_key");
        assert_eq!(typo.field.as_deref(), Some("profile.tiemout"));
        assert_eq!((typo.line, typo.column), (Some(3), Some(1)));
        assert_eq!((typo.end_line, typo.end_column), (Some(3), Some(8)));
        assert_eq!(typo.fix.as_deref(), Some("did you mean `timeout`?"));
        let pin = &v.problems[1];
        assert_eq!(pin.severity, ProblemSeverity::Warning);
        assert_eq!(pin.field.as_deref(), Some("plugins.sha256.a"));
        let dur = &v.problems[2];
        assert_eq!(dur.field.as_deref(), Some("check[0].timeout"));
        // Columns count characters: the span ends after `"名前"`, 4 characters past column 11.
        assert_eq!(
            (dur.line, dur.column, dur.end_column),
            (Some(10), Some(11), Some(15))
        );

        let json = serde_json::to_value(&v).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&json_schema()).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&json)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let back: Validation = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
    }
}
