//! Whether a plugin file may be loaded, decided before anything loads it (loading runs code).
//! On Unix, like sudo and sshd: the file and its directories must not be writable by group or
//! others and must belong to root or the current user; world-writable sticky directories above
//! the plugin's own directory (such as /tmp) are accepted, as no one else can replace an entry
//! in them. On every OS a profile may pin the file's sha256, and a mismatch refuses it.

use std::path::Path;

/// Why a file is not trusted, or `Ok` if it is.
pub fn check_file(path: &Path) -> Result<(), String> {
    imp::check_file(path)
}

/// Compares a file's sha256 with a profile's pin.
pub fn check_pin(name: &str, actual: &str, pinned: Option<&String>) -> Result<(), String> {
    match pinned {
        Some(p) if !p.eq_ignore_ascii_case(actual) => Err(format!(
            "sha256 {actual} does not match the profile's pin {p} for plugin `{name}`: the file was changed or replaced"
        )),
        _ => Ok(()),
    }
}

#[cfg(unix)]
mod imp {
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    fn owner_ok(uid: u32) -> bool {
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        uid == 0 || uid == me
    }

    pub fn check_file(path: &Path) -> Result<(), String> {
        let real = std::fs::canonicalize(path)
            .map_err(|e| format!("cannot resolve {}: {e}", path.display()))?;
        let meta =
            std::fs::metadata(&real).map_err(|e| format!("cannot read {}: {e}", real.display()))?;
        if !meta.is_file() {
            return Err(format!("{} is not a regular file", real.display()));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "{} is writable by group or others (mode {:o}); fix with: chmod go-w {}",
                real.display(),
                meta.mode() & 0o7777,
                real.display()
            ));
        }
        if !owner_ok(meta.uid()) {
            return Err(format!(
                "{} is owned by uid {}, neither root nor you; only plugins owned by root or yourself are loaded",
                real.display(),
                meta.uid()
            ));
        }
        let mut first = true;
        let mut dir = real.parent();
        while let Some(d) = dir {
            let m =
                std::fs::metadata(d).map_err(|e| format!("cannot read {}: {e}", d.display()))?;
            let sticky = m.mode() & 0o1000 != 0;
            if m.mode() & 0o022 != 0 && (first || !sticky) {
                return Err(format!(
                    "directory {} is writable by group or others (mode {:o}), so anyone could replace the plugin; fix with: chmod go-w {}",
                    d.display(),
                    m.mode() & 0o7777,
                    d.display()
                ));
            }
            if !owner_ok(m.uid()) {
                return Err(format!(
                    "directory {} is owned by uid {}, neither root nor you",
                    d.display(),
                    m.uid()
                ));
            }
            first = false;
            dir = d.parent();
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use std::path::Path;

    /// Windows ACLs are not inspected: trust there rests on the search path (never the working
    /// directory) and on sha256 pins in the profile.
    pub fn check_file(path: &Path) -> Result<(), String> {
        let meta =
            std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if !meta.is_file() {
            return Err(format!("{} is not a regular file", path.display()));
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn world_writable_file_and_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let f = dir.path().join("libreadycheck_x.so");
        std::fs::write(&f, b"x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(check_file(&f), Ok(()));

        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o666)).unwrap();
        let e = check_file(&f).unwrap_err();
        assert!(
            e.contains("writable by group or others") && e.contains("chmod go-w"),
            "{e}"
        );

        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = check_file(&f).unwrap_err();
        assert!(e.starts_with("directory"), "{e}");
    }

    #[test]
    fn pins_must_match() {
        assert!(check_pin("n", "ab", None).is_ok());
        assert!(check_pin("n", "ab", Some(&"AB".to_string())).is_ok());
        assert!(
            check_pin("n", "ab", Some(&"cd".to_string()))
                .unwrap_err()
                .contains("does not match")
        );
    }
}
