//! Businesses (topology.md §3): create with the idle set and modules, search, update, archive and
//! restore, delete with everything below; the per-business "sensitive" map and location.

use super::{business_of, check_name, data_of, topo_model, translate};
use crate::instance::{association, parse_fields, tenant_filter};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::{path_int, path_str, Body};
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::HostScope;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};

/// Built-in names of the idle set and its modules (platform setting defaults).
pub(crate) const IDLE_SET: &str = "空闲机池";
const INTERNAL_MODULES: [(&str, i64); 3] = [("空闲机", 1), ("故障机", 2), ("待回收", 3)];

/// Fields a business write never takes from the caller.
const BIZ_SYSTEM_FIELDS: [&str; 5] = ["bk_biz_id", "bk_parent_id", "default", "bk_data_status", "bk_supplier_account"];

/// User-list attributes of the business model, whose string conditions match list members.
const BIZ_USER_FIELDS: [&str; 5] =
    ["bk_biz_maintainer", "bk_biz_productor", "bk_biz_tester", "bk_biz_developer", "operator"];

/// The id of the built-in service category "Default" (child of the root "Default").
pub(crate) async fn default_category(tx: &mut Tx) -> Result<i64> {
    let cats = tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("name", "Default".into())]).await?;
    cats.iter()
        .find(|c| int_field(c, "bk_parent_id") != 0 && int_field(c, "bk_biz_id") == 0)
        .map(|c| int_field(c, "id"))
        .ok_or_else(|| Error::internal("default service category missing"))
}

fn archived(doc: &Value) -> bool {
    str_field(doc, "bk_data_status") == "disabled"
}

/// `<name>-archived`, or `<name>-archived-N` with N one above the largest suffix in use.
fn archived_name(name: &str, taken: &[String]) -> String {
    let base = format!("{name}-archived");
    let mut next: Option<u64> = None;
    for t in taken {
        if *t == base {
            next = Some(next.unwrap_or(0).max(1));
        } else if let Some(n) = t.strip_prefix(&format!("{base}-")).and_then(|d| d.parse::<u64>().ok()) {
            next = Some(next.unwrap_or(0).max(n + 1));
        }
    }
    match next {
        None => base,
        Some(n) => format!("{base}-{n}"),
    }
}

/// search_business's `condition`: strings on user fields match list members, other strings are
/// case-insensitive substrings; `bk_biz_id` only as a number, `$eq` or `$in`.
fn business_condition(cond: &Map<String, Value>, user_fields: &[String]) -> Result<Expr> {
    let mut parts = Vec::new();
    for (k, v) in cond {
        if k == "bk_biz_id" {
            let ok = v.is_i64()
                || v.as_object().is_some_and(|o| {
                    o.len() == 1
                        && (o.get("$eq").is_some_and(Value::is_i64)
                            || o.get("$in").and_then(Value::as_array).is_some_and(|a| a.iter().all(Value::is_i64)))
                });
            if !ok {
                return Err(Error::invalid("bk_biz_id"));
            }
        }
        match v {
            Value::String(s) if user_fields.contains(k) => {
                for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                    let re = regex::Regex::new(&format!("(^|,){}(,|$)", regex::escape(name)))
                        .map_err(|_| Error::invalid(k.clone()))?;
                    parts.push(Expr::field(k, Test::Regex(re)));
                }
            }
            Value::String(s) => {
                let re =
                    regex::Regex::new(&format!("(?i){}", regex::escape(s))).map_err(|_| Error::invalid(k.clone()))?;
                parts.push(Expr::field(k, Test::Regex(re)));
            }
            other => {
                let mut one = Map::new();
                one.insert(k.clone(), other.clone());
                parts.push(query::parse_legacy(&one)?);
            }
        }
    }
    Ok(Expr::and(parts))
}

impl Core {
    pub async fn create_business(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut data = data_of(body, "data")?.clone();
        let name = check_name(data.get("bk_biz_name"), "bk_biz_name")?;
        data.insert("bk_biz_name".into(), json!(name));
        for k in BIZ_SYSTEM_FIELDS {
            data.remove(k);
        }
        data.insert("default".into(), json!(0));
        let mut tx = self.store.begin().await?;
        let biz_model = topo_model(self, &mut tx, "biz").await?;
        let biz = self.insert_instance(&mut tx, caller, &biz_model, &data).await?;
        let biz_id = int_field(&biz, "bk_biz_id");
        self.create_idle_set(&mut tx, caller, biz_id).await?;
        self.business_membership_changed(&mut tx, caller, None, Some(&biz)).await?;
        tx.commit().await?;
        let mut out = crate::instance::render(biz, &biz_model.time_fields());
        translate(&mut out, "biz", caller.lang);
        Ok(out)
    }

    /// The idle set of a new business with its idle, fault and recycle modules.
    async fn create_idle_set(&self, tx: &mut Tx, caller: &Caller, biz: i64) -> Result<()> {
        let set_model = topo_model(self, tx, "set").await?;
        let set = json!({
            "bk_set_name": IDLE_SET, "bk_biz_id": biz, "bk_parent_id": biz, "default": 1, "set_template_id": 0,
            "set_template_version": 0,
        });
        let set = self.insert_instance(tx, caller, &set_model, set.as_object().expect("object")).await?;
        let set_id = int_field(&set, "bk_set_id");
        let module_model = topo_model(self, tx, "module").await?;
        let category = default_category(tx).await?;
        for (name, default) in INTERNAL_MODULES {
            let m = json!({
                "bk_module_name": name, "bk_biz_id": biz, "bk_set_id": set_id, "bk_parent_id": set_id,
                "default": default, "service_category_id": category, "service_template_id": 0,
                "set_template_id": 0, "host_apply_enabled": false,
            });
            self.insert_instance(tx, caller, &module_model, m.as_object().expect("object")).await?;
        }
        Ok(())
    }

    pub async fn update_business(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz_id = path_int(body, "bk_biz_id")?;
        let mut data = super::opt_data(body)?;
        for k in BIZ_SYSTEM_FIELDS {
            data.remove(k);
        }
        if data.contains_key("bk_biz_name") {
            let name = check_name(data.get("bk_biz_name"), "bk_biz_name")?;
            data.insert("bk_biz_name".into(), json!(name));
        }
        let mut tx = self.store.begin().await?;
        let old = business_of(&mut tx, caller, biz_id).await?;
        let model = topo_model(self, &mut tx, "biz").await?;
        let changes = crate::instance::validate::for_update(&mut tx, caller, &model, biz_id, &data).await?;
        let new = self.write_update(&mut tx, caller, &model, &old, changes, "update").await?;
        self.business_membership_changed(&mut tx, caller, Some(&old), Some(&new)).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn update_business_enable_status(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz_id = path_int(body, "bk_biz_id")?;
        let flag = path_str(body, "flag")?;
        let new_name = match body.get("bk_biz_name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            v => Some(check_name(v, "bk_biz_name")?),
        };
        let mut tx = self.store.begin().await?;
        let old = business_of(&mut tx, caller, biz_id).await?;
        let model = topo_model(self, &mut tx, "biz").await?;
        let mut changes = Map::new();
        let action = match flag.as_str() {
            "disabled" => {
                if association::has_live_association(&mut tx, "biz", biz_id).await? {
                    return Err(Error::new(code::INST_HAS_ASSOCIATION));
                }
                if tx.count_host_relations(HostScope::Biz, &[biz_id]).await? > 0 {
                    return Err(Error::new(code::ARCHIVE_BIZ_HAS_HOST));
                }
                let name = str_field(&old, "bk_biz_name").to_string();
                let taken: Vec<String> = tx
                    .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into())])
                    .await?
                    .iter()
                    .map(|b| str_field(b, "bk_biz_name").to_string())
                    .filter(|n| n.starts_with(&format!("{name}-archived")))
                    .collect();
                changes.insert("bk_biz_name".into(), json!(archived_name(&name, &taken)));
                changes.insert("bk_data_status".into(), json!("disabled"));
                "archive"
            }
            "enable" => {
                changes.insert("bk_data_status".into(), json!("enable"));
                if let Some(n) = new_name {
                    changes.insert("bk_biz_name".into(), json!(n));
                }
                "recover"
            }
            _ => return Err(Error::is_invalid("flag")),
        };
        let new = self.write_update(&mut tx, caller, &model, &old, changes, action).await?;
        self.business_membership_changed(&mut tx, caller, Some(&old), Some(&new)).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_business(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz_id = path_int(body, "bk_biz_id")?;
        let mut tx = self.store.begin().await?;
        let Some(biz) = super::find_node(&mut tx, caller, "biz", biz_id).await? else { return Ok(Value::Null) };
        if int_field(&biz, "default") == 1 {
            return Err(Error::new(code::RESOURCE_POOL_BIZ));
        }
        if !archived(&biz) {
            return Err(Error::new(code::BIZ_NOT_ARCHIVED));
        }
        if tx.count_host_relations(HostScope::Biz, &[biz_id]).await? > 0 {
            return Err(Error::new(code::HAS_HOST));
        }
        // Deepest level first: modules, sets, custom levels; associations go with them.
        let levels = crate::instance::mainline::chain(&mut tx).await?;
        let below: Vec<&str> = levels.iter().skip(1).filter(|l| *l != "host").map(String::as_str).collect();
        let nodes = tx.topo_nodes(biz_id, &below).await?;
        for obj in below.iter().rev() {
            let ids: Vec<i64> = nodes.iter().filter(|n| n.obj == *obj).map(|n| n.id).collect();
            if ids.is_empty() {
                continue;
            }
            for id in &ids {
                association::drop_associations(&mut tx, obj, *id).await?;
            }
            let model = topo_model(self, &mut tx, obj).await?;
            self.delete_many(&mut tx, caller, &model, &ids).await?;
        }
        association::drop_associations(&mut tx, "biz", biz_id).await?;
        let by_biz = [Filter::Eq("biz_id", Param::Int(biz_id))];
        tx.delete_docs(Kind::Attribute, &by_biz).await?;
        tx.delete_docs(Kind::PropertyGroup, &by_biz).await?;
        tx.delete_docs(Kind::ServiceCategory, &by_biz).await?;
        // Templates of the business; its hosts are gone, so are its service instances.
        for kind in [
            Kind::ProcessRelation,
            Kind::ServiceInstance,
            Kind::SetTemplateService,
            Kind::SetTemplate,
            Kind::ProcessTemplate,
            Kind::ServiceTemplate,
        ] {
            tx.delete_docs(kind, &by_biz).await?;
        }
        tx.delete_docs(Kind::BizSensitive, &[Filter::Eq("id", Param::Int(biz_id))]).await?;
        let model = topo_model(self, &mut tx, "biz").await?;
        self.delete_many(&mut tx, caller, &model, &[biz_id]).await?;
        self.business_membership_changed(&mut tx, caller, Some(&biz), None).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_business(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let fields = parse_fields(body.get("fields"), "fields")?;
        let page = Page::parse(body.get("page"))?;
        let cond = crate::req::opt_obj(body, "condition")?.filter(|c| !c.is_empty());
        let filter = body.get("biz_property_filter").filter(|v| !v.is_null());
        if cond.is_some() && filter.is_some() {
            return Err(Error::invalid("condition"));
        }
        let Some(model) = self.model_read("biz").await? else { return Ok(json!({"count": 0, "info": []})) };
        let mut parts = Vec::new();
        let mut constrains_status = false;
        if let Some(c) = cond {
            let users: Vec<String> = model
                .attrs
                .iter()
                .filter(|a| a.type_name == "objuser" || BIZ_USER_FIELDS.contains(&a.prop.as_str()))
                .map(|a| a.prop.clone())
                .collect();
            constrains_status = c.contains_key("bk_data_status");
            parts.push(business_condition(c, &users)?);
        }
        if let Some(f) = filter {
            let e = query::parse_filter(f, Flavor::QueryBuilder, "biz_property_filter", true)?;
            let mut used = std::collections::HashSet::new();
            e.fields(&mut used);
            constrains_status |= used.contains("bk_data_status");
            parts.push(e);
        }
        if !constrains_status {
            parts.push(Expr::negate(Expr::field("bk_data_status", Test::Eq(json!("disabled")))));
        }
        parts.push(Expr::field("default", Test::Eq(json!(0))));
        self.search_topo("biz", caller, Expr::and(parts), body.get("time_condition"), &page, &fields).await
    }

    pub async fn find_biz_sensitive_batch(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "bk_biz_ids")?;
        if ids.is_empty() {
            return Err(Error::missing("bk_biz_ids"));
        }
        let fields = parse_fields(body.get("fields"), "fields")?;
        let page = Page::parse(body.get("page"))?;
        let existing = self.visible_businesses(caller, &ids).await?;
        let params: Vec<Param> = existing.iter().map(|i| Param::Int(*i)).collect();
        let stored = self.store.find_docs(Kind::BizSensitive, &[Filter::In("id", params)]).await?;
        let mut info = Vec::new();
        for id in existing {
            let mut doc = stored.iter().find(|d| int_field(d, "bk_biz_id") == id).cloned().unwrap_or(json!({}));
            if let Some(m) = doc.as_object_mut() {
                m.remove("bk_supplier_account");
                m.insert("bk_biz_id".into(), json!(id));
            }
            info.push(crate::instance::project(doc, &fields));
        }
        let count = info.len();
        Ok(crate::page::counted(count, crate::page::apply(info, &page)))
    }

    pub async fn update_biz_sensitive(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz_id = path_int(body, "bk_biz_id")?;
        let mut changes = body.clone();
        for k in ["bk_biz_id", "bk_supplier_account"] {
            changes.remove(k);
        }
        if changes.is_empty() {
            return Err(Error::new(code::BODY_EMPTY));
        }
        let mut tx = self.store.begin().await?;
        let biz = business_of(&mut tx, caller, biz_id).await?;
        let old = tx.find_docs(Kind::BizSensitive, &[Filter::Eq("id", Param::Int(biz_id))]).await?.pop();
        let mut doc = old.clone().and_then(|d| d.as_object().cloned()).unwrap_or_default();
        doc.extend(changes.clone());
        doc.insert("bk_biz_id".into(), json!(biz_id));
        doc.insert("bk_supplier_account".into(), json!(caller.supplier));
        let doc = Value::Object(doc);
        if old.is_some() {
            tx.update_doc(Kind::BizSensitive, biz_id, &doc).await?;
        } else {
            tx.insert_doc(Kind::BizSensitive, &doc).await?;
        }
        let detail = crate::audit::basic(old.as_ref(), None, Some(&Value::Object(changes)));
        let audit = crate::audit::Audit {
            audit_type: "business",
            resource_type: "business",
            action: "update",
            resource_id: json!(biz_id),
            resource_name: str_field(&biz, "bk_biz_name").to_string(),
            biz_id,
            detail: json!({"details": detail, "bk_obj_id": "biz"}),
        };
        crate::audit::write(&mut tx, caller, audit).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn get_biz_location(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "bk_biz_ids")?;
        if ids.is_empty() {
            return Err(Error::missing("bk_biz_ids"));
        }
        let found = self.visible_businesses(caller, &ids).await?;
        Ok(Value::Array(found.iter().map(|id| json!({"bk_biz_id": id, "bk_location": "v3.0"})).collect()))
    }

    /// The ids among `ids` of businesses the caller sees, in request order.
    pub(super) async fn visible_businesses(&self, caller: &Caller, ids: &[i64]) -> Result<Vec<i64>> {
        let Some(model) = self.model_read("biz").await? else { return Ok(vec![]) };
        let filter = Expr::and(vec![
            tenant_filter(caller),
            Expr::field("bk_biz_id", Test::In(ids.iter().map(|i| json!(i)).collect())),
        ]);
        let found = self.store.find_instances(&model.query(&filter, &[], 0, 0)).await?;
        let mut out: Vec<i64> = Vec::new();
        for id in ids {
            if !out.contains(id) && found.iter().any(|d| int_field(d, "bk_biz_id") == *id) {
                out.push(*id);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archived_names_count_up() {
        assert_eq!(archived_name("a", &[]), "a-archived");
        assert_eq!(archived_name("a", &["a-archived".into()]), "a-archived-1");
        assert_eq!(archived_name("a", &["a-archived".into(), "a-archived-4".into()]), "a-archived-5");
        assert_eq!(archived_name("a", &["a-archived-x".into()]), "a-archived");
    }
}
