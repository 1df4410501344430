//! One report as a single self-contained HTML page for the employee: inline CSS, no scripts, no
//! fetches, readable on a laptop or a phone. The first screen holds the verdict, the diagnosis's
//! headline and what to do first, and whom to send the report to (the profile's contact, a
//! mailto link, the saved file and its folder); then the checks in plain words; evidence,
//! metrics, codes and the run's facts are folded under "Details for the helpdesk". Times are the
//! PC's local time with its zone named. Every value from a plugin or a profile is escaped.

use std::fmt::Write as _;
use std::time::SystemTime;

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
.b-pass{background:var(--ok)}.b-warn{background:var(--warn)}.b-fail{background:var(--bad)}.b-skip,.b-error{background:var(--skip)}
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
.contact{border-left:.35rem solid #0969da;background:#ddf4ff;padding:.6rem .8rem;margin:0 0 1rem;border-radius:.3rem}
.contact p{margin:.2rem 0}.contact a{color:#0969da;font-weight:600}
.when{margin:.3rem 0 0;font-size:.9rem}
details.helpdesk{margin:1.4rem 0;border-top:1px solid #d0d7de;padding-top:.6rem}
details.helpdesk>summary{cursor:pointer;font-weight:600;font-size:1.05rem}
.path-box{margin:0 0 1rem}
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

/// The diagnosis box: the headline, what to do first and whose problem it is.
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
            "<p class=\"fix\" id=\"what-to-do\">{}</p><p class=\"muted\">{}</p>",
            esc(&tr!(l, "report.what_to_do", fix = lead.advice)),
            esc(whose)
        );
    }
    o.push_str("</section>\n");
    o
}

/// The way from the PC to the services, drawn as a chain of stretches with their state.
fn path(report: &Report) -> String {
    let l = report.locale();
    let Some(d) = &report.diagnosis else {
        return String::new();
    };
    if d.path.is_empty() {
        return String::new();
    }
    let mut o = String::new();
    let _ = write!(
        o,
        "<section class=\"path-box\"><ol class=\"path\" aria-label=\"{}\">",
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
    o.push_str("</ol></section>\n");
    o
}

/// What the page knows beyond the report: where the JSON report was saved, and the time the
/// page is drawn (for "6 minutes ago").
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub saved_to: Option<String>,
    pub now: Option<SystemTime>,
}

/// The run's start as the PC's clock showed it: `2026-11-23 06:00`, and the zone it is in
/// (`Asia/Shanghai, UTC+08:00`), or UTC when the report does not say.
pub fn local_time(report: &Report) -> (String, String) {
    let Ok(t) = humantime::parse_rfc3339_weak(report.started_at.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(&report.started_at))
    else {
        return (report.started_at.clone(), String::new());
    };
    let off = report.host.utc_offset_minutes.unwrap_or(0);
    let shifted = if off >= 0 {
        t + std::time::Duration::from_secs(off as u64 * 60)
    } else {
        t - std::time::Duration::from_secs(off.unsigned_abs() as u64 * 60)
    };
    let stamp = humantime::format_rfc3339_seconds(shifted).to_string();
    let shown = format!("{} {}", &stamp[..10], &stamp[11..16]);
    let zone = match report.host.utc_offset_minutes {
        None => "UTC".to_string(),
        Some(m) => {
            let sign = if m < 0 { '-' } else { '+' };
            let utc = format!("UTC{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60);
            match &report.host.timezone {
                Some(z) if !z.is_empty() => {
                    let sep = if report.locale() == Locale::ZhCn {
                        "，"
                    } else {
                        ", "
                    };
                    format!("{z}{sep}{utc}")
                }
                _ => utc,
            }
        }
    };
    (shown, zone)
}

/// "6 minutes ago" / "6 分钟前" from the run's start to `now`; "just now" under a minute.
pub fn ago(report: &Report, now: SystemTime) -> Option<String> {
    let l = report.locale();
    let t = humantime::parse_rfc3339_weak(report.started_at.trim_end_matches('Z'))
        .or_else(|_| humantime::parse_rfc3339(&report.started_at))
        .ok()?;
    let secs = now.duration_since(t).ok()?.as_secs_f64();
    if secs < 60.0 {
        return Some(tr!(l, "html.just_now"));
    }
    let rounded = if secs < 7200.0 {
        (secs / 60.0).floor() * 60.0
    } else {
        secs
    };
    Some(tr!(
        l,
        "html.ago",
        time = readycheck_sdk::i18n::duration(rounded, l)
    ))
}

/// The first e-mail address in a contact line.
fn email_in(contact: &str) -> Option<&str> {
    contact
        .split(|c: char| c.is_whitespace() || "·,;()<>，；（）「」".contains(c))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == ':' || c == '：'))
        .find(|w| {
            let Some((user, domain)) = w.split_once('@') else {
                return false;
            };
            !user.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && w.chars().all(|c| c.is_ascii_graphic() && c != '"')
        })
}

/// Percent-encodes for a URL's query or path (RFC 3986 unreserved characters kept).
fn pct(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A `file:` URL for a folder (`C:\Users\li\reports` → `file:///C:/Users/li/reports/`).
fn folder_url(dir: &str) -> String {
    let slashed = dir.replace('\\', "/");
    let abs = if slashed.starts_with('/') {
        slashed
    } else {
        format!("/{slashed}")
    };
    let mut url = format!("file://{}", pct(&abs, "/:"));
    if !url.ends_with('/') {
        url.push('/');
    }
    url
}

/// Whom to send the report to, and how: the profile's contact, a mailto link when it has an
/// e-mail address, and the saved file with a link to its folder.
fn contact(report: &Report, page: &Page) -> String {
    let l = report.locale();
    let mut o = String::from("<section class=\"contact\" id=\"contact\">");
    match report
        .profile
        .contact
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        Some(c) => {
            let _ = write!(o, "<p>{}</p>", esc(&tr!(l, "html.send_to", contact = c)));
            if let Some(addr) = email_in(c) {
                let verdict = tr!(l, &format!("html.verdict.{}", report.verdict.as_str()));
                let subject = tr!(
                    l,
                    "html.mail_subject",
                    host = &report.host.hostname,
                    verdict = verdict
                );
                let body = match &page.saved_to {
                    Some(p) => tr!(l, "html.mail_body_file", path = p),
                    None => tr!(l, "html.mail_body"),
                };
                let href = format!(
                    "mailto:{}?subject={}&body={}",
                    pct(addr, "@"),
                    pct(&subject, ""),
                    pct(&body, "")
                );
                let _ = write!(
                    o,
                    "<p><a id=\"mailto\" href=\"{}\">{}</a></p>",
                    esc(&href),
                    esc(&tr!(l, "html.write_mail", email = addr))
                );
            }
        }
        None => {
            let _ = write!(o, "<p>{}</p>", esc(&tr!(l, "html.send_to_it")));
        }
    }
    if let Some(saved) = &page.saved_to {
        let dir = std::path::Path::new(saved)
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let _ = write!(
            o,
            "<p class=\"muted\" id=\"saved\">{} <a id=\"open-folder\" href=\"{}\">{}</a></p>",
            esc(&tr!(l, "html.saved_as", path = saved)),
            esc(&folder_url(&dir)),
            esc(&tr!(l, "html.open_folder"))
        );
    }
    o.push_str("</section>\n");
    o
}

/// The page with nothing known beyond the report (no saved file, no "ago").
pub fn render(report: &Report) -> String {
    render_page(report, &Page::default())
}

pub fn render_page(report: &Report, page: &Page) -> String {
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
    let (when, zone) = local_time(report);
    let when_line = match page.now.and_then(|n| ago(report, n)) {
        Some(a) => tr!(l, "html.checked_at_ago", time = when, zone = zone, ago = a),
        None => tr!(l, "html.checked_at", time = when, zone = zone),
    };
    let _ = writeln!(
        o,
        "<section class=\"banner {}\" id=\"verdict\" data-verdict=\"{}\"><h1>{}</h1><p>{}</p><p class=\"when\" id=\"local-time\">{} · {}</p></section>",
        report.verdict.as_str(),
        report.verdict.as_str(),
        esc(&title),
        esc(&line),
        esc(&report.host.hostname),
        esc(&when_line)
    );
    o.push_str(&diagnosis(report));
    o.push_str(&contact(report, page));
    o.push_str(&path(report));
    let listed = super::start_here(report);
    if !listed.is_empty() {
        let _ = writeln!(o, "<h2>{}</h2>", esc(&tr!(l, "report.start_here")));
        for c in listed {
            let _ = write!(
                o,
                "<div class=\"cause{}\" id=\"cause-{}\"><div>{} <strong>{}</strong></div><div>{}</div>",
                if c.status == Status::Warn {
                    " warn"
                } else {
                    ""
                },
                esc(&c.id),
                badge(c.status, l),
                esc(&c.title),
                esc(&c.summary)
            );
            if let Some(fix) = &c.fix {
                let _ = write!(
                    o,
                    "<div class=\"fix\">{}</div>",
                    esc(&tr!(l, "report.what_to_do", fix = fix))
                );
            }
            o.push_str("</div>\n");
        }
    }
    // Every check in plain words: its state and summary, nothing for the helpdesk.
    let _ = write!(
        o,
        "<h2>{}</h2>\n<table id=\"checks\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        esc(&tr!(l, "report.all_checks")),
        esc(&tr!(l, "html.col.status")),
        esc(&tr!(l, "html.col.check")),
        esc(&tr!(l, "html.col.result")),
    );
    for c in &report.checks {
        let _ = writeln!(
            o,
            "<tr id=\"check-{}\" data-status=\"{}\"><td>{}</td><td><strong>{}</strong></td><td>{}{}</td></tr>",
            esc(&c.id),
            c.status.as_str(),
            badge(c.status, l),
            esc(&c.title),
            esc(&c.summary),
            match &c.explained_by {
                Some(root) if c.status != Status::Skip => format!(
                    " <span class=\"muted\">{}</span>",
                    esc(&tr!(l, "report.caused_by", id = root))
                ),
                _ => String::new(),
            }
        );
    }
    o.push_str("</tbody>\n</table>\n");
    o.push_str(&details(report, page));
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// Everything the helpdesk needs and the employee does not: per check its id, plugin, kind,
/// code, evidence, metrics and time, then the facts of the run. Folded.
fn details(report: &Report, page: &Page) -> String {
    let l = report.locale();
    let mut o = String::new();
    let _ = write!(
        o,
        "<details class=\"helpdesk\" id=\"details\"><summary>{}</summary>\n<table>\n<thead><tr><th>{}</th><th>{}</th><th class=\"hide-s\">{}</th></tr></thead>\n<tbody>\n",
        esc(&tr!(l, "html.details")),
        esc(&tr!(l, "html.col.check")),
        esc(&tr!(l, "html.col.details")),
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
            "<tr id=\"detail-{}\"><td>{} <strong>{}</strong><br><span class=\"muted\">{} · {}/{} · {}</span></td><td>{}</td><td class=\"hide-s\">{}</td></tr>",
            esc(&c.id),
            badge(c.status, l),
            esc(&c.title),
            esc(&c.id),
            esc(&c.plugin),
            esc(&c.kind),
            esc(&c.code),
            evidence(c),
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
    let (when, zone) = local_time(report);
    fact(
        &tr!(l, "html.fact.started"),
        &format!(
            "{} · {}",
            tr!(l, "html.checked_at", time = when, zone = zone),
            report.started_at
        ),
    );
    fact(&tr!(l, "html.fact.id"), &report.id);
    fact(
        &tr!(l, "html.fact.tool"),
        &format!("{} {}", report.tool.name, report.tool.version),
    );
    if let Some(c) = &report.profile.contact {
        fact(&tr!(l, "html.fact.helpdesk"), c);
    }
    if let Some(p) = &page.saved_to {
        fact(&tr!(l, "html.fact.saved"), p);
    }
    o.push_str("</dl>\n</details>\n");
    o
}
