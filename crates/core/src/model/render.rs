//! Metadata records as the wire shows them: times formatted, built-in names translated for English.

use cmdb_model::{builtin, i18n, time, Lang};
use serde_json::{Map, Value};

fn format_times(m: &mut Map<String, Value>) {
    for k in ["create_time", "last_time"] {
        if let Some(ms) = m.get(k).and_then(Value::as_i64) {
            m.insert(k.to_string(), Value::String(time::metadata_time(ms)));
        }
    }
}

fn set_str(m: &mut Map<String, Value>, key: &str, v: &str) {
    m.insert(key.to_string(), Value::String(v.to_string()));
}

pub fn render_classification(mut doc: Value, lang: Lang) -> Value {
    if lang == Lang::En {
        let id = doc.get("bk_classification_id").and_then(Value::as_str).unwrap_or("").to_string();
        if let (Some(en), Some(m)) = (i18n::classification(&id), doc.as_object_mut()) {
            set_str(m, "bk_classification_name", en);
        }
    }
    doc
}

fn is_builtin_object(obj: &str) -> bool {
    builtin::OBJECTS.iter().any(|o| o.obj_id == obj)
}

pub fn render_object(mut doc: Value, lang: Lang) -> Value {
    let obj = doc.get("bk_obj_id").and_then(Value::as_str).unwrap_or("").to_string();
    if let Some(m) = doc.as_object_mut() {
        format_times(m);
        if lang == Lang::En && is_builtin_object(&obj) {
            if let Some(en) = i18n::object(&obj) {
                set_str(m, "bk_obj_name", en);
            }
        }
    }
    doc
}

/// `group_name` is the stored name of the attribute's group (already looked up).
pub fn render_attribute(mut doc: Value, lang: Lang, group_name: &str) -> Value {
    let obj = doc.get("bk_obj_id").and_then(Value::as_str).unwrap_or("").to_string();
    let prop = doc.get("bk_property_id").and_then(Value::as_str).unwrap_or("").to_string();
    let group = doc.get("bk_property_group").and_then(Value::as_str).unwrap_or("").to_string();
    let ispre = doc.get("ispre").and_then(Value::as_bool).unwrap_or(false);
    let Some(m) = doc.as_object_mut() else {
        return doc;
    };
    format_times(m);
    if m.get("default").is_some_and(Value::is_null) {
        m.remove("default");
    }
    let mut group_name = group_name.to_string();
    if lang == Lang::En {
        if let Some(en) = i18n::group(&obj, &group) {
            group_name = en.to_string();
        } else if group == "default" && group_name == "基础信息" {
            group_name = "Basic Info".to_string();
        }
        if ispre {
            if let Some(en) = i18n::attribute(&obj, &prop) {
                set_str(m, "bk_property_name", en);
            }
            if let Some(Value::Array(items)) = m.get_mut("option") {
                for item in items.iter_mut() {
                    let id = item.get("id").and_then(Value::as_str).unwrap_or("").to_string();
                    if let (Some(en), Some(im)) = (i18n::enum_option(&obj, &prop, &id), item.as_object_mut()) {
                        set_str(im, "name", en);
                    }
                }
            }
        }
    }
    m.insert("bk_property_group_name".into(), Value::String(group_name));
    doc
}
