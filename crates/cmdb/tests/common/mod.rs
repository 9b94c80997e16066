//! Test harness: starts the real server (in-process, on a free loopback port, in its own runtime
//! thread) once per backend and test binary, and calls it over HTTP.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct Server {
    pub url: String,
    pub database_url: String,
    pub backend: Backend,
    http: reqwest::Client,
}

pub fn pg_admin_url() -> String {
    std::env::var("CMDB_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    format!("{}_{}", std::process::id(), nanos % 1_000_000_000)
}

/// A fresh, empty database for this test process: a SQLite file in a temp dir, or a new
/// PostgreSQL database (named `cmdb_t_*`; `.ci/run` drops leftovers).
pub fn fresh_database(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("cmdb-test-{}", unique_suffix()));
            format!("sqlite://{}/cmdb.db", dir.display())
        }
        Backend::Postgres => {
            let admin = pg_admin_url();
            let name = format!("cmdb_t_{}", unique_suffix());
            // A thread of its own: callers may already be inside a runtime.
            let (admin2, name2) = (admin.clone(), name.clone());
            std::thread::spawn(move || create_pg_database(&admin2, &name2)).join().expect("create test database");
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
            format!("{base}/{name}")
        }
    }
}

fn create_pg_database(admin: &str, name: &str) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL tests need {admin} (set CMDB_TEST_PG_URL): {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create test database");
        pool.close().await;
    });
}

/// Starts a server over `database_url` in a background thread that lives for the whole process.
pub fn spawn_server(backend: Backend, database_url: String) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    let db = database_url.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let cfg = cmdb::ServeConfig {
                listen: "127.0.0.1:0".into(),
                apps: Default::default(),
                body_limit: 1024 * 1024,
                store: cmdb::StoreConfig { database_url: db, sqlite_full_sync: false },
                event_retention: cmdb_core::DEFAULT_EVENT_RETENTION,
            };
            let running = cmdb::start(listener, cfg).await.expect("server starts");
            tx.send(running.addr).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let addr = rx.recv().expect("server address");
    Server {
        url: format!("http://{addr}"),
        database_url,
        backend,
        http: reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap(),
    }
}

pub fn server(backend: Backend) -> &'static Server {
    static SQLITE: OnceLock<Server> = OnceLock::new();
    static POSTGRES: OnceLock<Server> = OnceLock::new();
    let cell = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| spawn_server(backend, fresh_database(backend)))
}

/// Unique identifiers (letters, digits, underscore; never starting with `bk`).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}_{}_{}", std::process::id() % 100000, N.fetch_add(1, Ordering::Relaxed))
}

pub const AUTH: &str = r#"{"bk_app_code":"test","bk_app_secret":"test","bk_username":"admin"}"#;

impl Server {
    pub fn endpoint(&self, name: &str) -> String {
        format!("{}/api/c/compapi/v2/cc/{name}/", self.url)
    }

    /// Calls an endpoint with the auth header and returns the whole envelope.
    pub async fn call(&self, name: &str, body: Value) -> Value {
        self.call_with(name, body, &[]).await
    }

    pub async fn call_with(&self, name: &str, body: Value, headers: &[(&str, &str)]) -> Value {
        let mut req = self.http.post(self.endpoint(name)).header("X-Bkapi-Authorization", AUTH).json(&body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        assert_eq!(resp.status(), 200, "{name}: HTTP status");
        let env: Value = resp.json().await.expect("JSON envelope");
        check_envelope(&env);
        env
    }

    /// Raw request: any bytes and headers, returns (status, body).
    pub async fn raw(&self, path: &str, body: Vec<u8>, headers: &[(&str, &str)]) -> (u16, String) {
        let mut req = self.http.post(format!("{}{path}", self.url)).body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// Asserts success and returns `data`.
    pub async fn ok(&self, name: &str, body: Value) -> Value {
        let env = self.call(name, body.clone()).await;
        assert_eq!(env["result"], json!(true), "{name} {body} → {env}");
        env["data"].clone()
    }

    /// Asserts failure with `code` and returns the message.
    pub async fn fails(&self, name: &str, body: Value, code: i64) -> String {
        let env = self.call(name, body.clone()).await;
        assert_eq!(env["code"], json!(code), "{name} {body} → {env}");
        assert_eq!(env["result"], json!(false));
        assert!(env["data"].is_null());
        env["message"].as_str().unwrap().to_string()
    }

    /// Counts rows of a table straight from the database (to prove a failed write left nothing).
    pub async fn count_rows(&self, table: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
        pool.close().await;
        n
    }

    /// Runs one statement straight on the database (to set up state no endpoint of this area makes).
    pub async fn exec(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.database_url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        pool.close().await;
    }

    /// Puts host `host` (a bare host document) into module `module` of set `set`, business `biz`.
    pub async fn seed_host(&self, host: i64, biz: i64, set: i64, module: i64) {
        let doc = format!(
            r#"{{"bk_host_id":{host},"bk_host_innerip":"10.0.{}.{}","bk_obj_id":"host","bk_supplier_account":"0","bk_cloud_id":0}}"#,
            host / 256 % 256,
            host % 256
        );
        let cast = if self.backend == Backend::Postgres { "::jsonb" } else { "" };
        self.exec(&format!(
            "INSERT INTO instance (obj_id, id, supplier, name, biz_id, parent_id, doc) \
             SELECT 'host', {host}, '0', '', 0, 0, '{doc}'{cast} WHERE NOT EXISTS (SELECT 1 FROM instance WHERE obj_id = 'host' AND id = {host})"
        ))
        .await;
        self.exec(&format!(
            "INSERT INTO module_host (host_id, module_id, set_id, biz_id, supplier) VALUES ({host}, {module}, {set}, {biz}, '0')"
        ))
        .await;
    }

    /// Takes host `host` out of every module.
    pub async fn unseed_host(&self, host: i64) {
        self.exec(&format!("DELETE FROM module_host WHERE host_id = {host}")).await;
    }

    /// Creates a classification and a model in it; returns the model record.
    pub async fn new_model(&self) -> Value {
        let cls = unique("cls");
        self.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
        let obj = unique("obj");
        self.ok(
            "create_object",
            json!({"bk_obj_id": obj, "bk_obj_name": obj, "bk_classification_id": cls, "bk_obj_icon": "icon-cc-default"}),
        )
        .await
    }
}

// ----- hosts and topology shared by the host and service tests

/// A fresh IPv4 address (unique per test process).
pub fn ip() -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("10.{}.{}.{}", std::process::id() % 200 + 20, n / 250, n % 250 + 1)
}

pub async fn new_biz(s: &Server) -> (i64, i64, Vec<i64>) {
    let b = s
        .ok("create_business", json!({"data": {"bk_biz_name": unique("hb"), "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await;
    let biz = b["bk_biz_id"].as_i64().unwrap();
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    let modules = internal["module"].as_array().unwrap().iter().map(|m| m["bk_module_id"].as_i64().unwrap()).collect();
    (biz, internal["bk_set_id"].as_i64().unwrap(), modules)
}

pub async fn normal_module(s: &Server, biz: i64) -> (i64, i64) {
    let set = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": unique("s")}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    let m = s
        .ok(
            "create_module",
            json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": unique("m")}}),
        )
        .await["bk_module_id"]
        .as_i64()
        .unwrap();
    (set, m)
}

/// Creates hosts in a business' idle module; returns their ids.
pub async fn hosts_in(s: &Server, biz: i64, n: usize) -> Vec<i64> {
    let list: Vec<Value> =
        (0..n).map(|_| json!({"bk_host_innerip": ip(), "bk_cloud_id": 0, "bk_addressing": "static"})).collect();
    let d = s.ok("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": list})).await;
    d["bk_host_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect()
}

pub fn check_envelope(env: &Value) {
    let m = env.as_object().expect("envelope is an object");
    for k in ["result", "code", "message", "permission", "request_id", "data"] {
        assert!(m.contains_key(k), "envelope lacks {k}: {env}");
    }
    assert!(env["permission"].is_null());
    let rid = env["request_id"].as_str().unwrap();
    assert!(rid.len() == 32 && rid.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{rid}");
    assert_eq!(env["result"].as_bool().unwrap(), env["code"] == json!(0));
}

/// Runs the same async test body against both backends: `both!(name, |s| async move { ... });`
#[macro_export]
macro_rules! both {
    ($name:ident, |$s:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let $s = $crate::common::server($crate::common::Backend::Sqlite);
                $body.await
            }
            #[tokio::test]
            async fn postgres() {
                let $s = $crate::common::server($crate::common::Backend::Postgres);
                $body.await
            }
        }
    };
}
