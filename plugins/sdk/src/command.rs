//! Running an OS tool from a plugin the way checks need it: stdin closed, stdout and stderr both
//! read (capped), and a deadline after which the tool is killed — a hung `reg`, `netsh` or
//! `gsettings` must not cost the check its whole timeout budget.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Output of a command run with a timeout: (exit ok, stdout + stderr) or why it did not run.
pub fn run_command(argv: &[String], timeout: Duration) -> Result<(bool, String), String> {
    let Some((prog, args)) = argv.split_first() else {
        return Err("empty command".into());
    };
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{prog}: {e}"))?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.by_ref().take(256 * 1024).read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.by_ref().take(256 * 1024).read_to_end(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} did not finish within {} ms",
                    argv.join(" "),
                    timeout.as_millis()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut text = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    text.push_str(&String::from_utf8_lossy(&t_err.join().unwrap_or_default()));
    Ok((status.success(), text))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn commands_read_stderr_and_time_out() {
        let sh = |s: &str| vec!["sh".to_string(), "-c".to_string(), s.to_string()];
        let (_, text) =
            run_command(&sh("echo 'OpenSSH_9.9p1' >&2"), Duration::from_secs(5)).unwrap();
        assert!(text.contains("OpenSSH_9.9p1"));
        let t0 = Instant::now();
        let e = run_command(&sh("sleep 10"), Duration::from_millis(200)).unwrap_err();
        assert!(e.contains("did not finish"), "{e}");
        assert!(t0.elapsed() < Duration::from_secs(3));
        let e = run_command(
            &["readycheck-no-such-tool".to_string()],
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(e.contains("readycheck-no-such-tool"), "{e}");
    }
}
