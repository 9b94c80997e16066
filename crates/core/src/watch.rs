//! resource_watch (audit-and-watch.md §2): a long-poll change feed over the `event` table.
//!
//! A cursor names one stored event: Base64 of `1\r<type code>\r<oid>\r<op>\r<seconds>\r<increment>[\r<key>]`,
//! where oid is the event id in 24 hex digits. It is accepted only if it is exactly the cursor of
//! a retained event of the resource, or of the newest event retention removed. Events are read
//! strictly after the cursor's id; ids are commit order, so a follower sees each committed event
//! once, in order. Waiting requests sleep on the store's event signal, never polling.

use crate::instance::{project, render};
use crate::req::Body;
use crate::Core;
use cmdb_model::{builtin, code, Caller, Error, Result};
use cmdb_store::events::{Event, EventFilter};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Events per response.
const PAGE: usize = 200;
/// How long a request waits for an event before answering without one.
const LONG_POLL: Duration = Duration::from_secs(20);
/// The cursor meaning "no event yet".
pub const NO_EVENT_CURSOR: &str = "MQ0xDTVlYTZkM2YzOTRjMWY1ZDk4NmU5YmQ4Ng1ub0V2ZW50DTENMQ==";

/// `(resource, cursor type code, takes bk_sub_resource, bk_fields required)`.
const RESOURCES: [(&str, u8, bool, bool); 20] = [
    ("host", 2, false, true),
    ("host_relation", 3, false, false),
    ("biz", 4, false, true),
    ("set", 5, false, true),
    ("module", 6, false, true),
    ("object_instance", 8, true, false),
    ("process", 9, false, false),
    ("process_instance_relation", 10, false, false),
    ("host_identifier", 11, false, false),
    ("mainline_instance", 12, true, false),
    ("inst_asst", 13, true, false),
    ("biz_set", 14, false, false),
    ("biz_set_relation", 15, false, false),
    ("plat", 16, false, false),
    ("kube_cluster", 17, false, false),
    ("kube_node", 18, false, false),
    ("kube_namespace", 19, false, false),
    ("kube_workload", 20, true, false),
    ("kube_pod", 21, false, false),
    ("project", 22, false, false),
];

fn resource(name: &str) -> Option<(u8, bool, bool)> {
    RESOURCES.iter().find(|r| r.0 == name).map(|r| (r.1, r.2, r.3))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn unbase64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for c in bytes.chunks(4) {
        let pad = c.iter().rev().take_while(|b| **b == b'=').count();
        let mut n = 0u32;
        for (i, b) in c.iter().enumerate() {
            n |= if i >= 4 - pad { 0 } else { val(*b)? } << (18 - 6 * i);
        }
        for i in 0..3 - pad {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

/// The operation word of a cursor.
fn operation(event_type: &str) -> &'static str {
    match event_type {
        "create" => "insert",
        "delete" => "delete",
        _ => "update",
    }
}

/// The cursor of a stored event.
pub fn cursor_of(e: &Event) -> String {
    let code = resource(&e.resource).map(|r| r.0).unwrap_or(0);
    let mut s = format!("1\r{code}\r{:024x}\r{}\r{}\r1", e.id, operation(&e.event_type), e.created / 1000);
    let key = match e.resource.as_str() {
        "object_instance" | "mainline_instance" => {
            let obj = e.doc.get("bk_obj_id").and_then(Value::as_str).unwrap_or("");
            e.doc.get(builtin::id_field(obj)).map(Value::to_string)
        }
        "inst_asst" => e.doc.get("id").map(Value::to_string),
        _ => None,
    };
    if let Some(k) = key {
        s.push('\r');
        s.push_str(&k);
    }
    base64(s.as_bytes())
}

/// The event id a cursor names (not yet checked against the store).
fn cursor_id(cursor: &str) -> Option<i64> {
    let text = String::from_utf8(unbase64(cursor)?).ok()?;
    let oid = text.split('\r').nth(2)?;
    i64::from_str_radix(oid, 16).ok()
}

fn generic(msg: impl Into<String>) -> Error {
    Error::with(code::UNKNOWN, msg)
}

struct Watch {
    resource: String,
    fields: Vec<String>,
    filter: EventFilter,
}

impl Watch {
    /// The wire form of an event: detail rendered and cut to `bk_fields`.
    fn item(&self, e: &Event, with_detail: bool) -> Value {
        let detail = if with_detail {
            let times =
                ["create_time", "last_time", "bk_created_at", "bk_updated_at"].iter().map(|s| s.to_string()).collect();
            let doc = if self.resource == "host" { crate::host::join_lists(e.doc.clone()) } else { e.doc.clone() };
            let doc = render(doc, &times);
            if self.resource == "biz_set_relation" {
                doc
            } else {
                project(doc, &self.fields)
            }
        } else {
            Value::Null
        };
        json!({
            "bk_cursor": cursor_of(e), "bk_resource": self.resource,
            "bk_event_type": e.event_type, "bk_detail": detail,
        })
    }

    fn matches(&self, e: &Event) -> bool {
        let f = &self.filter;
        let sub_ok = f.sub_resource.as_ref().is_none_or(|s| {
            [e.doc.get("bk_obj_id"), e.doc.get("bk_asst_obj_id")].iter().any(|v| v.and_then(Value::as_str) == Some(s))
        });
        (f.types.is_empty() || f.types.contains(&e.event_type))
            && sub_ok
            && f.suppliers.as_ref().is_none_or(|s| s.contains(&e.supplier))
    }

    fn not_watched(&self, cursor: &str, event_type: &str) -> Value {
        json!({"bk_watched": false, "bk_events": [{
            "bk_cursor": cursor, "bk_resource": self.resource, "bk_event_type": event_type, "bk_detail": null,
        }]})
    }

    fn watched(&self, events: &[Event]) -> Value {
        json!({"bk_watched": true, "bk_events": events.iter().map(|e| self.item(e, true)).collect::<Vec<_>>()})
    }
}

impl Core {
    pub async fn resource_watch(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let name = match body.get("bk_resource") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(generic("bk_resource is required")),
        };
        let (_, takes_sub, needs_fields) =
            resource(&name).ok_or_else(|| generic(format!("unsupported cursor type {name}")))?;
        let types: Vec<String> = crate::req::array(body, "bk_event_types")?
            .iter()
            .map(|t| t.as_str().map(str::to_string).ok_or_else(|| generic("unsupported event type")))
            .collect::<Result<_>>()?;
        if types.iter().any(|t| !["create", "update", "delete"].contains(&t.as_str())) {
            return Err(generic("unsupported event type"));
        }
        let fields = crate::instance::parse_fields(body.get("bk_fields"), "bk_fields")?;
        if needs_fields && fields.is_empty() {
            return Err(generic(format!("{name} event must have fields")));
        }
        let sub = match body.get("bk_filter").and_then(|f| f.get("bk_sub_resource")) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) if takes_sub => Some(s.clone()),
            Some(_) => return Err(generic(format!("{name} does not support bk_sub_resource"))),
        };
        let cursor = crate::req::typed_str(body, "bk_cursor")?.filter(|c| !c.is_empty());
        let start_from = match body.get("bk_start_from") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, "bk_start_from"))?),
        };
        if cursor.is_some() && start_from.is_some() {
            return Err(generic("bk_cursor and bk_start_from are exclusive"));
        }
        let suppliers = match caller.supplier.as_str() {
            "superadmin" => None,
            "0" => Some(vec!["0".to_string()]),
            s => Some(vec![s.to_string(), "0".to_string()]),
        };
        let w = Watch { resource: name, fields, filter: EventFilter { types, sub_resource: sub, suppliers } };
        if let Some(c) = cursor {
            return self.watch_from_cursor(&w, &c).await;
        }
        if let Some(t) = start_from {
            return self.watch_from_time(&w, t).await;
        }
        let Some(latest) = self.store.latest_event(&w.resource).await? else {
            return Ok(w.not_watched(NO_EVENT_CURSOR, ""));
        };
        if !w.matches(&latest) {
            return Ok(w.not_watched(NO_EVENT_CURSOR, ""));
        }
        if latest.doc.is_null() {
            return Err(Error::new(code::WATCH_NO_DETAIL));
        }
        Ok(w.watched(&[latest]))
    }

    async fn watch_from_time(&self, w: &Watch, start: i64) -> Result<Value> {
        let now = cmdb_model::time::now_millis() / 1000;
        if start > now || start < now - self.event_retention.as_secs() as i64 {
            return Err(Error::invalid("bk_start_from"));
        }
        let Some(latest) = self.store.latest_event(&w.resource).await? else {
            return Ok(w.not_watched(NO_EVENT_CURSOR, ""));
        };
        if latest.created / 1000 <= start {
            // Nothing newer: as if watching from now.
            return self.watch_after(w, latest.id, &cursor_of(&latest)).await;
        }
        let found = self.store.events_since(&w.resource, start * 1000 + 999, &w.filter, PAGE).await?;
        if found.is_empty() {
            return Ok(w.not_watched(&cursor_of(&latest), &latest.event_type));
        }
        Ok(w.watched(&found))
    }

    async fn watch_from_cursor(&self, w: &Watch, cursor: &str) -> Result<Value> {
        if cursor == NO_EVENT_CURSOR {
            return self.watch_after(w, 0, cursor).await;
        }
        let expired = || Error::new(code::WATCH_CURSOR_EXPIRED);
        let id = cursor_id(cursor).ok_or_else(expired)?;
        match self.store.event(&w.resource, id).await? {
            Some(e) if cursor_of(&e) == cursor => {}
            Some(_) => return Err(expired()),
            None => {
                if id == 0 || self.store.purged_tail(&w.resource).await? != id {
                    return Err(expired());
                }
            }
        }
        self.watch_after(w, id, cursor).await
    }

    /// Events after id `after`; waits up to the long-poll time for one.
    async fn watch_after(&self, w: &Watch, after: i64, cursor: &str) -> Result<Value> {
        let deadline = Instant::now() + LONG_POLL;
        let mut signal = self.store.event_signal(&w.resource);
        loop {
            signal.borrow_and_update();
            let found = self.store.events_after(&w.resource, after, &w.filter, PAGE).await?;
            if !found.is_empty() {
                return Ok(w.watched(&found));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, signal.changed()).await.is_err() {
                break;
            }
        }
        match self.store.latest_event(&w.resource).await? {
            Some(latest) if latest.id > after => Ok(w.not_watched(&cursor_of(&latest), &latest.event_type)),
            _ => Ok(w.not_watched(cursor, "")),
        }
    }

    /// Removes events older than the retention, every minute, for the life of the process.
    pub fn start_event_retention(&self) {
        let (store, keep) = (self.store.clone(), self.event_retention);
        tokio::spawn(async move {
            loop {
                let before = cmdb_model::time::now_millis() - keep.as_millis() as i64;
                match store.purge_events(before).await {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "expired events removed"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "event retention failed"),
                }
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_matches_the_no_event_cursor() {
        let text = unbase64(NO_EVENT_CURSOR).unwrap();
        assert_eq!(text, b"1\r1\r5ea6d3f394c1f5d986e9bd86\rnoEvent\r1\r1");
        assert_eq!(base64(&text), NO_EVENT_CURSOR);
        for n in 0..10 {
            let v: Vec<u8> = (0..n).map(|i: u32| (i * 37 + 1) as u8).collect();
            assert_eq!(unbase64(&base64(&v)).unwrap(), v);
        }
        assert!(unbase64("abc").is_none());
    }

    #[test]
    fn cursors_name_their_event() {
        let e = Event {
            id: 77,
            resource: "object_instance".into(),
            event_type: "create".into(),
            supplier: "0".into(),
            created: 1_700_000_000_123,
            doc: json!({"bk_obj_id": "switch", "bk_inst_id": 5}),
        };
        let c = cursor_of(&e);
        assert_eq!(cursor_id(&c), Some(77));
        let text = String::from_utf8(unbase64(&c).unwrap()).unwrap();
        assert_eq!(text, "1\r8\r00000000000000000000004d\rinsert\r1700000000\r1\r5");
    }
}
