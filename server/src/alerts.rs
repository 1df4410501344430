//! Alerts: rules from the configuration evaluated after each stored report and every
//! `evaluate_every` — N not-ready hosts with one diagnosis within T minutes (an incident), an
//! essential roster host not ready by a time of day — delivered to WeCom group robots, DingTalk
//! custom robots (signed: timestamp + HMAC-SHA256 of `timestamp\nsecret`), Feishu/Lark custom
//! bots (signed: HMAC-SHA256 keyed by `timestamp\nsecret`) and a generic JSON webhook, in each
//! chat's message format with a link to the incident. Each alert goes to each channel at most
//! once per cool-down (claimed in the store, so several instances send it once); a failed
//! delivery is retried with backoff and logged, and after the last attempt given back to the
//! next evaluation.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use readycheck_sdk::i18n::Locale;
use serde_json::{Value, json};

use crate::api::AppState;
use crate::config::{AlertChannel, AlertRule, ChannelKind, redact_query};
use crate::dashboard::text::{Clock, cause_place};
use crate::dashboard::view::{enc, query};
use crate::fleet::{self, Incident};
use crate::store::{FleetFilter, RosterRow, StoreError};

/// Attempts per delivery, and the waits between them.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(4)];

/// One alert, before it is put in a chat's format.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// What the cool-down is kept by.
    pub key: String,
    pub kind: &'static str,
    pub hosts: i64,
    /// The link to the incident or list on the dashboard.
    pub link: String,
    pub what: What,
}

/// What an alert is about.
#[derive(Debug, Clone, PartialEq)]
pub enum What {
    Incident(Incident),
    Essential(Vec<RosterRow>),
}

impl Alert {
    /// Title and body lines in `l`, times in the dashboard's zone.
    pub fn text(&self, l: Locale, clock: &Clock) -> (String, String) {
        let zh = l == Locale::ZhCn;
        match &self.what {
            What::Incident(i) => {
                let place = cause_place(l, &i.owner, &i.layer);
                let who = if i.who.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", i.who)
                };
                let sites = if i.sites.len() == 1 {
                    if zh {
                        format!("全部在 {}", i.sites[0].0)
                    } else {
                        format!("all in {}", i.sites[0].0)
                    }
                } else {
                    let list: Vec<String> = i
                        .sites
                        .iter()
                        .take(5)
                        .map(|(s, n)| format!("{s} {n}"))
                        .collect();
                    if zh {
                        format!("分布于 {}", list.join("、"))
                    } else {
                        format!("in {}", list.join(", "))
                    }
                };
                let since = clock.short(i.since);
                if zh {
                    (
                        format!("{} 台电脑无法工作：{place}{who}", i.hosts),
                        format!(
                            "{} × {place}{who}（{}），{sites}，自 {since}",
                            i.hosts, i.code
                        ),
                    )
                } else {
                    (
                        format!("{} hosts not ready: {place}{who}", i.hosts),
                        format!(
                            "{} × {place}{who} ({}), {sites}, since {since}",
                            i.hosts, i.code
                        ),
                    )
                }
            }
            What::Essential(rows) => {
                let names: Vec<String> = rows
                    .iter()
                    .take(10)
                    .map(|r| {
                        if r.username.is_empty() {
                            format!("{} ({})", r.hostname, r.site)
                        } else {
                            format!("{} {} ({})", r.username, r.hostname, r.site)
                        }
                    })
                    .collect();
                let more = rows.len().saturating_sub(10);
                if zh {
                    (
                        format!("{} 台关键岗位电脑尚未就绪", rows.len()),
                        format!(
                            "{}{}",
                            names.join("、"),
                            if more > 0 {
                                format!(" 等另 {more} 台")
                            } else {
                                String::new()
                            }
                        ),
                    )
                } else {
                    (
                        format!("{} essential hosts not ready", rows.len()),
                        format!(
                            "{}{}",
                            names.join(", "),
                            if more > 0 {
                                format!(" and {more} more")
                            } else {
                                String::new()
                            }
                        ),
                    )
                }
            }
        }
    }
}

/// The alerts the rules raise now.
pub async fn evaluate(s: &AppState, now: i64) -> Result<Vec<Alert>, StoreError> {
    let cfg = &s.config.dashboard;
    let mut out = Vec::new();
    for rule in &s.config.alerts.rules {
        match rule {
            AlertRule::SameCause { hosts, within } => {
                let parts = s
                    .store
                    .incident_parts(&FleetFilter::default(), now - within.as_millis() as i64)
                    .await?;
                for i in fleet::incidents_from(parts, i64::from(*hosts)) {
                    let f = FleetFilter {
                        owner: Some(i.owner.clone()),
                        cause: Some(i.code.clone()).filter(|c| !c.is_empty()),
                        verdict: Some("not_ready".into()),
                        ..FleetFilter::default()
                    };
                    out.push(Alert {
                        key: format!("incident:{}", i.key),
                        kind: "same_cause",
                        hosts: i.hosts,
                        link: format!(
                            "{}/dashboard/list{}",
                            cfg.public_url,
                            query(&f, &[("incident", &i.key)])
                        ),
                        what: What::Incident(i),
                    });
                }
            }
            AlertRule::EssentialNotReady { by } => {
                let deadline = fleet::local_time_today(cfg, now, *by);
                if now < deadline {
                    continue;
                }
                let day = fleet::local_time_today(cfg, now, 0);
                let rows = s.store.essential_not_ready(day).await?;
                if rows.is_empty() {
                    continue;
                }
                let clock = Clock {
                    tz: cfg.time_zone.clone(),
                    now,
                };
                out.push(Alert {
                    key: format!("essential:{}", &clock.full(day)[..10]),
                    kind: "essential_not_ready",
                    hosts: rows.len() as i64,
                    link: format!("{}/dashboard/list?verdict=not_ready", cfg.public_url),
                    what: What::Essential(rows),
                });
            }
        }
    }
    Ok(out)
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&k, msg).as_ref())
}

/// DingTalk's signature: Base64(HMAC-SHA256(key = secret, "timestamp\nsecret")), timestamp in ms.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    hmac_b64(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    )
}

/// Feishu's signature: Base64(HMAC-SHA256(key = "timestamp\nsecret", empty message)), timestamp
/// in seconds.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    hmac_b64(format!("{timestamp_s}\n{secret}").as_bytes(), b"")
}

/// The request for a channel: URL and JSON body.
pub fn request(c: &AlertChannel, a: &Alert, clock: &Clock, now_ms: i64) -> (String, Value) {
    let (title, detail) = a.text(c.lang, clock);
    let zh = c.lang == Locale::ZhCn;
    let open = if zh {
        "查看事件"
    } else {
        "Open the incident"
    };
    match c.kind {
        ChannelKind::WeCom => (
            c.url.clone(),
            json!({
                "msgtype": "markdown",
                "markdown": { "content": format!("**readycheck · {title}**\n> {detail}\n[{open}]({})", a.link) },
            }),
        ),
        ChannelKind::DingTalk => {
            let mut url = c.url.clone();
            if let Some(secret) = &c.secret {
                let sep = if url.contains('?') { '&' } else { '?' };
                url = format!(
                    "{url}{sep}timestamp={now_ms}&sign={}",
                    enc(&dingtalk_sign(secret, now_ms))
                );
            }
            (
                url,
                json!({
                    "msgtype": "markdown",
                    "markdown": {
                        "title": format!("readycheck · {title}"),
                        "text": format!("### readycheck · {title}\n\n{detail}\n\n[{open}]({})", a.link),
                    },
                }),
            )
        }
        ChannelKind::Feishu => {
            let lang = if zh { "zh_cn" } else { "en_us" };
            let mut body = json!({
                "msg_type": "post",
                "content": { "post": { lang: {
                    "title": format!("readycheck · {title}"),
                    "content": [
                        [{ "tag": "text", "text": detail }],
                        [{ "tag": "a", "text": open, "href": a.link }],
                    ],
                } } },
            });
            if let Some(secret) = &c.secret {
                let ts = now_ms / 1000;
                body["timestamp"] = json!(ts.to_string());
                body["sign"] = json!(feishu_sign(secret, ts));
            }
            (c.url.clone(), body)
        }
        ChannelKind::Webhook => {
            let mut body = json!({
                "source": "readycheck",
                "kind": a.kind,
                "key": a.key,
                "hosts": a.hosts,
                "title": title,
                "text": detail,
                "link": a.link,
                "sent_at": crate::rfc3339(now_ms),
            });
            match &a.what {
                What::Incident(i) => {
                    body["incident"] = json!({
                        "owner": i.owner, "layer": i.layer, "root_cause_code": i.code, "who": i.who,
                        "sites": i.sites.iter().map(|(s, n)| json!({ "site": s, "hosts": n })).collect::<Vec<_>>(),
                        "since": crate::rfc3339(i.since),
                    });
                }
                What::Essential(rows) => {
                    body["essential"] = json!(rows);
                }
            }
            (c.url.clone(), body)
        }
    }
}

/// Why one attempt failed.
fn attempt(url: &str, body: &Value) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut resp = agent
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8")
        .send(body.to_string())
        .map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(64 * 1024)
        .read_to_string()
        .unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(format!(
            "HTTP {status}: {}",
            text.chars().take(200).collect::<String>()
        ));
    }
    // The robots answer 200 with an error code in the body.
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        for field in ["errcode", "code", "StatusCode"] {
            if let Some(code) = v.get(field).and_then(Value::as_i64)
                && code != 0
            {
                return Err(format!(
                    "{field} {code}: {}",
                    text.chars().take(200).collect::<String>()
                ));
            }
        }
    }
    Ok(())
}

fn channel_id(c: &AlertChannel) -> String {
    use sha2::Digest;
    let h = sha2::Sha256::digest(c.url.as_bytes());
    format!(
        "{}:{}",
        c.kind.as_str(),
        h.iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// Delivers an alert to a channel unless it was within the cool-down.
async fn deliver(
    s: &AppState,
    c: &AlertChannel,
    a: &Alert,
    clock: &Clock,
) -> Result<(), StoreError> {
    let now = crate::now_ms();
    let id = channel_id(c);
    let cooldown = s.config.alerts.cooldown.as_millis() as i64;
    if !s
        .store
        .claim_alert(&a.key, &id, now, now - cooldown)
        .await?
    {
        return Ok(());
    }
    let mut tries = 0;
    loop {
        let (url, body) = request(c, a, clock, crate::now_ms());
        let result = tokio::task::spawn_blocking(move || attempt(&url, &body))
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
        match result {
            Ok(()) => {
                tracing::info!(alert = %a.key, channel = c.kind.as_str(), url = %redact_query(&c.url), hosts = a.hosts, "alert delivered");
                return Ok(());
            }
            Err(e) if tries < BACKOFF.len() => {
                tracing::warn!(alert = %a.key, channel = c.kind.as_str(), url = %redact_query(&c.url), attempt = tries + 1, error = %e, "alert delivery failed; retrying");
                tokio::time::sleep(BACKOFF[tries]).await;
                tries += 1;
            }
            Err(e) => {
                tracing::error!(alert = %a.key, channel = c.kind.as_str(), url = %redact_query(&c.url), attempts = tries + 1, error = %e, "alert not delivered; will try again at the next evaluation");
                s.store.release_alert(&a.key, &id).await?;
                return Ok(());
            }
        }
    }
}

/// Evaluates the rules and delivers what they raise.
pub async fn evaluate_and_deliver(s: &AppState) -> Result<usize, StoreError> {
    let now = crate::now_ms();
    let alerts = evaluate(s, now).await?;
    let clock = Clock {
        tz: s.config.dashboard.time_zone.clone(),
        now,
    };
    for a in &alerts {
        for c in &s.config.alerts.channels {
            deliver(s, c, a, &clock).await?;
        }
    }
    Ok(alerts.len())
}

/// Runs the rules after each stored report (at most every half second) and on a timer.
pub async fn run(s: Arc<AppState>) {
    if s.config.alerts.rules.is_empty() || s.config.alerts.channels.is_empty() {
        return;
    }
    let mut rx = s.live.subscribe();
    let mut tick = tokio::time::interval(s.config.alerts.evaluate_every);
    loop {
        tokio::select! {
            _ = tick.tick() => {},
            r = rx.recv() => {
                if matches!(r, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                while rx.try_recv().is_ok() {}
            }
        }
        if let Err(e) = evaluate_and_deliver(&s).await {
            tracing::warn!(error = %e, "alert evaluation failed; will retry");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dingtalk_and_feishu_signatures_match_their_documented_schemes() {
        // Recomputed independently: HMAC-SHA256 with the documented key and message.
        let ding = dingtalk_sign("SECabc", 1_700_000_000_000);
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"SECabc");
        let tag = ring::hmac::sign(&k, b"1700000000000\nSECabc");
        assert_eq!(
            ding,
            base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
        );
        let fs = feishu_sign("s3cret", 1_700_000_000);
        let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"1700000000\ns3cret");
        let tag = ring::hmac::sign(&k, b"");
        assert_eq!(
            fs,
            base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
        );
    }
}
