//! Rollback protection: the highest version of each profile (by the name its signature gives)
//! accepted on this PC, kept in `profiles/seen.json` of the data directory and written
//! atomically. A signed profile older than the one remembered is refused, so an old profile
//! with a since-fixed endpoint (or a since-removed check) cannot be brought back. The file is
//! the user's: someone who can delete it can undo the protection for their own account (see the
//! README's threat model).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{Refusal, Verified, compare_versions};

/// Versions accepted so far, by profile name.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seen {
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
}

/// The file, in the data directory.
pub fn path() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("profiles").join("seen.json"))
}

impl Seen {
    /// Reads the file (an unreadable or damaged one counts as empty).
    pub fn load(path: &Path) -> Seen {
        crate::store::read_capped(path, 1024 * 1024)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes the file atomically.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        crate::store::write_atomic(path, &json)
    }

    /// The highest version accepted of `name`.
    pub fn highest(&self, name: &str) -> Option<&str> {
        self.versions.get(name).map(String::as_str)
    }

    /// Refuses a profile older than the highest version of its name accepted before.
    pub fn check(&self, v: &Verified) -> Result<(), Refusal> {
        match self.highest(&v.signed.name) {
            Some(seen) if compare_versions(&v.signed.version, seen) == Ordering::Less => {
                Err(Refusal::Older {
                    key_id: v.key_id.clone(),
                    version: v.signed.version.clone(),
                    seen: seen.to_string(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Remembers an accepted profile; whether that raised the highest version.
    pub fn record(&mut self, v: &Verified) -> bool {
        let newer = self
            .highest(&v.signed.name)
            .is_none_or(|seen| compare_versions(&v.signed.version, seen) == Ordering::Greater);
        if newer {
            self.versions
                .insert(v.signed.name.clone(), v.signed.version.clone());
        }
        newer
    }
}
