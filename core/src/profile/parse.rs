//! TOML → [`Profile`] with spans: the file's sections (`[profile]`, `[plugins]`, `[report]`,
//! `[[check]]`) read by hand rather than through serde, so that every problem is collected with
//! its position and field — unknown keys with a suggestion, wrong types, missing keys, placeholder
//! pins, duplicate ids, unknown `needs` and dependency cycles — and all reported together. The
//! building blocks are in [`super::toml_read`], one check in [`super::check`], the references
//! between checks in [`super::graph`].

use std::path::Path;

use toml_edit::{Item, Table};

use readycheck_sdk::i18n::Locale;
use readycheck_sdk::t;

use super::check::parse_check;
use super::diagnostic::Diagnostic;
use super::graph::check_graph;
use super::toml_read::{
    Cx, What, field_path, get_duration, get_local_text, get_string, get_string_list, item_span,
    key_span, type_name,
};
use super::{PluginSettings, Profile, ReportSettings, Source};

const TOP_KEYS: &[&str] = &["profile", "check", "plugins", "report"];
const REPORT_KEYS: &[&str] = &["submit", "auth_header_env", "notify"];
const PROFILE_KEYS: &[&str] = &[
    "name",
    "version",
    "contact",
    "timeout",
    "deadline",
    "description",
    "update",
];
const PLUGINS_KEYS: &[&str] = &["dirs", "sha256"];

/// Reports every unknown key of `table`.
fn unknown_keys(cx: &mut Cx, table: &Table, what: &What, known: &[&str]) {
    for (key, _) in table.iter() {
        if !known.contains(&key) {
            cx.unknown_key(what, key, key_span(table, key), known);
        }
    }
}

/// A section that is not a table (`profile = 1`).
fn not_a_table(cx: &mut Cx, key: &str, other: &Item) {
    cx.err(
        t!("profile.must_be_table", key = key, found = type_name(other)),
        item_span(other),
        key.to_string(),
    );
}

/// Reads the profile as far as it goes. Every problem found is returned; the profile is `None`
/// only when the text is not TOML at all. A profile returned beside errors holds every check
/// that has an id, a plugin and a kind, with defaults where values were wrong, so that its
/// checks can still be judged against their plugins.
pub(super) fn parse(text: &str, base_dir: Option<&Path>) -> (Option<Profile>, Vec<Diagnostic>) {
    let doc = match toml_edit::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let msg = e.message().trim().to_string();
            let d = Diagnostic::new(t!("profile.not_toml", error = msg), e.span())
                .help(t!("profile.toml_help"));
            return (None, vec![d]);
        }
    };
    let root = doc.as_table();
    let mut cx = Cx { diags: Vec::new() };
    unknown_keys(
        &mut cx,
        root,
        &What::words(t!("profile.what.file"), ""),
        TOP_KEYS,
    );

    // [profile]
    let mut name = None;
    let mut version = None;
    let mut contact = None;
    let mut timeout = None;
    let mut deadline = None;
    match root.get("profile") {
        Some(Item::Table(t)) => {
            let what = &What::section("[profile]", "profile");
            unknown_keys(&mut cx, t, what, PROFILE_KEYS);
            name = get_local_text(&mut cx, t, "name", what);
            if name.is_none() && t.get("name").is_none() {
                cx.err_help(
                    t!("profile.no_name"),
                    t.span(),
                    what.field("name"),
                    t!("profile.no_name_help"),
                );
            }
            version = get_string(&mut cx, t, "version", what).map(|(s, _)| s);
            contact = get_string(&mut cx, t, "contact", what).map(|(s, _)| s);
            let _ = get_string(&mut cx, t, "description", what);
            timeout = get_duration(&mut cx, t, "timeout", what);
            deadline = get_duration(&mut cx, t, "deadline", what);
            // Where signed updates are served: checked here, used by crate::signing.
            for d in crate::signing::update::diagnostics(t) {
                cx.push(d.field(what.field("update")));
            }
        }
        Some(other) => not_a_table(&mut cx, "profile", other),
        None => cx.err_help(
            t!("profile.no_profile"),
            Some(0..0),
            "profile".into(),
            t!("profile.no_profile_help"),
        ),
    }

    // [plugins]
    let mut plugins = PluginSettings::default();
    match root.get("plugins") {
        Some(Item::Table(t)) => {
            let what = &What::section("[plugins]", "plugins");
            unknown_keys(&mut cx, t, what, PLUGINS_KEYS);
            if let Some(dirs) = get_string_list(&mut cx, t, "dirs", what) {
                for (d, _) in dirs {
                    let p = Path::new(&d);
                    plugins.dirs.push(match base_dir {
                        Some(base) if p.is_relative() => base.join(p),
                        _ => p.to_path_buf(),
                    });
                }
            }
            if let Some(item) = t.get("sha256") {
                read_pins(&mut cx, item, &mut plugins);
            }
        }
        Some(other) => not_a_table(&mut cx, "plugins", other),
        None => {}
    }

    // [report]
    let mut report = ReportSettings::default();
    match root.get("report") {
        Some(Item::Table(t)) => {
            let what = &What::section("[report]", "report");
            unknown_keys(&mut cx, t, what, REPORT_KEYS);
            if let Some((url, span)) = get_string(&mut cx, t, "submit", what) {
                if url.starts_with("http://") || url.starts_with("https://") {
                    report.submit = Some(url);
                } else {
                    cx.err_help(
                        t!("profile.submit_not_url", url = url),
                        span,
                        what.field("submit"),
                        t!("profile.submit_help"),
                    );
                }
            }
            report.auth_header_env =
                get_string(&mut cx, t, "auth_header_env", what).map(|(s, _)| s);
            if let Some((v, span)) = get_string(&mut cx, t, "notify", what) {
                match crate::notify::When::parse(&v) {
                    Some(w) => report.notify = w,
                    None => cx.err_help(
                        t!("profile.bad_notify", value = v),
                        span,
                        what.field("notify"),
                        t!("profile.notify_help"),
                    ),
                }
            }
        }
        Some(other) => not_a_table(&mut cx, "report", other),
        None => {}
    }

    // [[check]]
    let mut checks = Vec::new();
    match root.get("check") {
        Some(Item::ArrayOfTables(arr)) => {
            for (i, t) in arr.iter().enumerate() {
                if let Some(c) = parse_check(&mut cx, t, i) {
                    checks.push(c);
                }
            }
        }
        Some(other) => cx.err_help(
            t!("profile.check_not_sections", found = type_name(other)),
            item_span(other),
            "check".into(),
            t!("profile.check_sections_help"),
        ),
        None => {}
    }

    check_graph(&mut cx, &checks);

    let profile = Profile {
        source: Source::Embedded,
        text: text.to_string(),
        sha256: String::new(),
        name: name
            .as_ref()
            .map(|n| n.get(Locale::En).to_string())
            .unwrap_or_default(),
        names: name.unwrap_or_default(),
        version,
        contact,
        timeout: timeout.unwrap_or(super::DEFAULT_TIMEOUT),
        deadline: deadline.unwrap_or(super::DEFAULT_DEADLINE),
        plugins,
        report,
        checks,
    };
    (Some(profile), cx.diags)
}

/// What a `[plugins] sha256` value is.
#[derive(Debug, PartialEq)]
enum Pin {
    /// 64 hex digits, lower-cased.
    Hash(String),
    /// 64 times the same digit (all zeros): a hash, but surely no file's.
    Dummy(String),
    /// Text standing for a hash (`"9f2c…64 hex digits"`, `"<sha256>"`, `""`).
    Placeholder,
    /// Something else that is not 64 hex digits.
    Malformed,
}

fn judge_pin(v: &str) -> Pin {
    if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        let h = v.to_ascii_lowercase();
        return if h.bytes().all(|b| b == h.as_bytes()[0]) {
            Pin::Dummy(h)
        } else {
            Pin::Hash(h)
        };
    }
    let lower = v.to_lowercase();
    const WORDS: &[&str] = &[
        "…", "...", "<", ">", "{", "}", "hex", "sha", "hash", "digest", "todo", "fixme", "tbd",
        "replace", "xxxx", "your", "here",
    ];
    if v.trim().is_empty() || WORDS.iter().any(|w| lower.contains(w)) {
        Pin::Placeholder
    } else {
        Pin::Malformed
    }
}

/// `sha256 = { network = "64 hex digits" }`: the pins, every value judged.
fn read_pins(cx: &mut Cx, item: &Item, plugins: &mut PluginSettings) {
    let Some(pins) = item.as_table_like() else {
        cx.err(
            t!("profile.pins_must_be_table", found = type_name(item)),
            item_span(item),
            "plugins.sha256".into(),
        );
        return;
    };
    for (plugin, v) in pins.iter() {
        let span = item_span(v);
        let field = field_path("plugins.sha256", plugin);
        let Some(value) = v.as_str() else {
            cx.err_help(
                t!("profile.bad_pin", plugin = plugin),
                span,
                field,
                t!("profile.pin_help"),
            );
            continue;
        };
        match judge_pin(value) {
            Pin::Hash(h) => {
                plugins.sha256.insert(plugin.to_string(), h);
            }
            Pin::Dummy(h) => {
                // Kept: the plugin is refused until the pin is replaced, as pinned.
                cx.push(
                    Diagnostic::new(
                        t!("profile.pin_dummy", plugin = plugin, value = &h[..8]),
                        span,
                    )
                    .field(field)
                    .help(t!("profile.pin_help"))
                    .warning(),
                );
                plugins.sha256.insert(plugin.to_string(), h);
            }
            Pin::Placeholder => cx.err_help(
                t!("profile.pin_placeholder", plugin = plugin, value = value),
                span,
                field,
                t!("profile.pin_help"),
            ),
            Pin::Malformed => cx.err_help(
                t!("profile.bad_pin", plugin = plugin),
                span,
                field,
                t!("profile.pin_help"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Profile, Severity};
    use super::*;
    use crate::i18n::Locale;

    fn errors(text: &str) -> Vec<Diagnostic> {
        let (_, diags) = parse(text, None);
        assert!(diags.iter().any(Diagnostic::is_error), "expected errors");
        diags
    }

    const HEAD: &str = "[profile]\nname = \"t\"\n";

    #[test]
    fn a_good_profile_parses_with_params_and_defaults() {
        let text = format!(
            "{HEAD}timeout = \"2s\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntarget = \"h:1\"\ncount = 3\n\n[[check]]\nid = \"b\"\nplugin = \"network\"\nkind = \"tcp\"\nneeds = [\"a\"]\nseverity = \"info\"\n"
        );
        let p = Profile::parse(&text, Source::Embedded).unwrap();
        assert_eq!(p.timeout, Duration::from_secs(2));
        assert_eq!(p.checks.len(), 2);
        assert_eq!(p.checks[0].title.get(Locale::En), "a");
        assert_eq!(p.checks[0].params["target"], "h:1");
        assert_eq!(p.checks[0].params["count"], 3);
        assert_eq!(p.checks[1].severity, Severity::Info);
        assert_eq!(p.checks[1].needs, vec!["a"]);
    }

    #[test]
    fn all_errors_are_reported_together() {
        let text = format!(
            "{HEAD}tiemout = \"5s\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\nseverity = \"requried\"\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\nneeds = [\"zz\"]\n"
        );
        let d = errors(&text);
        let msgs: Vec<String> = d.iter().map(|d| d.message_in(Locale::En)).collect();
        assert!(
            msgs.iter().any(|m| m.contains("unknown key `tiemout`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("unknown severity `requried`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("duplicate check id `a`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("needs `zz`")), "{msgs:?}");
        let tiemout = d
            .iter()
            .find(|d| d.message_in(Locale::En).contains("tiemout"))
            .unwrap();
        assert_eq!(
            tiemout.help_in(Locale::En).as_deref(),
            Some("did you mean `timeout`?")
        );
        assert_eq!(&text[tiemout.span.clone().unwrap()], "tiemout");
    }

    #[test]
    fn cycles_are_named() {
        let text = format!(
            "{HEAD}[[check]]\nid = \"a\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"b\"]\n[[check]]\nid = \"b\"\nplugin = \"p\"\nkind = \"k\"\nneeds = [\"a\"]\n"
        );
        let d = errors(&text);
        assert!(
            d.iter()
                .any(|d| d.message_in(Locale::En) == "dependency cycle: a → b → a"),
            "{d:?}"
        );
    }

    #[test]
    fn syntax_errors_point_at_the_line() {
        let text = format!("{HEAD}[[check]]\nid = vpn\n");
        let d = errors(&text);
        assert_eq!(d.len(), 1);
        let (line, _) = super::super::diagnostic::line_col(&text, d[0].span.clone().unwrap().start);
        assert_eq!(line, 4, "{d:?}");
    }

    #[test]
    fn missing_keys_and_bad_durations() {
        let text = "[profile]\ntimeout = \"soon\"\n[[check]]\nplugin = \"p\"\n";
        let d = errors(text);
        let msgs: Vec<String> = d.iter().map(|d| d.message_in(Locale::En)).collect();
        assert!(msgs.iter().any(|m| m.contains("has no `name`")), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.contains("not a duration")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("check #1 has no `id`")),
            "{msgs:?}"
        );
        assert!(msgs.iter().any(|m| m.contains("has no `kind`")), "{msgs:?}");
    }

    #[test]
    fn a_profile_with_errors_still_holds_its_checks_and_every_field_is_named() {
        let text = format!(
            "{HEAD}deadline = \"soon\"\nupdate = 5\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\ntimeout = \"fast\"\nos = [\"linux\", \"windoze\"]\nfixes = {{ company = 5, \"x.y.z\" = {{ en = \"e\", fr = \"f\" }} }}\n[[check]]\nid = \"a\"\nplugin = \"network\"\nkind = \"tcp\"\nneeds = [\"b\"]\n"
        );
        let (profile, diags) = parse(&text, None);
        let profile = profile.expect("a profile beside its errors");
        assert_eq!(profile.checks.len(), 2, "both checks kept");
        assert_eq!(profile.checks[1].spans.index, 1);
        let fields: Vec<&str> = diags.iter().filter_map(|d| d.field.as_deref()).collect();
        assert_eq!(
            diags.len(),
            fields.len(),
            "every problem names its field: {diags:?}"
        );
        for want in [
            "profile.deadline",
            "profile.update",
            "check[0].timeout",
            "check[0].os[1]",
            "check[0].fixes.company",
            "check[0].fixes.\"x.y.z\".fr",
            "check[1].id",
            "check[1].needs[0]",
        ] {
            assert!(fields.contains(&want), "{want} in {fields:?}");
        }
        // The duplicate points at the second id's value.
        let dup = diags
            .iter()
            .find(|d| d.code() == "profile.duplicate_id")
            .unwrap();
        assert_eq!(&text[dup.span.clone().unwrap()], "\"a\"");
        assert_eq!(
            super::super::diagnostic::line_col(&text, dup.span.clone().unwrap().start).0,
            text[..text.rfind("id = \"a\"").unwrap()].lines().count() + 1
        );
    }

    #[test]
    fn placeholder_pins_say_they_are_placeholders_and_how_to_get_the_hash() {
        for value in [
            "9f2c…64 hex digits",
            "<sha256>",
            "",
            "REPLACE-ME",
            "sha256 of the file",
        ] {
            let text = format!("{HEAD}[plugins]\nsha256 = {{ network = \"{value}\" }}\n");
            let d = errors(&text);
            assert_eq!(d.len(), 1, "{d:?}");
            assert_eq!(d[0].code(), "profile.pin_placeholder", "{value}");
            assert_eq!(d[0].field.as_deref(), Some("plugins.sha256.network"));
            let msg = d[0].message_in(Locale::En);
            assert!(msg.contains("placeholder"), "{msg}");
            let help = d[0].help_in(Locale::En).unwrap();
            assert!(help.contains("readycheck plugins"), "{help}");
            assert!(help.contains("sha256sum"), "{help}");
            assert!(help.contains("certutil -hashfile"), "{help}");
            assert!(d[0].help_in(Locale::ZhCn).unwrap().contains("certutil"));
        }
        // A wrong value that stands for nothing is not called a placeholder.
        let d = errors(&format!(
            "{HEAD}[plugins]\nsha256 = {{ network = \"9f2c0a\" }}\n"
        ));
        assert_eq!(d[0].code(), "profile.bad_pin");
        // 64 zeros is a hash no file has: a warning, and the pin is kept (the plugin is
        // refused until it is replaced).
        let zeros = "0".repeat(64);
        let text = format!("{HEAD}[plugins]\nsha256 = {{ network = \"{zeros}\" }}\n");
        let (p, d) = parse(&text, None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(!d[0].is_error());
        assert!(d[0].message_in(Locale::En).contains("placeholder"));
        assert_eq!(p.unwrap().plugins.sha256["network"], zeros);
        assert!(
            Profile::parse(&text, Source::Embedded).is_ok(),
            "warnings do not stop a run"
        );
        let good = "9f".repeat(32);
        let (p, d) = parse(
            &format!(
                "{HEAD}[plugins]\nsha256 = {{ network = \"{}\" }}\n",
                good.to_uppercase()
            ),
            None,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.unwrap().plugins.sha256["network"], good);
    }

    #[test]
    fn embedded_default_profile_is_valid() {
        let p = Profile::embedded();
        assert!(!p.checks.is_empty());
    }
}
