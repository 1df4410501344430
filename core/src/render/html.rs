//! One report as a single self-contained HTML page: inline CSS, no scripts, no fetches, readable
//! on a laptop or a phone. Verdict banner, root causes with their fix texts first, every check
//! with status, summary, evidence and timings, then host/profile/tool facts and the helpdesk
//! contact. Every value from a plugin or a profile is escaped.

use std::fmt::Write as _;

use super::text::{counts, ms};
use crate::diagnosis::StepState;
use crate::i18n::Locale;
use crate::report::{CheckReport, Report, Status, Verdict};
use crate::tr;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = r#"
:root{--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--skip:#6e7781;--bg:#f6f8fa;--fg:#1f2328}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:#fff}
main{max-width:60rem;margin:0 auto;padding:1rem}
.banner{padding:1.2rem 1rem;border-radius:.6rem;color:#fff;margin-bottom:1rem}
.banner h1{margin:0;font-size:1.6rem}.banner p{margin:.3rem 0 0}
.ready{background:var(--ok)}.degraded{background:var(--warn)}.not_ready{background:var(--bad)}
h2{font-size:1.15rem;margin:1.4rem 0 .5rem}
.cause{border-left:.35rem solid var(--bad);background:var(--bg);padding:.6rem .8rem;margin:.5rem 0;border-radius:.3rem}
.cause.warn{border-color:var(--warn)}.fix{font-weight:600}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.45rem .4rem;border-bottom:1px solid #d0d7de;vertical-align:top}
.badge{display:inline-block;min-width:3.2rem;text-align:center;padding:.05rem .4rem;border-radius:1rem;color:#fff;font-size:.8rem;font-weight:600}
.b-pass{background:var(--ok)}.b-warn{background:var(--warn)}.b-fail,.b-error{background:var(--bad)}.b-skip{background:var(--skip)}
.muted{color:#57606a;font-size:.85rem}ul.ev{margin:.3rem 0 0;padding-left:1.1rem;font-size:.85rem;color:#57606a}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
code{font-size:.85em}
.diag{border:2px solid var(--fg);border-radius:.6rem;padding:.8rem 1rem;margin:0 0 1rem}
.diag .headline{font-size:1.15rem;font-weight:700;margin:0 0 .4rem}
ol.path{list-style:none;padding:0;margin:.6rem 0 0;display:flex;flex-wrap:wrap;gap:.3rem;align-items:center}
ol.path li{padding:.2rem .55rem;border-radius:1rem;background:var(--bg);font-size:.9rem}
ol.path li+li::before{content:"→ ";color:#57606a}
.st-ok{color:var(--ok)}.st-warn{color:var(--warn)}.st-problem{color:#fff;background:var(--bad)!important;font-weight:700}
.st-affected{color:var(--bad)}.st-not_checked{color:var(--skip)}
td{overflow-wrap:anywhere}
@media (max-width:40rem){.hide-s,thead{display:none}tr{display:block;border-bottom:1px solid #d0d7de;padding:.5rem 0}td{display:block;border:0;padding:.1rem 0}}
"#;

fn badge(s: Status, l: Locale) -> String {
    format!(
        "<span class=\"badge b-{}\">{}</span>",
        s.as_str(),
        esc(&tr!(l, &format!("status.{}", s.as_str())))
    )
}

fn evidence(c: &CheckReport) -> String {
    let mut out = String::new();
    if c.evidence.is_empty() && c.metrics.is_empty() && c.detail.is_none() {
        return out;
    }
    out.push_str("<ul class=\"ev\">");
    if let Some(d) = &c.detail {
        let _ = write!(out, "<li>{}</li>", esc(d));
    }
    for e in &c.evidence {
        let _ = write!(out, "<li>{}</li>", esc(e));
    }
    if !c.metrics.is_empty() {
        let m: Vec<String> = c
            .metrics
            .iter()
            .map(|(k, v)| format!("{} = {v}", esc(k)))
            .collect();
        let _ = write!(out, "<li>{}</li>", m.join(" · "));
    }
    out.push_str("</ul>");
    out
}

/// The diagnosis box: the headline, what to do, whose problem it is, and the way from the PC
/// to the services drawn as a chain of stretches with their state.
fn diagnosis(report: &Report) -> String {
    let l = report.locale();
    let (Some(d), Some(lead)) = (&report.diagnosis, super::lead(report)) else {
        return String::new();
    };
    let mut o = String::new();
    let _ = write!(
        o,
        "<section class=\"diag\" id=\"diagnosis\" data-owner=\"{}\" data-layer=\"{}\"><p class=\"headline\">{}</p>",
        d.owner.as_str(),
        d.layer.as_str(),
        esc(lead.headline)
    );
    if let Some(whose) = &lead.whose {
        let _ = write!(
            o,
            "<p class=\"fix\">{}</p><p class=\"muted\">{}</p>",
            esc(&tr!(l, "report.what_to_do", fix = lead.advice)),
            esc(whose)
        );
    }
    if !d.path.is_empty() {
        let _ = write!(
            o,
            "<ol class=\"path\" aria-label=\"{}\">",
            esc(&tr!(l, "path.title"))
        );
        for step in &d.path {
            let state = match step.state {
                StepState::Ok => "ok",
                StepState::Warn => "warn",
                StepState::Problem => "problem",
                StepState::Affected => "affected",
                StepState::NotChecked => "not_checked",
            };
            let mark = match step.state {
                StepState::Ok => "✓",
                StepState::Warn => "!",
                StepState::Problem => "✗",
                StepState::Affected => "✗",
                StepState::NotChecked => "–",
            };
            let _ = write!(
                o,
                "<li class=\"st-{state}\" data-step=\"{}\" title=\"{}\">{} {mark}</li>",
                esc(&step.step),
                esc(&tr!(l, &format!("path.state.{state}"))),
                esc(&tr!(l, &format!("path.{}", step.step)))
            );
        }
        o.push_str("</ol>");
    }
    o.push_str("</section>\n");
    o
}

pub fn render(report: &Report) -> String {
    let l = report.locale();
    let mut o = String::new();
    let (title, line) = match report.verdict {
        Verdict::Ready => (tr!(l, "html.verdict.ready"), tr!(l, "html.line.ready")),
        Verdict::Degraded => (
            tr!(l, "html.verdict.degraded"),
            tr!(l, "html.line.degraded"),
        ),
        Verdict::NotReady => (
            tr!(l, "html.verdict.not_ready"),
            tr!(
                l,
                "html.line.not_ready",
                n = report.root_causes.len().max(1)
            ),
        ),
    };
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>readycheck: {} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        l.tag(),
        esc(&title),
        esc(&report.profile.name)
    );
    let _ = writeln!(
        o,
        "<section class=\"banner {}\" id=\"verdict\" data-verdict=\"{}\"><h1>{}</h1><p>{}</p><p class=\"muted\" style=\"color:#fff\">{} · {} · {}</p></section>",
        report.verdict.as_str(),
        report.verdict.as_str(),
        esc(&title),
        esc(&line),
        esc(&report.profile.name),
        esc(&report.host.hostname),
        esc(&report.started_at)
    );
    o.push_str(&diagnosis(report));
    let listed = super::start_here(report);
    if !listed.is_empty() {
        let _ = writeln!(o, "<h2>{}</h2>", esc(&tr!(l, "report.start_here")));
        for c in listed {
            let _ = write!(
                o,
                "<div class=\"cause{}\" id=\"cause-{}\"><div>{} <strong>{}</strong> <span class=\"muted\">({})</span></div><div>{}</div>",
                if c.status == Status::Warn {
                    " warn"
                } else {
                    ""
                },
                esc(&c.id),
                badge(c.status, l),
                esc(&c.title),
                esc(&c.id),
                esc(&c.summary)
            );
            if let Some(fix) = &c.fix {
                let _ = write!(
                    o,
                    "<div class=\"fix\">{}</div>",
                    esc(&tr!(l, "report.what_to_do", fix = fix))
                );
            }
            o.push_str(&evidence(c));
            o.push_str("</div>\n");
        }
    }
    let _ = write!(
        o,
        "<h2>{}</h2>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th>{}</th><th class=\"hide-s\">{}</th></tr></thead>\n<tbody>\n",
        esc(&tr!(l, "report.all_checks")),
        esc(&tr!(l, "html.col.status")),
        esc(&tr!(l, "html.col.check")),
        esc(&tr!(l, "html.col.result")),
        esc(&tr!(l, "html.col.time"))
    );
    for c in &report.checks {
        let time = if c.status == Status::Skip {
            "—".to_string()
        } else {
            ms(c.duration_ms, l)
        };
        let _ = writeln!(
            o,
            "<tr id=\"check-{}\" data-status=\"{}\"><td>{}</td><td><strong>{}</strong><br><span class=\"muted\">{} · {}/{} · {}</span></td><td>{}{}</td><td class=\"hide-s\">{}</td></tr>",
            esc(&c.id),
            c.status.as_str(),
            badge(c.status, l),
            esc(&c.title),
            esc(&c.id),
            esc(&c.plugin),
            esc(&c.kind),
            esc(&c.code),
            esc(&c.summary),
            match &c.explained_by {
                Some(root) => format!(
                    " <span class=\"muted\">{}</span>",
                    esc(&tr!(l, "report.caused_by", id = root))
                ),
                None => String::new(),
            } + &evidence(c),
            esc(&time)
        );
    }
    let _ = write!(
        o,
        "</tbody>\n</table>\n<h2>{}</h2>\n<dl>\n",
        esc(&tr!(l, "html.about"))
    );
    let mut fact = |k: &str, v: &str| {
        let _ = writeln!(o, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    };
    fact(
        &tr!(l, "html.fact.result"),
        &tr!(
            l,
            "html.result",
            counts = counts(report),
            time = ms(report.duration_ms, l)
        ),
    );
    fact(
        &tr!(l, "html.fact.profile"),
        &format!(
            "{} {}",
            report.profile.name,
            report.profile.version.as_deref().unwrap_or("")
        ),
    );
    fact(
        &tr!(l, "html.fact.computer"),
        &tr!(
            l,
            "html.computer",
            host = &report.host.hostname,
            os = &report.host.os,
            version = &report.host.os_version,
            arch = &report.host.arch,
            user = &report.host.user
        ),
    );
    fact(&tr!(l, "html.fact.started"), &report.started_at);
    fact(&tr!(l, "html.fact.id"), &report.id);
    fact(
        &tr!(l, "html.fact.tool"),
        &format!("{} {}", report.tool.name, report.tool.version),
    );
    if let Some(c) = &report.profile.contact {
        fact(&tr!(l, "html.fact.helpdesk"), c);
    }
    o.push_str("</dl>\n</main>\n</body>\n</html>\n");
    o
}
