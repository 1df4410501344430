//! The `permissions` plugin: can this user actually reach and change what the job needs? Kinds:
//! `path` (exists; readable, listable, writable — proven by doing it), `group` (account database
//! versus this session), `admin`, `certificate` (validity, days left, subject/issuer, private key
//! exposure) and `env` (environment variables and the system proxy).

mod accounts;
mod admin;
mod certificate;
mod env;
mod group;
mod path;

use readycheck_sdk::{CheckRequest, CheckResult, Manifest, Plugin};

/// The plugin type exported through the ABI.
pub struct Permissions;

impl Plugin for Permissions {
    fn manifest() -> Manifest {
        Manifest {
            name: "permissions".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: vec![
                path::manifest(),
                group::manifest(),
                admin::manifest(),
                certificate::manifest(),
                env::manifest(),
            ],
        }
    }

    fn catalogs() -> &'static readycheck_sdk::Catalogs {
        catalogs()
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        Ok(match request.kind.as_str() {
            "path" => path::run(&request.params()?),
            "group" => group::run(&request.params()?),
            "admin" => admin::run(&request.params()?),
            "certificate" => certificate::run(&request.params()?),
            "env" => env::run(&request.params()?),
            other => return Err(format!("the permissions plugin has no kind `{other}`")),
        })
    }
}

readycheck_sdk::export_plugin!(Permissions, name = "permissions");
readycheck_sdk::plugin_catalogs!();
