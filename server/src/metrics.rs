//! Prometheus `/metrics` in the text exposition format: hosts by verdict and site (and roster
//! hosts not yet reported), the most common root-cause codes, reports ingested by this
//! instance by result, and ingest latency as a histogram — so firms on Prometheus/Grafana graph
//! and alert with what they already run. The fleet numbers come from the store's aggregates.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::store::{FleetFilter, Store, StoreError};

/// Upper bounds of the ingest latency buckets, in seconds.
const BOUNDS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// This instance's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    stored: AtomicU64,
    duplicate: AtomicU64,
    refused: AtomicU64,
    buckets: [AtomicU64; 11],
    count: AtomicU64,
    sum_us: AtomicU64,
}

/// How an ingest ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Stored,
    Duplicate,
    Refused,
}

impl Metrics {
    /// Counts one submission and how long it took.
    pub fn ingest(&self, outcome: Outcome, took: Duration) {
        match outcome {
            Outcome::Stored => &self.stored,
            Outcome::Duplicate => &self.duplicate,
            Outcome::Refused => &self.refused,
        }
        .fetch_add(1, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (b, bound) in self.buckets.iter().zip(BOUNDS) {
            if secs <= bound {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }
}

/// A label value escaped for the exposition format.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition text.
pub async fn render(m: &Metrics, store: &Store, stale_cut: i64) -> Result<String, StoreError> {
    let mut out = String::new();
    let f = FleetFilter::default();
    let _ = writeln!(
        out,
        "# HELP readycheck_hosts Hosts by the verdict of their latest full report (stale: older than the dashboard's stale_after; not_reported: on the roster, never reported), by site.\n# TYPE readycheck_hosts gauge"
    );
    for (site, verdict, n, _) in store.verdicts_by_site(&f, stale_cut).await? {
        let _ = writeln!(
            out,
            "readycheck_hosts{{verdict=\"{}\",site=\"{}\"}} {n}",
            label(&verdict),
            label(&site)
        );
    }
    for (site, _, n) in store.roster_by_site(&f).await? {
        let _ = writeln!(
            out,
            "readycheck_hosts{{verdict=\"not_reported\",site=\"{}\"}} {n}",
            label(&site)
        );
    }
    let _ = writeln!(
        out,
        "# HELP readycheck_root_cause_hosts Hosts not ready or degraded by the result code of their root cause (top 20).\n# TYPE readycheck_root_cause_hosts gauge"
    );
    for (code, n) in store.top_codes(stale_cut, 20).await? {
        let _ = writeln!(
            out,
            "readycheck_root_cause_hosts{{code=\"{}\"}} {n}",
            label(&code)
        );
    }
    let _ = writeln!(
        out,
        "# HELP readycheck_reports_ingested_total Report submissions this instance answered, by result.\n# TYPE readycheck_reports_ingested_total counter"
    );
    for (result, c) in [
        ("stored", &m.stored),
        ("duplicate", &m.duplicate),
        ("refused", &m.refused),
    ] {
        let _ = writeln!(
            out,
            "readycheck_reports_ingested_total{{result=\"{result}\"}} {}",
            c.load(Ordering::Relaxed)
        );
    }
    let _ = writeln!(
        out,
        "# HELP readycheck_ingest_seconds Time to check and store a submitted report.\n# TYPE readycheck_ingest_seconds histogram"
    );
    for (b, bound) in m.buckets.iter().zip(BOUNDS) {
        let _ = writeln!(
            out,
            "readycheck_ingest_seconds_bucket{{le=\"{bound}\"}} {}",
            b.load(Ordering::Relaxed)
        );
    }
    let count = m.count.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "readycheck_ingest_seconds_bucket{{le=\"+Inf\"}} {count}\nreadycheck_ingest_seconds_sum {}\nreadycheck_ingest_seconds_count {count}",
        m.sum_us.load(Ordering::Relaxed) as f64 / 1e6
    );
    Ok(out)
}
