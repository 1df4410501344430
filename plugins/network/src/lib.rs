//! The `network` plugin: can this PC reach what the job needs, and if not, is it my DNS, my
//! connection, or the service? Kinds: `dns`, `tcp`, `tls`, `http`, `quality` (round trip,
//! jitter, loss), `sites` (one service at several sites or regions) and `tunnel` (is the VPN
//! carrying the corporate traffic), each with a hard timeout and evidence of what was probed.

mod dns;
mod http;
mod quality;
mod resolve;
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
        match request.kind.as_str() {
            "dns" => Ok(dns::run(&request.params()?, request.timeout())),
            "tcp" => Ok(tcp::run(&request.params()?, request.timeout())),
            "sites" => Ok(sites::run(&request.params()?, request.timeout())),
            "tls" => Ok(tls::run(&request.params()?, request.timeout())),
            "http" => Ok(http::run(&request.params()?, request.timeout())),
            "quality" => Ok(quality::run(&request.params()?, request.timeout())),
            "tunnel" => Ok(tunnel::run(&request.params()?, request.timeout())),
            other => Err(format!("the network plugin has no kind `{other}`")),
        }
    }
}

readycheck_sdk::export_plugin!(Network, name = "network");
readycheck_sdk::plugin_catalogs!();

/// Milliseconds as f64 with microsecond resolution.
pub(crate) fn millis(d: std::time::Duration) -> f64 {
    (d.as_micros() as f64) / 1000.0
}
