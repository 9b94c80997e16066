//! Attributes and business custom fields (models-and-instances.md §C, attributes.md §4).

use super::records;
use super::{bool_field, condition_body, int_field, is_mainline_child, parse_condition, render_attribute, str_field};
use crate::audit::{self, Audit};
use crate::page::{self, Page};
use crate::req::{check_len, opt_bool, path_int, req_str, typed_str, Body};
use crate::{tenant, Core};
use cmdb_model::attr::{self, field_id_regex, PropertyType};
use cmdb_model::{builtin, code, time, Caller, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::{json, Map, Value};

const NAME_MAX: usize = 128;
const RESERVED_PROPS: [&str; 6] = ["create_time", "last_time", "default", "creator", "modifier", "id"];
/// Models whose `isrequired` is fixed (1113026 on create, 1113027 on update).
const FIXED_REQUIRED: [&str; 6] = ["biz", "set", "module", "host", "plat", "process"];
/// Models that accept no new attributes at all.
const CLOSED_MODELS: [&str; 2] = ["plat", "process"];
/// Models that may carry business custom fields.
const BIZ_FIELD_MODELS: [&str; 3] = ["set", "module", "host"];

fn audit_of<'a>(action: &'a str, doc: &Value, obj_name: &str, detail: Value) -> Audit<'a> {
    Audit {
        audit_type: "model",
        resource_type: "model_attribute",
        action,
        resource_id: doc.get("id").cloned().unwrap_or(Value::Null),
        resource_name: str_field(doc, "bk_property_name").to_string(),
        biz_id: int_field(doc, "bk_biz_id"),
        detail: json!({ "details": detail, "bk_obj_id": str_field(doc, "bk_obj_id"), "bk_obj_name": obj_name }),
    }
}

fn check_placeholder_unit(body: &Body) -> Result<(Option<String>, Option<String>)> {
    let placeholder = typed_str(body, "placeholder")?;
    if let Some(p) = &placeholder {
        check_len(p, "placeholder", attr::PLACEHOLDER_MAX)?;
        if !p.is_empty() && p.trim().is_empty() {
            return Err(Error::is_invalid("placeholder"));
        }
    }
    let unit = typed_str(body, "unit")?;
    if let Some(u) = &unit {
        check_len(u, "unit", attr::UNIT_MAX)?;
    }
    Ok((placeholder, unit))
}

fn check_property_id(prop: &str) -> Result<()> {
    check_len(prop, "bk_property_id", NAME_MAX)?;
    if !field_id_regex().is_match(prop)
        || prop.starts_with("bk_")
        || prop.starts_with("_bk")
        || RESERVED_PROPS.contains(&prop)
    {
        return Err(Error::is_invalid("bk_property_id"));
    }
    Ok(())
}

fn property_type(body: &Body) -> Result<PropertyType> {
    let ty = req_str(body, "bk_property_type")?;
    match PropertyType::parse(&ty) {
        // Id-rule fields (generated values) are not supported yet.
        Some(t) if t.creatable() && t != PropertyType::IdRule => Ok(t),
        _ => Err(Error::is_invalid("bk_property_type")),
    }
}

/// Attributes of a model visible in one scope: global ones plus, for `biz > 0`, that business' own.
async fn scope_attributes(tx: &mut Tx, obj: &str, biz: i64) -> Result<Vec<Value>> {
    let mut v = tx
        .find_docs(
            Kind::Attribute,
            &[Filter::Eq("obj_id", Param::Text(obj.to_string())), Filter::Eq("biz_id", Param::Int(0))],
        )
        .await?;
    if biz > 0 {
        v.extend(
            tx.find_docs(
                Kind::Attribute,
                &[Filter::Eq("obj_id", Param::Text(obj.to_string())), Filter::Eq("biz_id", Param::Int(biz))],
            )
            .await?,
        );
    }
    Ok(v)
}

/// The group an attribute lands in (attributes.md §4 fallback), creating `bizdefault` on first use.
async fn resolve_group(
    tx: &mut Tx,
    caller: &Caller,
    obj: &str,
    biz: i64,
    wanted: Option<&str>,
) -> Result<(String, String)> {
    let groups = tx
        .find_docs(
            Kind::PropertyGroup,
            &[Filter::Eq("obj_id", Param::Text(obj.to_string())), Filter::Eq("biz_id", Param::Int(biz))],
        )
        .await?;
    if let Some(g) = wanted.and_then(|w| groups.iter().find(|g| str_field(g, "bk_group_id") == w)) {
        return Ok((str_field(g, "bk_group_id").to_string(), str_field(g, "bk_group_name").to_string()));
    }
    if biz == 0 {
        let name =
            groups.iter().find(|g| str_field(g, "bk_group_id") == "default").map(|g| str_field(g, "bk_group_name"));
        return Ok(("default".into(), name.unwrap_or("Default").to_string()));
    }
    if !groups.iter().any(|g| str_field(g, "bk_group_id") == "bizdefault") {
        let id = tx.next_id(Kind::PropertyGroup.sequence()).await?;
        let doc = records::group(id, &caller.supplier, obj, biz, ("bizdefault", "bizdefault", -1), false);
        tx.insert_doc(Kind::PropertyGroup, &doc).await?;
    }
    Ok(("bizdefault".into(), "bizdefault".into()))
}

/// enumquote option: the quoted model exists, is another model, is not set/module/process or a custom
/// mainline level, and at least one listed instance exists.
async fn check_enumquote(tx: &mut Tx, obj: &str, option: &Value) -> Result<()> {
    let items = option.as_array().cloned().unwrap_or_default();
    let quoted = items.first().map(|i| str_field(i, "bk_obj_id").to_string()).unwrap_or_default();
    if quoted == obj || ["set", "module", "process"].contains(&quoted.as_str()) {
        return Err(Error::is_invalid("option"));
    }
    if super::object_by_obj_id(tx, &quoted).await?.is_none() {
        return Err(Error::is_invalid("option"));
    }
    if !builtin::MAINLINE.contains(&quoted.as_str()) && is_mainline_child(tx, &quoted).await? {
        return Err(Error::is_invalid("option"));
    }
    let ids: Vec<Param> = items.iter().map(|i| Param::Int(int_field(i, "bk_inst_id"))).collect();
    let n = tx.count_docs(Kind::Instance, &[Filter::Eq("obj_id", Param::Text(quoted)), Filter::In("id", ids)]).await?;
    if n == 0 {
        return Err(Error::is_invalid("option"));
    }
    Ok(())
}

/// The business of a business custom field request: required (1306406), positive (1199006).
fn business_of(body: &Body) -> Result<i64> {
    let biz = path_int(body, "bk_biz_id")?;
    if biz <= 0 {
        return Err(Error::invalid("bk_biz_id"));
    }
    Ok(biz)
}

/// The hidden model of a table field (attributes.md §7) with its `default` group.
async fn create_table_model(tx: &mut Tx, caller: &Caller, obj: &str, prop: &str, name: &str, now: i64) -> Result<()> {
    let table = attr::table_model_id(obj, prop);
    let cls = "bk_table_classification";
    let sort = tx.count_docs(Kind::Object, &[Filter::Eq("cls_id", Param::Text(cls.into()))]).await? + 1;
    let id = tx.next_id(Kind::Object.sequence()).await?;
    let rec = records::NewObject {
        obj_id: &table,
        name: &format!("{obj}#{name}#{prop}"),
        classification: cls,
        icon: "icon-cc-table",
        ispre: false,
        position: "",
        description: "",
        creator: &caller.user,
        sort,
    };
    let mut doc = records::object(id, &caller.supplier, &rec, now);
    doc["bk_ishidden"] = json!(true);
    tx.insert_doc(Kind::Object, &doc).await?;
    let gid = tx.next_id(Kind::PropertyGroup.sequence()).await?;
    tx.insert_doc(
        Kind::PropertyGroup,
        &records::group(gid, &caller.supplier, &table, 0, ("default", "Default", -1), false),
    )
    .await
}

/// Removes a table field's hidden model, its group and all its rows.
pub(crate) async fn drop_table_model(tx: &mut Tx, table: &str) -> Result<()> {
    let by_obj = [Filter::Eq("obj_id", Param::Text(table.to_string()))];
    for kind in [Kind::Instance, Kind::PropertyGroup, Kind::Attribute, Kind::Unique, Kind::Object] {
        tx.delete_docs(kind, &by_obj).await?;
    }
    Ok(())
}

impl Core {
    pub async fn create_object_attribute(&self, caller: &Caller, body: &Body) -> Result<Value> {
        self.create_attribute(caller, body, 0).await
    }

    pub async fn create_biz_custom_field(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = business_of(body)?;
        self.create_attribute(caller, body, biz).await
    }

    async fn create_attribute(&self, caller: &Caller, body: &Body, biz: i64) -> Result<Value> {
        let isonly = opt_bool(body, "isonly")?.unwrap_or(false);
        let isrequired = opt_bool(body, "isrequired")?.unwrap_or(false) || isonly;
        let obj = req_str(body, "bk_obj_id").map_err(|_| Error::is_invalid("bk_obj_id"))?;

        let mut tx = self.store.begin().await?;
        let Some(model) = super::object_by_obj_id(&mut tx, &obj).await? else {
            return Err(Error::is_invalid("bk_obj_id"));
        };
        if biz > 0 {
            if !BIZ_FIELD_MODELS.contains(&obj.as_str()) {
                return Err(Error::invalid("bk_obj_id"));
            }
            let found = tx
                .count_docs(Kind::Instance, &[Filter::Eq("obj_id", "biz".into()), Filter::Eq("id", Param::Int(biz))])
                .await?;
            if found == 0 {
                return Err(Error::is_invalid("bk_biz_id"));
            }
        }
        if isrequired && is_mainline_child(&mut tx, &obj).await? {
            return Err(Error::new(code::MAINLINE_REQUIRED_ATTR));
        }
        if body.get("bk_template_id").and_then(Value::as_i64).is_some_and(|t| t != 0) {
            return Err(Error::is_invalid("bk_template_id"));
        }
        let ty = property_type(body)?;
        let mut ismultiple = opt_bool(body, "ismultiple")?.unwrap_or(ty.default_multiple());
        if ismultiple && !ty.supports_multiple() {
            return Err(Error::new(code::NOT_SUPPORT_MULTIPLE));
        }
        if ty == PropertyType::Objuser {
            ismultiple = true;
        }
        let prop = req_str(body, "bk_property_id")?;
        check_property_id(&prop)?;
        let name = req_str(body, "bk_property_name")?;
        check_len(&name, "bk_property_name", NAME_MAX)?;
        let raw_option = body.get("option").unwrap_or(&Value::Null);
        let (option, default) = if ty == PropertyType::Innertable {
            (attr::validate_table_option(raw_option)?, None)
        } else {
            let option = attr::validate_option(ty, raw_option, ismultiple, true)?;
            let default = attr::validate_default(ty, &option, ismultiple, body.get("default").unwrap_or(&Value::Null))?;
            (option, default)
        };
        if ty == PropertyType::EnumQuote {
            check_enumquote(&mut tx, &obj, &option).await?;
        }
        let (placeholder, unit) = check_placeholder_unit(body)?;
        if CLOSED_MODELS.contains(&obj.as_str()) {
            return Err(Error::with(code::NO_NEW_FIELD, obj));
        }
        if obj == "bk_project" {
            return Err(Error::is_invalid("bk_obj_id"));
        }
        if isrequired && FIXED_REQUIRED.contains(&obj.as_str()) {
            return Err(Error::with(code::NO_NEW_REQUIRED_FIELD, obj));
        }
        let existing = scope_attributes(&mut tx, &obj, biz).await?;
        if existing.iter().any(|a| str_field(a, "bk_property_id") == prop) {
            return Err(Error::with(code::ATTRIBUTE_ID_DUPLICATED, prop));
        }
        if existing.iter().any(|a| str_field(a, "bk_property_name") == name) {
            return Err(Error::duplicate("bk_property_name"));
        }
        let wanted = typed_str(body, "bk_property_group")?;
        let (group, gname) = resolve_group(&mut tx, caller, &obj, biz, wanted.as_deref()).await?;
        let index = existing
            .iter()
            .filter(|a| str_field(a, "bk_property_group") == group)
            .map(|a| int_field(a, "bk_property_index"))
            .max()
            .map_or(0, |m| m + 1);
        let now = time::now_millis();
        let id = tx.next_id(Kind::Attribute.sequence()).await?;
        let flag = |k: &str| -> Result<bool> { Ok(opt_bool(body, k)?.unwrap_or(false)) };
        let doc = json!({
            "id": id,
            "bk_supplier_account": caller.supplier,
            "bk_obj_id": obj,
            "bk_biz_id": biz,
            "bk_property_id": prop,
            "bk_property_name": name,
            "bk_property_group": group,
            "bk_property_index": index,
            "bk_property_type": body.get("bk_property_type").cloned().unwrap_or(Value::Null),
            "option": option,
            "default": default,
            "ismultiple": ismultiple,
            "isrequired": isrequired,
            "isonly": isonly,
            "editable": flag("editable")?,
            "isreadonly": flag("isreadonly")?,
            "ispre": false,
            "bk_isapi": flag("bk_isapi")?,
            "bk_issystem": flag("bk_issystem")?,
            "unit": unit.unwrap_or_default(),
            "placeholder": placeholder.unwrap_or_default(),
            "description": typed_str(body, "description")?.unwrap_or_default(),
            "bk_template_id": 0,
            "creator": caller.user,
            "create_time": now,
            "last_time": now,
        });
        tx.insert_doc(Kind::Attribute, &doc).await?;
        if ty == PropertyType::Innertable {
            create_table_model(&mut tx, caller, &obj, &prop, &name, now).await?;
        }
        let obj_name = str_field(&model, "bk_obj_name").to_string();
        audit::write(&mut tx, caller, audit_of("create", &doc, &obj_name, audit::basic(None, Some(&doc), None)))
            .await?;
        tx.commit().await?;
        Ok(render_attribute(doc, caller.lang, &gname))
    }

    pub async fn update_object_attribute(&self, caller: &Caller, body: &Body) -> Result<Value> {
        self.update_attribute(caller, body, 0).await
    }

    pub async fn update_biz_custom_field(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = business_of(body)?;
        self.update_attribute(caller, body, biz).await
    }

    async fn update_attribute(&self, caller: &Caller, body: &Body, biz: i64) -> Result<Value> {
        let id = path_int(body, "id")?;
        if body.get("bk_template_id").and_then(Value::as_i64).is_some_and(|t| t != 0) {
            return Err(Error::with(code::MODIFY_FIELD_FORBIDDEN, "bk_template_id"));
        }
        let mut tx = self.store.begin().await?;
        let scope = if biz > 0 { vec![Param::Int(0), Param::Int(biz)] } else { vec![Param::Int(0)] };
        let Some(old) = tx
            .find_docs(Kind::Attribute, &[Filter::Eq("id", Param::Int(id)), Filter::In("biz_id", scope)])
            .await?
            .pop()
            .filter(|a| tenant::writable(&caller.supplier, a))
        else {
            return Err(Error::with(code::NOT_FOUND, "id"));
        };
        let obj = str_field(&old, "bk_obj_id").to_string();
        let stored_ty = PropertyType::parse(str_field(&old, "bk_property_type"))
            .ok_or_else(|| Error::with(code::UNEXPECTED_FIELD_TYPE, str_field(&old, "bk_property_type")))?;
        let ispre = bool_field(&old, "ispre");
        let allowed: &[&str] = if ispre {
            &["unit", "placeholder", "option"]
        } else {
            &[
                "bk_property_name",
                "option",
                "default",
                "isrequired",
                "isonly",
                "isreadonly",
                "editable",
                "unit",
                "placeholder",
                "description",
                "ismultiple",
                "bk_isapi",
            ]
        };
        let mut changes = Map::new();
        for k in allowed {
            if let Some(v) = body.get(*k) {
                changes.insert(k.to_string(), v.clone());
            }
        }
        for k in ["isrequired", "isonly", "isreadonly", "editable", "ismultiple", "bk_isapi"] {
            opt_bool(&changes, k)?;
        }
        if changes.contains_key("bk_property_name") {
            let name = req_str(&changes, "bk_property_name")?;
            check_len(&name, "bk_property_name", NAME_MAX)?;
            let attrs = scope_attributes(&mut tx, &obj, int_field(&old, "bk_biz_id")).await?;
            if attrs.iter().any(|a| str_field(a, "bk_property_name") == name && int_field(a, "id") != id) {
                return Err(Error::duplicate("bk_property_name"));
            }
            changes.insert("bk_property_name".into(), json!(name));
        }
        let check_ty = match body.get("bk_property_type").and_then(Value::as_str) {
            Some(t) => PropertyType::parse(t).ok_or_else(|| Error::is_invalid("bk_property_type"))?,
            None => stored_ty,
        };
        let ismultiple = match opt_bool(&changes, "ismultiple")? {
            Some(m) => {
                if m && !check_ty.supports_multiple() {
                    return Err(Error::new(code::NOT_SUPPORT_MULTIPLE));
                }
                m
            }
            None => bool_field(&old, "ismultiple"),
        };
        let option = match changes.get("option") {
            Some(o) if stored_ty == PropertyType::Innertable => {
                let o = attr::validate_table_option(o)?;
                changes.insert("option".into(), o.clone());
                o
            }
            Some(o) => {
                let o = attr::validate_option(stored_ty, o, ismultiple, false)?;
                if stored_ty == PropertyType::EnumQuote {
                    check_enumquote(&mut tx, &obj, &o).await?;
                }
                changes.insert("option".into(), o.clone());
                o
            }
            None => old.get("option").cloned().unwrap_or(Value::Null),
        };
        if let Some(d) = changes.get("default").cloned() {
            let d = attr::validate_default(stored_ty, &option, ismultiple, &d)?;
            changes.insert("default".into(), d.unwrap_or(Value::Null));
        }
        if let Some(r) = opt_bool(&changes, "isrequired")? {
            if r != bool_field(&old, "isrequired") && FIXED_REQUIRED.contains(&obj.as_str()) {
                return Err(Error::with(code::NO_CHANGE_REQUIRED, obj));
            }
            if r && !bool_field(&old, "isrequired") && is_mainline_child(&mut tx, &obj).await? {
                return Err(Error::new(code::MAINLINE_REQUIRED_ATTR));
            }
        }
        check_placeholder_unit(&changes)?;
        if changes.is_empty() {
            return Ok(Value::Null);
        }
        let mut doc = old.clone();
        for (k, v) in &changes {
            doc[k] = v.clone();
        }
        doc["last_time"] = json!(time::now_millis());
        tx.update_doc(Kind::Attribute, id, &doc).await?;
        if stored_ty == PropertyType::Innertable && changes.contains_key("option") {
            // Columns removed from the header are removed from every row.
            let table = attr::table_model_id(&obj, str_field(&old, "bk_property_id"));
            let kept: Vec<String> = attr::table_columns(&option).into_iter().map(|c| c.id).collect();
            for col in attr::table_columns(old.get("option").unwrap_or(&Value::Null)) {
                if !kept.contains(&col.id) {
                    tx.remove_instance_key(&table, None, &col.id).await?;
                }
            }
        }
        let obj_name = super::object_by_obj_id(&mut tx, &obj).await?.map(|m| str_field(&m, "bk_obj_name").to_string());
        let changes = Value::Object(changes);
        let detail = audit::basic(Some(&old), None, Some(&changes));
        audit::write(&mut tx, caller, audit_of("update", &doc, &obj_name.unwrap_or_default(), detail)).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn delete_object_attribute(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let id = path_int(body, "id")?;
        let biz = crate::req::opt_int(body, "bk_biz_id")?.unwrap_or(0);
        let mut tx = self.store.begin().await?;
        let scope = if biz > 0 { vec![Param::Int(0), Param::Int(biz)] } else { vec![Param::Int(0)] };
        let Some(old) = tx
            .find_docs(Kind::Attribute, &[Filter::Eq("id", Param::Int(id)), Filter::In("biz_id", scope)])
            .await?
            .pop()
            .filter(|a| tenant::writable(&caller.supplier, a))
        else {
            return Ok(Value::Null);
        };
        if int_field(&old, "bk_template_id") != 0 {
            return Err(Error::new(code::FIELD_TEMPLATE_ATTR));
        }
        let obj = str_field(&old, "bk_obj_id").to_string();
        let uniques = tx.find_docs(Kind::Unique, &[Filter::Eq("obj_id", Param::Text(obj.clone()))]).await?;
        let in_unique = uniques.iter().any(|u| {
            u.get("keys").and_then(Value::as_array).is_some_and(|ks| ks.iter().any(|k| int_field(k, "key_id") == id))
        });
        if in_unique {
            return Err(Error::new(code::ATTR_IN_UNIQUE));
        }
        if bool_field(&old, "ispre") {
            return Err(Error::new(code::BUILTIN_FORBIDDEN));
        }
        let prop = str_field(&old, "bk_property_id").to_string();
        let attr_biz = int_field(&old, "bk_biz_id");
        tx.remove_instance_key(&obj, (attr_biz > 0).then_some(attr_biz), &prop).await?;
        if attr_biz == 0 {
            tx.drop_attribute_index(&obj, &prop).await?;
            self.forget_indexes(&obj);
        }
        if str_field(&old, "bk_property_type") == "innertable" {
            drop_table_model(&mut tx, &attr::table_model_id(&obj, &prop)).await?;
        }
        tx.delete_docs(Kind::Attribute, &[Filter::Eq("id", Param::Int(id))]).await?;
        let obj_name = super::object_by_obj_id(&mut tx, &obj).await?.map(|m| str_field(&m, "bk_obj_name").to_string());
        let detail = audit::basic(Some(&old), None, None);
        audit::write(&mut tx, caller, audit_of("delete", &old, &obj_name.unwrap_or_default(), detail)).await?;
        tx.commit().await?;
        Ok(Value::Null)
    }

    pub async fn search_object_attribute(&self, caller: &Caller, body: &Body) -> Result<Value> {
        let biz = crate::req::opt_int(body, "bk_biz_id")?.unwrap_or(0);
        let page = Page::parse(body.get("page"))?;
        let cond = parse_condition(&condition_body(body, &["bk_biz_id", "page"]))?;
        let mut filters = vec![];
        if let Some(Value::String(obj)) = body.get("bk_obj_id") {
            filters.push(Filter::Eq("obj_id", Param::Text(obj.clone())));
        }
        let scope = if biz > 0 { vec![Param::Int(0), Param::Int(biz)] } else { vec![Param::Int(0)] };
        filters.push(Filter::In("biz_id", scope));
        let attrs = self.store.find_docs(Kind::Attribute, &filters).await?;
        let groups = self.store.find_docs(Kind::PropertyGroup, &[]).await?;
        let matched: Vec<Value> = attrs
            .into_iter()
            .filter(|a| tenant::doc_visible(&caller.supplier, a))
            .filter(|a| !bool_field(a, "bk_isapi") && !bool_field(a, "bk_issystem"))
            .filter(|a| str_field(a, "bk_property_type") != "innertable")
            .filter(|a| cond.matches(a))
            .collect();
        let out = page::apply(matched, &page)
            .into_iter()
            .map(|a| {
                let (obj, g, b) =
                    (str_field(&a, "bk_obj_id"), str_field(&a, "bk_property_group"), int_field(&a, "bk_biz_id"));
                let name = groups
                    .iter()
                    .find(|x| {
                        str_field(x, "bk_obj_id") == obj
                            && str_field(x, "bk_group_id") == g
                            && [0, b].contains(&int_field(x, "bk_biz_id"))
                    })
                    .map(|x| str_field(x, "bk_group_name").to_string())
                    .unwrap_or_else(|| g.to_string());
                render_attribute(a, caller.lang, &name)
            })
            .collect();
        Ok(Value::Array(out))
    }
}
