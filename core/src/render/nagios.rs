//! One Nagios plugin status line with performance data (Nagios plugin API): the service state,
//! a short text, then `|` and `'label'=value[UOM]` pairs. The exit code is the verdict's (0 OK,
//! 1 WARNING, 2 CRITICAL, 3 UNKNOWN when readycheck could not run).

use crate::report::{Report, Status, Verdict};

fn label(s: &str) -> String {
    // Perfdata labels are quoted; a quote inside is doubled and `=` is not allowed.
    s.replace('\'', "''").replace('=', "_")
}

fn number(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

pub fn render(r: &Report) -> String {
    let state = match r.verdict {
        Verdict::Ready => "OK",
        Verdict::Degraded => "WARNING",
        Verdict::NotReady => "CRITICAL",
    };
    let bad: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| matches!(c.status, Status::Fail | Status::Error))
        .map(|c| c.id.as_str())
        .collect();
    let warn: Vec<&str> = r
        .checks
        .iter()
        .filter(|c| c.status == Status::Warn)
        .map(|c| c.id.as_str())
        .collect();
    let text = match r.verdict {
        Verdict::Ready => format!("{} checks passed", r.checks.len()),
        _ => {
            let mut parts = Vec::new();
            if !bad.is_empty() {
                parts.push(format!("failed: {}", bad.join(", ")));
            }
            if !warn.is_empty() {
                parts.push(format!("warning: {}", warn.join(", ")));
            }
            parts.join("; ")
        }
    };
    let n = &r.counts;
    let mut perf = vec![
        format!("'pass'={}", n.pass),
        format!("'warn'={}", n.warn),
        format!("'fail'={}", n.fail),
        format!("'skip'={}", n.skip),
        format!("'error'={}", n.error),
        format!("'duration'={}s", number(r.duration_ms as f64 / 1000.0)),
    ];
    for c in &r.checks {
        for (k, v) in &c.metrics {
            let (value, uom) = if k.strip_suffix("_ms").is_some() {
                (number(v / 1000.0), "s")
            } else if k.ends_with("_bytes") {
                (number(*v), "B")
            } else if k.ends_with("_percent") {
                (number(*v), "%")
            } else {
                (number(*v), "")
            };
            perf.push(format!(
                "'{}'={value}{uom}",
                label(&format!("{}.{k}", c.id))
            ));
        }
    }
    format!(
        "READYCHECK {state} - {} | {}\n",
        text.replace('|', "/"),
        perf.join(" ")
    )
}
