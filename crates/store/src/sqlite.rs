//! The SQLite backend on rusqlite. A write transaction runs its statements inline on the task
//! that holds the single writer connection (a few microseconds each); reads run on a small pool of
//! reader connections in blocking threads, in parallel with the writer (WAL).
//!
//! Measured reason (ARCHITECTURE.md): through sqlx's SQLite driver every statement is a round
//! trip to a connection thread, ~90 µs on the reference machine, against ~3 µs inline here.

use crate::{Param, Result, Row};
use cmdb_model::Error;
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedMutexGuard, Semaphore};

/// The writer connection and the open batch (group commit): consecutive write transactions
/// share one SQLite transaction, each inside its own savepoint, when others are already queued
/// for the writer; the last of the batch commits for all. A request answers only after the
/// commit that contains its changes.
pub(crate) struct Writer {
    conn: Connection,
    /// A transaction is open and holds released (successful) savepoints waiting for COMMIT.
    open: bool,
    /// Increases with every COMMIT; a waiter knows its batch committed when it moved past.
    generation: u64,
    waiters: Vec<tokio::sync::oneshot::Sender<Result<()>>>,
}

impl Writer {
    /// Commits the open batch and tells every waiting request how it went.
    fn commit_batch(&mut self) -> Result<()> {
        if !self.open {
            return Ok(());
        }
        self.open = false;
        self.generation += 1;
        let result = match self.conn.execute_batch("COMMIT") {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(err(e))
            }
        };
        for w in self.waiters.drain(..) {
            let _ = w.send(result.clone());
        }
        result
    }
}

/// Most requests one batch may hold.
const BATCH_MAX: usize = 64;

pub(crate) struct Lite {
    writer: Arc<tokio::sync::Mutex<Writer>>,
    /// Tasks waiting for the writer; a batch stays open only while somebody will continue it.
    queued: Arc<std::sync::atomic::AtomicUsize>,
    readers: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    reader_count: usize,
}

fn err(e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        if f.code == rusqlite::ErrorCode::ConstraintViolation {
            return Error::duplicate(msg.clone().unwrap_or_else(|| "unique".into()));
        }
    }
    Error::db(e)
}

fn open(path: &str, pragmas: &str) -> Result<Connection> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.execute_batch(pragmas).map_err(err)?;
    conn.set_prepared_statement_cache_capacity(512);
    Ok(conn)
}

fn to_sql(p: &Param) -> ToSqlOutput<'_> {
    match p {
        Param::Int(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
        Param::Float(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
        Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        Param::Null => ToSqlOutput::Owned(SqlValue::Null),
    }
}

/// Prepares (cached) and binds `$1..$n` by name, so a parameter may appear several times.
fn prepare<'c>(conn: &'c Connection, sql: &str, params: &[Param]) -> Result<rusqlite::CachedStatement<'c>> {
    let mut stmt = conn.prepare_cached(sql).map_err(err)?;
    for (i, p) in params.iter().enumerate() {
        if let Some(idx) = stmt.parameter_index(&format!("${}", i + 1)).map_err(err)? {
            stmt.raw_bind_parameter(idx, to_sql(p)).map_err(err)?;
        }
    }
    Ok(stmt)
}

fn run_fetch(conn: &Connection, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
    let mut stmt = prepare(conn, sql, params)?;
    let cols = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let mut cells = Vec::with_capacity(cols);
        for i in 0..cols {
            cells.push(match r.get_ref(i).map_err(err)? {
                ValueRef::Null => crate::Cell::Null,
                ValueRef::Integer(v) => crate::Cell::Int(v),
                ValueRef::Real(v) => crate::Cell::Float(v),
                ValueRef::Text(t) | ValueRef::Blob(t) => crate::Cell::Text(match std::str::from_utf8(t) {
                    Ok(s) => s.to_owned(),
                    Err(_) => String::from_utf8_lossy(t).into_owned(),
                }),
            });
        }
        out.push(Row(cells));
    }
    Ok(out)
}

fn run_execute(conn: &Connection, sql: &str, params: &[Param]) -> Result<u64> {
    let mut stmt = prepare(conn, sql, params)?;
    Ok(stmt.raw_execute().map_err(err)? as u64)
}

impl Lite {
    pub(crate) fn open(path: &str, full_sync: bool, readers: usize) -> Result<Lite> {
        let sync = if full_sync { "FULL" } else { "NORMAL" };
        let pragmas = format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={sync}; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
        );
        // The writer first: it creates the file and switches it to WAL before readers open it.
        let writer = open(path, &pragmas)?;
        let mut pool = Vec::with_capacity(readers);
        for _ in 0..readers {
            pool.push(open(path, &pragmas)?);
        }
        Ok(Lite {
            writer: Arc::new(tokio::sync::Mutex::new(Writer {
                conn: writer,
                open: false,
                generation: 0,
                waiters: vec![],
            })),
            queued: Default::default(),
            readers: Arc::new(Mutex::new(pool)),
            permits: Arc::new(Semaphore::new(readers)),
            reader_count: readers,
        })
    }

    /// A read on a reader connection, in a blocking thread (scans may take milliseconds).
    pub(crate) async fn fetch(&self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let _permit = self.permits.clone().acquire_owned().await.map_err(|e| Error::internal(e.to_string()))?;
        let conn =
            self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop().ok_or_else(|| Error::internal("no reader"))?;
        let (sql, params) = (sql.to_string(), params.to_vec());
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let r = run_fetch(&conn, &sql, &params);
            (conn, r)
        })
        .await
        .map_err(|e| Error::internal(e.to_string()))?;
        self.readers.lock().unwrap_or_else(|p| p.into_inner()).push(conn);
        result
    }

    pub(crate) async fn begin(&self) -> Result<LiteTx> {
        use std::sync::atomic::Ordering;
        self.queued.fetch_add(1, Ordering::SeqCst);
        let mut w = self.writer.clone().lock_owned().await;
        self.queued.fetch_sub(1, Ordering::SeqCst);
        if !w.open {
            w.conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
            w.open = true;
        }
        if let Err(e) = w.conn.execute_batch("SAVEPOINT request") {
            let e = err(e);
            let _ = finish(&mut w, &self.queued, false);
            return Err(e);
        }
        Ok(LiteTx { w: Some(w), queued: self.queued.clone(), writer: self.writer.clone() })
    }

    /// `(open, idle)` reader connections.
    pub(crate) fn reader_stats(&self) -> (u32, usize) {
        (self.reader_count as u32, self.permits.available_permits())
    }

    pub(crate) fn writer_idle(&self) -> bool {
        self.writer.try_lock().is_ok()
    }
}

/// What became of a request's savepoint.
enum Finished {
    /// The batch committed (or failed to) right away.
    Committed(Result<()>),
    /// The batch stays open for the queued requests; wait for this generation to commit.
    Pending(u64),
}

/// Ends a request's savepoint (kept or undone). The batch is committed unless another request
/// is queued to continue it and the batch is not full.
fn finish(w: &mut Writer, queued: &std::sync::atomic::AtomicUsize, keep: bool) -> Finished {
    let ended = if keep {
        w.conn.execute_batch("RELEASE request")
    } else {
        w.conn.execute_batch("ROLLBACK TO request; RELEASE request")
    };
    if ended.is_err() {
        // The savepoint is in an unknown state: give up the whole batch.
        let _ = w.conn.execute_batch("ROLLBACK");
        w.open = false;
        w.generation += 1;
        for waiter in w.waiters.drain(..) {
            let _ = waiter.send(Err(Error::internal("write batch rolled back")));
        }
        return Finished::Committed(Err(Error::internal("write batch rolled back")));
    }
    let others = queued.load(std::sync::atomic::Ordering::SeqCst) > 0;
    if others && w.waiters.len() < BATCH_MAX {
        return Finished::Pending(w.generation);
    }
    Finished::Committed(w.commit_batch())
}

/// A request's write transaction: a savepoint in the writer's open batch. Dropped uncommitted,
/// its changes are rolled back to the savepoint and the batch goes on.
pub(crate) struct LiteTx {
    w: Option<OwnedMutexGuard<Writer>>,
    queued: Arc<std::sync::atomic::AtomicUsize>,
    writer: Arc<tokio::sync::Mutex<Writer>>,
}

impl LiteTx {
    fn conn(&self) -> &Connection {
        &self.w.as_ref().expect("transaction in use").conn
    }

    pub(crate) fn execute(&mut self, sql: &str, params: &[Param]) -> Result<u64> {
        run_execute(self.conn(), sql, params)
    }

    pub(crate) fn fetch(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        run_fetch(self.conn(), sql, params)
    }

    /// Returns once the batch holding this request's changes has committed.
    pub(crate) async fn commit(mut self) -> Result<()> {
        let mut w = self.w.take().expect("transaction in use");
        let generation = match finish(&mut w, &self.queued, true) {
            Finished::Committed(result) => return result,
            Finished::Pending(generation) => generation,
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        w.waiters.push(tx);
        drop(w);
        // The next request commits the batch. Should it vanish before taking the writer (a
        // cancelled request), commit ourselves after a short wait.
        match tokio::time::timeout(std::time::Duration::from_millis(50), rx).await {
            Ok(Ok(result)) => result,
            _ => {
                let mut w = self.writer.clone().lock_owned().await;
                if w.generation == generation {
                    w.commit_batch()
                } else {
                    Ok(())
                }
            }
        }
    }
}

impl Drop for LiteTx {
    fn drop(&mut self) {
        if let Some(mut w) = self.w.take() {
            let _ = finish(&mut w, &self.queued, false);
        }
    }
}
