//! `network/quality`: round trip, jitter and loss to one endpoint — for calls, order latency or
//! a service's responsiveness. A series of probes (TCP connects, or HTTP requests on fresh
//! connections, to the address the name resolved to once) gives the median round trip, the
//! jitter (mean change between consecutive round trips) and the loss. A steady but high round
//! trip is the line or the route; an unsteady one, or loss with it, the link at home (Wi-Fi).
//! Defaults are Microsoft Teams' published network targets: round trip under 100 ms, jitter
//! under 30 ms, loss under 1 %.

use std::time::{Duration, Instant};

use readycheck_sdk::{Arg, CheckRequest, CheckResult, Kind, Observation, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::probe::millis;
use crate::resolve::lookup;

/// Parameters of `network/quality`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QualityParams {
    /// "host:port" to connect to (TCP connect time is the round trip).
    #[serde(default)]
    pub target: Option<String>,
    /// Instead of `target`: an http(s) URL; each probe is a request on a fresh connection and
    /// the time to the response is the round trip.
    #[serde(default)]
    pub url: Option<String>,
    /// Number of probes (default 10).
    #[serde(default)]
    #[schemars(range(min = 2, max = 200))]
    pub count: Option<u32>,
    /// Pause between probes in milliseconds (default 100).
    #[serde(default)]
    pub interval_ms: Option<u64>,
    /// A probe slower than this many milliseconds counts as lost (default 1000).
    #[serde(default)]
    pub probe_timeout_ms: Option<u64>,
    /// Warn above this median round trip in ms (default 100).
    #[serde(default)]
    pub warn_rtt_ms: Option<f64>,
    /// Warn above this jitter in ms (default 30).
    #[serde(default)]
    pub warn_jitter_ms: Option<f64>,
    /// Warn above this loss in percent (default 1).
    #[serde(default)]
    pub warn_loss_percent: Option<f64>,
    /// Fail above this loss in percent (default 20).
    #[serde(default)]
    pub fail_loss_percent: Option<f64>,
    /// "calls" to say whether the connection is good enough for calls; default: neutral
    /// figures (for order latency or a service's responsiveness).
    #[serde(default)]
    pub purpose: Option<Purpose>,
}

/// The `network/quality` kind.
pub struct Quality;

impl Kind for Quality {
    const NAME: &'static str = "quality";
    const TITLE: &'static str = "Round trip, jitter and loss";
    const DESCRIPTION: &'static str = "Sends a series of probes to one endpoint and measures the median round trip, the jitter \
         and the share of probes lost. The default limits are Microsoft Teams' targets for calls \
         (round trip < 100 ms, jitter < 30 ms, loss < 1 %). Probes are spread over the check's \
         timeout; fewer are sent if they would not fit.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"call-quality\"\nplugin = \"network\"\nkind = \"quality\"\ntitle = \"Good enough for video calls\"\nurl = \"https://teams.microsoft.com/\"\npurpose = \"calls\"\ncount = 10\nseverity = \"recommended\"\ntimeout = \"8s\"\n";
    type Params = QualityParams;

    fn run(p: &QualityParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// Summary statistics of a probe series (round trips in ms; `None` = lost).
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub sent: usize,
    pub received: usize,
    pub median_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
    pub loss_percent: f64,
}

pub fn stats(rtts: &[Option<f64>]) -> Stats {
    let ok: Vec<f64> = rtts.iter().flatten().copied().collect();
    let mut sorted = ok.clone();
    sorted.sort_by(f64::total_cmp);
    let median = match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[n / 2]),
        n => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    };
    let jitter = (ok.len() >= 2)
        .then(|| ok.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (ok.len() - 1) as f64);
    Stats {
        sent: rtts.len(),
        received: ok.len(),
        median_ms: median,
        jitter_ms: jitter,
        loss_percent: if rtts.is_empty() {
            0.0
        } else {
            (rtts.len() - ok.len()) as f64 * 100.0 / rtts.len() as f64
        },
    }
}

/// What the figures are for: the wording of the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Neutral figures (order latency, a service's responsiveness).
    #[default]
    General,
    /// Say whether the connection is good enough for calls.
    Calls,
}

/// What one probe found: a round trip, a loss, or cut short by the check's own time.
enum Sample {
    Rtt(f64),
    Lost,
    CutShort,
}

fn http_probe(client: &reqwest::blocking::Client, url: &str, wait: Duration, cut: bool) -> Sample {
    let t0 = Instant::now();
    match client.get(url).timeout(wait).send() {
        Ok(resp) => {
            let rtt = millis(t0.elapsed());
            drop(resp);
            Sample::Rtt(rtt)
        }
        Err(e) if cut && e.is_timeout() => Sample::CutShort,
        Err(_) => Sample::Lost,
    }
}

pub fn run(p: &QualityParams, timeout: Duration) -> CheckResult {
    let started = Instant::now();
    let deadline = started + timeout;
    // The host and port probed, and for HTTP the URL.
    let (what, host, port, url) = match (&p.target, &p.url) {
        (Some(t), None) => match crate::resolve::split_target(t) {
            Ok((h, port)) => (t.clone(), h, port, None),
            Err(e) => return CheckResult::error("network.quality.bad_params", e),
        },
        (None, Some(u)) => match reqwest::Url::parse(u) {
            Ok(parsed) if parsed.host_str().is_some() => {
                let host = parsed
                    .host_str()
                    .unwrap_or_default()
                    .trim_matches(['[', ']'])
                    .to_string();
                let port = parsed.port_or_known_default().unwrap_or(80);
                (crate::http::redact_url(u), host, port, Some(parsed))
            }
            _ => {
                return CheckResult::error(
                    "network.quality.bad_params",
                    format!("`{}` is not an http(s) URL", crate::http::redact_url(u)),
                );
            }
        },
        _ => {
            return CheckResult::error(
                "network.quality.bad_params",
                "give exactly one of `target` (host:port) or `url`",
            );
        }
    };
    // The name is resolved once: the probes measure the path, not the resolver.
    let found = lookup(&host, port, started + timeout / 3);
    let mut evidence = found.evidence;
    let mut observations = found.observations;
    let addr = match found.result {
        Ok(a) => a[0],
        Err(f) => {
            let mut r = CheckResult::fail(
                "network.quality.dns_failed",
                t!("tcp.dns_failed", host = &host, why = f.why),
            );
            r.evidence = evidence;
            r.observations = observations;
            return r;
        }
    };
    let http_client = match &url {
        None => None,
        Some(_) => {
            let tls = match crate::trust::client_config(None) {
                Ok((c, _)) => c,
                Err(e) => return CheckResult::error("network.quality.setup_failed", e),
            };
            let client = reqwest::blocking::Client::builder()
                .use_preconfigured_tls(tls)
                .resolve(&host, addr)
                .pool_max_idle_per_host(0)
                .build();
            match client {
                Ok(c) => Some(c),
                Err(e) => {
                    return CheckResult::error(
                        "network.quality.setup_failed",
                        format!("cannot set up HTTP: {e}"),
                    );
                }
            }
        }
    };
    let interval = Duration::from_millis(p.interval_ms.unwrap_or(100));
    let probe_timeout = Duration::from_millis(p.probe_timeout_ms.unwrap_or(1000));
    let wanted = p.count.unwrap_or(10).max(2) as usize;
    // Fit the series into the time the check has left.
    let budget = deadline.saturating_duration_since(Instant::now());
    let per = interval + probe_timeout.min(Duration::from_millis(300));
    let fits = ((budget.as_millis() / per.as_millis().max(1)) as usize).max(2);
    let count = wanted.min(fits);
    let mut rtts = Vec::with_capacity(count);
    let mut cut_short = 0;
    for i in 0..count {
        if i > 0 {
            std::thread::sleep(interval.min(deadline.saturating_duration_since(Instant::now())));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // A probe given less than its own timeout and not answered was cut short by the
        // check's time, not lost on the way.
        let cut = left < probe_timeout;
        let wait = probe_timeout.min(left);
        let sample = match (&http_client, &url) {
            (Some(c), Some(u)) => http_probe(c, u.as_str(), wait, cut),
            _ => {
                let (pr, _) =
                    crate::tcp::connect_to(&[addr], &what, false, Instant::now() + wait, wait);
                match pr.outcome {
                    Ok(ms) => Sample::Rtt(ms),
                    Err(f) if cut && f.code == "timed_out" => Sample::CutShort,
                    Err(_) => Sample::Lost,
                }
            }
        };
        match sample {
            Sample::Rtt(r) if r <= probe_timeout.as_millis() as f64 => rtts.push(Some(r)),
            Sample::Rtt(_) | Sample::Lost => rtts.push(None),
            Sample::CutShort => {
                cut_short += 1;
                break;
            }
        }
    }
    let s = stats(&rtts);
    evidence.push(format!(
        "{} probes to {what} at {addr} ({}), {} ms apart: {} answered",
        s.sent,
        if http_client.is_some() {
            "HTTP request on a fresh connection"
        } else {
            "TCP connect"
        },
        interval.as_millis(),
        s.received
    ));
    if s.sent < wanted {
        evidence.push(format!(
            "{wanted} probes asked, {} fit in the {} ms the check has{}",
            s.sent,
            timeout.as_millis(),
            if cut_short > 0 {
                " (the last one, cut short by that time, is not counted)"
            } else {
                ""
            }
        ));
    }
    let list: Vec<String> = rtts
        .iter()
        .map(|r| {
            r.map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "lost".into())
        })
        .collect();
    evidence.push(format!("round trips (ms): {}", list.join(", ")));
    observations.push(Observation::PathQuality {
        target: what.clone(),
        address: Some(addr.to_string()),
        sent: s.sent as u32,
        lost: (s.sent - s.received) as u32,
        rtt_ms: s.median_ms,
        jitter_ms: s.jitter_ms,
    });
    let (warn_rtt, warn_jit, warn_loss, fail_loss) = (
        p.warn_rtt_ms.unwrap_or(100.0),
        p.warn_jitter_ms.unwrap_or(30.0),
        p.warn_loss_percent.unwrap_or(1.0),
        p.fail_loss_percent.unwrap_or(20.0),
    );
    let ms_or_dash = |v: Option<f64>| v.map(Arg::ms).unwrap_or_else(|| "—".into());
    let figures = t!(
        "quality.figures",
        rtt = ms_or_dash(s.median_ms),
        jitter = ms_or_dash(s.jitter_ms),
        loss = format!("{:.0}", s.loss_percent)
    );
    let calls = p.purpose.unwrap_or_default() == Purpose::Calls;
    let for_calls = |good: bool| match (calls, good) {
        (false, _) => t!("quality.calls.none"),
        (true, true) => t!("quality.calls.ok"),
        (true, false) => t!("quality.calls.bad"),
    };
    let slow = s.median_ms.is_some_and(|m| m > warn_rtt);
    let jittery = s.jitter_ms.is_some_and(|j| j > warn_jit);
    let lossy = s.loss_percent > warn_loss;
    let mut r = if s.received == 0 {
        CheckResult::fail(
            "network.quality.no_answer",
            t!("quality.no_answer", what = &what, sent = s.sent),
        )
    } else if lossy {
        // Loss with an unsteady round trip points at the link at home (often Wi-Fi); loss on a
        // steady path is further out, on the line or the route.
        let summary = if jittery {
            t!(
                "quality.lossy_local",
                what = &what,
                figures = figures,
                calls = for_calls(false)
            )
        } else {
            t!(
                "quality.lossy_line",
                what = &what,
                figures = figures,
                calls = for_calls(false)
            )
        };
        if s.loss_percent > fail_loss {
            CheckResult::fail("network.quality.lossy", summary)
        } else {
            CheckResult::warn("network.quality.lossy", summary)
        }
    } else if jittery {
        CheckResult::warn(
            "network.quality.unstable",
            t!(
                "quality.unstable",
                what = &what,
                figures = figures,
                calls = for_calls(false),
                limit = Arg::ms(warn_jit)
            ),
        )
    } else if slow {
        // High but steady, nothing lost: a slow line or a long route, not the Wi-Fi.
        CheckResult::warn(
            "network.quality.poor",
            t!(
                "quality.slow",
                what = &what,
                figures = figures,
                calls = for_calls(false),
                limit = Arg::ms(warn_rtt)
            ),
        )
    } else {
        CheckResult::pass(
            "network.quality.ok",
            t!(
                "quality.ok",
                what = &what,
                figures = figures,
                calls = for_calls(true)
            ),
        )
    };
    r.evidence = evidence;
    r.observations = observations;
    r = r
        .metric("probes_sent", s.sent as f64)
        .metric("probes_received", s.received as f64)
        .metric("loss_percent", s.loss_percent);
    if let Some(m) = s.median_ms {
        r = r.metric("rtt_median_ms", m);
    }
    if let Some(j) = s.jitter_ms {
        r = r.metric("jitter_ms", j);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    #[test]
    fn statistics() {
        let s = stats(&[Some(10.0), Some(30.0), None, Some(20.0)]);
        assert_eq!(s.median_ms, Some(20.0));
        assert_eq!(s.jitter_ms, Some(15.0)); // |30-10| and |20-30| averaged
        assert_eq!(s.loss_percent, 25.0);
        assert_eq!(stats(&[None, None]).median_ms, None);
    }

    fn params(target: Option<String>, url: Option<String>) -> QualityParams {
        QualityParams {
            target,
            url,
            count: Some(5),
            interval_ms: Some(10),
            probe_timeout_ms: None,
            warn_rtt_ms: None,
            warn_jitter_ms: None,
            warn_loss_percent: None,
            fail_loss_percent: None,
            purpose: None,
        }
    }

    fn path_quality(r: &CheckResult) -> (u32, u32, Option<String>) {
        r.observations
            .iter()
            .find_map(|o| match o {
                Observation::PathQuality {
                    sent,
                    lost,
                    address,
                    ..
                } => Some((*sent, *lost, address.clone())),
                _ => None,
            })
            .expect("a path_quality observation")
    }

    #[test]
    fn the_name_is_resolved_once_and_the_path_observed() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let r = run(
            &params(Some(format!("localhost:{port}")), None),
            Duration::from_secs(5),
        );
        let lookups = r
            .observations
            .iter()
            .filter(|o| matches!(o, Observation::DnsAnswer { .. }))
            .count();
        assert_eq!(lookups, 1, "{:#?}", r.observations);
        let (sent, lost, address) = path_quality(&r);
        assert_eq!((sent, lost), (5, 0));
        assert!(address.is_some_and(|a| a.ends_with(&format!(":{port}"))));
        assert_eq!(r.metrics["probes_sent"], 5.0);
    }

    #[test]
    fn a_probe_cut_short_by_the_checks_time_is_not_lost() {
        // Each probe waits up to 1 s; the check has 1.5 s: the first probe is lost, the second
        // is cut short by the check's time and counts neither as sent nor as lost.
        let port = crate::testpki::silent_server();
        let mut p = params(None, Some(format!("http://127.0.0.1:{port}/")));
        p.probe_timeout_ms = Some(1000);
        p.interval_ms = Some(0);
        let r = run(&p, Duration::from_millis(1500));
        let (sent, lost, _) = path_quality(&r);
        assert_eq!((sent, lost), (1, 1), "{r:#?}");
        assert_eq!(r.metrics["loss_percent"], 100.0);
        assert_eq!(r.code, "network.quality.no_answer");
    }

    #[test]
    fn a_steady_slow_path_is_the_line_not_the_wifi_and_the_wording_is_neutral() {
        let port = crate::testpki::http_server(
            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
            Duration::from_millis(60),
        );
        let mut p = params(None, Some(format!("http://127.0.0.1:{port}/")));
        p.warn_rtt_ms = Some(40.0);
        p.warn_jitter_ms = Some(10_000.0);
        let r = run(&p, Duration::from_secs(5));
        assert_eq!(
            (r.status, r.code.as_str()),
            (Status::Warn, "network.quality.poor"),
            "{r:#?}"
        );
        let text = r.en_summary();
        assert!(
            text.starts_with("round trip to http://127.0.0.1:"),
            "{text}"
        );
        assert!(!text.contains("Wi-Fi router"), "{text}");
        assert!(!text.contains("call"), "{text}");
        let fix = r
            .clone()
            .localize(crate::catalogs(), readycheck_sdk::Locale::En)
            .fix
            .unwrap();
        assert!(fix.contains("will not help"), "{fix}");

        p.purpose = Some(Purpose::Calls);
        let r = run(&p, Duration::from_secs(5));
        assert!(r.en_summary().contains("calls"), "{}", r.en_summary());
    }

    #[test]
    fn a_slow_line_and_an_unstable_link_have_their_own_codes() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut p = params(Some(l.local_addr().unwrap().to_string()), None);
        p.warn_rtt_ms = Some(-1.0);
        p.warn_jitter_ms = Some(10_000.0);
        assert_eq!(run(&p, Duration::from_secs(5)).code, "network.quality.poor");
        p.warn_jitter_ms = Some(-1.0);
        let r = run(&p, Duration::from_secs(5));
        assert_eq!(r.code, "network.quality.unstable");
        assert!(
            r.en_summary().contains("Wi-Fi router"),
            "{}",
            r.en_summary()
        );
    }

    #[test]
    fn a_local_listener_is_good_and_a_closed_port_answers_nothing() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let target = l.local_addr().unwrap().to_string();
        let p = |t: String| QualityParams {
            target: Some(t),
            url: None,
            count: Some(5),
            interval_ms: Some(10),
            probe_timeout_ms: None,
            warn_rtt_ms: None,
            warn_jitter_ms: None,
            warn_loss_percent: None,
            fail_loss_percent: None,
            purpose: None,
        };
        let r = run(&p(target), Duration::from_secs(5));
        assert_eq!(r.status, Status::Pass, "{r:#?}");
        assert_eq!(r.metrics["probes_received"], 5.0);
        drop(l);
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .to_string();
        assert_eq!(
            run(&p(closed), Duration::from_secs(5)).code,
            "network.quality.no_answer"
        );
    }
}
