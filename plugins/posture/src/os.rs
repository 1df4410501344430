//! Reading the OS without administrator rights: tools run with a deadline, `reg query` output
//! (Windows), PowerShell's JSON, running processes, and whether this process is privileged.

use std::collections::BTreeMap;
use std::time::Duration;

pub use readycheck_sdk::command::run_command;

/// How long one OS tool may take.
pub const TOOL_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `argv`; `Ok(output)` when it exited 0, else why not (with its output).
pub fn tool(argv: &[&str]) -> Result<String, String> {
    let owned: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    match run_command(&owned, TOOL_TIMEOUT) {
        Ok((true, out)) => Ok(out),
        Ok((false, out)) => Err(format!(
            "`{}` failed: {}",
            argv.join(" "),
            out.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
        )),
        Err(e) => Err(e),
    }
}

/// Values directly under the key of a `reg query KEY` listing: name → (type, data).
///
/// The format (documented for `reg query`, captured from Windows 10/11):
/// ```text
///
/// HKEY_LOCAL_MACHINE\SYSTEM\...\StandardProfile
///     EnableFirewall    REG_DWORD    0x1
///     (Default)    REG_SZ
/// ```
pub fn parse_reg(text: &str) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    let mut in_first_key = false;
    for line in text.lines() {
        if line.starts_with("HKEY_") {
            if in_first_key {
                break; // a subkey's listing (with /s); only the key's own values
            }
            in_first_key = true;
            continue;
        }
        let Some(rest) = line.strip_prefix("    ") else {
            continue;
        };
        let Some(at) = rest.find("    REG_") else {
            continue;
        };
        let name = rest[..at].to_string();
        let after = &rest[at + 4..];
        let (ty, data) = match after.split_once("    ") {
            Some((t, d)) => (t.to_string(), d.trim().to_string()),
            None => (after.trim().to_string(), String::new()),
        };
        out.insert(name, (ty, data));
    }
    out
}

/// A REG_DWORD value (`0x1`) from a [`parse_reg`] map.
pub fn reg_dword(values: &BTreeMap<String, (String, String)>, name: &str) -> Option<u32> {
    let (ty, data) = values.get(name)?;
    if ty != "REG_DWORD" {
        return None;
    }
    u32::from_str_radix(data.trim_start_matches("0x"), 16).ok()
}

/// A REG_SZ value.
pub fn reg_sz<'a>(values: &'a BTreeMap<String, (String, String)>, name: &str) -> Option<&'a str> {
    values
        .get(name)
        .filter(|(ty, _)| ty == "REG_SZ" || ty == "REG_EXPAND_SZ")
        .map(|(_, d)| d.as_str())
}

/// `reg query KEY` → its values, or why they could not be read (a missing key is `Ok` empty).
pub fn reg_query(key: &str) -> Result<BTreeMap<String, (String, String)>, String> {
    match tool(&["reg", "query", key]) {
        Ok(out) => Ok(parse_reg(&out)),
        Err(e) if e.contains("unable to find") || e.contains("找不到") => Ok(BTreeMap::new()),
        Err(e) => Err(e),
    }
}

/// Runs a PowerShell snippet whose last pipeline ends in `ConvertTo-Json`; the parsed JSON.
pub fn powershell_json(script: &str) -> Result<serde_json::Value, String> {
    let out = tool(&[
        "powershell",
        "-NoProfile",
        "-NonInteractive",
        "-ExecutionPolicy",
        "Bypass",
        "-Command",
        script,
    ])?;
    let text = out.trim();
    if text.is_empty() {
        return Ok(serde_json::Value::Null);
    }
    serde_json::from_str(text).map_err(|e| format!("PowerShell did not print JSON ({e}): {text}"))
}

/// Every name of every running process (any user's), lower-cased, without `.exe`: the short
/// name, the executable's and `argv[0]`'s file names, an interpreted script's (see
/// [`crate::procs`]) — the same list `apps/running` reads.
pub fn process_names() -> Vec<String> {
    let mut names: Vec<String> = crate::procs::list()
        .unwrap_or_default()
        .into_iter()
        .flat_map(|p| p.names)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether this process runs as root (Unix). On Windows the tools used say themselves when
/// they need elevation.
pub fn is_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Days between two instants, as a float.
pub fn days_between(earlier: std::time::SystemTime, later: std::time::SystemTime) -> f64 {
    later
        .duration_since(earlier)
        .map(|d| d.as_secs_f64() / 86400.0)
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_query_listing() {
        // Captured shape of `reg query "HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\
        // Parameters\FirewallPolicy\StandardProfile"` on Windows 10 22H2.
        let text = "\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile\r\n    DisableNotifications    REG_DWORD    0x0\r\n    EnableFirewall    REG_DWORD    0x1\r\n    Screen Saver Name    REG_SZ    C:\\Windows\\scrnsave.scr\r\n    (Default)    REG_SZ\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\...\\StandardProfile\\Logging\r\n    EnableFirewall    REG_DWORD    0x0\r\n";
        let v = parse_reg(text);
        assert_eq!(reg_dword(&v, "EnableFirewall"), Some(1));
        assert_eq!(reg_dword(&v, "DisableNotifications"), Some(0));
        assert_eq!(
            reg_sz(&v, "Screen Saver Name"),
            Some("C:\\Windows\\scrnsave.scr")
        );
        assert_eq!(reg_sz(&v, "(Default)"), Some(""));
        assert_eq!(reg_dword(&v, "Missing"), None);
    }
}
