//! The Linux packages, described by metadata rather than built by hand: the `.deb` through
//! cargo-deb (`[package.metadata.deb]`) and the `.rpm` through cargo-generate-rpm
//! (`[package.metadata.generate-rpm]`), both in `core/Cargo.toml`. xtask only stages what the
//! tools cannot take from the source tree — the build given with `--from`, the man pages, the
//! completions and the systemd user units it generates — in `target/xtask-stage/readycheck/`,
//! where the metadata's assets point, then runs the tool.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use readycheck::schedule::At;

use crate::layout::{self, Artifacts, Os};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The packaging tools, pinned: the cargo subcommand, its crate and version. The same pins are
/// in `scripts/install-packaging-tools`, which CI runs.
const CARGO_DEB: Tool = Tool {
    subcommand: "deb",
    krate: "cargo-deb",
    version: "3.8.0",
};
const GENERATE_RPM: Tool = Tool {
    subcommand: "generate-rpm",
    krate: "cargo-generate-rpm",
    version: "0.21.1",
};

struct Tool {
    subcommand: &'static str,
    krate: &'static str,
    version: &'static str,
}

impl Tool {
    /// `cargo <subcommand>`, run from the workspace root.
    fn command(&self) -> Command {
        let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        c.current_dir(crate::workspace()).arg(self.subcommand);
        c
    }

    /// Fails, saying how to install it, when the subcommand is missing.
    fn require(&self) -> Result<()> {
        let found = self
            .command()
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            bail!(
                "`cargo {sub}` is not installed; run scripts/install-packaging-tools \
                 (or: cargo install {krate} --version {version} --locked)",
                sub = self.subcommand,
                krate = self.krate,
                version = self.version
            );
        }
        Ok(())
    }

    fn run(&self, args: &[&str], file: &Path) -> Result<()> {
        layout::run(
            self.command().args(args).arg("-o").arg(file),
            &format!("cargo {}", self.subcommand),
        )
    }
}

/// `target/xtask-stage/<name>/`, fresh and held for one packaging run at a time (the tests
/// build packages in parallel, and the metadata names one place); emptied when dropped.
struct Stage {
    dir: PathBuf,
    _lock: File,
}

impl Stage {
    fn open(name: &str) -> Result<Stage> {
        let root = crate::workspace().join("target/xtask-stage");
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        let lock_path = root.join(format!("{name}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening {}", lock_path.display()))?;
        lock.lock()
            .with_context(|| format!("locking {}", lock_path.display()))?;
        let dir = layout::stage(&root, name)?;
        Ok(Stage { dir, _lock: lock })
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        // Still locked here: the fields, the lock among them, are dropped after this.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `src` at `dst`: a hard link when it can be (the build is not copied), a copy otherwise.
/// The packages' modes come from the metadata, not from these files.
fn link(src: &Path, dst: &Path) -> Result<()> {
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if std::fs::hard_link(src, dst).is_err() {
        std::fs::copy(src, dst)
            .with_context(|| format!("copying {} to {}", src.display(), dst.display()))?;
    }
    Ok(())
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes)?;
    Ok(e.finish()?)
}

/// What the host's metadata points at: `readycheck`, `readycheck-plugin-host`, `plugins/*.so`, `man/*.1.gz`,
/// `completions/` (bash, zsh, fish), `units/linux/readycheck.{service,timer}`.
fn stage_host(art: &Artifacts, dir: &Path) -> Result<()> {
    link(&art.host(), &dir.join("readycheck"))?;
    link(&art.plugin_host(), &dir.join(art.os.plugin_host()))?;
    for (_, p) in art.plugins() {
        link(
            &p,
            &dir.join("plugins").join(p.file_name().unwrap_or_default()),
        )?;
    }
    let gen_dir = dir.join(".gen");
    for page in layout::man_pages(&gen_dir)? {
        let name = page.file_name().unwrap_or_default().to_string_lossy();
        layout::put(
            dir,
            &format!("man/{name}.gz"),
            &gzip(&std::fs::read(&page)?)?,
            0o644,
        )?;
    }
    std::fs::remove_dir_all(&gen_dir)?;
    layout::completions(&dir.join("completions"))?;
    layout::units(
        Os::Linux,
        Path::new("/usr/bin/readycheck"),
        At::default(),
        &dir.join("units"),
    )?;
    Ok(())
}

/// cargo-deb's `.deb` of `package` from what the stage holds, written to `file`. The build is
/// used as given (stripped or not); dpkg-shlibdeps still reads it for Depends.
fn deb_of(package: &str, file: &Path) -> Result<()> {
    CARGO_DEB.run(
        &[
            "-p",
            package,
            "--no-build",
            "--no-strip",
            "--no-dbgsym",
            "--no-separate-debug-symbols",
        ],
        file,
    )
}

/// `readycheck_<version>_amd64.deb`, by cargo-deb from `[package.metadata.deb]`.
pub fn deb(art: &Artifacts, out: &Path) -> Result<PathBuf> {
    CARGO_DEB.require()?;
    let stage = Stage::open("readycheck")?;
    stage_host(art, &stage.dir)?;
    std::fs::create_dir_all(out)?;
    let file = out.join(format!("readycheck_{VERSION}_amd64.deb"));
    deb_of("readycheck", &file)?;
    Ok(file)
}

/// `readycheck-<version>-1.x86_64.rpm`, by cargo-generate-rpm from
/// `[package.metadata.generate-rpm]`.
pub fn rpm(art: &Artifacts, out: &Path) -> Result<PathBuf> {
    GENERATE_RPM.require()?;
    let stage = Stage::open("readycheck")?;
    stage_host(art, &stage.dir)?;
    std::fs::create_dir_all(out)?;
    let file = out.join(format!("readycheck-{VERSION}-1.x86_64.rpm"));
    GENERATE_RPM.run(&["-p", "core", "-a", "x86_64"], &file)?;
    Ok(file)
}

/// `readycheck-server_<version>_amd64.deb`, by cargo-deb from `server/Cargo.toml`: the binary,
/// the configuration (a conffile, 0640), the systemd unit installed disabled, and a postinst
/// that makes the system user (`packaging/server/debian/postinst`).
pub fn server_deb(bin: &Path, out: &Path) -> Result<PathBuf> {
    CARGO_DEB.require()?;
    let stage = Stage::open("readycheck-server")?;
    link(bin, &stage.dir.join("readycheck-server"))?;
    std::fs::create_dir_all(out)?;
    let file = out.join(format!("readycheck-server_{VERSION}_amd64.deb"));
    deb_of("readycheck-server", &file)?;
    Ok(file)
}

/// `readycheck-server-<version>-1.x86_64.rpm`, by cargo-generate-rpm from `server/Cargo.toml`.
pub fn server_rpm(bin: &Path, out: &Path) -> Result<PathBuf> {
    GENERATE_RPM.require()?;
    let stage = Stage::open("readycheck-server")?;
    link(bin, &stage.dir.join("readycheck-server"))?;
    std::fs::create_dir_all(out)?;
    let file = out.join(format!("readycheck-server-{VERSION}-1.x86_64.rpm"));
    GENERATE_RPM.run(&["-p", "server", "-a", "x86_64"], &file)?;
    Ok(file)
}
