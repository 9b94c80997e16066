//! HTTP edge of cmdb: the routing table, the ESB envelope, authentication, language, request ids,
//! logging and metrics. Handlers are thin: they hand the parsed body to one core operation.

mod auth;
mod envelope;
mod handlers;
mod metrics;
mod routes;

pub use auth::Apps;
pub use metrics::Metrics;
pub use routes::ROUTES;

use axum::body::Body as HttpBody;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::Router;
use cmdb_core::Core;
use cmdb_model::{code, Caller, Error, Lang};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

pub const DEFAULT_BODY_LIMIT: usize = 32 * 1024 * 1024;

pub struct AppState {
    pub core: Core,
    pub apps: Apps,
    pub body_limit: usize,
    pub metrics: Metrics,
    routes: HashMap<&'static str, routes::Route>,
}

impl AppState {
    pub fn new(core: Core, apps: Apps, body_limit: usize) -> Arc<AppState> {
        let routes = ROUTES.iter().map(|r| (r.name, *r)).collect();
        Arc::new(AppState { core, apps, body_limit, metrics: Metrics::default(), routes })
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/api/c/compapi/v2/cc/{name}", any(esb))
        .route("/api/c/compapi/v2/cc/{name}/", any(esb))
        .route("/api/c/compapi/cc/{name}", any(esb))
        .route("/api/c/compapi/cc/{name}/", any(esb))
        .route("/api/v3/create/topomodelmainline", post(v3_create_mainline))
        .route("/api/v3/delete/topomodelmainline/object/{bk_obj_id}", delete(v3_delete_mainline))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .fallback(not_found)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(envelope::panic_response))
        .with_state(state)
}

async fn healthz(State(st): State<Arc<AppState>>) -> Response {
    if st.core.store.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "store unreachable").into_response()
    }
}

async fn not_found(headers: HeaderMap, req: Request) -> Response {
    let rid = envelope::request_id(&headers);
    let lang = language(&headers);
    let err = Error::with(code::ESB_NOT_FOUND, req.uri().path().to_string());
    let mut r = envelope::error(&err, lang, &rid);
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// `Blueking-Language` header, else cookie `blueking_language`, else English.
fn language(headers: &HeaderMap) -> Lang {
    if let Some(v) = headers.get("blueking-language").and_then(|v| v.to_str().ok()) {
        return Lang::parse(v);
    }
    let cookie = headers.get("cookie").and_then(|v| v.to_str().ok()).unwrap_or("");
    cookie
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == "blueking_language")
        .map(|(_, v)| Lang::parse(v))
        .unwrap_or(Lang::En)
}

/// Query parameters of GET calls join the body; numeric values become numbers.
fn merge_query(body: &mut Map<String, Value>, query: Option<&str>) {
    let Some(q) = query else { return };
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        let val = v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v));
        body.entry(k).or_insert(val);
    }
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads the body up to `limit` bytes. A larger body is read to its end (up to a hard cap) and
/// discarded, so that the client still receives the error envelope instead of a reset connection.
async fn read_body(body: HttpBody, limit: usize) -> Result<Vec<u8>, Error> {
    use http_body_util::BodyExt;
    const DRAIN_CAP: usize = 256 * 1024 * 1024;
    let mut body = body;
    let mut buf = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Error::with(code::JSON_UNMARSHAL, e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_CAP {
                break;
            }
        }
    }
    if seen > limit {
        return Err(Error::with(code::ESB_BODY_TOO_LARGE, limit.to_string()));
    }
    Ok(buf)
}

async fn esb(State(st): State<Arc<AppState>>, Path(name): Path<String>, req: Request) -> Response {
    dispatch(&st, name, Map::new(), req).await
}

/// The original's internal route for inserting a topology level (models-and-instances.md §H).
async fn v3_create_mainline(State(st): State<Arc<AppState>>, req: Request) -> Response {
    dispatch(&st, "create_mainline_object".into(), Map::new(), req).await
}

async fn v3_delete_mainline(State(st): State<Arc<AppState>>, Path(obj): Path<String>, req: Request) -> Response {
    let mut path = Map::new();
    path.insert("bk_obj_id".into(), Value::String(obj));
    dispatch(&st, "delete_mainline_object".into(), path, req).await
}

/// One call: `path` holds values taken from the URL, which win over body keys of the same name.
async fn dispatch(st: &AppState, name: String, path: Map<String, Value>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let (headers, method, query) = (&parts.headers, &parts.method, parts.uri.query());
    let rid = envelope::request_id(headers);
    let lang = language(headers);
    let mut app = String::new();
    let mut user = String::new();
    let result = handle(st, &name, method, headers, query, path, body, &rid, lang, &mut app, &mut user).await;
    let code = match &result {
        Ok(_) => 0,
        Err(e) => e.code,
    };
    let elapsed = started.elapsed();
    let endpoint = if st.routes.contains_key(name.as_str()) { name.as_str() } else { "unknown" };
    st.metrics.observe(endpoint, code, elapsed);
    tracing::info!(
        endpoint = %name, app = %app, user = %user, duration_ms = elapsed.as_secs_f64() * 1000.0,
        code, request_id = %rid, "request"
    );
    match result {
        Ok(data) => envelope::success(data, &rid),
        Err(e) => envelope::error(&e, lang, &rid),
    }
}

#[allow(clippy::too_many_arguments)]
async fn handle(
    st: &AppState,
    name: &str,
    method: &Method,
    headers: &HeaderMap,
    query: Option<&str>,
    path: Map<String, Value>,
    body: HttpBody,
    rid: &str,
    lang: Lang,
    app: &mut String,
    user: &mut String,
) -> Result<Value, Error> {
    let route = st.routes.get(name).ok_or_else(|| Error::with(code::ESB_NOT_FOUND, name))?;
    let bytes = read_body(body, st.body_limit).await?;
    let mut body = if bytes.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(Error::with(code::JSON_UNMARSHAL, "the body must be a JSON object")),
            Err(e) => return Err(Error::with(code::JSON_UNMARSHAL, e.to_string())),
        }
    };
    if method == Method::GET {
        merge_query(&mut body, query);
    }
    body.extend(path);
    let creds = auth::credentials(headers, &mut body)?;
    *app = creds.app_code.clone();
    *user = creds.user.clone();
    st.apps.check(&creds)?;
    let (supplier, explicit_supplier) = auth::supplier(headers, &mut body, route.keeps_supplier);
    let caller = Caller { user: creds.user, app_code: creds.app_code, supplier, lang, request_id: rid.to_string() };
    let call = routes::Call { core: &st.core, caller: &caller, body: &body, explicit_supplier };
    (route.handler)(call).await
}
