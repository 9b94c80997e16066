//! Set templates (service-and-process.md §1.8, §3.4): named lists of service templates sets are
//! built from, and the host queries by service or set template. Not audited.

use super::{id_of, ids_param, stamp_new, stamp_update, template_name};
use crate::model::{int_field, str_field};
use crate::page::Page;
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::topo::HostScope;
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Longest id lists of the host-by-template queries.
const HOST_QUERY_IDS_MAX: usize = 500;

async fn set_template(tx: &mut Tx, caller: &Caller, biz: i64, id: i64) -> Result<Option<Value>> {
    let found = tx.find_docs(Kind::SetTemplate, &[Filter::Eq("id", Param::Int(id))]).await?;
    Ok(found.into_iter().find(|t| crate::tenant::doc_visible(&caller.supplier, t) && int_field(t, "bk_biz_id") == biz))
}

async fn name_taken(tx: &mut Tx, biz: i64, name: &str, except: i64) -> Result<bool> {
    let all = tx.find_docs(Kind::SetTemplate, &[Filter::Eq("biz_id", Param::Int(biz))]).await?;
    Ok(all.iter().any(|t| id_of(t) != except && str_field(t, "name").trim() == name))
}

/// Distinct service template ids, all templates of business `biz` (else 1199006).
async fn member_templates(tx: &mut Tx, biz: i64, ids: &[i64]) -> Result<Vec<i64>> {
    let wanted: BTreeSet<i64> = ids.iter().copied().collect();
    let wanted: Vec<i64> = wanted.into_iter().collect();
    let found = super::docs_in(tx, Kind::ServiceTemplate, "id", &wanted).await?;
    if found.iter().filter(|t| int_field(t, "bk_biz_id") == biz).count() != wanted.len() {
        return Err(Error::invalid("service_template_ids"));
    }
    Ok(wanted)
}

/// Replaces the service templates of set template `id`.
async fn write_members(tx: &mut Tx, caller: &Caller, biz: i64, id: i64, templates: &[i64]) -> Result<()> {
    tx.delete_docs(Kind::SetTemplateService, &[Filter::Eq("set_template_id", Param::Int(id))]).await?;
    for t in templates {
        let rid = tx.next_id(Kind::SetTemplateService.sequence()).await?;
        let row = json!({"id": rid, "bk_biz_id": biz, "set_template_id": id, "service_template_id": t,
            "bk_supplier_account": caller.supplier});
        tx.insert_doc(Kind::SetTemplateService, &row).await?;
    }
    Ok(())
}

/// The service template ids of set template `id`.
pub(super) async fn members_of(tx: &mut Tx, id: i64) -> Result<Vec<i64>> {
    let rows = tx.find_docs(Kind::SetTemplateService, &[Filter::Eq("set_template_id", Param::Int(id))]).await?;
    Ok(rows.iter().map(|r| int_field(r, "service_template_id")).collect())
}

/// What find_host_by_service_template / find_host_by_set_template look through.
struct TemplateScope {
    templates: &'static str,
    only: &'static str,
    obj: &'static str,
    template_field: &'static str,
    relation: HostScope,
}

/// A template id list of the host-by-template queries: 1..500 ids, else 1199089.
fn bounded_ids(body: &Body, key: &str) -> Result<Vec<i64>> {
    let ids = crate::req::int_array(body, key)?;
    if ids.is_empty() || ids.len() > HOST_QUERY_IDS_MAX {
        return Err(Error::with2(code::ARRAY_LENGTH_WRONG, key, HOST_QUERY_IDS_MAX.to_string()));
    }
    Ok(ids)
}

/// Paging of the host-by-template queries: PG-strict, any violation → 1199006 `page.limit`.
fn host_page(body: &Body) -> Result<Page> {
    super::strict_page(body.get("page"), || Error::invalid("page.limit"))
}

impl Core {
    pub async fn create_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let trimmed = template_name(body.get("name"))?;
        let name = body.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let ids = crate::req::int_array(body, "service_template_ids")?;
        if ids.is_empty() {
            return Err(Error::missing("service_template_ids"));
        }
        let mut tx = self.store.begin().await?;
        if crate::topology::business_visible(&mut tx, caller, biz).await?.is_none() {
            return Err(Error::invalid("bk_biz_id"));
        }
        let templates = member_templates(&mut tx, biz, &ids).await?;
        if name_taken(&mut tx, biz, &trimmed, 0).await? {
            return Err(Error::duplicate("name"));
        }
        let id = tx.next_id(Kind::SetTemplate.sequence()).await?;
        let mut doc = Map::new();
        doc.insert("id".into(), json!(id));
        doc.insert("name".into(), json!(name));
        doc.insert("bk_biz_id".into(), json!(biz));
        stamp_new(&mut doc, caller);
        let doc = Value::Object(doc);
        tx.insert_doc(Kind::SetTemplate, &doc).await?;
        write_members(&mut tx, caller, biz, id, &templates).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn update_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "set_template_id")?;
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let empty = || Error::new(code::BODY_EMPTY);
        let name = match body.get("name") {
            None | Some(Value::Null) => None,
            v => Some(template_name(v).map_err(|_| empty())?),
        };
        let members = match body.get("service_template_ids") {
            None | Some(Value::Null) => None,
            Some(_) => Some(crate::req::int_array(body, "service_template_ids")?),
        };
        if name.is_none() && members.is_none() {
            return Err(empty());
        }
        let mut tx = self.store.begin().await?;
        let mut doc = set_template(&mut tx, caller, biz, id)
            .await?
            .ok_or_else(|| Error::with(code::NOT_FOUND, "set_template_id"))?;
        if let Some(n) = &name {
            if name_taken(&mut tx, biz, n, id).await? {
                return Err(Error::duplicate("name"));
            }
            doc["name"] = body.get("name").cloned().unwrap_or(json!(n));
        }
        if let Some(ids) = members {
            let templates = if ids.is_empty() { vec![] } else { member_templates(&mut tx, biz, &ids).await? };
            write_members(&mut tx, caller, biz, id, &templates).await?;
        }
        stamp_update(&mut doc, caller);
        tx.update_doc(Kind::SetTemplate, id, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn delete_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let ids = crate::req::int_array(body, "set_template_ids")?;
        if ids.is_empty() {
            return Ok(Value::Null);
        }
        let mut tx = self.store.begin().await?;
        let sets = tx
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", "set".into()), Filter::Eq("biz_id", Param::Int(biz))])
            .await?;
        if sets.iter().any(|s| ids.contains(&int_field(s, "set_template_id"))) {
            return Err(Error::new(code::CATEGORY_IN_USE));
        }
        let found = super::docs_in(&mut tx, Kind::SetTemplate, "id", &ids).await?;
        let mine: Vec<i64> = found
            .iter()
            .filter(|t| int_field(t, "bk_biz_id") == biz && crate::tenant::doc_visible(&caller.supplier, t))
            .map(id_of)
            .collect();
        if !mine.is_empty() {
            tx.delete_docs(Kind::SetTemplateService, &[Filter::In("set_template_id", ids_param(&mine))]).await?;
            tx.delete_docs(Kind::SetTemplate, &[Filter::In("id", ids_param(&mine))]).await?;
        }
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let ids = match body.get("set_template_ids") {
            None | Some(Value::Null) => None,
            Some(_) => Some(crate::req::int_array(body, "set_template_ids")?),
        };
        let mut page_doc = body.get("page").cloned().unwrap_or_else(|| json!({}));
        if page_doc.get("limit").and_then(Value::as_i64).unwrap_or(0) == 0 {
            if let Some(m) = page_doc.as_object_mut() {
                m.insert("limit".into(), json!(20));
            }
        }
        let page = super::strict_page(Some(&page_doc), super::page_limit_error)?;
        let mut all = self.store.find_docs(Kind::SetTemplate, &[Filter::Eq("biz_id", Param::Int(biz))]).await?;
        all.retain(|t| {
            crate::tenant::doc_visible(&caller.supplier, t) && ids.as_ref().is_none_or(|ids| ids.contains(&id_of(t)))
        });
        let count = all.len();
        Ok(crate::page::counted(count, crate::page::apply(all, &page)))
    }

    pub async fn list_set_template_related_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = super::path_id(body, "set_template_id", super::invalid)?;
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let rows =
            self.store.find_docs(Kind::SetTemplateService, &[Filter::Eq("set_template_id", Param::Int(id))]).await?;
        let ids: Vec<i64> = rows
            .iter()
            .filter(|r| int_field(r, "bk_biz_id") == biz)
            .map(|r| int_field(r, "service_template_id"))
            .collect();
        let mut templates = super::read_in(&self.store, Kind::ServiceTemplate, "id", &ids).await?;
        templates.retain(|t| crate::tenant::doc_visible(&caller.supplier, t));
        templates.sort_by_key(id_of);
        Ok(Value::Array(templates))
    }

    pub async fn find_host_by_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let scope = TemplateScope {
            templates: "bk_service_template_ids",
            only: "bk_module_ids",
            obj: "module",
            template_field: "service_template_id",
            relation: HostScope::Module,
        };
        self.hosts_by_template(caller, body, scope).await
    }

    pub async fn find_host_by_set_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let scope = TemplateScope {
            templates: "bk_set_template_ids",
            only: "bk_set_ids",
            obj: "set",
            template_field: "set_template_id",
            relation: HostScope::Set,
        };
        self.hosts_by_template(caller, body, scope).await
    }

    /// Hosts of the modules or sets of a business made from the given templates.
    async fn hosts_by_template(&self, caller: &Caller, body: &Body, t: TemplateScope) -> Result<Value> {
        let biz = super::positive_biz(body, super::invalid)?;
        let templates = bounded_ids(body, t.templates)?;
        let only = crate::req::int_array(body, t.only)?;
        if only.len() > HOST_QUERY_IDS_MAX {
            return Err(Error::with2(code::ARRAY_LENGTH_WRONG, t.only, HOST_QUERY_IDS_MAX.to_string()));
        }
        let fields = crate::topology::required_fields(body, "fields")?;
        let page = host_page(body)?;
        let nodes = self
            .store
            .find_docs(Kind::Instance, &[Filter::Eq("obj_id", t.obj.into()), Filter::Eq("biz_id", Param::Int(biz))])
            .await?;
        let id_field = cmdb_model::builtin::id_field(t.obj);
        let scope: Vec<i64> = nodes
            .iter()
            .filter(|n| templates.contains(&int_field(n, t.template_field)))
            .map(|n| int_field(n, id_field))
            .filter(|n| only.is_empty() || only.contains(n))
            .collect();
        self.hosts_in_scope(caller, t.relation, &scope, biz, &fields, &page).await
    }

    /// Distinct hosts related to `ids` (modules or sets) of `biz`, by host id, one page.
    async fn hosts_in_scope(
        &self,
        caller: &Caller,
        scope: HostScope,
        ids: &[i64],
        biz: i64,
        fields: &[String],
        page: &Page,
    ) -> Result<Value> {
        if ids.is_empty() {
            return Ok(json!({"count": 0, "info": null}));
        }
        let rels = self.store.relations_in(scope, ids, Some(biz)).await?;
        let hosts: BTreeSet<i64> = rels.iter().map(|r| r.host).collect();
        let hosts: Vec<i64> = hosts.into_iter().collect();
        let count = hosts.len();
        let limit = if page.limit == 0 { count } else { page.limit };
        let wanted: Vec<i64> = hosts.into_iter().skip(page.start).take(limit).collect();
        if wanted.is_empty() {
            return Ok(json!({"count": count, "info": null}));
        }
        let model = self.model_read("host").await?.ok_or_else(|| Error::internal("host model missing"))?;
        let mut docs = super::read_nodes(&self.store, "host", &wanted).await?;
        docs.retain(|d| crate::tenant::doc_visible(&caller.supplier, d));
        docs.sort_by_key(|d| int_field(d, "bk_host_id"));
        let info: Vec<Value> =
            docs.into_iter().map(|d| crate::instance::project(crate::host::render_host(d, &model), fields)).collect();
        Ok(crate::page::counted(count, info))
    }
}
