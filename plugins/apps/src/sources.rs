//! Where an application's presence and version are read: a command's output (stdout and stderr,
//! with a timeout), Linux packages (dpkg, rpm, flatpak, snap), macOS app bundles (Info.plist, XML
//! or binary), Windows Uninstall registry keys (HKLM and HKCU, 64- and 32-bit views) and an
//! `.exe`'s version resource. Each answers "found, with this version (if known)", "not here",
//! or "cannot tell here" with the reason.

use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

/// One place to look; exactly one key is set.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// A command and its arguments, e.g. ["ssh", "-V"]; stdout and stderr are both read.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// With `command`: a regex whose first group is the version (default: the first version-like text).
    #[serde(default)]
    pub regex: Option<String>,
    /// A Debian package name (dpkg-query).
    #[serde(default)]
    pub dpkg: Option<String>,
    /// An RPM package name (rpm -q).
    #[serde(default)]
    pub rpm: Option<String>,
    /// A flatpak application id.
    #[serde(default)]
    pub flatpak: Option<String>,
    /// A snap name.
    #[serde(default)]
    pub snap: Option<String>,
    /// A macOS app bundle, e.g. "/Applications/zoom.us.app".
    #[serde(default)]
    pub bundle: Option<String>,
    /// Windows: a regex matched against DisplayName in the Uninstall registry keys.
    #[serde(default)]
    pub registry: Option<String>,
    /// Windows: an .exe or .dll whose version resource is read.
    #[serde(default)]
    pub exe: Option<String>,
}

/// What one source found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Installed; the version if the source tells it.
    Yes {
        version: Option<String>,
        debian: bool,
        evidence: String,
    },
    /// Not installed according to this source.
    No { evidence: String },
    /// This source cannot answer here (tool missing, wrong OS).
    Unavailable { evidence: String },
}

pub use readycheck_sdk::command::run_command;

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

impl Source {
    /// A short description for evidence.
    pub fn describe(&self) -> String {
        if let Some(c) = &self.command {
            return format!("command `{}`", c.join(" "));
        }
        for (k, v) in [
            ("dpkg", &self.dpkg),
            ("rpm", &self.rpm),
            ("flatpak", &self.flatpak),
            ("snap", &self.snap),
            ("bundle", &self.bundle),
            ("registry", &self.registry),
            ("exe", &self.exe),
        ] {
            if let Some(v) = v {
                return format!("{k} {v}");
            }
        }
        "empty source".into()
    }

    /// Looks.
    pub fn probe(&self, timeout: Duration) -> Found {
        if let Some(argv) = &self.command {
            return match run_command(argv, timeout) {
                Err(e)
                    if e.contains("No such file")
                        || e.contains("not found")
                        || e.contains("cannot find") =>
                {
                    Found::No {
                        evidence: format!("{}: not found", argv[0]),
                    }
                }
                Err(e) => Found::Unavailable { evidence: e },
                Ok((false, text)) => Found::Yes {
                    version: None,
                    debian: false,
                    evidence: format!(
                        "`{}` exited with a failure status, so its output is not read as a version: \"{}\"",
                        argv.join(" "),
                        first_line(&text)
                    ),
                },
                Ok((true, text)) => {
                    let read = match &self.regex {
                        Some(r) => regex::Regex::new(r)
                            .ok()
                            .and_then(|re| re.captures(&text))
                            .and_then(|c| {
                                let m = c.get(1)?;
                                Some((m.as_str().to_string(), line_of(&text, m.start())))
                            }),
                        None => crate::version::extract_with_line(&text, &argv[0]),
                    };
                    match read {
                        Some((version, line)) => Found::Yes {
                            evidence: format!(
                                "`{}` printed \"{line}\" → version {version}",
                                argv.join(" ")
                            ),
                            version: Some(version),
                            debian: false,
                        },
                        None => Found::Yes {
                            evidence: format!(
                                "`{}` printed \"{}\" (no version in it)",
                                argv.join(" "),
                                first_line(&text)
                            ),
                            version: None,
                            debian: false,
                        },
                    }
                }
            };
        }
        if let Some(pkg) = &self.dpkg {
            let argv = [
                "dpkg-query",
                "-W",
                "-f=${binary:Package}\t${db:Status-Want}\t${db:Status-Status}\t${Version}\n",
                pkg.as_str(),
            ]
            .map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("dpkg-query: {e}"),
                },
                Ok((_, text)) => dpkg_found(pkg, &text),
            };
        }
        if let Some(pkg) = &self.rpm {
            let argv = [
                "rpm",
                "-q",
                "--qf",
                "%{EPOCH}:%{VERSION}-%{RELEASE}\n",
                pkg.as_str(),
            ]
            .map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("rpm: {e}"),
                },
                Ok((ok, text)) => rpm_found(pkg, ok, &text),
            };
        }
        if let Some(app) = &self.flatpak {
            let argv = ["flatpak", "info", app.as_str()].map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("flatpak: {e}"),
                },
                Ok((true, text)) => {
                    let v = text
                        .lines()
                        .find_map(|l| l.trim().strip_prefix("Version:"))
                        .map(|v| v.trim().to_string());
                    Found::Yes {
                        evidence: format!("flatpak info {app}"),
                        version: v,
                        debian: false,
                    }
                }
                Ok((false, _)) => Found::No {
                    evidence: format!("flatpak: {app} is not installed"),
                },
            };
        }
        if let Some(name) = &self.snap {
            let argv = ["snap", "list", name.as_str()].map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("snap: {e}"),
                },
                Ok((true, text)) => {
                    let v = text
                        .lines()
                        .nth(1)
                        .and_then(|l| l.split_whitespace().nth(1))
                        .map(str::to_string);
                    Found::Yes {
                        evidence: format!("snap list {name}"),
                        version: v,
                        debian: false,
                    }
                }
                Ok((false, _)) => Found::No {
                    evidence: format!("snap: {name} is not installed"),
                },
            };
        }
        if let Some(path) = &self.bundle {
            return bundle(std::path::Path::new(path));
        }
        if let Some(pattern) = &self.registry {
            return crate::windows::registry(pattern);
        }
        if let Some(path) = &self.exe {
            return crate::windows::exe_version(path);
        }
        Found::Unavailable {
            evidence:
                "a source needs one of: command, dpkg, rpm, flatpak, snap, bundle, registry, exe"
                    .into(),
        }
    }
}

/// The whole line of `text` around byte `at`.
fn line_of(text: &str, at: usize) -> String {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    text[start..end].trim().to_string()
}

/// dpkg's states in which a package is installed: configured, or configured with triggers
/// pending or awaited (`dpkg-query(1)`). A package on hold is installed too: hold is what the
/// administrator *wants* (no upgrades), not its state.
const DPKG_INSTALLED: [&str; 3] = ["installed", "triggers-pending", "triggers-awaited"];

/// Judges `dpkg-query -W -f='${binary:Package}\t${db:Status-Want}\t${db:Status-Status}\t${Version}\n'`
/// output (one line per architecture of a multi-arch package).
pub fn dpkg_found(pkg: &str, text: &str) -> Found {
    let mut best: Option<(String, String, String, String)> = None;
    let mut other = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let [name, want, status, version] = f[..] else {
            continue;
        };
        if DPKG_INSTALLED.contains(&status) {
            if best
                .as_ref()
                .is_none_or(|b| crate::version::compare_debian(version, &b.3).is_gt())
            {
                best = Some((name.into(), want.into(), status.into(), version.into()));
            }
        } else if !status.is_empty() && status != "not-installed" {
            other.push(format!("{name} {status}"));
        }
    }
    match best {
        Some((name, want, status, version)) => {
            let mut notes = Vec::new();
            if want == "hold" {
                notes.push("on hold".to_string());
            }
            if status != "installed" {
                notes.push(status.clone());
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            };
            Found::Yes {
                evidence: format!("dpkg-query: {name} {version} installed{notes}"),
                version: Some(version),
                debian: true,
            }
        }
        None if !other.is_empty() => Found::No {
            evidence: format!("dpkg-query: {pkg} is not installed ({})", other.join(", ")),
        },
        None => Found::No {
            evidence: format!("dpkg-query: {pkg} is not installed"),
        },
    }
}

/// Judges `rpm -q --qf '%{EPOCH}:%{VERSION}-%{RELEASE}\n'` output: several lines when several
/// versions are installed (kernels); the newest counts. rpm has no hold state of its own
/// (dnf's versionlock does not change what is installed).
pub fn rpm_found(pkg: &str, ok: bool, text: &str) -> Found {
    let versions: Vec<String> = text
        .lines()
        .map(|l| l.trim().trim_start_matches("(none):").to_string())
        .filter(|l| l.contains('-') && !l.contains(' '))
        .collect();
    match versions
        .iter()
        .max_by(|a, b| crate::version::compare_debian(a, b))
    {
        Some(v) if ok => Found::Yes {
            evidence: format!("rpm: {pkg} {}", versions.join(", ")),
            version: Some(v.clone()),
            debian: true,
        },
        _ => Found::No {
            evidence: format!("rpm: {pkg} is not installed"),
        },
    }
}

/// A macOS app bundle: `Contents/Info.plist` (XML or binary), CFBundleShortVersionString.
pub fn bundle(app: &std::path::Path) -> Found {
    let info = app.join("Contents").join("Info.plist");
    if !app.exists() {
        return Found::No {
            evidence: format!("{} does not exist", app.display()),
        };
    }
    match plist::Value::from_file(&info) {
        Ok(v) => {
            let dict = v.as_dictionary();
            let get = |k: &str| {
                dict.and_then(|d| d.get(k))
                    .and_then(|x| x.as_string())
                    .map(str::to_string)
            };
            let version = get("CFBundleShortVersionString").or_else(|| get("CFBundleVersion"));
            Found::Yes {
                evidence: format!(
                    "{}: CFBundleShortVersionString = {}",
                    info.display(),
                    version.as_deref().unwrap_or("(none)")
                ),
                version,
                debian: false,
            }
        }
        Err(e) => Found::Unavailable {
            evidence: format!("cannot read {}: {e}", info.display()),
        },
    }
}

/// The sources that fit this OS when a profile names none.
pub fn defaults(name: &str) -> Vec<Source> {
    let cmd = Source {
        command: Some(vec![name.to_string(), "--version".into()]),
        ..Default::default()
    };
    if cfg!(windows) {
        vec![Source {
            registry: Some(format!("(?i){}", regex::escape(name))),
            ..Default::default()
        }]
    } else if cfg!(target_os = "macos") {
        vec![
            Source {
                bundle: Some(format!("/Applications/{name}.app")),
                ..Default::default()
            },
            cmd,
        ]
    } else {
        vec![
            Source {
                dpkg: Some(name.to_string()),
                ..Default::default()
            },
            Source {
                rpm: Some(name.to_string()),
                ..Default::default()
            },
            Source {
                flatpak: Some(name.to_string()),
                ..Default::default()
            },
            Source {
                snap: Some(name.to_string()),
                ..Default::default()
            },
            cmd,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_states() {
        let v = |f: Found| match f {
            Found::Yes { version, .. } => version,
            _ => None,
        };
        let hold = "fortivpn\thold\tinstalled\t7.2.0-1\n";
        assert_eq!(v(dpkg_found("fortivpn", hold)).as_deref(), Some("7.2.0-1"));
        assert!(
            matches!(dpkg_found("fortivpn", hold), Found::Yes { evidence, .. } if evidence.contains("on hold"))
        );
        let trig = "x\tinstall\ttriggers-pending\t1.0\n";
        assert_eq!(v(dpkg_found("x", trig)).as_deref(), Some("1.0"));
        for state in [
            "config-files",
            "half-installed",
            "unpacked",
            "half-configured",
            "not-installed",
        ] {
            let t = format!("x\tinstall\t{state}\t1.0\n");
            assert!(matches!(dpkg_found("x", &t), Found::No { .. }), "{state}");
        }
        let multi =
            "lib:amd64\tinstall\tinstalled\t2.0-1\nlib:i386\tdeinstall\tconfig-files\t1.0-1\n";
        assert_eq!(v(dpkg_found("lib", multi)).as_deref(), Some("2.0-1"));
        let kernels = "0:5.14.0-362.8.1.el9_3\n0:5.14.0-427.13.1.el9_4\n";
        assert_eq!(
            v(rpm_found("kernel", true, kernels)).as_deref(),
            Some("0:5.14.0-427.13.1.el9_4")
        );
        assert!(matches!(
            rpm_found("x", false, "package x is not installed\n"),
            Found::No { .. }
        ));
    }

    #[test]
    fn a_failing_command_gives_no_version() {
        let s = Source {
            command: Some(vec![
                "sh".into(),
                "-c".into(),
                "echo 'usage: tool 2.0 [-v]' >&2; exit 2".into(),
            ]),
            ..Default::default()
        };
        match s.probe(Duration::from_secs(5)) {
            Found::Yes {
                version, evidence, ..
            } => {
                assert_eq!(version, None);
                assert!(evidence.contains("failure status"), "{evidence}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_command_means_not_installed() {
        let s = Source {
            command: Some(vec!["readycheck-no-such-tool".into(), "--version".into()]),
            ..Default::default()
        };
        assert!(matches!(s.probe(Duration::from_secs(1)), Found::No { .. }));
    }

    fn write_bundle(dir: &std::path::Path, binary: bool) -> std::path::PathBuf {
        let app = dir.join(if binary { "Bin.app" } else { "Xml.app" });
        std::fs::create_dir_all(app.join("Contents")).unwrap();
        let mut d = plist::Dictionary::new();
        d.insert(
            "CFBundleShortVersionString".into(),
            plist::Value::String("6.2.11".into()),
        );
        d.insert(
            "CFBundleVersion".into(),
            plist::Value::String("6.2.11.45678".into()),
        );
        let v = plist::Value::Dictionary(d);
        let path = app.join("Contents/Info.plist");
        if binary {
            v.to_file_binary(&path).unwrap();
        } else {
            v.to_file_xml(&path).unwrap();
        }
        app
    }

    #[test]
    fn xml_and_binary_info_plists() {
        let d = tempfile::tempdir().unwrap();
        for binary in [false, true] {
            let app = write_bundle(d.path(), binary);
            if binary {
                let raw = std::fs::read(app.join("Contents/Info.plist")).unwrap();
                assert!(raw.starts_with(b"bplist00"), "a binary plist fixture");
            }
            match bundle(&app) {
                Found::Yes { version, .. } => assert_eq!(version.as_deref(), Some("6.2.11")),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            bundle(&d.path().join("None.app")),
            Found::No { .. }
        ));
    }
}
