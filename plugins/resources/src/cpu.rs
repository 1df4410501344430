//! `resources/cpu`: logical and physical cores, and the load sampled over a short window (not
//! one instant, which is mostly noise), against `min_cores` and `warn_load_percent`.

use std::time::Duration;

use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `resources/cpu`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CpuParams {
    /// Fail when the PC has fewer logical cores than this.
    #[serde(default)]
    pub min_cores: Option<u32>,
    /// Warn when the average load over the sample is above this percentage (default 90).
    #[serde(default)]
    #[schemars(range(min = 1, max = 100))]
    pub warn_load_percent: Option<f64>,
    /// How long to sample the load, in milliseconds (default 1000, at least 250).
    #[serde(default)]
    pub sample_ms: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuFacts {
    pub logical: u32,
    pub physical: Option<u32>,
    pub load_percent: f64,
    pub sample: Duration,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<CpuParams>(
        "cpu",
        "Processor cores and load",
        "Counts the processor cores and measures how busy the processor is over a short sample \
         (one second by default). A PC that is busy all the time makes video calls and trading \
         apps stutter: look for a runaway program.",
        "[[check]]\nid = \"cpu\"\nplugin = \"resources\"\nkind = \"cpu\"\ntitle = \"Processor\"\nmin_cores = 4\nwarn_load_percent = 90\n",
    )
}

pub fn gather(sample: Duration) -> Result<CpuFacts, String> {
    let sample = sample.max(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
    let mut sys =
        sysinfo::System::new().map_err(|e| format!("the OS did not report processor use: {e}"))?;
    sys.refresh_cpu_usage();
    std::thread::sleep(sample);
    sys.refresh_cpu_usage();
    Ok(CpuFacts {
        logical: sys.cpus().len() as u32,
        physical: sysinfo::System::physical_core_count()
            .ok()
            .map(|n| n as u32),
        load_percent: f64::from(sys.global_cpu_usage()),
        sample,
    })
}

pub fn evaluate(p: &CpuParams, f: &CpuFacts) -> CheckResult {
    let warn_load = p.warn_load_percent.unwrap_or(90.0);
    let cores = match f.physical {
        Some(ph) => t!("cpu.cores_physical", logical = f.logical, physical = ph),
        None => t!("cpu.cores", logical = f.logical),
    };
    let load = t!(
        "cpu.load",
        percent = format!("{:.0}", f.load_percent),
        secs = format!("{:.1}", f.sample.as_secs_f64())
    );
    let mut r = if let Some(min) = p.min_cores.filter(|m| f.logical < *m) {
        CheckResult::fail(
            "resources.cpu.too_few_cores",
            t!("cpu.too_few_cores", cores = cores.clone(), min = min),
        )
    } else if f.load_percent > warn_load {
        CheckResult::warn(
            "resources.cpu.busy",
            t!(
                "cpu.busy",
                load = load.clone(),
                limit = format!("{warn_load:.0}")
            ),
        )
    } else {
        CheckResult::pass(
            "resources.cpu.ok",
            t!("cpu.ok", cores = cores.clone(), load = load.clone()),
        )
    };
    r.evidence.push(format!(
        "{}; load sampled twice {} ms apart: {:.1}%",
        crate::en(&cores),
        f.sample.as_millis(),
        f.load_percent
    ));
    r = r
        .metric("cpu_logical_cores", f64::from(f.logical))
        .metric("cpu_load_percent", (f.load_percent * 10.0).round() / 10.0);
    if let Some(ph) = f.physical {
        r = r.metric("cpu_physical_cores", f64::from(ph));
    }
    r
}

pub fn run(p: &CpuParams, timeout: Duration) -> CheckResult {
    let wanted = Duration::from_millis(p.sample_ms.unwrap_or(1000).max(250));
    // Leave time to answer before the host's deadline.
    let sample = wanted.min(timeout.saturating_sub(Duration::from_millis(300)));
    match gather(sample) {
        Ok(f) => evaluate(p, &f),
        Err(e) => CheckResult::error("resources.cpu.unavailable", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    fn facts(logical: u32, load: f64) -> CpuFacts {
        CpuFacts {
            logical,
            physical: Some(logical / 2),
            load_percent: load,
            sample: Duration::from_secs(1),
        }
    }

    #[test]
    fn thresholds_table() {
        let p = CpuParams {
            min_cores: Some(4),
            warn_load_percent: Some(80.0),
            sample_ms: None,
        };
        assert_eq!(evaluate(&p, &facts(8, 10.0)).status, Status::Pass);
        assert_eq!(
            evaluate(&p, &facts(2, 10.0)).code,
            "resources.cpu.too_few_cores"
        );
        assert_eq!(evaluate(&p, &facts(8, 95.0)).code, "resources.cpu.busy");
        assert_eq!(
            evaluate(&CpuParams::default(), &facts(8, 85.0)).status,
            Status::Pass
        );
        assert_eq!(
            evaluate(&CpuParams::default(), &facts(8, 95.0)).status,
            Status::Warn
        );
    }

    #[test]
    fn the_real_machine_has_cores_and_a_load() {
        let f = gather(Duration::from_millis(250)).unwrap();
        assert_eq!(
            f.logical as usize,
            std::thread::available_parallelism().unwrap().get()
        );
        assert!((0.0..=100.0).contains(&f.load_percent));
    }
}
