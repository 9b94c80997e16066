//! Paging and sorting of result lists (conventions.md §4).

use cmdb_model::query::lookup;
use cmdb_model::{Error, Result};
use serde_json::Value;
use std::cmp::Ordering;

#[derive(Debug, Clone, Default)]
pub struct Page {
    pub start: usize,
    pub limit: usize,
    pub sort: Vec<(String, bool)>,
}

impl Page {
    /// Reads `{start, limit, sort}` without limit checks (P-none: `limit` 0 = all rows).
    pub fn parse(v: Option<&Value>) -> Result<Page> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(Page::default());
        };
        let m = v.as_object().ok_or_else(|| Error::with(cmdb_model::code::JSON_UNMARSHAL, "page"))?;
        let int = |k: &str| -> Result<usize> {
            match m.get(k) {
                None | Some(Value::Null) => Ok(0),
                Some(Value::Number(n)) => {
                    let i =
                        n.as_i64().ok_or_else(|| Error::with(cmdb_model::code::JSON_UNMARSHAL, format!("page.{k}")))?;
                    if i < 0 {
                        return Err(Error::is_invalid(format!("page.{k}")));
                    }
                    Ok(i as usize)
                }
                Some(_) => Err(Error::with(cmdb_model::code::JSON_UNMARSHAL, format!("page.{k}"))),
            }
        };
        let sort = match m.get("sort") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(Error::with(cmdb_model::code::JSON_UNMARSHAL, "page.sort")),
        };
        Ok(Page { start: int("start")?, limit: int("limit")?, sort: parse_sort(&sort) })
    }
}

impl Page {
    /// "Page check A" (topology.md §0): start ≥ 0, limit 0..=`max`; any violation → 1199006.
    pub fn parse_check_a(v: Option<&Value>, max: usize) -> Result<Page> {
        for k in ["start", "limit"] {
            if v.and_then(|p| p.get(k)).and_then(Value::as_i64).is_some_and(|n| n < 0) {
                return Err(Error::invalid(format!("page.{k}")));
            }
        }
        let page = Page::parse(v)?;
        if page.limit > max {
            return Err(Error::invalid("page.limit"));
        }
        Ok(page)
    }
}

/// `a,-b,+c,d:1,e:-1` → `[(a, asc), (b, desc), ...]`.
pub fn parse_sort(s: &str) -> Vec<(String, bool)> {
    s.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            if let Some((f, dir)) = k.split_once(':') {
                (f.trim().to_string(), dir.trim() != "-1")
            } else if let Some(f) = k.strip_prefix('-') {
                (f.to_string(), false)
            } else {
                (k.trim_start_matches('+').to_string(), true)
            }
        })
        .collect()
}

fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Number(_)) => 1,
            Some(Value::String(_)) => 2,
            Some(Value::Bool(_)) => 3,
            _ => 4,
        }
    }
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).partial_cmp(&y.as_f64().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// `{"count": count, "info": info}`, moving `info` (the `json!` macro would copy it value by value).
pub fn counted(count: impl Into<Value>, info: impl Into<Value>) -> Value {
    let mut m = serde_json::Map::with_capacity(2);
    m.insert("count".into(), count.into());
    m.insert("info".into(), info.into());
    Value::Object(m)
}

/// Sorts (stable; records lacking a key sort lowest) and cuts out the page.
pub fn apply(mut docs: Vec<Value>, page: &Page) -> Vec<Value> {
    if !page.sort.is_empty() {
        docs.sort_by(|x, y| {
            for (k, asc) in &page.sort {
                let o = cmp_values(lookup(x, k), lookup(y, k));
                let o = if *asc { o } else { o.reverse() };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        });
    }
    let end = if page.limit == 0 { docs.len() } else { page.start.saturating_add(page.limit).min(docs.len()) };
    if page.start >= docs.len() {
        return vec![];
    }
    docs.drain(page.start..end).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_and_pages() {
        let docs = vec![json!({"a": 2}), json!({"a": 1}), json!({}), json!({"a": 3})];
        let p = Page { start: 1, limit: 2, sort: parse_sort("-a") };
        assert_eq!(apply(docs.clone(), &p), vec![json!({"a": 2}), json!({"a": 1})]);
        let p = Page { start: 0, limit: 0, sort: parse_sort("a:1") };
        assert_eq!(apply(docs.clone(), &p)[0], json!({}));
        let p = Page { start: 9, limit: 0, sort: vec![] };
        assert!(apply(docs, &p).is_empty());
    }
}
