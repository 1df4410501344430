//! The JSON documents that cross the plugin boundary: the manifest a plugin describes itself
//! with, the request for one check, and the result it returns. Field names here are the ABI.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::i18n::{Catalogs, Locale, Msg};

/// How a check ended.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The check ran and everything it looked at is fine.
    Pass,
    /// Works, but something should be looked at (slow, nearly expired, nearly full).
    Warn,
    /// The check ran and found a problem.
    Fail,
    /// Not run: a check it needs did not pass, or it does not apply to this OS or machine.
    Skip,
    /// The check could not run (plugin crashed, timed out, misbehaved, or failed to load).
    Error,
}

impl Status {
    /// Lower-case name as it appears in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// What a plugin says about itself (`describe`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Plugin name, the `<name>` in `readycheck_<name>`.
    pub name: String,
    /// The plugin's own version.
    pub version: String,
    /// Operating systems the plugin supports (`linux`, `windows`, `macos`); empty means all.
    #[serde(default)]
    pub os: Vec<String>,
    /// The check kinds it provides.
    pub kinds: Vec<KindManifest>,
}

/// One check kind in a manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KindManifest {
    /// Kind name as written in a profile's `kind = "..."`.
    pub name: String,
    /// One-line description.
    pub title: String,
    /// What the kind checks and how, in a few sentences.
    #[serde(default)]
    pub description: String,
    /// JSON Schema (object) of the kind's parameters.
    pub params: serde_json::Value,
    /// An example `[[check]]` TOML snippet.
    #[serde(default)]
    pub example: String,
    /// Operating systems this kind supports, if narrower than the plugin's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<Vec<String>>,
}

impl Manifest {
    /// The kind called `name`, if the plugin provides it.
    pub fn kind(&self, name: &str) -> Option<&KindManifest> {
        self.kinds.iter().find(|k| k.name == name)
    }
}

impl KindManifest {
    /// A kind whose parameter schema is generated from `P` with schemars.
    pub fn new<P: JsonSchema>(name: &str, title: &str, description: &str, example: &str) -> Self {
        let schema = schemars::schema_for!(P);
        KindManifest {
            name: name.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            params: schema.to_value(),
            example: example.to_string(),
            os: None,
        }
    }
}

/// The request for one check (`run`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckRequest {
    /// The check's id in the profile.
    pub id: String,
    /// The kind to run.
    pub kind: String,
    /// The check's parameters: every key of the `[[check]]` table that is not a host key,
    /// already validated against the kind's schema.
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
    /// The time the plugin has; the host kills the call shortly after it.
    pub timeout_ms: u64,
    /// The OS the host runs on (`linux`, `windows`, `macos`, ...).
    #[serde(default)]
    pub os: String,
    /// The reader's language (`en`, `zh-CN`): the locale `summary` should be written in.
    #[serde(default = "default_locale")]
    pub locale: String,
}

fn default_locale() -> String {
    "en".into()
}

impl CheckRequest {
    /// The parameters as a typed struct.
    pub fn params<P: DeserializeOwned>(&self) -> Result<P, String> {
        serde_json::from_value(serde_json::Value::Object(self.params.clone()))
            .map_err(|e| format!("invalid parameters for {}: {e}", self.kind))
    }

    /// The timeout as a `Duration`.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.timeout_ms)
    }

    /// The requested locale (English when the host asked for one this SDK does not know).
    pub fn locale(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or_default()
    }
}

/// A summary as a plugin writes it: a catalog message, or plain text in one language.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// Untranslated text, shown as is in every locale.
    Plain(String),
    /// A message rendered from the plugin's catalogs.
    Msg(Msg),
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Plain(s)
    }
}
impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::Plain(s.to_string())
    }
}
impl From<Msg> for Text {
    fn from(m: Msg) -> Self {
        Text::Msg(m)
    }
}

/// The result of one check as the plugin reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckResult {
    /// How the check ended.
    pub status: Status,
    /// Stable machine-readable outcome id, `<plugin>.<kind>.<outcome>`.
    pub code: String,
    /// One sentence for the person at the PC, in the requested locale.
    pub summary: String,
    /// The catalog message `summary` was rendered from, with its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Msg>,
    /// `summary` in every locale the plugin has a catalog for, keyed by tag (`en`, `zh-CN`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub summary_l10n: BTreeMap<String, String>,
    /// More detail for the helpdesk, in the requested locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The catalog message `detail` was rendered from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_message: Option<Msg>,
    /// `detail` in every locale the plugin has a catalog for, keyed by tag.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub detail_l10n: BTreeMap<String, String>,
    /// What was probed, read or seen.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Numbers, with the unit in the name (`connect_ms`, `disk_free_bytes`).
    #[serde(default)]
    pub metrics: BTreeMap<String, f64>,
    /// Structured facts for the host's diagnosis of whose problem a failure is: which resolver
    /// answered and how, what each address did when connected to, loss measured by address, a
    /// sign-in page seen, the tunnel's state, a proxy in use. The vocabulary is in the SDK
    /// README; a host ignores kinds it does not know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// The plugin's advice for this outcome in the requested locale (from the catalog entry
    /// `fix.<code>`), shown when the profile gives none for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// `fix` in every locale the plugin has a catalog for, keyed by tag.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fix_l10n: BTreeMap<String, String>,
}

/// One fact a check saw on the way from this PC to a service (`observations[]` of a result).
/// Internally tagged by `kind`; fields not known to a host are ignored, and so is an unknown
/// `kind`, so plugins may report more than a host understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observation {
    /// A DNS server this PC asks, with the adapter it was configured on and whose it is.
    Resolver {
        /// The server's address, e.g. `192.168.1.1` or `10.20.1.53`.
        address: String,
        /// The adapter or interface the server belongs to (`wlan0`, `tun0`, `Wi-Fi`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interface: Option<String>,
        /// Whose server it is, as far as the PC can tell.
        #[serde(default)]
        owner: ResolverOwner,
    },
    /// What the resolver answered for one name.
    DnsAnswer {
        name: String,
        outcome: DnsOutcome,
        /// The resolver asked, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolver: Option<String>,
        /// Addresses returned (for `ok`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        addresses: Vec<String>,
    },
    /// One or more connection attempts to a target (a host:port, a URL) and how they ended.
    Reach {
        /// What the profile named: `vpn.corp.example:443`, `https://intranet/health`.
        target: String,
        /// The address connected to, when the name resolved.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        /// How the last attempt ended (the worst if they differed).
        outcome: ReachOutcome,
        /// Site and region names for `sites` targets.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<String>,
        /// Attempts made and how many of them failed (a site is only "down" when every one of
        /// several attempts spread over the check's time failed).
        #[serde(default = "one")]
        attempts: u32,
        #[serde(default)]
        failures: u32,
        /// Time to connect (or to the failure), milliseconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ms: Option<f64>,
        /// Whether the connection went through a proxy.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        via_proxy: bool,
    },
    /// Packets sent to an address and what came back: the health of the path itself.
    PathQuality {
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        address: Option<String>,
        sent: u32,
        lost: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rtt_ms: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        jitter_ms: Option<f64>,
    },
    /// A Wi-Fi sign-in page (captive portal) or a filtering box answered instead of the server.
    CaptivePortal {
        how: CaptiveHow,
        /// The URL asked, and where it led, when known.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// The VPN tunnel as seen from this PC.
    Tunnel {
        state: TunnelState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interface: Option<String>,
        /// The interface the company's address is routed through.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        route_interface: Option<String>,
    },
    /// A proxy configured for this PC, and whether the check used it.
    Proxy {
        /// The proxy's address (credentials removed), or the PAC script's URL.
        url: String,
        source: ProxySource,
        used: bool,
    },
    /// A kind this host does not know.
    #[serde(other)]
    Unknown,
}

fn one() -> u32 {
    1
}

/// Whose DNS server it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResolverOwner {
    /// The home router (the default gateway, or an address on the home network).
    HomeRouter,
    /// The internet provider's or a public resolver.
    Isp,
    /// Pushed by the VPN (on the tunnel's adapter or inside the company's range).
    Vpn,
    /// A resolver on this PC (systemd-resolved, dnsmasq) forwarding elsewhere.
    Local,
    #[default]
    Unknown,
}

/// What a resolver said for a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DnsOutcome {
    /// Addresses came back.
    Ok,
    /// The name does not exist: the name's owner's problem, not the resolver's.
    Nxdomain,
    /// The name exists but has no address of the kind asked.
    NoData,
    /// No resolver answered in time.
    NoAnswer,
    /// The resolver refused to answer, or nothing listens on its port.
    Refused,
    /// The resolver answered with a server failure.
    Servfail,
    /// Failed for another reason.
    Failed,
}

/// How a connection attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReachOutcome {
    Ok,
    /// Answered, but slower than the check allows.
    Slow,
    /// Actively refused (RST / ICMP port unreachable): the host is up, nothing listens.
    Refused,
    /// No answer at all within the time (black-holed or lost).
    TimedOut,
    /// No route (ICMP host/network unreachable, no interface).
    Unreachable,
    /// Connected, then cut off.
    Reset,
    /// The name did not resolve.
    DnsFailed,
    /// TLS failed for a reason other than the certificate below.
    TlsFailed,
    CertExpired,
    CertNotYetValid,
    CertNameMismatch,
    CertUntrusted,
    /// An HTTP answer with the wrong status.
    HttpStatus,
    /// An HTTP answer with the wrong content.
    WrongContent,
    /// A proxy was needed or failed.
    ProxyFailed,
}

impl ReachOutcome {
    /// The attempt reached the service and it answered correctly.
    pub fn is_ok(self) -> bool {
        matches!(self, ReachOutcome::Ok | ReachOutcome::Slow)
    }
}

/// How a sign-in page showed itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaptiveHow {
    /// A page (HTTP 200) other than the expected one, typically a login form.
    LoginPage,
    /// A redirect to another host.
    Redirect,
    /// A TLS certificate from an issuer the target never uses, for the target's name.
    UnexpectedIssuer,
}

/// The VPN tunnel's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TunnelState {
    /// A tunnel adapter is up and carries the company's traffic.
    Up,
    /// A tunnel adapter exists but is down (or has no address).
    Down,
    /// No tunnel adapter at all: the VPN client is not connected.
    Absent,
    /// The company's addresses are routed around the tunnel.
    NotViaTunnel,
}

/// Where a proxy setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProxySource {
    /// `HTTP(S)_PROXY` / `ALL_PROXY`.
    Environment,
    /// The OS's settings (Windows Internet Options, macOS network settings).
    System,
    /// A PAC script.
    Pac,
    /// The check's own `proxy` parameter.
    Check,
}

impl CheckResult {
    /// A result with `status`, `code` and `summary` and nothing else. A [`Msg`] summary is
    /// rendered when the result leaves the plugin (see [`CheckResult::localize`]).
    pub fn new(status: Status, code: impl Into<String>, summary: impl Into<Text>) -> Self {
        let (summary, message) = match summary.into() {
            Text::Plain(s) => (s, None),
            Text::Msg(m) => (String::new(), Some(m)),
        };
        CheckResult {
            status,
            code: code.into(),
            summary,
            message,
            summary_l10n: BTreeMap::new(),
            detail: None,
            detail_message: None,
            detail_l10n: BTreeMap::new(),
            evidence: Vec::new(),
            metrics: BTreeMap::new(),
            observations: Vec::new(),
            fix: None,
            fix_l10n: BTreeMap::new(),
        }
    }
    /// A `pass` result.
    pub fn pass(code: impl Into<String>, summary: impl Into<Text>) -> Self {
        Self::new(Status::Pass, code, summary)
    }
    /// A `warn` result.
    pub fn warn(code: impl Into<String>, summary: impl Into<Text>) -> Self {
        Self::new(Status::Warn, code, summary)
    }
    /// A `fail` result.
    pub fn fail(code: impl Into<String>, summary: impl Into<Text>) -> Self {
        Self::new(Status::Fail, code, summary)
    }
    /// A `skip` result.
    pub fn skip(code: impl Into<String>, summary: impl Into<Text>) -> Self {
        Self::new(Status::Skip, code, summary)
    }
    /// An `error` result.
    pub fn error(code: impl Into<String>, summary: impl Into<Text>) -> Self {
        Self::new(Status::Error, code, summary)
    }
    /// Adds a line of evidence.
    pub fn evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }
    /// Adds an observation for the diagnosis.
    pub fn observe(mut self, observation: Observation) -> Self {
        self.observations.push(observation);
        self
    }
    /// Adds a metric.
    pub fn metric(mut self, name: impl Into<String>, value: f64) -> Self {
        self.metrics.insert(name.into(), value);
        self
    }
    /// Sets the detail text (a [`Msg`] is rendered as the summary is).
    pub fn detail(mut self, detail: impl Into<Text>) -> Self {
        match detail.into() {
            Text::Plain(s) => {
                self.detail = Some(s);
                self.detail_message = None;
            }
            Text::Msg(m) => {
                self.detail = None;
                self.detail_message = Some(m);
            }
        }
        self
    }

    /// Renders the summary and detail messages in every locale of `catalogs` and sets
    /// `summary` and `detail` to the `locale` ones. Plain texts are left as they are.
    pub fn localize(mut self, catalogs: &Catalogs, locale: Locale) -> Self {
        if let Some(m) = &self.message {
            for l in Locale::ALL {
                self.summary_l10n
                    .insert(l.tag().to_string(), catalogs.render(l, m));
            }
            self.summary = catalogs.render(locale, m);
        }
        if let Some(m) = &self.detail_message {
            for l in Locale::ALL {
                self.detail_l10n
                    .insert(l.tag().to_string(), catalogs.render(l, m));
            }
            self.detail = Some(catalogs.render(locale, m));
        }
        // A plugin's default advice for this outcome: `fix.<code>` in its catalogs.
        let fix_id = format!("fix.{}", self.code);
        if self.fix.is_none() && catalogs.en.get(&fix_id).is_some() {
            let m = Msg::new(fix_id);
            for l in Locale::ALL {
                self.fix_l10n
                    .insert(l.tag().to_string(), catalogs.render(l, &m));
            }
            self.fix = Some(catalogs.render(locale, &m));
        }
        self
    }
}
