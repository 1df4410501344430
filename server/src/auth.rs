//! Who is calling: the token in `Authorization` checked against the store (with a short cache,
//! so a busy ingest does not ask the database for every report), and the client's address with
//! `X-Forwarded-For` / `X-Forwarded-Proto` believed only from configured proxies.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ipnet::IpNet;

use crate::store::{Store, StoreError, TokenRow};
use crate::tokens::{self, Scope};

/// How long a looked-up token is believed: a revoked token stops working within this time on
/// every instance.
pub const CACHE_FOR: Duration = Duration::from_secs(10);

/// Why a caller is not let in.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("an Authorization header with a token is required")]
    Missing,
    #[error("the token is not known")]
    Unknown,
    #[error("the token was revoked")]
    Revoked,
    #[error("the token may not do this (its scope is `{0}`)")]
    WrongScope(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Tokens looked up recently, by hash.
#[derive(Debug, Default)]
pub struct TokenCache(Mutex<HashMap<String, (Option<TokenRow>, Instant)>>);

impl TokenCache {
    /// The token an `Authorization` header carries, checked for `scope`.
    pub async fn authenticate(
        &self,
        store: &Store,
        header: Option<&str>,
        scope: Scope,
    ) -> Result<TokenRow, AuthError> {
        let token = header
            .map(tokens::from_header)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let hash = tokens::hash(token);
        let now = Instant::now();
        let cached = {
            let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
            map.get(&hash)
                .filter(|(_, at)| now.duration_since(*at) < CACHE_FOR)
                .map(|(row, _)| row.clone())
        };
        let row = match cached {
            Some(row) => row,
            None => {
                let row = store.token_by_hash(&hash).await?;
                let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
                if map.len() > 50_000 {
                    map.retain(|_, (_, at)| now.duration_since(*at) < CACHE_FOR);
                }
                map.insert(hash, (row.clone(), now));
                row
            }
        };
        let row = row.ok_or(AuthError::Unknown)?;
        if row.revoked_at.is_some() {
            return Err(AuthError::Revoked);
        }
        if row.scope != scope.as_str() {
            return Err(AuthError::WrongScope(row.scope));
        }
        Ok(row)
    }
}

/// The client's address and whether it came over HTTPS, from the connection and (only when
/// the peer is a trusted proxy) the `X-Forwarded-*` headers.
pub fn client(
    peer: SocketAddr,
    forwarded_for: Option<&str>,
    forwarded_proto: Option<&str>,
    trusted: &[IpNet],
    direct_tls: bool,
) -> (IpAddr, bool) {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer.ip()) {
        return (peer.ip(), direct_tls);
    }
    // The rightmost address that is not one of our proxies is the client.
    let mut ip = peer.ip();
    if let Some(list) = forwarded_for {
        for hop in list.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(a) => {
                    ip = a;
                    if !is_trusted(&a) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    let https = forwarded_proto
        .map(|p| {
            p.split(',')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("https")
        })
        .unwrap_or(direct_tls);
    (ip, https)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_headers_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        let stranger: SocketAddr = "192.0.2.9:5000".parse().unwrap();
        let (ip, https) = client(
            proxy,
            Some("198.51.100.7, 10.0.0.3"),
            Some("https"),
            &trusted,
            false,
        );
        assert_eq!(ip.to_string(), "198.51.100.7");
        assert!(https);
        let (ip, https) = client(
            stranger,
            Some("198.51.100.7"),
            Some("https"),
            &trusted,
            false,
        );
        assert_eq!(ip.to_string(), "192.0.2.9");
        assert!(!https);
        let (ip, _) = client(proxy, None, None, &[], false);
        assert_eq!(ip.to_string(), "10.0.0.2");
    }
}
