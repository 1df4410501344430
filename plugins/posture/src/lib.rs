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

readycheck_sdk::plugin! {
    name: "posture",
    kinds: [
        firewall::Firewall,
        antivirus::Antivirus,
        encryption::Encryption,
        updates::Updates,
        screen_lock::ScreenLock,
        clock::Clock,
    ],
    catalogs: "i18n",
}
