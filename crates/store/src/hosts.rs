//! Set-based host storage beside the host documents: the identity keys that must be unique
//! (`host_key`: IPv4/IPv6 per cloud area for static hosts, agent ids), host–module relation rows
//! written and removed many at a time, and host locks. One statement serves many hosts.

use crate::audit::bind;
use crate::topo::{HostRelation, HostScope};
use crate::{Param, Result, Row, Store, Tx};

/// Kinds of identity keys.
pub const KEY_V4: &str = "v4";
pub const KEY_V6: &str = "v6";
pub const KEY_AGENT: &str = "agent";
/// Outer IPv4 addresses (unique across all hosts: the host model's `bk_host_outerip` rule).
pub const KEY_OUTER: &str = "outer";

/// One identity key of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostKey {
    pub kind: &'static str,
    /// Cloud area (0 for agent ids, which are unique everywhere).
    pub cloud: i64,
    pub value: String,
    pub host: i64,
    /// Static addressing: only static hosts' IPs are unique.
    pub unique: bool,
}

/// Rows of at most this many parameters per statement (SQLite's limit is 32,766).
const CHUNK_ROWS: usize = 1000;

fn ints(params: &mut Vec<Param>, ids: &[i64]) -> String {
    ids.iter().map(|i| bind(params, Param::Int(*i))).collect::<Vec<_>>().join(", ")
}

fn relations_of(rows: Vec<Row>) -> Result<Vec<HostRelation>> {
    rows.iter()
        .map(|r| Ok(HostRelation { host: r.int(0)?, module: r.int(1)?, set: r.int(2)?, biz: r.int(3)? }))
        .collect()
}

impl Tx {
    /// Adds identity keys.
    pub async fn insert_host_keys(&mut self, keys: &[HostKey]) -> Result<()> {
        for chunk in keys.chunks(CHUNK_ROWS) {
            let mut params = Vec::with_capacity(chunk.len() * 5);
            let rows: Vec<String> = chunk
                .iter()
                .map(|k| {
                    let a = bind(&mut params, k.kind.into());
                    let b = bind(&mut params, Param::Int(k.cloud));
                    let c = bind(&mut params, Param::Text(k.value.clone()));
                    let d = bind(&mut params, Param::Int(k.host));
                    let e = bind(&mut params, Param::Int(i64::from(k.unique)));
                    format!("({a}, {b}, {c}, {d}, {e})")
                })
                .collect();
            let sql =
                format!("INSERT INTO host_key (kind, cloud_id, value, host_id, is_unique) VALUES {}", rows.join(", "));
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }

    /// Unique keys already held by hosts other than `except` that clash with any of `keys`
    /// (only keys marked unique on both sides clash), as the holders' keys.
    pub async fn clashing_host_keys(&mut self, keys: &[HostKey], except: &[i64]) -> Result<Vec<HostKey>> {
        let wanted: std::collections::HashSet<(&str, i64, &str)> =
            keys.iter().filter(|k| k.unique).map(|k| (k.kind, k.cloud, k.value.as_str())).collect();
        let mut values: Vec<&str> = wanted.iter().map(|w| w.2).collect();
        values.sort_unstable();
        values.dedup();
        let except: std::collections::HashSet<i64> = except.iter().copied().collect();
        let mut out = Vec::new();
        for chunk in values.chunks(CHUNK_ROWS) {
            let mut params = Vec::new();
            let marks: Vec<String> = chunk.iter().map(|v| bind(&mut params, Param::Text(v.to_string()))).collect();
            let sql = format!(
                "SELECT kind, cloud_id, value, host_id FROM host_key WHERE is_unique = 1 AND value IN ({})",
                marks.join(", ")
            );
            for r in self.fetch(&sql, &params).await? {
                let kind = match r.text(0)? {
                    KEY_V6 => KEY_V6,
                    KEY_AGENT => KEY_AGENT,
                    KEY_OUTER => KEY_OUTER,
                    _ => KEY_V4,
                };
                let (cloud, value, host) = (r.int(1)?, r.text(2)?.to_string(), r.int(3)?);
                if wanted.contains(&(kind, cloud, value.as_str())) && !except.contains(&host) {
                    out.push(HostKey { kind, cloud, value, host, unique: true });
                }
            }
        }
        Ok(out)
    }

    /// Removes every identity key of the hosts, or only those of one kind.
    pub async fn delete_host_keys(&mut self, hosts: &[i64], kind: Option<&str>) -> Result<()> {
        for chunk in hosts.chunks(CHUNK_ROWS) {
            let mut params = Vec::new();
            let mut sql = format!("DELETE FROM host_key WHERE host_id IN ({})", ints(&mut params, chunk));
            if let Some(k) = kind {
                sql.push_str(&format!(" AND kind = {}", bind(&mut params, k.into())));
            }
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }

    /// Inserts relation rows.
    pub async fn insert_host_relations(&mut self, rels: &[HostRelation], supplier: &str) -> Result<()> {
        for chunk in rels.chunks(CHUNK_ROWS) {
            let mut params = Vec::with_capacity(chunk.len() * 5);
            let rows: Vec<String> = chunk
                .iter()
                .map(|r| {
                    let vals = [r.host, r.module, r.set, r.biz].map(|v| bind(&mut params, Param::Int(v)));
                    let s = bind(&mut params, supplier.into());
                    format!("({}, {s})", vals.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO module_host (host_id, module_id, set_id, biz_id, supplier) VALUES {}",
                rows.join(", ")
            );
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }

    /// Relation rows of the hosts (the writer's view), ordered by host then module.
    pub async fn relations_of_hosts(&mut self, hosts: &[i64]) -> Result<Vec<HostRelation>> {
        let mut out = Vec::new();
        for chunk in hosts.chunks(CHUNK_ROWS) {
            let mut params = Vec::new();
            let sql = format!(
                "SELECT host_id, module_id, set_id, biz_id FROM module_host WHERE host_id IN ({}) ORDER BY host_id, module_id",
                ints(&mut params, chunk)
            );
            out.extend(relations_of(self.fetch(&sql, &params).await?)?);
        }
        Ok(out)
    }

    /// Removes exactly these relation rows.
    pub async fn delete_host_relations(&mut self, rels: &[HostRelation]) -> Result<()> {
        for chunk in rels.chunks(CHUNK_ROWS) {
            let mut params = Vec::new();
            let pairs: Vec<String> = chunk
                .iter()
                .map(|r| {
                    let h = bind(&mut params, Param::Int(r.host));
                    let m = bind(&mut params, Param::Int(r.module));
                    format!("({h}, {m})")
                })
                .collect();
            let sql = format!("DELETE FROM module_host WHERE (host_id, module_id) IN (VALUES {})", pairs.join(", "));
            self.execute(&sql, &params).await?;
        }
        Ok(())
    }

    /// Locks hosts for `user` (already locked ones are left as they are).
    pub async fn lock_hosts(&mut self, hosts: &[i64], user: &str, at: i64) -> Result<()> {
        for h in hosts {
            self.execute(
                "INSERT INTO host_lock (host_id, username, create_time) VALUES ($1, $2, $3) ON CONFLICT (host_id) DO NOTHING",
                &[Param::Int(*h), user.into(), Param::Int(at)],
            )
            .await?;
        }
        Ok(())
    }

    pub async fn unlock_hosts(&mut self, hosts: &[i64]) -> Result<()> {
        if hosts.is_empty() {
            return Ok(());
        }
        let mut params = Vec::new();
        let sql = format!("DELETE FROM host_lock WHERE host_id IN ({})", ints(&mut params, hosts));
        self.execute(&sql, &params).await?;
        Ok(())
    }
}

impl Store {
    /// Relation rows whose `scope` column is one of `ids` and, when given, of business `biz`;
    /// ordered by host then module.
    pub async fn relations_in(&self, scope: HostScope, ids: &[i64], biz: Option<i64>) -> Result<Vec<HostRelation>> {
        let mut out = self.host_relations(scope, ids).await?;
        if let Some(b) = biz {
            out.retain(|r| r.biz == b);
        }
        Ok(out)
    }

    /// The distinct hosts of business `biz` (optionally only those in one of `modules`), in host id
    /// order, as one set-based read.
    pub async fn hosts_in_biz(&self, biz: i64, modules: Option<&[i64]>) -> Result<Vec<i64>> {
        let mut params = vec![Param::Int(biz)];
        let mut sql = "SELECT DISTINCT host_id FROM module_host WHERE biz_id = $1".to_string();
        if let Some(m) = modules {
            if m.is_empty() {
                return Ok(vec![]);
            }
            sql.push_str(&format!(" AND module_id IN ({})", ints(&mut params, m)));
        }
        sql.push_str(" ORDER BY host_id");
        self.fetch(&sql, &params).await?.iter().map(|r| r.int(0)).collect()
    }

    /// The holders of unique keys of one kind with any of `values` (reader side).
    pub async fn hosts_with_keys(&self, kind: &str, values: &[String]) -> Result<Vec<HostKey>> {
        let mut out = Vec::new();
        for chunk in values.chunks(CHUNK_ROWS) {
            let mut params = vec![Param::Text(kind.to_string())];
            let marks: Vec<String> = chunk.iter().map(|v| bind(&mut params, Param::Text(v.clone()))).collect();
            let sql = format!(
                "SELECT cloud_id, value, host_id FROM host_key WHERE kind = $1 AND is_unique = 1 AND value IN ({})",
                marks.join(", ")
            );
            for r in self.fetch(&sql, &params).await? {
                let kind = if kind == KEY_V6 { KEY_V6 } else { KEY_V4 };
                out.push(HostKey {
                    kind,
                    cloud: r.int(0)?,
                    value: r.text(1)?.to_string(),
                    host: r.int(2)?,
                    unique: true,
                });
            }
        }
        Ok(out)
    }

    /// Which of the hosts are locked.
    pub async fn locked_hosts(&self, hosts: &[i64]) -> Result<Vec<i64>> {
        if hosts.is_empty() {
            return Ok(vec![]);
        }
        let mut params = Vec::new();
        let sql = format!("SELECT host_id FROM host_lock WHERE host_id IN ({})", ints(&mut params, hosts));
        self.fetch(&sql, &params).await?.iter().map(|r| r.int(0)).collect()
    }
}
