//! Area `model`: classifications, models, attributes, business custom fields, model topology.

use crate::routes::{BoxFuture, Call};
use cmdb_model::Result;
use serde_json::Value;

crate::handlers!(
    create_classification,
    update_classification,
    delete_classification,
    search_classifications,
    create_object,
    update_object,
    delete_object,
    search_objects,
    create_object_attribute,
    update_object_attribute,
    delete_object_attribute,
    search_object_attribute,
    create_biz_custom_field,
    update_biz_custom_field,
    find_object_association,
    search_object_topo,
    update_object_topo_graphics,
    create_object_association,
    delete_object_association,
);

pub fn bind_role_privilege(c: Call<'_>) -> BoxFuture<'_, Result<Value>> {
    Box::pin(c.core.bind_role_privilege(c.caller, c.body, c.explicit_supplier))
}
