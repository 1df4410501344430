//! Unit tests of the diagnosis stage on hand-made results: the fault classes of real homes
//! (the end-to-end fault matrix in `tests/e2e/diagnosis.rs` runs them on real networks).

use std::collections::BTreeMap;

use readycheck_sdk::{
    CaptiveHow, DnsOutcome, Observation, ProxySource, ReachOutcome, ResolverOwner, Status,
};

use super::*;
use crate::profile::{Profile, Source};
use crate::report::{CheckReport, Localized};

const PROFILE: &str = r#"
[profile]
name = "t"
[[check]]
id = "link"
plugin = "network"
kind = "sites"
layer = "home_network"
[[check]]
id = "internet"
plugin = "network"
kind = "sites"
needs = ["link"]
layer = "dns"
[[check]]
id = "sign-in-page"
plugin = "network"
kind = "http"
needs = ["internet"]
severity = "recommended"
layer = "sign_in"
[[check]]
id = "line-quality"
plugin = "network"
kind = "quality"
needs = ["link"]
severity = "recommended"
[[check]]
id = "vpn-gateway"
plugin = "network"
kind = "tls"
needs = ["internet"]
layer = "vpn_gateway"
fix = "The gateway is down: call the helpdesk."
fixes = { company = { en = "Call 0755-0000.", zh-CN = "请拨打 0755-0000。" } }
[[check]]
id = "tunnel"
plugin = "network"
kind = "tunnel"
needs = ["vpn-gateway"]
[[check]]
id = "intranet"
plugin = "network"
kind = "http"
needs = ["tunnel"]
[[check]]
id = "market-data"
plugin = "network"
kind = "sites"
needs = ["internet"]
title = { en = "Market data", zh-CN = "行情" }
layer = "vendor"
fix = "Switch to the fastest working site."
[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
"#;

fn profile() -> Profile {
    Profile::parse(PROFILE, Source::Embedded).expect("test profile parses")
}

/// Every check of the profile, passed; then `set` changes some.
fn run(set: &[(&str, Status, &str, Vec<Observation>)]) -> (Diagnosis, Vec<CheckReport>) {
    let p = profile();
    let mut checks: Vec<CheckReport> = p
        .checks
        .iter()
        .map(|c| {
            let mut r = CheckReport::new(
                &c.id,
                &c.plugin,
                &c.kind,
                c.severity,
                Status::Pass,
                &format!("{}.{}.ok", c.plugin, c.kind),
            );
            r.title = c.title.get(Locale::En).to_string();
            r.fix = c.fix.as_ref().map(|f| f.get(Locale::En).to_string());
            r.l10n = Locale::ALL
                .iter()
                .map(|l| {
                    (
                        l.tag().to_string(),
                        Localized {
                            title: c.title.get(*l).to_string(),
                            summary: String::new(),
                            detail: None,
                            fix: c.fix.as_ref().map(|f| f.get(*l).to_string()),
                        },
                    )
                })
                .collect();
            r
        })
        .collect();
    for (id, status, code, obs) in set {
        let r = checks.iter_mut().find(|c| c.id == *id).expect("known id");
        r.status = *status;
        r.code = code.to_string();
        r.observations = obs.clone();
    }
    // Checks that need a failed check are skipped, as the runner does.
    let mut statuses: BTreeMap<String, Status> = BTreeMap::new();
    for (c, pc) in checks.iter_mut().zip(&p.checks) {
        let failed: Vec<String> = pc
            .needs
            .iter()
            .filter(|n| matches!(statuses[*n], Status::Fail | Status::Error | Status::Skip))
            .cloned()
            .collect();
        let given = set.iter().any(|(id, ..)| *id == c.id);
        if !failed.is_empty() && !given {
            c.status = Status::Skip;
            c.code = "host.check.needs_not_passed".into();
            c.skipped_because = Some(failed);
        }
        statuses.insert(c.id.clone(), c.status);
    }
    let d = diagnose(&p, &mut checks, Locale::En);
    (d, checks)
}

fn reach(target: &str, outcome: ReachOutcome, attempts: u32, region: Option<&str>) -> Observation {
    Observation::Reach {
        target: target.into(),
        address: None,
        outcome,
        site: Some(target.into()),
        region: region.map(str::to_string),
        attempts,
        failures: if outcome.is_ok() { 0 } else { attempts },
        ms: Some(20.0),
        via_proxy: false,
    }
}

fn loss(sent: u32, lost: u32) -> Observation {
    Observation::PathQuality {
        target: "inet:443".into(),
        address: Some("198.51.100.10".into()),
        sent,
        lost,
        rtt_ms: Some(25.0),
        jitter_ms: Some(12.0),
    }
}

#[test]
fn everything_passing_is_ready_with_no_owner() {
    let (d, _) = run(&[]);
    assert_eq!(d.owner, Owner::None);
    assert_eq!(d.root_cause, None);
    assert!(d.l10n["en"].headline.contains("You can work"));
}

#[test]
fn a_lossy_home_link_explains_the_vendor_and_gateway_time_outs() {
    let (d, checks) = run(&[
        (
            "line-quality",
            Status::Warn,
            "network.quality.lossy",
            vec![loss(20, 6)],
        ),
        (
            "market-data",
            Status::Fail,
            "network.sites.all_down",
            vec![reach(
                "md1:7709",
                ReachOutcome::TimedOut,
                3,
                Some("Guangdong"),
            )],
        ),
        (
            "vpn-gateway",
            Status::Fail,
            "network.tls.handshake_timed_out",
            vec![reach("vpn:443", ReachOutcome::TimedOut, 1, None)],
        ),
    ]);
    assert_eq!((d.owner, d.layer), (Owner::HomeNetwork, Layer::HomeNetwork));
    assert_eq!(d.root_cause.as_deref(), Some("line-quality"));
    assert!(d.consequences.contains(&"market-data".to_string()));
    assert!(d.consequences.contains(&"vpn-gateway".to_string()));
    assert!(
        d.l10n["en"].headline.contains("30 %"),
        "{}",
        d.l10n["en"].headline
    );
    assert!(!d.l10n["en"].headline.contains("vendor's side"));
    assert!(d.l10n["zh-CN"].headline.contains("丢包"));
    // A consequence carries no advice of its own: "switch site" would contradict the headline.
    let md = checks.iter().find(|c| c.id == "market-data").unwrap();
    assert_eq!(md.explained_by.as_deref(), Some("line-quality"));
    assert!(md.fix.is_none() && md.l10n.values().all(|t| t.fix.is_none()));
}

#[test]
fn a_sign_in_page_outranks_the_dead_links_it_causes() {
    let (d, _) = run(&[
        ("link", Status::Fail, "network.sites.none", vec![]),
        (
            "sign-in-page",
            Status::Fail,
            "network.http.captive_portal",
            vec![Observation::CaptivePortal {
                how: CaptiveHow::Redirect,
                url: Some("http://connect.example/".into()),
                location: Some("http://portal.example/login".into()),
            }],
        ),
    ]);
    assert_eq!(d.owner, Owner::SignInPage);
    assert_eq!(d.root_cause.as_deref(), Some("sign-in-page"));
    assert!(d.consequences.contains(&"link".to_string()));
}

#[test]
fn a_refusing_gateway_is_the_companys_with_the_profiles_advice() {
    let (d, checks) = run(&[(
        "vpn-gateway",
        Status::Fail,
        "network.tls.refused",
        vec![reach("vpn:443", ReachOutcome::Refused, 1, None)],
    )]);
    assert_eq!((d.owner, d.layer), (Owner::Company, Layer::VpnGateway));
    assert_eq!(d.confidence, Confidence::High);
    assert!(d.l10n["en"].headline.contains("refuses connections"));
    assert_eq!(d.l10n["en"].advice, "Call 0755-0000.");
    assert_eq!(d.l10n["zh-CN"].advice, "请拨打 0755-0000。");
    let gw = checks.iter().find(|c| c.id == "vpn-gateway").unwrap();
    assert_eq!(gw.fix.as_deref(), Some("Call 0755-0000."));
    // The tunnel and the intranet were not checked: the run cannot be ready.
    assert!(crate::report::verdict(&checks) == crate::report::Verdict::NotReady);
}

#[test]
fn a_tunnel_that_is_absent_is_the_vpn_clients() {
    let (d, _) = run(&[("tunnel", Status::Fail, "network.tunnel.no_route", vec![])]);
    assert_eq!((d.owner, d.layer), (Owner::VpnClient, Layer::VpnTunnel));
    assert_eq!(d.root_cause.as_deref(), Some("tunnel"));
}

#[test]
fn a_resolver_that_refuses_is_named_with_its_owner() {
    let (d, _) = run(&[(
        "internet",
        Status::Fail,
        "network.sites.dns_failed",
        vec![
            Observation::Resolver {
                address: "192.168.50.1".into(),
                interface: Some("eth0".into()),
                owner: ResolverOwner::HomeRouter,
            },
            Observation::DnsAnswer {
                name: "connect.example".into(),
                outcome: DnsOutcome::Refused,
                resolver: Some("192.168.50.1".into()),
                addresses: vec![],
            },
        ],
    )]);
    assert_eq!((d.owner, d.layer), (Owner::HomeNetwork, Layer::Dns));
    assert_eq!(d.who.as_deref(), Some("192.168.50.1"));
    assert!(d.l10n["en"].headline.contains("192.168.50.1"));
}

#[test]
fn a_whole_vendor_down_is_the_vendors_and_one_region_only_a_switch() {
    let (d, _) = run(&[(
        "market-data",
        Status::Fail,
        "network.sites.all_down",
        vec![
            reach("md1:7709", ReachOutcome::TimedOut, 3, Some("Guangdong")),
            reach("md3:7709", ReachOutcome::Refused, 3, Some("Shanghai")),
        ],
    )]);
    assert_eq!(d.owner, Owner::Vendor);
    assert_eq!(d.confidence, Confidence::High);
    assert!(d.l10n["en"].headline.contains("No site of Market data"));
    assert!(!d.l10n["en"].advice.contains("switch"));

    let (d, checks) = run(&[(
        "market-data",
        Status::Warn,
        "network.sites.region_down",
        vec![
            reach("md1:7709", ReachOutcome::TimedOut, 3, Some("Guangdong")),
            reach("md3:7709", ReachOutcome::Ok, 1, Some("Shanghai")),
        ],
    )]);
    assert_eq!(d.owner, Owner::Vendor);
    assert_eq!(d.who.as_deref(), Some("Guangdong"));
    assert!(
        d.l10n["en"].advice.contains("md3:7709"),
        "{}",
        d.l10n["en"].advice
    );
    assert_eq!(
        crate::report::verdict(&checks),
        crate::report::Verdict::Degraded
    );
}

#[test]
fn one_failed_sample_makes_vendor_blame_less_certain() {
    let (d, _) = run(&[(
        "market-data",
        Status::Fail,
        "network.sites.all_down",
        vec![reach(
            "md1:7709",
            ReachOutcome::TimedOut,
            1,
            Some("Guangdong"),
        )],
    )]);
    assert_eq!(d.owner, Owner::Vendor);
    assert_eq!(d.confidence, Confidence::Medium);
}

#[test]
fn only_a_proxy_gets_out() {
    let mut proxied = vec![Observation::Proxy {
        url: "http://proxy.example:3128".into(),
        source: ProxySource::Environment,
        used: true,
    }];
    proxied.push(reach("http://connect.example/", ReachOutcome::Ok, 1, None));
    let (d, _) = run(&[
        ("link", Status::Fail, "network.sites.none", vec![]),
        ("sign-in-page", Status::Pass, "network.http.ok", proxied),
    ]);
    assert_eq!(d.owner, Owner::Proxy);
    assert_eq!(d.root_cause.as_deref(), Some("link"));
    assert!(d.l10n["en"].headline.contains("proxy.example:3128"));
}

#[test]
fn a_full_disk_beside_a_dead_internet_is_a_separate_problem() {
    let (d, _) = run(&[
        ("link", Status::Fail, "network.sites.none", vec![]),
        ("disk", Status::Fail, "resources.disk.full", vec![]),
    ]);
    assert_eq!(d.owner, Owner::HomeNetwork);
    assert_eq!(d.root_cause.as_deref(), Some("link"));
    assert_eq!(d.other_problems, vec!["disk".to_string()]);
    assert!(!d.consequences.contains(&"disk".to_string()));
}

#[test]
fn the_path_is_drawn_stretch_by_stretch() {
    let (d, _) = run(&[("link", Status::Fail, "network.sites.none", vec![])]);
    let states: Vec<(&str, StepState)> =
        d.path.iter().map(|s| (s.step.as_str(), s.state)).collect();
    assert_eq!(
        states,
        vec![
            ("this_pc", StepState::Ok),
            ("home_network", StepState::Problem),
            ("vpn", StepState::NotChecked),
            ("company", StepState::NotChecked),
            ("vendor", StepState::NotChecked),
        ]
    );
}

#[test]
fn checks_skipped_behind_the_root_are_among_its_consequences() {
    let (d, _) = run(&[("link", Status::Fail, "network.sites.none", vec![])]);
    for id in [
        "internet",
        "line-quality",
        "vpn-gateway",
        "tunnel",
        "market-data",
    ] {
        assert!(
            d.consequences.contains(&id.to_string()),
            "{id}: {:?}",
            d.consequences
        );
    }
    assert!(!d.consequences.contains(&"disk".to_string()));
}

#[test]
fn a_public_name_answered_with_a_home_address_is_the_home_dns() {
    let (d, _) = run(&[(
        "vpn-gateway",
        Status::Fail,
        "network.tls.refused",
        vec![
            Observation::DnsAnswer {
                name: "vpn.corp.example".into(),
                outcome: DnsOutcome::Ok,
                resolver: None,
                addresses: vec!["192.168.50.1".into()],
            },
            reach("vpn.corp.example:443", ReachOutcome::Refused, 1, None),
        ],
    )]);
    assert_eq!((d.owner, d.layer), (Owner::HomeNetwork, Layer::Dns));
    assert_eq!(d.root_cause.as_deref(), Some("vpn-gateway"));
    assert!(d.l10n["en"].headline.contains("192.168.50.1"));
}

#[test]
fn a_silent_vpn_resolver_left_behind_is_the_vpn_client_and_one_behind_the_tunnel_the_company() {
    let dns = |owner, interface: &str, outcome| {
        vec![
            Observation::Resolver {
                address: "10.20.1.53".into(),
                interface: Some(interface.into()),
                owner,
            },
            Observation::DnsAnswer {
                name: "connect.example".into(),
                outcome,
                resolver: Some("10.20.1.53".into()),
                addresses: vec![],
            },
        ]
    };
    // The VPN's server, no longer reached through any tunnel: the VPN client lost it.
    let (d, _) = run(&[(
        "internet",
        Status::Fail,
        "network.sites.dns_failed",
        dns(ResolverOwner::Unknown, "eth0", DnsOutcome::NoAnswer),
    )]);
    assert_eq!((d.owner, d.layer), (Owner::VpnClient, Layer::VpnTunnel));
    assert_eq!(d.root_cause.as_deref(), Some("internet"));
    // Reached through the tunnel, silent or refusing: the company's DNS.
    for outcome in [DnsOutcome::NoAnswer, DnsOutcome::Refused] {
        let (d, _) = run(&[(
            "internet",
            Status::Fail,
            "network.sites.dns_failed",
            dns(ResolverOwner::Vpn, "tun0", outcome),
        )]);
        assert_eq!((d.owner, d.layer), (Owner::Company, Layer::CompanyDns));
    }
}

#[test]
fn services_that_all_stall_behind_an_up_tunnel_are_the_tunnels_packet_size() {
    let stalled = |t: &str| vec![reach(t, ReachOutcome::TimedOut, 1, None)];
    let p = r#"
[profile]
name = "t"
[[check]]
id = "tunnel"
plugin = "network"
kind = "tunnel"
[[check]]
id = "intranet"
plugin = "network"
kind = "tls"
needs = ["tunnel"]
[[check]]
id = "order-routing"
plugin = "network"
kind = "tls"
needs = ["tunnel"]
"#;
    let p = Profile::parse(p, Source::Embedded).unwrap();
    let mut checks: Vec<CheckReport> = ["tunnel", "intranet", "order-routing"]
        .iter()
        .map(|id| {
            let mut r = crate::diagnosis::findings::tests::report(
                id,
                "tls",
                Status::Fail,
                "network.tls.handshake_timed_out",
            );
            r.observations = stalled(id);
            r
        })
        .collect();
    checks[0].status = Status::Pass;
    checks[0].code = "network.tunnel.ok".into();
    checks[0].observations.clear();
    let d = diagnose(&p, &mut checks, Locale::En);
    assert_eq!((d.owner, d.layer), (Owner::Company, Layer::VpnTunnel));
    assert_eq!(d.root_cause.as_deref(), Some("intranet"));
    assert_eq!(d.consequences, vec!["order-routing".to_string()]);
}

#[test]
fn certificates_out_of_date_at_the_company_and_a_vendor_are_this_pcs_clock() {
    let cert = |t: &str| vec![reach(t, ReachOutcome::CertNotYetValid, 1, None)];
    let (d, _) = run(&[
        (
            "vpn-gateway",
            Status::Fail,
            "network.tls.not_yet_valid",
            cert("vpn:443"),
        ),
        (
            "market-data",
            Status::Fail,
            "network.tls.not_yet_valid",
            cert("md1:7709"),
        ),
    ]);
    assert_eq!(d.owner, Owner::ThisPc);
    assert_eq!(d.root_cause.as_deref(), Some("vpn-gateway"));
    assert!(d.l10n["en"].headline.contains("clock"));
    // One expired certificate alone is the server's.
    let (d, _) = run(&[(
        "vpn-gateway",
        Status::Fail,
        "network.tls.expired",
        vec![reach("vpn:443", ReachOutcome::CertExpired, 1, None)],
    )]);
    assert_eq!(d.owner, Owner::Company);
}

#[test]
fn a_tunnel_that_is_up_but_cannot_reach_its_target_points_at_the_company() {
    let (d, _) = run(&[(
        "tunnel",
        Status::Fail,
        "network.tunnel.unreachable",
        vec![
            Observation::Tunnel {
                state: readycheck_sdk::TunnelState::Up,
                interface: Some("tun0".into()),
                route_interface: Some("tun0".into()),
            },
            reach("intranet:443", ReachOutcome::Refused, 1, None),
        ],
    )]);
    assert_eq!((d.owner, d.layer), (Owner::Company, Layer::Intranet));
    assert!(d.l10n["en"].headline.contains("refuses connections"));
}

mod single;
