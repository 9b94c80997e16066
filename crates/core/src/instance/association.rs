//! Instance associations (models-and-instances.md §G).

use crate::model::{int_field, str_field};
use cmdb_model::{code, Error, Result};
use cmdb_store::{Filter, Kind, Param, Tx};
use serde_json::Value;

/// Before an instance is deleted: associations whose other end is gone are removed; one to an
/// existing instance refuses the delete (1101075).
pub(crate) async fn release_instance(tx: &mut Tx, obj: &str, id: i64) -> Result<()> {
    let as_src = tx
        .find_docs(
            Kind::InstAsst,
            &[Filter::Eq("obj_id", Param::Text(obj.into())), Filter::Eq("inst_id", Param::Int(id))],
        )
        .await?;
    let as_dst = tx
        .find_docs(
            Kind::InstAsst,
            &[Filter::Eq("asst_obj_id", Param::Text(obj.into())), Filter::Eq("asst_inst_id", Param::Int(id))],
        )
        .await?;
    let mut stale = Vec::new();
    for (a, other_obj, other_id) in as_src
        .iter()
        .map(|a| (a, str_field(a, "bk_asst_obj_id"), int_field(a, "bk_asst_inst_id")))
        .chain(as_dst.iter().map(|a| (a, str_field(a, "bk_obj_id"), int_field(a, "bk_inst_id"))))
    {
        let alive = tx
            .count_docs(
                Kind::Instance,
                &[Filter::Eq("obj_id", Param::Text(other_obj.into())), Filter::Eq("id", Param::Int(other_id))],
            )
            .await?
            > 0;
        if alive && !(other_obj == obj && other_id == id) {
            return Err(Error::new(code::INST_HAS_ASSOCIATION));
        }
        stale.push(Param::Int(int_field(a, "id")));
    }
    if !stale.is_empty() {
        tx.delete_docs(Kind::InstAsst, &[Filter::In("id", stale)]).await?;
    }
    Ok(())
}

#[allow(dead_code)]
fn _unused(_: &Value) {}
