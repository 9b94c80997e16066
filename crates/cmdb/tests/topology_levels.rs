//! Every topology read with a custom level inserted between `biz` and `set` (topology.md §2, §6),
//! on both backends. A binary of its own: the level changes the topology of every business.

mod common;

use common::unique;
use serde_json::{json, Value};

fn ids(list: &Value, key: &str) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|v| v[key].as_i64().unwrap()).collect()
}

both!(custom_level_in_every_read, |s| async move {
    // a business with a set and a module before the level exists
    let b = s
        .ok("create_business", json!({"data": {"bk_biz_name": unique("biz"), "bk_biz_maintainer": "admin", "time_zone": "Asia/Shanghai", "language": "1"}}))
        .await;
    let biz = b["bk_biz_id"].as_i64().unwrap();
    let old_set = s.ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "old"}})).await["bk_set_id"]
        .as_i64()
        .unwrap();
    let old_mod = s
        .ok(
            "create_module",
            json!({"bk_biz_id": biz, "bk_set_id": old_set, "data": {"bk_parent_id": old_set, "bk_module_name": "m"}}),
        )
        .await["bk_module_id"]
        .as_i64()
        .unwrap();
    let idle = s.ok("get_biz_internal_module", json!({"bk_biz_id": biz})).await["bk_set_id"].as_i64().unwrap();

    // insert the level biz → region → set
    let cls = unique("cls");
    s.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    let lvl = unique("region");
    s.ok("create_object", json!({"bk_obj_id": lvl, "bk_obj_name": "Region", "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": "biz"}))
        .await;
    let chain = s.ok("get_mainline_object_topo", json!({})).await;
    let objs: Vec<&str> = chain.as_array().unwrap().iter().map(|c| c["bk_obj_id"].as_str().unwrap()).collect();
    assert_eq!(objs, ["biz", lvl.as_str(), "set", "module", "host"]);
    assert_eq!(chain[1]["bk_obj_name"], "Region");
    assert_eq!(chain[1]["bk_pre_obj_id"], "biz");
    assert_eq!(chain[2]["bk_pre_obj_id"], lvl);
    assert_eq!(chain[0]["bk_next_obj"], lvl);

    // the generated level instance took the old set; the idle set stays under the business
    let regions = s.ok("search_inst_by_object", json!({"bk_obj_id": lvl, "condition": {"bk_biz_id": biz}})).await;
    assert_eq!(regions["count"], 1);
    let generated = regions["info"][0]["bk_inst_id"].as_i64().unwrap();
    let east = s
        .ok("create_inst", json!({"bk_obj_id": lvl, "bk_inst_name": "east", "bk_biz_id": biz, "bk_parent_id": biz}))
        .await["bk_inst_id"]
        .as_i64()
        .unwrap();

    // sets now need a region parent of the same business
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "new"}}), 1199011).await;
    s.fails(
        "create_set",
        json!({"bk_biz_id": biz, "data": {"bk_set_name": "new", "bk_parent_id": 987654321}}),
        1199011,
    )
    .await;
    let new_set = s
        .ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "new", "bk_parent_id": east}}))
        .await["bk_set_id"]
        .as_i64()
        .unwrap();
    // sibling names are per parent: "new" again under the other region is fine, under east not
    s.fails("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "new", "bk_parent_id": east}}), 1101108)
        .await;
    let twin = s
        .ok("create_set", json!({"bk_biz_id": biz, "data": {"bk_set_name": "new", "bk_parent_id": generated}}))
        .await["bk_set_id"]
        .as_i64()
        .unwrap();

    // instance tree: biz → regions → sets → modules, idle set left out
    let tree = s.ok("search_biz_inst_topo", json!({"bk_biz_id": biz})).await;
    let regions_in_tree = &tree[0]["child"];
    assert_eq!(ids(regions_in_tree, "bk_inst_id"), [generated, east]);
    assert_eq!(regions_in_tree[0]["bk_obj_id"], lvl);
    assert_eq!(regions_in_tree[0]["bk_obj_name"], "Region");
    assert_eq!(ids(&regions_in_tree[0]["child"], "bk_inst_id"), [old_set, twin]);
    assert_eq!(ids(&regions_in_tree[0]["child"][0]["child"], "bk_inst_id"), [old_mod]);
    assert_eq!(ids(&regions_in_tree[1]["child"], "bk_inst_id"), [new_set]);

    // brief cache tree: idle apart, level nodes without dft
    let brief = s.ok("get_biz_brief_cache_topo", json!({"bk_biz_id": biz})).await;
    assert_eq!(ids(&brief["idle"], "id"), [idle]);
    assert_eq!(brief["nds"][0]["obj"], lvl);
    assert_eq!(brief["nds"][0]["nm"], "Region");
    assert!(brief["nds"][0].get("dft").is_none());
    assert_eq!(brief["nds"][1]["nm"], "east");
    assert_eq!(brief["nds"][1]["nds"][0]["id"], new_set);
    assert_eq!(brief["nds"][1]["nds"][0]["dft"], 0);
    assert_eq!(brief["nds"][1]["nds"][0]["nds"], Value::Null);

    // node paths go through the level
    let paths = s
        .ok("find_topo_node_paths", json!({"bk_biz_id": biz, "bk_nodes": [{"bk_obj_id": "module", "bk_inst_id": old_mod}, {"bk_obj_id": lvl, "bk_inst_id": east}, {"bk_obj_id": "set", "bk_inst_id": idle}]}))
        .await;
    let path: Vec<(String, i64)> = paths[0]["bk_paths"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["bk_obj_id"].as_str().unwrap().to_string(), p["bk_inst_id"].as_i64().unwrap()))
        .collect();
    assert_eq!(path, [("biz".to_string(), biz), (lvl.clone(), generated), ("set".to_string(), old_set)]);
    assert_eq!(ids(&paths[1]["bk_paths"][0], "bk_inst_id"), [biz]);
    assert_eq!(ids(&paths[2]["bk_paths"][0], "bk_inst_id"), [biz]);

    // relations between neighbouring levels
    let page = json!({"start": 0, "limit": 100});
    let down = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": lvl, "src_ids": [east, generated], "dest_biz_obj": "set", "page": page}),
        )
        .await;
    assert_eq!(ids(&down, "dest_id"), [old_set, new_set, twin]);
    let up = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": "set", "src_ids": [new_set, idle], "dest_biz_obj": lvl, "page": page}),
        )
        .await;
    assert_eq!(up, json!([{"bk_biz_id": biz, "src_id": new_set, "dest_id": east}]));
    let from_biz = s
        .ok(
            "find_brief_biz_topo_node_relation",
            json!({"src_biz_obj": "biz", "src_ids": [biz], "dest_biz_obj": "module", "page": page}),
        )
        .await;
    assert_eq!(from_biz.as_array().unwrap().len(), 4);
    s.fails(
        "find_brief_biz_topo_node_relation",
        json!({"src_biz_obj": "module", "src_ids": [old_mod], "dest_biz_obj": lvl, "page": page}),
        1199078,
    )
    .await;
    s.fails("find_brief_biz_topo_node_relation", json!({"src_biz_obj": "biz", "src_ids": [biz], "dest_biz_obj": "set", "page": {"limit": 10, "sort": "dest_id"}}), 1199006).await;

    // business-set topology: idle set first, then the level's instances; below a level its sets
    let bs = s
        .ok(
            "create_business_set",
            json!({"bk_biz_set_attr": {"bk_biz_set_name": unique("bs")}, "bk_scope": {"match_all": true}}),
        )
        .await;
    let under_biz = s
        .ok("list_business_set_topo", json!({"bk_biz_set_id": bs, "bk_parent_obj_id": "biz", "bk_parent_id": biz}))
        .await;
    assert_eq!(ids(&under_biz, "bk_inst_id"), [idle, generated, east]);
    assert_eq!(under_biz[0]["bk_obj_id"], "set");
    assert_eq!(under_biz[1]["bk_obj_id"], lvl);
    let under_level = s
        .ok("list_business_set_topo", json!({"bk_biz_set_id": bs, "bk_parent_obj_id": lvl, "bk_parent_id": east}))
        .await;
    assert_eq!(ids(&under_level, "bk_inst_id"), [new_set]);

    // brief tree of sets, modules (and no hosts)
    let brief_tree = s
        .ok("find_biz_tree_brief_info", json!({"bk_biz_id": biz, "set_fields": ["bk_set_id", "bk_parent_id"], "module_fields": ["bk_module_id"], "host_fields": ["bk_host_id"]}))
        .await;
    assert_eq!(brief_tree.as_array().unwrap().len(), 4);
    let old = brief_tree.as_array().unwrap().iter().find(|t| t["set"]["bk_set_id"] == old_set).unwrap();
    assert_eq!(old["set"]["bk_parent_id"], generated);

    // a level instance with hosts below cannot be deleted
    let m = s
        .ok(
            "create_module",
            json!({"bk_biz_id": biz, "bk_set_id": new_set, "data": {"bk_parent_id": new_set, "bk_module_name": "m"}}),
        )
        .await["bk_module_id"]
        .as_i64()
        .unwrap();
    s.seed_host(8_800_001, biz, new_set, m).await;
    // host identities show the custom levels above the host's set
    let ident = s.ok("search_hostidentifier", json!({"ip": {"data": ["10.0.71.1"]}})).await;
    let layer = &ident["info"][0]["associations"][m.to_string()]["layer"];
    assert_eq!(layer["bk_inst_id"], east, "{ident}");
    assert_eq!(layer["bk_obj_id"], lvl);
    assert_eq!(layer["child"], Value::Null);
    let before = s.count_rows("instance").await;
    s.fails("delete_inst", json!({"bk_obj_id": lvl, "bk_inst_id": east}), 1101030).await;
    assert_eq!(s.count_rows("instance").await, before);
    s.unseed_host(8_800_001).await;
    s.ok("delete_inst", json!({"bk_obj_id": lvl, "bk_inst_id": east})).await;
    let left = format!("instance WHERE (obj_id = 'set' AND id = {new_set}) OR (obj_id = 'module' AND id = {m})");
    assert_eq!(s.count_rows(&left).await, 0);

    // deleting an archived business removes the level instances too
    s.ok("update_business_enable_status", json!({"bk_biz_id": biz, "flag": "disabled"})).await;
    s.ok("delete_business", json!({"bk_biz_id": biz})).await;
    assert_eq!(s.count_rows(&format!("instance WHERE biz_id = {biz}")).await, 0);
    let gone = s.ok("search_inst_by_object", json!({"bk_obj_id": lvl, "condition": {"bk_biz_id": biz}})).await;
    assert_eq!(gone["count"], 0);
    assert_eq!(s.ok("search_biz_inst_topo", json!({"bk_biz_id": biz})).await, json!([]));
});
