//! One module per area; each handler passes the request to one core operation.

pub mod model;
