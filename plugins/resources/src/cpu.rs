//! `resources/cpu`: logical and physical cores, and the load sampled over a short window (not
//! one instant, which is mostly noise; a fifth of a second by default, so that the employee does
//! not wait for it), against `min_cores` and `warn_load_percent`. The result says how long it
//! really looked (`cpu_sample_ms`), and on Unix it quotes the load average the OS keeps over the
//! last minutes beside the short sample.

use std::time::{Duration, Instant};

use readycheck_sdk::{Arg, CheckRequest, CheckResult, Kind, t};
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
    /// How long to sample the load, in milliseconds (default 200, at least 200; at most the
    /// check's timeout less 300 ms). A longer window smooths out a short burst.
    #[serde(default)]
    pub sample_ms: Option<u64>,
}

/// The sampling window when the profile does not ask for one: the shortest that the OS's
/// per-core time counters make meaningful (they tick every 10 ms on Linux).
pub const DEFAULT_SAMPLE: Duration = Duration::from_millis(200);

/// The shortest window sampled, whatever the profile asks.
pub fn minimum_sample() -> Duration {
    sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(Duration::from_millis(100))
}

/// The window to sample for: the one asked for (or the default), at least [`minimum_sample`],
/// and leaving 300 ms of `timeout` to answer before the host's deadline.
pub fn window(asked_ms: Option<u64>, timeout: Duration) -> Duration {
    let wanted = asked_ms.map_or(DEFAULT_SAMPLE, Duration::from_millis);
    wanted
        .min(timeout.saturating_sub(Duration::from_millis(300)))
        .max(minimum_sample())
}

/// The OS's own load averages (runnable and waiting tasks over 1, 5 and 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadAverage {
    pub one: f64,
    pub five: f64,
    pub fifteen: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CpuFacts {
    pub logical: u32,
    pub physical: Option<u32>,
    pub load_percent: f64,
    /// How long the load was really sampled (measured, not the window asked for).
    pub sample: Duration,
    pub load_average: Option<LoadAverage>,
}

/// The `resources/cpu` kind.
pub struct Cpu;

impl Kind for Cpu {
    const NAME: &'static str = "cpu";
    const TITLE: &'static str = "Processor cores and load";
    const DESCRIPTION: &'static str = "Counts the processor cores and measures how busy the processor is over a short sample \
         (200 ms by default). A PC that is busy all the time makes video calls and trading \
         apps stutter: look for a runaway program.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"cpu\"\nplugin = \"resources\"\nkind = \"cpu\"\ntitle = \"Processor\"\nmin_cores = 4\nwarn_load_percent = 90\n";
    type Params = CpuParams;

    fn run(p: &CpuParams, request: &CheckRequest) -> CheckResult {
        run(p, request.timeout())
    }
}

/// Samples the load over `sample` (raised to [`minimum_sample`]) and counts the cores.
pub fn gather(sample: Duration) -> Result<CpuFacts, String> {
    let sample = sample.max(minimum_sample());
    let mut sys =
        sysinfo::System::new().map_err(|e| format!("the OS did not report processor use: {e}"))?;
    sys.refresh_cpu_usage();
    let t0 = Instant::now();
    std::thread::sleep(sample);
    sys.refresh_cpu_usage();
    let looked = t0.elapsed();
    Ok(CpuFacts {
        logical: sys.cpus().len() as u32,
        physical: sysinfo::System::physical_core_count()
            .ok()
            .map(|n| n as u32),
        load_percent: f64::from(sys.global_cpu_usage()),
        sample: looked,
        load_average: load_average(),
    })
}

#[cfg(unix)]
fn load_average() -> Option<LoadAverage> {
    sysinfo::System::load_average().ok().map(|l| LoadAverage {
        one: l.one,
        five: l.five,
        fifteen: l.fifteen,
    })
}

/// Windows keeps no load average.
#[cfg(not(unix))]
fn load_average() -> Option<LoadAverage> {
    None
}

pub fn evaluate(p: &CpuParams, f: &CpuFacts) -> CheckResult {
    let warn_load = p.warn_load_percent.unwrap_or(90.0);
    let cores = match f.physical {
        Some(ph) => t!("cpu.cores_physical", logical = f.logical, physical = ph),
        None => t!("cpu.cores", logical = f.logical),
    };
    let sample_ms = f.sample.as_secs_f64() * 1000.0;
    let load = t!(
        "cpu.load",
        percent = format!("{:.0}", f.load_percent),
        time = Arg::ms(sample_ms.round())
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
        "{}; load sampled twice {:.1} ms apart: {:.1}% busy",
        crate::en(&cores),
        sample_ms,
        f.load_percent
    ));
    if let Some(l) = f.load_average {
        r.evidence.push(format!(
            "the OS's load average over 1, 5 and 15 minutes: {:.2}, {:.2}, {:.2} ({} logical cores)",
            l.one, l.five, l.fifteen, f.logical
        ));
    }
    r = r
        .metric("cpu_logical_cores", f64::from(f.logical))
        .metric("cpu_load_percent", (f.load_percent * 10.0).round() / 10.0)
        .metric("cpu_sample_ms", (sample_ms * 10.0).round() / 10.0);
    if let Some(l) = f.load_average {
        r = r.metric("cpu_load_average_1m", (l.one * 100.0).round() / 100.0);
    }
    if let Some(ph) = f.physical {
        r = r.metric("cpu_physical_cores", f64::from(ph));
    }
    r
}

pub fn run(p: &CpuParams, timeout: Duration) -> CheckResult {
    match gather(window(p.sample_ms, timeout)) {
        Ok(f) => evaluate(p, &f),
        Err(e) => CheckResult::error("resources.cpu.unavailable", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary;
    use readycheck_sdk::Status;

    fn facts(logical: u32, load: f64) -> CpuFacts {
        CpuFacts {
            logical,
            physical: Some(logical / 2),
            load_percent: load,
            sample: Duration::from_millis(200),
            load_average: None,
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
    fn the_window_is_short_by_default_and_an_explicit_one_is_honoured() {
        let four = Duration::from_secs(4);
        assert_eq!(window(None, four), Duration::from_millis(200));
        assert!(window(None, four) <= Duration::from_millis(250));
        // IT may ask for a longer window; it is kept when the timeout leaves room to answer.
        assert_eq!(window(Some(1500), four), Duration::from_millis(1500));
        assert_eq!(window(Some(1000), four), Duration::from_secs(1));
        assert_eq!(window(Some(10_000), four), Duration::from_millis(3700));
        // Never below the shortest meaningful window, even with a tiny timeout.
        assert_eq!(window(Some(10), four), minimum_sample());
        assert_eq!(window(None, Duration::from_millis(100)), minimum_sample());
    }

    #[test]
    fn the_result_says_how_long_it_looked() {
        let mut f = facts(8, 12.0);
        f.sample = Duration::from_micros(201_400);
        f.load_average = Some(LoadAverage {
            one: 0.5,
            five: 0.25,
            fifteen: 0.125,
        });
        let r = evaluate(&CpuParams::default(), &f);
        assert_eq!(r.metrics["cpu_sample_ms"], 201.4);
        assert_eq!(r.metrics["cpu_load_average_1m"], 0.5);
        assert!(
            r.en_summary().ends_with("12% busy over 201 ms"),
            "{}",
            r.en_summary()
        );
        assert!(
            r.evidence[0].contains("load sampled twice 201.4 ms apart: 12.0% busy"),
            "{:?}",
            r.evidence
        );
        assert!(
            r.evidence[1].contains("1, 5 and 15 minutes: 0.50, 0.25, 0.12"),
            "{:?}",
            r.evidence
        );
        // Without a load average (Windows) there is neither the line nor the metric.
        let r = evaluate(&CpuParams::default(), &facts(8, 12.0));
        assert_eq!(r.evidence.len(), 1);
        assert!(!r.metrics.contains_key("cpu_load_average_1m"));
    }

    #[test]
    fn the_real_machine_has_cores_and_a_load() {
        let f = gather(Duration::from_millis(250)).unwrap();
        assert_eq!(
            f.logical as usize,
            std::thread::available_parallelism().unwrap().get()
        );
        assert!((0.0..=100.0).contains(&f.load_percent));
        // The measured window, never shorter than the one asked for.
        assert!(f.sample >= Duration::from_millis(250), "{:?}", f.sample);
        #[cfg(target_os = "linux")]
        assert!(f.load_average.is_some_and(|l| l.one >= 0.0));
    }

    #[test]
    fn a_default_check_looks_for_a_fifth_of_a_second_not_a_whole_one() {
        let t0 = Instant::now();
        let r = run(&CpuParams::default(), Duration::from_secs(4));
        let took = t0.elapsed();
        // Busy or not (tests run side by side), it answers with what it saw.
        assert!(matches!(r.status, Status::Pass | Status::Warn), "{r:?}");
        let looked = r.metrics["cpu_sample_ms"];
        assert!((200.0..900.0).contains(&looked), "{looked}");
        assert!(took < Duration::from_millis(900), "{took:?}");
        assert!(took.as_secs_f64() * 1000.0 >= looked);
    }
}
