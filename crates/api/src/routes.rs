//! The routing table: one line per endpoint name, as in shared/spec/endpoints.tsv.

use crate::handlers::{audit, host, instance, model, service, topology};
use cmdb_core::Core;
use cmdb_model::{Caller, Result};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a handler gets: the core, the caller and the body (auth fields already removed).
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub core: &'a Core,
    pub caller: &'a Caller,
    pub body: &'a Map<String, Value>,
    /// The caller named a supplier account (body or header) rather than getting the default.
    pub explicit_supplier: bool,
}

pub type Handler = for<'a> fn(Call<'a>) -> BoxFuture<'a, Result<Value>>;

#[derive(Clone, Copy)]
pub struct Route {
    pub name: &'static str,
    pub method: &'static str,
    pub handler: Handler,
    /// `bk_supplier_account` stays in the body (the gateway adds it back for these endpoints).
    pub keeps_supplier: bool,
}

const fn post(name: &'static str, handler: Handler) -> Route {
    Route { name, method: "POST", handler, keeps_supplier: false }
}

/// A GET endpoint of the ESB (query parameters and a JSON body are both accepted).
const fn get(name: &'static str, handler: Handler) -> Route {
    Route { name, method: "GET", handler, keeps_supplier: false }
}

const fn post_keep_supplier(name: &'static str, handler: Handler) -> Route {
    Route { name, method: "POST", handler, keeps_supplier: true }
}

pub static ROUTES: &[Route] = &[
    // model
    post("bind_role_privilege", model::bind_role_privilege),
    post_keep_supplier("create_biz_custom_field", model::create_biz_custom_field),
    post("create_classification", model::create_classification),
    post_keep_supplier("create_object", model::create_object),
    post_keep_supplier("create_object_attribute", model::create_object_attribute),
    post("delete_classification", model::delete_classification),
    post("delete_object", model::delete_object),
    post("delete_object_attribute", model::delete_object_attribute),
    post("find_object_association", model::find_object_association),
    post("search_classifications", model::search_classifications),
    post_keep_supplier("search_object_attribute", model::search_object_attribute),
    post("search_object_topo", model::search_object_topo),
    post_keep_supplier("search_objects", model::search_objects),
    post("update_biz_custom_field", model::update_biz_custom_field),
    post("update_classification", model::update_classification),
    post_keep_supplier("update_object", model::update_object),
    post("update_object_attribute", model::update_object_attribute),
    post("update_object_topo_graphics", model::update_object_topo_graphics),
    // model associations: set-up routes of the original (not in the ESB set)
    post("create_object_association", model::create_object_association),
    post("delete_object_association", model::delete_object_association),
    // instance
    post("add_instance_association", instance::add_instance_association),
    post("batch_create_instance_association", instance::batch_create_instance_association),
    post("count_instance_associations", instance::count_instance_associations),
    post("delete_instance_association", instance::delete_instance_association),
    post("delete_related_inst_asso", instance::delete_related_inst_asso),
    post("find_instance_association", instance::find_instance_association),
    post("find_instassociation_with_inst", instance::find_instassociation_with_inst),
    post("search_inst_association_topo", instance::search_inst_association_topo),
    post("search_inst_asst_object_inst_base_info", instance::search_inst_asst_object_inst_base_info),
    post("search_instance_associations", instance::search_instance_associations),
    post("search_related_inst_asso", instance::search_related_inst_asso),
    post("batch_create_inst", instance::batch_create_inst),
    post("batch_create_quoted_inst", instance::batch_create_quoted_inst),
    post("batch_delete_quoted_inst", instance::batch_delete_quoted_inst),
    post("batch_update_quoted_inst", instance::batch_update_quoted_inst),
    post("list_quoted_inst", instance::list_quoted_inst),
    post("batch_delete_inst", instance::batch_delete_inst),
    post("batch_update_inst", instance::batch_update_inst),
    post("count_object_instances", instance::count_object_instances),
    // custom topology levels: internal routes of the original (/api/v3/{create,delete}/topomodelmainline)
    post("create_mainline_object", instance::create_mainline_object),
    post("delete_mainline_object", instance::delete_mainline_object),
    post("create_inst", instance::create_inst),
    post("delete_inst", instance::delete_inst),
    post("search_inst", instance::search_inst),
    post("search_inst_by_object", instance::search_inst_by_object),
    post("search_object_instances", instance::search_object_instances),
    post("update_inst", instance::update_inst),
    // audit-watch
    post("find_audit_by_id", audit::find_audit_by_id),
    post("list_operation_audit", audit::list_operation_audit),
    post("resource_watch", audit::resource_watch),
    post("search_subscription", audit::search_subscription),
    post("subscribe_event", audit::subscribe_event),
    post("unsubcribe_event", audit::unsubcribe_event),
    post("update_event_subscribe", audit::update_event_subscribe),
    // host
    post("add_host_lock", host::add_host_lock),
    post("add_host_to_business_idle", host::add_host_to_business_idle),
    post("add_host_to_resource", host::add_host_to_resource),
    post("add_host_to_resource_pool", host::add_host_to_resource_pool),
    post("batch_update_host", host::batch_update_host),
    post("bind_host_agent", host::bind_host_agent),
    post("clone_host_property", host::clone_host_property),
    post("count_biz_host_cpu", host::count_biz_host_cpu),
    post("create_cloud_area", host::create_cloud_area),
    post("delete_cloud_area", host::delete_cloud_area),
    post("delete_host", host::delete_host),
    post("delete_host_lock", host::delete_host_lock),
    post("find_host_biz_relations", host::find_host_biz_relations),
    post("host_install_bk", host::host_install_bk),
    post("list_host_detail_topology", host::list_host_detail_topology),
    post("list_host_total_mainline_topo", host::list_host_total_mainline_topo),
    post("find_host_by_topo", host::find_host_by_topo),
    post("find_host_identifier_push_result", host::find_host_identifier_push_result),
    post("find_host_relations_with_topo", host::find_host_relations_with_topo),
    post("find_host_snapshot_batch", host::find_host_snapshot_batch),
    post("find_host_topo_relation", host::find_host_topo_relation),
    post("find_module_host_relation", host::find_module_host_relation),
    get("get_host_base_info", host::get_host_base_info),
    post("get_host_location", host::get_host_location),
    post("list_biz_hosts", host::list_biz_hosts),
    post("list_biz_hosts_topo", host::list_biz_hosts_topo),
    post("list_hosts_without_biz", host::list_hosts_without_biz),
    post("list_resource_pool_hosts", host::list_resource_pool_hosts),
    post("push_host_identifier", host::push_host_identifier),
    post("search_cloud_area", host::search_cloud_area),
    post("search_cost_info_relation", host::search_cost_info_relation),
    post("search_host_lock", host::search_host_lock),
    post("search_hostidentifier", host::search_hostidentifier),
    post("transfer_host_across_biz", host::transfer_host_across_biz),
    post("transfer_host_module", host::transfer_host_module),
    post("transfer_host_to_faultmodule", host::transfer_host_to_faultmodule),
    post("transfer_host_to_idlemodule", host::transfer_host_to_idlemodule),
    post("transfer_host_to_recyclemodule", host::transfer_host_to_recyclemodule),
    post("transfer_host_to_resourcemodule", host::transfer_host_to_resourcemodule),
    post("transfer_resourcehost_to_idlemodule", host::transfer_resourcehost_to_idlemodule),
    post("transfer_sethost_to_idle_module", host::transfer_sethost_to_idle_module),
    post("unbind_host_agent", host::unbind_host_agent),
    post("update_cloud_area", host::update_cloud_area),
    post("update_host", host::update_host),
    post("update_host_cloud_area_field", host::update_host_cloud_area_field),
    // service-process
    post("add_label_for_service_instance", service::add_label_for_service_instance),
    post("batch_create_proc_template", service::batch_create_proc_template),
    post("create_process_instance", service::create_process_instance),
    post("create_service_category", service::create_service_category),
    post("create_service_instance", service::create_service_instance),
    post("create_service_template", service::create_service_template),
    post("create_set_template", service::create_set_template),
    post("delete_proc_template", service::delete_proc_template),
    post("delete_process_instance", service::delete_process_instance),
    post("delete_service_category", service::delete_service_category),
    post("delete_service_instance", service::delete_service_instance),
    post("delete_service_template", service::delete_service_template),
    post("delete_set_template", service::delete_set_template),
    post("find_host_by_service_template", service::find_host_by_service_template),
    post("find_host_by_set_template", service::find_host_by_set_template),
    post("get_proc_template", service::get_proc_template),
    get("get_service_template", service::get_service_template),
    post("list_host_service_template_id", service::list_host_service_template_id),
    post("list_proc_template", service::list_proc_template),
    post("list_process_detail_by_ids", service::list_process_detail_by_ids),
    post("list_process_instance", service::list_process_instance),
    post("list_process_related_info", service::list_process_related_info),
    post("list_service_category", service::list_service_category),
    post("list_service_instance", service::list_service_instance),
    post("list_service_instance_by_host", service::list_service_instance_by_host),
    post("list_service_instance_by_set_template", service::list_service_instance_by_set_template),
    post("list_service_instance_detail", service::list_service_instance_detail),
    post("list_service_template", service::list_service_template),
    post("list_service_template_difference", service::list_service_template_difference),
    post("list_service_template_sync_status", service::list_service_template_sync_status),
    post("list_set_template", service::list_set_template),
    get("list_set_template_related_service_template", service::list_set_template_related_service_template),
    post("remove_label_from_service_instance", service::remove_label_from_service_instance),
    post("search_process_instances", service::search_process_instances),
    post("sync_service_template_to_service_instance", service::sync_service_template_to_service_instance),
    post("sync_set_template_to_set", service::sync_set_template_to_set),
    post("update_proc_template", service::update_proc_template),
    post("update_process_instance", service::update_process_instance),
    post("update_service_category", service::update_service_category),
    post("update_service_template", service::update_service_template),
    post("update_set_template", service::update_set_template),
    // topology
    post("batch_delete_business_set", topology::batch_delete_business_set),
    post("batch_delete_set", topology::batch_delete_set),
    post("batch_update_business_set", topology::batch_update_business_set),
    post("create_business", topology::create_business),
    post("create_business_set", topology::create_business_set),
    post("create_module", topology::create_module),
    post("create_set", topology::create_set),
    post("delete_business", topology::delete_business),
    post("delete_module", topology::delete_module),
    post("delete_set", topology::delete_set),
    post("find_biz_sensitive_batch", topology::find_biz_sensitive_batch),
    post("find_biz_tree_brief_info", topology::find_biz_tree_brief_info),
    post("find_brief_biz_topo_node_relation", topology::find_brief_biz_topo_node_relation),
    post("find_module_batch", topology::find_module_batch),
    post("find_module_with_relation", topology::find_module_with_relation),
    post("find_set_batch", topology::find_set_batch),
    post("find_topo_node_paths", topology::find_topo_node_paths),
    post("get_biz_brief_cache_topo", topology::get_biz_brief_cache_topo),
    get("get_biz_internal_module", topology::get_biz_internal_module),
    post("get_biz_location", topology::get_biz_location),
    post("get_mainline_object_topo", topology::get_mainline_object_topo),
    post("list_business_in_business_set", topology::list_business_in_business_set),
    post("list_business_set", topology::list_business_set),
    post("list_business_set_topo", topology::list_business_set_topo),
    get("search_biz_inst_topo", topology::search_biz_inst_topo),
    post("search_business", topology::search_business),
    post("search_module", topology::search_module),
    post("search_set", topology::search_set),
    post("update_biz_sensitive", topology::update_biz_sensitive),
    post("update_business", topology::update_business),
    post("update_business_enable_status", topology::update_business_enable_status),
    post("update_module", topology::update_module),
    post("update_set", topology::update_set),
];
