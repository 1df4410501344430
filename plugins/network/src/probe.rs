//! What the network kinds share: the time a probe may take out of the check's timeout,
//! milliseconds as reports show them, and how the evidence, metrics and observations a probe
//! collected end up on its result.

use std::time::Duration;

use readycheck_sdk::{CheckResult, Observation};

/// The time a check's own work may take out of the `timeout` the host gave it: the host kills
/// the plugin soon after `timeout`, so every kind ends its probing a little before — a tenth of
/// the timeout, at least 50 ms and at most 300 ms — to leave time to answer with what it found.
pub fn budget(timeout: Duration) -> Duration {
    let reserve = (timeout / 10).clamp(Duration::from_millis(50), Duration::from_millis(300));
    timeout
        .saturating_sub(reserve)
        .max(Duration::from_millis(1))
}

/// Milliseconds as f64 with microsecond resolution.
pub fn millis(d: Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

/// `r` with the probe's evidence, its metrics (in the order they were measured) and its
/// observations.
pub fn finish(
    mut r: CheckResult,
    evidence: Vec<String>,
    metrics: Vec<(&str, f64)>,
    observations: Vec<Observation>,
) -> CheckResult {
    r.evidence = evidence;
    for (k, v) in metrics {
        r = r.metric(k, v);
    }
    r.observations = observations;
    r
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn every_check_keeps_time_to_answer_before_the_host_kills_it() {
        let ms = |m| Duration::from_millis(m);
        assert_eq!(super::budget(ms(5000)), ms(4700));
        assert_eq!(super::budget(ms(1000)), ms(900));
        assert_eq!(super::budget(ms(300)), ms(250));
        assert!(super::budget(ms(10)) >= ms(1));
    }
}
