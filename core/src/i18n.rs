//! The host's language: which locale this run speaks (`--lang`, `READYCHECK_LANG`, the POSIX
//! locale variables or the Windows UI language, else English), the host's own message catalogs
//! (`core/i18n/*.txt`), and a UTF-8 console on Windows.

use std::sync::OnceLock;

pub use readycheck_sdk::i18n::{Arg, Catalogs, Locale, Msg};

/// The host's catalog files as embedded: (English, Simplified Chinese).
pub const CATALOG_TEXTS: (&str, &str) = (
    include_str!("../i18n/en.txt"),
    include_str!("../i18n/zh-CN.txt"),
);

/// The host's message catalogs.
pub fn catalogs() -> &'static Catalogs {
    static C: OnceLock<Catalogs> = OnceLock::new();
    C.get_or_init(|| Catalogs::embedded(CATALOG_TEXTS.0, CATALOG_TEXTS.1))
}

static CURRENT: OnceLock<Locale> = OnceLock::new();

/// Sets the locale of this process (once; later calls are ignored).
pub fn set_current(locale: Locale) {
    let _ = CURRENT.set(locale);
}

/// The locale of this process: what [`set_current`] chose, else what the environment says.
pub fn current() -> Locale {
    *CURRENT.get_or_init(|| from_environment(&|k| std::env::var(k).ok()))
}

/// Renders a host message in `locale`.
pub fn render(locale: Locale, msg: &Msg) -> String {
    catalogs().render(locale, msg)
}

/// A host message in a given locale: `tr!(locale, "report.start_here")`,
/// `tr!(locale, "run.needs_not_passed", needs = list)`.
#[macro_export]
macro_rules! tr {
    ($locale:expr, $id:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::render($locale, &readycheck_sdk::t!($id $(, $name = $value)*))
    };
}

/// The locale a `--lang` value names, or an error that lists the choices.
pub fn from_flag(value: &str) -> Result<Locale, String> {
    Locale::parse(value).ok_or_else(|| {
        format!("readycheck does not speak `{value}`; use --lang en or --lang zh-CN")
    })
}

/// The locale the environment asks for: `READYCHECK_LANG`, then (Unix) the first set of
/// `LC_ALL`, `LC_MESSAGES`, `LANG` — or (Windows) the user's UI language — then English. A
/// language readycheck has no catalog for reads English.
pub fn from_environment(var: &dyn Fn(&str) -> Option<String>) -> Locale {
    let set = |k: &str| var(k).filter(|v| !v.trim().is_empty());
    if let Some(v) = set("READYCHECK_LANG") {
        return Locale::parse(&v).unwrap_or_default();
    }
    if cfg!(windows) {
        return windows_ui_language().unwrap_or_default();
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|k| set(k))
        .map(|v| Locale::parse(&v).unwrap_or_default())
        .unwrap_or_default()
}

/// The Windows user interface language, from its LANGID: any Chinese UI reads zh-CN.
#[cfg(windows)]
fn windows_ui_language() -> Option<Locale> {
    // SAFETY: no arguments; returns the calling user's UI language id.
    let langid = unsafe { windows_sys::Win32::Globalization::GetUserDefaultUILanguage() };
    Some(locale_of_langid(langid))
}

#[cfg(not(windows))]
fn windows_ui_language() -> Option<Locale> {
    None
}

/// The locale of a Windows LANGID (primary language in the low 10 bits; 0x04 is Chinese).
pub fn locale_of_langid(langid: u16) -> Locale {
    if langid & 0x3ff == 0x04 {
        Locale::ZhCn
    } else {
        Locale::En
    }
}

/// Makes the Windows console show UTF-8 output as UTF-8 (code page 65001), so Chinese text
/// written by readycheck or by programs it starts is not mojibake in `cmd.exe`. Elsewhere a
/// no-op.
pub fn utf8_console() {
    #[cfg(windows)]
    // SAFETY: plain calls with a constant code page; failure (no console) is harmless.
    unsafe {
        windows_sys::Win32::System::Console::SetConsoleOutputCP(65001);
        windows_sys::Win32::System::Console::SetConsoleCP(65001);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| v.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    #[cfg(unix)]
    fn environment_order() {
        assert_eq!(from_environment(&env(&[])), Locale::En);
        assert_eq!(
            from_environment(&env(&[("LANG", "zh_CN.UTF-8")])),
            Locale::ZhCn
        );
        assert_eq!(
            from_environment(&env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "en_US.UTF-8")])),
            Locale::En
        );
        assert_eq!(
            from_environment(&env(&[
                ("LC_ALL", ""),
                ("LC_MESSAGES", "zh_CN"),
                ("LANG", "C")
            ])),
            Locale::ZhCn
        );
        assert_eq!(
            from_environment(&env(&[("READYCHECK_LANG", "en"), ("LANG", "zh_CN.UTF-8")])),
            Locale::En
        );
        assert_eq!(
            from_environment(&env(&[("LANG", "de_DE.UTF-8")])),
            Locale::En
        );
    }

    #[test]
    fn windows_langids() {
        assert_eq!(locale_of_langid(0x0804), Locale::ZhCn);
        assert_eq!(locale_of_langid(0x1004), Locale::ZhCn);
        assert_eq!(locale_of_langid(0x0409), Locale::En);
        assert_eq!(locale_of_langid(0x0407), Locale::En);
    }

    #[test]
    fn flag_values() {
        assert_eq!(from_flag("zh-CN"), Ok(Locale::ZhCn));
        assert_eq!(from_flag("en"), Ok(Locale::En));
        assert!(from_flag("fr").unwrap_err().contains("--lang zh-CN"));
    }

    #[test]
    fn host_catalogs_are_complete() {
        let problems = readycheck_sdk::i18n::check_catalogs(CATALOG_TEXTS.0, CATALOG_TEXTS.1);
        assert!(problems.is_empty(), "core/i18n:\n{}", problems.join("\n"));
    }
}
