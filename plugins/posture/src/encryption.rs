//! `posture/encryption`: the system volume (or a given path's volume) is encrypted. Linux: the
//! path's mount (from /proc/self/mountinfo) is found in `lsblk --json`'s device tree by its
//! major:minor number, and a LUKS/dm-crypt layer (`crypto_LUKS` or type `crypt`) anywhere
//! between the disk and the mount counts. Windows: the volume's BitLockerProtection property
//! through the shell (no administrator rights needed, unlike manage-bde). macOS: `fdesetup
//! status` for FileVault.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::os;

/// Parameters of `posture/encryption`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EncryptionParams {
    /// A path on the volume to check (default: the system volume, `/` or `C:\`).
    #[serde(default)]
    pub path: Option<String>,
}

/// The `posture/encryption` kind.
pub struct Encryption;

impl Kind for Encryption {
    const NAME: &'static str = "encryption";
    const TITLE: &'static str = "Disk encrypted";
    const DESCRIPTION: &'static str = "Checks that the system volume, or the volume holding `path`, is encrypted: BitLocker on \
         Windows, FileVault on macOS, LUKS/dm-crypt under the mount on Linux. A lost or stolen \
         laptop with an unencrypted disk gives away everything on it.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"encryption\"\nplugin = \"posture\"\nkind = \"encryption\"\ntitle = \"Disk encrypted\"\nfix = \"Turn on BitLocker (Windows) or FileVault (macOS); on Linux, ask IT.\"\n";
    type Params = EncryptionParams;

    fn run(p: &EncryptionParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

/// The mount holding a path, from mountinfo.
#[derive(Debug, Clone, PartialEq)]
pub struct Mount {
    pub point: String,
    pub majmin: String,
    pub fstype: String,
    pub source: String,
}

/// The mount in `mountinfo` (the text of /proc/self/mountinfo) that holds `path` (absolute,
/// symlinks resolved): the longest mount point that is a prefix of it.
pub fn mount_of(mountinfo: &str, path: &str) -> Option<Mount> {
    let mut best: Option<Mount> = None;
    for line in mountinfo.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let Some(dash) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if f.len() < dash + 3 || f.len() < 5 {
            continue;
        }
        let point = f[4].replace("\\040", " ");
        let inside = path == point
            || point == "/"
            || path.starts_with(&format!("{}/", point.trim_end_matches('/')));
        if inside && best.as_ref().is_none_or(|b| point.len() >= b.point.len()) {
            best = Some(Mount {
                point,
                majmin: f[2].to_string(),
                fstype: f[dash + 1].to_string(),
                source: f[dash + 2].to_string(),
            });
        }
    }
    best
}

/// The chain of devices from a disk down to the device with `majmin`, in `lsblk -J -o
/// NAME,TYPE,FSTYPE,MAJ:MIN` output: each as (name, type, fstype).
pub fn device_chain(
    lsblk: &serde_json::Value,
    majmin: &str,
) -> Option<Vec<(String, String, String)>> {
    fn walk(
        nodes: &[serde_json::Value],
        majmin: &str,
        path: &mut Vec<(String, String, String)>,
    ) -> bool {
        for n in nodes {
            path.push((
                n["name"].as_str().unwrap_or("?").to_string(),
                n["type"].as_str().unwrap_or("").to_string(),
                n["fstype"].as_str().unwrap_or("").to_string(),
            ));
            if n["maj:min"] == majmin {
                return true;
            }
            if let Some(children) = n["children"].as_array()
                && walk(children, majmin, path)
            {
                return true;
            }
            path.pop();
        }
        false
    }
    let mut path = Vec::new();
    let roots = lsblk["blockdevices"].as_array()?;
    walk(roots, majmin, &mut path).then_some(path)
}

/// Filesystems that live in memory or on other filesystems, not on a disk of their own.
const NOT_ON_A_DISK: [&str; 7] = [
    "tmpfs",
    "overlay",
    "ramfs",
    "squashfs",
    "fuse.lxcfs",
    "devtmpfs",
    "proc",
];

pub fn judge_linux(mount: &Mount, lsblk: Option<&serde_json::Value>) -> CheckResult {
    let seen = format!(
        "/proc/self/mountinfo: {} is {} ({}, device {})",
        mount.point, mount.source, mount.fstype, mount.majmin
    );
    if NOT_ON_A_DISK.contains(&mount.fstype.as_str()) {
        return CheckResult::skip(
            "posture.encryption.not_a_disk",
            t!(
                "encryption.not_a_disk",
                path = &mount.point,
                fstype = &mount.fstype
            ),
        )
        .evidence(seen);
    }
    let Some(lsblk) = lsblk else {
        return CheckResult::error("posture.encryption.unreadable", t!("encryption.no_lsblk"))
            .evidence(seen);
    };
    let Some(chain) = device_chain(lsblk, &mount.majmin) else {
        return CheckResult::skip(
            "posture.encryption.unknown_device",
            t!(
                "encryption.unknown_device",
                device = &mount.majmin,
                path = &mount.point
            ),
        )
        .evidence(seen);
    };
    let shown = chain
        .iter()
        .map(|(n, t, f)| {
            if f.is_empty() {
                format!("{n} ({t})")
            } else {
                format!("{n} ({t}, {f})")
            }
        })
        .collect::<Vec<_>>()
        .join(" → ");
    let crypt = chain
        .iter()
        .find(|(_, t, f)| t == "crypt" || f == "crypto_LUKS");
    let r = match crypt {
        Some((name, _, _)) => CheckResult::pass(
            "posture.encryption.on",
            t!("encryption.luks_on", path = &mount.point, layer = name),
        ),
        None => CheckResult::fail(
            "posture.encryption.off",
            t!("encryption.luks_off", path = &mount.point),
        ),
    };
    r.evidence(seen)
        .evidence(format!("lsblk --json device chain: {shown}"))
}

/// Windows: the shell's System.Volume.BitLockerProtection value for a drive.
pub fn judge_bitlocker(drive: &str, value: Option<i64>) -> CheckResult {
    let ev = format!(
        "Shell.Application NameSpace('{drive}').Self.ExtendedProperty('System.Volume.BitLockerProtection') = {}",
        value.map_or("(none)".into(), |v| v.to_string())
    );
    let r = match value {
        Some(1) | Some(6) => CheckResult::pass(
            "posture.encryption.on",
            t!("encryption.bitlocker_on", drive = drive),
        ),
        Some(3) => CheckResult::warn(
            "posture.encryption.in_progress",
            t!("encryption.bitlocker_in_progress", drive = drive),
        ),
        Some(5) => CheckResult::fail(
            "posture.encryption.suspended",
            t!("encryption.bitlocker_suspended", drive = drive),
        ),
        Some(2) | Some(4) | Some(8) => CheckResult::fail(
            "posture.encryption.off",
            t!("encryption.bitlocker_off", drive = drive),
        ),
        _ => CheckResult::skip(
            "posture.encryption.unknown",
            t!("encryption.bitlocker_unknown", drive = drive),
        ),
    };
    r.evidence(ev)
}

/// macOS: `fdesetup status` ("FileVault is On." / "FileVault is Off." / "…in progress").
pub fn judge_filevault(text: &str) -> CheckResult {
    let t = text.trim();
    let first = t.lines().next().unwrap_or("");
    let r = if t.contains("in progress") {
        CheckResult::warn(
            "posture.encryption.in_progress",
            t!("encryption.filevault_in_progress"),
        )
    } else if first.contains("FileVault is On") {
        CheckResult::pass("posture.encryption.on", t!("encryption.filevault_on"))
    } else if first.contains("FileVault is Off") {
        CheckResult::fail("posture.encryption.off", t!("encryption.filevault_off"))
    } else {
        CheckResult::error(
            "posture.encryption.unreadable",
            t!("encryption.filevault_unexpected", output = first),
        )
    };
    r.evidence(format!("fdesetup status: {first}"))
}

pub fn run(p: &EncryptionParams) -> CheckResult {
    if cfg!(windows) {
        let drive: String = p
            .path
            .as_deref()
            .and_then(|s| s.get(..2))
            .filter(|d| d.ends_with(':'))
            .unwrap_or("C:")
            .to_string();
        let script = format!(
            "(New-Object -ComObject Shell.Application).NameSpace('{drive}').Self.ExtendedProperty('System.Volume.BitLockerProtection') | ConvertTo-Json -Compress"
        );
        return match os::powershell_json(&script) {
            Ok(v) => judge_bitlocker(&drive, v.as_i64()),
            Err(e) => CheckResult::error("posture.encryption.unreadable", e),
        };
    }
    if cfg!(target_os = "macos") {
        return match os::tool(&["fdesetup", "status"]) {
            Ok(out) => judge_filevault(&out),
            Err(e) => CheckResult::error("posture.encryption.unreadable", e),
        };
    }
    let path = p.path.as_deref().unwrap_or("/");
    let real = match std::fs::canonicalize(path) {
        Ok(r) => r.display().to_string(),
        Err(e) => {
            return CheckResult::error(
                "posture.encryption.no_path",
                t!("encryption.no_path", path = path, error = e.to_string()),
            );
        }
    };
    let mountinfo = match std::fs::read_to_string("/proc/self/mountinfo") {
        Ok(m) => m,
        Err(e) => {
            return CheckResult::error(
                "posture.encryption.unreadable",
                format!("cannot read /proc/self/mountinfo: {e}"),
            );
        }
    };
    let Some(mount) = mount_of(&mountinfo, &real) else {
        return CheckResult::error(
            "posture.encryption.unreadable",
            t!("encryption.no_mount", path = real),
        );
    };
    let lsblk = os::tool(&["lsblk", "--json", "-o", "NAME,TYPE,FSTYPE,MAJ:MIN"])
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    judge_linux(&mount, lsblk.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    const MOUNTINFO: &str = "27 1 254:3 / / rw,relatime - ext4 /dev/mapper/vg-root rw\n\
        30 27 8:1 / /boot rw - ext4 /dev/sda1 rw\n\
        31 27 0:27 / /tmp rw - tmpfs tmpfs rw\n\
        32 27 8:2 / /home/alice/My\\040Files rw - ext4 /dev/sda2 rw\n";

    /// `lsblk --json -o NAME,TYPE,FSTYPE,MAJ:MIN` of a laptop installed with Debian's "guided,
    /// encrypted LVM": sda3 is LUKS, the dm-crypt device inside holds an LVM volume group.
    /// These machines have no device-mapper, so a real `cryptsetup open` is not possible here;
    /// this tree has the shape lsblk prints for one.
    const LSBLK: &str = r#"{"blockdevices":[{"name":"sda","type":"disk","fstype":null,"maj:min":"8:0","children":[
        {"name":"sda1","type":"part","fstype":"ext4","maj:min":"8:1"},
        {"name":"sda2","type":"part","fstype":"ext4","maj:min":"8:2"},
        {"name":"sda3","type":"part","fstype":"crypto_LUKS","maj:min":"8:3","children":[
          {"name":"sda3_crypt","type":"crypt","fstype":"LVM2_member","maj:min":"254:0","children":[
            {"name":"vg-root","type":"lvm","fstype":"ext4","maj:min":"254:3"}]}]}]}]}"#;

    #[test]
    fn luks_under_lvm_under_the_mount() {
        let lsblk: serde_json::Value = serde_json::from_str(LSBLK).unwrap();
        let m = mount_of(MOUNTINFO, "/home/bob").unwrap();
        assert_eq!(m.point, "/");
        let r = judge_linux(&m, Some(&lsblk));
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(r.evidence[1].contains("sda (disk) → sda3 (part, crypto_LUKS) → sda3_crypt (crypt, LVM2_member) → vg-root (lvm, ext4)"), "{r:?}");

        let m = mount_of(MOUNTINFO, "/boot/grub").unwrap();
        assert_eq!(m.point, "/boot");
        assert_eq!(judge_linux(&m, Some(&lsblk)).code, "posture.encryption.off");
        let m = mount_of(MOUNTINFO, "/home/alice/My Files/x").unwrap();
        assert_eq!(m.majmin, "8:2");
        let m = mount_of(MOUNTINFO, "/tmp/x").unwrap();
        assert_eq!(
            judge_linux(&m, Some(&lsblk)).code,
            "posture.encryption.not_a_disk"
        );
        let unknown = Mount {
            point: "/srv".into(),
            majmin: "0:99".into(),
            fstype: "nfs4".into(),
            source: "fs:/srv".into(),
        };
        assert_eq!(
            judge_linux(&unknown, Some(&lsblk)).code,
            "posture.encryption.unknown_device"
        );
    }

    #[test]
    fn bitlocker_and_filevault_outputs() {
        assert_eq!(judge_bitlocker("C:", Some(1)).status, Status::Pass);
        assert_eq!(
            judge_bitlocker("C:", Some(2)).code,
            "posture.encryption.off"
        );
        assert_eq!(
            judge_bitlocker("C:", Some(5)).code,
            "posture.encryption.suspended"
        );
        assert_eq!(judge_bitlocker("C:", None).status, Status::Skip);
        // `fdesetup status` as printed by macOS 13/14.
        assert_eq!(judge_filevault("FileVault is On.\n").status, Status::Pass);
        assert_eq!(
            judge_filevault("FileVault is Off.\n").code,
            "posture.encryption.off"
        );
        assert_eq!(
            judge_filevault("FileVault is On.\nEncryption in progress: Percent completed = 41.2\n")
                .status,
            Status::Warn
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_machine_agrees_with_lsblk() {
        let r = run(&EncryptionParams::default());
        let out = std::process::Command::new("lsblk")
            .args(["--json", "-o", "TYPE,FSTYPE"])
            .output();
        let Ok(out) = out else { return };
        let text = String::from_utf8_lossy(&out.stdout);
        if !text.contains("crypt")
            && !text.contains("LUKS")
            && r.code != "posture.encryption.not_a_disk"
            && r.code != "posture.encryption.unknown_device"
        {
            // No encrypted device anywhere on this machine: `/` cannot be encrypted.
            assert_eq!(r.code, "posture.encryption.off", "{r:?}");
            assert!(
                r.evidence[0].starts_with("/proc/self/mountinfo: / is "),
                "{r:?}"
            );
        }
    }
}
