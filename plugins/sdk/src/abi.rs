//! ABI v1 as Rust types: a `#[repr(C)]` mirror of `readycheck_plugin_table_v1` and the symbol
//! names the host resolves. Nothing Rust-specific crosses the boundary.

use std::ffi::{c_char, c_void};

/// The ABI version this SDK implements (`READYCHECK_ABI_VERSION`).
pub const ABI_VERSION: u32 = 1;
/// `READYCHECK_OK`: the sink received a manifest or a result.
pub const OK: i32 = 0;
/// `READYCHECK_PLUGIN_ERROR`: the sink received a UTF-8 error message.
pub const PLUGIN_ERROR: i32 = 1;

/// Symbol of `uint32_t readycheck_abi_version(void)`, NUL-terminated for the loader.
pub const SYMBOL_ABI_VERSION: &[u8] = b"readycheck_abi_version\0";
/// Symbol of `const readycheck_plugin_table_v1 *readycheck_plugin_v1(void)`.
pub const SYMBOL_PLUGIN_V1: &[u8] = b"readycheck_plugin_v1\0";

/// Host-owned output callback: `sink(ctx, ptr, len)`. The host copies the bytes before returning.
pub type Sink = unsafe extern "C" fn(ctx: *mut c_void, ptr: *const u8, len: usize);

/// `int32_t (*describe)(void *ctx, readycheck_sink sink)`.
pub type DescribeFn = unsafe extern "C" fn(ctx: *mut c_void, sink: Sink) -> i32;

/// `int32_t (*run)(const uint8_t *request, size_t request_len, void *ctx, readycheck_sink sink)`.
pub type RunFn = unsafe extern "C" fn(
    request: *const u8,
    request_len: usize,
    ctx: *mut c_void,
    sink: Sink,
) -> i32;

/// `uint32_t readycheck_abi_version(void)`.
pub type AbiVersionFn = unsafe extern "C" fn() -> u32;

/// `const readycheck_plugin_table_v1 *readycheck_plugin_v1(void)`.
pub type PluginV1Fn = unsafe extern "C" fn() -> *const PluginTableV1;

/// `readycheck_plugin_table_v1`. Append-only: new fields go at the end and `struct_size` tells
/// the host how much of the table this plugin knows about.
#[repr(C)]
pub struct PluginTableV1 {
    pub abi_version: u32,
    pub struct_size: u32,
    pub name: *const c_char,
    pub version: *const c_char,
    pub describe: DescribeFn,
    pub run: RunFn,
}

// SAFETY: the table is immutable after construction and its pointers refer to `'static`
// NUL-terminated strings and functions, which may be read from any thread.
unsafe impl Sync for PluginTableV1 {}

/// The smallest `struct_size` a valid v1 table can declare (every field above present).
pub const TABLE_V1_SIZE: u32 = std::mem::size_of::<PluginTableV1>() as u32;
