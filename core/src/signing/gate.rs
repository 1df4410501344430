//! Which profile a run uses. With no key pinned, the profile found is used as before and the
//! report says whether it was signed. With a key pinned, only a profile that key signed is used:
//! the file found, the last good profile kept on this PC, or a newer one readycheck-server
//! serves — whichever verified one is newest. A refused file is named on stderr and in the
//! report when the run goes on with the last good profile; with nothing verified to run, the run
//! does not start and the message says why and what fixes it.
//!
//! Updates are asked only with a key pinned, and only at the source a *verified* profile names
//! (an unverified profile's URL could send the device token anywhere). A fetched profile must
//! carry the same signed name as the one it replaces, be newer than it, and pass every check;
//! anything else is reported and the run goes on with what it had.

use std::cmp::Ordering;
use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use readycheck_report::{
    ProfileOrigin, ProfileSignature, ProfileUpdate, RefusedProfile, SignatureStatus, UpdateOutcome,
};
use readycheck_sdk::i18n::{Locale, Msg};
use readycheck_sdk::t;

use super::seen::Seen;
use super::update::{self, Fetched, UpdateSource};
use super::{PinnedKeys, Refusal, Verified, check_identity, compare_versions, verify};
use crate::profile::{Profile, ProfileError, Source};

/// Where and how the gate looks.
#[derive(Debug, Clone)]
pub struct Settings {
    pub keys: PinnedKeys,
    /// The rollback state file (`None`: nothing remembered).
    pub seen: Option<PathBuf>,
    /// The last good profiles' directory (`None`: none kept).
    pub cache: Option<PathBuf>,
    pub today: NaiveDate,
    /// Whether to ask the update source (runs do; `validate` does not).
    pub fetch: bool,
    pub timeout: Duration,
    /// Whether to remember what was accepted (rollback state, last good copy).
    pub persist: bool,
    /// The language of refusals and update reasons in the report and on stderr.
    pub lang: Locale,
}

impl Settings {
    /// The settings of a run of a program in `exe_dir`: its pinned keys, the data directory's
    /// state, today's date, updates asked with a 3 s limit.
    pub fn for_run(exe_dir: Option<&std::path::Path>, lang: Locale) -> Settings {
        Settings {
            keys: PinnedKeys::discover(exe_dir),
            seen: super::seen::path(),
            cache: update::cache_dir(),
            today: super::today(),
            fetch: true,
            timeout: update::FETCH_TIMEOUT,
            persist: true,
            lang,
        }
    }
}

/// The profile a run uses and what the report says about it.
#[derive(Debug, Clone)]
pub struct Decision {
    pub profile: Profile,
    pub signature: ProfileSignature,
    pub update: Option<ProfileUpdate>,
    pub refused: Vec<RefusedProfile>,
    /// Lines for stderr: refusals the run went on past, and state that could not be kept.
    pub warnings: Vec<Msg>,
}

/// Why no profile can run.
#[derive(Debug, Clone)]
pub enum Stop {
    /// The profile is not a valid profile (as without signing).
    Invalid(ProfileError),
    /// A key is pinned and the profile failed its checks, with no last good profile to run.
    Refused {
        file: String,
        refusal: Refusal,
        /// The pinned key ids, for the message.
        keys: Vec<String>,
    },
}

impl Stop {
    /// The message for stderr.
    pub fn render(&self, lang: Locale) -> String {
        match self {
            Stop::Invalid(e) => e.render(lang),
            Stop::Refused {
                file,
                refusal,
                keys,
            } => crate::i18n::render(
                lang,
                &t!(
                    "signing.stop",
                    message = refusal.msg(file),
                    keys = keys.join(", ")
                ),
            ),
        }
    }
}

/// The checks a profile's text and signature must pass to be a [`Candidate`].
type Accept<'a> = dyn Fn(&str, Option<&str>, Source) -> Result<Candidate, Refusal> + 'a;

/// One verified profile the run could use.
#[derive(Debug, Clone)]
struct Candidate {
    profile: Profile,
    sig: String,
    verified: Verified,
    origin: ProfileOrigin,
}

fn render(lang: Locale, m: &Msg) -> String {
    crate::i18n::render(lang, m)
}

/// Decides the profile of a run from the file found (`None`: the built-in default).
pub fn decide(path: Option<&std::path::Path>, s: &Settings) -> Result<Decision, Stop> {
    let Some(path) = path else {
        return Ok(Decision {
            profile: Profile::embedded(),
            signature: ProfileSignature {
                status: SignatureStatus::BuiltIn,
                origin: ProfileOrigin::Embedded,
                key_id: None,
                expires: None,
            },
            update: None,
            refused: Vec::new(),
            warnings: Vec::new(),
        });
    };
    let profile = Profile::load(path).map_err(Stop::Invalid)?;
    let sig_path = super::signature_path(path);
    let sig = crate::store::read_capped(&sig_path, super::MAX_SIG_BYTES)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    let file = path.display().to_string();

    if !s.keys.pinned() {
        let key_id = sig.as_deref().and_then(super::signature_key_id);
        let update = update::source_of(&profile.text).map(|src| ProfileUpdate {
            url: src.url,
            outcome: UpdateOutcome::NotChecked,
            version: None,
            reason: Some(render(s.lang, &t!("signing.update.no_key"))),
        });
        return Ok(Decision {
            profile,
            signature: ProfileSignature {
                status: if sig.is_some() {
                    SignatureStatus::NotChecked
                } else {
                    SignatureStatus::Unsigned
                },
                origin: ProfileOrigin::File,
                key_id,
                expires: None,
            },
            update,
            refused: Vec::new(),
            warnings: Vec::new(),
        });
    }

    let mut seen = s.seen.as_deref().map(Seen::load).unwrap_or_default();
    let mut refused = Vec::new();
    let mut warnings = Vec::new();
    let accept = |text: &str, sig: Option<&str>, source: Source| -> Result<Candidate, Refusal> {
        let v = verify(text.as_bytes(), sig, &s.keys, s.today)?;
        let p = Profile::parse(text, source).map_err(|e| Refusal::Invalid {
            error: e.render(s.lang),
        })?;
        check_identity(&v, &p)?;
        seen.check(&v)?;
        Ok(Candidate {
            profile: p,
            sig: sig.unwrap_or_default().to_string(),
            verified: v,
            origin: ProfileOrigin::File,
        })
    };
    let source = Source::File(path.to_path_buf());
    let mut local_refusal = None;
    let local = match accept(&profile.text, sig.as_deref(), source.clone()) {
        Ok(c) => Some(c),
        Err(r) => {
            let msg = r.msg(&file);
            warnings.push(t!("signing.refused_warning", message = msg.clone()));
            refused.push(RefusedProfile {
                path: file.clone(),
                problem: r.code().into(),
                message: render(s.lang, &msg),
            });
            local_refusal = Some(r);
            None
        }
    };
    // The last good profile of the same name: the verified one's name, else the name the
    // refused file gives (only ever used after it verifies itself).
    let name = local
        .as_ref()
        .map(|c| c.verified.signed.name.clone())
        .unwrap_or_else(|| super::signed_name(&profile));
    let cached = s
        .cache
        .as_deref()
        .and_then(|dir| update::load_cached(dir, &name))
        .and_then(|(text, sig)| accept(&text, Some(&sig), source.clone()).ok())
        .map(|mut c| {
            c.origin = ProfileOrigin::Cached;
            c
        });
    let mut best = newest(local, cached);

    // The update, asked at the source the best verified profile names.
    let mut update_info = None;
    if let Some(src) = best
        .as_ref()
        .and_then(|c| update::source_of(&c.profile.text))
    {
        let (info, fetched) = if s.fetch {
            ask(&src, s, &accept, best.as_ref())
        } else {
            (
                ProfileUpdate {
                    url: src.url.clone(),
                    outcome: UpdateOutcome::NotChecked,
                    version: None,
                    reason: Some(render(s.lang, &t!("signing.update.not_asked"))),
                },
                None,
            )
        };
        update_info = Some(info);
        if let Some(c) = fetched {
            best = Some(c);
        }
    }

    let Some(chosen) = best else {
        return Err(Stop::Refused {
            file,
            refusal: local_refusal.unwrap_or(Refusal::Unsigned),
            keys: s.keys.ids(),
        });
    };

    if s.persist {
        if let Some(p) = &s.seen
            && seen.record(&chosen.verified)
            && let Err(e) = seen.save(p)
        {
            warnings.push(t!(
                "signing.state_not_kept",
                path = p.display().to_string(),
                error = e.to_string()
            ));
        }
        if chosen.origin != ProfileOrigin::Cached
            && let Some(dir) = &s.cache
            && let Err(e) = update::store_cached(
                dir,
                &chosen.verified.signed.name,
                &chosen.profile.text,
                &chosen.sig,
            )
        {
            warnings.push(t!(
                "signing.state_not_kept",
                path = dir.display().to_string(),
                error = e.to_string()
            ));
        }
    }
    Ok(Decision {
        signature: ProfileSignature {
            status: SignatureStatus::Verified,
            origin: chosen.origin,
            key_id: Some(chosen.verified.key_id.clone()),
            expires: Some(chosen.verified.signed.expires_str()),
        },
        profile: chosen.profile,
        update: update_info,
        refused,
        warnings,
    })
}

/// The newer of two verified profiles (the first on a tie).
fn newest(a: Option<Candidate>, b: Option<Candidate>) -> Option<Candidate> {
    match (a, b) {
        (Some(a), Some(b)) => {
            if compare_versions(&b.verified.signed.version, &a.verified.signed.version)
                == Ordering::Greater
            {
                Some(b)
            } else {
                Some(a)
            }
        }
        (a, b) => a.or(b),
    }
}

/// Asks the update source; what the report says, and the fetched profile when it is used.
fn ask(
    src: &UpdateSource,
    s: &Settings,
    accept: &Accept<'_>,
    current: Option<&Candidate>,
) -> (ProfileUpdate, Option<Candidate>) {
    let info = |outcome, version: Option<String>, reason: Option<Msg>| ProfileUpdate {
        url: src.url.clone(),
        outcome,
        version,
        reason: reason.map(|m| render(s.lang, &m)),
    };
    // Every answer but a profile is an update not used, with its outcome and reason.
    let (outcome, reason) = match update::fetch(src, s.timeout, s.lang) {
        Fetched::Profile { text, signature } => (Ok((text, signature)), None),
        Fetched::NoneStored => (
            Err(UpdateOutcome::NoneStored),
            Some(t!("signing.update.none_stored")),
        ),
        Fetched::Unreachable(e) => (
            Err(UpdateOutcome::Unreachable),
            Some(t!("signing.update.unreachable", error = e)),
        ),
        Fetched::Http(status) => (
            Err(UpdateOutcome::Failed),
            Some(t!("signing.update.http", status = status)),
        ),
        Fetched::Malformed(e) => (
            Err(UpdateOutcome::Failed),
            Some(t!("signing.update.malformed", error = e)),
        ),
        Fetched::Setup(e) => (
            Err(UpdateOutcome::Failed),
            Some(t!("signing.update.setup", error = e)),
        ),
    };
    let (text, sig) = match outcome {
        Ok(fetched) => fetched,
        Err(outcome) => return (info(outcome, None, reason), None),
    };
    let where_from = src.url.clone();
    let source = current
        .map(|c| c.profile.source.clone())
        .unwrap_or(Source::Embedded);
    let offered = super::Signed::parse(
        &minisign::SignatureBox::from_string(&sig)
            .ok()
            .and_then(|b| b.trusted_comment().ok())
            .unwrap_or_default(),
    )
    .map(|s| s.version);
    let mut c = match accept(&text, Some(&sig), source) {
        Ok(c) => c,
        Err(Refusal::Older { version, seen, .. }) => {
            return (
                info(
                    UpdateOutcome::Older,
                    Some(version.clone()),
                    Some(t!(
                        "signing.update.older",
                        version = version,
                        current = seen
                    )),
                ),
                None,
            );
        }
        Err(r) => {
            return (
                info(
                    UpdateOutcome::Refused,
                    offered,
                    Some(t!("signing.update.refused", message = r.msg(&where_from))),
                ),
                None,
            );
        }
    };
    let version = c.verified.signed.version.clone();
    if let Some(cur) = current {
        if c.verified.signed.name != cur.verified.signed.name {
            return (
                info(
                    UpdateOutcome::Refused,
                    Some(version),
                    Some(t!(
                        "signing.update.other_profile",
                        name = c.verified.signed.name.clone(),
                        current = cur.verified.signed.name.clone()
                    )),
                ),
                None,
            );
        }
        match compare_versions(&version, &cur.verified.signed.version) {
            Ordering::Equal => {
                return (info(UpdateOutcome::Current, Some(version), None), None);
            }
            Ordering::Less => {
                return (
                    info(
                        UpdateOutcome::Older,
                        Some(version.clone()),
                        Some(t!(
                            "signing.update.older",
                            version = version,
                            current = cur.verified.signed.version.clone()
                        )),
                    ),
                    None,
                );
            }
            Ordering::Greater => {}
        }
    }
    c.origin = ProfileOrigin::Update;
    (info(UpdateOutcome::Used, Some(version), None), Some(c))
}

/// What a profile file's signature says on this PC, for `readycheck validate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileStatus {
    /// Checked against a pinned key: it would run.
    Verified(Verified),
    /// No key is pinned, and the file is not signed.
    Unsigned,
    /// No key is pinned; the file is signed with this key (not checked).
    NotChecked { key_id: Option<String> },
    /// A key is pinned and the file would be refused.
    Refused(Refusal),
}

impl FileStatus {
    /// One line for the reader.
    pub fn msg(&self, file: &str) -> Msg {
        match self {
            FileStatus::Verified(v) => t!(
                "signing.status.verified",
                key = v.key_id.as_str(),
                version = v.signed.version.as_str(),
                expires = v.signed.expires_str()
            ),
            FileStatus::Unsigned => t!("signing.status.unsigned"),
            FileStatus::NotChecked { key_id } => t!(
                "signing.status.not_checked",
                key = key_id.clone().unwrap_or_else(|| "?".into())
            ),
            FileStatus::Refused(r) => t!("signing.status.refused", message = r.msg(file)),
        }
    }
}

/// The signature status of the profile file at `path` (already parsed as `profile`), judged
/// as a run would judge that file (without falling back on a last good profile).
pub fn file_status(path: &std::path::Path, profile: &Profile, s: &Settings) -> FileStatus {
    let sig = crate::store::read_capped(&super::signature_path(path), super::MAX_SIG_BYTES)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned());
    if !s.keys.pinned() {
        return match sig {
            None => FileStatus::Unsigned,
            Some(sig) => FileStatus::NotChecked {
                key_id: super::signature_key_id(&sig),
            },
        };
    }
    let seen = s.seen.as_deref().map(Seen::load).unwrap_or_default();
    let checked = verify(profile.text.as_bytes(), sig.as_deref(), &s.keys, s.today)
        .and_then(|v| check_identity(&v, profile).map(|()| v))
        .and_then(|v| seen.check(&v).map(|()| v));
    match checked {
        Ok(v) => FileStatus::Verified(v),
        Err(r) => FileStatus::Refused(r),
    }
}
