//! Who is signed in: local accounts (argon2id password hashes), sessions kept as the SHA-256 of
//! a random cookie value (HttpOnly, SameSite=Lax so a link from a chat opens the page, Secure
//! over HTTPS), a CSRF token per
//! session that every form and the roster upload must carry (the sign-in form uses a
//! double-submit cookie), and optionally a trusted reverse proxy's user header for single
//! sign-on — believed only from `[proxy] trusted` addresses.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ring::rand::SecureRandom;
use sha2::{Digest, Sha256};

use super::text::{locale, t};
use super::{DashError, page, view};
use crate::api::AppState;

const COOKIE: &str = "rc_session";
const LOGIN_COOKIE: &str = "rc_login";

/// A signed-in person.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    pub admin: bool,
    pub csrf: String,
    pub locale: readycheck_sdk::i18n::Locale,
}

/// Why an account could not be added.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("a user name is 1–64 characters without spaces or control characters")]
    BadName,
    #[error("the password must be at least 8 characters")]
    ShortPassword,
    #[error("hashing the password failed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Random bytes as URL-safe text.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    ring::rand::SystemRandom::new()
        .fill(&mut buf)
        .expect("the system's random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An argon2id hash of a password (PHC string).
pub fn hash_password(password: &str) -> Result<String, UserError> {
    let salt = SaltString::encode_b64(random_token(16).as_bytes())
        .map_err(|e| UserError::Hash(e.to_string()))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| UserError::Hash(e.to_string()))
}

/// Whether a password matches a stored hash (false for accounts without a password).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            argon2::Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Adds an account (or replaces its password and role).
pub async fn add_user(
    store: &crate::store::Store,
    name: &str,
    password: &str,
    admin: bool,
) -> Result<(), UserError> {
    if name.is_empty()
        || name.chars().count() > 64
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(UserError::BadName);
    }
    if password.chars().count() < 8 {
        return Err(UserError::ShortPassword);
    }
    let password = password.to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| UserError::Hash(e.to_string()))??;
    store
        .put_user(name, &hash, if admin { "admin" } else { "viewer" })
        .await?;
    Ok(())
}

fn cookie<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn https(s: &AppState, peer: SocketAddr, h: &HeaderMap) -> bool {
    crate::auth::client(
        peer,
        h.get("x-forwarded-for").and_then(|v| v.to_str().ok()),
        h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()),
        &s.config.trusted_proxies,
        s.config.tls.is_some(),
    )
    .1
}

fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks a form's or header's CSRF token against the session's.
pub fn check_csrf(v: &Viewer, given: Option<&str>) -> Result<(), DashError> {
    match given {
        Some(g) if !v.csrf.is_empty() && equal(g, &v.csrf) => Ok(()),
        _ => Err(DashError::Csrf),
    }
}

/// The signed-in person, from the proxy's header (when trusted) or the session cookie.
/// `page`: a page (redirect to sign-in) rather than a fetch (401).
pub async fn viewer(
    s: &AppState,
    peer: SocketAddr,
    h: &HeaderMap,
    page: bool,
) -> Result<Viewer, DashError> {
    let accept = h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    if let Some(name) = s
        .config
        .dashboard
        .trusted_user_header
        .as_deref()
        .filter(|_| {
            s.config
                .trusted_proxies
                .iter()
                .any(|n| n.contains(&peer.ip()))
        })
        .and_then(|hdr| h.get(hdr))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= 64)
    {
        let user = match s.store.user(name).await? {
            Some(u) => u,
            None => {
                // First visit: an account without a usable password, as a viewer.
                s.store
                    .put_user(name, &format!("!sso:{}", random_token(16)), "viewer")
                    .await?;
                s.store
                    .user(name)
                    .await?
                    .ok_or(DashError::SignIn { page })?
            }
        };
        return Ok(Viewer {
            name: user.name.clone(),
            admin: user.role == "admin",
            csrf: sha256_hex(&format!(
                "csrf\u{1f}{}\u{1f}{}",
                user.name, user.password_hash
            )),
            locale: locale(user.lang.as_deref(), accept),
        });
    }
    let Some(token) = cookie(h, COOKIE) else {
        return Err(DashError::SignIn { page });
    };
    let Some(sess) = s.store.session(&sha256_hex(token), crate::now_ms()).await? else {
        return Err(DashError::SignIn { page });
    };
    Ok(Viewer {
        name: sess.username,
        admin: sess.role == "admin",
        csrf: sess.csrf,
        locale: locale(sess.lang.as_deref(), accept),
    })
}

/// The sign-in form, with a fresh double-submit CSRF cookie.
pub async fn login_form(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<NextQuery>,
) -> Response {
    let next = next_page(q.next.as_deref());
    if viewer(&s, peer, &headers, true).await.is_ok() {
        return Redirect::to(next).into_response();
    }
    login_page(&s, peer, &headers, next, None, StatusCode::OK)
}

/// Where to go after signing in.
#[derive(Debug, serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// A page of the dashboard to return to, never another site.
pub fn next_page(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with("/dashboard")
                && !n.contains("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n
        }
        _ => "/dashboard",
    }
}

fn login_page(
    s: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    next: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let l = locale(
        None,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let csrf = random_token(24);
    let mut resp = page(view::login(l, &csrf, next, error));
    *resp.status_mut() = status;
    if let Ok(v) = set_cookie(LOGIN_COOKIE, &csrf, 3600, https(s, peer, headers)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Debug, serde::Deserialize)]
pub struct LoginForm {
    csrf: String,
    #[serde(default)]
    next: Option<String>,
    user: String,
    password: String,
}

/// Checks the password and starts a session.
pub async fn login(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Result<Response, DashError> {
    let l = locale(
        None,
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    match cookie(&headers, LOGIN_COOKIE) {
        Some(c) if equal(c, &form.csrf) => {}
        _ => {
            return Ok(login_page(
                &s,
                peer,
                &headers,
                next_page(form.next.as_deref()),
                Some(t(l, "The form expired; please try again.")),
                StatusCode::FORBIDDEN,
            ));
        }
    }
    if s.login_limiter
        .take(&format!("login:{}", peer.ip()), Instant::now())
        .is_err()
    {
        return Err(DashError::TooMany);
    }
    let user = s.store.user(&form.user).await?;
    let ok = match &user {
        Some(u) => {
            let (pw, hash) = (form.password.clone(), u.password_hash.clone());
            tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
                .await
                .unwrap_or(false)
        }
        None => false,
    };
    let Some(user) = user.filter(|_| ok) else {
        tracing::warn!(user = %form.user.chars().take(64).collect::<String>(), addr = %peer.ip(), "sign-in refused");
        return Ok(login_page(
            &s,
            peer,
            &headers,
            next_page(form.next.as_deref()),
            Some(t(l, "The user name or password is wrong.")),
            StatusCode::UNAUTHORIZED,
        ));
    };
    let token = random_token(32);
    let now = crate::now_ms();
    let life = s.config.dashboard.session;
    s.store
        .create_session(
            &sha256_hex(&token),
            &user.name,
            &random_token(24),
            now,
            now + life.as_millis() as i64,
        )
        .await?;
    tracing::info!(user = %user.name, "signed in");
    let secure = https(&s, peer, &headers);
    let mut resp = Redirect::to(next_page(form.next.as_deref())).into_response();
    for c in [
        set_cookie(COOKIE, &token, life.as_secs(), secure),
        set_cookie(LOGIN_COOKIE, "", 0, secure),
    ] {
        if let Ok(v) = c.parse() {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(resp)
}

#[derive(Debug, serde::Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// Ends the session.
pub async fn logout(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LogoutForm>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    check_csrf(&v, Some(&form.csrf))?;
    if let Some(token) = cookie(&headers, COOKIE) {
        s.store.delete_session(&sha256_hex(token)).await?;
    }
    let mut resp = Redirect::to("/login").into_response();
    if let Ok(v) = set_cookie(COOKIE, "", 0, https(&s, peer, &headers)).parse() {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dashboard_pages_are_returned_to() {
        assert_eq!(
            next_page(Some("/dashboard/list?verdict=not_ready")),
            "/dashboard/list?verdict=not_ready"
        );
        assert_eq!(next_page(Some("https://evil.example/")), "/dashboard");
        assert_eq!(next_page(Some("/dashboard//evil.example")), "/dashboard");
        assert_eq!(next_page(None), "/dashboard");
    }

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("anything", "!sso:abc"));
    }
}
