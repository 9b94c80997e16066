//! Service categories (service-and-process.md §1.1, §3.1): a tree of names, global (`bk_biz_id`
//! 0, the preset ones) or per business. Not audited, as in the original.

use crate::model::{bool_field, int_field, str_field};
use crate::req::{path_int, Body};
use crate::Core;
use cmdb_model::query::{Expr, Test};
use cmdb_model::{code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};
use std::sync::OnceLock;

const NAME_MAX: usize = 128;

/// 1..128 characters of letters, digits, `_`, CJK, `:`, `-`, `(`, `)`.
fn check_name(v: Option<&Value>) -> Result<String> {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| regex::Regex::new(r"^[\w:\-()]+$").expect("valid pattern"));
    let name = v.and_then(Value::as_str).map(str::trim).unwrap_or("");
    if name.is_empty() || name.chars().count() > NAME_MAX || !re.is_match(name) {
        return Err(Error::invalid("name"));
    }
    Ok(name.to_string())
}

/// Categories a business sees: its own and the global ones.
async fn visible(tx: &mut Tx, biz: i64) -> Result<Vec<Value>> {
    let mut all = tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("biz_id", Param::Int(biz))]).await?;
    if biz != 0 {
        all.extend(tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("biz_id", Param::Int(0))]).await?);
    }
    Ok(all)
}

async fn category(tx: &mut Tx, caller: &Caller, id: i64) -> Result<Value> {
    tx.find_docs(Kind::ServiceCategory, &[Filter::Eq("id", Param::Int(id))])
        .await?
        .into_iter()
        .find(|c| crate::tenant::doc_visible(&caller.supplier, c))
        .ok_or_else(|| Error::with(code::NOT_FOUND, "id"))
}

impl Core {
    pub async fn create_service_category(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let name = check_name(body.get("name"))?;
        let biz = crate::req::typed_int(body, "bk_biz_id")?.unwrap_or(0);
        let parent_id = crate::req::typed_int(body, "bk_parent_id")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        if biz == 0 || crate::topology::business_visible(&mut tx, caller, biz).await?.is_none() {
            return Err(Error::invalid("bk_biz_id"));
        }
        let root = if parent_id == 0 {
            None
        } else {
            let parent = category(&mut tx, caller, parent_id).await.map_err(|_| Error::invalid("bk_biz_id"))?;
            Some(int_field(&parent, "bk_root_id"))
        };
        let top = parent_id == 0;
        if visible(&mut tx, biz)
            .await?
            .iter()
            .any(|c| str_field(c, "name") == name && (int_field(c, "bk_parent_id") == 0) == top)
        {
            return Err(Error::new(code::DUPLICATE_CATEGORY_NAME));
        }
        let id = tx.next_id(Kind::ServiceCategory.sequence()).await?;
        let doc = json!({
            "id": id, "name": name, "bk_root_id": root.unwrap_or(id), "bk_parent_id": parent_id, "bk_biz_id": biz,
            "is_built_in": false, "bk_supplier_account": caller.supplier,
        });
        tx.insert_doc(Kind::ServiceCategory, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn update_service_category(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let name = check_name(body.get("name"))?;
        let mut tx = self.store.begin().await?;
        let mut doc = category(&mut tx, caller, id).await?;
        if bool_field(&doc, "is_built_in") {
            return Err(Error::new(code::BUILTIN_FORBIDDEN));
        }
        let (biz, parent) = (int_field(&doc, "bk_biz_id"), int_field(&doc, "bk_parent_id"));
        let clash = visible(&mut tx, biz).await?.iter().any(|c| {
            int_field(c, "id") != id && str_field(c, "name") == name && int_field(c, "bk_parent_id") == parent
        });
        if clash {
            return Err(Error::new(code::DUPLICATE_CATEGORY_NAME));
        }
        doc["name"] = json!(name);
        tx.update_doc(Kind::ServiceCategory, id, &doc).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn delete_service_category(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let mut tx = self.store.begin().await?;
        category(&mut tx, caller, id).await?;
        if tx.count_docs(Kind::ServiceCategory, &[Filter::Eq("parent_id", Param::Int(id))]).await? > 0 {
            return Err(Error::new(code::CATEGORY_HAS_CHILDREN));
        }
        let modules = self.model_tx(&mut tx, "module").await?.ok_or_else(|| Error::internal("module model missing"))?;
        let used = Expr::field("service_category_id", Test::Eq(json!(id)));
        let by_template = tx.count_docs(Kind::ServiceTemplate, &[Filter::Eq("category_id", Param::Int(id))]).await?;
        if by_template > 0 || tx.count_instances(&modules.query(&used, &[], 0, 1)).await? > 0 {
            return Err(Error::new(code::CATEGORY_IN_USE));
        }
        tx.delete_docs(Kind::ServiceCategory, &[Filter::Eq("id", Param::Int(id))]).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn list_service_category(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = path_int(body, "bk_biz_id")?;
        let mut all = self.store.find_docs(Kind::ServiceCategory, &[Filter::Eq("biz_id", Param::Int(biz))]).await?;
        if biz != 0 {
            all.extend(self.store.find_docs(Kind::ServiceCategory, &[Filter::Eq("biz_id", Param::Int(0))]).await?);
        }
        all.retain(|c| crate::tenant::doc_visible(&caller.supplier, c));
        all.sort_by(|a, b| {
            str_field(a, "name")
                .as_bytes()
                .cmp(str_field(b, "name").as_bytes())
                .then(int_field(a, "id").cmp(&int_field(b, "id")))
        });
        Ok(crate::page::counted(all.len(), all))
    }
}
