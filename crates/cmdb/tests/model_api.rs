//! Model management endpoints over HTTP, on SQLite and PostgreSQL.

mod common;

use common::unique;
use serde_json::{json, Value};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v[key].as_str().unwrap_or_default().to_string()).collect()
}

both!(envelope_and_gateway_errors, |s| async move {
    // Unknown endpoint, missing user, non-JSON body, wrong JSON type.
    let (status, body) = s
        .raw("/api/c/compapi/v2/cc/no_such_endpoint/", b"{}".to_vec(), &[("X-Bkapi-Authorization", common::AUTH)])
        .await;
    assert_eq!(status, 200);
    let env: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(env["code"], 1306404);
    let (_, body) = s
        .raw(
            "/api/c/compapi/v2/cc/search_objects/",
            b"{}".to_vec(),
            &[("X-Bkapi-Authorization", r#"{"bk_app_code":"a"}"#)],
        )
        .await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], 1306401);
    let (_, body) = s.raw("/api/c/compapi/v2/cc/search_objects/", b"{}".to_vec(), &[]).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], 1306403);
    let (_, body) = s
        .raw("/api/c/compapi/v2/cc/search_objects/", b"{not json".to_vec(), &[("X-Bkapi-Authorization", common::AUTH)])
        .await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], 1199000);
    let (_, body) = s
        .raw("/api/c/compapi/v2/cc/search_objects/", b"[1]".to_vec(), &[("X-Bkapi-Authorization", common::AUTH)])
        .await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["code"], 1199000);
    // Auth fields in the body work as well; all path variants answer.
    for path in
        ["/api/c/compapi/v2/cc/search_objects", "/api/c/compapi/cc/search_objects/", "/api/c/compapi/cc/search_objects"]
    {
        let (_, body) = s
            .raw(
                path,
                br#"{"bk_app_code":"x","bk_app_secret":"y","bk_username":"admin","bk_obj_id":"biz"}"#.to_vec(),
                &[],
            )
            .await;
        let env: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(env["result"], true, "{path}: {env}");
        assert_eq!(env["data"].as_array().unwrap().len(), 1);
    }
    // An empty body is `{}`.
    let (_, body) =
        s.raw("/api/c/compapi/v2/cc/search_classifications/", vec![], &[("X-Bkapi-Authorization", common::AUTH)]).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["result"], true);
    // Body over the configured limit: the envelope, not a crash.
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(2 * 1024 * 1024));
    let (status, body) = s
        .raw("/api/c/compapi/v2/cc/search_objects/", big.into_bytes(), &[("X-Bkapi-Authorization", common::AUTH)])
        .await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["result"], false);
    // Caller's request id is echoed.
    let env =
        s.call_with("search_classifications", json!({}), &[("X-Request-Id", "0123456789abcdef0123456789abcdef")]).await;
    assert_eq!(env["request_id"], "0123456789abcdef0123456789abcdef");
});

both!(language_of_messages_and_names, |s| async move {
    let en = s.call_with("create_classification", json!({}), &[("Blueking-Language", "en")]).await;
    let zh = s.call_with("create_classification", json!({}), &[("Blueking-Language", "zh-cn")]).await;
    assert_eq!(en["code"], 1199010);
    assert_eq!(zh["code"], 1199010);
    assert_ne!(en["message"], zh["message"]);
    let host_en = s.ok("search_objects", json!({"bk_obj_id": "host"})).await;
    assert_eq!(host_en[0]["bk_obj_name"], "Host");
    let host_zh = s.call_with("search_objects", json!({"bk_obj_id": "host"}), &[("Blueking-Language", "zh")]).await;
    assert_eq!(host_zh["data"][0]["bk_obj_name"], "主机");
    let attrs = s.ok("search_object_attribute", json!({"bk_obj_id": "biz", "bk_property_id": "life_cycle"})).await;
    assert_eq!(attrs[0]["bk_property_name"], "Life Cycle");
    assert_eq!(attrs[0]["option"][1]["name"], "Online");
});

both!(builtin_data, |s| async move {
    let cls = s.ok("search_classifications", json!({})).await;
    let cls_ids = ids(&cls, "bk_classification_id");
    for c in ["bk_host_manage", "bk_biz_topo", "bk_organization", "bk_network", "bk_uncategorized"] {
        assert!(cls_ids.contains(&c.to_string()), "{c}");
    }
    assert!(!cls_ids.contains(&"bk_table_classification".to_string()));
    let objs = s.ok("search_objects", json!({"ispre": true})).await;
    assert_eq!(objs.as_array().unwrap().len(), 8);
    let net = s.ok("search_objects", json!({"bk_classification_id": "bk_network"})).await;
    assert_eq!(net.as_array().unwrap().len(), 4);
    let assts = s.ok("find_object_association", json!({"condition": {"bk_obj_id": "module"}})).await;
    assert_eq!(assts[0]["bk_obj_asst_id"], "module_bk_mainline_set");
    assert_eq!(assts[0]["mapping"], "1:1");
    let host_attrs = s.ok("search_object_attribute", json!({"bk_obj_id": "host"})).await;
    let props = ids(&host_attrs, "bk_property_id");
    assert!(props.contains(&"bk_host_innerip".to_string()));
    assert!(props.contains(&"bk_created_at".to_string()));
    // System and API-only attributes are never listed.
    let set_attrs = s.ok("search_object_attribute", json!({"bk_obj_id": "set"})).await;
    assert!(!ids(&set_attrs, "bk_property_id").contains(&"bk_parent_id".to_string()));
});

both!(classification_lifecycle, |s| async move {
    let id = unique("cls");
    let created = s
        .ok("create_classification", json!({"bk_classification_id": id, "bk_classification_name": id, "bk_classification_icon": "icon-x", "bk_classification_type": "hidden"}))
        .await;
    assert_eq!(created["bk_classification_id"], id);
    assert_eq!(created["bk_classification_type"], "");
    assert_eq!(created["bk_supplier_account"], "0");
    let rid = created["id"].as_i64().unwrap();
    // errors
    s.fails("create_classification", json!({"bk_classification_name": "x"}), 1199010).await;
    s.fails("create_classification", json!({"bk_classification_id": 5, "bk_classification_name": "x"}), 1199007).await;
    s.fails("create_classification", json!({"bk_classification_id": "bkx", "bk_classification_name": "x"}), 1199011)
        .await;
    s.fails("create_classification", json!({"bk_classification_id": "1abc", "bk_classification_name": "x"}), 1199011)
        .await;
    s.fails(
        "create_classification",
        json!({"bk_classification_id": "a".repeat(129), "bk_classification_name": "x"}),
        1199073,
    )
    .await;
    s.fails(
        "create_classification",
        json!({"bk_classification_id": id, "bk_classification_name": unique("n")}),
        1199014,
    )
    .await;
    s.fails(
        "create_classification",
        json!({"bk_classification_id": unique("c"), "bk_classification_name": id}),
        1199014,
    )
    .await;
    // update
    let name = unique("renamed");
    s.ok(
        "update_classification",
        json!({"id": rid, "bk_classification_name": name, "bk_classification_id": "ignored"}),
    )
    .await;
    let found = s.ok("search_classifications", json!({"bk_classification_id": id})).await;
    assert_eq!(found[0]["bk_classification_name"], name);
    s.fails("update_classification", json!({"id": rid, "bk_classification_name": ""}), 1199010).await;
    s.fails("update_classification", json!({"id": rid, "bk_classification_name": "主机管理"}), 1199014).await;
    s.fails("update_classification", json!({"bk_classification_name": "x"}), 1306406).await;
    assert!(s.ok("update_classification", json!({"id": 987654321, "bk_classification_name": "x"})).await.is_null());
    let found = s.ok("search_classifications", json!({"bk_classification_id": id})).await;
    assert_eq!(found[0]["bk_classification_name"], name, "a failed update changed nothing");
    // delete refused while a model uses it
    let model = s
        .ok("create_object", json!({"bk_obj_id": unique("o"), "bk_obj_name": unique("o"), "bk_classification_id": id, "bk_obj_icon": "i"}))
        .await;
    s.fails("delete_classification", json!({"id": rid}), 1101029).await;
    s.ok("delete_object", json!({"id": model["id"]})).await;
    s.ok("delete_classification", json!({"id": rid})).await;
    assert_eq!(s.ok("search_classifications", json!({"bk_classification_id": id})).await, json!([]));
    assert!(s.ok("delete_classification", json!({"id": rid})).await.is_null());
});

both!(failed_create_leaves_nothing, |s| async move {
    let before_cls = s.count_rows("classification").await;
    let before_audit = s.count_rows("audit_log").await;
    s.fails("create_classification", json!({"bk_classification_id": "bad id", "bk_classification_name": "x"}), 1199011)
        .await;
    s.fails("create_object", json!({"bk_obj_id": unique("o"), "bk_obj_name": unique("o"), "bk_classification_id": "no_such", "bk_obj_icon": "i"}), 1101024).await;
    assert_eq!(s.count_rows("classification").await, before_cls);
    // Other tests may write concurrently; our failures must not have added audit records of their own.
    let audits = s.count_rows("audit_log").await;
    assert!(audits >= before_audit);
    let m = s.new_model().await;
    let before_attr = s.count_rows("attribute").await;
    s.fails(
        "create_object_attribute",
        json!({"bk_obj_id": m["bk_obj_id"], "bk_property_id": "size", "bk_property_name": "Size", "bk_property_type": "int"}),
        1199008,
    )
    .await;
    let attrs = s.ok("search_object_attribute", json!({"bk_obj_id": m["bk_obj_id"]})).await;
    assert!(!ids(&attrs, "bk_property_id").contains(&"size".to_string()));
    assert!(s.count_rows("attribute").await >= before_attr);
});

both!(object_lifecycle, |s| async move {
    let cls = unique("cls");
    s.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    let a = unique("obj");
    let created = s
        .ok("create_object", json!({"bk_obj_id": a, "bk_obj_name": a, "bk_classification_id": cls, "bk_obj_icon": "icon-a", "bk_supplier_account": "0"}))
        .await;
    assert_eq!(created["bk_obj_id"], a);
    assert_eq!(created["ispre"], false);
    assert_eq!(created["bk_ispaused"], false);
    assert_eq!(created["creator"], "admin");
    assert_eq!(created["obj_sort_number"], 1);
    assert_eq!(created["create_time"].as_str().unwrap().len(), 19);
    // scaffold: bk_inst_name + recorded fields, default group
    let attrs = s.ok("search_object_attribute", json!({"bk_obj_id": a})).await;
    let props = ids(&attrs, "bk_property_id");
    assert_eq!(props, ["bk_inst_name", "bk_created_at", "bk_created_by", "bk_updated_at", "bk_updated_by"]);
    assert_eq!(attrs[0]["isrequired"], true);
    assert_eq!(attrs[0]["bk_property_group_name"], "Default");
    // sort numbers: insert before the first, the rest shift
    let b = unique("obj");
    let bm = s
        .ok("create_object", json!({"bk_obj_id": b, "bk_obj_name": b, "bk_classification_id": cls, "bk_obj_icon": "i", "obj_sort_number": 1}))
        .await;
    assert_eq!(bm["obj_sort_number"], 1);
    let list = s.ok("search_objects", json!({"bk_classification_id": cls})).await;
    let sort_of = |list: &Value, id: &str| {
        list.as_array().unwrap().iter().find(|o| o["bk_obj_id"] == id).unwrap()["obj_sort_number"].clone()
    };
    assert_eq!(sort_of(&list, &a), 2);
    // errors
    let base = |k: &str, v: Value| {
        let mut o = json!({"bk_obj_id": unique("o"), "bk_obj_name": unique("n"), "bk_classification_id": cls, "bk_obj_icon": "i"});
        if v.is_null() {
            o.as_object_mut().unwrap().remove(k);
        } else {
            o[k] = v;
        }
        o
    };
    s.fails("create_object", base("bk_obj_id", Value::Null), 1199010).await;
    s.fails("create_object", base("bk_obj_id", json!("bkthing")), 1199011).await;
    s.fails("create_object", base("bk_obj_id", json!("host")), 1199011).await;
    s.fails("create_object", base("bk_obj_id", json!("has space")), 1199011).await;
    s.fails("create_object", base("bk_obj_id", json!("a".repeat(129))), 1199073).await;
    s.fails("create_object", base("bk_obj_name", Value::Null), 1199011).await;
    s.fails("create_object", base("bk_classification_id", Value::Null), 1199010).await;
    s.fails("create_object", base("bk_classification_id", json!("nope_cls")), 1101024).await;
    s.fails("create_object", base("bk_obj_icon", json!("")), 1199010).await;
    s.fails("create_object", base("obj_sort_number", json!(-1)), 1199006).await;
    s.fails("create_object", base("obj_sort_number", json!("x")), 1199000).await;
    s.fails("create_object", base("bk_obj_id", json!(a)), 1199014).await;
    s.fails("create_object", base("bk_obj_name", json!(a)), 1199014).await;
    // update
    let id = created["id"].as_i64().unwrap();
    let new_name = unique("renamed");
    s.ok("update_object", json!({"id": id, "bk_obj_name": new_name, "bk_obj_icon": "icon-b", "bk_obj_id": "ignored"}))
        .await;
    let got = s.ok("search_objects", json!({"bk_obj_id": a})).await;
    assert_eq!(got[0]["bk_obj_name"], new_name);
    assert_eq!(got[0]["bk_obj_icon"], "icon-b");
    assert_eq!(got[0]["modifier"], "admin");
    s.fails("update_object", json!({"id": id, "bk_classification_id": "nope"}), 1101113).await;
    s.fails("update_object", json!({"id": id, "bk_ispaused": "yes"}), 1199011).await;
    s.fails("update_object", json!({"id": id, "bk_obj_name": "主机"}), 1199014).await;
    s.ok("update_object", json!({"id": id, "bk_ispaused": true})).await;
    assert_eq!(s.ok("search_objects", json!({"bk_obj_id": a})).await[0]["bk_ispaused"], true);
    // moving to another classification closes the gap in the old one
    s.ok("update_object", json!({"id": id, "bk_classification_id": "bk_uncategorized"})).await;
    let list = s.ok("search_objects", json!({"bk_classification_id": cls})).await;
    assert_eq!(sort_of(&list, &b), 1);
    // delete
    s.ok("delete_object", json!({"id": id})).await;
    assert_eq!(s.ok("search_objects", json!({"bk_obj_id": a})).await, json!([]));
    assert!(s.ok("search_object_attribute", json!({"bk_obj_id": a})).await.as_array().unwrap().is_empty());
    assert!(s.ok("delete_object", json!({"id": id})).await.is_null());
    s.fails("delete_object", json!({}), 1306406).await;
    let host = s.ok("search_objects", json!({"bk_obj_id": "host"})).await;
    s.fails("delete_object", json!({"id": host[0]["id"]}), 1101135).await;
    let switch = s.ok("search_objects", json!({"bk_obj_id": "bk_switch"})).await;
    s.fails("delete_object", json!({"id": switch[0]["id"]}), 1101053).await;
});

both!(attribute_lifecycle, |s| async move {
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap();
    let attr = |prop: &str, ty: &str, extra: Value| {
        let mut b = json!({"bk_obj_id": obj, "bk_property_id": prop, "bk_property_name": prop, "bk_property_type": ty});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let created = s
        .ok(
            "create_object_attribute",
            attr(
                "size",
                "int",
                json!({"option": {"min": "1", "max": "10"}, "default": 3, "unit": "GB", "editable": true}),
            ),
        )
        .await;
    assert_eq!(created["bk_property_type"], "int");
    assert_eq!(created["ispre"], false);
    assert_eq!(created["default"], 3);
    assert_eq!(created["bk_property_group"], "default");
    assert_eq!(created["bk_property_group_name"], "Default");
    assert_eq!(created["bk_property_index"], 5);
    assert_eq!(created["creator"], "admin");
    let e = s
        .ok("create_object_attribute", attr("level", "enum", json!({"option": [{"id": "a", "name": "A", "type": "text", "is_default": true}, {"id": "b", "name": "B", "type": "text", "is_default": false}]})))
        .await;
    assert!(e.get("default").is_none());
    let u = s.ok("create_object_attribute", attr("owner", "objuser", json!({}))).await;
    assert_eq!(u["ismultiple"], true);
    let o = s.ok("create_object_attribute", attr("team", "organization", json!({}))).await;
    assert_eq!(o["ismultiple"], true);
    let r = s
        .ok("create_object_attribute", attr("code", "singlechar", json!({"option": "^[a-z]+$", "isonly": true})))
        .await;
    assert_eq!(r["isrequired"], true);
    // errors
    s.fails("create_object_attribute", attr("x1", "int", json!({})), 1199008).await;
    s.fails("create_object_attribute", attr("x2", "int", json!({"option": {"min": 5, "max": 1}})), 1199011).await;
    s.fails(
        "create_object_attribute",
        attr("x3", "int", json!({"option": {"min": 1, "max": 5}, "default": 9})),
        1199011,
    )
    .await;
    s.fails("create_object_attribute", attr("x4", "singlechar", json!({"ismultiple": true})), 1199012).await;
    s.fails("create_object_attribute", attr("x5", "singlechar", json!({"option": "(unclosed"})), 1101109).await;
    s.fails("create_object_attribute", attr("x6", "singlechar", json!({"option": 5})), 1199090).await;
    s.fails("create_object_attribute", attr("x7", "enum", json!({})), 1199008).await;
    s.fails(
        "create_object_attribute",
        attr("x8", "enum", json!({"option": [{"id": "a", "name": "A", "type": "text", "is_default": false}]})),
        1199092,
    )
    .await;
    s.fails("create_object_attribute", attr("x9", "list", json!({"option": []})), 1199089).await;
    s.fails("create_object_attribute", attr("x10", "nosuchtype", json!({})), 1199011).await;
    s.fails("create_object_attribute", attr("bk_mine", "int", json!({"option": {}})), 1199011).await;
    s.fails("create_object_attribute", attr("create_time", "singlechar", json!({})), 1199011).await;
    s.fails("create_object_attribute", attr("size", "singlechar", json!({})), 1101107).await;
    s.fails("create_object_attribute", attr("x11", "singlechar", json!({"unit": "u".repeat(21)})), 1199073).await;
    s.fails(
        "create_object_attribute",
        json!({"bk_obj_id": obj, "bk_property_id": "x12", "bk_property_type": "int"}),
        1199010,
    )
    .await;
    s.fails("create_object_attribute", json!({"bk_obj_id": "no_such_model", "bk_property_id": "x", "bk_property_name": "x", "bk_property_type": "int"}), 1199011).await;
    let mut dup_name = attr("x13", "singlechar", json!({}));
    dup_name["bk_property_name"] = json!("size");
    s.fails("create_object_attribute", dup_name, 1199014).await;
    s.fails(
        "create_object_attribute",
        json!({"bk_obj_id": "plat", "bk_property_id": "x", "bk_property_name": "x", "bk_property_type": "singlechar"}),
        1113028,
    )
    .await;
    s.fails("create_object_attribute", json!({"bk_obj_id": "biz", "bk_property_id": "x", "bk_property_name": "x", "bk_property_type": "singlechar", "isrequired": true}), 1113026).await;
    s.fails("create_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": "x", "bk_property_name": "x", "bk_property_type": "singlechar", "isrequired": true}), 1101092).await;
    let all = s.ok("search_object_attribute", json!({"bk_obj_id": obj})).await;
    assert_eq!(all.as_array().unwrap().len(), 10, "failed creates left nothing");
    // update
    let id = created["id"].as_i64().unwrap();
    s.ok("update_object_attribute", json!({"id": id, "bk_property_name": "Disk size", "option": {"min": 1, "max": 100}, "default": 50, "bk_property_id": "ignored"})).await;
    let got = s.ok("search_object_attribute", json!({"bk_obj_id": obj, "bk_property_id": "size"})).await;
    assert_eq!(got[0]["bk_property_name"], "Disk size");
    assert_eq!(got[0]["default"], 50);
    s.fails("update_object_attribute", json!({"id": id, "default": 500}), 1199011).await;
    s.fails("update_object_attribute", json!({"id": id, "bk_property_name": "level"}), 1199014).await;
    s.fails("update_object_attribute", json!({"id": 987654321, "bk_property_name": "x"}), 1199019).await;
    s.fails("update_object_attribute", json!({"id": id, "bk_template_id": 3}), 1199083).await;
    s.ok("update_object_attribute", json!({"id": id, "default": null})).await;
    let got = s.ok("search_object_attribute", json!({"bk_obj_id": obj, "bk_property_id": "size"})).await;
    assert!(got[0].get("default").is_none());
    let biz_field = s
        .ok("create_object_attribute", json!({"bk_obj_id": "biz", "bk_property_id": unique("f"), "bk_property_name": unique("f"), "bk_property_type": "singlechar"}))
        .await;
    s.fails("update_object_attribute", json!({"id": biz_field["id"], "isrequired": true}), 1113027).await;
    s.ok("delete_object_attribute", json!({"id": biz_field["id"]})).await;
    // paging and sorting
    let paged = s
        .ok(
            "search_object_attribute",
            json!({"bk_obj_id": obj, "page": {"start": 1, "limit": 2, "sort": "-bk_property_id"}}),
        )
        .await;
    assert_eq!(paged.as_array().unwrap().len(), 2);
    // delete
    let name_attr = all.as_array().unwrap().iter().find(|a| a["bk_property_id"] == "bk_inst_name").unwrap().clone();
    s.fails("delete_object_attribute", json!({"id": name_attr["id"]}), 1113024).await;
    let tester = s.ok("search_object_attribute", json!({"bk_obj_id": "biz", "bk_property_id": "bk_biz_tester"})).await;
    s.fails("delete_object_attribute", json!({"id": tester[0]["id"]}), 1199054).await;
    s.ok("delete_object_attribute", json!({"id": id})).await;
    let got = s.ok("search_object_attribute", json!({"bk_obj_id": obj, "bk_property_id": "size"})).await;
    assert_eq!(got, json!([]));
    assert!(s.ok("delete_object_attribute", json!({"id": id})).await.is_null());
});

both!(business_custom_fields, |s| async move {
    let biz = 2; // the built-in business 蓝鲸
    let prop = format!("f{}", unique("x"));
    let created = s
        .ok("create_biz_custom_field", json!({"bk_biz_id": biz, "bk_obj_id": "set", "bk_property_id": prop, "bk_property_name": prop, "bk_property_type": "singlechar"}))
        .await;
    assert_eq!(created["bk_biz_id"], biz);
    assert_eq!(created["bk_property_group"], "bizdefault");
    let global = s.ok("search_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": prop})).await;
    assert_eq!(global, json!([]));
    let scoped =
        s.ok("search_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": prop, "bk_biz_id": biz})).await;
    assert_eq!(scoped.as_array().unwrap().len(), 1);
    s.fails("create_biz_custom_field", json!({"bk_biz_id": biz, "bk_obj_id": "set", "bk_property_id": prop, "bk_property_name": unique("n"), "bk_property_type": "singlechar"}), 1101107).await;
    s.fails(
        "create_biz_custom_field",
        json!({"bk_obj_id": "set", "bk_property_id": "y", "bk_property_name": "y", "bk_property_type": "singlechar"}),
        1306406,
    )
    .await;
    s.fails("create_biz_custom_field", json!({"bk_biz_id": 0, "bk_obj_id": "set", "bk_property_id": "y", "bk_property_name": "y", "bk_property_type": "singlechar"}), 1199006).await;
    s.fails("create_biz_custom_field", json!({"bk_biz_id": 999999, "bk_obj_id": "set", "bk_property_id": "y", "bk_property_name": "y", "bk_property_type": "singlechar"}), 1199011).await;
    s.fails("create_biz_custom_field", json!({"bk_biz_id": biz, "bk_obj_id": "bk_switch", "bk_property_id": "y", "bk_property_name": "y", "bk_property_type": "singlechar"}), 1199006).await;
    s.fails("create_biz_custom_field", json!({"bk_biz_id": biz, "bk_obj_id": "host", "bk_property_id": "y", "bk_property_name": "y", "bk_property_type": "singlechar", "isrequired": true}), 1101092).await;
    let id = created["id"].as_i64().unwrap();
    s.ok("update_biz_custom_field", json!({"bk_biz_id": biz, "id": id, "bk_property_name": "Renamed"})).await;
    let scoped =
        s.ok("search_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": prop, "bk_biz_id": biz})).await;
    assert_eq!(scoped[0]["bk_property_name"], "Renamed");
    s.fails("update_object_attribute", json!({"id": id, "bk_property_name": "x"}), 1199019).await;
    s.ok("delete_object_attribute", json!({"id": id})).await;
    assert_eq!(
        s.ok("search_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": prop, "bk_biz_id": biz}))
            .await
            .as_array()
            .unwrap()
            .len(),
        1,
        "without bk_biz_id the business field is not found"
    );
    s.ok("delete_object_attribute", json!({"id": id, "bk_biz_id": biz})).await;
    assert_eq!(
        s.ok("search_object_attribute", json!({"bk_obj_id": "set", "bk_property_id": prop, "bk_biz_id": biz})).await,
        json!([])
    );
});

both!(object_topology_and_graphics, |s| async move {
    let topo = s.ok("search_object_topo", json!({"bk_classification_id": "bk_biz_topo"})).await;
    let edges = topo.as_array().unwrap();
    let module_edge = edges.iter().find(|e| e["from"]["bk_obj_id"] == "module").unwrap();
    assert_eq!(module_edge["to"]["bk_obj_id"], "set");
    assert_eq!(module_edge["label_type"], "");
    assert_eq!(module_edge["arrows"], "to");
    assert_eq!(s.ok("search_object_topo", json!({"bk_classification_id": "no_such"})).await, json!([]));
    let m = s.new_model().await;
    let node = json!({"node_type": "obj", "bk_obj_id": m["bk_obj_id"], "bk_inst_id": 0, "position": {"x": 10, "y": 20}, "ext": {}, "bk_obj_icon": "i"});
    s.ok(
        "update_object_topo_graphics",
        json!({"scope_type": "global", "scope_id": "0", "action": "update", "data": [node]}),
    )
    .await;
    let mut moved = node.clone();
    moved["position"] = json!({"x": 1, "y": 2});
    s.ok(
        "update_object_topo_graphics",
        json!({"scope_type": "global", "scope_id": "0", "action": "override", "origin": [moved]}),
    )
    .await;
    s.fails("update_object_topo_graphics", json!({"scope_id": "0", "action": "update", "data": []}), 1306406).await;
    s.fails(
        "update_object_topo_graphics",
        json!({"scope_type": "global", "scope_id": "0", "action": "update", "data": 5}),
        1199000,
    )
    .await;
    s.fails("update_object_topo_graphics", json!({"scope_type": "global", "scope_id": "0", "action": "update", "data": [{"node_type": "x", "bk_obj_id": "a"}]}), 1199006).await;
});

both!(object_association_lookup, |s| async move {
    let by_cond = s.ok("find_object_association", json!({"condition": {"bk_asst_obj_id": "host"}})).await;
    assert!(ids(&by_cond, "bk_obj_asst_id").contains(&"bk_switch_connect_host".to_string()));
    let by_obj = s.ok("find_object_association", json!({"bk_obj_id": "host"})).await;
    assert_eq!(ids(&by_obj, "bk_obj_asst_id"), ["host_bk_mainline_module"]);
    s.fails("find_object_association", json!({"condition": {}}), 1199011).await;
    s.fails("find_object_association", json!({"condition": 5}), 1199011).await;
    s.fails("find_object_association", json!({}), 1199011).await;
    s.fails("find_object_association", json!({"condition": {"$where": "1"}}), 1199006).await;
});

both!(role_privilege, |s| async move {
    s.ok("bind_role_privilege", json!({"bk_supplier_account": "0", "bk_obj_id": "biz", "bk_property_id": "bk_biz_maintainer", "data": ["hostupdate", "hosttrans"]})).await;
    s.fails(
        "bind_role_privilege",
        json!({"bk_obj_id": "biz", "bk_property_id": "bk_biz_maintainer", "data": []}),
        1306406,
    )
    .await;
    s.fails("bind_role_privilege", json!({"bk_supplier_account": "0", "bk_property_id": "bk_biz_maintainer"}), 1306406)
        .await;
    s.fails(
        "bind_role_privilege",
        json!({"bk_supplier_account": "0", "bk_obj_id": "biz", "bk_property_id": "bk_biz_maintainer", "data": ["fly"]}),
        1199006,
    )
    .await;
    s.fails(
        "bind_role_privilege",
        json!({"bk_supplier_account": "0", "bk_obj_id": "biz", "bk_property_id": "life_cycle", "data": []}),
        1199006,
    )
    .await;
});

both!(concurrent_creates_get_distinct_ids, |s| async move {
    let cls = unique("cls");
    s.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let cls = cls.clone();
        let name = unique(&format!("c{i}"));
        tasks.push(tokio::spawn(async move {
            s.ok(
                "create_object",
                json!({"bk_obj_id": name, "bk_obj_name": name, "bk_classification_id": cls, "bk_obj_icon": "i"}),
            )
            .await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let mut new_ids: Vec<i64> = results.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    let mut sorts: Vec<i64> = results.iter().map(|r| r["obj_sort_number"].as_i64().unwrap()).collect();
    new_ids.sort();
    new_ids.dedup();
    sorts.sort();
    assert_eq!(new_ids.len(), 16);
    assert_eq!(sorts, (1..=16).collect::<Vec<_>>());
});

both!(table_fields, |s| async move {
    let m = s.new_model().await;
    let obj = m["bk_obj_id"].as_str().unwrap();
    let header = json!([
        {"bk_property_id": "disk", "bk_property_name": "Disk", "bk_property_type": "singlechar"},
        {"bk_property_id": "size", "bk_property_name": "Size", "bk_property_type": "int", "option": {"min": 1, "max": 100}}
    ]);
    let created = s
        .ok(
            "create_object_attribute",
            json!({"bk_obj_id": obj, "bk_property_id": "disks", "bk_property_name": "Disks", "bk_property_type": "innertable",
                   "option": {"header": header, "default": [{"disk": "sda", "size": 10}]}}),
        )
        .await;
    assert_eq!(created["bk_property_type"], "innertable");
    assert_eq!(created["option"]["header"].as_array().unwrap().len(), 2);
    let table = format!("bk_{obj}#disks");
    let hidden = s.ok("search_objects", json!({"bk_obj_id": table})).await;
    assert_eq!(hidden[0]["bk_ishidden"], true);
    assert_eq!(hidden[0]["bk_classification_id"], "bk_table_classification");
    let listed = s.ok("search_object_attribute", json!({"bk_obj_id": obj})).await;
    assert!(!ids(&listed, "bk_property_id").contains(&"disks".to_string()), "table fields are never listed");
    // bad headers
    for bad in [
        json!({"header": []}),
        json!({"header": [{"bk_property_id": "d", "bk_property_name": "D", "bk_property_type": "date"}]}),
        json!({"header": [{"bk_property_id": "d", "bk_property_name": "D", "bk_property_type": "int", "option": {}}], "default": [{"d": "x"}]}),
    ] {
        let env = s
            .call("create_object_attribute", json!({"bk_obj_id": obj, "bk_property_id": "t2", "bk_property_name": "T2", "bk_property_type": "innertable", "option": bad}))
            .await;
        assert_eq!(env["result"], false, "{env}");
    }
    assert_eq!(s.ok("search_objects", json!({"bk_obj_id": format!("bk_{obj}#t2")})).await, json!([]));
    // header update, then delete: the hidden model goes with the field
    s.ok("update_object_attribute", json!({"id": created["id"], "option": {"header": [header[0].clone()]}})).await;
    s.ok("delete_object_attribute", json!({"id": created["id"]})).await;
    assert_eq!(s.ok("search_objects", json!({"bk_obj_id": table})).await, json!([]));
});
