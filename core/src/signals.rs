//! Stopping a run on any catchable signal, at any moment: SIGINT (Ctrl-C), SIGTERM (systemd
//! stopping the timer's run at logout), SIGHUP (the terminal closed), SIGQUIT, SIGUSR1/2 and
//! SIGALRM on Unix; Ctrl-C, Ctrl-Break, closing the console, logging off and shutting down on
//! Windows. The first one stops every plugin call (their whole process trees) and lets the run
//! finish its report with the unfinished checks `interrupted`; the report is then saved and
//! kept for sending. A second one, or any signal once the report is safely written, exits at
//! once (after waiting briefly for the report, if it is being written): what is in the outbox
//! is recovered by the next run.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

static RECEIVED: AtomicUsize = AtomicUsize::new(0);
static FIRST: AtomicI32 = AtomicI32::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);
/// Longest wait, after a second signal, for the report to be written.
const WRITE_GRACE: Duration = Duration::from_secs(3);

/// Whether the report of this run is safely written (saved and kept for sending), and a way to
/// wait for it.
fn written() -> &'static (Mutex<bool>, Condvar) {
    static W: OnceLock<(Mutex<bool>, Condvar)> = OnceLock::new();
    W.get_or_init(|| (Mutex::new(false), Condvar::new()))
}

/// Installs the handlers (once per process). Call before anything that starts plugins, so that
/// a signal during discovery is handled too.
pub fn install() {
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    imp::install();
}

/// Tells the handler that the report is saved and kept: a signal from now on exits at once.
pub fn report_written() {
    let (m, c) = written();
    if let Ok(mut w) = m.lock() {
        *w = true;
    }
    c.notify_all();
}

/// The name of the first signal received, if any ("SIGTERM", "Ctrl-C").
pub fn received() -> Option<&'static str> {
    (RECEIVED.load(Ordering::SeqCst) > 0).then(|| name(FIRST.load(Ordering::SeqCst)))
}

/// The exit status a process stopped by `sig` reports (128 + the signal's number).
fn exit_code(sig: i32) -> i32 {
    128 + sig
}

/// Handles one signal; runs on an ordinary thread, never in signal context.
fn on_signal(sig: i32) {
    let n = RECEIVED.fetch_add(1, Ordering::SeqCst);
    let done = written().0.lock().map(|w| *w).unwrap_or(true);
    if n == 0 {
        FIRST.store(sig, Ordering::SeqCst);
    }
    crate::runner::interrupt();
    if n == 0 && !done {
        return;
    }
    // A second signal, or the report is already safe: leave now, but give a report that is
    // being written a moment to reach the disk.
    crate::plugin::isolate::stop_all();
    let (m, c) = written();
    if let Ok(w) = m.lock() {
        let _ = c.wait_timeout_while(w, WRITE_GRACE, |w| !*w);
    }
    std::process::exit(exit_code(sig));
}

/// A signal's name as the report and the warning line give it.
pub fn name(sig: i32) -> &'static str {
    imp::name(sig)
}

#[cfg(unix)]
mod imp {
    use signal_hook::consts::signal::{
        SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
    };

    const SIGNALS: [i32; 7] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM];

    pub fn install() {
        // Without the handlers the default actions stay, and plugins still die with the host
        // (see plugin::child: told by the kernel on Linux, by their lifeline elsewhere).
        let Ok(mut signals) = signal_hook::iterator::Signals::new(SIGNALS) else {
            return;
        };
        let _ = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for sig in signals.forever() {
                    super::on_signal(sig);
                }
            });
    }

    pub fn name(sig: i32) -> &'static str {
        match sig {
            SIGINT => "SIGINT (Ctrl-C)",
            SIGTERM => "SIGTERM",
            SIGHUP => "SIGHUP (the terminal was closed)",
            SIGQUIT => "SIGQUIT",
            SIGUSR1 => "SIGUSR1",
            SIGUSR2 => "SIGUSR2",
            SIGALRM => "SIGALRM",
            _ => "a signal",
        }
    }
}

#[cfg(windows)]
mod imp {
    use windows_sys::Win32::System::Console::{
        CTRL_BREAK_EVENT, CTRL_C_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT,
        SetConsoleCtrlHandler,
    };
    use windows_sys::core::BOOL;

    /// Windows calls this on a thread of its own. For a closing console, a log-off or a
    /// shutdown the process ends when the handler returns, so it waits (within the few seconds
    /// Windows allows) until the report is written.
    unsafe extern "system" fn handler(event: u32) -> BOOL {
        // 2: the exit status of a Ctrl-C'd console program, as 128+SIGINT is on Unix.
        let sig = match event {
            CTRL_C_EVENT => 2,
            CTRL_BREAK_EVENT => 21,
            CTRL_CLOSE_EVENT => 1,
            CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT => 15,
            _ => return 0,
        };
        let ending = matches!(
            event,
            CTRL_CLOSE_EVENT | CTRL_LOGOFF_EVENT | CTRL_SHUTDOWN_EVENT
        );
        if ending {
            let first = super::RECEIVED.load(std::sync::atomic::Ordering::SeqCst) == 0;
            if first {
                super::RECEIVED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                super::FIRST.store(sig, std::sync::atomic::Ordering::SeqCst);
                crate::runner::interrupt();
            }
            let (m, c) = super::written();
            if let Ok(w) = m.lock() {
                let _ = c.wait_timeout_while(w, std::time::Duration::from_millis(4500), |w| !*w);
            }
            crate::plugin::isolate::stop_all();
            return 1;
        }
        std::thread::spawn(move || super::on_signal(sig));
        1
    }

    pub fn install() {
        // SAFETY: registering a handler with the signature Windows expects.
        unsafe {
            SetConsoleCtrlHandler(Some(handler), 1);
        }
    }

    pub fn name(sig: i32) -> &'static str {
        match sig {
            2 => "Ctrl-C",
            21 => "Ctrl-Break",
            1 => "the console was closed",
            15 => "log-off or shutdown",
            _ => "a console event",
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod imp {
    pub fn install() {}
    pub fn name(_sig: i32) -> &'static str {
        "a signal"
    }
}
