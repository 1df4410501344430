//! What `readycheck --version` says: the version, the commit and day it was built from, and the
//! plugin ABI it speaks (as `cargo -V` and `uv --version` do), so a helpdesk can tell builds
//! apart from one line.

use std::sync::OnceLock;

/// `readycheck --version`: e.g. `0.1.0 (3f2c1ab 2026-11-30, plugin ABI 1)`. The commit and its
/// date come from the build script (git; `unknown` outside a checkout).
pub fn long() -> &'static str {
    static LONG: OnceLock<String> = OnceLock::new();
    LONG.get_or_init(|| {
        format!(
            "{} ({} {}, plugin ABI {})",
            env!("CARGO_PKG_VERSION"),
            env!("READYCHECK_COMMIT"),
            env!("READYCHECK_BUILD_DATE"),
            readycheck_sdk::abi::ABI_VERSION
        )
    })
}
