//! Plugin calls on Windows: the child in a job object that dies with the host, helper threads
//! for the pipes, and the job terminated at the deadline.

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
