//! The `resources` plugin: can this PC carry a working day from home? Kinds: `memory`, `disk`
//! (free space for a path), `cpu` (cores and sampled load), `os` (version, minimums, end of
//! support), `uptime` and `power` (battery and mains). Each kind gathers facts from the OS and
//! judges them in a separate, pure function, so the judgement is tested with injected facts and
//! the gathering against the real machine.

mod cpu;
mod disk;
mod memory;
mod os;
mod power;
mod units;
mod uptime;

use readycheck_sdk::{CheckRequest, CheckResult, Manifest, Plugin};

/// The plugin type exported through the ABI.
pub struct Resources;

impl Plugin for Resources {
    fn manifest() -> Manifest {
        Manifest {
            name: "resources".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: vec![
                memory::manifest(),
                disk::manifest(),
                cpu::manifest(),
                os::manifest(),
                uptime::manifest(),
                power::manifest(),
            ],
        }
    }

    fn catalogs() -> &'static readycheck_sdk::Catalogs {
        catalogs()
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        Ok(match request.kind.as_str() {
            "memory" => memory::run(&request.params()?),
            "disk" => disk::run(&request.params()?),
            "cpu" => cpu::run(&request.params()?, request.timeout()),
            "os" => os::run(&request.params()?),
            "uptime" => uptime::run(&request.params()?),
            "power" => power::run(&request.params()?),
            other => return Err(format!("the resources plugin has no kind `{other}`")),
        })
    }
}

readycheck_sdk::export_plugin!(Resources, name = "resources");
readycheck_sdk::plugin_catalogs!();
