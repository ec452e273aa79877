"""Import throughput into SQLite (issue goal: ≥ 50 documents/s for 1,000 generated disclosures,
parse, check and store included, on this 2-core machine).

Generates N fictional disclosures into a temporary folder — ``cnbudget.example.example_text``
(one of its department templates per seed, placed in one of many fictional cities and a year
between 2015 and 2024, so that the store holds many departments and series rather than one
department with N versions), or edited copies of the real sample when the generator is not
installed — then imports them into a fresh SQLite file and prints wall time, documents per
second and the split between parse + check (in the workers) and store (in the parent).

    .venv/bin/python benchmarks/bench_import.py [-n 1000] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from cnbudget.store.db import make_engine
from cnbudget.store.importer import import_paths
from cnbudget.store.schema import AmountRow, DepartmentRow, DocumentRow, FindingRow

YEARS = 10  # 2015 … 2024


def _children_cpu() -> float:
    """CPU seconds of finished child processes (the import's workers, once it returns)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _city(i: int) -> str:
    return f"示例{i}市"


def _example(seed: int) -> str:
    from cnbudget.example import example_text

    year = 2024 - seed % YEARS
    return example_text(seed, year).replace("示例市", _city(seed // YEARS))


def _sample_variant(seed: int) -> str:
    """The real sample with another department name, year and (scaled) amounts."""
    from cnbudget.testing import sample_text

    text = sample_text()
    year = 2024 - seed % YEARS
    text = text.replace("乌鲁木齐市", _city(seed // YEARS)).replace("2024", str(year))
    # Make each file's bytes unique even where the names repeat.
    return text + f"\n<!-- variant {seed} -->\n"


def generate(n: int, folder: Path, jobs: int) -> str:
    try:
        import cnbudget.example  # noqa: F401

        make, source = _example, "cnbudget.example.example_text"
    except ImportError:
        make, source = _sample_variant, "variants of the sample"
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for seed, text in enumerate(pool.map(make, range(n), chunksize=16)):
            (folder / f"doc-{seed:05d}.txt").write_text(text, encoding="utf-8")
    return source


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="documents to generate (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--keep", type=Path, help="keep the files and database in this folder")
    args = ap.parse_args(argv)

    work = args.keep or Path(tempfile.mkdtemp(prefix="cnbudget-bench-"))
    try:
        docs_dir, db = work / "docs", work / "bench.db"
        for p in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            p.unlink(missing_ok=True)
        t0 = time.perf_counter()
        source = generate(args.n, docs_dir, max(1, os.cpu_count() or 1))
        gen_s = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in docs_dir.iterdir())
        print(f"generated {args.n} documents ({size / 1e6:.1f} MB) from {source} in {gen_s:.1f} s")

        cpu0, kids0 = time.process_time(), _children_cpu()
        summary = import_paths([docs_dir], str(db), jobs=args.jobs)
        cpu_parent, cpu_kids = time.process_time() - cpu0, _children_cpu() - kids0
        c = summary.counts
        wall = summary.wall_seconds
        print(f"imported {c['imported']}, unchanged {c['unchanged']}, failed {c['failed']}")
        for r in summary.failed[:5]:
            print(f"  failed: {r.path}: {r.reason}")
        print(f"wall time            : {wall:8.2f} s   (--jobs {summary.jobs}, parse+check+store)")
        print(f"throughput           : {summary.docs_per_second:8.1f} documents/s  (goal ≥ 50)")
        print(
            f"parse+check (workers): {summary.parse_seconds:8.2f} s summed  "
            f"{summary.parse_seconds / max(1, len(summary.results)) * 1000:6.1f} ms/doc"
        )
        print(
            f"store (parent)       : {summary.store_seconds:8.2f} s summed  "
            f"{summary.store_seconds / max(1, len(summary.results)) * 1000:6.1f} ms/doc"
        )

        n = max(1, len(summary.results))
        cpu_doc = (cpu_parent + cpu_kids) / n
        print(
            f"CPU per document     : {cpu_doc * 1000:8.1f} ms  (workers {cpu_kids / n * 1000:.1f}, "
            f"parent {cpu_parent / n * 1000:.1f}); with {os.cpu_count()} cores to itself this "
            f"machine would import ≤ {(os.cpu_count() or 1) / cpu_doc:.0f} documents/s"
        )
        load = os.getloadavg()[0]
        print(f"load average (1 min) : {load:8.2f}  (other processes share the cores)")

        engine = make_engine(str(db))
        with engine.connect() as conn:
            n_docs = conn.scalar(select(func.count()).select_from(DocumentRow))
            n_dept = conn.scalar(select(func.count()).select_from(DepartmentRow))
            n_amt = conn.scalar(select(func.count()).select_from(AmountRow))
            n_find = conn.scalar(select(func.count()).select_from(FindingRow))
        engine.dispose()
        print(
            f"store now holds      : {n_docs} documents, {n_dept} departments, "
            f"{n_amt} amounts, {n_find} findings; {db.stat().st_size / 1e6:.0f} MB"
        )

        t1 = time.perf_counter()
        again = import_paths([docs_dir], str(db), jobs=args.jobs)
        print(
            f"re-import            : {time.perf_counter() - t1:8.2f} s  "
            f"({again.counts['unchanged']} unchanged, {again.counts['imported']} imported)"
        )
        ok = c["failed"] == 0 and c["imported"] == args.n
        return 0 if ok else 1
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
