//! Measures the round trip of one statement through the store (diagnostics).
use cmdb_store::{Param, Store, StoreOptions};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let url = std::env::args().nth(1).unwrap_or_else(|| "sqlite:///tmp/latency/x.db".into());
    let store = Store::connect(&url, &StoreOptions::default()).await.unwrap();
    store.migrate(|_| Box::pin(async { Ok(()) })).await.unwrap();
    for round in 0..3 {
        let n = 2000;
        let t = Instant::now();
        let mut tx = store.begin().await.unwrap();
        for _ in 0..n {
            tx.fetch("SELECT value FROM seq WHERE name = $1", &[Param::Text("meta_version".into())]).await.unwrap();
        }
        tx.commit().await.unwrap();
        println!("round {round}: {:.1} µs per statement", t.elapsed().as_secs_f64() * 1e6 / n as f64);
        let t = Instant::now();
        for _ in 0..200 {
            let mut tx = store.begin().await.unwrap();
            tx.execute("UPDATE seq SET value = value + 1 WHERE name = 'x'", &[]).await.unwrap();
            tx.commit().await.unwrap();
        }
        println!("round {round}: {:.1} µs per begin+update+commit", t.elapsed().as_secs_f64() * 1e6 / 200.0);
    }
}
