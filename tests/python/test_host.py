"""Host area (endpoints.tsv area `host`, 45 endpoints): adding hosts, editing and deleting them, transfers between
modules and businesses, host queries, cloud areas, host locks, agent binding and host identifiers.

Spec: /work/shared/spec/hosts.md (all sections), kube-project-misc.md §3 (find_host_snapshot_batch,
get_host_location, search_cost_info_relation), topology.md §0/§1 (conventions, built-in data).
Cross-checked with the server's Rust tests crates/cmdb/tests/host_api.rs.

Every test creates its own businesses, sets, modules, cloud areas and hosts (with IPs unique to this process), so
tests can share one server; assertions are scoped to what the test created. Every refused write is followed by a
re-read of the relations (find_host_biz_relations), of the hosts themselves and of the involved businesses'
host lists (list_biz_hosts) to check that nothing changed.

Service instances and processes cannot be created yet, so the service-instance side effects of transfers are not
observable here. The endpoints the official client lacks (count_biz_host_cpu, find_host_identifier_push_result,
host_install_bk, list_host_detail_topology, push_host_identifier, search_hostidentifier, all POST in
endpoints.tsv) are registered at run time (CLIENT_NOTES.md), as are list_operation_audit and the model-association
endpoints used for the delete_host refusal. get_host_base_info is the client's GET operation (query string).

Cloud areas are always created with their own `bk_vpc_id`: the plat model carries a unique rule on it
(builtin-data.md §6) and a missing singlechar is stored as "" which that rule does not exempt (attributes.md §2/§5),
so a second area without a VPC id is refused with 1101000 by this server.
"""
import ipaddress
import itertools
import os
import secrets

import pytest
from bkapi_client_core.base import Operation

from cmdb_helpers import DEFAULT_AUTH, EN, OPERATOR, ZH, check_envelope, fail, make_client, new_obj, ok, unique

MISSING_ID = 987654321  # an id no record has
RESOURCE_POOL = 1  # the resource-pool business of a fresh store (topology.md §1)
BLUEKING = 2  # the built-in business 蓝鲸
UNASSIGNED_CLOUD = 90000001
MISSING_CLOUD = 77777
EXTRA_OPS = (
    # host-area endpoints without an operation in the official client (endpoints.tsv: all POST)
    "count_biz_host_cpu", "find_host_identifier_push_result", "host_install_bk", "list_host_detail_topology",
    "push_host_identifier", "search_hostidentifier",
    # other areas, used for checks
    "list_operation_audit", "create_object_association", "delete_object_association",
)
BIZ_BASE = {"bk_biz_maintainer": OPERATOR, "time_zone": "Asia/Shanghai", "language": "1"}
WIDE = {"start": "2000-01-01 00:00:00", "end": "2999-12-31 23:59:59"}


def register(client):
    """Register the operations the official client lacks (CLIENT_NOTES.md)."""
    for name in EXTRA_OPS:
        if not hasattr(client.cc, name):
            client.cc.register(name, Operation(method="POST", path="/api/c/compapi{bk_api_ver}/cc/%s/" % name))
    return client


@pytest.fixture(autouse=True)
def _extra_ops(client):
    return register(client)


# ====================================================================================================
# helpers: addresses

_ip_seq = itertools.count(secrets.randbelow(20000))
_PID_OCTET = os.getpid() % 250 + 1


def ip():
    """A fresh IPv4 address, unique in this process (pid + counter, random start)."""
    n = next(_ip_seq)
    return "10.%d.%d.%d" % (_PID_OCTET, (n // 250) % 250, n % 250 + 1)


def ip6():
    """A fresh IPv6 address in the short form."""
    n = next(_ip_seq)
    return "fd%02x::%x:%x" % (_PID_OCTET, n // 65536, n % 65536 + 1)


def full6(addr):
    """The full 8-group zero-padded form the server stores."""
    return ipaddress.IPv6Address(addr).exploded


def rule(field, operator, value):
    return {"field": field, "operator": operator, "value": value}


def AND(*rules):
    return {"condition": "AND", "rules": list(rules)}


def fail_with_data(resp, code):
    """A failed envelope that carries `data` (1110004 / 1110006); returns the data."""
    check_envelope(resp)
    assert resp["result"] is False and resp["code"] == code, "expected code %s, got %r" % (code, resp)
    assert isinstance(resp["message"], str) and resp["message"], resp
    return resp["data"]


# ====================================================================================================
# helpers: topology


def new_biz(client, name=None):
    """create_business + get_biz_internal_module: a dict with the ids of the business and its internal set/modules."""
    body = {"data": dict(BIZ_BASE, bk_biz_name=name or unique("hbiz"))}
    created = ok(client.cc.create_business(body))
    biz = created["bk_biz_id"]
    inner = ok(client.cc.get_biz_internal_module({"bk_biz_id": biz}))
    kinds = {m["default"]: m["bk_module_id"] for m in inner["module"]}
    return {"biz": biz, "name": created["bk_biz_name"], "idle_set": inner["bk_set_id"],
            "idle": kinds[1], "fault": kinds[2], "recycle": kinds[3]}


def new_set(client, biz, name=None):
    return ok(client.cc.create_set({"bk_biz_id": biz, "data": {"bk_parent_id": biz,
                                                                "bk_set_name": name or unique("hset")}}))["bk_set_id"]


def new_module(client, biz, set_id, name=None):
    data = {"bk_parent_id": set_id, "bk_module_name": name or unique("hmod")}
    return ok(client.cc.create_module({"bk_biz_id": biz, "bk_set_id": set_id, "data": data}))["bk_module_id"]


def archive(client, biz):
    assert ok(client.cc.update_business_enable_status({"bk_biz_id": biz, "flag": "disabled"})) is None


@pytest.fixture(scope="session")
def pool(cmdb_url):
    """The resource pool: business 1, its idle set and idle module."""
    inner = ok(make_client(cmdb_url, **DEFAULT_AUTH).cc.get_biz_internal_module({"bk_biz_id": RESOURCE_POOL}))
    idle = [m["bk_module_id"] for m in inner["module"] if m["default"] == 1]
    assert len(idle) == 1, inner
    return {"biz": RESOURCE_POOL, "idle_set": inner["bk_set_id"], "idle": idle[0]}


@pytest.fixture
def topo(client):
    """A business with set A (modules a1, a2) and set B (module b1), plus its internal set and modules."""
    t = new_biz(client)
    t["set_a"] = new_set(client, t["biz"])
    t["a1"] = new_module(client, t["biz"], t["set_a"])
    t["a2"] = new_module(client, t["biz"], t["set_a"])
    t["set_b"] = new_set(client, t["biz"])
    t["b1"] = new_module(client, t["biz"], t["set_b"])
    return t


# ====================================================================================================
# helpers: hosts


def host_row(**extra):
    row = {"bk_host_innerip": ip(), "bk_cloud_id": 0, "bk_addressing": "static"}
    row.update(extra)
    return row


def add_idle(client, biz, *rows):
    """add_host_to_business_idle; returns the new ids."""
    return ok(client.cc.add_host_to_business_idle({"bk_biz_id": biz, "bk_host_list": list(rows)}))["bk_host_ids"]


def hosts_in(client, biz, n=1, **extra):
    """n new hosts in the idle module of `biz`."""
    ids = add_idle(client, biz, *[host_row(**extra) for _ in range(n)])
    assert len(ids) == n
    return ids


def pool_hosts(client, n=1, **extra):
    """n new hosts in the resource pool's idle module (add_host_to_resource_pool)."""
    rows = [dict({"bk_host_innerip": ip(), "bk_cloud_id": 0}, **extra) for _ in range(n)]
    data = ok(client.cc.add_host_to_resource_pool({"host_info": rows}))
    return [s["bk_host_id"] for s in data["success"]]


def relations(client, hosts, biz=None):
    """Relation rows of the hosts, sorted by (host, module)."""
    body = {"bk_host_id": list(hosts)}
    if biz is not None:
        body["bk_biz_id"] = biz
    rows = ok(client.cc.find_host_biz_relations(body))
    assert isinstance(rows, list), rows
    return sorted(rows, key=lambda r: (r["bk_host_id"], r["bk_module_id"]))


def placement(client, hosts):
    """{host: (business, [modules])} from the relation rows."""
    out = {}
    for r in relations(client, hosts):
        biz, mods = out.setdefault(r["bk_host_id"], (r["bk_biz_id"], []))
        assert biz == r["bk_biz_id"], "host in two businesses: %r" % r
        mods.append(r["bk_module_id"])
    return {h: (b, sorted(m)) for h, (b, m) in out.items()}


def at(client, host):
    """(business, [modules]) of one host."""
    return placement(client, [host])[host]


def host_doc(client, host_id, fields=None):
    """The host record (list_hosts_without_biz), or None."""
    data = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 10}, "fields": fields or [],
                                                "host_property_filter": AND(rule("bk_host_id", "equal", host_id))}))
    assert data["count"] == len(data["info"]) <= 1, data
    return data["info"][0] if data["info"] else None


def docs(client, hosts):
    return [host_doc(client, h) for h in hosts]


def by_ip(client, addr, fields=None):
    """Hosts (any business) with `addr` among their inner IPv4s."""
    data = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 100}, "fields": fields or [],
                                                "host_property_filter": AND(rule("bk_host_innerip", "equal", addr))}))
    assert data["count"] == len(data["info"]), data
    return data["info"]


def biz_host_ids(client, biz):
    """Ids of all hosts of a business (list_biz_hosts)."""
    data = ok(client.cc.list_biz_hosts({"bk_biz_id": biz, "page": {"start": 0, "limit": 1000},
                                        "fields": ["bk_host_id"]}))
    assert data["count"] == len(data["info"]), data
    return [h["bk_host_id"] for h in data["info"]]


def state(client, hosts, bizs=()):
    """Everything a refused write on these hosts must leave alone: relations, host records, business host lists."""
    return {"relations": relations(client, hosts), "hosts": docs(client, hosts),
            "biz_hosts": {b: biz_host_ids(client, b) for b in bizs if b != RESOURCE_POOL}}


def audit_count(client, host):
    body = {"condition": {"operation_time": WIDE, "resource_type": "host", "resource_id": host},
            "page": {"start": 0, "limit": 1}}
    return ok(client.cc.list_operation_audit(body))["count"]


def new_cloud(client, name=None, **extra):
    """create_cloud_area; returns the id. Every area gets its own `bk_vpc_id`: the built-in unique rule on it
    (builtin-data.md §6) would otherwise make areas without one clash on the stored empty value."""
    body = dict({"bk_cloud_name": name or unique("cloud"), "bk_vpc_id": unique("vpc")}, **extra)
    data = ok(client.cc.create_cloud_area(body))
    assert set(data) == {"created"} and data["created"]["origin_index"] == 0, data
    return data["created"]["id"]


def cloud(client, cloud_id, headers=None):
    """The cloud-area record, or None."""
    data = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_id": cloud_id}, "page": {"start": 0, "limit": 10}},
                                          headers=headers))
    assert data["count"] == len(data["info"]) <= 1, data
    return data["info"][0] if data["info"] else None


# ====================================================================================================
# add_host_to_resource


def test_add_host_to_resource_into_pool(client, pool):
    a, b, b2 = ip(), ip(), ip()
    data = ok(client.cc.add_host_to_resource({"host_info": {
        "0": {"bk_host_innerip": a, "bk_host_name": "one", "bk_cpu": 4},
        "1": {"bk_host_innerip": "%s,%s" % (b, b2), "bk_cloud_id": 0, "bk_addressing": "static"}}}))
    assert data == {"success": ["0", "1"]}
    [first] = by_ip(client, a)
    assert first["bk_host_name"] == "one" and first["bk_cpu"] == 4
    assert first["bk_cloud_id"] == 0 and first["bk_addressing"] == "static"
    assert first["bk_host_innerip"] == a
    [second] = by_ip(client, b)
    assert second["bk_host_innerip"] == "%s,%s" % (b, b2)  # a list, returned comma-joined
    assert by_ip(client, b2) == [second]
    ids = [first["bk_host_id"], second["bk_host_id"]]
    assert placement(client, ids) == {h: (RESOURCE_POOL, [pool["idle"]]) for h in ids}
    rels = relations(client, ids)
    assert all(r["bk_set_id"] == pool["idle_set"] and r["bk_supplier_account"] == "0" for r in rels), rels
    # the resource pool lists them
    listed = ok(client.cc.list_resource_pool_hosts({"page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"],
                                                    "host_property_filter": AND(rule("bk_host_id", "in", ids))}))
    assert listed == {"count": 2, "info": [{"bk_host_id": ids[0]}, {"bk_host_id": ids[1]}]}


def test_add_host_to_resource_into_business(client):
    t = new_biz(client)
    a = ip()
    assert ok(client.cc.add_host_to_resource({"bk_biz_id": t["biz"], "host_info": {
        "0": {"bk_host_innerip": a, "bk_comment": "c"}}})) == {"success": ["0"]}
    [h] = by_ip(client, a)
    assert h["bk_comment"] == "c"
    assert at(client, h["bk_host_id"]) == (t["biz"], [t["idle"]])
    assert biz_host_ids(client, t["biz"]) == [h["bk_host_id"]]


def test_add_host_to_resource_same_ip_updates(client, topo):
    """A row naming an existing static IP of the cloud area updates that host; it stays where it is."""
    [h] = hosts_in(client, topo["biz"], bk_host_name="before")
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h], "bk_module_id": [topo["a1"]]}))
    addr = host_doc(client, h)["bk_host_innerip"]
    before = host_doc(client, h)
    data = ok(client.cc.add_host_to_resource({"host_info": {"0": {
        "bk_host_innerip": addr, "bk_host_name": "after", "bk_os_name": "linux",
        "create_time": "2000-01-01 00:00:00", "import_from": "1"}}}))
    assert data == {"success": ["0"]}
    assert [x["bk_host_id"] for x in by_ip(client, addr)] == [h]  # no new host
    after = host_doc(client, h)
    assert after["bk_host_name"] == "after" and after["bk_os_name"] == "linux"
    assert after["create_time"] == before["create_time"] and after["import_from"] == before["import_from"]
    assert at(client, h) == (topo["biz"], [topo["a1"]])  # business and modules kept
    # adding the same row again succeeds again
    assert ok(client.cc.add_host_to_resource({"host_info": {"0": {"bk_host_innerip": addr}}})) == {"success": ["0"]}
    assert [x["bk_host_id"] for x in by_ip(client, addr)] == [h]


def test_add_host_to_resource_update_by_host_id(client):
    [h] = pool_hosts(client)
    addr = host_doc(client, h)["bk_host_innerip"]
    other = ip()
    data = ok(client.cc.add_host_to_resource({"host_info": {"0": {"bk_host_id": h, "bk_host_innerip": other,
                                                                  "bk_host_name": "byid"}}}))
    assert data == {"success": ["0"]}
    got = host_doc(client, h)
    assert got["bk_host_name"] == "byid"
    assert got["bk_host_innerip"] == addr  # identity is not changed by an update
    assert by_ip(client, other) == []


def test_add_host_to_resource_other_cloud_area_is_a_new_host(client):
    area = new_cloud(client)
    [h] = pool_hosts(client)
    addr = host_doc(client, h)["bk_host_innerip"]
    assert ok(client.cc.add_host_to_resource({"host_info": {"0": {"bk_host_innerip": addr, "bk_cloud_id": area}}})) \
        == {"success": ["0"]}
    found = by_ip(client, addr)
    assert sorted((x["bk_cloud_id"], x["bk_host_id"] == h) for x in found) == [(0, True), (area, False)]


def test_add_host_to_resource_error_lines_roll_back(client):
    good, other, dup = ip(), ip(), ip()
    existing, other_existing = pool_hosts(client, 2, bk_host_name="untouched")
    existing_ip = host_doc(client, existing)["bk_host_innerip"]
    before = docs(client, [existing, other_existing])
    resp = client.cc.add_host_to_resource({"host_info": {
        "0": {"bk_host_innerip": good},
        "1": {"bk_host_innerip": "333.0.0.1"},
        "2": {"bk_cloud_id": 0, "bk_host_name": "no ip"},
        "3": {"bk_host_innerip": other, "bk_cloud_id": MISSING_CLOUD},
        "4": {"bk_host_innerip": ip(), "bk_cloud_id": -1},
        "5": {"bk_host_innerip": existing_ip, "bk_host_name": "changed"},
        "6": {"bk_host_innerip": dup},
        "7": {"bk_host_innerip": dup},
        "8": {"bk_host_innerip": before[1]["bk_host_innerip"], "bk_cpu": "many"},  # an update that fails
        "10": {"bk_host_innerip": "127.0.1.e"},
        "11": {"bk_host_innerip": ip(), "bk_cloud_id": "x"}}})
    data = fail_with_data(resp, 1110004)
    assert set(data) == {"error", "update_error"}, data
    lines = data["error"]
    # rows processed in ascending index order ("10" after "8")
    assert [x.split(" ", 1)[0] for x in lines] == ["1", "2", "3", "4", "7", "10", "11"], lines
    assert all(x.split(" ", 2)[1].startswith("line") for x in lines), lines
    assert [x.split(" ", 1)[0] for x in data["update_error"]] == ["8"], data
    # all-or-nothing: neither the good rows nor the update happened
    for addr in (good, other, dup):
        assert by_ip(client, addr) == [], addr
    assert docs(client, [existing, other_existing]) == before


def test_add_host_to_resource_refused(client):
    addr = ip()
    fail(client.cc.add_host_to_resource({}), 1199010)
    fail(client.cc.add_host_to_resource({"bk_biz_id": 0}), 1199010)
    fail(client.cc.add_host_to_resource({"bk_biz_id": MISSING_ID, "host_info": {"0": {"bk_host_innerip": addr}}}),
         1101033)
    assert by_ip(client, addr) == []


# ====================================================================================================
# add_host_to_resource_pool


def test_add_host_to_resource_pool(client, pool):
    a, b = ip(), ip6()
    data = ok(client.cc.add_host_to_resource_pool({"host_info": [
        {"bk_host_innerip": a, "bk_cloud_id": 0, "bk_host_name": "p1"},
        {"bk_host_innerip_v6": b, "bk_cloud_id": 0, "bk_addressing": "dynamic"}]}))
    assert set(data) == {"success"}, data  # an empty error list is omitted
    assert [s["index"] for s in data["success"]] == [0, 1]
    ids = [s["bk_host_id"] for s in data["success"]]
    assert ids[0] != ids[1]
    first, second = docs(client, ids)
    assert first["bk_host_innerip"] == a and first["bk_host_name"] == "p1" and first["bk_addressing"] == "static"
    assert second["bk_host_innerip_v6"] == full6(b) and second["bk_addressing"] == "dynamic"
    assert placement(client, ids) == {h: (RESOURCE_POOL, [pool["idle"]]) for h in ids}
    # explicit directory: the resource pool's idle module
    data = ok(client.cc.add_host_to_resource_pool({"directory": pool["idle"],
                                                   "host_info": [{"bk_host_innerip": ip(), "bk_cloud_id": 0}]}))
    assert at(client, data["success"][0]["bk_host_id"]) == (RESOURCE_POOL, [pool["idle"]])


def test_add_host_to_resource_pool_rows_fail_independently(client, pool):
    [existing] = pool_hosts(client)
    taken = host_doc(client, existing)["bk_host_innerip"]
    good, dup = ip(), ip()
    resp = client.cc.add_host_to_resource_pool({"host_info": [
        {"bk_host_innerip": good, "bk_cloud_id": 0},           # 0 ok
        {"bk_host_innerip": ip()},                             # 1 no cloud id
        {"bk_host_innerip": taken, "bk_cloud_id": 0},          # 2 static IP already used (no update by IP)
        {"bk_host_innerip": dup, "bk_cloud_id": 0},            # 3 ok
        {"bk_host_innerip": dup, "bk_cloud_id": 0},            # 4 duplicate of row 3
        {"bk_host_innerip": ip(), "bk_cloud_id": MISSING_CLOUD},  # 5 unknown cloud area
        {"bk_cloud_id": 0},                                    # 6 no IP
    ]})
    data = fail_with_data(resp, 1110004)
    assert [s["index"] for s in data["success"]] == [0, 3]
    assert [e["index"] for e in data["error"]] == [1, 2, 4, 5, 6]
    assert all(isinstance(e["error_message"], str) and e["error_message"] for e in data["error"]), data
    assert "bk_cloud_id" in data["error"][0]["error_message"]
    # the successful rows are kept, the others were not created
    made = {s["index"]: s["bk_host_id"] for s in data["success"]}
    assert [x["bk_host_id"] for x in by_ip(client, good)] == [made[0]]
    assert [x["bk_host_id"] for x in by_ip(client, dup)] == [made[3]]
    assert placement(client, list(made.values())) == {h: (RESOURCE_POOL, [pool["idle"]]) for h in made.values()}
    assert [x["bk_host_id"] for x in by_ip(client, taken)] == [existing]


def test_add_host_to_resource_pool_all_rows_fail(client):
    addr = ip()
    data = fail_with_data(client.cc.add_host_to_resource_pool({"host_info": [{"bk_host_innerip": addr}]}), 1110004)
    assert set(data) == {"error"}, data  # an empty success list is omitted
    assert by_ip(client, addr) == []


def test_add_host_to_resource_pool_refused(client):
    t = new_biz(client)
    addr = ip()
    fail(client.cc.add_host_to_resource_pool({}), 1199010)
    fail(client.cc.add_host_to_resource_pool({"directory": t["idle"],
                                              "host_info": [{"bk_host_innerip": addr, "bk_cloud_id": 0}]}), 1110061)
    fail(client.cc.add_host_to_resource_pool({"directory": MISSING_ID,
                                              "host_info": [{"bk_host_innerip": addr, "bk_cloud_id": 0}]}), 1110061)
    assert by_ip(client, addr) == []
    assert biz_host_ids(client, t["biz"]) == []


# ====================================================================================================
# add_host_to_business_idle


def test_add_host_to_business_idle(client):
    t = new_biz(client)
    a, out, v6 = ip(), ip(), ip6()
    ids = add_idle(client, t["biz"],
                   host_row(bk_host_innerip=a, bk_host_outerip=out, bk_host_name="web", bk_cpu=2),
                   {"bk_host_innerip_v6": v6, "bk_cloud_id": 0, "bk_addressing": "static"},
                   host_row(bk_addressing="dynamic"))
    assert len(ids) == 3 and ids == sorted(ids) and len(set(ids)) == 3  # input order
    first, second, third = docs(client, ids)
    assert first["bk_host_innerip"] == a and first["bk_host_outerip"] == out
    assert first["bk_host_name"] == "web" and first["bk_cpu"] == 2 and first["bk_cloud_id"] == 0
    assert second["bk_host_innerip_v6"] == full6(v6)
    assert second["bk_host_innerip"] == ""
    assert third["bk_addressing"] == "dynamic"
    assert placement(client, ids) == {h: (t["biz"], [t["idle"]]) for h in ids}
    assert all(r["bk_set_id"] == t["idle_set"] for r in relations(client, ids))
    assert biz_host_ids(client, t["biz"]) == ids


def test_add_host_to_business_idle_dynamic_hosts_share_ips(client):
    t = new_biz(client)
    shared = ip()
    [static] = add_idle(client, t["biz"], host_row(bk_host_innerip=shared))
    ids = add_idle(client, t["biz"], host_row(bk_host_innerip=shared, bk_addressing="dynamic"),
                   host_row(bk_host_innerip=shared, bk_addressing="dynamic"))
    assert len(ids) == 2
    assert sorted(x["bk_host_id"] for x in by_ip(client, shared)) == sorted([static] + ids)


def test_add_host_to_business_idle_same_ip_other_cloud(client):
    t = new_biz(client)
    area = new_cloud(client)
    addr = ip()
    ids = add_idle(client, t["biz"], host_row(bk_host_innerip=addr), host_row(bk_host_innerip=addr, bk_cloud_id=area))
    assert sorted(x["bk_cloud_id"] for x in by_ip(client, addr)) == [0, area]
    assert len(ids) == 2


@pytest.mark.parametrize("row,code", [
    ({"bk_cloud_id": 0, "bk_addressing": "static"}, 1199091),
    ({"bk_host_innerip": "", "bk_host_innerip_v6": "", "bk_cloud_id": 0, "bk_addressing": "static"}, 1199091),
    ({"bk_addressing": "static"}, 1199006),
    ({"bk_cloud_id": -1, "bk_addressing": "static"}, 1199006),
    ({"bk_cloud_id": MISSING_CLOUD, "bk_addressing": "static"}, 1199006),
    ({"bk_cloud_id": 0}, 1199006),
    ({"bk_cloud_id": 0, "bk_addressing": "sometimes"}, 1199006),
])
def test_add_host_to_business_idle_bad_row(client, row, code):
    t = new_biz(client)
    good = ip()
    bad = dict(row)
    if code != 1199091:
        bad["bk_host_innerip"] = ip()
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [host_row(bk_host_innerip=good),
                                                                                      bad]}), code)
    assert by_ip(client, good) == []  # all-or-nothing
    if "bk_host_innerip" in bad and bad["bk_host_innerip"]:
        assert by_ip(client, bad["bk_host_innerip"]) == []
    assert biz_host_ids(client, t["biz"]) == []


def test_add_host_to_business_idle_duplicates(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    taken = host_doc(client, h)["bk_host_innerip"]
    good, dup = ip(), ip()
    # an IP held by a static host of the cloud area (no update of existing hosts)
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [
        host_row(bk_host_innerip=good), host_row(bk_host_innerip=taken)]}), 1199014)
    # two static rows sharing one IP (any listed IPv4)
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [
        host_row(bk_host_innerip="%s,%s" % (good, dup)), host_row(bk_host_innerip=dup)]}), 1199014)
    # IPv6 too, compared in the normalised form
    v6 = ip6()
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [
        {"bk_host_innerip_v6": v6, "bk_cloud_id": 0, "bk_addressing": "static"},
        {"bk_host_innerip_v6": full6(v6), "bk_cloud_id": 0, "bk_addressing": "static"}]}), 1199014)
    assert by_ip(client, good) == [] and by_ip(client, dup) == []
    assert biz_host_ids(client, t["biz"]) == [h]
    assert [x["bk_host_id"] for x in by_ip(client, taken)] == [h]


def test_add_host_to_business_idle_refused(client):
    t = new_biz(client)
    addr = ip()
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": []}), 1199010)
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"]}), 1199010)
    fail(client.cc.add_host_to_business_idle({"bk_host_list": [host_row(bk_host_innerip=addr)]}), 1199010)
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": 0, "bk_host_list": [host_row(bk_host_innerip=addr)]}),
         1199010)
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": MISSING_ID,
                                              "bk_host_list": [host_row(bk_host_innerip=addr)]}), 1101033)
    too_many = [host_row() for _ in range(201)]
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": too_many}), 1199035)
    assert by_ip(client, addr) == [] and by_ip(client, too_many[0]["bk_host_innerip"]) == []
    assert biz_host_ids(client, t["biz"]) == []


def test_add_host_to_business_idle_limit(client):
    t = new_biz(client)
    ids = add_idle(client, t["biz"], *[host_row() for _ in range(200)])
    assert len(ids) == 200
    assert sorted(biz_host_ids(client, t["biz"])) == sorted(ids)


# ====================================================================================================
# update_host


@pytest.mark.parametrize("form", ["string", "array", "number"])
def test_update_host(client, form):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 2)
    ident = {"string": "%d,%d" % tuple(hosts), "array": hosts, "number": hosts[0]}[form]
    targets = hosts if form != "number" else hosts[:1]
    before = docs(client, hosts)
    assert ok(client.cc.update_host({"bk_host_id": ident, "data": {
        "bk_host_name": "web", "bk_cpu": 16, "bk_comment": u"注释", "bk_os_type": "2",
        # dropped: cloud area (own endpoint), non-editable identity fields, unknown attributes
        "bk_cloud_id": 5, "bk_host_innerip": ip(), "bk_asset_id": "asset", "nonsense": 1}})) is None
    for old, new in zip(before, docs(client, hosts)):
        if old["bk_host_id"] not in targets:
            assert new == old
            continue
        assert new["bk_host_name"] == "web" and new["bk_cpu"] == 16 and new["bk_comment"] == u"注释"
        assert new["bk_os_type"] == "2"
        assert new["bk_cloud_id"] == 0
        assert new["bk_host_innerip"] == old["bk_host_innerip"]
        assert new.get("bk_asset_id") == old.get("bk_asset_id")
        assert "nonsense" not in new
        assert new["create_time"] == old["create_time"]
    assert placement(client, hosts) == {h: (t["biz"], [t["idle"]]) for h in hosts}


def test_update_host_list_fields(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    outer, outer2 = ip(), ip()
    ok(client.cc.update_host({"bk_host_id": h, "data": {"bk_host_outerip": "%s,%s" % (outer, outer2),
                                                        "operator": "admin,bob", "bk_bak_operator": "carol"}}))
    got = host_doc(client, h)
    assert got["bk_host_outerip"] == "%s,%s" % (outer, outer2)
    assert got["operator"] == "admin,bob" and got["bk_bak_operator"] == "carol"


def hosts_where(client, field, value):
    data = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"],
                                                "host_property_filter": AND(rule(field, "equal", value))}))
    return [x["bk_host_id"] for x in data["info"]]


def test_list_fields_created_match_by_element(client):
    """IP lists given on create are stored as lists: `equal` matches any element."""
    t = new_biz(client)
    o1, o2 = ip(), ip()
    [h] = add_idle(client, t["biz"], host_row(bk_host_outerip="%s,%s" % (o1, o2)))
    assert hosts_where(client, "bk_host_outerip", o1) == [h]
    assert hosts_where(client, "bk_host_outerip", o2) == [h]


def test_list_fields_updated_match_by_element(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    o1, o2 = ip(), ip()
    ok(client.cc.update_host({"bk_host_id": h, "data": {"bk_host_outerip": "%s,%s" % (o1, o2)}}))
    assert hosts_where(client, "bk_host_outerip", o2) == [h]
    assert hosts_where(client, "bk_host_outerip", o1) == [h]


def test_operator_lists_match_by_element(client):
    t = new_biz(client)
    user = "u" + secrets.token_hex(6)
    [h] = add_idle(client, t["biz"], host_row(operator="admin,%s" % user, bk_bak_operator="%s,admin" % user))
    assert hosts_where(client, "operator", user) == [h]
    assert hosts_where(client, "bk_bak_operator", user) == [h]


def test_update_host_outer_ip_unique(client):
    t = new_biz(client)
    a, b = hosts_in(client, t["biz"], 2)
    outer = ip()
    ok(client.cc.update_host({"bk_host_id": a, "data": {"bk_host_outerip": outer}}))
    before = state(client, [a, b], [t["biz"]])
    fail(client.cc.update_host({"bk_host_id": b, "data": {"bk_host_outerip": "%s,%s" % (ip(), outer)}}), 1199014)
    assert state(client, [a, b], [t["biz"]]) == before


def test_add_host_to_business_idle_outer_ip_unique(client):
    t = new_biz(client)
    outer, first = ip(), ip()
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [
        host_row(bk_host_innerip=first, bk_host_outerip=outer), host_row(bk_host_outerip=outer)]}), 1199014)
    assert by_ip(client, first) == []
    assert biz_host_ids(client, t["biz"]) == []


def test_update_host_unknown_ids_and_only_unknown_attribute(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"], bk_host_name="kept")
    assert ok(client.cc.update_host({"bk_host_id": "%d,%d" % (h, MISSING_ID), "data": {"bk_os_name": "os"}})) is None
    assert host_doc(client, h)["bk_os_name"] == "os"
    assert ok(client.cc.update_host({"bk_host_id": str(MISSING_ID), "data": {"bk_os_name": "x"}})) is None
    before = host_doc(client, h)
    assert ok(client.cc.update_host({"bk_host_id": h, "data": {"nonsense": 1}})) is None
    after = host_doc(client, h)
    assert after["bk_host_name"] == "kept" and "nonsense" not in after and after["bk_os_name"] == before["bk_os_name"]


@pytest.mark.parametrize("body,code", [
    ({"data": {"bk_host_name": "x"}}, 1199011),
    ({"bk_host_id": {"a": 1}, "data": {"bk_host_name": "x"}}, 1199011),
    ({"bk_host_id": "", "data": {"bk_host_name": "x"}}, 1199006),
    ({"bk_host_id": "{h},x", "data": {"bk_host_name": "x"}}, 1199006),
    ({"bk_host_id": "{h}", "data": {"bk_cpu": "many"}}, 1199011),
    ({"bk_host_id": "{h}", "data": {"bk_host_name": "x", "bk_os_type": "42"}}, 1199011),
])
def test_update_host_refused(client, body, code):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"], bk_host_name="orig")
    body = dict(body)
    if isinstance(body.get("bk_host_id"), str):
        body["bk_host_id"] = body["bk_host_id"].replace("{h}", str(h))
    before = state(client, [h], [t["biz"]])
    fail(client.cc.update_host(body), code)
    assert state(client, [h], [t["biz"]]) == before


# ====================================================================================================
# batch_update_host


def test_batch_update_host(client):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 3)
    before = docs(client, hosts)
    assert ok(client.cc.batch_update_host({"update": [
        {"bk_host_id": hosts[0], "properties": {"bk_cpu": 8, "bk_host_name": "a", "bk_cloud_id": 5}},
        {"bk_host_id": hosts[1], "properties": {"bk_cpu": 4, "bk_comment": "x", "nonsense": 2}}]})) is None
    a, b, c = docs(client, hosts)
    assert (a["bk_cpu"], a["bk_host_name"], a["bk_cloud_id"]) == (8, "a", 0)
    assert (b["bk_cpu"], b["bk_comment"]) == (4, "x") and "nonsense" not in b
    assert b.get("bk_host_name") == before[1].get("bk_host_name")
    assert c == before[2]


def test_batch_update_host_all_or_nothing(client):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 2)
    before = state(client, hosts, [t["biz"]])
    fail(client.cc.batch_update_host({"update": [
        {"bk_host_id": hosts[0], "properties": {"bk_host_name": "changed"}},
        {"bk_host_id": hosts[1], "properties": {"bk_cpu": "many"}}]}), 1199011)
    assert state(client, hosts, [t["biz"]]) == before


def test_batch_update_host_limit(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    before = state(client, [h], [t["biz"]])
    items = [{"bk_host_id": h, "properties": {"bk_host_name": "n"}} for _ in range(1001)]
    fail(client.cc.batch_update_host({"update": items}), 1199035)
    assert state(client, [h], [t["biz"]]) == before
    assert ok(client.cc.batch_update_host({"update": items[:1000]})) is None
    assert host_doc(client, h)["bk_host_name"] == "n"


# ====================================================================================================
# clone_host_property


def test_clone_host_property_by_id(client):
    t = new_biz(client)
    src, dst = hosts_in(client, t["biz"], 2)
    ok(client.cc.update_host({"bk_host_id": src, "data": {"bk_host_name": "src", "bk_comment": "from src",
                                                           "bk_cpu": 32, "bk_host_outerip": ip()}}))
    ok(client.cc.update_host({"bk_host_id": dst, "data": {"bk_os_name": "dst os"}}))
    old_src, old_dst = docs(client, [src, dst])
    assert ok(client.cc.clone_host_property({"bk_biz_id": t["biz"], "bk_org_id": src, "bk_dst_id": dst})) is None
    new_src, new_dst = docs(client, [src, dst])
    assert new_src == old_src
    assert new_dst["bk_host_name"] == "src" and new_dst["bk_comment"] == "from src" and new_dst["bk_cpu"] == 32
    assert new_dst["bk_host_outerip"] == old_dst["bk_host_outerip"]  # part of a (non-built-in) host unique rule
    # never copied: the id, creation time and the identity (unique / non-editable) fields
    assert new_dst["bk_host_id"] == dst
    assert new_dst["create_time"] == old_dst["create_time"]
    assert new_dst["bk_host_innerip"] == old_dst["bk_host_innerip"]
    assert new_dst["bk_cloud_id"] == 0
    assert placement(client, [src, dst]) == {src: (t["biz"], [t["idle"]]), dst: (t["biz"], [t["idle"]])}


def test_clone_host_property_by_ip(client):
    t = new_biz(client)
    area = new_cloud(client)
    src, dst = hosts_in(client, t["biz"], 2, bk_cloud_id=area)
    ok(client.cc.update_host({"bk_host_id": src, "data": {"bk_host_name": "by-ip"}}))
    src_ip, dst_ip = host_doc(client, src)["bk_host_innerip"], host_doc(client, dst)["bk_host_innerip"]
    before = state(client, [src, dst], [t["biz"]])
    # the hosts are not in the default cloud area
    fail(client.cc.clone_host_property({"bk_biz_id": t["biz"], "bk_org_ip": src_ip, "bk_dst_ip": dst_ip}), 1199006)
    assert state(client, [src, dst], [t["biz"]]) == before
    assert ok(client.cc.clone_host_property({"bk_biz_id": t["biz"], "bk_cloud_id": area,
                                             "bk_org_ip": src_ip, "bk_dst_ip": dst_ip})) is None
    assert host_doc(client, dst)["bk_host_name"] == "by-ip"


def test_clone_host_property_same_host(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    before = state(client, [h], [t["biz"]])
    assert ok(client.cc.clone_host_property({"bk_biz_id": t["biz"], "bk_org_id": h, "bk_dst_id": h})) is None
    assert state(client, [h], [t["biz"]]) == before


@pytest.mark.parametrize("extra,code", [
    ({"bk_biz_id": 0}, 1199009),
    ({"bk_biz_id": -3}, 1199009),
    ({"bk_cloud_id": -1}, 1199009),
    ({"bk_org_ip": "IP"}, 1199011),       # ips and ids mixed
    ({"bk_dst_id": None}, 1199011),       # only one of the pair
    ({"bk_org_id": None, "bk_dst_id": None}, 1199011),  # neither
    ({"bk_org_id": -5}, 1199011),
    ({"bk_dst_id": MISSING_ID}, 1199006),  # not found
])
def test_clone_host_property_refused(client, extra, code):
    t = new_biz(client)
    src, dst = hosts_in(client, t["biz"], 2)
    ok(client.cc.update_host({"bk_host_id": src, "data": {"bk_host_name": "should not be copied"}}))
    body = {"bk_biz_id": t["biz"], "bk_org_id": src, "bk_dst_id": dst}
    for k, v in extra.items():
        if v is None:
            body.pop(k, None)
        elif v == "IP":
            body[k] = host_doc(client, src)["bk_host_innerip"]
        else:
            body[k] = v
    before = state(client, [src, dst], [t["biz"]])
    fail(client.cc.clone_host_property(body), code)
    assert state(client, [src, dst], [t["biz"]]) == before


def test_clone_host_property_other_business(client):
    t, other = new_biz(client), new_biz(client)
    [src] = hosts_in(client, t["biz"])
    [dst] = hosts_in(client, other["biz"])
    ok(client.cc.update_host({"bk_host_id": src, "data": {"bk_host_name": "nope"}}))
    before = state(client, [src, dst], [t["biz"], other["biz"]])
    fail(client.cc.clone_host_property({"bk_biz_id": t["biz"], "bk_org_id": src, "bk_dst_id": dst}), 1110024)
    fail(client.cc.clone_host_property({"bk_biz_id": other["biz"], "bk_org_id": src, "bk_dst_id": dst}), 1110024)
    assert state(client, [src, dst], [t["biz"], other["biz"]]) == before


# ====================================================================================================
# update_host_cloud_area_field


def test_update_host_cloud_area_field(client):
    t = new_biz(client)
    area = new_cloud(client)
    hosts = hosts_in(client, t["biz"], 2)
    addrs = [host_doc(client, h)["bk_host_innerip"] for h in hosts]
    assert ok(client.cc.update_host_cloud_area_field({"bk_biz_id": t["biz"], "bk_cloud_id": area,
                                                      "bk_host_ids": hosts + [hosts[0]]})) is None
    assert [d["bk_cloud_id"] for d in docs(client, hosts)] == [area, area]
    assert placement(client, hosts) == {h: (t["biz"], [t["idle"]]) for h in hosts}
    # the IPs are free again in the default area and taken in the new one
    [again] = hosts_in(client, t["biz"], bk_host_innerip=addrs[0])
    assert sorted(d["bk_cloud_id"] for d in by_ip(client, addrs[0])) == [0, area]
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": t["biz"], "bk_host_list": [
        host_row(bk_host_innerip=addrs[1], bk_cloud_id=area)]}), 1199014)
    # and back
    assert ok(client.cc.update_host_cloud_area_field({"bk_cloud_id": 0, "bk_host_ids": [hosts[1]]})) is None
    assert host_doc(client, hosts[1])["bk_cloud_id"] == 0
    assert again


def test_update_host_cloud_area_field_refused(client):
    t = new_biz(client)
    area = new_cloud(client)
    hosts = hosts_in(client, t["biz"], 2)
    before = state(client, hosts, [t["biz"]])
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": hosts, "bk_cloud_id": UNASSIGNED_CLOUD}), 1199011)
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": [], "bk_cloud_id": area}), 1199006)
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": hosts, "bk_cloud_id": MISSING_CLOUD}), 1199006)
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": hosts + [MISSING_ID], "bk_cloud_id": area}), 1199006)
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": list(range(MISSING_ID, MISSING_ID + 2001)),
                                                 "bk_cloud_id": area}), 1199081)
    assert state(client, hosts, [t["biz"]]) == before


def test_update_host_cloud_area_field_ip_clashes(client):
    t = new_biz(client)
    a1, a2, target = new_cloud(client), new_cloud(client), new_cloud(client)
    shared = ip()
    # two static hosts with the same IP in different areas cannot move into one area together
    h1, h2 = add_idle(client, t["biz"], host_row(bk_host_innerip=shared, bk_cloud_id=a1),
                      host_row(bk_host_innerip=shared, bk_cloud_id=a2))
    # a static host of the target area already holds an IP
    [holder] = add_idle(client, t["biz"], host_row(bk_cloud_id=target))
    held = host_doc(client, holder)["bk_host_innerip"]
    [mover] = add_idle(client, t["biz"], host_row(bk_host_innerip="%s,%s" % (ip(), held)))
    hosts = [h1, h2, holder, mover]
    before = state(client, hosts, [t["biz"]])
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": [h1, h2], "bk_cloud_id": target}), 1199014)
    fail(client.cc.update_host_cloud_area_field({"bk_host_ids": [mover], "bk_cloud_id": target}), 1199014)
    assert state(client, hosts, [t["biz"]]) == before
    # dynamic hosts skip the uniqueness checks
    dyn = add_idle(client, t["biz"], host_row(bk_host_innerip=held, bk_addressing="dynamic"),
                   host_row(bk_host_innerip=held, bk_addressing="dynamic"))
    assert ok(client.cc.update_host_cloud_area_field({"bk_host_ids": dyn, "bk_cloud_id": target})) is None
    assert [d["bk_cloud_id"] for d in docs(client, dyn)] == [target, target]


# ====================================================================================================
# delete_host


def test_delete_host(client):
    hosts = pool_hosts(client, 3)
    addrs = [host_doc(client, h)["bk_host_innerip"] for h in hosts]
    ok(client.cc.add_host_lock({"id_list": [hosts[0]]}))  # locks do not block a delete
    assert ok(client.cc.delete_host({"bk_host_id": "%d,%d,%d,%d" % (hosts[0], hosts[1], hosts[0], MISSING_ID)})) \
        is None
    assert relations(client, hosts[:2]) == []
    assert host_doc(client, hosts[0]) is None and host_doc(client, hosts[1]) is None
    assert host_doc(client, hosts[2]) is not None  # not named
    # the IPs are free again
    assert by_ip(client, addrs[0]) == []
    [h] = pool_hosts(client, bk_host_innerip=addrs[0])
    assert h not in hosts  # ids are never reused
    # the array form
    assert ok(client.cc.delete_host({"bk_host_id": [hosts[2]]})) is None
    assert host_doc(client, hosts[2]) is None and relations(client, [hosts[2]]) == []
    # unknown ids only: nothing to do
    assert ok(client.cc.delete_host({"bk_host_id": str(MISSING_ID)})) is None


def test_delete_host_refused(client):
    t = new_biz(client)
    [in_biz] = hosts_in(client, t["biz"])
    pooled = pool_hosts(client, 2)
    hosts = pooled + [in_biz]
    before = state(client, hosts, [t["biz"]])
    fail(client.cc.delete_host({"bk_host_id": "%d,x" % pooled[0]}), 1199006)
    fail(client.cc.delete_host({"bk_host_id": ""}), 1199006)
    fail(client.cc.delete_host({"bk_host_id": "%d,%d" % (pooled[0], in_biz)}), 1113002)
    fail(client.cc.delete_host({"bk_host_id": [in_biz]}), 1113002)
    assert state(client, hosts, [t["biz"]]) == before


def test_delete_host_refused_while_associated(client):
    [h] = pool_hosts(client)
    obj = new_obj(client)["bk_obj_id"]
    inst = ok(client.cc.create_inst({"bk_obj_id": obj, "bk_inst_name": unique("i")}))
    asst = ok(client.cc.create_object_association({"bk_obj_id": "host", "bk_asst_obj_id": obj,
                                                   "bk_asst_id": "connect", "mapping": "n:n"}))
    link = ok(client.cc.add_instance_association({"bk_obj_asst_id": asst["bk_obj_asst_id"], "bk_inst_id": h,
                                                  "bk_asst_inst_id": inst["bk_inst_id"]}))["id"]
    try:
        before = state(client, [h])
        fail(client.cc.delete_host({"bk_host_id": str(h)}), 1101036)
        assert state(client, [h]) == before
    finally:
        ok(client.cc.delete_instance_association({"id": link, "bk_obj_id": obj}))
        ok(client.cc.delete_object_association({"id": asst["id"]}))
    assert ok(client.cc.delete_host({"bk_host_id": str(h)})) is None
    assert host_doc(client, h) is None


# ====================================================================================================
# get_host_base_info (GET)


def test_get_host_base_info(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"], bk_host_name="base", bk_comment="note", bk_cpu=3)
    addr = host_doc(client, h)["bk_host_innerip"]
    info = ok(client.cc.get_host_base_info({"bk_host_id": h}))
    assert isinstance(info, list)
    assert all(set(e) == {"bk_property_id", "bk_property_name", "bk_property_value"} for e in info), info
    by_prop = {e["bk_property_id"]: e for e in info}
    assert len(by_prop) == len(info)
    attrs = ok(client.cc.search_object_attribute({"bk_obj_id": "host"}))
    listed = {a["bk_property_id"] for a in attrs if not a.get("bk_biz_id")}
    # every attribute; search_object_attribute hides the system attribute bk_cloud_host_identifier
    assert listed <= set(by_prop) and set(by_prop) - listed <= {"bk_cloud_host_identifier"}, (listed, by_prop)
    for a in attrs:
        if a["bk_property_id"] in by_prop:
            assert by_prop[a["bk_property_id"]]["bk_property_name"] == a["bk_property_name"], a
    value = {p: e["bk_property_value"] for p, e in by_prop.items()}
    assert value["bk_host_name"] == "base" and value["bk_comment"] == "note" and value["bk_cpu"] == 3
    assert value["bk_host_innerip"] == addr and value["bk_cloud_id"] == 0
    assert by_prop["bk_comment"]["bk_property_name"] == "Comment"
    assert value["bk_mem"] is None  # no value (an int attribute missing on create is stored as null)
    assert value["bk_sn"] == ""  # a missing singlechar is stored as ""
    # Chinese names for a Chinese caller
    zh = ok(client.cc.get_host_base_info({"bk_host_id": h}, headers=ZH))
    zh_attrs = {a["bk_property_id"]: a["bk_property_name"]
                for a in ok(client.cc.search_object_attribute({"bk_obj_id": "host"}, headers=ZH))}
    assert [e["bk_property_id"] for e in zh] == [e["bk_property_id"] for e in info]
    for e in zh:
        if e["bk_property_id"] == "bk_cloud_host_identifier":
            assert e["bk_property_name"] == u"云主机标识", e
        else:
            assert e["bk_property_name"] == zh_attrs[e["bk_property_id"]], e
    assert {e["bk_property_id"]: e["bk_property_value"] for e in zh} == value


def test_get_host_base_info_refused(client):
    fail(client.cc.get_host_base_info({"bk_host_id": MISSING_ID}), 1110008)
    fail(client.cc.get_host_base_info({"bk_host_id": "abc"}), 1199009)


# ====================================================================================================
# transfer_host_module


def test_transfer_host_module_replace(client, topo):
    hosts = hosts_in(client, topo["biz"], 2)
    assert ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts,
                                              "bk_module_id": [topo["a1"]]})) is None
    assert placement(client, hosts) == {h: (topo["biz"], [topo["a1"]]) for h in hosts}
    assert all(r["bk_set_id"] == topo["set_a"] for r in relations(client, hosts))
    # several modules across sets; the relation carries each module's set
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts[:1],
                                       "bk_module_id": [topo["a2"], topo["b1"]], "is_increment": False}))
    assert placement(client, hosts) == {hosts[0]: (topo["biz"], sorted([topo["a2"], topo["b1"]])),
                                        hosts[1]: (topo["biz"], [topo["a1"]])}
    sets = {r["bk_module_id"]: r["bk_set_id"] for r in relations(client, hosts)}
    assert sets == {topo["a1"]: topo["set_a"], topo["a2"]: topo["set_a"], topo["b1"]: topo["set_b"]}
    # replacing keeps common modules, drops the others
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts,
                                       "bk_module_id": [topo["b1"], topo["a1"]]}))
    assert placement(client, hosts) == {h: (topo["biz"], sorted([topo["a1"], topo["b1"]])) for h in hosts}
    assert sorted(biz_host_ids(client, topo["biz"])) == sorted(hosts)


def test_transfer_host_module_increment(client, topo):
    [h] = hosts_in(client, topo["biz"])
    # adding to a normal module drops the idle-module relation
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h], "bk_module_id": [topo["a1"]],
                                       "is_increment": True}))
    assert at(client, h) == (topo["biz"], [topo["a1"]])
    # other normal relations are kept
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h], "bk_module_id": [topo["b1"]],
                                       "is_increment": True}))
    assert at(client, h) == (topo["biz"], sorted([topo["a1"], topo["b1"]]))
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h],
                                       "bk_module_id": [topo["a1"], topo["a2"]], "is_increment": True,
                                       "disable_auto_create": True}))
    assert at(client, h) == (topo["biz"], sorted([topo["a1"], topo["a2"], topo["b1"]]))
    assert len(relations(client, [h])) == 3  # no duplicate rows


def test_transfer_host_module_is_audited(client, topo):
    hosts = hosts_in(client, topo["biz"], 2)
    before = [audit_count(client, h) for h in hosts]
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts, "bk_module_id": [topo["a1"]]}))
    assert [audit_count(client, h) for h in hosts] == [n + 1 for n in before]
    body = {"condition": {"operation_time": WIDE, "resource_type": "host", "resource_id": hosts[0],
                          "action": ["transfer_host_module"]}, "page": {"start": 0, "limit": 10}}
    assert ok(client.cc.list_operation_audit(body))["count"] == 1


def test_transfer_host_module_refused(client, topo):
    other = new_biz(client)
    hosts = hosts_in(client, topo["biz"], 2)
    [foreign] = hosts_in(client, other["biz"])
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts, "bk_module_id": [topo["a1"]]}))
    everything = hosts + [foreign]
    before = state(client, everything, [topo["biz"], other["biz"]])
    audits = [audit_count(client, h) for h in everything]
    b = topo["biz"]
    cases = [
        # 1. modules must belong to the business (a missing bk_biz_id makes every module missing)
        ({"bk_biz_id": b, "bk_host_id": hosts, "bk_module_id": [MISSING_ID]}, 1101080),
        ({"bk_biz_id": b, "bk_host_id": hosts, "bk_module_id": [topo["a2"], other["idle"]]}, 1101080),
        ({"bk_host_id": hosts, "bk_module_id": [topo["a2"]]}, 1101080),
        ({"bk_biz_id": MISSING_ID, "bk_host_id": hosts, "bk_module_id": [topo["a2"]]}, 1101080),
        # 2. no hosts (audit pre-read)
        ({"bk_biz_id": b, "bk_host_id": [], "bk_module_id": [topo["a2"]]}, 1199031),
        ({"bk_biz_id": b, "bk_module_id": [topo["a2"]]}, 1199031),
        # 3. internal target modules (1113013 wrapped)
        ({"bk_biz_id": b, "bk_host_id": hosts, "bk_module_id": [topo["idle"]]}, 1199002),
        ({"bk_biz_id": b, "bk_host_id": hosts, "bk_module_id": [topo["fault"], topo["a2"]]}, 1199002),
        # 4. relation-layer validation, wrapped
        ({"bk_biz_id": b, "bk_host_id": hosts, "bk_module_id": []}, 1199002),
        ({"bk_biz_id": MISSING_ID, "bk_host_id": hosts, "bk_module_id": []}, 1199002),
        ({"bk_biz_id": b, "bk_host_id": [hosts[0], hosts[0]], "bk_module_id": [topo["a2"]]}, 1199002),
        ({"bk_biz_id": b, "bk_host_id": [hosts[0], MISSING_ID], "bk_module_id": [topo["a2"]]}, 1199002),
        ({"bk_biz_id": b, "bk_host_id": [hosts[0], foreign], "bk_module_id": [topo["a2"]]}, 1199002),
        ({"bk_biz_id": b, "bk_host_id": [hosts[1], foreign], "bk_module_id": [topo["a2"]], "is_increment": True},
         1199002),
    ]
    for body, code in cases:
        resp = fail(client.cc.transfer_host_module(body), code)
        if code == 1199002:
            assert resp["message"] != "HTTP request failed", resp  # the inner error's text is kept
    assert state(client, everything, [topo["biz"], other["biz"]]) == before
    assert [audit_count(client, h) for h in everything] == audits


# ====================================================================================================
# transfer_host_to_idlemodule / transfer_host_to_faultmodule / transfer_host_to_recyclemodule


@pytest.mark.parametrize("endpoint,kind", [("transfer_host_to_idlemodule", "idle"),
                                           ("transfer_host_to_faultmodule", "fault"),
                                           ("transfer_host_to_recyclemodule", "recycle")])
def test_transfer_host_to_internal_module(client, topo, endpoint, kind):
    hosts = hosts_in(client, topo["biz"], 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts[:2],
                                       "bk_module_id": [topo["a1"], topo["b1"]]}))
    if kind != "fault":
        ok(client.cc.transfer_host_to_faultmodule({"bk_biz_id": topo["biz"], "bk_host_id": hosts[2:]}))
    else:
        ok(client.cc.transfer_host_to_recyclemodule({"bk_biz_id": topo["biz"], "bk_host_id": hosts[2:]}))
    assert ok(getattr(client.cc, endpoint)({"bk_biz_id": topo["biz"], "bk_host_id": hosts})) is None
    assert placement(client, hosts) == {h: (topo["biz"], [topo[kind]]) for h in hosts}
    assert all(r["bk_set_id"] == topo["idle_set"] for r in relations(client, hosts))
    # again: nothing changes
    assert ok(getattr(client.cc, endpoint)({"bk_biz_id": topo["biz"], "bk_host_id": hosts})) is None
    assert placement(client, hosts) == {h: (topo["biz"], [topo[kind]]) for h in hosts}


def test_transfer_host_to_recyclemodule_ignores_set_and_module(client, topo):
    [h] = hosts_in(client, topo["biz"])
    ok(client.cc.transfer_host_to_recyclemodule({"bk_biz_id": topo["biz"], "bk_host_id": [h],
                                                 "bk_set_id": topo["set_a"], "bk_module_id": topo["a1"]}))
    assert at(client, h) == (topo["biz"], [topo["recycle"]])


@pytest.mark.parametrize("endpoint", ["transfer_host_to_idlemodule", "transfer_host_to_faultmodule",
                                      "transfer_host_to_recyclemodule"])
def test_transfer_host_to_internal_module_refused(client, topo, endpoint):
    other = new_biz(client)
    hosts = hosts_in(client, topo["biz"], 2)
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": hosts, "bk_module_id": [topo["a1"]]}))
    [foreign] = hosts_in(client, other["biz"])
    everything = hosts + [foreign]
    before = state(client, everything, [topo["biz"], other["biz"]])
    call = getattr(client.cc, endpoint)
    b = topo["biz"]
    fail(call({"bk_biz_id": b, "bk_host_id": []}), 1199031)
    fail(call({"bk_biz_id": b}), 1199031)
    fail(call({"bk_biz_id": b, "bk_host_id": [hosts[0], MISSING_ID]}), 1199011)
    fail(call({"bk_biz_id": b, "bk_host_id": [hosts[0], hosts[0]]}), 1199011)
    fail(call({"bk_biz_id": b, "bk_host_id": [hosts[0], foreign]}), 1113002)
    fail(call({"bk_biz_id": other["biz"], "bk_host_id": [hosts[1]]}), 1113002)
    assert state(client, everything, [topo["biz"], other["biz"]]) == before


@pytest.mark.parametrize("endpoint", ["transfer_host_to_faultmodule", "transfer_host_to_recyclemodule"])
def test_transfer_host_to_internal_module_missing_in_resource_pool(client, pool, endpoint):
    """The resource pool has no fault or recycle module."""
    [h] = pool_hosts(client)
    fail(getattr(client.cc, endpoint)({"bk_biz_id": RESOURCE_POOL, "bk_host_id": [h]}), 1110030)
    assert at(client, h) == (RESOURCE_POOL, [pool["idle"]])


# ====================================================================================================
# transfer_host_to_resourcemodule


def test_transfer_host_to_resourcemodule(client, pool):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 3)
    ok(client.cc.transfer_host_to_faultmodule({"bk_biz_id": t["biz"], "bk_host_id": [hosts[1]]}))
    ok(client.cc.transfer_host_to_recyclemodule({"bk_biz_id": t["biz"], "bk_host_id": [hosts[2]]}))
    assert ok(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts})) is None
    assert placement(client, hosts) == {h: (RESOURCE_POOL, [pool["idle"]]) for h in hosts}
    assert all(r["bk_set_id"] == pool["idle_set"] for r in relations(client, hosts))
    assert biz_host_ids(client, t["biz"]) == []
    # explicit target: the resource pool's idle module
    [h] = hosts_in(client, t["biz"])
    ok(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": [h],
                                                  "bk_module_id": pool["idle"]}))
    assert at(client, h) == (RESOURCE_POOL, [pool["idle"]])
    # an empty host list does nothing
    assert ok(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": []})) is None


def test_transfer_host_to_resourcemodule_drops_private_attributes(client):
    t = new_biz(client)
    prop = unique("priv")
    attr = ok(client.cc.create_biz_custom_field({"bk_obj_id": "host", "bk_biz_id": t["biz"], "bk_property_id": prop,
                                                 "bk_property_name": prop, "bk_property_type": "singlechar",
                                                 "editable": True}))
    assert attr["bk_biz_id"] == t["biz"]
    [h] = hosts_in(client, t["biz"], bk_host_name="keeps")
    ok(client.cc.update_host({"bk_host_id": h, "data": {prop: "private value"}}))
    assert host_doc(client, h)[prop] == "private value"
    ok(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": [h]}))
    got = host_doc(client, h)
    assert got.get(prop) is None
    assert got["bk_host_name"] == "keeps"


def test_transfer_host_to_resourcemodule_refused(client, pool):
    t = new_biz(client)
    other = new_biz(client)
    hosts = hosts_in(client, t["biz"], 2)
    s = new_set(client, t["biz"])
    m = new_module(client, t["biz"], s)
    ok(client.cc.transfer_host_module({"bk_biz_id": t["biz"], "bk_host_id": [hosts[1]], "bk_module_id": [m]}))
    [pooled] = pool_hosts(client)
    everything = hosts + [pooled]
    before = state(client, everything, [t["biz"], other["biz"]])
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": 0, "bk_host_id": hosts[:1]}), 1110051)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_host_id": hosts[:1]}), 1110051)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": RESOURCE_POOL, "bk_host_id": [pooled]}), 1110052)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts[:1],
                                                    "bk_module_id": t["idle"]}), 1101033)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts[:1],
                                                    "bk_module_id": MISSING_ID}), 1101033)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": MISSING_ID, "bk_host_id": hosts[:1]}), 1110054)
    # a host in a normal module: its IP is named; the other host does not move either
    resp = fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts}), 1110056)
    assert before["hosts"][1]["bk_host_innerip"] in resp["message"], resp
    assert before["hosts"][0]["bk_host_innerip"] not in resp["message"], resp
    # hosts of another business / the resource pool are not in this business' internal modules
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": other["biz"], "bk_host_id": hosts[:1]}), 1110056)
    fail(client.cc.transfer_host_to_resourcemodule({"bk_biz_id": t["biz"], "bk_host_id": [hosts[0], pooled]}),
         1110056)
    assert state(client, everything, [t["biz"], other["biz"]]) == before


# ====================================================================================================
# transfer_resourcehost_to_idlemodule


def test_transfer_resourcehost_to_idlemodule(client, pool):
    t = new_biz(client)
    hosts = pool_hosts(client, 2)
    assert ok(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts})) is None
    assert placement(client, hosts) == {h: (t["biz"], [t["idle"]]) for h in hosts}
    assert all(r["bk_set_id"] == t["idle_set"] for r in relations(client, hosts))
    assert sorted(biz_host_ids(client, t["biz"])) == sorted(hosts)
    # target = resource pool: success, nothing done
    [p] = pool_hosts(client)
    assert ok(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": RESOURCE_POOL, "bk_host_id": [p]})) is None
    assert at(client, p) == (RESOURCE_POOL, [pool["idle"]])


def test_transfer_resourcehost_to_idlemodule_refused(client, pool):
    t = new_biz(client)
    other = new_biz(client)
    pooled = pool_hosts(client, 2)
    [in_biz] = hosts_in(client, other["biz"])
    everything = pooled + [in_biz]
    before = state(client, everything, [t["biz"], other["biz"]])
    fail(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": MISSING_ID, "bk_host_id": pooled}), 1199019)
    fail(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": 0, "bk_host_id": pooled}), 1199019)
    resp = fail(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": t["biz"],
                                                               "bk_host_id": pooled + [in_biz]}), 1110056)
    assert before["hosts"][2]["bk_host_innerip"] in resp["message"], resp
    fail(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": t["biz"], "bk_host_id": pooled + [MISSING_ID]}),
         1110056)
    assert state(client, everything, [t["biz"], other["biz"]]) == before


def test_transfer_resourcehost_to_idlemodule_archived_target(client, pool):
    t = new_biz(client)
    archive(client, t["biz"])
    hosts = pool_hosts(client, 1)
    before = state(client, hosts)
    fail(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": t["biz"], "bk_host_id": hosts}), 1110031)
    assert state(client, hosts) == before
    assert at(client, hosts[0]) == (RESOURCE_POOL, [pool["idle"]])


# ====================================================================================================
# transfer_host_across_biz


def test_transfer_host_across_biz(client):
    src, dst = new_biz(client), new_biz(client)
    hosts = hosts_in(client, src["biz"], 3)
    ok(client.cc.transfer_host_to_faultmodule({"bk_biz_id": src["biz"], "bk_host_id": [hosts[1]]}))
    ok(client.cc.transfer_host_to_recyclemodule({"bk_biz_id": src["biz"], "bk_host_id": [hosts[2]]}))
    assert ok(client.cc.transfer_host_across_biz({"src_bk_biz_id": src["biz"], "dst_bk_biz_id": dst["biz"],
                                                  "bk_module_id": dst["fault"], "bk_host_id": hosts})) is None
    assert placement(client, hosts) == {h: (dst["biz"], [dst["fault"]]) for h in hosts}
    assert all(r["bk_set_id"] == dst["idle_set"] for r in relations(client, hosts))
    assert biz_host_ids(client, src["biz"]) == []
    assert sorted(biz_host_ids(client, dst["biz"])) == sorted(hosts)
    # and back into the idle module
    ok(client.cc.transfer_host_across_biz({"src_bk_biz_id": dst["biz"], "dst_bk_biz_id": src["biz"],
                                           "bk_module_id": src["idle"], "bk_host_id": hosts[:1]}))
    assert at(client, hosts[0]) == (src["biz"], [src["idle"]])


def test_transfer_host_across_biz_refused(client):
    src, dst = new_biz(client), new_biz(client)
    s = new_set(client, dst["biz"])
    normal_dst = new_module(client, dst["biz"], s)
    hosts = hosts_in(client, src["biz"], 2)
    s2 = new_set(client, src["biz"])
    normal_src = new_module(client, src["biz"], s2)
    ok(client.cc.transfer_host_module({"bk_biz_id": src["biz"], "bk_host_id": [hosts[1]],
                                       "bk_module_id": [normal_src]}))
    [foreign] = hosts_in(client, dst["biz"])
    everything = hosts + [foreign]
    before = state(client, everything, [src["biz"], dst["biz"]])
    body = {"src_bk_biz_id": src["biz"], "dst_bk_biz_id": dst["biz"], "bk_module_id": dst["idle"],
            "bk_host_id": hosts[:1]}
    fail(client.cc.transfer_host_across_biz(dict(body, bk_module_id=normal_dst)), 1199006)
    fail(client.cc.transfer_host_across_biz(dict(body, bk_module_id=src["idle"])), 1199006)
    fail(client.cc.transfer_host_across_biz(dict(body, bk_module_id=MISSING_ID)), 1199006)
    resp = fail(client.cc.transfer_host_across_biz(dict(body, bk_host_id=hosts)), 1110056)
    assert before["hosts"][1]["bk_host_innerip"] in resp["message"], resp
    fail(client.cc.transfer_host_across_biz(dict(body, bk_host_id=[hosts[0], foreign])), 1110056)
    fail(client.cc.transfer_host_across_biz(dict(body, bk_host_id=[hosts[0]] * 501)), 1199035)
    assert state(client, everything, [src["biz"], dst["biz"]]) == before


def test_transfer_host_across_biz_archived(client):
    src, dst = new_biz(client), new_biz(client)
    archive(client, dst["biz"])
    hosts = hosts_in(client, src["biz"], 1)
    before = state(client, hosts, [src["biz"]])
    fail(client.cc.transfer_host_across_biz({"src_bk_biz_id": src["biz"], "dst_bk_biz_id": dst["biz"],
                                             "bk_module_id": dst["idle"], "bk_host_id": hosts}), 1110031)
    assert state(client, hosts, [src["biz"]]) == before


# ====================================================================================================
# transfer_sethost_to_idle_module


def test_transfer_sethost_to_idle_module_by_module(client, topo):
    h1, h2, h3 = hosts_in(client, topo["biz"], 3)
    b = topo["biz"]
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h1], "bk_module_id": [topo["a1"], topo["b1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h2], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h3], "bk_module_id": [topo["a2"]]}))
    # bk_module_id takes precedence over bk_set_id
    assert ok(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": b, "bk_set_id": topo["set_b"],
                                                         "bk_module_id": topo["a1"]})) is None
    assert placement(client, [h1, h2, h3]) == {h1: (b, [topo["b1"]]), h2: (b, [topo["idle"]]), h3: (b, [topo["a2"]])}
    # an empty module: nothing to do
    assert ok(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": b, "bk_module_id": topo["a1"]})) is None
    assert placement(client, [h1, h2, h3]) == {h1: (b, [topo["b1"]]), h2: (b, [topo["idle"]]), h3: (b, [topo["a2"]])}


def test_transfer_sethost_to_idle_module_by_set(client, topo):
    h1, h2, h3 = hosts_in(client, topo["biz"], 3)
    b = topo["biz"]
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h1], "bk_module_id": [topo["a1"], topo["b1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h2], "bk_module_id": [topo["a1"], topo["a2"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h3], "bk_module_id": [topo["b1"]]}))
    assert ok(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": b, "bk_set_id": topo["set_a"]})) is None
    assert placement(client, [h1, h2, h3]) == {h1: (b, [topo["b1"]]), h2: (b, [topo["idle"]]), h3: (b, [topo["b1"]])}
    assert all(r["bk_set_id"] != topo["set_a"] for r in relations(client, [h1, h2, h3]))


def test_transfer_sethost_to_idle_module_refused(client, topo):
    [h] = hosts_in(client, topo["biz"])
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h], "bk_module_id": [topo["a1"]]}))
    before = state(client, [h], [topo["biz"]])
    fail(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": topo["biz"]}), 1199010)
    fail(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": topo["biz"], "bk_set_id": 0, "bk_module_id": 0}),
         1199010)
    fail(client.cc.transfer_sethost_to_idle_module({"bk_biz_id": 0, "bk_module_id": topo["a1"]}), 1199010)
    fail(client.cc.transfer_sethost_to_idle_module({"bk_set_id": topo["set_a"]}), 1199010)
    assert state(client, [h], [topo["biz"]]) == before


# ====================================================================================================
# host locks do not block anything


def test_locked_hosts_can_be_updated_and_transferred(client, topo):
    [h] = hosts_in(client, topo["biz"])
    ok(client.cc.add_host_lock({"id_list": [h]}))
    ok(client.cc.update_host({"bk_host_id": h, "data": {"bk_host_name": "locked"}}))
    ok(client.cc.transfer_host_module({"bk_biz_id": topo["biz"], "bk_host_id": [h], "bk_module_id": [topo["a1"]]}))
    assert at(client, h) == (topo["biz"], [topo["a1"]])
    assert host_doc(client, h)["bk_host_name"] == "locked"
    assert ok(client.cc.search_host_lock({"id_list": [h]})) == {str(h): True}


# ====================================================================================================
# list_biz_hosts


def test_list_biz_hosts(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 4)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:3], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["b1"]],
                                       "is_increment": True}))
    ok(client.cc.update_host({"bk_host_id": hosts[1], "data": {"bk_host_name": "needle"}}))

    def listed(**body):
        req = {"bk_biz_id": b, "page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"]}
        req.update(body)
        return ok(client.cc.list_biz_hosts(req))

    # paging, ordered by host id
    assert listed(page={"start": 0, "limit": 2}) == {"count": 4, "info": [{"bk_host_id": hosts[0]},
                                                                          {"bk_host_id": hosts[1]}]}
    assert listed(page={"start": 3, "limit": 2}) == {"count": 4, "info": [{"bk_host_id": hosts[3]}]}
    assert listed(page={"start": 0, "limit": 10, "sort": "-bk_host_id"})["info"][0] == {"bk_host_id": hosts[3]}
    # topology scopes; a host in several matching modules is returned once
    assert listed(bk_module_ids=[topo["a1"], topo["b1"]])["info"] == [{"bk_host_id": h} for h in hosts[:3]]
    assert listed(bk_set_ids=[topo["set_b"]])["info"] == [{"bk_host_id": hosts[0]}]
    assert listed(bk_set_ids=[topo["idle_set"]])["info"] == [{"bk_host_id": hosts[3]}]
    assert listed(set_cond=[{"field": "bk_set_id", "operator": "$eq", "value": topo["set_a"]}])["count"] == 3
    assert listed(set_cond=[{"field": "bk_set_id", "operator": "$ne", "value": topo["set_a"]}])["count"] == 2
    assert listed(module_cond=[{"field": "bk_module_id", "operator": "$eq", "value": topo["b1"]}])["info"] == \
        [{"bk_host_id": hosts[0]}]
    assert listed(bk_set_ids=[topo["set_a"]], bk_module_ids=[topo["a1"]])["info"] == [{"bk_host_id": h}
                                                                                      for h in hosts[:3]]
    assert listed(module_cond=[{"field": "bk_module_name", "operator": "$eq", "value": "nope"}]) == \
        {"count": 0, "info": []}
    assert listed(set_cond=[{"field": "bk_set_id", "operator": "$eq", "value": MISSING_ID}]) == \
        {"count": 0, "info": []}
    # host attribute filter and projection
    found = listed(host_property_filter=AND(rule("bk_host_name", "equal", "needle")),
                   fields=["bk_host_id", "bk_host_name", "bk_host_innerip"])
    assert found["count"] == 1
    assert found["info"][0]["bk_host_id"] == hosts[1] and found["info"][0]["bk_host_name"] == "needle"
    assert set(found["info"][0]) == {"bk_host_id", "bk_host_name", "bk_host_innerip"}
    # empty fields: all
    full = listed(fields=[], host_property_filter=AND(rule("bk_host_id", "equal", hosts[1])))["info"][0]
    assert full == host_doc(client, hosts[1])
    # another business' hosts are not listed
    other = new_biz(client)
    hosts_in(client, other["biz"])
    assert listed(page={"start": 0, "limit": 100})["count"] == 4


@pytest.mark.parametrize("extra", [
    {"page": {"start": 0, "limit": 0}},
    {"page": {"start": 0, "limit": 1001}},
    {"page": {"start": 0, "limit": -1}},
    {"bk_set_ids": [1], "set_cond": [{"field": "bk_set_id", "operator": "$eq", "value": 1}]},
    {"bk_module_ids": [1], "module_cond": [{"field": "bk_module_id", "operator": "$eq", "value": 1}]},
    {"bk_set_ids": list(range(1, 202))},
    {"bk_module_ids": list(range(1, 502))},
    {"host_property_filter": AND(rule("bk_host_name", "between", [1, 2]))},
    {"host_property_filter": {"condition": "XOR", "rules": [rule("bk_host_name", "equal", "x")]}},
])
def test_list_biz_hosts_refused(client, extra):
    t = new_biz(client)
    body = {"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"]}
    body.update(extra)
    fail(client.cc.list_biz_hosts(body), 1199006)


def test_list_biz_hosts_id_limits(client, topo):
    [h] = hosts_in(client, topo["biz"])
    body = {"bk_biz_id": topo["biz"], "page": {"start": 0, "limit": 1000}, "fields": ["bk_host_id"]}
    assert ok(client.cc.list_biz_hosts(dict(body, bk_set_ids=[topo["idle_set"]] + list(range(MISSING_ID,
                                                                                             MISSING_ID + 199)))))[
        "info"] == [{"bk_host_id": h}]
    assert ok(client.cc.list_biz_hosts(dict(body, bk_module_ids=[topo["idle"]] + list(range(MISSING_ID,
                                                                                            MISSING_ID + 499)))))[
        "info"] == [{"bk_host_id": h}]


# ====================================================================================================
# list_biz_hosts_topo


def test_list_biz_hosts_topo(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1],
                                       "bk_module_id": [topo["a1"], topo["a2"], topo["b1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[1:2], "bk_module_id": [topo["a2"]]}))
    # names as search_set / search_module give them in the same language (Chinese: the built-in names as stored;
    # the English translation is checked by test_host_topology_builtin_names_in_english)
    mods = ok(client.cc.search_module({"bk_biz_id": b, "fields": ["bk_module_id", "bk_module_name"],
                                       "condition": {}}, headers=ZH))["info"]
    name = {m["bk_module_id"]: m["bk_module_name"] for m in mods}
    sets = ok(client.cc.search_set({"bk_biz_id": b, "fields": ["bk_set_id", "bk_set_name"]}, headers=ZH))["info"]
    set_name = {s["bk_set_id"]: s["bk_set_name"] for s in sets}
    assert set_name[topo["idle_set"]] == u"空闲机池" and name[topo["idle"]] == u"空闲机"

    def node(set_id, *modules):
        return {"bk_set_id": set_id, "bk_set_name": set_name[set_id],
                "module": [{"bk_module_id": m, "bk_module_name": name[m]} for m in modules]}

    data = ok(client.cc.list_biz_hosts_topo({"bk_biz_id": b, "page": {"start": 0, "limit": 10},
                                             "fields": ["bk_host_innerip"]}, headers=ZH))
    assert data["count"] == 3
    assert [i["host"]["bk_host_id"] for i in data["info"]] == hosts
    assert set(data["info"][0]["host"]) == {"bk_host_id", "bk_host_innerip"}  # bk_host_id always added
    first = sorted(data["info"][0]["topo"], key=lambda s: s["bk_set_id"])
    for s in first:
        s["module"].sort(key=lambda m: m["bk_module_id"])
    assert first == sorted([node(topo["set_a"], *sorted([topo["a1"], topo["a2"]])), node(topo["set_b"], topo["b1"])],
                           key=lambda s: s["bk_set_id"])
    assert data["info"][1]["topo"] == [node(topo["set_a"], topo["a2"])]
    assert data["info"][2]["topo"] == [node(topo["idle_set"], topo["idle"])]
    # a module filter restricts the hosts; topo still lists all of the host's modules
    data = ok(client.cc.list_biz_hosts_topo({"bk_biz_id": b, "page": {"start": 0, "limit": 10},
                                             "module_property_filter": AND(rule("bk_module_id", "equal", topo["b1"]))}))
    assert data["count"] == 1 and data["info"][0]["host"]["bk_host_id"] == hosts[0]
    assert len(data["info"][0]["topo"]) == 2
    data = ok(client.cc.list_biz_hosts_topo({"bk_biz_id": b, "page": {"start": 0, "limit": 10},
                                             "set_property_filter": AND(rule("bk_set_id", "equal", topo["set_a"])),
                                             "host_property_filter": AND(rule("bk_host_id", "equal", hosts[1]))}))
    assert [i["host"]["bk_host_id"] for i in data["info"]] == [hosts[1]]
    assert ok(client.cc.list_biz_hosts_topo({"bk_biz_id": b, "page": {"start": 0, "limit": 10},
                                             "set_property_filter": AND(rule("bk_set_name", "equal", "nope"))})) == \
        {"count": 0, "info": []}
    # paging
    data = ok(client.cc.list_biz_hosts_topo({"bk_biz_id": b, "page": {"start": 1, "limit": 1}}))
    assert data["count"] == 3 and [i["host"]["bk_host_id"] for i in data["info"]] == [hosts[1]]


def test_list_biz_hosts_topo_refused(client):
    t = new_biz(client)
    fail(client.cc.list_biz_hosts_topo({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 0}}), 1199010)
    fail(client.cc.list_biz_hosts_topo({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 501}}), 1199035)


# ====================================================================================================
# list_hosts_without_biz


def test_list_hosts_without_biz(client, pool):
    t = new_biz(client)
    [pooled] = pool_hosts(client, bk_host_name="lw")
    [in_biz] = hosts_in(client, t["biz"], bk_host_name="lw")
    ids = [pooled, in_biz]
    flt = AND(rule("bk_host_id", "in", ids))
    data = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 10}, "host_property_filter": flt,
                                                "fields": ["bk_host_id", "bk_host_name"]}))
    assert data == {"count": 2, "info": [{"bk_host_id": pooled, "bk_host_name": "lw"},
                                         {"bk_host_id": in_biz, "bk_host_name": "lw"}]}
    # bk_biz_id is ignored; paging; descending sort
    data = ok(client.cc.list_hosts_without_biz({"bk_biz_id": t["biz"], "page": {"start": 1, "limit": 1},
                                                "host_property_filter": flt, "fields": ["bk_host_id"]}))
    assert data == {"count": 2, "info": [{"bk_host_id": in_biz}]}
    data = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 10, "sort": "-bk_host_id"},
                                                "host_property_filter": flt, "fields": ["bk_host_id"]}))
    assert data["info"] == [{"bk_host_id": in_biz}, {"bk_host_id": pooled}]
    # all fields by default
    full = ok(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 1},
                                                "host_property_filter": AND(rule("bk_host_id", "equal", in_biz))}))
    h = full["info"][0]
    assert h["bk_host_id"] == in_biz and h["bk_cloud_id"] == 0 and h["bk_supplier_account"] == "0"
    assert h["bk_addressing"] == "static" and isinstance(h["create_time"], str)


@pytest.mark.parametrize("page", [{"start": 0, "limit": 1001}, {"start": -1, "limit": 10},
                                  {"start": 0, "limit": -1}])
def test_list_hosts_without_biz_refused(client, page):
    fail(client.cc.list_hosts_without_biz({"page": page}), 1199006)


def test_list_hosts_without_biz_bad_filter(client):
    fail(client.cc.list_hosts_without_biz({"page": {"start": 0, "limit": 10},
                                           "host_property_filter": AND(rule("bk_host_id", "nope", 1))}), 1199006)


# ====================================================================================================
# list_resource_pool_hosts


def test_list_resource_pool_hosts(client, pool):
    t = new_biz(client)
    pooled = pool_hosts(client, 2, bk_host_name="rp")
    [in_biz] = hosts_in(client, t["biz"])
    flt = AND(rule("bk_host_id", "in", pooled + [in_biz]))
    data = ok(client.cc.list_resource_pool_hosts({"page": {"start": 0, "limit": 10}, "host_property_filter": flt,
                                                  "fields": ["bk_host_id", "bk_host_name"]}))
    assert data == {"count": 2, "info": [{"bk_host_id": h, "bk_host_name": "rp"} for h in pooled]}
    # topology scopes of the resource pool; the id caps of list_biz_hosts do not apply
    data = ok(client.cc.list_resource_pool_hosts({"page": {"start": 0, "limit": 10}, "host_property_filter": flt,
                                                  "fields": ["bk_host_id"],
                                                  "bk_set_ids": [pool["idle_set"]] + list(range(MISSING_ID,
                                                                                                MISSING_ID + 200)),
                                                  "bk_module_ids": [pool["idle"]]}))
    assert data["info"] == [{"bk_host_id": h} for h in pooled]
    assert ok(client.cc.list_resource_pool_hosts({"page": {"start": 0, "limit": 10}, "host_property_filter": flt,
                                                  "bk_module_ids": [t["idle"]]})) == {"count": 0, "info": []}
    # after moving one host to a business it is no longer listed
    ok(client.cc.transfer_resourcehost_to_idlemodule({"bk_biz_id": t["biz"], "bk_host_id": pooled[:1]}))
    data = ok(client.cc.list_resource_pool_hosts({"page": {"start": 0, "limit": 10}, "host_property_filter": flt,
                                                  "fields": ["bk_host_id"]}))
    assert data == {"count": 1, "info": [{"bk_host_id": pooled[1]}]}


@pytest.mark.parametrize("page", [{"start": 0, "limit": 0}, {"start": 0, "limit": 1001}])
def test_list_resource_pool_hosts_refused(client, page):
    fail(client.cc.list_resource_pool_hosts({"page": page}), 1199006)


# ====================================================================================================
# list_host_detail_topology


def test_list_host_detail_topology(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 2)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1],
                                       "bk_module_id": [topo["a1"], topo["a2"], topo["b1"]]}))
    flt = AND(rule("bk_host_id", "in", hosts))
    data = ok(client.cc.list_host_detail_topology({"page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"],
                                                   "host_property_filter": flt, "with_biz": True}, headers=ZH))
    assert data["count"] == 2
    assert [i["host"] for i in data["info"]] == [{"bk_host_id": h} for h in hosts]
    [root] = data["info"][0]["topo"]
    assert root["inst"] == {"obj": "biz", "name": topo["name"], "id": b}
    sets = sorted(root["children"], key=lambda n: n["inst"]["id"])
    assert [(s["inst"]["obj"], s["inst"]["id"]) for s in sets] == sorted([("set", topo["set_a"]),
                                                                          ("set", topo["set_b"])])
    by_set = {s["inst"]["id"]: s for s in sets}
    a_mods = sorted(by_set[topo["set_a"]]["children"], key=lambda n: n["inst"]["id"])
    assert [(m["inst"]["obj"], m["inst"]["id"], m["children"]) for m in a_mods] == \
        sorted([("module", topo["a1"], None), ("module", topo["a2"], None)])
    assert [m["inst"]["id"] for m in by_set[topo["set_b"]]["children"]] == [topo["b1"]]
    assert all(isinstance(m["inst"]["name"], str) and m["inst"]["name"] for m in a_mods)
    # the idle set hangs directly under the business
    [root2] = data["info"][1]["topo"]
    assert root2["inst"]["id"] == b
    [idle_set] = root2["children"]
    assert idle_set["inst"] == {"obj": "set", "name": u"空闲机池", "id": topo["idle_set"]}
    assert [m["inst"] for m in idle_set["children"]] == [{"obj": "module", "name": u"空闲机", "id": topo["idle"]}]
    # without the business root
    data = ok(client.cc.list_host_detail_topology({"page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"],
                                                   "host_property_filter": flt}))
    assert sorted(n["inst"]["id"] for n in data["info"][0]["topo"]) == sorted([topo["set_a"], topo["set_b"]])
    assert [n["inst"]["id"] for n in data["info"][1]["topo"]] == [topo["idle_set"]]
    # paging past the end
    data = ok(client.cc.list_host_detail_topology({"page": {"start": 5, "limit": 10}, "fields": ["bk_host_id"],
                                                   "host_property_filter": flt}))
    assert data == {"count": 2, "info": []}


@pytest.mark.parametrize("body", [
    {"page": {"start": 0, "limit": 10}, "fields": []},
    {"page": {"start": 0, "limit": 10}},
    {"page": {"start": 0, "limit": 501}, "fields": ["bk_host_id"]},
    {"page": {"start": -1, "limit": 10}, "fields": ["bk_host_id"]},
])
def test_list_host_detail_topology_refused(client, body):
    fail(client.cc.list_host_detail_topology(body), 1199006)


# ====================================================================================================
# list_host_total_mainline_topo


def test_list_host_total_mainline_topo(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["a1"],
                                                                                               topo["b1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[1:2], "bk_module_id": [topo["a2"]]}))

    def total(**body):
        req = {"bk_biz_id": b, "page": {"start": 0, "limit": 10}, "fields": ["bk_host_id"]}
        req.update(body)
        return ok(client.cc.list_host_total_mainline_topo(req))

    everything = total()
    assert everything["count"] == 3
    assert [i["host"] for i in everything["info"]] == [{"bk_host_id": h} for h in hosts]
    first = sorted(everything["info"][0]["topo"], key=lambda n: n["inst"]["id"])
    assert [(n["inst"]["obj"], n["inst"]["id"]) for n in first] == sorted([("set", topo["set_a"]),
                                                                           ("set", topo["set_b"])])
    by_mod = total(module_property_filter=AND(rule("bk_module_id", "equal", topo["b1"])))
    assert by_mod["count"] == 1 and by_mod["info"][0]["host"] == {"bk_host_id": hosts[0]}
    assert len(by_mod["info"][0]["topo"]) == 2  # the host's whole topology
    by_set = total(set_property_filter=AND(rule("bk_set_id", "equal", topo["set_a"])))
    assert [i["host"]["bk_host_id"] for i in by_set["info"]] == hosts[:2]
    # filters cascade: module a1 within set B matches nothing
    assert total(set_property_filter=AND(rule("bk_set_id", "equal", topo["set_b"])),
                 module_property_filter=AND(rule("bk_module_id", "equal", topo["a1"]))) == {"count": 0, "info": []}
    assert total(set_property_filter=AND(rule("bk_set_name", "equal", "nope"))) == {"count": 0, "info": []}
    # set/module entries in mainline_property_filters are ignored
    assert total(mainline_property_filters=[{"bk_obj_id": "set", "filter": AND(rule("bk_set_name", "equal",
                                                                                    "nope"))}])["count"] == 3
    assert [i["host"]["bk_host_id"] for i in total(host_property_filter=AND(rule("bk_host_id", "equal",
                                                                                 hosts[2])))["info"]] == [hosts[2]]
    # count is the number of items in this page
    paged = total(page={"start": 1, "limit": 1})
    assert paged["count"] == 1 and [i["host"]["bk_host_id"] for i in paged["info"]] == [hosts[1]]


def test_list_host_total_mainline_topo_refused(client):
    t = new_biz(client)
    fail(client.cc.list_host_total_mainline_topo({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 0}}), 1199010)
    fail(client.cc.list_host_total_mainline_topo({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 501}}),
         1199035)


@pytest.mark.parametrize("endpoint", ["list_biz_hosts_topo", "list_host_detail_topology",
                                      "list_host_total_mainline_topo"])
def test_host_topology_builtin_names_in_english(client, endpoint):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    page = {"start": 0, "limit": 10}
    flt = AND(rule("bk_host_id", "equal", h))
    if endpoint == "list_biz_hosts_topo":
        data = ok(client.cc.list_biz_hosts_topo({"bk_biz_id": t["biz"], "page": page}, headers=EN))
        assert data["info"][0]["topo"] == [{"bk_set_id": t["idle_set"], "bk_set_name": "idle pool",
                                            "module": [{"bk_module_id": t["idle"], "bk_module_name": "idle host"}]}]
        return
    if endpoint == "list_host_detail_topology":
        data = ok(client.cc.list_host_detail_topology({"page": page, "fields": ["bk_host_id"],
                                                       "host_property_filter": flt}, headers=EN))
    else:
        data = ok(client.cc.list_host_total_mainline_topo({"bk_biz_id": t["biz"], "page": page,
                                                           "fields": ["bk_host_id"]}, headers=EN))
    assert data["info"][0]["topo"] == [{"inst": {"obj": "set", "name": "idle pool", "id": t["idle_set"]},
                                        "children": [{"inst": {"obj": "module", "name": "idle host", "id": t["idle"]},
                                                      "children": None}]}]


# ====================================================================================================
# find_host_by_topo


def test_find_host_by_topo(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 4)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:3], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["a2"]],
                                       "is_increment": True}))

    def find(obj, inst, page=None, fields=("bk_host_id",)):
        return ok(client.cc.find_host_by_topo({"bk_biz_id": b, "bk_obj_id": obj, "bk_inst_id": inst,
                                               "fields": list(fields), "page": page or {"start": 0, "limit": 10}}))

    assert find("set", topo["set_a"]) == {"count": 3, "info": [{"bk_host_id": h} for h in hosts[:3]]}
    assert find("module", topo["a2"]) == {"count": 1, "info": [{"bk_host_id": hosts[0]}]}
    assert find("module", topo["idle"]) == {"count": 1, "info": [{"bk_host_id": hosts[3]}]}
    assert find("set", topo["set_b"]) == {"count": 0, "info": []}
    assert find("set", topo["set_a"], page={"start": 1, "limit": 1}) == {"count": 3,
                                                                         "info": [{"bk_host_id": hosts[1]}]}
    assert find("set", topo["set_a"], page={"start": 10, "limit": 10}) == {"count": 3, "info": []}
    assert find("set", topo["set_a"], page={"start": 0, "limit": 999999999})["count"] == 3
    got = find("module", topo["a2"], fields=["bk_host_innerip", "bk_cloud_id"])["info"][0]
    assert got["bk_cloud_id"] == 0 and got["bk_host_innerip"] == host_doc(client, hosts[0])["bk_host_innerip"]


def test_find_host_by_topo_refused(client, topo):
    base = {"bk_biz_id": topo["biz"], "bk_obj_id": "set", "bk_inst_id": topo["set_a"], "fields": ["bk_host_id"],
            "page": {"start": 0, "limit": 10}}
    fail(client.cc.find_host_by_topo(dict(base, bk_obj_id="biz", bk_inst_id=topo["biz"])), 1199006)
    for page in ({"start": 0, "limit": 0}, {"start": 0, "limit": 1001}, {"start": -1, "limit": 10}):
        resp = client.cc.find_host_by_topo(dict(base, page=page))
        assert resp["result"] is False and resp["code"] != 0, (page, resp)


# ====================================================================================================
# find_host_biz_relations


def test_find_host_biz_relations(client, topo):
    b = topo["biz"]
    other = new_biz(client)
    hosts = hosts_in(client, b, 2)
    [foreign] = hosts_in(client, other["biz"])
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["a1"],
                                                                                               topo["b1"]]}))
    rows = ok(client.cc.find_host_biz_relations({"bk_host_id": hosts + [foreign, MISSING_ID]}))
    expected = [
        {"bk_biz_id": b, "bk_host_id": hosts[0], "bk_module_id": topo["a1"], "bk_set_id": topo["set_a"],
         "bk_supplier_account": "0"},
        {"bk_biz_id": b, "bk_host_id": hosts[0], "bk_module_id": topo["b1"], "bk_set_id": topo["set_b"],
         "bk_supplier_account": "0"},
        {"bk_biz_id": b, "bk_host_id": hosts[1], "bk_module_id": topo["idle"], "bk_set_id": topo["idle_set"],
         "bk_supplier_account": "0"},
        {"bk_biz_id": other["biz"], "bk_host_id": foreign, "bk_module_id": other["idle"],
         "bk_set_id": other["idle_set"], "bk_supplier_account": "0"},
    ]
    key = lambda r: (r["bk_host_id"], r["bk_module_id"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(expected, key=key)
    only = ok(client.cc.find_host_biz_relations({"bk_host_id": hosts + [foreign], "bk_biz_id": other["biz"]}))
    assert only == [expected[3]]


def test_find_host_biz_relations_refused(client):
    fail(client.cc.find_host_biz_relations({"bk_host_id": []}), 1199089)
    fail(client.cc.find_host_biz_relations({}), 1199089)
    fail(client.cc.find_host_biz_relations({"bk_host_id": list(range(1, 502))}), 1199089)
    assert ok(client.cc.find_host_biz_relations({"bk_host_id": list(range(MISSING_ID, MISSING_ID + 500))})) == []


# ====================================================================================================
# find_host_topo_relation


def test_find_host_topo_relation(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:2], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["b1"]],
                                       "is_increment": True}))

    def rel(**body):
        req = {"bk_biz_id": b, "page": {"start": 0, "limit": 10}}
        req.update(body)
        return ok(client.cc.find_host_topo_relation(req))

    def pairs(data):
        return sorted((r["bk_host_id"], r["bk_module_id"]) for r in data["data"])

    everything = rel()
    assert everything["count"] == 4 and everything["page"] == {"start": 0, "limit": 10}
    assert pairs(everything) == sorted([(hosts[0], topo["a1"]), (hosts[0], topo["b1"]), (hosts[1], topo["a1"]),
                                        (hosts[2], topo["idle"])])
    for r in everything["data"]:
        assert set(r) == {"bk_biz_id", "bk_host_id", "bk_module_id", "bk_set_id", "bk_supplier_account"}, r
        assert r["bk_biz_id"] == b
    assert pairs(rel(bk_module_ids=[topo["a1"]])) == [(hosts[0], topo["a1"]), (hosts[1], topo["a1"])]
    assert pairs(rel(bk_set_ids=[topo["set_b"], topo["idle_set"]])) == sorted([(hosts[0], topo["b1"]),
                                                                              (hosts[2], topo["idle"])])
    assert pairs(rel(bk_host_ids=[hosts[0]], bk_set_ids=[topo["set_a"]])) == [(hosts[0], topo["a1"])]
    paged = rel(page={"start": 1, "limit": 2})
    assert paged["count"] == 4 and len(paged["data"]) == 2 and paged["page"] == {"start": 1, "limit": 2}
    # only filters, no business
    assert pairs(ok(client.cc.find_host_topo_relation({"bk_host_ids": [hosts[2]],
                                                       "page": {"start": 0, "limit": 10}}))) == \
        [(hosts[2], topo["idle"])]


def test_find_host_topo_relation_refused(client):
    t = new_biz(client)
    fail(client.cc.find_host_topo_relation({"page": {"start": 0, "limit": 2}}), 1199005)
    fail(client.cc.find_host_topo_relation({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 0}}), 1199059)
    fail(client.cc.find_host_topo_relation({"bk_biz_id": t["biz"], "page": {"start": 0, "limit": 1001}}), 1199059)
    fail(client.cc.find_host_topo_relation({"bk_biz_id": t["biz"], "bk_set_ids": list(range(1, 202)),
                                            "page": {"start": 0, "limit": 10}}), 1199035)
    fail(client.cc.find_host_topo_relation({"bk_biz_id": t["biz"], "bk_module_ids": list(range(1, 502)),
                                            "page": {"start": 0, "limit": 10}}), 1199035)
    fail(client.cc.find_host_topo_relation({"bk_biz_id": t["biz"], "bk_host_ids": list(range(1, 502)),
                                            "page": {"start": 0, "limit": 10}}), 1199035)


# ====================================================================================================
# find_host_relations_with_topo


def test_find_host_relations_with_topo(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:2], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["a2"],
                                                                                               topo["b1"]],
                                       "is_increment": True}))

    def find(obj, ids, fields=("bk_host_id", "bk_module_id"), page=None):
        return ok(client.cc.find_host_relations_with_topo({"bk_biz_id": b, "bk_obj_id": obj, "bk_inst_ids": ids,
                                                           "fields": list(fields),
                                                           "page": page or {"start": 0, "limit": 10}}))

    data = find("set", [topo["set_a"]])
    assert data["count"] == 3
    assert sorted((r["bk_host_id"], r["bk_module_id"]) for r in data["info"]) == sorted(
        [(hosts[0], topo["a1"]), (hosts[0], topo["a2"]), (hosts[1], topo["a1"])])
    assert all(set(r) == {"bk_host_id", "bk_module_id"} for r in data["info"])
    data = find("module", [topo["b1"], topo["idle"]], fields=["bk_host_id", "bk_set_id", "bk_biz_id"])
    assert sorted((r["bk_host_id"], r["bk_set_id"], r["bk_biz_id"]) for r in data["info"]) == sorted(
        [(hosts[0], topo["set_b"], b), (hosts[2], topo["idle_set"], b)])
    assert find("module", [topo["a1"]], fields=["bk_host_id"]) == {
        "count": 2, "info": [{"bk_host_id": hosts[0]}, {"bk_host_id": hosts[1]}]}
    paged = find("set", [topo["set_a"]], page={"start": 2, "limit": 5})
    assert paged["count"] == 3 and len(paged["info"]) == 1


def test_find_host_relations_with_topo_refused(client, topo):
    base = {"bk_biz_id": topo["biz"], "bk_obj_id": "set", "bk_inst_ids": [topo["set_a"]], "fields": ["bk_host_id"],
            "page": {"start": 0, "limit": 10}}
    fail(client.cc.find_host_relations_with_topo(dict(base, bk_inst_ids=[])), 1199010)
    fail(client.cc.find_host_relations_with_topo(dict(base, fields=[])), 1199010)
    resp = client.cc.find_host_relations_with_topo(dict(base, bk_biz_id=0))
    assert resp["result"] is False and resp["code"] in (1199010, 1199006), resp
    fail(client.cc.find_host_relations_with_topo(dict(base, bk_obj_id="biz", bk_inst_ids=[topo["biz"]])), 1199006)
    fail(client.cc.find_host_relations_with_topo(dict(base, bk_inst_ids=list(range(1, 52)))), 1199006)


# ====================================================================================================
# find_module_host_relation


def test_find_module_host_relation(client, topo):
    b = topo["biz"]
    hosts = hosts_in(client, b, 3)
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:2], "bk_module_id": [topo["a1"]]}))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": hosts[:1], "bk_module_id": [topo["b1"]],
                                       "is_increment": True}))
    data = ok(client.cc.find_module_host_relation({"bk_biz_id": b, "bk_module_ids": [topo["a1"]],
                                                   "module_fields": ["bk_module_id", "bk_set_id"],
                                                   "host_fields": ["bk_host_id", "bk_host_innerip"],
                                                   "page": {"start": 0, "limit": 10}}))
    assert data["count"] == 2
    assert [r["host"]["bk_host_id"] for r in data["relation"]] == hosts[:2]
    assert data["relation"][0]["host"]["bk_host_innerip"] == host_doc(client, hosts[0])["bk_host_innerip"]
    # all modules of the host, not only the requested ones
    assert sorted(data["relation"][0]["modules"], key=lambda m: m["bk_module_id"]) == sorted(
        [{"bk_module_id": topo["a1"], "bk_set_id": topo["set_a"]},
         {"bk_module_id": topo["b1"], "bk_set_id": topo["set_b"]}], key=lambda m: m["bk_module_id"])
    assert data["relation"][1]["modules"] == [{"bk_module_id": topo["a1"], "bk_set_id": topo["set_a"]}]
    paged = ok(client.cc.find_module_host_relation({"bk_biz_id": b, "bk_module_ids": [topo["a1"], topo["idle"]],
                                                    "module_fields": ["bk_module_name"], "host_fields": ["bk_host_id"],
                                                    "page": {"start": 2, "limit": 1}}))
    assert paged["count"] == 3
    assert paged["relation"] == [{"host": {"bk_host_id": hosts[2]}, "modules": [{"bk_module_name": "idle host"}]}]


def test_find_module_host_relation_refused(client, topo):
    base = {"bk_biz_id": topo["biz"], "bk_module_ids": [topo["a1"]], "module_fields": ["bk_module_id"],
            "host_fields": ["bk_host_id"], "page": {"start": 0, "limit": 10}}
    for bad in ({"bk_biz_id": 0}, {"bk_module_ids": []}, {"bk_module_ids": list(range(1, 202))},
                {"module_fields": []}, {"host_fields": []}, {"page": {"start": 0, "limit": 0}},
                {"page": {"start": 0, "limit": 1001}}):
        resp = client.cc.find_module_host_relation(dict(base, **bad))
        check_envelope(resp)
        assert resp["result"] is False and resp["code"] != 0, (bad, resp)


# ====================================================================================================
# count_biz_host_cpu


def test_count_biz_host_cpu(client):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 3)
    ok(client.cc.batch_update_host({"update": [{"bk_host_id": hosts[0], "properties": {"bk_cpu": 8}},
                                               {"bk_host_id": hosts[1], "properties": {"bk_cpu": 4}}]}))
    assert ok(client.cc.count_biz_host_cpu({"bk_biz_id": t["biz"]})) == [
        {"bk_biz_id": t["biz"], "host_count": 3, "cpu_count": 12, "no_cpu_host_count": 1}]
    empty = new_biz(client)
    assert ok(client.cc.count_biz_host_cpu({"bk_biz_id": empty["biz"]})) == [
        {"bk_biz_id": empty["biz"], "host_count": 0, "cpu_count": 0, "no_cpu_host_count": 0}]


def test_count_biz_host_cpu_pages(client):
    t = new_biz(client)
    hosts_in(client, t["biz"], 2, bk_cpu=2)
    gone = new_biz(client)
    archive(client, gone["biz"])
    first = ok(client.cc.count_biz_host_cpu({"page": {"start": 0, "limit": 2}}))
    assert [r["bk_biz_id"] for r in first] == [RESOURCE_POOL, BLUEKING]  # the resource pool included
    seen = []
    start = 0
    while True:
        rows = ok(client.cc.count_biz_host_cpu({"page": {"start": start, "limit": 10}}))
        assert len(rows) <= 10
        seen += rows
        if len(rows) < 10:
            break
        start += 10
    ids = [r["bk_biz_id"] for r in seen]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert gone["biz"] not in ids
    assert [r for r in seen if r["bk_biz_id"] == t["biz"]] == [
        {"bk_biz_id": t["biz"], "host_count": 2, "cpu_count": 4, "no_cpu_host_count": 0}]


@pytest.mark.parametrize("body,code", [
    ({}, 1199010),
    ({"bk_biz_id": 0}, 1199010),
    ({"bk_biz_id": 2, "page": {"start": 0, "limit": 1}}, 1199006),
    ({"bk_biz_id": -1}, 1199006),
    ({"page": {"start": 0, "limit": 0}}, 1199010),
    ({"page": {"start": 0, "limit": 11}}, 1199059),
])
def test_count_biz_host_cpu_refused(client, body, code):
    fail(client.cc.count_biz_host_cpu(body), code)


# ====================================================================================================
# host_install_bk


@pytest.fixture
def bk_module(client):
    """A set with two modules in the built-in business 蓝鲸."""
    set_name = unique("bkset")
    s = new_set(client, BLUEKING, set_name)
    names = [unique("bkmod"), unique("bkmod")]
    mods = [new_module(client, BLUEKING, s, n) for n in names]
    return {"set": s, "set_name": set_name, "modules": mods, "names": names}


def test_host_install_bk(client, bk_module):
    addr = ip()
    body = {"bk_set_name": bk_module["set_name"], "bk_module_name": bk_module["names"][0], "bk_host_innerip": addr,
            "host_info": {"bk_host_name": "bk1", "bk_cpu": 2}, "proc_info": {"nginx": {"bk_start_param_regex": "x"}}}
    assert ok(client.cc.host_install_bk(body)) == ""
    [h] = by_ip(client, addr)
    assert h["bk_host_name"] == "bk1" and h["bk_cpu"] == 2 and h["bk_cloud_id"] == 0
    hid = h["bk_host_id"]
    assert at(client, hid) == (BLUEKING, [bk_module["modules"][0]])
    assert [r["bk_set_id"] for r in relations(client, [hid])] == [bk_module["set"]]
    # present: attributes updated (identity untouched)
    body["host_info"] = {"bk_host_name": "bk2", "bk_host_innerip": ip(), "bk_cloud_id": 5}
    assert ok(client.cc.host_install_bk(body)) == ""
    got = host_doc(client, hid)
    assert got["bk_host_name"] == "bk2" and got["bk_host_innerip"] == addr and got["bk_cloud_id"] == 0
    assert [x["bk_host_id"] for x in by_ip(client, addr)] == [hid]
    assert at(client, hid) == (BLUEKING, [bk_module["modules"][0]])
    # another module: added incrementally
    ok(client.cc.host_install_bk(dict(body, bk_module_name=bk_module["names"][1], host_info={})))
    assert at(client, hid) == (BLUEKING, sorted(bk_module["modules"]))


def test_host_install_bk_other_cloud_area(client, bk_module):
    area = new_cloud(client)
    addr = ip()
    ok(client.cc.host_install_bk({"bk_set_name": bk_module["set_name"], "bk_module_name": bk_module["names"][1],
                                  "bk_host_innerip": addr, "bk_cloud_id": area}))
    [h] = by_ip(client, addr)
    assert h["bk_cloud_id"] == area
    assert at(client, h["bk_host_id"]) == (BLUEKING, [bk_module["modules"][1]])


def test_host_install_bk_refused(client, bk_module):
    addr = ip()
    base = {"bk_set_name": bk_module["set_name"], "bk_module_name": bk_module["names"][0], "bk_host_innerip": addr}
    before = biz_host_ids(client, BLUEKING)
    for missing in ("bk_set_name", "bk_module_name", "bk_host_innerip"):
        body = dict(base)
        del body[missing]
        fail(client.cc.host_install_bk(body), 1199010)
    fail(client.cc.host_install_bk(dict(base, bk_module_name="")), 1199010)
    fail(client.cc.host_install_bk(dict(base, bk_set_name=unique("noset"))), 1199078)
    fail(client.cc.host_install_bk(dict(base, bk_module_name=unique("nomod"))), 1199078)
    fail(client.cc.host_install_bk(dict(base, bk_cloud_id=MISSING_CLOUD)), 1101032)
    assert by_ip(client, addr) == []
    assert biz_host_ids(client, BLUEKING) == before
    # a host of another business is refused and left alone
    t = new_biz(client)
    [foreign] = hosts_in(client, t["biz"], bk_host_name="foreign")
    snap = state(client, [foreign], [t["biz"]])
    fail(client.cc.host_install_bk(dict(base, bk_host_innerip=host_doc(client, foreign)["bk_host_innerip"],
                                        host_info={"bk_host_name": "taken"})), 1110023)
    assert state(client, [foreign], [t["biz"]]) == snap
    assert biz_host_ids(client, BLUEKING) == before


# ====================================================================================================
# create_cloud_area / update_cloud_area / delete_cloud_area / search_cloud_area


def test_create_cloud_area(client):
    name = unique("cloud")
    cid = new_cloud(client, name, bk_cloud_vendor="2", bk_region="ap-guangzhou", bk_cloud_id=66666, default=1)
    assert isinstance(cid, int) and cid >= 2 and not 90000000 <= cid <= 99999999 and cid != 66666
    rec = cloud(client, cid)
    assert rec["bk_cloud_name"] == name and rec["bk_cloud_vendor"] == "2" and rec["bk_region"] == "ap-guangzhou"
    assert rec["bk_creator"] == OPERATOR and rec["bk_last_editor"] == OPERATOR
    assert rec["bk_supplier_account"] == "0" and rec["create_time"] and rec["last_time"]
    second = new_cloud(client)
    assert second > cid


@pytest.mark.parametrize("body", [{}, {"bk_cloud_name": ""}, {"bk_cloud_name": "NAME", "bk_cloud_vendor": "999"},
                                  {"bk_cloud_name": "DUP"}])
def test_create_cloud_area_refused(client, body):
    taken = unique("cloud")
    new_cloud(client, taken)
    body = dict(body)
    if body.get("bk_cloud_name") == "DUP":
        body["bk_cloud_name"] = taken
    elif body.get("bk_cloud_name") == "NAME":
        body["bk_cloud_name"] = unique("cloud")
    fail(client.cc.create_cloud_area(body), 1101000)
    if body.get("bk_cloud_name"):
        found = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": body["bk_cloud_name"]},
                                                "page": {"start": 0, "limit": 10}}))
        assert found["count"] == (1 if body["bk_cloud_name"] == taken else 0), found


def test_update_cloud_area(client, client_factory):
    cid = new_cloud(client, bk_cloud_vendor="1", bk_region="r1")
    before = cloud(client, cid)
    user = unique("editor")
    other = client_factory(bk_app_code="test", bk_app_secret="test", bk_username=user)
    renamed = unique("renamed")
    assert ok(other.cc.update_cloud_area({"bk_cloud_id": cid, "bk_cloud_name": renamed, "bk_cloud_vendor": "2",
                                          "bk_region": ""})) is None
    rec = cloud(client, cid)
    assert rec["bk_cloud_name"] == renamed and rec["bk_cloud_vendor"] == "2"
    assert rec["bk_region"] == "r1"  # empty values are not applied
    assert rec["bk_last_editor"] == user and rec["bk_creator"] == OPERATOR
    assert rec["create_time"] == before["create_time"]
    # unknown id: no error
    assert ok(client.cc.update_cloud_area({"bk_cloud_id": MISSING_CLOUD, "bk_cloud_name": unique("x")})) is None


def test_update_cloud_area_refused(client):
    cid, other = new_cloud(client), new_cloud(client)
    before = [cloud(client, c) for c in (0, UNASSIGNED_CLOUD, cid, other)]
    fail(client.cc.update_cloud_area({"bk_cloud_id": 0, "bk_cloud_name": unique("x")}), 1199076)
    fail(client.cc.update_cloud_area({"bk_cloud_id": UNASSIGNED_CLOUD, "bk_cloud_name": unique("x")}), 1199076)
    fail(client.cc.update_cloud_area({"bk_cloud_id": cid, "bk_cloud_name": before[3]["bk_cloud_name"]}), 1199014)
    assert [cloud(client, c) for c in (0, UNASSIGNED_CLOUD, cid, other)] == before


def test_delete_cloud_area(client):
    cid = new_cloud(client)
    assert ok(client.cc.delete_cloud_area({"bk_cloud_id": cid})) is None
    assert cloud(client, cid) is None
    fail(client.cc.add_host_to_business_idle({"bk_biz_id": new_biz(client)["biz"],
                                              "bk_host_list": [host_row(bk_cloud_id=cid)]}), 1199006)


def test_delete_cloud_area_refused(client):
    t = new_biz(client)
    cid = new_cloud(client)
    [h] = hosts_in(client, t["biz"], bk_cloud_id=cid)
    before = [cloud(client, c) for c in (0, UNASSIGNED_CLOUD, cid)]
    fail(client.cc.delete_cloud_area({"bk_cloud_id": 0}), 1110066)
    fail(client.cc.delete_cloud_area({"bk_cloud_id": UNASSIGNED_CLOUD}), 1110066)
    fail(client.cc.delete_cloud_area({"bk_cloud_id": cid}), 1101030)
    assert [cloud(client, c) for c in (0, UNASSIGNED_CLOUD, cid)] == before
    assert host_doc(client, h)["bk_cloud_id"] == cid
    # once the host has left the area it can go
    ok(client.cc.update_host_cloud_area_field({"bk_host_ids": [h], "bk_cloud_id": 0}))
    assert ok(client.cc.delete_cloud_area({"bk_cloud_id": cid})) is None
    assert cloud(client, cid) is None


def test_search_cloud_area(client):
    tag = unique("Zone")
    ids = [new_cloud(client, tag + "_one", bk_region="r"), new_cloud(client, tag + "_two")]
    exact = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": tag + "_one"},
                                            "page": {"start": 0, "limit": 10}}))
    assert exact["count"] == 1 and exact["info"][0]["bk_cloud_id"] == ids[0]
    # fuzzy: case-insensitive substring
    fuzzy = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": tag.upper()}, "is_fuzzy": True,
                                            "page": {"start": 0, "limit": 10, "sort": "bk_cloud_id"}}))
    assert [c["bk_cloud_id"] for c in fuzzy["info"]] == ids and fuzzy["count"] == 2
    assert ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": tag.upper()},
                                           "page": {"start": 0, "limit": 10}})) == {"count": 0, "info": []}
    # projection, sync task ids, paging, default order (newest first)
    proj = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": tag}, "is_fuzzy": True,
                                           "fields": ["bk_cloud_id", "bk_cloud_name"], "sync_task_ids": True,
                                           "page": {"start": 0, "limit": 10, "sort": "bk_cloud_id"}}))
    assert proj["info"] == [{"bk_cloud_id": ids[0], "bk_cloud_name": tag + "_one", "sync_task_ids": []},
                            {"bk_cloud_id": ids[1], "bk_cloud_name": tag + "_two", "sync_task_ids": []}]
    paged = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_name": tag}, "is_fuzzy": True,
                                            "page": {"start": 1, "limit": 1, "sort": "bk_cloud_id"}}))
    assert paged["count"] == 2 and [c["bk_cloud_id"] for c in paged["info"]] == [ids[1]]
    legacy = ok(client.cc.search_cloud_area({"condition": {"bk_cloud_id": {"$in": ids}},
                                             "page": {"start": 0, "limit": 0}}))
    assert sorted(c["bk_cloud_id"] for c in legacy["info"]) == ids
    # the built-in areas
    assert cloud(client, 0)["bk_cloud_name"] == "Default Area"
    assert cloud(client, UNASSIGNED_CLOUD, headers=EN)["bk_cloud_name"] == "Unassigned Area"
    assert cloud(client, UNASSIGNED_CLOUD, headers=ZH)["bk_cloud_name"] == u"未分配"


# ====================================================================================================
# add_host_lock / delete_host_lock / search_host_lock


def test_host_locks(client):
    t = new_biz(client)
    h1, h2 = hosts_in(client, t["biz"], 2)
    assert ok(client.cc.search_host_lock({"id_list": [h1, h2, MISSING_ID]})) == {
        str(h1): False, str(h2): False, str(MISSING_ID): False}
    assert ok(client.cc.add_host_lock({"id_list": [h1]})) is None
    assert ok(client.cc.add_host_lock({"id_list": [h1, h2]})) is None  # already locked: fine
    assert ok(client.cc.search_host_lock({"id_list": [h1, h2]})) == {str(h1): True, str(h2): True}
    assert ok(client.cc.delete_host_lock({"id_list": [h2, MISSING_ID]})) is None
    assert ok(client.cc.search_host_lock({"id_list": [h1, h2]})) == {str(h1): True, str(h2): False}
    assert ok(client.cc.delete_host_lock({"id_list": [h2]})) is None  # not locked: ignored
    assert ok(client.cc.delete_host_lock({"id_list": [h1]})) is None
    assert ok(client.cc.search_host_lock({"id_list": [h1]})) == {str(h1): False}


def test_host_locks_refused(client):
    t = new_biz(client)
    [h] = hosts_in(client, t["biz"])
    fail(client.cc.add_host_lock({"id_list": []}), 1199010)
    fail(client.cc.add_host_lock({}), 1199010)
    resp = fail(client.cc.add_host_lock({"id_list": [h, MISSING_ID]}), 1199011)
    assert str(MISSING_ID) in resp["message"], resp
    assert ok(client.cc.search_host_lock({"id_list": [h]})) == {str(h): False}  # nothing locked
    fail(client.cc.delete_host_lock({"id_list": []}), 1199010)
    fail(client.cc.search_host_lock({"id_list": []}), 1199010)
    fail(client.cc.search_host_lock({}), 1199010)


# ====================================================================================================
# bind_host_agent / unbind_host_agent


def agent_id():
    return "ag" + secrets.token_hex(8)


def agents(client, hosts):
    return [host_doc(client, h).get("bk_agent_id", "") for h in hosts]


def test_bind_and_unbind_host_agent(client):
    t = new_biz(client)
    h1, h2 = hosts_in(client, t["biz"], 2)
    a1, a2, a3 = agent_id(), agent_id(), agent_id()
    assert ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1},
                                                  {"bk_host_id": h2, "bk_agent_id": a2}]})) is None
    assert agents(client, [h1, h2]) == [a1, a2]
    # same id: no-op; another id: re-bound
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1}]}))
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a3}]}))
    assert agents(client, [h1, h2]) == [a3, a2]
    # a1 is free again
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": a1}]}))
    assert agents(client, [h1, h2]) == [a3, a1]
    # unbind
    assert ok(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a3}]})) is None
    assert agents(client, [h1, h2]) == ["", a1]
    # a host not bound is skipped
    assert ok(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a3},
                                                    {"bk_host_id": h2, "bk_agent_id": a1}]})) is None
    assert agents(client, [h1, h2]) == ["", ""]
    # the agent id is free for another host
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": a3}]}))
    assert agents(client, [h1, h2]) == ["", a3]


def test_bind_host_agent_refused(client):
    t = new_biz(client)
    h1, h2 = hosts_in(client, t["biz"], 2)
    a1, a2 = agent_id(), agent_id()
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1}]}))
    before = state(client, [h1, h2], [t["biz"]])
    fail(client.cc.bind_host_agent({"list": []}), 1199010)
    fail(client.cc.bind_host_agent({}), 1199010)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": 0, "bk_agent_id": a2}]}), 1199010)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": -1, "bk_agent_id": a2}]}), 1199010)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": ""}]}), 1199010)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": h2}]}), 1199010)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": agent_id()}] * 201}), 1199035)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": a2},
                                             {"bk_host_id": MISSING_ID, "bk_agent_id": agent_id()}]}), 1110008)
    fail(client.cc.bind_host_agent({"list": [{"bk_host_id": h2, "bk_agent_id": a1}]}), 1199014)
    assert state(client, [h1, h2], [t["biz"]]) == before


def test_unbind_host_agent_refused(client):
    t = new_biz(client)
    h1, h2 = hosts_in(client, t["biz"], 2)
    a1, a2 = agent_id(), agent_id()
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1},
                                           {"bk_host_id": h2, "bk_agent_id": a2}]}))
    before = state(client, [h1, h2], [t["biz"]])
    fail(client.cc.unbind_host_agent({"list": []}), 1199010)
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": ""}]}), 1199010)
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": 0, "bk_agent_id": a1}]}), 1199010)
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1}] * 201}), 1199035)
    # bound to an agent id that appears nowhere in the request
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": agent_id()}]}), 1110008)
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": MISSING_ID, "bk_agent_id": a1}]}), 1110008)
    # bound to another entry's agent id
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a2},
                                               {"bk_host_id": h2, "bk_agent_id": a1}]}), 1199006)
    # first entry valid, second not: nothing cleared
    fail(client.cc.unbind_host_agent({"list": [{"bk_host_id": h1, "bk_agent_id": a1},
                                               {"bk_host_id": h2, "bk_agent_id": agent_id()}]}), 1110008)
    assert state(client, [h1, h2], [t["biz"]]) == before


# ====================================================================================================
# push_host_identifier / find_host_identifier_push_result (no GSE)


def test_push_host_identifier_without_gse(client):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 2)
    fail(client.cc.push_host_identifier({"bk_host_ids": hosts}), 1103011)
    fail(client.cc.push_host_identifier({"bk_host_ids": []}), 1199011)
    fail(client.cc.push_host_identifier({}), 1199011)
    fail(client.cc.push_host_identifier({"bk_host_ids": list(range(1, 202))}), 1199035)


def test_find_host_identifier_push_result_without_gse(client):
    fail(client.cc.find_host_identifier_push_result({"task_id": "GSETASK:F:" + secrets.token_hex(8)}), 1103011)


# ====================================================================================================
# search_hostidentifier


def test_search_hostidentifier(client, topo):
    b = topo["biz"]
    inner, outer = ip(), ip()
    [h] = add_idle(client, b, host_row(bk_host_innerip=inner, bk_host_outerip=outer, bk_os_type="1"))
    ok(client.cc.transfer_host_module({"bk_biz_id": b, "bk_host_id": [h], "bk_module_id": [topo["a1"], topo["b1"]]}))
    agent = agent_id()
    ok(client.cc.bind_host_agent({"list": [{"bk_host_id": h, "bk_agent_id": agent}]}))
    data = ok(client.cc.search_hostidentifier({"ip": {"data": [inner]}}))
    assert data["count"] == 1
    [rec] = data["info"]
    assert rec["bk_host_id"] == h and rec["bk_cloud_id"] == 0 and rec["bk_host_innerip"] == inner
    assert rec["bk_os_type"] == "1" and rec["bk_supplier_account"] == "0" and rec["bk_agent_id"] == agent
    assert rec["bk_addressing"] == "static"
    assert rec["associations"] == {
        str(topo["a1"]): {"bk_biz_id": b, "bk_set_id": topo["set_a"], "bk_module_id": topo["a1"], "layer": None},
        str(topo["b1"]): {"bk_biz_id": b, "bk_set_id": topo["set_b"], "bk_module_id": topo["b1"], "layer": None}}
    assert rec["process"] == []
    # the outer IP matches too; cloud-area restriction
    assert [r["bk_host_id"] for r in ok(client.cc.search_hostidentifier({"ip": {"data": [outer]}}))["info"]] == [h]
    assert [r["bk_host_id"] for r in ok(client.cc.search_hostidentifier({"ip": {"data": [inner, ip()],
                                                                                "bk_cloud_id": 0}}))["info"]] == [h]
    area = new_cloud(client)
    assert ok(client.cc.search_hostidentifier({"ip": {"data": [inner], "bk_cloud_id": area}})) == \
        {"count": 0, "info": []}
    assert ok(client.cc.search_hostidentifier({"ip": {"data": [ip()]}})) == {"count": 0, "info": []}
    # paging
    [h2] = add_idle(client, b, host_row(bk_host_innerip=ip(), bk_host_outerip=inner))
    both = ok(client.cc.search_hostidentifier({"ip": {"data": [inner]}, "page": {"start": 0, "limit": 1}}))
    assert both["count"] == 2 and [r["bk_host_id"] for r in both["info"]] == [h]
    assert [r["bk_host_id"] for r in ok(client.cc.search_hostidentifier(
        {"ip": {"data": [inner]}, "page": {"start": 1, "limit": 1}}))["info"]] == [h2]


def test_search_hostidentifier_refused(client):
    fail(client.cc.search_hostidentifier({"ip": {"data": []}}), 1199010)
    fail(client.cc.search_hostidentifier({}), 1199010)
    fail(client.cc.search_hostidentifier({"ip": {"data": ["1.1.1.1"]}, "page": {"start": 0, "limit": 1001}}),
         1199015)


# ====================================================================================================
# get_host_location / find_host_snapshot_batch / search_cost_info_relation (kube-project-misc.md §3)


def test_get_host_location(client):
    t = new_biz(client)
    area = new_cloud(client)
    [h] = hosts_in(client, t["biz"])
    [h2] = hosts_in(client, t["biz"], bk_cloud_id=area)
    addr, addr2 = host_doc(client, h)["bk_host_innerip"], host_doc(client, h2)["bk_host_innerip"]
    data = ok(client.cc.get_host_location({"bk_host_list": [
        {"bk_host_innerip": addr, "bk_cloud_id": 0},
        {"bk_host_innerip": ip(), "bk_cloud_id": 0},          # unknown IP: omitted
        {"bk_host_innerip": addr, "bk_cloud_id": area},       # other cloud area: omitted
        {"bk_host_innerip": addr2, "bk_cloud_id": area}]}))
    assert data == [{"bk_host_innerip": addr, "bk_cloud_id": 0, "bk_location": "v3.0"},
                    {"bk_host_innerip": addr2, "bk_cloud_id": area, "bk_location": "v3.0"}]


def test_find_host_snapshot_batch(client):
    t = new_biz(client)
    hosts = hosts_in(client, t["biz"], 2)
    assert ok(client.cc.find_host_snapshot_batch({"bk_ids": hosts, "fields": ["bk_host_id", "bk_all_ips"]})) == []
    # duplicates are removed before the 200 cap
    assert ok(client.cc.find_host_snapshot_batch({"bk_ids": [hosts[0]] * 201, "fields": ["bk_host_id"]})) == []
    fail(client.cc.find_host_snapshot_batch({"bk_ids": [], "fields": ["bk_host_id"]}), 1199089)
    fail(client.cc.find_host_snapshot_batch({"fields": ["bk_host_id"]}), 1199089)
    fail(client.cc.find_host_snapshot_batch({"bk_ids": list(range(1, 202)), "fields": ["bk_host_id"]}), 1199089)
    fail(client.cc.find_host_snapshot_batch({"bk_ids": hosts, "fields": []}), 1199006)


def test_search_cost_info_relation(client):
    t = new_biz(client)
    assert ok(client.cc.search_cost_info_relation({})) == []
    assert ok(client.cc.search_cost_info_relation({"bk_biz_ids": [t["biz"]], "bk_biz_names": [t["name"]],
                                                   "page": {"start": 0, "limit": 10}})) == []
