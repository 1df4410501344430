//! The proxy report delivery goes through: `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` with
//! `NO_PROXY` first (everywhere), else the system's settings — Windows Internet Options
//! (`HKCU\…\Internet Settings`: `ProxyEnable`, `ProxyServer`, `ProxyOverride`) and macOS
//! network settings (`scutil --proxy`). A PAC script (`AutoConfigURL`, `ProxyAutoConfigURLString`)
//! cannot be evaluated here: it is reported by [`pac_script`] and never taken for a proxy that
//! was honoured. The network plugin's `http` and `quality` checks use reqwest's own
//! system-proxy support, which reads the same settings.

/// The OS's proxy settings, as far as readycheck reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemSettings {
    /// `host:port` of the proxy for HTTPS (or for every protocol).
    pub server: Option<String>,
    /// Hosts that go direct (`*.corp.example`, `<local>` dropped).
    pub bypass: Vec<String>,
    /// The URL of a PAC script, when one is configured.
    pub pac: Option<String>,
}

/// The proxy for delivery: the environment's, else the system's; `None` to connect directly.
pub fn for_delivery() -> Option<ureq::Proxy> {
    if let Some(p) = ureq::Proxy::try_from_env() {
        return Some(p);
    }
    let s = system_settings();
    let server = s.server?;
    let url = if server.contains("://") {
        server
    } else {
        format!("http://{server}")
    };
    let base = ureq::Proxy::new(&url).ok()?;
    let mut b = ureq::Proxy::builder(base.protocol())
        .host(base.host())
        .port(base.port());
    for host in &s.bypass {
        b = b.no_proxy(host);
    }
    b.build().ok()
}

/// The PAC script the system is configured with, if any: said in the evidence, not evaluated.
pub fn pac_script() -> Option<String> {
    system_settings().pac
}

/// `ProxyServer` as Windows writes it: one `host:port` for everything, or per protocol
/// (`http=h:80;https=h:443`), of which the HTTPS one is taken, else the HTTP one.
pub fn windows_server(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if !value.contains('=') {
        return Some(value.to_string());
    }
    let entry = |proto: &str| {
        value.split(';').find_map(|part| {
            let (k, v) = part.split_once('=')?;
            (k.trim().eq_ignore_ascii_case(proto) && !v.trim().is_empty())
                .then(|| v.trim().to_string())
        })
    };
    entry("https").or_else(|| entry("http"))
}

/// `ProxyOverride` (`*.corp.example;10.*;<local>`) as host patterns.
pub fn windows_bypass(value: &str) -> Vec<String> {
    value
        .split(';')
        .map(str::trim)
        .filter(|h| !h.is_empty() && *h != "<local>")
        .map(String::from)
        .collect()
}

#[cfg(windows)]
pub fn system_settings() -> SystemSettings {
    let Ok(key) = windows_registry::CURRENT_USER
        .open(r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")
    else {
        return SystemSettings::default();
    };
    let enabled = key.get_u32("ProxyEnable").unwrap_or(0) != 0;
    SystemSettings {
        server: enabled
            .then(|| key.get_string("ProxyServer").ok())
            .flatten()
            .and_then(|v| windows_server(&v)),
        bypass: key
            .get_string("ProxyOverride")
            .map(|v| windows_bypass(&v))
            .unwrap_or_default(),
        pac: key
            .get_string("AutoConfigURL")
            .ok()
            .filter(|v| !v.trim().is_empty()),
    }
}

#[cfg(target_os = "macos")]
pub fn system_settings() -> SystemSettings {
    let Ok(out) = std::process::Command::new("scutil").arg("--proxy").output() else {
        return SystemSettings::default();
    };
    parse_scutil(&String::from_utf8_lossy(&out.stdout))
}

#[cfg(not(any(windows, target_os = "macos")))]
pub fn system_settings() -> SystemSettings {
    SystemSettings::default()
}

/// `scutil --proxy`'s dictionary: `HTTPSEnable : 1`, `HTTPSProxy : h`, `HTTPSPort : 8080`,
/// `ExceptionsList : <array> { 0 : *.local }`, `ProxyAutoConfigEnable`/`URLString`.
#[cfg_attr(not(target_os = "macos"), allow(dead_code))]
pub fn parse_scutil(text: &str) -> SystemSettings {
    let mut map = std::collections::HashMap::new();
    let mut bypass = Vec::new();
    let mut in_exceptions = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with("ExceptionsList") {
            in_exceptions = true;
            continue;
        }
        if in_exceptions {
            if line == "}" {
                in_exceptions = false;
            } else if let Some((_, v)) = line.split_once(" : ") {
                bypass.push(v.trim().to_string());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(" : ") {
            map.insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    let on = |k: &str| map.get(k).is_some_and(|v| v == "1");
    let server = ["HTTPS", "HTTP"].iter().find_map(|p| {
        on(&format!("{p}Enable")).then(|| {
            let host = map.get(&format!("{p}Proxy"))?;
            Some(match map.get(&format!("{p}Port")) {
                Some(port) => format!("{host}:{port}"),
                None => host.clone(),
            })
        })?
    });
    SystemSettings {
        server,
        bypass,
        pac: on("ProxyAutoConfigEnable")
            .then(|| map.get("ProxyAutoConfigURLString").cloned())
            .flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_proxy_server_forms() {
        assert_eq!(windows_server("proxy:8080").as_deref(), Some("proxy:8080"));
        assert_eq!(
            windows_server("http=p1:80;https=p2:443;ftp=p3:21").as_deref(),
            Some("p2:443")
        );
        assert_eq!(windows_server("http=p1:80").as_deref(), Some("p1:80"));
        assert_eq!(windows_server(""), None);
        assert_eq!(
            windows_bypass("*.corp.example; 10.*;<local>"),
            ["*.corp.example", "10.*"]
        );
    }

    #[test]
    fn macos_scutil_output() {
        let s = parse_scutil(
            "<dictionary> {\n  ExceptionsList : <array> {\n    0 : *.local\n    1 : 169.254/16\n  }\n  HTTPEnable : 0\n  HTTPSEnable : 1\n  HTTPSPort : 3128\n  HTTPSProxy : proxy.corp.example\n  ProxyAutoConfigEnable : 1\n  ProxyAutoConfigURLString : http://wpad/wpad.dat\n}\n",
        );
        assert_eq!(s.server.as_deref(), Some("proxy.corp.example:3128"));
        assert_eq!(s.bypass, ["*.local", "169.254/16"]);
        assert_eq!(s.pac.as_deref(), Some("http://wpad/wpad.dat"));
    }
}
