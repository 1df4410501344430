//! Desktop notifications of the daily run (`run --notify`, which the scheduled jobs pass): when
//! the result is not ready — or degraded too, when the profile says `[report] notify =
//! "degraded"` — the employee sees the diagnosis headline in their language, and a click opens
//! the HTML report. Linux: a freedesktop notification over the session D-Bus (`notify-rust`,
//! pure-Rust zbus), whose default action opens the page while the run waits for at most
//! [`WAIT_FOR_CLICK`]; Windows: a toast (the WinRT toast API) with protocol activation, so that
//! Windows itself opens the page on a click, also after the run has ended; macOS: Notification
//! Centre through `osascript`, which cannot open a page on click — the page is named in the text
//! instead. The report itself is already saved by then.

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

/// The Windows toast's XML (protocol activation, see `imp` on Windows): title, headline, and an "open" button; the toast and the button both
/// open `uri`.
#[cfg_attr(not(windows), allow(dead_code))]
fn toast_xml(note: &Note, uri: &str) -> String {
    format!(
        "<toast activationType=\"protocol\" launch=\"{uri}\" duration=\"long\">\
         <visual><binding template=\"ToastGeneric\"><text>{title}</text><text>{body}</text>\
         </binding></visual><actions><action content=\"{label}\" activationType=\"protocol\" \
         arguments=\"{uri}\"/></actions></toast>",
        uri = crate::render::xml::escape(uri),
        title = crate::render::xml::escape(&note.title),
        body = crate::render::xml::escape(&note.body),
        label = crate::render::xml::escape(&note.open_label),
    )
}

/// `file:///C:/Users/…/report.html`, with what a URI cannot hold percent-encoded.
#[cfg_attr(not(windows), allow(dead_code))]
fn file_uri(page: &Path) -> String {
    let path = page.to_string_lossy().replace('\\', "/");
    let path = path.trim_start_matches("//?/");
    let mut uri = String::from("file:///");
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b':' | b'-' | b'_' | b'.' | b'~' => {
                uri.push(b as char)
            }
            _ => uri.push_str(&format!("%{b:02X}")),
        }
    }
    uri
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
    //! The toast is written by hand (the WinRT toast API through the `windows` crate) because it
    //! must use protocol activation: a click on it — now, or later in the Action Centre, after
    //! this run has ended — has Windows open the page's `file:` URI itself. With foreground
    //! activation (what `tauri-winrt-notification` builds) a click after the run does nothing.

    use super::{Note, file_uri, toast_xml};
    use std::path::Path;
    use windows::Data::Xml::Dom::XmlDocument;
    use windows::UI::Notifications::{ToastNotification, ToastNotificationManager};
    use windows::core::HSTRING;

    /// The app the toast is shown as (Windows PowerShell's, present on every Windows 10/11): an
    /// unpackaged program needs a registered AppUserModelID to raise toasts at all.
    const APP_ID: &str =
        "{1AC14E77-02E7-4E5D-B744-2EB1AE5198B7}\\WindowsPowerShell\\v1.0\\powershell.exe";

    pub fn show(note: &Note, page: &Path) -> Result<(), String> {
        let xml = toast_xml(note, &file_uri(page));
        let shown = || -> windows::core::Result<()> {
            let doc = XmlDocument::new()?;
            doc.LoadXml(&HSTRING::from(xml.as_str()))?;
            let toast = ToastNotification::CreateToastNotification(&doc)?;
            ToastNotificationManager::CreateToastNotifierWithId(&HSTRING::from(APP_ID))?
                .Show(&toast)
        };
        // Nothing to wait for: Windows opens the page when the toast is clicked, whenever.
        shown().map_err(|e| e.to_string())
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

#[cfg(test)]
mod toast_tests {
    use super::*;

    #[test]
    fn the_toast_opens_the_page_by_protocol_with_everything_escaped() {
        let note = Note {
            title: "readycheck: 未就绪".into(),
            body: "VPN <gateway> & \"DNS\"".into(),
            open_label: "打开报告".into(),
        };
        let uri = file_uri(Path::new(r"\\?\C:\Users\李 雷\AppData\r#1.html"));
        assert_eq!(
            uri,
            "file:///C:/Users/%E6%9D%8E%20%E9%9B%B7/AppData/r%231.html"
        );
        let xml = toast_xml(&note, &uri);
        assert!(xml.starts_with("<toast activationType=\"protocol\" launch=\"file:///C:/"));
        assert!(
            xml.contains("activationType=\"protocol\" arguments=\"file:///C:/"),
            "{xml}"
        );
        assert!(
            xml.contains("VPN &lt;gateway&gt; &amp; &quot;DNS&quot;"),
            "{xml}"
        );
        assert!(xml.contains("<text>readycheck: 未就绪</text>"), "{xml}");
    }
}
