//! Area `service-process`: service categories so far.

crate::handlers!(create_service_category, update_service_category, delete_service_category, list_service_category,);
