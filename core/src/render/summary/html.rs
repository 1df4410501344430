//! The summary as a self-contained dashboard page (a maud template, so every value is escaped):
//! the totals, bar charts of the verdicts and of the top causes (inline SVG), the failing checks
//! with their causes and hosts, and each host's latest report.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use readycheck_sdk::i18n::{Locale, Msg};
use readycheck_sdk::t;

use super::verdict_label;
use crate::report::Verdict;
use crate::summary::{CauseGroup, FailingCheck, Summary};

const CSS: &str = r#"body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:#1f2328}main{max-width:64rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.5rem}table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.4rem;border-bottom:1px solid #d0d7de;vertical-align:top}.muted{color:#57606a;font-size:.85rem}svg text{font:13px system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif}"#;

/// A section heading and a table with these column heads around `rows`.
fn table(tr: &dyn Fn(Msg) -> String, heading: Msg, columns: [Msg; 4], rows: Markup) -> Markup {
    html! {
        h2 { (tr(heading)) } "\n"
        table {
            thead { tr { @for c in columns { th { (tr(c)) } } } }
            tbody { "\n" (rows) }
        }
        "\n"
    }
}

/// Where one bar of a chart goes: its row's top, the baseline of its label below that, where the
/// bar starts, its width and height.
struct Place {
    y: usize,
    label_dy: usize,
    x: f64,
    w: f64,
    height: u32,
}

/// One bar of a chart: its label, the bar and the count beside it.
fn bar(label: &str, n: usize, colour: &str, at: Place) -> Markup {
    let Place {
        y,
        label_dy,
        x,
        w,
        height,
    } = at;
    html! {
        text x="0" y=(y + label_dy) { (label) }
        rect x=(x) y=(y) width=(format!("{w:.0}")) height=(height) fill=(colour) {}
        text x=(format!("{:.0}", x + 6.0 + w)) y=(y + label_dy) { (n) }
        "\n"
    }
}

/// The page in `locale`.
pub fn render(s: &Summary, locale: Locale) -> String {
    let tr = |m: Msg| crate::i18n::render(locale, &m);
    let title = tr(t!("summary.html_title"));
    let bars = [
        (verdict_label(Verdict::Ready), s.ready, "#1a7f37"),
        (verdict_label(Verdict::Degraded), s.degraded, "#9a6700"),
        (verdict_label(Verdict::NotReady), s.not_ready, "#cf222e"),
        (t!("summary.stale"), s.stale, "#6e7781"),
    ];
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let verdicts = tr(t!("summary.verdicts"));
    let top: Vec<(&FailingCheck, &CauseGroup)> = s
        .failing_checks
        .iter()
        .flat_map(|f| f.causes.iter().map(move |c| (f, c)))
        .take(8)
        .collect();
    let max_hosts = top
        .iter()
        .map(|(_, c)| c.hosts.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let causes = tr(t!("summary.top_causes"));
    let failing_rows = html! {
        @for f in &s.failing_checks {
            @for c in &f.causes {
                tr {
                    td { (c.hosts.len()) }
                    td { (f.title) " " span.muted { (f.id) } }
                    td { code { (c.code) } br; span.muted { (c.example) } }
                    td { (tr(t!("summary.host_list", hosts = &c.hosts))) }
                }
                "\n"
            }
        }
    };
    let stale_mark = tr(t!("summary.stale_mark"));
    let latest_rows = html! {
        @for h in &s.latest {
            tr {
                td { (h.hostname) }
                td { (tr(verdict_label(h.verdict))) @if h.stale { (stale_mark) } }
                td { (h.started_at) }
                td { (h.profile) " " (h.profile_version) }
            }
            "\n"
        }
    };
    html! {
        (DOCTYPE) "\n"
        html lang=(locale.tag()) {
            "\n"
            head {
                "\n" meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                title { (title) } "\n"
                style { (PreEscaped(CSS)) } "\n"
            }
            "\n"
            body {
                "\n"
                main {
                    "\n"
                    h1 { (title) } "\n"
                    p #totals {
                        (tr(t!(
                            "summary.html_totals",
                            reports = s.reports,
                            hosts = s.hosts,
                            ready = s.ready,
                            degraded = s.degraded,
                            not_ready = s.not_ready,
                            stale = s.stale
                        )))
                    }
                    "\n"
                    h2 { (verdicts) } "\n"
                    svg #verdict-chart role="img" aria-label=(verdicts) width="100%" viewBox="0 0 600 150" {
                        "\n"
                        @for (i, (label, n, colour)) in bars.iter().enumerate() {
                            (bar(&tr(label.clone()), *n, colour, Place {
                                y: 10 + i * 34,
                                label_dy: 17,
                                x: 90.0,
                                w: (*n as f64 / max as f64 * 420.0).max(1.0),
                                height: 24,
                            }))
                        }
                    }
                    "\n"
                    @if !s.failing_checks.is_empty() {
                        h2 { (causes) } "\n"
                        svg #cause-chart role="img" aria-label=(causes) width="100%" viewBox=(format!("0 0 600 {}", 10 + top.len() * 30)) {
                            "\n"
                            @for (i, (f, c)) in top.iter().enumerate() {
                                (bar(&format!("{} · {}", f.id, c.code), c.hosts.len(), "#cf222e", Place {
                                    y: 10 + i * 30,
                                    label_dy: 15,
                                    x: 290.0,
                                    w: (c.hosts.len() as f64 / max_hosts as f64 * 300.0).max(1.0),
                                    height: 20,
                                }))
                            }
                        }
                        "\n"
                        (table(&tr, t!("summary.failing_checks"), [
                            t!("summary.col.hosts"),
                            t!("summary.col.check"),
                            t!("summary.col.cause"),
                            t!("summary.col.which_hosts"),
                        ], failing_rows))
                    }
                    (table(&tr, t!("summary.latest"), [
                        t!("summary.col.host"),
                        t!("summary.col.verdict"),
                        t!("summary.col.started"),
                        t!("summary.col.profile"),
                    ], latest_rows))
                    p.muted {
                        (tr(t!(
                            "summary.footer",
                            files = s.files_read,
                            unreadable = s.skipped_unreadable,
                            foreign = s.skipped_foreign
                        )))
                    }
                    "\n"
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}
