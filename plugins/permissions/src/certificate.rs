//! `permissions/certificate`: an X.509 certificate file (PEM or DER) — a VPN client certificate,
//! a signing certificate — exists, parses, is within its validity period with days-left
//! thresholds, and optionally names the expected subject and issuer. With `key`, the private
//! key file must exist and, on Unix, must not be readable by group or others.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};

use crate::path::Action;
use schemars::JsonSchema;
use serde::Deserialize;
use x509_parser::prelude::*;

/// Parameters of `permissions/certificate`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertParams {
    /// The certificate file (PEM or DER); with several PEM blocks, the first is checked.
    pub path: String,
    /// The private key file, if it must be checked too.
    #[serde(default)]
    pub key: Option<String>,
    /// Warn when fewer days than this are left (default 30).
    #[serde(default)]
    pub warn_days: Option<i64>,
    /// Fail when fewer days than this are left (default 7).
    #[serde(default)]
    pub fail_days: Option<i64>,
    /// Text the subject must contain, e.g. "CN=alice".
    #[serde(default)]
    pub subject_contains: Option<String>,
    /// Text the issuer must contain, e.g. "Corp Issuing CA".
    #[serde(default)]
    pub issuer_contains: Option<String>,
}

/// The `permissions/certificate` kind.
pub struct Certificate;

impl Kind for Certificate {
    const NAME: &'static str = "certificate";
    const TITLE: &'static str = "A certificate file is valid and not about to expire";
    const DESCRIPTION: &'static str = "Reads a certificate (PEM or DER) and reports its subject, issuer and days left; warns or \
         fails as expiry approaches, fails when expired or not yet valid, or when subject or issuer \
         are not the expected ones. With `key`, the private key must exist and must not be \
         readable by other users.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"vpn-cert\"\nplugin = \"permissions\"\nkind = \"certificate\"\ntitle = \"VPN client certificate\"\npath = \"~/.vpn/client.crt\"\nkey = \"~/.vpn/client.key\"\nwarn_days = 30\nissuer_contains = \"Corp Issuing CA\"\n";
    type Params = CertParams;

    fn run(p: &CertParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

fn expand(p: &str) -> std::path::PathBuf {
    let home = std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" });
    match (p.strip_prefix("~/").or_else(|| p.strip_prefix("~\\")), home) {
        (Some(rest), Some(h)) => Path::new(&h).join(rest),
        _ => p.into(),
    }
}

fn fail(code: &str, summary: Msg, evidence: Vec<String>) -> CheckResult {
    let mut r = CheckResult::fail(format!("permissions.certificate.{code}"), summary);
    r.evidence = evidence;
    r
}

pub fn run(p: &CertParams) -> CheckResult {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    check_at(p, now)
}

/// Judges the certificate as of `now` (seconds since 1970).
pub fn check_at(p: &CertParams, now: i64) -> CheckResult {
    let path = expand(&p.path);
    let mut evidence = Vec::new();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            let (code, msg) = crate::path::explain(&e, &path, Action::Read);
            evidence.push(format!("read {}: {e}", path.display()));
            let code = if code == "missing" {
                "missing"
            } else {
                "unreadable"
            };
            return fail(code, t!("certificate.file", problem = msg), evidence);
        }
    };
    let der: Vec<u8> =
        if bytes.starts_with(b"-----BEGIN") || bytes.windows(10).any(|w| w == b"-----BEGIN") {
            match parse_x509_pem(&bytes) {
                Ok((_, pem)) => pem.contents,
                Err(e) => {
                    return fail(
                        "unparsable",
                        t!(
                            "certificate.not_pem",
                            path = path.display().to_string(),
                            error = e.to_string()
                        ),
                        evidence,
                    );
                }
            }
        } else {
            bytes
        };
    let cert = match parse_x509_certificate(&der) {
        Ok((_, c)) => c,
        Err(e) => {
            return fail(
                "unparsable",
                t!(
                    "certificate.not_x509",
                    path = path.display().to_string(),
                    error = e.to_string()
                ),
                evidence,
            );
        }
    };
    let subject = cert.subject().to_string();
    let issuer = cert.issuer().to_string();
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let days_left = (not_after - now).div_euclid(86400);
    evidence.push(format!(
        "{}: subject {subject}; issuer {issuer}",
        path.display()
    ));
    evidence.push(format!(
        "valid from {} to {}",
        cert.validity().not_before.to_datetime().date(),
        cert.validity().not_after.to_datetime().date()
    ));
    let name = cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| subject.clone());
    let warn_days = p.warn_days.unwrap_or(30);
    let fail_days = p.fail_days.unwrap_or(7);

    let mut r = if now < not_before {
        fail(
            "not_yet_valid",
            t!(
                "certificate.not_yet_valid",
                name = &name,
                date = cert.validity().not_before.to_datetime().date().to_string()
            ),
            evidence.clone(),
        )
    } else if now > not_after {
        fail(
            "expired",
            t!(
                "certificate.expired",
                name = &name,
                days = -days_left,
                date = cert.validity().not_after.to_datetime().date().to_string()
            ),
            evidence.clone(),
        )
    } else if p
        .subject_contains
        .as_ref()
        .is_some_and(|s| !subject.contains(s.as_str()))
    {
        fail(
            "wrong_subject",
            t!(
                "certificate.wrong_subject",
                subject = &subject,
                expected = p.subject_contains.as_deref().unwrap_or("")
            ),
            evidence.clone(),
        )
    } else if p
        .issuer_contains
        .as_ref()
        .is_some_and(|s| !issuer.contains(s.as_str()))
    {
        fail(
            "wrong_issuer",
            t!(
                "certificate.wrong_issuer",
                name = &name,
                issuer = &issuer,
                expected = p.issuer_contains.as_deref().unwrap_or("")
            ),
            evidence.clone(),
        )
    } else if days_left < fail_days {
        fail(
            "expiring",
            t!("certificate.expiring", name = &name, days = days_left),
            evidence.clone(),
        )
    } else if days_left < warn_days {
        let mut r = CheckResult::warn(
            "permissions.certificate.expiring_soon",
            t!("certificate.expiring_soon", name = &name, days = days_left),
        );
        r.evidence = evidence.clone();
        r
    } else {
        let mut r = CheckResult::pass(
            "permissions.certificate.ok",
            t!("certificate.ok", name = &name, days = days_left),
        );
        r.evidence = evidence.clone();
        r
    };
    if let (Some(key), readycheck_sdk::Status::Pass | readycheck_sdk::Status::Warn) =
        (&p.key, r.status)
        && let Err(k) = check_key(&expand(key), &mut r.evidence)
    {
        let ev = std::mem::take(&mut r.evidence);
        r = fail(k.0, k.1, ev);
    }
    r.metric("days_left", days_left as f64)
}

/// The private key exists, is readable, looks like a key, and is private to its owner.
fn check_key(path: &Path, evidence: &mut Vec<String>) -> Result<(), (&'static str, Msg)> {
    let bytes = std::fs::read(path).map_err(|e| {
        evidence.push(format!("read key {}: {e}", path.display()));
        let (code, msg) = crate::path::explain(&e, path, Action::Read);
        (
            if code == "missing" {
                "key_missing"
            } else {
                "key_unreadable"
            },
            t!("certificate.key", problem = msg),
        )
    })?;
    let text = String::from_utf8_lossy(&bytes);
    if !(text.contains("PRIVATE KEY-----") || bytes.first() == Some(&0x30)) {
        return Err((
            "key_unparsable",
            t!(
                "certificate.key_unparsable",
                path = path.display().to_string()
            ),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        evidence.push(format!("key {}: mode {mode:o}", path.display()));
        if mode & 0o077 != 0 {
            return Err((
                "key_exposed",
                t!(
                    "certificate.key_exposed",
                    path = path.display().to_string(),
                    mode = format!("{mode:o}")
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use ::time::{Duration, OffsetDateTime};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use readycheck_sdk::Status;

    struct Ca {
        issuer: Issuer<'static, KeyPair>,
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        Ca {
            issuer: Issuer::new(p, key),
        }
    }

    /// Writes a leaf certificate valid from `from` to `to` days around now; returns (cert, key).
    fn leaf(
        dir: &Path,
        ca: &Ca,
        cn: &str,
        from: i64,
        to: i64,
        der: bool,
    ) -> (std::path::PathBuf, std::path::PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![cn.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, cn);
        let now = OffsetDateTime::now_utc();
        p.not_before = now + Duration::days(from);
        p.not_after = now + Duration::days(to);
        let cert = p.signed_by(&key, &ca.issuer).unwrap();
        let cert_path = dir.join(format!("{cn}.{}", if der { "der" } else { "pem" }));
        if der {
            std::fs::write(&cert_path, cert.der()).unwrap();
        } else {
            std::fs::write(&cert_path, cert.pem()).unwrap();
        }
        let key_path = dir.join(format!("{cn}.key"));
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        (cert_path, key_path)
    }

    fn params(cert: &Path) -> CertParams {
        CertParams {
            path: cert.display().to_string(),
            ..Default::default()
        }
    }

    #[test]
    fn valid_expiring_expired_and_not_yet_valid() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Issuing CA");
        let (valid, key) = leaf(d.path(), &corp, "alice", -10, 365, false);
        let mut p = params(&valid);
        p.key = Some(key.display().to_string());
        p.issuer_contains = Some("Corp Issuing CA".into());
        p.subject_contains = Some("alice".into());
        let r = run(&p);
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(
            (364.0..=365.0).contains(&r.metrics["days_left"]),
            "{:?}",
            r.metrics
        );

        let (soon, _) = leaf(d.path(), &corp, "soon", -300, 3, true);
        let r = run(&params(&soon));
        assert_eq!(r.code, "permissions.certificate.expiring", "{r:?}");
        assert!(
            r.en_summary().contains("expires in 2 days")
                || r.en_summary().contains("expires in 3 days"),
            "{}",
            r.en_summary()
        );
        let mut lenient = params(&soon);
        lenient.fail_days = Some(1);
        assert_eq!(run(&lenient).code, "permissions.certificate.expiring_soon");

        let (old, _) = leaf(d.path(), &corp, "old", -400, -5, false);
        let r = run(&params(&old));
        assert_eq!(r.code, "permissions.certificate.expired");
        assert!(
            r.en_summary().contains("expired 5 days ago")
                || r.en_summary().contains("expired 6 days ago"),
            "{}",
            r.en_summary()
        );

        let (future, _) = leaf(d.path(), &corp, "future", 2, 100, false);
        assert_eq!(
            run(&params(&future)).code,
            "permissions.certificate.not_yet_valid"
        );
    }

    #[test]
    fn wrong_issuer_and_unparsable_files() {
        let d = tempfile::tempdir().unwrap();
        let rogue = ca("Someone Else CA");
        let (cert, _) = leaf(d.path(), &rogue, "alice", -1, 100, false);
        let mut p = params(&cert);
        p.issuer_contains = Some("Corp Issuing CA".into());
        let r = run(&p);
        assert_eq!(r.code, "permissions.certificate.wrong_issuer");
        assert!(
            r.en_summary().contains("Someone Else CA"),
            "{}",
            r.en_summary()
        );

        let junk = d.path().join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        assert_eq!(
            run(&params(&junk)).code,
            "permissions.certificate.unparsable"
        );
        assert_eq!(
            run(&params(&d.path().join("none.pem"))).code,
            "permissions.certificate.missing"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_private_key_readable_by_others_fails() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let (cert, key) = leaf(d.path(), &ca("Corp Issuing CA"), "alice", -1, 100, false);
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut p = params(&cert);
        p.key = Some(key.display().to_string());
        let r = run(&p);
        assert_eq!(r.code, "permissions.certificate.key_exposed", "{r:?}");
        assert!(r.en_summary().contains("chmod 600"), "{}", r.en_summary());
    }
}
