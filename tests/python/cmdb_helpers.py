"""Shared helpers for the cmdb Python test suite (imported by conftest.py and the test modules)."""
import itertools
import json
import os
import re
import secrets

import requests

from bkapi_component.open.client import Client

HEX32 = re.compile(r"^[0-9a-f]{32}$")
META_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ENVELOPE_KEYS = {"result", "code", "message", "permission", "request_id", "data"}

DEFAULT_AUTH = {"bk_app_code": "test", "bk_app_secret": "test", "bk_username": "admin"}
OPERATOR = DEFAULT_AUTH["bk_username"]

EN = {"Blueking-Language": "en"}
ZH = {"Blueking-Language": "zh"}

_counter = itertools.count(1)
_run_tag = secrets.token_hex(2)


def unique(prefix="t"):
    """A fresh identifier: letters/digits/underscore, starts with a letter, never starts with "bk".

    Short enough (< 40 chars for short prefixes) for every id field of the model area.
    """
    p = re.sub(r"\W", "_", str(prefix or "t"))[:20]
    if not p[0].isalpha() or p.lower().startswith("bk"):
        p = "t" + p
    return "%s_%s%d_%s" % (p, _run_tag, next(_counter), secrets.token_hex(3))


# ----------------------------------------------------------------------------------------------------
# envelope assertions

def check_envelope(resp):
    assert isinstance(resp, dict), "response is not a JSON object: %r" % (resp,)
    missing = ENVELOPE_KEYS - set(resp)
    assert not missing, "envelope lacks %s: %r" % (sorted(missing), resp)
    assert resp["permission"] is None, resp
    assert isinstance(resp["request_id"], str) and HEX32.match(resp["request_id"]), resp
    assert resp["result"] is (resp["code"] == 0), resp
    return resp


def ok(resp):
    """Assert a successful envelope and return its data."""
    check_envelope(resp)
    assert resp["result"] is True and resp["code"] == 0, "expected success, got %r" % (resp,)
    assert resp["message"] == "success", resp
    return resp["data"]


def fail(resp, code):
    """Assert a failed envelope with the given code (data null) and return the envelope."""
    check_envelope(resp)
    assert resp["result"] is False and resp["code"] == code, "expected code %s, got %r" % (code, resp)
    assert resp["data"] is None, resp
    assert isinstance(resp["message"], str) and resp["message"] and resp["message"] != "success", resp
    return resp


# ----------------------------------------------------------------------------------------------------
# raw HTTP access (for what the official client cannot express)

_UNSET = object()


class Raw(object):
    """Tiny HTTP helper posting to /api/c/compapi/v2/cc/<name>/."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def url(self, name, path=None):
        if path is not None:
            return self.base_url + path
        return "%s/api/c/compapi/v2/cc/%s/" % (self.base_url, name)

    def post(self, name, body=_UNSET, data=None, headers=None, auth=DEFAULT_AUTH, lang=None, path=None,
             method="POST", timeout=30):
        """Send a request and return the `requests.Response`.

        body: a JSON-serialisable value (sent as JSON); data: raw bytes/str (sent as is);
        auth: dict for the X-Bkapi-Authorization header, or None for no header;
        lang: value of the Blueking-Language header.
        """
        h = {}
        if auth is not None:
            h["X-Bkapi-Authorization"] = json.dumps(auth)
        if lang is not None:
            h["Blueking-Language"] = lang
        kwargs = {}
        if body is not _UNSET:
            kwargs["data"] = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        elif data is not None:
            kwargs["data"] = data if isinstance(data, bytes) else data.encode("utf-8")
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        return requests.request(method, self.url(name, path), headers=h, timeout=timeout, **kwargs)

    def call(self, name, body=_UNSET, **kwargs):
        """Like post(), but asserts HTTP 200 + JSON and returns the parsed envelope."""
        r = self.post(name, body, **kwargs)
        assert r.status_code == 200, "HTTP %s: %s" % (r.status_code, r.text[:500])
        try:
            return r.json()
        except ValueError:
            raise AssertionError("response is not JSON: %r" % r.text[:500])


# ----------------------------------------------------------------------------------------------------
# model-area shortcuts (all go through the official client)

def search_cls(client, cls_id, headers=None):
    return ok(client.cc.search_classifications({"bk_classification_id": cls_id}, headers=headers))


def get_cls(client, cls_id, headers=None):
    rows = search_cls(client, cls_id, headers=headers)
    assert len(rows) == 1, rows
    return rows[0]


def new_cls(client, **extra):
    body = {"bk_classification_id": unique("cls"), "bk_classification_name": unique("clsname"),
            "bk_classification_icon": "icon-cc-default"}
    body.update(extra)
    return ok(client.cc.create_classification(body))


def search_obj(client, obj_id, headers=None):
    return ok(client.cc.search_objects({"bk_obj_id": obj_id}, headers=headers))


def get_obj(client, obj_id, headers=None):
    rows = search_obj(client, obj_id, headers=headers)
    assert len(rows) == 1, rows
    return rows[0]


def new_obj(client, cls_id=None, **extra):
    if cls_id is None:
        cls_id = new_cls(client)["bk_classification_id"]
    body = {"bk_obj_id": unique("obj"), "bk_obj_name": unique("objname"), "bk_classification_id": cls_id,
            "bk_obj_icon": "icon-cc-default"}
    body.update(extra)
    return ok(client.cc.create_object(body))


def attrs_of(client, obj_id, biz_id=None, headers=None):
    body = {"bk_obj_id": obj_id}
    if biz_id is not None:
        body["bk_biz_id"] = biz_id
    return ok(client.cc.search_object_attribute(body, headers=headers))


def find_attr(client, obj_id, prop_id, biz_id=None, headers=None):
    """The attribute record, or None."""
    rows = [a for a in attrs_of(client, obj_id, biz_id, headers) if a["bk_property_id"] == prop_id]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def new_attr(client, obj_id, **extra):
    body = {"bk_obj_id": obj_id, "bk_property_id": unique("p"), "bk_property_name": unique("pname"),
            "bk_property_type": "singlechar"}
    body.update(extra)
    return ok(client.cc.create_object_attribute(body))


def make_client(url, language=None, **auth):
    """Official ESB client for the server at url with the given credentials."""
    c = Client(endpoint=url, bk_api_ver="v2", language=language)
    c.update_bkapi_authorization(**auth)
    c.set_timeout(30)
    return c


def env_or_none(name):
    v = os.environ.get(name, "")
    return v or None
