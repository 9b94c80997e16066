"""Fixtures for the cmdb Python suite.

Server selection:
  CMDB_URL                 use an already running server (e.g. http://127.0.0.1:8080)
  CMDB_BIN                 else start this binary (default /work/main/target/debug/cmdb) as
                           `CMDB_BIN serve --listen 127.0.0.1:<port> --database-url <url>`
  CMDB_TEST_DATABASE_URL   database url for the started server (default sqlite://<tmpdir>/cmdb.db)
"""
import os
import socket
import subprocess
import time

import pytest
import requests

import cmdb_helpers
from cmdb_helpers import DEFAULT_AUTH, Raw, env_or_none, make_client, ok

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BIN = os.path.join(REPO_ROOT, "target", "debug", "cmdb")
START_TIMEOUT = 30.0


def _free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def _healthy(url):
    try:
        return requests.get(url + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return data[-n:].decode("utf-8", "replace")
    except OSError:
        return ""


@pytest.fixture(scope="session")
def cmdb_url(tmp_path_factory):
    url = env_or_none("CMDB_URL")
    if url:
        url = url.rstrip("/")
        deadline = time.time() + START_TIMEOUT
        while not _healthy(url):
            if time.time() > deadline:
                pytest.fail("CMDB_URL=%s: GET /healthz did not answer 200 within %ss" % (url, START_TIMEOUT))
            time.sleep(0.2)
        yield url
        return

    binary = env_or_none("CMDB_BIN") or DEFAULT_BIN
    if not os.path.exists(binary):
        pytest.fail("server binary %s not found (set CMDB_BIN or CMDB_URL)" % binary)
    tmpdir = tmp_path_factory.mktemp("cmdb")
    db_url = env_or_none("CMDB_TEST_DATABASE_URL") or "sqlite://%s/cmdb.db" % tmpdir
    port = _free_port()
    url = "http://127.0.0.1:%d" % port
    log_path = str(tmpdir / "server.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:%d" % port, "--database-url", db_url],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None:
                pytest.fail("server exited with %s before answering /healthz; log:\n%s"
                            % (proc.returncode, _tail(log_path)))
            if time.time() > deadline:
                pytest.fail("server did not answer GET /healthz within %ss; log:\n%s"
                            % (START_TIMEOUT, _tail(log_path)))
            time.sleep(0.2)
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


@pytest.fixture
def client(cmdb_url):
    """Official ESB client, app `test`/`test`, user `admin`, no language header (server default: en)."""
    return make_client(cmdb_url, **DEFAULT_AUTH)


@pytest.fixture
def client_factory(cmdb_url):
    """Build further clients with other credentials: client_factory(bk_app_code=..., ...)."""
    return lambda **auth: make_client(cmdb_url, **auth)


@pytest.fixture
def raw(cmdb_url):
    return Raw(cmdb_url)


@pytest.fixture
def unique():
    return cmdb_helpers.unique


@pytest.fixture(scope="session")
def biz_id(cmdb_url):
    """Id of a business to attach business custom fields to (created once per session)."""
    c = make_client(cmdb_url, **DEFAULT_AUTH)
    name = cmdb_helpers.unique("pybiz")
    resp = c.cc.create_business({"data": {"bk_biz_name": name, "bk_biz_maintainer": "admin",
                                          "bk_biz_productor": "admin", "time_zone": "Asia/Shanghai",
                                          "language": "1"}})
    if resp.get("result"):
        return resp["data"]["bk_biz_id"]
    # fall back to the built-in business 蓝鲸
    found = c.cc.search_business({"condition": {"bk_biz_name": "蓝鲸"}})
    if found.get("result") and found["data"]["info"]:
        return found["data"]["info"][0]["bk_biz_id"]
    # Before the topology area exists: 蓝鲸 is business 2 of the built-in data of a fresh store.
    assert found.get("code") == 1306404, "no business available for custom-field tests (%r)" % found
    return 2
