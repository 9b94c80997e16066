//! Reads of the business topology (topology.md §6): the mainline chain, the instance tree in its
//! several shapes, node paths and level-to-level relations. Trees are built from one read of the
//! business' topology nodes (key columns only), so they are never stale after a write.

use super::{display_name, model_name, required_fields};
use crate::instance::{mainline, project, render};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::{path_int, Body};
use crate::Core;
use cmdb_model::{builtin, code, Caller, Error, Lang, Result};
use cmdb_store::topo::{HostScope, TopoNode};
use cmdb_store::{Filter, Kind, Param};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const PATH_NODES_MAX: usize = 1000;
const RELATION_SRC_MAX: usize = 200;
const RELATION_PAGE_MAX: usize = 500;

/// One business' topology: its levels (biz first, host excluded) and every node below the biz.
struct Topo {
    levels: Vec<String>,
    nodes: Vec<TopoNode>,
    /// Children of `(obj, id)`, in id order.
    children: HashMap<(String, i64), Vec<usize>>,
    /// Position in `nodes` of `(obj, id)`.
    index: HashMap<(String, i64), usize>,
}

impl Topo {
    fn new(levels: Vec<String>, nodes: Vec<TopoNode>) -> Topo {
        let mut children: HashMap<(String, i64), Vec<usize>> = HashMap::new();
        let index = nodes.iter().enumerate().map(|(i, n)| ((n.obj.clone(), n.id), i)).collect();
        let pos = |o: &str| levels.iter().position(|l| l == o);
        for (i, n) in nodes.iter().enumerate() {
            let Some(p) = pos(&n.obj).filter(|p| *p > 0) else { continue };
            // The idle set hangs under the business whatever levels lie between.
            let parent_obj = if n.obj == "set" && n.default != 0 { "biz" } else { levels[p - 1].as_str() };
            children.entry((parent_obj.to_string(), n.parent)).or_default().push(i);
        }
        Topo { levels, nodes, children, index }
    }

    fn children_of(&self, obj: &str, id: i64) -> impl Iterator<Item = &TopoNode> {
        self.children.get(&(obj.to_string(), id)).into_iter().flatten().map(|i| &self.nodes[*i])
    }

    fn find(&self, obj: &str, id: i64) -> Option<&TopoNode> {
        self.index.get(&(obj.to_string(), id)).map(|i| &self.nodes[*i])
    }

    /// The parent of a node (`None` for the business).
    fn parent_of(&self, n: &TopoNode) -> Option<(&str, i64)> {
        let p = self.levels.iter().position(|l| *l == n.obj).filter(|p| *p > 0)?;
        let obj = if n.obj == "set" && n.default != 0 { "biz" } else { self.levels[p - 1].as_str() };
        Some((obj, n.parent))
    }
}

/// The mainline chain without `host`.
async fn levels_of(core: &Core) -> Result<Vec<String>> {
    let mut levels = mainline::chain(&mut &core.store).await?;
    levels.retain(|l| l != "host");
    Ok(levels)
}

impl Core {
    /// The business `biz` as the caller sees it, with its whole topology.
    async fn topo_of(&self, caller: &Caller, biz: i64) -> Result<Option<(Value, Topo)>> {
        let Some(doc) = self.business_doc(caller, biz).await? else { return Ok(None) };
        let levels = levels_of(self).await?;
        let objs: Vec<&str> = levels.iter().skip(1).map(String::as_str).collect();
        let nodes = self.store.topo_nodes(biz, &objs).await?;
        Ok(Some((doc, Topo::new(levels, nodes))))
    }

    /// The business `biz` as the caller sees it (reader pool).
    pub(crate) async fn business_doc(&self, caller: &Caller, biz: i64) -> Result<Option<Value>> {
        if biz <= 0 {
            return Ok(None);
        }
        let docs = self
            .store
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into()), Filter::Eq("id", Param::Int(biz))])
            .await?;
        Ok(docs.into_iter().find(|d| crate::tenant::doc_visible(&caller.supplier, d)))
    }

    /// Display names of the models of the chain.
    async fn level_names(&self, levels: &[String], lang: Lang) -> Result<HashMap<String, String>> {
        let params: Vec<Param> = levels.iter().map(|l| Param::Text(l.clone())).collect();
        let objects = self.store.find_docs(Kind::Object, &[Filter::In("obj_id", params)]).await?;
        Ok(objects
            .iter()
            .map(|o| {
                let id = str_field(o, "bk_obj_id");
                (id.to_string(), model_name(id, str_field(o, "bk_obj_name"), lang))
            })
            .collect())
    }

    pub async fn get_mainline_object_topo(&self, caller: &Caller, _body: &Body) -> Result<Value> {
        let levels = mainline::chain(&mut &self.store).await?;
        let names = self.level_names(&levels, caller.lang).await?;
        let name = |i: Option<&String>| i.and_then(|o| names.get(o)).cloned().unwrap_or_default();
        let out: Vec<Value> = levels
            .iter()
            .enumerate()
            .map(|(i, obj)| {
                let next = levels.get(i + 1);
                let pre = if i == 0 { None } else { levels.get(i - 1) };
                json!({
                    "bk_obj_id": obj, "bk_obj_name": name(Some(obj)), "bk_supplier_account": caller.supplier,
                    "bk_next_obj": next.cloned().unwrap_or_default(), "bk_next_name": name(next),
                    "bk_pre_obj_id": pre.cloned().unwrap_or_default(), "bk_pre_obj_name": name(pre),
                })
            })
            .collect();
        Ok(Value::Array(out))
    }

    pub async fn search_biz_inst_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let Some((doc, topo)) = self.topo_of(caller, biz).await? else { return Ok(json!([])) };
        let names = self.level_names(&topo.levels, caller.lang).await?;
        fn subtree(topo: &Topo, names: &HashMap<String, String>, lang: Lang, n: &TopoNode) -> Value {
            let mut kids: Vec<&TopoNode> =
                topo.children_of(&n.obj, n.id).filter(|c| !(c.obj == "set" && c.default != 0)).collect();
            kids.sort_by_key(|c| (c.default, c.id));
            json!({
                "bk_inst_id": n.id, "bk_inst_name": display_name(&n.obj, n.default, &n.name, lang), "bk_obj_id": n.obj,
                "bk_obj_name": names.get(&n.obj).cloned().unwrap_or_default(), "default": n.default,
                "child": kids.iter().map(|c| subtree(topo, names, lang, c)).collect::<Vec<_>>(),
            })
        }
        let root = biz_node(&doc);
        Ok(json!([subtree(&topo, &names, caller.lang, &root)]))
    }

    pub async fn get_biz_brief_cache_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let Some((doc, topo)) = self.topo_of(caller, biz).await? else {
            return Err(Error::with(code::NOT_FOUND, "bk_biz_id"));
        };
        fn brief(topo: &Topo, lang: Lang, n: &TopoNode) -> Value {
            let mut m = Map::new();
            m.insert("obj".into(), json!(n.obj));
            m.insert("id".into(), json!(n.id));
            m.insert("nm".into(), json!(display_name(&n.obj, n.default, &n.name, lang)));
            if n.obj == "set" || n.obj == "module" {
                m.insert("dft".into(), json!(n.default));
            }
            m.insert("nds".into(), nodes_json(topo, lang, topo.children_of(&n.obj, n.id).collect()));
            Value::Object(m)
        }
        fn nodes_json(topo: &Topo, lang: Lang, mut kids: Vec<&TopoNode>) -> Value {
            if kids.is_empty() {
                return Value::Null;
            }
            let name = |n: &TopoNode| display_name(&n.obj, n.default, &n.name, lang);
            kids.sort_by(|a, b| name(a).cmp(&name(b)).then(a.id.cmp(&b.id)));
            Value::Array(kids.iter().map(|k| brief(topo, lang, k)).collect())
        }
        let (idle, normal): (Vec<&TopoNode>, Vec<&TopoNode>) =
            topo.children_of("biz", biz).partition(|n| n.obj == "set" && n.default != 0);
        let idle = nodes_json(&topo, caller.lang, idle);
        Ok(json!({
            "biz": {
                "id": biz,
                "nm": display_name("biz", int_field(&doc, "default"), str_field(&doc, "bk_biz_name"), caller.lang),
                "dft": int_field(&doc, "default"),
                "bk_supplier_account": str_field(&doc, "bk_supplier_account"),
            },
            "idle": if idle.is_null() { json!([]) } else { idle },
            "nds": nodes_json(&topo, caller.lang, normal),
        }))
    }

    pub async fn find_topo_node_paths(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        if biz <= 0 {
            return Err(Error::is_invalid("bk_biz_id"));
        }
        let nodes = crate::req::array(body, "bk_nodes")?;
        crate::req::bounded(nodes.len(), "bk_nodes", PATH_NODES_MAX)?;
        let levels = levels_of(self).await?;
        let mut wanted = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let obj = n.get("bk_obj_id").and_then(Value::as_str).unwrap_or("");
            let id = n.get("bk_inst_id").and_then(Value::as_i64).unwrap_or(0);
            if obj == "host" {
                return Err(Error::invalid("bk_obj_id"));
            }
            if obj.is_empty() || obj == "biz" || !levels.iter().any(|l| l == obj) {
                return Err(Error::is_invalid("bk_obj_id"));
            }
            if id <= 0 {
                return Err(Error::is_invalid("bk_inst_id"));
            }
            wanted.push((obj.to_string(), id));
        }
        let Some((doc, topo)) = self.topo_of(caller, biz).await? else { return Ok(json!([])) };
        let root = biz_node(&doc);
        let brief = |n: &TopoNode| json!({"bk_obj_id": n.obj, "bk_inst_id": n.id, "bk_inst_name": display_name(&n.obj, n.default, &n.name, caller.lang)});
        let mut out = Vec::new();
        for (obj, id) in wanted {
            let Some(node) = topo.find(&obj, id) else { continue };
            let mut path = Vec::new();
            let mut cur = topo.parent_of(node);
            while let Some((pobj, pid)) = cur {
                if pobj == "biz" {
                    path.push(brief(&root));
                    break;
                }
                let Some(p) = topo.find(pobj, pid) else { break };
                path.push(brief(p));
                cur = topo.parent_of(p);
            }
            path.reverse();
            let mut item = brief(node);
            item["bk_paths"] = json!([path]);
            out.push(item);
        }
        Ok(Value::Array(out))
    }

    pub async fn find_brief_biz_topo_node_relation(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let src = crate::req::typed_str(body, "src_biz_obj")?.unwrap_or_default();
        let dest = crate::req::typed_str(body, "dest_biz_obj")?.unwrap_or_default();
        let src_ids = crate::req::int_array(body, "src_ids")?;
        let page = Page::parse(body.get("page"))?;
        if src.is_empty() || dest.is_empty() || src == dest || src == "host" || dest == "host" {
            return Err(Error::invalid("src_biz_obj/dest_biz_obj"));
        }
        if src_ids.is_empty() || src_ids.len() > RELATION_SRC_MAX {
            return Err(Error::invalid("src_ids"));
        }
        if page.limit == 0 || page.limit > RELATION_PAGE_MAX || !page.sort.is_empty() {
            return Err(Error::invalid("page"));
        }
        let levels = levels_of(self).await?;
        let (Some(sp), Some(dp)) = (levels.iter().position(|l| *l == src), levels.iter().position(|l| *l == dest))
        else {
            return Err(Error::new(code::MAINLINE_ASSOCIATION_NOT_EXIST));
        };
        if sp != 0 && dp != 0 && sp.abs_diff(dp) != 1 {
            return Err(Error::with(code::TOPO_NOT_NEIGHBOUR, dest.clone()));
        }
        // The businesses the source nodes live in.
        let params: Vec<Param> = src_ids.iter().map(|i| Param::Int(*i)).collect();
        let src_docs = self
            .store
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(src.clone())), Filter::In("id", params)])
            .await?;
        let mut bizs: Vec<i64> = src_docs
            .iter()
            .filter(|d| crate::tenant::doc_visible(&caller.supplier, d))
            .map(|d| int_field(d, "bk_biz_id"))
            .collect();
        bizs.sort_unstable();
        bizs.dedup();
        let mut rows: Vec<(i64, i64, i64)> = Vec::new();
        for biz in bizs {
            let objs: Vec<&str> = levels.iter().skip(1).map(String::as_str).collect();
            let topo = Topo::new(levels.clone(), self.store.topo_nodes(biz, &objs).await?);
            let root = TopoNode { obj: "biz".into(), id: biz, name: String::new(), parent: 0, default: 0 };
            let in_biz: Vec<&TopoNode> = if src == "biz" {
                vec![&root]
            } else {
                topo.nodes.iter().filter(|n| n.obj == src && src_ids.contains(&n.id)).collect()
            };
            for s in in_biz {
                if dest == "biz" {
                    rows.push((biz, s.id, biz));
                } else if src == "biz" {
                    rows.extend(topo.nodes.iter().filter(|n| n.obj == dest).map(|n| (biz, s.id, n.id)));
                } else if dp == sp + 1 {
                    rows.extend(topo.children_of(&s.obj, s.id).filter(|n| n.obj == dest).map(|n| (biz, s.id, n.id)));
                } else if let Some((_, pid)) = topo.parent_of(s).filter(|(o, _)| *o == dest) {
                    rows.push((biz, s.id, pid));
                }
            }
        }
        rows.sort_by_key(|r| (r.2, r.1));
        let rows: Vec<Value> =
            rows.into_iter().map(|(b, s, d)| json!({"bk_biz_id": b, "src_id": s, "dest_id": d})).collect();
        Ok(Value::Array(crate::page::apply(rows, &Page { start: page.start, limit: page.limit, sort: vec![] })))
    }

    pub async fn find_biz_tree_brief_info(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let set_fields = required_fields(body, "set_fields")?;
        let module_fields = required_fields(body, "module_fields")?;
        let host_fields = required_fields(body, "host_fields")?;
        if self.business_doc(caller, biz).await?.is_none() {
            return Ok(json!([]));
        }
        let in_biz = |obj: &'static str| [Filter::Eq("obj_id", obj.into()), Filter::Eq("biz_id", Param::Int(biz))];
        let sets = self.store.find_docs(Kind::Instance, &in_biz("set")).await?;
        if sets.is_empty() {
            return Ok(json!([]));
        }
        let modules = self.store.find_docs(Kind::Instance, &in_biz("module")).await?;
        let relations = self.store.host_relations(HostScope::Biz, &[biz]).await?;
        let mut host_ids: Vec<i64> = relations.iter().map(|r| r.host).collect();
        host_ids.sort_unstable();
        host_ids.dedup();
        let mut hosts: HashMap<i64, Value> = HashMap::new();
        let host_times = match self.model_read("host").await? {
            Some(m) => m.time_fields(),
            None => Default::default(),
        };
        for chunk in host_ids.chunks(500) {
            let params: Vec<Param> = chunk.iter().map(|i| Param::Int(*i)).collect();
            for h in self
                .store
                .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "host".into()), Filter::In("id", params)])
                .await?
            {
                hosts.insert(int_field(&h, "bk_host_id"), project(render(h, &host_times), &host_fields));
            }
        }
        let lang = caller.lang;
        let mut hosts_of: HashMap<i64, Vec<Value>> = HashMap::new();
        for r in &relations {
            if let Some(h) = hosts.get(&r.host) {
                hosts_of.entry(r.module).or_default().push(h.clone());
            }
        }
        let mut modules_of: HashMap<i64, Vec<Value>> = HashMap::new();
        for mut m in modules {
            let (set_id, mid) = (int_field(&m, "bk_set_id"), int_field(&m, "bk_module_id"));
            super::translate(&mut m, "module", lang);
            let hs = hosts_of.remove(&mid).unwrap_or_default();
            modules_of.entry(set_id).or_default().push(json!({"module": project(m, &module_fields), "hosts": hs}));
        }
        let out: Vec<Value> = sets
            .into_iter()
            .map(|mut set| {
                let mods = modules_of.remove(&int_field(&set, "bk_set_id")).unwrap_or_default();
                super::translate(&mut set, "set", lang);
                json!({"set": project(set, &set_fields), "modules": mods})
            })
            .collect();
        Ok(Value::Array(out))
    }
}

/// The business as a tree node.
fn biz_node(doc: &Value) -> TopoNode {
    TopoNode {
        obj: "biz".into(),
        id: int_field(doc, builtin::id_field("biz")),
        name: str_field(doc, "bk_biz_name").to_string(),
        parent: 0,
        default: int_field(doc, "default"),
    }
}
