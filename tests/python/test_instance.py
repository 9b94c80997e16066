"""Instance area (endpoints.tsv area `instance`, 25 endpoints).

Spec: /work/shared/spec/models-and-instances.md §E (generic instances), §F (quoted / table-field instances),
§G (instance associations); attributes.md §2-§3 and §7; conventions.md §4-§5; seed
/work/shared/seeds/003_*.txt (create_inst).
Every test creates its own classification + models with unique ids, so tests can share one server.
Model associations (needed for instance associations) are created through the extra endpoint
`create_object_association` (not part of the official client; registered at run time, see CLIENT_NOTES.md).
"""
import re
import time

import pytest
from bkapi_client_core.base import Operation

from cmdb_helpers import DEFAULT_AUTH, OPERATOR, fail, new_attr, new_cls, new_obj, ok, unique

INST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
MISSING_ID = 987654321  # an id no record has
INNER_MODELS = ("biz", "set", "module", "host", "process", "plat", "bk_biz_set_obj", "bk_project")
ASSO_KEYS = {"id", "bk_obj_asst_id", "bk_asst_id", "bk_obj_id", "bk_inst_id", "bk_asst_obj_id", "bk_asst_inst_id",
             "bk_supplier_account"}
EXTRA_OPS = ("create_object_association", "delete_object_association")
TABLE_HEADER = [
    {"bk_property_id": "disk", "bk_property_name": "Disk", "bk_property_type": "singlechar", "editable": True},
    {"bk_property_id": "size", "bk_property_name": "Size", "bk_property_type": "int", "editable": True,
     "option": {"min": "0", "max": "100000"}},
]
# values full of SQL / regex / LIKE metacharacters (stored and matched literally)
NASTY = ["a'b", "x%y", "p_q", "(.*)", '"; drop table t; --', u"中文", "a\\b", "[ab]", "^$", "100%"]
# names that a non-literal interpretation of the values above would match
DECOYS = ["aXb", "xABCy", "pzq", "abc", "q", u"中", "ab", "a", "b", "1000"]


# ====================================================================================================
# helpers


def extra(client):
    """Register the non-ESB model-association endpoints on this client (CLIENT_NOTES.md)."""
    for name in EXTRA_OPS:
        if not hasattr(client.cc, name):
            client.cc.register(name, Operation(method="POST", path="/api/c/compapi{bk_api_ver}/cc/%s/" % name))
    return client


def model(client, cls_id=None):
    """A fresh user model; returns its bk_obj_id."""
    if cls_id is None:
        cls_id = new_cls(client)["bk_classification_id"]
    return new_obj(client, cls_id)["bk_obj_id"]


def attr(client, obj_id, prop_id, ptype="singlechar", **extra_fields):
    """An editable attribute with a fixed property id."""
    body = {"bk_property_id": prop_id, "bk_property_type": ptype, "editable": True}
    if ptype == "int" and "option" not in extra_fields:
        body["option"] = {"min": "-1000000", "max": "1000000"}
    body.update(extra_fields)
    return new_attr(client, obj_id, **body)


def table_attr(client, obj_id, prop_id="disks", header=None):
    return new_attr(client, obj_id, bk_property_id=prop_id, bk_property_name=unique("tab"),
                    bk_property_type="innertable",
                    option={"header": header or TABLE_HEADER, "default": []})


def mk(client, obj_id, name, **values):
    """create_inst; returns the created instance."""
    body = {"bk_obj_id": obj_id, "bk_inst_name": name}
    body.update(values)
    data = ok(client.cc.create_inst(body))
    assert data["bk_inst_name"] == name
    return data


def insts(client, obj_id, condition=None, **extra_body):
    """All instances of a model (search_inst_by_object, sorted by id)."""
    body = {"bk_obj_id": obj_id, "condition": condition or {}, "page": {"start": 0, "limit": 0,
                                                                       "sort": "bk_inst_id"}}
    body.update(extra_body)
    data = ok(client.cc.search_inst_by_object(body))
    assert data["count"] == len(data["info"]), data
    return data["info"]


def get_inst(client, obj_id, inst_id):
    rows = insts(client, obj_id, {"bk_inst_id": inst_id})
    assert len(rows) == 1, rows
    return rows[0]


def names(rows):
    return [r["bk_inst_name"] for r in rows]


def id_list(rows, key="bk_inst_id"):
    return [r[key] for r in rows]


def count(client, obj_id, conditions=None):
    body = {"bk_obj_id": obj_id}
    if conditions is not None:
        body["conditions"] = conditions
    return ok(client.cc.count_object_instances(body))["count"]


def search(client, obj_id, conditions=None, limit=500, **extra_body):
    body = {"bk_obj_id": obj_id, "page": {"start": 0, "limit": limit}}
    if conditions is not None:
        body["conditions"] = conditions
    body.update(extra_body)
    return ok(client.cc.search_object_instances(body))["info"]


def rule(field, operator, value=None):
    return {"field": field, "operator": operator, "value": value}


def obj_asst(client, src, dst, kind="connect", mapping="n:n"):
    """Create a model association; returns bk_obj_asst_id."""
    data = ok(extra(client).cc.create_object_association(
        {"bk_obj_id": src, "bk_asst_obj_id": dst, "bk_asst_id": kind, "mapping": mapping}))
    assert data["bk_obj_asst_id"] == "%s_%s_%s" % (src, kind, dst)
    assert isinstance(data["id"], int) and data["id"] > 0
    return data["bk_obj_asst_id"]


def link(client, asst_id, src_id, dst_id):
    data = ok(client.cc.add_instance_association(
        {"bk_obj_asst_id": asst_id, "bk_inst_id": src_id, "bk_asst_inst_id": dst_id}))
    assert isinstance(data["id"], int) and data["id"] > 0
    return data["id"]


def assos(client, obj_id, conditions=None, **extra_body):
    """Associations visible through obj_id (search_instance_associations), sorted by id."""
    body = {"bk_obj_id": obj_id, "page": {"start": 0, "limit": 500, "sort": "id"}}
    if conditions is not None:
        body["conditions"] = conditions
    body.update(extra_body)
    return ok(client.cc.search_instance_associations(body))["info"]


def quoted_rows(client, obj_id, prop_id, filt=None, **page):
    body = {"bk_obj_id": obj_id, "bk_property_id": prop_id,
            "page": dict({"start": 0, "limit": 1000, "sort": "id"}, **page)}
    if filt is not None:
        body["filter"] = filt
    data = ok(client.cc.list_quoted_inst(body))
    assert data["count"] == 0, data  # page mode never counts
    return data["info"]


def quoted_count(client, obj_id, prop_id, filt=None):
    body = {"bk_obj_id": obj_id, "bk_property_id": prop_id, "page": {"enable_count": True}}
    if filt is not None:
        body["filter"] = filt
    data = ok(client.cc.list_quoted_inst(body))
    assert data["info"] == [], data
    return data["count"]


@pytest.fixture
def two_models(client):
    """Models A and B in one classification with an n:n `connect` association A -> B.

    Returns (a, b, asst_id, [a1, a2, a3], [b1, b2, b3]) with instance records."""
    cls_id = new_cls(client)["bk_classification_id"]
    a, b = model(client, cls_id), model(client, cls_id)
    asst = obj_asst(client, a, b)
    A = [mk(client, a, "a%d" % i) for i in (1, 2, 3)]
    B = [mk(client, b, "b%d" % i) for i in (1, 2, 3)]
    return a, b, asst, A, B


# ====================================================================================================
# create_inst


def test_create_inst_seed_request_with_auth_in_body(client, raw):
    """The request example of the seed document, auth fields in the JSON body, no auth header."""
    oid = model(client)
    attr(client, oid, "test4")
    attr(client, oid, "num", "int")
    attr(client, oid, "flag", "bool")
    body = {"bk_app_code": DEFAULT_AUTH["bk_app_code"], "bk_app_secret": DEFAULT_AUTH["bk_app_secret"],
            "bk_username": DEFAULT_AUTH["bk_username"], "bk_token": "xxx",
            "bk_obj_id": oid, "bk_inst_name": "example18", "bk_biz_id": 0}
    data = ok(raw.call("create_inst", body, auth=None))
    model_attrs = {a["bk_property_id"] for a in ok(client.cc.search_object_attribute({"bk_obj_id": oid}))}
    assert {"bk_inst_name", "test4", "num", "flag", "bk_created_at", "bk_created_by", "bk_updated_at"} <= model_attrs
    # every attribute of the model is in the response (bk_updated_by only exists after an update)
    assert model_attrs - {"bk_updated_by"} <= set(data), (model_attrs, data)
    assert data["test4"] == ""          # unset singlechar
    assert data["num"] is None          # unset int
    assert data["flag"] is False        # unset bool
    assert data["bk_inst_name"] == "example18"
    assert data["bk_obj_id"] == oid
    assert data["bk_supplier_account"] == "0"
    assert data["bk_biz_id"] == 0
    assert isinstance(data["bk_inst_id"], int) and data["bk_inst_id"] > 0
    assert INST_TIME.match(data["create_time"]), data["create_time"]
    assert INST_TIME.match(data["last_time"]), data["last_time"]
    assert data["bk_created_by"] == OPERATOR
    for k in ("bk_app_code", "bk_app_secret", "bk_username", "bk_token"):
        assert k not in data, k
    # stored as returned
    stored = get_inst(client, oid, data["bk_inst_id"])
    for k in ("bk_inst_name", "test4", "num", "flag", "bk_obj_id", "bk_biz_id", "bk_supplier_account",
              "create_time", "last_time"):
        assert stored[k] == data[k], k
    for k in ("bk_app_code", "bk_app_secret", "bk_username", "bk_token"):
        assert k not in stored, k


def test_create_inst_defaults_and_value_handling(client, biz_id):
    oid = model(client)
    attr(client, oid, "s_dflt", default="dflt")
    attr(client, oid, "lc", "longchar")
    attr(client, oid, "num", "int", default=7)
    attr(client, oid, "f", "float")
    enum_opt = [{"id": "a", "name": "A", "type": "text", "is_default": False},
                {"id": "b", "name": "B", "type": "text", "is_default": True}]
    attr(client, oid, "e", "enum", option=enum_opt)
    attr(client, oid, "lst", "list", option=["x", "y"])
    data = ok(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "  padded  ", "lc": "long text", "f": 1.5,
                                     "nosuchkey": "dropped", "bk_biz_id": biz_id,
                                     "metadata": {"label": {"bk_biz_id": "64"}},
                                     "bk_inst_id": MISSING_ID, "create_time": "2001-01-01T00:00:00Z",
                                     "bk_supplier_account": "0"}))
    assert data["bk_inst_name"] == "padded"             # trimmed
    assert data["s_dflt"] == "dflt"                     # default of the attribute
    assert data["lc"] == "long text"
    assert data["num"] == 7
    assert data["f"] == 1.5
    assert data["e"] == "b"                             # id of the is_default option
    assert data["lst"] is None
    assert data["bk_biz_id"] == biz_id                  # stored as given on any model
    assert "nosuchkey" not in data
    assert "metadata" not in data
    assert data["bk_inst_id"] != MISSING_ID                 # overwritten
    assert not data["create_time"].startswith("2001")       # overwritten
    assert data["bk_supplier_account"] == "0"
    stored = get_inst(client, oid, data["bk_inst_id"])
    assert stored["bk_inst_name"] == "padded" and stored["num"] == 7 and stored["e"] == "b"
    assert stored["bk_biz_id"] == biz_id
    assert "nosuchkey" not in stored and "metadata" not in stored
    # ids come from one increasing sequence
    second = mk(client, oid, "second")
    assert second["bk_inst_id"] > data["bk_inst_id"]


def test_create_inst_missing_required(client):
    oid = model(client)
    attr(client, oid, "must", isrequired=True)
    resp = fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": unique("i")}), 1199010)
    assert "must" in resp["message"]
    resp = fail(client.cc.create_inst({"bk_obj_id": oid, "must": "x"}), 1199010)
    assert "bk_inst_name" in resp["message"]
    assert count(client, oid) == 0
    mk(client, oid, "fine", must="x")
    assert count(client, oid) == 1


@pytest.mark.parametrize("values", [
    {"num": "12"},                # int field given a string
    {"num": 1.5},                 # not integral
    {"num": 5000000},             # out of [min, max]
    {"flag": "true"},             # bool field given a string
    {"e": "zzz"},                 # not an option id
    {"lst": "nope"},              # not one of the list values
    {"d": "2020-13-45"},          # not a calendar date
    {"s": 12},                    # singlechar given a number
    {"s": "x" * 257},             # longer than 256 bytes
    {"rx": "ABC"},                # does not match the regex option
])
def test_create_inst_bad_value(client, values):
    oid = model(client)
    attr(client, oid, "num", "int")
    attr(client, oid, "flag", "bool")
    attr(client, oid, "e", "enum", option=[{"id": "a", "name": "A", "type": "text", "is_default": True}])
    attr(client, oid, "lst", "list", option=["x", "y"])
    attr(client, oid, "d", "date")
    attr(client, oid, "s")
    attr(client, oid, "rx", option="^[a-z]+$")
    name = unique("i")
    fail(client.cc.create_inst(dict({"bk_obj_id": oid, "bk_inst_name": name}, **values)), 1199011)
    assert count(client, oid) == 0
    assert insts(client, oid, {"bk_inst_name": name}) == []


def test_create_inst_duplicate_name(client):
    oid = model(client)
    first = mk(client, oid, "dup")
    resp = fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "dup"}), 1199014)
    assert "duplicated" in resp["message"]
    assert "bk_inst_name" in resp["message"]
    # a value differing only after trimming is the same value
    fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": " dup "}), 1199014)
    assert id_list(insts(client, oid)) == [first["bk_inst_id"]]
    # the same name in another model is fine
    mk(client, model(client), "dup")


@pytest.mark.parametrize("inner", INNER_MODELS)
def test_create_inst_inner_model_refused(client, inner):
    name = unique("inner")
    fail(client.cc.create_inst({"bk_obj_id": inner, "bk_inst_name": name}), 1199084)


def test_create_inst_unknown_model_and_bad_biz(client):
    missing = unique("nomodel")
    resp = fail(client.cc.create_inst({"bk_obj_id": missing, "bk_inst_name": "x"}), 1199011)
    assert "bk_obj_id" in resp["message"]
    assert ok(client.cc.search_inst_by_object({"bk_obj_id": missing})) == {"count": 0, "info": []}
    oid = model(client)
    resp = fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "x", "bk_biz_id": MISSING_ID}), 1199011)
    assert "bk_biz_id" in resp["message"]
    assert count(client, oid) == 0
    fail(client.cc.create_inst({"bk_inst_name": "x"}), 1306406)   # path parameter missing


def test_create_inst_paused_model(client):
    obj = new_obj(client)
    oid = obj["bk_obj_id"]
    mk(client, oid, "before")
    ok(client.cc.update_object({"id": obj["id"], "bk_ispaused": True}))
    fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "during"}), 1101084)
    assert names(insts(client, oid)) == ["before"]
    ok(client.cc.update_object({"id": obj["id"], "bk_ispaused": False}))
    mk(client, oid, "after")
    assert names(insts(client, oid)) == ["before", "after"]


# ====================================================================================================
# batch_create_inst


def test_batch_create_inst_partial_success(client):
    oid = model(client)
    attr(client, oid, "num", "int")
    existing = mk(client, oid, "exists")
    details = [
        {"bk_inst_name": "ok0", "num": 1},
        {"bk_inst_name": "exists"},                 # unique rule violation
        {"bk_inst_name": "bad2", "num": "abc"},     # bad value type
        {"num": 3},                                 # missing required bk_inst_name
        {"bk_inst_name": "ok4", "num": 4},
        {"bk_inst_name": "ok0"},                    # duplicate of item 0 (stored first)
    ]
    data = ok(client.cc.batch_create_inst({"bk_obj_id": oid, "details": details}))
    assert set(data) >= {"success_created", "error_msg"}
    assert sorted(data["success_created"]) == ["0", "4"]
    assert sorted(data["error_msg"]) == ["1", "2", "3", "5"]
    assert "fields [bk_inst_name] duplicated" in data["error_msg"]["1"]
    assert "fields [bk_inst_name] duplicated" in data["error_msg"]["5"]
    assert "bk_inst_name" in data["error_msg"]["3"]
    for v in data["error_msg"].values():
        assert isinstance(v, str) and v
    rows = insts(client, oid)
    assert names(rows) == ["exists", "ok0", "ok4"]
    by_name = {r["bk_inst_name"]: r for r in rows}
    assert by_name["ok0"]["bk_inst_id"] == data["success_created"]["0"]
    assert by_name["ok4"]["bk_inst_id"] == data["success_created"]["4"]
    assert by_name["ok0"]["num"] == 1 and by_name["ok4"]["num"] == 4
    assert by_name["exists"]["bk_inst_id"] == existing["bk_inst_id"]
    assert data["success_created"]["0"] < data["success_created"]["4"]


def test_batch_create_inst_all_ok(client):
    oid = model(client)
    data = ok(client.cc.batch_create_inst({"bk_obj_id": oid, "details": [{"bk_inst_name": "n%d" % i}
                                                                        for i in range(5)]}))
    assert data["error_msg"] == {}
    assert sorted(data["success_created"], key=int) == ["0", "1", "2", "3", "4"]
    assert names(insts(client, oid)) == ["n0", "n1", "n2", "n3", "n4"]
    assert [data["success_created"][str(i)] for i in range(5)] == id_list(insts(client, oid))


def test_batch_create_inst_errors(client):
    oid = model(client)
    fail(client.cc.batch_create_inst({"bk_obj_id": oid, "details": []}), 1199038)
    fail(client.cc.batch_create_inst({"bk_obj_id": oid, "details": [{"bk_inst_name": "n%d" % i}
                                                                   for i in range(201)]}), 1199035)
    assert count(client, oid) == 0
    fail(client.cc.batch_create_inst({"bk_obj_id": unique("nomodel"), "details": [{"bk_inst_name": "x"}]}),
         1199011)
    for inner in ("host", "biz", "set"):
        fail(client.cc.batch_create_inst({"bk_obj_id": inner, "details": [{"bk_inst_name": unique("x")}]}),
             1199084)
    # 200 is the limit
    data = ok(client.cc.batch_create_inst({"bk_obj_id": oid, "details": [{"bk_inst_name": "n%d" % i}
                                                                        for i in range(200)]}))
    assert len(data["success_created"]) == 200 and data["error_msg"] == {}
    assert count(client, oid) == 200


# ====================================================================================================
# update_inst


def test_update_inst(client):
    oid = model(client)
    attr(client, oid, "num", "int")
    attr(client, oid, "fixed", editable=False)
    inst = mk(client, oid, "orig", num=1, fixed="keep")
    time.sleep(0.01)
    other = mk(client, oid, "other", num=2)
    time.sleep(0.01)
    assert ok(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": inst["bk_inst_id"], "bk_inst_name": "renamed",
                                     "num": 42, "fixed": "changed", "nosuchkey": 1, "bk_biz_id": 77})) is None
    got = get_inst(client, oid, inst["bk_inst_id"])
    assert got["bk_inst_name"] == "renamed"
    assert got["num"] == 42
    assert got["fixed"] == "keep"                       # non-editable: dropped silently
    assert "nosuchkey" not in got
    assert got.get("bk_biz_id", 0) != 77                # bk_biz_id cannot change
    assert got["create_time"] == inst["create_time"]
    assert INST_TIME.match(got["last_time"])
    assert got["last_time"] != inst["last_time"]
    assert got["bk_updated_by"] == OPERATOR
    # the other instance is untouched
    o = get_inst(client, oid, other["bk_inst_id"])
    assert o["bk_inst_name"] == "other" and o["num"] == 2
    # null clears a non-required field
    ok(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": inst["bk_inst_id"], "num": None}))
    assert get_inst(client, oid, inst["bk_inst_id"])["num"] is None


def test_update_inst_errors(client):
    cls_id = new_cls(client)["bk_classification_id"]
    oid, oid2 = model(client, cls_id), model(client, cls_id)
    attr(client, oid, "num", "int")
    a = mk(client, oid, "a", num=1)
    mk(client, oid, "b", num=2)
    foreign = mk(client, oid2, "f")
    before = insts(client, oid)
    fail(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": MISSING_ID, "num": 5}), 1199019)
    fail(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": foreign["bk_inst_id"], "num": 5}), 1199019)
    fail(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"], "num": "five"}), 1199011)
    resp = fail(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"], "bk_inst_name": "b"}),
                1199014)
    assert "duplicated" in resp["message"]
    fail(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"], "bk_inst_name": ""}), 1199011)
    fail(client.cc.update_inst({"bk_obj_id": "biz", "bk_inst_id": 2, "bk_biz_name": unique("x")}), 1199084)
    fail(client.cc.update_inst({"bk_obj_id": oid, "num": 5}), 1306406)
    assert insts(client, oid) == before
    assert get_inst(client, oid2, foreign["bk_inst_id"])["bk_inst_name"] == "f"


# ====================================================================================================
# batch_update_inst


def test_batch_update_inst(client):
    oid = model(client)
    attr(client, oid, "num", "int")
    a, b, c = (mk(client, oid, n, num=i) for i, n in enumerate(("a", "b", "c")))
    assert ok(client.cc.batch_update_inst({"bk_obj_id": oid, "update": [
        {"inst_id": a["bk_inst_id"], "datas": {"num": 10, "bk_inst_name": "a2"}},
        {"inst_id": b["bk_inst_id"], "datas": {"num": 20}},
    ]})) is None
    rows = {r["bk_inst_id"]: r for r in insts(client, oid)}
    assert (rows[a["bk_inst_id"]]["bk_inst_name"], rows[a["bk_inst_id"]]["num"]) == ("a2", 10)
    assert (rows[b["bk_inst_id"]]["bk_inst_name"], rows[b["bk_inst_id"]]["num"]) == ("b", 20)
    assert (rows[c["bk_inst_id"]]["bk_inst_name"], rows[c["bk_inst_id"]]["num"]) == ("c", 2)
    assert rows[a["bk_inst_id"]]["bk_updated_by"] == OPERATOR
    # items apply in order: a swap of names through a free name works inside one call
    ok(client.cc.batch_update_inst({"bk_obj_id": oid, "update": [
        {"inst_id": a["bk_inst_id"], "datas": {"bk_inst_name": "tmp"}},
        {"inst_id": b["bk_inst_id"], "datas": {"bk_inst_name": "a2"}},
        {"inst_id": a["bk_inst_id"], "datas": {"bk_inst_name": "b"}},
    ]}))
    rows = {r["bk_inst_id"]: r["bk_inst_name"] for r in insts(client, oid)}
    assert rows == {a["bk_inst_id"]: "b", b["bk_inst_id"]: "a2", c["bk_inst_id"]: "c"}


@pytest.mark.parametrize("bad_item,code", [
    ("bad_value", 1199011),
    ("missing", 1199019),
    ("duplicate", 1199014),
    ("zero_id", 1199006),
])
def test_batch_update_inst_all_or_nothing(client, bad_item, code):
    cls_id = new_cls(client)["bk_classification_id"]
    oid = model(client, cls_id)
    attr(client, oid, "num", "int")
    a = mk(client, oid, "a", num=1)
    b = mk(client, oid, "b", num=2)
    foreign = mk(client, model(client, cls_id), "foreign")
    bad = {
        "bad_value": {"inst_id": b["bk_inst_id"], "datas": {"num": "not a number"}},
        "missing": {"inst_id": foreign["bk_inst_id"], "datas": {"num": 3}},
        "duplicate": {"inst_id": b["bk_inst_id"], "datas": {"bk_inst_name": "a_new"}},
        "zero_id": {"inst_id": 0, "datas": {"num": 3}},
    }[bad_item]
    before = insts(client, oid)
    resp = fail(client.cc.batch_update_inst({"bk_obj_id": oid, "update": [
        {"inst_id": a["bk_inst_id"], "datas": {"num": 100, "bk_inst_name": "a_new"}},
        bad,
    ]}), code)
    if bad_item == "duplicate":
        assert "duplicated" in resp["message"]
    if bad_item == "zero_id":
        assert "inst_id" in resp["message"]
    assert insts(client, oid) == before   # the first (valid) item was not applied either


def test_batch_update_inst_inner_model(client):
    fail(client.cc.batch_update_inst({"bk_obj_id": "set", "update": [{"inst_id": 1, "datas": {"x": 1}}]}), 1199084)


# ====================================================================================================
# delete_inst / batch_delete_inst


def test_delete_inst(client):
    oid = model(client)
    a = mk(client, oid, "a")
    b = mk(client, oid, "b")
    assert ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"]})) is None
    assert id_list(insts(client, oid)) == [b["bk_inst_id"]]
    # the name is free again, the id is not reused
    again = mk(client, oid, "a")
    assert again["bk_inst_id"] > b["bk_inst_id"]
    # deleting again / an unknown id / an id of another model: success, no-op
    assert ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"]})) is None
    assert ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": MISSING_ID})) is None
    other = mk(client, model(client), "other")
    assert ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": other["bk_inst_id"]})) is None
    assert len(insts(client, other["bk_obj_id"])) == 1
    assert count(client, oid) == 2


def test_delete_inst_errors(client):
    oid = model(client)
    mk(client, oid, "a")
    for inner in ("biz", "host", "set", "module"):
        fail(client.cc.delete_inst({"bk_obj_id": inner, "bk_inst_id": 1}), 1199084)
    fail(client.cc.delete_inst({"bk_obj_id": oid}), 1306406)
    assert count(client, oid) == 1


def test_delete_inst_refused_while_associated(client, two_models):
    a, b, asst, A, B = two_models
    aid = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    fail(client.cc.delete_inst({"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"]}), 1101075)
    fail(client.cc.delete_inst({"bk_obj_id": b, "bk_inst_id": B[0]["bk_inst_id"]}), 1101075)
    assert count(client, a) == 3 and count(client, b) == 3
    assert id_list(assos(client, a), "id") == [aid]
    # unassociated instances are deletable
    ok(client.cc.delete_inst({"bk_obj_id": a, "bk_inst_id": A[1]["bk_inst_id"]}))
    assert count(client, a) == 2
    # once the association is gone the instance can be deleted
    ok(client.cc.delete_instance_association({"bk_obj_id": a, "id": aid}))
    ok(client.cc.delete_inst({"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"]}))
    assert id_list(insts(client, a)) == [A[2]["bk_inst_id"]]


def test_delete_inst_removes_quoted_rows(client):
    oid = model(client)
    table_attr(client, oid)
    inst = mk(client, oid, "owner")
    keep = mk(client, oid, "keeper")
    ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "data": [
        {"bk_inst_id": inst["bk_inst_id"], "disk": "sda"}, {"bk_inst_id": inst["bk_inst_id"], "disk": "sdb"},
        {"bk_inst_id": keep["bk_inst_id"], "disk": "sdc"}]}))
    assert quoted_count(client, oid, "disks") == 3
    ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": inst["bk_inst_id"]}))
    rows = quoted_rows(client, oid, "disks")
    assert [(r["disk"], r["bk_inst_id"]) for r in rows] == [("sdc", keep["bk_inst_id"])]


def test_batch_delete_inst(client):
    oid = model(client)
    rows = [mk(client, oid, "n%d" % i) for i in range(4)]
    assert ok(client.cc.batch_delete_inst({"bk_obj_id": oid, "delete": {"inst_ids": [
        rows[0]["bk_inst_id"], rows[2]["bk_inst_id"], MISSING_ID]}})) is None
    assert names(insts(client, oid)) == ["n1", "n3"]
    # empty list: success, nothing deleted
    assert ok(client.cc.batch_delete_inst({"bk_obj_id": oid, "delete": {"inst_ids": []}})) is None
    assert count(client, oid) == 2


def test_batch_delete_inst_errors(client, two_models):
    a, b, asst, A, B = two_models
    link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    # one associated instance: nothing at all is deleted
    fail(client.cc.batch_delete_inst({"bk_obj_id": a, "delete": {"inst_ids": [A[1]["bk_inst_id"],
                                                                              A[0]["bk_inst_id"]]}}), 1101075)
    assert count(client, a) == 3
    resp = fail(client.cc.batch_delete_inst({"bk_obj_id": a, "delete": {"inst_ids": [A[1]["bk_inst_id"], 0]}}),
                1199006)
    assert "inst_ids" in resp["message"]
    assert count(client, a) == 3
    fail(client.cc.batch_delete_inst({"bk_obj_id": "module", "delete": {"inst_ids": [1]}}), 1199084)
    ok(client.cc.batch_delete_inst({"bk_obj_id": a, "delete": {"inst_ids": [A[1]["bk_inst_id"],
                                                                            A[2]["bk_inst_id"]]}}))
    assert id_list(insts(client, a)) == [A[0]["bk_inst_id"]]


# ====================================================================================================
# search_object_instances / count_object_instances


@pytest.fixture
def filter_model(client):
    """Model with five instances: name, num, tag, when (time attribute)."""
    oid = model(client)
    attr(client, oid, "num", "int")
    attr(client, oid, "tag")
    attr(client, oid, "when", "time")
    data = [("Alpha", 1, "red", "2020-01-15T00:00:00Z"),
            ("beta", 2, "RED", "2021-06-15T00:00:00Z"),
            ("Gamma", 3, "blue", "2022-01-15T00:00:00Z"),
            ("delta", 4, "green", "2023-06-15T00:00:00Z"),
            ("alphabet", 5, "", None)]
    rows = [mk(client, oid, n, num=v, tag=t, when=w) for n, v, t, w in data]
    return oid, rows


def test_search_object_instances_filters(client, filter_model):
    oid, rows = filter_model
    by = lambda conds, **kw: names(search(client, oid, conds, **kw))  # noqa: E731
    assert by(None) == ["Alpha", "beta", "Gamma", "delta", "alphabet"]          # bk_inst_id order
    assert by(rule("bk_inst_name", "equal", "beta")) == ["beta"]                # single rule at top level
    assert by({"condition": "AND", "rules": [rule("num", "greater", 1), rule("num", "less_or_equal", 4)]}) == \
        ["beta", "Gamma", "delta"]
    assert by({"condition": "OR", "rules": [rule("num", "equal", 1), rule("bk_inst_name", "equal", "delta")]}) == \
        ["Alpha", "delta"]
    # nested groups: (tag contains "red", case-insensitive) AND (num in [1, 3] OR name begins with "b")
    assert by({"condition": "AND", "rules": [
        rule("tag", "contains", "ReD"),
        {"condition": "OR", "rules": [rule("num", "in", [1, 3]), rule("bk_inst_name", "begins_with", "b")]},
    ]}) == ["Alpha", "beta"]
    assert by(rule("bk_inst_name", "contains", "ALPHA")) == ["Alpha", "alphabet"]
    assert by(rule("bk_inst_name", "contains_s", "alpha")) == ["alphabet"]
    assert by(rule("bk_inst_name", "in", ["Gamma", "delta", "nope"])) == ["Gamma", "delta"]
    assert by(rule("bk_inst_name", "not_in", ["Gamma", "delta"])) == ["Alpha", "beta", "alphabet"]
    assert by(rule("tag", "not_equal", "red")) == ["beta", "Gamma", "delta", "alphabet"]
    assert by(rule("bk_inst_name", "ends_with", "a")) == ["Alpha", "beta", "Gamma", "delta"]
    assert by(rule("bk_inst_name", "begins_with_i", "ALP")) == ["Alpha", "alphabet"]
    assert by(rule("num", "greater_or_equal", 4)) == ["delta", "alphabet"]
    # datetime operators on a time attribute and on create_time
    assert by(rule("when", "datetime_less", "2021-01-01T00:00:00Z")) == ["Alpha"]
    assert by(rule("when", "datetime_greater_or_equal", "2021-06-15T00:00:00Z")) == ["beta", "Gamma", "delta"]
    assert by({"condition": "AND", "rules": [rule("when", "datetime_greater", "2021-01-01T00:00:00+00:00"),
                                             rule("when", "datetime_less_or_equal", "2022-01-15T00:00:00Z")]}) == \
        ["beta", "Gamma"]
    assert by(rule("create_time", "datetime_greater", "2000-01-01 00:00:00")) == \
        ["Alpha", "beta", "Gamma", "delta", "alphabet"]
    assert by(rule("create_time", "datetime_less", "2000-01-01")) == []
    assert by(rule("create_time", "datetime_less", int(time.time()) + 3600)) == \
        ["Alpha", "beta", "Gamma", "delta", "alphabet"]
    assert by(rule("when", "is_null")) == ["alphabet"]
    # no match
    assert by(rule("bk_inst_name", "equal", "nobody")) == []


def test_search_object_instances_page_fields_sort(client, filter_model):
    oid, rows = filter_model
    got = search(client, oid, None, limit=2, fields=["bk_inst_name", "num"])
    assert got == [{"bk_inst_name": "Alpha", "num": 1}, {"bk_inst_name": "beta", "num": 2}]
    body = {"bk_obj_id": oid, "page": {"start": 2, "limit": 2, "sort": "-num"}, "fields": ["num"]}
    data = ok(client.cc.search_object_instances(body))
    assert set(data) == {"info"}            # no count
    assert data["info"] == [{"num": 3}, {"num": 2}]
    body["page"] = {"start": 10, "limit": 2}
    assert ok(client.cc.search_object_instances(body))["info"] == []
    full = search(client, oid, rule("bk_inst_name", "equal", "Gamma"))
    assert len(full) == 1 and full[0]["bk_inst_id"] == rows[2]["bk_inst_id"]
    assert full[0]["bk_obj_id"] == oid and full[0]["tag"] == "blue"
    assert INST_TIME.match(full[0]["create_time"])
    # limit 500 is allowed
    assert len(search(client, oid, None, limit=500)) == 5
    # unknown model: empty list
    assert ok(client.cc.search_object_instances({"bk_obj_id": unique("nomodel"),
                                                 "page": {"limit": 10}})) == {"info": []}


@pytest.mark.parametrize("page", [{"start": 0, "limit": 0}, {"start": 0, "limit": 501}, {"start": 0}, None])
def test_search_object_instances_page_limit(client, filter_model, page):
    oid, _ = filter_model
    body = {"bk_obj_id": oid}
    if page is not None:
        body["page"] = page
    resp = fail(client.cc.search_object_instances(body), 1199006)
    assert "page.limit" in resp["message"]


@pytest.mark.parametrize("conds", [
    {"field": "num", "operator": "no_such_op", "value": 1},
    {"condition": "XOR", "rules": [rule("num", "equal", 1)]},
    {"condition": "AND", "rules": []},
    {"condition": "AND", "rules": [rule("num", "in", [])]},
    {"condition": "AND", "rules": [rule("num", "between", [1, 2])]},
    {"condition": "AND", "rules": [rule("bk_inst_name", "in", ["x"] * 501)]},
    {"condition": "AND", "rules": [rule("num", "equal", i) for i in range(51)]},
    {"condition": "AND", "rules": [{"condition": "AND", "rules": [
        {"condition": "AND", "rules": [rule("num", "equal", 1)]}]}]},
])
def test_search_object_instances_invalid_conditions(client, filter_model, conds):
    oid, _ = filter_model
    fail(client.cc.search_object_instances({"bk_obj_id": oid, "conditions": conds, "page": {"limit": 10}}), 1199006)
    fail(client.cc.count_object_instances({"bk_obj_id": oid, "conditions": conds}), 1199006)


@pytest.mark.parametrize("inner", ("biz", "host", "set", "module", "process", "plat"))
def test_search_object_instances_inner_model(client, inner):
    fail(client.cc.search_object_instances({"bk_obj_id": inner, "page": {"limit": 10}}), 1199084)


def test_count_object_instances(client, filter_model):
    oid, _ = filter_model
    assert count(client, oid) == 5
    assert count(client, oid, None) == 5
    assert count(client, oid, rule("bk_inst_name", "contains", "alpha")) == 2
    assert count(client, oid, {"condition": "OR", "rules": [rule("num", "less", 2), rule("num", "greater", 4)]}) == 2
    assert count(client, oid, rule("tag", "equal", "none")) == 0
    assert count(client, unique("nomodel")) == 0
    # time_condition
    tc = {"oper": "and", "rules": [{"field": "create_time", "start": "2000-01-01 00:00:00",
                                    "end": "2999-01-01 00:00:00"}]}
    assert ok(client.cc.count_object_instances({"bk_obj_id": oid, "time_condition": tc}))["count"] == 5
    tc_none = {"oper": "and", "rules": [{"field": "bk_created_at", "end": "2000-01-01 00:00:00"}]}
    assert ok(client.cc.count_object_instances({"bk_obj_id": oid, "time_condition": tc_none}))["count"] == 0
    assert search(client, oid, None, time_condition=tc_none) == []
    fail(client.cc.count_object_instances({"bk_obj_id": oid, "time_condition": dict(tc, oper="or")}), 1199006)
    fail(client.cc.count_object_instances({"bk_obj_id": oid, "time_condition": {"oper": "and", "rules": []}}),
         1199010)
    fail(client.cc.count_object_instances({"bk_obj_id": oid, "time_condition": {
        "oper": "and", "rules": [{"field": "create_time"}]}}), 1199006)
    fail(client.cc.count_object_instances({"bk_obj_id": "biz"}), 1199084)


def test_count_follows_writes(client):
    oid = model(client)
    assert count(client, oid) == 0
    a = mk(client, oid, "a")
    mk(client, oid, "b")
    assert count(client, oid) == 2
    fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "a"}), 1199014)
    assert count(client, oid) == 2
    ok(client.cc.delete_inst({"bk_obj_id": oid, "bk_inst_id": a["bk_inst_id"]}))
    assert count(client, oid) == 1


# ====================================================================================================
# search_inst_by_object


def test_search_inst_by_object(client, filter_model):
    oid, rows = filter_model
    assert names(insts(client, oid, {"bk_inst_name": {"$regex": "^[aA]lpha"}})) == ["Alpha", "alphabet"]
    assert names(insts(client, oid, {"bk_inst_name": {"$regex": "ALPHA", "$options": "i"}})) == ["Alpha", "alphabet"]
    assert names(insts(client, oid, {"bk_inst_name": {"$in": ["beta", "delta", "zzz"]}})) == ["beta", "delta"]
    assert names(insts(client, oid, {"num": {"$gte": 2, "$lt": 4}})) == ["beta", "Gamma"]
    assert names(insts(client, oid, {"tag": {"$ne": "red"}})) == ["beta", "Gamma", "delta", "alphabet"]
    assert names(insts(client, oid, {"$or": [{"num": 1}, {"tag": "green"}]})) == ["Alpha", "delta"]
    assert names(insts(client, oid, {"tag": "RED", "num": 2})) == ["beta"]
    assert names(insts(client, oid, {"bk_inst_id": rows[3]["bk_inst_id"]})) == ["delta"]
    # fields projection and sort
    data = ok(client.cc.search_inst_by_object({"bk_obj_id": oid, "fields": ["bk_inst_name"],
                                               "page": {"start": 0, "limit": 3, "sort": "-bk_inst_name"}}))
    assert data["count"] == 5
    assert data["info"] == [{"bk_inst_name": n} for n in sorted(names(rows), reverse=True)[:3]]
    data = ok(client.cc.search_inst_by_object({"bk_obj_id": oid, "fields": ["bk_inst_id", "num"],
                                               "condition": {"num": {"$gt": 3}},
                                               "page": {"start": 1, "limit": 10, "sort": "num"}}))
    assert data == {"count": 2, "info": [{"bk_inst_id": rows[4]["bk_inst_id"], "num": 5}]}
    # no page: everything
    data = ok(client.cc.search_inst_by_object({"bk_obj_id": oid}))
    assert data["count"] == 5 and len(data["info"]) == 5
    # time_condition
    tc = {"oper": "and", "rules": [{"field": "create_time", "start": "2000-01-01 00:00:00"}]}
    assert ok(client.cc.search_inst_by_object({"bk_obj_id": oid, "time_condition": tc}))["count"] == 5
    # unknown model
    assert ok(client.cc.search_inst_by_object({"bk_obj_id": unique("nomodel")})) == {"count": 0, "info": []}


def test_search_inst_by_object_errors(client, filter_model):
    oid, _ = filter_model
    fail(client.cc.search_inst_by_object({"bk_obj_id": oid, "condition": {"num": {"$bogus": 1}}}), 1199006)
    fail(client.cc.search_inst_by_object({"bk_obj_id": oid, "condition": {"$where": "1"}}), 1199006)
    fail(client.cc.search_inst_by_object({"bk_obj_id": oid, "condition": {"bk_inst_name": {"$regex": "("}}}),
         1199006)
    for inner in ("biz", "host", "set"):
        fail(client.cc.search_inst_by_object({"bk_obj_id": inner}), 1199084)


def test_metacharacter_values_are_literal(client):
    oid = model(client)
    made = {n: mk(client, oid, n) for n in NASTY + DECOYS}
    for n in NASTY:
        got = insts(client, oid, {"bk_inst_name": n})
        assert names(got) == [n], n
        assert got[0]["bk_inst_id"] == made[n]["bk_inst_id"]
        # same through the filter flavour (equal is exact too)
        assert names(search(client, oid, rule("bk_inst_name", "equal", n))) == [n], n
        assert count(client, oid, rule("bk_inst_name", "equal", n)) == 1, n
        # and through search_inst $eq
        data = ok(client.cc.search_inst({"bk_obj_id": oid, "condition": {oid: [
            {"field": "bk_inst_name", "operator": "$eq", "value": n}]}, "page": {"start": 0, "limit": 50}}))
        assert names(data["info"]) == [n], n
    assert count(client, oid) == len(NASTY) + len(DECOYS)   # nothing was dropped or doubled
    # update to a nasty value and back
    inst = made["abc"]
    ok(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": inst["bk_inst_id"], "bk_inst_name": "it's; --"}))
    assert names(insts(client, oid, {"bk_inst_name": "it's; --"})) == ["it's; --"]
    assert insts(client, oid, {"bk_inst_name": "abc"}) == []


# ====================================================================================================
# search_inst


def test_search_inst_condition_on_model_itself(client):
    oid = model(client)
    attr(client, oid, "num", "int")
    for i, n in enumerate(["x(.*)y", "xy", "abc", "ABC", "a.c", "p_q"]):
        mk(client, oid, n, num=i)

    def s(conds, **kw):
        body = {"bk_obj_id": oid, "condition": {oid: conds}, "page": {"start": 0, "limit": 50, "sort": "bk_inst_id"}}
        body.update(kw)
        data = ok(client.cc.search_inst(body))
        assert isinstance(data["count"], int)
        return data

    # $regex is a literal, case-sensitive substring match here
    assert names(s([{"field": "bk_inst_name", "operator": "$regex", "value": "(.*)"}])["info"]) == ["x(.*)y"]
    assert names(s([{"field": "bk_inst_name", "operator": "$regex", "value": "."}])["info"]) == ["x(.*)y", "a.c"]
    assert names(s([{"field": "bk_inst_name", "operator": "$regex", "value": "_"}])["info"]) == ["p_q"]
    assert names(s([{"field": "bk_inst_name", "operator": "$regex", "value": "bc"}])["info"]) == ["abc"]
    assert names(s([{"field": "bk_inst_name", "operator": "$eq", "value": "ABC"}])["info"]) == ["ABC"]
    assert names(s([{"field": "bk_inst_name", "operator": "$in", "value": ["xy", "abc"]}])["info"]) == ["xy", "abc"]
    assert names(s([{"field": "bk_inst_name", "operator": "$nin", "value": ["xy", "abc"]}])["info"]) == \
        ["x(.*)y", "ABC", "a.c", "p_q"]
    assert names(s([{"field": "num", "operator": "$gte", "value": 2},
                    {"field": "num", "operator": "$lt", "value": 4}])["info"]) == ["abc", "ABC"]
    assert names(s([{"field": "bk_inst_name", "operator": "$ne", "value": "xy"},
                    {"field": "num", "operator": "$lte", "value": 1}])["info"]) == ["x(.*)y"]
    # count is the total, page applies to info; fields map
    data = ok(client.cc.search_inst({"bk_obj_id": oid, "condition": {}, "fields": {oid: ["bk_inst_name"]},
                                     "page": {"start": 1, "limit": 2, "sort": "-num"}}))
    assert data["count"] == 6
    assert data["info"] == [{"bk_inst_name": "a.c"}, {"bk_inst_name": "ABC"}]
    data = s([{"field": "bk_inst_name", "operator": "$eq", "value": "nobody"}])
    assert data == {"count": 0, "info": []}
    # time_condition is AND-ed with the condition
    past = {"oper": "and", "rules": [{"field": "create_time", "end": "2000-01-01 00:00:00"}]}
    assert s([], time_condition=past) == {"count": 0, "info": []}
    recent = {"oper": "and", "rules": [{"field": "bk_created_at", "start": "2000-01-01T00:00:00Z"}]}
    assert names(s([{"field": "num", "operator": "$lt", "value": 2}], time_condition=recent)["info"]) == \
        ["x(.*)y", "xy"]
    # errors
    fail(client.cc.search_inst({"bk_obj_id": oid, "condition": {oid: [
        {"field": "num", "operator": "$bogus", "value": 1}]}, "page": {"limit": 10}}), 1199006)
    for inner in ("biz", "host"):
        fail(client.cc.search_inst({"bk_obj_id": inner, "condition": {}, "page": {"limit": 10}}), 1199084)


def test_search_inst_condition_on_associated_model(client, two_models):
    a, b, asst, A, B = two_models
    link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    link(client, asst, A[1]["bk_inst_id"], B[1]["bk_inst_id"])
    link(client, asst, A[1]["bk_inst_id"], B[0]["bk_inst_id"])

    def s(condition):
        return ok(client.cc.search_inst({"bk_obj_id": a, "condition": condition,
                                         "page": {"start": 0, "limit": 50, "sort": "bk_inst_id"}}))

    data = s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "b1"}]})
    assert data["count"] == 2 and names(data["info"]) == ["a1", "a2"]
    data = s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "b2"}]})
    assert data["count"] == 1 and names(data["info"]) == ["a2"]
    # association condition combined with a condition on the model itself
    data = s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "b1"}],
              a: [{"field": "bk_inst_name", "operator": "$eq", "value": "a1"}]})
    assert names(data["info"]) == ["a1"]
    # the associated instance exists but nothing is associated with it: empty result
    assert s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "b3"}]}) == {"count": 0, "info": []}
    # the association runs A -> B only: searching B through A conditions finds nothing (B is never the source)
    data = ok(client.cc.search_inst({"bk_obj_id": b, "condition": {a: [
        {"field": "bk_inst_name", "operator": "$eq", "value": "a1"}]}, "page": {"start": 0, "limit": 50}}))
    assert data == {"count": 0, "info": []}
    # an M condition that matches no M instance yields no target either: empty result ...
    assert s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "no such b"}]}) == {"count": 0, "info": []}
    # ... but with an entry for the target model itself such an entry is ignored (quirk of the original)
    data = s({b: [{"field": "bk_inst_name", "operator": "$eq", "value": "no such b"}],
              a: [{"field": "bk_inst_name", "operator": "$regex", "value": "a"}]})
    assert data["count"] == 3 and names(data["info"]) == ["a1", "a2", "a3"]


# ====================================================================================================
# quoted (table-field) instances


def test_batch_create_quoted_inst_and_list(client):
    oid = model(client)
    table_attr(client, oid)
    owner = mk(client, oid, "owner")
    data = ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "data": [
        {"disk": "sda", "size": 10, "bk_inst_id": owner["bk_inst_id"]},
        {"disk": "sdb", "junk": "dropped"},
        {"size": 30},
    ]}))
    assert set(data) == {"ids"}
    ids = data["ids"]
    assert len(ids) == 3 and ids == sorted(ids) and all(isinstance(i, int) and i > 0 for i in ids)
    # row ids come from the generic instance sequence
    assert ids[0] > owner["bk_inst_id"]
    assert mk(client, oid, "later")["bk_inst_id"] > ids[-1]
    rows = quoted_rows(client, oid, "disks")
    assert [r["id"] for r in rows] == ids
    assert [(r["disk"], r["size"], r["bk_inst_id"]) for r in rows] == [
        ("sda", 10, owner["bk_inst_id"]), ("sdb", None, 0), ("", 30, 0)]
    assert "junk" not in rows[1]
    assert rows[0]["bk_supplier_account"] == "0"
    assert INST_TIME.match(rows[0]["create_time"]) and INST_TIME.match(rows[0]["last_time"])
    # count mode
    assert quoted_count(client, oid, "disks") == 3
    assert quoted_count(client, oid, "disks", rule("bk_inst_id", "equal", owner["bk_inst_id"])) == 1
    # filter, projection, sort, paging
    got = quoted_rows(client, oid, "disks", rule("bk_inst_id", "equal", 0))
    assert [r["id"] for r in got] == ids[1:]
    body = {"bk_obj_id": oid, "bk_property_id": "disks", "fields": ["id", "disk"],
            "page": {"start": 0, "limit": 2, "sort": "-id"}}
    assert ok(client.cc.list_quoted_inst(body)) == {"count": 0, "info": [{"id": ids[2], "disk": ""},
                                                                         {"id": ids[1], "disk": "sdb"}]}
    body["page"] = {"start": 2, "limit": 2, "sort": "-id"}
    assert ok(client.cc.list_quoted_inst(body))["info"] == [{"id": ids[0], "disk": "sda"}]
    got = quoted_rows(client, oid, "disks", {"condition": "OR", "rules": [rule("disk", "equal", "sdb"),
                                                                         rule("size", "greater", 20)]})
    assert [r["id"] for r in got] == ids[1:]
    # the hidden model is not a searchable user model, but the owning instance is unchanged
    assert "disks" not in get_inst(client, oid, owner["bk_inst_id"])


def test_batch_create_quoted_inst_errors(client):
    oid = model(client)
    attr(client, oid, "plain")
    table_attr(client, oid, header=TABLE_HEADER + [
        {"bk_property_id": "serial", "bk_property_name": "Serial", "bk_property_type": "singlechar",
         "isrequired": True}])
    other = mk(client, model(client), "foreign")
    row = {"disk": "sda", "serial": "s1"}

    def create(**body):
        return client.cc.batch_create_quoted_inst(dict({"bk_obj_id": oid, "bk_property_id": "disks",
                                                        "data": [row]}, **body))

    resp = fail(create(bk_property_id="plain"), 1199006)             # not a table field
    assert "bk_property_id" in resp["message"]
    fail(create(bk_property_id="bk_inst_name"), 1199006)
    fail(create(bk_property_id=unique("nofield")), 1199006)
    fail(create(bk_obj_id=unique("nomodel")), 1199006)
    fail(client.cc.batch_create_quoted_inst({"bk_property_id": "disks", "data": [row]}), 1199010)
    fail(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "data": [row]}), 1199010)
    fail(create(data=[]), 1199010)
    fail(create(data=[row] * 201), 1199010)
    fail(create(data=[{"disk": "sda"}]), 1199010)                    # required header missing
    resp = fail(create(data=[dict(row, bk_inst_id=MISSING_ID)]), 1199011)
    assert "bk_inst_id" in resp["message"]
    fail(create(data=[dict(row, bk_inst_id=other["bk_inst_id"])]), 1199011)   # instance of another model
    bad = client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks",
                                              "data": [row, dict(row, size="big")]})
    assert bad["result"] is False and bad["data"] is None
    assert quoted_count(client, oid, "disks") == 0                   # nothing stored by any refused call
    # 200 rows is fine
    assert len(ok(create(data=[row] * 200))["ids"]) == 200
    assert quoted_count(client, oid, "disks") == 200


def test_list_quoted_inst_errors(client):
    oid = model(client)
    attr(client, oid, "plain")
    table_attr(client, oid)

    def lst(page, **body):
        b = {"bk_obj_id": oid, "bk_property_id": "disks"}
        if page is not None:
            b["page"] = page
        b.update(body)
        return client.cc.list_quoted_inst(b)

    resp = fail(lst({"start": 0}), 1199011)                          # page.limit missing
    assert "page.limit" in resp["message"]
    fail(lst(None), 1199011)
    fail(lst({"start": 0, "limit": 0}), 1199011)
    fail(lst({"start": -1, "limit": 10}), 1199011)
    fail(lst({"start": 0, "limit": 1001}), 1199059)
    resp = fail(lst({"enable_count": True, "limit": 10}), 1199006)
    assert "page.enable_count" in resp["message"]
    fail(lst({"limit": 10}, bk_property_id="plain"), 1199006)
    fail(lst({"limit": 10}, bk_property_id=""), 1199010)
    fail(lst({"limit": 10}, filter={"condition": "AND", "rules": []}), 1199006)
    assert ok(lst({"start": 0, "limit": 1000})) == {"count": 0, "info": []}


def test_batch_update_quoted_inst(client):
    oid = model(client)
    table_attr(client, oid)
    ids = ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "data": [
        {"disk": "a", "size": 1}, {"disk": "b", "size": 2}, {"disk": "c", "size": 3}]}))["ids"]
    before = quoted_rows(client, oid, "disks")
    time.sleep(0.01)
    assert ok(client.cc.batch_update_quoted_inst({
        "bk_obj_id": oid, "bk_property_id": "disks", "ids": [ids[0], ids[2], MISSING_ID],
        "data": {"size": 99, "id": 5, "bk_inst_id": 7, "junk": 1}})) is None
    rows = quoted_rows(client, oid, "disks")
    assert [(r["id"], r["disk"], r["size"], r["bk_inst_id"]) for r in rows] == [
        (ids[0], "a", 99, 0), (ids[1], "b", 2, 0), (ids[2], "c", 99, 0)]
    assert "junk" not in rows[0]
    assert rows[0]["last_time"] != before[0]["last_time"]
    assert rows[1]["last_time"] == before[1]["last_time"]
    # errors: nothing changes
    snapshot = quoted_rows(client, oid, "disks")

    def upd(**body):
        return client.cc.batch_update_quoted_inst(dict({"bk_obj_id": oid, "bk_property_id": "disks",
                                                        "ids": [ids[1]], "data": {"size": 5}}, **body))

    fail(upd(ids=[]), 1199010)
    fail(upd(ids=list(range(1, 202))), 1199010)                      # > 200 ids
    fail(upd(data={}), 1199010)
    fail(upd(bk_property_id=""), 1199010)
    fail(upd(bk_property_id="bk_inst_name"), 1199006)
    bad = upd(data={"size": "five"})
    assert bad["result"] is False and bad["data"] is None
    assert quoted_rows(client, oid, "disks") == snapshot
    # non-editable header keys are dropped
    table_attr(client, oid, "parts", header=TABLE_HEADER + [
        {"bk_property_id": "ro", "bk_property_name": "RO", "bk_property_type": "singlechar", "editable": False}])
    pid = ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "parts", "data": [
        {"disk": "p", "ro": "fixed"}]}))["ids"][0]
    ok(client.cc.batch_update_quoted_inst({"bk_obj_id": oid, "bk_property_id": "parts", "ids": [pid],
                                           "data": {"disk": "q", "ro": "changed"}}))
    assert [(r["disk"], r["ro"]) for r in quoted_rows(client, oid, "parts")] == [("q", "fixed")]
    assert quoted_rows(client, oid, "disks") == snapshot     # the other table is untouched


def test_batch_delete_quoted_inst(client):
    oid = model(client)
    table_attr(client, oid)
    ids = ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "data": [
        {"disk": "a"}, {"disk": "b"}, {"disk": "c"}]}))["ids"]
    fail(client.cc.batch_delete_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "ids": []}), 1199010)
    fail(client.cc.batch_delete_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks",
                                             "ids": list(range(1, 502))}), 1199010)
    fail(client.cc.batch_delete_quoted_inst({"bk_obj_id": oid, "bk_property_id": "bk_inst_name",
                                             "ids": [ids[0]]}), 1199006)
    fail(client.cc.batch_delete_quoted_inst({"bk_obj_id": oid, "ids": [ids[0]]}), 1199010)
    assert quoted_count(client, oid, "disks") == 3
    assert ok(client.cc.batch_delete_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks",
                                                  "ids": [ids[0], ids[2], MISSING_ID]})) is None
    assert [r["id"] for r in quoted_rows(client, oid, "disks")] == [ids[1]]


def test_create_inst_attaches_quoted_rows(client):
    oid = model(client)
    table_attr(client, oid)
    ids = ok(client.cc.batch_create_quoted_inst({"bk_obj_id": oid, "bk_property_id": "disks", "data": [
        {"disk": "a"}, {"disk": "b"}, {"disk": "c"}]}))["ids"]
    inst = mk(client, oid, "owner", disks=[ids[0], ids[1]])
    assert "disks" not in inst                            # the table key is not stored in the instance
    rows = quoted_rows(client, oid, "disks")
    assert [(r["id"], r["bk_inst_id"]) for r in rows] == [(ids[0], inst["bk_inst_id"]),
                                                         (ids[1], inst["bk_inst_id"]), (ids[2], 0)]
    assert "disks" not in get_inst(client, oid, inst["bk_inst_id"])
    assert quoted_count(client, oid, "disks", rule("bk_inst_id", "equal", inst["bk_inst_id"])) == 2
    # already attached / not existing ids: refused, nothing created or attached
    resp = fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "second", "disks": [ids[2], ids[0]]}),
                1199006)
    assert "disks" in resp["message"]
    fail(client.cc.create_inst({"bk_obj_id": oid, "bk_inst_name": "third", "disks": [MISSING_ID]}), 1199006)
    assert names(insts(client, oid)) == ["owner"]
    assert [r["bk_inst_id"] for r in quoted_rows(client, oid, "disks")] == [inst["bk_inst_id"]] * 2 + [0]
    # the table key is dropped from updates
    ok(client.cc.update_inst({"bk_obj_id": oid, "bk_inst_id": inst["bk_inst_id"], "disks": [ids[2]]}))
    assert [r["bk_inst_id"] for r in quoted_rows(client, oid, "disks")] == [inst["bk_inst_id"]] * 2 + [0]
    # the free row can be attached to a new instance
    other = mk(client, oid, "other", disks=[ids[2]])
    assert quoted_rows(client, oid, "disks")[2]["bk_inst_id"] == other["bk_inst_id"]


# ====================================================================================================
# add_instance_association


def test_add_instance_association(client, two_models):
    a, b, asst, A, B = two_models
    aid = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    rows = ok(client.cc.find_instance_association({"bk_obj_id": a, "condition": {"bk_obj_asst_id": asst}}))
    assert len(rows) == 1
    r = rows[0]
    assert ASSO_KEYS <= set(r), r
    assert "bk_biz_id" not in r
    assert r == dict(r, id=aid, bk_obj_asst_id=asst, bk_asst_id="connect", bk_obj_id=a, bk_asst_obj_id=b,
                     bk_inst_id=A[0]["bk_inst_id"], bk_asst_inst_id=B[0]["bk_inst_id"], bk_supplier_account="0")
    # n:n: both ends may be reused
    aid2 = link(client, asst, A[0]["bk_inst_id"], B[1]["bk_inst_id"])
    aid3 = link(client, asst, A[1]["bk_inst_id"], B[0]["bk_inst_id"])
    assert aid < aid2 < aid3
    assert id_list(assos(client, a), "id") == [aid, aid2, aid3]


def test_add_instance_association_errors(client, two_models):
    a, b, asst, A, B = two_models
    aid = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])

    def add(asst_id, src, dst):
        return client.cc.add_instance_association({"bk_obj_asst_id": asst_id, "bk_inst_id": src,
                                                   "bk_asst_inst_id": dst})

    fail(add("%s_belong_%s" % (a, b), A[1]["bk_inst_id"], B[1]["bk_inst_id"]), 1101046)
    fail(add(unique("noasst"), A[1]["bk_inst_id"], B[1]["bk_inst_id"]), 1101046)
    fail(add(asst, MISSING_ID, B[1]["bk_inst_id"]), 1101073)
    fail(add(asst, B[1]["bk_inst_id"], B[2]["bk_inst_id"]), 1101073)       # source id of the wrong model
    fail(add(asst, A[1]["bk_inst_id"], MISSING_ID), 1101074)
    fail(add(asst, A[1]["bk_inst_id"], A[2]["bk_inst_id"]), 1101074)       # target id of the wrong model
    resp = fail(add(asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"]), 1199014)
    assert "association" in resp["message"]
    assert id_list(assos(client, a), "id") == [aid]
    assert id_list(assos(client, b), "id") == [aid]


def test_add_instance_association_one_to_one(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a, b = model(client, cls_id), model(client, cls_id)
    asst = obj_asst(client, a, b, kind="belong", mapping="1:1")
    a1, a2 = mk(client, a, "a1"), mk(client, a, "a2")
    b1, b2 = mk(client, b, "b1"), mk(client, b, "b2")
    aid = link(client, asst, a1["bk_inst_id"], b1["bk_inst_id"])
    assert ok(client.cc.find_instance_association({"bk_obj_id": a, "condition": {}}))[0]["bk_asst_id"] == "belong"
    add = lambda s, d: client.cc.add_instance_association(  # noqa: E731
        {"bk_obj_asst_id": asst, "bk_inst_id": s["bk_inst_id"], "bk_asst_inst_id": d["bk_inst_id"]})
    fail(add(a1, b2), 1101052)      # source already used
    fail(add(a2, b1), 1101052)      # target already used
    assert id_list(assos(client, a), "id") == [aid]
    aid2 = link(client, asst, a2["bk_inst_id"], b2["bk_inst_id"])
    assert id_list(assos(client, a), "id") == [aid, aid2]
    fail(add(a1, b1), 1101052)      # the mapping is checked before the duplicate
    assert id_list(assos(client, a), "id") == [aid, aid2]


def test_add_instance_association_one_to_many(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a, b = model(client, cls_id), model(client, cls_id)
    asst = obj_asst(client, a, b, mapping="1:n")
    a1, a2 = mk(client, a, "a1"), mk(client, a, "a2")
    b1, b2 = mk(client, b, "b1"), mk(client, b, "b2")
    link(client, asst, a1["bk_inst_id"], b1["bk_inst_id"])
    link(client, asst, a1["bk_inst_id"], b2["bk_inst_id"])      # the source may have many targets
    fail(client.cc.add_instance_association({"bk_obj_asst_id": asst, "bk_inst_id": a2["bk_inst_id"],
                                             "bk_asst_inst_id": b1["bk_inst_id"]}), 1101061)
    rows = assos(client, a)
    assert [(r["bk_inst_id"], r["bk_asst_inst_id"]) for r in rows] == [(a1["bk_inst_id"], b1["bk_inst_id"]),
                                                                      (a1["bk_inst_id"], b2["bk_inst_id"])]
    # the mapping check comes before the duplicate check
    fail(client.cc.add_instance_association({"bk_obj_asst_id": asst, "bk_inst_id": a1["bk_inst_id"],
                                             "bk_asst_inst_id": b1["bk_inst_id"]}), 1101061)
    assert len(assos(client, a)) == 2


def test_add_instance_association_self_and_deleted_model_association(client):
    a = model(client)
    asst = obj_asst(client, a, a, kind="connect", mapping="n:n")
    x, y = mk(client, a, "x"), mk(client, a, "y")
    aid = link(client, asst, x["bk_inst_id"], y["bk_inst_id"])
    rows = assos(client, a)
    assert [(r["id"], r["bk_obj_id"], r["bk_asst_obj_id"]) for r in rows] == [(aid, a, a)]
    # model association gone -> 1101046
    b = model(client)
    asst2 = obj_asst(client, a, b, kind="default")
    masst = ok(client.cc.find_object_association({"condition": {"bk_obj_asst_id": asst2}}))
    assert len(masst) == 1
    ok(extra(client).cc.delete_object_association({"id": masst[0]["id"]}))
    b1 = mk(client, b, "b1")
    fail(client.cc.add_instance_association({"bk_obj_asst_id": asst2, "bk_inst_id": x["bk_inst_id"],
                                             "bk_asst_inst_id": b1["bk_inst_id"]}), 1101046)
    assert id_list(assos(client, a), "id") == [aid]


# ====================================================================================================
# batch_create_instance_association


def test_batch_create_instance_association_partial_success(client, two_models):
    a, b, asst, A, B = two_models
    existing = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    data = ok(client.cc.batch_create_instance_association({"bk_obj_id": a, "bk_asst_obj_id": b,
                                                           "bk_obj_asst_id": asst, "details": [
        {"bk_inst_id": A[0]["bk_inst_id"], "bk_asst_inst_id": B[1]["bk_inst_id"]},    # ok
        {"bk_inst_id": A[0]["bk_inst_id"], "bk_asst_inst_id": B[0]["bk_inst_id"]},    # duplicate
        {"bk_inst_id": MISSING_ID, "bk_asst_inst_id": B[0]["bk_inst_id"]},            # source missing
        {"bk_inst_id": A[1]["bk_inst_id"], "bk_asst_inst_id": MISSING_ID},            # target missing
        {"bk_inst_id": A[2]["bk_inst_id"], "bk_asst_inst_id": B[2]["bk_inst_id"]},    # ok
    ]}))
    assert sorted(data["success_created"]) == ["0", "4"]
    assert sorted(data["error_msg"]) == ["1", "2", "3"]
    assert "already exist" in data["error_msg"]["1"]
    for v in data["error_msg"].values():
        assert isinstance(v, str) and v
    rows = assos(client, a)
    assert [(r["id"], r["bk_inst_id"], r["bk_asst_inst_id"]) for r in rows] == [
        (existing, A[0]["bk_inst_id"], B[0]["bk_inst_id"]),
        (data["success_created"]["0"], A[0]["bk_inst_id"], B[1]["bk_inst_id"]),
        (data["success_created"]["4"], A[2]["bk_inst_id"], B[2]["bk_inst_id"])]
    assert all(r["bk_obj_asst_id"] == asst and r["bk_asst_id"] == "connect" for r in rows)


def test_batch_create_instance_association_mapping(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a, b = model(client, cls_id), model(client, cls_id)
    asst = obj_asst(client, a, b, mapping="1:n")
    a1, a2 = mk(client, a, "a1"), mk(client, a, "a2")
    b1 = mk(client, b, "b1")
    data = ok(client.cc.batch_create_instance_association({"bk_obj_id": a, "bk_asst_obj_id": b,
                                                           "bk_obj_asst_id": asst, "details": [
        {"bk_inst_id": a1["bk_inst_id"], "bk_asst_inst_id": b1["bk_inst_id"]},
        {"bk_inst_id": a2["bk_inst_id"], "bk_asst_inst_id": b1["bk_inst_id"]},    # target reused on 1:n
    ]}))
    assert list(data["success_created"]) == ["0"] and list(data["error_msg"]) == ["1"]
    assert len(assos(client, a)) == 1


def test_batch_create_instance_association_errors(client, two_models):
    a, b, asst, A, B = two_models
    detail = [{"bk_inst_id": A[0]["bk_inst_id"], "bk_asst_inst_id": B[0]["bk_inst_id"]}]

    def batch(**body):
        return client.cc.batch_create_instance_association(dict(
            {"bk_obj_id": a, "bk_asst_obj_id": b, "bk_obj_asst_id": asst, "details": detail}, **body))

    fail(batch(bk_obj_id=b, bk_asst_obj_id=a), 1199006)              # asst id does not start with bk_obj_id
    fail(batch(bk_asst_obj_id=a), 1199006)                           # nor end with bk_asst_obj_id
    fail(batch(bk_obj_asst_id="x_" + asst), 1199006)
    fail(batch(bk_obj_asst_id="%s_belong_%s" % (a, b)), 1101046)     # well-formed, does not exist
    fail(batch(details=[]), 1199038)
    fail(batch(details=detail * 201), 1199035)
    fail(batch(bk_obj_id=""), 1199011)
    fail(client.cc.batch_create_instance_association({"bk_asst_obj_id": b, "bk_obj_asst_id": asst,
                                                      "details": detail}), 1199011)
    fail(client.cc.batch_create_instance_association({"bk_obj_id": a, "bk_obj_asst_id": asst,
                                                      "details": detail}), 1199011)
    fail(client.cc.batch_create_instance_association({"bk_obj_id": a, "bk_asst_obj_id": b,
                                                      "details": detail}), 1199011)
    assert assos(client, a) == []


# ====================================================================================================
# delete_instance_association / delete_related_inst_asso


def test_delete_instance_association(client, two_models):
    a, b, asst, A, B = two_models
    ids = [link(client, asst, A[i]["bk_inst_id"], B[i]["bk_inst_id"]) for i in range(3)]
    unrelated = model(client)
    # not visible through an unrelated model / nonexistent: success, nothing deleted
    assert ok(client.cc.delete_instance_association({"bk_obj_id": unrelated, "id": ids[0]})) is None
    assert ok(client.cc.delete_instance_association({"bk_obj_id": a, "id": MISSING_ID})) is None
    assert id_list(assos(client, a), "id") == ids
    fail(client.cc.delete_instance_association({"bk_obj_id": a, "id": "abc"}), 1199009)
    fail(client.cc.delete_instance_association({"bk_obj_id": a}), 1306406)
    assert id_list(assos(client, a), "id") == ids
    # through the source model and through the target model
    assert ok(client.cc.delete_instance_association({"bk_obj_id": a, "id": ids[0]})) is None
    assert ok(client.cc.delete_instance_association({"bk_obj_id": b, "id": ids[1]})) is None
    assert id_list(assos(client, a), "id") == [ids[2]]
    assert id_list(assos(client, b), "id") == [ids[2]]
    # the pair can be associated again (fresh id)
    new = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    assert new > ids[2]


def test_delete_related_inst_asso(client, two_models):
    a, b, asst, A, B = two_models
    ids = [link(client, asst, A[i]["bk_inst_id"], B[i]["bk_inst_id"]) for i in range(3)]
    other = model(client)
    oasst = obj_asst(client, other, other)
    o1, o2 = mk(client, other, "o1"), mk(client, other, "o2")
    oid_asso = link(client, oasst, o1["bk_inst_id"], o2["bk_inst_id"])
    # ids of another model's associations are not visible through `a`
    assert ok(client.cc.delete_related_inst_asso({"bk_obj_id": a, "id": [ids[0], oid_asso, MISSING_ID]})) == 1
    assert id_list(assos(client, a), "id") == ids[1:]
    assert id_list(assos(client, other), "id") == [oid_asso]
    # through the target model
    assert ok(client.cc.delete_related_inst_asso({"bk_obj_id": b, "id": [ids[1], ids[2]]})) == 2
    assert assos(client, a) == []
    assert ok(client.cc.delete_related_inst_asso({"bk_obj_id": b, "id": [ids[1]]})) == 0


def test_delete_related_inst_asso_errors(client, two_models):
    a, b, asst, A, B = two_models
    aid = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    fail(client.cc.delete_related_inst_asso({"bk_obj_id": a, "id": []}), 1199003)
    fail(client.cc.delete_related_inst_asso({"bk_obj_id": a, "id": [aid] + list(range(1, 501))}), 1199059)
    fail(client.cc.delete_related_inst_asso({"id": [aid]}), 1199010)
    fail(client.cc.delete_related_inst_asso({"bk_obj_id": "", "id": [aid]}), 1199010)
    assert id_list(assos(client, a), "id") == [aid]


# ====================================================================================================
# find_instance_association


def test_find_instance_association(client, two_models):
    a, b, asst, A, B = two_models
    ids = [link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"]),
           link(client, asst, A[0]["bk_inst_id"], B[1]["bk_inst_id"]),
           link(client, asst, A[1]["bk_inst_id"], B[1]["bk_inst_id"])]

    def find(obj, cond):
        rows = ok(client.cc.find_instance_association({"bk_obj_id": obj, "condition": cond}))
        return sorted(r["id"] for r in rows)

    assert find(a, {"bk_obj_asst_id": asst}) == ids
    assert find(b, {"bk_obj_asst_id": asst}) == ids                  # visible through the target too
    assert find(a, {"bk_inst_id": A[0]["bk_inst_id"]}) == ids[:2]
    assert find(a, {"bk_asst_inst_id": B[1]["bk_inst_id"]}) == ids[1:]
    assert find(a, {"bk_asst_obj_id": b, "bk_asst_id": "connect"}) == ids
    assert find(a, {"bk_asst_inst_id": {"$in": [B[0]["bk_inst_id"], B[2]["bk_inst_id"]]}}) == ids[:1]
    assert find(a, {"bk_asst_id": "belong"}) == []
    assert find(model(client), {}) == []
    fail(client.cc.find_instance_association({"condition": {"bk_obj_asst_id": asst}}), 1199010)


# ====================================================================================================
# find_instassociation_with_inst


def test_find_instassociation_with_inst(client, two_models):
    a, b, asst, A, B = two_models
    ids = [link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"]),
           link(client, asst, A[0]["bk_inst_id"], B[1]["bk_inst_id"]),
           link(client, asst, A[1]["bk_inst_id"], B[1]["bk_inst_id"])]
    flt = {"condition": "AND", "rules": [rule("bk_obj_asst_id", "equal", asst)]}

    def find(condition, page=None):
        return ok(client.cc.find_instassociation_with_inst({"bk_obj_id": a, "condition": condition,
                                                            "page": page or {"start": 0, "limit": 200}}))

    data = find({"asst_filter": flt})
    assert data["src"] is None and data["dst"] is None
    assert sorted(r["id"] for r in data["association"]) == ids
    data = find({"asst_filter": flt, "src_detail": True, "dst_detail": True})
    assert sorted(r["bk_inst_id"] for r in data["src"]) == [A[0]["bk_inst_id"], A[1]["bk_inst_id"]]
    assert sorted(r["bk_inst_id"] for r in data["dst"]) == [B[0]["bk_inst_id"], B[1]["bk_inst_id"]]
    assert {r["bk_inst_name"] for r in data["src"]} == {"a1", "a2"}
    data = find({"asst_filter": flt, "dst_detail": True, "dst_fields": ["bk_inst_name"],
                 "asst_fields": ["id", "bk_asst_inst_id"]})
    assert data["src"] is None
    assert sorted(r["bk_inst_name"] for r in data["dst"]) == ["b1", "b2"]
    assert all(set(r) == {"id", "bk_asst_inst_id"} for r in data["association"])
    # filter + sort + page
    data = find({"asst_filter": {"condition": "AND", "rules": [rule("bk_inst_id", "equal", A[0]["bk_inst_id"])]}},
                {"start": 0, "limit": 1, "sort": "-bk_asst_inst_id"})
    assert [r["id"] for r in data["association"]] == [ids[1]]
    data = find({"asst_filter": flt, "src_detail": True},
                {"start": 0, "limit": 10, "sort": "id"})
    assert [r["id"] for r in data["association"]] == ids
    # nothing matches: empty lists when details requested
    data = find({"asst_filter": {"condition": "AND", "rules": [rule("bk_asst_id", "equal", "belong")]},
                 "src_detail": True, "dst_detail": True})
    assert data == {"association": [], "src": [], "dst": []}
    # visible through the target model too
    data = ok(client.cc.find_instassociation_with_inst({"bk_obj_id": b, "condition": {"asst_filter": flt},
                                                        "page": {"limit": 200}}))
    assert sorted(r["id"] for r in data["association"]) == ids


def test_find_instassociation_with_inst_errors(client, two_models):
    a, b, asst, A, B = two_models
    link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    flt = {"condition": "AND", "rules": [rule("bk_obj_asst_id", "equal", asst)]}
    call = lambda cond, page: client.cc.find_instassociation_with_inst(  # noqa: E731
        {"bk_obj_id": a, "condition": cond, "page": page})
    resp = fail(call({"asst_filter": flt}, {"start": 0, "limit": 0}), 1199010)
    assert "page.limit" in resp["message"]
    fail(call({"asst_filter": flt}, {"start": 0}), 1199010)
    fail(call({"asst_filter": flt}, {"start": 0, "limit": 201}), 1199059)
    assert len(ok(call({"asst_filter": flt}, {"start": 0, "limit": 200}))["association"]) == 1
    resp = fail(call({}, {"limit": 10}), 1199011)
    assert "asst_filter" in resp["message"]
    fail(call({"asst_filter": {"condition": "AND", "rules": [rule("id", "bogus_op", 1)]}}, {"limit": 10}), 1199011)


# ====================================================================================================
# search_instance_associations / count_instance_associations


def test_search_instance_associations(client, two_models):
    a, b, asst, A, B = two_models
    c = model(client)
    casst = obj_asst(client, c, a)                                      # a is the target here
    c1 = mk(client, c, "c1")
    ids = [link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"]),
           link(client, asst, A[1]["bk_inst_id"], B[1]["bk_inst_id"])]
    cid = link(client, casst, c1["bk_inst_id"], A[0]["bk_inst_id"])
    # visibility: source or target
    assert id_list(assos(client, a), "id") == ids + [cid]
    assert id_list(assos(client, b), "id") == ids
    assert id_list(assos(client, c), "id") == [cid]
    got = assos(client, a, {"condition": "AND", "rules": [rule("bk_obj_asst_id", "equal", asst)]})
    assert id_list(got, "id") == ids
    got = assos(client, a, {"condition": "OR", "rules": [rule("bk_inst_id", "equal", A[1]["bk_inst_id"]),
                                                         rule("bk_obj_id", "equal", c)]})
    assert id_list(got, "id") == [ids[1], cid]
    got = assos(client, a, {"condition": "AND", "rules": [rule("bk_asst_inst_id", "in",
                                                              [B[0]["bk_inst_id"], A[0]["bk_inst_id"]])]})
    assert id_list(got, "id") == [ids[0], cid]
    got = assos(client, a, {"condition": "AND", "rules": [rule("id", "not_equal", ids[0])]},
                fields=["id", "bk_asst_obj_id"])
    assert got == [{"id": ids[1], "bk_asst_obj_id": b}, {"id": cid, "bk_asst_obj_id": a}]
    body = {"bk_obj_id": a, "page": {"start": 1, "limit": 1, "sort": "id"}}
    assert id_list(ok(client.cc.search_instance_associations(body))["info"], "id") == [ids[1]]
    body["page"] = {"start": 0, "limit": 2, "sort": "-id"}
    assert id_list(ok(client.cc.search_instance_associations(body))["info"], "id") == [cid, ids[1]]
    full = assos(client, b)[0]
    assert ASSO_KEYS <= set(full) and "bk_biz_id" not in full
    assert assos(client, model(client)) == []


@pytest.mark.parametrize("page,conds", [
    ({"start": 0}, None),
    ({"start": 0, "limit": 0}, None),
    ({"start": 0, "limit": 501}, None),
    (None, None),
    ({"limit": 10}, rule("id", "equal", 1)),                                          # bare rule
    ({"limit": 10}, {"condition": "XOR", "rules": [rule("id", "equal", 1)]}),
    ({"limit": 10}, {"condition": "AND", "rules": [rule("id", "bogus", 1)]}),
    ({"limit": 10}, {"condition": "OR", "rules": [rule("id", "equal", i) for i in range(21)]}),
    ({"limit": 10}, {"condition": "AND", "rules": [rule("id", "in", list(range(501)))]}),
    ({"limit": 10}, {"condition": "AND", "rules": [rule("id", "between", [1, 2])]}),
])
def test_search_instance_associations_errors(client, two_models, page, conds):
    a, b, asst, A, B = two_models
    body = {"bk_obj_id": a}
    if page is not None:
        body["page"] = page
    if conds is not None:
        body["conditions"] = conds
    resp = fail(client.cc.search_instance_associations(body), 1199006)
    if conds is None:
        assert "page.limit" in resp["message"]
    else:
        assert "conditions" in resp["message"]
        fail(client.cc.count_instance_associations({"bk_obj_id": a, "conditions": conds}), 1199006)


def test_count_instance_associations(client, two_models):
    a, b, asst, A, B = two_models
    c = model(client)
    casst = obj_asst(client, c, a)
    c1 = mk(client, c, "c1")
    link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    link(client, asst, A[1]["bk_inst_id"], B[0]["bk_inst_id"])
    link(client, casst, c1["bk_inst_id"], A[0]["bk_inst_id"])

    def cnt(obj, conds=None):
        body = {"bk_obj_id": obj}
        if conds is not None:
            body["conditions"] = conds
        return ok(client.cc.count_instance_associations(body))["count"]

    assert cnt(a) == 2                   # only where a is the source (search shows 3)
    assert len(assos(client, a)) == 3
    assert cnt(b) == 0                   # b is only a target
    assert cnt(c) == 1
    assert cnt(a, {"condition": "AND", "rules": [rule("bk_inst_id", "equal", A[0]["bk_inst_id"])]}) == 1
    assert cnt(a, {"condition": "AND", "rules": [rule("bk_asst_obj_id", "equal", c)]}) == 0
    assert cnt(model(client)) == 0


# ====================================================================================================
# search_inst_association_topo


def test_search_inst_association_topo(client, two_models):
    a, b, asst, A, B = two_models
    c = model(client)
    cobj = ok(client.cc.search_objects({"bk_obj_id": c}))[0]
    casst = obj_asst(client, a, c, kind="belong", mapping="1:n")
    c1, c2 = mk(client, c, "c1"), mk(client, c, "c2")
    back = obj_asst(client, b, a)                                     # b -> a: not followed from a
    i1 = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    i2 = link(client, asst, A[0]["bk_inst_id"], B[1]["bk_inst_id"])
    i3 = link(client, casst, A[0]["bk_inst_id"], c1["bk_inst_id"])
    link(client, back, B[2]["bk_inst_id"], A[0]["bk_inst_id"])
    link(client, asst, A[1]["bk_inst_id"], B[2]["bk_inst_id"])         # another source instance
    data = ok(client.cc.search_inst_association_topo({"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"]}))
    groups = {g["bk_obj_id"]: g for g in data}
    assert set(groups) == {b, c}
    gb, gc = groups[b], groups[c]
    assert gb["id"] == "" and gb["bk_inst_id"] == 0 and gb["bk_inst_name"] == "" and gb["asso_id"] == 0
    assert gb["count"] == 2 and len(gb["children"]) == 2
    assert gc["count"] == 1
    assert gc["bk_obj_name"] == cobj["bk_obj_name"] and gc["bk_obj_icon"] == cobj["bk_obj_icon"]
    kids = sorted(gb["children"], key=lambda k: k["bk_inst_id"])
    assert [(k["id"], k["bk_inst_id"], k["bk_inst_name"], k["asso_id"], k["bk_obj_id"]) for k in kids] == [
        (str(B[0]["bk_inst_id"]), B[0]["bk_inst_id"], "b1", i1, b),
        (str(B[1]["bk_inst_id"]), B[1]["bk_inst_id"], "b2", i2, b)]
    assert [(k["bk_inst_id"], k["asso_id"], k["bk_obj_name"]) for k in gc["children"]] == [
        (c1["bk_inst_id"], i3, cobj["bk_obj_name"])]
    # no associations as source -> []
    assert ok(client.cc.search_inst_association_topo({"bk_obj_id": c, "bk_inst_id": c2["bk_inst_id"]})) == []
    assert ok(client.cc.search_inst_association_topo({"bk_obj_id": a, "bk_inst_id": A[2]["bk_inst_id"]})) == []
    # errors
    fail(client.cc.search_inst_association_topo({"bk_obj_id": unique("nomodel"), "bk_inst_id": 1}), 1199011)
    resp = fail(client.cc.search_inst_association_topo({"bk_obj_id": a, "bk_inst_id": MISSING_ID}), 1199011)
    assert "bk_inst_id" in resp["message"]
    fail(client.cc.search_inst_association_topo({"bk_obj_id": a, "bk_inst_id": 0}), 1199011)
    fail(client.cc.search_inst_association_topo({"bk_obj_id": a, "bk_inst_id": c1["bk_inst_id"]}), 1199011)


# ====================================================================================================
# search_related_inst_asso


def test_search_related_inst_asso(client, two_models):
    a, b, asst, A, B = two_models
    c = model(client)
    casst = obj_asst(client, c, a)
    c1 = mk(client, c, "c1")
    i1 = link(client, asst, A[0]["bk_inst_id"], B[0]["bk_inst_id"])
    i2 = link(client, asst, A[0]["bk_inst_id"], B[1]["bk_inst_id"])
    i3 = link(client, casst, c1["bk_inst_id"], A[0]["bk_inst_id"])     # A0 as target
    link(client, asst, A[1]["bk_inst_id"], B[1]["bk_inst_id"])          # not about A0

    def rel(fields, page=None, inst=A[0], obj=a):
        body = {"condition": {"bk_inst_id": inst["bk_inst_id"], "bk_obj_id": obj}, "fields": fields}
        if page is not None:
            body["page"] = page
        return ok(client.cc.search_related_inst_asso(body))

    assert rel(["id", "bk_obj_id", "bk_asst_inst_id"]) == [
        {"id": i1, "bk_obj_id": a, "bk_asst_inst_id": B[0]["bk_inst_id"]},
        {"id": i2, "bk_obj_id": a, "bk_asst_inst_id": B[1]["bk_inst_id"]},
        {"id": i3, "bk_obj_id": c, "bk_asst_inst_id": A[0]["bk_inst_id"]}]
    assert rel(["id"], {"start": 1, "limit": 1}) == [{"id": i2}]
    assert rel(["id"], {"start": 0, "limit": 0}) == [{"id": i1}, {"id": i2}, {"id": i3}]
    assert rel(["id"], {"start": 0, "limit": 500}) == [{"id": i1}, {"id": i2}, {"id": i3}]
    assert rel(["id"], inst=B[0], obj=b) == [{"id": i1}]
    assert rel(["id"], inst=A[2]) == []
    # the doc's flat parameter layout is accepted as a fallback
    flat = ok(client.cc.search_related_inst_asso({"bk_inst_id": A[0]["bk_inst_id"], "bk_obj_id": a,
                                                  "fields": ["id"], "start": 0, "limit": 2}))
    assert flat == [{"id": i1}, {"id": i2}]
    # errors
    fail(client.cc.search_related_inst_asso({"condition": {"bk_inst_id": A[0]["bk_inst_id"], "bk_obj_id": a},
                                             "fields": []}), 1199010)
    resp = fail(client.cc.search_related_inst_asso({"condition": {"bk_inst_id": A[0]["bk_inst_id"],
                                                                  "bk_obj_id": a}}), 1199010)
    assert "fields" in resp["message"]
    fail(client.cc.search_related_inst_asso({"condition": {"bk_inst_id": A[0]["bk_inst_id"], "bk_obj_id": a},
                                             "fields": ["id"], "page": {"start": 0, "limit": 501}}), 1199059)
    fail(client.cc.search_related_inst_asso({"condition": {"bk_obj_id": a}, "fields": ["id"]}), 1199010)
    fail(client.cc.search_related_inst_asso({"condition": {"bk_inst_id": A[0]["bk_inst_id"]},
                                             "fields": ["id"]}), 1199010)


# ====================================================================================================
# search_inst_asst_object_inst_base_info


def test_search_inst_asst_object_inst_base_info(client, two_models):
    a, b, asst, A, B = two_models
    for i in range(3):
        link(client, asst, A[0]["bk_inst_id"], B[i]["bk_inst_id"])
    link(client, asst, A[1]["bk_inst_id"], B[0]["bk_inst_id"])

    def base(cond, page=None):
        body = {"condition": cond}
        if page is not None:
            body["page"] = page
        return ok(client.cc.search_inst_asst_object_inst_base_info(body))

    data = base({"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"], "association_obj_id": b})
    assert data["count"] == 3
    assert sorted((r["bk_inst_id"], r["bk_inst_name"]) for r in data["info"]) == [
        (B[0]["bk_inst_id"], "b1"), (B[1]["bk_inst_id"], "b2"), (B[2]["bk_inst_id"], "b3")]
    assert all(set(r) == {"bk_inst_id", "bk_inst_name"} for r in data["info"])
    data = base({"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"], "association_obj_id": b,
                 "is_target_object": False}, {"start": 0, "limit": 2})
    assert data["count"] == 3 and len(data["info"]) == 2
    # the given instance as target: its sources
    data = base({"bk_obj_id": b, "bk_inst_id": B[0]["bk_inst_id"], "association_obj_id": a,
                 "is_target_object": True})
    assert data["count"] == 2
    assert sorted(r["bk_inst_name"] for r in data["info"]) == ["a1", "a2"]
    data = base({"bk_obj_id": a, "bk_inst_id": A[2]["bk_inst_id"], "association_obj_id": b})
    assert data == {"count": 0, "info": []}
    # default page size 20
    many = ok(client.cc.batch_create_inst({"bk_obj_id": b, "details": [{"bk_inst_name": "m%02d" % i}
                                                                      for i in range(22)]}))["success_created"]
    assert len(many) == 22
    created = ok(client.cc.batch_create_instance_association({
        "bk_obj_id": a, "bk_asst_obj_id": b, "bk_obj_asst_id": asst,
        "details": [{"bk_inst_id": A[2]["bk_inst_id"], "bk_asst_inst_id": i} for i in many.values()]}))
    assert len(created["success_created"]) == 22 and created["error_msg"] == {}
    data = base({"bk_obj_id": a, "bk_inst_id": A[2]["bk_inst_id"], "association_obj_id": b})
    assert data["count"] == 22 and len(data["info"]) == 20
    data = base({"bk_obj_id": a, "bk_inst_id": A[2]["bk_inst_id"], "association_obj_id": b},
                {"start": 20, "limit": 1000})
    assert data["count"] == 22 and len(data["info"]) == 2
    # errors
    for cond in ({"bk_inst_id": A[0]["bk_inst_id"], "association_obj_id": b},
                 {"bk_obj_id": a, "association_obj_id": b},
                 {"bk_obj_id": a, "bk_inst_id": 0, "association_obj_id": b},
                 {"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"]}):
        fail(client.cc.search_inst_asst_object_inst_base_info({"condition": cond}), 1199010)
    fail(client.cc.search_inst_asst_object_inst_base_info({
        "condition": {"bk_obj_id": a, "bk_inst_id": A[0]["bk_inst_id"], "association_obj_id": b},
        "page": {"start": 0, "limit": 1001}}), 1199059)
