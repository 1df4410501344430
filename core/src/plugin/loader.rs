//! Loading a plugin library and calling through its ABI v1 table. This runs inside the
//! `__plugin-host` child (or the host itself in `--in-process` debugging mode), never as the
//! normal host path. The ABI version is resolved and checked first; the library is never
//! unloaded (`dlclose` with thread-locals is unsound), the process simply exits.

use std::ffi::{CStr, c_void};
use std::path::Path;

use readycheck_sdk::abi::{
    ABI_VERSION, AbiVersionFn, OK, PLUGIN_ERROR, PluginTableV1, PluginV1Fn, SYMBOL_ABI_VERSION,
    SYMBOL_PLUGIN_V1, TABLE_V1_SIZE,
};

use super::{CallError, OUTPUT_CAP};

/// A loaded plugin's table, valid for the rest of the process.
#[derive(Clone, Copy)]
pub struct LoadedPlugin {
    table: &'static PluginTableV1,
}

/// Loads `path` and checks its ABI.
pub fn load(path: &Path) -> Result<LoadedPlugin, CallError> {
    // SAFETY: loading a library runs its initialisers. The host decided trust (search path,
    // ownership, pins) before this process was started for this file.
    let lib = unsafe { libloading::Library::new(path) }.map_err(|e| {
        CallError::LoadFailed(format!(
            "cannot load {}: {}",
            path.display(),
            error_chain(&e)
        ))
    })?;
    // SAFETY: the symbol's type is fixed by the ABI (`uint32_t readycheck_abi_version(void)`).
    let abi: libloading::Symbol<AbiVersionFn> =
        unsafe { lib.get(SYMBOL_ABI_VERSION) }.map_err(|_| {
            CallError::AbiMismatch(format!(
                "{} does not export readycheck_abi_version: it is not a readycheck plugin",
                path.display()
            ))
        })?;
    // SAFETY: calling a `uint32_t (void)` function as the ABI defines it.
    let version = unsafe { abi() };
    if version != ABI_VERSION {
        return Err(CallError::AbiMismatch(format!(
            "plugin speaks ABI v{version}, this readycheck speaks v{ABI_VERSION}: install a matching plugin version"
        )));
    }
    // SAFETY: the symbol's type is fixed by the ABI.
    let get_table: libloading::Symbol<PluginV1Fn> =
        unsafe { lib.get(SYMBOL_PLUGIN_V1) }.map_err(|_| {
            CallError::AbiMismatch(format!(
                "{} does not export readycheck_plugin_v1",
                path.display()
            ))
        })?;
    // SAFETY: ABI call; the returned pointer has static lifetime by contract.
    let ptr = unsafe { get_table() };
    if ptr.is_null() {
        return Err(CallError::AbiMismatch(
            "readycheck_plugin_v1 returned no table".into(),
        ));
    }
    // SAFETY: non-null, and the table is static for the life of the library, which is never
    // unloaded (the `Library` is forgotten below).
    let table: &'static PluginTableV1 = unsafe { &*ptr };
    if table.abi_version != ABI_VERSION || table.struct_size < TABLE_V1_SIZE {
        return Err(CallError::AbiMismatch(format!(
            "plugin table says ABI v{} with {} bytes; v{ABI_VERSION} needs at least {TABLE_V1_SIZE}",
            table.abi_version, table.struct_size
        )));
    }
    std::mem::forget(lib);
    Ok(LoadedPlugin { table })
}

/// Collects what the plugin writes through the sink, up to a cap.
struct SinkBuffer {
    bytes: Vec<u8>,
    total: usize,
}

unsafe extern "C" fn sink(ctx: *mut c_void, ptr: *const u8, len: usize) {
    if ctx.is_null() || (ptr.is_null() && len > 0) {
        return;
    }
    // SAFETY: `ctx` is the `SinkBuffer` passed to this very call by `call`.
    let buf = unsafe { &mut *(ctx as *mut SinkBuffer) };
    buf.total = buf.total.saturating_add(len);
    if len == 0 {
        return;
    }
    let room = (OUTPUT_CAP + 1).saturating_sub(buf.bytes.len());
    if room > 0 {
        // SAFETY: the plugin guarantees `ptr` points to `len` bytes for this call.
        let chunk = unsafe { std::slice::from_raw_parts(ptr, len.min(room)) };
        buf.bytes.extend_from_slice(chunk);
    }
}

/// What a call returned: `OK` with output, `PLUGIN_ERROR` with a message, or something else.
pub struct RawOutcome {
    pub code: i32,
    pub bytes: Vec<u8>,
    pub total: usize,
}

impl LoadedPlugin {
    /// The plugin's name from its table.
    pub fn name(&self) -> String {
        // SAFETY: the ABI says `name` is a static NUL-terminated string (or null).
        unsafe { cstr(self.table.name) }
    }

    /// The plugin's version from its table.
    pub fn version(&self) -> String {
        // SAFETY: as for `name`.
        unsafe { cstr(self.table.version) }
    }

    /// Calls `describe` or `run`.
    pub fn call(&self, request: Option<&[u8]>) -> RawOutcome {
        let mut buf = SinkBuffer {
            bytes: Vec::new(),
            total: 0,
        };
        let ctx = &mut buf as *mut SinkBuffer as *mut c_void;
        let code = match request {
            // SAFETY: ABI call with a valid sink and its context, both live for the call.
            None => unsafe { (self.table.describe)(ctx, sink) },
            // SAFETY: `req` is borrowed for the call; sink/ctx as above.
            Some(req) => unsafe { (self.table.run)(req.as_ptr(), req.len(), ctx, sink) },
        };
        RawOutcome {
            code,
            bytes: buf.bytes,
            total: buf.total,
        }
    }

    /// Calls and turns the outcome into output bytes or an error (used in-process).
    pub fn call_checked(&self, request: Option<&[u8]>) -> Result<Vec<u8>, CallError> {
        classify(self.call(request))
    }
}

/// Maps a raw outcome to the output bytes or a `CallError`.
pub fn classify(out: RawOutcome) -> Result<Vec<u8>, CallError> {
    match out.code {
        OK if out.total > OUTPUT_CAP => Err(CallError::InvalidOutput(format!(
            "the plugin wrote {} bytes, over the {OUTPUT_CAP} byte limit",
            out.total
        ))),
        OK => Ok(out.bytes),
        PLUGIN_ERROR => {
            let mut msg =
                String::from_utf8_lossy(&out.bytes[..out.bytes.len().min(4096)]).into_owned();
            if msg.trim().is_empty() {
                msg = "the plugin reported an error without a message".into();
            }
            Err(CallError::PluginError(msg))
        }
        other => Err(CallError::InvalidOutput(format!(
            "the plugin returned status {other}, which ABI v1 does not define (0 = ok, 1 = error)"
        ))),
    }
}

/// An error with its sources ("dlopen failed: libfoo.so: cannot open shared object file").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(src) = cur {
        let text = src.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = src.source();
    }
    s
}

/// # Safety
/// `p` must be null or point to a NUL-terminated string that lives long enough.
unsafe fn cstr(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: guaranteed by the caller.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}
