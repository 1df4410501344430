//! Signed profiles on the server: IT uploads a profile already signed (the server never holds
//! the private key), the server checks what it can — a valid profile, a minisign signature whose
//! trusted comment names this profile's name and version, not expired, and, when
//! `[profiles] keys` lists IT's public keys, signed by one of them — and stores it per role and
//! site. A client asks for its role with its device token and gets the newest version for the
//! token's site (a profile for that site before one for every site). The client verifies again
//! against its own pinned key: the server is a courier, not a source of trust.

use std::cmp::Ordering;
use std::path::PathBuf;

use readycheck::signing::{self, PinnedKey, PinnedKeys, Refusal, Verified};
use readycheck_sdk::i18n::Locale;

use crate::store::{ProfileRow, ProfileStored, Store, StoreError};

/// Why an upload or a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error(
        "`{0}` is not a role name: use letters, digits, `.`, `_` and `-` (at most 64), e.g. trading-desk"
    )]
    BadRole(String),
    #[error("the profile is not a valid readycheck profile:\n{0}")]
    Invalid(String),
    #[error("the signature cannot be accepted: {0}")]
    Signature(String),
    #[error(
        "version {version} of role `{role}` is already stored with other content: give the changed profile a new version and sign it again"
    )]
    Conflict { role: String, version: String },
    #[error("no profile is stored for role `{0}`")]
    NotFound(String),
    #[error("a profile key of this server cannot be read: {0}")]
    Keys(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `role` can name a role (it is part of a URL path).
pub fn valid_role(role: &str) -> bool {
    !role.is_empty()
        && role.len() <= 64
        && role
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The public keys `[profiles] keys` names (none: any key is taken, the clients decide).
pub fn load_keys(paths: &[PathBuf]) -> Result<PinnedKeys, ProfileError> {
    let mut keys = PinnedKeys::default();
    for p in paths {
        let key = signing::keys::read_key(p)
            .map_err(|e| ProfileError::Keys(format!("{}: {e}", p.display())))?;
        keys.keys.push(PinnedKey {
            id: signing::key_id(key.keynum()),
            path: p.clone(),
            key,
        });
    }
    Ok(keys)
}

/// One upload.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    pub role: &'a str,
    /// `''` for every site.
    pub site: &'a str,
    pub text: &'a str,
    pub signature: &'a str,
    /// Who uploaded it (the dashboard account, or `cli`).
    pub by: &'a str,
}

fn english(r: &Refusal) -> String {
    readycheck::i18n::render(Locale::En, &r.msg("the uploaded profile"))
}

/// Checks and stores an upload; the stored row and whether it is new.
pub async fn upload(
    store: &Store,
    keys: &PinnedKeys,
    up: &Upload<'_>,
) -> Result<(ProfileRow, bool), ProfileError> {
    if !valid_role(up.role) {
        return Err(ProfileError::BadRole(up.role.to_string()));
    }
    let profile =
        readycheck::profile::Profile::parse(up.text, readycheck::profile::Source::Embedded)
            .map_err(|e| ProfileError::Invalid(e.to_string()))?;
    let today = signing::today();
    let verified = if keys.pinned() {
        signing::verify(up.text.as_bytes(), Some(up.signature), keys, today)
            .map_err(|r| ProfileError::Signature(english(&r)))?
    } else {
        let (key_id, signed) = signing::read_unverified(up.signature).ok_or_else(|| {
            ProfileError::Signature(
                "it is not a minisign signature with a readycheck trusted comment (sign with `readycheck profile sign`)".into(),
            )
        })?;
        if today > signed.expires {
            return Err(ProfileError::Signature(english(&Refusal::Expired {
                key_id,
                expires: signed.expires_str(),
            })));
        }
        Verified { key_id, signed }
    };
    signing::check_identity(&verified, &profile)
        .map_err(|r| ProfileError::Signature(english(&r)))?;
    let row = ProfileRow {
        role: up.role.to_string(),
        site: up.site.trim().to_string(),
        version: verified.signed.version.clone(),
        name: verified.signed.name.clone(),
        key_id: verified.key_id.clone(),
        expires: verified.signed.expires_str(),
        body: up.text.to_string(),
        signature: up.signature.to_string(),
        body_sha256: readycheck::profile::hex_sha256(up.text.as_bytes()),
        uploaded_at: crate::now_ms(),
        uploaded_by: up.by.to_string(),
    };
    match store.put_profile(&row).await? {
        ProfileStored::New => Ok((row, true)),
        ProfileStored::Same => Ok((row, false)),
        ProfileStored::Conflict => Err(ProfileError::Conflict {
            role: row.role,
            version: row.version,
        }),
    }
}

/// The profile a client of `site` gets for `role`: the newest version stored for its site,
/// else the newest stored for every site.
pub async fn newest(store: &Store, role: &str, site: &str) -> Result<ProfileRow, ProfileError> {
    if !valid_role(role) {
        return Err(ProfileError::BadRole(role.to_string()));
    }
    let rows = store.profiles_for(role, site).await?;
    let pick = |want_site: bool| {
        rows.iter()
            .filter(|r| {
                (r.site == site && !site.is_empty()) == want_site
                    && (want_site || r.site.is_empty())
            })
            .max_by(|a, b| {
                signing::compare_versions(&a.version, &b.version)
                    .then(a.uploaded_at.cmp(&b.uploaded_at))
            })
            .cloned()
    };
    pick(true)
        .or_else(|| pick(false))
        .ok_or_else(|| ProfileError::NotFound(role.to_string()))
}

/// Orders rows as `newest` does (for listings): by role, site, then version.
pub fn by_version(a: &ProfileRow, b: &ProfileRow) -> Ordering {
    a.role
        .cmp(&b.role)
        .then(a.site.cmp(&b.site))
        .then(signing::compare_versions(&a.version, &b.version))
}
