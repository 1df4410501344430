//! The helpdesk's packages: `readycheck-server` as its own .deb and .rpm (the employee's
//! `readycheck` package stays free of server code). Each installs `/usr/bin/readycheck-server`,
//! `/etc/readycheck-server/config.toml` (a conffile), the systemd unit
//! `readycheck-server.service` — installed, never enabled — and a `readycheck-server` system
//! user owning `/var/lib/readycheck-server`. They are described by the metadata in
//! `server/Cargo.toml` (files in `packaging/server/`) and built by `packages.rs`; this module
//! finds or builds the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The release server binary: `from/readycheck-server`, else built now.
pub fn binary(from: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = from {
        let b = dir.join("readycheck-server");
        if !b.is_file() {
            bail!(
                "{} has no readycheck-server — cargo build --release -p readycheck-server",
                dir.display()
            );
        }
        return Ok(b);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .current_dir(crate::workspace())
        .args([
            "build",
            "--release",
            "-p",
            "readycheck-server",
            "--bin",
            "readycheck-server",
        ])
        .status()
        .context("running cargo build")?;
    if !st.success() {
        bail!("cargo build --release -p readycheck-server failed");
    }
    Ok(crate::workspace().join("target/release/readycheck-server"))
}
