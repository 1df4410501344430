//! Packaging and scheduled runs, for real: the `.deb` installed with `dpkg -i` (in a private
//! mount namespace whose /usr, /etc and /var are overlays, so the test machine is untouched) and
//! run from /usr/bin, the `.rpm` and `.tar.gz` read back, IT bundles whose pins match the shipped
//! plugins and refuse a tampered one, the Windows zip and bundle run under Wine, the MSI's tables
//! read with `msiinfo`, man pages through `man`, bash completion through bash, and the schedule
//! files through `systemd-analyze`, Python's plistlib and XML parser. Packages are built by
//! `cargo xtask` from the test build with debug info stripped (the same code, faster to pack).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support::*;

fn xtask() -> Command {
    build_once();
    let mut c = Command::new(target_dir().join("xtask"));
    c.current_dir(workspace());
    c
}

fn must(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    out
}

/// Copies of `files` from `from` with debug info stripped, in a directory of their own.
fn stripped(from: &Path, files: &[String], strip: &str, into: &str) -> PathBuf {
    let dir = target_dir().join(into);
    std::fs::create_dir_all(&dir).unwrap();
    for f in files {
        let to = dir.join(f);
        std::fs::copy(from.join(f), &to).unwrap_or_else(|e| panic!("copy {f}: {e}"));
        if have(strip) {
            assert!(ok(Command::new(strip).arg("--strip-debug").arg(&to)));
        }
    }
    dir
}

const PLUGINS: [&str; 5] = ["network", "resources", "permissions", "apps", "posture"];

/// The Linux build to package.
fn linux_build() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        build_once();
        let mut files = vec![
            "readycheck".to_string(),
            "readycheck-plugin-host".to_string(),
        ];
        files.extend(PLUGINS.iter().map(|p| lib_name(p)));
        stripped(&target_dir(), &files, "strip", "pkg-linux")
    })
    .clone()
}

/// The file name of plugin `name` in a Windows build.
fn dll(name: &str) -> String {
    readycheck_sdk::file::file_name_for("windows", name)
}

/// The Windows build to package, or `None` (skip — said by every test that needed it).
fn win_build() -> Option<PathBuf> {
    let built = windows_build()?;
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let mut files = vec![
            "readycheck.exe".to_string(),
            "readycheck-plugin-host.exe".to_string(),
            "readycheckw.exe".to_string(),
        ];
        files.extend(PLUGINS.iter().map(|p| dll(p)));
        files.push(dll("misbehave"));
        stripped(&built, &files, "x86_64-w64-mingw32-strip", "pkg-windows")
    });
    Some(dir.clone())
}

/// The directory holding both MSIs (English and Simplified Chinese), built once by `cargo
/// xtask msi` for every test that reads them; `None` (skip, said each time) without a Windows
/// build, wixl or msitools.
fn msis() -> Option<&'static Path> {
    let win = win_build()?;
    if !have("wixl") || !have("msiinfo") {
        skip_note("wixl and msiinfo are not installed (apt-get install wixl msitools)");
        return None;
    }
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = target_dir().join("test-msi");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        must(
            xtask()
                .args(["msi", "--win-from"])
                .arg(&win)
                .arg("-o")
                .arg(&dir),
        );
        dir
    });
    Some(dir.as_path())
}

fn sha256(path: &Path) -> String {
    let out = must(Command::new("sha256sum").arg(path));
    stdout(&out).split_whitespace().next().unwrap().to_string()
}

fn only_file(dir: &Path, suffix: &str) -> PathBuf {
    let found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one {suffix} in {}: {found:?}",
        dir.display()
    );
    found[0].clone()
}

/// Tampers with a shipped file the way a swapped or patched plugin would look: one byte more.
fn append_a_byte(path: &Path) {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(&[0]))
        .unwrap_or_else(|e| panic!("tamper with {}: {e}", path.display()));
}

/// stdout as JSON (plugin lists, reports — the caller checks reports against the schema).
fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\nstdout: {}\nstderr: {}", stdout(out), stderr(out)))
}

#[test]
fn deb_installs_with_dpkg_runs_from_usr_bin_and_purges_cleanly() {
    if !is_root() || !have("dpkg") || !have("unshare") {
        skip_note("needs root, dpkg and unshare (a private mount namespace with overlays)");
        return;
    }
    if !have_deb_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    chmod(t.path(), 0o755);
    must(
        xtask()
            .args(["deb", "--from"])
            .arg(linux_build())
            .arg("-o")
            .arg(t.path()),
    );
    let deb = only_file(t.path(), "_amd64.deb");
    // /usr, /etc and /var become overlays on a tmpfs in a mount namespace of this test's own:
    // dpkg installs for real, the machine and the other tests never see it. The network
    // namespace is empty, so the default profile's probes go nowhere.
    let script = r#"
set -e
T="$1"; DEB="$2"
mount -t tmpfs tmpfs "$T/ovl"
for d in usr etc var; do
  mkdir -p "$T/ovl/$d.up" "$T/ovl/$d.work"
  mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ovl/$d.up,workdir=$T/ovl/$d.work" "/$d"
done
dpkg -i "$DEB" > "$T/dpkg-install.txt" 2>&1
dpkg -L readycheck > "$T/files.txt"
set +e
HOME="$T/home" /usr/bin/readycheck -f json --no-progress > "$T/report.json" 2> "$T/run.err"
echo $? > "$T/run.rc"
HOME="$T/home" /usr/bin/readycheck plugins -f json > "$T/plugins.json" 2>&1
MANPAGER=cat MANWIDTH=80 man readycheck-schedule-install > "$T/man.txt" 2>&1
systemd-analyze verify /usr/lib/systemd/user/readycheck.timer /usr/lib/systemd/user/readycheck.service > "$T/verify.txt" 2>&1
echo $? > "$T/verify.rc"
set -e
dpkg --purge readycheck > "$T/dpkg-purge.txt" 2>&1
for f in $(cat "$T/files.txt"); do
  if [ -d "$f" ]; then
    case "$f" in */readycheck|*/readycheck/*) echo "$f" >> "$T/left.txt";; esac
  elif [ -e "$f" ]; then
    echo "$f" >> "$T/left.txt"
  fi
done
touch "$T/left.txt"
"#;
    std::fs::create_dir_all(t.path().join("ovl")).unwrap();
    std::fs::create_dir_all(t.path().join("home")).unwrap();
    let out = Command::new("unshare")
        .args(["--mount", "--net", "--propagation", "private", "sh", "-c"])
        .arg(script)
        .arg("sh")
        .arg(t.path())
        .arg(&deb)
        .output()
        .unwrap();
    let read = |n: &str| std::fs::read_to_string(t.path().join(n)).unwrap_or_default();
    assert!(
        out.status.success(),
        "{}{}\ninstall: {}\npurge: {}",
        stdout(&out),
        stderr(&out),
        read("dpkg-install.txt"),
        read("dpkg-purge.txt")
    );
    let files = read("files.txt");
    for f in [
        "/usr/bin/readycheck",
        "/usr/lib/readycheck/readycheck-plugin-host",
        "/usr/lib/readycheck/plugins/libreadycheck_network.so",
        "/etc/readycheck/readycheck.toml",
        "/usr/share/man/man1/readycheck.1.gz",
        "/usr/share/bash-completion/completions/readycheck",
        "/usr/lib/systemd/user/readycheck.timer",
    ] {
        assert!(
            files.lines().any(|l| l == f),
            "{f} not in the package:\n{files}"
        );
    }

    let report: serde_json::Value = serde_json::from_str(&read("report.json"))
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", read("report.json"), read("run.err")));
    assert_valid_report(&report);
    // The profile is the one in /etc/readycheck (byte-for-byte the default), and every plugin
    // was loaded from /usr/lib/readycheck/plugins.
    assert_eq!(
        report["profile"]["sha256"],
        sha256(&workspace().join("checks/default.toml")),
        "{:#}",
        report["profile"]
    );
    let plugins = report["plugins"].as_array().unwrap();
    assert!(!plugins.is_empty());
    for p in plugins {
        assert!(
            p["path"]
                .as_str()
                .unwrap()
                .starts_with("/usr/lib/readycheck/plugins/"),
            "{p:#}"
        );
    }
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["cause"] != "plugin_missing" && c["cause"] != "plugin_refused"),
        "{report:#}"
    );
    // No network in the namespace: not ready, exit 2.
    assert_eq!(report["verdict"], "not_ready");
    assert_eq!(read("run.rc").trim(), "2", "{}", read("run.err"));
    let listed: serde_json::Value = serde_json::from_str(&read("plugins.json"))
        .unwrap_or_else(|e| panic!("{e}: {}", read("plugins.json")));
    assert_eq!(
        listed["plugins"].as_array().map(Vec::len),
        Some(PLUGINS.len()),
        "{listed:#}"
    );
    // Each check runs in the small program the package put in /usr/lib/readycheck.
    assert_eq!(
        listed["child"], "/usr/lib/readycheck/readycheck-plugin-host",
        "{listed:#}"
    );
    if have("man") {
        let man = read("man.txt");
        assert!(man.contains("--at") && man.contains("HH:MM"), "{man}");
    }
    assert_eq!(read("verify.rc").trim(), "0", "{}", read("verify.txt"));
    assert_eq!(read("left.txt"), "", "files left after dpkg --purge");
}

/// cargo-deb (the .deb from `[package.metadata.deb]`) and dpkg-shlibdeps (its Depends); else
/// the skip is noted.
fn have_deb_tools() -> bool {
    let ok = have("cargo-deb") && have("dpkg-shlibdeps") && have("dpkg-deb");
    if !ok {
        skip_note(
            "cargo-deb, dpkg-shlibdeps or dpkg-deb is missing (scripts/install-packaging-tools, \
             apt-get install dpkg-dev); the .deb is not built",
        );
    }
    ok
}

/// cargo-generate-rpm (the .rpm from `[package.metadata.generate-rpm]`) and rpm to read it
/// back; else the skip is noted.
fn have_rpm_tools() -> bool {
    let ok = have("cargo-generate-rpm") && have("rpm");
    if !ok {
        skip_note(
            "cargo-generate-rpm or rpm is missing (scripts/install-packaging-tools, apt-get \
             install rpm); the .rpm is not built",
        );
    }
    ok
}

/// The regular files of a package listing: (path, mode, size), the path absolute.
fn files_of(
    listing: &str,
    mode_at: usize,
    size_at: usize,
    path_at: usize,
) -> Vec<(String, String, u64)> {
    let mut files: Vec<(String, String, u64)> = listing
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() > path_at && f[mode_at].starts_with('-'))
        .map(|f| {
            (
                f[path_at].trim_start_matches('.').to_string(),
                f[mode_at].to_string(),
                f[size_at].parse().unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn deb_and_rpm_from_metadata_ship_the_same_files_modes_and_config() {
    if !have_deb_tools() || !have_rpm_tools() {
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let build = linux_build();
    for task in ["deb", "rpm"] {
        must(
            xtask()
                .args([task, "--from"])
                .arg(&build)
                .arg("-o")
                .arg(t.path()),
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    let deb = t.path().join(format!("readycheck_{version}_amd64.deb"));
    let rpm = t.path().join(format!("readycheck-{version}-1.x86_64.rpm"));

    // dpkg-deb -c: mode, owner/group, size, date, time, path.
    let deb_list = stdout(&must(Command::new("dpkg-deb").arg("-c").arg(&deb)));
    for line in deb_list.lines() {
        assert!(
            line.split_whitespace().nth(1) == Some("root/root") || line.contains(" 0/0 "),
            "{line}"
        );
    }
    let mut deb_files = files_of(&deb_list, 0, 2, 5);
    // Debian policy's copyright file is the .deb's own.
    deb_files.retain(|(p, ..)| p != "/usr/share/doc/readycheck/copyright");
    // rpm -qlpv: mode, links, user, group, size, month, day, time, path.
    let rpm_list = stdout(&must(Command::new("rpm").arg("-qlpv").arg(&rpm)));
    for line in rpm_list.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        assert_eq!((f[2], f[3]), ("root", "root"), "{line}");
    }
    let rpm_files: Vec<(String, String, u64)> = files_of(&rpm_list, 0, 4, 8)
        .into_iter()
        .map(|(p, m, s)| {
            // zsh's vendor directory is named differently by the two distribution families.
            let p = p.replace("/zsh/site-functions/", "/zsh/vendor-completions/");
            (p, m, s)
        })
        .collect();
    let mut rpm_files = rpm_files;
    rpm_files.sort();
    assert_eq!(deb_files, rpm_files, "the .deb and the .rpm differ");

    // The build is shipped as given (not stripped again), executable only where it should be.
    let size = |p: &Path| std::fs::metadata(p).unwrap().len();
    let mode_of = |path: &str| {
        deb_files
            .iter()
            .find(|(p, ..)| p == path)
            .unwrap_or_else(|| panic!("{path} not in the .deb:\n{deb_list}"))
            .clone()
    };
    assert_eq!(
        mode_of("/usr/bin/readycheck"),
        (
            "/usr/bin/readycheck".into(),
            "-rwxr-xr-x".into(),
            size(&build.join("readycheck"))
        )
    );
    for p in PLUGINS {
        let path = format!("/usr/lib/readycheck/plugins/{}", lib_name(p));
        assert_eq!(
            mode_of(&path),
            (
                path.clone(),
                "-rw-r--r--".into(),
                size(&build.join(lib_name(p)))
            )
        );
    }
    assert_eq!(
        mode_of("/usr/lib/readycheck/readycheck-plugin-host"),
        (
            "/usr/lib/readycheck/readycheck-plugin-host".into(),
            "-rwxr-xr-x".into(),
            size(&build.join("readycheck-plugin-host"))
        )
    );
    for (path, ..) in &deb_files {
        if path != "/usr/bin/readycheck" && path != "/usr/lib/readycheck/readycheck-plugin-host" {
            assert_eq!(mode_of(path).1, "-rw-r--r--", "{path}");
        }
    }
    let man_pages = deb_files
        .iter()
        .filter(|(p, ..)| p.starts_with("/usr/share/man/man1/readycheck") && p.ends_with(".1.gz"))
        .count();
    assert!(man_pages > 10, "{deb_list}");

    // The .deb's control: the configuration file, Depends read off the binaries by
    // dpkg-shlibdeps, and the fields of the metadata.
    let field = |name: &str| {
        stdout(&must(
            Command::new("dpkg-deb").args(["-f"]).arg(&deb).arg(name),
        ))
        .trim()
        .to_string()
    };
    assert_eq!(field("Package"), "readycheck");
    assert_eq!(field("Version"), version);
    assert_eq!(field("Architecture"), "amd64");
    assert_eq!(field("Section"), "admin");
    assert_eq!(
        field("Maintainer"),
        "readycheck maintainers <readycheck@example.invalid>"
    );
    assert_eq!(field("Homepage"), "https://example.invalid/readycheck");
    let depends = field("Depends");
    assert!(depends.starts_with("libc6 (>= 2."), "{depends}");
    let description = field("Description");
    assert!(
        description.starts_with("Remote-work readiness checker\n")
            && description.contains("whose problem it is"),
        "{description}"
    );
    let control = t.path().join("control");
    must(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    assert_eq!(
        std::fs::read_to_string(control.join("conffiles")).unwrap(),
        "/etc/readycheck/readycheck.toml\n"
    );

    // The .rpm's: the same configuration file, never replaced; documentation; the C library it
    // needs, found by auto-req.
    let query = |what: &str| stdout(&must(Command::new("rpm").arg(what).arg("-p").arg(&rpm)));
    assert_eq!(query("-qc").trim(), "/etc/readycheck/readycheck.toml");
    let docs = query("-qd");
    assert!(
        docs.lines()
            .any(|l| l == "/usr/share/doc/readycheck/README.md"),
        "{docs}"
    );
    assert!(
        docs.lines()
            .any(|l| l == "/usr/share/man/man1/readycheck.1.gz"),
        "{docs}"
    );
    let requires = query("-qR");
    assert!(
        requires
            .lines()
            .any(|l| l.starts_with("libc.so.6(GLIBC_2.")),
        "{requires}"
    );
    assert!(!requires.lines().any(|l| l == "/bin/sh"), "{requires}");
    let info = stdout(&must(
        Command::new("rpm")
            .args([
                "-qp",
                "--queryformat",
                "%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE} %{URL}\n",
            ])
            .arg(&rpm),
    ));
    assert_eq!(
        info.trim(),
        format!(
            "readycheck {version} 1 x86_64 MIT OR Apache-2.0 https://example.invalid/readycheck"
        )
    );
    let flags = stdout(&must(
        Command::new("rpm")
            .args([
                "-qp",
                "--queryformat",
                "[%{FILEFLAGS:fflags} %{FILENAMES}\n]",
            ])
            .arg(&rpm),
    ));
    assert!(
        flags
            .lines()
            .any(|l| l == "cn /etc/readycheck/readycheck.toml"),
        "%config(noreplace): {flags}"
    );
}

#[test]
fn server_deb_and_rpm_from_metadata_install_the_unit_disabled_and_make_the_user() {
    if !have_deb_tools() || !have_rpm_tools() {
        return;
    }
    build_once();
    let build = stripped(
        &target_dir(),
        &["readycheck-server".to_string()],
        "strip",
        "pkg-server",
    );
    let t = tempfile::tempdir().unwrap();
    for task in ["server-deb", "server-rpm"] {
        must(
            xtask()
                .args([task, "--from"])
                .arg(&build)
                .arg("-o")
                .arg(t.path()),
        );
    }
    let version = env!("CARGO_PKG_VERSION");
    let deb = t
        .path()
        .join(format!("readycheck-server_{version}_amd64.deb"));
    let rpm = t
        .path()
        .join(format!("readycheck-server-{version}-1.x86_64.rpm"));
    let size = std::fs::metadata(build.join("readycheck-server"))
        .unwrap()
        .len();

    let deb_list = stdout(&must(Command::new("dpkg-deb").arg("-c").arg(&deb)));
    let mut deb_files = files_of(&deb_list, 0, 2, 5);
    deb_files.retain(|(p, ..)| p != "/usr/share/doc/readycheck-server/copyright");
    let readme = std::fs::metadata(workspace().join("README.md"))
        .unwrap()
        .len();
    let config = std::fs::metadata(workspace().join("packaging/server/config.toml"))
        .unwrap()
        .len();
    let unit = std::fs::metadata(workspace().join("packaging/server/readycheck-server.service"))
        .unwrap()
        .len();
    let expected: Vec<(String, String, u64)> = vec![
        (
            "/etc/readycheck-server/config.toml".into(),
            "-rw-r-----".into(),
            config,
        ),
        (
            "/usr/bin/readycheck-server".into(),
            "-rwxr-xr-x".into(),
            size,
        ),
        (
            "/usr/lib/systemd/system/readycheck-server.service".into(),
            "-rw-r--r--".into(),
            unit,
        ),
        (
            "/usr/share/doc/readycheck-server/README.md".into(),
            "-rw-r--r--".into(),
            readme,
        ),
    ];
    assert_eq!(deb_files, expected, "{deb_list}");
    let control = t.path().join("control");
    must(Command::new("dpkg-deb").arg("-e").arg(&deb).arg(&control));
    let read = |f: &str| std::fs::read_to_string(control.join(f)).unwrap();
    assert_eq!(read("conffiles"), "/etc/readycheck-server/config.toml\n");
    let fields = read("control");
    assert!(
        fields.contains("\nDepends: adduser, libc6 (>= 2."),
        "{fields}"
    );
    assert!(
        fields.contains(
            "\nDescription: readycheck's helpdesk server: receives, stores and serves reports\n"
        ),
        "{fields}"
    );
    // The system user and its data directory, then the unit registered but never enabled or
    // started (only re-enabled on upgrade if the administrator had enabled it).
    let postinst = read("postinst");
    let user = postinst
        .find("adduser --system --group")
        .expect("adduser in postinst");
    let unit_state = postinst
        .find("deb-systemd-helper update-state readycheck-server.service")
        .expect("the unit's state in postinst");
    assert!(user < unit_state, "{postinst}");
    assert!(
        postinst.contains("chmod 0750 /var/lib/readycheck-server"),
        "{postinst}"
    );
    assert!(!postinst.contains("#DEBHELPER#"), "{postinst}");
    assert!(!postinst.contains("deb-systemd-invoke start"), "{postinst}");
    for line in postinst
        .lines()
        .filter(|l| l.contains("deb-systemd-helper enable"))
    {
        assert!(
            postinst.contains("was-enabled readycheck-server.service"),
            "{line}"
        );
    }
    assert!(
        read("prerm").contains("deb-systemd-invoke stop readycheck-server.service"),
        "stopped on removal"
    );
    if have("sh") {
        for script in ["postinst", "prerm", "postrm"] {
            assert!(
                ok(Command::new("sh").arg("-n").arg(control.join(script))),
                "{script}"
            );
        }
    }

    // The .rpm: the same files, the configuration readable by the service's group and never
    // replaced, the user made before the files land.
    let rpm_list = stdout(&must(Command::new("rpm").arg("-qlpv").arg(&rpm)));
    assert_eq!(files_of(&rpm_list, 0, 4, 8), expected, "{rpm_list}");
    let owners = stdout(&must(
        Command::new("rpm")
            .args([
                "-qp",
                "--queryformat",
                "[%{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags} %{FILENAMES}\n]",
            ])
            .arg(&rpm),
    ));
    assert!(
        owners
            .lines()
            .any(|l| l == "root:readycheck-server cn /etc/readycheck-server/config.toml"),
        "{owners}"
    );
    let scripts = stdout(&must(
        Command::new("rpm").args(["-qp", "--scripts"]).arg(&rpm),
    ));
    let pre = scripts.find("preinstall scriptlet").expect("a %pre");
    let post = scripts.find("postinstall scriptlet").expect("a %post");
    assert!(
        scripts[pre..post].contains("useradd -r -g readycheck-server"),
        "{scripts}"
    );
    assert!(
        scripts[post..]
            .contains("chown readycheck-server:readycheck-server /var/lib/readycheck-server"),
        "{scripts}"
    );
    let requires = stdout(&must(Command::new("rpm").arg("-qRp").arg(&rpm)));
    assert!(requires.lines().any(|l| l == "shadow-utils"), "{requires}");
    assert!(
        requires.lines().any(|l| l.starts_with("libc.so.6")),
        "{requires}"
    );
}

#[test]
fn rpm_and_tarball_carry_the_same_program() {
    let t = tempfile::tempdir().unwrap();
    if have_rpm_tools() {
        must(
            xtask()
                .args(["rpm", "--from"])
                .arg(linux_build())
                .arg("-o")
                .arg(t.path()),
        );
        let rpm = only_file(t.path(), ".x86_64.rpm");
        let list = stdout(&must(Command::new("rpm").arg("-qlp").arg(&rpm)));
        for f in [
            "/usr/bin/readycheck",
            "/usr/lib/readycheck/readycheck-plugin-host",
            "/usr/lib/readycheck/plugins/libreadycheck_apps.so",
            "/etc/readycheck/readycheck.toml",
            "/usr/share/zsh/site-functions/_readycheck",
            "/usr/lib/systemd/user/readycheck.service",
        ] {
            assert!(list.lines().any(|l| l == f), "{f} not in the rpm:\n{list}");
        }
        let config = stdout(&must(Command::new("rpm").arg("-qcp").arg(&rpm)));
        assert_eq!(config.trim(), "/etc/readycheck/readycheck.toml");
    }

    must(
        xtask()
            .args(["tarball", "--from"])
            .arg(linux_build())
            .arg("-o")
            .arg(t.path()),
    );
    let tgz = only_file(t.path(), "-linux-x86_64.tar.gz");
    let unpack = t.path().join("unpacked");
    std::fs::create_dir(&unpack).unwrap();
    must(
        Command::new("tar")
            .arg("xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&unpack),
    );
    let dir = only_file(&unpack, "-linux-x86_64");
    let out = Command::new(dir.join("readycheck"))
        .args(["plugins", "-f", "json"])
        .env_remove("READYCHECK_PLUGIN_PATH")
        .env("HOME", t.path())
        .output()
        .unwrap();
    let listed = json(&out);
    let names: Vec<&str> = listed["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), PLUGINS.len(), "{listed:#}");
    for p in listed["plugins"].as_array().unwrap() {
        assert_eq!(p["trusted"], true, "{p:#}");
        assert!(
            Path::new(p["path"].as_str().unwrap()).starts_with(dir.join("plugins")),
            "{p:#}"
        );
    }
    // Each check runs in the small program beside readycheck.
    assert_eq!(
        Path::new(listed["child"].as_str().unwrap()),
        dir.join("readycheck-plugin-host").canonicalize().unwrap(),
        "{listed:#}"
    );
    let v = stdout(&must(Command::new(dir.join("readycheck")).arg("--version")));
    // The tarball's program says the version, commit and plugin ABI this build has.
    assert!(
        v.trim()
            .starts_with(&format!("readycheck {} (", env!("CARGO_PKG_VERSION")))
            && v.trim().ends_with(", plugin ABI 1)"),
        "{v}"
    );

    // The man page renders without warnings, and bash completes subcommands and their actions.
    if have("groff") {
        let o = must(
            Command::new("groff")
                .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
                .arg(dir.join("man/readycheck.1")),
        );
        assert_eq!(stderr(&o), "", "groff warnings");
    }
    let complete = |line: &str| -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let script = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; _readycheck readycheck '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            dir.join("completions/readycheck.bash").display(),
            words
                .iter()
                .map(|w| format!("'{w}'"))
                .collect::<Vec<_>>()
                .join(" "),
            words.len() - 1,
            words[words.len() - 1],
            words[words.len() - 2],
        );
        stdout(&must(Command::new("bash").args(["-c", &script])))
    };
    let subs = complete("readycheck sch");
    assert_eq!(subs.trim(), "schedule", "{subs}");
    let actions = complete("readycheck schedule ");
    for a in ["install", "remove", "status"] {
        assert!(
            actions.lines().any(|l| l == a),
            "{a} not offered: {actions}"
        );
    }
    assert!(!complete("readycheck __").contains("__plugin-host"));
}

/// IT's profile for the bundle tests: local checks only.
const CORP: &str = r#"# Corp back office — handed out before the lockdown
[profile]
name = "Corp back office"
version = "2026.11"
contact = "Helpdesk 0755-0000-0000"

[[check]]
id = "memory"
plugin = "resources"
kind = "memory"
min_total = "64 MB"

[[check]]
id = "os"
plugin = "resources"
kind = "os"
"#;

#[test]
fn linux_bundle_pins_its_plugins_and_refuses_a_tampered_one() {
    let t = tempfile::tempdir().unwrap();
    chmod(t.path(), 0o755);
    let corp = t.path().join("corp.toml");
    std::fs::write(&corp, CORP).unwrap();
    let out_dir = t.path().join("out");
    must(
        xtask()
            .args(["bundle", "--os", "linux", "--profile"])
            .arg(&corp)
            .arg("--from")
            .arg(linux_build())
            .arg("-o")
            .arg(&out_dir),
    );
    let tgz = only_file(&out_dir, ".tar.gz");
    assert!(
        tgz.ends_with("readycheck-corp-linux-x86_64.tar.gz"),
        "{}",
        tgz.display()
    );
    let unpack = t.path().join("unpacked");
    std::fs::create_dir(&unpack).unwrap();
    chmod(&unpack, 0o755);
    must(
        Command::new("tar")
            .arg("xzf")
            .arg(&tgz)
            .arg("-C")
            .arg(&unpack),
    );
    let dir = unpack.join("readycheck-corp-linux-x86_64");
    let profile = std::fs::read_to_string(dir.join("readycheck.toml")).unwrap();
    assert!(profile.starts_with("# Corp back office"), "{profile}");
    for p in PLUGINS {
        let hash = sha256(&dir.join("plugins").join(lib_name(p)));
        assert!(
            profile.contains(&format!("{p} = \"{hash}\"")),
            "{p} not pinned to {hash}:\n{profile}"
        );
        assert_eq!(hash, sha256(&linux_build().join(lib_name(p))));
    }

    let run = || {
        Command::new(dir.join("readycheck"))
            .args(["-f", "json", "--no-progress"])
            .env("READYCHECK_DATA_DIR", t.path().join("data"))
            .env_remove("READYCHECK_PLUGIN_PATH")
            .env_remove("READYCHECK_PROFILE")
            .current_dir(t.path())
            .output()
            .unwrap()
    };
    let out = run();
    let r = json(&out);
    assert_valid_report(&r);
    assert_eq!(r["profile"]["name"], "Corp back office");
    assert_eq!(check(&r, "memory")["status"], "pass", "{r:#}");
    assert_ne!(check(&r, "os")["status"], "error", "{r:#}");

    // One byte appended to a shipped plugin: refused, named, and the report is still written.
    append_a_byte(&dir.join("plugins").join(lib_name("resources")));
    let out = run();
    let r = json(&out);
    assert_valid_report(&r);
    for id in ["memory", "os"] {
        let c = check(&r, id);
        assert_eq!(c["status"], "error", "{c:#}");
        assert_eq!(c["cause"], "plugin_refused", "{c:#}");
        assert!(c["summary"].as_str().unwrap().contains("sha256"), "{c:#}");
    }
    assert_eq!(out.status.code(), Some(2));

    // A profile with a mistake is never bundled.
    std::fs::write(&corp, CORP.replace("min_total", "min_totl")).unwrap();
    let bad_out = t.path().join("bad");
    let out = xtask()
        .args(["bundle", "--os", "linux", "--profile"])
        .arg(&corp)
        .arg("--from")
        .arg(linux_build())
        .arg("-o")
        .arg(&bad_out)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("corp.toml:11")
            && err.contains("min_total")
            && err.contains("nothing was bundled"),
        "{err}"
    );
    assert!(!bad_out.exists() || std::fs::read_dir(&bad_out).unwrap().next().is_none());
}

fn unzip(zip: &Path, into: &Path) {
    must(
        Command::new("python3")
            .args(["-m", "zipfile", "-e"])
            .arg(zip)
            .arg(into),
    );
}

#[test]
fn windows_zip_and_bundle_run_under_wine() {
    let Some(win) = win_build() else {
        return;
    };
    if !have("python3") {
        skip_note("python3 is needed to unpack the zip");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    must(
        xtask()
            .args(["zip", "--win-from"])
            .arg(&win)
            .arg("-o")
            .arg(t.path()),
    );
    let zip = only_file(t.path(), "-windows-x86_64.zip");
    let unpack = t.path().join("zip");
    unzip(&zip, &unpack);
    let dir = only_file(&unpack, "-windows-x86_64");
    for f in [
        "readycheck.exe",
        "readycheck-plugin-host.exe",
        "readycheck.toml",
        "README.txt",
        "plugins/readycheck_network.dll",
        "plugins/readycheck_resources.dll",
        "plugins/readycheck_permissions.dll",
        "plugins/readycheck_apps.dll",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing from the zip");
    }
    assert_eq!(
        std::fs::read(dir.join("readycheck.toml")).unwrap(),
        std::fs::read(workspace().join("checks/default.toml")).unwrap()
    );
    // The test's own additions: the ProcessPrng shim Wine 8 lacks, a crashing plugin, and a
    // profile that needs no network (the shipped one probes the internet) in place of the
    // default one, found next to the exe like the shipped one.
    wine_shim(&dir);
    std::fs::copy(
        win.join("readycheck_misbehave.dll"),
        dir.join("plugins/readycheck_misbehave.dll"),
    )
    .unwrap();
    std::fs::write(
        dir.join("readycheck.toml"),
        r#"[profile]
name = "Windows zip under Wine"
timeout = "30s"

[[check]]
id = "memory"
plugin = "resources"
kind = "memory"
min_total = "64 MB"

[[check]]
id = "refused"
plugin = "network"
kind = "tcp"
target = "127.0.0.1:9"
timeout = "5s"

[[check]]
id = "absent-app"
plugin = "apps"
kind = "installed"
name = "Nothing Like This"

[[check]]
id = "env"
plugin = "permissions"
kind = "env"
name = "PATH"

[[check]]
id = "crash"
plugin = "misbehave"
kind = "segfault"
"#,
    )
    .unwrap();
    let w = Wine::new(&t.path().join("wineprefix"));
    let exe = Wine::path(&dir.join("readycheck.exe"));
    let out = w
        .cmd(&[&exe, "-f", "json", "--no-progress", "--no-save"])
        .output()
        .unwrap();
    let r = json(&out);
    assert_valid_report(&r);
    assert_eq!(r["host"]["os"], "windows");
    assert_eq!(r["profile"]["name"], "Windows zip under Wine");
    assert_eq!(check(&r, "memory")["status"], "pass", "{r:#}");
    assert_eq!(check(&r, "refused")["code"], "network.tcp.refused", "{r:#}");
    assert_eq!(
        check(&r, "absent-app")["code"],
        "apps.installed.missing",
        "{r:#}"
    );
    assert_ne!(check(&r, "env")["status"], "error", "{r:#}");
    assert_eq!(check(&r, "crash")["cause"], "crashed", "{r:#}");
    let loaded: Vec<&str> = r["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(loaded.len(), 5, "{loaded:?}"); // the four the profile uses and misbehave
    assert!(
        loaded.iter().all(|p| p.contains("\\plugins\\")),
        "{loaded:?}"
    );
    assert_eq!(out.status.code(), Some(2));
    // Those checks ran in readycheck-plugin-host.exe, beside readycheck.exe.
    let listed = json(&w.cmd(&[&exe, "plugins", "-f", "json"]).output().unwrap());
    assert!(
        listed["child"]
            .as_str()
            .is_some_and(|c| c.ends_with("\\readycheck-plugin-host.exe")),
        "{listed:#}"
    );

    // The Windows IT bundle: pins equal the DLLs' hashes; a tampered DLL is refused under Wine.
    let corp = t.path().join("corp.toml");
    std::fs::write(&corp, CORP).unwrap();
    let out_dir = t.path().join("bundle");
    must(
        xtask()
            .args(["bundle", "--os", "windows", "--profile"])
            .arg(&corp)
            .arg("--from")
            .arg(linux_build())
            .arg("--win-from")
            .arg(&win)
            .arg("-o")
            .arg(&out_dir),
    );
    let bzip = only_file(&out_dir, ".zip");
    assert!(bzip.ends_with("readycheck-corp-windows-x86_64.zip"));
    let bunpack = t.path().join("bunzip");
    unzip(&bzip, &bunpack);
    let bdir = bunpack.join("readycheck-corp-windows-x86_64");
    let profile = std::fs::read_to_string(bdir.join("readycheck.toml")).unwrap();
    for p in PLUGINS {
        let hash = sha256(&bdir.join("plugins").join(dll(p)));
        assert!(profile.contains(&format!("{p} = \"{hash}\"")), "{profile}");
    }
    wine_shim(&bdir);
    let run = || {
        w.cmd(&[
            &Wine::path(&bdir.join("readycheck.exe")),
            "-f",
            "json",
            "--no-progress",
            "--no-save",
        ])
        .output()
        .unwrap()
    };
    let r = json(&run());
    assert_eq!(r["profile"]["name"], "Corp back office");
    assert_eq!(check(&r, "memory")["status"], "pass", "{r:#}");
    append_a_byte(&bdir.join("plugins/readycheck_resources.dll"));
    let out = run();
    let r = json(&out);
    assert_eq!(check(&r, "memory")["cause"], "plugin_refused", "{r:#}");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn msi_tables_hold_every_file_in_its_place() {
    let Some(msis) = msis() else {
        return;
    };
    // The files the MSI was made from (msis() made it from this build).
    let win = win_build().expect("the Windows build the MSIs were made from");
    let msi = only_file(msis, "-x64.msi");
    let tables = stdout(&must(Command::new("msiinfo").arg("tables").arg(&msi)));
    for table in ["File", "Component", "Directory", "Feature", "Upgrade"] {
        assert!(
            tables.lines().any(|l| l == table),
            "{table} missing: {tables}"
        );
    }
    let export = |table: &str| {
        stdout(&must(
            Command::new("msiinfo").arg("export").arg(&msi).arg(table),
        ))
    };
    // File: FileKey, Component_, FileName, FileSize, ...
    let files = export("File");
    let mut expect: Vec<(String, u64)> = PLUGINS
        .iter()
        .map(|p| {
            let name = dll(p);
            let size = std::fs::metadata(win.join(&name)).unwrap().len();
            (name, size)
        })
        .collect();
    for exe in ["readycheck.exe", "readycheck-plugin-host.exe"] {
        expect.push((exe.into(), std::fs::metadata(win.join(exe)).unwrap().len()));
    }
    for (name, size) in &expect {
        let row = files
            .lines()
            .find(|l| {
                l.split('\t')
                    .nth(2)
                    .is_some_and(|n| n.ends_with(name.as_str()))
            })
            .unwrap_or_else(|| panic!("{name} not in the File table:\n{files}"));
        assert_eq!(
            row.split('\t').nth(3),
            Some(size.to_string().as_str()),
            "{row}"
        );
    }
    for name in ["readycheck.toml", "readycheck-task.xml"] {
        assert!(
            files.contains(name),
            "{name} not in the File table:\n{files}"
        );
    }
    // Directory: Directory, Directory_Parent, DefaultDir
    let dirs = export("Directory");
    let row = |id: &str| {
        dirs.lines()
            .find(|l| l.split('\t').next() == Some(id))
            .unwrap_or_else(|| panic!("{id} not in the Directory table:\n{dirs}"))
            .to_string()
    };
    assert!(row("INSTALLDIR").contains("ProgramFiles64Folder"));
    assert!(row("PLUGINDIR").contains("INSTALLDIR\tplugins"));
    assert!(row("CONFIGDIR").contains("CommonAppDataFolder"));
    // Component: every component is 64-bit (msidbComponentAttributes64bit = 0x100).
    let comps = export("Component");
    for id in ["Host", "PluginNetwork", "Profile"] {
        let row = comps
            .lines()
            .find(|l| l.starts_with(&format!("{id}\t")))
            .unwrap_or_else(|| panic!("{id} not in the Component table:\n{comps}"));
        let attrs: u32 = row.split('\t').nth(3).unwrap().parse().unwrap();
        assert_eq!(attrs & 0x100, 0x100, "{row}");
    }

    // Installed for real with Wine's msiexec: readycheck.exe in Program Files finds its plugins
    // there and the profile in ProgramData; the shipped task XML registers with schtasks; the
    // Windows side of `schedule` talks to Task Scheduler; uninstalling removes the files.
    let t = tempfile::tempdir().unwrap();
    let w = Wine::new(&t.path().join("wineprefix"));
    let msi_path = Wine::path(&msi);
    assert!(
        ok(&mut w.cmd(&["msiexec", "/i", &msi_path, "/qn"])),
        "msiexec /i"
    );
    w.restart();
    let c = w.prefix.join("drive_c");
    let pf = c.join("Program Files/readycheck");
    for f in [
        "readycheck.exe",
        "readycheck-plugin-host.exe",
        "readycheck-task.xml",
        "plugins/readycheck_network.dll",
        "plugins/readycheck_apps.dll",
    ] {
        assert!(pf.join(f).is_file(), "{f} not installed");
    }
    assert!(c.join("ProgramData/readycheck/readycheck.toml").is_file());
    wine_shim(&pf);
    let exe = r"C:\Program Files\readycheck\readycheck.exe";
    let out = w
        .cmd(&[
            exe,
            "--only",
            "os",
            "-f",
            "json",
            "--no-save",
            "--no-progress",
        ])
        .output()
        .unwrap();
    let r = json(&out);
    assert_valid_report(&r);
    assert_eq!(
        r["profile"]["name"], "Home office — basic readiness",
        "{r:#}"
    );
    assert_eq!(
        r["profile"]["source"],
        r"C:\ProgramData\readycheck\readycheck.toml"
    );
    let p = &r["plugins"][0]["path"];
    assert!(
        p.as_str()
            .unwrap()
            .starts_with(r"C:\Program Files\readycheck\plugins\"),
        "{p}"
    );
    assert_ne!(check(&r, "os")["status"], "error", "{r:#}");
    let task = r"C:\Program Files\readycheck\readycheck-task.xml";
    must(&mut w.cmd(&["schtasks", "/create", "/xml", task, "/tn", "rc-shipped"]));
    must(&mut w.cmd(&["schtasks", "/delete", "/tn", "rc-shipped", "/f"]));
    #[allow(clippy::print_stderr, reason = "a retried Wine hang is worth seeing")]
    let sched = |args: &[&str]| {
        let mut a = vec![exe, "schedule"];
        a.extend_from_slice(args);
        let out = w.cmd(&a).output().unwrap();
        if out.status.code() != Some(124) {
            return out;
        }
        // Wine's RPC service sometimes wedges (no CPU, no answer); readycheck's own 60 s limit
        // on schtasks cannot help when Wine itself stops. Once, with a fresh wineserver.
        eprintln!(
            "note: `readycheck {}` hung under Wine; retrying once",
            args.join(" ")
        );
        w.restart();
        w.cmd(&a).output().unwrap()
    };
    let out = sched(&["install", "--at", "07:15"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains(&format!("Daily run at 07:15: {exe} run")),
        "{}",
        stdout(&out)
    );
    let out = sched(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("installed, at 07:15"),
        "{}",
        stdout(&out)
    );
    let out = sched(&["remove"]);
    assert!(
        stdout(&out).contains(r"Task Scheduler task \readycheck"),
        "{}",
        stdout(&out)
    );
    // Gone from Task Scheduler: deleting it again fails.
    assert!(!ok(&mut w.cmd(&[
        "schtasks",
        "/delete",
        "/tn",
        "readycheck",
        "/f"
    ])));
    std::fs::remove_file(pf.join("bcryptprimitives.dll")).unwrap();
    assert!(
        ok(&mut w.cmd(&["msiexec", "/x", &msi_path, "/qn"])),
        "msiexec /x"
    );
    assert!(!pf.join("readycheck.exe").exists());
    assert!(!pf.join("plugins/readycheck_network.dll").exists());
}

/// The Simplified Chinese MSI: wixl builds it with the English strings, msibuild gives the
/// database code page 936 and puts the Chinese ones in. Read back with msiinfo (libmsi decodes
/// the string pool with the database's code page) and installed under Wine, whose msi.dll
/// decodes it as Windows does: the Start-menu entry is named 远程办公就绪检查.
#[test]
fn chinese_msi_names_its_start_menu_entry_in_chinese() {
    let Some(msis) = msis() else {
        return;
    };
    let msi = only_file(msis, "-x64.zh-CN.msi");
    let export = |msi: &Path, table: &str| {
        stdout(&must(
            Command::new("msiinfo").arg("export").arg(msi).arg(table),
        ))
    };
    assert!(
        export(&msi, "_ForceCodepage").contains("936\t_ForceCodepage"),
        "{}",
        export(&msi, "_ForceCodepage")
    );
    let shortcut = export(&msi, "Shortcut");
    assert!(
        shortcut.contains(
            "ProgramMenuFolder\trcheck|远程办公就绪检查\tStartMenu\t[INSTALLDIR]readycheck.exe\t\t检查这台电脑能否居家办公，并打开检查报告\t"
        ),
        "{shortcut}"
    );
    let props = export(&msi, "Property");
    for row in ["ProductLanguage\t2052", "ARPCONTACT\t你的 IT 服务台"] {
        assert!(props.lines().any(|l| l == row), "{row}: {props}");
    }
    // The rest is the English MSI's: the PATH entry msibuild adds, the files.
    assert!(export(&msi, "Environment").contains("PathEntry\t*=-PATH\t[~];[INSTALLDIR]\tHost"));
    assert!(export(&msi, "File").contains("readycheck_network.dll"));
    let info = stdout(&must(Command::new("msiinfo").arg("suminfo").arg(&msi)));
    assert!(info.lines().any(|l| l == "Template: x64;2052"), "{info}");
    // The English one beside it is untouched: no code page, English names.
    let en = only_file(msis, "-x64.msi");
    assert!(
        export(&en, "Shortcut").contains("rcheck|Remote-work readiness check\t"),
        "{}",
        export(&en, "Shortcut")
    );
    assert!(export(&en, "Property").contains("ProductLanguage\t1033"));

    // Installed with Wine's msiexec: the .lnk has the Chinese name, and its description came
    // through as UTF-16 text (a wrong code page would have garbled both).
    let t = tempfile::tempdir().unwrap();
    let w = Wine::new(&t.path().join("wineprefix"));
    let msi_path = Wine::path(&msi);
    assert!(
        ok(&mut w.cmd(&["msiexec", "/i", &msi_path, "/qn"])),
        "msiexec /i"
    );
    let found = must(
        Command::new("find")
            .arg(w.prefix.join("drive_c"))
            .args(["-name", "*.lnk", "-path", "*Start Menu*"])
            .arg("-newer")
            .arg(&msi),
    );
    let listing = stdout(&found);
    let links: Vec<&str> = listing.lines().collect();
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].ends_with("/远程办公就绪检查.lnk"), "{links:?}");
    let lnk = std::fs::read(links[0]).unwrap();
    let utf16: Vec<u8> = "检查这台电脑能否居家办公"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(
        lnk.windows(utf16.len()).any(|x| x == utf16.as_slice()),
        "the description is not in {}",
        links[0]
    );
    assert!(
        ok(&mut w.cmd(&["msiexec", "/x", &msi_path, "/qn"])),
        "msiexec /x"
    );
    assert!(
        !Path::new(links[0]).exists(),
        "the shortcut outlived the uninstall"
    );
}

#[test]
fn schedule_install_status_remove_for_the_current_user() {
    let env = Env::new();
    let cfg = env.dir.path().join("cfg");
    let profile = env.profile("desk.toml", CORP);
    #[allow(clippy::print_stderr, reason = "a retried Wine hang is worth seeing")]
    let sched = |args: &[&str]| {
        let mut c = env.cmd();
        c.arg("schedule")
            .args(args)
            .env("XDG_CONFIG_HOME", &cfg)
            // No user session bus here, and none must be found by accident.
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
            .env("XDG_RUNTIME_DIR", env.dir.path().join("no-runtime"));
        c.output().unwrap()
    };
    let unit_dir = cfg.join("systemd/user");

    // "Not installed" is an answer (exit 0); scripts read `installed` from -f json.
    let out = sched(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("not installed"));
    let out = sched(&["status", "-f", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["installed"], false, "{doc:#}");

    let out = sched(&["install", "--at", "25:00"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("HH:MM"), "{}", stderr(&out));
    assert!(!unit_dir.exists());

    // Without a user session, systemctl cannot take the timer: the files are written and the
    // user is told exactly what to run.
    let out = sched(&[
        "install",
        "--at",
        "06:30",
        "--spread",
        "10m",
        "-p",
        profile.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("systemctl --user enable --now readycheck.timer"),
        "{}",
        stderr(&out)
    );
    let service = std::fs::read_to_string(unit_dir.join("readycheck.service")).unwrap();
    let timer = std::fs::read_to_string(unit_dir.join("readycheck.timer")).unwrap();
    let exe = std::fs::canonicalize(bin()).unwrap();
    assert!(
        service.contains(&format!(
            "ExecStart={} run --no-progress --quiet --notify --profile {}",
            exe.display(),
            std::fs::canonicalize(&profile).unwrap().display()
        )),
        "{service}"
    );
    assert!(timer.contains("OnCalendar=*-*-* 06:30:00\nPersistent=true\nRandomizedDelaySec=600\n"));
    if have("systemd-analyze") {
        let o = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(unit_dir.join("readycheck.timer"))
            .arg(unit_dir.join("readycheck.service"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
        let o = must(Command::new("systemd-analyze").args(["calendar", "*-*-* 06:30:00"]));
        assert!(stdout(&o).contains("Next elapse:"), "{}", stdout(&o));
    } else {
        skip_note("systemd-analyze is not installed; the units are not verified");
    }

    // What the scheduled job runs works: a run saves a report, which status then shows.
    let run = Command::new(&exe)
        .args(["run", "--no-progress", "--quiet", "--profile"])
        .arg(&profile)
        .env("READYCHECK_DATA_DIR", &env.data)
        .env_remove("READYCHECK_PLUGIN_PATH")
        .output()
        .unwrap();
    assert!(matches!(run.status.code(), Some(0..=2)), "{}", stderr(&run));
    let out = sched(&["status"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("installed, at 06:30"), "{text}");
    assert!(text.contains("could not be asked"), "{text}");
    assert!(
        text.contains("Last report: ") && text.contains(".json"),
        "{text}"
    );

    let out = sched(&["remove"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!unit_dir.join("readycheck.timer").exists());
    assert!(!unit_dir.join("readycheck.service").exists());
    let out = sched(&["remove"]);
    assert!(stdout(&out).contains("No daily run was installed"));

    let out = sched(&["install", "--no-enable"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("To activate: systemctl --user enable --now readycheck.timer"));
}

#[test]
fn task_xml_and_launchd_plist_parse() {
    if !have("python3") {
        skip_note("python3 is needed for its XML and plist parsers");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    must(xtask().args(["units", "--at", "05:45", "-o"]).arg(t.path()));
    let py = r#"
import plistlib, sys, xml.etree.ElementTree as ET
ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
raw = open(sys.argv[1], "rb").read()
assert raw[:2] == b"\xff\xfe", "no UTF-16 BOM"
task = ET.fromstring(raw.decode("utf-16"))
assert task.tag == "{%s}Task" % ns["t"], task.tag
print(task.find("t:Triggers/t:CalendarTrigger/t:StartBoundary", ns).text)
print(task.find("t:Triggers/t:CalendarTrigger/t:ScheduleByDay/t:DaysInterval", ns).text)
print(task.find("t:Settings/t:StartWhenAvailable", ns).text)
print(task.find("t:Principals/t:Principal/t:RunLevel", ns).text)
print(task.find("t:Actions/t:Exec/t:Command", ns).text)
print(task.find("t:Actions/t:Exec/t:Arguments", ns).text)
p = plistlib.load(open(sys.argv[2], "rb"))
print(p["Label"], p["StartCalendarInterval"]["Hour"], p["StartCalendarInterval"]["Minute"])
print(" ".join(p["ProgramArguments"]))
"#;
    let out = must(
        Command::new("python3")
            .args(["-c", py])
            .arg(t.path().join("windows/readycheck-task.xml"))
            .arg(t.path().join("macos/com.readycheck.daily.plist")),
    );
    let lines: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(
        lines,
        [
            "2026-01-01T05:45:00",
            "1",
            "true",
            "LeastPrivilege",
            r"C:\Program Files\readycheck\readycheckw.exe",
            "run --no-progress --quiet --notify",
            "com.readycheck.daily 5 45",
            "/usr/local/bin/readycheck run --no-progress --quiet --notify",
        ]
    );
    let timer = std::fs::read_to_string(t.path().join("linux/readycheck.timer")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 05:45:00"), "{timer}");
}
