//! `network/tunnel`: is the VPN tunnel up? Asks the OS which source address (and so which
//! interface) it would use for an address inside the corporate network — a connected UDP socket,
//! no packet sent — and whether that interface is a VPN adapter (tun/wg/ppp/utun, Windows
//! adapters such as Wintun, TAP, PANGP, Fortinet). Layered: real reachability beats interface
//! names, because an adapter can exist while the tunnel is down.

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use readycheck_sdk::{Arg, CheckRequest, CheckResult, Kind, Observation, TunnelState, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::resolve::lookup;
use crate::tcp::probe;

/// Parameters of `network/tunnel`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TunnelParams {
    /// An address inside the corporate network, e.g. "10.20.0.1". Nothing is sent to it unless
    /// `reach_target` is given.
    pub probe_address: String,
    /// "host:port" inside the corporate network that must accept a connection through the tunnel.
    #[serde(default)]
    pub reach_target: Option<String>,
    /// An internal-only name that must resolve (the VPN's DNS), e.g. "intranet.corp.example".
    #[serde(default)]
    pub internal_name: Option<String>,
    /// More name fragments that mark VPN adapters here (case-insensitive), e.g. ["corpvpn"].
    #[serde(default)]
    pub interface_patterns: Vec<String>,
    /// Accept any interface (e.g. in the office, where no VPN is needed).
    #[serde(default)]
    pub allow_any_interface: bool,
}

/// Fragments of interface names and adapter descriptions that mean "VPN".
pub const VPN_PATTERNS: &[&str] = &[
    "tun",
    "tap",
    "wg",
    "ppp",
    "utun",
    "ipsec",
    "gpd",
    "vpn",
    "wintun",
    "wireguard",
    "pangp",
    "globalprotect",
    "fortinet",
    "forticlient",
    "anyconnect",
    "cisco",
    "juniper",
    "pulse",
    "sangfor",
    "openvpn",
    "zerotier",
];

/// A network interface and its addresses.
#[derive(Debug, Clone, PartialEq)]
pub struct Interface {
    pub name: String,
    /// Adapter description (Windows), or empty.
    pub description: String,
    pub addrs: Vec<IpAddr>,
    /// The networks on the link: an address and its prefix length.
    pub nets: Vec<(IpAddr, u8)>,
    /// Default gateways through this interface (Linux and Windows).
    pub gateways: Vec<IpAddr>,
    pub up: bool,
}

impl Interface {
    pub fn label(&self) -> String {
        if self.description.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.description)
        }
    }
}

pub fn is_vpn(i: &Interface, extra: &[String]) -> bool {
    let hay = format!("{} {}", i.name, i.description).to_lowercase();
    VPN_PATTERNS.iter().any(|p| hay.contains(p))
        || extra.iter().any(|p| hay.contains(&p.to_lowercase()))
}

/// The `network/tunnel` kind.
pub struct Tunnel;

impl Kind for Tunnel {
    const NAME: &'static str = "tunnel";
    const TITLE: &'static str = "VPN tunnel up";
    const DESCRIPTION: &'static str = "Asks the operating system which interface would carry traffic to an address inside the \
         corporate network (no packet is sent) and whether that is a VPN adapter. Optionally an \
         internal name must resolve and an internal service must answer through it — a VPN \
         adapter can exist while the tunnel is down, and reachability is what counts.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"tunnel\"\nplugin = \"network\"\nkind = \"tunnel\"\ntitle = \"VPN tunnel is up\"\nneeds = [\"vpn-gateway\"]\nprobe_address = \"10.20.0.1\"\ninternal_name = \"intranet.corp.example\"\nreach_target = \"intranet.corp.example:443\"\nfix = \"Connect the VPN client (or reconnect it), then run the check again.\"\n";
    type Params = TunnelParams;

    fn run(p: &TunnelParams, request: &CheckRequest) -> CheckResult {
        run(p, crate::probe::budget(request.timeout()))
    }
}

/// The source address the OS would use for `dest` (a connected UDP socket sends nothing).
pub fn route_source(dest: IpAddr) -> std::io::Result<IpAddr> {
    let bind: SocketAddr = if dest.is_ipv4() {
        "0.0.0.0:0".parse().expect("addr")
    } else {
        "[::]:0".parse().expect("addr")
    };
    let s = UdpSocket::bind(bind)?;
    s.connect(SocketAddr::new(dest, 9))?;
    Ok(s.local_addr()?.ip())
}

#[cfg(unix)]
pub fn interfaces() -> Vec<Interface> {
    let mut out: Vec<Interface> = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs allocates a list we walk read-only and free once with freeifaddrs.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut cur = head;
        while !cur.is_null() {
            let ifa = &*cur;
            let name = std::ffi::CStr::from_ptr(ifa.ifa_name)
                .to_string_lossy()
                .into_owned();
            let up = ifa.ifa_flags & (libc::IFF_UP as libc::c_uint) != 0
                && ifa.ifa_flags & (libc::IFF_RUNNING as libc::c_uint) != 0;
            let addr = if ifa.ifa_addr.is_null() {
                None
            } else {
                match i32::from((*ifa.ifa_addr).sa_family) {
                    libc::AF_INET => {
                        let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                        Some(IpAddr::from(
                            u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
                        ))
                    }
                    libc::AF_INET6 => {
                        let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                        Some(IpAddr::from(sin6.sin6_addr.s6_addr))
                    }
                    _ => None,
                }
            };
            let prefix = if ifa.ifa_netmask.is_null() {
                None
            } else {
                match i32::from((*ifa.ifa_netmask).sa_family) {
                    libc::AF_INET => {
                        let m = &*(ifa.ifa_netmask as *const libc::sockaddr_in);
                        Some(u32::from_be(m.sin_addr.s_addr).count_ones() as u8)
                    }
                    libc::AF_INET6 => {
                        let m = &*(ifa.ifa_netmask as *const libc::sockaddr_in6);
                        Some(u128::from_be_bytes(m.sin6_addr.s6_addr).count_ones() as u8)
                    }
                    // Some systems leave the netmask's family unset: read it as the address's.
                    _ => None,
                }
            };
            let net = addr.zip(prefix);
            match out.iter_mut().find(|i| i.name == name) {
                Some(i) => {
                    i.up |= up;
                    i.addrs.extend(addr);
                    i.nets.extend(net);
                }
                None => out.push(Interface {
                    name,
                    description: String::new(),
                    addrs: addr.into_iter().collect(),
                    nets: net.into_iter().collect(),
                    gateways: Vec::new(),
                    up,
                }),
            }
            cur = ifa.ifa_next;
        }
        libc::freeifaddrs(head);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    for (name, gw) in linux_default_gateways() {
        if let Some(i) = out.iter_mut().find(|i| i.name == name) {
            i.gateways.push(gw);
        }
    }
    out
}

/// Default IPv4 gateways per interface from `/proc/net/route` (addresses in host byte order
/// written as hex).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn linux_default_gateways() -> Vec<(String, IpAddr)> {
    let text = std::fs::read_to_string("/proc/net/route").unwrap_or_default();
    parse_proc_route(&text)
}

#[cfg(any(target_os = "linux", target_os = "android", test))]
fn parse_proc_route(text: &str) -> Vec<(String, IpAddr)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (name, dest, gw) = (f.first()?, f.get(1)?, f.get(2)?);
            let gw = u32::from_str_radix(gw, 16).ok()?;
            (*dest == "00000000" && gw != 0)
                .then(|| (name.to_string(), IpAddr::from(gw.to_le_bytes())))
        })
        .collect()
}

#[cfg(windows)]
pub fn interfaces() -> Vec<Interface> {
    use windows_sys::Win32::NetworkManagement::IpHelper::{
        GAA_FLAG_INCLUDE_GATEWAYS, GAA_FLAG_INCLUDE_PREFIX, GetAdaptersAddresses,
        IP_ADAPTER_ADDRESSES_LH,
    };
    use windows_sys::Win32::Networking::WinSock::{
        AF_INET, AF_INET6, AF_UNSPEC, SOCKADDR_IN, SOCKADDR_IN6,
    };
    let mut out = Vec::new();
    let mut len: u32 = 16 * 1024;
    let mut buf: Vec<u64> = vec![0; (len as usize) / 8];
    // SAFETY: GetAdaptersAddresses fills our buffer (retried once with the size it asks for);
    // the linked list it builds lives inside that buffer and is only read while it is alive.
    unsafe {
        let mut rc = GetAdaptersAddresses(
            AF_UNSPEC as u32,
            GAA_FLAG_INCLUDE_PREFIX | GAA_FLAG_INCLUDE_GATEWAYS,
            std::ptr::null(),
            buf.as_mut_ptr().cast(),
            &mut len,
        );
        if rc == 111 {
            buf = vec![0; (len as usize).div_ceil(8)];
            rc = GetAdaptersAddresses(
                AF_UNSPEC as u32,
                GAA_FLAG_INCLUDE_PREFIX | GAA_FLAG_INCLUDE_GATEWAYS,
                std::ptr::null(),
                buf.as_mut_ptr().cast(),
                &mut len,
            );
        }
        if rc != 0 {
            return out;
        }
        let wide = |p: *const u16| {
            if p.is_null() {
                return String::new();
            }
            let mut n = 0;
            while *p.add(n) != 0 {
                n += 1;
            }
            String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
        };
        let ip_of = |sa: *const windows_sys::Win32::Networking::WinSock::SOCKADDR| {
            if sa.is_null() {
                return None;
            }
            match (*sa).sa_family {
                AF_INET => {
                    let s = &*(sa as *const SOCKADDR_IN);
                    Some(IpAddr::from(s.sin_addr.S_un.S_addr.to_ne_bytes()))
                }
                AF_INET6 => {
                    let s = &*(sa as *const SOCKADDR_IN6);
                    Some(IpAddr::from(s.sin6_addr.u.Byte))
                }
                _ => None,
            }
        };
        let mut cur = buf.as_ptr() as *const IP_ADAPTER_ADDRESSES_LH;
        while !cur.is_null() {
            let a = &*cur;
            let mut addrs = Vec::new();
            let mut nets = Vec::new();
            let mut u = a.FirstUnicastAddress;
            while !u.is_null() {
                if let Some(ip) = ip_of((*u).Address.lpSockaddr) {
                    addrs.push(ip);
                    nets.push((ip, (*u).OnLinkPrefixLength));
                }
                u = (*u).Next;
            }
            let mut gateways = Vec::new();
            let mut g = a.FirstGatewayAddress;
            while !g.is_null() {
                gateways.extend(ip_of((*g).Address.lpSockaddr));
                g = (*g).Next;
            }
            out.push(Interface {
                name: wide(a.FriendlyName),
                description: wide(a.Description),
                addrs,
                nets,
                gateways,
                up: a.OperStatus == 1,
            });
            cur = a.Next;
        }
    }
    out
}

pub fn run(p: &TunnelParams, timeout: Duration) -> CheckResult {
    let dest: IpAddr = match p.probe_address.parse() {
        Ok(ip) => ip,
        Err(_) => {
            return CheckResult::error(
                "network.tunnel.bad_params",
                format!(
                    "`{}` is not an IP address; give an address inside the corporate network, e.g. \"10.20.0.1\"",
                    p.probe_address
                ),
            );
        }
    };
    let ifaces = interfaces();
    let vpn_adapters: Vec<&Interface> = ifaces
        .iter()
        .filter(|i| is_vpn(i, &p.interface_patterns))
        .collect();
    let mut evidence = vec![format!(
        "interfaces: {}",
        ifaces
            .iter()
            .map(|i| format!("{}{}", i.label(), if i.up { "" } else { " [down]" }))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    let adapter_note = match vpn_adapters.first() {
        Some(a) if a.up => t!("tunnel.adapter_present", adapter = a.label()),
        Some(a) => t!("tunnel.adapter_present_down", adapter = a.label()),
        None => t!("tunnel.no_adapter"),
    };
    // The tunnel as seen when the company's address is not routed through it.
    let not_carrying = |route: Option<String>| {
        let (state, interface) = match vpn_adapters.first() {
            None => (TunnelState::Absent, None),
            Some(a) if !a.up || a.addrs.is_empty() => (TunnelState::Down, Some(a.name.clone())),
            Some(a) => (TunnelState::NotViaTunnel, Some(a.name.clone())),
        };
        Observation::Tunnel {
            state,
            interface,
            route_interface: route,
        }
    };
    let src = match route_source(dest) {
        Ok(s) => s,
        Err(e) => {
            evidence.push(format!("route lookup for {dest}: {e}"));
            let mut r = CheckResult::fail(
                "network.tunnel.no_route",
                t!(
                    "tunnel.no_route",
                    dest = dest.to_string(),
                    note = adapter_note.clone()
                ),
            )
            .observe(not_carrying(None));
            r.evidence = evidence;
            return r;
        }
    };
    let via = ifaces.iter().find(|i| i.addrs.contains(&src));
    let via_label = via
        .map(Interface::label)
        .unwrap_or_else(|| format!("the interface with address {src}"));
    evidence.push(format!(
        "route to {dest}: source address {src} on {via_label}"
    ));
    let via_vpn = via.is_some_and(|i| is_vpn(i, &p.interface_patterns));
    let via_running = via.is_none_or(|i| i.up);

    // Reachability through the tunnel, when asked: it beats interface names.
    let mut observations = Vec::new();
    let reach = p.reach_target.as_ref().map(|t| {
        let pr = probe(t, timeout.mul_f64(0.6));
        evidence.extend(pr.evidence.iter().cloned());
        observations.extend(pr.observations.iter().cloned());
        observations.push(pr.reach(t, false));
        (t.clone(), pr.outcome)
    });
    let name_ok = p.internal_name.as_ref().map(|n| {
        let found = lookup(n, 0, std::time::Instant::now() + timeout.mul_f64(0.3));
        evidence.extend(found.evidence);
        observations.extend(found.observations);
        match found.result {
            Ok(_) => Ok(()),
            Err(f) => Err(t!("tunnel.name_not_resolved", name = n, why = f.why)),
        }
    });
    let via_name = via.map(|i| i.name.clone());
    let tunnel = if via_vpn {
        Observation::Tunnel {
            state: if via_running {
                TunnelState::Up
            } else {
                TunnelState::Down
            },
            interface: via_name.clone(),
            route_interface: via_name.clone(),
        }
    } else {
        not_carrying(via_name.clone())
    };
    // In the office (any interface allowed) a route around the tunnel is no finding.
    if via_vpn || !p.allow_any_interface {
        observations.insert(0, tunnel);
    }

    let mut r = match (&reach, via_vpn || p.allow_any_interface) {
        (Some((_, Err(_))) | None, true) if via_vpn && !via_running => CheckResult::fail(
            "network.tunnel.adapter_down",
            t!("tunnel.adapter_down", via = &via_label),
        ),
        (Some((t, Err(f))), true) => CheckResult::fail(
            "network.tunnel.unreachable",
            t!(
                "tunnel.unreachable",
                via = &via_label,
                target = t,
                reason = f.reason.clone()
            ),
        ),
        (Some((t, Err(_))), false) => CheckResult::fail(
            "network.tunnel.not_via_vpn",
            t!(
                "tunnel.not_via_vpn_no_answer",
                dest = dest.to_string(),
                via = &via_label,
                target = t,
                note = adapter_note.clone()
            ),
        ),
        (None, false) => CheckResult::fail(
            "network.tunnel.not_via_vpn",
            t!(
                "tunnel.not_via_vpn",
                dest = dest.to_string(),
                via = &via_label,
                note = adapter_note.clone()
            ),
        ),
        (Some((t, Ok(ms))), vpn) => CheckResult::pass(
            "network.tunnel.ok",
            if vpn {
                t!(
                    "tunnel.ok_reach",
                    target = t,
                    via = &via_label,
                    ms = Arg::ms(*ms)
                )
            } else {
                t!(
                    "tunnel.ok_other_adapter",
                    target = t,
                    via = &via_label,
                    ms = Arg::ms(*ms)
                )
            },
        ),
        (None, true) => CheckResult::pass(
            "network.tunnel.ok",
            t!(
                "tunnel.ok_route",
                dest = dest.to_string(),
                via = &via_label,
                source = src.to_string()
            ),
        ),
    };
    if r.status == readycheck_sdk::Status::Pass
        && let Some(Err(e)) = name_ok
    {
        r = CheckResult::fail(
            "network.tunnel.dns",
            t!("tunnel.dns", via = &via_label, problem = e),
        );
    }
    r.evidence = evidence;
    r.observations = observations;
    r.metric("via_vpn_adapter", if via_vpn { 1.0 } else { 0.0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, desc: &str) -> Interface {
        Interface {
            name: name.into(),
            description: desc.into(),
            addrs: vec![],
            nets: vec![],
            gateways: vec![],
            up: true,
        }
    }

    #[test]
    fn vpn_adapters_are_recognised_by_name_and_description() {
        for (n, d) in [
            ("tun0", ""),
            ("wg0", ""),
            ("utun3", ""),
            ("ppp0", ""),
            ("Ethernet 3", "Wintun Userspace Tunnel"),
            ("Ethernet 2", "PANGP Virtual Ethernet Adapter"),
            (
                "Local Area Connection",
                "Fortinet Virtual Ethernet Adapter (NDIS 6.30)",
            ),
            ("Ethernet 4", "TAP-Windows Adapter V9"),
        ] {
            assert!(is_vpn(&iface(n, d), &[]), "{n} {d}");
        }
        for (n, d) in [
            ("eth0", ""),
            ("wlan0", ""),
            ("Wi-Fi", "Intel(R) Wi-Fi 6 AX201 160MHz"),
            ("lo", ""),
        ] {
            assert!(!is_vpn(&iface(n, d), &[]), "{n} {d}");
        }
        assert!(is_vpn(&iface("corp0", ""), &["CORP".into()]));
    }

    #[test]
    fn the_tunnel_is_observed_with_the_interface_traffic_would_take() {
        let r = run(
            &TunnelParams {
                probe_address: "127.0.0.1".into(),
                reach_target: None,
                internal_name: None,
                interface_patterns: vec![],
                allow_any_interface: false,
            },
            Duration::from_secs(1),
        );
        let lo = interfaces()
            .into_iter()
            .find(|i| i.addrs.contains(&"127.0.0.1".parse().unwrap()))
            .map(|i| i.name);
        match r.observations.first() {
            Some(Observation::Tunnel {
                state,
                route_interface,
                ..
            }) => {
                assert_ne!(*state, TunnelState::Up, "loopback is no tunnel");
                assert_eq!(*route_interface, lo);
            }
            other => panic!("no tunnel observation: {other:?} in {r:#?}"),
        }
    }

    #[test]
    fn default_gateways_are_read_from_the_routing_table() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n\
                     wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\n\
                     wlan0\t0001A8C0\t00000000\t0001\t0\t0\t600\t00FFFFFF\n";
        assert_eq!(
            parse_proc_route(table),
            vec![("wlan0".to_string(), "192.168.1.1".parse().unwrap())]
        );
    }

    #[test]
    fn loopback_route_is_found_without_sending_anything() {
        let src = route_source("127.0.0.1".parse().unwrap()).unwrap();
        assert!(src.is_loopback());
        let lo = interfaces().into_iter().find(|i| i.addrs.contains(&src));
        assert!(lo.is_some(), "the interface owning {src} is listed");
    }
}
