//! Diagnoses of a profile with one check: thresholds, what a headline may claim, and the
//! words for every owner and stretch.

use super::*;

/// A profile of one network check (with `extra` TOML lines) that ended with `status`/`code`.
fn alone(
    id: &str,
    kind: &str,
    extra: &str,
    status: Status,
    code: &str,
) -> (Diagnosis, Vec<CheckReport>) {
    let text = format!(
        "[profile]\nname = \"t\"\n[[check]]\nid = \"{id}\"\nplugin = \"network\"\nkind = \"{kind}\"\n{extra}\n"
    );
    let p = Profile::parse(&text, Source::Embedded).unwrap();
    let mut r = crate::diagnosis::findings::tests::report(id, kind, status, code);
    r.severity = p.checks[0].severity;
    let mut checks = vec![r];
    let d = diagnose(&p, &mut checks, Locale::En);
    (d, checks)
}

#[test]
fn loss_below_the_checks_own_limit_is_no_fault() {
    let (d, _) = run(&[(
        "line-quality",
        Status::Pass,
        "network.quality.ok",
        vec![loss(100, 12)],
    )]);
    assert_eq!(d.owner, Owner::None);
}

#[test]
fn without_a_working_home_check_the_headline_claims_no_working_connection() {
    let (d, _) = alone(
        "vpn-gateway",
        "tls",
        "layer = \"vpn_gateway\"",
        Status::Fail,
        "network.tls.refused",
    );
    assert_eq!(d.owner, Owner::Company);
    assert!(
        !d.l10n["en"].headline.contains("works"),
        "{}",
        d.l10n["en"].headline
    );
    assert!(
        !d.l10n["zh-CN"].headline.contains("正常"),
        "{}",
        d.l10n["zh-CN"].headline
    );
    // With the home line shown working, it says so.
    let (d, _) = run(&[(
        "vpn-gateway",
        Status::Fail,
        "network.tls.refused",
        vec![reach("vpn:443", ReachOutcome::Refused, 1, None)],
    )]);
    assert!(
        d.l10n["en"]
            .headline
            .contains("your own internet connection works")
    );
}

#[test]
fn every_owner_and_stretch_has_words_in_both_languages() {
    let cats = crate::i18n::catalogs();
    let mut ids: Vec<String> = [Owner::None, Owner::Unknown]
        .iter()
        .chain(Owner::NAMED.iter())
        .map(|o| format!("owner.{}", o.as_str()))
        .collect();
    for step in ["this_pc", "home_network", "vpn", "company", "vendor"] {
        ids.push(format!("path.{step}"));
    }
    for state in ["ok", "warn", "problem", "affected", "not_checked"] {
        ids.push(format!("path.state.{state}"));
    }
    for id in ids {
        assert!(cats.en.get(&id).is_some(), "{id} missing in English");
        assert!(cats.zh_cn.get(&id).is_some(), "{id} missing in Chinese");
    }
}

#[test]
fn an_info_check_never_makes_the_headline() {
    let (d, checks) = alone(
        "link",
        "sites",
        "severity = \"info\"",
        Status::Fail,
        "network.sites.unreachable",
    );
    assert_eq!(d.owner, Owner::None);
    assert_eq!(
        crate::report::verdict(&checks),
        crate::report::Verdict::Ready
    );
}
