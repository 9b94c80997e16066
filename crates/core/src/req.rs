//! Reading typed fields out of a request body, with bk-cmdb's error codes.

use cmdb_model::{code, Error, Result};
use serde_json::{Map, Value};

pub type Body = Map<String, Value>;

/// A value the gateway takes from the path: missing → 1306406.
pub fn path_int(b: &Body, key: &str) -> Result<i64> {
    match b.get(key) {
        None | Some(Value::Null) => Err(Error::with(code::ESB_PARAM, key)),
        Some(Value::Number(n)) => n.as_i64().ok_or_else(|| Error::with(code::NEED_INT, key)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(Error::with(code::ESB_PARAM, key)),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| Error::with(code::NEED_INT, key)),
        Some(_) => Err(Error::with(code::NEED_INT, key)),
    }
}

pub fn path_str(b: &Body, key: &str) -> Result<String> {
    match b.get(key) {
        None | Some(Value::Null) => Err(Error::with(code::ESB_PARAM, key)),
        Some(Value::String(s)) if s.is_empty() => Err(Error::with(code::ESB_PARAM, key)),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(Error::with(code::NEED_STRING, key)),
    }
}

/// A required string: missing or empty → 1199010, not a string → 1199007.
pub fn req_str(b: &Body, key: &str) -> Result<String> {
    match b.get(key) {
        None | Some(Value::Null) => Err(Error::missing(key)),
        Some(Value::String(s)) if s.trim().is_empty() => Err(Error::missing(key)),
        Some(Value::String(s)) => Ok(s.trim().to_string()),
        Some(_) => Err(Error::with(code::NEED_STRING, key)),
    }
}

pub use cmdb_model::attr::{opt_bool, opt_int, opt_str};

/// Characters, not bytes: names, ids and option labels are limited in characters.
pub fn check_len(s: &str, key: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(Error::too_long(key, max));
    }
    Ok(())
}

/// A request object nested under `key`: absent → empty map.
pub fn opt_obj<'a>(b: &'a Body, key: &str) -> Result<Option<&'a Body>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}

/// An optional integer whose wrong JSON type is a decoding error (1199000), as for typed request fields.
pub fn typed_int(b: &Body, key: &str) -> Result<Option<i64>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key)),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}

/// An optional string whose wrong JSON type is a decoding error (1199000).
pub fn typed_str(b: &Body, key: &str) -> Result<Option<String>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}

/// An optional array: absent/null → empty, anything else but an array → 1199000.
pub fn array(b: &Body, key: &str) -> Result<Vec<Value>> {
    match b.get(key) {
        Some(Value::Array(a)) => Ok(a.clone()),
        None | Some(Value::Null) => Ok(vec![]),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}

/// An optional array of integers: absent/null → empty, any other shape → 1199000.
pub fn int_array(b: &Body, key: &str) -> Result<Vec<i64>> {
    array(b, key)?.iter().map(|v| v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key))).collect()
}

/// An optional querybuilder/filter document under `key`: absent/null matches everything.
pub fn opt_filter(b: &Body, key: &str, flavor: cmdb_model::query::Flavor) -> Result<cmdb_model::query::Expr> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(cmdb_model::query::Expr::all()),
        Some(v) => cmdb_model::query::parse_filter(v, flavor, key, true),
    }
}

/// A required list of `len` entries under `key`: empty → 1199010, more than `max` → 1199035.
pub fn bounded(len: usize, key: &str, max: usize) -> Result<()> {
    if len == 0 {
        return Err(Error::missing(key));
    }
    if len > max {
        return Err(Error::with2(code::EXCEED_LIMIT, key, max.to_string()));
    }
    Ok(())
}
