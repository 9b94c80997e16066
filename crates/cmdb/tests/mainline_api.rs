//! Custom levels of the business topology (models-and-instances.md §H), on both backends. A test
//! binary of its own: inserting levels changes the topology every business shares.

mod common;

use common::unique;
use serde_json::{json, Value};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|v| v[key].as_str().unwrap_or_default().to_string()).collect()
}

both!(custom_levels, |s| async move {
    let cls = unique("cls");
    s.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    let lvl = unique("region");
    let m = s
        .ok("create_object", json!({"bk_obj_id": lvl, "bk_obj_name": format!("Re/gion {lvl}"), "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": "biz"}))
        .await;
    assert_eq!(m["bk_obj_id"], lvl);
    let up = s.ok("find_object_association", json!({"condition": {"bk_obj_id": lvl}})).await;
    assert_eq!(ids(&up, "bk_obj_asst_id"), [format!("{lvl}_bk_mainline_biz")]);
    let down =
        s.ok("find_object_association", json!({"condition": {"bk_obj_id": "set", "bk_asst_id": "bk_mainline"}})).await;
    assert_eq!(ids(&down, "bk_obj_asst_id"), [format!("set_bk_mainline_{lvl}")]);
    // one instance per business, named after the model without the dropped characters
    let insts = s.ok("search_inst_by_object", json!({"bk_obj_id": lvl, "page": {"sort": "bk_parent_id"}})).await;
    assert_eq!(insts["count"], 2);
    assert_eq!(insts["info"][0]["bk_parent_id"], 1);
    assert_eq!(insts["info"][1]["bk_biz_id"], 2);
    assert_eq!(insts["info"][0]["bk_inst_name"], format!("Region{lvl}"));
    // create_inst on the level
    let a =
        s.ok("create_inst", json!({"bk_obj_id": lvl, "bk_inst_name": "east", "bk_biz_id": 2, "bk_parent_id": 2})).await;
    assert_eq!(a["bk_parent_id"], 2);
    s.fails(
        "create_inst",
        json!({"bk_obj_id": lvl, "bk_inst_name": "east", "bk_biz_id": 2, "bk_parent_id": 2}),
        1199014,
    )
    .await;
    s.fails(
        "create_inst",
        json!({"bk_obj_id": lvl, "bk_inst_name": "west", "bk_biz_id": 2, "bk_parent_id": 1}),
        1199011,
    )
    .await;
    s.fails("create_inst", json!({"bk_obj_id": lvl, "bk_inst_name": "west", "bk_parent_id": 2}), 1199011).await;
    s.fails(
        "create_inst",
        json!({"bk_obj_id": lvl, "bk_inst_name": "we st", "bk_biz_id": 2, "bk_parent_id": 2}),
        1199011,
    )
    .await;
    s.fails("batch_create_inst", json!({"bk_obj_id": lvl, "details": [{"bk_inst_name": "x"}]}), 1199075).await;
    let aid = a["bk_inst_id"].as_i64().unwrap();
    s.ok("update_inst", json!({"bk_obj_id": lvl, "bk_inst_id": aid, "bk_inst_name": "east2", "bk_parent_id": 99}))
        .await;
    s.fails("update_inst", json!({"bk_obj_id": lvl, "bk_inst_id": aid, "bk_inst_name": "a|b"}), 1199011).await;
    // a second level below the first, through the original's internal route
    let lvl2 = unique("zone");
    let (status, text) = s
        .raw(
            "/api/v3/create/topomodelmainline",
            json!({"bk_obj_id": lvl2, "bk_obj_name": lvl2, "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": lvl}).to_string().into_bytes(),
            &[("X-Bkapi-Authorization", common::AUTH)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["result"], true, "{text}");
    let zones = s.ok("search_inst_by_object", json!({"bk_obj_id": lvl2})).await;
    assert_eq!(zones["count"], 3, "one per instance of the level above");
    let z = s
        .ok("create_inst", json!({"bk_obj_id": lvl2, "bk_inst_name": "z1", "bk_biz_id": 2, "bk_parent_id": aid}))
        .await;
    s.fails(
        "create_inst",
        json!({"bk_obj_id": lvl2, "bk_inst_name": "z2", "bk_biz_id": 1, "bk_parent_id": aid}),
        1199011,
    )
    .await;
    // the limit of 7 levels
    let mut parent = lvl2.clone();
    for _ in 0..1 {
        let next = unique("lv");
        s.ok("create_object", json!({"bk_obj_id": next, "bk_obj_name": next, "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": parent})).await;
        parent = next;
    }
    let over = unique("lv");
    s.fails("create_object", json!({"bk_obj_id": over, "bk_obj_name": over, "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": parent}), 1101035).await;
    s.fails("create_object", json!({"bk_obj_id": over, "bk_obj_name": over, "bk_classification_id": cls, "bk_obj_icon": "i", "bk_asst_obj_id": "module"}), 1199011).await;
    let lv3 = parent;
    // deleting a level instance deletes its subtree
    s.ok("delete_inst", json!({"bk_obj_id": lvl, "bk_inst_id": aid})).await;
    let left =
        s.ok("search_inst_by_object", json!({"bk_obj_id": lvl2, "condition": {"bk_inst_id": z["bk_inst_id"]}})).await;
    assert_eq!(left["count"], 0);
    // levels cannot be removed by delete_object; the mainline route removes them
    let lm = s.ok("search_objects", json!({"bk_obj_id": lvl})).await;
    s.fails("delete_object", json!({"id": lm[0]["id"]}), 1101037).await;
    s.fails("delete_mainline_object", json!({"bk_obj_id": "set"}), 1199084).await;
    for obj in [lv3, lvl2.clone(), lvl.clone()] {
        s.ok("delete_mainline_object", json!({"bk_obj_id": obj})).await;
        assert_eq!(s.ok("search_objects", json!({"bk_obj_id": obj})).await, json!([]));
    }
    let down =
        s.ok("find_object_association", json!({"condition": {"bk_obj_id": "set", "bk_asst_id": "bk_mainline"}})).await;
    assert_eq!(ids(&down, "bk_obj_asst_id"), ["set_bk_mainline_biz"]);
    assert_eq!(s.ok("search_inst_by_object", json!({"bk_obj_id": lvl})).await["count"], 0);
});
