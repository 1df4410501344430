//! One report as a single self-contained HTML page for the employee: inline CSS, no scripts, no
//! fetches, readable on a laptop or a phone. The first screen holds the verdict, the diagnosis's
//! headline and what to do first, and whom to send the report to (the profile's contact, a
//! mailto link, the saved file and its folder); then the checks in plain words; evidence,
//! metrics, codes and the run's facts are folded under "Details for the helpdesk". Times are the
//! PC's local time with its zone named. The page is a maud template: every value from a plugin or a
//! profile is escaped unless the template says otherwise.

use std::fmt::Write as _;
use std::time::SystemTime;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::text::{counts, ms};
use crate::diagnosis::StepState;
use crate::i18n::Locale;
use crate::report::{CheckReport, Report, Status, Verdict};
use crate::tr;

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
.contact{border-left:.35rem solid #0969da;background:#ddf4ff;padding:.6rem .8rem;margin:0 0 1rem;border-radius:.3rem;overflow-wrap:anywhere}
.contact p{margin:.2rem 0}.contact a{color:#0969da;font-weight:600}
.when{margin:.3rem 0 0;font-size:.9rem}
details.helpdesk{margin:1.4rem 0;border-top:1px solid #d0d7de;padding-top:.6rem}
details.helpdesk>summary{cursor:pointer;font-weight:600;font-size:1.05rem}
.path-box{margin:0 0 1rem}
@media (max-width:40rem){.hide-s,thead{display:none}tr{display:block;border-bottom:1px solid #d0d7de;padding:.5rem 0}td{display:block;border:0;padding:.1rem 0}}
"#;

fn badge(s: Status, l: Locale) -> Markup {
    html! {
        span class={ "badge b-" (s.as_str()) } { (tr!(l, &format!("status.{}", s.as_str()))) }
    }
}

fn evidence(c: &CheckReport) -> Markup {
    if c.evidence.is_empty() && c.metrics.is_empty() && c.detail.is_none() {
        return html! {};
    }
    let metrics: Vec<String> = c
        .metrics
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    html! {
        ul.ev {
            @if let Some(d) = &c.detail { li { (d) } }
            @for e in &c.evidence { li { (e) } }
            @if !metrics.is_empty() { li { (metrics.join(" · ")) } }
        }
    }
}

/// The diagnosis box: the headline, what to do first and whose problem it is.
fn diagnosis(report: &Report) -> Markup {
    let l = report.locale();
    let (Some(d), Some(lead)) = (&report.diagnosis, super::lead(report)) else {
        return html! {};
    };
    // "Follow the advice under that check below" says where, not what: on a phone that check is
    // below the first screen, so its own fix, when it has one, is what to do first.
    let advice = match lead.root.and_then(|c| c.fix.as_deref()) {
        Some(fix)
            if matches!(
                d.advice_message.id.as_str(),
                "diag.this_pc.advice" | "diag.concern.advice"
            ) =>
        {
            fix
        }
        _ => lead.advice,
    };
    html! {
        section.diag #diagnosis data-owner=(d.owner.as_str()) data-layer=(d.layer.as_str()) {
            p.headline { (lead.headline) }
            @if let Some(whose) = &lead.whose {
                p.fix #what-to-do { (tr!(l, "report.what_to_do", fix = advice)) }
                p.muted { (whose) }
            }
        }
        "\n"
    }
}

/// The way from the PC to the services, drawn as a chain of stretches with their state.
fn path(report: &Report) -> Markup {
    let l = report.locale();
    let Some(d) = report.diagnosis.as_ref().filter(|d| !d.path.is_empty()) else {
        return html! {};
    };
    html! {
        section.path-box {
            ol.path aria-label=(tr!(l, "path.title")) {
                @for step in &d.path {
                    @let (state, mark) = match step.state {
                        StepState::Ok => ("ok", "✓"),
                        StepState::Warn => ("warn", "!"),
                        StepState::Problem => ("problem", "✗"),
                        StepState::Affected => ("affected", "✗"),
                        StepState::NotChecked => ("not_checked", "–"),
                    };
                    li class={ "st-" (state) } data-step=(step.step)
                        title=(tr!(l, &format!("path.state.{state}"))) {
                        (tr!(l, &format!("path.{}", step.step))) " " (mark)
                    }
                }
            }
        }
        "\n"
    }
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
fn contact(report: &Report, page: &Page) -> Markup {
    let l = report.locale();
    let contact = report
        .profile
        .contact
        .as_deref()
        .filter(|c| !c.trim().is_empty());
    let mailto = contact.and_then(email_in).map(|addr| {
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
        (href, tr!(l, "html.write_mail", email = addr))
    });
    let folder = page.saved_to.as_deref().map(|saved| {
        let dir = std::path::Path::new(saved)
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        (saved, folder_url(&dir))
    });
    html! {
        section.contact #contact {
            @match contact {
                Some(c) => p { (tr!(l, "html.send_to", contact = c)) },
                None => p { (tr!(l, "html.send_to_it")) },
            }
            @if let Some((href, text)) = &mailto {
                p { a #mailto href=(href) { (text) } }
            }
            @if let Some((saved, url)) = &folder {
                p.muted #saved {
                    (tr!(l, "html.saved_as", path = *saved)) " "
                    a #open-folder href=(url) { (tr!(l, "html.open_folder")) }
                }
            }
        }
        "\n"
    }
}

/// The page with nothing known beyond the report (no saved file, no "ago").
pub fn render(report: &Report) -> String {
    render_page(report, &Page::default())
}

pub fn render_page(report: &Report, page: &Page) -> String {
    let l = report.locale();
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
    let (when, zone) = local_time(report);
    let when_line = match page.now.and_then(|n| ago(report, n)) {
        Some(a) => tr!(l, "html.checked_at_ago", time = when, zone = zone, ago = a),
        None => tr!(l, "html.checked_at", time = when, zone = zone),
    };
    let verdict = report.verdict.as_str();
    let listed = super::start_here(report);
    html! {
        (DOCTYPE) "\n"
        html lang=(l.tag()) {
            "\n"
            head {
                "\n" meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                title { "readycheck: " (title) " — " (report.profile.name) } "\n"
                style { (PreEscaped(CSS)) } "\n"
            }
            "\n"
            body {
                "\n"
                main {
                    "\n"
                    section class={ "banner " (verdict) } id="verdict" data-verdict=(verdict) {
                        h1 { (title) }
                        p { (line) }
                        p.when #local-time { (report.host.hostname) " · " (when_line) }
                    }
                    "\n"
                    (diagnosis(report))
                    (contact(report, page))
                    (path(report))
                    @if !listed.is_empty() {
                        h2 { (tr!(l, "report.start_here")) } "\n"
                        @for c in listed {
                            div.cause.warn[c.status == Status::Warn] id={ "cause-" (c.id) } {
                                div { (badge(c.status, l)) " " strong { (c.title) } }
                                div { (c.summary) }
                                @if let Some(fix) = &c.fix {
                                    div.fix { (tr!(l, "report.what_to_do", fix = fix)) }
                                }
                            }
                            "\n"
                        }
                    }
                    // Every check in plain words: its state and summary, nothing for the helpdesk.
                    h2 { (tr!(l, "report.all_checks")) } "\n"
                    table #checks {
                        "\n"
                        thead { tr {
                            th { (tr!(l, "html.col.status")) }
                            th { (tr!(l, "html.col.check")) }
                            th { (tr!(l, "html.col.result")) }
                        } }
                        "\n"
                        tbody {
                            "\n"
                            @for c in &report.checks {
                                tr id={ "check-" (c.id) } data-status=(c.status.as_str()) {
                                    td { (badge(c.status, l)) }
                                    td { strong { (c.title) } }
                                    td {
                                        (c.summary)
                                        @if let Some(root) = c.explained_by.as_ref().filter(|_| c.status != Status::Skip) {
                                            " " span.muted { (tr!(l, "report.caused_by", id = root)) }
                                        }
                                    }
                                }
                                "\n"
                            }
                        }
                        "\n"
                    }
                    "\n"
                    (details(report, page))
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}

/// Everything the helpdesk needs and the employee does not: per check its id, plugin, kind,
/// code, evidence, metrics and time, then the facts of the run. Folded.
fn details(report: &Report, page: &Page) -> Markup {
    let l = report.locale();
    let (when, zone) = local_time(report);
    let mut facts = vec![
        (
            tr!(l, "html.fact.result"),
            tr!(
                l,
                "html.result",
                counts = counts(report),
                time = ms(report.duration_ms, l)
            ),
        ),
        (
            tr!(l, "html.fact.profile"),
            format!(
                "{} {}",
                report.profile.name,
                report.profile.version.as_deref().unwrap_or("")
            ),
        ),
        (
            tr!(l, "html.fact.computer"),
            tr!(
                l,
                "html.computer",
                host = &report.host.hostname,
                os = &report.host.os,
                version = &report.host.os_version,
                arch = &report.host.arch,
                user = &report.host.user
            ),
        ),
        (
            tr!(l, "html.fact.started"),
            format!(
                "{} · {}",
                tr!(l, "html.checked_at", time = when, zone = zone),
                report.started_at
            ),
        ),
        (tr!(l, "html.fact.id"), report.id.clone()),
        (
            tr!(l, "html.fact.tool"),
            format!("{} {}", report.tool.name, report.tool.version),
        ),
    ];
    if let Some(c) = &report.profile.contact {
        facts.push((tr!(l, "html.fact.helpdesk"), c.clone()));
    }
    if let Some(p) = &page.saved_to {
        facts.push((tr!(l, "html.fact.saved"), p.clone()));
    }
    html! {
        details.helpdesk #details {
            summary { (tr!(l, "html.details")) } "\n"
            table {
                "\n"
                thead { tr {
                    th { (tr!(l, "html.col.check")) }
                    th { (tr!(l, "html.col.details")) }
                    th.hide-s { (tr!(l, "html.col.time")) }
                } }
                "\n"
                tbody {
                    "\n"
                    @for c in &report.checks {
                        tr id={ "detail-" (c.id) } {
                            td {
                                (badge(c.status, l)) " " strong { (c.title) } br;
                                span.muted { (c.id) " · " (c.plugin) "/" (c.kind) " · " (c.code) }
                            }
                            td { (evidence(c)) }
                            td.hide-s {
                                @if c.status == Status::Skip { "—" } @else { (ms(c.duration_ms, l)) }
                            }
                        }
                        "\n"
                    }
                }
                "\n"
            }
            "\n"
            h2 { (tr!(l, "html.about")) } "\n"
            dl {
                "\n"
                @for (k, v) in &facts {
                    dt { (k) } dd { (v) } "\n"
                }
            }
            "\n"
        }
        "\n"
    }
}
