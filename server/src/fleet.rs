//! What the helpdesk's home page says, as plain data built from the store's aggregates: counts
//! against the roster, who is not ready now and why, incidents (not-ready hosts sharing one
//! diagnosis — owner, layer, root-cause code and `who` — within a time window), degraded hosts
//! with their reasons, roster hosts not yet reported, and the charts' numbers. Knows nothing of
//! HTTP or HTML; lists are paged, never the whole fleet in memory.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::config::DashboardConfig;
use crate::store::{
    FleetCounts, FleetFilter, IncidentPart, RosterRow, StateRow, Store, StoreError,
};

/// Rows each list shows on the home page.
pub const HOME_ROWS: i64 = 12;
/// Rows per page of a full list.
pub const PAGE_ROWS: i64 = 100;
/// The arrivals chart's bucket.
pub const ARRIVAL_BUCKET_MS: i64 = 15 * 60_000;

/// Not-ready hosts that share one diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Incident {
    /// Stable while the incident lasts: a hash of the diagnosis.
    pub key: String,
    pub owner: String,
    pub layer: String,
    pub code: String,
    pub who: String,
    pub hosts: i64,
    /// Hosts per site, most first.
    pub sites: Vec<(String, i64)>,
    /// The earliest and latest time a host entered this state.
    pub since: i64,
    pub latest: i64,
}

/// The key an incident is known by (alert cool-downs, links).
pub fn incident_key(owner: &str, layer: &str, code: &str, who: &str) -> String {
    let h = Sha256::digest(format!("{owner}\u{1f}{layer}\u{1f}{code}\u{1f}{who}").as_bytes());
    h.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// Groups the store's per-site parts into incidents of at least `min_hosts`, newest first.
pub fn incidents_from(parts: Vec<IncidentPart>, min_hosts: i64) -> Vec<Incident> {
    let mut by: BTreeMap<(String, String, String, String), Incident> = BTreeMap::new();
    for p in parts {
        let e = by
            .entry((
                p.owner.clone(),
                p.layer.clone(),
                p.code.clone(),
                p.who.clone(),
            ))
            .or_insert_with(|| Incident {
                key: incident_key(&p.owner, &p.layer, &p.code, &p.who),
                owner: p.owner.clone(),
                layer: p.layer.clone(),
                code: p.code.clone(),
                who: p.who.clone(),
                hosts: 0,
                sites: vec![],
                since: i64::MAX,
                latest: i64::MIN,
            });
        e.hosts += p.hosts;
        e.sites.push((p.site, p.hosts));
        e.since = e.since.min(p.first);
        e.latest = e.latest.max(p.last);
    }
    let mut out: Vec<Incident> = by
        .into_values()
        .filter(|i| i.hosts >= min_hosts)
        .map(|mut i| {
            i.sites.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            i
        })
        .collect();
    out.sort_by(|a, b| b.latest.cmp(&a.latest).then(b.hosts.cmp(&a.hosts)));
    out
}

/// Hosts of one (owner, root-cause code) per site.
pub type CauseSites = ((String, String), Vec<(String, i64)>);

/// The charts' numbers.
#[derive(Debug, Clone, Default)]
pub struct Charts {
    /// Site → (ready, degraded, not ready, stale, not reported).
    pub by_site: Vec<(String, [i64; 5])>,
    /// Reports in per bucket since `morning_from` (bucket index, hosts).
    pub arrivals: Vec<(i64, i64)>,
    pub arrivals_from: i64,
    /// (owner, code) × site → hosts.
    pub causes: Vec<CauseSites>,
}

/// Everything the home page shows.
#[derive(Debug, Clone)]
pub struct Home {
    pub now: i64,
    pub counts: FleetCounts,
    pub not_ready: Vec<StateRow>,
    pub incidents: Vec<Incident>,
    pub degraded: Vec<StateRow>,
    pub not_reported: Vec<RosterRow>,
    pub charts: Charts,
}

/// The start of the local day `now` is in, plus `minutes`.
pub fn local_time_today(cfg: &DashboardConfig, now: i64, minutes: u32) -> i64 {
    let Ok(ts) = jiff::Timestamp::from_millisecond(now) else {
        return now;
    };
    let zoned = ts.to_zoned(cfg.time_zone.clone());
    let Ok(midnight) = zoned.start_of_day() else {
        return now;
    };
    midnight.timestamp().as_millisecond() + i64::from(minutes) * 60_000
}

/// Where a report older than this is stale.
pub fn stale_cut(cfg: &DashboardConfig, now: i64) -> i64 {
    now - cfg.stale_after.as_millis() as i64
}

/// Incidents under way (matching `f`).
pub async fn incidents(
    store: &Store,
    cfg: &DashboardConfig,
    f: &FleetFilter,
    now: i64,
) -> Result<Vec<Incident>, StoreError> {
    let since = now - cfg.incident_window.as_millis() as i64;
    let parts = store.incident_parts(f, since).await?;
    Ok(incidents_from(parts, i64::from(cfg.incident_min_hosts)))
}

/// The home page's data.
pub async fn home(
    store: &Store,
    cfg: &DashboardConfig,
    f: &FleetFilter,
    now: i64,
) -> Result<Home, StoreError> {
    let cut = stale_cut(cfg, now);
    let sites = store.verdicts_by_site(f, cut).await?;
    let roster = store.roster_by_site(f).await?;
    let mut counts = FleetCounts::default();
    let mut outside = 0;
    for (_, verdict, n, not_on_roster) in &sites {
        outside += not_on_roster;
        match verdict.as_str() {
            "ready" => counts.ready += n,
            "degraded" => counts.degraded += n,
            "not_ready" => counts.not_ready += n,
            _ => counts.stale += n,
        }
    }
    for (_, total, waiting) in &roster {
        counts.roster += total;
        counts.not_reported += waiting;
    }
    if counts.roster > 0 || store.roster_size().await? > 0 {
        counts.unknown = outside;
    }
    let not_ready = store.fleet_hosts(f, "not_ready", cut, HOME_ROWS, 0).await?;
    let incidents = incidents(store, cfg, f, now).await?;
    let degraded = store.fleet_hosts(f, "degraded", cut, HOME_ROWS, 0).await?;
    let not_reported = store.not_reported(f, HOME_ROWS, 0).await?;
    let charts = charts(store, cfg, f, now, cut, &sites, &roster).await?;
    Ok(Home {
        now,
        counts,
        not_ready,
        incidents,
        degraded,
        not_reported,
        charts,
    })
}

async fn charts(
    store: &Store,
    cfg: &DashboardConfig,
    f: &FleetFilter,
    now: i64,
    cut: i64,
    by_verdict: &[(String, String, i64, i64)],
    roster: &[(String, i64, i64)],
) -> Result<Charts, StoreError> {
    let mut sites: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    for (site, verdict, n, _) in by_verdict {
        let i = match verdict.as_str() {
            "ready" => 0,
            "degraded" => 1,
            "not_ready" => 2,
            _ => 3,
        };
        sites.entry(site.clone()).or_default()[i] += n;
    }
    for (site, _, waiting) in roster {
        if *waiting > 0 {
            sites.entry(site.clone()).or_default()[4] += waiting;
        }
    }
    let mut by_site: Vec<(String, [i64; 5])> = sites.into_iter().collect();
    by_site.sort_by(|a, b| {
        let bad = |v: &[i64; 5]| v[2] + v[4];
        bad(&b.1)
            .cmp(&bad(&a.1))
            .then(b.1.iter().sum::<i64>().cmp(&a.1.iter().sum::<i64>()))
            .then(a.0.cmp(&b.0))
    });
    by_site.truncate(10);
    let mut from = local_time_today(cfg, now, cfg.morning_from);
    if from > now {
        from -= 86_400_000;
    }
    let arrivals = store.arrivals(f, from, ARRIVAL_BUCKET_MS).await?;
    let mut causes: BTreeMap<(String, String), Vec<(String, i64)>> = BTreeMap::new();
    for (owner, code, site, n) in store.causes_by_site(f, cut).await? {
        causes.entry((owner, code)).or_default().push((site, n));
    }
    let mut causes: Vec<_> = causes.into_iter().collect();
    causes.sort_by_key(|(_, v)| -v.iter().map(|(_, n)| n).sum::<i64>());
    causes.truncate(6);
    Ok(Charts {
        by_site,
        arrivals,
        arrivals_from: from,
        causes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(owner: &str, code: &str, site: &str, hosts: i64, first: i64) -> IncidentPart {
        IncidentPart {
            owner: owner.into(),
            layer: "vpn_gateway".into(),
            code: code.into(),
            who: String::new(),
            site: site.into(),
            hosts,
            first,
            last: first + 10,
        }
    }

    #[test]
    fn parts_sharing_a_diagnosis_are_one_incident_across_sites() {
        let out = incidents_from(
            vec![
                part("company", "network.tcp.refused", "上海", 5, 100),
                part("company", "network.tcp.refused", "深圳", 1, 50),
                part("vendor", "network.sites.down", "上海", 1, 300),
            ],
            2,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].hosts, 6);
        assert_eq!(out[0].since, 50);
        assert_eq!(out[0].sites[0], ("上海".to_string(), 5));
    }
}
