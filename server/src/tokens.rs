//! Enrolment tokens: making one (shown once), hashing what a client presents, and the token
//! commands (`token create|list|revoke`). A token reads `rc1_<id>_<secret>`: the id is public
//! (lists and logs name it), the secret is 32 random bytes; only the token's SHA-256 is stored.
//! Scope `device` submits reports; scope `read` reads the API.

use ring::rand::{SecureRandom, SystemRandom};
use sha2::{Digest, Sha256};

use crate::store::{Store, StoreError, TokenRow};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    /// Submit reports (devices; shipped in IT bundles or `[report] auth_header_env`).
    Device,
    /// Read the API (scripts, the helpdesk's dashboard).
    Read,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Device => "device",
            Scope::Read => "read",
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

/// The token inside an `Authorization` header value (`Bearer rc1_…` or the bare token).
pub fn from_header(value: &str) -> &str {
    let v = value.trim();
    match v.split_once(' ') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim(),
        _ => v,
    }
}

/// A new token and the row to store for it.
pub fn generate(scope: Scope, site: &str, label: &str, now: i64) -> (String, TokenRow) {
    let rng = SystemRandom::new();
    let mut id = [0u8; 5];
    let mut secret = [0u8; 32];
    rng.fill(&mut id).expect("system random source");
    rng.fill(&mut secret).expect("system random source");
    let id = hex(&id);
    let token = format!("rc1_{id}_{}", hex(&secret));
    (
        token,
        TokenRow {
            id,
            scope: scope.as_str().into(),
            site: site.into(),
            label: label.into(),
            created_at: now,
            revoked_at: None,
        },
    )
}

/// Creates and stores a token; returns the token (to show once) and its row.
pub async fn create(
    store: &Store,
    scope: Scope,
    site: &str,
    label: &str,
) -> Result<(String, TokenRow), StoreError> {
    let (token, row) = generate(scope, site, label, crate::now_ms());
    store.create_token(&row, &hash(&token)).await?;
    Ok((token, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashed() {
        let (a, ra) = generate(Scope::Device, "深圳", "trading desk", 0);
        let (b, _) = generate(Scope::Device, "深圳", "trading desk", 0);
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("rc1_{}_", ra.id)));
        assert_eq!(hash(from_header(&format!("Bearer {a}"))), hash(&a));
        assert_eq!(from_header(&a), a);
        assert_eq!(hash(&a).len(), 64);
    }
}
