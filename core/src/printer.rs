//! The one place that decides what reaches the terminal: stdout for results, stderr for
//! diagnostics and warnings, colour only when wanted (`NO_COLOR`, `--no-color`, not a TTY), and
//! progress only on an interactive terminal that is not receiving a machine format.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::profile::Check;
use crate::report::CheckReport;
use crate::runner::{Observer, Silent};

/// Output settings for one invocation.
#[derive(Debug, Clone)]
pub struct Printer {
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
    pub progress: bool,
}

impl Printer {
    /// Settings from the flags and the environment.
    pub fn new(
        quiet: bool,
        verbose: bool,
        no_color: bool,
        no_progress: bool,
        machine_on_stdout: bool,
    ) -> Printer {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        Printer {
            quiet,
            verbose,
            color: stdout_tty && !no_color && !no_color_env,
            progress: stdout_tty && stderr_tty && !quiet && !no_progress && !machine_on_stdout,
        }
    }

    /// Writes to stdout (results).
    pub fn out(&self, text: &str) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(text.as_bytes());
        let _ = o.flush();
    }

    /// Writes to stderr (diagnostics), whatever `quiet` says: errors are never hidden.
    pub fn err(&self, text: &str) {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = e.write_all(b"\n");
        }
    }

    /// A warning on stderr, unless quiet.
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            self.err(&crate::tr!(
                crate::i18n::current(),
                "cli.warning",
                message = text
            ));
        }
    }

    /// The observer that draws progress for a run, or a silent one.
    pub fn observer(&self) -> Arc<dyn Observer> {
        match self.progress.then(|| Progress::new(self.color)).flatten() {
            Some(p) => Arc::new(p),
            None => Arc::new(Silent),
        }
    }
}

/// The live progress on stderr: a line per running check (spinner, title, time so far) above
/// an overall bar, redrawn ten times a second in place with ANSI cursor movement, and erased
/// when the run ends, so the report prints on a clean screen.
struct Progress {
    shared: Arc<(Mutex<State>, Condvar)>,
    drawer: Option<std::thread::JoinHandle<()>>,
}

/// What the progress shows.
struct State {
    total: usize,
    done: usize,
    /// Running checks: id, title, start.
    running: Vec<(String, String, Instant)>,
    started: Instant,
    stop: bool,
}

/// Running checks shown one per line; more are counted on one line.
const MAX_LINES: usize = 8;
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const EIGHTHS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
const BAR_CELLS: usize = 30;

impl Progress {
    /// `None` when the terminal cannot move its cursor (an old Windows console).
    fn new(colour: bool) -> Option<Progress> {
        if !terminal::enable_ansi() {
            return None;
        }
        let shared = Arc::new((
            Mutex::new(State {
                total: 0,
                done: 0,
                running: Vec::new(),
                started: Instant::now(),
                stop: false,
            }),
            Condvar::new(),
        ));
        let s = shared.clone();
        let drawer = std::thread::Builder::new()
            .name("progress".into())
            .spawn(move || draw_until_stopped(&s, colour))
            .ok()?;
        Some(Progress {
            shared,
            drawer: Some(drawer),
        })
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut st) = self.shared.0.lock() {
            f(&mut st);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.update(|st| st.stop = true);
        self.shared.1.notify_all();
        if let Some(d) = self.drawer.take() {
            let _ = d.join();
        }
    }
}

impl Observer for Progress {
    fn planned(&self, total: usize) {
        self.update(|st| st.total = total);
    }
    fn started(&self, check: &Check) {
        let title = check.title.get(crate::i18n::current()).to_string();
        self.update(|st| st.running.push((check.id.clone(), title, Instant::now())));
    }
    fn finished(&self, check: &Check, _result: &CheckReport) {
        self.update(|st| {
            st.running.retain(|(id, _, _)| id != &check.id);
            st.done += 1;
        });
    }
}

/// Redraws every 100 ms until told to stop, then erases what it drew.
fn draw_until_stopped(shared: &(Mutex<State>, Condvar), colour: bool) {
    let (lock, wake) = shared;
    let mut drawn = 0;
    let mut tick = 0usize;
    loop {
        // The picture is made under the lock and written without it, so a terminal that is
        // slow to take output never holds up the checks reporting progress.
        let (text, stop) = {
            let Ok(st) = lock.lock() else { return };
            let text = if st.stop || st.total == 0 {
                // Stopping, or nothing planned yet.
                String::new()
            } else {
                frame(&st, tick, Instant::now(), terminal::columns(), colour)
            };
            (text, st.stop)
        };
        let mut out = String::new();
        if drawn > 0 {
            out.push_str(&format!("\x1b[{drawn}A"));
        }
        out.push_str("\r\x1b[J");
        out.push_str(&text);
        drawn = text.matches('\n').count();
        {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(out.as_bytes());
            let _ = e.flush();
        }
        if stop {
            return;
        }
        tick += 1;
        let Ok(st) = lock.lock() else { return };
        if !st.stop {
            let _ = wake.wait_timeout(st, Duration::from_millis(100));
        }
    }
}

/// One picture of the progress, each line ending in a newline and at most `columns` wide;
/// the bar in colour when `colour`.
fn frame(st: &State, tick: usize, now: Instant, columns: usize, colour: bool) -> String {
    use crate::render::text::{cut, width};
    let lang = crate::i18n::current();
    let secs = |since: Instant| {
        crate::tr!(
            lang,
            "unit.s",
            n = now.duration_since(since).as_secs_f64().floor()
        )
    };
    let fit = |line: String| format!("{}\n", cut(&line, columns.saturating_sub(1).max(10)));
    let mut out = String::new();
    for (i, (_, title, since)) in st.running.iter().take(MAX_LINES).enumerate() {
        let spin = SPINNER[(tick + i) % SPINNER.len()];
        out.push_str(&fit(format!("  {spin} {title} {}", secs(*since))));
    }
    if st.running.len() > MAX_LINES {
        out.push_str(&fit(format!(
            "  {}",
            crate::tr!(lang, "chat.more", n = st.running.len() - MAX_LINES)
        )));
    }
    // The bar shrinks on a narrow terminal so that the counts still fit.
    let rest = format!(
        " {}/{} {} {}",
        st.done,
        st.total,
        crate::tr!(lang, "progress.checks"),
        secs(st.started)
    );
    let max = columns.saturating_sub(1).max(10);
    let cells = BAR_CELLS.min(max.saturating_sub(width(&rest)));
    let eighths = (st.done.min(st.total) * cells * 8)
        .checked_div(st.total)
        .unwrap_or(0);
    let mut bar = "█".repeat(eighths / 8);
    if eighths / 8 < cells {
        bar.push(EIGHTHS[eighths % 8]);
    }
    bar.push_str(&" ".repeat(cells.saturating_sub(width(&bar))));
    let (on, off) = if colour {
        ("\x1b[36m", "\x1b[0m")
    } else {
        ("", "")
    };
    out.push_str(&format!("{on}{bar}{off}{}\n", cut(&rest, max - cells)));
    out
}

/// The terminal's width and its ANSI support.
mod terminal {
    /// Columns of the terminal stderr writes to (80 when it cannot be asked).
    pub fn columns() -> usize {
        #[cfg(unix)]
        {
            let mut ws = libc::winsize {
                ws_row: 0,
                ws_col: 0,
                ws_xpixel: 0,
                ws_ypixel: 0,
            };
            // SAFETY: TIOCGWINSZ on stderr fills the winsize it is given, or fails.
            if unsafe { libc::ioctl(2, libc::TIOCGWINSZ, &mut ws) } == 0 && ws.ws_col > 0 {
                return ws.ws_col as usize;
            }
        }
        #[cfg(windows)]
        {
            use windows_sys::Win32::System::Console::{
                CONSOLE_SCREEN_BUFFER_INFO, GetConsoleScreenBufferInfo, GetStdHandle,
                STD_ERROR_HANDLE,
            };
            // SAFETY: the handle is the process's stderr; the info struct is plain data.
            unsafe {
                let mut info: CONSOLE_SCREEN_BUFFER_INFO = std::mem::zeroed();
                if GetConsoleScreenBufferInfo(GetStdHandle(STD_ERROR_HANDLE), &mut info) != 0 {
                    let w = info.srWindow.Right - info.srWindow.Left + 1;
                    if w > 0 {
                        return w as usize;
                    }
                }
            }
        }
        80
    }

    /// Makes the console understand ANSI cursor movement (Windows 10 and later); false when it
    /// cannot. Elsewhere terminals always do.
    pub fn enable_ansi() -> bool {
        #[cfg(windows)]
        {
            use windows_sys::Win32::System::Console::{
                ENABLE_VIRTUAL_TERMINAL_PROCESSING, GetConsoleMode, GetStdHandle, STD_ERROR_HANDLE,
                SetConsoleMode,
            };
            // SAFETY: plain console calls on the process's stderr handle.
            unsafe {
                let h = GetStdHandle(STD_ERROR_HANDLE);
                let mut mode = 0;
                if GetConsoleMode(h, &mut mode) == 0 {
                    return false;
                }
                mode & ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
                    || SetConsoleMode(h, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) != 0
            }
        }
        #[cfg(not(windows))]
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(total: usize, done: usize, running: &[&str]) -> (State, Instant) {
        let t0 = Instant::now();
        let st = State {
            total,
            done,
            running: running
                .iter()
                .map(|t| (t.to_string(), t.to_string(), t0))
                .collect(),
            started: t0,
            stop: false,
        };
        (st, t0 + Duration::from_millis(2500))
    }

    #[test]
    fn a_line_per_running_check_above_the_bar() {
        let (st, now) = state(10, 5, &["VPN gateway", "Disk space"]);
        let f = frame(&st, 0, now, 80, false);
        let lines: Vec<&str> = f.lines().collect();
        assert_eq!(lines.len(), 3, "{f}");
        assert!(lines[0].starts_with("  ⠋ VPN gateway 2"), "{f}");
        assert!(lines[1].starts_with("  ⠙ Disk space 2"), "{f}");
        // Half done: 15 of 30 cells full, the rest blank.
        assert!(
            lines[2].contains(&format!("{}{} ", "█".repeat(15), " ".repeat(15))),
            "{f}"
        );
        assert!(lines[2].contains(" 5/10 "), "{f}");
    }

    #[test]
    fn the_bar_fills_by_eighths_and_never_overflows() {
        let (st, now) = state(16, 1, &[]);
        let f = frame(&st, 0, now, 80, false);
        assert!(f.contains("█▉"), "1/16 of 30 cells is 1⅞: {f}");
        let (st, now) = state(3, 3, &[]);
        let f = frame(&st, 0, now, 80, false);
        assert!(f.contains(&"█".repeat(30)) && !f.contains("██▏"), "{f}");
        let (st, now) = state(0, 0, &[]);
        assert!(frame(&st, 0, now, 80, false).contains(" 0/0 "));
    }

    #[test]
    fn many_checks_and_narrow_terminals_stay_inside_the_screen() {
        let names: Vec<String> = (0..12).map(|i| format!("check number {i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let (st, now) = state(20, 0, &refs);
        let f = frame(&st, 3, now, 24, true);
        assert_eq!(f.lines().count(), MAX_LINES + 2, "{f}");
        assert!(f.contains("4 "), "the hidden checks are counted: {f}");
        for line in f.lines() {
            let visible = line.replace("\x1b[36m", "").replace("\x1b[0m", "");
            assert!(
                crate::render::text::width(&visible) <= 23,
                "{visible:?} is wider than the terminal"
            );
        }
    }
}
