//! The one place that decides what reaches the terminal: stdout for results, stderr for
//! diagnostics and warnings, colour only when wanted (`NO_COLOR`, `--no-color`, not a TTY), and
//! progress bars only on an interactive terminal that is not receiving a machine format.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

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
        if self.progress {
            Arc::new(Progress::new())
        } else {
            Arc::new(Silent)
        }
    }
}

/// indicatif bars: one overall bar and a spinner per running check.
struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    running: Mutex<Vec<(String, ProgressBar)>>,
}

impl Progress {
    fn new() -> Progress {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:30.cyan/blue}} {{pos}}/{{len}} {} {{elapsed}}",
                crate::tr!(crate::i18n::current(), "progress.checks")
            ))
            .expect("valid template")
            .progress_chars("█▉▊▋▌▍▎▏ "),
        );
        Progress {
            multi,
            overall,
            running: Mutex::new(Vec::new()),
        }
    }
}

impl Observer for Progress {
    fn planned(&self, total: usize) {
        self.overall.set_length(total as u64);
    }
    fn started(&self, check: &Check) {
        let bar = self
            .multi
            .insert_before(&self.overall, ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("  {spinner} {msg} {elapsed}").expect("valid template"),
        );
        bar.set_message(check.title.get(crate::i18n::current()).to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        if let Ok(mut r) = self.running.lock() {
            r.push((check.id.clone(), bar));
        }
    }
    fn finished(&self, check: &Check, _result: &CheckReport) {
        if let Ok(mut r) = self.running.lock()
            && let Some(pos) = r.iter().position(|(id, _)| id == &check.id)
        {
            let (_, bar) = r.remove(pos);
            bar.finish_and_clear();
            self.multi.remove(&bar);
        }
        self.overall.inc(1);
        if self.overall.position() >= self.overall.length().unwrap_or(0) {
            self.overall.finish_and_clear();
        }
    }
}
