"""Area `service-process` through the official client: service categories (service-and-process.md §3.1)."""
import pytest

from cmdb_helpers import OPERATOR, fail, ok, unique

MISSING_ID = 987654321


def new_biz(client):
    body = {"data": {"bk_biz_name": unique("svc"), "bk_biz_maintainer": OPERATOR,
                     "time_zone": "Asia/Shanghai", "language": "1"}}
    return ok(client.cc.create_business(body))["bk_biz_id"]


def category_names(client, biz):
    return [c["name"] for c in ok(client.cc.list_service_category({"bk_biz_id": biz}))["info"]]


def test_create_update_delete_category(client):
    biz = new_biz(client)
    root = ok(client.cc.create_service_category({"bk_biz_id": biz, "name": "web-tier"}))
    assert root["bk_root_id"] == root["id"] and root["bk_parent_id"] == 0 and root["is_built_in"] is False
    child = ok(client.cc.create_service_category({"bk_biz_id": biz, "name": "edge", "bk_parent_id": root["id"]}))
    assert child["bk_root_id"] == root["id"] and child["bk_biz_id"] == biz
    names = category_names(client, biz)
    assert "web-tier" in names and "edge" in names and "Default" in names
    assert names == sorted(names, key=lambda n: n.encode("utf-8"))

    renamed = ok(client.cc.update_service_category({"id": child["id"], "name": "edge-2", "bk_biz_id": biz}))
    assert renamed["name"] == "edge-2"
    assert "edge-2" in category_names(client, biz)

    fail(client.cc.delete_service_category({"id": root["id"], "bk_biz_id": biz}), 1199055)
    assert ok(client.cc.delete_service_category({"id": child["id"], "bk_biz_id": biz})) is None
    assert ok(client.cc.delete_service_category({"id": root["id"], "bk_biz_id": biz})) is None
    names = category_names(client, biz)
    assert "web-tier" not in names and "edge-2" not in names


@pytest.mark.parametrize("name", ["a b", "", "x" * 129, "a/b"])
def test_bad_names_create_nothing(client, name):
    biz = new_biz(client)
    before = category_names(client, biz)
    fail(client.cc.create_service_category({"bk_biz_id": biz, "name": name}), 1199006)
    assert category_names(client, biz) == before


def test_category_errors(client):
    biz = new_biz(client)
    ok(client.cc.create_service_category({"bk_biz_id": biz, "name": "dup"}))
    before = category_names(client, biz)
    fail(client.cc.create_service_category({"bk_biz_id": biz, "name": "dup"}), 1113017)
    fail(client.cc.create_service_category({"bk_biz_id": MISSING_ID, "name": "ok"}), 1199006)
    fail(client.cc.create_service_category({"bk_biz_id": biz, "name": "ok", "bk_parent_id": MISSING_ID}), 1199006)
    assert category_names(client, biz) == before
    fail(client.cc.update_service_category({"id": MISSING_ID, "name": "x", "bk_biz_id": biz}), 1199019)
    fail(client.cc.update_service_category({"id": 1, "name": "x", "bk_biz_id": biz}), 1199054)
    fail(client.cc.delete_service_category({"id": MISSING_ID, "bk_biz_id": biz}), 1199019)


def test_category_used_by_module_stays(client):
    biz = new_biz(client)
    cat = ok(client.cc.create_service_category({"bk_biz_id": biz, "name": "used"}))
    set_id = ok(client.cc.create_set({"bk_biz_id": biz, "data": {"bk_set_name": unique("s"), "bk_parent_id": biz}}))["bk_set_id"]
    ok(client.cc.create_module({"bk_biz_id": biz, "bk_set_id": set_id,
                                "data": {"bk_parent_id": set_id, "bk_module_name": "m", "service_category_id": cat["id"]}}))
    fail(client.cc.delete_service_category({"id": cat["id"], "bk_biz_id": biz}), 1199056)
    assert "used" in category_names(client, biz)
