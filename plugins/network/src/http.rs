//! `network/http`: GET or HEAD a URL with reqwest (rustls with the ring provider), like
//! Prometheus' blackbox_exporter: expected status(es) and body text, per-phase timings (DNS,
//! connection setup, first byte, total), proxy settings honoured, and captive-portal detection —
//! a 204 that comes back as a login page means "your network needs a sign-in page".

use std::future::Future;
use std::io::Read;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use readycheck_sdk::{
    Arg, CaptiveHow, CheckRequest, CheckResult, Kind, Observation, ProxySource, ReachOutcome, t,
};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::probe::{self, millis};
use crate::resolve::lookup;
use crate::trust::{Rejection, cert_facts, client_config, date, trust_evidence};

/// Parameters of `network/http`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpParams {
    /// The URL, e.g. "http://www.msftconnecttest.com/connecttest.txt". Credentials in it are
    /// used but never shown.
    pub url: String,
    /// "GET" (default) or "HEAD".
    #[serde(default)]
    pub method: Method,
    /// Accepted status codes (default: any 2xx or 3xx).
    #[serde(default)]
    pub expect_status: Option<Vec<u16>>,
    /// Text the body must contain.
    #[serde(default)]
    pub body_contains: Option<String>,
    /// Extra trusted CA certificates (PEM), e.g. the company CA.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Proxy: "none" to connect directly, or a proxy URL; default: the system's settings
    /// (HTTP_PROXY / HTTPS_PROXY / NO_PROXY).
    #[serde(default)]
    pub proxy: Option<String>,
    /// Follow redirects (default true, at most 5).
    #[serde(default = "yes")]
    pub follow_redirects: bool,
    /// Warn when the whole request takes longer than this many milliseconds.
    #[serde(default)]
    pub warn_ms: Option<u64>,
}

fn yes() -> bool {
    true
}

/// The request method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Method {
    #[default]
    #[serde(rename = "GET")]
    Get,
    #[serde(rename = "HEAD")]
    Head,
}

/// The `network/http` kind.
pub struct Http;

impl Kind for Http {
    const NAME: &'static str = "http";
    const TITLE: &'static str = "Fetch a URL";
    const DESCRIPTION: &'static str = "Requests a URL and checks the status (and optionally the body), with timings per phase: \
         DNS, connection setup (TCP, plus TLS for https), first byte and total. Honours the \
         system's proxy settings. When a connectivity URL that should answer 204 returns a web \
         page instead, the network wants a sign-in (hotel, café or guest Wi-Fi).";
    const EXAMPLE: &'static str = "[[check]]\nid = \"internet-http\"\nplugin = \"network\"\nkind = \"http\"\ntitle = \"Internet (HTTP)\"\nurl = \"http://www.msftconnecttest.com/connecttest.txt\"\nexpect_status = [200]\nbody_contains = \"Microsoft Connect Test\"\n";
    type Params = HttpParams;

    fn run(p: &HttpParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// `https://user:pw@host/x` → `https://***@host/x`.
pub fn redact_url(url: &str) -> String {
    readycheck_sdk::redact::credentials(url)
}

type Slot = Arc<Mutex<Option<Duration>>>;

/// What the lookups of one request found: observations, evidence, the first address, and why
/// the last name failed.
#[derive(Default)]
struct Looked {
    observations: Vec<Observation>,
    evidence: Vec<String>,
    first_address: Option<std::net::SocketAddr>,
    failure: Option<readycheck_sdk::Msg>,
}

/// Times name resolution through the system resolver by the check's deadline, and keeps what
/// the lookups found.
struct TimedResolver {
    took: Slot,
    looked: Arc<Mutex<Looked>>,
    deadline: Instant,
}

impl reqwest::dns::Resolve for TimedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (took, looked, deadline) = (self.took.clone(), self.looked.clone(), self.deadline);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = lookup(&host, 0, deadline);
            if let Ok(mut t) = took.lock() {
                *t = Some(found.took);
            }
            let mut l = looked.lock().map_err(|_| "lookup state lost")?;
            l.observations.extend(found.observations);
            l.evidence.extend(found.evidence);
            match found.result {
                Ok(addrs) => {
                    if l.first_address.is_none() {
                        l.first_address = addrs.first().copied();
                    }
                    Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
                }
                Err(f) => {
                    l.failure = Some(t!("tcp.dns_failed", host = &host, why = f.why));
                    Err(format!("cannot resolve {host}").into())
                }
            }
        })
    }
}

/// The proxy reqwest uses for `url` when the check names none, and where it comes from: the
/// environment (`HTTPS_PROXY`, …, minus `NO_PROXY`), else the system's settings (Windows
/// Internet Options, macOS network settings) — reqwest's `system-proxy` reads the same.
fn system_proxy(url: &reqwest::Url) -> Option<(String, ProxySource)> {
    let uri = url.as_str().parse::<http::Uri>().ok()?;
    if let Some(i) = hyper_util::client::proxy::matcher::Matcher::from_env().intercept(&uri) {
        return Some((
            strip_credentials(&i.uri().to_string()),
            ProxySource::Environment,
        ));
    }
    let system = hyper_util::client::proxy::matcher::Matcher::from_system();
    // Internet Options' proxy set per protocol, which hyper-util does not read: the one the
    // client is given (see `run`).
    #[cfg(windows)]
    let system = match readycheck_sdk::proxy::windows() {
        Some(p) => hyper_util::client::proxy::matcher::Matcher::builder()
            .http(p.http.unwrap_or_default())
            .https(p.https.unwrap_or_default())
            .no(p.no_proxy)
            .build(),
        None => system,
    };
    system
        .intercept(&uri)
        .map(|i| (strip_credentials(&i.uri().to_string()), ProxySource::System))
}

/// The URL of a PAC script the system is configured with (Windows `AutoConfigURL`, macOS
/// `ProxyAutoConfigURLString`): readycheck cannot evaluate one, and says so.
fn pac_script() -> Option<String> {
    #[cfg(windows)]
    {
        windows_registry::CURRENT_USER
            .open(r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")
            .ok()?
            .get_string("AutoConfigURL")
            .ok()
            .filter(|v| !v.trim().is_empty())
    }
    #[cfg(target_os = "macos")]
    {
        let out = std::process::Command::new("scutil")
            .arg("--proxy")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |k: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(k)?.trim().strip_prefix(": "))
                .map(|v| v.trim().to_string())
        };
        (value("ProxyAutoConfigEnable").as_deref() == Some("1"))
            .then(|| value("ProxyAutoConfigURLString"))
            .flatten()
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        None
    }
}

/// The proxy settings in the environment that reqwest reads, and the one it would use for
/// `url` (the same rules: scheme-specific first, then `ALL_PROXY`, minus `NO_PROXY`).
fn env_proxy(url: &reqwest::Url) -> (Option<String>, Vec<String>) {
    let configured: Vec<String> = [
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
    ]
    .iter()
    .filter_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
    .collect();
    let used = url
        .as_str()
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| hyper_util::client::proxy::matcher::Matcher::from_env().intercept(&uri))
        .map(|i| strip_credentials(&i.uri().to_string()));
    (used, configured)
}

/// A proxy URL without user name and password.
fn strip_credentials(url: &str) -> String {
    readycheck_sdk::redact::strip_credentials(url)
}

/// Whether `name` is among a certificate's names (`*.example` covers one label).
fn cert_names_cover(names: &[String], host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        n == host
            || n.strip_prefix("*.").is_some_and(|rest| {
                host.split_once('.')
                    .is_some_and(|(first, tail)| !first.is_empty() && tail == rest)
            })
    })
}

/// A tower layer timing connection setup (TCP, plus TLS for https).
#[derive(Clone)]
struct TimingLayer(Slot);

#[derive(Clone)]
struct Timing<S> {
    inner: S,
    slot: Slot,
}

impl<S> tower_layer::Layer<S> for TimingLayer {
    type Service = Timing<S>;
    fn layer(&self, inner: S) -> Timing<S> {
        Timing {
            inner,
            slot: self.0.clone(),
        }
    }
}

impl<S, R> tower_service::Service<R> for Timing<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> Self::Future {
        let slot = self.slot.clone();
        let fut = self.inner.call(req);
        Box::pin(async move {
            let t0 = Instant::now();
            let r = fut.await;
            if let Ok(mut s) = slot.lock() {
                *s = Some(t0.elapsed());
            }
            r
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> (String, Option<std::io::ErrorKind>) {
    let mut text = e.to_string();
    let mut kind = None;
    let mut cur = e.source();
    while let Some(s) = cur {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            kind = Some(io.kind());
        }
        let t = s.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cur = s.source();
    }
    (text, kind)
}

fn looks_like_login_page(content_type: &str, body: &str) -> bool {
    let lower = body.to_lowercase();
    content_type.contains("html")
        && [
            "login", "log in", "sign in", "sign-in", "password", "portal", "accept", "登录",
            "认证", "上网",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

pub fn run(p: &HttpParams, timeout: Duration) -> CheckResult {
    let shown = redact_url(&p.url);
    let url = match reqwest::Url::parse(&p.url) {
        Ok(u) if u.scheme() == "http" || u.scheme() == "https" => u,
        Ok(u) => {
            return CheckResult::error(
                "network.http.bad_url",
                format!(
                    "`{shown}` is a {} URL; only http and https are supported",
                    u.scheme()
                ),
            );
        }
        Err(e) => {
            return CheckResult::error(
                "network.http.bad_url",
                format!("`{shown}` is not a URL: {e}"),
            );
        }
    };
    // Cheap: the OS trust store is only read if a certificate is verified (https, or a
    // redirect to it).
    let (tls, seen) = match client_config(p.ca_file.as_deref()) {
        Ok(c) => c,
        Err(e) => return CheckResult::error("network.http.bad_ca_file", e),
    };
    let mut evidence = Vec::new();
    let deadline = Instant::now() + timeout;
    let dns_slot: Slot = Arc::new(Mutex::new(None));
    let connect_slot: Slot = Arc::new(Mutex::new(None));
    let looked = Arc::new(Mutex::new(Looked::default()));
    let mut builder = reqwest::blocking::Client::builder()
        .use_preconfigured_tls(tls)
        .timeout(timeout)
        .connect_timeout(timeout)
        .dns_resolver(Arc::new(TimedResolver {
            took: dns_slot.clone(),
            looked: looked.clone(),
            deadline,
        }))
        .connector_layer(TimingLayer(connect_slot.clone()))
        .user_agent(concat!("readycheck/", env!("CARGO_PKG_VERSION")))
        .redirect(if p.follow_redirects {
            reqwest::redirect::Policy::limited(5)
        } else {
            reqwest::redirect::Policy::none()
        });
    let mut proxies: Vec<Observation> = Vec::new();
    let (env_used, env_configured) = env_proxy(&url);
    match p.proxy.as_deref() {
        Some("none") => {
            builder = builder.no_proxy();
            evidence.push("proxy: none (direct connection)".into());
            for px in &env_configured {
                proxies.push(Observation::Proxy {
                    url: strip_credentials(px),
                    source: ProxySource::Environment,
                    used: false,
                });
            }
        }
        Some(proxy) => match reqwest::Proxy::all(proxy) {
            Ok(px) => {
                builder = builder.proxy(px);
                evidence.push(format!("proxy: {}", redact_url(proxy)));
                proxies.push(Observation::Proxy {
                    url: strip_credentials(proxy),
                    source: ProxySource::Check,
                    used: true,
                });
            }
            Err(e) => {
                return CheckResult::error(
                    "network.http.bad_proxy",
                    format!("`{}` is not a proxy URL: {e}", redact_url(proxy)),
                );
            }
        },
        None => {
            // Internet Options' proxy set per protocol, which reqwest does not read (see
            // readycheck_sdk::proxy); the single form is reqwest's own.
            #[cfg(windows)]
            if let Some(pp) = readycheck_sdk::proxy::windows() {
                let no_proxy = || reqwest::NoProxy::from_string(&pp.no_proxy);
                if let Some(Ok(px)) = pp.http.as_deref().map(reqwest::Proxy::http) {
                    builder = builder.proxy(px.no_proxy(no_proxy()));
                }
                if let Some(Ok(px)) = pp.https.as_deref().map(reqwest::Proxy::https) {
                    builder = builder.proxy(px.no_proxy(no_proxy()));
                }
            }
            for var in [
                "HTTPS_PROXY",
                "https_proxy",
                "HTTP_PROXY",
                "http_proxy",
                "ALL_PROXY",
                "NO_PROXY",
                "no_proxy",
            ] {
                if let Ok(v) = std::env::var(var) {
                    evidence.push(format!("proxy setting {var}={}", redact_url(&v)));
                }
            }
            let _ = &env_used;
            if let Some(pac) = pac_script() {
                evidence.push(format!(
                    "a PAC script is configured ({}); readycheck cannot evaluate PAC scripts, so it was not used",
                    redact_url(&pac)
                ));
                proxies.push(Observation::Proxy {
                    url: strip_credentials(&pac),
                    source: ProxySource::Pac,
                    used: false,
                });
            }
            match system_proxy(&url) {
                Some((px, source)) => {
                    if source == ProxySource::System {
                        evidence.push(format!("proxy: {px} (the system's proxy settings)"));
                    }
                    proxies.push(Observation::Proxy {
                        url: px,
                        source,
                        used: true,
                    })
                }
                None => {
                    for px in &env_configured {
                        let url = strip_credentials(px);
                        if !proxies
                            .iter()
                            .any(|o| matches!(o, Observation::Proxy { url: u, .. } if *u == url))
                        {
                            proxies.push(Observation::Proxy {
                                url,
                                source: ProxySource::Environment,
                                used: false,
                            });
                        }
                    }
                }
            }
        }
    }
    let via_proxy = proxies
        .iter()
        .any(|o| matches!(o, Observation::Proxy { used: true, .. }));
    let client = match builder.build() {
        Ok(c) => c,
        Err(e) => {
            return CheckResult::error(
                "network.http.setup_failed",
                format!("cannot set up the HTTP client: {e}"),
            );
        }
    };
    let method = match p.method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
    };
    let t0 = Instant::now();
    let sent = client.request(method.clone(), url.clone()).send();
    let first_byte = t0.elapsed();
    let slot = |s: &Slot| s.lock().ok().and_then(|g| *g).map(millis);
    let mut metrics: Vec<(&str, f64)> = Vec::new();
    let push_phases = |metrics: &mut Vec<(&str, f64)>| {
        if let Some(d) = slot(&dns_slot) {
            metrics.push(("dns_ms", d));
        }
        if let Some(c) = slot(&connect_slot) {
            metrics.push(("connect_ms", c));
        }
    };
    let (cert_der, cert_err) = seen
        .lock()
        .map(|s| (s.end_entity.clone(), s.error.clone()))
        .unwrap_or((None, None));
    evidence.extend(trust_evidence(&seen));
    let looked = std::mem::take(&mut *looked.lock().unwrap_or_else(|e| e.into_inner()));
    evidence.extend(looked.evidence.iter().cloned());
    let facts = cert_der.as_deref().and_then(cert_facts);
    // A certificate for the very name asked, from an issuer this PC does not trust: something
    // in between (a sign-in page, a filtering box, a proxy) answers for the server.
    let intercepted = url.scheme() == "https"
        && matches!(&cert_err, Some(e) if Rejection::of(e) == Some(Rejection::UntrustedIssuer))
        && facts
            .as_ref()
            .zip(url.host_str())
            .is_some_and(|(f, h)| cert_names_cover(&f.names, h));
    if let Some(f) = &facts {
        let days = f.days_left();
        metrics.push(("cert_days_left", days as f64));
        evidence.push(format!(
            "certificate: subject {}; issuer {}; valid until {} ({days} days left)",
            f.subject,
            f.issuer,
            date(f.not_after)
        ));
    }
    let mut observations = looked.observations;
    observations.extend(proxies.iter().cloned());
    if intercepted {
        observations.push(Observation::CaptivePortal {
            how: CaptiveHow::UnexpectedIssuer,
            url: Some(shown.clone()),
            location: None,
        });
    }
    let reach =
        |outcome: ReachOutcome, address: Option<String>, ms: Option<f64>| Observation::Reach {
            target: shown.clone(),
            address,
            outcome,
            site: None,
            region: None,
            attempts: 1,
            failures: u32::from(!outcome.is_ok()),
            ms,
            via_proxy,
        };
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            push_phases(&mut metrics);
            let (text, io_kind) = error_chain(&e);
            evidence.push(format!("{method} {shown}: {text}"));
            use std::io::ErrorKind as K;
            let (code, outcome, summary) = if let Some(ce) = &cert_err {
                (
                    "tls_rejected",
                    Rejection::reach_of(ce),
                    t!("http.tls_rejected", url = &shown, error = ce.to_string()),
                )
            } else if let Some(why) = looked.failure.clone() {
                (
                    "dns_failed",
                    ReachOutcome::DnsFailed,
                    t!("http.dns_failed", url = &shown, error = why),
                )
            } else if e.is_timeout() || io_kind == Some(K::TimedOut) {
                (
                    "timed_out",
                    ReachOutcome::TimedOut,
                    t!(
                        "http.timed_out",
                        url = &shown,
                        ms = Arg::ms(timeout.as_millis() as f64)
                    ),
                )
            } else if via_proxy
                && e.is_connect()
                && matches!(
                    io_kind,
                    Some(K::ConnectionRefused | K::NetworkUnreachable | K::HostUnreachable)
                )
            {
                (
                    "proxy_failed",
                    ReachOutcome::ProxyFailed,
                    t!("http.proxy_failed", url = &shown, error = &text),
                )
            } else if io_kind == Some(K::ConnectionRefused) {
                (
                    "refused",
                    ReachOutcome::Refused,
                    t!("http.refused", url = &shown),
                )
            } else if matches!(io_kind, Some(K::NetworkUnreachable | K::HostUnreachable)) {
                (
                    "unreachable",
                    ReachOutcome::Unreachable,
                    t!("http.unreachable", url = &shown),
                )
            } else if e.is_redirect() {
                (
                    "too_many_redirects",
                    ReachOutcome::HttpStatus,
                    t!("http.too_many_redirects", url = &shown),
                )
            } else {
                (
                    "failed",
                    if matches!(
                        io_kind,
                        Some(K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof)
                    ) {
                        ReachOutcome::Reset
                    } else {
                        ReachOutcome::TlsFailed
                    },
                    t!("http.failed", url = &shown, error = &text),
                )
            };
            let address = looked.first_address.map(|a| a.to_string());
            observations.push(reach(outcome, address, None));
            return probe::finish(
                CheckResult::fail(format!("network.http.{code}"), summary),
                evidence,
                metrics,
                observations,
            );
        }
    };
    let remote = resp.remote_addr().map(|a| a.to_string());
    let status = resp.status();
    let final_url = resp.url().clone();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(redact_url);
    let mut body = Vec::new();
    let _ = resp.take(256 * 1024).read_to_end(&mut body);
    let total = t0.elapsed();
    push_phases(&mut metrics);
    metrics.push(("first_byte_ms", millis(first_byte)));
    metrics.push(("total_ms", millis(total)));
    metrics.push(("http_status", f64::from(status.as_u16())));
    metrics.push(("body_bytes", body.len() as f64));
    let body_text = String::from_utf8_lossy(&body);
    evidence.push(format!(
        "{method} {shown} → {status} in {:.1} ms ({} bytes{})",
        millis(total),
        body.len(),
        if content_type.is_empty() {
            String::new()
        } else {
            format!(", {content_type}")
        }
    ));
    if final_url.as_str() != url.as_str() {
        evidence.push(format!("redirected to {}", redact_url(final_url.as_str())));
    }
    if let Some(l) = &location {
        evidence.push(format!("Location: {l}"));
    }

    let expected_ok = |code: u16| match &p.expect_status {
        Some(list) => list.contains(&code),
        None => (200..400).contains(&code),
    };
    let wants_204 = p.expect_status.as_ref().is_some_and(|l| l.contains(&204));
    let moved_host = final_url.host_str() != url.host_str();
    // A redirect (not followed) to another host.
    let sent_away = status.is_redirection()
        && location
            .as_deref()
            .and_then(|l| url.join(l).ok())
            .is_some_and(|l| l.host_str() != url.host_str());
    let login = looks_like_login_page(&content_type, &body_text);
    let missing_text = p
        .body_contains
        .as_ref()
        .is_some_and(|n| !body_text.contains(n.as_str()));
    let captive = (wants_204
        && status.as_u16() != 204
        && (status.is_redirection()
            || moved_host
            || login
            || (status.as_u16() == 200 && !body.is_empty())))
        || ((moved_host || sent_away) && login)
        || (missing_text && login);
    let code = status.as_u16();
    if captive {
        observations.push(Observation::CaptivePortal {
            how: if moved_host || sent_away {
                CaptiveHow::Redirect
            } else {
                CaptiveHow::LoginPage
            },
            url: Some(shown.clone()),
            location: location
                .clone()
                .or_else(|| moved_host.then(|| redact_url(final_url.as_str()))),
        });
    }
    let slow = p.warn_ms.is_some_and(|w| millis(total) > w as f64);
    let outcome = if captive || (expected_ok(code) && missing_text) {
        ReachOutcome::WrongContent
    } else if code == 407 {
        ReachOutcome::ProxyFailed
    } else if !expected_ok(code) {
        ReachOutcome::HttpStatus
    } else if slow {
        ReachOutcome::Slow
    } else {
        ReachOutcome::Ok
    };
    observations.push(reach(outcome, remote, Some(millis(total))));
    let r = if captive {
        CheckResult::fail(
            "network.http.captive_portal",
            t!(
                "http.captive_portal",
                url = &shown,
                status = status.to_string(),
                sent_to = location
                    .as_ref()
                    .or(moved_host.then_some(&final_url.to_string()))
                    .map(|l| t!("http.sent_to", location = l))
                    .unwrap_or_else(|| t!("http.nothing"))
            ),
        )
    } else if !expected_ok(code) {
        let why = match code {
            407 => t!("http.why.proxy_login"),
            500..=599 => t!("http.why.server_error"),
            401 | 403 => t!("http.why.denied"),
            404 => t!("http.why.not_found"),
            _ => t!("http.nothing"),
        };
        let expected: Vec<String> = match &p.expect_status {
            Some(l) => l.iter().map(u16::to_string).collect(),
            None => vec!["2xx".into(), "3xx".into()],
        };
        CheckResult::fail(
            "network.http.unexpected_status",
            t!(
                "http.unexpected_status",
                url = &shown,
                status = status.to_string(),
                expected = expected,
                why = why
            ),
        )
    } else if let Some(needle) = p
        .body_contains
        .as_ref()
        .filter(|n| !body_text.contains(n.as_str()))
    {
        CheckResult::fail(
            "network.http.unexpected_body",
            t!(
                "http.unexpected_body",
                url = &shown,
                status = status.to_string(),
                needle = needle
            ),
        )
    } else if slow {
        CheckResult::warn(
            "network.http.slow",
            t!(
                "http.slow",
                url = &shown,
                status = status.to_string(),
                ms = Arg::ms(millis(total))
            ),
        )
    } else {
        CheckResult::pass(
            "network.http.ok",
            t!(
                "http.ok",
                url = &shown,
                status = status.to_string(),
                ms = Arg::ms(millis(total))
            ),
        )
    };
    probe::finish(r, evidence, metrics, observations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use crate::testpki::*;
    use readycheck_sdk::Status;

    fn params(url: String) -> HttpParams {
        HttpParams {
            url,
            method: Method::Get,
            expect_status: None,
            body_contains: None,
            ca_file: None,
            proxy: Some("none".into()),
            follow_redirects: true,
            warn_ms: None,
        }
    }

    const T: Duration = Duration::from_secs(5);

    #[test]
    fn a_204_passes_with_phase_timings() {
        let port = http_server(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            Duration::ZERO,
        );
        let mut p = params(format!("http://localhost:{port}/generate_204"));
        p.expect_status = Some(vec![204]);
        let r = run(&p, T);
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        for m in [
            "dns_ms",
            "connect_ms",
            "first_byte_ms",
            "total_ms",
            "http_status",
        ] {
            assert!(r.metrics.contains_key(m), "{m}: {:?}", r.metrics);
        }
        assert_eq!(r.metrics["http_status"], 204.0);
    }

    #[test]
    fn a_login_page_instead_of_204_is_a_captive_portal() {
        let page: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 62\r\n\r\n<html><body>Hotel Wi-Fi: please sign in <form></form></body></html>";
        let port = http_server(page, Duration::ZERO);
        let mut p = params(format!("http://127.0.0.1:{port}/generate_204"));
        p.expect_status = Some(vec![204]);
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.captive_portal", "{r:#?}");
        assert!(
            r.en_summary().contains("needs a sign-in page"),
            "{}",
            r.en_summary()
        );

        let redirect: &[u8] = b"HTTP/1.1 302 Found\r\nLocation: http://login.hotel.example/portal\r\nContent-Length: 0\r\n\r\n";
        let port = http_server(redirect, Duration::ZERO);
        let mut p = params(format!("http://127.0.0.1:{port}/generate_204"));
        p.expect_status = Some(vec![204]);
        p.follow_redirects = false;
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.captive_portal", "{r:#?}");
        assert!(
            r.en_summary().contains("login.hotel.example"),
            "{}",
            r.en_summary()
        );
        assert_eq!(
            captive(&r),
            Some((
                CaptiveHow::Redirect,
                Some("http://login.hotel.example/portal".into())
            ))
        );
    }

    fn captive(r: &CheckResult) -> Option<(CaptiveHow, Option<String>)> {
        r.observations.iter().find_map(|o| match o {
            Observation::CaptivePortal { how, location, .. } => Some((*how, location.clone())),
            _ => None,
        })
    }

    fn reach(r: &CheckResult) -> (ReachOutcome, bool) {
        r.observations
            .iter()
            .find_map(|o| match o {
                Observation::Reach {
                    outcome, via_proxy, ..
                } => Some((*outcome, *via_proxy)),
                _ => None,
            })
            .expect("a reach observation")
    }

    #[test]
    fn a_200_page_instead_of_204_is_observed_as_a_login_page() {
        let page: &[u8] =
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
        let port = http_server(page, Duration::ZERO);
        let mut p = params(format!("http://127.0.0.1:{port}/generate_204"));
        p.expect_status = Some(vec![204]);
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.captive_portal", "{r:#?}");
        assert_eq!(captive(&r), Some((CaptiveHow::LoginPage, None)));
        assert_eq!(reach(&r), (ReachOutcome::WrongContent, false));
        // A plain http check never reads the OS trust store.
        assert!(
            !r.evidence.iter().any(|e| e.contains("trust store")),
            "{:?}",
            r.evidence
        );
    }

    #[test]
    fn service_errors_and_bodies() {
        let port = http_server(
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n",
            Duration::ZERO,
        );
        let r = run(&params(format!("http://127.0.0.1:{port}/")), T);
        assert_eq!(r.code, "network.http.unexpected_status");
        assert!(
            r.en_summary().contains("not your network"),
            "{}",
            r.en_summary()
        );

        let port = http_server(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 22\r\n\r\nMicrosoft Connect Test", Duration::ZERO);
        let mut p = params(format!("http://127.0.0.1:{port}/connecttest.txt"));
        p.body_contains = Some("Microsoft Connect Test".into());
        assert_eq!(run(&p, T).status, Status::Pass);
        p.body_contains = Some("something else".into());
        assert_eq!(run(&p, T).code, "network.http.unexpected_body");
    }

    #[test]
    fn refused_slow_and_silent_servers() {
        let r = run(&params(format!("http://127.0.0.1:{}/", refusing_port())), T);
        assert_eq!(r.code, "network.http.refused", "{r:#?}");
        let t0 = Instant::now();
        let r = run(
            &params(format!("http://127.0.0.1:{}/", silent_server())),
            Duration::from_millis(700),
        );
        assert_eq!(r.code, "network.http.timed_out", "{r:#?}");
        assert!(t0.elapsed() < Duration::from_secs(3));
        let port = http_server(
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            Duration::from_millis(300),
        );
        let mut p = params(format!("http://127.0.0.1:{port}/"));
        p.warn_ms = Some(100);
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.slow", "{r:#?}");
        assert!(r.metrics["first_byte_ms"] >= 300.0);
    }

    #[test]
    fn https_with_the_company_ca_and_credentials_never_shown() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Root CA");
        let ca_file = corp.write(d.path());
        let port = tls_server(
            leaf(&corp, &["localhost"], -1, 90),
            Some(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        );
        let mut p = params(format!("https://alice:s3cret@localhost:{port}/status"));
        p.ca_file = Some(ca_file.display().to_string());
        let r = run(&p, T);
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert!(r.metrics.contains_key("cert_days_left"));
        let all = format!("{r:?}");
        assert!(!all.contains("s3cret") && !all.contains("alice"), "{all}");
        assert!(
            r.en_summary().contains("https://***@localhost"),
            "{}",
            r.en_summary()
        );

        assert_eq!(captive(&r), None);
        assert_eq!(reach(&r), (ReachOutcome::Ok, false));

        // Without the company CA: a certificate for the very name, from an issuer this PC does
        // not know — something answers in the server's place.
        p.ca_file = None;
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.tls_rejected", "{r:#?}");
        assert_eq!(captive(&r), Some((CaptiveHow::UnexpectedIssuer, None)));
        assert_eq!(reach(&r), (ReachOutcome::CertUntrusted, false));
        assert!(
            r.evidence.iter().any(|e| e.contains("OS trust store")),
            "{:?}",
            r.evidence
        );
    }

    #[test]
    fn certificate_names_and_proxy_credentials() {
        let names = vec!["*.corp.example".to_string(), "corp.example".to_string()];
        assert!(cert_names_cover(&names, "intranet.corp.example"));
        assert!(cert_names_cover(&names, "CORP.example"));
        assert!(!cert_names_cover(&names, "a.b.corp.example"));
        assert!(!cert_names_cover(&names, "evil-corp.example"));
        assert_eq!(
            strip_credentials("http://bob:pw@proxy.corp:3128"),
            "http://proxy.corp:3128"
        );
        assert_eq!(
            strip_credentials("http://proxy.corp:3128"),
            "http://proxy.corp:3128"
        );
    }

    #[test]
    fn a_dead_proxy_is_the_proxys_fault() {
        let mut p = params("http://intranet.corp.example/".into());
        p.proxy = Some(format!("http://u:secret@127.0.0.1:{}", refusing_port()));
        let r = run(&p, T);
        assert_eq!(r.code, "network.http.proxy_failed", "{r:#?}");
        assert_eq!(reach(&r), (ReachOutcome::ProxyFailed, true));
        assert!(!format!("{r:?}").contains("secret"));
    }

    #[test]
    fn an_explicit_proxy_is_used() {
        // A tiny HTTP proxy: answers every request itself, proving the request went through it.
        let proxy = http_server(
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nvia-proxy!",
            Duration::ZERO,
        );
        let mut p = params("http://intranet.corp.example/".into());
        p.proxy = Some(format!("http://127.0.0.1:{proxy}"));
        p.body_contains = Some("via-proxy!".into());
        let r = run(&p, T);
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("proxy: http://127.0.0.1")),
            "{:?}",
            r.evidence
        );
        assert!(
            r.observations.iter().any(|o| matches!(
                o,
                Observation::Proxy {
                    source: ProxySource::Check,
                    used: true,
                    ..
                }
            )),
            "{:?}",
            r.observations
        );
        assert_eq!(reach(&r), (ReachOutcome::Ok, true));
    }
}
