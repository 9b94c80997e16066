//! Service instances, processes and their templates (service-and-process.md). So far: service
//! categories (§3.1).

mod category;
