//! Build script of the host: on x86_64 Linux with a toolchain that links with LLD by default
//! (Rust 1.90 and later), the release binary is linked with identical code folding
//! (`--icf=all`: functions whose machine code is the same are kept once), which keeps the host
//! inside its 3 MB budget. With any other target, toolchain or a linker of the builder's own
//! choosing, it links as cargo would by default. Plugins and tests are never affected.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
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
