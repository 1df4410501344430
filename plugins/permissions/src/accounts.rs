//! Who the current user is and which groups they belong to — both in the account database
//! (what an administrator configured) and in this login session (what the running processes
//! actually have). The two differ until the user logs out and in again after a change.

/// Group membership as seen two ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// In the account database (`/etc/group` or the directory service via NSS), or `None` where
    /// the OS does not tell it apart from the session.
    pub database: Option<bool>,
    /// In the groups of this session's processes.
    pub session: bool,
}

#[cfg(unix)]
mod imp {
    use std::ffi::{CStr, CString};

    use super::Membership;

    /// The effective user's name.
    pub fn user_name() -> Option<String> {
        // SAFETY: getpwuid returns static storage or null; copied out at once.
        unsafe {
            let pw = libc::getpwuid(libc::geteuid());
            if pw.is_null() || (*pw).pw_name.is_null() {
                return None;
            }
            Some(CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned())
        }
    }

    /// The effective user's primary group id in the database.
    fn primary_gid(user: &str) -> Option<libc::gid_t> {
        let c = CString::new(user).ok()?;
        // SAFETY: as for getpwuid.
        unsafe {
            let pw = libc::getpwnam(c.as_ptr());
            (!pw.is_null()).then(|| (*pw).pw_gid)
        }
    }

    /// A group's gid and its member list from the database.
    pub fn group(name: &str) -> Option<(libc::gid_t, Vec<String>)> {
        let c = CString::new(name).ok()?;
        // SAFETY: getgrnam returns static storage or null; everything is copied before return.
        unsafe {
            let gr = libc::getgrnam(c.as_ptr());
            if gr.is_null() {
                return None;
            }
            let mut members = Vec::new();
            let mut p = (*gr).gr_mem;
            while !p.is_null() && !(*p).is_null() {
                members.push(CStr::from_ptr(*p).to_string_lossy().into_owned());
                p = p.add(1);
            }
            Some(((*gr).gr_gid, members))
        }
    }

    /// The gids of this process (effective gid and supplementary groups).
    pub fn session_gids() -> Vec<libc::gid_t> {
        // SAFETY: first call asks for the count, second fills a buffer of that size.
        unsafe {
            let n = libc::getgroups(0, std::ptr::null_mut());
            let mut v = vec![0 as libc::gid_t; n.max(0) as usize];
            let got = libc::getgroups(n, v.as_mut_ptr());
            v.truncate(got.max(0) as usize);
            v.push(libc::getegid());
            v
        }
    }

    /// Whether the effective user is root.
    pub fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions.
        unsafe { libc::geteuid() == 0 }
    }

    /// Membership of the current user in `group`, or `None` if the group does not exist.
    pub fn membership(group_name: &str) -> Option<Membership> {
        let (gid, members) = group(group_name)?;
        let user = user_name();
        let database = user
            .as_deref()
            .map(|u| members.iter().any(|m| m == u) || primary_gid(u) == Some(gid));
        Some(Membership {
            database,
            session: session_gids().contains(&gid),
        })
    }
}

#[cfg(windows)]
mod imp {
    use super::Membership;
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::Security::{
        CheckTokenMembership, GetTokenInformation, LookupAccountNameW, SID_NAME_USE,
        TOKEN_ELEVATION, TOKEN_QUERY, TokenElevation,
    };
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    pub fn user_name() -> Option<String> {
        std::env::var("USERNAME").ok()
    }

    fn wide(s: &str) -> Vec<u16> {
        s.encode_utf16().chain(std::iter::once(0)).collect()
    }

    /// The SID of an account or group name.
    pub fn sid_of(name: &str) -> Option<Vec<u8>> {
        let w = wide(name);
        let (mut sid_len, mut dom_len) = (0u32, 0u32);
        let mut use_: SID_NAME_USE = 0;
        // SAFETY: first call sizes the buffers, second fills them.
        unsafe {
            LookupAccountNameW(
                std::ptr::null(),
                w.as_ptr(),
                std::ptr::null_mut(),
                &mut sid_len,
                std::ptr::null_mut(),
                &mut dom_len,
                &mut use_,
            );
            if sid_len == 0 {
                return None;
            }
            let mut sid = vec![0u8; sid_len as usize];
            let mut dom = vec![0u16; dom_len.max(1) as usize];
            let ok = LookupAccountNameW(
                std::ptr::null(),
                w.as_ptr(),
                sid.as_mut_ptr().cast(),
                &mut sid_len,
                dom.as_mut_ptr(),
                &mut dom_len,
                &mut use_,
            );
            (ok != 0).then_some(sid)
        }
    }

    /// Whether this process's token contains `sid` (enabled).
    pub fn token_has(sid: &[u8]) -> bool {
        let mut is_member = 0i32;
        // SAFETY: a null token means "the calling thread's/process's token"; sid is a valid SID.
        let ok = unsafe {
            CheckTokenMembership(std::ptr::null_mut(), sid.as_ptr() as *mut _, &mut is_member)
        };
        ok != 0 && is_member != 0
    }

    /// Whether the process runs elevated (UAC).
    pub fn is_elevated() -> Option<bool> {
        // SAFETY: query our own process token; closed before return.
        unsafe {
            let mut token: HANDLE = std::ptr::null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return None;
            }
            let mut elevation: TOKEN_ELEVATION = std::mem::zeroed();
            let mut len = 0u32;
            let ok = GetTokenInformation(
                token,
                TokenElevation,
                &mut elevation as *mut _ as *mut _,
                std::mem::size_of::<TOKEN_ELEVATION>() as u32,
                &mut len,
            );
            CloseHandle(token);
            (ok != 0).then_some(elevation.TokenIsElevated != 0)
        }
    }

    /// Whether the process token lists BUILTIN\Administrators at all — enabled (elevated) or
    /// deny-only (an administrator running without elevation).
    pub fn token_lists_administrators() -> bool {
        use windows_sys::Win32::Security::{
            CreateWellKnownSid, EqualSid, TOKEN_GROUPS, TokenGroups, WinBuiltinAdministratorsSid,
        };
        // SAFETY: sized calls into our own token; buffers outlive their use; the token handle is
        // closed before return.
        unsafe {
            let mut admin = [0u8; 68];
            let mut admin_len = admin.len() as u32;
            if CreateWellKnownSid(
                WinBuiltinAdministratorsSid,
                std::ptr::null_mut(),
                admin.as_mut_ptr().cast(),
                &mut admin_len,
            ) == 0
            {
                return false;
            }
            let mut token: HANDLE = std::ptr::null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return false;
            }
            let mut len = 0u32;
            GetTokenInformation(token, TokenGroups, std::ptr::null_mut(), 0, &mut len);
            let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
            let ok =
                GetTokenInformation(token, TokenGroups, buf.as_mut_ptr().cast(), len, &mut len);
            CloseHandle(token);
            if ok == 0 {
                return false;
            }
            let groups = &*(buf.as_ptr() as *const TOKEN_GROUPS);
            let entries =
                std::slice::from_raw_parts(groups.Groups.as_ptr(), groups.GroupCount as usize);
            entries
                .iter()
                .any(|g| EqualSid(g.Sid, admin.as_mut_ptr().cast()) != 0)
        }
    }

    /// Membership by the token only: Windows does not tell the database apart cheaply.
    pub fn membership(group_name: &str) -> Option<Membership> {
        let sid = sid_of(group_name)?;
        Some(Membership {
            database: None,
            session: token_has(&sid),
        })
    }
}

pub use imp::*;
