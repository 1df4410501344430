//! The diagnosis in words: the headline ("whose problem, what is wrong") and the advice ("what
//! to do first") for each kind of fault, as catalog messages rendered in every locale.

use std::collections::BTreeMap;

use readycheck_sdk::i18n::{Locale, Msg};
use readycheck_sdk::{DnsOutcome, ReachOutcome, TunnelState, t};

use super::findings::{Fault, Finding};
use super::{Confidence, Diagnosis, DiagnosisText, Layer, Owner, PathStep};
use crate::i18n;
use crate::profile::LocalText;
use crate::report::CheckReport;

/// The diagnosis of a run in which nothing failed or warned.
pub fn ready(checks: &[CheckReport], path: Vec<PathStep>, lang: Locale) -> Diagnosis {
    let headline = if checks.is_empty() {
        t!("diag.nothing_checked")
    } else {
        t!("diag.ready")
    };
    let advice = t!("diag.ready.advice");
    let mut d = build(
        Owner::None,
        Layer::None,
        None,
        Confidence::High,
        None,
        |_| (headline.clone(), advice.clone()),
        lang,
    );
    d.path = path;
    d
}

/// What the run showed working, so that a headline may say so: the user's own connection, the
/// VPN tunnel. Without it, the headline makes no such claim.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    pub home_ok: bool,
    pub vpn_ok: bool,
}

impl Shown {
    fn home(self) -> Msg {
        if self.home_ok {
            t!("diag.home_ok")
        } else {
            t!("diag.nothing")
        }
    }
    fn home_sentence(self) -> Msg {
        if self.home_ok {
            t!("diag.home_ok_sentence")
        } else {
            t!("diag.nothing")
        }
    }
    fn vpn(self) -> Msg {
        if self.vpn_ok {
            t!("diag.vpn_ok")
        } else {
            t!("diag.nothing")
        }
    }
}

/// The diagnosis whose root is `root` (the finding of check `r`). `title` is the root check's
/// title in a locale; `it_advice` the profile's advice for this owner or outcome, preferred to
/// the built-in one.
pub fn diagnosis(
    root: &Finding,
    r: &CheckReport,
    title: impl Fn(Locale) -> String,
    confidence: Confidence,
    shown: Shown,
    it_advice: Option<LocalText>,
    lang: Locale,
) -> Diagnosis {
    let who = who(root);
    let texts = |l: Locale| {
        let (headline, advice) = words(root, &title(l), shown);
        let advice = match &it_advice {
            Some(text) => t!("diag.it_says", text = text.get(l)),
            None => advice,
        };
        let advice = if confidence == Confidence::Low
            && matches!(root.owner, Owner::Company | Owner::Vendor)
        {
            t!("diag.unconfirmed", advice = advice)
        } else {
            advice
        };
        (headline, advice)
    };
    build(
        root.owner,
        root.layer,
        who,
        confidence,
        Some(r.id.clone()),
        texts,
        lang,
    )
}

fn build(
    owner: Owner,
    layer: Layer,
    who: Option<String>,
    confidence: Confidence,
    root_cause: Option<String>,
    texts: impl Fn(Locale) -> (Msg, Msg),
    lang: Locale,
) -> Diagnosis {
    let mut l10n = BTreeMap::new();
    for l in Locale::ALL {
        let (h, a) = texts(l);
        l10n.insert(
            l.tag().to_string(),
            DiagnosisText {
                headline: i18n::render(l, &h),
                advice: i18n::render(l, &a),
            },
        );
    }
    let current = lang;
    let (message, advice_message) = texts(current);
    Diagnosis {
        owner,
        layer,
        who,
        confidence,
        root_cause,
        consequences: Vec::new(),
        other_problems: Vec::new(),
        headline: i18n::render(current, &message),
        advice: i18n::render(current, &advice_message),
        message,
        advice_message,
        l10n,
        evidence: Vec::new(),
        path: Vec::new(),
    }
}

/// The party the headline names, for grouping reports: a resolver, a region, a proxy.
fn who(root: &Finding) -> Option<String> {
    match &root.fault {
        Fault::ResolverDown { resolver, .. } => resolver.clone(),
        Fault::RegionsDown { regions, .. } => Some(regions.join(", ")),
        Fault::Proxy { url, .. } => Some(url.clone()),
        Fault::NameMissing { name } => Some(name.clone()),
        Fault::VpnResolverUnreachable { resolver } => resolver.clone(),
        Fault::Hijacked { address, .. } => Some(address.clone()),
        _ => None,
    }
}

/// The headline and the built-in advice for a finding.
fn words(root: &Finding, title: &str, shown: Shown) -> (Msg, Msg) {
    match (&root.fault, root.owner) {
        (Fault::SignInPage { .. }, _) => (t!("diag.sign_in"), t!("diag.sign_in.advice")),
        (Fault::Proxy { url, works: true }, _) => (
            t!("diag.proxy_only", proxy = url),
            t!("diag.proxy_only.advice"),
        ),
        (Fault::Proxy { url, works: false }, _) => (
            t!("diag.proxy_broken", proxy = url),
            t!("diag.proxy_broken.advice"),
        ),
        (Fault::Lossy { loss_percent }, _) => (
            t!("diag.lossy", loss = loss_percent.round() as i64),
            t!("diag.lossy.advice"),
        ),
        (Fault::Slow { rtt_ms }, _) => (
            t!(
                "diag.slow",
                rtt = Msg::new("unit.ms").arg("n", rtt_ms.round() as i64)
            ),
            t!("diag.slow.advice"),
        ),
        (Fault::Unstable { jitter_ms }, _) => (
            t!(
                "diag.unstable",
                jitter = Msg::new("unit.ms").arg("n", jitter_ms.round() as i64)
            ),
            t!("diag.unstable.advice"),
        ),
        (Fault::NoInternet, _) => (t!("diag.no_internet"), t!("diag.no_internet.advice")),
        (Fault::ResolverDown { resolver, outcome }, Owner::Company) => (
            t!(
                "diag.company_dns",
                resolver = resolver.clone().unwrap_or_default(),
                how = dns_how(*outcome)
            ),
            t!("diag.company_dns.advice"),
        ),
        (Fault::ResolverDown { resolver, outcome }, _) => match resolver {
            Some(resolver) => (
                t!(
                    "diag.home_dns",
                    resolver = resolver,
                    how = dns_how(*outcome)
                ),
                t!("diag.home_dns.advice"),
            ),
            None => (
                t!("diag.home_dns_unnamed", how = dns_how(*outcome)),
                t!("diag.home_dns.advice"),
            ),
        },
        (Fault::VpnResolverUnreachable { resolver }, _) => (
            t!(
                "diag.vpn_dns_unreachable",
                resolver = resolver.clone().unwrap_or_default()
            ),
            t!("diag.vpn_down.advice"),
        ),
        (Fault::Hijacked { name, address }, _) => (
            t!("diag.dns_hijacked", name = name, address = address),
            t!("diag.home_dns.advice"),
        ),
        (Fault::TunnelStall, _) => (t!("diag.tunnel_stall"), t!("diag.company.advice")),
        (Fault::Tunnel { state }, _) => match state {
            TunnelState::Down => (t!("diag.vpn_down"), t!("diag.vpn_down.advice")),
            TunnelState::NotViaTunnel => (t!("diag.vpn_bypassed"), t!("diag.vpn_bypassed.advice")),
            _ => (
                t!("diag.vpn_off", home = shown.home_sentence()),
                t!("diag.vpn_off.advice"),
            ),
        },
        (Fault::NameMissing { name }, Owner::Company) => (
            t!("diag.company_name_missing", name = name),
            t!("diag.company.advice"),
        ),
        (Fault::NameMissing { name }, Owner::Vendor) => (
            t!("diag.vendor_name_missing", title = title, name = name),
            t!("diag.vendor_down.advice"),
        ),
        (Fault::Certificate { outcome }, Owner::Company) => (
            t!(
                "diag.company_cert",
                title = title,
                what = cert_what(*outcome)
            ),
            t!("diag.company_cert.advice"),
        ),
        (Fault::Certificate { outcome }, Owner::Vendor) => (
            t!(
                "diag.vendor_cert",
                title = title,
                what = cert_what(*outcome)
            ),
            t!("diag.vendor_down.advice"),
        ),
        (Fault::AllSitesDown { .. }, Owner::Vendor) => (
            t!("diag.vendor_all_down", title = title, home = shown.home()),
            t!("diag.vendor_all_down.advice"),
        ),
        (
            Fault::RegionsDown {
                regions, fastest, ..
            },
            Owner::Vendor,
        ) => {
            let headline = if regions.is_empty() {
                t!("diag.vendor_some_down", title = title)
            } else {
                t!("diag.vendor_regions_down", title = title, regions = regions)
            };
            let advice = match fastest {
                Some(site) => t!("diag.vendor_regions_down.advice", site = site),
                None => t!("diag.vendor_regions_down.advice_any"),
            };
            (headline, advice)
        }
        (Fault::Unreachable { outcome }, Owner::Vendor) => (
            t!(
                "diag.vendor_down",
                title = title,
                how = reach_how(*outcome),
                home = shown.home()
            ),
            t!("diag.vendor_down.advice"),
        ),
        (Fault::Other, Owner::Vendor) if root.is_fault => (
            t!(
                "diag.vendor_down",
                title = title,
                how = reach_how(ReachOutcome::HttpStatus),
                home = shown.home()
            ),
            t!("diag.vendor_down.advice"),
        ),
        (Fault::Unreachable { outcome }, Owner::Company) if root.layer == Layer::VpnGateway => (
            t!(
                "diag.gateway_down",
                title = title,
                how = reach_how(*outcome),
                home = shown.home()
            ),
            t!("diag.company.advice"),
        ),
        (Fault::Unreachable { outcome }, Owner::Company) => (
            t!(
                "diag.intranet_down",
                title = title,
                how = reach_how(*outcome),
                vpn = shown.vpn()
            ),
            t!("diag.company.advice"),
        ),
        (Fault::Other, Owner::Company) if root.is_fault => (
            t!(
                "diag.intranet_down",
                title = title,
                how = reach_how(ReachOutcome::HttpStatus),
                vpn = shown.vpn()
            ),
            t!("diag.company.advice"),
        ),
        (Fault::ClockWrong, _) => (t!("diag.clock_wrong"), t!("diag.clock_wrong.advice")),
        (Fault::CouldNotCheck, _) => (
            t!("diag.could_not_check", title = title),
            t!("diag.could_not_check.advice"),
        ),
        (_, Owner::ThisPc) if root.is_fault => {
            (t!("diag.this_pc", title = title), t!("diag.this_pc.advice"))
        }
        _ if !root.is_fault => (t!("diag.concern", title = title), t!("diag.concern.advice")),
        _ => (t!("diag.unknown", title = title), t!("diag.unknown.advice")),
    }
}

fn dns_how(outcome: DnsOutcome) -> Msg {
    match outcome {
        DnsOutcome::Refused => t!("diag.dns.refused"),
        DnsOutcome::Servfail => t!("diag.dns.servfail"),
        DnsOutcome::NoAnswer => t!("diag.dns.no_answer"),
        _ => t!("diag.dns.failed"),
    }
}

fn reach_how(outcome: ReachOutcome) -> Msg {
    match outcome {
        ReachOutcome::Refused => t!("diag.how.refused"),
        ReachOutcome::TimedOut => t!("diag.how.timed_out"),
        ReachOutcome::Unreachable => t!("diag.how.unreachable"),
        ReachOutcome::Reset => t!("diag.how.reset"),
        ReachOutcome::HttpStatus => t!("diag.how.http_status"),
        ReachOutcome::WrongContent => t!("diag.how.wrong_content"),
        ReachOutcome::TlsFailed => t!("diag.how.tls"),
        _ => t!("diag.how.other"),
    }
}

fn cert_what(outcome: ReachOutcome) -> Msg {
    match outcome {
        ReachOutcome::CertExpired => t!("diag.cert.expired"),
        ReachOutcome::CertNotYetValid => t!("diag.cert.not_yet_valid"),
        ReachOutcome::CertNameMismatch => t!("diag.cert.name"),
        _ => t!("diag.cert.untrusted"),
    }
}
