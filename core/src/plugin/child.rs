//! The `__plugin-host` child: the only place a plugin is loaded in normal operation. Before
//! loading, it keeps the original stdout as a private result channel and points fd 1 at stderr,
//! so whatever the plugin prints cannot corrupt the result. It writes one envelope —
//! `<tag>\n<payload>` — and leaves at once without running exit handlers, so a plugin's
//! destructors cannot turn a finished answer into a crash.
//!
//! Containment (see [`super::contain`]): on Linux the child is a child subreaper, so whatever
//! the plugin starts stays below it even after a double fork into a new session; before it
//! leaves, it kills all of it. When the host dies, however it dies, the child kills
//! everything below it and exits: on Linux the kernel tells it (a parent-death signal),
//! elsewhere a thread waits on its stdin, the host's *lifeline*, which stays open after the
//! request until the host is done with the call.

use std::ffi::OsString;
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

/// The first argument of the child's command line: `<program> __plugin-host MODE PLUGIN`, the
/// same for `readycheck-plugin-host` and for the host itself when there is no helper.
pub const ARG: &str = "__plugin-host";

/// The mode of a child whose host died: stop what the plugin started, and exit.
const REAP: &str = "reap";

/// The mode that prints [`build`].
pub const VERSION: &str = "version";

/// This build, as `--version` says it (version, commit, date, plugin ABI).
pub fn build() -> &'static str {
    crate::cli::version::long()
}

/// Whether a whole command line (program first) is the child's.
pub fn is_child(args: &[OsString]) -> bool {
    args.get(1).is_some_and(|a| a == ARG)
}

/// Runs the child from its whole command line; exits 3 with a message when it is not
/// `<program> __plugin-host describe|run PLUGIN` (someone started the helper by hand).
pub fn main_with(args: &[OsString]) -> ! {
    match (args.get(1), args.get(2), args.get(3)) {
        (Some(arg), Some(mode), Some(path))
            if arg == ARG && (mode == "describe" || mode == "run") =>
        {
            main(&mode.to_string_lossy(), Path::new(path))
        }
        // What a child whose host died becomes (see `watch_host`): the same process, with the
        // same children below it, now only stopping them.
        (Some(arg), Some(mode), None) if arg == ARG && mode == REAP => {
            stop_everything_below();
            exit_now()
        }
        // Which build this is: the host uses a helper only of its own build.
        (Some(arg), Some(mode), None) if arg == ARG && mode == VERSION => {
            let _ = writeln!(std::io::stdout(), "{}", build());
            std::process::exit(0)
        }
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "this program loads one readycheck plugin for one check, started by readycheck \
                 itself; run readycheck instead"
            );
            std::process::exit(3)
        }
    }
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
    watch_host(lifeline);
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

/// Makes sure nothing of this call outlives the host, however the host ends (SIGKILL
/// included): when it is gone, the child stops everything below it and exits.
///
/// Linux: the kernel sends [`HOST_DIED`] when the host thread that started this child ends
/// (that thread waits for the child, so it ends before the child only when the host does).
/// A signal handler may make only async-signal-safe calls — a plugin thread may hold the
/// allocator's lock — so the handler does one: it executes this program again as
/// `__plugin-host reap`, the same process with the same children, which stops them. It acts
/// only on the signal the host's end sent (a plugin's timer or a stray `kill` of the same
/// number is ignored). A host that died before this was set up is seen on the lifeline, which
/// is then already closed. This costs no thread: one started per call was about 5 % of the
/// call's time and contended with `dlopen` for the loader's lock. Should the kernel refuse
/// the signal (a sandbox), the thread is started after all.
#[cfg(target_os = "linux")]
fn watch_host(lifeline: std::fs::File) {
    use std::os::fd::AsRawFd;
    use std::sync::atomic::{AtomicI32, Ordering};
    /// The host's pid, for the handler to tell the kernel's signal from others.
    static HOST: AtomicI32 = AtomicI32::new(0);
    extern "C" fn host_died(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler; reading an atomic
        // is async-signal-safe.
        let from = unsafe { (*info).si_pid() };
        if from != HOST.load(Ordering::Relaxed) {
            return;
        }
        let argv = [
            c"readycheck-plugin-host".as_ptr(),
            c"__plugin-host".as_ptr(),
            c"reap".as_ptr(),
            std::ptr::null(),
        ];
        let envp = [std::ptr::null()];
        // SAFETY: execve and, should it fail, kill and _exit are async-signal-safe; the
        // arrays are null-terminated and live across the call. /proc/self/exe is this
        // program even if its file was replaced since.
        unsafe {
            libc::execve(c"/proc/self/exe".as_ptr(), argv.as_ptr(), envp.as_ptr());
            // Cannot execute: at least the child's process group goes, this process with it.
            libc::kill(0, libc::SIGKILL);
            libc::_exit(70);
        }
    }
    // SAFETY: getppid has no preconditions; then installing a handler for a signal nothing
    // else in this process uses and asking the kernel to send it; `sa` is zeroed, then filled.
    let armed = unsafe {
        HOST.store(libc::getppid(), Ordering::Relaxed);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = host_died
            as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
            as usize;
        sa.sa_flags = libc::SA_SIGINFO;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(HOST_DIED(), &sa, std::ptr::null_mut()) == 0
            && libc::prctl(
                libc::PR_SET_PDEATHSIG,
                HOST_DIED() as libc::c_ulong,
                0,
                0,
                0,
            ) == 0
    };
    let mut fd = libc::pollfd {
        fd: lifeline.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: polling one descriptor we own, without waiting. The host writes nothing after
    // the request, so anything readable is the end of the pipe.
    let closed = unsafe { libc::poll(&mut fd, 1, 0) } > 0;
    if closed {
        exit_now();
    }
    if armed {
        // Kept open until the process ends.
        std::mem::forget(lifeline);
    } else {
        watch_by_thread(lifeline);
    }
}

/// The signal the kernel sends a Linux child when its host is gone: one of the real-time
/// signals, which plugins must leave alone (the SDK's README says so).
#[cfg(target_os = "linux")]
#[allow(non_snake_case, reason = "a signal number, named like libc's")]
fn HOST_DIED() -> libc::c_int {
    libc::SIGRTMIN() + 4
}

/// Elsewhere a thread waits for the lifeline to close.
#[cfg(not(target_os = "linux"))]
fn watch_host(lifeline: impl Read + Send + 'static) {
    watch_by_thread(lifeline);
}

/// A thread that waits for the lifeline to close, then stops everything below this process
/// and ends it.
fn watch_by_thread(mut lifeline: impl Read + Send + 'static) {
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
    // One write: the host wakes once for the answer, not for each piece.
    let mut envelope = Vec::with_capacity(tag.len() + 1 + payload.len());
    envelope.extend_from_slice(tag.as_bytes());
    envelope.push(b'\n');
    envelope.extend_from_slice(payload);
    let _ = channel.write_all(&envelope);
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
