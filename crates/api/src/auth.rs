//! Gateway authentication: the four auth fields from the body or the `X-Bkapi-Authorization`
//! header (header wins), app secrets from configuration, and the supplier account.

use axum::http::HeaderMap;
use cmdb_model::{code, Error};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub const AUTH_FIELDS: [&str; 4] = ["bk_app_code", "bk_app_secret", "bk_username", "bk_token"];

pub struct Credentials {
    pub app_code: String,
    pub app_secret: String,
    pub user: String,
}

/// Configured apps; empty = accept any app (only allowed on loopback, enforced at start).
#[derive(Clone, Default)]
pub struct Apps(pub HashMap<String, String>);

impl Apps {
    /// The app first (1306403), then the operator (1306401), as the gateway checks them.
    pub fn check(&self, c: &Credentials) -> Result<(), Error> {
        if c.app_code.is_empty() {
            return Err(Error::with(code::ESB_APP_AUTH, "bk_app_code is required"));
        }
        if !self.0.is_empty() {
            match self.0.get(&c.app_code) {
                Some(secret) if *secret == c.app_secret => {}
                Some(_) => return Err(Error::with(code::ESB_APP_AUTH, "bk_app_secret does not match")),
                None => return Err(Error::with(code::ESB_APP_AUTH, format!("unknown app {}", c.app_code))),
            }
        }
        if c.user.is_empty() {
            return Err(Error::new(code::ESB_NO_USER));
        }
        Ok(())
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Takes the auth fields out of the body (they are never stored) and merges the header's.
pub fn credentials(headers: &HeaderMap, body: &mut Map<String, Value>) -> Result<Credentials, Error> {
    let mut fields: HashMap<&str, String> = HashMap::new();
    for k in AUTH_FIELDS {
        if let Some(v) = body.remove(k) {
            fields.insert(k, as_text(&v));
        }
    }
    if let Some(h) = headers.get("x-bkapi-authorization") {
        let parsed: Value = h
            .to_str()
            .ok()
            .and_then(|s| serde_json::from_str(s).ok())
            .ok_or_else(|| Error::with(code::ESB_APP_AUTH, "X-Bkapi-Authorization is not a JSON object"))?;
        let m = parsed
            .as_object()
            .ok_or_else(|| Error::with(code::ESB_APP_AUTH, "X-Bkapi-Authorization is not a JSON object"))?;
        for k in AUTH_FIELDS {
            if let Some(v) = m.get(k).map(as_text).filter(|v| !v.is_empty()) {
                fields.insert(k, v);
            }
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let app_code = get("bk_app_code");
    let user = match (get("bk_username"), get("bk_token")) {
        (u, _) if !u.is_empty() => u,
        (_, t) => t,
    };
    Ok(Credentials { app_code, app_secret: get("bk_app_secret"), user })
}

const SUPPLIER_HEADERS: [&str; 4] =
    ["x-bkcmdb-supplier-account", "x-bkapi-supplier-account", "http_bk_supplier_account", "http_blueking_supplier_id"];

/// The tenant (conventions.md §1.3), and whether the caller named one. The body key is removed
/// unless the endpoint uses it as a field or condition.
pub fn supplier(headers: &HeaderMap, body: &mut Map<String, Value>, keep_in_body: bool) -> (String, bool) {
    let from_body =
        if keep_in_body { body.get("bk_supplier_account").cloned() } else { body.remove("bk_supplier_account") };
    if let Some(s) = from_body.map(|v| as_text(&v)).filter(|s| !s.is_empty()) {
        return (s, true);
    }
    for h in SUPPLIER_HEADERS {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()) {
            return (v.to_string(), true);
        }
    }
    ("0".to_string(), false)
}
