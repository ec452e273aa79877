"""Time and memory to parse and to check the sample (issue goals: parse ≤ 10 ms, check ≤ 20 ms
with parse included, on this 2-core machine).

Prints medians over repeated runs and, as a same-process baseline for machine noise, the
median time to merely split the text into lines.

    .venv/bin/python benchmarks/bench_parse_check.py [--runs 50]
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc

from cnbudget.checks import check_document
from cnbudget.ingest.text import read_text
from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 50
    path = CORPUS_DIR / SAMPLE_NAME
    if not path.is_file():
        print(f"sample not found: {path}")
        return 2
    text = path.read_text(encoding="utf-8")
    read_text(text)  # warm caches (layout, rule book, catalog)
    check_document(read_text(text))
    baseline = median_ms(lambda: text.splitlines(), runs)
    parse = median_ms(lambda: read_text(text), runs)
    doc = read_text(text)
    check_only = median_ms(lambda: check_document(doc), runs)
    both = median_ms(lambda: check_document(read_text(text)), runs)
    tracemalloc.start()
    read_text(text)
    _, peak_parse = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    check_document(read_text(text))
    _, peak_both = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"sample: {path.name} ({len(text.encode('utf-8')) / 1024:.0f} KB), {runs} runs, medians")
    print(f"baseline splitlines : {baseline:8.3f} ms")
    print(
        f"parse               : {parse:8.2f} ms  (×{parse / baseline:,.0f} baseline)  "
        f"peak {peak_parse / 1e6:.1f} MB"
    )
    print(f"check (parsed doc)  : {check_only:8.2f} ms")
    print(f"parse + check       : {both:8.2f} ms  peak {peak_both / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
