#!/usr/bin/env bash
# Command 1: install everything, then run the main job on the bundled example — fictional
# departments written by cnbudget itself: check one, export it, build the whole disclosure from
# the fill-in workbook, import all of them into SQLite and serve the API and web pages.
# Usage: bash scripts/demo.sh [OUTPUT_DIR] ; set CNBUDGET_DEMO_NO_SERVE=1 to stop before serving.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
out=${1:-demo-output}
mkdir -p "$out/examples"
cb=.venv/bin/cnbudget
# three fictional departments, two years each (so compare, series and reconciliation have pairs)
for dept in 0 1 2; do
  for year in 2023 2024; do
    "$cb" example --department "$dept" --seed "$dept" --year "$year" \
      -o "$out/examples/example-$dept-$year.txt" 2>/dev/null
  done
done
ex="$out/examples/example-0-2024.txt"
"$cb" show "$ex"
"$cb" check "$ex"
"$cb" export "$ex" --format xlsx -o "$out/example-longform.xlsx"
# each 2024 example restates its 2023 figures as 上年: the reconciliation finds no restatement
for dept in 0 1 2; do
  "$cb" reconcile "$out/examples/example-$dept-2023.txt" "$out/examples/example-$dept-2024.txt"
done
"$cb" template -o "$out/填报模板.xlsx"
"$cb" build "$out/填报模板.xlsx" -o "$out/build"
"$cb" import "$out/examples" --db "$out/cnbudget.db"
echo "输出 / output: $out/"
if [ -n "${CNBUDGET_DEMO_NO_SERVE:-}" ]; then exit 0; fi
echo "浏览 / open http://127.0.0.1:8000/  (API: /docs)"
exec "$cb" serve --db "$out/cnbudget.db" --host 127.0.0.1 --port 8000
