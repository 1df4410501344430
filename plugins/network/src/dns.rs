//! `network/dns`: resolve a name with the system resolver, optionally requiring expected
//! addresses or only private ones (split-horizon names that must resolve inside the VPN only).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use readycheck_sdk::{Arg, CheckRequest, CheckResult, DnsOutcome, Kind, Observation, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::probe::millis;
use crate::resolve::{lookup_via, resolver_observations};
use crate::resolvers;

/// Parameters of `network/dns`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DnsParams {
    /// The host name to resolve, e.g. "intranet.corp.example".
    pub name: String,
    /// Addresses the name must resolve to (any one of them is enough).
    #[serde(default)]
    pub expect: Vec<String>,
    /// Every address must be private (10/8, 172.16/12, 192.168/16, fc00::/7): for intranet
    /// names that only resolve correctly inside the VPN.
    #[serde(default)]
    pub private_only: bool,
    /// Warn when resolving takes longer than this many milliseconds.
    #[serde(default)]
    pub warn_ms: Option<u64>,
}

/// The `network/dns` kind.
pub struct Dns;

impl Kind for Dns {
    const NAME: &'static str = "dns";
    const TITLE: &'static str = "Resolve a name with the system resolver";
    const DESCRIPTION: &'static str = "Asks the operating system's resolver for a name's addresses, as every application on the \
         PC would. A failure here while other names resolve points at that name's DNS records; \
         failures everywhere point at the PC's DNS settings or its connection.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"dns-intranet\"\nplugin = \"network\"\nkind = \"dns\"\ntitle = \"Intranet name resolves inside the VPN\"\nname = \"intranet.corp.example\"\nprivate_only = true\n";
    type Params = DnsParams;

    fn run(p: &DnsParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

fn is_private(ip: &IpAddr) -> bool {
    readycheck_sdk::net::is_private(*ip)
}

/// The code suffix for a name that did not resolve.
fn failure_code(outcome: DnsOutcome) -> &'static str {
    match outcome {
        DnsOutcome::Nxdomain => "nxdomain",
        DnsOutcome::NoData => "no_data",
        DnsOutcome::Refused => "refused",
        DnsOutcome::Servfail => "servfail",
        DnsOutcome::NoAnswer => "timed_out",
        DnsOutcome::Ok | DnsOutcome::Failed => "not_resolved",
    }
}

pub fn run(p: &DnsParams, timeout: Duration) -> CheckResult {
    run_via(p, timeout, None)
}

/// [`run`], asking `servers` directly (instead of the configured ones) when the system
/// resolver fails.
pub fn run_via(
    p: &DnsParams,
    timeout: Duration,
    servers: Option<&[std::net::SocketAddr]>,
) -> CheckResult {
    let found = lookup_via(&p.name, 0, Instant::now() + timeout, servers);
    let dns_ms = millis(found.took);
    // Every configured server and whose it is (added by the lookup itself when it failed).
    let mut observations = found.observations;
    if !observations
        .iter()
        .any(|o| matches!(o, Observation::Resolver { .. }))
    {
        observations.extend(resolver_observations(&resolvers::servers(&[])));
    }
    let finish = |mut r: CheckResult, evidence: Vec<String>| {
        r.evidence = evidence;
        r.observations = observations.clone();
        r.metric("dns_ms", dns_ms)
    };
    let addrs = match found.result {
        Ok(a) => a,
        Err(f) => {
            return finish(
                CheckResult::fail(
                    format!("network.dns.{}", failure_code(f.outcome)),
                    t!("dns.failed", name = &p.name, why = f.why),
                ),
                found.evidence,
            );
        }
    };
    let mut ips: Vec<IpAddr> = addrs.iter().map(|a| a.ip()).collect();
    ips.dedup();
    let list: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
    let seen = format!("resolved {} → {}", p.name, list.join(", "));
    if !p.expect.is_empty() && !p.expect.iter().any(|e| list.contains(e)) {
        let r = CheckResult::fail(
            "network.dns.unexpected_address",
            t!(
                "dns.unexpected_address",
                name = &p.name,
                got = &list,
                expected = &p.expect
            ),
        );
        return finish(r, vec![seen]);
    }
    if p.private_only {
        let public: Vec<String> = ips
            .iter()
            .filter(|ip| !is_private(ip))
            .map(IpAddr::to_string)
            .collect();
        if !public.is_empty() {
            let r = CheckResult::fail(
                "network.dns.public_address",
                t!("dns.public_address", name = &p.name, addresses = &public),
            );
            return finish(r, vec![seen]);
        }
    }
    if let Some(w) = p.warn_ms
        && dns_ms > w as f64
    {
        let r = CheckResult::warn(
            "network.dns.slow",
            t!(
                "dns.slow",
                name = &p.name,
                ms = Arg::ms(dns_ms),
                limit = Arg::ms(w as f64)
            ),
        );
        return finish(r, vec![seen]);
    }
    let r = CheckResult::pass(
        "network.dns.ok",
        t!("dns.ok", name = &p.name, addresses = &list),
    );
    finish(r, vec![seen])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localhost_resolves_to_loopback_which_counts_as_private() {
        let p = DnsParams {
            name: "localhost".into(),
            expect: vec![],
            private_only: true,
            warn_ms: None,
        };
        let r = run(&p, Duration::from_secs(2));
        assert_eq!(r.status, readycheck_sdk::Status::Pass, "{r:?}");
    }

    #[test]
    fn wrong_expected_address_fails() {
        let p = DnsParams {
            name: "127.0.0.1".into(),
            expect: vec!["10.0.0.1".into()],
            private_only: false,
            warn_ms: None,
        };
        let r = run(&p, Duration::from_secs(2));
        assert_eq!(r.code, "network.dns.unexpected_address");
    }
}
