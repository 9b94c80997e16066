//! Instance searches (models-and-instances.md §E): search_inst, search_inst_by_object,
//! search_object_instances, count_object_instances.

use super::{parse_fields, project, refuse_inner, render, tenant_filter, Model};
use crate::page::Page;
use crate::req::{path_str, Body};
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param};
use serde_json::{json, Map, Value};

/// Largest page of search_object_instances.
const INSTANCE_PAGE_MAX: usize = 500;

/// A parsed search: the filter (tenant and time conditions included) and the model's time fields.
pub(crate) struct Search {
    pub filter: Expr,
    pub model: std::sync::Arc<Model>,
}

impl Core {
    pub(crate) async fn prepare(
        &self,
        caller: &Caller,
        obj: &str,
        filter: Expr,
        time_condition: Option<&Value>,
    ) -> Result<Option<Search>> {
        let Some(model) = self.model_read(obj).await? else { return Ok(None) };
        let time = query::parse_time_condition(time_condition.unwrap_or(&Value::Null))?;
        let mut filter = Expr::and(vec![tenant_filter(caller), filter, time]);
        filter.times_to_instants(&model.time_fields());
        self.index_filtered_fields(&model, &filter);
        Ok(Some(Search { filter, model }))
    }

    pub(crate) async fn run(&self, s: &Search, page: &Page, fields: &[String]) -> Result<Vec<Value>> {
        let q = s.model.query(&s.filter, &page.sort, page.start, page.limit);
        let times = s.model.time_fields();
        Ok(self.store.find_instances(&q).await?.into_iter().map(|d| project(render(d, &times), fields)).collect())
    }

    pub(crate) async fn count(&self, s: &Search) -> Result<i64> {
        self.store.count_instances(&s.model.query(&s.filter, &[], 0, 0)).await
    }

    pub async fn search_object_instances(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let filter = crate::req::opt_filter(body, "conditions", Flavor::Filter)?;
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || page.limit > INSTANCE_PAGE_MAX {
            return Err(Error::invalid("page.limit"));
        }
        let fields = parse_fields(body.get("fields"), "fields")?;
        let Some(s) = self.prepare(caller, &obj, filter, body.get("time_condition")).await? else {
            return Ok(json!({"info": []}));
        };
        Ok(json!({"info": self.run(&s, &page, &fields).await?}))
    }

    pub async fn count_object_instances(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let filter = crate::req::opt_filter(body, "conditions", Flavor::Filter)?;
        let Some(s) = self.prepare(caller, &obj, filter, body.get("time_condition")).await? else {
            return Ok(json!({"count": 0}));
        };
        Ok(json!({"count": self.count(&s).await?}))
    }

    pub async fn search_inst_by_object(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let filter = query::parse_legacy_value(body.get("condition").unwrap_or(&Value::Null), "condition")?;
        let page = Page::parse(body.get("page"))?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let Some(s) = self.prepare(caller, &obj, filter, body.get("time_condition")).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        Ok(crate::page::counted(self.count(&s).await?, self.run(&s, &page, &fields).await?))
    }

    pub async fn search_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        refuse_inner(&obj, false)?;
        let page = Page::parse(body.get("page"))?;
        let fields = match body.get("fields") {
            Some(Value::Object(m)) => parse_fields(m.get(&obj), "fields")?,
            None | Some(Value::Null) => vec![],
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "fields")),
        };
        let cond = match body.get("condition") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "condition")),
        };
        let mut own = Expr::all();
        let mut via_assoc: Vec<Expr> = Vec::new();
        let mut had_assoc_entry = false;
        for (model, rules) in &cond {
            let rules =
                rules.as_array().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("condition.{model}")))?;
            let expr = search_inst_rules(rules, model == &obj)?;
            if model == &obj {
                own = expr;
                continue;
            }
            had_assoc_entry = true;
            // Instances of the other model that match, then targets associated to them.
            let Some(other) = self.prepare(caller, model, expr, None).await? else { continue };
            let q = other.model.query(&other.filter, &[], 0, 0);
            let id_field = cmdb_model::builtin::id_field(model);
            let ids: Vec<Param> = self
                .store
                .find_instances(&q)
                .await?
                .iter()
                .filter_map(|d| d.get(id_field).and_then(Value::as_i64))
                .map(Param::Int)
                .collect();
            if ids.is_empty() {
                continue; // the original ignores an entry that matches nothing
            }
            let assts = self
                .store
                .find_docs(
                    Kind::InstAsst,
                    &[
                        Filter::Eq("obj_id", Param::Text(obj.clone())),
                        Filter::Eq("asst_obj_id", Param::Text(model.clone())),
                        Filter::In("asst_inst_id", ids),
                    ],
                )
                .await?;
            let targets: Vec<Value> = assts.iter().filter_map(|a| a.get("bk_inst_id").cloned()).collect();
            via_assoc.push(Expr::field(cmdb_model::builtin::id_field(&obj), Test::In(targets)));
        }
        if had_assoc_entry && via_assoc.is_empty() && !cond.contains_key(&obj) {
            return Ok(json!({"count": 0, "info": []}));
        }
        let mut parts = vec![own];
        parts.extend(via_assoc);
        let Some(s) = self.prepare(caller, &obj, Expr::and(parts), body.get("time_condition")).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        Ok(crate::page::counted(self.count(&s).await?, self.run(&s, &page, &fields).await?))
    }
}

/// `[{"field", "operator", "value"}]` of search_inst; on the target model `$regex` is a literal substring.
fn search_inst_rules(rules: &[Value], target: bool) -> Result<Expr> {
    let mut parts = Vec::with_capacity(rules.len());
    for r in rules {
        let field = r
            .get("field")
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| Error::invalid("condition.field"))?;
        let op = r.get("operator").and_then(Value::as_str).unwrap_or("$eq");
        let mut value = r.get("value").cloned().unwrap_or(Value::Null);
        if !["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte", "$regex"].contains(&op) {
            return Err(Error::invalid(format!("condition.{field}.operator")));
        }
        if op == "$regex" && target {
            if let Some(s) = value.as_str() {
                value = Value::String(regex::escape(s));
            }
        }
        let mut m = Map::new();
        m.insert(field.to_string(), json!({ op: value }));
        parts.push(query::parse_legacy(&m)?);
    }
    Ok(Expr::and(parts))
}
