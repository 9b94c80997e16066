//! cmdb-bench: fixed, seeded workloads against a real `cmdb` server process on each backend,
//! printing throughput and p50/p99 latency per endpoint.
//!
//!   cargo build --release --workspace && target/release/cmdb-bench [--backend sqlite|postgres|both]
//!       [--clients 8] [--seconds 10] [--workload startup,model]

use clap::Parser;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
struct Args {
    /// sqlite, postgres or both.
    #[arg(long, default_value = "both")]
    backend: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Seconds per workload.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Comma-separated workloads: startup, model.
    #[arg(long, default_value = "startup,model")]
    workload: String,
    /// PostgreSQL server (a fresh database is created on it).
    #[arg(long, env = "CMDB_TEST_PG_URL", default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pg_url: String,
    /// The cmdb binary (default: next to this one).
    #[arg(long, env = "CMDB_BIN")]
    cmdb_bin: Option<PathBuf>,
}

const AUTH: &str = r#"{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench"}"#;

struct ServerProcess {
    child: Child,
    url: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cmdb_bin(args: &Args) -> PathBuf {
    args.cmdb_bin.clone().unwrap_or_else(|| {
        let me = std::env::current_exe().expect("current exe");
        me.with_file_name("cmdb")
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `cmdb serve` and waits until /healthz answers; returns the process and the time it took.
async fn start_server(args: &Args, database_url: &str) -> (ServerProcess, Duration) {
    let port = free_port();
    let started = Instant::now();
    let child = Command::new(cmdb_bin(args))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database-url", database_url])
        .env("CMDB_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot start {} (build it with cargo build --release): {e}", cmdb_bin(args).display())
        });
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{url}/healthz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            panic!("server did not become healthy");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    (ServerProcess { child, url }, started.elapsed())
}

async fn fresh_database(args: &Args, backend: &str, tag: &str) -> String {
    let suffix = format!("{}_{}", std::process::id(), tag);
    if backend == "sqlite" {
        let dir = std::env::temp_dir().join(format!("cmdb-bench-{suffix}"));
        let _ = std::fs::remove_dir_all(&dir);
        format!("sqlite://{}/cmdb.db", dir.display())
    } else {
        let name = format!("cmdb_bench_{suffix}");
        let status = Command::new("psql")
            .env("PGOPTIONS", "--client-min-messages=warning")
            .args([
                &args.pg_url,
                "-qc",
                &format!("DROP DATABASE IF EXISTS {name}"),
                "-c",
                &format!("CREATE DATABASE {name}"),
            ])
            .status()
            .expect("psql is needed for the PostgreSQL benchmark");
        assert!(status.success(), "cannot create the benchmark database");
        format!("{}/{name}", args.pg_url.rsplit_once('/').unwrap().0)
    }
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
}

impl Client {
    async fn call(&self, name: &str, body: &Value) -> Value {
        let r = self
            .http
            .post(format!("{}/api/c/compapi/v2/cc/{name}/", self.url))
            .header("X-Bkapi-Authorization", AUTH)
            .json(body)
            .send()
            .await
            .expect("request");
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["result"], true, "{name}: {v}");
        v["data"].clone()
    }
}

#[derive(Default)]
struct Samples(BTreeMap<&'static str, Vec<Duration>>);

impl Samples {
    fn merge(&mut self, other: Samples) {
        for (k, mut v) in other.0 {
            self.0.entry(k).or_default().append(&mut v);
        }
    }

    fn report(&mut self, backend: &str, workload: &str, elapsed: Duration, clients: usize) {
        for (endpoint, v) in self.0.iter_mut() {
            v.sort();
            let pct = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
            println!(
                "{backend:<9} {workload:<8} {endpoint:<26} clients={clients:<3} n={:<7} {:>9.1} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms",
                v.len(),
                v.len() as f64 / elapsed.as_secs_f64(),
                pct(0.50).as_secs_f64() * 1000.0,
                pct(0.99).as_secs_f64() * 1000.0,
            );
        }
    }
}

/// Each client: its own model; per iteration one `create_object_attribute` and one `search_objects`.
async fn model_workload(c: Client, client_no: usize, cls: String, until: Instant) -> Samples {
    let obj = format!("bench_{client_no}");
    c.call(
        "create_object",
        &json!({"bk_obj_id": obj, "bk_obj_name": obj, "bk_classification_id": cls, "bk_obj_icon": "icon-cc-default"}),
    )
    .await;
    let mut s = Samples::default();
    let mut i = 0u64;
    while Instant::now() < until {
        let prop = format!("f{i}");
        let t = Instant::now();
        c.call(
            "create_object_attribute",
            &json!({"bk_obj_id": obj, "bk_property_id": prop, "bk_property_name": prop, "bk_property_type": "int", "option": {"min": 0, "max": 1000}}),
        )
        .await;
        s.0.entry("create_object_attribute").or_default().push(t.elapsed());
        let t = Instant::now();
        c.call("search_objects", &json!({"bk_obj_id": obj})).await;
        s.0.entry("search_objects").or_default().push(t.elapsed());
        i += 1;
    }
    s
}

async fn run_backend(args: &Args, backend: &str) {
    let workloads: Vec<&str> = args.workload.split(',').map(str::trim).collect();
    if workloads.contains(&"startup") {
        let mut times = Vec::new();
        for round in 0..5 {
            let db = fresh_database(args, backend, &format!("startup{round}")).await;
            let (_server, took) = start_server(args, &db).await;
            times.push(took);
        }
        times.sort();
        println!(
            "{backend:<9} startup  empty store → healthy       runs=5   median {:>7.1} ms   max {:>7.1} ms",
            times[2].as_secs_f64() * 1000.0,
            times[4].as_secs_f64() * 1000.0
        );
    }
    if workloads.contains(&"model") {
        let db = fresh_database(args, backend, "model").await;
        let (server, _) = start_server(args, &db).await;
        let c = Client { http: reqwest::Client::new(), url: server.url.clone() };
        let cls = "benchcls".to_string();
        c.call("create_classification", &json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
        let started = Instant::now();
        let until = started + Duration::from_secs(args.seconds);
        let tasks: Vec<_> =
            (0..args.clients).map(|n| tokio::spawn(model_workload(c.clone(), n, cls.clone(), until))).collect();
        let mut all = Samples::default();
        for t in tasks {
            all.merge(t.await.unwrap());
        }
        all.report(backend, "model", started.elapsed(), args.clients);
    }
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    println!(
        "cmdb-bench: {} cores, clients={}, {} s per workload, server {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        args.clients,
        args.seconds,
        cmdb_bin(&args).display()
    );
    let backends: Vec<&str> = match args.backend.as_str() {
        "both" => vec!["sqlite", "postgres"],
        b => vec![b],
    };
    for b in backends {
        run_backend(&args, b).await;
    }
}
