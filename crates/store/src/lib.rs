//! Persistence of cmdb: one interface over two backends (SQLite, PostgreSQL) through sqlx's
//! `Any` driver. Backend differences (placeholders are `$n` on both; JSON columns, locking,
//! upserts) are kept in `dialect`. Every write runs in one [`Tx`].

mod dialect;
mod docs;
pub mod instances;
mod migrate;
pub mod query;

pub use dialect::Backend;
pub use docs::{Filter, Kind};

use cmdb_model::Error;
use serde_json::Value;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Row};
use std::future::Future;
use std::pin::Pin;
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

pub(crate) fn bind<'q>(
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

/// The database: a writer pool (one connection on SQLite) and a reader pool.
#[derive(Clone)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
    /// SQLite (one process owns the file): the metadata generation, bumped after every commit
    /// that changed metadata. PostgreSQL reads the shared counter in `seq` instead.
    meta_gen: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Store {
    pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend =
            Backend::from_url(url).ok_or_else(|| Error::internal(format!("unsupported database url: {url}")))?;
        match backend {
            Backend::Sqlite => {
                let url = dialect::prepare_sqlite_url(url)?;
                let sync = if opts.sqlite_full_sync { "FULL" } else { "NORMAL" };
                let pragmas = format!(
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                );
                let writer = pool(&url, 1, Some(pragmas.clone())).await?;
                // The writer creates the file and switches it to WAL before any reader opens it.
                sqlx::query("SELECT 1").execute(&writer).await.map_err(db_err)?;
                let reader = pool(&url, opts.max_connections.clamp(2, 8), Some(pragmas)).await?;
                Ok(Store { writer, reader, backend, meta_gen: Default::default() })
            }
            Backend::Postgres => {
                let p = pool(url, opts.max_connections, None).await?;
                Ok(Store { writer: p.clone(), reader: p, backend, meta_gen: Default::default() })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// True once the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.reader).await.is_ok()
    }

    /// Pool gauges for metrics: `(role, size, idle)`.
    pub fn pool_stats(&self) -> Vec<(&'static str, u32, usize)> {
        let mut v = vec![("writer", self.writer.size(), self.writer.num_idle())];
        if self.backend == Backend::Sqlite {
            v.push(("reader", self.reader.size(), self.reader.num_idle()));
        }
        v
    }

    /// Starts a write transaction. On PostgreSQL it takes a transaction-scoped advisory lock, so
    /// writers on every node are serialised like SQLite's single writer: checks made inside the
    /// transaction (uniqueness, existence, sequence values) hold until commit.
    pub async fn begin(&self) -> Result<Tx> {
        let mut tx = self.writer.begin().await.map_err(db_err)?;
        if self.backend == Backend::Postgres {
            sqlx::query(dialect::PG_WRITE_LOCK).execute(&mut *tx).await.map_err(db_err)?;
        }
        Ok(Tx { tx, backend: self.backend, touched_meta: false, meta_gen: self.meta_gen.clone() })
    }

    /// Applies the embedded migrations; `seed` writes the built-in data once, in the same
    /// transaction that records the seed migration.
    pub async fn migrate<F>(&self, seed: F) -> Result<()>
    where
        F: for<'a> FnOnce(&'a mut Tx) -> BoxFuture<'a, Result<()>>,
    {
        migrate::run(self, seed).await
    }

    /// Read helpers outside a transaction (reader pool).
    pub async fn fetch(&self, sql: &str, params: &[Param]) -> Result<Vec<AnyRow>> {
        bind(sqlx::query(sql), params).fetch_all(&self.reader).await.map_err(db_err)
    }

    pub fn dialect(&self) -> dialect::Dialect {
        dialect::Dialect(self.backend)
    }
}

async fn pool(url: &str, max: u32, pragmas: Option<String>) -> Result<AnyPool> {
    let mut o = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(if max == 1 { 1 } else { 0 })
        .acquire_timeout(Duration::from_secs(30));
    if let Some(p) = pragmas {
        o = o.after_connect(move |conn, _| {
            let p = p.clone();
            Box::pin(async move {
                use sqlx::Executor;
                conn.execute(p.as_str()).await?;
                Ok(())
            })
        });
    }
    o.connect(url).await.map_err(db_err)
}

/// One write transaction. Dropped without `commit` → rolled back.
pub struct Tx {
    tx: sqlx::Transaction<'static, Any>,
    backend: Backend,
    touched_meta: bool,
    meta_gen: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Tx {
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await.map_err(db_err)?;
        if self.touched_meta {
            self.meta_gen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    }

    pub async fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        let r = bind(sqlx::query(sql), params).execute(&mut *self.tx).await.map_err(db_err)?;
        Ok(r.rows_affected())
    }

    pub async fn fetch(&mut self, sql: &str, params: &[Param]) -> Result<Vec<AnyRow>> {
        bind(sqlx::query(sql), params).fetch_all(&mut *self.tx).await.map_err(db_err)
    }

    /// Next value of a named id sequence. Under the write lock, so never duplicated; an id
    /// taken by a transaction that commits is never handed out again.
    pub async fn next_id(&mut self, seq: &str) -> Result<i64> {
        self.next_ids(seq, 1).await
    }

    /// Reserves `n` consecutive ids and returns the first.
    pub async fn next_ids(&mut self, seq: &str, n: i64) -> Result<i64> {
        let rows = self
            .fetch(
                "UPDATE seq SET value = value + $1 WHERE name = $2 RETURNING value",
                &[Param::Int(n), Param::Text(seq.to_string())],
            )
            .await?;
        let last = match rows.first() {
            Some(r) => r.try_get::<i64, _>(0).map_err(db_err)?,
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
        Ok(())
    }

    pub fn dialect(&self) -> dialect::Dialect {
        dialect::Dialect(self.backend)
    }
}

pub(crate) fn row_doc(r: &AnyRow, idx: usize) -> Result<Value> {
    let s: String = r.try_get(idx).map_err(db_err)?;
    serde_json::from_str(&s).map_err(|e| Error::internal(format!("stored document is not JSON: {e}")))
}
