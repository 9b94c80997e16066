//! Area `host` (hosts.md), on both backends: adding, editing, transfers (with "a failed transfer
//! left everything as it was"), queries, cloud areas, locks and agents.

mod common;

use common::{hosts_in, ip, new_biz, normal_module, unique, Server};
use serde_json::{json, Value};

async fn relations(s: &Server, hosts: &[i64]) -> Value {
    s.ok("find_host_biz_relations", json!({"bk_host_id": hosts})).await
}

fn modules_of(rels: &Value, host: i64) -> Vec<i64> {
    rels.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["bk_host_id"] == host)
        .map(|r| r["bk_module_id"].as_i64().unwrap())
        .collect()
}

both!(adding_hosts, |s| async move {
    // into the resource pool by index; the same IP again updates
    let (a, b) = (ip(), ip());
    let d = s
        .ok("add_host_to_resource", json!({"host_info": {"0": {"bk_host_innerip": a, "bk_host_name": "one"}, "1": {"bk_host_innerip": format!("{b},{}", ip()), "bk_cloud_id": 0}}}))
        .await;
    assert_eq!(d, json!({"success": ["0", "1"]}));
    let pool = s.ok("list_resource_pool_hosts", json!({"page": {"limit": 10}, "host_property_filter": {"condition": "AND", "rules": [{"field": "bk_host_innerip", "operator": "equal", "value": a}]}})).await;
    assert_eq!(pool["count"], 1);
    let host = pool["info"][0]["bk_host_id"].as_i64().unwrap();
    assert_eq!(pool["info"][0]["bk_host_name"], "one");
    assert_eq!(pool["info"][0]["bk_addressing"], "static");
    s.ok("add_host_to_resource", json!({"host_info": {"0": {"bk_host_innerip": a, "bk_host_name": "renamed"}}})).await;
    let again = s.ok("list_hosts_without_biz", json!({"page": {"limit": 10}, "host_property_filter": {"condition": "AND", "rules": [{"field": "bk_host_id", "operator": "equal", "value": host}]}})).await;
    assert_eq!(again["info"][0]["bk_host_name"], "renamed");
    let multi = s.ok("list_hosts_without_biz", json!({"page": {"limit": 10}, "fields": ["bk_host_innerip"], "host_property_filter": {"condition": "AND", "rules": [{"field": "bk_host_innerip", "operator": "equal", "value": b}]}})).await;
    assert!(multi["info"][0]["bk_host_innerip"].as_str().unwrap().starts_with(&format!("{b},")));

    // all-or-nothing with error lines
    let (good, other) = (ip(), ip());
    let with_ips = format!("host_key WHERE value IN ('{good}', '{other}')");
    let env = s
        .call("add_host_to_resource", json!({"host_info": {"0": {"bk_host_innerip": good}, "1": {"bk_host_innerip": "333.0.0.1"}, "2": {"bk_cloud_id": 0}, "3": {"bk_host_innerip": other, "bk_cloud_id": 77777}}}))
        .await;
    assert_eq!(env["code"], 1110004, "{env}");
    assert_eq!(env["data"]["error"].as_array().unwrap().len(), 3, "{env}");
    assert!(env["data"]["error"][0].as_str().unwrap().starts_with("1 line"));
    assert_eq!(s.count_rows(&with_ips).await, 0);
    s.fails("add_host_to_resource", json!({}), 1199010).await;
    s.fails(
        "add_host_to_resource",
        json!({"bk_biz_id": 987654321, "host_info": {"0": {"bk_host_innerip": ip()}}}),
        1101033,
    )
    .await;

    // resource pool rows: partial success
    let dup = ip();
    let env = s
        .call("add_host_to_resource_pool", json!({"host_info": [{"bk_host_innerip": dup, "bk_cloud_id": 0}, {"bk_host_innerip": dup, "bk_cloud_id": 0}, {"bk_host_innerip": ip()}]}))
        .await;
    assert_eq!(env["code"], 1110004, "{env}");
    assert_eq!(env["data"]["success"].as_array().unwrap().len(), 1);
    assert_eq!(env["data"]["error"][0]["index"], 1);
    assert_eq!(env["data"]["error"][1]["index"], 2);
    let ok =
        s.ok("add_host_to_resource_pool", json!({"host_info": [{"bk_host_innerip": ip(), "bk_cloud_id": 0}]})).await;
    assert_eq!(ok["success"][0]["index"], 0);
    assert!(ok.get("error").is_none());
    s.fails(
        "add_host_to_resource_pool",
        json!({"host_info": [{"bk_host_innerip": ip(), "bk_cloud_id": 0}], "directory": 987654321}),
        1110061,
    )
    .await;

    // a business' idle module; dynamic hosts may share an IP
    let (biz, _, internal) = new_biz(s).await;
    let shared = ip();
    let ids = s
        .ok("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": [{"bk_host_innerip": shared, "bk_cloud_id": 0, "bk_addressing": "dynamic"}, {"bk_host_innerip": shared, "bk_cloud_id": 0, "bk_addressing": "dynamic"}]}))
        .await["bk_host_ids"]
        .clone();
    let ids: Vec<i64> = ids.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let rels = relations(s, &ids).await;
    assert_eq!(modules_of(&rels, ids[0]), [internal[0]]);
    let idle_hosts = format!("module_host WHERE biz_id = {biz}");
    let before = s.count_rows(&idle_hosts).await;
    let one = |h: Value| json!({"bk_biz_id": biz, "bk_host_list": [h]});
    s.fails("add_host_to_business_idle", one(json!({"bk_cloud_id": 0, "bk_addressing": "static"})), 1199091).await;
    s.fails("add_host_to_business_idle", one(json!({"bk_host_innerip": ip(), "bk_addressing": "static"})), 1199006)
        .await;
    s.fails(
        "add_host_to_business_idle",
        one(json!({"bk_host_innerip": ip(), "bk_cloud_id": 0, "bk_addressing": "x"})),
        1199006,
    )
    .await;
    s.fails(
        "add_host_to_business_idle",
        one(json!({"bk_host_innerip": ip(), "bk_cloud_id": 77777, "bk_addressing": "static"})),
        1199006,
    )
    .await;
    s.fails(
        "add_host_to_business_idle",
        one(json!({"bk_host_innerip": a, "bk_cloud_id": 0, "bk_addressing": "static"})),
        1199014,
    )
    .await;
    s.fails("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": []}), 1199010).await;
    let many: Vec<Value> = (0..201).map(|_| json!({"bk_host_innerip": "1.1.1.1"})).collect();
    s.fails("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": many}), 1199035).await;
    assert_eq!(s.count_rows(&idle_hosts).await, before);
    // IPv6 is stored in full form
    let v6 = s
        .ok("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": [{"bk_host_innerip_v6": "fe80::1", "bk_cloud_id": 0, "bk_addressing": "static"}]}))
        .await;
    let h6 = v6["bk_host_ids"][0].as_i64().unwrap();
    let got = s.ok("list_biz_hosts", json!({"bk_biz_id": biz, "page": {"limit": 10}, "bk_module_ids": [internal[0]], "fields": ["bk_host_innerip_v6"], "host_property_filter": {"condition": "AND", "rules": [{"field": "bk_host_id", "operator": "equal", "value": h6}]}})).await;
    assert_eq!(got["info"][0]["bk_host_innerip_v6"], "fe80:0000:0000:0000:0000:0000:0000:0001");
});

both!(transfers, |s| async move {
    let (biz, _idle_set, internal) = new_biz(s).await;
    let (set_a, ma) = normal_module(s, biz).await;
    let (_set_b, mb) = normal_module(s, biz).await;
    let hosts = hosts_in(s, biz, 3).await;
    // replace
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": hosts, "bk_module_id": [ma]})).await;
    let rels = relations(s, &hosts).await;
    assert_eq!(modules_of(&rels, hosts[0]), [ma]);
    assert_eq!(rels[0]["bk_set_id"], set_a);
    // add
    s.ok(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]], "bk_module_id": [mb], "is_increment": true}),
    )
    .await;
    assert_eq!(modules_of(&relations(s, &hosts).await, hosts[0]), [ma, mb]);
    // failures change nothing
    let snapshot = relations(s, &hosts).await;
    let host_audits = format!(
        "audit_log WHERE resource_type = 'host' AND resource_id IN ('{}', '{}', '{}')",
        hosts[0], hosts[1], hosts[2]
    );
    let audits = s.count_rows(&host_audits).await;
    s.fails(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": hosts, "bk_module_id": [987654321]}),
        1101080,
    )
    .await;
    s.fails("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": [], "bk_module_id": [ma]}), 1199031).await;
    let m = s
        .fails(
            "transfer_host_module",
            json!({"bk_biz_id": biz, "bk_host_id": hosts, "bk_module_id": [internal[0]]}),
            1199002,
        )
        .await;
    assert!(!m.is_empty());
    s.fails(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[0], hosts[0]], "bk_module_id": [ma]}),
        1199002,
    )
    .await;
    s.fails(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[0], 987654321], "bk_module_id": [ma]}),
        1199002,
    )
    .await;
    let (other, _, _) = new_biz(s).await;
    let foreign = hosts_in(s, other, 1).await;
    s.fails(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[0], foreign[0]], "bk_module_id": [ma]}),
        1199002,
    )
    .await;
    assert_eq!(relations(s, &hosts).await, snapshot);
    assert_eq!(s.count_rows(&host_audits).await, audits);

    // internal modules
    s.ok("transfer_host_to_faultmodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]]})).await;
    assert_eq!(modules_of(&relations(s, &hosts).await, hosts[0]), [internal[1]]);
    s.ok("transfer_host_to_recyclemodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]]})).await;
    s.ok("transfer_host_to_idlemodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]]})).await;
    assert_eq!(modules_of(&relations(s, &hosts).await, hosts[0]), [internal[0]]);
    s.fails("transfer_host_to_idlemodule", json!({"bk_biz_id": biz, "bk_host_id": []}), 1199031).await;
    s.fails("transfer_host_to_faultmodule", json!({"bk_biz_id": 1, "bk_host_id": [hosts[0]]}), 1110030).await;
    s.fails("transfer_host_to_idlemodule", json!({"bk_biz_id": biz, "bk_host_id": [foreign[0]]}), 1113002).await;
    let audit = s.ok("list_operation_audit", json!({"condition": {"operation_time": {"start": "2000-01-01"}, "resource_type": "host", "resource_id": hosts[0], "action": ["transfer_host_module"]}, "page": {"limit": 10, "sort": "-id"}})).await;
    assert!(audit["count"].as_i64().unwrap() >= 4);

    // sets and modules with hosts cannot be deleted
    s.fails("delete_set", json!({"bk_biz_id": biz, "bk_set_id": set_a}), 1101030).await;

    // back to the resource pool and out again
    s.fails("transfer_host_to_resourcemodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[1]]}), 1110056).await;
    s.fails("transfer_host_to_resourcemodule", json!({"bk_biz_id": 1, "bk_host_id": [hosts[1]]}), 1110052).await;
    s.fails("transfer_host_to_resourcemodule", json!({"bk_biz_id": 0, "bk_host_id": [hosts[1]]}), 1110051).await;
    s.ok("transfer_host_to_resourcemodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]]})).await;
    let rels = relations(s, &[hosts[0]]).await;
    assert_eq!(rels[0]["bk_biz_id"], 1);
    s.fails("transfer_resourcehost_to_idlemodule", json!({"bk_biz_id": 987654321, "bk_host_id": [hosts[0]]}), 1199019)
        .await;
    s.fails("transfer_resourcehost_to_idlemodule", json!({"bk_biz_id": other, "bk_host_id": [hosts[1]]}), 1110056)
        .await;
    s.ok("transfer_resourcehost_to_idlemodule", json!({"bk_biz_id": other, "bk_host_id": [hosts[0]]})).await;
    assert_eq!(relations(s, &[hosts[0]]).await[0]["bk_biz_id"], other);
    // across businesses between internal sets
    let other_internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": other})).await;
    let other_fault = other_internal["module"][1]["bk_module_id"].as_i64().unwrap();
    s.fails(
        "transfer_host_across_biz",
        json!({"src_bk_biz_id": other, "dst_bk_biz_id": biz, "bk_module_id": ma, "bk_host_id": [hosts[0]]}),
        1199006,
    )
    .await;
    s.ok(
        "transfer_host_across_biz",
        json!({"src_bk_biz_id": other, "dst_bk_biz_id": biz, "bk_module_id": internal[2], "bk_host_id": [hosts[0]]}),
    )
    .await;
    assert_eq!(modules_of(&relations(s, &[hosts[0]]).await, hosts[0]), [internal[2]]);
    s.fails(
        "transfer_host_across_biz",
        json!({"src_bk_biz_id": biz, "dst_bk_biz_id": other, "bk_module_id": other_fault, "bk_host_id": [hosts[1]]}),
        1110056,
    )
    .await;
    // archived businesses refuse transfers
    let (arch, _, _) = new_biz(s).await;
    let arch_hosts = hosts_in(s, arch, 1).await;
    s.ok("transfer_host_to_resourcemodule", json!({"bk_biz_id": arch, "bk_host_id": arch_hosts})).await;
    s.ok("update_business_enable_status", json!({"bk_biz_id": arch, "flag": "disabled"})).await;
    s.fails("transfer_resourcehost_to_idlemodule", json!({"bk_biz_id": arch, "bk_host_id": arch_hosts}), 1110031).await;

    // emptying a module: hosts left without modules go to idle
    s.ok(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[1], hosts[2]], "bk_module_id": [ma, mb]}),
    )
    .await;
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": [hosts[2]], "bk_module_id": [ma]})).await;
    s.ok("transfer_sethost_to_idle_module", json!({"bk_biz_id": biz, "bk_module_id": ma})).await;
    let rels = relations(s, &hosts[1..]).await;
    assert_eq!(modules_of(&rels, hosts[1]), [mb]);
    assert_eq!(modules_of(&rels, hosts[2]), [internal[0]]);
    s.fails("transfer_sethost_to_idle_module", json!({"bk_biz_id": biz}), 1199010).await;
});

both!(editing_hosts, |s| async move {
    let (biz, _, internal) = new_biz(s).await;
    let hosts = hosts_in(s, biz, 2).await;
    let ids = format!("{},{}", hosts[0], hosts[1]);
    s.ok("update_host", json!({"bk_host_id": ids, "data": {"bk_host_name": "web", "bk_cloud_id": 5, "nonsense": 1}}))
        .await;
    let got = s
        .ok(
            "list_biz_hosts",
            json!({"bk_biz_id": biz, "page": {"limit": 10}, "fields": ["bk_host_name", "bk_cloud_id"]}),
        )
        .await;
    assert_eq!(got["info"][0]["bk_host_name"], "web");
    assert_eq!(got["info"][0]["bk_cloud_id"], 0);
    s.fails("update_host", json!({"bk_host_id": "1,x", "data": {}}), 1199006).await;
    s.fails("update_host", json!({"data": {}}), 1199011).await;
    s.fails("update_host", json!({"bk_host_id": hosts[0], "data": {"bk_cpu": "many"}}), 1199011).await;
    s.ok("batch_update_host", json!({"update": [{"bk_host_id": hosts[0], "properties": {"bk_cpu": 8}}, {"bk_host_id": hosts[1], "properties": {"bk_cpu": 4, "bk_comment": "x"}}]})).await;
    let cpu = s.ok("count_biz_host_cpu", json!({"bk_biz_id": biz})).await;
    assert_eq!(cpu, json!([{"bk_biz_id": biz, "host_count": 2, "cpu_count": 12, "no_cpu_host_count": 0}]));
    s.fails("count_biz_host_cpu", json!({}), 1199010).await;
    s.fails("count_biz_host_cpu", json!({"page": {"limit": 11}}), 1199059).await;
    let paged = s.ok("count_biz_host_cpu", json!({"page": {"start": 0, "limit": 2}})).await;
    assert_eq!(paged[0]["bk_biz_id"], 1);
    // clone
    s.ok("clone_host_property", json!({"bk_biz_id": biz, "bk_org_id": hosts[1], "bk_dst_id": hosts[0]})).await;
    let base = s.ok("get_host_base_info", json!({"bk_host_id": hosts[0]})).await;
    let comment = base.as_array().unwrap().iter().find(|a| a["bk_property_id"] == "bk_comment").unwrap();
    assert_eq!(comment["bk_property_value"], "x");
    assert_eq!(comment["bk_property_name"], "Comment");
    s.fails("clone_host_property", json!({"bk_biz_id": biz, "bk_org_id": hosts[1]}), 1199011).await;
    s.fails("clone_host_property", json!({"bk_biz_id": 1, "bk_org_id": hosts[1], "bk_dst_id": hosts[0]}), 1110024)
        .await;
    s.fails("get_host_base_info", json!({"bk_host_id": 987654321}), 1110008).await;
    // cloud area move, agents
    let cloud =
        s.ok("create_cloud_area", json!({"bk_cloud_name": unique("cloud")})).await["created"]["id"].as_i64().unwrap();
    assert!(cloud >= 2);
    s.ok("update_host_cloud_area_field", json!({"bk_host_ids": [hosts[0]], "bk_cloud_id": cloud})).await;
    s.fails("update_host_cloud_area_field", json!({"bk_host_ids": [hosts[1]], "bk_cloud_id": 90000001}), 1199011).await;
    s.fails("update_host_cloud_area_field", json!({"bk_host_ids": [987654321], "bk_cloud_id": cloud}), 1199006).await;
    s.fails("delete_cloud_area", json!({"bk_cloud_id": cloud}), 1101030).await;
    let agent = unique("agent");
    s.ok("bind_host_agent", json!({"list": [{"bk_host_id": hosts[0], "bk_agent_id": agent}]})).await;
    s.fails("bind_host_agent", json!({"list": [{"bk_host_id": hosts[1], "bk_agent_id": agent}]}), 1199014).await;
    s.fails("bind_host_agent", json!({"list": [{"bk_host_id": 987654321, "bk_agent_id": "z"}]}), 1110008).await;
    s.fails("unbind_host_agent", json!({"list": [{"bk_host_id": hosts[0], "bk_agent_id": "other"}]}), 1110008).await;
    s.ok("unbind_host_agent", json!({"list": [{"bk_host_id": hosts[0], "bk_agent_id": agent}]})).await;
    s.ok("bind_host_agent", json!({"list": [{"bk_host_id": hosts[1], "bk_agent_id": agent}]})).await;
    // locks
    s.ok("add_host_lock", json!({"id_list": [hosts[0]]})).await;
    let locks = s.ok("search_host_lock", json!({"id_list": [hosts[0], hosts[1]]})).await;
    assert_eq!(locks, json!({hosts[0].to_string(): true, hosts[1].to_string(): false}));
    s.fails("add_host_lock", json!({"id_list": [987654321]}), 1199011).await;
    s.ok("delete_host_lock", json!({"id_list": [hosts[0]]})).await;
    s.fails("search_host_lock", json!({"id_list": []}), 1199010).await;
    // delete: only from the resource pool
    s.fails("delete_host", json!({"bk_host_id": hosts[0].to_string()}), 1113002).await;
    s.ok("transfer_host_to_resourcemodule", json!({"bk_biz_id": biz, "bk_host_id": hosts})).await;
    s.ok("delete_host", json!({"bk_host_id": format!("{},{},987654321", hosts[0], hosts[1])})).await;
    assert!(relations(s, &hosts).await.as_array().unwrap().is_empty());
    assert_eq!(s.count_rows(&format!("host_key WHERE host_id IN ({}, {})", hosts[0], hosts[1])).await, 0);
    s.ok("delete_cloud_area", json!({"bk_cloud_id": cloud})).await;
    s.fails("delete_cloud_area", json!({"bk_cloud_id": 0}), 1110066).await;
    s.fails("update_cloud_area", json!({"bk_cloud_id": 0, "bk_cloud_name": "x"}), 1199076).await;
    let _ = internal;
});

both!(host_queries, |s| async move {
    let (biz, _, internal) = new_biz(s).await;
    let (set, m) = normal_module(s, biz).await;
    let hosts = hosts_in(s, biz, 4).await;
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": &hosts[..3], "bk_module_id": [m]})).await;
    let page = json!({"start": 0, "limit": 2});
    let listed = s
        .ok("list_biz_hosts", json!({"bk_biz_id": biz, "bk_module_ids": [m], "page": page, "fields": ["bk_host_id"]}))
        .await;
    assert_eq!(listed["count"], 3);
    assert_eq!(listed["info"], json!([{"bk_host_id": hosts[0]}, {"bk_host_id": hosts[1]}]));
    let by_cond = s.ok("list_biz_hosts", json!({"bk_biz_id": biz, "set_cond": [{"field": "bk_set_id", "operator": "$eq", "value": set}], "page": {"limit": 10}})).await;
    assert_eq!(by_cond["count"], 3);
    let none = s.ok("list_biz_hosts", json!({"bk_biz_id": biz, "module_cond": [{"field": "bk_module_name", "operator": "$eq", "value": "nope"}], "page": {"limit": 10}})).await;
    assert_eq!(none, json!({"count": 0, "info": []}));
    s.fails("list_biz_hosts", json!({"bk_biz_id": biz, "page": {"limit": 1001}}), 1199006).await;
    s.fails("list_biz_hosts", json!({"bk_biz_id": biz, "bk_set_ids": [set], "set_cond": [{"field": "bk_set_id", "operator": "$eq", "value": set}], "page": {"limit": 1}}), 1199006).await;
    let topo = s
        .ok("list_biz_hosts_topo", json!({"bk_biz_id": biz, "page": {"limit": 10}, "fields": ["bk_host_innerip"]}))
        .await;
    assert_eq!(topo["count"], 4);
    assert_eq!(topo["info"][0]["topo"][0]["bk_set_id"], set);
    assert_eq!(topo["info"][0]["topo"][0]["module"][0]["bk_module_id"], m);
    assert_eq!(topo["info"][3]["topo"][0]["module"][0]["bk_module_id"], internal[0]);
    s.fails("list_biz_hosts_topo", json!({"bk_biz_id": biz, "page": {"limit": 0}}), 1199010).await;
    s.fails("list_biz_hosts_topo", json!({"bk_biz_id": biz, "page": {"limit": 501}}), 1199035).await;
    let rel = s
        .ok(
            "find_host_topo_relation",
            json!({"bk_biz_id": biz, "bk_module_ids": [m], "page": {"start": 0, "limit": 2}}),
        )
        .await;
    assert_eq!(rel["count"], 3);
    assert_eq!(rel["data"].as_array().unwrap().len(), 2);
    s.fails("find_host_topo_relation", json!({"page": {"limit": 2}}), 1199005).await;
    let mh = s.ok("find_module_host_relation", json!({"bk_biz_id": biz, "bk_module_ids": [m], "module_fields": ["bk_module_id"], "host_fields": ["bk_host_id"], "page": {"limit": 10}})).await;
    assert_eq!(mh["count"], 3);
    assert_eq!(mh["relation"][0]["modules"], json!([{"bk_module_id": m}]));
    let by_topo = s.ok("find_host_by_topo", json!({"bk_biz_id": biz, "bk_obj_id": "set", "bk_inst_id": set, "fields": ["bk_host_id"], "page": {"limit": 10}})).await;
    assert_eq!(by_topo["count"], 3);
    s.fails("find_host_by_topo", json!({"bk_biz_id": biz, "bk_obj_id": "biz", "bk_inst_id": biz, "fields": ["bk_host_id"], "page": {"limit": 10}}), 1199006).await;
    let with_topo = s.ok("find_host_relations_with_topo", json!({"bk_biz_id": biz, "bk_obj_id": "module", "bk_inst_ids": [m], "fields": ["bk_host_id"], "page": {"limit": 10}})).await;
    assert_eq!(with_topo["count"], 3);
    assert_eq!(with_topo["info"][0], json!({"bk_host_id": hosts[0]}));
    s.fails("find_host_biz_relations", json!({"bk_host_id": []}), 1199089).await;
    let loc = s.ok("search_hostidentifier", json!({"ip": {"data": ["0.0.0.9"]}})).await;
    assert_eq!(loc, json!({"count": 0, "info": []}));
    s.fails("push_host_identifier", json!({"bk_host_ids": [hosts[0]]}), 1103011).await;
    assert_eq!(s.ok("search_cost_info_relation", json!({})).await, json!([]));
    assert_eq!(
        s.ok("find_host_snapshot_batch", json!({"bk_ids": [hosts[0]], "fields": ["bk_host_id"]})).await,
        json!([])
    );
    let clouds = s
        .call_with("search_cloud_area", json!({"condition": {"bk_cloud_id": 90000001}}), &[("Blueking-Language", "en")])
        .await;
    assert_eq!(clouds["data"]["info"][0]["bk_cloud_name"], "Unassigned Area");
});

both!(hosts_with_paths, |s| async move {
    let (biz, idle_set, internal) = new_biz(s).await;
    let (set, m) = normal_module(s, biz).await;
    let (_, m2) = normal_module(s, biz).await;
    let hosts = hosts_in(s, biz, 2).await;
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]], "bk_module_id": [m, m2]})).await;
    let filter = json!({"condition": "AND", "rules": [{"field": "bk_host_id", "operator": "in", "value": hosts}]});
    let detail = s
        .ok(
            "list_host_detail_topology",
            json!({"page": {"limit": 10}, "fields": ["bk_host_id"], "host_property_filter": filter, "with_biz": true}),
        )
        .await;
    assert_eq!(detail["count"], 2);
    let t0 = &detail["info"][0]["topo"];
    assert_eq!(t0[0]["inst"]["obj"], "biz");
    assert_eq!(t0[0]["children"].as_array().unwrap().len(), 2, "two sets under the business: {t0}");
    assert_eq!(
        t0[0]["children"][0]["inst"],
        json!({"obj": "set", "name": t0[0]["children"][0]["inst"]["name"], "id": set})
    );
    assert_eq!(t0[0]["children"][0]["children"][0]["inst"]["id"], m);
    assert_eq!(t0[0]["children"][0]["children"][0]["children"], Value::Null);
    let t1 = &detail["info"][1]["topo"];
    let no_biz = s
        .ok(
            "list_host_detail_topology",
            json!({"page": {"limit": 10}, "fields": ["bk_host_id"], "host_property_filter": filter}),
        )
        .await;
    assert_eq!(no_biz["info"][1]["topo"][0]["inst"]["id"], idle_set);
    assert_eq!(t1[0]["children"][0]["children"][0]["inst"]["id"], internal[0]);
    s.fails("list_host_detail_topology", json!({"page": {"limit": 10}, "fields": []}), 1199006).await;
    s.fails("list_host_detail_topology", json!({"page": {"limit": 501}, "fields": ["bk_host_id"]}), 1199006).await;

    let total = s
        .ok("list_host_total_mainline_topo", json!({"bk_biz_id": biz, "page": {"limit": 10}, "fields": ["bk_host_id"], "module_property_filter": {"condition": "AND", "rules": [{"field": "bk_module_id", "operator": "equal", "value": m2}]}}))
        .await;
    assert_eq!(total["count"], 1);
    assert_eq!(total["info"][0]["host"]["bk_host_id"], hosts[0]);
    assert_eq!(total["info"][0]["topo"][0]["inst"]["obj"], "set");
    let none = s
        .ok("list_host_total_mainline_topo", json!({"bk_biz_id": biz, "page": {"limit": 10}, "set_property_filter": {"condition": "AND", "rules": [{"field": "bk_set_name", "operator": "equal", "value": "nope"}]}}))
        .await;
    assert_eq!(none, json!({"count": 0, "info": []}));
    s.fails("list_host_total_mainline_topo", json!({"bk_biz_id": biz, "page": {"limit": 0}}), 1199010).await;
    s.fails("list_host_total_mainline_topo", json!({"bk_biz_id": biz, "page": {"limit": 501}}), 1199035).await;
});

both!(install_bk, |s| async move {
    // set and module in the built-in business 蓝鲸 (id 2)
    let set_name = unique("bkset");
    let set = s.ok("create_set", json!({"bk_biz_id": 2, "data": {"bk_set_name": set_name}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    let mod_name = unique("bkmod");
    let m = s
        .ok(
            "create_module",
            json!({"bk_biz_id": 2, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": mod_name}}),
        )
        .await["bk_module_id"]
        .as_i64()
        .unwrap();
    let addr = ip();
    let body = json!({"bk_set_name": set_name, "bk_module_name": mod_name, "bk_host_innerip": addr, "host_info": {"bk_host_name": "bk1"}});
    assert_eq!(s.ok("host_install_bk", body.clone()).await, json!(""));
    let found = s.ok("list_biz_hosts", json!({"bk_biz_id": 2, "bk_module_ids": [m], "page": {"limit": 10}, "fields": ["bk_host_id", "bk_host_name"]})).await;
    assert_eq!(found["count"], 1);
    assert_eq!(found["info"][0]["bk_host_name"], "bk1");
    let mut again = body.clone();
    again["host_info"] = json!({"bk_host_name": "bk2"});
    s.ok("host_install_bk", again).await;
    let found = s
        .ok(
            "list_biz_hosts",
            json!({"bk_biz_id": 2, "bk_module_ids": [m], "page": {"limit": 10}, "fields": ["bk_host_name"]}),
        )
        .await;
    assert_eq!(found["info"][0]["bk_host_name"], "bk2");
    // proc_info updates the processes of the host's service instances there, matched by bk_func_name
    let host = s
        .ok(
            "list_biz_hosts",
            json!({"bk_biz_id": 2, "bk_module_ids": [m], "page": {"limit": 10}, "fields": ["bk_host_id"]}),
        )
        .await["info"][0]["bk_host_id"]
        .clone();
    let si = s
        .ok(
            "create_service_instance",
            json!({"bk_biz_id": 2, "bk_module_id": m, "instances": [{"bk_host_id": host,
        "processes": [{"process_info": {"bk_func_name": "gse_agent", "bk_process_name": "agent", "proc_num": 1}}]}]}),
        )
        .await;
    let mut with_procs = body.clone();
    with_procs["proc_info"] = json!({"gse_agent": {"proc_num": 4, "bk_func_name": "renamed", "bk_process_name": "x"}, "unknown": {"proc_num": 9}});
    s.ok("host_install_bk", with_procs).await;
    let procs = s.ok("list_process_instance", json!({"bk_biz_id": 2, "service_instance_id": si[0]})).await;
    assert_eq!(procs[0]["property"]["proc_num"], 4);
    assert_eq!(procs[0]["property"]["bk_func_name"], "gse_agent");
    assert_eq!(procs[0]["property"]["bk_process_name"], "agent");
    s.fails(
        "host_install_bk",
        json!({"bk_set_name": set_name, "bk_module_name": "nope", "bk_host_innerip": ip()}),
        1199078,
    )
    .await;
    s.fails("host_install_bk", json!({"bk_set_name": set_name, "bk_module_name": mod_name}), 1199010).await;
    s.fails(
        "host_install_bk",
        json!({"bk_set_name": set_name, "bk_module_name": mod_name, "bk_host_innerip": ip(), "bk_cloud_id": 77777}),
        1101032,
    )
    .await;
    // a host of another business is refused
    let (biz, _, _) = new_biz(s).await;
    let foreign = ip();
    s.ok("add_host_to_business_idle", json!({"bk_biz_id": biz, "bk_host_list": [{"bk_host_innerip": foreign, "bk_cloud_id": 0, "bk_addressing": "static"}]})).await;
    s.fails(
        "host_install_bk",
        json!({"bk_set_name": set_name, "bk_module_name": mod_name, "bk_host_innerip": foreign}),
        1110023,
    )
    .await;
});
