//! Area `topology` (topology.md): businesses, business sets, sets, modules and topology reads, on
//! both backends. Every refused write is checked to have changed nothing.

mod common;

use common::{unique, Server};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicI64, Ordering};

/// Host ids for relations seeded straight into the database (no host endpoints in this area).
fn host_id() -> i64 {
    static N: AtomicI64 = AtomicI64::new(0);
    9_000_000 + (std::process::id() as i64 % 1000) * 1000 + N.fetch_add(1, Ordering::Relaxed)
}

/// A business name (mainline names: no whitespace, no `_`-free requirement).
fn name(prefix: &str) -> String {
    unique(prefix)
}

async fn new_biz(s: &Server) -> (i64, String) {
    let n = name("biz");
    let b = s
        .ok("create_business", json!({"data": {"bk_biz_name": n, "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await;
    (b["bk_biz_id"].as_i64().unwrap(), n)
}

async fn new_set(s: &Server, biz: i64, n: &str) -> i64 {
    let d = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_parent_id": biz, "bk_set_name": n}})).await;
    d["bk_set_id"].as_i64().unwrap()
}

async fn new_module(s: &Server, biz: i64, set: i64, n: &str) -> i64 {
    let d = s
        .ok(
            "create_module",
            json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": n}}),
        )
        .await;
    d["bk_module_id"].as_i64().unwrap()
}

/// Tests of this binary run one at a time: "nothing changed" compares whole-table row counts.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Row counts of the tables a refused write must leave alone.
async fn snapshot(s: &Server) -> Vec<i64> {
    let mut v = Vec::new();
    for t in ["instance", "audit_log", "event", "inst_asst", "biz_sensitive"] {
        v.push(s.count_rows(t).await);
    }
    v
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v[key].as_str().unwrap_or_default().to_string()).collect()
}

both!(business_lifecycle, |s| async move {
    let _serial = SERIAL.lock().await;
    let before = snapshot(s).await;
    let relation_events = "event WHERE resource = 'biz_set_relation'";
    let relations_before = s.count_rows(relation_events).await;
    let (biz, n) = new_biz(s).await;
    let after = snapshot(s).await;
    // biz + idle set + 3 modules, each audited with a change event; every business set whose
    // scope takes the new business (the built-in one at least) gets a biz_set_relation event
    let relations = s.count_rows(relation_events).await - relations_before;
    assert_eq!(after[0] - before[0], 5);
    assert_eq!(after[1] - before[1], 5);
    assert!(relations >= 1);
    assert_eq!(after[2] - before[2], 5 + relations);
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    assert_eq!(internal["bk_set_name"], "idle pool");
    assert_eq!(names(&internal["module"], "bk_module_name"), ["idle host", "fault host", "recycle host"]);
    let zh = s.call_with("get_biz_internal_module", json!({"bk_biz_id": biz}), &[("Blueking-Language", "zh")]).await;
    assert_eq!(zh["data"]["bk_set_name"], "空闲机池");
    assert_eq!(internal["module"][1]["default"], 2);

    // refused creations change nothing
    let snap = snapshot(s).await;
    let base = json!({"bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"});
    let with = |k: &str, v: Value| {
        let mut d = base.clone();
        d[k] = v;
        json!({ "data": d })
    };
    s.fails("create_business", with("bk_biz_name", json!(n)), 1199014).await;
    s.fails("create_business", with("bk_biz_name", json!("a b")), 1199006).await;
    s.fails("create_business", with("bk_biz_name", json!("x".repeat(257))), 1199073).await;
    s.fails("create_business", with("bk_biz_name", json!("")), 1199010).await;
    s.fails(
        "create_business",
        json!({"data": {"bk_biz_name": name("b"), "time_zone": "Asia/Shanghai", "language": "1"}}),
        1199010,
    )
    .await;
    s.fails("create_business", json!({}), 1199010).await;
    assert_eq!(snapshot(s).await, snap);

    // search: substring on names, membership on user lists, no resource pool
    let found = s.ok("search_business", json!({"condition": {"bk_biz_name": n.to_uppercase()}})).await;
    assert_eq!(found["count"], 1);
    assert_eq!(found["info"][0]["bk_biz_id"], biz);
    let found =
        s.ok("search_business", json!({"condition": {"bk_biz_maintainer": "adm"}, "fields": ["bk_biz_id"]})).await;
    assert!(found["info"].as_array().unwrap().iter().all(|b| b["bk_biz_id"] != biz));
    let found = s
        .ok(
            "search_business",
            json!({"condition": {"bk_biz_maintainer": "admin", "bk_biz_id": biz}, "fields": ["bk_biz_id"]}),
        )
        .await;
    assert_eq!(found["info"], json!([{"bk_biz_id": biz}]));
    let all = s.ok("search_business", json!({"fields": ["bk_biz_id", "default"]})).await;
    assert!(all["info"].as_array().unwrap().iter().all(|b| b["default"] == 0));
    let filtered = s
        .ok("search_business", json!({"biz_property_filter": {"condition": "AND", "rules": [{"field": "bk_biz_name", "operator": "equal", "value": n}]}}))
        .await;
    assert_eq!(filtered["count"], 1);
    s.fails("search_business", json!({"condition": {"bk_biz_name": "x"}, "biz_property_filter": {"condition": "AND", "rules": [{"field": "bk_biz_name", "operator": "equal", "value": "x"}]}}), 1199006).await;
    s.fails("search_business", json!({"condition": {"bk_biz_id": "1"}}), 1199006).await;

    // update
    let renamed = name("ren");
    s.ok(
        "update_business",
        json!({"bk_biz_id": biz, "data": {"bk_biz_name": renamed, "default": 1, "life_cycle": "3"}}),
    )
    .await;
    let got = s.ok("search_business", json!({"condition": {"bk_biz_id": biz}})).await;
    assert_eq!(got["info"][0]["bk_biz_name"], renamed);
    assert_eq!(got["info"][0]["default"], 0);
    assert_eq!(got["info"][0]["life_cycle"], "3");
    let snap = snapshot(s).await;
    s.fails("update_business", json!({"bk_biz_id": 987654321, "data": {"life_cycle": "1"}}), 1199019).await;
    s.fails("update_business", json!({"bk_biz_id": biz, "data": {"bk_biz_name": "蓝鲸"}}), 1199014).await;
    s.fails("update_business", json!({"bk_biz_id": biz, "data": {"bk_biz_name": "a/b"}}), 1199006).await;
    assert_eq!(snapshot(s).await, snap);

    // archive: refused while hosts remain; renamed, hidden; restore under a new name
    let internal_set = internal["bk_set_id"].as_i64().unwrap();
    let idle_module = internal["module"][0]["bk_module_id"].as_i64().unwrap();
    let h = host_id();
    s.seed_host(h, biz, internal_set, idle_module).await;
    s.fails("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "disabled"}), 1101087).await;
    s.fails("delete_business", json!({"bk_biz_id": biz}), 1101112).await;
    s.unseed_host(h).await;
    s.fails("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "sleep"}), 1199011).await;
    s.fails("update_business_enable_status", json!({"bk_biz_id": 987654321, "flag": "enable"}), 1199019).await;
    s.ok("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "disabled"})).await;
    let hidden = s.ok("search_business", json!({"condition": {"bk_biz_id": biz}})).await;
    assert_eq!(hidden["count"], 0);
    let shown = s.ok("search_business", json!({"condition": {"bk_biz_id": biz, "bk_data_status": "disabled"}})).await;
    assert_eq!(shown["info"][0]["bk_biz_name"], format!("{renamed}-archived"));
    s.ok("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "enable"})).await;
    s.ok("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "disabled"})).await;
    let shown = s.ok("search_business", json!({"condition": {"bk_biz_id": biz, "bk_data_status": "disabled"}})).await;
    assert_eq!(shown["info"][0]["bk_biz_name"], format!("{renamed}-archived-archived"));
    let back = name("back");
    s.ok("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "enable", "bk_biz_name": back})).await;
    let got = s.ok("search_business", json!({"condition": {"bk_biz_id": biz}})).await;
    assert_eq!(got["info"][0]["bk_biz_name"], back);
    assert_eq!(got["info"][0]["bk_data_status"], "enable");
    let audits = s.count_rows("audit_log WHERE action IN ('archive', 'recover')").await;
    assert!(audits >= 4);

    // a second business archived under the same name gets a numbered suffix
    let (other, other_name) = new_biz(s).await;
    s.ok("update_business_enable_status", json!({"bk_biz_id": other, "flag": "disabled"})).await;
    let third = s
        .ok("create_business", json!({"data": {"bk_biz_name": other_name, "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await;
    let third = third["bk_biz_id"].as_i64().unwrap();
    s.ok("update_business_enable_status", json!({"bk_biz_id": third, "flag": "disabled"})).await;
    let shown = s.ok("search_business", json!({"condition": {"bk_biz_id": third, "bk_data_status": "disabled"}})).await;
    assert_eq!(shown["info"][0]["bk_biz_name"], format!("{other_name}-archived-1"));

    // delete: resource pool and unarchived refused; cascade removes sets and modules
    s.fails("delete_business", json!({"bk_biz_id": 1}), 1101111).await;
    s.fails("delete_business", json!({"bk_biz_id": biz}), 1101112).await;
    let set = new_set(s, other, &name("s")).await;
    let module = new_module(s, other, set, &name("m")).await;
    let h = host_id();
    s.seed_host(h, other, set, module).await;
    let snap = snapshot(s).await;
    s.fails("delete_business", json!({"bk_biz_id": other}), 1101030).await;
    assert_eq!(snapshot(s).await, snap);
    s.unseed_host(h).await;
    s.ok("update_biz_sensitive", json!({"bk_biz_id": other, "bk_product_id": 7})).await;
    s.ok("delete_business", json!({"bk_biz_id": other})).await;
    assert_eq!(
        s.count_rows(&format!("instance WHERE biz_id = {other} AND obj_id IN ('biz', 'set', 'module')")).await,
        0
    );
    assert_eq!(s.count_rows(&format!("biz_sensitive WHERE id = {other}")).await, 0);
    s.ok("delete_business", json!({"bk_biz_id": other})).await;
});

both!(sets, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, _) = new_biz(s).await;
    let n = name("set");
    let created = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": n, "bk_capacity": 10}})).await;
    assert_eq!(created["bk_parent_id"], biz);
    assert_eq!(created["default"], 0);
    assert_eq!(created["set_template_id"], 0);
    assert_eq!(created["bk_set_env"], "3");
    let set = created["bk_set_id"].as_i64().unwrap();
    let snap = snapshot(s).await;
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_parent_id": biz, "bk_set_name": n}}), 1101108).await;
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_parent_id": 1, "bk_set_name": name("s")}}), 1199011)
        .await;
    s.fails("create_set", json!({"bk_biz_id": 987654321, "data": {"bk_set_name": name("s")}}), 1199011).await;
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": name("s"), "set_template_id": 5}}), 1199006)
        .await;
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "a:b"}}), 1199006).await;
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": name("s"), "bk_capacity": 0}}), 1199011)
        .await;
    s.fails("create_set", json!({"bk_biz_id": biz}), 1199010).await;
    assert_eq!(snapshot(s).await, snap);

    // update: internal set and clashes refused
    let other = new_set(s, biz, &name("set")).await;
    s.ok(
        "update_set",
        json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_set_desc": "d", "bk_parent_id": 77, "default": 1}}),
    )
    .await;
    let found = s.ok("search_set", json!({"bk_biz_id": biz, "condition": {"bk_set_id": set}})).await;
    assert_eq!(found["info"][0]["bk_set_desc"], "d");
    assert_eq!(found["info"][0]["bk_parent_id"], biz);
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    let idle = internal["bk_set_id"].as_i64().unwrap();
    let snap = snapshot(s).await;
    s.fails("update_set", json!({"bk_biz_id": biz, "bk_set_id": idle, "data": {"bk_set_desc": "x"}}), 1101098).await;
    s.fails("update_set", json!({"bk_biz_id": biz, "bk_set_id": 987654321, "data": {"bk_set_desc": "x"}}), 1199019)
        .await;
    s.fails("update_set", json!({"bk_biz_id": biz, "bk_set_id": other, "data": {"bk_set_name": n}}), 1101108).await;
    assert_eq!(snapshot(s).await, snap);

    // search: whole business including the idle set; condition xor filter; time condition
    let all = s
        .ok(
            "search_set",
            json!({"bk_biz_id": biz, "fields": ["bk_set_id", "bk_set_name"], "page": {"sort": "bk_set_id"}}),
        )
        .await;
    assert_eq!(all["count"], 3);
    assert_eq!(all["info"][0]["bk_set_name"], "idle pool");
    let f = s
        .ok("search_set", json!({"bk_biz_id": biz, "filter": {"condition": "AND", "rules": [{"field": "bk_set_name", "operator": "equal", "value": n}]}}))
        .await;
    assert_eq!(f["count"], 1);
    s.fails("search_set", json!({"bk_biz_id": biz, "condition": {"bk_set_name": n}, "filter": {"condition": "AND", "rules": [{"field": "bk_set_name", "operator": "equal", "value": n}]}}), 1199011).await;
    let page =
        s.ok("search_set", json!({"bk_biz_id": biz, "page": {"start": 1, "limit": 1, "sort": "-bk_set_id"}})).await;
    assert_eq!(page["count"], 3);
    assert_eq!(page["info"][0]["bk_set_id"], set);

    // find_set_batch
    let got = s
        .ok(
            "find_set_batch",
            json!({"bk_biz_id": biz, "bk_ids": [set, set, idle, 1], "fields": ["bk_set_id", "bk_set_name"]}),
        )
        .await;
    assert_eq!(got.as_array().unwrap().len(), 2);
    s.fails("find_set_batch", json!({"bk_biz_id": biz, "bk_ids": [], "fields": ["bk_set_id"]}), 1199089).await;
    s.fails(
        "find_set_batch",
        json!({"bk_biz_id": biz, "bk_ids": (1..=501).collect::<Vec<i64>>(), "fields": ["bk_set_id"]}),
        1199089,
    )
    .await;
    s.fails("find_set_batch", json!({"bk_biz_id": biz, "bk_ids": [set], "fields": []}), 1199006).await;

    // delete: hosts refuse; modules go with the set; batch is all-or-nothing
    let m = new_module(s, biz, set, &name("m")).await;
    let h = host_id();
    s.seed_host(h, biz, set, m).await;
    let snap = snapshot(s).await;
    s.fails("delete_set", json!({"bk_biz_id": biz, "bk_set_id": set}), 1101030).await;
    s.fails("batch_delete_set", json!({"bk_biz_id": biz, "delete": {"inst_ids": [other, set]}}), 1101030).await;
    s.fails("delete_set", json!({"bk_biz_id": biz, "bk_set_id": idle}), 1101098).await;
    s.fails("batch_delete_set", json!({"bk_biz_id": biz, "delete": {"inst_ids": [other, idle]}}), 1101098).await;
    s.fails("batch_delete_set", json!({"bk_biz_id": biz, "delete": {"inst_ids": []}}), 1199010).await;
    assert_eq!(snapshot(s).await, snap);
    s.unseed_host(h).await;
    s.ok("batch_delete_set", json!({"bk_biz_id": biz, "delete": {"inst_ids": [other, set]}})).await;
    assert_eq!(s.count_rows(&format!("instance WHERE obj_id = 'module' AND id = {m}")).await, 0);
    s.ok("delete_set", json!({"bk_biz_id": biz, "bk_set_id": set})).await;
    let left = s.ok("search_set", json!({"bk_biz_id": biz})).await;
    assert_eq!(left["count"], 1);
});

both!(modules, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, _) = new_biz(s).await;
    let set = new_set(s, biz, &name("set")).await;
    let n = name("mod");
    let created = s
        .ok("create_module", json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": n, "bk_module_type": "2", "operator": "admin"}}))
        .await;
    assert_eq!(created["bk_set_id"], set);
    assert_eq!(created["bk_module_type"], "2");
    assert_eq!(created["host_apply_enabled"], false);
    assert_eq!(created["service_template_id"], 0);
    assert!(created["service_category_id"].as_i64().unwrap() > 0);
    let module = created["bk_module_id"].as_i64().unwrap();
    let snap = snapshot(s).await;
    let body = |data: Value| json!({"bk_biz_id": biz, "bk_set_id": set, "data": data});
    s.fails("create_module", body(json!({"bk_parent_id": set, "bk_module_name": n})), 1199014).await;
    s.fails("create_module", body(json!({"bk_module_name": name("m")})), 1199011).await;
    s.fails("create_module", body(json!({"bk_parent_id": set + 1, "bk_module_name": name("m")})), 1199011).await;
    s.fails(
        "create_module",
        body(json!({"bk_parent_id": set, "bk_module_name": name("m"), "service_category_id": 987654})),
        1199006,
    )
    .await;
    s.fails(
        "create_module",
        body(json!({"bk_parent_id": set, "bk_module_name": name("m"), "service_template_id": 3})),
        1199006,
    )
    .await;
    s.fails("create_module", body(json!({"bk_parent_id": set, "bk_module_name": "x>y"})), 1199006).await;
    s.fails(
        "create_module",
        json!({"bk_biz_id": 1, "bk_set_id": set, "data": {"bk_parent_id": set, "bk_module_name": name("m")}}),
        1199011,
    )
    .await;
    assert_eq!(snapshot(s).await, snap);

    // update
    s.ok("update_module", json!({"bk_biz_id": biz, "bk_set_id": set, "bk_module_id": module, "data": {"bk_module_name": format!("{n}2"), "bk_parent_id": 1}})).await;
    let got = s
        .ok(
            "find_module_batch",
            json!({"bk_biz_id": biz, "bk_ids": [module], "fields": ["bk_module_name", "bk_parent_id"]}),
        )
        .await;
    assert_eq!(got, json!([{"bk_module_name": format!("{n}2"), "bk_parent_id": set}]));
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    let (idle_set, idle) =
        (internal["bk_set_id"].as_i64().unwrap(), internal["module"][0]["bk_module_id"].as_i64().unwrap());
    let other = new_module(s, biz, set, &name("m")).await;
    let snap = snapshot(s).await;
    let upd = |id: i64, data: Value| json!({"bk_biz_id": biz, "bk_set_id": set, "bk_module_id": id, "data": data});
    s.fails(
        "update_module",
        json!({"bk_biz_id": biz, "bk_set_id": idle_set, "bk_module_id": idle, "data": {"operator": "x"}}),
        1101098,
    )
    .await;
    s.fails("update_module", upd(987654321, json!({"operator": "x"})), 1199019).await;
    s.fails("update_module", upd(module, json!({"service_template_id": 4})), 1199083).await;
    s.fails("update_module", upd(module, json!({"set_template_id": 4})), 1199083).await;
    s.fails("update_module", upd(other, json!({"bk_module_name": format!("{n}2")})), 1199014).await;
    s.fails("update_module", upd(other, json!({"bk_module_type": "9"})), 1199011).await;
    assert_eq!(snapshot(s).await, snap);

    // search_module, find_module_with_relation
    let all = s.ok("search_module", json!({"bk_biz_id": biz, "condition": {}, "fields": ["bk_module_id"]})).await;
    assert_eq!(all["count"], 5);
    let mine =
        s.ok("search_module", json!({"bk_biz_id": biz, "bk_set_id": set, "condition": {"bk_module_type": "2"}})).await;
    assert_eq!(mine["count"], 1);
    let rel = s
        .ok("find_module_with_relation", json!({"bk_biz_id": biz, "bk_set_ids": [set], "bk_service_template_ids": [0], "fields": ["bk_module_id"], "page": {"start": 0, "limit": 10}}))
        .await;
    assert_eq!(rel["count"], 2);
    s.fails("find_module_with_relation", json!({"bk_biz_id": biz, "fields": [], "page": {"limit": 10}}), 1199010).await;
    s.fails(
        "find_module_with_relation",
        json!({"bk_biz_id": biz, "fields": ["bk_module_id"], "page": {"limit": 501}}),
        1199015,
    )
    .await;
    s.fails("find_module_with_relation", json!({"bk_biz_id": biz, "bk_set_ids": (1..=201).collect::<Vec<i64>>(), "fields": ["bk_module_id"], "page": {"limit": 1}}), 1199015).await;

    // delete
    let h = host_id();
    s.seed_host(h, biz, set, other).await;
    let snap = snapshot(s).await;
    s.fails("delete_module", json!({"bk_biz_id": biz, "bk_set_id": set, "bk_module_id": other}), 1101030).await;
    s.fails("delete_module", json!({"bk_biz_id": biz, "bk_set_id": idle_set, "bk_module_id": idle}), 1101098).await;
    assert_eq!(snapshot(s).await, snap);
    s.unseed_host(h).await;
    s.ok("delete_module", json!({"bk_biz_id": biz, "bk_set_id": set, "bk_module_id": other})).await;
    s.ok("delete_module", json!({"bk_biz_id": biz, "bk_set_id": set, "bk_module_id": other})).await;
    let after = s.ok("search_module", json!({"bk_biz_id": biz, "bk_set_id": set})).await;
    assert_eq!(after["count"], 1);
    let audit = s
        .count_rows(&format!(
            "audit_log WHERE resource_type = 'module' AND action = 'delete' AND resource_id = '{other}'"
        ))
        .await;
    assert_eq!(audit, 1);
});

both!(business_sets, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, _) = new_biz(s).await;
    let n = name("bs");
    let scope = json!({"match_all": false, "filter": {"condition": "AND", "rules": [{"field": "bk_biz_id", "operator": "in", "value": [biz]}]}});
    let id = s
        .ok(
            "create_business_set",
            json!({"bk_biz_set_attr": {"bk_biz_set_name": n, "bk_biz_maintainer": "admin"}, "bk_scope": scope}),
        )
        .await;
    let id = id.as_i64().expect("a bare id");
    let snap = snapshot(s).await;
    let attr = |n: &str| json!({"bk_biz_set_name": n});
    s.fails("create_business_set", json!({"bk_biz_set_attr": attr(&n), "bk_scope": {"match_all": true}}), 1101118)
        .await;
    s.fails(
        "create_business_set",
        json!({"bk_biz_set_attr": attr(&name("x")), "bk_scope": {"match_all": true, "filter": scope["filter"]}}),
        1199006,
    )
    .await;
    s.fails("create_business_set", json!({"bk_biz_set_attr": attr(&name("x")), "bk_scope": {"match_all": false, "filter": {"condition": "OR", "rules": [{"field": "bk_biz_id", "operator": "equal", "value": 1}]}}}), 1199006).await;
    s.fails("create_business_set", json!({"bk_biz_set_attr": attr(&name("x")), "bk_scope": {"match_all": false, "filter": {"condition": "AND", "rules": [{"field": "bk_biz_name", "operator": "equal", "value": "a"}]}}}), 1199006).await;
    s.fails("create_business_set", json!({"bk_biz_set_attr": attr(&name("x")), "bk_scope": {"match_all": false, "filter": {"condition": "AND", "rules": [{"field": "life_cycle", "operator": "not_equal", "value": "1"}]}}}), 1199006).await;
    s.fails("create_business_set", json!({"bk_biz_set_attr": attr(""), "bk_scope": {"match_all": true}}), 1199006)
        .await;
    s.fails("create_business_set", json!({"bk_scope": {"match_all": true}}), 1199006).await;
    assert_eq!(snapshot(s).await, snap);
    let enum_scope = json!({"match_all": false, "filter": {"condition": "AND", "rules": [{"field": "life_cycle", "operator": "equal", "value": "2"}]}});
    s.ok("create_business_set", json!({"bk_biz_set_attr": attr(&name("ok")), "bk_scope": enum_scope})).await;

    // list
    let listed = s
        .ok("list_business_set", json!({"bk_biz_set_filter": {"condition": "AND", "rules": [{"field": "bk_biz_set_id", "operator": "equal", "value": id}]}, "page": {"start": 0, "limit": 10}}))
        .await;
    assert_eq!(listed["count"], 0);
    assert_eq!(listed["info"][0]["bk_biz_set_name"], n);
    assert_eq!(listed["info"][0]["bk_scope"], scope);
    let counted = s.ok("list_business_set", json!({"page": {"enable_count": true}})).await;
    assert!(counted["count"].as_i64().unwrap() >= 3);
    assert_eq!(counted["info"], json!([]));
    s.fails("list_business_set", json!({"page": {"limit": 1001}}), 1199006).await;
    s.fails("list_business_set", json!({"page": {"enable_count": true, "limit": 10}}), 1199006).await;

    // businesses in the set
    let in_set = s
        .ok(
            "list_business_in_business_set",
            json!({"bk_biz_set_id": id, "fields": ["bk_biz_id"], "page": {"limit": 10}}),
        )
        .await;
    assert_eq!(in_set["info"], json!([{"bk_biz_id": biz}]));
    let all =
        s.ok("list_business_in_business_set", json!({"bk_biz_set_id": 9991001, "page": {"enable_count": true}})).await;
    assert!(all["count"].as_i64().unwrap() >= 2);
    let pool = s.ok("list_business_in_business_set", json!({"bk_biz_set_id": 9991001, "filter": {"condition": "AND", "rules": [{"field": "bk_biz_id", "operator": "equal", "value": 1}]}, "page": {"limit": 10}})).await;
    assert_eq!(pool["info"], json!([]));
    s.fails("list_business_in_business_set", json!({"bk_biz_set_id": 0, "page": {"limit": 10}}), 1199010).await;
    s.fails("list_business_in_business_set", json!({"bk_biz_set_id": 987654321, "page": {"limit": 10}}), 1199006).await;
    s.fails("list_business_in_business_set", json!({"bk_biz_set_id": id, "page": {"limit": 0}}), 1199011).await;
    s.fails("list_business_in_business_set", json!({"bk_biz_set_id": id, "page": {"limit": 501}}), 1199059).await;

    // topology of the set
    let set = new_set(s, biz, &name("set")).await;
    let bizs = s
        .ok(
            "list_business_set_topo",
            json!({"bk_biz_set_id": id, "bk_parent_obj_id": "bk_biz_set_obj", "bk_parent_id": id}),
        )
        .await;
    assert_eq!(bizs.as_array().unwrap().len(), 1);
    assert_eq!(bizs[0]["bk_inst_id"], biz);
    let sets = s
        .ok("list_business_set_topo", json!({"bk_biz_set_id": id, "bk_parent_obj_id": "biz", "bk_parent_id": biz}))
        .await;
    assert_eq!(
        sets,
        json!([{"bk_obj_id": "set", "bk_inst_id": set, "bk_inst_name": sets[0]["bk_inst_name"], "default": 0}])
    );
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    let mods = s
        .ok(
            "list_business_set_topo",
            json!({"bk_biz_set_id": id, "bk_parent_obj_id": "set", "bk_parent_id": internal["bk_set_id"]}),
        )
        .await;
    assert_eq!(mods.as_array().unwrap().len(), 3);
    s.fails(
        "list_business_set_topo",
        json!({"bk_biz_set_id": id, "bk_parent_obj_id": "biz", "bk_parent_id": 1}),
        1199006,
    )
    .await;
    s.fails(
        "list_business_set_topo",
        json!({"bk_biz_set_id": id, "bk_parent_obj_id": "bk_biz_set_obj", "bk_parent_id": 5}),
        1199006,
    )
    .await;
    s.fails(
        "list_business_set_topo",
        json!({"bk_biz_set_id": id, "bk_parent_obj_id": "module", "bk_parent_id": 5}),
        1199006,
    )
    .await;
    s.fails("list_business_set_topo", json!({"bk_biz_set_id": id, "bk_parent_obj_id": "biz"}), 1199010).await;

    // update
    let n2 = name("bs2");
    s.ok("batch_update_business_set", json!({"bk_biz_set_ids": [id], "data": {"bk_biz_set_attr": {"bk_biz_set_name": n2, "bk_biz_set_desc": "d"}, "bk_scope": {"match_all": true}}})).await;
    let listed = s.ok("list_business_set", json!({"bk_biz_set_filter": {"condition": "AND", "rules": [{"field": "bk_biz_set_id", "operator": "equal", "value": id}]}, "page": {"limit": 10}})).await;
    assert_eq!(listed["info"][0]["bk_biz_set_name"], n2);
    assert_eq!(listed["info"][0]["bk_scope"], json!({"match_all": true}));
    let snap = snapshot(s).await;
    s.fails(
        "batch_update_business_set",
        json!({"bk_biz_set_ids": [], "data": {"bk_biz_set_attr": {"bk_biz_set_desc": "x"}}}),
        1199010,
    )
    .await;
    s.fails("batch_update_business_set", json!({"bk_biz_set_ids": [id]}), 1199010).await;
    s.fails(
        "batch_update_business_set",
        json!({"bk_biz_set_ids": [id, 9991001], "data": {"bk_biz_set_attr": {"bk_biz_set_name": "x"}}}),
        1199006,
    )
    .await;
    s.fails(
        "batch_update_business_set",
        json!({"bk_biz_set_ids": [9991001], "data": {"bk_scope": {"match_all": true}}}),
        1101116,
    )
    .await;
    s.fails(
        "batch_update_business_set",
        json!({"bk_biz_set_ids": [id], "data": {"bk_biz_set_attr": {"bk_biz_set_name": "BlueKing"}}}),
        1199014,
    )
    .await;
    s.fails("batch_update_business_set", json!({"bk_biz_set_ids": (1..=201).collect::<Vec<i64>>(), "data": {"bk_biz_set_attr": {"bk_biz_set_desc": "x"}}}), 1199035).await;
    assert_eq!(snapshot(s).await, snap);

    // delete
    s.fails("batch_delete_business_set", json!({"bk_biz_set_ids": [id, 9991001]}), 1101115).await;
    s.fails("batch_delete_business_set", json!({"bk_biz_set_ids": []}), 1199010).await;
    s.fails("batch_delete_business_set", json!({"bk_biz_set_ids": (1..=101).collect::<Vec<i64>>()}), 1199035).await;
    assert_eq!(snapshot(s).await, snap);
    s.ok("batch_delete_business_set", json!({"bk_biz_set_ids": [id, 987654321]})).await;
    let gone = s.ok("list_business_set", json!({"bk_biz_set_filter": {"condition": "AND", "rules": [{"field": "bk_biz_set_id", "operator": "equal", "value": id}]}, "page": {"limit": 10}})).await;
    assert_eq!(gone["info"], json!([]));
    assert!(s.count_rows("event WHERE resource = 'biz_set'").await >= 3);
});

both!(topology_reads, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, biz_name) = new_biz(s).await;
    let set_b = new_set(s, biz, "b-set").await;
    let set_a = new_set(s, biz, "a-set").await;
    let m1 = new_module(s, biz, set_a, "zeta").await;
    let m2 = new_module(s, biz, set_a, "alpha").await;
    let internal = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await;
    let idle = internal["bk_set_id"].as_i64().unwrap();

    // instance tree: the idle set left out, children by default then id
    let tree = s.ok("search_biz_inst_topo", json!({"bk_biz_id": biz, "level": -1})).await;
    assert_eq!(tree[0]["bk_inst_id"], biz);
    assert_eq!(tree[0]["bk_obj_id"], "biz");
    assert_eq!(tree[0]["bk_obj_name"], "Business");
    let sets: Vec<i64> =
        tree[0]["child"].as_array().unwrap().iter().map(|c| c["bk_inst_id"].as_i64().unwrap()).collect();
    assert_eq!(sets, [set_b, set_a]);
    assert_eq!(tree[0]["child"][1]["child"][0]["bk_inst_id"], m1);
    assert_eq!(tree[0]["child"][1]["child"][1]["child"], json!([]));
    assert_eq!(s.ok("search_biz_inst_topo", json!({"bk_biz_id": 987654321})).await, json!([]));
    let zh = s.call_with("search_biz_inst_topo", json!({"bk_biz_id": biz}), &[("Blueking-Language", "zh")]).await;
    assert_eq!(zh["data"][0]["bk_obj_name"], "业务");

    // mainline chain
    let chain = s.ok("get_mainline_object_topo", json!({})).await;
    assert_eq!(names(&chain, "bk_obj_id"), ["biz", "set", "module", "host"]);
    assert_eq!(chain[0]["bk_next_obj"], "set");
    assert_eq!(chain[3]["bk_pre_obj_id"], "module");
    assert_eq!(chain[3]["bk_next_obj"], "");

    // brief cache topology: idle separate, siblings by name, leaf nds null
    let brief = s.ok("get_biz_brief_cache_topo", json!({"bk_biz_id": biz})).await;
    assert_eq!(brief["biz"], json!({"id": biz, "nm": biz_name, "dft": 0, "bk_supplier_account": "0"}));
    assert_eq!(brief["idle"][0]["id"], idle);
    assert_eq!(brief["idle"][0]["nds"].as_array().unwrap().len(), 3);
    assert_eq!(names(&brief["nds"], "nm"), ["a-set", "b-set"]);
    assert_eq!(names(&brief["nds"][0]["nds"], "nm"), ["alpha", "zeta"]);
    assert_eq!(brief["nds"][0]["nds"][0]["nds"], Value::Null);
    assert_eq!(brief["nds"][1]["nds"], Value::Null);
    s.fails("get_biz_brief_cache_topo", json!({"bk_biz_id": 987654321}), 1199019).await;

    // node paths
    let paths = s
        .ok("find_topo_node_paths", json!({"bk_biz_id": biz, "bk_nodes": [{"bk_obj_id": "module", "bk_inst_id": m2}, {"bk_obj_id": "set", "bk_inst_id": 987654321}, {"bk_obj_id": "set", "bk_inst_id": set_b}]}))
        .await;
    assert_eq!(paths.as_array().unwrap().len(), 2);
    assert_eq!(paths[0]["bk_inst_name"], "alpha");
    assert_eq!(
        paths[0]["bk_paths"],
        json!([[{"bk_obj_id": "biz", "bk_inst_id": biz, "bk_inst_name": biz_name}, {"bk_obj_id": "set", "bk_inst_id": set_a, "bk_inst_name": "a-set"}]])
    );
    assert_eq!(paths[1]["bk_paths"][0].as_array().unwrap().len(), 1);
    s.fails(
        "find_topo_node_paths",
        json!({"bk_biz_id": biz, "bk_nodes": [{"bk_obj_id": "biz", "bk_inst_id": biz}]}),
        1199011,
    )
    .await;
    s.fails(
        "find_topo_node_paths",
        json!({"bk_biz_id": biz, "bk_nodes": [{"bk_obj_id": "host", "bk_inst_id": 1}]}),
        1199006,
    )
    .await;
    s.fails(
        "find_topo_node_paths",
        json!({"bk_biz_id": biz, "bk_nodes": [{"bk_obj_id": "set", "bk_inst_id": 0}]}),
        1199011,
    )
    .await;
    s.fails(
        "find_topo_node_paths",
        json!({"bk_biz_id": 0, "bk_nodes": [{"bk_obj_id": "set", "bk_inst_id": 1}]}),
        1199011,
    )
    .await;

    // level-to-level relations
    let page = json!({"start": 0, "limit": 100});
    let rel = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": "set", "src_ids": [set_a, set_b], "dest_biz_obj": "module", "page": page}),
        )
        .await;
    assert_eq!(
        rel,
        json!([{"bk_biz_id": biz, "src_id": set_a, "dest_id": m1}, {"bk_biz_id": biz, "src_id": set_a, "dest_id": m2}])
    );
    let up = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": "module", "src_ids": [m1], "dest_biz_obj": "biz", "page": page}),
        )
        .await;
    assert_eq!(up, json!([{"bk_biz_id": biz, "src_id": m1, "dest_id": biz}]));
    let down = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": "biz", "src_ids": [biz], "dest_biz_obj": "set", "page": page}),
        )
        .await;
    assert_eq!(down.as_array().unwrap().len(), 3);
    let parent = s.ok("find_brief_biz_topo_node_relation", json!({"src_biz_obj": "module", "src_ids": [m1, m2], "dest_biz_obj": "set", "page": {"start": 1, "limit": 1}})).await;
    assert_eq!(parent.as_array().unwrap().len(), 1);
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "set", "src_ids": [1], "dest_biz_obj": "nope", "page": page}),
        1101048,
    )
    .await;
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "set", "src_ids": [1], "dest_biz_obj": "set", "page": page}),
        1199006,
    )
    .await;
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "set", "src_ids": [1], "dest_biz_obj": "module", "page": {"limit": 501}}),
        1199006,
    )
    .await;
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "set", "src_ids": [1], "dest_biz_obj": "module", "page": {"limit": 5, "sort": "x"}}),
        1199006,
    )
    .await;
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "set", "src_ids": [], "dest_biz_obj": "module", "page": page}),
        1199006,
    )
    .await;

    // brief tree with hosts
    let h = host_id();
    s.seed_host(h, biz, set_a, m1).await;
    s.seed_host(h, biz, set_a, m2).await;
    let tree = s
        .ok("find_biz_tree_brief_info", json!({"bk_biz_id": biz, "set_fields": ["bk_set_id", "bk_set_name"], "module_fields": ["bk_module_id"], "host_fields": ["bk_host_id"]}))
        .await;
    assert_eq!(tree.as_array().unwrap().len(), 3);
    assert_eq!(tree[0]["set"], json!({"bk_set_id": idle, "bk_set_name": "idle pool"}));
    let a = tree.as_array().unwrap().iter().find(|t| t["set"]["bk_set_id"] == set_a).unwrap();
    assert_eq!(
        a["modules"],
        json!([{"module": {"bk_module_id": m1}, "hosts": [{"bk_host_id": h}]}, {"module": {"bk_module_id": m2}, "hosts": [{"bk_host_id": h}]}])
    );
    s.fails(
        "find_biz_tree_brief_info",
        json!({"bk_biz_id": biz, "set_fields": [], "module_fields": ["x"], "host_fields": ["y"]}),
        1199006,
    )
    .await;
    s.unseed_host(h).await;
});

both!(sensitive_and_location, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, _) = new_biz(s).await;
    let snap = snapshot(s).await;
    s.fails("update_biz_sensitive", json!({"bk_biz_id": 987654321, "bk_product_id": 1}), 1199019).await;
    s.fails("update_biz_sensitive", json!({"bk_biz_id": biz}), 1199005).await;
    assert_eq!(snapshot(s).await, snap);
    s.ok("update_biz_sensitive", json!({"bk_biz_id": biz, "bk_product_id": 123})).await;
    s.ok("update_biz_sensitive", json!({"bk_biz_id": biz, "bk_obs_tag": "x"})).await;
    let got = s.ok("find_biz_sensitive_batch", json!({"bk_biz_ids": [biz, 987654321, 2]})).await;
    assert_eq!(got["count"], 2);
    assert_eq!(got["info"][0], json!({"bk_biz_id": biz, "bk_product_id": 123, "bk_obs_tag": "x"}));
    assert_eq!(got["info"][1], json!({"bk_biz_id": 2}));
    let some = s.ok("find_biz_sensitive_batch", json!({"bk_biz_ids": [biz], "fields": ["bk_product_id"]})).await;
    assert_eq!(some["info"], json!([{"bk_product_id": 123}]));
    s.fails("find_biz_sensitive_batch", json!({"bk_biz_ids": []}), 1199010).await;
    let loc = s.ok("get_biz_location", json!({"bk_biz_ids": [biz, 987654321]})).await;
    assert_eq!(loc, json!([{"bk_biz_id": biz, "bk_location": "v3.0"}]));
    s.fails("get_biz_location", json!({}), 1199010).await;
});

both!(get_endpoints_take_query_parameters, |s| async move {
    let _serial = SERIAL.lock().await;
    let (biz, _) = new_biz(s).await;
    let url = format!("{}?bk_biz_id={biz}", s.endpoint("get_biz_internal_module"));
    let resp = reqwest::Client::new().get(url).header("X-Bkapi-Authorization", common::AUTH).send().await.unwrap();
    let env: Value = resp.json().await.unwrap();
    assert_eq!(env["result"], true, "{env}");
    assert_eq!(env["data"]["module"].as_array().unwrap().len(), 3);
});
