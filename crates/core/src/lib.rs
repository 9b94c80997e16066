//! Domain operations of cmdb. Each write operation runs in one store transaction that validates,
//! writes, appends its audit record(s) and change event(s), and commits — or changes nothing.
//! Nothing here knows about HTTP.

pub mod audit;
pub mod batch;
pub mod host;
pub mod instance;
pub mod model;
pub mod page;
pub mod req;
mod seed;
pub mod service;
pub mod subscription;
pub mod tenant;
pub mod topology;
pub mod watch;

pub use cmdb_model::{code, Caller, Error, Lang, Result};
use cmdb_store::Store;

/// The domain service: every area's operations hang off it.
#[derive(Clone)]
pub struct Core {
    pub store: Store,
    pub(crate) models: std::sync::Arc<instance::ModelCache>,
    /// `(model, attribute)` pairs whose index this process has ensured (see `instance::index`).
    pub(crate) indexed: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<(String, String)>>>,
    /// How long change events are kept for resource_watch.
    pub event_retention: std::time::Duration,
}

/// Default retention of change events: 7 days.
pub const DEFAULT_EVENT_RETENTION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

impl Core {
    /// Migrates the store (creating the built-in data once) and returns the service.
    pub async fn open(store: Store) -> Result<Core> {
        store.migrate(|tx| Box::pin(seed::write(tx))).await?;
        Ok(Core {
            store,
            models: Default::default(),
            indexed: Default::default(),
            event_retention: DEFAULT_EVENT_RETENTION,
        })
    }
}
