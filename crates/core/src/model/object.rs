//! Models (models-and-instances.md §B).

use super::records::{self, NewObject};
use super::{int_field, object_by_id, parse_condition, render_object, str_field};
use crate::audit::{self, Audit};
use crate::req::{check_len, path_int, req_str, typed_int, typed_str, Body};
use crate::{tenant, Core};
use cmdb_model::{attr::field_id_regex, builtin, code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};

const NAME_MAX: usize = 128;
/// bk-cmdb derives collection names from the model id; they must stay short.
const STORAGE_ID_MAX: usize = 95;
const RESERVED_IDS: [&str; 6] = ["biz", "set", "module", "host", "process", "plat"];

fn audit_of<'a>(action: &'a str, doc: &Value, detail: Value) -> Audit<'a> {
    Audit {
        audit_type: "model",
        resource_type: "model",
        action,
        resource_id: doc.get("id").cloned().unwrap_or(Value::Null),
        resource_name: str_field(doc, "bk_obj_name").to_string(),
        biz_id: 0,
        detail: json!({ "details": detail }),
    }
}

async fn models_of(tx: &mut Tx, cls: &str) -> Result<Vec<Value>> {
    tx.find_docs(Kind::Object, &[Filter::Eq("cls_id", Param::Text(cls.to_string()))]).await
}

/// Adds `delta` to the sort number of every model of `cls` whose number is ≥ `from` (except `skip`).
async fn shift_sort(tx: &mut Tx, cls: &str, from: i64, delta: i64, skip: i64) -> Result<()> {
    for mut m in models_of(tx, cls).await? {
        let id = int_field(&m, "id");
        let n = int_field(&m, "obj_sort_number");
        if id != skip && n >= from {
            m["obj_sort_number"] = json!(n + delta);
            tx.update_doc(Kind::Object, id, &m).await?;
        }
    }
    Ok(())
}

/// Position for a model entering `cls`: 0/absent or past the end → max + 1; otherwise `n`,
/// with the models at or after it moved down one place.
async fn place_in(tx: &mut Tx, cls: &str, requested: i64, skip: i64) -> Result<i64> {
    let max = models_of(tx, cls)
        .await?
        .iter()
        .filter(|m| int_field(m, "id") != skip)
        .map(|m| int_field(m, "obj_sort_number"))
        .max()
        .unwrap_or(0);
    if requested == 0 || requested > max {
        return Ok(max + 1);
    }
    shift_sort(tx, cls, requested, 1, skip).await?;
    Ok(requested)
}

fn check_obj_id(obj_id: &str) -> Result<()> {
    check_len(obj_id, "bk_obj_id", NAME_MAX)?;
    if !field_id_regex().is_match(obj_id)
        || obj_id.to_ascii_lowercase().starts_with("bk")
        || RESERVED_IDS.contains(&obj_id)
        || obj_id.len() > STORAGE_ID_MAX
    {
        return Err(Error::is_invalid("bk_obj_id"));
    }
    Ok(())
}

fn check_obj_name(body: &Body) -> Result<String> {
    let name = match body.get("bk_obj_name") {
        Some(Value::String(s)) => s.trim().to_string(),
        _ => String::new(),
    };
    if name.is_empty() || name.chars().count() > NAME_MAX {
        return Err(Error::is_invalid("bk_obj_name"));
    }
    Ok(name)
}

async fn name_taken(tx: &mut Tx, name: &str, skip: i64) -> Result<bool> {
    let same = tx.find_docs(Kind::Object, &[Filter::Eq("name", Param::Text(name.to_string()))]).await?;
    Ok(same.iter().any(|o| int_field(o, "id") != skip))
}

impl Core {
    pub async fn create_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        if body.get("bk_asst_obj_id").is_some_and(|v| !v.is_null() && v != "") {
            // A mainline parent makes it a custom topology level (models-and-instances.md §H).
            return self.create_mainline_object(caller, body).await;
        }
        let mut tx = self.store.begin().await?;
        let doc = self.insert_object(&mut tx, caller, body).await?;
        tx.commit().await?;
        Ok(render_object(doc, caller.lang))
    }

    /// Validates and writes a new model with its scaffold and audit record, in `tx`.
    pub(crate) async fn insert_object(&self, tx: &mut Tx, caller: &Caller, body: &Body) -> Result<Value> {
        let obj_id = req_str(body, "bk_obj_id")?;
        check_obj_id(&obj_id)?;
        let name = check_obj_name(body)?;
        let cls = req_str(body, "bk_classification_id")?;
        let icon = req_str(body, "bk_obj_icon")?;
        let sort = typed_int(body, "obj_sort_number")?.unwrap_or(0);
        if sort < 0 {
            return Err(Error::invalid("obj_sort_number"));
        }
        let position = typed_str(body, "position")?.unwrap_or_default();
        let description = typed_str(body, "description")?.unwrap_or_default();

        let classes = tx.find_docs(Kind::Classification, &[Filter::Eq("cls_id", Param::Text(cls.clone()))]).await?;
        if classes.is_empty() {
            return Err(Error::with(code::CLASSIFICATION_NOT_EXIST, cls));
        }
        if super::object_by_obj_id(tx, &obj_id).await?.is_some() {
            return Err(Error::duplicate("bk_obj_id"));
        }
        if name_taken(tx, &name, 0).await? {
            return Err(Error::duplicate("bk_obj_name"));
        }
        let sort = place_in(tx, &cls, sort, 0).await?;
        let now = time::now_millis();
        let id = tx.next_id(Kind::Object.sequence()).await?;
        let rec = NewObject {
            obj_id: &obj_id,
            name: &name,
            classification: &cls,
            icon: &icon,
            ispre: false,
            position: &position,
            description: &description,
            creator: &caller.user,
            sort,
        };
        let doc = records::object(id, &caller.supplier, &rec, now);
        tx.insert_doc(Kind::Object, &doc).await?;
        self.write_model_scaffold(tx, caller, &obj_id, now).await?;
        audit::write(tx, caller, audit_of("create", &doc, audit::basic(None, Some(&doc), None))).await?;
        Ok(doc)
    }

    /// What every new user model gets: group `default`, `bk_inst_name`, the recorded fields and
    /// the unique rule on `bk_inst_name`.
    async fn write_model_scaffold(&self, tx: &mut Tx, caller: &Caller, obj_id: &str, now: i64) -> Result<()> {
        let gid = tx.next_id(Kind::PropertyGroup.sequence()).await?;
        let group = records::group(gid, &caller.supplier, obj_id, 0, ("default", "Default", -1), false);
        tx.insert_doc(Kind::PropertyGroup, &group).await?;
        let mut name_attr = 0;
        for (i, a) in records::standard_fields(obj_id, true).iter().enumerate() {
            let aid = tx.next_id(Kind::Attribute.sequence()).await?;
            let doc = records::attribute_from_spec(aid, &caller.supplier, a, i as i64, &caller.user, now);
            tx.insert_doc(Kind::Attribute, &doc).await?;
            if a.prop == "bk_inst_name" {
                name_attr = aid;
            }
        }
        let uid = tx.next_id(Kind::Unique.sequence()).await?;
        tx.insert_doc(Kind::Unique, &records::unique(uid, &caller.supplier, obj_id, &[name_attr], false, now)).await
    }

    pub async fn update_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let mut changes = serde_json::Map::new();
        if body.contains_key("bk_obj_name") {
            changes.insert("bk_obj_name".into(), json!(check_obj_name(body)?));
        }
        for key in ["bk_obj_icon", "position", "description", "bk_classification_id"] {
            if let Some(v) = typed_str(body, key)? {
                changes.insert(key.into(), json!(v));
            }
        }
        let sort = typed_int(body, "obj_sort_number")?;
        if sort.is_some_and(|s| s < 0) {
            return Err(Error::invalid("obj_sort_number"));
        }
        let paused = match body.get("bk_ispaused") {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => return Err(Error::is_invalid("bk_ispaused")),
        };
        if let Some(p) = paused {
            changes.insert("bk_ispaused".into(), json!(p));
        }

        let mut tx = self.store.begin().await?;
        let Some(old) = object_by_id(&mut tx, id).await? else {
            return Ok(Value::Null);
        };
        if !tenant::writable(&caller.supplier, &old) {
            return Ok(Value::Null);
        }
        if let Some(Value::String(n)) = changes.get("bk_obj_name") {
            if name_taken(&mut tx, n, id).await? {
                return Err(Error::duplicate("bk_obj_name"));
            }
        }
        let old_cls = str_field(&old, "bk_classification_id").to_string();
        let new_cls = match changes.get("bk_classification_id").and_then(Value::as_str) {
            Some("") => return Err(Error::new(code::CLASSIFICATION_NOT_FOUND)),
            Some(c) => {
                let found =
                    tx.find_docs(Kind::Classification, &[Filter::Eq("cls_id", Param::Text(c.to_string()))]).await?;
                if found.is_empty() {
                    return Err(Error::new(code::CLASSIFICATION_NOT_FOUND));
                }
                c.to_string()
            }
            None => old_cls.clone(),
        };
        let mut doc = old.clone();
        if new_cls != old_cls || sort.is_some() {
            let old_sort = int_field(&old, "obj_sort_number");
            shift_sort(&mut tx, &old_cls, old_sort + 1, -1, id).await?;
            let placed = place_in(&mut tx, &new_cls, sort.unwrap_or(0), id).await?;
            doc["obj_sort_number"] = json!(placed);
            if let Some(s) = sort {
                changes.insert("obj_sort_number".into(), json!(s));
            }
        }
        for (k, v) in &changes {
            doc[k] = v.clone();
        }
        doc["modifier"] = json!(caller.user);
        doc["last_time"] = json!(time::now_millis());
        tx.update_doc(Kind::Object, id, &doc).await?;
        let action = match paused {
            Some(true) => "stop",
            Some(false) => "resume",
            None => "update",
        };
        let changes = Value::Object(changes);
        audit::write(&mut tx, caller, audit_of(action, &doc, audit::basic(Some(&old), None, Some(&changes)))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let mut tx = self.store.begin().await?;
        let Some(old) = object_by_id(&mut tx, id).await? else {
            return Ok(Value::Null);
        };
        if !tenant::writable(&caller.supplier, &old) {
            return Ok(Value::Null);
        }
        let obj_id = str_field(&old, "bk_obj_id").to_string();
        if builtin::is_inner(&obj_id) {
            return Err(Error::new(code::DELETE_BUILTIN_MODEL));
        }
        let by_obj = [Filter::Eq("obj_id", Param::Text(obj_id.clone()))];
        if tx.count_docs(Kind::Instance, &by_obj).await? > 0 {
            return Err(Error::with(code::OBJECT_HAS_INSTANCES, obj_id));
        }
        let as_target = [Filter::Eq("asst_obj_id", Param::Text(obj_id.clone()))];
        if tx.count_docs(Kind::ObjectAssociation, &by_obj).await? > 0
            || tx.count_docs(Kind::ObjectAssociation, &as_target).await? > 0
        {
            return Err(Error::new(code::OBJECT_HAS_ASSOCIATION));
        }
        for a in tx.find_docs(Kind::Attribute, &by_obj).await? {
            tx.drop_attribute_index(&obj_id, str_field(&a, "bk_property_id")).await?;
            if str_field(&a, "bk_property_type") == "innertable" {
                let table = cmdb_model::attr::table_model_id(&obj_id, str_field(&a, "bk_property_id"));
                super::attribute::drop_table_model(&mut tx, &table).await?;
            }
        }
        for kind in [Kind::PropertyGroup, Kind::Attribute, Kind::Unique, Kind::RolePrivilege, Kind::TopoGraphics] {
            tx.delete_docs(kind, &by_obj).await?;
        }
        tx.delete_docs(Kind::Object, &[Filter::Eq("id", Param::Int(id))]).await?;
        self.forget_indexes(&obj_id);
        let cls = str_field(&old, "bk_classification_id").to_string();
        shift_sort(&mut tx, &cls, int_field(&old, "obj_sort_number") + 1, -1, id).await?;
        audit::write(&mut tx, caller, audit_of("delete", &old, audit::basic(Some(&old), None, None))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_objects(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cond = parse_condition(body)?;
        let all = self.store.find_docs(Kind::Object, &[]).await?;
        let out: Vec<Value> = all
            .into_iter()
            .filter(|o| tenant::doc_visible(&caller.supplier, o))
            .map(|o| render_object(o, cmdb_model::Lang::Zh))
            .filter(|o| cond.matches(o))
            .map(|o| render_object(o, caller.lang))
            .collect();
        Ok(Value::Array(out))
    }

    /// The model record of `obj_id`, if visible to the caller.
    pub async fn find_object(&self, caller: &Caller, obj_id: &str) -> Result<Option<Value>> {
        let found =
            self.store.find_docs(Kind::Object, &[Filter::Eq("obj_id", Param::Text(obj_id.to_string()))]).await?;
        Ok(found.into_iter().find(|o| tenant::doc_visible(&caller.supplier, o)))
    }
}
