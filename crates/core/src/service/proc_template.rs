//! Process templates (service-and-process.md §1.3, §3.3): wrapped property values, where
//! `as_default_value: true` locks a field for every process made from the template.

use super::bind;
use super::{id_of, service_template, stamp_new, stamp_update};
use crate::model::int_field;
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// String fields of a template property.
const STRING_KEYS: [&str; 12] = [
    "bk_process_name",
    "bk_func_name",
    "bk_start_param_regex",
    "user",
    "description",
    "work_path",
    "pid_file",
    "start_cmd",
    "stop_cmd",
    "restart_cmd",
    "face_stop_cmd",
    "reload_cmd",
];
/// Integer fields with their template-level ranges.
const INT_KEYS: [(&str, i64, i64); 4] =
    [("proc_num", 1, 10000), ("priority", -100, 10000), ("timeout", 1, 10000), ("bk_start_check_secs", 1, 10000)];
/// Most process templates of one batch_create_proc_template.
const BATCH_MAX: usize = 100;

/// Every key of a template property, in a fixed order.
pub(super) fn property_keys() -> impl Iterator<Item = &'static str> {
    STRING_KEYS.into_iter().chain(INT_KEYS.iter().map(|k| k.0)).chain(["auto_start", "bind_info"])
}

/// The template value of property key `key` (null when unset).
pub(super) fn value_of<'a>(tpl: &'a Value, key: &str) -> &'a Value {
    tpl.get("property").and_then(|p| p.get(key)).and_then(|w| w.get("value")).unwrap_or(&Value::Null)
}

pub(super) fn is_locked(tpl: &Value, key: &str) -> bool {
    tpl.get("property")
        .and_then(|p| p.get(key))
        .and_then(|w| w.get("as_default_value"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn template_rows(tpl: &Value) -> Vec<Value> {
    value_of(tpl, "bind_info").as_array().cloned().unwrap_or_default()
}

/// The fields of a new process made from template `tpl` on `host`.
pub(super) fn process_fields(tpl: &Value, host: &Value) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for k in property_keys() {
        let v = if k == "bind_info" {
            Value::Array(bind::instantiate(&template_rows(tpl), host)?)
        } else {
            value_of(tpl, k).clone()
        };
        out.insert(k.to_string(), v);
    }
    Ok(out)
}

/// Applies the template's locked fields to `process` and re-aligns its bind_info; true if
/// anything changed.
pub(super) fn apply_locked(tpl: &Value, process: &mut Map<String, Value>, host: &Value) -> Result<bool> {
    let mut changed = false;
    for k in property_keys().filter(|k| *k != "bind_info") {
        if is_locked(tpl, k) && process.get(k).unwrap_or(&Value::Null) != value_of(tpl, k) {
            process.insert(k.to_string(), value_of(tpl, k).clone());
            changed = true;
        }
    }
    let current = bind::rows_of(process.get("bind_info"));
    let rows = Value::Array(bind::realign(&template_rows(tpl), &current, host)?);
    if process.get("bind_info") != Some(&rows) {
        process.insert("bind_info".into(), rows);
        changed = true;
    }
    Ok(changed)
}

/// Whether a process differs from its template in a locked field (§2.4 rule 8).
pub(super) fn locked_differs(tpl: &Value, process: &Value, host: &Value) -> bool {
    let scalar = property_keys()
        .filter(|k| *k != "bind_info" && is_locked(tpl, k))
        .any(|k| process.get(k).unwrap_or(&Value::Null) != value_of(tpl, k));
    scalar
        || is_locked(tpl, "bind_info")
            && bind::differs(&template_rows(tpl), &bind::rows_of(process.get("bind_info")), host)
}

/// Checks one wrapped field; returns it as stored.
fn check_field(key: &str, w: &Value, check_space: bool) -> Result<Value> {
    let m = w.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key))?;
    let value = m.get("value").cloned().unwrap_or(Value::Null);
    let lock = match m.get("as_default_value") {
        None | Some(Value::Null) => Value::Null,
        Some(Value::Bool(b)) => json!(b),
        Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, key)),
    };
    let value = if key == "bind_info" {
        value
    } else if STRING_KEYS.contains(&key) {
        match &value {
            Value::Null => value,
            Value::String(s) => {
                if check_space && s.trim() != s {
                    return Err(Error::with(code::UNKNOWN, format!("field {key} contains space: {s}")));
                }
                value
            }
            _ => return Err(Error::invalid(key)),
        }
    } else if let Some((_, lo, hi)) = INT_KEYS.iter().find(|k| k.0 == key) {
        match &value {
            Value::Null => value,
            v => match v.as_i64() {
                Some(n) if (*lo..=*hi).contains(&n) => json!(n),
                _ => return Err(Error::invalid(key)),
            },
        }
    } else {
        match &value {
            Value::Null | Value::Bool(_) => value,
            _ => return Err(Error::invalid(key)),
        }
    };
    Ok(json!({"value": value, "as_default_value": lock}))
}

/// A whole property checked (§1.3): every key present, names required and locked, bind rows
/// validated and numbered after `max_row`.
fn check_property(input: &Map<String, Value>, check_space: bool, max_row: i64) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for k in property_keys() {
        let w = match input.get(k) {
            None | Some(Value::Null) => json!({"value": null, "as_default_value": false}),
            Some(w) => check_field(k, w, check_space)?,
        };
        out.insert(k.to_string(), w);
    }
    for k in ["bk_process_name", "bk_func_name"] {
        if out[k]["value"].as_str().is_none_or(|s| s.trim().is_empty()) {
            return Err(Error::invalid(k));
        }
        out[k]["as_default_value"] = json!(true);
    }
    let mut rows = match &out["bind_info"]["value"] {
        Value::Null => vec![],
        Value::Array(a) => a.clone(),
        _ => return Err(Error::invalid("bind_info")),
    };
    bind::check_template_rows(&mut rows, max_row)?;
    out["bind_info"]["value"] = Value::Array(rows);
    Ok(out)
}

/// Name and (func name, start regex) must be unique among a service template's process templates.
fn check_unique(siblings: &[Value], property: &Map<String, Value>, except: i64) -> Result<()> {
    let name = &property["bk_process_name"]["value"];
    let func = (&property["bk_func_name"]["value"], &property["bk_start_param_regex"]["value"]);
    for s in siblings.iter().filter(|s| id_of(s) != except) {
        if value_of(s, "bk_process_name") == name {
            return Err(Error::with(code::DUPLICATE_PROCESS_NAME, name.as_str().unwrap_or("")));
        }
        if (value_of(s, "bk_func_name"), value_of(s, "bk_start_param_regex")) == func {
            return Err(Error::with(code::DUPLICATE_PROCESS_FUNC, func.0.as_str().unwrap_or("")));
        }
    }
    Ok(())
}

fn max_row_id(property: &Value) -> i64 {
    property
        .get("bind_info")
        .and_then(|w| w.get("value"))
        .and_then(Value::as_array)
        .map(|rows| rows.iter().map(|r| int_field(r, "row_id")).max().unwrap_or(0))
        .unwrap_or(0)
}

async fn process_template(tx: &mut Tx, caller: &Caller, id: i64) -> Result<Option<Value>> {
    let found = tx.find_docs(Kind::ProcessTemplate, &[Filter::Eq("id", Param::Int(id))]).await?;
    Ok(found.into_iter().find(|t| crate::tenant::doc_visible(&caller.supplier, t)))
}

impl Core {
    pub async fn batch_create_proc_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let items = crate::req::array(body, "processes")?;
        if items.is_empty() {
            return Ok(json!([]));
        }
        if items.len() > BATCH_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "processes", BATCH_MAX.to_string()));
        }
        let template = crate::req::typed_int(body, "service_template_id")?.unwrap_or(0);
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let owner = match template {
            0 => None,
            t => service_template(&mut tx, caller, t).await?,
        }
        .ok_or_else(|| Error::invalid("service_template_id"))?;
        if int_field(&owner, "bk_biz_id") != biz {
            return Err(Error::invalid("bk_biz_id"));
        }
        let mut siblings = super::process_templates(&mut tx, template).await?;
        let mut ids = Vec::with_capacity(items.len());
        for item in &items {
            let spec = item.get("spec").and_then(Value::as_object).ok_or_else(|| Error::invalid("spec"))?;
            let property = check_property(spec, true, 0)?;
            check_unique(&siblings, &property, 0)?;
            let id = tx.next_id(Kind::ProcessTemplate.sequence()).await?;
            let mut doc = Map::new();
            doc.insert("id".into(), json!(id));
            doc.insert("bk_process_name".into(), property["bk_process_name"]["value"].clone());
            doc.insert("bk_biz_id".into(), json!(biz));
            doc.insert("service_template_id".into(), json!(template));
            doc.insert("property".into(), Value::Object(property));
            stamp_new(&mut doc, caller);
            let doc = Value::Object(doc);
            tx.insert_doc(Kind::ProcessTemplate, &doc).await?;
            siblings.push(doc);
            ids.push(id);
        }
        tx.commit().await?;
        Ok(json!(ids))
    }

    pub async fn update_proc_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::typed_int(body, "process_template_id")
            .ok()
            .flatten()
            .filter(|i| *i > 0)
            .ok_or_else(|| Error::with(code::HTTP_INPUT_INVALID, "process_template_id"))?;
        let changes = match body.get("process_property") {
            None | Some(Value::Null) => return Err(Error::with(code::HTTP_INPUT_INVALID, "process_property")),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "process_property")),
        };
        let mut tx = self.store.begin().await?;
        let mut doc = process_template(&mut tx, caller, id)
            .await?
            .ok_or_else(|| Error::with(code::NOT_FOUND, "process_template_id"))?;
        let mut property = doc.get("property").and_then(Value::as_object).cloned().unwrap_or_default();
        let max_row = max_row_id(&doc["property"]);
        for (k, w) in changes {
            if k == "bk_func_name" || !property_keys().any(|p| p == k) {
                continue;
            }
            let w = match w {
                Value::Null => json!({"value": null, "as_default_value": null}),
                Value::Object(m) => json!({
                    "value": m.get("value").cloned().unwrap_or(Value::Null),
                    "as_default_value": m.get("as_default_value").cloned().unwrap_or(Value::Null),
                }),
                _ => return Err(Error::with(code::JSON_UNMARSHAL, k)),
            };
            property.insert(k, w);
        }
        let property = check_property(&property, false, max_row)?;
        let siblings = super::process_templates(&mut tx, int_field(&doc, "service_template_id")).await?;
        check_unique(&siblings, &property, id)?;
        doc["bk_process_name"] = property["bk_process_name"]["value"].clone();
        doc["property"] = Value::Object(property);
        stamp_update(&mut doc, caller);
        tx.update_doc(Kind::ProcessTemplate, id, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn delete_proc_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = super::id_list(body, "process_templates", 500)?;
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let failed = || Error::new(code::DELETE_PROC_TEMPLATE_FAILED);
        let mut tx = self.store.begin().await?;
        let found = super::docs_in(&mut tx, Kind::ProcessTemplate, "id", &ids).await?;
        let distinct: HashSet<i64> = ids.iter().copied().collect();
        let visible: Vec<&Value> = found
            .iter()
            .filter(|t| {
                crate::tenant::doc_visible(&caller.supplier, t) && (biz == 0 || int_field(t, "bk_biz_id") == biz)
            })
            .collect();
        if visible.len() != distinct.len() {
            return Err(failed());
        }
        // Processes made from them stay, as free processes of their instances (§2.2).
        let relations = super::docs_in(&mut tx, Kind::ProcessRelation, "template_id", &ids).await?;
        let detached: Vec<Value> = relations
            .into_iter()
            .map(|mut r| {
                r["process_template_id"] = json!(0);
                r
            })
            .collect();
        tx.update_docs(Kind::ProcessRelation, &detached).await?;
        tx.insert_events("process_instance_relation", "update", &caller.supplier, &detached).await?;
        tx.delete_docs(Kind::ProcessTemplate, &[Filter::In("id", super::ids_param(&ids))]).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn get_proc_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = super::path_id(body, "process_template_id", super::http_input_invalid)?;
        super::visible_doc(&self.store, caller, Kind::ProcessTemplate, id, "process_template_id").await
    }

    pub async fn list_proc_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::positive_biz(body, super::invalid)?;
        let template = crate::req::typed_int(body, "service_template_id")?.unwrap_or(0);
        let ids = crate::req::int_array(body, "process_template_ids")?;
        if ids.len() > 200 {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_process_ids", "200"));
        }
        if template == 0 && ids.is_empty() {
            return Err(Error::invalid("service_template_id"));
        }
        let mut page = crate::page::Page::parse(body.get("page"))?;
        if page.sort.is_empty() {
            page.sort = vec![("id".into(), false)];
        }
        let mut filters = vec![Filter::Eq("biz_id", Param::Int(biz))];
        if template != 0 {
            filters.push(Filter::Eq("template_id", Param::Int(template)));
        }
        if !ids.is_empty() {
            filters.push(Filter::In("id", super::ids_param(&ids)));
        }
        let mut all = self.store.find_docs(Kind::ProcessTemplate, &filters).await?;
        all.retain(|t| crate::tenant::doc_visible(&caller.supplier, t));
        let count = all.len();
        Ok(crate::page::counted(count, crate::page::apply(all, &page)))
    }
}
