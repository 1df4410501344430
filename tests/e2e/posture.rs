//! The posture plugin through the real binary: nftables rulesets loaded into a network
//! namespace the test creates (accept-all, drop policy) and the same check without root (skip,
//! needs administrator rights); a ClamAV-style database with a real process named clamd; screen
//! lock settings from a GSettings keyfile database read by the real `gsettings`; encryption of
//! a tmpfs and of `/`; this machine's update history; the clock against a local NTP server.
//! Windows registry readings run under Wine with keys written by `wine reg add`.

use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::*;

fn posture_env() -> Env {
    let env = Env::new();
    env.copy_plugin("posture");
    env
}

fn run_json(cmd: &mut Command) -> serde_json::Value {
    report_of(&cmd.output().unwrap())
}

/// `readycheck run --no-save -f json -p PROFILE` with this env's plugins.
fn profile_run(env: &Env, profile: &std::path::Path) -> Command {
    env.command(&[
        "run",
        "--no-save",
        "-f",
        "json",
        "-p",
        profile.to_str().unwrap(),
    ])
}

const FIREWALL: &str = r#"[profile]
name = "posture"

[[check]]
id = "firewall"
plugin = "posture"
kind = "firewall"
"#;

#[test]
fn firewall_reads_the_nftables_ruleset_of_a_namespace() {
    if !is_root() || !have("nft") || !have("unshare") {
        skip_note("needs root, nft (apt-get install nftables) and unshare");
        return;
    }
    let env = posture_env();
    let profile = env.profile("fw.toml", FIREWALL);
    let accept = env.profile(
        "accept.nft",
        "table inet filter {\n  chain input { type filter hook input priority 0; policy accept; }\n}\n",
    );
    let drop = env.profile(
        "drop.nft",
        "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    ct state established,related accept\n    iif lo accept\n  }\n}\n",
    );
    let in_namespace = |rules: Option<&std::path::Path>| {
        let load = rules.map_or(String::new(), |r| format!("nft -f '{}' && ", r.display()));
        let script = format!(
            "{load}exec '{}' run --no-save -f json -p '{}' --plugin-dir '{}'",
            bin().display(),
            profile.display(),
            env.plugins.display()
        );
        run_json(env.via("unshare").args(["--net", "sh", "-c", &script]))
    };

    let r = in_namespace(Some(&accept));
    let c = check(&r, "firewall");
    // A machine with ufw or firewalld enabled would pass on those; this one has neither.
    if !std::path::Path::new("/etc/ufw/ufw.conf").exists() {
        assert_eq!(c["code"], "posture.firewall.off", "{c:#}");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains("chain inet filter input has policy accept"),
            "{c:#}"
        );
    }
    let r = in_namespace(Some(&drop));
    let c = check(&r, "firewall");
    assert_eq!(c["code"], "posture.firewall.on", "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("policy drop"),
        "{c:#}"
    );
    let r = in_namespace(None);
    let c = check(&r, "firewall");
    if !std::path::Path::new("/etc/ufw/ufw.conf").exists() {
        assert_eq!(c["code"], "posture.firewall.off", "{c:#}");
        assert!(
            c["summary"]
                .as_str()
                .unwrap()
                .contains("has a chain on the input hook"),
            "{c:#}"
        );
    }

    // Without root, nobody can read the ruleset: skip, saying so — not a guess.
    if have("setpriv") {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(bin())
            .args(["run", "--no-save", "-f", "json", "-p"])
            .arg(&profile)
            .arg("--plugin-dir")
            .arg(&env.plugins)
            .env("HOME", "/nonexistent")
            .env_remove("READYCHECK_PLUGIN_PATH");
        let r = run_json(&mut c);
        let c = check(&r, "firewall");
        if !std::path::Path::new("/etc/ufw/ufw.conf").exists() {
            assert_eq!(c["status"], "skip", "{c:#}");
            assert!(
                c["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with("needs administrator rights to read"),
                "{c:#}"
            );
        }
    }
}

#[test]
fn antivirus_finds_clamav_by_its_database_and_daemon() {
    let env = posture_env();
    let db = env.dir.path().join("clamav");
    std::fs::create_dir(&db).unwrap();
    // Databases whose headers say when they were built; the files' times say nothing.
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for (file, version, days) in [
        ("main.cvd", 62, 30),
        ("daily.cld", 27093, 1),
        ("bytecode.cvd", 335, 20),
    ] {
        let mut head = format!(
            "ClamAV-VDB:14 Nov 2023 07:38 -0500:{version}:2045560:90:6f7e0c3b2a1d4e5f6a7b8c9d0e1f2a3b:sig:raynman:{}",
            now - days * 86400
        )
        .into_bytes();
        head.resize(512, b' ');
        std::fs::write(db.join(file), head).unwrap();
        std::fs::File::options()
            .write(true)
            .open(db.join(file))
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(90 * 86400))
            .unwrap();
    }
    let profile = env.profile(
        "av.toml",
        &format!(
            r#"[profile]
name = "av"

[[check]]
id = "av"
plugin = "posture"
kind = "antivirus"
clamav_db_dir = '{}'
require_realtime = false
"#,
            db.display()
        ),
    );
    // No clamd running: installed but not running.
    let r = run_json(&mut profile_run(&env, &profile));
    let c = check(&r, "av");
    assert_eq!(c["code"], "posture.antivirus.not_running", "{c:#}");
    assert!(
        c["evidence"]
            .to_string()
            .contains("daily.cld: daily version 27093"),
        "{c:#}"
    );

    // A real process named clamd (a copy of sleep).
    let clamd = env.dir.path().join("clamd");
    std::fs::copy("/bin/sleep", &clamd).unwrap();
    chmod(&clamd, 0o755);
    let mut daemon = Command::new(&clamd).arg("30").spawn().unwrap();
    let r = run_json(&mut profile_run(&env, &profile));
    let c = check(&r, "av");
    assert_eq!(c["code"], "posture.antivirus.ok", "{c:#}");
    assert!((c["metrics"]["signature_age_days"].as_f64().unwrap() - 1.0).abs() < 0.01);

    // Old signatures fail with the age the header says, however new the file.
    let mut head = format!(
        "ClamAV-VDB:14 Nov 2023 07:38 -0500:27094:2045560:90:6f7e0c3b2a1d4e5f6a7b8c9d0e1f2a3b:sig:raynman:{}",
        now - 9 * 86400
    )
    .into_bytes();
    head.resize(512, b' ');
    std::fs::write(db.join("daily.cld"), head).unwrap();
    let r = run_json(&mut profile_run(&env, &profile));
    let c = check(&r, "av");
    assert_eq!(c["code"], "posture.antivirus.outdated", "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("9 days old"),
        "{c:#}"
    );
    let _ = daemon.kill();
    let _ = daemon.wait();
}

#[test]
fn screen_lock_reads_gnome_settings_through_gsettings() {
    if !have("gsettings") {
        skip_note("gsettings is not installed (libglib2.0-bin)");
        return;
    }
    let env = posture_env();
    let cfg = env.dir.path().join("config");
    std::fs::create_dir_all(cfg.join("glib-2.0/settings")).unwrap();
    let profile = env.profile(
        "lock.toml",
        "[profile]\nname = \"lock\"\n\n[[check]]\nid = \"lock\"\nplugin = \"posture\"\nkind = \"screen_lock\"\nmax_idle_minutes = 10\n",
    );
    let run_with = |keyfile: &str| {
        std::fs::write(cfg.join("glib-2.0/settings/keyfile"), keyfile).unwrap();
        let r = run_json(
            profile_run(&env, &profile)
                .env("GSETTINGS_BACKEND", "keyfile")
                .env("XDG_CONFIG_HOME", &cfg)
                .env_remove("XDG_CURRENT_DESKTOP"),
        );
        check(&r, "lock").clone()
    };
    let c = run_with(
        "[org/gnome/desktop/session]\nidle-delay=uint32 300\n\n[org/gnome/desktop/screensaver]\nlock-enabled=true\nlock-delay=uint32 30\n",
    );
    assert_eq!(c["code"], "posture.screen_lock.ok", "{c:#}");
    assert_eq!(c["metrics"]["lock_after_minutes"], 5.5);
    assert!(
        c["evidence"]
            .to_string()
            .contains("idle-delay = uint32 300"),
        "{c:#}"
    );
    let c = run_with("[org/gnome/desktop/session]\nidle-delay=uint32 1800\n");
    assert_eq!(c["code"], "posture.screen_lock.too_late", "{c:#}");
    let c = run_with(
        "[org/gnome/desktop/session]\nidle-delay=uint32 300\n\n[org/gnome/desktop/screensaver]\nlock-enabled=false\n",
    );
    assert_eq!(c["code"], "posture.screen_lock.never", "{c:#}");

    // No desktop at all: skip, with the reason.
    let r = run_json(
        profile_run(&env, &profile)
            .env("XDG_CONFIG_HOME", env.dir.path().join("empty"))
            .env_remove("GSETTINGS_BACKEND")
            .env_remove("XDG_CURRENT_DESKTOP"),
    );
    assert_eq!(check(&r, "lock")["code"], "posture.screen_lock.no_desktop");
}

#[test]
fn encryption_updates_and_clock_on_this_machine() {
    let env = posture_env();
    // An SNTP server on 127.0.0.1 whose clock is 2 minutes ahead of this one.
    let ntp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let ntp_port = ntp.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut buf = [0u8; 48];
        while let Ok((_, from)) = ntp.recv_from(&mut buf) {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
                + 120.0
                + 2_208_988_800.0;
            let mut resp = [0u8; 48];
            resp[0] = 0x24;
            // Stratum 2 (0 would be a kiss-o'-death), echoing our transmit time.
            resp[1] = 2;
            let originate: [u8; 8] = buf[40..48].try_into().unwrap();
            resp[24..32].copy_from_slice(&originate);
            for at in [32, 40] {
                resp[at..at + 4].copy_from_slice(&(now.floor() as u32).to_be_bytes());
                resp[at + 4..at + 8].copy_from_slice(
                    &(((now - now.floor()) * 4_294_967_296.0) as u32).to_be_bytes(),
                );
            }
            let _ = ntp.send_to(&resp, from);
        }
    });
    let profile = env.profile(
        "mix.toml",
        &format!(
            r#"[profile]
name = "posture on this machine"

[[check]]
id = "root-disk"
plugin = "posture"
kind = "encryption"

[[check]]
id = "tmp-disk"
plugin = "posture"
kind = "encryption"
path = "/dev/shm"

[[check]]
id = "updates"
plugin = "posture"
kind = "updates"

[[check]]
id = "clock"
plugin = "posture"
kind = "clock"
ntp_server = "127.0.0.1:{ntp_port}"
"#
        ),
    );
    let r = run_json(&mut profile_run(&env, &profile));
    let tmp = check(&r, "tmp-disk");
    assert_eq!(tmp["code"], "posture.encryption.not_a_disk", "{tmp:#}");
    let root = check(&r, "root-disk");
    assert_ne!(root["status"], "error", "{root:#}");
    assert!(
        root["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("/proc/self/mountinfo: / is "),
        "{root:#}"
    );

    let u = check(&r, "updates");
    if std::path::Path::new("/var/lib/dpkg/status").exists() {
        assert_ne!(u["status"], "skip", "{u:#}");
        let ev = u["evidence"].to_string();
        assert!(
            ev.contains("/var/log/dpkg.log") || ev.contains("/var/lib/dpkg/status"),
            "{u:#}"
        );
        assert!(ev.contains("/etc/apt/apt.conf.d"), "{u:#}");
        assert!(u["metrics"]["days_since_update"].as_f64().unwrap() >= 0.0);
    }

    let c = check(&r, "clock");
    assert_eq!(c["code"], "posture.clock.drifting", "{c:#}");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("120 seconds behind")
            || c["summary"].as_str().unwrap().contains("2 minutes behind"),
        "{c:#}"
    );
}

#[test]
fn encryption_of_a_tmpfs_mount_is_not_judged() {
    if !is_root() || !have("unshare") {
        skip_note("needs root to mount a tmpfs in a private mount namespace");
        return;
    }
    let env = posture_env();
    let mnt = env.dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let profile = env.profile(
        "enc.toml",
        &format!(
            "[profile]\nname = \"enc\"\n\n[[check]]\nid = \"enc\"\nplugin = \"posture\"\nkind = \"encryption\"\npath = '{}'\n",
            mnt.join("inside").display()
        ),
    );
    std::fs::create_dir(mnt.join("inside")).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=1m tmpfs '{m}' && mkdir '{m}/inside' && exec '{exe}' run --no-save -f json -p '{p}' --plugin-dir '{d}'",
        m = mnt.display(),
        exe = bin().display(),
        p = profile.display(),
        d = env.plugins.display()
    );
    let r = run_json(
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .env("READYCHECK_DATA_DIR", &env.data)
            .env_remove("READYCHECK_PLUGIN_PATH"),
    );
    let c = check(&r, "enc");
    assert_eq!(c["code"], "posture.encryption.not_a_disk", "{c:#}");
    assert!(c["summary"].as_str().unwrap().contains("tmpfs"), "{c:#}");
    assert!(
        c["evidence"][0]
            .as_str()
            .unwrap()
            .contains(&format!("{} is tmpfs", mnt.display())),
        "{c:#}"
    );
}

#[test]
fn windows_firewall_and_screen_lock_under_wine() {
    let Some(built) = windows_build() else {
        return;
    };
    let env = Env::new();
    let dir = windows_install(&built, &env.dir.path().join("win"), &["posture"]);
    let w = Wine::new(&env.dir.path().join("wineprefix"));
    let fw = r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy";
    let desk = r"HKCU\Control Panel\Desktop";
    let mut adds: Vec<Vec<String>> = Vec::new();
    for (profile, on) in [
        ("DomainProfile", "1"),
        ("StandardProfile", "1"),
        ("PublicProfile", "0"),
    ] {
        adds.push(
            [
                "reg",
                "add",
                &format!(r"{fw}\{profile}"),
                "/v",
                "EnableFirewall",
                "/t",
                "REG_DWORD",
                "/d",
                on,
                "/f",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    for (name, value) in [
        ("ScreenSaveActive", "1"),
        ("ScreenSaverIsSecure", "1"),
        ("ScreenSaveTimeOut", "600"),
    ] {
        adds.push(
            [
                "reg", "add", desk, "/v", name, "/t", "REG_SZ", "/d", value, "/f",
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    for a in &adds {
        let args: Vec<&str> = a.iter().map(String::as_str).collect();
        assert!(ok(&mut w.cmd(&args)), "wine {}", a.join(" "));
    }
    let profile = env.profile(
        "win.toml",
        "[profile]\nname = \"posture under Wine\"\ntimeout = \"30s\"\n\n[[check]]\nid = \"firewall\"\nplugin = \"posture\"\nkind = \"firewall\"\n\n[[check]]\nid = \"lock\"\nplugin = \"posture\"\nkind = \"screen_lock\"\nmax_idle_minutes = 15\n",
    );
    let run = |w: &Wine| {
        let out = w
            .cmd(&[
                &Wine::path(&dir.join("readycheck.exe")),
                "run",
                "-p",
                &Wine::path(&profile),
                "-f",
                "json",
                "--no-save",
                "--no-progress",
            ])
            .output()
            .unwrap();
        report_of(&out)
    };
    let r = run(&w);
    let f = check(&r, "firewall");
    assert_eq!(f["code"], "posture.firewall.off", "{f:#}");
    assert!(
        f["summary"]
            .as_str()
            .unwrap()
            .contains("public profile: EnableFirewall=0"),
        "{f:#}"
    );
    assert!(
        f["evidence"]
            .to_string()
            .contains("domain profile: EnableFirewall=1"),
        "{f:#}"
    );
    let l = check(&r, "lock");
    assert_eq!(l["code"], "posture.screen_lock.ok", "{l:#}");
    assert_eq!(l["metrics"]["lock_after_minutes"], 10.0);

    // Public profile on, screen saver without a password.
    let args = [
        "reg",
        "add",
        &format!(r"{fw}\PublicProfile"),
        "/v",
        "EnableFirewall",
        "/t",
        "REG_DWORD",
        "/d",
        "1",
        "/f",
    ];
    assert!(ok(&mut w.cmd(&args)));
    let args = [
        "reg",
        "add",
        desk,
        "/v",
        "ScreenSaverIsSecure",
        "/t",
        "REG_SZ",
        "/d",
        "0",
        "/f",
    ];
    assert!(ok(&mut w.cmd(&args)));
    let r = run(&w);
    assert_eq!(
        check(&r, "firewall")["code"],
        "posture.firewall.on",
        "{r:#}"
    );
    assert_eq!(
        check(&r, "lock")["code"],
        "posture.screen_lock.no_password",
        "{r:#}"
    );
}

/// Every posture ground-truth case that ran agrees with the system's own tools.
#[test]
fn ground_truth_posture() {
    crate::support::build_once();
    crate::apps::assert_ground_truth("posture", readycheck_e2e::groundtruth::posture::cases());
}
