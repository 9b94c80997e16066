//! Processes (service-and-process.md §1.4, §1.7, §3.7): instances of the built-in `process`
//! model, each tied to one service instance by a relation that names its process template
//! (0 = free process). `ProcessWriter` collects new instances, processes and relations and writes
//! them many rows per statement, with their audit records and events.

use super::bind;
use super::instance::{derived_name, first_template, instance_audit, instance_doc};
use super::proc_template;
use super::{ids_param, read_in, read_nodes};
use crate::instance::validate::check_value;
use crate::instance::{render, Model, INST_SEQ};
use crate::model::{int_field, str_field};
use crate::req::Body;
use crate::Core;
use cmdb_model::query::{Expr, Flavor, Test};
use cmdb_model::{code, time, Caller, Error, Lang, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Most processes of one create/update_process_instance.
const PROCESSES_MAX: usize = 100;
/// Most ids of delete_process_instance / list_process_detail_by_ids.
const IDS_MAX: usize = 500;
/// Processes written by one request from which on planner statistics are refreshed.
const BULK_PROCESSES: usize = 1000;
/// Attributes a caller never writes: the id, the business and the owning instance.
const FIXED: [&str; 3] = ["bk_process_id", "bk_biz_id", "service_instance_id"];

/// `{"bk_biz_id","bk_process_id","service_instance_id","process_template_id","bk_host_id","bk_supplier_account"}`.
pub(super) fn relation_doc(biz: i64, process: i64, instance: i64, template: i64, host: i64, supplier: &str) -> Value {
    json!({"bk_biz_id": biz, "bk_process_id": process, "service_instance_id": instance,
        "process_template_id": template, "bk_host_id": host, "bk_supplier_account": supplier})
}

/// One nested process entry of a service-instance audit record.
pub(super) fn process_audit(action: &str, p: &Value, details: Value) -> Value {
    json!({"action": action, "bk_process_ids": int_field(p, "bk_process_id"),
        "bk_process_names": str_field(p, "bk_process_name"), "details": details})
}

/// A process as the detail lists show it: the model's attributes, its instance, tenant and
/// times, absent values as null (stored processes carry every attribute, so only the recorded
/// fields of other endpoints are dropped).
pub(super) fn detail_shape(p: Value, model: &Model, times: &HashSet<String>) -> Value {
    let Value::Object(mut doc) = render(p, times) else { return Value::Null };
    for k in ["bk_obj_id", "bk_created_at", "bk_created_by", "bk_updated_at", "bk_updated_by"] {
        doc.remove(k);
    }
    for a in model.attrs_for(0) {
        if !doc.contains_key(&a.prop) && !a.prop.starts_with("bk_created") && !a.prop.starts_with("bk_updated") {
            doc.insert(a.prop.clone(), Value::Null);
        }
    }
    for k in ["service_instance_id", "bk_supplier_account", "create_time", "last_time"] {
        doc.entry(k).or_insert(Value::Null);
    }
    Value::Object(doc)
}

/// Validates process data against the process model: unknown and fixed keys dropped, every
/// attribute checked by its type, bind_info rows by §1.5. With `complete`, absent attributes
/// become null (required ones → 1199010).
pub(super) fn check_process_data(
    model: &Model,
    data: &Map<String, Value>,
    complete: bool,
    lang: Lang,
) -> Result<Map<String, Value>> {
    let mut out = Map::new();
    for a in model.attrs_for(0) {
        if FIXED.contains(&a.prop.as_str()) {
            continue;
        }
        match data.get(&a.prop) {
            Some(v) if a.prop == "bind_info" => {
                out.insert(a.prop.clone(), bind::check_free_rows(v)?);
            }
            Some(v) => {
                out.insert(a.prop.clone(), check_value(a, v).map_err(|e| e.wrap_invalid(lang))?);
            }
            None if complete => {
                if a.isrequired {
                    return Err(Error::missing(&a.prop));
                }
                out.insert(a.prop.clone(), Value::Null);
            }
            None => {}
        }
    }
    Ok(out)
}

/// Name, and (func name, start regex), unique among the processes of one instance.
fn check_siblings<'a>(processes: impl Iterator<Item = &'a Map<String, Value>>) -> Result<()> {
    let mut names = HashSet::new();
    let mut funcs = HashSet::new();
    for p in processes {
        if let Some(n) = p.get("bk_process_name").and_then(Value::as_str) {
            if !names.insert(n.to_string()) {
                return Err(Error::duplicate("bk_process_name"));
            }
        }
        if let (Some(f), Some(r)) =
            (p.get("bk_func_name").and_then(Value::as_str), p.get("bk_start_param_regex").and_then(Value::as_str))
        {
            if !funcs.insert((f.to_string(), r.to_string())) {
                return Err(Error::duplicate("bk_func_name,bk_start_param_regex"));
            }
        }
    }
    Ok(())
}

/// One new process: its stored fields and its template (0 = free).
struct NewProcess {
    doc: Map<String, Value>,
    template: i64,
    host: i64,
}

/// Collects new service instances and processes of one request and writes them set-based.
pub(super) struct ProcessWriter {
    model: Arc<Model>,
    caller: Caller,
    biz: i64,
    now: i64,
    instances: Vec<Value>,
    processes: HashMap<i64, Vec<NewProcess>>,
    keys: HashSet<(i64, i64, i64)>,
    /// New processes of existing instances (sync), by instance.
    added: Vec<(Value, Vec<NewProcess>)>,
    /// `keys` holds every stored instance of the hosts concerned (no per-host lookup needed).
    primed: bool,
}

impl ProcessWriter {
    pub(super) async fn new(core: &Core, tx: &mut Tx, caller: &Caller, biz: i64) -> Result<ProcessWriter> {
        let model = core.model_tx(tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        Ok(ProcessWriter {
            model,
            caller: caller.clone(),
            biz,
            now: time::now_millis(),
            instances: vec![],
            processes: HashMap::new(),
            keys: HashSet::new(),
            added: vec![],
            primed: false,
        })
    }

    /// Reads the stored instances of `hosts` once, so `instance_exists` needs no query per host.
    pub(super) async fn prime(&mut self, tx: &mut Tx, hosts: &[i64]) -> Result<()> {
        for si in super::docs_in(tx, Kind::ServiceInstance, "host_id", hosts).await? {
            self.keys.insert((
                int_field(&si, "bk_module_id"),
                int_field(&si, "bk_host_id"),
                int_field(&si, "service_template_id"),
            ));
        }
        self.primed = true;
        Ok(())
    }

    /// Whether (module, host) already has an instance of `template` (stored or new here).
    pub(super) async fn instance_exists(&self, tx: &mut Tx, module: i64, host: i64, template: i64) -> Result<bool> {
        if self.keys.contains(&(module, host, template)) || self.primed {
            return Ok(self.keys.contains(&(module, host, template)));
        }
        let filters = [
            Filter::Eq("module_id", Param::Int(module)),
            Filter::Eq("host_id", Param::Int(host)),
            Filter::Eq("template_id", Param::Int(template)),
        ];
        Ok(tx.count_docs(Kind::ServiceInstance, &filters).await? > 0)
    }

    fn stored_process(&self, si: i64, fields: Map<String, Value>) -> Map<String, Value> {
        let mut doc = Map::new();
        for a in self.model.attrs_for(0) {
            doc.insert(a.prop.clone(), fields.get(&a.prop).cloned().unwrap_or(Value::Null));
        }
        doc.insert("bk_biz_id".into(), json!(self.biz));
        doc.insert("service_instance_id".into(), json!(si));
        doc.insert("bk_obj_id".into(), json!("process"));
        doc.insert("bk_supplier_account".into(), json!(self.caller.supplier));
        for k in ["create_time", "last_time", "bk_created_at", "bk_updated_at"] {
            doc.insert(k.into(), json!(self.now));
        }
        doc.insert("bk_created_by".into(), json!(self.caller.user));
        doc.insert("bk_updated_by".into(), json!(self.caller.user));
        doc
    }

    /// A new instance with one process per template (templates in id order).
    pub(super) async fn create_from_templates(
        &mut self,
        tx: &mut Tx,
        module: &Value,
        host: &Value,
        tpls: &[Value],
        name: &str,
    ) -> Result<i64> {
        let module_id = int_field(module, "bk_module_id");
        let host_id = int_field(host, "bk_host_id");
        let template = int_field(module, "service_template_id");
        let id = tx.next_id(Kind::ServiceInstance.sequence()).await?;
        let mut sorted: Vec<&Value> = tpls.iter().collect();
        sorted.sort_by_key(|t| int_field(t, "id"));
        let mut made = Vec::with_capacity(sorted.len());
        for t in sorted {
            let fields = proc_template::process_fields(t, host)?;
            made.push(NewProcess { doc: self.stored_process(id, fields), template: int_field(t, "id"), host: host_id });
        }
        let name = if name.is_empty() {
            let first = first_template(tpls).and_then(|t| made.iter().find(|p| p.template == int_field(t, "id")));
            derived_name(host, first.map(|p| &p.doc))
        } else {
            name.to_string()
        };
        self.instances.push(instance_doc(&self.caller, id, &name, module, host_id, template));
        self.processes.insert(id, made);
        self.keys.insert((module_id, host_id, template));
        Ok(id)
    }

    /// Overrides the unlocked fields of the new process of instance `si` made from `tpl`.
    pub(super) fn override_unlocked(
        &mut self,
        si: i64,
        tpl: &Value,
        info: &Map<String, Value>,
        host: &Value,
    ) -> Result<()> {
        let lang = self.caller.lang;
        let model = self.model.clone();
        let Some(p) =
            self.processes.get_mut(&si).and_then(|ps| ps.iter_mut().find(|p| p.template == int_field(tpl, "id")))
        else {
            return Ok(());
        };
        apply_unlocked(&model, tpl, &mut p.doc, info, host, lang)
    }

    /// A new instance of a module without template, with processes from `infos`.
    pub(super) async fn create_free(
        &mut self,
        tx: &mut Tx,
        module: &Value,
        host: &Value,
        name: &str,
        infos: &[Map<String, Value>],
    ) -> Result<i64> {
        let host_id = int_field(host, "bk_host_id");
        let mut checked = Vec::with_capacity(infos.len());
        for info in infos {
            checked.push(check_process_data(&self.model, info, true, self.caller.lang)?);
        }
        check_siblings(checked.iter())?;
        let id = tx.next_id(Kind::ServiceInstance.sequence()).await?;
        let name = if name.is_empty() { derived_name(host, checked.first()) } else { name.to_string() };
        let made: Vec<NewProcess> = checked
            .into_iter()
            .map(|fields| NewProcess { doc: self.stored_process(id, fields), template: 0, host: host_id })
            .collect();
        self.instances.push(instance_doc(&self.caller, id, &name, module, host_id, 0));
        self.processes.insert(id, made);
        Ok(id)
    }

    /// A new process for existing instance `si`, made from template `tpl`.
    pub(super) fn add_process(&mut self, si: &Value, tpl: &Value, host: &Value) -> Result<()> {
        let fields = proc_template::process_fields(tpl, host)?;
        self.add_to(si, fields, int_field(tpl, "id"));
        Ok(())
    }

    /// A new free process (validated `fields`) for existing instance `si`.
    pub(super) fn add_free(&mut self, si: &Value, fields: Map<String, Value>) {
        self.add_to(si, fields, 0);
    }

    fn add_to(&mut self, si: &Value, fields: Map<String, Value>, template: i64) {
        let p = NewProcess {
            doc: self.stored_process(int_field(si, "id"), fields),
            template,
            host: int_field(si, "bk_host_id"),
        };
        match self.added.iter_mut().find(|(s, _)| int_field(s, "id") == int_field(si, "id")) {
            Some((_, ps)) => ps.push(p),
            None => self.added.push((si.clone(), vec![p])),
        }
    }

    /// Writes everything collected: instances, processes (ids taken here), relations, one audit
    /// record per instance, process and relation events. Returns the new process ids in the
    /// order they were collected.
    pub(super) async fn finish(self, tx: &mut Tx) -> Result<Vec<i64>> {
        if self.instances.is_empty() && self.added.is_empty() {
            return Ok(vec![]);
        }
        let ProcessWriter { model, caller, biz, mut processes, instances, added, .. } = self;
        let total: usize =
            processes.values().map(Vec::len).sum::<usize>() + added.iter().map(|(_, ps)| ps.len()).sum::<usize>();
        let mut next = if total > 0 { tx.next_ids(INST_SEQ, total as i64).await? } else { 0 };
        let times = model.time_fields();
        let mut process_docs = Vec::with_capacity(total);
        let mut relations = Vec::with_capacity(total);
        // Ids in order, relation rows and the nested audit entries of one instance's new processes.
        let mut place = |si_id: i64, ps: Vec<NewProcess>| -> Vec<Value> {
            let mut entries = Vec::with_capacity(ps.len());
            for p in ps {
                let mut doc = p.doc;
                doc.insert("bk_process_id".into(), json!(next));
                relations.push(relation_doc(biz, next, si_id, p.template, p.host, &caller.supplier));
                next += 1;
                let doc = Value::Object(doc);
                let shown = render(doc.clone(), &times);
                entries.push(process_audit("create", &doc, crate::audit::basic(None, Some(&shown), None)));
                process_docs.push(doc);
            }
            entries
        };
        let mut audits = Vec::with_capacity(instances.len() + added.len());
        for si in &instances {
            let entries = place(int_field(si, "id"), processes.remove(&int_field(si, "id")).unwrap_or_default());
            audits.push(instance_audit(&caller, "create", si, crate::audit::basic(None, Some(si), None), entries));
        }
        for (si, ps) in added {
            let entries = place(int_field(&si, "id"), ps);
            audits.push(instance_audit(&caller, "update", &si, Value::Null, entries));
        }
        if process_docs.len() >= BULK_PROCESSES {
            tx.statistics_stale(&["service_instance", "process_relation", "instance"]);
        }
        tx.insert_docs(Kind::ServiceInstance, &instances).await?;
        tx.insert_docs(Kind::Instance, &process_docs).await?;
        tx.insert_docs(Kind::ProcessRelation, &relations).await?;
        tx.insert_audits(&audits).await?;
        let shown: Vec<Value> = process_docs.into_iter().map(|d| render(d, &times)).collect();
        tx.insert_events("process", "create", &caller.supplier, &shown).await?;
        tx.insert_events("process_instance_relation", "create", &caller.supplier, &relations).await?;
        Ok(relations.iter().map(|r| int_field(r, "bk_process_id")).collect())
    }
}

/// Writes the unlocked fields of `info` into a template process (name and func name always
/// locked) and re-aligns its bind_info against the template using the given rows.
fn apply_unlocked(
    model: &Model,
    tpl: &Value,
    doc: &mut Map<String, Value>,
    info: &Map<String, Value>,
    host: &Value,
    lang: Lang,
) -> Result<()> {
    let checked = check_process_data(model, info, false, lang)?;
    for (k, v) in checked {
        if k == "bind_info" || k == "bk_process_name" || k == "bk_func_name" || proc_template::is_locked(tpl, &k) {
            continue;
        }
        doc.insert(k, v);
    }
    let rows = match info.get("bind_info") {
        Some(v) => bind::rows_of(Some(&bind::check_free_rows(v)?)),
        None => bind::rows_of(doc.get("bind_info")),
    };
    let template_rows = proc_template::value_of(tpl, "bind_info").as_array().cloned().unwrap_or_default();
    doc.insert("bind_info".into(), Value::Array(bind::realign(&template_rows, &rows, host)?));
    Ok(())
}

impl Core {
    pub async fn create_process_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let si_key = body.keys().find(|k| k.eq_ignore_ascii_case("service_instance_id")).cloned();
        let si_id = si_key.and_then(|k| body.get(&k).and_then(Value::as_i64)).unwrap_or(0);
        let items = crate::req::array(body, "processes")?;
        if items.is_empty() {
            return Err(Error::is_invalid("processes"));
        }
        if items.len() > PROCESSES_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "processes", PROCESSES_MAX.to_string()));
        }
        let mut tx = self.store.begin().await?;
        let si = super::docs_in(&mut tx, Kind::ServiceInstance, "id", &[si_id])
            .await?
            .into_iter()
            .find(|s| crate::tenant::doc_visible(&caller.supplier, s))
            .ok_or_else(|| Error::with(code::NOT_FOUND, "service_instance_id"))?;
        if int_field(&si, "bk_biz_id") != biz {
            return Err(Error::invalid("bk_biz_id"));
        }
        if int_field(&si, "service_template_id") != 0 {
            return Err(Error::new(code::TEMPLATE_INSTANCE_PROCESS));
        }
        let mut w = ProcessWriter::new(self, &mut tx, caller, biz).await?;
        let mut checked = Vec::with_capacity(items.len());
        for item in &items {
            let info = item.get("process_info").and_then(Value::as_object).cloned().unwrap_or_default();
            checked.push(check_process_data(&w.model, &info, true, caller.lang)?);
        }
        let existing = processes_of(&mut tx, &[si_id]).await?;
        let existing: Vec<Map<String, Value>> = existing.into_iter().filter_map(|p| p.as_object().cloned()).collect();
        check_siblings(existing.iter().chain(checked.iter()))?;
        for fields in checked {
            w.add_free(&si, fields);
        }
        let ids = w.finish(&mut tx).await?;
        tx.commit().await?;
        Ok(json!(ids))
    }

    pub async fn update_process_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let items = crate::req::array(body, "processes")?;
        if items.is_empty() {
            return Ok(json!([]));
        }
        if items.len() > PROCESSES_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "processes", PROCESSES_MAX.to_string()));
        }
        let mut ids = Vec::with_capacity(items.len());
        for item in &items {
            match item.get("bk_process_id").and_then(Value::as_i64) {
                Some(id) if id > 0 => ids.push(id),
                _ => return Err(Error::invalid("bk_process_id")),
            }
        }
        let mut tx = self.store.begin().await?;
        let relations: HashMap<i64, Value> = super::docs_in(&mut tx, Kind::ProcessRelation, "id", &ids)
            .await?
            .into_iter()
            .filter(|r| int_field(r, "bk_biz_id") == biz)
            .map(|r| (int_field(&r, "bk_process_id"), r))
            .collect();
        if relations.is_empty() {
            return Err(Error::missing("service_instance_ids"));
        }
        let missing: Vec<String> = ids.iter().filter(|i| !relations.contains_key(i)).map(i64::to_string).collect();
        if !missing.is_empty() {
            return Err(Error::is_invalid(format!("[bk_process_id: {}]", missing.join(","))));
        }
        let model = self.model_tx(&mut tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let si_ids: Vec<i64> = relations
            .values()
            .map(|r| int_field(r, "service_instance_id"))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let instances = super::docs_in(&mut tx, Kind::ServiceInstance, "id", &si_ids).await?;
        let mut current: HashMap<i64, Map<String, Value>> = processes_of(&mut tx, &si_ids)
            .await?
            .into_iter()
            .filter_map(|p| Some((int_field(&p, "bk_process_id"), p.as_object()?.clone())))
            .collect();
        let before: HashMap<i64, Value> = current.iter().map(|(k, v)| (*k, Value::Object(v.clone()))).collect();
        let template_ids: Vec<i64> =
            relations.values().map(|r| int_field(r, "process_template_id")).filter(|t| *t != 0).collect();
        let templates: HashMap<i64, Value> = super::docs_in(&mut tx, Kind::ProcessTemplate, "id", &template_ids)
            .await?
            .into_iter()
            .map(|t| (int_field(&t, "id"), t))
            .collect();
        let host_ids: Vec<i64> = relations.values().map(|r| int_field(r, "bk_host_id")).collect();
        let hosts: HashMap<i64, Value> = crate::host::hosts_by_id(&mut tx, &host_ids)
            .await?
            .into_iter()
            .map(|h| (int_field(&h, "bk_host_id"), h))
            .collect();
        let mut changed: Vec<(i64, Map<String, Value>)> = Vec::new();
        for item in &items {
            let id = int_field(item, "bk_process_id");
            let rel = &relations[&id];
            let Some(doc) = current.get_mut(&id) else { continue };
            let mut data = item.as_object().cloned().unwrap_or_default();
            for k in ["process_template_id", "auto_time_gap", "bk_func_id"] {
                data.remove(k);
            }
            let mut update = Map::new();
            match templates.get(&int_field(rel, "process_template_id")) {
                Some(tpl) => {
                    let host = hosts.get(&int_field(rel, "bk_host_id")).cloned().unwrap_or(Value::Null);
                    let old = doc.clone();
                    apply_unlocked(&model, tpl, doc, &data, &host, caller.lang)?;
                    for (k, v) in doc.iter() {
                        if old.get(k) != Some(v) {
                            update.insert(k.clone(), v.clone());
                        }
                    }
                }
                None => {
                    let fields = check_process_data(&model, &data, true, caller.lang)?;
                    for (k, v) in fields {
                        if model.attr(&k, 0).is_some_and(|a| !a.editable) {
                            continue;
                        }
                        doc.insert(k.clone(), v.clone());
                        update.insert(k, v);
                    }
                }
            }
            let now = time::now_millis();
            doc.insert("last_time".into(), json!(now));
            doc.insert("bk_updated_at".into(), json!(now));
            doc.insert("bk_updated_by".into(), json!(caller.user));
            changed.push((id, update));
        }
        for si in &si_ids {
            check_siblings(
                current.values().filter(|p| int_field(&Value::Object((*p).clone()), "service_instance_id") == *si),
            )?;
        }
        let times = model.time_fields();
        let mut entries: HashMap<i64, Vec<Value>> = HashMap::new();
        let mut events = Vec::new();
        let mut done = BTreeSet::new();
        for (id, update) in &changed {
            if !done.insert(*id) {
                continue;
            }
            let doc = Value::Object(current[id].clone());
            tx.update_doc(Kind::Instance, *id, &doc).await?;
            let pre = render(before[id].clone(), &times);
            let entry = process_audit(
                "update",
                &doc,
                crate::audit::basic(Some(&pre), None, Some(&Value::Object(update.clone()))),
            );
            entries.entry(int_field(&doc, "service_instance_id")).or_default().push(entry);
            events.push(render(doc, &times));
        }
        let audits: Vec<Value> = instances
            .iter()
            .filter_map(|si| {
                let e = entries.remove(&super::id_of(si))?;
                Some(instance_audit(caller, "update", si, Value::Null, e))
            })
            .collect();
        tx.insert_audits(&audits).await?;
        tx.insert_events("process", "update", &caller.supplier, &events).await?;
        tx.commit().await?;
        Ok(json!(done.into_iter().collect::<Vec<_>>()))
    }

    pub async fn delete_process_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let ids = crate::req::int_array(body, "process_instance_ids")?;
        if ids.is_empty() {
            return Err(Error::missing("bk_process_id"));
        }
        if ids.len() > IDS_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "process_instance_ids", IDS_MAX.to_string()));
        }
        let mut tx = self.store.begin().await?;
        let relations: Vec<Value> = super::docs_in(&mut tx, Kind::ProcessRelation, "id", &ids)
            .await?
            .into_iter()
            .filter(|r| int_field(r, "bk_biz_id") == biz)
            .collect();
        let templated: Vec<String> = relations
            .iter()
            .filter(|r| int_field(r, "process_template_id") != 0)
            .map(|r| int_field(r, "bk_process_id").to_string())
            .collect();
        if !templated.is_empty() {
            return Err(Error::with(code::TEMPLATE_PROCESS_DELETE, templated.join(",")));
        }
        if relations.is_empty() {
            tx.commit().await?;
            return Ok(Value::Null);
        }
        let model = self.model_tx(&mut tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let doomed: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
        let processes = super::nodes_by_id(&mut tx, "process", &doomed).await?;
        let si_ids: Vec<i64> = relations
            .iter()
            .map(|r| int_field(r, "service_instance_id"))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let instances = super::docs_in(&mut tx, Kind::ServiceInstance, "id", &si_ids).await?;
        tx.delete_docs(Kind::ProcessRelation, &[Filter::In("id", ids_param(&doomed))]).await?;
        tx.delete_docs(Kind::Instance, &[Filter::Eq("obj_id", "process".into()), Filter::In("id", ids_param(&doomed))])
            .await?;
        let times = model.time_fields();
        let mut entries: HashMap<i64, Vec<Value>> = HashMap::new();
        for p in &processes {
            let shown = render(p.clone(), &times);
            entries.entry(int_field(p, "service_instance_id")).or_default().push(process_audit(
                "delete",
                p,
                crate::audit::basic(Some(&shown), None, None),
            ));
        }
        let mut audits = Vec::new();
        let mut emptied = Vec::new();
        for si in &instances {
            let id = super::id_of(si);
            if let Some(e) = entries.remove(&id) {
                audits.push(instance_audit(caller, "update", si, Value::Null, e));
            }
            let left = tx.count_docs(Kind::ProcessRelation, &[Filter::Eq("instance_id", Param::Int(id))]).await?;
            if left == 0 {
                emptied.push(si.clone());
            }
        }
        tx.insert_audits(&audits).await?;
        let shown: Vec<Value> = processes.into_iter().map(|p| render(p, &times)).collect();
        tx.insert_events("process", "delete", &caller.supplier, &shown).await?;
        tx.insert_events("process_instance_relation", "delete", &caller.supplier, &relations).await?;
        super::instance::remove_instances(self, &mut tx, caller, emptied).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_process_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let si = crate::req::typed_int(body, "service_instance_id")?.unwrap_or(0);
        if si == 0 {
            return Err(Error::invalid("service_instance_id"));
        }
        let relations: Vec<Value> = self
            .store
            .find_docs(
                Kind::ProcessRelation,
                &[Filter::Eq("instance_id", Param::Int(si)), Filter::Eq("biz_id", Param::Int(biz))],
            )
            .await?
            .into_iter()
            .filter(|r| crate::tenant::doc_visible(&caller.supplier, r))
            .collect();
        let ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
        let model = self.model_read("process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let processes: HashMap<i64, Value> = read_nodes(&self.store, "process", &ids)
            .await?
            .into_iter()
            .map(|p| (int_field(&p, "bk_process_id"), render(p, &model.time_fields())))
            .collect();
        let out: Vec<Value> = relations
            .into_iter()
            .map(|r| {
                let p = processes.get(&int_field(&r, "bk_process_id")).cloned().unwrap_or(Value::Null);
                json!({"property": p, "relation": r})
            })
            .collect();
        Ok(Value::Array(out))
    }

    pub async fn list_process_detail_by_ids(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::path_id(body, "bk_biz_id", super::is_invalid)?;
        let ids = crate::req::int_array(body, "bk_process_ids")?;
        if ids.is_empty() || ids.len() > IDS_MAX {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_process_ids", IDS_MAX.to_string()));
        }
        let mut fields = crate::instance::parse_fields(body.get("fields"), "fields")?;
        if !fields.is_empty() && !fields.iter().any(|f| f == "bk_process_id") {
            fields.push("bk_process_id".into());
        }
        let model = self.model_read("process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let docs: Vec<Value> = read_nodes(&self.store, "process", &ids)
            .await?
            .into_iter()
            .filter(|p| int_field(p, "bk_biz_id") == biz && crate::tenant::doc_visible(&caller.supplier, p))
            .map(|p| crate::instance::project(render(p, &model.time_fields()), &fields))
            .collect();
        Ok(Value::Array(docs))
    }

    pub async fn list_process_related_info(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let nested = |outer: &str, inner: &str| -> Result<Vec<Value>> {
            match crate::req::opt_obj(body, outer)? {
                Some(o) => crate::req::array(o, inner),
                None => Ok(vec![]),
            }
        };
        let ints = |v: Vec<Value>, key: &str| -> Result<Vec<i64>> {
            v.iter().map(|x| x.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key.to_string()))).collect()
        };
        let set_ids = ints(nested("set", "bk_set_ids")?, "set.bk_set_ids")?;
        let module_ids = ints(nested("module", "bk_module_ids")?, "module.bk_module_ids")?;
        let si_ids = ints(nested("service_instance", "ids")?, "service_instance.ids")?;
        let process_ids = ints(nested("process", "bk_process_ids")?, "process.bk_process_ids")?;
        let names: Vec<Value> = nested("process", "bk_process_names")?;
        if names.iter().any(|n| !n.is_string()) {
            return Err(Error::with(code::JSON_UNMARSHAL, "process.bk_process_names"));
        }
        let property_filter = match body.get("process_property_filter") {
            None | Some(Value::Null) => Expr::all(),
            Some(v) => cmdb_model::query::parse_filter(v, Flavor::QueryBuilder, "process_property_filter", true)
                .map_err(|_| Error::invalid("process_property_filter"))?,
        };
        let mut fields = crate::instance::parse_fields(body.get("fields"), "fields")?;
        if !fields.is_empty() {
            for f in ["bk_process_id", "bk_process_name", "bk_func_id"] {
                if !fields.iter().any(|x| x == f) {
                    fields.push(f.into());
                }
            }
        }
        let mut page = super::strict_page(body.get("page"), || Error::invalid("page.limit"))?;
        if page.sort.is_empty() {
            page.sort = vec![("bk_process_id".into(), true)];
        }
        let empty = json!({"count": 0, "info": []});
        let mut parts = vec![Expr::field("bk_biz_id", Test::Eq(json!(biz))), property_filter];
        if !names.is_empty() {
            parts.push(Expr::field("bk_process_name", Test::In(names)));
        }
        if !process_ids.is_empty() {
            parts.push(Expr::field("bk_process_id", Test::In(process_ids.iter().map(|i| json!(i)).collect())));
        }
        // Topology restrictions become the set of service instances the processes may belong to.
        if !set_ids.is_empty() || !module_ids.is_empty() || !si_ids.is_empty() {
            let mut filters = vec![Filter::Eq("biz_id", Param::Int(biz))];
            if !set_ids.is_empty() || !module_ids.is_empty() {
                let by_biz = [Filter::Eq("obj_id", "module".into()), Filter::Eq("biz_id", Param::Int(biz))];
                let modules: Vec<i64> = self
                    .store
                    .find_docs(Kind::Instance, &by_biz)
                    .await?
                    .iter()
                    .filter(|m| {
                        (set_ids.is_empty() || set_ids.contains(&int_field(m, "bk_set_id")))
                            && (module_ids.is_empty() || module_ids.contains(&int_field(m, "bk_module_id")))
                    })
                    .map(|m| int_field(m, "bk_module_id"))
                    .collect();
                if modules.is_empty() {
                    return Ok(empty);
                }
                filters.push(Filter::In("module_id", ids_param(&modules)));
            }
            if !si_ids.is_empty() {
                filters.push(Filter::In("id", ids_param(&si_ids)));
            }
            let allowed: Vec<Value> = self
                .store
                .find_docs(Kind::ServiceInstance, &filters)
                .await?
                .iter()
                .map(|si| json!(super::id_of(si)))
                .collect();
            if allowed.is_empty() {
                return Ok(empty);
            }
            parts.push(Expr::field("service_instance_id", Test::In(allowed)));
        }
        let Some(search) = self.prepare(caller, "process", Expr::and(parts), None).await? else { return Ok(empty) };
        let count = self.count(&search).await?;
        let page_of = self.run(&search, &page, &[]).await?;
        if page_of.is_empty() {
            return Ok(crate::page::counted(count, Vec::<Value>::new()));
        }
        let ids: Vec<i64> = page_of.iter().map(|p| int_field(p, "bk_process_id")).collect();
        let relations = super::keyed(read_in(&self.store, Kind::ProcessRelation, "id", &ids).await?, "bk_process_id");
        let si_list = super::distinct(relations.values(), "service_instance_id");
        let instances = super::keyed(read_in(&self.store, Kind::ServiceInstance, "id", &si_list).await?, "id");
        let module_list = super::distinct(instances.values(), "bk_module_id");
        let modules = super::keyed(read_nodes(&self.store, "module", &module_list).await?, "bk_module_id");
        let set_list = super::distinct(modules.values(), "bk_set_id");
        let sets = super::keyed(read_nodes(&self.store, "set", &set_list).await?, "bk_set_id");
        let host_list = super::distinct(relations.values(), "bk_host_id");
        let hosts: HashMap<i64, Value> = read_nodes(&self.store, "host", &host_list)
            .await?
            .into_iter()
            .map(|h| (int_field(&h, "bk_host_id"), crate::host::join_lists(h)))
            .collect();
        let pick = |doc: Option<&Value>, keys: &[&str]| -> Value {
            let mut m = Map::new();
            for k in keys {
                m.insert(k.to_string(), doc.and_then(|d| d.get(*k)).cloned().unwrap_or(Value::Null));
            }
            Value::Object(m)
        };
        let info: Vec<Value> = page_of
            .into_iter()
            .map(|p| {
                let rel = relations.get(&int_field(&p, "bk_process_id"));
                let si = rel.and_then(|r| instances.get(&int_field(r, "service_instance_id")));
                let module = si.and_then(|s| modules.get(&int_field(s, "bk_module_id")));
                let set = module.and_then(|m| sets.get(&int_field(m, "bk_set_id")));
                let host = rel.and_then(|r| hosts.get(&int_field(r, "bk_host_id")));
                let template = json!({"id": rel.map(|r| int_field(r, "process_template_id")).unwrap_or(0)});
                super::object([
                    ("set", pick(set, &["bk_set_id", "bk_set_name", "bk_set_env"])),
                    ("module", pick(module, &["bk_module_id", "bk_module_name"])),
                    (
                        "host",
                        pick(
                            host,
                            &[
                                "bk_host_id",
                                "bk_cloud_id",
                                "bk_host_innerip",
                                "bk_host_innerip_v6",
                                "bk_addressing",
                                "bk_agent_id",
                            ],
                        ),
                    ),
                    ("service_instance", pick(si, &["id", "name"])),
                    ("process_template", template),
                    ("process", crate::instance::project(p, &fields)),
                ])
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    /// Not part of the open-source product and without a published contract (§3.7): processes
    /// of a business matching a querybuilder `filter` on process fields, projected by `fields`,
    /// paged (PG-strict), sorted by `bk_process_id` unless `page.sort` says otherwise.
    pub async fn search_process_instances(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::positive_biz(body, super::invalid)?;
        let filter = match body.get("filter") {
            None | Some(Value::Null) => Expr::all(),
            Some(v) => cmdb_model::query::parse_filter(v, Flavor::QueryBuilder, "filter", true)?,
        };
        let fields = crate::instance::parse_fields(body.get("fields"), "fields")?;
        let mut page = super::strict_page(body.get("page"), || Error::invalid("page.limit"))?;
        if page.sort.is_empty() {
            page.sort = vec![("bk_process_id".into(), true)];
        }
        let filter = Expr::and(vec![Expr::field("bk_biz_id", Test::Eq(json!(biz))), filter]);
        let Some(search) = self.prepare(caller, "process", filter, None).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        let count = self.count(&search).await?;
        Ok(crate::page::counted(count, self.run(&search, &page, &fields).await?))
    }
}

/// The processes of the service instances of `hosts`, per host, in the identity shape of
/// search_hostidentifier (hosts.md §9): the first bind row's address, port, protocol and switch
/// next to all rows.
pub(crate) async fn identity_processes(core: &Core, hosts: &[i64]) -> Result<HashMap<i64, Vec<Value>>> {
    let relations = read_in(&core.store, Kind::ProcessRelation, "host_id", hosts).await?;
    let ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
    let processes = super::keyed(read_nodes(&core.store, "process", &ids).await?, "bk_process_id");
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    for r in &relations {
        let Some(p) = processes.get(&int_field(r, "bk_process_id")) else { continue };
        let rows = p.get("bind_info").cloned().unwrap_or(Value::Null);
        let first = rows.get(0).cloned().unwrap_or(Value::Null);
        let field = |k: &str| p.get(k).cloned().unwrap_or(Value::Null);
        let row = |k: &str| first.get(k).cloned().unwrap_or(Value::Null);
        out.entry(int_field(r, "bk_host_id")).or_default().push(super::object([
            ("bk_process_id", field("bk_process_id")),
            ("bk_process_name", field("bk_process_name")),
            ("bk_func_name", field("bk_func_name")),
            ("bind_ip", row("ip")),
            ("port", row("port")),
            ("protocol", row("protocol")),
            ("bk_start_param_regex", field("bk_start_param_regex")),
            ("bk_enable_port", row("enable")),
            ("bind_info", rows),
        ]));
    }
    Ok(out)
}

/// host_install_bk (hosts.md §6): the processes of `host`'s service instances in `module` whose
/// `bk_func_name` is a key of `proc_info` take the attributes given under it (names, id and
/// creation time excepted); other processes and unknown keys are left alone.
pub(crate) async fn update_processes_by_func(
    core: &Core,
    tx: &mut Tx,
    caller: &Caller,
    host: i64,
    module: i64,
    proc_info: &Map<String, Value>,
) -> Result<()> {
    let filters = [Filter::Eq("host_id", Param::Int(host)), Filter::Eq("module_id", Param::Int(module))];
    let instances = tx.find_docs(Kind::ServiceInstance, &filters).await?;
    if instances.is_empty() || proc_info.is_empty() {
        return Ok(());
    }
    let si_ids: Vec<i64> = instances.iter().map(super::id_of).collect();
    let model = core.model_tx(tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
    let times = model.time_fields();
    let mut entries: HashMap<i64, Vec<Value>> = HashMap::new();
    let mut changed = Vec::new();
    for p in processes_of(tx, &si_ids).await? {
        let Some(attrs) = proc_info.get(str_field(&p, "bk_func_name")).and_then(Value::as_object) else { continue };
        let mut data = attrs.clone();
        for k in ["bk_func_name", "bk_process_name", "bk_process_id", "create_time"] {
            data.remove(k);
        }
        let update = check_process_data(&model, &data, false, caller.lang)?;
        if update.is_empty() {
            continue;
        }
        let mut doc = p.as_object().cloned().unwrap_or_default();
        for (k, v) in &update {
            doc.insert(k.clone(), v.clone());
        }
        let now = time::now_millis();
        doc.insert("last_time".into(), json!(now));
        doc.insert("bk_updated_at".into(), json!(now));
        doc.insert("bk_updated_by".into(), json!(caller.user));
        let doc = Value::Object(doc);
        let pre = render(p.clone(), &times);
        let entry = process_audit("update", &doc, crate::audit::basic(Some(&pre), None, Some(&Value::Object(update))));
        entries.entry(int_field(&doc, "service_instance_id")).or_default().push(entry);
        changed.push(doc);
    }
    tx.update_docs(Kind::Instance, &changed).await?;
    let audits: Vec<Value> = instances
        .iter()
        .filter_map(|si| Some(instance_audit(caller, "update", si, Value::Null, entries.remove(&super::id_of(si))?)))
        .collect();
    tx.insert_audits(&audits).await?;
    let shown: Vec<Value> = changed.into_iter().map(|d| render(d, &times)).collect();
    tx.insert_events("process", "update", &caller.supplier, &shown).await
}

/// Stored processes of service instances `instances` (writer's view).
pub(super) async fn processes_of(tx: &mut Tx, instances: &[i64]) -> Result<Vec<Value>> {
    let relations = super::docs_in(tx, Kind::ProcessRelation, "instance_id", instances).await?;
    let ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
    super::nodes_by_id(tx, "process", &ids).await
}
