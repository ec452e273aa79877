"""What ``cnbudget lake compact`` buys: files, DuckDB query time and ``lake load`` time of a
lake committed in small groups, before and after compaction (issue 15).

1. Reads and checks N generated disclosures (2 years × 5 cities: 10 partitions of N/10
   documents, distinct departments by seed) with the per-document function in a 2-process pool — the same rows a Dask batch
   writes — and commits them ``--commit-docs`` at a time (default 1: the worst case of a
   national run with many regions and small commits, one file per document and dataset).
2. Times a DuckDB totals query over ``amounts`` (median of ``--repeat`` runs) and a
   ``lake load`` into a fresh SQLite store; compacts; times both again.

    .venv/bin/python benchmarks/bench_compact.py [--docs 300] [--commit-docs 1] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

TOTALS = (
    "SELECT year, column_key, sum(value) FROM amounts "
    "WHERE table_type = 'general_expenditure' AND row_kind = 'total' GROUP BY ALL ORDER BY ALL"
)


#: Partitions of the generated lake: 2 years × 5 cities (N/10 documents each).
YEARS, CITIES = 2, 5


def _process(seed: int) -> Any:
    from cnbudget.batch.rows import process_bytes
    from cnbudget.example import example_text

    text = example_text(seed, 2024 - seed % YEARS).replace("示例市", f"示例{seed % CITIES}市")
    return process_bytes(text.encode(), f"doc{seed:06d}.txt")


def _files(lake: Path) -> int:
    from cnbudget.batch.lake import Manifest

    return len(Manifest(lake).committed_files())


def _query_ms(lake: Path, repeat: int) -> tuple[float, Any]:
    from cnbudget.batch.query import open_lake

    times, rows = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        con = open_lake(lake)
        rows = con.execute(TOTALS).fetchall()
        con.close()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), rows


def _load_s(lake: Path, work: Path, name: str) -> float:
    from cnbudget.batch.load import load_lake
    from cnbudget.store.migrate import upgrade

    url = f"sqlite:///{work / name}"
    upgrade(url)
    t0 = time.perf_counter()
    load_lake(lake, url)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--commit-docs", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()

    from cnbudget.batch.compact import compact_lake
    from cnbudget.batch.lake import LakeWriter

    work = Path(tempfile.mkdtemp(prefix="cnbudget-bench-compact-"))
    try:
        lake = work / "lake"
        t0 = time.perf_counter()
        writer = LakeWriter(lake, commit_docs=a.commit_docs)
        with ProcessPoolExecutor(2) as pool:
            for result in pool.map(_process, range(a.docs), chunksize=8):
                writer.add(result)
        writer.commit()
        writer.close()
        print(f"lake of {a.docs} documents in {time.perf_counter() - t0:.1f} s")
        before_files = _files(lake)
        q_before, rows_before = _query_ms(lake, a.repeat)
        load_before = _load_s(lake, work, "before.db")
        t0 = time.perf_counter()
        summary = compact_lake(lake)
        compact_s = time.perf_counter() - t0
        q_after, rows_after = _query_ms(lake, a.repeat)
        load_after = _load_s(lake, work, "after.db")
        assert rows_after == rows_before, "compaction changed the totals"
        print(
            f"part files {before_files} → {_files(lake)} "
            f"({summary.partitions} partitions, {summary.rows} rows rewritten) "
            f"in {compact_s:.1f} s"
        )
        print(
            f"DuckDB totals query, median of {a.repeat}: {q_before:.0f} ms → {q_after:.0f} ms "
            f"({q_before / max(q_after, 1e-9):.1f}x)"
        )
        print(
            f"lake load into SQLite: {load_before:.1f} s → {load_after:.1f} s "
            f"({load_before / max(load_after, 1e-9):.1f}x)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
