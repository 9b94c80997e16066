//! Persistence of cmdb: one interface over two backends. SQLite runs on rusqlite (`sqlite`),
//! PostgreSQL on sqlx. SQL text is shared (placeholders are `$n` on both); the remaining
//! differences (JSON columns, locking, indexes) are kept in `dialect`. Every write runs in one
//! [`Tx`].

pub mod audit;
mod dialect;
mod docs;
pub mod events;
pub mod hosts;
pub mod instances;
mod migrate;
pub mod query;
mod sqlite;
pub mod topo;

pub use dialect::Backend;
pub use docs::{Filter, Kind};

use cmdb_model::Error;
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A bound parameter. Values are always bound, never spliced into SQL text.
#[derive(Debug, Clone)]
pub enum Param {
    Int(i64),
    Float(f64),
    Text(String),
    Null,
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}
impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

/// One value of a result row.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

/// A result row, the same for both backends.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Cell>);

impl Row {
    pub fn int(&self, i: usize) -> Result<i64> {
        match self.0.get(i) {
            Some(Cell::Int(v)) => Ok(*v),
            Some(Cell::Float(v)) => Ok(*v as i64),
            Some(Cell::Text(s)) => s.parse().map_err(|_| Error::internal(format!("column {i} is not an integer"))),
            _ => Err(Error::internal(format!("column {i} is not an integer"))),
        }
    }

    pub fn text(&self, i: usize) -> Result<&str> {
        match self.0.get(i) {
            Some(Cell::Text(s)) => Ok(s),
            _ => Err(Error::internal(format!("column {i} is not text"))),
        }
    }
}

fn from_any(r: &AnyRow) -> Row {
    use sqlx::{Column, Row as _};
    let mut cells = Vec::with_capacity(r.columns().len());
    for i in 0..r.columns().len() {
        let cell = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
            v.map(Cell::Int).unwrap_or(Cell::Null)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
            v.map(Cell::Text).unwrap_or(Cell::Null)
        } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
            v.map(Cell::Float).unwrap_or(Cell::Null)
        } else if let Ok(v) = r.try_get::<Option<i32>, _>(i) {
            v.map(|x| Cell::Int(x as i64)).unwrap_or(Cell::Null)
        } else {
            Cell::Null
        };
        cells.push(cell);
        let _ = r.columns()[i].name();
    }
    Row(cells)
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    params: &'q [Param],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    for p in params {
        q = match p {
            Param::Int(i) => q.bind(*i),
            Param::Float(f) => q.bind(*f),
            Param::Text(s) => q.bind(s.as_str()),
            Param::Null => q.bind(Option::<i64>::None),
        };
    }
    q
}

pub(crate) fn db_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            return Error::duplicate(d.constraint().unwrap_or("unique").to_string());
        }
    }
    Error::db(e)
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// SQLite `synchronous=FULL` instead of `NORMAL`.
    pub sqlite_full_sync: bool,
    pub max_connections: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { sqlite_full_sync: false, max_connections: 16 }
    }
}

#[derive(Clone)]
enum Pools {
    Lite(Arc<sqlite::Lite>),
    Pg(AnyPool),
}

/// The database. SQLite: one writer connection and a pool of readers; PostgreSQL: one pool.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
    backend: Backend,
    /// SQLite (one process owns the file): the metadata generation, bumped after every commit
    /// that changed metadata. PostgreSQL reads the shared counter in `seq` instead.
    meta_gen: Arc<AtomicI64>,
    /// SQLite: the last id handed out per sequence. The process owns the file, so it hands ids out
    /// from memory — also before a write transaction — and every transaction that uses one raises
    /// the stored sequence to it. Ids stay increasing in the order they are handed out; one whose
    /// transaction rolls back is burned, never reused. PostgreSQL takes ids in the transaction.
    ids: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    /// Wakes waiting watchers after commits that wrote events.
    feed: events::Feed,
}

const PERSIST_ID: &str =
    "INSERT INTO seq (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = MAX(seq.value, excluded.value)";

impl Store {
    /// SQLite: an id of `seq` taken before any write transaction (write it with
    /// `Tx::persist_id`). PostgreSQL: `None`, ids are taken inside the transaction.
    pub async fn take_id(&self, seq: &str) -> Result<Option<i64>> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let known = self.ids.lock().unwrap_or_else(|p| p.into_inner()).contains_key(seq);
        if !known {
            let rows = self.fetch("SELECT value FROM seq WHERE name = $1", &[Param::Text(seq.to_string())]).await?;
            let stored = rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0);
            self.ids.lock().unwrap_or_else(|p| p.into_inner()).entry(seq.to_string()).or_insert(stored);
        }
        let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
        let last = ids.get_mut(seq).expect("initialised above");
        *last += 1;
        Ok(Some(*last))
    }

    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store> {
        let backend =
            Backend::from_url(url).ok_or_else(|| Error::internal(format!("unsupported database url: {url}")))?;
        let pools = match backend {
            Backend::Sqlite => {
                let path = dialect::sqlite_path(url)?;
                let readers = opts.max_connections.clamp(2, 4) as usize;
                let full = opts.sqlite_full_sync;
                let lite = tokio::task::spawn_blocking(move || sqlite::Lite::open(&path, full, readers))
                    .await
                    .map_err(|e| Error::internal(e.to_string()))??;
                Pools::Lite(Arc::new(lite))
            }
            Backend::Postgres => {
                sqlx::any::install_default_drivers();
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    // A ping before every acquire costs a round trip per transaction; broken
                    // connections surface as statement errors and are replaced by the pool.
                    .test_before_acquire(false)
                    .connect(url)
                    .await
                    .map_err(db_err)?;
                Pools::Pg(pool)
            }
        };
        let feed = events::Feed::default();
        if backend == Backend::Postgres {
            feed.listen(url.to_string());
        }
        Ok(Store { pools, backend, meta_gen: Default::default(), ids: Default::default(), feed })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True once the database answers.
    pub async fn ping(&self) -> bool {
        self.fetch("SELECT 1", &[]).await.is_ok()
    }

    /// Pool gauges for metrics: `(role, open, idle)`.
    pub fn pool_stats(&self) -> Vec<(&'static str, u32, usize)> {
        match &self.pools {
            Pools::Lite(l) => {
                let (open, idle) = l.reader_stats();
                vec![("writer", 1, usize::from(l.writer_idle())), ("reader", open, idle)]
            }
            Pools::Pg(p) => vec![("pool", p.size(), p.num_idle())],
        }
    }

    /// Starts a write transaction. SQLite: takes the single writer connection (`BEGIN
    /// IMMEDIATE`). PostgreSQL: takes a transaction-scoped advisory lock, so writers on every node
    /// are serialised like SQLite's: checks made inside the transaction (uniqueness, existence,
    /// sequence values) hold until commit, and ids assigned in it follow commit order.
    pub async fn begin(&self) -> Result<Tx> {
        let inner = match &self.pools {
            Pools::Lite(l) => TxInner::Lite(l.begin().await?),
            Pools::Pg(p) => {
                let mut tx = p.begin().await.map_err(db_err)?;
                sqlx::query(dialect::PG_WRITE_LOCK).execute(&mut *tx).await.map_err(db_err)?;
                TxInner::Pg(tx)
            }
        };
        Ok(Tx {
            inner,
            backend: self.backend,
            touched_meta: false,
            meta_gen: self.meta_gen.clone(),
            ids: self.ids.clone(),
            event_resources: Vec::new(),
            feed: self.feed.clone(),
            stale: Vec::new(),
            pg_pool: match &self.pools {
                Pools::Pg(p) => Some(p.clone()),
                Pools::Lite(_) => None,
            },
        })
    }

    /// Applies the embedded migrations; `seed` writes the built-in data once, in the same
    /// transaction that records the seed migration.
    pub async fn migrate<F>(&self, seed: F) -> Result<()>
    where
        F: for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, Result<()>>,
    {
        migrate::run(self, seed).await
    }

    /// A read outside any transaction (reader pool).
    pub async fn fetch(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        match &self.pools {
            Pools::Lite(l) => l.fetch(sql, params).await,
            Pools::Pg(p) => {
                let rows = bind(sqlx::query(sql), params).fetch_all(p).await.map_err(db_err)?;
                Ok(rows.iter().map(from_any).collect())
            }
        }
    }

    pub fn dialect(&self) -> dialect::Dialect {
        dialect::Dialect(self.backend)
    }
}

enum TxInner {
    Lite(sqlite::LiteTx),
    Pg(sqlx::Transaction<'static, Any>),
}

/// One write transaction. Dropped without `commit` → rolled back.
pub struct Tx {
    inner: TxInner,
    backend: Backend,
    touched_meta: bool,
    meta_gen: Arc<AtomicI64>,
    ids: Arc<std::sync::Mutex<std::collections::HashMap<String, i64>>>,
    /// Resources this transaction wrote events of (their watchers are woken after commit).
    event_resources: Vec<String>,
    feed: events::Feed,
    /// Tables this transaction grew by many rows: their planner statistics are refreshed in the
    /// background after commit (PostgreSQL).
    stale: Vec<&'static str>,
    pg_pool: Option<AnyPool>,
}

impl Tx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Lite(t) => t.commit().await?,
            TxInner::Pg(t) => t.commit().await.map_err(db_err)?,
        }
        if self.touched_meta {
            self.meta_gen.fetch_add(1, Ordering::SeqCst);
        }
        for r in &self.event_resources {
            self.feed.bump(r);
        }
        if let (Some(pool), false) = (self.pg_pool, self.stale.is_empty()) {
            // What autovacuum would do a minute later; until then plans built on the
            // estimates of a small table can be very slow. SQLite plans without statistics.
            let tables = self.stale;
            tokio::spawn(async move {
                for t in tables {
                    if let Err(e) = sqlx::query(&format!("ANALYZE {t}")).execute(&pool).await {
                        tracing::warn!(table = t, error = %e, "statistics refresh failed");
                    }
                }
            });
        }
        Ok(())
    }

    /// Marks `tables` as grown by many rows in this transaction (see `stale`).
    pub fn statistics_stale(&mut self, tables: &[&'static str]) {
        for t in tables {
            if !self.stale.contains(t) {
                self.stale.push(t);
            }
        }
    }

    pub async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        match &mut self.inner {
            TxInner::Lite(t) => t.execute(sql, params),
            TxInner::Pg(t) => {
                Ok(bind(sqlx::query(sql), params).execute(&mut **t).await.map_err(db_err)?.rows_affected())
            }
        }
    }

    pub async fn fetch(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        match &mut self.inner {
            TxInner::Lite(t) => t.fetch(sql, params),
            TxInner::Pg(t) => {
                let rows = bind(sqlx::query(sql), params).fetch_all(&mut **t).await.map_err(db_err)?;
                Ok(rows.iter().map(from_any).collect())
            }
        }
    }

    /// Next value of a named id sequence. Under the write lock, so never duplicated; an id
    /// taken by a transaction that commits is never handed out again.
    pub async fn next_id(&mut self, seq: &str) -> Result<i64> {
        self.next_ids(seq, 1).await
    }

    /// Raises the stored sequence to an id taken with `Store::take_id` (SQLite).
    pub async fn persist_id(&mut self, seq: &str, id: i64) -> Result<()> {
        self.execute(PERSIST_ID, &[seq.into(), Param::Int(id)]).await?;
        Ok(())
    }

    /// Reserves `n` consecutive ids and returns the first.
    pub async fn next_ids(&mut self, seq: &str, n: i64) -> Result<i64> {
        if self.backend == Backend::Sqlite {
            let known = self.ids.lock().unwrap_or_else(|p| p.into_inner()).get(seq).copied();
            let last = match known {
                Some(v) => v,
                None => {
                    let rows =
                        self.fetch("SELECT value FROM seq WHERE name = $1", &[Param::Text(seq.to_string())]).await?;
                    rows.first().map(|r| r.int(0)).transpose()?.unwrap_or(0)
                }
            };
            let first = {
                let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
                let cur = ids.entry(seq.to_string()).or_insert(last);
                let first = *cur + 1;
                *cur += n;
                first
            };
            self.persist_id(seq, first + n - 1).await?;
            return Ok(first);
        }
        let rows = self
            .fetch(
                "UPDATE seq SET value = value + $1 WHERE name = $2 RETURNING value",
                &[Param::Int(n), Param::Text(seq.to_string())],
            )
            .await?;
        let last = match rows.first() {
            Some(r) => r.int(0)?,
            None => {
                self.execute("INSERT INTO seq (name, value) VALUES ($1, $2)", &[seq.into(), Param::Int(n)]).await?;
                n
            }
        };
        Ok(last - n + 1)
    }

    /// Raises a sequence so that it never hands out ids at or below `floor`.
    pub async fn bump_sequence(&mut self, seq: &str, floor: i64) -> Result<()> {
        self.next_ids(seq, 0).await?;
        self.execute("UPDATE seq SET value = $1 WHERE name = $2 AND value < $1", &[Param::Int(floor), seq.into()])
            .await?;
        if self.backend == Backend::Sqlite {
            // The in-memory counter hands SQLite's ids out: raise it too.
            let mut ids = self.ids.lock().unwrap_or_else(|p| p.into_inner());
            let cur = ids.entry(seq.to_string()).or_insert(floor);
            *cur = (*cur).max(floor);
        }
        Ok(())
    }

    pub fn dialect(&self) -> dialect::Dialect {
        dialect::Dialect(self.backend)
    }
}

pub(crate) fn row_doc(r: &Row, idx: usize) -> Result<Value> {
    serde_json::from_str(r.text(idx)?).map_err(|e| Error::internal(format!("stored document is not JSON: {e}")))
}
