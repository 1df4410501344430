//! One isolated plugin call, seen from the host: start `readycheck-plugin-host` (or this binary
//! again) as `__plugin-host` in a new process group (Windows: a job object), send the request on
//! stdin, read the envelope from the child's private result channel, drain its stderr, and kill
//! the whole tree at the deadline (see [`super::contain`]: processes that left the group are
//! found too on Linux). Every way the child can end maps to one [`CallError`]; nothing here can
//! take the host down or hang it.
//!
//! The child's stdin is its *lifeline*: the host writes the request's length (8 bytes, little
//! endian) and the request, then keeps the pipe open until the call is over. When the host
//! dies — however it dies, SIGKILL included — the child kills everything it started and exits:
//! told by the kernel on Linux, by the pipe closing elsewhere (see [`super::child`]).
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

/// How the host reaches the child: the program it starts for each call, as
/// `<exe> __plugin-host MODE PLUGIN` — `readycheck-plugin-host`, or the host itself.
#[derive(Debug, Clone)]
pub struct Isolation {
    pub exe: PathBuf,
}

/// The plugin child's own program (see `src/bin/readycheck-plugin-host.rs`).
pub const HELPER: &str = "readycheck-plugin-host";

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
    /// The child program for the running executable (see [`Isolation::for_host`]).
    pub fn current() -> std::io::Result<Isolation> {
        Ok(Isolation::for_host(&std::env::current_exe()?))
    }

    /// The child program for the host at `host`: `readycheck-plugin-host` beside it, or where
    /// the packages put it ([`packaged_helper`]), when it is a helper this host can trust (see
    /// [`usable_helper`]). Otherwise the host itself, which can be the child too, only slower
    /// to start.
    pub fn for_host(host: &Path) -> Isolation {
        #[cfg(unix)]
        let host = host.canonicalize().unwrap_or_else(|_| host.to_path_buf());
        #[cfg(not(unix))]
        let host = host.to_path_buf();
        let name = format!("{HELPER}{}", std::env::consts::EXE_SUFFIX);
        let beside = host.parent().map(|dir| dir.join(&name));
        let exe = beside
            .into_iter()
            .chain(packaged_helper(&name))
            .find(|p| usable_helper(p))
            .unwrap_or(host);
        Isolation { exe }
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
        cmd.arg(super::child::ARG)
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

/// Where the Linux and macOS packages put the child program (Windows: beside the host).
fn packaged_helper(name: &str) -> Option<PathBuf> {
    if cfg!(target_os = "linux") {
        Some(Path::new("/usr/lib/readycheck").join(name))
    } else if cfg!(target_os = "macos") {
        Some(Path::new("/Library/Application Support/readycheck").join(name))
    } else {
        None
    }
}

/// Whether `path` may be the child program: a regular file reached without a symlink (what is
/// checked is what runs: no one else can swap it afterwards), that passes the checks a plugin
/// file must pass (it loads plugins), and that says it is of this very build — a helper left
/// from another version would answer for this one.
fn usable_helper(path: &Path) -> bool {
    #[cfg(unix)]
    let direct = path.canonicalize().is_ok_and(|real| real == path);
    #[cfg(not(unix))]
    let direct = true;
    path.is_file() && direct && super::trust::check_file(path).is_ok() && of_this_build(path)
}

/// Asks `path` which build it is (`__plugin-host version`), waiting at most two seconds.
fn of_this_build(path: &Path) -> bool {
    let mut cmd = Command::new(path);
    cmd.args([super::child::ARG, super::child::VERSION])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    platform::prepare(&mut cmd);
    let Ok(mut child) = cmd.spawn() else {
        return false;
    };
    let until = Instant::now() + Duration::from_secs(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                let mut said = String::new();
                let read = child
                    .stdout
                    .take()
                    .is_some_and(|mut out| out.read_to_string(&mut said).is_ok());
                return status.success() && read && said.trim() == super::child::build();
            }
            Ok(None) if Instant::now() < until => std::thread::sleep(Duration::from_micros(200)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
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
#[path = "unix.rs"]
mod platform;

#[cfg(windows)]
#[path = "windows.rs"]
mod platform;

#[cfg(all(test, target_os = "linux"))]
mod tests;
