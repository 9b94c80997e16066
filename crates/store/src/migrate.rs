//! Embedded migrations. All pending steps run in one transaction (PostgreSQL: under an advisory
//! lock, so several nodes starting together migrate once).

use crate::dialect::{Backend, PG_MIGRATE_LOCK};
use crate::{BoxFuture, Param, Result, Store, Tx};

/// Version of the step that writes the built-in data.
const SEED_VERSION: i64 = 2;

/// Instance associations (models-and-instances.md §G).
fn schema_v3(json: &str) -> String {
    format!(
        "CREATE TABLE inst_asst (id BIGINT PRIMARY KEY, supplier TEXT NOT NULL DEFAULT '0', obj_asst_id TEXT NOT NULL, \
         obj_id TEXT NOT NULL, inst_id BIGINT NOT NULL, asst_obj_id TEXT NOT NULL, asst_inst_id BIGINT NOT NULL, doc {json} NOT NULL);\n\
         CREATE INDEX inst_asst_src ON inst_asst (obj_id, inst_id);\n\
         CREATE INDEX inst_asst_dst ON inst_asst (asst_obj_id, asst_inst_id);\n\
         CREATE INDEX inst_asst_kind ON inst_asst (obj_asst_id);\n"
    )
}

/// Host–module relations (the hosts area fills them; topology checks and reads them) and the
/// per-business "sensitive" map (kube-project-misc.md §3).
fn schema_v5(json: &str) -> String {
    format!(
        "CREATE TABLE module_host (host_id BIGINT NOT NULL, module_id BIGINT NOT NULL, set_id BIGINT NOT NULL, \
         biz_id BIGINT NOT NULL, supplier TEXT NOT NULL DEFAULT '0', PRIMARY KEY (host_id, module_id));\n\
         CREATE INDEX module_host_module ON module_host (module_id);\n\
         CREATE INDEX module_host_set ON module_host (set_id);\n\
         CREATE INDEX module_host_biz ON module_host (biz_id);\n\
         CREATE TABLE biz_sensitive (id BIGINT PRIMARY KEY, supplier TEXT NOT NULL DEFAULT '0', doc {json} NOT NULL);\n"
    )
}

/// resource_watch: sub-resource columns of events, the newest purged id per resource, and the
/// legacy event subscriptions.
fn schema_v6(json: &str) -> String {
    format!(
        "ALTER TABLE event ADD COLUMN sub_a TEXT NOT NULL DEFAULT '';\n\
         ALTER TABLE event ADD COLUMN sub_b TEXT NOT NULL DEFAULT '';\n\
         CREATE INDEX event_created ON event (created);\n\
         CREATE TABLE event_tail (resource TEXT PRIMARY KEY, last_id BIGINT NOT NULL);\n\
         CREATE TABLE subscription (id BIGINT PRIMARY KEY, supplier TEXT NOT NULL DEFAULT '0', name TEXT NOT NULL, doc {json} NOT NULL);\n\
         CREATE INDEX audit_log_time ON audit_log (op_time);\n\
         CREATE INDEX audit_log_scope ON audit_log (resource_type, op_time, supplier, id);\n\
         DROP INDEX audit_log_resource;\n"
    )
}

/// Hosts: identity keys that must be unique, and host locks.
const SCHEMA_V7: &str = "CREATE TABLE host_key (kind TEXT NOT NULL, cloud_id BIGINT NOT NULL, value TEXT NOT NULL, \
     host_id BIGINT NOT NULL, is_unique INTEGER NOT NULL);\n\
     CREATE INDEX host_key_value ON host_key (kind, value, cloud_id);\n\
     CREATE INDEX host_key_host ON host_key (host_id);\n\
     CREATE TABLE host_lock (host_id BIGINT PRIMARY KEY, username TEXT NOT NULL, create_time BIGINT NOT NULL);\n\
     DROP INDEX module_host_biz;\n\
     CREATE INDEX module_host_biz ON module_host (biz_id, supplier, host_id);\n\
     DROP INDEX module_host_set;\n\
     CREATE INDEX module_host_set ON module_host (set_id, host_id);\n\
     DROP INDEX module_host_module;\n\
     CREATE INDEX module_host_module ON module_host (module_id, host_id);\n";

/// Service templates, process templates, set templates, service instances, process relations and
/// service-template sync tasks (service-and-process.md §1).
fn schema_v8(json: &str) -> String {
    let table = |name: &str, cols: &str| {
        format!("CREATE TABLE {name} (id BIGINT PRIMARY KEY, supplier TEXT NOT NULL DEFAULT '0', {cols}doc {json} NOT NULL);\n")
    };
    let mut s = String::new();
    s += &table("service_template", "biz_id BIGINT NOT NULL, name TEXT NOT NULL, category_id BIGINT NOT NULL, ");
    s += "CREATE INDEX service_template_biz ON service_template (biz_id, name);\n";
    s += "CREATE INDEX service_template_category ON service_template (category_id);\n";
    s += &table("process_template", "biz_id BIGINT NOT NULL, template_id BIGINT NOT NULL, ");
    s += "CREATE INDEX process_template_owner ON process_template (template_id);\n";
    s += &table("set_template", "biz_id BIGINT NOT NULL, name TEXT NOT NULL, ");
    s += "CREATE INDEX set_template_biz ON set_template (biz_id, name);\n";
    s += &table(
        "set_template_service",
        "biz_id BIGINT NOT NULL, set_template_id BIGINT NOT NULL, template_id BIGINT NOT NULL, ",
    );
    s += "CREATE INDEX set_template_service_set ON set_template_service (set_template_id);\n";
    s += "CREATE INDEX set_template_service_template ON set_template_service (template_id);\n";
    s += &table(
        "service_instance",
        "biz_id BIGINT NOT NULL, module_id BIGINT NOT NULL, host_id BIGINT NOT NULL, template_id BIGINT NOT NULL, name TEXT NOT NULL, ",
    );
    s += "CREATE INDEX service_instance_biz ON service_instance (biz_id, id);\n";
    s += "CREATE INDEX service_instance_module ON service_instance (module_id, host_id);\n";
    s += "CREATE INDEX service_instance_host ON service_instance (host_id);\n";
    s += "CREATE INDEX service_instance_template ON service_instance (template_id);\n";
    s += &table(
        "process_relation",
        "biz_id BIGINT NOT NULL, instance_id BIGINT NOT NULL, template_id BIGINT NOT NULL, host_id BIGINT NOT NULL, ",
    );
    s += "CREATE INDEX process_relation_instance ON process_relation (instance_id);\n";
    s += "CREATE INDEX process_relation_template ON process_relation (template_id);\n";
    s += "CREATE INDEX process_relation_host ON process_relation (host_id);\n";
    s += &table("sync_task", "template_id BIGINT NOT NULL, ");
    s
}

fn schema_v1(json: &str, serial: &str) -> String {
    let doc_table = |name: &str, cols: &str| {
        format!("CREATE TABLE {name} (id BIGINT PRIMARY KEY, supplier TEXT NOT NULL DEFAULT '0', {cols}doc {json} NOT NULL);\n")
    };
    let mut s = String::new();
    s += "CREATE TABLE seq (name TEXT PRIMARY KEY, value BIGINT NOT NULL);\n";
    s += "INSERT INTO seq (name, value) VALUES ('meta_version', 1);\n";
    s += &doc_table("classification", "cls_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, ");
    s += &doc_table("object", "obj_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, cls_id TEXT NOT NULL, ");
    s += "CREATE INDEX object_cls ON object (cls_id);\n";
    s += &doc_table("attribute", "obj_id TEXT NOT NULL, biz_id BIGINT NOT NULL DEFAULT 0, prop_id TEXT NOT NULL, ");
    s += "CREATE INDEX attribute_obj ON attribute (obj_id, biz_id);\n";
    s += &doc_table(
        "property_group",
        "obj_id TEXT NOT NULL, biz_id BIGINT NOT NULL DEFAULT 0, group_id TEXT NOT NULL, ",
    );
    s += "CREATE UNIQUE INDEX property_group_key ON property_group (obj_id, biz_id, group_id);\n";
    s += &doc_table("object_unique", "obj_id TEXT NOT NULL, ");
    s += "CREATE INDEX object_unique_obj ON object_unique (obj_id);\n";
    s += &doc_table("asst_kind", "asst_id TEXT NOT NULL UNIQUE, ");
    s += &doc_table(
        "object_association",
        "obj_asst_id TEXT NOT NULL, obj_id TEXT NOT NULL, asst_obj_id TEXT NOT NULL, ",
    );
    s += "CREATE INDEX object_association_obj ON object_association (obj_id);\n";
    s += "CREATE INDEX object_association_asst ON object_association (asst_obj_id);\n";
    s += &doc_table(
        "topo_graphics",
        "scope_type TEXT NOT NULL, scope_id TEXT NOT NULL, node_type TEXT NOT NULL, obj_id TEXT NOT NULL, inst_id BIGINT NOT NULL, ",
    );
    s += "CREATE UNIQUE INDEX topo_graphics_key ON topo_graphics (supplier, scope_type, scope_id, node_type, obj_id, inst_id);\n";
    s += &doc_table("role_privilege", "obj_id TEXT NOT NULL, prop_id TEXT NOT NULL, ");
    s += "CREATE UNIQUE INDEX role_privilege_key ON role_privilege (supplier, obj_id, prop_id);\n";
    s += &doc_table("service_category", "biz_id BIGINT NOT NULL, parent_id BIGINT NOT NULL, name TEXT NOT NULL, ");
    s += &format!(
        "CREATE TABLE instance (obj_id TEXT NOT NULL, id BIGINT NOT NULL, supplier TEXT NOT NULL DEFAULT '0', \
         name TEXT NOT NULL, biz_id BIGINT NOT NULL DEFAULT 0, parent_id BIGINT NOT NULL DEFAULT 0, doc {json} NOT NULL, \
         PRIMARY KEY (obj_id, id));\n"
    );
    s += "CREATE INDEX instance_name ON instance (obj_id, name);\n";
    s += "CREATE INDEX instance_biz ON instance (biz_id, obj_id);\n";
    s += "CREATE INDEX instance_parent ON instance (parent_id);\n";
    s += &format!(
        "CREATE TABLE audit_log (id {serial}, supplier TEXT NOT NULL, audit_type TEXT NOT NULL, \
         resource_type TEXT NOT NULL, action TEXT NOT NULL, biz_id BIGINT NOT NULL, resource_id TEXT NOT NULL, \
         op_time BIGINT NOT NULL, username TEXT NOT NULL, doc {json} NOT NULL);\n"
    );
    s += "CREATE INDEX audit_log_resource ON audit_log (resource_type, op_time);\n";
    s += &format!(
        "CREATE TABLE event (id {serial}, resource TEXT NOT NULL, event_type TEXT NOT NULL, \
         supplier TEXT NOT NULL, created BIGINT NOT NULL, doc {json} NOT NULL);\n"
    );
    s += "CREATE INDEX event_resource ON event (resource, id);\n";
    s
}

pub(crate) async fn run<F>(store: &Store, seed: F) -> Result<()>
where
    F: for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, Result<()>>,
{
    let mut tx = store.begin().await?;
    if store.backend == Backend::Postgres {
        tx.execute(PG_MIGRATE_LOCK, &[]).await?;
    }
    tx.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        &[],
    )
    .await?;
    let rows = tx.fetch("SELECT version FROM schema_migrations", &[]).await?;
    let applied: Vec<i64> = rows.iter().map(|r| r.int(0)).collect::<Result<_>>()?;
    let json = store.dialect().json_type();
    if !applied.contains(&1) {
        for stmt in schema_v1(json, store.dialect().serial_key()).split(";\n").map(str::trim).filter(|s| !s.is_empty())
        {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 1, "schema").await?;
    }
    if !applied.contains(&SEED_VERSION) {
        seed(&mut tx).await?;
        record(&mut tx, SEED_VERSION, "builtin data").await?;
    }
    if !applied.contains(&3) {
        for stmt in schema_v3(json).split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 3, "instance associations").await?;
    }
    if !applied.contains(&4) {
        if store.backend == Backend::Postgres {
            // Equality on any attribute (`doc @> {...}`) is served by one GIN index.
            tx.execute("CREATE INDEX instance_doc_gin ON instance USING gin (doc jsonb_path_ops)", &[]).await?;
        }
        record(&mut tx, 4, "document index").await?;
    }
    if !applied.contains(&5) {
        for stmt in schema_v5(json).split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 5, "host relations, business sensitive data").await?;
    }
    if !applied.contains(&6) {
        for stmt in schema_v6(json).split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 6, "event feed, subscriptions").await?;
    }
    if !applied.contains(&7) {
        for stmt in SCHEMA_V7.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 7, "host keys, host locks").await?;
    }
    if !applied.contains(&8) {
        for stmt in schema_v8(json).split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            tx.execute(stmt, &[]).await?;
        }
        record(&mut tx, 8, "service templates, service instances, processes").await?;
    }
    tx.commit().await
}

async fn record(tx: &mut Tx, version: i64, name: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        &[Param::Int(version), name.into(), Param::Int(cmdb_model::time::now_millis())],
    )
    .await?;
    Ok(())
}
