//! Finding plugin files: the search path of DESIGN.md, in order — `--plugin-dir`,
//! `READYCHECK_PLUGIN_PATH`, the profile's `[plugins] dirs`, `<exe dir>/plugins`, `<exe dir>`,
//! the OS's system plugin directory — and never the working directory. The first file found
//! for a plugin name wins. Each file gets its sha256 and a trust verdict; nothing is loaded here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::trust;

/// `lib` on Unix, nothing on Windows.
pub const PREFIX: &str = if cfg!(windows) { "" } else { "lib" };
/// `.so`, `.dll` or `.dylib`.
pub const SUFFIX: &str = if cfg!(windows) {
    ".dll"
} else if cfg!(target_os = "macos") {
    ".dylib"
} else {
    ".so"
};

/// The file name of plugin `name` on this OS (`libreadycheck_network.so`).
pub fn file_name(name: &str) -> String {
    format!("{PREFIX}readycheck_{name}{SUFFIX}")
}

/// The plugin name of a file name, if it follows the convention.
pub fn plugin_name(file_name: &str) -> Option<&str> {
    let name = file_name
        .strip_prefix(PREFIX)?
        .strip_prefix("readycheck_")?
        .strip_suffix(SUFFIX)?;
    (!name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then_some(name)
}

/// The OS's system plugin directory.
pub fn system_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        std::env::var_os("ProgramFiles")
            .map(|p| PathBuf::from(p).join("readycheck").join("plugins"))
    } else if cfg!(target_os = "macos") {
        Some(PathBuf::from(
            "/Library/Application Support/readycheck/plugins",
        ))
    } else {
        Some(PathBuf::from("/usr/lib/readycheck/plugins"))
    }
}

/// The ordered search path.
pub fn search_path(
    cli_dirs: &[PathBuf],
    profile_dirs: &[PathBuf],
    exe_dir: Option<&Path>,
) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = cli_dirs.to_vec();
    if let Some(env) = std::env::var_os("READYCHECK_PLUGIN_PATH") {
        dirs.extend(std::env::split_paths(&env).filter(|p| !p.as_os_str().is_empty()));
    }
    dirs.extend(profile_dirs.iter().cloned());
    if let Some(exe) = exe_dir {
        dirs.push(exe.join("plugins"));
        dirs.push(exe.to_path_buf());
    }
    dirs.extend(system_dir());
    let mut seen = Vec::new();
    dirs.retain(|d| {
        if seen.contains(d) {
            false
        } else {
            seen.push(d.clone());
            true
        }
    });
    dirs
}

/// A plugin file found on the search path.
#[derive(Debug, Clone)]
pub struct PluginFile {
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
    /// `Err(reason)` if the file must not be loaded.
    pub trust: Result<(), String>,
}

/// Scans `dirs` for plugin files and judges those in `wanted` (all when `None`): only the
/// plugins a run uses are hashed and checked. `pins` are the profile's sha256 pins.
pub fn scan(
    dirs: &[PathBuf],
    pins: &BTreeMap<String, String>,
    wanted: Option<&[String]>,
) -> BTreeMap<String, PluginFile> {
    let mut found: BTreeMap<String, PluginFile> = BTreeMap::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut names: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let fname = e.file_name().to_string_lossy().into_owned();
                plugin_name(&fname).map(|n| (n.to_string(), e.path()))
            })
            .collect();
        names.sort();
        for (name, path) in names {
            if found.contains_key(&name) || wanted.is_some_and(|w| !w.contains(&name)) {
                continue;
            }
            found.insert(name.clone(), examine(&name, &path, pins));
        }
    }
    found
}

/// Hashes and judges one file.
pub fn examine(name: &str, path: &Path, pins: &BTreeMap<String, String>) -> PluginFile {
    let (sha256, read_err) = match std::fs::read(path) {
        Ok(bytes) => (crate::profile::hex_sha256(&bytes), None),
        Err(e) => (
            String::new(),
            Some(format!("cannot read {}: {e}", path.display())),
        ),
    };
    let trust = match read_err {
        Some(e) => Err(e),
        None => {
            trust::check_file(path).and_then(|()| trust::check_pin(name, &sha256, pins.get(name)))
        }
    };
    PluginFile {
        name: name.to_string(),
        path: path.to_path_buf(),
        sha256,
        trust,
    }
}

/// Lower-case hex sha256 of a file, read in chunks (plugins can be several megabytes).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_hash_equals_whole_file_hash() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("x");
        std::fs::write(&f, vec![7u8; 200_000]).unwrap();
        assert_eq!(
            file_sha256(&f).unwrap(),
            crate::profile::hex_sha256(&vec![7u8; 200_000])
        );
    }

    #[test]
    fn file_names_round_trip() {
        let f = file_name("network");
        assert_eq!(plugin_name(&f), Some("network"));
        assert_eq!(plugin_name("readycheck.toml"), None);
        assert_eq!(plugin_name(&format!("{PREFIX}readycheck_{SUFFIX}")), None);
    }

    #[test]
    fn working_directory_is_never_searched() {
        let cwd = std::env::current_dir().unwrap();
        let path = search_path(&[], &[], Some(Path::new("/opt/rc")));
        assert!(!path.contains(&cwd) || cwd == Path::new("/opt/rc"));
        assert_eq!(path[0], Path::new("/opt/rc/plugins"));
    }
}
