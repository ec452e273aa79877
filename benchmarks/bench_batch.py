"""Batch throughput, lake size, COPY load and PostgreSQL hot queries at scale (issue 15).

1. Generates N fictional disclosures (``cnbudget.example.example_text``, one of many cities and
   a year 2015–2024 per seed) into a temporary folder.
2. Runs ``run_batch`` on a fresh ``LocalCluster`` with 1 worker, then with 2 workers, into two
   lakes: docs/s for each and the scaling ratio, per-document compute seconds, peak RSS of the
   driver and of the largest worker, lake size on disk.
3. Loads the 2-worker lake into a fresh PostgreSQL database with ``cnbudget lake load`` (COPY):
   documents/s and amount rows/s.
4. ``--replicate K``: builds a *synthetic* lake of K copies of that lake (each copy with new
   SHA-256s and its cities suffixed ``#k``, so departments and documents are distinct; the
   figures repeat; one part file per copy × year × dataset) and loads it too — the cheap way to reach millions of amount rows without
   parsing millions of documents — then runs EXPLAIN (ANALYZE, BUFFERS) of the API's hot
   queries (document fetch, list, search, totals, series, compare) and prints their plans
   and timings (pass ``--explain-out FILE`` to keep them).

    .venv/bin/python benchmarks/bench_batch.py [--docs 40] [--workers 1,2] [--commit-docs 200]
        [--replicate 0] [--load-jobs 1] [--pg URL] [--keep DIR] [--explain-out FILE] [--no-explain]

The full run of the issue — 100,000 documents into the lake and PostgreSQL, once — is
``--docs 100000 --workers 2 --commit-docs 2000 --no-explain --keep DIR`` (the 1-worker run
would double its hours; the 1 → 2 scaling is measured at ``--docs 2000``): ~1 h 40 min of batch
on a fast 2-core machine, ~3 hours on a slow one. What fits in an afternoon there — 100,000
documents from a lake into PostgreSQL — is ``--docs 2000 --workers 2 --keep DIR`` once, then
``--skip-batch DIR/lake2 --replicate 50 --load-jobs 2 --no-explain``. Run either under
``/usr/bin/time -v`` for the peak RSS of the largest process, Dask workers included.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

YEARS = 10
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _example(seed: int) -> str:
    from cnbudget.example import example_text

    return example_text(seed, 2024 - seed % YEARS).replace("示例市", f"示例{seed // YEARS}市")


def _write(args: tuple[Path, int]) -> None:
    folder, seed = args
    (folder / f"doc{seed:06d}.txt").write_text(_example(seed), encoding="utf-8")


def generate(folder: Path, n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_write, [(folder, i) for i in range(n)], chunksize=64))


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def rss_mb() -> tuple[float, float]:
    """Peak RSS (MB) of this process and of its largest finished child (a Dask worker)."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def run(folder: Path, lake: Path, workers: int, commit_docs: int = 200) -> dict[str, Any]:
    from cnbudget.batch.engine import run_batch

    s = run_batch([str(folder)], lake, workers=workers, commit_docs=commit_docs)
    return s.as_dict()


def fresh_pg(admin: str) -> str:
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    u = make_url(admin)
    name = f"cnbudget_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(
        host=u.host, port=u.port or 5432, user=u.username, dbname=u.database, autocommit=True
    ) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return u.set(database=name).render_as_string(hide_password=False)


def replicate(base: Path, out: Path, copies: int) -> int:
    """A synthetic lake of ``copies`` copies of ``base``; returns the number of documents written.
    Only for load and query benchmarks.

    Each copy's documents get new SHA-256s and their cities the suffix ``#k`` (so documents and
    departments are distinct and the figures repeat), and are written as one part file per
    copy × year × dataset (``region=复制k``): partitions of many documents, like a compacted lake
    or real data (hundreds of units a city), instead of the generator's one document a
    partition — 50 copies of 2,000 documents are 2,500 files, written in minutes, not the
    500,000 of the small-files case. Such a part file holds many regions; the loader reads the
    regions from the rows, never from the folder name. Why vectorised (``index_in`` and
    ``take``): 35 M amount rows would cost a Python loop minutes per copy."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from cnbudget.batch.lake import LakeWriter, dataset_files
    from cnbudget.batch.rows import DocResult, region_of

    whole: dict[str, pa.Table] = {}
    for d in ("documents", "amounts", "findings", "narrative_claims", "blobs"):
        files = dataset_files(base, d)
        if files:
            whole[d] = pa.concat_tables([pq.read_table(f) for f in files])
    docs = whole["documents"]
    olds = docs["sha256"].combine_chunks()
    where = {d: pc.index_in(t["sha256"], value_set=olds) for d, t in whole.items()}
    years = sorted(set(docs["year"].to_pylist()))
    levels = [docs[c].to_pylist() for c in ("province", "city", "district")]
    writer = LakeWriter(out, commit_docs=1 << 30, commit_bytes=1 << 62)
    n = 0
    try:
        for k in range(1, copies + 1):
            shas = pa.array(
                [hashlib.sha256(f"{s}/{k}".encode()).hexdigest() for s in olds.to_pylist()]
            )
            cities = [f"{c}#{k}" if c else c for c in levels[1]]
            regions = pa.array(
                [region_of(*r) for r in zip(levels[0], cities, levels[2], strict=True)]
            )
            metas = []
            for m, city in zip(docs["meta_json"].to_pylist(), cities, strict=True):
                meta = json.loads(m)
                meta["city"] = city
                metas.append(json.dumps(meta, ensure_ascii=False))
            new = {"sha256": shas, "region": regions, "city": pa.array(cities)}
            tables: dict[str, pa.Table] = {}
            for d, t in whole.items():
                for col, values in new.items():
                    if col in t.column_names:
                        i = t.schema.get_field_index(col)
                        t = t.set_column(i, col, values.take(where[d]))
                if d == "documents":
                    t = t.set_column(
                        t.schema.get_field_index("meta_json"), "meta_json", pa.array(metas)
                    )
                tables[d] = t
            for y in years:
                writer.add(
                    DocResult(
                        sha256="",
                        path="",
                        ok=True,
                        year=y,
                        region=f"复制{k}",
                        tables={d: t.filter(pc.equal(t["year"], y)) for d, t in tables.items()},
                    )
                )
            writer.commit()
            n += docs.num_rows
    finally:
        writer.close()
    return n


def import_folder(folder: Path, url: str, jobs: int = 2) -> None:
    """The base of a large store: real imports (``cnbudget import``) of generated documents,
    so departments, versions, tables, findings and the search column are exactly an import's."""
    cli = Path(sys.executable).with_name("cnbudget")
    subprocess.run(
        [str(cli), "import", str(folder), "--db", url, "--jobs", str(jobs)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def count_documents(url: str) -> int:
    from sqlalchemy import func, select

    from cnbudget.store.db import make_engine
    from cnbudget.store.schema import DocumentRow

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count(DocumentRow.id))).scalar_one()
    finally:
        engine.dispose()


#: The secondary indexes of ``amounts``: dropped while ``--multiply`` copies tens of millions of
#: rows and built once afterwards (one sort per index instead of one B-tree insert per row).
_AMOUNT_INDEXES = ("ix_amounts_aggregate", "ix_amounts_document")


def multiply(url: str, copies: int) -> None:
    """``copies`` more copies of every region, department, document, table and amount, made
    inside PostgreSQL with ``INSERT … SELECT`` (ids shifted by the current maximum, SHA-256s
    re-hashed, cities suffixed ``#k``; raw blobs left empty, findings not copied). Synthetic:
    only to give the planner and the hot queries a store of millions of amount rows.

    Why the session runs with ``session_replication_role = replica`` and without the amount
    indexes: at 35 M rows, two foreign-key triggers and two B-tree inserts per copied row are
    most of the time, and the copies are consistent by construction (every id is shifted by
    the same offset as the row it refers to). The indexes are rebuilt from the ORM's own
    definitions afterwards, so the store ends with exactly the schema of its migrations."""
    from sqlalchemy import event, func, literal, select, text

    from cnbudget.store.db import make_engine
    from cnbudget.store.schema import (
        AmountRow,
        BlobRow,
        DepartmentAliasRow,
        DepartmentRow,
        DocumentRow,
        RegionRow,
        TableRow,
    )

    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _replica(dbapi_conn: Any, _rec: Any) -> None:  # no FK triggers for synthetic copies
        with dbapi_conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET maintenance_work_mem = '1GB'")
            cur.execute("SET synchronous_commit = off")

    dropped = []
    with engine.begin() as conn:
        for ix in AmountRow.__table__.indexes:
            if ix.name in _AMOUNT_INDEXES:
                conn.execute(text(f'DROP INDEX IF EXISTS "{ix.name}"'))  # fixed names, no input
                dropped.append(ix)
    tabs = {
        "regions": RegionRow.__table__,
        "departments": DepartmentRow.__table__,
        "department_aliases": DepartmentAliasRow.__table__,
        "documents": DocumentRow.__table__,
        "tables": TableRow.__table__,
    }
    with engine.begin() as conn:
        top = {n: conn.execute(select(func.max(t.c.id))).scalar_one() or 0 for n, t in tabs.items()}
    shift = {n: top[n] for n in tabs}
    for k in range(1, copies + 1):
        t0 = time.perf_counter()
        with engine.begin() as conn:

            def copy(name: str, overrides: dict[str, Any], where: Any) -> None:
                t = (
                    tabs[name]
                    if name in tabs
                    else (BlobRow.__table__ if name == "blobs" else AmountRow.__table__)
                )
                cols = [c.name for c in t.columns if not (name == "amounts" and c.name == "id")]
                exprs = [overrides.get(c, t.c[c]) for c in cols]
                conn.execute(t.insert().from_select(cols, select(*exprs).where(where)))

            def sh(name: str, col: Any, k: int = k) -> Any:
                return col + literal(k * shift[name])

            new_sha = func.encode(
                func.sha256(func.convert_to(DocumentRow.sha256 + literal(f":{k}"), "UTF8")), "hex"
            )
            r, d, a = tabs["regions"].c, tabs["departments"].c, tabs["department_aliases"].c
            doc, tb, am, bl = (
                tabs["documents"].c,
                tabs["tables"].c,
                AmountRow.__table__.c,
                BlobRow.__table__.c,
            )
            copy(
                "regions",
                {"id": sh("regions", r.id), "city": r.city + literal(f"#{k}")},
                r.id <= top["regions"],
            )
            copy(
                "departments",
                {"id": sh("departments", d.id), "region_id": sh("regions", d.region_id)},
                d.id <= top["departments"],
            )
            copy(
                "department_aliases",
                {
                    "id": sh("department_aliases", a.id),
                    "department_id": sh("departments", a.department_id),
                    "region_id": sh("regions", a.region_id),
                },
                a.id <= top["department_aliases"],
            )
            blob_sha = func.encode(
                func.sha256(func.convert_to(bl.sha256 + literal(f":{k}"), "UTF8")), "hex"
            )
            copy(
                "blobs",
                {"sha256": blob_sha, "size": literal(0), "data": func.decode(literal(""), "hex")},
                bl.sha256.in_(select(doc.sha256).where(doc.id <= top["documents"])),
            )
            copy(
                "documents",
                {
                    "id": sh("documents", doc.id),
                    "department_id": sh("departments", doc.department_id),
                    "supersedes_id": sh("documents", doc.supersedes_id),
                    "sha256": new_sha,
                },
                doc.id <= top["documents"],
            )
            copy(
                "tables",
                {"id": sh("tables", tb.id), "document_id": sh("documents", tb.document_id)},
                tb.id <= top["tables"],
            )
            copy(
                "amounts",
                {
                    "document_id": sh("documents", am.document_id),
                    "table_id": sh("tables", am.table_id),
                },
                am.document_id <= top["documents"],
            )
        print(f"  copy {k}/{copies}: {time.perf_counter() - t0:.1f} s", flush=True)
    for ix in dropped:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            ix.create(conn)
        print(f"  index {ix.name} rebuilt in {time.perf_counter() - t0:.1f} s", flush=True)
    from cnbudget.store.aggregates import rebuild_all_summaries, refresh_search_text

    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t0 = time.perf_counter()  # the copies' statistics before any query plans on them
        conn.exec_driver_sql("VACUUM ANALYZE documents")
        conn.exec_driver_sql("VACUUM ANALYZE amounts")
        print(f"  VACUUM ANALYZE in {time.perf_counter() - t0:.1f} s", flush=True)
    with engine.begin() as conn:
        # Copies have new cities (``#k``) and are invisible to the summaries' watermark: the
        # search text and the class-total summaries are rebuilt as migration 0005 builds them.
        if "search_text" in DocumentRow.__table__.c:
            t0 = time.perf_counter()
            n = refresh_search_text(conn)
            print(f"  search text of {n} documents in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            rebuild_all_summaries(conn)
            print(f"  class-total summaries rebuilt in {time.perf_counter() - t0:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t0 = time.perf_counter()  # the search-text update rewrote every document row once
        conn.exec_driver_sql("VACUUM FULL documents")
        conn.exec_driver_sql("VACUUM ANALYZE documents")
        print(f"  VACUUM FULL documents in {time.perf_counter() - t0:.1f} s", flush=True)
    with engine.begin() as conn:
        for name in tabs:  # the sequences must move past the copied ids
            seq = func.pg_get_serial_sequence(name, "id")
            conn.execute(
                select(func.setval(seq, select(func.max(tabs[name].c.id)).scalar_subquery()))
            )
    engine.dispose()


def hot_queries(url: str) -> list[tuple[str, Callable[[], Any]]]:
    from sqlalchemy import select

    from cnbudget.api.search import get_document, search_documents
    from cnbudget.store.db import make_engine, session_scope
    from cnbudget.store.queries import (
        compare_documents,
        department_series,
        function_totals,
        list_documents,
    )
    from cnbudget.store.schema import DocumentRow

    engine = make_engine(url)
    with session_scope(engine) as s:
        ids = s.scalars(select(DocumentRow.id).order_by(DocumentRow.id)).all()
        mid = ids[len(ids) // 2]
        doc = s.get(DocumentRow, mid)
        dept = doc.department_id
        other = (
            s.scalar(
                select(DocumentRow.id).where(
                    DocumentRow.department_id == dept, DocumentRow.id != mid
                )
            )
            or ids[-1]
        )
        region = doc.department.region.city

    def search() -> Any:
        with session_scope(engine) as s:
            return search_documents(s, q="能源", limit=50)

    def fetch() -> Any:
        with session_scope(engine) as s:
            return get_document(s, mid)

    return [
        ("document fetch", fetch),
        ("list (one region)", lambda: list_documents(engine, region=region)),
        ("search", search),
        ("totals by year", lambda: function_totals(engine)),
        (
            "totals, one region",
            lambda: function_totals(engine, region=region, by=("year", "region")),
        ),
        ("series of a department", lambda: department_series(engine, dept)),
        ("compare two documents", lambda: compare_documents(engine, mid, other)),
    ]


def explain(url: str, out: Path | None) -> None:
    """Run each hot query, capture its SQL, and print EXPLAIN (ANALYZE, BUFFERS) of each."""
    import psycopg
    from psycopg import sql
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    lines: list[str] = []
    captured: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, params))

    for name, fn in hot_queries(url):
        fn()  # warm
        captured.clear()
        event.listen(Engine, "before_cursor_execute", grab)
        t0 = time.perf_counter()
        fn()
        fn_ms = (time.perf_counter() - t0) * 1000
        event.remove(Engine, "before_cursor_execute", grab)
        lines.append(f"### {name} ({fn_ms:.1f} ms for the whole call, warm)\n")
        with psycopg.connect(make_url_psycopg(url)) as conn:
            for statement, params in captured:
                # SQLAlchemy's compiled SELECT with bound parameters; EXPLAIN is composed in
                # front of it with psycopg's sql module and the values stay bound.
                q = sql.SQL("EXPLAIN (ANALYZE, BUFFERS) {}").format(sql.SQL(statement))
                plan = [r[0] for r in conn.execute(q, params).fetchall()]
                lines.append("```sql\n" + statement.strip() + "\n```\n")
                lines.append("```\n" + "\n".join(plan) + "\n```\n")
    text = "\n".join(lines)
    print(text)
    if out is not None:
        out.write_text(text, encoding="utf-8")


def build_by_import(a: argparse.Namespace, work: Path) -> None:
    """``--import-docs N [--target-docs T] [--db URL]``: a store of ≥ T documents from N real
    imports multiplied inside PostgreSQL; an existing store of ≥ T documents is kept as it is."""
    from cnbudget.store.migrate import upgrade

    url = a.db or fresh_pg(a.pg)
    upgrade(url)
    have = count_documents(url)
    target = max(a.target_docs, a.import_docs)
    if have >= target:
        print(f"store already holds {have} documents (≥ {target}): reused")
    else:
        if have == 0:
            folder = work / "docs"
            t0 = time.perf_counter()
            generate(folder, a.import_docs)
            print(f"generated {a.import_docs} documents in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            import_folder(folder, url)
            have = count_documents(url)
            dt_ = time.perf_counter() - t0
            print(f"imported {have} documents in {dt_:.1f} s = {have / dt_:.1f} docs/s", flush=True)
        copies = -(-target // have) - 1 if target > have else 0
        if copies:
            t0 = time.perf_counter()
            multiply(url, copies)
            print(f"multiplied ×{copies} in PostgreSQL in {time.perf_counter() - t0:.1f} s")
        subprocess.run(["psql", make_url_psycopg(url), "-c", "VACUUM ANALYZE"], check=False)
        print(f"store holds {count_documents(url)} documents", flush=True)
    if not a.no_explain:
        explain(url, a.explain_out)
    print(f"database kept: {url}")


def make_url_psycopg(url: str) -> str:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return f"host={u.host} port={u.port or 5432} user={u.username} dbname={u.database}"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--docs", type=int, default=40)
    ap.add_argument("--replicate", type=int, default=0)
    ap.add_argument("--pg", default=PG_ADMIN, help="admin URL of the server for a fresh database")
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--explain-out", type=Path, default=None)
    ap.add_argument("--multiply", type=int, default=0, help="synthetic copies made in PostgreSQL")
    ap.add_argument("--db", default=None, help="reuse this PostgreSQL database (no load)")
    ap.add_argument("--skip-batch", type=Path, default=None, help="reuse this lake (no batch run)")
    ap.add_argument(
        "--import-docs",
        type=int,
        default=0,
        help="base of the store: generate and `cnbudget import` this many documents (no batch run)",
    )
    ap.add_argument(
        "--target-docs",
        type=int,
        default=0,
        help="with --import-docs: multiply until the store holds at least this many documents; "
        "a store that already does is reused as it is",
    )
    ap.add_argument("--no-explain", action="store_true")
    ap.add_argument(
        "--workers",
        default="1,2",
        help="worker counts to run the batch with, comma-separated; the last one's lake is loaded "
        "(`--workers 2` for one 2-worker run: the way to run 100,000 documents once)",
    )
    ap.add_argument("--commit-docs", type=int, default=200, help="documents per lake commit")
    ap.add_argument(
        "--load-jobs", type=int, default=1, help="processes of `cnbudget lake load --jobs N`"
    )
    a = ap.parse_args()
    worker_counts = [int(w) for w in a.workers.split(",")]

    from cnbudget.batch.load import load_lake
    from cnbudget.store.migrate import upgrade

    work = a.keep or Path(tempfile.mkdtemp(prefix="cnbudget-bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    if a.import_docs:
        try:
            build_by_import(a, work)
        finally:
            if a.keep is None:
                shutil.rmtree(work, ignore_errors=True)
        return
    try:
        if a.skip_batch is None:
            folder = work / "docs"
            t0 = time.perf_counter()
            generate(folder, a.docs)
            print(f"generated {a.docs} documents in {time.perf_counter() - t0:.1f} s")
            results = {}
            for w in worker_counts:
                lake = work / f"lake{w}"
                shutil.rmtree(lake, ignore_errors=True)
                results[w] = run(folder, lake, w, a.commit_docs)
                r = results[w]
                print(
                    f"workers={w}: {r['ok']} docs in {r['wall_seconds']} s = {r['docs_per_second']} docs/s "
                    f"(compute {r['compute_seconds']} s, {r['amounts']} amount rows), "
                    f"lake {du(lake) / 1e6:.1f} MB"
                )
            if 1 in results and 2 in results:
                ratio = results[2]["docs_per_second"] / max(results[1]["docs_per_second"], 1e-9)
                print(f"scaling 1→2 workers: {ratio:.2f}x")
            me, kid = rss_mb()
            print(f"peak RSS driver {me:.0f} MB, largest worker {kid:.0f} MB")
            base = work / f"lake{worker_counts[-1]}"
        else:
            base = a.skip_batch
        url = a.db or fresh_pg(a.pg)
        upgrade(url)
        s = load_lake(base, url, jobs=a.load_jobs)
        d = s.as_dict()
        print(
            f"lake load (COPY) → PostgreSQL: {d['loaded']} docs, {d['amounts']} rows in {d['wall_seconds']} s "
            f"= {d['loaded'] / max(s.wall_seconds, 1e-9):.1f} docs/s, {d['amounts_per_second']} rows/s, "
            f"jobs {d['jobs']}"
        )
        me, _ = rss_mb()
        print(f"peak RSS after the load: this process {me:.0f} MB")
        if a.replicate:
            big = work / "lake-synthetic"
            shutil.rmtree(big, ignore_errors=True)
            t0 = time.perf_counter()
            n = replicate(base, big, a.replicate)
            print(
                f"synthetic lake: {n} documents in {time.perf_counter() - t0:.1f} s, {du(big) / 1e6:.0f} MB"
            )
            s = load_lake(big, url, jobs=a.load_jobs)
            d = s.as_dict()
            print(
                f"synthetic load (COPY): {d['loaded']} docs, {d['amounts']} rows in {d['wall_seconds']} s "
                f"= {d['loaded'] / max(s.wall_seconds, 1e-9):.1f} docs/s, {d['amounts_per_second']} rows/s, "
                f"jobs {d['jobs']}"
            )
            subprocess.run(["psql", make_url_psycopg(url), "-c", "VACUUM ANALYZE"], check=False)
            subprocess.run(
                ["psql", make_url_psycopg(url), "-c", "SELECT count(*) AS amounts FROM amounts"],
                check=False,
            )
        if a.multiply:
            t0 = time.perf_counter()
            multiply(url, a.multiply)
            print(f"multiplied ×{a.multiply} in PostgreSQL in {time.perf_counter() - t0:.1f} s")
            subprocess.run(["psql", make_url_psycopg(url), "-c", "VACUUM ANALYZE"], check=False)
            subprocess.run(
                ["psql", make_url_psycopg(url), "-c", "SELECT count(*) AS amounts FROM amounts"],
                check=False,
            )
        if not a.no_explain:
            explain(url, a.explain_out)
        print(f"database kept for inspection: {url}")
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
