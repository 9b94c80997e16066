//! Create, update and delete of generic instances (models-and-instances.md §E).

use super::validate::{self, check_unique};
use super::{audit_of, id_sequence, refuse_inner, render, watch_resource as resource_of, Model, INST_SEQ};
use crate::audit;
use crate::model::int_field;
use crate::req::{path_int, path_str, Body};
use crate::Core;
use cmdb_model::{builtin, code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Largest `details` of batch_create_inst.
const BATCH_CREATE_MAX: usize = 200;

impl Core {
    /// Loads the model of a write through the generic endpoints, with the common refusals.
    async fn writable_model(&self, tx: &mut Tx, obj_id: &str, allow_host: bool) -> Result<Arc<Model>> {
        refuse_inner(obj_id, allow_host)?;
        self.model_tx(tx, obj_id).await?.ok_or_else(|| Error::is_invalid("bk_obj_id"))
    }
}

pub(crate) async fn find_one(tx: &mut Tx, caller: &Caller, obj: &str, id: i64) -> Result<Option<Value>> {
    let found = tx
        .find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(obj.into())), Filter::Eq("id", Param::Int(id))])
        .await?;
    Ok(found.into_iter().find(|d| crate::tenant::doc_visible(&caller.supplier, d)))
}

/// Attaches unattached quoted rows to a new instance (table-field ids given on create).
async fn attach_rows(tx: &mut Tx, obj: &str, owner: i64, tables: &validate::TableRows) -> Result<()> {
    for (prop, ids) in tables {
        let table = cmdb_model::attr::table_model_id(obj, prop);
        for id in ids {
            let rows = tx
                .find_docs(
                    Kind::Instance,
                    &[Filter::Eq("obj_id", Param::Text(table.clone())), Filter::Eq("id", Param::Int(*id))],
                )
                .await?;
            let Some(mut row) = rows.into_iter().next().filter(|r| int_field(r, "bk_inst_id") == 0) else {
                return Err(Error::invalid(prop.clone()));
            };
            row["bk_inst_id"] = json!(owner);
            row["last_time"] = json!(time::now_millis());
            tx.update_doc(Kind::Instance, *id, &row).await?;
        }
    }
    Ok(())
}

impl Core {
    /// One instance, validated and written in `tx`; returns the stored document.
    pub(crate) async fn insert_instance(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        model: &Model,
        data: &Map<String, Value>,
    ) -> Result<Value> {
        let new = validate::for_create(tx, caller, model, data).await?;
        self.insert_prepared(tx, caller, model, new).await
    }

    /// Writes a validated new instance: unique rules, id, document, table rows, audit, event.
    async fn insert_prepared(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        model: &Model,
        new: validate::NewInstance,
    ) -> Result<Value> {
        let mut doc = new.doc;
        check_unique(self, tx, caller, model, &doc, None).await?;
        let id = tx.next_id(id_sequence(&model.obj_id)).await?;
        doc.insert(builtin::id_field(&model.obj_id).to_string(), json!(id));
        let doc = Value::Object(doc);
        tx.insert_doc(Kind::Instance, &doc).await?;
        attach_rows(tx, &model.obj_id, id, &new.tables).await?;
        audit::write(tx, caller, audit_of("create", model, &doc, audit::basic(None, Some(&doc), None))).await?;
        tx.insert_event(resource_of(model), "create", &caller.supplier, &doc).await?;
        Ok(doc)
    }

    pub async fn create_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        // `bk_obj_id` has no attribute, so validation drops it like any unknown key.
        let data = body;
        refuse_inner(&obj, false)?;
        // Validate against committed metadata before taking the writer; under it, only what
        // depends on other writers is checked again (model unchanged, references, uniqueness).
        let version = self.store.metadata_version().await?;
        let model = self.model_at(version, &obj).await?.ok_or_else(|| Error::is_invalid("bk_obj_id"))?;
        if model.paused() {
            return Err(Error::new(code::MODEL_PAUSED));
        }
        if !model.mainline {
            let mut store = &self.store;
            let new = validate::for_create(&mut store, caller, &model, data).await?;
            // SQLite: id, documents and their JSON are made before the writer is taken.
            let Some(id) = self.store.take_id(INST_SEQ).await? else {
                let mut tx = self.store.begin().await?;
                if tx.metadata_version().await? == version {
                    validate::recheck_refs(&mut tx, caller, &model, &new).await?;
                    let doc = self.insert_prepared(&mut tx, caller, &model, new).await?;
                    tx.commit().await?;
                    return Ok(render(doc, &model.time_fields()));
                }
                drop(tx);
                return self.create_inst_locked(caller, &obj, data).await;
            };
            let mut doc = new.doc.clone();
            doc.insert(builtin::id_field(&model.obj_id).to_string(), json!(id));
            let doc = Value::Object(doc);
            let text = doc.to_string();
            let record = audit::record(caller, audit_of("create", &model, &doc, audit::basic(None, Some(&doc), None)));
            let record_text = record.to_string();
            let mut tx = self.store.begin().await?;
            if tx.metadata_version().await? == version {
                validate::recheck_refs(&mut tx, caller, &model, &new).await?;
                check_unique(self, &mut tx, caller, &model, doc.as_object().expect("object"), None).await?;
                tx.persist_id(INST_SEQ, id).await?;
                tx.insert_doc_json(Kind::Instance, &doc, &text).await?;
                attach_rows(&mut tx, &model.obj_id, id, &new.tables).await?;
                tx.insert_audit_json(&record, &record_text).await?;
                tx.insert_event_json(resource_of(&model), "create", &caller.supplier, &doc, &text).await?;
                tx.commit().await?;
                return Ok(render(doc, &model.time_fields()));
            }
        }
        self.create_inst_locked(caller, &obj, data).await
    }

    /// create_inst with every check under the writer (custom levels, or metadata changed meanwhile).
    async fn create_inst_locked(&self, caller: &Caller, obj: &str, data: &Map<String, Value>) -> Result<Value> {
        let (obj, data) = (obj.to_string(), data.clone());
        let mut tx = self.store.begin().await?;
        let model = self.writable_model(&mut tx, &obj, false).await?;
        if model.paused() {
            return Err(Error::new(code::MODEL_PAUSED));
        }
        if model.mainline {
            self.check_level_instance(&mut tx, &model, &data).await?;
        }
        let doc = self.insert_instance(&mut tx, caller, &model, &data).await?;
        tx.commit().await?;
        Ok(render(doc, &model.time_fields()))
    }

    pub async fn batch_create_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let details = crate::batch::details(body, BATCH_CREATE_MAX)?;
        {
            let mut tx = self.store.begin().await?;
            let model = self.model_tx(&mut tx, &obj).await?.ok_or_else(|| Error::is_invalid("bk_obj_id"))?;
            if model.mainline {
                return Err(Error::new(code::MAINLINE_WITH_COMMON_API));
            }
            if model.paused() {
                return Err(Error::new(code::MODEL_PAUSED));
            }
        }
        let mut outcomes = crate::batch::Outcomes::default();
        // Partial success: each item is its own transaction.
        for (i, item) in details.iter().enumerate() {
            let outcome = async {
                let data =
                    item.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("details[{i}]")))?;
                let mut tx = self.store.begin().await?;
                let model = self.model_tx(&mut tx, &obj).await?.ok_or_else(|| Error::is_invalid("bk_obj_id"))?;
                let doc = self.insert_instance(&mut tx, caller, &model, data).await?;
                tx.commit().await?;
                Ok::<i64, Error>(int_field(&doc, builtin::id_field(&obj)))
            }
            .await;
            outcomes.record(i, outcome, caller.lang);
        }
        Ok(outcomes.into_value())
    }

    async fn update_one(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        model: &Model,
        id: i64,
        data: &Map<String, Value>,
    ) -> Result<()> {
        let Some(old) = find_one(tx, caller, &model.obj_id, id).await? else {
            return Err(Error::with(code::NOT_FOUND, builtin::id_field(&model.obj_id)));
        };
        if !crate::tenant::writable(&caller.supplier, &old) {
            return Err(Error::with(code::NOT_FOUND, builtin::id_field(&model.obj_id)));
        }
        let changes = validate::for_update(tx, caller, model, int_field(&old, "bk_biz_id"), data).await?;
        if model.mainline {
            if let Some(name) = changes.get("bk_inst_name").and_then(Value::as_str) {
                super::mainline::check_topo_name(name, "bk_inst_name")?;
            }
        }
        self.write_update(tx, caller, model, &old, changes, "update").await?;
        Ok(())
    }

    /// Applies validated `changes` to stored instance `old`: unique rules, document, audit (with
    /// `action`), event. Returns the new document.
    pub(crate) async fn write_update(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        model: &Model,
        old: &Value,
        changes: Map<String, Value>,
        action: &str,
    ) -> Result<Value> {
        let id = int_field(old, builtin::id_field(&model.obj_id));
        let mut doc = old.as_object().cloned().unwrap_or_default();
        for (k, v) in &changes {
            doc.insert(k.clone(), v.clone());
        }
        let now = time::now_millis();
        doc.insert("last_time".into(), json!(now));
        doc.insert("bk_updated_at".into(), json!(now));
        doc.insert("bk_updated_by".into(), json!(caller.user));
        check_unique(self, tx, caller, model, &doc, Some(id)).await?;
        let doc = Value::Object(doc);
        tx.update_doc(Kind::Instance, id, &doc).await?;
        let changes = Value::Object(changes);
        audit::write(tx, caller, audit_of(action, model, &doc, audit::basic(Some(old), None, Some(&changes)))).await?;
        tx.insert_event(resource_of(model), "update", &caller.supplier, &doc).await?;
        Ok(doc)
    }

    pub async fn update_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let id = path_int(body, "bk_inst_id")?;
        let mut data = body.clone();
        data.remove("bk_obj_id");
        data.remove("bk_inst_id");
        let mut tx = self.store.begin().await?;
        let model = self.writable_model(&mut tx, &obj, true).await?;
        self.update_one(&mut tx, caller, &model, id, &data).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_update_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let items = crate::req::array(body, "update")?;
        let mut parsed = Vec::with_capacity(items.len());
        for item in &items {
            let id = item.get("inst_id").and_then(Value::as_i64).unwrap_or(0);
            if id == 0 {
                return Err(Error::invalid("inst_id"));
            }
            let datas = match item.get("datas") {
                Some(Value::Object(m)) => m.clone(),
                None | Some(Value::Null) => Map::new(),
                Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "datas")),
            };
            parsed.push((id, datas));
        }
        let mut tx = self.store.begin().await?;
        let model = self.writable_model(&mut tx, &obj, true).await?;
        for (id, datas) in &parsed {
            self.update_one(&mut tx, caller, &model, *id, datas).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// Deletes instances of one model with their association cleanup and table rows.
    pub(crate) async fn delete_many(&self, tx: &mut Tx, caller: &Caller, model: &Model, ids: &[i64]) -> Result<()> {
        let obj = &model.obj_id;
        let mut victims = Vec::new();
        for id in ids {
            if let Some(doc) = find_one(tx, caller, obj, *id).await? {
                if crate::tenant::writable(&caller.supplier, &doc) {
                    victims.push(doc);
                }
            }
        }
        let id_field = builtin::id_field(obj);
        for doc in &victims {
            let id = int_field(doc, id_field);
            super::association::release_instance(tx, obj, id).await?;
        }
        let tables: Vec<String> = model
            .attrs
            .iter()
            .filter(|a| a.type_name == "innertable")
            .map(|a| cmdb_model::attr::table_model_id(obj, &a.prop))
            .collect();
        for doc in &victims {
            let id = int_field(doc, id_field);
            tx.delete_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", Param::Text(obj.clone())), Filter::Eq("id", Param::Int(id))],
            )
            .await?;
            for t in &tables {
                let rows = tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(t.clone()))]).await?;
                let mine: Vec<Param> = rows
                    .iter()
                    .filter(|r| int_field(r, "bk_inst_id") == id)
                    .map(|r| Param::Int(int_field(r, "id")))
                    .collect();
                if !mine.is_empty() {
                    tx.delete_docs(
                        Kind::Instance,
                        &[Filter::Eq("obj_id", Param::Text(t.clone())), Filter::In("id", mine)],
                    )
                    .await?;
                }
            }
            audit::write(tx, caller, audit_of("delete", model, doc, audit::basic(Some(doc), None, None))).await?;
            tx.insert_event(resource_of(model), "delete", &caller.supplier, doc).await?;
        }
        Ok(())
    }

    pub async fn delete_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let id = path_int(body, "bk_inst_id")?;
        refuse_inner(&obj, false)?;
        let mut tx = self.store.begin().await?;
        let Some(model) = self.model_tx(&mut tx, &obj).await? else { return Ok(Value::Null) };
        if model.mainline {
            self.delete_levels(&mut tx, caller, &model, &[id]).await?;
        } else {
            self.delete_many(&mut tx, caller, &model, &[id]).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_delete_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let ids: Vec<i64> = match body.get("delete").and_then(|d| d.get("inst_ids")) {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, "inst_ids")))
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "inst_ids")),
        };
        if ids.contains(&0) {
            return Err(Error::invalid("inst_ids"));
        }
        if ids.is_empty() {
            return Ok(Value::Null);
        }
        let mut tx = self.store.begin().await?;
        let Some(model) = self.model_tx(&mut tx, &obj).await? else { return Ok(Value::Null) };
        if model.mainline {
            self.delete_levels(&mut tx, caller, &model, &ids).await?;
        } else {
            self.delete_many(&mut tx, caller, &model, &ids).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }
}
