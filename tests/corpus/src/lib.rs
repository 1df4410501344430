//! A plugin that misbehaves on purpose, one way per kind, for the isolation tests: panic,
//! segfault, abort, hang (with a grandchild that must die too), megabytes on stdout, invalid
//! UTF-8, invalid JSON, a result over the size cap, a result of the wrong shape, an early exit,
//! a plugin error — plus `ok` and `sleep` for well-behaved checks and benchmarks. Never shipped.
//! The hostile kinds: `escape` and `escape_hang` start a daemon that leaves the process group
//! (a double fork into a new session with `setsid`) and then answer or hang; `hostile_text`
//! answers with terminal control sequences, bidi overrides, formula cells and Markdown links
//! in every text it can carry (observations included); `host_code` claims the host's code
//! namespace; `big_texts` answers with 300 KB each of summary and detail and 200 KB of evidence.

use std::io::Write;

use readycheck_sdk::{CheckRequest, CheckResult, KindManifest, Manifest, Plugin, abi::Sink};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters every kind accepts.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// For `hang`: where to write the grandchild's pid.
    #[serde(default)]
    pub pid_file: Option<String>,
    /// For `sleep`: how long, in milliseconds.
    #[serde(default)]
    pub ms: Option<u64>,
    /// For `ok`: the status to return.
    #[serde(default)]
    pub status: Option<String>,
    /// For `ok`: the summary to return (renderer tests put markup in it).
    #[serde(default)]
    pub summary: Option<String>,
}

pub struct Misbehave;

const KINDS: &[&str] = &[
    "ok",
    "sleep",
    "panic",
    "segfault",
    "abort",
    "hang",
    "spam",
    "bad_utf8",
    "bad_json",
    "huge",
    "wrong_shape",
    "exit",
    "error",
    "escape",
    "escape_hang",
    "hostile_text",
    "host_code",
    "big_texts",
];

/// Text that would act on a terminal, a spreadsheet or a Markdown viewer if passed through raw.
pub const HOSTILE: &str = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}=HYPERLINK(\"http://evil.invalid\")\u{9b}31m\u{202e}gnp.exe\r![x](https://evil.invalid/p.png)[click](javascript:alert(1))";

/// Starts a process that leaves this process group and session (fork, setsid, fork) and lives
/// until killed; its pid is written to `pid_file`.
#[cfg(unix)]
fn start_escaped_daemon(pid_file: &str) -> Result<(), String> {
    let part = std::ffi::CString::new(format!("{pid_file}.part")).map_err(|e| e.to_string())?;
    let done = std::ffi::CString::new(pid_file).map_err(|e| e.to_string())?;
    // SAFETY: between fork and _exit only async-signal-safe calls are made (setsid, fork,
    // getpid, open, write, close, rename, sleep).
    unsafe {
        let first = libc::fork();
        if first < 0 {
            return Err("fork failed".into());
        }
        if first == 0 {
            libc::setsid();
            let second = libc::fork();
            if second == 0 {
                let pid = libc::getpid();
                let mut buf = [0u8; 16];
                let mut n = pid as u32;
                let mut i = buf.len();
                loop {
                    i -= 1;
                    buf[i] = b'0' + (n % 10) as u8;
                    n /= 10;
                    if n == 0 {
                        break;
                    }
                }
                let fd = libc::open(
                    part.as_ptr(),
                    libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
                    0o644,
                );
                if fd >= 0 {
                    libc::write(fd, buf[i..].as_ptr().cast(), buf.len() - i);
                    libc::close(fd);
                    libc::rename(part.as_ptr(), done.as_ptr());
                }
                loop {
                    libc::sleep(1000);
                }
            }
            libc::_exit(0);
        }
        let mut status = 0;
        libc::waitpid(first, &mut status, 0);
    }
    // Answer only once the daemon is running.
    for _ in 0..500 {
        if std::path::Path::new(pid_file).exists() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err("the daemon did not start".into())
}

#[cfg(not(unix))]
fn start_escaped_daemon(_pid_file: &str) -> Result<(), String> {
    Err("escape is a Unix kind".into())
}

impl Plugin for Misbehave {
    fn manifest() -> Manifest {
        Manifest {
            name: "misbehave".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: KINDS
                .iter()
                .map(|k| KindManifest::new::<Params>(k, &format!("misbehaves: {k}"), "", ""))
                .collect(),
        }
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        let p: Params = request.params()?;
        match request.kind.as_str() {
            "ok" => {
                let status = match p.status.as_deref().unwrap_or("pass") {
                    "warn" => readycheck_sdk::Status::Warn,
                    "fail" => readycheck_sdk::Status::Fail,
                    _ => readycheck_sdk::Status::Pass,
                };
                let summary = p
                    .summary
                    .clone()
                    .unwrap_or_else(|| "did nothing, well".into());
                Ok(CheckResult::new(status, "misbehave.ok.done", summary)
                    .evidence("looked at nothing"))
            }
            "sleep" => {
                std::thread::sleep(std::time::Duration::from_millis(p.ms.unwrap_or(0)));
                Ok(CheckResult::pass("misbehave.sleep.done", "slept"))
            }
            "panic" => panic!("deliberate panic in the corpus plugin"),
            "segfault" => {
                // SAFETY: not safe at all — this kind exists to crash the process with SIGSEGV.
                unsafe { std::ptr::null_mut::<u8>().write_volatile(1) };
                unreachable!()
            }
            "abort" => std::process::abort(),
            "hang" => {
                let child = std::process::Command::new("sleep")
                    .arg("1000")
                    .spawn()
                    .map_err(|e| e.to_string())?;
                if let Some(f) = &p.pid_file {
                    // Renamed into place, so a waiting test never reads it half-written.
                    let part = format!("{f}.part");
                    std::fs::write(&part, child.id().to_string()).map_err(|e| e.to_string())?;
                    std::fs::rename(&part, f).map_err(|e| e.to_string())?;
                }
                std::mem::forget(child);
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                }
            }
            "spam" => {
                let line = [b'x'; 1023];
                let mut out = std::io::stdout().lock();
                for _ in 0..4096 {
                    let _ = out.write_all(&line);
                    let _ = out.write_all(b"\n");
                }
                let _ = out.flush();
                Ok(CheckResult::pass(
                    "misbehave.spam.done",
                    "printed 4 MiB to stdout and still answered",
                ))
            }
            "escape" | "escape_hang" => {
                let f = p.pid_file.as_deref().ok_or("escape needs pid_file")?;
                start_escaped_daemon(f)?;
                if request.kind == "escape_hang" {
                    loop {
                        std::thread::sleep(std::time::Duration::from_secs(1));
                    }
                }
                Ok(CheckResult::pass(
                    "misbehave.escape.done",
                    "started a daemon in a new session and answered",
                ))
            }
            "hostile_text" => {
                let text = p.summary.clone().unwrap_or_else(|| HOSTILE.to_string());
                Ok(CheckResult::new(
                    readycheck_sdk::Status::Fail,
                    "misbehave.hostile.text",
                    text.clone(),
                )
                .detail(text.clone())
                .evidence(text.clone())
                .metric(format!("m{HOSTILE}"), 1.0)
                .observe(readycheck_sdk::Observation::Resolver {
                    address: text.clone(),
                    interface: Some(text.clone()),
                    owner: Default::default(),
                }))
            }
            "host_code" => Ok(CheckResult::fail(
                "host.plugin.timed_out",
                "pretends the host timed it out",
            )),
            "big_texts" => {
                let big = "é".repeat(150_000);
                let mut r =
                    CheckResult::warn("misbehave.big.texts", big.clone()).detail(big.clone());
                for _ in 0..100 {
                    r = r.evidence("e".repeat(2000));
                }
                Ok(r)
            }
            "exit" => std::process::exit(0),
            "error" => Err("deliberate plugin error: the corpus plugin refuses".into()),
            other => Err(format!("kind {other} is handled by the raw entry point")),
        }
    }
}

// The raw-output kinds need to write bytes the SDK would never produce, so the run entry is
// wrapped: those kinds write directly to the sink, everything else goes through the SDK.
unsafe extern "C" fn run_raw(
    request: *const u8,
    len: usize,
    ctx: *mut std::ffi::c_void,
    sink: Sink,
) -> i32 {
    // SAFETY: the host passes `len` readable bytes.
    let bytes = unsafe { std::slice::from_raw_parts(request, len) };
    let kind = serde_json::from_slice::<CheckRequest>(bytes)
        .map(|r| r.kind)
        .unwrap_or_default();
    let emit = |b: &[u8]| {
        // SAFETY: sink/ctx are the host's for this call.
        unsafe { sink(ctx, b.as_ptr(), b.len()) }
    };
    match kind.as_str() {
        "bad_utf8" => {
            emit(b"{\"status\":\"pass\",\"code\":\"x\",\"summary\":\"\xff\xfe\"}");
            0
        }
        "bad_json" => {
            emit(b"{\"status\": \"pass\", this is not json");
            0
        }
        "huge" => {
            let chunk = vec![b' '; 64 * 1024];
            emit(b"{\"status\":\"pass\",\"code\":\"x\",\"summary\":\"");
            for _ in 0..40 {
                emit(&chunk);
            }
            emit(b"\"}");
            0
        }
        "wrong_shape" => {
            emit(b"{\"status\":\"splendid\",\"code\":\"x\",\"summary\":\"\"}");
            0
        }
        // SAFETY: forwarding the same arguments to the SDK's guarded entry.
        _ => unsafe { readycheck_sdk::export::run_entry::<Misbehave>(request, len, ctx, sink) },
    }
}

/// ABI version, checked first by the host.
#[unsafe(no_mangle)]
pub extern "C" fn readycheck_abi_version() -> u32 {
    readycheck_sdk::abi::ABI_VERSION
}

/// The function table.
#[unsafe(no_mangle)]
pub extern "C" fn readycheck_plugin_v1() -> *const readycheck_sdk::abi::PluginTableV1 {
    static TABLE: readycheck_sdk::abi::PluginTableV1 = readycheck_sdk::abi::PluginTableV1 {
        abi_version: readycheck_sdk::abi::ABI_VERSION,
        struct_size: readycheck_sdk::abi::TABLE_V1_SIZE,
        name: c"misbehave".as_ptr(),
        version: c"0.1.0".as_ptr(),
        describe: readycheck_sdk::export::describe_entry::<Misbehave>,
        run: run_raw,
    };
    &TABLE
}
