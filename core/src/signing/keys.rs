//! Pinned keys: the public keys (`*.pub`, minisign format) that packages and IT bundles ship, in
//! `<exe dir>/keys/` and the machine-wide `keys/` directory (`/etc/readycheck/keys/`,
//! `%ProgramData%\readycheck\keys\`, `/Library/Application Support/readycheck/keys/`). Any
//! `*.pub` file there pins signing: a file that is not a usable key still counts (and is named
//! as broken), so a damaged key file never turns checking off. No environment variable or flag
//! adds keys: whoever could set one could pin their own.

use std::path::{Path, PathBuf};

/// One pinned public key.
#[derive(Debug, Clone)]
pub struct PinnedKey {
    /// The key id (16 hex digits, as minisign prints it).
    pub id: String,
    pub path: PathBuf,
    pub key: minisign::PublicKey,
}

/// Every key pinned on this PC, and the key files that could not be read.
#[derive(Debug, Clone, Default)]
pub struct PinnedKeys {
    pub keys: Vec<PinnedKey>,
    /// `*.pub` files that are not usable keys, with why.
    pub broken: Vec<(PathBuf, String)>,
}

/// The largest key file read.
const MAX_KEY_BYTES: u64 = 16 * 1024;

impl PinnedKeys {
    /// Whether signing is pinned: any key file, usable or not.
    pub fn pinned(&self) -> bool {
        !self.keys.is_empty() || !self.broken.is_empty()
    }

    /// The keys in `dirs` (missing directories are skipped), in file-name order per directory.
    pub fn load(dirs: &[PathBuf]) -> PinnedKeys {
        let mut out = PinnedKeys::default();
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "pub"))
                .collect();
            files.sort();
            for path in files {
                match read_key(&path) {
                    Ok(key) => {
                        let id = super::key_id(key.keynum());
                        if !out.keys.iter().any(|k| k.id == id) {
                            out.keys.push(PinnedKey { id, path, key });
                        }
                    }
                    Err(e) => out.broken.push((path, e)),
                }
            }
        }
        out
    }

    /// The keys pinned for a program in `exe_dir` (see [`dirs`]).
    pub fn discover(exe_dir: Option<&Path>) -> PinnedKeys {
        PinnedKeys::load(&dirs(exe_dir))
    }

    /// The ids of the usable keys, for messages.
    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }
}

/// Reads one minisign public key file.
pub fn read_key(path: &Path) -> Result<minisign::PublicKey, String> {
    let bytes = crate::store::read_capped(path, MAX_KEY_BYTES).map_err(|e| e.to_string())?;
    let text = String::from_utf8(bytes).map_err(|_| "not UTF-8 text".to_string())?;
    parse_key(&text)
}

/// Parses a minisign public key: the file's two lines, or the base64 line alone.
pub fn parse_key(text: &str) -> Result<minisign::PublicKey, String> {
    let text = text.trim();
    let parsed = if text.lines().count() >= 2 {
        minisign::PublicKeyBox::from_string(text).and_then(|b| b.into_public_key())
    } else {
        minisign::PublicKey::from_base64(text)
    };
    parsed.map_err(|e| format!("not a minisign public key: {e}"))
}

/// Where pinned keys are looked for: `keys/` next to the program, then the machine-wide one.
pub fn dirs(exe_dir: Option<&Path>) -> Vec<PathBuf> {
    exe_dir
        .map(|d| d.join("keys"))
        .into_iter()
        .chain(crate::paths::system_config_dir().map(|d| d.join("keys")))
        .collect()
}
