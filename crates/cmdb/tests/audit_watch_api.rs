//! Area `audit-watch` (audit-and-watch.md): the operation audit of every area's writes,
//! resource_watch's modes and errors, and the legacy subscription registry — on both backends.

mod common;

use common::{unique, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const NO_EVENT: &str = "MQ0xDTVlYTZkM2YzOTRjMWY1ZDk4NmU5YmQ4Ng1ub0V2ZW50DTENMQ==";

fn today() -> Value {
    json!({"start": "2000-01-01 00:00:00", "end": "2100-01-01"})
}

/// Audit records of one resource name and type, oldest first.
async fn audits(s: &Server, resource_type: &str, name: &str) -> Vec<Value> {
    let found = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "resource_type": resource_type, "resource_name": name}, "page": {"start": 0, "limit": 200}}))
        .await;
    found["info"].as_array().unwrap().clone()
}

fn actions(records: &[Value]) -> Vec<String> {
    records.iter().map(|r| r["action"].as_str().unwrap().to_string()).collect()
}

both!(every_area_is_audited, |s| async move {
    // model area
    let cls = unique("cls");
    s.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    let obj = unique("obj");
    s.ok(
        "create_object",
        json!({"bk_obj_id": obj, "bk_obj_name": obj, "bk_classification_id": cls, "bk_obj_icon": "i"}),
    )
    .await;
    let model_rec = s.ok("search_objects", json!({"bk_obj_id": obj})).await;
    let model_id = model_rec[0]["id"].as_i64().unwrap();
    s.ok("update_object", json!({"id": model_id, "bk_obj_name": format!("{obj}x")})).await;
    // instance area
    let name = unique("inst");
    let inst =
        s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": name})).await["bk_inst_id"].as_i64().unwrap();
    s.ok("update_inst", json!({"bk_obj_id": obj, "bk_inst_id": inst, "bk_inst_name": name})).await;
    s.ok("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": inst})).await;
    let recs = audits(s, "model_instance", &name).await;
    assert_eq!(actions(&recs), ["create", "update", "delete"]);
    assert_eq!(recs[0]["resource_id"], inst);
    assert_eq!(recs[0]["audit_type"], "", "table view leaves audit_type empty");
    assert_eq!(recs[0]["operation_detail"], Value::Null);
    // topology area
    let biz_name = unique("biz");
    let biz = s
        .ok("create_business", json!({"data": {"bk_biz_name": biz_name, "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await["bk_biz_id"]
        .as_i64()
        .unwrap();
    let set_name = unique("set");
    let set = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": set_name}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    s.ok("update_set", json!({"bk_biz_id": biz, "bk_set_id": set, "data": {"bk_set_desc": "d"}})).await;
    s.ok("delete_set", json!({"bk_biz_id": biz, "bk_set_id": set})).await;
    let recs = audits(s, "set", &set_name).await;
    assert_eq!(actions(&recs), ["create", "update", "delete"]);
    assert_eq!(recs[0]["bk_biz_id"], biz);
    let biz_recs = audits(s, "business", &biz_name).await;
    assert_eq!(actions(&biz_recs), ["create"]);

    // the full record by id
    let ids: Vec<i64> = recs.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    let full = s.ok("find_audit_by_id", json!({"id": [ids[1], 987654321]})).await;
    assert_eq!(full.as_array().unwrap().len(), 1);
    let rec = &full[0];
    assert_eq!(rec["audit_type"], "business_resource");
    assert_eq!(rec["resource_type"], "set");
    assert_eq!(rec["action"], "update");
    assert_eq!(rec["user"], "admin");
    assert_eq!(rec["operate_from"], "user");
    assert_eq!(rec["operation_detail"]["bk_obj_id"], "set");
    assert_eq!(rec["operation_detail"]["details"]["update_fields"], json!({"bk_set_desc": "d"}));
    assert_eq!(rec["operation_detail"]["details"]["pre_data"]["bk_set_desc"], "");
    assert!(rec["operation_time"].as_str().unwrap().len() == 19);
    s.fails("find_audit_by_id", json!({"id": []}), 1199010).await;
    s.fails("find_audit_by_id", json!({"id": [987654321]}), 1199011).await;
    s.fails("find_audit_by_id", json!({"id": (1..=201).collect::<Vec<i64>>()}), 1199059).await;

    // filters
    let page = json!({"start": 0, "limit": 10});
    let by_obj = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "resource_type": "model_instance", "bk_obj_id": obj}, "page": page}))
        .await;
    assert_eq!(by_obj["count"], 3);
    let deletes = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "resource_type": "model_instance", "bk_obj_id": obj, "action": ["delete"]}, "page": page}))
        .await;
    assert_eq!(deletes["count"], 1);
    let fuzzy = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "resource_name": name.to_uppercase(), "fuzzy_query": true}, "page": page}))
        .await;
    assert_eq!(fuzzy["count"], 3);
    let contains = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "condition": [{"field": "resource_name", "operator": "contains", "value": name.to_uppercase()}]}, "page": page}))
        .await;
    assert_eq!(contains["count"], 3);
    let in_names = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "condition": [{"field": "resource_name", "operator": "in", "value": [name, set_name]}]}, "page": {"start": 0, "limit": 10, "sort": "-operation_time"}}))
        .await;
    assert_eq!(in_names["count"], 6);
    let business = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "category": "business", "resource_name": set_name}, "page": page}))
        .await;
    assert_eq!(business["count"], 3);
    let mismatch = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": today(), "category": "host", "audit_type": "model", "resource_name": set_name}, "page": page}))
        .await;
    assert_eq!(mismatch, json!({"count": 0, "info": []}));
    let future = s
        .ok("list_operation_audit", json!({"condition": {"operation_time": {"start": "2099-01-01"}}, "page": page}))
        .await;
    assert_eq!(future["count"], 0);
    s.fails("list_operation_audit", json!({"condition": {}, "page": page}), 1199010).await;
    s.fails(
        "list_operation_audit",
        json!({"condition": {"operation_time": {"start": "yesterday"}}, "page": page}),
        1199006,
    )
    .await;
    s.fails("list_operation_audit", json!({"condition": {"operation_time": today()}, "page": {"limit": 0}}), 1199006)
        .await;
    s.fails("list_operation_audit", json!({"condition": {"operation_time": today()}, "page": {"limit": 201}}), 1199059)
        .await;
    s.fails(
        "list_operation_audit",
        json!({"condition": {"operation_time": today(), "resource_type": "set", "bk_obj_id": "x"}, "page": page}),
        1199006,
    )
    .await;
    s.fails("list_operation_audit", json!({"condition": {"operation_time": today(), "condition": [{"field": "user", "operator": "equal", "value": "a"}]}, "page": page}), 1199006).await;
    s.fails("list_operation_audit", json!({"condition": {"operation_time": today(), "user": "a", "condition": [{"field": "user", "operator": "in", "value": ["a"]}]}, "page": page}), 1199006).await;
});

both!(watch_modes, |s| async move {
    let model = s.new_model().await;
    let obj = model["bk_obj_id"].as_str().unwrap().to_string();
    let watch = |extra: Value| {
        let mut b = json!({"bk_resource": "object_instance", "bk_filter": {"bk_sub_resource": obj}});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    // nothing of this model yet: the latest event (of another model) does not match
    let first = s.ok("resource_watch", watch(json!({}))).await;
    assert_eq!(first["bk_watched"], false);
    let start_cursor = first["bk_events"][0]["bk_cursor"].as_str().unwrap().to_string();

    let a = s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a"})).await["bk_inst_id"].as_i64().unwrap();
    // no cursor: the latest event itself
    let latest = s.ok("resource_watch", watch(json!({"bk_fields": ["bk_inst_id", "bk_inst_name"]}))).await;
    assert_eq!(latest["bk_watched"], true);
    let e = &latest["bk_events"][0];
    assert_eq!(e["bk_event_type"], "create");
    assert_eq!(e["bk_resource"], "object_instance");
    assert_eq!(e["bk_detail"], json!({"bk_inst_id": a, "bk_inst_name": "a"}));
    let cursor = e["bk_cursor"].as_str().unwrap().to_string();

    // follow: a write wakes a waiting watcher long before the 20 s poll ends
    let started = Instant::now();
    let waiter = {
        let body = watch(json!({"bk_cursor": cursor}));
        tokio::spawn(async move { s.ok("resource_watch", body).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.ok("update_inst", json!({"bk_obj_id": obj, "bk_inst_id": a, "bk_inst_name": "a2"})).await;
    let woke = waiter.await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "long poll not woken: {:?}", started.elapsed());
    assert_eq!(woke["bk_watched"], true);
    assert_eq!(woke["bk_events"][0]["bk_event_type"], "update");
    assert_eq!(woke["bk_events"][0]["bk_detail"]["bk_inst_name"], "a2");
    let after_update = woke["bk_events"][0]["bk_cursor"].as_str().unwrap().to_string();

    // types filter; from the no-event cursor everything retained
    s.ok("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": a})).await;
    let deletes = s.ok("resource_watch", watch(json!({"bk_cursor": cursor, "bk_event_types": ["delete"]}))).await;
    assert_eq!(deletes["bk_events"].as_array().unwrap().len(), 1);
    assert_eq!(deletes["bk_events"][0]["bk_detail"]["bk_inst_name"], "a2");
    let all = s.ok("resource_watch", watch(json!({"bk_cursor": NO_EVENT}))).await;
    let kinds: Vec<&str> =
        all["bk_events"].as_array().unwrap().iter().map(|e| e["bk_event_type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["create", "update", "delete"]);
    let from_start = s.ok("resource_watch", watch(json!({"bk_cursor": start_cursor}))).await;
    assert_eq!(from_start["bk_events"].as_array().unwrap().len(), 3);
    // start time: events after it
    let since = s.ok("resource_watch", watch(json!({"bk_start_from": chrono_now() - 60}))).await;
    assert_eq!(since["bk_watched"], true);
    assert_eq!(since["bk_events"].as_array().unwrap().len(), 3);

    // errors
    s.fails("resource_watch", json!({"bk_resource": "nope"}), 1199998).await;
    s.fails("resource_watch", json!({"bk_resource": "biz"}), 1199998).await;
    s.fails(
        "resource_watch",
        json!({"bk_resource": "set", "bk_fields": ["bk_set_id"], "bk_filter": {"bk_sub_resource": "x"}}),
        1199998,
    )
    .await;
    s.fails("resource_watch", watch(json!({"bk_event_types": ["upsert"]})), 1199998).await;
    s.fails("resource_watch", watch(json!({"bk_cursor": after_update, "bk_start_from": chrono_now()})), 1199998).await;
    s.fails("resource_watch", watch(json!({"bk_start_from": chrono_now() + 3600})), 1199006).await;
    s.fails("resource_watch", watch(json!({"bk_start_from": 1})), 1199006).await;
    s.fails("resource_watch", watch(json!({"bk_cursor": "bm90IGEgY3Vyc29y"})), 1103007).await;
    s.fails(
        "resource_watch",
        json!({"bk_resource": "set", "bk_fields": ["bk_set_id"], "bk_cursor": after_update}),
        1103007,
    )
    .await;

    // biz/set/module events carry the fields asked for
    let biz = s
        .ok("create_business", json!({"data": {"bk_biz_name": unique("wb"), "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await["bk_biz_id"]
        .as_i64()
        .unwrap();
    let sets =
        s.ok("resource_watch", json!({"bk_resource": "set", "bk_fields": ["bk_set_id", "bk_biz_id", "default"]})).await;
    assert_eq!(sets["bk_events"][0]["bk_detail"]["bk_biz_id"], biz);
    assert_eq!(sets["bk_events"][0]["bk_detail"]["default"], 1);
});

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

both!(subscriptions, |s| async move {
    let name = unique("sub");
    let body = json!({"subscription_name": name, "system_name": "sys", "callback_url": "http://127.0.0.1:1/cb", "confirm_mode": "httpstatus", "subscription_form": "hostupdate, hostcreate", "timeout": 0});
    let created = s.ok("subscribe_event", body.clone()).await;
    let id = created["subscription_id"].as_i64().unwrap();
    s.fails("subscribe_event", body.clone(), 1199014).await;
    let mut bad = body.clone();
    bad["subscription_name"] = json!(unique("sub"));
    bad["confirm_mode"] = json!("sometimes");
    s.fails("subscribe_event", bad.clone(), 1199006).await;
    bad["confirm_mode"] = json!("regular");
    bad["callback_url"] = json!("");
    s.fails("subscribe_event", bad, 1199010).await;
    let found = s.ok("search_subscription", json!({"condition": {"subscription_name": name}})).await;
    assert_eq!(found["count"], 1);
    let rec = &found["info"][0];
    assert_eq!(rec["subscription_form"], "hostcreate,hostupdate");
    assert_eq!(rec["confirm_pattern"], "200");
    assert_eq!(rec["time_out"], 10);
    assert_eq!(rec["operator"], "admin");
    assert_eq!(rec["statistics"], json!({"total": 0, "failure": 0}));
    let mut upd = body.clone();
    upd["subscription_id"] = json!(id);
    upd["confirm_mode"] = json!("regular");
    upd["confirm_pattern"] = json!("ok");
    upd["time_out"] = json!(30);
    s.ok("update_event_subscribe", upd.clone()).await;
    let found = s
        .ok(
            "search_subscription",
            json!({"condition": {"subscription_id": id}, "fields": ["confirm_mode", "time_out"]}),
        )
        .await;
    assert_eq!(
        found["info"][0],
        json!({"confirm_mode": "regular", "time_out": 30, "statistics": {"total": 0, "failure": 0}})
    );
    upd["subscription_id"] = json!(987654321);
    s.fails("update_event_subscribe", upd, 1103003).await;
    s.ok("unsubcribe_event", json!({"subscription_id": id})).await;
    s.fails("unsubcribe_event", json!({"subscription_id": id}), 1103001).await;
    let found = s.ok("search_subscription", json!({"condition": {"subscription_name": name}})).await;
    assert_eq!(found["count"], 0);
});

both!(derived_events, |s| async move {
    // business-set membership: created, then a member archived
    let mut bizs = Vec::new();
    for _ in 0..2 {
        let b = s
            .ok("create_business", json!({"data": {"bk_biz_name": unique("rb"), "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
            .await;
        bizs.push(b["bk_biz_id"].as_i64().unwrap());
    }
    let scope = json!({"match_all": false, "filter": {"condition": "AND", "rules": [{"field": "bk_biz_id", "operator": "in", "value": bizs}]}});
    let set = s
        .ok("create_business_set", json!({"bk_biz_set_attr": {"bk_biz_set_name": unique("rs")}, "bk_scope": scope}))
        .await;
    assert!(set.as_i64().unwrap() > 9991001, "business set ids follow the built-in one");
    let latest = s.ok("resource_watch", json!({"bk_resource": "biz_set_relation"})).await;
    assert_eq!(latest["bk_watched"], true);
    assert_eq!(latest["bk_events"][0]["bk_event_type"], "update");
    assert_eq!(latest["bk_events"][0]["bk_detail"], json!({"bk_biz_set_id": set, "bk_biz_ids": bizs}));
    let cursor = latest["bk_events"][0]["bk_cursor"].as_str().unwrap().to_string();
    s.ok("update_business_enable_status", json!({"bk_biz_id": bizs[1], "flag": "disabled"})).await;
    let next = s.ok("resource_watch", json!({"bk_resource": "biz_set_relation", "bk_cursor": cursor})).await;
    // the built-in set (all businesses) changed too; ours now holds only the first business
    let mine = next["bk_events"].as_array().unwrap().iter().find(|e| e["bk_detail"]["bk_biz_set_id"] == set).unwrap();
    assert_eq!(mine["bk_detail"], json!({"bk_biz_set_id": set, "bk_biz_ids": [bizs[0]]}));
    let cursor = next["bk_events"].as_array().unwrap().last().unwrap()["bk_cursor"].as_str().unwrap().to_string();
    s.ok("batch_delete_business_set", json!({"bk_biz_set_ids": [set]})).await;
    let gone = s.ok("resource_watch", json!({"bk_resource": "biz_set_relation", "bk_cursor": cursor})).await;
    assert_eq!(gone["bk_events"][0]["bk_detail"], json!({"bk_biz_set_id": set, "bk_biz_ids": []}));

    // a table row change is an update of its owner
    let model = s.new_model().await;
    let obj = model["bk_obj_id"].as_str().unwrap().to_string();
    let option = json!({"header": [{"bk_property_id": "disk", "bk_property_name": "disk", "bk_property_type": "singlechar"}], "default": []});
    s.ok("create_object_attribute", json!({"bk_obj_id": obj, "bk_property_id": "disks", "bk_property_name": "disks", "bk_property_type": "innertable", "option": option})).await;
    let owner =
        s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "o"})).await["bk_inst_id"].as_i64().unwrap();
    s.ok(
        "batch_create_quoted_inst",
        json!({"bk_obj_id": obj, "bk_property_id": "disks", "data": [{"bk_inst_id": owner, "disk": "sda"}]}),
    )
    .await;
    let latest =
        s.ok("resource_watch", json!({"bk_resource": "object_instance", "bk_filter": {"bk_sub_resource": obj}})).await;
    assert_eq!(latest["bk_events"][0]["bk_event_type"], "update");
    assert_eq!(latest["bk_events"][0]["bk_detail"]["bk_inst_id"], owner);

    // audit records: no bk_biz_id key outside businesses, times as strings
    let recs = audits(s, "model_instance", "o").await;
    let rec = recs.iter().rev().find(|r| r["resource_id"] == owner).unwrap();
    assert!(rec.get("bk_biz_id").is_none(), "{rec}");
    let full = s.ok("find_audit_by_id", json!({"id": [rec["id"]]})).await;
    assert!(full[0]["operation_detail"]["details"]["cur_data"]["create_time"].is_string(), "{}", full[0]);
});
