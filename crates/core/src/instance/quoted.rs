//! Quoted (table-field) instances (models-and-instances.md §F): rows of a table field, stored as
//! instances of its hidden model `bk_<model>#<field>`.

use super::{project, render, tenant_filter, INST_SEQ};
use crate::audit::{self, Audit};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::{req_str, Body};
use crate::Core;
use cmdb_model::attr::{self, PropertyType, TableColumn};
use cmdb_model::query::{self, Expr, Flavor};
use cmdb_model::{code, time, Caller, Error, Result};
use cmdb_store::instances::InstanceQuery;
use cmdb_store::query::Hot;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

const CREATE_MAX: usize = 200;
const UPDATE_MAX: usize = 200;
const DELETE_MAX: usize = 500;
const LIST_MAX: usize = 1000;
const HOT: [Hot; 1] = [Hot { field: "id", column: "id", numeric: true }];

/// The table field behind `(bk_obj_id, bk_property_id)`.
struct Table {
    src: String,
    prop: String,
    model: String,
    columns: Vec<TableColumn>,
}

async fn resolve(tx: &mut Tx, body: &Body) -> Result<Table> {
    let src = req_str(body, "bk_obj_id")?;
    let prop = req_str(body, "bk_property_id")?;
    let attrs = tx
        .find_docs(
            Kind::Attribute,
            &[Filter::Eq("obj_id", Param::Text(src.clone())), Filter::Eq("biz_id", Param::Int(0))],
        )
        .await?;
    let Some(a) = attrs
        .iter()
        .find(|a| str_field(a, "bk_property_id") == prop && str_field(a, "bk_property_type") == "innertable")
    else {
        return Err(Error::invalid("bk_property_id"));
    };
    let columns = attr::table_columns(a.get("option").unwrap_or(&Value::Null));
    Ok(Table { model: attr::table_model_id(&src, &prop), src, prop, columns })
}

fn cell(c: &TableColumn, v: &Value) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    attr::validate_value(c.ty, &c.option, c.ismultiple, v, &c.id)
}

fn empty_cell(c: &TableColumn) -> Value {
    match c.ty {
        PropertyType::Singlechar | PropertyType::Longchar => json!(""),
        PropertyType::EnumMulti => json!([]),
        PropertyType::Bool => json!(false),
        _ => Value::Null,
    }
}

fn audit_of<'a>(action: &'a str, t: &Table, row: &Value, detail: Value) -> Audit<'a> {
    Audit {
        audit_type: "quoted_inst",
        resource_type: "quoted_inst",
        action,
        resource_id: row.get("id").cloned().unwrap_or(Value::Null),
        resource_name: String::new(),
        biz_id: 0,
        detail: json!({"details": detail, "bk_obj_id": t.model, "src_obj_id": t.src, "bk_property_id": t.prop}),
    }
}

/// The row as the wire shows it (the hidden model id is internal).
fn public(mut row: Value) -> Value {
    if let Some(m) = row.as_object_mut() {
        m.remove("bk_obj_id");
    }
    let times: HashSet<String> = ["create_time", "last_time"].iter().map(|s| s.to_string()).collect();
    let mut row = render(row, &times);
    if let Some(m) = row.as_object_mut() {
        m.remove("bk_created_at");
        m.remove("bk_updated_at");
    }
    row
}

fn ids_of(body: &Body, max: usize) -> Result<Vec<i64>> {
    let ids = crate::req::int_array(body, "ids")?;
    if ids.is_empty() || ids.len() > max {
        return Err(Error::missing("ids"));
    }
    Ok(ids)
}

async fn rows(tx: &mut Tx, table: &str, ids: &[i64]) -> Result<Vec<Value>> {
    let params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
    tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(table.into())), Filter::In("id", params)]).await
}

impl Core {
    pub async fn batch_create_quoted_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let data = crate::req::array(body, "data")?;
        let mut tx = self.store.begin().await?;
        let t = resolve(&mut tx, body).await?;
        if data.is_empty() || data.len() > CREATE_MAX {
            return Err(Error::missing("data"));
        }
        let now = time::now_millis();
        let mut ids = Vec::with_capacity(data.len());
        let mut owners = HashSet::new();
        for (i, item) in data.iter().enumerate() {
            let m = item.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("data[{i}]")))?;
            let owner = match m.get("bk_inst_id") {
                None | Some(Value::Null) => 0,
                Some(v) => v.as_i64().ok_or_else(|| Error::is_invalid("bk_inst_id"))?,
            };
            if owner != 0 {
                let n = tx
                    .count_docs(
                        Kind::Instance,
                        &[Filter::Eq("obj_id", Param::Text(t.src.clone())), Filter::Eq("id", Param::Int(owner))],
                    )
                    .await?;
                if n == 0 {
                    return Err(Error::is_invalid("bk_inst_id"));
                }
            }
            let mut row = Map::new();
            for c in &t.columns {
                match m.get(&c.id) {
                    Some(v) => {
                        let v = cell(c, v)?;
                        if c.isrequired && v.is_null() {
                            return Err(Error::missing(&c.id));
                        }
                        row.insert(c.id.clone(), v);
                    }
                    None if c.isrequired => return Err(Error::missing(&c.id)),
                    None => {
                        row.insert(c.id.clone(), empty_cell(c));
                    }
                }
            }
            let id = tx.next_id(INST_SEQ).await?;
            row.insert("id".into(), json!(id));
            row.insert("bk_inst_id".into(), json!(owner));
            row.insert("bk_obj_id".into(), json!(t.model));
            row.insert("bk_supplier_account".into(), json!(caller.supplier));
            row.insert("create_time".into(), json!(now));
            row.insert("last_time".into(), json!(now));
            let row = Value::Object(row);
            tx.insert_doc(Kind::Instance, &row).await?;
            audit::write(&mut tx, caller, audit_of("create", &t, &row, audit::basic(None, Some(&row), None))).await?;
            ids.push(id);
            owners.insert(owner);
        }
        self.owners_changed(&mut tx, caller, &t, owners).await?;
        tx.commit().await?;
        Ok(json!({"ids": ids}))
    }

    pub async fn batch_update_quoted_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut tx = self.store.begin().await?;
        let t = resolve(&mut tx, body).await?;
        let ids = ids_of(body, UPDATE_MAX)?;
        let data = body
            .get("data")
            .and_then(Value::as_object)
            .filter(|m| !m.is_empty())
            .ok_or_else(|| Error::missing("data"))?;
        let mut changes = Map::new();
        for (k, v) in data {
            let Some(c) = t.columns.iter().find(|c| &c.id == k) else { continue };
            if !c.editable {
                continue;
            }
            let v = cell(c, v)?;
            if c.isrequired && v.is_null() {
                return Err(Error::missing(&c.id));
            }
            changes.insert(k.clone(), v);
        }
        let now = time::now_millis();
        let changes_v = Value::Object(changes.clone());
        let mut owners = HashSet::new();
        for old in rows(&mut tx, &t.model, &ids).await? {
            if !crate::tenant::writable(&caller.supplier, &old) {
                continue;
            }
            let mut row = old.clone();
            for (k, v) in &changes {
                row[k] = v.clone();
            }
            row["last_time"] = json!(now);
            tx.update_doc(Kind::Instance, int_field(&row, "id"), &row).await?;
            audit::write(
                &mut tx,
                caller,
                audit_of("update", &t, &row, audit::basic(Some(&old), None, Some(&changes_v))),
            )
            .await?;
            owners.insert(int_field(&row, "bk_inst_id"));
        }
        self.owners_changed(&mut tx, caller, &t, owners).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_delete_quoted_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut tx = self.store.begin().await?;
        let t = resolve(&mut tx, body).await?;
        let ids = ids_of(body, DELETE_MAX)?;
        let mut owners = HashSet::new();
        for old in rows(&mut tx, &t.model, &ids).await? {
            if !crate::tenant::writable(&caller.supplier, &old) {
                continue;
            }
            let id = int_field(&old, "id");
            tx.delete_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", Param::Text(t.model.clone())), Filter::Eq("id", Param::Int(id))],
            )
            .await?;
            audit::write(&mut tx, caller, audit_of("delete", &t, &old, audit::basic(Some(&old), None, None))).await?;
            owners.insert(int_field(&old, "bk_inst_id"));
        }
        self.owners_changed(&mut tx, caller, &t, owners).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// A change to table rows is an `update` event of each owning instance (audit-and-watch.md §2.2).
    async fn owners_changed(&self, tx: &mut Tx, caller: &Caller, t: &Table, owners: HashSet<i64>) -> Result<()> {
        let owners: Vec<Param> = owners.into_iter().filter(|o| *o != 0).map(Param::Int).collect();
        if owners.is_empty() {
            return Ok(());
        }
        let Some(model) = self.model_tx(tx, &t.src).await? else { return Ok(()) };
        let docs = tx
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(t.src.clone())), Filter::In("id", owners)])
            .await?;
        for d in docs {
            tx.insert_event(super::watch_resource(&model), "update", &caller.supplier, &d).await?;
        }
        Ok(())
    }

    pub async fn list_quoted_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let table = {
            let mut tx = self.store.begin().await?;
            resolve(&mut tx, body).await?.model
        };
        let filter = match body.get("filter") {
            None | Some(Value::Null) => Expr::all(),
            Some(v) => query::parse_filter(v, Flavor::Filter, "filter", true)?,
        };
        let fields = super::parse_fields(body.get("fields"), "fields")?;
        let mut page = Page::parse(body.get("page"))?;
        let enable_count =
            body.get("page").and_then(|p| p.get("enable_count")).and_then(Value::as_bool).unwrap_or(false);
        let mut filter = Expr::and(vec![tenant_filter(caller), filter]);
        filter.times_to_instants(&["create_time", "last_time"].iter().map(|s| s.to_string()).collect());
        if enable_count {
            if page.start != 0 || page.limit != 0 || !page.sort.is_empty() {
                return Err(Error::invalid("page.enable_count"));
            }
            let q = InstanceQuery {
                obj_id: &table,
                filter: &filter,
                hot: &HOT,
                scalar: &[],
                sort: &[],
                start: 0,
                limit: 0,
                within: None,
            };
            return Ok(json!({"count": self.store.count_instances(&q).await?, "info": []}));
        }
        if page.limit == 0 {
            return Err(Error::is_invalid("page.limit"));
        }
        if page.limit > LIST_MAX && page.limit != 999_999_999 {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        if page.sort.is_empty() {
            page.sort = vec![("id".into(), true)];
        }
        let q = InstanceQuery {
            obj_id: &table,
            filter: &filter,
            hot: &HOT,
            scalar: &[],
            sort: &page.sort,
            start: page.start,
            limit: page.limit,
            within: None,
        };
        let info: Vec<Value> =
            self.store.find_instances(&q).await?.into_iter().map(|r| project(public(r), &fields)).collect();
        Ok(crate::page::counted(0, info))
    }
}
