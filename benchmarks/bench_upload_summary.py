"""What one upload costs in a large store: ``store_prepared`` of one generated document into
the (year, kind) summary of an existing PostgreSQL store, by delta (the default) and by the
full rebuild it replaced, each in a transaction rolled back afterwards (the store is left
as it was). Issue 15: at 100,000 documents the rebuild took 4.7 s per upload.

    .venv/bin/python benchmarks/bench_upload_summary.py --db postgresql+psycopg://…/cnbudget_scale100k [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--year", type=int, default=2024)
    a = ap.parse_args()

    from sqlalchemy import select

    from cnbudget.example import example_text
    from cnbudget.store import importer
    from cnbudget.store.db import make_engine
    from cnbudget.store.schema import SummaryStateRow

    engine = make_engine(a.db)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.txt"
        path.write_text(example_text(7, a.year).replace("示例市", "上传测试市"), encoding="utf-8")
        prep = importer.prepare_file(str(path))
        timings: dict[str, list[float]] = {"delta": [], "rebuild": []}
        for _ in range(a.repeat):
            for how in ("delta", "rebuild"):
                real = importer.apply_summary_delta
                if how == "rebuild":
                    importer.apply_summary_delta = lambda *x, **k: False  # type: ignore[assignment]
                try:
                    with engine.connect() as conn:
                        trans = conn.begin()
                        t0 = time.perf_counter()
                        r = importer.store_prepared(conn, prep)
                        timings[how].append(time.perf_counter() - t0)
                        assert r.status == "imported", r
                        trans.rollback()
                finally:
                    importer.apply_summary_delta = real  # type: ignore[assignment]
        with engine.connect() as conn:
            state = conn.execute(
                select(SummaryStateRow.stale).where(SummaryStateRow.year == a.year)
            ).all()
    engine.dispose()
    for how, ts in timings.items():
        print(
            f"{how:8s} one upload, {a.year}: median {statistics.median(ts):.3f} s "
            f"(of {len(ts)}: {', '.join(f'{t:.3f}' for t in ts)})"
        )
    d, r = statistics.median(timings["delta"]), statistics.median(timings["rebuild"])
    print(f"rebuild / delta: {r / max(d, 1e-9):.1f}x; summaries of {a.year} stale after: {state}")


if __name__ == "__main__":
    main()
