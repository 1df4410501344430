//! Where every file goes in the packages no packaging tool builds from metadata, and those
//! packages themselves: a staging tree per format, handed to `wixl` or written as an archive
//! (the .deb and the .rpm come from metadata, see `packages.rs`); and the generated pieces every
//! package ships: man pages, completions, scheduled-run units.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use clap::CommandFactory;

use readycheck::schedule::{self, At, Plan};

use crate::archive;

/// The plugins every package ships.
pub const PLUGINS: [&str; 5] = ["network", "resources", "permissions", "apps", "posture"];

const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    Windows,
    Macos,
}

impl Os {
    fn name(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Windows => "windows",
            Os::Macos => "macos",
        }
    }

    fn exe(self) -> &'static str {
        if self == Os::Windows {
            "readycheck.exe"
        } else {
            "readycheck"
        }
    }

    /// The program each plugin call starts.
    pub fn plugin_host(self) -> String {
        let helper = readycheck::plugin::isolate::HELPER;
        if self == Os::Windows {
            format!("{helper}.exe")
        } else {
            helper.to_string()
        }
    }

    fn plugin_file(self, name: &str) -> String {
        readycheck::plugin::discovery::file_name_for(self.name(), name)
    }
}

/// A build: the directory cargo wrote the host and the plugins to.
#[derive(Debug)]
pub struct Artifacts {
    pub dir: PathBuf,
    pub os: Os,
}

impl Artifacts {
    /// Checks that the host and every plugin are there.
    pub fn find(dir: &Path, os: Os) -> Result<Artifacts> {
        let art = Artifacts {
            dir: dir.to_path_buf(),
            os,
        };
        let mut missing: Vec<String> = Vec::new();
        if !art.host().is_file() {
            missing.push(os.exe().into());
        }
        if !art.plugin_host().is_file() {
            missing.push(os.plugin_host());
        }
        if let Some(w) = art.windowless().filter(|w| !w.is_file()) {
            missing.push(w.file_name().unwrap_or_default().to_string_lossy().into());
        }
        for (_, p) in art.plugins() {
            if !p.is_file() {
                missing.push(p.file_name().unwrap_or_default().to_string_lossy().into());
            }
        }
        if !missing.is_empty() {
            bail!(
                "{} has no {} — build the workspace for {} first (cargo build --release)",
                dir.display(),
                missing.join(", "),
                os.name()
            );
        }
        Ok(art)
    }

    pub fn host(&self) -> PathBuf {
        self.dir.join(self.os.exe())
    }

    /// `readycheck-plugin-host`, the program each plugin call starts (it goes beside the host,
    /// or in /usr/lib/readycheck/ for the Linux packages).
    pub fn plugin_host(&self) -> PathBuf {
        self.dir.join(self.os.plugin_host())
    }

    /// `readycheckw.exe`, the window-less launcher of the daily task (Windows only).
    pub fn windowless(&self) -> Option<PathBuf> {
        (self.os == Os::Windows).then(|| self.dir.join("readycheckw.exe"))
    }

    pub fn plugins(&self) -> Vec<(String, PathBuf)> {
        PLUGINS
            .iter()
            .map(|n| (n.to_string(), self.dir.join(self.os.plugin_file(n))))
            .collect()
    }
}

/// A fresh, empty staging directory under `out`.
pub(crate) fn stage(out: &Path, name: &str) -> Result<PathBuf> {
    let dir = out.join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    mkdir(&dir)?;
    Ok(dir)
}

/// `create_dir_all` with every directory 0755 whatever the umask: plugin directories that are
/// group- or world-writable are refused by the host.
fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    chmod(dir, 0o755)
}

fn chmod(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("chmod {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Writes `bytes` to `root/rel` with `mode`, creating parents 0755.
pub(crate) fn put(root: &Path, rel: &str, bytes: &[u8], mode: u32) -> Result<PathBuf> {
    let path = root.join(rel);
    if !root.is_dir() {
        mkdir(root)?;
    }
    if let Some(parent) = path.parent() {
        let mut p = root.to_path_buf();
        for c in parent.strip_prefix(root).unwrap_or(parent).components() {
            p.push(c);
            mkdir(&p)?;
        }
    }
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    chmod(&path, mode)?;
    Ok(path)
}

fn put_file(root: &Path, rel: &str, src: &Path, mode: u32) -> Result<PathBuf> {
    let bytes = std::fs::read(src).with_context(|| format!("reading {}", src.display()))?;
    put(root, rel, &bytes, mode)
}

fn default_profile() -> Result<Vec<u8>> {
    let p = crate::workspace().join("checks/default.toml");
    std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
}

fn readme() -> Result<Vec<u8>> {
    let p = crate::workspace().join("README.md");
    std::fs::read(&p).with_context(|| format!("reading {}", p.display()))
}

/// Man pages rendered from the CLI definition: `readycheck.1` and one per subcommand at every
/// depth (`readycheck-schedule-install.1`), as the SUBCOMMANDS sections refer to them.
pub fn man_pages(out: &Path) -> Result<Vec<PathBuf>> {
    fn render(cmd: clap::Command, name: &str, out: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            let sub_name = format!("{name}-{}", sub.get_name());
            let bin = format!("{} {}", name.replace('-', " "), sub.get_name());
            let sub = sub
                .clone()
                .name(sub_name.clone())
                .version(VERSION)
                .bin_name(bin);
            render(sub, &sub_name, out, files)?;
        }
        let mut buf = Vec::new();
        clap_mangen::Man::new(cmd).render(&mut buf)?;
        let path = out.join(format!("{name}.1"));
        std::fs::write(&path, buf).with_context(|| format!("writing {}", path.display()))?;
        files.push(path);
        Ok(())
    }
    mkdir(out)?;
    let mut files = Vec::new();
    render(
        readycheck::cli::Cli::command(),
        "readycheck",
        out,
        &mut files,
    )?;
    Ok(files)
}

/// Completion scripts from the CLI definition.
pub fn completions(out: &Path) -> Result<Vec<PathBuf>> {
    use clap_complete::Shell;
    mkdir(out)?;
    let mut files = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell] {
        let mut cmd = readycheck::cli::Cli::command();
        files.push(clap_complete::generate_to(
            shell,
            &mut cmd,
            "readycheck",
            out,
        )?);
    }
    Ok(files)
}

/// The scheduled-run units for an installed `exe` on `os`, into `out/<os>/`.
pub fn units(os: Os, exe: &Path, at: At, out: &Path) -> Result<Vec<PathBuf>> {
    let dir = out.join(os.name());
    let plan = Plan {
        exe: exe.to_path_buf(),
        profile: None,
        at,
        spread_secs: 0,
    };
    Ok(match os {
        Os::Linux => vec![
            put(
                &dir,
                "readycheck.service",
                schedule::systemd_service(&plan).as_bytes(),
                0o644,
            )?,
            put(
                &dir,
                "readycheck.timer",
                schedule::systemd_timer(&plan).as_bytes(),
                0o644,
            )?,
        ],
        Os::Windows => vec![put(
            &dir,
            "readycheck-task.xml",
            &schedule::utf16_bom(&schedule::task_xml(&plan)),
            0o644,
        )?],
        Os::Macos => vec![put(
            &dir,
            &format!("{}.plist", schedule::LAUNCHD_LABEL),
            schedule::launchd_plist(&plan).as_bytes(),
            0o644,
        )?],
    })
}

/// Runs a packaging tool; its output becomes the error when it fails.
pub(crate) fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("running {what} (is it installed?)"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// `readycheck-<version>-linux-x86_64.tar.gz`: unpack anywhere and run; the plugins sit in
/// `plugins/` next to the binary.
pub fn tarball(art: &Artifacts, out: &Path) -> Result<PathBuf> {
    let name = format!("readycheck-{VERSION}-linux-x86_64");
    let root = stage(out, &format!(".stage-{name}"))?;
    let dir = root.join(&name);
    portable(art, &dir)?;
    let tmp = root.join(".gen");
    for page in man_pages(&tmp)? {
        put_file(
            &dir,
            &format!(
                "man/{}",
                page.file_name().unwrap_or_default().to_string_lossy()
            ),
            &page,
            0o644,
        )?;
    }
    for f in completions(&tmp)? {
        put_file(
            &dir,
            &format!(
                "completions/{}",
                f.file_name().unwrap_or_default().to_string_lossy()
            ),
            &f,
            0o644,
        )?;
    }
    put(&dir, "README.md", &readme()?, 0o644)?;
    let file = out.join(format!("{name}.tar.gz"));
    archive::tar_gz(&dir, &name, &file)?;
    std::fs::remove_dir_all(&root)?;
    Ok(file)
}

/// The host and `plugins/` in `dir`.
fn portable(art: &Artifacts, dir: &Path) -> Result<()> {
    put_file(dir, art.os.exe(), &art.host(), 0o755)?;
    put_file(dir, &art.os.plugin_host(), &art.plugin_host(), 0o755)?;
    if let Some(w) = art.windowless() {
        put_file(dir, "readycheckw.exe", &w, 0o755)?;
    }
    for (_, p) in art.plugins() {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        put_file(dir, &format!("plugins/{name}"), &p, 0o644)?;
    }
    Ok(())
}

fn crlf(text: &str) -> Vec<u8> {
    text.replace("\r\n", "\n")
        .replace('\n', "\r\n")
        .into_bytes()
}

const WINDOWS_README: &str = "readycheck — is this PC ready for working from home?
readycheck — 这台电脑可以居家办公吗？

1. Unzip the whole folder first (right-click the zip file → Extract All).
   请先解压整个文件夹（右键单击 zip 文件 → 全部解压缩）。
2. Double-click readycheck.exe in the unzipped folder. It checks this PC, opens the report in
   your browser and waits until you press Enter.
   双击解压后文件夹中的 readycheck.exe。它会检查这台电脑，在浏览器中打开报告，按回车键关闭窗口。
3. If the report says you are not ready, send it to your IT helpdesk as the report says.
   如果报告显示未就绪，请按报告上的说明把它发给 IT 服务台。

In a terminal:

    readycheck.exe                 run the checks of readycheck.toml (next to the program)
    readycheck.exe --open          and open the report in the browser
    readycheck.exe schedule install --at 06:00
                                   run it every morning by itself (Task Scheduler, no window;
                                   a notification when this PC is not ready)

The plugins in plugins\\ are loaded one at a time in their own processes. Reports are saved in
%LOCALAPPDATA%\\readycheck\\reports.
";

/// `readycheck-<version>-windows-x86_64.zip`: readycheck.exe, plugins\*.dll and the default
/// profile as readycheck.toml next to the exe.
pub fn win_zip(art: &Artifacts, out: &Path) -> Result<PathBuf> {
    let name = format!("readycheck-{VERSION}-windows-x86_64");
    let root = stage(out, &format!(".stage-{name}"))?;
    let dir = root.join(&name);
    portable(art, &dir)?;
    put(&dir, "readycheck.toml", &default_profile()?, 0o644)?;
    put(&dir, "README.txt", &crlf(WINDOWS_README), 0o644)?;
    let tmp = root.join(".gen");
    for f in completions(&tmp)? {
        if f.extension().is_some_and(|e| e == "ps1") {
            put_file(&dir, "completions/_readycheck.ps1", &f, 0o644)?;
        }
    }
    let file = out.join(format!("{name}.zip"));
    archive::zip(&dir, &name, &file)?;
    std::fs::remove_dir_all(&root)?;
    Ok(file)
}

/// One language `cargo xtask msi` builds the MSI in.
struct MsiLanguage {
    /// Inserted before `.msi` in the file name ("" for English).
    suffix: &'static str,
    /// Windows language id (ProductLanguage, the summary's template).
    lang: &'static str,
    /// ANSI code page the database's strings are stored in.
    codepage: &'static str,
    /// The Start-menu entry's name and description.
    name: &'static str,
    description: &'static str,
    /// Who to ask, as Apps & Features shows it (IT rebuilds with its own helpdesk).
    contact: &'static str,
}

/// The languages `cargo xtask msi` builds the MSI in; the first is English. wixl 0.101 cannot
/// write non-ASCII strings (its database has no code page), so every MSI is built by wixl with
/// the English strings and the others are put in afterwards with msibuild: see
/// [`translate_msi`].
const MSI_LANGUAGES: [MsiLanguage; 2] = [
    MsiLanguage {
        suffix: "",
        lang: "1033",
        codepage: "1252",
        name: "Remote-work readiness check",
        description: "Checks whether this PC is ready for working from home and opens the report",
        contact: "your IT helpdesk",
    },
    MsiLanguage {
        suffix: ".zh-CN",
        lang: "2052",
        codepage: "936",
        name: "远程办公就绪检查",
        description: "检查这台电脑能否居家办公，并打开检查报告",
        contact: "你的 IT 服务台",
    },
];

/// The help link Apps & Features shows for the MSI (IT rebuilds with its own helpdesk page).
const MSI_HELP_LINK: &str = "https://example.invalid/readycheck";

/// `readycheck-<version>-x64.msi` and `readycheck-<version>-x64.zh-CN.msi`, in that order:
/// readycheck.exe, readycheck-plugin-host.exe, readycheckw.exe and plugins\ in Program
/// Files\readycheck (on the PATH), a
/// Start-menu entry in the installer's language, the default profile in ProgramData\readycheck,
/// and the Task Scheduler XML for IT to register.
pub fn msi(art: &Artifacts, out: &Path) -> Result<Vec<PathBuf>> {
    MSI_LANGUAGES.iter().map(|l| msi_in(art, out, l)).collect()
}

fn msi_in(art: &Artifacts, out: &Path, l: &MsiLanguage) -> Result<PathBuf> {
    let suffix = l.suffix;
    let root = stage(out, &format!(".stage-msi{suffix}"))?;
    put_file(&root, "readycheck.exe", &art.host(), 0o644)?;
    put_file(&root, &art.os.plugin_host(), &art.plugin_host(), 0o644)?;
    if let Some(w) = art.windowless() {
        put_file(&root, "readycheckw.exe", &w, 0o644)?;
    }
    put_file(
        &root,
        "readycheck.ico",
        &crate::workspace().join("packaging/windows/readycheck.ico"),
        0o644,
    )?;
    for (_, p) in art.plugins() {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        put_file(&root, &name, &p, 0o644)?;
    }
    put(
        &root,
        "readycheck.toml",
        &crlf(&String::from_utf8(default_profile()?)?),
        0o644,
    )?;
    units(
        Os::Windows,
        Path::new(r"C:\Program Files\readycheck\readycheck.exe"),
        At::default(),
        &root,
    )?;
    std::fs::rename(
        root.join("windows/readycheck-task.xml"),
        root.join("readycheck-task.xml"),
    )?;
    let file = out.join(format!("readycheck-{VERSION}-x64{suffix}.msi"));
    // wixl resolves File sources relative to where it runs.
    let wxs = crate::workspace().join("packaging/windows/readycheck.wxs");
    let define = |k: &str, v: &str| format!("{k}={v}");
    let en = &MSI_LANGUAGES[0];
    run(
        Command::new("wixl")
            .current_dir(&root)
            .args(["-a", "x64"])
            .args(["-D", &define("Version", VERSION)])
            .args(["-D", "SourceDir=."])
            .args(["-D", &define("Language", l.lang)])
            .args(["-D", &define("Codepage", l.codepage)])
            .args(["-D", &define("ShortcutName", en.name)])
            .args(["-D", &define("ShortcutDescription", en.description)])
            .args(["-D", &define("HelpLink", MSI_HELP_LINK)])
            .args(["-D", &define("Contact", en.contact)])
            .arg("-o")
            .arg(&file)
            .arg(&wxs),
        "wixl (apt-get install wixl)",
    )?;
    add_to_path(&root, &file)?;
    if l.suffix != en.suffix {
        translate_msi(&root, &file, l)?;
    }
    std::fs::remove_dir_all(&root)?;
    Ok(file)
}

/// Puts the language's strings into an MSI wixl built with the English ones: the database gets
/// the language's code page (a `_ForceCodepage` table imported with msibuild; wixl leaves it at
/// 0, and libmsi cannot store a non-ASCII string then), after which msibuild's SQL stores UTF-8
/// text in that code page — the Start-menu shortcut's name and description, and ARPCONTACT.
/// The summary gets the language in its template (wixl writes 1033 whatever `Languages` says);
/// its Subject stays English: libmsi writes summary strings as UTF-8 bytes under the summary's
/// code page 1252, which Windows would show garbled.
fn translate_msi(stage: &Path, msi: &Path, l: &MsiLanguage) -> Result<()> {
    for s in [l.name, l.description, l.contact] {
        ensure!(!s.contains('\''), "a quote in the MSI string {s:?}");
    }
    let idt = format!("\r\n\r\n{}\t_ForceCodepage\r\n", l.codepage);
    let file = put(stage, "_ForceCodepage.idt", idt.as_bytes(), 0o644)?;
    run(
        Command::new("msibuild").arg(msi).arg("-i").arg(&file),
        "msibuild (apt-get install msitools)",
    )?;
    for query in [
        format!(
            "UPDATE `Shortcut` SET `Name` = 'rcheck|{}', `Description` = '{}' \
             WHERE `Shortcut` = 'CheckShortcut'",
            l.name, l.description
        ),
        format!(
            "UPDATE `Property` SET `Value` = '{}' WHERE `Property` = 'ARPCONTACT'",
            l.contact
        ),
    ] {
        run(
            Command::new("msibuild").arg(msi).arg("-q").arg(&query),
            "msibuild",
        )?;
    }
    // -s subject author template: the revision UUID is kept.
    run(
        Command::new("msibuild")
            .arg(msi)
            .arg("-s")
            .arg(MSI_LANGUAGES[0].name)
            .arg("readycheck")
            .arg(format!("x64;{}", l.lang)),
        "msibuild",
    )?;
    Ok(())
}

/// Adds the install folder to the system PATH: an `Environment` row (`*=-PATH` = set on
/// install, removed on uninstall, system-wide; value `[~];[INSTALLDIR]` = appended) for the
/// Host component, and the two standard actions that write and remove it — imported with
/// msibuild, as wixl 0.101 has no `<Environment>` element.
fn add_to_path(stage: &Path, msi: &Path) -> Result<()> {
    let idt = "Environment\tName\tValue\tComponent_\r\n\
               s72\tl255\tL255\ts72\r\n\
               Environment\tEnvironment\r\n\
               PathEntry\t*=-PATH\t[~];[INSTALLDIR]\tHost\r\n";
    let file = put(stage, "Environment.idt", idt.as_bytes(), 0o644)?;
    run(
        Command::new("msibuild").arg(msi).arg("-i").arg(&file),
        "msibuild (apt-get install msitools)",
    )?;
    run(
        Command::new("msibuild").arg(msi).arg("-q").arg(
            "INSERT INTO `InstallExecuteSequence` (`Action`, `Sequence`) \
             VALUES ('WriteEnvironmentStrings', 5200)",
        ),
        "msibuild",
    )?;
    run(
        Command::new("msibuild").arg(msi).arg("-q").arg(
            "INSERT INTO `InstallExecuteSequence` (`Action`, `Sequence`) \
             VALUES ('RemoveEnvironmentStrings', 3300)",
        ),
        "msibuild",
    )?;
    Ok(())
}

/// `profile` with `[plugins] sha256` set to these pins, everything else (comments included) as
/// IT wrote it.
pub fn pin_profile(text: &str, pins: &[(String, String)]) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().context("the profile is not valid TOML")?;
    let plugins = doc
        .entry("plugins")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .context("[plugins] in the profile is not a table")?;
    let mut table = toml_edit::InlineTable::new();
    for (name, hex) in pins {
        table.insert(name, hex.as_str().into());
    }
    plugins.insert(
        "sha256",
        toml_edit::Item::Value(toml_edit::Value::InlineTable(table)),
    );
    Ok(doc.to_string())
}

fn bundle_readme(os: Os, profile_name: &str) -> String {
    let (exe, sched, launcher) = if os == Os::Windows {
        ("readycheck.exe", "Task Scheduler", "readycheck.exe")
    } else {
        (
            "./readycheck",
            "a systemd user timer",
            "\"Check readiness.sh\"",
        )
    };
    format!(
        "readycheck — {profile_name}

Unpack the whole folder anywhere (on Windows: right-click the zip → Extract All), then
double-click {launcher}: it checks this PC, opens the report in the browser and waits for
Enter. It reads readycheck.toml (next to it) and loads the plugins in plugins/, whose sha256
are pinned in readycheck.toml: a changed plugin is refused.

    {exe}                                  run the checks
    {exe} --open                           and open the report in the browser
    {exe} schedule install --at 06:00      run it every morning by itself ({sched})
    {exe} schedule status                  is it scheduled, and the last report
"
    )
}

/// An IT bundle for `art.os`: `readycheck-<profile>-<os>-x86_64.tar.gz` (Linux) or `.zip`
/// (Windows) with the host, the plugins and the pinned profile as `readycheck.toml`.
/// IT's secret key, to sign a bundle's profile with and pin beside it.
pub struct Signer {
    secret: String,
    password: readycheck::signing::Password,
    expires: String,
}

impl Signer {
    /// Reads the secret key; its password comes from `READYCHECK_KEY_PASSWORD`.
    pub fn read(key: &Path, expires: Option<&str>) -> Result<Signer> {
        let secret = std::fs::read_to_string(key)
            .with_context(|| format!("reading the secret key {}", key.display()))?;
        let password = match std::env::var("READYCHECK_KEY_PASSWORD") {
            Ok(p) if !p.is_empty() => readycheck::signing::Password::Given(p),
            _ => readycheck::signing::Password::None,
        };
        let expires = match expires {
            Some(d) if readycheck::signing::parse_date(d).is_some() => d.to_string(),
            Some(d) => bail!("--expires {d} is not a date such as 2027-01-31"),
            None => readycheck::signing::expiry_in(365)
                .format("%Y-%m-%d")
                .to_string(),
        };
        Ok(Signer {
            secret,
            password,
            expires,
        })
    }

    /// The profile's `.minisig` for exactly `text`, the public key's file and its id.
    fn sign(&self, text: &str) -> Result<(String, String, String)> {
        use readycheck::signing;
        let profile =
            readycheck::profile::Profile::parse(text, readycheck::profile::Source::Embedded)
                .map_err(|e| anyhow::anyhow!("the bundled profile: {}", e))?;
        let expires = signing::parse_date(&self.expires).context("the expiry")?;
        let (sig, v) = signing::sign(text, &profile, &self.secret, self.password.clone(), expires)
            .map_err(|e| anyhow::anyhow!("signing the bundled profile: {e}"))?;
        let (public, id) = signing::public_key_of(&self.secret, self.password.clone())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        debug_assert_eq!(id, v.key_id);
        Ok((sig, public, id))
    }
}

pub fn bundle(
    art: &Artifacts,
    profile: &Path,
    out: &Path,
    signer: Option<&Signer>,
) -> Result<PathBuf> {
    let text = std::fs::read_to_string(profile)
        .with_context(|| format!("reading {}", profile.display()))?;
    let stem: String = profile
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = format!("readycheck-{stem}-{}-x86_64", art.os.name());
    let root = stage(out, &format!(".stage-{name}"))?;
    let dir = root.join(&name);
    portable(art, &dir)?;
    let mut pins = Vec::new();
    for (plugin, p) in art.plugins() {
        // The same hash the host computes when it checks the pin.
        let hash = readycheck::plugin::discovery::file_sha256(&p)
            .with_context(|| format!("hashing {}", p.display()))?;
        pins.push((plugin, hash));
    }
    let pinned = pin_profile(&text, &pins)?;
    let profile_name = pinned
        .parse::<toml_edit::DocumentMut>()
        .ok()
        .and_then(|d| d["profile"]["name"].as_str().map(String::from))
        .unwrap_or_else(|| stem.clone());
    let readme = bundle_readme(art.os, &profile_name);
    // The bundle says that it ships a profile: should readycheck.toml go missing, the host
    // says so instead of running its built-in default.
    let marker = format!(
        "This folder is an IT bundle of readycheck for: {profile_name}\n\
         readycheck runs readycheck.toml, next to the program; without it, it stops and says so.\n"
    );
    // Signed, when IT gave its key: the exact bytes shipped (CRLF on Windows) are what is
    // signed, and the public key goes into keys/ next to the program, which pins it.
    if let Some(signer) = signer {
        let shipped = if art.os == Os::Windows {
            String::from_utf8(crlf(&pinned)).context("the profile is UTF-8")?
        } else {
            pinned.clone()
        };
        let (sig, public, id) = signer.sign(&shipped)?;
        put(&dir, "readycheck.toml.minisig", sig.as_bytes(), 0o644)?;
        put(&dir, &format!("keys/{id}.pub"), public.as_bytes(), 0o644)?;
    }
    if art.os == Os::Windows {
        put(&dir, "readycheck.toml", &crlf(&pinned), 0o644)?;
        put(&dir, "README.txt", &crlf(&readme), 0o644)?;
        put(
            &dir,
            readycheck::profile::BUNDLE_MARKER,
            &crlf(&marker),
            0o644,
        )?;
    } else {
        put(&dir, "readycheck.toml", pinned.as_bytes(), 0o644)?;
        put(&dir, "README.txt", readme.as_bytes(), 0o644)?;
        put(
            &dir,
            readycheck::profile::BUNDLE_MARKER,
            marker.as_bytes(),
            0o644,
        )?;
        // A clickable launcher for file managers: runs the check in a terminal, opens the
        // report and waits for Enter.
        put(
            &dir,
            "Check readiness.sh",
            b"#!/bin/sh\n# Runs the check of this folder's profile, opens the report, waits for Enter.\ncd \"$(dirname \"$0\")\" && exec ./readycheck --launched\n",
            0o755,
        )?;
    }
    let file = if art.os == Os::Windows {
        let f = out.join(format!("{name}.zip"));
        archive::zip(&dir, &name, &f)?;
        f
    } else {
        let f = out.join(format!("{name}.tar.gz"));
        archive::tar_gz(&dir, &name, &f)?;
        f
    };
    std::fs::remove_dir_all(&root)?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_are_added_and_comments_kept() {
        let text = "# IT's profile\n[profile]\nname = \"Desk\" # the role\n\n[plugins]\ndirs = [\"extra\"]\nsha256 = { network = \"old\" }\n\n[[check]]\nid = \"a\"\n";
        let out = pin_profile(
            text,
            &[
                ("network".into(), "aa".repeat(32)),
                ("apps".into(), "bb".repeat(32)),
            ],
        )
        .unwrap();
        assert!(out.starts_with("# IT's profile\n"), "{out}");
        assert!(out.contains("name = \"Desk\" # the role"), "{out}");
        assert!(out.contains("dirs = [\"extra\"]"), "{out}");
        assert!(!out.contains("\"old\""), "{out}");
        let doc: toml_edit::DocumentMut = out.parse().unwrap();
        assert_eq!(
            doc["plugins"]["sha256"]["apps"].as_str(),
            Some(&*"bb".repeat(32))
        );
        let fresh =
            pin_profile("[profile]\nname = \"x\"\n", &[("apps".into(), "cc".into())]).unwrap();
        assert!(fresh.contains("[plugins]"), "{fresh}");
    }
}
