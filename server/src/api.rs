//! HTTP: the routes, thin handlers over [`crate::ingest`] and [`crate::read`], and the one
//! place where errors become status codes ([`ApiError`]). Every error answer is JSON:
//! `{"error": "<code>", "message": "…", "field": "/json/pointer"?}`.
//!
//! | route | answer |
//! |---|---|
//! | `POST /api/v1/reports` | 201 stored, 200 already stored (same body), 409 key reused for another body, 400, 401, 413, 429 |
//! | `GET /api/v1/hosts` | hosts with their current state; `verdict`, `site`, `profile`, `since`, `after`, `limit` |
//! | `GET /api/v1/hosts/{hostname}/reports` | the host and its reports, newest first; `before`, `limit` |
//! | `GET /api/v1/reports/{id}` | the report JSON as received |
//! | `GET /api/v1/reports/{id}/html` | the report rendered as the client renders it; `lang` |
//! | `GET /api/v1/summary` | `readycheck summarize -f json` over every host's current state; `since`, `lang` |
//! | `GET /api/v1/profiles/{role}` | the newest signed profile for the device token's site: `{role, site, version, name, key_id, expires, profile, signature, …}`; 404 none stored |
//! | `POST /api/v1/profiles/{role}` | store a signed profile `{profile, signature, site?}` (a signed-in administrator, with the dashboard's `X-CSRF-Token`): 201 new, 200 already stored, 400, 403, 409 version taken |
//! | `GET /metrics` | Prometheus text: hosts by verdict and site, root-cause codes, ingest counts and latency (a read token) |
//! | `GET /healthz`, `GET /readyz` | alive; ready (the database answers) |

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use readycheck_sdk::i18n::Locale;
use serde_json::json;

use crate::auth::{AuthError, TokenCache};
use crate::config::Config;
use crate::ingest::{IngestError, Ingestor, Stored, Submission};
use crate::ratelimit::RateLimiter;
use crate::read::{self, HostQuery, ReadError};
use crate::store::{Store, TokenRow};
use crate::tokens::Scope;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<Store>,
    pub ingestor: Ingestor,
    pub tokens: TokenCache,
    pub limiter: RateLimiter,
    pub config: Config,
    /// Sign-in attempts per address.
    pub login_limiter: RateLimiter,
    /// Told the time of each stored report (the dashboard's live updates, the alerts).
    pub live: tokio::sync::broadcast::Sender<i64>,
    pub metrics: crate::metrics::Metrics,
    /// The dashboard filter bar's values and when they were read.
    pub filter_cache: std::sync::Mutex<Option<(Instant, [Vec<String>; 3])>>,
}

impl AppState {
    /// The state for a configuration and an open store.
    pub fn new(config: Config, store: Arc<Store>) -> AppState {
        AppState {
            store,
            ingestor: Ingestor::new(config.max_future),
            tokens: TokenCache::default(),
            limiter: RateLimiter::new(config.rate_per_minute, config.burst),
            login_limiter: RateLimiter::new(10, 10),
            live: tokio::sync::broadcast::channel(64).0,
            metrics: crate::metrics::Metrics::default(),
            filter_cache: std::sync::Mutex::new(None),
            config,
        }
    }
}

/// Every way a request can fail, mapped to a status code in [`IntoResponse`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body could not be read: {0}")]
    Body(String),
    #[error("Content-Type must be application/json")]
    ContentType,
    #[error("too many reports from this token; retry after {secs} s")]
    RateLimited { secs: u64 },
    #[error(transparent)]
    Profile(#[from] crate::profiles::ProfileError),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        use IngestError as I;
        match self {
            ApiError::Ingest(e) => match e {
                I::NotUtf8 { .. } => (StatusCode::BAD_REQUEST, "not_utf8"),
                I::NotJson { .. } => (StatusCode::BAD_REQUEST, "not_json"),
                I::TooDeep => (StatusCode::BAD_REQUEST, "too_deep"),
                I::Schema { .. } => (StatusCode::BAD_REQUEST, "schema"),
                I::OtherSchema { .. } => (StatusCode::BAD_REQUEST, "other_schema"),
                I::BadTime { .. } => (StatusCode::BAD_REQUEST, "bad_time"),
                I::FromTheFuture { .. } => (StatusCode::BAD_REQUEST, "from_the_future"),
                I::BadKey => (StatusCode::BAD_REQUEST, "bad_idempotency_key"),
                I::Conflict { .. } => (StatusCode::CONFLICT, "idempotency_conflict"),
                I::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "database"),
            },
            ApiError::Read(e) => match e {
                ReadError::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
                ReadError::BadQuery { .. } => (StatusCode::BAD_REQUEST, "bad_query"),
                ReadError::Corrupt { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "corrupt"),
                ReadError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "database"),
            },
            ApiError::Auth(e) => match e {
                AuthError::Missing => (StatusCode::UNAUTHORIZED, "token_missing"),
                AuthError::Unknown => (StatusCode::UNAUTHORIZED, "token_unknown"),
                AuthError::Revoked => (StatusCode::UNAUTHORIZED, "token_revoked"),
                AuthError::WrongScope(_) => (StatusCode::FORBIDDEN, "token_scope"),
                AuthError::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "database"),
            },
            ApiError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Body(_) => (StatusCode::BAD_REQUEST, "body"),
            ApiError::ContentType => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "content_type"),
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Profile(e) => {
                use crate::profiles::ProfileError as P;
                match e {
                    P::BadRole(_) => (StatusCode::BAD_REQUEST, "bad_role"),
                    P::Invalid(_) => (StatusCode::BAD_REQUEST, "invalid_profile"),
                    P::Signature(_) => (StatusCode::BAD_REQUEST, "signature"),
                    P::Conflict { .. } => (StatusCode::CONFLICT, "version_taken"),
                    P::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                    P::Keys(_) => (StatusCode::INTERNAL_SERVER_ERROR, "profile_keys"),
                    P::Store(_) => (StatusCode::SERVICE_UNAVAILABLE, "database"),
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut body = json!({ "error": code, "message": self.to_string() });
        if let ApiError::Ingest(e) = &self {
            if let Some(f) = e.field() {
                body["field"] = json!(f);
            }
            if let IngestError::Schema { all, .. } = e {
                body["problems"] = json!(
                    all.iter()
                        .map(|(f, m)| json!({ "field": f, "message": m }))
                        .collect::<Vec<_>>()
                );
            }
        }
        let mut resp = (status, Json(body)).into_response();
        if let ApiError::RateLimited { secs } = self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        resp
    }
}

/// The router with every route.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/v1/reports", post(submit))
        .route("/api/v1/reports/{id}", get(report_json))
        .route("/api/v1/reports/{id}/html", get(report_html))
        .route("/api/v1/hosts", get(hosts))
        .route("/api/v1/hosts/{hostname}/reports", get(history))
        .route("/api/v1/summary", get(summary))
        .route(
            "/api/v1/profiles/{role}",
            get(profile_for_device).post(profile_upload),
        )
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .merge(crate::dashboard::routes())
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One log line per request: method, path, status, time taken.
async fn log_request(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let t0 = Instant::now();
    let resp = next.run(req).await;
    tracing::info!(
        method = %method,
        path = %path,
        status = resp.status().as_u16(),
        ms = t0.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The read token, when the read API needs one.
async fn reader(s: &AppState, h: &HeaderMap) -> Result<(), ApiError> {
    if s.config.require_read_token {
        s.tokens
            .authenticate(&s.store, header_str(h, "authorization"), Scope::Read)
            .await?;
    }
    Ok(())
}

async fn submit(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let limit = s.config.max_body_bytes;
    if let Some(len) = header_str(&headers, "content-length").and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(ApiError::TooLarge { limit });
    }
    if let Some(ct) = header_str(&headers, "content-type")
        && !ct
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("application/json")
    {
        return Err(ApiError::ContentType);
    }
    let token: Option<TokenRow> = if s.config.require_device_token {
        Some(
            s.tokens
                .authenticate(
                    &s.store,
                    header_str(&headers, "authorization"),
                    Scope::Device,
                )
                .await?,
        )
    } else {
        None
    };
    let bucket = token
        .as_ref()
        .map(|t| t.id.clone())
        .unwrap_or_else(|| peer.ip().to_string());
    if let Err(wait) = s.limiter.take(&bucket, Instant::now()) {
        return Err(ApiError::RateLimited {
            secs: wait.as_secs_f64().ceil() as u64,
        });
    }
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|e| {
        if std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        {
            ApiError::TooLarge { limit }
        } else {
            ApiError::Body(e.to_string())
        }
    })?;
    let (ip, _) = crate::auth::client(
        peer,
        header_str(&headers, "x-forwarded-for"),
        header_str(&headers, "x-forwarded-proto"),
        &s.config.trusted_proxies,
        s.config.tls.is_some(),
    );
    let sub = Submission {
        body: &bytes,
        idempotency_key: header_str(&headers, "idempotency-key"),
        token: token.as_ref(),
        remote_addr: ip.to_string(),
        now: SystemTime::now(),
    };
    let t0 = Instant::now();
    let stored = s.ingestor.ingest(&s.store, &sub).await;
    s.metrics.ingest(
        match &stored {
            Ok(Stored::New { .. }) => crate::metrics::Outcome::Stored,
            Ok(Stored::Again { .. }) => crate::metrics::Outcome::Duplicate,
            Err(_) => crate::metrics::Outcome::Refused,
        },
        t0.elapsed(),
    );
    let stored = stored?;
    if matches!(stored, Stored::New { .. }) {
        let _ = s.live.send(crate::now_ms());
    }
    Ok(match stored {
        Stored::New { id } => {
            tracing::info!(report = %id, token = token.as_ref().map(|t| t.id.as_str()).unwrap_or("-"), "report stored");
            (
                StatusCode::CREATED,
                [(header::LOCATION, format!("/api/v1/reports/{id}"))],
                Json(json!({ "id": id, "stored": true })),
            )
                .into_response()
        }
        Stored::Again { id } => (
            StatusCode::OK,
            Json(json!({ "id": id, "stored": false, "duplicate": true })),
        )
            .into_response(),
    })
}

async fn report_json(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let body = read::report_body(&s.store, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct LangQuery {
    lang: Option<String>,
    since: Option<String>,
}

fn locale(lang: Option<&str>) -> Result<Option<Locale>, ApiError> {
    lang.map(|l| {
        Locale::parse(l).ok_or_else(|| {
            ApiError::Read(ReadError::BadQuery {
                param: "lang",
                message: format!("`{l}` is not a language this server speaks (en, zh-CN)"),
            })
        })
    })
    .transpose()
}

async fn report_html(
    State(s): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let html = read::report_html(&s.store, &id, locale(q.lang.as_deref())?).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        ],
        html,
    )
        .into_response())
}

async fn hosts(
    State(s): State<Arc<AppState>>,
    q: Result<Query<HostQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let Query(q) = q.map_err(|e| {
        ApiError::Read(ReadError::BadQuery {
            param: "query",
            message: e.body_text(),
        })
    })?;
    let page = read::hosts(&s.store, &q, crate::now_ms()).await?;
    Ok(Json(page).into_response())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    before: Option<String>,
    limit: Option<i64>,
}

async fn history(
    State(s): State<Arc<AppState>>,
    Path(hostname): Path<String>,
    Query(q): Query<HistoryQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let v = read::history(&s.store, &hostname, q.before.as_deref(), q.limit).await?;
    Ok(Json(v).into_response())
}

async fn summary(
    State(s): State<Arc<AppState>>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let since = q
        .since
        .as_deref()
        .map(|d| {
            humantime::parse_duration(d).map_err(|_| {
                ApiError::Read(ReadError::BadQuery {
                    param: "since",
                    message: format!("`{d}` is not a duration such as 24h"),
                })
            })
        })
        .transpose()?;
    let locale = locale(q.lang.as_deref())?.unwrap_or_default();
    let sum = read::summary(&s.store, since, locale, crate::now_ms()).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        readycheck::summary::render_json(&sum),
    )
        .into_response())
}

async fn metrics(State(s): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response, ApiError> {
    reader(&s, &headers).await?;
    let cut = crate::fleet::stale_cut(&s.config.dashboard, crate::now_ms());
    let text = crate::metrics::render(&s.metrics, &s.store, cut)
        .await
        .map_err(|e| ApiError::Read(ReadError::Store(e)))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

async fn readyz(State(s): State<Arc<AppState>>) -> Response {
    match s.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

/// The newest signed profile of a role for the calling device's site.
async fn profile_for_device(
    State(s): State<Arc<AppState>>,
    Path(role): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let site = if s.config.require_device_token {
        s.tokens
            .authenticate(
                &s.store,
                header_str(&headers, "authorization"),
                Scope::Device,
            )
            .await?
            .site
    } else {
        String::new()
    };
    let row = crate::profiles::newest(&s.store, &role, &site).await?;
    Ok(Json(row).into_response())
}

/// An upload: the profile's text and its `.minisig`, as `readycheck profile sign` wrote them.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileUploadBody {
    profile: String,
    signature: String,
    #[serde(default)]
    site: String,
}

/// Stores a signed profile for a role; administrators of the dashboard only.
async fn profile_upload(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(role): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let v = crate::dashboard::session::viewer(&s, peer, &headers, false)
        .await
        .map_err(IntoResponse::into_response)?;
    crate::dashboard::session::check_csrf(&v, header_str(&headers, "x-csrf-token"))
        .map_err(IntoResponse::into_response)?;
    if !v.admin {
        return Err(crate::dashboard::DashError::Forbidden.into_response());
    }
    let up: ProfileUploadBody =
        serde_json::from_slice(&body).map_err(|e| ApiError::Body(e.to_string()).into_response())?;
    let keys = crate::profiles::load_keys(&s.config.profile_keys)
        .map_err(|e| ApiError::from(e).into_response())?;
    let (row, new) = crate::profiles::upload(
        &s.store,
        &keys,
        &crate::profiles::Upload {
            role: &role,
            site: &up.site,
            text: &up.profile,
            signature: &up.signature,
            by: &v.name,
        },
    )
    .await
    .map_err(|e| ApiError::from(e).into_response())?;
    tracing::info!(user = %v.name, role = %row.role, site = %row.site, version = %row.version, key = %row.key_id, new, "profile uploaded");
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "role": row.role, "site": row.site, "version": row.version, "name": row.name,
            "key_id": row.key_id, "expires": row.expires, "stored": new,
        })),
    )
        .into_response())
}
