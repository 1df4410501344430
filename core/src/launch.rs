//! How an employee who never opens a terminal starts readycheck, and what the program does for
//! them. Double-clicked (on Windows the process owns its console — `GetConsoleProcessList`
//! returns 1 — and was given no arguments), from the Start menu, or from the macOS `.command` or
//! Linux `.desktop` launcher (`--launched`), it runs the check with progress, writes the HTML
//! report and opens it in the default browser, then keeps the window until Enter is pressed, so
//! the verdict is on screen and not gone with the window. Started from a terminal nothing changes.
//! It also recognises a program opened from inside a zip that Explorer extracted alone into a
//! temporary folder, and says so in one sentence instead of a page of missing plugins.

use std::ffi::OsString;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};

use crate::i18n::Locale;

/// The hidden argument the packaged launchers pass: behave as if double-clicked.
pub const LAUNCHED_FLAG: &str = "--launched";

/// How the program was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// From a terminal, a script or a scheduler: arguments as given, nothing added.
    Terminal,
    /// By a double-click or a launcher: run, open the report, wait for Enter.
    DoubleClick,
}

/// How this process was started; rewrites `args` to what a double-click means (`run --open`).
pub fn detect(args: &mut Vec<OsString>) -> Start {
    let launched = args.len() == 2 && args[1] == LAUNCHED_FLAG;
    if launched || (args.len() == 1 && owns_console()) {
        args.truncate(1);
        args.push("run".into());
        args.push("--open".into());
        return Start::DoubleClick;
    }
    Start::Terminal
}

/// Whether this process is alone on its console: Explorer, the Start menu or a shortcut made a
/// console for it, which closes with it. From a terminal the shell shares the console.
#[cfg(windows)]
fn owns_console() -> bool {
    let mut ids = [0u32; 2];
    // SAFETY: the buffer is valid for its length; the call only writes process ids into it.
    let n =
        unsafe { windows_sys::Win32::System::Console::GetConsoleProcessList(ids.as_mut_ptr(), 2) };
    n == 1
}

#[cfg(not(windows))]
fn owns_console() -> bool {
    false
}

/// Keeps the window until Enter: "Press Enter to close".
pub fn wait_for_enter(locale: Locale) {
    let prompt = crate::tr!(locale, "launch.press_enter");
    #[allow(clippy::print_stderr, reason = "the prompt of a window about to close")]
    {
        eprintln!("\n{prompt}");
    }
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
}

/// When the program runs from a temporary folder with no plugins beside it — Explorer lets a
/// user open the exe inside a zip and extracts it alone — the sentence to say instead of a
/// run in which every check fails.
pub fn unextracted_zip(locale: Locale) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    if !cfg!(windows) || has_plugins(dir) || !in_temp(dir, &std::env::temp_dir()) {
        return None;
    }
    Some(crate::tr!(locale, "launch.unzip_first"))
}

/// Plugins next to the program, or in `plugins\` beside it.
fn has_plugins(dir: &Path) -> bool {
    let any = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|rd| {
            rd.flatten().any(|e| {
                // Case folded: Explorer and archive tools may change a name's case.
                let n = e.file_name().to_string_lossy().to_ascii_lowercase();
                readycheck_sdk::file::plugin_name(&n).is_some()
            })
        })
    };
    any(dir) || any(&dir.join("plugins"))
}

/// Whether `dir` is inside the temporary folder, where archive tools extract what a user opens
/// from an archive (`Temp1_readycheck.zip`, `7zO…`, `Rar$EX…`).
fn in_temp(dir: &Path, temp: &Path) -> bool {
    let norm = |p: &Path| -> PathBuf {
        let s = p.to_string_lossy().replace('/', "\\").to_lowercase();
        PathBuf::from(s.trim_end_matches('\\'))
    };
    let (dir, temp) = (norm(dir), norm(temp));
    let (d, t) = (dir.to_string_lossy(), temp.to_string_lossy());
    !t.is_empty() && d.len() > t.len() && d.starts_with(&*t) && d[t.len()..].starts_with('\\')
}

/// Writes the HTML report of `report` next to the saved JSON (or in the temp dir); its path,
/// or the warning to show.
pub fn write_page(
    report: &crate::report::Report,
    saved_to: Option<&str>,
    lang: Locale,
) -> Result<PathBuf, String> {
    let dir = crate::paths::data_dir()
        .map(|d| d.join("reports"))
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("{}.html", report.id));
    let page = crate::render::html::Page {
        saved_to: saved_to.map(String::from),
        now: Some(std::time::SystemTime::now()),
    };
    let html = crate::render::html::render_page(&crate::sanitize::deep(report), &page);
    crate::store::write_atomic(&path, html.as_bytes()).map_err(|e| {
        crate::tr!(
            lang,
            "cli.html_not_written",
            path = path.display().to_string(),
            error = e.to_string()
        )
    })?;
    Ok(path)
}

/// Opens the written page in the default browser, or says where it is.
pub fn open_page(path: &Path, lang: Locale) -> Result<(), String> {
    open(path).map_err(|e| {
        crate::tr!(
            lang,
            "cli.no_browser",
            program = if cfg!(windows) {
                "ShellExecuteW"
            } else if cfg!(target_os = "macos") {
                "open"
            } else {
                "xdg-open"
            },
            error = e,
            path = path.display().to_string()
        )
    })
}

/// After a daily run: when `when` applies to the verdict, writes the HTML report and raises a
/// desktop notification whose click opens it. The warning to show when that failed.
pub fn notify(
    report: &crate::report::Report,
    saved_to: Option<&str>,
    when: crate::notify::When,
    lang: Locale,
) -> Option<String> {
    if !when.applies(report.verdict) {
        return None;
    }
    let page = match write_page(report, saved_to, lang) {
        Ok(p) => p,
        Err(problem) => return Some(problem),
    };
    let note = crate::notify::note(&crate::sanitize::deep(report));
    crate::notify::show(&note, &page).err().map(|e| {
        crate::tr!(
            lang,
            "notify.failed",
            error = e,
            path = page.display().to_string()
        )
    })
}

/// Opens `path` with the program the PC opens such files with (the default browser for a
/// page): `ShellExecuteW` on Windows, `open` on macOS, `xdg-open` elsewhere.
pub fn open(path: &Path) -> Result<(), String> {
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt as _;
        let wide = |s: &std::ffi::OsStr| s.encode_wide().chain([0]).collect::<Vec<u16>>();
        let verb = wide("open".as_ref());
        let file = wide(path.as_os_str());
        // SAFETY: every pointer is a NUL-terminated UTF-16 string that outlives the call; the
        // window handle, parameters and directory may be null.
        let h = unsafe {
            windows_sys::Win32::UI::Shell::ShellExecuteW(
                std::ptr::null_mut(),
                verb.as_ptr(),
                file.as_ptr(),
                std::ptr::null(),
                std::ptr::null(),
                windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL,
            )
        };
        // ShellExecuteW reports success with a value above 32.
        if h as isize > 32 {
            Ok(())
        } else {
            Err(format!("ShellExecuteW failed ({})", h as isize))
        }
    }
    #[cfg(not(windows))]
    {
        let program = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        std::process::Command::new(program)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("{program}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_launcher_means_run_and_open() {
        let mut args: Vec<OsString> = vec!["readycheck".into(), LAUNCHED_FLAG.into()];
        assert_eq!(detect(&mut args), Start::DoubleClick);
        assert_eq!(args, ["readycheck", "run", "--open"]);
        let mut args: Vec<OsString> = vec!["readycheck".into(), "-q".into()];
        assert_eq!(detect(&mut args), Start::Terminal);
        assert_eq!(args.len(), 2);
    }

    #[test]
    fn temp_extraction_folders() {
        let temp = Path::new(r"C:\Users\li\AppData\Local\Temp");
        assert!(in_temp(
            Path::new(r"C:\Users\li\AppData\Local\Temp\Temp1_readycheck.zip\readycheck"),
            temp
        ));
        assert!(in_temp(
            Path::new(r"c:\users\LI\appdata\local\temp\7zO1234"),
            Path::new(r"C:\Users\li\AppData\Local\Temp\")
        ));
        assert!(!in_temp(
            Path::new(r"C:\Users\li\Downloads\readycheck"),
            temp
        ));
        assert!(!in_temp(
            Path::new(r"C:\Users\li\AppData\Local\Temporary"),
            temp
        ));
    }
}
