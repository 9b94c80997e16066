//! Instance searches: a query tree over one model's documents, compiled by `query` with the
//! residual evaluated here, sorted and paged.

use crate::query::{order_by, plan, Hot};
use crate::{row_doc, Param, Result, Row, Store, Tx};
use cmdb_model::query::Expr;
use serde_json::Value;

/// What to read: one model's instances matching `filter`, sorted, a page of them.
pub struct InstanceQuery<'a> {
    pub obj_id: &'a str,
    pub filter: &'a Expr,
    pub hot: &'a [Hot],
    /// Fields known never to hold arrays, objects or booleans (see `query`).
    pub scalar: &'a [String],
    pub sort: &'a [(String, bool)],
    pub start: usize,
    /// 0 = all.
    pub limit: usize,
    /// Hosts only: keep instances related (through `module_host`) to this topology scope.
    pub within: Option<&'a Within>,
}

/// A topology scope over `module_host`: hosts of a business, optionally of some sets and/or modules.
#[derive(Debug, Clone, Default)]
pub struct Within {
    pub biz: Option<i64>,
    pub sets: Option<Vec<i64>>,
    pub modules: Option<Vec<i64>>,
    /// Relation rows of these suppliers only (`None` = any).
    pub suppliers: Option<Vec<String>>,
}

impl Within {
    /// Conditions on `module_host` columns.
    fn conditions(&self, params: &mut Vec<Param>) -> Vec<String> {
        let mut conds = Vec::new();
        if let Some(b) = self.biz {
            params.push(Param::Int(b));
            conds.push(format!("module_host.biz_id = ${}", params.len()));
        }
        for (col, ids) in [("set_id", &self.sets), ("module_id", &self.modules)] {
            if let Some(ids) = ids {
                if ids.is_empty() {
                    conds.push("1 = 0".into());
                    continue;
                }
                let marks: Vec<String> = ids
                    .iter()
                    .map(|i| {
                        params.push(Param::Int(*i));
                        format!("${}", params.len())
                    })
                    .collect();
                conds.push(format!("module_host.{col} IN ({})", marks.join(", ")));
            }
        }
        if let Some(sup) = &self.suppliers {
            let marks: Vec<String> = sup
                .iter()
                .map(|v| {
                    params.push(Param::Text(v.clone()));
                    format!("${}", params.len())
                })
                .collect();
            conds.push(format!("module_host.supplier IN ({})", marks.join(", ")));
        }
        conds
    }

    /// The condition on `instance` rows. A whole business is a correlated EXISTS, so a host page
    /// walks hosts in id order and probes the relation primary key `(host_id, module_id)` per
    /// host, stopping at the page's end instead of materialising every host of the business.
    /// With sets or modules named the scope is small: its host ids are read first (index on
    /// `(module_id, host_id)` / `(set_id, host_id)`) and the hosts looked up by primary key.
    fn sql(&self, d: crate::dialect::Dialect, params: &mut Vec<Param>) -> String {
        if self.sets.is_some() || self.modules.is_some() {
            let conds = self.conditions(params);
            return format!("id IN (SELECT host_id FROM module_host WHERE {})", conds.join(" AND "));
        }
        // SQLite: `+column` keeps the planner on the primary key `(host_id, …)` for the probe
        // (PostgreSQL plans a semi-join itself, and `+` would only spoil its estimates).
        let lite = d.0 == crate::Backend::Sqlite;
        let mut conds = vec!["module_host.host_id = instance.id".to_string()];
        conds.extend(self.conditions(params).into_iter().map(|c| {
            if lite && !c.contains("supplier") {
                format!("+{c}")
            } else {
                c
            }
        }));
        format!("EXISTS (SELECT 1 FROM module_host WHERE {})", conds.join(" AND "))
    }

    /// How many distinct hosts the scope holds, from the relation indexes alone.
    pub fn count_sql(&self, params: &mut Vec<Param>) -> String {
        let conds = self.conditions(params);
        let w = if conds.is_empty() { String::new() } else { format!(" WHERE {}", conds.join(" AND ")) };
        // GROUP BY streams over the `(biz_id, supplier, host_id)` index; COUNT(DISTINCT) sorts a copy.
        format!("SELECT COUNT(*) FROM (SELECT host_id FROM module_host{w} GROUP BY host_id) AS hosts")
    }
}

impl Store {
    /// The number of distinct hosts in a topology scope.
    pub async fn count_hosts_within(&self, w: &Within) -> Result<i64> {
        let mut params = Vec::new();
        let sql = w.count_sql(&mut params);
        self.fetch(&sql, &params).await?.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }
}

struct Prepared {
    sql: String,
    params: Vec<Param>,
    residual: Option<Expr>,
}

fn prepare(d: crate::dialect::Dialect, q: &InstanceQuery<'_>, count_only: bool) -> Prepared {
    let mut params = vec![Param::Text(q.obj_id.to_string())];
    let p = plan(d, q.filter, q.hot, q.scalar, &mut params);
    let doc = d.json_out("doc");
    let mut model = d.model_condition(q.obj_id);
    if let Some(w) = q.within {
        model = format!("{model} AND {}", w.sql(d, &mut params));
    }
    if count_only && p.residual.is_none() {
        return Prepared {
            sql: format!("SELECT COUNT(*) FROM instance WHERE {model} AND {}", p.sql),
            params,
            residual: None,
        };
    }
    let order = order_by(d, q.sort, q.hot, p.selective, &mut params);
    let mut sql = format!("SELECT {doc} FROM instance WHERE {model} AND {} ORDER BY {order}", p.sql);
    if p.residual.is_none() && !count_only && (q.limit > 0 || q.start > 0) {
        let limit = if q.limit == 0 { i64::MAX } else { q.limit as i64 };
        params.push(Param::Int(limit));
        params.push(Param::Int(q.start as i64));
        sql.push_str(&format!(" LIMIT ${} OFFSET ${}", params.len() - 1, params.len()));
    }
    Prepared { sql, params, residual: p.residual }
}

fn finish(rows: Vec<Row>, prep: &Prepared, q: &InstanceQuery<'_>) -> Result<Vec<Value>> {
    let mut docs: Vec<Value> = rows.iter().map(|r| row_doc(r, 0)).collect::<Result<_>>()?;
    if let Some(r) = &prep.residual {
        docs.retain(|d| r.matches(d));
        let end = if q.limit == 0 { docs.len() } else { q.start.saturating_add(q.limit).min(docs.len()) };
        docs = if q.start >= docs.len() { vec![] } else { docs.drain(q.start..end).collect() };
    }
    Ok(docs)
}

fn count_of(rows: &[Row], prep: &Prepared) -> Result<i64> {
    match &prep.residual {
        None => rows.first().map(|r| r.int(0)).unwrap_or(Ok(0)),
        Some(r) => {
            let mut n = 0;
            for row in rows {
                if r.matches(&row_doc(row, 0)?) {
                    n += 1;
                }
            }
            Ok(n)
        }
    }
}

impl Store {
    pub async fn find_instances(&self, q: &InstanceQuery<'_>) -> Result<Vec<Value>> {
        let prep = prepare(self.dialect(), q, false);
        let rows = self.fetch(&prep.sql, &prep.params).await?;
        finish(rows, &prep, q)
    }

    pub async fn count_instances(&self, q: &InstanceQuery<'_>) -> Result<i64> {
        let prep = prepare(self.dialect(), q, true);
        let rows = self.fetch(&prep.sql, &prep.params).await?;
        count_of(&rows, &prep)
    }
}

impl Tx {
    pub async fn find_instances(&mut self, q: &InstanceQuery<'_>) -> Result<Vec<Value>> {
        let prep = prepare(self.dialect(), q, false);
        let rows = self.fetch(&prep.sql, &prep.params).await?;
        finish(rows, &prep, q)
    }

    pub async fn count_instances(&mut self, q: &InstanceQuery<'_>) -> Result<i64> {
        let prep = prepare(self.dialect(), q, true);
        let rows = self.fetch(&prep.sql, &prep.params).await?;
        count_of(&rows, &prep)
    }
}
