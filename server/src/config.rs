//! The server's configuration: a TOML file (`--config`, else `READYCHECK_SERVER_CONFIG`, else
//! none — every setting has a default, so `readycheck-server` alone runs). Unknown keys and bad
//! values are errors that name `file:line:column` with the offending line, like profile errors;
//! every problem the values have is listed at once. Command-line flags override the file.

use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

/// The file as written; every section and key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: ServerFile,
    #[serde(default)]
    database: DatabaseFile,
    #[serde(default)]
    tls: Option<TlsFile>,
    #[serde(default)]
    proxy: ProxyFile,
    #[serde(default)]
    ingest: IngestFile,
    #[serde(default)]
    read: ReadFile,
    #[serde(default)]
    retention: RetentionFile,
    #[serde(default)]
    log: LogFile,
    #[serde(default)]
    dashboard: DashboardFile,
    #[serde(default)]
    alerts: AlertsFile,
    #[serde(default)]
    profiles: ProfilesFile,
}

/// `[profiles]`: the signed profiles IT uploads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesFile {
    /// IT's public keys (minisign `.pub` files): an upload signed by another key is refused.
    /// Empty (default): any signature is stored; the clients' pinned keys decide.
    #[serde(default)]
    keys: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardFile {
    /// IANA time zone the dashboard shows times in (default: the server's, e.g. Asia/Shanghai).
    time_zone: Option<Spanned<String>>,
    /// A host whose latest report is older than this is stale (default `12h`).
    stale_after: Option<Spanned<String>>,
    /// Not-ready hosts sharing a diagnosis whose reports started within this are one incident
    /// (default `3h`).
    incident_window: Option<Spanned<String>>,
    /// Hosts an incident needs at least (default 2).
    incident_min_hosts: Option<Spanned<u32>>,
    /// The arrivals chart starts at this local time (default `05:00`).
    morning_from: Option<Spanned<String>>,
    /// How long a sign-in lasts (default `12h`).
    session: Option<Spanned<String>>,
    /// A header a trusted reverse proxy (`[proxy] trusted`) sets to the signed-in user's name
    /// (single sign-on); absent (default): only local accounts.
    trusted_user_header: Option<Spanned<String>>,
    /// The dashboard's address as people reach it, for links in alerts
    /// (default: `http://<listen>`).
    public_url: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsFile {
    /// How often the rules are evaluated (default `30s`; also right after each report).
    evaluate_every: Option<Spanned<String>>,
    /// The same alert is delivered to a channel at most once per this (default `1h`).
    cooldown: Option<Spanned<String>>,
    #[serde(default)]
    rule: Vec<RuleFile>,
    #[serde(default)]
    channel: Vec<ChannelFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    /// `same_cause` or `essential_not_ready`.
    kind: Spanned<String>,
    /// same_cause: at least this many hosts with one root cause …
    hosts: Option<Spanned<u32>>,
    /// … whose reports started within this (default `15m`).
    within: Option<Spanned<String>>,
    /// essential_not_ready: local time (HH:MM) by which essential hosts must be ready.
    by: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelFile {
    /// `wecom`, `dingtalk`, `feishu` or `webhook`.
    kind: Spanned<String>,
    /// The robot's or webhook's URL.
    url: Spanned<String>,
    /// DingTalk's or Feishu's signing secret …
    secret: Option<String>,
    /// … or the environment variable holding it.
    secret_env: Option<Spanned<String>>,
    /// Language of the message (default `zh-CN`).
    lang: Option<Spanned<String>>,
}

/// The dashboard's settings, resolved.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    pub time_zone: jiff::tz::TimeZone,
    pub stale_after: Duration,
    pub incident_window: Duration,
    pub incident_min_hosts: u32,
    /// Minutes after local midnight.
    pub morning_from: u32,
    pub session: Duration,
    pub trusted_user_header: Option<String>,
    pub public_url: String,
}

/// An alert rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertRule {
    /// `hosts` or more not-ready hosts with one diagnosis whose reports started within `within`.
    SameCause { hosts: u32, within: Duration },
    /// An essential roster host not ready (or not reported today) at `by` minutes after local
    /// midnight.
    EssentialNotReady { by: u32 },
}

/// Which chat an alert goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    WeCom,
    DingTalk,
    Feishu,
    Webhook,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::WeCom => "wecom",
            ChannelKind::DingTalk => "dingtalk",
            ChannelKind::Feishu => "feishu",
            ChannelKind::Webhook => "webhook",
        }
    }
}

/// A channel alerts are delivered to.
#[derive(Clone, PartialEq, Eq)]
pub struct AlertChannel {
    pub kind: ChannelKind,
    pub url: String,
    pub secret: Option<String>,
    pub lang: readycheck_sdk::i18n::Locale,
}

impl fmt::Debug for AlertChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlertChannel")
            .field("kind", &self.kind)
            .field("url", &redact_query(&self.url))
            .field("secret", &self.secret.as_ref().map(|_| "…"))
            .finish()
    }
}

/// A URL without its query (robot URLs carry their access token there).
pub fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?…"),
        None => url.to_string(),
    }
}

/// The alert settings, resolved.
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    pub evaluate_every: Duration,
    pub cooldown: Duration,
    pub rules: Vec<AlertRule>,
    pub channels: Vec<AlertChannel>,
}

/// `HH:MM` as minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    /// Address and port to listen on (default `127.0.0.1:8080`).
    listen: Option<Spanned<String>>,
    /// Where the SQLite database lives (default: `/var/lib/readycheck-server` as root, else the
    /// user's data directory).
    data_dir: Option<PathBuf>,
    /// How long shutdown waits for requests in flight (default `30s`).
    shutdown_grace: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    /// `sqlite` (default: `<data_dir>/readycheck.db`), `sqlite:///path/file.db` or
    /// `postgres://user@host/db`.
    url: Option<Spanned<String>>,
    /// The name of an environment variable holding the URL (keeps a password out of the file).
    url_env: Option<Spanned<String>>,
    /// Connections per server instance (default 16).
    max_connections: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TlsFile {
    /// PEM certificate chain.
    cert: PathBuf,
    /// PEM private key.
    key: PathBuf,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProxyFile {
    /// Reverse proxies whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed (addresses
    /// or CIDR ranges). Empty (default): the headers are ignored.
    #[serde(default)]
    trusted: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestFile {
    /// Largest accepted report body in bytes (default 2 MiB); larger is answered 413.
    max_body_bytes: Option<Spanned<u64>>,
    /// Whether a device token is needed to submit (default true).
    require_token: Option<bool>,
    /// Reports per minute per token (default 60), with `burst` at once (default 30).
    rate_per_minute: Option<Spanned<u32>>,
    burst: Option<Spanned<u32>>,
    /// How far in the future a report's `started_at` may be (clock skew; default `10m`).
    max_future: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadFile {
    /// Whether the read API needs a `read` token (default true).
    require_token: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RetentionFile {
    /// Keep reports this many days (default 90; 0 keeps everything). Each host's latest
    /// report is kept whatever its age.
    days: Option<u32>,
    /// How often the purge runs (default `1h`).
    purge_every: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogFile {
    /// `text` (default) or `json`.
    format: Option<Spanned<String>>,
    /// `error`, `warn`, `info` (default), `debug`, `trace`, or per target
    /// (`info,sqlx=warn`).
    level: Option<Spanned<String>>,
}

/// Which database, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl Database {
    /// Parses `sqlite`, `sqlite://PATH`, `sqlite:PATH` or `postgres://…`.
    pub fn parse(s: &str, data_dir: &Path) -> Result<Database, String> {
        let s = s.trim();
        if s == "sqlite" {
            return Ok(Database::Sqlite(data_dir.join("readycheck.db")));
        }
        if let Some(rest) = s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() {
                return Err("a sqlite URL needs a file path: sqlite:///var/lib/readycheck-server/readycheck.db".into());
            }
            return Ok(Database::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Database::Postgres(s.to_string()));
        }
        Err(format!(
            "unknown database `{}`: use `sqlite`, `sqlite:///path/file.db` or `postgres://user@host/db`",
            redact(s)
        ))
    }

    /// For logs: the kind and where, without a password.
    pub fn describe(&self) -> String {
        match self {
            Database::Sqlite(p) => format!("sqlite {}", p.display()),
            Database::Postgres(u) => format!("postgres {}", redact(u)),
        }
    }
}

/// A URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The resolved configuration the server runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it came from, if any.
    pub source: Option<PathBuf>,
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub shutdown_grace: Duration,
    pub database: Database,
    pub max_connections: u32,
    /// Certificate and key files: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    pub trusted_proxies: Vec<IpNet>,
    pub max_body_bytes: usize,
    pub require_device_token: bool,
    pub rate_per_minute: u32,
    pub burst: u32,
    pub max_future: Duration,
    pub require_read_token: bool,
    pub retention_days: u32,
    pub purge_every: Duration,
    pub log_format: LogFormat,
    pub log_level: String,
    pub dashboard: DashboardConfig,
    pub alerts: AlertsConfig,
    /// `[profiles] keys`: the public keys uploads must be signed with (empty: any).
    pub profile_keys: Vec<PathBuf>,
}

/// What the command line says, overriding the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub database: Option<String>,
    pub data_dir: Option<PathBuf>,
}

/// One problem in the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    /// `file:line:column` and the line, when it comes from the file.
    pub at: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub text: String,
    pub width: usize,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        if let Some(at) = &self.at {
            let n = at.line.to_string();
            let pad = " ".repeat(n.len());
            write!(
                f,
                "\n{pad}--> {}:{}:{}\n{pad} |\n{n} | {}\n{pad} | {}{}",
                at.file.display(),
                at.line,
                at.column,
                at.text,
                " ".repeat(at.text.chars().take(at.column - 1).count()),
                "^".repeat(at.width.max(1)),
            )?;
        }
        Ok(())
    }
}

/// Every problem found, shown together.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigError(pub Vec<Problem>);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: Vec<String> = self.0.iter().map(|p| p.to_string()).collect();
        f.write_str(&shown.join("\n\n"))
    }
}

/// Where a byte range of `text` is, as `line:column` (1-based, columns in characters).
fn locate(file: &Path, text: &str, span: Range<usize>) -> Location {
    let start = span.start.min(text.len());
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..start].chars().count() + 1;
    let line_text = text[line_start..].lines().next().unwrap_or("").to_string();
    let end = span.end.min(line_start + line_text.len()).max(start);
    Location {
        file: file.to_path_buf(),
        line,
        column,
        width: text[start..end].chars().count(),
        text: line_text,
    }
}

/// The default data directory: `READYCHECK_SERVER_DATA_DIR`, else `/var/lib/readycheck-server`
/// as root, else `$XDG_DATA_HOME/readycheck-server` (`~/.local/share/readycheck-server`).
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("READYCHECK_SERVER_DATA_DIR") {
        return PathBuf::from(d);
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/readycheck-server");
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("readycheck-server");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| ".".into());
    home.join(".local/share/readycheck-server")
}

impl Config {
    /// Reads `path` (or nothing) and applies `overrides`.
    pub fn load(path: Option<&Path>, overrides: &Overrides) -> Result<Config, ConfigError> {
        let (file, text) = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    ConfigError(vec![Problem {
                        message: format!("cannot read {}: {e}", p.display()),
                        at: None,
                    }])
                })?;
                let file: File = toml::from_str(&text).map_err(|e| {
                    ConfigError(vec![Problem {
                        message: e.message().trim().to_string(),
                        at: e.span().map(|s| locate(p, &text, s)),
                    }])
                })?;
                (file, text)
            }
            None => (File::default(), String::new()),
        };
        Self::resolve(file, path, &text, overrides)
    }

    /// Parses a configuration from text, as if read from `path` (for tests).
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| {
            ConfigError(vec![Problem {
                message: e.message().trim().to_string(),
                at: e.span().map(|s| locate(path, text, s)),
            }])
        })?;
        Self::resolve(file, Some(path), text, &Overrides::default())
    }

    fn resolve(
        file: File,
        path: Option<&Path>,
        text: &str,
        ov: &Overrides,
    ) -> Result<Config, ConfigError> {
        let mut problems = Vec::new();
        let at = |span: Range<usize>| path.map(|p| locate(p, text, span));
        let mut bad = |message: String, span: Option<Range<usize>>| {
            problems.push(Problem {
                message,
                at: span.and_then(at),
            })
        };
        let duration =
            |v: &Option<Spanned<String>>,
             default: Duration,
             bad: &mut dyn FnMut(String, Option<Range<usize>>)| match v {
                None => default,
                Some(s) => match humantime::parse_duration(s.get_ref()) {
                    Ok(d) => d,
                    Err(e) => {
                        bad(
                            format!(
                                "`{}` is not a duration ({e}); write e.g. `30s`, `10m`, `1h`",
                                s.get_ref()
                            ),
                            Some(s.span()),
                        );
                        default
                    }
                },
            };

        let listen_default: SocketAddr = "127.0.0.1:8080".parse().expect("valid address");
        let listen = match (&ov.listen, &file.server.listen) {
            (Some(s), _) => s.parse().unwrap_or_else(|_| {
                bad(
                    format!("--listen: `{s}` is not an address:port such as 127.0.0.1:8080"),
                    None,
                );
                listen_default
            }),
            (None, Some(s)) => s.get_ref().parse().unwrap_or_else(|_| {
                bad(
                    format!(
                        "`{}` is not an address:port such as 0.0.0.0:8080",
                        s.get_ref()
                    ),
                    Some(s.span()),
                );
                listen_default
            }),
            (None, None) => listen_default,
        };
        let data_dir = ov
            .data_dir
            .clone()
            .or(file.server.data_dir.clone())
            .unwrap_or_else(default_data_dir);
        let shutdown_grace = duration(
            &file.server.shutdown_grace,
            Duration::from_secs(30),
            &mut bad,
        );

        let url: Option<(String, Option<Range<usize>>)> = if let Some(u) = &ov.database {
            Some((u.clone(), None))
        } else if let Some(var) = &file.database.url_env {
            match std::env::var(var.get_ref()) {
                Ok(v) if !v.is_empty() => Some((v, None)),
                _ => {
                    bad(
                        format!(
                            "the environment variable `{}` (database.url_env) is not set",
                            var.get_ref()
                        ),
                        Some(var.span()),
                    );
                    None
                }
            }
        } else {
            file.database
                .url
                .as_ref()
                .map(|u| (u.get_ref().clone(), Some(u.span())))
        };
        let database = match url {
            None => Database::Sqlite(data_dir.join("readycheck.db")),
            Some((u, span)) => Database::parse(&u, &data_dir).unwrap_or_else(|e| {
                bad(e, span);
                Database::Sqlite(data_dir.join("readycheck.db"))
            }),
        };

        let mut trusted_proxies = Vec::new();
        for t in &file.proxy.trusted {
            let s = t.get_ref().trim();
            let parsed = s
                .parse::<IpNet>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from));
            match parsed {
                Ok(n) => trusted_proxies.push(n),
                Err(_) => bad(
                    format!("`{s}` is not an IP address or CIDR range such as 10.0.0.0/8"),
                    Some(t.span()),
                ),
            }
        }

        let max_body_bytes = match &file.ingest.max_body_bytes {
            Some(v) if *v.get_ref() < 1024 => {
                bad(
                    "max_body_bytes must be at least 1024".into(),
                    Some(v.span()),
                );
                2 << 20
            }
            Some(v) => *v.get_ref() as usize,
            None => 2 << 20,
        };
        let positive =
            |v: &Option<Spanned<u32>>,
             default: u32,
             name: &str,
             bad: &mut dyn FnMut(String, Option<Range<usize>>)| match v {
                Some(v) if *v.get_ref() == 0 => {
                    bad(format!("{name} must be at least 1"), Some(v.span()));
                    default
                }
                Some(v) => *v.get_ref(),
                None => default,
            };
        let rate_per_minute = positive(
            &file.ingest.rate_per_minute,
            60,
            "rate_per_minute",
            &mut bad,
        );
        let burst = positive(&file.ingest.burst, 30, "burst", &mut bad);
        let max_future = duration(&file.ingest.max_future, Duration::from_secs(600), &mut bad);
        let purge_every = duration(
            &file.retention.purge_every,
            Duration::from_secs(3600),
            &mut bad,
        );
        let log_format = match file
            .log
            .format
            .as_ref()
            .map(|s| (s.get_ref().as_str(), s.span()))
        {
            None | Some(("text", _)) => LogFormat::Text,
            Some(("json", _)) => LogFormat::Json,
            Some((other, span)) => {
                bad(
                    format!("unknown log format `{other}`: use `text` or `json`"),
                    Some(span),
                );
                LogFormat::Text
            }
        };
        let log_level = match &file.log.level {
            None => "info".to_string(),
            Some(l) => {
                if l.get_ref()
                    .parse::<tracing_subscriber::filter::Targets>()
                    .is_err()
                {
                    bad(
                        format!(
                            "`{}` is not a log level such as `info` or `info,sqlx=warn`",
                            l.get_ref()
                        ),
                        Some(l.span()),
                    );
                }
                l.get_ref().clone()
            }
        };
        let tls = file.tls.as_ref().map(|t| {
            let rel = |p: &Path| match (p.is_relative(), path.and_then(Path::parent)) {
                (true, Some(dir)) => dir.join(p),
                _ => p.to_path_buf(),
            };
            (rel(&t.cert), rel(&t.key))
        });
        let d = &file.dashboard;
        let time_zone = match &d.time_zone {
            None => jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC),
            Some(z) => jiff::tz::TimeZone::get(z.get_ref()).unwrap_or_else(|_| {
                bad(
                    format!(
                        "`{}` is not a time zone this machine knows; write an IANA name such as Asia/Shanghai",
                        z.get_ref()
                    ),
                    Some(z.span()),
                );
                jiff::tz::TimeZone::UTC
            }),
        };
        let stale_after = duration(&d.stale_after, Duration::from_secs(12 * 3600), &mut bad);
        let incident_window = duration(&d.incident_window, Duration::from_secs(3 * 3600), &mut bad);
        let incident_min_hosts = d
            .incident_min_hosts
            .as_ref()
            .map(|v| *v.get_ref())
            .unwrap_or(2)
            .max(1);
        let hhmm = |v: &Option<Spanned<String>>,
                    default: u32,
                    bad: &mut dyn FnMut(String, Option<Range<usize>>)| match v {
            None => default,
            Some(s) => parse_hhmm(s.get_ref()).unwrap_or_else(|| {
                bad(
                    format!("`{}` is not a time of day such as 06:30", s.get_ref()),
                    Some(s.span()),
                );
                default
            }),
        };
        let morning_from = hhmm(&d.morning_from, 5 * 60, &mut bad);
        let session = duration(&d.session, Duration::from_secs(12 * 3600), &mut bad);
        let trusted_user_header = d
            .trusted_user_header
            .as_ref()
            .map(|h| h.get_ref().trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty());
        let public_url = match &d.public_url {
            Some(u) => u.get_ref().trim_end_matches('/').to_string(),
            None => format!(
                "{}://{listen}",
                if file.tls.is_some() { "https" } else { "http" }
            ),
        };
        let a = &file.alerts;
        let evaluate_every = duration(&a.evaluate_every, Duration::from_secs(30), &mut bad);
        let cooldown = duration(&a.cooldown, Duration::from_secs(3600), &mut bad);
        let mut rules = Vec::new();
        for r in &a.rule {
            match r.kind.get_ref().as_str() {
                "same_cause" => rules.push(AlertRule::SameCause {
                    hosts: r.hosts.as_ref().map(|h| *h.get_ref()).unwrap_or(5).max(1),
                    within: duration(&r.within, Duration::from_secs(15 * 60), &mut bad),
                }),
                "essential_not_ready" => match &r.by {
                    Some(_) => rules.push(AlertRule::EssentialNotReady {
                        by: hhmm(&r.by, 0, &mut bad),
                    }),
                    None => bad(
                        "an essential_not_ready rule needs `by = \"HH:MM\"`".into(),
                        Some(r.kind.span()),
                    ),
                },
                other => bad(
                    format!(
                        "unknown rule kind `{other}`: use `same_cause` or `essential_not_ready`"
                    ),
                    Some(r.kind.span()),
                ),
            }
        }
        let mut channels = Vec::new();
        for c in &a.channel {
            let kind = match c.kind.get_ref().as_str() {
                "wecom" => ChannelKind::WeCom,
                "dingtalk" => ChannelKind::DingTalk,
                "feishu" | "lark" => ChannelKind::Feishu,
                "webhook" => ChannelKind::Webhook,
                other => {
                    bad(
                        format!(
                            "unknown channel kind `{other}`: use `wecom`, `dingtalk`, `feishu` or `webhook`"
                        ),
                        Some(c.kind.span()),
                    );
                    continue;
                }
            };
            let url = c.url.get_ref().trim().to_string();
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                bad(format!("`{url}` is not an http(s) URL"), Some(c.url.span()));
            }
            let secret = match (&c.secret, &c.secret_env) {
                (_, Some(var)) => match std::env::var(var.get_ref()) {
                    Ok(v) if !v.is_empty() => Some(v),
                    _ => {
                        bad(
                            format!(
                                "the environment variable `{}` (secret_env) is not set",
                                var.get_ref()
                            ),
                            Some(var.span()),
                        );
                        None
                    }
                },
                (Some(s), None) => Some(s.clone()),
                (None, None) => None,
            };
            let lang = match &c.lang {
                None => readycheck_sdk::i18n::Locale::ZhCn,
                Some(l) => readycheck_sdk::i18n::Locale::parse(l.get_ref()).unwrap_or_else(|| {
                    bad(
                        format!(
                            "`{}` is not a language this server speaks (en, zh-CN)",
                            l.get_ref()
                        ),
                        Some(l.span()),
                    );
                    readycheck_sdk::i18n::Locale::ZhCn
                }),
            };
            channels.push(AlertChannel {
                kind,
                url,
                secret,
                lang,
            });
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Config {
            dashboard: DashboardConfig {
                time_zone,
                stale_after,
                incident_window,
                incident_min_hosts,
                morning_from,
                session,
                trusted_user_header,
                public_url,
            },
            alerts: AlertsConfig {
                evaluate_every,
                cooldown,
                rules,
                channels,
            },
            profile_keys: file
                .profiles
                .keys
                .iter()
                .map(|k| {
                    let p = PathBuf::from(k.get_ref());
                    match path.and_then(Path::parent) {
                        Some(dir) if p.is_relative() => dir.join(p),
                        _ => p,
                    }
                })
                .collect(),
            source: path.map(Path::to_path_buf),
            listen,
            data_dir,
            shutdown_grace,
            database,
            max_connections: file.database.max_connections.unwrap_or(16).max(1),
            tls,
            trusted_proxies,
            max_body_bytes,
            require_device_token: file.ingest.require_token.unwrap_or(true),
            rate_per_minute,
            burst,
            max_future,
            require_read_token: file.read.require_token.unwrap_or(true),
            retention_days: file.retention.days.unwrap_or(90),
            purge_every,
            log_format,
            log_level,
        })
    }

    /// Checks what can only be checked on the machine: the TLS files exist and load.
    pub fn check_files(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if let Some((cert, key)) = &self.tls {
            for (what, p) in [("certificate", cert), ("key", key)] {
                if let Err(e) = std::fs::read(p) {
                    problems.push(Problem {
                        message: format!("TLS {what} {}: {e}", p.display()),
                        at: None,
                    });
                }
            }
        }
        for p in &self.profile_keys {
            if let Err(e) = readycheck::signing::keys::read_key(p) {
                problems.push(Problem {
                    message: format!("profile key {}: {e}", p.display()),
                    at: None,
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError(problems))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file() {
        let c = Config::load(None, &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(matches!(c.database, Database::Sqlite(_)));
        assert!(c.require_device_token);
    }

    #[test]
    fn unknown_key_names_file_line_and_column() {
        let text = "[server]\nlisten = \"0.0.0.0:9000\"\n\n[ingest]\nrate_per_minit = 5\n";
        let e =
            Config::from_str(text, Path::new("/etc/readycheck-server/config.toml")).unwrap_err();
        let shown = e.to_string();
        assert!(shown.contains("rate_per_minit"), "{shown}");
        assert!(
            shown.contains("--> /etc/readycheck-server/config.toml:5:1"),
            "{shown}"
        );
    }

    #[test]
    fn every_bad_value_is_listed() {
        let text = "[server]\nlisten = \"nowhere\"\n[retention]\npurge_every = \"soon\"\n[proxy]\ntrusted = [\"10.0.0.0/8\", \"not-an-ip\"]\n";
        let e = Config::from_str(text, Path::new("c.toml")).unwrap_err();
        assert_eq!(e.0.len(), 3, "{e}");
        let shown = e.to_string();
        assert!(shown.contains("c.toml:2:10"), "{shown}");
        assert!(shown.contains("c.toml:4:15"), "{shown}");
        assert!(shown.contains("c.toml:6:26"), "{shown}");
    }

    #[test]
    fn database_urls() {
        let d = Path::new("/data");
        assert_eq!(
            Database::parse("sqlite", d).unwrap(),
            Database::Sqlite("/data/readycheck.db".into())
        );
        assert_eq!(
            Database::parse("sqlite:///x/y.db", d).unwrap(),
            Database::Sqlite("/x/y.db".into())
        );
        assert!(matches!(
            Database::parse("postgres://u:pw@h/db", d).unwrap(),
            Database::Postgres(_)
        ));
        assert!(Database::parse("mysql://x", d).is_err());
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }
}
