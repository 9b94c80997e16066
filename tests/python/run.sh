#!/usr/bin/env bash
# Run the Python API test suite against the cmdb server.
#   CMDB_URL=http://127.0.0.1:8080      use a running server, or
#   CMDB_BIN=/path/to/cmdb              binary to start (default: target/debug/cmdb)
#   CMDB_TEST_DATABASE_URL=...          database for the started server (default: sqlite in a temp dir)
# These variables are passed through to pytest unchanged; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt

export CMDB_BIN="${CMDB_BIN:-}" CMDB_URL="${CMDB_URL:-}" CMDB_TEST_DATABASE_URL="${CMDB_TEST_DATABASE_URL:-}"
exec "$VENV/bin/python" -m pytest -q tests/python "$@"
