//! Scheduled runs: the unit files that run readycheck every day at a time IT chooses (a systemd
//! user timer, a Task Scheduler task, a launchd agent), and `readycheck schedule
//! install|remove|status` for the current user. The same generators produce the files shipped
//! in the packages, so what a package installs and what `schedule install` writes never differ.

use std::path::{Path, PathBuf};
use std::time::Duration;

use readycheck_sdk::command::run_command;
use readycheck_sdk::i18n::Msg;
use readycheck_sdk::t;

mod jobs;

pub use jobs::{launchd_plist, systemd_service, systemd_timer, task_xml, utf16_bom, windows_arg};

/// Name of the systemd units and of the Windows task.
pub const NAME: &str = "readycheck";
/// Label of the launchd agent.
pub const LAUNCHD_LABEL: &str = "com.readycheck.daily";

/// A time of day, local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub hour: u8,
    pub minute: u8,
}

impl Default for At {
    /// 06:00, before the markets open.
    fn default() -> At {
        At { hour: 6, minute: 0 }
    }
}

impl std::str::FromStr for At {
    type Err = String;
    fn from_str(s: &str) -> Result<At, String> {
        // Read by clap while parsing `--at`, so rendered here in the run's language.
        let bad = || crate::tr!(crate::i18n::current(), "schedule.bad_time", value = s);
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let hour: u8 = h.parse().map_err(|_| bad())?;
        let minute: u8 = m.parse().map_err(|_| bad())?;
        if hour > 23 || minute > 59 || m.len() != 2 {
            return Err(bad());
        }
        Ok(At { hour, minute })
    }
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.hour, self.minute)
    }
}

/// What to run and when.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The readycheck executable.
    pub exe: PathBuf,
    /// An explicit profile; `None` lets the run discover one (next to the executable, the
    /// config dirs, the built-in default).
    pub profile: Option<PathBuf>,
    pub at: At,
    /// A random delay of up to this many seconds, so a fleet does not submit all at once.
    pub spread_secs: u64,
}

impl Plan {
    /// The arguments after the executable.
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = ["run", "--no-progress", "--quiet", "--notify"]
            .into_iter()
            .map(String::from)
            .collect();
        if let Some(p) = &self.profile {
            a.push("--profile".into());
            a.push(p.display().to_string());
        }
        a
    }

    fn describe(&self) -> String {
        format!(
            "Runs readycheck every day at {} (local time), saves the report and submits it if the profile says where.",
            self.at
        )
    }
}

/// What the daily task starts on Windows: `readycheckw.exe` beside `readycheck.exe`, a
/// window-less launcher that runs it without a console, so no window flashes at 06:00. Used when
/// it is there, or when the task is written for another machine (packages); else the exe itself.
pub fn windowless(exe: &Path) -> PathBuf {
    // Split by hand on both separators: a task written on Linux for a Windows PC (packages)
    // names a Windows path, which `Path` there does not take apart at `\`.
    let text = exe.to_string_lossy();
    let cut = text.rfind(['\\', '/']).map_or(0, |i| i + 1);
    let (dir, name) = text.split_at(cut);
    if !name.eq_ignore_ascii_case("readycheck.exe") {
        return exe.to_path_buf();
    }
    let sibling = PathBuf::from(format!("{dir}readycheckw.exe"));
    if sibling.is_file() || !exe.exists() {
        sibling
    } else {
        exe.to_path_buf()
    }
}

/// What `install` did.
#[derive(Debug)]
pub struct Installed {
    /// Files written.
    pub files: Vec<PathBuf>,
    /// What the scheduler said when the job was activated, or why it was not.
    pub activation: Activation,
}

/// Whether the scheduler took the job.
#[derive(Debug)]
pub enum Activation {
    Done(String),
    /// `--no-enable`: the files are written; this is the command that activates them.
    Skipped {
        command: String,
    },
    Failed {
        command: String,
        error: Msg,
    },
}

/// How long one scheduler tool (`systemctl`, `schtasks`, `launchctl`) may take.
const TOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `program args` with a deadline, returning its output or a one-line error.
fn run(program: &str, args: &[&str]) -> Result<String, Msg> {
    let shown = format!("{program} {}", args.join(" "));
    let argv: Vec<String> = std::iter::once(program)
        .chain(args.iter().copied())
        .map(String::from)
        .collect();
    match run_command(&argv, TOOL_TIMEOUT) {
        Ok((true, out)) => Ok(out.trim().to_string()),
        Ok((false, out)) => Err(t!(
            "schedule.tool_failed",
            command = shown,
            output = out.trim()
        )),
        Err(e) => Err(t!(
            "schedule.tool_unrunnable",
            command = shown,
            error = e.to_string()
        )),
    }
}

fn activate(command: &[&str], enable: bool) -> Activation {
    let shown = command.join(" ");
    if !enable {
        return Activation::Skipped { command: shown };
    }
    match run(command[0], &command[1..]) {
        Ok(out) => Activation::Done(out),
        Err(error) => Activation::Failed {
            command: shown,
            error,
        },
    }
}

/// Where this OS keeps the current user's scheduled job.
pub fn job_files() -> Result<Vec<PathBuf>, Msg> {
    let unset = |vars: &str| t!("schedule.no_home", vars = vars);
    if cfg!(windows) {
        let dir = crate::paths::data_dir().ok_or_else(|| unset("LOCALAPPDATA"))?;
        Ok(vec![dir.join("readycheck-task.xml")])
    } else if cfg!(target_os = "macos") {
        let home = std::env::var_os("HOME").ok_or_else(|| unset("HOME"))?;
        Ok(vec![PathBuf::from(home).join(format!(
            "Library/LaunchAgents/{LAUNCHD_LABEL}.plist"
        ))])
    } else {
        let dir = crate::paths::xdg_config_home()
            .ok_or_else(|| unset("XDG_CONFIG_HOME, HOME"))?
            .join("systemd/user");
        Ok(vec![
            dir.join(format!("{NAME}.service")),
            dir.join(format!("{NAME}.timer")),
        ])
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Msg> {
    crate::store::write_atomic(path, bytes).map_err(|e| {
        t!(
            "schedule.cannot_write",
            path = path.display().to_string(),
            error = e.to_string()
        )
    })
}

/// Writes the job for the current user and, unless `enable` is false, hands it to the scheduler.
pub fn install(plan: &Plan, enable: bool) -> Result<Installed, Msg> {
    let files = job_files()?;
    let activation = if cfg!(windows) {
        write(&files[0], &utf16_bom(&task_xml(plan)))?;
        let xml = files[0].display().to_string();
        activate(
            &["schtasks", "/Create", "/TN", NAME, "/XML", &xml, "/F"],
            enable,
        )
    } else if cfg!(target_os = "macos") {
        write(&files[0], launchd_plist(plan).as_bytes())?;
        let plist = files[0].display().to_string();
        // A reinstall replaces the loaded job.
        if enable {
            let _ = run("launchctl", &["unload", &plist]);
        }
        activate(&["launchctl", "load", "-w", &plist], enable)
    } else {
        write(&files[0], systemd_service(plan).as_bytes())?;
        write(&files[1], systemd_timer(plan).as_bytes())?;
        if enable && let Err(error) = run("systemctl", &["--user", "daemon-reload"]) {
            return Ok(Installed {
                files,
                activation: Activation::Failed {
                    command: format!("systemctl --user enable --now {NAME}.timer"),
                    error,
                },
            });
        }
        activate(
            &[
                "systemctl",
                "--user",
                "enable",
                "--now",
                &format!("{NAME}.timer"),
            ],
            enable,
        )
    };
    Ok(Installed { files, activation })
}

/// Takes the job out of the scheduler and deletes its files; returns what was removed.
pub fn remove(lang: readycheck_sdk::i18n::Locale) -> Result<Vec<String>, Msg> {
    let files = job_files()?;
    let mut done = Vec::new();
    if cfg!(windows) {
        if run("schtasks", &["/Query", "/TN", NAME]).is_ok() {
            run("schtasks", &["/Delete", "/TN", NAME, "/F"])?;
            done.push(crate::tr!(lang, "schedule.windows_task", name = NAME));
        }
    } else if cfg!(target_os = "macos") {
        if files[0].exists() {
            let _ = run("launchctl", &["unload", &files[0].display().to_string()]);
        }
    } else if files[1].exists() {
        // Without a user session the timer cannot be running; the files still go.
        let _ = run(
            "systemctl",
            &["--user", "disable", "--now", &format!("{NAME}.timer")],
        );
    }
    for f in &files {
        match std::fs::remove_file(f) {
            Ok(()) => done.push(f.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(t!(
                    "schedule.cannot_remove",
                    path = f.display().to_string(),
                    error = e.to_string()
                ));
            }
        }
    }
    if !cfg!(windows) && !cfg!(target_os = "macos") && !done.is_empty() {
        let _ = run("systemctl", &["--user", "daemon-reload"]);
    }
    Ok(done)
}

/// The state of the current user's scheduled run.
#[derive(Debug)]
pub struct Status {
    /// Job files that exist.
    pub files: Vec<PathBuf>,
    /// The time of day read back from the job, when it could be.
    pub at: Option<At>,
    /// The command line the job runs.
    pub command: Option<String>,
    /// What the scheduler says (next run, last result), or why it could not be asked.
    pub scheduler: Result<String, Msg>,
}

impl Status {
    pub fn installed(&self) -> bool {
        !self.files.is_empty()
    }
}

fn read_text(path: &Path) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.starts_with(&[0xFF, 0xFE]) {
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&units).ok();
    }
    String::from_utf8(bytes).ok()
}

/// Reads the job back: its files, its time and command, and the scheduler's view of it.
pub fn status() -> Result<Status, Msg> {
    let files: Vec<PathBuf> = job_files()?.into_iter().filter(|f| f.exists()).collect();
    let texts: Vec<String> = files.iter().filter_map(|f| read_text(f)).collect();
    let mut at = None;
    let mut command = None;
    for t in &texts {
        for line in t.lines().map(str::trim) {
            if let Some(v) = line.strip_prefix("OnCalendar=*-*-* ") {
                at = v.get(..5).and_then(|s| s.parse().ok());
            } else if let Some(v) = line.strip_prefix("ExecStart=") {
                command = Some(v.to_string());
            } else if let Some(v) = line
                .strip_prefix("<StartBoundary>")
                .and_then(|v| v.split_once('T'))
            {
                at = v.1.get(..5).and_then(|s| s.parse().ok());
            } else if let Some(v) = line.strip_prefix("<Command>") {
                command = Some(v.trim_end_matches("</Command>").to_string());
            }
        }
        if let (Some(h), Some(m)) = (plist_int(t, "Hour"), plist_int(t, "Minute")) {
            at = Some(At { hour: h, minute: m });
        }
    }
    let scheduler = if files.is_empty() {
        Err(t!("schedule.not_installed_short"))
    } else if cfg!(windows) {
        run("schtasks", &["/Query", "/TN", NAME, "/FO", "LIST", "/V"])
    } else if cfg!(target_os = "macos") {
        let uid = current_uid();
        run(
            "launchctl",
            &["print", &format!("gui/{uid}/{LAUNCHD_LABEL}")],
        )
        .or_else(|_| run("launchctl", &["list", LAUNCHD_LABEL]))
    } else {
        run(
            "systemctl",
            &[
                "--user",
                "list-timers",
                "--all",
                "--no-pager",
                &format!("{NAME}.timer"),
            ],
        )
    };
    Ok(Status {
        files,
        at,
        command,
        scheduler,
    })
}

/// The current user's id, for launchd's `gui/<uid>` domain.
fn current_uid() -> String {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail.
        unsafe { libc::getuid() }.to_string()
    }
    #[cfg(not(unix))]
    {
        String::new()
    }
}

fn plist_int(text: &str, key: &str) -> Option<u8> {
    let after = text.split(&format!("<key>{key}</key>")).nth(1)?;
    let v = after.trim_start().strip_prefix("<integer>")?;
    v.split('<').next()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        Plan {
            exe: PathBuf::from("/opt/ready check/readycheck"),
            profile: Some(PathBuf::from("/etc/readycheck/100%.toml")),
            at: "06:30".parse().unwrap(),
            spread_secs: 600,
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!("6:05".parse::<At>(), Ok(At { hour: 6, minute: 5 }));
        assert_eq!(
            "23:59".parse::<At>(),
            Ok(At {
                hour: 23,
                minute: 59
            })
        );
        for bad in ["24:00", "06:60", "0600", "6:5", "six", ""] {
            let e = bad.parse::<At>().unwrap_err();
            assert!(e.contains("HH:MM"), "{bad}: {e}");
        }
    }

    #[test]
    fn systemd_quoting_keeps_spaces_and_percent() {
        let s = systemd_service(&plan());
        assert!(
            s.contains(
                r#"ExecStart="/opt/ready check/readycheck" run --no-progress --quiet --notify --profile /etc/readycheck/100%%.toml"#
            ),
            "{s}"
        );
        let t = systemd_timer(&plan());
        assert!(t.contains("OnCalendar=*-*-* 06:30:00\nPersistent=true\nRandomizedDelaySec=600\n"));
    }

    #[test]
    fn windows_arguments_round_trip_quoting() {
        assert_eq!(windows_arg("run"), "run");
        assert_eq!(
            windows_arg(r"C:\Program Files\x"),
            r#""C:\Program Files\x""#
        );
        assert_eq!(windows_arg(r"a b\"), r#""a b\\""#);
        assert_eq!(windows_arg(r#"say "hi""#), r#""say \"hi\"""#);
        assert_eq!(windows_arg(""), r#""""#);
    }

    #[test]
    fn task_and_plist_escape_and_carry_the_time() {
        let mut p = plan();
        p.exe = PathBuf::from(r"C:\Tools & Co\readycheck.exe");
        let x = task_xml(&p);
        assert!(x.contains(r"<Command>C:\Tools &amp; Co\readycheckw.exe</Command>"));
        assert!(x.contains("<StartBoundary>2026-01-01T06:30:00</StartBoundary>"));
        assert!(x.contains("<RandomDelay>PT600S</RandomDelay>"));
        let bytes = utf16_bom(&x);
        assert_eq!(&bytes[..4], &[0xFF, 0xFE, b'<', 0]);
        let l = launchd_plist(&p);
        assert_eq!(plist_int(&l, "Hour"), Some(6));
        assert_eq!(plist_int(&l, "Minute"), Some(30));
        assert!(l.contains("<string>--profile</string>"));
    }
}
