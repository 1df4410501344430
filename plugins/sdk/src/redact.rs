//! Credentials never leave a plugin or the host: the one place that hides user names and
//! passwords in proxy-like values — `scheme://user:pass@host`, `user:pass@host:port` without a
//! scheme, passwords that contain `@`, and every entry of lists and of Windows' `http=…;https=…`
//! form — for evidence, summaries, observations and reports alike.

/// `value` with the credentials of every proxy-like part replaced by `***`.
pub fn credentials(value: &str) -> String {
    each_part(value, |authority_rest, scheme| {
        format!("{scheme}***@{authority_rest}")
    })
}

/// `value` with the credentials of every proxy-like part removed (`http://proxy:3128`), for
/// values that name a proxy rather than quote a setting.
pub fn strip_credentials(value: &str) -> String {
    each_part(value, |authority_rest, scheme| {
        format!("{scheme}{authority_rest}")
    })
}

fn each_part(value: &str, hide: impl Fn(&str, &str) -> String) -> String {
    let mut out = String::with_capacity(value.len());
    let mut token = String::new();
    for c in value.chars() {
        if matches!(c, ',' | ';' | ' ' | '\t' | '\n' | '=') {
            out.push_str(&one(&token, &hide));
            token.clear();
            out.push(c);
        } else {
            token.push(c);
        }
    }
    out.push_str(&one(&token, &hide));
    out
}

fn one(token: &str, hide: &impl Fn(&str, &str) -> String) -> String {
    let (scheme, rest) = match token.find("://") {
        Some(i) => (&token[..i + 3], &token[i + 3..]),
        None => ("", token),
    };
    // Only the authority: an @ in a path is not a credential; the last @ before it ends them.
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return token.to_string();
    };
    let userinfo = &rest[..at];
    if scheme.is_empty() && !userinfo.contains(':') {
        // "alice@corp.example": an address, not credentials.
        return token.to_string();
    }
    hide(&rest[at + 1..], scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_credentials_is_hidden() {
        assert_eq!(
            credentials("http://u:p@proxy:3128"),
            "http://***@proxy:3128"
        );
        assert_eq!(
            credentials("http://u:p@ss@proxy:3128/x"),
            "http://***@proxy:3128/x"
        );
        assert_eq!(credentials("u:secret@proxy:3128"), "***@proxy:3128");
        assert_eq!(
            credentials("http=u:p@a:1;https=http://v:q@b:2"),
            "http=***@a:1;https=http://***@b:2"
        );
        assert_eq!(credentials("alice@corp.example"), "alice@corp.example");
        assert_eq!(credentials("http://proxy/a@b"), "http://proxy/a@b");
        assert_eq!(
            strip_credentials("http://u:p@ss@proxy:3128"),
            "http://proxy:3128"
        );
        assert_eq!(strip_credentials("http://proxy:3128"), "http://proxy:3128");
    }
}
