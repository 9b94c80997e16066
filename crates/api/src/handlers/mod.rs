//! One module per area; each handler passes the request to one core operation.

pub mod audit;
pub mod host;
pub mod instance;
pub mod model;
pub mod service;
pub mod topology;

/// Handlers that hand `(caller, body)` to the core operation of the same name.
#[macro_export]
macro_rules! handlers {
    ($($name:ident),* $(,)?) => {
        $(
            pub fn $name(c: $crate::routes::Call<'_>) -> $crate::routes::BoxFuture<'_, cmdb_model::Result<serde_json::Value>> {
                Box::pin(c.core.$name(c.caller, c.body))
            }
        )*
    };
}
