//! The `__plugin-host` child: the only place a plugin is loaded in normal operation. Before
//! loading, it keeps the original stdout as a private result channel and points fd 1 at stderr,
//! so whatever the plugin prints cannot corrupt the result. It writes one envelope —
//! `<tag>\n<payload>` — and leaves at once without running exit handlers, so a plugin's
//! destructors cannot turn a finished answer into a crash.
//!
//! Containment (see [`super::contain`]): on Linux the child is a child subreaper, so whatever
//! the plugin starts stays below it even after a double fork into a new session; before it
//! leaves, it kills all of it. Its stdin is the host's lifeline: after the request it stays
//! open until the host is done with the call, and a thread here waits on it — when the host
//! dies, however it dies, the pipe closes and the child kills everything below it and exits.

use std::io::{Read, Write};
use std::path::Path;

use super::{CallError, loader};

/// Envelope tags written by the child.
pub mod tag {
    pub const OK: &str = "ok";
    pub const PLUGIN_ERROR: &str = "plugin_error";
    pub const ABI_MISMATCH: &str = "abi_mismatch";
    pub const LOAD_FAILED: &str = "load_failed";
    pub const INVALID_OUTPUT: &str = "invalid_output";
}

/// Runs the child: `mode` is `describe` or `run`; for `run` the request is read from stdin.
pub fn main(mode: &str, path: &Path) -> ! {
    let mut channel = take_result_channel();
    super::contain::become_subreaper();
    let mut lifeline = take_lifeline();
    let request = match read_request(&mut lifeline) {
        Ok(buf) => buf,
        Err(e) => finish(
            &mut channel,
            tag::LOAD_FAILED,
            format!("could not read the request: {e}").as_bytes(),
        ),
    };
    // From here the host's end of the lifeline stays open until it is done with this call.
    let _ = std::thread::Builder::new()
        .name("lifeline".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut buf = [0u8; 64];
            loop {
                match lifeline.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            // The host is gone (or done): nothing of this call may outlive it.
            stop_everything_below();
            exit_now()
        });
    let request = (mode == "run").then_some(request);
    let outcome = loader::load(path).and_then(|plugin| plugin.call_checked(request.as_deref()));
    match outcome {
        Ok(bytes) => finish(&mut channel, tag::OK, &bytes),
        Err(e) => {
            let t = match &e {
                CallError::PluginError(_) => tag::PLUGIN_ERROR,
                CallError::AbiMismatch(_) => tag::ABI_MISMATCH,
                CallError::LoadFailed(_) => tag::LOAD_FAILED,
                _ => tag::INVALID_OUTPUT,
            };
            finish(&mut channel, t, e.message().as_bytes())
        }
    }
}

/// The request: its length (8 bytes, little endian), then that many bytes.
fn read_request(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 8];
    r.read_exact(&mut len)?;
    let len = u64::from_le_bytes(len);
    if len > super::OUTPUT_CAP as u64 * 4 {
        return Err(std::io::Error::other(format!("a request of {len} bytes")));
    }
    let mut buf = vec![0u8; len as usize];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn finish(channel: &mut std::fs::File, tag: &str, payload: &[u8]) -> ! {
    let _ = channel.write_all(tag.as_bytes());
    let _ = channel.write_all(b"\n");
    let _ = channel.write_all(payload);
    let _ = channel.flush();
    stop_everything_below();
    exit_now()
}

/// Kills every process the plugin started (Linux: all of them, wherever their group; they
/// are below this subreaper) and reaps what it can, then its process group. A child without
/// children has nothing below it (it is a subreaper): then `/proc` is not read at all, which
/// also spares the host the kernel's walk over the dentries such reads leave when it reaps
/// this process.
fn stop_everything_below() {
    #[cfg(unix)]
    {
        if !super::contain::has_children() {
            return;
        }
        // SAFETY: getpid has no preconditions.
        let me = unsafe { libc::getpid() };
        super::contain::kill_descendants(me);
        for _ in 0..100 {
            let mut status = 0;
            // SAFETY: reaping our own children without blocking.
            let r = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG) };
            if r <= 0 {
                break;
            }
        }
    }
}

/// The lifeline: stdin moved to a private descriptor (close-on-exec), with /dev/null put in
/// its place for the plugin.
#[cfg(unix)]
fn take_lifeline() -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: plain fd syscalls on descriptors this process owns; fd 0 is the host's pipe.
    unsafe {
        let fd = libc::fcntl(0, libc::F_DUPFD_CLOEXEC, 3);
        if fd < 0 {
            libc::_exit(70);
        }
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY);
        if null >= 0 {
            libc::dup2(null, 0);
            libc::close(null);
        }
        std::fs::File::from_raw_fd(fd)
    }
}

#[cfg(not(unix))]
fn take_lifeline() -> std::io::Stdin {
    std::io::stdin()
}

#[cfg(unix)]
fn take_result_channel() -> std::fs::File {
    use std::os::fd::FromRawFd;
    // SAFETY: plain fd syscalls on descriptors this process owns; fd 1 and 2 are open (the
    // parent gave both pipes).
    unsafe {
        let fd = libc::fcntl(1, libc::F_DUPFD_CLOEXEC, 3);
        if fd < 0 {
            libc::_exit(70);
        }
        libc::dup2(2, 1);
        std::fs::File::from_raw_fd(fd)
    }
}

#[cfg(unix)]
fn exit_now() -> ! {
    // SAFETY: `_exit` ends the process without running atexit handlers or destructors.
    unsafe { libc::_exit(0) }
}

#[cfg(windows)]
fn take_result_channel() -> std::fs::File {
    use std::os::windows::io::FromRawHandle;
    use windows_sys::Win32::Foundation::{DUPLICATE_SAME_ACCESS, HANDLE};
    use windows_sys::Win32::System::Console::{
        GetStdHandle, STD_ERROR_HANDLE, STD_OUTPUT_HANDLE, SetStdHandle,
    };
    use windows_sys::Win32::System::Threading::GetCurrentProcess;
    // SAFETY: Win32 calls on this process's own standard handles.
    unsafe {
        let out = GetStdHandle(STD_OUTPUT_HANDLE);
        let err = GetStdHandle(STD_ERROR_HANDLE);
        let mut private: HANDLE = std::ptr::null_mut();
        let proc = GetCurrentProcess();
        // A non-inheritable duplicate: grandchildren the plugin starts do not get the channel.
        if windows_sys::Win32::Foundation::DuplicateHandle(
            proc,
            out,
            proc,
            &mut private,
            0,
            0,
            DUPLICATE_SAME_ACCESS,
        ) == 0
        {
            private = out;
        }
        SetStdHandle(STD_OUTPUT_HANDLE, err);
        // The C runtime's fd 1 too, for plugins written in C.
        libc::dup2(2, 1);
        std::fs::File::from_raw_handle(private as _)
    }
}

#[cfg(windows)]
fn exit_now() -> ! {
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, TerminateProcess};
    // SAFETY: terminating our own process skips DLL detach routines, like `_exit`.
    unsafe {
        TerminateProcess(GetCurrentProcess(), 0);
    }
    std::process::exit(0)
}
