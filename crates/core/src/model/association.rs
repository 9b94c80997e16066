//! Model associations, read side (models-and-instances.md §B search_object_topo, §D).

use super::{parse_condition, str_field};
use crate::{tenant, Core};
use cmdb_model::{code, i18n, Caller, Error, Lang, Result};
use cmdb_store::Kind;
use serde_json::{json, Value};

fn summary(model: &Value, lang: Lang) -> Value {
    let m = super::render_object(model.clone(), lang);
    json!({
        "bk_classification_id": m["bk_classification_id"],
        "bk_obj_id": m["bk_obj_id"],
        "bk_obj_name": m["bk_obj_name"],
        "position": m["position"],
        "bk_supplier_account": m["bk_supplier_account"],
    })
}

impl Core {
    pub async fn find_object_association(&self, caller: &Caller, body: &crate::req::Body) -> Result<Value> {
        let cond = match body.get("condition") {
            Some(Value::Object(m)) if !m.is_empty() => parse_condition(m)?,
            Some(_) => return Err(Error::is_invalid("condition")),
            None => match body.get("bk_obj_id") {
                Some(Value::String(o)) if !o.is_empty() => {
                    let mut m = serde_json::Map::new();
                    m.insert("bk_obj_id".into(), json!(o));
                    parse_condition(&m)?
                }
                _ => return Err(Error::is_invalid("bk_obj_id")),
            },
        };
        let all = self.store.find_docs(Kind::ObjectAssociation, &[]).await?;
        let out: Vec<Value> =
            all.into_iter().filter(|a| tenant::doc_visible(&caller.supplier, a)).filter(|a| cond.matches(a)).collect();
        Ok(Value::Array(out))
    }

    pub async fn search_object_topo(&self, caller: &Caller, body: &crate::req::Body) -> Result<Value> {
        let cond = parse_condition(&super::condition_body(body, &["bk_supplier_account"]))?;
        let models: Vec<Value> = self
            .store
            .find_docs(Kind::Object, &[])
            .await?
            .into_iter()
            .filter(|o| tenant::doc_visible(&caller.supplier, o))
            .collect();
        let sources: Vec<&Value> = models.iter().filter(|o| cond.matches(o)).collect();
        if sources.is_empty() {
            return Ok(json!([]));
        }
        let assts = self.store.find_docs(Kind::ObjectAssociation, &[]).await?;
        let kinds = self.store.find_docs(Kind::AsstKind, &[]).await?;
        let model = |id: &str| models.iter().find(|m| str_field(m, "bk_obj_id") == id);
        let mut out = Vec::new();
        for src in sources {
            let src_id = str_field(src, "bk_obj_id");
            for a in assts.iter().filter(|a| str_field(a, "bk_obj_id") == src_id) {
                let dst_id = str_field(a, "bk_asst_obj_id");
                let Some(dst) = model(dst_id) else { continue };
                let kind_id = str_field(a, "bk_asst_id");
                let Some(kind) = kinds.iter().find(|k| str_field(k, "bk_asst_id") == kind_id) else {
                    return Err(Error::new(code::ASST_KIND_NOT_EXIST));
                };
                let mut label = str_field(kind, "bk_asst_name").to_string();
                if caller.lang == Lang::En {
                    if let Some((en, _, _)) = i18n::association_kind(kind_id) {
                        label = en.to_string();
                    }
                }
                let back = assts
                    .iter()
                    .any(|b| str_field(b, "bk_obj_id") == dst_id && str_field(b, "bk_asst_obj_id") == src_id);
                out.push(json!({
                    "from": summary(src, caller.lang),
                    "to": summary(dst, caller.lang),
                    "label": label,
                    "label_name": label,
                    "label_type": "",
                    "arrows": if back { "to,from" } else { "to" },
                }));
            }
        }
        Ok(Value::Array(out))
    }
}
