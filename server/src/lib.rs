//! readycheck-server: the helpdesk's side of readycheck. It receives the reports that
//! `readycheck --submit` sends, stores each exactly once (SQLite by default, PostgreSQL when
//! several instances share one database), and serves them back through a JSON read API, as
//! rendered HTML and as the fleet summary `readycheck summarize` gives.
//!
//! Stages, each a module with plain types at its edges: [`config`] (the TOML file, errors with
//! file:line:column) → [`store`] (every SQL statement and the migrations) → [`ingest`] (what a
//! submitted body must be, independent of HTTP) and [`read`] (the read side) → [`api`] (thin
//! HTTP handlers, errors mapped to status codes in one place) → [`serve`] (listening, TLS,
//! graceful shutdown, the retention task).
//!
//! The helpdesk's side of it: [`fleet`] (what the home page says, from the store's aggregates),
//! [`dashboard`] (sign-in, sessions, the pages), [`roster`] (the AD/HR CSV), [`alerts`] (rules
//! delivered to WeCom, DingTalk, Feishu and webhooks), [`metrics`] (Prometheus) and [`profiles`]
//! (signed profiles IT uploads and clients fetch).

pub mod alerts;
pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod fleet;
pub mod ingest;
pub mod metrics;
pub mod profiles;
pub mod ratelimit;
pub mod read;
pub mod roster;
pub mod sample;
pub mod serve;
pub mod store;
pub mod tokens;

/// Milliseconds since the Unix epoch, the store's unit of time.
pub fn unix_ms(t: std::time::SystemTime) -> i64 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// RFC 3339 (UTC, milliseconds) of a store time.
pub fn rfc3339(ms: i64) -> String {
    let t = if ms >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms as u64)
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_millis(ms.unsigned_abs())
    };
    humantime::format_rfc3339_millis(t).to_string()
}

/// The current time in store units.
pub fn now_ms() -> i64 {
    unix_ms(std::time::SystemTime::now())
}
