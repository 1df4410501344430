//! Tests of isolated calls on Linux: crashes, daemons that escape the group, full pipes and
//! hung children, with real child processes.

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

/// The child program: `readycheck-plugin-host` beside the host when it is one this host can
/// trust — of this very build, reached without a symlink, not writable by others — else the
/// host itself.
#[test]
fn the_child_program_is_a_trusted_helper_of_this_build_or_the_host() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for d in [root.path(), &bin] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let bin = bin.canonicalize().unwrap();
    let put = |name: &str, says: &str| {
        let p = bin.join(name);
        std::fs::write(&p, format!("#!/bin/sh\nprintf '%s\\n' '{says}'\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let host = put("readycheck", "host");
    assert_eq!(Isolation::for_host(&host).exe, host, "no helper");
    let helper = put("readycheck-plugin-host", "readycheck 0.0.1 (another build)");
    assert_eq!(
        Isolation::for_host(&host).exe,
        host,
        "a helper of another build"
    );
    put("readycheck-plugin-host", crate::plugin::child::build());
    assert_eq!(
        Isolation::for_host(&host).exe,
        helper,
        "a helper of this build"
    );
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o775)).unwrap();
    assert_eq!(
        Isolation::for_host(&host).exe,
        host,
        "a group-writable helper"
    );
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Reached through a symlink: what would run is not what was checked.
    std::fs::rename(&helper, bin.join("real-helper")).unwrap();
    std::os::unix::fs::symlink(bin.join("real-helper"), &helper).unwrap();
    assert_eq!(Isolation::for_host(&host).exe, host, "a symlinked helper");
}
