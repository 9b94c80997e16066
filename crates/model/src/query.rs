//! One typed query tree for the three condition syntaxes of the API (conventions.md §5): the legacy
//! condition map, the querybuilder filter and the filter expression, plus `time_condition`.
//! Parsing validates every limit; `Expr::matches` is the reference evaluator (metadata searches
//! use it directly; the store compiles the same tree to SQL and is tested against it).

use crate::attr::compile_user_regex;
use crate::error::{Error, Result};
use regex::Regex;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::OnceLock;

#[derive(Debug, Clone)]
pub enum Expr {
    /// All of them (an empty `And` matches everything).
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Field(String, Test),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl CmpOp {
    fn holds(self, o: Ordering) -> bool {
        match self {
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Lte => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Gte => o != Ordering::Less,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrKind {
    Prefix,
    Suffix,
    Contains,
}

#[derive(Debug, Clone)]
pub enum Test {
    /// The value, or any element of an array value, equals the operand (`null` also matches a missing field).
    Eq(Value),
    /// The value or any element equals one of the operands.
    In(Vec<Value>),
    /// Ordered comparison of numbers with numbers and strings with strings (any element).
    Cmp(CmpOp, Value),
    /// A string value (or element) matches the pattern.
    Regex(Regex),
    /// A string test built from a caller's text; the text is a regular expression as in the original.
    Str { kind: StrKind, text: String, ci: bool, re: Regex },
    /// The field is present (any value, `null` included).
    Exists,
    /// The field is missing or `null`.
    IsNull,
    /// The value is an empty array.
    EmptyArray,
    /// The value is an array of this length.
    Size(usize),
    /// The value is an array holding every operand.
    AllOf(Vec<Value>),
    /// The value is an object whose fields satisfy the nested expression.
    Object(Box<Expr>),
    /// Some element of the array value satisfies the nested expression (its field `element`).
    Element(Box<Expr>),
}

impl Expr {
    pub fn all() -> Expr {
        Expr::And(vec![])
    }

    pub fn and(mut parts: Vec<Expr>) -> Expr {
        parts.retain(|p| !matches!(p, Expr::And(v) if v.is_empty()));
        if parts.len() == 1 {
            parts.pop().unwrap()
        } else {
            Expr::And(parts)
        }
    }

    pub fn field(name: &str, t: Test) -> Expr {
        Expr::Field(name.to_string(), t)
    }

    pub fn negate(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Expr::And(v) if v.is_empty())
    }

    pub fn matches(&self, doc: &Value) -> bool {
        match self {
            Expr::And(v) => v.iter().all(|e| e.matches(doc)),
            Expr::Or(v) => v.iter().any(|e| e.matches(doc)),
            Expr::Not(e) => !e.matches(doc),
            Expr::Field(path, t) => t.matches(lookup(doc, path)),
        }
    }

    /// Fields the expression reads (top-level names).
    pub fn fields(&self, out: &mut HashSet<String>) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.fields(out)),
            Expr::Not(e) => e.fields(out),
            Expr::Field(p, _) => {
                out.insert(p.split('.').next().unwrap_or(p).to_string());
            }
        }
    }

    /// Operands given as time strings become epoch milliseconds on fields stored as instants.
    pub fn times_to_instants(&mut self, time_fields: &HashSet<String>) {
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter_mut().for_each(|e| e.times_to_instants(time_fields)),
            Expr::Not(e) => e.times_to_instants(time_fields),
            Expr::Field(p, t) if time_fields.contains(p.as_str()) => {
                let conv = |v: &mut Value| {
                    if let Value::String(s) = v {
                        if let Some(ms) = crate::time::parse_time_str(s) {
                            *v = Value::from(ms);
                        }
                    }
                };
                match t {
                    Test::Eq(v) | Test::Cmp(_, v) => conv(v),
                    Test::In(vs) | Test::AllOf(vs) => vs.iter_mut().for_each(conv),
                    _ => {}
                }
            }
            Expr::Field(..) => {}
        }
    }
}

/// Dot-path lookup through objects; `None` when absent.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.') {
        cur = cur.as_object()?.get(part)?;
    }
    Some(cur)
}

/// Scalar equality: numbers by value, everything else structurally; types never mix.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn json_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The value itself, or its elements when it is an array.
fn each(v: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Value::Array(a) => Box::new(a.iter()),
        _ => Box::new(std::iter::once(v)),
    }
}

impl Test {
    pub fn matches(&self, v: Option<&Value>) -> bool {
        match self {
            Test::Eq(Value::Null) => v.is_none_or(Value::is_null),
            Test::Eq(x) => v.is_some_and(|v| each(v).any(|e| json_eq(e, x))),
            Test::In(xs) => xs.iter().any(|x| Test::Eq(x.clone()).matches(v)),
            Test::Cmp(op, x) => v.is_some_and(|v| each(v).any(|e| json_cmp(e, x).is_some_and(|o| op.holds(o)))),
            Test::Regex(r) | Test::Str { re: r, .. } => {
                v.is_some_and(|v| each(v).any(|e| e.as_str().is_some_and(|s| r.is_match(s))))
            }
            Test::Exists => v.is_some(),
            Test::IsNull => v.is_none_or(Value::is_null),
            Test::EmptyArray => v.and_then(Value::as_array).is_some_and(Vec::is_empty),
            Test::Size(n) => v.and_then(Value::as_array).is_some_and(|a| a.len() == *n),
            Test::AllOf(xs) => {
                v.and_then(Value::as_array).is_some_and(|a| xs.iter().all(|x| a.iter().any(|e| json_eq(e, x))))
            }
            Test::Object(e) => v.is_some_and(|v| v.is_object() && e.matches(v)),
            Test::Element(e) => v.and_then(Value::as_array).is_some_and(|a| {
                a.iter().any(|el| {
                    let wrapped = Value::Object(Map::from_iter([("element".to_string(), el.clone())]));
                    e.matches(&wrapped)
                })
            }),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Legacy condition map (§5.1)

const FORBIDDEN: [&str; 4] = ["$where", "$expr", "$accumulator", "$function"];

/// Parses a legacy condition map; `{}` matches everything.
pub fn parse_legacy(m: &Map<String, Value>) -> Result<Expr> {
    let mut parts = Vec::with_capacity(m.len());
    for (k, v) in m {
        parts.push(legacy_key(k, v)?);
    }
    Ok(Expr::and(parts))
}

/// `null` = everything; anything but an object is refused (1199006 naming `field`).
pub fn parse_legacy_value(v: &Value, field: &str) -> Result<Expr> {
    match v {
        Value::Object(m) => parse_legacy(m),
        Value::Null => Ok(Expr::all()),
        _ => Err(Error::invalid(field)),
    }
}

fn legacy_key(k: &str, v: &Value) -> Result<Expr> {
    if FORBIDDEN.contains(&k) {
        return Err(Error::invalid(k));
    }
    match k {
        "$and" | "$or" | "$nor" => {
            let arr = v.as_array().ok_or_else(|| Error::invalid(k))?;
            let mut parts = Vec::with_capacity(arr.len());
            for c in arr {
                parts.push(parse_legacy(c.as_object().ok_or_else(|| Error::invalid(k))?)?);
            }
            Ok(match k {
                "$and" => Expr::And(parts),
                "$or" => Expr::Or(parts),
                _ => Expr::negate(Expr::Or(parts)),
            })
        }
        _ if k.starts_with('$') => Err(Error::invalid(k)),
        _ if k.is_empty() => Err(Error::invalid("condition")),
        _ => legacy_ops(k, v),
    }
}

fn legacy_ops(field: &str, v: &Value) -> Result<Expr> {
    match v {
        Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
            let options = m.get("$options").and_then(Value::as_str).unwrap_or("");
            let mut parts = Vec::new();
            for (op, arg) in m {
                if op != "$options" {
                    parts.push(legacy_op(field, op, arg, options)?);
                }
            }
            Ok(Expr::and(parts))
        }
        _ => Ok(Expr::field(field, Test::Eq(v.clone()))),
    }
}

fn array_arg(field: &str, arg: &Value) -> Result<Vec<Value>> {
    match arg {
        Value::Array(a) => Ok(a.clone()),
        Value::Null => Ok(vec![]),
        _ => Err(Error::invalid(field)),
    }
}

fn legacy_op(field: &str, op: &str, arg: &Value, options: &str) -> Result<Expr> {
    let f = |t| Ok(Expr::field(field, t));
    match op {
        "$eq" => f(Test::Eq(arg.clone())),
        "$ne" => Ok(Expr::negate(Expr::field(field, Test::Eq(arg.clone())))),
        "$in" => f(Test::In(array_arg(field, arg)?)),
        "$nin" => Ok(Expr::negate(Expr::field(field, Test::In(array_arg(field, arg)?)))),
        "$lt" => f(Test::Cmp(CmpOp::Lt, arg.clone())),
        "$lte" => f(Test::Cmp(CmpOp::Lte, arg.clone())),
        "$gt" => f(Test::Cmp(CmpOp::Gt, arg.clone())),
        "$gte" => f(Test::Cmp(CmpOp::Gte, arg.clone())),
        "$regex" => {
            let p = arg.as_str().ok_or_else(|| Error::invalid(field))?;
            let p = if options.contains('i') { format!("(?i){p}") } else { p.to_string() };
            f(Test::Regex(compile_user_regex(&p).ok_or_else(|| Error::invalid(field))?))
        }
        "$exists" => {
            let b = arg.as_bool().ok_or_else(|| Error::invalid(field))?;
            let e = Expr::field(field, Test::Exists);
            Ok(if b { e } else { Expr::negate(e) })
        }
        "$not" => Ok(Expr::negate(legacy_ops(field, arg)?)),
        "$all" => f(Test::AllOf(array_arg(field, arg)?)),
        "$size" => f(Test::Size(arg.as_u64().ok_or_else(|| Error::invalid(field))? as usize)),
        _ => Err(Error::invalid(format!("{field}.{op}"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Querybuilder (§5.2) and filter expression (§5.3)

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// `src/common/querybuilder`: top level must be a group; OR ≤ 20 rules.
    QueryBuilder,
    /// `pkg/filter`: a group or a rule; ≤ 50 rules per group; more operators.
    Filter,
}

const MAX_DEPTH: usize = 3;
const QB_OR_MAX: usize = 20;
const FILTER_RULES_MAX: usize = 50;
const ARRAY_MAX: usize = 500;

fn qb_field_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    R.get_or_init(|| Regex::new(r"^[a-zA-Z0-9][\w\-.]*$").expect("static regex"))
}

/// Parses a querybuilder / filter document. `root` names it in errors (`conditions`, `filter`).
/// `limits` off = the lenient variant used by `find_instassociation_with_inst`.
pub fn parse_filter(v: &Value, flavor: Flavor, root: &str, limits: bool) -> Result<Expr> {
    let m = v.as_object().ok_or_else(|| Error::invalid(root))?;
    if m.contains_key("condition") || m.contains_key("rules") {
        group(m, flavor, root, 1, limits)
    } else if flavor == Flavor::Filter {
        rule(m, flavor, root, 1, limits)
    } else {
        Err(Error::invalid(root))
    }
}

/// `depth` counts the groups from the top down to this node, itself included; a rule adds one more
/// level, and the total may not exceed `MAX_DEPTH`.
fn group(m: &Map<String, Value>, flavor: Flavor, path: &str, depth: usize, limits: bool) -> Result<Expr> {
    if depth >= MAX_DEPTH {
        return Err(Error::invalid(path));
    }
    let cond = m.get("condition").and_then(Value::as_str).ok_or_else(|| Error::invalid(format!("{path}.condition")))?;
    let rules = m.get("rules").and_then(Value::as_array).ok_or_else(|| Error::invalid(format!("{path}.rules")))?;
    if rules.is_empty() {
        return Err(Error::invalid(format!("{path}.rules")));
    }
    let is_or = match cond {
        "AND" => false,
        "OR" => true,
        _ => return Err(Error::invalid(format!("{path}.condition"))),
    };
    if limits {
        let max = match flavor {
            Flavor::QueryBuilder if is_or => QB_OR_MAX,
            Flavor::QueryBuilder => usize::MAX,
            Flavor::Filter => FILTER_RULES_MAX,
        };
        if rules.len() > max {
            return Err(Error::invalid(format!("{path}.rules")));
        }
    }
    let mut parts = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        let p = format!("{path}.rules[{i}]");
        let rm = r.as_object().ok_or_else(|| Error::invalid(&p))?;
        if rm.contains_key("condition") || rm.contains_key("rules") {
            parts.push(group(rm, flavor, &p, depth + 1, limits)?);
        } else {
            parts.push(rule(rm, flavor, &p, depth + 1, limits)?);
        }
    }
    Ok(if is_or { Expr::Or(parts) } else { Expr::And(parts) })
}

fn is_basic(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

/// A datetime operand: a time string or (filter flavour) epoch seconds → epoch ms; a date-only string stays a string.
fn datetime_operand(v: &Value, flavor: Flavor, p: &str) -> Result<Value> {
    match v {
        Value::String(s) if crate::time::is_date(s.trim()) => Ok(v.clone()),
        Value::String(s) => crate::time::parse_time_str(s).map(Value::from).ok_or_else(|| Error::invalid(p)),
        Value::Number(n) if flavor == Flavor::Filter => {
            n.as_f64().map(|s| Value::from((s * 1000.0) as i64)).ok_or_else(|| Error::invalid(p))
        }
        _ => Err(Error::invalid(p)),
    }
}

fn rule(m: &Map<String, Value>, flavor: Flavor, path: &str, depth: usize, limits: bool) -> Result<Expr> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(path));
    }
    let field = m.get("field").and_then(Value::as_str).unwrap_or("");
    let field_ok = match flavor {
        Flavor::QueryBuilder => qb_field_regex().is_match(field),
        Flavor::Filter => !field.is_empty(),
    };
    if !field_ok {
        return Err(Error::invalid(format!("{path}.field")));
    }
    let op = m.get("operator").and_then(Value::as_str).ok_or_else(|| Error::invalid(format!("{path}.operator")))?;
    let value = m.get("value").unwrap_or(&Value::Null);
    let vp = format!("{path}.value");
    let f = |t: Test| Expr::field(field, t);
    let neg = |t: Test| Expr::negate(Expr::field(field, t));
    let text = |ci: bool, kind: StrKind| -> Result<Test> {
        let s = value.as_str().filter(|s| !s.is_empty()).ok_or_else(|| Error::invalid(&vp))?;
        let pattern = match kind {
            StrKind::Prefix => format!("^(?:{s})"),
            StrKind::Suffix => format!("(?:{s})$"),
            StrKind::Contains => s.to_string(),
        };
        let pattern = if ci { format!("(?i){pattern}") } else { pattern };
        let re = compile_user_regex(&pattern).ok_or_else(|| Error::invalid(&vp))?;
        Ok(Test::Str { kind, text: s.to_string(), ci, re })
    };
    let filter_only =
        |e: Result<Expr>| if flavor == Flavor::Filter { e } else { Err(Error::invalid(format!("{path}.operator"))) };
    Ok(match op {
        "equal" | "not_equal" => {
            if !is_basic(value) {
                return Err(Error::invalid(&vp));
            }
            if op == "equal" {
                f(Test::Eq(value.clone()))
            } else {
                neg(Test::Eq(value.clone()))
            }
        }
        "in" | "not_in" => {
            let arr = match value {
                Value::Array(a) => a.clone(),
                Value::Null if flavor == Flavor::QueryBuilder => vec![],
                _ => return Err(Error::invalid(&vp)),
            };
            if limits && arr.len() > ARRAY_MAX || flavor == Flavor::Filter && arr.is_empty() {
                return Err(Error::invalid(&vp));
            }
            if !arr.iter().all(is_basic) || arr.windows(2).any(|w| !same_kind(&w[0], &w[1])) {
                return Err(Error::invalid(&vp));
            }
            if op == "in" {
                f(Test::In(arr))
            } else {
                neg(Test::In(arr))
            }
        }
        "less" | "less_or_equal" | "greater" | "greater_or_equal" => {
            if !value.is_number() {
                return Err(Error::invalid(&vp));
            }
            let c = match op {
                "less" => CmpOp::Lt,
                "less_or_equal" => CmpOp::Lte,
                "greater" => CmpOp::Gt,
                _ => CmpOp::Gte,
            };
            f(Test::Cmp(c, value.clone()))
        }
        "datetime_less" | "datetime_less_or_equal" | "datetime_greater" | "datetime_greater_or_equal" => {
            let c = match op {
                "datetime_less" => CmpOp::Lt,
                "datetime_less_or_equal" => CmpOp::Lte,
                "datetime_greater" => CmpOp::Gt,
                _ => CmpOp::Gte,
            };
            f(Test::Cmp(c, datetime_operand(value, flavor, &vp)?))
        }
        "begins_with" => f(text(false, StrKind::Prefix)?),
        "not_begins_with" => neg(text(false, StrKind::Prefix)?),
        "ends_with" => f(text(false, StrKind::Suffix)?),
        "not_ends_with" => neg(text(false, StrKind::Suffix)?),
        "contains" => f(text(true, StrKind::Contains)?),
        "not_contains" => neg(text(flavor == Flavor::QueryBuilder, StrKind::Contains)?),
        "begins_with_i" => filter_only(Ok(f(text(true, StrKind::Prefix)?)))?,
        "not_begins_with_i" => filter_only(Ok(neg(text(true, StrKind::Prefix)?)))?,
        "ends_with_i" => filter_only(Ok(f(text(true, StrKind::Suffix)?)))?,
        "not_ends_with_i" => filter_only(Ok(neg(text(true, StrKind::Suffix)?)))?,
        "contains_s" => filter_only(Ok(f(text(false, StrKind::Contains)?)))?,
        "not_contains_i" => filter_only(Ok(neg(text(true, StrKind::Contains)?)))?,
        "is_empty" => f(Test::EmptyArray),
        "is_not_empty" => neg(Test::EmptyArray),
        "is_null" => f(Test::IsNull),
        "is_not_null" => neg(Test::IsNull),
        "exist" => f(Test::Exists),
        "not_exist" => neg(Test::Exists),
        "size" => {
            let n = value.as_u64().ok_or_else(|| Error::invalid(&vp))?;
            filter_only(Ok(f(Test::Size(n as usize))))?
        }
        "filter_object" | "filter_array" => {
            let inner = value.as_object().ok_or_else(|| Error::invalid(&vp))?;
            let nested = if inner.contains_key("condition") || inner.contains_key("rules") {
                group(inner, flavor, &vp, depth + 1, limits)?
            } else {
                rule(inner, flavor, &vp, depth + 1, limits)?
            };
            let t =
                if op == "filter_object" { Test::Object(Box::new(nested)) } else { Test::Element(Box::new(nested)) };
            filter_only(Ok(f(t)))?
        }
        _ => return Err(Error::invalid(format!("{path}.operator"))),
    })
}

// ---------------------------------------------------------------------------------------------
// time_condition (§5.4)

/// `{"oper": "and", "rules": [{"field", "start", "end"}]}` → instant comparisons on stored times.
pub fn parse_time_condition(v: &Value) -> Result<Expr> {
    let m = match v {
        Value::Null => return Ok(Expr::all()),
        Value::Object(m) => m,
        _ => return Err(Error::invalid("time_condition")),
    };
    if m.get("oper").and_then(Value::as_str) != Some("and") {
        return Err(Error::invalid("time_condition.oper"));
    }
    let rules = m.get("rules").and_then(Value::as_array).filter(|r| !r.is_empty());
    let rules = rules.ok_or_else(|| Error::missing("time_condition.rules"))?;
    let mut parts = Vec::new();
    for r in rules {
        let field = r.get("field").and_then(Value::as_str).filter(|f| !f.is_empty());
        let field = match field.ok_or_else(|| Error::missing("time_condition.rules.field"))? {
            "bk_created_at" => "create_time",
            "bk_updated_at" => "last_time",
            f => f,
        };
        let when = |k: &str| -> Result<Option<i64>> {
            match r.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => {
                    let t = crate::time::parse_time_str(s).or_else(|| {
                        // `YYYY-MM-DD hh:mm:ss` in time conditions is read as UTC.
                        chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
                            .ok()
                            .map(|t| t.and_utc().timestamp_millis())
                    });
                    t.map(Some).ok_or_else(|| Error::invalid("time_condition.rules"))
                }
                Some(Value::Number(n)) => Ok(n.as_f64().map(|s| (s * 1000.0) as i64)),
                Some(_) => Err(Error::invalid("time_condition.rules")),
            }
        };
        let utc = |k: &str| -> Result<Option<i64>> {
            if let Some(Value::String(s)) = r.get(k) {
                if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S") {
                    return Ok(Some(t.and_utc().timestamp_millis()));
                }
            }
            when(k)
        };
        match (utc("start")?, utc("end")?) {
            (None, None) => return Err(Error::invalid("time_condition.rules")),
            (Some(s), Some(e)) if s == e => parts.push(Expr::field(field, Test::Eq(Value::from(s)))),
            (s, e) => {
                if let Some(s) = s {
                    parts.push(Expr::field(field, Test::Cmp(CmpOp::Gte, Value::from(s))));
                }
                if let Some(e) = e {
                    parts.push(Expr::field(field, Test::Cmp(CmpOp::Lte, Value::from(e))));
                }
            }
        }
    }
    Ok(Expr::and(parts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn legacy(c: Value, d: Value) -> bool {
        parse_legacy_value(&c, "condition").unwrap().matches(&d)
    }

    #[test]
    fn legacy_operators() {
        let d = json!({"a": 5, "s": "hello", "arr": [1, 2], "o": {"x": "y"}, "n": null});
        assert!(legacy(json!({}), d.clone()));
        assert!(legacy(json!({"a": 5.0}), d.clone()));
        assert!(legacy(json!({"arr": 2}), d.clone()));
        assert!(legacy(json!({"a": {"$gt": 1, "$lte": 5}}), d.clone()));
        assert!(!legacy(json!({"a": {"$lt": 5}}), d.clone()));
        assert!(legacy(json!({"s": {"$regex": "^HE", "$options": "i"}}), d.clone()));
        assert!(legacy(json!({"missing": {"$ne": 1}}), d.clone()));
        assert!(legacy(json!({"missing": null}), d.clone()));
        assert!(legacy(json!({"n": null}), d.clone()));
        assert!(legacy(json!({"missing": {"$exists": false}}), d.clone()));
        assert!(legacy(json!({"o.x": "y"}), d.clone()));
        assert!(legacy(json!({"$or": [{"a": 1}, {"s": {"$in": ["hello"]}}]}), d.clone()));
        assert!(legacy(json!({"$nor": [{"a": 1}]}), d.clone()));
        assert!(legacy(json!({"s": {"$not": {"$regex": "z"}}}), d.clone()));
        assert!(legacy(json!({"arr": {"$all": [1, 2], "$size": 2}}), d.clone()));
        assert!(!legacy(json!({"a": {"$nin": [5]}}), d.clone()));
        assert!(!legacy(json!({"a": "5"}), d));
    }

    #[test]
    fn legacy_refusals() {
        for c in [
            json!({"$where": "1"}),
            json!({"a": {"$foo": 1}}),
            json!({"a": {"$regex": "("}}),
            json!({"$expr": {}}),
            json!(5),
        ] {
            assert!(parse_legacy_value(&c, "condition").is_err(), "{c}");
        }
    }

    fn qb(v: Value) -> Result<Expr> {
        parse_filter(&v, Flavor::QueryBuilder, "conditions", true)
    }

    fn fl(v: Value) -> Result<Expr> {
        parse_filter(&v, Flavor::Filter, "conditions", true)
    }

    #[test]
    fn querybuilder_rules_and_limits() {
        let d = json!({"name": "Web-01", "n": 7, "tags": ["a", "b"], "e": []});
        let m = |v: Value| qb(v).unwrap().matches(&d);
        assert!(m(json!({"condition": "AND", "rules": [{"field": "name", "operator": "contains", "value": "web"}]})));
        assert!(!m(
            json!({"condition": "AND", "rules": [{"field": "name", "operator": "begins_with", "value": "web"}]})
        ));
        assert!(m(
            json!({"condition": "OR", "rules": [{"field": "n", "operator": "less", "value": 3}, {"field": "tags", "operator": "equal", "value": "b"}]})
        ));
        assert!(m(
            json!({"condition": "AND", "rules": [{"field": "e", "operator": "is_empty", "value": null}, {"field": "zz", "operator": "is_null"}]})
        ));
        assert!(m(json!({"condition": "AND", "rules": [{"field": "n", "operator": "not_in", "value": [1, 2]}]})));
        // refusals
        assert!(qb(json!({"field": "n", "operator": "equal", "value": 1})).is_err(), "bare rule");
        assert!(qb(json!({"condition": "and", "rules": [{"field": "n", "operator": "equal", "value": 1}]})).is_err());
        assert!(qb(json!({"condition": "AND", "rules": []})).is_err());
        assert!(qb(json!({"condition": "AND", "rules": [{"field": "-x", "operator": "equal", "value": 1}]})).is_err());
        assert!(
            qb(json!({"condition": "AND", "rules": [{"field": "x", "operator": "between", "value": [1, 2]}]})).is_err()
        );
        assert!(
            qb(json!({"condition": "AND", "rules": [{"field": "x", "operator": "in", "value": [1, "a"]}]})).is_err()
        );
        let many: Vec<Value> = (0..21).map(|i| json!({"field": "x", "operator": "equal", "value": i})).collect();
        assert!(qb(json!({"condition": "OR", "rules": many})).is_err());
        let deep = json!({"condition": "AND", "rules": [{"condition": "AND", "rules": [{"condition": "AND", "rules": [{"field": "x", "operator": "equal", "value": 1}]}]}]});
        assert!(qb(deep).is_err());
        let err = qb(json!({"condition": "AND", "rules": [{"field": "x", "operator": "equal", "value": 1}, {"field": "y", "operator": "equal", "value": [1]}]})).unwrap_err();
        assert_eq!(err.args[0], "conditions.rules[1].value");
    }

    #[test]
    fn filter_flavor() {
        let d = json!({"name": "Web-01", "tags": ["a", "b"], "o": {"k": 3}, "t": 1_700_000_000_000i64});
        let m = |v: Value| fl(v).unwrap().matches(&d);
        assert!(m(json!({"field": "name", "operator": "begins_with_i", "value": "web"})));
        assert!(!m(json!({"field": "name", "operator": "contains_s", "value": "web"})));
        assert!(m(json!({"field": "tags", "operator": "size", "value": 2})));
        assert!(m(
            json!({"field": "o", "operator": "filter_object", "value": {"field": "k", "operator": "greater", "value": 2}})
        ));
        assert!(m(
            json!({"field": "tags", "operator": "filter_array", "value": {"field": "element", "operator": "equal", "value": "b"}})
        ));
        assert!(m(json!({"field": "t", "operator": "datetime_greater", "value": 1_600_000_000})));
        assert!(fl(json!({"field": "x", "operator": "in", "value": []})).is_err());
        let many: Vec<Value> = (0..51).map(|i| json!({"field": "x", "operator": "equal", "value": i})).collect();
        assert!(fl(json!({"condition": "AND", "rules": many})).is_err());
    }

    #[test]
    fn time_conditions() {
        let e = parse_time_condition(&json!({"oper": "and", "rules": [{"field": "bk_created_at", "start": "2024-01-01 00:00:00", "end": "2024-01-02 00:00:00"}]})).unwrap();
        assert!(e.matches(&json!({"create_time": 1_704_067_200_000i64 + 1000})));
        assert!(!e.matches(&json!({"create_time": 1_704_067_200_000i64 - 1000})));
        assert!(parse_time_condition(&json!({"oper": "or", "rules": [{"field": "a", "start": 1}]})).is_err());
        assert_eq!(parse_time_condition(&json!({"oper": "and", "rules": []})).unwrap_err().code, crate::code::NEED_SET);
        assert_eq!(
            parse_time_condition(&json!({"oper": "and", "rules": [{"field": "a"}]})).unwrap_err().code,
            crate::code::PARAMS_INVALID
        );
    }
}
