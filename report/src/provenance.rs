//! Where the profile of a run came from and whether IT's signature on it was checked: the
//! report's proof of which profile version ran, signed by which key, whether a newer one from
//! readycheck-server was used (and why not, when it was not), and which profile files were
//! refused. Additive to report v1: every field is optional.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The signature state of the profile that ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Signed by a key pinned on this PC and checked: not altered, not expired, not older than
    /// a version of it accepted before.
    Verified,
    /// No signature, and no key pinned on this PC (profiles are not checked).
    Unsigned,
    /// A signature is beside it, but no key is pinned on this PC to check it against.
    NotChecked,
    /// The default profile built into the program.
    BuiltIn,
}

impl SignatureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureStatus::Verified => "verified",
            SignatureStatus::Unsigned => "unsigned",
            SignatureStatus::NotChecked => "not_checked",
            SignatureStatus::BuiltIn => "built_in",
        }
    }
}

/// Where the text of the profile that ran came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProfileOrigin {
    /// The profile file (`source`).
    File,
    /// Fetched from readycheck-server at the start of this run.
    Update,
    /// The last good profile kept on this PC (fetched or accepted by an earlier run).
    Cached,
    /// Built into the program.
    Embedded,
}

/// The signature of the profile that ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileSignature {
    pub status: SignatureStatus,
    pub origin: ProfileOrigin,
    /// The signing key's id (16 hex digits, as minisign prints it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// The last day (UTC, `YYYY-MM-DD`) the signature allows the profile to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// What became of the update the profile asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateOutcome {
    /// The server's profile was newer, verified, and ran.
    Used,
    /// The server's profile is the version already in use.
    Current,
    /// The server's profile is older than the one in use (never run: rollback protection).
    Older,
    /// The server has no profile for this role.
    NoneStored,
    /// The server could not be reached in time (offline): the last good profile ran.
    Unreachable,
    /// The server's profile failed verification (signature, key, expiry, name) and was not used.
    Refused,
    /// The server's answer was not a profile (an HTTP error, a malformed body).
    Failed,
    /// Not asked: no key is pinned on this PC, so an update could not be verified.
    NotChecked,
}

/// The update a run asked readycheck-server for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileUpdate {
    /// Where it was asked for.
    pub url: String,
    pub outcome: UpdateOutcome,
    /// The version the server offered, when it offered one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why it was not used, in the report's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A profile file that was refused (a key is pinned and it failed the checks); the run used the
/// last good profile instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RefusedProfile {
    pub path: String,
    /// `unsigned`, `bad_signature`, `unknown_key`, `altered`, `mismatch`, `expired`, `older`,
    /// `invalid`.
    pub problem: String,
    /// What is wrong and what fixes it, in the report's language.
    pub message: String,
}
