//! The readycheck plugin SDK: ABI v1 types that mirror `include/readycheck_plugin.h`, the JSON
//! wire types that cross the boundary (manifest, request, result), the [`Kind`] trait and the
//! [`plugin!`] declaration that turn check kinds into a loadable plugin, and the plugin file
//! name convention ([`mod@file`]).
//!
//! The C header is the contract; this crate is one implementation of it. The host uses the
//! same wire types to read what plugins write, so a plugin built with this SDK and the host can
//! never disagree about field names.

pub mod abi;
pub mod command;
pub mod export;
pub mod file;
pub mod i18n;
pub mod kind;
pub mod net;
pub mod proxy;
pub mod redact;
pub mod wire;

pub use i18n::{Arg, Catalogs, Locale, Msg};
pub use kind::Kind;
pub use wire::{
    CaptiveHow, CheckRequest, CheckResult, DnsOutcome, KindManifest, Manifest, Observation,
    ProxySource, ReachOutcome, ResolverOwner, Status, Text, TunnelState,
};

/// A plugin as the ABI sees it: a manifest and one `run` for every kind. [`plugin!`] implements
/// it from a list of [`Kind`]s; implement it by hand only for a manifest no list of kinds
/// describes (the test suite's misbehaving plugin).
pub trait Plugin {
    /// The manifest: plugin name and version, kinds, their parameter schemas, supported OSes.
    fn manifest() -> Manifest;

    /// Runs one check. `Err` means the plugin could not do what was asked (a bug or a request it
    /// cannot understand) and becomes an `error` / `plugin_error` entry in the report; a check
    /// that ran and found a problem returns `Ok` with a `fail`, `warn` or `skip` result.
    fn run(request: &CheckRequest) -> Result<CheckResult, String>;

    /// The plugin's message catalogs; results whose summary is a [`Msg`] are rendered with them
    /// in every locale. [`plugin_catalogs!`] defines one from `en.txt` and `zh-CN.txt` in a
    /// directory next to the plugin's `Cargo.toml`.
    fn catalogs() -> &'static Catalogs {
        static EMPTY: std::sync::OnceLock<Catalogs> = std::sync::OnceLock::new();
        EMPTY.get_or_init(Catalogs::default)
    }
}

/// Defines `pub fn catalogs() -> &'static Catalogs` from `<dir>/en.txt` and `<dir>/zh-CN.txt`
/// (relative to the crate's `Cargo.toml`), embedded at build time, `pub const CATALOG_TEXTS`
/// with their text, `en()` (a message in English, for evidence), and for tests the catalog
/// completeness test and `EnSummary::en_summary()`. [`plugin!`] invokes it when given
/// `catalogs: "<dir>"`.
#[macro_export]
macro_rules! plugin_catalogs {
    ($dir:literal) => {
        /// The catalog files as embedded: (English, Simplified Chinese).
        pub const CATALOG_TEXTS: (&str, &str) = (
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/en.txt")),
            include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $dir, "/zh-CN.txt")),
        );
        /// This plugin's message catalogs.
        pub fn catalogs() -> &'static $crate::i18n::Catalogs {
            static C: std::sync::OnceLock<$crate::i18n::Catalogs> = std::sync::OnceLock::new();
            C.get_or_init(|| $crate::i18n::Catalogs::embedded(CATALOG_TEXTS.0, CATALOG_TEXTS.1))
        }

        /// A message in English, for evidence lines (which stay in English for the helpdesk).
        #[allow(dead_code)]
        pub(crate) fn en(m: &$crate::i18n::Msg) -> String {
            catalogs().render($crate::i18n::Locale::En, m)
        }

        /// Tests read summaries in English, as the host gets them with `locale = "en"`.
        #[cfg(test)]
        pub(crate) trait EnSummary {
            fn en_summary(&self) -> String;
        }

        #[cfg(test)]
        impl EnSummary for $crate::CheckResult {
            fn en_summary(&self) -> String {
                self.clone()
                    .localize(catalogs(), $crate::i18n::Locale::En)
                    .summary
            }
        }

        #[cfg(test)]
        mod catalog_tests {
            /// Every message in both languages, with the same arguments.
            #[test]
            fn catalogs_are_complete() {
                let p =
                    $crate::i18n::check_catalogs(super::CATALOG_TEXTS.0, super::CATALOG_TEXTS.1);
                assert!(
                    p.is_empty(),
                    "{}/i18n:\n{}",
                    env!("CARGO_MANIFEST_DIR"),
                    p.join("\n")
                );
            }
        }
    };
}
