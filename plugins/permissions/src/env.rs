//! `permissions/env`: an environment variable or the system proxy setting is present or has the
//! expected value — a corporate proxy in `HTTPS_PROXY`, the intranet suffix in `NO_PROXY`.
//! Credentials in any proxy-like value (`user:pass@host:port` with or without a scheme, in
//! lists and Windows' `http=…;https=…` form) never reach the report — summary, evidence,
//! expected value or looked-for part — and `secret = true` hides a value.

use readycheck_sdk::i18n::{Arg, Msg};
use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Where the setting is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// An environment variable (default).
    #[default]
    Env,
    /// The system proxy setting (Windows: Internet Settings); `name` is `server`, `bypass` or
    /// `enabled`.
    SystemProxy,
}

/// Parameters of `permissions/env`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvParams {
    /// The variable, e.g. "HTTPS_PROXY"; for `source = "system_proxy"`: server, bypass or enabled.
    pub name: String,
    /// Where to read it (default: the environment).
    #[serde(default)]
    pub source: Source,
    /// `true` (default): must be set (and non-empty); `false`: must not be set.
    #[serde(default = "yes")]
    pub present: bool,
    /// Must equal this exactly.
    #[serde(default)]
    pub equals: Option<String>,
    /// Must contain this, e.g. ".corp.example" in NO_PROXY.
    #[serde(default)]
    pub contains: Option<String>,
    /// Never show the value in the report.
    #[serde(default)]
    pub secret: bool,
}

fn yes() -> bool {
    true
}

/// The `permissions/env` kind.
pub struct Env;

impl Kind for Env {
    const NAME: &'static str = "env";
    const TITLE: &'static str = "An environment variable or proxy setting";
    const DESCRIPTION: &'static str = "Checks that an environment variable (or, on Windows, the system proxy setting) is set, \
         equals or contains what IT expects — for example the corporate proxy in HTTPS_PROXY and \
         the intranet suffix in NO_PROXY. Passwords in proxy URLs are never shown.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"no-proxy\"\nplugin = \"permissions\"\nkind = \"env\"\ntitle = \"Intranet bypasses the proxy\"\nname = \"NO_PROXY\"\ncontains = \".corp.example\"\n";
    type Params = EnvParams;

    fn run(p: &EnvParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

/// Hides credentials in every proxy-like part of a value: `scheme://user:pass@host`,
/// `user:pass@host:port` without a scheme, `socks5h://user@host`, and each entry of lists
/// (`,` `;` or spaces) and of Windows' `http=…;https=…` form.
pub fn redact(value: &str) -> String {
    readycheck_sdk::redact::credentials(value)
}

/// Reads the setting; `Err` when this OS cannot answer.
fn read(p: &EnvParams) -> Result<(Option<String>, String), Msg> {
    match p.source {
        Source::Env => Ok((
            std::env::var(&p.name).ok(),
            format!("environment variable {}", p.name),
        )),
        Source::SystemProxy => system_proxy(&p.name),
    }
}

#[cfg(windows)]
fn system_proxy(name: &str) -> Result<(Option<String>, String), Msg> {
    use windows_sys::Win32::System::Registry::{
        HKEY_CURRENT_USER, RRF_RT_REG_DWORD, RRF_RT_REG_SZ, RegGetValueW,
    };
    const KEY: &str = "Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings";
    let value = match name {
        "server" => "ProxyServer",
        "bypass" => "ProxyOverride",
        "enabled" => "ProxyEnable",
        other => {
            return Err(t!("env.proxy_unknown_name", name = other));
        }
    };
    let wide = |s: &str| {
        s.encode_utf16()
            .chain(std::iter::once(0))
            .collect::<Vec<u16>>()
    };
    let (key, val) = (wide(KEY), wide(value));
    let where_ = format!("HKCU\\{KEY}\\{value}");
    // SAFETY: sized registry reads into buffers we own.
    unsafe {
        if value == "ProxyEnable" {
            let mut data = 0u32;
            let mut len = 4u32;
            let rc = RegGetValueW(
                HKEY_CURRENT_USER,
                key.as_ptr(),
                val.as_ptr(),
                RRF_RT_REG_DWORD,
                std::ptr::null_mut(),
                (&mut data as *mut u32).cast(),
                &mut len,
            );
            return Ok(((rc == 0).then(|| data.to_string()), where_));
        }
        let mut len = 0u32;
        if RegGetValueW(
            HKEY_CURRENT_USER,
            key.as_ptr(),
            val.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut len,
        ) != 0
        {
            return Ok((None, where_));
        }
        let mut buf = vec![0u16; (len as usize).div_ceil(2)];
        if RegGetValueW(
            HKEY_CURRENT_USER,
            key.as_ptr(),
            val.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            buf.as_mut_ptr().cast(),
            &mut len,
        ) != 0
        {
            return Ok((None, where_));
        }
        let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
        Ok((Some(String::from_utf16_lossy(&buf[..end])), where_))
    }
}

#[cfg(not(windows))]
fn system_proxy(_name: &str) -> Result<(Option<String>, String), Msg> {
    Err(t!("env.proxy_elsewhere"))
}

pub fn evaluate(p: &EnvParams, value: Option<&str>, where_: &str) -> CheckResult {
    let value = value.filter(|v| !v.is_empty());
    let shown = |v: &str| {
        if p.secret {
            Arg::from(t!("env.hidden", count = v.chars().count()))
        } else {
            Arg::from(format!("\"{}\"", redact(v)))
        }
    };
    let evidence = match value {
        Some(v) if p.secret => format!(
            "{where_} = {}",
            crate::en(&t!("env.hidden", count = v.chars().count()))
        ),
        Some(v) => format!("{where_} = \"{}\"", redact(v)),
        None => format!("{where_} is not set"),
    };
    let n = &p.name;
    let r = match (p.present, value) {
        (false, None) => CheckResult::pass("permissions.env.absent", t!("env.absent", name = n)),
        (false, Some(_)) => {
            CheckResult::fail("permissions.env.unexpected", t!("env.unexpected", name = n))
        }
        (true, None) => CheckResult::fail("permissions.env.missing", t!("env.missing", name = n)),
        (true, Some(v)) => {
            if let Some(e) = p.equals.as_ref().filter(|e| e.as_str() != v) {
                let expected = if p.secret {
                    Arg::from(t!("env.expected_hidden"))
                } else {
                    Arg::from(format!("\"{}\"", redact(e)))
                };
                CheckResult::fail(
                    "permissions.env.wrong_value",
                    t!(
                        "env.wrong_value",
                        name = n,
                        value = shown(v),
                        expected = expected
                    ),
                )
            } else if let Some(c) = p.contains.as_ref().filter(|c| !v.contains(c.as_str())) {
                let part = if p.secret {
                    Arg::from(t!("env.expected_hidden"))
                } else {
                    Arg::from(redact(c))
                };
                CheckResult::fail(
                    "permissions.env.wrong_value",
                    t!("env.lacks", name = n, part = part, value = shown(v)),
                )
            } else {
                CheckResult::pass(
                    "permissions.env.ok",
                    t!("env.ok", name = n, value = shown(v)),
                )
            }
        }
    };
    r.evidence(evidence)
}

pub fn run(p: &EnvParams) -> CheckResult {
    match read(p) {
        Ok((value, where_)) => evaluate(p, value.as_deref(), &where_),
        Err(reason) => CheckResult::skip("permissions.env.unsupported", reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    fn params(name: &str) -> EnvParams {
        EnvParams {
            name: name.into(),
            source: Source::Env,
            present: true,
            equals: None,
            contains: None,
            secret: false,
        }
    }

    #[test]
    fn credentials_in_proxy_urls_are_redacted() {
        assert_eq!(
            redact("http://alice:s3cret@proxy.corp:8080"),
            "http://***@proxy.corp:8080"
        );
        assert_eq!(redact("proxy.corp:8080"), "proxy.corp:8080");
        let cases = [
            ("alice:s3cret@proxy.corp:8080", "***@proxy.corp:8080"),
            (
                "socks5h://bob:pw@10.0.0.1:1080",
                "socks5h://***@10.0.0.1:1080",
            ),
            ("http://tok@proxy:3128", "http://***@proxy:3128"),
            (
                "http=u:p@p1:80;https=u:p@p2:443",
                "http=***@p1:80;https=***@p2:443",
            ),
            ("localhost, a:b@x:1", "localhost, ***@x:1"),
            ("http://proxy:3128/path@x", "http://proxy:3128/path@x"),
            ("alice@corp.example", "alice@corp.example"),
            ("http://user:p@ss@proxy:8080", "http://***@proxy:8080"),
        ];
        for (v, want) in cases {
            assert_eq!(redact(v), want, "{v}");
        }
        // Everywhere: the summary, the evidence, the expected value and the looked-for part.
        let mut p = params("HTTPS_PROXY");
        p.equals = Some("carol:hunter2@proxy:8080".into());
        let r = evaluate(
            &p,
            Some("alice:s3cret@proxy:8080"),
            "environment variable HTTPS_PROXY",
        );
        let all = format!("{r:?}");
        assert!(!all.contains("s3cret") && !all.contains("hunter2"), "{all}");
        let mut p = params("HTTPS_PROXY");
        p.contains = Some("dave:pw123@".into());
        let r = evaluate(&p, Some("x"), "x");
        assert!(!format!("{r:?}").contains("pw123"), "{r:?}");
        let r = evaluate(
            &params("HTTPS_PROXY"),
            Some("http://alice:s3cret@proxy.corp:8080"),
            "environment variable HTTPS_PROXY",
        );
        assert!(!format!("{r:?}").contains("s3cret"));
        assert_eq!(r.status, Status::Pass);
    }

    #[test]
    fn value_rules_table() {
        let mut no_proxy = params("NO_PROXY");
        no_proxy.contains = Some(".corp.example".into());
        assert_eq!(
            evaluate(&no_proxy, Some("localhost,.corp.example"), "x").status,
            Status::Pass
        );
        assert_eq!(
            evaluate(&no_proxy, Some("localhost"), "x").code,
            "permissions.env.wrong_value"
        );
        assert_eq!(
            evaluate(&no_proxy, None, "x").code,
            "permissions.env.missing"
        );
        assert_eq!(
            evaluate(&no_proxy, Some(""), "x").code,
            "permissions.env.missing"
        );
        let mut absent = params("DEBUG");
        absent.present = false;
        assert_eq!(evaluate(&absent, None, "x").status, Status::Pass);
        assert_eq!(evaluate(&absent, Some("1"), "x").status, Status::Fail);
        let mut secret = params("TOKEN");
        secret.secret = true;
        secret.equals = Some("abc".into());
        let r = evaluate(&secret, Some("xyz"), "x");
        assert!(
            !format!("{r:?}").contains("xyz") && !format!("{r:?}").contains("abc"),
            "{r:?}"
        );
    }

    #[test]
    fn the_real_environment_is_read() {
        let r = run(&params("PATH"));
        assert_eq!(r.status, Status::Pass);
    }
}
