//! The `permissions` plugin run as a real non-root user, so that every denial is the kernel's:
//! as root the test creates a user and a group, folders with chosen owners and modes, a
//! read-only file system and a full one, then runs `readycheck` as that user with `setpriv`.
//! Skipped (with a note) when not root or when the user tools are missing.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::*;

/// Users, groups and mounts made by the test, undone on drop.
struct Fixture {
    user: String,
    group: String,
    mounts: Vec<PathBuf>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        for m in self.mounts.iter().rev() {
            let _ = Command::new("umount").arg("-l").arg(m).status();
        }
        let quiet = |c: &mut Command| {
            let _ = c
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status();
        };
        quiet(Command::new("userdel").arg(&self.user));
        quiet(Command::new("groupdel").arg(&self.user));
        quiet(Command::new("groupdel").arg(&self.group));
    }
}

fn sh(cmd: &mut Command) -> bool {
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

fn id(flag: &str, name: &str) -> u32 {
    let out = Command::new("id").arg(flag).arg(name).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn mount_tmpfs(at: &Path, opts: &str, fx: &mut Fixture) -> bool {
    std::fs::create_dir_all(at).unwrap();
    let ok = sh(Command::new("mount")
        .args(["-t", "tmpfs", "-o", opts, "tmpfs"])
        .arg(at));
    if ok {
        fx.mounts.push(at.to_path_buf());
    }
    ok
}

#[test]
fn denials_are_real_and_explained_when_run_as_a_normal_user() {
    if !is_root() {
        skip_note("creating users and mounting file systems needs root");
        return;
    }
    for tool in ["useradd", "groupadd", "usermod", "setpriv", "mount"] {
        if !sh(Command::new("sh").args(["-c", &format!("command -v {tool} >/dev/null")])) {
            skip_note(&format!("{tool} is not installed"));
            return;
        }
    }
    let env = Env::new();
    env.copy_plugin("permissions");
    let n = std::process::id();
    let mut fx = Fixture {
        user: format!("rcu{n}"),
        group: format!("rcg{n}"),
        mounts: Vec::new(),
    };
    assert!(sh(Command::new("groupadd").arg(&fx.group)), "groupadd");
    assert!(
        sh(Command::new("useradd")
            .args(["--no-create-home", "--user-group", "--shell", "/bin/sh"])
            .arg(&fx.user)),
        "useradd"
    );
    assert!(
        sh(Command::new("usermod").args(["-aG", &fx.group, &fx.user])),
        "usermod"
    );
    let (uid, gid) = (id("-u", &fx.user), id("-g", &fx.user));

    // The program and its plugins, root-owned, where the user can run them.
    let base = env.dir.path();
    let bindir = base.join("bin");
    std::fs::create_dir_all(bindir.join("plugins")).unwrap();
    for d in [&bindir, &bindir.join("plugins")] {
        chmod(d, 0o755);
    }
    let exe = bindir.join("readycheck");
    std::fs::copy(bin(), &exe).unwrap();
    std::fs::copy(
        bin().with_file_name("readycheck-plugin-host"),
        bindir.join("readycheck-plugin-host"),
    )
    .unwrap();
    for p in ["permissions", "misbehave"] {
        let dst = bindir.join("plugins").join(lib_name(p));
        std::fs::copy(env.plugins.join(lib_name(p)), &dst).unwrap();
        chmod(&dst, 0o755);
    }

    // Folders: one only root may write, one the group may write, a read-only and a full file system.
    let denied = base.join("denied");
    std::fs::create_dir(&denied).unwrap();
    chmod(&denied, 0o755);
    let shared = base.join("shared");
    std::fs::create_dir(&shared).unwrap();
    assert!(sh(Command::new("chgrp").arg(&fx.group).arg(&shared)));
    chmod(&shared, 0o770);
    let ro = base.join("ro");
    assert!(mount_tmpfs(&ro, "size=1m,mode=777", &mut fx), "mount tmpfs");
    assert!(
        sh(Command::new("mount").args(["-o", "remount,ro"]).arg(&ro)),
        "remount ro"
    );
    let full = base.join("full");
    assert!(
        mount_tmpfs(&full, "size=64k,mode=777", &mut fx),
        "mount small tmpfs"
    );
    {
        use std::io::Write;
        let mut f = std::fs::File::create(full.join("ballast")).unwrap();
        while f.write_all(&[0u8; 4096]).is_ok() {}
        let _ = f.sync_all();
    }
    let secret = base.join("secret.pem");
    std::fs::write(&secret, "-----BEGIN CERTIFICATE-----\n").unwrap();
    chmod(&secret, 0o600);

    let profile = env.profile(
        "perm.toml",
        &format!(
            r#"
[profile]
name = "Permissions as a user"
timeout = "5s"

[[check]]
id = "shared-write"
plugin = "permissions"
kind = "path"
path = "{shared}"
writable = true
listable = true

[[check]]
id = "denied-write"
plugin = "permissions"
kind = "path"
path = "{denied}"
writable = true

[[check]]
id = "ro-write"
plugin = "permissions"
kind = "path"
path = "{ro}"
writable = true

[[check]]
id = "full-write"
plugin = "permissions"
kind = "path"
path = "{full}"
writable = true

[[check]]
id = "missing"
plugin = "permissions"
kind = "path"
path = "{base}/not-mapped"
readable = true

[[check]]
id = "traders"
plugin = "permissions"
kind = "group"
group = "{group}"

[[check]]
id = "not-admin"
plugin = "permissions"
kind = "admin"
expect = false

[[check]]
id = "must-be-admin"
plugin = "permissions"
kind = "admin"
expect = true
severity = "info"

[[check]]
id = "cert"
plugin = "permissions"
kind = "certificate"
path = "{secret}"
"#,
            shared = shared.display(),
            denied = denied.display(),
            ro = ro.display(),
            full = full.display(),
            base = base.display(),
            group = fx.group,
            secret = secret.display(),
        ),
    );
    chmod(&profile, 0o644);

    let run_as = |groups: &[&str]| {
        let mut c = Command::new("setpriv");
        c.arg(format!("--reuid={uid}"))
            .arg(format!("--regid={gid}"));
        c.args(groups);
        c.arg("--")
            .arg(&exe)
            .args(["run", "--no-save", "-f", "json", "-p"])
            .arg(&profile);
        c.env("HOME", base)
            .env("NO_COLOR", "1")
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env_remove("READYCHECK_PROFILE");
        let out = c.output().unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}\n{}\n{}", stdout(&out), stderr(&out)));
        assert_valid_report(&report);
        report
    };

    let r = run_as(&["--init-groups"]);
    let expect = |id: &str, code: &str, needle: &str| {
        let c = check(&r, id);
        assert_eq!(c["code"], code, "{id}: {c:#}");
        assert!(
            c["summary"].as_str().unwrap().contains(needle),
            "{id}: {:?} should say {needle:?}",
            c["summary"]
        );
    };
    expect(
        "shared-write",
        "permissions.path.ok",
        "can be listed and written",
    );
    expect(
        "denied-write",
        "permissions.path.denied",
        "permission denied — ask IT",
    );
    expect(
        "ro-write",
        "permissions.path.read_only",
        "read-only file system — ask IT to map the share read-write",
    );
    expect("full-write", "permissions.path.full", "no space left");
    expect(
        "missing",
        "permissions.path.missing",
        "is the share connected",
    );
    expect("traders", "permissions.group.member", &fx.user);
    // With sudo installed, a user without rules cannot list them without a password: sudo
    // asks for it even to say "not allowed", and the check says it cannot tell.
    if have("sudo") {
        let c = check(&r, "not-admin");
        assert!(
            c["code"] == "permissions.admin.not_admin"
                || c["code"] == "permissions.admin.undetermined",
            "{c:#}"
        );
    } else {
        expect(
            "not-admin",
            "permissions.admin.not_admin",
            "without administrator rights",
        );
    }
    if have("sudo") {
        // sudo wants the password even to say "not allowed": the check says it cannot tell.
        expect(
            "must-be-admin",
            "permissions.admin.undetermined",
            "cannot tell",
        );
    } else {
        expect("must-be-admin", "permissions.admin.not_admin", "ask IT");
    }
    expect(
        "cert",
        "permissions.certificate.unreadable",
        "permission denied",
    );
    assert_eq!(r["host"]["user"], fx.user.as_str());

    // Nothing was left behind by the write tests, even where writing failed half-way.
    let leftovers = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".readycheck-write-test")
            })
            .count()
    };
    assert_eq!(leftovers(&shared), 0);
    assert_eq!(leftovers(&full), 0);

    // Added to the group in the database, but this session started without it.
    let r = run_as(&[&format!("--groups={gid}")]);
    let c = check(&r, "traders");
    assert_eq!(c["code"], "permissions.group.not_yet_active", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("log out and back in")
    );
    assert_eq!(check(&r, "shared-write")["code"], "permissions.path.denied");
    drop(fx);
}

/// Every permissions ground-truth case that ran agrees with the system's own tools.
#[test]
fn ground_truth_permissions() {
    crate::support::build_once();
    crate::apps::assert_ground_truth(
        "permissions",
        readycheck_e2e::groundtruth::permissions::cases(),
    );
}
