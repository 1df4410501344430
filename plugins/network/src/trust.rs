//! TLS trust for `tls` and `http`: the operating system's trust store plus an optional extra CA
//! file (a company CA), with the ring crypto provider (no C toolchain beyond the system's cc).
//! The verifier records the certificate the server presented and why it was rejected, so that a
//! rejected chain still tells how many days it had left. The OS store is read only when a
//! certificate is first verified — a plain `http://` check never pays for it — and where the
//! OS keeps one bundle file (Debian, RHEL), that file is read instead of the whole directory.

use std::sync::{Arc, Mutex, OnceLock};

use readycheck_sdk::ReachOutcome;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

/// What the verifier saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub end_entity: Option<Vec<u8>>,
    pub error: Option<rustls::Error>,
    /// Where the trusted roots came from (the extra CA file at once, the OS store when read).
    pub evidence: Vec<String>,
}

/// Verifies like WebPKI and remembers what it saw; the roots are loaded on first use.
#[derive(Debug)]
pub struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    inner: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
    pub seen: Arc<Mutex<Seen>>,
}

impl RecordingVerifier {
    fn inner(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.inner
            .get_or_init(|| {
                let mut store = RootCertStore::empty();
                let (certs, from) = os_roots();
                let (added, _) = store.add_parsable_certificates(certs);
                if let Ok(mut seen) = self.seen.lock() {
                    seen.evidence
                        .push(format!("OS trust store{from}: {added} certificates"));
                }
                store.add_parsable_certificates(self.extra.iter().cloned());
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), self.provider.clone())
                    .build()
                    .map_err(|e| rustls::Error::General(format!("no usable trust store: {e}")))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner().and_then(|v| {
            v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        });
        if let Ok(mut seen) = self.seen.lock() {
            seen.end_entity = Some(end_entity.to_vec());
            seen.error = result.as_ref().err().cloned();
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// The crypto provider all TLS here uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The one-file bundles of the common Linux distributions and BSDs, in the order OpenSSL's
/// builds look for them.
#[cfg(all(unix, not(target_vendor = "apple")))]
const BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The OS's trusted roots, and where they came from (for evidence). `SSL_CERT_FILE` and
/// `SSL_CERT_DIR` win; otherwise a bundle file where the OS has one; otherwise the platform's
/// store (Windows and macOS keychains, or the certificate directory).
pub fn os_roots() -> (Vec<CertificateDer<'static>>, String) {
    #[cfg(all(unix, not(target_vendor = "apple")))]
    if std::env::var_os("SSL_CERT_FILE").is_none() && std::env::var_os("SSL_CERT_DIR").is_none() {
        for file in BUNDLES {
            let path = std::path::Path::new(file);
            if path.is_file() {
                let r = rustls_native_certs::load_certs_from_paths(Some(path), None);
                if !r.certs.is_empty() {
                    return (r.certs, format!(" ({file})"));
                }
            }
        }
    }
    let from = match std::env::var("SSL_CERT_FILE") {
        Ok(f) => format!(" (SSL_CERT_FILE {f})"),
        Err(_) => String::new(),
    };
    (rustls_native_certs::load_native_certs().certs, from)
}

/// The certificates of a company CA file, checked to be usable CAs.
fn extra_cas(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read the CA file {path}: {e}"))?;
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the CA file {path} is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!("the CA file {path} holds no PEM certificate"));
    }
    let mut probe = RootCertStore::empty();
    let (ok, bad) = probe.add_parsable_certificates(certs.iter().cloned());
    if ok == 0 {
        return Err(format!(
            "none of the {bad} certificates in {path} could be used as a CA"
        ));
    }
    Ok(certs)
}

/// A client configuration and what its verifier saw (the trust evidence is in [`Seen`]).
pub type TlsSetup = (ClientConfig, Arc<Mutex<Seen>>);

/// A client configuration with the recording verifier. The extra CA file is read and checked
/// now; the OS store when a server's certificate is first verified.
pub fn client_config(ca_file: Option<&str>) -> Result<TlsSetup, String> {
    let mut seen = Seen::default();
    let extra = match ca_file {
        Some(path) => {
            let certs = extra_cas(path)?;
            seen.evidence.push(format!(
                "extra CA file {path}: {} certificates",
                certs.len()
            ));
            certs
        }
        None => Vec::new(),
    };
    let provider = provider();
    let seen = Arc::new(Mutex::new(seen));
    let verifier = Arc::new(RecordingVerifier {
        provider: provider.clone(),
        extra,
        inner: OnceLock::new(),
        seen: seen.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((config, seen))
}

/// The trust evidence recorded so far.
pub fn trust_evidence(seen: &Mutex<Seen>) -> Vec<String> {
    seen.lock().map(|s| s.evidence.clone()).unwrap_or_default()
}

/// Facts of a certificate for messages: subject CN, issuer, SANs, not-after (unix seconds).
pub struct CertFacts {
    pub subject: String,
    pub issuer: String,
    pub names: Vec<String>,
    pub not_before: i64,
    pub not_after: i64,
}

impl CertFacts {
    /// Whole days from now until the certificate expires, negative once it has.
    pub fn days_left(&self) -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        (self.not_after - now).div_euclid(86400)
    }
}

/// Why the verifier rejected a certificate, as far as reports tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Expired,
    NotYetValid,
    NameMismatch,
    UntrustedIssuer,
    /// Any other certificate error (bad signature, wrong usage, revoked, …).
    Other,
}

impl Rejection {
    /// The rejection of a certificate error; `None` for an error that is not about the
    /// certificate.
    pub fn of(e: &rustls::Error) -> Option<Rejection> {
        use rustls::CertificateError as E;
        let rustls::Error::InvalidCertificate(ce) = e else {
            return None;
        };
        Some(match ce {
            E::Expired | E::ExpiredContext { .. } => Rejection::Expired,
            E::NotValidYet | E::NotValidYetContext { .. } => Rejection::NotYetValid,
            E::NotValidForName | E::NotValidForNameContext { .. } => Rejection::NameMismatch,
            E::UnknownIssuer => Rejection::UntrustedIssuer,
            _ => Rejection::Other,
        })
    }

    /// The outcome code suffix (`network.tls.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Rejection::Expired => "expired",
            Rejection::NotYetValid => "not_yet_valid",
            Rejection::NameMismatch => "hostname_mismatch",
            Rejection::UntrustedIssuer => "untrusted_issuer",
            Rejection::Other => "invalid_certificate",
        }
    }

    /// How a connection that met this rejection ended, for a `reach` observation.
    pub fn reach(self) -> ReachOutcome {
        match self {
            Rejection::Expired => ReachOutcome::CertExpired,
            Rejection::NotYetValid => ReachOutcome::CertNotYetValid,
            Rejection::NameMismatch => ReachOutcome::CertNameMismatch,
            Rejection::UntrustedIssuer => ReachOutcome::CertUntrusted,
            Rejection::Other => ReachOutcome::TlsFailed,
        }
    }

    /// The `reach` outcome of an error met while connecting: a rejected certificate's, or a
    /// failed TLS connection.
    pub fn reach_of(e: &rustls::Error) -> ReachOutcome {
        Rejection::of(e).map_or(ReachOutcome::TlsFailed, Rejection::reach)
    }
}

pub fn cert_facts(der: &[u8]) -> Option<CertFacts> {
    use x509_parser::prelude::*;
    let (_, cert) = parse_x509_certificate(der).ok()?;
    let names = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::DNSName(d) => Some(d.to_string()),
                    GeneralName::IPAddress(ip) if ip.len() == 4 => {
                        Some(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string())
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    Some(CertFacts {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        names,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
    })
}

/// "2026-11-23" of unix seconds.
pub fn date(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    // civil from days (Howard Hinnant)
    let z = days + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    format!("{:04}-{:02}-{:02}", if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_os_store_is_read_only_when_a_certificate_is_verified() {
        let (_config, seen) = client_config(None).unwrap();
        assert!(trust_evidence(&seen).is_empty(), "nothing read yet");
    }

    #[cfg(all(unix, not(target_vendor = "apple")))]
    #[test]
    fn a_bundle_file_is_read_instead_of_the_directory() {
        if std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some()
        {
            return;
        }
        let Some(bundle) = BUNDLES.iter().find(|f| std::path::Path::new(f).is_file()) else {
            return;
        };
        let (certs, from) = os_roots();
        assert!(!certs.is_empty());
        assert_eq!(from, format!(" ({bundle})"));
    }

    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(1_760_400_000), "2025-10-14");
    }
}
