//! Sets (topology.md §4).

use super::{batch_ids, check_name, data_of, find_node, required_fields, sibling_named, topo_model, translate};
use crate::instance::{mainline, parse_fields, render};
use crate::model::int_field;
use crate::page::Page;
use crate::req::{path_int, Body};
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::HostScope;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};

/// Fields an update of a set never takes from the caller.
const SET_FIXED: [&str; 5] = ["bk_biz_id", "bk_set_id", "set_template_id", "bk_parent_id", "default"];

impl Core {
    pub async fn create_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let mut data = data_of(body, "data")?.clone();
        let name = check_name(data.get("bk_set_name"), "bk_set_name")?;
        data.insert("bk_set_name".into(), json!(name));
        match data.get("default") {
            None | Some(Value::Null) => {}
            Some(v) if v.as_i64() == Some(0) => {}
            Some(_) => return Err(Error::invalid("default")),
        }
        let template = match data.get("set_template_id") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| Error::invalid("set_template_id"))?,
        };
        data.insert("bk_biz_id".into(), json!(biz));
        data.insert("default".into(), json!(0));
        data.insert("set_template_id".into(), json!(template));
        data.insert("set_template_version".into(), json!(0));
        let mut tx = self.store.begin().await?;
        if find_node(&mut tx, caller, "biz", biz).await?.is_none() {
            return Err(Error::is_invalid("bk_biz_id"));
        }
        let parent = self.set_parent(&mut tx, biz, data.get("bk_parent_id")).await?;
        data.insert("bk_parent_id".into(), json!(parent));
        if sibling_named(&mut tx, "set", biz, parent, &name, 0).await? {
            return Err(Error::new(code::DUPLICATE_SET_NAME));
        }
        if template != 0 {
            let found = tx.find_docs(Kind::SetTemplate, &[Filter::Eq("id", Param::Int(template))]).await?;
            if !found.iter().any(|t| int_field(t, "bk_biz_id") == biz) {
                return Err(Error::invalid("set_template_id"));
            }
        }
        let model = topo_model(self, &mut tx, "set").await?;
        let doc = self.insert_instance(&mut tx, caller, &model, &data).await?;
        if template != 0 {
            // One module per service template of the set template (topology.md, create_set).
            let set = int_field(&doc, "bk_set_id");
            self.sync_set(&mut tx, caller, biz, template, set).await?;
        }
        tx.commit().await?;
        Ok(render(doc, &model.time_fields()))
    }

    /// The parent of a new set: the business itself (filled in when absent) or an instance of the
    /// custom level above sets in the same business.
    async fn set_parent(&self, tx: &mut Tx, biz: i64, given: Option<&Value>) -> Result<i64> {
        let given = match given {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_i64().ok_or_else(|| Error::is_invalid("bk_parent_id"))?),
        };
        let levels = mainline::chain(tx).await?;
        let pos = levels.iter().position(|l| l == "set").unwrap_or(1);
        let above = levels[pos.saturating_sub(1)].clone();
        if above == "biz" {
            return match given {
                None => Ok(biz),
                Some(p) if p == biz => Ok(biz),
                Some(_) => Err(Error::is_invalid("bk_parent_id")),
            };
        }
        let p = given.ok_or_else(|| Error::is_invalid("bk_parent_id"))?;
        let found = tx
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(above)), Filter::Eq("id", Param::Int(p))])
            .await?;
        if !found.iter().any(|d| int_field(d, "bk_biz_id") == biz) {
            return Err(Error::is_invalid("bk_parent_id"));
        }
        Ok(p)
    }

    pub async fn update_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = path_int(body, "bk_set_id")?;
        let mut data = super::opt_data(body)?;
        for k in SET_FIXED {
            data.remove(k);
        }
        let mut tx = self.store.begin().await?;
        let old = find_node(&mut tx, caller, "set", set_id)
            .await?
            .filter(|s| int_field(s, "bk_biz_id") == biz)
            .ok_or_else(|| Error::with(code::NOT_FOUND, "bk_set_id"))?;
        if int_field(&old, "default") != 0 {
            return Err(Error::new(code::BUILTIN_TOPO_NODE));
        }
        if data.contains_key("bk_set_name") {
            let name = check_name(data.get("bk_set_name"), "bk_set_name")?;
            if sibling_named(&mut tx, "set", biz, int_field(&old, "bk_parent_id"), &name, set_id).await? {
                return Err(Error::new(code::DUPLICATE_SET_NAME));
            }
            data.insert("bk_set_name".into(), json!(name));
        }
        let model = topo_model(self, &mut tx, "set").await?;
        let changes = crate::instance::validate::for_update(&mut tx, caller, &model, biz, &data).await?;
        self.write_update(&mut tx, caller, &model, &old, changes, "update").await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_id = path_int(body, "bk_set_id")?;
        let mut tx = self.store.begin().await?;
        self.delete_sets(&mut tx, caller, biz, &[set_id]).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_delete_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let ids = match crate::req::opt_obj(body, "delete")? {
            Some(d) => crate::req::int_array(d, "inst_ids")?,
            None => vec![],
        };
        if ids.is_empty() {
            return Err(Error::missing("inst_ids"));
        }
        let mut tx = self.store.begin().await?;
        self.delete_sets(&mut tx, caller, biz, &ids).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// Deletes sets of business `biz` with their modules; ids not in the business are ignored.
    async fn delete_sets(&self, tx: &mut Tx, caller: &Caller, biz: i64, ids: &[i64]) -> Result<()> {
        let mut sets = Vec::new();
        for id in ids {
            if let Some(s) = find_node(tx, caller, "set", *id).await?.filter(|s| int_field(s, "bk_biz_id") == biz) {
                if int_field(&s, "default") != 0 {
                    return Err(Error::new(code::BUILTIN_TOPO_NODE));
                }
                sets.push(*id);
            }
        }
        if sets.is_empty() {
            return Ok(());
        }
        if tx.count_host_relations(HostScope::Set, &sets).await? > 0 {
            return Err(Error::new(code::HAS_HOST));
        }
        let modules: Vec<i64> =
            tx.topo_nodes(biz, &["module"]).await?.iter().filter(|m| sets.contains(&m.parent)).map(|m| m.id).collect();
        let module_model = topo_model(self, tx, "module").await?;
        self.delete_many(tx, caller, &module_model, &modules).await?;
        let set_model = topo_model(self, tx, "set").await?;
        self.delete_many(tx, caller, &set_model, &sets).await
    }

    pub async fn search_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let page = Page::parse(body.get("page"))?;
        let cond = crate::req::opt_obj(body, "condition")?.filter(|c| !c.is_empty());
        let filter = body.get("filter").filter(|v| !v.is_null());
        let own = match (cond, filter) {
            (Some(_), Some(_)) => return Err(Error::is_invalid("condition/filter")),
            (Some(c), None) => query::parse_legacy(c)?,
            (None, Some(f)) => query::parse_filter(f, Flavor::QueryBuilder, "filter", true)?,
            (None, None) => Expr::all(),
        };
        let filter = Expr::and(vec![own, Expr::field("bk_biz_id", Test::Eq(json!(biz)))]);
        self.search_topo("set", caller, filter, body.get("time_condition"), &page, &fields).await
    }

    /// A `{count, info}` search of sets or modules with built-in names translated.
    pub(super) async fn search_topo(
        &self,
        obj: &str,
        caller: &Caller,
        filter: Expr,
        time_condition: Option<&Value>,
        page: &Page,
        fields: &[String],
    ) -> Result<Value> {
        let Some(s) = self.prepare(caller, obj, filter, time_condition).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        let count = self.count(&s).await?;
        let info: Vec<Value> = self
            .run(&s, page, &[])
            .await?
            .into_iter()
            .map(|mut d| {
                translate(&mut d, obj, caller.lang);
                crate::instance::project(d, fields)
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    pub async fn find_set_batch(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let ids = batch_ids(body)?;
        let fields = required_fields(body, "fields")?;
        let filter = Expr::and(vec![
            Expr::field("bk_biz_id", Test::Eq(json!(biz))),
            Expr::field("bk_set_id", Test::In(ids.iter().map(|i| json!(i)).collect())),
        ]);
        let found = self.search_topo("set", caller, filter, None, &Page::default(), &fields).await?;
        Ok(found["info"].clone())
    }
}
