//! Metadata records stored as JSON documents with their key fields copied into indexed columns.
//! One generic set of operations serves every kind; the kind says its table and key columns.

use crate::{row_doc, Param, Result, Store, Tx};
use cmdb_model::builtin::{id_field, name_field};
use cmdb_model::Error;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Classification,
    Object,
    Attribute,
    PropertyGroup,
    Unique,
    AsstKind,
    ObjectAssociation,
    TopoGraphics,
    RolePrivilege,
    ServiceCategory,
    Instance,
    InstAsst,
    BizSensitive,
    Subscription,
    ServiceTemplate,
    ProcessTemplate,
    SetTemplate,
    SetTemplateService,
    ServiceInstance,
    ProcessRelation,
    SyncTask,
}

#[derive(Clone, Copy)]
enum Col {
    Int(&'static str, &'static str),
    Text(&'static str, &'static str),
}

impl Col {
    fn name(self) -> &'static str {
        match self {
            Col::Int(c, _) | Col::Text(c, _) => c,
        }
    }
}

impl Kind {
    pub fn table(self) -> &'static str {
        match self {
            Kind::Classification => "classification",
            Kind::Object => "object",
            Kind::Attribute => "attribute",
            Kind::PropertyGroup => "property_group",
            Kind::Unique => "object_unique",
            Kind::AsstKind => "asst_kind",
            Kind::ObjectAssociation => "object_association",
            Kind::TopoGraphics => "topo_graphics",
            Kind::RolePrivilege => "role_privilege",
            Kind::ServiceCategory => "service_category",
            Kind::Instance => "instance",
            Kind::InstAsst => "inst_asst",
            Kind::BizSensitive => "biz_sensitive",
            Kind::Subscription => "subscription",
            Kind::ServiceTemplate => "service_template",
            Kind::ProcessTemplate => "process_template",
            Kind::SetTemplate => "set_template",
            Kind::SetTemplateService => "set_template_service",
            Kind::ServiceInstance => "service_instance",
            Kind::ProcessRelation => "process_relation",
            Kind::SyncTask => "sync_task",
        }
    }

    /// Name of the id sequence of this kind.
    pub fn sequence(self) -> &'static str {
        self.table()
    }

    fn columns(self) -> &'static [Col] {
        use Col::*;
        const SUP: Col = Text("supplier", "bk_supplier_account");
        match self {
            Kind::Classification => {
                &[Int("id", "id"), SUP, Text("cls_id", "bk_classification_id"), Text("name", "bk_classification_name")]
            }
            Kind::Object => &[
                Int("id", "id"),
                SUP,
                Text("obj_id", "bk_obj_id"),
                Text("name", "bk_obj_name"),
                Text("cls_id", "bk_classification_id"),
            ],
            Kind::Attribute => &[
                Int("id", "id"),
                SUP,
                Text("obj_id", "bk_obj_id"),
                Int("biz_id", "bk_biz_id"),
                Text("prop_id", "bk_property_id"),
            ],
            Kind::PropertyGroup => &[
                Int("id", "id"),
                SUP,
                Text("obj_id", "bk_obj_id"),
                Int("biz_id", "bk_biz_id"),
                Text("group_id", "bk_group_id"),
            ],
            Kind::Unique => &[Int("id", "id"), SUP, Text("obj_id", "bk_obj_id")],
            Kind::AsstKind => &[Int("id", "id"), SUP, Text("asst_id", "bk_asst_id")],
            Kind::ObjectAssociation => &[
                Int("id", "id"),
                SUP,
                Text("obj_asst_id", "bk_obj_asst_id"),
                Text("obj_id", "bk_obj_id"),
                Text("asst_obj_id", "bk_asst_obj_id"),
            ],
            Kind::TopoGraphics => &[
                Int("id", "id"),
                SUP,
                Text("scope_type", "scope_type"),
                Text("scope_id", "scope_id"),
                Text("node_type", "node_type"),
                Text("obj_id", "bk_obj_id"),
                Int("inst_id", "bk_inst_id"),
            ],
            Kind::RolePrivilege => {
                &[Int("id", "id"), SUP, Text("obj_id", "bk_obj_id"), Text("prop_id", "bk_property_id")]
            }
            Kind::ServiceCategory => &[
                Int("id", "id"),
                SUP,
                Int("biz_id", "bk_biz_id"),
                Int("parent_id", "bk_parent_id"),
                Text("name", "name"),
            ],
            Kind::InstAsst => &[
                Int("id", "id"),
                SUP,
                Text("obj_asst_id", "bk_obj_asst_id"),
                Text("obj_id", "bk_obj_id"),
                Int("inst_id", "bk_inst_id"),
                Text("asst_obj_id", "bk_asst_obj_id"),
                Int("asst_inst_id", "bk_asst_inst_id"),
            ],
            Kind::BizSensitive => &[Int("id", "bk_biz_id"), SUP],
            Kind::Subscription => &[Int("id", "subscription_id"), SUP, Text("name", "subscription_name")],
            Kind::ServiceTemplate => &[
                Int("id", "id"),
                SUP,
                Int("biz_id", "bk_biz_id"),
                Text("name", "name"),
                Int("category_id", "service_category_id"),
            ],
            Kind::ProcessTemplate => {
                &[Int("id", "id"), SUP, Int("biz_id", "bk_biz_id"), Int("template_id", "service_template_id")]
            }
            Kind::SetTemplate => &[Int("id", "id"), SUP, Int("biz_id", "bk_biz_id"), Text("name", "name")],
            Kind::SetTemplateService => &[
                Int("id", "id"),
                SUP,
                Int("biz_id", "bk_biz_id"),
                Int("set_template_id", "set_template_id"),
                Int("template_id", "service_template_id"),
            ],
            Kind::ServiceInstance => &[
                Int("id", "id"),
                SUP,
                Int("biz_id", "bk_biz_id"),
                Int("module_id", "bk_module_id"),
                Int("host_id", "bk_host_id"),
                Int("template_id", "service_template_id"),
                Text("name", "name"),
            ],
            Kind::ProcessRelation => &[
                Int("id", "bk_process_id"),
                SUP,
                Int("biz_id", "bk_biz_id"),
                Int("instance_id", "service_instance_id"),
                Int("template_id", "process_template_id"),
                Int("host_id", "bk_host_id"),
            ],
            Kind::SyncTask => &[Int("id", "bk_inst_id"), SUP, Int("template_id", "service_template_id")],
            // Instances: `id` and `name` are the model's own id and name fields (`_id`, `_name`).
            Kind::Instance => &[
                Int("id", "_id"),
                SUP,
                Text("obj_id", "bk_obj_id"),
                Text("name", "_name"),
                Int("biz_id", "bk_biz_id"),
                Int("parent_id", "bk_parent_id"),
            ],
        }
    }

    fn params(self, doc: &Value) -> Vec<Param> {
        let obj = doc.get("bk_obj_id").and_then(Value::as_str).unwrap_or("");
        self.columns()
            .iter()
            .map(|c| match *c {
                Col::Int(_, "_id") => Param::Int(doc.get(id_field(obj)).and_then(Value::as_i64).unwrap_or(0)),
                Col::Text(_, "_name") => Param::Text(match doc.get(name_field(obj)) {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                    _ => String::new(),
                }),
                Col::Int(_, f) => doc.get(f).and_then(Value::as_i64).map(Param::Int).unwrap_or(Param::Int(0)),
                Col::Text(_, f) => Param::Text(doc.get(f).and_then(Value::as_str).unwrap_or("").to_string()),
            })
            .collect()
    }

    fn check_col(self, col: &str) -> Result<()> {
        if self.columns().iter().any(|c| c.name() == col) {
            Ok(())
        } else {
            Err(Error::internal(format!("{} has no column {col}", self.table())))
        }
    }
}

/// Equality filter on key columns; an `In` matches any of the values.
#[derive(Debug, Clone)]
pub enum Filter {
    Eq(&'static str, Param),
    In(&'static str, Vec<Param>),
}

fn where_clause(kind: Kind, filters: &[Filter], params: &mut Vec<Param>) -> Result<String> {
    let mut parts = Vec::new();
    for f in filters {
        match f {
            Filter::Eq(c, p) => {
                kind.check_col(c)?;
                params.push(p.clone());
                parts.push(format!("{c} = ${}", params.len()));
            }
            Filter::In(c, ps) => {
                kind.check_col(c)?;
                if ps.is_empty() {
                    parts.push("1 = 0".to_string());
                    continue;
                }
                let mut marks = Vec::with_capacity(ps.len());
                for p in ps {
                    params.push(p.clone());
                    marks.push(format!("${}", params.len()));
                }
                parts.push(format!("{c} IN ({})", marks.join(", ")));
            }
        }
    }
    Ok(if parts.is_empty() { String::new() } else { format!(" WHERE {}", parts.join(" AND ")) })
}

/// `[A-Za-z][A-Za-z0-9_]*`: safe to write into SQL text (no quote can occur).
fn plain_identifier(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Kind {
    /// Kinds whose changes invalidate cached model metadata.
    fn is_metadata(self) -> bool {
        matches!(self, Kind::Object | Kind::Attribute | Kind::Unique | Kind::ObjectAssociation | Kind::PropertyGroup)
    }
}

impl Tx {
    async fn touch(&mut self, kind: Kind) -> Result<()> {
        if kind.is_metadata() {
            self.touched_meta = true;
            if self.backend() == crate::Backend::Postgres {
                self.execute("UPDATE seq SET value = value + 1 WHERE name = 'meta_version'", &[]).await?;
            }
        }
        Ok(())
    }

    /// The metadata version: changes whenever a model, attribute, unique rule, group or model
    /// association changes (on any node), so caches of model metadata know when to reload.
    pub async fn metadata_version(&mut self) -> Result<i64> {
        if self.backend() == crate::Backend::Sqlite {
            return Ok(self.meta_gen.load(std::sync::atomic::Ordering::SeqCst));
        }
        let rows = self.fetch("SELECT value FROM seq WHERE name = 'meta_version'", &[]).await?;
        rows.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }

    pub async fn insert_doc(&mut self, kind: Kind, doc: &Value) -> Result<()> {
        self.insert_doc_json(kind, doc, &doc.to_string()).await
    }

    /// `insert_doc` with the document already serialised (`text` is `doc` as JSON).
    pub async fn insert_doc_json(&mut self, kind: Kind, doc: &Value, text: &str) -> Result<()> {
        self.touch(kind).await?;
        let cols = kind.columns();
        let d = self.dialect();
        let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
        let marks: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "INSERT INTO {} ({}, doc) VALUES ({}, {})",
            kind.table(),
            names.join(", "),
            marks.join(", "),
            d.json_param(cols.len() + 1)
        );
        let mut params = kind.params(doc);
        params.push(Param::Text(text.to_string()));
        self.execute(&sql, &params).await?;
        Ok(())
    }

    /// Rewrites the document (and its key columns) of the record with primary key `id`.
    pub async fn update_doc(&mut self, kind: Kind, id: i64, doc: &Value) -> Result<u64> {
        self.touch(kind).await?;
        let cols = kind.columns();
        let d = self.dialect();
        let sets: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("{} = ${}", c.name(), i + 1)).collect();
        let mut params = kind.params(doc);
        params.push(Param::Text(doc.to_string()));
        params.push(Param::Int(id));
        let n = params.len();
        let extra = if kind == Kind::Instance {
            params.push(Param::Text(doc.get("bk_obj_id").and_then(Value::as_str).unwrap_or("").to_string()));
            format!(" AND obj_id = ${}", n + 1)
        } else {
            String::new()
        };
        let sql = format!(
            "UPDATE {} SET {}, doc = {} WHERE id = ${n}{extra}",
            kind.table(),
            sets.join(", "),
            d.json_param(n - 1)
        );
        self.execute(&sql, &params).await
    }

    /// Rewrites many documents of one kind (each found by its key columns' id); PostgreSQL runs
    /// 500 rows per statement, SQLite one cached statement per row.
    pub async fn update_docs(&mut self, kind: Kind, docs: &[Value]) -> Result<()> {
        if self.backend() == crate::Backend::Sqlite {
            for doc in docs {
                let id = match kind.params(doc).first() {
                    Some(Param::Int(i)) => *i,
                    _ => return Err(Error::internal("document without id")),
                };
                self.update_doc(kind, id, doc).await?;
            }
            return Ok(());
        }
        self.touch(kind).await?;
        let cols = kind.columns();
        let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
        let sets: Vec<String> = names.iter().map(|c| format!("{c} = v.{c}")).collect();
        let matches = if kind == Kind::Instance { "t.id = v.id AND t.obj_id = v.obj_id" } else { "t.id = v.id" };
        for chunk in docs.chunks(self.rows_per_statement()) {
            let mut params = Vec::with_capacity(chunk.len() * (cols.len() + 1));
            let rows: Vec<String> = chunk
                .iter()
                .map(|doc| {
                    let mut marks = Vec::with_capacity(cols.len() + 1);
                    for (c, p) in cols.iter().zip(kind.params(doc)) {
                        params.push(p);
                        let cast = match c {
                            Col::Int(..) => "bigint",
                            Col::Text(..) => "text",
                        };
                        marks.push(format!("${}::{cast}", params.len()));
                    }
                    params.push(Param::Text(doc.to_string()));
                    marks.push(format!("${}::jsonb", params.len()));
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!(
                "UPDATE {} AS t SET {}, doc = v.doc FROM (VALUES {}) AS v({}, doc) WHERE {matches}",
                kind.table(),
                sets.join(", "),
                rows.join(", "),
                names.join(", ")
            );
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }

    pub async fn delete_docs(&mut self, kind: Kind, filters: &[Filter]) -> Result<u64> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        if w.is_empty() {
            return Err(Error::internal("refusing an unfiltered delete"));
        }
        self.touch(kind).await?;
        self.execute(&format!("DELETE FROM {}{w}", kind.table()), &params).await
    }

    pub async fn find_docs(&mut self, kind: Kind, filters: &[Filter]) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let sql = format!("SELECT {} FROM {}{w} ORDER BY id", self.dialect().json_out("doc"), kind.table());
        let rows = self.fetch(&sql, &params).await?;
        rows.iter().map(|r| row_doc(r, 0)).collect()
    }

    pub async fn count_docs(&mut self, kind: Kind, filters: &[Filter]) -> Result<i64> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let rows = self.fetch(&format!("SELECT COUNT(*) FROM {}{w}", kind.table()), &params).await?;
        rows.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }

    /// Removes a top-level key from every instance document of a model (optionally one business).
    pub async fn remove_instance_key(&mut self, obj_id: &str, biz_id: Option<i64>, key: &str) -> Result<u64> {
        let d = self.dialect();
        let mut params = vec![Param::Text(d.json_remove_key_param(key)), Param::Text(obj_id.to_string())];
        let mut sql = format!("UPDATE instance SET doc = {} WHERE obj_id = $2", d.json_remove_key("doc", 1));
        if let Some(b) = biz_id {
            params.push(Param::Int(b));
            sql.push_str(" AND biz_id = $3");
        }
        self.execute(&sql, &params).await
    }

    /// Makes equality and range filters on attribute `prop` of model `obj` use an index.
    /// SQLite: a partial expression index per model and attribute (`WHERE obj_id = '<obj>'`, so
    /// other models' writes never touch it; SQLite matches the bound `obj_id` of a query against
    /// it). PostgreSQL: the GIN index over all documents serves equality, nothing to add.
    /// Only plain ASCII identifiers are written into the DDL; other names stay unindexed.
    pub async fn ensure_attribute_index(&mut self, obj: &str, prop: &str) -> Result<()> {
        if self.backend() != crate::Backend::Sqlite || !plain_identifier(obj) || !plain_identifier(prop) {
            return Ok(());
        }
        let sql = format!(
            "CREATE INDEX IF NOT EXISTS \"inst_{obj}__{prop}\" ON instance (json_extract(doc, '$.{prop}')) WHERE obj_id = '{obj}'"
        );
        self.execute(&sql, &[]).await?;
        Ok(())
    }

    /// Drops the index of `ensure_attribute_index` (attribute or model deleted).
    pub async fn drop_attribute_index(&mut self, obj: &str, prop: &str) -> Result<()> {
        if self.backend() != crate::Backend::Sqlite || !plain_identifier(obj) || !plain_identifier(prop) {
            return Ok(());
        }
        self.execute(&format!("DROP INDEX IF EXISTS \"inst_{obj}__{prop}\""), &[]).await?;
        Ok(())
    }

    /// Appends an audit record (audit-and-watch.md §1); its id is the row's, assigned in commit order.
    pub async fn insert_audit(&mut self, doc: &Value) -> Result<()> {
        self.insert_audit_json(doc, &doc.to_string()).await
    }

    /// `insert_audit` with the record already serialised.
    pub async fn insert_audit_json(&mut self, doc: &Value, text: &str) -> Result<()> {
        let mut params = Vec::with_capacity(AUDIT_COLUMNS);
        let row = audit_row(self.dialect(), doc, text, &mut params);
        self.execute(&format!("INSERT INTO audit_log ({AUDIT_COLUMN_NAMES}) VALUES {row}"), &params).await?;
        Ok(())
    }

    /// Appends many audit records with multi-row statements (ids in the given order).
    pub async fn insert_audits(&mut self, docs: &[Value]) -> Result<()> {
        for chunk in docs.chunks(self.rows_per_statement()) {
            let d = self.dialect();
            let mut params = Vec::with_capacity(chunk.len() * AUDIT_COLUMNS);
            let rows: Vec<String> = chunk.iter().map(|doc| audit_row(d, doc, &doc.to_string(), &mut params)).collect();
            self.execute(&format!("INSERT INTO audit_log ({AUDIT_COLUMN_NAMES}) VALUES {}", rows.join(", ")), &params)
                .await?;
        }
        Ok(())
    }

    /// Inserts many documents of one kind with multi-row statements.
    pub async fn insert_docs(&mut self, kind: Kind, docs: &[Value]) -> Result<()> {
        self.touch(kind).await?;
        let cols = kind.columns();
        let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
        for chunk in docs.chunks(self.rows_per_statement()) {
            let d = self.dialect();
            let mut params = Vec::with_capacity(chunk.len() * (cols.len() + 1));
            let rows: Vec<String> = chunk
                .iter()
                .map(|doc| {
                    let mut marks = Vec::with_capacity(cols.len() + 1);
                    for p in kind.params(doc) {
                        params.push(p);
                        marks.push(format!("${}", params.len()));
                    }
                    params.push(Param::Text(doc.to_string()));
                    marks.push(d.json_param(params.len()));
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!("INSERT INTO {} ({}, doc) VALUES {}", kind.table(), names.join(", "), rows.join(", "));
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }
}

impl Tx {
    /// Rows per multi-row insert: PostgreSQL saves a round trip per row; SQLite runs statements
    /// inline, where one cached single-row statement per row is the fastest.
    pub(crate) fn rows_per_statement(&self) -> usize {
        match self.backend() {
            crate::Backend::Sqlite => 1,
            crate::Backend::Postgres => 500,
        }
    }
}
const AUDIT_COLUMNS: usize = 9;
const AUDIT_COLUMN_NAMES: &str =
    "supplier, audit_type, resource_type, action, biz_id, resource_id, op_time, username, doc";

/// One audit row's placeholders, its values appended to `params`.
fn audit_row(d: crate::dialect::Dialect, doc: &Value, text: &str, params: &mut Vec<Param>) -> String {
    let g = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let values = [
        Param::Text(g("bk_supplier_account")),
        Param::Text(g("audit_type")),
        Param::Text(g("resource_type")),
        Param::Text(g("action")),
        Param::Int(doc.get("bk_biz_id").and_then(Value::as_i64).unwrap_or(0)),
        Param::Text(doc.get("resource_id").map(|v| v.to_string()).unwrap_or_default()),
        Param::Int(doc.get("_op_ms").and_then(Value::as_i64).unwrap_or(0)),
        Param::Text(g("user")),
        Param::Text(text.to_string()),
    ];
    let mut marks = Vec::with_capacity(AUDIT_COLUMNS);
    for (i, v) in values.into_iter().enumerate() {
        params.push(v);
        marks.push(if i == AUDIT_COLUMNS - 1 { d.json_param(params.len()) } else { format!("${}", params.len()) });
    }
    format!("({})", marks.join(", "))
}

/// `ORDER BY` of a page: key columns with directions (`true` ascending), then `id`.
fn order_clause(kind: Kind, order: &[(&str, bool)]) -> Result<String> {
    let mut parts = Vec::with_capacity(order.len() + 1);
    for (c, asc) in order {
        kind.check_col(c)?;
        parts.push(format!("{c} {}", if *asc { "ASC" } else { "DESC" }));
    }
    if !order.iter().any(|(c, _)| *c == "id") {
        parts.push("id ASC".to_string());
    }
    Ok(parts.join(", "))
}

impl Store {
    /// One page of documents filtered on key columns and ordered by key columns (`limit` 0 =
    /// all). The page's ids are chosen from the key columns alone, then only their documents are
    /// read, so rows skipped by the offset never have their document read.
    pub async fn page_docs(
        &self,
        kind: Kind,
        filters: &[Filter],
        order: &[(&str, bool)],
        start: usize,
        limit: usize,
    ) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let mut sql = format!("SELECT id FROM {}{w} ORDER BY {}", kind.table(), order_clause(kind, order)?);
        if limit > 0 || start > 0 {
            let limit = if limit == 0 { i64::MAX as usize } else { limit };
            sql += &format!(" LIMIT {limit} OFFSET {start}");
        }
        let ids: Vec<i64> = self.fetch(&sql, &params).await?.iter().map(|r| r.int(0)).collect::<Result<_>>()?;
        let mut docs = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let params: Vec<Param> = chunk.iter().map(|i| Param::Int(*i)).collect();
            let sql = format!(
                "SELECT id, {} FROM {} WHERE id IN ({})",
                self.dialect().json_out("doc"),
                kind.table(),
                marks.join(", ")
            );
            let mut found = std::collections::HashMap::with_capacity(chunk.len());
            for r in self.fetch(&sql, &params).await? {
                found.insert(r.int(0)?, row_doc(&r, 1)?);
            }
            docs.extend(chunk.iter().filter_map(|i| found.remove(i)));
        }
        Ok(docs)
    }

    /// Documents built from the key columns alone, without reading their JSON: for kinds whose
    /// every field is a key column (relation rows).
    pub async fn find_key_docs(&self, kind: Kind, filters: &[Filter]) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let cols = kind.columns();
        let names: Vec<&str> = cols.iter().map(|c| c.name()).collect();
        let sql = format!("SELECT {} FROM {}{w} ORDER BY id", names.join(", "), kind.table());
        let rows = self.fetch(&sql, &params).await?;
        rows.iter()
            .map(|r| {
                let mut m = serde_json::Map::with_capacity(cols.len());
                for (i, c) in cols.iter().enumerate() {
                    let v = match *c {
                        Col::Int(_, f) => (f, Value::from(r.int(i)?)),
                        Col::Text(_, f) => (f, Value::from(r.text(i)?)),
                    };
                    m.insert(v.0.to_string(), v.1);
                }
                Ok(Value::Object(m))
            })
            .collect()
    }

    pub async fn count_docs(&self, kind: Kind, filters: &[Filter]) -> Result<i64> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let rows = self.fetch(&format!("SELECT COUNT(*) FROM {}{w}", kind.table()), &params).await?;
        rows.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }
}

impl Store {
    /// The metadata version as the reader pool sees it (see `Tx::metadata_version`).
    pub async fn metadata_version(&self) -> Result<i64> {
        if self.backend == crate::Backend::Sqlite {
            return Ok(self.meta_gen.load(std::sync::atomic::Ordering::SeqCst));
        }
        let rows = self.fetch("SELECT value FROM seq WHERE name = 'meta_version'", &[]).await?;
        rows.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }

    /// Reads documents outside a transaction.
    pub async fn find_docs(&self, kind: Kind, filters: &[Filter]) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        let w = where_clause(kind, filters, &mut params)?;
        let sql = format!("SELECT {} FROM {}{w} ORDER BY id", self.dialect().json_out("doc"), kind.table());
        let rows = self.fetch(&sql, &params).await?;
        rows.iter().map(|r| row_doc(r, 0)).collect()
    }
}
