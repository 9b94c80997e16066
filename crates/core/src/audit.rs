//! Audit records (audit-and-watch.md §1), written in the transaction of the change they describe.

use cmdb_model::{time, Caller, Result};
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

/// The audit record as stored (its id is assigned by the database at insert).
pub fn record(caller: &Caller, a: Audit<'_>) -> Value {
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
