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

readycheck_sdk::plugin! {
    name: "apps",
    kinds: [installed::Installed, installed::AnyOf, running::Running],
    catalogs: "i18n",
}
