//! Service instances (service-and-process.md §1.6, §2.1–2.3, §3.5–3.6): creation from templates
//! or from process data, deletion with their processes, the list queries and labels, and the
//! effects of host transfers (instances of left modules removed, template modules filled).

use super::process::{process_audit, ProcessWriter};
use super::{ids_param, now_text};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::HostRelation;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

/// Most instances of one create_service_instance / add_label_for_service_instance.
const CREATE_MAX: usize = 100;
/// Most ids of one delete_service_instance / remove_label_from_service_instance.
const DELETE_MAX: usize = 500;
/// Longest service instance name, in bytes.
const NAME_MAX: usize = 256;
/// Largest `bk_host_ids` of list_service_instance.
const HOST_FILTER_MAX: usize = 1000;

/// `<ip>[_<first process name>][_<first port>]` (§1.6), computed once at creation.
pub(super) fn derived_name(host: &Value, first: Option<&Map<String, Value>>) -> String {
    let join = |f: &str| crate::host::list_of(host, f).join(",");
    let mut name = join("bk_host_innerip");
    if name.is_empty() {
        name = join("bk_host_innerip_v6");
    }
    if let Some(p) = first {
        if let Some(n) = p.get("bk_process_name").and_then(Value::as_str).filter(|s| !s.is_empty()) {
            name = format!("{name}_{n}");
        }
        let port = p
            .get("bind_info")
            .and_then(Value::as_array)
            .and_then(|rows| rows.iter().find_map(|r| r.get("port").and_then(Value::as_str)));
        if let Some(port) = port {
            name = format!("{name}_{port}");
        }
    }
    name
}

/// The audit record of a service instance write (audit-and-watch.md §1.3).
pub(super) fn instance_audit(
    caller: &Caller,
    action: &'static str,
    si: &Value,
    details: Value,
    processes: Vec<Value>,
) -> Value {
    let mut detail = json!({"details": details, "bk_host_id": int_field(si, "bk_host_id")});
    if !processes.is_empty() {
        detail["processes"] = Value::Array(processes);
    }
    crate::audit::record(
        caller,
        crate::audit::Audit {
            audit_type: "business_resource",
            resource_type: "service_instance",
            action,
            resource_id: json!(int_field(si, "id")),
            resource_name: str_field(si, "name").to_string(),
            biz_id: int_field(si, "bk_biz_id"),
            detail,
        },
    )
}

/// A label selector of the list queries (§3.5).
pub(super) struct Selector {
    key: String,
    op: String,
    values: Vec<String>,
}

fn label_key_ok(k: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"^[a-zA-Z]([a-z0-9A-Z\-_.]*[a-z0-9A-Z])?$").expect("valid pattern"));
    k.len() < 64 && re.is_match(k)
}

fn label_value_ok(v: &str) -> bool {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re =
        RE.get_or_init(|| regex::Regex::new(r"^[a-z0-9A-Z]([a-z0-9A-Z\-_.]*[a-z0-9A-Z])?$").expect("valid pattern"));
    v.len() < 64 && re.is_match(v)
}

pub(super) fn parse_selectors(body: &Body) -> Result<Vec<Selector>> {
    let mut out = Vec::new();
    for s in crate::req::array(body, "selectors")? {
        let key = s.get("key").and_then(Value::as_str).unwrap_or("").to_string();
        let op = s.get("operator").and_then(Value::as_str).unwrap_or("").to_string();
        let values: Vec<String> = match s.get("values") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| Error::invalid("values")))
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::invalid("values")),
        };
        if !label_key_ok(&key) {
            return Err(Error::invalid("key"));
        }
        let ok = match op.as_str() {
            "=" | "!=" => values.len() == 1,
            "in" | "notin" => !values.is_empty(),
            "exists" | "!" => values.is_empty(),
            _ => return Err(Error::invalid("operator")),
        };
        if !ok {
            return Err(Error::invalid("values"));
        }
        out.push(Selector { key, op, values });
    }
    Ok(out)
}

fn selected(si: &Value, selectors: &[Selector]) -> bool {
    selectors.iter().all(|s| {
        let v = si.get("labels").and_then(|l| l.get(&s.key)).and_then(Value::as_str);
        match s.op.as_str() {
            "=" => v == Some(s.values[0].as_str()),
            "!=" => v != Some(s.values[0].as_str()),
            "in" => v.is_some_and(|v| s.values.iter().any(|x| x == v)),
            "notin" => !v.is_some_and(|v| s.values.iter().any(|x| x == v)),
            "exists" => v.is_some(),
            _ => v.is_none(),
        }
    })
}

/// `search_key` as a case-sensitive regular expression over instance names.
fn name_pattern(body: &Body) -> Result<Option<regex::Regex>> {
    match crate::req::typed_str(body, "search_key")? {
        Some(k) if !k.is_empty() => regex::Regex::new(&k).map(Some).map_err(|_| Error::invalid("search_key")),
        _ => Ok(None),
    }
}

/// A query over service instances: key-column filters, then name pattern and label selectors.
#[derive(Default)]
pub(super) struct InstanceFilter {
    pub biz: i64,
    pub module: Option<i64>,
    pub modules: Option<Vec<i64>>,
    pub hosts: Option<Vec<i64>>,
    pub ids: Option<Vec<i64>>,
    pub pattern: Option<regex::Regex>,
    pub selectors: Vec<Selector>,
}

/// Sort keys of service instances that are key columns (`create_time` follows the id).
fn column_of(field: &str) -> Option<&'static str> {
    match field {
        "id" | "create_time" => Some("id"),
        "bk_host_id" => Some("host_id"),
        "bk_module_id" => Some("module_id"),
        "name" => Some("name"),
        _ => None,
    }
}

impl Core {
    /// `(count, page)` of service instances.
    pub(super) async fn find_service_instances(
        &self,
        caller: &Caller,
        f: &InstanceFilter,
        page: &Page,
    ) -> Result<(usize, Vec<Value>)> {
        let mut filters = vec![Filter::Eq("biz_id", Param::Int(f.biz))];
        if let Some(m) = f.module.filter(|m| *m != 0) {
            filters.push(Filter::Eq("module_id", Param::Int(m)));
        }
        if let Some(ms) = &f.modules {
            filters.push(Filter::In("module_id", ids_param(ms)));
        }
        if let Some(hs) = &f.hosts {
            filters.push(Filter::In("host_id", ids_param(hs)));
        }
        if let Some(ids) = &f.ids {
            filters.push(Filter::In("id", ids_param(ids)));
        }
        let order: Option<Vec<(&str, bool)>> =
            page.sort.iter().map(|(k, asc)| column_of(k).map(|c| (c, *asc))).collect();
        let in_sql = f.pattern.is_none() && f.selectors.is_empty() && caller.supplier == "0";
        if let (true, Some(order)) = (in_sql, order) {
            // The count and the page read in parallel, on two reader connections.
            let (store, counted) = (self.store.clone(), filters.clone());
            let count = tokio::spawn(async move { store.count_docs(Kind::ServiceInstance, &counted).await });
            let docs = self.store.page_docs(Kind::ServiceInstance, &filters, &order, page.start, page.limit).await?;
            let count = count.await.map_err(|e| Error::internal(e.to_string()))?? as usize;
            return Ok((count, docs));
        }
        let mut all = self.store.find_docs(Kind::ServiceInstance, &filters).await?;
        all.retain(|si| {
            crate::tenant::doc_visible(&caller.supplier, si)
                && f.pattern.as_ref().is_none_or(|p| p.is_match(str_field(si, "name")))
                && selected(si, &f.selectors)
        });
        let count = all.len();
        Ok((count, crate::page::apply(all, page)))
    }

    pub async fn create_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let items = crate::req::array(body, "instances")?;
        if items.is_empty() {
            return Err(Error::missing("service_instance_ids"));
        }
        if items.len() > CREATE_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "instances", CREATE_MAX.to_string()));
        }
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let module_id = crate::req::typed_int(body, "bk_module_id")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let module = super::nodes_by_id(&mut tx, "module", &[module_id])
            .await?
            .into_iter()
            .find(|m| crate::tenant::doc_visible(&caller.supplier, m))
            .ok_or_else(|| Error::new(code::MODULE_LOOKUP_FAILED))?;
        if int_field(&module, "bk_biz_id") != biz {
            return Err(Error::new(code::MODULES_NOT_IN_BIZ));
        }
        if int_field(&module, "default") != 0 {
            return Err(Error::invalid("bk_module_id"));
        }
        let template = int_field(&module, "service_template_id");
        let tpls = if template != 0 { super::process_templates(&mut tx, template).await? } else { vec![] };
        if template != 0 && tpls.is_empty() {
            return Err(Error::invalid("service_template_id"));
        }
        let mut hosts = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let item = item.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("instances[{i}]")))?;
            let procs = item.get("processes").and_then(Value::as_array).map(Vec::len).unwrap_or(0);
            if template == 0 && procs == 0 {
                return Err(Error::missing("instances.processes"));
            }
            hosts.push(item.get("bk_host_id").and_then(Value::as_i64).unwrap_or(0));
        }
        let rels = tx.relations_of_hosts(&hosts).await?;
        let outside: Vec<i64> = hosts
            .iter()
            .copied()
            .filter(|h| !rels.iter().any(|r| r.host == *h && r.module == module_id && r.biz == biz))
            .collect();
        if !outside.is_empty() {
            let list: Vec<String> = outside.iter().map(i64::to_string).collect();
            return Err(Error::with(code::HOSTS_NOT_IN_MODULES, list.join(",")));
        }
        let host_docs: HashMap<i64, Value> = crate::host::hosts_by_id(&mut tx, &hosts)
            .await?
            .into_iter()
            .map(|d| (int_field(&d, "bk_host_id"), d))
            .collect();
        let mut w = ProcessWriter::new(self, &mut tx, caller, biz).await?;
        if template != 0 {
            w.prime(&mut tx, &hosts).await?;
        }
        let mut ids = Vec::with_capacity(items.len());
        for item in &items {
            let host_id = item.get("bk_host_id").and_then(Value::as_i64).unwrap_or(0);
            let host = host_docs.get(&host_id).cloned().unwrap_or(Value::Null);
            let name = match item.get("service_instance_name") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => return Err(Error::invalid("name")),
            };
            if name.len() > NAME_MAX {
                return Err(Error::invalid("name"));
            }
            let processes = item.get("processes").and_then(Value::as_array).cloned().unwrap_or_default();
            let id = if template != 0 {
                if w.instance_exists(&mut tx, module_id, host_id, template).await? {
                    let ip = crate::host::list_of(&host, "bk_host_innerip").join(",");
                    return Err(Error::with(code::SERVICE_INSTANCE_EXISTS, ip));
                }
                let id = w.create_from_templates(&mut tx, &module, &host, &tpls, &name).await?;
                for p in &processes {
                    let tpl_id = p.get("process_template_id").and_then(Value::as_i64).unwrap_or(0);
                    let info = p.get("process_info").and_then(Value::as_object).cloned().unwrap_or_default();
                    if let Some(tpl) = tpls.iter().find(|t| int_field(t, "id") == tpl_id) {
                        w.override_unlocked(id, tpl, &info, &host)?;
                    }
                }
                id
            } else {
                let infos: Vec<Map<String, Value>> = processes
                    .iter()
                    .map(|p| p.get("process_info").and_then(Value::as_object).cloned().unwrap_or_default())
                    .collect();
                w.create_free(&mut tx, &module, &host, &name, &infos).await?
            };
            ids.push(id);
        }
        w.finish(&mut tx).await?;
        tx.commit().await?;
        Ok(json!(ids))
    }

    pub async fn delete_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let ids = super::id_list(body, "service_instance_ids", DELETE_MAX)?;
        let mut tx = self.store.begin().await?;
        let found = super::docs_in(&mut tx, Kind::ServiceInstance, "id", &ids).await?;
        let mine: HashSet<i64> = found
            .iter()
            .filter(|s| int_field(s, "bk_biz_id") == biz && crate::tenant::doc_visible(&caller.supplier, s))
            .map(super::id_of)
            .collect();
        if ids.iter().any(|i| !mine.contains(i)) || ids.len() != mine.len() {
            return Err(Error::invalid("service_instance_ids"));
        }
        remove_instances(self, &mut tx, caller, found).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::invalid("bk_biz_id"));
        }
        let hosts = crate::req::int_array(body, "bk_host_ids")?;
        if hosts.len() > HOST_FILTER_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "bk_host_ids", HOST_FILTER_MAX.to_string()));
        }
        let f = InstanceFilter {
            biz,
            module: crate::req::typed_int(body, "bk_module_id")?,
            hosts: if hosts.is_empty() { None } else { Some(hosts) },
            pattern: name_pattern(body)?,
            selectors: parse_selectors(body)?,
            ..Default::default()
        };
        let page = super::loose_page(body.get("page"), super::page_limit_error)?;
        let (count, info) = self.find_service_instances(caller, &f, &page).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn list_service_instance_by_host(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::invalid("bk_biz_id"));
        }
        let host = crate::req::typed_int(body, "bk_host_id")?.unwrap_or(0);
        if host == 0 {
            return Err(Error::with(code::HTTP_INPUT_INVALID, "bk_host_id"));
        }
        let f = InstanceFilter {
            biz,
            hosts: Some(vec![host]),
            pattern: name_pattern(body)?,
            selectors: parse_selectors(body)?,
            ..Default::default()
        };
        let page = Page::parse(body.get("page"))?;
        let (count, info) = self.find_service_instances(caller, &f, &page).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn list_service_instance_by_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::path_id(body, "bk_biz_id", super::is_invalid)?;
        let set_template = crate::req::typed_int(body, "set_template_id")?.unwrap_or(0);
        if set_template == 0 {
            return Err(Error::with(code::LOST_FIELD, "set_template_id"));
        }
        let mut page = super::strict_page(body.get("page"), super::page_limit_error)?;
        page.sort = vec![("id".into(), true)];
        let modules: Vec<i64> = self
            .store
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "module".into()), Filter::Eq("biz_id", Param::Int(biz))])
            .await?
            .iter()
            .filter(|m| int_field(m, "set_template_id") == set_template)
            .map(|m| int_field(m, "bk_module_id"))
            .collect();
        if modules.is_empty() {
            return Ok(json!({"count": 0, "info": []}));
        }
        let f = InstanceFilter { biz, modules: Some(modules), ..Default::default() };
        let (count, info) = self.find_service_instances(caller, &f, &page).await?;
        Ok(crate::page::counted(count, info))
    }

    pub async fn list_service_instance_detail(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::positive_biz(body, super::invalid)?;
        let host_list = crate::req::int_array(body, "bk_host_list")?;
        let host = crate::req::typed_int(body, "bk_host_id")?.unwrap_or(0);
        if host != 0 && !host_list.is_empty() {
            return Err(Error::invalid("bk_host_id"));
        }
        let hosts = if host != 0 {
            Some(vec![host])
        } else if host_list.is_empty() {
            None
        } else {
            Some(host_list)
        };
        let ids = match body.get("service_instance_ids") {
            None | Some(Value::Null) => None,
            Some(_) => Some(crate::req::int_array(body, "service_instance_ids")?),
        };
        let f = InstanceFilter {
            biz,
            module: crate::req::typed_int(body, "bk_module_id")?,
            hosts,
            ids,
            selectors: parse_selectors(body)?,
            ..Default::default()
        };
        let mut page = super::strict_page(body.get("page"), super::page_limit_error)?;
        if page.sort.is_empty() {
            page.sort = vec![("create_time".into(), false)];
        }
        let (count, instances) = self.find_service_instances(caller, &f, &page).await?;
        let si_ids: Vec<i64> = instances.iter().map(super::id_of).collect();
        let relations = super::read_relations(&self.store, &si_ids).await?;
        let process_ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
        let model = self.model_read("process").await?.ok_or_else(|| Error::internal("process model missing"))?;
        let mut processes: HashMap<i64, Value> = super::read_nodes(&self.store, "process", &process_ids)
            .await?
            .into_iter()
            .map(|p| (int_field(&p, "bk_process_id"), p))
            .collect();
        let times = model.time_fields();
        let mut by_instance: HashMap<i64, Vec<Value>> = HashMap::new();
        for r in relations {
            let p = processes
                .remove(&int_field(&r, "bk_process_id"))
                .map(|p| super::process::detail_shape(p, &model, &times))
                .unwrap_or(Value::Null);
            by_instance
                .entry(int_field(&r, "service_instance_id"))
                .or_default()
                .push(super::object([("process", p), ("relation", r)]));
        }
        let info: Vec<Value> = instances
            .into_iter()
            .map(|mut si| {
                let procs = by_instance.remove(&super::id_of(&si)).map(Value::Array).unwrap_or(Value::Null);
                si["process_instances"] = procs;
                si
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    pub async fn add_label_for_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = super::positive_biz(body, super::invalid)?;
        let ids = super::id_list(body, "instance_ids", CREATE_MAX)?;
        let labels = match body.get("labels") {
            Some(Value::Object(m)) => m.clone(),
            None | Some(Value::Null) => return Err(Error::missing("labels")),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "labels")),
        };
        for (k, v) in &labels {
            let v = v.as_str().ok_or_else(|| Error::invalid(format!("label.{k}")))?;
            if !label_key_ok(k) {
                return Err(Error::invalid(format!("label.{k}")));
            }
            if !label_value_ok(v) {
                return Err(Error::invalid(format!("label.{k}:{v}")));
            }
        }
        self.change_labels(caller, biz, &ids, |m| {
            for (k, v) in &labels {
                m.insert(k.clone(), v.clone());
            }
        })
        .await
    }

    pub async fn remove_label_from_service_instance(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let ids = super::id_list(body, "instance_ids", DELETE_MAX)?;
        let keys: Vec<String> = crate::req::array(body, "keys")?
            .iter()
            .map(|k| k.as_str().map(str::to_string).ok_or_else(|| Error::with(code::JSON_UNMARSHAL, "keys")))
            .collect::<Result<_>>()?;
        if keys.is_empty() {
            return Err(Error::missing("keys"));
        }
        self.change_labels(caller, biz, &ids, |m| {
            for k in &keys {
                m.remove(k);
            }
        })
        .await
    }

    /// Applies `change` to the labels of instances `ids` of `biz` (all must exist there), one
    /// audit record per instance.
    async fn change_labels(
        &self,
        caller: &Caller,
        biz: i64,
        ids: &[i64],
        change: impl Fn(&mut Map<String, Value>),
    ) -> Result<Value> {
        let distinct: BTreeSet<i64> = ids.iter().copied().collect();
        let distinct: Vec<i64> = distinct.into_iter().collect();
        let mut tx = self.store.begin().await?;
        let found = super::docs_in(&mut tx, Kind::ServiceInstance, "id", &distinct).await?;
        let found: Vec<Value> = found
            .into_iter()
            .filter(|s| int_field(s, "bk_biz_id") == biz && crate::tenant::doc_visible(&caller.supplier, s))
            .collect();
        if found.len() != distinct.len() {
            return Err(Error::invalid("instance_ids"));
        }
        let mut audits = Vec::with_capacity(found.len());
        for mut si in found {
            let before = si.get("labels").cloned().unwrap_or(Value::Null);
            let mut labels = before.as_object().cloned().unwrap_or_default();
            change(&mut labels);
            si["labels"] = Value::Object(labels);
            tx.update_doc(Kind::ServiceInstance, super::id_of(&si), &si).await?;
            let update = json!({"labels": si["labels"]});
            let details = crate::audit::basic(Some(&json!({"labels": before})), None, Some(&update));
            audits.push(instance_audit(caller, "update", &si, details, vec![]));
        }
        tx.insert_audits(&audits).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_host_service_template_id(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let hosts = crate::req::int_array(body, "bk_host_id")?;
        if hosts.len() > 200 {
            return Err(Error::with2(code::VAL_EXCEED_MAX, "bk_host_id", "200"));
        }
        if hosts.is_empty() {
            return Ok(Value::Null);
        }
        let rels = self.store.host_relations(cmdb_store::topo::HostScope::Host, &hosts).await?;
        if rels.is_empty() {
            return Err(Error::new(code::HOSTS_WITHOUT_MODULE));
        }
        let module_ids: Vec<i64> = rels.iter().map(|r| r.module).collect::<BTreeSet<_>>().into_iter().collect();
        let templates: HashMap<i64, i64> = super::read_nodes(&self.store, "module", &module_ids)
            .await?
            .iter()
            .map(|m| (int_field(m, "bk_module_id"), int_field(m, "service_template_id")))
            .collect();
        let mut per_host: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
        for r in &rels {
            let set = per_host.entry(r.host).or_default();
            if let Some(t) = templates.get(&r.module).filter(|t| **t != 0) {
                set.insert(*t);
            }
        }
        let out: Vec<Value> =
            per_host.into_iter().map(|(h, ts)| json!({"bk_host_id": h, "service_template_id": ts})).collect();
        Ok(Value::Array(out))
    }
}

/// Deletes service instances with their processes and relations; audit `delete` per instance
/// with its processes, events for processes and relations.
pub(super) async fn remove_instances(core: &Core, tx: &mut Tx, caller: &Caller, instances: Vec<Value>) -> Result<()> {
    if instances.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = instances.iter().map(super::id_of).collect();
    let relations = super::docs_in(tx, Kind::ProcessRelation, "instance_id", &ids).await?;
    let process_ids: Vec<i64> = relations.iter().map(|r| int_field(r, "bk_process_id")).collect();
    let processes = super::nodes_by_id(tx, "process", &process_ids).await?;
    let model = core.model_tx(tx, "process").await?.ok_or_else(|| Error::internal("process model missing"))?;
    let mut by_instance: HashMap<i64, Vec<Value>> = HashMap::new();
    for p in &processes {
        let entry = process_audit(
            "delete",
            p,
            crate::audit::basic(Some(&crate::instance::render(p.clone(), &model.time_fields())), None, None),
        );
        by_instance.entry(int_field(p, "service_instance_id")).or_default().push(entry);
    }
    for chunk in process_ids.chunks(500) {
        tx.delete_docs(Kind::ProcessRelation, &[Filter::In("id", ids_param(chunk))]).await?;
        tx.delete_docs(Kind::Instance, &[Filter::Eq("obj_id", "process".into()), Filter::In("id", ids_param(chunk))])
            .await?;
    }
    for chunk in ids.chunks(500) {
        tx.delete_docs(Kind::ServiceInstance, &[Filter::In("id", ids_param(chunk))]).await?;
    }
    let audits: Vec<Value> = instances
        .iter()
        .map(|si| {
            let procs = by_instance.remove(&super::id_of(si)).unwrap_or_default();
            instance_audit(caller, "delete", si, crate::audit::basic(Some(si), None, None), procs)
        })
        .collect();
    tx.insert_audits(&audits).await?;
    let rendered: Vec<Value> =
        processes.into_iter().map(|p| crate::instance::render(p, &model.time_fields())).collect();
    tx.insert_events("process", "delete", &caller.supplier, &rendered).await?;
    tx.insert_events("process_instance_relation", "delete", &caller.supplier, &relations).await?;
    Ok(())
}

/// Service instances of hosts in modules they left (hosts.md §2 side effects).
pub(crate) async fn delete_instances_of_hosts(
    core: &Core,
    tx: &mut Tx,
    caller: &Caller,
    left: &[HostRelation],
) -> Result<()> {
    if left.is_empty() {
        return Ok(());
    }
    let pairs: HashSet<(i64, i64)> = left.iter().map(|r| (r.host, r.module)).collect();
    let hosts: Vec<i64> = left.iter().map(|r| r.host).collect::<BTreeSet<_>>().into_iter().collect();
    let instances: Vec<Value> = super::docs_in(tx, Kind::ServiceInstance, "host_id", &hosts)
        .await?
        .into_iter()
        .filter(|si| pairs.contains(&(int_field(si, "bk_host_id"), int_field(si, "bk_module_id"))))
        .collect();
    remove_instances(core, tx, caller, instances).await
}

/// Hosts that entered template modules get one instance per (host, module) with all template
/// processes, when the template has process templates (hosts.md §2; skipped on request).
pub(crate) async fn after_transfer(core: &Core, tx: &mut Tx, caller: &Caller, added: &[HostRelation]) -> Result<()> {
    if added.is_empty() {
        return Ok(());
    }
    let module_ids: Vec<i64> = added.iter().map(|r| r.module).collect::<BTreeSet<_>>().into_iter().collect();
    let modules: Vec<Value> = super::nodes_by_id(tx, "module", &module_ids)
        .await?
        .into_iter()
        .filter(|m| int_field(m, "service_template_id") != 0 && int_field(m, "default") == 0)
        .collect();
    if modules.is_empty() {
        return Ok(());
    }
    let hosts: Vec<i64> = added.iter().map(|r| r.host).collect::<BTreeSet<_>>().into_iter().collect();
    let host_docs: HashMap<i64, Value> =
        crate::host::hosts_by_id(tx, &hosts).await?.into_iter().map(|d| (int_field(&d, "bk_host_id"), d)).collect();
    let biz = added[0].biz;
    let mut w = ProcessWriter::new(core, tx, caller, biz).await?;
    w.prime(tx, &hosts).await?;
    for m in &modules {
        let (module_id, template) = (int_field(m, "bk_module_id"), int_field(m, "service_template_id"));
        let tpls = super::process_templates(tx, template).await?;
        if tpls.is_empty() {
            continue;
        }
        for r in added.iter().filter(|r| r.module == module_id) {
            if w.instance_exists(tx, module_id, r.host, template).await? {
                continue;
            }
            let host = host_docs.get(&r.host).cloned().unwrap_or(Value::Null);
            w.create_from_templates(tx, m, &host, &tpls, "").await?;
        }
    }
    w.finish(tx).await.map(|_| ())
}

/// The document of a new service instance.
pub(super) fn instance_doc(caller: &Caller, id: i64, name: &str, module: &Value, host_id: i64, template: i64) -> Value {
    let now = now_text();
    json!({
        "id": id, "name": name, "bk_biz_id": int_field(module, "bk_biz_id"), "bk_module_id": int_field(module, "bk_module_id"),
        "bk_host_id": host_id, "service_template_id": template, "labels": null, "creator": caller.user,
        "modifier": caller.user, "create_time": now, "last_time": now, "bk_supplier_account": caller.supplier,
    })
}

/// The first process template by id (names derived from it).
pub(super) fn first_template(tpls: &[Value]) -> Option<&Value> {
    tpls.iter().min_by_key(|t| int_field(t, "id"))
}
