//! One isolated plugin call, seen from the host: re-execute this binary as `__plugin-host` in a
//! new process group (Windows: a job object), send the request on stdin, read the envelope from
//! the child's private result channel, drain its stderr, and kill the whole tree at the
//! deadline (see [`super::contain`]: processes that left the group are found too on Linux).
//! Every way the child can end maps to one [`CallError`]; nothing here can take the host down
//! or hang it.
//!
//! The child's stdin is its *lifeline*: the host writes the request's length (8 bytes, little
//! endian) and the request, then keeps the pipe open until the call is over. When the host
//! dies — however it dies, SIGKILL included — the pipe closes, and the child kills everything
//! it started and exits (see [`super::child`]).
//!
//! On Linux one call costs no thread of its own: the calling thread polls the three pipes and
//! a pidfd of the child (which says when it exited without reaping it). Elsewhere, and on a
//! kernel without pidfds, helper threads write, read and wait. Either way the child is reaped
//! only after its process group was killed, so a signal never reaches a reused pid, and no
//! lock is held while a child runs: calls start side by side.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use super::child::tag;
use super::{Call, CallError, OUTPUT_CAP};

/// Set when the user pressed Ctrl-C or the run's deadline passed: calls still running are
/// killed and reported as `interrupted`.
static STOPPING: AtomicBool = AtomicBool::new(false);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Process groups of the calls in flight, by call id.
type ActiveGroups = Mutex<Vec<(u64, Arc<Group>)>>;

fn active() -> &'static ActiveGroups {
    static ACTIVE: OnceLock<ActiveGroups> = OnceLock::new();
    ACTIVE.get_or_init(|| Mutex::new(Vec::new()))
}

/// Held shared while a call starts its child and registers it, exclusively while orphans are
/// swept: a sweep never takes a child that is starting for one of its own, and starts never
/// wait for each other.
fn starting() -> &'static RwLock<()> {
    static STARTING: RwLock<()> = RwLock::new(());
    &STARTING
}

/// Makes the host a child subreaper (Linux), so that a plugin's processes that escape their
/// group are re-parented here, not to init, and are stopped with their call. Call once before
/// plugins run.
pub fn contain_descendants() {
    super::contain::become_subreaper();
}

/// Kills every running plugin call and makes new ones fail as interrupted.
pub fn stop_all() {
    STOPPING.store(true, Ordering::SeqCst);
    let groups: Vec<Arc<Group>> = active()
        .lock()
        .map(|a| a.iter().map(|(_, g)| g.clone()).collect())
        .unwrap_or_default();
    for g in groups {
        g.kill();
    }
}

/// Whether [`stop_all`] was called.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

/// How the host reaches the child: its own executable.
#[derive(Debug, Clone)]
pub struct Isolation {
    pub exe: PathBuf,
}

/// Bytes of the child's stderr kept for messages.
const STDERR_TAIL: usize = 4096;
/// How long to wait for the pipes to close after the child ended.
const DRAIN_GRACE: Duration = Duration::from_millis(500);
/// Bytes of the result channel read before the rest is only drained.
const STDOUT_CAP: usize = OUTPUT_CAP + 64 * 1024;

/// How a child ended, as the exchange with it saw it.
struct Ended {
    status: std::io::Result<ExitStatus>,
    timed_out: bool,
    /// The result channel's bytes and whether it overflowed; `None` when it stayed open after
    /// the child ended (a process it started kept it).
    out: Option<(Vec<u8>, bool)>,
    stderr_tail: String,
}

impl Ended {
    /// Ended by itself, in time, with status 0 and its result channel closed: the child went
    /// through its own clean-up, so what it started is already stopped.
    fn clean(&self) -> bool {
        !self.timed_out && self.out.is_some() && self.status.as_ref().is_ok_and(|s| s.success())
    }
}

impl Isolation {
    /// The running executable.
    pub fn current() -> std::io::Result<Isolation> {
        Ok(Isolation {
            exe: std::env::current_exe()?,
        })
    }

    /// Calls `plugin` in a child with `timeout`; returns the plugin's output bytes (not yet
    /// parsed) or why there are none.
    pub fn call(
        &self,
        plugin: &Path,
        call: &Call,
        timeout: Duration,
    ) -> Result<Vec<u8>, CallError> {
        if stopping() {
            return Err(CallError::Interrupted(
                "the run was stopped before this check started".into(),
            ));
        }
        let mode = match call {
            Call::Describe => "describe",
            Call::Run(_) => "run",
        };
        let mut cmd = Command::new(&self.exe);
        cmd.arg("__plugin-host")
            .arg(mode)
            .arg(plugin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        platform::prepare(&mut cmd);
        let started = Instant::now();
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let (child, group) = {
            let _starting = starting().read().unwrap_or_else(|p| p.into_inner());
            let child = cmd.spawn().map_err(|e| {
                CallError::LoadFailed(format!(
                    "could not start the plugin host process {}: {e}",
                    self.exe.display()
                ))
            })?;
            let group = Arc::new(platform::Group::attach(&child));
            active()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((id, group.clone()));
            (child, group)
        };
        // The request's length and the request, in one buffer.
        let request = match call {
            Call::Run(r) => r.as_slice(),
            Call::Describe => &[],
        };
        let mut message = Vec::with_capacity(8 + request.len());
        message.extend_from_slice(&(request.len() as u64).to_le_bytes());
        message.extend_from_slice(request);
        let ended = platform::exchange(child, &group, message, started + timeout);
        active()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(i, _)| *i != id);
        // What a child that did not clean up after itself left behind was re-parented to the
        // host: stop it now. After a clean end only a process started in the child's last
        // moment can be there, under the main thread.
        sweep_orphans(!ended.clean());
        interpret(ended, &group, timeout)
    }
}

/// Kills and reaps what plugin calls left re-parented to the host (Linux). Cheap when there is
/// nothing: the candidates are read without stopping anyone, and only if there are some are
/// new calls held back while they are looked at again and stopped.
fn sweep_orphans(thorough: bool) {
    let keep = || -> Vec<i32> {
        active()
            .lock()
            .map(|a| a.iter().map(|(_, g)| g.pid()).collect())
            .unwrap_or_default()
    };
    if super::contain::orphan_candidates(&keep(), thorough).is_empty() {
        return;
    }
    let _sweeping = starting().write().unwrap_or_else(|p| p.into_inner());
    super::contain::sweep_orphans(&keep(), thorough);
}

/// Turns how the child ended into the plugin's output or a [`CallError`].
fn interpret(ended: Ended, group: &Group, timeout: Duration) -> Result<Vec<u8>, CallError> {
    let Ended {
        status,
        timed_out,
        out,
        stderr_tail,
    } = ended;
    if timed_out {
        let stopped = group.stopped();
        let what = if !stopped.whole_tree {
            "it and its process group were stopped (processes that left the group cannot be tracked on this OS)".to_string()
        } else if stopped.survived > 0 {
            format!(
                "it and {} processes it started were stopped; {} could not be stopped",
                stopped.killed, stopped.survived
            )
        } else {
            "it and every process it started were stopped".to_string()
        };
        return Err(CallError::TimedOut(format!(
            "the plugin did not answer within {}; {what}",
            human_duration(timeout)
        )));
    }
    let status: ExitStatus =
        status.map_err(|e| CallError::Crashed(format!("lost track of the plugin process: {e}")))?;
    if stopping() && !status.success() {
        return Err(CallError::Interrupted(
            "the run was stopped (Ctrl-C or the run's deadline) while this check ran".into(),
        ));
    }
    let Some((bytes, overflow)) = out else {
        return Err(CallError::InvalidOutput(
            "the plugin's result channel stayed open after it ended (a process it started kept it)"
                .into(),
        ));
    };
    if let Some(crash) = platform::crash_description(&status) {
        return Err(CallError::Crashed(with_stderr(crash, &stderr_tail)));
    }
    if overflow {
        return Err(CallError::InvalidOutput(format!(
            "the plugin wrote more than the {OUTPUT_CAP} byte limit"
        )));
    }
    let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(CallError::Crashed(with_stderr(
            format!(
                "the plugin process ended ({}) without answering",
                describe_status(&status)
            ),
            &stderr_tail,
        )));
    };
    let (t, payload) = (&bytes[..nl], bytes[nl + 1..].to_vec());
    let text = || String::from_utf8_lossy(&payload).into_owned();
    match std::str::from_utf8(t).unwrap_or("") {
        tag::OK => Ok(payload),
        tag::PLUGIN_ERROR => Err(CallError::PluginError(text())),
        tag::ABI_MISMATCH => Err(CallError::AbiMismatch(text())),
        tag::LOAD_FAILED => Err(CallError::LoadFailed(text())),
        tag::INVALID_OUTPUT => Err(CallError::InvalidOutput(text())),
        other => Err(CallError::InvalidOutput(format!(
            "unexpected answer from the plugin host: {other:?}"
        ))),
    }
}

/// The exchange with helper threads (every OS; on Linux only when pidfds are missing): one
/// writes the request and holds the lifeline, two read, one waits for the exit; this thread
/// waits for that or the deadline.
fn exchange_threaded(
    mut child: Child,
    group: &Arc<Group>,
    message: Vec<u8>,
    deadline: Instant,
) -> Ended {
    let stdin = child.stdin.take();
    let (over_tx, over_rx) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Some(mut s) = stdin {
            let _ = s.write_all(&message);
            let _ = s.flush();
            // Held until the call is over (the sender is dropped), then closed.
            let _ = over_rx.recv();
            drop(s);
        }
    });
    let _lifeline = over_tx;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let (out_tx, out_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = out_tx.send(read_capped(stdout, STDOUT_CAP));
    });
    let (err_tx, err_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = err_tx.send(read_tail(stderr, STDERR_TAIL));
    });
    // The waiting thread sees the exit without reaping, kills the group while the exited
    // child still holds its pid, then reaps. Ctrl-C and the run deadline kill the group
    // through `stop_all`, which ends the wait.
    let (exit_tx, exit_rx) = mpsc::channel();
    let waiter = group.clone();
    std::thread::spawn(move || {
        let _ = platform::wait_exited(&child);
        waiter.after_exit();
        let _ = exit_tx.send(waiter.reap(|| child.wait()));
    });
    let remaining = deadline.saturating_duration_since(Instant::now());
    let mut timed_out = false;
    let status = match exit_rx.recv_timeout(remaining) {
        Ok(w) => w,
        Err(_) => {
            timed_out = true;
            group.kill();
            exit_rx
                .recv()
                .unwrap_or_else(|_| Err(std::io::Error::other("the waiting thread ended")))
        }
    };
    let stderr_tail = err_rx.recv_timeout(DRAIN_GRACE).unwrap_or_default();
    let out = out_rx.recv_timeout(DRAIN_GRACE).ok();
    Ended {
        status,
        timed_out,
        out,
        stderr_tail,
    }
}

fn with_stderr(msg: String, stderr_tail: &str) -> String {
    let last: Vec<&str> = stderr_tail
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    match last.last() {
        Some(line) => format!("{msg}; its last words: {}", line.trim()),
        None => msg,
    }
}

fn describe_status(status: &ExitStatus) -> String {
    match status.code() {
        Some(c) => format!("exit status {c}"),
        None => status.to_string(),
    }
}

/// "5 s", "300 ms".
pub fn human_duration(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{} ms", d.as_millis())
    } else if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// The result channel's bytes up to a cap; past it, bytes are only counted as an overflow so
/// that the writer never blocks.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
    overflow: bool,
}

impl Capped {
    fn new(cap: usize) -> Capped {
        Capped {
            bytes: Vec::new(),
            cap,
            overflow: false,
        }
    }

    fn push(&mut self, chunk: &[u8]) {
        if self.bytes.len() + chunk.len() > self.cap {
            self.overflow = true;
        } else {
            self.bytes.extend_from_slice(chunk);
        }
    }

    fn finish(self) -> (Vec<u8>, bool) {
        (self.bytes, self.overflow)
    }
}

/// The last `keep` bytes of a stream, as text.
struct Tail {
    bytes: Vec<u8>,
    keep: usize,
}

impl Tail {
    fn new(keep: usize) -> Tail {
        Tail {
            bytes: Vec::new(),
            keep,
        }
    }

    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        if self.bytes.len() > self.keep * 2 {
            self.bytes.drain(..self.bytes.len() - self.keep);
        }
    }

    fn finish(mut self) -> String {
        if self.bytes.len() > self.keep {
            self.bytes.drain(..self.bytes.len() - self.keep);
        }
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Reads to the end, through `sink`.
fn read_all(mut r: impl Read, mut sink: impl FnMut(&[u8])) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => sink(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

/// Reads up to `cap` bytes; keeps draining (discarding) past it so the writer never blocks.
fn read_capped(r: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut c = Capped::new(cap);
    read_all(r, |b| c.push(b));
    c.finish()
}

/// Reads everything, keeping the last `keep` bytes as text.
fn read_tail(r: impl Read, keep: usize) -> String {
    let mut t = Tail::new(keep);
    read_all(r, |b| t.push(b));
    t.finish()
}

pub use platform::Group;

#[cfg(unix)]
mod platform {
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
}

#[cfg(windows)]
mod platform {
    use std::os::windows::io::AsRawHandle;
    use std::os::windows::process::CommandExt;
    use std::process::{Child, Command, ExitStatus};

    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::System::JobObjects::{
        AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
        SetInformationJobObject, TerminateJobObject,
    };
    use windows_sys::Win32::System::Threading::{CREATE_NEW_PROCESS_GROUP, CREATE_NO_WINDOW};

    /// A job object holding the child and everything it starts.
    pub struct Group {
        job: HANDLE,
        pid: u32,
    }

    // SAFETY: a job handle may be used from any thread.
    unsafe impl Send for Group {}
    // SAFETY: TerminateJobObject is thread-safe.
    unsafe impl Sync for Group {}

    pub fn prepare(cmd: &mut Command) {
        cmd.creation_flags(CREATE_NEW_PROCESS_GROUP | CREATE_NO_WINDOW);
    }

    impl Group {
        pub fn attach(child: &Child) -> Group {
            // SAFETY: creating and configuring a fresh job object; the child handle is valid
            // while `child` lives. The child only reads stdin before loading anything, so it
            // has started nothing yet when it joins the job.
            unsafe {
                let job = CreateJobObjectW(std::ptr::null(), std::ptr::null());
                if !job.is_null() {
                    let mut info: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
                    info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
                    SetInformationJobObject(
                        job,
                        JobObjectExtendedLimitInformation,
                        &info as *const _ as *const _,
                        std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
                    );
                    AssignProcessToJobObject(job, child.as_raw_handle() as HANDLE);
                }
                Group {
                    job,
                    pid: child.id(),
                }
            }
        }

        /// The child's pid.
        pub fn pid(&self) -> i32 {
            self.pid as i32
        }

        /// The job holds the whole tree: terminating it stops everything.
        pub fn stopped(&self) -> crate::plugin::contain::Stopped {
            crate::plugin::contain::Stopped {
                killed: 0,
                survived: 0,
                whole_tree: true,
            }
        }

        pub fn kill(&self) {
            if !self.job.is_null() {
                // SAFETY: the job handle is open until drop.
                unsafe {
                    TerminateJobObject(self.job, 1);
                }
            }
        }

        /// After the child exited: whatever it started dies with the job.
        pub fn after_exit(&self) {
            self.kill();
        }

        /// Windows has no reaping to guard: the job and the process handle keep the ids.
        pub fn reap<T>(&self, wait: impl FnOnce() -> T) -> T {
            wait()
        }
    }

    pub(super) use super::exchange_threaded as exchange;

    /// Waits until `child` has exited; its handle stays open (held by `Child`).
    pub fn wait_exited(child: &Child) -> std::io::Result<()> {
        use windows_sys::Win32::System::Threading::{INFINITE, WaitForSingleObject};
        // SAFETY: waiting on the child's process handle, valid while `child` lives.
        unsafe {
            WaitForSingleObject(child.as_raw_handle() as HANDLE, INFINITE);
        }
        Ok(())
    }

    impl Drop for Group {
        fn drop(&mut self) {
            if !self.job.is_null() {
                // SAFETY: closing our own handle once; KILL_ON_JOB_CLOSE ends any stragglers.
                unsafe {
                    CloseHandle(self.job);
                }
            }
        }
    }

    /// NTSTATUS crash codes a process can end with.
    pub fn ntstatus_name(code: u32) -> Option<&'static str> {
        Some(match code {
            0xC000_0005 => "STATUS_ACCESS_VIOLATION",
            0xC000_00FD => "STATUS_STACK_OVERFLOW",
            0xC000_0409 => "STATUS_STACK_BUFFER_OVERRUN (fail-fast abort)",
            0xC000_001D => "STATUS_ILLEGAL_INSTRUCTION",
            0xC000_0094 => "STATUS_INTEGER_DIVIDE_BY_ZERO",
            0xC000_0135 => "STATUS_DLL_NOT_FOUND",
            0xC000_0139 => "STATUS_ENTRYPOINT_NOT_FOUND",
            0xC000_0142 => "STATUS_DLL_INIT_FAILED",
            0x8000_0003 => "STATUS_BREAKPOINT",
            0xC000_0374 => "STATUS_HEAP_CORRUPTION",
            0xC000_0354 => "STATUS_DEBUGGER_INACTIVE (crashed; the crash handler could not attach)",
            _ => return None,
        })
    }

    pub fn crash_description(status: &ExitStatus) -> Option<String> {
        let code = status.code()? as u32;
        if let Some(name) = ntstatus_name(code) {
            return Some(format!("the plugin crashed: {name} (0x{code:08X})"));
        }
        if code == 3 {
            return Some("the plugin crashed: abort() (exit code 3)".to_string());
        }
        if code >= 0xC000_0000 {
            return Some(format!("the plugin crashed: NTSTATUS 0x{code:08X}"));
        }
        None
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// A child that crashes after starting a daemon in a new session: the daemon, re-parented
    /// to the host, is killed and reaped by the call's sweep; the call says it crashed.
    #[test]
    fn what_a_crashed_child_started_is_stopped_and_reaped() {
        use std::os::unix::fs::PermissionsExt;
        let _one = super::super::contain::tests::SWEEPING
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        contain_descendants();
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("daemon.pid");
        let exe = dir.path().join("crashing-host");
        std::fs::write(
            &exe,
            format!(
                "#!/bin/sh\nsetsid sh -c 'echo $$ > {pf}.part && mv {pf}.part {pf} && exec sleep 300' </dev/null >/dev/null 2>&1 &\nwhile [ ! -e {pf} ]; do sleep 0.01; done\nkill -SEGV $$\n",
                pf = pid_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let iso = Isolation { exe };
        let r = iso.call(
            Path::new("/nonexistent"),
            &Call::Describe,
            Duration::from_secs(20),
        );
        assert!(
            matches!(&r, Err(CallError::Crashed(m)) if m.contains("SIGSEGV")),
            "{r:?}"
        );
        let daemon: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{daemon}/stat")).unwrap_or_default();
        assert!(stat.is_empty(), "the daemon was killed and reaped: {stat}");
    }

    /// A child that answers, in time: its output comes back whole, and nothing it started is
    /// left (it had nothing to clean up, so it read no /proc).
    #[test]
    fn a_child_that_answers_is_read_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("answering-host");
        // Reads the 8-byte length and the request from the lifeline, answers on stdout, and
        // writes more than a pipe holds to stderr.
        std::fs::write(
            &exe,
            "#!/bin/sh\nhead -c 8 >/dev/null\nhead -c 5 >/dev/null\nhead -c 200000 /dev/zero | tr '\\0' x >&2\nprintf 'ok\\n{\"a\":1}'\n",
        )
        .unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let iso = Isolation { exe };
        let r = iso.call(
            Path::new("/nonexistent"),
            &Call::Run(b"hello".to_vec()),
            Duration::from_secs(20),
        );
        assert_eq!(r, Ok(br#"{"a":1}"#.to_vec()));
    }

    /// A child that never answers is killed at its deadline, with what it started.
    #[test]
    fn a_child_past_its_deadline_is_killed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("hanging-host");
        std::fs::write(&exe, "#!/bin/sh\nsleep 300 &\nsleep 300\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let iso = Isolation { exe };
        let t0 = Instant::now();
        let r = iso.call(
            Path::new("/nonexistent"),
            &Call::Describe,
            Duration::from_millis(300),
        );
        assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
        assert!(
            matches!(&r, Err(CallError::TimedOut(m)) if m.contains("every process it started")),
            "{r:?}"
        );
    }
}
