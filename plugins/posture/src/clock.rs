//! `posture/clock`: the local clock against a server's. TLS and Kerberos fail when the clock is
//! minutes off, and nobody suspects the clock. Sources: the `Date` header of an HTTP(S) server
//! (one-second resolution, corrected for half the round trip) and SNTP (RFC 4330) when an NTP
//! server is given and reachable; with both, NTP is preferred and HTTP is the fallback. An NTP
//! reply without a time in it (kiss-o'-death, zero timestamps, an unsynchronised server, not an
//! answer to our request) is no reference: the next source is asked. A certificate outside its
//! dates is no evidence about this clock: the server's Date is then read without trusting the
//! certificate, for the time only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use readycheck_sdk::i18n::Arg;
use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `posture/clock`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockParams {
    /// An http:// or https:// URL whose server's `Date` header is the reference, e.g. the
    /// company portal.
    #[serde(default)]
    pub url: Option<String>,
    /// An NTP server, `host` or `host:port`, e.g. "ntp.aliyun.com" or "time.windows.com".
    #[serde(default)]
    pub ntp_server: Option<String>,
    /// Extra CA certificates (PEM) for an https `url` signed by a company CA.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Warn when the clock is off by more than this many seconds (default 60).
    #[serde(default)]
    pub warn_seconds: Option<f64>,
    /// Fail when it is off by more than this many seconds (default 300).
    #[serde(default)]
    pub fail_seconds: Option<f64>,
}

/// The `posture/clock` kind.
pub struct Clock;

impl Kind for Clock {
    const NAME: &'static str = "clock";
    const TITLE: &'static str = "Clock correct";
    const DESCRIPTION: &'static str = "Compares this PC's clock with an NTP server (`ntp_server`) or the Date header of a web \
         server (`url`). Warns beyond 60 seconds and fails beyond 5 minutes by default: VPN \
         sign-in, TLS certificates and Kerberos break when the clock is wrong.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"clock\"\nplugin = \"posture\"\nkind = \"clock\"\ntitle = \"Clock correct\"\nntp_server = \"ntp.aliyun.com\"\nurl = \"https://portal.corp.example/\"\n";
    type Params = ClockParams;

    fn run(p: &ClockParams, request: &CheckRequest) -> CheckResult {
        run(p, request.timeout())
    }
}

/// The measured offset: positive when the server is ahead, i.e. this PC is behind.
pub fn judge(p: &ClockParams, offset_secs: f64, evidence: Vec<String>) -> CheckResult {
    let warn = p.warn_seconds.unwrap_or(60.0);
    let fail = p.fail_seconds.unwrap_or(300.0);
    let off = offset_secs.abs();
    let direction = if offset_secs > 0.0 {
        t!("clock.behind")
    } else {
        t!("clock.ahead")
    };
    let amount = Arg::secs(off.round());
    let mut r = if off > fail {
        CheckResult::fail(
            "posture.clock.wrong",
            t!(
                "clock.wrong",
                amount = amount,
                direction = direction,
                fix = t!("clock.fix")
            ),
        )
    } else if off > warn {
        CheckResult::warn(
            "posture.clock.drifting",
            t!(
                "clock.drifting",
                amount = amount,
                direction = direction,
                fix = t!("clock.fix")
            ),
        )
    } else {
        CheckResult::pass(
            "posture.clock.ok",
            t!("clock.ok", offset = Arg::secs((off * 10.0).ceil() / 10.0)),
        )
    };
    r.evidence = evidence;
    r.metric("offset_seconds", offset_secs)
}

fn secs_since_epoch(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

fn resolve(host_port: &str, default_port: u16) -> Result<SocketAddr, String> {
    let with_port = if host_port
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host_port.ends_with(']')
    {
        host_port.to_string()
    } else {
        format!("{host_port}:{default_port}")
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host_port}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host_port} has no address"))
}

const NTP_EPOCH_OFFSET: f64 = 2_208_988_800.0;

fn ntp_time(b: &[u8]) -> f64 {
    let secs = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as f64;
    let frac = u32::from_be_bytes([b[4], b[5], b[6], b[7]]) as f64 / 4_294_967_296.0;
    secs + frac - NTP_EPOCH_OFFSET
}

fn ntp_stamp(unix: f64) -> [u8; 8] {
    let t = unix + NTP_EPOCH_OFFSET;
    let secs = t.floor() as u32;
    let frac = ((t - t.floor()) * 4_294_967_296.0) as u32;
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&secs.to_be_bytes());
    b[4..].copy_from_slice(&frac.to_be_bytes());
    b
}

/// Whether an SNTP reply carries a time (RFC 4330 §5): a server reply (mode 4), synchronised
/// (leap indicator not 3), stratum 1–15 — stratum 0 is a kiss-o'-death ("RATE", "DENY", "RSTR")
/// — with non-zero receive and transmit timestamps, echoing our transmit time.
pub fn ntp_reply_usable(b: &[u8], sent: &[u8; 8]) -> Result<(), String> {
    if b.len() < 48 || b[0] & 0x7 != 4 {
        return Err("no valid server reply".into());
    }
    if b[1] == 0 {
        let code: String = b[12..16]
            .iter()
            .filter(|c| c.is_ascii_graphic())
            .map(|&c| c as char)
            .collect();
        return Err(format!(
            "kiss-o'-death \"{code}\" (stratum 0): the server refuses to give the time"
        ));
    }
    if b[1] > 15 {
        return Err(format!("stratum {} is not a valid time source", b[1]));
    }
    if b[0] >> 6 == 3 {
        return Err("the server says its own clock is not synchronised (leap indicator 3)".into());
    }
    if b[40..48].iter().all(|&x| x == 0) || b[32..40].iter().all(|&x| x == 0) {
        return Err("the reply's timestamps are zero: no time in it".into());
    }
    if b[24..32] != sent[..] && b[24..32].iter().any(|&x| x != 0) {
        return Err("the reply does not answer our request (originate time differs)".into());
    }
    Ok(())
}

/// SNTP: the server's offset from this clock, in seconds, and evidence.
pub fn ntp_offset(server: &str, timeout: Duration) -> Result<(f64, String), String> {
    let addr = resolve(server, 123)?;
    let bind = if addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = UdpSocket::bind(bind).map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    sock.set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let mut req = [0u8; 48];
    req[0] = 0x23; // LI 0, version 4, mode 3 (client)
    let t1 = secs_since_epoch(SystemTime::now());
    // Our transmit time, which a genuine reply echoes as its originate time (RFC 4330 §5).
    let stamp = ntp_stamp(t1);
    req[40..48].copy_from_slice(&stamp);
    sock.send_to(&req, addr)
        .map_err(|e| format!("cannot send to NTP server {addr}: {e}"))?;
    let mut buf = [0u8; 512];
    let (n, _) = sock.recv_from(&mut buf).map_err(|e| {
        format!(
            "no answer from NTP server {addr} within {} s: {e}",
            timeout.as_secs()
        )
    })?;
    let t4 = secs_since_epoch(SystemTime::now());
    ntp_reply_usable(&buf[..n], &stamp).map_err(|why| format!("NTP server {addr}: {why}"))?;
    let (t2, t3) = (ntp_time(&buf[32..40]), ntp_time(&buf[40..48]));
    let offset = ((t2 - t1) + (t3 - t4)) / 2.0;
    Ok((
        offset,
        format!(
            "NTP {server} ({addr}): offset {offset:+.3} s, round trip {:.0} ms",
            ((t4 - t1) - (t3 - t2)) * 1000.0
        ),
    ))
}

/// The pieces of an http(s) URL.
fn split_url(url: &str) -> Result<(bool, String, u16, String), String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("`{url}` is not an http:// or https:// URL"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if p.parse::<u16>().is_ok() => (h.to_string(), p.parse().unwrap_or(0)),
        _ => (authority.to_string(), if tls { 443 } else { 80 }),
    };
    Ok((
        tls,
        host.trim_matches(['[', ']']).to_string(),
        port,
        path.to_string(),
    ))
}

fn tls_config(ca_file: Option<&str>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| format!("cannot read the CA file {path}: {e}"))?;
        for c in rustls_pemfile::certs(&mut pem.as_slice()) {
            let c = c.map_err(|e| format!("the CA file {path} is not PEM: {e}"))?;
            roots
                .add(c)
                .map_err(|e| format!("a certificate in {path} is not a usable CA: {e}"))?;
        }
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())
        .map(|b| b.with_root_certificates(roots).with_no_client_auth())
}

/// Why an HTTP(S) Date could not be read; `clock_suspect` when TLS rejected the certificate's
/// dates — a wrong clock or an expired certificate, which the server's Date then tells apart.
#[derive(Debug)]
pub struct DateError {
    pub message: String,
    pub clock_suspect: bool,
}

fn date_err(message: String) -> DateError {
    DateError {
        message,
        clock_suspect: false,
    }
}

/// The server's `Date` header against this clock: (offset seconds, evidence).
pub fn http_offset(
    url: &str,
    ca_file: Option<&str>,
    timeout: Duration,
) -> Result<(f64, String), DateError> {
    http_offset_with(url, ca_file, timeout, true)
}

/// Accepts any certificate: used only to read a server's `Date` after its certificate's dates
/// were refused, never to trust what it says beyond the time.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn http_offset_with(
    url: &str,
    ca_file: Option<&str>,
    timeout: Duration,
    verify: bool,
) -> Result<(f64, String), DateError> {
    let (tls, host, port, path) = split_url(url).map_err(date_err)?;
    let addr = resolve(&format!("{host}:{port}"), port).map_err(date_err)?;
    let mut tcp = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| date_err(format!("cannot connect to {addr}: {e}")))?;
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    let request = format!(
        "HEAD {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: readycheck/{}\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut head = Vec::new();
    let started;
    let t0;
    let exchange = |s: &mut dyn ReadWrite, head: &mut Vec<u8>| -> std::io::Result<()> {
        s.write_all(request.as_bytes())?;
        s.flush()?;
        let mut buf = [0u8; 4096];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
            let n = s.read(&mut buf)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
        }
        Ok(())
    };
    if tls {
        let config = if verify {
            tls_config(ca_file).map_err(date_err)?
        } else {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .map_err(|e| date_err(e.to_string()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth()
        };
        let name = rustls::pki_types::ServerName::try_from(host.clone())
            .map_err(|e| date_err(format!("`{host}` is not a valid server name: {e}")))?;
        let mut conn = rustls::ClientConnection::new(Arc::new(config), name)
            .map_err(|e| date_err(e.to_string()))?;
        // The handshake first, so that the timing covers only the request.
        while conn.is_handshaking() {
            if let Err(e) = conn.complete_io(&mut tcp) {
                let text = e.to_string();
                let suspect = text.contains("expired")
                    || text.contains("not valid yet")
                    || text.contains("NotValidYet")
                    || text.contains("Expired");
                return Err(DateError {
                    message: format!("TLS handshake with {host}:{port} failed: {text}"),
                    clock_suspect: suspect,
                });
            }
        }
        started = Instant::now();
        t0 = SystemTime::now();
        let mut stream = rustls::Stream::new(&mut conn, &mut tcp);
        exchange(&mut stream, &mut head)
    } else {
        started = Instant::now();
        t0 = SystemTime::now();
        exchange(&mut tcp, &mut head)
    }
    .map_err(|e| date_err(format!("no HTTP answer from {host}:{port}: {e}")))?;
    let rtt = started.elapsed();
    let text = String::from_utf8_lossy(&head);
    let date = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("date")
                .then(|| v.trim().to_string())
        })
        .ok_or_else(|| date_err(format!("{url} sent no Date header")))?;
    let server = httpdate::parse_http_date(&date)
        .map_err(|e| date_err(format!("{url} sent an unreadable Date `{date}`: {e}")))?;
    // Date is truncated to the second: the server's clock was somewhere in [Date, Date + 1 s).
    let server_mid = secs_since_epoch(server) + 0.5;
    let local_mid = secs_since_epoch(t0) + rtt.as_secs_f64() / 2.0;
    let offset = server_mid - local_mid;
    Ok((
        offset,
        format!(
            "{url}: Date: {date} (offset {offset:+.1} s ± 0.5 s, round trip {} ms)",
            rtt.as_millis()
        ),
    ))
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

pub fn run(p: &ClockParams, timeout: Duration) -> CheckResult {
    if p.url.is_none() && p.ntp_server.is_none() {
        return CheckResult::error("posture.clock.no_reference", t!("clock.no_reference"));
    }
    let per_try = (timeout / 2).max(Duration::from_millis(500));
    let mut evidence = Vec::new();
    if let Some(server) = &p.ntp_server {
        match ntp_offset(server, per_try) {
            Ok((off, ev)) => {
                evidence.push(ev);
                return judge(p, off, evidence);
            }
            Err(e) => evidence.push(e),
        }
    }
    if let Some(url) = &p.url {
        match http_offset(url, p.ca_file.as_deref(), per_try) {
            Ok((off, ev)) => {
                evidence.push(ev);
                return judge(p, off, evidence);
            }
            Err(e) if e.clock_suspect => {
                // A certificate outside its dates says nothing about which clock is wrong (an
                // expired certificate usually is just expired): read the server's Date without
                // trusting the certificate, for the time only.
                evidence.push(e.message);
                match http_offset_with(url, p.ca_file.as_deref(), per_try, false) {
                    Ok((off, ev)) => {
                        evidence.push(format!(
                            "{ev} — read without verifying the certificate, for its time only"
                        ));
                        return judge(p, off, evidence);
                    }
                    Err(e) => evidence.push(e.message),
                }
            }
            Err(e) => evidence.push(e.message),
        }
    }
    let mut r = CheckResult::error("posture.clock.unreachable", t!("clock.unreachable"));
    r.evidence = evidence;
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;
    use readycheck_testpki as testpki;

    fn skewed_date(skew: i64) -> String {
        let now = SystemTime::now();
        let t = if skew >= 0 {
            now + Duration::from_secs(skew as u64)
        } else {
            now - Duration::from_secs((-skew) as u64)
        };
        httpdate::fmt_http_date(t)
    }

    fn https_with_date(skew: i64) -> (u16, tempfile::TempDir) {
        let ca = testpki::ca("Clock Test CA");
        let dir = tempfile::tempdir().unwrap();
        ca.write(dir.path());
        let leaf = testpki::leaf(&ca, &["localhost"], -1, 30);
        // The Date is fixed when the server starts: the test asks at once.
        let resp = format!(
            "HTTP/1.1 204 No Content\r\nDate: {}\r\nConnection: close\r\n\r\n",
            skewed_date(skew)
        );
        let port = testpki::tls_server(leaf, Some(Box::leak(resp.into_bytes().into_boxed_slice())));
        (port, dir)
    }

    fn params(url: String, ca: &std::path::Path) -> ClockParams {
        ClockParams {
            url: Some(url),
            ca_file: Some(ca.join("ca.pem").display().to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn https_date_behind_and_right() {
        let (port, dir) = https_with_date(-600);
        let p = params(format!("https://localhost:{port}/"), dir.path());
        let r = run(&p, Duration::from_secs(5));
        assert_eq!(r.code, "posture.clock.wrong", "{r:?}");
        let off = r.metrics["offset_seconds"];
        assert!((off + 600.0).abs() < 3.0, "{off}");
        assert!(
            r.en_summary().contains("10 minutes ahead"),
            "{}",
            r.en_summary()
        );
        assert!(r.evidence[0].contains("Date: "), "{r:?}");

        let (port, dir) = https_with_date(90);
        let r = run(
            &params(format!("https://localhost:{port}/"), dir.path()),
            Duration::from_secs(5),
        );
        assert_eq!(r.code, "posture.clock.drifting", "{r:?}");
        assert!(r.en_summary().contains("behind"), "{}", r.en_summary());

        let (port, dir) = https_with_date(0);
        let r = run(
            &params(format!("https://localhost:{port}/"), dir.path()),
            Duration::from_secs(5),
        );
        assert_eq!(r.status, Status::Pass, "{r:?}");
    }

    #[test]
    fn certificate_dates_are_no_evidence_about_the_clock() {
        let ca = testpki::ca("Clock Test CA");
        let dir = tempfile::tempdir().unwrap();
        ca.write(dir.path());
        // An expired certificate on a server whose Date is right: the clock is right.
        for (skew, code) in [(0i64, "posture.clock.ok"), (-900, "posture.clock.wrong")] {
            let leaf = testpki::leaf(&ca, &["localhost"], -60, -1);
            let resp = format!(
                "HTTP/1.1 204 No Content\r\nDate: {}\r\nConnection: close\r\n\r\n",
                skewed_date(skew)
            );
            let port =
                testpki::tls_server(leaf, Some(Box::leak(resp.into_bytes().into_boxed_slice())));
            let r = run(
                &params(format!("https://localhost:{port}/"), dir.path()),
                Duration::from_secs(5),
            );
            assert_eq!(r.code, code, "{r:?}");
            assert!(
                r.evidence.iter().any(|e| e.contains("without verifying")),
                "{r:?}"
            );
        }
    }

    #[test]
    fn certificate_from_the_future_without_a_date() {
        let ca = testpki::ca("Clock Test CA");
        let dir = tempfile::tempdir().unwrap();
        ca.write(dir.path());
        let leaf = testpki::leaf(&ca, &["localhost"], 2, 30);
        let port = testpki::tls_server(leaf, Some(b"HTTP/1.1 204 No Content\r\n\r\n"));
        let r = run(
            &params(format!("https://localhost:{port}/"), dir.path()),
            Duration::from_secs(5),
        );
        // No Date to read: no conclusion about the clock.
        assert_eq!(r.code, "posture.clock.unreachable", "{r:?}");
        assert!(
            r.evidence.iter().any(|e| e.contains("TLS handshake")),
            "{r:?}"
        );
    }

    /// An SNTP server on 127.0.0.1 whose clock is `skew` seconds off.
    fn ntp_server(skew: f64) -> u16 {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut buf = [0u8; 48];
            while let Ok((_, from)) = sock.recv_from(&mut buf) {
                let now = secs_since_epoch(SystemTime::now()) + skew + NTP_EPOCH_OFFSET;
                let secs = now.floor() as u32;
                let frac = ((now - now.floor()) * 4_294_967_296.0) as u32;
                let mut resp = [0u8; 48];
                resp[0] = 0x24; // version 4, mode 4 (server)
                resp[1] = 2;
                let originate: [u8; 8] = buf[40..48].try_into().unwrap();
                resp[24..32].copy_from_slice(&originate);
                for at in [32, 40] {
                    resp[at..at + 4].copy_from_slice(&secs.to_be_bytes());
                    resp[at + 4..at + 8].copy_from_slice(&frac.to_be_bytes());
                }
                let _ = sock.send_to(&resp, from);
            }
        });
        port
    }

    #[test]
    fn ntp_offset_and_fallback_to_http() {
        let port = ntp_server(-420.25);
        let p = ClockParams {
            ntp_server: Some(format!("127.0.0.1:{port}")),
            ..Default::default()
        };
        let r = run(&p, Duration::from_secs(5));
        assert_eq!(r.code, "posture.clock.wrong", "{r:?}");
        assert!((r.metrics["offset_seconds"] + 420.25).abs() < 0.2, "{r:?}");
        assert!(
            r.en_summary().contains("7 minutes ahead"),
            "{}",
            r.en_summary()
        );

        // NTP silent (a bound socket that never answers): the HTTPS Date decides.
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let (https, dir) = https_with_date(0);
        let mut p = params(format!("https://localhost:{https}/"), dir.path());
        p.ntp_server = Some(silent.local_addr().unwrap().to_string());
        let r = run(&p, Duration::from_secs(2));
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(r.evidence[0].contains("no answer from NTP server"), "{r:?}");
    }

    /// An NTP server that answers every request with `reply(request)`.
    fn ntp_answering(reply: fn(&[u8; 48]) -> [u8; 48]) -> u16 {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = sock.local_addr().unwrap().port();
        std::thread::spawn(move || {
            let mut buf = [0u8; 48];
            while let Ok((_, from)) = sock.recv_from(&mut buf) {
                let _ = sock.send_to(&reply(&buf), from);
            }
        });
        port
    }

    #[test]
    fn replies_without_a_time_fall_back_to_the_next_source() {
        fn kiss(req: &[u8; 48]) -> [u8; 48] {
            let mut r = [0u8; 48];
            r[0] = 0x24;
            r[1] = 0; // stratum 0
            r[12..16].copy_from_slice(b"RATE");
            r[24..32].copy_from_slice(&req[40..48]);
            r
        }
        fn zero(req: &[u8; 48]) -> [u8; 48] {
            let mut r = [0u8; 48];
            r[0] = 0x24;
            r[1] = 2;
            r[24..32].copy_from_slice(&req[40..48]);
            r
        }
        for (reply, why) in [
            (kiss as fn(&[u8; 48]) -> [u8; 48], "kiss-o'-death"),
            (zero, "zero"),
        ] {
            let port = ntp_answering(reply);
            let (https, dir) = https_with_date(0);
            let mut p = params(format!("https://localhost:{https}/"), dir.path());
            p.ntp_server = Some(format!("127.0.0.1:{port}"));
            let r = run(&p, Duration::from_secs(4));
            assert_eq!(r.status, Status::Pass, "{r:?}");
            assert!(r.evidence[0].contains(why), "{r:?}");
            assert!(r.evidence[1].contains("Date: "), "{r:?}");
        }
    }

    #[test]
    fn nothing_to_compare_with() {
        assert_eq!(
            run(&ClockParams::default(), Duration::from_secs(1)).code,
            "posture.clock.no_reference"
        );
        assert_eq!(
            judge(&ClockParams::default(), 30.0, vec![]).status,
            Status::Pass
        );
        assert_eq!(
            judge(&ClockParams::default(), -61.0, vec![]).status,
            Status::Warn
        );
    }
}
