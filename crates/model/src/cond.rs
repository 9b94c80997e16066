//! The legacy condition map (conventions.md §5.1), parsed once into a typed tree.
//! Metadata searches evaluate it in memory against JSON documents; instance searches compile it to SQL.

use crate::attr::compile_user_regex;
use crate::error::{Error, Result};
use regex::Regex;
use serde_json::{Map, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Nor(Vec<Cond>),
    Field(String, FieldOp),
}

#[derive(Debug, Clone)]
pub enum FieldOp {
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    Nin(Vec<Value>),
    Cmp(Ordering, bool, Value),
    Regex(Regex),
    Exists(bool),
    Not(Box<FieldOp>),
    All(Vec<Value>),
    Size(usize),
    /// Several operators on one field, all of which must hold.
    Every(Vec<FieldOp>),
}

const FORBIDDEN: [&str; 4] = ["$where", "$expr", "$accumulator", "$function"];

impl Cond {
    /// Parses a condition map; `{}` matches everything.
    pub fn parse(m: &Map<String, Value>) -> Result<Cond> {
        let mut parts = Vec::with_capacity(m.len());
        for (k, v) in m {
            parts.push(parse_key(k, v)?);
        }
        Ok(Cond::And(parts))
    }

    pub fn parse_value(v: &Value, field: &str) -> Result<Cond> {
        match v {
            Value::Object(m) => Cond::parse(m),
            Value::Null => Ok(Cond::And(vec![])),
            _ => Err(Error::invalid(field)),
        }
    }

    pub fn matches(&self, doc: &Value) -> bool {
        match self {
            Cond::And(v) => v.iter().all(|c| c.matches(doc)),
            Cond::Or(v) => v.iter().any(|c| c.matches(doc)),
            Cond::Nor(v) => !v.iter().any(|c| c.matches(doc)),
            Cond::Field(path, op) => op.matches(lookup(doc, path)),
        }
    }
}

fn parse_key(k: &str, v: &Value) -> Result<Cond> {
    if FORBIDDEN.contains(&k) {
        return Err(Error::invalid(k));
    }
    match k {
        "$and" | "$or" | "$nor" => {
            let arr = v.as_array().ok_or_else(|| Error::invalid(k))?;
            let mut parts = Vec::with_capacity(arr.len());
            for c in arr {
                parts.push(Cond::parse(c.as_object().ok_or_else(|| Error::invalid(k))?)?);
            }
            Ok(match k {
                "$and" => Cond::And(parts),
                "$or" => Cond::Or(parts),
                _ => Cond::Nor(parts),
            })
        }
        _ if k.starts_with('$') => Err(Error::invalid(k)),
        _ => Ok(Cond::Field(k.to_string(), parse_op_value(k, v)?)),
    }
}

fn parse_op_value(field: &str, v: &Value) -> Result<FieldOp> {
    match v {
        Value::Object(m) if m.keys().any(|k| k.starts_with('$')) => {
            let mut ops = Vec::new();
            let options = m.get("$options").and_then(Value::as_str).unwrap_or("");
            for (op, arg) in m {
                if op == "$options" {
                    continue;
                }
                ops.push(parse_op(field, op, arg, options)?);
            }
            Ok(if ops.len() == 1 { ops.pop().unwrap() } else { FieldOp::Every(ops) })
        }
        _ => Ok(FieldOp::Eq(v.clone())),
    }
}

fn array_arg(field: &str, arg: &Value) -> Result<Vec<Value>> {
    match arg {
        Value::Array(a) => Ok(a.clone()),
        Value::Null => Ok(vec![]),
        _ => Err(Error::invalid(field)),
    }
}

fn parse_op(field: &str, op: &str, arg: &Value, options: &str) -> Result<FieldOp> {
    Ok(match op {
        "$eq" => FieldOp::Eq(arg.clone()),
        "$ne" => FieldOp::Ne(arg.clone()),
        "$in" => FieldOp::In(array_arg(field, arg)?),
        "$nin" => FieldOp::Nin(array_arg(field, arg)?),
        "$lt" => FieldOp::Cmp(Ordering::Less, false, arg.clone()),
        "$lte" => FieldOp::Cmp(Ordering::Less, true, arg.clone()),
        "$gt" => FieldOp::Cmp(Ordering::Greater, false, arg.clone()),
        "$gte" => FieldOp::Cmp(Ordering::Greater, true, arg.clone()),
        "$regex" => {
            let p = arg.as_str().ok_or_else(|| Error::invalid(field))?;
            let p = if options.contains('i') { format!("(?i){p}") } else { p.to_string() };
            FieldOp::Regex(compile_user_regex(&p).ok_or_else(|| Error::invalid(field))?)
        }
        "$exists" => FieldOp::Exists(arg.as_bool().ok_or_else(|| Error::invalid(field))?),
        "$not" => FieldOp::Not(Box::new(parse_op_value(field, arg)?)),
        "$all" => FieldOp::All(array_arg(field, arg)?),
        "$size" => FieldOp::Size(arg.as_u64().ok_or_else(|| Error::invalid(field))? as usize),
        _ => return Err(Error::invalid(format!("{field}.{op}"))),
    })
}

/// Dot-path lookup; `None` when absent.
pub fn lookup<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = doc;
    for part in path.split('.') {
        cur = cur.as_object()?.get(part)?;
    }
    Some(cur)
}

/// Equality as MongoDB does it for scalars: numbers compare by value regardless of int/float.
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

/// True if the stored value (or any element of a stored array) satisfies `pred`.
fn any_elem(v: &Value, pred: &dyn Fn(&Value) -> bool) -> bool {
    pred(v) || v.as_array().is_some_and(|a| a.iter().any(pred))
}

impl FieldOp {
    pub fn matches(&self, v: Option<&Value>) -> bool {
        match self {
            FieldOp::Eq(x) => match v {
                Some(v) => any_elem(v, &|e| json_eq(e, x)),
                None => x.is_null(),
            },
            FieldOp::Ne(x) => !FieldOp::Eq(x.clone()).matches(v),
            FieldOp::In(xs) => match v {
                Some(v) => any_elem(v, &|e| xs.iter().any(|x| json_eq(e, x))),
                None => xs.iter().any(Value::is_null),
            },
            FieldOp::Nin(xs) => !FieldOp::In(xs.clone()).matches(v),
            FieldOp::Cmp(ord, or_eq, x) => v.is_some_and(|v| {
                any_elem(v, &|e| match json_cmp(e, x) {
                    Some(o) => o == *ord || (*or_eq && o == Ordering::Equal),
                    None => false,
                })
            }),
            FieldOp::Regex(r) => v.is_some_and(|v| any_elem(v, &|e| e.as_str().is_some_and(|s| r.is_match(s)))),
            FieldOp::Exists(b) => v.is_some() == *b,
            FieldOp::Not(op) => !op.matches(v),
            FieldOp::All(xs) => {
                v.and_then(Value::as_array).is_some_and(|a| xs.iter().all(|x| a.iter().any(|e| json_eq(e, x))))
            }
            FieldOp::Size(n) => v.and_then(Value::as_array).is_some_and(|a| a.len() == *n),
            FieldOp::Every(ops) => ops.iter().all(|o| o.matches(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(c: Value, d: Value) -> bool {
        Cond::parse_value(&c, "condition").unwrap().matches(&d)
    }

    #[test]
    fn operators() {
        let d = json!({"a": 5, "s": "hello", "arr": [1, 2], "o": {"x": "y"}});
        assert!(m(json!({}), d.clone()));
        assert!(m(json!({"a": 5.0}), d.clone()));
        assert!(m(json!({"arr": 2}), d.clone()));
        assert!(m(json!({"a": {"$gt": 1, "$lte": 5}}), d.clone()));
        assert!(!m(json!({"a": {"$lt": 5}}), d.clone()));
        assert!(m(json!({"s": {"$regex": "^HE", "$options": "i"}}), d.clone()));
        assert!(m(json!({"missing": {"$ne": 1}}), d.clone()));
        assert!(m(json!({"missing": {"$exists": false}}), d.clone()));
        assert!(m(json!({"o.x": "y"}), d.clone()));
        assert!(m(json!({"$or": [{"a": 1}, {"s": {"$in": ["hello"]}}]}), d.clone()));
        assert!(m(json!({"s": {"$not": {"$regex": "z"}}}), d.clone()));
        assert!(m(json!({"arr": {"$all": [1, 2], "$size": 2}}), d.clone()));
        assert!(!m(json!({"a": {"$nin": [5]}}), d));
    }

    #[test]
    fn refusals() {
        for c in
            [json!({"$where": "1"}), json!({"a": {"$foo": 1}}), json!({"a": {"$regex": "("}}), json!({"$expr": {}})]
        {
            assert!(Cond::parse_value(&c, "condition").is_err(), "{c}");
        }
    }
}
