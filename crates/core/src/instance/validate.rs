//! Instance data validation (attributes.md §3) and unique rules (§5).

use super::{tenant_filter, Attr, Model, Reader};
use cmdb_model::attr::{self, PropertyType};
use cmdb_model::query::{Expr, Test};
use cmdb_model::{builtin, code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{Map, Value};

/// Keys kept on create although no attribute describes them.
const SYSTEM_KEYS: [&str; 4] = ["default", "bk_parent_id", "bk_biz_id", "bk_data_status"];
/// Keys the server sets itself.
const RECORDED: [&str; 4] = ["bk_created_at", "bk_created_by", "bk_updated_at", "bk_updated_by"];

/// "Missing on create" of attributes.md §2.
fn missing_value(a: &Attr) -> Option<Value> {
    use PropertyType::*;
    let defaults_of = |o: &Value| -> Vec<Value> {
        o.as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|i| i.get("is_default").and_then(Value::as_bool).unwrap_or(false))
                    .filter_map(|i| i.get("id").cloned())
                    .collect()
            })
            .unwrap_or_default()
    };
    Some(match a.ty? {
        Innertable | IdRule | Table | Object => return None,
        Singlechar | Longchar => {
            if a.default.is_null() {
                Value::String(String::new())
            } else {
                a.default.clone()
            }
        }
        Bool => {
            if a.default.is_null() {
                Value::Bool(false)
            } else {
                a.default.clone()
            }
        }
        Enum => defaults_of(&a.option).into_iter().next().unwrap_or(Value::Null),
        EnumMulti => {
            let d = defaults_of(&a.option);
            if d.is_empty() {
                Value::Null
            } else {
                Value::Array(d)
            }
        }
        EnumQuote => {
            let ids: Vec<Value> = a
                .option
                .as_array()
                .map(|items| items.iter().filter_map(|i| i.get("bk_inst_id").cloned()).collect())
                .unwrap_or_default();
            if ids.is_empty() {
                Value::Null
            } else {
                Value::Array(ids)
            }
        }
        _ => a.default.clone(),
    })
}

fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Validates one value; time values become instants. Errors are the inner reasons.
pub(crate) fn check_value(a: &Attr, v: &Value) -> Result<Value> {
    let ty = a.ty.ok_or_else(|| Error::with(code::UNEXPECTED_FIELD_TYPE, a.type_name.clone()))?;
    if v.is_null() {
        if a.isrequired {
            return Err(Error::missing(&a.prop));
        }
        return Ok(Value::Null);
    }
    let out = attr::validate_value(ty, &a.option, a.ismultiple, v, &a.prop)?;
    if a.isrequired && is_empty_value(&out) {
        return Err(Error::missing(&a.prop));
    }
    if ["bk_biz_name", "bk_set_name", "bk_module_name"].contains(&a.prop.as_str())
        && out.as_str().is_some_and(|s| s.contains("##"))
    {
        return Err(Error::invalid(&a.prop));
    }
    if ty == PropertyType::Time {
        if let Some(s) = out.as_str() {
            if s.is_empty() {
                return Ok(Value::Null);
            }
            return time::parse_time_str(s).map(Value::from).ok_or_else(|| Error::invalid(&a.prop));
        }
    }
    Ok(out)
}

/// Every id of an enumquote value must be an instance of the quoted model.
async fn check_enumquote<R: Reader>(r: &mut R, a: &Attr, v: &Value) -> Result<()> {
    let Some(ids) = v.as_array().filter(|x| !x.is_empty()) else { return Ok(()) };
    let quoted = a.option.as_array().and_then(|o| o.first()).and_then(|i| i.get("bk_obj_id")).and_then(Value::as_str);
    let quoted = quoted.unwrap_or("").to_string();
    let params: Vec<Param> = ids.iter().filter_map(Value::as_i64).map(Param::Int).collect();
    let found = r.docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(quoted)), Filter::In("id", params)]).await?;
    if found.len() != ids.len() {
        return Err(Error::invalid(&a.prop));
    }
    Ok(())
}

async fn business_exists<R: Reader>(r: &mut R, biz: i64) -> Result<bool> {
    let found =
        r.docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into()), Filter::Eq("id", Param::Int(biz))]).await?;
    Ok(!found.is_empty())
}

/// Re-checks, under the write lock, the stored data a create validated against before it:
/// the business and enumquote targets must still exist.
pub(crate) async fn recheck_refs(tx: &mut Tx, caller: &Caller, model: &Model, new: &NewInstance) -> Result<()> {
    let biz = new.doc.get("bk_biz_id").and_then(Value::as_i64).unwrap_or(0);
    if biz != 0 && !business_exists(tx, biz).await? {
        return Err(Error::is_invalid("bk_biz_id"));
    }
    for a in model.attrs_for(biz).filter(|a| a.ty == Some(PropertyType::EnumQuote)) {
        if let Some(v) = new.doc.get(&a.prop) {
            check_enumquote(tx, a, v).await.map_err(|e| e.wrap_invalid(caller.lang))?;
        }
    }
    Ok(())
}

/// Table-field ids given on create: they are attached after the instance exists.
pub(crate) type TableRows = Vec<(String, Vec<i64>)>;

pub(crate) struct NewInstance {
    pub doc: Map<String, Value>,
    pub tables: TableRows,
}

/// Builds the document of a new instance from request data (auth fields already removed).
pub(crate) async fn for_create<R: Reader>(
    tx: &mut R,
    caller: &Caller,
    model: &Model,
    data: &Map<String, Value>,
) -> Result<NewInstance> {
    let biz = match data.get("bk_biz_id") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or_else(|| Error::is_invalid("bk_biz_id"))?,
    };
    if biz != 0 && !business_exists(tx, biz).await? {
        return Err(Error::is_invalid("bk_biz_id"));
    }
    for a in model.attrs_for(biz) {
        if a.isrequired && !data.contains_key(&a.prop) && !RECORDED.contains(&a.prop.as_str()) {
            return Err(Error::missing(&a.prop));
        }
    }
    let mut doc = Map::new();
    let mut tables = Vec::new();
    let inner = |e: Error| e.wrap_invalid(caller.lang);
    for a in model.attrs_for(biz) {
        if RECORDED.contains(&a.prop.as_str()) {
            continue;
        }
        match data.get(&a.prop) {
            Some(v) if a.ty == Some(PropertyType::Innertable) => {
                tables.push((a.prop.clone(), table_ids(a, v).map_err(inner)?))
            }
            Some(v) => {
                let v = check_value(a, v).map_err(inner)?;
                if a.ty == Some(PropertyType::EnumQuote) {
                    check_enumquote(tx, a, &v).await.map_err(inner)?;
                }
                doc.insert(a.prop.clone(), v);
            }
            None => {
                if let Some(v) = missing_value(a) {
                    let v =
                        if a.ty == Some(PropertyType::Time) { check_value(a, &v).unwrap_or(Value::Null) } else { v };
                    doc.insert(a.prop.clone(), v);
                }
            }
        }
    }
    for k in SYSTEM_KEYS {
        if let Some(v) = data.get(k) {
            if model.attr(k, biz).is_none() {
                doc.insert(k.to_string(), v.clone());
            }
        }
    }
    let now = time::now_millis();
    doc.insert("bk_obj_id".into(), Value::from(model.obj_id.clone()));
    doc.insert("bk_supplier_account".into(), Value::from(caller.supplier.clone()));
    doc.insert("create_time".into(), Value::from(now));
    doc.insert("last_time".into(), Value::from(now));
    doc.insert("bk_created_at".into(), Value::from(now));
    doc.insert("bk_created_by".into(), Value::from(caller.user.clone()));
    doc.insert("bk_updated_at".into(), Value::from(now));
    Ok(NewInstance { doc, tables })
}

fn table_ids(a: &Attr, v: &Value) -> Result<Vec<i64>> {
    let arr = match v {
        Value::Null => return Ok(vec![]),
        Value::Array(arr) => arr,
        _ => return Err(Error::invalid(&a.prop)),
    };
    if arr.len() > 50 {
        return Err(Error::with2(code::ARRAY_LENGTH_WRONG, a.prop.clone(), "50"));
    }
    arr.iter().map(|x| x.as_i64().ok_or_else(|| Error::invalid(&a.prop))).collect()
}

/// The changes an update may make (attributes.md §3 "On update"): unknown, non-editable, table
/// and topology keys are dropped; the rest validated.
pub(crate) async fn for_update(
    tx: &mut Tx,
    caller: &Caller,
    model: &Model,
    biz: i64,
    data: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    let id_field = builtin::id_field(&model.obj_id);
    let mut out = Map::new();
    for (k, v) in data {
        if k == "bk_parent_id" || k == "bk_biz_id" || k == id_field || RECORDED.contains(&k.as_str()) {
            continue;
        }
        let Some(a) = model.attr(k, biz) else { continue };
        if !a.editable || a.ty == Some(PropertyType::Innertable) {
            continue;
        }
        let v = check_value(a, v).map_err(|e| e.wrap_invalid(caller.lang))?;
        if a.ty == Some(PropertyType::EnumQuote) {
            check_enumquote(tx, a, &v).await.map_err(|e| e.wrap_invalid(caller.lang))?;
        }
        out.insert(k.clone(), v);
    }
    Ok(out)
}

/// Refuses a document whose unique-rule values another instance of the model already has.
pub(crate) async fn check_unique(
    core: &crate::Core,
    tx: &mut Tx,
    caller: &Caller,
    model: &Model,
    doc: &Map<String, Value>,
    self_id: Option<i64>,
) -> Result<()> {
    // Host identity (IPs per cloud area, agent ids) is kept unique through `host_key`, set-based;
    // the host model's unique rules are not evaluated document by document.
    if model.obj_id == "host" {
        return Ok(());
    }
    let id_field = builtin::id_field(&model.obj_id);
    for keys in &model.uniques {
        if keys.is_empty() {
            continue;
        }
        let mut parts = vec![tenant_filter(caller)];
        let mut exempt = false;
        for k in keys {
            match doc.get(k) {
                None | Some(Value::Null) => exempt = true,
                Some(v) => parts.push(Expr::field(k, Test::Eq(v.clone()))),
            }
        }
        if exempt {
            continue;
        }
        if let Some(id) = self_id {
            parts.push(Expr::negate(Expr::field(id_field, Test::Eq(Value::from(id)))));
        }
        let filter = Expr::and(parts);
        let q = model.query(&filter, &[], 0, 0);
        core.index_filtered_fields(model, &filter);
        if tx.count_instances(&q).await? > 0 {
            return Err(Error::duplicate(keys.join(",")));
        }
    }
    Ok(())
}
