//! Model classifications (models-and-instances.md §A).

use super::{condition_body, parse_condition, render_classification, str_field};
use crate::audit::{self, Audit};
use crate::req::{check_len, opt_str, path_int, req_str, Body};
use crate::{tenant, Core};
use cmdb_model::{attr::field_id_regex, code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Value};

const NAME_MAX: usize = 128;

fn audit_of<'a>(action: &'a str, doc: &Value, detail: Value) -> Audit<'a> {
    Audit {
        audit_type: "model",
        resource_type: "model_group",
        action,
        resource_id: doc.get("id").cloned().unwrap_or(Value::Null),
        resource_name: str_field(doc, "bk_classification_name").to_string(),
        biz_id: 0,
        detail: json!({ "details": detail }),
    }
}

async fn name_taken(tx: &mut Tx, name: &str, except_id: i64) -> Result<bool> {
    let all = tx.find_docs(Kind::Classification, &[]).await?;
    Ok(all.iter().any(|c| str_field(c, "bk_classification_name") == name && super::int_field(c, "id") != except_id))
}

impl Core {
    pub async fn create_classification(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cls_id = req_str(body, "bk_classification_id")?;
        check_len(&cls_id, "bk_classification_id", NAME_MAX)?;
        if !field_id_regex().is_match(&cls_id) || cls_id.to_ascii_lowercase().starts_with("bk") {
            return Err(Error::is_invalid("bk_classification_id"));
        }
        let name = req_str(body, "bk_classification_name")?;
        check_len(&name, "bk_classification_name", NAME_MAX)?;
        let icon = opt_str(body, "bk_classification_icon")?.unwrap_or_default();

        let mut tx = self.store.begin().await?;
        let existing = tx.find_docs(Kind::Classification, &[Filter::Eq("cls_id", Param::Text(cls_id.clone()))]).await?;
        if !existing.is_empty() {
            return Err(Error::duplicate("bk_classification_id"));
        }
        if name_taken(&mut tx, &name, 0).await? {
            return Err(Error::duplicate("bk_classification_name"));
        }
        let id = tx.next_id(Kind::Classification.sequence()).await?;
        let doc = super::records::classification(id, &caller.supplier, &cls_id, &name, "", &icon);
        tx.insert_doc(Kind::Classification, &doc).await?;
        audit::write(&mut tx, caller, audit_of("create", &doc, audit::basic(None, Some(&doc), None))).await?;
        tx.commit().await?;
        Ok(doc)
    }

    pub async fn update_classification(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let name = match body.get("bk_classification_name") {
            None => None,
            Some(_) => {
                let n = req_str(body, "bk_classification_name")?;
                check_len(&n, "bk_classification_name", NAME_MAX)?;
                Some(n)
            }
        };
        let icon = opt_str(body, "bk_classification_icon")?;

        let mut tx = self.store.begin().await?;
        let Some(old) = tx.find_docs(Kind::Classification, &[Filter::Eq("id", Param::Int(id))]).await?.pop() else {
            return Ok(Value::Null);
        };
        if !tenant::writable(&caller.supplier, &old) || str_field(&old, "bk_classification_id") == "bk_uncategorized" {
            return Ok(Value::Null);
        }
        let mut doc = old.clone();
        let mut changes = serde_json::Map::new();
        if let Some(n) = name {
            if name_taken(&mut tx, &n, id).await? {
                return Err(Error::duplicate("bk_classification_name"));
            }
            changes.insert("bk_classification_name".into(), json!(n));
        }
        if let Some(i) = icon {
            changes.insert("bk_classification_icon".into(), json!(i));
        }
        if changes.is_empty() {
            return Ok(Value::Null);
        }
        for (k, v) in &changes {
            doc[k] = v.clone();
        }
        tx.update_doc(Kind::Classification, id, &doc).await?;
        let changes = Value::Object(changes);
        audit::write(&mut tx, caller, audit_of("update", &doc, audit::basic(Some(&old), None, Some(&changes)))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_classification(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let mut tx = self.store.begin().await?;
        let Some(old) = tx.find_docs(Kind::Classification, &[Filter::Eq("id", Param::Int(id))]).await?.pop() else {
            return Ok(Value::Null);
        };
        if !tenant::writable(&caller.supplier, &old) {
            return Ok(Value::Null);
        }
        let cls_id = str_field(&old, "bk_classification_id").to_string();
        if tx.count_docs(Kind::Object, &[Filter::Eq("cls_id", Param::Text(cls_id))]).await? > 0 {
            return Err(Error::new(code::CLASSIFICATION_HAS_OBJECT));
        }
        tx.delete_docs(Kind::Classification, &[Filter::Eq("id", Param::Int(id))]).await?;
        audit::write(&mut tx, caller, audit_of("delete", &old, audit::basic(Some(&old), None, None))).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_classifications(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cond = parse_condition(&condition_body(body, &["bk_supplier_account"]))?;
        let all = self.store.find_docs(Kind::Classification, &[]).await?;
        let out: Vec<Value> = all
            .into_iter()
            .filter(|c| tenant::doc_visible(&caller.supplier, c))
            .filter(|c| str_field(c, "bk_classification_type") != "hidden")
            .filter(|c| cond.matches(c))
            .map(|c| render_classification(c, caller.lang))
            .collect();
        Ok(Value::Array(out))
    }
}
