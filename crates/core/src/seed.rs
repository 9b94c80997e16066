//! The built-in data of builtin-data.md, written once by the seed migration.

use crate::model::records::{self, NewObject};
use cmdb_model::{builtin, time, Result};
use cmdb_store::{Kind, Tx};
use serde_json::{json, Value};
use std::collections::HashMap;

const SUP: &str = "0";

pub(crate) async fn write(tx: &mut Tx) -> Result<()> {
    let now = time::now_millis();
    for (cls_id, zh, _, ty, icon) in builtin::CLASSIFICATIONS {
        let id = tx.next_id(Kind::Classification.sequence()).await?;
        tx.insert_doc(Kind::Classification, &records::classification(id, SUP, cls_id, zh, ty, icon)).await?;
    }
    let mut sort: HashMap<&str, i64> = HashMap::new();
    for o in builtin::OBJECTS {
        let id = tx.next_id(Kind::Object.sequence()).await?;
        let n = sort.entry(o.classification).or_insert(0);
        *n += 1;
        let rec = NewObject {
            obj_id: o.obj_id,
            name: o.zh,
            classification: o.classification,
            icon: o.icon,
            ispre: o.ispre,
            position: o.position,
            description: "",
            creator: "cc_system",
            sort: *n,
        };
        tx.insert_doc(Kind::Object, &records::object(id, SUP, &rec, now)).await?;
    }
    for (obj, g, zh, _, index) in builtin::GROUPS {
        let id = tx.next_id(Kind::PropertyGroup.sequence()).await?;
        tx.insert_doc(Kind::PropertyGroup, &records::group(id, SUP, obj, 0, (g, zh, *index), true)).await?;
    }
    // Attributes: the model's own list, then the recorded fields every model has.
    let mut attr_ids: HashMap<(String, String), i64> = HashMap::new();
    let mut index: HashMap<(String, String), i64> = HashMap::new();
    let mut all = builtin::attributes();
    for o in builtin::OBJECTS {
        all.extend(records::standard_fields(o.obj_id, false));
    }
    for a in &all {
        let id = tx.next_id(Kind::Attribute.sequence()).await?;
        let i = index.entry((a.obj.clone(), a.group.clone())).or_insert(-1);
        *i += 1;
        tx.insert_doc(Kind::Attribute, &records::attribute_from_spec(id, SUP, a, *i, "cc_system", now)).await?;
        attr_ids.insert((a.obj.clone(), a.prop.clone()), id);
    }
    for (obj, keys, ispre) in builtin::UNIQUES {
        let ids: Vec<i64> =
            keys.iter().filter_map(|k| attr_ids.get(&(obj.to_string(), k.to_string())).copied()).collect();
        let id = tx.next_id(Kind::Unique.sequence()).await?;
        tx.insert_doc(Kind::Unique, &records::unique(id, SUP, obj, &ids, *ispre, now)).await?;
    }
    for (asst, name, src, dest, ..) in builtin::ASSOCIATION_KINDS {
        let id = tx.next_id(Kind::AsstKind.sequence()).await?;
        let doc = json!({
            "id": id, "bk_asst_id": asst, "bk_asst_name": name, "src_des": src, "dest_des": dest,
            "direction": "src_to_dest", "ispre": true, "bk_supplier_account": SUP,
        });
        tx.insert_doc(Kind::AsstKind, &doc).await?;
    }
    for (obj, asst_obj, kind, mapping, ispre) in builtin::OBJECT_ASSOCIATIONS {
        let id = tx.next_id(Kind::ObjectAssociation.sequence()).await?;
        let doc = json!({
            "id": id, "bk_obj_asst_id": format!("{obj}_{kind}_{asst_obj}"), "bk_obj_asst_name": "",
            "bk_obj_id": obj, "bk_asst_obj_id": asst_obj, "bk_asst_id": kind, "mapping": mapping,
            "on_delete": "none", "ispre": ispre, "bk_supplier_account": SUP,
        });
        tx.insert_doc(Kind::ObjectAssociation, &doc).await?;
    }
    let mut cat_ids: HashMap<&str, i64> = HashMap::new();
    for (parent, name) in builtin::SERVICE_CATEGORIES {
        let id = tx.next_id(Kind::ServiceCategory.sequence()).await?;
        let (parent_id, root_id) = if parent.is_empty() { (0, id) } else { (cat_ids[parent], cat_ids[parent]) };
        if parent.is_empty() {
            cat_ids.insert(name, id);
        }
        let doc = json!({
            "id": id, "name": name, "bk_root_id": root_id, "bk_parent_id": parent_id, "bk_biz_id": 0,
            "is_built_in": true, "bk_supplier_account": SUP,
        });
        tx.insert_doc(Kind::ServiceCategory, &doc).await?;
    }
    let default_category = cat_ids["Default"] + 1;
    write_instances(tx, now, default_category).await
}

fn inst(obj: &str, mut fields: Value, now: i64) -> Value {
    let m = fields.as_object_mut().expect("object");
    m.insert("bk_obj_id".into(), json!(obj));
    m.insert("bk_supplier_account".into(), json!(SUP));
    m.insert("create_time".into(), json!(now));
    m.insert("last_time".into(), json!(now));
    m.insert("bk_created_by".into(), json!("cc_system"));
    fields
}

/// Resource pool and `蓝鲸` businesses with their idle sets and modules, cloud areas, the built-in biz set.
async fn write_instances(tx: &mut Tx, now: i64, category: i64) -> Result<()> {
    let businesses =
        [("资源池", 1, vec![("空闲机", 1)]), ("蓝鲸", 0, vec![("空闲机", 1), ("故障机", 2), ("待回收", 3)])];
    for (name, default, modules) in businesses {
        let biz = tx.next_id("biz").await?;
        let doc = json!({
            "bk_biz_id": biz, "bk_biz_name": name, "default": default, "bk_biz_maintainer": "admin",
            "bk_biz_productor": "admin", "bk_biz_tester": "", "bk_biz_developer": "", "operator": "",
            "time_zone": "Asia/Shanghai", "language": "1", "life_cycle": "2",
        });
        tx.insert_doc(Kind::Instance, &inst("biz", doc, now)).await?;
        let set = tx.next_id("set").await?;
        let doc = json!({
            "bk_set_id": set, "bk_set_name": "空闲机池", "default": 1, "bk_biz_id": biz, "bk_parent_id": biz,
            "bk_set_desc": "", "bk_set_env": "3", "bk_service_status": "1", "description": "", "bk_capacity": null,
            "set_template_id": 0, "set_template_version": 0,
        });
        tx.insert_doc(Kind::Instance, &inst("set", doc, now)).await?;
        for (module_name, default) in modules {
            let module = tx.next_id("module").await?;
            let doc = json!({
                "bk_module_id": module, "bk_module_name": module_name, "default": default, "bk_biz_id": biz,
                "bk_set_id": set, "bk_parent_id": set, "bk_module_type": "1", "operator": "", "bk_bak_operator": "",
                "service_category_id": category, "service_template_id": 0, "set_template_id": 0,
                "host_apply_enabled": false,
            });
            tx.insert_doc(Kind::Instance, &inst("module", doc, now)).await?;
        }
    }
    for (id, name) in [(0, "Default Area"), (90000001, "未分配")] {
        let doc = json!({
            "bk_cloud_id": id, "bk_cloud_name": name, "bk_status": "1", "bk_creator": "cc_system",
            "bk_last_editor": "cc_system", "default": 1,
        });
        tx.insert_doc(Kind::Instance, &inst("plat", doc, now)).await?;
    }
    let biz_set_id = 9991001;
    tx.bump_sequence("bk_biz_set_obj", biz_set_id).await?;
    let doc = json!({
        "bk_biz_set_id": biz_set_id, "bk_biz_set_name": "BlueKing", "bk_biz_maintainer": "admin",
        "bk_biz_set_desc": "", "default": 1, "bk_scope": {"match_all": true},
    });
    tx.insert_doc(Kind::Instance, &inst("bk_biz_set_obj", doc, now)).await?;
    Ok(())
}
