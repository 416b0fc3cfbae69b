//! Credential-free renderings of connection URLs.
//!
//! `REDIS_URL` and `DATABASE_URL` carry passwords; anything that reaches a log
//! line, an error message or the `/ready` body goes through [`redact_url`].

/// The URL with any password replaced by `***` (the user name is kept, since
/// it helps diagnose "wrong user" mistakes). Unparseable input is elided
/// entirely rather than echoed, since it may still contain a secret.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "<unparseable url>".to_string(),
    }
}

/// Replace every occurrence of `secret` in `text` (for error messages that
/// may quote a URL back at us).
pub fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => text.replace(s, "***"),
        _ => text.to_string(),
    }
}

/// The password part of a URL, if any, for [`scrub`].
pub fn password_of(raw: &str) -> Option<String> {
    url::Url::parse(raw)
        .ok()
        .and_then(|u| u.password().map(|p| p.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_never_rendered() {
        let r = redact_url("redis://:hunter2@localhost:6379/0");
        assert!(!r.contains("hunter2"), "{r}");
        assert!(r.contains("***"));
        let p = redact_url("postgres://sync:s3cret@db:5432/sleeper");
        assert_eq!(p, "postgres://sync:***@db:5432/sleeper");
        assert_eq!(redact_url("not a url s3cret"), "<unparseable url>");
        assert_eq!(
            redact_url("redis://localhost:6379"),
            "redis://localhost:6379"
        );
    }

    #[test]
    fn scrub_removes_the_secret_everywhere() {
        assert_eq!(scrub("a pw b pw", Some("pw")), "a *** b ***");
        assert_eq!(scrub("abc", None), "abc");
    }
}
