//! The home page's charts as inline SVG, drawn on the server (no script, no library, nothing
//! fetched): verdicts by site as stacked bars, arrivals over the morning against the roster as
//! a line, and root cause × site as a grid. Colours come from the stylesheet's classes.

use maud::{Markup, html};
use readycheck_sdk::i18n::Locale;

use super::text::{Clock, cause_place, t};
use crate::fleet::{ARRIVAL_BUCKET_MS, Charts};

const W: i64 = 600;

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn site_name(l: Locale, s: &str) -> String {
    if s.is_empty() {
        format!("({})", t(l, "Any"))
    } else {
        cut(s, 14)
    }
}

/// The stacked bar's pieces: (verdict index, x, width) from `x0`, `width` wide for `max`.
fn segments(v: &[i64; 5], x0: i64, width: i64, max: i64) -> Vec<(usize, i64, i64)> {
    let mut x = x0;
    let mut out = Vec::new();
    for (k, n) in v.iter().enumerate() {
        if *n > 0 {
            let w = (width * n / max).max(2);
            out.push((k, x, w));
            x += w;
        }
    }
    out
}

/// Verdicts by site: one stacked bar per site.
pub fn by_site(l: Locale, c: &Charts) -> Markup {
    if c.by_site.is_empty() {
        return html! { p.empty { (t(l, "No data yet.")) } };
    }
    let max = c
        .by_site
        .iter()
        .map(|(_, v)| v.iter().sum::<i64>())
        .max()
        .unwrap_or(1)
        .max(1);
    let row = 24;
    let label = 130;
    let h = row * c.by_site.len() as i64 + 8;
    let classes = ["ready", "degraded", "not_ready", "stale", "not_reported"];
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(t(l, "Verdicts by site, as hosts")) {
            @for (i, (site, v)) in c.by_site.iter().enumerate() {
                @let y = i as i64 * row + 4;
                text.label x="0" y=(y + 15) { (site_name(l, site)) }
                @let segments = segments(v, label, W - label - 50, max);
                @for (k, x, w) in &segments {
                    rect class=(classes[*k]) x=(x) y=(y) width=(w) height=(row - 6) {
                        title { (v[*k]) }
                    }
                }
                @let x = segments.last().map(|(_, x, w)| x + w).unwrap_or(label);
                text.count x=(x + 4) y=(y + 15) { (v.iter().sum::<i64>()) }
            }
        }
    }
}

/// Arrivals over the morning: hosts reported (cumulative) per 15 minutes, against the roster.
pub fn arrivals(l: Locale, c: &Charts, roster: i64, clock: &Clock) -> Markup {
    let h = 170;
    let (top, bottom, left) = (10, 140, 40);
    let buckets = ((clock.now - c.arrivals_from) / ARRIVAL_BUCKET_MS + 1).clamp(4, 96);
    let total: i64 = c.arrivals.iter().map(|(_, n)| n).sum();
    let ymax = roster.max(total).max(1);
    let x = |b: i64| left + (W - left - 10) * b / buckets;
    let y = |n: i64| bottom - (bottom - top) * n / ymax;
    let mut points = format!("{},{}", x(0), y(0));
    let mut sum = 0;
    for b in 0..buckets {
        sum += c
            .arrivals
            .iter()
            .filter(|(i, _)| *i == b)
            .map(|(_, n)| n)
            .sum::<i64>();
        points.push_str(&format!(" {},{}", x(b + 1), y(sum)));
    }
    let hour_ticks: Vec<i64> = (0..=buckets).filter(|b| b % 4 == 0).collect();
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(t(l, "Reports in (line) against the roster (dashes), every 15 minutes")) {
            line.axis x1=(left) y1=(bottom) x2=(W - 10) y2=(bottom) {}
            @if roster > 0 {
                line.roster x1=(left) y1=(y(roster)) x2=(W - 10) y2=(y(roster)) {}
                text.label x="0" y=(y(roster) + 4) { (roster) }
            }
            polyline.arrivals points=(points) {}
            text.label x="0" y=(y(sum) + 4) { (sum) }
            @for b in hour_ticks {
                text.tick x=(x(b) - 14) y=(bottom + 18) { (clock.short(c.arrivals_from + b * ARRIVAL_BUCKET_MS)) }
            }
        }
    }
}

/// Root cause × site: hosts not ready or degraded, per cause and site.
pub fn causes(l: Locale, c: &Charts) -> Markup {
    if c.causes.is_empty() {
        return html! { p.empty { (t(l, "No data yet.")) } };
    }
    let mut sites: Vec<(String, i64)> = Vec::new();
    for (_, v) in &c.causes {
        for (s, n) in v {
            match sites.iter_mut().find(|(x, _)| x == s) {
                Some(e) => e.1 += n,
                None => sites.push((s.clone(), *n)),
            }
        }
    }
    sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sites.truncate(6);
    let max = c
        .causes
        .iter()
        .flat_map(|(_, v)| v.iter().map(|(_, n)| *n))
        .max()
        .unwrap_or(1)
        .max(1);
    let (label, col, row) = (230, 60, 26);
    let h = 24 + row * c.causes.len() as i64;
    html! {
        svg.chart viewBox=(format!("0 0 {W} {h}")) role="img" aria-label=(t(l, "Not ready and degraded hosts by root cause and site")) {
            @for (j, (s, _)) in sites.iter().enumerate() {
                text.tick x=(label + j as i64 * col + 4) y="14" { (cut(&site_name(l, s), 6)) }
            }
            @for (i, ((owner, code), v)) in c.causes.iter().enumerate() {
                @let y = 22 + i as i64 * row;
                text.label x="0" y=(y + 16) {
                    (cut(&format!("{} · {}", code, cause_place(l, owner, "")), 30))
                }
                @for (j, (s, _)) in sites.iter().enumerate() {
                    @let n = v.iter().filter(|(x, _)| x == s).map(|(_, n)| *n).sum::<i64>();
                    @if n > 0 {
                        @let level = 1 + (3 * n / max).min(3);
                        rect class=(format!("heat{level}")) x=(label + j as i64 * col) y=(y) width=(col - 4) height=(row - 4) {}
                        text.cell x=(label + j as i64 * col + 6) y=(y + 16) { (n) }
                    }
                }
            }
        }
    }
}
