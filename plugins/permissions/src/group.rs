//! `permissions/group`: the user is (or is not) in a named group, in the account database and in
//! this login session. When the two differ the fix is to log out and back in, which the message
//! says.

use readycheck_sdk::{CheckRequest, CheckResult, Kind, t};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::accounts::{self, Membership};

/// Parameters of `permissions/group`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupParams {
    /// The group's name, e.g. "traders" or (Windows) "CORP\\Traders".
    pub group: String,
    /// `true` (default): the user must be a member; `false`: must not be.
    #[serde(default = "yes")]
    pub member: bool,
}

fn yes() -> bool {
    true
}

/// The `permissions/group` kind.
pub struct Group;

impl Kind for Group {
    const NAME: &'static str = "group";
    const TITLE: &'static str = "The user is (or is not) in a group";
    const DESCRIPTION: &'static str = "Looks up the group in the account database and in the groups this login session really \
         has. After IT adds someone to a group, the session only gets it at the next login: the \
         check says so instead of reporting a false failure or a false success.";
    const EXAMPLE: &'static str = "[[check]]\nid = \"traders-group\"\nplugin = \"permissions\"\nkind = \"group\"\ntitle = \"Member of the traders group\"\ngroup = \"traders\"\n";
    type Params = GroupParams;

    fn run(p: &GroupParams, _request: &CheckRequest) -> CheckResult {
        run(p)
    }
}

pub fn evaluate(p: &GroupParams, user: &str, m: Option<Membership>) -> CheckResult {
    let g = &p.group;
    let Some(m) = m else {
        return CheckResult::fail(
            "permissions.group.no_such_group",
            t!("group.no_such_group", group = g),
        )
        .evidence(format!("looked up group {g}: not found"));
    };
    let db = match m.database {
        Some(true) => "member in the account database",
        Some(false) => "not a member in the account database",
        None => "account database not consulted on this OS",
    };
    let session = if m.session {
        "active in this session"
    } else {
        "not active in this session"
    };
    let evidence = format!("{user} and group {g}: {db}; {session}");
    let r = match (p.member, m.database, m.session) {
        (true, _, true) => CheckResult::pass(
            "permissions.group.member",
            t!("group.member", user = user, group = g),
        ),
        (true, Some(true), false) => CheckResult::fail(
            "permissions.group.not_yet_active",
            t!("group.not_yet_active", user = user, group = g),
        ),
        (true, _, false) => CheckResult::fail(
            "permissions.group.not_member",
            t!("group.not_member", user = user, group = g),
        ),
        (false, Some(true), _) | (false, _, true) => CheckResult::fail(
            "permissions.group.unexpected_member",
            t!("group.unexpected_member", user = user, group = g),
        ),
        (false, _, false) => CheckResult::pass(
            "permissions.group.not_member",
            t!("group.not_member_ok", user = user, group = g),
        ),
    };
    r.evidence(evidence)
}

pub fn run(p: &GroupParams) -> CheckResult {
    let user = accounts::user_name().unwrap_or_else(|| "this user".into());
    evaluate(p, &user, accounts::membership(&p.group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EnSummary as _;
    use readycheck_sdk::Status;

    fn params(member: bool) -> GroupParams {
        GroupParams {
            group: "traders".into(),
            member,
        }
    }

    #[test]
    fn membership_table() {
        let m = |database, session| Some(Membership { database, session });
        let cases = [
            (
                true,
                m(Some(true), true),
                Status::Pass,
                "permissions.group.member",
            ),
            (
                true,
                m(Some(true), false),
                Status::Fail,
                "permissions.group.not_yet_active",
            ),
            (
                true,
                m(Some(false), false),
                Status::Fail,
                "permissions.group.not_member",
            ),
            (
                true,
                m(None, false),
                Status::Fail,
                "permissions.group.not_member",
            ),
            (true, None, Status::Fail, "permissions.group.no_such_group"),
            (
                false,
                m(Some(false), false),
                Status::Pass,
                "permissions.group.not_member",
            ),
            (
                false,
                m(Some(true), false),
                Status::Fail,
                "permissions.group.unexpected_member",
            ),
        ];
        for (member, facts, status, code) in cases {
            let r = evaluate(&params(member), "alice", facts.clone());
            assert_eq!(
                (r.status, r.code.as_str()),
                (status, code),
                "{member} {facts:?}"
            );
        }
        let r = evaluate(&params(true), "alice", m(Some(true), false));
        assert_eq!(
            r.en_summary(),
            "alice was added to `traders` but it is not yet active: log out and back in (or restart)"
        );
    }

    #[cfg(unix)]
    #[test]
    fn root_group_of_root() {
        if !accounts::is_root() {
            return;
        }
        let r = run(&GroupParams {
            group: "root".into(),
            member: true,
        });
        assert_eq!(r.status, Status::Pass, "{r:?}");
    }
}
