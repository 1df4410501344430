//! Delivering reports to IT: POST the JSON report to a URL with bounded retries and backoff.
//! Every report to send is first spooled in the data directory (`outbox/`), so when the network
//! is down — exactly when people run this — nothing is lost: the next run, or
//! `readycheck submit --pending`, sends what is waiting. The report id is the idempotency key, so
//! a report the server already has is not stored twice; a sent report leaves the outbox. An
//! optional auth header value comes from an environment variable, never from the report.
//!
//! The outbox is a crash-safe state machine; every state is recovered by the next run:
//!
//! | files in `outbox/` | state | recovery |
//! |---|---|---|
//! | `<id>.dest.json` only | spooling was cut short | re-spooled from `reports/<id>.json`, else removed |
//! | `<id>.json` + `<id>.dest.json` | waiting | sent by the next run or `submit --pending` |
//! | … + a lock held on `<id>.lock` | being sent by a live process | others leave it alone |
//! | … + `<id>.lock` not held | its sender died | the OS released the lock: waiting again |
//! | `<id>.sending-<pid>` (older readycheck) | claimed by `pid` | renamed back once `pid` is gone |
//! | `.rc-tmp-<pid>-…` | a write was cut short | removed once `pid` is gone |
//!
//! The claim is an exclusive lock on `<id>.lock` (`flock` on Unix, an unshared open on
//! Windows) that the OS drops when its process dies, however it dies. A report is removed only
//! after the server acknowledged it; dying between the acknowledgement and the removal sends it
//! again with the same idempotency key, which the server answers without storing it twice.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;
use reqwest::blocking::Client;
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
    /// Another readycheck process holds the claim on it and is sending it now.
    InFlight { id: String },
}

impl Outcome {
    /// The report id.
    pub fn id(&self) -> &str {
        match self {
            Outcome::Sent { id, .. } | Outcome::Kept { id, .. } | Outcome::InFlight { id } => id,
        }
    }
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

/// Reports kept in the outbox at most, and their bytes at most; the oldest go first.
pub const OUTBOX_KEEP: usize = 100;
pub const OUTBOX_BYTES: u64 = 64 * 1024 * 1024;

/// Puts a report into the outbox (atomically), with where it goes. The destination is written
/// first and the report last: the report's file appearing is what makes it waiting.
pub fn spool(dir: &Path, id: &str, json: &[u8], dest: &Destination) -> std::io::Result<()> {
    crate::store::clean_stale_temps(dir);
    crate::store::write_atomic(
        &dir.join(format!("{id}.dest.json")),
        &serde_json::to_vec(dest).map_err(std::io::Error::other)?,
    )?;
    crate::store::write_atomic(&dir.join(format!("{id}.json")), json).inspect_err(|_| {
        let _ = std::fs::remove_file(dir.join(format!("{id}.dest.json")));
    })?;
    bound(dir);
    Ok(())
}

/// Keeps the outbox within [`OUTBOX_KEEP`] reports and [`OUTBOX_BYTES`].
fn bound(dir: &Path) {
    let files = pending(dir);
    let mut total = 0u64;
    for (n, p) in files.iter().rev().enumerate() {
        total += std::fs::symlink_metadata(p).map_or(0, |m| m.len());
        if n >= OUTBOX_KEEP || (n > 0 && total > OUTBOX_BYTES) {
            let id = report_id(p);
            if let Some(claim) = Claim::take(dir, &id) {
                let _ = std::fs::remove_file(p);
                let _ = std::fs::remove_file(dir.join(format!("{id}.dest.json")));
                claim.release(true);
            }
        }
    }
}

fn report_id(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Brings every interrupted state back to "waiting" (see the module's table); returns how many
/// reports were recovered.
pub fn recover(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    crate::store::clean_stale_temps(dir);
    let mut recovered = 0;
    let names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &names {
        // An older readycheck's claim: `<id>.sending-<pid>`.
        if let Some((id, pid)) = name.rsplit_once(".sending-") {
            let alive = pid
                .parse::<u32>()
                .is_ok_and(|p| p == std::process::id() || crate::store::process_alive(p));
            let back = dir.join(format!("{id}.json"));
            if !alive && !back.exists() && std::fs::rename(dir.join(name), &back).is_ok() {
                recovered += 1;
            }
            continue;
        }
        // Spooling cut short between the destination and the report.
        if let Some(id) = name.strip_suffix(".dest.json") {
            let body = dir.join(format!("{id}.json"));
            if body.exists() {
                continue;
            }
            let Some(claim) = Claim::take(dir, id) else {
                continue;
            };
            let saved = crate::store::reports_dir()
                .map(|r| r.join(format!("{id}.json")))
                .and_then(|p| crate::store::read_capped(&p, MAX_BODY).ok());
            match saved {
                Some(json) if crate::store::write_atomic(&body, &json).is_ok() => recovered += 1,
                _ => {
                    let _ = std::fs::remove_file(dir.join(name));
                }
            }
            claim.release(!body.exists());
        }
    }
    // Lock files whose report is gone (the sender died after removing it).
    for name in &names {
        if let Some(id) = name.strip_suffix(".lock")
            && !dir.join(format!("{id}.json")).exists()
            && let Some(claim) = Claim::take(dir, id)
        {
            claim.release(true);
        }
    }
    recovered
}

/// Reports waiting in the outbox, oldest first (after [`recover`]).
pub fn pending(dir: &Path) -> Vec<PathBuf> {
    crate::store::json_files_by_age(dir)
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| !p.to_string_lossy().ends_with(".dest.json"))
        .collect()
}

/// The largest outbox file read back.
const MAX_BODY: u64 = 4 * crate::store::REPORT_CAP as u64;

/// An exclusive claim on one report of the outbox, held as a lock the OS drops when this
/// process ends in any way.
struct Claim {
    file: std::fs::File,
    path: PathBuf,
}

impl Claim {
    /// The claim on report `id`, or `None` when another process holds it.
    fn take(dir: &Path, id: &str) -> Option<Claim> {
        let path = dir.join(format!("{id}.lock"));
        let file = lock_exclusive(&path)?;
        Some(Claim { file, path })
    }

    /// Gives the claim up and removes the lock file (a process that opened the file before it
    /// was removed finds, once it holds the lock, that the name no longer leads to it, and
    /// backs off: see `lock_exclusive`). The argument is kept for the callers' clarity.
    fn release(self, _report_gone: bool) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

#[cfg(unix)]
fn lock_exclusive(path: &Path) -> Option<std::fs::File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .mode(0o600)
        .open(path)
        .ok()?;
    // SAFETY: flock on a descriptor this function owns.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r != 0 {
        return None;
    }
    // The lock counts only if the name still leads to the file locked: its previous holder
    // removes the name when it lets go.
    use std::os::unix::fs::MetadataExt;
    let held = file.metadata().ok()?;
    let named = std::fs::symlink_metadata(path).ok()?;
    (held.dev() == named.dev() && held.ino() == named.ino()).then_some(file)
}

#[cfg(windows)]
fn lock_exclusive(path: &Path) -> Option<std::fs::File> {
    use std::os::windows::fs::OpenOptionsExt;
    // Opened unshared: a second open fails until this handle closes, which the OS does when
    // the process ends.
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .share_mode(0)
        .open(path)
        .ok()
}

#[cfg(not(any(unix, windows)))]
fn lock_exclusive(path: &Path) -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .ok()
}

/// The HTTP client of delivery: reqwest's blocking client, as the network plugin uses it. The
/// proxy is the environment's (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`), else the
/// system's (Windows Internet Options, macOS network settings). Certificates are checked by the
/// OS's verifier, so a company CA installed on the PC is trusted; TLS is rustls with ring's
/// provider (macOS: the system's TLS).
pub(crate) fn client() -> Result<Client, Msg> {
    let builder = Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("readycheck/", env!("CARGO_PKG_VERSION")));
    #[cfg(not(target_os = "macos"))]
    let builder = {
        use rustls_platform_verifier::BuilderVerifierExt;
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .and_then(|b| b.with_platform_verifier())
            .map_err(|e| t!("submit.tls_setup", error = e.to_string()))?
            .with_no_client_auth();
        builder.tls_backend_preconfigured(tls)
    };
    #[cfg(target_os = "macos")]
    let builder = builder.tls_backend_native();
    // Internet Options' proxy set per protocol, which reqwest does not read (see
    // readycheck_sdk::proxy); the single form is reqwest's own.
    #[cfg(windows)]
    let builder = match readycheck_sdk::proxy::windows() {
        Some(p) => {
            let mut builder = builder;
            let no_proxy = || reqwest::NoProxy::from_string(&p.no_proxy);
            if let Some(Ok(px)) = p.http.as_deref().map(reqwest::Proxy::http) {
                builder = builder.proxy(px.no_proxy(no_proxy()));
            }
            if let Some(Ok(px)) = p.https.as_deref().map(reqwest::Proxy::https) {
                builder = builder.proxy(px.no_proxy(no_proxy()));
            }
            builder
        }
        None => builder,
    };
    builder
        .build()
        .map_err(|e| t!("submit.tls_setup", error = chain(&e)))
}

/// An error and every cause under it, as one line: reqwest's own message names the request,
/// its causes what went wrong ("… : invalid peer certificate: UnknownIssuer").
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Why one attempt to send did not get an answer.
enum Failure {
    /// Something here is wrong (a setting); trying again will not help.
    Setup(Msg),
    /// The server could not be reached: the network or the server is down.
    Network(String),
}

/// POSTs one report; returns the HTTP status or why it could not be sent.
fn post(client: &Client, dest: &Destination, id: &str, body: &[u8]) -> Result<u16, Failure> {
    let mut req = client
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
    match req.body(body.to_vec()).send() {
        Ok(resp) => Ok(resp.status().as_u16()),
        Err(e) if e.is_builder() => Err(Failure::Setup(t!(
            "submit.bad_url",
            url = dest.url.as_str(),
            error = chain(&e)
        ))),
        Err(e) => Err(Failure::Network(chain(&e))),
    }
}

/// One report sent with bounded retries: the acknowledging status, or the last reason and
/// whether the server was unreachable.
fn send_with_retries(
    client: &Client,
    dest: &Destination,
    id: &str,
    body: &[u8],
) -> (Result<u16, (Msg, bool)>, u32) {
    let mut attempts = 0;
    let mut last = t!("submit.not_tried");
    for pause in std::iter::once(Duration::ZERO).chain(BACKOFF) {
        std::thread::sleep(pause);
        attempts += 1;
        match post(client, dest, id, body) {
            // 409: the server already has a report with this idempotency key.
            Ok(status) if (200..300).contains(&status) || status == 409 => {
                return (Ok(status), attempts);
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
    // The last attempt's answer decides: a server that answers is not down.
    let down = last.id == "submit.unreachable";
    (Err((last, down)), attempts)
}

/// Sends a report straight from memory, when it could not be kept in the outbox (a full or
/// read-only data directory): the same retries, the same idempotency key.
pub fn send_now(id: &str, json: &[u8], dest: &Destination) -> Outcome {
    let sent = client().map_or_else(
        |why| (Err((why, false)), 0),
        |client| send_with_retries(&client, dest, id, json),
    );
    match sent {
        (Ok(status), attempts) => Outcome::Sent {
            id: id.to_string(),
            status,
            attempts,
        },
        (Err((reason, _)), attempts) => Outcome::Kept {
            id: id.to_string(),
            reason: t!(
                "submit.after_attempts",
                reason = reason,
                attempts = attempts
            ),
        },
    }
}

/// Sends every report in `dir`, oldest first, each with bounded retries, after recovering
/// interrupted states. `override_dest` replaces the stored destination (e.g. `--submit URL`).
/// Stops trying new reports once the round's time limit is spent; what is not sent stays for
/// next time. A report another live process is sending is left to it.
pub fn deliver(dir: &Path, override_dest: Option<&Destination>) -> Vec<Outcome> {
    recover(dir);
    let client = client();
    let started = Instant::now();
    let mut out = Vec::new();
    let mut network_down = false;
    for path in pending(dir) {
        let id = report_id(&path);
        if network_down || started.elapsed() > ROUND_LIMIT {
            out.push(Outcome::Kept {
                id,
                reason: t!("submit.not_tried"),
            });
            continue;
        }
        // The claim: two runs at once never both send a report, and a dead sender's claim
        // is gone with it.
        let Some(claim) = Claim::take(dir, &id) else {
            out.push(Outcome::InFlight { id });
            continue;
        };
        // Another process may have sent it between the listing and the claim.
        if !path.exists() {
            claim.release(true);
            continue;
        }
        let dest_path = dir.join(format!("{id}.dest.json"));
        let dest = override_dest.cloned().or_else(|| {
            crate::store::read_capped(&dest_path, 64 * 1024)
                .ok()
                .and_then(|b| serde_json::from_slice::<Destination>(&b).ok())
        });
        let Some(dest) = dest else {
            claim.release(false);
            out.push(Outcome::Kept {
                id,
                reason: t!("submit.no_destination"),
            });
            continue;
        };
        let body = match crate::store::read_capped(&path, MAX_BODY) {
            Ok(b) => b,
            Err(e) => {
                claim.release(false);
                out.push(Outcome::Kept {
                    id,
                    reason: t!("submit.unreadable", error = e.to_string()),
                });
                continue;
            }
        };
        let sent = match &client {
            Ok(client) => send_with_retries(client, &dest, &id, &body),
            Err(why) => (Err((why.clone(), false)), 0),
        };
        match sent {
            (Ok(status), attempts) => {
                // The report's file goes first: once it is gone the report is not waiting.
                let _ = std::fs::remove_file(&path);
                let _ = std::fs::remove_file(&dest_path);
                claim.release(true);
                out.push(Outcome::Sent {
                    id,
                    status,
                    attempts,
                });
            }
            (Err((last, down)), attempts) => {
                claim.release(false);
                network_down = down;
                out.push(Outcome::Kept {
                    id,
                    reason: t!("submit.after_attempts", reason = last, attempts = attempts),
                });
            }
        }
    }
    out
}
