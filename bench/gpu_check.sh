#!/usr/bin/env bash
# One command for a lent GPU: see bench/gpu_check.py (arguments are passed on).
set -u
cd "$(dirname "$0")/.."
PY="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}"
exec "$PY" bench/gpu_check.py "$@"
