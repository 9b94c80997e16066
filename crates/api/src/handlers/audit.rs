//! Area `audit-watch`: the operation audit, resource_watch and the legacy subscription registry.

crate::handlers!(
    list_operation_audit,
    find_audit_by_id,
    resource_watch,
    subscribe_event,
    unsubcribe_event,
    update_event_subscribe,
    search_subscription,
);
