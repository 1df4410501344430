//! Network namespaces for the benchmark (Linux, root): an empty one (offline), one whose
//! loopback answers for the default profile's endpoints, and a client and a server namespace
//! joined by a userspace delay line — two TUN devices and a relay that holds every packet for
//! half the round trip in each direction, so the TCP handshake is delayed like the data (the
//! kernel here has no netem).
//!
//! The namespaces have no names: each lives as long as the descriptor (and the sockets and
//! devices) that hold it, so nothing outlives the benchmark, whatever way it ends. Processes
//! are started in a namespace by spawning them from a thread that has entered it.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A network namespace, held by a descriptor.
pub struct Netns {
    fd: OwnedFd,
}

impl Netns {
    /// A new, empty namespace: only a loopback device, down.
    pub fn new() -> io::Result<Netns> {
        std::thread::spawn(|| {
            // SAFETY: unshare on this thread only (network namespaces are per thread).
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                return Err(io::Error::last_os_error());
            }
            let f = File::open("/proc/thread-self/ns/net")?;
            Ok(Netns { fd: f.into() })
        })
        .join()
        .map_err(|_| io::Error::other("the namespace thread panicked"))?
    }

    /// Runs `f` on a thread inside the namespace; sockets it opens, devices it creates,
    /// threads and processes it starts belong to the namespace.
    pub fn run<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            s.spawn(|| {
                // SAFETY: setns on this thread with a namespace descriptor we own.
                let rc = unsafe { libc::setns(self.fd.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(rc, 0, "setns: {}", io::Error::last_os_error());
                f()
            })
            .join()
            .expect("namespace thread")
        })
    }

    /// Configures the namespace with `ip -batch` lines.
    pub fn ip(&self, lines: &[String]) -> io::Result<()> {
        let script = lines.join("\n") + "\n";
        self.run(|| {
            let mut child = Command::new("ip")
                .args(["-batch", "-"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .spawn()?;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(script.as_bytes())?;
            let status = child.wait()?;
            if status.success() {
                Ok(())
            } else {
                Err(io::Error::other(format!("ip -batch failed: {script}")))
            }
        })
    }
}

/// Makes `cmd` run with `hosts` bind-mounted over `/etc/hosts` in a private mount namespace of
/// its own (the machine's `/etc/hosts` is untouched).
pub fn with_hosts_file(cmd: &mut Command, hosts: &std::path::Path) -> io::Result<()> {
    let src = CString::new(hosts.as_os_str().as_encoded_bytes()).map_err(io::Error::other)?;
    let dst = CString::new("/etc/hosts").expect("no NUL");
    let root = CString::new("/").expect("no NUL");
    // SAFETY: the closure only makes system calls on C strings prepared above (no allocation
    // between fork and exec).
    unsafe {
        cmd.pre_exec(move || {
            if libc::unshare(libc::CLONE_NEWNS) != 0
                || libc::mount(
                    std::ptr::null(),
                    root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) != 0
                || libc::mount(
                    src.as_ptr(),
                    dst.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND,
                    std::ptr::null(),
                ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(())
}

/// Opens a TUN device named `name` (IP packets, no extra header) in the calling thread's
/// namespace.
fn tun(name: &str) -> io::Result<File> {
    let f = File::options()
        .read(true)
        .write(true)
        .open("/dev/net/tun")?;
    // SAFETY: a zeroed ifreq is valid; the name fits (checked) and the ioctl gets a pointer to
    // it for the duration of the call.
    unsafe {
        let mut ifr: libc::ifreq = std::mem::zeroed();
        assert!(name.len() < ifr.ifr_name.len());
        for (d, s) in ifr.ifr_name.iter_mut().zip(name.bytes()) {
            *d = s as libc::c_char;
        }
        ifr.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
        if libc::ioctl(f.as_raw_fd(), libc::TUNSETIFF, &ifr) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(f)
}

/// The client and server namespaces of the delay line and their addresses.
pub struct DelayLine {
    pub client: Netns,
    pub server: Netns,
    /// The server namespace's address, as the client reaches it.
    pub server_ip: std::net::Ipv4Addr,
}

/// Builds a client and a server namespace joined by a userspace relay that holds every packet
/// for `rtt / 2` each way (handshake included).
pub fn delay_line(rtt: Duration) -> io::Result<DelayLine> {
    let client = Netns::new()?;
    let server = Netns::new()?;
    let c = client.run(|| tun("rcb0"))?;
    let s = server.run(|| tun("rcb1"))?;
    client.ip(&[
        "link set lo up".into(),
        "link set rcb0 up".into(),
        "addr add 10.66.0.1/32 dev rcb0".into(),
        "route add 10.66.0.0/16 dev rcb0 src 10.66.0.1".into(),
    ])?;
    server.ip(&[
        "link set lo up".into(),
        "link set rcb1 up".into(),
        "addr add 10.66.1.1/32 dev rcb1".into(),
        "route add 10.66.0.0/24 dev rcb1".into(),
    ])?;
    let one_way = rtt / 2;
    let (c2, s2) = (c.try_clone()?, s.try_clone()?);
    std::thread::spawn(move || relay(c, s2, one_way));
    std::thread::spawn(move || relay(s, c2, one_way));
    Ok(DelayLine {
        client,
        server,
        server_ip: [10, 66, 1, 1].into(),
    })
}

/// Copies packets from `from` to `to`, each `delay` after it arrived; ends when a device fails
/// (the process exits).
fn relay(mut from: File, mut to: File, delay: Duration) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        // The delay is the same for every packet: first in, first due.
        for (due, packet) in rx {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            // One write per packet; a full queue drops it, like a real link.
            if let Err(e) = to.write(&packet)
                && e.raw_os_error() != Some(libc::EAGAIN)
            {
                return;
            }
        }
    });
    let mut buf = vec![0u8; 65536];
    while let Ok(n @ 1..) = from.read(&mut buf) {
        if tx
            .send((Instant::now() + delay, buf[..n].to_vec()))
            .is_err()
        {
            return;
        }
    }
}

/// The body the default profile's sign-in-page check looks for; every HTTP endpoint here
/// serves it.
pub const HTTP_BODY: &str = "Microsoft Connect Test";

/// Serves `HTTP/1.1 200` with [`HTTP_BODY`] to every request on `listener`, one thread per
/// connection, for as long as the process lives.
pub fn serve_http(listener: TcpListener) {
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || answer_http(conn));
        }
    });
}

fn answer_http(mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    // Read the request head (bounded), then answer and close.
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 64 * 1024 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => req.extend_from_slice(&buf[..n]),
        }
    }
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{HTTP_BODY}",
        HTTP_BODY.len()
    );
    let _ = conn.write_all(reply.as_bytes());
    let _ = conn.shutdown(std::net::Shutdown::Write);
    // Let the client close first, so the port is not left in TIME_WAIT on our side.
    let _ = conn.read(&mut buf);
}

/// Accepts and closes every connection on `listener` (a plain TCP endpoint).
pub fn serve_tcp(listener: TcpListener) {
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            drop(conn);
        }
    });
}

/// Binds `addr` for an endpoint.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    TcpListener::bind(addr)
}
