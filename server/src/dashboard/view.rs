//! The dashboard's pages as maud templates (every value escaped unless marked otherwise, and
//! nothing here marks one): the sign-in form, the home page and its live part, the full lists,
//! a host's page, and the roster page. Plain functions from data to markup.

use maud::{DOCTYPE, Markup, html};
use readycheck_sdk::i18n::Locale;

use super::charts;
use super::text::{Clock, cause_place, owner, t, verdict};
use crate::fleet::{Home, Incident};
use crate::store::{FleetFilter, ReportMeta, RosterRow, StateRow};

/// Who is looking, and how to write for them.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub l: Locale,
    pub user: String,
    pub admin: bool,
    pub csrf: String,
    pub clock: Clock,
    /// Cache-busting suffix for the static files.
    pub assets: &'static str,
}

/// Percent-encodes a query value or a path segment.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The filter as a query string (`?site=…&…`), with `extra` pairs added.
pub fn query(f: &FleetFilter, extra: &[(&str, &str)]) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("site", &f.site),
        ("department", &f.department),
        ("role", &f.role),
        ("verdict", &f.verdict),
        ("owner", &f.owner),
        ("cause", &f.cause),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", enc(v)));
        }
    }
    for (k, v) in extra {
        parts.push(format!("{k}={}", enc(v)));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

fn host_link(h: &str) -> String {
    format!("/dashboard/hosts/{}", enc(h))
}

fn headline(l: Locale, r: &StateRow) -> &str {
    let zh = r.headline_zh.as_deref().filter(|s| !s.is_empty());
    let en = r.headline_en.as_deref().unwrap_or("");
    match l {
        Locale::ZhCn => zh.unwrap_or(en),
        _ => en,
    }
}

/// The page around every signed-in view.
pub fn layout(c: &Ctx, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(c.l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · readycheck" }
                link rel="stylesheet" href=(format!("/dashboard/static/app.css?v={}", c.assets));
                script src=(format!("/dashboard/static/app.js?v={}", c.assets)) defer {}
            }
            body {
                header.top {
                    a.brand href="/dashboard" { "readycheck · " (t(c.l, "Helpdesk")) }
                    nav {
                        a href="/dashboard/roster" { (t(c.l, "Roster")) }
                        form.inline method="post" action="/dashboard/lang" {
                            input type="hidden" name="csrf" value=(c.csrf);
                            @if c.l == Locale::ZhCn {
                                button.link name="lang" value="en" lang="en" { "English" }
                            } @else {
                                button.link name="lang" value="zh-CN" lang="zh-CN" { "中文" }
                            }
                        }
                        span.user { (c.user) }
                        form.inline method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(c.csrf);
                            button.link { (t(c.l, "Sign out")) }
                        }
                    }
                }
                (body)
            }
        }
    }
}

/// The sign-in page.
pub fn login(l: Locale, csrf: &str, next: &str, error: Option<&str>) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (t(l, "Sign in")) " · readycheck" }
                link rel="stylesheet" href="/dashboard/static/app.css";
            }
            body.login {
                form.login method="post" action="/login" {
                    h1 { "readycheck · " (t(l, "Helpdesk")) }
                    @if let Some(e) = error { p.error role="alert" { (e) } }
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="next" value=(next);
                    label { (t(l, "User name")) input name="user" autocomplete="username" required autofocus; }
                    label { (t(l, "Password")) input name="password" type="password" autocomplete="current-password" required; }
                    button type="submit" { (t(l, "Sign in")) }
                }
            }
        }
    }
}

fn select(
    name: &str,
    label: &str,
    any: &str,
    current: &Option<String>,
    values: &[(String, String)],
) -> Markup {
    html! {
        label {
            span { (label) }
            select name=(name) {
                option value="" { (any) }
                @for (v, text) in values {
                    option value=(v) selected[current.as_deref() == Some(v.as_str())] { (text) }
                }
            }
        }
    }
}

/// The filter bar.
pub fn filters(c: &Ctx, f: &FleetFilter, values: &[Vec<String>; 3]) -> Markup {
    let l = c.l;
    let plain = |v: &Vec<String>| v.iter().map(|s| (s.clone(), s.clone())).collect::<Vec<_>>();
    let verdicts: Vec<(String, String)> =
        ["not_ready", "degraded", "ready", "stale", "not_reported"]
            .iter()
            .map(|v| (v.to_string(), verdict(l, v).to_string()))
            .collect();
    let owners: Vec<(String, String)> = [
        "company",
        "vendor",
        "vpn_client",
        "home_network",
        "sign_in_page",
        "proxy",
        "this_pc",
        "unknown",
    ]
    .iter()
    .map(|o| (o.to_string(), owner(l, o).to_string()))
    .collect();
    html! {
        form.filters method="get" action="/dashboard" {
            (select("site", t(l, "Site"), t(l, "Any"), &f.site, &plain(&values[0])))
            (select("department", t(l, "Department"), t(l, "Any"), &f.department, &plain(&values[1])))
            (select("role", t(l, "Role"), t(l, "Any"), &f.role, &plain(&values[2])))
            (select("verdict", t(l, "Verdict"), t(l, "Any"), &f.verdict, &verdicts))
            (select("owner", t(l, "Owner"), t(l, "Any"), &f.owner, &owners))
            @if let Some(cause) = f.cause.as_ref().filter(|s| !s.is_empty()) {
                input type="hidden" name="cause" value=(cause);
                span.chip { (t(l, "Cause")) ": " (cause) }
            }
            button type="submit" { (t(l, "Filter")) }
            a href="/dashboard" { (t(l, "Clear")) }
            a href=(format!("/dashboard/export.csv{}", query(f, &[]))) download { (t(l, "Export CSV")) }
        }
    }
}

/// The home page.
pub fn home(c: &Ctx, f: &FleetFilter, values: &[Vec<String>; 3], h: &Home) -> Markup {
    layout(
        c,
        t(c.l, "Dashboard"),
        html! {
            (filters(c, f, values))
            main #live data-live=(format!("/dashboard/live{}", query(f, &[]))) {
                (fragment(c, f, h))
            }
        },
    )
}

fn tile(class: &str, n: i64, label: &str, href: String) -> Markup {
    html! {
        a class=(format!("tile {class}")) href=(href) {
            span.n { (n) }
            span.what { (label) }
        }
    }
}

/// The part of the home page that updates live.
pub fn fragment(c: &Ctx, f: &FleetFilter, h: &Home) -> Markup {
    let l = c.l;
    let n = &h.counts;
    let with = |v: &str| {
        let mut g = f.clone();
        g.verdict = Some(v.to_string());
        format!("/dashboard/list{}", query(&g, &[]))
    };
    html! {
        p.asof {
            span.dot {} (t(l, "live")) " · " (t(l, "as of")) " "
            time #asof datetime=(crate::rfc3339(h.now)) { (c.clock.full(h.now)) }
            " (" (c.clock.zone()) ")"
        }
        section.counts aria-label=(t(l, "Roster")) {
            @if n.roster > 0 {
                div.tile.roster { span.n { (n.roster) } span.what { (t(l, "on the roster")) } }
            }
            (tile("ready", n.ready, t(l, "Ready"), with("ready")))
            (tile("degraded", n.degraded, t(l, "Degraded"), with("degraded")))
            (tile("not_ready", n.not_ready, t(l, "Not ready"), with("not_ready")))
            (tile("not_reported", n.not_reported, t(l, "Not yet reported"), with("not_reported")))
            (tile("stale", n.stale, t(l, "Stale"), with("stale")))
            @if n.unknown > 0 {
                a.tile.unknown href="/dashboard/roster" { span.n { (n.unknown) } span.what { (t(l, "Not on the roster")) } }
            }
        }
        div.cols {
            section #not-ready {
                h2 { (t(l, "Not ready now")) " " span.badge.not_ready { (n.not_ready) } }
                @if h.not_ready.is_empty() {
                    p.empty { (t(l, "Nobody is not ready.")) }
                } @else {
                    (host_table(c, &h.not_ready))
                    @if n.not_ready > h.not_ready.len() as i64 {
                        a.more href=(with("not_ready")) { (t(l, "all")) " " (n.not_ready) " →" }
                    }
                }
            }
            section #incidents {
                h2 { (t(l, "Incidents")) " " span.badge { (h.incidents.len()) } }
                @if h.incidents.is_empty() {
                    p.empty { (t(l, "No incident under way.")) }
                } @else {
                    ol.incidents {
                        @for i in h.incidents.iter().take(8) {
                            li { (incident(c, f, i)) }
                        }
                    }
                }
            }
        }
        div.cols {
            section #degraded {
                h2 { (t(l, "Degraded hosts")) " " span.badge.degraded { (n.degraded) } }
                @if h.degraded.is_empty() {
                    p.empty { (t(l, "No degraded host.")) }
                } @else {
                    (host_table(c, &h.degraded))
                    @if n.degraded > h.degraded.len() as i64 {
                        a.more href=(with("degraded")) { (t(l, "all")) " " (n.degraded) " →" }
                    }
                }
            }
            section #not-reported {
                h2 { (t(l, "Not yet reported")) " " span.badge.not_reported { (n.not_reported) } }
                @if n.roster == 0 && h.not_reported.is_empty() {
                    p.empty { (t(l, "No roster imported yet.")) " " a href="/dashboard/roster" { (t(l, "Import a roster")) } }
                } @else if h.not_reported.is_empty() {
                    p.empty { (t(l, "Everyone on the roster has reported.")) }
                } @else {
                    (roster_table(c, &h.not_reported))
                    @if n.not_reported > h.not_reported.len() as i64 {
                        a.more href=(with("not_reported")) { (t(l, "all")) " " (n.not_reported) " →" }
                    }
                }
            }
        }
        section.charts {
            figure { figcaption { (t(l, "Verdicts by site")) } (charts::by_site(l, &h.charts)) }
            figure { figcaption { (t(l, "Arrivals this morning")) } (charts::arrivals(l, &h.charts, n.roster, &c.clock)) }
            figure { figcaption { (t(l, "Cause × site")) } (charts::causes(l, &h.charts)) }
        }
    }
}

/// "6 × company VPN gateway refused (network.tcp.refused), all in 上海, since 05:52".
pub fn incident(c: &Ctx, f: &FleetFilter, i: &Incident) -> Markup {
    let l = c.l;
    let mut g = f.clone();
    g.owner = Some(i.owner.clone());
    g.cause = Some(i.code.clone()).filter(|s| !s.is_empty());
    g.verdict = Some("not_ready".into());
    let href = format!("/dashboard/list{}", query(&g, &[("incident", &i.key)]));
    html! {
        a.incident id=(format!("incident-{}", i.key)) href=(href) {
            strong { (i.hosts) " × " (cause_place(l, &i.owner, &i.layer)) }
            @if !i.who.is_empty() { " (" (i.who) ")" }
            " " code { (i.code) }
            br;
            span.where {
                @if i.sites.len() == 1 {
                    (t(l, "all in")) " " (i.sites[0].0)
                } @else {
                    (t(l, "in")) " "
                    @for (k, (s, n)) in i.sites.iter().take(4).enumerate() {
                        @if k > 0 { ", " }
                        (s) " " (n)
                    }
                }
                ", " (t(l, "since")) " " (c.clock.short(i.since))
            }
        }
    }
}

/// A table of hosts with their reason.
pub fn host_table(c: &Ctx, rows: &[StateRow]) -> Markup {
    let l = c.l;
    html! {
        table.hosts.state {
            colgroup { col.c-user; col.c-host; col.c-site; col.c-owner; col.c-why; col.c-since; col.c-report; }
            thead { tr {
                th { (t(l, "User")) } th { (t(l, "Host")) } th { (t(l, "Site")) }
                th { (t(l, "Whose problem")) } th { (t(l, "Why")) } th { (t(l, "Since")) } th { (t(l, "Report")) }
            } }
            tbody {
                @for r in rows {
                    tr class=(r.verdict) {
                        td data-h=(t(l, "User")) { (r.username) }
                        td data-h=(t(l, "Host")) {
                            a.host href=(host_link(&r.hostname)) { (r.hostname) }
                            @if r.essential { " " span.chip.essential { (t(l, "Essential")) } }
                            @if !r.in_roster { " " span.chip.unknown { (t(l, "not on the roster")) } }
                        }
                        td data-h=(t(l, "Site")) {
                            (r.site)
                            @if !r.department.is_empty() { " / " (r.department) }
                        }
                        td data-h=(t(l, "Whose problem")) {
                            @if let Some(o) = &r.owner {
                                span class=(format!("owner {o}")) { (cause_place(l, o, r.layer.as_deref().unwrap_or(""))) }
                            }
                        }
                        td.why data-h=(t(l, "Why")) { (headline(l, r)) }
                        td data-h=(t(l, "Since")) { (c.clock.short(r.verdict_since)) }
                        td data-h=(t(l, "Report")) {
                            a href=(format!("/dashboard/reports/{}?lang={}", enc(&r.report_id), l.tag())) { (t(l, "open")) }
                        }
                    }
                }
            }
        }
    }
}

/// A table of roster rows.
pub fn roster_table(c: &Ctx, rows: &[RosterRow]) -> Markup {
    let l = c.l;
    html! {
        table.hosts {
            thead { tr { th { (t(l, "User")) } th { (t(l, "Host")) } th { (t(l, "Site")) } th { (t(l, "Role")) } } }
            tbody {
                @for r in rows {
                    tr.not_reported {
                        td data-h=(t(l, "User")) { (r.username) }
                        td data-h=(t(l, "Host")) {
                            (r.hostname)
                            @if r.essential { " " span.chip.essential { (t(l, "Essential")) } }
                        }
                        td data-h=(t(l, "Site")) { (r.site) @if !r.department.is_empty() { " / " (r.department) } }
                        td data-h=(t(l, "Role")) { (r.role) }
                    }
                }
            }
        }
    }
}

/// A full list, paged.
pub fn list(
    c: &Ctx,
    f: &FleetFilter,
    values: &[Vec<String>; 3],
    state_rows: &[StateRow],
    roster_rows: &[RosterRow],
    page: i64,
    more: bool,
) -> Markup {
    let l = c.l;
    let v = f.verdict.clone().unwrap_or_default();
    let title = verdict(l, &v);
    html! {
        (filters(c, f, values))
        main.list {
            h2 { (title) " · " (t(l, "Page")) " " (page + 1) }
            @if v == "not_reported" { (roster_table(c, roster_rows)) } @else { (host_table(c, state_rows)) }
            nav.pages {
                @if page > 0 {
                    a href=(format!("/dashboard/list{}", query(f, &[("page", &(page - 1).to_string())]))) { "← " (t(l, "Previous")) }
                }
                @if more {
                    a href=(format!("/dashboard/list{}", query(f, &[("page", &(page + 1).to_string())]))) { (t(l, "Next")) " →" }
                }
            }
        }
    }
}

/// A change between two runs: check id, before (status, code) and after.
pub type Change = (String, Option<(String, String)>, Option<(String, String)>);

/// A host's page: its state, what changed, its history, and its latest report as the client
/// renders it (in a sandboxed frame: the report's own page, no scripts).
pub fn host(c: &Ctx, s: &StateRow, history: &[ReportMeta], changes: Option<&[Change]>) -> Markup {
    let l = c.l;
    html! {
        main.host {
            p { a href="/dashboard" { "← " (t(l, "Back")) } }
            h2 {
                span class=(format!("badge {}", s.verdict)) { (verdict(l, &s.verdict)) }
                " " span #hostname { (s.hostname) } " · " (s.username)
            }
            p.meta {
                (s.site) @if !s.department.is_empty() { " / " (s.department) }
                @if !s.role.is_empty() { " · " (s.role) }
                @if s.essential { " · " span.chip.essential { (t(l, "Essential")) } }
                @if !s.in_roster { " · " span.chip.unknown { (t(l, "not on the roster")) } }
                " · " (t(l, "Since")) " " (c.clock.short(s.verdict_since))
            }
            @if let Some(o) = &s.owner {
                p.why { strong { (t(l, "Whose problem")) ": " (cause_place(l, o, s.layer.as_deref().unwrap_or(""))) } " — " (headline(l, s)) }
            }
            section #changes {
                h3 { (t(l, "What changed since the run before")) }
                @match changes {
                    None => p.empty { (t(l, "Only one run so far.")) },
                    Some([]) => p.empty { (t(l, "Nothing changed.")) },
                    Some(list) => ul.changes {
                        @for (id, before, after) in list {
                            li {
                                code { (id) } ": "
                                @match (before, after) {
                                    (Some(b), Some(a)) => { (t(l, "was")) " " span class=(b.0) { (b.0) " " (b.1) } " → " (t(l, "now")) " " span class=(a.0) { (a.0) " " (a.1) } },
                                    (None, Some(a)) => { (t(l, "new check")) " " span class=(a.0) { (a.0) " " (a.1) } },
                                    (Some(b), None) => { (t(l, "check gone")) " (" (b.0) ")" },
                                    (None, None) => {},
                                }
                            }
                        }
                    },
                }
            }
            section #history {
                h3 { (t(l, "History")) }
                ol.timeline {
                    @for m in history {
                        li class=(m.verdict) {
                            a href=(format!("/dashboard/reports/{}?lang={}", enc(&m.id), l.tag())) {
                                time { (c.clock.short(m.started_at)) }
                                " " (verdict(l, &m.verdict))
                                @if m.partial { " (" (t(l, "partial run")) ")" }
                                @if let Some(code) = &m.root_cause_code { " · " code { (code) } }
                            }
                        }
                    }
                }
            }
            section #report {
                h3 { (t(l, "The latest report")) " " a href=(format!("/dashboard/reports/{}?lang={}", enc(&s.report_id), l.tag())) { (t(l, "open")) } }
                iframe.report sandbox="" title=(t(l, "The latest report")) src=(format!("/dashboard/reports/{}?lang={}", enc(&s.report_id), l.tag())) {}
            }
        }
    }
}

/// The roster page.
pub fn roster(c: &Ctx, size: i64, unknown: &[StateRow]) -> Markup {
    let l = c.l;
    html! {
        main.roster {
            p { a href="/dashboard" { "← " (t(l, "Back")) } }
            h2 { (t(l, "Roster")) ": " span #roster-size { (size) } " " (t(l, "hosts on the roster")) }
            section {
                h3 { (t(l, "Import a roster")) }
                p { (t(l, "CSV with a header: user, host, site, department, role/profile, essential (yes/no); UTF-8 (with or without BOM) or GB18030.")) }
                @if c.admin {
                    form #roster-form data-csrf=(c.csrf) {
                        input #roster-file type="file" accept=".csv,text/csv";
                        button type="submit" { (t(l, "Import")) }
                    }
                    pre #roster-result aria-live="polite" {}
                } @else {
                    p.empty { (t(l, "Only administrators can import a roster.")) }
                }
            }
            section {
                h3 { (t(l, "Reported hosts not on the roster")) " " span.badge { (unknown.len()) } }
                (host_table(c, unknown))
            }
        }
    }
}
