//! `network/tcp`: connect to host:port. Refused, timed out, unreachable and DNS failure are
//! different problems with different owners, and each gets its own code and summary.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use readycheck_sdk::{CheckResult, KindManifest};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::millis;
use crate::resolve::{ResolveError, resolve, split_target};

/// Parameters of `network/tcp`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TcpParams {
    /// "host:port" to connect to, e.g. "vpn.corp.example:443".
    pub target: String,
    /// Warn when connecting takes longer than this many milliseconds.
    #[serde(default)]
    pub warn_connect_ms: Option<u64>,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<TcpParams>(
        "tcp",
        "Connect to host:port",
        "Resolves the host and opens a TCP connection, then closes it. Tells apart: the name does \
         not resolve (DNS), the connection is refused (the host answers, the service does not), \
         no answer (host down or traffic dropped by a firewall), and no route (this PC's network).",
        "[[check]]\nid = \"vpn-gateway\"\nplugin = \"network\"\nkind = \"tcp\"\ntitle = \"Head-office VPN gateway\"\ntarget = \"vpn.corp.example:443\"\nfix = \"The VPN gateway is unreachable from your network. Call the helpdesk.\"\n",
    )
}

pub fn run(p: &TcpParams, timeout: Duration) -> CheckResult {
    let (host, port) = match split_target(&p.target) {
        Ok(hp) => hp,
        Err(e) => return CheckResult::error("network.tcp.bad_target", e),
    };
    let deadline = Instant::now() + timeout;
    let (resolved, dns_took) = resolve(&host, port, timeout);
    let dns_ms = millis(dns_took);
    let addrs = match resolved {
        Ok(a) => a,
        Err(ResolveError::Failed(e)) => {
            return CheckResult::fail(
                "network.tcp.dns_failed",
                format!("cannot resolve {host}: {e} — your DNS or internet connection is not working, or the name is wrong"),
            )
            .evidence(format!("asked the system resolver for {host}: {e}"))
            .metric("dns_ms", dns_ms);
        }
        Err(ResolveError::TimedOut(t)) => {
            return CheckResult::fail(
                "network.tcp.dns_timed_out",
                format!(
                    "no DNS answer for {host} within {} ms — check your internet connection",
                    t.as_millis()
                ),
            )
            .evidence(format!("asked the system resolver for {host}: no answer"))
            .metric("dns_ms", dns_ms);
        }
    };
    let mut evidence = Vec::new();
    if host.parse::<std::net::IpAddr>().is_err() {
        let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
        evidence.push(format!("resolved {host} → {}", list.join(", ")));
    }
    let mut last_err = None;
    for addr in &addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        let t0 = Instant::now();
        match TcpStream::connect_timeout(addr, left) {
            Ok(stream) => {
                let connect_ms = millis(t0.elapsed());
                drop(stream);
                evidence.push(format!("connected to {addr} in {connect_ms:.1} ms"));
                let mut r = if p.warn_connect_ms.is_some_and(|w| connect_ms > w as f64) {
                    CheckResult::warn(
                        "network.tcp.slow",
                        format!(
                            "{} answers, but slowly: {connect_ms:.0} ms to connect",
                            p.target
                        ),
                    )
                } else {
                    CheckResult::pass(
                        "network.tcp.ok",
                        format!("{} accepts connections ({connect_ms:.0} ms)", p.target),
                    )
                };
                r.evidence = evidence;
                return r.metric("dns_ms", dns_ms).metric("connect_ms", connect_ms);
            }
            Err(e) => {
                evidence.push(format!("connecting to {addr}: {e}"));
                last_err = Some((addr.to_string(), e, t0.elapsed()));
            }
        }
    }
    let (addr, e, took) = match last_err {
        Some(x) => x,
        None => {
            let mut r = CheckResult::fail(
                "network.tcp.timed_out",
                format!(
                    "no answer from {} within {} ms",
                    p.target,
                    timeout.as_millis()
                ),
            );
            r.evidence = evidence;
            return r.metric("dns_ms", dns_ms);
        }
    };
    let (code, summary) = match e.kind() {
        ErrorKind::ConnectionRefused => (
            "network.tcp.refused",
            format!(
                "{} refused the connection ({addr}): the host is reachable but nothing accepts connections on port {port} — the service is down or blocked on its side",
                p.target
            ),
        ),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => (
            "network.tcp.timed_out",
            format!(
                "no answer from {} within {} ms: the host is down or a firewall drops the traffic",
                p.target,
                timeout.as_millis()
            ),
        ),
        ErrorKind::NetworkUnreachable
        | ErrorKind::HostUnreachable
        | ErrorKind::AddrNotAvailable => (
            "network.tcp.unreachable",
            format!(
                "this PC has no route to {} ({addr}): check your network connection or VPN",
                p.target
            ),
        ),
        _ => (
            "network.tcp.failed",
            format!("cannot connect to {} ({addr}): {e}", p.target),
        ),
    };
    let mut r = CheckResult::fail(code, summary);
    r.evidence = evidence;
    r.metric("dns_ms", dns_ms)
        .metric("connect_ms", millis(took))
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    #[test]
    fn open_port_passes_and_closed_port_is_refused() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let ok = run(
            &TcpParams {
                target: format!("127.0.0.1:{port}"),
                warn_connect_ms: None,
            },
            Duration::from_secs(2),
        );
        assert_eq!(ok.status, Status::Pass, "{ok:?}");
        assert!(ok.metrics.contains_key("connect_ms"));
        drop(listener);
        let refused = run(
            &TcpParams {
                target: format!("127.0.0.1:{port}"),
                warn_connect_ms: None,
            },
            Duration::from_secs(2),
        );
        assert_eq!(refused.code, "network.tcp.refused", "{refused:?}");
    }

    #[test]
    fn a_target_without_port_is_an_error_not_a_failure() {
        let r = run(
            &TcpParams {
                target: "example".into(),
                warn_connect_ms: None,
            },
            Duration::from_secs(1),
        );
        assert_eq!(r.status, Status::Error);
    }
}
