"""Area `service-process` through the official client (service-and-process.md): service categories (§3.1),
service templates (§3.2), process templates (§3.3), set templates (§3.4), service instances (§3.5), labels (§3.6),
process instances (§3.7) and template synchronisation (§2.4-§2.6)."""
import itertools
import os
import secrets
import time

import pytest
from bkapi_client_core.base import Operation

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


# ====================================================================================================
# Service templates, process templates, set templates, service instances, processes, labels and
# template synchronisation (service-and-process.md §1, §2, §3.2-§3.7).
#
# Every test builds its own business; refused writes are followed by a re-read through a list endpoint
# and compared with the state before. Five endpoints have no operation in the official client
# (list_host_service_template_id, list_process_related_info, list_service_template_difference,
# list_service_template_sync_status, sync_service_template_to_service_instance; all POST in endpoints.tsv):
# they are registered at run time (CLIENT_NOTES.md). get_service_template and
# list_set_template_related_service_template are the client's GET operations (query string).

EXTRA_OPS = ("list_host_service_template_id", "list_process_related_info", "list_service_template_difference",
             "list_service_template_sync_status", "sync_service_template_to_service_instance")
PROCESS_KEYS = {"bk_process_id", "bk_biz_id", "service_instance_id", "bk_process_name", "bk_func_name",
                "bk_start_param_regex", "description", "bind_info", "user", "work_path", "proc_num", "priority",
                "timeout", "start_cmd", "stop_cmd", "restart_cmd", "face_stop_cmd", "reload_cmd", "pid_file",
                "auto_start", "bk_start_check_secs", "bk_supplier_account", "create_time", "last_time"}
INSTANCE_KEYS = {"id", "name", "bk_biz_id", "bk_module_id", "bk_host_id", "service_template_id", "labels", "creator",
                 "modifier", "create_time", "last_time", "bk_supplier_account"}
RELATION_KEYS = {"bk_biz_id", "bk_process_id", "service_instance_id", "process_template_id", "bk_host_id",
                 "bk_supplier_account"}
PAGE = {"start": 0, "limit": 100}


@pytest.fixture(autouse=True)
def _extra_ops(client):
    for name in EXTRA_OPS:
        if not hasattr(client.cc, name):
            client.cc.register(name, Operation(method="POST", path="/api/c/compapi{bk_api_ver}/cc/%s/" % name))
    return client


# ---------------------------------------------------------------------------------------------------- helpers

_ip_seq = itertools.count(secrets.randbelow(5000))
_IP_OCTET = 16 + os.getpid() % 16


def new_ip():
    """A fresh IPv4 address in 172.16/12 (test_host.py uses 10/8), unique in this process."""
    n = next(_ip_seq)
    return "172.%d.%d.%d" % (_IP_OCTET, (n // 250) % 250, n % 250 + 1)


def category_id(client, biz, name):
    rows = [c for c in ok(client.cc.list_service_category({"bk_biz_id": biz}))["info"] if c["name"] == name]
    assert len(rows) == 1, rows
    return rows[0]["id"]


def leaf(client, biz):
    """The preset leaf category 数据库 › Mysql."""
    return category_id(client, biz, "Mysql")


def new_template(client, biz, name=None, category=None):
    body = {"bk_biz_id": biz, "name": name or unique("tpl"), "service_category_id": category or leaf(client, biz)}
    return ok(client.cc.create_service_template(body))


def spec(name, port, **prop):
    """A process template spec: name, func name and user locked; port unlocked on the host's first inner IP."""
    s = {"bk_process_name": {"value": name, "as_default_value": True},
         "bk_func_name": {"value": name + "-bin", "as_default_value": True},
         "proc_num": {"value": 2, "as_default_value": False},
         "user": {"value": "root", "as_default_value": True},
         "bind_info": {"value": [{"ip": {"value": "3", "as_default_value": True},
                                  "port": {"value": port, "as_default_value": False},
                                  "protocol": {"value": "1", "as_default_value": True},
                                  "enable": {"value": True, "as_default_value": False}}],
                       "as_default_value": True}}
    s.update(prop)
    return {"spec": s}


def add_proc_templates(client, biz, tid, *specs):
    ids = ok(client.cc.batch_create_proc_template({"bk_biz_id": biz, "service_template_id": tid,
                                                   "processes": list(specs)}))
    assert isinstance(ids, list) and len(ids) == len(specs), ids
    return ids


def new_set(client, biz, **data):
    body = {"bk_biz_id": biz, "data": dict({"bk_parent_id": biz, "bk_set_name": unique("set")}, **data)}
    return ok(client.cc.create_set(body))["bk_set_id"]


def new_module(client, biz, set_id, **data):
    body = {"bk_biz_id": biz, "bk_set_id": set_id,
            "data": dict({"bk_parent_id": set_id, "bk_module_name": unique("mod")}, **data)}
    return ok(client.cc.create_module(body))["bk_module_id"]


def template_module(client, biz, tid, set_id=None):
    """(set, module): a module bound to service template `tid` (in a fresh set unless given)."""
    set_id = set_id or new_set(client, biz)
    return set_id, new_module(client, biz, set_id, bk_module_name="ignored", service_template_id=tid)


def modules_of(client, biz, set_id):
    data = ok(client.cc.search_module({"bk_biz_id": biz, "bk_set_id": set_id, "condition": {}}))
    return sorted(data["info"], key=lambda m: m["bk_module_id"])


def module_doc(client, biz, module):
    rows = ok(client.cc.search_module({"bk_biz_id": biz, "condition": {"bk_module_id": module}}))["info"]
    assert len(rows) == 1, rows
    return rows[0]


def idle_module(client, biz):
    inner = ok(client.cc.get_biz_internal_module({"bk_biz_id": biz}))
    return [m["bk_module_id"] for m in inner["module"] if m["default"] == 1][0]


def new_hosts(client, biz, n=1):
    """n new hosts in the idle module of `biz`; returns [(id, ip)]."""
    ips = [new_ip() for _ in range(n)]
    rows = [{"bk_host_innerip": a, "bk_cloud_id": 0, "bk_addressing": "static"} for a in ips]
    ids = ok(client.cc.add_host_to_business_idle({"bk_biz_id": biz, "bk_host_list": rows}))["bk_host_ids"]
    assert len(ids) == n, ids
    return list(zip(ids, ips))


def move(client, biz, hosts, *modules, **extra):
    body = dict({"bk_biz_id": biz, "bk_host_id": list(hosts), "bk_module_id": list(modules)}, **extra)
    assert ok(client.cc.transfer_host_module(body)) is None


def host_modules(client, host):
    return sorted(r["bk_module_id"] for r in ok(client.cc.find_host_biz_relations({"bk_host_id": [host]})))


def service_templates(client, biz):
    data = ok(client.cc.list_service_template({"bk_biz_id": biz, "page": {"start": 0, "limit": 1000}}))
    assert data["count"] == len(data["info"]), data
    return sorted(data["info"], key=lambda t: t["id"])


def proc_templates(client, biz, tid):
    data = ok(client.cc.list_proc_template({"bk_biz_id": biz, "service_template_id": tid}))
    assert data["count"] == len(data["info"]), data
    return sorted(data["info"], key=lambda t: t["id"])


def set_templates(client, biz):
    """Set templates of the business, each with the ids of its service templates."""
    data = ok(client.cc.list_set_template({"bk_biz_id": biz, "page": {"start": 0, "limit": 1000}}))
    assert data["count"] == len(data["info"]), data
    return [(st, related_ids(client, biz, st["id"])) for st in sorted(data["info"], key=lambda t: t["id"])]


def related_ids(client, biz, set_template):
    rows = ok(client.cc.list_set_template_related_service_template({"bk_biz_id": biz,
                                                                    "set_template_id": set_template}))
    return [t["id"] for t in rows]


def instances(client, biz, **filters):
    """Service instances of the business with their processes (list_service_instance_detail), by id."""
    body = dict({"bk_biz_id": biz, "page": {"start": 0, "limit": 1000}}, **filters)
    data = ok(client.cc.list_service_instance_detail(body))
    assert data["count"] == len(data["info"]), data
    return sorted(data["info"], key=lambda i: i["id"])


def instance_ids(client, biz, **filters):
    data = ok(client.cc.list_service_instance(dict({"bk_biz_id": biz}, **filters)))
    assert data["count"] == len(data["info"]), data
    return sorted(i["id"] for i in data["info"])


def all_processes(client, biz):
    """Every process document of the business (search_process_instances), by id."""
    data = ok(client.cc.search_process_instances({"bk_biz_id": biz, "page": {"start": 0, "limit": 1000}}))
    assert data["count"] == len(data["info"]), data
    return sorted(data["info"], key=lambda p: p["bk_process_id"])


def processes(client, biz, si):
    return ok(client.cc.list_process_instance({"bk_biz_id": biz, "service_instance_id": si}))


def process_docs(client, biz, ids):
    rows = ok(client.cc.list_process_detail_by_ids({"bk_biz_id": biz, "bk_process_ids": list(ids)}))
    return sorted(rows, key=lambda p: p["bk_process_id"])


def free_instance(client, biz, module, host, *infos, **inst):
    """A service instance of a module without template with processes made from `infos`; returns its id."""
    inst = dict({"bk_host_id": host, "processes": [{"process_template_id": 0, "process_info": p} for p in infos]},
                **inst)
    ids = ok(client.cc.create_service_instance({"bk_biz_id": biz, "bk_module_id": module, "instances": [inst]}))
    assert isinstance(ids, list) and len(ids) == 1, ids
    return ids[0]


def free_setup(client, n_hosts=1):
    """A business with a module without template and n hosts in it."""
    biz = new_biz(client)
    set_id = new_set(client, biz)
    module = new_module(client, biz, set_id)
    hosts = new_hosts(client, biz, n_hosts)
    move(client, biz, [h for h, _ in hosts], module)
    return {"biz": biz, "set": set_id, "module": module, "hosts": hosts}


def template_setup(client, n_hosts=1, specs=None):
    """A business, a service template with process templates (nginx:80, agent:81 unless given), a module bound to it
    and n hosts transferred into it (one service instance each, auto-created)."""
    biz = new_biz(client)
    t = new_template(client, biz)
    specs = specs if specs is not None else [spec("nginx", "80"), spec("agent", "81")]
    ptids = add_proc_templates(client, biz, t["id"], *specs)
    set_id, module = template_module(client, biz, t["id"])
    hosts = new_hosts(client, biz, n_hosts)
    if hosts:
        move(client, biz, [h for h, _ in hosts], module)
    return {"biz": biz, "t": t, "tid": t["id"], "ptids": ptids, "set": set_id, "module": module, "hosts": hosts}


def poll(fetch, done, timeout=30.0):
    deadline = time.time() + timeout
    while True:
        value = fetch()
        if done(value) or time.time() > deadline:
            return value
        time.sleep(0.1)


def by_name(procs):
    return {p["property"]["bk_process_name"]: p for p in procs}


# ---------------------------------------------------------------------------------------------------- §3.2


def test_create_and_get_service_template(client):
    biz = new_biz(client)
    mysql = leaf(client, biz)
    name = unique("tpl")
    t = ok(client.cc.create_service_template({"bk_biz_id": biz, "name": name, "service_category_id": mysql}))
    assert isinstance(t["id"], int) and t["id"] > 0
    assert (t["bk_biz_id"], t["name"], t["service_category_id"]) == (biz, name, mysql)
    assert t["host_apply_enabled"] is False
    assert t["creator"] == t["modifier"] == OPERATOR and t["bk_supplier_account"] == "0"
    assert t["create_time"] and t["last_time"]
    assert ok(client.cc.get_service_template({"service_template_id": t["id"]})) == t
    assert service_templates(client, biz) == [t]
    # the name is trimmed; host_apply_enabled is kept
    name2 = unique("tpl")
    t2 = ok(client.cc.create_service_template({"bk_biz_id": biz, "name": "  %s " % name2,
                                               "service_category_id": mysql, "host_apply_enabled": True}))
    assert t2["name"] == name2 and t2["host_apply_enabled"] is True
    assert service_templates(client, biz) == [t, t2]
    fail(client.cc.get_service_template({"service_template_id": MISSING_ID}), 1199019)
    fail(client.cc.get_service_template({"service_template_id": "abc"}), 1199006)
    fail(client.cc.get_service_template({"bk_biz_id": 1}), 1306406)


def test_create_service_template_refused(client):
    biz = new_biz(client)
    other = new_biz(client)
    mysql = leaf(client, biz)
    taken = new_template(client, biz)
    foreign_root = ok(client.cc.create_service_category({"bk_biz_id": other, "name": "froot"}))
    foreign_leaf = ok(client.cc.create_service_category({"bk_biz_id": other, "name": "fleaf",
                                                         "bk_parent_id": foreign_root["id"]}))
    non_leaf = category_id(client, biz, "数据库")
    before = service_templates(client, biz)
    ok_body = {"bk_biz_id": biz, "name": unique("tpl"), "service_category_id": mysql}
    fail(client.cc.create_service_template(dict(ok_body, name=taken["name"])), 1199014)
    fail(client.cc.create_service_template(dict(ok_body, name="a/b")), 1199006)
    fail(client.cc.create_service_template(dict(ok_body, name="a b")), 1199006)
    fail(client.cc.create_service_template(dict(ok_body, name="")), 1199006)
    fail(client.cc.create_service_template(dict(ok_body, service_category_id=non_leaf)), 1113032)
    fail(client.cc.create_service_template(dict(ok_body, service_category_id=MISSING_ID)), 1199006)
    fail(client.cc.create_service_template(dict(ok_body, service_category_id=foreign_leaf["id"])), 1199006)
    fail(client.cc.create_service_template(dict(ok_body, bk_biz_id=MISSING_ID)), 1199006)
    assert service_templates(client, biz) == before


def test_update_service_template_renames_and_recategorises_modules(client):
    biz = new_biz(client)
    t = new_template(client, biz)
    _, module = template_module(client, biz, t["id"])
    m = module_doc(client, biz, module)
    assert m["bk_module_name"] == t["name"] and m["service_category_id"] == t["service_category_id"]
    redis = category_id(client, biz, "Redis")
    new_name = unique("renamed")
    up = ok(client.cc.update_service_template({"id": t["id"], "bk_biz_id": biz, "name": new_name,
                                               "service_category_id": redis}))
    assert (up["id"], up["name"], up["service_category_id"]) == (t["id"], new_name, redis)
    assert ok(client.cc.get_service_template({"service_template_id": t["id"]})) == up
    m = module_doc(client, biz, module)
    assert m["bk_module_name"] == new_name and m["service_category_id"] == redis
    # neither field: a no-op returning the template
    assert ok(client.cc.update_service_template({"id": t["id"], "bk_biz_id": biz})) == up


def test_update_service_template_refused(client):
    biz = new_biz(client)
    t1 = new_template(client, biz)
    t2 = new_template(client, biz)
    set_id, _ = template_module(client, biz, t1["id"])
    new_module(client, biz, set_id, bk_module_name="taken")
    before, mods = service_templates(client, biz), modules_of(client, biz, set_id)
    fail(client.cc.update_service_template({"id": MISSING_ID, "bk_biz_id": biz, "name": "x"}), 1199019)
    fail(client.cc.update_service_template({"id": t1["id"], "bk_biz_id": biz, "name": t2["name"]}), 1199014)
    fail(client.cc.update_service_template({"id": t1["id"], "bk_biz_id": biz, "name": "taken"}), 1199014)
    fail(client.cc.update_service_template({"id": t1["id"], "bk_biz_id": biz, "name": "a,b"}), 1199006)
    fail(client.cc.update_service_template({"id": t1["id"], "bk_biz_id": biz,
                                            "service_category_id": category_id(client, biz, "数据库")}), 1113032)
    fail(client.cc.update_service_template({"id": t1["id"], "bk_biz_id": biz, "service_category_id": MISSING_ID}),
         1199006)
    assert service_templates(client, biz) == before
    assert modules_of(client, biz, set_id) == mods


def test_delete_service_template(client):
    biz = new_biz(client)
    spare = new_template(client, biz)
    pts = add_proc_templates(client, biz, spare["id"], spec("x", "80"))
    used = new_template(client, biz)
    template_module(client, biz, used["id"])
    before = service_templates(client, biz)
    fail(client.cc.delete_service_template({"bk_biz_id": biz, "service_template_id": used["id"]}), 1108030)
    fail(client.cc.delete_service_template({"bk_biz_id": biz, "service_template_id": MISSING_ID}), 1108030)
    assert service_templates(client, biz) == before
    assert ok(client.cc.delete_service_template({"bk_biz_id": biz, "service_template_id": spare["id"]})) is None
    assert [t["id"] for t in service_templates(client, biz)] == [used["id"]]
    fail(client.cc.get_service_template({"service_template_id": spare["id"]}), 1199019)
    fail(client.cc.get_proc_template({"process_template_id": pts[0]}), 1199019)


def test_list_service_template(client):
    biz = new_biz(client)
    other = new_biz(client)
    a = new_template(client, biz, name=unique("Alpha"))
    b = new_template(client, biz, name=unique("beta"), category=category_id(client, biz, "Redis"))
    c = new_template(client, other)

    def ids(**body):
        data = ok(client.cc.list_service_template(dict({"bk_biz_id": biz, "page": {"start": 0, "limit": 10}},
                                                       **body)))
        assert data["count"] == len(data["info"]), data
        return [t["id"] for t in data["info"]]

    assert ids() == [b["id"], a["id"]], "default sort -id"
    assert ids(search="ALPHA") == [a["id"]], "case-insensitive substring"
    assert ids(search="l.h") == [], "regex metacharacters are escaped"
    assert ids(search=a["name"][:-1], is_exact=True) == []
    assert ids(search=a["name"], is_exact=True) == [a["id"]]
    assert ids(service_template_ids=[a["id"], c["id"]]) == [a["id"]]
    assert ids(bk_biz_id=0, service_template_ids=[a["id"], c["id"]]) == [c["id"], a["id"]]
    assert ids(service_category_id=category_id(client, biz, "数据库")) == [b["id"], a["id"]], "descendants match"
    assert ids(service_category_id=category_id(client, biz, "Mysql")) == [a["id"]]
    data = ok(client.cc.list_service_template({"bk_biz_id": biz, "page": {"start": 1, "limit": 1}}))
    assert data["count"] == 2 and [t["id"] for t in data["info"]] == [a["id"]]
    assert data["info"][0] == a
    for page in ({"start": 0, "limit": 0}, {"start": 0, "limit": 1001}, {"start": -1, "limit": 10}):
        fail(client.cc.list_service_template({"bk_biz_id": biz, "page": page}), 1199059)


# ---------------------------------------------------------------------------------------------------- §3.3


def test_batch_create_and_get_proc_template(client):
    biz = new_biz(client)
    tid = new_template(client, biz)["id"]
    php = spec("php", "9000-9010,9100")
    php["spec"]["bind_info"]["value"].append({"ip": {"value": "1", "as_default_value": False},
                                              "port": {"value": "9200", "as_default_value": False},
                                              "protocol": {"value": "2", "as_default_value": False},
                                              "enable": {"value": None, "as_default_value": False}})
    php["spec"]["bk_process_name"]["as_default_value"] = False
    ids = add_proc_templates(client, biz, tid, spec("nginx", "80"), php)
    assert ids[0] < ids[1]
    p = ok(client.cc.get_proc_template({"bk_biz_id": biz, "process_template_id": ids[0]}))
    assert (p["id"], p["bk_biz_id"], p["service_template_id"], p["bk_process_name"]) == (ids[0], biz, tid, "nginx")
    assert p["creator"] == p["modifier"] == OPERATOR
    prop = p["property"]
    assert prop["bk_process_name"] == {"value": "nginx", "as_default_value": True}
    assert prop["bk_func_name"] == {"value": "nginx-bin", "as_default_value": True}
    assert prop["proc_num"] == {"value": 2, "as_default_value": False}
    assert prop["user"] == {"value": "root", "as_default_value": True}
    assert prop["timeout"]["value"] is None
    assert prop["bind_info"]["as_default_value"] is True
    assert prop["bind_info"]["value"] == [{"row_id": 1, "ip": {"value": "3", "as_default_value": True},
                                           "port": {"value": "80", "as_default_value": False},
                                           "protocol": {"value": "1", "as_default_value": True},
                                           "enable": {"value": True, "as_default_value": False}}]
    q = ok(client.cc.get_proc_template({"process_template_id": ids[1]}))
    assert q["property"]["bk_process_name"] == {"value": "php", "as_default_value": True}, "always locked"
    assert [r["row_id"] for r in q["property"]["bind_info"]["value"]] == [1, 2]
    assert [t["id"] for t in proc_templates(client, biz, tid)] == ids
    # an empty batch is a no-op success, without any other check
    assert ok(client.cc.batch_create_proc_template({"bk_biz_id": biz, "service_template_id": 0,
                                                    "processes": []})) == []
    assert [t["id"] for t in proc_templates(client, biz, tid)] == ids
    fail(client.cc.get_proc_template({"process_template_id": MISSING_ID}), 1199019)
    fail(client.cc.get_proc_template({"process_template_id": "abc"}), 1199003)


def test_batch_create_proc_template_refused(client):
    biz = new_biz(client)
    other = new_biz(client)
    tid = new_template(client, biz)["id"]
    add_proc_templates(client, biz, tid, spec("nginx", "80"))
    before = proc_templates(client, biz, tid)

    def refused(code, *specs, **body):
        body = dict({"bk_biz_id": biz, "service_template_id": tid, "processes": list(specs)}, **body)
        return fail(client.cc.batch_create_proc_template(body), code)

    refused(1113019, spec("redis", "81"), spec("nginx", "82"))
    refused(1113019, spec("twin", "81"), spec("twin", "82"))
    refused(1113020, spec("other", "83", bk_func_name={"value": "nginx-bin", "as_default_value": True}))
    bad_port = spec("bad", "0")
    msg = refused(1199006, bad_port)["message"]
    assert "bind_info[0].port" in msg, msg
    mismatch = spec("v6", "80")
    mismatch["spec"]["bind_info"]["value"][0]["ip"]["value"] = "5"
    msg = refused(1199006, mismatch)["message"]
    assert "bind_info[0].(ip and protocol)" in msg, msg
    refused(1199006, spec("noname", "80", bk_process_name={"value": "", "as_default_value": True}))
    refused(1199006, spec("big", "80", proc_num={"value": 10001, "as_default_value": False}))
    msg = refused(1199998, spec("sp", "84", user={"value": " root", "as_default_value": True}))["message"]
    assert "contains space" in msg, msg
    refused(1199006, spec("q", "85"), bk_biz_id=other)
    refused(1199006, spec("q", "85"), service_template_id=0)
    refused(1199006, spec("q", "85"), service_template_id=MISSING_ID)
    refused(1199035, *[spec("p%d" % i, str(1000 + i)) for i in range(101)])
    assert proc_templates(client, biz, tid) == before


def test_update_proc_template(client):
    biz = new_biz(client)
    tid = new_template(client, biz)["id"]
    nginx, php = add_proc_templates(client, biz, tid, spec("nginx", "80"), spec("php", "9000"))
    up = ok(client.cc.update_proc_template({"bk_biz_id": biz, "process_template_id": nginx, "process_property": {
        "timeout": {"value": 30, "as_default_value": True},
        "proc_num": {"value": 5},
        "bk_func_name": {"value": "ignored", "as_default_value": False},
        "bk_process_name": {"value": "nginx2", "as_default_value": False}}}))
    prop = up["property"]
    assert up["id"] == nginx and up["bk_process_name"] == "nginx2" and up["modifier"] == OPERATOR
    assert prop["timeout"] == {"value": 30, "as_default_value": True}
    assert prop["proc_num"] == {"value": 5, "as_default_value": None}, "missing parts become null"
    assert prop["bk_func_name"] == {"value": "nginx-bin", "as_default_value": True}, "func name cannot change"
    assert prop["bk_process_name"] == {"value": "nginx2", "as_default_value": True}, "name always locked"
    assert prop["user"] == {"value": "root", "as_default_value": True}, "absent keys are kept"
    assert ok(client.cc.get_proc_template({"process_template_id": nginx})) == up
    # bind_info is replaced as a whole; a row without row_id is numbered after the highest one
    row1 = dict(prop["bind_info"]["value"][0], port={"value": "8080", "as_default_value": True})
    new_row = {"ip": {"value": "2", "as_default_value": False}, "port": {"value": "8443", "as_default_value": False},
               "protocol": {"value": "1", "as_default_value": False}, "enable": {"value": False}}
    up = ok(client.cc.update_proc_template({"process_template_id": nginx, "process_property": {
        "bind_info": {"value": [row1, new_row], "as_default_value": False}}}))
    rows = up["property"]["bind_info"]["value"]
    assert up["property"]["bind_info"]["as_default_value"] is False
    assert [r["row_id"] for r in rows] == [1, 2] and rows[0]["port"]["value"] == "8080"
    assert rows[1]["port"]["value"] == "8443"
    assert up["property"]["timeout"]["value"] == 30
    assert proc_templates(client, biz, tid)[0] == up


def test_update_proc_template_refused(client):
    biz = new_biz(client)
    tid = new_template(client, biz)["id"]
    nginx, php = add_proc_templates(client, biz, tid, spec("nginx", "80"), spec("php", "9000"))
    before = proc_templates(client, biz, tid)
    fail(client.cc.update_proc_template({"process_template_id": php,
                                         "process_property": {"bk_process_name": {"value": "nginx"}}}), 1113019)
    fail(client.cc.update_proc_template({"process_template_id": php, "process_property": {
        "bind_info": {"value": [{"port": {"value": "99999"}, "protocol": {"value": "1"}}]}}}), 1199006)
    fail(client.cc.update_proc_template({"process_template_id": php,
                                         "process_property": {"timeout": {"value": 0}}}), 1199006)
    fail(client.cc.update_proc_template({"process_template_id": 0, "process_property": {}}), 1199003)
    fail(client.cc.update_proc_template({"process_template_id": php}), 1199003)
    fail(client.cc.update_proc_template({"process_template_id": MISSING_ID, "process_property": {}}), 1199019)
    fail(client.cc.update_proc_template({"process_template_id": php, "process_property": "x"}), 1199000)
    assert proc_templates(client, biz, tid) == before


def test_delete_proc_template(client):
    s = template_setup(client, n_hosts=1, specs=[spec("nginx", "80"), spec("agent", "81"), spec("cron", "82")])
    biz, tid, (nginx, agent, cron) = s["biz"], s["tid"], s["ptids"]
    si = instance_ids(client, biz)[0]
    before = proc_templates(client, biz, tid)
    fail(client.cc.delete_proc_template({"bk_biz_id": biz, "process_templates": [nginx, MISSING_ID]}), 1108014)
    fail(client.cc.delete_proc_template({"bk_biz_id": biz, "process_templates": []}), 1199010)
    fail(client.cc.delete_proc_template({"bk_biz_id": biz, "process_templates": [nginx] * 501}), 1199035)
    assert proc_templates(client, biz, tid) == before
    assert ok(client.cc.delete_proc_template({"bk_biz_id": biz, "process_templates": [agent, cron]})) is None
    assert [t["id"] for t in proc_templates(client, biz, tid)] == [nginx]
    fail(client.cc.get_proc_template({"process_template_id": agent}), 1199019)
    # the processes stay, detached from their templates
    procs = by_name(processes(client, biz, si))
    assert set(procs) == {"nginx", "agent", "cron"}
    assert procs["nginx"]["relation"]["process_template_id"] == nginx
    assert procs["agent"]["relation"]["process_template_id"] == 0
    assert procs["cron"]["relation"]["process_template_id"] == 0


def test_list_proc_template(client):
    biz = new_biz(client)
    t1 = new_template(client, biz)["id"]
    t2 = new_template(client, biz)["id"]
    a, b = add_proc_templates(client, biz, t1, spec("a", "80"), spec("b", "81"))
    (c,) = add_proc_templates(client, biz, t2, spec("c", "82"))

    def ids(**body):
        data = ok(client.cc.list_proc_template(dict({"bk_biz_id": biz}, **body)))
        return data["count"], [t["id"] for t in data["info"]]

    assert ids(service_template_id=t1) == (2, [b, a]), "default sort -id"
    assert ids(process_template_ids=[a, c, MISSING_ID]) == (2, [c, a])
    assert ids(service_template_id=t1, process_template_ids=[a, c]) == (1, [a])
    assert ids(service_template_id=t1, page={"start": 0, "limit": 1}) == (2, [b])
    assert ids(service_template_id=t1, page={"start": 0, "limit": 10, "sort": "id"}) == (2, [a, b])
    row = ok(client.cc.list_proc_template({"bk_biz_id": biz, "process_template_ids": [c]}))["info"][0]
    assert row == ok(client.cc.get_proc_template({"process_template_id": c}))
    fail(client.cc.list_proc_template({"bk_biz_id": biz}), 1199006)
    fail(client.cc.list_proc_template({"bk_biz_id": 0, "service_template_id": t1}), 1199006)
    fail(client.cc.list_proc_template({"bk_biz_id": biz, "process_template_ids": list(range(1, 202))}), 1199089)


# ---------------------------------------------------------------------------------------------------- §3.4


def test_create_set_template_and_related_service_templates(client):
    biz = new_biz(client)
    t1 = new_template(client, biz)
    t2 = new_template(client, biz)
    name = unique("st")
    st = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": name,
                                           "service_template_ids": [t2["id"], t1["id"], t2["id"]]}))
    assert (st["name"], st["bk_biz_id"]) == (name, biz) and isinstance(st["id"], int)
    assert st["creator"] == st["modifier"] == OPERATOR and st["bk_supplier_account"] == "0"
    assert st["create_time"] and st["last_time"] and "version" not in st
    rel = ok(client.cc.list_set_template_related_service_template({"bk_biz_id": biz, "set_template_id": st["id"]}))
    assert rel == [t1, t2], "duplicates removed, id ascending, full template records"
    assert set_templates(client, biz) == [(st, [t1["id"], t2["id"]])]
    assert ok(client.cc.list_set_template_related_service_template({"bk_biz_id": biz,
                                                                    "set_template_id": MISSING_ID})) == []
    fail(client.cc.list_set_template_related_service_template({"bk_biz_id": biz, "set_template_id": "abc"}),
         1199006)
    fail(client.cc.list_set_template_related_service_template({"bk_biz_id": biz}), 1306406)


def test_create_set_template_refused(client):
    biz = new_biz(client)
    other = new_biz(client)
    t = new_template(client, biz)["id"]
    foreign = new_template(client, other)["id"]
    st = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"), "service_template_ids": [t]}))
    before = set_templates(client, biz)
    body = {"bk_biz_id": biz, "name": unique("st"), "service_template_ids": [t]}
    fail(client.cc.create_set_template(dict(body, name=st["name"])), 1199014)
    fail(client.cc.create_set_template(dict(body, service_template_ids=[])), 1199010)
    fail(client.cc.create_set_template(dict(body, service_template_ids=[t, MISSING_ID])), 1199006)
    fail(client.cc.create_set_template(dict(body, service_template_ids=[foreign])), 1199006)
    fail(client.cc.create_set_template(dict(body, name="a:b")), 1199006)
    fail(client.cc.create_set_template(dict(body, bk_biz_id=MISSING_ID)), 1199006)
    assert set_templates(client, biz) == before


def test_update_set_template(client):
    biz = new_biz(client)
    t1, t2 = new_template(client, biz)["id"], new_template(client, biz)["id"]
    st = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"), "service_template_ids": [t1]}))
    new_name = unique("st")
    up = ok(client.cc.update_set_template({"bk_biz_id": biz, "set_template_id": st["id"], "name": new_name,
                                           "service_template_ids": [t2, t1]}))
    assert (up["id"], up["name"], up["bk_biz_id"], up["modifier"]) == (st["id"], new_name, biz, OPERATOR)
    assert set_templates(client, biz) == [(up, [t1, t2])]
    up2 = ok(client.cc.update_set_template({"bk_biz_id": biz, "set_template_id": st["id"],
                                            "service_template_ids": []}))
    assert up2["name"] == new_name
    assert set_templates(client, biz) == [(up2, [])], "[] removes every service template"
    other = new_biz(client)
    b = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"), "service_template_ids": [t1]}))
    before = set_templates(client, biz)
    body = {"bk_biz_id": biz, "set_template_id": st["id"]}
    fail(client.cc.update_set_template(body), 1199005)
    fail(client.cc.update_set_template(dict(body, name="a b")), 1199005)
    fail(client.cc.update_set_template(dict(body, set_template_id=MISSING_ID, name="x")), 1199019)
    fail(client.cc.update_set_template(dict(body, bk_biz_id=other, name="x")), 1199019)
    fail(client.cc.update_set_template(dict(body, name=b["name"])), 1199014)
    fail(client.cc.update_set_template(dict(body, service_template_ids=[MISSING_ID])), 1199006)
    assert set_templates(client, biz) == before


def test_delete_set_template(client):
    biz = new_biz(client)
    t = new_template(client, biz)["id"]
    a, b, c = [ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                                 "service_template_ids": [t]}))["id"] for _ in range(3)]
    new_set(client, biz, set_template_id=a)
    before = set_templates(client, biz)
    fail(client.cc.delete_set_template({"bk_biz_id": biz, "set_template_ids": [b, a]}), 1199056)
    assert set_templates(client, biz) == before
    assert ok(client.cc.delete_set_template({"bk_biz_id": biz, "set_template_ids": []})) is None
    assert set_templates(client, biz) == before
    assert ok(client.cc.delete_set_template({"bk_biz_id": biz, "set_template_ids": [b, MISSING_ID]})) is None
    assert [st["id"] for st, _ in set_templates(client, biz)] == [a, c]
    assert related_ids(client, biz, b) == []


def test_list_set_template(client):
    biz = new_biz(client)
    other = new_biz(client)
    t = new_template(client, biz)["id"]
    a, b, c = [ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                                 "service_template_ids": [t]})) for _ in range(3)]
    ok(client.cc.create_set_template({"bk_biz_id": other, "name": unique("st"),
                                      "service_template_ids": [new_template(client, other)["id"]]}))

    def listed(**body):
        data = ok(client.cc.list_set_template(dict({"bk_biz_id": biz}, **body)))
        return data["count"], [st["id"] for st in data["info"]]

    assert ok(client.cc.list_set_template({"bk_biz_id": biz}))["info"] == [a, b, c]
    assert listed(set_template_ids=[c["id"], a["id"]]) == (2, [a["id"], c["id"]])
    assert listed(set_template_ids=[]) == (0, [])
    assert listed(page={"start": 1, "limit": 1}) == (3, [b["id"]])
    assert listed(page={"start": 0, "limit": 10, "sort": "-id"}) == (3, [c["id"], b["id"], a["id"]])
    fail(client.cc.list_set_template({"bk_biz_id": biz, "page": {"limit": 1001}}), 1199059)
    fail(client.cc.list_set_template({"bk_biz_id": biz, "page": {"start": -1, "limit": 10}}), 1199059)


def test_sync_set_template_to_set(client):
    biz = new_biz(client)
    t1, t2 = new_template(client, biz), new_template(client, biz)
    st = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                           "service_template_ids": [t1["id"]]}))["id"]
    set_id = new_set(client, biz, set_template_id=st)
    plain = new_set(client, biz)
    mods = modules_of(client, biz, set_id)
    assert [(m["bk_module_name"], m["service_template_id"], m["set_template_id"]) for m in mods] == \
        [(t1["name"], t1["id"], st)]
    ok(client.cc.update_set_template({"bk_biz_id": biz, "set_template_id": st,
                                      "service_template_ids": [t1["id"], t2["id"]]}))
    fail(client.cc.sync_set_template_to_set({"bk_biz_id": biz, "set_template_id": st, "bk_set_ids": []}), 1199010)
    fail(client.cc.sync_set_template_to_set({"bk_biz_id": biz, "set_template_id": st, "bk_set_ids": [MISSING_ID]}),
         1101011)
    fail(client.cc.sync_set_template_to_set({"bk_biz_id": biz, "set_template_id": st,
                                             "bk_set_ids": [set_id, plain]}), 1101011)
    time.sleep(1.0)  # nothing may have been queued for set_id
    assert modules_of(client, biz, set_id) == mods
    assert ok(client.cc.sync_set_template_to_set({"bk_biz_id": biz, "set_template_id": st,
                                                  "bk_set_ids": [set_id]})) is None
    mods = poll(lambda: modules_of(client, biz, set_id), lambda ms: len(ms) == 2)
    assert sorted(m["bk_module_name"] for m in mods) == sorted([t1["name"], t2["name"]])
    added = [m for m in mods if m["service_template_id"] == t2["id"]]
    assert len(added) == 1 and added[0]["set_template_id"] == st
    assert added[0]["service_category_id"] == t2["service_category_id"]
    assert modules_of(client, biz, plain) == []


# ---------------------------------------------------------------------------------------------------- §3.5


def seed_body(biz, module, host):
    """The request of /work/shared/seeds/000_a57c7a331e9b6e07.txt with real business, module and host ids."""
    return {
        "bk_biz_id": biz,
        "bk_module_id": module,
        "instances": [{
            "bk_host_id": host,
            "processes": [{
                "process_template_id": 1,
                "process_info": {
                    "bk_supplier_account": "0",
                    "bind_info": [{"enable": False, "ip": "127.0.0.1", "port": "80", "protocol": "1",
                                   "template_row_id": 1234}],
                    "description": "", "start_cmd": "", "restart_cmd": "", "pid_file": "", "auto_start": False,
                    "timeout": 30, "auto_time_gap": 60, "reload_cmd": "", "bk_func_name": "java",
                    "work_path": "/data/bkee", "stop_cmd": "", "face_stop_cmd": "", "port": "8008,8443",
                    "bk_process_name": "job_java", "user": "", "proc_num": 1, "priority": 1, "bk_biz_id": 2,
                    "bk_func_id": "", "bk_process_id": 1,
                },
            }],
        }],
    }


def test_create_service_instance_seed(client):
    s = free_setup(client, n_hosts=1)
    biz, module, (host, addr) = s["biz"], s["module"], s["hosts"][0]
    data = ok(client.cc.create_service_instance(seed_body(biz, module, host)))
    (inst,) = instances(client, biz)
    assert data == [inst["id"]]
    assert set(inst) - {"process_instances"} == INSTANCE_KEYS
    assert inst["name"] == "%s_job_java_80" % addr
    assert (inst["bk_biz_id"], inst["bk_module_id"], inst["bk_host_id"]) == (biz, module, host)
    assert inst["service_template_id"] == 0 and inst["labels"] is None and inst["creator"] == OPERATOR
    (pi,) = inst["process_instances"]
    p, rel = pi["process"], pi["relation"]
    assert set(p) == PROCESS_KEYS, "no port / auto_time_gap / bk_func_id / bk_created_by"
    assert p["bk_biz_id"] == biz, "the module's business wins over process_info.bk_biz_id"
    assert p["service_instance_id"] == inst["id"] and p["bk_process_id"] == rel["bk_process_id"]
    assert (p["bk_func_name"], p["bk_process_name"], p["work_path"]) == ("java", "job_java", "/data/bkee")
    assert (p["timeout"], p["proc_num"], p["priority"], p["auto_start"]) == (30, 1, 1, False)
    assert p["bind_info"] == [{"enable": False, "ip": "127.0.0.1", "port": "80", "protocol": "1",
                               "template_row_id": 1234}]
    assert rel == {"bk_biz_id": biz, "bk_process_id": p["bk_process_id"], "service_instance_id": inst["id"],
                   "process_template_id": 0, "bk_host_id": host, "bk_supplier_account": "0"}
    # a module without template allows any number of instances per host
    again = ok(client.cc.create_service_instance(seed_body(biz, module, host)))
    assert instance_ids(client, biz) == sorted(data + again)


def test_create_service_instance_refused(client):
    s = free_setup(client, n_hosts=1)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    other = free_setup(client)
    (outsider, _), = new_hosts(client, biz)  # in the business's idle module, not in `module`
    free_instance(client, biz, module, host, {"bk_func_name": "a", "bk_process_name": "a"})
    before, procs = instances(client, biz), all_processes(client, biz)
    seed = seed_body(biz, module, host)
    inst = seed["instances"][0]

    def refused(code, **body):
        return fail(client.cc.create_service_instance(dict(seed, **body)), code)

    refused(1199010, instances=[])
    refused(1199035, instances=[inst] * 101)
    refused(1113004, bk_module_id=other["module"])
    refused(1199006, bk_module_id=idle_module(client, biz), instances=[{"bk_host_id": outsider,
                                                                         "processes": inst["processes"]}])
    refused(1199010, instances=[inst, {"bk_host_id": host}])
    refused(1199010, instances=[dict(inst, processes=[])])
    refused(1110056, instances=[inst, dict(inst, bk_host_id=outsider)])
    refused(1199006, instances=[dict(inst, service_instance_name="x" * 257)])
    refused(1199014, instances=[dict(inst, processes=inst["processes"] * 2)])
    nofunc = dict(inst["processes"][0], process_info=dict(inst["processes"][0]["process_info"]))
    del nofunc["process_info"]["bk_func_name"]
    refused(1199010, instances=[dict(inst, processes=[nofunc])])
    assert instances(client, biz) == before
    assert all_processes(client, biz) == procs


def test_create_service_instance_unknown_module(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    before = instances(client, biz)
    fail(client.cc.create_service_instance(dict(seed_body(biz, module, host), bk_module_id=MISSING_ID)), 1101034)
    assert instances(client, biz) == before


def test_create_service_instance_from_template(client):
    biz = new_biz(client)
    t = new_template(client, biz)
    _, module = template_module(client, biz, t["id"])
    (h0, ip0), (h1, ip1) = new_hosts(client, biz, 2)
    move(client, biz, [h0, h1], module)
    assert instance_ids(client, biz) == [], "no process templates: the transfer created nothing"
    fail(client.cc.create_service_instance({"bk_biz_id": biz, "bk_module_id": module,
                                            "instances": [{"bk_host_id": h0}]}), 1199006)
    ptids = add_proc_templates(client, biz, t["id"], spec("nginx", "80"), spec("agent", "81"))
    ids = ok(client.cc.create_service_instance({"bk_biz_id": biz, "bk_module_id": module, "instances": [
        {"bk_host_id": h0, "processes": [{"process_template_id": ptids[0], "process_info": {
            "proc_num": 7, "user": "nobody", "bk_process_name": "other",
            "bind_info": [{"port": "8080", "enable": False, "template_row_id": 1}]}},
            {"process_template_id": MISSING_ID, "process_info": {"proc_num": 9}}]},
        {"bk_host_id": h1}]}))
    assert len(ids) == 2 and instance_ids(client, biz) == sorted(ids)
    insts = {i["id"]: i for i in instances(client, biz)}
    assert insts[ids[0]]["name"] == "%s_nginx_80" % ip0, "name derived before the overrides"
    assert insts[ids[1]]["name"] == "%s_nginx_80" % ip1
    assert insts[ids[0]]["service_template_id"] == t["id"] and insts[ids[0]]["bk_host_id"] == h0
    procs = processes(client, biz, ids[0])
    assert [p["relation"]["process_template_id"] for p in procs] == ptids, "template order"
    nginx, agent = procs[0]["property"], procs[1]["property"]
    assert (nginx["bk_process_name"], nginx["user"], nginx["proc_num"]) == ("nginx", "root", 7)
    assert nginx["bind_info"] == [{"ip": ip0, "port": "8080", "protocol": "1", "enable": False,
                                   "template_row_id": 1}], "locked ip/protocol from the template, the rest as sent"
    assert (agent["bk_process_name"], agent["proc_num"]) == ("agent", 2)
    assert agent["bind_info"][0]["port"] == "81"
    # one instance per (module, host, template)
    before, all_procs = instances(client, biz), all_processes(client, biz)
    fail(client.cc.create_service_instance({"bk_biz_id": biz, "bk_module_id": module,
                                            "instances": [{"bk_host_id": h0}]}), 1113016)
    assert instances(client, biz) == before and all_processes(client, biz) == all_procs


def test_delete_service_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si1 = free_instance(client, biz, module, host, {"bk_func_name": "a"}, {"bk_func_name": "b"})
    si2 = free_instance(client, biz, module, host, {"bk_func_name": "c"})
    other = free_setup(client)
    foreign = free_instance(client, other["biz"], other["module"], other["hosts"][0][0], {"bk_func_name": "x"})
    pids = [p["relation"]["bk_process_id"] for p in processes(client, biz, si1)]
    before = instances(client, biz)

    def refused(code, ids):
        fail(client.cc.delete_service_instance({"bk_biz_id": biz, "service_instance_ids": ids}), code)

    refused(1199006, [si1, MISSING_ID])
    refused(1199006, [si1, foreign])
    refused(1199006, [si1, si1])
    refused(1199010, [])
    refused(1199035, list(range(1, 502)))
    assert instances(client, biz) == before
    assert ok(client.cc.delete_service_instance({"bk_biz_id": biz, "service_instance_ids": [si1]})) is None
    assert instance_ids(client, biz) == [si2]
    assert process_docs(client, biz, pids) == [] and processes(client, biz, si1) == []
    assert host_modules(client, host) == [module], "the host stays in the module"
    assert instance_ids(client, other["biz"]) == [foreign]


def test_list_service_instance(client):
    biz = new_biz(client)
    set_id = new_set(client, biz)
    m1, m2 = new_module(client, biz, set_id), new_module(client, biz, set_id)
    (h0, _), (h1, _) = new_hosts(client, biz, 2)
    move(client, biz, [h0], m1, m2)
    move(client, biz, [h1], m1)
    proc = {"bk_func_name": "f"}
    a = free_instance(client, biz, m1, h0, proc, service_instance_name="alpha-web")
    b = free_instance(client, biz, m1, h1, proc, service_instance_name="beta")
    c = free_instance(client, biz, m2, h0, proc, service_instance_name="Alpha2")
    data = ok(client.cc.list_service_instance({"bk_biz_id": biz}))
    assert data["count"] == 3 and sorted(i["id"] for i in data["info"]) == [a, b, c]
    row = [i for i in data["info"] if i["id"] == a][0]
    assert set(row) == INSTANCE_KEYS
    assert (row["name"], row["bk_module_id"], row["bk_host_id"], row["service_template_id"]) == \
        ("alpha-web", m1, h0, 0)
    assert instance_ids(client, biz, bk_module_id=m1) == [a, b]
    assert instance_ids(client, biz, bk_host_ids=[h1]) == [b]
    assert instance_ids(client, biz, search_key="alpha") == [a], "case-sensitive"
    assert instance_ids(client, biz, search_key="Al.ha") == [c], "raw regular expression"
    page = ok(client.cc.list_service_instance({"bk_biz_id": biz, "page": {"start": 1, "limit": 1, "sort": "id"}}))
    assert page["count"] == 3 and [i["id"] for i in page["info"]] == [b]
    assert instance_ids(client, biz, page={"start": 0, "limit": 0}) == [a, b, c], "limit 0 = all rows"
    fail(client.cc.list_service_instance({"bk_biz_id": 0}), 1199006)
    fail(client.cc.list_service_instance({"bk_biz_id": biz, "page": {"start": 0, "limit": 1001}}), 1199059)
    fail(client.cc.list_service_instance({"bk_biz_id": biz, "page": {"start": -1, "limit": 10}}), 1199059)
    fail(client.cc.list_service_instance({"bk_biz_id": biz, "page": {"start": 1, "limit": 0,
                                                                     "enable_count": True}}), 1199059)
    fail(client.cc.list_service_instance({"bk_biz_id": biz, "bk_host_ids": list(range(1, 1002))}), 1199035)
    for sel in ({"key": "env", "operator": "=", "values": []}, {"key": "env", "operator": "~", "values": ["x"]},
                {"key": "env", "operator": "exists", "values": ["x"]}, {"key": "1env", "operator": "exists"}):
        fail(client.cc.list_service_instance({"bk_biz_id": biz, "selectors": [sel]}), 1199006)


def test_list_service_instance_detail(client):
    s = template_setup(client, n_hosts=1)
    biz, (h0, ip0) = s["biz"], s["hosts"][0]
    set2 = new_set(client, biz)
    plain = new_module(client, biz, set2)
    (h1, _), = new_hosts(client, biz)
    move(client, biz, [h1], plain)
    free = free_instance(client, biz, plain, h1, {"bk_func_name": "x", "bk_process_name": "x"})
    data = ok(client.cc.list_service_instance_detail({"bk_biz_id": biz, "page": {"start": 0, "limit": 10}}))
    assert data["count"] == 2
    rows = {i["id"]: i for i in data["info"]}
    (auto,) = [i for i in rows if i != free]
    t_inst = rows[auto]
    assert set(t_inst) == INSTANCE_KEYS | {"process_instances"}
    assert (t_inst["bk_module_id"], t_inst["bk_host_id"], t_inst["service_template_id"]) == \
        (s["module"], h0, s["tid"])
    assert t_inst["name"] == "%s_nginx_80" % ip0
    pis = sorted(t_inst["process_instances"], key=lambda pi: pi["relation"]["process_template_id"])
    assert [pi["relation"]["process_template_id"] for pi in pis] == s["ptids"]
    for pi in pis:
        assert set(pi["process"]) == PROCESS_KEYS and set(pi["relation"]) == RELATION_KEYS
        assert pi["process"]["service_instance_id"] == auto and pi["relation"]["bk_host_id"] == h0
    assert pis[0]["process"]["bind_info"] == [{"ip": ip0, "port": "80", "protocol": "1", "enable": True,
                                               "template_row_id": 1}]
    assert pis[0]["process"]["timeout"] is None, "absent values are null"
    assert [i["id"] for i in instances(client, biz, bk_module_id=plain)] == [free]
    assert [i["id"] for i in instances(client, biz, bk_host_list=[h0])] == [auto]
    assert [i["id"] for i in instances(client, biz, bk_host_id=h1)] == [free]
    assert [i["id"] for i in instances(client, biz, service_instance_ids=[free])] == [free]
    assert instances(client, biz, service_instance_ids=[]) == [], "present, even empty, is a filter"
    page = ok(client.cc.list_service_instance_detail({"bk_biz_id": biz, "page": {"start": 0, "limit": 1}}))
    assert page["count"] == 2 and len(page["info"]) == 1
    fail(client.cc.list_service_instance_detail({"bk_biz_id": biz, "bk_host_id": h0, "bk_host_list": [h0],
                                                 "page": PAGE}), 1199006)
    fail(client.cc.list_service_instance_detail({"bk_biz_id": 0, "page": PAGE}), 1199006)
    fail(client.cc.list_service_instance_detail({"bk_biz_id": biz, "page": {"start": 0, "limit": 0}}), 1199059)
    fail(client.cc.list_service_instance_detail({"bk_biz_id": biz, "page": {"start": 0, "limit": 1001}}), 1199059)


def test_list_service_instance_by_host(client):
    s = template_setup(client, n_hosts=2)
    biz, (h0, _), (h1, _) = s["biz"], s["hosts"][0], s["hosts"][1]
    plain = new_module(client, biz, s["set"])
    move(client, biz, [h0], plain, is_increment=True)
    free = free_instance(client, biz, plain, h0, {"bk_func_name": "x"}, service_instance_name="my-free")
    (auto,) = [i for i in instance_ids(client, biz, bk_host_ids=[h0]) if i != free]
    ok(client.cc.add_label_for_service_instance({"bk_biz_id": biz, "instance_ids": [free],
                                                 "labels": {"env": "prod"}}))

    def listed(**body):
        data = ok(client.cc.list_service_instance_by_host(dict({"bk_biz_id": biz, "bk_host_id": h0}, **body)))
        assert data["count"] == len(data["info"]), data
        return sorted(i["id"] for i in data["info"])

    assert listed() == sorted([auto, free])
    assert listed(search_key="my-") == [free]
    assert listed(selectors=[{"key": "env", "operator": "=", "values": ["prod"]}]) == [free]
    assert listed(selectors=[{"key": "env", "operator": "!", "values": []}]) == [auto]
    row = ok(client.cc.list_service_instance_by_host({"bk_biz_id": biz, "bk_host_id": h0,
                                                      "search_key": "my-"}))["info"][0]
    assert set(row) == INSTANCE_KEYS and row["labels"] == {"env": "prod"} and row["bk_module_id"] == plain
    assert listed(bk_host_id=h1) != [] and set(listed(bk_host_id=h1)).isdisjoint({auto, free})
    (idle_host, _), = new_hosts(client, biz)
    assert listed(bk_host_id=idle_host) == []
    fail(client.cc.list_service_instance_by_host({"bk_biz_id": biz, "bk_host_id": 0}), 1199003)
    fail(client.cc.list_service_instance_by_host({"bk_biz_id": 0, "bk_host_id": h0}), 1199006)


def test_list_service_instance_by_set_template(client):
    biz = new_biz(client)
    t = new_template(client, biz)
    add_proc_templates(client, biz, t["id"], spec("nginx", "80"))
    st = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                           "service_template_ids": [t["id"]]}))["id"]
    unused = ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                               "service_template_ids": [t["id"]]}))["id"]
    set_id = new_set(client, biz, set_template_id=st)
    (module,) = [m["bk_module_id"] for m in modules_of(client, biz, set_id)]
    _, loose = template_module(client, biz, t["id"])  # same service template, set not from the set template
    hosts = [h for h, _ in new_hosts(client, biz, 3)]
    move(client, biz, hosts[:2], module)
    move(client, biz, hosts[2:], loose)
    expected = instance_ids(client, biz, bk_module_id=module)
    assert len(expected) == 2

    def listed(**body):
        return ok(client.cc.list_service_instance_by_set_template(
            dict({"bk_biz_id": biz, "set_template_id": st, "page": {"start": 0, "limit": 10}}, **body)))

    data = listed()
    assert data["count"] == 2 and [i["id"] for i in data["info"]] == expected, "sorted by id"
    assert set(data["info"][0]) == INSTANCE_KEYS and data["info"][0]["bk_module_id"] == module
    data = listed(page={"start": 1, "limit": 1})
    assert data["count"] == 2 and [i["id"] for i in data["info"]] == expected[1:]
    assert listed(set_template_id=unused) == {"count": 0, "info": []}
    fail(client.cc.list_service_instance_by_set_template({"bk_biz_id": biz, "set_template_id": 0,
                                                          "page": PAGE}), 1199008)
    fail(client.cc.list_service_instance_by_set_template({"bk_biz_id": biz, "set_template_id": st,
                                                          "page": {"start": 0, "limit": 0}}), 1199059)
    fail(client.cc.list_service_instance_by_set_template({"bk_biz_id": "abc", "set_template_id": st,
                                                          "page": PAGE}), 1199011)


def test_find_host_by_service_template(client):
    biz = new_biz(client)
    t, spare = new_template(client, biz), new_template(client, biz)
    _, m1 = template_module(client, biz, t["id"])
    _, m2 = template_module(client, biz, t["id"])
    plain = new_module(client, biz, new_set(client, biz))
    (h0, ip0), (h1, ip1), (h2, _) = new_hosts(client, biz, 3)
    move(client, biz, [h0], m1)
    move(client, biz, [h1], m1, m2)
    move(client, biz, [h2], plain)

    def found(**body):
        return ok(client.cc.find_host_by_service_template(dict(
            {"bk_biz_id": biz, "bk_service_template_ids": [t["id"]], "fields": ["bk_host_id", "bk_host_innerip"],
             "page": {"start": 0, "limit": 10}}, **body)))

    data = found()
    assert data["count"] == 2, "distinct hosts"
    assert [(r["bk_host_id"], set(r)) for r in data["info"]] == [(h0, {"bk_host_id", "bk_host_innerip"}),
                                                                 (h1, {"bk_host_id", "bk_host_innerip"})]
    assert ip0 in str(data["info"][0]["bk_host_innerip"]) and ip1 in str(data["info"][1]["bk_host_innerip"])
    assert found(bk_module_ids=[m2]) == {"count": 1, "info": [data["info"][1]]}
    assert found(page={"start": 0, "limit": 1000}) == data, "the original allows 1000 (docs: 500)"
    assert found(fields=["bk_host_id"], page={"start": 1, "limit": 1}) == {"count": 2, "info": [{"bk_host_id": h1}]}
    assert found(page={"start": 5, "limit": 10}) == {"count": 2, "info": None}
    assert found(bk_service_template_ids=[spare["id"]]) == {"count": 0, "info": None}
    body = {"bk_biz_id": biz, "bk_service_template_ids": [t["id"]], "fields": ["bk_host_id"], "page": PAGE}
    fail(client.cc.find_host_by_service_template(dict(body, bk_service_template_ids=[])), 1199089)
    fail(client.cc.find_host_by_service_template(dict(body, bk_service_template_ids=list(range(1, 502)))), 1199089)
    fail(client.cc.find_host_by_service_template(dict(body, bk_module_ids=list(range(1, 502)))), 1199089)
    fail(client.cc.find_host_by_service_template(dict(body, fields=[])), 1199006)
    fail(client.cc.find_host_by_service_template(dict(body, bk_biz_id=0)), 1199006)
    fail(client.cc.find_host_by_service_template(dict(body, page={"start": 0, "limit": 0})), 1199006)
    fail(client.cc.find_host_by_service_template(dict(body, page={"start": 0, "limit": 1001})), 1199006)


def test_find_host_by_set_template(client):
    biz = new_biz(client)
    t = new_template(client, biz)
    st, st2 = [ok(client.cc.create_set_template({"bk_biz_id": biz, "name": unique("st"),
                                                 "service_template_ids": [t["id"]]}))["id"] for _ in range(2)]
    set_a, set_b = new_set(client, biz, set_template_id=st), new_set(client, biz, set_template_id=st)
    (ma,), (mb,) = [[m["bk_module_id"] for m in modules_of(client, biz, x)] for x in (set_a, set_b)]
    _, loose = template_module(client, biz, t["id"])
    (h0, _), (h1, _), (h2, _) = new_hosts(client, biz, 3)
    move(client, biz, [h0], ma)
    move(client, biz, [h1], mb)
    move(client, biz, [h2], loose)

    def found(**body):
        return ok(client.cc.find_host_by_set_template(dict(
            {"bk_biz_id": biz, "bk_set_template_ids": [st], "fields": ["bk_host_id"],
             "page": {"start": 0, "limit": 10}}, **body)))

    assert found() == {"count": 2, "info": [{"bk_host_id": h0}, {"bk_host_id": h1}]}
    assert found(bk_set_ids=[set_b]) == {"count": 1, "info": [{"bk_host_id": h1}]}
    assert found(page={"start": 0, "limit": 1}) == {"count": 2, "info": [{"bk_host_id": h0}]}
    assert found(bk_set_template_ids=[st2]) == {"count": 0, "info": None}
    body = {"bk_biz_id": biz, "bk_set_template_ids": [st], "fields": ["bk_host_id"], "page": PAGE}
    fail(client.cc.find_host_by_set_template(dict(body, bk_set_template_ids=[])), 1199089)
    fail(client.cc.find_host_by_set_template(dict(body, bk_set_template_ids=list(range(1, 502)))), 1199089)
    fail(client.cc.find_host_by_set_template(dict(body, bk_biz_id=0)), 1199006)
    fail(client.cc.find_host_by_set_template(dict(body, page={"start": 0, "limit": 0})), 1199006)


def test_list_host_service_template_id(client):
    biz = new_biz(client)
    t1, t2 = new_template(client, biz)["id"], new_template(client, biz)["id"]
    set_id, m1 = template_module(client, biz, t1)
    _, m2 = template_module(client, biz, t2, set_id=new_set(client, biz))
    plain = new_module(client, biz, set_id)
    (h0, _), (h1, _), (h2, _) = new_hosts(client, biz, 3)
    move(client, biz, [h0], m1, m2, plain)
    move(client, biz, [h1], plain)
    data = ok(client.cc.list_host_service_template_id({"bk_host_id": [h2, h0, MISSING_ID, h1]}))
    assert [(r["bk_host_id"], sorted(r["service_template_id"])) for r in data] == \
        [(h0, sorted([t1, t2])), (h1, []), (h2, [])]
    assert ok(client.cc.list_host_service_template_id({"bk_host_id": []})) is None
    fail(client.cc.list_host_service_template_id({"bk_host_id": [MISSING_ID]}), 1113003)
    fail(client.cc.list_host_service_template_id({"bk_host_id": list(range(1, 202))}), 1199073)


# ---------------------------------------------------------------------------------------------------- §3.6


def labels_of(client, biz):
    return {i["id"]: i["labels"] for i in instances(client, biz)}


def test_add_label_for_service_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si1, si2, si3 = [free_instance(client, biz, module, host, {"bk_func_name": "f"}) for _ in range(3)]
    assert ok(client.cc.add_label_for_service_instance({"bk_biz_id": biz, "instance_ids": [si1, si2, si1],
                                                        "labels": {"env": "prod", "tier": "web"}})) is None
    assert ok(client.cc.add_label_for_service_instance({"bk_biz_id": biz, "instance_ids": [si1],
                                                        "labels": {"env": "test", "zone": "a-1.b"}})) is None
    assert labels_of(client, biz) == {si1: {"env": "test", "tier": "web", "zone": "a-1.b"},
                                      si2: {"env": "prod", "tier": "web"}, si3: None}

    def selected(key, op, values=None):
        sel = {"key": key, "operator": op}
        if values is not None:
            sel["values"] = values
        return instance_ids(client, biz, selectors=[sel])

    assert selected("env", "=", ["test"]) == [si1]
    assert selected("env", "!=", ["test"]) == [si2, si3], "!= also matches instances without the label"
    assert selected("env", "in", ["prod", "test"]) == [si1, si2]
    assert selected("env", "notin", ["prod"]) == [si1, si3]
    assert selected("zone", "exists") == [si1]
    assert selected("zone", "!") == [si2, si3]
    assert instance_ids(client, biz, selectors=[{"key": "tier", "operator": "exists", "values": []},
                                                {"key": "env", "operator": "=", "values": ["prod"]}]) == [si2]
    other = free_setup(client)
    foreign = free_instance(client, other["biz"], other["module"], other["hosts"][0][0], {"bk_func_name": "f"})
    before = labels_of(client, biz)

    def refused(code, **body):
        fail(client.cc.add_label_for_service_instance(dict({"bk_biz_id": biz, "instance_ids": [si3],
                                                            "labels": {"a": "b"}}, **body)), code)

    refused(1199006, labels={"1bad": "x"})
    refused(1199006, labels={"ok": "-bad"})
    refused(1199006, labels={"k" * 64: "x"})
    refused(1199006, instance_ids=[si3, MISSING_ID])
    refused(1199006, instance_ids=[si3, foreign])
    refused(1199006, bk_biz_id=0)
    refused(1199010, instance_ids=[])
    refused(1199035, instance_ids=list(range(1, 102)))
    assert labels_of(client, biz) == before
    assert labels_of(client, other["biz"]) == {foreign: None}


def test_remove_label_from_service_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si1, si2 = [free_instance(client, biz, module, host, {"bk_func_name": "f"}) for _ in range(2)]
    ok(client.cc.add_label_for_service_instance({"bk_biz_id": biz, "instance_ids": [si1, si2],
                                                 "labels": {"env": "prod", "tier": "web", "zone": "z1"}}))
    assert ok(client.cc.remove_label_from_service_instance({"bk_biz_id": biz, "instance_ids": [si1],
                                                            "keys": ["env", "nope"]})) is None
    assert labels_of(client, biz) == {si1: {"tier": "web", "zone": "z1"},
                                      si2: {"env": "prod", "tier": "web", "zone": "z1"}}
    assert instance_ids(client, biz, selectors=[{"key": "env", "operator": "exists"}]) == [si2]
    before = labels_of(client, biz)
    body = {"bk_biz_id": biz, "instance_ids": [si2], "keys": ["tier"]}
    fail(client.cc.remove_label_from_service_instance(dict(body, instance_ids=[])), 1199010)
    fail(client.cc.remove_label_from_service_instance(dict(body, instance_ids=[si2, MISSING_ID])), 1199006)
    fail(client.cc.remove_label_from_service_instance(dict(body, instance_ids=list(range(1, 502)))), 1199035)
    assert labels_of(client, biz) == before


# ---------------------------------------------------------------------------------------------------- §3.7


def test_create_process_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si = free_instance(client, biz, module, host, {"bk_func_name": "a", "bk_process_name": "a"},
                       service_instance_name="mine")
    new = ok(client.cc.create_process_instance({"bk_biz_id": biz, "service_instance_Id": si, "processes": [
        {"process_info": {"bk_func_name": "b", "bk_process_name": "b", "proc_num": 2, "bk_biz_id": MISSING_ID,
                          "service_instance_id": MISSING_ID, "bk_process_id": MISSING_ID}},
        {"process_info": {"bk_func_name": "c", "bk_process_name": "c",
                          "bind_info": [{"ip": "0.0.0.0", "port": "8080-8090", "protocol": "2", "enable": True,
                                         "template_row_id": 0}]}}]}))
    assert len(new) == 2 and new[0] < new[1] and MISSING_ID not in new
    procs = processes(client, biz, si)
    assert [p["property"]["bk_process_name"] for p in procs] == ["a", "b", "c"], "creation order"
    b, c = procs[1], procs[2]
    assert [b["relation"]["bk_process_id"], c["relation"]["bk_process_id"]] == new
    assert (b["property"]["proc_num"], b["property"]["bk_biz_id"], b["property"]["service_instance_id"]) == \
        (2, biz, si)
    assert b["relation"] == {"bk_biz_id": biz, "bk_process_id": new[0], "service_instance_id": si,
                             "process_template_id": 0, "bk_host_id": host, "bk_supplier_account": "0"}
    assert c["property"]["bind_info"][0]["port"] == "8080-8090"
    (inst,) = instances(client, biz)
    assert inst["name"] == "mine", "the name is not recomputed"
    t = template_setup(client, n_hosts=1)
    (templated,) = instance_ids(client, t["biz"])
    before = instances(client, biz)

    def refused(code, **body):
        body = dict({"bk_biz_id": biz, "service_instance_id": si,
                     "processes": [{"process_info": {"bk_func_name": "d", "bk_process_name": "d"}}]}, **body)
        fail(client.cc.create_process_instance(body), code)

    refused(1199014, processes=[{"process_info": {"bk_func_name": "z", "bk_process_name": "b"}}])
    refused(1199014, processes=[{"process_info": {"bk_func_name": "d", "bk_process_name": "d"}},
                                {"process_info": {"bk_func_name": "e", "bk_process_name": "d"}}])
    refused(1199011, processes=[])
    refused(1199035, processes=[{"process_info": {"bk_func_name": "p%d" % i}} for i in range(101)])
    refused(1199019, service_instance_id=MISSING_ID)
    refused(1199006, bk_biz_id=t["biz"])
    refused(1199010, processes=[{"process_info": {"bk_process_name": "nofunc"}}])
    assert instances(client, biz) == before
    t_before = instances(client, t["biz"])
    fail(client.cc.create_process_instance({"bk_biz_id": t["biz"], "service_instance_id": templated, "processes": [
        {"process_info": {"bk_func_name": "x"}}]}), 1108035)
    assert instances(client, t["biz"]) == t_before


def test_update_free_process_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si = free_instance(client, biz, module, host,
                       {"bk_func_name": "a", "bk_process_name": "a", "proc_num": 3, "user": "u"},
                       {"bk_func_name": "b", "bk_process_name": "b"}, service_instance_name="keep")
    a, b = [p["relation"]["bk_process_id"] for p in processes(client, biz, si)]
    rows = [{"ip": "0.0.0.0", "port": "8080", "protocol": "1", "enable": True, "template_row_id": 0}]
    assert ok(client.cc.update_process_instance({"bk_biz_id": biz, "processes": [
        {"bk_process_id": a, "bk_func_name": "a2", "description": "d", "bind_info": rows, "bk_biz_id": MISSING_ID,
         "process_template_id": 5}]})) == [a]
    pa, pb = process_docs(client, biz, [a, b])
    assert (pa["bk_func_name"], pa["description"], pa["bind_info"], pa["bk_biz_id"]) == ("a2", "d", rows, biz)
    assert (pa["proc_num"], pa["user"], pa["bk_process_name"]) == (None, None, None), "omitted fields become null"
    assert pa["service_instance_id"] == si
    assert pb["bk_func_name"] == "b"
    assert instances(client, biz)[0]["name"] == "keep"
    assert ok(client.cc.update_process_instance({"bk_biz_id": biz, "processes": []})) == []
    before = process_docs(client, biz, [a, b])

    def refused(code, procs):
        return fail(client.cc.update_process_instance({"bk_biz_id": biz, "processes": procs}), code)

    refused(1199010, [{"bk_process_id": MISSING_ID, "bk_func_name": "x"}])
    msg = refused(1199011, [{"bk_process_id": a, "bk_func_name": "x"},
                            {"bk_process_id": MISSING_ID, "bk_func_name": "x"}])["message"]
    assert str(MISSING_ID) in msg, msg
    refused(1199006, [{"bk_func_name": "x"}])
    refused(1199006, [{"bk_process_id": 0, "bk_func_name": "x"}])
    refused(1199035, [{"bk_process_id": a, "bk_func_name": "x"}] * 101)
    refused(1199010, [{"bk_process_id": b}])
    refused(1199014, [{"bk_process_id": a, "bk_func_name": "a3", "bk_process_name": "b"}])
    assert process_docs(client, biz, [a, b]) == before


def test_update_template_process_instance(client):
    s = template_setup(client, n_hosts=1)
    biz, addr = s["biz"], s["hosts"][0][1]
    (si,) = instance_ids(client, biz)
    nginx, agent = [p["relation"]["bk_process_id"] for p in processes(client, biz, si)]
    up = ok(client.cc.update_process_instance({"bk_biz_id": biz, "processes": [
        {"bk_process_id": nginx, "user": "x", "proc_num": 3, "bk_process_name": "renamed", "bk_func_name": "f",
         "description": "note",
         "bind_info": [{"ip": "1.2.3.4", "port": "8081", "protocol": "2", "enable": False, "template_row_id": 1},
                       {"ip": "", "port": "9", "protocol": "1", "enable": True, "template_row_id": 99}]}]}))
    assert up == [nginx]
    p, q = process_docs(client, biz, [nginx, agent])
    assert (p["proc_num"], p["description"]) == (3, "note"), "unlocked fields change"
    assert (p["user"], p["bk_process_name"], p["bk_func_name"]) == ("root", "nginx", "nginx-bin"), "locked ignored"
    assert p["bind_info"] == [{"ip": addr, "port": "8081", "protocol": "1", "enable": False, "template_row_id": 1}]
    assert q["proc_num"] == 2
    # an explicit null clears an unlocked field; absent fields stay
    ok(client.cc.update_process_instance({"bk_biz_id": biz, "processes": [{"bk_process_id": nginx,
                                                                           "proc_num": None}]}))
    p2 = process_docs(client, biz, [nginx])[0]
    assert p2["proc_num"] is None and p2["description"] == "note" and p2["bind_info"] == p["bind_info"]
    fail(client.cc.update_process_instance({"bk_biz_id": biz, "processes": [
        {"bk_process_id": nginx, "proc_num": 5}, {"bk_process_id": MISSING_ID, "proc_num": 5}]}), 1199011)
    assert process_docs(client, biz, [nginx]) == [p2]
    assert instance_ids(client, biz) == [si]


def test_delete_process_instance(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si = free_instance(client, biz, module, host, {"bk_func_name": "a", "bk_process_name": "a"},
                       {"bk_func_name": "b", "bk_process_name": "b"})
    a, b = [p["relation"]["bk_process_id"] for p in processes(client, biz, si)]
    t = template_setup(client, n_hosts=1)
    (tsi,) = instance_ids(client, t["biz"])
    nginx = processes(client, t["biz"], tsi)[0]["relation"]["bk_process_id"]
    before, t_before = instances(client, biz), instances(client, t["biz"])
    fail(client.cc.delete_process_instance({"bk_biz_id": t["biz"], "process_instance_ids": [nginx]}), 1113022)
    fail(client.cc.delete_process_instance({"bk_biz_id": biz, "process_instance_ids": []}), 1199010)
    fail(client.cc.delete_process_instance({"bk_biz_id": biz, "process_instance_ids": list(range(1, 502))}),
         1199035)
    assert instances(client, biz) == before and instances(client, t["biz"]) == t_before
    assert ok(client.cc.delete_process_instance({"bk_biz_id": biz, "process_instance_ids": [a]})) is None
    assert [p["relation"]["bk_process_id"] for p in processes(client, biz, si)] == [b]
    assert process_docs(client, biz, [a, b])[0]["bk_process_id"] == b and len(process_docs(client, biz, [a])) == 0
    assert ok(client.cc.delete_process_instance({"bk_biz_id": biz, "process_instance_ids": [b]})) is None
    assert instance_ids(client, biz) == [], "the last process takes its service instance with it"
    assert host_modules(client, host) == [module]


def test_list_process_instance(client):
    s = template_setup(client, n_hosts=1)
    biz, (host, _) = s["biz"], s["hosts"][0]
    (si,) = instance_ids(client, biz)
    rows = processes(client, biz, si)
    assert [r["property"]["bk_process_name"] for r in rows] == ["nginx", "agent"], "creation order"
    for r, ptid in zip(rows, s["ptids"]):
        assert set(r) == {"property", "relation"}
        assert r["relation"] == {"bk_biz_id": biz, "bk_process_id": r["property"]["bk_process_id"],
                                 "service_instance_id": si, "process_template_id": ptid, "bk_host_id": host,
                                 "bk_supplier_account": "0"}
        assert r["property"]["bk_biz_id"] == biz and r["property"]["service_instance_id"] == si
    assert process_docs(client, biz, [rows[0]["relation"]["bk_process_id"]])[0]["bk_func_name"] == \
        rows[0]["property"]["bk_func_name"] == "nginx-bin"
    assert processes(client, biz, MISSING_ID) == []
    fail(client.cc.list_process_instance({"bk_biz_id": biz, "service_instance_id": 0}), 1199006)


def test_list_process_detail_by_ids(client):
    s = free_setup(client)
    biz, module, (host, _) = s["biz"], s["module"], s["hosts"][0]
    si = free_instance(client, biz, module, host, {"bk_func_name": "fa", "bk_process_name": "a", "user": "u"},
                       {"bk_func_name": "fb", "bk_process_name": "b"})
    a, b = [p["relation"]["bk_process_id"] for p in processes(client, biz, si)]
    other = free_setup(client)
    osi = free_instance(client, other["biz"], other["module"], other["hosts"][0][0], {"bk_func_name": "fc"})
    c = processes(client, other["biz"], osi)[0]["relation"]["bk_process_id"]
    rows = ok(client.cc.list_process_detail_by_ids({"bk_biz_id": biz, "bk_process_ids": [b, MISSING_ID, a, c]}))
    assert sorted(r["bk_process_id"] for r in rows) == [a, b], "unknown ids and other businesses omitted"
    ra = [r for r in rows if r["bk_process_id"] == a][0]
    assert (ra["bk_func_name"], ra["bk_process_name"], ra["user"], ra["bk_biz_id"], ra["service_instance_id"]) == \
        ("fa", "a", "u", biz, si)
    proj = ok(client.cc.list_process_detail_by_ids({"bk_biz_id": biz, "bk_process_ids": [a, b],
                                                    "fields": ["bk_func_name"]}))
    assert sorted(proj, key=lambda r: r["bk_process_id"]) == [{"bk_process_id": a, "bk_func_name": "fa"},
                                                               {"bk_process_id": b, "bk_func_name": "fb"}]
    fail(client.cc.list_process_detail_by_ids({"bk_biz_id": biz, "bk_process_ids": list(range(1, 502))}), 1199089)
    fail(client.cc.list_process_detail_by_ids({"bk_biz_id": "abc", "bk_process_ids": [a]}), 1199011)


def test_list_process_detail_by_ids_empty_list(client):
    fail(client.cc.list_process_detail_by_ids({"bk_biz_id": new_biz(client), "bk_process_ids": []}), 1199089)


def test_list_process_related_info(client):
    s = template_setup(client, n_hosts=2)
    biz, set_id, module, tname = s["biz"], s["set"], s["module"], s["t"]["name"]
    set2 = new_set(client, biz)
    plain = new_module(client, biz, set2)
    (h2, _), = new_hosts(client, biz)
    move(client, biz, [h2], plain)
    free_si = free_instance(client, biz, plain, h2, {"bk_func_name": "fx", "bk_process_name": "x"})
    si0, si1 = instance_ids(client, biz, bk_module_id=module)
    set_name = ok(client.cc.search_set({"bk_biz_id": biz, "condition": {"bk_set_id": set_id}}))["info"][0]

    def related(**body):
        data = ok(client.cc.list_process_related_info(dict({"bk_biz_id": biz, "fields": ["bk_func_name"],
                                                            "page": {"start": 0, "limit": 10}}, **body)))
        return data

    data = related(set={"bk_set_ids": [set_id]})
    assert data["count"] == len(data["info"]) == 4
    pids = [r["process"]["bk_process_id"] for r in data["info"]]
    assert pids == sorted(pids), "default sort bk_process_id"
    row = data["info"][0]
    assert set(row) == {"set", "module", "host", "service_instance", "process_template", "process"}
    assert row["set"]["bk_set_id"] == set_id and row["set"]["bk_set_name"] == set_name["bk_set_name"]
    assert set(row["set"]) == {"bk_set_id", "bk_set_name", "bk_set_env"}
    assert row["module"] == {"bk_module_id": module, "bk_module_name": tname}
    assert set(row["host"]) == {"bk_host_id", "bk_cloud_id", "bk_host_innerip", "bk_host_innerip_v6",
                                "bk_addressing", "bk_agent_id"}
    assert row["host"]["bk_host_id"] in [h for h, _ in s["hosts"]]
    assert set(row["service_instance"]) == {"id", "name"} and row["service_instance"]["id"] in (si0, si1)
    assert row["process_template"]["id"] in s["ptids"]
    assert {"bk_process_id", "bk_process_name", "bk_func_name"} <= set(row["process"])
    assert "user" not in row["process"], "projected"
    agents = related(process={"bk_process_names": ["agent"]})
    assert agents["count"] == 2 and {r["process"]["bk_func_name"] for r in agents["info"]} == {"agent-bin"}
    free = related(process={"bk_process_ids": [processes(client, biz, free_si)[0]["relation"]["bk_process_id"]]})
    assert free["count"] == 1 and free["info"][0]["process_template"] == {"id": 0}
    assert free["info"][0]["module"] == {"bk_module_id": plain, "bk_module_name": module_doc(client, biz, plain)[
        "bk_module_name"]}
    assert related(service_instance={"ids": [si0]})["count"] == 2
    nginx_only = {"condition": "AND", "rules": [{"field": "bk_func_name", "operator": "equal", "value": "nginx-bin"}]}
    assert related(module={"bk_module_ids": [module]}, process_property_filter=nginx_only)["count"] == 2
    assert related(page={"start": 0, "limit": 1000})["count"] == 5, "the original allows 1000 (docs: 500)"
    assert related(set={"bk_set_ids": [set_id]}, module={"bk_module_ids": [plain]}) == {"count": 0, "info": []}
    paged = related(page={"start": 4, "limit": 10})
    assert paged["count"] == 5 and len(paged["info"]) == 1
    body = {"bk_biz_id": biz, "page": PAGE}
    fail(client.cc.list_process_related_info(dict(body, page={"start": 0, "limit": 0})), 1199006)
    fail(client.cc.list_process_related_info(dict(body, page={"start": 0, "limit": 1001})), 1199006)
    fail(client.cc.list_process_related_info(dict(body, process_property_filter={
        "condition": "AND", "rules": [{"field": "bk_func_name", "operator": "bogus", "value": "x"}]})), 1199006)


def test_search_process_instances(client):
    # No published contract (service-and-process.md §3.7); body per the brief: bk_biz_id, querybuilder filter,
    # fields, page -> {"count", "info"}.
    s = template_setup(client, n_hosts=2)
    biz = s["biz"]
    other = template_setup(client, n_hosts=1)

    def search(**body):
        data = ok(client.cc.search_process_instances(dict({"bk_biz_id": biz, "page": {"start": 0, "limit": 10}},
                                                          **body)))
        assert set(data) == {"count", "info"}, data
        return data

    everything = search()
    assert everything["count"] == 4 and len(everything["info"]) == 4
    assert {p["bk_biz_id"] for p in everything["info"]} == {biz}, "only this business"
    nginx = search(filter={"condition": "AND", "rules": [{"field": "bk_process_name", "operator": "equal",
                                                          "value": "nginx"}]},
                   fields=["bk_process_id", "bk_process_name", "service_instance_id"])
    assert nginx["count"] == 2
    assert all(set(p) == {"bk_process_id", "bk_process_name", "service_instance_id"} for p in nginx["info"])
    assert {p["bk_process_name"] for p in nginx["info"]} == {"nginx"}
    assert {p["service_instance_id"] for p in nginx["info"]} == set(instance_ids(client, biz))
    both = search(filter={"condition": "OR", "rules": [
        {"field": "bk_func_name", "operator": "equal", "value": "agent-bin"},
        {"field": "proc_num", "operator": "greater", "value": 5}]})
    assert both["count"] == 2
    page = search(page={"start": 1, "limit": 2})
    assert page["count"] == 4 and [p["bk_process_id"] for p in page["info"]] == \
        sorted(p["bk_process_id"] for p in everything["info"])[1:3]
    assert search(filter={"condition": "AND", "rules": [{"field": "user", "operator": "equal",
                                                          "value": "nobody"}]}) == {"count": 0, "info": []}
    assert len(all_processes(client, other["biz"])) == 2
    fail(client.cc.search_process_instances({"bk_biz_id": 0, "page": PAGE}), 1199006)
    fail(client.cc.search_process_instances({"bk_biz_id": biz, "page": PAGE, "filter": {
        "condition": "XOR", "rules": [{"field": "user", "operator": "equal", "value": "x"}]}}), 1199006)


# ---------------------------------------------------------------------------------------------------- §2.4, §2.5


def sync_state(client, biz, tid, modules):
    return ok(client.cc.list_service_template_sync_status({"bk_biz_id": biz, "service_template_id": tid,
                                                           "bk_module_ids": list(modules)}))


def diff_setup(client):
    """Template with processes; module `synced` (host with its auto-created instance) and module `lagging` (host
    moved in with disable_auto_create: needs sync)."""
    s = template_setup(client, n_hosts=1)
    _, lagging = template_module(client, s["biz"], s["tid"])
    (h, _), = new_hosts(client, s["biz"])
    move(client, s["biz"], [h], lagging, disable_auto_create=True)
    s.update(synced=s["module"], lagging=lagging, lagging_host=h)
    return s


def test_list_service_template_difference(client):
    s = diff_setup(client)
    biz, tid = s["biz"], s["tid"]
    unused = new_template(client, biz)["id"]
    plain = new_module(client, biz, new_set(client, biz))
    data = ok(client.cc.list_service_template_difference({"bk_biz_id": biz, "is_partial": True,
                                                          "service_template_ids": [tid, unused]}))
    assert data == {"service_templates": [{"service_template_id": tid, "need_sync": True}], "modules": None}
    data = ok(client.cc.list_service_template_difference({"bk_biz_id": biz, "is_partial": False,
                                                          "bk_module_ids": [s["lagging"], plain, s["synced"]]}))
    assert data["service_templates"] is None
    assert sorted(data["modules"], key=lambda m: m["bk_module_id"]) == sorted(
        [{"bk_module_id": s["synced"], "need_sync": False}, {"bk_module_id": s["lagging"], "need_sync": True}],
        key=lambda m: m["bk_module_id"])
    # a locked field changed on a process template: the synced module needs sync too
    ok(client.cc.update_proc_template({"process_template_id": s["ptids"][0],
                                       "process_property": {"user": {"value": "www", "as_default_value": True}}}))
    data = ok(client.cc.list_service_template_difference({"bk_biz_id": biz, "is_partial": False,
                                                          "bk_module_ids": [s["synced"]]}))
    assert data == {"service_templates": None, "modules": [{"bk_module_id": s["synced"], "need_sync": True}]}
    body = {"bk_biz_id": biz, "is_partial": True, "service_template_ids": [tid]}
    fail(client.cc.list_service_template_difference(dict(body, service_template_ids=[])), 1199010)
    fail(client.cc.list_service_template_difference(dict(body, service_template_ids=list(range(1, 102)))), 1199035)
    fail(client.cc.list_service_template_difference({"bk_biz_id": biz, "is_partial": False, "bk_module_ids": []}),
         1199010)
    fail(client.cc.list_service_template_difference(dict(body, bk_biz_id=0)), 1199011)


def test_list_service_template_sync_status(client):
    s = diff_setup(client)
    biz, tid = s["biz"], s["tid"]
    plain = new_module(client, biz, new_set(client, biz))
    rows = sync_state(client, biz, tid, [s["lagging"], plain, MISSING_ID, s["synced"]])
    by_module = {r["bk_inst_id"]: r for r in rows}
    assert set(by_module) == {s["synced"], s["lagging"], plain}, "missing modules omitted"
    assert by_module[s["synced"]]["status"] == "finished"
    assert by_module[s["lagging"]]["status"] == "need_sync"
    assert by_module[plain]["status"] == "finished", "modules not bound to the template"
    lag = by_module[s["lagging"]]
    assert set(lag) == {"bk_inst_id", "status", "creator", "create_time", "last_time"}
    assert lag["creator"] == OPERATOR and lag["create_time"] and lag["last_time"]
    fail(client.cc.list_service_template_sync_status({"bk_biz_id": biz, "service_template_id": 0,
                                                      "bk_module_ids": [s["lagging"]]}), 1199010)
    fail(client.cc.list_service_template_sync_status({"bk_biz_id": biz, "service_template_id": tid,
                                                      "bk_module_ids": []}), 1199010)


def test_sync_service_template_to_service_instance(client):
    s = diff_setup(client)
    biz, tid, lagging, h = s["biz"], s["tid"], s["lagging"], s["lagging_host"]
    (cron,) = add_proc_templates(client, biz, tid, spec("cron", "82"))
    ok(client.cc.update_proc_template({"process_template_id": s["ptids"][0],
                                       "process_property": {"user": {"value": "www", "as_default_value": True}}}))
    before, procs = instances(client, biz), all_processes(client, biz)
    modules = [s["synced"], lagging]
    body = {"bk_biz_id": biz, "service_template_id": tid, "bk_module_ids": modules}
    fail(client.cc.sync_service_template_to_service_instance(dict(body, bk_module_ids=[])), 1199010)
    fail(client.cc.sync_service_template_to_service_instance(dict(body, service_template_id=0)), 1199010)
    fail(client.cc.sync_service_template_to_service_instance(dict(body, bk_biz_id=0)), 1199010)
    time.sleep(0.5)
    assert instances(client, biz) == before and all_processes(client, biz) == procs
    assert {r["status"] for r in sync_state(client, biz, tid, modules)} == {"need_sync"}
    assert ok(client.cc.sync_service_template_to_service_instance(body)) is None
    rows = poll(lambda: sync_state(client, biz, tid, modules),
                lambda rs: len(rs) == 2 and all(r["status"] in ("finished", "failure") for r in rs))
    assert [r["status"] for r in rows] == ["finished", "finished"], rows
    insts = instances(client, biz)
    assert sorted((i["bk_module_id"], i["bk_host_id"]) for i in insts) == sorted(
        [(s["synced"], s["hosts"][0][0]), (lagging, h)]), "the missing instance was created"
    for inst in insts:
        ps = {pi["process"]["bk_process_name"]: pi for pi in inst["process_instances"]}
        assert set(ps) == {"nginx", "agent", "cron"}, "the missing process was created"
        assert ps["nginx"]["process"]["user"] == "www", "the locked field was applied"
        assert ps["cron"]["relation"]["process_template_id"] == cron
    diff = ok(client.cc.list_service_template_difference({"bk_biz_id": biz, "is_partial": True,
                                                          "service_template_ids": [tid]}))
    assert diff["service_templates"] == [{"service_template_id": tid, "need_sync": False}]
