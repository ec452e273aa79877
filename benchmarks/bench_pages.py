"""Server time of every web page on a store of 1,000 documents (goal: ≤ 200 ms each).

Builds the store once — ``cnbudget.example.example_text`` disclosures spread over 100 fictional
cities and the years 2015–2024 (so the store holds many departments, series and versions), one
in fifty with a wrong figure so that findings exist, imported with the store's
``import_paths(jobs=2)`` — or reuses ``--db``. Then it serves the pages in-process (Starlette's
``TestClient`` over the ASGI app: no network, no browser; the time measured is the server's) and
prints the median, 95th percentile and maximum per page.

    .venv/bin/python benchmarks/bench_pages.py [-n 1000] [--db bench-pages.db] [--rounds 30]
        [--pdf-docs 3]

It also times the PDF download (``/documents/{id}/download/pdf``) of ``--pdf-docs`` documents:
the first request (the PDF is built and kept, keyed by the version's SHA-256), the cached
requests after it, and two simultaneous first requests for another document (built once,
both wait for that one build). ``--pdf-docs 0`` skips it.

With ``--db`` pointing at an existing store, nothing is generated; otherwise the store is
built there (or in a temporary folder) and kept only with ``--db``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

YEARS = 10  # 2015 … 2024
GOAL_MS = 200.0


def _text(seed: int) -> str:
    """Document ``seed``: a generated disclosure in city ``seed // 10``, year ``2024 - seed % 10``;
    every 50th one has one amount of 表3 raised by 1.00 (an arithmetic error)."""
    from cnbudget.example import example_text

    year = 2024 - seed % YEARS
    text = example_text(seed, year)
    if seed % 50 == 7:
        from itertools import islice

        from cnbudget.checks.mutation import table_mutations
        from cnbudget.ingest.text import read_text

        doc = read_text(text)
        for m in islice(table_mutations(text, doc), 300):
            if m.description.startswith("表3 "):
                text = m.text
                break
    return text.replace("示例市", f"示例{seed // YEARS}市")


def build(db: Path, n: int, jobs: int) -> None:
    from cnbudget.store import import_paths

    work = Path(tempfile.mkdtemp(prefix="cnbudget-bench-pages-"))
    try:
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
            for seed, text in enumerate(pool.map(_text, range(n), chunksize=16)):
                (work / f"doc-{seed:05d}.txt").write_text(text, encoding="utf-8")
        print(f"generated {n} documents in {time.perf_counter() - t0:.1f} s")
        summary = import_paths([work], f"sqlite:///{db}", jobs=jobs)
        c = summary.counts
        print(
            f"imported {c['imported']} (unchanged {c['unchanged']}, failed {c['failed']}) in "
            f"{summary.wall_seconds:.1f} s with --jobs {summary.jobs}"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _count(url: str) -> int:
    from cnbudget.store import make_engine
    from cnbudget.store.schema import DocumentRow

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(DocumentRow)) or 0)
    finally:
        engine.dispose()


def _targets(url: str) -> dict[str, list[str]]:
    """The URLs to time, several per page where the page depends on the document."""
    from cnbudget.store import list_documents, make_engine
    from cnbudget.web import data

    engine = make_engine(url)
    try:
        docs = list_documents(engine, current_only=True)
        stats = data.overview(engine)
        regions = data.region_names(engine, stats.years[0] if stats.years else None)
        worst = data.worst_findings(engine, 5)
    finally:
        engine.dispose()
    step = max(1, len(docs) // 12)
    sample = docs[::step][:12]
    by_dept: dict[int, list[Any]] = {}
    for d in docs:
        by_dept.setdefault(d.department_id, []).append(d)
    pairs = []
    for ds in by_dept.values():
        ds.sort(key=lambda d: d.year)
        pairs += [(a.id, b.id) for a, b in itertools.pairwise(ds) if b.year == a.year + 1]
    pairs = pairs[:: max(1, len(pairs) // 8)][:8]
    depts = sorted(by_dept)[:: max(1, len(by_dept) // 8)][:8]
    return {
        "home": ["/"],
        "search": ["/?q=能源发展局", "/?q=示例7市 2020", "/?q=2024", "/?q=不存在的部门"],
        "departments": ["/departments"],
        "department": [f"/departments/{d}" for d in depts],
        "document": [f"/documents/{d.id}" for d in sample]
        + [f"/documents/{w.document.id}" for w in worst],
        "document (en)": [f"/documents/{d.id}?lang=en" for d in sample[:4]],
        "charts": [f"/documents/{d.id}/charts" for d in sample],
        "compare (pick)": ["/compare"],
        "compare": [f"/compare?a={a}&b={b}" for a, b in pairs],
        "check (form)": ["/check"],
        "peers": ["/peers", *(f"/peers?year={y}" for y in stats.years[1:4])],
        "peers (region)": [f"/peers?region={r}" for r in regions[:: max(1, len(regions) // 4)][:4]],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=1000, help="documents to generate (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="import worker processes (default 2)")
    ap.add_argument("--db", type=Path, help="SQLite file to reuse (or build and keep)")
    ap.add_argument("--rounds", type=int, default=20, help="timed requests per URL (default 20)")
    ap.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="keep every object in the cyclic collector (the pages freeze the start-up objects "
        "after their first render, see cnbudget.web.pages.freeze_gc_once); shows what the "
        "full collections would cost",
    )
    ap.add_argument(
        "--pdf-docs",
        type=int,
        default=3,
        help="documents whose PDF download is timed first vs cached (default 3; 0 skips)",
    )
    args = ap.parse_args(argv)

    from fastapi.testclient import TestClient

    from cnbudget.testing import CORPUS_DIR, SAMPLE_NAME
    from cnbudget.web import make_app

    tmp = None
    db = args.db
    if db is None:
        tmp = Path(tempfile.mkdtemp(prefix="cnbudget-bench-pages-db-"))
        db = tmp / "bench.db"
    url = f"sqlite:///{db}"
    try:
        if not db.exists() or _count(url) == 0:
            build(db, args.n, args.jobs)
        n_docs = _count(url)
        print(f"store: {db} ({n_docs} documents, {db.stat().st_size / 1e6:.0f} MB)")
        targets = _targets(url)
        app = make_app(url, token="bench", freeze_gc=not args.no_gc_freeze)
        upload = None
        sample = CORPUS_DIR / SAMPLE_NAME
        if sample.is_file():
            upload = sample.read_bytes()
        rows: list[tuple[str, int, float, float, float, int]] = []
        with TestClient(app) as client:
            client.get("/")  # start-up: engine, schema check, templates (and the gc freeze)
            for name, urls in targets.items():
                times: list[float] = []
                status = 200
                for u in urls:
                    for _ in range(2):  # warm-up: first use of a template, a cold page cache
                        client.get(u)
                    for _ in range(args.rounds):
                        t0 = time.perf_counter()
                        r = client.get(u)
                        times.append((time.perf_counter() - t0) * 1000)
                        status = max(status, r.status_code)
                rows.append((name, len(times), *_stats(times), status))
            if upload is not None:
                times = []
                for i in range(max(5, args.rounds // 2) + 1):
                    t0 = time.perf_counter()
                    r = client.post("/check", files={"file": (SAMPLE_NAME, upload, "text/plain")})
                    if i:  # the first upload warms the reader and the rule book
                        times.append((time.perf_counter() - t0) * 1000)
                rows.append(("check (upload sample)", len(times), *_stats(times), r.status_code))
            pdf_rows = _pdf_downloads(client, app, targets, args.pdf_docs, args.rounds)
        print()
        print(f"{'page':<24}{'n':>5}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}  status  goal")
        worst = 0.0
        for name, n, med, p95, mx, st in rows:
            ok = "ok" if p95 <= GOAL_MS and st == 200 else "SLOW" if st == 200 else "FAIL"
            worst = max(worst, p95)
            print(f"{name:<24}{n:>5}{med:>12.1f}{p95:>10.1f}{mx:>10.1f}  {st:>6}  {ok}")
        if pdf_rows:
            print()
            print(f"{'PDF download':<28}{'n':>5}{'median ms':>12}{'max ms':>10}  status")
            for name, n, med, mx, st in pdf_rows:
                print(f"{name:<28}{n:>5}{med:>12.1f}{mx:>10.1f}  {st:>6}")
        print()
        print(f"slowest p95: {worst:.1f} ms (goal ≤ {GOAL_MS:.0f} ms per page, {n_docs} documents)")
        print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", end="")
        print(", without the gc freeze" if args.no_gc_freeze else "")
        return 0 if all(r[3] <= GOAL_MS and r[5] == 200 for r in rows) else 1
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _pdf_downloads(
    client: Any, app: Any, targets: dict[str, list[str]], docs: int, rounds: int
) -> list[tuple[str, int, float, float, int]]:
    """First (built) and cached PDF downloads, and two first requests at once."""
    import threading

    from cnbudget.web.pages import DownloadCache

    ids = [u.split("/")[2] for u in targets["document"]][: docs + 1]
    if docs <= 0 or len(ids) < 2:
        return []
    cache_dir = Path(tempfile.mkdtemp(prefix="cnbudget-bench-pdf-"))
    site = app.state.cnbudget_web
    site._downloads = DownloadCache(cache_dir)  # empty: every first request really builds
    first: list[float] = []
    cached: list[float] = []
    status = 200
    try:
        for doc_id in ids[:-1]:
            url = f"/documents/{doc_id}/download/pdf"
            t0 = time.perf_counter()
            r = client.get(url)
            first.append((time.perf_counter() - t0) * 1000)
            status = max(status, r.status_code)
            for _ in range(max(3, rounds // 2)):
                t0 = time.perf_counter()
                r = client.get(url)
                cached.append((time.perf_counter() - t0) * 1000)
                status = max(status, r.status_code)
        # two browsers asking for the same new PDF at once
        both: list[float] = []
        url = f"/documents/{ids[-1]}/download/pdf"
        builds = site.downloads.builds
        barrier = threading.Barrier(2)

        def fetch() -> None:
            barrier.wait()
            t0 = time.perf_counter()
            client.get(url)
            both.append((time.perf_counter() - t0) * 1000)

        threads = [threading.Thread(target=fetch) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        built = site.downloads.builds - builds
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return [
        ("first request (build)", len(first), statistics.median(first), max(first), status),
        ("cached request", len(cached), statistics.median(cached), max(cached), status),
        (f"two at once (built {built}×)", len(both), statistics.median(both), max(both), status),
    ]


def _stats(times: list[float]) -> tuple[float, float, float]:
    s = sorted(times)
    p95 = s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]
    return statistics.median(s), p95, s[-1]


if __name__ == "__main__":
    sys.exit(main())
