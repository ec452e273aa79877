"""Where the API's compare of two documents spends its time, without HTTP: the store function
``compare_documents`` (two reads of ~350 amounts, matching cell by cell), ``jsonable`` (the
~500 diffs as JSON-ready dicts) and the response model (validation and JSON of ``CompareOut``'s
diffs). Issue 15: compare must stay p99 ≤ 100 ms at 100,000 documents; ``load_api.py`` measures
the whole call, this script says which piece to work on. Medians over random pairs of
documents (the first call, cold, is left out), on any store.

    .venv/bin/python benchmarks/bench_compare.py --db postgresql+psycopg://…/DB [--pairs 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--db", required=True, help="SQLite path or PostgreSQL URL of a filled store")
    ap.add_argument("--pairs", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    from pydantic import TypeAdapter
    from sqlalchemy import func, select

    from cnbudget.api.models import AmountDiffOut
    from cnbudget.store.db import make_engine
    from cnbudget.store.queries import compare_documents, jsonable
    from cnbudget.store.schema import DocumentRow

    engine = make_engine(a.db)
    with engine.connect() as conn:
        top = conn.execute(select(func.max(DocumentRow.id))).scalar_one()
    rng = random.Random(a.seed)
    pairs = [(rng.randint(1, top), rng.randint(1, top)) for _ in range(a.pairs + 1)]
    compare_documents(engine, *pairs[0])  # cold: connection, plan cache
    store_ms, json_ms, model_ms, sizes = [], [], [], []
    model = TypeAdapter(list[AmountDiffOut])
    for x, y in pairs[1:]:
        t = time.perf_counter()
        diffs = compare_documents(engine, x, y)
        store_ms.append((time.perf_counter() - t) * 1000)
        sizes.append(len(diffs))
        json_ms.append(statistics.median(timed(lambda d=diffs: jsonable(d), 3)))
        js = jsonable(diffs)
        model_ms.append(
            statistics.median(timed(lambda j=js: model.dump_json(model.validate_python(j)), 3))
        )
    engine.dispose()
    print(f"store: {a.db}, {a.pairs} random pairs, {statistics.median(sizes):.0f} diffs (median)")
    for name, ms in (
        ("compare_documents", store_ms),
        ("jsonable", json_ms),
        ("response model", model_ms),
    ):
        print(f"{name:18}: median {statistics.median(ms):7.1f} ms   max {max(ms):7.1f} ms")


if __name__ == "__main__":
    main()
