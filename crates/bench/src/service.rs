//! The `service` workload (service-and-process.md): 20,000 service instances in one business,
//! made by transferring hosts into template modules, then
//! - `create_service_instance` with 100 instances × 3 processes in one request (module without
//!   template, processes from `process_info`, as the seed; and once on a template module),
//! - `list_service_instance_detail` pages of 500 (1.3 MB each: timed until the body arrived, and
//!   separately including this client's JSON decoding),
//! - `sync_service_template_to_service_instance` of a template used by 2,000 instances after one
//!   of its process templates changed, timed until the task reports `finished`.

use super::{fresh_database, host_ip, start_server, Args, Client, Samples};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// A process template spec with name and func locked and one bind row.
fn spec(name: &str, port: u32) -> Value {
    json!({"spec": {
        "bk_process_name": {"value": name, "as_default_value": true},
        "bk_func_name": {"value": name, "as_default_value": true},
        "user": {"value": "root", "as_default_value": true},
        "proc_num": {"value": 1, "as_default_value": false},
        "bind_info": {"value": [{"ip": {"value": "3", "as_default_value": true}, "port": {"value": port.to_string(), "as_default_value": false},
            "protocol": {"value": "1", "as_default_value": true}, "enable": {"value": true, "as_default_value": false}}], "as_default_value": true}
    }})
}

/// A service template with three process templates; returns (template, process template ids).
async fn template(c: &Client, biz: i64, category: i64, name: &str) -> (i64, Vec<i64>) {
    let t = c
        .call("create_service_template", &json!({"bk_biz_id": biz, "name": name, "service_category_id": category}))
        .await["id"]
        .as_i64()
        .unwrap();
    let procs = json!([spec("nginx", 80), spec("php-fpm", 9000), spec("agent", 7000)]);
    let ids = c
        .call("batch_create_proc_template", &json!({"bk_biz_id": biz, "service_template_id": t, "processes": procs}))
        .await;
    (t, ids.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect())
}

async fn module(c: &Client, biz: i64, set: i64, name: &str, template: i64) -> i64 {
    let data = json!({"bk_parent_id": set, "bk_module_name": name, "service_template_id": template});
    c.call("create_module", &json!({"bk_biz_id": biz, "bk_set_id": set, "data": data})).await["bk_module_id"]
        .as_i64()
        .unwrap()
}

/// Adds `n` hosts to the business' idle module; on a fresh database their ids are `first..first+n`
/// in load order.
async fn add_hosts(c: &Client, biz: i64, first: usize, n: usize) -> Vec<i64> {
    let mut added = 0;
    for chunk in (0..n).collect::<Vec<_>>().chunks(10_000) {
        let mut info = serde_json::Map::new();
        for (k, i) in chunk.iter().enumerate() {
            info.insert(
                k.to_string(),
                json!({"bk_host_innerip": host_ip(first + i), "bk_host_name": format!("h{}", first + i)}),
            );
        }
        let d = c.call("add_host_to_resource", &json!({"bk_biz_id": biz, "host_info": info})).await;
        added += d["success"].as_array().map(Vec::len).unwrap_or(0);
    }
    assert_eq!(added, n, "hosts added");
    (first as i64..(first + n) as i64).collect()
}

async fn transfer(c: &Client, biz: i64, hosts: &[i64], module: i64, auto: bool) {
    for part in hosts.chunks(1000) {
        let body =
            json!({"bk_biz_id": biz, "bk_host_id": part, "bk_module_id": [module], "disable_auto_create": !auto});
        c.call("transfer_host_module", &body).await;
    }
}

async fn hosts_of_module(c: &Client, biz: i64, module: i64) -> Vec<i64> {
    let d = c
        .call("list_biz_hosts", &json!({"bk_biz_id": biz, "bk_module_ids": [module], "fields": ["bk_host_id"], "page": {"start": 0, "limit": 500}}))
        .await;
    d["info"].as_array().unwrap().iter().map(|h| h["bk_host_id"].as_i64().unwrap()).collect()
}

pub(crate) async fn run_service(args: &Args, backend: &str) {
    let db = fresh_database(args, backend, "service").await;
    let (server, _) = start_server(args, &db).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(600)).build().unwrap();
    let c = Client { http, url: server.url.clone() };
    let biz = c
        .call("create_business", &json!({"data": {"bk_biz_name": "bench-svc", "bk_biz_maintainer": "bench", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await["bk_biz_id"]
        .as_i64()
        .unwrap();
    let cats = c.call("list_service_category", &json!({"bk_biz_id": biz})).await;
    let category =
        cats["info"].as_array().unwrap().iter().find(|x| x["name"] == "Mysql").unwrap()["id"].as_i64().unwrap();
    let set = c.call("create_set", &json!({"bk_biz_id": biz, "data": {"bk_set_name": "svc"}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    let (synced, synced_procs) = template(&c, biz, category, "synced").await;
    let (bulk, _) = template(&c, biz, category, "bulk").await;
    let (fresh, _) = template(&c, biz, category, "fresh").await;
    let m_sync = module(&c, biz, set, "synced", synced).await;
    let m_bulk = module(&c, biz, set, "bulk", bulk).await;
    let m_fresh = module(&c, biz, set, "fresh", fresh).await;
    let m_free = c
        .call(
            "create_module",
            &json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": "free"}}),
        )
        .await["bk_module_id"]
        .as_i64()
        .unwrap();

    // 20,000 instances: 2,000 of the template to sync, 18,000 of another, made by transfers.
    let hosts = add_hosts(&c, biz, 1, 20_200).await;
    let t = Instant::now();
    transfer(&c, biz, &hosts[..2_000], m_sync, true).await;
    transfer(&c, biz, &hosts[2_000..20_000], m_bulk, true).await;
    let made = t.elapsed();
    println!(
        "{backend:<9} service  20,000 hosts into template modules (1,000 per transfer, 3 processes each): {:.1} s",
        made.as_secs_f64()
    );
    let spare = &hosts[20_000..];
    transfer(&c, biz, &spare[..100], m_free, true).await;
    transfer(&c, biz, &spare[100..200], m_fresh, false).await;

    let mut s = Samples::default();
    // create_service_instance: 100 instances × 3 processes, module without template (the seed's form).
    let free_hosts = hosts_of_module(&c, biz, m_free).await;
    for round in 0..20 {
        let instances: Vec<Value> = free_hosts
            .iter()
            .map(|h| {
                let processes: Vec<Value> = (0..3)
                    .map(|p| json!({"process_template_id": 0, "process_info": {
                        "bk_func_name": format!("f{p}"), "bk_process_name": format!("p{p}-{round}"), "proc_num": 1,
                        "bind_info": [{"ip": "127.0.0.1", "port": format!("{}", 8000 + p), "protocol": "1", "enable": true}]}}))
                    .collect();
                json!({"bk_host_id": h, "processes": processes})
            })
            .collect();
        let t = Instant::now();
        let ids = c
            .call("create_service_instance", &json!({"bk_biz_id": biz, "bk_module_id": m_free, "instances": instances}))
            .await;
        s.0.entry("create_service_instance(100×3)").or_default().push(t.elapsed());
        assert_eq!(ids.as_array().unwrap().len(), 100);
    }
    let fresh_hosts = hosts_of_module(&c, biz, m_fresh).await;
    let instances: Vec<Value> = fresh_hosts.iter().map(|h| json!({"bk_host_id": h})).collect();
    let t = Instant::now();
    c.call("create_service_instance", &json!({"bk_biz_id": biz, "bk_module_id": m_fresh, "instances": instances}))
        .await;
    s.0.entry("create_service_instance(template, 100×3)").or_default().push(t.elapsed());

    // detail pages of 500 over the 22,100 instances of the business
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let mut i = 0usize;
    while Instant::now() < until {
        let body = json!({"bk_biz_id": biz, "page": {"start": (i % 40) * 500, "limit": 500}});
        let t = Instant::now();
        let (d, received) = c.call_timed("list_service_instance_detail", &body).await;
        s.0.entry("list_service_instance_detail(500)").or_default().push(received);
        s.0.entry("  …including client decoding").or_default().push(t.elapsed());
        assert_eq!(d["info"].as_array().unwrap().len(), 500);
        i += 1;
    }

    // sync after changing a locked field of one process template
    for round in 0..3 {
        let user = format!("svc{round}");
        let prop = json!({"user": {"value": user, "as_default_value": true}});
        c.call("update_proc_template", &json!({"process_template_id": synced_procs[0], "process_property": prop}))
            .await;
        let t = Instant::now();
        c.call(
            "sync_service_template_to_service_instance",
            &json!({"bk_biz_id": biz, "service_template_id": synced, "bk_module_ids": [m_sync]}),
        )
        .await;
        loop {
            let st = c
                .call(
                    "list_service_template_sync_status",
                    &json!({"bk_biz_id": biz, "service_template_id": synced, "bk_module_ids": [m_sync]}),
                )
                .await;
            match st[0]["status"].as_str() {
                Some("finished") => break,
                Some("failure") => panic!("sync failed"),
                _ => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
        s.0.entry("sync 2,000 instances").or_default().push(t.elapsed());
        let filter = json!({"condition": "AND", "rules": [{"field": "user", "operator": "equal", "value": user}]});
        let found = c
            .call(
                "search_process_instances",
                &json!({"bk_biz_id": biz, "filter": filter, "fields": ["bk_process_id"], "page": {"limit": 1}}),
            )
            .await;
        assert_eq!(found["count"], 2_000, "every instance synced");
    }
    s.report(backend, "service", Duration::from_secs(args.seconds), 1);
    println!("{backend:<9} service  server RSS: {:.0} MiB", super::rss_mib(server.child.id()));
}
