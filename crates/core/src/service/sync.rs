//! Template ↔ instance differences and synchronisation (service-and-process.md §2.4–2.6, §3.2,
//! §3.4): which modules need sync, the asynchronous service-template sync with its task status
//! per module (table `sync_task`, visible to every node), and set-template sync.

use super::instance::{instance_audit, remove_instances};
use super::proc_template;
use super::process::{process_audit, ProcessWriter};
use super::{ids_param, now_text, read_in, read_nodes};
use crate::instance::render;
use crate::model::{int_field, str_field};
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, time, Caller, Error, Result};
use cmdb_store::topo::HostScope;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Largest id lists of list_service_template_difference.
const DIFFERENCE_IDS_MAX: usize = 100;

fn template_ids(tpls: &[Value]) -> HashSet<i64> {
    tpls.iter().map(super::id_of).collect()
}

impl Core {
    /// §2.4: whether module `module`, bound to template `tpl` with process templates `tpls`,
    /// differs from it.
    async fn module_needs_sync(&self, module: &Value, tpl: &Value, tpls: &[Value]) -> Result<bool> {
        if str_field(module, "bk_module_name") != str_field(tpl, "name") {
            return Ok(true);
        }
        let module_id = int_field(module, "bk_module_id");
        let hosts: BTreeSet<i64> =
            self.store.relations_in(HostScope::Module, &[module_id], None).await?.iter().map(|r| r.host).collect();
        let instances = self
            .store
            .find_docs(
                Kind::ServiceInstance,
                &[
                    Filter::Eq("module_id", Param::Int(module_id)),
                    Filter::Eq("template_id", Param::Int(super::id_of(tpl))),
                ],
            )
            .await?;
        if instances.is_empty() {
            return Ok(!hosts.is_empty() && !tpls.is_empty());
        }
        if tpls.is_empty() || instances.len() != hosts.len() {
            return Ok(true);
        }
        let si_ids: Vec<i64> = instances.iter().map(super::id_of).collect();
        let relations = read_in(&self.store, Kind::ProcessRelation, "instance_id", &si_ids).await?;
        let known = template_ids(tpls);
        if relations.is_empty() || relations.iter().any(|r| !known.contains(&int_field(r, "process_template_id"))) {
            return Ok(true);
        }
        let process_ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
        let processes: HashMap<i64, Value> = read_nodes(&self.store, "process", &process_ids)
            .await?
            .into_iter()
            .map(|p| (int_field(&p, "bk_process_id"), p))
            .collect();
        let host_list: Vec<i64> = hosts.iter().copied().collect();
        let host_docs: HashMap<i64, Value> = read_nodes(&self.store, "host", &host_list)
            .await?
            .into_iter()
            .map(|h| (int_field(&h, "bk_host_id"), h))
            .collect();
        let by_id: HashMap<i64, &Value> = tpls.iter().map(|t| (super::id_of(t), t)).collect();
        for r in &relations {
            let Some(p) = processes.get(&int_field(r, "bk_process_id")) else { return Ok(true) };
            let host = host_docs.get(&int_field(r, "bk_host_id")).cloned().unwrap_or(Value::Null);
            if proc_template::locked_differs(by_id[&int_field(r, "process_template_id")], p, &host) {
                return Ok(true);
            }
        }
        let pairs: HashSet<(i64, i64)> = relations
            .iter()
            .map(|r| (int_field(r, "service_instance_id"), int_field(r, "process_template_id")))
            .collect();
        Ok(si_ids.iter().any(|si| known.iter().any(|t| !pairs.contains(&(*si, *t)))))
    }

    pub async fn list_service_template_difference(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::positive_biz(body, super::is_invalid)?;
        let partial = crate::req::opt_bool(body, "is_partial")?.unwrap_or(false);
        let modules = self
            .store
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "module".into()), Filter::Eq("biz_id", Param::Int(biz))])
            .await?;
        let mut templates: HashMap<i64, (Value, Vec<Value>)> = HashMap::new();
        let mut verdicts = Vec::new();
        let ids = if partial {
            super::id_list(body, "service_template_ids", DIFFERENCE_IDS_MAX)?
        } else {
            super::id_list(body, "bk_module_ids", DIFFERENCE_IDS_MAX)?
        };
        let chosen: Vec<&Value> = modules
            .iter()
            .filter(|m| {
                let t = int_field(m, "service_template_id");
                t != 0 && if partial { ids.contains(&t) } else { ids.contains(&int_field(m, "bk_module_id")) }
            })
            .collect();
        for m in chosen {
            let t = int_field(m, "service_template_id");
            if let std::collections::hash_map::Entry::Vacant(slot) = templates.entry(t) {
                let found = self.store.find_docs(Kind::ServiceTemplate, &[Filter::Eq("id", Param::Int(t))]).await?;
                let Some(doc) = found.into_iter().next() else { continue };
                let tpls =
                    self.store.find_docs(Kind::ProcessTemplate, &[Filter::Eq("template_id", Param::Int(t))]).await?;
                slot.insert((doc, tpls));
            }
            let (doc, tpls) = &templates[&t];
            verdicts.push((t, int_field(m, "bk_module_id"), self.module_needs_sync(m, doc, tpls).await?));
        }
        if partial {
            let out: Vec<Value> = ids
                .iter()
                .filter(|t| verdicts.iter().any(|v| v.0 == **t))
                .map(|t| json!({"service_template_id": t, "need_sync": verdicts.iter().any(|v| v.0 == *t && v.2)}))
                .collect();
            Ok(json!({"service_templates": out, "modules": null}))
        } else {
            let out: Vec<Value> =
                verdicts.iter().map(|(_, m, need)| json!({"bk_module_id": m, "need_sync": need})).collect();
            Ok(json!({"service_templates": null, "modules": out}))
        }
    }

    pub async fn list_service_template_sync_status(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let template = crate::req::typed_int(body, "service_template_id")?.unwrap_or(0);
        if template == 0 {
            return Err(Error::missing("service_template_id"));
        }
        let module_ids = crate::req::int_array(body, "bk_module_ids")?;
        if module_ids.is_empty() {
            return Err(Error::missing("bk_module_ids"));
        }
        let modules = read_nodes(&self.store, "module", &module_ids).await?;
        let tpl = self.store.find_docs(Kind::ServiceTemplate, &[Filter::Eq("id", Param::Int(template))]).await?.pop();
        let tpls =
            self.store.find_docs(Kind::ProcessTemplate, &[Filter::Eq("template_id", Param::Int(template))]).await?;
        let tasks: HashMap<i64, Value> = read_in(&self.store, Kind::SyncTask, "id", &module_ids)
            .await?
            .into_iter()
            .filter(|t| int_field(t, "service_template_id") == template)
            .map(|t| (int_field(&t, "bk_inst_id"), t))
            .collect();
        let mut out = Vec::new();
        for m in modules
            .iter()
            .filter(|m| int_field(m, "bk_biz_id") == biz && crate::tenant::doc_visible(&caller.supplier, m))
        {
            let id = int_field(m, "bk_module_id");
            let bound = int_field(m, "service_template_id") == template;
            let need = match (&tpl, bound) {
                (Some(t), true) => self.module_needs_sync(m, t, &tpls).await?,
                _ => false,
            };
            let entry = match tasks.get(&id) {
                Some(task) => {
                    let mut status = str_field(task, "status").to_string();
                    if need && status == "finished" {
                        status = "need_sync".into();
                    } else if !need && status != "finished" {
                        status = "finished".into();
                    }
                    json!({"bk_inst_id": id, "status": status, "creator": task["creator"],
                        "create_time": task["create_time"], "last_time": task["last_time"]})
                }
                None => {
                    let shown = render(m.clone(), &HashSet::from(["create_time".to_string(), "last_time".to_string()]));
                    json!({"bk_inst_id": id, "status": if need { "need_sync" } else { "finished" },
                        "creator": shown.get("bk_created_by").cloned().unwrap_or(Value::Null),
                        "create_time": shown["create_time"], "last_time": shown["last_time"]})
                }
            };
            out.push(entry);
        }
        Ok(Value::Array(out))
    }

    pub async fn sync_service_template_to_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        let template = crate::req::typed_int(body, "service_template_id")?.unwrap_or(0);
        if template == 0 {
            return Err(Error::missing("service_template_id"));
        }
        let modules: Vec<i64> =
            crate::req::int_array(body, "bk_module_ids")?.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        if modules.is_empty() {
            return Err(Error::missing("bk_module_ids"));
        }
        let mut tx = self.store.begin().await?;
        for m in &modules {
            set_task(&mut tx, caller, *m, template, "waiting").await?;
        }
        tx.commit().await?;
        let (core, caller) = (self.clone(), caller.clone());
        tokio::spawn(async move {
            for m in modules {
                let outcome = core.run_module_sync(&caller, biz, template, m).await;
                let status = match &outcome {
                    Ok(()) => "finished",
                    Err(e) => {
                        tracing::warn!(module = m, template, error = %e, "service template sync failed");
                        "failure"
                    }
                };
                let recorded = async {
                    let mut tx = core.store.begin().await?;
                    set_task(&mut tx, &caller, m, template, status).await?;
                    tx.commit().await
                }
                .await;
                if let Err(e) = recorded {
                    tracing::warn!(module = m, error = %e, "sync status not recorded");
                }
            }
        });
        Ok(Value::Null)
    }

    /// One module's sync task (§2.5): the hosts of the module in batches, each its own transaction.
    pub(crate) async fn run_module_sync(&self, caller: &Caller, biz: i64, template: i64, module_id: i64) -> Result<()> {
        {
            let mut tx = self.store.begin().await?;
            set_task(&mut tx, caller, module_id, template, "executing").await?;
            tx.commit().await?;
        }
        let tpls =
            self.store.find_docs(Kind::ProcessTemplate, &[Filter::Eq("template_id", Param::Int(template))]).await?;
        let hosts: Vec<i64> = self
            .store
            .relations_in(HostScope::Module, &[module_id], Some(biz))
            .await?
            .iter()
            .map(|r| r.host)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let batch = (1000 / tpls.len().max(1)).max(1);
        for chunk in hosts.chunks(batch) {
            let mut tx = self.store.begin().await?;
            self.sync_hosts(&mut tx, caller, biz, template, module_id, chunk).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Steps 1–6 of §2.5 for `hosts` of module `module_id`.
    async fn sync_hosts(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        biz: i64,
        template: i64,
        module_id: i64,
        hosts: &[i64],
    ) -> Result<()> {
        let module = super::nodes_by_id(tx, "module", &[module_id])
            .await?
            .pop()
            .ok_or_else(|| Error::new(code::MODULE_NOT_FOUND))?;
        let tpls = super::process_templates(tx, template).await?;
        let instances: Vec<Value> = tx
            .find_docs(
                Kind::ServiceInstance,
                &[
                    Filter::Eq("module_id", Param::Int(module_id)),
                    Filter::Eq("template_id", Param::Int(template)),
                    Filter::In("host_id", ids_param(hosts)),
                ],
            )
            .await?;
        if tpls.is_empty() {
            return remove_instances(self, tx, caller, instances).await;
        }
        let host_docs: HashMap<i64, Value> =
            crate::host::hosts_by_id(tx, hosts).await?.into_iter().map(|h| (int_field(&h, "bk_host_id"), h)).collect();
        let covered: HashSet<i64> = instances.iter().map(|si| int_field(si, "bk_host_id")).collect();
        let mut w = ProcessWriter::new(self, tx, caller, biz).await?;
        for h in hosts.iter().filter(|h| !covered.contains(h)) {
            if int_field(&module, "service_template_id") != template {
                return Err(Error::new(code::MODULE_NOT_FROM_TEMPLATE));
            }
            let host = host_docs.get(h).cloned().unwrap_or(Value::Null);
            w.create_from_templates(tx, &module, &host, &tpls, "").await?;
        }
        let si_ids: Vec<i64> = instances.iter().map(super::id_of).collect();
        let relations = super::docs_in(tx, Kind::ProcessRelation, "instance_id", &si_ids).await?;
        let process_ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
        let mut processes: HashMap<i64, Value> = super::nodes_by_id(tx, "process", &process_ids)
            .await?
            .into_iter()
            .map(|p| (int_field(&p, "bk_process_id"), p))
            .collect();
        let model = self.model_tx(tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let times = model.time_fields();
        let by_id: HashMap<i64, &Value> = tpls.iter().map(|t| (super::id_of(t), t)).collect();
        let mut entries: HashMap<i64, Vec<Value>> = HashMap::new();
        let (mut removed, mut removed_rel, mut updated) = (Vec::new(), Vec::new(), Vec::new());
        let mut present: HashSet<(i64, i64)> = HashSet::new();
        let now = time::now_millis();
        for r in &relations {
            let (pid, si) = (int_field(r, "bk_process_id"), int_field(r, "service_instance_id"));
            let Some(p) = processes.remove(&pid) else { continue };
            match by_id.get(&int_field(r, "process_template_id")) {
                None => {
                    let shown = render(p.clone(), &times);
                    entries.entry(si).or_default().push(process_audit(
                        "delete",
                        &p,
                        crate::audit::basic(Some(&shown), None, None),
                    ));
                    removed.push(pid);
                    removed_rel.push(r.clone());
                }
                Some(tpl) => {
                    present.insert((si, super::id_of(tpl)));
                    let host = host_docs.get(&int_field(r, "bk_host_id")).cloned().unwrap_or(Value::Null);
                    let mut doc = p.as_object().cloned().unwrap_or_default();
                    if proc_template::apply_locked(tpl, &mut doc, &host)? {
                        let mut update = Map::new();
                        for (k, v) in &doc {
                            if p.get(k) != Some(v) {
                                update.insert(k.clone(), v.clone());
                            }
                        }
                        doc.insert("last_time".into(), json!(now));
                        doc.insert("bk_updated_at".into(), json!(now));
                        doc.insert("bk_updated_by".into(), json!(caller.user));
                        let doc = Value::Object(doc);
                        let pre = render(p.clone(), &times);
                        entries.entry(si).or_default().push(process_audit(
                            "update",
                            &doc,
                            crate::audit::basic(Some(&pre), None, Some(&Value::Object(update))),
                        ));
                        updated.push(doc);
                    }
                }
            }
        }
        for chunk in removed.chunks(500) {
            tx.delete_docs(Kind::ProcessRelation, &[Filter::In("id", ids_param(chunk))]).await?;
            tx.delete_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", "process".into()), Filter::In("id", ids_param(chunk))],
            )
            .await?;
        }
        tx.update_docs(Kind::Instance, &updated).await?;
        for si in &instances {
            let host = host_docs.get(&int_field(si, "bk_host_id")).cloned().unwrap_or(Value::Null);
            for t in &tpls {
                if !present.contains(&(super::id_of(si), super::id_of(t))) {
                    w.add_process(si, t, &host)?;
                }
            }
        }
        let audits: Vec<Value> = instances
            .iter()
            .filter_map(|si| {
                Some(instance_audit(caller, "update", si, Value::Null, entries.remove(&super::id_of(si))?))
            })
            .collect();
        tx.insert_audits(&audits).await?;
        let shown: Vec<Value> = updated.into_iter().map(|d| render(d, &times)).collect();
        tx.insert_events("process", "update", &caller.supplier, &shown).await?;
        tx.insert_events("process_instance_relation", "delete", &caller.supplier, &removed_rel).await?;
        w.finish(tx).await.map(|_| ())
    }

    pub async fn sync_set_template_to_set(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let set_template = crate::req::path_int(body, "set_template_id")?;
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let set_ids = crate::req::int_array(body, "bk_set_ids")?;
        if set_ids.is_empty() {
            return Err(Error::missing("bk_set_ids"));
        }
        let sets = read_nodes(&self.store, "set", &set_ids).await?;
        for id in &set_ids {
            let ok = sets.iter().any(|s| {
                int_field(s, "bk_set_id") == *id
                    && int_field(s, "bk_biz_id") == biz
                    && int_field(s, "set_template_id") == set_template
                    && crate::tenant::doc_visible(&caller.supplier, s)
            });
            if !ok {
                return Err(Error::with(code::SET_NOT_FROM_TEMPLATE, id.to_string()));
            }
        }
        let (core, caller) = (self.clone(), caller.clone());
        tokio::spawn(async move {
            for set in set_ids {
                let outcome = async {
                    let mut tx = core.store.begin().await?;
                    core.sync_set(&mut tx, &caller, biz, set_template, set).await?;
                    tx.commit().await
                }
                .await;
                if let Err(e) = outcome {
                    tracing::warn!(set, set_template, error = %e, "set template sync failed");
                }
            }
        });
        Ok(Value::Null)
    }

    /// Applies the module differences of set `set` against set template `set_template` (§2.6).
    pub(crate) async fn sync_set(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        biz: i64,
        set_template: i64,
        set: i64,
    ) -> Result<()> {
        let members = super::set_template::members_of(tx, set_template).await?;
        let templates: HashMap<i64, Value> = super::docs_in(tx, Kind::ServiceTemplate, "id", &members)
            .await?
            .into_iter()
            .map(|t| (super::id_of(&t), t))
            .collect();
        let modules: Vec<Value> =
            super::modules_of_biz(tx, biz).await?.into_iter().filter(|m| int_field(m, "bk_set_id") == set).collect();
        let model = self.model_tx(tx, "module").await?.ok_or_else(|| Error::internal("module model missing"))?;
        for m in &modules {
            let t = int_field(m, "service_template_id");
            match templates.get(&t) {
                None => {
                    let id = int_field(m, "bk_module_id");
                    if tx.count_host_relations(HostScope::Module, &[id]).await? > 0 {
                        return Err(Error::new(code::HAS_HOST));
                    }
                    self.delete_many(tx, caller, &model, &[id]).await?;
                }
                Some(tpl) if str_field(tpl, "name") != str_field(m, "bk_module_name") => {
                    let mut changes = Map::new();
                    changes.insert("bk_module_name".into(), tpl["name"].clone());
                    self.write_update(tx, caller, &model, m, changes, "update").await?;
                }
                Some(_) => {}
            }
        }
        let have: HashSet<i64> = modules.iter().map(|m| int_field(m, "service_template_id")).collect();
        for t in &members {
            if let (false, Some(tpl)) = (have.contains(t), templates.get(t)) {
                self.create_template_module(tx, caller, biz, set, set_template, tpl).await?;
            }
        }
        Ok(())
    }

    /// A module of set `set` made from service template `tpl` (set-template creation and sync).
    pub(crate) async fn create_template_module(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        biz: i64,
        set: i64,
        set_template: i64,
        tpl: &Value,
    ) -> Result<Value> {
        let model = self.model_tx(tx, "module").await?.ok_or_else(|| Error::internal("module model missing"))?;
        let mut data = Map::new();
        data.insert("bk_module_name".into(), tpl["name"].clone());
        data.insert("bk_biz_id".into(), json!(biz));
        data.insert("bk_set_id".into(), json!(set));
        data.insert("bk_parent_id".into(), json!(set));
        data.insert("default".into(), json!(0));
        data.insert("service_template_id".into(), json!(super::id_of(tpl)));
        data.insert("service_category_id".into(), tpl["service_category_id"].clone());
        data.insert("set_template_id".into(), json!(set_template));
        data.insert("host_apply_enabled".into(), json!(false));
        self.insert_instance(tx, caller, &model, &data).await
    }
}

/// Records the status of module `module`'s latest service-template sync task.
async fn set_task(tx: &mut Tx, caller: &Caller, module: i64, template: i64, status: &str) -> Result<()> {
    let now = now_text();
    let found = tx.find_docs(Kind::SyncTask, &[Filter::Eq("id", Param::Int(module))]).await?.pop();
    let mut doc = match found {
        Some(d) if int_field(&d, "service_template_id") == template && status != "waiting" => d,
        _ => json!({"bk_inst_id": module, "service_template_id": template, "creator": caller.user, "create_time": now,
            "bk_supplier_account": caller.supplier}),
    };
    doc["status"] = json!(status);
    doc["last_time"] = json!(now);
    tx.delete_docs(Kind::SyncTask, &[Filter::Eq("id", Param::Int(module))]).await?;
    tx.insert_doc(Kind::SyncTask, &doc).await
}
