//! JUnit XML for CI servers and IT automation: one `<testcase>` per check; `fail` → `<failure>`,
//! `error` → `<error>`, `skip` → `<skipped>`, `warn` passes with the warning in `<system-out>`.

use std::fmt::Write as _;

use super::xml::escape as xml;
use crate::report::{Report, Status};

pub fn render(r: &Report) -> String {
    let n = &r.counts;
    let total = n.pass + n.warn + n.fail + n.skip + n.error;
    let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let timestamp = r
        .started_at
        .split('.')
        .next()
        .unwrap_or(&r.started_at)
        .trim_end_matches('Z');
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        o,
        "<testsuites name=\"readycheck\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        n.fail,
        n.error,
        n.skip,
        secs(r.duration_ms)
    );
    let _ = writeln!(
        o,
        "  <testsuite name=\"{}\" tests=\"{total}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\" timestamp=\"{}\" hostname=\"{}\" id=\"0\" package=\"readycheck\">",
        xml(&r.profile.name),
        n.fail,
        n.error,
        n.skip,
        secs(r.duration_ms),
        xml(timestamp),
        xml(&r.host.hostname)
    );
    o.push_str("    <properties>\n");
    for (k, v) in [
        ("verdict", r.verdict.as_str().to_string()),
        ("report_id", r.id.clone()),
        (
            "profile_version",
            r.profile.version.clone().unwrap_or_default(),
        ),
        ("os", format!("{} {}", r.host.os, r.host.os_version)),
        ("user", r.host.user.clone()),
    ] {
        let _ = writeln!(
            o,
            "      <property name=\"{}\" value=\"{}\"/>",
            xml(k),
            xml(&v)
        );
    }
    o.push_str("    </properties>\n");
    for c in &r.checks {
        let _ = write!(
            o,
            "    <testcase name=\"{}\" classname=\"readycheck.{}.{}\" time=\"{}\"",
            xml(&format!("{}: {}", c.id, c.title)),
            xml(&c.plugin),
            xml(&c.kind),
            secs(c.duration_ms)
        );
        let mut body = String::new();
        for e in &c.evidence {
            body.push_str(e);
            body.push('\n');
        }
        if let Some(f) = &c.fix {
            body.push_str(&format!("What to do: {f}\n"));
        }
        match c.status {
            Status::Pass => o.push_str("/>\n"),
            Status::Warn => {
                let _ = write!(
                    o,
                    ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                    xml(&format!("WARNING [{}]: {}\n{body}", c.code, c.summary))
                );
            }
            Status::Fail => {
                let _ = write!(
                    o,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                    xml(&c.summary),
                    xml(&c.code),
                    xml(&body)
                );
            }
            Status::Error => {
                let _ = write!(
                    o,
                    ">\n      <error message=\"{}\" type=\"{}\">{}</error>\n    </testcase>\n",
                    xml(&c.summary),
                    xml(&c.code),
                    xml(&body)
                );
            }
            Status::Skip => {
                let _ = write!(
                    o,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    xml(&c.summary)
                );
            }
        }
    }
    o.push_str("    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n</testsuites>\n");
    o
}
