//! permissions against dd on a full file system, sudo's own listing of a user's rules and the
//! credentials curl really sends to a proxy.

use std::io::{Read, Write};
use std::net::TcpListener;

use super::{Case, Rig, code, have, is_root, q, said, sh_out};

pub fn cases() -> Vec<Case> {
    let rig = Rig::new();
    let mut out = full_disk(&rig);
    out.extend(sudoers(&rig));
    out.extend(proxy_credentials(&rig));
    out
}

/// A file on a full tmpfs is not writable and one on a tmpfs with room is; the oracle is `dd`
/// appending a block to an identical copy. Each runs in a private mount namespace.
fn full_disk(rig: &Rig) -> Vec<Case> {
    let cases = [
        ("a file on a full file system", true),
        ("a file on a file system with room", false),
    ];
    if !is_root() || !have("unshare") {
        return cases
            .iter()
            .map(|(n, _)| Case::skipped(*n, "needs root and unshare to mount a small tmpfs"))
            .collect();
    }
    let mut out = Vec::new();
    for (name, fill) in cases {
        let mnt = tempfile::tempdir().expect("tempdir");
        let res = tempfile::tempdir().expect("tempdir");
        let (m, r) = (mnt.path().display(), res.path().display());
        let fill_cmd = if fill {
            format!("dd if=/dev/zero of={m}/fill bs=4k 2>/dev/null;")
        } else {
            String::new()
        };
        let script = format!(
            "mount -t tmpfs -o size=256k tmpfs {m} || exit 97
printf 'ground truth\\n' > {m}/f; cp {m}/f {m}/g
{fill_cmd}
if dd if=/dev/zero of={m}/g bs=4096 count=1 oflag=append conv=notrunc 2>/dev/null && [ $(stat -c %s {m}/g) -eq 4109 ]; then echo yes > {r}/oracle; else echo no > {r}/oracle; fi
exec \"$@\""
        );
        let params = format!("path = {}\nwritable = true", q(&format!("{m}/f")));
        let result = rig.one(
            "permissions",
            "path",
            params,
            &["unshare", "-m", "sh", "-c", &script, "sh"],
            &[],
        );
        let oracle = sh_out(&format!("cat {r}/oracle 2>/dev/null"));
        out.push(match result {
            Ok(c) => Case::new(
                name,
                (oracle == "yes") == (code(&c) == "permissions.path.ok"),
                format!(
                    "dd could append a block: {oracle}; readycheck: {}",
                    said(&c)
                ),
            ),
            Err(e) => Case::new(name, false, e),
        });
    }
    out
}

/// Administrator rights through sudoers rules, for a user that exists only in a private mount
/// namespace (its own /etc/passwd, /etc/group, /etc/shadow and /etc/sudoers.d), judged as that
/// user; the oracle is `sudo -l -U` run as root, and — where the user's own `sudo -n -l` wants
/// a password — "cannot be told without a password".
fn sudoers(rig: &Rig) -> Vec<Case> {
    let rules = [
        ("a NOPASSWD: ALL rule", "rcgt ALL=(ALL) NOPASSWD: ALL"),
        (
            "a rule for one command only",
            "rcgt ALL=(root) NOPASSWD: /usr/bin/true",
        ),
        (
            "an ALL rule that wants the password",
            "rcgt ALL=(ALL:ALL) ALL",
        ),
        ("no rule", "# nothing for rcgt"),
    ];
    if !is_root() || !have("sudo") || !have("setpriv") || !have("unshare") {
        return rules
            .iter()
            .map(|(n, _)| {
                Case::skipped(
                    format!("sudoers: {n}"),
                    "needs root, sudo, setpriv and unshare",
                )
            })
            .collect();
    }
    let mut out = Vec::new();
    for (name, rule) in rules {
        let t = tempfile::tempdir().expect("tempdir");
        super::chmod_dir(t.path());
        let d = t.path().display();
        let script = format!(
            "set -e
cp /etc/passwd {d}/passwd; echo 'rcgt:x:4242:4242::/tmp:/bin/sh' >> {d}/passwd
cp /etc/group {d}/group; echo 'rcgt:x:4242:' >> {d}/group
cp /etc/shadow {d}/shadow; echo 'rcgt:*:19000:0:99999:7:::' >> {d}/shadow; chmod 0640 {d}/shadow
mkdir -p {d}/sudoers.d; cp -a /etc/sudoers.d/. {d}/sudoers.d/ 2>/dev/null || true
echo '{rule}' > {d}/sudoers.d/rcgt; chmod 0440 {d}/sudoers.d/rcgt
mount --bind {d}/passwd /etc/passwd; mount --bind {d}/group /etc/group; mount --bind {d}/shadow /etc/shadow
mount --bind {d}/sudoers.d /etc/sudoers.d
sudo -l -U rcgt > {d}/oracle 2>&1 || true
setpriv --reuid=4242 --regid=4242 --clear-groups sudo -n -l > {d}/asuser 2>&1 || true
exec setpriv --reuid=4242 --regid=4242 --clear-groups \"$@\""
        );
        let r = rig.one(
            "permissions",
            "admin",
            "expect = false".into(),
            &["unshare", "-m", "sh", "-c", &script, "sh"],
            &[("HOME", "/tmp"), ("USER", "rcgt")],
        );
        let listing = std::fs::read_to_string(t.path().join("oracle")).unwrap_or_default();
        let full = listing.lines().any(|l| {
            l.trim().starts_with('(')
                && (l.trim_end().ends_with(") ALL") || l.trim_end().ends_with("NOPASSWD: ALL"))
        });
        // Without a password the user cannot list the rules (sudo asks for it even to say
        // "not allowed"): then the honest answer is that it cannot be told.
        let as_user = std::fs::read_to_string(t.path().join("asuser")).unwrap_or_default();
        let needs_password = as_user.contains("password is required");
        out.push(match r {
            Ok(c) => {
                let want = if needs_password {
                    "permissions.admin.undetermined"
                } else if full {
                    "permissions.admin.is_admin"
                } else {
                    "permissions.admin.not_admin"
                };
                Case::new(
                    format!("sudoers: {name}"),
                    code(&c) == want,
                    format!("sudo -l -U: {}; readycheck: {}", listing.trim(), said(&c)),
                )
            }
            Err(e) => Case::new(name, false, e),
        });
    }
    out
}

/// A proxy on 127.0.0.1 that answers every request and says whether it carried credentials.
fn recording_proxy() -> (u16, std::sync::mpsc::Receiver<bool>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = c.read(&mut buf).unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
            let _ = tx.send(head.contains("proxy-authorization: basic"));
            let _ = c.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
        }
    });
    (port, rx)
}

/// Whatever curl sends as proxy credentials never appears in the report.
fn proxy_credentials(rig: &Rig) -> Vec<Case> {
    let forms = [
        (
            "user:pass@host:port without a scheme",
            "gtuser:gtS3cret@127.0.0.1:{port}",
        ),
        (
            "http://user:pass@host:port",
            "http://gtuser:gtS3cret@127.0.0.1:{port}",
        ),
        (
            "a URL with a path after the host",
            "http://gtuser:gtS3cret@127.0.0.1:{port}/",
        ),
    ];
    if !have("curl") {
        return forms
            .iter()
            .map(|(n, _)| Case::skipped(format!("proxy credentials: {n}"), "needs curl"))
            .collect();
    }
    let mut out = Vec::new();
    for (name, form) in forms {
        let (port, rx) = recording_proxy();
        let value = form.replace("{port}", &port.to_string());
        let _ = sh_out(&format!(
            "curl -s -m 5 -o /dev/null -x '{value}' http://example.invalid/"
        ));
        let sent = rx
            .recv_timeout(std::time::Duration::from_secs(5))
            .unwrap_or(false);
        let r = rig.one(
            "permissions",
            "env",
            "name = \"HTTPS_PROXY\"".into(),
            &[],
            &[("HTTPS_PROXY", &value)],
        );
        out.push(match r {
            Ok(c) => {
                let text = c.to_string();
                Case::new(
                    format!("proxy credentials: {name}"),
                    sent && !text.contains("gtS3cret") && text.contains("127.0.0.1"),
                    format!("curl sent credentials: {sent}; readycheck: {}", said(&c)),
                )
            }
            Err(e) => Case::new(name, false, e),
        });
    }
    out
}
