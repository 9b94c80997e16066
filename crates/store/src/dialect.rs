//! The few places where SQLite and PostgreSQL differ.

use cmdb_model::Error;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Every writer takes this lock in PostgreSQL (key chosen once for cmdb).
pub(crate) const PG_WRITE_LOCK: &str = "SELECT pg_advisory_xact_lock(7236501)";
pub(crate) const PG_MIGRATE_LOCK: &str = "SELECT pg_advisory_xact_lock(7236502)";

/// Creates the directory of a SQLite file and asks sqlx to create the file.
pub(crate) fn prepare_sqlite_url(url: &str) -> Result<String, Error> {
    let rest = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    if path != ":memory:" && !path.is_empty() {
        if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::internal(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let query = match query {
        Some(q) if q.contains("mode=") => q.to_string(),
        Some(q) => format!("{q}&mode=rwc"),
        None => "mode=rwc".to_string(),
    };
    Ok(format!("sqlite://{path}?{query}"))
}

/// SQL fragments per backend.
#[derive(Debug, Clone, Copy)]
pub struct Dialect(pub Backend);

impl Dialect {
    /// Column type of JSON documents.
    pub fn json_type(self) -> &'static str {
        match self.0 {
            Backend::Sqlite => "TEXT",
            Backend::Postgres => "JSONB",
        }
    }

    /// A bound parameter `$n` holding JSON text, as a value of the document column.
    pub fn json_param(self, n: usize) -> String {
        match self.0 {
            Backend::Sqlite => format!("${n}"),
            Backend::Postgres => format!("${n}::jsonb"),
        }
    }

    /// A document column read back as JSON text.
    pub fn json_out(self, col: &str) -> String {
        match self.0 {
            Backend::Sqlite => col.to_string(),
            Backend::Postgres => format!("{col}::text"),
        }
    }

    /// Expression that removes the top-level key bound as `$n` from document column `col`.
    /// On SQLite the parameter must be a JSON path (`$."key"`), on PostgreSQL the bare key.
    pub fn json_remove_key(self, col: &str, n: usize) -> String {
        match self.0 {
            Backend::Sqlite => format!("json_remove({col}, ${n})"),
            Backend::Postgres => format!("({col} - ${n})"),
        }
    }

    pub fn json_remove_key_param(self, key: &str) -> String {
        match self.0 {
            Backend::Sqlite => format!("$.\"{}\"", key.replace('"', "")),
            Backend::Postgres => key.to_string(),
        }
    }
}
