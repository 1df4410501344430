//! Profile updates from readycheck-server: a profile names where its newer versions are served
//! (`[profile] update = { url = "https://rc.corp.example/api/v1/profiles/trading-desk",
//! auth_header_env = "READYCHECK_TOKEN" }`, the same device token `[report]` submits with); at the
//! start of a run the host asks that URL (3 s at most), and the answer — the profile's text and
//! its `.minisig`, as IT uploaded them — is used only once it verifies against a pinned key
//! (see [`super::gate`]). The last good profile is kept in the data directory
//! (`profiles/last-good/`) for offline runs. Nothing here stops a run: every failure is an
//! [`Fetched`] variant the report names.

use std::path::{Path, PathBuf};
use std::time::Duration;

use readycheck_sdk::i18n::Locale;
use serde::Deserialize;

/// How long the host waits for the server at the start of a run.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// The largest answer read.
const MAX_ANSWER: u64 = 4 * crate::profile::MAX_PROFILE_BYTES;

/// Where a profile's updates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSource {
    pub url: String,
    /// The environment variable holding the `Authorization` header value.
    pub auth_header_env: Option<String>,
}

/// Why `[profile] update` cannot be used, for the profile's diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceError {
    /// Not an inline table or table with a string `url`.
    Shape,
    /// `url` is not http(s).
    NotUrl(String),
    /// A key other than `url` and `auth_header_env`.
    UnknownKey(String),
}

/// The keys of `[profile] update`.
pub const UPDATE_KEYS: &[&str] = &["url", "auth_header_env"];

/// Reads `[profile] update` from a parsed TOML item.
pub fn source_from_item(item: &toml_edit::Item) -> Result<UpdateSource, SourceError> {
    let t = item.as_table_like().ok_or(SourceError::Shape)?;
    for (k, _) in t.iter() {
        if !UPDATE_KEYS.contains(&k) {
            return Err(SourceError::UnknownKey(k.to_string()));
        }
    }
    let url = t
        .get("url")
        .and_then(|v| v.as_str())
        .ok_or(SourceError::Shape)?
        .to_string();
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(SourceError::NotUrl(url));
    }
    let auth_header_env = match t.get("auth_header_env") {
        None => None,
        Some(v) => Some(v.as_str().ok_or(SourceError::Shape)?.to_string()),
    };
    Ok(UpdateSource {
        url,
        auth_header_env,
    })
}

/// The update source a profile's text names, if it names a usable one.
pub fn source_of(text: &str) -> Option<UpdateSource> {
    let doc = toml_edit::Document::parse(text).ok()?;
    let item = doc
        .as_table()
        .get("profile")?
        .as_table_like()?
        .get("update")?;
    source_from_item(item).ok()
}

/// What the server answered, as far as the transport goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// A profile and its signature (not yet verified).
    Profile { text: String, signature: String },
    /// The server has no profile for this role (404).
    NoneStored,
    /// The server could not be reached in time.
    Unreachable(String),
    /// The server answered with another status.
    Http(u16),
    /// The answer is not what a readycheck-server sends.
    Malformed(String),
    /// Something here is missing (the token's variable is not set).
    Setup(String),
}

/// The server's answer body.
#[derive(Debug, Deserialize)]
struct Answer {
    profile: String,
    signature: String,
}

/// Asks the server for the newest profile.
pub fn fetch(source: &UpdateSource, timeout: Duration, lang: Locale) -> Fetched {
    let auth = match &source.auth_header_env {
        Some(var) => match std::env::var(var) {
            Ok(v) if !v.is_empty() => Some(v),
            _ => {
                return Fetched::Setup(format!(
                    "the environment variable {var} (the update's token) is not set"
                ));
            }
        },
        None => None,
    };
    match http_get(&source.url, auth.as_deref(), timeout, lang) {
        Err(e) => Fetched::Unreachable(e),
        Ok((404, _)) => Fetched::NoneStored,
        Ok((200, body)) => match serde_json::from_slice::<Answer>(&body) {
            Ok(a) if a.profile.len() as u64 <= crate::profile::MAX_PROFILE_BYTES => {
                Fetched::Profile {
                    text: a.profile,
                    signature: a.signature,
                }
            }
            Ok(_) => Fetched::Malformed("the profile is too large".into()),
            Err(e) => Fetched::Malformed(e.to_string()),
        },
        Ok((status, _)) => Fetched::Http(status),
    }
}

/// One GET through report delivery's client (the proxy of the environment or the system, the
/// OS's certificate verifier), bounded by `timeout` from start to end.
fn http_get(
    url: &str,
    auth: Option<&str>,
    timeout: Duration,
    lang: Locale,
) -> Result<(u16, Vec<u8>), String> {
    use std::io::Read;
    let client = crate::submit::client().map_err(|m| crate::i18n::render(lang, &m))?;
    let mut req = client
        .get(url)
        .timeout(timeout)
        .header("Accept", "application/json");
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let resp = req.send().map_err(|e| chain(&e))?;
    let status = resp.status().as_u16();
    let mut body = Vec::new();
    resp.take(MAX_ANSWER + 1)
        .read_to_end(&mut body)
        .map_err(|e| chain(&e))?;
    if body.len() as u64 > MAX_ANSWER {
        return Err(format!("the answer is larger than {MAX_ANSWER} bytes"));
    }
    Ok((status, body))
}

/// An error and its causes on one line ("error sending request …: connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The directory of last good profiles.
pub fn cache_dir() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("profiles").join("last-good"))
}

/// The file a profile of this (signed) name is kept in; its signature is beside it.
pub fn cached_path(dir: &Path, name: &str) -> PathBuf {
    let slug = &crate::profile::hex_sha256(name.as_bytes())[..16];
    dir.join(format!("{slug}.toml"))
}

/// The last good profile of `name` and its signature, if one is kept.
pub fn load_cached(dir: &Path, name: &str) -> Option<(String, String)> {
    let p = cached_path(dir, name);
    let text = crate::store::read_capped(&p, crate::profile::MAX_PROFILE_BYTES).ok()?;
    let sig = crate::store::read_capped(&super::signature_path(&p), super::MAX_SIG_BYTES).ok()?;
    Some((String::from_utf8(text).ok()?, String::from_utf8(sig).ok()?))
}

/// Keeps a good profile and its signature (signature first, each atomically: a profile whose
/// signature is missing or stale fails verification, so a torn pair is never used).
pub fn store_cached(dir: &Path, name: &str, text: &str, sig: &str) -> std::io::Result<()> {
    let p = cached_path(dir, name);
    crate::store::write_atomic(&super::signature_path(&p), sig.as_bytes())?;
    crate::store::write_atomic(&p, text.as_bytes())
}

/// The problems of `[profile] update` in a profile's `[profile]` table, for its diagnostics
/// (none when the key is absent).
pub fn diagnostics(profile_table: &toml_edit::Table) -> Vec<crate::profile::Diagnostic> {
    let Some(item) = profile_table.get("update") else {
        return Vec::new();
    };
    let span = match item {
        toml_edit::Item::Value(v) => v.span(),
        other => other.span(),
    };
    match source_from_item(item) {
        Ok(_) => Vec::new(),
        Err(e) => {
            let problem = match e {
                SourceError::Shape => readycheck_sdk::t!("profile.update_shape"),
                SourceError::NotUrl(url) => readycheck_sdk::t!("profile.update_not_url", url = url),
                SourceError::UnknownKey(key) => readycheck_sdk::t!(
                    "profile.update_unknown_key",
                    key = key,
                    keys = UPDATE_KEYS.join(", ")
                ),
            };
            vec![
                crate::profile::Diagnostic::new(problem, span)
                    .help(readycheck_sdk::t!("profile.update_help")),
            ]
        }
    }
}
