//! `resources/memory`: total and available RAM and swap, against `min_total`,
//! `warn_available` and `fail_available`.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::units::{Size, human};

/// Parameters of `resources/memory`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryParams {
    /// Fail when the PC has less RAM than this in total, e.g. "8 GiB".
    #[serde(default)]
    pub min_total: Option<Size>,
    /// Warn when less than this is available right now, e.g. "1 GiB".
    #[serde(default)]
    pub warn_available: Option<Size>,
    /// Fail when less than this is available right now.
    #[serde(default)]
    pub fail_available: Option<Size>,
}

/// What the OS says about memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryFacts {
    pub total: u64,
    pub available: u64,
    pub swap_total: u64,
    pub swap_used: u64,
}

/// The `resources/memory` kind.
pub struct Memory;

impl Kind for Memory {
    const NAME: &'static str = "memory";
    const TITLE: &'static str = "Installed and available memory (RAM)";
    const DESCRIPTION: &'static str = "Reads total and available RAM and swap from the operating system. Too little RAM in total \
         means the PC cannot run the firm's applications side by side; too little available right \
         now usually means something is using it up (close applications or restart).";
    const EXAMPLE: &'static str = "[[check]]\nid = \"memory\"\nplugin = \"resources\"\nkind = \"memory\"\ntitle = \"Enough memory\"\nmin_total = \"8 GiB\"\nwarn_available = \"1 GiB\"\n";
    type Params = MemoryParams;

    fn run(p: &MemoryParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

pub fn gather() -> Result<MemoryFacts, String> {
    let mut sys =
        sysinfo::System::new().map_err(|e| format!("the OS did not report memory: {e}"))?;
    sys.refresh_memory();
    Ok(MemoryFacts {
        total: sys.total_memory(),
        available: sys.available_memory(),
        swap_total: sys.total_swap(),
        swap_used: sys.used_swap(),
    })
}

pub fn run(p: &MemoryParams) -> CheckResult {
    match gather() {
        Ok(f) => evaluate(p, &f),
        Err(e) => CheckResult::error("resources.memory.unavailable", e),
    }
}

pub fn evaluate(p: &MemoryParams, f: &MemoryFacts) -> CheckResult {
    let parse = |s: &Option<Size>, name: &str| -> Result<Option<u64>, String> {
        s.as_ref()
            .map(|s| s.bytes().map_err(|e| format!("{name}: {e}")))
            .transpose()
    };
    let (min_total, warn_avail, fail_avail) = match (
        parse(&p.min_total, "min_total"),
        parse(&p.warn_available, "warn_available"),
        parse(&p.fail_available, "fail_available"),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return CheckResult::error("resources.memory.bad_param", e);
        }
    };
    // Windows calls swap "virtual memory" (虚拟内存) and its users know it by that name.
    let facts = t!(
        if cfg!(windows) {
            "memory.facts_windows"
        } else {
            "memory.facts"
        },
        total = human(f.total),
        available = human(f.available),
        swap_used = human(f.swap_used),
        swap_total = human(f.swap_total)
    );
    let mut r = if let Some(min) = min_total.filter(|m| f.total < *m) {
        CheckResult::fail(
            "resources.memory.too_little_installed",
            t!(
                "memory.too_little",
                total = human(f.total),
                min = human(min)
            ),
        )
    } else if let Some(min) = fail_avail.filter(|m| f.available < *m) {
        CheckResult::fail(
            "resources.memory.low_available",
            t!(
                "memory.low_fail",
                available = human(f.available),
                min = human(min)
            ),
        )
    } else if let Some(min) = warn_avail.filter(|m| f.available < *m) {
        CheckResult::warn(
            "resources.memory.low_available",
            t!(
                "memory.low_warn",
                available = human(f.available),
                min = human(min)
            ),
        )
    } else {
        CheckResult::pass("resources.memory.ok", facts.clone())
    };
    r.evidence.push(format!("memory: {}", crate::en(&facts)));
    r.metric("memory_total_bytes", f.total as f64)
        .metric("memory_available_bytes", f.available as f64)
        .metric("swap_total_bytes", f.swap_total as f64)
        .metric("swap_used_bytes", f.swap_used as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    const GIB: u64 = 1 << 30;

    fn facts(total: u64, available: u64) -> MemoryFacts {
        MemoryFacts {
            total,
            available,
            swap_total: 2 * GIB,
            swap_used: 0,
        }
    }

    fn params(min_total: Option<&str>, warn: Option<&str>, fail: Option<&str>) -> MemoryParams {
        let s = |v: Option<&str>| v.map(|t| Size::Text(t.into()));
        MemoryParams {
            min_total: s(min_total),
            warn_available: s(warn),
            fail_available: s(fail),
        }
    }

    #[test]
    fn thresholds_table() {
        let cases = [
            (
                params(Some("8 GiB"), None, None),
                facts(16 * GIB, 8 * GIB),
                Status::Pass,
                "resources.memory.ok",
            ),
            (
                params(Some("8 GiB"), None, None),
                facts(4 * GIB, 3 * GIB),
                Status::Fail,
                "resources.memory.too_little_installed",
            ),
            (
                params(None, Some("1 GiB"), None),
                facts(8 * GIB, GIB / 2),
                Status::Warn,
                "resources.memory.low_available",
            ),
            (
                params(None, Some("1 GiB"), Some("256 MiB")),
                facts(8 * GIB, 100 << 20),
                Status::Fail,
                "resources.memory.low_available",
            ),
            (
                params(None, None, None),
                facts(GIB, 1),
                Status::Pass,
                "resources.memory.ok",
            ),
            (
                params(Some("eight"), None, None),
                facts(GIB, 1),
                Status::Error,
                "resources.memory.bad_param",
            ),
        ];
        for (p, f, status, code) in cases {
            let r = evaluate(&p, &f);
            assert_eq!(
                (r.status, r.code.as_str()),
                (status, code),
                "{p:?} {f:?}: {}",
                r.en_summary()
            );
        }
        let r = evaluate(&params(Some("8 GiB"), None, None), &facts(4 * GIB, 3 * GIB));
        assert_eq!(
            r.en_summary(),
            "this PC has 4.0 GiB of RAM; at least 8.0 GiB is needed for this job"
        );
        assert_eq!(r.metrics["memory_total_bytes"], (4 * GIB) as f64);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn total_equals_proc_meminfo() {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        assert_eq!(gather().unwrap().total, kib * 1024);
    }
}
