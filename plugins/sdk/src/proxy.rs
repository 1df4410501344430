//! The Windows Internet Options proxy in its per-protocol form (`http=h:80;https=h:443;…`, what
//! Windows writes when "Use the same proxy server for all protocols" is off), which reqwest's
//! `system-proxy` support does not read: hyper-util's `Matcher::from_system` takes `ProxyServer`
//! as one proxy URL and gives up on this form (hyperium/hyper#4067). The host's report delivery
//! and the network plugin's `http` check set these proxies on their reqwest clients themselves;
//! the single form (`host:port`) is left to reqwest.

/// The proxies for plain and TLS destinations, as URLs reqwest takes, and the hosts that go
/// direct as a `NO_PROXY` list — the environment's where it sets them, else Internet Options'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerProtocol {
    /// The proxy for `http://` URLs.
    pub http: Option<String>,
    /// The proxy for `https://` URLs (reached over plain HTTP, tunnelled with CONNECT).
    pub https: Option<String>,
    /// Hosts that go direct, comma-separated in `NO_PROXY` syntax.
    pub no_proxy: String,
}

/// `ProxyServer` in the per-protocol form and `ProxyOverride`, merged with the environment as
/// reqwest would merge the single form: `HTTP_PROXY`/`HTTPS_PROXY` win over the registry, the
/// registry over `ALL_PROXY`, `NO_PROXY` over `ProxyOverride`. `None` for the single form (reqwest
/// reads that itself) or when the value names neither an HTTP nor an HTTPS proxy.
pub fn per_protocol(
    server: &str,
    overrides: &str,
    env: impl Fn(&str) -> Option<String>,
) -> Option<PerProtocol> {
    let server = server.trim();
    if !server.contains('=') {
        return None;
    }
    let entry = |proto: &str| {
        server.split(';').find_map(|part| {
            let (k, v) = part.split_once('=')?;
            let v = v.trim();
            (k.trim().eq_ignore_ascii_case(proto) && !v.is_empty()).then(|| {
                if v.contains("://") {
                    v.to_string()
                } else {
                    format!("http://{v}")
                }
            })
        })
    };
    let (http, https) = (entry("http"), entry("https"));
    if http.is_none() && https.is_none() {
        return None;
    }
    let first = |names: &[&str]| names.iter().find_map(|n| env(n).filter(|v| !v.is_empty()));
    let all = first(&["ALL_PROXY", "all_proxy"]);
    Some(PerProtocol {
        http: first(&["HTTP_PROXY", "http_proxy"])
            .or(http)
            .or_else(|| all.clone()),
        https: first(&["HTTPS_PROXY", "https_proxy"]).or(https).or(all),
        no_proxy: first(&["NO_PROXY", "no_proxy"]).unwrap_or_else(|| no_proxy_list(overrides)),
    })
}

/// `ProxyOverride` (`*.corp.example;10.*;<local>`) as a `NO_PROXY` list (`corp.example,
/// 10.0.0.0/8`): a `*.` prefix covers the domain and its subdomains, trailing IPv4 wildcards
/// become a network, `<local>` (names without a dot) has no `NO_PROXY` form and is left out.
pub fn no_proxy_list(overrides: &str) -> String {
    overrides
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("<local>"))
        .map(|e| {
            let parts: Vec<&str> = e.split('.').collect();
            let stars = parts.iter().rev().take_while(|p| **p == "*").count();
            let fixed = &parts[..parts.len() - stars];
            let octets: Option<Vec<u8>> = fixed.iter().map(|p| p.parse().ok()).collect();
            match octets {
                Some(o) if stars > 0 && !o.is_empty() && parts.len() <= 4 => {
                    let mut net = [0u8; 4];
                    net[..o.len()].copy_from_slice(&o);
                    format!(
                        "{}.{}.{}.{}/{}",
                        net[0],
                        net[1],
                        net[2],
                        net[3],
                        o.len() * 8
                    )
                }
                _ => e.strip_prefix("*.").unwrap_or(e).to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The current user's Internet Options, when the manual proxy is on and set per protocol.
#[cfg(windows)]
pub fn windows() -> Option<PerProtocol> {
    let key = windows_registry::CURRENT_USER
        .open(r"Software\Microsoft\Windows\CurrentVersion\Internet Settings")
        .ok()?;
    if key.get_u32("ProxyEnable").unwrap_or(0) == 0 {
        return None;
    }
    per_protocol(
        &key.get_string("ProxyServer").ok()?,
        &key.get_string("ProxyOverride").unwrap_or_default(),
        |name| std::env::var(name).ok(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_per_protocol_form_and_the_environment() {
        let none = |_: &str| None;
        assert_eq!(per_protocol("proxy:8080", "", none), None, "reqwest's own");
        assert_eq!(per_protocol("ftp=p:21", "", none), None);
        assert_eq!(
            per_protocol(
                "http=p1:80;https=p2:443;ftp=p3:21",
                "*.corp.example; 10.*;192.168.1.*;<local>;intranet",
                none
            ),
            Some(PerProtocol {
                http: Some("http://p1:80".into()),
                https: Some("http://p2:443".into()),
                no_proxy: "corp.example,10.0.0.0/8,192.168.1.0/24,intranet".into(),
            })
        );
        let env = |name: &str| match name {
            "HTTPS_PROXY" => Some("http://envproxy:3128".into()),
            "ALL_PROXY" => Some("http://all:1".into()),
            "no_proxy" => Some("example.org".into()),
            _ => None,
        };
        assert_eq!(
            per_protocol("http=p1:80", "*.corp.example", env),
            Some(PerProtocol {
                http: Some("http://p1:80".into()),
                https: Some("http://envproxy:3128".into()),
                no_proxy: "example.org".into(),
            })
        );
    }
}
