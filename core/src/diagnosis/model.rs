//! The path from this PC to each service, as the diagnosis sees it: the layers a connection
//! crosses, in order, and who owns each one. Profiles name a check's layer (`layer = "…"`);
//! where they do not, it is inferred from the plugin, the kind and the `needs`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One stretch of the way from the PC to a service.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// Nothing failed.
    None,
    /// This PC itself: its resources, settings, software.
    ThisPc,
    /// The home network and the internet provider: Wi-Fi, cable, router, the line.
    HomeNetwork,
    /// A Wi-Fi sign-in page or a proxy between the home network and the internet.
    SignIn,
    /// Name resolution on the internet side (the resolver of the home router or provider).
    Dns,
    /// The company's VPN gateway, reached over the internet.
    VpnGateway,
    /// The VPN client and its tunnel on this PC.
    VpnTunnel,
    /// The company's DNS, reached through the tunnel.
    CompanyDns,
    /// The company's services behind the VPN.
    Intranet,
    /// A vendor's service on the internet (market data, a trading platform), per region.
    Vendor,
}

/// Whose problem it is: the party that can fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// Nothing to fix.
    None,
    /// This PC: the employee (or IT's desktop support).
    ThisPc,
    /// The home network or the internet provider.
    HomeNetwork,
    /// The Wi-Fi's sign-in page.
    SignInPage,
    /// A proxy the network forces or that is misconfigured.
    Proxy,
    /// The VPN client on this PC.
    VpnClient,
    /// The company: VPN gateway, company DNS, intranet services.
    Company,
    /// A vendor's service.
    Vendor,
    /// The results do not say.
    Unknown,
}

impl Layer {
    /// Every layer a profile may name, as written in it.
    pub const NAMED: [Layer; 9] = [
        Layer::ThisPc,
        Layer::HomeNetwork,
        Layer::SignIn,
        Layer::Dns,
        Layer::VpnGateway,
        Layer::VpnTunnel,
        Layer::CompanyDns,
        Layer::Intranet,
        Layer::Vendor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Layer::None => "none",
            Layer::ThisPc => "this_pc",
            Layer::HomeNetwork => "home_network",
            Layer::SignIn => "sign_in",
            Layer::Dns => "dns",
            Layer::VpnGateway => "vpn_gateway",
            Layer::VpnTunnel => "vpn_tunnel",
            Layer::CompanyDns => "company_dns",
            Layer::Intranet => "intranet",
            Layer::Vendor => "vendor",
        }
    }

    pub fn parse(s: &str) -> Option<Layer> {
        Layer::NAMED.into_iter().find(|l| l.as_str() == s)
    }

    /// Who owns a fault in this layer (a DNS fault's owner depends on the resolver and is
    /// decided by the diagnosis).
    pub fn owner(self) -> Owner {
        match self {
            Layer::None => Owner::None,
            Layer::ThisPc => Owner::ThisPc,
            Layer::HomeNetwork | Layer::Dns => Owner::HomeNetwork,
            Layer::SignIn => Owner::SignInPage,
            Layer::VpnTunnel => Owner::VpnClient,
            Layer::VpnGateway | Layer::CompanyDns | Layer::Intranet => Owner::Company,
            Layer::Vendor => Owner::Vendor,
        }
    }

    /// Position on the way out from the PC; `None` for layers off the network path.
    /// The company branch and the vendor branch share everything up to `Dns`.
    pub fn depth(self) -> Option<u8> {
        match self {
            Layer::None | Layer::ThisPc => None,
            Layer::HomeNetwork => Some(1),
            Layer::SignIn => Some(2),
            Layer::Dns => Some(3),
            Layer::VpnGateway => Some(4),
            Layer::VpnTunnel => Some(5),
            Layer::CompanyDns => Some(6),
            Layer::Intranet => Some(7),
            Layer::Vendor => Some(4),
        }
    }

    /// Whether a fault in `self` lies on the way to a service in `downstream`, so that it can
    /// explain a failure there.
    pub fn is_upstream_of(self, downstream: Layer) -> bool {
        let (Some(a), Some(b)) = (self.depth(), downstream.depth()) else {
            return false;
        };
        if a >= b || self == Layer::Vendor {
            return false;
        }
        // The vendor branch does not pass through the company's gateway or tunnel.
        let company = |l: Layer| {
            matches!(
                l,
                Layer::VpnGateway | Layer::VpnTunnel | Layer::CompanyDns | Layer::Intranet
            )
        };
        !(company(self) && downstream == Layer::Vendor)
    }
}

impl Owner {
    pub fn as_str(self) -> &'static str {
        match self {
            Owner::None => "none",
            Owner::ThisPc => "this_pc",
            Owner::HomeNetwork => "home_network",
            Owner::SignInPage => "sign_in_page",
            Owner::Proxy => "proxy",
            Owner::VpnClient => "vpn_client",
            Owner::Company => "company",
            Owner::Vendor => "vendor",
            Owner::Unknown => "unknown",
        }
    }

    /// Every owner a profile's `fixes` table may be keyed by.
    pub const NAMED: [Owner; 7] = [
        Owner::ThisPc,
        Owner::HomeNetwork,
        Owner::SignInPage,
        Owner::Proxy,
        Owner::VpnClient,
        Owner::Company,
        Owner::Vendor,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_network_lies_on_every_path_and_the_vpn_not_on_the_vendors() {
        assert!(Layer::HomeNetwork.is_upstream_of(Layer::Vendor));
        assert!(Layer::HomeNetwork.is_upstream_of(Layer::Intranet));
        assert!(Layer::SignIn.is_upstream_of(Layer::VpnGateway));
        assert!(Layer::VpnGateway.is_upstream_of(Layer::VpnTunnel));
        assert!(Layer::VpnTunnel.is_upstream_of(Layer::Intranet));
        assert!(!Layer::VpnTunnel.is_upstream_of(Layer::Vendor));
        assert!(!Layer::Vendor.is_upstream_of(Layer::Intranet));
        assert!(!Layer::ThisPc.is_upstream_of(Layer::HomeNetwork));
        assert!(!Layer::Intranet.is_upstream_of(Layer::Intranet));
        for l in Layer::NAMED {
            assert_eq!(Layer::parse(l.as_str()), Some(l));
        }
    }
}
