//! The README's example plugin (`examples/hello.rs`, which `cargo test` also builds as a cdylib)
//! called through its exported C table exactly as the host calls a plugin: the symbols and the
//! table, `describe`, a check that passes, one that fails, an unknown kind and parameters the
//! kind does not know. And the README shows that file, word for word.

#[path = "../examples/hello.rs"]
mod hello;

use std::ffi::{CStr, c_void};

use readycheck_sdk::abi::{ABI_VERSION, OK, PLUGIN_ERROR, PluginTableV1, TABLE_V1_SIZE};
use serde_json::{Value, json};

/// The sink the host passes: appends every piece to the `Vec<u8>` behind `ctx`.
unsafe extern "C" fn collect(ctx: *mut c_void, ptr: *const u8, len: usize) {
    // SAFETY: `ctx` is the `Vec<u8>` `call` passes for this call; `ptr` points to `len` bytes
    // for the duration of the call.
    unsafe { (*ctx.cast::<Vec<u8>>()).extend_from_slice(std::slice::from_raw_parts(ptr, len)) }
}

fn table() -> &'static PluginTableV1 {
    // SAFETY: the exported function returns a pointer to a static table.
    unsafe { &*hello::readycheck_plugin_v1() }
}

fn describe() -> (i32, Value) {
    let mut out: Vec<u8> = Vec::new();
    // SAFETY: `collect` and `ctx` belong together, as the host pairs them.
    let rc = unsafe { (table().describe)((&raw mut out).cast(), collect) };
    (rc, serde_json::from_slice(&out).unwrap())
}

fn run(request: Value) -> (i32, String) {
    let req = serde_json::to_vec(&request).unwrap();
    let mut out: Vec<u8> = Vec::new();
    // SAFETY: `req` lives for the call; `collect` and `ctx` belong together.
    let rc = unsafe { (table().run)(req.as_ptr(), req.len(), (&raw mut out).cast(), collect) };
    (rc, String::from_utf8(out).unwrap())
}

fn greet(params: Value) -> (i32, String) {
    run(
        json!({"id": "greet", "kind": "greet", "params": params, "timeout_ms": 5000, "os": "linux"}),
    )
}

#[test]
fn the_table_is_abi_v1() {
    assert_eq!(hello::readycheck_abi_version(), ABI_VERSION);
    let t = table();
    assert_eq!((t.abi_version, t.struct_size), (1, TABLE_V1_SIZE));
    // SAFETY: both are static NUL-terminated strings.
    let (name, version) = unsafe { (CStr::from_ptr(t.name), CStr::from_ptr(t.version)) };
    assert_eq!(name.to_str(), Ok("hello"));
    assert_eq!(version.to_str(), Ok(env!("CARGO_PKG_VERSION")));
}

#[test]
fn describe_lists_the_kind_with_its_schema() {
    let (rc, m) = describe();
    assert_eq!(rc, OK);
    assert_eq!(m["name"], "hello");
    assert_eq!(m["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["os"], json!([]));
    let kinds = m["kinds"].as_array().unwrap();
    assert_eq!(kinds.len(), 1);
    let k = &kinds[0];
    assert_eq!(
        (&k["name"], &k["title"]),
        (&json!("greet"), &json!("Say hello"))
    );
    assert!(k["example"].as_str().unwrap().contains("kind = \"greet\""));
    assert_eq!(k["params"]["required"], json!(["who"]));
    assert_eq!(k["params"]["additionalProperties"], json!(false));
    assert_eq!(
        k["params"]["properties"]["who"]["description"],
        "Whom to greet."
    );
    assert_eq!(k["params"]["properties"]["times"]["default"], 1);
    assert!(k.get("os").is_none(), "{k}");
}

#[test]
fn a_check_passes_or_fails_with_its_evidence() {
    let (rc, out) = greet(json!({"who": "IT", "times": 2}));
    assert_eq!(rc, OK, "{out}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&r["status"], &r["code"]),
        (&json!("pass"), &json!("hello.greet.ok"))
    );
    assert_eq!(r["summary"], "said hello to IT");
    assert_eq!(r["evidence"], json!(["greeted IT 2 time(s)"]));
    assert_eq!(r["metrics"]["greetings"], 2.0);

    let (rc, out) = greet(json!({"who": " "}));
    assert_eq!(rc, OK, "{out}");
    let r: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (&r["status"], &r["code"]),
        (&json!("fail"), &json!("hello.greet.nobody"))
    );
}

#[test]
fn an_unknown_kind_or_parameter_is_a_plugin_error() {
    let (rc, out) = run(json!({"id": "x", "kind": "wave", "timeout_ms": 1000}));
    assert_eq!(
        (rc, out.as_str()),
        (PLUGIN_ERROR, "the hello plugin has no kind `wave`")
    );
    let (rc, out) = greet(json!({"whom": "IT"}));
    assert_eq!(rc, PLUGIN_ERROR);
    assert!(
        out.starts_with("invalid parameters for greet: unknown field `whom`"),
        "{out}"
    );
    let (rc, out) = run(json!("not a request"));
    assert_eq!(rc, PLUGIN_ERROR);
    assert!(
        out.starts_with("the host sent a request this plugin cannot read"),
        "{out}"
    );
}

#[test]
fn the_readme_shows_this_example_word_for_word() {
    let readme = include_str!("../README.md");
    let example = include_str!("../examples/hello.rs");
    assert!(
        readme.contains(&format!("```rust\n{example}```\n")),
        "plugins/sdk/README.md must show examples/hello.rs as it is"
    );
}
