//! Delivering reports to IT: POST the JSON report to a URL with bounded retries and backoff.
//! Every report to send is first spooled in the data directory (`outbox/`), so when the network
//! is down — exactly when people run this — nothing is lost: the next run, or
//! `readycheck submit --pending`, sends what is waiting. The report id is the idempotency key, so
//! a report the server already has is not stored twice; a sent report leaves the outbox. An
//! optional auth header value comes from an environment variable, never from the report.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;
use serde::{Deserialize, Serialize};

/// Where and how to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    pub url: String,
    /// Name of the environment variable holding the `Authorization` header value.
    #[serde(default)]
    pub auth_header_env: Option<String>,
}

/// What happened to one report.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Sent {
        id: String,
        status: u16,
        attempts: u32,
    },
    Kept {
        id: String,
        /// Why it is still waiting, in the reader's language when rendered.
        reason: Msg,
    },
}

/// Attempts per report in one go, and the pauses between them.
const BACKOFF: [Duration; 2] = [Duration::from_millis(500), Duration::from_millis(1500)];
/// Time limit of one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Time limit of one delivery round (all pending reports).
const ROUND_LIMIT: Duration = Duration::from_secs(20);

/// The outbox directory.
pub fn outbox() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("outbox"))
}

/// Puts a report into the outbox (atomically), with where it goes.
pub fn spool(dir: &Path, id: &str, json: &[u8], dest: &Destination) -> std::io::Result<()> {
    crate::store::write_atomic(
        &dir.join(format!("{id}.dest.json")),
        &serde_json::to_vec(dest).map_err(std::io::Error::other)?,
    )?;
    crate::store::write_atomic(&dir.join(format!("{id}.json")), json)
}

/// Reports waiting in the outbox, oldest first.
pub fn pending(dir: &Path) -> Vec<PathBuf> {
    crate::store::json_files_by_age(dir)
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| !p.to_string_lossy().ends_with(".dest.json"))
        .collect()
}

fn agent() -> ureq::Agent {
    let builder = ureq::Agent::config_builder();
    #[cfg(target_os = "macos")]
    let builder = builder.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::NativeTls)
            .build(),
    );
    #[cfg(not(target_os = "macos"))]
    let builder = builder.tls_config(
        ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(crate::tls::provider()))
            .root_certs(ureq::tls::RootCerts::PlatformVerifier)
            .build(),
    );
    builder
        .timeout_global(Some(REQUEST_TIMEOUT))
        .http_status_as_error(false)
        .user_agent(concat!("readycheck/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Why one attempt to send did not get an answer.
enum Failure {
    /// Something here is wrong (a setting); trying again will not help.
    Setup(Msg),
    /// The server could not be reached: the network or the server is down.
    Network(String),
}

/// POSTs one report; returns the HTTP status or why it could not be sent.
fn post(agent: &ureq::Agent, dest: &Destination, id: &str, body: &[u8]) -> Result<u16, Failure> {
    let mut req = agent
        .post(&dest.url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", id);
    if let Some(var) = &dest.auth_header_env {
        match std::env::var(var) {
            Ok(v) if !v.is_empty() => req = req.header("Authorization", v.as_str()),
            _ => {
                return Err(Failure::Setup(t!("submit.auth_unset", var = var.as_str())));
            }
        }
    }
    match req.send(body) {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) => Err(Failure::Network(e.to_string())),
    }
}

/// Sends every report in `dir`, oldest first, each with bounded retries. `override_dest`
/// replaces the stored destination (e.g. `--submit URL`). Stops trying new reports once the
/// round's time limit is spent; what is not sent stays for next time.
pub fn deliver(dir: &Path, override_dest: Option<&Destination>) -> Vec<Outcome> {
    let agent = agent();
    let started = Instant::now();
    let mut out = Vec::new();
    let mut network_down = false;
    for path in pending(dir) {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if network_down || started.elapsed() > ROUND_LIMIT {
            out.push(Outcome::Kept {
                id,
                reason: t!("submit.not_tried"),
            });
            continue;
        }
        // Claim the file, so that two runs at once do not both send it.
        let claimed = path.with_extension(format!("sending-{}", std::process::id()));
        if std::fs::rename(&path, &claimed).is_err() {
            continue;
        }
        let dest_path = dir.join(format!("{id}.dest.json"));
        let dest = override_dest.cloned().or_else(|| {
            std::fs::read(&dest_path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Destination>(&b).ok())
        });
        let Some(dest) = dest else {
            let _ = std::fs::rename(&claimed, &path);
            out.push(Outcome::Kept {
                id,
                reason: t!("submit.no_destination"),
            });
            continue;
        };
        let body = match std::fs::read(&claimed) {
            Ok(b) => b,
            Err(e) => {
                let _ = std::fs::rename(&claimed, &path);
                out.push(Outcome::Kept {
                    id,
                    reason: t!("submit.unreadable", error = e.to_string()),
                });
                continue;
            }
        };
        let mut attempts = 0;
        let mut last = t!("submit.not_tried");
        let mut sent = None;
        for pause in std::iter::once(Duration::ZERO).chain(BACKOFF) {
            std::thread::sleep(pause);
            attempts += 1;
            match post(&agent, &dest, &id, &body) {
                // 409: the server already has a report with this idempotency key.
                Ok(status) if (200..300).contains(&status) || status == 409 => {
                    sent = Some(status);
                    break;
                }
                Ok(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                    last = t!("submit.refused", status = status);
                    break;
                }
                Ok(status) => last = t!("submit.http", status = status),
                Err(Failure::Setup(why)) => {
                    last = why;
                    break;
                }
                Err(Failure::Network(e)) => {
                    last = t!("submit.unreachable", error = e);
                }
            }
        }
        match sent {
            Some(status) => {
                let _ = std::fs::remove_file(&claimed);
                let _ = std::fs::remove_file(&dest_path);
                out.push(Outcome::Sent {
                    id,
                    status,
                    attempts,
                });
            }
            None => {
                let _ = std::fs::rename(&claimed, &path);
                // The last attempt's answer decides: a server that answers is not down.
                network_down = last.id == "submit.unreachable";
                out.push(Outcome::Kept {
                    id,
                    reason: t!("submit.after_attempts", reason = last, attempts = attempts),
                });
            }
        }
    }
    out
}
