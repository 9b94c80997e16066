//! Area `service-process` (service-and-process.md), on both backends: categories, service /
//! process / set templates, service instances (the `create_service_instance` seed), processes,
//! labels, the host-transfer side effects and template synchronisation.

mod common;

use common::{hosts_in, new_biz, normal_module, unique, Server};
use serde_json::{json, Value};

both!(service_categories, |s| async move {
    let b = s
        .ok("create_business", json!({"data": {"bk_biz_name": unique("sc"), "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await;
    let biz = b["bk_biz_id"].as_i64().unwrap();
    let root = s.ok("create_service_category", json!({"bk_biz_id": biz, "name": "web-tier"})).await;
    let root_id = root["id"].as_i64().unwrap();
    assert_eq!(root["bk_root_id"], root_id);
    assert_eq!(root["bk_parent_id"], 0);
    assert_eq!(root["is_built_in"], false);
    let child = s
        .ok("create_service_category", json!({"bk_biz_id": biz, "name": "nginx(edge)", "bk_parent_id": root_id}))
        .await;
    let child_id = child["id"].as_i64().unwrap();
    assert_eq!(child["bk_root_id"], root_id);
    let cats_of_biz = format!("service_category WHERE biz_id = {biz}");
    let before = s.count_rows(&cats_of_biz).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "web-tier"}), 1113017).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "Mysql", "bk_parent_id": root_id}), 1113017)
        .await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "a b"}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "x".repeat(129)}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": 987654321, "name": "ok"}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "ok", "bk_parent_id": 987654321}), 1199006)
        .await;
    assert_eq!(s.count_rows(&cats_of_biz).await, before);

    let list = s.ok("list_service_category", json!({"bk_biz_id": biz})).await;
    let names: Vec<&str> = list["info"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"web-tier") && names.contains(&"Default"));
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(names, sorted);
    assert_eq!(list["count"], names.len());

    let renamed =
        s.ok("update_service_category", json!({"id": child_id, "name": "nginx-edge", "bk_biz_id": biz})).await;
    assert_eq!(renamed["name"], "nginx-edge");
    s.fails("update_service_category", json!({"id": 1, "name": "x"}), 1199054).await;
    s.fails("update_service_category", json!({"id": 987654321, "name": "x"}), 1199019).await;
    s.fails("update_service_category", json!({"id": child_id, "name": "bad name"}), 1199006).await;

    // a category in use by a module, or with children, stays
    let set = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": unique("s")}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    s.ok("create_module", json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": "m", "service_category_id": child_id}})).await;
    s.fails("delete_service_category", json!({"id": child_id}), 1199056).await;
    s.fails("delete_service_category", json!({"id": root_id}), 1199055).await;
    s.fails("delete_service_category", json!({"id": 987654321}), 1199019).await;
    let other =
        s.ok("create_service_category", json!({"bk_biz_id": biz, "name": "spare"})).await["id"].as_i64().unwrap();
    let leaf = s.ok("create_service_category", json!({"bk_biz_id": biz, "name": "leafy", "bk_parent_id": other})).await
        ["id"]
        .as_i64()
        .unwrap();
    let tpl = s
        .ok("create_service_template", json!({"bk_biz_id": biz, "name": unique("t"), "service_category_id": leaf}))
        .await;
    s.fails("delete_service_category", json!({"id": leaf}), 1199056).await;
    s.ok("delete_service_template", json!({"bk_biz_id": biz, "service_template_id": tpl["id"]})).await;
    s.ok("delete_service_category", json!({"id": leaf})).await;
    s.ok("delete_service_category", json!({"id": other, "bk_biz_id": biz})).await;
    assert_eq!(s.count_rows(&format!("service_category WHERE id = {other}")).await, 0);
});

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

/// The second-level preset category `Default` › `Default` (a leaf).
async fn leaf_category(s: &Server, biz: i64) -> i64 {
    let list = s.ok("list_service_category", json!({"bk_biz_id": biz})).await;
    let info = list["info"].as_array().unwrap();
    info.iter().find(|c| c["name"] == "Mysql").unwrap()["id"].as_i64().unwrap()
}

async fn new_template(s: &Server, biz: i64) -> (i64, String) {
    let name = unique("tpl");
    let t = s
        .ok(
            "create_service_template",
            json!({"bk_biz_id": biz, "name": name, "service_category_id": leaf_category(s, biz).await}),
        )
        .await;
    (t["id"].as_i64().unwrap(), name)
}

/// A process template spec: name and func locked, port 80 on the host's first inner IP.
fn spec(name: &str, port: &str) -> Value {
    json!({"spec": {
        "bk_process_name": {"value": name, "as_default_value": true},
        "bk_func_name": {"value": format!("{name}-bin"), "as_default_value": true},
        "proc_num": {"value": 2, "as_default_value": false},
        "user": {"value": "root", "as_default_value": true},
        "bind_info": {"value": [{"ip": {"value": "3", "as_default_value": true}, "port": {"value": port, "as_default_value": false},
            "protocol": {"value": "1", "as_default_value": true}, "enable": {"value": true, "as_default_value": false}}],
            "as_default_value": true}
    }})
}

/// Module of a fresh set bound to `template`.
async fn template_module(s: &Server, biz: i64, template: i64) -> (i64, i64) {
    let set = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": unique("s")}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    let m = s
        .ok("create_module", json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": "ignored", "service_template_id": template}}))
        .await;
    (set, m["bk_module_id"].as_i64().unwrap())
}

both!(service_and_process_templates, |s| async move {
    let (biz, _, _) = new_biz(s).await;
    let leaf = leaf_category(s, biz).await;
    let name = unique("tpl");
    let t = s.ok("create_service_template", json!({"bk_biz_id": biz, "name": name, "service_category_id": leaf})).await;
    let tid = t["id"].as_i64().unwrap();
    assert_eq!(t["host_apply_enabled"], false);
    assert_eq!(t["creator"], "admin");
    let templates_of_biz = format!("service_template WHERE biz_id = {biz}");
    let before = s.count_rows(&templates_of_biz).await;
    s.fails("create_service_template", json!({"bk_biz_id": biz, "name": name, "service_category_id": leaf}), 1199014)
        .await;
    s.fails("create_service_template", json!({"bk_biz_id": biz, "name": "a/b", "service_category_id": leaf}), 1199006)
        .await;
    s.fails("create_service_template", json!({"bk_biz_id": biz, "name": "x", "service_category_id": 1}), 1113032).await;
    s.fails("create_service_template", json!({"bk_biz_id": biz, "name": "x", "service_category_id": 987654}), 1199006)
        .await;
    s.fails("create_service_template", json!({"bk_biz_id": 987654, "name": "x", "service_category_id": leaf}), 1199006)
        .await;
    assert_eq!(s.count_rows(&templates_of_biz).await, before);
    assert_eq!(s.ok("get_service_template", json!({"service_template_id": tid})).await["name"], name);
    s.fails("get_service_template", json!({"service_template_id": 987654}), 1199019).await;
    let list = s
        .ok(
            "list_service_template",
            json!({"bk_biz_id": biz, "search": name.to_uppercase(), "page": {"start": 0, "limit": 10}}),
        )
        .await;
    assert_eq!(list["count"], 1);
    s.fails("list_service_template", json!({"bk_biz_id": biz, "page": {"start": 0, "limit": 0}}), 1199059).await;
    let cats = s.ok("list_service_category", json!({"bk_biz_id": biz})).await;
    let root = cats["info"].as_array().unwrap().iter().find(|c| c["id"] == leaf).unwrap()["bk_parent_id"].clone();
    let by_root = s
        .ok("list_service_template", json!({"bk_biz_id": biz, "service_category_id": root, "page": {"limit": 10}}))
        .await;
    assert!(by_root["info"].as_array().unwrap().iter().any(|x| x["id"] == tid), "descendant categories match");

    // process templates
    let ids = s.ok("batch_create_proc_template", json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [spec("nginx", "80"), spec("php", "9000")]})).await;
    let ids: Vec<i64> = ids.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let p = s.ok("get_proc_template", json!({"process_template_id": ids[0]})).await;
    assert_eq!(p["bk_process_name"], "nginx");
    assert_eq!(p["property"]["bind_info"]["value"][0]["row_id"], 1);
    assert_eq!(p["property"]["timeout"], json!({"value": null, "as_default_value": false}));
    let process_templates_of = format!("process_template WHERE template_id = {tid}");
    let before = s.count_rows(&process_templates_of).await;
    s.fails(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [spec("redis", "81"), spec("nginx", "82")]}),
        1113019,
    )
    .await;
    let mut bad = spec("bad", "0");
    s.fails(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [bad.clone()]}),
        1199006,
    )
    .await;
    bad["spec"]["bind_info"]["value"][0]["port"]["value"] = json!("80");
    bad["spec"]["bind_info"]["value"][0]["ip"]["value"] = json!("5");
    let msg = s
        .fails(
            "batch_create_proc_template",
            json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [bad]}),
            1199006,
        )
        .await;
    assert!(msg.contains("bind_info[0].(ip and protocol)"), "{msg}");
    let mut spaced = spec("sp", "83");
    spaced["spec"]["user"]["value"] = json!(" root");
    s.fails(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [spaced]}),
        1199998,
    )
    .await;
    s.fails(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz + 1, "service_template_id": tid, "processes": [spec("q", "84")]}),
        1199006,
    )
    .await;
    s.fails(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": 0, "processes": [spec("q", "84")]}),
        1199006,
    )
    .await;
    assert_eq!(s.count_rows(&process_templates_of).await, before);
    assert_eq!(
        s.ok("batch_create_proc_template", json!({"bk_biz_id": biz, "service_template_id": 0, "processes": []})).await,
        json!([])
    );

    let up = s.ok("update_proc_template", json!({"bk_biz_id": biz, "process_template_id": ids[0], "process_property": {"timeout": {"value": 30, "as_default_value": true}, "bk_func_name": {"value": "ignored"}}})).await;
    assert_eq!(up["property"]["timeout"]["value"], 30);
    assert_eq!(up["property"]["bk_func_name"]["value"], "nginx-bin");
    s.fails(
        "update_proc_template",
        json!({"process_template_id": ids[0], "process_property": {"bk_process_name": {"value": "php"}}}),
        1113019,
    )
    .await;
    s.fails("update_proc_template", json!({"process_template_id": 0, "process_property": {}}), 1199003).await;
    s.fails("update_proc_template", json!({"process_template_id": 987654}), 1199003).await;
    s.fails("update_proc_template", json!({"process_template_id": 987654, "process_property": {}}), 1199019).await;
    let listed = s.ok("list_proc_template", json!({"bk_biz_id": biz, "service_template_id": tid})).await;
    assert_eq!(listed["count"], 2);
    assert_eq!(listed["info"][0]["id"], ids[1], "default sort is -id");
    s.fails("list_proc_template", json!({"bk_biz_id": biz}), 1199006).await;
    s.fails("list_proc_template", json!({"bk_biz_id": 0, "service_template_id": tid}), 1199006).await;

    // renaming the template renames its modules
    let (_, module) = template_module(s, biz, tid).await;
    let m = s.ok("search_module", json!({"bk_biz_id": biz, "condition": {"bk_module_id": module}})).await;
    assert_eq!(m["info"][0]["bk_module_name"], name);
    let new_name = unique("renamed");
    s.ok("update_service_template", json!({"id": tid, "bk_biz_id": biz, "name": new_name})).await;
    let m = s.ok("search_module", json!({"bk_biz_id": biz, "condition": {"bk_module_id": module}})).await;
    assert_eq!(m["info"][0]["bk_module_name"], new_name);
    s.fails("update_service_template", json!({"id": 987654, "name": "x"}), 1199019).await;
    // a template in use stays
    s.fails("delete_service_template", json!({"bk_biz_id": biz, "service_template_id": tid}), 1108030).await;
    s.fails("delete_service_template", json!({"bk_biz_id": biz, "service_template_id": 987654}), 1108030).await;
    s.fails("delete_proc_template", json!({"bk_biz_id": biz, "process_templates": [987654]}), 1108014).await;
    s.fails("delete_proc_template", json!({"bk_biz_id": biz, "process_templates": []}), 1199010).await;
    s.ok("delete_proc_template", json!({"bk_biz_id": biz, "process_templates": [ids[1]]})).await;
    let (spare, _) = new_template(s, biz).await;
    s.ok(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": spare, "processes": [spec("x", "80")]}),
    )
    .await;
    s.ok("delete_service_template", json!({"bk_biz_id": biz, "service_template_id": spare})).await;
    assert_eq!(s.count_rows(&format!("process_template WHERE template_id = {spare}")).await, 0);
});

both!(set_templates, |s| async move {
    let (biz, _, _) = new_biz(s).await;
    let (t1, n1) = new_template(s, biz).await;
    let (t2, n2) = new_template(s, biz).await;
    let name = unique("st");
    let st =
        s.ok("create_set_template", json!({"bk_biz_id": biz, "name": name, "service_template_ids": [t1, t1]})).await;
    let sid = st["id"].as_i64().unwrap();
    assert!(st.get("version").is_none());
    s.fails("create_set_template", json!({"bk_biz_id": biz, "name": name, "service_template_ids": [t1]}), 1199014)
        .await;
    s.fails("create_set_template", json!({"bk_biz_id": biz, "name": "x", "service_template_ids": []}), 1199010).await;
    s.fails("create_set_template", json!({"bk_biz_id": biz, "name": "x", "service_template_ids": [987654]}), 1199006)
        .await;
    s.fails("create_set_template", json!({"bk_biz_id": biz, "name": "a:b", "service_template_ids": [t1]}), 1199006)
        .await;
    let related =
        s.ok("list_set_template_related_service_template", json!({"bk_biz_id": biz, "set_template_id": sid})).await;
    assert_eq!(related.as_array().unwrap().len(), 1);
    // a set made from it gets one module per service template
    let set = s
        .ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": unique("s"), "set_template_id": sid}}))
        .await;
    let set_id = set["bk_set_id"].as_i64().unwrap();
    assert_eq!(set["set_template_id"], sid);
    let mods = s.ok("search_module", json!({"bk_biz_id": biz, "bk_set_id": set_id, "condition": {}})).await;
    assert_eq!(mods["count"], 1);
    assert_eq!(mods["info"][0]["bk_module_name"], n1);
    assert_eq!(mods["info"][0]["service_template_id"], t1);
    assert_eq!(mods["info"][0]["set_template_id"], sid);
    // update adds a member; sync adds its module
    s.fails("update_set_template", json!({"bk_biz_id": biz, "set_template_id": sid}), 1199005).await;
    s.fails("update_set_template", json!({"bk_biz_id": biz, "set_template_id": 987654, "name": "x"}), 1199019).await;
    s.ok("update_set_template", json!({"bk_biz_id": biz, "set_template_id": sid, "service_template_ids": [t1, t2]}))
        .await;
    s.fails(
        "sync_set_template_to_set",
        json!({"bk_biz_id": biz, "set_template_id": sid, "bk_set_ids": [987654]}),
        1101011,
    )
    .await;
    s.fails("sync_set_template_to_set", json!({"bk_biz_id": biz, "set_template_id": sid, "bk_set_ids": []}), 1199010)
        .await;
    s.ok("sync_set_template_to_set", json!({"bk_biz_id": biz, "set_template_id": sid, "bk_set_ids": [set_id]})).await;
    let mut names = vec![];
    for _ in 0..100 {
        let mods = s.ok("search_module", json!({"bk_biz_id": biz, "bk_set_id": set_id, "condition": {}})).await;
        names = mods["info"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["bk_module_name"].as_str().unwrap().to_string())
            .collect();
        if names.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    names.sort();
    let mut want = vec![n1.clone(), n2.clone()];
    want.sort();
    assert_eq!(names, want);
    let list = s.ok("list_set_template", json!({"bk_biz_id": biz})).await;
    assert_eq!(list["count"], 1);
    s.fails("list_set_template", json!({"bk_biz_id": biz, "page": {"limit": 1001}}), 1199059).await;
    s.fails("delete_set_template", json!({"bk_biz_id": biz, "set_template_ids": [sid]}), 1199056).await;
    let by_set_template = json!({"bk_biz_id": biz, "set_template_id": sid, "page": {"start": 0, "limit": 10}});
    assert_eq!(
        s.ok("list_service_instance_by_set_template", by_set_template.clone()).await,
        json!({"count": 0, "info": []})
    );
    s.fails(
        "list_service_instance_by_set_template",
        json!({"bk_biz_id": biz, "set_template_id": 0, "page": {"limit": 10}}),
        1199008,
    )
    .await;
    s.fails(
        "list_service_instance_by_set_template",
        json!({"bk_biz_id": biz, "set_template_id": sid, "page": {"limit": 0}}),
        1199059,
    )
    .await;
    let hosts = s.ok("find_host_by_set_template", json!({"bk_biz_id": biz, "bk_set_template_ids": [sid], "fields": ["bk_host_id"], "page": {"start": 0, "limit": 10}})).await;
    assert_eq!(hosts, json!({"count": 0, "info": null}));
    // a host entering the set's module of t1 gets an instance, listed by set template
    s.ok(
        "batch_create_proc_template",
        json!({"bk_biz_id": biz, "service_template_id": t1, "processes": [spec("web", "80")]}),
    )
    .await;
    let m1 = mods["info"][0]["bk_module_id"].as_i64().unwrap();
    let host = hosts_in(s, biz, 1).await;
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": host, "bk_module_id": [m1]})).await;
    let listed = s.ok("list_service_instance_by_set_template", by_set_template).await;
    assert_eq!(listed["count"], 1);
    assert_eq!(listed["info"][0]["bk_host_id"], host[0]);
    let found = s.ok("find_host_by_set_template", json!({"bk_biz_id": biz, "bk_set_template_ids": [sid], "fields": ["bk_host_id"], "page": {"start": 0, "limit": 10}})).await;
    assert_eq!(found, json!({"count": 1, "info": [{"bk_host_id": host[0]}]}));
    let other = s
        .ok("create_set_template", json!({"bk_biz_id": biz, "name": unique("st"), "service_template_ids": [t2]}))
        .await;
    s.ok("delete_set_template", json!({"bk_biz_id": biz, "set_template_ids": [other["id"]]})).await;
    assert_eq!(s.count_rows(&format!("set_template WHERE id = {}", other["id"])).await, 0);
});

// The seed: a module without template, processes from `process_info`, as the document sends it.
both!(create_service_instance_seed, |s| async move {
    let (biz, _, _) = new_biz(s).await;
    let (_, module) = normal_module(s, biz).await;
    let hosts = hosts_in(s, biz, 2).await;
    s.ok(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": hosts, "bk_module_id": [module], "is_increment": false}),
    )
    .await;
    let body = json!({
        "bk_biz_id": biz, "bk_module_id": module,
        "instances": [{"bk_host_id": hosts[0], "processes": [{"process_template_id": 1, "process_info": {
            "bk_supplier_account": "0",
            "bind_info": [{"enable": false, "ip": "127.0.0.1", "port": "80", "protocol": "1", "template_row_id": 1234}],
            "description": "", "start_cmd": "", "restart_cmd": "", "pid_file": "", "auto_start": false, "timeout": 30,
            "auto_time_gap": 60, "reload_cmd": "", "bk_func_name": "java", "work_path": "/data/bkee", "stop_cmd": "",
            "face_stop_cmd": "", "port": "8008,8443", "bk_process_name": "job_java", "user": "", "proc_num": 1,
            "priority": 1, "bk_biz_id": 2, "bk_func_id": "", "bk_process_id": 1}}]}]
    });
    let ids = s.ok("create_service_instance", body.clone()).await;
    let si = ids[0].as_i64().unwrap();
    let detail = s
        .ok(
            "list_service_instance_detail",
            json!({"bk_biz_id": biz, "service_instance_ids": [si], "page": {"start": 0, "limit": 10}}),
        )
        .await;
    let inst = &detail["info"][0];
    let ip = s.ok("get_host_base_info", json!({"bk_host_id": hosts[0]})).await;
    let ip = ip.as_array().unwrap().iter().find(|p| p["bk_property_id"] == "bk_host_innerip").unwrap()
        ["bk_property_value"]
        .clone();
    assert_eq!(inst["name"], format!("{}_job_java_80", ip.as_str().unwrap()));
    assert_eq!(inst["service_template_id"], 0);
    assert_eq!(inst["labels"], Value::Null);
    let p = &inst["process_instances"][0];
    assert_eq!(p["relation"]["process_template_id"], 0);
    assert_eq!(p["process"]["bk_biz_id"], biz, "the module's business wins");
    assert_eq!(p["process"]["bk_func_name"], "java");
    assert!(p["process"].get("port").is_none() && p["process"].get("bk_created_by").is_none());
    assert_eq!(p["process"]["bind_info"][0]["template_row_id"], 1234);

    // every check in its order, and a failed request leaves nothing
    let instances_of_biz = format!("service_instance WHERE biz_id = {biz}");
    let processes_of_biz = format!("instance WHERE obj_id = 'process' AND biz_id = {biz}");
    let count = s.count_rows(&instances_of_biz).await;
    let procs = s.count_rows(&processes_of_biz).await;
    s.fails("create_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module, "instances": []}), 1199010)
        .await;
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz, "bk_module_id": 987654, "instances": [{"bk_host_id": hosts[0]}]}),
        1101034,
    )
    .await;
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz + 1, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0]}]}),
        1113004,
    )
    .await;
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0]}]}),
        1199010,
    )
    .await;
    let mut two = body.clone();
    two["instances"] = json!([body["instances"][0].clone(), {"bk_host_id": 987654, "processes": body["instances"][0]["processes"].clone()}]);
    s.fails("create_service_instance", two, 1110056).await;
    let mut dup = body.clone();
    let p0 = body["instances"][0]["processes"][0].clone();
    dup["instances"][0]["processes"] = json!([p0.clone(), p0]);
    s.fails("create_service_instance", dup, 1199014).await;
    let mut bad = body.clone();
    bad["instances"][0]["processes"][0]["process_info"]["bind_info"][0]["port"] = json!("70000");
    s.fails("create_service_instance", bad, 1199006).await;
    let mut nofunc = body.clone();
    nofunc["instances"][0]["processes"][0]["process_info"].as_object_mut().unwrap().remove("bk_func_name");
    s.fails("create_service_instance", nofunc, 1199010).await;
    let (_, _, internal) = new_biz(s).await;
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz, "bk_module_id": internal[0], "instances": [{"bk_host_id": hosts[0]}]}),
        1113004,
    )
    .await;
    assert_eq!(s.count_rows(&instances_of_biz).await, count);
    assert_eq!(s.count_rows(&processes_of_biz).await, procs);

    // lists, labels
    let list = s.ok("list_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module})).await;
    assert_eq!(list["count"], 1);
    s.ok(
        "add_label_for_service_instance",
        json!({"bk_biz_id": biz, "instance_ids": [si], "labels": {"env": "prod", "tier": "web"}}),
    )
    .await;
    s.fails(
        "add_label_for_service_instance",
        json!({"bk_biz_id": biz, "instance_ids": [si], "labels": {"1bad": "x"}}),
        1199006,
    )
    .await;
    s.fails(
        "add_label_for_service_instance",
        json!({"bk_biz_id": biz, "instance_ids": [987654], "labels": {"a": "b"}}),
        1199006,
    )
    .await;
    let sel = |op: &str, values: Value| json!({"bk_biz_id": biz, "selectors": [{"key": "env", "operator": op, "values": values}]});
    assert_eq!(s.ok("list_service_instance", sel("=", json!(["prod"]))).await["count"], 1);
    assert_eq!(s.ok("list_service_instance", sel("notin", json!(["prod"]))).await["count"], 0);
    assert_eq!(s.ok("list_service_instance", sel("exists", json!([]))).await["count"], 1);
    s.fails("list_service_instance", sel("=", json!([])), 1199006).await;
    s.fails("list_service_instance", sel("~", json!(["x"])), 1199006).await;
    s.ok("remove_label_from_service_instance", json!({"bk_biz_id": biz, "instance_ids": [si], "keys": ["env"]})).await;
    assert_eq!(s.ok("list_service_instance", sel("exists", json!([]))).await["count"], 0);
    let by_host = s
        .ok("list_service_instance_by_host", json!({"bk_biz_id": biz, "bk_host_id": hosts[0], "search_key": "java"}))
        .await;
    assert_eq!(by_host["count"], 1);
    assert_eq!(by_host["info"][0]["labels"], json!({"tier": "web"}));
    s.fails("list_service_instance_by_host", json!({"bk_biz_id": biz, "bk_host_id": 0}), 1199003).await;
    s.fails("list_service_instance", json!({"bk_biz_id": 0}), 1199006).await;
    s.fails("list_service_instance_detail", json!({"bk_biz_id": biz, "page": {"limit": 0}}), 1199059).await;
    let audits = s.ok("list_operation_audit", json!({"page": {"limit": 10}, "condition": {"operation_time": {"start": "2020-01-01 00:00:00"}, "resource_type": "service_instance", "resource_id": si}})).await;
    assert!(audits["count"].as_i64().unwrap() >= 3, "create and two label updates are audited");
    let templates = s.ok("list_host_service_template_id", json!({"bk_host_id": [hosts[0]]})).await;
    assert_eq!(templates, json!([{"bk_host_id": hosts[0], "service_template_id": []}]));

    // moving the host out of the module removes its service instance
    s.ok("transfer_host_to_idlemodule", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]]})).await;
    assert_eq!(s.count_rows(&format!("service_instance WHERE id = {si}")).await, 0);
    assert_eq!(s.count_rows(&format!("process_relation WHERE instance_id = {si}")).await, 0);
    assert_eq!(s.count_rows(&processes_of_biz).await, procs - 1);
});

/// Queues a service-template sync of `module` and waits until its task reports `finished`.
async fn sync_and_wait(s: &Server, biz: i64, tid: i64, module: i64) {
    s.ok(
        "sync_service_template_to_service_instance",
        json!({"bk_biz_id": biz, "service_template_id": tid, "bk_module_ids": [module]}),
    )
    .await;
    let mut status = json!(null);
    for _ in 0..200 {
        status = s
            .ok(
                "list_service_template_sync_status",
                json!({"bk_biz_id": biz, "service_template_id": tid, "bk_module_ids": [module]}),
            )
            .await;
        if status[0]["status"] == "finished" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status[0]["status"], "finished", "{status}");
}

both!(template_instances_and_processes, |s| async move {
    let (biz, _, _) = new_biz(s).await;
    let (tid, tname) = new_template(s, biz).await;
    let (_, module) = template_module(s, biz, tid).await;
    let hosts = hosts_in(s, biz, 3).await;
    // no process templates yet: refused, and a transfer creates nothing
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": [hosts[0]], "bk_module_id": [module]})).await;
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0]}]}),
        1199006,
    )
    .await;
    let ptids = s.ok("batch_create_proc_template", json!({"bk_biz_id": biz, "service_template_id": tid, "processes": [spec("nginx", "80"), spec("agent", "81")]})).await;
    let ptids: Vec<i64> = ptids.as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let diff = s
        .ok(
            "list_service_template_difference",
            json!({"bk_biz_id": biz, "is_partial": true, "service_template_ids": [tid]}),
        )
        .await;
    assert_eq!(diff, json!({"service_templates": [{"service_template_id": tid, "need_sync": true}], "modules": null}));
    // create from the template, overriding an unlocked field; locked ones ignored
    let ids = s.ok("create_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0],
        "processes": [{"process_template_id": ptids[0], "process_info": {"proc_num": 7, "user": "nobody", "bind_info": [{"port": "8080", "template_row_id": 1}]}}]}]})).await;
    let si = ids[0].as_i64().unwrap();
    s.fails(
        "create_service_instance",
        json!({"bk_biz_id": biz, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0]}]}),
        1113016,
    )
    .await;
    let procs = s.ok("list_process_instance", json!({"bk_biz_id": biz, "service_instance_id": si})).await;
    let procs = procs.as_array().unwrap();
    assert_eq!(procs.len(), 2);
    let nginx = procs.iter().find(|p| p["property"]["bk_process_name"] == "nginx").unwrap();
    assert_eq!(nginx["relation"]["process_template_id"], ptids[0]);
    assert_eq!(nginx["property"]["proc_num"], 7);
    assert_eq!(nginx["property"]["user"], "root");
    assert_eq!(nginx["property"]["bind_info"][0]["port"], "8080");
    assert_eq!(nginx["property"]["bind_info"][0]["protocol"], "1");
    let name = s.ok("list_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module})).await["info"][0]
        ["name"]
        .clone();
    assert!(name.as_str().unwrap().ends_with("_nginx_80"), "{name}");
    let nginx_id = nginx["property"]["bk_process_id"].as_i64().unwrap();
    // template processes: only unlocked fields change, cannot be deleted, no free processes
    let up = s.ok("update_process_instance", json!({"bk_biz_id": biz, "processes": [{"bk_process_id": nginx_id, "user": "x", "proc_num": 3, "bk_process_name": "renamed"}]})).await;
    assert_eq!(up, json!([nginx_id]));
    let p = s
        .ok(
            "list_process_detail_by_ids",
            json!({"bk_biz_id": biz, "bk_process_ids": [nginx_id], "fields": ["proc_num", "user", "bk_process_name"]}),
        )
        .await;
    assert_eq!(p, json!([{"bk_process_id": nginx_id, "proc_num": 3, "user": "root", "bk_process_name": "nginx"}]));
    s.fails("delete_process_instance", json!({"bk_biz_id": biz, "process_instance_ids": [nginx_id]}), 1113022).await;
    s.fails(
        "create_process_instance",
        json!({"bk_biz_id": biz, "service_instance_id": si, "processes": [{"process_info": {"bk_func_name": "x"}}]}),
        1108035,
    )
    .await;
    s.fails("update_process_instance", json!({"bk_biz_id": biz, "processes": [{"bk_process_id": 987654}]}), 1199010)
        .await;
    s.fails(
        "update_process_instance",
        json!({"bk_biz_id": biz, "processes": [{"bk_process_id": nginx_id}, {"bk_process_id": 987654}]}),
        1199011,
    )
    .await;
    s.fails("update_process_instance", json!({"bk_biz_id": biz, "processes": [{"user": "x"}]}), 1199006).await;
    // transfer into the module auto-creates instances; disable_auto_create skips it
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": [hosts[1]], "bk_module_id": [module]})).await;
    s.ok(
        "transfer_host_module",
        json!({"bk_biz_id": biz, "bk_host_id": [hosts[2]], "bk_module_id": [module], "disable_auto_create": true}),
    )
    .await;
    let list = s.ok("list_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module})).await;
    assert_eq!(list["count"], 2);
    let related = s.ok("list_process_related_info", json!({"bk_biz_id": biz, "module": {"bk_module_ids": [module]}, "process": {"bk_process_names": ["agent"]}, "fields": ["bk_func_name"], "page": {"start": 0, "limit": 10}})).await;
    assert_eq!(related["count"], 2);
    assert_eq!(related["info"][0]["module"]["bk_module_name"], tname);
    assert_eq!(related["info"][0]["process"]["bk_func_name"], "agent-bin");
    let found = s.ok("search_process_instances", json!({"bk_biz_id": biz, "filter": {"condition": "AND", "rules": [{"field": "bk_process_name", "operator": "equal", "value": "nginx"}]}, "page": {"limit": 10}})).await;
    assert_eq!(found["count"], 2);
    let hosts_of_tpl = s.ok("find_host_by_service_template", json!({"bk_biz_id": biz, "bk_service_template_ids": [tid], "fields": ["bk_host_id"], "page": {"start": 0, "limit": 10}})).await;
    assert_eq!(hosts_of_tpl["count"], 3);
    assert_eq!(hosts_of_tpl["info"][0], json!({"bk_host_id": hosts[0]}));
    s.fails(
        "find_host_by_service_template",
        json!({"bk_biz_id": biz, "bk_service_template_ids": [], "fields": ["bk_host_id"], "page": {"limit": 10}}),
        1199089,
    )
    .await;
    let templates = s.ok("list_host_service_template_id", json!({"bk_host_id": [hosts[1]]})).await;
    assert_eq!(templates, json!([{"bk_host_id": hosts[1], "service_template_id": [tid]}]));
    let by_module = s
        .ok(
            "list_service_template_difference",
            json!({"bk_biz_id": biz, "is_partial": false, "bk_module_ids": [module]}),
        )
        .await;
    assert_eq!(by_module["modules"][0]["need_sync"], true, "hosts[2] has no instance");

    // change a locked field of a process template, then sync
    s.ok("update_proc_template", json!({"process_template_id": ptids[0], "process_property": {"user": {"value": "www", "as_default_value": true}}})).await;
    sync_and_wait(s, biz, tid, module).await;
    assert_eq!(s.ok("list_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module})).await["count"], 3);
    let found = s.ok("search_process_instances", json!({"bk_biz_id": biz, "filter": {"condition": "AND", "rules": [{"field": "user", "operator": "equal", "value": "www"}]}, "page": {"limit": 10}})).await;
    assert_eq!(found["count"], 3);
    let diff = s
        .ok(
            "list_service_template_difference",
            json!({"bk_biz_id": biz, "is_partial": true, "service_template_ids": [tid]}),
        )
        .await;
    assert_eq!(diff["service_templates"][0]["need_sync"], false);
    s.fails(
        "sync_service_template_to_service_instance",
        json!({"bk_biz_id": biz, "service_template_id": tid, "bk_module_ids": []}),
        1199010,
    )
    .await;

    // delete the process template: processes stay as free processes; then delete instances
    s.ok("delete_proc_template", json!({"bk_biz_id": biz, "process_templates": [ptids[1]]})).await;
    assert_eq!(s.count_rows(&format!("process_relation WHERE template_id = {}", ptids[1])).await, 0);
    assert_eq!(s.count_rows(&format!("process_relation WHERE instance_id = {si} AND template_id = 0")).await, 1);
    let diff = s
        .ok(
            "list_service_template_difference",
            json!({"bk_biz_id": biz, "is_partial": false, "bk_module_ids": [module]}),
        )
        .await;
    assert_eq!(diff["modules"][0]["need_sync"], true, "a process without template in a template instance");
    // the next sync removes such processes
    sync_and_wait(s, biz, tid, module).await;
    assert_eq!(s.count_rows(&format!("process_relation WHERE instance_id = {si} AND template_id = 0")).await, 0);
    assert_eq!(s.count_rows(&format!("process_relation WHERE instance_id = {si}")).await, 1);
    let all: Vec<i64> = s.ok("list_service_instance", json!({"bk_biz_id": biz})).await["info"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    s.fails("delete_service_instance", json!({"bk_biz_id": biz, "service_instance_ids": [all[0], 987654]}), 1199006)
        .await;
    s.ok("delete_service_instance", json!({"bk_biz_id": biz, "service_instance_ids": all})).await;
    assert_eq!(s.count_rows(&format!("service_instance WHERE biz_id = {biz}")).await, 0);
    assert_eq!(s.count_rows(&format!("instance WHERE obj_id = 'process' AND biz_id = {biz}")).await, 0);
});

both!(free_processes, |s| async move {
    let (biz, _, _) = new_biz(s).await;
    let (_, module) = normal_module(s, biz).await;
    let hosts = hosts_in(s, biz, 1).await;
    s.ok("transfer_host_module", json!({"bk_biz_id": biz, "bk_host_id": hosts, "bk_module_id": [module]})).await;
    let si = s.ok("create_service_instance", json!({"bk_biz_id": biz, "bk_module_id": module, "instances": [{"bk_host_id": hosts[0], "service_instance_name": "mine",
        "processes": [{"process_info": {"bk_func_name": "a", "bk_process_name": "a"}}]}]})).await[0].as_i64().unwrap();
    let new = s.ok("create_process_instance", json!({"bk_biz_id": biz, "service_instance_Id": si, "processes": [{"process_info": {"bk_func_name": "b", "bk_process_name": "b", "proc_num": 2}}]})).await;
    let b = new[0].as_i64().unwrap();
    s.fails("create_process_instance", json!({"bk_biz_id": biz, "service_instance_id": si, "processes": [{"process_info": {"bk_func_name": "c", "bk_process_name": "b"}}]}), 1199014).await;
    s.fails("create_process_instance", json!({"bk_biz_id": biz, "service_instance_id": si, "processes": []}), 1199011)
        .await;
    s.fails("create_process_instance", json!({"bk_biz_id": biz, "service_instance_id": 987654, "processes": [{"process_info": {"bk_func_name": "c"}}]}), 1199019).await;
    s.fails("create_process_instance", json!({"bk_biz_id": biz + 1, "service_instance_id": si, "processes": [{"process_info": {"bk_func_name": "c"}}]}), 1199006).await;
    // host identities list the processes of the host's service instances
    let addr = s.ok("list_biz_hosts", json!({"bk_biz_id": biz, "fields": ["bk_host_innerip"], "page": {"limit": 1}, "host_property_filter": {"condition": "AND", "rules": [{"field": "bk_host_id", "operator": "equal", "value": hosts[0]}]}})).await["info"][0]["bk_host_innerip"].clone();
    let ident = s.ok("search_hostidentifier", json!({"ip": {"data": [addr]}})).await;
    let procs = ident["info"][0]["process"].as_array().unwrap();
    assert_eq!(procs.len(), 2);
    assert!(procs.iter().any(|p| p["bk_process_id"] == b && p["bk_func_name"] == "b"));
    // a free process update replaces every field: omitted ones become null
    s.ok(
        "update_process_instance",
        json!({"bk_biz_id": biz, "processes": [{"bk_process_id": b, "bk_func_name": "b2"}]}),
    )
    .await;
    let p = s.ok("list_process_detail_by_ids", json!({"bk_biz_id": biz, "bk_process_ids": [b]})).await;
    assert_eq!(p[0]["bk_func_name"], "b2");
    assert_eq!(p[0]["proc_num"], Value::Null);
    assert_eq!(p[0]["bk_process_name"], Value::Null);
    s.fails("update_process_instance", json!({"bk_biz_id": biz, "processes": [{"bk_process_id": b}]}), 1199010).await;
    assert_eq!(s.ok("list_service_instance", json!({"bk_biz_id": biz})).await["info"][0]["name"], "mine");
    // deleting the last process deletes the instance
    let all: Vec<i64> = s
        .ok("list_process_instance", json!({"bk_biz_id": biz, "service_instance_id": si}))
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["relation"]["bk_process_id"].as_i64().unwrap())
        .collect();
    s.fails("delete_process_instance", json!({"bk_biz_id": biz, "process_instance_ids": []}), 1199010).await;
    s.ok("delete_process_instance", json!({"bk_biz_id": biz, "process_instance_ids": [all[0]]})).await;
    assert_eq!(s.count_rows(&format!("service_instance WHERE id = {si}")).await, 1);
    s.ok("delete_process_instance", json!({"bk_biz_id": biz, "process_instance_ids": [all[1]]})).await;
    assert_eq!(s.count_rows(&format!("service_instance WHERE id = {si}")).await, 0);
    let watch = s
        .ok(
            "resource_watch",
            json!({"bk_resource": "process", "bk_event_types": ["delete"], "bk_start_from": now_secs() - 600}),
        )
        .await;
    assert!(watch["bk_events"].as_array().unwrap().iter().any(|e| e["bk_detail"]["bk_process_id"] == b));
});
