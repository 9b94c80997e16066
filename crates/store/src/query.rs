//! Compiles the query tree of `cmdb_model::query` to SQL over the JSON document column, with bound
//! parameters only. Field paths made of plain identifier segments are written into the SQL as
//! JSON-path literals (they cannot contain quotes); any other path is bound. Parts that SQL cannot
//! express exactly (regular expressions, nested object/array filters) stay as a residual that the
//! caller evaluates in Rust on the candidates.

use crate::dialect::{Backend, Dialect};
use crate::Param;
use cmdb_model::query::{CmpOp, Expr, StrKind, Test};
use serde_json::Value;

/// A field stored in a real column (always present in the document, never an array).
#[derive(Debug, Clone, Copy)]
pub struct Hot {
    pub field: &'static str,
    pub column: &'static str,
    pub numeric: bool,
}

/// The SQL part of a filter and what is left for Rust.
pub struct Plan {
    pub sql: String,
    pub residual: Option<Expr>,
    /// A top-level equality on an indexed field narrows the rows: sorting them beats walking the
    /// primary key in order (SQLite would otherwise prefer the key to avoid the sort).
    pub selective: bool,
}

struct Ctx<'a> {
    d: Dialect,
    params: &'a mut Vec<Param>,
    hot: &'a [Hot],
    /// Fields whose stored values are never arrays, objects or booleans (typed attributes):
    /// equality and ranges on them compare the extracted value directly, which indexes serve.
    scalar: &'a [String],
}

fn safe_segment(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

impl Ctx<'_> {
    fn bind(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.params.len())
    }

    fn f(&self) -> &'static str {
        match self.d.0 {
            Backend::Sqlite => "0",
            Backend::Postgres => "FALSE",
        }
    }

    fn t(&self) -> &'static str {
        match self.d.0 {
            Backend::Sqlite => "1",
            Backend::Postgres => "TRUE",
        }
    }

    /// SQLite: the JSON path argument; PostgreSQL: the `doc -> ...` accessor. `None` if the path
    /// cannot be expressed (a segment with a double quote).
    fn path(&mut self, path: &str) -> Option<String> {
        let segs: Vec<&str> = path.split('.').collect();
        match self.d.0 {
            Backend::Sqlite => {
                if segs.iter().all(|s| safe_segment(s)) {
                    Some(format!("'$.{}'", segs.join(".")))
                } else if segs.iter().any(|s| s.contains('"')) {
                    None
                } else {
                    let p = segs.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(".");
                    Some(self.bind(Param::Text(format!("$.{p}"))))
                }
            }
            Backend::Postgres => {
                let mut acc = "doc".to_string();
                for s in segs {
                    if safe_segment(s) {
                        acc = format!("({acc} -> '{s}')");
                    } else {
                        let b = self.bind(Param::Text(s.to_string()));
                        acc = format!("({acc} -> {b}::text)");
                    }
                }
                Some(acc)
            }
        }
    }

    fn is_scalar(&self, field: &str) -> bool {
        self.scalar.iter().any(|s| s == field) && field.split('.').all(safe_segment)
    }

    /// The value of a scalar field as one SQL expression (SQLite; the form attribute indexes use).
    fn extract(&self, path: &str) -> String {
        format!("json_extract(doc, '$.{path}')")
    }

    /// `{"a": {"b": v}}` for path `a.b`: the containment operand of PostgreSQL.
    fn nested(path: &str, v: &Value) -> Value {
        path.rsplit('.').fold(v.clone(), |acc, seg| {
            let mut m = serde_json::Map::new();
            m.insert(seg.to_string(), acc);
            Value::Object(m)
        })
    }

    fn scalar_param(&mut self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(self.bind(Param::Text(s.clone()))),
            Value::Number(_) => {
                let n = v.as_number()?;
                let p = if let Some(i) = n.as_i64() { Param::Int(i) } else { Param::Float(n.as_f64()?) };
                Some(self.bind(p))
            }
            _ => None,
        }
    }

    fn hot(&self, field: &str) -> Option<Hot> {
        self.hot.iter().find(|h| h.field == field).copied()
    }

    fn num_param(&mut self, v: &Value) -> Option<String> {
        let n = v.as_number()?;
        let p = if let Some(i) = n.as_i64() { Param::Int(i) } else { Param::Float(n.as_f64()?) };
        Some(match self.d.0 {
            Backend::Sqlite => self.bind(p),
            Backend::Postgres => format!("{}::numeric", self.bind(p)),
        })
    }

    /// `EXISTS` over the value or each element of an array value, with `cond` on element `e`.
    fn any_elem(&mut self, path: &str, cond: impl FnOnce(&mut Self, &str, &str) -> Option<String>) -> Option<String> {
        let p = self.path(path)?;
        Some(match self.d.0 {
            Backend::Sqlite => {
                let c = cond(self, "e.type", "e.value")?;
                // json_each walks an object's members too; only scalars and arrays count here.
                format!("(json_type(doc, {p}) <> 'object' AND EXISTS (SELECT 1 FROM json_each(doc, {p}) e WHERE {c}))")
            }
            Backend::Postgres => {
                let c = cond(self, "jsonb_typeof(e)", "(e #>> '{}')")?;
                format!(
                    "EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof({p}) = 'array' THEN {p} ELSE jsonb_build_array({p}) END) e WHERE {c})"
                )
            }
        })
    }

    fn type_is(&self, ty: &str, kind: &str) -> String {
        let names: &[&str] = match (self.d.0, kind) {
            (Backend::Sqlite, "number") => &["integer", "real"],
            (Backend::Sqlite, "string") => &["text"],
            (Backend::Sqlite, "true") => &["true"],
            (Backend::Sqlite, "false") => &["false"],
            (Backend::Postgres, "true") | (Backend::Postgres, "false") => &["boolean"],
            (Backend::Postgres, k) => return format!("{ty} = '{k}'"),
            _ => &[],
        };
        let list: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        format!("{ty} IN ({})", list.join(", "))
    }

    fn eq(&mut self, path: &str, v: &Value) -> Option<String> {
        if let Some(h) = self.hot(path) {
            return Some(match (h.numeric, v) {
                (true, Value::Number(_)) => format!("{} = {}", h.column, self.num_param(v)?),
                (false, Value::String(s)) => format!("{} = {}", h.column, self.bind(Param::Text(s.clone()))),
                _ => self.f().to_string(),
            });
        }
        if self.is_scalar(path) && (v.is_string() || v.is_number()) {
            return Some(match self.d.0 {
                Backend::Sqlite => {
                    let b = self.scalar_param(v)?;
                    format!("{} = {b}", self.extract(path))
                }
                Backend::Postgres => {
                    let b = self.bind(Param::Text(Self::nested(path, v).to_string()));
                    format!("doc @> {b}::jsonb")
                }
            });
        }
        match v {
            Value::Null => {
                let p = self.path(path)?;
                Some(match self.d.0 {
                    Backend::Sqlite => format!("(json_type(doc, {p}) IS NULL OR json_type(doc, {p}) = 'null')"),
                    Backend::Postgres => format!("({p} IS NULL OR {p} = 'null'::jsonb)"),
                })
            }
            Value::Array(_) | Value::Object(_) => None,
            _ if self.d.0 == Backend::Postgres => {
                // Containment: equal scalar, or an array holding it (numbers compare by value).
                let p = self.path(path)?;
                let b = self.bind(Param::Text(v.to_string()));
                Some(format!("COALESCE({p} @> {b}::jsonb, FALSE)"))
            }
            Value::Bool(b) => {
                let kind = if *b { "true" } else { "false" };
                self.any_elem(path, |c, ty, _| Some(c.type_is(ty, kind)))
            }
            Value::Number(_) => self.any_elem(path, |c, ty, val| {
                let n = c.num_param(v)?;
                Some(format!("{} AND {val} = {n}", c.type_is(ty, "number")))
            }),
            Value::String(s) => self.any_elem(path, |c, ty, val| {
                let b = c.bind(Param::Text(s.clone()));
                Some(format!("{} AND {val} = {b}", c.type_is(ty, "string")))
            }),
        }
    }

    fn cmp(&mut self, path: &str, op: CmpOp, v: &Value) -> Option<String> {
        let o = match op {
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
        };
        if let Some(h) = self.hot(path) {
            return Some(match (h.numeric, v) {
                (true, Value::Number(_)) => format!("{} {o} {}", h.column, self.num_param(v)?),
                (false, Value::String(s)) => {
                    let b = self.bind(Param::Text(s.clone()));
                    match self.d.0 {
                        Backend::Sqlite => format!("{} {o} {b}", h.column),
                        Backend::Postgres => format!("{} COLLATE \"C\" {o} {b}", h.column),
                    }
                }
                _ => self.f().to_string(),
            });
        }
        if self.d.0 == Backend::Sqlite && self.is_scalar(path) && (v.is_string() || v.is_number()) {
            let x = self.extract(path);
            let ty = if v.is_number() { "IN ('integer', 'real')" } else { "= 'text'" };
            let b = self.scalar_param(v)?;
            return Some(format!("json_type(doc, '$.{path}') {ty} AND {x} {o} {b}"));
        }
        match v {
            Value::Number(_) => self.any_elem(path, |c, ty, val| {
                let n = c.num_param(v)?;
                let val = if c.d.0 == Backend::Postgres { format!("{val}::numeric") } else { val.to_string() };
                Some(format!("{} AND {val} {o} {n}", c.type_is(ty, "number")))
            }),
            Value::String(s) => self.any_elem(path, |c, ty, val| {
                let b = c.bind(Param::Text(s.clone()));
                let coll = if c.d.0 == Backend::Postgres { " COLLATE \"C\"" } else { "" };
                Some(format!("{} AND {val}{coll} {o} {b}", c.type_is(ty, "string")))
            }),
            _ => Some(self.f().to_string()),
        }
    }

    /// Literal string tests (no regex metacharacters, ASCII when case-insensitive) become SQL.
    fn text(&mut self, path: &str, kind: StrKind, text: &str, ci: bool) -> Option<String> {
        let meta = |c: char| "\\^$.|?*+()[]{}".contains(c);
        if text.chars().any(meta) || (ci && !text.is_ascii()) || self.hot(path).is_some_and(|h| h.numeric) {
            return None;
        }
        let d = self.d.0;
        self.any_elem(path, |c, ty, val| {
            let (val, needle) = if ci {
                (format!("lower({val})"), text.to_ascii_lowercase())
            } else {
                (val.to_string(), text.to_string())
            };
            let len = needle.chars().count() as i64;
            let b = c.bind(Param::Text(needle));
            let test = match (d, kind) {
                (Backend::Sqlite, StrKind::Contains) => format!("instr({val}, {b}) > 0"),
                (Backend::Postgres, StrKind::Contains) => format!("strpos({val}, {b}) > 0"),
                (Backend::Sqlite, StrKind::Prefix) => format!("substr({val}, 1, {len}) = {b}"),
                (Backend::Postgres, StrKind::Prefix) => format!("left({val}, {len}) = {b}"),
                (Backend::Sqlite, StrKind::Suffix) => {
                    format!("(length({val}) >= {len} AND substr({val}, -{len}) = {b})")
                }
                (Backend::Postgres, StrKind::Suffix) => format!("right({val}, {len}) = {b}"),
            };
            Some(format!("{} AND {test}", c.type_is(ty, "string")))
        })
    }

    fn leaf(&mut self, path: &str, t: &Test) -> Option<String> {
        let sql = match t {
            Test::Eq(v) => self.eq(path, v)?,
            Test::In(vs) => {
                if vs.is_empty() {
                    return Some(self.f().to_string());
                }
                let mut parts = Vec::with_capacity(vs.len());
                for v in vs {
                    parts.push(self.eq(path, v)?);
                }
                format!("({})", parts.join(" OR "))
            }
            Test::Cmp(op, v) => self.cmp(path, *op, v)?,
            Test::Str { kind, text, ci, .. } => self.text(path, *kind, text, *ci)?,
            Test::Exists => {
                if self.hot(path).is_some() {
                    return Some(self.t().to_string());
                }
                let p = self.path(path)?;
                match self.d.0 {
                    Backend::Sqlite => format!("json_type(doc, {p}) IS NOT NULL"),
                    Backend::Postgres => format!("{p} IS NOT NULL"),
                }
            }
            Test::IsNull => {
                if self.hot(path).is_some() {
                    return Some(self.f().to_string());
                }
                self.eq(path, &Value::Null)?
            }
            Test::EmptyArray | Test::Size(_) => {
                let n = if let Test::Size(n) = t { *n as i64 } else { 0 };
                let p = self.path(path)?;
                match self.d.0 {
                    Backend::Sqlite => format!("(json_type(doc, {p}) = 'array' AND json_array_length(doc, {p}) = {n})"),
                    Backend::Postgres => {
                        format!(
                            "(CASE WHEN jsonb_typeof({p}) = 'array' THEN jsonb_array_length({p}) = {n} ELSE FALSE END)"
                        )
                    }
                }
            }
            Test::Regex(_) | Test::AllOf(_) | Test::Object(_) | Test::Element(_) => return None,
        };
        Some(format!("({sql})"))
    }

    /// Compiles `e`, or returns `None` having bound nothing.
    fn expr(&mut self, e: &Expr) -> Option<String> {
        let mark = self.params.len();
        let out = self.expr_inner(e);
        if out.is_none() {
            self.params.truncate(mark);
        }
        out
    }

    fn expr_inner(&mut self, e: &Expr) -> Option<String> {
        match e {
            Expr::And(v) if v.is_empty() => Some(self.t().to_string()),
            Expr::And(v) | Expr::Or(v) => {
                let joiner = if matches!(e, Expr::And(_)) { " AND " } else { " OR " };
                let mut parts = Vec::with_capacity(v.len());
                for x in v {
                    parts.push(self.expr(x)?);
                }
                Some(format!("({})", parts.join(joiner)))
            }
            // A leaf may be NULL (missing field): that excludes a row like FALSE does, except
            // under NOT, so only the operand of NOT is made two-valued. Leaving other leaves bare
            // keeps them usable by indexes.
            Expr::Not(x) => self.expr(x).map(|s| format!("(NOT COALESCE({s}, {}))", self.f())),
            Expr::Field(p, t) => self.leaf(p, t),
        }
    }
}

/// Splits `e` into SQL (bound parameters appended to `params`) and a residual for Rust.
pub fn plan(d: Dialect, e: &Expr, hot: &[Hot], scalar: &[String], params: &mut Vec<Param>) -> Plan {
    let mut ctx = Ctx { d, params, hot, scalar };
    let conjuncts: Vec<&Expr> = match e {
        Expr::And(v) => v.iter().collect(),
        other => vec![other],
    };
    let mut sql = Vec::new();
    let mut residual = Vec::new();
    let selective = conjuncts.iter().any(|c| match c {
        Expr::Field(f, Test::Eq(v)) if !v.is_null() => {
            ctx.hot(f).is_some_and(|h| h.column != "supplier") || ctx.is_scalar(f)
        }
        Expr::Field(f, Test::In(_)) => ctx.hot(f).is_some_and(|h| h.column != "supplier") || ctx.is_scalar(f),
        _ => false,
    });
    for c in conjuncts {
        match ctx.expr(c) {
            Some(s) => sql.push(s),
            None => residual.push(c.clone()),
        }
    }
    Plan {
        sql: if sql.is_empty() { ctx.t().to_string() } else { sql.join(" AND ") },
        residual: if residual.is_empty() { None } else { Some(Expr::And(residual)) },
        selective,
    }
}

/// `ORDER BY` keys ordering like `core::page` does in memory: missing/null, numbers, strings,
/// booleans, then the rest; ties by `id`.
/// `selective`: the filter narrows the rows through an index (see `Plan::selective`).
pub fn order_by(d: Dialect, sort: &[(String, bool)], hot: &[Hot], selective: bool, params: &mut Vec<Param>) -> String {
    let mut ctx = Ctx { d, params, hot, scalar: &[] };
    let mut keys = Vec::new();
    for (field, asc) in sort {
        let dir = if *asc { "ASC" } else { "DESC" };
        if let Some(h) = ctx.hot(field) {
            keys.push(format!("{} {dir}", h.column));
            continue;
        }
        let Some(p) = ctx.path(field) else { continue };
        match d.0 {
            Backend::Sqlite => {
                keys.push(format!(
                    "(CASE json_type(doc, {p}) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'true' THEN 3 WHEN 'false' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 4 ELSE 0 END) {dir}"
                ));
                keys.push(format!("(CASE WHEN json_type(doc, {p}) IN ('integer', 'real', 'text') THEN json_extract(doc, {p}) END) {dir}"));
            }
            Backend::Postgres => {
                keys.push(format!(
                    "(CASE jsonb_typeof({p}) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'boolean' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 4 ELSE 0 END) {dir}"
                ));
                keys.push(format!("(CASE WHEN jsonb_typeof({p}) = 'number' THEN ({p} #>> '{{}}')::numeric END) {dir}"));
                keys.push(format!(
                    "(CASE WHEN jsonb_typeof({p}) = 'string' THEN ({p} #>> '{{}}') END) COLLATE \"C\" {dir}"
                ));
            }
        }
    }
    // `+id` keeps SQLite from choosing the primary key just to read rows in id order.
    keys.push(if selective && d.0 == Backend::Sqlite { "+id ASC" } else { "id ASC" }.to_string());
    keys.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_parts_leave_no_parameters() {
        let e = Expr::Or(vec![
            Expr::Field("a".into(), Test::Eq(json!(false))),
            Expr::Field("a".into(), Test::In(vec![json!(true), json!({"x": 1})])),
        ]);
        for b in [Backend::Sqlite, Backend::Postgres] {
            let mut params = vec![];
            let p = plan(Dialect(b), &e, &[], &[], &mut params);
            assert!(p.residual.is_some());
            assert!(params.is_empty(), "{b:?}: {params:?} / {}", p.sql);
        }
    }
}
