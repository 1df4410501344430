//! End-to-end tests: the real `readycheck` binary, real plugins (Rust and C), real child
//! processes, real files. One test binary with a module per area, as ripgrep does.

mod apps;
mod cli;
mod corpus;
mod diagnosis;
mod durability;
mod employee;
mod fleet;
mod i18n;
mod network;
mod packaging;
mod permissions;
mod posture;
mod readme;
mod reports;
mod resources;
mod signing;
mod support;
mod surface;
mod validate;
mod wine;
