//! Instance endpoints over HTTP, on SQLite and PostgreSQL.

mod common;

use common::Server;
use serde_json::{json, Value};

/// A model with a few typed attributes: `size` int 0..100, `level` enum, `owner` objuser, `note` singlechar.
async fn typed_model(s: &Server) -> String {
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap().to_string();
    for attr in [
        json!({"bk_property_id": "size", "bk_property_type": "int", "option": {"min": 0, "max": 100}, "editable": true}),
        json!({"bk_property_id": "level", "bk_property_type": "enum", "editable": true,
               "option": [{"id": "low", "name": "Low", "type": "text", "is_default": true}, {"id": "high", "name": "High", "type": "text", "is_default": false}]}),
        json!({"bk_property_id": "owner", "bk_property_type": "objuser", "editable": true}),
        json!({"bk_property_id": "note", "bk_property_type": "singlechar", "editable": true}),
        json!({"bk_property_id": "seen", "bk_property_type": "time", "editable": true}),
    ] {
        let mut a = attr.clone();
        a["bk_obj_id"] = json!(obj);
        a["bk_property_name"] = a["bk_property_id"].clone();
        s.ok("create_object_attribute", a).await;
    }
    obj
}

fn names(info: &Value) -> Vec<String> {
    info.as_array().unwrap().iter().map(|d| d["bk_inst_name"].as_str().unwrap().to_string()).collect()
}

both!(create_inst_as_the_seed_shows, |s| async move {
    let obj = typed_model(s).await;
    // Auth fields in the body, exactly like the seed's request example.
    let body = json!({"bk_app_code": "esb_test", "bk_app_secret": "xxx", "bk_username": "xxx", "bk_token": "xxx",
                      "bk_obj_id": obj, "bk_inst_name": "example18", "bk_biz_id": 0});
    let (status, text) = s.raw("/api/c/compapi/v2/cc/create_inst/", body.to_string().into_bytes(), &[]).await;
    assert_eq!(status, 200);
    let env: Value = serde_json::from_str(&text).unwrap();
    common::check_envelope(&env);
    let d = &env["data"];
    assert_eq!(env["result"], true, "{env}");
    assert_eq!(d["bk_inst_name"], "example18");
    assert_eq!(d["bk_obj_id"], obj);
    assert_eq!(d["bk_biz_id"], 0);
    assert_eq!(d["bk_supplier_account"], "0");
    assert!(d["bk_inst_id"].as_i64().unwrap() > 0);
    assert_eq!(d["note"], "", "unset singlechar is empty");
    assert_eq!(d["level"], "low", "enum takes its default option");
    assert!(d["size"].is_null());
    for k in ["bk_app_code", "bk_app_secret", "bk_username", "bk_token"] {
        assert!(d.get(k).is_none(), "auth field {k} is never stored");
    }
    let t = d["create_time"].as_str().unwrap();
    let re = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}([+-]\d\d:\d\d|Z)$").unwrap();
    assert!(re.is_match(t), "{t}");
    assert_eq!(d["create_time"], d["last_time"]);
    assert_eq!(d["bk_created_by"], "xxx");
});

both!(instance_validation_and_uniqueness, |s| async move {
    let obj = typed_model(s).await;
    let before = s.ok("count_object_instances", json!({"bk_obj_id": obj})).await["count"].as_i64().unwrap();
    s.fails("create_inst", json!({"bk_obj_id": obj}), 1199010).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "size": "big"}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "size": 101}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "level": "mid"}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "owner": "bad user"}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "bk_biz_id": 999999}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "  "}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": "biz", "bk_inst_name": "a"}), 1199084).await;
    s.fails("create_inst", json!({"bk_obj_id": "no_such_model", "bk_inst_name": "a"}), 1199011).await;
    s.fails("create_inst", json!({"bk_inst_name": "a"}), 1306406).await;
    let a = s
        .ok(
            "create_inst",
            json!({"bk_obj_id": obj, "bk_inst_name": "a", "size": 5, "unknown_key": 1, "seen": "2024-05-01 10:00:00"}),
        )
        .await;
    assert!(a.get("unknown_key").is_none());
    assert!(a["seen"].as_str().unwrap().starts_with("2024-05-01T"));
    let msg = s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a"}), 1199014).await;
    assert!(msg.contains("bk_inst_name"), "{msg}");
    let after = s.ok("count_object_instances", json!({"bk_obj_id": obj})).await["count"].as_i64().unwrap();
    assert_eq!(after, before + 1, "failed creates left nothing");
    // paused model
    let m = s.ok("search_objects", json!({"bk_obj_id": obj})).await;
    s.ok("update_object", json!({"id": m[0]["id"], "bk_ispaused": true})).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "b"}), 1101084).await;
});

both!(update_and_delete, |s| async move {
    let obj = typed_model(s).await;
    let a = s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "a", "size": 1})).await;
    let b = s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "b", "size": 2})).await;
    let (ia, ib) = (a["bk_inst_id"].as_i64().unwrap(), b["bk_inst_id"].as_i64().unwrap());
    s.ok(
        "update_inst",
        json!({"bk_obj_id": obj, "bk_inst_id": ia, "size": 50, "note": " hi ", "bk_biz_id": 5, "bk_inst_id_x": 1}),
    )
    .await;
    let got = s.ok("search_inst_by_object", json!({"bk_obj_id": obj, "condition": {"bk_inst_id": ia}})).await;
    assert_eq!(got["info"][0]["size"], 50);
    assert_eq!(got["info"][0]["note"], "hi");
    assert_eq!(got["info"][0]["bk_updated_by"], "admin");
    assert!(got["info"][0].get("bk_biz_id").is_none(), "bk_biz_id cannot be set by an update");
    s.fails("update_inst", json!({"bk_obj_id": obj, "bk_inst_id": ia, "bk_inst_name": "b"}), 1199014).await;
    s.fails("update_inst", json!({"bk_obj_id": obj, "bk_inst_id": ia, "size": -1}), 1199011).await;
    s.fails("update_inst", json!({"bk_obj_id": obj, "bk_inst_id": 987654321, "size": 1}), 1199019).await;
    // batch update: all or nothing
    s.fails("batch_update_inst", json!({"bk_obj_id": obj, "update": [{"inst_id": ia, "datas": {"size": 7}}, {"inst_id": ib, "datas": {"size": 700}}]}), 1199011).await;
    let got = s.ok("search_inst_by_object", json!({"bk_obj_id": obj, "condition": {"bk_inst_id": ia}})).await;
    assert_eq!(got["info"][0]["size"], 50, "the failed batch changed nothing");
    s.fails("batch_update_inst", json!({"bk_obj_id": obj, "update": [{"datas": {"size": 7}}]}), 1199006).await;
    s.ok("batch_update_inst", json!({"bk_obj_id": obj, "update": [{"inst_id": ia, "datas": {"size": 7}}, {"inst_id": ib, "datas": {"size": 8}}]})).await;
    let got =
        s.ok("search_inst_by_object", json!({"bk_obj_id": obj, "page": {"sort": "size"}, "fields": ["size"]})).await;
    assert_eq!(got["info"], json!([{"size": 7}, {"size": 8}]));
    // batch create: partial success
    let r = s
        .ok(
            "batch_create_inst",
            json!({"bk_obj_id": obj, "details": [{"bk_inst_name": "c"}, {"bk_inst_name": "a"}, {"size": 3}]}),
        )
        .await;
    assert_eq!(r["success_created"].as_object().unwrap().len(), 1);
    assert!(r["success_created"]["0"].as_i64().is_some());
    assert!(r["error_msg"]["1"].as_str().unwrap().contains("duplicated"));
    assert!(r["error_msg"]["2"].is_string());
    s.fails("batch_create_inst", json!({"bk_obj_id": obj, "details": []}), 1199038).await;
    let many: Vec<Value> = (0..201).map(|i| json!({"bk_inst_name": format!("n{i}")})).collect();
    s.fails("batch_create_inst", json!({"bk_obj_id": obj, "details": many}), 1199035).await;
    // delete
    s.ok("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": ia})).await;
    s.ok("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": ia})).await;
    s.fails("batch_delete_inst", json!({"bk_obj_id": obj, "delete": {"inst_ids": [0]}}), 1199006).await;
    s.ok("batch_delete_inst", json!({"bk_obj_id": obj, "delete": {"inst_ids": [ib, 987654321]}})).await;
    let left = s.ok("search_inst_by_object", json!({"bk_obj_id": obj})).await;
    assert_eq!(names(&left["info"]), ["c"]);
    // a model with instances cannot be deleted
    let m = s.ok("search_objects", json!({"bk_obj_id": obj})).await;
    s.fails("delete_object", json!({"id": m[0]["id"]}), 1101037).await;
});

both!(searches, |s| async move {
    let obj = typed_model(s).await;
    for (n, size, level) in [("Web-01", 10, "low"), ("web-02", 20, "high"), ("db-01", 30, "high"), ("a'b", 40, "low")] {
        s.ok(
            "create_inst",
            json!({"bk_obj_id": obj, "bk_inst_name": n, "size": size, "level": level, "owner": "admin,bob"}),
        )
        .await;
    }
    let q = |conditions: Value| json!({"bk_obj_id": obj, "conditions": conditions, "page": {"start": 0, "limit": 10, "sort": "bk_inst_name"}});
    let r = s
        .ok("search_object_instances", q(json!({"field": "bk_inst_name", "operator": "contains", "value": "WEB"})))
        .await;
    assert_eq!(names(&r["info"]), ["Web-01", "web-02"]);
    let r = s
        .ok("search_object_instances", q(json!({"condition": "OR", "rules": [{"field": "size", "operator": "greater", "value": 25}, {"field": "level", "operator": "equal", "value": "low"}]})))
        .await;
    assert_eq!(names(&r["info"]), ["Web-01", "a'b", "db-01"]);
    let r =
        s.ok("search_object_instances", q(json!({"field": "bk_inst_name", "operator": "equal", "value": "a'b"}))).await;
    assert_eq!(names(&r["info"]), ["a'b"]);
    let r = s.ok("search_object_instances", q(json!({"field": "owner", "operator": "contains", "value": "bob"}))).await;
    assert_eq!(r["info"].as_array().unwrap().len(), 4);
    let r = s
        .ok("search_object_instances", json!({"bk_obj_id": obj, "conditions": {"field": "size", "operator": "in", "value": [10, 30]}, "fields": ["size"], "page": {"limit": 10, "sort": "-size"}}))
        .await;
    assert_eq!(r["info"], json!([{"size": 30}, {"size": 10}]));
    let r = s
        .ok("search_object_instances", json!({"bk_obj_id": obj, "conditions": {"field": "create_time", "operator": "datetime_greater", "value": "2000-01-01 00:00:00"}, "page": {"limit": 2}}))
        .await;
    assert_eq!(r["info"].as_array().unwrap().len(), 2);
    s.fails("search_object_instances", json!({"bk_obj_id": obj, "page": {"limit": 0}}), 1199006).await;
    s.fails("search_object_instances", json!({"bk_obj_id": obj, "page": {"limit": 501}}), 1199006).await;
    s.fails("search_object_instances", q(json!({"field": "size", "operator": "between", "value": [1, 2]})), 1199006)
        .await;
    s.fails("search_object_instances", json!({"bk_obj_id": "host", "page": {"limit": 1}}), 1199084).await;
    assert_eq!(
        s.ok("search_object_instances", json!({"bk_obj_id": "nope_model", "page": {"limit": 1}})).await,
        json!({"info": []})
    );
    let c = s
        .ok(
            "count_object_instances",
            json!({"bk_obj_id": obj, "conditions": {"field": "level", "operator": "equal", "value": "high"}}),
        )
        .await;
    assert_eq!(c["count"], 2);
    let r = s.ok("search_inst_by_object", json!({"bk_obj_id": obj, "condition": {"bk_inst_name": {"$regex": "^web", "$options": "i"}}, "page": {"sort": "-bk_inst_name"}})).await;
    assert_eq!(r["count"], 2);
    assert_eq!(names(&r["info"]), ["web-02", "Web-01"]);
    s.fails("search_inst_by_object", json!({"bk_obj_id": obj, "condition": {"$where": "1"}}), 1199006).await;
    let r = s.ok("search_inst", json!({"bk_obj_id": obj, "condition": {obj.clone(): [{"field": "bk_inst_name", "operator": "$regex", "value": "b-0"}]}})).await;
    assert_eq!(names(&r["info"]), ["Web-01", "web-02", "db-01"]);
    let r = s
        .ok("search_inst", json!({"bk_obj_id": obj, "condition": {obj.clone(): [{"field": "size", "operator": "$gte", "value": 20}]}, "fields": {obj.clone(): ["bk_inst_name"]}, "page": {"start": 1, "limit": 1, "sort": "size"}}))
        .await;
    assert_eq!(r["count"], 3);
    assert_eq!(r["info"], json!([{"bk_inst_name": "db-01"}]));
    let r = s
        .ok("search_inst_by_object", json!({"bk_obj_id": obj, "time_condition": {"oper": "and", "rules": [{"field": "bk_created_at", "start": "2000-01-01 00:00:00", "end": "2999-01-01 00:00:00"}]}}))
        .await;
    assert_eq!(r["count"], 4);
    s.fails("search_inst_by_object", json!({"bk_obj_id": obj, "time_condition": {"oper": "or", "rules": []}}), 1199006)
        .await;
});

both!(literal_values_are_matched_literally, |s| async move {
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap().to_string();
    let values = ["a'b", "x%y", "p_q", "(.*)", "\"; drop table t; --", "中文", "xay", "pzq"];
    for v in values {
        s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": v})).await;
    }
    for v in &values[..6] {
        let r = s.ok("search_inst_by_object", json!({"bk_obj_id": obj, "condition": {"bk_inst_name": v}})).await;
        assert_eq!(names(&r["info"]), [v.to_string()], "{v}");
        let r = s.ok("search_object_instances", json!({"bk_obj_id": obj, "conditions": {"field": "bk_inst_name", "operator": "equal", "value": v}, "page": {"limit": 10}})).await;
        assert_eq!(names(&r["info"]), [v.to_string()], "{v}");
    }
    assert_eq!(s.ok("count_object_instances", json!({"bk_obj_id": obj})).await["count"], 8);
});

both!(instance_associations, |s| async move {
    let a = s.new_model().await["bk_obj_id"].as_str().unwrap().to_string();
    let b = s.new_model().await["bk_obj_id"].as_str().unwrap().to_string();
    let asst = s
        .ok(
            "create_object_association",
            json!({"bk_obj_id": a, "bk_asst_obj_id": b, "bk_asst_id": "connect", "mapping": "1:n"}),
        )
        .await;
    let asst_id = asst["bk_obj_asst_id"].as_str().unwrap().to_string();
    assert_eq!(asst_id, format!("{a}_connect_{b}"));
    let ia = s.ok("create_inst", json!({"bk_obj_id": a, "bk_inst_name": "a1"})).await["bk_inst_id"].as_i64().unwrap();
    let ia2 = s.ok("create_inst", json!({"bk_obj_id": a, "bk_inst_name": "a2"})).await["bk_inst_id"].as_i64().unwrap();
    let ib = s.ok("create_inst", json!({"bk_obj_id": b, "bk_inst_name": "b1"})).await["bk_inst_id"].as_i64().unwrap();
    let ib2 = s.ok("create_inst", json!({"bk_obj_id": b, "bk_inst_name": "b2"})).await["bk_inst_id"].as_i64().unwrap();
    let link = s
        .ok("add_instance_association", json!({"bk_obj_asst_id": asst_id, "bk_inst_id": ia, "bk_asst_inst_id": ib}))
        .await;
    let link_id = link["id"].as_i64().unwrap();
    s.fails(
        "add_instance_association",
        json!({"bk_obj_asst_id": asst_id, "bk_inst_id": ia, "bk_asst_inst_id": ib}),
        1101061,
    )
    .await;
    s.fails(
        "add_instance_association",
        json!({"bk_obj_asst_id": asst_id, "bk_inst_id": ia2, "bk_asst_inst_id": ib}),
        1101061,
    )
    .await;
    s.fails(
        "add_instance_association",
        json!({"bk_obj_asst_id": "nope", "bk_inst_id": ia, "bk_asst_inst_id": ib}),
        1101046,
    )
    .await;
    s.fails(
        "add_instance_association",
        json!({"bk_obj_asst_id": asst_id, "bk_inst_id": 987654321, "bk_asst_inst_id": ib2}),
        1101073,
    )
    .await;
    s.fails(
        "add_instance_association",
        json!({"bk_obj_asst_id": asst_id, "bk_inst_id": ia, "bk_asst_inst_id": 987654321}),
        1101074,
    )
    .await;
    // reads
    let found =
        s.ok("find_instance_association", json!({"bk_obj_id": b, "condition": {"bk_asst_id": "connect"}})).await;
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["bk_inst_id"], ia);
    let r = s.ok("search_instance_associations", json!({"bk_obj_id": a, "conditions": {"condition": "AND", "rules": [{"field": "bk_asst_inst_id", "operator": "equal", "value": ib}]}, "page": {"limit": 10}})).await;
    assert_eq!(r["info"].as_array().unwrap().len(), 1);
    assert_eq!(s.ok("count_instance_associations", json!({"bk_obj_id": a})).await["count"], 1);
    assert_eq!(
        s.ok("count_instance_associations", json!({"bk_obj_id": b})).await["count"],
        0,
        "counts only where the model is the source"
    );
    let topo = s.ok("search_inst_association_topo", json!({"bk_obj_id": a, "bk_inst_id": ia})).await;
    assert_eq!(topo[0]["bk_obj_id"], b);
    assert_eq!(topo[0]["count"], 1);
    assert_eq!(topo[0]["children"][0]["bk_inst_name"], "b1");
    assert_eq!(topo[0]["children"][0]["asso_id"], link_id);
    let rel = s
        .ok(
            "search_related_inst_asso",
            json!({"condition": {"bk_obj_id": b, "bk_inst_id": ib}, "fields": ["id", "bk_inst_id"]}),
        )
        .await;
    assert_eq!(rel, json!([{"id": link_id, "bk_inst_id": ia}]));
    s.fails(
        "search_related_inst_asso",
        json!({"condition": {"bk_obj_id": b, "bk_inst_id": ib}, "fields": []}),
        1199010,
    )
    .await;
    let base = s
        .ok(
            "search_inst_asst_object_inst_base_info",
            json!({"condition": {"bk_obj_id": a, "bk_inst_id": ia, "association_obj_id": b}}),
        )
        .await;
    assert_eq!(base, json!({"count": 1, "info": [{"bk_inst_id": ib, "bk_inst_name": "b1"}]}));
    let with = s
        .ok("find_instassociation_with_inst", json!({"bk_obj_id": a, "condition": {"asst_filter": {"condition": "AND", "rules": [{"field": "bk_obj_asst_id", "operator": "equal", "value": asst_id}]}, "dst_detail": true, "dst_fields": ["bk_inst_name"]}, "page": {"limit": 10}}))
        .await;
    assert_eq!(with["dst"], json!([{"bk_inst_name": "b1"}]));
    assert!(with["src"].is_null());
    s.fails("find_instassociation_with_inst", json!({"bk_obj_id": a, "condition": {"asst_filter": {"condition": "AND", "rules": [{"field": "id", "operator": "equal", "value": 1}]}}, "page": {"limit": 0}}), 1199010).await;
    // an associated instance cannot be deleted
    s.fails("delete_inst", json!({"bk_obj_id": b, "bk_inst_id": ib}), 1101075).await;
    // batch create: partial success
    let r = s
        .ok("batch_create_instance_association", json!({"bk_obj_id": a, "bk_asst_obj_id": b, "bk_obj_asst_id": asst_id, "details": [{"bk_inst_id": ia2, "bk_asst_inst_id": ib2}, {"bk_inst_id": ia, "bk_asst_inst_id": ib}]}))
        .await;
    assert!(r["success_created"]["0"].as_i64().is_some());
    assert!(r["error_msg"]["1"].as_str().unwrap().contains("1:n"), "{r}");
    s.fails("batch_create_instance_association", json!({"bk_obj_id": b, "bk_asst_obj_id": a, "bk_obj_asst_id": asst_id, "details": [{"bk_inst_id": 1, "bk_asst_inst_id": 2}]}), 1199006).await;
    // deletes
    let second = r["success_created"]["0"].as_i64().unwrap();
    assert_eq!(s.ok("delete_related_inst_asso", json!({"bk_obj_id": a, "id": [second, 987654321]})).await, 1);
    s.fails("delete_related_inst_asso", json!({"bk_obj_id": a, "id": []}), 1199003).await;
    s.ok("delete_instance_association", json!({"bk_obj_id": b, "id": link_id})).await;
    assert_eq!(s.ok("count_instance_associations", json!({"bk_obj_id": a})).await["count"], 0);
    s.ok("delete_inst", json!({"bk_obj_id": b, "bk_inst_id": ib})).await;
});

both!(quoted_instances, |s| async move {
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap().to_string();
    s.ok(
        "create_object_attribute",
        json!({"bk_obj_id": obj, "bk_property_id": "disks", "bk_property_name": "Disks", "bk_property_type": "innertable",
               "option": {"header": [{"bk_property_id": "dev", "bk_property_name": "Dev", "bk_property_type": "singlechar"},
                                     {"bk_property_id": "gb", "bk_property_name": "GB", "bk_property_type": "int", "option": {"min": 1, "max": 1000}}]}}),
    )
    .await;
    let ids = s
        .ok(
            "batch_create_quoted_inst",
            json!({"bk_obj_id": obj, "bk_property_id": "disks", "data": [{"dev": "sda", "gb": 10}, {"dev": "sdb"}]}),
        )
        .await;
    let ids: Vec<i64> = ids["ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    s.fails(
        "batch_create_quoted_inst",
        json!({"bk_obj_id": obj, "bk_property_id": "disks", "data": [{"gb": "x"}]}),
        1199009,
    )
    .await;
    s.fails(
        "batch_create_quoted_inst",
        json!({"bk_obj_id": obj, "bk_property_id": "bk_inst_name", "data": [{}]}),
        1199006,
    )
    .await;
    s.fails("batch_create_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "data": []}), 1199010)
        .await;
    let inst = s.ok("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "srv", "disks": ids})).await;
    let owner = inst["bk_inst_id"].as_i64().unwrap();
    assert!(inst.get("disks").is_none(), "table values are not stored in the instance");
    let list = s.ok("list_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "filter": {"field": "bk_inst_id", "operator": "equal", "value": owner}, "page": {"limit": 10}})).await;
    assert_eq!(list["info"].as_array().unwrap().len(), 2);
    assert_eq!(list["info"][0]["dev"], "sda");
    assert!(list["info"][1]["gb"].is_null());
    let count = s
        .ok("list_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "page": {"enable_count": true}}))
        .await;
    assert_eq!(count, json!({"count": 2, "info": []}));
    s.fails(
        "list_quoted_inst",
        json!({"bk_obj_id": obj, "bk_property_id": "disks", "page": {"enable_count": true, "limit": 5}}),
        1199006,
    )
    .await;
    s.fails("list_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "page": {}}), 1199011).await;
    s.fails("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": "srv2", "disks": [ids[0]]}), 1199006).await;
    s.ok(
        "batch_update_quoted_inst",
        json!({"bk_obj_id": obj, "bk_property_id": "disks", "ids": [ids[1]], "data": {"gb": 20, "bk_inst_id": 5}}),
    )
    .await;
    let list = s.ok("list_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "fields": ["gb", "bk_inst_id"], "page": {"limit": 10, "sort": "-gb"}})).await;
    assert_eq!(list["info"], json!([{"gb": 20, "bk_inst_id": owner}, {"gb": 10, "bk_inst_id": owner}]));
    s.ok("batch_delete_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "ids": [ids[0]]})).await;
    // deleting the owner deletes its rows
    s.ok("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": owner})).await;
    let count = s
        .ok("list_quoted_inst", json!({"bk_obj_id": obj, "bk_property_id": "disks", "page": {"enable_count": true}}))
        .await;
    assert_eq!(count["count"], 0);
});

both!(concurrent_writes_fail_alone, |s| async move {
    // Writers that overlap (SQLite batches them into one transaction with a savepoint each):
    // the failing ones leave nothing, the others all land.
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap().to_string();
    let audits_before = s.count_rows("audit_log").await;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let obj = obj.clone();
        // every name twice: one of each pair must fail with 1199014
        let name = format!("dup-{}", i / 2);
        tasks.push(tokio::spawn(async move {
            s.call("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": name})).await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let env = t.await.unwrap();
        if env["result"] == true {
            ok += 1;
        } else {
            assert_eq!(env["code"], 1199014, "{env}");
        }
    }
    assert_eq!(ok, 16);
    let r = s.ok("search_inst_by_object", json!({"bk_obj_id": obj})).await;
    assert_eq!(r["count"], 16);
    assert!(s.count_rows("audit_log").await >= audits_before + 16);
});
