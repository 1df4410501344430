//! The `resources` plugin through the real host: every kind answers from this machine, and
//! what it reports agrees with the kernel's own numbers.

use crate::support::*;

#[test]
fn every_resources_kind_answers_through_the_host() {
    let env = Env::new();
    let p = env.profile(
        "res.toml",
        r#"
[profile]
name = "Resources"
timeout = "5s"

[[check]]
id = "memory"
plugin = "resources"
kind = "memory"
min_total = "256 MiB"

[[check]]
id = "disk"
plugin = "resources"
kind = "disk"
path = "/"
fail_free = "1 MB"

[[check]]
id = "cpu"
plugin = "resources"
kind = "cpu"
sample_ms = 300

[[check]]
id = "os"
plugin = "resources"
kind = "os"
min_version = { linux = "3.10", windows = "10.0.19045", macos = "13" }

[[check]]
id = "uptime"
plugin = "resources"
kind = "uptime"
severity = "info"

[[check]]
id = "power"
plugin = "resources"
kind = "power"
severity = "info"
"#,
    );
    let out = env.run(&["run", "-p", p.to_str().unwrap(), "-f", "json", "--no-save"]);
    let r: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_valid_report(&r);
    for id in ["memory", "disk", "cpu", "os", "uptime", "power"] {
        let c = check(&r, id);
        assert!(c.get("cause").is_none(), "{id} did not run: {c:#}");
        assert!(
            c["code"].as_str().unwrap().starts_with("resources."),
            "{id}: {c:#}"
        );
        assert!(
            !c["evidence"].as_array().unwrap().is_empty(),
            "{id} says what it read"
        );
    }
    assert_eq!(check(&r, "memory")["status"], "pass");
    assert_eq!(check(&r, "disk")["status"], "pass");
    #[cfg(target_os = "linux")]
    {
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
        let kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        assert_eq!(
            check(&r, "memory")["metrics"]["memory_total_bytes"].as_f64(),
            Some(kib * 1024.0)
        );
        let cores = std::thread::available_parallelism().unwrap().get() as f64;
        assert_eq!(
            check(&r, "cpu")["metrics"]["cpu_logical_cores"].as_f64(),
            Some(cores)
        );
    }
    let out = env.run(&["explain", "resources/disk"]);
    assert!(stdout(&out).contains("warn_free"), "{}", stdout(&out));
}

/// Every resources ground-truth case that ran agrees with the system's own tools.
#[test]
fn ground_truth_resources() {
    crate::support::build_once();
    crate::apps::assert_ground_truth("resources", readycheck_e2e::groundtruth::resources::cases());
}
