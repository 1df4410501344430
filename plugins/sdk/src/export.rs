//! The entry points `export_plugin!` (and so `plugin!`) generates, with the panic guard: no panic ever unwinds
//! across the C boundary. A panic in `describe` or `run` becomes `READYCHECK_PLUGIN_ERROR` with
//! the panic message, which the host reports as `error` / `plugin_error`.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::abi::{OK, PLUGIN_ERROR, Sink};
use crate::{CheckRequest, Plugin};

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

fn emit(ctx: *mut c_void, sink: Sink, bytes: &[u8]) {
    // SAFETY: `sink` and `ctx` come from the host for the duration of this call; the host copies
    // `bytes` before returning.
    unsafe { sink(ctx, bytes.as_ptr(), bytes.len()) }
}

/// `describe` entry for plugin `P`.
///
/// # Safety
/// `sink` must be a valid callback and `ctx` the value the host pairs with it.
pub unsafe extern "C" fn describe_entry<P: Plugin>(ctx: *mut c_void, sink: Sink) -> i32 {
    let outcome = catch_unwind(|| serde_json::to_vec(&P::manifest()));
    match outcome {
        Ok(Ok(bytes)) => {
            emit(ctx, sink, &bytes);
            OK
        }
        Ok(Err(e)) => {
            emit(
                ctx,
                sink,
                format!("could not encode the manifest: {e}").as_bytes(),
            );
            PLUGIN_ERROR
        }
        Err(payload) => {
            let msg = format!(
                "plugin panicked while describing itself: {}",
                panic_message(&*payload)
            );
            emit(ctx, sink, msg.as_bytes());
            PLUGIN_ERROR
        }
    }
}

/// `run` entry for plugin `P`.
///
/// # Safety
/// `request` must point to `request_len` readable bytes; `sink`/`ctx` as for [`describe_entry`].
pub unsafe extern "C" fn run_entry<P: Plugin>(
    request: *const u8,
    request_len: usize,
    ctx: *mut c_void,
    sink: Sink,
) -> i32 {
    let bytes: &[u8] = if request.is_null() || request_len == 0 {
        &[]
    } else {
        // SAFETY: the host guarantees `request` points to `request_len` bytes for this call.
        unsafe { std::slice::from_raw_parts(request, request_len) }
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let req: CheckRequest = serde_json::from_slice(bytes)
            .map_err(|e| format!("the host sent a request this plugin cannot read: {e}"))?;
        let result = P::run(&req)?.localize(P::catalogs(), req.locale());
        serde_json::to_vec(&result).map_err(|e| format!("could not encode the result: {e}"))
    }));
    match outcome {
        Ok(Ok(out)) => {
            emit(ctx, sink, &out);
            OK
        }
        Ok(Err(msg)) => {
            emit(ctx, sink, msg.as_bytes());
            PLUGIN_ERROR
        }
        Err(payload) => {
            let msg = format!("plugin panicked: {}", panic_message(&*payload));
            emit(ctx, sink, msg.as_bytes());
            PLUGIN_ERROR
        }
    }
}

/// Exports a type implementing [`Plugin`] as a readycheck ABI v1 plugin; [`plugin!`](crate::plugin)
/// does this for a list of kinds.
///
/// ```text
/// struct Misbehave;
/// impl readycheck_sdk::Plugin for Misbehave { /* manifest() and run() */ }
/// readycheck_sdk::export_plugin!(Misbehave, name = "misbehave");
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty, name = $name:literal) => {
        /// ABI version of this plugin, checked by the host before anything else.
        #[unsafe(no_mangle)]
        pub extern "C" fn readycheck_abi_version() -> u32 {
            $crate::abi::ABI_VERSION
        }

        /// The plugin's function table.
        #[unsafe(no_mangle)]
        pub extern "C" fn readycheck_plugin_v1() -> *const $crate::abi::PluginTableV1 {
            static TABLE: $crate::abi::PluginTableV1 = $crate::abi::PluginTableV1 {
                abi_version: $crate::abi::ABI_VERSION,
                struct_size: $crate::abi::TABLE_V1_SIZE,
                name: concat!($name, "\0").as_ptr().cast(),
                version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
                describe: $crate::export::describe_entry::<$plugin>,
                run: $crate::export::run_entry::<$plugin>,
            };
            &TABLE
        }
    };
}
