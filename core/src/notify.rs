//! Desktop notifications of the daily run (`run --notify`, which the scheduled jobs pass): when
//! the result is not ready — or degraded too, when the profile says `[report] notify =
//! "degraded"` — the employee sees the diagnosis headline in their language, and a click opens
//! the HTML report. Linux: a freedesktop notification over the session D-Bus (`notify-rust`,
//! pure-Rust zbus), whose default action opens the page; Windows: a toast (the WinRT toast API
//! through `tauri-winrt-notification`), opened on activation; macOS: Notification Centre through
//! `osascript`, which cannot open a page on click — the page is named in the text instead. A
//! click is awaited for at most [`WAIT_FOR_CLICK`]; the report itself is already saved by then.

use std::path::Path;
use std::time::Duration;

use crate::report::{Report, Verdict};

/// How long a run waits for a click on its notification before it ends.
pub const WAIT_FOR_CLICK: Duration = Duration::from_secs(600);

/// Which results raise a notification (`[report] notify` in the profile).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum When {
    /// Only a not-ready result (the default).
    #[default]
    NotReady,
    /// Not ready or degraded.
    Degraded,
    /// Never.
    Never,
}

impl When {
    /// The profile's word for it.
    pub fn parse(s: &str) -> Option<When> {
        match s {
            "not_ready" => Some(When::NotReady),
            "degraded" => Some(When::Degraded),
            "never" => Some(When::Never),
            _ => None,
        }
    }

    /// Whether `verdict` is worth a notification.
    pub fn applies(self, verdict: Verdict) -> bool {
        match self {
            When::Never => false,
            When::NotReady => verdict == Verdict::NotReady,
            When::Degraded => verdict != Verdict::Ready,
        }
    }
}

/// What a notification says: the verdict as its title, the diagnosis headline as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub title: String,
    pub body: String,
    /// The label of the click that opens the report.
    pub open_label: String,
}

/// The notification for `report`, in its language.
pub fn note(report: &Report) -> Note {
    let l = report.locale();
    let title = format!(
        "readycheck: {}",
        crate::tr!(l, &format!("html.verdict.{}", report.verdict.as_str()))
    );
    let body = match super::render::lead(report) {
        Some(lead) if !lead.headline.is_empty() => lead.headline.to_string(),
        _ => crate::tr!(
            l,
            &format!("html.line.{}", report.verdict.as_str()),
            n = report.root_causes.len().max(1)
        ),
    };
    Note {
        title,
        body,
        open_label: crate::tr!(l, "notify.open_report"),
    }
}

/// Shows `note`; a click on it opens `page`. Returns once the notification was clicked,
/// dismissed, or [`WAIT_FOR_CLICK`] passed.
pub fn show(note: &Note, page: &Path) -> Result<(), String> {
    imp::show(note, page)
}

#[cfg(all(unix, not(target_os = "macos")))]
mod imp {
    use super::{Note, WAIT_FOR_CLICK};
    use std::path::Path;

    pub fn show(note: &Note, page: &Path) -> Result<(), String> {
        let handle = notify_rust::Notification::new()
            .appname("readycheck")
            .summary(&note.title)
            .body(&note.body)
            .icon("dialog-warning")
            .action("default", &note.open_label)
            .action("open", &note.open_label)
            .urgency(notify_rust::Urgency::Critical)
            .timeout(notify_rust::Timeout::Never)
            .show()
            .map_err(|e| e.to_string())?;
        let page = page.to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            handle.wait_for_action(|action| {
                if action == "default" || action == "open" {
                    let _ = crate::launch::open(&page);
                }
            });
            let _ = tx.send(());
        });
        let _ = rx.recv_timeout(WAIT_FOR_CLICK);
        Ok(())
    }
}

#[cfg(windows)]
mod imp {
    use super::{Note, WAIT_FOR_CLICK};
    use std::path::Path;
    use tauri_winrt_notification::{Duration as Shown, Toast};

    pub fn show(note: &Note, page: &Path) -> Result<(), String> {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let done = tx.clone();
        let page = page.to_path_buf();
        Toast::new(Toast::POWERSHELL_APP_ID)
            .title(&note.title)
            .text1(&note.body)
            .duration(Shown::Long)
            .add_button(&note.open_label, "open")
            .on_activated(move |_| {
                let _ = crate::launch::open(&page);
                let _ = tx.send(());
                Ok(())
            })
            .on_dismissed(move |_| {
                let _ = done.send(());
                Ok(())
            })
            .show()
            .map_err(|e| e.to_string())?;
        let _ = rx.recv_timeout(WAIT_FOR_CLICK);
        Ok(())
    }
}

#[cfg(target_os = "macos")]
mod imp {
    use super::Note;
    use std::path::Path;

    /// AppleScript string literal.
    fn quoted(s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }

    pub fn show(note: &Note, page: &Path) -> Result<(), String> {
        let body = format!("{} — {}", note.body, page.display());
        let script = format!(
            "display notification {} with title {}",
            quoted(&body),
            quoted(&note.title)
        );
        let st = std::process::Command::new("osascript")
            .args(["-e", &script])
            .status()
            .map_err(|e| format!("osascript: {e}"))?;
        if st.success() {
            Ok(())
        } else {
            Err(format!("osascript: {st}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_results_notify() {
        assert!(When::NotReady.applies(Verdict::NotReady));
        assert!(!When::NotReady.applies(Verdict::Degraded));
        assert!(When::Degraded.applies(Verdict::Degraded));
        assert!(!When::Degraded.applies(Verdict::Ready));
        assert!(!When::Never.applies(Verdict::NotReady));
        assert_eq!(When::parse("degraded"), Some(When::Degraded));
        assert_eq!(When::parse("sometimes"), None);
    }
}
