//! `permissions/admin`: the user is (or is not) an administrator. Unix: uid 0, or membership of
//! an administrators' group (`sudo`, `wheel`, `admin` by default; macOS uses `admin`). Windows:
//! membership of Administrators in the process token, and whether it runs elevated (UAC).

use readycheck_sdk::{CheckResult, KindManifest, t};
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
    pub is_admin: bool,
    pub evidence: Vec<String>,
}

pub fn manifest() -> KindManifest {
    KindManifest::new::<AdminParams>(
        "admin",
        "The user is (or is not) an administrator",
        "Tells whether the current user has administrator rights: uid 0 or membership of \
         sudo/wheel/admin on Linux and macOS, the Administrators group on Windows (elevated or \
         not). IT policy usually wants daily work without them; some installers need them.",
        "[[check]]\nid = \"not-admin\"\nplugin = \"permissions\"\nkind = \"admin\"\ntitle = \"Works without administrator rights\"\nexpect = false\nseverity = \"recommended\"\n",
    )
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
            is_admin: true,
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
        is_admin: member || elevated == Some(true),
        evidence,
    }
}

pub fn evaluate(p: &AdminParams, f: &AdminFacts) -> CheckResult {
    let u = &f.user;
    let mut r = match (p.expect, f.is_admin) {
        (true, true) => {
            CheckResult::pass("permissions.admin.is_admin", t!("admin.is_admin", user = u))
        }
        (true, false) => CheckResult::fail(
            "permissions.admin.not_admin",
            t!("admin.needs_admin", user = u),
        ),
        (false, true) => CheckResult::fail(
            "permissions.admin.is_admin",
            t!("admin.should_not_be_admin", user = u),
        ),
        (false, false) => CheckResult::pass(
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
            is_admin,
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
