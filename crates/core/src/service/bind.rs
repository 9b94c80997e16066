//! `bind_info` (service-and-process.md §1.5): template rows with wrapped sub-fields and bind-IP
//! choice codes, their instantiation against a host, and the re-alignment of instance rows.

use crate::model::int_field;
use cmdb_model::{code, Error, Result};
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Sub-fields of a template row, each wrapped as `{"value", "as_default_value"}`.
const SUB_FIELDS: [&str; 4] = ["ip", "port", "protocol", "enable"];

/// `80`, `8080-8089,8199`: ports or ranges, each 1..65535, `a ≤ b`, no overlaps.
pub(super) fn valid_ports(s: &str) -> bool {
    let mut seen: Vec<(u32, u32)> = Vec::new();
    for item in s.split(',') {
        let item = item.trim();
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u32>(), b.trim().parse::<u32>()),
            None => (item.parse::<u32>(), item.parse::<u32>()),
        };
        let (Ok(a), Ok(b)) = (a, b) else { return false };
        if a == 0 || b > 65535 || a > b || seen.iter().any(|(x, y)| a <= *y && *x <= b) {
            return false;
        }
        seen.push((a, b));
    }
    !seen.is_empty()
}

fn family_of_code(code: &str) -> Option<u8> {
    match code {
        "1" | "2" | "3" | "4" => Some(4),
        "5" | "6" | "7" | "8" => Some(6),
        _ => None,
    }
}

fn family_of_protocol(p: &str) -> Option<u8> {
    match p {
        "1" | "2" => Some(4),
        "3" | "4" => Some(6),
        _ => None,
    }
}

fn wrapped<'a>(row: &'a Value, key: &str) -> Option<&'a Value> {
    row.get(key).and_then(|w| w.get("value")).filter(|v| !v.is_null())
}

fn locked(row: &Value, key: &str) -> bool {
    row.get(key).and_then(|w| w.get("as_default_value")).and_then(Value::as_bool).unwrap_or(false)
}

/// Validates template rows in place and numbers rows without `row_id` after `max_existing`.
pub(super) fn check_template_rows(rows: &mut [Value], max_existing: i64) -> Result<()> {
    let mut next = rows.iter().map(|r| int_field(r, "row_id")).max().unwrap_or(0).max(max_existing);
    let mut ids = HashSet::new();
    for (i, row) in rows.iter_mut().enumerate() {
        let m = row.as_object_mut().ok_or_else(|| Error::invalid(format!("bind_info[{i}]")))?;
        for k in SUB_FIELDS {
            match m.get(k) {
                None | Some(Value::Null) => {
                    m.insert(k.into(), json!({"value": null, "as_default_value": null}));
                }
                Some(Value::Object(_)) => {}
                Some(_) => return Err(Error::invalid(format!("bind_info[{i}].{k}"))),
            }
        }
        let row_id = match m.get("row_id") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| Error::invalid(format!("bind_info[{i}].row_id")))?,
        };
        let row_id = if row_id <= 0 {
            next += 1;
            next
        } else {
            row_id
        };
        if !ids.insert(row_id) {
            return Err(Error::invalid(format!("bind_info[{i}].row_id")));
        }
        m.insert("row_id".into(), json!(row_id));
        let row = &*row;
        let ip = match wrapped(row, "ip") {
            None => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) if family_of_code(s).is_some() => Some(s.clone()),
            Some(_) => return Err(Error::invalid(format!("bind_info[{i}].ip"))),
        };
        match wrapped(row, "port") {
            Some(Value::String(s)) if valid_ports(s) => {}
            _ => return Err(Error::invalid(format!("bind_info[{i}].port"))),
        }
        let protocol = match wrapped(row, "protocol") {
            Some(Value::String(s)) if family_of_protocol(s).is_some() => s.clone(),
            _ => return Err(Error::invalid(format!("bind_info[{i}].protocol"))),
        };
        if let Some(ip) = ip {
            if family_of_code(&ip) != family_of_protocol(&protocol) {
                return Err(Error::invalid(format!("bind_info[{i}].(ip and protocol)")));
            }
        }
        if wrapped(row, "enable").is_some_and(|v| !v.is_boolean()) {
            return Err(Error::invalid(format!("bind_info[{i}].enable")));
        }
    }
    Ok(())
}

/// The first address of a host list field (stored as a list, or comma-joined).
fn first_address(host: &Value, field: &str) -> String {
    match host.get(field) {
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or("").to_string(),
        Some(Value::String(s)) => s.split(',').next().unwrap_or("").trim().to_string(),
        _ => String::new(),
    }
}

/// The instance IP of a bind-IP choice code (§1.5 table).
pub(super) fn resolve_ip(code: Option<&Value>, host: &Value) -> String {
    match code.and_then(Value::as_str).unwrap_or("") {
        "1" => "127.0.0.1".into(),
        "2" => "0.0.0.0".into(),
        "3" => first_address(host, "bk_host_innerip"),
        "4" => first_address(host, "bk_host_outerip"),
        "5" => "::1".into(),
        "6" => "::".into(),
        "7" => first_address(host, "bk_host_innerip_v6"),
        "8" => first_address(host, "bk_host_outerip_v6"),
        _ => String::new(),
    }
}

/// An instance row made entirely from a template row.
fn instance_row(row: &Value, host: &Value) -> Result<Value> {
    let port = wrapped(row, "port").cloned().ok_or_else(|| Error::new(code::BIND_PORT_MISSING))?;
    let protocol = wrapped(row, "protocol").cloned().ok_or_else(|| Error::new(code::BIND_PROTOCOL_MISSING))?;
    Ok(json!({
        "ip": resolve_ip(wrapped(row, "ip"), host),
        "port": port,
        "protocol": protocol,
        "enable": wrapped(row, "enable").cloned().unwrap_or(json!(false)),
        "template_row_id": int_field(row, "row_id"),
    }))
}

/// The instance rows of a template's rows, resolved against `host`.
pub(super) fn instantiate(template_rows: &[Value], host: &Value) -> Result<Vec<Value>> {
    template_rows.iter().map(|r| instance_row(r, host)).collect()
}

/// Re-alignment: exactly the template's rows in template order; locked sub-fields from the
/// template (IP resolved again), unlocked ones kept from the matching instance row.
pub(super) fn realign(template_rows: &[Value], current: &[Value], host: &Value) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(template_rows.len());
    for t in template_rows {
        let row_id = int_field(t, "row_id");
        let Some(cur) = current.iter().find(|r| int_field(r, "template_row_id") == row_id) else {
            out.push(instance_row(t, host)?);
            continue;
        };
        let mut row = Map::new();
        for k in SUB_FIELDS {
            let v = if locked(t, k) {
                match k {
                    "ip" => json!(resolve_ip(wrapped(t, "ip"), host)),
                    "enable" => wrapped(t, k).cloned().unwrap_or(json!(false)),
                    _ => wrapped(t, k).cloned().unwrap_or(Value::Null),
                }
            } else {
                cur.get(k).cloned().unwrap_or(Value::Null)
            };
            row.insert(k.into(), v);
        }
        row.insert("template_row_id".into(), json!(row_id));
        out.push(Value::Object(row));
    }
    Ok(out)
}

/// Whether instance rows differ from a locked template `bind_info` (§2.4 rule 8).
pub(super) fn differs(template_rows: &[Value], current: &[Value], host: &Value) -> bool {
    if template_rows.len() != current.len() {
        return true;
    }
    template_rows.iter().any(|t| {
        let row_id = int_field(t, "row_id");
        let Some(cur) = current.iter().find(|r| int_field(r, "template_row_id") == row_id) else { return true };
        SUB_FIELDS.iter().filter(|k| locked(t, k)).any(|k| {
            let want = match *k {
                "ip" => json!(resolve_ip(wrapped(t, "ip"), host)),
                _ => wrapped(t, k).cloned().unwrap_or(Value::Null),
            };
            cur.get(*k).cloned().unwrap_or(Value::Null) != want
        })
    })
}

/// Rows of a process not made from a template: IPv4/IPv6 (or empty), port format, protocol enum.
pub(super) fn check_free_rows(v: &Value) -> Result<Value> {
    let rows = match v {
        Value::Null => return Ok(Value::Null),
        Value::Array(a) => a,
        _ => return Err(Error::invalid("bind_info")),
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        let r = r.as_object().ok_or_else(|| Error::invalid(format!("bind_info[{i}]")))?;
        let text = |k: &str| -> Result<Option<String>> {
            match r.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(Error::invalid(format!("bind_info[{i}].{k}"))),
            }
        };
        let ip = text("ip")?;
        if let Some(ip) = ip.as_deref().filter(|s| !s.is_empty()) {
            if ip.parse::<Ipv4Addr>().is_err() && ip.parse::<Ipv6Addr>().is_err() {
                return Err(Error::invalid(format!("bind_info[{i}].ip")));
            }
        }
        let port = text("port")?;
        if let Some(p) = port.as_deref().filter(|s| !s.is_empty()) {
            if !valid_ports(p) {
                return Err(Error::invalid(format!("bind_info[{i}].port")));
            }
        }
        let protocol = text("protocol")?;
        if let Some(p) = protocol.as_deref().filter(|s| !s.is_empty()) {
            if family_of_protocol(p).is_none() {
                return Err(Error::invalid(format!("bind_info[{i}].protocol")));
            }
        }
        let enable = match r.get("enable") {
            None | Some(Value::Null) => Value::Null,
            Some(Value::Bool(b)) => json!(b),
            Some(_) => return Err(Error::invalid(format!("bind_info[{i}].enable"))),
        };
        let row_id = match r.get("template_row_id") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| Error::invalid(format!("bind_info[{i}].template_row_id")))?,
        };
        out.push(json!({"ip": ip, "port": port, "protocol": protocol, "enable": enable, "template_row_id": row_id}));
    }
    Ok(Value::Array(out))
}

/// Instance rows as given in an update of a template process (kept as sent, checked later).
pub(super) fn rows_of(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_lists() {
        assert!(valid_ports("80"));
        assert!(valid_ports("8080-8089,8199"));
        assert!(!valid_ports("0"));
        assert!(!valid_ports("65536"));
        assert!(!valid_ports("90-80"));
        assert!(!valid_ports("80,80"));
        assert!(!valid_ports("80-90,85"));
        assert!(!valid_ports(""));
        assert!(!valid_ports("a"));
    }

    #[test]
    fn realigned_rows_follow_the_template() {
        let host = json!({"bk_host_innerip": ["10.0.0.1", "10.0.0.2"]});
        let t = vec![json!({"row_id": 1, "ip": {"value": "3", "as_default_value": true},
            "port": {"value": "80", "as_default_value": false}, "protocol": {"value": "1", "as_default_value": true},
            "enable": {"value": true, "as_default_value": false}})];
        let cur = vec![
            json!({"ip": "1.1.1.1", "port": "81", "protocol": "2", "enable": false, "template_row_id": 1}),
            json!({"ip": "", "port": "9", "protocol": "1", "enable": false, "template_row_id": 7}),
        ];
        let out = realign(&t, &cur, &host).unwrap();
        assert_eq!(
            out,
            vec![json!({"ip": "10.0.0.1", "port": "81", "protocol": "1", "enable": false, "template_row_id": 1})]
        );
        assert!(differs(&t, &cur, &host));
        assert!(!differs(&t, &out, &host));
        let fresh = instantiate(&t, &host).unwrap();
        assert_eq!(fresh[0]["port"], "80");
        assert_eq!(fresh[0]["enable"], true);
    }

    #[test]
    fn template_rows_are_numbered_and_checked() {
        let mut rows = vec![
            json!({"ip": {"value": "1"}, "port": {"value": "80"}, "protocol": {"value": "1"}}),
            json!({"row_id": 5, "ip": {"value": ""}, "port": {"value": "81"}, "protocol": {"value": "3"}}),
        ];
        check_template_rows(&mut rows, 2).unwrap();
        assert_eq!(rows[0]["row_id"], 6);
        let mut bad = vec![json!({"ip": {"value": "5"}, "port": {"value": "80"}, "protocol": {"value": "1"}})];
        assert_eq!(check_template_rows(&mut bad, 0).unwrap_err(), Error::invalid("bind_info[0].(ip and protocol)"));
    }
}
