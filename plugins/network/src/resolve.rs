//! Name resolution through the system resolver with a hard timeout: `getaddrinfo` can block for
//! a long time on a broken network, so it runs on its own thread and is abandoned at the
//! deadline (the plugin's process ends soon after anyway).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Why a name did not resolve.
#[derive(Debug)]
pub enum ResolveError {
    /// The resolver answered with an error (no such name, no server reachable, …).
    Failed(String),
    /// No answer within the time.
    TimedOut(Duration),
}

/// Resolves `host` (a name or a literal address) to addresses, within `timeout`.
pub fn resolve(
    host: &str,
    port: u16,
    timeout: Duration,
) -> (Result<Vec<SocketAddr>, ResolveError>, Duration) {
    let t0 = Instant::now();
    if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
        return (Ok(vec![SocketAddr::new(ip, port)]), t0.elapsed());
    }
    let (tx, rx) = mpsc::channel();
    let name = host.to_string();
    std::thread::spawn(move || {
        let r = (name.as_str(), port)
            .to_socket_addrs()
            .map(|it| it.collect::<Vec<_>>());
        let _ = tx.send(r);
    });
    let r = match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if addrs.is_empty() => Err(ResolveError::Failed(
            "the resolver returned no addresses".into(),
        )),
        Ok(Ok(addrs)) => Ok(addrs),
        Ok(Err(e)) => Err(ResolveError::Failed(clean_resolver_error(&e.to_string()))),
        Err(_) => Err(ResolveError::TimedOut(timeout)),
    };
    (r, t0.elapsed())
}

fn clean_resolver_error(e: &str) -> String {
    // std prefixes getaddrinfo errors with "failed to lookup address information: ".
    e.trim_start_matches("failed to lookup address information: ")
        .to_string()
}

/// Splits "host:port" / "[v6]:port".
pub fn split_target(target: &str) -> Result<(String, u16), String> {
    let (host, port) = target.rsplit_once(':').ok_or_else(|| {
        format!("`{target}` has no port; write it as host:port, e.g. vpn.corp.example:443")
    })?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("`{port}` in `{target}` is not a port number"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() {
        return Err(format!("`{target}` has no host name"));
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split() {
        assert_eq!(
            split_target("vpn.example:443").unwrap(),
            ("vpn.example".into(), 443)
        );
        assert_eq!(split_target("[::1]:80").unwrap(), ("::1".into(), 80));
        assert!(split_target("vpn.example").unwrap_err().contains("no port"));
        assert!(split_target("h:99999").is_err());
    }

    #[test]
    fn literal_addresses_need_no_resolver() {
        let (r, _) = resolve("127.0.0.1", 9, Duration::from_millis(10));
        assert_eq!(r.unwrap(), vec!["127.0.0.1:9".parse().unwrap()]);
    }
}
