//! `cargo xtask`: builds what IT hands out — the Linux `.deb`, `.rpm` and portable `.tar.gz`, the
//! Windows `.zip` and `.msi` (cross-compiled with mingw-w64), IT bundles with their profile and
//! the plugins' sha256 pinned in it — plus the man pages, shell completions and scheduled-run
//! units those contain. `cargo xtask dist` builds all of them and prints their sizes.

mod archive;
mod layout;
mod packages;
mod server;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use layout::{Artifacts, Os};

#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    about = "Builds readycheck's packages and IT bundles"
)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, clap::Args)]
struct Inputs {
    /// Linux build to package (a directory with `readycheck` and `libreadycheck_*.so`);
    /// default: `cargo build --release`.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// Windows build to package (`readycheck.exe`, `readycheck_*.dll`); default: `cargo build
    /// --release --target x86_64-pc-windows-gnu`.
    #[arg(long, value_name = "DIR")]
    win_from: Option<PathBuf>,
    /// Where the packages go.
    #[arg(short, long, value_name = "DIR", default_value = "target/dist")]
    out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BundleOs {
    Linux,
    Windows,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Every package below, then a table of sizes.
    Dist(Inputs),
    /// Debian package by cargo-deb from `[package.metadata.deb]` in core/Cargo.toml: /usr/bin,
    /// /usr/lib/readycheck/plugins, /etc/readycheck, man, completions, systemd user units.
    Deb(Inputs),
    /// RPM package with the same layout, by cargo-generate-rpm from
    /// `[package.metadata.generate-rpm]`.
    Rpm(Inputs),
    /// Portable Linux archive: readycheck and plugins/ in one directory.
    Tarball(Inputs),
    /// Windows zip: readycheck.exe, plugins\*.dll, readycheck.toml.
    Zip(Inputs),
    /// Windows installers (English, Simplified Chinese) built from
    /// packaging/windows/readycheck.wxs with wixl.
    Msi(Inputs),
    /// The helpdesk's server as its own .deb, by cargo-deb from server/Cargo.toml: binary,
    /// /etc/readycheck-server/config.toml, a systemd unit installed disabled (`--from DIR` takes
    /// DIR/readycheck-server).
    ServerDeb(Inputs),
    /// The helpdesk's server as its own .rpm, same layout, by cargo-generate-rpm.
    ServerRpm(Inputs),
    /// An IT bundle: binary, plugins and the profile (as readycheck.toml next to the binary)
    /// with every shipped plugin's sha256 pinned in it.
    Bundle {
        /// IT's profile; validated before anything is built into the bundle.
        #[arg(long, value_name = "PROFILE")]
        profile: PathBuf,
        #[arg(long, value_enum)]
        os: BundleOs,
        /// Sign the bundled profile with this secret key (`readycheck profile keygen`; its
        /// password from READYCHECK_KEY_PASSWORD) and pin its public key in the bundle's keys/,
        /// so the bundle runs only that profile, unaltered.
        #[arg(long, value_name = "KEY")]
        sign_key: Option<PathBuf>,
        /// The signature's last valid day (YYYY-MM-DD, UTC; default: a year from today).
        #[arg(long, value_name = "DATE", requires = "sign_key")]
        expires: Option<String>,
        #[command(flatten)]
        inputs: Inputs,
    },
    /// Man pages (readycheck.1 and one per subcommand) from the CLI definition.
    Man {
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
    },
    /// bash, zsh, fish and PowerShell completions from the CLI definition.
    Completions {
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Scheduled-run units for an installed binary: systemd user service and timer, Task
    /// Scheduler XML, launchd plist.
    Units {
        #[arg(short, long, value_name = "DIR")]
        out: PathBuf,
        /// Time of day (HH:MM).
        #[arg(long, default_value = "06:00")]
        at: readycheck::schedule::At,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e:#}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn say(line: &str) {
    #[allow(clippy::print_stdout)]
    {
        println!("{line}");
    }
}

fn run(mut task: Task) -> Result<()> {
    // cargo-deb, cargo-generate-rpm and wixl run elsewhere than here: every output path is made
    // absolute.
    if let Task::Dist(i)
    | Task::Deb(i)
    | Task::Rpm(i)
    | Task::Tarball(i)
    | Task::Zip(i)
    | Task::Msi(i)
    | Task::ServerDeb(i)
    | Task::ServerRpm(i)
    | Task::Bundle { inputs: i, .. } = &mut task
    {
        i.out = std::path::absolute(&i.out)?;
    }
    match task {
        Task::Dist(i) => dist(&i),
        Task::Deb(i) => packages::deb(&linux(&i)?, &i.out).map(report),
        Task::Rpm(i) => packages::rpm(&linux(&i)?, &i.out).map(report),
        Task::Tarball(i) => layout::tarball(&linux(&i)?, &i.out).map(report),
        Task::Zip(i) => layout::win_zip(&windows(&i)?, &i.out).map(report),
        Task::Msi(i) => {
            for f in layout::msi(&windows(&i)?, &i.out)? {
                report(f);
            }
            Ok(())
        }
        Task::ServerDeb(i) => {
            packages::server_deb(&server::binary(i.from.as_deref())?, &i.out).map(report)
        }
        Task::ServerRpm(i) => {
            packages::server_rpm(&server::binary(i.from.as_deref())?, &i.out).map(report)
        }
        Task::Bundle {
            profile,
            os,
            sign_key,
            expires,
            inputs,
        } => {
            let signer = sign_key
                .map(|key| layout::Signer::read(&key, expires.as_deref()))
                .transpose()?;
            let host = linux(&inputs)?;
            validate(&host, &profile)?;
            let art = match os {
                BundleOs::Linux => host,
                BundleOs::Windows => windows(&inputs)?,
            };
            let out = layout::bundle(&art, &profile, &inputs.out, signer.as_ref())?;
            report(out);
            Ok(())
        }
        Task::Man { out } => {
            let files = layout::man_pages(&out)?;
            say(&format!("{} man pages in {}", files.len(), out.display()));
            Ok(())
        }
        Task::Completions { out } => {
            for f in layout::completions(&out)? {
                say(&f.display().to_string());
            }
            Ok(())
        }
        Task::Units { out, at } => {
            for (os, exe) in [
                (Os::Linux, "/usr/bin/readycheck"),
                (Os::Windows, r"C:\Program Files\readycheck\readycheck.exe"),
                (Os::Macos, "/usr/local/bin/readycheck"),
            ] {
                for f in layout::units(os, Path::new(exe), at, &out)? {
                    say(&f.display().to_string());
                }
            }
            Ok(())
        }
    }
}

fn report(path: PathBuf) {
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    say(&format!("{}  {}", path.display(), human(size)));
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// The workspace root (xtask lives one level below it).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}

/// Packages shipped in every build.
const PACKAGES: [&str; 6] = [
    "readycheck",
    "readycheck-network",
    "readycheck-resources",
    "readycheck-permissions",
    "readycheck-apps",
    "readycheck-posture",
];

fn cargo_release(target: Option<&str>) -> Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace()).args(["build", "--release"]);
    for p in PACKAGES {
        cmd.args(["-p", p]);
    }
    if let Some(t) = target {
        cmd.args(["--target", t]);
    }
    let st = cmd.status().context("running cargo build")?;
    if !st.success() {
        bail!("cargo build --release failed");
    }
    let mut dir = workspace().join("target");
    if let Some(t) = target {
        dir.push(t);
    }
    Ok(dir.join("release"))
}

fn linux(i: &Inputs) -> Result<Artifacts> {
    let dir = match &i.from {
        Some(d) => d.clone(),
        None => cargo_release(None)?,
    };
    Artifacts::find(&dir, Os::Linux)
}

fn windows(i: &Inputs) -> Result<Artifacts> {
    let dir = match &i.win_from {
        Some(d) => d.clone(),
        None => cargo_release(Some("x86_64-pc-windows-gnu")).context(
            "cross-building for Windows needs `rustup target add x86_64-pc-windows-gnu` and \
             mingw-w64 (apt-get install gcc-mingw-w64-x86-64)",
        )?,
    };
    Artifacts::find(&dir, Os::Windows)
}

/// `readycheck validate` with the plugins of this build: a bundle never ships a profile that
/// would fail on every PC at 06:00.
fn validate(host: &Artifacts, profile: &Path) -> Result<()> {
    let out = Command::new(host.host())
        .arg("validate")
        .arg(profile)
        .arg("--plugin-dir")
        .arg(&host.dir)
        .env_remove("READYCHECK_PLUGIN_PATH")
        .output()
        .context("running readycheck validate")?;
    if !out.status.success() {
        bail!(
            "the profile {} is not valid; nothing was bundled:\n{}{}",
            profile.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

fn dist(i: &Inputs) -> Result<()> {
    let lin = linux(i)?;
    let win = windows(i)?;
    let mut rows: Vec<(String, u64)> = Vec::new();
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    for (os, art) in [("Linux", &lin), ("Windows", &win)] {
        rows.push((format!("host binary ({os})"), size(&art.host())));
        rows.push((format!("plugin child ({os})"), size(&art.plugin_host())));
        for (name, p) in art.plugins() {
            rows.push((format!("plugin {name} ({os})"), size(&p)));
        }
    }
    let mut pkgs = vec![
        packages::deb(&lin, &i.out)?,
        packages::rpm(&lin, &i.out)?,
        layout::tarball(&lin, &i.out)?,
        layout::win_zip(&win, &i.out)?,
    ];
    pkgs.extend(layout::msi(&win, &i.out)?);
    for pkg in pkgs {
        let s = size(&pkg);
        rows.push((pkg.display().to_string(), s));
    }
    say(&format!("{:<60} {:>12}", "artifact", "size"));
    for (name, s) in rows {
        say(&format!("{name:<60} {:>12}", human(s)));
    }
    Ok(())
}
