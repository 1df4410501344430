//! Plugin file names, in one place for the host's discovery, the packaging and the tests: plugin
//! `<name>` is the shared library `readycheck_<name>` with the platform's prefix and suffix —
//! `libreadycheck_<name>.so` (Linux and other Unixes), `readycheck_<name>.dll` (Windows),
//! `libreadycheck_<name>.dylib` (macOS).

/// The file name of plugin `name` on `os` (as `std::env::consts::OS` spells it: `linux`,
/// `windows`, `macos`, …).
pub fn file_name_for(os: &str, name: &str) -> String {
    let (prefix, suffix) = affixes(os);
    format!("{prefix}readycheck_{name}{suffix}")
}

/// The file name of plugin `name` on this OS (`libreadycheck_network.so`).
pub fn file_name(name: &str) -> String {
    file_name_for(std::env::consts::OS, name)
}

/// The plugin name in a file name on this OS, if the file follows the convention and the name
/// is not empty and only ASCII letters, digits, `_` and `-`.
pub fn plugin_name(file_name: &str) -> Option<&str> {
    let (prefix, suffix) = affixes(std::env::consts::OS);
    let name = file_name
        .strip_prefix(prefix)?
        .strip_prefix("readycheck_")?
        .strip_suffix(suffix)?;
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(name)
}

/// The shared-library prefix and suffix on `os`.
fn affixes(os: &str) -> (&'static str, &'static str) {
    match os {
        "windows" => ("", ".dll"),
        "macos" => ("lib", ".dylib"),
        _ => ("lib", ".so"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_per_os() {
        assert_eq!(
            file_name_for("linux", "network"),
            "libreadycheck_network.so"
        );
        assert_eq!(
            file_name_for("windows", "network"),
            "readycheck_network.dll"
        );
        assert_eq!(
            file_name_for("macos", "network"),
            "libreadycheck_network.dylib"
        );
        // This build agrees with the platform's own prefix and suffix.
        assert_eq!(
            file_name("x"),
            format!(
                "{}readycheck_x{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )
        );
    }

    #[test]
    fn file_names_round_trip() {
        assert_eq!(plugin_name(&file_name("network")), Some("network"));
        assert_eq!(plugin_name(&file_name("corp-vpn_2")), Some("corp-vpn_2"));
        assert_eq!(plugin_name("readycheck.toml"), None);
        assert_eq!(plugin_name(&file_name("")), None);
        assert_eq!(plugin_name(&file_name("a b")), None);
        assert_eq!(plugin_name(&file_name("../x")), None);
    }
}
