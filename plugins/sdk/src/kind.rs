//! One check kind as a plugin author writes it — its name, words, typed parameters and run
//! function in one `impl Kind` — and the [`plugin!`](crate::plugin) declaration that lists a
//! plugin's kinds once and generates from that list the manifest, the dispatch by kind name,
//! the catalogs and the two ABI v1 symbols.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::{CheckRequest, CheckResult, KindManifest};

/// A check kind: what a profile names with `kind = "…"`.
///
/// The parameters are a serde type whose doc comments and defaults become the JSON Schema the
/// host validates every check against before anything runs, so `run` receives them already
/// checked and typed. The rest of the request (timeout, locale, OS, the check's id) is in
/// `request`.
pub trait Kind {
    /// The kind's name in profiles (`tcp`).
    const NAME: &'static str;
    /// One line shown by `readycheck explain`.
    const TITLE: &'static str;
    /// What the kind checks and how, in a few sentences.
    const DESCRIPTION: &'static str;
    /// An example `[[check]]` table in TOML.
    const EXAMPLE: &'static str = "";
    /// The operating systems the kind supports when narrower than the plugin's (`linux`,
    /// `windows`, `macos`); empty means the plugin's.
    const OS: &'static [&'static str] = &[];

    /// The `[[check]]` keys of this kind.
    type Params: DeserializeOwned + JsonSchema;

    /// Runs one check. A check that ran and found a problem returns a `fail`, `warn` or `skip`
    /// result; one that could not look returns an `error` result saying why.
    fn run(params: &Self::Params, request: &CheckRequest) -> CheckResult;

    /// The kind's entry in the plugin's manifest.
    fn manifest() -> KindManifest {
        let mut m = KindManifest::new::<Self::Params>(
            Self::NAME,
            Self::TITLE,
            Self::DESCRIPTION,
            Self::EXAMPLE,
        );
        if !Self::OS.is_empty() {
            m.os = Some(Self::OS.iter().map(|s| s.to_string()).collect());
        }
        m
    }
}

/// Reads the request's parameters as `K::Params` and runs `K`; parameters it cannot read are the
/// plugin's error, not a check result.
pub fn run_kind<K: Kind>(request: &CheckRequest) -> Result<CheckResult, String> {
    Ok(K::run(&request.params()?, request))
}

/// Declares a plugin: its name, its kinds (each a type implementing [`Kind`]), optionally the
/// operating systems it supports and the directory of its message catalogs (`en.txt` and
/// `zh-CN.txt`, relative to the crate's `Cargo.toml`, embedded at build time).
///
/// ```text
/// readycheck_sdk::plugin! {
///     name: "network",
///     kinds: [dns::Dns, tcp::Tcp],
///     os: ["linux", "windows"],   // optional; all by default
///     catalogs: "i18n",           // optional
/// }
/// ```
///
/// It defines `pub struct ThisPlugin` implementing [`Plugin`](crate::Plugin) (the manifest lists
/// the kinds in this order; a request is dispatched by kind name) and exports it with
/// [`export_plugin!`](crate::export_plugin). With `catalogs`, it also defines what
/// [`plugin_catalogs!`](crate::plugin_catalogs) does.
#[macro_export]
macro_rules! plugin {
    (
        name: $name:literal,
        kinds: [$($kind:ty),+ $(,)?]
        $(, os: [$($os:literal),* $(,)?])?
        $(, catalogs: $dir:literal)?
        $(,)?
    ) => {
        /// This plugin as the ABI sees it: its manifest and the dispatch to its kinds.
        pub struct ThisPlugin;

        impl $crate::Plugin for ThisPlugin {
            fn manifest() -> $crate::Manifest {
                $crate::Manifest {
                    name: $name.into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    os: vec![$($($os.into()),*)?],
                    kinds: vec![$(<$kind as $crate::Kind>::manifest()),+],
                }
            }

            fn run(request: &$crate::CheckRequest) -> Result<$crate::CheckResult, String> {
                $(
                    if request.kind == <$kind as $crate::Kind>::NAME {
                        return $crate::kind::run_kind::<$kind>(request);
                    }
                )+
                Err(format!("the {} plugin has no kind `{}`", $name, request.kind))
            }

            $(
                fn catalogs() -> &'static $crate::Catalogs {
                    $crate::plugin!(@catalogs $dir)
                }
            )?
        }

        $crate::export_plugin!(ThisPlugin, name = $name);
        $($crate::plugin_catalogs!($dir);)?
    };
    // The catalogs `plugin_catalogs!` defined from `$dir`.
    (@catalogs $dir:literal) => {
        catalogs()
    };
}
