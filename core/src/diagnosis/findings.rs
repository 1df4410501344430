//! What one check's result says about the path: its status and code read together with the
//! observations its plugin made, turned into a [`Finding`] — a fault (or a concern) in one
//! layer, of one kind, with the facts that support it. Pure: no I/O, one check at a time.

use readycheck_sdk::{
    CaptiveHow, DnsOutcome, Observation, ReachOutcome, ResolverOwner, Status, TunnelState,
};

use super::observed::{
    confirmed_down, first_resolver, is_dns_code, is_private, outcome_of_code, regions_down,
    resolver_owner, tunnel_state_of_code,
};
use super::{Layer, Owner};
use crate::report::CheckReport;

/// Loss at or above this share of probes is a bad link, whatever the check's own thresholds.
pub const LOSSY_PERCENT: f64 = 10.0;

/// What kind of fault a check shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Nothing answered on the home side: no internet at all.
    NoInternet,
    /// Packets measured lost on the way out.
    Lossy { loss_percent: f64 },
    /// A steady, long round trip (a slow line or route, not the Wi-Fi).
    Slow { rtt_ms: f64 },
    /// Round trips that vary a lot: typically a weak Wi-Fi signal or a busy home link.
    Unstable { jitter_ms: f64 },
    /// The resolver did not answer, refused, or failed.
    ResolverDown {
        resolver: Option<String>,
        outcome: DnsOutcome,
    },
    /// A name does not exist (the name owner's problem).
    NameMissing { name: String },
    /// The PC asks the VPN's DNS server, which cannot be reached: the tunnel is not carrying
    /// traffic although the PC still uses the VPN's settings.
    VpnResolverUnreachable { resolver: Option<String> },
    /// A public name answered with a private address (the home router or a filter answers in
    /// its place), so the connection went to the wrong machine.
    Hijacked { name: String, address: String },
    /// Connections through the tunnel open and then stall (typically packets too large for
    /// the tunnel being dropped without a word).
    TunnelStall,
    /// A sign-in page answered instead of the server.
    SignInPage { how: CaptiveHow },
    /// Only a proxy gets through, or the configured proxy fails.
    Proxy { url: String, works: bool },
    /// The tunnel is not there, down, or not carrying the company's traffic.
    Tunnel { state: TunnelState },
    /// A server refused, did not answer, or answered wrongly.
    Unreachable { outcome: ReachOutcome },
    /// A server's certificate is wrong.
    Certificate { outcome: ReachOutcome },
    /// Every site of a multi-site service failed, each on repeated attempts.
    AllSitesDown { confirmed: bool },
    /// The sites of some regions failed while another region answers.
    RegionsDown {
        regions: Vec<String>,
        fastest: Option<String>,
        confirmed: bool,
    },
    /// This PC's clock is wrong, so certificates look expired or not yet valid everywhere.
    ClockWrong,
    /// The check could not run (a plugin crash, a time-out the host enforced, …).
    CouldNotCheck,
    /// Failed for a reason the codes and observations do not explain further.
    Other,
}

/// One check's contribution to the diagnosis.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Index of the check in the run's results.
    pub check: usize,
    /// The layer the fault lies in (may differ from the layer the check was written for: a
    /// gateway check that meets a sign-in page is evidence about the sign-in layer).
    pub layer: Layer,
    pub owner: Owner,
    pub fault: Fault,
    /// A fault (fail/error, or a measured bad path) rather than a concern (a warning).
    pub is_fault: bool,
    /// Measured on the path itself (loss, round trip, a sign-in page seen), which outranks
    /// the time-outs it can cause elsewhere.
    pub measured: bool,
    /// Only a symptom: a sign-in page probe that failed without seeing a sign-in page (a
    /// time-out, a name that did not resolve) says nothing about the sign-in layer, and never
    /// outranks or explains a finding with evidence.
    pub weak: bool,
    /// Facts used, in English, for the helpdesk.
    pub evidence: Vec<String>,
}

/// The finding of check `i`, whose profile layer is `layer`; `None` when it passed cleanly.
/// `vpn_in_use` says whether the run has a VPN to blame at all (a tunnel check, or a tunnel
/// seen): without one, a silent private name server is not taken for the VPN's.
pub fn of_check(i: usize, layer: Layer, r: &CheckReport, vpn_in_use: bool) -> Option<Finding> {
    let bad = matches!(r.status, Status::Fail | Status::Error);
    let warned = r.status == Status::Warn;
    let mut f = Finding {
        check: i,
        layer,
        owner: layer.owner(),
        fault: Fault::Other,
        is_fault: bad,
        measured: false,
        weak: false,
        evidence: Vec::new(),
    };
    // Facts that outrank the check's own layer, whatever its status.
    for o in &r.observations {
        match o {
            Observation::CaptivePortal { how, url, location } => {
                f.layer = Layer::SignIn;
                f.owner = Owner::SignInPage;
                f.fault = Fault::SignInPage { how: *how };
                f.is_fault = true;
                f.measured = true;
                f.evidence.push(format!(
                    "{}: a sign-in page answered ({:?}){}{}",
                    r.id,
                    how,
                    url.as_deref()
                        .map(|u| format!(" for {u}"))
                        .unwrap_or_default(),
                    location
                        .as_deref()
                        .map(|l| format!(", leading to {l}"))
                        .unwrap_or_default()
                ));
                return Some(f);
            }
            Observation::PathQuality {
                target,
                address,
                sent,
                lost,
                rtt_ms,
                jitter_ms,
            } if *sent > 0 => {
                let loss = 100.0 * f64::from(*lost) / f64::from(*sent);
                let at = address.as_deref().unwrap_or(target);
                if (bad || warned) && loss >= LOSSY_PERCENT && *lost < *sent {
                    f.layer = Layer::HomeNetwork;
                    f.owner = Owner::HomeNetwork;
                    f.fault = Fault::Lossy { loss_percent: loss };
                    f.is_fault = true;
                    f.measured = true;
                    f.evidence.push(format!(
                        "{}: {lost} of {sent} probes to {at} lost ({loss:.0} %)",
                        r.id
                    ));
                    return Some(f);
                }
                if (bad || warned)
                    && r.code.ends_with(".unstable")
                    && let Some(jitter) = jitter_ms
                {
                    f.layer = Layer::HomeNetwork;
                    f.owner = Owner::HomeNetwork;
                    f.fault = Fault::Unstable { jitter_ms: *jitter };
                    f.measured = true;
                    f.evidence.push(format!(
                        "{}: round trips to {at} vary by {jitter:.0} ms",
                        r.id
                    ));
                    return Some(f);
                }
                if (bad || warned)
                    && *lost < *sent
                    && let Some(rtt) = rtt_ms
                {
                    f.layer = Layer::HomeNetwork;
                    f.owner = Owner::HomeNetwork;
                    f.fault = Fault::Slow { rtt_ms: *rtt };
                    f.measured = true;
                    f.evidence.push(format!(
                        "{}: round trip to {at} {rtt:.0} ms, jitter {} ms, no loss",
                        r.id,
                        jitter_ms.map(|j| format!("{j:.0}")).unwrap_or("?".into())
                    ));
                    return Some(f);
                }
            }
            _ => {}
        }
    }
    if !bad && !warned {
        // A check that passed through a proxy while direct connections fail is evidence too,
        // but only in combination: see `proxy_only`.
        return None;
    }
    if r.cause.is_some() && r.cause != Some(crate::report::Cause::TimedOut) {
        f.fault = Fault::CouldNotCheck;
        f.owner = Owner::Unknown;
        f.layer = Layer::ThisPc;
        f.evidence
            .push(format!("{}: could not run ({})", r.id, r.code));
        return Some(f);
    }
    let observations = &r.observations;
    // A proxy that fails.
    for o in observations {
        if let Observation::Reach {
            outcome: ReachOutcome::ProxyFailed,
            target,
            ..
        } = o
        {
            let url = observations
                .iter()
                .find_map(|o| match o {
                    Observation::Proxy { url, .. } => {
                        Some(readycheck_sdk::redact::strip_credentials(url))
                    }
                    _ => None,
                })
                .unwrap_or_default();
            f.layer = Layer::SignIn;
            f.owner = Owner::Proxy;
            f.fault = Fault::Proxy { url, works: false };
            f.evidence
                .push(format!("{}: the proxy failed for {target}", r.id));
            return Some(f);
        }
    }
    // A sign-in page probe answered with another page or status: something in between (a
    // sign-in page, a filtering box) answered in the server's place.
    if layer == Layer::SignIn {
        let replaced = observations.iter().any(|o| {
            matches!(
                o,
                Observation::Reach {
                    outcome: ReachOutcome::WrongContent | ReachOutcome::HttpStatus,
                    ..
                }
            )
        }) || r.code.ends_with(".unexpected_body")
            || r.code.ends_with(".unexpected_status");
        if replaced {
            f.layer = Layer::SignIn;
            f.owner = Owner::SignInPage;
            f.fault = Fault::SignInPage {
                how: if r.code.ends_with(".unexpected_status") {
                    CaptiveHow::Redirect
                } else {
                    CaptiveHow::LoginPage
                },
            };
            f.measured = true;
            f.evidence.push(format!(
                "{}: the connectivity probe got another answer than its own ({})",
                r.id, r.code
            ));
            return Some(f);
        }
    }
    // A sign-in page probe that saw no sign-in page is a probe of a public site by name.
    if layer == Layer::SignIn {
        f.layer = Layer::Dns;
        f.owner = Owner::HomeNetwork;
        f.weak = true;
    }
    // The tunnel's own state.
    for o in observations {
        if let Observation::Tunnel {
            state, interface, ..
        } = o
            && *state != TunnelState::Up
        {
            f.layer = Layer::VpnTunnel;
            f.owner = Owner::VpnClient;
            f.fault = Fault::Tunnel { state: *state };
            f.evidence.push(format!(
                "{}: tunnel {:?}{}",
                r.id,
                state,
                interface
                    .as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default()
            ));
            return Some(f);
        }
    }
    // The tunnel is up but what it was asked to reach is not: the service behind it.
    let tunnel_up = observations.iter().any(|o| {
        matches!(
            o,
            Observation::Tunnel {
                state: TunnelState::Up,
                ..
            }
        )
    });
    if layer == Layer::VpnTunnel && tunnel_up && r.code == "network.tunnel.unreachable" {
        f.layer = Layer::Intranet;
        f.owner = Owner::Company;
        let outcome = observations
            .iter()
            .find_map(|o| match o {
                Observation::Reach { outcome, .. } if !outcome.is_ok() => Some(*outcome),
                _ => None,
            })
            .unwrap_or(ReachOutcome::TimedOut);
        f.fault = Fault::Unreachable { outcome };
        f.evidence.push(format!(
            "{}: the tunnel is up, what it should reach is not ({outcome:?})",
            r.id
        ));
        return Some(f);
    }
    if let Some(state) = tunnel_state_of_code(&r.code) {
        f.layer = Layer::VpnTunnel;
        f.owner = Owner::VpnClient;
        f.fault = Fault::Tunnel { state };
        f.evidence.push(format!("{}: {}", r.id, r.code));
        return Some(f);
    }
    // Name resolution.
    let answers: Vec<(&String, DnsOutcome, Option<&String>)> = observations
        .iter()
        .filter_map(|o| match o {
            Observation::DnsAnswer {
                name,
                outcome,
                resolver,
                ..
            } => Some((name, *outcome, resolver.as_ref())),
            _ => None,
        })
        .collect();
    let any_resolved = answers.iter().any(|a| a.1 == DnsOutcome::Ok);
    if !any_resolved && let Some((name, outcome, resolver)) = answers.first().copied() {
        match outcome {
            DnsOutcome::Nxdomain | DnsOutcome::NoData => {
                // The name's owner: the layer the check was written for.
                f.fault = Fault::NameMissing { name: name.clone() };
                if layer == Layer::VpnTunnel {
                    f.layer = Layer::CompanyDns;
                    f.owner = Owner::Company;
                }
                f.evidence
                    .push(format!("{}: {name} does not exist ({outcome:?})", r.id));
            }
            DnsOutcome::NoAnswer | DnsOutcome::Failed
                if vpn_in_use
                    && resolver_owner(observations, resolver) == ResolverOwner::Unknown
                    && resolver
                        .cloned()
                        .or_else(|| first_resolver(observations))
                        .is_some_and(|a| is_private(&a)) =>
            {
                // A private server outside the home network, not reached through any tunnel,
                // and silent: the VPN's server, left in the PC's settings by a VPN client
                // that lost its connection.
                let resolver = resolver.cloned().or_else(|| first_resolver(observations));
                f.layer = Layer::VpnTunnel;
                f.owner = Owner::VpnClient;
                f.evidence.push(format!(
                    "{}: the VPN's DNS server{} does not answer for {name}",
                    r.id,
                    resolver
                        .as_deref()
                        .map(|s| format!(" {s}"))
                        .unwrap_or_default()
                ));
                f.fault = Fault::VpnResolverUnreachable { resolver };
            }
            _ => {
                let resolver_owner = resolver_owner(observations, resolver);
                // Reached through the tunnel: the company's server (the tunnel carries the
                // question; the server does not answer it).
                let company = resolver_owner == ResolverOwner::Vpn
                    || matches!(
                        layer,
                        Layer::CompanyDns | Layer::Intranet | Layer::VpnTunnel
                    ) && resolver_owner != ResolverOwner::HomeRouter
                        && resolver_owner != ResolverOwner::Isp;
                let resolver = resolver.cloned().or_else(|| first_resolver(observations));
                f.layer = if company {
                    Layer::CompanyDns
                } else {
                    Layer::Dns
                };
                f.owner = f.layer.owner();
                f.evidence.push(format!(
                    "{}: no address for {name}: {outcome:?}{}",
                    r.id,
                    resolver
                        .as_deref()
                        .map(|s| format!(" from {s}"))
                        .unwrap_or_default()
                ));
                f.fault = Fault::ResolverDown { resolver, outcome };
            }
        }
        return Some(f);
    }
    // A public service's name answered with a private address: the home network's DNS
    // hands out the wrong machine.
    if matches!(layer, Layer::VpnGateway | Layer::Vendor)
        && bad
        && let Some((name, address)) = observations.iter().find_map(|o| match o {
            Observation::DnsAnswer {
                name,
                outcome: DnsOutcome::Ok,
                addresses,
                ..
            } => addresses
                .iter()
                .find(|a| is_private(a))
                .map(|a| (name.clone(), a.clone())),
            _ => None,
        })
    {
        f.layer = Layer::Dns;
        f.owner = Owner::HomeNetwork;
        f.evidence.push(format!(
            "{}: the public name {name} resolved to the private address {address}",
            r.id
        ));
        f.fault = Fault::Hijacked { name, address };
        return Some(f);
    }
    if answers.is_empty() && (r.code.ends_with(".nxdomain") || r.code.ends_with(".no_data")) {
        f.fault = Fault::NameMissing { name: r.id.clone() };
        if matches!(layer, Layer::VpnTunnel | Layer::CompanyDns) {
            f.layer = Layer::CompanyDns;
            f.owner = Owner::Company;
        }
        f.evidence.push(format!("{}: {}", r.id, r.code));
        return Some(f);
    }
    if answers.is_empty() && is_dns_code(&r.code) {
        f.layer = if matches!(
            layer,
            Layer::CompanyDns | Layer::Intranet | Layer::VpnTunnel
        ) {
            Layer::CompanyDns
        } else {
            Layer::Dns
        };
        f.owner = f.layer.owner();
        f.fault = Fault::ResolverDown {
            resolver: first_resolver(observations),
            outcome: if r.code.contains("timed_out") {
                DnsOutcome::NoAnswer
            } else {
                DnsOutcome::Failed
            },
        };
        f.evidence.push(format!("{}: {}", r.id, r.code));
        return Some(f);
    }
    // Multi-site services: repeated samples per site.
    if r.kind == "sites"
        && (r.code.ends_with(".all_down")
            || r.code.ends_with(".none")
            || r.code.ends_with(".unreachable"))
    {
        let confirmed = confirmed_down(observations);
        f.fault = if layer == Layer::HomeNetwork {
            Fault::NoInternet
        } else {
            Fault::AllSitesDown { confirmed }
        };
        f.evidence
            .push(format!("{}: no site answered ({})", r.id, r.code));
        return Some(f);
    }
    if r.code.ends_with(".region_down")
        || r.code.ends_with(".some_down")
        || r.code.ends_with(".too_few")
    {
        let (regions, fastest) = regions_down(observations);
        f.fault = Fault::RegionsDown {
            regions,
            fastest,
            confirmed: confirmed_down(observations),
        };
        f.evidence
            .push(format!("{}: some sites did not answer ({})", r.id, r.code));
        return Some(f);
    }
    // A single connection's ending.
    let outcome = observations
        .iter()
        .filter_map(|o| match o {
            Observation::Reach { outcome, .. } if !outcome.is_ok() => Some(*outcome),
            _ => None,
        })
        .next()
        .or_else(|| outcome_of_code(&r.code));
    // A home-network probe that could not connect: no internet. (One that connected and got
    // a wrong answer or certificate is judged by that answer below.)
    let connection_level = outcome.is_none_or(|o| {
        matches!(
            o,
            ReachOutcome::TimedOut
                | ReachOutcome::Unreachable
                | ReachOutcome::Refused
                | ReachOutcome::Reset
                | ReachOutcome::DnsFailed
        )
    });
    if layer == Layer::HomeNetwork && bad && connection_level {
        f.fault = Fault::NoInternet;
        f.evidence.push(format!("{}: {}", r.id, r.code));
        return Some(f);
    }
    if let Some(outcome) = outcome {
        f.fault = if matches!(
            outcome,
            ReachOutcome::CertExpired
                | ReachOutcome::CertNotYetValid
                | ReachOutcome::CertNameMismatch
                | ReachOutcome::CertUntrusted
        ) {
            Fault::Certificate { outcome }
        } else {
            Fault::Unreachable { outcome }
        };
        f.evidence
            .push(format!("{}: {} ({outcome:?})", r.id, r.code));
        return Some(f);
    }
    if r.cause == Some(crate::report::Cause::TimedOut) {
        f.fault = Fault::Unreachable {
            outcome: ReachOutcome::TimedOut,
        };
    }
    f.evidence.push(format!("{}: {}", r.id, r.code));
    Some(f)
}

#[cfg(test)]
#[path = "findings_tests.rs"]
pub(crate) mod tests;
