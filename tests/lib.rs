//! Network fixtures for the end-to-end tests and the benchmark, all on 127.0.0.1: an HTTP server
//! with a configurable delay, a userspace TCP proxy that delays and drops connections (the
//! kernel here has no netem), a refusing port, and a black hole — a listener whose accept queue
//! is full, so that new connection attempts get no answer at all.

pub mod groundtruth;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

// The HTTP server and the refusing port are the plugins' test fixtures, shared.
pub use readycheck_testpki::{http_server, refusing_port};

/// A TCP proxy to `upstream` that holds every chunk from the upstream for `delay` before passing
/// it on (so each request/response round trip takes `delay` longer), and closes every
/// `drop_every`-th connection at once (a lost probe). Returns its port.
pub fn delay_proxy(upstream: u16, delay: Duration, drop_every: Option<usize>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let n = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let i = n.fetch_add(1, Ordering::SeqCst) + 1;
            if drop_every.is_some_and(|d| i.is_multiple_of(d)) {
                drop(client);
                continue;
            }
            std::thread::spawn(move || {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                let (c2, s2) = (client.try_clone(), server.try_clone());
                let (Ok(c2), Ok(s2)) = (c2, s2) else { return };
                std::thread::spawn(move || pump(c2, s2, Duration::ZERO));
                pump(server, client, delay);
            });
        }
    });
    port
}

fn pump(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
    let mut buf = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(std::net::Shutdown::Write);
                return;
            }
            Ok(k) => {
                std::thread::sleep(delay);
                if to.write_all(&buf[..k]).is_err() {
                    return;
                }
            }
        }
    }
}

/// A black hole on 127.0.0.1: a listener with a one-slot accept queue that is already full and
/// never accepted, so the kernel silently drops new connection attempts. Keep the returned
/// value alive for as long as the hole is needed.
#[cfg(unix)]
pub fn black_hole() -> (u16, Vec<TcpStream>, TcpListener) {
    use std::os::fd::FromRawFd;
    // SAFETY: a plain socket/bind/listen sequence on a new descriptor that the TcpListener then
    // owns; the sockaddr is a properly initialised sockaddr_in.
    let listener = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0, "socket");
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
        let rc = libc::bind(
            fd,
            &addr as *const _ as *const libc::sockaddr,
            std::mem::size_of::<libc::sockaddr_in>() as u32,
        );
        assert_eq!(rc, 0, "bind");
        assert_eq!(libc::listen(fd, 0), 0, "listen");
        TcpListener::from_raw_fd(fd)
    };
    let addr: SocketAddr = listener.local_addr().expect("addr");
    // Fill the accept queue: these complete the handshake and are never accepted.
    let mut fillers = Vec::new();
    for _ in 0..4 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    (addr.port(), fillers, listener)
}
