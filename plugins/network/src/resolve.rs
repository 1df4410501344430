//! Name resolution through the system resolver with a hard timeout: `getaddrinfo` can block for
//! a long time on a broken network, so it runs on its own thread and is abandoned at the
//! deadline (the plugin's process ends soon after anyway). When it fails, the configured DNS
//! servers are asked directly to tell why (see [`crate::resolvers`]), and the answers become
//! `dns_answer` and `resolver` observations.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use readycheck_sdk::{DnsOutcome, Msg, Observation, t};

use crate::resolvers::{self, Answer};

/// Why a name did not resolve.
#[derive(Debug)]
pub enum ResolveError {
    /// The resolver answered with an error (no such name, no server reachable, …).
    Failed(String),
    /// No answer within the time.
    TimedOut(Duration),
}

/// Resolves `host` (a name or a literal address) to addresses, within `timeout`.
pub fn resolve(
    host: &str,
    port: u16,
    timeout: Duration,
) -> (Result<Vec<SocketAddr>, ResolveError>, Duration) {
    let t0 = Instant::now();
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return (Ok(vec![SocketAddr::new(ip, port)]), t0.elapsed());
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let r = (name.as_str(), port)
            .to_socket_addrs()
            .map(|it| it.collect::<Vec<_>>());
        let _ = tx.send(r);
    });
    let r = match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(ResolveError::Failed(
            "the resolver returned no addresses".into(),
        )),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(ResolveError::Failed(clean_resolver_error(&e.to_string()))),
        Err(_) => Err(ResolveError::TimedOut(timeout)),
    };
    (r, t0.elapsed())
}

/// A name looked up for a check: the system resolver's addresses, or why there are none.
#[derive(Debug)]
pub struct Lookup {
    pub result: Result<Vec<SocketAddr>, LookupFailure>,
    /// Time spent in the system resolver.
    pub took: Duration,
    /// `dns_answer` for the name (the most telling first), and on failure a `resolver` per
    /// configured DNS server. Empty for a literal address.
    pub observations: Vec<Observation>,
    pub evidence: Vec<String>,
}

/// Why a name has no address.
#[derive(Debug, Clone)]
pub struct LookupFailure {
    pub outcome: DnsOutcome,
    /// The reason in plain words, with what to do.
    pub why: Msg,
    /// The system resolver gave no answer in time (rather than an error).
    pub timed_out: bool,
}

/// Looks `host` up by `deadline`: the system resolver first, with most of the time; when it
/// fails, the configured DNS servers are asked directly with the rest, to tell why.
pub fn lookup(host: &str, port: u16, deadline: Instant) -> Lookup {
    lookup_via(host, port, deadline, None)
}

/// [`lookup`], asking `servers` instead of the configured DNS servers when it fails.
pub fn lookup_via(
    host: &str,
    port: u16,
    deadline: Instant,
    servers: Option<&[SocketAddr]>,
) -> Lookup {
    let bare = host.trim_matches(['[', ']']);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Lookup {
            result: Ok(vec![SocketAddr::new(ip, port)]),
            took: Duration::ZERO,
            observations: Vec::new(),
            evidence: Vec::new(),
        };
    }
    let left = deadline.saturating_duration_since(Instant::now());
    // Leave a third (at most a second) to ask the servers directly should the system fail.
    let system_time = left.saturating_sub((left / 3).min(Duration::from_secs(1)));
    let (r, took) = resolve(bare, port, system_time.max(Duration::from_millis(1)));
    let (error, timed_out) = match r {
        Ok(addrs) => {
            let mut ips: Vec<String> = Vec::new();
            for a in &addrs {
                let s = a.ip().to_string();
                if !ips.contains(&s) {
                    ips.push(s);
                }
            }
            return Lookup {
                result: Ok(addrs),
                took,
                observations: vec![Observation::DnsAnswer {
                    name: bare.to_string(),
                    outcome: DnsOutcome::Ok,
                    resolver: None,
                    addresses: ips.clone(),
                }],
                evidence: vec![format!("resolved {bare} → {}", ips.join(", "))],
            };
        }
        Err(ResolveError::Failed(e)) => (e, false),
        Err(ResolveError::TimedOut(t)) => (format!("no answer in {} ms", t.as_millis()), true),
    };
    let mut evidence = vec![format!("asked the system resolver for {bare}: {error}")];
    let mut observations = Vec::new();
    let (targets, configured): (Vec<SocketAddr>, Vec<resolvers::Server>) = match servers {
        Some(s) => (s.to_vec(), Vec::new()),
        None => {
            let configured = resolvers::servers(&[]);
            (
                configured
                    .iter()
                    .map(|s| SocketAddr::new(s.address, 53))
                    .collect(),
                configured,
            )
        }
    };
    let answers = resolvers::ask_all(&targets, bare, deadline);
    for (server, a) in &answers {
        evidence.push(format!(
            "asked the DNS server {} for {bare} directly: {}",
            shown(*server),
            describe(a)
        ));
    }
    let telling = resolvers::telling(&answers).cloned();
    let (outcome, resolver) = match &telling {
        Some((server, a)) if a.outcome != DnsOutcome::Ok => (a.outcome, Some(shown(*server))),
        _ if timed_out => (DnsOutcome::NoAnswer, None),
        _ => (DnsOutcome::Failed, None),
    };
    // The most telling answer first; a server that does answer while the system resolver
    // failed is in the evidence, not taken for "the name resolves".
    observations.push(Observation::DnsAnswer {
        name: bare.to_string(),
        outcome,
        resolver: resolver.clone(),
        addresses: Vec::new(),
    });
    for (server, a) in &answers {
        let s = shown(*server);
        if a.outcome != DnsOutcome::Ok && resolver.as_deref() != Some(s.as_str()) {
            observations.push(Observation::DnsAnswer {
                name: bare.to_string(),
                outcome: a.outcome,
                resolver: Some(s),
                addresses: Vec::new(),
            });
        }
    }
    observations.extend(resolver_observations(&configured));
    let answered_directly = telling
        .as_ref()
        .filter(|(_, a)| a.outcome == DnsOutcome::Ok)
        .map(|(s, _)| shown(*s));
    let all: Vec<String> = answers.iter().map(|(s, _)| shown(*s)).collect();
    let why = why(
        outcome,
        resolver.as_deref(),
        answered_directly,
        &all,
        &error,
    );
    Lookup {
        result: Err(LookupFailure {
            outcome,
            why,
            timed_out,
        }),
        took,
        observations,
        evidence,
    }
}

/// A `resolver` observation per server.
pub fn resolver_observations(servers: &[resolvers::Server]) -> Vec<Observation> {
    servers
        .iter()
        .map(|s| Observation::Resolver {
            address: s.address.to_string(),
            interface: s.interface.clone(),
            owner: s.owner,
        })
        .collect()
}

/// A server's address as shown: without the port when it is 53.
fn shown(server: SocketAddr) -> String {
    if server.port() == 53 {
        server.ip().to_string()
    } else {
        server.to_string()
    }
}

fn describe(a: &Answer) -> String {
    match a.outcome {
        DnsOutcome::Ok => a
            .addresses
            .iter()
            .map(IpAddr::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        DnsOutcome::Nxdomain => "NXDOMAIN (no such name)".into(),
        DnsOutcome::NoData => "the name exists but has no address".into(),
        DnsOutcome::NoAnswer => "no answer".into(),
        DnsOutcome::Refused => "refused".into(),
        DnsOutcome::Servfail => "SERVFAIL (server failure)".into(),
        DnsOutcome::Failed => "failed".into(),
    }
}

/// Why a lookup failed, in plain words with what to do.
fn why(
    outcome: DnsOutcome,
    resolver: Option<&str>,
    answered_directly: Option<String>,
    asked: &[String],
    error: &str,
) -> Msg {
    let r = resolver.unwrap_or("?");
    match outcome {
        DnsOutcome::Nxdomain => t!("dnswhy.nxdomain", resolver = r),
        DnsOutcome::NoData => t!("dnswhy.no_data", resolver = r),
        DnsOutcome::Refused => t!("dnswhy.refused", resolver = r),
        DnsOutcome::Servfail => t!("dnswhy.servfail", resolver = r),
        DnsOutcome::NoAnswer if asked.is_empty() => t!("dnswhy.no_answer_none", error = error),
        DnsOutcome::NoAnswer => t!("dnswhy.no_answer", resolvers = asked.to_vec()),
        _ => match answered_directly {
            Some(s) => t!("dnswhy.stub_failed", error = error, resolver = s),
            None => t!("dnswhy.failed", error = error),
        },
    }
}

fn clean_resolver_error(e: &str) -> String {
    // std prefixes getaddrinfo errors with "failed to lookup address information: ".
    e.trim_start_matches("failed to lookup address information: ")
        .to_string()
}

/// Splits "host:port" / "[v6]:port".
pub fn split_target(target: &str) -> Result<(String, u16), String> {
    let (host, port) = target.rsplit_once(':').ok_or_else(|| {
        format!("`{target}` has no port; write it as host:port, e.g. vpn.corp.example:443")
    })?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` in `{target}` is not a port number"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("`{target}` has no host name"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split() {
        assert_eq!(
            split_target("vpn.example:443").unwrap(),
            ("vpn.example".into(), 443)
        );
        assert_eq!(split_target("[::1]:80").unwrap(), ("::1".into(), 80));
        assert!(split_target("vpn.example").unwrap_err().contains("no port"));
        assert!(split_target("h:99999").is_err());
    }

    #[test]
    fn literal_addresses_need_no_resolver() {
        let (r, _) = resolve("127.0.0.1", 9, Duration::from_millis(10));
        assert_eq!(r.unwrap(), vec!["127.0.0.1:9".parse().unwrap()]);
    }
}
