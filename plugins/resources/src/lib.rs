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

readycheck_sdk::plugin! {
    name: "resources",
    kinds: [
        memory::Memory,
        disk::Disk,
        cpu::Cpu,
        os::Os,
        uptime::Uptime,
        power::Power,
    ],
    catalogs: "i18n",
}
