//! cmdb-bench: fixed, seeded workloads against a real `cmdb` server process on each backend,
//! printing throughput and p50/p99 latency per endpoint.
//!
//!   cargo build --release --workspace && target/release/cmdb-bench [--backend sqlite|postgres|both]
//!       [--clients 8] [--seconds 10] [--workload startup,model]

mod service;

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
    /// Comma-separated workloads: startup, model, instances, topology, watch, audit, hosts, service.
    #[arg(long, default_value = "startup,model,instances,topology,watch,audit,hosts,service")]
    workload: String,
    /// Instances loaded before the search workload.
    #[arg(long, default_value_t = 100_000)]
    instances: usize,
    /// Hosts spread over the modules of the topology workload's business.
    #[arg(long, default_value_t = 50_000)]
    hosts: usize,
    /// Hosts loaded by the hosts workload (in requests of 10,000).
    #[arg(long, default_value_t = 100_000)]
    load_hosts: usize,
    /// Idle long-polling watchers connected during the watch workload.
    #[arg(long, default_value_t = 100)]
    idle_watchers: usize,
    /// Audit records loaded before the audit workload.
    #[arg(long, default_value_t = 1_000_000)]
    audits: usize,
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
        self.call_timed(name, body).await.0
    }

    /// `call`, also returning the time until the whole response body arrived (before the
    /// client decodes it): for large answers, decoding in this client is not server latency.
    async fn call_timed(&self, name: &str, body: &Value) -> (Value, Duration) {
        let t = Instant::now();
        let r = self
            .http
            .post(format!("{}/api/c/compapi/v2/cc/{name}/", self.url))
            .header("X-Bkapi-Authorization", AUTH)
            .json(body)
            .send()
            .await
            .expect("request");
        let bytes = r.bytes().await.expect("body");
        let received = t.elapsed();
        let v: Value = serde_json::from_slice(&bytes).expect("json");
        assert_eq!(v["result"], true, "{name}: {v}");
        (v["data"].clone(), received)
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

/// The instance model: 10 attributes besides bk_inst_name.
async fn instance_model(c: &Client) -> &'static str {
    let obj = "benchhost";
    c.call(
        "create_classification",
        &json!({"bk_classification_id": "benchinst", "bk_classification_name": "benchinst"}),
    )
    .await;
    c.call(
        "create_object",
        &json!({"bk_obj_id": obj, "bk_obj_name": obj, "bk_classification_id": "benchinst", "bk_obj_icon": "i"}),
    )
    .await;
    let enum_opt = json!([{"id": "a", "name": "A", "type": "text", "is_default": true}, {"id": "b", "name": "B", "type": "text", "is_default": false}]);
    let attrs = [
        ("region", "singlechar", Value::Null),
        ("zone", "singlechar", Value::Null),
        ("owner", "singlechar", Value::Null),
        ("serial", "singlechar", Value::Null),
        ("cpu", "int", json!({"min": 0, "max": 1024})),
        ("mem", "int", json!({"min": 0, "max": 1048576})),
        ("disk", "int", json!({"min": 0, "max": 1048576})),
        ("tier", "enum", enum_opt),
        ("active", "bool", Value::Null),
        ("comment", "longchar", Value::Null),
    ];
    for (id, ty, option) in attrs {
        let mut a = json!({"bk_obj_id": obj, "bk_property_id": id, "bk_property_name": id, "bk_property_type": ty, "editable": true});
        if !option.is_null() {
            a["option"] = option;
        }
        c.call("create_object_attribute", &a).await;
    }
    obj
}

/// A deterministic instance body: `region` takes one of 100 values, so 1% of instances share one.
fn instance_body(obj: &str, n: u64) -> Value {
    json!({
        "bk_obj_id": obj, "bk_inst_name": format!("host-{n:08}"), "region": format!("region-{:03}", n % 100),
        "zone": format!("zone-{}", n % 7), "owner": "admin", "serial": format!("SN{n:010}"), "cpu": (n % 64) as i64,
        "mem": ((n * 37) % 65536) as i64, "disk": ((n * 101) % 100000) as i64, "tier": if n % 2 == 0 { "a" } else { "b" },
        "active": n % 3 != 0, "comment": "benchmark instance",
    })
}

async fn create_workload(c: Client, obj: &'static str, client_no: u64, stride: u64, until: Instant) -> (Samples, u64) {
    let mut s = Samples::default();
    let mut n = client_no;
    let mut done = 0;
    while Instant::now() < until {
        let t = Instant::now();
        c.call("create_inst", &instance_body(obj, n)).await;
        s.0.entry("create_inst").or_default().push(t.elapsed());
        n += stride;
        done += 1;
    }
    (s, done)
}

/// Loads `total` instances with `clients` concurrent batch_create_inst callers (200 per call).
async fn load_instances(c: &Client, obj: &'static str, from: u64, total: u64, clients: u64) {
    let per = total.div_ceil(clients);
    let tasks: Vec<_> = (0..clients)
        .map(|k| {
            let c = c.clone();
            tokio::spawn(async move {
                let (start, end) = (from + k * per, (from + (k + 1) * per).min(from + total));
                let mut n = start;
                while n < end {
                    let batch: Vec<Value> = (n..(n + 200).min(end)).map(|i| instance_body(obj, i)).collect();
                    n += batch.len() as u64;
                    c.call("batch_create_inst", &json!({"bk_obj_id": obj, "details": batch})).await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

async fn search_workload(c: Client, obj: &'static str, client_no: usize, until: Instant, total: u64) -> Samples {
    let mut s = Samples::default();
    let mut i = client_no as u64;
    while Instant::now() < until {
        let name = format!("host-{:08}", (i * 7919) % total);
        let region = format!("region-{:03}", i % 100);
        let page = json!({"start": 0, "limit": 500});
        let by_name = json!({"bk_obj_id": obj, "conditions": {"field": "bk_inst_name", "operator": "equal", "value": name}, "page": page});
        let t = Instant::now();
        c.call("search_object_instances", &by_name).await;
        s.0.entry("search(bk_inst_name)").or_default().push(t.elapsed());
        let by_attr = json!({"bk_obj_id": obj, "conditions": {"field": "region", "operator": "equal", "value": region}, "page": page});
        let t = Instant::now();
        c.call("search_object_instances", &by_attr).await;
        s.0.entry("search(region)").or_default().push(t.elapsed());
        let count = json!({"bk_obj_id": obj, "conditions": {"field": "region", "operator": "equal", "value": region}});
        let t = Instant::now();
        c.call("count_object_instances", &count).await;
        s.0.entry("count(region)").or_default().push(t.elapsed());
        i += 1;
    }
    s
}

/// A business of 10 sets × 100 modules, built through the API.
async fn build_topology(c: &Client) -> (i64, Vec<(i64, i64)>) {
    let biz = c
        .call("create_business", &json!({"data": {"bk_biz_name": "bench-biz", "bk_biz_maintainer": "bench", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await["bk_biz_id"]
        .as_i64()
        .unwrap();
    let mut modules = Vec::new();
    for s in 0..10 {
        let set = c
            .call("create_set", &json!({"bk_biz_id": biz, "data": {"bk_set_name": format!("set-{s:02}")}}))
            .await["bk_set_id"]
            .as_i64()
            .unwrap();
        let tasks: Vec<_> = (0..100)
            .map(|m| {
                let c = c.clone();
                tokio::spawn(async move {
                    let body = json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": format!("module-{m:03}")}});
                    c.call("create_module", &body).await["bk_module_id"].as_i64().unwrap()
                })
            })
            .collect();
        for t in tasks {
            modules.push((set, t.await.unwrap()));
        }
    }
    (biz, modules)
}

/// Hosts and their module relations, written straight into the store: the hosts area has no
/// endpoints yet. Host ids start at 1, round-robin over the modules.
async fn seed_hosts(db: &str, biz: i64, modules: &[(i64, i64)], hosts: usize) {
    let store = cmdb_store::Store::connect(db, &Default::default()).await.expect("open the store");
    let mut tx = store.begin().await.expect("begin");
    for h in 1..=hosts as i64 {
        let doc = json!({
            "bk_host_id": h, "bk_obj_id": "host", "bk_supplier_account": "0", "bk_cloud_id": 0,
            "bk_host_innerip": format!("10.{}.{}.{}", h >> 16 & 255, h >> 8 & 255, h & 255), "bk_host_name": format!("host-{h}"),
        });
        tx.insert_doc(cmdb_store::Kind::Instance, &doc).await.expect("host");
        let (set, module) = modules[(h as usize - 1) % modules.len()];
        let rel = cmdb_store::topo::HostRelation { host: h, module, set, biz };
        tx.insert_host_relation(rel, "0").await.expect("relation");
    }
    tx.commit().await.expect("commit");
}

/// One client reading the topology of the business for `seconds`.
async fn topology_workload(c: Client, biz: i64, modules: Vec<(i64, i64)>, until: Instant) -> Samples {
    let mut s = Samples::default();
    let nodes: Vec<Value> =
        modules.iter().step_by(2).take(500).map(|(_, m)| json!({"bk_obj_id": "module", "bk_inst_id": m})).collect();
    let paths = json!({"bk_biz_id": biz, "bk_nodes": nodes});
    while Instant::now() < until {
        for (name, body) in [
            ("search_biz_inst_topo", json!({"bk_biz_id": biz})),
            ("get_biz_brief_cache_topo", json!({"bk_biz_id": biz})),
            ("find_topo_node_paths(500)", paths.clone()),
        ] {
            let endpoint = name.split('(').next().unwrap();
            let t = Instant::now();
            c.call(endpoint, &body).await;
            s.0.entry(name).or_default().push(t.elapsed());
        }
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
    if workloads.contains(&"instances") {
        let db = fresh_database(args, backend, "instances").await;
        let (server, _) = start_server(args, &db).await;
        let c = Client { http: reqwest::Client::new(), url: server.url.clone() };
        let obj = instance_model(&c).await;
        // create_inst with N clients
        let started = Instant::now();
        let until = started + Duration::from_secs(args.seconds);
        let stride = args.clients as u64;
        let tasks: Vec<_> =
            (0..stride).map(|k| tokio::spawn(create_workload(c.clone(), obj, k, stride, until))).collect();
        let mut all = Samples::default();
        let mut created = 0;
        for t in tasks {
            let (s, n) = t.await.unwrap();
            all.merge(s);
            created = created.max(n * stride);
        }
        all.report(backend, "instances", started.elapsed(), args.clients);
        // top up to the search population, then search
        let total = args.instances as u64;
        let have: u64 = c.call("count_object_instances", &json!({"bk_obj_id": obj})).await["count"].as_u64().unwrap();
        if have < total {
            let t = Instant::now();
            load_instances(&c, obj, created + 1_000_000, total - have, 4).await;
            println!(
                "{backend:<9} load     {} instances via batch_create_inst in {:.1} s",
                total - have,
                t.elapsed().as_secs_f64()
            );
        }
        // Searches with one client (latency alone), then with N (under load).
        for clients in [1, args.clients] {
            let started = Instant::now();
            let until = started + Duration::from_secs(args.seconds);
            let tasks: Vec<_> =
                (0..clients).map(|n| tokio::spawn(search_workload(c.clone(), obj, n, until, total))).collect();
            let mut all = Samples::default();
            for t in tasks {
                all.merge(t.await.unwrap());
            }
            all.report(backend, &format!("search@{}k", total / 1000), started.elapsed(), clients);
        }
    }
}

async fn run_topology(args: &Args, backend: &str) {
    let db = fresh_database(args, backend, "topology").await;
    let (server, _) = start_server(args, &db).await;
    let c = Client { http: reqwest::Client::new(), url: server.url.clone() };
    let t = Instant::now();
    let (biz, modules) = build_topology(&c).await;
    seed_hosts(&db, biz, &modules, args.hosts).await;
    println!(
        "{backend:<9} load     1 business, 10 sets x 100 modules (API), {} hosts (store) in {:.1} s",
        args.hosts,
        t.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut all = topology_workload(c.clone(), biz, modules.clone(), until).await;
    all.report(backend, "topology", started.elapsed(), 1);
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let tasks: Vec<_> =
        (0..args.clients).map(|_| tokio::spawn(topology_workload(c.clone(), biz, modules.clone(), until))).collect();
    let mut all = Samples::default();
    for t in tasks {
        all.merge(t.await.unwrap());
    }
    all.report(backend, "topology", started.elapsed(), args.clients);
}

fn host_ip(i: usize) -> String {
    format!("10.{}.{}.{}", i >> 16 & 255, i >> 8 & 255, i & 255)
}

/// Resident memory of a process, in MiB (Linux).
fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// Hosts at scale: 100,000 hosts added through add_host_to_resource (10,000 per request) into a
/// business of 10 sets × 100 modules, spread over the 1,000 modules with transfer_host_module;
/// then transfers of 400 hosts and the host lists the issue names.
async fn run_hosts(args: &Args, backend: &str) {
    let db = fresh_database(args, backend, "hosts").await;
    let (server, _) = start_server(args, &db).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().unwrap();
    let c = Client { http, url: server.url.clone() };
    let (biz, modules) = build_topology(&c).await;
    let total = args.load_hosts;
    let batch = 10_000.min(total);
    let started = Instant::now();
    let mut first = Duration::ZERO;
    for chunk in 0..total.div_ceil(batch) {
        let mut info = serde_json::Map::new();
        for i in chunk * batch..((chunk + 1) * batch).min(total) {
            info.insert(
                (i - chunk * batch).to_string(),
                json!({"bk_host_innerip": host_ip(i + 1), "bk_host_name": format!("h{i}"), "bk_cpu": 8}),
            );
        }
        let t = Instant::now();
        c.call("add_host_to_resource", &json!({"bk_biz_id": biz, "host_info": info})).await;
        if chunk == 0 {
            first = t.elapsed();
        }
    }
    let load = started.elapsed();
    println!("{backend:<9} hosts    add_host_to_resource {batch} hosts in one request: {:.2} s", first.as_secs_f64());
    println!("{backend:<9} hosts    loaded {total} hosts in requests of {batch}: {:.1} s", load.as_secs_f64());
    // Host ids are 1..=total in load order: host i goes to module (i-1) % 1000.
    let t = Instant::now();
    for (k, (_, m)) in modules.iter().enumerate() {
        let ids: Vec<usize> = (k + 1..=total).step_by(modules.len()).collect();
        for part in ids.chunks(1000) {
            c.call("transfer_host_module", &json!({"bk_biz_id": biz, "bk_host_id": part, "bk_module_id": [m]})).await;
        }
    }
    println!("{backend:<9} hosts    spread over {} modules in {:.1} s", modules.len(), t.elapsed().as_secs_f64());
    let mut s = Samples::default();
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut i = 0usize;
    while Instant::now() < until {
        let k = i % modules.len();
        let m = modules[k].1;
        let host = k + 1 + modules.len() * (i % 50);
        let filter = json!({"condition": "AND", "rules": [{"field": "bk_host_innerip", "operator": "equal", "value": host_ip(host)}]});
        let body = json!({"bk_biz_id": biz, "bk_module_ids": [m], "host_property_filter": filter, "page": {"start": 0, "limit": 500}});
        let t = Instant::now();
        let d = c.call("list_biz_hosts", &body).await;
        s.0.entry("list_biz_hosts(module+ip)").or_default().push(t.elapsed());
        assert_eq!(d["count"], 1);
        let count_body = json!({"bk_biz_id": biz, "bk_module_ids": [m], "host_property_filter": filter, "page": {"start": 0, "limit": 1}});
        let t = Instant::now();
        c.call("list_biz_hosts", &count_body).await;
        s.0.entry("list_biz_hosts(count, limit 1)").or_default().push(t.elapsed());
        let t = Instant::now();
        let d =
            c.call("list_biz_hosts", &json!({"bk_biz_id": biz, "page": {"start": (i % 100) * 500, "limit": 1}})).await;
        s.0.entry("list_biz_hosts(whole biz, limit 1)").or_default().push(t.elapsed());
        assert_eq!(d["count"], total);
        let t = Instant::now();
        let d = c.call("list_biz_hosts_topo", &json!({"bk_biz_id": biz, "page": {"start": 0, "limit": 500}})).await;
        s.0.entry("list_biz_hosts_topo(first 500)").or_default().push(t.elapsed());
        assert_eq!(d["info"].as_array().unwrap().len(), 500);
        let t = Instant::now();
        let d = c
            .call("list_biz_hosts_topo", &json!({"bk_biz_id": biz, "page": {"start": (i % 100) * 500, "limit": 500}}))
            .await;
        s.0.entry("list_biz_hosts_topo(any 500)").or_default().push(t.elapsed());
        assert_eq!(d["info"].as_array().unwrap().len(), 500);
        // 400 hosts (the second half of 8 modules' hosts, which the lists above never ask for)
        // move to the next module; lists keep finding their hosts where they were loaded.
        let to = modules[(k + 1) % modules.len()].1;
        let four: Vec<usize> = (0..8)
            .flat_map(|d| (50..100).map(move |j| (k + d) % 1000 + 1 + 1000 * j))
            .filter(|h| *h <= total)
            .collect();
        if !four.is_empty() {
            let t = Instant::now();
            c.call("transfer_host_module", &json!({"bk_biz_id": biz, "bk_host_id": four, "bk_module_id": [to]})).await;
            s.0.entry("transfer_host_module(400 hosts)").or_default().push(t.elapsed());
        }
        i += 1;
    }
    s.report(backend, "hosts@100k", Duration::from_secs(args.seconds), 1);
    let pid = server.child.id();
    println!("{backend:<9} hosts    server RSS with {total} hosts loaded: {:.0} MiB", rss_mib(pid));
}

const NO_EVENT: &str = "MQ0xDTVlYTZkM2YzOTRjMWY1ZDk4NmU5YmQ4Ng1ub0V2ZW50DTENMQ==";

/// Watch latency: a writer creates an instance every 20 ms; one watcher follows the model's
/// events; `idle` more watchers long-poll a resource nobody writes. Latency is from the start of
/// the write request (so it includes the write itself) to the watcher holding the event.
async fn run_watch(args: &Args, backend: &str) {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let db = fresh_database(args, backend, "watch").await;
    let (server, _) = start_server(args, &db).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    let c = Client { http, url: server.url.clone() };
    c.call(
        "create_classification",
        &json!({"bk_classification_id": "benchwatch", "bk_classification_name": "benchwatch"}),
    )
    .await;
    c.call("create_object", &json!({"bk_obj_id": "benchwatched", "bk_obj_name": "benchwatched", "bk_classification_id": "benchwatch", "bk_obj_icon": "i"})).await;
    let stop = Arc::new(AtomicBool::new(false));
    let idle: Vec<_> = (0..args.idle_watchers)
        .map(|_| {
            let (c, stop) = (c.clone(), stop.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    c.call("resource_watch", &json!({"bk_resource": "plat", "bk_cursor": NO_EVENT})).await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Default::default();
    let watcher = {
        let (c, sent, stop) = (c.clone(), sent.clone(), stop.clone());
        tokio::spawn(async move {
            let mut s = Samples::default();
            let mut cursor = NO_EVENT.to_string();
            while !stop.load(Ordering::SeqCst) {
                let body = json!({"bk_resource": "object_instance", "bk_cursor": cursor, "bk_filter": {"bk_sub_resource": "benchwatched"}});
                let data = c.call("resource_watch", &body).await;
                let now = Instant::now();
                let events = data["bk_events"].as_array().unwrap();
                if data["bk_watched"] == true {
                    for e in events {
                        let name = e["bk_detail"]["bk_inst_name"].as_str().unwrap_or_default().to_string();
                        if let Some(t) = sent.lock().unwrap().remove(&name) {
                            s.0.entry("write start → watcher").or_default().push(now - t);
                        }
                    }
                }
                cursor = events.last().unwrap()["bk_cursor"].as_str().unwrap().to_string();
            }
            s
        })
    };
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let mut i = 0;
    while Instant::now() < until {
        let name = format!("w{i}");
        sent.lock().unwrap().insert(name.clone(), Instant::now());
        c.call("create_inst", &json!({"bk_obj_id": "benchwatched", "bk_inst_name": name})).await;
        i += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    // one more write releases the measuring watcher from its long poll
    c.call("create_inst", &json!({"bk_obj_id": "benchwatched", "bk_inst_name": "last"})).await;
    let mut samples = watcher.await.unwrap();
    samples.report(backend, "watch", started.elapsed(), args.idle_watchers);
    for t in idle {
        t.abort();
    }
}

/// Audit records written straight into the store by one generating statement: 10 resource
/// types, 50 users, 20 businesses, spread evenly over the last 30 days.
async fn seed_audits(db: &str, backend: &str, n: usize) {
    let store = cmdb_store::Store::connect(db, &Default::default()).await.expect("open the store");
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
        - 30 * 86_400_000;
    let step = 30 * 86_400_000 / n as i64;
    let types = "CASE i % 10 WHEN 0 THEN 'host' WHEN 1 THEN 'set' WHEN 2 THEN 'module' WHEN 3 THEN 'business' \
        WHEN 4 THEN 'model_instance' WHEN 5 THEN 'service_instance' WHEN 6 THEN 'biz_set' WHEN 7 THEN 'model' \
        WHEN 8 THEN 'cloud_area' ELSE 'dynamic_group' END";
    let audit_types = "CASE i % 10 WHEN 0 THEN 'host' WHEN 3 THEN 'business' WHEN 4 THEN 'model_instance' \
        WHEN 6 THEN 'biz_set' WHEN 7 THEN 'model' WHEN 8 THEN 'cloud_resource' WHEN 9 THEN 'dynamic_grouping' \
        ELSE 'business_resource' END";
    let actions = "CASE i % 3 WHEN 0 THEN 'create' WHEN 1 THEN 'update' ELSE 'delete' END";
    let sql = if backend == "sqlite" {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}), \
             r AS (SELECT i, {types} AS rt, {audit_types} AS at, {actions} AS act, {start} + i * {step} AS ms FROM n) \
             INSERT INTO audit_log (supplier, audit_type, resource_type, action, biz_id, resource_id, op_time, username, doc) \
             SELECT '0', at, rt, act, i % 20, CAST(i AS TEXT), ms, 'user' || (i % 50), json_object(\
             'audit_type', at, 'bk_supplier_account', '0', 'user', 'user' || (i % 50), 'resource_type', rt, \
             'action', act, 'operate_from', 'user', 'operation_detail', json_object('details', json_object(\
             'pre_data', NULL, 'cur_data', json_object('id', i), 'update_fields', NULL), 'bk_obj_id', rt), \
             'operation_time', strftime('%Y-%m-%d %H:%M:%S', ms / 1000, 'unixepoch', 'localtime'), '_op_ms', ms, \
             'bk_biz_id', i % 20, 'resource_id', i, 'resource_name', 'name-' || i, 'extend_resource_name', '') FROM r"
        )
    } else {
        format!(
            "INSERT INTO audit_log (supplier, audit_type, resource_type, action, biz_id, resource_id, op_time, username, doc) \
             SELECT '0', at, rt, act, i % 20, i::text, ms, 'user' || (i % 50), jsonb_build_object(\
             'audit_type', at, 'bk_supplier_account', '0', 'user', 'user' || (i % 50), 'resource_type', rt, \
             'action', act, 'operate_from', 'user', 'operation_detail', jsonb_build_object('details', jsonb_build_object(\
             'pre_data', NULL, 'cur_data', jsonb_build_object('id', i), 'update_fields', NULL), 'bk_obj_id', rt), \
             'operation_time', to_char(to_timestamp(ms / 1000.0), 'YYYY-MM-DD HH24:MI:SS'), '_op_ms', ms, \
             'bk_biz_id', i % 20, 'resource_id', i, 'resource_name', 'name-' || i, 'extend_resource_name', '') \
             FROM (SELECT i, {types} AS rt, {audit_types} AS at, {actions} AS act, {start}::bigint + i::bigint * {step} AS ms \
             FROM generate_series(1, {n}) AS i) r"
        )
    };
    let mut tx = store.begin().await.expect("begin");
    tx.execute(&sql, &[]).await.expect("audit records");
    tx.commit().await.expect("commit");
    if backend == "postgres" {
        // What autovacuum does to a bulk-loaded table (statistics, visibility map): without it
        // the first queries cannot use index-only scans.
        let status = Command::new("psql")
            .args([db, "-qc", "VACUUM ANALYZE audit_log"])
            .status()
            .expect("psql is needed for the PostgreSQL benchmark");
        assert!(status.success(), "VACUUM ANALYZE failed");
    }
}

/// list_operation_audit over the seeded records: one day of one resource type, page 200.
async fn run_audit(args: &Args, backend: &str) {
    let db = fresh_database(args, backend, "audit").await;
    let (server, _) = start_server(args, &db).await;
    let t = Instant::now();
    seed_audits(&db, backend, args.audits).await;
    println!("{backend:<9} load     {} audit records (store) in {:.1} s", args.audits, t.elapsed().as_secs_f64());
    let c = Client { http: reqwest::Client::new(), url: server.url.clone() };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for clients in [1, args.clients] {
        let started = Instant::now();
        let until = started + Duration::from_secs(args.seconds);
        let tasks: Vec<_> = (0..clients)
            .map(|k| {
                let c = c.clone();
                tokio::spawn(async move {
                    let mut s = Samples::default();
                    let mut i = k as i64;
                    let types = ["host", "set", "module", "business", "model_instance"];
                    while Instant::now() < until {
                        let day_start = now - (1 + i % 28) * 86_400;
                        let range = json!({"start": fmt_epoch(day_start), "end": fmt_epoch(day_start + 86_400)});
                        let rt = types[i as usize % types.len()];
                        for (name, sort) in [("list_operation_audit(1 day)", ""), ("list_operation_audit(1 day, -time)", "-operation_time")] {
                            let body = json!({"condition": {"operation_time": range, "resource_type": rt}, "page": {"start": 0, "limit": 200, "sort": sort}});
                            let t = Instant::now();
                            let d = c.call("list_operation_audit", &body).await;
                            s.0.entry(name).or_default().push(t.elapsed());
                            assert_eq!(d["info"].as_array().unwrap().len(), 200);
                        }
                        i += 1;
                    }
                    s
                })
            })
            .collect();
        let mut all = Samples::default();
        for t in tasks {
            all.merge(t.await.unwrap());
        }
        all.report(backend, &format!("audit@{}k", args.audits / 1000), started.elapsed(), clients);
    }
}

/// RFC 3339 in UTC of epoch seconds (list_operation_audit takes it like local times).
fn fmt_epoch(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
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
        let wants = |name: &str| args.workload.split(',').any(|w| w.trim() == name);
        if wants("topology") {
            run_topology(&args, b).await;
        }
        if wants("watch") {
            run_watch(&args, b).await;
        }
        if wants("audit") {
            run_audit(&args, b).await;
        }
        if wants("hosts") {
            run_hosts(&args, b).await;
        }
        if wants("service") {
            service::run_service(&args, b).await;
        }
    }
}
