//! Facts about the machine for the report's `host` section: hostname, user, OS version,
//! architecture and time zone, read from the OS without running external programs.

use crate::report::Host;

/// This machine.
pub fn current() -> Host {
    Host {
        hostname: hostname(),
        user: user(),
        os: std::env::consts::OS.to_string(),
        os_version: os_version(),
        arch: std::env::consts::ARCH.to_string(),
        timezone: timezone(std::env::var("TZ").ok().as_deref()),
        utc_offset_minutes: Some(chrono::Local::now().offset().local_minus_utc() / 60),
    }
}

/// The zone's name, agreeing with the offset: on Unix the C library (and so the offset beside it)
/// follows `TZ` when it is set, and the zone is then the one `TZ` names (`Asia/Shanghai`,
/// `:Asia/Shanghai`, `UTC`) — or none when `TZ` is a rule such as `CST-8` that names no zone;
/// otherwise the OS's own setting.
fn timezone(tz: Option<&str>) -> Option<String> {
    match tz.filter(|_| cfg!(unix)).map(|t| t.trim_start_matches(':')) {
        Some("") | None => iana_time_zone::get_timezone()
            .ok()
            .filter(|z| !z.is_empty()),
        Some(name) => {
            let zone_like = name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c))
                && (name.contains('/') || name == "UTC" || name == "GMT")
                && !name.starts_with('/');
            zone_like.then(|| name.to_string())
        }
    }
}

fn user() -> String {
    for var in ["USER", "USERNAME", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    imp::user_from_os().unwrap_or_else(|| "unknown".to_string())
}

fn hostname() -> String {
    imp::hostname().unwrap_or_else(|| "unknown".to_string())
}

fn os_version() -> String {
    imp::os_version().unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::timezone;

    #[test]
    fn the_zone_follows_tz_when_it_names_one() {
        if cfg!(unix) {
            assert_eq!(
                timezone(Some("Asia/Shanghai")).as_deref(),
                Some("Asia/Shanghai")
            );
            assert_eq!(
                timezone(Some(":Asia/Shanghai")).as_deref(),
                Some("Asia/Shanghai")
            );
            assert_eq!(timezone(Some("UTC")).as_deref(), Some("UTC"));
            assert_eq!(timezone(Some("CST-8")), None);
            assert_eq!(timezone(Some("/usr/share/zoneinfo/Asia/Shanghai")), None);
        }
    }
}

#[cfg(unix)]
mod imp {
    use std::ffi::CStr;

    pub fn hostname() -> Option<String> {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is writable for its length; gethostname NUL-terminates on success.
        let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
        if rc != 0 {
            return None;
        }
        CStr::from_bytes_until_nul(&buf)
            .ok()
            .map(|c| c.to_string_lossy().into_owned())
    }

    pub fn user_from_os() -> Option<String> {
        // SAFETY: getpwuid returns a pointer into static storage or null; read immediately.
        unsafe {
            let pw = libc::getpwuid(libc::geteuid());
            if pw.is_null() || (*pw).pw_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned())
        }
    }

    pub fn os_version() -> Option<String> {
        // SAFETY: uname fills a zeroed struct we own.
        let release = unsafe {
            let mut u: libc::utsname = std::mem::zeroed();
            if libc::uname(&mut u) != 0 {
                return None;
            }
            CStr::from_ptr(u.release.as_ptr())
                .to_string_lossy()
                .into_owned()
        };
        if cfg!(target_os = "linux") {
            let pretty = std::fs::read_to_string("/etc/os-release")
                .ok()
                .and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                        .map(|v| v.trim_matches('"').to_string())
                });
            return Some(match pretty {
                Some(p) => format!("{p} (kernel {release})"),
                None => format!("kernel {release}"),
            });
        }
        Some(release)
    }
}

#[cfg(windows)]
mod imp {
    pub fn hostname() -> Option<String> {
        std::env::var("COMPUTERNAME").ok()
    }

    pub fn user_from_os() -> Option<String> {
        None
    }

    pub fn os_version() -> Option<String> {
        use windows_sys::Win32::System::SystemInformation::OSVERSIONINFOW;
        #[link(name = "ntdll")]
        unsafe extern "system" {
            fn RtlGetVersion(info: *mut OSVERSIONINFOW) -> i32;
        }
        // SAFETY: RtlGetVersion fills a zeroed struct whose size field we set; unlike
        // GetVersionEx it is not subject to manifest-based version lies.
        unsafe {
            let mut info: OSVERSIONINFOW = std::mem::zeroed();
            info.dwOSVersionInfoSize = std::mem::size_of::<OSVERSIONINFOW>() as u32;
            if RtlGetVersion(&mut info) != 0 {
                return None;
            }
            Some(format!(
                "{}.{}.{}",
                info.dwMajorVersion, info.dwMinorVersion, info.dwBuildNumber
            ))
        }
    }
}
