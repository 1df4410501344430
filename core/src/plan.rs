//! What a run will do, decided before it starts: the `--only`/`--skip` selection is checked
//! against the profile's check ids here, once, with a "did you mean" for a near miss.

use readycheck_sdk::t;

use crate::i18n::Locale;
use crate::profile::Profile;

/// One message per `--only`/`--skip` id the profile does not have; empty when all are known.
pub fn unknown_selection(
    profile: &Profile,
    only: &[String],
    skip: &[String],
    lang: Locale,
) -> Vec<String> {
    let ids: Vec<&str> = profile.checks.iter().map(|c| c.id.as_str()).collect();
    let mut errs = Vec::new();
    for (flag, list) in [("--only", only), ("--skip", skip)] {
        for id in list.iter().filter(|id| !ids.contains(&id.as_str())) {
            let hint = crate::profile::diagnostic::did_you_mean(id, ids.iter().copied())
                .unwrap_or_else(|| {
                    t!(
                        "cli.the_checks_are",
                        ids = ids.iter().map(|s| s.to_string()).collect::<Vec<_>>()
                    )
                });
            errs.push(crate::tr!(
                lang,
                "cli.unknown_selection",
                flag = flag,
                id = id,
                hint = hint
            ));
        }
    }
    errs
}
