#!/usr/bin/env bash
# Set everything up, then run the demo desk on SQLite and serve it (Ctrl-C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/promisedesk demo "$@"
