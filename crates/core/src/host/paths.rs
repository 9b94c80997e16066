//! Hosts with their mainline paths (hosts.md §6: list_host_detail_topology,
//! list_host_total_mainline_topo) and host_install_bk.

use super::{hosts_by_id, insert_hosts, internal_module, new_host_doc, render_host};
use crate::instance::{mainline, parse_fields, project, tenant_filter};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::query::{self, Expr, Flavor, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::instances::Within;
use cmdb_store::topo::{HostRelation, HostScope, TopoNode};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const PATH_PAGE_MAX: usize = 500;

/// One business' nodes, for walking from a module up to the business.
struct Nodes {
    levels: Vec<String>,
    by_key: HashMap<(String, i64), TopoNode>,
}

impl Nodes {
    fn parent(&self, n: &TopoNode) -> Option<(String, i64)> {
        let p = self.levels.iter().position(|l| *l == n.obj).filter(|p| *p > 0)?;
        let obj = if n.obj == "set" && n.default != 0 { "biz" } else { self.levels[p - 1].as_str() };
        Some((obj.to_string(), n.parent))
    }

    /// The path from the top level (or the business with `with_biz`) down to module `m`.
    fn path(&self, biz: &TopoNode, m: i64, with_biz: bool) -> Vec<TopoNode> {
        let mut out = Vec::new();
        let mut cur = self.by_key.get(&("module".to_string(), m)).cloned();
        while let Some(n) = cur {
            let up = self.parent(&n);
            out.push(n);
            cur = match up {
                Some((o, _)) if o == "biz" => None,
                Some(k) => self.by_key.get(&k).cloned(),
                None => None,
            };
        }
        if with_biz {
            out.push(biz.clone());
        }
        out.reverse();
        out
    }
}

/// `{"inst": {"obj","name","id"}, "children": [...] | null}` trees merged from paths.
fn merge(tree: &mut Vec<Value>, path: &[TopoNode]) {
    let Some((first, rest)) = path.split_first() else { return };
    let pos = tree.iter().position(|t| t["inst"]["obj"] == first.obj.as_str() && t["inst"]["id"] == first.id);
    let i = match pos {
        Some(i) => i,
        None => {
            tree.push(json!({"inst": {"obj": first.obj, "name": first.name, "id": first.id}, "children": null}));
            tree.len() - 1
        }
    };
    if rest.is_empty() {
        return;
    }
    let node = &mut tree[i];
    if node["children"].is_null() {
        node["children"] = json!([]);
    }
    if let Some(children) = node["children"].as_array_mut() {
        merge(children, rest);
    }
}

impl Core {
    async fn nodes_of(&self, biz: i64, levels: &[String], lang: cmdb_model::Lang) -> Result<Nodes> {
        let objs: Vec<&str> = levels.iter().skip(1).map(String::as_str).collect();
        let mut nodes = self.store.topo_nodes(biz, &objs).await?;
        for n in &mut nodes {
            n.name = crate::topology::display_name(&n.obj, n.default, &n.name, lang);
        }
        Ok(Nodes { levels: levels.to_vec(), by_key: nodes.into_iter().map(|n| ((n.obj.clone(), n.id), n)).collect() })
    }

    /// The merged topology trees of hosts (all their businesses).
    async fn host_trees(&self, caller: &Caller, hosts: &[i64], with_biz: bool) -> Result<HashMap<i64, Vec<Value>>> {
        let rels = self.store.relations_in(HostScope::Host, hosts, None).await?;
        let mut levels = mainline::chain(&mut &self.store).await?;
        levels.retain(|l| l != "host");
        let bizs: HashSet<i64> = rels.iter().map(|r| r.biz).collect();
        let mut per_biz = HashMap::new();
        for b in bizs {
            let name = self
                .business_doc(caller, b)
                .await?
                .map(|d| {
                    crate::topology::display_name(
                        "biz",
                        int_field(&d, "default"),
                        str_field(&d, "bk_biz_name"),
                        caller.lang,
                    )
                })
                .unwrap_or_default();
            let root = TopoNode { obj: "biz".into(), id: b, name, parent: 0, default: 0 };
            per_biz.insert(b, (root, self.nodes_of(b, &levels, caller.lang).await?));
        }
        let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
        for r in &rels {
            let (root, nodes) = &per_biz[&r.biz];
            merge(out.entry(r.host).or_default(), &nodes.path(root, r.module, with_biz));
        }
        Ok(out)
    }

    async fn hosts_with_paths(
        &self,
        caller: &Caller,
        scope: Option<&Within>,
        filter: Expr,
        page: &Page,
        fields: &[String],
        with_biz: bool,
    ) -> Result<(i64, Vec<Value>)> {
        let model = self.model_read("host").await?.ok_or_else(|| Error::internal("host model missing"))?;
        let filter = Expr::and(vec![tenant_filter(caller), filter]);
        let sort = [("bk_host_id".to_string(), true)];
        let mut q = model.query(&filter, &sort, page.start, page.limit);
        q.within = scope;
        let docs = self.store.find_instances(&q).await?;
        let mut cq = model.query(&filter, &[], 0, 0);
        cq.within = scope;
        let count = self.store.count_instances(&cq).await?;
        let ids: Vec<i64> = docs.iter().map(|d| int_field(d, "bk_host_id")).collect();
        let mut trees = self.host_trees(caller, &ids, with_biz).await?;
        let info = docs
            .into_iter()
            .map(|d| {
                let id = int_field(&d, "bk_host_id");
                json!({"host": project(render_host(d, &model), fields), "topo": trees.remove(&id).unwrap_or_default()})
            })
            .collect();
        Ok((count, info))
    }

    pub async fn list_host_detail_topology(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let page = Page::parse_check_a(body.get("page"), 1000)?;
        if page.limit > PATH_PAGE_MAX {
            return Err(Error::invalid("page.limit"));
        }
        let filter = crate::req::opt_filter(body, "host_property_filter", Flavor::QueryBuilder)?;
        let fields = crate::topology::required_fields(body, "fields")?;
        let with_biz = body.get("with_biz").and_then(Value::as_bool).unwrap_or(false);
        let (count, info) = self.hosts_with_paths(caller, None, filter, &page, &fields, with_biz).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn list_host_total_mainline_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            return Err(Error::missing("page.limit"));
        }
        if page.limit > PATH_PAGE_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "page.limit", PATH_PAGE_MAX.to_string()));
        }
        let mut level_filters: HashMap<String, Expr> = HashMap::new();
        for f in crate::req::array(body, "mainline_property_filters")? {
            let obj = f.get("bk_obj_id").and_then(Value::as_str).unwrap_or("").to_string();
            if obj.is_empty() || obj == "set" || obj == "module" {
                continue;
            }
            let e = query::parse_filter(f.get("filter").unwrap_or(&Value::Null), Flavor::QueryBuilder, "filter", true)?;
            level_filters.insert(obj, e);
        }
        for (k, obj) in [("set_property_filter", "set"), ("module_property_filter", "module")] {
            let e = crate::req::opt_filter(body, k, Flavor::QueryBuilder)?;
            if !e.is_all() {
                level_filters.insert(obj.to_string(), e);
            }
        }
        let host_filter = crate::req::opt_filter(body, "host_property_filter", Flavor::QueryBuilder)?;
        let fields = parse_fields(body.get("fields"), "fields")?;
        // Cascade the level filters top-down inside the business.
        let mut levels = mainline::chain(&mut &self.store).await?;
        levels.retain(|l| l != "host");
        let mut parents: Option<HashSet<i64>> = None;
        let mut modules: Option<Vec<i64>> = None;
        let mut restricted = false;
        for level in levels.iter().skip(1) {
            let filter = level_filters.get(level.as_str());
            if filter.is_none() && !restricted {
                continue;
            }
            let mut parts = vec![Expr::field("bk_biz_id", Test::Eq(json!(biz)))];
            if let Some(f) = filter {
                parts.push(f.clone());
            }
            let Some(s) = self.prepare(caller, level, Expr::and(parts), None).await? else {
                return Ok(json!({"count": 0, "info": []}));
            };
            let id_field = cmdb_model::builtin::id_field(level);
            let matched: HashSet<i64> = self
                .run(&s, &Page::default(), &[])
                .await?
                .iter()
                .filter(|d| parents.as_ref().is_none_or(|p| p.contains(&int_field(d, "bk_parent_id"))))
                .map(|d| int_field(d, id_field))
                .collect();
            if matched.is_empty() {
                return Ok(json!({"count": 0, "info": []}));
            }
            restricted = true;
            if level == "module" {
                modules = Some(matched.iter().copied().collect());
            }
            parents = Some(matched);
        }
        let scope = Within { biz: Some(biz), modules, ..Default::default() };
        let (_, info) = self.hosts_with_paths(caller, Some(&scope), host_filter, &page, &fields, false).await?;
        // `count` is the number of items of this page, as in the original.
        Ok(crate::page::counted(info.len(), info))
    }

    pub async fn host_install_bk(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let text =
            |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (Some(set_name), Some(module_name), Some(ip)) =
            (text("bk_set_name"), text("bk_module_name"), text("bk_host_innerip"))
        else {
            return Err(Error::missing("bk_set_name/bk_module_name/bk_host_innerip"));
        };
        let cloud = crate::req::typed_int(body, "bk_cloud_id")?.unwrap_or(0);
        let info = crate::req::opt_obj(body, "host_info")?.cloned().unwrap_or_default();
        let mut tx = self.store.begin().await?;
        let bizs = tx.find_docs(cmdb_store::Kind::Instance, &[cmdb_store::Filter::Eq("obj_id", "biz".into())]).await?;
        let biz = bizs
            .iter()
            .find(|b| str_field(b, "bk_biz_name") == "蓝鲸" && crate::tenant::doc_visible(&caller.supplier, b))
            .map(|b| int_field(b, "bk_biz_id"))
            .ok_or_else(|| Error::with(code::BIZ_NOT_EXIST_NAMED, "蓝鲸"))?;
        if super::existing_clouds(&mut tx, &[cloud]).await?.is_empty() {
            return Err(Error::new(code::CLOUD_AREA_NOT_FOUND));
        }
        let nodes = tx.topo_nodes(biz, &["set", "module"]).await?;
        let set = nodes
            .iter()
            .find(|n| n.obj == "set" && n.name == set_name)
            .ok_or_else(|| Error::with(code::TOPO_NOT_NEIGHBOUR, set_name.clone()))?;
        let module = nodes
            .iter()
            .find(|n| n.obj == "module" && n.parent == set.id && n.name == module_name)
            .ok_or_else(|| Error::with(code::TOPO_NOT_NEIGHBOUR, module_name.clone()))?
            .clone();
        let model = self.host_model(&mut tx).await?;
        let host = match super::host_by_ip(&mut tx, cloud, &ip).await? {
            Some(h) => {
                let rels: Vec<HostRelation> = tx.relations_of_hosts(&[h]).await?;
                if rels.iter().any(|r| r.biz != biz) {
                    return Err(Error::new(code::HOST_NOT_IN_BIZ));
                }
                let old = hosts_by_id(&mut tx, &[h]).await?.pop().ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
                let mut data = info.clone();
                for k in ["bk_host_innerip", "bk_cloud_id", "bk_host_id"] {
                    data.remove(k);
                }
                let changes = super::host_changes(&mut tx, caller, &model, biz, &data).await?;
                self.update_host_doc(&mut tx, caller, &model, &old, changes).await?;
                h
            }
            None => {
                let mut row = info.clone();
                row.insert("bk_host_innerip".into(), json!(ip));
                row.insert("bk_cloud_id".into(), json!(cloud));
                let doc = new_host_doc(&mut tx, caller, &model, row, false, false).await?;
                let (idle, idle_set) = internal_module(&mut tx, biz, 1)
                    .await?
                    .ok_or_else(|| Error::new(code::BIZ_MODULE_LOOKUP_FAILED))?;
                let target = HostRelation { host: 0, module: idle, set: idle_set, biz };
                insert_hosts(&mut tx, caller, &model, vec![doc], target).await?[0]
            }
        };
        let current = tx.relations_of_hosts(&[host]).await?;
        if !current.iter().any(|r| r.module == module.id) {
            let increment = module.default == 0;
            self.move_hosts(&mut tx, caller, biz, &[host], vec![module.id], increment).await?;
        }
        if let Some(proc_info) = crate::req::opt_obj(body, "proc_info")? {
            crate::service::update_processes_by_func(self, &mut tx, caller, host, module.id, proc_info).await?;
        }
        tx.commit().await?;
        Ok(json!(""))
    }
}
