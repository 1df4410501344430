//! Profiles: the TOML files IT writes, listing the checks to run. This module turns text into a
//! [`Profile`] — and every problem in it into a [`Diagnostic`] with file:line:column — without
//! touching plugins, the network or the machine. Checking parameters against plugin manifests
//! happens later, in [`validate`], once the manifests are known.

mod check;
pub mod diagnostic;
mod graph;
pub mod output;
mod parse;
mod per_os;
pub mod schema;
mod toml_read;
pub mod validate;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::i18n::Locale;
use readycheck_sdk::t;
use sha2::{Digest, Sha256};

pub use diagnostic::Diagnostic;

/// The largest profile read, in bytes.
pub const MAX_PROFILE_BYTES: u64 = 16 * 1024 * 1024;

/// The profile compiled into the binary (`checks/default.toml`).
pub const EMBEDDED_DEFAULT: &str = include_str!("../../../checks/default.toml");

/// The file an IT bundle puts next to the program to say that it ships `readycheck.toml`.
pub const BUNDLE_MARKER: &str = "readycheck-bundle.txt";

/// Keys of a `[[check]]` table that the host reads; every other key is a plugin parameter.
pub const HOST_CHECK_KEYS: &[&str] = &[
    "id", "plugin", "kind", "title", "severity", "needs", "timeout", "fix", "fixes", "os", "layer",
];

pub use readycheck_report::Severity;

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(PathBuf),
    Embedded,
}

impl Source {
    /// How to name it in messages.
    pub fn display_name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Embedded => "<embedded default profile>".to_string(),
        }
    }
}

/// A byte range in the profile text, when known.
pub type Span = Option<Range<usize>>;

/// Byte spans of a check's keys and values, kept for error messages that come after parsing.
#[derive(Debug, Clone, Default)]
pub struct CheckSpans {
    /// Which `[[check]]` of the file this is, from 0 (its field path is `check[index]`).
    pub index: usize,
    pub table: Option<Range<usize>>,
    /// The value of `id`.
    pub id: Option<Range<usize>>,
    pub plugin: Option<Range<usize>>,
    pub kind: Option<Range<usize>>,
    /// Per parameter: (span of the key, span of the value).
    pub params: BTreeMap<String, (Span, Span)>,
    /// Per entry of `needs`.
    pub needs: Vec<Option<Range<usize>>>,
}

/// Text IT wrote in a profile: one string for every reader, or one per language.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LocalText {
    by_locale: BTreeMap<Locale, String>,
    plain: Option<String>,
}

impl LocalText {
    /// The same text in every language.
    pub fn plain(s: &str) -> Self {
        LocalText {
            by_locale: BTreeMap::new(),
            plain: Some(s.to_string()),
        }
    }
    /// Sets the text of one language.
    pub fn set(&mut self, locale: Locale, s: &str) {
        self.by_locale.insert(locale, s.to_string());
    }
    /// No text at all.
    pub fn is_empty(&self) -> bool {
        self.plain.is_none() && self.by_locale.is_empty()
    }
    /// Every language's text, by tag, when the text was given per language (empty for a plain
    /// string, which reads the same in every language).
    pub fn translations(&self) -> BTreeMap<String, String> {
        if self.by_locale.len() < 2 && self.plain.is_some() {
            return BTreeMap::new();
        }
        Locale::ALL
            .iter()
            .filter(|_| !self.by_locale.is_empty())
            .map(|l| (l.tag().to_string(), self.get(*l).to_string()))
            .collect()
    }
    /// The text for `locale`: its own, else English, else any language given.
    pub fn get(&self, locale: Locale) -> &str {
        self.by_locale
            .get(&locale)
            .or(self.plain.as_ref())
            .or_else(|| self.by_locale.get(&Locale::En))
            .or_else(|| self.by_locale.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// One `[[check]]`.
#[derive(Debug, Clone)]
pub struct Check {
    pub id: String,
    pub plugin: String,
    pub kind: String,
    pub title: LocalText,
    pub severity: Severity,
    pub needs: Vec<String>,
    pub timeout: Option<Duration>,
    pub fix: Option<LocalText>,
    /// Advice per outcome code (`"network.tls.expired"`) or per owner the diagnosis names
    /// (`company`, `home_network`, …), preferred to `fix` when it applies.
    pub fixes: BTreeMap<String, LocalText>,
    pub os: Option<Vec<String>>,
    /// Where on the way from the PC to the service this check looks (`layer = "vpn_gateway"`);
    /// inferred by the diagnosis when not given.
    pub layer: Option<crate::diagnosis::Layer>,
    /// Every other key, converted to JSON for the plugin.
    pub params: serde_json::Map<String, serde_json::Value>,
    pub spans: CheckSpans,
}

/// `[plugins]`: extra search directories and sha256 pins.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// Extra plugin directories, relative paths resolved against the profile's directory.
    pub dirs: Vec<PathBuf>,
    /// Plugin name → expected lower-case hex sha256 of its library file.
    pub sha256: BTreeMap<String, String>,
}

/// `[report]`: where reports are delivered.
#[derive(Debug, Clone, Default)]
pub struct ReportSettings {
    /// URL the JSON report is POSTed to after every run.
    pub submit: Option<String>,
    /// Environment variable holding the `Authorization` header value for `submit`.
    pub auth_header_env: Option<String>,
    /// Which results of the daily run raise a desktop notification (`notify = "not_ready"`,
    /// the default, `"degraded"` or `"never"`).
    pub notify: crate::notify::When,
}

/// A parsed profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub source: Source,
    pub text: String,
    pub sha256: String,
    /// The name as IT wrote it (English when given per language): the profile's identity. Show
    /// `names.get(lang)` to a reader.
    pub name: String,
    /// The name as the profile gives it, per language when it does (`name = { en = "…",
    /// zh-CN = "…" }`).
    pub names: LocalText,
    pub version: Option<String>,
    pub contact: Option<String>,
    /// Default per-check timeout.
    pub timeout: Duration,
    /// Deadline for the whole run.
    pub deadline: Duration,
    pub plugins: PluginSettings,
    pub report: ReportSettings,
    pub checks: Vec<Check>,
}

/// A profile that could not be read or parsed, with everything wrong in it.
#[derive(Debug, Clone)]
pub struct ProfileError {
    pub source: Source,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl ProfileError {
    /// The cargo-style rendering of every diagnostic, in `lang`.
    pub fn render(&self, lang: Locale) -> String {
        diagnostic::render(
            &self.source.display_name(),
            &self.text,
            &self.diagnostics,
            lang,
        )
    }
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Logs and other programs read it: English, whatever the PC's language.
        f.write_str(&self.render(Locale::En))
    }
}

impl std::error::Error for ProfileError {}

/// A profile read as far as it goes, beside every problem found in it: what `validate` judges
/// against the plugins, so that a structural mistake hides nothing else.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The profile, with defaults where values were wrong and without checks lacking an id, a
    /// plugin or a kind.
    pub profile: Profile,
    /// Problems found while reading it, in file order within each stage.
    pub diagnostics: Vec<Diagnostic>,
}

impl Draft {
    /// Parses profile text. `Err` only when it is not TOML; `base_dir` (the file's directory)
    /// resolves relative `[plugins] dirs`.
    pub fn parse(text: &str, source: Source) -> Result<Draft, ProfileError> {
        let base_dir = match &source {
            Source::File(p) => p.parent().map(Path::to_path_buf),
            Source::Embedded => None,
        };
        match parse::parse(text, base_dir.as_deref()) {
            (Some(mut profile), diagnostics) => {
                profile.sha256 = hex_sha256(text.as_bytes());
                profile.source = source;
                Ok(Draft {
                    profile,
                    diagnostics,
                })
            }
            (None, diagnostics) => Err(ProfileError {
                source,
                text: text.to_string(),
                diagnostics,
            }),
        }
    }

    /// Reads and parses a profile file (at most [`MAX_PROFILE_BYTES`]). `Err` when it cannot
    /// be read, is not UTF-8 or not TOML.
    pub fn load(path: &Path) -> Result<Draft, ProfileError> {
        // A regular file of reasonable size only: a FIFO or a device is refused unopened.
        match crate::store::read_capped(path, MAX_PROFILE_BYTES) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Draft::parse(&text, Source::File(path.to_path_buf())),
                Err(e) => {
                    // Shown as line:column: the text up to the bad byte is the same in the
                    // lossy copy, where the bad byte became one replacement character.
                    let at = e.utf8_error().valid_up_to();
                    let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                    Err(ProfileError {
                        source: Source::File(path.to_path_buf()),
                        diagnostics: vec![
                            Diagnostic::new(
                                t!("profile.not_utf8", offset = at),
                                Some(at..at + '\u{fffd}'.len_utf8()),
                            )
                            .help(t!("profile.not_utf8_help")),
                        ],
                        text,
                    })
                }
            },
            Err(e) => {
                let bundled = e.kind() == std::io::ErrorKind::NotFound
                    && path
                        .parent()
                        .is_some_and(|d| d.join(BUNDLE_MARKER).is_file());
                let help = if bundled {
                    t!("profile.bundle_profile_missing_help")
                } else {
                    t!("profile.unreadable_help")
                };
                Err(ProfileError {
                    source: Source::File(path.to_path_buf()),
                    text: String::new(),
                    diagnostics: vec![
                        Diagnostic::new(t!("profile.unreadable", error = e.to_string()), None)
                            .help(help),
                    ],
                })
            }
        }
    }

    /// The problems as a [`ProfileError`].
    pub fn into_error(self) -> ProfileError {
        ProfileError {
            source: self.profile.source,
            text: self.profile.text,
            diagnostics: self.diagnostics,
        }
    }
}

/// Default per-check timeout when the profile sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default whole-run deadline when the profile sets none.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(60);

impl Profile {
    /// Parses profile text; any error refuses the profile (warnings do not).
    pub fn parse(text: &str, source: Source) -> Result<Profile, ProfileError> {
        let draft = Draft::parse(text, source)?;
        if draft.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(draft.into_error());
        }
        Ok(draft.profile)
    }

    /// Reads and parses a profile file (at most [`MAX_PROFILE_BYTES`]).
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let draft = Draft::load(path)?;
        if draft.diagnostics.iter().any(Diagnostic::is_error) {
            return Err(draft.into_error());
        }
        Ok(draft.profile)
    }

    /// The embedded default profile.
    pub fn embedded() -> Profile {
        Profile::parse(EMBEDDED_DEFAULT, Source::Embedded)
            .expect("the embedded default profile is valid (tested)")
    }

    /// Index of the check with `id`.
    pub fn check_index(&self, id: &str) -> Option<usize> {
        self.checks.iter().position(|c| c.id == id)
    }

    /// The effective timeout of check `i`.
    pub fn timeout_of(&self, i: usize) -> Duration {
        self.checks[i].timeout.unwrap_or(self.timeout)
    }
}

/// Parses a duration such as "5s", "500ms", "2m" (used by the CLI too).
pub fn parse_duration_str(s: &str) -> Result<Duration, String> {
    toml_read::parse_duration(s)
}

/// Lower-case hex sha256 of `bytes`.
pub fn hex_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Where the profile comes from when none is given on the command line, in DESIGN order:
/// `READYCHECK_PROFILE`, `readycheck.toml` next to the executable, the user's config dir, the
/// machine-wide config dir packages install into (`/etc/readycheck`), the embedded default.
pub fn discover(exe_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("READYCHECK_PROFILE").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if let Some(dir) = exe_dir {
        let p = dir.join("readycheck.toml");
        // An IT bundle says that it ships a profile: a missing one is an error that says so,
        // never a silent run of the built-in default in its place.
        if p.is_file() || dir.join(BUNDLE_MARKER).is_file() {
            return Some(p);
        }
    }
    [
        crate::paths::config_dir(),
        crate::paths::system_config_dir(),
    ]
    .into_iter()
    .flatten()
    .map(|dir| dir.join("readycheck.toml"))
    .find(|p| p.is_file())
}
