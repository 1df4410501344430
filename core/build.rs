//! Build script of the host. On x86_64 Linux with a toolchain that links with LLD by default
//! (Rust 1.90 and later), the release binary is linked with identical code folding
//! (`--icf=all`: functions whose machine code is the same are kept once), which keeps the host
//! small. With any other target, toolchain or a linker of the builder's own choosing, it links
//! as cargo would by default. On Windows targets, each .exe gets the icon and version
//! information (product, version, company, description — Explorer's Properties, Apps &
//! Features), compiled from `packaging/windows/readycheck.ico` with windres (mingw-w64's
//! `x86_64-w64-mingw32-windres` when cross-building). Plugins and tests are never affected.
//! It also hands `--version` the commit and its date (`READYCHECK_COMMIT`,
//! `READYCHECK_BUILD_DATE`): from git when building in a checkout, else `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    println!("cargo:rerun-if-changed=../packaging/windows/readycheck.ico");
    let target = std::env::var("TARGET").unwrap_or_default();
    let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
    let own_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("link"));
    if target == "x86_64-unknown-linux-gnu"
        && release
        && !own_linker
        && rustc_minor().is_some_and(|m| m >= 90)
    {
        println!("cargo:rustc-link-arg-bins=-Wl,--icf=all");
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resources();
    }
    git_version();
}

/// The commit the build is from and the day of that commit (not of the build, so that two
/// builds of one commit say the same), rebuilt when `HEAD` moves.
fn git_version() {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let dir = std::path::PathBuf::from(dir);
        let head = git(&["symbolic-ref", "-q", "HEAD"]);
        // Only files that exist: a missing one would make cargo rerun this on every build.
        let watched = [Some("HEAD".to_string()), head, Some("packed-refs".into())];
        for file in watched.into_iter().flatten().map(|f| dir.join(f)) {
            if file.exists() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
    let commit = git(&["rev-parse", "--short=9", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=READYCHECK_COMMIT={commit}");
    println!("cargo:rustc-env=READYCHECK_BUILD_DATE={date}");
}

/// The icon and the version-information resource of each program: readycheck.exe, the
/// window-less launcher and the plugin child, each under its own name (a program whose
/// resource names another file looks renamed to Task Manager and to security software).
fn windows_resources() {
    let programs = [
        ("readycheck", "Remote-work readiness check"),
        (
            "readycheckw",
            "Remote-work readiness check (window-less launcher)",
        ),
        (
            "readycheck-plugin-host",
            "Remote-work readiness check (runs one check)",
        ),
    ];
    for (bin, description) in programs {
        let mut res = winresource::WindowsResource::new();
        res.set_icon("../packaging/windows/readycheck.ico")
            .set("ProductName", "readycheck")
            .set("FileDescription", description)
            .set("CompanyName", "readycheck")
            .set("LegalCopyright", "MIT OR Apache-2.0")
            .set("OriginalFilename", &format!("{bin}.exe"))
            .set("InternalName", bin)
            .set(
                "Comments",
                "Checks whether this PC is ready for working from home",
            );
        if let Err(e) = res.compile_for(bin) {
            // A Windows build without its resources still works: say so rather than fail.
            println!("cargo:warning={bin}.exe built without icon and version information: {e}");
        }
    }
}

/// The minor version of the compiler cargo uses (`1.95.0` → 95).
fn rustc_minor() -> Option<u32> {
    let rustc = std::env::var_os("RUSTC")?;
    let out = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
    let mut parts = release.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}
