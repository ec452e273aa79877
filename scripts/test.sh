#!/usr/bin/env bash
# Command 2: install everything (with test tools) and run the whole test suite.
# pytest's exit 5 ("no tests ran") is treated as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test || exit 1
bash scripts/services.sh
.venv/bin/ruff check src benchmarks || exit 1
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$rc"
