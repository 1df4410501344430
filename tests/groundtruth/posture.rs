//! posture against a real connection through real nftables rulesets (two network namespaces),
//! ClamAV's database header, NTP and HTTPS servers on 127.0.0.1 and gsettings.

use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Case, Rig, code, have, is_root, q, said, sh, sh_out};

pub fn cases() -> Vec<Case> {
    let rig = Rig::new();
    let mut out = firewall(&rig);
    out.extend(antivirus(&rig));
    out.extend(clock(&rig));
    out.extend(screen_lock(&rig));
    out
}

/// Runs `f` on a thread inside the network namespace `ns` (by name, under /run/netns).
fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        use std::os::fd::AsRawFd;
        let file = std::fs::File::open(&path).expect("open netns");
        // SAFETY: setns on this thread only, with a namespace file we hold open.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns {path}");
        f()
    })
    .join()
    .expect("netns thread")
}

const RULESETS: [(&str, &str); 9] = [
    (
        "drop policy with the usual allowances",
        "table inet f { chain input { type filter hook input priority 0; policy drop; iif lo accept; ct state established,related accept; tcp dport 22 accept; } }",
    ),
    (
        "drop policy whose first rule accepts everything",
        "table inet f { chain input { type filter hook input priority 0; policy drop; counter accept; } }",
    ),
    (
        "accept policy, jump to a chain that rejects",
        "table inet f { chain guard { ct state established,related accept; reject; } chain input { type filter hook input priority 0; policy accept; jump guard; } }",
    ),
    (
        "accept policy, goto a chain that drops",
        "table inet f { chain guard { iif lo accept; drop; } chain input { type filter hook input priority 0; policy accept; goto guard; } }",
    ),
    (
        "an IPv4-only table and an ARP table",
        "table ip f { chain input { type filter hook input priority 0; policy drop; } } table arp a { chain input { type filter hook input priority 0; policy drop; } }",
    ),
    ("no ruleset at all", ""),
    (
        "new connections accepted before a drop policy",
        "table inet f { chain input { type filter hook input priority 0; policy drop; ct state new accept; } }",
    ),
    (
        "an inet table that drops only IPv6",
        "table inet f { chain input { type filter hook input priority 0; policy accept; meta nfproto ipv6 drop; } }",
    ),
    (
        "a verdict map then a reject",
        "table inet f { chain input { type filter hook input priority 0; policy accept; ct state vmap { established : accept, related : accept, invalid : drop }; iifname lo accept; reject with icmpx type admin-prohibited; } }",
    ),
];

/// Whether a new TCP connection from the client namespace to `addr` gets through.
fn connects(client_ns: &str, addr: SocketAddr) -> bool {
    in_netns(client_ns, move || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(1500)).is_ok()
    })
}

fn firewall(rig: &Rig) -> Vec<Case> {
    let names: Vec<String> = RULESETS
        .iter()
        .map(|(n, _)| format!("firewall: {n}"))
        .collect();
    if !is_root() || !have("nft") || !have("ip") {
        return names
            .into_iter()
            .map(|n| Case::skipped(n, "needs root, nft and ip to build network namespaces"))
            .collect();
    }
    let id = std::process::id() % 100_000;
    let (srv, cli) = (format!("rcgt-s{id}"), format!("rcgt-c{id}"));
    let setup = format!(
        "set -e
ip netns add {srv}; ip netns add {cli}
ip link add gts{id} type veth peer name gtc{id}
ip link set gts{id} netns {srv}; ip link set gtc{id} netns {cli}
ip -n {srv} link set lo up; ip -n {cli} link set lo up
ip -n {srv} addr add 10.231.0.1/24 dev gts{id}; ip -n {srv} addr add fd00:231::1/64 dev gts{id} nodad
ip -n {cli} addr add 10.231.0.2/24 dev gtc{id}; ip -n {cli} addr add fd00:231::2/64 dev gtc{id} nodad
ip -n {srv} link set gts{id} up; ip -n {cli} link set gtc{id} up"
    );
    let cleanup = format!("ip netns del {srv} 2>/dev/null; ip netns del {cli} 2>/dev/null");
    let o = sh(&setup);
    if !o.status.success() {
        sh(&cleanup);
        let why = format!(
            "cannot build namespaces: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        );
        return names.into_iter().map(|n| Case::skipped(n, &why)).collect();
    }
    // A listener on both families inside the server namespace.
    let listener = in_netns(&srv, || {
        TcpListener::bind("[::]:7070").expect("bind [::]:7070")
    });
    std::thread::spawn(move || {
        for c in listener.incoming() {
            drop(c);
        }
    });
    let mut out = Vec::new();
    for ((what, rules), name) in RULESETS.iter().zip(names) {
        let file = tempfile::NamedTempFile::new().expect("tempfile");
        // One statement a line, as nft -f reads files.
        let rules = rules.replace("} ", "}\n");
        std::fs::write(file.path(), format!("flush ruleset\n{rules}\n")).expect("write");
        let load = sh(&format!(
            "ip netns exec {srv} nft -f {}",
            file.path().display()
        ));
        if !load.status.success() {
            out.push(Case::new(
                name,
                false,
                format!("nft -f: {}", String::from_utf8_lossy(&load.stderr)),
            ));
            continue;
        }
        let v4_open = connects(&cli, "10.231.0.1:7070".parse().expect("addr"));
        let v6_open = connects(&cli, "[fd00:231::1]:7070".parse().expect("addr"));
        let on = !v4_open && !v6_open;
        let r = rig.one(
            "posture",
            "firewall",
            String::new(),
            &["ip", "netns", "exec", &srv],
            &[],
        );
        out.push(match r {
            Ok(c) => Case::new(
                name,
                on == (code(&c) == "posture.firewall.on"),
                format!(
                    "{what}: a real connection got through over IPv4 {v4_open}, IPv6 {v6_open}; readycheck: {}",
                    said(&c)
                ),
            ),
            Err(e) => Case::new(name, false, e),
        });
    }
    sh(&cleanup);
    out
}

/// Writes a ClamAV database whose header says it was built `age_days` ago, with a file time
/// `mtime_days` ago.
fn write_cvd(path: &std::path::Path, version: u64, age_days: u64, mtime_days: u64) -> u64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("now")
        .as_secs();
    let built = now - age_days * 86400;
    let mut head = format!(
        "ClamAV-VDB:14 Nov 2023 07:38 -0500:{version}:2045560:90:6f7e0c3b2a1d4e5f6a7b8c9d0e1f2a3b:sig:gt:{built}"
    )
    .into_bytes();
    head.resize(512, b' ');
    std::fs::write(path, head).expect("write cvd");
    let f = std::fs::File::options()
        .write(true)
        .open(path)
        .expect("open");
    f.set_modified(SystemTime::now() - Duration::from_secs(mtime_days * 86400))
        .expect("mtime");
    built
}

fn antivirus(rig: &Rig) -> Vec<Case> {
    let mut out = Vec::new();
    for (what, age, mtime) in [
        ("a fresh file with an old database in it", 12, 0),
        ("an old file with a fresh database in it", 1, 40),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        super::chmod_dir(dir.path());
        let path = dir.path().join("daily.cvd");
        write_cvd(&path, 27093, age, mtime);
        // The oracle: ClamAV's sigtool when installed, else the header's build time field.
        let built: Option<u64> = if have("sigtool") {
            let info = sh_out(&format!("sigtool --info={}", path.display()));
            info.lines()
                .find_map(|l| l.strip_prefix("Build time:"))
                .and_then(|t| sh_out(&format!("date -d '{}' +%s", t.trim())).parse().ok())
        } else {
            sh_out(&format!(
                "head -c 512 {} | tr -d ' ' | awk -F: '{{print $NF}}'",
                path.display()
            ))
            .parse()
            .ok()
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("now")
            .as_secs();
        let oracle_fresh = built.is_some_and(|b| now.saturating_sub(b) <= 3 * 86400);
        let params = format!(
            "max_signature_age_days = 3\nrequire_realtime = false\nclamav_db_dir = {}",
            q(&dir.path().display().to_string())
        );
        let r = rig.one("posture", "antivirus", params, &[], &[]);
        out.push(match r {
            Ok(c) => {
                // Without clamd running the product is "not running"; the age is in the
                // evidence and the metric either way.
                let age = c["metrics"]["signature_age_days"].as_f64();
                let plugin_fresh = age.is_some_and(|a| a <= 3.0);
                Case::new(
                    format!("antivirus signature age: {what}"),
                    oracle_fresh == plugin_fresh,
                    format!("header built {built:?}; readycheck: {}", said(&c)),
                )
            }
            Err(e) => Case::new(what, false, e),
        });
    }
    out
}

/// An NTP server on 127.0.0.1 answering every request with a kiss-o'-death (`zero = false`) or a
/// reply whose timestamps are zero.
fn bad_ntp(zero: bool) -> u16 {
    let sock = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let port = sock.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 48];
        while let Ok((_, from)) = sock.recv_from(&mut buf) {
            let mut r = [0u8; 48];
            r[0] = 0x24;
            r[1] = if zero { 2 } else { 0 };
            if !zero {
                r[12..16].copy_from_slice(b"RATE");
            }
            r[24..32].copy_from_slice(&buf[40..48]);
            let _ = sock.send_to(&r, from);
        }
    });
    port
}

/// An HTTP server on 127.0.0.1 whose Date is this machine's clock.
fn http_date_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
            let date = sh_out("LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT'");
            let _ = c.write_all(
                format!("HTTP/1.1 204 No Content\r\nDate: {date}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    port
}

fn clock(rig: &Rig) -> Vec<Case> {
    let mut out = Vec::new();
    // The oracle is this machine's own clock (`date`), which the servers below report.
    for (what, zero) in [
        ("a kiss-o'-death NTP reply", false),
        ("an NTP reply with zero timestamps", true),
    ] {
        let ntp = bad_ntp(zero);
        let http = http_date_server();
        let params =
            format!("ntp_server = \"127.0.0.1:{ntp}\"\nurl = \"http://127.0.0.1:{http}/\"");
        out.push(match rig.one("posture", "clock", params, &[], &[]) {
            Ok(c) => Case::new(
                format!("clock: {what} is no time; the next source says the clock is right"),
                code(&c) == "posture.clock.ok",
                said(&c),
            ),
            Err(e) => Case::new(what, false, e),
        });
    }
    // An expired server certificate on a server whose Date is right.
    let ca = readycheck_testpki::ca("Ground Truth CA");
    let dir = tempfile::tempdir().expect("tempdir");
    super::chmod_dir(dir.path());
    ca.write(dir.path());
    let leaf = readycheck_testpki::leaf(&ca, &["localhost"], -60, -1);
    let date = sh_out("LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT'");
    let resp = format!("HTTP/1.1 204 No Content\r\nDate: {date}\r\nConnection: close\r\n\r\n");
    let port =
        readycheck_testpki::tls_server(leaf, Some(Box::leak(resp.into_bytes().into_boxed_slice())));
    let expired = if have("openssl") {
        sh(&format!(
            "echo | openssl s_client -connect 127.0.0.1:{port} -servername localhost 2>/dev/null | openssl x509 -noout -checkend 0"
        ))
        .status
        .code()
            == Some(1)
    } else {
        true
    };
    let params = format!(
        "url = \"https://localhost:{port}/\"\nca_file = {}",
        q(&dir.path().join("ca.pem").display().to_string())
    );
    out.push(match rig.one("posture", "clock", params, &[], &[]) {
        Ok(c) => Case::new(
            "clock: an expired server certificate is not a wrong clock",
            expired && code(&c) == "posture.clock.ok",
            format!("openssl says expired: {expired}; readycheck: {}", said(&c)),
        ),
        Err(e) => Case::new("clock: expired certificate", false, e),
    });
    out
}

fn screen_lock(rig: &Rig) -> Vec<Case> {
    let name = "screen lock: GNOME's settings, not a KDE file left behind";
    if !have("gsettings")
        || !sh("gsettings list-keys org.gnome.desktop.screensaver >/dev/null 2>&1")
            .status
            .success()
    {
        return vec![Case::skipped(
            name,
            "needs gsettings and the GNOME desktop schemas (gsettings-desktop-schemas)",
        )];
    }
    let cfg = tempfile::tempdir().expect("tempdir");
    super::chmod_dir(cfg.path());
    let c = cfg.path().display().to_string();
    let env = format!("XDG_CONFIG_HOME={c} GSETTINGS_BACKEND=keyfile");
    sh(&format!(
        "{env} gsettings set org.gnome.desktop.session idle-delay 600 && {env} gsettings set org.gnome.desktop.screensaver lock-enabled true && {env} gsettings set org.gnome.desktop.screensaver lock-delay 30"
    ));
    std::fs::write(
        cfg.path().join("kscreenlockerrc"),
        "[Daemon]\nAutolock=true\nTimeout=1\nLockGrace=0\n",
    )
    .expect("write");
    let idle: f64 = sh_out(&format!(
        "{env} gsettings get org.gnome.desktop.session idle-delay | awk '{{print $NF}}'"
    ))
    .parse()
    .unwrap_or(0.0);
    let delay: f64 = sh_out(&format!(
        "{env} gsettings get org.gnome.desktop.screensaver lock-delay | awk '{{print $NF}}'"
    ))
    .parse()
    .unwrap_or(0.0);
    let want = (idle + delay) / 60.0;
    let r = rig.one(
        "posture",
        "screen_lock",
        "max_idle_minutes = 30".into(),
        &[],
        &[
            ("XDG_CONFIG_HOME", &c),
            ("GSETTINGS_BACKEND", "keyfile"),
            ("XDG_CURRENT_DESKTOP", "ubuntu:GNOME"),
        ],
    );
    vec![match r {
        Ok(ch) => {
            let got = ch["metrics"]["lock_after_minutes"].as_f64().unwrap_or(-1.0);
            Case::new(
                name,
                (got - want).abs() < 0.01,
                format!("gsettings: {want} minutes; readycheck: {}", said(&ch)),
            )
        }
        Err(e) => Case::new(name, false, e),
    }]
}
