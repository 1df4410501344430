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

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
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
        // Spawned and registered under the lock, so that a sweep for orphans never takes a
        // child that is starting for one of its own.
        let (child, group) = {
            let mut a = active().lock().unwrap_or_else(|p| p.into_inner());
            let child = cmd.spawn().map_err(|e| {
                CallError::LoadFailed(format!(
                    "could not start the plugin host process {}: {e}",
                    self.exe.display()
                ))
            })?;
            let group = Arc::new(platform::Group::attach(&child));
            a.push((id, group.clone()));
            (child, group)
        };
        let result = self.supervise(child, &group, call, timeout, started);
        group.kill(); // grandchildren die with it, whatever happened
        let mut a = active().lock().unwrap_or_else(|p| p.into_inner());
        a.retain(|(i, _)| *i != id);
        // What the child left behind when it died was re-parented to the host: stop it now.
        let keep: Vec<i32> = a.iter().map(|(_, g)| g.pid()).collect();
        super::contain::sweep_orphans(&keep);
        drop(a);
        result
    }

    fn supervise(
        &self,
        mut child: Child,
        group: &Arc<Group>,
        call: &Call,
        timeout: Duration,
        started: Instant,
    ) -> Result<Vec<u8>, CallError> {
        // stdin: the request's length and the request, then held open as the child's
        // lifeline until this call is over. The write happens on its own thread, so a child
        // that never reads cannot block us.
        let stdin = child.stdin.take();
        let request = match call {
            Call::Run(r) => r.clone(),
            Call::Describe => Vec::new(),
        };
        let (over_tx, over_rx) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Some(mut s) = stdin {
                let _ = s.write_all(&(request.len() as u64).to_le_bytes());
                let _ = s.write_all(&request);
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
            let _ = out_tx.send(read_capped(stdout, OUTPUT_CAP + 64 * 1024));
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = err_tx.send(read_tail(stderr, STDERR_TAIL));
        });

        // Wait for the exit on its own thread; this one waits for that or the deadline.
        // Ctrl-C and the run deadline kill the group through `stop_all`, which ends the wait.
        let (exit_tx, exit_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exit_tx.send(child.wait());
        });
        let remaining = (started + timeout).saturating_duration_since(Instant::now());
        let mut timed_out = false;
        let waited = match exit_rx.recv_timeout(remaining) {
            Ok(w) => w,
            Err(_) => {
                timed_out = true;
                group.kill();
                exit_rx
                    .recv()
                    .unwrap_or_else(|_| Err(std::io::Error::other("the waiting thread ended")))
            }
        };
        let status: ExitStatus = waited
            .map_err(|e| CallError::Crashed(format!("lost track of the plugin process: {e}")))?;
        group.kill();
        let stderr_tail = err_rx.recv_timeout(DRAIN_GRACE).unwrap_or_default();
        let out = out_rx.recv_timeout(DRAIN_GRACE);

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
        if stopping() && !status.success() {
            return Err(CallError::Interrupted(
                "the run was stopped (Ctrl-C or the run's deadline) while this check ran".into(),
            ));
        }
        let Ok((bytes, overflow)) = out else {
            return Err(CallError::InvalidOutput(
                "the plugin's result channel stayed open after it ended (a process it started kept it)".into(),
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

/// Reads up to `cap` bytes; keeps draining (discarding) past it so the writer never blocks.
fn read_capped(mut r: impl Read, cap: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let mut overflow = false;
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.len() + n > cap {
                    overflow = true;
                } else {
                    out.extend_from_slice(&buf[..n]);
                }
            }
        }
    }
    (out, overflow)
}

/// Reads everything, keeping the last `keep` bytes as text.
fn read_tail(mut r: impl Read, keep: usize) -> String {
    let mut tail: Vec<u8> = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > keep * 2 {
                    tail.drain(..tail.len() - keep);
                }
            }
        }
    }
    if tail.len() > keep {
        tail.drain(..tail.len() - keep);
    }
    String::from_utf8_lossy(&tail).into_owned()
}

pub use platform::Group;

#[cfg(unix)]
mod platform {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Child, Command, ExitStatus};

    use std::sync::Mutex;

    use crate::plugin::contain::{self, Stopped};

    /// The child, its process group (its pid is the group id) and, on Linux, every process
    /// below it wherever its group.
    pub struct Group {
        pgid: libc::pid_t,
        stopped: Mutex<Stopped>,
    }

    pub fn prepare(cmd: &mut Command) {
        cmd.process_group(0);
    }

    impl Group {
        pub fn attach(child: &Child) -> Group {
            Group {
                pgid: child.id() as libc::pid_t,
                stopped: Mutex::new(Stopped::default()),
            }
        }

        /// The child's pid.
        pub fn pid(&self) -> i32 {
            self.pgid
        }

        /// Kills the child's descendants (all of them on Linux, found below the child, which
        /// is a subreaper), then its process group.
        pub fn kill(&self) {
            if self.pgid <= 0 {
                return;
            }
            let below = contain::kill_descendants(self.pgid);
            // SAFETY: signalling a process group we created; ESRCH when it is gone is fine.
            unsafe {
                libc::kill(-self.pgid, libc::SIGKILL);
            }
            if let Ok(mut s) = self.stopped.lock() {
                s.killed += below.killed;
                s.survived = below.survived;
                s.whole_tree = below.whole_tree;
            }
        }

        /// What killing has done so far.
        pub fn stopped(&self) -> Stopped {
            self.stopped.lock().map(|s| *s).unwrap_or_default()
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
