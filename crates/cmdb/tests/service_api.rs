//! Area `service-process` (service-and-process.md), on both backends: service categories so far.

mod common;

use common::unique;
use serde_json::json;

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
    let before = s.count_rows("service_category").await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "web-tier"}), 1113017).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "Mysql", "bk_parent_id": root_id}), 1113017)
        .await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "a b"}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "x".repeat(129)}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": 987654321, "name": "ok"}), 1199006).await;
    s.fails("create_service_category", json!({"bk_biz_id": biz, "name": "ok", "bk_parent_id": 987654321}), 1199006)
        .await;
    assert_eq!(s.count_rows("service_category").await, before);

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
    s.ok("delete_service_category", json!({"id": other, "bk_biz_id": biz})).await;
    assert_eq!(s.count_rows(&format!("service_category WHERE id = {other}")).await, 0);
});
