//! Business sets (topology.md §3): named, rule-based selections of businesses.

use super::topo_model;
use crate::instance::{parse_fields, tenant_filter, Model};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::TopoNode;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};

const UPDATE_IDS_MAX: usize = 200;
const DELETE_IDS_MAX: usize = 100;
/// Page limits: list_business_set (page check A), list_business_in_business_set.
const LIST_PAGE_MAX: usize = 1000;
const BIZ_PAGE_MAX: usize = 500;

/// Validates a `bk_scope` against the business model's attributes (1199006 on any violation).
fn check_scope(scope: &Value, biz_model: &Model) -> Result<()> {
    let bad = || Error::invalid("bk_scope");
    let m = scope.as_object().ok_or_else(bad)?;
    let match_all = match m.get("match_all") {
        Some(Value::Bool(b)) => *b,
        None => false,
        Some(_) => return Err(bad()),
    };
    let filter = m.get("filter").filter(|f| !f.is_null());
    if match_all {
        return if filter.is_some() { Err(bad()) } else { Ok(()) };
    }
    let f = filter.and_then(Value::as_object).ok_or_else(bad)?;
    if f.get("condition").and_then(Value::as_str) != Some("AND") {
        return Err(bad());
    }
    let rules = f.get("rules").and_then(Value::as_array).filter(|r| !r.is_empty()).ok_or_else(bad)?;
    for r in rules {
        if r.get("condition").is_some() || r.get("rules").is_some() {
            return Err(bad());
        }
        let field = r.get("field").and_then(Value::as_str).ok_or_else(bad)?;
        let op = r.get("operator").and_then(Value::as_str).ok_or_else(bad)?;
        let value = r.get("value").ok_or_else(bad)?;
        let ty = if field == "bk_biz_id" {
            "int"
        } else {
            biz_model.attr(field, 0).map(|a| a.type_name.as_str()).ok_or_else(bad)?
        };
        let scalar_ok = |v: &Value| match ty {
            "enum" => v.is_string(),
            "organization" | "int" => v.is_i64(),
            _ => false,
        };
        let ok = match op {
            "equal" => scalar_ok(value),
            "in" => value.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(scalar_ok)),
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
    }
    query::parse_filter(&Value::Object(f.clone()), Flavor::QueryBuilder, "bk_scope", true).map(|_| ())
}

/// The businesses a scope selects: never the resource pool, never archived ones, unless the
/// scope itself names those fields.
fn scope_filter(scope: &Value) -> Result<Expr> {
    let mut parts = Vec::new();
    let mut named = std::collections::HashSet::new();
    if scope.get("match_all").and_then(Value::as_bool) != Some(true) {
        let f = scope.get("filter").cloned().unwrap_or(Value::Null);
        let e = query::parse_filter(&f, Flavor::QueryBuilder, "bk_scope", false)?;
        e.fields(&mut named);
        parts.push(e);
    }
    if !named.contains("default") {
        parts.push(Expr::negate(Expr::field("default", Test::Eq(json!(1)))));
    }
    if !named.contains("bk_data_status") {
        parts.push(Expr::negate(Expr::field("bk_data_status", Test::Eq(json!("disabled")))));
    }
    Ok(Expr::and(parts))
}

/// `page.enable_count`.
fn count_only(body: &Body) -> bool {
    body.get("page").and_then(|p| p.get("enable_count")).and_then(Value::as_bool).unwrap_or(false)
}

async fn name_taken(tx: &mut Tx, name: &str, except: i64) -> Result<bool> {
    let found = tx
        .find_docs(
            Kind::Instance,
            &[Filter::Eq("obj_id", "bk_biz_set_obj".into()), Filter::Eq("name", Param::Text(name.to_string()))],
        )
        .await?;
    Ok(found.iter().any(|d| int_field(d, "bk_biz_set_id") != except))
}

impl Core {
    /// The ids of the businesses a scope selects, as the writer sees them.
    async fn members(&self, tx: &mut Tx, scope: &Value) -> Result<Vec<i64>> {
        let model = topo_model(self, tx, "biz").await?;
        let filter = scope_filter(scope)?;
        let sort = [("bk_biz_id".to_string(), true)];
        Ok(tx
            .find_instances(&model.query(&filter, &sort, 0, 0))
            .await?
            .iter()
            .map(|b| int_field(b, "bk_biz_id"))
            .collect())
    }

    /// A `biz_set_relation` event: the set's members now (none for a deleted set).
    async fn relation_event(&self, tx: &mut Tx, caller: &Caller, set: &Value, deleted: bool) -> Result<()> {
        let ids = if deleted { vec![] } else { self.members(tx, set.get("bk_scope").unwrap_or(&Value::Null)).await? };
        let doc = json!({"bk_biz_set_id": int_field(set, "bk_biz_set_id"), "bk_biz_ids": ids});
        tx.insert_event("biz_set_relation", "update", &caller.supplier, &doc).await
    }

    /// After a business write (`None` = did not exist before / no longer exists): every business
    /// set whose membership it changed gets a `biz_set_relation` event.
    pub(super) async fn business_membership_changed(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        old: Option<&Value>,
        new: Option<&Value>,
    ) -> Result<()> {
        let sets = tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", "bk_biz_set_obj".into())]).await?;
        for set in sets {
            let f = scope_filter(set.get("bk_scope").unwrap_or(&Value::Null))?;
            let before = old.is_some_and(|d| f.matches(d));
            let after = new.is_some_and(|d| f.matches(d));
            if before != after {
                self.relation_event(tx, caller, &set, false).await?;
            }
        }
        Ok(())
    }

    pub async fn create_business_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let attr = match body.get("bk_biz_set_attr") {
            Some(Value::Object(m)) => m.clone(),
            _ => return Err(Error::invalid("bk_biz_set_attr")),
        };
        let scope = body.get("bk_scope").filter(|s| s.is_object()).ok_or_else(|| Error::invalid("bk_scope"))?;
        let name = attr.get("bk_biz_set_name").and_then(Value::as_str).map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(Error::invalid("bk_biz_set_name"));
        }
        let name = name.to_string();
        let mut data = attr.clone();
        data.insert("bk_biz_set_name".into(), json!(name));
        data.insert("bk_scope".into(), scope.clone());
        data.insert("default".into(), json!(0));
        data.remove("bk_biz_set_id");
        let mut tx = self.store.begin().await?;
        let biz_model = topo_model(self, &mut tx, "biz").await?;
        check_scope(scope, &biz_model)?;
        if name_taken(&mut tx, &name, 0).await? {
            return Err(Error::new(code::DUPLICATE_BIZ_SET_NAME));
        }
        let model = topo_model(self, &mut tx, "bk_biz_set_obj").await?;
        let doc = self.insert_instance(&mut tx, caller, &model, &data).await?;
        self.relation_event(&mut tx, caller, &doc, false).await?;
        tx.commit().await?;
        Ok(json!(int_field(&doc, "bk_biz_set_id")))
    }

    pub async fn batch_update_business_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "bk_biz_set_ids")?;
        crate::req::bounded(ids.len(), "bk_biz_set_ids", UPDATE_IDS_MAX)?;
        let data = crate::req::opt_obj(body, "data")?.ok_or_else(|| Error::missing("data"))?;
        let attr = crate::req::opt_obj(data, "bk_biz_set_attr")?.cloned();
        let scope = data.get("bk_scope").filter(|s| !s.is_null()).cloned();
        if attr.is_none() && scope.is_none() {
            return Err(Error::missing("data"));
        }
        let mut attr = attr.unwrap_or_default();
        attr.remove("bk_biz_set_id");
        attr.remove("default");
        attr.remove("bk_scope");
        if ids.len() > 1 && (attr.contains_key("bk_biz_set_name") || scope.is_some()) {
            return Err(Error::invalid("bk_biz_set_ids"));
        }
        let mut tx = self.store.begin().await?;
        if let Some(s) = &scope {
            let biz_model = topo_model(self, &mut tx, "biz").await?;
            check_scope(s, &biz_model)?;
        }
        let model = topo_model(self, &mut tx, "bk_biz_set_obj").await?;
        for id in ids {
            let Some(old) = super::find_node(&mut tx, caller, "bk_biz_set_obj", id).await? else { continue };
            if scope.is_some() && int_field(&old, "default") == 1 {
                return Err(Error::new(code::BUILTIN_BIZ_SET_SCOPE));
            }
            if let Some(name) = attr.get("bk_biz_set_name").and_then(Value::as_str) {
                if name_taken(&mut tx, name.trim(), id).await? {
                    return Err(Error::duplicate("bk_biz_set_name"));
                }
            }
            let mut changes = crate::instance::validate::for_update(&mut tx, caller, &model, 0, &attr).await?;
            if let Some(s) = &scope {
                changes.insert("bk_scope".into(), s.clone());
            }
            let new = self.write_update(&mut tx, caller, &model, &old, changes, "update").await?;
            if scope.is_some() {
                self.relation_event(&mut tx, caller, &new, false).await?;
            }
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_delete_business_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "bk_biz_set_ids")?;
        crate::req::bounded(ids.len(), "bk_biz_set_ids", DELETE_IDS_MAX)?;
        let mut tx = self.store.begin().await?;
        let mut victims = Vec::new();
        for id in &ids {
            if let Some(doc) = super::find_node(&mut tx, caller, "bk_biz_set_obj", *id).await? {
                if int_field(&doc, "default") == 1 {
                    return Err(Error::new(code::BUILTIN_BIZ_SET_DELETE));
                }
                victims.push(doc);
            }
        }
        let model = topo_model(self, &mut tx, "bk_biz_set_obj").await?;
        self.delete_many(&mut tx, caller, &model, &ids).await?;
        for doc in &victims {
            self.relation_event(&mut tx, caller, doc, true).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_business_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let filter = crate::req::opt_filter(body, "bk_biz_set_filter", Flavor::QueryBuilder)?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let mut page = Page::parse_check_a(body.get("page"), LIST_PAGE_MAX)?;
        let Some(s) = self.prepare(caller, "bk_biz_set_obj", filter, body.get("time_condition")).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        if count_only(body) {
            if page.start != 0 || page.limit != 0 || !page.sort.is_empty() {
                return Err(Error::invalid("page"));
            }
            return Ok(json!({"count": self.count(&s).await?, "info": []}));
        }
        if page.sort.is_empty() {
            page.sort = vec![("bk_biz_set_id".to_string(), true)];
        }
        Ok(crate::page::counted(0, self.run(&s, &page, &fields).await?))
    }

    /// The business set (visible to the caller) or 1199006.
    async fn biz_set_of(&self, caller: &Caller, id: i64) -> Result<Value> {
        let Some(model) = self.model_read("bk_biz_set_obj").await? else {
            return Err(Error::invalid("bk_biz_set_id"));
        };
        let filter = Expr::and(vec![tenant_filter(caller), Expr::field("bk_biz_set_id", Test::Eq(json!(id)))]);
        self.store
            .find_instances(&model.query(&filter, &[], 0, 0))
            .await?
            .pop()
            .ok_or_else(|| Error::invalid("bk_biz_set_id"))
    }

    pub async fn list_business_in_business_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::typed_int(body, "bk_biz_set_id")?.unwrap_or(0);
        if id == 0 {
            return Err(Error::missing("bk_biz_set_id"));
        }
        let extra = crate::req::opt_filter(body, "filter", Flavor::QueryBuilder)?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let page = Page::parse(body.get("page"))?;
        let counting = count_only(body);
        if counting && (page.start != 0 || page.limit != 0 || !page.sort.is_empty()) {
            return Err(Error::invalid("page.enable_count"));
        }
        if !counting {
            if page.limit == 0 {
                return Err(Error::is_invalid("page.limit"));
            }
            if page.limit > BIZ_PAGE_MAX {
                return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
            }
        }
        let set = self.biz_set_of(caller, id).await?;
        let scope = scope_filter(set.get("bk_scope").unwrap_or(&Value::Null))?;
        let filter = Expr::and(vec![scope, extra]);
        if counting {
            let Some(s) = self.prepare(caller, "biz", filter, None).await? else {
                return Ok(json!({"count": 0, "info": []}));
            };
            return Ok(json!({"count": self.count(&s).await?, "info": []}));
        }
        let mut found = self.search_topo("biz", caller, filter, None, &page, &fields).await?;
        Ok(crate::page::counted(0, found["info"].take()))
    }

    pub async fn list_business_set_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let set_id = crate::req::typed_int(body, "bk_biz_set_id")?.filter(|i| *i != 0);
        let parent_obj = crate::req::typed_str(body, "bk_parent_obj_id")?.filter(|s| !s.is_empty());
        let parent_id = crate::req::typed_int(body, "bk_parent_id")?.filter(|i| *i != 0);
        let (Some(set_id), Some(parent_obj), Some(parent_id)) = (set_id, parent_obj, parent_id) else {
            return Err(Error::missing("bk_biz_set_id/bk_parent_obj_id/bk_parent_id"));
        };
        let set = self.biz_set_of(caller, set_id).await?;
        let scope = scope_filter(set.get("bk_scope").unwrap_or(&Value::Null))?;
        let Some(bizs) = self.prepare(caller, "biz", scope, None).await? else { return Ok(json!([])) };
        let members = self.run(&bizs, &Page::default(), &[]).await?;
        let node = |obj: &str, id: i64, name: &str, default: i64| json!({"bk_obj_id": obj, "bk_inst_id": id, "bk_inst_name": name, "default": default});
        if parent_obj == "bk_biz_set_obj" {
            if parent_id != set_id {
                return Err(Error::invalid("bk_parent_id"));
            }
            let mut out: Vec<Value> = members
                .iter()
                .map(|b| {
                    let (id, default) = (int_field(b, "bk_biz_id"), int_field(b, "default"));
                    node(
                        "biz",
                        id,
                        &super::display_name("biz", default, str_field(b, "bk_biz_name"), caller.lang),
                        default,
                    )
                })
                .collect();
            out.sort_by_key(|n| int_field(n, "bk_inst_id"));
            return Ok(Value::Array(out));
        }
        let levels = crate::instance::mainline::chain(&mut &self.store).await?;
        let Some(pos) = levels.iter().position(|l| *l == parent_obj).filter(|p| *p + 2 < levels.len()) else {
            return Err(Error::invalid("bk_parent_obj_id"));
        };
        let child = levels[pos + 1].as_str();
        // The parent node must exist in a business of the set.
        let biz_ids: Vec<i64> = members.iter().map(|b| int_field(b, "bk_biz_id")).collect();
        let biz_of_parent = if parent_obj == "biz" {
            Some(parent_id).filter(|b| biz_ids.contains(b))
        } else {
            let found = self
                .store
                .find_docs(
                    Kind::Instance,
                    &[Filter::Eq("obj_id", Param::Text(parent_obj.clone())), Filter::Eq("id", Param::Int(parent_id))],
                )
                .await?;
            found.first().map(|d| int_field(d, "bk_biz_id")).filter(|b| biz_ids.contains(b))
        };
        let Some(biz) = biz_of_parent else { return Err(Error::invalid("bk_parent_id")) };
        let mut objs = vec![child];
        if parent_obj == "biz" && child != "set" {
            objs.push("set");
        }
        let nodes = self.store.topo_nodes(biz, &objs).await?;
        let mut picked: Vec<&TopoNode> = Vec::new();
        if parent_obj == "biz" && child != "set" {
            // Custom levels exist: the idle set(s) first, then the first custom level's instances.
            picked.extend(nodes.iter().filter(|n| n.obj == "set" && n.default != 0 && n.parent == biz));
        }
        picked.extend(
            nodes.iter().filter(|n| n.obj == child && n.parent == parent_id && !(child == "set" && n.default != 0)),
        );
        Ok(Value::Array(
            picked
                .iter()
                .map(|n| node(&n.obj, n.id, &super::display_name(&n.obj, n.default, &n.name, caller.lang), n.default))
                .collect(),
        ))
    }
}
