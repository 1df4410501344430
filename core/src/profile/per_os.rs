//! Profile text given per operating system: `fix = { windows = "…", macos = { en = "…",
//! zh-CN = "…" }, other = "…" }`. The entry of the OS readycheck runs on is taken, else `other`;
//! on an OS with neither the text is absent (no advice rather than another OS's steps). Each
//! entry is a plain string or a table per language, parsed by the caller.

use toml_edit::{Item, TableLike};

use super::LocalText;

/// The keys a per-OS table may have.
pub const KEYS: &[&str] = &["windows", "macos", "linux", "other"];

/// Whether `table` is given per OS rather than per language: one of its keys names an OS.
pub fn applies(table: &dyn TableLike) -> bool {
    table.iter().any(|(k, _)| KEYS.contains(&k))
}

/// This OS's entry (else `other`), every entry parsed by `parse` so that mistakes in another
/// OS's text are reported too; returns it and the keys that name no OS.
pub fn pick(
    table: &dyn TableLike,
    mut parse: impl FnMut(&Item) -> Option<LocalText>,
) -> (Option<LocalText>, Vec<String>) {
    let mut mine = None;
    let mut other = None;
    let mut unknown = Vec::new();
    for (k, v) in table.iter() {
        if !KEYS.contains(&k) {
            unknown.push(k.to_string());
            continue;
        }
        let text = parse(v);
        if k == std::env::consts::OS {
            mine = text;
        } else if k == "other" {
            other = text;
        }
    }
    (mine.or(other), unknown)
}

#[cfg(test)]
mod tests {
    use crate::i18n::Locale;
    use crate::profile::{Profile, Source};

    #[test]
    fn a_fix_per_os_takes_this_os_else_other() {
        let text = r#"[profile]
name = { en = "Desk", zh-CN = "交易台" }

[[check]]
id = "a"
plugin = "network"
kind = "tcp"
target = "x:1"
fix = { windows = { en = "Open Settings.", zh-CN = "打开设置。" }, macos = "Open System Settings.", linux = "Run nmtui.", other = "Ask IT." }

[[check]]
id = "b"
plugin = "network"
kind = "tcp"
target = "x:1"
fix = { other = "Ask IT." }
"#;
        let p = Profile::parse(text, Source::Embedded).unwrap();
        let fix = p.checks[0].fix.as_ref().unwrap();
        let want = match std::env::consts::OS {
            "windows" => "Open Settings.",
            "macos" => "Open System Settings.",
            "linux" => "Run nmtui.",
            _ => "Ask IT.",
        };
        assert_eq!(fix.get(crate::i18n::Locale::En), want);
        assert_eq!(
            p.checks[1]
                .fix
                .as_ref()
                .unwrap()
                .get(crate::i18n::Locale::En),
            "Ask IT."
        );
        assert_eq!(p.names.get(crate::i18n::Locale::ZhCn), "交易台");
        assert_eq!(p.names.translations()["zh-CN"], "交易台");
    }

    #[test]
    fn a_misspelt_os_is_reported() {
        let text = "[profile]\nname = \"x\"\n\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"x:1\"\nfix = { windws = \"a\", linux = \"b\" }\n";
        let e = Profile::parse(text, Source::Embedded).unwrap_err();
        assert!(e.render(Locale::En).contains("windws"), "{e}");
    }
}
