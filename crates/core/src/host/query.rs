//! Host queries (hosts.md §6): hosts of a business or topology node, filtered by host attributes,
//! paged by host id; relation rows; per-host attribute lists and CPU counts. A topology scope is
//! a subquery over `module_host`, so no id list of a business' hosts is ever built.

use super::render_host;
use crate::instance::{parse_fields, project, tenant_filter, Model};
use crate::model::int_field;
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::instances::Within;
use cmdb_store::topo::{HostRelation, HostScope};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

const BIZ_HOSTS_PAGE_MAX: usize = 1000;
const TOPO_PAGE_MAX: usize = 500;
const SET_IDS_MAX: usize = 200;
const MODULE_IDS_MAX: usize = 500;
const RELATION_HOSTS_MAX: usize = 500;

/// `set_cond` / `module_cond`: `[{field, operator ($eq|$ne), value}]`.
fn cond_rules(v: Option<&Value>, key: &str) -> Result<Option<Expr>> {
    let Some(rules) = v.filter(|v| !v.is_null()) else { return Ok(None) };
    let rules = rules.as_array().ok_or_else(|| Error::invalid(key))?;
    if rules.is_empty() {
        return Ok(None);
    }
    let mut parts = Vec::new();
    for r in rules {
        let field = r.get("field").and_then(Value::as_str).ok_or_else(|| Error::invalid(key))?;
        let op = r.get("operator").and_then(Value::as_str).unwrap_or("$eq");
        if !["$eq", "$ne", "$in", "$nin"].contains(&op) {
            return Err(Error::invalid(key));
        }
        let mut m = Map::new();
        m.insert(field.to_string(), json!({ op: r.get("value").cloned().unwrap_or(Value::Null) }));
        parts.push(query::parse_legacy(&m)?);
    }
    Ok(Some(Expr::and(parts)))
}

/// Page limits of host lists: 1..=max (else 1199006).
fn host_page(body: &Body, max: usize) -> Result<Page> {
    if body.get("page").and_then(|p| p.get("limit")).and_then(Value::as_i64).is_some_and(|l| l < 0) {
        return Err(Error::invalid("page.limit"));
    }
    let mut page = Page::parse(body.get("page"))?;
    if page.limit == 0 || page.limit > max {
        return Err(Error::invalid("page.limit"));
    }
    if page.sort.is_empty() {
        page.sort = vec![("bk_host_id".into(), true)];
    }
    Ok(page)
}

/// A list of ids under `key` with at most `max` entries (1199006 beyond).
fn ids_max(body: &Body, key: &str, max: usize) -> Result<Vec<i64>> {
    let ids = crate::req::int_array(body, key)?;
    if ids.len() > max {
        return Err(Error::invalid(key));
    }
    Ok(ids)
}

impl Core {
    async fn host_model_read(&self) -> Result<Arc<Model>> {
        self.model_read("host").await?.ok_or_else(|| Error::internal("host model missing"))
    }

    /// Hosts matching `filter` within `scope`: `(count, page of rendered, projected hosts)`.
    async fn search_hosts(
        &self,
        caller: &Caller,
        scope: Option<&Within>,
        filter: Expr,
        page: &Page,
        fields: &[String],
    ) -> Result<(i64, Vec<Value>)> {
        let model = self.host_model_read().await?;
        let plain = filter.is_all();
        let mut filter = Expr::and(vec![tenant_filter(caller), filter]);
        filter.times_to_instants(&model.time_fields());
        self.index_filtered_fields(&model, &filter);
        let mut q = model.query(&filter, &page.sort, page.start, page.limit);
        q.within = scope;
        let docs = self.store.find_instances(&q).await?;
        let count = if page.start == 0 && page.limit > 0 && docs.len() < page.limit {
            docs.len() as i64
        } else if let (Some(w), true) = (scope, plain) {
            // No host condition: the relation indexes count the scope's hosts (of visible tenants).
            let suppliers = match caller.supplier.as_str() {
                "superadmin" => None,
                "0" => Some(vec!["0".to_string()]),
                s => Some(vec![s.to_string(), "0".to_string()]),
            };
            self.store.count_hosts_within(&Within { suppliers, ..w.clone() }).await?
        } else {
            let mut cq = model.query(&filter, &[], 0, 0);
            cq.within = scope;
            self.store.count_instances(&cq).await?
        };
        let mut fields = fields.to_vec();
        if !fields.is_empty() && !fields.iter().any(|f| f == "bk_host_id") {
            fields.push("bk_host_id".into());
        }
        Ok((count, docs.into_iter().map(|d| project(render_host(d, &model), &fields)).collect()))
    }

    /// The ids of `obj` instances (sets or modules) of `biz` matching `cond`.
    async fn topo_ids(&self, caller: &Caller, obj: &str, biz: i64, cond: Expr) -> Result<Vec<i64>> {
        let filter = Expr::and(vec![cond, Expr::field("bk_biz_id", Test::Eq(json!(biz)))]);
        let Some(s) = self.prepare(caller, obj, filter, None).await? else { return Ok(vec![]) };
        let docs = self.run(&s, &Page::default(), &[]).await?;
        Ok(docs.iter().map(|d| int_field(d, cmdb_model::builtin::id_field(obj))).collect())
    }

    /// The topology scope of list_biz_hosts-like requests; `None` when a condition matches nothing.
    async fn biz_scope(&self, caller: &Caller, biz: i64, body: &Body, capped: bool) -> Result<Option<Within>> {
        let (set_max, module_max) = if capped { (SET_IDS_MAX, MODULE_IDS_MAX) } else { (usize::MAX, usize::MAX) };
        let set_ids = ids_max(body, "bk_set_ids", set_max)?;
        let module_ids = ids_max(body, "bk_module_ids", module_max)?;
        let set_cond = cond_rules(body.get("set_cond"), "set_cond")?;
        let module_cond = cond_rules(body.get("module_cond"), "module_cond")?;
        if (!set_ids.is_empty() && set_cond.is_some()) || (!module_ids.is_empty() && module_cond.is_some()) {
            return Err(Error::invalid("bk_set_ids/set_cond"));
        }
        let mut w = Within { biz: Some(biz), ..Default::default() };
        if !set_ids.is_empty() {
            w.sets = Some(set_ids);
        } else if let Some(c) = set_cond {
            w.sets = Some(self.topo_ids(caller, "set", biz, c).await?);
        }
        if !module_ids.is_empty() {
            w.modules = Some(module_ids);
        } else if let Some(c) = module_cond {
            w.modules = Some(self.topo_ids(caller, "module", biz, c).await?);
        }
        if w.sets.as_ref().is_some_and(Vec::is_empty) || w.modules.as_ref().is_some_and(Vec::is_empty) {
            return Ok(None);
        }
        Ok(Some(w))
    }

    async fn list_hosts_in(&self, caller: &Caller, biz: i64, body: &Body, capped: bool) -> Result<Value> {
        let page = host_page(body, BIZ_HOSTS_PAGE_MAX)?;
        let filter = crate::req::opt_filter(body, "host_property_filter", Flavor::QueryBuilder)
            .map_err(|e| Error::invalid(e.message(caller.lang)))?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let Some(scope) = self.biz_scope(caller, biz, body, capped).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        let (count, info) = self.search_hosts(caller, Some(&scope), filter, &page, &fields).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn list_biz_hosts(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        self.list_hosts_in(caller, biz, body, true).await
    }

    pub async fn list_resource_pool_hosts(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let model = self.model_read("biz").await?.ok_or_else(|| Error::internal("biz model missing"))?;
        let filter = Expr::and(vec![tenant_filter(caller), Expr::field("default", Test::Eq(json!(1)))]);
        let pools = self.store.find_instances(&model.query(&filter, &[], 0, 0)).await?;
        let pool = match pools.as_slice() {
            [] => return Err(Error::with(code::BIZ_NOT_EXIST_NAMED, "resource pool")),
            [one] => int_field(one, "bk_biz_id"),
            _ => return Err(Error::new(code::MULTIPLE_FOUND)),
        };
        self.list_hosts_in(caller, pool, body, false).await
    }

    pub async fn list_hosts_without_biz(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut page = Page::parse_check_a(body.get("page"), BIZ_HOSTS_PAGE_MAX)?;
        if page.sort.is_empty() {
            page.sort = vec![("bk_host_id".into(), true)];
        }
        let filter = crate::req::opt_filter(body, "host_property_filter", Flavor::QueryBuilder)
            .map_err(|e| Error::invalid(e.message(caller.lang)))?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let (count, info) = self.search_hosts(caller, None, filter, &page, &fields).await?;
        Ok(crate::page::counted(count, info))
    }

    /// Each host's sets and modules in `biz`: `[{"bk_set_id","bk_set_name","module":[...]}]`.
    async fn host_topos(&self, biz: i64, hosts: &[i64], lang: cmdb_model::Lang) -> Result<HashMap<i64, Value>> {
        let rels = self.store.relations_in(HostScope::Host, hosts, Some(biz)).await?;
        let nodes: HashMap<(String, i64), String> = self
            .store
            .topo_nodes(biz, &["set", "module"])
            .await?
            .into_iter()
            .map(|n| {
                let name = crate::topology::display_name(&n.obj, n.default, &n.name, lang);
                ((n.obj, n.id), name)
            })
            .collect();
        let name = |obj: &str, id: i64| nodes.get(&(obj.to_string(), id)).cloned().unwrap_or_default();
        let mut by_host: HashMap<i64, BTreeMap<i64, Vec<Value>>> = HashMap::new();
        for r in &rels {
            by_host
                .entry(r.host)
                .or_default()
                .entry(r.set)
                .or_default()
                .push(json!({"bk_module_id": r.module, "bk_module_name": name("module", r.module)}));
        }
        Ok(by_host
            .into_iter()
            .map(|(h, sets)| {
                let topo: Vec<Value> = sets
                    .into_iter()
                    .map(|(s, m)| json!({"bk_set_id": s, "bk_set_name": name("set", s), "module": m}))
                    .collect();
                (h, Value::Array(topo))
            })
            .collect())
    }

    pub async fn list_biz_hosts_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        let mut page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            return Err(Error::missing("page.limit"));
        }
        if page.limit > TOPO_PAGE_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "page.limit", TOPO_PAGE_MAX.to_string()));
        }
        page.sort = vec![("bk_host_id".into(), true)];
        let host_filter = crate::req::opt_filter(body, "host_property_filter", Flavor::QueryBuilder)?;
        let set_filter = crate::req::opt_filter(body, "set_property_filter", Flavor::QueryBuilder)?;
        let module_filter = crate::req::opt_filter(body, "module_property_filter", Flavor::QueryBuilder)?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        let mut scope = Within { biz: Some(biz), ..Default::default() };
        if !set_filter.is_all() {
            scope.sets = Some(self.topo_ids(caller, "set", biz, set_filter).await?);
        }
        if !module_filter.is_all() {
            scope.modules = Some(self.topo_ids(caller, "module", biz, module_filter).await?);
        }
        if scope.sets.as_ref().is_some_and(Vec::is_empty) || scope.modules.as_ref().is_some_and(Vec::is_empty) {
            return Ok(json!({"count": 0, "info": []}));
        }
        let (count, hosts) = self.search_hosts(caller, Some(&scope), host_filter, &page, &fields).await?;
        let ids: Vec<i64> = hosts.iter().map(|h| int_field(h, "bk_host_id")).collect();
        let mut topos = self.host_topos(biz, &ids, caller.lang).await?;
        let info: Vec<Value> = hosts
            .into_iter()
            .map(|h| {
                let topo = topos.remove(&int_field(&h, "bk_host_id")).unwrap_or(json!([]));
                json!({"host": h, "topo": topo})
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    pub async fn find_host_biz_relations(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let hosts = crate::req::int_array(body, "bk_host_id")?;
        if hosts.is_empty() || hosts.len() > RELATION_HOSTS_MAX {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_host_id", RELATION_HOSTS_MAX.to_string()));
        }
        let biz = crate::req::typed_int(body, "bk_biz_id")?.filter(|b| *b != 0);
        let rels = self.store.relations_in(HostScope::Host, &hosts, biz).await?;
        Ok(Value::Array(rels.iter().map(|r| super::relation_doc(r, &caller.supplier)).collect()))
    }

    pub async fn find_host_topo_relation(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let sets = crate::req::int_array(body, "bk_set_ids")?;
        let modules = crate::req::int_array(body, "bk_module_ids")?;
        let hosts = crate::req::int_array(body, "bk_host_ids")?;
        if biz == 0 && sets.is_empty() && modules.is_empty() && hosts.is_empty() {
            return Err(Error::new(code::BODY_EMPTY));
        }
        if sets.len() > SET_IDS_MAX || modules.len() > MODULE_IDS_MAX || hosts.len() > RELATION_HOSTS_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "bk_set_ids/bk_module_ids/bk_host_ids", "200/500/500"));
        }
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || (page.limit > 1000 && page.limit != 999_999_999) {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        let mut rels: Vec<HostRelation> = if !hosts.is_empty() {
            self.store.relations_in(HostScope::Host, &hosts, None).await?
        } else if !modules.is_empty() {
            self.store.relations_in(HostScope::Module, &modules, None).await?
        } else if !sets.is_empty() {
            self.store.relations_in(HostScope::Set, &sets, None).await?
        } else {
            self.store.host_relations(HostScope::Biz, &[biz]).await?
        };
        rels.retain(|r| {
            (biz == 0 || r.biz == biz)
                && (sets.is_empty() || sets.contains(&r.set))
                && (modules.is_empty() || modules.contains(&r.module))
                && (hosts.is_empty() || hosts.contains(&r.host))
        });
        let count = rels.len();
        let data: Vec<Value> =
            rels.iter().skip(page.start).take(page.limit).map(|r| super::relation_doc(r, &caller.supplier)).collect();
        Ok(json!({"count": count, "data": data, "page": {"start": page.start, "limit": page.limit}}))
    }

    pub async fn find_module_host_relation(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        let modules = crate::req::int_array(body, "bk_module_ids")?;
        if modules.is_empty() || modules.len() > SET_IDS_MAX {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_module_ids", SET_IDS_MAX.to_string()));
        }
        let module_fields = crate::topology::required_fields(body, "module_fields")?;
        let host_fields = crate::topology::required_fields(body, "host_fields")?;
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || (page.limit > 1000 && page.limit != 999_999_999) {
            return Err(Error::invalid("page.limit"));
        }
        let scope = Within { biz: Some(biz), modules: Some(modules), ..Default::default() };
        let page = Page { sort: vec![("bk_host_id".into(), true)], ..page };
        let (count, hosts) = self.search_hosts(caller, Some(&scope), Expr::all(), &page, &host_fields).await?;
        let ids: Vec<i64> = hosts.iter().map(|h| int_field(h, "bk_host_id")).collect();
        let rels = self.store.relations_in(HostScope::Host, &ids, Some(biz)).await?;
        let module_docs = self
            .store
            .find_docs(
                cmdb_store::Kind::Instance,
                &[
                    cmdb_store::Filter::Eq("obj_id", "module".into()),
                    cmdb_store::Filter::Eq("biz_id", cmdb_store::Param::Int(biz)),
                ],
            )
            .await?;
        let by_id: HashMap<i64, &Value> = module_docs.iter().map(|m| (int_field(m, "bk_module_id"), m)).collect();
        let relation: Vec<Value> = hosts
            .into_iter()
            .map(|h| {
                let id = int_field(&h, "bk_host_id");
                let mods: Vec<Value> = rels
                    .iter()
                    .filter(|r| r.host == id)
                    .filter_map(|r| by_id.get(&r.module))
                    .map(|m| {
                        let mut m = (*m).clone();
                        crate::topology::translate(&mut m, "module", caller.lang);
                        project(m, &module_fields)
                    })
                    .collect();
                json!({"host": h, "modules": mods})
            })
            .collect();
        Ok(json!({"count": count, "relation": relation}))
    }

    /// Sets under a topology node of `biz`: itself for a set, its set for a module, every
    /// non-idle set below a custom-level instance.
    async fn node_scope(&self, biz: i64, obj: &str, ids: &[i64]) -> Result<Within> {
        let mut w = Within { biz: Some(biz), ..Default::default() };
        match obj {
            "set" => w.sets = Some(ids.to_vec()),
            "module" => w.modules = Some(ids.to_vec()),
            _ => {
                let levels = crate::instance::mainline::chain(&mut &self.store).await?;
                let pos = levels.iter().position(|l| l == obj).ok_or_else(|| Error::invalid("bk_obj_id"))?;
                let below: Vec<&str> = levels[pos + 1..].iter().filter(|l| *l != "host").map(String::as_str).collect();
                let nodes = self.store.topo_nodes(biz, &below).await?;
                let mut current: Vec<i64> = ids.to_vec();
                for level in below.iter().take_while(|l| **l != "module") {
                    current = nodes
                        .iter()
                        .filter(|n| {
                            n.obj == *level && current.contains(&n.parent) && !(n.obj == "set" && n.default != 0)
                        })
                        .map(|n| n.id)
                        .collect();
                }
                w.sets = Some(current);
            }
        }
        Ok(w)
    }

    pub async fn find_host_by_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let obj = crate::req::typed_str(body, "bk_obj_id")?.unwrap_or_default();
        let inst = crate::req::typed_int(body, "bk_inst_id")?.unwrap_or(0);
        if biz <= 0 || inst <= 0 || obj.is_empty() || obj == "biz" || obj == "host" {
            return Err(Error::invalid("bk_biz_id/bk_obj_id/bk_inst_id"));
        }
        let fields = crate::topology::required_fields(body, "fields")?;
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || (page.limit > 1000 && page.limit != 999_999_999) {
            return Err(Error::invalid("page.limit"));
        }
        let page = Page { sort: vec![("bk_host_id".into(), true)], ..page };
        let scope = self.node_scope(biz, &obj, &[inst]).await?;
        if scope.sets.as_ref().is_some_and(Vec::is_empty) {
            return Ok(json!({"count": 0, "info": []}));
        }
        let (count, info) = self.search_hosts(caller, Some(&scope), Expr::all(), &page, &fields).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn find_host_relations_with_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let obj = crate::req::typed_str(body, "bk_obj_id")?.unwrap_or_default();
        let ids = crate::req::int_array(body, "bk_inst_ids")?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        if biz <= 0 || obj.is_empty() || ids.is_empty() || fields.is_empty() {
            return Err(Error::missing("bk_biz_id/bk_obj_id/bk_inst_ids/fields"));
        }
        if obj == "biz" || obj == "host" || ids.len() > 50 {
            return Err(Error::invalid("bk_obj_id/bk_inst_ids"));
        }
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || page.limit > TOPO_PAGE_MAX {
            return Err(Error::invalid("page.limit"));
        }
        let scope = self.node_scope(biz, &obj, &ids).await?;
        let mut rels = self.store.host_relations(HostScope::Biz, &[biz]).await?;
        rels.retain(|r| {
            scope.sets.as_ref().is_none_or(|s| s.contains(&r.set))
                && scope.modules.as_ref().is_none_or(|m| m.contains(&r.module))
        });
        let count = rels.len();
        let info: Vec<Value> = rels
            .iter()
            .skip(page.start)
            .take(page.limit)
            .map(|r| project(super::relation_doc(r, &caller.supplier), &fields))
            .collect();
        Ok(crate::page::counted(count, info))
    }

    pub async fn get_host_base_info(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "bk_host_id")?;
        let model = self.host_model_read().await?;
        let filter = Expr::and(vec![tenant_filter(caller), Expr::field("bk_host_id", Test::Eq(json!(id)))]);
        let doc = self
            .store
            .find_instances(&model.query(&filter, &[], 0, 0))
            .await?
            .pop()
            .ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
        let doc = render_host(doc, &model);
        let out: Vec<Value> = model
            .attrs
            .iter()
            .filter(|a| a.biz_id == 0)
            .map(|a| {
                let value = if a.type_name == "innertable" || a.type_name == "table" {
                    Value::Null
                } else {
                    doc.get(&a.prop).cloned().unwrap_or(Value::Null)
                };
                let name = match caller.lang {
                    cmdb_model::Lang::En => cmdb_model::i18n::attribute("host", &a.prop).map(str::to_string),
                    cmdb_model::Lang::Zh => None,
                };
                json!({"bk_property_id": a.prop, "bk_property_name": name.unwrap_or_else(|| a.name.clone()), "bk_property_value": value})
            })
            .collect();
        Ok(Value::Array(out))
    }

    pub async fn count_biz_host_cpu(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?;
        let has_page = body.get("page").is_some_and(|p| !p.is_null());
        let bizs: Vec<i64> = match (biz, has_page) {
            (None, false) | (Some(0), false) => return Err(Error::missing("bk_biz_id/page")),
            (Some(b), true) if b != 0 => return Err(Error::invalid("bk_biz_id/page")),
            (Some(b), _) if b < 0 => return Err(Error::invalid("bk_biz_id")),
            (Some(b), false) => vec![b],
            (_, true) => {
                let page = Page::parse(body.get("page"))?;
                if page.limit == 0 {
                    return Err(Error::missing("page.limit"));
                }
                if page.limit > 10 {
                    return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
                }
                let model = self.model_read("biz").await?.ok_or_else(|| Error::internal("biz model missing"))?;
                let filter = Expr::and(vec![
                    tenant_filter(caller),
                    Expr::negate(Expr::field("bk_data_status", Test::Eq(json!("disabled")))),
                ]);
                let sort = [("bk_biz_id".to_string(), true)];
                let docs = self.store.find_instances(&model.query(&filter, &sort, page.start, page.limit)).await?;
                docs.iter().map(|d| int_field(d, "bk_biz_id")).collect()
            }
        };
        let model = self.host_model_read().await?;
        let mut out = Vec::new();
        for b in bizs {
            let scope = Within { biz: Some(b), ..Default::default() };
            let filter = tenant_filter(caller);
            let mut q = model.query(&filter, &[], 0, 0);
            q.within = Some(&scope);
            let hosts = self.store.find_instances(&q).await?;
            let cpus: Vec<i64> = hosts.iter().map(|h| h.get("bk_cpu").and_then(Value::as_i64).unwrap_or(0)).collect();
            out.push(json!({
                "bk_biz_id": b, "host_count": hosts.len(), "cpu_count": cpus.iter().sum::<i64>(),
                "no_cpu_host_count": cpus.iter().filter(|c| **c == 0).count(),
            }));
        }
        Ok(Value::Array(out))
    }
}
