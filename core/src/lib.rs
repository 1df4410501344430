//! readycheck: answers "can I work from here, and if not, whose problem is it?". The host reads
//! a profile of checks, runs each through a plugin in its own child process, and produces a
//! report. Data flows one way: CLI → profile → plan → isolated plugin calls → results →
//! report → renderers / files / exit code; each stage is a module with plain types in and out.

pub mod assemble;
pub mod cli;
pub mod commands;
pub mod diagnosis;
pub mod explain;
pub mod hostinfo;
pub mod i18n;
pub mod launch;
pub mod notify;
pub mod paths;
pub mod plan;
pub mod plugin;
pub mod printer;
pub mod profile;
pub mod render;
pub mod report;
pub mod runner;
pub mod sanitize;
pub mod schedule;
pub mod signals;
pub mod signing;
pub mod store;
pub mod submit;
pub mod summary;
