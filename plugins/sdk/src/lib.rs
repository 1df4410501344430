//! The readycheck plugin SDK: ABI v1 types that mirror `include/readycheck_plugin.h`, the JSON
//! wire types that cross the boundary (manifest, request, result), and the `export_plugin!`
//! macro that turns a Rust type implementing [`Plugin`] into a loadable check plugin.
//!
//! The C header is the contract; this crate is one implementation of it. The host uses the
//! same wire types to read what plugins write, so a plugin built with this SDK and the host can
//! never disagree about field names.

pub mod abi;
pub mod command;
pub mod export;
pub mod wire;

pub use wire::{CheckRequest, CheckResult, KindManifest, Manifest, Status};

/// What a plugin author implements. One plugin provides one or more check kinds.
pub trait Plugin {
    /// The manifest: plugin name and version, kinds, their parameter schemas, supported OSes.
    fn manifest() -> Manifest;

    /// Runs one check. `Err` means the plugin could not do what was asked (a bug or a request it
    /// cannot understand) and becomes an `error` / `plugin_error` entry in the report; a check
    /// that ran and found a problem returns `Ok` with a `fail`, `warn` or `skip` result.
    fn run(request: &CheckRequest) -> Result<CheckResult, String>;
}
