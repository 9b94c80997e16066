//! The legacy event subscription registry (audit-and-watch.md §3): records are kept, searched,
//! updated and deleted; callbacks are not delivered (as the spec says).

use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::{tenant, Core};
use cmdb_model::{code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};

/// Seconds a callback may take when the caller gives none (or ≤ 0).
const DEFAULT_TIMEOUT: i64 = 10;

/// Builds a subscription record from a request (shared by subscribe and update).
fn record(caller: &Caller, body: &Body, id: i64) -> Result<Value> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).unwrap_or("").to_string();
    let name = text("subscription_name");
    if name.is_empty() {
        return Err(Error::missing("subscription_name"));
    }
    let url = text("callback_url");
    if url.is_empty() {
        return Err(Error::missing("callback_url"));
    }
    let mode = text("confirm_mode");
    if mode != "httpstatus" && mode != "regular" {
        return Err(Error::invalid("ConfirmMode"));
    }
    let mut pattern = text("confirm_pattern");
    if pattern.is_empty() && mode == "httpstatus" {
        pattern = "200".into();
    }
    let form_raw = text("subscription_form");
    if form_raw.is_empty() {
        return Err(Error::missing("subscription_form"));
    }
    let mut form: Vec<String> = form_raw
        .split(',')
        .map(|f| f.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|f| !f.is_empty())
        .collect();
    form.sort();
    let timeout = body.get("time_out").or_else(|| body.get("timeout")).and_then(Value::as_i64).unwrap_or(0);
    Ok(json!({
        "subscription_id": id, "subscription_name": name, "system_name": text("system_name"), "callback_url": url,
        "confirm_mode": mode, "confirm_pattern": pattern, "time_out": if timeout <= 0 { DEFAULT_TIMEOUT } else { timeout },
        "subscription_form": form.join(","), "operator": caller.user, "bk_supplier_account": caller.supplier,
        "last_time": time::metadata_time(time::now_millis()),
    }))
}

/// The caller's subscription with that name, other than `except`.
async fn named(tx: &mut Tx, caller: &Caller, name: &str, except: i64) -> Result<bool> {
    let found = tx.find_docs(Kind::Subscription, &[Filter::Eq("name", Param::Text(name.to_string()))]).await?;
    Ok(found
        .iter()
        .any(|d| str_field(d, "bk_supplier_account") == caller.supplier && int_field(d, "subscription_id") != except))
}

async fn own(tx: &mut Tx, caller: &Caller, id: i64) -> Result<Option<Value>> {
    let found = tx.find_docs(Kind::Subscription, &[Filter::Eq("id", Param::Int(id))]).await?;
    Ok(found.into_iter().find(|d| tenant::writable(&caller.supplier, d)))
}

impl Core {
    pub async fn subscribe_event(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut tx = self.store.begin().await?;
        let id = tx.next_id(Kind::Subscription.sequence()).await?;
        let rec = record(caller, body, id)?;
        if named(&mut tx, caller, str_field(&rec, "subscription_name"), 0).await? {
            return Err(Error::duplicate("subscription_name"));
        }
        tx.insert_doc(Kind::Subscription, &rec).await?;
        crate::audit::write(&mut tx, caller, event_audit("create", &rec, Some(&rec), None)).await?;
        tx.commit().await?;
        Ok(json!({"subscription_id": id}))
    }

    pub async fn unsubcribe_event(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "subscription_id")?;
        let mut tx = self.store.begin().await?;
        let old = own(&mut tx, caller, id).await?.ok_or_else(|| Error::new(code::SUBSCRIPTION_NOT_FOUND))?;
        tx.delete_docs(Kind::Subscription, &[Filter::Eq("id", Param::Int(id))]).await?;
        crate::audit::write(&mut tx, caller, event_audit("delete", &old, None, Some(&old))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn update_event_subscribe(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "subscription_id")?;
        let rec = record(caller, body, id)?;
        let mut tx = self.store.begin().await?;
        let old = own(&mut tx, caller, id).await?.ok_or_else(|| Error::new(code::SUBSCRIPTION_UPDATE_FAILED))?;
        if named(&mut tx, caller, str_field(&rec, "subscription_name"), id).await? {
            return Err(Error::new(code::SUBSCRIPTION_UPDATE_FAILED));
        }
        tx.update_doc(Kind::Subscription, id, &rec).await?;
        crate::audit::write(&mut tx, caller, event_audit("update", &rec, Some(&rec), Some(&old))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_subscription(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cond = crate::req::opt_obj(body, "condition")?.cloned().unwrap_or_default();
        let filter = cmdb_model::query::parse_legacy(&cond)?;
        let fields = crate::instance::parse_fields(body.get("fields"), "fields")?;
        // `limit` ≤ 0 means all records.
        let mut raw_page = body.get("page").cloned().unwrap_or(Value::Null);
        if raw_page.get("limit").and_then(Value::as_i64).is_some_and(|l| l < 0) {
            raw_page["limit"] = json!(0);
        }
        let page = Page::parse(Some(&raw_page))?;
        let all = self.store.find_docs(Kind::Subscription, &[]).await?;
        let matched: Vec<Value> =
            all.into_iter().filter(|d| tenant::doc_visible(&caller.supplier, d) && filter.matches(d)).collect();
        let count = matched.len();
        let info: Vec<Value> = crate::page::apply(matched, &page)
            .into_iter()
            .map(|d| {
                let mut d = crate::instance::project(d, &fields);
                if let Some(m) = d.as_object_mut() {
                    m.insert("statistics".into(), json!({"total": 0, "failure": 0}));
                }
                d
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }
}

/// Subscriptions are audited as `event` records (category "other").
fn event_audit<'a>(action: &'a str, rec: &Value, cur: Option<&Value>, pre: Option<&Value>) -> crate::audit::Audit<'a> {
    let mut detail = Map::new();
    detail.insert("details".into(), crate::audit::basic(pre, cur, None));
    crate::audit::Audit {
        audit_type: "event",
        resource_type: "event",
        action,
        resource_id: json!(int_field(rec, "subscription_id")),
        resource_name: str_field(rec, "subscription_name").to_string(),
        biz_id: 0,
        detail: Value::Object(detail),
    }
}
