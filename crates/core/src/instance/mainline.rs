//! Custom levels of the business topology (models-and-instances.md §H, topology.md §2): a user
//! model inserted into the chain biz → … → set → module → host.

use super::Model;
use crate::model::records;
use crate::model::{int_field, str_field};
use crate::req::{path_str, req_str, Body};
use crate::Core;
use cmdb_model::{builtin, code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};

/// Most levels the chain biz..host may have (platform setting `max_biz_topo_level`).
const MAX_TOPO_LEVEL: usize = 7;
/// Characters a level's generated instance name drops.
const NAME_DROP: [char; 7] = ['#', '/', ',', '>', '<', '|', ' '];

/// The mainline chain from `biz` down to `host`.
pub(crate) async fn chain<R: super::Reader>(r: &mut R) -> Result<Vec<String>> {
    let assts = r.docs(Kind::ObjectAssociation, &[]).await?;
    let mainline: Vec<&Value> = assts.iter().filter(|a| str_field(a, "bk_asst_id") == "bk_mainline").collect();
    let mut out = vec!["biz".to_string()];
    while let Some(child) = mainline.iter().find(|a| str_field(a, "bk_asst_obj_id") == out.last().unwrap()) {
        out.push(str_field(child, "bk_obj_id").to_string());
        if out.len() > 32 {
            break;
        }
    }
    Ok(out)
}

fn is_custom(obj: &str) -> bool {
    !builtin::is_inner(obj)
}

/// Topology names: trimmed, 1..256 characters, no whitespace and none of `\ | / : * , < > " ? #`.
pub(crate) fn check_topo_name(name: &str, field: &str) -> Result<()> {
    let bad = |c: char| c.is_whitespace() || "\\|/:*,<>\"?#".contains(c);
    if name.is_empty() || name.chars().count() > 256 || name.chars().any(bad) {
        return Err(Error::is_invalid(field));
    }
    Ok(())
}

async fn mainline_assoc(tx: &mut Tx, child: &str, parent: &str) -> Result<Option<Value>> {
    let id = format!("{child}_bk_mainline_{parent}");
    Ok(tx.find_docs(Kind::ObjectAssociation, &[Filter::Eq("obj_asst_id", Param::Text(id))]).await?.pop())
}

async fn add_mainline_assoc(tx: &mut Tx, caller: &Caller, child: &str, parent: &str, ispre: bool) -> Result<()> {
    let id = tx.next_id(Kind::ObjectAssociation.sequence()).await?;
    let doc = json!({
        "id": id, "bk_obj_asst_id": format!("{child}_bk_mainline_{parent}"), "bk_obj_asst_name": "", "bk_obj_id": child,
        "bk_asst_obj_id": parent, "bk_asst_id": "bk_mainline", "mapping": "1:1", "on_delete": "none", "ispre": ispre,
        "bk_supplier_account": caller.supplier,
    });
    tx.insert_doc(Kind::ObjectAssociation, &doc).await
}

async fn instances_of(tx: &mut Tx, obj: &str) -> Result<Vec<Value>> {
    tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(obj.to_string()))]).await
}

/// Children that follow their parent into and out of custom levels (the idle set never moves).
fn movable(child_obj: &str, doc: &Value) -> bool {
    !(child_obj == "set" && int_field(doc, "default") == 1)
}

async fn set_parent(tx: &mut Tx, obj: &str, mut doc: Value, parent: i64) -> Result<()> {
    doc["bk_parent_id"] = json!(parent);
    doc["last_time"] = json!(time::now_millis());
    let id = int_field(&doc, builtin::id_field(obj));
    tx.update_doc(Kind::Instance, id, &doc).await?;
    Ok(())
}

impl Core {
    pub async fn create_mainline_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let parent = req_str(body, "bk_asst_obj_id")?;
        let mut tx = self.store.begin().await?;
        let levels = chain(&mut tx).await?;
        let Some(pos) = levels.iter().position(|l| *l == parent) else {
            return Err(Error::is_invalid("bk_asst_obj_id"));
        };
        if parent != "biz" && !is_custom(&parent) {
            return Err(Error::is_invalid("bk_asst_obj_id"));
        }
        if levels.len() >= MAX_TOPO_LEVEL {
            return Err(Error::new(code::TOPO_LEVEL_OVER_LIMIT));
        }
        let child = levels.get(pos + 1).cloned().ok_or_else(|| Error::is_invalid("bk_asst_obj_id"))?;
        let model = self.insert_object(&mut tx, caller, body).await?;
        let obj = str_field(&model, "bk_obj_id").to_string();
        let now = time::now_millis();
        // bk_parent_id attribute; the unique rule becomes {bk_inst_name, bk_parent_id}.
        let aid = tx.next_id(Kind::Attribute.sequence()).await?;
        let spec = cmdb_model::builtin::AttrSpec {
            obj: obj.clone(),
            prop: "bk_parent_id".into(),
            zh: "父节点ID".into(),
            en: "Parent ID".into(),
            ty: "int".into(),
            required: true,
            editable: false,
            api: false,
            system: true,
            multiple: false,
            preset: true,
            only: false,
            group: "default".into(),
            option: json!({"min": "", "max": ""}),
            enum_en: vec![],
        };
        tx.insert_doc(
            Kind::Attribute,
            &records::attribute_from_spec(aid, &caller.supplier, &spec, 5, &caller.user, now),
        )
        .await?;
        let attrs = tx.find_docs(Kind::Attribute, &[Filter::Eq("obj_id", Param::Text(obj.clone()))]).await?;
        let name_attr = attrs
            .iter()
            .find(|a| str_field(a, "bk_property_id") == "bk_inst_name")
            .map(|a| int_field(a, "id"))
            .unwrap_or(0);
        tx.delete_docs(Kind::Unique, &[Filter::Eq("obj_id", Param::Text(obj.clone()))]).await?;
        let uid = tx.next_id(Kind::Unique.sequence()).await?;
        tx.insert_doc(Kind::Unique, &records::unique(uid, &caller.supplier, &obj, &[name_attr, aid], false, now))
            .await?;
        // Associations: child → new → parent.
        let old = mainline_assoc(&mut tx, &child, &parent)
            .await?
            .ok_or_else(|| Error::internal("mainline association missing"))?;
        tx.delete_docs(Kind::ObjectAssociation, &[Filter::Eq("id", Param::Int(int_field(&old, "id")))]).await?;
        add_mainline_assoc(&mut tx, caller, &child, &obj, crate::model::bool_field(&old, "ispre")).await?;
        add_mainline_assoc(&mut tx, caller, &obj, &parent, false).await?;
        // One instance per parent instance; the parent's children move under it.
        let level = Model::load(&mut tx, &obj).await?.ok_or_else(|| Error::internal("new model missing"))?;
        let inst_name: String = str_field(&model, "bk_obj_name").chars().filter(|c| !NAME_DROP.contains(c)).collect();
        let parent_id_field = builtin::id_field(&parent);
        let children = instances_of(&mut tx, &child).await?;
        for p in instances_of(&mut tx, &parent).await? {
            let pid = int_field(&p, parent_id_field);
            let biz = if parent == "biz" { pid } else { int_field(&p, "bk_biz_id") };
            let mut data = Map::new();
            data.insert(
                "bk_inst_name".into(),
                json!(if inst_name.is_empty() { obj.clone() } else { inst_name.clone() }),
            );
            data.insert("bk_parent_id".into(), json!(pid));
            data.insert("bk_biz_id".into(), json!(biz));
            let created = self.insert_instance(&mut tx, caller, &level, &data).await?;
            let new_id = int_field(&created, "bk_inst_id");
            for c in children.iter().filter(|c| int_field(c, "bk_parent_id") == pid && movable(&child, c)) {
                set_parent(&mut tx, &child, c.clone(), new_id).await?;
            }
        }
        tx.commit().await?;
        Ok(crate::model::render_object(model, caller.lang))
    }

    pub async fn delete_mainline_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        if builtin::is_inner(&obj) {
            return Err(Error::new(code::INNER_MODEL_WITH_COMMON_API));
        }
        let mut tx = self.store.begin().await?;
        let levels = chain(&mut tx).await?;
        let Some(pos) = levels.iter().position(|l| *l == obj).filter(|p| *p > 0) else {
            return Err(Error::is_invalid("bk_obj_id"));
        };
        let (parent, child) = (levels[pos - 1].clone(), levels[pos + 1].clone());
        let mine = instances_of(&mut tx, &obj).await?;
        let children = instances_of(&mut tx, &child).await?;
        // Children move to the level's parents; equal sibling names refuse the removal.
        for l in &mine {
            let (lid, up) = (int_field(l, "bk_inst_id"), int_field(l, "bk_parent_id"));
            let name_field = builtin::name_field(&child);
            let mut names: Vec<&str> = children
                .iter()
                .filter(|c| int_field(c, "bk_parent_id") == up || int_field(c, "bk_parent_id") == lid)
                .filter(|c| {
                    // siblings under `up` after the move: those already there and those moving from any level instance under `up`
                    int_field(c, "bk_parent_id") == lid
                        || mine.iter().all(|m| int_field(m, "bk_inst_id") != int_field(c, "bk_parent_id"))
                })
                .map(|c| str_field(c, name_field))
                .collect();
            for other in mine.iter().filter(|m| int_field(m, "bk_parent_id") == up && int_field(m, "bk_inst_id") != lid)
            {
                let oid = int_field(other, "bk_inst_id");
                names.extend(
                    children.iter().filter(|c| int_field(c, "bk_parent_id") == oid).map(|c| str_field(c, name_field)),
                );
            }
            let total = names.len();
            names.sort_unstable();
            names.dedup();
            if names.len() != total {
                return Err(Error::new(code::MAINLINE_NAME_CLASH));
            }
        }
        for l in &mine {
            let (lid, up) = (int_field(l, "bk_inst_id"), int_field(l, "bk_parent_id"));
            for c in children.iter().filter(|c| int_field(c, "bk_parent_id") == lid) {
                set_parent(&mut tx, &child, c.clone(), up).await?;
            }
            super::association::release_instance(&mut tx, &obj, lid).await?;
        }
        let model = Model::load(&mut tx, &obj).await?.ok_or_else(|| Error::is_invalid("bk_obj_id"))?;
        let ids: Vec<i64> = mine.iter().map(|l| int_field(l, "bk_inst_id")).collect();
        self.delete_many(&mut tx, caller, &model, &ids).await?;
        for (c, p) in [(obj.as_str(), parent.as_str()), (child.as_str(), obj.as_str())] {
            if let Some(a) = mainline_assoc(&mut tx, c, p).await? {
                tx.delete_docs(Kind::ObjectAssociation, &[Filter::Eq("id", Param::Int(int_field(&a, "id")))]).await?;
            }
        }
        add_mainline_assoc(&mut tx, caller, &child, &parent, false).await?;
        let by_obj = [Filter::Eq("obj_id", Param::Text(obj.clone()))];
        for kind in [Kind::PropertyGroup, Kind::Attribute, Kind::Unique, Kind::TopoGraphics, Kind::Object] {
            tx.delete_docs(kind, &by_obj).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// Deletes level instances with their subtree: lower custom levels, non-idle sets and their
    /// modules, deepest first; an association to a surviving instance refuses it all (1101075).
    /// Hosts in any module below refuse it too (1101030).
    pub(crate) async fn delete_levels(&self, tx: &mut Tx, caller: &Caller, model: &Model, ids: &[i64]) -> Result<()> {
        let levels = chain(tx).await?;
        let mut pos = levels.iter().position(|l| *l == model.obj_id).unwrap_or(levels.len());
        let mut plan: Vec<(String, Vec<i64>)> = vec![(model.obj_id.clone(), ids.to_vec())];
        let mut current = ids.to_vec();
        while pos + 1 < levels.len() && !current.is_empty() && levels[pos + 1] != "host" {
            let child = levels[pos + 1].clone();
            let id_field = builtin::id_field(&child);
            let next: Vec<i64> = instances_of(tx, &child)
                .await?
                .iter()
                .filter(|d| current.contains(&int_field(d, "bk_parent_id")) && movable(&child, d))
                .map(|d| int_field(d, id_field))
                .collect();
            plan.push((child, next.clone()));
            current = next;
            pos += 1;
        }
        let modules: Vec<i64> = plan.iter().filter(|(o, _)| o == "module").flat_map(|(_, ids)| ids.clone()).collect();
        if tx.count_host_relations(cmdb_store::topo::HostScope::Module, &modules).await? > 0 {
            return Err(Error::new(code::HAS_HOST));
        }
        for (obj, ids) in plan.iter().rev() {
            if ids.is_empty() {
                continue;
            }
            let m = Model::load(tx, obj).await?.ok_or_else(|| Error::internal("topology model missing"))?;
            self.delete_many(tx, caller, &m, ids).await?;
        }
        Ok(())
    }

    /// create_inst on a custom level: business and parent checks (models-and-instances.md §H).
    pub(crate) async fn check_level_instance(
        &self,
        tx: &mut Tx,
        model: &Model,
        data: &Map<String, Value>,
    ) -> Result<()> {
        let biz = data
            .get("bk_biz_id")
            .and_then(Value::as_i64)
            .filter(|b| *b > 0)
            .ok_or_else(|| Error::is_invalid("bk_biz_id"))?;
        let parent_id = data
            .get("bk_parent_id")
            .and_then(Value::as_i64)
            .filter(|p| *p > 0)
            .ok_or_else(|| Error::is_invalid("bk_parent_id"))?;
        if tx
            .count_docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into()), Filter::Eq("id", Param::Int(biz))])
            .await?
            == 0
        {
            return Err(Error::is_invalid("bk_biz_id"));
        }
        let levels = chain(tx).await?;
        let pos = levels.iter().position(|l| *l == model.obj_id).unwrap_or(0);
        let parent = levels.get(pos.wrapping_sub(1)).cloned().unwrap_or_default();
        if parent == "biz" {
            if parent_id != biz {
                return Err(Error::is_invalid("bk_parent_id"));
            }
        } else {
            let found = tx
                .find_docs(
                    Kind::Instance,
                    &[Filter::Eq("obj_id", Param::Text(parent)), Filter::Eq("id", Param::Int(parent_id))],
                )
                .await?;
            if !found.iter().any(|p| int_field(p, "bk_biz_id") == biz) {
                return Err(Error::is_invalid("bk_parent_id"));
            }
        }
        let name = data.get("bk_inst_name").and_then(Value::as_str).unwrap_or("").trim().to_string();
        check_topo_name(&name, "bk_inst_name")
    }
}
