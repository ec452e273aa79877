"""Detection rate of single-figure mutations of the sample (issue: goal 100 %).

Every printed amount of every table (and of the performance tables), and every amount in 万元
or percentage of 第三部分, is raised by 1.00 in turn; the text is re-read and checked. Prints
the rate for each kind and the mutations that went undetected.

    .venv/bin/python benchmarks/mutation_detection.py [--narrative-only | --tables-only]
"""

from __future__ import annotations

import sys
import time

from rich.progress import track

from cnbudget.checks.mutation import detected, narrative_mutations, table_mutations
from cnbudget.ingest.text import read_text
from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME


def main() -> int:
    path = CORPUS_DIR / SAMPLE_NAME
    if not path.is_file():
        print(f"sample not found: {path}")
        return 2
    text = path.read_text(encoding="utf-8")
    doc = read_text(text)
    kinds = []
    if "--narrative-only" not in sys.argv:
        kinds.append(("表格金额 table amounts", list(table_mutations(text, doc))))
    if "--tables-only" not in sys.argv:
        kinds.append(("说明数字 narrative figures", list(narrative_mutations(text, doc))))
    t0 = time.perf_counter()
    for label, muts in kinds:
        missed = [m for m in track(muts, description=label) if not detected(m)]
        n = len(muts)
        rate = 100 * (n - len(missed)) / n if n else 100.0
        print(f"{label}: {n - len(missed)}/{n} detected = {rate:.1f} %")
        for m in missed:
            print(f"   missed line {m.line}: {m.description}")
    print(f"elapsed {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
