#!/usr/bin/env bash
# Install cnbudget and everything it needs into ./.venv (idempotent).
# Usage: bash scripts/install.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash scripts/system-deps.sh
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
extra=""
if [ "${1:-}" = "--test" ]; then extra="[test]"; fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
log=$(mktemp)
if ! .venv/bin/python -m pip install --quiet -e ".${extra}" >"$log" 2>&1; then
  cat "$log" >&2; echo "安装失败 / install failed" >&2; exit 1
fi
rm -f "$log"
