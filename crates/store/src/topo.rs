//! Reads of the business topology by key columns: tree nodes without their documents, and the
//! host–module relations (`module_host`).

use crate::dialect::Dialect;
use crate::{Param, Result, Row, Store, Tx};

/// One instance of a topology level, as the trees need it.
#[derive(Debug, Clone, PartialEq)]
pub struct TopoNode {
    pub obj: String,
    pub id: i64,
    pub name: String,
    pub parent: i64,
    /// The `default` field (0 normal; idle set 1; idle/fault/recycle modules 1/2/3, ...).
    pub default: i64,
}

/// A column of `module_host` a relation count can be scoped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostScope {
    Biz,
    Set,
    Module,
    Host,
}

impl HostScope {
    fn column(self) -> &'static str {
        match self {
            HostScope::Biz => "biz_id",
            HostScope::Set => "set_id",
            HostScope::Module => "module_id",
            HostScope::Host => "host_id",
        }
    }
}

/// A host's membership of one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostRelation {
    pub host: i64,
    pub module: i64,
    pub set: i64,
    pub biz: i64,
}

fn nodes_query(d: Dialect, biz: i64, objs: &[&str]) -> (String, Vec<Param>) {
    let mut params = vec![Param::Int(biz)];
    let mut marks = Vec::with_capacity(objs.len());
    for o in objs {
        params.push(Param::Text(o.to_string()));
        marks.push(format!("${}", params.len()));
    }
    let default = d.json_int_field("doc", "default");
    let sql = format!(
        "SELECT obj_id, id, name, parent_id, COALESCE({default}, 0) FROM instance \
         WHERE biz_id = $1 AND obj_id IN ({}) ORDER BY id",
        marks.join(", ")
    );
    (sql, params)
}

fn nodes_of(rows: Vec<Row>) -> Result<Vec<TopoNode>> {
    rows.iter()
        .map(|r| {
            Ok(TopoNode {
                obj: r.text(0)?.to_string(),
                id: r.int(1)?,
                name: r.text(2)?.to_string(),
                parent: r.int(3)?,
                default: r.int(4)?,
            })
        })
        .collect()
}

fn scope_query(scope: HostScope, ids: &[i64], select: &str) -> (String, Vec<Param>) {
    let params: Vec<Param> = ids.iter().map(|i| Param::Int(*i)).collect();
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let cond =
        if ids.is_empty() { "1 = 0".to_string() } else { format!("{} IN ({})", scope.column(), marks.join(", ")) };
    (format!("SELECT {select} FROM module_host WHERE {cond}"), params)
}

fn relations_of(rows: Vec<Row>) -> Result<Vec<HostRelation>> {
    rows.iter()
        .map(|r| Ok(HostRelation { host: r.int(0)?, module: r.int(1)?, set: r.int(2)?, biz: r.int(3)? }))
        .collect()
}

const RELATION_COLUMNS: &str = "host_id, module_id, set_id, biz_id";

impl Store {
    /// Instances of the given topology models in business `biz`, by id.
    pub async fn topo_nodes(&self, biz: i64, objs: &[&str]) -> Result<Vec<TopoNode>> {
        let (sql, params) = nodes_query(self.dialect(), biz, objs);
        nodes_of(self.fetch(&sql, &params).await?)
    }

    /// Host–module relations whose `scope` column is one of `ids`, ordered by host then module.
    pub async fn host_relations(&self, scope: HostScope, ids: &[i64]) -> Result<Vec<HostRelation>> {
        let (mut sql, params) = scope_query(scope, ids, RELATION_COLUMNS);
        sql.push_str(" ORDER BY host_id, module_id");
        relations_of(self.fetch(&sql, &params).await?)
    }
}

impl Tx {
    /// `Store::topo_nodes` inside a write transaction.
    pub async fn topo_nodes(&mut self, biz: i64, objs: &[&str]) -> Result<Vec<TopoNode>> {
        let (sql, params) = nodes_query(self.dialect(), biz, objs);
        nodes_of(self.fetch(&sql, &params).await?)
    }

    /// Number of host–module relations whose `scope` column is one of `ids`.
    pub async fn count_host_relations(&mut self, scope: HostScope, ids: &[i64]) -> Result<i64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let (sql, params) = scope_query(scope, ids, "COUNT(*)");
        self.fetch(&sql, &params).await?.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }

    /// Adds a host–module relation (the hosts area's transfers; tests and benchmarks seed with it).
    pub async fn insert_host_relation(&mut self, rel: HostRelation, supplier: &str) -> Result<()> {
        self.execute(
            "INSERT INTO module_host (host_id, module_id, set_id, biz_id, supplier) VALUES ($1, $2, $3, $4, $5)",
            &[Param::Int(rel.host), Param::Int(rel.module), Param::Int(rel.set), Param::Int(rel.biz), supplier.into()],
        )
        .await?;
        Ok(())
    }
}
