//! Plugin calls on Unix: the child in a process group of its own, the pipes and a pidfd polled
//! by the calling thread on Linux (helper threads elsewhere), and the group killed before the
//! child is reaped.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::sync::Mutex;

use crate::plugin::contain::{self, Stopped};

#[cfg(not(target_os = "linux"))]
pub(super) use super::exchange_threaded as exchange;
#[cfg(target_os = "linux")]
pub(super) use linux::exchange;

/// The child, its process group (its pid is the group id) and, on Linux, every process
/// below it wherever its group. Nothing is signalled once the child is reaped: its pid, and
/// with it the group id, may then belong to another process.
pub struct Group {
    pgid: libc::pid_t,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    stopped: Stopped,
    reaped: bool,
}

pub fn prepare(cmd: &mut Command) {
    cmd.process_group(0);
}

impl Group {
    pub fn attach(child: &Child) -> Group {
        Group {
            pgid: child.id() as libc::pid_t,
            state: Mutex::new(State::default()),
        }
    }

    /// The child's pid.
    pub fn pid(&self) -> i32 {
        self.pgid
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Kills the child's descendants (all of them on Linux, found below the child, which
    /// is a subreaper), then its process group — unless the child was reaped already.
    pub fn kill(&self) {
        let mut s = self.state();
        if self.pgid <= 0 || s.reaped {
            return;
        }
        let below = contain::kill_descendants(self.pgid);
        // SAFETY: signalling the process group of our unreaped child (its pid is held).
        unsafe {
            libc::kill(-self.pgid, libc::SIGKILL);
        }
        s.stopped.killed += below.killed;
        s.stopped.survived = below.survived;
        s.stopped.whole_tree = below.whole_tree;
    }

    /// After the child exited (not yet reaped): kills what is left in its process group.
    /// Its descendants elsewhere were re-parented to the host (see `sweep_orphans`).
    pub fn after_exit(&self) {
        let s = self.state();
        if self.pgid > 0 && !s.reaped {
            // SAFETY: as in `kill`; the exited child still holds its pid until reaped.
            unsafe {
                libc::kill(-self.pgid, libc::SIGKILL);
            }
        }
    }

    /// Reaps the child through `wait`, after which nothing is signalled any more.
    pub fn reap<T>(&self, wait: impl FnOnce() -> T) -> T {
        let mut s = self.state();
        let r = wait();
        s.reaped = true;
        r
    }

    /// What killing has done so far.
    pub fn stopped(&self) -> Stopped {
        self.state().stopped
    }
}

/// Waits until `child` has exited, without reaping it.
pub fn wait_exited(child: &Child) -> std::io::Result<()> {
    loop {
        // SAFETY: waitid with WNOWAIT on our own child's pid; the siginfo is ours.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                child.id() as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{Read, Write};
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
    use std::process::Child;
    use std::sync::Arc;
    use std::time::Instant;

    use super::super::{
        Capped, DRAIN_GRACE, Ended, STDERR_TAIL, STDOUT_CAP, Tail, exchange_threaded,
    };
    use super::Group;

    fn nonblocking(fd: RawFd) {
        // SAFETY: fcntl on a descriptor we own.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
            }
        }
    }

    /// Milliseconds until `t`, rounded up, for poll.
    fn until(t: Instant, now: Instant) -> i32 {
        let d = t.saturating_duration_since(now);
        (d.as_micros().div_ceil(1000)).min(i32::MAX as u128) as i32
    }

    /// Reads what is there now; false at the end of the stream.
    fn drain(r: &mut impl Read, buf: &mut [u8], mut sink: impl FnMut(&[u8])) -> bool {
        loop {
            match r.read(buf) {
                Ok(0) => return false,
                Ok(n) => sink(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }

    /// The exchange on this thread alone: poll the request's pipe, the two output pipes and
    /// a pidfd of the child, which becomes readable when it exits (and does not reap it).
    pub fn exchange(
        mut child: Child,
        group: &Arc<Group>,
        message: Vec<u8>,
        deadline: Instant,
    ) -> Ended {
        // SAFETY: pidfd_open on our own child, not reaped (nobody else waits for it).
        let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
        if raw < 0 {
            // A kernel before 5.3: threads instead.
            return exchange_threaded(child, group, message, deadline);
        }
        // SAFETY: a fresh descriptor returned to us, owned from here.
        let pidfd = unsafe { OwnedFd::from_raw_fd(raw as RawFd) };
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let mut stdout = Some(child.stdout.take().expect("stdout is piped"));
        let mut stderr = Some(child.stderr.take().expect("stderr is piped"));
        nonblocking(stdin.as_raw_fd());
        for fd in [
            stdout.as_ref().map(|o| o.as_raw_fd()),
            stderr.as_ref().map(|e| e.as_raw_fd()),
        ]
        .into_iter()
        .flatten()
        {
            nonblocking(fd);
        }
        let mut written = 0usize;
        let mut out = Capped::new(STDOUT_CAP);
        let mut err = Tail::new(STDERR_TAIL);
        let mut exited_at: Option<Instant> = None;
        let mut timed_out = false;
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let now = Instant::now();
            if exited_at.is_none() && !timed_out && now >= deadline {
                timed_out = true;
                group.kill();
            }
            if let Some(t) = exited_at
                && ((stdout.is_none() && stderr.is_none()) || now >= t + DRAIN_GRACE)
            {
                break;
            }
            const NONE: libc::pollfd = libc::pollfd {
                fd: -1,
                events: 0,
                revents: 0,
            };
            let mut fds = [NONE; 4];
            if written < message.len() {
                fds[0] = libc::pollfd {
                    fd: stdin.as_raw_fd(),
                    events: libc::POLLOUT,
                    revents: 0,
                };
            }
            if let Some(o) = &stdout {
                fds[1] = libc::pollfd {
                    fd: o.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
            }
            if let Some(e) = &stderr {
                fds[2] = libc::pollfd {
                    fd: e.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
            }
            if exited_at.is_none() {
                fds[3] = libc::pollfd {
                    fd: pidfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
            }
            let timeout = match exited_at {
                Some(t) => until(t + DRAIN_GRACE, now),
                // Killed at the deadline: the exit follows.
                None if timed_out => -1,
                None => until(deadline, now),
            };
            // SAFETY: polling descriptors we own; entries with fd -1 are ignored.
            let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
            if r < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                // Cannot happen with valid descriptors; do not spin: stop the child.
                group.kill();
                break;
            }
            let ready = |i: usize| fds[i].fd >= 0 && fds[i].revents != 0;
            if ready(0) {
                match stdin.write(&message[written..]) {
                    Ok(n) => written += n,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    // The child closed its end or died: nothing more to send.
                    Err(_) => written = message.len(),
                }
            }
            if ready(1)
                && let Some(o) = stdout.as_mut()
                && !drain(o, &mut buf, |b| out.push(b))
            {
                stdout = None;
            }
            if ready(2)
                && let Some(e) = stderr.as_mut()
                && !drain(e, &mut buf, |b| err.push(b))
            {
                stderr = None;
            }
            if ready(3) {
                exited_at = Some(Instant::now());
                group.after_exit();
            }
        }
        if exited_at.is_none() {
            group.kill();
        }
        let status = group.reap(|| child.wait());
        // The lifeline is closed only now, with the call over.
        drop(stdin);
        Ended {
            status,
            timed_out,
            out: stdout.is_none().then(|| out.finish()),
            stderr_tail: err.finish(),
        }
    }
}

pub fn signal_name(sig: i32) -> String {
    let name = match sig {
        libc::SIGSEGV => "SIGSEGV (segmentation fault)",
        libc::SIGABRT => "SIGABRT (aborted)",
        libc::SIGBUS => "SIGBUS (bus error)",
        libc::SIGFPE => "SIGFPE (arithmetic error)",
        libc::SIGILL => "SIGILL (illegal instruction)",
        libc::SIGKILL => "SIGKILL (killed)",
        libc::SIGTERM => "SIGTERM (terminated)",
        libc::SIGTRAP => "SIGTRAP (trap)",
        libc::SIGSYS => "SIGSYS (bad system call)",
        libc::SIGPIPE => "SIGPIPE (broken pipe)",
        _ => return format!("signal {sig}"),
    };
    name.to_string()
}

pub fn crash_description(status: &ExitStatus) -> Option<String> {
    status
        .signal()
        .map(|sig| format!("the plugin crashed: killed by {}", signal_name(sig)))
}
