//! `network/tcp`: connect to host:port. Refused, timed out, unreachable and DNS failure are
//! different problems with different owners, and each gets its own code and summary.

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use readycheck_sdk::{
    Arg, CheckRequest, CheckResult, DnsOutcome, Kind, Msg, Observation, ReachOutcome, t,
};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::probe::millis;
use crate::resolve::{LookupFailure, lookup, split_target};

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

/// The `network/tcp` kind.
pub struct Tcp;

impl Kind for Tcp {
    const NAME: &'static str = "tcp";
    const TITLE: &'static str = "Connect to host:port";
    const DESCRIPTION: &'static str = "Resolves the host and opens a TCP connection, then closes it. Tells apart: the name does \
         not resolve (DNS), the connection is refused (the host answers, the service does not), \
         no answer (host down or traffic dropped by a firewall), and no route (this PC's network).";
    const EXAMPLE: &'static str = "[[check]]\nid = \"vpn-gateway\"\nplugin = \"network\"\nkind = \"tcp\"\ntitle = \"Head-office VPN gateway\"\ntarget = \"vpn.corp.example:443\"\nfix = \"The VPN gateway is unreachable from your network. Call the helpdesk.\"\n";
    type Params = TcpParams;

    fn run(p: &TcpParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// What one connection attempt found.
#[derive(Debug)]
pub struct Probe {
    pub dns_ms: Option<f64>,
    pub evidence: Vec<String>,
    pub outcome: Result<f64, Failure>,
    /// The address connected to (or the last one tried).
    pub address: Option<SocketAddr>,
    /// What the name lookup found (`dns_answer`, `resolver`).
    pub observations: Vec<Observation>,
}

/// Why a connection attempt failed: a stable code suffix and a plain-words reason.
#[derive(Debug, Clone)]
pub struct Failure {
    pub code: &'static str,
    pub reason: Msg,
    pub connect_ms: Option<f64>,
    pub reach: ReachOutcome,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            dns_ms: None,
            evidence: Vec::new(),
            outcome: Ok(0.0),
            address: None,
            observations: Vec::new(),
        }
    }

    /// A `reach` observation for this attempt (`slow` when it answered over the limit).
    pub fn reach(&self, target: &str, slow: bool) -> Observation {
        let (outcome, ms) = match &self.outcome {
            Ok(ms) if slow => (ReachOutcome::Slow, Some(*ms)),
            Ok(ms) => (ReachOutcome::Ok, Some(*ms)),
            Err(f) => (f.reach, f.connect_ms),
        };
        Observation::Reach {
            target: target.to_string(),
            address: self.address.map(|a| a.to_string()),
            outcome,
            site: None,
            region: None,
            attempts: 1,
            failures: u32::from(!outcome.is_ok()),
            ms,
            via_proxy: false,
        }
    }
}

/// Resolves and connects to `target` within `timeout`.
pub fn probe(target: &str, timeout: Duration) -> Probe {
    connect(target, timeout).0
}

/// A failure to resolve, as a connection failure.
pub fn dns_failure(host: &str, f: &LookupFailure) -> Failure {
    let code = if f.timed_out && matches!(f.outcome, DnsOutcome::NoAnswer | DnsOutcome::Failed) {
        "dns_timed_out"
    } else {
        "dns_failed"
    };
    Failure {
        code,
        reason: t!("tcp.dns_failed", host = host, why = f.why.clone()),
        connect_ms: None,
        reach: ReachOutcome::DnsFailed,
    }
}

/// Resolves and connects; on success also returns the open connection (for TLS and the like).
pub fn connect(target: &str, timeout: Duration) -> (Probe, Option<TcpStream>) {
    let mut probe = Probe::new();
    let (host, port) = match split_target(target) {
        Ok(hp) => hp,
        Err(e) => {
            probe.outcome = Err(Failure {
                code: "bad_target",
                reason: t!("tcp.bad_target", error = e),
                connect_ms: None,
                reach: ReachOutcome::Unreachable,
            });
            return (probe, None);
        }
    };
    let deadline = Instant::now() + timeout;
    let found = lookup(&host, port, deadline);
    let is_literal = host.parse::<std::net::IpAddr>().is_ok();
    if !is_literal {
        probe.dns_ms = Some(millis(found.took));
    }
    probe.evidence = found.evidence;
    probe.observations = found.observations;
    let addrs = match found.result {
        Ok(a) => a,
        Err(f) => {
            probe.outcome = Err(dns_failure(&host, &f));
            return (probe, None);
        }
    };
    let (connected, stream) = connect_to(&addrs, target, !is_literal, deadline, timeout);
    probe.evidence.extend(connected.evidence);
    probe.outcome = connected.outcome;
    probe.address = connected.address;
    (probe, stream)
}

/// Connects to the first of `addrs` that accepts by `deadline` (`target` names them in
/// messages; `named` when it is a name rather than an address; `timeout` is the check's time,
/// for messages).
pub fn connect_to(
    addrs: &[SocketAddr],
    target: &str,
    named: bool,
    deadline: Instant,
    timeout: Duration,
) -> (Probe, Option<TcpStream>) {
    let mut probe = Probe::new();
    let port = addrs.first().map(|a| a.port()).unwrap_or(0);
    let mut last_err = None;
    for (k, addr) in addrs.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // What is left is shared with the addresses still to try, so a silent first address
        // (an IPv6 route that goes nowhere, say) cannot use up the time of the one that works.
        let share = left / (addrs.len() - k) as u32;
        probe.address = Some(*addr);
        let t0 = Instant::now();
        match TcpStream::connect_timeout(addr, share) {
            Ok(stream) => {
                let connect_ms = millis(t0.elapsed());
                probe
                    .evidence
                    .push(format!("connected to {addr} in {connect_ms:.1} ms"));
                probe.outcome = Ok(connect_ms);
                return (probe, Some(stream));
            }
            Err(e) => {
                probe.evidence.push(format!("connecting to {addr}: {e}"));
                last_err = Some((addr.to_string(), e, t0.elapsed()));
            }
        }
    }
    let timeout_ms = Arg::ms(millis(timeout));
    let Some((addr, e, took)) = last_err else {
        probe.outcome = Err(Failure {
            code: "timed_out",
            reason: t!("tcp.no_answer", target = target, ms = timeout_ms),
            connect_ms: None,
            reach: ReachOutcome::TimedOut,
        });
        return (probe, None);
    };
    // Name the address only when the target was a name.
    let at = if named { addr.clone() } else { String::new() };
    let (code, reach, reason) = match e.kind() {
        ErrorKind::ConnectionRefused => (
            "refused",
            ReachOutcome::Refused,
            t!(
                "tcp.refused",
                target = target,
                at = at_msg(&at),
                port = port
            ),
        ),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => (
            "timed_out",
            ReachOutcome::TimedOut,
            t!("tcp.timed_out", target = target, ms = timeout_ms),
        ),
        ErrorKind::NetworkUnreachable
        | ErrorKind::HostUnreachable
        | ErrorKind::AddrNotAvailable => (
            "unreachable",
            ReachOutcome::Unreachable,
            t!("tcp.unreachable", target = target, at = at_msg(&at)),
        ),
        kind => (
            "failed",
            if matches!(
                kind,
                ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
            ) {
                ReachOutcome::Reset
            } else {
                ReachOutcome::Unreachable
            },
            t!(
                "tcp.failed",
                target = target,
                at = at_msg(&at),
                error = e.to_string()
            ),
        ),
    };
    probe.outcome = Err(Failure {
        code,
        reason,
        connect_ms: Some(millis(took)),
        reach,
    });
    (probe, None)
}

/// " (203.0.113.7)" after a name, nothing after an address.
fn at_msg(addr: &str) -> Msg {
    if addr.is_empty() {
        t!("tcp.at_none")
    } else {
        t!("tcp.at", addr = addr)
    }
}

pub fn run(p: &TcpParams, timeout: Duration) -> CheckResult {
    let probe = probe(&p.target, timeout);
    let slow =
        matches!(&probe.outcome, Ok(ms) if p.warn_connect_ms.is_some_and(|w| *ms > w as f64));
    let mut r = match &probe.outcome {
        Ok(connect_ms) if slow => CheckResult::warn(
            "network.tcp.slow",
            t!("tcp.slow", target = &p.target, ms = Arg::ms(*connect_ms)),
        ),
        Ok(connect_ms) => CheckResult::pass(
            "network.tcp.ok",
            t!("tcp.ok", target = &p.target, ms = Arg::ms(*connect_ms)),
        ),
        Err(f) if f.code == "bad_target" => {
            CheckResult::error("network.tcp.bad_target", f.reason.clone())
        }
        Err(f) => CheckResult::fail(format!("network.tcp.{}", f.code), f.reason.clone()),
    };
    if !matches!(&probe.outcome, Err(f) if f.code == "bad_target") {
        r.observations = probe.observations.clone();
        r = r.observe(probe.reach(&p.target, slow));
    }
    r.evidence = probe.evidence;
    if let Some(d) = probe.dns_ms {
        r = r.metric("dns_ms", d);
    }
    match probe.outcome {
        Ok(ms) => r.metric("connect_ms", ms),
        Err(Failure {
            connect_ms: Some(ms),
            ..
        }) => r.metric("connect_ms", ms),
        Err(_) => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    /// A listener on 127.0.0.1 whose accept queue is full, so new connections get no answer.
    #[cfg(unix)]
    fn silent_port() -> (SocketAddr, std::net::TcpListener, Vec<TcpStream>) {
        use std::os::fd::FromRawFd;
        // SAFETY: socket/bind/listen on a new descriptor that the TcpListener then owns; the
        // sockaddr_in is zeroed and then filled in.
        let listener = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0);
            let mut a: libc::sockaddr_in = std::mem::zeroed();
            a.sin_family = libc::AF_INET as libc::sa_family_t;
            a.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
            let size = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(libc::bind(fd, (&raw const a).cast(), size), 0);
            assert_eq!(libc::listen(fd, 0), 0);
            std::net::TcpListener::from_raw_fd(fd)
        };
        let addr = listener.local_addr().unwrap();
        let mut fillers = Vec::new();
        for _ in 0..4 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => fillers.push(s),
                Err(_) => break,
            }
        }
        (addr, listener, fillers)
    }

    /// A silent first address (an IPv6 route to nowhere, say) does not use up the time of the
    /// address after it that answers.
    #[cfg(unix)]
    #[test]
    fn a_silent_first_address_leaves_time_for_the_next() {
        let (silent, _l, _f) = silent_port();
        let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addrs = [silent, open.local_addr().unwrap()];
        let timeout = Duration::from_secs(2);
        let (probe, stream) = connect_to(&addrs, "svc:1", true, Instant::now() + timeout, timeout);
        assert!(stream.is_some(), "{:?}", probe.evidence);
        assert_eq!(probe.address, Some(addrs[1]));
    }

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
        let reach = |r: &CheckResult| {
            r.observations
                .iter()
                .find_map(|o| match o {
                    Observation::Reach {
                        outcome, address, ..
                    } => Some((*outcome, address.clone())),
                    _ => None,
                })
                .unwrap()
        };
        let addr = Some(format!("127.0.0.1:{port}"));
        assert_eq!(reach(&ok), (ReachOutcome::Ok, addr.clone()));
        assert_eq!(reach(&refused), (ReachOutcome::Refused, addr));
    }

    #[test]
    fn a_slow_connect_is_observed_as_slow() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let r = run(
            &TcpParams {
                target: listener.local_addr().unwrap().to_string(),
                warn_connect_ms: Some(0),
            },
            Duration::from_secs(2),
        );
        assert_eq!(r.code, "network.tcp.slow", "{r:?}");
        assert!(
            r.observations.iter().any(|o| matches!(
                o,
                Observation::Reach {
                    outcome: ReachOutcome::Slow,
                    ..
                }
            )),
            "{r:?}"
        );
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
