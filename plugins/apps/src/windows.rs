//! Windows sources: the Uninstall registry keys (HKLM and HKCU, 64- and 32-bit views;
//! DisplayName matched by a regex → DisplayVersion) and the version resource of an .exe. On
//! other systems these sources say they cannot answer here.

use crate::sources::Found;

#[cfg(not(windows))]
pub fn registry(_pattern: &str) -> Found {
    Found::Unavailable {
        evidence: "registry sources are read on Windows only".into(),
    }
}

#[cfg(not(windows))]
pub fn exe_version(_path: &str) -> Found {
    Found::Unavailable {
        evidence: "exe version resources are read on Windows only".into(),
    }
}

#[cfg(windows)]
fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

#[cfg(windows)]
pub fn registry(pattern: &str) -> Found {
    use windows_sys::Win32::Foundation::ERROR_SUCCESS;
    use windows_sys::Win32::System::Registry::{
        HKEY, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_32KEY, KEY_WOW64_64KEY,
        RRF_RT_REG_SZ, RegCloseKey, RegEnumKeyExW, RegGetValueW, RegOpenKeyExW,
    };
    let re = match regex::Regex::new(&format!("(?i){pattern}")) {
        Ok(r) => r,
        Err(e) => {
            return Found::Unavailable {
                evidence: format!("`{pattern}` is not a valid regex: {e}"),
            };
        }
    };
    const UNINSTALL: &str = "Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall";
    let read = |key: HKEY, sub: &[u16], name: &str| -> Option<String> {
        let n = wide(name);
        let mut len = 0u32;
        // SAFETY: sized registry reads into a buffer we own.
        unsafe {
            if RegGetValueW(
                key,
                sub.as_ptr(),
                n.as_ptr(),
                RRF_RT_REG_SZ,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut len,
            ) != ERROR_SUCCESS
            {
                return None;
            }
            let mut buf = vec![0u16; (len as usize).div_ceil(2)];
            if RegGetValueW(
                key,
                sub.as_ptr(),
                n.as_ptr(),
                RRF_RT_REG_SZ,
                std::ptr::null_mut(),
                buf.as_mut_ptr().cast(),
                &mut len,
            ) != ERROR_SUCCESS
            {
                return None;
            }
            let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
            Some(String::from_utf16_lossy(&buf[..end]))
        }
    };
    let mut looked = Vec::new();
    for (root, root_name) in [(HKEY_LOCAL_MACHINE, "HKLM"), (HKEY_CURRENT_USER, "HKCU")] {
        for (view, view_name) in [(KEY_WOW64_64KEY, "64-bit"), (KEY_WOW64_32KEY, "32-bit")] {
            let path = wide(UNINSTALL);
            let mut key: HKEY = std::ptr::null_mut();
            // SAFETY: opening a key for reading; closed below.
            if unsafe { RegOpenKeyExW(root, path.as_ptr(), 0, KEY_READ | view, &mut key) }
                != ERROR_SUCCESS
            {
                continue;
            }
            looked.push(format!("{root_name}\\{UNINSTALL} ({view_name})"));
            let mut i = 0u32;
            loop {
                let mut name = [0u16; 256];
                let mut len = name.len() as u32;
                // SAFETY: enumerating subkeys into a fixed buffer with its length.
                let rc = unsafe {
                    RegEnumKeyExW(
                        key,
                        i,
                        name.as_mut_ptr(),
                        &mut len,
                        std::ptr::null(),
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                    )
                };
                if rc != ERROR_SUCCESS {
                    break;
                }
                i += 1;
                let sub = &name[..len as usize];
                let mut sub_z: Vec<u16> = sub.to_vec();
                sub_z.push(0);
                if let Some(display) = read(key, &sub_z, "DisplayName").filter(|d| re.is_match(d)) {
                    let version = read(key, &sub_z, "DisplayVersion");
                    // SAFETY: closing the key we opened.
                    unsafe { RegCloseKey(key) };
                    return Found::Yes {
                        evidence: format!(
                            "read {root_name}\\{UNINSTALL}\\{} ({view_name}): DisplayName \"{display}\", DisplayVersion {}",
                            String::from_utf16_lossy(sub),
                            version.as_deref().unwrap_or("(none)")
                        ),
                        version,
                        debian: false,
                    };
                }
            }
            // SAFETY: closing the key we opened.
            unsafe { RegCloseKey(key) };
        }
    }
    Found::No {
        evidence: format!(
            "no DisplayName matching /{pattern}/ in {}",
            looked.join(", ")
        ),
    }
}

#[cfg(windows)]
pub fn exe_version(path: &str) -> Found {
    use windows_sys::Win32::Storage::FileSystem::{
        GetFileVersionInfoSizeW, GetFileVersionInfoW, VS_FIXEDFILEINFO, VerQueryValueW,
    };
    if !std::path::Path::new(path).exists() {
        return Found::No {
            evidence: format!("{path} does not exist"),
        };
    }
    let p = wide(path);
    // SAFETY: sized version-info reads into a buffer we own; the fixed info pointer points into it.
    unsafe {
        let mut handle = 0u32;
        let size = GetFileVersionInfoSizeW(p.as_ptr(), &mut handle);
        if size == 0 {
            return Found::Yes {
                evidence: format!("{path} has no version resource"),
                version: None,
                debian: false,
            };
        }
        let mut buf = vec![0u8; size as usize];
        if GetFileVersionInfoW(p.as_ptr(), 0, size, buf.as_mut_ptr().cast()) == 0 {
            return Found::Unavailable {
                evidence: format!("cannot read the version resource of {path}"),
            };
        }
        let mut info: *mut VS_FIXEDFILEINFO = std::ptr::null_mut();
        let mut len = 0u32;
        let root = wide("\\");
        if VerQueryValueW(
            buf.as_ptr().cast(),
            root.as_ptr(),
            (&mut info as *mut *mut VS_FIXEDFILEINFO).cast(),
            &mut len,
        ) == 0
            || info.is_null()
        {
            return Found::Yes {
                evidence: format!("{path} has no fixed version info"),
                version: None,
                debian: false,
            };
        }
        let f = &*info;
        let v = format!(
            "{}.{}.{}.{}",
            f.dwFileVersionMS >> 16,
            f.dwFileVersionMS & 0xffff,
            f.dwFileVersionLS >> 16,
            f.dwFileVersionLS & 0xffff
        );
        Found::Yes {
            evidence: format!("version resource of {path}: {v}"),
            version: Some(v),
            debian: false,
        }
    }
}
