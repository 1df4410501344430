//! `resources/os`: OS family, version, build and architecture, against a minimum version per
//! family, with an end-of-support warning where the vendor's dates are known (table below).

use std::cmp::Ordering;
use std::time::SystemTime;

use readycheck_sdk::{CheckResult, KindManifest, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Minimum versions per OS family.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MinVersion {
    /// Windows "major.minor.build", e.g. "10.0.19045" (Windows 10 22H2).
    #[serde(default)]
    pub windows: Option<String>,
    /// macOS version, e.g. "13".
    #[serde(default)]
    pub macos: Option<String>,
    /// Linux kernel version, e.g. "5.10".
    #[serde(default)]
    pub linux: Option<String>,
}

/// Parameters of `resources/os`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OsParams {
    /// Minimum version per family: `min_version = { windows = "10.0.19045", macos = "13" }`.
    #[serde(default)]
    pub min_version: MinVersion,
    /// Warn this many days before a known end of support (default 90).
    #[serde(default)]
    pub warn_days_before_end: Option<i64>,
}

/// What the OS says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct OsFacts {
    /// `linux`, `windows`, `macos`.
    pub family: String,
    /// e.g. "Debian GNU/Linux 12 (bookworm)", "Windows 10 Pro".
    pub name: String,
    /// The version compared with `min_version`: kernel on Linux, "10.0.19045" on Windows.
    pub version: String,
    /// Distribution id and version on Linux ("debian", "12").
    pub distro: Option<(String, String)>,
    pub arch: String,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<OsParams>(
        "os",
        "Operating system version",
        "Reads the operating system, its version and build, and the processor architecture. \
         Fails below the minimum IT sets for each family, and warns when the vendor has ended (or \
         is about to end) security updates for this version.",
        "[[check]]\nid = \"os\"\nplugin = \"resources\"\nkind = \"os\"\ntitle = \"Supported operating system\"\nmin_version = { windows = \"10.0.19045\", macos = \"13\", linux = \"5.10\" }\n",
    )
}

/// Compares the leading dotted numbers of two versions ("10.0.19045" < "10.0.22631";
/// "5.10" > "5.9"; a kernel's "-18-amd64" build suffix is not part of the comparison).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let nums = |s: &str| -> Vec<u64> {
        let s = s.trim().trim_start_matches(['v', 'V']);
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        s[..end]
            .split('.')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let (x, y) = (nums(a), nums(b));
    for i in 0..x.len().max(y.len()) {
        match x.get(i).unwrap_or(&0).cmp(y.get(i).unwrap_or(&0)) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    Ordering::Equal
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn parse_date(s: &str) -> i64 {
    let p: Vec<i64> = s.split('-').filter_map(|x| x.parse().ok()).collect();
    days_from_civil(p[0], p[1], p[2])
}

fn today() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64 / 86400)
        .unwrap_or(0)
}

/// A known end of security support: which release, and the date.
#[derive(Debug, Clone, PartialEq)]
pub struct EndOfSupport {
    pub release: String,
    pub date: &'static str,
    pub source: &'static str,
}

/// The vendor's end-of-support date for this OS, where known. Sources: Microsoft lifecycle
/// pages (Windows 10: 2025-10-14), Ubuntu release cycle (standard support), Debian LTS
/// schedule, and Apple's practice of updating the three latest macOS versions.
pub fn end_of_support(f: &OsFacts) -> Option<EndOfSupport> {
    match f.family.as_str() {
        "windows" => {
            let build: u64 = f.version.rsplit('.').next()?.parse().ok()?;
            let major: u64 = f.version.split('.').next()?.parse().ok()?;
            if major < 10 {
                return Some(EndOfSupport {
                    release: "Windows 8.1 or older".into(),
                    date: "2023-01-10",
                    source: "Microsoft lifecycle policy",
                });
            }
            (build < 22000).then(|| EndOfSupport {
                release: "Windows 10".into(),
                date: "2025-10-14",
                source: "Microsoft lifecycle policy (Windows 10 Home and Pro)",
            })
        }
        "macos" => {
            let major: u64 = f.version.split('.').next()?.parse().ok()?;
            let date = match major {
                0..=11 => "2023-09-26",
                12 => "2024-09-16",
                13 => "2025-09-15",
                _ => return None,
            };
            Some(EndOfSupport {
                release: format!("macOS {major}"),
                date,
                source: "Apple updates the three latest macOS versions",
            })
        }
        "linux" => {
            let (id, ver) = f.distro.as_ref()?;
            let date = match (id.as_str(), ver.as_str()) {
                ("ubuntu", "18.04") => "2023-05-31",
                ("ubuntu", "20.04") => "2025-05-31",
                ("ubuntu", "22.04") => "2027-06-01",
                ("ubuntu", "24.04") => "2029-05-31",
                ("debian", "10") => "2024-06-30",
                ("debian", "11") => "2026-08-31",
                ("debian", "12") => "2028-06-30",
                _ => return None,
            };
            Some(EndOfSupport {
                release: format!("{id} {ver}"),
                date,
                source: "the distribution's published support schedule",
            })
        }
        _ => None,
    }
}

pub fn evaluate(p: &OsParams, f: &OsFacts, today: i64) -> CheckResult {
    let min = match f.family.as_str() {
        "windows" => p.min_version.windows.as_deref(),
        "macos" => p.min_version.macos.as_deref(),
        "linux" => p.min_version.linux.as_deref(),
        _ => None,
    };
    let what = format!("{} {} ({})", f.name, f.version, f.arch);
    let eos = end_of_support(f);
    let warn_before = p.warn_days_before_end.unwrap_or(90);
    let mut r = if let Some(m) = min.filter(|m| compare_versions(&f.version, m) == Ordering::Less) {
        CheckResult::fail(
            "resources.os.too_old",
            t!("os.too_old", what = &what, min = m),
        )
    } else if let Some(e) = eos.as_ref().filter(|e| parse_date(e.date) <= today) {
        CheckResult::warn(
            "resources.os.end_of_support",
            t!(
                "os.end_of_support",
                what = &what,
                release = &e.release,
                date = e.date
            ),
        )
    } else if let Some(e) = eos
        .as_ref()
        .filter(|e| parse_date(e.date) - today <= warn_before)
    {
        CheckResult::warn(
            "resources.os.end_of_support_soon",
            t!(
                "os.end_of_support_soon",
                what = &what,
                release = &e.release,
                date = e.date
            ),
        )
    } else {
        CheckResult::pass("resources.os.ok", what.clone())
    };
    r.evidence.push(format!("OS: {what}"));
    if let Some((id, v)) = &f.distro {
        r.evidence
            .push(format!("/etc/os-release: ID={id} VERSION_ID={v}"));
    }
    if let Some(e) = &eos {
        r.evidence.push(format!(
            "end of support for {}: {} ({})",
            e.release, e.date, e.source
        ));
        r = r.metric("os_support_days_left", (parse_date(e.date) - today) as f64);
    }
    r
}

pub fn gather() -> OsFacts {
    let family = std::env::consts::OS.to_string();
    let arch = std::env::consts::ARCH.to_string();
    #[cfg(windows)]
    let (name, version) = (
        sysinfo::System::long_os_version().unwrap_or_else(|_| "Windows".into()),
        windows_version().unwrap_or_else(|| sysinfo::System::os_version().unwrap_or_default()),
    );
    #[cfg(target_os = "macos")]
    let (name, version) = (
        "macOS".to_string(),
        sysinfo::System::os_version().unwrap_or_default(),
    );
    #[cfg(not(any(windows, target_os = "macos")))]
    let (name, version) = (
        sysinfo::System::long_os_version().unwrap_or_else(|_| family.clone()),
        sysinfo::System::kernel_version().unwrap_or_default(),
    );
    let distro = if family == "linux" {
        std::fs::read_to_string("/etc/os-release")
            .ok()
            .and_then(|t| {
                let get = |k: &str| {
                    t.lines()
                        .find_map(|l| l.strip_prefix(&format!("{k}=")))
                        .map(|v| v.trim_matches('"').to_string())
                };
                Some((get("ID")?, get("VERSION_ID")?))
            })
    } else {
        None
    };
    OsFacts {
        family,
        name,
        version,
        distro,
        arch,
    }
}

#[cfg(windows)]
fn windows_version() -> Option<String> {
    use windows_sys::Win32::System::SystemInformation::OSVERSIONINFOW;
    #[link(name = "ntdll")]
    unsafe extern "system" {
        fn RtlGetVersion(info: *mut OSVERSIONINFOW) -> i32;
    }
    // SAFETY: RtlGetVersion fills a zeroed struct whose size field is set.
    unsafe {
        let mut info: OSVERSIONINFOW = std::mem::zeroed();
        info.dwOSVersionInfoSize = std::mem::size_of::<OSVERSIONINFOW>() as u32;
        (RtlGetVersion(&mut info) == 0).then(|| {
            format!(
                "{}.{}.{}",
                info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber
            )
        })
    }
}

pub fn run(p: &OsParams) -> CheckResult {
    evaluate(p, &gather(), today())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    fn win(version: &str) -> OsFacts {
        OsFacts {
            family: "windows".into(),
            name: "Windows".into(),
            version: version.into(),
            distro: None,
            arch: "x86_64".into(),
        }
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("10.0.19045", "10.0.22631"), Ordering::Less);
        assert_eq!(compare_versions("5.10", "5.9"), Ordering::Greater);
        assert_eq!(compare_versions("6.1.0-18-amd64", "6.1"), Ordering::Equal);
        assert_eq!(compare_versions("13", "13.0.0"), Ordering::Equal);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2025, 10, 14), 20375);
    }

    #[test]
    fn minimums_and_end_of_support() {
        let p = OsParams {
            min_version: MinVersion {
                windows: Some("10.0.19045".into()),
                ..Default::default()
            },
            warn_days_before_end: None,
        };
        let before_eos = days_from_civil(2025, 1, 1);
        let after_eos = days_from_civil(2026, 11, 23);
        assert_eq!(
            evaluate(&p, &win("10.0.19044"), before_eos).code,
            "resources.os.too_old"
        );
        assert_eq!(
            evaluate(&p, &win("10.0.19045"), before_eos).status,
            Status::Pass
        );
        assert_eq!(
            evaluate(&p, &win("10.0.19045"), days_from_civil(2025, 9, 1)).code,
            "resources.os.end_of_support_soon"
        );
        let r = evaluate(&p, &win("10.0.19045"), after_eos);
        assert_eq!(r.code, "resources.os.end_of_support");
        assert!(r.en_summary().contains("2025-10-14"), "{}", r.en_summary());
        assert_eq!(
            evaluate(&p, &win("10.0.22631"), after_eos).status,
            Status::Pass
        );
        let deb = OsFacts {
            family: "linux".into(),
            name: "Debian".into(),
            version: "6.1.0".into(),
            distro: Some(("debian".into(), "11".into())),
            arch: "x86_64".into(),
        };
        assert_eq!(
            evaluate(&OsParams::default(), &deb, after_eos).code,
            "resources.os.end_of_support"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_real_kernel_version_is_uname_release() {
        let f = gather();
        let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
        assert_eq!(f.version, release.trim());
    }
}
