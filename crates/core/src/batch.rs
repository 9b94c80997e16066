//! Results of the batch endpoints with partial success: one map of created ids and one of error
//! messages, keyed by the 0-based item index as a string.

use crate::req::Body;
use cmdb_model::{code, Error, Lang, Result};
use serde_json::{json, Map, Value};

#[derive(Default)]
pub struct Outcomes {
    created: Map<String, Value>,
    errors: Map<String, Value>,
}

impl Outcomes {
    pub fn record(&mut self, index: usize, outcome: Result<i64>, lang: Lang) {
        match outcome {
            Ok(id) => {
                self.created.insert(index.to_string(), json!(id));
            }
            Err(e) => {
                self.errors.insert(index.to_string(), json!(Error::message(&e, lang)));
            }
        }
    }

    pub fn into_value(self) -> Value {
        json!({"success_created": self.created, "error_msg": self.errors})
    }
}

/// The `details` of a batch create: 1..`max` items (empty → 1199038, too many → 1199035).
pub fn details(body: &Body, max: usize) -> Result<Vec<Value>> {
    let details = crate::req::array(body, "details")?;
    if details.is_empty() {
        return Err(Error::with(code::INST_DATA_NIL, "details"));
    }
    if details.len() > max {
        return Err(Error::with2(code::EXCEED_LIMIT, "details", max.to_string()));
    }
    Ok(details)
}
