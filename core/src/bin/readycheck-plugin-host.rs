//! `readycheck-plugin-host`: the program each isolated plugin call starts (see
//! `readycheck::plugin::child`). It is the host's child code alone — a few hundred kB instead of
//! the whole host — so a call pays for starting a small program, not a large one: fewer pages
//! to map and fault in, fewer relocations. On Unix it also skips the Rust runtime's start-up
//! (`no_main`), which would read `/proc/self/maps` and set up a signal stack for a process that
//! lives a millisecond; the one part of that start-up the child needs, ignoring SIGPIPE (a
//! closed pipe must be an error, not a silent death before the clean-up), is done here. When
//! this program is missing, untrusted or of another build, readycheck runs its own executable
//! as the child instead (see `Isolation::for_host`).

// Built as a test (`cargo test --bins`), the harness brings its own `main`.
#![cfg_attr(all(unix, not(test)), no_main)]

#[cfg(all(unix, not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    // SAFETY: setting a signal's disposition to SIG_IGN, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    serve()
}

#[cfg(not(unix))]
fn main() {
    serve()
}

#[cfg(all(unix, test))]
fn main() {}

/// The child, from its command line. A panic in readycheck's own code ends it with status
/// 101, as a Rust program's would, not with an abort (this `main` cannot unwind).
#[cfg_attr(
    all(unix, test),
    allow(dead_code, reason = "the test build has no child")
)]
fn serve() -> ! {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let _ = std::panic::catch_unwind(|| readycheck::plugin::child::main_with(&args));
    std::process::exit(101)
}
