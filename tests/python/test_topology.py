"""Topology area (endpoints.tsv area `topology`, 33 endpoints): businesses, business sets, sets, modules and the
topology reads.

Spec: /work/shared/spec/topology.md (all sections), kube-project-misc.md (find_biz_sensitive_batch,
update_biz_sensitive, get_biz_location), conventions.md §1-§4 (gateway codes, instance validation codes).
Cross-checked with the server's Rust tests crates/cmdb/tests/topology_api.rs.

Every test creates its own uniquely named businesses, so tests can share one server. No custom mainline level is
created here (that would change the topology of every business). Hosts cannot be created through the API yet, so
the "has hosts" refusals (1101030 / 1101087) are left to the Rust tests.
`find_biz_tree_brief_info` and `get_biz_brief_cache_topo` have no operation in the official client; they are
registered at run time (CLIENT_NOTES.md), as are the model-association endpoints used to build instance
associations for the 1101075 refusals.
"""
import re

import pytest
from bkapi_client_core.base import Operation

from cmdb_helpers import OPERATOR, ZH, fail, new_obj, ok, unique

MISSING_ID = 987654321  # an id no record has
RESOURCE_POOL = 1  # the resource-pool business of a fresh store (topology.md §1)
BUILTIN_BIZ_SET = 9991001
INST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
EXTRA_OPS = ("find_biz_tree_brief_info", "get_biz_brief_cache_topo",  # not in the client (endpoints.tsv: POST)
             "create_object_association", "delete_object_association")
BIZ_BASE = {"bk_biz_maintainer": OPERATOR, "time_zone": "Asia/Shanghai", "language": "1"}
IDLE_EN = ["idle host", "fault host", "recycle host"]
IDLE_ZH = [u"空闲机", u"故障机", u"待回收"]
WIDE = {"start": "2000-01-01 00:00:00", "end": "2999-12-31 23:59:59"}
PAST = {"start": "2000-01-01 00:00:00", "end": "2000-01-02 00:00:00"}
BAD_NAME_CHARS = [" ", "\t", "\\", "|", "/", ":", "*", ",", "<", ">", '"', "?", "#"]


@pytest.fixture(autouse=True)
def _extra_ops(client):
    """Register the operations the official client lacks on the `client` of every test (CLIENT_NOTES.md)."""
    for name in EXTRA_OPS:
        if not hasattr(client.cc, name):
            client.cc.register(name, Operation(method="POST", path="/api/c/compapi{bk_api_ver}/cc/%s/" % name))
    return client


# ====================================================================================================
# helpers


def rule(field, operator, value):
    return {"field": field, "operator": operator, "value": value}


def AND(*rules):
    return {"condition": "AND", "rules": list(rules)}


def biz_body(name=None, **extra):
    data = dict(BIZ_BASE, bk_biz_name=name or unique("biz"))
    data.update(extra)
    return {"data": data}


def new_biz(client, name=None, **extra):
    """create_business; returns the created record."""
    data = ok(client.cc.create_business(biz_body(name, **extra)))
    assert isinstance(data["bk_biz_id"], int) and data["bk_biz_id"] > 0, data
    return data


def find_biz(client, biz_id):
    """The business record (archived ones included), or None."""
    for extra in ({}, {"bk_data_status": "disabled"}):
        cond = dict({"bk_biz_id": biz_id}, **extra)
        rows = ok(client.cc.search_business({"condition": cond}))["info"]
        assert len(rows) <= 1, rows
        if rows:
            return rows[0]
    return None


def biz_by_name(client, name):
    """Businesses (archived ones included) whose name is exactly `name`."""
    out = []
    for extra in ({}, {"bk_data_status": "disabled"}):
        cond = dict({"bk_biz_name": name}, **extra)  # a string is a substring match: filter exactly below
        out += [b for b in ok(client.cc.search_business({"condition": cond}))["info"] if b["bk_biz_name"] == name]
    return out


def all_biz(client):
    """(id, name, status) of every business the caller can see, archived ones included, sorted by id."""
    rows = []
    for cond in ({}, {"bk_data_status": "disabled"}):
        data = ok(client.cc.search_business({"condition": cond,
                                             "fields": ["bk_biz_id", "bk_biz_name", "bk_data_status"]}))
        assert data["count"] == len(data["info"]), data
        rows += [(b["bk_biz_id"], b["bk_biz_name"], b.get("bk_data_status")) for b in data["info"]]
    return sorted(rows)


def archive(client, biz_id):
    assert ok(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "disabled"})) is None


def new_set(client, biz_id, name=None, **extra):
    """create_set under the business; returns the created record."""
    data = dict({"bk_parent_id": biz_id, "bk_set_name": name or unique("set")}, **extra)
    created = ok(client.cc.create_set({"bk_biz_id": biz_id, "data": data}))
    assert isinstance(created["bk_set_id"], int) and created["bk_set_id"] > 0, created
    return created


def new_module(client, biz_id, set_id, name=None, **extra):
    """create_module in the set; returns the created record."""
    data = dict({"bk_parent_id": set_id, "bk_module_name": name or unique("mod")}, **extra)
    created = ok(client.cc.create_module({"bk_biz_id": biz_id, "bk_set_id": set_id, "data": data}))
    assert isinstance(created["bk_module_id"], int) and created["bk_module_id"] > 0, created
    return created


def sets_of(client, biz_id, **body):
    """All sets of the business (search_set, sorted by id)."""
    req = {"bk_biz_id": biz_id, "fields": [], "page": {"start": 0, "limit": 0, "sort": "bk_set_id"}}
    req.update(body)
    data = ok(client.cc.search_set(req))
    assert data["count"] == len(data["info"]), data
    return data["info"]


def modules_of(client, biz_id, set_id=0, **body):
    """All modules of the business or of one set (search_module, sorted by id)."""
    req = {"bk_biz_id": biz_id, "bk_set_id": set_id, "fields": [], "condition": {},
           "page": {"start": 0, "limit": 0, "sort": "bk_module_id"}}
    req.update(body)
    data = ok(client.cc.search_module(req))
    assert data["count"] == len(data["info"]), data
    return data["info"]


def sensitive_of(client, biz_id):
    return ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [biz_id]}))["info"]


def state(client, biz_id):
    """Everything a refused write on this business must leave alone."""
    return {"biz": find_biz(client, biz_id), "sets": sets_of(client, biz_id), "modules": modules_of(client, biz_id),
            "sensitive": sensitive_of(client, biz_id)}


def internal(client, biz_id, headers=None):
    return ok(client.cc.get_biz_internal_module({"bk_biz_id": biz_id}, headers=headers))


def ids(rows, key):
    return [r[key] for r in rows]


# ---- business sets


def new_biz_set(client, name=None, scope=None, **attrs):
    """create_business_set; returns the new id."""
    body = {"bk_biz_set_attr": dict({"bk_biz_set_name": name or unique("bs")}, **attrs),
            "bk_scope": scope or {"match_all": True}}
    set_id = ok(client.cc.create_business_set(body))
    assert isinstance(set_id, int) and not isinstance(set_id, bool) and set_id > 0, set_id
    return set_id


def get_biz_set(client, set_id):
    """The business-set record, or None."""
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": AND(rule("bk_biz_set_id", "equal", set_id)),
                                            "page": {"start": 0, "limit": 10}}))
    assert data["count"] == 0, data  # detail queries never count
    assert len(data["info"]) <= 1, data
    return data["info"][0] if data["info"] else None


def all_biz_sets(client):
    data = ok(client.cc.list_business_set({"page": {"start": 0, "limit": 1000, "sort": "bk_biz_set_id"}}))
    return data["info"]


def scope_ids(*biz_ids):
    return {"match_all": False, "filter": AND(rule("bk_biz_id", "in", list(biz_ids)))}


# ---- instance associations (for the 1101075 refusals)


class Association(object):
    """A model association src_obj -> a fresh custom model, and one instance association src_inst -> its instance.

    Removed again by `drop()` so the built-in models are left as they were."""

    def __init__(self, client, src_obj, src_inst):
        self.client = client
        self.obj = new_obj(client)["bk_obj_id"]
        inst = ok(client.cc.create_inst({"bk_obj_id": self.obj, "bk_inst_name": unique("i")}))
        asst = ok(client.cc.create_object_association({"bk_obj_id": src_obj, "bk_asst_obj_id": self.obj,
                                                        "bk_asst_id": "connect", "mapping": "n:n"}))
        self.model_asst_id = asst["id"]
        self.link_id = ok(client.cc.add_instance_association({"bk_obj_asst_id": asst["bk_obj_asst_id"],
                                                              "bk_inst_id": src_inst,
                                                              "bk_asst_inst_id": inst["bk_inst_id"]}))["id"]

    def links(self):
        """Instance associations still pointing at the custom model's instance."""
        return ok(self.client.cc.search_instance_associations({"bk_obj_id": self.obj,
                                                               "page": {"start": 0, "limit": 10}}))["info"]

    def drop(self):
        self.client.cc.delete_instance_association({"id": self.link_id, "bk_obj_id": self.obj})
        assert self.links() == []
        ok(self.client.cc.delete_object_association({"id": self.model_asst_id}))


@pytest.fixture
def associate(client):
    made = []

    def make(src_obj, src_inst):
        a = Association(client, src_obj, src_inst)
        made.append(a)
        return a

    yield make
    for a in made:  # leave the built-in models without the test's association
        client.cc.delete_instance_association({"id": a.link_id, "bk_obj_id": a.obj})
        client.cc.delete_object_association({"id": a.model_asst_id})


@pytest.fixture
def topo(client):
    """A business with two sets (created b then a) and two modules in the second (zeta then alpha).

    Returns a dict with ids and names; also the idle set and its modules."""
    biz = new_biz(client)
    set_b = new_set(client, biz["bk_biz_id"], "b-" + unique("set"))
    set_a = new_set(client, biz["bk_biz_id"], "a-" + unique("set"))
    m_zeta = new_module(client, biz["bk_biz_id"], set_a["bk_set_id"], "zeta-" + unique("m"))
    m_alpha = new_module(client, biz["bk_biz_id"], set_a["bk_set_id"], "alpha-" + unique("m"))
    idle = internal(client, biz["bk_biz_id"])
    return {"biz": biz["bk_biz_id"], "biz_name": biz["bk_biz_name"],
            "set_b": set_b["bk_set_id"], "set_b_name": set_b["bk_set_name"],
            "set_a": set_a["bk_set_id"], "set_a_name": set_a["bk_set_name"],
            "m_zeta": m_zeta["bk_module_id"], "m_zeta_name": m_zeta["bk_module_name"],
            "m_alpha": m_alpha["bk_module_id"], "m_alpha_name": m_alpha["bk_module_name"],
            "idle_set": idle["bk_set_id"], "idle_modules": ids(idle["module"], "bk_module_id")}


# ====================================================================================================
# create_business


def test_create_business_returns_full_record(client):
    name = unique("biz")
    data = new_biz(client, name, bk_biz_maintainer="admin,bob", bk_biz_productor="carol", life_cycle="1",
                   language="2", time_zone="Europe/Paris")
    assert data["bk_biz_name"] == name
    assert data["bk_biz_maintainer"] == "admin,bob"
    assert data["bk_biz_productor"] == "carol"
    assert data["life_cycle"] == "1"
    assert data["language"] == "2"
    assert data["time_zone"] == "Europe/Paris"
    assert data["default"] == 0
    assert data["bk_supplier_account"] == "0"
    assert INST_TIME.match(data["create_time"]), data
    assert INST_TIME.match(data["last_time"]), data
    # the stored record is the returned one
    stored = find_biz(client, data["bk_biz_id"])
    for k in ("bk_biz_id", "bk_biz_name", "bk_biz_maintainer", "bk_biz_productor", "life_cycle", "language",
              "time_zone", "default", "bk_supplier_account", "create_time"):
        assert stored[k] == data[k], (k, stored, data)


def test_create_business_defaults_and_dropped_fields(client):
    data = new_biz(client, default=1, bk_biz_id=MISSING_ID, no_such_attribute="x")
    assert data["default"] == 0  # value from the caller ignored
    assert data["bk_biz_id"] != MISSING_ID
    assert data["life_cycle"] == "2"  # enum default
    assert "no_such_attribute" not in data
    stored = find_biz(client, data["bk_biz_id"])
    assert stored["default"] == 0 and "no_such_attribute" not in stored
    assert stored.get("bk_data_status") in (None, "", "enable"), stored  # a new business is not archived


def test_create_business_builds_idle_set_and_modules(client):
    biz = new_biz(client)["bk_biz_id"]
    inner = internal(client, biz)
    assert ids(inner["module"], "bk_module_name") == IDLE_EN
    assert ids(inner["module"], "default") == [1, 2, 3]
    assert all(m["host_apply_enabled"] is False for m in inner["module"])
    assert inner["bk_set_name"] == "idle pool"

    sets = sets_of(client, biz)
    assert len(sets) == 1
    idle = sets[0]
    assert idle["bk_set_id"] == inner["bk_set_id"]
    assert idle["bk_set_name"] == "idle pool"
    assert idle["default"] == 1
    assert idle["bk_parent_id"] == biz and idle["bk_biz_id"] == biz
    assert idle["set_template_id"] == 0

    mods = modules_of(client, biz)
    assert ids(mods, "bk_module_id") == ids(inner["module"], "bk_module_id")
    assert ids(mods, "bk_module_name") == IDLE_EN
    assert ids(mods, "default") == [1, 2, 3]
    for m in mods:
        assert m["bk_set_id"] == idle["bk_set_id"] and m["bk_parent_id"] == idle["bk_set_id"], m
        assert m["bk_biz_id"] == biz
        assert m["service_template_id"] == 0 and m["set_template_id"] == 0, m
        assert m["host_apply_enabled"] is False
        assert isinstance(m["service_category_id"], int) and m["service_category_id"] > 0, m
    assert len({m["service_category_id"] for m in mods}) == 1  # all in the "Default" category

    # stored in Chinese, translated for English readers
    zh = internal(client, biz, headers=ZH)
    assert zh["bk_set_name"] == u"空闲机池"
    assert ids(zh["module"], "bk_module_name") == IDLE_ZH
    zh_sets = ok(client.cc.search_set({"bk_biz_id": biz, "fields": ["bk_set_name"]}, headers=ZH))["info"]
    assert zh_sets == [{"bk_set_name": u"空闲机池"}]
    zh_mods = ok(client.cc.search_module({"bk_biz_id": biz, "fields": ["bk_module_name"], "condition": {},
                                          "page": {"sort": "bk_module_id"}}, headers=ZH))["info"]
    assert ids(zh_mods, "bk_module_name") == IDLE_ZH


def test_create_business_name_is_trimmed(client):
    name = unique("trim")
    data = new_biz(client, "  %s  " % name)
    assert data["bk_biz_name"] == name
    assert find_biz(client, data["bk_biz_id"])["bk_biz_name"] == name


def test_create_business_name_length_limit(client):
    tag = unique("long")
    longest = tag + "x" * (256 - len(tag))
    assert ok(client.cc.create_business(biz_body(longest)))["bk_biz_name"] == longest
    before = all_biz(client)
    too_long = tag + "y" * (257 - len(tag))
    fail(client.cc.create_business(biz_body(too_long)), 1199073)
    assert all_biz(client) == before


@pytest.mark.parametrize("char", BAD_NAME_CHARS)
def test_create_business_bad_name_character(client, char):
    before = all_biz(client)
    name = unique("bad") + char + "x"
    fail(client.cc.create_business(biz_body(name)), 1199006)
    assert all_biz(client) == before
    assert biz_by_name(client, name) == []


@pytest.mark.parametrize("name", ["", "   "])
def test_create_business_empty_name(client, name):
    before = all_biz(client)
    fail(client.cc.create_business(biz_body(name=None, bk_biz_name=name)), 1199010)
    assert all_biz(client) == before


@pytest.mark.parametrize("missing", ["bk_biz_name", "bk_biz_maintainer", "time_zone", "language"])
def test_create_business_missing_required(client, missing):
    body = biz_body()
    name = body["data"]["bk_biz_name"]
    del body["data"][missing]
    before = all_biz(client)
    fail(client.cc.create_business(body), 1199010)
    assert all_biz(client) == before
    assert biz_by_name(client, name) == []


def test_create_business_without_data(client):
    before = all_biz(client)
    fail(client.cc.create_business({"bk_biz_name": unique("biz")}), 1199010)
    fail(client.cc.create_business({}), 1199010)  # the client sends no body at all
    fail(client.cc.create_business({"data": "not an object"}), 1199000)
    assert all_biz(client) == before


@pytest.mark.parametrize("field,value", [("life_cycle", "9"), ("language", "3"), ("time_zone", "Asia Shanghai"),
                                         ("bk_biz_maintainer", "not a user!")])
def test_create_business_invalid_attribute_value(client, field, value):
    body = biz_body(**{field: value})
    before = all_biz(client)
    fail(client.cc.create_business(body), 1199011)  # instance validation is wrapped as 1199011 (conventions §3)
    assert all_biz(client) == before
    assert biz_by_name(client, body["data"]["bk_biz_name"]) == []


def test_create_business_duplicate_name(client):
    first = new_biz(client)
    before = all_biz(client)
    fail(client.cc.create_business(biz_body(first["bk_biz_name"])), 1199014)
    assert all_biz(client) == before
    # an archived business keeps its (renamed) name reserved
    archive(client, first["bk_biz_id"])
    archived_name = first["bk_biz_name"] + "-archived"
    before = all_biz(client)
    fail(client.cc.create_business(biz_body(archived_name)), 1199014)
    assert all_biz(client) == before
    # the original name is free again
    again = new_biz(client, first["bk_biz_name"])
    assert again["bk_biz_id"] != first["bk_biz_id"]


@pytest.mark.parametrize("name", [u"蓝鲸", u"资源池"])
def test_create_business_builtin_name_taken(client, name):
    """The built-in business and the resource pool hold their names too."""
    before = all_biz(client)
    fail(client.cc.create_business(biz_body(name)), 1199014)
    assert all_biz(client) == before


# ====================================================================================================
# update_business


def test_update_business(client):
    biz = new_biz(client)
    biz_id = biz["bk_biz_id"]
    renamed = unique("ren")
    assert ok(client.cc.update_business({"bk_biz_id": biz_id, "data": {
        "bk_biz_name": renamed, "life_cycle": "3", "bk_biz_maintainer": "alice,bob", "bk_biz_tester": "tess",
        # dropped: non-editable attributes, ids, default, archive state, tenant, unknown attributes
        "time_zone": "Europe/Paris", "language": "2",
        "bk_biz_id": MISSING_ID, "bk_parent_id": 5, "default": 1, "bk_data_status": "disabled",
        "bk_supplier_account": "other", "no_such_attribute": 1}})) is None
    got = find_biz(client, biz_id)
    assert got["bk_biz_id"] == biz_id
    assert got["bk_biz_name"] == renamed
    assert got["life_cycle"] == "3"
    assert got["bk_biz_maintainer"] == "alice,bob"
    assert got["bk_biz_tester"] == "tess"
    assert got["default"] == 0
    assert got["bk_supplier_account"] == "0"
    assert got.get("bk_data_status") != "disabled"
    assert "no_such_attribute" not in got
    assert got["time_zone"] == "Asia/Shanghai" and got["language"] == "1"  # not editable
    assert got["create_time"] == biz["create_time"]
    assert got["last_time"] >= biz["last_time"]
    # still listed normally (not archived)
    assert ids(ok(client.cc.search_business({"condition": {"bk_biz_id": biz_id}}))["info"], "bk_biz_id") == [biz_id]
    assert ok(client.cc.search_business({"condition": {"bk_biz_id": MISSING_ID}}))["info"] == []


def test_update_business_same_name_and_empty_data(client):
    biz = new_biz(client)
    assert ok(client.cc.update_business({"bk_biz_id": biz["bk_biz_id"],
                                         "data": {"bk_biz_name": biz["bk_biz_name"]}})) is None
    assert ok(client.cc.update_business({"bk_biz_id": biz["bk_biz_id"], "data": {}})) is None
    assert find_biz(client, biz["bk_biz_id"])["bk_biz_name"] == biz["bk_biz_name"]


@pytest.mark.parametrize("data,code", [
    ({"bk_biz_name": "a/b"}, 1199006),
    ({"bk_biz_name": "a b"}, 1199006),
    ({"bk_biz_name": ""}, 1199010),
    ({"bk_biz_name": "z" * 257}, 1199073),
    ({"life_cycle": "7"}, 1199011),
    ({"bk_biz_maintainer": "not a user!", "bk_biz_name": unique("never")}, 1199011),
])
def test_update_business_invalid(client, data, code):
    biz_id = new_biz(client)["bk_biz_id"]
    before = state(client, biz_id)
    fail(client.cc.update_business({"bk_biz_id": biz_id, "data": data}), code)
    assert state(client, biz_id) == before


def test_update_business_name_clash(client):
    other = new_biz(client)
    biz_id = new_biz(client)["bk_biz_id"]
    before = state(client, biz_id)
    fail(client.cc.update_business({"bk_biz_id": biz_id, "data": {"bk_biz_name": other["bk_biz_name"]}}), 1199014)
    fail(client.cc.update_business({"bk_biz_id": biz_id, "data": {"bk_biz_name": u"蓝鲸"}}), 1199014)
    assert state(client, biz_id) == before
    # clash with an archived name
    archive(client, other["bk_biz_id"])
    fail(client.cc.update_business({"bk_biz_id": biz_id, "data": {"bk_biz_name": other["bk_biz_name"] + "-archived"}}),
         1199014)
    assert state(client, biz_id) == before


def test_update_business_unknown_and_missing_id(client):
    before = all_biz(client)
    fail(client.cc.update_business({"bk_biz_id": MISSING_ID, "data": {"life_cycle": "1"}}), 1199019)
    fail(client.cc.update_business({"data": {"life_cycle": "1"}}), 1306406)
    assert all_biz(client) == before


# ====================================================================================================
# update_business_enable_status


def test_archive_and_restore(client):
    biz = new_biz(client)
    biz_id, name = biz["bk_biz_id"], biz["bk_biz_name"]
    archive(client, biz_id)
    # hidden by default, visible when asked for
    assert ok(client.cc.search_business({"condition": {"bk_biz_id": biz_id}})) == {"count": 0, "info": []}
    shown = ok(client.cc.search_business({"condition": {"bk_biz_id": biz_id, "bk_data_status": "disabled"}}))
    assert shown["count"] == 1
    assert shown["info"][0]["bk_biz_name"] == name + "-archived"
    assert shown["info"][0]["bk_data_status"] == "disabled"
    # the topology stays in place
    assert len(sets_of(client, biz_id)) == 1 and len(modules_of(client, biz_id)) == 3

    # restore: the archived name is kept
    assert ok(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "enable"})) is None
    got = ok(client.cc.search_business({"condition": {"bk_biz_id": biz_id}}))["info"]
    assert len(got) == 1
    assert got[0]["bk_biz_name"] == name + "-archived"
    assert got[0]["bk_data_status"] == "enable"

    # archiving again appends another suffix to the current name
    archive(client, biz_id)
    assert find_biz(client, biz_id)["bk_biz_name"] == name + "-archived-archived"

    # restore under a new name
    back = unique("back")
    assert ok(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "enable",
                                                        "bk_biz_name": back})) is None
    got = find_biz(client, biz_id)
    assert got["bk_biz_name"] == back and got["bk_data_status"] == "enable"
    assert ids(ok(client.cc.search_business({"condition": {"bk_biz_id": biz_id}}))["info"], "bk_biz_id") == [biz_id]


def test_archive_numbered_suffix(client):
    name = unique("same")
    first = new_biz(client, name)["bk_biz_id"]
    archive(client, first)
    assert find_biz(client, first)["bk_biz_name"] == name + "-archived"
    second = new_biz(client, name)["bk_biz_id"]
    archive(client, second)
    assert find_biz(client, second)["bk_biz_name"] == name + "-archived-1"
    # N = 1 + the largest numeric suffix in use (any business, archived or not)
    new_biz(client, name + "-archived-7")
    third = new_biz(client, name)["bk_biz_id"]
    archive(client, third)
    assert find_biz(client, third)["bk_biz_name"] == name + "-archived-8"
    assert find_biz(client, first)["bk_biz_name"] == name + "-archived"  # others untouched


def test_enable_status_bad_flag_and_unknown_biz(client):
    biz_id = new_biz(client)["bk_biz_id"]
    before = state(client, biz_id)
    fail(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "sleep"}), 1199011)
    fail(client.cc.update_business_enable_status({"bk_biz_id": biz_id}), 1306406)
    fail(client.cc.update_business_enable_status({"flag": "disabled"}), 1306406)
    assert state(client, biz_id) == before
    all_before = all_biz(client)
    fail(client.cc.update_business_enable_status({"bk_biz_id": MISSING_ID, "flag": "enable"}), 1199019)
    fail(client.cc.update_business_enable_status({"bk_biz_id": MISSING_ID, "flag": "disabled"}), 1199019)
    assert all_biz(client) == all_before


def test_enable_with_bad_or_taken_name(client):
    other = new_biz(client)
    biz_id = new_biz(client)["bk_biz_id"]
    archive(client, biz_id)
    before = state(client, biz_id)
    fail(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "enable",
                                                  "bk_biz_name": other["bk_biz_name"]}), 1199014)
    fail(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "enable",
                                                  "bk_biz_name": "a b"}), 1199006)
    after = state(client, biz_id)
    assert after == before
    assert after["biz"]["bk_data_status"] == "disabled"  # still archived


def test_archive_refused_with_instance_association(client, associate):
    biz_id = new_biz(client)["bk_biz_id"]
    asst = associate("biz", biz_id)
    before = state(client, biz_id)
    fail(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "disabled"}), 1101075)
    assert state(client, biz_id) == before
    asst.drop()
    archive(client, biz_id)
    assert find_biz(client, biz_id)["bk_data_status"] == "disabled"


# ====================================================================================================
# delete_business


def test_delete_business_cascade(client, associate):
    biz = new_biz(client)
    biz_id = biz["bk_biz_id"]
    s = new_set(client, biz_id)["bk_set_id"]
    m = new_module(client, biz_id, s)["bk_module_id"]
    set_asst, module_asst = associate("set", s), associate("module", m)
    assert ok(client.cc.update_biz_sensitive({"bk_biz_id": biz_id, "bk_product_id": 7})) is None
    archive(client, biz_id)
    assert ok(client.cc.delete_business({"bk_biz_id": biz_id})) is None
    # instance associations of its sets and modules went with them
    assert set_asst.links() == [] and module_asst.links() == []

    assert find_biz(client, biz_id) is None
    assert sets_of(client, biz_id) == []
    assert modules_of(client, biz_id) == []
    assert ok(client.cc.find_set_batch({"bk_biz_id": biz_id, "bk_ids": [s], "fields": ["bk_set_id"]})) == []
    assert ok(client.cc.find_module_batch({"bk_biz_id": biz_id, "bk_ids": [m], "fields": ["bk_module_id"]})) == []
    assert ok(client.cc.search_biz_inst_topo({"bk_biz_id": biz_id})) == []
    assert ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [biz_id]}))["info"] == []
    assert ok(client.cc.get_biz_location({"bk_biz_ids": [biz_id]})) == []
    # the archived name is free again
    assert new_biz(client, biz["bk_biz_name"] + "-archived")["bk_biz_id"] != biz_id
    # deleting again: no-op success
    assert ok(client.cc.delete_business({"bk_biz_id": biz_id})) is None
    assert ok(client.cc.delete_business({"bk_biz_id": MISSING_ID})) is None


def test_delete_business_refusals(client):
    biz_id = new_biz(client)["bk_biz_id"]
    new_set(client, biz_id)
    before = state(client, biz_id)
    fail(client.cc.delete_business({"bk_biz_id": biz_id}), 1101112)  # not archived
    assert state(client, biz_id) == before
    fail(client.cc.delete_business({}), 1306406)
    all_before = all_biz(client)
    fail(client.cc.delete_business({"bk_biz_id": RESOURCE_POOL}), 1101111)
    assert all_biz(client) == all_before
    assert ok(client.cc.get_biz_location({"bk_biz_ids": [RESOURCE_POOL]})) == [
        {"bk_biz_id": RESOURCE_POOL, "bk_location": "v3.0"}]  # still there


def test_delete_business_after_restore_refused(client):
    biz_id = new_biz(client)["bk_biz_id"]
    archive(client, biz_id)
    ok(client.cc.update_business_enable_status({"bk_biz_id": biz_id, "flag": "enable"}))
    before = state(client, biz_id)
    fail(client.cc.delete_business({"bk_biz_id": biz_id}), 1101112)
    assert state(client, biz_id) == before


# ====================================================================================================
# search_business


def test_search_business_name_is_case_insensitive_substring(client):
    tag = unique("srch")
    a = new_biz(client, tag + "_Alpha")["bk_biz_id"]
    b = new_biz(client, tag + "_beta")["bk_biz_id"]
    found = ok(client.cc.search_business({"condition": {"bk_biz_name": tag.upper()}, "fields": ["bk_biz_id"],
                                          "page": {"sort": "bk_biz_id"}}))
    assert found == {"count": 2, "info": [{"bk_biz_id": a}, {"bk_biz_id": b}]}
    found = ok(client.cc.search_business({"condition": {"bk_biz_name": tag + "_ALP"}, "fields": ["bk_biz_id"]}))
    assert found == {"count": 1, "info": [{"bk_biz_id": a}]}


def test_search_business_name_metacharacters_are_literal(client):
    tag = unique("meta")
    dot = new_biz(client, tag + ".q(a+)[x]$")["bk_biz_id"]
    new_biz(client, tag + "Xqaa")  # what an unescaped regex `.q(a+)` would match
    for needle in (tag + ".q", ".q(a+)", "(a+)[x]$", "[x]"):
        found = ok(client.cc.search_business({"condition": {"bk_biz_name": needle}, "fields": ["bk_biz_id"]}))
        assert found["info"] == [{"bk_biz_id": dot}], (needle, found)


def test_search_business_user_fields_match_members(client):
    u1, u2 = unique("u"), unique("u")
    both = new_biz(client, bk_biz_maintainer="%s,%s" % (u1, u2))["bk_biz_id"]
    only2 = new_biz(client, bk_biz_maintainer=u2)["bk_biz_id"]
    new_biz(client, bk_biz_maintainer=u1 + "x")  # u1 only as a substring

    def match(value):
        data = ok(client.cc.search_business({"condition": {"bk_biz_maintainer": value}, "fields": ["bk_biz_id"],
                                             "page": {"sort": "bk_biz_id"}}))
        return ids(data["info"], "bk_biz_id")

    assert match(u1) == [both]
    assert match(u2) == [both, only2]
    assert match("%s,%s" % (u2, u1)) == [both]  # every listed user must be a member
    assert match(u1[:-2]) == []  # no substring match on user fields
    # combined with another key (AND)
    data = ok(client.cc.search_business({"condition": {"bk_biz_maintainer": u2, "bk_biz_id": only2}}))
    assert ids(data["info"], "bk_biz_id") == [only2]


def test_search_business_fields_page_sort(client):
    tag = unique("pg")
    made = [new_biz(client, "%s_%d" % (tag, i))["bk_biz_id"] for i in range(3)]
    body = {"condition": {"bk_biz_name": tag}, "fields": ["bk_biz_id", "bk_biz_name"]}
    data = ok(client.cc.search_business(dict(body, page={"start": 0, "limit": 10, "sort": "bk_biz_id"})))
    assert data["count"] == 3
    assert data["info"] == [{"bk_biz_id": b, "bk_biz_name": "%s_%d" % (tag, i)} for i, b in enumerate(made)]
    data = ok(client.cc.search_business(dict(body, page={"start": 1, "limit": 1, "sort": "-bk_biz_id"})))
    assert data == {"count": 3, "info": [{"bk_biz_id": made[1], "bk_biz_name": "%s_1" % tag}]}
    data = ok(client.cc.search_business(dict(body, page={"start": 0, "limit": 2, "sort": "-bk_biz_name"})))
    assert ids(data["info"], "bk_biz_id") == [made[2], made[1]] and data["count"] == 3
    data = ok(client.cc.search_business(dict(body, page={"start": 5, "limit": 10})))
    assert data == {"count": 3, "info": []}


def test_search_business_id_forms(client):
    a = new_biz(client)["bk_biz_id"]
    b = new_biz(client)["bk_biz_id"]
    for cond, want in (({"bk_biz_id": a}, [a]), ({"bk_biz_id": {"$eq": b}}, [b]),
                       ({"bk_biz_id": {"$in": [b, a, MISSING_ID]}}, [a, b])):
        data = ok(client.cc.search_business({"condition": cond, "fields": ["bk_biz_id"],
                                             "page": {"sort": "bk_biz_id"}}))
        assert ids(data["info"], "bk_biz_id") == want, cond


@pytest.mark.parametrize("value", [str(RESOURCE_POOL), [1, 2], {"$gt": 1}, {"$ne": 1}, None])
def test_search_business_bad_id_shape(client, value):
    fail(client.cc.search_business({"condition": {"bk_biz_id": value}}), 1199006)


def test_search_business_property_filter(client):
    tag = unique("flt")
    a = new_biz(client, tag + "_a", life_cycle="1")["bk_biz_id"]
    b = new_biz(client, tag + "_b", life_cycle="3")["bk_biz_id"]
    data = ok(client.cc.search_business({"biz_property_filter": AND(rule("bk_biz_name", "equal", tag + "_a")),
                                         "fields": ["bk_biz_id"]}))
    assert data == {"count": 1, "info": [{"bk_biz_id": a}]}
    flt = AND(rule("bk_biz_name", "begins_with", tag),
              {"condition": "OR", "rules": [rule("life_cycle", "equal", "3"), rule("bk_biz_id", "equal", MISSING_ID)]})
    data = ok(client.cc.search_business({"biz_property_filter": flt, "fields": ["bk_biz_id"]}))
    assert data == {"count": 1, "info": [{"bk_biz_id": b}]}
    data = ok(client.cc.search_business({"biz_property_filter": AND(rule("bk_biz_id", "in", [a, b])),
                                         "fields": ["bk_biz_id"], "page": {"sort": "-bk_biz_id"}}))
    assert ids(data["info"], "bk_biz_id") == [b, a]


@pytest.mark.parametrize("body", [
    {"condition": {"bk_biz_name": "x"}, "biz_property_filter": AND(rule("bk_biz_name", "equal", "x"))},
    {"biz_property_filter": AND(rule("bk_biz_name", "between", ["a", "b"]))},
    {"biz_property_filter": AND(rule("bk_biz_name", "no_such_op", "a"))},
    {"biz_property_filter": {"condition": "XOR", "rules": [rule("bk_biz_name", "equal", "a")]}},
    {"biz_property_filter": AND(AND(AND(rule("bk_biz_name", "equal", "a"))))},  # depth 4
    # > 20 rules in an OR group (conventions.md §5.2: the limit is on OR groups)
    {"biz_property_filter": {"condition": "OR", "rules": [rule("bk_biz_id", "equal", i) for i in range(21)]}},
    {"biz_property_filter": {"condition": "AND", "rules": []}},
    {"biz_property_filter": AND(rule("bk_biz_id", "in", list(range(501))))},  # > 500 elements
])
def test_search_business_invalid_filter(client, body):
    fail(client.cc.search_business(body), 1199006)


def test_search_business_hides_resource_pool_and_archived(client):
    live = new_biz(client)["bk_biz_id"]
    gone = new_biz(client)["bk_biz_id"]
    archive(client, gone)
    every = ok(client.cc.search_business({"fields": ["bk_biz_id", "default"]}))["info"]
    listed = ids(every, "bk_biz_id")
    assert live in listed and gone not in listed and RESOURCE_POOL not in listed
    assert all(b["default"] == 0 for b in every)
    assert ok(client.cc.search_business({"condition": {"default": 1}}))["info"] == []
    assert ok(client.cc.search_business({"condition": {"bk_biz_id": RESOURCE_POOL}}))["info"] == []
    pool = ok(client.cc.search_business({"condition": {"bk_biz_name": u"资源池"}}))["info"]
    assert RESOURCE_POOL not in ids(pool, "bk_biz_id") and all(b["default"] == 0 for b in pool)
    archived = ok(client.cc.search_business({"condition": {"bk_data_status": "disabled"}, "fields": ["bk_biz_id"]}))
    assert gone in ids(archived["info"], "bk_biz_id") and live not in ids(archived["info"], "bk_biz_id")
    # a user constraint on bk_data_status replaces the default exclusion
    either = ok(client.cc.search_business({"condition": {"bk_biz_id": {"$in": [live, gone]},
                                                         "bk_data_status": {"$in": ["disabled", "enable"]}},
                                           "fields": ["bk_biz_id"]}))
    assert gone in ids(either["info"], "bk_biz_id")


def test_search_business_time_condition(client):
    biz = new_biz(client)["bk_biz_id"]
    for field in ("create_time", "last_time"):
        data = ok(client.cc.search_business({"condition": {"bk_biz_id": biz}, "time_condition": {
            "oper": "and", "rules": [dict(WIDE, field=field)]}}))
        assert ids(data["info"], "bk_biz_id") == [biz]
        data = ok(client.cc.search_business({"condition": {"bk_biz_id": biz}, "time_condition": {
            "oper": "and", "rules": [dict(PAST, field=field)]}}))
        assert data == {"count": 0, "info": []}


# ====================================================================================================
# find_biz_sensitive_batch / update_biz_sensitive / get_biz_location


def test_biz_sensitive_roundtrip(client):
    a = new_biz(client)["bk_biz_id"]
    b = new_biz(client)["bk_biz_id"]
    assert ok(client.cc.update_biz_sensitive({"bk_biz_id": a, "bk_product_id": 123})) is None
    assert ok(client.cc.update_biz_sensitive({"bk_biz_id": a, "bk_obs_tag": "x"})) is None  # merged
    assert ok(client.cc.update_biz_sensitive({"bk_biz_id": b, "bk_product_id": 5})) is None
    assert ok(client.cc.update_biz_sensitive({"bk_biz_id": b, "bk_product_id": 6})) is None  # replaced
    got = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [a, MISSING_ID, b]}))
    assert got["count"] == 2
    by_id = {r["bk_biz_id"]: r for r in got["info"]}
    assert by_id == {a: {"bk_biz_id": a, "bk_product_id": 123, "bk_obs_tag": "x"},
                     b: {"bk_biz_id": b, "bk_product_id": 6}}
    # fields projection
    some = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [a], "fields": ["bk_product_id"]}))
    assert some["info"] == [{"bk_product_id": 123}]
    some = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [a], "fields": ["bk_biz_id", "bk_obs_tag"]}))
    assert some["info"] == [{"bk_biz_id": a, "bk_obs_tag": "x"}]
    # paging
    p1 = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [a, b], "page": {"start": 0, "limit": 1}}))
    p2 = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [a, b], "page": {"start": 1, "limit": 1}}))
    assert p1["count"] == 2 and p2["count"] == 2
    assert len(p1["info"]) == 1 and len(p2["info"]) == 1
    assert sorted(ids(p1["info"] + p2["info"], "bk_biz_id")) == sorted([a, b])


def test_find_biz_sensitive_batch_business_without_data(client):
    biz = new_biz(client)["bk_biz_id"]
    got = ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [biz]}))
    assert got == {"count": 1, "info": [{"bk_biz_id": biz}]}
    assert ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [MISSING_ID]})) == {"count": 0, "info": []}


def test_update_biz_sensitive_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    ok(client.cc.update_biz_sensitive({"bk_biz_id": biz, "bk_product_id": 1}))
    before = state(client, biz)
    fail(client.cc.update_biz_sensitive({"bk_biz_id": MISSING_ID, "bk_product_id": 1}), 1199019)
    fail(client.cc.update_biz_sensitive({"bk_biz_id": biz}), 1199005)
    assert state(client, biz) == before
    assert ok(client.cc.find_biz_sensitive_batch({"bk_biz_ids": [MISSING_ID]}))["info"] == []


def test_find_biz_sensitive_batch_errors(client):
    fail(client.cc.find_biz_sensitive_batch({"bk_biz_ids": []}), 1199010)
    fail(client.cc.find_biz_sensitive_batch({}), 1199010)


def test_get_biz_location(client):
    a = new_biz(client)["bk_biz_id"]
    b = new_biz(client)["bk_biz_id"]
    got = ok(client.cc.get_biz_location({"bk_biz_ids": [a, MISSING_ID, b]}))
    assert sorted(got, key=lambda r: r["bk_biz_id"]) == [{"bk_biz_id": a, "bk_location": "v3.0"},
                                                           {"bk_biz_id": b, "bk_location": "v3.0"}]
    archive(client, b)  # archived businesses still live in v3.0
    assert ok(client.cc.get_biz_location({"bk_biz_ids": [b]})) == [{"bk_biz_id": b, "bk_location": "v3.0"}]
    assert ok(client.cc.get_biz_location({"bk_biz_ids": [MISSING_ID]})) == []
    fail(client.cc.get_biz_location({}), 1199010)


# ====================================================================================================
# create_business_set / list_business_set


def test_create_business_set_and_list(client):
    biz = new_biz(client)["bk_biz_id"]
    name = unique("bs")
    scope = scope_ids(biz)
    set_id = new_biz_set(client, name, scope, bk_biz_maintainer="admin", bk_biz_set_desc="dba",
                         no_such_attribute="x")
    rec = get_biz_set(client, set_id)
    assert rec["bk_biz_set_id"] == set_id
    assert rec["bk_biz_set_name"] == name
    assert rec["bk_biz_maintainer"] == "admin"
    assert rec["bk_biz_set_desc"] == "dba"
    assert rec["default"] == 0
    assert rec["bk_scope"] == scope
    assert rec["bk_supplier_account"] == "0"
    assert INST_TIME.match(rec["create_time"]) and INST_TIME.match(rec["last_time"]), rec
    assert "no_such_attribute" not in rec
    # projection
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": AND(rule("bk_biz_set_name", "equal", name)),
                                           "fields": ["bk_biz_set_id", "bk_biz_set_name"],
                                           "page": {"start": 0, "limit": 10}}))
    assert data == {"count": 0, "info": [{"bk_biz_set_id": set_id, "bk_biz_set_name": name}]}
    # its businesses
    inside = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                         "page": {"start": 0, "limit": 10}}))
    assert inside["info"] == [{"bk_biz_id": biz}]


def test_create_business_set_enum_scope(client):
    tag = unique("enumscope")
    stopped = new_biz(client, tag + "_s", life_cycle="3")["bk_biz_id"]
    testing = new_biz(client, tag + "_t", life_cycle="1")["bk_biz_id"]
    scope = {"match_all": False, "filter": AND(rule("life_cycle", "equal", "3"))}
    set_id = new_biz_set(client, scope=scope)
    mine = AND(rule("bk_biz_id", "in", [stopped, testing]))
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "filter": mine,
                                                       "fields": ["bk_biz_id"], "page": {"start": 0, "limit": 10}}))
    assert data["info"] == [{"bk_biz_id": stopped}]
    # enum `in` with a string array, combined with bk_biz_id
    scope = {"match_all": False, "filter": AND(rule("life_cycle", "in", ["1", "3"]), rule("bk_biz_id", "in",
                                                                                           [stopped, testing]))}
    set_id = new_biz_set(client, scope=scope)
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                       "page": {"start": 0, "limit": 10, "sort": "bk_biz_id"}}))
    assert ids(data["info"], "bk_biz_id") == [stopped, testing]
    assert get_biz_set(client, set_id)["bk_scope"] == scope


@pytest.mark.parametrize("body", [
    # match_all with a filter
    {"bk_scope": {"match_all": True, "filter": AND(rule("bk_biz_id", "in", [1]))}},
    # no filter without match_all
    {"bk_scope": {"match_all": False}},
    # OR group, nested group
    {"bk_scope": {"match_all": False, "filter": {"condition": "OR", "rules": [rule("bk_biz_id", "equal", 1)]}}},
    {"bk_scope": {"match_all": False, "filter": AND(AND(rule("bk_biz_id", "equal", 1)))}},
    # field neither enum / organization nor bk_biz_id
    {"bk_scope": {"match_all": False, "filter": AND(rule("bk_biz_name", "equal", "a"))}},
    # operator other than equal / in
    {"bk_scope": {"match_all": False, "filter": AND(rule("life_cycle", "not_equal", "1"))}},
    # enum value not a string
    {"bk_scope": {"match_all": False, "filter": AND(rule("life_cycle", "equal", 1))}},
    # missing parts
    {"bk_scope": None},
    {"bk_biz_set_attr": None},
    {"bk_biz_set_attr": {"bk_biz_set_name": ""}},
    {"bk_biz_set_attr": {"bk_biz_set_desc": "no name"}},
])
def test_create_business_set_invalid(client, body):
    req = {"bk_biz_set_attr": {"bk_biz_set_name": unique("bs")}, "bk_scope": {"match_all": True}}
    for k, v in body.items():
        if v is None:
            del req[k]
        else:
            req[k] = v
    before = all_biz_sets(client)
    fail(client.cc.create_business_set(req), 1199006)
    assert all_biz_sets(client) == before


def test_create_business_set_duplicate_name(client):
    name = unique("bs")
    new_biz_set(client, name)
    before = all_biz_sets(client)
    fail(client.cc.create_business_set({"bk_biz_set_attr": {"bk_biz_set_name": name},
                                        "bk_scope": {"match_all": True}}), 1101118)
    fail(client.cc.create_business_set({"bk_biz_set_attr": {"bk_biz_set_name": "BlueKing"},
                                        "bk_scope": {"match_all": True}}), 1101118)
    assert all_biz_sets(client) == before


def test_list_business_set_filter_sort_count(client):
    tag = unique("lbs")
    made = [new_biz_set(client, "%s_%d" % (tag, i)) for i in range(3)]
    flt = AND(rule("bk_biz_set_name", "begins_with", tag))
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": flt, "fields": ["bk_biz_set_id"],
                                           "page": {"start": 0, "limit": 10}}))
    assert data == {"count": 0, "info": [{"bk_biz_set_id": i} for i in made]}  # default sort: id
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": flt, "fields": ["bk_biz_set_id"],
                                           "page": {"start": 1, "limit": 1, "sort": "-bk_biz_set_id"}}))
    assert data["info"] == [{"bk_biz_set_id": made[1]}]
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": flt, "page": {"enable_count": True}}))
    assert data == {"count": 3, "info": []}
    either = {"condition": "OR", "rules": [rule("bk_biz_set_id", "equal", made[0]),
                                           rule("bk_biz_set_name", "equal", "%s_2" % tag)]}
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": either, "fields": ["bk_biz_set_id"],
                                           "page": {"start": 0, "limit": 10}}))
    assert ids(data["info"], "bk_biz_set_id") == [made[0], made[2]]
    # time condition
    by_id = AND(rule("bk_biz_set_id", "equal", made[0]))
    for window, want in ((WIDE, [made[0]]), (PAST, [])):
        data = ok(client.cc.list_business_set({
            "bk_biz_set_filter": by_id, "page": {"start": 0, "limit": 10},
            "time_condition": {"oper": "and", "rules": [dict(window, field="create_time")]}}))
        assert ids(data["info"], "bk_biz_set_id") == want
    # no match: an empty list, not null
    data = ok(client.cc.list_business_set({"bk_biz_set_filter": AND(rule("bk_biz_set_id", "equal", MISSING_ID)),
                                           "page": {"start": 0, "limit": 10}}))
    assert data == {"count": 0, "info": []}


def test_list_business_set_builtin(client):
    rec = get_biz_set(client, BUILTIN_BIZ_SET)
    assert rec["bk_biz_set_name"] == "BlueKing"
    assert rec["default"] == 1
    assert rec["bk_biz_maintainer"] == "admin"
    assert rec["bk_scope"] == {"match_all": True}


def test_list_business_set_limit(client):
    data = ok(client.cc.list_business_set({"page": {"start": 0, "limit": 1000}, "fields": ["bk_biz_set_id"]}))
    assert BUILTIN_BIZ_SET in ids(data["info"], "bk_biz_set_id")
    fail(client.cc.list_business_set({"page": {"start": 0, "limit": 1001}}), 1199006)


@pytest.mark.parametrize("page", [{"enable_count": True, "limit": 10}, {"enable_count": True, "start": 1},
                                  {"enable_count": True, "sort": "bk_biz_set_id"}])
def test_list_business_set_count_with_paging(client, page):
    """topology.md §0: with enable_count=true start/limit/sort must be zero/empty."""
    fail(client.cc.list_business_set({"page": page}), 1199006)


def test_list_business_set_negative_start(client):
    fail(client.cc.list_business_set({"page": {"start": -1, "limit": 10}}), 1199006)


# ====================================================================================================
# batch_update_business_set


def test_batch_update_business_set(client):
    a, b = new_biz(client)["bk_biz_id"], new_biz(client)["bk_biz_id"]
    set_id = new_biz_set(client, scope=scope_ids(a))
    renamed = unique("bs2")
    new_scope = scope_ids(b)
    assert ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [set_id], "data": {
        "bk_biz_set_attr": {"bk_biz_set_name": renamed, "bk_biz_set_desc": "d", "bk_biz_maintainer": "tom",
                            "default": 1, "no_such_attribute": 1},
        "bk_scope": new_scope}})) is None
    rec = get_biz_set(client, set_id)
    assert rec["bk_biz_set_name"] == renamed
    assert rec["bk_biz_set_desc"] == "d"
    assert rec["bk_biz_maintainer"] == "tom"
    assert rec["bk_scope"] == new_scope
    assert rec["default"] == 0
    assert "no_such_attribute" not in rec
    inside = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                         "page": {"start": 0, "limit": 10}}))
    assert inside["info"] == [{"bk_biz_id": b}]
    # only the scope
    ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [set_id], "data": {"bk_scope": {"match_all": True}}}))
    assert get_biz_set(client, set_id)["bk_scope"] == {"match_all": True}
    assert get_biz_set(client, set_id)["bk_biz_set_name"] == renamed


def test_batch_update_business_set_many(client):
    s1, s2 = new_biz_set(client), new_biz_set(client)
    ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [s1, s2],
                                            "data": {"bk_biz_set_attr": {"bk_biz_set_desc": "shared"}}}))
    assert get_biz_set(client, s1)["bk_biz_set_desc"] == "shared"
    assert get_biz_set(client, s2)["bk_biz_set_desc"] == "shared"
    # the built-in set's attributes (not its scope) may change
    before = get_biz_set(client, BUILTIN_BIZ_SET)
    ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [BUILTIN_BIZ_SET],
                                            "data": {"bk_biz_set_attr": {
                                                "bk_biz_set_desc": before["bk_biz_set_desc"]}}}))
    assert get_biz_set(client, BUILTIN_BIZ_SET)["bk_biz_set_desc"] == before["bk_biz_set_desc"]


def test_batch_update_business_set_errors(client):
    taken = unique("bs")
    new_biz_set(client, taken)
    s1, s2 = new_biz_set(client), new_biz_set(client)
    before = all_biz_sets(client)
    cases = [
        ({"bk_biz_set_ids": [], "data": {"bk_biz_set_attr": {"bk_biz_set_desc": "x"}}}, 1199010),
        ({"data": {"bk_biz_set_attr": {"bk_biz_set_desc": "x"}}}, 1199010),
        ({"bk_biz_set_ids": [s1]}, 1199010),
        ({"bk_biz_set_ids": [s1], "data": {}}, 1199010),
        ({"bk_biz_set_ids": [s1, s2], "data": {"bk_biz_set_attr": {"bk_biz_set_name": unique("x")}}}, 1199006),
        ({"bk_biz_set_ids": [s1, s2], "data": {"bk_scope": {"match_all": True}}}, 1199006),
        ({"bk_biz_set_ids": [BUILTIN_BIZ_SET], "data": {"bk_scope": {"match_all": True}}}, 1101116),
        ({"bk_biz_set_ids": [s1], "data": {"bk_biz_set_attr": {"bk_biz_set_name": taken}}}, 1199014),
        ({"bk_biz_set_ids": [s1], "data": {"bk_biz_set_attr": {"bk_biz_set_name": "BlueKing"}}}, 1199014),
        ({"bk_biz_set_ids": [s1], "data": {"bk_scope": {"match_all": False}}}, 1199006),
        ({"bk_biz_set_ids": [s1], "data": {"bk_scope": {"match_all": False, "filter": AND(
            rule("bk_biz_name", "equal", "a"))}}}, 1199006),
        ({"bk_biz_set_ids": list(range(1, 202)), "data": {"bk_biz_set_attr": {"bk_biz_set_desc": "x"}}}, 1199035),
    ]
    for body, code in cases:
        fail(client.cc.batch_update_business_set(body), code)
        assert all_biz_sets(client) == before, body


# ====================================================================================================
# batch_delete_business_set


def test_batch_delete_business_set(client):
    biz = new_biz(client)["bk_biz_id"]
    s1 = new_biz_set(client, scope=scope_ids(biz))
    s2 = new_biz_set(client)
    keep = new_biz_set(client)
    assert ok(client.cc.batch_delete_business_set({"bk_biz_set_ids": [s1, s2, MISSING_ID]})) is None
    assert get_biz_set(client, s1) is None and get_biz_set(client, s2) is None
    assert get_biz_set(client, keep) is not None
    assert find_biz(client, biz) is not None  # businesses untouched
    fail(client.cc.list_business_in_business_set({"bk_biz_set_id": s1, "page": {"start": 0, "limit": 10}}), 1199006)
    # unknown ids only: no-op
    assert ok(client.cc.batch_delete_business_set({"bk_biz_set_ids": [s1]})) is None


def test_batch_delete_business_set_errors(client, associate):
    s1 = new_biz_set(client)
    before = all_biz_sets(client)
    fail(client.cc.batch_delete_business_set({"bk_biz_set_ids": [s1, BUILTIN_BIZ_SET]}), 1101115)
    fail(client.cc.batch_delete_business_set({"bk_biz_set_ids": []}), 1199010)
    fail(client.cc.batch_delete_business_set({}), 1199010)
    fail(client.cc.batch_delete_business_set({"bk_biz_set_ids": list(range(1, 102))}), 1199035)
    assert all_biz_sets(client) == before
    asst = associate("bk_biz_set_obj", s1)
    fail(client.cc.batch_delete_business_set({"bk_biz_set_ids": [s1]}), 1101075)
    assert all_biz_sets(client) == before
    asst.drop()
    ok(client.cc.batch_delete_business_set({"bk_biz_set_ids": [s1]}))
    assert get_biz_set(client, s1) is None


# ====================================================================================================
# list_business_in_business_set


def test_list_business_in_business_set(client):
    tag = unique("lbi")
    made = [new_biz(client, "%s_%d" % (tag, i))["bk_biz_id"] for i in range(3)]
    set_id = new_biz_set(client, scope=scope_ids(*made))
    page = {"start": 0, "limit": 10, "sort": "bk_biz_id"}
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id", "bk_biz_name"],
                                                       "page": page}))
    assert data == {"count": 0, "info": [{"bk_biz_id": b, "bk_biz_name": "%s_%d" % (tag, i)}
                                         for i, b in enumerate(made)]}
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                       "page": {"start": 1, "limit": 1, "sort": "-bk_biz_id"}}))
    assert data["info"] == [{"bk_biz_id": made[1]}]
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "page": {"enable_count": True}}))
    assert data == {"count": 3, "info": []}
    # without fields: whole business records
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "page": page}))
    assert data["info"][0]["bk_biz_id"] == made[0] and data["info"][0]["bk_biz_name"] == "%s_0" % tag
    assert data["info"][0]["bk_biz_maintainer"] == OPERATOR
    # the extra filter is AND-ed with the scope
    data = ok(client.cc.list_business_in_business_set({
        "bk_biz_set_id": set_id, "filter": AND(rule("bk_biz_name", "equal", "%s_2" % tag)), "fields": ["bk_biz_id"],
        "page": page}))
    assert data["info"] == [{"bk_biz_id": made[2]}]
    # archived businesses drop out
    archive(client, made[0])
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                       "page": page}))
    assert ids(data["info"], "bk_biz_id") == made[1:]


def test_list_business_in_builtin_business_set(client):
    biz = new_biz(client)["bk_biz_id"]
    gone = new_biz(client)["bk_biz_id"]
    archive(client, gone)
    flt = AND(rule("bk_biz_id", "in", [biz, gone, RESOURCE_POOL]))
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": BUILTIN_BIZ_SET, "filter": flt,
                                                       "fields": ["bk_biz_id"], "page": {"start": 0, "limit": 10}}))
    assert data["info"] == [{"bk_biz_id": biz}]  # match_all: not the resource pool, not archived ones
    # a scope naming the resource pool or an archived business still leaves them out
    set_id = new_biz_set(client, scope=scope_ids(biz, gone, RESOURCE_POOL))
    data = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": set_id, "fields": ["bk_biz_id"],
                                                       "page": {"start": 0, "limit": 10}}))
    assert data["info"] == [{"bk_biz_id": biz}]
    count = ok(client.cc.list_business_in_business_set({"bk_biz_set_id": BUILTIN_BIZ_SET,
                                                        "page": {"enable_count": True}}))["count"]
    listed = ok(client.cc.search_business({"fields": ["bk_biz_id"]}))["count"]
    assert count == listed  # the same businesses search_business shows


@pytest.mark.parametrize("body,code", [
    ({"bk_biz_set_id": 0, "page": {"start": 0, "limit": 10}}, 1199010),
    ({"page": {"start": 0, "limit": 10}}, 1199010),
    ({"bk_biz_set_id": MISSING_ID, "page": {"start": 0, "limit": 10}}, 1199006),
    ({"bk_biz_set_id": BUILTIN_BIZ_SET, "page": {"start": 0, "limit": 0}}, 1199011),
    ({"bk_biz_set_id": BUILTIN_BIZ_SET, "page": {"start": 0, "limit": 501}}, 1199059),
    ({"bk_biz_set_id": BUILTIN_BIZ_SET, "page": {"start": 0, "limit": 10},
      "filter": AND(rule("bk_biz_id", "no_such_op", 1))}, 1199006),
])
def test_list_business_in_business_set_errors(client, body, code):
    fail(client.cc.list_business_in_business_set(body), code)


def test_list_business_in_business_set_count_with_limit(client):
    fail(client.cc.list_business_in_business_set({"bk_biz_set_id": BUILTIN_BIZ_SET,
                                                  "page": {"enable_count": True, "limit": 5}}), 1199006)


# ====================================================================================================
# list_business_set_topo


def test_list_business_set_topo(client, topo):
    biz = topo["biz"]
    other = new_biz(client)["bk_biz_id"]
    set_id = new_biz_set(client, scope=scope_ids(biz, other))
    # set -> its businesses, by id
    bizs = ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "bk_biz_set_obj",
                                                "bk_parent_id": set_id}))
    assert bizs == [{"bk_obj_id": "biz", "bk_inst_id": biz, "bk_inst_name": topo["biz_name"], "default": 0},
                    {"bk_obj_id": "biz", "bk_inst_id": other, "bk_inst_name": find_biz(client, other)["bk_biz_name"],
                     "default": 0}]
    # business -> its normal sets (idle set left out), by id
    sets = ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "biz",
                                                "bk_parent_id": biz}))
    assert sets == [{"bk_obj_id": "set", "bk_inst_id": topo["set_b"], "bk_inst_name": topo["set_b_name"], "default": 0},
                    {"bk_obj_id": "set", "bk_inst_id": topo["set_a"], "bk_inst_name": topo["set_a_name"], "default": 0}]
    assert ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "biz",
                                                "bk_parent_id": other})) == []
    # set -> its modules
    mods = ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "set",
                                                "bk_parent_id": topo["set_a"]}))
    assert mods == [{"bk_obj_id": "module", "bk_inst_id": topo["m_zeta"], "bk_inst_name": topo["m_zeta_name"],
                     "default": 0},
                    {"bk_obj_id": "module", "bk_inst_id": topo["m_alpha"], "bk_inst_name": topo["m_alpha_name"],
                     "default": 0}]
    idle = ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "set",
                                                "bk_parent_id": topo["idle_set"]}))
    assert ids(idle, "bk_inst_id") == topo["idle_modules"]
    assert ids(idle, "bk_inst_name") == IDLE_EN
    assert ids(idle, "default") == [1, 2, 3]
    assert ok(client.cc.list_business_set_topo({"bk_biz_set_id": set_id, "bk_parent_obj_id": "set",
                                                "bk_parent_id": topo["set_b"]})) == []


def test_list_business_set_topo_errors(client, topo):
    biz = topo["biz"]
    set_id = new_biz_set(client, scope=scope_ids(biz))
    outside = new_biz(client)["bk_biz_id"]
    outside_set = new_set(client, outside)["bk_set_id"]
    cases = [
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "biz", "bk_parent_id": outside}, 1199006),  # not in the set
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "set", "bk_parent_id": outside_set}, 1199006),
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "bk_biz_set_obj", "bk_parent_id": BUILTIN_BIZ_SET}, 1199006),
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "module", "bk_parent_id": topo["m_zeta"]}, 1199006),
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "set", "bk_parent_id": MISSING_ID}, 1199006),
        ({"bk_biz_set_id": MISSING_ID, "bk_parent_obj_id": "biz", "bk_parent_id": biz}, 1199006),
        ({"bk_biz_set_id": set_id, "bk_parent_obj_id": "biz"}, 1199010),
        ({"bk_biz_set_id": set_id, "bk_parent_id": biz}, 1199010),
        ({"bk_parent_obj_id": "biz", "bk_parent_id": biz}, 1199010),
    ]
    for body, code in cases:
        fail(client.cc.list_business_set_topo(body), code)


# ====================================================================================================
# create_set


def test_create_set(client):
    biz = new_biz(client)["bk_biz_id"]
    name = unique("set")
    created = ok(client.cc.create_set({"bk_biz_id": biz, "data": {
        "bk_parent_id": biz, "bk_set_name": name, "bk_capacity": 10, "bk_set_desc": "desc", "description": "d2",
        "bk_set_env": "1", "bk_service_status": "2", "bk_biz_id": MISSING_ID, "no_such_attribute": 1}}))
    assert created["bk_set_name"] == name
    assert created["bk_biz_id"] == biz  # from the request, not from data
    assert created["bk_parent_id"] == biz
    assert created["bk_capacity"] == 10
    assert created["bk_set_desc"] == "desc" and created["description"] == "d2"
    assert created["bk_set_env"] == "1" and created["bk_service_status"] == "2"
    assert created["default"] == 0
    assert created["set_template_id"] == 0
    assert created["bk_supplier_account"] == "0"
    assert INST_TIME.match(created["create_time"]) and INST_TIME.match(created["last_time"]), created
    assert "no_such_attribute" not in created
    stored = sets_of(client, biz, condition={"bk_set_id": created["bk_set_id"]})
    assert len(stored) == 1
    for k in ("bk_set_id", "bk_set_name", "bk_biz_id", "bk_parent_id", "bk_capacity", "bk_set_desc", "bk_set_env",
              "bk_service_status", "default", "set_template_id", "create_time"):
        assert stored[0][k] == created[k], k


def test_create_set_defaults(client):
    biz = new_biz(client)["bk_biz_id"]
    created = ok(client.cc.create_set({"bk_biz_id": biz, "data": {"bk_set_name": unique("set")}}))
    assert created["bk_parent_id"] == biz  # filled in
    assert created["default"] == 0
    assert created["set_template_id"] == 0
    assert created["bk_set_env"] == "3"
    assert created["bk_service_status"] == "1"
    # the same name is fine in another business
    other = new_biz(client)["bk_biz_id"]
    again = new_set(client, other, created["bk_set_name"])
    assert again["bk_set_id"] != created["bk_set_id"]


def test_create_set_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    taken = new_set(client, biz)["bk_set_name"]
    other = new_biz(client)["bk_biz_id"]
    before, other_before = state(client, biz), state(client, other)
    cases = [
        ({"bk_parent_id": biz, "bk_set_name": taken}, 1101108),
        ({"bk_parent_id": other, "bk_set_name": unique("s")}, 1199011),
        ({"bk_parent_id": RESOURCE_POOL, "bk_set_name": unique("s")}, 1199011),
        ({"bk_set_name": unique("s"), "set_template_id": 5}, 1199006),
        ({"bk_set_name": "a:b"}, 1199006),
        ({"bk_set_name": "a b"}, 1199006),
        ({"bk_set_name": "x" * 257}, 1199073),
        ({"bk_set_name": ""}, 1199010),
        ({"bk_set_desc": "no name"}, 1199010),
        ({"bk_set_name": unique("s"), "bk_capacity": 0}, 1199011),
        ({"bk_set_name": unique("s"), "bk_set_env": "9"}, 1199011),
    ]
    for data, code in cases:
        fail(client.cc.create_set({"bk_biz_id": biz, "data": data}), code)
        assert state(client, biz) == before, data
    fail(client.cc.create_set({"bk_biz_id": biz}), 1199010)
    fail(client.cc.create_set({"data": {"bk_set_name": unique("s")}}), 1306406)
    fail(client.cc.create_set({"bk_biz_id": MISSING_ID, "data": {"bk_set_name": unique("s")}}), 1199011)
    assert state(client, biz) == before
    assert state(client, other) == other_before


# ====================================================================================================
# update_set


def test_update_set(client):
    biz = new_biz(client)["bk_biz_id"]
    created = new_set(client, biz)
    s = created["bk_set_id"]
    renamed = unique("ren")
    assert ok(client.cc.update_set({"bk_biz_id": biz, "bk_set_id": s, "data": {
        "bk_set_name": renamed, "bk_set_desc": "d", "bk_capacity": 5, "bk_set_env": "2",
        # ignored
        "bk_parent_id": 77, "default": 1, "set_template_id": 3, "bk_biz_id": MISSING_ID, "bk_set_id": MISSING_ID,
        "no_such_attribute": 1}})) is None
    got = sets_of(client, biz, condition={"bk_set_id": s})[0]
    assert got["bk_set_name"] == renamed
    assert got["bk_set_desc"] == "d"
    assert got["bk_capacity"] == 5
    assert got["bk_set_env"] == "2"
    assert got["bk_parent_id"] == biz and got["bk_biz_id"] == biz
    assert got["default"] == 0 and got["set_template_id"] == 0
    assert "no_such_attribute" not in got
    assert got["create_time"] == created["create_time"]
    # no data: nothing to do
    assert ok(client.cc.update_set({"bk_biz_id": biz, "bk_set_id": s})) is None
    assert sets_of(client, biz, condition={"bk_set_id": s})[0]["bk_set_name"] == renamed


def test_update_set_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    taken = new_set(client, biz)["bk_set_name"]
    other_biz = new_biz(client)["bk_biz_id"]
    foreign = new_set(client, other_biz)["bk_set_id"]
    idle = internal(client, biz)["bk_set_id"]
    before, other_before = state(client, biz), state(client, other_biz)
    cases = [
        ({"bk_biz_id": biz, "bk_set_id": idle, "data": {"bk_set_desc": "x"}}, 1101098),
        ({"bk_biz_id": biz, "bk_set_id": MISSING_ID, "data": {"bk_set_desc": "x"}}, 1199019),
        ({"bk_biz_id": biz, "bk_set_id": foreign, "data": {"bk_set_desc": "x"}}, 1199019),
        ({"bk_biz_id": biz, "bk_set_id": s, "data": {"bk_set_name": taken}}, 1101108),
        ({"bk_biz_id": biz, "bk_set_id": s, "data": {"bk_set_name": "a#b"}}, 1199006),
        ({"bk_biz_id": biz, "bk_set_id": s, "data": {"bk_set_name": ""}}, 1199010),
        ({"bk_biz_id": biz, "bk_set_id": s, "data": {"bk_set_env": "9", "bk_set_desc": "never"}}, 1199011),
        ({"bk_biz_id": biz, "data": {"bk_set_desc": "x"}}, 1306406),
        ({"bk_set_id": s, "data": {"bk_set_desc": "x"}}, 1306406),
    ]
    for body, code in cases:
        fail(client.cc.update_set(body), code)
        assert state(client, biz) == before, body
    assert state(client, other_biz) == other_before


# ====================================================================================================
# delete_set / batch_delete_set


def test_delete_set(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m1 = new_module(client, biz, s)["bk_module_id"]
    m2 = new_module(client, biz, s)["bk_module_id"]
    keep = new_set(client, biz)["bk_set_id"]
    keep_mod = new_module(client, biz, keep)["bk_module_id"]
    assert ok(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": s})) is None
    assert s not in ids(sets_of(client, biz), "bk_set_id")
    left = ids(modules_of(client, biz), "bk_module_id")
    assert m1 not in left and m2 not in left and keep_mod in left
    assert ok(client.cc.find_module_batch({"bk_biz_id": biz, "bk_ids": [m1, m2], "fields": ["bk_module_id"]})) == []
    # unknown id (or already deleted): success, nothing happens
    before = state(client, biz)
    assert ok(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": s})) is None
    assert ok(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": MISSING_ID})) is None
    assert state(client, biz) == before


def test_delete_set_of_other_business_is_a_no_op(client):
    biz = new_biz(client)["bk_biz_id"]
    other = new_biz(client)["bk_biz_id"]
    foreign = new_set(client, other)["bk_set_id"]
    before = state(client, other)
    assert ok(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": foreign})) is None
    assert state(client, other) == before


def test_delete_set_errors(client, associate):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m = new_module(client, biz, s)["bk_module_id"]
    idle = internal(client, biz)["bk_set_id"]
    before = state(client, biz)
    fail(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": idle}), 1101098)
    fail(client.cc.delete_set({"bk_biz_id": biz}), 1306406)
    fail(client.cc.delete_set({"bk_set_id": s}), 1306406)
    assert state(client, biz) == before
    # instance associations of the set or of one of its modules
    for obj, inst in (("set", s), ("module", m)):
        asst = associate(obj, inst)
        fail(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": s}), 1101075)
        fail(client.cc.batch_delete_set({"bk_biz_id": biz, "delete": {"inst_ids": [s]}}), 1101075)
        assert state(client, biz) == before
        asst.drop()
    ok(client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": s}))
    assert s not in ids(sets_of(client, biz), "bk_set_id")


def test_batch_delete_set(client):
    biz = new_biz(client)["bk_biz_id"]
    s1, s2, keep = (new_set(client, biz)["bk_set_id"] for _ in range(3))
    m1 = new_module(client, biz, s1)["bk_module_id"]
    assert ok(client.cc.batch_delete_set({"bk_biz_id": biz, "delete": {"inst_ids": [s1, s2, MISSING_ID]}})) is None
    left = sets_of(client, biz)
    assert ids(left, "bk_set_id") == [internal(client, biz)["bk_set_id"], keep]
    assert m1 not in ids(modules_of(client, biz), "bk_module_id")
    assert len(modules_of(client, biz)) == 3  # the idle modules


def test_batch_delete_set_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    s1 = new_set(client, biz)["bk_set_id"]
    new_module(client, biz, s1)
    idle = internal(client, biz)["bk_set_id"]
    before = state(client, biz)
    fail(client.cc.batch_delete_set({"bk_biz_id": biz, "delete": {"inst_ids": [s1, idle]}}), 1101098)
    fail(client.cc.batch_delete_set({"bk_biz_id": biz, "delete": {"inst_ids": []}}), 1199010)
    fail(client.cc.batch_delete_set({"bk_biz_id": biz, "delete": {}}), 1199010)
    fail(client.cc.batch_delete_set({"bk_biz_id": biz}), 1199010)
    fail(client.cc.batch_delete_set({"delete": {"inst_ids": [s1]}}), 1306406)
    assert state(client, biz) == before


# ====================================================================================================
# search_set / find_set_batch


def test_search_set(client):
    biz = new_biz(client)["bk_biz_id"]
    idle = internal(client, biz)["bk_set_id"]
    s1 = new_set(client, biz, unique("s1"), bk_set_env="1")
    s2 = new_set(client, biz, unique("s2"), bk_set_env="2")
    other_biz = new_biz(client)["bk_biz_id"]
    new_set(client, other_biz, s1["bk_set_name"])

    data = ok(client.cc.search_set({"bk_biz_id": biz, "fields": ["bk_set_id", "bk_set_name"],
                                    "page": {"sort": "bk_set_id"}}))
    assert data == {"count": 3, "info": [{"bk_set_id": idle, "bk_set_name": "idle pool"},
                                         {"bk_set_id": s1["bk_set_id"], "bk_set_name": s1["bk_set_name"]},
                                         {"bk_set_id": s2["bk_set_id"], "bk_set_name": s2["bk_set_name"]}]}
    # legacy condition; bk_biz_id is forced
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_name": s1["bk_set_name"]},
                                    "fields": ["bk_set_id", "bk_biz_id"]}))
    assert data == {"count": 1, "info": [{"bk_set_id": s1["bk_set_id"], "bk_biz_id": biz}]}
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_biz_id": other_biz}, "fields": ["bk_biz_id"]}))
    assert all(r["bk_biz_id"] == biz for r in data["info"])
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_env": {"$in": ["1", "2"]}},
                                    "fields": ["bk_set_id"], "page": {"sort": "-bk_set_id"}}))
    assert ids(data["info"], "bk_set_id") == [s2["bk_set_id"], s1["bk_set_id"]]
    # filter
    data = ok(client.cc.search_set({"bk_biz_id": biz, "filter": AND(rule("bk_set_env", "equal", "2")),
                                    "fields": ["bk_set_id"]}))
    assert data == {"count": 1, "info": [{"bk_set_id": s2["bk_set_id"]}]}
    # paging: count is the total
    data = ok(client.cc.search_set({"bk_biz_id": biz, "fields": ["bk_set_id"],
                                    "page": {"start": 1, "limit": 1, "sort": "-bk_set_id"}}))
    assert data == {"count": 3, "info": [{"bk_set_id": s1["bk_set_id"]}]}
    # time condition
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_id": s1["bk_set_id"]},
                                    "time_condition": {"oper": "and", "rules": [dict(WIDE, field="create_time")]}}))
    assert data["count"] == 1
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_id": s1["bk_set_id"]},
                                    "time_condition": {"oper": "and", "rules": [dict(PAST, field="create_time")]}}))
    assert data == {"count": 0, "info": []}
    # Chinese reader sees the stored built-in name
    data = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"default": 1}, "fields": ["bk_set_name"]},
                                   headers=ZH))
    assert data["info"] == [{"bk_set_name": u"空闲机池"}]


def test_search_set_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    flt = AND(rule("bk_set_name", "equal", "x"))
    fail(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_name": "x"}, "filter": flt}), 1199011)
    fail(client.cc.search_set({"bk_biz_id": biz, "filter": AND(rule("bk_set_name", "no_such_op", "x"))}), 1199006)
    fail(client.cc.search_set({"condition": {}}), 1306406)
    assert ok(client.cc.search_set({"bk_biz_id": MISSING_ID})) == {"count": 0, "info": []}


def test_find_set_batch(client):
    biz = new_biz(client)["bk_biz_id"]
    idle = internal(client, biz)["bk_set_id"]
    s = new_set(client, biz)
    foreign = new_set(client, new_biz(client)["bk_biz_id"])["bk_set_id"]
    got = ok(client.cc.find_set_batch({"bk_biz_id": biz, "bk_ids": [s["bk_set_id"], s["bk_set_id"], idle, foreign,
                                                                    MISSING_ID],
                                       "fields": ["bk_set_id", "bk_set_name"]}))
    assert sorted(got, key=lambda r: r["bk_set_id"]) == [{"bk_set_id": idle, "bk_set_name": "idle pool"},
                                                         {"bk_set_id": s["bk_set_id"], "bk_set_name": s["bk_set_name"]}]
    got = ok(client.cc.find_set_batch({"bk_biz_id": biz, "bk_ids": [s["bk_set_id"]], "fields": ["bk_set_env"]}))
    assert got == [{"bk_set_env": "3"}]


@pytest.mark.parametrize("body,code", [
    ({"bk_ids": [], "fields": ["bk_set_id"]}, 1199089),
    ({"bk_ids": list(range(1, 502)), "fields": ["bk_set_id"]}, 1199089),
    ({"fields": ["bk_set_id"]}, 1199089),
    ({"bk_ids": [1], "fields": []}, 1199006),
    ({"bk_ids": [1]}, 1199006),
])
def test_find_set_batch_errors(client, biz_id, body, code):
    fail(client.cc.find_set_batch(dict(body, bk_biz_id=biz_id)), code)


def test_find_set_batch_500_ids(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    ids_ = [s] + [MISSING_ID + i for i in range(499)]
    assert ok(client.cc.find_set_batch({"bk_biz_id": biz, "bk_ids": ids_, "fields": ["bk_set_id"]})) == [
        {"bk_set_id": s}]


# ====================================================================================================
# create_module


def test_create_module(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    default_category = modules_of(client, biz)[0]["service_category_id"]
    name = unique("mod")
    created = ok(client.cc.create_module({"bk_biz_id": biz, "bk_set_id": s, "data": {
        "bk_parent_id": s, "bk_module_name": name, "bk_module_type": "2", "operator": "admin",
        "bk_bak_operator": "bob", "host_apply_enabled": True, "default": 1, "no_such_attribute": 1}}))
    assert created["bk_module_name"] == name
    assert created["bk_set_id"] == s and created["bk_parent_id"] == s and created["bk_biz_id"] == biz
    assert created["bk_module_type"] == "2"
    assert created["operator"] == "admin" and created["bk_bak_operator"] == "bob"
    assert created["host_apply_enabled"] is False  # forced
    assert created["default"] == 0
    assert created["service_template_id"] == 0 and created["set_template_id"] == 0
    assert created["service_category_id"] == default_category  # the "Default" category
    assert created["bk_supplier_account"] == "0"
    assert INST_TIME.match(created["create_time"]) and INST_TIME.match(created["last_time"]), created
    assert "no_such_attribute" not in created
    stored = modules_of(client, biz, s)
    assert len(stored) == 1
    for k in ("bk_module_id", "bk_module_name", "bk_set_id", "bk_parent_id", "bk_biz_id", "bk_module_type",
              "operator", "bk_bak_operator", "host_apply_enabled", "default", "service_category_id",
              "service_template_id", "set_template_id", "create_time"):
        assert stored[0][k] == created[k], k


def test_create_module_defaults_and_category(client):
    biz = new_biz(client)["bk_biz_id"]
    s1 = new_set(client, biz)["bk_set_id"]
    s2 = new_set(client, biz)["bk_set_id"]
    default_category = modules_of(client, biz)[0]["service_category_id"]
    m = new_module(client, biz, s1)
    assert m["bk_module_type"] == "1"
    assert m["service_category_id"] == default_category
    # an explicit category of this business, and the same name in another set
    again = new_module(client, biz, s2, m["bk_module_name"], service_category_id=default_category)
    assert again["service_category_id"] == default_category
    assert again["bk_module_id"] != m["bk_module_id"]


def test_create_module_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    taken = new_module(client, biz, s)["bk_module_name"]
    other_biz = new_biz(client)["bk_biz_id"]
    foreign = new_set(client, other_biz)["bk_set_id"]
    before, other_before = state(client, biz), state(client, other_biz)

    def body(data, **top):
        return dict({"bk_biz_id": biz, "bk_set_id": s, "data": data}, **top)

    cases = [
        (body({"bk_parent_id": s, "bk_module_name": taken}), 1199014),
        (body({"bk_module_name": unique("m")}), 1199011),
        (body({"bk_parent_id": s + 1000000, "bk_module_name": unique("m")}), 1199011),
        (body({"bk_parent_id": s, "bk_module_name": unique("m"), "service_category_id": MISSING_ID}), 1199006),
        (body({"bk_parent_id": s, "bk_module_name": unique("m"), "service_template_id": 3}), 1199006),
        (body({"bk_parent_id": s, "bk_module_name": "x>y"}), 1199006),
        (body({"bk_parent_id": s, "bk_module_name": "x y"}), 1199006),
        (body({"bk_parent_id": s, "bk_module_name": "m" * 257}), 1199073),
        (body({"bk_parent_id": s, "bk_module_name": ""}), 1199010),
        (body({"bk_parent_id": s}), 1199010),
        (body({"bk_parent_id": s, "bk_module_name": unique("m"), "bk_module_type": "9"}), 1199011),
        # the set must belong to the business
        (body({"bk_parent_id": foreign, "bk_module_name": unique("m")}, bk_set_id=foreign), 1199011),
        (body({"bk_parent_id": s, "bk_module_name": unique("m")}, bk_biz_id=other_biz), 1199011),
        (body({"bk_parent_id": MISSING_ID, "bk_module_name": unique("m")}, bk_set_id=MISSING_ID), 1199011),
        ({"bk_biz_id": biz, "data": {"bk_parent_id": s, "bk_module_name": unique("m")}}, 1306406),
    ]
    for req, code in cases:
        fail(client.cc.create_module(req), code)
        assert state(client, biz) == before, req
    assert state(client, other_biz) == other_before


# ====================================================================================================
# update_module


def test_update_module(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    created = new_module(client, biz, s)
    m = created["bk_module_id"]
    renamed = unique("ren")
    assert ok(client.cc.update_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m, "data": {
        "bk_module_name": renamed, "bk_module_type": "2", "operator": "bob",
        # ignored
        "bk_parent_id": 1, "bk_set_id": MISSING_ID, "bk_biz_id": MISSING_ID, "bk_module_id": MISSING_ID,
        "no_such_attribute": 1}})) is None
    got = ok(client.cc.find_module_batch({"bk_biz_id": biz, "bk_ids": [m], "fields": [
        "bk_module_name", "bk_module_type", "operator", "bk_parent_id", "bk_set_id", "bk_biz_id"]}))
    assert got == [{"bk_module_name": renamed, "bk_module_type": "2", "operator": "bob", "bk_parent_id": s,
                    "bk_set_id": s, "bk_biz_id": biz}]
    full = modules_of(client, biz, s)[0]
    assert "no_such_attribute" not in full
    assert full["create_time"] == created["create_time"]
    # same template ids are not a change
    ok(client.cc.update_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m,
                                "data": {"service_template_id": 0, "set_template_id": 0}}))


def test_update_module_errors(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m = new_module(client, biz, s)["bk_module_id"]
    taken = new_module(client, biz, s)["bk_module_name"]
    s2 = new_set(client, biz)["bk_set_id"]
    inner = internal(client, biz)
    before = state(client, biz)

    def upd(data, module=m, set_id=s):
        return {"bk_biz_id": biz, "bk_set_id": set_id, "bk_module_id": module, "data": data}

    cases = [
        (upd({"operator": "x"}, inner["module"][0]["bk_module_id"], inner["bk_set_id"]), 1101098),
        (upd({"operator": "x"}, inner["module"][2]["bk_module_id"], inner["bk_set_id"]), 1101098),
        (upd({"operator": "x"}, MISSING_ID), 1199019),
        (upd({"operator": "x"}, m, s2), 1199019),  # not in that set
        (upd({"service_template_id": 4}), 1199083),
        (upd({"set_template_id": 4}), 1199083),
        (upd({"bk_module_name": taken}), 1199014),
        (upd({"bk_module_name": "a|b"}), 1199006),
        (upd({"bk_module_type": "9"}), 1199011),
        ({"bk_biz_id": biz, "bk_set_id": s, "data": {"operator": "x"}}, 1306406),
    ]
    for req, code in cases:
        fail(client.cc.update_module(req), code)
        assert state(client, biz) == before, req


# ====================================================================================================
# delete_module


def test_delete_module(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m = new_module(client, biz, s)["bk_module_id"]
    keep = new_module(client, biz, s)["bk_module_id"]
    assert ok(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m})) is None
    assert ids(modules_of(client, biz, s), "bk_module_id") == [keep]
    assert ok(client.cc.find_module_batch({"bk_biz_id": biz, "bk_ids": [m], "fields": ["bk_module_id"]})) == []
    before = state(client, biz)
    assert ok(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m})) is None
    assert ok(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": MISSING_ID})) is None
    assert state(client, biz) == before


def test_delete_module_errors(client, associate):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m = new_module(client, biz, s)["bk_module_id"]
    inner = internal(client, biz)
    before = state(client, biz)
    for builtin in inner["module"]:
        fail(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": inner["bk_set_id"],
                                      "bk_module_id": builtin["bk_module_id"]}), 1101098)
    fail(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s}), 1306406)
    fail(client.cc.delete_module({"bk_biz_id": biz, "bk_module_id": m}), 1306406)
    assert state(client, biz) == before
    asst = associate("module", m)
    fail(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m}), 1101075)
    assert state(client, biz) == before
    asst.drop()
    ok(client.cc.delete_module({"bk_biz_id": biz, "bk_set_id": s, "bk_module_id": m}))
    assert modules_of(client, biz, s) == []


# ====================================================================================================
# search_module / find_module_batch / find_module_with_relation


def test_search_module(client):
    biz = new_biz(client)["bk_biz_id"]
    s1 = new_set(client, biz)["bk_set_id"]
    s2 = new_set(client, biz)["bk_set_id"]
    a = new_module(client, biz, s1, bk_module_type="2")
    b = new_module(client, biz, s1)
    c = new_module(client, biz, s2, a["bk_module_name"])
    other = new_biz(client)["bk_biz_id"]
    new_module(client, other, new_set(client, other)["bk_set_id"], a["bk_module_name"])

    data = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {}, "fields": ["bk_module_id"],
                                       "page": {"sort": "bk_module_id"}}))
    assert data["count"] == 6  # 3 idle modules + 3
    assert ids(data["info"], "bk_module_id")[3:] == [a["bk_module_id"], b["bk_module_id"], c["bk_module_id"]]
    data = ok(client.cc.search_module({"bk_biz_id": biz, "bk_set_id": s1, "condition": {},
                                       "fields": ["bk_module_id", "bk_set_id"], "page": {"sort": "-bk_module_id"}}))
    assert data == {"count": 2, "info": [{"bk_module_id": b["bk_module_id"], "bk_set_id": s1},
                                         {"bk_module_id": a["bk_module_id"], "bk_set_id": s1}]}
    data = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {"bk_module_name": a["bk_module_name"]},
                                       "fields": ["bk_module_id"], "page": {"sort": "bk_module_id"}}))
    assert ids(data["info"], "bk_module_id") == [a["bk_module_id"], c["bk_module_id"]]
    data = ok(client.cc.search_module({"bk_biz_id": biz, "bk_set_id": s1, "condition": {"bk_module_type": "2"}}))
    assert data["count"] == 1 and data["info"][0]["bk_module_id"] == a["bk_module_id"]
    # bk_biz_id / bk_set_id from the request win over the condition
    data = ok(client.cc.search_module({"bk_biz_id": biz, "bk_set_id": s1, "condition": {"bk_set_id": s2},
                                       "fields": ["bk_set_id"]}))
    assert all(r["bk_set_id"] == s1 for r in data["info"]) and data["count"] == len(data["info"])
    data = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {"bk_biz_id": other},
                                       "fields": ["bk_biz_id"]}))
    assert all(r["bk_biz_id"] == biz for r in data["info"]) and data["count"] == len(data["info"])
    # paging
    data = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {"default": 0}, "fields": ["bk_module_id"],
                                       "page": {"start": 1, "limit": 1, "sort": "bk_module_id"}}))
    assert data == {"count": 3, "info": [{"bk_module_id": b["bk_module_id"]}]}
    # built-in names per language
    data = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {"default": {"$ne": 0}},
                                       "fields": ["bk_module_name"], "page": {"sort": "default"}}, headers=ZH))
    assert ids(data["info"], "bk_module_name") == IDLE_ZH
    fail(client.cc.search_module({"condition": {}}), 1306406)


def test_find_module_batch(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    a = new_module(client, biz, s)
    b = new_module(client, biz, s)
    idle = internal(client, biz)["module"][0]["bk_module_id"]
    other = new_biz(client)["bk_biz_id"]
    foreign = new_module(client, other, new_set(client, other)["bk_set_id"])["bk_module_id"]
    got = ok(client.cc.find_module_batch({"bk_biz_id": biz, "bk_ids": [b["bk_module_id"], a["bk_module_id"],
                                                                       a["bk_module_id"], idle, foreign, MISSING_ID],
                                          "fields": ["bk_module_id", "bk_module_name"]}))
    assert sorted(got, key=lambda r: r["bk_module_id"]) == [
        {"bk_module_id": idle, "bk_module_name": "idle host"},
        {"bk_module_id": a["bk_module_id"], "bk_module_name": a["bk_module_name"]},
        {"bk_module_id": b["bk_module_id"], "bk_module_name": b["bk_module_name"]}]


@pytest.mark.parametrize("body,code", [
    ({"bk_ids": [], "fields": ["bk_module_id"]}, 1199089),
    ({"bk_ids": list(range(1, 502)), "fields": ["bk_module_id"]}, 1199089),
    ({"bk_ids": [1], "fields": []}, 1199006),
])
def test_find_module_batch_errors(client, biz_id, body, code):
    fail(client.cc.find_module_batch(dict(body, bk_biz_id=biz_id)), code)


def test_find_module_with_relation(client):
    biz = new_biz(client)["bk_biz_id"]
    s1 = new_set(client, biz)["bk_set_id"]
    s2 = new_set(client, biz)["bk_set_id"]
    m1 = new_module(client, biz, s1)["bk_module_id"]
    m2 = new_module(client, biz, s1)["bk_module_id"]
    m3 = new_module(client, biz, s2)["bk_module_id"]
    page = {"start": 0, "limit": 10}
    data = ok(client.cc.find_module_with_relation({"bk_biz_id": biz, "bk_set_ids": [s1],
                                                   "bk_service_template_ids": [0], "fields": ["bk_module_id"],
                                                   "page": page}))
    assert data["count"] == 2
    assert sorted(ids(data["info"], "bk_module_id")) == [m1, m2]
    data = ok(client.cc.find_module_with_relation({"bk_biz_id": biz, "bk_set_ids": [s1, s2],
                                                   "fields": ["bk_module_id", "bk_set_id"], "page": page}))
    assert data["count"] == 3
    assert sorted((r["bk_module_id"], r["bk_set_id"]) for r in data["info"]) == [(m1, s1), (m2, s1), (m3, s2)]
    # paging: count stays the total
    data = ok(client.cc.find_module_with_relation({"bk_biz_id": biz, "bk_set_ids": [s1, s2], "fields": ["bk_module_id"],
                                                   "page": {"start": 0, "limit": 2}}))
    assert data["count"] == 3 and len(data["info"]) == 2
    # whole business (idle modules included); no module uses template 5
    data = ok(client.cc.find_module_with_relation({"bk_biz_id": biz, "fields": ["bk_module_id"], "page": page}))
    assert data["count"] == 6
    data = ok(client.cc.find_module_with_relation({"bk_biz_id": biz, "bk_service_template_ids": [5],
                                                   "fields": ["bk_module_id"], "page": page}))
    assert data == {"count": 0, "info": []}


@pytest.mark.parametrize("body,code", [
    ({"fields": [], "page": {"start": 0, "limit": 10}}, 1199010),
    ({"page": {"start": 0, "limit": 10}}, 1199010),
    ({"fields": ["bk_module_id"], "page": {"start": 0, "limit": 501}}, 1199015),
    ({"bk_set_ids": list(range(1, 202)), "fields": ["bk_module_id"], "page": {"start": 0, "limit": 1}}, 1199015),
])
def test_find_module_with_relation_errors(client, biz_id, body, code):
    fail(client.cc.find_module_with_relation(dict(body, bk_biz_id=biz_id)), code)


# ====================================================================================================
# get_biz_internal_module (GET)


def test_get_biz_internal_module(client):
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    new_module(client, biz, s)  # normal modules are not internal
    data = internal(client, biz)
    mods = modules_of(client, biz, condition={"default": {"$ne": 0}})
    idle_set = sets_of(client, biz, condition={"default": 1})[0]["bk_set_id"]
    assert data == {"bk_set_id": idle_set, "bk_set_name": "idle pool", "module": [
        {"bk_module_id": mods[i]["bk_module_id"], "bk_module_name": IDLE_EN[i], "default": i + 1,
         "host_apply_enabled": False} for i in range(3)]}
    zh = internal(client, biz, headers=ZH)
    assert zh["bk_set_name"] == u"空闲机池"
    assert ids(zh["module"], "bk_module_name") == IDLE_ZH


def test_builtin_names_translated_only_for_internal_instances(client):
    """A normal module that happens to carry a built-in name keeps it in English (topology.md §0)."""
    biz = new_biz(client)["bk_biz_id"]
    s = new_set(client, biz)["bk_set_id"]
    m = new_module(client, biz, s, u"空闲机")["bk_module_id"]
    assert ok(client.cc.find_module_batch({"bk_biz_id": biz, "bk_ids": [m], "fields": ["bk_module_name"]})) == [
        {"bk_module_name": u"空闲机"}]
    assert ids(modules_of(client, biz, s), "bk_module_name") == [u"空闲机"]
    tree = ok(client.cc.search_biz_inst_topo({"bk_biz_id": biz}))
    assert tree[0]["child"][0]["child"][0]["bk_inst_name"] == u"空闲机"
    assert internal(client, biz)["module"][0]["bk_module_name"] == "idle host"


def test_get_biz_internal_module_unknown_business(client):
    data = internal(client, MISSING_ID)
    assert data["bk_set_id"] == 0 and data["bk_set_name"] == ""
    assert data["module"] in (None, [])


def test_get_biz_internal_module_of_resource_pool(client):
    data = internal(client, RESOURCE_POOL)
    assert data["bk_set_name"] == "idle pool"
    assert [(m["bk_module_name"], m["default"]) for m in data["module"]][:1] == [("idle host", 1)]
    assert all(m["default"] in (1, 4) for m in data["module"])


# ====================================================================================================
# get_mainline_object_topo / search_biz_inst_topo (GET)


def test_get_mainline_object_topo(client):
    chain = ok(client.cc.get_mainline_object_topo())
    assert chain == [
        {"bk_obj_id": "biz", "bk_obj_name": "Business", "bk_supplier_account": "0", "bk_next_obj": "set",
         "bk_next_name": "Set", "bk_pre_obj_id": "", "bk_pre_obj_name": ""},
        {"bk_obj_id": "set", "bk_obj_name": "Set", "bk_supplier_account": "0", "bk_next_obj": "module",
         "bk_next_name": "Module", "bk_pre_obj_id": "biz", "bk_pre_obj_name": "Business"},
        {"bk_obj_id": "module", "bk_obj_name": "Module", "bk_supplier_account": "0", "bk_next_obj": "host",
         "bk_next_name": "Host", "bk_pre_obj_id": "set", "bk_pre_obj_name": "Set"},
        {"bk_obj_id": "host", "bk_obj_name": "Host", "bk_supplier_account": "0", "bk_next_obj": "",
         "bk_next_name": "", "bk_pre_obj_id": "module", "bk_pre_obj_name": "Module"}]
    zh = ok(client.cc.get_mainline_object_topo({}, headers=ZH))
    assert [(c["bk_obj_id"], c["bk_obj_name"], c["bk_next_name"]) for c in zh] == [
        ("biz", u"业务", u"集群"), ("set", u"集群", u"模块"), ("module", u"模块", u"主机"), ("host", u"主机", "")]


def test_search_biz_inst_topo(client, topo):
    tree = ok(client.cc.search_biz_inst_topo({"bk_biz_id": topo["biz"]}))
    assert len(tree) == 1
    root = tree[0]
    assert {k: root[k] for k in ("bk_inst_id", "bk_inst_name", "bk_obj_id", "bk_obj_name", "default")} == {
        "bk_inst_id": topo["biz"], "bk_inst_name": topo["biz_name"], "bk_obj_id": "biz", "bk_obj_name": "Business",
        "default": 0}
    # the idle set is not in the tree; sets by default then id (b was created first)
    assert [(c["bk_obj_id"], c["bk_inst_id"], c["bk_inst_name"], c["default"]) for c in root["child"]] == [
        ("set", topo["set_b"], topo["set_b_name"], 0), ("set", topo["set_a"], topo["set_a_name"], 0)]
    assert root["child"][0]["child"] == []
    set_a = root["child"][1]
    assert set_a["bk_obj_name"] == "Set"
    assert [(c["bk_obj_id"], c["bk_inst_id"], c["bk_inst_name"], c["bk_obj_name"], c["child"])
            for c in set_a["child"]] == [
        ("module", topo["m_zeta"], topo["m_zeta_name"], "Module", []),
        ("module", topo["m_alpha"], topo["m_alpha_name"], "Module", [])]
    # `level` is accepted and ignored
    assert ok(client.cc.search_biz_inst_topo({"bk_biz_id": topo["biz"], "level": 0})) == tree
    assert ok(client.cc.search_biz_inst_topo({"bk_biz_id": topo["biz"], "level": -1})) == tree
    zh = ok(client.cc.search_biz_inst_topo({"bk_biz_id": topo["biz"]}, headers=ZH))
    assert zh[0]["bk_obj_name"] == u"业务" and zh[0]["child"][0]["bk_obj_name"] == u"集群"
    assert ok(client.cc.search_biz_inst_topo({"bk_biz_id": MISSING_ID})) == []


@pytest.mark.parametrize("name", ["get_biz_internal_module", "search_biz_inst_topo"])
def test_get_endpoints_also_take_a_json_body(client, raw, name):
    """topology.md §0: GET endpoints read the query string; a JSON body is accepted too."""
    biz = new_biz(client)["bk_biz_id"]
    via_client = ok(getattr(client.cc, name)({"bk_biz_id": biz}))
    r = raw.post(name, {"bk_biz_id": biz}, method="GET")
    assert r.status_code == 200, r.text
    assert ok(r.json()) == via_client
    r = raw.post(name, method="GET", path="/api/c/compapi/v2/cc/%s/?bk_biz_id=%d" % (name, biz))
    assert r.status_code == 200, r.text
    assert ok(r.json()) == via_client


def test_search_biz_inst_topo_business_without_sets(client):
    biz = new_biz(client)
    tree = ok(client.cc.search_biz_inst_topo({"bk_biz_id": biz["bk_biz_id"]}))
    assert tree == [{"bk_inst_id": biz["bk_biz_id"], "bk_inst_name": biz["bk_biz_name"], "bk_obj_id": "biz",
                     "bk_obj_name": "Business", "default": 0, "child": []}]


# ====================================================================================================
# find_topo_node_paths


def test_find_topo_node_paths(client, topo):
    biz, biz_name = topo["biz"], topo["biz_name"]
    paths = ok(client.cc.find_topo_node_paths({"bk_biz_id": biz, "bk_nodes": [
        {"bk_obj_id": "module", "bk_inst_id": topo["m_alpha"]},
        {"bk_obj_id": "set", "bk_inst_id": MISSING_ID},
        {"bk_obj_id": "set", "bk_inst_id": topo["set_b"]},
        {"bk_obj_id": "module", "bk_inst_id": topo["idle_modules"][1]}]}))
    biz_node = {"bk_obj_id": "biz", "bk_inst_id": biz, "bk_inst_name": biz_name}
    assert paths == [
        {"bk_obj_id": "module", "bk_inst_id": topo["m_alpha"], "bk_inst_name": topo["m_alpha_name"],
         "bk_paths": [[biz_node, {"bk_obj_id": "set", "bk_inst_id": topo["set_a"],
                                  "bk_inst_name": topo["set_a_name"]}]]},
        {"bk_obj_id": "set", "bk_inst_id": topo["set_b"], "bk_inst_name": topo["set_b_name"], "bk_paths": [[biz_node]]},
        {"bk_obj_id": "module", "bk_inst_id": topo["idle_modules"][1], "bk_inst_name": "fault host",
         "bk_paths": [[biz_node, {"bk_obj_id": "set", "bk_inst_id": topo["idle_set"], "bk_inst_name": "idle pool"}]]}]
    # nodes of another business are left out
    assert ok(client.cc.find_topo_node_paths({"bk_biz_id": new_biz(client)["bk_biz_id"], "bk_nodes": [
        {"bk_obj_id": "module", "bk_inst_id": topo["m_alpha"]}]})) == []


def test_find_topo_node_paths_errors(client, topo):
    biz = topo["biz"]
    cases = [
        ([{"bk_obj_id": "biz", "bk_inst_id": biz}], 1199011),
        ([{"bk_obj_id": "", "bk_inst_id": topo["set_a"]}], 1199011),
        ([{"bk_obj_id": "bk_switch", "bk_inst_id": 1}], 1199011),
        ([{"bk_obj_id": "set", "bk_inst_id": 0}], 1199011),
        ([{"bk_obj_id": "set", "bk_inst_id": -3}], 1199011),
        ([{"bk_obj_id": "host", "bk_inst_id": 1}], 1199006),
        ([{"bk_obj_id": "set", "bk_inst_id": topo["set_a"]}] * 1001, 1199035),
    ]
    for nodes, code in cases:
        fail(client.cc.find_topo_node_paths({"bk_biz_id": biz, "bk_nodes": nodes}), code)
    fail(client.cc.find_topo_node_paths({"bk_biz_id": 0, "bk_nodes": [{"bk_obj_id": "set", "bk_inst_id": 1}]}),
         1199011)


# ====================================================================================================
# find_brief_biz_topo_node_relation


def test_find_brief_biz_topo_node_relation(client, topo):
    biz = topo["biz"]
    page = {"start": 0, "limit": 100}

    def rel(src, src_ids, dest, pg=page):
        return ok(client.cc.find_brief_biz_topo_node_relation({"src_biz_obj": src, "src_ids": src_ids,
                                                              "dest_biz_obj": dest, "page": pg}))

    # down one level, sorted by dest id
    assert rel("set", [topo["set_a"], topo["set_b"]], "module") == [
        {"bk_biz_id": biz, "src_id": topo["set_a"], "dest_id": topo["m_zeta"]},
        {"bk_biz_id": biz, "src_id": topo["set_a"], "dest_id": topo["m_alpha"]}]
    # up one level
    assert rel("module", [topo["m_alpha"], topo["m_zeta"]], "set") == [
        {"bk_biz_id": biz, "src_id": topo["m_zeta"], "dest_id": topo["set_a"]},
        {"bk_biz_id": biz, "src_id": topo["m_alpha"], "dest_id": topo["set_a"]}]
    # to / from the business: any level
    assert rel("module", [topo["m_zeta"]], "biz") == [{"bk_biz_id": biz, "src_id": topo["m_zeta"], "dest_id": biz}]
    assert rel("set", [topo["set_b"]], "biz") == [{"bk_biz_id": biz, "src_id": topo["set_b"], "dest_id": biz}]
    sets = rel("biz", [biz], "set")
    assert sets == [{"bk_biz_id": biz, "src_id": biz, "dest_id": d}
                    for d in sorted([topo["idle_set"], topo["set_a"], topo["set_b"]])]
    mods = rel("biz", [biz], "module")
    assert [r["dest_id"] for r in mods] == sorted(topo["idle_modules"] + [topo["m_zeta"], topo["m_alpha"]])
    # paging over the relation rows
    assert rel("module", [topo["m_zeta"], topo["m_alpha"]], "set", {"start": 1, "limit": 1}) == [
        {"bk_biz_id": biz, "src_id": topo["m_alpha"], "dest_id": topo["set_a"]}]
    assert rel("set", [topo["set_a"]], "module", {"start": 2, "limit": 5}) == []
    # unknown ids: nothing
    assert rel("set", [MISSING_ID], "module") == []


def test_find_brief_biz_topo_node_relation_errors(client, topo):
    page = {"start": 0, "limit": 100}
    s = topo["set_a"]
    cases = [
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "nope", "page": page}, 1101048),
        ({"src_biz_obj": "nope", "src_ids": [s], "dest_biz_obj": "set", "page": page}, 1101048),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "set", "page": page}, 1199006),
        ({"src_biz_obj": "host", "src_ids": [1], "dest_biz_obj": "module", "page": page}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "host", "page": page}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [], "dest_biz_obj": "module", "page": page}, 1199006),
        ({"src_biz_obj": "set", "src_ids": list(range(1, 202)), "dest_biz_obj": "module", "page": page}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "module", "page": {"start": 0, "limit": 501}}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "module", "page": {"start": 0, "limit": 0}}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "module",
          "page": {"start": 0, "limit": 5, "sort": "dest_id"}}, 1199006),
        ({"src_biz_obj": "set", "src_ids": [s], "dest_biz_obj": "module"}, 1199006),
        ({"src_ids": [s], "dest_biz_obj": "module", "page": page}, 1199006),
    ]
    for body, code in cases:
        fail(client.cc.find_brief_biz_topo_node_relation(body), code)


# ====================================================================================================
# find_biz_tree_brief_info (not in the client)


def test_find_biz_tree_brief_info(client, topo):
    tree = ok(client.cc.find_biz_tree_brief_info({"bk_biz_id": topo["biz"], "set_fields": ["bk_set_id", "bk_set_name"],
                                                  "module_fields": ["bk_module_id", "bk_module_name"],
                                                  "host_fields": ["bk_host_id"]}))
    # every set including the idle one, sets and modules by id, no hosts anywhere
    assert tree == [
        {"set": {"bk_set_id": topo["idle_set"], "bk_set_name": "idle pool"},
         "modules": [{"module": {"bk_module_id": mid, "bk_module_name": n}, "hosts": []}
                     for mid, n in zip(topo["idle_modules"], IDLE_EN)]},
        {"set": {"bk_set_id": topo["set_b"], "bk_set_name": topo["set_b_name"]}, "modules": []},
        {"set": {"bk_set_id": topo["set_a"], "bk_set_name": topo["set_a_name"]},
         "modules": [{"module": {"bk_module_id": topo["m_zeta"], "bk_module_name": topo["m_zeta_name"]}, "hosts": []},
                     {"module": {"bk_module_id": topo["m_alpha"], "bk_module_name": topo["m_alpha_name"]},
                      "hosts": []}]}]
    zh = ok(client.cc.find_biz_tree_brief_info({"bk_biz_id": topo["biz"], "set_fields": ["bk_set_name"],
                                                "module_fields": ["default"], "host_fields": ["bk_host_id"]},
                                               headers=ZH))
    assert zh[0]["set"] == {"bk_set_name": u"空闲机池"}
    assert [m["module"] for m in zh[0]["modules"]] == [{"default": 1}, {"default": 2}, {"default": 3}]
    assert ok(client.cc.find_biz_tree_brief_info({"bk_biz_id": MISSING_ID, "set_fields": ["bk_set_id"],
                                                  "module_fields": ["bk_module_id"],
                                                  "host_fields": ["bk_host_id"]})) == []


@pytest.mark.parametrize("missing", ["set_fields", "module_fields", "host_fields"])
def test_find_biz_tree_brief_info_empty_fields(client, biz_id, missing):
    body = {"bk_biz_id": biz_id, "set_fields": ["bk_set_id"], "module_fields": ["bk_module_id"],
            "host_fields": ["bk_host_id"]}
    fail(client.cc.find_biz_tree_brief_info(dict(body, **{missing: []})), 1199006)
    del body[missing]
    fail(client.cc.find_biz_tree_brief_info(body), 1199006)


# ====================================================================================================
# get_biz_brief_cache_topo (not in the client)


def test_get_biz_brief_cache_topo(client, topo):
    brief = ok(client.cc.get_biz_brief_cache_topo({"bk_biz_id": topo["biz"]}))
    assert brief["biz"] == {"id": topo["biz"], "nm": topo["biz_name"], "dft": 0, "bk_supplier_account": "0"}
    assert len(brief["idle"]) == 1
    idle = brief["idle"][0]
    assert {k: idle[k] for k in ("obj", "id", "nm", "dft")} == {"obj": "set", "id": topo["idle_set"],
                                                                 "nm": "idle pool", "dft": 1}
    assert sorted((n["obj"], n["id"], n["nm"], n["dft"], n["nds"]) for n in idle["nds"]) == sorted(
        ("module", mid, nm, d, None) for mid, nm, d in zip(topo["idle_modules"], IDLE_EN, [1, 2, 3]))
    # siblings sorted by name: a-... before b-..., alpha-... before zeta-...; leaves have nds null
    assert brief["nds"] == [
        {"obj": "set", "id": topo["set_a"], "nm": topo["set_a_name"], "dft": 0, "nds": [
            {"obj": "module", "id": topo["m_alpha"], "nm": topo["m_alpha_name"], "dft": 0, "nds": None},
            {"obj": "module", "id": topo["m_zeta"], "nm": topo["m_zeta_name"], "dft": 0, "nds": None}]},
        {"obj": "set", "id": topo["set_b"], "nm": topo["set_b_name"], "dft": 0, "nds": None}]
    # stored (Chinese) names, sorted by name
    zh = ok(client.cc.get_biz_brief_cache_topo({"bk_biz_id": topo["biz"]}, headers=ZH))
    assert zh["idle"][0]["nm"] == u"空闲机池"
    names = [n["nm"] for n in zh["idle"][0]["nds"]]
    assert sorted(names) == names and set(names) == set(IDLE_ZH)


def test_get_biz_brief_cache_topo_errors(client):
    fail(client.cc.get_biz_brief_cache_topo({"bk_biz_id": MISSING_ID}), 1199019)
    fail(client.cc.get_biz_brief_cache_topo({}), 1306406)
