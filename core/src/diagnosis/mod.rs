//! The diagnosis stage: whose problem is it. Between the runner's results and the report, it
//! maps every check onto the path from this PC to each service ([`model`]), reads each result
//! as a finding about one layer ([`findings`]), picks the fault that explains the most of what
//! was seen — a measured bad link or sign-in page before the time-outs it causes, the first
//! layer on the way out before the ones behind it — marks the failures it explains as its
//! consequences, and names the owner in plain words with what to do ([`words`]). The
//! vocabulary it fills in (layers, owners, the diagnosis object) is the report contract's
//! ([`readycheck_report::diagnosis`]).
//!
//! Blame on the company or a vendor needs the user's own path shown healthy: a fault measured
//! at home always outranks it, and a vendor is only "down" on repeated samples (otherwise the
//! diagnosis says it is likely, not certain).

pub mod findings;
mod observed;
mod words;

use readycheck_sdk::i18n::Locale;
use readycheck_sdk::{Observation, Status};

pub use readycheck_report::diagnosis::{
    Confidence, Diagnosis, DiagnosisText, Layer, Owner, PathStep, StepState,
};
pub use readycheck_report::required_not_run;

use crate::profile::{Check, Profile, Severity};
use crate::report::CheckReport;
use findings::{Fault, Finding};

/// The layer of `check`: the profile's `layer`, else inferred — `network/tunnel` is the VPN
/// tunnel, `network/quality` and network checks that need nothing are the home network, a
/// network check behind a tunnel check is the intranet, any other network check a vendor's
/// service, and every other plugin looks at this PC.
pub fn layer_of(profile: &Profile, check: &Check) -> Layer {
    if let Some(l) = check.layer {
        return l;
    }
    if check.plugin != "network" {
        return Layer::ThisPc;
    }
    match check.kind.as_str() {
        "tunnel" => return Layer::VpnTunnel,
        "quality" => return Layer::HomeNetwork,
        _ => {}
    }
    if check.needs.is_empty() {
        return Layer::HomeNetwork;
    }
    let mut stack: Vec<&str> = check.needs.iter().map(String::as_str).collect();
    let mut seen = 0;
    while let Some(id) = stack.pop() {
        seen += 1;
        if seen > profile.checks.len() {
            break;
        }
        let Some(i) = profile.check_index(id) else {
            continue;
        };
        let need = &profile.checks[i];
        if need.kind == "tunnel" || need.layer == Some(Layer::VpnTunnel) {
            return Layer::Intranet;
        }
        stack.extend(need.needs.iter().map(String::as_str));
    }
    Layer::Vendor
}

/// Runs the stage over a run's results (in profile order): sets every entry's `layer`, marks
/// consequences (`explained_by`, their fix removed: the root's advice is the one to follow),
/// applies the profile's advice per owner, and returns the diagnosis.
pub fn diagnose(profile: &Profile, checks: &mut [CheckReport], lang: Locale) -> Diagnosis {
    let layers: Vec<Layer> = checks
        .iter()
        .map(|r| {
            profile
                .check_index(&r.id)
                .map(|i| layer_of(profile, &profile.checks[i]))
                .unwrap_or(Layer::ThisPc)
        })
        .collect();
    for (r, l) in checks.iter_mut().zip(&layers) {
        r.layer = Some(*l);
    }
    let vpn_in_use = layers.contains(&Layer::VpnTunnel)
        || checks.iter().any(|r| {
            r.observations
                .iter()
                .any(|o| matches!(o, Observation::Tunnel { .. }))
        });
    let mut found: Vec<Finding> = checks
        .iter()
        .enumerate()
        .filter_map(|(i, r)| findings::of_check(i, layers[i], r, vpn_in_use))
        .collect();
    proxy_only(checks, &layers, &mut found);
    tunnel_stall(checks, &mut found);
    clock_wrong(checks, &mut found);

    // An `info` check never changes the verdict, so it never becomes the headline either.
    let counts = |f: &&Finding| checks[f.check].severity != Severity::Info;
    let faults: Vec<&Finding> = found.iter().filter(|f| f.is_fault).filter(counts).collect();
    let concerns: Vec<&Finding> = found
        .iter()
        .filter(|f| !f.is_fault)
        .filter(counts)
        .collect();
    let pool = if faults.is_empty() {
        &concerns
    } else {
        &faults
    };
    let root = choose_root(pool, &found, checks, &layers);

    let Some(root) = root else {
        let path = path_steps(checks, &layers, None, &[]);
        return words::ready(checks, path, lang);
    };
    let mut consequences: Vec<usize> = found
        .iter()
        .filter(|g| explains(root, g, &layers))
        .map(|g| g.check)
        .collect();
    // Checks skipped because the root, or one of its consequences, did not pass follow from it
    // too (in profile order, so a skip behind a skip is reached).
    for i in 0..checks.len() {
        let behind = checks[i].skipped_because.as_ref().is_some_and(|because| {
            because.iter().any(|id| {
                *id == checks[root.check].id || consequences.iter().any(|&c| checks[c].id == *id)
            })
        });
        if behind && !consequences.contains(&i) {
            consequences.push(i);
        }
    }
    consequences.sort_unstable();
    let mut others: Vec<usize> = faults
        .iter()
        .filter(|g| g.check != root.check && !consequences.contains(&g.check))
        .map(|g| g.check)
        .collect();
    others.sort_by_key(|&i| (checks[i].severity, i));

    for &i in &consequences {
        checks[i].explained_by = Some(checks[root.check].id.clone());
        checks[i].fix = None;
        for t in checks[i].l10n.values_mut() {
            t.fix = None;
        }
    }
    // The profile's advice for this outcome, else for this owner: on the root check and in the
    // headline's advice alike, so the two never disagree.
    let root_check = profile
        .check_index(&checks[root.check].id)
        .map(|j| &profile.checks[j]);
    let it_advice = root_check.and_then(|c| {
        c.fixes
            .get(&checks[root.check].code)
            .or_else(|| c.fixes.get(root.owner.as_str()))
            .cloned()
    });
    if let Some(fix) = &it_advice {
        let r = &mut checks[root.check];
        for (tag, t) in &mut r.l10n {
            t.fix = Some(fix.get(Locale::parse(tag).unwrap_or_default()).to_string());
        }
        r.fix = Some(fix.get(lang).to_string());
    }

    let mut evidence = root.evidence.clone();
    for f in &found {
        if consequences.contains(&f.check) {
            evidence.extend(f.evidence.iter().cloned());
        }
    }
    let confidence = confidence(root, &found, checks, &layers, &consequences);
    // What the headline may claim: the user's own connection shown working (a home or DNS
    // check passed, and no trouble there the root does not explain), the VPN shown connected.
    let home_ok = checks.iter().zip(&layers).any(|(r, l)| {
        matches!(l, Layer::HomeNetwork | Layer::Dns)
            && matches!(r.status, Status::Pass | Status::Warn)
    }) && !found.iter().any(|f| {
        matches!(f.layer, Layer::HomeNetwork | Layer::SignIn | Layer::Dns)
            && !f.weak
            && f.check != root.check
            && !consequences.contains(&f.check)
    });
    let vpn_ok = checks
        .iter()
        .zip(&layers)
        .any(|(r, l)| *l == Layer::VpnTunnel && matches!(r.status, Status::Pass | Status::Warn));
    let path = path_steps(checks, &layers, Some(root), &consequences);
    let title = |l: Locale| {
        root_check
            .map(|c| c.title.get(l).to_string())
            .unwrap_or_else(|| checks[root.check].title.clone())
    };
    let shown = words::Shown { home_ok, vpn_ok };
    let mut d = words::diagnosis(
        root,
        &checks[root.check],
        title,
        confidence,
        shown,
        it_advice,
        lang,
    );
    d.consequences = consequences.iter().map(|&i| checks[i].id.clone()).collect();
    d.other_problems = others.iter().map(|&i| checks[i].id.clone()).collect();
    d.evidence = evidence;
    d.path = path;
    d
}

/// Direct connections fail while a check through a proxy works: the network lets traffic out
/// only through the proxy. The first direct failure on the way out becomes that finding.
fn proxy_only(checks: &[CheckReport], layers: &[Layer], found: &mut [Finding]) {
    let proxied_ok = checks.iter().find_map(|r| {
        let passed = matches!(r.status, Status::Pass | Status::Warn);
        r.observations.iter().find_map(|o| match o {
            Observation::Proxy {
                url, used: true, ..
            } if passed => Some(url.clone()),
            _ => None,
        })
    });
    let Some(url) = proxied_ok.map(|u| readycheck_sdk::redact::strip_credentials(&u)) else {
        return;
    };
    let direct = found
        .iter_mut()
        .filter(|f| {
            f.is_fault
                && matches!(
                    f.fault,
                    Fault::NoInternet | Fault::Unreachable { .. } | Fault::AllSitesDown { .. }
                )
                && layers[f.check].depth().is_some()
        })
        .min_by_key(|f| (layers[f.check].depth(), f.check));
    if let Some(f) = direct {
        f.layer = Layer::SignIn;
        f.owner = Owner::Proxy;
        f.measured = true;
        f.evidence.push(format!(
            "{}: direct connections fail while requests through the proxy {url} work",
            checks[f.check].id
        ));
        f.fault = Fault::Proxy { url, works: true };
    }
}

/// Connections to two or more services behind the tunnel open and then stall, while the tunnel
/// itself is up: the tunnel drops what small probes never show (packets too large for it). The
/// first of them becomes that finding; the others follow from it.
fn tunnel_stall(checks: &[CheckReport], found: &mut [Finding]) {
    let stalled = |f: &Finding| {
        f.is_fault
            && f.layer == Layer::Intranet
            && matches!(
                f.fault,
                Fault::Unreachable {
                    outcome: readycheck_sdk::ReachOutcome::TimedOut
                }
            )
    };
    let handshake = found
        .iter()
        .any(|f| stalled(f) && checks[f.check].code.ends_with("handshake_timed_out"));
    let count = found.iter().filter(|f| stalled(f)).count();
    if !handshake || count < 2 {
        return;
    }
    if let Some(f) = found.iter_mut().find(|f| stalled(f)) {
        f.layer = Layer::VpnTunnel;
        f.owner = Owner::Company;
        f.fault = Fault::TunnelStall;
        f.evidence.push(format!(
            "{}: connections through the tunnel open, then stall ({count} services)",
            checks[f.check].id
        ));
    }
}

/// Certificates out of their dates at services of different owners, or beside a clock check
/// that found the clock wrong: the PC's clock, not every server at once. The clock check (or
/// the first such certificate) becomes that finding.
fn clock_wrong(checks: &[CheckReport], found: &mut [Finding]) {
    use readycheck_sdk::ReachOutcome::{CertExpired, CertNotYetValid};
    let dated = |f: &Finding| {
        matches!(
            f.fault,
            Fault::Certificate {
                outcome: CertExpired | CertNotYetValid
            }
        )
    };
    let clock_check = found
        .iter()
        .position(|f| f.is_fault && checks[f.check].code == "posture.clock.wrong");
    let owners: std::collections::BTreeSet<&str> = found
        .iter()
        .filter(|f| dated(f))
        .map(|f| f.owner.as_str())
        .collect();
    let seen = found.iter().filter(|f| dated(f)).count();
    if seen == 0 || (clock_check.is_none() && owners.len() < 2) {
        return;
    }
    let at = clock_check.or_else(|| found.iter().position(dated));
    if let Some(f) = at.map(|i| &mut found[i]) {
        f.layer = Layer::ThisPc;
        f.owner = Owner::ThisPc;
        f.fault = Fault::ClockWrong;
        f.measured = true;
        f.evidence.push(format!(
            "{}: certificates out of their dates at {seen} service(s) of {} owner(s)",
            checks[f.check].id,
            owners.len()
        ));
    }
}

/// The fault that explains the most: measured faults first (a bad link or a sign-in page
/// outranks the time-outs it causes), then the one explaining the most other failures, then
/// the first on the way out, then severity and profile order. Faults off the network path
/// (this PC's disk, a check that could not run) are chosen only when nothing on the path
/// failed.
fn choose_root<'a>(
    pool: &[&'a Finding],
    all: &[Finding],
    checks: &[CheckReport],
    layers: &[Layer],
) -> Option<&'a Finding> {
    let on_path = |f: &Finding| f.layer.depth().is_some() || matches!(f.fault, Fault::ClockWrong);
    let score = |f: &Finding| {
        let explained = all.iter().filter(|g| explains(f, g, layers)).count();
        (
            !on_path(f),
            !f.measured,
            f.weak,
            std::cmp::Reverse(explained),
            f.layer.depth().unwrap_or(u8::MAX),
            checks[f.check].severity,
            f.check,
        )
    };
    pool.iter().copied().min_by_key(|f| score(f))
}

/// Whether `root` explains the finding `g` of another check.
fn explains(root: &Finding, g: &Finding, layers: &[Layer]) -> bool {
    if g.check == root.check || matches!(g.fault, Fault::CouldNotCheck) {
        return false;
    }
    // A wrong clock explains every certificate that looks out of its dates.
    if matches!(root.fault, Fault::ClockWrong) {
        return matches!(
            g.fault,
            Fault::Certificate {
                outcome: readycheck_sdk::ReachOutcome::CertExpired
                    | readycheck_sdk::ReachOutcome::CertNotYetValid
            }
        );
    }
    if matches!(root.fault, Fault::CouldNotCheck) || root.layer.depth().is_none() || root.weak {
        return false;
    }
    let written_for = layers[g.check];
    if written_for.depth().is_none() {
        return false;
    }
    // Everything behind a stalling tunnel stalls the same way.
    if matches!(root.fault, Fault::TunnelStall) {
        return written_for == Layer::Intranet || written_for == Layer::CompanyDns;
    }
    if root.layer.is_upstream_of(written_for) || root.layer.is_upstream_of(g.layer) {
        return true;
    }
    // A sign-in page or a proxy-only network blocks everything on the way out, the home
    // network's own probes by address included.
    if matches!(
        root.fault,
        Fault::SignInPage { .. } | Fault::Proxy { works: true, .. }
    ) {
        return true;
    }
    // Name servers that do not answer explain every lookup and time-out that needed a name
    // (not a probe by address on the home network).
    let needs_names = |l: Layer| l.depth() >= Layer::Dns.depth() || l == Layer::SignIn;
    if matches!(
        root.fault,
        Fault::ResolverDown { .. } | Fault::VpnResolverUnreachable { .. }
    ) && is_symptom(&g.fault)
        && (needs_names(written_for) || needs_names(g.layer))
    {
        return true;
    }
    // The same fault seen twice (two checks met the sign-in page), or a measured bad link
    // behind the time-outs of other checks on the same stretch.
    g.layer == root.layer
        && (std::mem::discriminant(&g.fault) == std::mem::discriminant(&root.fault)
            || root.measured && !g.measured)
}

/// A failure that only shows that something further up did not work: a time-out, a name that
/// did not resolve, no site answering.
fn is_symptom(f: &Fault) -> bool {
    use readycheck_sdk::ReachOutcome::{DnsFailed, TimedOut, Unreachable};
    matches!(
        f,
        Fault::Unreachable {
            outcome: TimedOut | DnsFailed | Unreachable
        } | Fault::ResolverDown { .. }
            | Fault::AllSitesDown { .. }
            | Fault::NoInternet
            | Fault::Other
    )
}

/// How sure the owner is: company and vendor blame needs the home path shown healthy and,
/// for a multi-site service, repeated samples.
fn confidence(
    root: &Finding,
    all: &[Finding],
    checks: &[CheckReport],
    layers: &[Layer],
    consequences: &[usize],
) -> Confidence {
    if root.measured {
        return Confidence::High;
    }
    match root.owner {
        Owner::Company | Owner::Vendor => {
            let home_checked = checks.iter().zip(layers).any(|(r, l)| {
                matches!(l, Layer::HomeNetwork | Layer::Dns | Layer::SignIn)
                    && matches!(r.status, Status::Pass | Status::Warn)
            });
            // Trouble at home that the root does not itself explain (a probe of a public site
            // that timed out because the company's DNS is down is no such trouble).
            let home_trouble = all.iter().any(|f| {
                matches!(f.layer, Layer::HomeNetwork | Layer::SignIn | Layer::Dns)
                    && !f.weak
                    && f.check != root.check
                    && !consequences.contains(&f.check)
            });
            let repeated = match &root.fault {
                Fault::AllSitesDown { confirmed } | Fault::RegionsDown { confirmed, .. } => {
                    *confirmed
                }
                _ => true,
            };
            if home_checked && !home_trouble && repeated {
                Confidence::High
            } else if home_trouble {
                Confidence::Low
            } else {
                Confidence::Medium
            }
        }
        Owner::Unknown => Confidence::Low,
        _ => Confidence::High,
    }
}

/// The stretch of the drawn chain a layer belongs to.
fn step_of(layer: Layer) -> &'static str {
    match layer {
        Layer::None | Layer::ThisPc => "this_pc",
        Layer::HomeNetwork | Layer::SignIn | Layer::Dns => "home_network",
        Layer::VpnGateway | Layer::VpnTunnel => "vpn",
        Layer::CompanyDns | Layer::Intranet => "company",
        Layer::Vendor => "vendor",
    }
}

fn path_steps(
    checks: &[CheckReport],
    layers: &[Layer],
    root: Option<&Finding>,
    consequences: &[usize],
) -> Vec<PathStep> {
    const ORDER: [&str; 5] = ["this_pc", "home_network", "vpn", "company", "vendor"];
    let mut steps = Vec::new();
    for step in ORDER {
        let members: Vec<usize> = (0..checks.len())
            .filter(|&i| step_of(layers[i]) == step)
            .collect();
        let root_here = root.is_some_and(|r| step_of(r.layer) == step);
        if members.is_empty() && !root_here {
            continue;
        }
        let status = |i: usize| checks[i].status;
        let state = if root_here && root.is_some_and(|r| !r.is_fault) {
            StepState::Warn
        } else if root_here {
            StepState::Problem
        } else if members.iter().any(|&i| {
            consequences.contains(&i)
                && matches!(status(i), Status::Fail | Status::Error | Status::Warn)
        }) {
            StepState::Affected
        } else if members
            .iter()
            .any(|&i| matches!(status(i), Status::Fail | Status::Error))
        {
            StepState::Problem
        } else if !members.is_empty() && members.iter().all(|&i| status(i) == Status::Skip) {
            StepState::NotChecked
        } else if members.iter().any(|&i| status(i) == Status::Warn) {
            StepState::Warn
        } else {
            StepState::Ok
        };
        steps.push(PathStep {
            step: step.to_string(),
            state,
            checks: members.iter().map(|&i| checks[i].id.clone()).collect(),
        });
    }
    steps
}

#[cfg(test)]
mod tests;
