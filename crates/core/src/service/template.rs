//! Service templates (service-and-process.md §1.2, §3.2): create, update (renaming and
//! recategorising the modules bound to them), delete, get, list. Not audited.

use super::{id_of, modules_of_biz, service_template, stamp_new, strict_page, template_name};
use crate::model::{int_field, str_field};
use crate::req::Body;
use crate::Core;
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};
use std::collections::HashSet;

/// A category usable by templates of `biz`: it exists (1199006 `service_category_id`), belongs to
/// `biz` or is global (1199006 `bk_biz_id`), and has no children (1113032).
async fn leaf_category(tx: &mut Tx, biz: i64, id: i64) -> Result<()> {
    let found = tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("id", Param::Int(id))]).await?;
    let cat = found.first().ok_or_else(|| Error::invalid("service_category_id"))?;
    let owner = int_field(cat, "bk_biz_id");
    if owner != 0 && owner != biz {
        return Err(Error::invalid("bk_biz_id"));
    }
    if tx.count_docs(Kind::ServiceCategory, &[Filter::Eq("parent_id", Param::Int(id))]).await? > 0 {
        return Err(Error::new(code::CATEGORY_NOT_LEAF));
    }
    Ok(())
}

async fn name_taken(tx: &mut Tx, biz: i64, name: &str, except: i64) -> Result<bool> {
    let same = tx
        .find_docs(
            Kind::ServiceTemplate,
            &[Filter::Eq("biz_id", Param::Int(biz)), Filter::Eq("name", Param::Text(name.into()))],
        )
        .await?;
    Ok(same.iter().any(|t| id_of(t) != except))
}

/// A required integer field: absent → 1199006 `key`, wrong type → 1199000.
fn required_int(body: &Body, key: &str) -> Result<i64> {
    crate::req::typed_int(body, key)?.ok_or_else(|| Error::invalid(key))
}

impl Core {
    pub async fn create_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let name = template_name(body.get("name"))?;
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let category = required_int(body, "service_category_id")?;
        let host_apply = crate::req::opt_bool(body, "host_apply_enabled")?.unwrap_or(false);
        let mut tx = self.store.begin().await?;
        if biz <= 0 || crate::topology::business_visible(&mut tx, caller, biz).await?.is_none() {
            return Err(Error::invalid("bk_biz_id"));
        }
        leaf_category(&mut tx, biz, category).await?;
        if name_taken(&mut tx, biz, &name, 0).await? {
            return Err(Error::duplicate("name"));
        }
        let id = tx.next_id(Kind::ServiceTemplate.sequence()).await?;
        let mut doc = Map::new();
        doc.insert("id".into(), json!(id));
        doc.insert("bk_biz_id".into(), json!(biz));
        doc.insert("name".into(), json!(name));
        doc.insert("service_category_id".into(), json!(category));
        doc.insert("host_apply_enabled".into(), json!(host_apply));
        stamp_new(&mut doc, caller);
        let doc = Value::Object(doc);
        tx.insert_doc(Kind::ServiceTemplate, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn update_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = crate::req::path_int(body, "id")?;
        let name = match body.get("name") {
            None | Some(Value::Null) => None,
            v => Some(template_name(v)?),
        };
        let category = crate::req::typed_int(body, "service_category_id")?.filter(|c| *c != 0);
        let mut tx = self.store.begin().await?;
        let mut doc = service_template(&mut tx, caller, id).await?.ok_or_else(|| Error::with(code::NOT_FOUND, "id"))?;
        let biz = int_field(&doc, "bk_biz_id");
        if let Some(c) = category {
            leaf_category(&mut tx, biz, c).await.map_err(|e| {
                if e.code == code::CATEGORY_NOT_LEAF {
                    e
                } else {
                    Error::invalid("service_category_id")
                }
            })?;
        }
        let renamed = name.as_ref().filter(|n| n.as_str() != str_field(&doc, "name"));
        if let Some(n) = renamed {
            if name_taken(&mut tx, biz, n, id).await? {
                return Err(Error::duplicate("name"));
            }
        }
        let recategorised = category.filter(|c| *c != int_field(&doc, "service_category_id"));
        if renamed.is_some() || recategorised.is_some() {
            self.follow_template(&mut tx, caller, biz, id, renamed.map(String::as_str), recategorised).await?;
        }
        if let Some(n) = renamed {
            doc["name"] = json!(n);
        }
        if let Some(c) = recategorised {
            doc["service_category_id"] = json!(c);
        }
        // The original refreshes neither `modifier` nor `last_time` here (kept, §1.2).
        tx.update_doc(Kind::ServiceTemplate, id, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    /// Modules bound to template `id` take its new name and category (§2.2), through the module
    /// writer (audit and events as any module update).
    async fn follow_template(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        biz: i64,
        id: i64,
        name: Option<&str>,
        category: Option<i64>,
    ) -> Result<()> {
        let modules = modules_of_biz(tx, biz).await?;
        let bound: Vec<&Value> = modules.iter().filter(|m| int_field(m, "service_template_id") == id).collect();
        if bound.is_empty() {
            return Ok(());
        }
        if let Some(n) = name {
            let sets: HashSet<i64> = bound.iter().map(|m| int_field(m, "bk_set_id")).collect();
            let clash = modules.iter().any(|m| {
                sets.contains(&int_field(m, "bk_set_id"))
                    && int_field(m, "service_template_id") != id
                    && str_field(m, "bk_module_name") == n
            });
            if clash {
                return Err(Error::duplicate("name"));
            }
        }
        let model = self.model_tx(tx, "module").await?.ok_or_else(|| Error::internal("module model missing"))?;
        for m in bound {
            let mut changes = Map::new();
            if let Some(n) = name {
                changes.insert("bk_module_name".into(), json!(n));
            }
            if let Some(c) = category {
                changes.insert("service_category_id".into(), json!(c));
            }
            self.write_update(tx, caller, &model, m, changes, "update").await?;
        }
        Ok(())
    }

    pub async fn delete_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let failed = |_| Error::new(code::DELETE_SERVICE_TEMPLATE_FAILED);
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let id =
            crate::req::typed_int(body, "service_template_id")?.ok_or_else(|| Error::invalid("service_template_id"))?;
        let mut tx = self.store.begin().await?;
        let doc = service_template(&mut tx, caller, id).await?.ok_or(()).map_err(failed)?;
        if biz != 0 && int_field(&doc, "bk_biz_id") != biz {
            return Err(Error::new(code::DELETE_SERVICE_TEMPLATE_FAILED));
        }
        let used_by_module = modules_of_biz(&mut tx, int_field(&doc, "bk_biz_id"))
            .await?
            .iter()
            .any(|m| int_field(m, "service_template_id") == id);
        let by_template = [Filter::Eq("template_id", Param::Int(id))];
        if used_by_module || tx.count_docs(Kind::ServiceInstance, &by_template).await? > 0 {
            return Err(Error::new(code::DELETE_SERVICE_TEMPLATE_FAILED));
        }
        // Nothing can reference its process templates any more; the original leaves them orphaned.
        tx.delete_docs(Kind::ProcessTemplate, &by_template).await?;
        tx.delete_docs(Kind::SetTemplateService, &by_template).await?;
        tx.delete_docs(Kind::ServiceTemplate, &[Filter::Eq("id", Param::Int(id))]).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn get_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = super::path_id(body, "service_template_id", super::invalid)?;
        super::visible_doc(&self.store, caller, Kind::ServiceTemplate, id, "service_template_id").await
    }

    pub async fn list_service_template(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::path_int(body, "bk_biz_id")?;
        let category = crate::req::typed_int(body, "service_category_id")?.unwrap_or(0);
        let ids: HashSet<i64> = crate::req::int_array(body, "service_template_ids")?.into_iter().collect();
        let search = crate::req::typed_str(body, "search")?.unwrap_or_default();
        let exact = crate::req::opt_bool(body, "is_exact")?.unwrap_or(false);
        let mut page = strict_page(body.get("page"), super::page_limit_error)?;
        if page.sort.is_empty() {
            page.sort = vec![("id".into(), false)];
        }
        let filters = if biz == 0 { vec![] } else { vec![Filter::Eq("biz_id", Param::Int(biz))] };
        let mut all = self.store.find_docs(Kind::ServiceTemplate, &filters).await?;
        if category != 0 {
            let cats = self.store.find_docs(Kind::ServiceCategory, &[]).await?;
            let mut wanted: HashSet<i64> = [category].into();
            loop {
                let before = wanted.len();
                for c in &cats {
                    if wanted.contains(&int_field(c, "bk_parent_id")) {
                        wanted.insert(id_of(c));
                    }
                }
                if wanted.len() == before {
                    break;
                }
            }
            all.retain(|t| wanted.contains(&int_field(t, "service_category_id")));
        }
        let needle = search.to_lowercase();
        all.retain(|t| {
            crate::tenant::doc_visible(&caller.supplier, t)
                && (ids.is_empty() || ids.contains(&id_of(t)))
                && (search.is_empty()
                    || if exact {
                        str_field(t, "name") == search
                    } else {
                        str_field(t, "name").to_lowercase().contains(&needle)
                    })
        });
        let count = all.len();
        Ok(crate::page::counted(count, crate::page::apply(all, &page)))
    }
}
