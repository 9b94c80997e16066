//! Prometheus text metrics: requests and latency per endpoint and result code, store pool gauges.

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Default)]
struct Series {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
pub struct Metrics {
    /// endpoint → result code → series (looked up by `&str`, no allocation per request).
    series: Mutex<BTreeMap<String, BTreeMap<i64, Series>>>,
}

impl Metrics {
    pub fn observe(&self, endpoint: &str, code: i64, took: Duration) {
        let secs = took.as_secs_f64();
        let mut map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        if !map.contains_key(endpoint) {
            map.insert(endpoint.to_string(), BTreeMap::new());
        }
        let s = map.get_mut(endpoint).expect("inserted above").entry(code).or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    fn write(&self, out: &mut String) {
        let map = self.series.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str(
            "# HELP cmdb_requests_total Requests by endpoint and result code.\n# TYPE cmdb_requests_total counter\n",
        );
        for (e, c, s) in map.iter().flat_map(|(e, m)| m.iter().map(move |(c, s)| (e, c, s))) {
            let _ = writeln!(out, "cmdb_requests_total{{endpoint=\"{e}\",code=\"{c}\"}} {}", s.count);
        }
        out.push_str(
            "# HELP cmdb_request_duration_seconds Request latency by endpoint and result code.\n# TYPE cmdb_request_duration_seconds histogram\n",
        );
        for (e, c, s) in map.iter().flat_map(|(e, m)| m.iter().map(move |(c, s)| (e, c, s))) {
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "cmdb_request_duration_seconds_bucket{{endpoint=\"{e}\",code=\"{c}\",le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "cmdb_request_duration_seconds_bucket{{endpoint=\"{e}\",code=\"{c}\",le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "cmdb_request_duration_seconds_sum{{endpoint=\"{e}\",code=\"{c}\"}} {}", s.sum);
            let _ = writeln!(out, "cmdb_request_duration_seconds_count{{endpoint=\"{e}\",code=\"{c}\"}} {}", s.count);
        }
    }
}

pub async fn render(State(st): State<Arc<AppState>>) -> Response {
    let mut out = String::new();
    st.metrics.write(&mut out);
    out.push_str("# HELP cmdb_store_connections Store pool connections.\n# TYPE cmdb_store_connections gauge\n");
    for (role, size, idle) in st.core.store.pool_stats() {
        let _ = writeln!(out, "cmdb_store_connections{{pool=\"{role}\",state=\"open\"}} {size}");
        let _ = writeln!(out, "cmdb_store_connections{{pool=\"{role}\",state=\"idle\"}} {idle}");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}
