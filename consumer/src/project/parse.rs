//! Reading Sleeper's JSON the way it really is (SLEEPER_API.md, "Quirks").
//!
//! Ids may be strings or JSON numbers above 2^53 — never read through f64;
//! `null` stands where arrays are expected; keys are absent rather than zero;
//! points come as floats or as an integer plus a `*_decimal` hundredths part.
//! These readers return `None` for "absent or null" and an error only when a
//! value is present with a type no reading can make sense of.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;
use sleeper_shared::{Envelope, Scope};

use super::table::Table;
use sleeper_shared::StreamId;

/// What a projection gets: the event and its version, and which tables'
/// rows are wanted (a projection may skip building the others' rows, but
/// must read and check every value all the same: what it accepts and
/// refuses never depends on it).
pub struct Ctx<'a> {
    pub id: StreamId,
    pub env: &'a Envelope,
    pub wanted: &'a dyn Fn(&Table) -> bool,
}

/// A value that cannot be read as what the column needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("body is not JSON: {0}")]
    NotJson(String),
    #[error("expected {expected} at {path}, found {found}")]
    Type {
        path: String,
        expected: &'static str,
        found: String,
    },
    #[error("scope {scope} does not fit this projection")]
    Scope { scope: String },
}

fn found(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 60 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(60).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

fn type_err(path: &str, expected: &'static str, v: &Value) -> ShapeError {
    ShapeError::Type {
        path: path.to_string(),
        expected,
        found: found(v),
    }
}

impl Ctx<'_> {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<Value, ShapeError> {
        serde_json::from_slice(&self.env.body).map_err(|e| ShapeError::NotJson(e.to_string()))
    }

    /// The version string stored in `_version` columns.
    pub fn version(&self) -> String {
        self.id.to_string()
    }

    /// The event's scope, parsed (the batch has already checked it is canonical).
    pub fn scope(&self) -> Result<Scope, ShapeError> {
        self.env.scope.parse().map_err(|_| self.scope_err())
    }

    /// The error for a scope of the wrong shape for the projection.
    pub fn scope_err(&self) -> ShapeError {
        ShapeError::Scope {
            scope: self.env.scope.clone(),
        }
    }

    /// Whether the body is JSON `null` ("not found": nothing there).
    pub fn body_is_null(&self) -> bool {
        self.env.body.trim_ascii() == b"null"
    }
}

/// `obj[key]`, treating absent and `null` alike.
pub fn field<'v>(obj: &'v Value, key: &str) -> Option<&'v Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// An id: a string, or an integer of any size (kept exactly, as text).
pub fn id(obj: &Value, key: &str) -> Result<Option<String>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(v) => Err(type_err(key, "an id (string or integer)", v)),
    }
}

/// A required id.
pub fn req_id(obj: &Value, key: &str) -> Result<String, ShapeError> {
    id(obj, key)?.ok_or_else(|| type_err(key, "an id", obj.get(key).unwrap_or(&Value::Null)))
}

/// Text: strings as they are; numbers and booleans rendered (Sleeper is loose).
pub fn text(obj: &Value, key: &str) -> Result<Option<String>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(v) => Err(type_err(key, "text", v)),
    }
}

/// Strictly a string (`status`, `season`, `type`, …: fields Sleeper always
/// sends as strings, where a number means the payload is damaged).
pub fn string(obj: &Value, key: &str) -> Result<Option<String>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(v) => Err(type_err(key, "a string", v)),
    }
}

/// An integer; integral strings (`"2"`) are accepted, as Sleeper mixes them.
pub fn int(obj: &Value, key: &str) -> Result<Option<i64>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(i) => Ok(Some(i)),
            None => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Ok(Some(f as i64)),
                _ => Err(type_err(key, "an integer", &Value::Number(n.clone()))),
            },
        },
        Some(Value::String(s)) => s
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| type_err(key, "an integer", &Value::String(s.clone()))),
        Some(v) => Err(type_err(key, "an integer", v)),
    }
}

/// An integer that fits `int4`.
pub fn int4(obj: &Value, key: &str) -> Result<Option<i32>, ShapeError> {
    match int(obj, key)? {
        None => Ok(None),
        Some(i) => i32::try_from(i)
            .map(Some)
            .map_err(|_| type_err(key, "a 32-bit integer", &Value::from(i))),
    }
}

/// A boolean (Sleeper sometimes sends 0/1).
pub fn boolean(obj: &Value, key: &str) -> Result<Option<bool>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Number(n)) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
            Ok(Some(n.as_i64() == Some(1)))
        }
        Some(v) => Err(type_err(key, "a boolean", v)),
    }
}

/// A decimal from a JSON number or numeric string, exactly as written
/// (`123.46` stays 123.46; float32 artefacts are kept, not rounded).
pub fn decimal_of(v: &Value, path: &str) -> Result<Option<Decimal>, ShapeError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            // Through its exact text, never f64; on the stack (points are
            // the most frequent value of a matchups snapshot).
            let mut buf = [0u8; 64];
            let len = {
                let mut cursor = std::io::Cursor::new(&mut buf[..]);
                std::io::Write::write_fmt(&mut cursor, format_args!("{n}"))
                    .ok()
                    .map(|()| cursor.position() as usize)
            };
            let owned;
            let s = match len.and_then(|l| std::str::from_utf8(&buf[..l]).ok()) {
                Some(s) => s,
                None => {
                    owned = n.to_string();
                    owned.as_str()
                }
            };
            Decimal::from_str(s)
                .or_else(|_| Decimal::from_scientific(s))
                .map(Some)
                .map_err(|_| type_err(path, "a number", v))
        }
        Value::String(s) => Decimal::from_str(s.trim())
            .map(Some)
            .map_err(|_| type_err(path, "a number", v)),
        _ => Err(type_err(path, "a number", v)),
    }
}

/// A decimal field.
pub fn decimal(obj: &Value, key: &str) -> Result<Option<Decimal>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(v) => decimal_of(v, key),
    }
}

/// Points split into an integer and hundredths (`fpts` 1490 + `fpts_decimal` 96 → 1490.96).
/// Absent integer part → `None`; absent decimal part → `.00`.
pub fn split_points(obj: &Value, key: &str) -> Result<Option<Decimal>, ShapeError> {
    let Some(whole) = int(obj, key)? else {
        return Ok(None);
    };
    let hundredths = int(obj, &format!("{key}_decimal"))?.unwrap_or(0);
    Ok(Some(Decimal::from(whole) + Decimal::new(hundredths, 2)))
}

/// An array; `null` or absent reads as empty (Sleeper sends `null` for "none").
pub fn array<'v>(obj: &'v Value, key: &str) -> Result<&'v [Value], ShapeError> {
    match field(obj, key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(v) => Err(type_err(key, "an array", v)),
    }
}

/// A JSON value kept as `jsonb` text (objects, arrays; `null` stays NULL).
pub fn json_text(obj: &Value, key: &str) -> Option<String> {
    field(obj, key).map(Value::to_string)
}

/// An integer that fits `int4`, read from a value that is not a field of an
/// object (array elements, map values); `path` names it in errors.
pub fn int4_of(v: &Value, path: &str) -> Result<Option<i32>, ShapeError> {
    let wrapped = serde_json::json!({ "v": v });
    int4(&wrapped, "v").map_err(|e| match e {
        ShapeError::Type {
            expected, found, ..
        } => ShapeError::Type {
            path: path.to_string(),
            expected,
            found,
        },
        other => other,
    })
}

/// A nested object (`settings`, `metadata`): absent or `null` → `None`;
/// anything but an object is a shape error.
pub fn object<'v>(obj: &'v Value, key: &str) -> Result<Option<&'v Value>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v)),
        Some(v) => Err(type_err(key, "an object", v)),
    }
}

/// A nested object kept as `jsonb` text; anything but an object (or null) is a shape error.
pub fn object_json(obj: &Value, key: &str) -> Result<Option<String>, ShapeError> {
    Ok(object(obj, key)?.map(Value::to_string))
}

/// A nested array kept as `jsonb` text; anything but an array (or null) is a shape error.
pub fn array_json(obj: &Value, key: &str) -> Result<Option<String>, ShapeError> {
    match field(obj, key) {
        None => Ok(None),
        Some(v @ Value::Array(_)) => Ok(Some(v.to_string())),
        Some(v) => Err(type_err(key, "an array", v)),
    }
}

/// A required `int4` (part of a primary key).
pub fn req_int4(obj: &Value, key: &str) -> Result<i32, ShapeError> {
    int4(obj, key)?.ok_or_else(|| type_err(key, "an integer", obj.get(key).unwrap_or(&Value::Null)))
}

/// A required string (part of a primary key).
pub fn req_string(obj: &Value, key: &str) -> Result<String, ShapeError> {
    string(obj, key)?.ok_or_else(|| type_err(key, "a string", obj.get(key).unwrap_or(&Value::Null)))
}

/// An element of a list body, which must be an object.
pub fn element(v: &Value, index: usize) -> Result<&Value, ShapeError> {
    match v {
        Value::Object(_) => Ok(v),
        other => Err(type_err(&format!("$[{index}]"), "an object", other)),
    }
}

/// An element of a nested list (`draft_picks[2]`), which must be an object;
/// `path` names it in errors.
pub fn element_at<'v>(v: &'v Value, path: &str) -> Result<&'v Value, ShapeError> {
    match v {
        Value::Object(_) => Ok(v),
        other => Err(type_err(path, "an object", other)),
    }
}

/// A list of player ids (`players`, `starters`, `reserve`, `taxi`): `null`
/// reads as empty; each element must be an id.
pub fn id_list(obj: &Value, key: &str) -> Result<Vec<String>, ShapeError> {
    array(obj, key)?
        .iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
            other => Err(type_err(&format!("{key}[{i}]"), "an id", other)),
        })
        .collect()
}

/// The body itself must be an array (lists) — `null` reads as empty.
pub fn top_array(v: &Value) -> Result<&[Value], ShapeError> {
    match v {
        Value::Null => Ok(&[]),
        Value::Array(items) => Ok(items),
        other => Err(type_err("$", "an array", other)),
    }
}

/// The body itself must be an object.
pub fn top_object(v: &Value) -> Result<&Value, ShapeError> {
    match v {
        Value::Object(_) => Ok(v),
        other => Err(type_err("$", "an object", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_are_exact_whether_strings_or_big_numbers() {
        let v: Value =
            serde_json::from_str(r#"{"a":"4046","b":1048229732543836161,"c":1.5,"d":null}"#)
                .unwrap();
        assert_eq!(id(&v, "a").unwrap().as_deref(), Some("4046"));
        assert_eq!(id(&v, "b").unwrap().as_deref(), Some("1048229732543836161"));
        assert!(id(&v, "c").is_err());
        assert_eq!(id(&v, "d").unwrap(), None);
        assert_eq!(id(&v, "missing").unwrap(), None);
    }

    #[test]
    fn split_points_combine_hundredths() {
        let v = json!({"fpts": 1490, "fpts_decimal": 96, "ppts": 12});
        assert_eq!(
            split_points(&v, "fpts").unwrap(),
            Some(Decimal::from_str("1490.96").unwrap())
        );
        assert_eq!(
            split_points(&v, "ppts").unwrap(),
            Some(Decimal::from_str("12.00").unwrap())
        );
        assert_eq!(split_points(&v, "fpts_against").unwrap(), None);
    }

    #[test]
    fn decimals_keep_what_was_written() {
        let v: Value =
            serde_json::from_str(r#"{"p":123.46,"f":0.10000000149011612,"s":"7.5","bad":[1]}"#)
                .unwrap();
        assert_eq!(decimal(&v, "p").unwrap().unwrap().to_string(), "123.46");
        assert_eq!(
            decimal(&v, "f").unwrap().unwrap().to_string(),
            "0.10000000149011612"
        );
        assert_eq!(decimal(&v, "s").unwrap().unwrap().to_string(), "7.5");
        assert!(decimal(&v, "bad").is_err());
    }

    #[test]
    fn null_arrays_read_as_empty_and_wrong_types_are_errors() {
        let v = json!({"players": null, "starters": ["1"], "x": 5});
        assert!(array(&v, "players").unwrap().is_empty());
        assert_eq!(array(&v, "starters").unwrap().len(), 1);
        assert!(array(&v, "x").is_err());
        assert_eq!(int(&json!({"w": "10"}), "w").unwrap(), Some(10));
        assert!(int(&json!({"w": "ten"}), "w").is_err());
    }
}
