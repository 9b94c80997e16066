//! Updating and deleting hosts (hosts.md §4), cloud areas (§7), host locks (§8), agent binding
//! and host identifiers (§9), and the lightly documented location/cost endpoints.

use super::{check_keys, hosts_by_id, keys_of, relation_doc, render_host, resource_pool};
use crate::instance::{parse_fields, project, tenant_filter};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::query::{self, Expr, Test};
use cmdb_model::{code, time, Caller, Error, Lang, Result};
use cmdb_store::hosts::KEY_AGENT;
use cmdb_store::topo::HostScope;
use cmdb_store::Tx;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

const BATCH_UPDATE_MAX: usize = 1000;
const CLOUD_FIELD_MAX: usize = 2000;
const AGENT_LIST_MAX: usize = 200;
const IDENTIFIER_HOSTS_MAX: usize = 200;
/// Cloud areas the system owns: the default area and "unassigned".
const BUILTIN_CLOUDS: [i64; 2] = [0, 90_000_001];
/// Cloud-area ids the original reserves; the sequence skips them.
const RESERVED_CLOUD_IDS: std::ops::RangeInclusive<i64> = 90_000_000..=99_999_999;

/// `bk_host_id` of update_host / delete_host: `"1,2,3"`, a number or an array. Missing or another
/// type → 1199011; an entry that is not an integer → 1199006. Duplicates removed.
fn id_list(body: &Body, key: &str) -> Result<Vec<i64>> {
    let ids: Vec<i64> = match body.get(key) {
        Some(Value::String(s)) => {
            if s.trim().is_empty() {
                return Err(Error::invalid(key));
            }
            s.split(',').map(|x| x.trim().parse::<i64>().map_err(|_| Error::invalid(key))).collect::<Result<_>>()?
        }
        Some(Value::Number(n)) => vec![n.as_i64().ok_or_else(|| Error::invalid(key))?],
        Some(Value::Array(a)) => {
            a.iter().map(|v| v.as_i64().ok_or_else(|| Error::invalid(key))).collect::<Result<_>>()?
        }
        _ => return Err(Error::is_invalid(key)),
    };
    let mut seen = HashSet::new();
    Ok(ids.into_iter().filter(|i| seen.insert(*i)).collect())
}

impl Core {
    /// The business of each host (its relations' business).
    async fn biz_of_hosts(&self, tx: &mut Tx, hosts: &[i64]) -> Result<HashMap<i64, i64>> {
        Ok(tx.relations_of_hosts(hosts).await?.into_iter().map(|r| (r.host, r.biz)).collect())
    }

    /// Applies `data` to one stored host like update_host does (cloud area never, unknown and
    /// non-editable fields dropped).
    async fn update_one_host(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        old: &Value,
        biz: i64,
        data: &Map<String, Value>,
    ) -> Result<()> {
        let model = self.host_model(tx).await?;
        let mut data = data.clone();
        data.remove("bk_cloud_id");
        let changes = super::host_changes(tx, caller, &model, biz, &data).await?;
        self.update_host_doc(tx, caller, &model, old, changes).await
    }

    pub async fn update_host(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = id_list(body, "bk_host_id")?;
        let data = crate::req::opt_obj(body, "data")?.cloned().unwrap_or_default();
        let mut tx = self.store.begin().await?;
        let bizs = self.biz_of_hosts(&mut tx, &ids).await?;
        for old in hosts_by_id(&mut tx, &ids).await? {
            if !crate::tenant::writable(&caller.supplier, &old) {
                continue;
            }
            let biz = bizs.get(&int_field(&old, "bk_host_id")).copied().unwrap_or(0);
            self.update_one_host(&mut tx, caller, &old, biz, &data).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn batch_update_host(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let items = crate::req::array(body, "update")?;
        crate::req::bounded(items.len(), "update", BATCH_UPDATE_MAX)?;
        let mut parsed = Vec::with_capacity(items.len());
        for it in &items {
            let id = it
                .get("bk_host_id")
                .and_then(Value::as_i64)
                .filter(|i| *i > 0)
                .ok_or_else(|| Error::invalid("bk_host_id"))?;
            let props = it.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
            parsed.push((id, props));
        }
        let ids: Vec<i64> = parsed.iter().map(|p| p.0).collect();
        let mut tx = self.store.begin().await?;
        let bizs = self.biz_of_hosts(&mut tx, &ids).await?;
        for (id, props) in &parsed {
            let old = hosts_by_id(&mut tx, &[*id])
                .await?
                .pop()
                .filter(|d| crate::tenant::writable(&caller.supplier, d))
                .ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
            self.update_one_host(&mut tx, caller, &old, bizs.get(id).copied().unwrap_or(0), props).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_host(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = id_list(body, "bk_host_id")?;
        let mut tx = self.store.begin().await?;
        let pool = resource_pool(&mut tx, caller).await?;
        let docs: Vec<Value> = hosts_by_id(&mut tx, &ids)
            .await?
            .into_iter()
            .filter(|d| crate::tenant::writable(&caller.supplier, d))
            .collect();
        let found: Vec<i64> = docs.iter().map(|d| int_field(d, "bk_host_id")).collect();
        let rels = tx.relations_of_hosts(&found).await?;
        if rels.iter().any(|r| r.biz != pool) {
            return Err(Error::new(code::HOSTS_NOT_IN_BIZ));
        }
        for h in &found {
            if crate::instance::association::has_live_association(&mut tx, "host", *h).await? {
                return Err(Error::new(code::HOST_HAS_ASSOCIATION));
            }
        }
        crate::service::delete_instances_of_hosts(self, &mut tx, caller, &rels).await?;
        tx.delete_host_relations(&rels).await?;
        tx.delete_host_keys(&found, None).await?;
        tx.unlock_hosts(&found).await?;
        for r in &rels {
            tx.insert_event("host_relation", "delete", &caller.supplier, &relation_doc(r, &caller.supplier)).await?;
        }
        let model = self.host_model(&mut tx).await?;
        self.delete_many(&mut tx, caller, &model, &found).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn clone_host_property(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let int = |k: &str| -> Result<Option<i64>> {
            match body.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v.as_i64().map(Some).ok_or_else(|| Error::with(code::NEED_INT, k)),
            }
        };
        let biz = int("bk_biz_id")?.unwrap_or(0);
        if biz <= 0 {
            return Err(Error::with(code::NEED_INT, "bk_biz_id"));
        }
        let cloud = int("bk_cloud_id")?.unwrap_or(0);
        if cloud < 0 {
            return Err(Error::with(code::NEED_INT, "bk_cloud_id"));
        }
        let text =
            |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (org_ip, dst_ip) = (text("bk_org_ip"), text("bk_dst_ip"));
        let (org_id, dst_id) = (int("bk_org_id")?, int("bk_dst_id")?);
        let by_ip = org_ip.is_some() || dst_ip.is_some();
        let by_id = org_id.is_some() || dst_id.is_some();
        if by_ip == by_id
            || (by_ip && (org_ip.is_none() || dst_ip.is_none()))
            || (by_id && (org_id.is_none() || dst_id.is_none()))
            || org_id.is_some_and(|i| i <= 0)
            || dst_id.is_some_and(|i| i <= 0)
        {
            return Err(Error::is_invalid("bk_org_ip/bk_dst_ip/bk_org_id/bk_dst_id"));
        }
        if (by_ip && org_ip == dst_ip) || (by_id && org_id == dst_id) {
            return Ok(Value::Null);
        }
        let mut tx = self.store.begin().await?;
        let find = |ip: Option<String>, id: Option<i64>| (ip, id);
        let mut pair = Vec::new();
        for (ip, id) in [find(org_ip, org_id), find(dst_ip, dst_id)] {
            let host = match (ip, id) {
                (Some(ip), _) => match super::host_by_ip(&mut tx, cloud, &ip).await? {
                    Some(h) => hosts_by_id(&mut tx, &[h]).await?.pop(),
                    None => None,
                },
                (None, Some(id)) => {
                    hosts_by_id(&mut tx, &[id]).await?.pop().filter(|d| int_field(d, "bk_cloud_id") == cloud)
                }
                _ => None,
            };
            pair.push(host.ok_or_else(|| Error::invalid("bk_org_ip/bk_dst_ip"))?);
        }
        let ids: Vec<i64> = pair.iter().map(|d| int_field(d, "bk_host_id")).collect();
        let bizs = self.biz_of_hosts(&mut tx, &ids).await?;
        if ids.iter().any(|h| bizs.get(h) != Some(&biz)) {
            return Err(Error::new(code::HOST_NOT_IN_BIZ_2));
        }
        let model = self.host_model(&mut tx).await?;
        let unique: HashSet<&str> = model.uniques.iter().flatten().map(String::as_str).collect();
        let mut changes = Map::new();
        for a in model.attrs_for(biz) {
            if !a.editable
                || unique.contains(a.prop.as_str())
                || ["bk_host_id", "create_time"].contains(&a.prop.as_str())
            {
                continue;
            }
            if let Some(v) = pair[0].get(&a.prop) {
                changes.insert(a.prop.clone(), v.clone());
            }
        }
        self.write_update(&mut tx, caller, &model, &pair[1], changes, "update").await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn update_host_cloud_area_field(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let mut ids = crate::req::int_array(body, "bk_host_ids")?;
        let mut seen = HashSet::new();
        ids.retain(|i| seen.insert(*i));
        if ids.len() > CLOUD_FIELD_MAX {
            return Err(Error::with(code::TOO_MANY_RECORDS, CLOUD_FIELD_MAX.to_string()));
        }
        let cloud = crate::req::typed_int(body, "bk_cloud_id")?.ok_or_else(|| Error::missing("bk_cloud_id"))?;
        if cloud == 90_000_001 {
            return Err(Error::is_invalid("bk_cloud_id"));
        }
        if ids.is_empty() {
            return Err(Error::invalid("bk_host_ids"));
        }
        let mut tx = self.store.begin().await?;
        if super::existing_clouds(&mut tx, &[cloud]).await?.is_empty() {
            return Err(Error::invalid("bk_cloud_id"));
        }
        let docs = hosts_by_id(&mut tx, &ids).await?;
        if docs.len() != ids.len() {
            return Err(Error::invalid("bk_host_ids"));
        }
        let model = self.host_model(&mut tx).await?;
        let mut moved = Vec::with_capacity(docs.len());
        let mut keys = Vec::new();
        for d in &docs {
            let mut n = d.clone();
            n["bk_cloud_id"] = json!(cloud);
            keys.extend(keys_of(&n));
            moved.push(n);
        }
        check_keys(&mut tx, &keys, &ids).await?;
        tx.delete_host_keys(&ids, None).await?;
        tx.insert_host_keys(&keys).await?;
        for (old, _) in docs.iter().zip(&moved) {
            let mut changes = Map::new();
            changes.insert("bk_cloud_id".into(), json!(cloud));
            self.write_update(&mut tx, caller, &model, old, changes, "update").await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    // ---------------------------------------------------------------------------------------
    // cloud areas

    pub async fn create_cloud_area(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let fail = |e: Error| Error::with(code::CREATE_INSTANCE_FAILED, e.message(caller.lang));
        let mut data = body.clone();
        for k in ["bk_cloud_id", "default"] {
            data.remove(k);
        }
        let name = data.get("bk_cloud_name").and_then(Value::as_str).map(str::trim).unwrap_or("");
        if name.is_empty() {
            return Err(fail(Error::missing("bk_cloud_name")));
        }
        data.insert("bk_cloud_name".into(), json!(name));
        data.insert("bk_creator".into(), json!(caller.user));
        data.insert("bk_last_editor".into(), json!(caller.user));
        data.entry("bk_status").or_insert(json!("1"));
        let mut tx = self.store.begin().await?;
        let model = self.model_tx(&mut tx, "plat").await?.ok_or_else(|| Error::internal("plat model missing"))?;
        // Id 1 is burned at init and the reserved range is skipped.
        tx.bump_sequence("plat", 1).await.map_err(fail)?;
        let mut id = tx.next_id("plat").await?;
        if RESERVED_CLOUD_IDS.contains(&id) {
            tx.bump_sequence("plat", *RESERVED_CLOUD_IDS.end()).await?;
            id = tx.next_id("plat").await?;
        }
        tx.bump_sequence("plat", id - 1).await?;
        let doc = self.insert_instance(&mut tx, caller, &model, &data).await.map_err(fail)?;
        tx.commit().await?;
        Ok(json!({"created": {"origin_index": 0, "id": int_field(&doc, "bk_cloud_id")}}))
    }

    pub async fn update_cloud_area(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "bk_cloud_id")?;
        if BUILTIN_CLOUDS.contains(&id) {
            return Err(Error::new(code::BUILTIN_CLOUD_AREA));
        }
        let mut data = Map::new();
        for k in ["bk_cloud_name", "bk_cloud_vendor", "bk_region"] {
            if let Some(v) = body.get(k).filter(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())) {
                data.insert(k.to_string(), v.clone());
            }
        }
        let mut tx = self.store.begin().await?;
        let Some(old) = crate::instance::crud::find_one(&mut tx, caller, "plat", id).await? else {
            return Ok(Value::Null);
        };
        let model = self.model_tx(&mut tx, "plat").await?.ok_or_else(|| Error::internal("plat model missing"))?;
        let mut changes = crate::instance::validate::for_update(&mut tx, caller, &model, 0, &data).await?;
        changes.insert("bk_last_editor".into(), json!(caller.user));
        self.write_update(&mut tx, caller, &model, &old, changes, "update").await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_cloud_area(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "bk_cloud_id")?;
        if BUILTIN_CLOUDS.contains(&id) {
            return Err(Error::new(code::DEFAULT_CLOUD_AREA));
        }
        let host_model = self.model_read("host").await?.ok_or_else(|| Error::internal("host model missing"))?;
        let in_area = Expr::field("bk_cloud_id", Test::Eq(json!(id)));
        if self.store.count_instances(&host_model.query(&in_area, &[], 0, 1)).await? > 0 {
            return Err(Error::new(code::HAS_HOST));
        }
        let mut tx = self.store.begin().await?;
        let model = self.model_tx(&mut tx, "plat").await?.ok_or_else(|| Error::internal("plat model missing"))?;
        self.delete_many(&mut tx, caller, &model, &[id])
            .await
            .map_err(|e| Error::with(code::DELETE_INSTANCE_FAILED, e.message(caller.lang)))?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_cloud_area(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let fuzzy = body.get("is_fuzzy").and_then(Value::as_bool).unwrap_or(false);
        let cond = crate::req::opt_obj(body, "condition")?.cloned().unwrap_or_default();
        let mut parts = Vec::new();
        for (k, v) in &cond {
            match v {
                Value::String(s) if fuzzy => {
                    let re = regex::Regex::new(&format!("(?i){}", regex::escape(s)))
                        .map_err(|_| Error::invalid(k.clone()))?;
                    parts.push(Expr::field(k, Test::Regex(re)));
                }
                other => {
                    let mut one = Map::new();
                    one.insert(k.clone(), other.clone());
                    parts.push(query::parse_legacy(&one)?);
                }
            }
        }
        let fields = parse_fields(body.get("fields"), "fields")?;
        let mut page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            page.limit = 1000;
        }
        if page.limit > 1000 && page.limit != 999_999_999 {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        if page.sort.is_empty() {
            page.sort = vec![("create_time".into(), false)];
        }
        let Some(s) = self.prepare(caller, "plat", Expr::and(parts), None).await? else {
            return Ok(json!({"count": 0, "info": []}));
        };
        let count = self.count(&s).await?;
        let with_tasks = body.get("sync_task_ids").and_then(Value::as_bool).unwrap_or(false);
        let info: Vec<Value> = self
            .run(&s, &page, &[])
            .await?
            .into_iter()
            .map(|mut d| {
                if caller.lang == Lang::En
                    && str_field(&d, "bk_cloud_name") == "未分配"
                    && int_field(&d, "bk_cloud_id") == 90_000_001
                {
                    d["bk_cloud_name"] = json!("Unassigned Area");
                }
                if with_tasks {
                    d["sync_task_ids"] = json!([]);
                }
                let mut fields = fields.clone();
                if with_tasks && !fields.is_empty() {
                    fields.push("sync_task_ids".into());
                }
                project(d, &fields)
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    // ---------------------------------------------------------------------------------------
    // locks

    pub async fn add_host_lock(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "id_list")?;
        if ids.is_empty() {
            return Err(Error::missing("id_list"));
        }
        let mut tx = self.store.begin().await?;
        let found: HashSet<i64> =
            hosts_by_id(&mut tx, &ids).await?.iter().map(|d| int_field(d, "bk_host_id")).collect();
        let missing: Vec<String> = ids.iter().filter(|i| !found.contains(i)).map(i64::to_string).collect();
        if !missing.is_empty() {
            return Err(Error::is_invalid(format!("id_list [{}]", missing.join(","))));
        }
        tx.lock_hosts(&ids, &caller.user, time::now_millis()).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_host_lock(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "id_list")?;
        if ids.is_empty() {
            return Err(Error::missing("id_list"));
        }
        let mut tx = self.store.begin().await?;
        tx.unlock_hosts(&ids).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_host_lock(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "id_list")?;
        if ids.is_empty() {
            return Err(Error::missing("id_list"));
        }
        let locked: HashSet<i64> = self.store.locked_hosts(&ids).await?.into_iter().collect();
        let out: Map<String, Value> = ids.iter().map(|i| (i.to_string(), json!(locked.contains(i)))).collect();
        Ok(Value::Object(out))
    }

    // ---------------------------------------------------------------------------------------
    // agents and identifiers

    /// `list` of bind/unbind_host_agent: `[(host, agent id)]`.
    fn agent_list(body: &Body) -> Result<Vec<(i64, String)>> {
        let list = crate::req::array(body, "list")?;
        crate::req::bounded(list.len(), "list", AGENT_LIST_MAX)?;
        list.iter()
            .map(|it| {
                let h = it
                    .get("bk_host_id")
                    .and_then(Value::as_i64)
                    .filter(|h| *h > 0)
                    .ok_or_else(|| Error::missing("bk_host_id"))?;
                let a = it.get("bk_agent_id").and_then(Value::as_str).map(str::trim).filter(|a| !a.is_empty());
                Ok((h, a.ok_or_else(|| Error::missing("bk_agent_id"))?.to_string()))
            })
            .collect()
    }

    async fn set_agent(&self, tx: &mut Tx, caller: &Caller, old: &Value, agent: &str) -> Result<()> {
        let model = self.host_model(tx).await?;
        let host = int_field(old, "bk_host_id");
        let mut changes = Map::new();
        changes.insert("bk_agent_id".into(), json!(agent));
        tx.delete_host_keys(&[host], Some(KEY_AGENT)).await?;
        if !agent.is_empty() {
            let key =
                cmdb_store::hosts::HostKey { kind: KEY_AGENT, cloud: 0, value: agent.to_string(), host, unique: true };
            check_keys(tx, std::slice::from_ref(&key), &[host]).await?;
            tx.insert_host_keys(&[key]).await?;
        }
        self.write_update(tx, caller, &model, old, changes, "update").await?;
        Ok(())
    }

    pub async fn bind_host_agent(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let list = Self::agent_list(body)?;
        let mut tx = self.store.begin().await?;
        let ids: Vec<i64> = list.iter().map(|l| l.0).collect();
        let docs = hosts_by_id(&mut tx, &ids).await?;
        for (h, agent) in &list {
            let old = docs
                .iter()
                .find(|d| int_field(d, "bk_host_id") == *h)
                .ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
            if str_field(old, "bk_agent_id") == agent {
                continue;
            }
            self.set_agent(&mut tx, caller, old, agent).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn unbind_host_agent(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let list = Self::agent_list(body)?;
        let agents: HashSet<&str> = list.iter().map(|l| l.1.as_str()).collect();
        let mut tx = self.store.begin().await?;
        let ids: Vec<i64> = list.iter().map(|l| l.0).collect();
        let docs = hosts_by_id(&mut tx, &ids).await?;
        for (h, agent) in &list {
            let old = docs
                .iter()
                .find(|d| int_field(d, "bk_host_id") == *h)
                .filter(|d| str_field(d, "bk_agent_id").is_empty() || agents.contains(str_field(d, "bk_agent_id")))
                .ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
            let bound = str_field(old, "bk_agent_id");
            if bound.is_empty() {
                continue;
            }
            if bound != agent {
                return Err(Error::invalid("bk_agent_id"));
            }
            self.set_agent(&mut tx, caller, old, "").await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn push_host_identifier(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "bk_host_ids")?;
        if ids.is_empty() {
            return Err(Error::is_invalid("bk_host_ids"));
        }
        if ids.len() > IDENTIFIER_HOSTS_MAX {
            return Err(Error::with2(code::EXCEED_LIMIT, "bk_host_ids", IDENTIFIER_HOSTS_MAX.to_string()));
        }
        // The push goes through GSE, which this server does not have (as the original without one).
        Err(Error::new(code::GSE_DISABLED))
    }

    pub async fn find_host_identifier_push_result(&self, _caller: &Caller, _body: &Body) -> Result<Value> {
        Err(Error::new(code::GSE_DISABLED))
    }

    pub async fn search_hostidentifier(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ip = body.get("ip").cloned().unwrap_or(Value::Null);
        let ips: Vec<Value> = ip.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
        if ips.is_empty() {
            return Err(Error::missing("ip.data"));
        }
        let mut page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            page.limit = 1000;
        }
        if page.limit > 1000 {
            return Err(Error::with(code::OVER_LIMIT, "page.limit"));
        }
        page.sort = vec![("bk_host_id".into(), true)];
        let mut filter = vec![
            tenant_filter(caller),
            Expr::Or(vec![
                Expr::field("bk_host_innerip", Test::In(ips.clone())),
                Expr::field("bk_host_outerip", Test::In(ips)),
            ]),
        ];
        if let Some(c) = ip.get("bk_cloud_id").and_then(Value::as_i64) {
            filter.push(Expr::field("bk_cloud_id", Test::Eq(json!(c))));
        }
        let model = self.model_read("host").await?.ok_or_else(|| Error::internal("host model missing"))?;
        let filter = Expr::and(filter);
        let count = self.store.count_instances(&model.query(&filter, &[], 0, 0)).await?;
        let docs = self.store.find_instances(&model.query(&filter, &page.sort, page.start, page.limit)).await?;
        let ids: Vec<i64> = docs.iter().map(|d| int_field(d, "bk_host_id")).collect();
        let rels = self.store.relations_in(HostScope::Host, &ids, None).await?;
        let mut processes = crate::service::identity_processes(self, &ids).await?;
        let sets: Vec<i64> = rels.iter().map(|r| r.set).collect::<HashSet<_>>().into_iter().collect();
        let layers = self.custom_layers(&sets).await?;
        let info: Vec<Value> = docs
            .into_iter()
            .map(|d| {
                let id = int_field(&d, "bk_host_id");
                let associations: Map<String, Value> = rels
                    .iter()
                    .filter(|r| r.host == id)
                    .map(|r| {
                        {
                            let layer = layers.get(&r.set).cloned().unwrap_or(Value::Null);
                            (r.module.to_string(), json!({"bk_biz_id": r.biz, "bk_set_id": r.set, "bk_module_id": r.module, "layer": layer}))
                        }
                    })
                    .collect();
                let h = render_host(d, &model);
                json!({
                    "bk_host_id": id, "bk_cloud_id": h["bk_cloud_id"], "bk_host_innerip": h["bk_host_innerip"],
                    "bk_os_type": h.get("bk_os_type").cloned().unwrap_or(json!("")), "bk_supplier_account": h["bk_supplier_account"],
                    "bk_agent_id": h.get("bk_agent_id").cloned().unwrap_or(json!("")),
                    "bk_addressing": h.get("bk_addressing").cloned().unwrap_or(json!("static")),
                    "associations": associations, "process": processes.remove(&id).unwrap_or_default(),
                })
            })
            .collect();
        Ok(crate::page::counted(count, info))
    }

    /// For each set of `sets`, the custom topology levels above it as a chain from the top level
    /// down (`{"bk_inst_id","bk_inst_name","bk_obj_id","child"}`); none without custom levels.
    async fn custom_layers(&self, sets: &[i64]) -> Result<HashMap<i64, Value>> {
        let mut store = &self.store;
        let levels = crate::instance::mainline::chain(&mut store).await?;
        let Some(set_pos) = levels.iter().position(|l| l == "set") else { return Ok(HashMap::new()) };
        if set_pos <= 1 || sets.is_empty() {
            return Ok(HashMap::new());
        }
        let read = |obj: String, ids: Vec<i64>| async move {
            let params = ids.into_iter().map(cmdb_store::Param::Int).collect();
            self.store
                .find_docs(
                    cmdb_store::Kind::Instance,
                    &[
                        cmdb_store::Filter::Eq("obj_id", cmdb_store::Param::Text(obj)),
                        cmdb_store::Filter::In("id", params),
                    ],
                )
                .await
        };
        // parent of each set, then of each level instance, up to the level below the business
        let mut parent_of: HashMap<(String, i64), i64> = HashMap::new();
        let mut names: HashMap<(String, i64), String> = HashMap::new();
        for s in read("set".into(), sets.to_vec()).await? {
            parent_of.insert(("set".into(), int_field(&s, "bk_set_id")), int_field(&s, "bk_parent_id"));
        }
        let mut wanted: Vec<i64> = parent_of.values().copied().collect();
        for level in levels[1..set_pos].iter().rev() {
            wanted.sort_unstable();
            wanted.dedup();
            let docs = read(level.clone(), wanted.clone()).await?;
            wanted.clear();
            for d in docs {
                let id = int_field(&d, "bk_inst_id");
                names.insert((level.clone(), id), str_field(&d, "bk_inst_name").to_string());
                parent_of.insert((level.clone(), id), int_field(&d, "bk_parent_id"));
                wanted.push(int_field(&d, "bk_parent_id"));
            }
        }
        let mut out = HashMap::new();
        for set in sets {
            let mut chain = Vec::new();
            let mut at = ("set".to_string(), *set);
            for level in levels[1..set_pos].iter().rev() {
                let Some(p) = parent_of.get(&at).copied() else { break };
                at = (level.clone(), p);
                chain.push(at.clone());
            }
            let layer = chain.into_iter().fold(Value::Null, |child, (obj, id)| {
                let name = names.get(&(obj.clone(), id)).cloned().unwrap_or_default();
                json!({"bk_inst_id": id, "bk_inst_name": name, "bk_obj_id": obj, "child": child})
            });
            out.insert(*set, layer);
        }
        Ok(out)
    }

    pub async fn get_host_location(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let list = crate::req::array(body, "bk_host_list")?;
        if list.is_empty() {
            return Err(Error::missing("bk_host_list"));
        }
        let wanted: Vec<(String, i64)> = list
            .iter()
            .map(|item| {
                let ip = item.get("bk_host_innerip").and_then(Value::as_str).unwrap_or("").trim().to_string();
                (ip, item.get("bk_cloud_id").and_then(Value::as_i64).unwrap_or(0))
            })
            .collect();
        let ips: Vec<String> = wanted.iter().map(|w| w.0.clone()).collect();
        let holders = self.store.hosts_with_keys(cmdb_store::hosts::KEY_V4, &ips).await?;
        let ids: Vec<cmdb_store::Param> = holders.iter().map(|k| cmdb_store::Param::Int(k.host)).collect();
        let docs = self
            .store
            .find_docs(
                cmdb_store::Kind::Instance,
                &[cmdb_store::Filter::Eq("obj_id", "host".into()), cmdb_store::Filter::In("id", ids)],
            )
            .await?;
        let visible: HashSet<i64> = docs
            .iter()
            .filter(|d| crate::tenant::doc_visible(&caller.supplier, d))
            .map(|d| int_field(d, "bk_host_id"))
            .collect();
        let out: Vec<Value> = wanted
            .into_iter()
            .filter(|(ip, cloud)| {
                holders.iter().any(|k| &k.value == ip && k.cloud == *cloud && visible.contains(&k.host))
            })
            .map(|(ip, cloud)| json!({"bk_host_innerip": ip, "bk_cloud_id": cloud, "bk_location": "v3.0"}))
            .collect();
        Ok(Value::Array(out))
    }

    pub async fn find_host_snapshot_batch(&self, _caller: &Caller, body: &Body) -> Result<Value> {
        let mut ids = crate::req::int_array(body, "bk_ids")?;
        let mut seen = HashSet::new();
        ids.retain(|i| seen.insert(*i));
        if ids.is_empty() || ids.len() > IDENTIFIER_HOSTS_MAX {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "bk_ids", IDENTIFIER_HOSTS_MAX.to_string()));
        }
        if parse_fields(body.get("fields"), "fields")?.is_empty() {
            return Err(Error::invalid("fields"));
        }
        // Snapshots come from agent data collection, which this server does not run: none exist.
        Ok(json!([]))
    }

    pub async fn search_cost_info_relation(&self, _caller: &Caller, _body: &Body) -> Result<Value> {
        // Cost data (OBS / planning products) exists only in Tencent's internal edition.
        Ok(json!([]))
    }
}
