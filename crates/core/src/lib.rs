//! Domain operations of cmdb. Each write operation runs in one store transaction that validates,
//! writes, appends its audit record(s) and change event(s), and commits — or changes nothing.
//! Nothing here knows about HTTP.

pub mod audit;
pub mod batch;
pub mod instance;
pub mod model;
pub mod page;
pub mod req;
mod seed;
pub mod tenant;

pub use cmdb_model::{code, Caller, Error, Lang, Result};
use cmdb_store::Store;

/// The domain service: every area's operations hang off it.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub(crate) models: std::sync::Arc<instance::ModelCache>,
    /// `(model, attribute)` pairs whose index this process has ensured (see `instance::index`).
    pub(crate) indexed: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(String, String)>>>,
    /// Blocks of ids reserved ahead (see `reserve_id`).
    pub(crate) id_blocks: std::sync::Arc<tokio::sync::Mutex<std::collections::HashMap<&'static str, (i64, i64)>>>,
}

/// Ids a node reserves at a time for creates that take their id before the write transaction.
const ID_BLOCK: i64 = 128;

impl Core {
    /// An id of sequence `seq` taken outside any write transaction (as the original does: a failed
    /// write burns its id). Ids come from blocks reserved in short transactions of their own.
    pub(crate) async fn reserve_id(&self, seq: &'static str) -> Result<i64> {
        let mut blocks = self.id_blocks.lock().await;
        let entry = blocks.entry(seq).or_insert((0, 0));
        if entry.0 >= entry.1 {
            let mut tx = self.store.begin().await?;
            let first = tx.next_ids(seq, ID_BLOCK).await?;
            tx.commit().await?;
            *entry = (first, first + ID_BLOCK);
        }
        let id = entry.0;
        entry.0 += 1;
        Ok(id)
    }

    /// Migrates the store (creating the built-in data once) and returns the service.
    pub async fn open(store: Store) -> Result<Core> {
        store.migrate(|tx| Box::pin(seed::write(tx))).await?;
        Ok(Core { store, models: Default::default(), indexed: Default::default(), id_blocks: Default::default() })
    }
}
