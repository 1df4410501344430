//! The helpdesk's packages: `readycheck-server` as its own .deb and .rpm (the employee's
//! `readycheck` package stays free of server code). Each installs `/usr/bin/readycheck-server`,
//! `/etc/readycheck-server/config.toml` (a conffile), the systemd unit
//! `readycheck-server.service` — installed, never enabled — and a `readycheck-server` system
//! user owning `/var/lib/readycheck-server`. The recipes live in `packaging/server/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::layout::{build_deb, run, stage};

const VERSION: &str = env!("CARGO_PKG_VERSION");

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

fn put(root: &Path, rel: &str, bytes: &[u8], mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("a parent"))?;
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode))?;
    Ok(())
}

fn recipe(name: &str) -> Result<Vec<u8>> {
    let p = crate::workspace().join("packaging/server").join(name);
    std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
}

/// The installed tree under `root`.
fn tree(bin: &Path, root: &Path) -> Result<()> {
    put(
        root,
        "usr/bin/readycheck-server",
        &std::fs::read(bin)?,
        0o755,
    )?;
    put(
        root,
        "etc/readycheck-server/config.toml",
        &recipe("config.toml")?,
        0o640,
    )?;
    put(
        root,
        "usr/lib/systemd/system/readycheck-server.service",
        &recipe("readycheck-server.service")?,
        0o644,
    )?;
    put(
        root,
        "usr/share/doc/readycheck-server/README.md",
        &std::fs::read(crate::workspace().join("README.md"))?,
        0o644,
    )?;
    std::fs::create_dir_all(root.join("var/lib/readycheck-server"))?;
    Ok(())
}

const POSTINST: &str = "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n  \
    getent passwd readycheck-server >/dev/null || adduser --system --group --quiet --home /var/lib/readycheck-server --no-create-home readycheck-server\n  \
    mkdir -p /var/lib/readycheck-server\n  \
    chown readycheck-server:readycheck-server /var/lib/readycheck-server\n  \
    chmod 0750 /var/lib/readycheck-server\n  \
    chgrp readycheck-server /etc/readycheck-server/config.toml\n  \
    if [ -d /run/systemd/system ]; then systemctl daemon-reload >/dev/null 2>&1 || true; fi\nfi\n\
    # The service is not enabled: edit /etc/readycheck-server/config.toml, then\n\
    # systemctl enable --now readycheck-server\nexit 0\n";

/// `readycheck-server_<version>_amd64.deb`.
pub fn deb(bin: &Path, out: &Path) -> Result<PathBuf> {
    let root = stage(out, ".stage-server-deb")?;
    tree(bin, &root)?;
    let control = format!(
        "Package: readycheck-server\n\
         Version: {VERSION}\n\
         Architecture: amd64\n\
         Maintainer: readycheck maintainers <readycheck@example.invalid>\n\
         Depends: libc6, adduser\n\
         Section: admin\n\
         Priority: optional\n\
         Homepage: https://example.invalid/readycheck\n\
         Description: readycheck's helpdesk server\n \
         Receives the reports readycheck clients submit, stores each exactly once (SQLite, or\n \
         PostgreSQL for several instances) and serves them through a JSON read API.\n \
         The systemd unit is installed disabled.\n"
    );
    put(&root, "DEBIAN/control", control.as_bytes(), 0o644)?;
    put(
        &root,
        "DEBIAN/conffiles",
        b"/etc/readycheck-server/config.toml\n",
        0o644,
    )?;
    put(&root, "DEBIAN/postinst", POSTINST.as_bytes(), 0o755)?;
    build_deb(
        &root,
        out.join(format!("readycheck-server_{VERSION}_amd64.deb")),
    )
}

/// `readycheck-server-<version>-1.x86_64.rpm`, from `packaging/server/readycheck-server.spec`.
pub fn rpm(bin: &Path, out: &Path) -> Result<PathBuf> {
    let root = stage(out, ".stage-server-rpm")?;
    let t = root.join("tree");
    tree(bin, &t)?;
    let top = root.join("rpmbuild");
    run(
        Command::new("rpmbuild")
            .args(["-bb", "--nodeps", "--target", "x86_64"])
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("rc_tree {}", t.display()))
            .arg("--define")
            .arg(format!("rc_version {VERSION}"))
            .arg(crate::workspace().join("packaging/server/readycheck-server.spec")),
        "rpmbuild (apt-get install rpm)",
    )?;
    let name = format!("readycheck-server-{VERSION}-1.x86_64.rpm");
    let built = top.join("RPMS/x86_64").join(&name);
    let file = out.join(&name);
    std::fs::rename(&built, &file).with_context(|| format!("moving {}", built.display()))?;
    std::fs::remove_dir_all(&root)?;
    Ok(file)
}
