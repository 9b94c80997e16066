//! Area `instance`: generic instances, quoted (table) instances and instance associations.

crate::handlers!(
    create_inst,
    batch_create_inst,
    update_inst,
    batch_update_inst,
    delete_inst,
    batch_delete_inst,
    search_inst,
    search_inst_by_object,
    search_object_instances,
    count_object_instances,
);
