//! The PC's DNS servers asked directly. `getaddrinfo` only says "it failed"; to tell a name that
//! does not exist (NXDOMAIN) from a server that does not answer, refuses, or fails (SERVFAIL),
//! the configured servers are asked the same question over UDP, each within the check's time.
//! Also: which servers are configured (hickory's `system_conf`, following systemd-resolved's
//! stub to its upstreams) and whose they are — the VPN's, the home router's, the provider's.

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::str::FromStr;
use std::time::{Duration, Instant};

use hickory_resolver::proto::op::{Message, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use readycheck_sdk::{DnsOutcome, ResolverOwner};

use crate::tunnel::{Interface, interfaces, is_vpn, route_source};

/// What one server said for a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub outcome: DnsOutcome,
    pub addresses: Vec<IpAddr>,
}

impl Answer {
    fn of(outcome: DnsOutcome) -> Answer {
        Answer {
            outcome,
            addresses: Vec::new(),
        }
    }
}

/// One query of `kind` for `name` to `server`, resent once half-way, until `deadline`.
fn query(server: SocketAddr, name: &Name, kind: RecordType, deadline: Instant) -> Answer {
    let bind: SocketAddr = if server.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let sock = match UdpSocket::bind(bind).and_then(|s| s.connect(server).map(|_| s)) {
        Ok(s) => s,
        Err(e) => return Answer::of(socket_outcome(&e)),
    };
    let mut msg = Message::query();
    msg.metadata.recursion_desired = true;
    msg.add_query(Query::query(name.clone(), kind));
    let id = msg.metadata.id;
    let Ok(bytes) = msg.to_vec() else {
        return Answer::of(DnsOutcome::Failed);
    };
    let first = Instant::now();
    let resend_at = first + deadline.saturating_duration_since(first) / 2;
    let mut resent = false;
    if let Err(e) = sock.send(&bytes) {
        return Answer::of(socket_outcome(&e));
    }
    let mut buf = [0u8; 4096];
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Answer::of(DnsOutcome::NoAnswer);
        }
        let until = if resent { deadline } else { resend_at.max(now) };
        let wait = until
            .saturating_duration_since(now)
            .max(Duration::from_millis(1));
        let _ = sock.set_read_timeout(Some(wait));
        match sock.recv(&mut buf) {
            Ok(n) => {
                let Ok(reply) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                if reply.metadata.id != id {
                    continue;
                }
                return read_reply(&reply, kind);
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if !resent {
                    resent = true;
                    if let Err(e) = sock.send(&bytes) {
                        return Answer::of(socket_outcome(&e));
                    }
                }
            }
            Err(e) => return Answer::of(socket_outcome(&e)),
        }
    }
}

/// ICMP port unreachable comes back as "connection refused" on a connected UDP socket.
fn socket_outcome(e: &std::io::Error) -> DnsOutcome {
    match e.kind() {
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset => DnsOutcome::Refused,
        ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable | ErrorKind::TimedOut => {
            DnsOutcome::NoAnswer
        }
        _ => DnsOutcome::Failed,
    }
}

fn read_reply(reply: &Message, kind: RecordType) -> Answer {
    match reply.metadata.response_code {
        ResponseCode::NoError => {
            let addresses: Vec<IpAddr> = reply
                .answers
                .iter()
                .filter(|r| r.record_type() == kind)
                .filter_map(|r| match &r.data {
                    RData::A(a) => Some(IpAddr::V4(a.0)),
                    RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                    _ => None,
                })
                .collect();
            if addresses.is_empty() {
                Answer::of(DnsOutcome::NoData)
            } else {
                Answer {
                    outcome: DnsOutcome::Ok,
                    addresses,
                }
            }
        }
        ResponseCode::NXDomain => Answer::of(DnsOutcome::Nxdomain),
        ResponseCode::Refused => Answer::of(DnsOutcome::Refused),
        ResponseCode::ServFail => Answer::of(DnsOutcome::Servfail),
        _ => Answer::of(DnsOutcome::Failed),
    }
}

/// Asks `server` for the addresses of `name` (A, then AAAA when A has none), by `deadline`.
pub fn ask(server: SocketAddr, name: &str, deadline: Instant) -> Answer {
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let Ok(name) = Name::from_str(&fqdn) else {
        return Answer::of(DnsOutcome::Failed);
    };
    let a = query(server, &name, RecordType::A, deadline);
    if a.outcome != DnsOutcome::NoData {
        return a;
    }
    match query(server, &name, RecordType::AAAA, deadline) {
        aaaa if aaaa.outcome == DnsOutcome::Ok => aaaa,
        _ => a,
    }
}

/// Asks every server at once; each answer comes back by `deadline`.
pub fn ask_all(servers: &[SocketAddr], name: &str, deadline: Instant) -> Vec<(SocketAddr, Answer)> {
    std::thread::scope(|s| {
        let handles: Vec<_> = servers
            .iter()
            .map(|&server| s.spawn(move || (server, ask(server, name, deadline))))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

/// The answer that tells most about whose problem it is: a definite answer about the name
/// (it does not exist, it has no address) beats a server's failure; among failures, those of
/// the upstream servers beat a local stub's (which only passes on what it got).
pub fn telling(answers: &[(SocketAddr, Answer)]) -> Option<&(SocketAddr, Answer)> {
    use DnsOutcome::*;
    let rank = |(addr, a): &&(SocketAddr, Answer)| {
        let by_outcome = match a.outcome {
            Nxdomain => 0,
            NoData => 1,
            Ok => 2,
            Servfail => 3,
            Refused => 4,
            NoAnswer => 5,
            Failed => 6,
        };
        let local = u8::from(addr.ip().is_loopback() && by_outcome >= 3);
        (local, by_outcome)
    };
    answers.iter().min_by_key(rank)
}

/// The DNS servers this PC is configured with, in order.
pub fn configured() -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    for ip in system_servers() {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

#[cfg(all(unix, not(any(target_os = "android", target_vendor = "apple"))))]
fn system_servers() -> Vec<IpAddr> {
    let read = |path: &str| -> Vec<IpAddr> {
        std::fs::read(path)
            .ok()
            .and_then(|b| hickory_resolver::system_conf::parse_resolv_conf(b).ok())
            .map(|(c, _)| c.name_servers().iter().map(|n| n.ip).collect())
            .unwrap_or_default()
    };
    let mut servers = read("/etc/resolv.conf");
    // systemd-resolved's stub forwards to the servers of each link, listed here.
    if servers.iter().any(is_resolved_stub) {
        servers.extend(read("/run/systemd/resolve/resolv.conf"));
    }
    servers
}

#[cfg(not(all(unix, not(any(target_os = "android", target_vendor = "apple")))))]
fn system_servers() -> Vec<IpAddr> {
    hickory_resolver::system_conf::read_system_conf()
        .map(|(c, _)| c.name_servers().iter().map(|n| n.ip).collect())
        .unwrap_or_default()
}

#[cfg(all(unix, not(any(target_os = "android", target_vendor = "apple"))))]
fn is_resolved_stub(ip: &IpAddr) -> bool {
    *ip == IpAddr::from([127, 0, 0, 53]) || *ip == IpAddr::from([127, 0, 0, 54])
}

/// A configured server, the interface it is reached through and whose it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub address: IpAddr,
    pub interface: Option<String>,
    pub owner: ResolverOwner,
}

/// Every configured server with its interface and owner.
pub fn servers(extra_vpn_patterns: &[String]) -> Vec<Server> {
    let ifaces = interfaces();
    configured()
        .into_iter()
        .map(|ip| {
            let via = route_source(ip)
                .ok()
                .and_then(|src| ifaces.iter().find(|i| i.addrs.contains(&src)));
            let (owner, interface) = owner_of(ip, via, &ifaces, extra_vpn_patterns);
            Server {
                address: ip,
                interface,
                owner,
            }
        })
        .collect()
}

fn in_net(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let p = u32::from(prefix.min(32));
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let p = u32::from(prefix.min(128));
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

use readycheck_sdk::net::is_private;

/// Whose server `ip` is, given the interface the OS would reach it through: a loopback stub is
/// this PC's; through (or on the network of) a VPN adapter, the VPN's; the default gateway or a
/// private address on the home network, the home router's; a public address, the provider's
/// (or a public resolver). The interface is named where known.
pub fn owner_of(
    ip: IpAddr,
    via: Option<&Interface>,
    ifaces: &[Interface],
    extra_vpn_patterns: &[String],
) -> (ResolverOwner, Option<String>) {
    let name = via.map(|i| i.name.clone());
    if ip.is_loopback() {
        return (ResolverOwner::Local, name);
    }
    if via.is_some_and(|i| is_vpn(i, extra_vpn_patterns)) {
        return (ResolverOwner::Vpn, name);
    }
    let on = |pred: &dyn Fn(&Interface) -> bool| {
        ifaces
            .iter()
            .filter(|i| pred(i))
            .find(|i| i.nets.iter().any(|&(n, p)| in_net(ip, n, p)))
    };
    if let Some(i) = on(&|i| is_vpn(i, extra_vpn_patterns)) {
        return (ResolverOwner::Vpn, Some(i.name.clone()));
    }
    if let Some(i) = ifaces.iter().find(|i| i.gateways.contains(&ip)) {
        return (ResolverOwner::HomeRouter, Some(i.name.clone()));
    }
    if is_private(ip) {
        return match on(&|i| !is_vpn(i, extra_vpn_patterns)) {
            Some(i) => (ResolverOwner::HomeRouter, Some(i.name.clone())),
            None => (ResolverOwner::Unknown, name),
        };
    }
    (ResolverOwner::Isp, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// How the test DNS server answers.
    #[derive(Clone, Copy)]
    enum Reply {
        Code(ResponseCode),
        Address([u8; 4]),
        Empty,
        Nothing,
    }

    /// A DNS server on 127.0.0.1 answering every query as told. Returns its address and a
    /// count of the queries it got.
    fn dns_server(reply: Reply) -> (SocketAddr, Arc<AtomicUsize>) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = sock.local_addr().unwrap();
        let seen = Arc::new(AtomicUsize::new(0));
        let count = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok((n, from)) = sock.recv_from(&mut buf) {
                count.fetch_add(1, Ordering::SeqCst);
                let Ok(q) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                let mut r = Message::response(q.metadata.id, q.metadata.op_code);
                r.add_queries(q.queries.iter().cloned());
                match reply {
                    Reply::Nothing => continue,
                    Reply::Code(c) => r.metadata.response_code = c,
                    Reply::Empty => {}
                    Reply::Address(a) => {
                        let name = q.queries[0].name().clone();
                        if q.queries[0].query_type() == RecordType::A {
                            r.add_answer(hickory_resolver::proto::rr::Record::from_rdata(
                                name,
                                60,
                                RData::A(std::net::Ipv4Addr::from(a).into()),
                            ));
                        }
                    }
                }
                let _ = sock.send_to(&r.to_vec().unwrap(), from);
            }
        });
        (addr, seen)
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(3)
    }

    #[test]
    fn every_kind_of_answer_is_told_apart() {
        let cases = [
            (Reply::Code(ResponseCode::NXDomain), DnsOutcome::Nxdomain),
            (Reply::Code(ResponseCode::Refused), DnsOutcome::Refused),
            (Reply::Code(ResponseCode::ServFail), DnsOutcome::Servfail),
            (Reply::Empty, DnsOutcome::NoData),
            (Reply::Address([10, 1, 2, 3]), DnsOutcome::Ok),
        ];
        for (reply, want) in cases {
            let (server, _) = dns_server(reply);
            let a = ask(server, "intranet.corp.example", soon());
            assert_eq!(a.outcome, want);
            if want == DnsOutcome::Ok {
                assert_eq!(a.addresses, vec![IpAddr::from([10, 1, 2, 3])]);
            }
        }
    }

    #[test]
    fn a_silent_server_is_no_answer_by_the_deadline_and_is_asked_again() {
        let (server, seen) = dns_server(Reply::Nothing);
        let deadline = Instant::now() + Duration::from_millis(600);
        let a = ask(server, "intranet.corp.example", deadline);
        assert_eq!(a.outcome, DnsOutcome::NoAnswer);
        assert!(Instant::now() < deadline + Duration::from_millis(500));
        assert_eq!(seen.load(Ordering::SeqCst), 2, "sent, then resent once");
    }

    #[test]
    fn nothing_listening_is_refused() {
        let port = {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap().port()
        };
        let a = ask(
            SocketAddr::from(([127, 0, 0, 1], port)),
            "intranet.corp.example",
            soon(),
        );
        assert_eq!(a.outcome, DnsOutcome::Refused);
    }

    #[test]
    fn the_most_telling_answer_wins() {
        let (nx, _) = dns_server(Reply::Code(ResponseCode::NXDomain));
        let (silent, _) = dns_server(Reply::Nothing);
        let deadline = Instant::now() + Duration::from_millis(500);
        let answers = ask_all(&[silent, nx], "gone.corp.example", deadline);
        assert_eq!(answers.len(), 2);
        assert_eq!(telling(&answers).unwrap().0, nx);

        // A stub's SERVFAIL only passes on what the upstream did: the upstream's answer tells.
        let upstream: SocketAddr = "192.0.2.1:53".parse().unwrap();
        let stub: SocketAddr = "127.0.0.53:53".parse().unwrap();
        let answers = vec![
            (stub, Answer::of(DnsOutcome::Servfail)),
            (upstream, Answer::of(DnsOutcome::NoAnswer)),
        ];
        assert_eq!(telling(&answers).unwrap().0, upstream);
    }

    fn iface(name: &str, net: &str, prefix: u8, gateway: Option<&str>) -> Interface {
        let ip: IpAddr = net.parse().unwrap();
        Interface {
            name: name.into(),
            description: String::new(),
            addrs: vec![ip],
            nets: vec![(ip, prefix)],
            gateways: gateway.map(|g| g.parse().unwrap()).into_iter().collect(),
            up: true,
        }
    }

    #[test]
    fn owners() {
        let wlan = iface("wlan0", "192.168.1.23", 24, Some("192.168.1.1"));
        let tun = iface("tun0", "10.20.5.7", 16, None);
        let all = vec![wlan.clone(), tun.clone()];
        let own = |ip: &str, via: &Interface| owner_of(ip.parse().unwrap(), Some(via), &all, &[]);
        assert_eq!(
            own("127.0.0.53", &wlan),
            (ResolverOwner::Local, Some("wlan0".into()))
        );
        assert_eq!(own("10.20.1.53", &tun).0, ResolverOwner::Vpn);
        // Inside the tunnel's network even though the route says otherwise.
        assert_eq!(own("10.20.1.53", &wlan).0, ResolverOwner::Vpn);
        assert_eq!(
            own("192.168.1.1", &wlan),
            (ResolverOwner::HomeRouter, Some("wlan0".into()))
        );
        assert_eq!(own("192.168.1.2", &wlan).0, ResolverOwner::HomeRouter);
        assert_eq!(own("223.5.5.5", &wlan).0, ResolverOwner::Isp);
        // A private address off the home network: cannot tell whose.
        assert_eq!(own("172.16.9.9", &wlan).0, ResolverOwner::Unknown);
    }

    #[test]
    fn subnets() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(in_net(ip("192.168.1.200"), ip("192.168.1.5"), 24));
        assert!(!in_net(ip("192.168.2.1"), ip("192.168.1.5"), 24));
        assert!(in_net(ip("fd00::5"), ip("fd00::1"), 64));
        assert!(!in_net(ip("fd01::5"), ip("fd00::1"), 64));
        assert!(in_net(ip("8.8.8.8"), ip("0.0.0.0"), 0));
    }
}
