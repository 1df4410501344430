//! Keeping a plugin's whole process tree contained, including processes that leave its
//! process group (a double fork into a new session with `setsid`).
//!
//! - **Linux**: the host and every `__plugin-host` child are *child subreapers*
//!   (`PR_SET_CHILD_SUBREAPER`): a process whose parent dies is re-parented to the nearest
//!   subreaper above it instead of to init, so a plugin's escaped daemon stays a descendant of
//!   its `__plugin-host` child while that lives, and of the host after. Stopping a call kills
//!   the child's descendants found through `/proc` (repeated until none is left, so a process
//!   forking meanwhile is caught too), then its process group and itself; what is re-parented
//!   to the host after the child died is killed and reaped by the host ([`sweep_orphans`]).
//!   cgroups are not used: the subreaper needs no privileges or delegation and holds the same
//!   tree. `/proc` is read only when there is something to find: a process with no children
//!   at all ([`has_children`], one `waitid`) has no descendants below it, and the orphans of a
//!   call that ended by answering can only sit under the host's main thread, whose one
//!   `children` file is read (every thread's only after a call that did not end cleanly).
//!   Reading a process's `/proc` entries has a cost at exit too: the kernel walks the dentries
//!   they left when the process is reaped.
//! - **macOS and other Unixes**: no subreaper and no `/proc`: the child's process group is
//!   killed. A process that left the group (`setsid`) cannot be found there, and the report
//!   says only that the group was stopped.
//! - **Windows**: a job object holds the child and everything it starts; closing the host's
//!   handle (which the OS does when the host dies, however it dies) kills them all
//!   (`JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, see `isolate`).

/// What stopping a tree did, for the report's wording.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Processes signalled (the child itself not counted).
    pub killed: usize,
    /// Processes that were found but could not be killed (another user's, for example).
    pub survived: usize,
    /// Whether processes outside the process group could be looked for at all.
    pub whole_tree: bool,
}

#[cfg(target_os = "linux")]
mod imp {
    use super::Stopped;
    use std::collections::BTreeSet;

    /// Makes this process a child subreaper. Returns whether it worked.
    pub fn become_subreaper() -> bool {
        // SAFETY: prctl with an integer argument; no memory is passed.
        unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 }
    }

    /// A process's state letter and process group, from `/proc/<pid>/stat`.
    fn stat(pid: i32) -> Option<(char, i32, i32)> {
        let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name is in parentheses and may hold spaces: read after the last ')'.
        let rest = &s[s.rfind(')')? + 2..];
        let mut f = rest.split_whitespace();
        let state = f.next()?.chars().next()?;
        let ppid = f.next()?.parse().ok()?;
        let pgrp = f.next()?.parse().ok()?;
        Some((state, ppid, pgrp))
    }

    /// The children of `pid`: from `/proc/<pid>/task/*/children`, or by scanning every
    /// process's parent when the kernel does not offer those files; none when `pid` is gone.
    pub fn children(pid: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let mut found_file = false;
        // A process that is gone (reaped) has no children to find: no need to scan /proc.
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return out;
        };
        for t in tasks.flatten() {
            if let Ok(s) = std::fs::read_to_string(t.path().join("children")) {
                found_file = true;
                out.extend(s.split_whitespace().filter_map(|p| p.parse::<i32>().ok()));
            }
        }
        if !found_file && let Ok(all) = std::fs::read_dir("/proc") {
            for e in all.flatten() {
                if let Some(p) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok())
                    && stat(p).is_some_and(|(_, ppid, _)| ppid == pid)
                {
                    out.push(p);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether this process has any child at all, running or a zombie, of any kind (`__WALL`):
    /// a subreaper without children has no descendants. One system call, no `/proc`.
    pub fn has_children() -> bool {
        // SAFETY: waitid with WNOHANG | WNOWAIT only looks: nothing is reaped; the siginfo is
        // ours and zeroed.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let r = unsafe {
            libc::waitid(
                libc::P_ALL,
                0,
                &mut info,
                libc::WEXITED | libc::WNOHANG | libc::WNOWAIT | libc::__WALL,
            )
        };
        !(r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ECHILD))
    }

    /// The children listed under this process's main thread, where the kernel puts the
    /// processes it re-parents to a subreaper (the first live thread of the process, which is
    /// the main thread while the process runs).
    fn children_of_main_thread(me: i32) -> Vec<i32> {
        std::fs::read_to_string(format!("/proc/{me}/task/{me}/children"))
            .map(|s| {
                s.split_whitespace()
                    .filter_map(|p| p.parse::<i32>().ok())
                    .collect()
            })
            .unwrap_or_else(|_| children(me))
    }

    /// Every live (not zombie) descendant of `root`.
    fn descendants(root: i32) -> Vec<i32> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root];
        while let Some(p) = stack.pop() {
            for c in children(p) {
                if seen.insert(c) {
                    stack.push(c);
                }
            }
        }
        seen.into_iter()
            .filter(|p| stat(*p).is_some_and(|(s, _, _)| s != 'Z' && s != 'X'))
            .collect()
    }

    fn kill(pid: i32) -> bool {
        // SAFETY: sending SIGKILL to a pid we found below our own tree.
        unsafe { libc::kill(pid, libc::SIGKILL) == 0 }
    }

    /// Kills every descendant of `root` (not `root` itself), again and again until none is
    /// left alive, so that one forking meanwhile is caught as well.
    pub fn kill_descendants(root: i32) -> Stopped {
        let mut killed = BTreeSet::new();
        let mut failed = BTreeSet::new();
        for _ in 0..50 {
            let alive: Vec<i32> = descendants(root)
                .into_iter()
                .filter(|p| !failed.contains(p))
                .collect();
            if alive.is_empty() {
                break;
            }
            for p in alive {
                if kill(p) {
                    killed.insert(p);
                } else if std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) {
                    failed.insert(p);
                }
            }
            std::thread::yield_now();
        }
        Stopped {
            killed: killed.len(),
            survived: failed.len(),
            whole_tree: true,
        }
    }

    /// This process's children that may be a plugin's orphans: not in `keep` (the calls in
    /// flight) and not in this process's own process group (what the host itself starts stays
    /// there). `thorough` reads every thread's `children` file; otherwise only the main
    /// thread's, where re-parented processes go.
    pub fn orphan_candidates(keep: &[i32], thorough: bool) -> Vec<i32> {
        let me = std::process::id() as i32;
        // SAFETY: getpgrp has no preconditions.
        let my_group = unsafe { libc::getpgrp() };
        let listed = if thorough {
            children(me)
        } else {
            children_of_main_thread(me)
        };
        listed
            .into_iter()
            .filter(|p| !keep.contains(p))
            .filter(|p| stat(*p).is_some_and(|(_, _, g)| g != my_group))
            .collect()
    }

    /// Kills and reaps this process's children that are not in `keep` and not in its own
    /// process group: processes of plugin calls whose `__plugin-host` child is gone, re-parented
    /// here because the host is a subreaper. The caller makes sure no call is starting
    /// meanwhile (a child not yet in `keep`). Returns how many were stopped.
    pub fn sweep_orphans(keep: &[i32], thorough: bool) -> usize {
        let mut stopped = 0;
        for _ in 0..20 {
            let orphans = orphan_candidates(keep, thorough);
            if orphans.is_empty() {
                break;
            }
            for p in orphans {
                kill_descendants(p);
                kill(p);
                let mut status = 0;
                // SAFETY: reaping a child of ours by pid; it is not a `std::process::Child`
                // anyone waits for (those are in `keep`).
                let r = unsafe { libc::waitpid(p, &mut status, libc::WNOHANG) };
                if r == p {
                    stopped += 1;
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        stopped
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Stopped;

    pub fn become_subreaper() -> bool {
        false
    }

    pub fn kill_descendants(_root: i32) -> Stopped {
        Stopped::default()
    }

    pub fn has_children() -> bool {
        true
    }

    pub fn orphan_candidates(_keep: &[i32], _thorough: bool) -> Vec<i32> {
        Vec::new()
    }

    pub fn sweep_orphans(_keep: &[i32], _thorough: bool) -> usize {
        0
    }
}

pub use imp::{become_subreaper, has_children, kill_descendants, orphan_candidates, sweep_orphans};

#[cfg(all(test, target_os = "linux"))]
pub(crate) mod tests {
    use std::os::unix::process::CommandExt;

    use super::*;

    /// The tests that sweep this process's orphans run one at a time: a sweep takes every
    /// orphan, another test's too.
    pub(crate) static SWEEPING: std::sync::Mutex<()> = std::sync::Mutex::new(());

    #[test]
    fn a_process_that_left_the_group_is_found_and_killed() {
        // A shell that starts a new session in the background (setsid), whose child outlives
        // it: the subreaper keeps it in this process's tree.
        let _one = SWEEPING.lock().unwrap_or_else(|p| p.into_inner());
        assert!(become_subreaper());
        // In a process group of its own, as a plugin's child is: the host's own group is
        // never swept.
        let mut sh = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 300 & echo $!; sleep 300"])
            .process_group(0)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(sh.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let escaped: i32 = line.trim().parse().unwrap();
        let stopped = kill_descendants(sh.id() as i32);
        assert!(stopped.killed >= 1 && stopped.whole_tree, "{stopped:?}");
        sh.kill().unwrap();
        sh.wait().unwrap();
        sweep_orphans(&[], false);
        let state = std::fs::read_to_string(format!("/proc/{escaped}/stat")).unwrap_or_default();
        assert!(
            state.is_empty() || state.contains(") Z"),
            "the escaped process is gone: {state}"
        );
    }

    /// A process whose parent died is re-parented to this subreaper's main thread, even when
    /// another thread started its parent: the main thread's one `children` file finds it.
    #[test]
    fn an_orphan_is_found_under_the_main_thread_and_swept() {
        let _one = SWEEPING.lock().unwrap_or_else(|p| p.into_inner());
        assert!(become_subreaper());
        let out = std::process::Command::new("sh")
            .args(["-c", "setsid sleep 300 >/dev/null 2>&1 & echo $!"])
            .process_group(0)
            .stderr(std::process::Stdio::null())
            .output()
            .unwrap();
        let orphan: i32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        let found = (0..200).any(|_| {
            let f = orphan_candidates(&[], false).contains(&orphan);
            if !f {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            f
        });
        assert!(found, "the orphan {orphan} is listed under the main thread");
        assert!(sweep_orphans(&[], false) >= 1);
        let state = std::fs::read_to_string(format!("/proc/{orphan}/stat")).unwrap_or_default();
        assert!(
            state.is_empty(),
            "the orphan was killed and reaped: {state}"
        );
    }

    #[test]
    fn a_child_is_seen_without_reading_proc() {
        let mut c = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        assert!(has_children());
        c.kill().unwrap();
        c.wait().unwrap();
    }
}
