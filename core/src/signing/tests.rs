//! Tests of signing and the gate with real keys, files and state in temporary directories.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use readycheck_report::{ProfileOrigin, SignatureStatus, UpdateOutcome};

use super::gate::{self, Settings, Stop};
use super::*;

const PROFILE: &str = r#"[profile]
name = "Trading desk — home office"
version = "2026.11.2"

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
title = "Disk"
"#;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn parsed(text: &str) -> crate::profile::Profile {
    crate::profile::Profile::parse(text, crate::profile::Source::Embedded).unwrap()
}

/// A key pair written as `<dir>/keys/<name>.pub` (pinned) and returned with its secret.
fn pin(dir: &Path, name: &str) -> NewKeys {
    let k = keygen(Password::None).unwrap();
    std::fs::create_dir_all(dir.join("keys")).unwrap();
    std::fs::write(dir.join("keys").join(format!("{name}.pub")), &k.public).unwrap();
    k
}

fn signed(text: &str, k: &NewKeys, expires: &str) -> String {
    sign(text, &parsed(text), &k.secret, Password::None, day(expires))
        .unwrap()
        .0
}

fn settings(dir: &Path) -> Settings {
    Settings {
        keys: PinnedKeys::load(&[dir.join("keys")]),
        seen: Some(dir.join("state/seen.json")),
        cache: Some(dir.join("state/last-good")),
        today: day("2026-11-30"),
        fetch: false,
        timeout: std::time::Duration::from_secs(1),
        persist: true,
        lang: crate::i18n::Locale::En,
    }
}

fn write_profile(dir: &Path, text: &str, sig: Option<&str>) -> PathBuf {
    let p = dir.join("readycheck.toml");
    std::fs::write(&p, text).unwrap();
    let s = signature_path(&p);
    match sig {
        Some(sig) => std::fs::write(&s, sig).unwrap(),
        None => {
            let _ = std::fs::remove_file(&s);
        }
    }
    p
}

fn refusal(r: Result<gate::Decision, Stop>) -> Refusal {
    match r {
        Err(Stop::Refused { refusal, .. }) => refusal,
        Err(Stop::Invalid(e)) => panic!("invalid: {e}"),
        Ok(d) => panic!("accepted: {:?}", d.signature),
    }
}

#[test]
fn the_trusted_comment_round_trips_and_rejects_others() {
    let s = Signed {
        name: "Trading desk — home office".into(),
        version: "2026.11.2".into(),
        expires: day("2027-01-31"),
    };
    assert_eq!(
        s.comment(),
        "readycheck-profile version=2026.11.2 expires=2027-01-31 name=Trading desk — home office"
    );
    assert_eq!(Signed::parse(&s.comment()), Some(s));
    assert_eq!(
        Signed::parse("timestamp:1700000000\tfile:readycheck.toml"),
        None
    );
    assert_eq!(
        Signed::parse("readycheck-profile version=1 expires=someday name=x"),
        None
    );
}

#[test]
fn versions_compare_piece_by_piece() {
    assert_eq!(
        compare_versions("2026.11.10", "2026.11.9"),
        Ordering::Greater
    );
    assert_eq!(compare_versions("2026.11", "2026.11.1"), Ordering::Less);
    assert_eq!(compare_versions("2026.011", "2026.11"), Ordering::Equal);
    assert_eq!(compare_versions("2026.12", "2026.11.5"), Ordering::Greater);
    assert_eq!(
        compare_versions("2026.11-b", "2026.11-a"),
        Ordering::Greater
    );
}

#[test]
fn a_signed_profile_verifies_and_every_change_is_caught() {
    let dir = tempfile::tempdir().unwrap();
    let k = pin(dir.path(), "it");
    let keys = PinnedKeys::load(&[dir.path().join("keys")]);
    assert!(keys.pinned());
    assert_eq!(keys.ids(), vec![k.key_id.clone()]);
    let sig = signed(PROFILE, &k, "2027-01-31");
    let v = verify(PROFILE.as_bytes(), Some(&sig), &keys, day("2026-11-30")).unwrap();
    assert_eq!(v.key_id, k.key_id);
    assert_eq!(v.signed.version, "2026.11.2");
    check_identity(&v, &parsed(PROFILE)).unwrap();

    // One byte changed anywhere: refused as altered.
    for at in [0, PROFILE.len() / 2, PROFILE.len() - 1] {
        let mut bytes = PROFILE.as_bytes().to_vec();
        bytes[at] ^= 0x01;
        assert_eq!(
            verify(&bytes, Some(&sig), &keys, day("2026-11-30")),
            Err(Refusal::Altered {
                key_id: k.key_id.clone()
            }),
            "byte {at}"
        );
    }
    // The trusted comment is signed too: a longer expiry written into the file is caught.
    let forged = sig.replace("expires=2027-01-31", "expires=2099-01-31");
    assert_ne!(forged, sig);
    assert!(matches!(
        verify(PROFILE.as_bytes(), Some(&forged), &keys, day("2026-11-30")),
        Err(Refusal::Altered { .. })
    ));
    // Another key.
    let other = keygen(Password::None).unwrap();
    let by_other = signed(PROFILE, &other, "2027-01-31");
    assert_eq!(
        verify(
            PROFILE.as_bytes(),
            Some(&by_other),
            &keys,
            day("2026-11-30")
        ),
        Err(Refusal::UnknownKey {
            key_id: other.key_id.clone()
        })
    );
    // Expired: valid through its day, refused the day after.
    assert!(verify(PROFILE.as_bytes(), Some(&sig), &keys, day("2027-01-31")).is_ok());
    assert_eq!(
        verify(PROFILE.as_bytes(), Some(&sig), &keys, day("2027-02-01")),
        Err(Refusal::Expired {
            key_id: k.key_id.clone(),
            expires: "2027-01-31".into()
        })
    );
    assert_eq!(
        verify(PROFILE.as_bytes(), None, &keys, day("2026-11-30")),
        Err(Refusal::Unsigned)
    );
    assert!(matches!(
        verify(
            PROFILE.as_bytes(),
            Some("not a signature"),
            &keys,
            day("2026-11-30")
        ),
        Err(Refusal::BadSignature { .. })
    ));
}

#[test]
fn a_password_protected_key_needs_its_password() {
    let k = keygen(Password::Given("correct horse".into())).unwrap();
    assert!(secret_key_is_encrypted(&k.secret).unwrap());
    let p = parsed(PROFILE);
    assert!(matches!(
        sign(PROFILE, &p, &k.secret, Password::None, day("2027-01-31")),
        Err(SignError::Key(_))
    ));
    assert!(matches!(
        sign(
            PROFILE,
            &p,
            &k.secret,
            Password::Given("wrong".into()),
            day("2027-01-31")
        ),
        Err(SignError::Key(_))
    ));
    let (sig, v) = sign(
        PROFILE,
        &p,
        &k.secret,
        Password::Given("correct horse".into()),
        day("2027-01-31"),
    )
    .unwrap();
    let mut keys = PinnedKeys::default();
    keys.keys.push(PinnedKey {
        id: k.key_id.clone(),
        path: PathBuf::from("it.pub"),
        key: keys::parse_key(&k.public).unwrap(),
    });
    assert_eq!(
        verify(PROFILE.as_bytes(), Some(&sig), &keys, day("2026-11-30")).unwrap(),
        v
    );
    // A profile without a version cannot be signed: rollback protection compares versions.
    let unversioned = PROFILE.replace("version = \"2026.11.2\"\n", "");
    assert!(matches!(
        sign(
            &unversioned,
            &parsed(&unversioned),
            &k.secret,
            Password::Given("correct horse".into()),
            day("2027-01-31")
        ),
        Err(SignError::NoVersion)
    ));
}

#[test]
fn without_a_pinned_key_profiles_run_as_before_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = settings(dir.path());
    assert!(!s.keys.pinned());
    let p = write_profile(dir.path(), PROFILE, None);
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.signature.status, SignatureStatus::Unsigned);
    assert_eq!(d.profile.text, PROFILE);
    // Signed, but nothing to check it against: said, with the key it names.
    let k = keygen(Password::None).unwrap();
    let p = write_profile(
        dir.path(),
        PROFILE,
        Some(&signed(PROFILE, &k, "2027-01-31")),
    );
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.signature.status, SignatureStatus::NotChecked);
    assert_eq!(d.signature.key_id.as_deref(), Some(k.key_id.as_str()));
    // Nothing remembered without a key.
    assert!(!dir.path().join("state").exists());
}

#[test]
fn with_a_pinned_key_only_good_profiles_run() {
    let dir = tempfile::tempdir().unwrap();
    let k = pin(dir.path(), "it");
    let s = settings(dir.path());

    // Unsigned: refused, nothing to fall back on.
    let p = write_profile(dir.path(), PROFILE, None);
    assert_eq!(refusal(gate::decide(Some(&p), &s)), Refusal::Unsigned);
    // Another key's signature.
    let other = keygen(Password::None).unwrap();
    let p = write_profile(
        dir.path(),
        PROFILE,
        Some(&signed(PROFILE, &other, "2027-01-31")),
    );
    assert!(matches!(
        refusal(gate::decide(Some(&p), &s)),
        Refusal::UnknownKey { .. }
    ));
    // Signed by IT: runs, and is remembered as the last good one.
    let sig = signed(PROFILE, &k, "2027-01-31");
    let p = write_profile(dir.path(), PROFILE, Some(&sig));
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.signature.status, SignatureStatus::Verified);
    assert_eq!(d.signature.origin, ProfileOrigin::File);
    assert_eq!(d.signature.key_id.as_deref(), Some(k.key_id.as_str()));
    assert_eq!(d.signature.expires.as_deref(), Some("2027-01-31"));
    assert!(d.refused.is_empty());

    // Now someone edits the file (a check's target): refused, named in the report, and the
    // last good profile runs instead.
    let tampered = PROFILE.replace("title = \"Disk\"", "title = \"Disk!\"");
    let p = write_profile(dir.path(), &tampered, Some(&sig));
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.profile.text, PROFILE);
    assert_eq!(d.signature.origin, ProfileOrigin::Cached);
    assert_eq!(d.refused.len(), 1);
    assert_eq!(d.refused[0].problem, "altered");
    assert!(d.refused[0].message.contains("readycheck.toml"));
    assert_eq!(d.warnings.len(), 1);

    // Expired: refused too (the cached copy has the same expiry, so nothing runs).
    let mut late = settings(dir.path());
    late.today = day("2027-02-01");
    let p = write_profile(dir.path(), PROFILE, Some(&sig));
    assert!(matches!(
        refusal(gate::decide(Some(&p), &late)),
        Refusal::Expired { .. }
    ));
}

#[test]
fn an_older_profile_is_never_brought_back() {
    let dir = tempfile::tempdir().unwrap();
    let k = pin(dir.path(), "it");
    let s = settings(dir.path());
    let newer = PROFILE.replace("2026.11.2", "2026.11.3");
    let p = write_profile(dir.path(), &newer, Some(&signed(&newer, &k, "2027-01-31")));
    gate::decide(Some(&p), &s).unwrap();
    assert_eq!(
        seen::Seen::load(&dir.path().join("state/seen.json")).highest("Trading desk — home office"),
        Some("2026.11.3")
    );
    // The older one, properly signed, put back in place: refused as a rollback; the newer last
    // good profile runs.
    let p = write_profile(
        dir.path(),
        PROFILE,
        Some(&signed(PROFILE, &k, "2027-01-31")),
    );
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.profile.version.as_deref(), Some("2026.11.3"));
    assert_eq!(d.refused[0].problem, "older");
    // Without the last good copy it does not run at all.
    std::fs::remove_dir_all(dir.path().join("state/last-good")).unwrap();
    assert_eq!(
        refusal(gate::decide(Some(&p), &s)),
        Refusal::Older {
            key_id: k.key_id.clone(),
            version: "2026.11.2".into(),
            seen: "2026.11.3".into()
        }
    );
}

#[test]
fn a_signature_for_another_profile_or_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let k = pin(dir.path(), "it");
    let s = settings(dir.path());
    // minisign signs bytes: a signature made for these bytes but with a comment naming another
    // version cannot be produced without the key, so sign a different text and swap it in.
    let other = PROFILE.replace("Trading desk", "Call centre");
    let sig = signed(&other, &k, "2027-01-31");
    // The other profile's own bytes under this name: identity is checked after verifying.
    let p = write_profile(dir.path(), &other, Some(&sig));
    assert!(gate::decide(Some(&p), &s).is_ok());
    let p = write_profile(dir.path(), PROFILE, Some(&sig));
    assert!(matches!(
        refusal(gate::decide(Some(&p), &s)),
        Refusal::Altered { .. }
    ));
}

#[test]
fn a_broken_key_file_still_pins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("keys")).unwrap();
    std::fs::write(dir.path().join("keys/it.pub"), "not a key\n").unwrap();
    let s = settings(dir.path());
    assert!(s.keys.pinned());
    assert_eq!(s.keys.broken.len(), 1);
    let p = write_profile(dir.path(), PROFILE, None);
    assert_eq!(refusal(gate::decide(Some(&p), &s)), Refusal::Unsigned);
}

#[test]
fn the_update_source_is_read_from_the_profile() {
    let with = PROFILE.replace(
        "version = \"2026.11.2\"\n",
        "version = \"2026.11.2\"\nupdate = { url = \"https://rc.example/api/v1/profiles/desk\", auth_header_env = \"RC_TOKEN\" }\n",
    );
    assert_eq!(
        update::source_of(&with),
        Some(update::UpdateSource {
            url: "https://rc.example/api/v1/profiles/desk".into(),
            auth_header_env: Some("RC_TOKEN".into())
        })
    );
    assert_eq!(update::source_of(PROFILE), None);
    let doc: toml_edit::Document<String> = toml_edit::Document::parse(
        "u = { url = \"ftp://x\" }\nv = { url = \"https://x\", token = \"t\" }".to_string(),
    )
    .unwrap();
    assert_eq!(
        update::source_from_item(&doc["u"]),
        Err(update::SourceError::NotUrl("ftp://x".into()))
    );
    assert_eq!(
        update::source_from_item(&doc["v"]),
        Err(update::SourceError::UnknownKey("token".into()))
    );
}

#[test]
fn without_the_fetch_an_update_source_is_reported_not_asked() {
    let dir = tempfile::tempdir().unwrap();
    let k = pin(dir.path(), "it");
    let s = settings(dir.path());
    let with = PROFILE.replace(
        "version = \"2026.11.2\"\n",
        "version = \"2026.11.2\"\nupdate = { url = \"http://127.0.0.1:9/api/v1/profiles/desk\" }\n",
    );
    let p = write_profile(dir.path(), &with, Some(&signed(&with, &k, "2027-01-31")));
    let d = gate::decide(Some(&p), &s).unwrap();
    assert_eq!(d.update.unwrap().outcome, UpdateOutcome::NotChecked);
}
