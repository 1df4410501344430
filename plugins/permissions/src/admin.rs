//! `permissions/admin`: the user is (or is not) an administrator. Unix: uid 0, membership of an
//! administrators' group (`sudo`, `wheel`, `admin` by default; macOS uses `admin`), or a sudoers
//! rule that lets the user run anything (or a shell) as root, as `sudo -n -l` lists it; when sudo
//! wants the password even to list the rules, the result says it cannot be told. Windows:
//! membership of Administrators in the process token, and whether it runs elevated (UAC).

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

/// Parameters of `permissions/admin`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminParams {
    /// `true`: the user must be an administrator; `false` (default): must not be — least
    /// privilege for daily work.
    #[serde(default)]
    pub expect: bool,
    /// Unix groups that make a user an administrator (default: sudo, wheel, admin).
    #[serde(default)]
    pub admin_groups: Option<Vec<String>>,
}

/// What the OS says.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminFacts {
    pub user: String,
    /// `None` when it cannot be told without the user's password (sudo rules this user may only
    /// list after typing it).
    pub is_admin: Option<bool>,
    pub evidence: Vec<String>,
}

/// What `sudo -n -l` says about this user's rights.
#[cfg(any(unix, test))]
#[derive(Debug, Clone, PartialEq)]
pub enum Sudo {
    /// A rule lets the user run anything as root (or any user), or a shell: (the rule).
    Admin(String),
    /// Rules exist, none gives full rights; or sudo says the user may not run it.
    Limited(String),
    /// sudo wants the password even to list the rules.
    NeedsPassword,
    /// sudo is not installed or could not run: (why).
    Unavailable(String),
}

/// Judges `sudo -n -l` (exit status and output). Rules look like `(ALL : ALL) ALL`,
/// `(root) NOPASSWD: ALL`, `(ALL) /usr/bin/apt, /bin/bash`.
#[cfg(any(unix, test))]
pub fn sudo_reading(ok: bool, text: &str) -> Sudo {
    let lower = text.to_lowercase();
    if !ok {
        if lower.contains("password is required") {
            return Sudo::NeedsPassword;
        }
        if lower.contains("may not run sudo") || lower.contains("not in the sudoers") {
            return Sudo::Limited("sudo: this user may not run sudo".into());
        }
        return Sudo::Unavailable(
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("sudo failed")
                .trim()
                .to_string(),
        );
    }
    let shells = [
        "/bin/sh",
        "/bin/bash",
        "/usr/bin/bash",
        "/bin/zsh",
        "/usr/bin/su",
        "/bin/su",
    ];
    let mut in_rules = false;
    let mut rules = Vec::new();
    for line in text.lines() {
        if line.contains("may run the following commands") {
            in_rules = true;
            continue;
        }
        let l = line.trim();
        if !in_rules || !l.starts_with('(') {
            continue;
        }
        let Some(close) = l.find(')') else { continue };
        let runas = &l[1..close];
        let targets_root = runas
            .split([':', ','])
            .map(str::trim)
            .any(|u| u == "ALL" || u == "root");
        // Tags ("NOPASSWD:", "SETENV:") before the commands.
        let mut cmds = l[close + 1..].trim();
        while let Some((tag, rest)) = cmds.split_once(':') {
            if tag
                .trim()
                .chars()
                .all(|c| c.is_ascii_uppercase() || c == '_')
                && !tag.trim().is_empty()
            {
                cmds = rest.trim();
            } else {
                break;
            }
        }
        let full = cmds
            .split(',')
            .map(str::trim)
            .any(|c| c == "ALL" || shells.contains(&c.split_whitespace().next().unwrap_or("")));
        if targets_root && full {
            return Sudo::Admin(format!("sudo -l: {l}"));
        }
        rules.push(l.to_string());
    }
    Sudo::Limited(if rules.is_empty() {
        "sudo -l: no rules for this user".into()
    } else {
        format!("sudo -l: only {}", rules.join("; "))
    })
}

/// The `permissions/admin` kind.
pub struct Admin;

impl Kind for Admin {
    const NAME: &'static str = "admin";
    const TITLE: &'static str = "The user is (or is not) an administrator";
    const DESCRIPTION: &'static str = "Tells whether the current user has administrator rights: uid 0 or membership of \
         sudo/wheel/admin on Linux and macOS, the Administrators group on Windows (elevated or \
         not). IT policy usually wants daily work without them; some installers need them.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"not-admin\"\nplugin = \"permissions\"\nkind = \"admin\"\ntitle = \"Works without administrator rights\"\nexpect = false\nseverity = \"recommended\"\n";
    type Params = AdminParams;

    fn run(p: &AdminParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

#[cfg(unix)]
pub fn gather(p: &AdminParams) -> AdminFacts {
    use crate::accounts;
    let user = accounts::user_name().unwrap_or_else(|| "this user".into());
    let groups = p
        .admin_groups
        .clone()
        .unwrap_or_else(|| vec!["sudo".into(), "wheel".into(), "admin".into()]);
    let mut evidence = Vec::new();
    if accounts::is_root() {
        evidence.push("effective uid is 0 (root)".to_string());
        return AdminFacts {
            user,
            is_admin: Some(true),
            evidence,
        };
    }
    let mut is_admin = false;
    for g in &groups {
        match accounts::membership(g) {
            Some(m) => {
                let member = m.session || m.database == Some(true);
                evidence.push(format!(
                    "group {g}: {}",
                    if member { "member" } else { "not a member" }
                ));
                is_admin |= member;
            }
            None => evidence.push(format!("group {g}: does not exist here")),
        }
    }
    if is_admin {
        return AdminFacts {
            user,
            is_admin: Some(true),
            evidence,
        };
    }
    // Rights granted by sudoers rules to the user or another group: ask sudo, without a
    // password (-n), to list them.
    let argv = ["sudo", "-n", "-l"].map(String::from);
    let reading =
        match readycheck_sdk::command::run_command(&argv, std::time::Duration::from_secs(5)) {
            Ok((ok, text)) => sudo_reading(ok, &text),
            Err(e) => Sudo::Unavailable(e),
        };
    let is_admin = match reading {
        Sudo::Admin(rule) => {
            evidence.push(rule);
            Some(true)
        }
        Sudo::Limited(why) => {
            evidence.push(why);
            Some(false)
        }
        Sudo::NeedsPassword => {
            evidence
                .push("sudo -n -l: a password is required to list this user's sudo rules".into());
            None
        }
        Sudo::Unavailable(why) => {
            evidence.push(format!("sudo -n -l: {why}"));
            Some(false)
        }
    };
    AdminFacts {
        user,
        is_admin,
        evidence,
    }
}

#[cfg(windows)]
pub fn gather(p: &AdminParams) -> AdminFacts {
    use crate::accounts;
    let user = accounts::user_name().unwrap_or_else(|| "this user".into());
    let mut evidence = Vec::new();
    if p.admin_groups.is_some() {
        evidence.push(
            "admin_groups applies to Linux and macOS; Windows uses BUILTIN\\Administrators"
                .to_string(),
        );
    }
    // S-1-5-32-544, BUILTIN\Administrators, matched in the token including deny-only entries
    // (a non-elevated administrator's token lists it as deny-only).
    let member = accounts::token_lists_administrators();
    let elevated = accounts::is_elevated();
    evidence.push(format!(
        "process token lists BUILTIN\\Administrators: {member}"
    ));
    evidence.push(match elevated {
        Some(e) => format!("token elevated (UAC): {e}"),
        None => "token elevation could not be read".to_string(),
    });
    AdminFacts {
        user,
        is_admin: Some(member || elevated == Some(true)),
        evidence,
    }
}

pub fn evaluate(p: &AdminParams, f: &AdminFacts) -> CheckResult {
    let u = &f.user;
    let mut r = match (p.expect, f.is_admin) {
        (_, None) => CheckResult::warn(
            "permissions.admin.undetermined",
            t!("admin.undetermined", user = u),
        ),
        (true, Some(true)) => {
            CheckResult::pass("permissions.admin.is_admin", t!("admin.is_admin", user = u))
        }
        (true, Some(false)) => CheckResult::fail(
            "permissions.admin.not_admin",
            t!("admin.needs_admin", user = u),
        ),
        (false, Some(true)) => CheckResult::fail(
            "permissions.admin.is_admin",
            t!("admin.should_not_be_admin", user = u),
        ),
        (false, Some(false)) => CheckResult::pass(
            "permissions.admin.not_admin",
            t!("admin.not_admin", user = u),
        ),
    };
    r.evidence = f.evidence.clone();
    r
}

pub fn run(p: &AdminParams) -> CheckResult {
    evaluate(p, &gather(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use readycheck_sdk::Status;

    #[test]
    fn expectation_table() {
        let f = |is_admin| AdminFacts {
            user: "bob".into(),
            is_admin: Some(is_admin),
            evidence: vec![],
        };
        let p = |expect| AdminParams {
            expect,
            admin_groups: None,
        };
        assert_eq!(evaluate(&p(true), &f(true)).status, Status::Pass);
        assert_eq!(
            evaluate(&p(true), &f(false)).code,
            "permissions.admin.not_admin"
        );
        assert_eq!(evaluate(&p(false), &f(true)).status, Status::Fail);
        assert_eq!(evaluate(&p(false), &f(false)).status, Status::Pass);
        let unknown = AdminFacts {
            user: "bob".into(),
            is_admin: None,
            evidence: vec![],
        };
        assert_eq!(
            evaluate(&p(false), &unknown).code,
            "permissions.admin.undetermined"
        );
    }

    #[test]
    fn sudo_listings() {
        // `sudo -n -l` as printed by sudo 1.9 (Debian 12).
        let head = "Matching Defaults entries for alice on pc:\n    env_reset, secure_path=/usr/sbin\\:/usr/bin\n\nUser alice may run the following commands on pc:\n";
        let admin = [
            "    (ALL : ALL) ALL\n",
            "    (root) NOPASSWD: ALL\n",
            "    (ALL) NOPASSWD: SETENV: ALL\n",
            "    (root) /usr/bin/apt, /bin/bash\n",
        ];
        for rule in admin {
            assert!(
                matches!(sudo_reading(true, &format!("{head}{rule}")), Sudo::Admin(_)),
                "{rule}"
            );
        }
        let limited = [
            "    (root) NOPASSWD: /usr/bin/systemctl restart openvpn\n",
            "    (backup) ALL\n",
        ];
        for rule in limited {
            assert!(
                matches!(
                    sudo_reading(true, &format!("{head}{rule}")),
                    Sudo::Limited(_)
                ),
                "{rule}"
            );
        }
        assert_eq!(
            sudo_reading(false, "sudo: a password is required\n"),
            Sudo::NeedsPassword
        );
        assert!(matches!(
            sudo_reading(false, "Sorry, user alice may not run sudo on pc.\n"),
            Sudo::Limited(_)
        ));
    }

    #[cfg(unix)]
    #[test]
    fn root_is_an_administrator() {
        if !crate::accounts::is_root() {
            return;
        }
        let r = run(&AdminParams {
            expect: true,
            admin_groups: None,
        });
        assert_eq!(r.status, Status::Pass);
        assert!(r.evidence[0].contains("uid is 0"));
    }
}
