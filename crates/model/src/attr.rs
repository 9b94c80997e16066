//! Attribute (model field) types, their option and default rules, and value validation
//! (attributes.md §2). Checks that need stored data (enumquote targets) live in core.

use crate::error::{code, Error, Result};
use regex::Regex;
use serde_json::{Map, Value};
use std::sync::OnceLock;

pub const SINGLECHAR_MAX_BYTES: usize = 256;
pub const LONGCHAR_MAX_BYTES: usize = 2000;
pub const REGEX_OPTION_MAX: usize = 2000;
pub const NAME_MAX: usize = 128;
pub const ENUM_OPTION_MAX: usize = 200;
pub const LIST_OPTION_MAX: usize = 200;
pub const PLACEHOLDER_MAX: usize = 2000;
pub const UNIT_MAX: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyType {
    Singlechar,
    Longchar,
    Int,
    Float,
    Enum,
    EnumMulti,
    EnumQuote,
    Date,
    Time,
    Timezone,
    Bool,
    List,
    Objuser,
    Organization,
    Innertable,
    IdRule,
    /// Built-in only (process `bind_info`): rows checked against sub-attributes.
    Table,
    /// Legacy, not validated (host `bk_cloud_id`).
    Foreignkey,
    /// Built-in only (biz set `bk_scope`): any JSON object.
    Object,
}

impl PropertyType {
    pub fn parse(s: &str) -> Option<PropertyType> {
        use PropertyType::*;
        Some(match s {
            "singlechar" => Singlechar,
            "longchar" => Longchar,
            "int" => Int,
            "float" => Float,
            "enum" => Enum,
            "enummulti" => EnumMulti,
            "enumquote" => EnumQuote,
            "date" => Date,
            "time" => Time,
            "timezone" => Timezone,
            "bool" => Bool,
            "list" => List,
            "objuser" => Objuser,
            "organization" => Organization,
            "innertable" => Innertable,
            "id_rule" => IdRule,
            "table" => Table,
            "foreignkey" | "singleasst" | "multiasst" => Foreignkey,
            "object" => Object,
            _ => return None,
        })
    }

    /// Types an API caller may create.
    pub fn creatable(self) -> bool {
        !matches!(self, PropertyType::Table | PropertyType::Foreignkey | PropertyType::Object)
    }

    pub fn supports_multiple(self) -> bool {
        matches!(
            self,
            PropertyType::EnumMulti | PropertyType::EnumQuote | PropertyType::Objuser | PropertyType::Organization
        )
    }

    /// `ismultiple` stored when a create request omits it.
    pub fn default_multiple(self) -> bool {
        matches!(self, PropertyType::Organization | PropertyType::Objuser)
    }

    pub fn unique_single(self) -> bool {
        matches!(self, PropertyType::Singlechar | PropertyType::Int | PropertyType::Float | PropertyType::List)
    }

    pub fn unique_multi(self) -> bool {
        self.unique_single() || matches!(self, PropertyType::Enum | PropertyType::Date)
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

pub fn field_id_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^[a-zA-Z]\w*$")
}

fn objuser_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^(\d|[a-zA-Z])([a-zA-Z0-9@.,_-])*$")
}

fn timezone_regex() -> &'static Regex {
    static R: OnceLock<Regex> = OnceLock::new();
    re(&R, r"^[a-zA-Z0-9\-−_/+]+$")
}

/// Compiles a caller's pattern on the linear-time engine with a size limit.
pub fn compile_user_regex(pattern: &str) -> Option<Regex> {
    regex::RegexBuilder::new(pattern).size_limit(1 << 20).build().ok()
}

/// Number bounds of an int/float option: `None` = unbounded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bounds {
    pub min: Option<f64>,
    pub max: Option<f64>,
}

fn bound(v: Option<&Value>, field: &str) -> Result<Option<f64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| Error::is_invalid(field)),
        Some(_) => Err(Error::is_invalid(field)),
    }
}

pub fn bounds_of(option: &Value) -> Bounds {
    match option {
        Value::Object(m) => Bounds {
            min: bound(m.get("min"), "option.min").ok().flatten(),
            max: bound(m.get("max"), "option.max").ok().flatten(),
        },
        _ => Bounds::default(),
    }
}

/// Checks and normalises an attribute's `option` for its type (definition time).
/// `required_option` is true on create: int and the enum family must then carry an option.
pub fn validate_option(ty: PropertyType, option: &Value, ismultiple: bool, required_option: bool) -> Result<Value> {
    use PropertyType::*;
    match ty {
        Singlechar | Longchar => match option {
            Value::Null => Ok(Value::String(String::new())),
            Value::String(s) => {
                if s.chars().count() > REGEX_OPTION_MAX {
                    return Err(Error::too_long("option", REGEX_OPTION_MAX));
                }
                if !s.is_empty() && compile_user_regex(s).is_none() {
                    return Err(Error::with(code::REGEX_COMPILE_FAILED, s.clone()));
                }
                Ok(option.clone())
            }
            _ => Err(Error::new(code::ILLEGAL_REGEX_OPTION)),
        },
        Int | Float => {
            if option.is_null() || (option.is_string() && option.as_str() == Some("")) {
                if ty == Int && required_option {
                    return Err(Error::with(code::LOST_FIELD, "option"));
                }
                return Ok(Value::Null);
            }
            let m = option.as_object().ok_or_else(|| Error::is_invalid("option"))?;
            let min = bound(m.get("min"), "option.min")?;
            let max = bound(m.get("max"), "option.max")?;
            if let (Some(a), Some(b)) = (min, max) {
                if a > b {
                    return Err(Error::is_invalid("option"));
                }
            }
            Ok(option.clone())
        }
        Enum | EnumMulti => {
            let items = match option {
                Value::Null => return Err(Error::with(code::LOST_FIELD, "option")),
                Value::Array(a) => a,
                _ => return Err(Error::is_invalid("option")),
            };
            if items.len() > ENUM_OPTION_MAX {
                return Err(Error::with2(code::EXCEED_LIMIT, "option", ENUM_OPTION_MAX.to_string()));
            }
            let mut defaults = 0;
            let mut ids = std::collections::HashSet::new();
            for item in items {
                let m = item.as_object().ok_or_else(|| Error::is_invalid("option"))?;
                let id = m.get("id").and_then(Value::as_str).unwrap_or("");
                let name = m.get("name").and_then(Value::as_str).unwrap_or("");
                if id.trim().is_empty() || name.trim().is_empty() {
                    return Err(Error::is_invalid("option"));
                }
                if id.chars().count() > NAME_MAX || name.chars().count() > NAME_MAX {
                    return Err(Error::too_long("option", NAME_MAX));
                }
                if m.get("type").and_then(Value::as_str).unwrap_or("text") != "text" {
                    return Err(Error::is_invalid("option"));
                }
                if !ids.insert(id.to_string()) {
                    return Err(Error::duplicate("option.id"));
                }
                match m.get("is_default") {
                    None | Some(Value::Null) => {}
                    Some(Value::Bool(b)) => defaults += usize::from(*b),
                    Some(_) => return Err(Error::is_invalid("option.is_default")),
                }
            }
            let ok = if ty == Enum || !ismultiple { defaults == 1 } else { true };
            if !ok && !items.is_empty() {
                return Err(Error::with(code::NEED_SINGLE_CHOICE, "option"));
            }
            if items.is_empty() && ty == Enum {
                return Err(Error::with(code::NEED_SINGLE_CHOICE, "option"));
            }
            Ok(option.clone())
        }
        EnumQuote => {
            let items = match option {
                Value::Null => return Err(Error::with(code::LOST_FIELD, "option")),
                Value::Array(a) => a,
                _ => return Err(Error::is_invalid("option")),
            };
            if items.is_empty() || items.len() > ENUM_OPTION_MAX {
                return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "option", ENUM_OPTION_MAX.to_string()));
            }
            if !ismultiple && items.len() != 1 {
                return Err(Error::with(code::NEED_SINGLE_CHOICE, "option"));
            }
            let mut obj: Option<&str> = None;
            for item in items {
                let m = item.as_object().ok_or_else(|| Error::is_invalid("option"))?;
                let o = m.get("bk_obj_id").and_then(Value::as_str).unwrap_or("");
                let id = m.get("bk_inst_id").and_then(Value::as_i64).unwrap_or(0);
                if o.is_empty() || id == 0 || obj.is_some_and(|p| p != o) {
                    return Err(Error::is_invalid("option"));
                }
                obj = Some(o);
            }
            Ok(option.clone())
        }
        List => {
            let items = option.as_array().ok_or_else(|| Error::is_invalid("option"))?;
            if items.is_empty() || items.len() > LIST_OPTION_MAX {
                return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "option", LIST_OPTION_MAX.to_string()));
            }
            for item in items {
                let s = item.as_str().ok_or_else(|| Error::is_invalid("option"))?;
                if s.chars().count() > NAME_MAX {
                    return Err(Error::too_long("option", NAME_MAX));
                }
            }
            Ok(option.clone())
        }
        Bool => Ok(if option.is_boolean() { option.clone() } else { Value::Null }),
        Date | Time | Timezone | Objuser | Organization => Ok(Value::Null),
        Innertable | IdRule | Table | Foreignkey | Object => Ok(option.clone()),
    }
}

/// Checks an attribute's `default` against its type and option (definition time).
/// Returns the value to store (`None` = no default). The enum family keeps defaults in the option.
pub fn validate_default(ty: PropertyType, option: &Value, ismultiple: bool, default: &Value) -> Result<Option<Value>> {
    use PropertyType::*;
    if default.is_null() {
        return Ok(None);
    }
    match ty {
        Enum | EnumMulti | EnumQuote | Innertable | IdRule | Table | Foreignkey | Object => Ok(None),
        Int | Float => {
            let v =
                validate_value(ty, option, ismultiple, default, "default").map_err(|_| Error::is_invalid("default"))?;
            Ok(Some(v))
        }
        _ => validate_value(ty, option, ismultiple, default, "default").map(Some),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn trimmed(v: &Value, field: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.trim().to_string()),
        _ => Err(Error::with(code::NEED_STRING, field)),
    }
}

fn check_regex(option: &Value, s: &str, field: &str) -> Result<()> {
    if let Some(p) = option.as_str().filter(|p| !p.is_empty()) {
        let r = compile_user_regex(p).ok_or_else(|| Error::with(code::REGEX_COMPILE_FAILED, p))?;
        if !r.is_match(s) {
            return Err(Error::with(code::REGEX_FAILED, field));
        }
    }
    Ok(())
}

fn enum_ids(option: &Value) -> Vec<&str> {
    option
        .as_array()
        .map(|a| a.iter().filter_map(|i| i.get("id").and_then(Value::as_str)).collect())
        .unwrap_or_default()
}

/// Validates one non-null value of a field and returns its normalised form (strings trimmed).
pub fn validate_value(ty: PropertyType, option: &Value, ismultiple: bool, v: &Value, field: &str) -> Result<Value> {
    use PropertyType::*;
    match ty {
        Singlechar | Longchar => {
            let s = trimmed(v, field)?;
            let max = if ty == Singlechar { SINGLECHAR_MAX_BYTES } else { LONGCHAR_MAX_BYTES };
            if s.len() > max {
                return Err(Error::with(code::OVER_LIMIT, field));
            }
            if !s.is_empty() {
                check_regex(option, &s, field)?;
            }
            Ok(Value::String(s))
        }
        Int => {
            let n = match v {
                Value::Number(n) if n.is_i64() || n.is_u64() => n.as_f64().unwrap_or(0.0),
                Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => n.as_f64().unwrap_or(0.0),
                _ => return Err(Error::with(code::NEED_INT, field)),
            };
            let b = bounds_of(option);
            if b.min.is_some_and(|m| n < m) || b.max.is_some_and(|m| n > m) {
                return Err(Error::invalid(field));
            }
            Ok(Value::from(n as i64))
        }
        Float => {
            let n = number(v).ok_or_else(|| Error::is_invalid(field))?;
            let b = bounds_of(option);
            if b.min.is_some_and(|m| n < m) || b.max.is_some_and(|m| n > m) {
                return Err(Error::invalid(field));
            }
            Ok(v.clone())
        }
        Enum => {
            let s = v.as_str().ok_or_else(|| Error::invalid(field))?;
            if !enum_ids(option).contains(&s) {
                return Err(Error::invalid(field));
            }
            Ok(v.clone())
        }
        EnumMulti => {
            let a = v.as_array().ok_or_else(|| Error::invalid(field))?;
            let ids = enum_ids(option);
            for e in a {
                if !e.as_str().is_some_and(|s| ids.contains(&s)) {
                    return Err(Error::invalid(field));
                }
            }
            if !ismultiple && a.len() != 1 {
                return Err(Error::with(code::NEED_SINGLE_CHOICE, field));
            }
            Ok(v.clone())
        }
        EnumQuote => {
            let a = v.as_array().ok_or_else(|| Error::invalid(field))?;
            for e in a {
                if e.as_i64().is_none_or(|i| i == 0) {
                    return Err(Error::invalid(field));
                }
            }
            if !ismultiple && a.len() != 1 {
                return Err(Error::with(code::NEED_SINGLE_CHOICE, field));
            }
            Ok(v.clone())
        }
        Date => {
            let s = trimmed(v, field)?;
            if !s.is_empty() && !crate::time::is_date(&s) {
                return Err(Error::invalid(field));
            }
            Ok(Value::String(s))
        }
        Time => {
            let s = trimmed(v, field)?;
            if !s.is_empty() && !crate::time::is_time(&s) {
                return Err(Error::invalid(field));
            }
            Ok(Value::String(s))
        }
        Timezone => {
            let s = trimmed(v, field)?;
            if !timezone_regex().is_match(&s) {
                return Err(Error::with(code::NEED_TIMEZONE, field));
            }
            Ok(Value::String(s))
        }
        Bool => match v {
            Value::Bool(_) => Ok(v.clone()),
            _ => Err(Error::with(code::NEED_BOOL, field)),
        },
        List => {
            let s = v.as_str().ok_or_else(|| Error::invalid(field))?;
            let ok = option.as_array().is_some_and(|a| a.iter().any(|o| o.as_str() == Some(s)));
            if !ok {
                return Err(Error::invalid(field));
            }
            Ok(v.clone())
        }
        Objuser => {
            let s = trimmed(v, field)?;
            if s.len() > LONGCHAR_MAX_BYTES {
                return Err(Error::with(code::OVER_LIMIT, field));
            }
            if !s.is_empty() && !objuser_regex().is_match(&s) {
                return Err(Error::with(code::REGEX_FAILED, field));
            }
            if !ismultiple && s.contains(',') {
                return Err(Error::invalid(field));
            }
            Ok(Value::String(s))
        }
        Organization => {
            let a = v.as_array().ok_or_else(|| Error::invalid(field))?;
            if a.iter().any(|e| !(e.is_i64() || e.is_u64())) {
                return Err(Error::is_invalid(field));
            }
            if !ismultiple && a.len() != 1 {
                return Err(Error::invalid(field));
            }
            Ok(v.clone())
        }
        Object => {
            if !v.is_object() {
                return Err(Error::invalid(field));
            }
            Ok(v.clone())
        }
        Innertable | IdRule | Table | Foreignkey => Ok(v.clone()),
    }
}

/// Validates an optional bool key of a request object: absent → `None`, non-bool → 1199011.
pub fn opt_bool(m: &Map<String, Value>, key: &str) -> Result<Option<bool>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Error::is_invalid(key)),
    }
}

/// Validates an optional string key: absent → `None`, non-string → 1199007.
pub fn opt_str(m: &Map<String, Value>, key: &str) -> Result<Option<String>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Error::with(code::NEED_STRING, key)),
    }
}

/// Validates an optional integer key: absent → `None`, non-integer → 1199009.
pub fn opt_int(m: &Map<String, Value>, key: &str) -> Result<Option<i64>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| Error::with(code::NEED_INT, key)),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| Error::with(code::NEED_INT, key)),
        Some(_) => Err(Error::with(code::NEED_INT, key)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use PropertyType::*;

    fn v(ty: PropertyType, option: Value, multi: bool, value: Value) -> Result<Value> {
        validate_value(ty, &option, multi, &value, "f")
    }

    #[test]
    fn singlechar_rules() {
        assert_eq!(v(Singlechar, json!(""), false, json!("  a  ")).unwrap(), json!("a"));
        assert_eq!(v(Singlechar, json!(""), false, json!(1)).unwrap_err().code, code::NEED_STRING);
        assert_eq!(v(Singlechar, json!(""), false, json!("x".repeat(257))).unwrap_err().code, code::OVER_LIMIT);
        assert_eq!(v(Singlechar, json!("^a+$"), false, json!("b")).unwrap_err().code, code::REGEX_FAILED);
        assert!(v(Longchar, json!(""), false, json!("x".repeat(2000))).is_ok());
    }

    #[test]
    fn int_and_float_ranges() {
        let o = json!({"min": "1", "max": 10});
        assert!(v(Int, o.clone(), false, json!(5)).is_ok());
        assert_eq!(v(Int, o.clone(), false, json!(11)).unwrap_err().code, code::PARAMS_INVALID);
        assert_eq!(v(Int, o.clone(), false, json!(1.5)).unwrap_err().code, code::NEED_INT);
        assert_eq!(v(Int, o, false, json!("5")).unwrap_err().code, code::NEED_INT);
        assert!(v(Float, json!({"min": 0.5}), false, json!(0.75)).is_ok());
        assert_eq!(v(Float, json!(null), false, json!("x")).unwrap_err().code, code::IS_INVALID);
    }

    #[test]
    fn option_rules() {
        assert_eq!(validate_option(Int, &Value::Null, false, true).unwrap_err().code, code::LOST_FIELD);
        assert_eq!(validate_option(Int, &json!({"min": 5, "max": 1}), false, true).unwrap_err().code, code::IS_INVALID);
        let two = json!([{"id":"a","name":"A","type":"text","is_default":true},{"id":"b","name":"B","type":"text","is_default":true}]);
        assert_eq!(validate_option(Enum, &two, false, true).unwrap_err().code, code::NEED_SINGLE_CHOICE);
        assert!(validate_option(EnumMulti, &two, true, true).is_ok());
        assert_eq!(validate_option(Enum, &Value::Null, false, true).unwrap_err().code, code::LOST_FIELD);
        assert_eq!(
            validate_option(Singlechar, &json!("(a"), false, true).unwrap_err().code,
            code::REGEX_COMPILE_FAILED
        );
        assert_eq!(validate_option(Singlechar, &json!(5), false, true).unwrap_err().code, code::ILLEGAL_REGEX_OPTION);
        assert_eq!(validate_option(List, &json!([]), false, true).unwrap_err().code, code::ARRAY_LENGTH_WRONG);
    }

    #[test]
    fn enum_list_objuser_and_others() {
        let o = json!([{"id":"a","name":"A","type":"text","is_default":true}]);
        assert!(v(Enum, o.clone(), false, json!("a")).is_ok());
        assert_eq!(v(Enum, o.clone(), false, json!("z")).unwrap_err().code, code::PARAMS_INVALID);
        assert_eq!(v(EnumMulti, o, false, json!([])).unwrap_err().code, code::NEED_SINGLE_CHOICE);
        assert!(v(List, json!(["x", "y"]), false, json!("y")).is_ok());
        assert!(v(Objuser, Value::Null, true, json!("admin,bob")).is_ok());
        assert_eq!(v(Objuser, Value::Null, false, json!("admin,bob")).unwrap_err().code, code::PARAMS_INVALID);
        assert_eq!(v(Objuser, Value::Null, true, json!("bad user")).unwrap_err().code, code::REGEX_FAILED);
        assert_eq!(v(Bool, Value::Null, false, json!("true")).unwrap_err().code, code::NEED_BOOL);
        assert_eq!(v(Timezone, Value::Null, false, json!("Asia/Shanghai")).unwrap(), json!("Asia/Shanghai"));
        assert_eq!(v(Timezone, Value::Null, false, json!("a b")).unwrap_err().code, code::NEED_TIMEZONE);
        assert_eq!(v(Date, Value::Null, false, json!("2023-13-01")).unwrap_err().code, code::PARAMS_INVALID);
        assert_eq!(v(Organization, Value::Null, true, json!([1, "x"])).unwrap_err().code, code::IS_INVALID);
    }

    #[test]
    fn defaults() {
        let o = json!({"min": 1, "max": 3});
        assert_eq!(validate_default(Int, &o, false, &json!(9)).unwrap_err().code, code::IS_INVALID);
        assert_eq!(validate_default(Int, &o, false, &json!(2)).unwrap(), Some(json!(2)));
        assert_eq!(validate_default(Enum, &json!([]), false, &json!("a")).unwrap(), None);
        assert_eq!(
            validate_default(Singlechar, &json!("^a"), false, &json!("b")).unwrap_err().code,
            code::REGEX_FAILED
        );
    }
}

/// Header columns of a table field: at most this many.
pub const TABLE_HEADER_MAX: usize = 8;
/// Default rows of a table field: at most this many.
pub const TABLE_DEFAULT_ROWS_MAX: usize = 10;

/// The hidden model that holds the rows of table field `prop` of model `obj`.
pub fn table_model_id(obj: &str, prop: &str) -> String {
    format!("bk_{obj}#{prop}")
}

/// One validated header column of a table field.
#[derive(Debug, Clone)]
pub struct TableColumn {
    pub id: String,
    pub ty: PropertyType,
    pub option: Value,
    pub ismultiple: bool,
    pub isrequired: bool,
    pub editable: bool,
}

/// Parses the header of a stored (already validated) table option.
pub fn table_columns(option: &Value) -> Vec<TableColumn> {
    option
        .get("header")
        .and_then(Value::as_array)
        .map(|h| {
            h.iter()
                .filter_map(|c| {
                    Some(TableColumn {
                        id: c.get("bk_property_id")?.as_str()?.to_string(),
                        ty: PropertyType::parse(c.get("bk_property_type")?.as_str()?)?,
                        option: c.get("option").cloned().unwrap_or(Value::Null),
                        ismultiple: c.get("ismultiple").and_then(Value::as_bool).unwrap_or(false),
                        isrequired: c.get("isrequired").and_then(Value::as_bool).unwrap_or(false),
                        editable: c.get("editable").and_then(Value::as_bool).unwrap_or(true),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Validates a table field's option `{"header": [...], "default": [...]}` (attributes.md §7) and
/// returns it normalised.
pub fn validate_table_option(option: &Value) -> Result<Value> {
    let m = option.as_object().ok_or_else(|| Error::with(code::LOST_FIELD, "option"))?;
    let header = m.get("header").and_then(Value::as_array).ok_or_else(|| Error::is_invalid("option.header"))?;
    if header.is_empty() || header.len() > TABLE_HEADER_MAX {
        return Err(Error::with2(code::ARRAY_LENGTH_WRONG, "option.header", TABLE_HEADER_MAX.to_string()));
    }
    let mut out_header = Vec::with_capacity(header.len());
    let mut ids = std::collections::HashSet::new();
    let mut long_chars = 0;
    for (i, col) in header.iter().enumerate() {
        let c = col.as_object().ok_or_else(|| Error::is_invalid(format!("option.header[{i}]")))?;
        let id = c.get("bk_property_id").and_then(Value::as_str).unwrap_or("").trim().to_string();
        if id.is_empty() || id.chars().count() > NAME_MAX || !field_id_regex().is_match(&id) || !ids.insert(id.clone())
        {
            return Err(Error::is_invalid(format!("option.header[{i}].bk_property_id")));
        }
        let name = c.get("bk_property_name").and_then(Value::as_str).unwrap_or("").trim().to_string();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(Error::is_invalid(format!("option.header[{i}].bk_property_name")));
        }
        let ty_name = c.get("bk_property_type").and_then(Value::as_str).unwrap_or("");
        let ty = match PropertyType::parse(ty_name) {
            Some(
                t @ (PropertyType::Singlechar
                | PropertyType::Longchar
                | PropertyType::Int
                | PropertyType::Float
                | PropertyType::EnumMulti
                | PropertyType::Bool),
            ) => t,
            _ => return Err(Error::is_invalid(format!("option.header[{i}].bk_property_type"))),
        };
        if ty == PropertyType::Longchar {
            long_chars += 1;
            if long_chars > 2 {
                return Err(Error::is_invalid(format!("option.header[{i}].bk_property_type")));
            }
        }
        let ismultiple = c.get("ismultiple").and_then(Value::as_bool).unwrap_or(false);
        if ismultiple && !ty.supports_multiple() {
            return Err(Error::new(code::NOT_SUPPORT_MULTIPLE));
        }
        let sub_option =
            validate_option(ty, c.get("option").unwrap_or(&Value::Null), ismultiple, ty == PropertyType::Int)?;
        let default = validate_default(ty, &sub_option, ismultiple, c.get("default").unwrap_or(&Value::Null))?;
        let mut norm = serde_json::Map::new();
        norm.insert("bk_property_id".into(), Value::String(id));
        norm.insert("bk_property_name".into(), Value::String(name));
        norm.insert("bk_property_type".into(), Value::String(ty_name.to_string()));
        norm.insert("option".into(), sub_option);
        if let Some(d) = default {
            norm.insert("default".into(), d);
        }
        norm.insert("ismultiple".into(), Value::Bool(ismultiple));
        for flag in ["isrequired", "editable", "isreadonly"] {
            let v = c.get(flag).and_then(Value::as_bool).unwrap_or(flag == "editable");
            norm.insert(flag.into(), Value::Bool(v));
        }
        out_header.push(Value::Object(norm));
    }
    let header_value = Value::Array(out_header);
    let columns = table_columns(&serde_json::json!({ "header": header_value }));
    let rows = match m.get("default") {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(r)) => r.clone(),
        Some(_) => return Err(Error::is_invalid("option.default")),
    };
    if rows.len() > TABLE_DEFAULT_ROWS_MAX {
        return Err(Error::with2(code::EXCEED_LIMIT, "option.default", TABLE_DEFAULT_ROWS_MAX.to_string()));
    }
    let mut out_rows = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let r = row.as_object().ok_or_else(|| Error::is_invalid(format!("option.default[{i}]")))?;
        let mut norm = serde_json::Map::new();
        for (k, v) in r {
            let col = columns
                .iter()
                .find(|c| &c.id == k)
                .ok_or_else(|| Error::is_invalid(format!("option.default[{i}].{k}")))?;
            let v = if v.is_null() { Value::Null } else { validate_value(col.ty, &col.option, col.ismultiple, v, k)? };
            norm.insert(k.clone(), v);
        }
        out_rows.push(Value::Object(norm));
    }
    Ok(serde_json::json!({ "header": header_value, "default": out_rows }))
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_option_rules() {
        let ok = json!({"header": [
            {"bk_property_id": "disk", "bk_property_name": "Disk", "bk_property_type": "singlechar"},
            {"bk_property_id": "size", "bk_property_name": "Size", "bk_property_type": "int", "option": {"min": 1, "max": 100}}
        ], "default": [{"disk": "sda", "size": 10}]});
        let v = validate_table_option(&ok).unwrap();
        assert_eq!(table_columns(&v).len(), 2);
        let bad_type =
            json!({"header": [{"bk_property_id": "d", "bk_property_name": "D", "bk_property_type": "date"}]});
        assert_eq!(validate_table_option(&bad_type).unwrap_err().code, code::IS_INVALID);
        let empty = json!({"header": []});
        assert_eq!(validate_table_option(&empty).unwrap_err().code, code::ARRAY_LENGTH_WRONG);
        let bad_row = json!({"header": [{"bk_property_id": "d", "bk_property_name": "D", "bk_property_type": "int", "option": {}}], "default": [{"d": "x"}]});
        assert_eq!(validate_table_option(&bad_row).unwrap_err().code, code::NEED_INT);
        let unknown_col = json!({"header": [{"bk_property_id": "d", "bk_property_name": "D", "bk_property_type": "bool"}], "default": [{"z": 1}]});
        assert_eq!(validate_table_option(&unknown_col).unwrap_err().code, code::IS_INVALID);
        assert_eq!(validate_table_option(&Value::Null).unwrap_err().code, code::LOST_FIELD);
    }
}
