//! Audit records (audit-and-watch.md §1), written in the transaction of the change they describe.

use cmdb_model::{time, Caller, Error, Result};
use cmdb_store::Tx;
use serde_json::{json, Map, Value};

pub struct Audit<'a> {
    pub audit_type: &'a str,
    pub resource_type: &'a str,
    pub action: &'a str,
    pub resource_id: Value,
    pub resource_name: String,
    pub biz_id: i64,
    pub detail: Value,
}

/// `{"pre_data", "cur_data", "update_fields"}` — all three keys always present.
pub fn basic(pre: Option<&Value>, cur: Option<&Value>, update: Option<&Value>) -> Value {
    json!({
        "pre_data": pre.cloned().unwrap_or(Value::Null),
        "cur_data": cur.cloned().unwrap_or(Value::Null),
        "update_fields": update.cloned().unwrap_or(Value::Null),
    })
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

pub async fn write(tx: &mut Tx, caller: &Caller, a: Audit<'_>) -> Result<()> {
    tx.insert_audit(&record(caller, a)).await
}

/// Recorded times inside a record's details are shown as the wire shows them: model metadata as
/// `YYYY-MM-DD hh:mm:ss`, everything else as RFC 3339 — never the stored epoch milliseconds.
fn render_times(detail: &mut Value, metadata: bool) {
    let Some(details) = detail.get_mut("details") else { return };
    for part in ["pre_data", "cur_data"] {
        let Some(m) = details.get_mut(part).and_then(Value::as_object_mut) else { continue };
        for k in ["create_time", "last_time", "bk_created_at", "bk_updated_at"] {
            if let Some(ms) = m.get(k).and_then(Value::as_i64) {
                let text = if metadata { time::metadata_time(ms) } else { time::instance_time(ms) };
                m.insert(k.to_string(), json!(text));
            }
        }
    }
}

/// The audit record as stored (its id is assigned by the database at insert).
pub fn record(caller: &Caller, mut a: Audit<'_>) -> Value {
    render_times(&mut a.detail, a.audit_type == "model");
    let now = time::now_millis();
    let mut doc = Map::new();
    doc.insert("audit_type".into(), json!(a.audit_type));
    doc.insert("bk_supplier_account".into(), json!(caller.supplier));
    doc.insert("user".into(), json!(caller.user));
    doc.insert("resource_type".into(), json!(a.resource_type));
    doc.insert("action".into(), json!(a.action));
    doc.insert("operate_from".into(), json!("user"));
    doc.insert("operation_detail".into(), a.detail);
    doc.insert("operation_time".into(), json!(time::metadata_time(now)));
    doc.insert("_op_ms".into(), json!(now));
    if a.biz_id != 0 {
        doc.insert("bk_biz_id".into(), json!(a.biz_id));
    }
    doc.insert("resource_id".into(), a.resource_id);
    doc.insert("resource_name".into(), json!(truncate(a.resource_name, 256)));
    doc.insert("extend_resource_name".into(), json!(""));
    if !caller.app_code.is_empty() {
        doc.insert("code".into(), json!(caller.app_code));
    }
    if !caller.request_id.is_empty() {
        doc.insert("rid".into(), json!(caller.request_id));
    }
    Value::Object(doc)
}

/// Page size limit of list_operation_audit and find_audit_by_id.
const AUDIT_PAGE_MAX: usize = 200;

/// Audit types of each `category` of list_operation_audit.
fn category_types(category: &str) -> Vec<&'static str> {
    match category {
        "business" => vec!["business_resource", "dynamic_grouping"],
        "resource" => vec!["business", "biz_set", "project", "model_instance", "cloud_resource", "kube"],
        "host" => vec!["host"],
        "other" => vec!["model", "association_kind", "event", "dynamic_grouping", "platform_setting", "field_template"],
        _ => vec![],
    }
}

fn suppliers_of(caller: &Caller) -> Option<Vec<String>> {
    match caller.supplier.as_str() {
        "superadmin" => None,
        "0" => Some(vec!["0".into()]),
        s => Some(vec![s.into(), "0".into()]),
    }
}

fn strings(v: &Value, field: &str) -> Result<Vec<String>> {
    v.as_array()
        .ok_or_else(|| Error::invalid(field))?
        .iter()
        .map(|x| x.as_str().map(str::to_string).ok_or_else(|| Error::invalid(field)))
        .collect()
}

/// The table view of a record: the listed keys real, the others zero values.
fn brief(mut rec: Value) -> Value {
    if let Some(m) = rec.as_object_mut() {
        for (k, zero) in [("audit_type", json!("")), ("bk_supplier_account", json!("")), ("operate_from", json!(""))] {
            m.insert(k.into(), zero);
        }
        m.insert("operation_detail".into(), Value::Null);
        for k in ["code", "rid", "_op_ms"] {
            m.remove(k);
        }
    }
    rec
}

fn full(mut rec: Value) -> Value {
    if let Some(m) = rec.as_object_mut() {
        m.remove("_op_ms");
    }
    rec
}

impl crate::Core {
    pub async fn list_operation_audit(&self, caller: &Caller, body: &crate::req::Body) -> Result<Value> {
        use cmdb_store::audit::{sort_column, AuditQuery, TextTest};
        if body.get("page").and_then(|p| p.get("limit")).and_then(Value::as_i64).is_some_and(|l| l <= 0) {
            return Err(Error::invalid("limit"));
        }
        let page = crate::page::Page::parse(body.get("page"))?;
        if page.limit == 0 {
            return Err(Error::invalid("limit"));
        }
        if page.limit > AUDIT_PAGE_MAX {
            return Err(Error::new(cmdb_model::code::PAGE_LIMIT_EXCEEDED));
        }
        let cond = crate::req::opt_obj(body, "condition")?.cloned().unwrap_or_default();
        let mut q =
            AuditQuery { suppliers: suppliers_of(caller), start: page.start, limit: page.limit, ..Default::default() };
        let range = cond.get("operation_time").and_then(Value::as_object);
        let bound = |k: &str| -> Result<Option<i64>> {
            match range.and_then(|r| r.get(k)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => {
                    time::parse_time_str(s).map(Some).ok_or_else(|| Error::invalid("operation_time"))
                }
                Some(_) => Err(Error::invalid("operation_time")),
            }
        };
        q.from = bound("start")?;
        q.to = bound("end")?;
        if q.from.is_none() && q.to.is_none() {
            return Err(Error::missing("operation_time"));
        }
        let text = |k: &str| -> Result<Option<String>> {
            match cond.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::with(cmdb_model::code::JSON_UNMARSHAL, k)),
            }
        };
        q.biz_id = cond.get("bk_biz_id").and_then(Value::as_i64).filter(|b| *b != 0);
        q.resource_type = text("resource_type")?;
        if let Some(a) = cond.get("action").filter(|a| !a.is_null()) {
            q.actions = strings(a, "action")?;
        }
        let audit_type = text("audit_type")?;
        if let Some(c) = text("category")? {
            let set = category_types(&c);
            q.audit_types = Some(match &audit_type {
                Some(t) if set.contains(&t.as_str()) || (t == "host" && c == "resource") => vec![t.clone()],
                Some(_) => vec![],
                None => set.iter().map(|s| s.to_string()).collect(),
            });
        } else if let Some(t) = audit_type {
            q.audit_types = Some(vec![t]);
        }
        q.operate_from = text("operate_from")?;
        let user = text("user")?;
        let name = text("resource_name")?;
        let fuzzy = cond.get("fuzzy_query").and_then(Value::as_bool).unwrap_or(false);
        if let Some(u) = &user {
            q.user.push(TextTest::Eq(u.clone()));
        }
        let mut name_re: Option<regex::Regex> = None;
        if let Some(n) = &name {
            if fuzzy {
                name_re = Some(
                    regex::RegexBuilder::new(n)
                        .case_insensitive(true)
                        .build()
                        .map_err(|_| Error::invalid("resource_name"))?,
                );
            } else {
                q.resource_name.push(TextTest::Eq(n.clone()));
            }
        }
        if let Some(id) = cond.get("resource_id").filter(|v| !v.is_null()) {
            q.resource_id = Some(id.to_string());
        }
        if let Some(obj) = text("bk_obj_id")? {
            let key = match q.resource_type.as_deref() {
                Some("model_instance") => "bk_obj_id",
                Some("instance_association") => "src_obj_id",
                _ => return Err(Error::invalid("resource_type")),
            };
            q.detail_eq = Some((key, obj));
        }
        if let Some(rules) = cond.get("condition").filter(|v| !v.is_null()) {
            let rules = rules.as_array().ok_or_else(|| Error::invalid("condition"))?;
            if !rules.is_empty() && (user.is_some() || name.is_some()) {
                return Err(Error::invalid("condition"));
            }
            for r in rules {
                let field = r.get("field").and_then(Value::as_str).unwrap_or("");
                let op = r.get("operator").and_then(Value::as_str).unwrap_or("");
                let value = r.get("value").cloned().unwrap_or(Value::Null);
                let target = if field == "resource_name" { &mut q.resource_name } else { &mut q.user };
                match op {
                    "in" => target.push(TextTest::In(strings(&value, "condition.value")?)),
                    "not_in" => target.push(TextTest::NotIn(strings(&value, "condition.value")?)),
                    "contains" if field == "resource_name" => {
                        let s = value.as_str().ok_or_else(|| Error::invalid("condition.value"))?;
                        let re = regex::RegexBuilder::new(&regex::escape(s)).case_insensitive(true).build();
                        name_re = Some(re.map_err(|_| Error::invalid("condition.value"))?);
                    }
                    _ => return Err(Error::invalid("condition.operator")),
                }
            }
        }
        for (f, asc) in &page.sort {
            if let Some(c) = sort_column(f) {
                q.sort.push((c, *asc));
            }
        }
        let keep = name_re
            .map(|re| move |d: &Value| re.is_match(d.get("resource_name").and_then(Value::as_str).unwrap_or("")));
        let keep_ref = keep.as_ref().map(|k| k as &(dyn Fn(&Value) -> bool + Sync));
        let (records, count) = self.store.find_audits(&q, keep_ref).await?;
        Ok(crate::page::counted(count, records.into_iter().map(brief).collect::<Vec<_>>()))
    }

    pub async fn find_audit_by_id(&self, caller: &Caller, body: &crate::req::Body) -> Result<Value> {
        let ids = crate::req::int_array(body, "id")?;
        if ids.is_empty() {
            return Err(Error::missing("id"));
        }
        if ids.len() > AUDIT_PAGE_MAX {
            return Err(Error::new(cmdb_model::code::PAGE_LIMIT_EXCEEDED));
        }
        let found = self.store.audits_by_id(&ids, suppliers_of(caller).as_deref()).await?;
        if found.is_empty() {
            return Err(Error::is_invalid("id"));
        }
        Ok(Value::Array(found.into_iter().map(full).collect()))
    }
}
