//! Shapes of stored metadata records. Times are kept as epoch milliseconds and rendered on read.

use cmdb_model::builtin::AttrSpec;
use serde_json::{json, Value};

pub fn classification(id: i64, supplier: &str, cls_id: &str, name: &str, ty: &str, icon: &str) -> Value {
    json!({
        "id": id,
        "bk_classification_id": cls_id,
        "bk_classification_name": name,
        "bk_classification_type": ty,
        "bk_classification_icon": icon,
        "bk_supplier_account": supplier,
    })
}

pub struct NewObject<'a> {
    pub obj_id: &'a str,
    pub name: &'a str,
    pub classification: &'a str,
    pub icon: &'a str,
    pub ispre: bool,
    pub position: &'a str,
    pub description: &'a str,
    pub creator: &'a str,
    pub sort: i64,
}

pub fn object(id: i64, supplier: &str, o: &NewObject<'_>, now: i64) -> Value {
    json!({
        "id": id,
        "bk_obj_id": o.obj_id,
        "bk_obj_name": o.name,
        "bk_classification_id": o.classification,
        "bk_obj_icon": o.icon,
        "bk_ishidden": false,
        "ispre": o.ispre,
        "bk_ispaused": false,
        "position": o.position,
        "description": o.description,
        "creator": o.creator,
        "modifier": if o.ispre { "" } else { o.creator },
        "create_time": now,
        "last_time": now,
        "obj_sort_number": o.sort,
        "bk_supplier_account": supplier,
    })
}

/// `(bk_group_id, bk_group_name, bk_group_index)` of a property group.
pub type GroupSpec<'a> = (&'a str, &'a str, i64);

pub fn group(id: i64, supplier: &str, obj: &str, biz_id: i64, spec: GroupSpec<'_>, ispre: bool) -> Value {
    let (group_id, name, index) = spec;
    json!({
        "id": id,
        "bk_obj_id": obj,
        "bk_biz_id": biz_id,
        "bk_group_id": group_id,
        "bk_group_name": name,
        "bk_group_index": index,
        "bk_isdefault": true,
        "ispre": ispre,
        "is_collapse": false,
        "bk_supplier_account": supplier,
    })
}

pub fn unique(id: i64, supplier: &str, obj: &str, attr_ids: &[i64], ispre: bool, now: i64) -> Value {
    let keys: Vec<Value> = attr_ids.iter().map(|k| json!({"key_kind": "property", "key_id": k})).collect();
    json!({
        "id": id,
        "bk_obj_id": obj,
        "keys": keys,
        "ispre": ispre,
        "bk_template_id": 0,
        "bk_supplier_account": supplier,
        "last_time": now,
    })
}

/// An attribute record from a built-in spec line (also used for the fields every new model gets).
pub fn attribute_from_spec(id: i64, supplier: &str, a: &AttrSpec, index: i64, creator: &str, now: i64) -> Value {
    json!({
        "id": id,
        "bk_supplier_account": supplier,
        "bk_obj_id": a.obj,
        "bk_biz_id": 0,
        "bk_property_id": a.prop,
        "bk_property_name": a.zh,
        "bk_property_group": a.group,
        "bk_property_index": index,
        "bk_property_type": a.ty,
        "option": a.option,
        "ismultiple": a.multiple,
        "isrequired": a.required,
        "isonly": a.only,
        "editable": a.editable,
        "isreadonly": false,
        "ispre": a.preset,
        "bk_isapi": a.api,
        "bk_issystem": a.system,
        "unit": "",
        "placeholder": "",
        "description": "",
        "bk_template_id": 0,
        "creator": creator,
        "create_time": now,
        "last_time": now,
    })
}

/// The four recorded fields plus, for user models, `bk_inst_name`.
pub fn standard_fields(obj: &str, with_inst_name: bool) -> Vec<AttrSpec> {
    let mut v = Vec::new();
    let spec = |prop: &str, zh: &str, en: &str, ty: &str, required: bool, editable: bool| AttrSpec {
        obj: obj.to_string(),
        prop: prop.to_string(),
        zh: zh.to_string(),
        en: en.to_string(),
        ty: ty.to_string(),
        required,
        editable,
        api: false,
        system: false,
        multiple: false,
        preset: true,
        only: required,
        group: "default".to_string(),
        option: Value::Null,
        enum_en: vec![],
    };
    if with_inst_name {
        let (zh, en) = cmdb_model::builtin::INST_NAME_FIELD;
        v.push(spec("bk_inst_name", zh, en, "singlechar", true, true));
    }
    for (prop, zh, en, ty) in cmdb_model::builtin::RECORDED_FIELDS {
        v.push(spec(prop, zh, en, ty, false, false));
    }
    v
}
