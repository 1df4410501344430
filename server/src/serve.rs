//! Running the server: open the store (migrating it), listen on HTTP or HTTPS (rustls, from
//! PEM files), purge old reports in the background, and on SIGTERM or Ctrl-C stop accepting,
//! let the requests in flight finish (up to `shutdown_grace`), then close the database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum_server::Handle;

use crate::api::{AppState, router};
use crate::config::Config;
use crate::store::Store;

/// Serves until a shutdown signal.
pub async fn run(config: Config) -> anyhow::Result<()> {
    let store = Arc::new(
        Store::open(&config.database, config.max_connections)
            .await
            .context("opening the store")?,
    );
    tracing::info!(database = %config.database.describe(), "store open and migrated");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let state = Arc::new(AppState::new(config.clone(), store.clone()));
    let alerts = tokio::spawn(crate::alerts::run(state.clone()));
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();

    let handle = Handle::new();
    tokio::spawn(shutdown_on_signal(
        handle.clone(),
        config.shutdown_grace,
        state.live.clone(),
    ));
    let purge = tokio::spawn(purge_loop(
        store.clone(),
        config.retention_days,
        config.purge_every,
    ));
    {
        let handle = handle.clone();
        let scheme = if config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        tokio::spawn(async move {
            if let Some(addr) = handle.listening().await {
                tracing::info!(address = %addr, url = %format!("{scheme}://{addr}"), "listening");
            }
        });
    }
    let served = match &config.tls {
        Some((cert, key)) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "loading TLS certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            axum_server::bind_rustls(config.listen, tls)
                .handle(handle)
                .serve(app)
                .await
        }
        None => {
            axum_server::bind(config.listen)
                .handle(handle)
                .serve(app)
                .await
        }
    };
    served.with_context(|| format!("serving on {}", config.listen))?;
    purge.abort();
    alerts.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Tells open dashboards' event streams to end (they would hold shutdown for its grace).
pub const CLOSING: i64 = i64::MIN;

async fn shutdown_on_signal(
    handle: Handle,
    grace: Duration,
    live: tokio::sync::broadcast::Sender<i64>,
) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    handle.graceful_shutdown(Some(grace));
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!(grace = %humantime::format_duration(grace), "shutting down: finishing requests in flight");
    let _ = live.send(CLOSING);
    handle.graceful_shutdown(Some(grace));
}

/// Deletes reports older than `days` every `every` (never a host's latest).
async fn purge_loop(store: Arc<Store>, days: u32, every: Duration) {
    if days == 0 {
        return;
    }
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        let cutoff = crate::now_ms() - i64::from(days) * 86_400_000;
        match store.purge(cutoff, 1000).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, days, "purged old reports"),
            Err(e) => tracing::warn!(error = %e, "purge failed; will retry"),
        }
    }
}
