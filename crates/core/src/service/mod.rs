//! Service categories, service templates, process templates, set templates, service instances,
//! processes and template synchronisation (service-and-process.md).
//!
//! Templates and instances are documents of their own tables (`service_template`,
//! `process_template`, `set_template`, `service_instance`, `process_relation`); processes are
//! instances of the built-in `process` model, validated against its attributes.

mod bind;
mod category;
mod instance;
mod proc_template;
mod process;
mod set_template;
mod sync;
mod template;

pub(crate) use instance::{after_transfer, delete_instances_of_hosts};
pub(crate) use process::{identity_processes, update_processes_by_func};

use crate::model::int_field;
use crate::page::Page;
use cmdb_model::{code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Longest service / set template name, in characters.
const TEMPLATE_NAME_MAX: usize = 256;

/// Current time as template and service-instance documents store it (RFC 3339).
fn now_text() -> String {
    time::instance_time(time::now_millis())
}

/// Creator, modifier, times and tenant of a new template or service instance.
fn stamp_new(doc: &mut Map<String, Value>, caller: &Caller) {
    let now = now_text();
    doc.insert("creator".into(), json!(caller.user));
    doc.insert("modifier".into(), json!(caller.user));
    doc.insert("create_time".into(), json!(now));
    doc.insert("last_time".into(), json!(now));
    doc.insert("bk_supplier_account".into(), json!(caller.supplier));
}

fn stamp_update(doc: &mut Value, caller: &Caller) {
    doc["modifier"] = json!(caller.user);
    doc["last_time"] = json!(now_text());
}

/// Service and set template names (§1.2): trimmed, 1..256 characters, none of
/// `\ | / : * , < > " ? #` and no whitespace. Violations → 1199006 `name`.
fn template_name(v: Option<&Value>) -> Result<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r#"^[^\\|/:*,<>"?#\s]+$"#).expect("valid pattern"));
    let name = v.and_then(Value::as_str).map(str::trim).unwrap_or("");
    if name.is_empty() || name.chars().count() > TEMPLATE_NAME_MAX || !re.is_match(name) {
        return Err(Error::invalid("name"));
    }
    Ok(name.to_string())
}

/// PG-strict paging: `start` ≥ 0 and `1 ≤ limit ≤ 1000` (or 999999999); any violation → `err`.
fn strict_page(v: Option<&Value>, err: fn() -> Error) -> Result<Page> {
    let raw = |k: &str| v.and_then(|p| p.get(k)).and_then(Value::as_i64).unwrap_or(0);
    let (start, limit) = (raw("start"), raw("limit"));
    if start < 0 || !(1..=1000).contains(&limit) && limit != 999_999_999 {
        return Err(err());
    }
    Page::parse(v).map_err(|_| err())
}

/// PG-loose paging: `start` ≥ 0 and `0 ≤ limit ≤ 1000` (or 999999999), `limit` 0 = all rows.
fn loose_page(v: Option<&Value>, err: fn() -> Error) -> Result<Page> {
    let raw = |k: &str| v.and_then(|p| p.get(k)).and_then(Value::as_i64).unwrap_or(0);
    let (start, limit) = (raw("start"), raw("limit"));
    if start < 0 || !(0..=1000).contains(&limit) && limit != 999_999_999 {
        return Err(err());
    }
    let page = Page::parse(v).map_err(|_| err())?;
    if v.and_then(|p| p.get("enable_count")).and_then(Value::as_bool) == Some(true)
        && (page.start != 0 || page.limit != 0 || !page.sort.is_empty())
    {
        return Err(err());
    }
    Ok(page)
}

fn page_limit_error() -> Error {
    Error::new(code::PAGE_LIMIT_EXCEEDED)
}

fn ids_param(ids: &[i64]) -> Vec<Param> {
    ids.iter().map(|i| Param::Int(*i)).collect()
}

/// Documents of `kind` whose column `col` is one of `ids`, in chunks (bind-parameter limits).
async fn docs_in(tx: &mut Tx, kind: Kind, col: &'static str, ids: &[i64]) -> Result<Vec<Value>> {
    tx_chunks(tx, kind, ids, |chunk| vec![Filter::In(col, chunk)]).await
}

/// Reads `filters(chunk)` for every chunk of `ids` in the writer's transaction.
async fn tx_chunks(
    tx: &mut Tx,
    kind: Kind,
    ids: &[i64],
    filters: impl Fn(Vec<Param>) -> Vec<Filter>,
) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(tx.find_docs(kind, &filters(ids_param(chunk))).await?);
    }
    Ok(out)
}

/// Reads `filters(chunk)` for every chunk of `ids` through the reader pool, the chunks in
/// parallel (reader connections are many), results in chunk order.
async fn read_chunks(
    store: &cmdb_store::Store,
    kind: Kind,
    ids: &[i64],
    filters: impl Fn(Vec<Param>) -> Vec<Filter>,
) -> Result<Vec<Value>> {
    let tasks: Vec<_> = ids
        .chunks(500)
        .map(|chunk| {
            let (store, filters) = (store.clone(), filters(ids_param(chunk)));
            tokio::spawn(async move { store.find_docs(kind, &filters).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.extend(t.await.map_err(|e| Error::internal(e.to_string()))??);
    }
    Ok(out)
}

/// The process relations of service instances `instances` (reader pool), from key columns.
async fn read_relations(store: &cmdb_store::Store, instances: &[i64]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for chunk in instances.chunks(500) {
        out.extend(store.find_key_docs(Kind::ProcessRelation, &[Filter::In("instance_id", ids_param(chunk))]).await?);
    }
    Ok(out)
}

/// `docs_in` through the reader pool.
async fn read_in(store: &cmdb_store::Store, kind: Kind, col: &'static str, ids: &[i64]) -> Result<Vec<Value>> {
    read_chunks(store, kind, ids, |chunk| vec![Filter::In(col, chunk)]).await
}

/// Instances of a built-in topology model by id (writer's view).
async fn nodes_by_id(tx: &mut Tx, obj: &str, ids: &[i64]) -> Result<Vec<Value>> {
    let obj = Param::Text(obj.into());
    tx_chunks(tx, Kind::Instance, ids, |chunk| vec![Filter::Eq("obj_id", obj.clone()), Filter::In("id", chunk)]).await
}

/// Instances of a built-in topology model by id (reader pool).
async fn read_nodes(store: &cmdb_store::Store, obj: &str, ids: &[i64]) -> Result<Vec<Value>> {
    let obj = Param::Text(obj.into());
    read_chunks(store, Kind::Instance, ids, |chunk| vec![Filter::Eq("obj_id", obj.clone()), Filter::In("id", chunk)])
        .await
}

/// The modules of business `biz` (writer's view).
async fn modules_of_biz(tx: &mut Tx, biz: i64) -> Result<Vec<Value>> {
    tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", "module".into()), Filter::Eq("biz_id", Param::Int(biz))]).await
}

/// A service template by id, if the caller sees it.
async fn service_template(tx: &mut Tx, caller: &Caller, id: i64) -> Result<Option<Value>> {
    let found = tx.find_docs(Kind::ServiceTemplate, &[Filter::Eq("id", Param::Int(id))]).await?;
    Ok(found.into_iter().find(|t| crate::tenant::doc_visible(&caller.supplier, t)))
}

/// Process templates of a service template, in id order.
async fn process_templates(tx: &mut Tx, template: i64) -> Result<Vec<Value>> {
    tx.find_docs(Kind::ProcessTemplate, &[Filter::Eq("template_id", Param::Int(template))]).await
}

/// A required integer list of at most `max` entries (1199010 / 1199035).
fn id_list(body: &crate::req::Body, key: &str, max: usize) -> Result<Vec<i64>> {
    let ids = crate::req::int_array(body, key)?;
    crate::req::bounded(ids.len(), key, max)?;
    Ok(ids)
}

/// A business id that must be positive (`bad` otherwise).
fn positive_biz(body: &crate::req::Body, bad: fn(&str) -> Error) -> Result<i64> {
    match body.get("bk_biz_id") {
        Some(Value::Number(n)) => n.as_i64().filter(|b| *b > 0).ok_or_else(|| bad("bk_biz_id")),
        Some(Value::String(s)) => s.trim().parse::<i64>().ok().filter(|b| *b > 0).ok_or_else(|| bad("bk_biz_id")),
        _ => Err(bad("bk_biz_id")),
    }
}

/// A path parameter (1306406 when missing) whose non-numeric value is answered with `bad`.
fn path_id(body: &crate::req::Body, key: &str, bad: fn(&str) -> Error) -> Result<i64> {
    crate::req::path_int(body, key).map_err(|e| if e.code == code::ESB_PARAM { e } else { bad(key) })
}

/// The document of `kind` with id `id` the caller sees, or 1199019 naming `key`.
async fn visible_doc(store: &cmdb_store::Store, caller: &Caller, kind: Kind, id: i64, key: &str) -> Result<Value> {
    let found = store.find_docs(kind, &[Filter::Eq("id", Param::Int(id))]).await?;
    found
        .into_iter()
        .find(|t| crate::tenant::doc_visible(&caller.supplier, t))
        .ok_or_else(|| Error::with(code::NOT_FOUND, key))
}

fn http_input_invalid(field: &str) -> Error {
    Error::with(code::HTTP_INPUT_INVALID, field)
}

fn invalid(field: &str) -> Error {
    Error::invalid(field)
}

fn is_invalid(field: &str) -> Error {
    Error::is_invalid(field)
}

/// Documents by the integer value of their field `key`.
fn keyed(docs: Vec<Value>, key: &str) -> std::collections::HashMap<i64, Value> {
    docs.into_iter().map(|d| (int_field(&d, key), d)).collect()
}

/// The distinct values of integer field `key` of `docs`, ascending.
fn distinct<'a>(docs: impl Iterator<Item = &'a Value>, key: &str) -> Vec<i64> {
    docs.map(|d| int_field(d, key)).collect::<std::collections::BTreeSet<_>>().into_iter().collect()
}

/// An object from owned values (`json!` would copy every value it is given).
fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::with_capacity(N);
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

/// Key of a document's `id` field.
fn id_of(doc: &Value) -> i64 {
    int_field(doc, "id")
}
