//! The `apps` plugin: is the right software installed, at a version that works, and running?
//! Kinds: `installed` (sources: commands, dpkg/rpm/flatpak/snap, macOS bundles, the Windows
//! registry and .exe version resources; min / nudge / max / blocked versions), `any_of` (at least
//! N of several, for backup order channels) and `running`. Version rules are in [`version`].

mod installed;
pub mod procs;
mod running;
mod sources;
pub mod version;
mod windows;

use readycheck_sdk::{CheckRequest, CheckResult, Manifest, Plugin};

/// The plugin type exported through the ABI.
pub struct Apps;

impl Plugin for Apps {
    fn manifest() -> Manifest {
        Manifest {
            name: "apps".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: vec![
                installed::manifest(),
                installed::any_of_manifest(),
                running::manifest(),
            ],
        }
    }

    fn catalogs() -> &'static readycheck_sdk::Catalogs {
        catalogs()
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        // Leave time to answer: each source gets most of the check's timeout.
        let timeout = request.timeout().mul_f64(0.8);
        Ok(match request.kind.as_str() {
            "installed" => installed::run(&request.params()?, timeout),
            "any_of" => installed::run_any_of(&request.params()?, timeout),
            "running" => running::run(&request.params()?),
            other => return Err(format!("the apps plugin has no kind `{other}`")),
        })
    }
}

readycheck_sdk::export_plugin!(Apps, name = "apps");
readycheck_sdk::plugin_catalogs!();
