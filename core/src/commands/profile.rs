//! `readycheck profile keygen` and `readycheck profile sign PROFILE`: IT's side of signed
//! profiles (see `crate::signing`). `keygen` writes `NAME.pub` (to pin: ship it in `keys/` next
//! to the program or in the machine-wide keys directory) and `NAME.key` (keep it secret),
//! password-protected unless `--unencrypted` (for a CI job that signs bundles). `sign` writes
//! `PROFILE.minisig` with the profile's name, version and expiry in the trusted comment. The
//! password comes from `READYCHECK_KEY_PASSWORD`, else it is asked on the terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::cli::args::{ProfileAction, ProfileArgs};
use crate::i18n::Locale;
use crate::signing::{self, Password};

use super::{CommandError, CommandResult, Ctx, ExitStatus};

/// The environment variable a key's password may come from.
pub const PASSWORD_ENV: &str = "READYCHECK_KEY_PASSWORD";

/// Runs `profile keygen` or `profile sign`.
pub fn run(args: ProfileArgs, lang: Locale) -> CommandResult {
    let ctx = Ctx::new(&args.common, lang, true, false);
    match args.action {
        ProfileAction::Keygen {
            dir,
            name,
            unencrypted,
        } => keygen(&ctx, &dir, &name, unencrypted),
        ProfileAction::Sign {
            profile,
            key,
            expires,
            valid_for,
        } => sign(&ctx, &profile, &key, expires.as_deref(), valid_for),
    }
}

fn password(ask_ok: bool) -> Password {
    match std::env::var(PASSWORD_ENV) {
        Ok(p) if !p.is_empty() => Password::Given(p),
        _ if ask_ok && std::io::stdin().is_terminal() => Password::Ask,
        _ => Password::None,
    }
}

fn keygen(ctx: &Ctx, dir: &Path, name: &str, unencrypted: bool) -> CommandResult {
    let lang = ctx.lang;
    let public = dir.join(format!("{name}.pub"));
    let secret = dir.join(format!("{name}.key"));
    for p in [&public, &secret] {
        if p.exists() {
            return Err(CommandError::File(crate::tr!(
                lang,
                "signing.keygen_exists",
                path = p.display().to_string()
            )));
        }
    }
    let pw = if unencrypted {
        Password::None
    } else {
        match password(true) {
            Password::None => {
                return Err(CommandError::Usage(crate::tr!(
                    lang,
                    "signing.keygen_no_password",
                    var = PASSWORD_ENV
                )));
            }
            p => p,
        }
    };
    let keys = signing::keygen(pw).map_err(|e| CommandError::System(e.to_string()))?;
    let write = |p: &Path, text: &str| {
        crate::store::write_atomic(p, text.as_bytes()).map_err(|e| {
            CommandError::File(crate::tr!(
                lang,
                "signing.not_written",
                path = p.display().to_string(),
                error = e.to_string()
            ))
        })
    };
    write(&secret, &keys.secret)?;
    restrict(&secret);
    write(&public, &keys.public)?;
    ctx.printer.out(&format!(
        "{}\n",
        crate::tr!(
            lang,
            "signing.keygen_done",
            key = keys.key_id.as_str(),
            public = public.display().to_string(),
            secret = secret.display().to_string()
        )
    ));
    Ok(ExitStatus::Ready)
}

/// The secret key's file readable by its owner only (Unix).
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn sign(
    ctx: &Ctx,
    path: &Path,
    key: &Path,
    expires: Option<&str>,
    valid_for: Option<std::time::Duration>,
) -> CommandResult {
    let lang = ctx.lang;
    let expires = match (expires, valid_for) {
        (Some(d), _) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| CommandError::Usage(crate::tr!(lang, "signing.bad_expires", value = d)))?,
        (None, Some(v)) => signing::expiry_in((v.as_secs() / 86_400).max(1) as u32),
        (None, None) => signing::expiry_in(DEFAULT_VALID_DAYS),
    };
    let profile =
        crate::profile::Profile::load(path).map_err(|e| CommandError::Profile(e.render(lang)))?;
    let secret = crate::store::read_capped(key, 64 * 1024)
        .map_err(|e| {
            CommandError::File(crate::tr!(
                lang,
                "signing.key_unreadable",
                path = key.display().to_string(),
                error = e.to_string()
            ))
        })
        .map(|b| String::from_utf8_lossy(&b).into_owned())?;
    let (sig, v) = signing::sign(&profile.text, &profile, &secret, password(true), expires)
        .map_err(|e| CommandError::Usage(format!("{}: {e}", path.display())))?;
    let sig_path: PathBuf = signing::signature_path(path);
    crate::store::write_atomic(&sig_path, sig.as_bytes()).map_err(|e| {
        CommandError::File(crate::tr!(
            lang,
            "signing.not_written",
            path = sig_path.display().to_string(),
            error = e.to_string()
        ))
    })?;
    ctx.printer.out(&format!(
        "{}\n",
        crate::tr!(
            lang,
            "signing.signed",
            path = path.display().to_string(),
            sig = sig_path.display().to_string(),
            expires = v.signed.expires_str(),
            name = v.signed.name,
            version = v.signed.version,
            key = v.key_id
        )
    ));
    Ok(ExitStatus::Ready)
}

/// How long a signature is valid when neither `--expires` nor `--valid-for` is given.
pub const DEFAULT_VALID_DAYS: u32 = 365;
