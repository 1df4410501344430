//! Plugins from the host's side: where they are found ([`discovery`]), whether they may be
//! loaded at all ([`trust`]), how one is loaded and called ([`loader`], only ever inside a child
//! process or in the debugging `--in-process` mode), the child itself ([`child`]), the
//! parent's view of one isolated call with its deadline and every way it can end ([`isolate`]),
//! and how a plugin's whole process tree is kept and stopped ([`contain`]).

pub mod child;
pub mod contain;
pub mod discovery;
pub mod isolate;
pub mod loader;
pub mod registry;
pub mod trust;

/// Size cap of a manifest or a result, in bytes. Anything larger is `invalid_output`.
pub const OUTPUT_CAP: usize = 1024 * 1024;

/// How a plugin call failed, each mapping to one report `cause`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The plugin returned READYCHECK_PLUGIN_ERROR (or panicked inside the SDK guard).
    PluginError(String),
    /// Wrong ABI version, missing symbol, bad table.
    AbiMismatch(String),
    /// Not a library, wrong architecture, missing dependency.
    LoadFailed(String),
    /// Killed by a signal / crash code, or exited without answering.
    Crashed(String),
    /// Did not answer before the deadline; the whole process group was killed.
    TimedOut(String),
    /// Bad UTF-8 / JSON / schema / over the size cap.
    InvalidOutput(String),
    /// The user pressed Ctrl-C or the whole-run deadline passed.
    Interrupted(String),
}

impl CallError {
    /// The report cause of this error.
    pub fn cause(&self) -> crate::report::Cause {
        use crate::report::Cause;
        match self {
            CallError::PluginError(_) => Cause::PluginError,
            CallError::AbiMismatch(_) => Cause::AbiMismatch,
            CallError::LoadFailed(_) => Cause::LoadFailed,
            CallError::Crashed(_) => Cause::Crashed,
            CallError::TimedOut(_) => Cause::TimedOut,
            CallError::InvalidOutput(_) => Cause::InvalidOutput,
            CallError::Interrupted(_) => Cause::Interrupted,
        }
    }

    /// The human message.
    pub fn message(&self) -> &str {
        match self {
            CallError::PluginError(m)
            | CallError::AbiMismatch(m)
            | CallError::LoadFailed(m)
            | CallError::Crashed(m)
            | CallError::TimedOut(m)
            | CallError::InvalidOutput(m)
            | CallError::Interrupted(m) => m,
        }
    }
}

/// What the host asks of a plugin.
#[derive(Debug, Clone)]
pub enum Call {
    Describe,
    Run(Vec<u8>),
}

/// Codes are namespaced by plugin: a result's code must be `<plugin>.…`. A code in the host's
/// namespace (`host.…`, which the host uses for the errors it decides, such as a time-out) or
/// in another plugin's is refused as invalid output, so a plugin cannot pass itself off as the
/// host or as another plugin.
pub fn check_namespace(
    plugin: &str,
    result: readycheck_sdk::CheckResult,
) -> Result<readycheck_sdk::CheckResult, CallError> {
    let own = result
        .code
        .strip_prefix(plugin)
        .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1);
    if own {
        Ok(result)
    } else {
        let code: String = result.code.chars().take(80).collect();
        Err(CallError::InvalidOutput(format!(
            "the plugin's result code `{}` is not in its own namespace `{plugin}.…`{}",
            crate::sanitize::text(&code),
            if result.code.starts_with("host.") {
                " (codes under `host.` are the host's)"
            } else {
                ""
            }
        )))
    }
}

/// Checks that `bytes` are UTF-8 JSON of type `T` within the size cap.
pub fn parse_output<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    what: &str,
) -> Result<T, CallError> {
    if bytes.len() > OUTPUT_CAP {
        return Err(CallError::InvalidOutput(format!(
            "the plugin's {what} is {} bytes, over the {} byte limit",
            bytes.len(),
            OUTPUT_CAP
        )));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        CallError::InvalidOutput(format!(
            "the plugin's {what} is not UTF-8 (bad byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| CallError::InvalidOutput(format!("the plugin's {what} is not JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| {
        CallError::InvalidOutput(format!(
            "the plugin's {what} does not follow the ABI's format: {e}"
        ))
    })
}
