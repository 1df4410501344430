//! Signed profiles: IT signs a profile with its own Ed25519 key, packages ship IT's public key,
//! and with a key pinned readycheck runs only profiles that key signed — not altered, not
//! expired, not older than one it already accepted. This module is the format and the checks,
//! free of I/O beyond reading key files: [`keys`] finds the pinned keys, [`seen`] remembers the
//! highest version accepted per profile name (rollback protection), [`update`] fetches a newer
//! signed profile from readycheck-server, and [`gate`] decides which profile a run uses.
//!
//! The format is minisign's (so `minisign -V` can check a profile too): a detached
//! `<profile>.minisig` beside the profile (`readycheck.toml.minisig`). Its trusted comment —
//! covered by the signature like the profile's bytes — says what was signed and until when:
//!
//! ```text
//! trusted comment: readycheck-profile version=2026.11.2 expires=2027-01-31 name=Trading desk — home office
//! ```
//!
//! The name and version must be the profile's own (its English `name`, whitespace collapsed, and
//! its `version`); the profile is valid through the `expires` date (UTC) and refused from the
//! next day on. Versions compare piece by piece (`2026.11.10` > `2026.11.9` > `2026.11`).

pub mod gate;
pub mod keys;
pub mod seen;
pub mod update;

use std::cmp::Ordering;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

pub use keys::{PinnedKey, PinnedKeys};

/// The first word of every readycheck trusted comment.
pub const COMMENT_TAG: &str = "readycheck-profile";

/// The extension of a detached signature (`readycheck.toml.minisig`).
pub const SIG_EXT: &str = "minisig";

/// The largest signature file read, in bytes.
pub const MAX_SIG_BYTES: u64 = 64 * 1024;

/// The signature file of a profile: the profile's path with `.minisig` appended.
pub fn signature_path(profile: &Path) -> PathBuf {
    let mut s = profile.as_os_str().to_os_string();
    s.push(".");
    s.push(SIG_EXT);
    PathBuf::from(s)
}

/// What a signature says it covers: the trusted comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    pub name: String,
    pub version: String,
    /// The last day (UTC) the profile may run.
    pub expires: NaiveDate,
}

impl Signed {
    /// The trusted comment for this profile.
    pub fn comment(&self) -> String {
        format!(
            "{COMMENT_TAG} version={} expires={} name={}",
            self.version,
            self.expires.format("%Y-%m-%d"),
            self.name
        )
    }

    /// Reads a trusted comment written by [`Signed::comment`]; `None` for anything else.
    pub fn parse(comment: &str) -> Option<Signed> {
        let rest = comment
            .trim()
            .strip_prefix(COMMENT_TAG)?
            .strip_prefix(' ')?;
        let rest = rest.strip_prefix("version=")?;
        let (version, rest) = rest.split_once(' ')?;
        let rest = rest.strip_prefix("expires=")?;
        let (expires, rest) = rest.split_once(' ')?;
        let name = rest.strip_prefix("name=")?;
        let expires = NaiveDate::parse_from_str(expires, "%Y-%m-%d").ok()?;
        (!version.is_empty() && !name.is_empty()).then(|| Signed {
            name: name.to_string(),
            version: version.to_string(),
            expires,
        })
    }

    /// The expiry as written in the comment (`2027-01-31`).
    pub fn expires_str(&self) -> String {
        self.expires.format("%Y-%m-%d").to_string()
    }
}

/// A profile's name as a signature names it: the English name, whitespace collapsed.
pub fn signed_name(profile: &crate::profile::Profile) -> String {
    normalize_name(profile.names.get(crate::i18n::Locale::En))
}

/// Whitespace (newlines included) collapsed to single spaces: a trusted comment is one line.
pub fn normalize_name(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A key id as minisign prints it: 16 upper-case hex digits.
pub fn key_id(keynum: &[u8]) -> String {
    let mut b = [0u8; 8];
    let n = keynum.len().min(8);
    b[..n].copy_from_slice(&keynum[..n]);
    format!("{:016X}", u64::from_le_bytes(b))
}

/// Today's date in UTC, the clock expiry is judged by.
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The date `days` after today (UTC): a signature's default expiry.
pub fn expiry_in(days: u32) -> NaiveDate {
    today() + chrono::Days::new(u64::from(days))
}

/// A date as `--expires` and the trusted comment write it (`2027-01-31`).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// Compares two profile versions piece by piece: pieces split at `.`, `-`, `_` and `+`;
/// numeric pieces compare as numbers, others as text; a version that is a prefix of another is
/// the older one (`2026.11` < `2026.11.1`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let split =
        |s: &str| -> Vec<String> { s.split(['.', '-', '_', '+']).map(str::to_string).collect() };
    let (pa, pb) = (split(a), split(b));
    for (x, y) in pa.iter().zip(pb.iter()) {
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
        let o = if numeric(x) && numeric(y) {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            x.cmp(y)
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

/// Why a profile is not accepted while a key is pinned. Each names its fix in [`Refusal::msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `.minisig` beside the profile.
    Unsigned,
    /// The signature file is not a minisign signature.
    BadSignature { error: String },
    /// Signed, but by a key that is not pinned here.
    UnknownKey { key_id: String },
    /// The profile's bytes (or the trusted comment) are not what was signed.
    Altered { key_id: String },
    /// The trusted comment is not a readycheck one, or names another profile or version.
    Mismatch { key_id: String, what: String },
    /// Past the expiry in the signature.
    Expired { key_id: String, expires: String },
    /// Older than a version of the same profile accepted before (a rollback).
    Older {
        key_id: String,
        version: String,
        seen: String,
    },
    /// The profile's text is not a valid profile (after its signature checked out).
    Invalid { error: String },
}

impl Refusal {
    /// The stable code the report carries (`unsigned`, `unknown_key`, `altered`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Unsigned => "unsigned",
            Refusal::BadSignature { .. } => "bad_signature",
            Refusal::UnknownKey { .. } => "unknown_key",
            Refusal::Altered { .. } => "altered",
            Refusal::Mismatch { .. } => "mismatch",
            Refusal::Expired { .. } => "expired",
            Refusal::Older { .. } => "older",
            Refusal::Invalid { .. } => "invalid",
        }
    }

    /// What is wrong with `file` and what fixes it, in the reader's language when rendered.
    pub fn msg(&self, file: &str) -> Msg {
        let sig = format!("{file}.{SIG_EXT}");
        match self {
            Refusal::Unsigned => t!("signing.refused.unsigned", file = file, sig = sig),
            Refusal::BadSignature { error } => t!(
                "signing.refused.bad_signature",
                file = file,
                sig = sig,
                error = error.as_str()
            ),
            Refusal::UnknownKey { key_id } => t!(
                "signing.refused.unknown_key",
                file = file,
                key = key_id.as_str()
            ),
            Refusal::Altered { key_id } => t!(
                "signing.refused.altered",
                file = file,
                key = key_id.as_str()
            ),
            Refusal::Mismatch { what, .. } => {
                t!(
                    "signing.refused.mismatch",
                    file = file,
                    what = what.as_str()
                )
            }
            Refusal::Expired { expires, .. } => t!(
                "signing.refused.expired",
                file = file,
                expires = expires.as_str()
            ),
            Refusal::Older { version, seen, .. } => t!(
                "signing.refused.older",
                file = file,
                version = version.as_str(),
                seen = seen.as_str()
            ),
            Refusal::Invalid { error } => {
                t!(
                    "signing.refused.invalid",
                    file = file,
                    error = error.as_str()
                )
            }
        }
    }
}

/// A signature that checked out against a pinned key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub key_id: String,
    pub signed: Signed,
}

/// The key id a signature names, without checking it (for "signed, but no key is pinned").
pub fn signature_key_id(sig_text: &str) -> Option<String> {
    minisign::SignatureBox::from_string(sig_text)
        .ok()
        .map(|b| key_id(b.keynum()))
}

/// The key id and trusted comment a signature carries, read without checking them (what a
/// server that holds no key can say about an upload); `None` when it is not a minisign
/// signature with a readycheck comment.
pub fn read_unverified(sig_text: &str) -> Option<(String, Signed)> {
    let b = minisign::SignatureBox::from_string(sig_text).ok()?;
    let signed = Signed::parse(&b.trusted_comment().ok()?)?;
    Some((key_id(b.keynum()), signed))
}

/// Checks `text` against its signature with the pinned keys: the key is pinned, the bytes and
/// the trusted comment are what it signed, the comment is a readycheck one, and the profile has
/// not expired by `today`. The profile's name and version, and rollback, are checked by the
/// caller, who has parsed the profile ([`check_identity`], [`seen::Seen::check`]).
pub fn verify(
    text: &[u8],
    sig_text: Option<&str>,
    keys: &PinnedKeys,
    today: NaiveDate,
) -> Result<Verified, Refusal> {
    let sig_text = sig_text.ok_or(Refusal::Unsigned)?;
    let sig = minisign::SignatureBox::from_string(sig_text).map_err(|e| Refusal::BadSignature {
        error: e.to_string(),
    })?;
    let id = key_id(sig.keynum());
    let key = keys
        .keys
        .iter()
        .find(|k| k.key.keynum() == sig.keynum())
        .ok_or_else(|| Refusal::UnknownKey { key_id: id.clone() })?;
    minisign::verify(&key.key, &sig, Cursor::new(text), true, false, false)
        .map_err(|_| Refusal::Altered { key_id: id.clone() })?;
    let comment = sig.trusted_comment().unwrap_or_default();
    let signed = Signed::parse(&comment).ok_or_else(|| Refusal::Mismatch {
        key_id: id.clone(),
        what: format!("the signature's trusted comment is not a readycheck profile's: {comment:?}"),
    })?;
    if today > signed.expires {
        return Err(Refusal::Expired {
            key_id: id,
            expires: signed.expires_str(),
        });
    }
    Ok(Verified { key_id: id, signed })
}

/// Whether the signature's name and version are the parsed profile's own.
pub fn check_identity(v: &Verified, profile: &crate::profile::Profile) -> Result<(), Refusal> {
    let name = signed_name(profile);
    if v.signed.name != name {
        return Err(Refusal::Mismatch {
            key_id: v.key_id.clone(),
            what: format!(
                "the signature is for profile {:?}, this profile is {:?}",
                v.signed.name, name
            ),
        });
    }
    if profile.version.as_deref() != Some(v.signed.version.as_str()) {
        return Err(Refusal::Mismatch {
            key_id: v.key_id.clone(),
            what: format!(
                "the signature is for version {}, this profile says {}",
                v.signed.version,
                profile.version.as_deref().unwrap_or("none")
            ),
        });
    }
    Ok(())
}

/// Why signing or making keys did not work.
#[derive(Debug)]
pub enum SignError {
    /// The profile has no `version`, or one with spaces: a signature must name its version.
    NoVersion,
    /// The secret key could not be read or used (a wrong password among them).
    Key(String),
    /// The minisign library failed.
    Minisign(String),
}

impl std::fmt::Display for SignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignError::NoVersion => f.write_str(
                "the profile has no usable `version` in [profile]: a signed profile needs one (e.g. version = \"2026.11.1\"), which rollback protection compares",
            ),
            SignError::Key(e) => write!(f, "the secret key cannot be used: {e}"),
            SignError::Minisign(e) => write!(f, "signing failed: {e}"),
        }
    }
}

impl std::error::Error for SignError {}

/// A new key pair, as the text of `<name>.pub` and `<name>.key` files, and its id. The secret
/// key is encrypted with `password` (minisign's scrypt), or stored unencrypted with `None`.
pub struct NewKeys {
    pub public: String,
    pub secret: String,
    pub key_id: String,
}

impl std::fmt::Debug for NewKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKeys")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// How a secret key's password is had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    /// No password: the key is (to be) stored unencrypted.
    None,
    /// This password.
    Given(String),
    /// Asked on the terminal (minisign's prompt).
    Ask,
}

/// Makes a key pair.
pub fn keygen(password: Password) -> Result<NewKeys, SignError> {
    let pair = match password {
        Password::Given(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p)),
        Password::Ask => minisign::KeyPair::generate_encrypted_keypair(None),
        Password::None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| SignError::Minisign(e.to_string()))?;
    let id = key_id(pair.pk.keynum());
    let public = pair
        .pk
        .to_box()
        .map_err(|e| SignError::Minisign(e.to_string()))?
        .into_string();
    let secret = pair
        .sk
        .to_box(Some(&format!("readycheck profile signing key {id}")))
        .map_err(|e| SignError::Minisign(e.to_string()))?
        .into_string();
    // The public key's file says whose key it is in its (untrusted) comment line.
    let key_line = public.lines().nth(1).unwrap_or_default().to_string();
    let public = format!(
        "untrusted comment: readycheck profile key {id} (minisign public key)\n{key_line}\n"
    );
    Ok(NewKeys {
        public,
        secret,
        key_id: id,
    })
}

/// Whether a secret key file's text holds an encrypted (password-protected) key.
pub fn secret_key_is_encrypted(secret_text: &str) -> Result<bool, SignError> {
    let b = minisign::SecretKeyBox::from_string(secret_text)
        .map_err(|e| SignError::Key(e.to_string()))?;
    match b.into_unencrypted_secret_key() {
        Ok(_) => Ok(false),
        // minisign refuses to open an encrypted key as a plain one with this message.
        Err(e) if e.to_string().contains("encrypted") => Ok(true),
        Err(e) => Err(SignError::Key(e.to_string())),
    }
}

/// The public key file's text of a secret key (what an IT bundle pins beside the profile it
/// signed), and the key's id.
pub fn public_key_of(secret_text: &str, password: Password) -> Result<(String, String), SignError> {
    let sk = open_secret(secret_text, password)?;
    let pk =
        minisign::PublicKey::from_secret_key(&sk).map_err(|e| SignError::Key(e.to_string()))?;
    let id = key_id(pk.keynum());
    let b64 = pk.to_base64();
    Ok((
        format!("untrusted comment: readycheck profile key {id} (minisign public key)\n{b64}\n"),
        id,
    ))
}

/// The secret key in `secret_text`, opened with its password when it has one.
fn open_secret(secret_text: &str, password: Password) -> Result<minisign::SecretKey, SignError> {
    let sk_box = minisign::SecretKeyBox::from_string(secret_text)
        .map_err(|e| SignError::Key(e.to_string()))?;
    if secret_key_is_encrypted(secret_text)? {
        match password {
            Password::Given(p) => sk_box.into_secret_key(Some(p)),
            Password::Ask => sk_box.into_secret_key(None),
            Password::None => {
                return Err(SignError::Key(
                    "the key is password-protected and no password was given (READYCHECK_KEY_PASSWORD)".into(),
                ));
            }
        }
    } else {
        sk_box.into_unencrypted_secret_key()
    }
    .map_err(|e| SignError::Key(e.to_string()))
}

/// Signs a profile's text: the `.minisig` file's content. `password` opens an encrypted secret
/// key (an unencrypted one needs none). The profile must parse and have a version; the comment carries its name, version and
/// `expires`.
pub fn sign(
    text: &str,
    profile: &crate::profile::Profile,
    secret_text: &str,
    password: Password,
    expires: NaiveDate,
) -> Result<(String, Verified), SignError> {
    let version = profile
        .version
        .clone()
        .filter(|v| !v.is_empty() && !v.chars().any(char::is_whitespace))
        .ok_or(SignError::NoVersion)?;
    let sk = open_secret(secret_text, password)?;
    let signed = Signed {
        name: signed_name(profile),
        version,
        expires,
    };
    let id = key_id(sk.keynum());
    let sig = minisign::sign(
        None,
        &sk,
        Cursor::new(text.as_bytes()),
        Some(&signed.comment()),
        Some(&format!("signature from readycheck profile key {id}")),
    )
    .map_err(|e| SignError::Minisign(e.to_string()))?;
    Ok((sig.into_string(), Verified { key_id: id, signed }))
}

#[cfg(test)]
mod tests;
