"""Model area (endpoints.tsv area `model`, 18 endpoints) plus envelope / gateway / built-in data checks.

Spec: /work/shared/spec/conventions.md, models-and-instances.md §A-D, attributes.md §1/§2/§4,
builtin-data.md, kube-project-misc.md (bind_role_privilege, update_object_topo_graphics).
Every test creates its own uniquely named records, so tests can share one server.
"""
import re

import pytest

from cmdb_helpers import (DEFAULT_AUTH, EN, HEX32, META_TIME, OPERATOR, ZH, attrs_of, check_envelope, fail, find_attr,
                          get_cls, get_obj, make_client, new_attr, new_cls, new_obj, ok, search_cls,
                          search_obj, unique)

CJK = re.compile(u"[\u4e00-\u9fff]")
MISSING_ID = 987654321  # an id no record has

CLS_KEYS = {"id", "bk_classification_id", "bk_classification_name", "bk_classification_type",
            "bk_classification_icon", "bk_supplier_account"}
OBJ_KEYS = {"id", "bk_obj_id", "bk_obj_name", "bk_classification_id", "bk_obj_icon", "bk_ishidden", "ispre",
            "bk_ispaused", "position", "description", "creator", "modifier", "create_time", "last_time",
            "obj_sort_number", "bk_supplier_account"}
ATTR_KEYS = {"id", "bk_supplier_account", "bk_obj_id", "bk_biz_id", "bk_property_id", "bk_property_name",
             "bk_property_group", "bk_property_group_name", "bk_property_index", "bk_property_type",
             "option", "ismultiple", "isrequired", "isonly", "editable", "isreadonly", "ispre", "creator",
             "create_time", "last_time"}
ASST_KEYS = {"id", "bk_obj_asst_id", "bk_obj_asst_name", "bk_obj_id", "bk_asst_obj_id", "bk_asst_id",
             "mapping", "on_delete", "ispre", "bk_supplier_account"}

BUILTIN_CLASSIFICATIONS = {
    # id: (zh, en, type, icon)
    "bk_host_manage": (u"主机管理", "Host Management", "", "icon-cc-host"),
    "bk_biz_topo": (u"业务拓扑", "Business Topology", "", "icon-cc-business"),
    "bk_organization": (u"组织架构", "Organization", "", "icon-cc-organization"),
    "bk_network": (u"网络", "Network", "", "icon-cc-network-equipment"),
    "bk_uncategorized": (u"未分类", "Uncategorized", "inner", "icon-cc-default"),
}

BUILTIN_OBJECTS = {
    # id: (zh name or None when ambiguous, en name, classification, icon, ispre)
    "biz": (u"业务", "Business", "bk_organization", "icon-cc-business", True),
    "set": (u"集群", "Set", "bk_biz_topo", "icon-cc-set", True),
    "module": (u"模块", "Module", "bk_biz_topo", "icon-cc-module", True),
    "host": (u"主机", "Host", "bk_host_manage", "icon-cc-host", True),
    "process": (u"进程", "Process", "bk_host_manage", "icon-cc-process", True),
    "plat": (None, "Plat", "bk_host_manage", "icon-cc-subnet", True),
    "bk_biz_set_obj": (u"业务集", "Business set", "bk_organization", "icon-cc-business-set", True),
    "bk_project": (u"项目", "Project", "bk_organization", "icon-cc-project", True),
    "bk_switch": (u"交换机", "Switch", "bk_network", "icon-cc-switch2", False),
    "bk_router": (u"路由器", "Router", "bk_network", "icon-cc-router", False),
    "bk_load_balance": (u"负载均衡", "Load Balance", "bk_network", "icon-cc-balance", False),
    "bk_firewall": (u"防火墙", "Firewall", "bk_network", "icon-cc-firewall", False),
}


def ids(rows, key):
    return [r[key] for r in rows]


# ====================================================================================================
# Envelope, transport and gateway


def test_envelope_on_success(client):
    resp = client.cc.search_classifications({"bk_classification_id": "bk_host_manage"})
    check_envelope(resp)
    assert resp["result"] is True
    assert resp["code"] == 0
    assert resp["message"] == "success"
    assert resp["permission"] is None
    assert HEX32.match(resp["request_id"])
    assert isinstance(resp["data"], list)


def test_envelope_on_error(client):
    resp = client.cc.create_classification({"bk_classification_name": unique("n")})
    check_envelope(resp)
    assert resp["result"] is False
    assert resp["code"] == 1199010
    assert resp["permission"] is None
    assert resp["data"] is None
    assert HEX32.match(resp["request_id"])
    assert "bk_classification_id" in resp["message"]


def test_request_ids_are_fresh(client):
    a = client.cc.search_classifications({"bk_classification_id": "bk_network"})
    b = client.cc.search_classifications({"bk_classification_id": "bk_network"})
    assert HEX32.match(a["request_id"]) and HEX32.match(b["request_id"])
    assert a["request_id"] != b["request_id"]


def test_caller_request_id_is_echoed(raw):
    rid = "0123456789abcdef0123456789abcdef"
    resp = raw.call("search_classifications", {}, headers={"X-Request-Id": rid})
    assert ok(resp) is not None
    assert resp["request_id"] == rid


def test_http_status_and_content_type(raw):
    r = raw.post("search_classifications", {})
    assert r.status_code == 200
    assert r.headers["Content-Type"].lower().replace(" ", "") == "application/json;charset=utf-8"
    ok(r.json())
    # handled errors are HTTP 200 too
    r = raw.post("create_classification", {})
    assert r.status_code == 200
    fail(r.json(), 1199010)


def test_path_variants(raw):
    body = {"bk_obj_id": "host"}
    for path in ("/api/c/compapi/v2/cc/search_objects/", "/api/c/compapi/v2/cc/search_objects",
                 "/api/c/compapi/cc/search_objects/"):
        data = ok(raw.call("search_objects", body, path=path, lang="en"))
        assert ids(data, "bk_obj_id") == ["host"], path


def test_missing_username_is_refused(client_factory, unique):
    c = client_factory(bk_app_code="test", bk_app_secret="test")
    cls_id = unique("cls")
    fail(c.cc.create_classification({"bk_classification_id": cls_id, "bk_classification_name": unique("n")}),
         1306401)
    fail(c.cc.search_classifications({"bk_classification_id": "bk_network"}), 1306401)
    # nothing was created
    c2 = client_factory(bk_app_code="test", bk_app_secret="test", bk_username="admin")
    assert search_cls(c2, cls_id) == []


def test_missing_username_raw(raw):
    resp = raw.call("search_objects", {"bk_obj_id": "host"}, auth={"bk_app_code": "test", "bk_app_secret": "test"})
    fail(resp, 1306401)


def test_credentials_in_body(raw, unique):
    """Auth fields may come in the body; they are stripped before the body is interpreted."""
    auth = {"bk_app_code": "test", "bk_app_secret": "test", "bk_username": "admin"}
    body = dict(auth, bk_obj_id="host")
    data = ok(raw.call("search_objects", body, auth=None, lang="en"))
    assert ids(data, "bk_obj_id") == ["host"]
    # the auth keys are not taken as condition fields of a condition-map endpoint
    data = ok(raw.call("search_classifications", dict(auth, bk_classification_id="bk_network"), auth=None))
    assert ids(data, "bk_classification_id") == ["bk_network"]


def test_header_username_wins_over_body(raw, client):
    cls_id = new_cls(client)["bk_classification_id"]
    obj_id = unique("obj")
    body = {"bk_obj_id": obj_id, "bk_obj_name": unique("n"), "bk_classification_id": cls_id,
            "bk_obj_icon": "icon-cc-default", "bk_username": "someoneelse"}
    data = ok(raw.call("create_object", body))  # header carries bk_username=admin
    assert data["creator"] == OPERATOR
    assert get_obj(client, obj_id)["creator"] == OPERATOR


def test_unknown_endpoint(raw):
    resp = raw.call("no_such_component_xyz", {})
    fail(resp, 1306404)


def test_non_json_body(raw, unique):
    cls_id = unique("cls")
    fail(raw.call("create_classification", data=b'{"bk_classification_id": "%s", ' % cls_id.encode()), 1199000)
    fail(raw.call("search_objects", data=b"not json at all"), 1199000)
    fail(raw.call("search_classifications", data=b"[1, 2"), 1199000)


def test_empty_body_is_empty_object(raw):
    data = ok(raw.call("search_classifications", data=b""))
    assert "bk_host_manage" in ids(data, "bk_classification_id")


def test_client_empty_dict_sends_no_body_and_works(client):
    # the client sends no body at all for {} (see CLIENT_NOTES.md); server treats it as {}
    data = ok(client.cc.search_classifications({}))
    assert {"bk_host_manage", "bk_network"} <= set(ids(data, "bk_classification_id"))


def test_language_changes_error_message(client):
    body = {"bk_classification_name": unique("n")}
    en = fail(client.cc.create_classification(body, headers=EN), 1199010)["message"]
    zh = fail(client.cc.create_classification(body, headers=ZH), 1199010)["message"]
    zh_cn = fail(client.cc.create_classification(body, headers={"Blueking-Language": "zh-cn"}), 1199010)["message"]
    default = fail(client.cc.create_classification(body), 1199010)["message"]
    assert en != zh
    assert CJK.search(zh), zh
    assert not CJK.search(en), en
    assert zh_cn == zh
    assert default == en  # no header -> English (old ESB default)


def test_language_via_client_constructor(cmdb_url):
    zh = make_client(cmdb_url, language="zh", **DEFAULT_AUTH)
    assert get_obj(zh, "host")["bk_obj_name"] == u"主机"
    en = make_client(cmdb_url, language="en", **DEFAULT_AUTH)
    assert get_obj(en, "host")["bk_obj_name"] == "Host"


def test_builtin_model_name_translation(client):
    assert get_obj(client, "host", headers=EN)["bk_obj_name"] == "Host"
    assert get_obj(client, "host", headers=ZH)["bk_obj_name"] == u"主机"
    assert get_obj(client, "host")["bk_obj_name"] == "Host"


def test_builtin_classification_name_translation(client):
    assert get_cls(client, "bk_host_manage", headers=EN)["bk_classification_name"] == "Host Management"
    assert get_cls(client, "bk_host_manage", headers=ZH)["bk_classification_name"] == u"主机管理"


def test_user_data_never_translated(client):
    name = u"用户分类" + unique("x")
    cls = new_cls(client, bk_classification_name=name)
    assert get_cls(client, cls["bk_classification_id"], headers=EN)["bk_classification_name"] == name
    assert get_cls(client, cls["bk_classification_id"], headers=ZH)["bk_classification_name"] == name


# ====================================================================================================
# Built-in data


def test_builtin_classifications(client):
    for lang, idx in ((EN, 1), (ZH, 0)):
        data = ok(client.cc.search_classifications({}, headers=lang))
        by_id = {c["bk_classification_id"]: c for c in data}
        for cid, spec in BUILTIN_CLASSIFICATIONS.items():
            assert cid in by_id, cid
            c = by_id[cid]
            assert CLS_KEYS <= set(c), c
            assert c["bk_classification_name"] == spec[idx], c
            assert c["bk_classification_type"] == spec[2], c
            assert c["bk_classification_icon"] == spec[3], c
            assert c["bk_supplier_account"] == "0", c
            assert isinstance(c["id"], int)
        assert "bk_table_classification" not in by_id
        assert all(c["bk_classification_type"] != "hidden" for c in data)


def test_hidden_classification_never_returned(client):
    assert search_cls(client, "bk_table_classification") == []
    assert ok(client.cc.search_classifications({"bk_classification_type": "hidden"})) == []


def test_builtin_objects(client):
    data = ok(client.cc.search_objects({}, headers=EN))
    by_id = {o["bk_obj_id"]: o for o in data}
    for oid, (zh, en, cls, icon, ispre) in BUILTIN_OBJECTS.items():
        assert oid in by_id, oid
        o = by_id[oid]
        assert OBJ_KEYS <= set(o), o
        assert o["bk_obj_name"] == en, o
        assert o["bk_classification_id"] == cls, o
        assert o["bk_obj_icon"] == icon, o
        assert o["ispre"] is ispre, o
        assert o["bk_ishidden"] is False and o["bk_ispaused"] is False, o
        assert o["creator"] == "cc_system", o
        assert o["bk_supplier_account"] == "0", o
    assert by_id["host"]["position"] == '{"bk_host_manage":{"x":-600,"y":-650}}'
    zh_by_id = {o["bk_obj_id"]: o for o in ok(client.cc.search_objects({}, headers=ZH))}
    for oid, (zh, _en, _c, _i, _p) in BUILTIN_OBJECTS.items():
        if zh is not None:
            assert zh_by_id[oid]["bk_obj_name"] == zh, zh_by_id[oid]


def test_builtin_objects_by_classification(client):
    data = ok(client.cc.search_objects({"bk_classification_id": "bk_network"}))
    assert {"bk_switch", "bk_router", "bk_load_balance", "bk_firewall"} <= set(ids(data, "bk_obj_id"))
    assert all(o["bk_classification_id"] == "bk_network" for o in data)
    data = ok(client.cc.search_objects({"bk_obj_id": {"$in": ["biz", "set", "module"]}}))
    assert sorted(ids(data, "bk_obj_id")) == ["biz", "module", "set"]


def test_builtin_biz_attributes(client):
    attrs = attrs_of(client, "biz", headers=ZH)
    by_id = {a["bk_property_id"]: a for a in attrs}
    a = by_id["bk_biz_name"]
    assert ATTR_KEYS <= set(a), a
    assert a["bk_obj_id"] == "biz"
    assert a["bk_property_type"] == "singlechar"
    assert a["bk_property_name"] == u"业务名"
    assert a["isrequired"] is True and a["ispre"] is True
    assert a["bk_property_group"] == "default"
    assert a["bk_biz_id"] == 0
    life = by_id["life_cycle"]
    assert life["bk_property_type"] == "enum"
    opts = {o["id"]: o for o in life["option"]}
    assert set(opts) == {"1", "2", "3"}
    assert [o["id"] for o in life["option"] if o["is_default"]] == ["2"]
    assert by_id["bk_biz_maintainer"]["bk_property_type"] == "objuser"
    assert by_id["bk_biz_maintainer"]["bk_property_group"] == "role"
    assert all(x["bk_obj_id"] == "biz" for x in attrs)


def test_search_attributes_excludes_api_and_system_fields(client):
    props = set(ids(attrs_of(client, "set"), "bk_property_id"))
    assert "bk_set_name" in props
    assert "bk_biz_id" not in props          # bk_isapi
    assert "bk_parent_id" not in props       # bk_issystem
    assert "set_template_id" not in props    # both
    for a in attrs_of(client, "module"):
        assert not a.get("bk_isapi") and not a.get("bk_issystem"), a
        assert a["bk_property_type"] != "innertable"


def test_builtin_mainline_association(client):
    data = ok(client.cc.find_object_association({"condition": {"bk_obj_id": "module"}}))
    by_id = {a["bk_obj_asst_id"]: a for a in data}
    a = by_id["module_bk_mainline_set"]
    assert ASST_KEYS <= set(a), a
    assert a["bk_obj_id"] == "module"
    assert a["bk_asst_obj_id"] == "set"
    assert a["bk_asst_id"] == "bk_mainline"
    assert a["mapping"] == "1:1"
    assert a["on_delete"] == "none"
    assert a["ispre"] is True
    assert all(x["bk_obj_id"] == "module" for x in data)


def test_builtin_switch_host_association(client):
    data = ok(client.cc.find_object_association({"condition": {"bk_obj_asst_id": "bk_switch_connect_host"}}))
    assert len(data) == 1
    a = data[0]
    assert (a["bk_obj_id"], a["bk_asst_obj_id"], a["bk_asst_id"], a["mapping"]) == \
        ("bk_switch", "host", "connect", "1:n")
    assert a["ispre"] is False


# ====================================================================================================
# A. Classifications


def test_create_classification(client):
    cid, name = unique("cls"), unique("name")
    data = ok(client.cc.create_classification({"bk_classification_id": cid, "bk_classification_name": name,
                                               "bk_classification_icon": "icon-cc-middleware"}))
    assert CLS_KEYS <= set(data), data
    assert isinstance(data["id"], int) and data["id"] > 0
    assert data["bk_classification_id"] == cid
    assert data["bk_classification_name"] == name
    assert data["bk_classification_icon"] == "icon-cc-middleware"
    assert data["bk_classification_type"] == ""
    assert data["bk_supplier_account"] == "0"
    rows = search_cls(client, cid)
    assert len(rows) == 1
    for k in CLS_KEYS:
        assert rows[0][k] == data[k], k


def test_create_classification_ignores_type(client):
    cls = new_cls(client, bk_classification_type="hidden")
    assert cls["bk_classification_type"] == ""
    assert get_cls(client, cls["bk_classification_id"])["bk_classification_type"] == ""


def test_create_classification_ids_increase(client):
    a, b = new_cls(client), new_cls(client)
    assert b["id"] > a["id"]


@pytest.mark.parametrize("body_id,code", [
    (None, 1199010),            # missing
    ("", 1199010),              # empty
    (123, 1199007),             # not a string
    ("1abc", 1199011),          # bad pattern
    ("a-b", 1199011),
    ("a b", 1199011),
    ("bkfoo", 1199011),         # bk prefix, any case
    ("BKfoo", 1199011),
    ("Bk_foo", 1199011),
    ("a" * 129, 1199073),       # too long
])
def test_create_classification_bad_id(client, body_id, code):
    name = unique("name")
    body = {"bk_classification_name": name}
    if body_id is not None:
        body["bk_classification_id"] = body_id
    fail(client.cc.create_classification(body), code)
    assert ok(client.cc.search_classifications({"bk_classification_name": name})) == []


def test_create_classification_name_rules(client):
    cid = unique("cls")
    fail(client.cc.create_classification({"bk_classification_id": cid}), 1199010)
    fail(client.cc.create_classification({"bk_classification_id": cid, "bk_classification_name": ""}), 1199010)
    fail(client.cc.create_classification({"bk_classification_id": cid, "bk_classification_name": "n" * 129}),
         1199073)
    assert search_cls(client, cid) == []
    # exactly 128 characters is fine
    name128 = ("n" * 128 + unique("x"))[-128:]
    assert len(name128) == 128
    ok(client.cc.create_classification({"bk_classification_id": cid, "bk_classification_name": name128}))
    assert len(search_cls(client, cid)) == 1


def test_create_classification_duplicates(client):
    cls = new_cls(client)
    # same id
    fail(client.cc.create_classification({"bk_classification_id": cls["bk_classification_id"],
                                          "bk_classification_name": unique("other")}), 1199014)
    # same name, other id
    other_id = unique("cls")
    fail(client.cc.create_classification({"bk_classification_id": other_id,
                                          "bk_classification_name": cls["bk_classification_name"]}), 1199014)
    rows = search_cls(client, cls["bk_classification_id"])
    assert len(rows) == 1 and rows[0]["bk_classification_name"] == cls["bk_classification_name"]
    assert search_cls(client, other_id) == []
    # a built-in id is refused (bk prefix) before any duplicate check
    fail(client.cc.create_classification({"bk_classification_id": "bk_network",
                                          "bk_classification_name": unique("n")}), 1199011)


def test_update_classification(client):
    cls = new_cls(client)
    new_name = unique("renamed")
    assert ok(client.cc.update_classification({"id": cls["id"], "bk_classification_name": new_name,
                                               "bk_classification_icon": "icon-cc-other"})) is None
    row = get_cls(client, cls["bk_classification_id"])
    assert row["bk_classification_name"] == new_name
    assert row["bk_classification_icon"] == "icon-cc-other"
    assert row["id"] == cls["id"]


def test_update_classification_cannot_change_id(client):
    cls = new_cls(client)
    other = unique("cls")
    ok(client.cc.update_classification({"id": cls["id"], "bk_classification_id": other,
                                        "bk_classification_name": unique("n2")}))
    assert search_cls(client, other) == []
    assert len(search_cls(client, cls["bk_classification_id"])) == 1


def test_update_classification_errors(client):
    cls = new_cls(client)
    other = new_cls(client)
    fail(client.cc.update_classification({"id": cls["id"], "bk_classification_name": ""}), 1199010)
    fail(client.cc.update_classification({"id": cls["id"], "bk_classification_name": "x" * 129}), 1199073)
    fail(client.cc.update_classification({"id": cls["id"],
                                          "bk_classification_name": other["bk_classification_name"]}), 1199014)
    fail(client.cc.update_classification({"bk_classification_name": unique("n")}), 1306406)  # no id
    row = get_cls(client, cls["bk_classification_id"])
    assert row["bk_classification_name"] == cls["bk_classification_name"]
    assert row["bk_classification_icon"] == cls["bk_classification_icon"]


def test_update_classification_unknown_id_is_noop(client):
    name = unique("n")
    assert ok(client.cc.update_classification({"id": MISSING_ID, "bk_classification_name": name})) is None
    assert ok(client.cc.search_classifications({"bk_classification_name": name})) == []


def test_update_uncategorized_is_silent_noop(client):
    unc = get_cls(client, "bk_uncategorized", headers=ZH)
    assert ok(client.cc.update_classification({"id": unc["id"], "bk_classification_name": unique("u")})) is None
    after = get_cls(client, "bk_uncategorized", headers=ZH)
    assert after["bk_classification_name"] == u"未分类"
    assert after["bk_classification_icon"] == unc["bk_classification_icon"]


def test_delete_classification(client):
    cls = new_cls(client)
    assert ok(client.cc.delete_classification({"id": cls["id"]})) is None
    assert search_cls(client, cls["bk_classification_id"]) == []
    # the id may be reused as a classification id afterwards
    again = new_cls(client, bk_classification_id=cls["bk_classification_id"])
    assert again["id"] != cls["id"]


def test_delete_classification_with_models_refused(client):
    cls = new_cls(client)
    obj = new_obj(client, cls["bk_classification_id"])
    fail(client.cc.delete_classification({"id": cls["id"]}), 1101029)
    assert len(search_cls(client, cls["bk_classification_id"])) == 1
    # once the model is gone, the classification can go
    ok(client.cc.delete_object({"id": obj["id"]}))
    ok(client.cc.delete_classification({"id": cls["id"]}))
    assert search_cls(client, cls["bk_classification_id"]) == []


def test_delete_builtin_classification_with_models_refused(client):
    net = get_cls(client, "bk_network")
    fail(client.cc.delete_classification({"id": net["id"]}), 1101029)
    assert len(search_cls(client, "bk_network")) == 1


def test_delete_classification_unknown_and_missing_id(client):
    assert ok(client.cc.delete_classification({"id": MISSING_ID})) is None
    fail(client.cc.delete_classification({}), 1306406)


def test_search_classifications_conditions(client):
    a, b = new_cls(client), new_cls(client)
    data = ok(client.cc.search_classifications({"bk_classification_id": {"$in": [a["bk_classification_id"],
                                                                                b["bk_classification_id"]]}}))
    assert sorted(ids(data, "bk_classification_id")) == sorted([a["bk_classification_id"],
                                                                b["bk_classification_id"]])
    data = ok(client.cc.search_classifications({"bk_classification_name": a["bk_classification_name"]}))
    assert ids(data, "bk_classification_id") == [a["bk_classification_id"]]
    data = ok(client.cc.search_classifications({}))
    got = ids(data, "bk_classification_id")
    assert a["bk_classification_id"] in got and b["bk_classification_id"] in got
    assert got.index(a["bk_classification_id"]) < got.index(b["bk_classification_id"])  # storage order


# ====================================================================================================
# B. Models


def test_create_object(client):
    cls_id = new_cls(client)["bk_classification_id"]
    oid, name = unique("obj"), unique("objname")
    data = ok(client.cc.create_object({"bk_obj_id": oid, "bk_obj_name": name, "bk_classification_id": cls_id,
                                       "bk_obj_icon": "icon-cc-switch", "description": "a model",
                                       "position": '{"x":1}', "creator": "mallory"}))
    assert OBJ_KEYS <= set(data), data
    assert isinstance(data["id"], int) and data["id"] > 0
    assert data["bk_obj_id"] == oid
    assert data["bk_obj_name"] == name
    assert data["bk_classification_id"] == cls_id
    assert data["bk_obj_icon"] == "icon-cc-switch"
    assert data["description"] == "a model"
    assert data["position"] == '{"x":1}'
    assert data["ispre"] is False and data["bk_ispaused"] is False and data["bk_ishidden"] is False
    assert data["creator"] == OPERATOR  # body creator overwritten
    assert data["bk_supplier_account"] == "0"
    assert data["obj_sort_number"] == 1
    assert META_TIME.match(data["create_time"]) and META_TIME.match(data["last_time"])
    row = get_obj(client, oid)
    for k in ("id", "bk_obj_id", "bk_obj_name", "bk_classification_id", "bk_obj_icon", "creator",
              "description", "position", "ispre", "bk_ispaused", "bk_ishidden", "obj_sort_number"):
        assert row[k] == data[k], k
    assert META_TIME.match(row["create_time"])


def test_create_object_side_effects(client):
    obj = new_obj(client)
    attrs = {a["bk_property_id"]: a for a in attrs_of(client, obj["bk_obj_id"])}
    name = attrs["bk_inst_name"]
    assert name["bk_property_type"] == "singlechar"
    assert name["isrequired"] is True and name["isonly"] is True and name["editable"] is True
    assert name["ispre"] is True
    assert name["bk_property_group"] == "default"
    assert name["bk_property_group_name"] == "Default"
    for rec in ("bk_created_at", "bk_updated_at"):
        assert attrs[rec]["bk_property_type"] == "time", attrs[rec]
    for rec in ("bk_created_by", "bk_updated_by"):
        assert attrs[rec]["bk_property_type"] == "objuser", attrs[rec]
    assert all(a["bk_obj_id"] == obj["bk_obj_id"] for a in attrs.values())


def test_create_object_sort_numbers(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a = new_obj(client, cls_id)
    b = new_obj(client, cls_id)
    assert (a["obj_sort_number"], b["obj_sort_number"]) == (1, 2)
    c = new_obj(client, cls_id, obj_sort_number=1)
    assert get_obj(client, c["bk_obj_id"])["obj_sort_number"] == 1
    assert get_obj(client, a["bk_obj_id"])["obj_sort_number"] == 2
    assert get_obj(client, b["bk_obj_id"])["obj_sort_number"] == 3
    d = new_obj(client, cls_id, obj_sort_number=50)
    assert get_obj(client, d["bk_obj_id"])["obj_sort_number"] == 4
    # deleting shifts the following ones down
    ok(client.cc.delete_object({"id": c["id"]}))
    assert [get_obj(client, o["bk_obj_id"])["obj_sort_number"] for o in (a, b, d)] == [1, 2, 3]


@pytest.mark.parametrize("obj_id,code", [
    (None, 1199010),
    ("", 1199010),
    ("1abc", 1199011),
    ("a.b", 1199011),
    ("bkthing", 1199011),
    ("BK_thing", 1199011),
    ("host", 1199011),
    ("biz", 1199011),
    ("process", 1199011),
    ("a" * 100, 1199011),   # too long for storage names (tenant 0: <= 95 chars)
    ("a" * 129, 1199073),
])
def test_create_object_bad_id(client, obj_id, code):
    cls_id = new_cls(client)["bk_classification_id"]
    body = {"bk_obj_name": unique("n"), "bk_classification_id": cls_id, "bk_obj_icon": "icon-cc-default"}
    if obj_id is not None:
        body["bk_obj_id"] = obj_id
    fail(client.cc.create_object(body), code)
    assert ok(client.cc.search_objects({"bk_classification_id": cls_id})) == []


def test_create_object_field_errors(client):
    cls_id = new_cls(client)["bk_classification_id"]
    oid = unique("obj")
    base = {"bk_obj_id": oid, "bk_obj_name": unique("n"), "bk_classification_id": cls_id,
            "bk_obj_icon": "icon-cc-default"}

    def without(k):
        b = dict(base)
        b.pop(k)
        return b

    fail(client.cc.create_object(without("bk_obj_name")), 1199011)
    fail(client.cc.create_object(dict(base, bk_obj_name="")), 1199011)
    fail(client.cc.create_object(dict(base, bk_obj_name="n" * 129)), 1199011)
    fail(client.cc.create_object(without("bk_classification_id")), 1199010)
    fail(client.cc.create_object(dict(base, bk_classification_id=unique("nocls"))), 1101024)
    fail(client.cc.create_object(without("bk_obj_icon")), 1199010)
    fail(client.cc.create_object(dict(base, bk_obj_icon="")), 1199010)
    fail(client.cc.create_object(dict(base, obj_sort_number=-1)), 1199006)
    assert search_obj(client, oid) == []
    assert ok(client.cc.search_objects({"bk_classification_id": cls_id})) == []
    ok(client.cc.create_object(base))
    assert len(search_obj(client, oid)) == 1


def test_create_object_duplicates(client):
    obj = new_obj(client)
    cls_id = new_cls(client)["bk_classification_id"]
    fail(client.cc.create_object({"bk_obj_id": obj["bk_obj_id"], "bk_obj_name": unique("n"),
                                  "bk_classification_id": cls_id, "bk_obj_icon": "icon-cc-default"}), 1199014)
    other = unique("obj")
    fail(client.cc.create_object({"bk_obj_id": other, "bk_obj_name": obj["bk_obj_name"],
                                  "bk_classification_id": cls_id, "bk_obj_icon": "icon-cc-default"}), 1199014)
    assert search_obj(client, other) == []
    assert ok(client.cc.search_objects({"bk_classification_id": cls_id})) == []
    row = get_obj(client, obj["bk_obj_id"])
    assert row["bk_obj_name"] == obj["bk_obj_name"]
    assert row["bk_classification_id"] == obj["bk_classification_id"]


def test_update_object(client):
    obj = new_obj(client)
    new_name = unique("renamed")
    assert ok(client.cc.update_object({"id": obj["id"], "bk_obj_name": new_name, "bk_obj_icon": "icon-cc-new",
                                       "description": "changed", "position": '{"y":2}'})) is None
    row = get_obj(client, obj["bk_obj_id"])
    assert row["bk_obj_name"] == new_name
    assert row["bk_obj_icon"] == "icon-cc-new"
    assert row["description"] == "changed"
    assert row["position"] == '{"y":2}'
    assert row["modifier"] == OPERATOR
    assert row["id"] == obj["id"]
    assert META_TIME.match(row["last_time"])


def test_update_object_ignores_obj_id(client):
    obj = new_obj(client)
    other = unique("obj")
    ok(client.cc.update_object({"id": obj["id"], "bk_obj_id": other, "description": "d"}))
    assert search_obj(client, other) == []
    assert get_obj(client, obj["bk_obj_id"])["description"] == "d"


def test_update_object_classification_and_pause(client):
    obj = new_obj(client)
    target = new_cls(client)["bk_classification_id"]
    ok(client.cc.update_object({"id": obj["id"], "bk_classification_id": target}))
    assert get_obj(client, obj["bk_obj_id"])["bk_classification_id"] == target
    ok(client.cc.update_object({"id": obj["id"], "bk_ispaused": True}))
    assert get_obj(client, obj["bk_obj_id"])["bk_ispaused"] is True
    ok(client.cc.update_object({"id": obj["id"], "bk_ispaused": False}))
    assert get_obj(client, obj["bk_obj_id"])["bk_ispaused"] is False


def test_update_object_errors(client):
    obj = new_obj(client)
    other = new_obj(client)
    fail(client.cc.update_object({"id": obj["id"], "bk_classification_id": unique("nocls")}), 1101113)
    fail(client.cc.update_object({"id": obj["id"], "bk_obj_name": other["bk_obj_name"]}), 1199014)
    fail(client.cc.update_object({"id": obj["id"], "obj_sort_number": -1}), 1199006)
    fail(client.cc.update_object({"id": obj["id"], "bk_ispaused": "yes"}), 1199011)
    fail(client.cc.update_object({"bk_obj_name": unique("n")}), 1306406)  # no id
    row = get_obj(client, obj["bk_obj_id"])
    for k in ("bk_obj_name", "bk_classification_id", "obj_sort_number", "bk_ispaused", "bk_obj_icon"):
        assert row[k] == obj[k], k


def test_update_object_unknown_id_is_noop(client):
    name = unique("n")
    assert ok(client.cc.update_object({"id": MISSING_ID, "bk_obj_name": name})) is None
    assert ok(client.cc.search_objects({"bk_obj_name": name})) == []


def test_delete_object(client):
    obj = new_obj(client)
    new_attr(client, obj["bk_obj_id"])
    assert ok(client.cc.delete_object({"id": obj["id"]})) is None
    assert search_obj(client, obj["bk_obj_id"]) == []
    assert attrs_of(client, obj["bk_obj_id"]) == []
    # the id can be used again afterwards
    again = new_obj(client, obj["bk_classification_id"], bk_obj_id=obj["bk_obj_id"])
    assert again["id"] != obj["id"]


def test_delete_builtin_object_refused(client):
    for oid in ("host", "biz", "set", "module", "process", "plat", "bk_biz_set_obj", "bk_project"):
        o = get_obj(client, oid)
        fail(client.cc.delete_object({"id": o["id"]}), 1101135)
        assert len(search_obj(client, oid)) == 1


def test_delete_object_with_instances_refused(client):
    obj = new_obj(client)
    ok(client.cc.create_inst({"bk_obj_id": obj["bk_obj_id"], "bk_inst_name": unique("inst")}))
    resp = fail(client.cc.delete_object({"id": obj["id"]}), 1101037)
    assert obj["bk_obj_id"] in resp["message"]
    assert len(search_obj(client, obj["bk_obj_id"])) == 1


def test_delete_object_unknown_and_missing_id(client):
    assert ok(client.cc.delete_object({"id": MISSING_ID})) is None
    fail(client.cc.delete_object({}), 1306406)


def test_search_objects_conditions(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a, b = new_obj(client, cls_id), new_obj(client, cls_id)
    data = ok(client.cc.search_objects({"bk_classification_id": cls_id}))
    assert ids(data, "bk_obj_id") == [a["bk_obj_id"], b["bk_obj_id"]]
    data = ok(client.cc.search_objects({"bk_obj_id": {"$in": [b["bk_obj_id"], "host"]}}))
    assert sorted(ids(data, "bk_obj_id")) == sorted([b["bk_obj_id"], "host"])
    data = ok(client.cc.search_objects({"bk_classification_id": cls_id, "bk_obj_name": {"$ne": a["bk_obj_name"]}}))
    assert ids(data, "bk_obj_id") == [b["bk_obj_id"]]
    assert ok(client.cc.search_objects({"bk_obj_id": unique("none")})) == []


# ---- search_object_topo


def test_search_object_topo_builtin(client):
    data = ok(client.cc.search_object_topo({"bk_classification_id": "bk_network"}, headers=ZH))
    edges = [e for e in data if e["from"]["bk_obj_id"] == "bk_switch" and e["to"]["bk_obj_id"] == "host"]
    assert len(edges) == 1, data
    e = edges[0]
    assert set(e["from"]) >= {"bk_classification_id", "bk_obj_id", "bk_obj_name", "position", "bk_supplier_account"}
    assert e["from"]["bk_classification_id"] == "bk_network"
    assert e["from"]["bk_obj_name"] == u"交换机"
    assert e["to"]["bk_classification_id"] == "bk_host_manage"
    assert e["to"]["bk_obj_name"] == u"主机"
    assert e["label"] == u"上联" and e["label_name"] == u"上联"
    assert e["label_type"] == ""
    assert e["arrows"] == "to"
    # only edges whose source is in the classification
    assert all(x["from"]["bk_classification_id"] == "bk_network" for x in data)


def test_search_object_topo_mainline(client):
    data = ok(client.cc.search_object_topo({"bk_classification_id": "bk_biz_topo"}, headers=ZH))
    pairs = {(e["from"]["bk_obj_id"], e["to"]["bk_obj_id"]): e for e in data}
    assert ("module", "set") in pairs
    assert pairs[("module", "set")]["label"] == u"拓扑组成"
    assert pairs[("module", "set")]["arrows"] == "to"


def test_search_object_topo_empty(client):
    cls_id = new_cls(client)["bk_classification_id"]
    assert ok(client.cc.search_object_topo({"bk_classification_id": cls_id})) == []
    new_obj(client, cls_id)  # a model without associations
    assert ok(client.cc.search_object_topo({"bk_classification_id": cls_id})) == []
    assert ok(client.cc.search_object_topo({"bk_classification_id": unique("none")})) == []


# ---- update_object_topo_graphics


def _graphics_node(obj_id, x=10, y=20):
    return {"node_type": "obj", "bk_obj_id": obj_id, "bk_inst_id": 0, "position": {"x": x, "y": y},
            "ext": {"k": "v"}, "bk_obj_icon": "icon-cc-default"}


def test_update_object_topo_graphics(client):
    obj = new_obj(client)
    body = {"scope_type": "global", "scope_id": "0", "action": "update", "data": [_graphics_node(obj["bk_obj_id"])]}
    assert ok(client.cc.update_object_topo_graphics(body)) is None
    # upsert again (override) with another position
    body = {"scope_type": "global", "scope_id": "0", "action": "override",
            "data": [_graphics_node(obj["bk_obj_id"], 30, 40), _graphics_node("host", -1, -2)]}
    assert ok(client.cc.update_object_topo_graphics(body)) is None
    # `origin` is accepted as an alias of `data`
    body = {"scope_type": "global", "scope_id": "0", "action": "update", "origin": [_graphics_node(obj["bk_obj_id"])]}
    assert ok(client.cc.update_object_topo_graphics(body)) is None


def test_update_object_topo_graphics_errors(client):
    node = _graphics_node("host")
    full = {"scope_type": "global", "scope_id": "0", "action": "update", "data": [node]}
    for k in ("scope_type", "scope_id", "action"):
        body = dict(full)
        body.pop(k)
        resp = fail(client.cc.update_object_topo_graphics(body), 1306406)
        assert k in resp["message"]
    fail(client.cc.update_object_topo_graphics(dict(full, data="not-a-list")), 1199000)


# ====================================================================================================
# C. Attributes


def test_create_object_attribute(client):
    obj = new_obj(client)
    pid, name = unique("p"), unique("pname")
    data = ok(client.cc.create_object_attribute({
        "bk_obj_id": obj["bk_obj_id"], "bk_property_id": pid, "bk_property_name": name,
        "bk_property_type": "singlechar", "option": "^[a-z0-9_]*$", "unit": "GB", "placeholder": "type it",
        "description": "desc", "editable": True, "creator": "mallory", "ispre": True,
    }))
    assert ATTR_KEYS <= set(data), data
    assert isinstance(data["id"], int) and data["id"] > 0
    assert data["bk_obj_id"] == obj["bk_obj_id"]
    assert data["bk_property_id"] == pid
    assert data["bk_property_name"] == name
    assert data["bk_property_type"] == "singlechar"
    assert data["option"] == "^[a-z0-9_]*$"
    assert data["unit"] == "GB" and data["placeholder"] == "type it" and data["description"] == "desc"
    assert data["bk_property_group"] == "default"
    assert data["bk_property_group_name"] == "Default"
    assert data["ismultiple"] is False and data["isrequired"] is False and data["isonly"] is False
    assert data["editable"] is True
    assert data["ispre"] is False            # forced
    assert data["creator"] == OPERATOR       # overwritten
    assert data["bk_biz_id"] == 0
    assert data["bk_supplier_account"] == "0"
    assert META_TIME.match(data["create_time"])
    row = find_attr(client, obj["bk_obj_id"], pid)
    assert row is not None
    for k in ("id", "bk_property_name", "bk_property_type", "option", "unit", "placeholder", "ispre",
              "bk_property_group", "bk_property_group_name", "bk_property_index", "creator"):
        assert row[k] == data[k], k


def test_attribute_index_and_isonly(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"])
    b = new_attr(client, obj["bk_obj_id"], isonly=True)
    assert b["bk_property_index"] == a["bk_property_index"] + 1
    assert b["isonly"] is True and b["isrequired"] is True
    assert find_attr(client, obj["bk_obj_id"], b["bk_property_id"])["isrequired"] is True


def test_attribute_unknown_group_falls_back_to_default(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"], bk_property_group=unique("nogroup"))
    assert a["bk_property_group"] == "default"


def test_attribute_type_options(client):
    oid = new_obj(client)["bk_obj_id"]
    i = new_attr(client, oid, bk_property_type="int", option={"min": "1", "max": "10"}, default=5)
    assert i["bk_property_type"] == "int"
    assert i["option"]["min"] in ("1", 1) and i["option"]["max"] in ("10", 10)
    enum_opt = [{"id": "a", "name": "A", "type": "text", "is_default": True},
                {"id": "b", "name": "B", "type": "text", "is_default": False}]
    e = new_attr(client, oid, bk_property_type="enum", option=enum_opt)
    row = find_attr(client, oid, e["bk_property_id"])
    assert [o["id"] for o in row["option"]] == ["a", "b"]
    assert [o["id"] for o in row["option"] if o["is_default"]] == ["a"]
    assert row["ismultiple"] is False
    u = new_attr(client, oid, bk_property_type="objuser", ismultiple=False)
    assert u["ismultiple"] is True  # objuser always multiple
    org = new_attr(client, oid, bk_property_type="organization")
    assert org["ismultiple"] is True
    em = new_attr(client, oid, bk_property_type="enummulti", option=enum_opt)
    assert em["ismultiple"] is False
    f = new_attr(client, oid, bk_property_type="float")
    assert f["bk_property_type"] == "float"
    lst = new_attr(client, oid, bk_property_type="list", option=["x", "y"])
    assert lst["option"] == ["x", "y"]
    for t in ("longchar", "date", "time", "timezone", "bool"):
        assert new_attr(client, oid, bk_property_type=t)["bk_property_type"] == t


@pytest.mark.parametrize("extra,code", [
    ({"bk_property_type": "int"}, 1199008),                                        # int without option
    ({"bk_property_type": "int", "option": {"min": "10", "max": "1"}}, 1199011),   # min > max
    ({"bk_property_type": "enum"}, 1199008),                                       # enum without option
    ({"bk_property_type": "enum", "option": [                                      # no default
        {"id": "a", "name": "A", "type": "text", "is_default": False},
        {"id": "b", "name": "B", "type": "text", "is_default": False}]}, 1199092),
    ({"bk_property_type": "enum", "option": [                                      # two defaults
        {"id": "a", "name": "A", "type": "text", "is_default": True},
        {"id": "b", "name": "B", "type": "text", "is_default": True}]}, 1199092),
    ({"bk_property_type": "enum", "option": [                                      # empty id
        {"id": "", "name": "A", "type": "text", "is_default": True}]}, 1199011),
    ({"bk_property_type": "singlechar", "ismultiple": True}, 1199012),
    ({"bk_property_type": "int", "option": {"min": "1", "max": "9"}, "ismultiple": True}, 1199012),
    ({"bk_property_type": "singlechar", "option": "("}, 1101109),                  # regex does not compile
    ({"bk_property_type": "singlechar", "option": 123}, 1199090),                  # option not a string
    ({"bk_property_type": "nosuchtype"}, 1199011),
    ({"bk_property_type": None}, 1199010),
    ({"bk_property_name": None}, 1199010),
    ({"bk_property_name": "n" * 129}, 1199073),
    ({"bk_property_id": None}, 1199010),
    ({"bk_property_id": "1abc"}, 1199011),
    ({"bk_property_id": "a.b"}, 1199011),
    ({"bk_property_id": "bk_mine"}, 1199011),
    ({"bk_property_id": "_bkmine"}, 1199011),
    ({"bk_property_id": "create_time"}, 1199011),
    ({"bk_property_id": "creator"}, 1199011),
    ({"bk_property_id": "p" * 129}, 1199073),
    ({"unit": "u" * 21}, 1199073),
    ({"placeholder": "p" * 2001}, 1199073),
    ({"bk_template_id": 5}, 1199011),
])
def test_create_object_attribute_errors(client, extra, code):
    obj = new_obj(client)
    before = ids(attrs_of(client, obj["bk_obj_id"]), "bk_property_id")
    body = {"bk_obj_id": obj["bk_obj_id"], "bk_property_id": unique("p"), "bk_property_name": unique("pname"),
            "bk_property_type": "singlechar"}
    for k, v in extra.items():
        if v is None:
            body.pop(k)
        else:
            body[k] = v
    fail(client.cc.create_object_attribute(body), code)
    assert ids(attrs_of(client, obj["bk_obj_id"]), "bk_property_id") == before


def test_create_attribute_unknown_model(client):
    oid = unique("nomodel")
    resp = fail(client.cc.create_object_attribute({"bk_obj_id": oid, "bk_property_id": unique("p"),
                                                   "bk_property_name": unique("n"),
                                                   "bk_property_type": "singlechar"}), 1199011)
    assert "bk_obj_id" in resp["message"]
    assert attrs_of(client, oid) == []


def test_create_attribute_duplicates(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"])
    fail(client.cc.create_object_attribute({"bk_obj_id": obj["bk_obj_id"], "bk_property_id": a["bk_property_id"],
                                            "bk_property_name": unique("n"), "bk_property_type": "singlechar"}),
         1101107)
    other = unique("p")
    fail(client.cc.create_object_attribute({"bk_obj_id": obj["bk_obj_id"], "bk_property_id": other,
                                            "bk_property_name": a["bk_property_name"],
                                            "bk_property_type": "singlechar"}), 1199014)
    rows = [x for x in attrs_of(client, obj["bk_obj_id"]) if x["bk_property_id"] in (a["bk_property_id"], other)]
    assert len(rows) == 1 and rows[0]["bk_property_name"] == a["bk_property_name"]
    # the same id on another model is fine
    obj2 = new_obj(client)
    new_attr(client, obj2["bk_obj_id"], bk_property_id=a["bk_property_id"], bk_property_name=a["bk_property_name"])


def test_create_attribute_on_builtin_models(client):
    for oid in ("plat", "process"):
        pid = unique("p")
        fail(client.cc.create_object_attribute({"bk_obj_id": oid, "bk_property_id": pid,
                                                "bk_property_name": unique("n"),
                                                "bk_property_type": "singlechar"}), 1113028)
        assert find_attr(client, oid, pid) is None
    # required fields: mainline model (host) -> 1101092, other built-in (biz) -> 1113026
    pid = unique("p")
    fail(client.cc.create_object_attribute({"bk_obj_id": "host", "bk_property_id": pid,
                                            "bk_property_name": unique("n"), "bk_property_type": "singlechar",
                                            "isrequired": True}), 1101092)
    assert find_attr(client, "host", pid) is None
    fail(client.cc.create_object_attribute({"bk_obj_id": "biz", "bk_property_id": pid,
                                            "bk_property_name": unique("n"), "bk_property_type": "singlechar",
                                            "isrequired": True}), 1113026)
    assert find_attr(client, "biz", pid) is None
    # a non-required field on biz is fine
    a = new_attr(client, "biz", bk_property_id=pid)
    assert a["bk_obj_id"] == "biz" and a["ispre"] is False


def test_update_object_attribute(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"])
    new_name = unique("renamed")
    assert ok(client.cc.update_object_attribute({
        "id": a["id"], "bk_property_name": new_name, "unit": "MB", "placeholder": "ph", "description": "dd",
        "isrequired": True, "editable": False, "option": "^x*$",
        "bk_property_id": unique("ignored"), "bk_property_group": unique("ignored"),
    })) is None
    row = find_attr(client, obj["bk_obj_id"], a["bk_property_id"])
    assert row is not None and row["id"] == a["id"]
    assert row["bk_property_name"] == new_name
    assert row["unit"] == "MB" and row["placeholder"] == "ph" and row["description"] == "dd"
    assert row["isrequired"] is True and row["editable"] is False
    assert row["option"] == "^x*$"
    assert row["bk_property_group"] == "default"   # bk_property_group ignored on update
    assert row["bk_property_type"] == "singlechar"


def test_update_attribute_enum_option(client):
    obj = new_obj(client)
    opt = [{"id": "a", "name": "A", "type": "text", "is_default": True}]
    a = new_attr(client, obj["bk_obj_id"], bk_property_type="enum", option=opt)
    opt2 = [{"id": "a", "name": "A", "type": "text", "is_default": False},
            {"id": "c", "name": "C", "type": "text", "is_default": True}]
    ok(client.cc.update_object_attribute({"id": a["id"], "option": opt2}))
    row = find_attr(client, obj["bk_obj_id"], a["bk_property_id"])
    assert [o["id"] for o in row["option"] if o["is_default"]] == ["c"]
    bad = [{"id": "a", "name": "A", "type": "text", "is_default": True},
           {"id": "c", "name": "C", "type": "text", "is_default": True}]
    fail(client.cc.update_object_attribute({"id": a["id"], "option": bad}), 1199092)
    row = find_attr(client, obj["bk_obj_id"], a["bk_property_id"])
    assert [o["id"] for o in row["option"] if o["is_default"]] == ["c"]


def test_update_object_attribute_errors(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"])
    b = new_attr(client, obj["bk_obj_id"])
    fail(client.cc.update_object_attribute({"id": a["id"], "ismultiple": True, "bk_property_type": "singlechar"}),
         1199012)
    fail(client.cc.update_object_attribute({"id": a["id"], "bk_property_name": b["bk_property_name"]}), 1199014)
    fail(client.cc.update_object_attribute({"id": a["id"], "option": "("}), 1101109)
    fail(client.cc.update_object_attribute({"id": a["id"], "unit": "u" * 21}), 1199073)
    fail(client.cc.update_object_attribute({"id": MISSING_ID, "bk_property_name": unique("n")}), 1199019)
    fail(client.cc.update_object_attribute({"bk_property_name": unique("n")}), 1306406)
    row = find_attr(client, obj["bk_obj_id"], a["bk_property_id"])
    assert row["bk_property_name"] == a["bk_property_name"]
    assert row["ismultiple"] is False
    assert row["option"] in ("", None, a.get("option"))
    assert row.get("unit", "") == a.get("unit", "")


def test_update_preset_attribute_only_some_keys(client):
    obj = new_obj(client)
    inst_name = find_attr(client, obj["bk_obj_id"], "bk_inst_name")
    ok(client.cc.update_object_attribute({"id": inst_name["id"], "bk_property_name": unique("n"),
                                          "unit": "pcs", "placeholder": "name here"}))
    row = find_attr(client, obj["bk_obj_id"], "bk_inst_name")
    assert row["bk_property_name"] == inst_name["bk_property_name"]  # dropped for ispre attributes
    assert row["unit"] == "pcs"
    assert row["placeholder"] == "name here"


def test_update_attribute_isrequired_on_builtin_refused(client):
    a = new_attr(client, "biz")
    fail(client.cc.update_object_attribute({"id": a["id"], "isrequired": True}), 1113027)
    assert find_attr(client, "biz", a["bk_property_id"])["isrequired"] is False


def test_delete_object_attribute(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"])
    assert ok(client.cc.delete_object_attribute({"id": a["id"]})) is None
    assert find_attr(client, obj["bk_obj_id"], a["bk_property_id"]) is None
    # can be created again
    again = new_attr(client, obj["bk_obj_id"], bk_property_id=a["bk_property_id"])
    assert again["id"] != a["id"]


def test_delete_object_attribute_refusals(client):
    tester = find_attr(client, "biz", "bk_biz_tester")
    assert tester["ispre"] is True
    fail(client.cc.delete_object_attribute({"id": tester["id"]}), 1199054)
    assert find_attr(client, "biz", "bk_biz_tester") is not None
    assert ok(client.cc.delete_object_attribute({"id": MISSING_ID})) is None
    fail(client.cc.delete_object_attribute({}), 1306406)


def test_search_object_attribute_conditions(client):
    obj = new_obj(client)
    a = new_attr(client, obj["bk_obj_id"], bk_property_type="int", option={"min": "", "max": ""})
    new_attr(client, obj["bk_obj_id"])
    data = ok(client.cc.search_object_attribute({"bk_obj_id": obj["bk_obj_id"], "bk_property_type": "int"}))
    assert ids(data, "bk_property_id") == [a["bk_property_id"]]
    data = ok(client.cc.search_object_attribute({"bk_obj_id": obj["bk_obj_id"], "bk_property_id": a["bk_property_id"]}))
    assert len(data) == 1 and data[0]["id"] == a["id"]
    assert data[0]["bk_property_group_name"] == "Default"
    everything = attrs_of(client, obj["bk_obj_id"])
    page = ok(client.cc.search_object_attribute({"bk_obj_id": obj["bk_obj_id"], "page": {"start": 0, "limit": 2}}))
    assert len(everything) >= 3 and len(page) == 2
    assert ok(client.cc.search_object_attribute({"bk_obj_id": unique("none")})) == []


def test_search_attribute_translation(client):
    en = find_attr(client, "host", "bk_host_innerip", headers=EN)
    zh = find_attr(client, "host", "bk_host_innerip", headers=ZH)
    assert zh["bk_property_name"] == u"内网IPv4"
    assert en["bk_property_name"] != zh["bk_property_name"]
    assert not CJK.search(en["bk_property_name"])


# ---- business custom fields


def test_create_biz_custom_field(client, biz_id):
    pid, name = unique("p"), unique("pname")
    data = ok(client.cc.create_biz_custom_field({"bk_biz_id": biz_id, "bk_obj_id": "set", "bk_property_id": pid,
                                                 "bk_property_name": name, "bk_property_type": "singlechar",
                                                 "creator": "mallory"}))
    assert ATTR_KEYS <= set(data), data
    assert data["bk_biz_id"] == biz_id
    assert data["bk_obj_id"] == "set"
    assert data["bk_property_id"] == pid and data["bk_property_name"] == name
    assert data["bk_property_group"] == "bizdefault"
    assert data["creator"] == OPERATOR
    assert data["ispre"] is False
    # visible only with the business
    assert find_attr(client, "set", pid) is None
    row = find_attr(client, "set", pid, biz_id=biz_id)
    assert row is not None and row["bk_biz_id"] == biz_id and row["id"] == data["id"]
    assert row["bk_property_group_name"] == "bizdefault"
    # global attributes are still returned with bk_biz_id
    assert find_attr(client, "set", "bk_set_name", biz_id=biz_id) is not None


def test_create_biz_custom_field_errors(client, biz_id):
    def body(**kw):
        b = {"bk_biz_id": biz_id, "bk_obj_id": "module", "bk_property_id": unique("p"),
             "bk_property_name": unique("n"), "bk_property_type": "singlechar"}
        for k, v in kw.items():
            if v is None:
                b.pop(k)
            else:
                b[k] = v
        return b

    before = ids(attrs_of(client, "module", biz_id=biz_id), "bk_property_id")
    fail(client.cc.create_biz_custom_field(body(bk_biz_id=0)), 1199006)
    fail(client.cc.create_biz_custom_field(body(bk_biz_id=None)), 1306406)
    fail(client.cc.create_biz_custom_field(body(bk_biz_id=MISSING_ID)), 1199011)
    fail(client.cc.create_biz_custom_field(body(bk_obj_id="biz")), 1199006)
    fail(client.cc.create_biz_custom_field(body(isrequired=True)), 1101092)
    fail(client.cc.create_biz_custom_field(body(ismultiple=True)), 1199012)
    fail(client.cc.create_biz_custom_field(body(bk_property_type="int")), 1199008)
    fail(client.cc.create_biz_custom_field(body(bk_property_id="bk_custom")), 1199011)
    assert ids(attrs_of(client, "module", biz_id=biz_id), "bk_property_id") == before


def test_create_biz_custom_field_duplicate(client, biz_id):
    b = {"bk_biz_id": biz_id, "bk_obj_id": "host", "bk_property_id": unique("p"),
         "bk_property_name": unique("n"), "bk_property_type": "singlechar"}
    first = ok(client.cc.create_biz_custom_field(b))
    fail(client.cc.create_biz_custom_field(dict(b, bk_property_name=unique("n"))), 1101107)
    rows = [a for a in attrs_of(client, "host", biz_id=biz_id) if a["bk_property_id"] == b["bk_property_id"]]
    assert len(rows) == 1 and rows[0]["id"] == first["id"] and rows[0]["bk_property_name"] == b["bk_property_name"]


def test_update_biz_custom_field(client, biz_id):
    a = ok(client.cc.create_biz_custom_field({"bk_biz_id": biz_id, "bk_obj_id": "set", "bk_property_id": unique("p"),
                                              "bk_property_name": unique("n"), "bk_property_type": "singlechar"}))
    new_name = unique("renamed")
    assert ok(client.cc.update_biz_custom_field({"bk_biz_id": biz_id, "id": a["id"], "bk_property_name": new_name,
                                                 "unit": "x", "placeholder": "ph"})) is None
    row = find_attr(client, "set", a["bk_property_id"], biz_id=biz_id)
    assert row["bk_property_name"] == new_name
    assert row["unit"] == "x" and row["placeholder"] == "ph"
    assert row["bk_biz_id"] == biz_id


def test_update_biz_custom_field_errors(client, biz_id):
    a = ok(client.cc.create_biz_custom_field({"bk_biz_id": biz_id, "bk_obj_id": "set", "bk_property_id": unique("p"),
                                              "bk_property_name": unique("n"), "bk_property_type": "singlechar"}))
    fail(client.cc.update_biz_custom_field({"bk_biz_id": biz_id, "id": a["id"], "ismultiple": True,
                                            "bk_property_type": "singlechar"}), 1199012)
    fail(client.cc.update_biz_custom_field({"bk_biz_id": biz_id, "id": MISSING_ID,
                                            "bk_property_name": unique("n")}), 1199019)
    fail(client.cc.update_biz_custom_field({"id": a["id"], "bk_property_name": unique("n")}), 1306406)
    fail(client.cc.update_biz_custom_field({"bk_biz_id": biz_id, "bk_property_name": unique("n")}), 1306406)
    row = find_attr(client, "set", a["bk_property_id"], biz_id=biz_id)
    assert row["bk_property_name"] == a["bk_property_name"]
    assert row["ismultiple"] is False


def test_delete_biz_custom_field(client, biz_id):
    a = ok(client.cc.create_biz_custom_field({"bk_biz_id": biz_id, "bk_obj_id": "module",
                                              "bk_property_id": unique("p"), "bk_property_name": unique("n"),
                                              "bk_property_type": "singlechar"}))
    # without bk_biz_id only global attributes are found: success, nothing deleted
    ok(client.cc.delete_object_attribute({"id": a["id"]}))
    assert find_attr(client, "module", a["bk_property_id"], biz_id=biz_id) is not None
    ok(client.cc.delete_object_attribute({"id": a["id"], "bk_biz_id": biz_id}))
    assert find_attr(client, "module", a["bk_property_id"], biz_id=biz_id) is None


# ====================================================================================================
# D. Model associations (read)


def test_find_object_association_forms(client):
    by_cond = ok(client.cc.find_object_association({"condition": {"bk_asst_obj_id": "module"}}))
    assert "host_bk_mainline_module" in ids(by_cond, "bk_obj_asst_id")
    assert all(a["bk_asst_obj_id"] == "module" for a in by_cond)
    # legacy form: top-level bk_obj_id = source model
    legacy = ok(client.cc.find_object_association({"bk_obj_id": "set"}))
    assert "set_bk_mainline_biz" in ids(legacy, "bk_obj_asst_id")
    assert all(a["bk_obj_id"] == "set" for a in legacy)
    assert ok(client.cc.find_object_association({"condition": {"bk_obj_id": unique("none")}})) == []


def test_find_object_association_errors(client):
    fail(client.cc.find_object_association({"condition": {}}), 1199011)
    fail(client.cc.find_object_association({"condition": "bk_obj_id"}), 1199011)
    fail(client.cc.find_object_association({"bk_obj_id": ""}), 1199011)
    fail(client.cc.find_object_association({"other": 1}), 1199011)


# ====================================================================================================
# bind_role_privilege (legacy; stored, no permission effect)


def test_bind_role_privilege(client):
    body = {"bk_supplier_account": "0", "bk_obj_id": "biz", "bk_property_id": "bk_biz_maintainer",
            "data": ["hostupdate", "hosttrans", "topoupdate", "customapi", "proconfig"]}
    assert ok(client.cc.bind_role_privilege(body)) is None
    # upsert: replace with a smaller list, then with none
    assert ok(client.cc.bind_role_privilege(dict(body, data=["hostupdate"]))) is None
    assert ok(client.cc.bind_role_privilege(dict(body, data=[]))) is None
    obj = new_obj(client)
    user_attr = new_attr(client, obj["bk_obj_id"], bk_property_type="objuser")
    assert ok(client.cc.bind_role_privilege({"bk_supplier_account": "0", "bk_obj_id": obj["bk_obj_id"],
                                             "bk_property_id": user_attr["bk_property_id"],
                                             "data": ["topoupdate"]})) is None


def test_bind_role_privilege_errors(client):
    full = {"bk_supplier_account": "0", "bk_obj_id": "biz", "bk_property_id": "bk_biz_maintainer",
            "data": ["hostupdate"]}
    for k in ("bk_obj_id", "bk_property_id", "bk_supplier_account"):
        body = dict(full)
        body.pop(k)
        resp = fail(client.cc.bind_role_privilege(body), 1306406)
        assert k in resp["message"]


# ====================================================================================================
# Destructive checks on built-in network models (kept last; they must be refused)


def test_delete_associated_builtin_network_model_refused(client):
    sw = get_obj(client, "bk_switch")
    fail(client.cc.delete_object({"id": sw["id"]}), 1101053)
    assert len(search_obj(client, "bk_switch")) == 1
    assert "bk_switch_connect_host" in ids(
        ok(client.cc.find_object_association({"condition": {"bk_obj_id": "bk_switch"}})), "bk_obj_asst_id")
