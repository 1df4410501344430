//! Tests of reading one check's result as a finding.

use super::*;
use crate::profile::Severity;

pub(crate) fn report(id: &str, kind: &str, status: Status, code: &str) -> CheckReport {
    CheckReport::new(id, "network", kind, Severity::Required, status, code)
}

#[test]
fn loss_measured_anywhere_is_the_home_link() {
    let mut r = report("q", "quality", Status::Warn, "network.quality.lossy");
    r.observations.push(Observation::PathQuality {
        target: "x:443".into(),
        address: None,
        sent: 20,
        lost: 6,
        rtt_ms: Some(30.0),
        jitter_ms: Some(5.0),
    });
    let f = of_check(0, Layer::Vendor, &r, true).unwrap();
    assert_eq!(f.layer, Layer::HomeNetwork);
    assert!(f.measured && f.is_fault);
    assert!(matches!(f.fault, Fault::Lossy { loss_percent } if (loss_percent - 30.0).abs() < 0.1));
}

#[test]
fn nxdomain_is_the_names_owner_and_no_answer_the_resolvers() {
    let mut r = report("n", "dns", Status::Fail, "network.dns.not_resolved");
    r.observations.push(Observation::DnsAnswer {
        name: "intranet.corp.example".into(),
        outcome: DnsOutcome::Nxdomain,
        resolver: Some("10.20.1.53".into()),
        addresses: vec![],
    });
    let f = of_check(0, Layer::CompanyDns, &r, true).unwrap();
    assert_eq!((f.layer, f.owner), (Layer::CompanyDns, Owner::Company));
    assert!(matches!(f.fault, Fault::NameMissing { .. }));

    let mut r = report("n", "sites", Status::Fail, "network.sites.dns_failed");
    r.observations.push(Observation::Resolver {
        address: "192.168.50.1".into(),
        interface: Some("eth0".into()),
        owner: ResolverOwner::HomeRouter,
    });
    r.observations.push(Observation::DnsAnswer {
        name: "www.example".into(),
        outcome: DnsOutcome::Refused,
        resolver: Some("192.168.50.1".into()),
        addresses: vec![],
    });
    let f = of_check(0, Layer::Dns, &r, true).unwrap();
    assert_eq!((f.layer, f.owner), (Layer::Dns, Owner::HomeNetwork));
}

#[test]
fn a_sign_in_page_outranks_the_checks_own_layer() {
    let mut r = report("gw", "tls", Status::Fail, "network.tls.untrusted_issuer");
    r.observations.push(Observation::CaptivePortal {
        how: CaptiveHow::UnexpectedIssuer,
        url: None,
        location: None,
    });
    let f = of_check(0, Layer::VpnGateway, &r, true).unwrap();
    assert_eq!(f.owner, Owner::SignInPage);
}

#[test]
fn a_single_failed_sample_does_not_confirm_a_site_down() {
    let mut r = report("md", "sites", Status::Fail, "network.sites.all_down");
    r.observations.push(Observation::Reach {
        target: "a:1".into(),
        address: None,
        outcome: ReachOutcome::TimedOut,
        site: None,
        region: None,
        attempts: 1,
        failures: 1,
        ms: None,
        via_proxy: false,
    });
    let f = of_check(0, Layer::Vendor, &r, true).unwrap();
    assert_eq!(f.fault, Fault::AllSitesDown { confirmed: false });
}
