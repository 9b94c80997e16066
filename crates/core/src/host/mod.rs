//! Hosts (hosts.md): identity, adding, editing, transfers between modules and businesses, queries,
//! cloud areas and locks. Host documents live with every instance (model `host`); their
//! host–module relations in `module_host` and their unique identity keys in `host_key`, both
//! written set-based so that thousands of hosts cost a handful of statements.

mod add;
mod edit;
mod paths;
mod query;
mod transfer;

use crate::instance::{render, Model};
use crate::model::{int_field, str_field};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::hosts::{HostKey, KEY_AGENT, KEY_OUTER, KEY_V4, KEY_V6};
use cmdb_store::topo::HostRelation;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Id sequence of hosts.
const HOST_SEQ: &str = "host";
/// Host fields stored as lists and returned comma-joined.
const LIST_FIELDS: [&str; 4] = ["bk_host_innerip", "bk_host_outerip", "bk_host_innerip_v6", "bk_host_outerip_v6"];
/// User-list fields of hosts, also stored as lists.
const USER_LIST_FIELDS: [&str; 2] = ["operator", "bk_bak_operator"];

/// A comma-separated IPv4 list; every entry must be a valid address.
fn v4_list(s: &str, field: &str) -> Result<Vec<String>> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| x.parse::<Ipv4Addr>().map(|a| a.to_string()).map_err(|_| Error::invalid(field)))
        .collect()
}

/// A comma-separated IPv6 list, each entry in the full zero-padded 8-group form.
fn v6_list(s: &str, field: &str) -> Result<Vec<String>> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            let a: Ipv6Addr = x.parse().map_err(|_| Error::invalid(field))?;
            Ok(a.segments().iter().map(|g| format!("{g:04x}")).collect::<Vec<_>>().join(":"))
        })
        .collect()
}

/// The address list of an IP field as a request gives it (string, number-free).
fn ip_text(v: Option<&Value>, field: &str) -> Result<String> {
    match v {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Array(a)) => {
            let parts: Option<Vec<&str>> = a.iter().map(Value::as_str).collect();
            Ok(parts.ok_or_else(|| Error::invalid(field))?.join(","))
        }
        Some(_) => Err(Error::invalid(field)),
    }
}

pub(crate) fn list_of(doc: &Value, field: &str) -> Vec<String> {
    match doc.get(field) {
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        Some(Value::String(s)) => s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect(),
        _ => vec![],
    }
}

/// A host as the wire shows it: lists comma-joined, instants as RFC 3339.
pub(crate) fn render_host(doc: Value, model: &Model) -> Value {
    render(join_lists(doc), &model.time_fields())
}

/// A host document with its list-valued fields comma-joined.
pub(crate) fn join_lists(mut doc: Value) -> Value {
    if let Some(m) = doc.as_object_mut() {
        for f in LIST_FIELDS.iter().chain(USER_LIST_FIELDS.iter()) {
            if let Some(Value::Array(a)) = m.get(*f) {
                let joined = a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",");
                m.insert(f.to_string(), Value::String(joined));
            }
        }
    }
    doc
}

/// Whether a host uses static addressing (its IPs are unique in its cloud area).
fn is_static(doc: &Value) -> bool {
    str_field(doc, "bk_addressing") != "dynamic"
}

/// The identity keys of a stored host document.
fn keys_of(doc: &Value) -> Vec<HostKey> {
    let host = int_field(doc, "bk_host_id");
    let cloud = int_field(doc, "bk_cloud_id");
    let unique = is_static(doc);
    let mut keys = Vec::new();
    for (field, kind) in [("bk_host_innerip", KEY_V4), ("bk_host_innerip_v6", KEY_V6)] {
        for ip in list_of(doc, field) {
            keys.push(HostKey { kind, cloud, value: ip, host, unique });
        }
    }
    for ip in list_of(doc, "bk_host_outerip") {
        keys.push(HostKey { kind: KEY_OUTER, cloud: 0, value: ip, host, unique: true });
    }
    let agent = str_field(doc, "bk_agent_id");
    if !agent.is_empty() {
        keys.push(HostKey { kind: KEY_AGENT, cloud: 0, value: agent.to_string(), host, unique: true });
    }
    keys
}

/// Refuses keys that clash among themselves or with stored hosts other than `except` (1199014).
async fn check_keys(tx: &mut Tx, keys: &[HostKey], except: &[i64]) -> Result<()> {
    let mut seen = HashSet::new();
    for k in keys.iter().filter(|k| k.unique) {
        if !seen.insert((k.kind, k.cloud, k.value.as_str())) {
            return Err(Error::duplicate(key_field(k.kind)));
        }
    }
    if let Some(k) = tx.clashing_host_keys(keys, except).await?.first() {
        return Err(Error::duplicate(key_field(k.kind)));
    }
    Ok(())
}

fn key_field(kind: &str) -> &'static str {
    match kind {
        KEY_V6 => "bk_host_innerip_v6",
        KEY_AGENT => "bk_agent_id",
        KEY_OUTER => "bk_host_outerip",
        _ => "bk_host_innerip",
    }
}

/// Checks and normalises the identity fields of a new host row: at least one inner IP (1199091),
/// valid address lists, `bk_cloud_id` ≥ 0 (default 0), `bk_addressing` static (default) or dynamic.
/// IP fields become lists in `row`.
fn identity(row: &mut Map<String, Value>, require_cloud: bool, require_addressing: bool) -> Result<()> {
    let v4 = v4_list(&ip_text(row.get("bk_host_innerip"), "bk_host_innerip")?, "bk_host_innerip")?;
    let v6 = v6_list(&ip_text(row.get("bk_host_innerip_v6"), "bk_host_innerip_v6")?, "bk_host_innerip_v6")?;
    if v4.is_empty() && v6.is_empty() {
        return Err(Error::with2(code::ONE_OF_REQUIRED, "bk_host_innerip", "bk_host_innerip_v6"));
    }
    let outer = v4_list(&ip_text(row.get("bk_host_outerip"), "bk_host_outerip")?, "bk_host_outerip")?;
    let outer6 = v6_list(&ip_text(row.get("bk_host_outerip_v6"), "bk_host_outerip_v6")?, "bk_host_outerip_v6")?;
    let cloud = match row.get("bk_cloud_id") {
        None | Some(Value::Null) if require_cloud => return Err(Error::invalid("bk_cloud_id")),
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().filter(|c| *c >= 0).ok_or_else(|| Error::invalid("bk_cloud_id"))?,
    };
    let addressing = match row.get("bk_addressing") {
        None | Some(Value::Null) if require_addressing => return Err(Error::invalid("bk_addressing")),
        None | Some(Value::Null) => "static".to_string(),
        Some(Value::String(s)) if s == "static" || s == "dynamic" => s.clone(),
        Some(_) => return Err(Error::invalid("bk_addressing")),
    };
    row.insert("bk_host_innerip".into(), json!(v4));
    row.insert("bk_host_innerip_v6".into(), json!(v6));
    row.insert("bk_host_outerip".into(), json!(outer));
    row.insert("bk_host_outerip_v6".into(), json!(outer6));
    row.insert("bk_cloud_id".into(), json!(cloud));
    row.insert("bk_addressing".into(), json!(addressing));
    Ok(())
}

/// A validated new host document (without its id): the row checked against the host model,
/// with identity lists in place.
async fn new_host_doc(
    tx: &mut Tx,
    caller: &Caller,
    model: &Model,
    mut row: Map<String, Value>,
    require_cloud: bool,
    require_addressing: bool,
) -> Result<Map<String, Value>> {
    identity(&mut row, require_cloud, require_addressing)?;
    let lists: Vec<(String, Value)> = LIST_FIELDS.iter().map(|f| (f.to_string(), row[*f].clone())).collect();
    // The model checks the joined text forms; the lists are put back afterwards.
    for (f, v) in &lists {
        let joined =
            v.as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")).unwrap_or_default();
        row.insert(f.clone(), json!(joined));
    }
    for k in ["bk_host_id", "import_from", "create_time", "bk_biz_id"] {
        row.remove(k);
    }
    let mut doc = crate::instance::validate::for_create(tx, caller, model, &row).await?.doc;
    for (f, v) in lists {
        doc.insert(f, v);
    }
    users_to_lists(&mut doc);
    doc.insert("bk_cloud_id".into(), row["bk_cloud_id"].clone());
    doc.insert("bk_addressing".into(), row["bk_addressing"].clone());
    doc.entry("import_from").or_insert(json!("3"));
    Ok(doc)
}

/// Operator fields of a host document as lists.
fn users_to_lists(doc: &mut Map<String, Value>) {
    for f in USER_LIST_FIELDS {
        if let Some(Value::String(s)) = doc.get(f) {
            let list: Vec<String> = s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
            doc.insert(f.to_string(), json!(list));
        }
    }
}

/// Validated changes of a host update, with list-valued fields as lists.
async fn host_changes(
    tx: &mut Tx,
    caller: &Caller,
    model: &Model,
    biz: i64,
    data: &Map<String, Value>,
) -> Result<Map<String, Value>> {
    let mut changes = crate::instance::validate::for_update(tx, caller, model, biz, data).await?;
    for (f, v6) in [("bk_host_outerip", false), ("bk_host_outerip_v6", true)] {
        if let Some(v) = changes.get(f) {
            let text = ip_text(Some(v), f)?;
            let list = if v6 { v6_list(&text, f)? } else { v4_list(&text, f)? };
            changes.insert(f.to_string(), json!(list));
        }
    }
    users_to_lists(&mut changes);
    Ok(changes)
}

impl crate::Core {
    /// Writes host changes; a new outer IP list must be unused by other hosts (1199014).
    async fn update_host_doc(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        model: &Model,
        old: &Value,
        changes: Map<String, Value>,
    ) -> Result<()> {
        if changes.contains_key("bk_host_outerip") {
            let host = int_field(old, "bk_host_id");
            let mut probe = old.clone();
            probe["bk_host_outerip"] = changes["bk_host_outerip"].clone();
            let keys: Vec<HostKey> = keys_of(&probe).into_iter().filter(|k| k.kind == KEY_OUTER).collect();
            check_keys(tx, &keys, &[host]).await?;
            tx.delete_host_keys(&[host], Some(KEY_OUTER)).await?;
            tx.insert_host_keys(&keys).await?;
        }
        self.write_update(tx, caller, model, old, changes, "update").await?;
        Ok(())
    }
}

/// The static host with inner IPv4 `ip` in cloud area `cloud`, if any.
async fn host_by_ip(tx: &mut Tx, cloud: i64, ip: &str) -> Result<Option<i64>> {
    let key = HostKey { kind: KEY_V4, cloud, value: ip.to_string(), host: 0, unique: true };
    Ok(tx.clashing_host_keys(&[key], &[]).await?.first().map(|k| k.host))
}

/// Cloud areas that exist, among `ids`.
async fn existing_clouds(tx: &mut Tx, ids: &[i64]) -> Result<HashSet<i64>> {
    let params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
    let found = tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", "plat".into()), Filter::In("id", params)]).await?;
    Ok(found.iter().map(|d| int_field(d, "bk_cloud_id")).collect())
}

/// Host documents by id (writer's view), in id order.
pub(crate) async fn hosts_by_id(tx: &mut Tx, ids: &[i64]) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(1000) {
        let params: Vec<Param> = chunk.iter().map(|i| Param::Int(*i)).collect();
        out.extend(
            tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", "host".into()), Filter::In("id", params)]).await?,
        );
    }
    Ok(out)
}

/// The module of business `biz` with `default` kind `kind` (1 idle, 2 fault, 3 recycle).
async fn internal_module(tx: &mut Tx, biz: i64, kind: i64) -> Result<Option<(i64, i64)>> {
    let nodes = tx.topo_nodes(biz, &["module"]).await?;
    Ok(nodes.iter().find(|m| m.default == kind).map(|m| (m.id, m.parent)))
}

/// The resource-pool business of the caller's tenant.
async fn resource_pool(tx: &mut Tx, caller: &Caller) -> Result<i64> {
    let bizs = tx.find_docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into())]).await?;
    bizs.iter()
        .filter(|b| int_field(b, "default") == 1 && crate::tenant::doc_visible(&caller.supplier, b))
        .map(|b| int_field(b, "bk_biz_id"))
        .next()
        .ok_or_else(|| Error::with(code::BIZ_NOT_EXIST_NAMED, "resource pool"))
}

/// Writes new hosts with their keys and their relation to one module; audit and events per host.
async fn insert_hosts(
    tx: &mut Tx,
    caller: &Caller,
    model: &Model,
    docs: Vec<Map<String, Value>>,
    target: HostRelation,
) -> Result<Vec<i64>> {
    if docs.is_empty() {
        return Ok(vec![]);
    }
    if docs.len() >= BULK_HOSTS {
        tx.statistics_stale(&["instance", "module_host", "host_key"]);
    }
    let first = tx.next_ids(HOST_SEQ, docs.len() as i64).await?;
    let mut ids = Vec::with_capacity(docs.len());
    let mut keys = Vec::new();
    let mut rels = Vec::with_capacity(docs.len());
    let mut stored = Vec::with_capacity(docs.len());
    for (i, mut d) in docs.into_iter().enumerate() {
        let id = first + i as i64;
        d.insert("bk_host_id".into(), json!(id));
        let doc = Value::Object(d);
        keys.extend(keys_of(&doc));
        rels.push(HostRelation { host: id, ..target });
        ids.push(id);
        stored.push(doc);
    }
    check_keys(tx, &keys, &[]).await?;
    tx.insert_docs(Kind::Instance, &stored).await?;
    tx.insert_host_keys(&keys).await?;
    tx.insert_host_relations(&rels, &caller.supplier).await?;
    let audits: Vec<Value> = stored
        .iter()
        .zip(&rels)
        .map(|(doc, rel)| {
            let mut audit = crate::instance::audit_of("create", model, doc, crate::audit::basic(None, Some(doc), None));
            audit.biz_id = rel.biz;
            crate::audit::record(caller, audit)
        })
        .collect();
    tx.insert_audits(&audits).await?;
    tx.insert_events("host", "create", &caller.supplier, &stored).await?;
    let rel_docs: Vec<Value> = rels.iter().map(|r| relation_doc(r, &caller.supplier)).collect();
    tx.insert_events("host_relation", "create", &caller.supplier, &rel_docs).await?;
    Ok(ids)
}

/// A relation row as the API shows it.
fn relation_doc(r: &HostRelation, supplier: &str) -> Value {
    json!({"bk_biz_id": r.biz, "bk_host_id": r.host, "bk_module_id": r.module, "bk_set_id": r.set, "bk_supplier_account": supplier})
}

/// Adds of at least this many hosts refresh the planner statistics afterwards (PostgreSQL).
const BULK_HOSTS: usize = 1000;

impl crate::Core {
    async fn host_model(&self, tx: &mut Tx) -> Result<std::sync::Arc<Model>> {
        self.model_tx(tx, "host").await?.ok_or_else(|| Error::internal("host model missing"))
    }
}
