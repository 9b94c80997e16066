//! The ESB envelope `{result, code, message, permission, request_id, data}`, always HTTP 200 for
//! handled outcomes.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cmdb_model::{Error, Lang};
use serde_json::{json, Value};

/// The caller's `X-Request-Id` / `X-Bkapi-Request-Id`, else a fresh 32-hex id.
pub fn request_id(headers: &HeaderMap) -> String {
    for h in ["x-request-id", "x-bkapi-request-id"] {
        if let Some(v) = headers.get(h).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()) {
            return v.chars().take(128).collect();
        }
    }
    uuid::Uuid::new_v4().simple().to_string()
}

/// The envelope, serialised straight from its parts (building it as a `Value` first would copy
/// `data` value by value).
#[derive(serde::Serialize)]
struct Envelope<'a> {
    result: bool,
    code: i64,
    message: &'a str,
    permission: Option<()>,
    request_id: &'a str,
    data: &'a Value,
}

fn respond(body: Value) -> Response {
    text_response(body.to_string())
}

fn text_response(body: String) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    r
}

pub fn success(data: Value, rid: &str) -> Response {
    let env = Envelope { result: true, code: 0, message: "success", permission: None, request_id: rid, data: &data };
    text_response(serde_json::to_string(&env).unwrap_or_else(|_| String::from("{}")))
}

pub fn error(e: &Error, lang: Lang, rid: &str) -> Response {
    respond(json!({
        "result": false, "code": e.code, "message": e.message(lang), "permission": null, "request_id": rid,
        "data": e.data.as_deref().cloned().unwrap_or(Value::Null),
    }))
}

/// A handler that panicked still answers with the envelope (and the panic is logged).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panic".into());
    tracing::error!(%detail, "handler panicked");
    let rid = uuid::Uuid::new_v4().simple().to_string();
    error(&Error::internal("unexpected failure"), Lang::En, &rid)
}
