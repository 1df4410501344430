//! `network/sites`: one service reachable at several sites or regions (market data, order
//! routing, or the internet itself). Probes all of them at once, each up to three times spread
//! over the check's time (a site is down only when every attempt failed), passes when at least
//! `min_ok` answer, names the fastest, and says when a whole region is down while another works
//! — the fault is then on the service's side, and switching site is the fix, not reinstalling.
//! When no site of any region answers, it says so and suggests no switch.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use readycheck_sdk::{Arg, CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::tcp::{Probe, probe};

/// One site: "host:port", or a table naming it and its region.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Site {
    /// "host:port"
    Plain(String),
    /// `{ target = "host:port", name = "Shenzhen A", region = "Guangdong" }`
    Named {
        /// "host:port" to connect to.
        target: String,
        /// What to call the site in messages.
        #[serde(default)]
        name: Option<String>,
        /// Region the site belongs to; sites of one region are judged together.
        #[serde(default)]
        region: Option<String>,
    },
}

impl Site {
    fn target(&self) -> &str {
        match self {
            Site::Plain(t) | Site::Named { target: t, .. } => t,
        }
    }
    fn name(&self) -> &str {
        match self {
            Site::Named { name: Some(n), .. } => n,
            other => other.target(),
        }
    }
    fn region(&self) -> Option<&str> {
        match self {
            Site::Named {
                region: Some(r), ..
            } => Some(r),
            _ => None,
        }
    }
}

/// Parameters of `network/sites`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SitesParams {
    /// The sites to probe, all at once.
    #[schemars(length(min = 1))]
    pub targets: Vec<Site>,
    /// How many must answer for the check to pass (default 1).
    #[serde(default = "one")]
    #[schemars(range(min = 1))]
    pub min_ok: usize,
    /// Warn when even the fastest site takes longer than this many milliseconds to connect.
    #[serde(default)]
    pub warn_ms: Option<u64>,
}

fn one() -> usize {
    1
}

/// The `network/sites` kind.
pub struct Sites;

impl Kind for Sites {
    const NAME: &'static str = "sites";
    const TITLE: &'static str = "One service at several sites or regions";
    const DESCRIPTION: &'static str = "Connects to every site at once, each up to three times spread over the check's timeout \
         (a site is only down when every attempt failed), and passes when at least `min_ok` \
         answer. Names the fastest site, and when every site of one region is down while another \
         region works, says that the fault is on the service's side and which site to switch to.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"market-data\"\nplugin = \"network\"\nkind = \"sites\"\ntitle = \"Market-data servers\"\nneeds = [\"internet\"]\nmin_ok = 1\ntargets = [\n  { name = \"Shenzhen A\", region = \"Guangdong\", target = \"md-sz1.vendor.example:7709\" },\n  { name = \"Guangzhou\", region = \"Guangdong\", target = \"md-gz.vendor.example:7709\" },\n  { name = \"Shanghai\", region = \"Shanghai\", target = \"md-sh.vendor.example:7709\" },\n]\n";
    type Params = SitesParams;

    fn run(p: &SitesParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// Attempts per site, spread over the check's time: at 0, ⅓ and ⅔ of it.
pub const ATTEMPTS: u32 = 3;

/// What the attempts on one site found.
struct SiteResult {
    attempts: u32,
    failures: u32,
    /// The attempt that answered, or the last that failed.
    last: Probe,
}

impl SiteResult {
    fn up(&self) -> bool {
        self.last.outcome.is_ok()
    }
}

/// Tries `target` up to [`ATTEMPTS`] times, each in its own third of `timeout` from `start`,
/// and stops at the first answer: one lost packet or a site restarting for a few seconds does
/// not make it "down". A PC with no route to the site at all is not asked again.
fn sample(target: &str, start: Instant, timeout: Duration) -> SiteResult {
    let mut attempts = 0;
    let mut failures = 0;
    let mut last = None;
    for k in 0..ATTEMPTS {
        let from = start + timeout * k / ATTEMPTS;
        let until = start + timeout * (k + 1) / ATTEMPTS;
        let now = Instant::now();
        if now < from {
            std::thread::sleep(from - now);
        }
        let window = until.saturating_duration_since(Instant::now());
        if window.is_zero() {
            continue;
        }
        attempts += 1;
        let pr = probe(target, window);
        let ok = pr.outcome.is_ok();
        // No route at all is this PC's own answer, the same on every try: waiting for the
        // next third of the time would only make an offline PC wait.
        let no_route = matches!(&pr.outcome, Err(f) if f.code == "unreachable");
        last = Some(pr);
        if ok {
            break;
        }
        failures += 1;
        if no_route {
            break;
        }
    }
    let last = last.unwrap_or_else(|| probe(target, Duration::ZERO));
    SiteResult {
        attempts: attempts.max(1),
        failures: failures.max(u32::from(last.outcome.is_err())),
        last,
    }
}

pub fn run(p: &SitesParams, timeout: Duration) -> CheckResult {
    let start = Instant::now();
    let results: Vec<SiteResult> = std::thread::scope(|s| {
        let handles: Vec<_> = p
            .targets
            .iter()
            .map(|site| s.spawn(move || sample(site.target(), start, timeout)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("probe thread"))
            .collect()
    });
    let total = results.len();
    let mut evidence = Vec::new();
    let mut observations = Vec::new();
    let mut ok: Vec<(usize, f64)> = Vec::new();
    for (i, (site, res)) in p.targets.iter().zip(&results).enumerate() {
        let label = match site.region() {
            Some(r) => format!("{} [{r}]", site.name()),
            None => site.name().to_string(),
        };
        match &res.last.outcome {
            Ok(ms) => {
                evidence.push(format!(
                    "{label}: {} answered in {ms:.1} ms (attempt {} of up to {ATTEMPTS})",
                    site.target(),
                    res.attempts
                ));
                ok.push((i, *ms));
            }
            Err(f) if res.attempts == 1 => {
                evidence.push(format!("{label}: {}", crate::en(&f.reason)))
            }
            Err(f) => evidence.push(format!(
                "{label}: all {} attempts failed, the last: {}",
                res.attempts,
                crate::en(&f.reason)
            )),
        }
        for o in &res.last.observations {
            if !observations.contains(o) {
                observations.push(o.clone());
            }
        }
        let mut reach = res.last.reach(site.target(), false);
        if let readycheck_sdk::Observation::Reach {
            site: s,
            region,
            attempts,
            failures,
            ..
        } = &mut reach
        {
            *s = Some(site.name().to_string());
            *region = site.region().map(str::to_string);
            *attempts = res.attempts;
            *failures = res.failures;
        }
        observations.push(reach);
    }
    ok.sort_by(|a, b| a.1.total_cmp(&b.1));
    let fastest = ok
        .first()
        .map(|&(i, ms)| (p.targets[i].name().to_string(), ms));

    // Regions in which nothing answered, while some other region did.
    let mut regions: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (site, res) in p.targets.iter().zip(&results) {
        if let Some(r) = site.region() {
            let e = regions.entry(r).or_default();
            e.0 += 1;
            if res.up() {
                e.1 += 1;
            }
        }
    }
    let any_region_up = regions.values().any(|(_, up)| *up > 0);
    let down: Vec<&str> = regions
        .iter()
        .filter(|(_, (_, up))| *up == 0)
        .map(|(r, _)| *r)
        .collect();
    let region_note = match (&fastest, any_region_up && !down.is_empty()) {
        (Some((name, ms)), true) => Some(t!(
            "sites.region_note",
            regions = down.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            name = name,
            ms = Arg::ms(*ms)
        )),
        _ => None,
    };

    let all_failed_same = |code: &str| {
        results.iter().all(|r| {
            r.last
                .outcome
                .as_ref()
                .err()
                .is_some_and(|f| f.code.starts_with(code))
        })
    };
    let secs = Arg::secs(timeout.as_secs_f64());
    // At least one site must answer, whatever `min_ok` says (the schema asks for ≥ 1 too).
    let mut r = if ok.len() >= p.min_ok.max(1) {
        let (name, ms) = fastest.clone().expect("at least one site answered");
        if let Some(note) = &region_note {
            CheckResult::warn("network.sites.region_down", note.clone())
        } else if ok.len() < total {
            CheckResult::warn(
                "network.sites.some_down",
                t!(
                    "sites.some_down",
                    ok = ok.len(),
                    total = total,
                    name = &name,
                    ms = Arg::ms(ms)
                ),
            )
        } else if p.warn_ms.is_some_and(|w| ms > w as f64) {
            CheckResult::warn(
                "network.sites.slow",
                t!("sites.slow", total = total, name = &name, ms = Arg::ms(ms)),
            )
        } else {
            CheckResult::pass(
                "network.sites.ok",
                t!("sites.ok", total = total, name = &name, ms = Arg::ms(ms)),
            )
        }
    } else if ok.is_empty() && all_failed_same("dns_") {
        CheckResult::fail(
            "network.sites.dns_failed",
            t!("sites.dns_failed", total = total),
        )
    } else if ok.is_empty() && all_failed_same("unreachable") {
        CheckResult::fail(
            "network.sites.unreachable",
            t!("sites.unreachable", total = total),
        )
    } else if ok.is_empty() {
        CheckResult::fail(
            "network.sites.all_down",
            t!(
                "sites.all_down",
                total = total,
                attempts = ATTEMPTS,
                secs = secs
            ),
        )
    } else if let Some(note) = region_note {
        CheckResult::fail(
            "network.sites.region_down",
            t!(
                "sites.region_down",
                ok = ok.len(),
                total = total,
                need = p.min_ok,
                note = note
            ),
        )
    } else {
        CheckResult::fail(
            "network.sites.too_few",
            t!(
                "sites.too_few",
                ok = ok.len(),
                total = total,
                need = p.min_ok
            ),
        )
    };
    r.evidence = evidence;
    r.observations = observations;
    r = r
        .metric("sites_total", total as f64)
        .metric("sites_ok", ok.len() as f64)
        .metric(
            "attempts",
            results.iter().map(|r| f64::from(r.attempts)).sum::<f64>(),
        );
    if let Some((_, ms)) = fastest {
        r = r.metric("fastest_connect_ms", ms);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::{Observation, ReachOutcome, Status};
    use std::net::TcpListener;

    fn site(name: &str, region: &str, target: String) -> Site {
        Site::Named {
            target,
            name: Some(name.into()),
            region: Some(region.into()),
        }
    }

    /// A port on 127.0.0.1 that refuses connections (bound, then closed).
    fn closed_port() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }

    #[test]
    fn one_region_down_names_the_region_and_the_site_to_use() {
        let up = TcpListener::bind("127.0.0.1:0").unwrap();
        let up_port = up.local_addr().unwrap().port();
        let p = SitesParams {
            targets: vec![
                site(
                    "Shenzhen A",
                    "Guangdong",
                    format!("127.0.0.1:{}", closed_port()),
                ),
                site(
                    "Guangzhou",
                    "Guangdong",
                    format!("127.0.0.1:{}", closed_port()),
                ),
                site("Shanghai", "Shanghai", format!("127.0.0.1:{up_port}")),
            ],
            min_ok: 1,
            warn_ms: None,
        };
        let r = run(&p, Duration::from_secs(2));
        assert_eq!(r.status, Status::Warn, "{r:?}");
        assert_eq!(r.code, "network.sites.region_down");
        assert!(
            r.en_summary()
                .contains("all Guangdong sites unreachable; Shanghai OK"),
            "{}",
            r.en_summary()
        );
        assert!(
            r.en_summary().contains("the service's side"),
            "{}",
            r.en_summary()
        );
        assert_eq!(r.metrics["sites_ok"], 1.0);

        let p2 = SitesParams { min_ok: 2, ..p };
        let r2 = run(&p2, Duration::from_secs(2));
        assert_eq!(r2.status, Status::Fail);
        assert!(r2.en_summary().contains("need 2"), "{}", r2.en_summary());
    }

    fn reach_of(r: &CheckResult, name: &str) -> (ReachOutcome, u32, u32) {
        r.observations
            .iter()
            .find_map(|o| match o {
                Observation::Reach {
                    site: Some(s),
                    outcome,
                    attempts,
                    failures,
                    ..
                } if s == name => Some((*outcome, *attempts, *failures)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no reach for {name}: {:#?}", r.observations))
    }

    #[test]
    fn every_site_down_says_so_after_repeated_tries_and_suggests_no_switch() {
        let p = SitesParams {
            targets: vec![
                site(
                    "Shenzhen A",
                    "Guangdong",
                    format!("127.0.0.1:{}", closed_port()),
                ),
                site(
                    "Shanghai",
                    "Shanghai",
                    format!("127.0.0.1:{}", closed_port()),
                ),
            ],
            min_ok: 1,
            warn_ms: None,
        };
        let timeout = Duration::from_millis(900);
        let t0 = Instant::now();
        let r = run(&p, timeout);
        assert!(
            t0.elapsed() < timeout + Duration::from_millis(500),
            "{:?}",
            t0.elapsed()
        );
        assert_eq!(
            (r.status, r.code.as_str()),
            (Status::Fail, "network.sites.all_down")
        );
        let text = r.en_summary().to_lowercase();
        assert!(text.contains("none of the 2 sites"), "{text}");
        assert!(!text.contains("switch"), "{text}");
        let fix = r
            .clone()
            .localize(crate::catalogs(), readycheck_sdk::Locale::En)
            .fix
            .unwrap();
        assert!(!fix.to_lowercase().contains("switch"), "{fix}");
        assert_eq!(
            reach_of(&r, "Shenzhen A"),
            (ReachOutcome::Refused, ATTEMPTS, ATTEMPTS)
        );
        assert_eq!(r.metrics["attempts"], f64::from(2 * ATTEMPTS));
    }

    /// A site that refuses the first attempt and answers a later one is up, not down.
    #[test]
    fn a_site_that_answers_a_later_attempt_is_up() {
        let port = closed_port();
        let p = SitesParams {
            targets: vec![site("Shenzhen A", "Guangdong", format!("127.0.0.1:{port}"))],
            min_ok: 1,
            warn_ms: None,
        };
        let opener = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            let l = TcpListener::bind(("127.0.0.1", port));
            std::thread::sleep(Duration::from_secs(3));
            drop(l);
        });
        let r = run(&p, Duration::from_millis(1500));
        opener.join().unwrap();
        assert_eq!(r.code, "network.sites.ok", "{r:#?}");
        let (outcome, attempts, failures) = reach_of(&r, "Shenzhen A");
        assert!(outcome.is_ok());
        assert!(
            attempts >= 2 && failures == attempts - 1,
            "{attempts} {failures}"
        );
    }

    #[test]
    fn all_up_passes_with_the_fastest_named() {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let b = TcpListener::bind("127.0.0.1:0").unwrap();
        let p = SitesParams {
            targets: vec![
                Site::Plain(a.local_addr().unwrap().to_string()),
                Site::Plain(b.local_addr().unwrap().to_string()),
            ],
            min_ok: 2,
            warn_ms: None,
        };
        let r = run(&p, Duration::from_secs(2));
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(
            r.en_summary()
                .starts_with("all 2 sites answer; fastest: 127.0.0.1:"),
            "{}",
            r.en_summary()
        );
    }
}
