//! `network/tls`: TCP, then a TLS handshake verified against the OS trust store plus an optional
//! company CA. Reports the certificate's days left with warn/fail thresholds, and tells apart an
//! expired certificate, one not yet valid, a hostname mismatch and an untrusted issuer — and
//! still says when the certificate expires when the chain is rejected.

use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use readycheck_sdk::{Arg, CheckRequest, CheckResult, Kind, Observation, ReachOutcome, t};
use rustls::ClientConnection;
use rustls::pki_types::ServerName;
use schemars::JsonSchema;
use serde::Deserialize;

use crate::probe::{self, millis};
use crate::resolve::split_target;
use crate::tcp::connect;
use crate::trust::{Rejection, cert_facts, client_config, date, trust_evidence};

/// Parameters of `network/tls`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TlsParams {
    /// "host:port", e.g. "vpn.corp.example:443".
    pub target: String,
    /// The name to verify the certificate for, when it differs from the host in `target`.
    #[serde(default)]
    pub server_name: Option<String>,
    /// A PEM file of extra trusted CA certificates (the company CA).
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Warn when the certificate has fewer days left than this (default 30).
    #[serde(default)]
    pub warn_days: Option<i64>,
    /// Fail when the certificate has fewer days left than this (default 7).
    #[serde(default)]
    pub fail_days: Option<i64>,
}

/// The `network/tls` kind.
pub struct Tls;

impl Kind for Tls {
    const NAME: &'static str = "tls";
    const TITLE: &'static str = "TLS handshake and certificate";
    const DESCRIPTION: &'static str = "Connects, performs a TLS handshake and verifies the server's certificate against the \
         operating system's trust store (plus `ca_file`). Reports the days left on the certificate \
         and names the problem when it is rejected: expired, not yet valid, issued for another \
         name, or issued by an untrusted CA (for example a proxy or a hotel network in between).";
    const EXAMPLE: &'static str = "[[check]]\nid = \"vpn-tls\"\nplugin = \"network\"\nkind = \"tls\"\ntitle = \"VPN gateway certificate\"\ntarget = \"vpn.corp.example:443\"\nca_file = \"/etc/corp/ca.pem\"\nwarn_days = 30\n";
    type Params = TlsParams;

    fn run(p: &TlsParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// Drives a TLS handshake on `tcp` until it completes or `deadline` passes, whatever the server
/// does: nothing at all, or a byte at a time. Every read and write waits at most until the
/// deadline, so a server that accepts and never answers costs the check's time and no more.
pub fn handshake(
    conn: &mut ClientConnection,
    tcp: &mut TcpStream,
    deadline: Instant,
) -> std::io::Result<()> {
    let left = || {
        let l = deadline.saturating_duration_since(Instant::now());
        if l.is_zero() {
            Err(std::io::Error::new(
                ErrorKind::TimedOut,
                "the TLS handshake did not complete in time",
            ))
        } else {
            Ok(l)
        }
    };
    while conn.is_handshaking() {
        while conn.wants_write() {
            tcp.set_write_timeout(Some(left()?))?;
            conn.write_tls(tcp)?;
        }
        if !conn.is_handshaking() {
            break;
        }
        tcp.set_read_timeout(Some(left()?))?;
        if conn.read_tls(tcp)? == 0 {
            return Err(ErrorKind::UnexpectedEof.into());
        }
        if let Err(e) = conn.process_new_packets() {
            // Tell the server why (an alert), as far as time allows.
            while conn.wants_write() && left().is_ok() {
                let _ = tcp.set_write_timeout(left().ok());
                if conn.write_tls(tcp).is_err() {
                    break;
                }
            }
            return Err(std::io::Error::new(ErrorKind::InvalidData, e));
        }
    }
    // The client's last flight (Finished) goes out too.
    while conn.wants_write() {
        tcp.set_write_timeout(Some(left()?))?;
        conn.write_tls(tcp)?;
    }
    Ok(())
}

/// The `reach` outcome of a `network.tls.*` code suffix.
fn reach_of(code: &str) -> ReachOutcome {
    const REJECTIONS: [Rejection; 5] = [
        Rejection::Expired,
        Rejection::NotYetValid,
        Rejection::NameMismatch,
        Rejection::UntrustedIssuer,
        Rejection::Other,
    ];
    match code {
        "handshake_timed_out" => ReachOutcome::TimedOut,
        "ok" | "expiring" | "expiring_soon" => ReachOutcome::Ok,
        _ => REJECTIONS
            .into_iter()
            .find(|r| r.code() == code)
            .map_or(ReachOutcome::TlsFailed, Rejection::reach),
    }
}

pub fn run(p: &TlsParams, timeout: Duration) -> CheckResult {
    let started = Instant::now();
    let deadline = started + timeout;
    let (host, _) = match split_target(&p.target) {
        Ok(hp) => hp,
        Err(e) => {
            return CheckResult::error("network.tls.bad_target", t!("tcp.bad_target", error = e));
        }
    };
    let sni = p.server_name.clone().unwrap_or(host);
    let server_name = match ServerName::try_from(sni.clone()) {
        Ok(n) => n,
        Err(e) => {
            return CheckResult::error(
                "network.tls.bad_target",
                format!("`{sni}` is not a valid server name: {e}"),
            );
        }
    };
    let (config, seen) = match client_config(p.ca_file.as_deref()) {
        Ok(c) => c,
        Err(e) => return CheckResult::error("network.tls.bad_ca_file", e),
    };
    let (probe, stream) = connect(&p.target, timeout);
    let mut evidence = probe.evidence.clone();
    let mut metrics: Vec<(&str, f64)> = Vec::new();
    if let Some(d) = probe.dns_ms {
        metrics.push(("dns_ms", d));
    }
    let observations = probe.observations.clone();
    let address = probe.address.map(|a| a.to_string());
    let connect_ms = probe.outcome.as_ref().ok().copied();
    let target = p.target.clone();
    let finish = |r: CheckResult, evidence: Vec<String>, metrics: Vec<(&str, f64)>| {
        let mut r = probe::finish(r, evidence, metrics, observations.clone());
        if r.code != "network.tls.bad_target" {
            let outcome = reach_of(r.code.rsplit('.').next().unwrap_or(""));
            r = r.observe(Observation::Reach {
                target: target.clone(),
                address: address.clone(),
                outcome,
                site: None,
                region: None,
                attempts: 1,
                failures: u32::from(!outcome.is_ok()),
                ms: connect_ms,
                via_proxy: false,
            });
        }
        r
    };
    let mut tcp = match (probe.outcome, stream) {
        (Ok(ms), Some(s)) => {
            metrics.push(("connect_ms", ms));
            s
        }
        (Err(f), _) => {
            let r = CheckResult::fail(format!("network.tls.{}", f.code), f.reason);
            let mut r = finish(r, evidence, metrics);
            // The connection's own outcome (refused, timed out, no name), not a TLS one.
            if let Some(Observation::Reach { outcome, ms, .. }) = r.observations.last_mut() {
                *outcome = f.reach;
                *ms = f.connect_ms;
            }
            return r;
        }
        (Ok(_), None) => {
            return finish(
                CheckResult::error("network.tls.failed", "connected but lost the connection"),
                evidence,
                metrics,
            );
        }
    };
    let mut conn = match ClientConnection::new(Arc::new(config), server_name) {
        Ok(c) => c,
        Err(e) => {
            return finish(
                CheckResult::error("network.tls.failed", format!("TLS setup failed: {e}")),
                evidence,
                metrics,
            );
        }
    };
    let t0 = Instant::now();
    let handshake = handshake(&mut conn, &mut tcp, deadline);
    let tls_ms = millis(t0.elapsed());
    metrics.push(("tls_ms", tls_ms));
    evidence.extend(trust_evidence(&seen));

    let (cert_der, verify_error) = match seen.lock() {
        Ok(s) => (s.end_entity.clone(), s.error.clone()),
        Err(_) => (None, None),
    };
    let facts = cert_der.as_deref().and_then(cert_facts);
    let mut days_left = None;
    if let Some(f) = &facts {
        let d = f.days_left();
        days_left = Some(d);
        metrics.push(("cert_days_left", d as f64));
        evidence.push(format!(
            "certificate: subject {}; issuer {}",
            f.subject, f.issuer
        ));
        if !f.names.is_empty() {
            evidence.push(format!("certificate names: {}", f.names.join(", ")));
        }
        evidence.push(format!(
            "valid {} to {} ({d} days left)",
            date(f.not_before),
            date(f.not_after)
        ));
    }
    let expiry_note = match (&facts, days_left) {
        (Some(f), Some(d)) if d >= 0 => {
            t!("tls.expires_on", date = date(f.not_after), days = d)
        }
        (Some(f), Some(d)) => t!("tls.expired_on", date = date(f.not_after), days = -d),
        _ => t!("tls.nothing"),
    };
    let t = &p.target;
    if let Some(err) = verify_error {
        let rejection = Rejection::of(&err);
        let summary = match rejection {
            Some(Rejection::Expired) => t!("tls.expired", target = t, note = expiry_note.clone()),
            Some(Rejection::NotYetValid) => t!("tls.not_yet_valid", target = t),
            Some(Rejection::NameMismatch) => t!(
                "tls.hostname_mismatch",
                target = t,
                name = &sni,
                but_for = facts
                    .as_ref()
                    .filter(|f| !f.names.is_empty())
                    .map(|f| t!("tls.but_for", names = &f.names))
                    .unwrap_or_else(|| t!("tls.nothing"))
            ),
            Some(Rejection::UntrustedIssuer) => t!(
                "tls.untrusted_issuer",
                target = t,
                issuer = facts.as_ref().map(|f| f.issuer.as_str()).unwrap_or("?"),
                note = expiry_note.clone()
            ),
            Some(Rejection::Other) => t!(
                "tls.invalid_certificate",
                target = t,
                error = match &err {
                    rustls::Error::InvalidCertificate(ce) => format!("{ce:?}"),
                    other => other.to_string(),
                },
                note = expiry_note.clone()
            ),
            None => t!("tls.handshake_failed", target = t, error = err.to_string()),
        };
        let code = rejection.map_or("handshake_failed", Rejection::code);
        return finish(
            CheckResult::fail(format!("network.tls.{code}"), summary),
            evidence,
            metrics,
        );
    }
    if let Err(e) = handshake {
        let (code, summary) = match e.kind() {
            ErrorKind::WouldBlock | ErrorKind::TimedOut => (
                "handshake_timed_out",
                t!("tls.handshake_timed_out", target = t),
            ),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset => {
                ("handshake_failed", t!("tls.handshake_closed", target = t))
            }
            _ => (
                "handshake_failed",
                t!("tls.handshake_failed", target = t, error = e.to_string()),
            ),
        };
        return finish(
            CheckResult::fail(format!("network.tls.{code}"), summary),
            evidence,
            metrics,
        );
    }
    if let (Some(v), Some(cs)) = (conn.protocol_version(), conn.negotiated_cipher_suite()) {
        evidence.push(format!("negotiated {v:?} with {:?}", cs.suite()));
    }
    let warn_days = p.warn_days.unwrap_or(30);
    let fail_days = p.fail_days.unwrap_or(7);
    let r = match days_left {
        Some(d) if d < fail_days => CheckResult::fail(
            "network.tls.expiring",
            t!("tls.expiring", target = t, days = d),
        ),
        Some(d) if d < warn_days => CheckResult::warn(
            "network.tls.expiring_soon",
            t!("tls.expiring_soon", target = t, days = d),
        ),
        Some(d) => CheckResult::pass(
            "network.tls.ok",
            t!("tls.ok_days", target = t, days = d, ms = Arg::ms(tls_ms)),
        ),
        None => CheckResult::pass(
            "network.tls.ok",
            t!("tls.ok", target = t, ms = Arg::ms(tls_ms)),
        ),
    };
    finish(r, evidence, metrics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use crate::testpki::*;
    use readycheck_sdk::Status;

    fn params(port: u16, ca_file: Option<&std::path::Path>) -> TlsParams {
        TlsParams {
            target: format!("localhost:{port}"),
            server_name: None,
            ca_file: ca_file.map(|p| p.display().to_string()),
            warn_days: None,
            fail_days: None,
        }
    }

    #[test]
    fn valid_certificate_from_the_company_ca_file() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Root CA");
        let ca_file = corp.write(d.path());
        let port = tls_server(leaf(&corp, &["localhost"], -1, 365), None);
        let r = run(&params(port, Some(&ca_file)), Duration::from_secs(5));
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert!(
            (363.0..=365.0).contains(&r.metrics["cert_days_left"]),
            "{:?}",
            r.metrics
        );
        for m in ["connect_ms", "tls_ms", "dns_ms"] {
            assert!(r.metrics.contains_key(m), "{m} in {:?}", r.metrics);
        }
        assert!(
            r.evidence.iter().any(|e| e.contains("extra CA file")),
            "{:?}",
            r.evidence
        );

        // The same server without the company CA: untrusted issuer, and the expiry still shown.
        let r = run(&params(port, None), Duration::from_secs(5));
        assert_eq!(r.code, "network.tls.untrusted_issuer", "{r:#?}");
        assert!(
            r.en_summary().contains("Corp Root CA") && r.en_summary().contains("expires on"),
            "{}",
            r.en_summary()
        );
        assert!(r.metrics.contains_key("cert_days_left"));
    }

    #[test]
    fn expired_not_yet_valid_and_wrong_host_are_named() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Root CA");
        let ca_file = corp.write(d.path());
        let expired = tls_server(leaf(&corp, &["localhost"], -400, -3), None);
        let r = run(&params(expired, Some(&ca_file)), Duration::from_secs(5));
        assert_eq!(r.code, "network.tls.expired", "{r:#?}");
        assert!(r.en_summary().contains("days ago"), "{}", r.en_summary());
        assert!(r.metrics["cert_days_left"] < 0.0);

        let future = tls_server(leaf(&corp, &["localhost"], 2, 300), None);
        assert_eq!(
            run(&params(future, Some(&ca_file)), Duration::from_secs(5)).code,
            "network.tls.not_yet_valid"
        );

        let other = tls_server(leaf(&corp, &["md.vendor.example"], -1, 300), None);
        let r = run(&params(other, Some(&ca_file)), Duration::from_secs(5));
        assert_eq!(r.code, "network.tls.hostname_mismatch", "{r:#?}");
        assert!(
            r.en_summary().contains("md.vendor.example"),
            "{}",
            r.en_summary()
        );
    }

    #[test]
    fn expiry_thresholds() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Root CA");
        let ca_file = corp.write(d.path());
        let soon = tls_server(leaf(&corp, &["localhost"], -100, 3), None);
        assert_eq!(
            run(&params(soon, Some(&ca_file)), Duration::from_secs(5)).code,
            "network.tls.expiring"
        );
        let month = tls_server(leaf(&corp, &["localhost"], -100, 20), None);
        let r = run(&params(month, Some(&ca_file)), Duration::from_secs(5));
        assert_eq!(
            (r.status, r.code.as_str()),
            (Status::Warn, "network.tls.expiring_soon")
        );
    }

    /// A server that accepts and never answers the handshake ends the check in a `fail` before
    /// the timeout the host gave — the host kills the plugin soon after it, and a kill would
    /// blame the wrong thing.
    #[test]
    fn a_silent_handshake_fails_before_the_hosts_timeout() {
        use readycheck_sdk::Plugin as _;
        let port = silent_server();
        let timeout = Duration::from_millis(1000);
        let request: readycheck_sdk::CheckRequest = serde_json::from_value(serde_json::json!({
            "id": "gw", "kind": "tls", "timeout_ms": timeout.as_millis() as u64,
            "params": { "target": format!("127.0.0.1:{port}") }
        }))
        .unwrap();
        let t0 = Instant::now();
        let r = crate::ThisPlugin::run(&request).unwrap();
        let took = t0.elapsed();
        assert_eq!(r.status, Status::Fail, "{r:#?}");
        assert_eq!(r.code, "network.tls.handshake_timed_out", "{r:#?}");
        assert!(
            took < timeout,
            "answered after the host's timeout: {took:?}"
        );
        assert!(
            r.observations.iter().any(|o| matches!(
                o,
                Observation::Reach {
                    outcome: ReachOutcome::TimedOut,
                    address: Some(_),
                    ..
                }
            )),
            "{:?}",
            r.observations
        );
    }

    /// A server that sends a byte now and then never gets a read past the deadline.
    #[test]
    fn a_trickling_server_cannot_stretch_the_handshake() {
        use std::io::Write;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut s in l.incoming().flatten() {
                std::thread::spawn(move || {
                    // A TLS record header, then one byte of it every 100 ms.
                    let _ = s.write_all(&[0x16, 0x03, 0x03, 0x40, 0x00]);
                    for _ in 0..100 {
                        std::thread::sleep(Duration::from_millis(100));
                        if s.write_all(&[0]).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        let deadline_after = Duration::from_millis(700);
        let t0 = Instant::now();
        let r = run(&params(port, None), deadline_after);
        assert_eq!(r.code, "network.tls.handshake_timed_out", "{r:#?}");
        // Finished by its deadline (plus the time to read what it saw, not another timeout).
        assert!(t0.elapsed() < deadline_after * 2, "{:?}", t0.elapsed());
    }

    #[test]
    fn observations_name_the_certificate_problem() {
        let d = tempfile::tempdir().unwrap();
        let corp = ca("Corp Root CA");
        let ca_file = corp.write(d.path());
        let expired = tls_server(leaf(&corp, &["localhost"], -400, -3), None);
        let r = run(&params(expired, Some(&ca_file)), Duration::from_secs(5));
        let reach: Vec<_> = r
            .observations
            .iter()
            .filter_map(|o| match o {
                Observation::Reach { outcome, .. } => Some(*outcome),
                _ => None,
            })
            .collect();
        assert_eq!(reach, vec![ReachOutcome::CertExpired], "{r:#?}");
        // Resolving "localhost" is observed too.
        assert!(
            r.observations.iter().any(|o| matches!(
                o,
                Observation::DnsAnswer {
                    outcome: readycheck_sdk::DnsOutcome::Ok,
                    ..
                }
            )),
            "{:?}",
            r.observations
        );
        let refused = run(&params(refusing_port(), None), Duration::from_secs(2));
        assert!(
            refused.observations.iter().any(|o| matches!(
                o,
                Observation::Reach {
                    outcome: ReachOutcome::Refused,
                    ..
                }
            )),
            "{refused:#?}"
        );
    }

    #[test]
    fn silent_and_refusing_servers() {
        let t0 = Instant::now();
        let r = run(&params(silent_server(), None), Duration::from_millis(800));
        assert_eq!(r.code, "network.tls.handshake_timed_out", "{r:#?}");
        assert!(t0.elapsed() < Duration::from_secs(3));
        assert_eq!(
            run(&params(refusing_port(), None), Duration::from_secs(2)).code,
            "network.tls.refused"
        );
        let d = tempfile::tempdir().unwrap();
        let bad = d.path().join("ca.pem");
        std::fs::write(&bad, "nothing").unwrap();
        assert_eq!(
            run(&params(1, Some(&bad)), Duration::from_secs(1)).code,
            "network.tls.bad_ca_file"
        );
    }
}
