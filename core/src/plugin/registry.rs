//! The plugins a run (or `readycheck plugins`) works with: each found file is trusted or
//! refused, each trusted one asked for its manifest in its own child, and every plugin ends in
//! one [`PluginState`] — ready with a manifest, or why not — so a missing, refused or broken
//! plugin costs only its own checks.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use readycheck_sdk::Manifest;

use super::discovery::PluginFile;
use super::isolate::Isolation;
use super::{Call, CallError, loader, parse_output};

/// How plugin calls are made.
#[derive(Debug, Clone)]
pub enum Backend {
    /// One child process per call (the default and the only safe mode).
    Isolated(Isolation),
    /// Load into this process: for debugging and benchmarks only. A crash here ends the run.
    InProcess,
}

impl Backend {
    /// Makes one call and returns the plugin's raw output.
    pub fn call(&self, path: &Path, call: &Call, timeout: Duration) -> Result<Vec<u8>, CallError> {
        match self {
            Backend::Isolated(iso) => iso.call(path, call, timeout),
            Backend::InProcess => {
                static LOADED: OnceLock<Mutex<HashMap<PathBuf, loader::LoadedPlugin>>> =
                    OnceLock::new();
                let map = LOADED.get_or_init(Default::default);
                let plugin = {
                    let mut m = map
                        .lock()
                        .map_err(|_| CallError::Crashed("plugin table poisoned".into()))?;
                    match m.get(path) {
                        Some(p) => *p,
                        None => {
                            let p = loader::load(path)?;
                            m.insert(path.to_path_buf(), p);
                            p
                        }
                    }
                };
                let request = match call {
                    Call::Describe => None,
                    Call::Run(r) => Some(r.as_slice()),
                };
                plugin.call_checked(request)
            }
        }
    }
}

/// Where one plugin stands.
#[derive(Debug, Clone)]
pub enum PluginState {
    Ready {
        file: PluginFile,
        manifest: Manifest,
    },
    Refused {
        file: PluginFile,
        reason: String,
    },
    Broken {
        file: PluginFile,
        error: CallError,
    },
    Missing,
}

impl PluginState {
    pub fn file(&self) -> Option<&PluginFile> {
        match self {
            PluginState::Ready { file, .. }
            | PluginState::Refused { file, .. }
            | PluginState::Broken { file, .. } => Some(file),
            PluginState::Missing => None,
        }
    }
    pub fn manifest(&self) -> Option<&Manifest> {
        match self {
            PluginState::Ready { manifest, .. } => Some(manifest),
            _ => None,
        }
    }
}

/// The plugins of a run.
#[derive(Debug, Clone, Default)]
pub struct Plugins {
    pub search_path: Vec<PathBuf>,
    pub states: BTreeMap<String, PluginState>,
}

impl Plugins {
    /// Manifests of the ready plugins, by name.
    pub fn manifests(&self) -> BTreeMap<String, Manifest> {
        self.states
            .iter()
            .filter_map(|(n, s)| s.manifest().map(|m| (n.clone(), m.clone())))
            .collect()
    }
}

/// Asks every trusted file in `wanted` (or every file when `wanted` is `None`) for its manifest,
/// in parallel, each in its own child.
pub fn resolve(
    backend: &Backend,
    search_path: Vec<PathBuf>,
    files: BTreeMap<String, PluginFile>,
    wanted: Option<&[String]>,
    timeout: Duration,
) -> Plugins {
    let names: Vec<String> = match wanted {
        Some(w) => {
            let mut w = w.to_vec();
            w.sort();
            w.dedup();
            w
        }
        None => files.keys().cloned().collect(),
    };
    let mut states = BTreeMap::new();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for name in names {
            let Some(file) = files.get(&name).cloned() else {
                states.insert(name, PluginState::Missing);
                continue;
            };
            if file.interrupted {
                let error = CallError::Interrupted(file.trust.clone().err().unwrap_or_default());
                states.insert(name, PluginState::Broken { file, error });
                continue;
            }
            if let Err(reason) = &file.trust {
                let reason = reason.clone();
                states.insert(name, PluginState::Refused { file, reason });
                continue;
            }
            handles.push(scope.spawn(move || {
                let state = describe(backend, &name, file, timeout);
                (name, state)
            }));
        }
        for h in handles {
            if let Ok((name, state)) = h.join() {
                states.insert(name, state);
            }
        }
    });
    Plugins {
        search_path,
        states,
    }
}

fn describe(backend: &Backend, name: &str, file: PluginFile, timeout: Duration) -> PluginState {
    let result = backend
        .call(&file.path, &Call::Describe, timeout)
        .and_then(|bytes| parse_output::<Manifest>(&bytes, "manifest"))
        .and_then(|m| {
            if m.name != name {
                Err(CallError::InvalidOutput(format!(
                    "the file is named for plugin `{name}` but its manifest says `{}`",
                    m.name
                )))
            } else {
                Ok(m)
            }
        });
    match result {
        Ok(manifest) => PluginState::Ready { file, manifest },
        Err(error) => PluginState::Broken { file, error },
    }
}
