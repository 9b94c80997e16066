//! Adding hosts (hosts.md §3): into the resource pool or a business' idle module, by rows.

use super::{existing_clouds, identity, insert_hosts, internal_module, keys_of, new_host_doc, resource_pool};
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Lang, Result};
use cmdb_store::hosts::HostKey;
use cmdb_store::topo::HostRelation;
use cmdb_store::Tx;
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};

/// Largest `bk_host_list` of add_host_to_business_idle.
const BUSINESS_IDLE_MAX: usize = 200;
/// Fields an update through add_host_to_resource never changes.
const ADD_UPDATE_IGNORED: [&str; 8] = [
    "bk_host_id",
    "import_from",
    "create_time",
    "bk_cloud_id",
    "bk_host_innerip",
    "bk_host_innerip_v6",
    "bk_addressing",
    "bk_biz_id",
];

/// The static identity keys a row would take (to find the host it updates, or clashes with).
fn row_keys(row: &Map<String, Value>) -> Result<Vec<HostKey>> {
    let mut probe = row.clone();
    identity(&mut probe, false, false)?;
    probe.insert("bk_host_id".into(), json!(0));
    Ok(keys_of(&Value::Object(probe)).into_iter().filter(|k| k.kind != cmdb_store::hosts::KEY_AGENT).collect())
}

fn line(index: &str, e: &Error, lang: Lang) -> String {
    format!("{index} line: {}", e.message(lang))
}

/// The target of new hosts: business `biz` (0 = the resource pool) and its idle module.
async fn idle_target(tx: &mut Tx, caller: &Caller, biz: i64) -> Result<HostRelation> {
    let biz = if biz == 0 { resource_pool(tx, caller).await? } else { biz };
    if crate::topology::business_visible(tx, caller, biz).await?.is_none() {
        return Err(Error::new(code::BIZ_MODULE_LOOKUP_FAILED));
    }
    let (module, set) = internal_module(tx, biz, 1).await?.ok_or_else(|| Error::new(code::BIZ_MODULE_LOOKUP_FAILED))?;
    Ok(HostRelation { host: 0, module, set, biz })
}

impl Core {
    pub async fn add_host_to_resource(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let info = match body.get("host_info") {
            Some(Value::Object(m)) if !m.is_empty() => m,
            None | Some(Value::Null) | Some(Value::Object(_)) => return Err(Error::missing("host_info")),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "host_info")),
        };
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let mut rows: Vec<(i64, &String, &Value)> =
            info.iter().map(|(k, v)| (k.trim().parse::<i64>().unwrap_or(i64::MAX), k, v)).collect();
        rows.sort_by_key(|r| r.0);
        let mut tx = self.store.begin().await?;
        let target = idle_target(&mut tx, caller, biz).await?;
        let model = self.host_model(&mut tx).await?;
        // Which hosts the rows name by IP (static hosts of the same cloud area), in one read.
        let mut probes = Vec::new();
        for (_, _, v) in &rows {
            if let Some(m) = v.as_object() {
                probes.extend(row_keys(m).unwrap_or_default());
            }
        }
        let holders: HashMap<(&str, i64, String), i64> = tx
            .clashing_host_keys(&probes, &[])
            .await?
            .into_iter()
            .map(|k| ((k.kind, k.cloud, k.value), k.host))
            .collect();
        let clouds: Vec<i64> =
            rows.iter().filter_map(|(_, _, v)| v.get("bk_cloud_id").and_then(Value::as_i64)).collect();
        let clouds = existing_clouds(&mut tx, &clouds).await?;
        let (mut errors, mut update_errors, mut success) = (Vec::new(), Vec::new(), Vec::new());
        let mut new_docs = Vec::new();
        let mut taken: HashSet<(&'static str, i64, String)> = HashSet::new();
        for (_, index, v) in &rows {
            let Some(row) = v.as_object() else {
                errors.push(line(index, &Error::with(code::JSON_UNMARSHAL, "host_info"), caller.lang));
                continue;
            };
            let cloud = match row.get("bk_cloud_id") {
                None | Some(Value::Null) => 0,
                Some(c) => match c.as_i64().filter(|c| *c >= 0) {
                    Some(c) => c,
                    None => {
                        errors.push(line(index, &Error::invalid("bk_cloud_id"), caller.lang));
                        continue;
                    }
                },
            };
            if !clouds.contains(&cloud) && cloud != 0 {
                errors.push(line(index, &Error::new(code::CLOUD_AREA_NOT_FOUND), caller.lang));
                continue;
            }
            let keys = match row_keys(row) {
                Ok(k) => k,
                Err(e) => {
                    errors.push(line(index, &e, caller.lang));
                    continue;
                }
            };
            let existing = match row.get("bk_host_id").and_then(Value::as_i64) {
                Some(id) => Some(id),
                None => keys
                    .iter()
                    .filter(|k| k.unique)
                    .find_map(|k| holders.get(&(k.kind, k.cloud, k.value.clone())).copied()),
            };
            if let Some(id) = existing {
                let mut data = row.clone();
                for k in ADD_UPDATE_IGNORED {
                    data.remove(k);
                }
                let outcome = async {
                    let old = super::hosts_by_id(&mut tx, &[id])
                        .await?
                        .pop()
                        .ok_or_else(|| Error::new(code::HOST_NOT_FOUND))?;
                    let changes = super::host_changes(&mut tx, caller, &model, 0, &data).await?;
                    self.update_host_doc(&mut tx, caller, &model, &old, changes).await
                }
                .await;
                match outcome {
                    Ok(_) => success.push(index.to_string()),
                    Err(e) => update_errors.push(line(index, &e, caller.lang)),
                }
                continue;
            }
            if let Some(k) = keys.iter().find(|k| k.unique && taken.contains(&(k.kind, k.cloud, k.value.clone()))) {
                errors.push(line(index, &Error::duplicate(super::key_field(k.kind)), caller.lang));
                continue;
            }
            match new_host_doc(&mut tx, caller, &model, row.clone(), false, false).await {
                Ok(doc) => {
                    taken.extend(keys.iter().filter(|k| k.unique).map(|k| (k.kind, k.cloud, k.value.clone())));
                    new_docs.push(doc);
                    success.push(index.to_string());
                }
                Err(e) => errors.push(line(index, &e, caller.lang)),
            }
        }
        if !errors.is_empty() || !update_errors.is_empty() {
            let data = json!({"error": errors, "update_error": update_errors});
            return Err(Error::new(code::CREATE_HOST_FAILED).with_data(data));
        }
        insert_hosts(&mut tx, caller, &model, new_docs, target).await?;
        tx.commit().await?;
        Ok(json!({"success": success}))
    }

    pub async fn add_host_to_resource_pool(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let rows = match body.get("host_info") {
            Some(Value::Array(a)) if !a.is_empty() => a.clone(),
            None | Some(Value::Null) | Some(Value::Array(_)) => return Err(Error::missing("host_info")),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "host_info")),
        };
        let directory = crate::req::typed_int(body, "directory")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let pool = resource_pool(&mut tx, caller).await?;
        let mut target = idle_target(&mut tx, caller, pool).await?;
        if directory != 0 {
            let nodes = tx.topo_nodes(pool, &["module"]).await?;
            let m = nodes
                .iter()
                .find(|m| m.id == directory)
                .ok_or_else(|| Error::with2(code::MODULE_NOT_IN_BIZ, directory.to_string(), pool.to_string()))?;
            target.module = m.id;
            target.set = m.parent;
        }
        let model = self.host_model(&mut tx).await?;
        let clouds: Vec<i64> = rows.iter().filter_map(|v| v.get("bk_cloud_id").and_then(Value::as_i64)).collect();
        let clouds = existing_clouds(&mut tx, &clouds).await?;
        let mut errors = Vec::new();
        let mut accepted: Vec<(usize, Map<String, Value>)> = Vec::new();
        let mut taken = HashSet::new();
        for (i, v) in rows.iter().enumerate() {
            let outcome = async {
                let row = v.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, "host_info"))?;
                let cloud = match row.get("bk_cloud_id") {
                    None | Some(Value::Null) => return Err(Error::missing("bk_cloud_id")),
                    Some(c) => c.as_i64().filter(|c| *c >= 0).ok_or_else(|| Error::invalid("bk_cloud_id"))?,
                };
                if !clouds.contains(&cloud) {
                    return Err(Error::new(code::CLOUD_AREA_NOT_FOUND));
                }
                let keys = row_keys(row)?;
                if let Some(k) = keys.iter().find(|k| k.unique && taken.contains(&(k.kind, k.cloud, k.value.clone()))) {
                    return Err(Error::duplicate(super::key_field(k.kind)));
                }
                if let Some(k) = tx.clashing_host_keys(&keys, &[]).await?.first() {
                    return Err(Error::duplicate(super::key_field(k.kind)));
                }
                let doc = new_host_doc(&mut tx, caller, &model, row.clone(), true, false).await?;
                Ok((keys, doc))
            }
            .await;
            match outcome {
                Ok((keys, doc)) => {
                    taken.extend(keys.into_iter().filter(|k| k.unique).map(|k| (k.kind, k.cloud, k.value)));
                    accepted.push((i, doc));
                }
                Err(e) => errors.push(json!({"index": i, "error_message": e.message(caller.lang)})),
            }
        }
        let (indexes, docs): (Vec<usize>, Vec<Map<String, Value>>) = accepted.into_iter().unzip();
        let ids = insert_hosts(&mut tx, caller, &model, docs, target).await?;
        tx.commit().await?;
        let success: Vec<Value> =
            indexes.iter().zip(&ids).map(|(i, id)| json!({"index": i, "bk_host_id": id})).collect();
        let mut data = Map::new();
        if !success.is_empty() {
            data.insert("success".into(), Value::Array(success));
        }
        if !errors.is_empty() {
            data.insert("error".into(), Value::Array(errors));
            return Err(Error::new(code::CREATE_HOST_FAILED).with_data(Value::Object(data)));
        }
        Ok(Value::Object(data))
    }

    pub async fn add_host_to_business_idle(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        if biz == 0 {
            return Err(Error::missing("bk_biz_id"));
        }
        let list = crate::req::array(body, "bk_host_list")?;
        crate::req::bounded(list.len(), "bk_host_list", BUSINESS_IDLE_MAX)?;
        let mut tx = self.store.begin().await?;
        let target = idle_target(&mut tx, caller, biz).await?;
        let model = self.host_model(&mut tx).await?;
        let clouds: Vec<i64> = list.iter().filter_map(|v| v.get("bk_cloud_id").and_then(Value::as_i64)).collect();
        let clouds = existing_clouds(&mut tx, &clouds).await?;
        let mut docs = Vec::with_capacity(list.len());
        for v in &list {
            let row = v.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, "bk_host_list"))?;
            let doc = new_host_doc(&mut tx, caller, &model, row.clone(), true, true).await?;
            if !clouds.contains(&doc.get("bk_cloud_id").and_then(Value::as_i64).unwrap_or(0)) {
                return Err(Error::invalid("bk_cloud_id"));
            }
            docs.push(doc);
        }
        let ids = insert_hosts(&mut tx, caller, &model, docs, target).await?;
        tx.commit().await?;
        Ok(json!({"bk_host_ids": ids}))
    }
}
