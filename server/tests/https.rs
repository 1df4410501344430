//! readycheck-server serving HTTPS itself: a certificate and key from PEM files (made here with
//! openssl, from a throw-away CA), the real `readycheck` client refusing the server while it
//! does not trust that CA (the report waits in its outbox) and delivering once it does, and the
//! read API answering over TLS.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// A CA and a server certificate for 127.0.0.1 and localhost, signed by it; `None` (the test
/// skips, or fails under CI) without openssl.
fn pki(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let run = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    let steps: [&[&str]; 4] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=Helpdesk test CA",
        ],
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=readycheck-server",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.cnf",
        ],
        &["x509", "-in", "server.pem", "-noout"],
    ];
    std::fs::write(
        dir.join("san.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    for s in steps {
        if !run(s) {
            skip(&format!(
                "openssl could not make test certificates ({})",
                s.join(" ")
            ));
            return None;
        }
    }
    Some((
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ))
}

#[test]
fn the_server_speaks_https_and_the_client_delivers_only_to_a_certificate_it_trusts() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = pki(dir.path()) else {
        return;
    };
    let port = free_port();
    let srv_data = dir.path().join("srv");
    let server = Server::start(&Launch {
        data_dir: srv_data.clone(),
        port,
        config: format!(
            "[tls]\ncert = \"{}\"\nkey = \"{}\"\n",
            cert.display(),
            key.display()
        ),
        ..Launch::default()
    });
    assert!(
        server.log().contains("https://"),
        "the server says it serves https: {}",
        server.log()
    );
    let device = server.token("device", "深圳");
    let read = server.token("read", "深圳");

    let client_data = dir.path().join("client");
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[profile]\nname = \"HTTPS test\"\n\n[report]\nsubmit = \"https://127.0.0.1:{port}/api/v1/reports\"\nauth_header_env = \"RC_TOKEN\"\n\n[[check]]\nid = \"mem\"\nplugin = \"resources\"\nkind = \"memory\"\n"
        ),
    )
    .unwrap();
    let client = |trust: &Path, args: &[&str]| {
        Command::new(client_bin())
            .args(args)
            .env("READYCHECK_DATA_DIR", &client_data)
            .env("RC_TOKEN", format!("Bearer {device}"))
            .env("READYCHECK_LANG", "en")
            .env("SSL_CERT_FILE", trust)
            .env_remove("SSL_CERT_DIR")
            .env_remove("READYCHECK_PROFILE")
            .env_remove("READYCHECK_PLUGIN_PATH")
            .output()
            .expect("run readycheck")
    };

    // A PC that does not trust the helpdesk's CA refuses the server: the report waits.
    let other = dir.path().join("other-ca.pem");
    std::fs::copy(dir.path().join("server.pem"), &other).unwrap();
    let out = client(
        &other,
        &["run", "-p", profile.to_str().unwrap(), "--no-progress"],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let waiting = |d: &Path| {
        std::fs::read_dir(d.join("outbox"))
            .map(|r| {
                r.flatten()
                    .filter(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.ends_with(".json") && !n.ends_with(".dest.json")
                    })
                    .count()
            })
            .unwrap_or(0)
    };
    assert_eq!(waiting(&client_data), 1, "kept for later: {text}");

    // Once the CA is trusted, the waiting report is delivered, once.
    let out = client(&ca, &["submit", "--pending"]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(waiting(&client_data), 0);

    // The read API over TLS sees the host.
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(&ca)
        .arg("-H")
        .arg(format!("Authorization: Bearer {read}"))
        .arg(format!("https://127.0.0.1:{port}/api/v1/hosts"))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let body: serde_json::Value = serde_json::from_slice(&o.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
            let text = body.to_string();
            assert!(text.contains("HTTPS test"), "{text}");
        }
        Ok(o) => panic!("curl: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => skip(&format!("curl is not installed ({e})")),
    }
    // Plain HTTP on the TLS port gets no report in.
    let plain = agent()
        .post(&format!("http://127.0.0.1:{port}/api/v1/reports"))
        .header("Authorization", &format!("Bearer {device}"))
        .send("{}");
    assert!(
        plain.map(|r| r.status().as_u16() >= 400).unwrap_or(true),
        "plain HTTP is not served on the TLS port"
    );
    drop(server);
    let _ = srv_data;
}
