//! The helpdesk's dashboard over HTTP: sign-in (local accounts with argon2 hashes, or a trusted
//! reverse proxy's user header), sessions in secure cookies, CSRF tokens on every form, and thin
//! handlers over [`crate::fleet`] and the store, rendered by [`view`]. Nothing is shown without
//! signing in; every page carries a Content-Security-Policy that allows only this server's own
//! script and stylesheet, so text from reports can never run. Errors become status codes in one
//! place ([`DashError`]).
//!
//! | route | answer |
//! |---|---|
//! | `GET /login`, `POST /login`, `POST /logout` | the sign-in form; a session; sign out |
//! | `GET /dashboard` | the home page; filters `site department role verdict owner cause` |
//! | `GET /dashboard/live` | the home page's live part (fetched again on each event) |
//! | `GET /dashboard/events` | server-sent events: `changed` after each stored report |
//! | `GET /dashboard/list` | a full list, 100 per `page` |
//! | `GET /dashboard/hosts/{host}` | the host: state, changes, history, latest report |
//! | `GET /dashboard/reports/{id}` | a report rendered as the client renders it; `lang` |
//! | `GET /dashboard/export.csv` | the filtered hosts as CSV (UTF-8 BOM, formula-safe cells) |
//! | `GET`/`POST /dashboard/roster` | the roster page; import a CSV (administrators) |
//! | `POST /dashboard/lang` | the account's language |

pub mod charts;
pub mod session;
pub mod text;
pub mod view;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use readycheck_sdk::i18n::Locale;

use crate::api::AppState;
use crate::fleet::{self, PAGE_ROWS};
use crate::store::{FleetFilter, StoreError};
use session::{Viewer, viewer};
use text::{Clock, t};
use view::Ctx;

const CSS: &str = include_str!("assets/app.css");
const JS: &str = include_str!("assets/app.js");
const ASSETS: &str = env!("CARGO_PKG_VERSION");

/// The policy every dashboard page is served with: this server's script and stylesheet only.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// A report's own page: its inline styles, nothing else, framed only by the dashboard.
const REPORT_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; sandbox";

/// Why a dashboard request failed.
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    #[error("sign in first")]
    SignIn { page: bool },
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    #[error("only administrators may do this")]
    Forbidden,
    #[error("no {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("too many sign-in attempts; wait a minute")]
    TooMany,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Read(#[from] crate::read::ReadError),
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        let status = match &self {
            DashError::SignIn { page: true } => return Redirect::to("/login").into_response(),
            DashError::SignIn { page: false } => StatusCode::UNAUTHORIZED,
            DashError::Csrf | DashError::Forbidden => StatusCode::FORBIDDEN,
            DashError::NotFound(_) => StatusCode::NOT_FOUND,
            DashError::BadRequest(_) => StatusCode::BAD_REQUEST,
            DashError::TooMany => StatusCode::TOO_MANY_REQUESTS,
            DashError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            DashError::Read(crate::read::ReadError::NotFound { .. }) => StatusCode::NOT_FOUND,
            DashError::Read(crate::read::ReadError::BadQuery { .. }) => StatusCode::BAD_REQUEST,
            DashError::Read(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "dashboard request failed");
        }
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response()
    }
}

/// The dashboard's routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/dashboard", get(home))
        .route("/dashboard/live", get(live))
        .route("/dashboard/events", get(events))
        .route("/dashboard/list", get(list))
        .route("/dashboard/hosts/{hostname}", get(host))
        .route("/dashboard/reports/{id}", get(report))
        .route("/dashboard/export.csv", get(export))
        .route("/dashboard/roster", get(roster_page).post(roster_import))
        .route("/dashboard/lang", post(set_lang))
        .route("/dashboard/static/{file}", get(asset))
        .layer(axum::middleware::from_fn(return_after_sign_in))
}

/// A page asked for without a session is sent to sign in with `next` set to it.
async fn return_after_sign_in(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = req.uri().clone();
    let mut resp = next.run(req).await;
    if resp.status() == StatusCode::SEE_OTHER
        && resp.headers().get(header::LOCATION).map(|l| l.as_bytes()) == Some(b"/login")
        && uri.path().starts_with("/dashboard")
        && let Ok(v) = format!("/login?next={}", view::enc(&uri.to_string())).parse()
    {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// An HTML page with the dashboard's security headers.
fn page(markup: Markup) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "same-origin"),
        ],
        [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
        markup.into_string(),
    )
        .into_response()
}

fn ctx(s: &AppState, v: &Viewer, now: i64) -> Ctx {
    Ctx {
        l: v.locale,
        user: v.name.clone(),
        admin: v.admin,
        csrf: v.csrf.clone(),
        clock: Clock {
            tz: s.config.dashboard.time_zone.clone(),
            now,
        },
        assets: ASSETS,
    }
}

/// The filters as the query gives them.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FilterQuery {
    site: Option<String>,
    department: Option<String>,
    role: Option<String>,
    verdict: Option<String>,
    owner: Option<String>,
    cause: Option<String>,
    page: Option<i64>,
    #[allow(dead_code)]
    incident: Option<String>,
}

impl FilterQuery {
    fn filter(&self) -> Result<FleetFilter, DashError> {
        let clean = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
        if let Some(v) = clean(&self.verdict)
            && !matches!(
                v.as_str(),
                "ready" | "degraded" | "not_ready" | "stale" | "not_reported"
            )
        {
            return Err(DashError::BadRequest(format!("`{v}` is not a verdict")));
        }
        Ok(FleetFilter {
            site: clean(&self.site),
            department: clean(&self.department),
            role: clean(&self.role),
            verdict: clean(&self.verdict),
            owner: clean(&self.owner),
            cause: clean(&self.cause),
        })
    }
}

/// Sites, departments and roles for the filter bar, cached for half a minute.
async fn filter_values(s: &AppState) -> Result<[Vec<String>; 3], DashError> {
    {
        let cache = s.filter_cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, v)) = cache.as_ref()
            && at.elapsed() < Duration::from_secs(30)
        {
            return Ok(v.clone());
        }
    }
    let v = s.store.filter_values().await?;
    *s.filter_cache.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), v.clone()));
    Ok(v)
}

async fn home(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<FilterQuery>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let now = crate::now_ms();
    let f = q.filter()?;
    let h = fleet::home(&s.store, &s.config.dashboard, &f, now).await?;
    let values = filter_values(&s).await?;
    Ok(page(view::home(&ctx(&s, &v, now), &f, &values, &h)))
}

async fn live(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<FilterQuery>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, false).await?;
    let now = crate::now_ms();
    let f = q.filter()?;
    let h = fleet::home(&s.store, &s.config.dashboard, &f, now).await?;
    Ok(page(view::fragment(&ctx(&s, &v, now), &f, &h)))
}

async fn events(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, DashError> {
    viewer(&s, peer, &headers, false).await?;
    let rx = s.live.subscribe();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        loop {
            match rx.recv().await {
                Ok(crate::serve::CLOSING) => return None,
                Ok(ms) => {
                    let ev = Event::default().event("changed").data(ms.to_string());
                    return Some((Ok::<Event, Infallible>(ev), rx));
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}

async fn list(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<FilterQuery>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let now = crate::now_ms();
    let f = q.filter()?;
    let page_no = q.page.unwrap_or(0).clamp(0, 100_000);
    let cut = fleet::stale_cut(&s.config.dashboard, now);
    let verdict = f.verdict.clone().unwrap_or_else(|| "not_ready".into());
    let (states, roster) = if verdict == "not_reported" {
        (
            vec![],
            s.store
                .not_reported(&f, PAGE_ROWS + 1, page_no * PAGE_ROWS)
                .await?,
        )
    } else {
        (
            s.store
                .fleet_hosts(&f, &verdict, cut, PAGE_ROWS + 1, page_no * PAGE_ROWS)
                .await?,
            vec![],
        )
    };
    let more = states.len() as i64 > PAGE_ROWS || roster.len() as i64 > PAGE_ROWS;
    let (states, roster) = (
        &states[..states.len().min(PAGE_ROWS as usize)],
        &roster[..roster.len().min(PAGE_ROWS as usize)],
    );
    let mut f = f;
    f.verdict = Some(verdict);
    let values = filter_values(&s).await?;
    let c = ctx(&s, &v, now);
    let title = text::verdict(c.l, f.verdict.as_deref().unwrap_or(""));
    Ok(page(view::layout(
        &c,
        title,
        view::list(&c, &f, &values, states, roster, page_no, more),
    )))
}

async fn host(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(hostname): Path<String>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let now = crate::now_ms();
    let state = s
        .store
        .host_state(&hostname)
        .await?
        .ok_or(DashError::NotFound("host"))?;
    let history = s.store.history(&hostname, None, 30).await?;
    let full: Vec<_> = history.iter().filter(|m| !m.partial).take(2).collect();
    let changes = match full.as_slice() {
        [newer, older] => {
            let a = s.store.report_checks(&older.id).await?;
            let b = s.store.report_checks(&newer.id).await?;
            Some(changes(&a, &b))
        }
        _ => None,
    };
    let c = ctx(&s, &v, now);
    Ok(page(view::layout(
        &c,
        &state.hostname.clone(),
        view::host(&c, &state, &history, changes.as_deref()),
    )))
}

/// Checks whose status or code differ between two runs (`a` before `b`), by id.
pub fn changes(a: &[crate::store::CheckRow], b: &[crate::store::CheckRow]) -> Vec<view::Change> {
    let mut ids: Vec<&str> = a
        .iter()
        .chain(b.iter())
        .map(|c| c.check_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let find = |rows: &[crate::store::CheckRow], id: &str| {
        rows.iter()
            .find(|c| c.check_id == id)
            .map(|c| (c.status.clone(), c.code.clone()))
    };
    ids.into_iter()
        .filter_map(|id| {
            let (x, y) = (find(a, id), find(b, id));
            (x != y).then(|| (id.to_string(), x, y))
        })
        .collect()
}

#[derive(Debug, serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

async fn report(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<LangQuery>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let l = q
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or(v.locale);
    let html = crate::read::report_html(&s.store, &id, Some(l)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, REPORT_CSP),
            (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response())
}

/// A CSV cell that a spreadsheet will not read as a formula.
pub fn safe_cell(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '|' | '%') => format!("'{s}"),
        _ => s.to_string(),
    }
}

async fn export(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Query(q): Query<FilterQuery>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let now = crate::now_ms();
    let f = q.filter()?;
    let cut = fleet::stale_cut(&s.config.dashboard, now);
    let clock = Clock {
        tz: s.config.dashboard.time_zone.clone(),
        now,
    };
    let l = v.locale;
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let head = [
        t(l, "Host"),
        t(l, "User"),
        t(l, "Site"),
        t(l, "Department"),
        t(l, "Role"),
        t(l, "Essential"),
        t(l, "Verdict"),
        t(l, "Owner"),
        t(l, "Cause"),
        t(l, "Why"),
        t(l, "Since"),
        t(l, "Report"),
    ];
    let bad = |e: csv::Error| DashError::BadRequest(e.to_string());
    w.write_record(head).map_err(bad)?;
    if f.verdict.as_deref() == Some("not_reported") {
        for r in s.store.not_reported(&f, 1_000_000, 0).await? {
            w.write_record(
                [
                    r.hostname.as_str(),
                    &r.username,
                    &r.site,
                    &r.department,
                    &r.role,
                    if r.essential { "yes" } else { "no" },
                    "not_reported",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
                .map(safe_cell),
            )
            .map_err(bad)?;
        }
    } else {
        for r in s.store.fleet_all(&f, cut).await? {
            let verdict = if r.started_at < cut {
                "stale"
            } else {
                r.verdict.as_str()
            };
            let why = match l {
                Locale::ZhCn => r.headline_zh.as_deref().or(r.headline_en.as_deref()),
                _ => r.headline_en.as_deref(),
            }
            .unwrap_or("");
            w.write_record(
                [
                    r.hostname.as_str(),
                    &r.username,
                    &r.site,
                    &r.department,
                    &r.role,
                    if r.essential { "yes" } else { "no" },
                    verdict,
                    r.owner.as_deref().unwrap_or(""),
                    r.root_cause_code.as_deref().unwrap_or(""),
                    why,
                    &clock.full(r.verdict_since),
                    &format!(
                        "{}/dashboard/reports/{}",
                        s.config.dashboard.public_url,
                        view::enc(&r.report_id)
                    ),
                ]
                .map(safe_cell),
            )
            .map_err(bad)?;
        }
    }
    let body = w
        .into_inner()
        .map_err(|e| DashError::BadRequest(e.to_string()))?;
    let name = format!(
        "readycheck-{}.csv",
        clock.full(now).replace([' ', ':'], "-")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response())
}

async fn roster_page(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    let now = crate::now_ms();
    let size = s.store.roster_size().await?;
    let unknown = if size > 0 {
        s.store.unknown_hosts(200).await?
    } else {
        vec![]
    };
    let c = ctx(&s, &v, now);
    Ok(page(view::layout(
        &c,
        t(c.l, "Roster"),
        view::roster(&c, size, &unknown),
    )))
}

/// What importing a roster did, as the page and the command line show it.
#[derive(Debug, serde::Serialize)]
pub struct Imported {
    pub encoding: &'static str,
    pub imported: usize,
    pub bad: Vec<crate::roster::BadRow>,
}

/// Parses and stores a roster file; the rows it could not read are reported, not imported.
pub async fn import_roster(
    store: &crate::store::Store,
    bytes: &[u8],
) -> Result<Imported, DashError> {
    let parsed = crate::roster::parse(bytes).map_err(|e| DashError::BadRequest(e.to_string()))?;
    store.replace_roster(&parsed.rows).await?;
    Ok(Imported {
        encoding: parsed.encoding,
        imported: parsed.rows.len(),
        bad: parsed.bad,
    })
}

async fn roster_import(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, false).await?;
    session::check_csrf(
        &v,
        headers.get("x-csrf-token").and_then(|h| h.to_str().ok()),
    )?;
    if !v.admin {
        return Err(DashError::Forbidden);
    }
    let done = import_roster(&s.store, &body).await?;
    *s.filter_cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
    tracing::info!(user = %v.name, rows = done.imported, bad = done.bad.len(), encoding = done.encoding, "roster imported");
    let _ = s.live.send(crate::now_ms());
    Ok(axum::Json(done).into_response())
}

#[derive(Debug, serde::Deserialize)]
struct LangForm {
    csrf: String,
    lang: String,
}

async fn set_lang(
    State(s): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LangForm>,
) -> Result<Response, DashError> {
    let v = viewer(&s, peer, &headers, true).await?;
    session::check_csrf(&v, Some(&form.csrf))?;
    let lang = Locale::parse(&form.lang).map(|l| l.tag());
    s.store.set_user_lang(&v.name, lang).await?;
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.find("/dashboard").map(|i| r[i..].to_string()))
        .filter(|p| !p.starts_with("/dashboard/lang"))
        .unwrap_or_else(|| "/dashboard".into());
    Ok(Redirect::to(&back).into_response())
}

async fn asset(Path(file): Path<String>) -> Response {
    let (ty, body) = match file.as_str() {
        "app.css" => ("text/css; charset=utf-8", CSS),
        "app.js" => ("text/javascript; charset=utf-8", JS),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ty)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_would_be_formulas_are_quoted() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+1"), "'+1");
        assert_eq!(safe_cell("-2"), "'-2");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("上海"), "上海");
    }

    #[test]
    fn changes_between_two_runs() {
        let row = |id: &str, st: &str, code: &str| crate::store::CheckRow {
            check_id: id.into(),
            status: st.into(),
            code: code.into(),
            duration_ms: 1,
        };
        let a = [row("vpn", "pass", "ok"), row("disk", "pass", "ok")];
        let b = [
            row("vpn", "fail", "network.tcp.refused"),
            row("disk", "pass", "ok"),
        ];
        let c = changes(&a, &b);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0, "vpn");
    }
}
