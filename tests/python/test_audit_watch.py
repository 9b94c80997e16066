"""Area `audit-watch` (endpoints.tsv area `audit-watch`, 7 endpoints): the operation audit
(list_operation_audit, find_audit_by_id), the resource_watch change feed, and the legacy subscription registry
(subscribe_event, unsubcribe_event (sic), update_event_subscribe, search_subscription).

Spec: /work/shared/spec/audit-and-watch.md (§1 audit records, §2 resource_watch, §3 subscriptions), conventions.md
§1.3 (tenants), §3 (codes), §5.1 (legacy condition map), §6 (times). Cross-checked with the server's Rust tests
crates/cmdb/tests/audit_watch_api.rs and watch_stress.rs.

Tests share one server: every test writes its own uniquely named models, instances, businesses and subscriptions
and only looks at records and events of those (audit searches are scoped by resource name / id / model, watches by
`bk_filter.bk_sub_resource` or by the newest event right after a write of the test). No global counts are asserted.
`list_operation_audit` and `find_audit_by_id` have no operation in the official client; they are registered at run
time (CLIENT_NOTES.md), as is `create_object_association` (for inst_asst events).
One test (test_resource_watch_long_poll_expires_after_20s) waits the full 20 s long poll on purpose: the expiry
answers cannot be observed otherwise; its three watches run in parallel so it costs 20 s once.
"""
import base64
import re
import threading
import time

import pytest
from bkapi_client_core.base import Operation

from cmdb_helpers import DEFAULT_AUTH, HEX32, META_TIME, OPERATOR, fail, make_client, new_attr, new_cls, new_obj, ok, \
    unique

EXTRA_OPS = ("list_operation_audit", "find_audit_by_id",  # not in the client (endpoints.tsv: POST)
             "create_object_association")
NO_EVENT = "MQ0xDTVlYTZkM2YzOTRjMWY1ZDk4NmU5YmQ4Ng1ub0V2ZW50DTENMQ=="
MISSING_ID = 987654321
WIDE = {"start": "2000-01-01 00:00:00", "end": "2999-12-31 23:59:59"}
LONG_POLL = 20.0
TTL = 6 * 3600
INST_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?(Z|[+-]\d\d:\d\d)$")
BIZ_BASE = {"bk_biz_maintainer": OPERATOR, "time_zone": "Asia/Shanghai", "language": "1"}
# keys of a record of the list_operation_audit table view besides bk_biz_id (§1.4)
LIST_KEYS = {"id", "audit_type", "bk_supplier_account", "user", "resource_type", "action", "operate_from",
             "operation_detail", "operation_time", "resource_id", "resource_name", "extend_resource_name"}
# keys of a full record (§1.1) besides bk_biz_id (omitted when 0)
FULL_KEYS = LIST_KEYS | {"code", "rid"}
SUB_KEYS = {"subscription_id", "subscription_name", "system_name", "callback_url", "confirm_mode", "confirm_pattern",
            "time_out", "subscription_form", "operator", "bk_supplier_account", "last_time", "statistics"}
STATS = {"total": 0, "failure": 0}


def register(client):
    """Register the operations the official client lacks (CLIENT_NOTES.md)."""
    for name in EXTRA_OPS:
        if not hasattr(client.cc, name):
            client.cc.register(name, Operation(method="POST", path="/api/c/compapi{bk_api_ver}/cc/%s/" % name))
    return client


@pytest.fixture(autouse=True)
def _extra_ops(client):
    return register(client)


@pytest.fixture
def other_client(cmdb_url):
    """A second client (own session) for the thread of a concurrent request."""
    return register(make_client(cmdb_url, **DEFAULT_AUTH))


# ====================================================================================================
# helpers


def model(client, cls_id=None):
    if cls_id is None:
        cls_id = new_cls(client)["bk_classification_id"]
    return new_obj(client, cls_id)["bk_obj_id"]


def mk(client, obj_id, name, **values):
    body = dict({"bk_obj_id": obj_id, "bk_inst_name": name}, **values)
    data = ok(client.cc.create_inst(body))
    assert data["bk_inst_name"] == name
    return data


def new_biz(client, name=None):
    data = ok(client.cc.create_business({"data": dict(BIZ_BASE, bk_biz_name=name or unique("awbiz"))}))
    assert isinstance(data["bk_biz_id"], int) and data["bk_biz_id"] > 0, data
    return data


def new_set(client, biz_id, name=None, **extra):
    data = dict({"bk_parent_id": biz_id, "bk_set_name": name or unique("set")}, **extra)
    return ok(client.cc.create_set({"bk_biz_id": biz_id, "data": data}))


def audit_search(client, page=None, **cond):
    """list_operation_audit with a wide time window; returns the data."""
    cond.setdefault("operation_time", WIDE)
    body = {"condition": cond, "page": page if page is not None else {"start": 0, "limit": 200}}
    data = ok(client.cc.list_operation_audit(body))
    assert set(data) == {"count", "info"}, data
    assert isinstance(data["count"], int) and isinstance(data["info"], list), data
    return data


def audits(client, **cond):
    """All matching records (table view), oldest first; the test's scope must stay below 200 records."""
    data = audit_search(client, **cond)
    assert data["count"] == len(data["info"]), data
    return data["info"]


def actions(records):
    return [r["action"] for r in records]


def full(client, ids):
    data = ok(client.cc.find_audit_by_id({"id": list(ids)}))
    assert isinstance(data, list), data
    return data


def check_list_record(rec):
    """Table view shape (§1.4): listed keys real, the others zero values, no code/rid."""
    assert set(rec) - {"bk_biz_id"} == LIST_KEYS, rec
    assert rec["audit_type"] == "" and rec["bk_supplier_account"] == "" and rec["operate_from"] == "", rec
    assert rec["operation_detail"] is None, rec
    assert isinstance(rec["id"], int) and rec["id"] > 0, rec
    assert META_TIME.match(rec["operation_time"]), rec
    assert rec["extend_resource_name"] == "", rec
    assert rec["user"] and isinstance(rec["user"], str), rec


def check_full_record(rec, write_resp=None):
    """Full record shape (§1.1); write_resp: the envelope of the write that produced it (for rid)."""
    assert set(rec) - {"bk_biz_id"} == FULL_KEYS, rec
    assert rec["bk_supplier_account"] == "0", rec
    assert rec["operate_from"] == "user", rec
    assert rec["code"] == DEFAULT_AUTH["bk_app_code"], rec
    assert isinstance(rec["rid"], str) and HEX32.match(rec["rid"]), rec
    if write_resp is not None:
        assert rec["rid"] == write_resp["request_id"], (rec, write_resp["request_id"])
    assert META_TIME.match(rec["operation_time"]), rec
    assert rec["extend_resource_name"] == "", rec
    assert isinstance(rec["operation_detail"], dict), rec
    # a zero bk_biz_id key is tolerated here (test_audit_records_omit_zero_biz_id checks its omission)
    assert isinstance(rec.get("bk_biz_id", 0), int) and rec.get("bk_biz_id", 0) >= 0, rec


def details(rec):
    d = rec["operation_detail"]["details"]
    assert set(d) == {"pre_data", "cur_data", "update_fields"}, d
    return d


def wbody(obj_id=None, resource="object_instance", **extra):
    body = {"bk_resource": resource}
    if obj_id is not None:
        body["bk_filter"] = {"bk_sub_resource": obj_id}
    body.update(extra)
    return body


def watch(client, obj_id=None, resource="object_instance", **extra):
    data = ok(client.cc.resource_watch(wbody(obj_id, resource, **extra)))
    assert set(data) == {"bk_watched", "bk_events"}, data
    assert isinstance(data["bk_watched"], bool), data
    assert data["bk_events"], data
    for e in data["bk_events"]:
        assert set(e) == {"bk_cursor", "bk_resource", "bk_event_type", "bk_detail"}, e
        assert e["bk_resource"] == resource, e
        assert isinstance(e["bk_cursor"], str) and e["bk_cursor"], e
    if not data["bk_watched"]:
        assert len(data["bk_events"]) == 1, data
        assert data["bk_events"][0]["bk_detail"] is None, data
    else:
        for e in data["bk_events"]:
            assert e["bk_event_type"] in ("create", "update", "delete"), e
            assert isinstance(e["bk_detail"], dict), e
    return data


def not_watched(data, cursor, event_type=""):
    assert data["bk_watched"] is False, data
    assert data["bk_events"] == [{"bk_cursor": cursor, "bk_resource": data["bk_events"][0]["bk_resource"],
                                  "bk_event_type": event_type, "bk_detail": None}], data


def cursor_parts(cursor):
    """The `\\r`-separated fields of a cursor (§2.3)."""
    raw = base64.b64decode(cursor.encode("ascii"), validate=True)
    assert base64.b64encode(raw).decode("ascii") == cursor, "not standard padded Base64: %r" % cursor
    return raw.decode("utf-8").split("\r")


def make_cursor(*parts):
    return base64.b64encode("\r".join(str(p) for p in parts).encode("utf-8")).decode("ascii")


def oid(cursor):
    return int(cursor_parts(cursor)[2], 16)


def follow_all(client, obj_id, cursor=NO_EVENT, **extra):
    """The watched events of one immediate answer after cursor (the test makes sure some exist)."""
    data = watch(client, obj_id, bk_cursor=cursor, **extra)
    assert data["bk_watched"] is True, data
    return data["bk_events"]


def latest(client, obj_id, resource="object_instance", **extra):
    """The newest event (no-cursor mode) that must be the test's own and match."""
    data = watch(client, obj_id, resource, **extra)
    assert data["bk_watched"] is True and len(data["bk_events"]) == 1, data
    return data["bk_events"][0]


def in_thread(fn):
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as e:  # re-raised in the test thread
            box["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, box


def joined(t, box, timeout):
    t.join(timeout)
    assert not t.is_alive(), "request thread still running after %ss" % timeout
    if "error" in box:
        raise box["error"]
    return box["value"]


def later(delay, fn):
    """Run fn in another thread after delay seconds; returns (thread, box)."""
    return in_thread(lambda: (time.sleep(delay), fn())[1])


def next_second():
    """Sleep until the wall clock has entered a new second (so the newest event is strictly older)."""
    now = time.time()
    time.sleep(int(now) + 1.05 - now)


def day(offset):
    return time.strftime("%Y-%m-%d", time.localtime(time.time() + offset * 86400))


def subscription(name=None, **extra):
    body = {"subscription_name": name or unique("sub"), "system_name": "sys", "callback_url": "http://127.0.0.1:1/cb",
            "confirm_mode": "httpstatus", "subscription_form": "hostcreate"}
    body.update(extra)
    return body


def subscribe(client, **extra):
    body = subscription(**extra)
    data = ok(client.cc.subscribe_event(body))
    assert set(data) == {"subscription_id"}, data
    assert isinstance(data["subscription_id"], int) and data["subscription_id"] > 0, data
    return data["subscription_id"], body


def subs(client, cond, **extra):
    body = dict({"condition": cond}, **extra)
    data = ok(client.cc.search_subscription(body))
    assert set(data) == {"count", "info"}, data
    return data


def sub_by_id(client, sub_id, **extra):
    """The subscription record (visible to the caller), or None."""
    data = subs(client, {"subscription_id": sub_id}, **extra)
    assert data["count"] == len(data["info"]) <= 1, data
    return data["info"][0] if data["info"] else None


# ====================================================================================================
# audit records of every area (§1.2, §1.3)


def test_model_area_is_audited(client):
    cls = new_cls(client)
    cls_id = cls["bk_classification_id"]
    create_resp = client.cc.create_object({"bk_obj_id": unique("obj"), "bk_obj_name": unique("objname"),
                                           "bk_classification_id": cls_id, "bk_obj_icon": "icon-cc-default"})
    obj = ok(create_resp)
    renamed = unique("renamed")
    update_resp = client.cc.update_object({"id": obj["id"], "bk_obj_name": renamed})
    assert ok(update_resp) is None
    prop = new_attr(client, obj["bk_obj_id"])
    new_pname = unique("pn")
    attr_update = client.cc.update_object_attribute({"id": prop["id"], "bk_property_name": new_pname})
    assert ok(attr_update) is None
    attr_delete = client.cc.delete_object_attribute({"id": prop["id"]})
    assert ok(attr_delete) is None
    delete_resp = client.cc.delete_object({"id": obj["id"]})
    assert ok(delete_resp) is None

    # model: create, update, delete of the one model
    recs = audits(client, resource_type="model", resource_id=obj["id"])
    assert actions(recs) == ["create", "update", "delete"]
    for r in recs:
        check_list_record(r)
        assert r["resource_type"] == "model" and r["resource_id"] == obj["id"] and r["user"] == OPERATOR
        assert r.get("bk_biz_id", 0) == 0
    assert recs[0]["resource_name"] == obj["bk_obj_name"]
    assert recs[2]["resource_name"] == renamed
    assert [r["id"] for r in recs] == sorted(r["id"] for r in recs)

    got = full(client, [r["id"] for r in recs])
    assert [g["id"] for g in got] == [r["id"] for r in recs]
    for g, resp in zip(got, (create_resp, update_resp, delete_resp)):
        check_full_record(g, resp)
        assert g["audit_type"] == "model" and g["resource_type"] == "model" and g["user"] == OPERATOR
        assert set(g["operation_detail"]) == {"details"}, g  # "everything else" shape
    c, u, d = (details(g) for g in got)
    assert c["pre_data"] is None and c["update_fields"] is None
    assert c["cur_data"]["bk_obj_id"] == obj["bk_obj_id"] and c["cur_data"]["id"] == obj["id"]
    assert c["cur_data"]["bk_obj_name"] == obj["bk_obj_name"]
    assert u["cur_data"] is None
    assert u["pre_data"]["bk_obj_name"] == obj["bk_obj_name"]
    assert u["update_fields"] == {"bk_obj_name": renamed}
    assert d["cur_data"] is None and d["update_fields"] is None
    assert d["pre_data"]["bk_obj_name"] == renamed and d["pre_data"]["id"] == obj["id"]

    # attribute: create, update, delete with the model's id and name in the detail
    recs = audits(client, resource_type="model_attribute", resource_id=prop["id"])
    assert actions(recs) == ["create", "update", "delete"]
    assert recs[0]["resource_name"] == prop["bk_property_name"]
    assert recs[1]["resource_name"] == new_pname
    got = full(client, [r["id"] for r in recs])
    for g, resp in zip(got[1:], (attr_update, attr_delete)):
        check_full_record(g, resp)
    for g in got:
        assert g["audit_type"] == "model" and g["resource_type"] == "model_attribute"
        assert g["operation_detail"]["bk_obj_id"] == obj["bk_obj_id"]
        assert g["operation_detail"]["bk_obj_name"] == renamed
    c, u, d = (details(g) for g in got)
    assert c["cur_data"]["bk_property_id"] == prop["bk_property_id"] and c["pre_data"] is None
    assert u["update_fields"] == {"bk_property_name": new_pname}
    assert u["pre_data"]["bk_property_name"] == prop["bk_property_name"] and u["cur_data"] is None
    assert d["pre_data"]["bk_property_name"] == new_pname and d["cur_data"] is None

    # classification (model_group)
    recs = audits(client, resource_type="model_group", resource_id=cls["id"])
    assert actions(recs) == ["create"]
    assert recs[0]["resource_name"] == cls["bk_classification_name"]


def test_instance_area_is_audited(client):
    obj = model(client)
    name = unique("inst")
    create_resp = client.cc.create_inst({"bk_obj_id": obj, "bk_inst_name": name})
    inst = ok(create_resp)
    iid = inst["bk_inst_id"]
    renamed = unique("inst")
    update_resp = client.cc.update_inst({"bk_obj_id": obj, "bk_inst_id": iid, "bk_inst_name": renamed})
    assert ok(update_resp) is None
    delete_resp = client.cc.delete_inst({"bk_obj_id": obj, "bk_inst_id": iid})
    assert ok(delete_resp) is None

    recs = audits(client, resource_type="model_instance", bk_obj_id=obj)
    assert actions(recs) == ["create", "update", "delete"]
    assert [r["resource_name"] for r in recs] == [name, renamed, renamed]
    for r in recs:
        check_list_record(r)
        assert r["resource_type"] == "model_instance" and r["resource_id"] == iid and r["user"] == OPERATOR
        assert r.get("bk_biz_id", 0) == 0

    got = full(client, [r["id"] for r in recs])
    for g, resp in zip(got, (create_resp, update_resp, delete_resp)):
        check_full_record(g, resp)
        assert g["audit_type"] == "model_instance" and g["resource_type"] == "model_instance"
        assert set(g["operation_detail"]) == {"details", "bk_obj_id"}
        assert g["operation_detail"]["bk_obj_id"] == obj
        assert g["resource_id"] == iid
    c, u, d = (details(g) for g in got)
    assert c["pre_data"] is None and c["update_fields"] is None
    assert c["cur_data"]["bk_inst_id"] == iid and c["cur_data"]["bk_inst_name"] == name
    assert c["cur_data"]["bk_obj_id"] == obj
    assert u["pre_data"]["bk_inst_name"] == name and u["cur_data"] is None
    assert u["update_fields"] == {"bk_inst_name": renamed}
    assert d["pre_data"]["bk_inst_name"] == renamed and d["pre_data"]["bk_inst_id"] == iid
    assert d["cur_data"] is None and d["update_fields"] is None


def test_topology_area_is_audited(client):
    biz_name = unique("awbiz")
    biz_resp = client.cc.create_business({"data": dict(BIZ_BASE, bk_biz_name=biz_name)})
    biz = ok(biz_resp)["bk_biz_id"]
    biz_renamed = unique("awbiz")
    assert ok(client.cc.update_business({"bk_biz_id": biz, "data": {"bk_biz_name": biz_renamed}})) is None
    set_name = unique("set")
    set_resp = client.cc.create_set({"bk_biz_id": biz, "data": {"bk_parent_id": biz, "bk_set_name": set_name}})
    set_id = ok(set_resp)["bk_set_id"]
    update_resp = client.cc.update_set({"bk_biz_id": biz, "bk_set_id": set_id, "data": {"bk_set_desc": "d"}})
    assert ok(update_resp) is None
    delete_resp = client.cc.delete_set({"bk_biz_id": biz, "bk_set_id": set_id})
    assert ok(delete_resp) is None

    recs = audits(client, resource_type="set", resource_name=set_name)
    assert actions(recs) == ["create", "update", "delete"]
    for r in recs:
        check_list_record(r)
        assert r["bk_biz_id"] == biz and r["resource_id"] == set_id and r["user"] == OPERATOR
    got = full(client, [r["id"] for r in recs])
    for g, resp in zip(got, (set_resp, update_resp, delete_resp)):
        check_full_record(g, resp)
        assert g["audit_type"] == "business_resource" and g["resource_type"] == "set"
        assert g["bk_biz_id"] == biz
        assert g["operation_detail"]["bk_obj_id"] == "set"
    c, u, d = (details(g) for g in got)
    assert c["cur_data"]["bk_set_name"] == set_name and c["cur_data"]["bk_set_id"] == set_id
    assert c["pre_data"] is None
    assert u["update_fields"] == {"bk_set_desc": "d"}
    assert u["pre_data"]["bk_set_desc"] == "" and u["cur_data"] is None
    assert d["pre_data"]["bk_set_desc"] == "d" and d["cur_data"] is None

    # the business itself: create and update
    recs = audits(client, resource_type="business", resource_id=biz)
    assert actions(recs) == ["create", "update"]
    assert [r["resource_name"] for r in recs] == [biz_name, biz_renamed]
    got = full(client, [r["id"] for r in recs])
    check_full_record(got[0], biz_resp)
    for g in got:
        assert g["audit_type"] == "business" and g["bk_biz_id"] == biz
        assert g["operation_detail"]["bk_obj_id"] == "biz"
    assert details(got[1])["update_fields"]["bk_biz_name"] == biz_renamed
    # every record of the new business: the business, the idle-pool set and its modules, the set above
    by_biz = audits(client, bk_biz_id=biz)
    types = {(r["resource_type"], r["action"]) for r in by_biz}
    assert {("business", "create"), ("business", "update"), ("set", "create"), ("set", "update"),
            ("set", "delete"), ("module", "create")} <= types
    assert all(r["bk_biz_id"] == biz for r in by_biz)


def test_failed_writes_are_not_audited(client):
    obj = model(client)
    name = unique("inst")
    inst = mk(client, obj, name)
    fail(client.cc.create_inst({"bk_obj_id": obj, "bk_inst_name": name}), 1199014)  # duplicate name
    res = client.cc.update_inst({"bk_obj_id": obj, "bk_inst_id": MISSING_ID, "bk_inst_name": "x"})
    assert res["result"] is False
    fail(client.cc.subscribe_event(subscription(name=name, confirm_mode="never")), 1199006)
    recs = audits(client, resource_name=name)
    assert [(r["resource_type"], r["action"], r["resource_id"]) for r in recs] == [
        ("model_instance", "create", inst["bk_inst_id"])]
    assert audits(client, resource_type="model_instance", bk_obj_id=obj) == recs


# ====================================================================================================
# list_operation_audit (§1.4)


@pytest.fixture(scope="module")
def trail(cmdb_url):
    """Records of one model instance (create by admin, update by another user, delete), one model and one set.

    Returns a dict with the names and ids."""
    admin = register(make_client(cmdb_url, **DEFAULT_AUTH))
    user2 = unique("auditor")
    other = register(make_client(cmdb_url, **dict(DEFAULT_AUTH, bk_username=user2)))
    obj = new_obj(admin)
    name = unique("trailinst")
    iid = mk(admin, obj["bk_obj_id"], name)["bk_inst_id"]
    ok(other.cc.update_inst({"bk_obj_id": obj["bk_obj_id"], "bk_inst_id": iid, "bk_inst_name": name}))
    ok(admin.cc.delete_inst({"bk_obj_id": obj["bk_obj_id"], "bk_inst_id": iid}))
    biz = new_biz(admin)["bk_biz_id"]
    set_name = unique("trailset")
    set_id = new_set(admin, biz, set_name)["bk_set_id"]
    ok(admin.cc.update_set({"bk_biz_id": biz, "bk_set_id": set_id, "data": {"bk_set_desc": "x"}}))
    ok(admin.cc.delete_set({"bk_biz_id": biz, "bk_set_id": set_id}))
    return {"obj": obj["bk_obj_id"], "obj_name": obj["bk_obj_name"], "model_id": obj["id"], "name": name,
            "iid": iid, "user2": user2, "biz": biz, "set_name": set_name, "set_id": set_id}


def count(client, **cond):
    return audit_search(client, **cond)["count"]


def test_list_operation_audit_record_view(client, trail):
    recs = audits(client, resource_type="model_instance", bk_obj_id=trail["obj"])
    assert actions(recs) == ["create", "update", "delete"]
    assert [r["user"] for r in recs] == [OPERATOR, trail["user2"], OPERATOR]
    for r in recs:
        check_list_record(r)
        assert r["resource_id"] == trail["iid"] and r["resource_name"] == trail["name"]
    sets = audits(client, resource_name=trail["set_name"])
    assert actions(sets) == ["create", "update", "delete"]
    for r in sets:
        check_list_record(r)
        assert set(r) == LIST_KEYS | {"bk_biz_id"} and r["bk_biz_id"] == trail["biz"]


def test_list_operation_audit_simple_filters(client, trail):
    obj, name, set_name = trail["obj"], trail["name"], trail["set_name"]
    inst = dict(resource_type="model_instance", bk_obj_id=obj)
    assert actions(audits(client, action=["delete"], **inst)) == ["delete"]
    assert actions(audits(client, action=["create", "update"], **inst)) == ["create", "update"]
    assert actions(audits(client, action=["update", "delete"], resource_name=set_name)) == ["update", "delete"]
    assert audits(client, action=["archive"], **inst) == []
    # user / operate_from / audit_type / resource_id / bk_biz_id equality
    assert actions(audits(client, user=trail["user2"], **inst)) == ["update"]
    assert [r["resource_name"] for r in audits(client, user=trail["user2"])] == [name]
    assert count(client, user=OPERATOR, **inst) == 2
    assert count(client, operate_from="user", **inst) == 3
    assert count(client, operate_from="cc_system", **inst) == 0
    assert count(client, audit_type="model_instance", resource_name=name) == 3
    assert count(client, audit_type="business_resource", resource_name=name) == 0
    assert count(client, resource_type="model_instance", resource_id=trail["iid"]) == 3
    assert count(client, resource_type="set", resource_id=trail["set_id"]) == 3
    assert count(client, resource_type="set", resource_id=MISSING_ID) == 0
    assert count(client, bk_biz_id=trail["biz"], resource_name=set_name) == 3
    assert count(client, bk_biz_id=trail["biz"], resource_name=name) == 0
    assert count(client, bk_biz_id=0, resource_name=name) == 3  # 0 = no filter
    assert count(client, resource_type="model", resource_id=trail["model_id"]) == 1
    # resource_name equality is exact
    assert count(client, resource_name=name.upper()) == 0
    assert count(client, resource_name=name[:-1]) == 0


def test_list_operation_audit_bk_obj_id(client, trail):
    assert count(client, resource_type="model_instance", bk_obj_id=trail["obj"]) == 3
    assert count(client, resource_type="model_instance", bk_obj_id=unique("nomodel")) == 0
    assert count(client, resource_type="instance_association", bk_obj_id=trail["obj"]) == 0
    for bad in ({"resource_type": "set"}, {"resource_type": "model"}, {}):
        body = {"condition": dict({"operation_time": WIDE, "bk_obj_id": trail["obj"]}, **bad),
                "page": {"limit": 10}}
        fail(client.cc.list_operation_audit(body), 1199006)


def test_list_operation_audit_category(client, trail):
    name, set_name = trail["name"], trail["set_name"]
    assert count(client, category="resource", resource_name=name) == 3  # model_instance
    assert count(client, category="business", resource_name=name) == 0
    assert count(client, category="business", resource_name=set_name) == 3  # business_resource
    assert count(client, category="resource", resource_name=set_name) == 0
    assert count(client, category="host", resource_name=set_name) == 0
    assert count(client, category="other", resource_type="model", resource_id=trail["model_id"]) == 1
    assert count(client, category="other", resource_name=name) == 0
    assert count(client, category="no_such_category", resource_name=name) == 0
    # category together with audit_type
    assert count(client, category="business", audit_type="business_resource", resource_name=set_name) == 3
    assert count(client, category="resource", audit_type="model_instance", resource_name=name) == 3
    mismatch = audit_search(client, category="host", audit_type="model_instance", resource_name=name)
    assert mismatch == {"count": 0, "info": []}
    assert count(client, category="resource", audit_type="host", resource_name=name) == 0  # accepted


def test_list_operation_audit_fuzzy_and_condition(client, trail):
    name, set_name, user2 = trail["name"], trail["set_name"], trail["user2"]
    inst = dict(resource_type="model_instance", bk_obj_id=trail["obj"])
    # fuzzy_query: case-insensitive regular expression on resource_name
    assert count(client, resource_name=name.upper(), fuzzy_query=True) == 3
    assert count(client, resource_name="^" + name[:12].upper() + ".*" + name[-4:], fuzzy_query=True) == 3
    assert count(client, resource_name=name[3:], fuzzy_query=True) == 3
    assert count(client, resource_name=name[3:], fuzzy_query=False) == 0
    assert count(client, resource_name=name + "$x", fuzzy_query=True) == 0

    def cond(*rules, **extra):
        return count(client, condition=[{"field": f, "operator": o, "value": v} for f, o, v in rules], **extra)

    assert cond(("resource_name", "in", [name, set_name])) == 6
    assert cond(("resource_name", "in", [name, unique("none")])) == 3
    assert cond(("resource_name", "not_in", [name]), **inst) == 0
    assert cond(("resource_name", "not_in", [set_name]), **inst) == 3
    assert cond(("resource_name", "contains", name[4:].upper())) == 3
    assert cond(("resource_name", "contains", name[4:].upper()), action=["delete"]) == 1
    assert cond(("user", "in", [user2]), **inst) == 1
    assert cond(("user", "in", [user2, OPERATOR]), **inst) == 3
    assert cond(("user", "not_in", [user2]), **inst) == 2
    assert cond(("user", "in", [user2]), ("resource_name", "in", [name])) == 1
    assert cond(("user", "not_in", [OPERATOR]), ("resource_name", "contains", name)) == 1


@pytest.mark.parametrize("rules, extra", [
    ([{"field": "user", "operator": "equal", "value": "a"}], {}),
    ([{"field": "resource_name", "operator": "regex", "value": "a"}], {}),
    ([{"field": "user", "operator": "contains", "value": "a"}], {}),
    ([{"field": "user", "operator": "in", "value": ["a"]}], {"user": "a"}),
    ([{"field": "resource_name", "operator": "in", "value": ["a"]}], {"resource_name": "a"}),
], ids=["equal", "regex", "contains-on-user", "with-user", "with-resource_name"])
def test_list_operation_audit_condition_errors(client, rules, extra):
    body = {"condition": dict({"operation_time": WIDE, "condition": rules}, **extra), "page": {"limit": 10}}
    fail(client.cc.list_operation_audit(body), 1199006)


def test_list_operation_audit_operation_time(client, trail):
    name = trail["name"]
    for window in ({"start": day(-2)}, {"end": day(2)}, {"start": day(-2), "end": day(2)},
                   {"start": day(-2) + " 00:00:00", "end": ""}, {"start": day(-2) + "T00:00:00+00:00"},
                   {"start": "", "end": day(2) + "T23:59:59Z"}):
        assert count(client, operation_time=window, resource_name=name) == 3, window
    for window in ({"start": day(2)}, {"end": day(-2)}, {"start": "2099-01-01"}, {"end": "2000-01-02 00:00:00"}):
        assert count(client, operation_time=window, resource_name=name) == 0, window
    page = {"start": 0, "limit": 10}
    for cond in ({}, {"operation_time": {}}, {"operation_time": {"start": "", "end": ""}}, {"resource_name": name}):
        fail(client.cc.list_operation_audit({"condition": cond, "page": page}), 1199010)
    fail(client.cc.list_operation_audit({"page": page}), 1199010)
    for bad in ({"start": "yesterday"}, {"end": "2020-13-45"}, {"start": "2020-09-23 25:61:00"}):
        fail(client.cc.list_operation_audit({"condition": {"operation_time": bad}, "page": page}), 1199006)


def test_list_operation_audit_sort_and_paging(client, trail):
    name, set_name = trail["name"], trail["set_name"]
    names = {"condition": [{"field": "resource_name", "operator": "in", "value": [name, set_name]}]}
    asc = audits(client, **names)
    ids = [r["id"] for r in asc]
    assert len(ids) == 6 and ids == sorted(ids)  # default: id ascending
    desc = audit_search(client, page={"start": 0, "limit": 10, "sort": "-id"}, **names)["info"]
    assert [r["id"] for r in desc] == ids[::-1]
    by_time = audit_search(client, page={"start": 0, "limit": 10, "sort": "-operation_time"}, **names)["info"]
    times = [r["operation_time"] for r in by_time]
    assert times == sorted(times, reverse=True) and sorted(r["id"] for r in by_time) == ids
    by_action = audit_search(client, page={"start": 0, "limit": 10, "sort": "action,-id"}, **names)["info"]
    assert [r["action"] for r in by_action] == ["create"] * 2 + ["delete"] * 2 + ["update"] * 2
    # paging: count is the total, info the page
    page = audit_search(client, page={"start": 1, "limit": 2}, **names)
    assert page["count"] == 6 and [r["id"] for r in page["info"]] == ids[1:3]
    page = audit_search(client, page={"start": 4, "limit": 200, "sort": "-id"}, **names)
    assert page["count"] == 6 and [r["id"] for r in page["info"]] == ids[::-1][4:]
    page = audit_search(client, page={"start": 50, "limit": 5}, **names)
    assert page == {"count": 6, "info": []}
    page = audit_search(client, page={"limit": 1}, **names)
    assert page["count"] == 6 and [r["id"] for r in page["info"]] == ids[:1]
    fuzzy = audit_search(client, page={"start": 1, "limit": 1, "sort": "-id"}, resource_name=name.upper(),
                         fuzzy_query=True)
    assert fuzzy["count"] == 3 and [r["id"] for r in fuzzy["info"]] == [ids[1]]


@pytest.mark.parametrize("page, code", [
    ({"start": 0, "limit": 0}, 1199006),
    ({"start": 0}, 1199006),
    (None, 1199006),
    ({"start": 0, "limit": 201}, 1199059),
    ({"start": 0, "limit": 1000}, 1199059),
], ids=["limit0", "no-limit", "no-page", "limit201", "limit1000"])
def test_list_operation_audit_page_limits(client, page, code):
    body = {"condition": {"operation_time": WIDE}}
    if page is not None:
        body["page"] = page
    fail(client.cc.list_operation_audit(body), code)


def test_list_operation_audit_limit_200_is_accepted(client, trail):
    data = audit_search(client, page={"start": 0, "limit": 200}, resource_name=trail["name"])
    assert data["count"] == 3 and len(data["info"]) == 3


def test_list_operation_audit_negative_limit(client):
    fail(client.cc.list_operation_audit({"condition": {"operation_time": WIDE}, "page": {"start": 0, "limit": -1}}),
         1199006)


def test_list_operation_audit_tenants(client):
    """Tenant visibility (conventions.md §1.3) on audit records: subscriptions of two tenants with one name."""
    name = unique("tsub")
    ok(client.cc.subscribe_event(subscription(name=name)))
    ok(client.cc.subscribe_event(subscription(name=name, bk_supplier_account="tx_aw")))
    body = {"condition": {"operation_time": WIDE, "resource_name": name}, "page": {"limit": 10}}
    mine = ok(client.cc.list_operation_audit(body))
    assert mine["count"] == 1
    theirs = ok(client.cc.list_operation_audit(dict(body, bk_supplier_account="tx_aw")))
    assert theirs["count"] == 2  # own and tenant 0
    every = ok(client.cc.list_operation_audit(dict(body, bk_supplier_account="superadmin")))
    assert every["count"] == 2
    ids = sorted(r["id"] for r in every["info"])
    foreign = [i for i in ids if i not in [r["id"] for r in mine["info"]]]
    assert len(foreign) == 1
    # find_audit_by_id: the other tenant's record is invisible to tenant 0
    assert [r["id"] for r in full(client, ids)] == [mine["info"][0]["id"]]
    fail(client.cc.find_audit_by_id({"id": foreign}), 1199011)
    got = ok(client.cc.find_audit_by_id({"id": foreign, "bk_supplier_account": "tx_aw"}))
    assert len(got) == 1 and got[0]["bk_supplier_account"] == "tx_aw"


# ====================================================================================================
# find_audit_by_id (§1.5)


def test_find_audit_by_id(client, trail):
    recs = audits(client, resource_type="model_instance", bk_obj_id=trail["obj"])
    ids = [r["id"] for r in recs]
    # storage order whatever the request order; unknown ids omitted; duplicates harmless
    got = full(client, [MISSING_ID, ids[2], ids[0], ids[1], ids[0]])
    assert [g["id"] for g in got] == ids
    for g, r in zip(got, recs):
        check_full_record(g)
        for k in ("id", "user", "resource_type", "action", "operation_time", "resource_id", "resource_name",
                  "extend_resource_name"):
            assert g[k] == r[k], k
        assert g["audit_type"] == "model_instance"
    assert [g["user"] for g in got] == [OPERATOR, trail["user2"], OPERATOR]
    one = full(client, [ids[1]])
    assert one == [got[1]]
    # 200 ids are accepted
    assert [g["id"] for g in full(client, [ids[0]] + list(range(MISSING_ID, MISSING_ID + 199)))] == [ids[0]]


@pytest.mark.parametrize("body, code", [
    ({"id": []}, 1199010),
    ({}, 1199010),
    ({"id": [MISSING_ID]}, 1199011),
    ({"id": [MISSING_ID, MISSING_ID + 1]}, 1199011),
    ({"id": list(range(MISSING_ID, MISSING_ID + 201))}, 1199059),
    ({"id": "1"}, 1199000),
], ids=["empty", "absent", "unknown", "unknowns", "201-ids", "not-a-list"])
def test_find_audit_by_id_errors(client, body, code):
    fail(client.cc.find_audit_by_id(body), code)


def test_audit_records_omit_zero_biz_id(client):
    obj = model(client)
    inst = mk(client, obj, unique("inst"))
    listed = audits(client, resource_type="model_instance", resource_id=inst["bk_inst_id"])
    assert len(listed) == 1
    got = full(client, [listed[0]["id"]])
    assert "bk_biz_id" not in got[0], got[0]
    assert "bk_biz_id" not in listed[0], listed[0]


@pytest.mark.parametrize("area", ["instance", "model"])
def test_audit_detail_times_are_rendered(client, area):
    if area == "instance":
        obj = model(client)
        created = mk(client, obj, unique("inst"))
        recs = audits(client, resource_type="model_instance", resource_id=created["bk_inst_id"])
        keys = ("create_time", "last_time", "bk_created_at", "bk_updated_at")
        pattern = INST_TIME
    else:
        created = new_obj(client)
        recs = audits(client, resource_type="model", resource_id=created["id"])
        keys = ("create_time", "last_time")
        pattern = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
    cur = details(full(client, [recs[0]["id"]])[0])["cur_data"]
    for k in keys:
        assert isinstance(cur[k], str) and pattern.match(cur[k]), (k, cur[k], created[k])


# ====================================================================================================
# resource_watch (§2)


def test_resource_watch_latest_event_mode(client):
    obj = model(client)
    # nothing of this model yet: whatever the newest object_instance event is, it does not match
    not_watched(watch(client, obj), NO_EVENT)
    inst = mk(client, obj, unique("w"))
    e = latest(client, obj)
    assert e["bk_event_type"] == "create"
    assert e["bk_detail"] == inst  # the stored document, rendered like the create answer
    parts = cursor_parts(e["bk_cursor"])
    assert len(parts) == 7, parts
    assert parts[0] == "1" and parts[1] == "8" and parts[3] == "insert"
    assert re.match(r"^[0-9a-f]{24}$", parts[2]) and parts[5] == "1"
    assert abs(int(parts[4]) - time.time()) < 120
    assert parts[6] == str(inst["bk_inst_id"])
    # the same again (no cursor = the latest event itself)
    assert latest(client, obj)["bk_cursor"] == e["bk_cursor"]
    # projection: top-level keys only, no implicit id, unknown names ignored
    p = latest(client, obj, bk_fields=["bk_inst_name", "no_such_field"])
    assert p["bk_detail"] == {"bk_inst_name": inst["bk_inst_name"]}
    assert p["bk_cursor"] == e["bk_cursor"]
    p = latest(client, obj, bk_fields=["bk_inst_id", "bk_obj_id", "create_time"])
    assert p["bk_detail"] == {k: inst[k] for k in ("bk_inst_id", "bk_obj_id", "create_time")}
    assert latest(client, obj, bk_fields=[])["bk_detail"] == inst
    # filters against the latest event: matching types / not matching
    assert latest(client, obj, bk_event_types=["create", "delete"])["bk_cursor"] == e["bk_cursor"]
    not_watched(watch(client, obj, bk_event_types=["update", "delete"]), NO_EVENT)
    not_watched(watch(client, model(client)), NO_EVENT)
    # without sub-resource filter the latest object_instance event is this one (nothing written since)
    assert latest(client, None)["bk_cursor"] == e["bk_cursor"]
    assert latest(client, None, bk_filter={"bk_sub_resource": ""})["bk_cursor"] == e["bk_cursor"]


def test_resource_watch_follows_cursors(client):
    obj = model(client)
    inst = mk(client, obj, "a")
    iid = inst["bk_inst_id"]
    created = latest(client, obj)
    ok(client.cc.update_inst({"bk_obj_id": obj, "bk_inst_id": iid, "bk_inst_name": "a2"}))
    second = mk(client, obj, "b")
    ok(client.cc.delete_inst({"bk_obj_id": obj, "bk_inst_id": iid}))

    after = follow_all(client, obj, created["bk_cursor"])
    assert [(e["bk_event_type"], e["bk_detail"]["bk_inst_id"]) for e in after] == [
        ("update", iid), ("create", second["bk_inst_id"]), ("delete", iid)]
    assert after[0]["bk_detail"]["bk_inst_name"] == "a2"
    assert after[1]["bk_detail"] == second
    assert after[2]["bk_detail"]["bk_inst_name"] == "a2"  # the document as it was before deletion
    assert after[2]["bk_detail"]["bk_obj_id"] == obj
    ops = [cursor_parts(e["bk_cursor"])[3] for e in after]
    assert ops == ["update", "insert", "delete"]
    assert [cursor_parts(e["bk_cursor"])[6] for e in after] == [str(iid), str(second["bk_inst_id"]), str(iid)]
    # the no-event cursor: from the earliest retained event, inclusive
    everything = follow_all(client, obj, NO_EVENT)
    assert [e["bk_cursor"] for e in everything] == [created["bk_cursor"]] + [e["bk_cursor"] for e in after]
    assert everything[0]["bk_detail"] == inst
    ids = [oid(e["bk_cursor"]) for e in everything]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    # following from any event's cursor gives exactly the events after it
    for i, ev in enumerate(everything[:-1]):
        assert follow_all(client, obj, ev["bk_cursor"]) == everything[i + 1:]
    # types filter
    assert [e["bk_event_type"] for e in follow_all(client, obj, NO_EVENT, bk_event_types=["delete"])] == ["delete"]
    upd_del = follow_all(client, obj, created["bk_cursor"], bk_event_types=["update", "delete"])
    assert [e["bk_cursor"] for e in upd_del] == [after[0]["bk_cursor"], after[2]["bk_cursor"]]
    creates = follow_all(client, obj, NO_EVENT, bk_event_types=["create"])
    assert [e["bk_detail"]["bk_inst_name"] for e in creates] == ["a", "b"]
    # projection applies to every event
    projected = follow_all(client, obj, NO_EVENT, bk_fields=["bk_inst_name"])
    assert [e["bk_detail"] for e in projected] == [{"bk_inst_name": n} for n in ("a", "a2", "b", "a2")]


def test_resource_watch_at_most_200_events_per_answer(client):
    obj = model(client)
    for chunk in range(2):
        data = ok(client.cc.batch_create_inst({"bk_obj_id": obj, "details": [
            {"bk_inst_name": "n%03d" % (chunk * 110 + i)} for i in range(110)]}))
        assert data["error_msg"] == {}, data
    first = follow_all(client, obj, NO_EVENT)
    assert len(first) == 200
    rest = follow_all(client, obj, first[-1]["bk_cursor"])
    assert len(rest) == 20
    names = [e["bk_detail"]["bk_inst_name"] for e in first + rest]
    assert names == ["n%03d" % i for i in range(220)]
    ids = [oid(e["bk_cursor"]) for e in first + rest]
    assert ids == sorted(ids) and len(set(ids)) == 220
    assert all(e["bk_event_type"] == "create" for e in first + rest)


def test_resource_watch_long_poll_wakes_on_write(client, other_client):
    obj = model(client)
    iid = mk(client, obj, "a")["bk_inst_id"]
    cursor = latest(client, obj)["bk_cursor"]
    # the write comes from another thread while this thread's watch call is waiting
    t, box = later(1.0, lambda: other_client.cc.update_inst(
        {"bk_obj_id": obj, "bk_inst_id": iid, "bk_inst_name": "woken"}))
    started = time.time()
    data = watch(client, obj, bk_cursor=cursor)
    elapsed = time.time() - started
    ok(joined(t, box, 10))
    assert 0.8 <= elapsed < 5.0, "long poll answered after %.2fs" % elapsed
    assert data["bk_watched"] is True
    assert [(e["bk_event_type"], e["bk_detail"]["bk_inst_name"]) for e in data["bk_events"]] == [("update", "woken")]


def test_resource_watch_long_poll_ignores_other_models(client, other_client):
    """A write of another model wakes the waiting watcher, which keeps waiting until its own model changes."""
    obj, noise = model(client), model(client)
    mk(client, obj, "a")
    cursor = latest(client, obj)["bk_cursor"]

    def writes():
        time.sleep(0.7)
        ok(other_client.cc.create_inst({"bk_obj_id": noise, "bk_inst_name": "noise"}))
        time.sleep(0.7)
        return ok(other_client.cc.create_inst({"bk_obj_id": obj, "bk_inst_name": "mine"}))

    t, box = in_thread(writes)
    started = time.time()
    data = watch(client, obj, bk_cursor=cursor)
    elapsed = time.time() - started
    mine = joined(t, box, 10)
    assert 1.2 <= elapsed < 5.0, "long poll answered after %.2fs" % elapsed
    assert data["bk_watched"] is True and [e["bk_detail"] for e in data["bk_events"]] == [mine]


def test_resource_watch_long_poll_expires_after_20s(client, cmdb_url):
    """The three expiry answers of §2.4, in parallel so that the 20 s are spent once."""
    obj, noise = model(client), model(client)
    iid = mk(client, obj, "a")["bk_inst_id"]
    ok(client.cc.update_inst({"bk_obj_id": obj, "bk_inst_id": iid, "bk_inst_name": "a2"}))
    c1, c2 = [e["bk_cursor"] for e in follow_all(client, obj, NO_EVENT)]
    clients = [register(make_client(cmdb_url, **DEFAULT_AUTH)) for _ in range(3)]
    started = time.time()
    threads = [
        # nothing retained for the resource at all -> the caller's cursor
        in_thread(lambda: clients[0].cc.resource_watch(wbody(None, "kube_pod", bk_cursor=NO_EVENT))),
        # events retained but none matching -> the latest event's cursor, with its type, no detail
        in_thread(lambda: clients[1].cc.resource_watch(wbody(obj, bk_cursor=c1, bk_event_types=["delete"]))),
        in_thread(lambda: clients[2].cc.resource_watch(wbody(obj, bk_cursor=c2))),
    ]
    time.sleep(1.0)
    noise_inst = mk(client, noise, "noise")  # newest object_instance event, of another model
    answers = [ok(joined(t, box, LONG_POLL + 10)) for t, box in threads]
    elapsed = time.time() - started
    assert LONG_POLL - 1.0 <= elapsed < LONG_POLL + 8.0, elapsed
    noise_event = latest(client, noise)
    assert noise_event["bk_detail"] == noise_inst
    not_watched(answers[0], NO_EVENT)
    assert answers[0]["bk_events"][0]["bk_resource"] == "kube_pod"
    not_watched(answers[1], noise_event["bk_cursor"], "create")
    not_watched(answers[2], noise_event["bk_cursor"], "create")
    # continuing from that cursor skips the non-matching event
    ok(client.cc.delete_inst({"bk_obj_id": obj, "bk_inst_id": iid}))
    rest = follow_all(client, obj, noise_event["bk_cursor"])
    assert [e["bk_event_type"] for e in rest] == ["delete"]


def test_resource_watch_start_from(client, other_client):
    obj = model(client)
    a = mk(client, obj, "a")
    ok(client.cc.update_inst({"bk_obj_id": obj, "bk_inst_id": a["bk_inst_id"], "bk_inst_name": "a2"}))
    b = mk(client, obj, "b")
    events = follow_all(client, obj, NO_EVENT)
    assert len(events) == 3
    now = int(time.time())
    # events newer than start_from that match -> watched
    for start in (now - 60, now - TTL + 600):
        data = watch(client, obj, bk_start_from=start)
        assert data["bk_watched"] is True and data["bk_events"] == events, start
    data = watch(client, obj, bk_start_from=now - 60, bk_event_types=["update"], bk_fields=["bk_inst_name"])
    assert data["bk_watched"] is True
    assert data["bk_events"] == [dict(events[1], bk_detail={"bk_inst_name": "a2"})]
    # newer events exist but none matches -> the latest event's cursor, not watched
    data = watch(client, obj, bk_start_from=now - 60, bk_event_types=["delete"])
    not_watched(data, events[2]["bk_cursor"], "create")
    assert events[2]["bk_detail"] == b
    # the latest event is not newer than start_from -> as if watching from now (long poll, woken by a write)
    next_second()
    t, box = later(1.0, lambda: other_client.cc.delete_inst({"bk_obj_id": obj, "bk_inst_id": b["bk_inst_id"]}))
    started = time.time()
    data = watch(client, obj, bk_start_from=int(time.time()))
    elapsed = time.time() - started
    ok(joined(t, box, 10))
    assert 0.8 <= elapsed < 5.0, elapsed
    assert data["bk_watched"] is True
    assert [(e["bk_event_type"], e["bk_detail"]) for e in data["bk_events"]] == [("delete", b)]
    # nothing retained for the resource -> the no-event cursor at once
    started = time.time()
    not_watched(watch(client, None, "kube_pod", bk_start_from=int(time.time()) - 10), NO_EVENT)
    assert time.time() - started < 5.0


@pytest.mark.parametrize("resource, fields", [
    ("biz", ["bk_biz_id", "bk_biz_name"]),
    ("set", ["bk_set_id", "bk_set_name", "bk_biz_id", "default"]),
    ("module", ["bk_module_id", "bk_module_name", "bk_set_id", "bk_biz_id"]),
])
def test_resource_watch_topology_resources(client, resource, fields):
    biz = new_biz(client)
    biz_id = biz["bk_biz_id"]
    if resource == "biz":
        expected = {"bk_biz_id": biz_id, "bk_biz_name": biz["bk_biz_name"]}
        e = latest(client, None, resource, bk_fields=fields)
        assert e["bk_event_type"] == "create" and e["bk_detail"] == expected
        assert cursor_parts(e["bk_cursor"])[1] == "4"
        renamed = unique("awbiz")
        ok(client.cc.update_business({"bk_biz_id": biz_id, "data": {"bk_biz_name": renamed}}))
        nxt = follow_all(client, None, e["bk_cursor"], resource=resource, bk_fields=fields)
        assert [(x["bk_event_type"], x["bk_detail"]) for x in nxt] == [
            ("update", {"bk_biz_id": biz_id, "bk_biz_name": renamed})]
        return
    s = new_set(client, biz_id)
    if resource == "set":
        e = latest(client, None, resource, bk_fields=fields)
        assert e["bk_event_type"] == "create"
        assert e["bk_detail"] == {"bk_set_id": s["bk_set_id"], "bk_set_name": s["bk_set_name"],
                                  "bk_biz_id": biz_id, "default": 0}
        assert cursor_parts(e["bk_cursor"])[1] == "5" and len(cursor_parts(e["bk_cursor"])) == 6
        ok(client.cc.update_set({"bk_biz_id": biz_id, "bk_set_id": s["bk_set_id"], "data": {"bk_set_desc": "d"}}))
        ok(client.cc.delete_set({"bk_biz_id": biz_id, "bk_set_id": s["bk_set_id"]}))
        nxt = follow_all(client, None, e["bk_cursor"], resource=resource, bk_fields=["bk_set_id", "bk_set_desc"])
        assert [(x["bk_event_type"], x["bk_detail"]) for x in nxt] == [
            ("update", {"bk_set_id": s["bk_set_id"], "bk_set_desc": "d"}),
            ("delete", {"bk_set_id": s["bk_set_id"], "bk_set_desc": "d"})]
        return
    m = ok(client.cc.create_module({"bk_biz_id": biz_id, "bk_set_id": s["bk_set_id"], "data": {
        "bk_parent_id": s["bk_set_id"], "bk_module_name": unique("mod")}}))
    e = latest(client, None, resource, bk_fields=fields)
    assert e["bk_event_type"] == "create"
    assert e["bk_detail"] == {"bk_module_id": m["bk_module_id"], "bk_module_name": m["bk_module_name"],
                              "bk_set_id": s["bk_set_id"], "bk_biz_id": biz_id}
    assert cursor_parts(e["bk_cursor"])[1] == "6"


def test_resource_watch_new_business_emits_idle_pool_events(client):
    cursor = watch(client, None, "set", bk_fields=["bk_set_id"])["bk_events"][0]["bk_cursor"]
    biz_id = new_biz(client)["bk_biz_id"]
    sets = follow_all(client, None, cursor, resource="set", bk_fields=["bk_biz_id", "default", "bk_set_name"])
    mine = [e for e in sets if e["bk_detail"]["bk_biz_id"] == biz_id]
    assert [(e["bk_event_type"], e["bk_detail"]["default"]) for e in mine] == [("create", 1)]


def test_resource_watch_inst_asst_sub_resource(client):
    cls_id = new_cls(client)["bk_classification_id"]
    a, b, c = model(client, cls_id), model(client, cls_id), model(client, cls_id)
    asst = ok(client.cc.create_object_association(
        {"bk_obj_id": a, "bk_asst_obj_id": b, "bk_asst_id": "connect", "mapping": "n:n"}))["bk_obj_asst_id"]
    ia, ib = mk(client, a, "x")["bk_inst_id"], mk(client, b, "y")["bk_inst_id"]
    link = ok(client.cc.add_instance_association({"bk_obj_asst_id": asst, "bk_inst_id": ia, "bk_asst_inst_id": ib}))
    # the association matches both its models
    for sub in (a, b):
        e = latest(client, sub, "inst_asst")
        assert e["bk_event_type"] == "create"
        assert e["bk_detail"]["id"] == link["id"]
        assert (e["bk_detail"]["bk_obj_id"], e["bk_detail"]["bk_inst_id"]) == (a, ia)
        assert (e["bk_detail"]["bk_asst_obj_id"], e["bk_detail"]["bk_asst_inst_id"]) == (b, ib)
        assert e["bk_detail"]["bk_obj_asst_id"] == asst
        parts = cursor_parts(e["bk_cursor"])
        assert parts[1] == "13" and parts[3] == "insert" and parts[6] == str(link["id"])
    not_watched(watch(client, c, "inst_asst"), NO_EVENT)
    ok(client.cc.delete_instance_association({"bk_obj_id": a, "id": link["id"]}))
    events = follow_all(client, b, NO_EVENT, resource="inst_asst")
    assert [x["bk_event_type"] for x in events] == ["create", "delete"]
    assert events[1]["bk_detail"]["id"] == link["id"]
    # the instances' own events are not inst_asst events
    assert [x["bk_detail"]["bk_inst_id"] for x in follow_all(client, a, NO_EVENT)] == [ia]


def scope_ids(*biz_ids):
    return {"match_all": False,
            "filter": {"condition": "AND", "rules": [{"field": "bk_biz_id", "operator": "in", "value": list(biz_ids)}]}}


def new_biz_set(client, scope):
    set_id = ok(client.cc.create_business_set({"bk_biz_set_attr": {"bk_biz_set_name": unique("bs")},
                                               "bk_scope": scope}))
    assert isinstance(set_id, int) and set_id > 0, set_id
    return set_id


def test_resource_watch_biz_set(client):
    b1 = new_biz(client)["bk_biz_id"]
    scope = scope_ids(b1)
    set_id = new_biz_set(client, scope)
    e = latest(client, None, "biz_set")
    assert e["bk_event_type"] == "create"
    assert e["bk_detail"]["bk_biz_set_id"] == set_id and e["bk_detail"]["bk_scope"] == scope
    assert cursor_parts(e["bk_cursor"])[1] == "14"
    assert latest(client, None, "biz_set", bk_fields=["bk_biz_set_id"])["bk_detail"] == {"bk_biz_set_id": set_id}
    ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [set_id], "data": {"bk_scope": {"match_all": True}}}))
    ok(client.cc.batch_delete_business_set({"bk_biz_set_ids": [set_id]}))
    nxt = follow_all(client, None, e["bk_cursor"], resource="biz_set", bk_fields=["bk_biz_set_id", "bk_scope"])
    assert [(x["bk_event_type"], x["bk_detail"]) for x in nxt] == [
        ("update", {"bk_biz_set_id": set_id, "bk_scope": {"match_all": True}}),
        ("delete", {"bk_biz_set_id": set_id, "bk_scope": {"match_all": True}})]


def test_resource_watch_biz_set_relation(client):
    b1, b2 = new_biz(client)["bk_biz_id"], new_biz(client)["bk_biz_id"]
    set_id = new_biz_set(client, scope_ids(b1, b2))
    e = latest(client, None, "biz_set_relation")
    assert e["bk_event_type"] == "update"
    assert e["bk_detail"] == {"bk_biz_set_id": set_id, "bk_biz_ids": [b1, b2]}
    assert cursor_parts(e["bk_cursor"])[1] == "15"
    ok(client.cc.batch_update_business_set({"bk_biz_set_ids": [set_id], "data": {"bk_scope": scope_ids(b2)}}))
    ok(client.cc.batch_delete_business_set({"bk_biz_set_ids": [set_id]}))
    nxt = follow_all(client, None, e["bk_cursor"], resource="biz_set_relation", bk_fields=["ignored"])
    assert [(x["bk_event_type"], x["bk_detail"]) for x in nxt] == [
        ("update", {"bk_biz_set_id": set_id, "bk_biz_ids": [b2]}),
        ("update", {"bk_biz_set_id": set_id, "bk_biz_ids": []})]


def test_resource_watch_quoted_instance_changes_update_owner(client):
    obj = model(client)
    new_attr(client, obj, bk_property_id="disks", bk_property_name=unique("tab"), bk_property_type="innertable",
             option={"header": [{"bk_property_id": "disk", "bk_property_name": "Disk",
                                 "bk_property_type": "singlechar", "editable": True}], "default": []})
    inst = mk(client, obj, "owner")
    created = latest(client, obj)
    ok(client.cc.batch_create_quoted_inst({"bk_obj_id": obj, "bk_property_id": "disks",
                                           "data": [{"bk_inst_id": inst["bk_inst_id"], "disk": "sda"}]}))
    # no-cursor mode (never waits): the newest event of the model is the owner's update
    e = latest(client, obj)
    assert e["bk_cursor"] != created["bk_cursor"]
    assert (e["bk_event_type"], e["bk_detail"]["bk_inst_id"]) == ("update", inst["bk_inst_id"])


def test_resource_watch_kube_resources_never_yield(client):
    for resource in ("kube_cluster", "kube_node", "kube_namespace", "kube_workload", "kube_pod"):
        not_watched(watch(client, None, resource), NO_EVENT)
    not_watched(watch(client, "deployment", "kube_workload"), NO_EVENT)


def test_resource_watch_tenants(client):
    """Only events of records visible to the caller's tenant (§2.2 Tenancy, conventions.md §1.3)."""
    cls_id = ok(client.cc.create_classification({"bk_classification_id": unique("cls"),
                                                 "bk_classification_name": unique("c"),
                                                 "bk_supplier_account": "tx_aw"}))["bk_classification_id"]
    obj = ok(client.cc.create_object({"bk_obj_id": unique("obj"), "bk_obj_name": unique("o"),
                                      "bk_classification_id": cls_id, "bk_obj_icon": "icon-cc-default",
                                      "bk_supplier_account": "tx_aw"}))["bk_obj_id"]
    inst = ok(client.cc.create_inst({"bk_obj_id": obj, "bk_inst_name": "t", "bk_supplier_account": "tx_aw"}))
    e = latest(client, obj, bk_supplier_account="tx_aw")
    assert e["bk_detail"] == inst and inst["bk_supplier_account"] == "tx_aw"
    # tenant 0 does not see it: neither as latest event nor when following
    not_watched(watch(client, obj), NO_EVENT)
    assert watch(client, obj, bk_start_from=int(time.time()) - 60)["bk_watched"] is False
    assert latest(client, obj, bk_supplier_account="superadmin")["bk_cursor"] == e["bk_cursor"]


def test_resource_watch_cursor_errors(client):
    obj = model(client)
    mk(client, obj, "a")
    e = latest(client, obj)
    parts = cursor_parts(e["bk_cursor"])
    # garbage / not Base64 / a valid layout naming no event / a real cursor with one field changed
    bad = ["bm90IGEgY3Vyc29y", "%%%", "abc",
           make_cursor(1, 8, "%024x" % (2 ** 60), "insert", parts[4], 1, 1),
           make_cursor(*(parts[:4] + [str(int(parts[4]) - 1)] + parts[5:])),
           make_cursor(*(parts[:3] + ["delete"] + parts[4:])),
           make_cursor(*parts[:6])]
    for cursor in bad:
        fail(client.cc.resource_watch(wbody(obj, bk_cursor=cursor)), 1103007)
    # a cursor of another resource
    foreign = e["bk_cursor"]
    fail(client.cc.resource_watch(wbody(None, "set", bk_fields=["bk_set_id"], bk_cursor=foreign)), 1103007)
    fail(client.cc.resource_watch(wbody(obj, "inst_asst", bk_cursor=foreign)), 1103007)
    fail(client.cc.resource_watch(wbody(obj, "mainline_instance", bk_cursor=foreign)), 1103007)
    # a set cursor on object_instance
    set_cursor = watch(client, None, "set", bk_fields=["bk_set_id"])["bk_events"][0]["bk_cursor"]
    if set_cursor != NO_EVENT:
        fail(client.cc.resource_watch(wbody(obj, bk_cursor=set_cursor)), 1103007)


@pytest.mark.parametrize("body", [
    {"bk_resource": "nope"},
    {"bk_resource": "OBJECT_INSTANCE"},
    {"bk_resource": ""},
    {},
    {"bk_resource": "object_instance", "bk_event_types": ["upsert"]},
    {"bk_resource": "object_instance", "bk_event_types": ["create", "insert"]},
    {"bk_resource": "host"},
    {"bk_resource": "biz"},
    {"bk_resource": "set", "bk_fields": []},
    {"bk_resource": "module"},
    {"bk_resource": "set", "bk_fields": ["bk_set_id"], "bk_filter": {"bk_sub_resource": "x"}},
    {"bk_resource": "host_relation", "bk_filter": {"bk_sub_resource": "x"}},
    {"bk_resource": "process", "bk_filter": {"bk_sub_resource": "x"}},
    {"bk_resource": "object_instance", "bk_cursor": NO_EVENT, "bk_start_from": 1},
], ids=["unknown", "case", "empty", "absent", "upsert", "insert", "host-no-fields", "biz-no-fields",
        "set-empty-fields", "module-no-fields", "set-sub", "host_relation-sub", "process-sub", "cursor+start"])
def test_resource_watch_generic_errors(client, body):
    started = time.time()
    fail(client.cc.resource_watch(body), 1199998)
    assert time.time() - started < 5.0


def test_resource_watch_error_messages(client):
    resp = fail(client.cc.resource_watch({"bk_resource": "nope"}), 1199998)
    assert "unsupported cursor type nope" in resp["message"]
    resp = fail(client.cc.resource_watch({"bk_resource": "biz"}), 1199998)
    assert "biz event must have fields" in resp["message"]
    resp = fail(client.cc.resource_watch({"bk_resource": "object_instance", "bk_event_types": ["x"]}), 1199998)
    assert "unsupported event type" in resp["message"]


def test_resource_watch_start_from_range(client):
    now = int(time.time())
    # in the future, or before any retention (the original's TTL is 6 h; this server's retention is
    # configurable, so only a start long before any TTL is checked: 1970 and 400 days ago)
    for start in (now + 3600, now + 120, 1, now - 400 * 86400):
        fail(client.cc.resource_watch(wbody("any_model", bk_start_from=start)), 1199006)
    # the errors change nothing: the bounds are accepted
    not_watched(watch(client, None, "kube_pod", bk_start_from=now), NO_EVENT)
    not_watched(watch(client, None, "kube_pod", bk_start_from=now - TTL + 600), NO_EVENT)


def test_resource_watch_body_not_json(raw):
    resp = raw.call("resource_watch", data="{not json")
    fail(resp, 1199000)
    fail(raw.call("resource_watch", {"bk_resource": "object_instance", "bk_event_types": "create"}), 1199000)


def test_resource_watch_start_from_wrong_type(client):
    fail(client.cc.resource_watch({"bk_resource": "object_instance", "bk_start_from": "x"}), 1199000)


# ====================================================================================================
# subscriptions (§3)


def test_subscribe_event_and_search(client):
    sub_id, body = subscribe(client, subscription_form=" hostupdate, hostcreate ,moduledelete", timeout=0)
    rec = sub_by_id(client, sub_id)
    assert set(rec) == SUB_KEYS, rec
    assert rec == dict(rec, subscription_id=sub_id, subscription_name=body["subscription_name"], system_name="sys",
                       callback_url=body["callback_url"], confirm_mode="httpstatus", confirm_pattern="200",
                       time_out=10, subscription_form="hostcreate,hostupdate,moduledelete", operator=OPERATOR,
                       bk_supplier_account="0", statistics=STATS)
    assert META_TIME.match(rec["last_time"]), rec
    # time_out given (or the documented name "timeout"), confirm_pattern kept, regular mode without pattern
    cases = [({"time_out": 30}, {"time_out": 30}),
             ({"timeout": 45}, {"time_out": 45}),
             ({"time_out": -3}, {"time_out": 10}),
             ({"confirm_mode": "regular", "confirm_pattern": "^ok$"}, {"confirm_pattern": "^ok$"}),
             ({"confirm_mode": "regular"}, {"confirm_pattern": ""}),
             ({"confirm_mode": "httpstatus", "confirm_pattern": "201"}, {"confirm_pattern": "201"})]
    ids = []
    for extra, want in cases:
        sid, _ = subscribe(client, **extra)
        got = sub_by_id(client, sid)
        for k, v in want.items():
            assert got[k] == v, (extra, got)
        ids.append(sid)
    assert sorted(ids) == ids and ids[0] > sub_id  # sequence


def test_subscribe_event_operator(client_factory):
    user = unique("subuser")
    c = client_factory(bk_app_code="test", bk_app_secret="test", bk_username=user)
    sub_id, _ = subscribe(c)
    assert sub_by_id(c, sub_id)["operator"] == user


@pytest.mark.parametrize("extra, code", [
    ({"confirm_mode": "sometimes"}, 1199006),
    ({"confirm_mode": ""}, 1199006),
    ({"confirm_mode": "HTTPSTATUS"}, 1199006),
    ({"subscription_name": ""}, 1199010),
    ({"callback_url": ""}, 1199010),
    ({"subscription_form": ""}, 1199010),
], ids=["mode", "no-mode", "mode-case", "no-name", "no-url", "no-form"])
def test_subscribe_event_errors(client, extra, code):
    body = subscription(**extra)
    fail(client.cc.subscribe_event(body), code)
    name = body["subscription_name"]
    if name:
        assert subs(client, {"subscription_name": name})["count"] == 0  # nothing created


def test_subscribe_event_missing_fields(client):
    for key, code in (("subscription_name", 1199010), ("callback_url", 1199010), ("confirm_mode", 1199006),
                      ("subscription_form", 1199010)):
        body = subscription()
        del body[key]
        fail(client.cc.subscribe_event(body), code)
        if key != "subscription_name":
            assert subs(client, {"subscription_name": body["subscription_name"]})["count"] == 0


def test_subscribe_event_duplicate_name(client):
    sub_id, body = subscribe(client)
    fail(client.cc.subscribe_event(dict(body, callback_url="http://other/", subscription_form="setcreate")), 1199014)
    found = subs(client, {"subscription_name": body["subscription_name"]})
    assert found["count"] == 1 and found["info"][0]["subscription_id"] == sub_id
    assert found["info"][0]["callback_url"] == body["callback_url"]
    assert found["info"][0]["subscription_form"] == "hostcreate"
    # unique per tenant: another tenant may use the name
    ok(client.cc.subscribe_event(dict(body, bk_supplier_account="tx_aw")))
    assert subs(client, {"subscription_name": body["subscription_name"]})["count"] == 1


def test_search_subscription(client):
    prefix = unique("srch")
    made = [subscribe(client, subscription_name="%s_%d" % (prefix, i), system_name="sys%d" % (i % 2),
                      time_out=10 + i)[0] for i in range(5)]
    rx = {"subscription_name": {"$regex": "^" + prefix}}
    data = subs(client, rx)
    assert data["count"] == 5 and [r["subscription_id"] for r in data["info"]] == made
    for r in data["info"]:
        assert set(r) == SUB_KEYS and r["statistics"] == STATS
    # condition forms: equality, $in, $gte, AND of keys
    assert [r["subscription_id"] for r in subs(client, dict(rx, system_name="sys1"))["info"]] == made[1::2]
    assert subs(client, {"subscription_id": {"$in": made[:2]}})["count"] == 2
    assert [r["subscription_id"] for r in subs(client, dict(rx, time_out={"$gte": 13}))["info"]] == made[3:]
    assert subs(client, {"subscription_name": prefix})["count"] == 0
    # fields projection (statistics always added)
    data = subs(client, rx, fields=["subscription_id", "time_out"])
    assert data["info"] == [{"subscription_id": s, "time_out": 10 + i, "statistics": STATS}
                            for i, s in enumerate(made)]
    # page: start/limit/sort; count is the total
    data = subs(client, rx, page={"start": 1, "limit": 2, "sort": "-subscription_id"})
    assert data["count"] == 5 and [r["subscription_id"] for r in data["info"]] == made[::-1][1:3]
    data = subs(client, rx, page={"start": 0, "limit": 0})
    assert data["count"] == 5 and len(data["info"]) == 5
    data = subs(client, rx, page={"start": 0, "limit": 0, "sort": "-time_out"})
    assert [r["subscription_id"] for r in data["info"]] == made[::-1]
    data = subs(client, rx, page={"start": 10, "limit": 5})
    assert data == {"count": 5, "info": []}
    # no condition at all: the caller's subscriptions (ours among them)
    everything = ok(client.cc.search_subscription({"page": {"limit": 0}}))
    assert set(made) <= {r["subscription_id"] for r in everything["info"]}
    assert everything["count"] == len(everything["info"])
    fail(client.cc.search_subscription({"condition": {"subscription_name": {"$bad": 1}}}), 1199006)
    fail(client.cc.search_subscription({"condition": {"$where": "1"}}), 1199006)


def test_search_subscription_negative_limit_means_all(client):
    prefix = unique("neg")
    made = [subscribe(client, subscription_name="%s_%d" % (prefix, i))[0] for i in range(3)]
    data = subs(client, {"subscription_name": {"$regex": "^" + prefix}}, page={"start": 0, "limit": -1})
    assert data["count"] == 3 and [r["subscription_id"] for r in data["info"]] == made


def test_search_subscription_tenants(client):
    name = unique("tsub")
    mine, _ = subscribe(client, subscription_name=name)
    theirs = ok(client.cc.subscribe_event(subscription(name=name, bk_supplier_account="tx_aw")))["subscription_id"]
    assert [r["subscription_id"] for r in subs(client, {"subscription_name": name})["info"]] == [mine]
    data = subs(client, {"subscription_name": name}, bk_supplier_account="tx_aw")
    assert [(r["subscription_id"], r["bk_supplier_account"]) for r in data["info"]] == [(mine, "0"),
                                                                                       (theirs, "tx_aw")]


def test_update_event_subscribe(client_factory, client):
    sub_id, body = subscribe(client, system_name="old", time_out=20, confirm_pattern="204")
    before = sub_by_id(client, sub_id)
    user = unique("upduser")
    c2 = client_factory(bk_app_code="test", bk_app_secret="test", bk_username=user)
    new_name = unique("renamed")
    upd = {"subscription_id": sub_id, "subscription_name": new_name, "callback_url": "http://127.0.0.1:2/x",
           "confirm_mode": "regular", "confirm_pattern": "ok", "subscription_form": "setupdate,hostdelete"}
    assert ok(c2.cc.update_event_subscribe(upd)) is None
    after = sub_by_id(client, sub_id)
    # the whole record is replaced (system_name not given -> empty; time_out not given -> 10)
    assert after == dict(before, subscription_name=new_name, system_name="", callback_url="http://127.0.0.1:2/x",
                         confirm_mode="regular", confirm_pattern="ok", time_out=10,
                         subscription_form="hostdelete,setupdate", operator=user, last_time=after["last_time"])
    assert META_TIME.match(after["last_time"]) and after["last_time"] >= before["last_time"]
    assert subs(client, {"subscription_name": body["subscription_name"]})["count"] == 0
    # time_out given, <= 0, or under the documented name
    for extra, want in (({"time_out": 60}, 60), ({"time_out": 0}, 10), ({"timeout": 7}, 7), ({"time_out": -1}, 10)):
        assert ok(client.cc.update_event_subscribe(dict(upd, **extra))) is None
        assert sub_by_id(client, sub_id)["time_out"] == want, extra
    # httpstatus without pattern -> "200"
    assert ok(client.cc.update_event_subscribe(dict(upd, confirm_mode="httpstatus", confirm_pattern=""))) is None
    got = sub_by_id(client, sub_id)
    assert got["confirm_mode"] == "httpstatus" and got["confirm_pattern"] == "200"
    # keeping its own name is fine
    assert ok(client.cc.update_event_subscribe(dict(upd, subscription_name=new_name))) is None


def test_update_event_subscribe_errors(client):
    sub_id, body = subscribe(client)
    other_id, other = subscribe(client)
    before = sub_by_id(client, sub_id)
    upd = dict(body, subscription_id=sub_id, callback_url="http://changed/")
    cases = [(dict(upd, subscription_id=MISSING_ID), 1103003),
             (dict(upd, subscription_name=other["subscription_name"]), 1103003),  # name already used
             (dict(upd, confirm_mode="sometimes"), 1199006),
             (dict(upd, callback_url=""), 1199010),
             (dict(upd, subscription_name=""), 1199010),
             (dict(upd, subscription_form=""), 1199010)]
    for req, code in cases:
        fail(client.cc.update_event_subscribe(req), code)
        assert sub_by_id(client, sub_id) == before, req  # nothing changed
    assert sub_by_id(client, other_id)["subscription_name"] == other["subscription_name"]
    fail(client.cc.update_event_subscribe(dict(upd, subscription_id=sub_id + 1000000)), 1103003)
    # another tenant's subscription cannot be updated (nor created under that id)
    theirs = ok(client.cc.subscribe_event(subscription(bk_supplier_account="tx_aw")))["subscription_id"]
    fail(client.cc.update_event_subscribe(dict(upd, subscription_id=theirs)), 1103003)
    assert sub_by_id(client, theirs, bk_supplier_account="tx_aw")["callback_url"] == body["callback_url"]
    # subscription_id missing
    resp = client.cc.update_event_subscribe(dict(body, callback_url="http://changed/"))
    assert resp["result"] is False and resp["data"] is None and resp["code"] in (1306406, 1199010), resp
    assert sub_by_id(client, sub_id) == before


def test_unsubcribe_event(client):
    sub_id, body = subscribe(client)
    keep_id, _ = subscribe(client)
    assert ok(client.cc.unsubcribe_event({"subscription_id": sub_id})) is None
    assert sub_by_id(client, sub_id) is None
    assert subs(client, {"subscription_name": body["subscription_name"]})["count"] == 0
    assert sub_by_id(client, keep_id) is not None
    fail(client.cc.unsubcribe_event({"subscription_id": sub_id}), 1103001)
    fail(client.cc.unsubcribe_event({"subscription_id": MISSING_ID}), 1103001)
    # the name is free again
    again, _ = subscribe(client, subscription_name=body["subscription_name"])
    assert again != sub_id


def test_unsubcribe_event_errors(client):
    theirs = ok(client.cc.subscribe_event(subscription(bk_supplier_account="tx_aw")))["subscription_id"]
    fail(client.cc.unsubcribe_event({"subscription_id": theirs}), 1103001)
    assert sub_by_id(client, theirs, bk_supplier_account="tx_aw") is not None  # nothing changed
    resp = client.cc.unsubcribe_event({})
    assert resp["result"] is False and resp["data"] is None and resp["code"] in (1306406, 1199010), resp
    assert ok(client.cc.unsubcribe_event({"subscription_id": theirs, "bk_supplier_account": "tx_aw"})) is None
    assert sub_by_id(client, theirs, bk_supplier_account="tx_aw") is None
