//! Instance associations (models-and-instances.md §G), and the model-association writes that set
//! them up (`create/delete_object_association`, non-ESB routes of the original).

use crate::audit::{self, Audit};
use crate::model::{int_field, str_field};
use crate::page::{self, Page};
use crate::req::{path_int, path_str, req_str, Body};
use crate::{tenant, Core};
use cmdb_model::query::{self, Flavor};
use cmdb_model::{builtin, code, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Store, Tx};
use serde_json::{json, Map, Value};

const ASST_SEQ: &str = "inst_asst";
const BATCH_MAX: usize = 200;
const RELATED_DELETE_MAX: usize = 500;
const SEARCH_PAGE_MAX: usize = 500;
const WITH_INST_PAGE_MAX: usize = 200;

/// Before an instance is deleted: associations whose other end is gone are removed; one to an
/// existing instance refuses the delete (1101075).
pub(crate) async fn release_instance(tx: &mut Tx, obj: &str, id: i64) -> Result<()> {
    if has_live_association(tx, obj, id).await? {
        return Err(Error::new(code::INST_HAS_ASSOCIATION));
    }
    drop_associations(tx, obj, id).await
}

/// Whether instance `(obj, id)` is associated with another instance that still exists.
pub(crate) async fn has_live_association(tx: &mut Tx, obj: &str, id: i64) -> Result<bool> {
    for a in touching(tx, obj, id).await? {
        let (other_obj, other_id) = if str_field(&a, "bk_obj_id") == obj && int_field(&a, "bk_inst_id") == id {
            (str_field(&a, "bk_asst_obj_id").to_string(), int_field(&a, "bk_asst_inst_id"))
        } else {
            (str_field(&a, "bk_obj_id").to_string(), int_field(&a, "bk_inst_id"))
        };
        if !(other_obj == obj && other_id == id) && instance_exists(tx, &other_obj, other_id).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Removes every association of instance `(obj, id)` (a cascade that deletes the instance anyway).
pub(crate) async fn drop_associations(tx: &mut Tx, obj: &str, id: i64) -> Result<()> {
    let ids: Vec<Param> = touching(tx, obj, id).await?.iter().map(|a| Param::Int(int_field(a, "id"))).collect();
    if !ids.is_empty() {
        tx.delete_docs(Kind::InstAsst, &[Filter::In("id", ids)]).await?;
    }
    Ok(())
}

/// Associations in which instance `(obj, id)` is the source or the target.
async fn touching(tx: &mut Tx, obj: &str, id: i64) -> Result<Vec<Value>> {
    let mut v = tx
        .find_docs(
            Kind::InstAsst,
            &[Filter::Eq("obj_id", Param::Text(obj.into())), Filter::Eq("inst_id", Param::Int(id))],
        )
        .await?;
    for a in tx
        .find_docs(
            Kind::InstAsst,
            &[Filter::Eq("asst_obj_id", Param::Text(obj.into())), Filter::Eq("asst_inst_id", Param::Int(id))],
        )
        .await?
    {
        if !v.iter().any(|x| int_field(x, "id") == int_field(&a, "id")) {
            v.push(a);
        }
    }
    Ok(v)
}

async fn instance_exists(tx: &mut Tx, obj: &str, id: i64) -> Result<bool> {
    Ok(tx
        .count_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(obj.into())), Filter::Eq("id", Param::Int(id))])
        .await?
        > 0)
}

/// Associations visible through a model: those where it is the source or the target.
async fn visible_through(store: &Store, caller: &Caller, obj: &str) -> Result<Vec<Value>> {
    let mut v = store.find_docs(Kind::InstAsst, &[Filter::Eq("obj_id", Param::Text(obj.into()))]).await?;
    for a in store.find_docs(Kind::InstAsst, &[Filter::Eq("asst_obj_id", Param::Text(obj.into()))]).await? {
        if str_field(&a, "bk_obj_id") != obj {
            v.push(a);
        }
    }
    v.retain(|a| tenant::doc_visible(&caller.supplier, a));
    v.sort_by_key(|a| int_field(a, "id"));
    Ok(v)
}

/// Of `found`, the associations a caller may delete through model `obj` (its source or target).
fn writable_through(found: Vec<Value>, caller: &Caller, obj: &str) -> Vec<Value> {
    found
        .into_iter()
        .filter(|a| {
            (str_field(a, "bk_obj_id") == obj || str_field(a, "bk_asst_obj_id") == obj)
                && tenant::writable(&caller.supplier, a)
        })
        .collect()
}

/// Display name of an instance (host: its inner IPs joined).
fn display_name(doc: &Value, obj: &str) -> String {
    match doc.get(builtin::name_field(obj)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    }
}

async fn load_instances(store: &Store, obj: &str, ids: &[i64]) -> Result<Vec<Value>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
    store.find_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(obj.into())), Filter::In("id", params)]).await
}

fn projected(doc: &Value, fields: &[String]) -> Value {
    super::project(doc.clone(), fields)
}

/// The record as returned: `bk_biz_id` omitted when 0.
fn public(mut a: Value) -> Value {
    if let Some(m) = a.as_object_mut() {
        if m.get("bk_biz_id").and_then(Value::as_i64) == Some(0) {
            m.remove("bk_biz_id");
        }
    }
    a
}

impl Core {
    /// One association with every check of add_instance_association, written in `tx`.
    async fn associate(&self, tx: &mut Tx, caller: &Caller, obj_asst_id: &str, src: i64, dst: i64) -> Result<i64> {
        let defs = tx
            .find_docs(Kind::ObjectAssociation, &[Filter::Eq("obj_asst_id", Param::Text(obj_asst_id.into()))])
            .await?;
        let def = match defs.len() {
            0 => return Err(Error::new(code::OBJECT_ASSOCIATION_NOT_EXIST)),
            1 => defs.into_iter().next().unwrap(),
            _ => return Err(Error::new(code::OBJECT_ASSOCIATION_NOT_UNIQUE)),
        };
        let (src_obj, dst_obj) =
            (str_field(&def, "bk_obj_id").to_string(), str_field(&def, "bk_asst_obj_id").to_string());
        let kind = str_field(&def, "bk_asst_id").to_string();
        let same_kind =
            tx.find_docs(Kind::InstAsst, &[Filter::Eq("obj_asst_id", Param::Text(obj_asst_id.into()))]).await?;
        let src_used = same_kind.iter().any(|a| int_field(a, "bk_inst_id") == src);
        let dst_used = same_kind.iter().any(|a| int_field(a, "bk_asst_inst_id") == dst);
        // The mapping is checked before the exact duplicate, as the original does.
        match str_field(&def, "mapping") {
            "1:1" if src_used || dst_used => return Err(Error::new(code::ONE_TO_ONE_USED)),
            "1:n" if dst_used => return Err(Error::new(code::ONE_TO_MANY_USED)),
            _ => {}
        }
        if same_kind.iter().any(|a| int_field(a, "bk_inst_id") == src && int_field(a, "bk_asst_inst_id") == dst) {
            return Err(Error::duplicate("association"));
        }
        let src_doc = tx
            .find_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", Param::Text(src_obj.clone())), Filter::Eq("id", Param::Int(src))],
            )
            .await?;
        if src_doc.is_empty() {
            return Err(Error::new(code::ASST_SRC_NOT_EXIST));
        }
        let dst_doc = tx
            .find_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", Param::Text(dst_obj.clone())), Filter::Eq("id", Param::Int(dst))],
            )
            .await?;
        let Some(dst_doc) = dst_doc.into_iter().next() else { return Err(Error::new(code::ASST_DST_NOT_EXIST)) };
        if kind == "bk_mainline" {
            return Err(Error::new(code::MAINLINE_KIND_UNAVAILABLE));
        }
        let id = tx.next_id(ASST_SEQ).await?;
        let biz = int_field(&src_doc[0], "bk_biz_id");
        let mut rec = json!({
            "id": id, "bk_obj_asst_id": obj_asst_id, "bk_asst_id": kind, "bk_obj_id": src_obj, "bk_inst_id": src,
            "bk_asst_obj_id": dst_obj, "bk_asst_inst_id": dst, "bk_supplier_account": caller.supplier,
        });
        if biz != 0 {
            rec["bk_biz_id"] = json!(biz);
        }
        tx.insert_doc(Kind::InstAsst, &rec).await?;
        let detail = json!({
            "asst_id": obj_asst_id, "asst_kind": kind, "src_obj_id": src_obj, "dest_obj_id": dst_obj,
            "dest_inst_id": dst, "dest_inst_name": display_name(&dst_doc, &dst_obj),
        });
        let a = Audit {
            audit_type: "model_instance",
            resource_type: "instance_association",
            action: "create",
            resource_id: json!(id),
            resource_name: display_name(&src_doc[0], &src_obj),
            biz_id: biz,
            detail,
        };
        audit::write(tx, caller, a).await?;
        tx.insert_event("inst_asst", "create", &caller.supplier, &rec).await?;
        Ok(id)
    }

    async fn remove_associations(&self, tx: &mut Tx, caller: &Caller, recs: &[Value]) -> Result<()> {
        if recs.is_empty() {
            return Ok(());
        }
        let ids: Vec<Param> = recs.iter().map(|a| Param::Int(int_field(a, "id"))).collect();
        tx.delete_docs(Kind::InstAsst, &[Filter::In("id", ids)]).await?;
        for r in recs {
            let detail = json!({
                "asst_id": r["bk_obj_asst_id"], "asst_kind": r["bk_asst_id"], "src_obj_id": r["bk_obj_id"],
                "dest_obj_id": r["bk_asst_obj_id"], "dest_inst_id": r["bk_asst_inst_id"], "dest_inst_name": "",
            });
            let a = Audit {
                audit_type: "model_instance",
                resource_type: "instance_association",
                action: "delete",
                resource_id: r["id"].clone(),
                resource_name: String::new(),
                biz_id: int_field(r, "bk_biz_id"),
                detail,
            };
            audit::write(tx, caller, a).await?;
            tx.insert_event("inst_asst", "delete", &caller.supplier, r).await?;
        }
        Ok(())
    }

    pub async fn add_instance_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj_asst_id = req_str(body, "bk_obj_asst_id")?;
        let src = int_required(body, "bk_inst_id")?;
        let dst = int_required(body, "bk_asst_inst_id")?;
        let mut tx = self.store.begin().await?;
        let id = self.associate(&mut tx, caller, &obj_asst_id, src, dst).await?;
        tx.commit().await?;
        Ok(json!({"id": id}))
    }

    pub async fn batch_create_instance_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = req_str(body, "bk_obj_id").map_err(|_| Error::is_invalid("bk_obj_id"))?;
        let asst_obj = req_str(body, "bk_asst_obj_id").map_err(|_| Error::is_invalid("bk_asst_obj_id"))?;
        let obj_asst_id = req_str(body, "bk_obj_asst_id").map_err(|_| Error::is_invalid("bk_obj_asst_id"))?;
        if !obj_asst_id.starts_with(&obj) || !obj_asst_id.ends_with(&asst_obj) {
            return Err(Error::invalid("bk_obj_asst_id"));
        }
        let details = crate::batch::details(body, BATCH_MAX)?;
        let defs = self
            .store
            .find_docs(Kind::ObjectAssociation, &[Filter::Eq("obj_asst_id", Param::Text(obj_asst_id.clone()))])
            .await?;
        match defs.len() {
            0 => return Err(Error::new(code::OBJECT_ASSOCIATION_NOT_EXIST)),
            1 => {}
            _ => return Err(Error::new(code::OBJECT_ASSOCIATION_NOT_UNIQUE)),
        }
        let mut outcomes = crate::batch::Outcomes::default();
        for (i, item) in details.iter().enumerate() {
            let outcome = async {
                let m = item.as_object().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, format!("details[{i}]")))?;
                let (src, dst) = (int_required(m, "bk_inst_id")?, int_required(m, "bk_asst_inst_id")?);
                let mut tx = self.store.begin().await?;
                let id = self.associate(&mut tx, caller, &obj_asst_id, src, dst).await.map_err(|e| {
                    if e.code == code::DUPLICATE_ITEM {
                        Error::with(code::ASSOCIATIONS_EXIST, format!("{obj}->{asst_obj}"))
                    } else {
                        e
                    }
                })?;
                tx.commit().await?;
                Ok::<i64, Error>(id)
            }
            .await;
            outcomes.record(i, outcome, caller.lang);
        }
        Ok(outcomes.into_value())
    }

    pub async fn delete_instance_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = match body.get("id") {
            None | Some(Value::Null) => return Err(Error::with(code::ESB_PARAM, "id")),
            Some(v) => v.as_i64().ok_or_else(|| Error::with(code::NEED_INT, "id"))?,
        };
        let obj = path_str(body, "bk_obj_id")?;
        let mut tx = self.store.begin().await?;
        let found = tx.find_docs(Kind::InstAsst, &[Filter::Eq("id", Param::Int(id))]).await?;
        let visible = writable_through(found, caller, &obj);
        self.remove_associations(&mut tx, caller, &visible).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_related_inst_asso(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "id")?;
        if ids.is_empty() {
            return Err(Error::with(code::HTTP_INPUT_INVALID, "id"));
        }
        if ids.len() > RELATED_DELETE_MAX {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        let obj = req_str(body, "bk_obj_id")?;
        let mut tx = self.store.begin().await?;
        let params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
        let found = tx.find_docs(Kind::InstAsst, &[Filter::In("id", params)]).await?;
        let visible = writable_through(found, caller, &obj);
        self.remove_associations(&mut tx, caller, &visible).await?;
        tx.commit().await?;
        Ok(json!(visible.len()))
    }

    pub async fn find_instance_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = req_str(body, "bk_obj_id")?;
        let cond = query::parse_legacy_value(body.get("condition").unwrap_or(&Value::Null), "condition")?;
        let all = visible_through(&self.store, caller, &obj).await?;
        Ok(Value::Array(all.into_iter().filter(|a| cond.matches(a)).map(public).collect()))
    }

    pub async fn search_instance_associations(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let cond = crate::req::opt_filter(body, "conditions", Flavor::QueryBuilder)?;
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 || page.limit > SEARCH_PAGE_MAX {
            return Err(Error::invalid("page.limit"));
        }
        let fields = super::parse_fields(body.get("fields"), "fields")?;
        let all = visible_through(&self.store, caller, &obj).await?;
        let matched: Vec<Value> = all.into_iter().filter(|a| cond.matches(a)).collect();
        let info: Vec<Value> =
            page::apply(matched, &page).into_iter().map(|a| projected(&public(a), &fields)).collect();
        Ok(json!({"info": info}))
    }

    pub async fn count_instance_associations(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let cond = crate::req::opt_filter(body, "conditions", Flavor::QueryBuilder)?;
        let all = visible_through(&self.store, caller, &obj).await?;
        let n = all.iter().filter(|a| str_field(a, "bk_obj_id") == obj && cond.matches(a)).count();
        Ok(json!({"count": n}))
    }

    pub async fn find_instassociation_with_inst(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let cond = body
            .get("condition")
            .and_then(Value::as_object)
            .ok_or_else(|| Error::is_invalid("condition.asst_filter"))?;
        let filter = match cond.get("asst_filter") {
            Some(v @ Value::Object(_)) => query::parse_filter(v, Flavor::QueryBuilder, "condition.asst_filter", false)
                .map_err(|e| {
                    Error::is_invalid(e.args.first().cloned().unwrap_or_else(|| "condition.asst_filter".into()))
                })?,
            _ => return Err(Error::is_invalid("condition.asst_filter")),
        };
        let asst_fields = super::parse_fields(cond.get("asst_fields"), "condition.asst_fields")?;
        let page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            return Err(Error::missing("page.limit"));
        }
        if page.limit > WITH_INST_PAGE_MAX {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        let all = visible_through(&self.store, caller, &obj).await?;
        let matched: Vec<Value> = page::apply(all.into_iter().filter(|a| filter.matches(a)).collect(), &page);
        let mut out = json!({
            "association": matched.iter().map(|a| projected(&public(a.clone()), &asst_fields)).collect::<Vec<_>>(),
            "src": null, "dst": null,
        });
        for (side, obj_key, id_key, fields_key, flag) in [
            ("src", "bk_obj_id", "bk_inst_id", "src_fields", "src_detail"),
            ("dst", "bk_asst_obj_id", "bk_asst_inst_id", "dst_fields", "dst_detail"),
        ] {
            if !cond.get(flag).and_then(Value::as_bool).unwrap_or(false) {
                continue;
            }
            let fields = super::parse_fields(cond.get(fields_key), fields_key)?;
            let mut by_model: Vec<(String, Vec<i64>)> = Vec::new();
            for a in &matched {
                let (m, id) = (str_field(a, obj_key).to_string(), int_field(a, id_key));
                match by_model.iter_mut().find(|(x, _)| *x == m) {
                    Some((_, ids)) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => by_model.push((m, vec![id])),
                }
            }
            let mut docs = Vec::new();
            for (m, ids) in by_model {
                let times = self.model_read(&m).await?.map(|x| x.time_fields()).unwrap_or_default();
                for d in load_instances(&self.store, &m, &ids).await? {
                    docs.push(projected(&super::render(d, &times), &fields));
                }
            }
            out[side] = Value::Array(docs);
        }
        Ok(out)
    }

    pub async fn search_related_inst_asso(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cond = body.get("condition").and_then(Value::as_object);
        let pick = |k: &str| cond.and_then(|c| c.get(k)).or_else(|| body.get(k)).cloned();
        let inst = pick("bk_inst_id").and_then(|v| v.as_i64()).unwrap_or(0);
        let obj = pick("bk_obj_id").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
        if inst == 0 || obj.is_empty() {
            return Err(Error::missing("'bk_inst_id' & 'bk_obj_id'"));
        }
        let fields = super::parse_fields(body.get("fields"), "fields")?;
        if fields.is_empty() {
            return Err(Error::missing("fields"));
        }
        let page_v = body.get("page").cloned().or_else(|| {
            let (s, l) = (body.get("start"), body.get("limit"));
            (s.is_some() || l.is_some())
                .then(|| json!({"start": s.cloned().unwrap_or(json!(0)), "limit": l.cloned().unwrap_or(json!(0))}))
        });
        let mut page = Page::parse(page_v.as_ref())?;
        if page.limit > SEARCH_PAGE_MAX {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        page.sort = vec![("id".into(), true)];
        let all = visible_through(&self.store, caller, &obj).await?;
        let related: Vec<Value> = all
            .into_iter()
            .filter(|a| {
                (str_field(a, "bk_obj_id") == obj && int_field(a, "bk_inst_id") == inst)
                    || (str_field(a, "bk_asst_obj_id") == obj && int_field(a, "bk_asst_inst_id") == inst)
            })
            .collect();
        Ok(Value::Array(page::apply(related, &page).into_iter().map(|a| projected(&public(a), &fields)).collect()))
    }

    pub async fn search_inst_association_topo(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = path_str(body, "bk_obj_id")?;
        let id = path_int(body, "bk_inst_id")?;
        let Some(model) = self.find_object(caller, &obj).await? else { return Err(Error::is_invalid("bk_obj_id")) };
        let _ = model;
        if id == 0 || load_instances(&self.store, &obj, &[id]).await?.is_empty() {
            return Err(Error::is_invalid(builtin::id_field(&obj)));
        }
        let all = self
            .store
            .find_docs(
                Kind::InstAsst,
                &[Filter::Eq("obj_id", Param::Text(obj.clone())), Filter::Eq("inst_id", Param::Int(id))],
            )
            .await?;
        let mut groups: Vec<(String, Vec<(i64, i64)>)> = Vec::new();
        for a in all.iter().filter(|a| tenant::doc_visible(&caller.supplier, a)) {
            let (m, target, asso) =
                (str_field(a, "bk_asst_obj_id").to_string(), int_field(a, "bk_asst_inst_id"), int_field(a, "id"));
            match groups.iter_mut().find(|(x, _)| *x == m) {
                Some((_, v)) => v.push((target, asso)),
                None => groups.push((m, vec![(target, asso)])),
            }
        }
        let mut out = Vec::new();
        for (m, members) in groups {
            let meta = self
                .find_object(caller, &m)
                .await?
                .map(|o| crate::model::render_object(o, caller.lang))
                .unwrap_or(Value::Null);
            let ids: Vec<i64> = members.iter().map(|(t, _)| *t).collect();
            let docs = load_instances(&self.store, &m, &ids).await?;
            let id_field = builtin::id_field(&m);
            let mut children = Vec::new();
            for (t, asso) in &members {
                let Some(d) = docs.iter().find(|d| int_field(d, id_field) == *t) else { continue };
                children.push(json!({
                    "id": t.to_string(), "bk_obj_id": m, "bk_obj_name": meta["bk_obj_name"], "bk_obj_icon": meta["bk_obj_icon"],
                    "bk_inst_id": t, "bk_inst_name": display_name(d, &m), "asso_id": asso,
                }));
            }
            out.push(json!({
                "id": "", "bk_obj_id": m, "bk_obj_name": meta["bk_obj_name"], "bk_obj_icon": meta["bk_obj_icon"],
                "bk_inst_id": 0, "bk_inst_name": "", "asso_id": 0, "count": children.len(), "children": children,
            }));
        }
        Ok(Value::Array(out))
    }

    pub async fn search_inst_asst_object_inst_base_info(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let cond = body.get("condition").and_then(Value::as_object).cloned().unwrap_or_default();
        let obj = req_str(&cond, "bk_obj_id")?;
        let inst = cond
            .get("bk_inst_id")
            .and_then(Value::as_i64)
            .filter(|i| *i != 0)
            .ok_or_else(|| Error::missing("bk_inst_id"))?;
        let other = req_str(&cond, "association_obj_id")?;
        let is_target = cond.get("is_target_object").and_then(Value::as_bool).unwrap_or(false);
        let mut page = Page::parse(body.get("page"))?;
        if page.limit == 0 {
            page.limit = 20;
        }
        if page.limit > 1000 && page.limit != 999_999_999 {
            return Err(Error::new(code::PAGE_LIMIT_EXCEEDED));
        }
        let all = visible_through(&self.store, caller, &obj).await?;
        let matched: Vec<Value> = all
            .into_iter()
            .filter(|a| {
                if is_target {
                    str_field(a, "bk_asst_obj_id") == obj
                        && int_field(a, "bk_asst_inst_id") == inst
                        && str_field(a, "bk_obj_id") == other
                } else {
                    str_field(a, "bk_obj_id") == obj
                        && int_field(a, "bk_inst_id") == inst
                        && str_field(a, "bk_asst_obj_id") == other
                }
            })
            .collect();
        let count = matched.len();
        let id_key = if is_target { "bk_inst_id" } else { "bk_asst_inst_id" };
        let ids: Vec<i64> = page::apply(matched, &page).iter().map(|a| int_field(a, id_key)).collect();
        let docs = load_instances(&self.store, &other, &ids).await?;
        let id_field = builtin::id_field(&other);
        let info: Vec<Value> = ids
            .iter()
            .filter_map(|i| docs.iter().find(|d| int_field(d, id_field) == *i))
            .map(|d| json!({"bk_inst_id": int_field(d, id_field), "bk_inst_name": display_name(d, &other)}))
            .collect();
        Ok(crate::page::counted(count, info))
    }

    // ---- model associations (set-up routes of the original, not part of the ESB set) ----

    pub async fn create_object_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let obj = req_str(body, "bk_obj_id")?;
        let asst_obj = req_str(body, "bk_asst_obj_id")?;
        let kind = req_str(body, "bk_asst_id")?;
        let mapping = body.get("mapping").and_then(Value::as_str).unwrap_or("n:n").to_string();
        if !["1:1", "1:n", "n:n"].contains(&mapping.as_str()) {
            return Err(Error::invalid("mapping"));
        }
        let on_delete = body.get("on_delete").and_then(Value::as_str).unwrap_or("none").to_string();
        let name = body.get("bk_obj_asst_name").and_then(Value::as_str).unwrap_or("").to_string();
        if kind == "bk_mainline" {
            return Err(Error::new(code::MAINLINE_KIND_UNAVAILABLE));
        }
        let mut tx = self.store.begin().await?;
        for o in [&obj, &asst_obj] {
            if crate::model::object_by_obj_id(&mut tx, o).await?.is_none() {
                return Err(Error::is_invalid(if o == &obj { "bk_obj_id" } else { "bk_asst_obj_id" }));
            }
        }
        if tx.find_docs(Kind::AsstKind, &[Filter::Eq("asst_id", Param::Text(kind.clone()))]).await?.is_empty() {
            return Err(Error::new(code::ASST_KIND_NOT_EXIST));
        }
        let obj_asst_id = format!("{obj}_{kind}_{asst_obj}");
        if !tx
            .find_docs(Kind::ObjectAssociation, &[Filter::Eq("obj_asst_id", Param::Text(obj_asst_id.clone()))])
            .await?
            .is_empty()
        {
            return Err(Error::duplicate("bk_obj_asst_id"));
        }
        let id = tx.next_id(Kind::ObjectAssociation.sequence()).await?;
        let doc = json!({
            "id": id, "bk_obj_asst_id": obj_asst_id, "bk_obj_asst_name": name, "bk_obj_id": obj, "bk_asst_obj_id": asst_obj,
            "bk_asst_id": kind, "mapping": mapping, "on_delete": on_delete, "ispre": false, "bk_supplier_account": caller.supplier,
        });
        tx.insert_doc(Kind::ObjectAssociation, &doc).await?;
        let a = Audit {
            audit_type: "model",
            resource_type: "model_association",
            action: "create",
            resource_id: json!(id),
            resource_name: obj_asst_id.clone(),
            biz_id: 0,
            detail: json!({"details": audit::basic(None, Some(&doc), None)}),
        };
        audit::write(&mut tx, caller, a).await?;
        tx.commit().await?;
        Ok(json!({"id": id, "bk_obj_asst_id": obj_asst_id}))
    }

    pub async fn delete_object_association(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let mut tx = self.store.begin().await?;
        let Some(doc) = tx.find_docs(Kind::ObjectAssociation, &[Filter::Eq("id", Param::Int(id))]).await?.pop() else {
            return Ok(Value::Null);
        };
        if crate::model::bool_field(&doc, "ispre") || str_field(&doc, "bk_asst_id") == "bk_mainline" {
            return Err(Error::new(code::BUILTIN_FORBIDDEN));
        }
        let used = tx
            .count_docs(
                Kind::InstAsst,
                &[Filter::Eq("obj_asst_id", Param::Text(str_field(&doc, "bk_obj_asst_id").into()))],
            )
            .await?;
        if used > 0 {
            return Err(Error::new(code::INST_HAS_ASSOCIATION));
        }
        tx.delete_docs(Kind::ObjectAssociation, &[Filter::Eq("id", Param::Int(id))]).await?;
        let a = Audit {
            audit_type: "model",
            resource_type: "model_association",
            action: "delete",
            resource_id: json!(id),
            resource_name: str_field(&doc, "bk_obj_asst_id").to_string(),
            biz_id: 0,
            detail: json!({"details": audit::basic(Some(&doc), None, None)}),
        };
        audit::write(&mut tx, caller, a).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }
}

/// A required integer field: missing → 1199010, wrong type → 1199000.
fn int_required(b: &Map<String, Value>, key: &str) -> Result<i64> {
    match b.get(key) {
        None | Some(Value::Null) => Err(Error::missing(key)),
        Some(v) => v.as_i64().ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key)),
    }
}
