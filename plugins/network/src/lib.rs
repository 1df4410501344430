//! The `network` plugin: can this PC reach what the job needs, and if not, is it my DNS, my
//! connection, or the service? Kinds: `dns`, `tcp`, `tls`, `http`, `quality` (round trip,
//! jitter, loss), `sites` (one service at several sites or regions) and `tunnel` (is the VPN
//! carrying the corporate traffic), each with a hard timeout and evidence of what was probed.

mod dns;
mod http;
mod quality;
mod resolve;
mod resolvers;
mod sites;
mod tcp;
#[cfg(test)]
use readycheck_testpki as testpki;
mod tls;
mod trust;
mod tunnel;

use readycheck_sdk::{CheckRequest, CheckResult, Manifest, Plugin};

/// The plugin type exported through the ABI.
pub struct Network;

impl Plugin for Network {
    fn manifest() -> Manifest {
        Manifest {
            name: "network".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            os: vec![],
            kinds: vec![
                dns::manifest(),
                tcp::manifest(),
                tls::manifest(),
                http::manifest(),
                quality::manifest(),
                sites::manifest(),
                tunnel::manifest(),
            ],
        }
    }

    fn catalogs() -> &'static readycheck_sdk::Catalogs {
        catalogs()
    }

    fn run(request: &CheckRequest) -> Result<CheckResult, String> {
        let t = budget(request.timeout());
        match request.kind.as_str() {
            "dns" => Ok(dns::run(&request.params()?, t)),
            "tcp" => Ok(tcp::run(&request.params()?, t)),
            "sites" => Ok(sites::run(&request.params()?, t)),
            "tls" => Ok(tls::run(&request.params()?, t)),
            "http" => Ok(http::run(&request.params()?, t)),
            "quality" => Ok(quality::run(&request.params()?, t)),
            "tunnel" => Ok(tunnel::run(&request.params()?, t)),
            other => Err(format!("the network plugin has no kind `{other}`")),
        }
    }
}

readycheck_sdk::export_plugin!(Network, name = "network");
readycheck_sdk::plugin_catalogs!();

/// The time a check's own work may take out of the `timeout` the host gave it: the host kills
/// the plugin soon after `timeout`, so every kind ends its probing a little before — a tenth of
/// the timeout, at least 50 ms and at most 300 ms — to leave time to answer with what it found.
pub(crate) fn budget(timeout: std::time::Duration) -> std::time::Duration {
    use std::time::Duration;
    let reserve = (timeout / 10).clamp(Duration::from_millis(50), Duration::from_millis(300));
    timeout
        .saturating_sub(reserve)
        .max(Duration::from_millis(1))
}

/// Milliseconds as f64 with microsecond resolution.
pub(crate) fn millis(d: std::time::Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn every_check_keeps_time_to_answer_before_the_host_kills_it() {
        let ms = |m| Duration::from_millis(m);
        assert_eq!(super::budget(ms(5000)), ms(4700));
        assert_eq!(super::budget(ms(1000)), ms(900));
        assert_eq!(super::budget(ms(300)), ms(250));
        assert!(super::budget(ms(10)) >= ms(1));
    }
}
