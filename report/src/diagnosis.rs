//! The diagnosis as the report carries it: the path from this PC to each service as layers a
//! connection crosses, in order, with the owner of each; and the diagnosis object itself
//! (owner, layer, headline, consequences, the path drawn stretch by stretch). The stage that
//! decides it lives in the host (`core/src/diagnosis`).

use std::collections::BTreeMap;

use readycheck_sdk::i18n::{Locale, Msg};
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

/// How sure the diagnosis is of the owner it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Measured, or corroborated: the user's own path shown healthy, repeated samples.
    High,
    /// Follows from the results, without every corroboration.
    Medium,
    /// A guess from what little ran.
    Low,
}

/// The state of one stretch of the path, for the chain the report draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Everything checked here works.
    Ok,
    /// Works, with a warning.
    Warn,
    /// The problem is here.
    Problem,
    /// Failures here follow from the problem further up.
    Affected,
    /// Not checked (a check it needs did not pass).
    NotChecked,
}

/// One stretch of the path as the report draws it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PathStep {
    /// `this_pc`, `home_network`, `vpn`, `company` or `vendor`.
    pub step: String,
    pub state: StepState,
    /// The checks that looked at this stretch.
    pub checks: Vec<String>,
}

/// The diagnosis texts in one locale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DiagnosisText {
    pub headline: String,
    pub advice: String,
}

/// Whose problem it is: the report's opening answer (JSON v1, additive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Diagnosis {
    /// Who can fix it.
    pub owner: Owner,
    /// Where on the path the problem is.
    pub layer: Layer,
    /// The party named in the headline when there is one: a service, a region, a resolver.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub who: Option<String>,
    pub confidence: Confidence,
    /// The check that shows the problem first.
    pub root_cause: Option<String>,
    /// Checks whose failure follows from the root cause (not separate problems).
    #[serde(default)]
    pub consequences: Vec<String>,
    /// Failures the root cause does not explain: separate problems.
    #[serde(default)]
    pub other_problems: Vec<String>,
    /// One sentence: what is wrong and whose it is, in the report's locale.
    pub headline: String,
    /// What to do first, in the report's locale.
    pub advice: String,
    pub message: Msg,
    pub advice_message: Msg,
    /// `headline` and `advice` in every locale.
    #[serde(default)]
    pub l10n: BTreeMap<String, DiagnosisText>,
    /// The facts the diagnosis used, in English.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// The path from this PC to the services, stretch by stretch.
    #[serde(default)]
    pub path: Vec<PathStep>,
}

impl Diagnosis {
    /// Switches the texts to `locale` where the diagnosis has them.
    pub fn localize(&mut self, locale: Locale) {
        if let Some(t) = self.l10n.get(locale.tag()) {
            self.headline = t.headline.clone();
            self.advice = t.advice.clone();
        }
    }
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
