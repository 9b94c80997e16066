//! Host transfers (hosts.md §2, §5): one engine applies the common validation in its order and
//! moves many hosts with set-based relation writes, one transaction per request.

use super::{hosts_by_id, internal_module, list_of, relation_doc};
use crate::model::{bool_field, int_field, str_field};
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::{HostRelation, TopoNode};
use cmdb_store::Tx;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Largest host list of transfer_host_across_biz.
const ACROSS_BIZ_MAX: usize = 500;

/// One move of hosts.
struct Move {
    /// Business the hosts are in now (the target itself for moves inside a business).
    from: i64,
    to: i64,
    /// Target modules of `to`.
    modules: Vec<i64>,
    increment: bool,
    action: &'static str,
    /// Create service instances in template modules the hosts enter (hosts.md §2).
    auto_create: bool,
}

/// Names of a business' sets and modules, and module kinds, for checks and audit records.
struct BizTopo {
    name: String,
    nodes: HashMap<(String, i64), TopoNode>,
}

impl BizTopo {
    fn module(&self, id: i64) -> Option<&TopoNode> {
        self.nodes.get(&("module".to_string(), id))
    }

    /// `{"bk_biz_id","bk_biz_name","set":[{"bk_set_id","bk_set_name","module":[...]}]}` of relations.
    fn audit_topo(&self, biz: i64, rels: &[&HostRelation]) -> Value {
        let mut sets: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
        for r in rels {
            let name = self.module(r.module).map(|m| m.name.clone()).unwrap_or_default();
            sets.entry(r.set).or_default().push(json!({"bk_module_id": r.module, "bk_module_name": name}));
        }
        let set: Vec<Value> = sets
            .into_iter()
            .map(|(id, modules)| {
                let name = self.nodes.get(&("set".to_string(), id)).map(|s| s.name.clone()).unwrap_or_default();
                json!({"bk_set_id": id, "bk_set_name": name, "module": modules})
            })
            .collect();
        json!({"bk_biz_id": biz, "bk_biz_name": self.name, "set": set})
    }
}

async fn biz_topo(tx: &mut Tx, biz: &Value) -> Result<BizTopo> {
    let id = int_field(biz, "bk_biz_id");
    let nodes = tx.topo_nodes(id, &["set", "module"]).await?;
    Ok(BizTopo {
        name: str_field(biz, "bk_biz_name").to_string(),
        nodes: nodes.into_iter().map(|n| ((n.obj.clone(), n.id), n)).collect(),
    })
}

fn archived(biz: &Value) -> bool {
    str_field(biz, "bk_data_status") == "disabled"
}

/// A host id list: `[1, 2]`, a number, or `"1,2"`.
fn host_ids(body: &Body, key: &str) -> Result<Vec<i64>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key))).collect()
        }
        Some(v) => Err(Error::with(code::JSON_UNMARSHAL, format!("{key}: {v}"))),
    }
}

impl Move {
    /// A replacing move of hosts to `modules` of `to`, creating service instances as usual.
    fn to(from: i64, to: i64, modules: Vec<i64>, action: &'static str) -> Move {
        Move { from, to, modules, increment: false, action, auto_create: true }
    }
}

impl Core {
    /// Validates and applies `mv` to `hosts` (hosts.md §2, both tables in their order).
    async fn transfer(&self, tx: &mut Tx, caller: &Caller, hosts: &[i64], mv: Move) -> Result<()> {
        // 1. businesses exist
        let biz_of = |b: Option<Value>| b.ok_or_else(|| Error::new(code::BIZ_NOT_EXIST));
        let to_biz = biz_of(crate::topology::business_visible(tx, caller, mv.to).await?)?;
        let from_biz = if mv.from == mv.to {
            to_biz.clone()
        } else {
            biz_of(crate::topology::business_visible(tx, caller, mv.from).await?)?
        };
        let to_topo = biz_topo(tx, &to_biz).await?;
        // 2. target modules
        if mv.modules.is_empty() {
            return Err(Error::missing("bk_module_id"));
        }
        let mut targets = Vec::with_capacity(mv.modules.len());
        for m in &mv.modules {
            targets.push(to_topo.module(*m).cloned().ok_or_else(|| Error::new(code::MODULES_NOT_IN_BIZ))?);
        }
        if (targets.len() > 1 || mv.increment) && targets.iter().any(|m| m.default != 0) {
            return Err(Error::new(code::MIXED_INTERNAL_MODULES));
        }
        // 3. archived businesses
        if archived(&to_biz) || archived(&from_biz) {
            return Err(Error::new(code::BIZ_ARCHIVED));
        }
        // 4. every host exists, no duplicates; cloud-synced hosts never change business
        let docs = hosts_by_id(tx, hosts).await?;
        let distinct: HashSet<i64> = hosts.iter().copied().collect();
        if docs.len() != hosts.len() || distinct.len() != hosts.len() {
            return Err(Error::is_invalid("bk_host_id"));
        }
        let across = mv.from != mv.to;
        if across && docs.iter().any(|d| bool_field(d, "bk_cloud_host_identifier")) {
            return Err(Error::is_invalid("bk_host_id"));
        }
        // 5. no relation outside the source business
        let old = tx.relations_of_hosts(hosts).await?;
        if old.iter().any(|r| r.biz != mv.from) {
            return Err(Error::new(code::HOSTS_NOT_IN_BIZ));
        }
        // Inside one business the source topology is the target's, read once.
        let from_read = if across { Some(biz_topo(tx, &from_biz).await?) } else { None };
        let from_topo = from_read.as_ref().unwrap_or(&to_topo);
        // Effects: drop relations, add missing ones.
        let target_ids: HashSet<i64> = targets.iter().map(|m| m.id).collect();
        let dropped: Vec<HostRelation> = old
            .iter()
            .filter(|r| {
                if mv.increment {
                    from_topo.module(r.module).is_some_and(|m| m.default != 0)
                } else {
                    across || !target_ids.contains(&r.module)
                }
            })
            .copied()
            .collect();
        let dropped_keys: HashSet<(i64, i64)> = dropped.iter().map(|r| (r.host, r.module)).collect();
        let kept: HashSet<(i64, i64)> =
            old.iter().map(|r| (r.host, r.module)).filter(|k| !dropped_keys.contains(k)).collect();
        let mut added = Vec::new();
        for h in hosts {
            for m in &targets {
                if !kept.contains(&(*h, m.id)) {
                    added.push(HostRelation { host: *h, module: m.id, set: m.parent, biz: mv.to });
                }
            }
        }
        tx.delete_host_relations(&dropped).await?;
        tx.insert_host_relations(&added, &caller.supplier).await?;
        if across {
            self.drop_private_attributes(tx, caller, mv.from, &docs).await?;
        }
        crate::service::delete_instances_of_hosts(self, tx, caller, &dropped).await?;
        if mv.auto_create {
            crate::service::after_transfer(self, tx, caller, &added).await?;
        }
        // Audit per host (before/after), events per relation row.
        let mut before: HashMap<i64, Vec<&HostRelation>> = HashMap::new();
        for r in &old {
            before.entry(r.host).or_default().push(r);
        }
        let now: Vec<HostRelation> =
            old.iter().filter(|r| kept.contains(&(r.host, r.module))).copied().chain(added.iter().copied()).collect();
        let mut after: HashMap<i64, Vec<&HostRelation>> = HashMap::new();
        for r in &now {
            after.entry(r.host).or_default().push(r);
        }
        let mut audits = Vec::with_capacity(docs.len());
        for d in &docs {
            let h = int_field(d, "bk_host_id");
            let mut cur = after.remove(&h).unwrap_or_default();
            cur.sort_by_key(|r| r.module);
            let detail = json!({
                "pre_data": from_topo.audit_topo(mv.from, &before.remove(&h).unwrap_or_default()),
                "cur_data": to_topo.audit_topo(mv.to, &cur),
            });
            let audit = crate::audit::Audit {
                audit_type: "host",
                resource_type: "host",
                action: mv.action,
                resource_id: json!(h),
                resource_name: list_of(d, "bk_host_innerip").join(","),
                biz_id: mv.to,
                detail,
            };
            audits.push(crate::audit::record(caller, audit));
        }
        tx.insert_audits(&audits).await?;
        let docs_of =
            |rels: &[HostRelation]| -> Vec<Value> { rels.iter().map(|r| relation_doc(r, &caller.supplier)).collect() };
        tx.insert_events("host_relation", "delete", &caller.supplier, &docs_of(&dropped)).await?;
        tx.insert_events("host_relation", "create", &caller.supplier, &docs_of(&added)).await?;
        Ok(())
    }

    /// Moves hosts inside business `biz` to `modules` (other endpoints' transfers).
    pub(super) async fn move_hosts(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        biz: i64,
        hosts: &[i64],
        modules: Vec<i64>,
        increment: bool,
    ) -> Result<()> {
        let mv = Move { from: biz, to: biz, modules, increment, action: "transfer_host_module", auto_create: true };
        self.transfer(tx, caller, hosts, mv).await
    }

    /// Host attributes private to business `biz` leave hosts that leave it.
    async fn drop_private_attributes(&self, tx: &mut Tx, caller: &Caller, biz: i64, docs: &[Value]) -> Result<()> {
        let model = self.host_model(tx).await?;
        let private: Vec<&str> = model.attrs.iter().filter(|a| a.biz_id == biz).map(|a| a.prop.as_str()).collect();
        if private.is_empty() {
            return Ok(());
        }
        for d in docs {
            let mut changes = serde_json::Map::new();
            for p in &private {
                if d.get(*p).is_some() {
                    changes.insert(p.to_string(), Value::Null);
                }
            }
            if changes.is_empty() {
                continue;
            }
            let mut doc = d.clone();
            if let Some(m) = doc.as_object_mut() {
                for p in &private {
                    m.remove(*p);
                }
            }
            tx.update_doc(cmdb_store::Kind::Instance, int_field(d, "bk_host_id"), &doc).await?;
            tx.insert_event("host", "update", &caller.supplier, &doc).await?;
        }
        Ok(())
    }

    pub async fn transfer_host_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let hosts = host_ids(body, "bk_host_id")?;
        let modules = host_ids(body, "bk_module_id")?;
        let increment = crate::req::opt_bool(body, "is_increment")?.unwrap_or(false);
        let auto_create = !crate::req::opt_bool(body, "disable_auto_create")?.unwrap_or(false);
        let mut tx = self.store.begin().await?;
        let nodes = if biz > 0 { tx.topo_nodes(biz, &["module"]).await? } else { vec![] };
        if modules.iter().any(|m| !nodes.iter().any(|n| n.id == *m)) {
            return Err(Error::new(code::MODULE_NOT_FOUND));
        }
        if hosts.is_empty() {
            return Err(Error::with(code::INIT_FAILED, "bk_host_id"));
        }
        let wrap = |e: Error| Error::with(code::HTTP_REQUEST_FAILED, e.message(caller.lang));
        if nodes.iter().any(|n| modules.contains(&n.id) && n.default != 0) {
            return Err(wrap(Error::new(code::INTERNAL_MODULE_TARGET)));
        }
        let mv = Move { from: biz, to: biz, modules, increment, action: "transfer_host_module", auto_create };
        self.transfer(&mut tx, caller, &hosts, mv).await.map_err(wrap)?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// Hosts of a business to its internal module of kind `kind` (1 idle, 2 fault, 3 recycle).
    async fn to_internal(&self, caller: &Caller, body: &Body, kind: i64, name: &str) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let hosts = host_ids(body, "bk_host_id")?;
        if hosts.is_empty() {
            return Err(Error::with(code::INIT_FAILED, "bk_host_id"));
        }
        if biz <= 0 {
            return Err(Error::is_invalid("bk_biz_id"));
        }
        let mut tx = self.store.begin().await?;
        let (module, _) = internal_module(&mut tx, biz, kind)
            .await?
            .ok_or_else(|| Error::with(code::ADD_HOST_TO_MODULE_FAILED, name))?;
        let mv = Move::to(biz, biz, vec![module], "transfer_host_module");
        self.transfer(&mut tx, caller, &hosts, mv).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn transfer_host_to_idlemodule(&self, caller: &Caller, body: &Body) -> Result<Value> {
        self.to_internal(caller, body, 1, "idle").await
    }

    pub async fn transfer_host_to_faultmodule(&self, caller: &Caller, body: &Body) -> Result<Value> {
        self.to_internal(caller, body, 2, "fault").await
    }

    pub async fn transfer_host_to_recyclemodule(&self, caller: &Caller, body: &Body) -> Result<Value> {
        self.to_internal(caller, body, 3, "recycle").await
    }

    /// Refuses hosts that are not all in internal modules (`default` in `kinds`) of `biz`: 1110056
    /// naming their IPs.
    async fn require_in_internal(&self, tx: &mut Tx, biz: i64, hosts: &[i64], kinds: &[i64]) -> Result<()> {
        let rels = tx.relations_of_hosts(hosts).await?;
        let modules: HashMap<i64, i64> =
            tx.topo_nodes(biz, &["module"]).await?.into_iter().map(|m| (m.id, m.default)).collect();
        let mut bad: Vec<i64> = hosts
            .iter()
            .copied()
            .filter(|h| {
                let mine: Vec<&HostRelation> = rels.iter().filter(|r| r.host == *h).collect();
                mine.is_empty()
                    || mine.iter().any(|r| r.biz != biz || !modules.get(&r.module).is_some_and(|d| kinds.contains(d)))
            })
            .collect();
        if bad.is_empty() {
            return Ok(());
        }
        bad.dedup();
        let docs = hosts_by_id(tx, &bad).await?;
        let ips: Vec<String> = bad
            .iter()
            .map(|h| {
                docs.iter()
                    .find(|d| int_field(d, "bk_host_id") == *h)
                    .map(|d| list_of(d, "bk_host_innerip").join(","))
                    .unwrap_or_else(|| h.to_string())
            })
            .collect();
        Err(Error::with(code::HOSTS_NOT_IN_MODULES, ips.join(",")))
    }

    pub async fn transfer_host_to_resourcemodule(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::new(code::RESOURCE_POOL_NOT_FOUND));
        }
        let hosts = host_ids(body, "bk_host_id")?;
        let module = crate::req::typed_int(body, "bk_module_id")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let pool = super::resource_pool(&mut tx, caller).await?;
        if biz == pool {
            return Err(Error::new(code::HOST_ALREADY_IN_POOL));
        }
        if hosts.is_empty() {
            return Ok(Value::Null);
        }
        let pool_modules = tx.topo_nodes(pool, &["module"]).await?;
        let target = if module == 0 {
            pool_modules.iter().find(|m| m.default == 1)
        } else {
            pool_modules.iter().find(|m| m.id == module)
        }
        .ok_or_else(|| Error::new(code::BIZ_MODULE_LOOKUP_FAILED))?
        .id;
        if !tx.topo_nodes(biz, &["module"]).await?.iter().any(|m| m.default != 0) {
            return Err(Error::with(code::MODULE_KIND_NOT_FOUND, "internal"));
        }
        self.require_in_internal(&mut tx, biz, &hosts, &[1, 2, 3, 5]).await?;
        let mv = Move::to(biz, pool, vec![target], "unassign_host");
        self.transfer(&mut tx, caller, &hosts, mv).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn transfer_resourcehost_to_idlemodule(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let hosts = host_ids(body, "bk_host_id")?;
        let mut tx = self.store.begin().await?;
        if crate::topology::business_visible(&mut tx, caller, biz).await?.is_none() {
            return Err(Error::with(code::NOT_FOUND, "bk_biz_id"));
        }
        let pool = super::resource_pool(&mut tx, caller).await?;
        if biz == pool {
            return Ok(Value::Null);
        }
        self.require_in_internal(&mut tx, pool, &hosts, &[1, 4]).await?;
        let (idle, _) =
            internal_module(&mut tx, biz, 1).await?.ok_or_else(|| Error::new(code::BIZ_MODULE_LOOKUP_FAILED))?;
        let mv = Move::to(pool, biz, vec![idle], "assign_host");
        self.transfer(&mut tx, caller, &hosts, mv).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn transfer_host_across_biz(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let src = crate::req::typed_int(body, "src_bk_biz_id")?.unwrap_or(0);
        let dst = crate::req::typed_int(body, "dst_bk_biz_id")?.unwrap_or(0);
        let module = crate::req::typed_int(body, "bk_module_id")?.unwrap_or(0);
        let hosts = host_ids(body, "bk_host_id")?;
        if src == 0 || dst == 0 || module == 0 || hosts.is_empty() {
            return Err(Error::missing("src_bk_biz_id/dst_bk_biz_id/bk_module_id/bk_host_id"));
        }
        if hosts.len() > ACROSS_BIZ_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "bk_host_id", ACROSS_BIZ_MAX.to_string()));
        }
        let mut tx = self.store.begin().await?;
        if !tx.topo_nodes(dst, &["module"]).await?.iter().any(|m| m.id == module && m.default != 0) {
            return Err(Error::invalid("bk_module_id"));
        }
        self.require_in_internal(&mut tx, src, &hosts, &[1, 2, 3, 4, 5]).await?;
        let action = if src == dst { "transfer_host_module" } else { "assign_host" };
        let mv = Move::to(src, dst, vec![module], action);
        self.transfer(&mut tx, caller, &hosts, mv).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn transfer_sethost_to_idle_module(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let set = crate::req::typed_int(body, "bk_set_id")?.unwrap_or(0);
        let module = crate::req::typed_int(body, "bk_module_id")?.unwrap_or(0);
        if biz == 0 || (set == 0 && module == 0) {
            return Err(Error::missing("bk_biz_id/bk_set_id/bk_module_id"));
        }
        let mut tx = self.store.begin().await?;
        let nodes = tx.topo_nodes(biz, &["module"]).await?;
        let emptied: HashSet<i64> = if module != 0 {
            [module].into()
        } else {
            nodes.iter().filter(|m| m.parent == set).map(|m| m.id).collect()
        };
        let scope: Vec<i64> = emptied.iter().copied().collect();
        let mut hosts: Vec<i64> = self
            .store
            .relations_in(cmdb_store::topo::HostScope::Module, &scope, Some(biz))
            .await?
            .iter()
            .map(|r| r.host)
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        if hosts.is_empty() {
            return Ok(Value::Null);
        }
        let (idle, _) =
            internal_module(&mut tx, biz, 1).await?.ok_or_else(|| Error::with(code::MODULE_KIND_NOT_FOUND, "idle"))?;
        let rels = tx.relations_of_hosts(&hosts).await?;
        // Hosts sharing the same remaining modules move together.
        let mut groups: BTreeMap<Vec<i64>, Vec<i64>> = BTreeMap::new();
        for h in &hosts {
            let mut rest: Vec<i64> =
                rels.iter().filter(|r| r.host == *h && !emptied.contains(&r.module)).map(|r| r.module).collect();
            rest.sort_unstable();
            if rest.is_empty() {
                rest = vec![idle];
            }
            groups.entry(rest).or_default().push(*h);
        }
        for (modules, members) in groups {
            let mv = Move::to(biz, biz, modules, "transfer_host_module");
            if let Err(e) = self.transfer(&mut tx, caller, &members, mv).await {
                let data: Vec<Value> = members
                    .iter()
                    .map(|h| json!({"code": e.code, "message": e.message(caller.lang), "origin_index": h}))
                    .collect();
                return Err(Error::new(code::MOVE_HOSTS_FAILED).with_data(Value::Array(data)));
            }
        }
        tx.commit().await?;
        Ok(Value::Null)
    }
}
