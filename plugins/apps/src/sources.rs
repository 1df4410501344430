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
                Ok((_, text)) => {
                    let version = match &self.regex {
                        Some(r) => regex::Regex::new(r)
                            .ok()
                            .and_then(|re| re.captures(&text))
                            .and_then(|c| c.get(1).map(|m| m.as_str().to_string())),
                        None => crate::version::extract(&text),
                    };
                    Found::Yes {
                        evidence: format!("`{}` printed \"{}\"", argv.join(" "), first_line(&text)),
                        version,
                        debian: false,
                    }
                }
            };
        }
        if let Some(pkg) = &self.dpkg {
            let argv = [
                "dpkg-query",
                "-W",
                "-f=${db:Status-Abbrev}\t${Version}",
                pkg.as_str(),
            ]
            .map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("dpkg-query: {e}"),
                },
                Ok((ok, text)) => match text.split_once('\t') {
                    Some((status, version)) if ok && status.trim() == "ii" => Found::Yes {
                        version: Some(version.trim().to_string()),
                        debian: true,
                        evidence: format!("dpkg-query: {pkg} {} installed", version.trim()),
                    },
                    _ => Found::No {
                        evidence: format!("dpkg-query: {pkg} is not installed"),
                    },
                },
            };
        }
        if let Some(pkg) = &self.rpm {
            let argv = [
                "rpm",
                "-q",
                "--qf",
                "%{EPOCH}:%{VERSION}-%{RELEASE}",
                pkg.as_str(),
            ]
            .map(String::from);
            return match run_command(&argv, timeout) {
                Err(e) => Found::Unavailable {
                    evidence: format!("rpm: {e}"),
                },
                Ok((true, text)) => {
                    let v = text.trim().trim_start_matches("(none):").to_string();
                    Found::Yes {
                        evidence: format!("rpm: {pkg} {v}"),
                        version: Some(v),
                        debian: true,
                    }
                }
                Ok((false, _)) => Found::No {
                    evidence: format!("rpm: {pkg} is not installed"),
                },
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
