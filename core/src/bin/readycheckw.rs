//! `readycheckw.exe`: the window-less launcher the daily task starts on Windows. A program of
//! the GUI subsystem gets no console, so nothing flashes on the screen at 06:00; it starts
//! `readycheck.exe` beside it with the same arguments and without a console window
//! (`CREATE_NO_WINDOW`), waits, and exits with its exit code. The desktop notification of a
//! not-ready result comes from readycheck itself. On other systems it only says what it is for.

#![cfg_attr(windows, windows_subsystem = "windows")]

use std::process::ExitCode;

#[cfg(windows)]
fn main() -> ExitCode {
    use std::os::windows::process::CommandExt as _;
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;
    let Some(host) = std::env::current_exe()
        .ok()
        .map(|p| p.with_file_name("readycheck.exe"))
    else {
        return ExitCode::from(3);
    };
    let status = std::process::Command::new(host)
        .args(std::env::args_os().skip(1))
        .creation_flags(CREATE_NO_WINDOW)
        .stdin(std::process::Stdio::null())
        .status();
    match status.ok().and_then(|s| s.code()) {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(3)),
        None => ExitCode::from(3),
    }
}

#[cfg(not(windows))]
fn main() -> ExitCode {
    #[allow(clippy::print_stderr, reason = "the only thing this program does here")]
    {
        eprintln!(
            "readycheckw is the window-less launcher of readycheck on Windows; run readycheck"
        );
    }
    ExitCode::from(3)
}
