//! What a result's observations and codes say when read on their own: the tunnel state or
//! connection outcome a code names, whose resolver answered, which sites were down on every
//! attempt and which regions lost all their sites. The pieces [`super::findings`] is built from.

use readycheck_sdk::{Observation, ReachOutcome, ResolverOwner, TunnelState};

/// The tunnel state a `network.tunnel.*` code names, for plugins that report no observation.
pub(super) fn tunnel_state_of_code(code: &str) -> Option<TunnelState> {
    match code {
        "network.tunnel.no_route" | "network.tunnel.absent" => Some(TunnelState::Absent),
        "network.tunnel.adapter_down" => Some(TunnelState::Down),
        "network.tunnel.not_via_vpn" => Some(TunnelState::NotViaTunnel),
        _ => None,
    }
}

pub(super) fn is_dns_code(code: &str) -> bool {
    code.ends_with(".dns_failed")
        || code.ends_with(".dns_timed_out")
        || matches!(
            code,
            "network.dns.not_resolved"
                | "network.dns.timed_out"
                | "network.dns.refused"
                | "network.dns.servfail"
                | "network.tunnel.dns"
        )
}

/// The connection outcome a code names, for results without `reach` observations.
pub(super) fn outcome_of_code(code: &str) -> Option<ReachOutcome> {
    let last = code.rsplit('.').next()?;
    Some(match last {
        "refused" => ReachOutcome::Refused,
        "timed_out" | "handshake_timed_out" | "no_answer" => ReachOutcome::TimedOut,
        "unreachable" => ReachOutcome::Unreachable,
        "expired" => ReachOutcome::CertExpired,
        "not_yet_valid" => ReachOutcome::CertNotYetValid,
        "hostname_mismatch" => ReachOutcome::CertNameMismatch,
        "untrusted_issuer" => ReachOutcome::CertUntrusted,
        "tls_rejected" | "failed" => ReachOutcome::TlsFailed,
        "unexpected_status" => ReachOutcome::HttpStatus,
        "unexpected_body" => ReachOutcome::WrongContent,
        _ => return None,
    })
}

/// A private, loopback or link-local address: never where a public service lives.
pub(super) fn is_private(address: &str) -> bool {
    address
        .parse::<std::net::IpAddr>()
        .is_ok_and(readycheck_sdk::net::is_private)
}

pub(super) fn resolver_owner(
    observations: &[Observation],
    resolver: Option<&String>,
) -> ResolverOwner {
    let mut owners = observations.iter().filter_map(|o| match o {
        Observation::Resolver { address, owner, .. } => {
            Some((address, *owner)).filter(|(a, _)| resolver.is_none_or(|r| r == *a))
        }
        _ => None,
    });
    owners.next().map(|(_, o)| o).unwrap_or_default()
}

pub(super) fn first_resolver(observations: &[Observation]) -> Option<String> {
    observations.iter().find_map(|o| match o {
        Observation::Resolver { address, .. } => Some(address.clone()),
        Observation::DnsAnswer {
            resolver: Some(r), ..
        } => Some(r.clone()),
        _ => None,
    })
}

/// Every failing site failed on more than one attempt: "down" is not one lost packet.
pub(super) fn confirmed_down(observations: &[Observation]) -> bool {
    let failed: Vec<(u32, u32)> = observations
        .iter()
        .filter_map(|o| match o {
            Observation::Reach {
                outcome,
                attempts,
                failures,
                ..
            } if !outcome.is_ok() => Some((*attempts, *failures)),
            _ => None,
        })
        .collect();
    !failed.is_empty() && failed.iter().all(|(a, f)| *a >= 2 && f >= a)
}

/// Regions all of whose sites failed, and the fastest site that answered.
pub(super) fn regions_down(observations: &[Observation]) -> (Vec<String>, Option<String>) {
    let mut by_region: Vec<(String, bool)> = Vec::new();
    let mut fastest: Option<(f64, String)> = None;
    for o in observations {
        if let Observation::Reach {
            outcome,
            site,
            region,
            ms,
            target,
            ..
        } = o
        {
            let region = region.clone().or(site.clone()).unwrap_or(target.clone());
            let ok = outcome.is_ok();
            match by_region.iter_mut().find(|(n, _)| *n == region) {
                Some(entry) => entry.1 |= ok,
                None => by_region.push((region, ok)),
            }
            if ok {
                let name = site.clone().unwrap_or(target.clone());
                let t = ms.unwrap_or(f64::MAX);
                if fastest.as_ref().is_none_or(|(best, _)| t < *best) {
                    fastest = Some((t, name));
                }
            }
        }
    }
    let down: Vec<String> = by_region
        .into_iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n)
        .collect();
    (down, fastest.map(|(_, n)| n))
}
