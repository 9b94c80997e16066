//! resource_watch under load (issue: "a change feed that never loses an event"): 8 writers make
//! 5,000 mixed creates, updates and deletes while 3 watchers follow cursors. Every watcher must see
//! exactly the committed events — none twice, none missing, in commit order. On PostgreSQL the
//! writers and watchers are spread over two server processes on one database.

mod common;

use common::{spawn_server, Backend, Server};
use serde_json::json;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const WRITERS: usize = 8;
const OPS: usize = 5_000;
const WATCHERS: usize = 3;

/// The event id inside a cursor (24 hex digits in the third `\r` field of the Base64 text).
fn cursor_id(cursor: &str) -> i64 {
    const T: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = Vec::new();
    for c in cursor.bytes().filter(|c| *c != b'=') {
        let v = T.find(c as char).unwrap() as u32;
        for i in (0..6).rev() {
            bits.push((v >> i) & 1);
        }
    }
    let bytes: Vec<u8> =
        bits.chunks(8).filter(|c| c.len() == 8).map(|c| c.iter().fold(0u8, |a, b| a << 1 | *b as u8)).collect();
    let text = String::from_utf8(bytes).unwrap();
    i64::from_str_radix(text.split('\r').nth(2).unwrap(), 16).unwrap()
}

/// Follows the object_instance feed of `obj` from the start until `expected()` events were seen.
async fn follow(
    s: &'static Server,
    obj: String,
    expected: std::sync::Arc<std::sync::atomic::AtomicI64>,
) -> Vec<(i64, String, i64)> {
    let mut cursor = "MQ0xDTVlYTZkM2YzOTRjMWY1ZDk4NmU5YmQ4Ng1ub0V2ZW50DTENMQ==".to_string();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let want = expected.load(std::sync::atomic::Ordering::SeqCst);
        if want >= 0 && seen.len() as i64 >= want {
            return seen;
        }
        assert!(Instant::now() < deadline, "watcher stalled at {} events", seen.len());
        let data = s
            .ok(
                "resource_watch",
                json!({"bk_resource": "object_instance", "bk_cursor": cursor, "bk_filter": {"bk_sub_resource": obj}}),
            )
            .await;
        let events = data["bk_events"].as_array().unwrap();
        if data["bk_watched"] == true {
            for e in events {
                seen.push((
                    cursor_id(e["bk_cursor"].as_str().unwrap()),
                    e["bk_event_type"].as_str().unwrap().to_string(),
                    e["bk_detail"]["bk_inst_id"].as_i64().unwrap(),
                ));
            }
        }
        cursor = events.last().unwrap()["bk_cursor"].as_str().unwrap().to_string();
    }
}

/// One writer: creates, updates and deletes its own instances; returns the successful writes.
async fn write(s: &'static Server, obj: String, writer: usize, ops: usize) -> i64 {
    let mut mine: Vec<i64> = Vec::new();
    let mut done = 0;
    for i in 0..ops {
        let env = match i % 5 {
            0..=2 if mine.len() < 20 || i % 5 == 0 => {
                let env =
                    s.call("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": format!("w{writer}-{i}")})).await;
                if env["result"] == true {
                    mine.push(env["data"]["bk_inst_id"].as_i64().unwrap());
                }
                env
            }
            3 if !mine.is_empty() => {
                let id = mine.remove(i % mine.len());
                s.call("delete_inst", json!({"bk_obj_id": obj, "bk_inst_id": id})).await
            }
            _ if !mine.is_empty() => {
                let id = mine[i % mine.len()];
                s.call(
                    "update_inst",
                    json!({"bk_obj_id": obj, "bk_inst_id": id, "bk_inst_name": format!("w{writer}-{i}-u")}),
                )
                .await
            }
            _ => s.call("create_inst", json!({"bk_obj_id": obj, "bk_inst_name": format!("w{writer}-{i}")})).await,
        };
        assert_eq!(env["result"], true, "{env}");
        done += 1;
    }
    done
}

async fn stress(nodes: [&'static Server; 2]) {
    let model = nodes[0].new_model().await;
    let obj = model["bk_obj_id"].as_str().unwrap().to_string();
    let expected = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(-1));
    let watchers: Vec<_> =
        (0..WATCHERS).map(|w| tokio::spawn(follow(nodes[w % 2], obj.clone(), expected.clone()))).collect();
    let writers: Vec<_> =
        (0..WRITERS).map(|w| tokio::spawn(write(nodes[w % 2], obj.clone(), w, OPS / WRITERS))).collect();
    let mut total = 0;
    for w in writers {
        total += w.await.unwrap();
    }
    assert_eq!(total, OPS as i64);
    // Every successful write committed exactly one event; the table holds exactly those.
    let committed = nodes[0].count_rows(&format!("event WHERE resource = 'object_instance' AND sub_a = '{obj}'")).await;
    assert_eq!(committed, total);
    expected.store(committed, std::sync::atomic::Ordering::SeqCst);
    for w in watchers {
        let seen = w.await.unwrap();
        assert_eq!(seen.len() as i64, committed, "a watcher saw a different number of events");
        let ids: Vec<i64> = seen.iter().map(|e| e.0).collect();
        assert!(ids.windows(2).all(|p| p[0] < p[1]), "events out of commit order or repeated");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
        let creates = seen.iter().filter(|e| e.1 == "create").count();
        let deletes = seen.iter().filter(|e| e.1 == "delete").count();
        // per instance: created before updated/deleted, nothing after its delete
        let mut alive = HashSet::new();
        let mut gone = HashSet::new();
        for (_, kind, id) in &seen {
            match kind.as_str() {
                "create" => assert!(alive.insert(*id)),
                "update" => assert!(alive.contains(id) && !gone.contains(id)),
                _ => {
                    assert!(alive.remove(id));
                    gone.insert(*id);
                }
            }
        }
        assert_eq!(creates - deletes, alive.len());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite() {
    let s = common::server(Backend::Sqlite);
    stress([s, s]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_two_nodes() {
    let a = common::server(Backend::Postgres);
    let b: &'static Server = Box::leak(Box::new(spawn_server(Backend::Postgres, a.database_url.clone())));
    stress([a, b]).await;
}
