//! Reads of the audit log (audit-and-watch.md §1.4–1.5). Key fields are columns of `audit_log`
//! (indexes on `op_time` and `(resource_type, op_time)`); the rest are read from the document.

use crate::{row_doc, Param, Result, Store};
use serde_json::Value;

/// A text test on a document field or column.
#[derive(Debug, Clone)]
pub enum TextTest {
    Eq(String),
    In(Vec<String>),
    NotIn(Vec<String>),
}

/// What list_operation_audit selects. Every `Some`/non-empty part is AND-ed.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Visible suppliers; `None` = all.
    pub suppliers: Option<Vec<String>>,
    /// Epoch milliseconds, inclusive bounds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub biz_id: Option<i64>,
    pub resource_type: Option<String>,
    pub actions: Vec<String>,
    /// Audit types allowed (`audit_type` and `category` combined); `Some(empty)` matches nothing.
    pub audit_types: Option<Vec<String>>,
    pub operate_from: Option<String>,
    pub user: Vec<TextTest>,
    /// The id as stored: its JSON text (`5`, `"abc"`).
    pub resource_id: Option<String>,
    pub resource_name: Vec<TextTest>,
    /// `operation_detail.<key>` equals the value (key: `bk_obj_id` or `src_obj_id`).
    pub detail_eq: Option<(&'static str, String)>,
    /// `(column, ascending)`; empty = id ascending.
    pub sort: Vec<(&'static str, bool)>,
    pub start: usize,
    /// 0 = all.
    pub limit: usize,
}

/// Columns a sort may name, by record field.
pub fn sort_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "id" => "id",
        "operation_time" => "op_time",
        "bk_biz_id" => "biz_id",
        "resource_type" => "resource_type",
        "action" => "action",
        "audit_type" => "audit_type",
        "user" => "username",
        "resource_id" => "resource_id",
        _ => return None,
    })
}

/// Binds `p` as the next parameter; returns its placeholder.
pub(crate) fn bind(params: &mut Vec<Param>, p: Param) -> String {
    params.push(p);
    format!("${}", params.len())
}

/// Binds each text as the next parameters; returns the placeholders, comma-separated.
pub(crate) fn list(params: &mut Vec<Param>, vals: &[String]) -> String {
    vals.iter().map(|v| bind(params, Param::Text(v.clone()))).collect::<Vec<_>>().join(", ")
}

impl Store {
    fn audit_where(&self, q: &AuditQuery, params: &mut Vec<Param>) -> String {
        let d = self.dialect();
        let mut parts: Vec<String> = Vec::new();
        if let Some(s) = &q.suppliers {
            let m = list(params, s);
            parts.push(format!("supplier IN ({m})"));
        }
        if let Some(f) = q.from {
            parts.push(format!("op_time >= {}", bind(params, Param::Int(f))));
        }
        if let Some(t) = q.to {
            parts.push(format!("op_time <= {}", bind(params, Param::Int(t))));
        }
        if let Some(b) = q.biz_id {
            parts.push(format!("biz_id = {}", bind(params, Param::Int(b))));
        }
        if let Some(r) = &q.resource_type {
            parts.push(format!("resource_type = {}", bind(params, Param::Text(r.clone()))));
        }
        if !q.actions.is_empty() {
            let m = list(params, &q.actions);
            parts.push(format!("action IN ({m})"));
        }
        if let Some(types) = &q.audit_types {
            if types.is_empty() {
                parts.push("1 = 0".into());
            } else {
                let m = list(params, types);
                parts.push(format!("audit_type IN ({m})"));
            }
        }
        if let Some(o) = &q.operate_from {
            let p = bind(params, Param::Text(o.clone()));
            parts.push(format!("{} = {p}", d.json_text_path("doc", &["operate_from"])));
        }
        if let Some(id) = &q.resource_id {
            parts.push(format!("resource_id = {}", bind(params, Param::Text(id.clone()))));
        }
        if let Some((key, v)) = &q.detail_eq {
            let p = bind(params, Param::Text(v.clone()));
            parts.push(format!("{} = {p}", d.json_text_path("doc", &["operation_detail", key])));
        }
        let name_col = d.json_text_path("doc", &["resource_name"]);
        for (col, tests) in [("username".to_string(), &q.user), (name_col, &q.resource_name)] {
            for t in tests.iter() {
                match t {
                    TextTest::Eq(v) => parts.push(format!("{col} = {}", bind(params, Param::Text(v.clone())))),
                    TextTest::In(vs) if vs.is_empty() => parts.push("1 = 0".into()),
                    TextTest::In(vs) => {
                        let m = list(params, vs);
                        parts.push(format!("{col} IN ({m})"));
                    }
                    TextTest::NotIn(vs) if vs.is_empty() => {}
                    TextTest::NotIn(vs) => {
                        let m = list(params, vs);
                        parts.push(format!("{col} NOT IN ({m})"));
                    }
                }
            }
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", parts.join(" AND "))
        }
    }

    /// Matching audit records (sorted and paged) and, when `count`, how many match in all.
    /// `keep` filters what SQL cannot express (regular expressions); with it, paging and counting
    /// happen after the filter.
    pub async fn find_audits(
        &self,
        q: &AuditQuery,
        keep: Option<&(dyn Fn(&Value) -> bool + Sync)>,
    ) -> Result<(Vec<Value>, i64)> {
        let mut params = Vec::new();
        let w = self.audit_where(q, &mut params);
        let mut order: Vec<String> =
            q.sort.iter().map(|(c, asc)| format!("{c} {}", if *asc { "ASC" } else { "DESC" })).collect();
        order.push("id ASC".into());
        let order = order.join(", ");
        let doc = self.dialect().json_out("doc");
        let sql = format!("SELECT id, {doc} FROM audit_log{w} ORDER BY {order}");
        let with_id = |r: &crate::Row| -> Result<Value> {
            let mut d = row_doc(r, 1)?;
            d["id"] = Value::from(r.int(0)?);
            Ok(d)
        };
        if let Some(keep) = keep {
            let rows = self.fetch(&sql, &params).await?;
            let mut all = Vec::new();
            for r in &rows {
                let d = with_id(r)?;
                if keep(&d) {
                    all.push(d);
                }
            }
            let total = all.len() as i64;
            let end = if q.limit == 0 { all.len() } else { (q.start + q.limit).min(all.len()) };
            let page = if q.start >= all.len() { vec![] } else { all.drain(q.start..end).collect() };
            return Ok((page, total));
        }
        let count_sql = format!("SELECT COUNT(*) FROM audit_log{w}");
        let total = self.fetch(&count_sql, &params).await?.first().map(|r| r.int(0)).unwrap_or(Ok(0))?;
        // The page's ids first (from the indexes alone where they cover the filter), then only
        // those documents: no document is read or converted for rows outside the page.
        let limit = if q.limit == 0 { i64::MAX } else { q.limit as i64 };
        let ids = format!("SELECT id FROM audit_log{w} ORDER BY {order} LIMIT {limit} OFFSET {}", q.start);
        let sql = format!("SELECT id, {doc} FROM audit_log WHERE id IN ({ids}) ORDER BY {order}");
        let rows = self.fetch(&sql, &params).await?;
        Ok((rows.iter().map(with_id).collect::<Result<_>>()?, total))
    }

    /// Audit records by id, in storage order, of the visible suppliers (`None` = all).
    pub async fn audits_by_id(&self, ids: &[i64], suppliers: Option<&[String]>) -> Result<Vec<Value>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let mut sql =
            format!("SELECT id, {} FROM audit_log WHERE id IN ({})", self.dialect().json_out("doc"), marks.join(", "));
        if let Some(s) = suppliers {
            sql.push_str(&format!(" AND supplier IN ({})", list(&mut params, s)));
        }
        sql.push_str(" ORDER BY id");
        self.fetch(&sql, &params)
            .await?
            .iter()
            .map(|r| {
                let mut d = row_doc(r, 1)?;
                d["id"] = Value::from(r.int(0)?);
                Ok(d)
            })
            .collect()
    }
}
