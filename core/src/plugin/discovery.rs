//! Finding plugin files: the plugin search path, in order — `--plugin-dir`,
//! `READYCHECK_PLUGIN_PATH`, the profile's `[plugins] dirs`, `<exe dir>/plugins`, `<exe dir>`,
//! the OS's system plugin directory — and never the working directory. Each file gets its
//! sha256 and a trust verdict; nothing is loaded here.
//!
//! **The first trusted file wins.** A file that is refused (not a regular file, too big,
//! writable by others, a sha256 pin that does not match, …) does not hide a trusted file of the
//! same plugin further down the path: that one is used, and the refused ones are kept in
//! [`PluginFile::passed_over`] with why, so the run warns and the report lists which file was
//! used and which were refused. When no file is trusted, the plugin is refused for the first
//! file's reason.
//!
//! Nothing here can hang or exhaust memory: the type and size of a file are decided from its
//! metadata before it is opened (a FIFO, a device or a symlink to one is refused unopened; so
//! is a file over [`SIZE_CAP`]), it is opened without blocking and checked again through the
//! open descriptor, and discovery stops at the run's deadline.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::trust;

/// Plugin file names (`libreadycheck_network.so`, `readycheck_network.dll`, …) and back: one
/// convention, kept in the SDK, for the host, the packaging and the tests.
pub use readycheck_sdk::file::{file_name, file_name_for, plugin_name};

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

/// The largest plugin file examined: a library larger than this is refused unread.
pub const SIZE_CAP: u64 = 256 * 1024 * 1024;

/// A plugin file found on the search path.
#[derive(Debug, Clone)]
pub struct PluginFile {
    pub name: String,
    pub path: PathBuf,
    pub sha256: String,
    /// `Err(reason)` if the file must not be loaded.
    pub trust: Result<(), String>,
    /// Files of the same plugin earlier on the search path that were refused, with why.
    pub passed_over: Vec<(PathBuf, String)>,
    /// Discovery stopped (the run's deadline, a signal) before this file was judged.
    pub interrupted: bool,
}

/// Scans `dirs` for plugin files and judges those in `wanted` (all when `None`): only the
/// plugins a run uses are hashed and checked. `pins` are the profile's sha256 pins. Stops
/// judging files at `deadline` or when the run is stopped.
pub fn scan(
    dirs: &[PathBuf],
    pins: &BTreeMap<String, String>,
    wanted: Option<&[String]>,
    deadline: Option<std::time::Instant>,
) -> BTreeMap<String, PluginFile> {
    let mut found: BTreeMap<String, PluginFile> = BTreeMap::new();
    // Refused files per plugin name, until a trusted one turns up.
    let mut refused: BTreeMap<String, Vec<PluginFile>> = BTreeMap::new();
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
            let stop = super::isolate::stopping()
                || deadline.is_some_and(|d| std::time::Instant::now() >= d);
            let mut file = if stop {
                PluginFile {
                    name: name.clone(),
                    path: path.clone(),
                    sha256: String::new(),
                    trust: Err("the run was stopped (its deadline or a signal) before this file was examined".into()),
                    passed_over: Vec::new(),
                    interrupted: true,
                }
            } else {
                examine(&name, &path, pins)
            };
            if file.trust.is_ok() || file.interrupted {
                file.passed_over = refused
                    .remove(&name)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| (f.path, f.trust.err().unwrap_or_default()))
                    .collect();
                found.insert(name, file);
            } else {
                refused.entry(name).or_default().push(file);
            }
        }
    }
    // No trusted file: the plugin is refused for its first file's reason.
    for (name, mut files) in refused {
        let mut first = files.remove(0);
        first.passed_over = files
            .into_iter()
            .map(|f| (f.path, f.trust.err().unwrap_or_default()))
            .collect();
        found.insert(name, first);
    }
    found
}

/// Reads a plugin file without ever blocking or reading without end: only a regular file (a
/// symlink is followed to one) of at most [`SIZE_CAP`] bytes, decided from its metadata before
/// it is opened, opened without blocking, and checked again through the open descriptor.
fn read_plugin(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "{shown} is not a regular file ({}); only a regular file is loaded",
            kind_of(&meta)
        ));
    }
    if meta.len() > SIZE_CAP {
        return Err(format!(
            "{shown} is {} bytes, over the {SIZE_CAP} byte limit for a plugin",
            meta.len()
        ));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let f = opts
        .open(path)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    let opened = f
        .metadata()
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    #[cfg(unix)]
    let same = {
        use std::os::unix::fs::MetadataExt;
        opened.dev() == meta.dev() && opened.ino() == meta.ino()
    };
    #[cfg(not(unix))]
    let same = true;
    if !opened.is_file() || !same {
        return Err(format!("{shown} was replaced while it was being examined"));
    }
    let mut bytes = Vec::with_capacity(opened.len().min(SIZE_CAP) as usize);
    f.take(SIZE_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {shown}: {e}"))?;
    if bytes.len() as u64 > SIZE_CAP {
        return Err(format!(
            "{shown} grew over the {SIZE_CAP} byte limit while it was read"
        ));
    }
    Ok(bytes)
}

/// "a FIFO", "a character device", … for a refusal.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a file"
}

/// Hashes and judges one file.
pub fn examine(name: &str, path: &Path, pins: &BTreeMap<String, String>) -> PluginFile {
    let (sha256, trust) = match read_plugin(path) {
        Ok(bytes) => {
            let sha256 = crate::profile::hex_sha256(&bytes);
            let trust = trust::check_file(path)
                .and_then(|()| trust::check_pin(name, &sha256, pins.get(name)));
            (sha256, trust)
        }
        Err(e) => (String::new(), Err(e)),
    };
    PluginFile {
        name: name.to_string(),
        path: path.to_path_buf(),
        sha256,
        trust,
        passed_over: Vec::new(),
        interrupted: false,
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

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_loops_are_refused_unopened_and_do_not_shadow_a_trusted_file() {
        use std::os::unix::fs::{PermissionsExt, symlink};
        let root = tempfile::tempdir().unwrap();
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let dirs: Vec<PathBuf> = ["a", "b", "c", "d", "good"]
            .iter()
            .map(|d| {
                let p = root.path().join(d);
                std::fs::create_dir(&p).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
                p
            })
            .collect();
        let f = file_name("x");
        let fifo = std::ffi::CString::new(dirs[0].join(&f).to_str().unwrap()).unwrap();
        // SAFETY: mkfifo with a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        symlink("/dev/zero", dirs[1].join(&f)).unwrap();
        symlink(dirs[2].join(&f), dirs[2].join(&f)).unwrap(); // a loop
        symlink(dirs[3].join("y"), dirs[3].join(&f)).unwrap();
        symlink(dirs[3].join(&f), dirs[3].join("y")).unwrap(); // a longer loop
        std::fs::write(dirs[4].join(&f), b"\x7fELF a library").unwrap();
        std::fs::set_permissions(dirs[4].join(&f), std::fs::Permissions::from_mode(0o644)).unwrap();
        let found = scan(&dirs, &BTreeMap::new(), None, None);
        let x = &found["x"];
        assert_eq!(x.path, dirs[4].join(&f));
        assert!(x.trust.is_ok(), "{:?}", x.trust);
        let reasons: Vec<&str> = x.passed_over.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(reasons.len(), 4, "{reasons:?}");
        assert!(reasons[0].contains("a FIFO"), "{reasons:?}");
        assert!(reasons[1].contains("a character device"), "{reasons:?}");
        assert!(reasons[2].contains("cannot read"), "{reasons:?}");

        // Nothing trusted: refused for the first file's reason, the others listed.
        let found = scan(&dirs[..2], &BTreeMap::new(), None, None);
        assert!(found["x"].trust.as_ref().unwrap_err().contains("FIFO"));
        assert_eq!(found["x"].passed_over.len(), 1);
    }

    #[test]
    fn working_directory_is_never_searched() {
        let cwd = std::env::current_dir().unwrap();
        let path = search_path(&[], &[], Some(Path::new("/opt/rc")));
        assert!(!path.contains(&cwd) || cwd == Path::new("/opt/rc"));
        assert_eq!(path[0], Path::new("/opt/rc/plugins"));
    }
}
