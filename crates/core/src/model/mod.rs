//! Model management (models-and-instances.md §A–§D): classifications, models, attributes,
//! business custom fields, model associations and the model-topology graph.

pub mod association;
pub mod attribute;
pub mod classification;
pub mod graphics;
pub mod object;
pub mod records;
mod render;

pub use render::{render_attribute, render_classification, render_object};

use cmdb_model::Result;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::Value;

/// Strips the keys that never act as conditions of a metadata search.
pub(crate) fn condition_body(body: &crate::req::Body, drop: &[&str]) -> serde_json::Map<String, Value> {
    body.iter().filter(|(k, _)| !drop.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub(crate) async fn object_by_obj_id(tx: &mut Tx, obj_id: &str) -> Result<Option<Value>> {
    Ok(tx.find_docs(Kind::Object, &[Filter::Eq("obj_id", Param::Text(obj_id.to_string()))]).await?.pop())
}

pub(crate) async fn object_by_id(tx: &mut Tx, id: i64) -> Result<Option<Value>> {
    Ok(tx.find_docs(Kind::Object, &[Filter::Eq("id", Param::Int(id))]).await?.pop())
}

/// Models that are the source of a `bk_mainline` association: set, module, host and custom levels.
pub(crate) async fn is_mainline_child(tx: &mut Tx, obj_id: &str) -> Result<bool> {
    let assts = tx.find_docs(Kind::ObjectAssociation, &[Filter::Eq("obj_id", Param::Text(obj_id.to_string()))]).await?;
    Ok(assts.iter().any(|a| a.get("bk_asst_id").and_then(Value::as_str) == Some("bk_mainline")))
}

pub(crate) fn str_field<'a>(doc: &'a Value, key: &str) -> &'a str {
    doc.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn int_field(doc: &Value, key: &str) -> i64 {
    doc.get(key).and_then(Value::as_i64).unwrap_or(0)
}

pub(crate) fn bool_field(doc: &Value, key: &str) -> bool {
    doc.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// The legacy condition map of a search body, refusing non-object values.
pub(crate) fn parse_condition(m: &serde_json::Map<String, Value>) -> Result<cmdb_model::query::Expr> {
    cmdb_model::query::parse_legacy(m)
}
