//! The business topology (topology.md): businesses, business sets, sets, modules and the reads of
//! the instance tree. Writes go through the generic instance writer (validation against the
//! model, audit record, change event) inside one transaction per request.

mod biz_set;
mod business;
mod module;
mod set;
mod tree;

use crate::instance::Model;
use crate::model::{int_field, str_field};
use cmdb_model::{builtin, code, i18n, Caller, Error, Lang, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Largest id list of find_set_batch / find_module_batch.
const BATCH_IDS_MAX: usize = 500;

/// A mainline instance name (topology.md §0): trimmed; empty → 1199010, over 256 characters →
/// 1199073, whitespace or any of `\ | / : * , < > " ? #` → 1199006.
pub(crate) fn check_name(v: Option<&Value>, field: &str) -> Result<String> {
    let s = match v {
        None | Some(Value::Null) => return Err(Error::missing(field)),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(_) => return Err(Error::invalid(field)),
    };
    if s.is_empty() {
        return Err(Error::missing(field));
    }
    if s.chars().count() > 256 {
        return Err(Error::too_long(field, 256));
    }
    if s.chars().any(|c| c.is_whitespace() || "\\|/:*,<>\"?#".contains(c)) {
        return Err(Error::invalid(field));
    }
    Ok(s)
}

/// The name a reader sees: built-in instances keep Chinese names in storage and read in English
/// when the request is English (topology.md §0).
pub(crate) fn display_name(obj: &str, default: i64, name: &str, lang: Lang) -> String {
    match (lang, i18n::builtin_instance(obj, default, name)) {
        (Lang::En, Some(en)) => en.to_string(),
        _ => name.to_string(),
    }
}

/// Translates the name field of a built-in instance document in place.
pub(crate) fn translate(doc: &mut Value, obj: &str, lang: Lang) {
    let field = builtin::name_field(obj);
    let name = display_name(obj, int_field(doc, "default"), str_field(doc, field), lang);
    if let Some(m) = doc.as_object_mut() {
        if m.contains_key(field) {
            m.insert(field.to_string(), Value::String(name));
        }
    }
}

/// A model's display name: built-in models in the request's language.
pub(crate) fn model_name(obj: &str, stored: &str, lang: Lang) -> String {
    match (lang, builtin::is_inner(obj), i18n::object(obj)) {
        (Lang::En, true, Some(en)) => en.to_string(),
        _ => stored.to_string(),
    }
}

/// The `data` object of a write: missing → 1199010.
fn data_of<'a>(body: &'a crate::req::Body, key: &str) -> Result<&'a Map<String, Value>> {
    match body.get(key) {
        None | Some(Value::Null) => Err(Error::missing(key)),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}

/// Optional `data` of an update: absent → empty.
fn opt_data(body: &crate::req::Body) -> Result<Map<String, Value>> {
    Ok(crate::req::opt_obj(body, "data")?.cloned().unwrap_or_default())
}

/// `bk_ids` of find_set_batch / find_module_batch: 1..500 ids, duplicates removed.
fn batch_ids(body: &crate::req::Body) -> Result<Vec<i64>> {
    let mut ids = crate::req::int_array(body, "bk_ids")?;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|i| seen.insert(*i));
    if ids.is_empty() || ids.len() > BATCH_IDS_MAX {
        return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_ids", BATCH_IDS_MAX.to_string()));
    }
    Ok(ids)
}

/// A non-empty `fields` list (1199006 when empty or absent).
pub(crate) fn required_fields(body: &crate::req::Body, key: &str) -> Result<Vec<String>> {
    let fields = crate::instance::parse_fields(body.get(key), key)?;
    if fields.is_empty() {
        return Err(Error::invalid(key));
    }
    Ok(fields)
}

/// One instance of a topology model, visible to the caller.
async fn find_node(tx: &mut Tx, caller: &Caller, obj: &str, id: i64) -> Result<Option<Value>> {
    crate::instance::crud::find_one(tx, caller, obj, id).await
}

/// The topology model `obj` as the writer sees it.
async fn topo_model(core: &crate::Core, tx: &mut Tx, obj: &str) -> Result<Arc<Model>> {
    core.model_tx(tx, obj).await?.ok_or_else(|| Error::internal(format!("model {obj} missing")))
}

/// Whether another instance of `obj` under `parent` (in business `biz`) has `name`.
async fn sibling_named(tx: &mut Tx, obj: &str, biz: i64, parent: i64, name: &str, except: i64) -> Result<bool> {
    let found = tx
        .find_docs(
            Kind::Instance,
            &[
                Filter::Eq("obj_id", Param::Text(obj.to_string())),
                Filter::Eq("biz_id", Param::Int(biz)),
                Filter::Eq("parent_id", Param::Int(parent)),
                Filter::Eq("name", Param::Text(name.to_string())),
            ],
        )
        .await?;
    Ok(found.iter().any(|d| int_field(d, builtin::id_field(obj)) != except))
}

/// The business (visible to the caller) or 1199019.
async fn business_of(tx: &mut Tx, caller: &Caller, biz: i64) -> Result<Value> {
    find_node(tx, caller, "biz", biz).await?.ok_or_else(|| Error::with(code::NOT_FOUND, "bk_biz_id"))
}

/// The business `biz` if the caller sees it (the writer's view).
pub(crate) async fn business_visible(tx: &mut Tx, caller: &Caller, biz: i64) -> Result<Option<Value>> {
    find_node(tx, caller, "biz", biz).await
}
