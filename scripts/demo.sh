#!/usr/bin/env bash
# Command 1: install everything, then run the main job on the bundled example
# (a fictional department written by cnbudget itself): write it, parse it, check it, export it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
out=${1:-demo-output}
mkdir -p "$out"
.venv/bin/cnbudget example -o "$out/example-budget.txt"
.venv/bin/cnbudget show "$out/example-budget.txt"
.venv/bin/cnbudget check "$out/example-budget.txt"
.venv/bin/cnbudget parse "$out/example-budget.txt" -o "$out/example-budget.json"
.venv/bin/cnbudget export "$out/example-budget.txt" --format csv -o "$out/example-budget.csv"
.venv/bin/cnbudget export "$out/example-budget.txt" --format xlsx -o "$out/example-budget.xlsx"
# Authoring: the fill-in workbook (pre-filled with the example) built into the whole disclosure.
.venv/bin/cnbudget template -o "$out/填报模板.xlsx"
.venv/bin/cnbudget build "$out/填报模板.xlsx" -o "$out/build"
echo "输出 / output: $out/"
