//! The one place that decides what reaches the terminal: stdout for results, stderr for
//! diagnostics and warnings, colour only when wanted (`NO_COLOR`, `--no-color`, not a TTY), and
//! progress only on an interactive terminal that is not receiving a machine format.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::i18n::Locale;
use crate::profile::Check;
use crate::report::CheckReport;
use crate::runner::{Observer, Silent};
use crate::tr;

/// Output settings for one invocation.
#[derive(Debug, Clone)]
pub struct Printer {
    pub quiet: bool,
    pub verbose: bool,
    pub color: bool,
    pub progress: bool,
    /// The language of warnings and progress.
    pub lang: Locale,
}

impl Printer {
    /// Settings from the flags and the environment.
    pub fn new(
        quiet: bool,
        verbose: bool,
        no_color: bool,
        no_progress: bool,
        machine_on_stdout: bool,
        lang: Locale,
    ) -> Printer {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        Printer {
            quiet,
            verbose,
            color: stdout_tty && !no_color && !no_color_env,
            progress: stdout_tty && stderr_tty && !quiet && !no_progress && !machine_on_stdout,
            lang,
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
            self.err(&crate::tr!(self.lang, "cli.warning", message = text));
        }
    }

    /// The observer that draws progress for a run, or a silent one.
    pub fn observer(&self) -> Arc<dyn Observer> {
        if !self.progress {
            return Arc::new(Silent);
        }
        Arc::new(Progress::new(
            ProgressDrawTarget::stderr(),
            columns(),
            self.color,
            self.lang,
        ))
    }
}

/// Columns of the terminal stderr writes to (80 when it cannot be asked).
fn columns() -> usize {
    terminal_size::terminal_size_of(std::io::stderr())
        .map_or(80, |(terminal_size::Width(w), _)| usize::from(w))
}

/// Running checks shown one per line; more are counted on one line.
const MAX_LINES: usize = 8;
/// The overall bar's cells on a terminal wide enough.
const BAR_CELLS: usize = 30;

/// The live progress on stderr (indicatif): a spinner line per running check (title, seconds
/// so far) above an overall bar with the count of finished checks, erased when the run ends so
/// the report prints on a clean screen. indicatif draws nothing when stderr is not a terminal.
struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    spinner: ProgressStyle,
    /// Columns a title may take.
    title_columns: usize,
    locale: Locale,
    running: Mutex<Running>,
}

/// The checks under way: those with a line of their own, those waiting for one (counted on
/// the `more` line), and whether the overall bar is on screen yet.
#[derive(Default)]
struct Running {
    shown: Vec<(String, ProgressBar)>,
    waiting: Vec<(String, String, Instant)>,
    more: Option<ProgressBar>,
    planned: bool,
}

/// A style from a template that is part of this program (so known to be valid).
fn style(template: &str, locale: Locale) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "secs",
            move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                let n = state.elapsed().as_secs_f64().floor();
                let _ = w.write_str(&tr!(locale, "unit.s", n = n));
            },
        )
}

impl Progress {
    fn new(target: ProgressDrawTarget, columns: usize, colour: bool, locale: Locale) -> Progress {
        let max = columns.saturating_sub(1).max(10);
        // The bar shrinks on a narrow terminal so that the counts still fit.
        let cells = BAR_CELLS.min(max.saturating_sub(20)).max(1);
        let bar = if colour {
            format!("{{bar:{cells}.cyan}} {{pos}}/{{len}} {{msg}} {{secs}}")
        } else {
            format!("{{bar:{cells}}} {{pos}}/{{len}} {{msg}} {{secs}}")
        };
        let overall = ProgressBar::hidden()
            .with_style(style(&bar, locale).progress_chars("█▉▊▋▌▍▎▏ "))
            .with_message(tr!(locale, "progress.checks"));
        Progress {
            multi: MultiProgress::with_draw_target(target),
            overall,
            spinner: style("  {spinner} {msg} {secs}", locale).tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
            title_columns: max.saturating_sub(12).max(8),
            locale,
            running: Mutex::new(Running::default()),
        }
    }

    /// Adds `bar` above the `more` line and the overall bar.
    fn place(&self, run: &Running, bar: ProgressBar) -> ProgressBar {
        match (&run.more, run.planned) {
            (Some(more), _) => self.multi.insert_before(more, bar),
            (None, true) => self.multi.insert_before(&self.overall, bar),
            (None, false) => self.multi.add(bar),
        }
    }

    /// A spinner line for a check that started at `since`.
    fn show(&self, run: &mut Running, id: String, title: &str, since: Instant) {
        let title = crate::render::text::truncate(title, self.title_columns);
        let bar = ProgressBar::new_spinner()
            .with_style(self.spinner.clone())
            .with_message(title)
            .with_elapsed(since.elapsed());
        let bar = self.place(run, bar);
        bar.enable_steady_tick(Duration::from_millis(100));
        run.shown.push((id, bar));
    }

    /// The "… and N more" line, shown while checks wait for a line.
    fn count_waiting(&self, run: &mut Running) {
        let n = run.waiting.len();
        match (&run.more, n) {
            (Some(more), 0) => {
                more.finish_and_clear();
                self.multi.remove(more);
                run.more = None;
            }
            (Some(more), n) => more.set_message(tr!(self.locale, "chat.more", n = n)),
            (None, 0) => {}
            (None, n) => {
                let line = ProgressBar::new_spinner()
                    .with_style(style("  {msg}", self.locale))
                    .with_message(tr!(self.locale, "chat.more", n = n));
                let line = if run.planned {
                    self.multi.insert_before(&self.overall, line)
                } else {
                    self.multi.add(line)
                };
                line.tick();
                run.more = Some(line);
            }
        }
    }

    fn with_running(&self, f: impl FnOnce(&mut Running)) {
        if let Ok(mut run) = self.running.lock() {
            f(&mut run);
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.with_running(|run| {
            for (_, bar) in run.shown.drain(..) {
                bar.finish_and_clear();
            }
            if let Some(more) = run.more.take() {
                more.finish_and_clear();
            }
        });
        self.overall.finish_and_clear();
        let _ = self.multi.clear();
    }
}

impl Observer for Progress {
    fn planned(&self, total: usize) {
        self.with_running(|run| {
            self.overall.set_length(total as u64);
            if !run.planned {
                run.planned = true;
                let bar = self.multi.add(self.overall.clone());
                bar.enable_steady_tick(Duration::from_millis(100));
            }
        });
    }

    fn started(&self, check: &Check) {
        let title = check.title.get(self.locale).to_string();
        self.with_running(|run| {
            if run.shown.len() < MAX_LINES {
                self.show(run, check.id.clone(), &title, Instant::now());
            } else {
                run.waiting.push((check.id.clone(), title, Instant::now()));
                self.count_waiting(run);
            }
        });
    }

    fn finished(&self, check: &Check, _result: &CheckReport) {
        self.with_running(|run| {
            if let Some(i) = run.shown.iter().position(|(id, _)| id == &check.id) {
                let (_, bar) = run.shown.remove(i);
                bar.finish_and_clear();
                self.multi.remove(&bar);
                if !run.waiting.is_empty() {
                    let (id, title, since) = run.waiting.remove(0);
                    self.show(run, id, &title, since);
                }
            } else {
                run.waiting.retain(|(id, _, _)| id != &check.id);
            }
            self.count_waiting(run);
            self.overall.inc(1);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::InMemoryTerm;

    /// A progress drawing on an in-memory terminal of `cols` columns, and the checks of the
    /// built-in profile to report on.
    fn on_screen(cols: u16, colour: bool) -> (Progress, InMemoryTerm, Vec<Check>) {
        let term = InMemoryTerm::new(24, cols);
        let p = Progress::new(
            ProgressDrawTarget::term_like(Box::new(term.clone())),
            usize::from(cols),
            colour,
            Locale::En,
        );
        (p, term, crate::profile::Profile::embedded().checks)
    }

    fn result(c: &Check) -> CheckReport {
        serde_json::from_value(serde_json::json!({
            "id": c.id, "title": "", "plugin": c.plugin, "kind": c.kind, "severity": "required",
            "status": "pass", "code": "x", "summary": "", "duration_ms": 1, "evidence": [],
            "metrics": {},
        }))
        .expect("a minimal check report")
    }

    /// indicatif redraws on its own clock; the screen is read once it has caught up.
    /// The screen once `drawn` says it is complete: indicatif redraws from its tick threads, so
    /// a read can catch a redraw half done. Waits at most 5 s, then returns what is there.
    fn screen_when(term: &InMemoryTerm, drawn: impl Fn(&str) -> bool) -> String {
        let until = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let s = term.contents();
            if drawn(&s) || std::time::Instant::now() > until {
                return s;
            }
        }
    }

    #[test]
    fn a_line_per_running_check_above_the_bar() {
        let (p, term, checks) = on_screen(80, false);
        p.planned(4);
        p.started(&checks[0]);
        p.started(&checks[1]);
        p.finished(&checks[0], &result(&checks[0]));
        let s = screen_when(&term, |s| {
            s.contains(checks[1].title.get(Locale::En)) && s.contains(" 1/4 checks ")
        });
        let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 2, "{s}");
        assert!(lines[0].contains(checks[1].title.get(Locale::En)), "{s}");
        assert!(lines[0].trim_end().ends_with(" s"), "seconds so far: {s}");
        // One of four done: a quarter of the 30 cells.
        assert!(lines[1].starts_with(&format!("{}▌", "█".repeat(7))), "{s}");
        assert!(lines[1].contains(" 1/4 checks "), "{s}");
        drop(p);
        assert!(
            screen_when(&term, |s| s.trim().is_empty())
                .trim()
                .is_empty(),
            "erased at the end"
        );
    }

    #[test]
    fn many_checks_and_narrow_terminals_stay_inside_the_screen() {
        let (p, term, checks) = on_screen(30, true);
        assert!(
            checks.len() > MAX_LINES,
            "the built-in profile has enough checks"
        );
        p.planned(checks.len());
        for c in &checks {
            p.started(c);
        }
        let waiting = checks.len() - MAX_LINES;
        let s = screen_when(&term, |s| {
            s.contains(&format!("and {waiting} more")) && s.contains(&format!("/{}", checks.len()))
        });
        let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), MAX_LINES + 2, "{s}");
        assert!(s.contains(&format!("and {waiting} more")), "{s}");
        for line in &lines {
            assert!(
                crate::render::text::width(line.trim_end()) <= 30,
                "{line:?} is wider than the terminal"
            );
        }
        // A check that finishes gives its line to one that waited.
        p.finished(&checks[0], &result(&checks[0]));
        let promoted = crate::render::text::truncate(checks[MAX_LINES].title.get(Locale::En), 17);
        let s = screen_when(&term, |s| s.contains(&promoted) && s.contains(" 1/"));
        assert!(s.contains(&promoted), "{s}");
        if waiting == 1 {
            assert!(!s.contains("more"), "nobody waits any more: {s}");
        } else {
            assert!(s.contains(&format!("and {} more", waiting - 1)), "{s}");
        }
        assert!(s.contains(" 1/"), "{s}");
    }
}
