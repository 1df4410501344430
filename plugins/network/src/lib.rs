//! The `network` plugin: can this PC reach what the job needs, and if not, is it my DNS, my
//! connection, or the service? Kinds: `dns`, `tcp`, `tls`, `http`, `quality` (round trip,
//! jitter, loss), `sites` (one service at several sites or regions) and `tunnel` (is the VPN
//! carrying the corporate traffic), each with a hard timeout and evidence of what was probed.

mod dns;
mod http;
mod probe;
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

readycheck_sdk::plugin! {
    name: "network",
    kinds: [
        dns::Dns,
        tcp::Tcp,
        tls::Tls,
        http::Http,
        quality::Quality,
        sites::Sites,
        tunnel::Tunnel,
    ],
    catalogs: "i18n",
}
