#!/usr/bin/env bash
# Lint, type-check, check the layering, and run the tests on SQLite and, when
# reachable, PostgreSQL (PROMISEDESK_TEST_DATABASE_URL, default the local server).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
PG_DEFAULT=postgresql://postgres@127.0.0.1:5432/test
if [ -z "${PROMISEDESK_TEST_DATABASE_URL:-}" ]; then
  if .venv/bin/python - "$PG_DEFAULT" <<'PY' 2>/dev/null; then
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
    export PROMISEDESK_TEST_DATABASE_URL=$PG_DEFAULT
  fi
fi
echo "database backends: sqlite${PROMISEDESK_TEST_DATABASE_URL:+ and postgresql ($PROMISEDESK_TEST_DATABASE_URL)}"
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/lint-imports
set +e
.venv/bin/pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"
