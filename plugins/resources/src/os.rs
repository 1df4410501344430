//! `resources/os`: OS family, version, build and architecture, against a minimum version per
//! family, with an end-of-support warning where the vendor's dates are known. The dates are data
//! with their sources, in `data/end-of-support.txt`: Debian, Ubuntu, RHEL, CentOS, Rocky,
//! AlmaLinux, UOS and Kylin (whose vendors publish none), macOS, and Windows per build and
//! edition (Home/Pro, Enterprise/Education, LTSC and IoT LTSC), with ESU when the profile says
//! the company bought it.

use std::cmp::Ordering;
use std::time::SystemTime;

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
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
    /// Windows 10 22H2 with Extended Security Updates bought by the company: their end date,
    /// "YYYY-MM-DD" (consumers 2026-10-13; organisations up to 2028-10-10).
    #[serde(default)]
    pub windows_esu_until: Option<String>,
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
    /// Windows' EditionID ("Professional", "EnterpriseS", "IoTEnterpriseS").
    pub edition: Option<String>,
    pub arch: String,
}

/// The `resources/os` kind.
pub struct Os;

impl Kind for Os {
    const NAME: &'static str = "os";
    const TITLE: &'static str = "Operating system version";
    const DESCRIPTION: &'static str = "Reads the operating system, its version and build, and the processor architecture. \
         Fails below the minimum IT sets for each family, and warns when the vendor has ended (or \
         is about to end) security updates for this version.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"os\"\nplugin = \"resources\"\nkind = \"os\"\ntitle = \"Supported operating system\"\nmin_version = { windows = \"10.0.19045\", macos = \"13\", linux = \"5.10\" }\n";
    type Params = OsParams;

    fn run(p: &OsParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
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

/// A known end of security support: which release, the date (`None`: the vendor publishes
/// none) and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct EndOfSupport {
    pub release: String,
    pub date: Option<&'static str>,
    pub source: &'static str,
}

/// The table of end-of-support dates (`data/end-of-support.txt`, with its sources).
const TABLE: &str = include_str!("../data/end-of-support.txt");

/// (family, key, release, date, source) of every line of the table.
fn table() -> impl Iterator<Item = [&'static str; 5]> {
    TABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('|').map(str::trim).collect();
            <[&str; 5]>::try_from(f).ok()
        })
}

/// The edition class of a Windows `EditionID` (see the table's header).
pub fn windows_edition_class(edition: Option<&str>) -> &'static str {
    let e = edition.unwrap_or("").to_lowercase();
    match e.as_str() {
        "iotenterprises" | "iotenterprisesk" => "iot_ltsc",
        "enterprises" | "enterprisesn" => "ltsc",
        e if e.starts_with("enterprise")
            || e.starts_with("education")
            || e.starts_with("iotenterprise") =>
        {
            "enterprise"
        }
        _ => "home_pro",
    }
}

/// The vendor's end-of-support date for this OS, where known (see `data/end-of-support.txt`).
/// `esu_until`: the end of Windows 10's Extended Security Updates the company bought.
pub fn end_of_support(f: &OsFacts, esu_until: Option<&'static str>) -> Option<EndOfSupport> {
    let found = |family: &str, key: &str| {
        table()
            .find(|[fam, k, ..]| *fam == family && k.eq_ignore_ascii_case(key))
            .map(|[_, _, release, date, source]| EndOfSupport {
                release: release.to_string(),
                date: (date != "unpublished").then_some(date),
                source,
            })
    };
    match f.family.as_str() {
        "windows" => {
            let build: u64 = f.version.rsplit('.').next()?.parse().ok()?;
            let major: u64 = f.version.split('.').next()?.parse().ok()?;
            if major < 10 {
                return Some(EndOfSupport {
                    release: "Windows 8.1 or older".into(),
                    date: Some("2023-01-10"),
                    source: "https://learn.microsoft.com/lifecycle/products/windows-81",
                });
            }
            let class = windows_edition_class(f.edition.as_deref());
            let mut e = found("windows", &format!("{build} {class}"))
                .or_else(|| found("windows", &format!("{build} home_pro")))
                .or_else(|| {
                    (build < 22000).then(|| EndOfSupport {
                        release: "Windows 10".into(),
                        date: Some("2025-10-14"),
                        source: "https://learn.microsoft.com/lifecycle/products/windows-10-home-and-pro",
                    })
                })?;
            if build == 19045
                && let Some(esu) = esu_until
            {
                e.release = format!("{} with Extended Security Updates", e.release);
                e.date = Some(esu);
                e.source = "the profile's windows_esu_until (ESU bought by the company)";
            }
            Some(e)
        }
        "macos" => {
            let major: u64 = f.version.split('.').next()?.parse().ok()?;
            found("macos", &major.to_string()).or_else(|| {
                (major <= 10).then(|| EndOfSupport {
                    release: format!("macOS {}", f.version),
                    date: Some("2022-09-12"),
                    source: "Apple security releases (https://support.apple.com/en-us/100100)",
                })
            })
        }
        "linux" => {
            let (id, ver) = f.distro.as_ref()?;
            let major = ver.split('.').next().unwrap_or(ver);
            found("linux", &format!("{id} {ver}"))
                .or_else(|| found("linux", &format!("{id} {major}")))
        }
        _ => None,
    }
}

/// `ID` and `VERSION_ID` of an /etc/os-release text (quotes removed, ID lower-cased).
pub fn parse_os_release(text: &str) -> Option<(String, String)> {
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{k}=")))
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
    };
    Some((get("ID")?.to_lowercase(), get("VERSION_ID")?))
}

pub fn evaluate(p: &OsParams, f: &OsFacts, today: i64) -> CheckResult {
    let min = match f.family.as_str() {
        "windows" => p.min_version.windows.as_deref(),
        "macos" => p.min_version.macos.as_deref(),
        "linux" => p.min_version.linux.as_deref(),
        _ => None,
    };
    let what = format!("{} {} ({})", f.name, f.version, f.arch);
    let esu: Option<&'static str> = p
        .windows_esu_until
        .as_deref()
        .filter(|d| d.len() == 10 && d.split('-').count() == 3)
        .map(|d| &*Box::leak(d.to_string().into_boxed_str()));
    let eos = end_of_support(f, esu);
    let warn_before = p.warn_days_before_end.unwrap_or(90);
    let mut r = if let Some(m) = min.filter(|m| compare_versions(&f.version, m) == Ordering::Less) {
        CheckResult::fail(
            "resources.os.too_old",
            t!("os.too_old", what = &what, min = m),
        )
    } else if let Some((e, date)) = eos
        .as_ref()
        .and_then(|e| Some((e, e.date?)))
        .filter(|(_, d)| parse_date(d) <= today)
    {
        CheckResult::warn(
            "resources.os.end_of_support",
            t!(
                "os.end_of_support",
                what = &what,
                release = &e.release,
                date = date
            ),
        )
    } else if let Some((e, date)) = eos
        .as_ref()
        .and_then(|e| Some((e, e.date?)))
        .filter(|(_, d)| parse_date(d) - today <= warn_before)
    {
        CheckResult::warn(
            "resources.os.end_of_support_soon",
            t!(
                "os.end_of_support_soon",
                what = &what,
                release = &e.release,
                date = date
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
    if let Some(ed) = &f.edition {
        r.evidence.push(format!("Windows edition: {ed}"));
    }
    match &eos {
        Some(e @ EndOfSupport { date: Some(d), .. }) => {
            r.evidence.push(format!(
                "end of support for {}: {d} ({})",
                e.release, e.source
            ));
            r = r.metric("os_support_days_left", (parse_date(d) - today) as f64);
        }
        Some(e) => r.evidence.push(format!(
            "end of support for {}: not published by the vendor ({})",
            e.release, e.source
        )),
        None => r.evidence.push(
            "no end-of-support date is known for this release (plugins/resources/data/end-of-support.txt)".into(),
        ),
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
            .or_else(|_| std::fs::read_to_string("/usr/lib/os-release"))
            .ok()
            .and_then(|t| parse_os_release(&t))
    } else {
        None
    };
    #[cfg(windows)]
    let edition = windows_edition();
    #[cfg(not(windows))]
    let edition = None;
    OsFacts {
        family,
        name,
        version,
        distro,
        edition,
        arch,
    }
}

/// `EditionID` under HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion.
#[cfg(windows)]
fn windows_edition() -> Option<String> {
    use windows_sys::Win32::System::Registry::{HKEY_LOCAL_MACHINE, RRF_RT_REG_SZ, RegGetValueW};
    let wide = |s: &str| {
        s.encode_utf16()
            .chain(std::iter::once(0))
            .collect::<Vec<u16>>()
    };
    let key = wide("SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion");
    let value = wide("EditionID");
    let mut buf = [0u16; 128];
    let mut len = (buf.len() * 2) as u32;
    // SAFETY: a sized registry read into a buffer we own.
    let rc = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            key.as_ptr(),
            value.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            buf.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    Some(String::from_utf16_lossy(&buf[..end]))
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
            edition: None,
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
            windows_esu_until: None,
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
        // Windows 11 23H2 Home/Pro ended on 2025-11-11; 25H2 is supported.
        assert_eq!(
            evaluate(&p, &win("10.0.22631"), after_eos).code,
            "resources.os.end_of_support"
        );
        assert_eq!(
            evaluate(&p, &win("10.0.26200"), after_eos).status,
            Status::Pass
        );
        let deb = OsFacts {
            family: "linux".into(),
            name: "Debian".into(),
            version: "6.1.0".into(),
            distro: Some(("debian".into(), "11".into())),
            edition: None,
            arch: "x86_64".into(),
        };
        assert_eq!(
            evaluate(&OsParams::default(), &deb, after_eos).code,
            "resources.os.end_of_support"
        );
    }

    #[test]
    fn every_table_line_parses() {
        let n = TABLE
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim().starts_with('#'))
            .count();
        assert_eq!(table().count(), n, "a line without five | fields");
        for [family, key, _, date, source] in table() {
            assert!(["linux", "macos", "windows"].contains(&family), "{family}");
            assert!(!key.is_empty() && !source.is_empty());
            if date != "unpublished" {
                let p: Vec<i64> = date.split('-').filter_map(|x| x.parse().ok()).collect();
                assert!(
                    p.len() == 3 && (1..=12).contains(&p[1]) && (1..=31).contains(&p[2]),
                    "{date}"
                );
            }
        }
    }

    fn linux(os_release: &str) -> OsFacts {
        OsFacts {
            family: "linux".into(),
            name: "Linux".into(),
            version: "5.14.0".into(),
            distro: parse_os_release(os_release),
            edition: None,
            arch: "x86_64".into(),
        }
    }

    #[test]
    fn end_of_support_beyond_debian_and_ubuntu() {
        let date = |f: &OsFacts| end_of_support(f, None).and_then(|e| e.date);
        // /etc/os-release as shipped by each (abridged).
        let cases = [
            (
                "NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"8.10\"\n",
                Some("2029-05-31"),
            ),
            (
                "NAME=\"CentOS Linux\"\nID=\"centos\"\nVERSION_ID=\"7\"\n",
                Some("2024-06-30"),
            ),
            (
                "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID=\"9.4\"\n",
                Some("2032-05-31"),
            ),
            (
                "NAME=\"AlmaLinux\"\nID=\"almalinux\"\nVERSION_ID=\"8.9\"\n",
                Some("2029-03-01"),
            ),
            (
                "NAME=\"Ubuntu\"\nID=ubuntu\nVERSION_ID=\"22.04\"\n",
                Some("2027-06-01"),
            ),
            (
                "NAME=\"UnionTech OS Desktop\"\nID=uos\nVERSION_ID=\"20\"\n",
                None,
            ),
            ("NAME=\"Kylin\"\nID=kylin\nVERSION_ID=\"V10\"\n", None),
        ];
        for (text, want) in cases {
            assert_eq!(date(&linux(text)), want, "{text}");
        }
        // UOS and Kylin are known releases without a published date: said so, never a warning.
        let uos = linux("ID=uos\nVERSION_ID=\"20\"\n");
        let r = evaluate(&OsParams::default(), &uos, days_from_civil(2026, 11, 30));
        assert_eq!(r.status, Status::Pass);
        assert!(
            r.evidence.iter().any(|e| e.contains("not published")),
            "{r:?}"
        );
        let mac = |v: &str| OsFacts {
            family: "macos".into(),
            name: "macOS".into(),
            version: v.into(),
            distro: None,
            edition: None,
            arch: "aarch64".into(),
        };
        assert_eq!(date(&mac("13.6.1")), Some("2025-09-15"));
        assert_eq!(date(&mac("10.15.7")), Some("2022-09-12"));
        assert_eq!(date(&mac("15.1")), None);
    }

    #[test]
    fn windows_editions_have_their_own_dates() {
        let w = |build: &str, edition: &str| OsFacts {
            edition: Some(edition.into()),
            ..win(&format!("10.0.{build}"))
        };
        let date = |f: &OsFacts| end_of_support(f, None).and_then(|e| e.date);
        assert_eq!(date(&w("19045", "Professional")), Some("2025-10-14"));
        assert_eq!(date(&w("17763", "EnterpriseS")), Some("2029-01-09"));
        assert_eq!(date(&w("19044", "EnterpriseS")), Some("2027-01-12"));
        assert_eq!(date(&w("19044", "IoTEnterpriseS")), Some("2032-01-13"));
        assert_eq!(date(&w("19044", "Professional")), Some("2023-06-13"));
        assert_eq!(date(&w("22631", "Enterprise")), Some("2026-11-10"));
        assert_eq!(date(&w("22631", "Core")), Some("2025-11-11"));
        assert_eq!(date(&w("26100", "IoTEnterpriseS")), Some("2034-10-10"));
        // LTSC 2021 is supported in mid-2026, Windows 10 Pro is not; ESU extends 22H2.
        let today = days_from_civil(2026, 6, 1);
        let p = OsParams::default();
        assert_eq!(
            evaluate(&p, &w("19044", "EnterpriseS"), today).status,
            Status::Pass
        );
        assert_eq!(
            evaluate(&p, &w("19045", "Professional"), today).code,
            "resources.os.end_of_support"
        );
        let esu = OsParams {
            windows_esu_until: Some("2028-10-10".into()),
            ..Default::default()
        };
        let r = evaluate(&esu, &w("19045", "Enterprise"), today);
        assert_eq!(r.status, Status::Pass, "{r:?}");
        assert!(
            r.evidence
                .iter()
                .any(|e| e.contains("Extended Security Updates"))
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
