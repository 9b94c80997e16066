//! Supplier-account visibility (conventions.md §1.3).

use serde_json::Value;

/// Reads by `0` see only `0`; other tenants see their own and `0`; `superadmin` sees everything.
pub fn visible(caller_supplier: &str, record_supplier: &str) -> bool {
    caller_supplier == "superadmin" || record_supplier == caller_supplier || record_supplier == "0"
}

pub fn doc_visible(caller_supplier: &str, doc: &Value) -> bool {
    visible(caller_supplier, doc.get("bk_supplier_account").and_then(Value::as_str).unwrap_or("0"))
}

/// Writes only touch records of the caller's own account (superadmin: any).
pub fn writable(caller_supplier: &str, doc: &Value) -> bool {
    let s = doc.get("bk_supplier_account").and_then(Value::as_str).unwrap_or("0");
    caller_supplier == "superadmin" || s == caller_supplier
}
