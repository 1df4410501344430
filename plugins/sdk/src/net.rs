//! Address facts plugins and the host agree on: which addresses never belong to a public
//! service (so a public name answered with one was redirected, and an intranet name answered
//! with one is where it should be).

use std::net::IpAddr;

/// A private, loopback, link-local or unspecified address, IPv4 or IPv6 (unique local
/// `fc00::/7`, link-local `fe80::/10`, and IPv4 addresses mapped into IPv6 by their IPv4 rules).
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private() || v4.is_loopback() || v4.is_link_local() || v4.is_unspecified()
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_private(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback()
                    || v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_public_addresses() {
        for p in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.50.1",
            "127.0.0.1",
            "169.254.1.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(is_private(p.parse().unwrap()), "{p}");
        }
        for p in ["203.0.113.7", "1.1.1.1", "2001:db8::1", "::ffff:8.8.8.8"] {
            assert!(!is_private(p.parse().unwrap()), "{p}");
        }
    }
}
