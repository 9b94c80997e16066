//! Several `cmdb` nodes over one PostgreSQL database: concurrent writers on different nodes never
//! produce duplicate ids, duplicate names or lost updates. (SQLite is single-node by design.)

mod common;

use common::{fresh_database, spawn_server, unique, Backend};
use serde_json::json;

#[tokio::test]
async fn two_nodes_share_one_database() {
    let db = fresh_database(Backend::Postgres);
    // Both nodes migrate the same empty database at once: the built-in data is written once.
    let (a, b) = {
        let (d1, d2) = (db.clone(), db.clone());
        let t1 = std::thread::spawn(move || spawn_server(Backend::Postgres, d1));
        let t2 = std::thread::spawn(move || spawn_server(Backend::Postgres, d2));
        (Box::leak(Box::new(t1.join().unwrap())), Box::leak(Box::new(t2.join().unwrap())))
    };
    let a: &'static common::Server = a;
    let b: &'static common::Server = b;
    assert_eq!(a.ok("search_classifications", json!({})).await.as_array().unwrap().len(), 5);

    let cls = unique("cls");
    a.ok("create_classification", json!({"bk_classification_id": cls, "bk_classification_name": cls})).await;
    // The same model name raced on both nodes: exactly one wins.
    let contested = unique("same");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let node = if i % 2 == 0 { a } else { b };
        let cls = cls.clone();
        let contested = contested.clone();
        tasks.push(tokio::spawn(async move {
            let own = unique("m");
            let won = node
                .call("create_object", json!({"bk_obj_id": own, "bk_obj_name": own, "bk_classification_id": cls, "bk_obj_icon": "i"}))
                .await;
            let raced = node
                .call(
                    "create_object",
                    json!({"bk_obj_id": unique("r"), "bk_obj_name": contested, "bk_classification_id": cls, "bk_obj_icon": "i"}),
                )
                .await;
            (won, raced)
        }));
    }
    let mut ids = Vec::new();
    let mut raced_ok = 0;
    for t in tasks {
        let (won, raced) = t.await.unwrap();
        assert_eq!(won["result"], true, "{won}");
        ids.push(won["data"]["id"].as_i64().unwrap());
        if raced["result"] == true {
            raced_ok += 1;
            ids.push(raced["data"]["id"].as_i64().unwrap());
        } else {
            assert_eq!(raced["code"], 1199014);
        }
    }
    assert_eq!(raced_ok, 1, "exactly one node created the contested name");
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "ids are distinct across nodes");
    // Sort numbers were re-sequenced without lost updates: 1..=21, each once.
    let models = b.ok("search_objects", json!({"bk_classification_id": cls})).await;
    let mut sorts: Vec<i64> =
        models.as_array().unwrap().iter().map(|m| m["obj_sort_number"].as_i64().unwrap()).collect();
    sorts.sort();
    assert_eq!(sorts, (1..=21).collect::<Vec<_>>());
}
