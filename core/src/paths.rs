//! Per-user directories: where a user's own profile lives (config) and where reports are saved
//! (data), following XDG on Linux, `~/Library` on macOS and `%APPDATA%`/`%LOCALAPPDATA%` on
//! Windows, plus the machine-wide config directory packages install into.
//! `READYCHECK_DATA_DIR` overrides the data directory.

use std::path::PathBuf;

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// Directory of the user's `readycheck.toml`.
pub fn config_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("APPDATA").map(|p| PathBuf::from(p).join("readycheck"))
    } else if cfg!(target_os = "macos") {
        home().map(|h| h.join("Library/Application Support/readycheck"))
    } else {
        xdg_config_home().map(|p| p.join("readycheck"))
    }
}

/// `$XDG_CONFIG_HOME`, or `~/.config` (Linux and other Unixes; systemd user units live below it).
pub fn xdg_config_home() -> Option<PathBuf> {
    std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| home().map(|h| h.join(".config")))
}

/// Directory of the machine-wide `readycheck.toml` that packages install: `/etc/readycheck` on
/// Linux and other Unixes, `%ProgramData%\readycheck` on Windows,
/// `/Library/Application Support/readycheck` on macOS.
pub fn system_config_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("ProgramData").map(|p| PathBuf::from(p).join("readycheck"))
    } else if cfg!(target_os = "macos") {
        Some(PathBuf::from("/Library/Application Support/readycheck"))
    } else {
        Some(PathBuf::from("/etc/readycheck"))
    }
}

/// Directory where reports are kept.
pub fn data_dir() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("READYCHECK_DATA_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(p));
    }
    if cfg!(windows) {
        std::env::var_os("LOCALAPPDATA").map(|p| PathBuf::from(p).join("readycheck"))
    } else if cfg!(target_os = "macos") {
        home().map(|h| h.join("Library/Application Support/readycheck"))
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(".local/share")))
            .map(|p| p.join("readycheck"))
    }
}
