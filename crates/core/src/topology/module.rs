//! Modules (topology.md §5).

use super::{batch_ids, check_name, data_of, display_name, find_node, required_fields, sibling_named, topo_model};
use crate::instance::{parse_fields, render};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::{path_int, Body};
use crate::Core;
use cmdb_model::query::{self, Expr, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::HostScope;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};

/// Fields an update of a module never takes from the caller.
const MODULE_FIXED: [&str; 5] = ["bk_biz_id", "bk_set_id", "bk_module_id", "bk_parent_id", "default"];
/// find_module_with_relation limits.
const RELATION_SETS_MAX: usize = 200;
const RELATION_PAGE_MAX: usize = 500;

/// Modules users may change or delete: normal ones and resource-pool directories.
fn user_module(doc: &Value) -> bool {
    matches!(int_field(doc, "default"), 0 | 4)
}

/// A service category usable in business `biz` (built-in or the business' own).
async fn category_usable(tx: &mut Tx, biz: i64, id: i64) -> Result<bool> {
    let found = tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("id", Param::Int(id))]).await?;
    Ok(found.iter().any(|c| int_field(c, "bk_biz_id") == 0 || int_field(c, "bk_biz_id") == biz))
}

impl Core {
    pub async fn create_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = path_int(body, "bk_set_id")?;
        let mut data = data_of(body, "data")?.clone();
        match data.get("bk_parent_id").and_then(Value::as_i64) {
            Some(p) if p == set_id => {}
            _ => return Err(Error::is_invalid("bk_parent_id")),
        }
        let name = check_name(data.get("bk_module_name"), "bk_module_name")?;
        data.insert("bk_module_name".into(), json!(name));
        let template = match data.get("service_template_id") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| Error::invalid("service_template_id"))?,
        };
        let category = match data.get("service_category_id") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| Error::invalid("service_category_id"))?),
        };
        let mut tx = self.store.begin().await?;
        // A module made from a service template takes its name and category.
        let (name, category) = if template != 0 {
            let found = tx.find_docs(Kind::ServiceTemplate, &[Filter::Eq("id", Param::Int(template))]).await?;
            let tpl = found
                .first()
                .filter(|t| int_field(t, "bk_biz_id") == biz)
                .ok_or_else(|| Error::invalid("service_template_id"))?;
            let own = int_field(tpl, "service_category_id");
            if category.is_some_and(|c| c != 0 && c != own) {
                return Err(Error::invalid("service_category_id"));
            }
            let name = str_field(tpl, "name").to_string();
            data.insert("bk_module_name".into(), json!(name));
            (name, Some(own))
        } else {
            (name, category)
        };
        let set = find_node(&mut tx, caller, "set", set_id)
            .await?
            .filter(|s| int_field(s, "bk_biz_id") == biz)
            .ok_or_else(|| Error::is_invalid("bk_biz_id/bk_set_id"))?;
        if int_field(&set, "set_template_id") > 0 {
            return Err(Error::new(code::SET_FROM_TEMPLATE));
        }
        let category = match category.filter(|c| *c != 0) {
            Some(c) if category_usable(&mut tx, biz, c).await? => c,
            Some(_) => return Err(Error::invalid("service_category_id")),
            None => super::business::default_category(&mut tx).await?,
        };
        if sibling_named(&mut tx, "module", biz, set_id, &name, 0).await? {
            return Err(Error::duplicate("bk_module_name"));
        }
        data.insert("bk_biz_id".into(), json!(biz));
        data.insert("bk_set_id".into(), json!(set_id));
        data.insert("default".into(), json!(0));
        data.insert("service_template_id".into(), json!(template));
        data.insert("service_category_id".into(), json!(category));
        data.insert("set_template_id".into(), json!(0));
        data.insert("host_apply_enabled".into(), json!(false));
        let model = topo_model(self, &mut tx, "module").await?;
        let doc = self.insert_instance(&mut tx, caller, &model, &data).await?;
        tx.commit().await?;
        Ok(render(doc, &model.time_fields()))
    }

    /// The module `id` of set `set` in business `biz`, or 1199019.
    async fn module_in(&self, tx: &mut Tx, caller: &Caller, biz: i64, set: i64, id: i64) -> Result<Option<Value>> {
        Ok(find_node(tx, caller, "module", id)
            .await?
            .filter(|m| int_field(m, "bk_biz_id") == biz && int_field(m, "bk_set_id") == set))
    }

    pub async fn update_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = path_int(body, "bk_set_id")?;
        let id = path_int(body, "bk_module_id")?;
        let mut data = super::opt_data(body)?;
        for k in MODULE_FIXED {
            data.remove(k);
        }
        let mut tx = self.store.begin().await?;
        let old = self
            .module_in(&mut tx, caller, biz, set_id, id)
            .await?
            .ok_or_else(|| Error::with(code::NOT_FOUND, "bk_module_id"))?;
        if !user_module(&old) {
            return Err(Error::new(code::BUILTIN_TOPO_NODE));
        }
        for k in ["set_template_id", "service_template_id"] {
            if let Some(v) = data.remove(k) {
                if v.as_i64() != Some(int_field(&old, k)) {
                    return Err(Error::with(code::MODIFY_FIELD_FORBIDDEN, k));
                }
            }
        }
        let from_template = int_field(&old, "service_template_id") > 0;
        if let Some(v) = data.get("service_category_id") {
            let c = v.as_i64().ok_or_else(|| Error::invalid("service_category_id"))?;
            if c != int_field(&old, "service_category_id") {
                if from_template {
                    return Err(Error::new(code::SERVICE_TEMPLATE_CATEGORY_FIXED));
                }
                if !category_usable(&mut tx, biz, c).await? {
                    return Err(Error::invalid("service_category_id"));
                }
            }
        }
        if let Some(v) = data.get("bk_module_name") {
            if from_template {
                match v.as_str().map(str::trim) {
                    None | Some("") => {
                        data.remove("bk_module_name");
                    }
                    Some(n) if n == str_field(&old, "bk_module_name") => {}
                    Some(_) => return Err(Error::new(code::SERVICE_TEMPLATE_NAME_FIXED)),
                }
            }
        }
        if data.contains_key("bk_module_name") {
            let name = check_name(data.get("bk_module_name"), "bk_module_name")?;
            if sibling_named(&mut tx, "module", biz, set_id, &name, id).await? {
                return Err(Error::duplicate("bk_module_name"));
            }
            data.insert("bk_module_name".into(), json!(name));
        }
        let model = topo_model(self, &mut tx, "module").await?;
        let changes = crate::instance::validate::for_update(&mut tx, caller, &model, biz, &data).await?;
        self.write_update(&mut tx, caller, &model, &old, changes, "update").await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = path_int(body, "bk_set_id")?;
        let id = path_int(body, "bk_module_id")?;
        let mut tx = self.store.begin().await?;
        if let Some(set) = find_node(&mut tx, caller, "set", set_id).await? {
            if int_field(&set, "set_template_id") > 0 {
                return Err(Error::new(code::SET_FROM_TEMPLATE));
            }
        }
        let Some(old) = self.module_in(&mut tx, caller, biz, set_id, id).await? else { return Ok(Value::Null) };
        if !user_module(&old) {
            return Err(Error::new(code::BUILTIN_TOPO_NODE));
        }
        if tx.count_host_relations(HostScope::Module, &[id]).await? > 0 {
            return Err(Error::new(code::HAS_HOST));
        }
        let model = topo_model(self, &mut tx, "module").await?;
        self.delete_many(&mut tx, caller, &model, &[id]).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = crate::req::typed_int(body, "bk_set_id")?.unwrap_or(0);
        let fields = parse_fields(body.get("fields"), "fields")?;
        let page = Page::parse(body.get("page"))?;
        let own = match crate::req::opt_obj(body, "condition")? {
            Some(c) => query::parse_legacy(c)?,
            None => Expr::all(),
        };
        let mut parts = vec![own, Expr::field("bk_biz_id", Test::Eq(json!(biz)))];
        if set_id > 0 {
            parts.push(Expr::field("bk_set_id", Test::Eq(json!(set_id))));
        }
        self.search_topo("module", caller, Expr::and(parts), body.get("time_condition"), &page, &fields).await
    }

    pub async fn find_module_batch(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let ids = batch_ids(body)?;
        let fields = required_fields(body, "fields")?;
        let filter = Expr::and(vec![
            Expr::field("bk_biz_id", Test::Eq(json!(biz))),
            Expr::field("bk_module_id", Test::In(ids.iter().map(|i| json!(i)).collect())),
        ]);
        let found = self.search_topo("module", caller, filter, None, &Page::default(), &fields).await?;
        Ok(found["info"].clone())
    }

    pub async fn find_module_with_relation(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let sets = crate::req::int_array(body, "bk_set_ids")?;
        let templates = crate::req::int_array(body, "bk_service_template_ids")?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        if fields.is_empty() {
            return Err(Error::missing("fields"));
        }
        let page = Page::parse(body.get("page"))?;
        if sets.len() > RELATION_SETS_MAX {
            return Err(Error::with(code::OVER_LIMIT, "bk_set_ids"));
        }
        if page.limit > RELATION_PAGE_MAX {
            return Err(Error::with(code::OVER_LIMIT, "page.limit"));
        }
        let mut parts = vec![Expr::field("bk_biz_id", Test::Eq(json!(biz)))];
        if !sets.is_empty() {
            parts.push(Expr::field("bk_set_id", Test::In(sets.iter().map(|i| json!(i)).collect())));
        }
        if !templates.is_empty() {
            parts.push(Expr::field("service_template_id", Test::In(templates.iter().map(|i| json!(i)).collect())));
        }
        self.search_topo("module", caller, Expr::and(parts), None, &page, &fields).await
    }

    pub async fn get_biz_internal_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let visible = self.visible_businesses(caller, &[biz]).await?;
        let nodes = if visible.is_empty() { vec![] } else { self.store.topo_nodes(biz, &["set", "module"]).await? };
        let idle = nodes.iter().find(|n| n.obj == "set" && n.default == 1);
        let modules: Vec<Value> = if nodes.is_empty() {
            vec![]
        } else {
            let docs = self
                .store
                .find_docs(
                    Kind::Instance,
                    &[Filter::Eq("obj_id", "module".into()), Filter::Eq("biz_id", Param::Int(biz))],
                )
                .await?;
            docs.iter()
                .filter(|m| int_field(m, "default") != 0)
                .map(|m| {
                    let default = int_field(m, "default");
                    json!({
                        "bk_module_id": int_field(m, "bk_module_id"),
                        "bk_module_name": display_name("module", default, str_field(m, "bk_module_name"), caller.lang),
                        "default": default,
                        "host_apply_enabled": m.get("host_apply_enabled").cloned().unwrap_or(json!(false)),
                    })
                })
                .collect()
        };
        Ok(json!({
            "bk_set_id": idle.map(|s| s.id).unwrap_or(0),
            "bk_set_name": idle.map(|s| display_name("set", s.default, &s.name, caller.lang)).unwrap_or_default(),
            "module": modules,
        }))
    }
}
