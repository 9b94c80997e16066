//! The change feed behind resource_watch: events are rows of `event` whose ids the database
//! assigns under the single writer, so id order is commit order on both backends (SQLite has one
//! writer; PostgreSQL writers hold one advisory lock until commit, and a commit is visible before
//! its lock is released). A watcher that reads "after id N" therefore never skips an event that
//! commits later.
//!
//! Waiting watchers do not poll: every process keeps one counter that is bumped after each commit
//! that wrote events (and, on PostgreSQL, whenever any node's commit sends `NOTIFY cmdb_events`).

use crate::audit::list;
use crate::{Backend, Param, Result, Row, Store, Tx};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// The PostgreSQL channel every event-writing commit notifies.
const CHANNEL: &str = "cmdb_events";

/// One stored event.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub resource: String,
    pub event_type: String,
    pub supplier: String,
    /// Epoch milliseconds of the write.
    pub created: i64,
    pub doc: Value,
}

/// What an event read selects besides the resource.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Event types (`create`, `update`, `delete`); empty = all.
    pub types: Vec<String>,
    /// Sub-resource (a model id): matches the event's `bk_obj_id` or `bk_asst_obj_id`.
    pub sub_resource: Option<String>,
    /// Suppliers whose events are visible; `None` = all.
    pub suppliers: Option<Vec<String>>,
}

/// The per-process wake-up signals for waiting watchers, one per resource, so a write wakes only
/// the watchers of what it changed.
#[derive(Clone, Default)]
pub(crate) struct Feed {
    signals: Arc<Mutex<HashMap<String, watch::Sender<u64>>>>,
}

impl Feed {
    fn sender(&self, resource: &str) -> watch::Sender<u64> {
        let mut m = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(resource.to_string()).or_insert_with(|| watch::channel(0).0).clone()
    }

    pub(crate) fn subscribe(&self, resource: &str) -> watch::Receiver<u64> {
        self.sender(resource).subscribe()
    }

    pub(crate) fn bump(&self, resource: &str) {
        self.sender(resource).send_modify(|v| *v = v.wrapping_add(1));
    }

    fn bump_all(&self) {
        let m = self.signals.lock().unwrap_or_else(|p| p.into_inner());
        for s in m.values() {
            s.send_modify(|v| *v = v.wrapping_add(1));
        }
    }

    /// PostgreSQL: one LISTEN connection per process turns every node's commits into wake-ups
    /// (the payload names the resource). After a lost connection it reconnects and wakes every
    /// watcher once, so none misses what committed meanwhile.
    pub(crate) fn listen(&self, url: String) {
        let feed = self.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut l) => {
                        if l.listen(CHANNEL).await.is_ok() {
                            feed.bump_all();
                            while let Ok(n) = l.recv().await {
                                feed.bump(n.payload());
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "event listener cannot connect"),
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        });
    }
}

fn event_of(r: &Row) -> Result<Event> {
    Ok(Event {
        id: r.int(0)?,
        resource: r.text(1)?.to_string(),
        event_type: r.text(2)?.to_string(),
        supplier: r.text(3)?.to_string(),
        created: r.int(4)?,
        doc: crate::row_doc(r, 5)?,
    })
}

const COLUMNS: &str = "id, resource, event_type, supplier, created";

impl Store {
    /// A receiver that changes after every commit that may have written events of `resource`.
    pub fn event_signal(&self, resource: &str) -> watch::Receiver<u64> {
        self.feed.subscribe(resource)
    }

    fn event_sql(&self, resource: &str, filter: &EventFilter, params: &mut Vec<Param>) -> String {
        params.push(Param::Text(resource.to_string()));
        let mut sql = format!("SELECT {COLUMNS}, {} FROM event WHERE resource = $1", self.dialect().json_out("doc"));
        if !filter.types.is_empty() {
            sql.push_str(&format!(" AND event_type IN ({})", list(params, &filter.types)));
        }
        if let Some(sub) = &filter.sub_resource {
            params.push(Param::Text(sub.clone()));
            let n = params.len();
            sql.push_str(&format!(" AND (sub_a = ${n} OR sub_b = ${n})"));
        }
        if let Some(sup) = &filter.suppliers {
            sql.push_str(&format!(" AND supplier IN ({})", list(params, sup)));
        }
        sql
    }

    /// Events of `resource` after event id `after` (exclusive) that match `filter`, in commit order.
    pub async fn events_after(
        &self,
        resource: &str,
        after: i64,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let mut params = Vec::new();
        let mut sql = self.event_sql(resource, filter, &mut params);
        params.push(Param::Int(after));
        sql.push_str(&format!(" AND id > ${} ORDER BY id LIMIT {limit}", params.len()));
        self.fetch(&sql, &params).await?.iter().map(event_of).collect()
    }

    /// Events of `resource` written after epoch millisecond `since` (exclusive) that match `filter`.
    pub async fn events_since(
        &self,
        resource: &str,
        since: i64,
        filter: &EventFilter,
        limit: usize,
    ) -> Result<Vec<Event>> {
        let mut params = Vec::new();
        let mut sql = self.event_sql(resource, filter, &mut params);
        params.push(Param::Int(since));
        sql.push_str(&format!(" AND created > ${} ORDER BY id LIMIT {limit}", params.len()));
        self.fetch(&sql, &params).await?.iter().map(event_of).collect()
    }

    /// The newest retained event of `resource` (any type, any tenant).
    pub async fn latest_event(&self, resource: &str) -> Result<Option<Event>> {
        let mut params = Vec::new();
        let mut sql = self.event_sql(resource, &EventFilter::default(), &mut params);
        sql.push_str(" ORDER BY id DESC LIMIT 1");
        self.fetch(&sql, &params).await?.first().map(event_of).transpose()
    }

    /// The retained event `id` of `resource`.
    pub async fn event(&self, resource: &str, id: i64) -> Result<Option<Event>> {
        let mut params = Vec::new();
        let mut sql = self.event_sql(resource, &EventFilter::default(), &mut params);
        params.push(Param::Int(id));
        sql.push_str(&format!(" AND id = ${}", params.len()));
        self.fetch(&sql, &params).await?.first().map(event_of).transpose()
    }

    /// The id of the newest event of `resource` removed by retention (0 if none).
    pub async fn purged_tail(&self, resource: &str) -> Result<i64> {
        let rows = self.fetch("SELECT last_id FROM event_tail WHERE resource = $1", &[resource.into()]).await?;
        rows.first().map(|r| r.int(0)).unwrap_or(Ok(0))
    }

    /// Removes events written before epoch millisecond `before`, remembering per resource the
    /// newest removed id (its cursor stays valid). Returns how many were removed.
    pub async fn purge_events(&self, before: i64) -> Result<u64> {
        let mut tx = self.begin().await?;
        let rows = tx
            .fetch("SELECT resource, MAX(id) FROM event WHERE created < $1 GROUP BY resource", &[Param::Int(before)])
            .await?;
        for r in &rows {
            let (resource, last) = (r.text(0)?.to_string(), r.int(1)?);
            tx.execute(
                "INSERT INTO event_tail (resource, last_id) VALUES ($1, $2) \
                 ON CONFLICT (resource) DO UPDATE SET last_id = excluded.last_id",
                &[resource.into(), Param::Int(last)],
            )
            .await?;
        }
        let n = tx.execute("DELETE FROM event WHERE created < $1", &[Param::Int(before)]).await?;
        tx.commit().await?;
        Ok(n)
    }
}

impl Tx {
    /// Appends a change event for resource_watch; its id is the row's, assigned in commit order.
    pub async fn insert_event(&mut self, resource: &str, event_type: &str, supplier: &str, doc: &Value) -> Result<()> {
        self.insert_event_json(resource, event_type, supplier, doc, &doc.to_string()).await
    }

    /// Appends many events of one resource and type with multi-row statements (ids in order).
    pub async fn insert_events(
        &mut self,
        resource: &str,
        event_type: &str,
        supplier: &str,
        docs: &[Value],
    ) -> Result<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let now = cmdb_model::time::now_millis();
        for chunk in docs.chunks(self.rows_per_statement()) {
            let d = self.dialect();
            let mut params = Vec::with_capacity(chunk.len() * 7);
            let rows: Vec<String> = chunk
                .iter()
                .map(|doc| {
                    let field = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                    let values = [
                        Param::Text(resource.to_string()),
                        Param::Text(event_type.to_string()),
                        Param::Text(supplier.to_string()),
                        Param::Int(now),
                        Param::Text(field("bk_obj_id")),
                        Param::Text(field("bk_asst_obj_id")),
                    ];
                    let mut marks: Vec<String> = values
                        .into_iter()
                        .map(|v| {
                            params.push(v);
                            format!("${}", params.len())
                        })
                        .collect();
                    params.push(Param::Text(doc.to_string()));
                    marks.push(d.json_param(params.len()));
                    format!("({})", marks.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO event (resource, event_type, supplier, created, sub_a, sub_b, doc) VALUES {}",
                rows.join(", ")
            );
            self.execute(&sql, &params).await?;
        }
        self.note_event_resource(resource).await
    }

    async fn note_event_resource(&mut self, resource: &str) -> Result<()> {
        if !self.event_resources.iter().any(|r| r == resource) {
            if self.backend() == Backend::Postgres {
                // Delivered to every listening node when (and only if) this transaction commits.
                self.execute("SELECT pg_notify($1, $2)", &[CHANNEL.into(), resource.into()]).await?;
            }
            self.event_resources.push(resource.to_string());
        }
        Ok(())
    }

    /// `insert_event` with the document already serialised (`text` is `doc` as JSON).
    pub async fn insert_event_json(
        &mut self,
        resource: &str,
        event_type: &str,
        supplier: &str,
        doc: &Value,
        text: &str,
    ) -> Result<()> {
        let d = self.dialect();
        let sql = format!(
            "INSERT INTO event (resource, event_type, supplier, created, sub_a, sub_b, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, {})",
            d.json_param(7)
        );
        let field = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let params = vec![
            resource.into(),
            event_type.into(),
            supplier.into(),
            Param::Int(cmdb_model::time::now_millis()),
            Param::Text(field("bk_obj_id")),
            Param::Text(field("bk_asst_obj_id")),
            Param::Text(text.to_string()),
        ];
        self.execute(&sql, &params).await?;
        self.note_event_resource(resource).await
    }
}
