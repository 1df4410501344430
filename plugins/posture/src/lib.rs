//! The `posture` plugin: is this home PC safe enough to join the company network? Kinds:
//! `firewall`, `antivirus`, `encryption` (the system volume or a path's volume), `updates`,
//! `screen_lock` and `clock`. None needs administrator rights: where the OS only tells an
//! administrator, the result is `skip` saying so — never a guess. Every kind's evidence names
//! the command, file or registry key it read. Each kind gathers facts per OS and judges them in
//! a pure function, so judgements and parsers of other OSes' outputs are tested here with
//! fixtures, and the Linux gathering against the real machine.

mod antivirus;
mod clock;
mod encryption;
mod firewall;
mod os;
#[path = "../../apps/src/procs.rs"]
#[allow(
    dead_code,
    reason = "shared with the apps plugin; posture reads only the names"
)]
mod procs;
mod screen_lock;
mod updates;

use readycheck_sdk::{CheckRequest, CheckResult, Manifest, Plugin};

/// The plugin type exported through the ABI.
pub struct Posture;

impl Plugin for Posture {
    fn manifest() -> Manifest {
        Manifest {
            name: "posture".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: vec![
                firewall::manifest(),
                antivirus::manifest(),
                encryption::manifest(),
                updates::manifest(),
                screen_lock::manifest(),
                clock::manifest(),
            ],
        }
    }

    fn catalogs() -> &'static readycheck_sdk::Catalogs {
        catalogs()
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        Ok(match request.kind.as_str() {
            "firewall" => firewall::run(&request.params()?),
            "antivirus" => antivirus::run(&request.params()?),
            "encryption" => encryption::run(&request.params()?),
            "updates" => updates::run(&request.params()?),
            "screen_lock" => screen_lock::run(&request.params()?),
            "clock" => clock::run(&request.params()?, request.timeout()),
            other => return Err(format!("the posture plugin has no kind `{other}`")),
        })
    }
}

readycheck_sdk::export_plugin!(Posture, name = "posture");
readycheck_sdk::plugin_catalogs!();
