//! `readycheck-plugin-host`: the program each isolated plugin call starts (see
//! `readycheck::plugin::child`). It is the host's child code alone — a few hundred kB instead of
//! the whole host — so a call pays for starting a small program, not a large one: fewer pages
//! to map and fault in, fewer relocations. On Unix it also skips the Rust runtime's start-up
//! (`no_main`), which would read `/proc/self/maps` and set up a signal stack for a process that
//! lives a millisecond; the one part of that start-up the child needs, ignoring SIGPIPE (a
//! closed pipe must be an error, not a silent death before the clean-up), is done here. When
//! this program is missing, readycheck runs its own executable as the child instead.

#![cfg_attr(unix, no_main)]

#[cfg(unix)]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // SAFETY: setting a signal's disposition to SIG_IGN, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    readycheck::plugin::child::main_with(&args)
}

#[cfg(not(unix))]
fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    readycheck::plugin::child::main_with(&args)
}
