//! English names of built-in items (conventions.md §8). Names are stored in Chinese; an English
//! request reads these instead. User data is never translated.

use crate::builtin;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Default)]
struct Names {
    classification: HashMap<String, String>,
    object: HashMap<String, String>,
    attr: HashMap<(String, String), String>,
    enum_opt: HashMap<(String, String, String), String>,
    group: HashMap<(String, String), String>,
    kind: HashMap<String, (String, String, String)>,
}

fn names() -> &'static Names {
    static N: OnceLock<Names> = OnceLock::new();
    N.get_or_init(|| {
        let mut n = Names::default();
        for (id, _, en, _, _) in builtin::CLASSIFICATIONS {
            n.classification.insert(id.to_string(), en.to_string());
        }
        for o in builtin::OBJECTS {
            n.object.insert(o.obj_id.to_string(), o.en.to_string());
        }
        for a in builtin::attributes() {
            for (id, en) in &a.enum_en {
                n.enum_opt.insert((a.obj.clone(), a.prop.clone(), id.clone()), en.clone());
            }
            n.attr.insert((a.obj, a.prop), a.en);
        }
        for (obj, g, _, en, _) in builtin::GROUPS {
            n.group.insert((obj.to_string(), g.to_string()), en.to_string());
        }
        for (id, _, _, _, en, src, dest) in builtin::ASSOCIATION_KINDS {
            n.kind.insert(id.to_string(), (en.to_string(), src.to_string(), dest.to_string()));
        }
        n
    })
}

pub fn classification(id: &str) -> Option<&'static str> {
    names().classification.get(id).map(String::as_str)
}

pub fn object(obj: &str) -> Option<&'static str> {
    names().object.get(obj).map(String::as_str)
}

/// English name of a preset attribute; recorded fields and `bk_inst_name` exist on every model.
pub fn attribute(obj: &str, prop: &str) -> Option<&'static str> {
    if let Some(n) = names().attr.get(&(obj.to_string(), prop.to_string())) {
        return Some(n.as_str());
    }
    if prop == "bk_inst_name" {
        return Some(builtin::INST_NAME_FIELD.1);
    }
    builtin::RECORDED_FIELDS.iter().find(|f| f.0 == prop).map(|f| f.2)
}

pub fn enum_option(obj: &str, prop: &str, id: &str) -> Option<&'static str> {
    names().enum_opt.get(&(obj.to_string(), prop.to_string(), id.to_string())).map(String::as_str)
}

pub fn group(obj: &str, group: &str) -> Option<&'static str> {
    names().group.get(&(obj.to_string(), group.to_string())).map(String::as_str)
}

/// `(name, src_des, dest_des)` of a built-in association kind.
pub fn association_kind(id: &str) -> Option<(&'static str, &'static str, &'static str)> {
    names().kind.get(id).map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
}

/// English name of a built-in topology instance (idle pool, idle/fault/recycle modules, resource
/// pool) whose stored name is still the built-in Chinese one.
pub fn builtin_instance(obj: &str, default: i64, name: &str) -> Option<&'static str> {
    match (obj, default, name) {
        ("biz", 1, "资源池") => Some("resource pool"),
        ("set", 1, "空闲机池") => Some("idle pool"),
        ("module", 1, "空闲机") => Some("idle host"),
        ("module", 2, "故障机") => Some("fault host"),
        ("module", 3, "待回收") => Some("recycle host"),
        _ => None,
    }
}
