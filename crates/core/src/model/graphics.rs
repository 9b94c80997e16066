//! Model-topology graph positions and the legacy role privileges (kube-project-misc.md).

use super::{int_field, str_field};
use crate::req::{path_str, Body};
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param};
use serde_json::{json, Value};

const SCOPE_TYPES: [&str; 3] = ["global", "biz", "cls"];
const PRIVILEGES: [&str; 5] = ["hostupdate", "hosttrans", "topoupdate", "customapi", "proconfig"];

impl Core {
    pub async fn update_object_topo_graphics(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let scope_type = path_str(body, "scope_type")?;
        let scope_id = path_str(body, "scope_id")?;
        let action = path_str(body, "action")?;
        if !SCOPE_TYPES.contains(&scope_type.as_str()) {
            return Err(Error::invalid("scope_type"));
        }
        if action != "update" && action != "override" {
            return Err(Error::invalid("action"));
        }
        let nodes = match body.get("data").or_else(|| body.get("origin")) {
            Some(Value::Array(a)) => a.clone(),
            None | Some(Value::Null) => return Err(Error::with(code::ESB_PARAM, "data")),
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "data")),
        };
        let mut docs = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let m = n.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("data[{i}]")))?;
            let node_type = match m.get("node_type").and_then(Value::as_str) {
                Some(t @ ("obj" | "inst")) => t.to_string(),
                _ => return Err(Error::invalid(format!("data[{i}].node_type"))),
            };
            let obj = match m.get("bk_obj_id").and_then(Value::as_str) {
                Some(o) if !o.is_empty() => o.to_string(),
                _ => return Err(Error::invalid(format!("data[{i}].bk_obj_id"))),
            };
            let inst = match m.get("bk_inst_id") {
                None | Some(Value::Null) => 0,
                Some(v) => {
                    v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("data[{i}].bk_inst_id")))?
                }
            };
            for k in ["position", "ext"] {
                if m.get(k).is_some_and(|v| !v.is_object() && !v.is_null()) {
                    return Err(Error::with(code::JSON_UNMARSHAL, format!("data[{i}].{k}")));
                }
            }
            docs.push(json!({
                "scope_type": scope_type, "scope_id": scope_id, "node_type": node_type, "bk_obj_id": obj,
                "bk_inst_id": inst, "node_name": m.get("node_name").cloned().unwrap_or(json!("")),
                "position": m.get("position").cloned().unwrap_or(json!({"x": 0, "y": 0})),
                "ext": m.get("ext").cloned().unwrap_or(json!({})),
                "bk_obj_icon": m.get("bk_obj_icon").cloned().unwrap_or(json!("")),
                "ispre": false, "bk_supplier_account": caller.supplier,
            }));
        }
        let mut tx = self.store.begin().await?;
        for mut doc in docs {
            let key = [
                Filter::Eq("supplier", Param::Text(caller.supplier.clone())),
                Filter::Eq("scope_type", Param::Text(scope_type.clone())),
                Filter::Eq("scope_id", Param::Text(scope_id.clone())),
                Filter::Eq("node_type", Param::Text(str_field(&doc, "node_type").to_string())),
                Filter::Eq("obj_id", Param::Text(str_field(&doc, "bk_obj_id").to_string())),
                Filter::Eq("inst_id", Param::Int(int_field(&doc, "bk_inst_id"))),
            ];
            match tx.find_docs(Kind::TopoGraphics, &key).await?.pop() {
                Some(old) => {
                    let id = int_field(&old, "id");
                    doc["id"] = json!(id);
                    tx.update_doc(Kind::TopoGraphics, id, &doc).await?;
                }
                None => {
                    doc["id"] = json!(tx.next_id(Kind::TopoGraphics.sequence()).await?);
                    tx.insert_doc(Kind::TopoGraphics, &doc).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// Graph nodes of one scope (used by the UI route and tests).
    pub async fn search_object_topo_graphics(
        &self,
        caller: &Caller,
        scope_type: &str,
        scope_id: &str,
    ) -> Result<Value> {
        let docs = self
            .store
            .find_docs(
                Kind::TopoGraphics,
                &[
                    Filter::Eq("supplier", Param::Text(caller.supplier.clone())),
                    Filter::Eq("scope_type", Param::Text(scope_type.to_string())),
                    Filter::Eq("scope_id", Param::Text(scope_id.to_string())),
                ],
            )
            .await?;
        Ok(Value::Array(docs))
    }

    /// `explicit_supplier`: the tenant as the caller named it (body or header), if at all.
    pub async fn bind_role_privilege(&self, caller: &Caller, body: &Body, explicit_supplier: bool) -> Result<Value> {
        if !explicit_supplier {
            return Err(Error::with(code::ESB_PARAM, "bk_supplier_account"));
        }
        let obj = path_str(body, "bk_obj_id")?;
        let prop = path_str(body, "bk_property_id")?;
        let privileges: Vec<String> = match body.get("data") {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(a)) => a
                .iter()
                .map(|p| match p.as_str() {
                    Some(s) if PRIVILEGES.contains(&s) => Ok(s.to_string()),
                    _ => Err(Error::invalid("data")),
                })
                .collect::<Result<_>>()?,
            Some(_) => return Err(Error::with(code::JSON_UNMARSHAL, "data")),
        };
        let mut tx = self.store.begin().await?;
        let attrs = tx.find_docs(Kind::Attribute, &[Filter::Eq("obj_id", Param::Text(obj.clone()))]).await?;
        let Some(attr) = attrs.iter().find(|a| str_field(a, "bk_property_id") == prop) else {
            return Err(Error::is_invalid("bk_property_id"));
        };
        if str_field(attr, "bk_property_type") != "objuser" {
            return Err(Error::invalid("bk_property_id"));
        }
        let key = [
            Filter::Eq("supplier", Param::Text(caller.supplier.clone())),
            Filter::Eq("obj_id", Param::Text(obj.clone())),
            Filter::Eq("prop_id", Param::Text(prop.clone())),
        ];
        let mut doc = json!({"bk_obj_id": obj, "bk_property_id": prop, "privilege": privileges, "bk_supplier_account": caller.supplier});
        match tx.find_docs(Kind::RolePrivilege, &key).await?.pop() {
            Some(old) => {
                let id = int_field(&old, "id");
                doc["id"] = json!(id);
                tx.update_doc(Kind::RolePrivilege, id, &doc).await?;
            }
            None => {
                doc["id"] = json!(tx.next_id(Kind::RolePrivilege.sequence()).await?);
                tx.insert_doc(Kind::RolePrivilege, &doc).await?;
            }
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    /// The stored privilege list of a role attribute.
    pub async fn role_privilege(&self, caller: &Caller, obj: &str, prop: &str) -> Result<Vec<String>> {
        let docs = self
            .store
            .find_docs(
                Kind::RolePrivilege,
                &[
                    Filter::Eq("supplier", Param::Text(caller.supplier.clone())),
                    Filter::Eq("obj_id", Param::Text(obj.to_string())),
                    Filter::Eq("prop_id", Param::Text(prop.to_string())),
                ],
            )
            .await?;
        Ok(docs
            .first()
            .and_then(|d| d.get("privilege"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
            .unwrap_or_default())
    }
}
