//! Generic instances (models-and-instances.md §E–§G): validation against the model's attributes,
//! unique rules, rendering, and the search endpoints.

pub mod association;
pub(crate) mod crud;
pub(crate) mod mainline;
mod quoted;
pub(crate) mod search;
pub(crate) mod validate;

use crate::model::{bool_field, int_field, str_field};
use cmdb_model::attr::PropertyType;
use cmdb_model::query::{Expr, Test};
use cmdb_model::{builtin, code, time, Caller, Error, Result};
use cmdb_store::query::Hot;
use cmdb_store::{BoxFuture, Filter, Kind, Param, Store, Tx};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Sequence of every generic instance id (and quoted rows).
pub(crate) const INST_SEQ: &str = "inst";

/// The id sequence of a model's instances: the built-in topology models have their own, as in the
/// original; every other model shares `inst`.
pub(crate) fn id_sequence(obj_id: &str) -> &str {
    match obj_id {
        "biz" | "set" | "module" | "bk_biz_set_obj" | "plat" | "host" => obj_id,
        _ => INST_SEQ,
    }
}

/// The watch resource (audit-and-watch.md §2.2) of a model's instances.
pub(crate) fn watch_resource(model: &Model) -> &'static str {
    match model.obj_id.as_str() {
        "biz" => "biz",
        "set" => "set",
        "module" => "module",
        "bk_biz_set_obj" => "biz_set",
        "host" => "host",
        "plat" => "plat",
        _ if model.mainline => "mainline_instance",
        _ => "object_instance",
    }
}

/// The audit record of an instance write (audit-and-watch.md §1.2–1.3).
pub(crate) fn audit_of<'a>(action: &'a str, model: &Model, doc: &Value, mut detail: Value) -> crate::audit::Audit<'a> {
    // Records show times as the wire does (RFC 3339), not as stored.
    let times = model.time_fields();
    for k in ["pre_data", "cur_data", "update_fields"] {
        if let Some(v) = detail.get_mut(k).filter(|v| v.is_object()) {
            *v = render(v.take(), &times);
        }
    }
    let obj = model.obj_id.as_str();
    let (audit_type, resource_type) = match obj {
        "biz" => ("business", "business"),
        "set" => ("business_resource", "set"),
        "module" => ("business_resource", "module"),
        "bk_biz_set_obj" => ("biz_set", "biz_set"),
        "host" => ("host", "host"),
        "plat" => ("cloud_resource", "cloud_area"),
        _ if model.mainline => ("business_resource", "mainline_instance"),
        _ => ("model_instance", "model_instance"),
    };
    crate::audit::Audit {
        audit_type,
        resource_type,
        action,
        resource_id: doc.get(builtin::id_field(obj)).cloned().unwrap_or(Value::Null),
        resource_name: str_field(doc, builtin::name_field(obj)).to_string(),
        biz_id: int_field(doc, "bk_biz_id"),
        detail: json!({ "details": detail, "bk_obj_id": obj }),
    }
}

/// Hot columns of instance documents (always present, never arrays).
pub(crate) fn hot_fields(obj_id: &str) -> Vec<Hot> {
    let mut v = vec![Hot { field: "bk_supplier_account", column: "supplier", numeric: false }];
    v.push(Hot { field: builtin::id_field(obj_id), column: "id", numeric: true });
    if builtin::name_field(obj_id) == "bk_inst_name" && !obj_id.contains('#') {
        v.push(Hot { field: "bk_inst_name", column: "name", numeric: false });
    }
    v
}

/// Reads metadata either inside a write transaction or from the reader pool.
pub(crate) trait Reader: Send {
    fn docs<'a>(&'a mut self, kind: Kind, filters: &'a [Filter]) -> BoxFuture<'a, Result<Vec<Value>>>;
}

impl Reader for Tx {
    fn docs<'a>(&'a mut self, kind: Kind, filters: &'a [Filter]) -> BoxFuture<'a, Result<Vec<Value>>> {
        Box::pin(self.find_docs(kind, filters))
    }
}

impl Reader for &Store {
    fn docs<'a>(&'a mut self, kind: Kind, filters: &'a [Filter]) -> BoxFuture<'a, Result<Vec<Value>>> {
        let store: &Store = self;
        Box::pin(store.find_docs(kind, filters))
    }
}

/// One attribute of a model, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub prop: String,
    pub name: String,
    pub id: i64,
    pub ty: Option<PropertyType>,
    pub type_name: String,
    pub option: Value,
    pub default: Value,
    pub ismultiple: bool,
    pub isrequired: bool,
    pub editable: bool,
    pub biz_id: i64,
}

/// A model with its attributes and unique rules.
pub(crate) struct Model {
    pub obj_id: String,
    pub doc: Value,
    pub attrs: Vec<Attr>,
    pub uniques: Vec<Vec<String>>,
    /// A level of the business topology (source of a `bk_mainline` association).
    pub mainline: bool,
    /// Fields stored in columns, and fields known to be scalar (see `scalar_fields`).
    pub hot: Vec<Hot>,
    pub scalar: Vec<String>,
}

/// Parsed models, valid for one metadata version (which every metadata write bumps, on any node).
#[derive(Default)]
pub struct ModelCache {
    inner: std::sync::Mutex<(i64, HashMap<String, Arc<Model>>)>,
}

impl ModelCache {
    fn get(&self, version: i64, obj: &str) -> Option<Arc<Model>> {
        let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 == version {
            g.1.get(obj).cloned()
        } else {
            None
        }
    }

    fn put(&self, version: i64, model: Arc<Model>) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.0 != version {
            *g = (version, HashMap::new());
        }
        g.1.insert(model.obj_id.clone(), model);
    }
}

impl crate::Core {
    /// A model as committed, through the reader pool (cached per metadata version).
    pub(crate) async fn model_read(&self, obj: &str) -> Result<Option<Arc<Model>>> {
        let version = self.store.metadata_version().await?;
        self.model_at(version, obj).await
    }

    /// A model as committed at metadata generation `version` (read just before).
    pub(crate) async fn model_at(&self, version: i64, obj: &str) -> Result<Option<Arc<Model>>> {
        if let Some(m) = self.models.get(version, obj) {
            return Ok(Some(m));
        }
        let mut store = &self.store;
        let Some(m) = Model::load(&mut store, obj).await?.map(Arc::new) else { return Ok(None) };
        self.models.put(version, m.clone());
        Ok(Some(m))
    }

    /// A model inside a write transaction that has not changed metadata itself (instance writes),
    /// so what it reads is committed and may be cached.
    pub(crate) async fn model_tx(&self, tx: &mut Tx, obj: &str) -> Result<Option<Arc<Model>>> {
        let version = tx.metadata_version().await?;
        if let Some(m) = self.models.get(version, obj) {
            return Ok(Some(m));
        }
        let Some(m) = Model::load(tx, obj).await?.map(Arc::new) else { return Ok(None) };
        self.models.put(version, m.clone());
        Ok(Some(m))
    }
}

impl Model {
    pub(crate) async fn load<R: Reader>(r: &mut R, obj_id: &str) -> Result<Option<Model>> {
        let by_obj = [Filter::Eq("obj_id", Param::Text(obj_id.to_string()))];
        let Some(doc) = r.docs(Kind::Object, &by_obj).await?.pop() else { return Ok(None) };
        let attrs: Vec<Attr> = r
            .docs(Kind::Attribute, &by_obj)
            .await?
            .iter()
            .map(|a| Attr {
                prop: str_field(a, "bk_property_id").to_string(),
                name: str_field(a, "bk_property_name").to_string(),
                id: int_field(a, "id"),
                ty: PropertyType::parse(str_field(a, "bk_property_type")),
                type_name: str_field(a, "bk_property_type").to_string(),
                option: a.get("option").cloned().unwrap_or(Value::Null),
                default: a.get("default").cloned().unwrap_or(Value::Null),
                ismultiple: bool_field(a, "ismultiple"),
                isrequired: bool_field(a, "isrequired"),
                editable: bool_field(a, "editable"),
                biz_id: int_field(a, "bk_biz_id"),
            })
            .collect();
        let uniques = r
            .docs(Kind::Unique, &by_obj)
            .await?
            .iter()
            .map(|u| {
                let keys = u.get("keys").and_then(Value::as_array).cloned().unwrap_or_default();
                keys.iter()
                    .filter_map(|k| attrs.iter().find(|a| a.id == int_field(k, "key_id")).map(|a| a.prop.clone()))
                    .collect()
            })
            .collect();
        let mainline =
            r.docs(Kind::ObjectAssociation, &by_obj).await?.iter().any(|a| str_field(a, "bk_asst_id") == "bk_mainline");
        let mut m = Model {
            obj_id: obj_id.to_string(),
            doc,
            attrs,
            uniques,
            mainline,
            hot: hot_fields(obj_id),
            scalar: vec![],
        };
        if m.mainline && obj_id != "biz" && obj_id != "host" {
            m.hot.push(Hot { field: "bk_biz_id", column: "biz_id", numeric: true });
            m.hot.push(Hot { field: "bk_parent_id", column: "parent_id", numeric: true });
        }
        m.scalar = m.scalar_fields();
        Ok(Some(m))
    }

    /// A search over this model's instances.
    pub(crate) fn query<'a>(
        &'a self,
        filter: &'a Expr,
        sort: &'a [(String, bool)],
        start: usize,
        limit: usize,
    ) -> cmdb_store::instances::InstanceQuery<'a> {
        cmdb_store::instances::InstanceQuery {
            obj_id: &self.obj_id,
            filter,
            hot: &self.hot,
            scalar: &self.scalar,
            sort,
            start,
            limit,
            within: None,
        }
    }

    /// Attributes that apply to an instance of business `biz` (global ones plus that business').
    pub(crate) fn attrs_for(&self, biz: i64) -> impl Iterator<Item = &Attr> {
        self.attrs.iter().filter(move |a| a.biz_id == 0 || a.biz_id == biz)
    }

    pub(crate) fn attr(&self, prop: &str, biz: i64) -> Option<&Attr> {
        self.attrs_for(biz).find(|a| a.prop == prop)
    }

    pub(crate) fn paused(&self) -> bool {
        bool_field(&self.doc, "bk_ispaused")
    }

    /// Fields whose values are never arrays, objects or booleans: typed scalar attributes and the
    /// recorded times. Equality and ranges on them use the attribute indexes.
    pub(crate) fn scalar_fields(&self) -> Vec<String> {
        let mut v: Vec<String> =
            ["create_time", "last_time", "bk_created_at", "bk_updated_at"].iter().map(|x| x.to_string()).collect();
        v.extend(
            self.attrs
                .iter()
                .filter(|a| a.ty.is_some_and(is_scalar_type) && !self.list_valued(&a.prop))
                .map(|a| a.prop.clone()),
        );
        v
    }

    /// Host address and operator fields are stored as lists (hosts.md §1) although their types are
    /// singlechar and objuser.
    pub(crate) fn list_valued(&self, prop: &str) -> bool {
        self.obj_id == "host"
            && [
                "bk_host_innerip",
                "bk_host_outerip",
                "bk_host_innerip_v6",
                "bk_host_outerip_v6",
                "operator",
                "bk_bak_operator",
            ]
            .contains(&prop)
    }

    /// Fields stored as epoch milliseconds.
    pub(crate) fn time_fields(&self) -> HashSet<String> {
        let mut s: HashSet<String> =
            ["create_time", "last_time", "bk_created_at", "bk_updated_at"].iter().map(|x| x.to_string()).collect();
        s.extend(self.attrs.iter().filter(|a| a.ty == Some(PropertyType::Time)).map(|a| a.prop.clone()));
        s
    }
}

/// Attribute types whose stored values are single strings or numbers.
pub(crate) fn is_scalar_type(t: PropertyType) -> bool {
    use PropertyType::*;
    matches!(t, Singlechar | Longchar | Int | Float | Enum | List | Date | Time | Timezone | Objuser)
}

/// Attribute types that get an index: the ones filtered by equality or range in practice. Long
/// text, users and time zones are compared without one (every index is schema on SQLite).
pub(crate) fn is_indexed_type(t: PropertyType) -> bool {
    use PropertyType::*;
    matches!(t, Singlechar | Int | Float | Enum | List | Date)
}

impl crate::Core {
    /// Indexes follow use: the first search (or unique check) that filters a typed attribute of a
    /// model by equality or range creates that attribute's index in the background, so writes
    /// to models nobody searches by attribute maintain no extra index.
    pub(crate) fn index_filtered_fields(&self, model: &Model, filter: &Expr) {
        let mut wanted = Vec::new();
        let conjuncts: Vec<&Expr> = match filter {
            Expr::And(v) => v.iter().collect(),
            other => vec![other],
        };
        for c in conjuncts {
            if let Expr::Field(f, Test::Eq(_) | Test::In(_) | Test::Cmp(..)) = c {
                let indexed = model.attrs.iter().any(|a| {
                    a.biz_id == 0 && &a.prop == f && a.ty.is_some_and(is_indexed_type) && !model.list_valued(f)
                });
                if indexed {
                    wanted.push(f.clone());
                }
            }
        }
        if wanted.is_empty() {
            return;
        }
        let mut done = self.indexed.lock().unwrap_or_else(|p| p.into_inner());
        wanted.retain(|f| done.insert((model.obj_id.clone(), f.clone())));
        drop(done);
        if wanted.is_empty() {
            return;
        }
        let (store, obj, indexed) = (self.store.clone(), model.obj_id.clone(), self.indexed.clone());
        tokio::spawn(async move {
            let outcome = async {
                let mut tx = store.begin().await?;
                for f in &wanted {
                    tx.ensure_attribute_index(&obj, f).await?;
                }
                tx.commit().await
            }
            .await;
            if let Err(e) = outcome {
                tracing::warn!(model = %obj, error = %e, "attribute index not created");
                let mut done = indexed.lock().unwrap_or_else(|p| p.into_inner());
                for f in wanted {
                    done.remove(&(obj.clone(), f));
                }
            }
        });
    }

    /// Forgets ensured indexes of a model (its attributes or the model were deleted).
    pub(crate) fn forget_indexes(&self, obj: &str) {
        self.indexed.lock().unwrap_or_else(|p| p.into_inner()).retain(|(o, _)| o != obj);
    }
}

/// The caller's tenant visibility as a filter on instance documents.
pub(crate) fn tenant_filter(caller: &Caller) -> Expr {
    match caller.supplier.as_str() {
        "superadmin" => Expr::all(),
        "0" => Expr::field("bk_supplier_account", Test::Eq(Value::from("0"))),
        s => Expr::field("bk_supplier_account", Test::In(vec![Value::from(s), Value::from("0")])),
    }
}

/// Inner models are served by their dedicated endpoints only.
pub(crate) fn refuse_inner(obj_id: &str, allow_host: bool) -> Result<()> {
    if builtin::is_inner(obj_id) && !(allow_host && obj_id == "host") {
        return Err(Error::new(code::INNER_MODEL_WITH_COMMON_API));
    }
    Ok(())
}

/// An instance as the wire shows it: stored instants as RFC 3339, recorded times filled in.
pub(crate) fn render(mut doc: Value, time_fields: &HashSet<String>) -> Value {
    if let Some(m) = doc.as_object_mut() {
        for (src, dst) in [("create_time", "bk_created_at"), ("last_time", "bk_updated_at")] {
            if !m.contains_key(dst) {
                if let Some(v) = m.get(src).cloned() {
                    m.insert(dst.to_string(), v);
                }
            }
        }
        for f in time_fields {
            if let Some(ms) = m.get(f).and_then(Value::as_i64) {
                m.insert(f.clone(), Value::String(time::instance_time(ms)));
            }
        }
    }
    doc
}

/// Field projection (conventions.md §5.5): absent/empty = all.
pub(crate) fn project(doc: Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return doc;
    }
    match doc {
        Value::Object(m) => {
            let mut out = Map::new();
            for f in fields {
                if let Some(v) = m.get(f) {
                    out.insert(f.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
        other => other,
    }
}

/// `fields`: an array of names (non-strings refused).
pub(crate) fn parse_fields(v: Option<&Value>, key: &str) -> Result<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|f| f.as_str().map(str::to_string).ok_or_else(|| Error::with(code::JSON_UNMARSHAL, key)))
            .collect(),
        Some(_) => Err(Error::with(code::JSON_UNMARSHAL, key)),
    }
}
