//! Test fixtures: a certificate authority and leaf certificates made with rcgen, TLS and HTTP
//! servers on 127.0.0.1, a port that refuses and a listener that never answers. Real sockets,
//! real handshakes; nothing leaves this machine.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ::time::{Duration as Days, OffsetDateTime};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test CA.
pub struct Ca {
    pub issuer: Issuer<'static, KeyPair>,
    pub pem: String,
}

pub fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let cert = p.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(p, key),
    }
}

impl Ca {
    /// Writes the CA certificate as PEM into `dir`.
    pub fn write(&self, dir: &Path) -> PathBuf {
        let p = dir.join("ca.pem");
        std::fs::write(&p, &self.pem).unwrap();
        p
    }
}

/// A leaf certificate for `names`, valid from `from` to `to` days relative to now.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

pub fn leaf(ca: &Ca, names: &[&str], from: i64, to: i64) -> Leaf {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    let now = OffsetDateTime::now_utc();
    p.not_before = now + Days::days(from);
    p.not_after = now + Days::days(to);
    let cert = p.signed_by(&key, &ca.issuer).unwrap();
    Leaf {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// A TLS server on 127.0.0.1 that completes handshakes and answers each connection with
/// `response` (if any). Returns the port; the server runs until the test process ends.
pub fn tls_server(leaf: Leaf, response: Option<&'static [u8]>) -> u16 {
    serve_tls(leaf, response, rustls::DEFAULT_VERSIONS)
}

/// The one TLS version a [`tls_server_with`] speaks.
#[derive(Debug, Clone, Copy)]
pub enum TlsVersion {
    Tls12,
    Tls13,
}

/// [`tls_server`] speaking only `version`.
pub fn tls_server_with(leaf: Leaf, response: Option<&'static [u8]>, version: TlsVersion) -> u16 {
    static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
    static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
    let versions: &'static [&'static rustls::SupportedProtocolVersion] = match version {
        TlsVersion::Tls12 => &TLS12,
        TlsVersion::Tls13 => &TLS13,
    };
    serve_tls(leaf, response, versions)
}

fn serve_tls(
    leaf: Leaf,
    response: Option<&'static [u8]>,
    versions: &'static [&'static rustls::SupportedProtocolVersion],
) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(leaf.chain, leaf.key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut tcp = stream;
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
                let mut buf = [0u8; 4096];
                if let Some(resp) = response {
                    // Read the request head, then answer.
                    let mut got = Vec::new();
                    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = tls.write_all(resp);
                    let _ = tls.flush();
                } else {
                    let _ = tls.read(&mut buf);
                }
            });
        }
    });
    port
}

/// A plain HTTP server on 127.0.0.1 answering every request with `response`, after `delay`.
pub fn http_server(response: &'static [u8], delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_http(stream, response, delay));
        }
    });
    port
}

fn serve_http(mut s: TcpStream, response: &[u8], delay: Duration) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = [0u8; 4096];
    let mut got = Vec::new();
    loop {
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let end = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        got.drain(..end);
        std::thread::sleep(delay);
        if s.write_all(response).is_err() {
            return;
        }
    }
}

/// A port on 127.0.0.1 that refuses connections.
pub fn refusing_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A listener that accepts connections and never says anything.
pub fn silent_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut keep = Vec::new();
        for s in listener.incoming().flatten() {
            keep.push(s);
        }
    });
    port
}
