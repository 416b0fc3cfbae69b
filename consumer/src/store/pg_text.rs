//! Making strings storable: Postgres `text` cannot hold a NUL character and
//! `jsonb` refuses the `\u0000` escape, while Sleeper's user-written fields
//! (team names, notes) and hostile envelopes may carry one. Refusing would
//! dead-letter a whole league snapshot for one character, so NUL becomes
//! U+FFFD (the replacement character) everywhere a string meets Postgres.

use std::borrow::Cow;

/// `s` with every NUL replaced; borrowed unchanged in the usual case.
pub fn text(s: &str) -> Cow<'_, str> {
    if s.contains('\0') {
        Cow::Owned(s.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A JSON document with every NUL inside its strings (and keys) replaced.
/// `json` was serialized by serde_json, which writes NUL as `\u0000`; a
/// document that merely mentions a backslash and `u0000` is re-read rather
/// than patched textually, so an escaped backslash is never mistaken for one.
pub fn jsonb(json: &str) -> Cow<'_, str> {
    if !json.contains("\\u0000") {
        return Cow::Borrowed(json);
    }
    match serde_json::from_str::<serde_json::Value>(json) {
        Ok(mut v) => {
            scrub(&mut v);
            Cow::Owned(v.to_string())
        }
        // Not JSON (cannot happen for serializer output): Postgres will say so.
        Err(_) => Cow::Borrowed(json),
    }
}

fn scrub(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::String(s) => {
            if let Cow::Owned(t) = text(s) {
                *s = t;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::Object(map) => {
            let taken = std::mem::take(map);
            for (k, mut item) in taken {
                scrub(&mut item);
                map.insert(text(&k).into_owned(), item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_nul_is_borrowed_and_nul_is_replaced() {
        assert!(matches!(text("Team Taco"), Cow::Borrowed("Team Taco")));
        assert_eq!(text("a\0b"), "a\u{FFFD}b");
    }

    #[test]
    fn jsonb_replaces_nul_in_values_and_keys_but_not_an_escaped_backslash() {
        let v = serde_json::json!({"team\u{0}name": ["x\u{0}y", 1], "n": null});
        let out = jsonb(&v.to_string()).into_owned();
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            back,
            serde_json::json!({"team\u{FFFD}name": ["x\u{FFFD}y", 1], "n": null})
        );
        // A literal backslash followed by "u0000" is text, not a NUL.
        let literal = serde_json::json!({"path": "C:\\u0000"}).to_string();
        assert_eq!(jsonb(&literal), literal);
    }
}
